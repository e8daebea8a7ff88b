/* What every real host holds beside a big table, for the benchmarks that
 * time rtw_lookup(): lo and eth0, an address of each family on eth0, and
 * the routes Linux makes for them (its local table: 127/8, the host's own
 * addresses, broadcasts; main: the on-link prefixes). Without them lookups
 * take paths no router running the library takes: a lookup first asks
 * whether the local table covers the address. */
#ifndef RTW_BENCH_HOST_H
#define RTW_BENCH_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "addr.h"
#include "backend.h"

#define BENCH_HOST_EVENTS 19

/* Whether the host's own routes cover key (of family's size): lookups there
 * give the host's answer, which a bare LPM of the big table does not have. */
static inline bool bench_host_covers(int family, const uint8_t *key)
{
	static const uint8_t net6[8] = { 0x20, 0x01, 0x0d, 0xb8 };
	static const uint8_t one6[16] = { [15] = 1 };

	if (family == AF_INET)
		return key[0] == 127 || (key[0] == 192 && key[1] == 0 && key[2] == 2);
	return memcmp(key, net6, 8) == 0 || memcmp(key, one6, 16) == 0 ||
	       (key[0] == 0xfe && (key[1] & 0xc0) == 0x80) || key[0] == 0xff;
}

static inline void bench_host_route(struct rtw_event *e, const char *dst, uint32_t table,
				    enum rtw_route_type type, uint8_t scope, const char *src,
				    uint32_t metric, const struct rtw_nexthop *hop)
{
	memset(e, 0, sizeof(*e));
	e->type = RTW_EV_ROUTE_ADD;
	rtw_prefix_parse(dst, &e->u.route.dst);
	e->u.route.table = table;
	e->u.route.type = type;
	e->u.route.protocol = 2; /* kernel */
	e->u.route.scope = scope;
	e->u.route.metric = metric;
	if (src)
		rtw_addr_parse(src, &e->u.route.prefsrc);
	e->u.route.n_nexthops = 1;
	e->u.route.nexthops = hop;
}

/* Fills v (room for BENCH_HOST_EVENTS) with the host's links, addresses
 * and routes, as a dump delivers them; returns how many. eth0 is ifindex 2,
 * up; the events point into static storage. */
static inline size_t bench_host_events(struct rtw_event *v)
{
	static const struct {
		const char *addr;
		uint8_t len;
		int ifindex;
	} addrs[] = {
		{ "127.0.0.1", 8, 1 },	   { "192.0.2.10", 24, 2 }, { "::1", 128, 1 },
		{ "2001:db8::10", 64, 2 }, { "fe80::10", 64, 2 },
	};
	static struct rtw_nexthop lo = { .ifindex = 1, .weight = 1 },
				  eth0 = { .ifindex = 2, .weight = 1 };
	const uint32_t local = RTW_TABLE_LOCAL, main_ = RTW_TABLE_MAIN;
	size_t n = 0, i;

	for (i = 1; i <= 2; i++) {
		memset(&v[n], 0, sizeof(v[n]));
		v[n].type = RTW_EV_LINK_UP;
		v[n].u.link.ifindex = (int)i;
		strcpy(v[n].u.link.name, i == 1 ? "lo" : "eth0");
		v[n].u.link.admin_up = v[n].u.link.carrier_up = true;
		n++;
	}
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		memset(&v[n], 0, sizeof(v[n]));
		v[n].type = RTW_EV_ADDR_ADD;
		rtw_addr_parse(addrs[i].addr, &v[n].u.addr.prefix.addr);
		v[n].u.addr.prefix.len = addrs[i].len;
		v[n].u.addr.ifindex = addrs[i].ifindex;
		n++;
	}
	bench_host_route(&v[n++], "127.0.0.0/8", local, RTW_ROUTE_LOCAL, 254, "127.0.0.1", 0, &lo);
	bench_host_route(&v[n++], "127.0.0.1/32", local, RTW_ROUTE_LOCAL, 254, "127.0.0.1", 0, &lo);
	bench_host_route(&v[n++], "127.255.255.255/32", local, RTW_ROUTE_BROADCAST, 253,
			 "127.0.0.1", 0, &lo);
	bench_host_route(&v[n++], "192.0.2.10/32", local, RTW_ROUTE_LOCAL, 254, "192.0.2.10", 0,
			 &eth0);
	bench_host_route(&v[n++], "192.0.2.255/32", local, RTW_ROUTE_BROADCAST, 253, "192.0.2.10",
			 0, &eth0);
	bench_host_route(&v[n++], "192.0.2.0/24", main_, RTW_ROUTE_UNICAST, 253, "192.0.2.10", 0,
			 &eth0);
	bench_host_route(&v[n++], "::1/128", local, RTW_ROUTE_LOCAL, 0, NULL, 0, &lo);
	bench_host_route(&v[n++], "2001:db8::10/128", local, RTW_ROUTE_LOCAL, 0, NULL, 0, &eth0);
	bench_host_route(&v[n++], "fe80::10/128", local, RTW_ROUTE_LOCAL, 0, NULL, 0, &eth0);
	bench_host_route(&v[n++], "ff00::/8", local, RTW_ROUTE_MULTICAST, 0, NULL, 256, &eth0);
	bench_host_route(&v[n++], "2001:db8::/64", main_, RTW_ROUTE_UNICAST, 0, NULL, 256, &eth0);
	bench_host_route(&v[n++], "fe80::/64", main_, RTW_ROUTE_UNICAST, 0, NULL, 256, &eth0);
	return n;
}

#endif
