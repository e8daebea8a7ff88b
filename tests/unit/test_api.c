/* The public API's contract at its edges (include/routewatch.h,
 * routewatch(3)): bad arguments give the documented errors and never a
 * crash, calls in the wrong state are refused, the enumerations and the
 * small accessors answer what the model holds, and a context freed or
 * dispatched from inside its own callbacks behaves as documented. Driven
 * from memory (tests/unit/evq.h). */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "evq.h"
#include "testutil.h"

/* lo (1), eth0 (2) with 192.0.2.10/24 and 2001:db8::10/64, eth1 (3) with
 * 198.51.100.10/24 (carrier down); a default route via eth0 and a net
 * route 10.8.0.0/16 via eth0. */
static struct rtw_ctx *setup(const struct rtw_options *o)
{
	struct rtw_ctx *c;

	evq_reset();
	evq_dump_add(evq_link(1, "lo", true, true));
	evq_dump_add(evq_link(2, "eth0", true, true));
	evq_dump_add(evq_link(3, "eth1", true, false));
	evq_dump_add(evq_addr(RTW_EV_ADDR_ADD, "192.0.2.10", 24, 2));
	evq_dump_add(evq_addr(RTW_EV_ADDR_ADD, "2001:db8::10", 64, 2));
	evq_dump_add(evq_addr(RTW_EV_ADDR_ADD, "198.51.100.10", 24, 3));
	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "0.0.0.0/0", "192.0.2.1", 2, 0, 254, RTW_ROUTE_UNICAST));
	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "10.8.0.0/16", "192.0.2.8", 2, 0, 254, RTW_ROUTE_UNICAST));
	c = evq_ctx(o);
	assert_non_null(c);
	return c;
}

struct under {
	const char *dst;
	bool all_hops; /* hops_of() */
	char text[256];
};

/* The routes of one prefix, in the enumeration's order: "nhid N", "via GW"
 * (the first hop's, "+N" for N more), "dev N" or the type's number, joined
 * by '|'; with all_hops, every hop's gateway. */
static int under_one(const struct rtw_route *r, void *user)
{
	struct under *u = user;
	char dst[64], gw[64], *end = u->text + strlen(u->text);
	size_t left = sizeof(u->text) - (size_t)(end - u->text);
	unsigned i;

	rtw_prefix_format(&r->dst, dst, sizeof(dst));
	if (strcmp(dst, u->dst) != 0)
		return 0;
	if (u->all_hops) {
		for (i = 0; i < r->n_nexthops; i++) {
			assert_true(rtw_addr_format(&r->nexthops[i].gateway, gw, sizeof(gw)) > 0);
			if (u->text[0])
				strcat(u->text, " ");
			strcat(u->text, gw);
		}
		return 0;
	}
	if (end != u->text)
		*end++ = '|', left--;
	if (r->nhid)
		snprintf(end, left, "nhid %u", r->nhid);
	else if (r->n_nexthops && r->nexthops[0].gateway.family != AF_UNSPEC)
		snprintf(end, left, r->n_nexthops > 1 ? "via %s +%u" : "via %s",
			 rtw_addr_format(&r->nexthops[0].gateway, gw, sizeof(gw)) < 0 ? "?" : gw,
			 r->n_nexthops - 1);
	else if (r->n_nexthops)
		snprintf(end, left, "dev %d", r->nexthops[0].ifindex);
	else
		snprintf(end, left, "type %d", (int)r->type);
	return 0;
}

static const char *routes_under(const struct rtw_ctx *c, struct under *u, const char *dst)
{
	u->dst = dst;
	u->text[0] = '\0';
	assert_int_equal(rtw_foreach_route(c, under_one, u), 0);
	return u->text;
}

/* Queues the add (or delete) of a route over nexthop object nhid, or via
 * gateway gw on eth0 (nhid 0), with the event flags given. */
static void push_route(enum rtw_event_type t, const char *dst, uint32_t nhid, const char *gw,
		       uint32_t metric, unsigned flags)
{
	struct evq_item it = evq_route(t, dst, gw, 2, metric, 254, RTW_ROUTE_UNICAST);

	if (nhid) {
		it.ev.u.route.n_nexthops = 0;
		it.ev.u.route.nhid = nhid;
	}
	it.ev.flags = flags;
	evq_push(it);
}

/* The gateway that a lookup of dst answers with. */
static const char *lookup_gw(const struct rtw_ctx *c, const char *dst, char *buf, size_t size)
{
	struct sockaddr_storage a = evq_sa(dst);
	struct rtw_route r;

	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
	assert_int_equal(r.n_nexthops, 1);
	assert_true(rtw_addr_format(&r.nexthops[0].gateway, buf, size) > 0);
	return buf;
}

/* What the kernel keeps under one (table, prefix, metric), as seen in a
 * namespace: IPv6 makes siblings of gateway routes only, so a route over a
 * nexthop object and a reject route stay beside them as routes of their
 * own; a replace by a gateway route takes the gateway routes' place, one by
 * another object the object route's. A replace naming a route over an
 * object that the key already holds changes nothing: the kernel sends one
 * for every route over an object it replaces, and the key's first route
 * (here a route that an IPv4 prepend put before it) must stay. */
static void kernel_keys_under_one_prefix(void **state)
{
	struct rtw_ctx *c = setup(NULL);
	struct sockaddr_storage b = evq_sa("2001:db8:2::1");
	struct under u = { 0 };
	struct evq_item it;
	char gw[64];

	evq_dump_add(evq_nhobj(2, 2, "192.0.2.2"));
	assert_int_equal(rtw_start(c), 0);
	it = evq_nhobj(5, 2, "192.0.2.5");
	it.ev.u.nhobj.family = AF_INET6;
	rtw_addr_parse("fe80::9", &it.ev.u.nhobj.hop.gateway);
	evq_push(it);
	rtw_addr_parse("fe80::8", &it.ev.u.nhobj.hop.gateway);
	it.ev.u.nhobj.id = 6;
	evq_push(it);
	push_route(RTW_EV_ROUTE_ADD, "2001:db8:1::/48", 5, NULL, 10, 0);
	push_route(RTW_EV_ROUTE_ADD, "2001:db8:1::/48", 0, "fe80::1", 10, RTW_EVF_APPEND);
	evq_push(
	    evq_route(RTW_EV_ROUTE_ADD, "2001:db8:2::/48", NULL, 0, 10, 254, RTW_ROUTE_BLACKHOLE));
	push_route(RTW_EV_ROUTE_ADD, "2001:db8:2::/48", 0, "fe80::1", 10, RTW_EVF_APPEND);
	rtw_dispatch(c);
	assert_string_equal(routes_under(c, &u, "2001:db8:1::/48"), "via fe80::1|nhid 5");
	assert_string_equal(routes_under(c, &u, "2001:db8:2::/48"), "via fe80::1|type 6");
	/* the first route under the key answers */
	assert_string_equal(lookup_gw(c, "2001:db8:1::1", gw, sizeof(gw)), "fe80::9");
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&b, NULL), -EHOSTUNREACH);
	push_route(RTW_EV_ROUTE_ADD, "2001:db8:2::/48", 0, "fe80::4", 10, RTW_EVF_REPLACE);
	push_route(RTW_EV_ROUTE_ADD, "2001:db8:1::/48", 6, NULL, 10, RTW_EVF_REPLACE);
	rtw_dispatch(c);
	assert_string_equal(routes_under(c, &u, "2001:db8:1::/48"), "via fe80::1|nhid 6");
	assert_string_equal(routes_under(c, &u, "2001:db8:2::/48"), "via fe80::4|type 6");
	/* the object has a gateway, yet its route is no sibling to replace */
	push_route(RTW_EV_ROUTE_ADD, "2001:db8:1::/48", 0, "fe80::2", 10, RTW_EVF_REPLACE);
	rtw_dispatch(c);
	assert_string_equal(routes_under(c, &u, "2001:db8:1::/48"), "via fe80::2|nhid 6");
	/* deletes name their route */
	evq_push(
	    evq_route(RTW_EV_ROUTE_DEL, "2001:db8:2::/48", NULL, 0, 10, 254, RTW_ROUTE_BLACKHOLE));
	push_route(RTW_EV_ROUTE_DEL, "2001:db8:1::/48", 6, NULL, 10, 0);
	rtw_dispatch(c);
	assert_string_equal(routes_under(c, &u, "2001:db8:1::/48"), "via fe80::2");
	assert_string_equal(routes_under(c, &u, "2001:db8:2::/48"), "via fe80::4");
	assert_string_equal(lookup_gw(c, "2001:db8:2::1", gw, sizeof(gw)), "fe80::4");
	/* without an object, IPv6 replaces the first device route even by a
	 * copy of the second: the kernel then holds two identical routes */
	evq_push(
	    evq_route(RTW_EV_ROUTE_ADD, "2001:db8:3::/48", NULL, 2, 10, 254, RTW_ROUTE_UNICAST));
	it = evq_route(RTW_EV_ROUTE_ADD, "2001:db8:3::/48", NULL, 3, 10, 254, RTW_ROUTE_UNICAST);
	it.ev.flags = RTW_EVF_APPEND;
	evq_push(it);
	it.ev.flags = RTW_EVF_REPLACE;
	evq_push(it);
	rtw_dispatch(c);
	assert_string_equal(routes_under(c, &u, "2001:db8:3::/48"), "dev 3|dev 3");

	/* The default routes of two routers' advertisements are routes of their
	 * own (the second comes without RTA_MULTIPATH: DUP_APPEND), and so is a
	 * sibling set beside them (as a dump gives it). A path delete takes the
	 * hop it names from the route that has it, and a router's route goes
	 * with its path. */
	push_route(RTW_EV_ROUTE_ADD, "::/0", 0, "fe80::a", 1024, 0);
	push_route(RTW_EV_ROUTE_ADD, "::/0", 0, "fe80::b", 1024, RTW_EVF_DUP_APPEND);
	it = evq_route(RTW_EV_ROUTE_ADD, "::/0", "fe80::1", 2, 1024, 254, RTW_ROUTE_UNICAST);
	it.hops[1] = it.hops[0];
	rtw_addr_parse("fe80::2", &it.hops[1].gateway);
	it.ev.u.route.n_nexthops = 2;
	it.ev.flags = RTW_EVF_DUP_APPEND;
	evq_push(it);
	rtw_dispatch(c);
	assert_string_equal(routes_under(c, &u, "::/0"), "via fe80::a|via fe80::b|via fe80::1 +1");
	push_route(RTW_EV_ROUTE_DEL, "::/0", 0, "fe80::2", 1024, RTW_EVF_APPEND);
	push_route(RTW_EV_ROUTE_DEL, "::/0", 0, "fe80::a", 1024, RTW_EVF_APPEND);
	rtw_dispatch(c);
	assert_string_equal(routes_under(c, &u, "::/0"), "via fe80::b|via fe80::1");

	/* IPv4: a gateway route prepended before a route over object 2, then
	 * the object replaced, with the kernel's replace of its route */
	push_route(RTW_EV_ROUTE_ADD, "172.16.2.0/24", 2, NULL, 0, 0);
	push_route(RTW_EV_ROUTE_ADD, "172.16.2.0/24", 0, "192.0.2.7", 0, RTW_EVF_DUP_PREPEND);
	evq_push(evq_nhobj(2, 2, "192.0.2.9"));
	push_route(RTW_EV_ROUTE_ADD, "172.16.2.0/24", 2, NULL, 0, RTW_EVF_REPLACE);
	rtw_dispatch(c);
	/* IPv4 duplicates enumerate in the kernel's order: the prepended first */
	assert_string_equal(routes_under(c, &u, "172.16.2.0/24"), "via 192.0.2.7|nhid 2");
	assert_string_equal(lookup_gw(c, "172.16.2.1", gw, sizeof(gw)), "192.0.2.7");
	/* a real replace takes the key's first route */
	push_route(RTW_EV_ROUTE_ADD, "172.16.2.0/24", 0, "192.0.2.8", 0, RTW_EVF_REPLACE);
	rtw_dispatch(c);
	assert_string_equal(routes_under(c, &u, "172.16.2.0/24"), "via 192.0.2.8|nhid 2");
	/* the object becomes a blackhole: the kernel's replace of its route
	 * then reports a blackhole route, and it still names that route */
	it = evq_nhobj(2, 0, "192.0.2.9");
	it.ev.u.nhobj.family = AF_UNSPEC;
	it.ev.u.nhobj.blackhole = true;
	memset(&it.ev.u.nhobj.hop, 0, sizeof(it.ev.u.nhobj.hop));
	evq_push(it);
	it = evq_route(RTW_EV_ROUTE_ADD, "172.16.2.0/24", NULL, 0, 0, 254, RTW_ROUTE_BLACKHOLE);
	it.ev.u.route.nhid = 2;
	it.ev.flags = RTW_EVF_REPLACE;
	evq_push(it);
	rtw_dispatch(c);
	assert_string_equal(routes_under(c, &u, "172.16.2.0/24"), "via 192.0.2.8|nhid 2");
	assert_string_equal(lookup_gw(c, "172.16.2.1", gw, sizeof(gw)), "192.0.2.8");
	rtw_free(c);
}

/* An overflow: the core asks for a dump and reconciles. */
static void resync(struct rtw_ctx *c)
{
	struct evq_item ov;
	int dumps = evq.dumps;

	memset(&ov, 0, sizeof(ov));
	ov.ev.type = RTW_EV_OVERFLOW;
	evq_push(ov);
	assert_true(rtw_dispatch(c) >= 0);
	assert_int_equal(evq.dumps, dumps + 1);
}

/* Linux reports a route over a blackhole nexthop object as a blackhole
 * route, whatever its own type, and with net.ipv4.nexthop_compat_mode off
 * it sends nothing about the route when the object gets a gateway (seen in
 * a namespace). The object's change then makes the context dump again, so
 * that the unicast route routes and the blackhole route stays one. */
static void blackhole_object_gets_gateway(void **state)
{
	struct rtw_ctx *c = setup(NULL);
	struct evq_item nh = evq_nhobj(5, 2, "192.0.2.5"), unicast, blackhole;
	struct sockaddr_storage a9 = evq_sa("10.9.1.1"), a7 = evq_sa("10.7.1.1");
	struct rtw_route r;
	size_t n_dump, i;
	int dumps;

	(void)state;
	nh.ev.u.nhobj.blackhole = true;
	memset(&nh.ev.u.nhobj.hop, 0, sizeof(nh.ev.u.nhobj.hop));
	evq_dump_add(nh);
	unicast = evq_route(RTW_EV_ROUTE_ADD, "10.9.0.0/16", NULL, 0, 0, 254, RTW_ROUTE_BLACKHOLE);
	unicast.ev.u.route.n_nexthops = 0;
	unicast.ev.u.route.nhid = 5;
	blackhole = unicast;
	assert_int_equal(rtw_prefix_parse("10.7.0.0/16", &blackhole.ev.u.route.dst), 0);
	evq_dump_add(unicast);
	n_dump = evq.n_dump;
	evq_dump_add(blackhole);
	assert_int_equal(rtw_start(c), 0);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a9, &r), -EHOSTUNREACH);
	assert_int_equal(r.type, RTW_ROUTE_BLACKHOLE);

	/* the kernel now: the object has a gateway, 10.9/16 is unicast */
	nh = evq_nhobj(5, 2, "192.0.2.5");
	for (i = 0; i < evq.n_dump; i++)
		if (evq.dump[i].ev.type == RTW_EV_NEXTHOP_ADD && evq.dump[i].ev.u.nhobj.id == 5)
			evq.dump[i] = nh;
	evq.dump[n_dump - 1].ev.u.route.type = RTW_ROUTE_UNICAST;
	evq_push(nh);
	dumps = evq.dumps;
	assert_true(rtw_dispatch(c) > 0);
	assert_int_equal(evq.dumps, dumps + 1);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a9, &r), 0);
	assert_int_equal(r.type, RTW_ROUTE_UNICAST);
	assert_int_equal(r.n_nexthops, 1);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a7, &r), -EHOSTUNREACH);
	assert_int_equal(r.type, RTW_ROUTE_BLACKHOLE);

	/* a gateway that changes again needs no dump */
	nh = evq_nhobj(5, 2, "192.0.2.6");
	evq_push(nh);
	dumps = evq.dumps;
	assert_true(rtw_dispatch(c) > 0);
	assert_int_equal(evq.dumps, dumps);

	/* met inside a dump (after an overflow), the change asks for no
	 * other: the routes come after the object in the same dump */
	nh.ev.u.nhobj.blackhole = true;
	memset(&nh.ev.u.nhobj.hop, 0, sizeof(nh.ev.u.nhobj.hop));
	evq_push(nh);
	assert_true(rtw_dispatch(c) > 0);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a9, &r), -EHOSTUNREACH);
	resync(c);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a9, &r), 0);
	dumps = evq.dumps;
	assert_int_equal(rtw_dispatch(c), 0);
	assert_int_equal(evq.dumps, dumps);
	rtw_free(c);
}

/* The gateways of dst's routes, in order, joined by ' '. */
static const char *hops_of(const struct rtw_ctx *c, struct under *u, const char *dst)
{
	u->all_hops = true;
	routes_under(c, u, dst);
	u->all_hops = false;
	return u->text;
}

static void count_notice(const struct rtw_notice *n, const char *json, void *user)
{
	(void)n;
	(void)json;
	++*(unsigned *)user;
}

/* An IPv6 multipath set as its notifications give it (RTW_EVF_SIBLINGS):
 * `ip -6 route append` of one hop lists the new hop first, a multipath
 * append lists the set as the kernel keeps it; the kernel's dump has the
 * hops a route had before the ones added to it, and so must the model, or a
 * resync reports the route as changed (and asks for a cpdcheck). */
static void sibling_notifications_keep_kernel_order(void **state)
{
	struct rtw_ctx *c = setup(NULL);
	struct evq_item it;
	struct under u = { 0 };
	struct sockaddr_storage a9 = evq_sa("2001:db8:9::1");
	struct rtw_route r;
	unsigned notices = 0, i;
	static const char *const one_by_one[][3] = {
		{ "fe80::b", "fe80::a", NULL },
		{ "fe80::c", "fe80::a", "fe80::b" },
	};

	(void)state;
	assert_int_equal(rtw_start(c), 0);
	push_route(RTW_EV_ROUTE_ADD, "2001:db8:9::/48", 0, "fe80::a", 10, 0);
	for (i = 0; i < 2; i++) {
		unsigned n = one_by_one[i][2] ? 3 : 2, k;

		it = evq_route(RTW_EV_ROUTE_ADD, "2001:db8:9::/48", one_by_one[i][0], 2, 10, 254,
			       RTW_ROUTE_UNICAST);
		for (k = 1; k < n; k++) {
			it.hops[k] = it.hops[0];
			rtw_addr_parse(one_by_one[i][k], &it.hops[k].gateway);
		}
		it.ev.u.route.n_nexthops = n;
		it.ev.u.route.protocol = 3; /* the appended route's own */
		it.ev.flags = RTW_EVF_SIBLINGS;
		evq_push(it);
	}
	assert_true(rtw_dispatch(c) > 0);
	assert_string_equal(hops_of(c, &u, "2001:db8:9::/48"), "fe80::a fe80::b fe80::c");
	/* the dump shows the first sibling's protocol */
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a9, &r), 0);
	assert_int_equal(r.protocol, 4);

	/* a resync whose dump has the kernel's order changes nothing */
	it.hops[0] = it.hops[1];
	it.hops[1] = it.hops[2];
	rtw_addr_parse("fe80::c", &it.hops[2].gateway);
	it.ev.flags = 0;
	it.ev.u.route.protocol = 4;
	evq_dump_add(it);
	rtw_set_notice_cb(c, count_notice, &notices);
	resync(c);
	assert_int_equal(notices, 1); /* {"resync":"done"} alone */
	assert_string_equal(hops_of(c, &u, "2001:db8:9::/48"), "fe80::a fe80::b fe80::c");

	/* two appended at once: listed in the kernel's order already */
	it.hops[3] = it.hops[4] = it.hops[0];
	rtw_addr_parse("fe80::e", &it.hops[3].gateway);
	rtw_addr_parse("fe80::d", &it.hops[4].gateway);
	it.ev.u.route.n_nexthops = 5;
	it.ev.flags = RTW_EVF_SIBLINGS;
	evq_push(it);
	assert_true(rtw_dispatch(c) > 0);
	assert_string_equal(hops_of(c, &u, "2001:db8:9::/48"),
			    "fe80::a fe80::b fe80::c fe80::e fe80::d");

	/* Beside two routers' advertised routes (no siblings of anything) a
	 * new set is a route of its own, and a hop appended to it joins it. */
	push_route(RTW_EV_ROUTE_ADD, "::/0", 0, "fe80::a", 1024, 0);
	push_route(RTW_EV_ROUTE_ADD, "::/0", 0, "fe80::b", 1024, RTW_EVF_DUP_APPEND);
	it = evq_route(RTW_EV_ROUTE_ADD, "::/0", "fe80::1", 2, 1024, 254, RTW_ROUTE_UNICAST);
	it.hops[1] = it.hops[2] = it.hops[0];
	rtw_addr_parse("fe80::2", &it.hops[1].gateway);
	it.ev.u.route.n_nexthops = 2;
	it.ev.flags = RTW_EVF_SIBLINGS;
	evq_push(it);
	assert_true(rtw_dispatch(c) > 0);
	assert_string_equal(routes_under(c, &u, "::/0"), "via fe80::a|via fe80::b|via fe80::1 +1");
	rtw_addr_parse("fe80::3", &it.hops[0].gateway);
	rtw_addr_parse("fe80::1", &it.hops[1].gateway);
	rtw_addr_parse("fe80::2", &it.hops[2].gateway);
	it.ev.u.route.n_nexthops = 3;
	evq_push(it);
	assert_true(rtw_dispatch(c) > 0);
	assert_string_equal(routes_under(c, &u, "::/0"), "via fe80::a|via fe80::b|via fe80::1 +2");
	assert_string_equal(hops_of(c, &u, "::/0"), "fe80::a fe80::b fe80::1 fe80::2 fe80::3");
	rtw_free(c);
}

/* Linux clears the preferred source of IPv6 routes that named a deleted
 * address, and says nothing: a resync when some route names it, none
 * otherwise (a privacy address expiring, a link-local one going with its
 * link, would each cost a full dump). */
static void ipv6_address_delete_resyncs_when_named(void **state)
{
	struct rtw_ctx *c = setup(NULL);
	struct sockaddr_storage d = evq_sa("2001:db8:5::1");
	struct evq_item it, del;
	struct rtw_route r;
	int dumps;

	(void)state;
	assert_int_equal(rtw_start(c), 0);
	it = evq_route(RTW_EV_ROUTE_ADD, "2001:db8:5::/48", "fe80::1", 2, 1024, 254,
		       RTW_ROUTE_UNICAST);
	rtw_addr_parse("2001:db8::10", &it.ev.u.route.prefsrc);
	evq_push(it);
	assert_true(rtw_dispatch(c) > 0);
	/* what the kernel dumps once the address is gone */
	memset(&it.ev.u.route.prefsrc, 0, sizeof(it.ev.u.route.prefsrc));
	evq_dump_add(it);

	del = evq_addr(RTW_EV_ADDR_DEL, "2001:db8::11", 64, 2);
	del.ev.flags = RTW_EVF_PREFSRC;
	evq_push(del);
	dumps = evq.dumps;
	assert_true(rtw_dispatch(c) > 0);
	assert_int_equal(evq.dumps, dumps);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&d, &r), 0);
	assert_int_equal(r.prefsrc.family, AF_INET6);

	del = evq_addr(RTW_EV_ADDR_DEL, "2001:db8::10", 64, 2);
	del.ev.flags = RTW_EVF_PREFSRC;
	evq_push(del);
	assert_true(rtw_dispatch(c) >= 0);
	assert_int_equal(evq.dumps, dumps + 1);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&d, &r), 0);
	assert_int_equal(r.prefsrc.family, AF_UNSPEC);
	rtw_free(c);
}

/* A Linux deletion notice names the route that went (RTW_EVF_EXACT): one
 * the model does not have is gone already (deleted while a resync's dump
 * ran, which left it out), and the key's other routes stay.
 * Without the flag (the BSD backend) the key's first route goes. */
static void exact_deletions(void **state)
{
	struct rtw_ctx *c = setup(NULL);
	struct evq_item it;
	struct under u = { 0 };

	(void)state;
	evq_dump_add(evq_nhobj(3, 2, "192.0.2.3"));
	assert_int_equal(rtw_start(c), 0);
	push_route(RTW_EV_ROUTE_ADD, "10.77.0.0/16", 0, "192.0.2.7", 0, 0);
	push_route(RTW_EV_ROUTE_ADD, "10.77.0.0/16", 0, "192.0.2.8", 0, RTW_EVF_DUP_APPEND);
	push_route(RTW_EV_ROUTE_ADD, "10.78.0.0/16", 0, "192.0.2.7", 0, 0);
	push_route(RTW_EV_ROUTE_ADD, "2001:db8:78::/48", 0, "fe80::7", 0, 0);
	push_route(RTW_EV_ROUTE_DEL, "10.77.0.0/16", 0, "192.0.2.9", 0, RTW_EVF_EXACT);
	push_route(RTW_EV_ROUTE_DEL, "10.78.0.0/16", 0, "192.0.2.9", 0, RTW_EVF_EXACT);
	push_route(RTW_EV_ROUTE_DEL, "2001:db8:78::/48", 0, "fe80::9", 0,
		   RTW_EVF_APPEND | RTW_EVF_EXACT);
	assert_true(rtw_dispatch(c) > 0);
	assert_string_equal(routes_under(c, &u, "10.77.0.0/16"), "via 192.0.2.7|via 192.0.2.8");
	assert_string_equal(routes_under(c, &u, "10.78.0.0/16"), "via 192.0.2.7");
	assert_string_equal(routes_under(c, &u, "2001:db8:78::/48"), "via fe80::7");
	/* the one named goes */
	push_route(RTW_EV_ROUTE_DEL, "10.77.0.0/16", 0, "192.0.2.8", 0, RTW_EVF_EXACT);
	assert_true(rtw_dispatch(c) > 0);
	assert_string_equal(routes_under(c, &u, "10.77.0.0/16"), "via 192.0.2.7");
	/* a route over an object that turned blackhole is notified as a
	 * blackhole route: still the route the model has */
	push_route(RTW_EV_ROUTE_ADD, "10.79.0.0/16", 3, NULL, 0, 0);
	it = evq_route(RTW_EV_ROUTE_DEL, "10.79.0.0/16", NULL, 0, 0, 254, RTW_ROUTE_BLACKHOLE);
	it.ev.u.route.nhid = 3;
	it.ev.flags = RTW_EVF_EXACT;
	evq_push(it);
	assert_true(rtw_dispatch(c) > 0);
	assert_string_equal(routes_under(c, &u, "10.79.0.0/16"), "");
	/* without the flag, a path the key lacks takes its first route */
	push_route(RTW_EV_ROUTE_DEL, "10.78.0.0/16", 0, "192.0.2.9", 0, 0);
	assert_true(rtw_dispatch(c) > 0);
	assert_string_equal(routes_under(c, &u, "10.78.0.0/16"), "");
	rtw_free(c);
}

/* rtw_lookup()'s short paths on tables with direct indexes (as a full
 * table has): an IPv4 route over a nexthop object, an IPv6 address that
 * nothing covers up to /16 and nothing deeper, one under a deeper prefix
 * with nothing up to /16, one under a prefix up to /16, and the sockaddrs
 * that must not take the IPv6 path (v4-mapped, ::1 with its first byte 0). */
static void indexed_lookups(void **state)
{
	static const struct {
		const char *dst;
		int rc;
		unsigned len;
	} want[] = {
		{ "2001:db8:1::5", 0, 48 },	      /* deeper than its /16, which has no prefix */
		{ "2001:db8:2::5", -ENETUNREACH, 0 }, /* the same /16, no prefix below it */
		{ "2002::1", -ENETUNREACH, 0 },	      /* nothing in 2002::/16 */
		{ "2401:1::1", 0, 12 },		      /* 2400::/12 holds its /16 */
		{ "3fff::1", -ENETUNREACH, 0 },
		{ "::ffff:10.8.0.1", 0, 16 }, /* the IPv4 route */
		{ "::ffff:10.9.0.1", 0, 0 },  /* the IPv4 default route */
		{ "::1", -ENETUNREACH, 0 },
		{ "10.8.7.7", 0, 16 },
	};
	struct rtw_ctx *c = setup(NULL);
	struct evq_item it;
	struct rtw_route r;
	struct rtw_addr x;
	size_t i;

	evq_dump_add(evq_route(RTW_EV_ROUTE_ADD, "2001:db8:1::/48", "2001:db8::1", 2, 1024, 254,
			       RTW_ROUTE_UNICAST));
	evq_dump_add(evq_route(RTW_EV_ROUTE_ADD, "2400::/12", "2001:db8::1", 2, 1024, 254,
			       RTW_ROUTE_UNICAST));
	/* a route over a nexthop object answers with the object's hop */
	evq_dump_add(evq_nhobj(7, 2, "192.0.2.7"));
	it = evq_route(RTW_EV_ROUTE_ADD, "10.77.0.0/16", NULL, 0, 0, 254, RTW_ROUTE_UNICAST);
	it.ev.u.route.n_nexthops = 0;
	it.ev.u.route.nhid = 7;
	evq_dump_add(it);
	model_set_index_min(&c->model, 1);
	assert_int_equal(rtw_start(c), 0);
	{
		struct sockaddr_storage a = evq_sa("10.77.1.1");
		char gw[64];

		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
		assert_int_equal(r.dst.len, 16);
		assert_int_equal(r.nhid, 7);
		assert_int_equal(r.n_nexthops, 1);
		rtw_addr_format(&r.nexthops[0].gateway, gw, sizeof(gw));
		assert_string_equal(gw, "192.0.2.7");
	}
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct sockaddr_storage a = evq_sa(want[i].dst);
		int rc = rtw_lookup(c, (struct sockaddr *)&a, &r);

		if (rc != want[i].rc || (rc == 0 && r.dst.len != want[i].len))
			fail_msg("%s: rc %d len %u, want rc %d len %u", want[i].dst, rc,
				 rc == 0 ? r.dst.len : 0, want[i].rc, want[i].len);
		assert_int_equal(rtw_addr_parse(want[i].dst, &x), 0);
		assert_int_equal(rtw_lookup_addr(c, &x, &r), want[i].rc);
	}
	rtw_free(c);
}

/* Answers of rtw_lookup() for "o.x.y.z" with first octets 1 to 30: want_local
 * says which hold their local /32 at o.1.2.3. Main has o.0.0.0/8 for each. */
static void check_local_beside(struct rtw_ctx *c, const bool *want_local)
{
	unsigned o;

	for (o = 1; o <= 30; o++) {
		static const struct {
			const char *fmt;
			bool local; /* local's when want_local[o]; else main's /8 */
			unsigned len;
		} probe[] = { { "%u.1.2.3", true, 32 },
			      { "%u.1.2.4", false, 8 },
			      { "%u.2.0.1", false, 8 } };
		size_t i;

		for (i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
			bool local = probe[i].local && want_local[o];
			struct sockaddr_storage a;
			struct rtw_route r;
			char text[32];

			snprintf(text, sizeof(text), probe[i].fmt, o);
			a = evq_sa(text);
			assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
			if (r.table != (local ? 255u : 254u) ||
			    r.dst.len != (local ? probe[i].len : 8))
				fail_msg("%s: table %u /%u, want table %u /%u", text, r.table,
					 r.dst.len, local ? 255u : 254u, local ? probe[i].len : 8);
		}
	}
	{
		/* a local /11 (second octets 32 to 63) beside main's 1.0.0.0/8 */
		struct sockaddr_storage in = evq_sa("1.63.0.1"), out = evq_sa("1.64.0.1");
		struct rtw_route r;

		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&in, &r), 0);
		assert_int_equal(r.table, 255);
		assert_int_equal(r.dst.len, 11);
		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&out, &r), 0);
		assert_int_equal(r.table, 254);
		assert_int_equal(r.dst.len, 8);
	}
}

/* A host's local table beside main, under first octets main also holds: the
 * local routes answer for their addresses, main for the rest of the octet,
 * with more such octets than rtw_lookup()'s per-octet maps, and as local
 * routes go from some octets and come to others. */
static void local_beside_main(void **state)
{
	struct rtw_ctx *c = setup(NULL);
	bool want_local[31] = { false };
	char dst[32];
	unsigned o;

	(void)state;
	for (o = 1; o <= 30; o++) {
		snprintf(dst, sizeof(dst), "%u.0.0.0/8", o);
		evq_dump_add(
		    evq_route(RTW_EV_ROUTE_ADD, dst, "192.0.2.1", 2, 0, 254, RTW_ROUTE_UNICAST));
	}
	for (o = 1; o <= 12; o++) {
		snprintf(dst, sizeof(dst), "%u.1.2.3/32", o);
		evq_dump_add(evq_route(RTW_EV_ROUTE_ADD, dst, NULL, 1, 0, 255, RTW_ROUTE_LOCAL));
		want_local[o] = true;
	}
	evq_dump_add(evq_route(RTW_EV_ROUTE_ADD, "1.32.0.0/11", NULL, 1, 0, 255, RTW_ROUTE_LOCAL));
	assert_int_equal(rtw_start(c), 0);
	check_local_beside(c, want_local);
	/* local routes leave octets 3 to 8 and come to 20 to 27 */
	for (o = 3; o <= 8; o++) {
		snprintf(dst, sizeof(dst), "%u.1.2.3/32", o);
		evq_push(evq_route(RTW_EV_ROUTE_DEL, dst, NULL, 1, 0, 255, RTW_ROUTE_LOCAL));
		want_local[o] = false;
	}
	for (o = 20; o <= 27; o++) {
		snprintf(dst, sizeof(dst), "%u.1.2.3/32", o);
		evq_push(evq_route(RTW_EV_ROUTE_ADD, dst, NULL, 1, 0, 255, RTW_ROUTE_LOCAL));
		want_local[o] = true;
	}
	rtw_dispatch(c);
	check_local_beside(c, want_local);
	/* more under an octet that has local routes, and again under one
	 * that had: other second octets */
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "2.9.9.9/32", NULL, 1, 0, 255, RTW_ROUTE_LOCAL));
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "3.7.7.7/32", NULL, 1, 0, 255, RTW_ROUTE_LOCAL));
	rtw_dispatch(c);
	check_local_beside(c, want_local);
	{
		static const char *const mine[] = { "2.9.9.9", "3.7.7.7" };
		size_t i;

		for (i = 0; i < 2; i++) {
			struct sockaddr_storage a = evq_sa(mine[i]);
			struct rtw_route r;

			assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
			assert_int_equal(r.table, 255);
			assert_int_equal(r.dst.len, 32);
		}
	}
	rtw_free(c);
}

/* The unspecified address is this host, as connect() and sendto() take it
 * (a socket connected to 0.0.0.0 names 127.0.0.1 as its peer): lookups of
 * 0.0.0.0, :: and ::ffff:0.0.0.0 answer with the loopback routes, never the
 * default routes, with the front array and without; and a watch of a peer
 * 0.0.0.0 or :: outlives the default routes. */
static void unspecified_is_this_host(void **state)
{
	static const struct {
		const char *dst;
		unsigned len;
	} want[] = { { "0.0.0.0", 8 }, { "::", 128 }, { "::ffff:0.0.0.0", 8 } };
	int indexed;

	(void)state;
	for (indexed = 0; indexed < 2; indexed++) {
		struct rtw_ctx *c = setup(NULL);
		struct sockaddr_storage p4 = evq_sa("0.0.0.0"), p6 = evq_sa("::");
		struct rtw_watch *w4, *w6;
		struct rtw_route r;
		struct rtw_addr x;
		size_t i;

		evq_dump_add(
		    evq_route(RTW_EV_ROUTE_ADD, "127.0.0.0/8", NULL, 1, 0, 255, RTW_ROUTE_LOCAL));
		evq_dump_add(
		    evq_route(RTW_EV_ROUTE_ADD, "::1/128", NULL, 1, 0, 255, RTW_ROUTE_LOCAL));
		evq_dump_add(evq_route(RTW_EV_ROUTE_ADD, "::/0", "2001:db8::1", 2, 1024, 254,
				       RTW_ROUTE_UNICAST));
		if (indexed)
			model_set_index_min(&c->model, 1);
		assert_int_equal(rtw_start(c), 0);
		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			struct sockaddr_storage a = evq_sa(want[i].dst);

			memset(&r, 0, sizeof(r));
			assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
			assert_int_equal(r.type, RTW_ROUTE_LOCAL);
			assert_int_equal(r.dst.len, want[i].len);
			assert_int_equal(r.nexthops[0].ifindex, 1);
			assert_int_equal(rtw_addr_parse(want[i].dst, &x), 0);
			memset(&r, 0, sizeof(r));
			assert_int_equal(rtw_lookup_addr(c, &x, &r), 0);
			assert_int_equal(r.type, RTW_ROUTE_LOCAL);
			assert_int_equal(r.dst.len, want[i].len);
		}
		w4 = rtw_watch_add(c, (struct sockaddr *)&p4, NULL, 0, NULL, NULL);
		w6 = rtw_watch_add(c, (struct sockaddr *)&p6, NULL, 0, NULL, NULL);
		assert_non_null(w4);
		assert_non_null(w6);
		assert_int_equal(rtw_watch_status(w4, &r), RTW_REASON_NONE);
		assert_int_equal(r.type, RTW_ROUTE_LOCAL);
		evq_push(evq_route(RTW_EV_ROUTE_DEL, "0.0.0.0/0", "192.0.2.1", 2, 0, 254,
				   RTW_ROUTE_UNICAST));
		evq_push(evq_route(RTW_EV_ROUTE_DEL, "::/0", "2001:db8::1", 2, 1024, 254,
				   RTW_ROUTE_UNICAST));
		assert_true(rtw_dispatch(c) >= 0);
		assert_int_equal(rtw_watch_status(w4, NULL), RTW_REASON_NONE);
		assert_int_equal(rtw_watch_status(w6, NULL), RTW_REASON_NONE);
		/* and the loopback routes are what they follow */
		evq_push(
		    evq_route(RTW_EV_ROUTE_DEL, "127.0.0.0/8", NULL, 1, 0, 255, RTW_ROUTE_LOCAL));
		assert_true(rtw_dispatch(c) >= 0);
		assert_int_equal(rtw_watch_status(w4, NULL), RTW_REASON_NO_ROUTE);
		assert_int_equal(rtw_watch_status(w6, NULL), RTW_REASON_NONE);
		rtw_free(c);
	}
}

static void *no_malloc(void *arg, size_t size)
{
	(void)arg;
	return malloc(size);
}

static void bad_options(void **state)
{
	struct rtw_allocator half = { .malloc = no_malloc };
	struct rtw_options o;

	memset(&o, 0, sizeof(o));
	o.allocator = &half; /* no realloc, no free */
	errno = 0;
	assert_null(rtw_new(&o));
	assert_int_equal(errno, EINVAL);

	memset(&o, 0, sizeof(o));
	o.linkdown = (enum rtw_linkdown_policy)7;
	errno = 0;
	assert_null(rtw_new(&o));
	assert_int_equal(errno, EINVAL);

	memset(&o, 0, sizeof(o));
	o.flags = RTW_OPT_FIB;
	o.fib = -1;
	errno = 0;
	assert_null(rtw_new(&o));
	assert_int_equal(errno, EINVAL);
}

/* RTW_OPT_FIB: the context sees the one table of that FIB, and a lookup
 * uses it alone. */
static void fib_option(void **state)
{
	struct sockaddr_storage a = evq_sa("10.9.1.1");
	struct rtw_options o;
	struct rtw_route r;
	struct rtw_ctx *c;

	memset(&o, 0, sizeof(o));
	o.flags = RTW_OPT_FIB;
	o.fib = 3;
	c = setup(&o);
	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "10.9.0.0/16", "192.0.2.9", 2, 0, 3, RTW_ROUTE_UNICAST));
	assert_int_equal(rtw_start(c), 0);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
	assert_int_equal(r.table, 3);
	assert_int_equal(r.dst.len, 16);
	/* main's default route is not in FIB 3 */
	a = evq_sa("203.0.113.1");
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), -ENETUNREACH);
	rtw_free(c);
}

static void wrong_state(void **state)
{
	struct rtw_ctx *c = setup(NULL);
	struct rtw_stats st;

	assert_int_equal(rtw_start(NULL), -EINVAL);
	assert_int_equal(rtw_dispatch(NULL), -EINVAL);
	assert_int_equal(rtw_fd(NULL), -EBADF);
	assert_int_equal(rtw_fd(c), -EBADF);
	assert_int_equal(rtw_dispatch(c), -ENOTCONN);
	assert_int_equal(rtw_get_stats(NULL, &st), -EINVAL);
	assert_int_equal(rtw_get_stats(c, NULL), -EINVAL);
	assert_string_equal(rtw_error_detail(NULL), "");
	assert_int_equal(rtw_start(c), 0);
	assert_true(rtw_fd(c) >= 0);
	assert_int_equal(rtw_start(c), -EALREADY);
	assert_int_equal(rtw_dispatch(c), 0);
	rtw_free(c);
	rtw_free(NULL);
}

static void bad_lookups(void **state)
{
	struct rtw_ctx *c = setup(NULL);
	struct sockaddr_storage a = evq_sa("10.8.0.1");
	struct sockaddr_un un;
	struct rtw_addr x;
	struct rtw_route r;

	assert_int_equal(rtw_start(c), 0);
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	assert_int_equal(rtw_lookup(NULL, (struct sockaddr *)&a, &r), -EINVAL);
	assert_int_equal(rtw_lookup(c, NULL, &r), -EINVAL);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&un, &r), -EAFNOSUPPORT);
	assert_false(rtw_routable(c, (struct sockaddr *)&un));
	assert_false(rtw_routable(NULL, (struct sockaddr *)&a));
	memset(&x, 0, sizeof(x));
	assert_int_equal(rtw_lookup_addr(c, &x, &r), -EAFNOSUPPORT);
	assert_int_equal(rtw_lookup_addr(c, NULL, &r), -EINVAL);
	assert_int_equal(rtw_addr_parse("192.0.2.77", &x), 0);
	assert_int_equal(rtw_lookup_addr(NULL, &x, &r), -EINVAL);
	assert_int_equal(rtw_lookup_addr(c, &x, &r), 0);
	assert_int_equal(r.dst.len, 0);
	/* a good lookup still works after the bad ones */
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
	assert_int_equal(r.dst.len, 16);
	rtw_free(c);
}

static void ignore(struct rtw_watch *w, enum rtw_reason reason, void *user)
{
	(void)w;
	(void)reason;
	(void)user;
}

static void bad_watches(void **state)
{
	struct rtw_ctx *c = setup(NULL);
	struct sockaddr_storage p = evq_sa("10.8.0.1"), v6;
	struct sockaddr_un un;
	struct rtw_watch *w;
	int sv[2], tag = 42;

	assert_int_equal(rtw_start(c), 0);
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	errno = 0;
	assert_null(rtw_watch_add(c, (struct sockaddr *)&p, NULL, 0x80, ignore, NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(rtw_watch_add(NULL, (struct sockaddr *)&p, NULL, 0, ignore, NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(rtw_watch_add(c, NULL, NULL, 0, ignore, NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(rtw_watch_add(c, (struct sockaddr *)&un, NULL, 0, ignore, NULL));
	assert_int_equal(errno, EAFNOSUPPORT);
	errno = 0;
	assert_null(
	    rtw_watch_add(c, (struct sockaddr *)&p, (struct sockaddr *)&un, 0, ignore, NULL));
	assert_int_equal(errno, EAFNOSUPPORT);
	/* no socket has an IPv4 peer and an IPv6 source; a v4-mapped one is IPv4 */
	v6 = evq_sa("2001:db8::10");
	errno = 0;
	assert_null(
	    rtw_watch_add(c, (struct sockaddr *)&p, (struct sockaddr *)&v6, 0, ignore, NULL));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(
	    rtw_watch_add(c, (struct sockaddr *)&v6, (struct sockaddr *)&p, 0, ignore, NULL));
	assert_int_equal(errno, EINVAL);
	v6 = evq_sa("::ffff:10.0.0.2");
	w = rtw_watch_add(c, (struct sockaddr *)&p, (struct sockaddr *)&v6, 0, ignore, NULL);
	assert_non_null(w);
	rtw_watch_del(w);
	/* the wildcard names no local address: the watch follows its peer
	 * alone */
	v6 = evq_sa("0.0.0.0");
	w = rtw_watch_add(c, (struct sockaddr *)&p, (struct sockaddr *)&v6, 0, ignore, NULL);
	assert_non_null(w);
	assert_int_equal(rtw_watch_status(w, NULL), RTW_REASON_NONE);
	rtw_watch_del(w);
	v6 = evq_sa("::");
	w = rtw_watch_add(c, (struct sockaddr *)&p, (struct sockaddr *)&v6, 0, ignore, NULL);
	assert_non_null(w);
	assert_int_equal(rtw_watch_status(w, NULL), RTW_REASON_NONE);
	rtw_watch_del(w);

	errno = 0;
	assert_null(rtw_watch_socket(c, -1, 0, ignore, NULL));
	assert_int_equal(errno, EBADF);
	errno = 0;
	assert_null(rtw_watch_socket(NULL, 0, 0, ignore, NULL));
	assert_int_equal(errno, EINVAL);
	/* connected, but not an IP socket */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	errno = 0;
	assert_null(rtw_watch_socket(c, sv[0], 0, ignore, NULL));
	assert_int_equal(errno, EAFNOSUPPORT);
	close(sv[0]);
	close(sv[1]);

	assert_null(rtw_watch_user(NULL));
	w = rtw_watch_add(c, (struct sockaddr *)&p, NULL, 0, ignore, &tag);
	assert_non_null(w);
	assert_ptr_equal(rtw_watch_user(w), &tag);
	assert_int_equal(rtw_watch_status(w, NULL), RTW_REASON_NONE);
	rtw_watch_del(w);
	rtw_watch_del(NULL);
	rtw_free(c);
}

struct seen {
	int n, stop_at;
	int ifindex[8];
	char text[8][64];
};

static int on_link(const struct rtw_link *l, void *user)
{
	struct seen *s = user;

	s->ifindex[s->n] = l->ifindex;
	snprintf(s->text[s->n], sizeof(s->text[0]), "%s %d %d", l->name, l->admin_up,
		 l->carrier_up);
	return ++s->n == s->stop_at ? 7 : 0;
}

static int on_address(const struct rtw_address *a, void *user)
{
	struct seen *s = user;

	s->ifindex[s->n] = a->ifindex;
	rtw_prefix_format(&a->prefix, s->text[s->n], sizeof(s->text[0]));
	return ++s->n == s->stop_at ? 9 : 0;
}

static bool seen_has(const struct seen *s, int ifindex, const char *text)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->ifindex[i] == ifindex && strcmp(s->text[i], text) == 0)
			return true;
	return false;
}

static void enumerations(void **state)
{
	struct rtw_ctx *c = setup(NULL);
	static const int link_order[] = { 1, 2, 3, 7, 9 };
	static const char *const address_order[] = { "192.0.2.10/24", "2001:db8::10/64",
						     "10.3.0.1/24", "2001:db8:3::1/64",
						     "10.9.0.1/24" };
	struct sockaddr_storage sa;
	struct evq_item gone;
	struct rtw_link l;
	struct seen s;
	int i;

	assert_int_equal(rtw_foreach_link(NULL, on_link, &s), -EINVAL);
	assert_int_equal(rtw_foreach_link(c, NULL, &s), -EINVAL);
	assert_int_equal(rtw_foreach_address(NULL, on_address, &s), -EINVAL);
	assert_int_equal(rtw_foreach_address(c, NULL, &s), -EINVAL);
	memset(&s, 0, sizeof(s));
	assert_int_equal(rtw_foreach_link(c, on_link, &s), 0);
	assert_int_equal(s.n, 0); /* nothing before rtw_start */
	sa = evq_sa("192.0.2.1");
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&sa, NULL), -ENETUNREACH);
	assert_int_equal(rtw_start(c), 0);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&sa, NULL), 0);

	memset(&s, 0, sizeof(s));
	assert_int_equal(rtw_foreach_link(c, on_link, &s), 0);
	assert_int_equal(s.n, 3);
	assert_true(seen_has(&s, 1, "lo 1 1"));
	assert_true(seen_has(&s, 2, "eth0 1 1"));
	assert_true(seen_has(&s, 3, "eth1 1 0"));
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	assert_int_equal(rtw_foreach_link(c, on_link, &s), 7);
	assert_int_equal(s.n, 2);

	memset(&s, 0, sizeof(s));
	assert_int_equal(rtw_foreach_address(c, on_address, &s), 0);
	assert_int_equal(s.n, 3);
	assert_true(seen_has(&s, 2, "192.0.2.10/24"));
	assert_true(seen_has(&s, 2, "2001:db8::10/64"));
	assert_true(seen_has(&s, 3, "198.51.100.10/24"));
	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	assert_int_equal(rtw_foreach_address(c, on_address, &s), 9);
	assert_int_equal(s.n, 1);

	/* the enumerations follow the events */
	evq_push(evq_addr(RTW_EV_ADDR_DEL, "198.51.100.10", 24, 3));
	evq_push(evq_link(3, "eth1", true, true));
	assert_true(rtw_dispatch(c) >= 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(rtw_foreach_address(c, on_address, &s), 0);
	assert_int_equal(s.n, 2);
	assert_false(seen_has(&s, 3, "198.51.100.10/24"));
	assert_int_equal(rtw_get_link(c, 3, &l), 0);
	assert_true(l.carrier_up);
	assert_int_equal(rtw_get_link(c, 99, &l), -ENOENT);
	assert_int_equal(rtw_get_link(NULL, 3, &l), -EINVAL);
	assert_int_equal(rtw_get_link(c, 3, NULL), -EINVAL);

	/* in order of index (addresses: then IPv4 first, then by address),
	 * whatever order they came and went in */
	evq_push(evq_link(9, "eth9", true, true));
	evq_push(evq_link(5, "eth5", true, true));
	evq_push(evq_link(7, "eth7", true, true));
	gone = evq_link(5, "eth5", true, true);
	gone.ev.type = RTW_EV_LINK_GONE;
	evq_push(gone);
	evq_push(evq_addr(RTW_EV_ADDR_ADD, "10.9.0.1", 24, 9));
	evq_push(evq_addr(RTW_EV_ADDR_ADD, "2001:db8:3::1", 64, 3));
	evq_push(evq_addr(RTW_EV_ADDR_ADD, "10.3.0.1", 24, 3));
	assert_true(rtw_dispatch(c) >= 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(rtw_foreach_link(c, on_link, &s), 0);
	assert_int_equal(s.n, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(s.ifindex[i], link_order[i]);
	memset(&s, 0, sizeof(s));
	assert_int_equal(rtw_foreach_address(c, on_address, &s), 0);
	assert_int_equal(s.n, 5);
	for (i = 0; i < 5; i++)
		assert_string_equal(s.text[i], address_order[i]);
	rtw_free(c);
}

static void names(void **state)
{
	assert_string_equal(rtw_reason_str(RTW_REASON_NONE), "none");
	assert_string_equal(rtw_reason_str(RTW_REASON_ROUTE_REMOVED), "route-removed");
	assert_string_equal(rtw_reason_str((enum rtw_reason)99), "unknown");
	assert_string_equal(rtw_route_type_str(RTW_ROUTE_BLACKHOLE), "blackhole");
	assert_string_equal(rtw_route_type_str((enum rtw_route_type)200), "unknown");
}

/* ---- callbacks that call back into the context ------------------------ */

struct reentry {
	struct rtw_ctx *c;
	int calls, dispatch_rc, free_at;
};

static void dispatch_inside(struct rtw_watch *w, enum rtw_reason reason, void *user)
{
	struct reentry *e = user;

	(void)w;
	(void)reason;
	e->calls++;
	e->dispatch_rc = rtw_dispatch(e->c);
}

static void free_inside(struct rtw_watch *w, enum rtw_reason reason, void *user)
{
	struct reentry *e = user;

	(void)w;
	(void)reason;
	if (++e->calls == e->free_at)
		rtw_free(e->c);
}

static void notice_free_inside(const struct rtw_notice *n, const char *json, void *user)
{
	struct reentry *e = user;

	(void)n;
	(void)json;
	if (++e->calls == e->free_at)
		rtw_free(e->c);
}

/* rtw_dispatch() from a callback is refused (-EBUSY); the outer one goes on. */
static void dispatch_from_callback(void **state)
{
	struct rtw_ctx *c = setup(NULL);
	struct reentry e = { c, 0, 0, 0 };
	struct sockaddr_storage p = evq_sa("10.8.0.1");

	assert_int_equal(rtw_start(c), 0);
	assert_non_null(rtw_watch_add(c, (struct sockaddr *)&p, NULL, 0, dispatch_inside, &e));
	evq_push(
	    evq_route(RTW_EV_ROUTE_DEL, "10.8.0.0/16", "192.0.2.8", 2, 0, 254, RTW_ROUTE_UNICAST));
	evq_push(
	    evq_route(RTW_EV_ROUTE_ADD, "10.7.0.0/16", "192.0.2.7", 2, 0, 254, RTW_ROUTE_UNICAST));
	assert_int_equal(rtw_dispatch(c), 2);
	assert_int_equal(e.calls, 1);
	assert_int_equal(e.dispatch_rc, -EBUSY);
	p = evq_sa("10.7.0.1");
	assert_true(rtw_routable(c, (struct sockaddr *)&p));
	rtw_free(c);
}

/* rtw_free() from a watch callback: the context goes when the dispatch
 * returns (-ECANCELED), and no callback comes after the one that freed it,
 * neither of the same event nor of the events after it. */
static void free_from_watch_callback(void **state)
{
	struct rtw_ctx *c = setup(NULL);
	/* call 1: the first event's route notice; call 2: its first watch */
	struct reentry e = { c, 0, 0, 2 };
	struct sockaddr_storage p = evq_sa("10.8.0.1"), q = evq_sa("10.8.0.2"),
				d = evq_sa("203.0.113.1");

	assert_int_equal(rtw_start(c), 0);
	rtw_set_notice_cb(c, notice_free_inside, &e);
	/* two watches invalidated by the first event, one by the second */
	assert_non_null(rtw_watch_add(c, (struct sockaddr *)&p, NULL, 0, free_inside, &e));
	assert_non_null(rtw_watch_add(c, (struct sockaddr *)&q, NULL, 0, free_inside, &e));
	assert_non_null(rtw_watch_add(c, (struct sockaddr *)&d, NULL, 0, free_inside, &e));
	evq_push(
	    evq_route(RTW_EV_ROUTE_DEL, "10.8.0.0/16", "192.0.2.8", 2, 0, 254, RTW_ROUTE_UNICAST));
	evq_push(
	    evq_route(RTW_EV_ROUTE_DEL, "0.0.0.0/0", "192.0.2.1", 2, 0, 254, RTW_ROUTE_UNICAST));
	assert_int_equal(rtw_dispatch(c), -ECANCELED);
	assert_int_equal(e.calls, 2);
	/* leak checkers (valgrind, ASan) see whether the context went */
}

/* The same from a notice callback during rtw_start()'s dump (notices of the
 * dump asked for): rtw_start() frees the context and says so. */
static void free_from_notice_in_start(void **state)
{
	struct rtw_options o;
	struct reentry e = { NULL, 0, 0, 2 };
	struct rtw_ctx *c;

	memset(&o, 0, sizeof(o));
	o.flags = RTW_OPT_DUMP_NOTICES;
	c = setup(&o);
	e.c = c;
	rtw_set_notice_cb(c, notice_free_inside, &e);
	assert_int_equal(rtw_start(c), -ECANCELED);
	assert_int_equal(e.calls, 2);
}

struct walker {
	struct rtw_ctx *c;
	int calls, free_at, dispatch_rc, nested_rc;
};

static int route_free_inside(const struct rtw_route *r, void *user)
{
	struct walker *k = user;

	(void)r;
	if (++k->calls == k->free_at)
		rtw_free(k->c);
	return 0;
}

static int link_dispatch_inside(const struct rtw_link *l, void *user)
{
	struct walker *k = user;

	(void)l;
	k->calls++;
	k->dispatch_rc = rtw_dispatch(k->c);
	return 0;
}

static int count_route(const struct rtw_route *r, void *user)
{
	(void)r;
	++*(int *)user;
	return 0;
}

static void walk_inside_watch(struct rtw_watch *w, enum rtw_reason reason, void *user)
{
	struct walker *k = user;
	int n = 0;

	(void)w;
	(void)reason;
	k->nested_rc = rtw_foreach_route(k->c, count_route, &n);
	k->calls = n;
}

/* The enumerations guard the context as rtw_dispatch() does: from their
 * callbacks a dispatch (which would change what is walked) is refused, and
 * rtw_free() ends the walk, the context going when it returns. Inside a
 * watch callback they simply work. */
static void callbacks_of_enumerations(void **state)
{
	struct rtw_ctx *c = setup(NULL);
	struct walker k = { c, 0, 0, 0, 0 };
	struct sockaddr_storage p = evq_sa("10.8.0.1");
	struct rtw_stats st;

	assert_int_equal(rtw_start(c), 0);
	evq_push(
	    evq_route(RTW_EV_ROUTE_DEL, "10.8.0.0/16", "192.0.2.8", 2, 0, 254, RTW_ROUTE_UNICAST));
	assert_int_equal(rtw_foreach_link(c, link_dispatch_inside, &k), 0);
	assert_int_equal(k.calls, 3);
	assert_int_equal(k.dispatch_rc, -EBUSY);
	rtw_get_stats(c, &st);
	assert_int_equal(st.routes, 2); /* nothing was applied meanwhile */

	assert_non_null(rtw_watch_add(c, (struct sockaddr *)&p, NULL, 0, walk_inside_watch, &k));
	assert_int_equal(rtw_dispatch(c), 1);
	assert_int_equal(k.nested_rc, 0);
	assert_int_equal(k.calls, 1); /* the default route is left */

	evq_push(
	    evq_route(RTW_EV_ROUTE_ADD, "10.7.0.0/16", "192.0.2.7", 2, 0, 254, RTW_ROUTE_UNICAST));
	evq_push(
	    evq_route(RTW_EV_ROUTE_ADD, "10.6.0.0/16", "192.0.2.6", 2, 0, 254, RTW_ROUTE_UNICAST));
	assert_int_equal(rtw_dispatch(c), 2);
	k.calls = 0;
	k.free_at = 2;
	assert_int_equal(rtw_foreach_route(c, route_free_inside, &k), -ECANCELED);
	assert_int_equal(k.calls, 2);
}

static void batch_begin(void)
{
	evq.n_live = evq.next_live = 0;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

#define MANY 1500

/* Thousands of links and nexthop objects (a container host, a router that
 * FRR manages), coming and going in random order: each link is found by its
 * index, and each route over a nexthop object answers with that object's
 * hop, as long as both exist. */
static void many_links_and_nexthop_objects(void **state)
{
	static bool link_on[MANY], nh_on[MANY];
	struct rtw_ctx *c = setup(NULL);
	struct rtw_link l;
	struct rtw_route r;
	struct evq_item it;
	char want[64], got[64];
	int round, i;

	assert_int_equal(rtw_start(c), 0);
	memset(link_on, 0, sizeof(link_on));
	memset(nh_on, 0, sizeof(nh_on));
	for (round = 0; round < 8; round++) {
		batch_begin();
		/* ifindex 100 + 7i and object id 1 + 13i: ids that share index
		 * buckets and are freed in between */
		for (i = 0; i < MANY && evq.n_live + 3 < EVQ_MAX; i++) {
			int ifindex = 100 + 7 * i;
			uint32_t id = 1 + 13 * (uint32_t)i;

			if (rnd() % 3 == 0) {
				if (link_on[i]) {
					it = evq_link(ifindex, "x", true, true);
					it.ev.type = RTW_EV_LINK_GONE;
				} else {
					char name[16];

					snprintf(name, sizeof(name), "v%d", ifindex);
					it = evq_link(ifindex, name, true, true);
				}
				evq_push(it);
				link_on[i] = !link_on[i];
			}
			if (rnd() % 3 == 0) {
				if (nh_on[i]) {
					memset(&it, 0, sizeof(it));
					it.ev.type = RTW_EV_NEXTHOP_DEL;
					it.ev.u.nhobj.id = id;
					evq_push(it);
				} else {
					snprintf(want, sizeof(want), "192.0.2.%d", i % 250 + 1);
					evq_push(evq_nhobj(id, 2, want));
					snprintf(want, sizeof(want), "10.%d.%d.0/24", i / 256,
						 i % 256);
					it = evq_route(RTW_EV_ROUTE_ADD, want, NULL, 0, 0, 254,
						       RTW_ROUTE_UNICAST);
					it.ev.u.route.n_nexthops = 0;
					it.ev.u.route.nhid = id;
					evq_push(it);
				}
				nh_on[i] = !nh_on[i];
			}
		}
		assert_true(rtw_dispatch(c) > 0);
		for (i = 0; i < MANY; i++) {
			struct sockaddr_storage a;

			if (rtw_get_link(c, 100 + 7 * i, &l) == 0) {
				assert_true(link_on[i]);
				snprintf(want, sizeof(want), "v%d", 100 + 7 * i);
				assert_string_equal(l.name, want);
			} else {
				assert_false(link_on[i]);
			}
			snprintf(want, sizeof(want), "10.%d.%d.1", i / 256, i % 256);
			a = evq_sa(want);
			assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
			if (!nh_on[i]) {
				assert_int_equal(r.dst.len, 0); /* the default route */
				continue;
			}
			assert_int_equal(r.dst.len, 24);
			assert_int_equal(r.nhid, 1 + 13 * (uint32_t)i);
			assert_int_equal(r.n_nexthops, 1);
			snprintf(want, sizeof(want), "192.0.2.%d", i % 250 + 1);
			rtw_addr_format(&r.nexthops[0].gateway, got, sizeof(got));
			assert_string_equal(got, want);
		}
	}
	rtw_free(c);
}

#define ADDRS 500 /* each on up to three links: MANY slots */

static void addr_text(int i, char *buf, size_t size)
{
	int a = i % ADDRS;

	if (a % 2)
		snprintf(buf, size, "2001:db8:a%x::%x", a / 256, a % 256 + 1);
	else
		snprintf(buf, size, "10.9.%d.%d", a / 256, a % 256 + 1);
}

struct addr_walk {
	const bool *on;
	int n;
	bool bad;
};

static int addr_seen(const struct rtw_address *a, void *user)
{
	struct addr_walk *w = user;
	char got[64], want[64];
	int i = 0;

	rtw_addr_format(&a->prefix.addr, got, sizeof(got));
	w->n++;
	/* the slot this address on this link is */
	for (i = 0; i < MANY; i++) {
		addr_text(i, want, sizeof(want));
		if (a->ifindex == 10 + i / ADDRS && strcmp(got, want) == 0)
			break;
	}
	if (i < MANY && w->on[i])
		return 0;
	if (a->ifindex >= 10)
		w->bad = true; /* setup()'s own addresses are on links 2 and 3 */
	else
		w->n--;
	return 0;
}

/* Thousands of local addresses (a load balancer's service addresses), the
 * same address on up to three links, coming and going in random order: the
 * enumeration lists exactly those present, and a watch with a local address
 * is valid exactly while some link has that address, and fires when the
 * last one loses it. */
static void many_addresses(void **state)
{
	static bool on[MANY];
	struct rtw_watch *w[ADDRS];
	struct rtw_ctx *c = setup(NULL);
	struct sockaddr_storage p4 = evq_sa("10.8.0.5"), p6 = evq_sa("2001:db8:ffff::5");
	int round, i, l;

	assert_int_equal(rtw_start(c), 0);
	batch_begin();
	for (l = 10; l < 10 + MANY / ADDRS; l++)
		evq_push(evq_link(l, "lb", true, true));
	evq_push(
	    evq_route(RTW_EV_ROUTE_ADD, "::/0", "2001:db8::1", 2, 1024, 254, RTW_ROUTE_UNICAST));
	assert_true(rtw_dispatch(c) > 0);
	memset(on, 0, sizeof(on));
	for (round = 0; round < 8; round++) {
		struct addr_walk walk = { on, 0, false };
		char text[64];
		int want_n = 0;

		for (i = 0; i < ADDRS; i++) {
			struct sockaddr_storage local;

			addr_text(i, text, sizeof(text));
			local = evq_sa(text);
			w[i] = rtw_watch_add(c, (struct sockaddr *)(i % 2 ? &p6 : &p4),
					     (struct sockaddr *)&local, 0, ignore, NULL);
			assert_non_null(w[i]);
			assert_int_equal(rtw_watch_status(w[i], NULL),
					 on[i] || on[i + ADDRS] || on[i + 2 * ADDRS]
					     ? RTW_REASON_NONE
					     : RTW_REASON_LOCAL_ADDRESS_REMOVED);
		}
		batch_begin();
		for (i = 0; i < MANY && evq.n_live < EVQ_MAX; i++) {
			if (rnd() % 3)
				continue;
			addr_text(i, text, sizeof(text));
			evq_push(evq_addr(on[i] ? RTW_EV_ADDR_DEL : RTW_EV_ADDR_ADD, text,
					  i % ADDRS % 2 ? 64 : 24, 10 + i / ADDRS));
			on[i] = !on[i];
		}
		assert_true(rtw_dispatch(c) > 0);
		for (i = 0; i < MANY; i++)
			want_n += on[i];
		assert_int_equal(rtw_foreach_address(c, addr_seen, &walk), 0);
		assert_false(walk.bad);
		assert_int_equal(walk.n, want_n);
		for (i = 0; i < ADDRS; i++) {
			bool kept = on[i] || on[i + ADDRS] || on[i + 2 * ADDRS];

			/* valid before the batch: fired if its address went */
			if (rtw_watch_status(w[i], NULL) == RTW_REASON_NONE)
				assert_true(kept);
			else if (kept)
				assert_int_equal(rtw_watch_status(w[i], NULL),
						 RTW_REASON_LOCAL_ADDRESS_REMOVED);
			rtw_watch_del(w[i]);
		}
	}
	rtw_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_options),
		cmocka_unit_test(fib_option),
		cmocka_unit_test(wrong_state),
		cmocka_unit_test(bad_lookups),
		cmocka_unit_test(indexed_lookups),
		cmocka_unit_test(local_beside_main),
		cmocka_unit_test(unspecified_is_this_host),
		cmocka_unit_test(bad_watches),
		cmocka_unit_test(enumerations),
		cmocka_unit_test(names),
		cmocka_unit_test(dispatch_from_callback),
		cmocka_unit_test(free_from_watch_callback),
		cmocka_unit_test(free_from_notice_in_start),
		cmocka_unit_test(callbacks_of_enumerations),
		cmocka_unit_test(many_links_and_nexthop_objects),
		cmocka_unit_test(many_addresses),
		cmocka_unit_test(blackhole_object_gets_gateway),
		cmocka_unit_test(kernel_keys_under_one_prefix),
		cmocka_unit_test(sibling_notifications_keep_kernel_order),
		cmocka_unit_test(ipv6_address_delete_resyncs_when_named),
		cmocka_unit_test(exact_deletions),
	};

	test_output_tap();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
