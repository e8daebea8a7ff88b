/* tests/unit/test_replay.c: the record format (format -> parse round trips,
 * edge values, errors with line numbers) and the replay backend over files,
 * pipes and standard input (dump blocks, resync, partial lines, -ENODATA). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addr.h"
#include "replay/format.h"
#include "testutil.h"

/* ---- helpers ---- */

static struct rtw_addr addr(const char *s)
{
	struct rtw_addr a;

	assert_int_equal(rtw_addr_parse(s, &a), 0);
	return a;
}

static struct rtw_prefix prefix(const char *s)
{
	struct rtw_prefix p;

	assert_int_equal(rtw_prefix_parse(s, &p), 0);
	return p;
}

static void assert_hop_equal(const struct rtw_nexthop *a, const struct rtw_nexthop *b)
{
	assert_int_equal(a->ifindex, b->ifindex);
	assert_int_equal(a->gateway.family, b->gateway.family);
	assert_memory_equal(a->gateway.bytes, b->gateway.bytes, 16);
	assert_int_equal(a->weight, b->weight);
	assert_int_equal(a->flags, b->flags);
}

/* Field by field: the parser must give back exactly what was formatted. */
static void assert_event_equal(const struct rtw_event *a, const struct rtw_event *b)
{
	unsigned i;

	assert_int_equal(a->type, b->type);
	assert_int_equal(a->flags, b->flags);
	switch (a->type) {
	case RTW_EV_ROUTE_ADD:
	case RTW_EV_ROUTE_DEL: {
		const struct rtw_route *x = &a->u.route, *y = &b->u.route;

		assert_int_equal(prefix_cmp(&x->dst, &y->dst), 0);
		assert_int_equal(x->table, y->table);
		assert_int_equal(x->type, y->type);
		assert_int_equal(x->metric, y->metric);
		assert_int_equal(x->tos, y->tos);
		assert_int_equal(x->protocol, y->protocol);
		assert_int_equal(x->scope, y->scope);
		assert_int_equal(x->pref, y->pref);
		assert_int_equal(x->prefsrc.family, y->prefsrc.family);
		assert_memory_equal(x->prefsrc.bytes, y->prefsrc.bytes, 16);
		assert_int_equal(x->nhid, y->nhid);
		assert_int_equal(x->flags, y->flags);
		assert_int_equal(x->n_nexthops, y->n_nexthops);
		for (i = 0; i < x->n_nexthops; i++)
			assert_hop_equal(&x->nexthops[i], &y->nexthops[i]);
		break;
	}
	case RTW_EV_LINK_UP:
	case RTW_EV_LINK_DOWN:
	case RTW_EV_LINK_GONE:
		assert_int_equal(a->u.link.ifindex, b->u.link.ifindex);
		assert_string_equal(a->u.link.name, b->u.link.name);
		assert_int_equal(a->u.link.admin_up, b->u.link.admin_up);
		assert_int_equal(a->u.link.carrier_up, b->u.link.carrier_up);
		break;
	case RTW_EV_ADDR_ADD:
	case RTW_EV_ADDR_DEL:
		assert_int_equal(a->u.addr.prefix.addr.family, b->u.addr.prefix.addr.family);
		assert_memory_equal(a->u.addr.prefix.addr.bytes, b->u.addr.prefix.addr.bytes, 16);
		assert_int_equal(a->u.addr.prefix.len, b->u.addr.prefix.len);
		assert_int_equal(a->u.addr.ifindex, b->u.addr.ifindex);
		assert_int_equal(a->u.addr.flags, b->u.addr.flags);
		break;
	case RTW_EV_NEXTHOP_ADD:
	case RTW_EV_NEXTHOP_DEL:
		assert_int_equal(a->u.nhobj.id, b->u.nhobj.id);
		assert_int_equal(a->u.nhobj.family, b->u.nhobj.family);
		assert_int_equal(a->u.nhobj.blackhole, b->u.nhobj.blackhole);
		assert_hop_equal(&a->u.nhobj.hop, &b->u.nhobj.hop);
		assert_int_equal(a->u.nhobj.n_group, b->u.nhobj.n_group);
		for (i = 0; i < a->u.nhobj.n_group; i++) {
			assert_int_equal(a->u.nhobj.group[i].id, b->u.nhobj.group[i].id);
			assert_int_equal(a->u.nhobj.group[i].weight, b->u.nhobj.group[i].weight);
		}
		break;
	case RTW_EV_NETCONF:
		assert_int_equal(a->u.netconf.family, b->u.netconf.family);
		assert_int_equal(a->u.netconf.ifindex, b->u.netconf.ifindex);
		assert_int_equal(a->u.netconf.ignore_linkdown, b->u.netconf.ignore_linkdown);
		break;
	default:
		break;
	}
}

static struct replay_line *new_line(void)
{
	struct replay_line *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	return l;
}

/* format -> parse -> equal, and format(parse(text)) == text. */
static void roundtrip(const struct rtw_event *ev)
{
	static char text[REPLAY_LINE_MAX + 1], again[REPLAY_LINE_MAX + 1];
	struct replay_line *l = new_line();
	int n;

	n = replay_format_event(ev, text, sizeof(text));
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(text));
	assert_null(memchr(text, '\n', (size_t)n));
	assert_int_equal(replay_parse_line(text, (size_t)n, l), 1);
	assert_int_equal(l->kind, REPLAY_EVENT);
	assert_event_equal(ev, &l->event);
	assert_int_equal(replay_format_event(&l->event, again, sizeof(again)), n);
	assert_string_equal(text, again);
	free(l);
}

static int parse_str(const char *s, struct replay_line *l)
{
	return replay_parse_line(s, strlen(s), l);
}

/* ---- the format ---- */

static void roundtrip_routes(void **state)
{
	static struct rtw_nexthop hops[REPLAY_MAX_HOPS];
	struct rtw_event ev;
	unsigned i;

	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_ROUTE_ADD;
	ev.u.route.dst = prefix("10.0.0.0/24");
	ev.u.route.table = RTW_TABLE_MAIN;
	ev.u.route.type = RTW_ROUTE_UNICAST;
	ev.u.route.metric = 100;
	ev.u.route.protocol = 4;
	ev.u.route.prefsrc = addr("10.0.0.1");
	hops[0].gateway = addr("10.0.0.254");
	hops[0].ifindex = 2;
	hops[0].weight = 1;
	ev.u.route.nexthops = hops;
	ev.u.route.n_nexthops = 1;
	roundtrip(&ev);

	/* the edges of every field, 128-bit prefix, ECMP with the most hops */
	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_ROUTE_DEL;
	ev.flags = RTW_EVF_REPLACE | RTW_EVF_APPEND | RTW_EVF_FLUSH_V4 | 0x80000000u;
	ev.u.route.dst = prefix("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/128");
	ev.u.route.table = UINT32_MAX;
	ev.u.route.type = (enum rtw_route_type)255;
	ev.u.route.metric = UINT32_MAX;
	ev.u.route.tos = UINT8_MAX;
	ev.u.route.protocol = UINT8_MAX;
	ev.u.route.scope = UINT8_MAX;
	ev.u.route.pref = RTW_ROUTE_PREF_LOW;
	ev.u.route.prefsrc = addr("::ffff:192.0.2.1");
	ev.u.route.nhid = UINT32_MAX;
	ev.u.route.flags = UINT_MAX;
	for (i = 0; i < REPLAY_MAX_HOPS; i++) {
		char gw[64];

		snprintf(gw, sizeof(gw), "fe80::%x:ffff", i);
		hops[i].gateway = addr(gw);
		hops[i].ifindex = i == 0 ? INT_MAX : (int)i;
		hops[i].weight = i == 0 ? UINT16_MAX : (uint16_t)i;
		hops[i].flags = i == 0 ? UINT_MAX : i % 16;
	}
	hops[1].gateway.family = AF_UNSPEC; /* device-only hop among gateways */
	memset(hops[1].gateway.bytes, 0, 16);
	hops[2].gateway = addr("192.0.2.9"); /* IPv4 gateway for an IPv6 route */
	ev.u.route.nexthops = hops;
	ev.u.route.n_nexthops = REPLAY_MAX_HOPS;
	roundtrip(&ev);

	/* every named type, host and default routes, no next hops */
	for (i = 0; i <= RTW_ROUTE_XRESOLVE + 1; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = RTW_EV_ROUTE_ADD;
		ev.u.route.dst = prefix(i % 2 ? "::/0" : "0.0.0.0/0");
		ev.u.route.type = (enum rtw_route_type)i;
		roundtrip(&ev);
	}
	ev.u.route.dst = prefix("255.255.255.255/32");
	roundtrip(&ev);
}

static void roundtrip_links(void **state)
{
	static const char *const names[] = {
		"eth0",
		"my eth=1",
		"wl\xc3\xa4n0",
		"",
		"%41#x\\\"'\x7f\xff",
		"0123456789012345678901234567890", /* 31 bytes: the most that fits */
		"a=b=c d  e",
	};
	static const enum rtw_event_type types[] = { RTW_EV_LINK_UP, RTW_EV_LINK_DOWN,
						     RTW_EV_LINK_GONE };
	struct rtw_event ev;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = types[i % 3];
		ev.flags = i == 1 ? RTW_EVF_FLUSH_V4 : 0;
		ev.u.link.ifindex = i == 2 ? INT_MAX : (int)i;
		strcpy(ev.u.link.name, names[i]);
		ev.u.link.admin_up = i & 1;
		ev.u.link.carrier_up = (i >> 1) & 1;
		roundtrip(&ev);
	}
}

static void roundtrip_link_name_is_ascii(void **state)
{
	struct rtw_event ev;
	char text[256];
	int n, i;

	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_LINK_UP;
	ev.u.link.ifindex = 7;
	strcpy(ev.u.link.name, "wl\xc3\xa4n 0=#%");
	n = replay_format_event(&ev, text, sizeof(text));
	assert_true(n > 0);
	/* one token, plain ASCII: whatever bytes a name holds, the file stays
	 * valid UTF-8 and splits into the same keys */
	assert_non_null(strstr(text, " name=wl%C3%A4n%200%3D%23%25 "));
	for (i = 0; i < n; i++)
		assert_true(text[i] >= 0x20 && text[i] < 0x7f);
}

static void roundtrip_addresses_nexthops_and_bare(void **state)
{
	static struct rtw_nhobj_member members[REPLAY_MAX_HOPS];
	struct rtw_event ev;
	unsigned i;

	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_ADDR_ADD;
	ev.u.addr.prefix.addr = addr("10.0.0.5"); /* host bits kept */
	ev.u.addr.prefix.len = 24;
	ev.u.addr.ifindex = 2;
	roundtrip(&ev);
	ev.type = RTW_EV_ADDR_DEL;
	ev.flags = RTW_EVF_FLUSH_V4;
	ev.u.addr.prefix.addr = addr("2001:db8::1:2:3:4");
	ev.u.addr.prefix.len = 128;
	ev.u.addr.flags =
	    RTW_ADDR_F_TEMPORARY | RTW_ADDR_F_DEPRECATED | RTW_ADDR_F_TENTATIVE | 0x100;
	roundtrip(&ev);
	ev.u.addr.prefix.len = 0;
	roundtrip(&ev);

	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_NEXTHOP_ADD;
	ev.u.nhobj.id = 1;
	ev.u.nhobj.family = AF_INET;
	ev.u.nhobj.hop.gateway = addr("192.0.2.1");
	ev.u.nhobj.hop.ifindex = 3;
	ev.u.nhobj.hop.weight = 1;
	ev.u.nhobj.hop.flags = RTW_NH_ONLINK;
	roundtrip(&ev);
	ev.u.nhobj.family = AF_INET6;
	ev.u.nhobj.hop.gateway.family = AF_UNSPEC; /* device-only object */
	memset(ev.u.nhobj.hop.gateway.bytes, 0, 16);
	roundtrip(&ev);

	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_NEXTHOP_DEL;
	ev.u.nhobj.id = UINT32_MAX;
	ev.u.nhobj.family = AF_UNSPEC;
	ev.u.nhobj.blackhole = true;
	roundtrip(&ev);

	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_NEXTHOP_ADD;
	ev.u.nhobj.id = 100;
	for (i = 0; i < REPLAY_MAX_HOPS; i++) {
		members[i].id = i == 0 ? UINT32_MAX : i;
		members[i].weight = i == 0 ? UINT16_MAX : (uint16_t)i;
	}
	ev.u.nhobj.group = members;
	ev.u.nhobj.n_group = REPLAY_MAX_HOPS;
	roundtrip(&ev);
	/* a group whose hop is not zero still round-trips */
	ev.u.nhobj.hop.ifindex = 9;
	roundtrip(&ev);

	for (i = RTW_EV_DUMP_BEGIN; i <= RTW_EV_OVERFLOW; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = (enum rtw_event_type)i;
		roundtrip(&ev);
		ev.flags = UINT_MAX;
		roundtrip(&ev);
	}

	/* netconf: a device, all and the default, both families and values */
	{
		static const int ifindexes[] = { 1, INT_MAX, RTW_NETCONF_ALL, RTW_NETCONF_DEFAULT };
		unsigned k;

		for (k = 0; k < 8; k++) {
			memset(&ev, 0, sizeof(ev));
			ev.type = RTW_EV_NETCONF;
			ev.u.netconf.family = k & 1 ? AF_INET6 : AF_INET;
			ev.u.netconf.ifindex = ifindexes[k / 2];
			ev.u.netconf.ignore_linkdown = (k / 2) % 2 == 0;
			roundtrip(&ev);
		}
	}
}

static void format_spelling(void **state)
{
	struct rtw_nexthop hop = { 0 };
	struct rtw_event ev;
	char text[512];

	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_ROUTE_ADD;
	ev.flags = RTW_EVF_REPLACE;
	ev.u.route.dst = prefix("10.0.0.0/24");
	ev.u.route.table = 254;
	ev.u.route.type = RTW_ROUTE_UNICAST;
	ev.u.route.metric = 100;
	ev.u.route.protocol = 4;
	ev.u.route.prefsrc = addr("10.0.0.1");
	hop.gateway = addr("10.0.0.254");
	hop.ifindex = 2;
	hop.weight = 1;
	hop.flags = RTW_NH_ONLINK | RTW_NH_DEAD;
	ev.u.route.nexthops = &hop;
	ev.u.route.n_nexthops = 1;
	assert_true(replay_format_event(&ev, text, sizeof(text)) > 0);
	/* the documented example (docs/record-format.md) */
	assert_string_equal(text, "route-add family=inet table=254 dst=10.0.0.0/24 type=unicast "
				  "metric=100 tos=0 proto=4 scope=0 prefsrc=10.0.0.1 nhid=0 "
				  "flags=0 nh=10.0.0.254@2:1:onlink,dead evflags=replace");
	/* every event flag has its name */
	ev.flags = RTW_EVF_DUP_APPEND | RTW_EVF_DUP_PREPEND | RTW_EVF_SIBLINGS | RTW_EVF_PREFSRC |
		   RTW_EVF_EXACT;
	assert_true(replay_format_event(&ev, text, sizeof(text)) > 0);
	assert_non_null(
	    strstr(text, " evflags=dup-append,dup-prepend,siblings,clears-prefsrc,exact"));
	roundtrip(&ev);

	/* an IPv6 router preference: medium is left out, the others named */
	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_ROUTE_ADD;
	ev.u.route.dst = prefix("::/0");
	ev.u.route.metric = 1024;
	assert_true(replay_format_event(&ev, text, sizeof(text)) > 0);
	assert_null(strstr(text, "pref="));
	ev.u.route.pref = RTW_ROUTE_PREF_HIGH;
	assert_true(replay_format_event(&ev, text, sizeof(text)) > 0);
	assert_string_equal(text, "route-add family=inet6 table=0 dst=::/0 type=unspec metric=1024 "
				  "tos=0 proto=0 scope=0 prefsrc=none nhid=0 flags=0 pref=high");
	roundtrip(&ev);
	ev.u.route.pref = RTW_ROUTE_PREF_LOW;
	assert_true(replay_format_event(&ev, text, sizeof(text)) > 0);
	assert_non_null(strstr(text, " pref=low"));
	roundtrip(&ev);
}

static void format_errors(void **state)
{
	struct rtw_nexthop hop = { 0 };
	struct rtw_event ev, good;
	char text[256];
	int n;

	memset(&good, 0, sizeof(good));
	good.type = RTW_EV_ROUTE_ADD;
	good.u.route.dst = prefix("10.0.0.0/8");
	n = replay_format_event(&good, text, sizeof(text));
	assert_true(n > 0);
	/* exactly big enough, then one byte short */
	assert_int_equal(replay_format_event(&good, text, (size_t)n + 1), n);
	assert_int_equal(replay_format_event(&good, text, (size_t)n), -ENOSPC);
	assert_int_equal(replay_format_event(&good, text, 0), -ENOSPC);
	assert_int_equal(replay_format_event(NULL, text, sizeof(text)), -EINVAL);
	assert_int_equal(replay_format_event(&good, NULL, 0), -EINVAL);

	ev = good;
	ev.type = (enum rtw_event_type)99;
	assert_int_equal(replay_format_event(&ev, text, sizeof(text)), -EINVAL);
	ev = good;
	ev.u.route.dst.addr.bytes[3] = 1; /* host bits */
	assert_int_equal(replay_format_event(&ev, text, sizeof(text)), -EINVAL);
	ev = good;
	ev.u.route.dst.len = 33;
	assert_int_equal(replay_format_event(&ev, text, sizeof(text)), -EINVAL);
	ev = good;
	ev.u.route.dst.addr.family = AF_UNIX;
	assert_int_equal(replay_format_event(&ev, text, sizeof(text)), -EINVAL);
	ev = good;
	ev.u.route.n_nexthops = 1; /* and no array */
	assert_int_equal(replay_format_event(&ev, text, sizeof(text)), -EINVAL);
	ev = good;
	ev.u.route.nexthops = &hop;
	ev.u.route.n_nexthops = REPLAY_MAX_HOPS + 1;
	assert_int_equal(replay_format_event(&ev, text, sizeof(text)), -EINVAL);
	ev = good;
	hop.ifindex = -1;
	ev.u.route.nexthops = &hop;
	ev.u.route.n_nexthops = 1;
	assert_int_equal(replay_format_event(&ev, text, sizeof(text)), -EINVAL);
	ev = good;
	ev.u.route.type = (enum rtw_route_type)256;
	assert_int_equal(replay_format_event(&ev, text, sizeof(text)), -EINVAL);
	ev = good;
	ev.u.route.pref = RTW_ROUTE_PREF_HIGH; /* IPv4 has none */
	assert_int_equal(replay_format_event(&ev, text, sizeof(text)), -EINVAL);
	ev.u.route.dst = prefix("::/0");
	ev.u.route.pref = 2; /* the reserved code: Linux keeps none */
	assert_int_equal(replay_format_event(&ev, text, sizeof(text)), -EINVAL);

	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_LINK_UP;
	memset(ev.u.link.name, 'x', sizeof(ev.u.link.name)); /* no NUL */
	assert_int_equal(replay_format_event(&ev, text, sizeof(text)), -EINVAL);
	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_ADDR_ADD;
	ev.u.addr.prefix.addr.family = AF_UNSPEC;
	assert_int_equal(replay_format_event(&ev, text, sizeof(text)), -EINVAL);
	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_NETCONF;
	ev.u.netconf.family = AF_INET;
	assert_int_equal(replay_format_event(&ev, text, sizeof(text)), -EINVAL); /* device 0 */
	ev.u.netconf.ifindex = -3;
	assert_int_equal(replay_format_event(&ev, text, sizeof(text)), -EINVAL);
	ev.u.netconf.ifindex = 2;
	ev.u.netconf.family = AF_UNSPEC;
	assert_int_equal(replay_format_event(&ev, text, sizeof(text)), -EINVAL);
	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_NEXTHOP_ADD;
	ev.u.nhobj.n_group = 2;
	assert_int_equal(replay_format_event(&ev, text, sizeof(text)), -EINVAL);
}

static void parse_nothing_and_headers(void **state)
{
	struct replay_line *l = new_line();
	static const char *const nothing[] = {
		"", "   ", "\t", "# a comment", "  # indented", "#route-add garbage", "\r"
	};
	size_t i;

	for (i = 0; i < sizeof(nothing) / sizeof(nothing[0]); i++) {
		assert_int_equal(parse_str(nothing[i], l), 0);
		assert_int_equal(l->kind, REPLAY_NOTHING);
	}
	assert_int_equal(replay_parse_line(NULL, 0, l), 0);

	assert_int_equal(parse_str("routewatch-record 1", l), 0);
	assert_int_equal(l->kind, REPLAY_HEADER);
	assert_int_equal(l->version, 1);
	assert_int_equal(l->linkdown, RTW_LINKDOWN_DEFAULT);
	assert_int_equal(parse_str("routewatch-record 1 linkdown=fail future=x", l), 0);
	assert_int_equal(l->linkdown, RTW_LINKDOWN_FAIL);
	assert_int_equal(l->linkdown6, RTW_LINKDOWN_DEFAULT);
	assert_int_equal(parse_str("routewatch-record 1 linkdown=fallback", l), 0);
	assert_int_equal(l->linkdown, RTW_LINKDOWN_FALLBACK);
	assert_int_equal(parse_str("routewatch-record 1 linkdown6=fallback linkdown=fail", l), 0);
	assert_int_equal(l->linkdown, RTW_LINKDOWN_FAIL);
	assert_int_equal(l->linkdown6, RTW_LINKDOWN_FALLBACK);
	assert_int_equal(parse_str("routewatch-record 1 linkdown6=no", l), -EINVAL);
	assert_non_null(strstr(l->why, "linkdown6"));
	assert_int_equal(parse_str("routewatch-record 1 linkdown=maybe", l), -EINVAL);
	assert_false(l->linux_rules);
	assert_int_equal(parse_str("routewatch-record 1 rules=linux", l), 0);
	assert_true(l->linux_rules);
	assert_int_equal(parse_str("routewatch-record 1 linkdown=fail", l), 0);
	assert_false(l->linux_rules);
	assert_int_equal(parse_str("routewatch-record 1 rules=bsd", l), -EINVAL);
	assert_string_equal(l->why, "bad value for rules");
	assert_int_equal(parse_str("routewatch-record 2", l), -EPROTO);
	assert_non_null(strstr(l->why, "version"));
	assert_int_equal(parse_str("routewatch-record", l), -EPROTO);
	assert_int_equal(parse_str("routewatch-record one", l), -EPROTO);
	free(l);
}

static void parse_is_lenient_where_documented(void **state)
{
	struct replay_line *l = new_line();

	/* unknown keys, keys of other events, any order, tabs, CRLF, defaults */
	assert_int_equal(parse_str("route-add\tfuture=1 ifindex=3 metric=7 dst=10.0.0.0/8 "
				   "colour=blue=green\r",
				   l),
			 1);
	assert_int_equal(l->event.type, RTW_EV_ROUTE_ADD);
	assert_int_equal(l->event.u.route.metric, 7);
	assert_int_equal(l->event.u.route.dst.len, 8);
	assert_int_equal(l->event.u.route.table, 0);
	assert_int_equal(l->event.u.route.prefsrc.family, AF_UNSPEC);
	assert_int_equal(l->event.u.route.n_nexthops, 0);
	assert_null(l->event.u.route.nexthops);

	/* raw UTF-8 in a hand-edited name, numeric and hex flags */
	assert_int_equal(parse_str("link-down ifindex=4 name=wl\xc3\xa4n0 evflags=0x4,1", l), 1);
	assert_string_equal(l->event.u.link.name, "wl\xc3\xa4n0");
	assert_int_equal(l->event.flags, RTW_EVF_FLUSH_V4 | RTW_EVF_REPLACE);
	assert_false(l->event.u.link.admin_up);

	/* a bare address is a host route; flags by number */
	assert_int_equal(parse_str("route-del dst=2001:db8::1 type=7 nh=none@0:0:0x8,dead", l), 1);
	assert_int_equal(l->event.u.route.dst.len, 128);
	assert_int_equal(l->event.u.route.type, RTW_ROUTE_UNREACHABLE);
	assert_int_equal(l->event.u.route.nexthops[0].flags, RTW_NH_PERVASIVE | RTW_NH_DEAD);

	assert_int_equal(parse_str("nexthop-add id=5 member=1:2 member=3:4", l), 1);
	assert_int_equal(l->event.u.nhobj.family, AF_UNSPEC);
	assert_int_equal(l->event.u.nhobj.n_group, 2);
	assert_int_equal(l->event.u.nhobj.group[1].id, 3);
	assert_int_equal(l->event.u.nhobj.group[1].weight, 4);
	free(l);
}

static void parse_rejects_bad_lines(void **state)
{
	static const char *const bad[] = {
		"route-ad dst=10.0.0.0/8",
		"ROUTE-ADD dst=10.0.0.0/8",
		"route-add",		    /* no dst */
		"route-add dst=10.0.0.1/8", /* host bits */
		"route-add dst=10.0.0.0/33",
		"route-add dst=10.0.0.0/8 metric=4294967296", /* 2^32 */
		"route-add dst=10.0.0.0/8 metric=-1",
		"route-add dst=10.0.0.0/8 metric=+1",
		"route-add dst=10.0.0.0/8 metric=",
		"route-add dst=10.0.0.0/8 metric=1x",
		"route-add dst=10.0.0.0/8 table=99999999999999999999999",
		"route-add dst=10.0.0.0/8 tos=256",
		"route-add dst=10.0.0.0/8 proto=256",
		"route-add dst=10.0.0.0/8 scope=1000",
		"route-add dst=10.0.0.0/8 type=256",
		"route-add dst=10.0.0.0/8 type=bogus",
		"route-add dst=10.0.0.0/8 family=inet6",
		"route-add dst=10.0.0.0/8 family=ipx",
		"route-add dst=10.0.0.0/8 prefsrc=10.0.0.256",
		"route-add dst=::/0 pref=1",
		"route-add dst=::/0 pref=HIGH",
		"route-add dst=::/0 pref=",
		"route-add dst=10.0.0.0/8 pref=high",	      /* IPv4 has none */
		"route-add dst=10.0.0.0/8 metric=1 metric=2", /* twice */
		"route-add dst=10.0.0.0/8 metric",	      /* not key=value */
		"route-add dst=10.0.0.0/8 =5",
		"route-add dst=10.0.0.0/8 flags=linkdown,,1",
		"route-add dst=10.0.0.0/8 flags=",
		"route-add dst=10.0.0.0/8 flags=sticky",
		"route-add dst=10.0.0.0/8 flags=0x100000000",
		"route-add dst=10.0.0.0/8 nh=10.0.0.1",
		"route-add dst=10.0.0.0/8 nh=10.0.0.1@2:1",
		"route-add dst=10.0.0.0/8 nh=10.0.0.1@2:1:0:0",
		"route-add dst=10.0.0.0/8 nh=@2:1:0",
		"route-add dst=10.0.0.0/8 nh=10.0.0.1@-2:1:0",
		"route-add dst=10.0.0.0/8 nh=10.0.0.1@2147483648:1:0",
		"route-add dst=10.0.0.0/8 nh=10.0.0.1@2:65536:0",
		"link-up",
		"link-up ifindex=1 name=%4",
		"link-up ifindex=1 name=%zz",
		"link-up ifindex=1 name=a%00b",
		"link-up ifindex=1 name=01234567890123456789012345678901", /* 32 bytes */
		"link-up ifindex=1 admin=yes",
		"link-up ifindex=1 carrier=1",
		"addr-add ifindex=1 addr=10.0.0.1",
		"addr-add ifindex=1 addr=10.0.0.1/33",
		"addr-add ifindex=1 addr=10.0.0.1/024", /* as in a prefix: no leading zero */
		"route-add dst=10.0.0.0/08 nh=10.0.0.1@2:1:0",
		"addr-add ifindex=1 addr=none/0",
		"addr-add addr=10.0.0.1/8",
		"nexthop-add",
		"nexthop-add id=1 member=2",
		"nexthop-add id=1 member=2:65536",
		"nexthop-add id=1 blackhole=1",
		"nexthop-add id=1 family=inet7",
		"dump-begin stray",
		"overflow evflags=nope",
		"netconf family=inet ifindex=all",	   /* no value */
		"netconf ifindex=all ignore-linkdown=yes", /* no family */
		"netconf family=unspec ifindex=all ignore-linkdown=yes",
		"netconf family=inet ignore-linkdown=yes",	     /* no device */
		"netconf family=inet ifindex=0 ignore-linkdown=yes", /* no device 0 */
		"netconf family=inet ifindex=any ignore-linkdown=yes",
		"netconf family=inet ifindex=-1 ignore-linkdown=yes",
		"netconf family=inet ifindex=3 ignore-linkdown=1",
		"route-add dst=10.0.0.0/8 \x01",
		"route-add dst=10.0.0.0/8 name=\x7f",
	};
	struct replay_line *l = new_line();
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse_str(bad[i], l);

		if (r != -EINVAL)
			print_error("accepted or wrong error (%d): \"%s\"\n", r, bad[i]);
		assert_int_equal(r, -EINVAL);
		assert_non_null(l->why);
	}
	assert_string_equal((parse_str("route-add dst=10.0.0.0/8 metric=x", l), l->why),
			    "bad value for metric");
	assert_string_equal((parse_str("bogus", l), l->why), "unknown event word");
	assert_string_equal((parse_str("route-add dst=10.0.0.0/8 pref=low", l), l->why),
			    "pref on a route that is not inet6");
	assert_string_equal((parse_str("route-add dst=10.0.0.0/8 pref=medium", l), l->why),
			    "pref on a route that is not inet6");
	assert_int_equal(parse_str("route-add dst=::/0 pref=medium", l), 1);
	assert_int_equal(l->event.u.route.pref, RTW_ROUTE_PREF_MEDIUM);
	/* values longer than any address must not overrun the copy made for libc */
	{
		char big[512];

		snprintf(big, sizeof(big), "route-add dst=10.0.0.0/8 prefsrc=%0300d", 1);
		assert_int_equal(parse_str(big, l), -EINVAL);
		snprintf(big, sizeof(big), "route-add dst=%0300d", 1);
		assert_int_equal(parse_str(big, l), -EINVAL);
	}
	/* a NUL byte inside the counted line */
	assert_int_equal(replay_parse_line("overflow\0", 9, l), -EINVAL);
	free(l);
}

static void parse_hop_limit(void **state)
{
	static char text[REPLAY_LINE_MAX + 64];
	struct replay_line *l = new_line();
	size_t n;
	int i;

	n = (size_t)snprintf(text, sizeof(text), "route-add dst=10.0.0.0/8");
	for (i = 0; i < REPLAY_MAX_HOPS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " nh=10.0.0.1@%d:1:0", i);
	assert_int_equal(replay_parse_line(text, n, l), 1);
	assert_int_equal(l->event.u.route.n_nexthops, REPLAY_MAX_HOPS);
	assert_int_equal(l->event.u.route.nexthops[255].ifindex, 255);
	n += (size_t)snprintf(text + n, sizeof(text) - n, " nh=10.0.0.1@1:1:0");
	assert_int_equal(replay_parse_line(text, n, l), -EINVAL);
	assert_string_equal(l->why, "too many next hops");

	/* a line longer than the limit is refused before it is looked at */
	memset(text, ' ', sizeof(text));
	memcpy(text, "overflow", 8);
	assert_int_equal(replay_parse_line(text, REPLAY_LINE_MAX, l), 1);
	assert_int_equal(replay_parse_line(text, REPLAY_LINE_MAX + 1, l), -EINVAL);
	free(l);
}

/* The parser must treat len as the end even when more text follows: parsing
 * the first k bytes of a buffer gives what parsing a copy of exactly those k
 * bytes gives (the copy lives in a buffer of exactly k bytes, so a sanitizer
 * build also catches any read past it). */
static void parse_stops_at_len(void **state)
{
	static const char *const lines[] = {
		"route-add family=inet6 table=254 dst=2001:db8::/32 metric=1009 "
		"prefsrc=2001:db8::1 "
		"nh=fe80::1@2:1:onlink nh=none@3:2:0 evflags=replace",
		"link-up ifindex=12 name=a%20b%3Dc admin=up carrier=down",
		"addr-add ifindex=3 addr=10.1.2.3/24 flags=temporary,0x10",
		"nexthop-add id=7 family=unspec blackhole=no member=1:2 member=3:4",
		"routewatch-record 1 linkdown=fail",
	};
	struct replay_line *a = new_line(), *b = new_line();
	size_t i, k;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		size_t n = strlen(lines[i]);

		for (k = 0; k <= n; k++) {
			char *copy = malloc(k ? k : 1);
			int ra, rb;

			assert_non_null(copy);
			memcpy(copy, lines[i], k);
			ra = replay_parse_line(lines[i], k, a);
			rb = replay_parse_line(copy, k, b);
			assert_int_equal(ra, rb);
			if (ra == 1)
				assert_event_equal(&a->event, &b->event);
			free(copy);
		}
	}
	/* and the cut really is where len says: "metric=1009" read as 100 */
	k = strstr(lines[0], "metric=1009") - lines[0] + strlen("metric=100");
	assert_int_equal(replay_parse_line(lines[0], k, a), 1);
	assert_int_equal(a->event.u.route.metric, 100);
	free(a);
	free(b);
}

/* ---- the write helpers ---- */

/* A write that fails halfway (a full disk; here the file size limit) takes
 * its part-line back: the recording ends with its last whole line, so that
 * a replay does not read a cut line as another event. */
static void write_failure_leaves_whole_lines(void **state)
{
	char path[] = "/tmp/rtw-cut-XXXXXX", buf[1024];
	int fd = mkstemp(path), status;
	pid_t pid;
	ssize_t n;

	assert_true(fd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 300, 300 };
		struct rtw_nexthop hop = { .ifindex = 2, .weight = 1 };
		struct rtw_event ev;
		int i, r = 0;

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(2);
		r = replay_write_header(fd, REPLAY_SINK_FILE, RTW_LINKDOWN_DEFAULT,
					RTW_LINKDOWN_DEFAULT, false);
		memset(&ev, 0, sizeof(ev));
		ev.type = RTW_EV_ROUTE_ADD;
		ev.u.route.dst = prefix("192.0.2.0/24");
		ev.u.route.metric = 50;
		ev.u.route.nexthops = &hop;
		ev.u.route.n_nexthops = 1;
		for (i = 0; i < 20 && r == 0; i++)
			r = replay_write_event(fd, REPLAY_SINK_FILE, &ev);
		_exit(r == -EFBIG && i > 1 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(path);
	assert_true(n > 20 && n < 300);
	assert_int_equal(buf[n - 1], '\n');
}

static void write_helpers(void **state)
{
	struct rtw_nexthop hop = { .ifindex = 2, .weight = 1 };
	struct replay_line *l = new_line();
	struct rtw_event ev;
	char buf[4096], *line;
	int p[2];
	ssize_t n;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p), 0);
	assert_int_equal(replay_sink_of(p[0]), REPLAY_SINK_SOCKET);
	close(p[0]);
	close(p[1]);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(replay_sink_of(p[1]), REPLAY_SINK_PIPE);
	assert_int_equal(replay_write_header(p[1], REPLAY_SINK_PIPE, RTW_LINKDOWN_DEFAULT,
					     RTW_LINKDOWN_DEFAULT, false),
			 0);
	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_ROUTE_ADD;
	ev.u.route.dst = prefix("192.0.2.0/24");
	ev.u.route.nexthops = &hop;
	ev.u.route.n_nexthops = 1;
	assert_int_equal(replay_write_event(p[1], REPLAY_SINK_PIPE, &ev), 0);
	ev.u.route.dst.len = 99;
	assert_int_equal(replay_write_event(p[1], REPLAY_SINK_PIPE, &ev),
			 -EINVAL); /* nothing written */
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	close(p[0]);
	assert_true(strncmp(buf, "routewatch-record 1\n", 20) == 0);
	line = buf + 20;
	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1); /* one line */
	assert_int_equal(replay_parse_line(line, strlen(line) - 1, l), 1);
	ev.u.route.dst.len = 24;
	assert_event_equal(&ev, &l->event);

	assert_int_equal(pipe(p), 0);
	assert_int_equal(replay_write_header(p[1], REPLAY_SINK_PIPE, RTW_LINKDOWN_FAIL,
					     RTW_LINKDOWN_FALLBACK, true),
			 0);
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	close(p[0]);
	assert_string_equal(buf,
			    "routewatch-record 1 linkdown=fail linkdown6=fallback rules=linux\n");

	assert_int_equal(replay_sink_of(-1), REPLAY_SINK_PIPE); /* what fstat() cannot tell */
	assert_int_equal(replay_write_header(-1, REPLAY_SINK_PIPE, RTW_LINKDOWN_DEFAULT,
					     RTW_LINKDOWN_DEFAULT, false),
			 -EBADF);
	assert_int_equal(replay_write_event(p[0], REPLAY_SINK_FILE, &ev), -EBADF); /* closed */
	free(l);
}

/* A big line goes out in pieces through the small staging buffer. */
static void write_long_line(void **state)
{
	static struct rtw_nexthop hops[REPLAY_MAX_HOPS];
	static char text[REPLAY_LINE_MAX + 1], back[REPLAY_LINE_MAX + 2];
	struct rtw_event ev;
	char path[] = "/tmp/test_replay_XXXXXX";
	int fd, n, i;
	ssize_t got;

	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_ROUTE_ADD;
	ev.u.route.dst = prefix("::/0");
	for (i = 0; i < REPLAY_MAX_HOPS; i++) {
		hops[i].gateway = addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
		hops[i].ifindex = INT_MAX;
		hops[i].weight = UINT16_MAX;
		hops[i].flags = UINT_MAX;
	}
	ev.u.route.nexthops = hops;
	ev.u.route.n_nexthops = REPLAY_MAX_HOPS;
	n = replay_format_event(&ev, text, sizeof(text));
	assert_true(n > 8192);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(replay_sink_of(fd), REPLAY_SINK_FILE);
	assert_int_equal(replay_write_event(fd, REPLAY_SINK_FILE, &ev), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	got = read(fd, back, sizeof(back));
	close(fd);
	assert_int_equal(got, n + 1);
	back[n] = '\0';
	assert_string_equal(back, text);
}

/* ---- the backend ---- */

/* The sink of the backend tests keeps each event as its text line. */
struct seen {
	char line[64][256];
	int n;
	int fail_at; /* refuse event number fail_at (1-based) once, with -ENOMEM */
	int calls;
};

static int seen_sink(void *arg, const struct rtw_event *ev)
{
	struct seen *s = arg;

	if (++s->calls == s->fail_at)
		return -ENOMEM;
	assert_true(s->n < 64);
	assert_true(replay_format_event(ev, s->line[s->n], sizeof(s->line[0])) > 0);
	s->n++;
	return 0;
}

static char *write_file(const char *content)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_replay_XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	return path;
}

static struct rtw_backend *open_text(const char *content)
{
	struct rtw_backend_options opt = { 0 };
	struct rtw_backend *b = NULL;
	char *path = write_file(content);

	opt.replay_path = path;
	assert_int_equal(rtw_backend_replay.open(&b, &opt), 0);
	unlink(path);
	return b;
}

static int open_text_err(const char *content, char *why, size_t size)
{
	struct rtw_backend_options opt = { 0 };
	struct rtw_backend *b = (struct rtw_backend *)&opt; /* must stay as it is */
	char *path = write_file(content);
	int r;

	opt.replay_path = path;
	r = replay_open(&b, &opt, why, size);
	unlink(path);
	assert_ptr_equal(b, (struct rtw_backend *)&opt);
	return r;
}

/* The canonical line of "route-add dst=10.n.0.0/16", as the sink records it. */
static const char *route(int n)
{
	static char buf[8][160];
	static int next;
	char *p = buf[next++ % 8];

	snprintf(p, sizeof(buf[0]),
		 "route-add family=inet table=0 dst=10.%d.0.0/16 type=unspec metric=0 tos=0 "
		 "proto=0 scope=0 prefsrc=none nhid=0 flags=0",
		 n);
	return p;
}

static void write_all_str(int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* A replay of a pipe whose writing end stays with the test (*ret_wr) and
 * holds first so far. */
static struct rtw_backend *open_pipe(const char *first, int *ret_wr)
{
	struct rtw_backend_options opt = { 0 };
	struct rtw_backend *b = NULL;
	char path[32];
	int p[2];

	assert_int_equal(pipe(p), 0);
	snprintf(path, sizeof(path), "/dev/fd/%d", p[0]);
	opt.replay_path = path;
	write_all_str(p[1], first);
	assert_int_equal(rtw_backend_replay.open(&b, &opt), 0);
	close(p[0]); /* the backend has its own descriptor */
	*ret_wr = p[1];
	return b;
}

/* The recorded kernel's link-down policy, per family, from the header: here
 * IPv4 passes over a route whose link lost its carrier and IPv6 fails on
 * it, as Linux does with ignore_routes_with_linkdown set for IPv4 only.
 * rtw_record() writes the policies back, also when asked before
 * rtw_start(); an application's own choice wins over the header. */
/* Two uplinks: eth0 (2) under the default routes of metric 100, eth1 (3)
 * under those of metric 200, both families. */
#define UPLINKS_LINKS                                                                              \
	"link-up ifindex=2 name=eth0 admin=up carrier=up\n"                                        \
	"link-up ifindex=3 name=eth1 admin=up carrier=up\n"
#define UPLINKS_ROUTES                                                                             \
	"route-add dst=0.0.0.0/0 table=254 type=unicast metric=100 nh=192.0.2.1@2:1:0\n"           \
	"route-add dst=0.0.0.0/0 table=254 type=unicast metric=200 nh=198.51.100.1@3:1:0\n"        \
	"route-add dst=::/0 table=254 type=unicast metric=100 nh=2001:db8::1@2:1:0\n"              \
	"route-add dst=::/0 table=254 type=unicast metric=200 nh=2001:db8:1::1@3:1:0\n"
#define ETH0_LOSES_CARRIER "link-down ifindex=2 name=eth0 admin=up carrier=down\n"

static void linkdown_per_family(void **state)
{
	const char *text =
	    "routewatch-record 1 linkdown=fallback linkdown6=fail\n"
	    "dump-begin\n" UPLINKS_LINKS UPLINKS_ROUTES "dump-end\n" ETH0_LOSES_CARRIER;
	const char *header = "routewatch-record 1 linkdown=fallback linkdown6=fail\n";
	struct rtw_addr v4, v6;
	struct rtw_options o;
	struct rtw_route r;
	struct rtw_ctx *c;
	char buf[256], *path = write_file(text);
	int p[2];
	ssize_t n;

	assert_int_equal(rtw_addr_parse("8.8.8.8", &v4), 0);
	assert_int_equal(rtw_addr_parse("2001:4860::1", &v6), 0);
	memset(&o, 0, sizeof(o));
	o.replay_path = path;
	c = rtw_new(&o);
	assert_non_null(c);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(rtw_record(c, p[1]), 0); /* before rtw_start */
	assert_int_equal(rtw_start(c), 0);
	n = read(p[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_int_equal(strncmp(buf, header, strlen(header)), 0);
	assert_int_equal(strncmp(buf + strlen(header), "dump-begin\n", 11), 0);
	while (rtw_dispatch(c) > 0)
		;
	assert_int_equal(rtw_lookup_addr(c, &v4, &r), 0);
	assert_int_equal(r.metric, 200);
	assert_int_equal(rtw_lookup_addr(c, &v6, &r), -EHOSTUNREACH);
	assert_int_equal(r.metric, 100);
	assert_true(r.flags & RTW_ROUTE_F_LINKDOWN);
	/* a recording started now writes the same header, then a snapshot */
	assert_int_equal(rtw_record(c, -1), 0);
	close(p[0]);
	close(p[1]);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(rtw_record(c, p[1]), 0);
	n = read(p[0], buf, strlen(header));
	assert_int_equal(n, (ssize_t)strlen(header));
	assert_int_equal(strncmp(buf, header, strlen(header)), 0);
	rtw_free(c);
	close(p[0]);
	close(p[1]);

	o.linkdown = RTW_LINKDOWN_FAIL;
	c = rtw_new(&o);
	assert_non_null(c);
	assert_int_equal(rtw_start(c), 0);
	while (rtw_dispatch(c) > 0)
		;
	assert_int_equal(rtw_lookup_addr(c, &v4, &r), -EHOSTUNREACH);
	assert_int_equal(r.metric, 100);
	rtw_free(c);
	unlink(path);
}

/* A context that replayed the whole recording text (with the policy the
 * application chose: RTW_LINKDOWN_DEFAULT follows the kernel), and the
 * lookup of dst in it. */
static struct rtw_ctx *replayed(const char *text, enum rtw_linkdown_policy ld)
{
	struct rtw_options o;
	struct rtw_ctx *c;
	char *path = write_file(text);

	memset(&o, 0, sizeof(o));
	o.replay_path = path;
	o.linkdown = ld;
	c = rtw_new(&o);
	assert_non_null(c);
	assert_int_equal(rtw_start(c), 0);
	while (rtw_dispatch(c) > 0)
		;
	unlink(path);
	return c;
}

static int replayed_lookup(const char *text, enum rtw_linkdown_policy ld, const char *dst,
			   struct rtw_route *ret)
{
	struct rtw_ctx *c = replayed(text, ld);
	struct rtw_addr a;
	int r;

	assert_int_equal(rtw_addr_parse(dst, &a), 0);
	r = rtw_lookup_addr(c, &a, ret);
	rtw_free(c);
	return r;
}

/* A recording of Linux says so (rules=linux), and its replay answers as
 * the kernel did: IPv4 takes the longest prefix of local and main together
 * (main's 127.1.0.0/16 over local's 127.0.0.0/8), IPv6 has no rule for the
 * default table. Without it the tables are tried in order. The header of a
 * recording of such a replay keeps the rules. */
static void replay_follows_recorded_rules(void **state)
{
	static const char body[] =
	    "dump-begin\n"
	    "link-up ifindex=1 name=lo admin=up carrier=up\n"
	    "link-up ifindex=2 name=d0 admin=up carrier=up\n"
	    "route-add family=inet table=255 dst=127.0.0.0/8 type=local scope=254 nh=none@1:1:0\n"
	    "route-add family=inet table=254 dst=127.1.0.0/16 scope=253 nh=none@2:1:0\n"
	    "route-add family=inet6 table=253 dst=2001:db8:5::/48 nh=none@2:1:0\n"
	    "dump-end\n";
	char linux_text[1024], plain_text[1024], buf[256];
	struct rtw_route r;
	struct rtw_ctx *c;
	int p[2];
	ssize_t n;

	(void)state;
	snprintf(linux_text, sizeof(linux_text), "routewatch-record 1 rules=linux\n%s", body);
	snprintf(plain_text, sizeof(plain_text), "routewatch-record 1\n%s", body);
	assert_int_equal(replayed_lookup(linux_text, RTW_LINKDOWN_DEFAULT, "127.1.2.3", &r), 0);
	assert_int_equal(r.table, RTW_TABLE_MAIN);
	assert_int_equal(r.dst.len, 16);
	assert_int_equal(replayed_lookup(linux_text, RTW_LINKDOWN_DEFAULT, "2001:db8:5::1", &r),
			 -ENETUNREACH);
	assert_int_equal(replayed_lookup(plain_text, RTW_LINKDOWN_DEFAULT, "127.1.2.3", &r), 0);
	assert_int_equal(r.table, RTW_TABLE_LOCAL);
	assert_int_equal(r.dst.len, 8);
	assert_int_equal(replayed_lookup(plain_text, RTW_LINKDOWN_DEFAULT, "2001:db8:5::1", &r), 0);
	assert_int_equal(r.table, RTW_TABLE_DEFAULT);

	c = replayed(linux_text, RTW_LINKDOWN_DEFAULT);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(rtw_record(c, p[1]), 0);
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	close(p[0]);
	assert_non_null(strstr(buf, " rules=linux\n"));
	rtw_free(c);
}

/* A recording whose reader went away ends at the first write that fails;
 * the events go on being applied, and the stop says why the recording
 * ended, once. A recording asked for before rtw_start() on a broken fd
 * fails there the same way without failing the start. SIGPIPE keeps its
 * default action (death) here: the library must not raise it, into a pipe
 * (rounds 0, 1) or a socket (2, 3: send() with MSG_NOSIGNAL). */
static void record_write_error_reported_at_stop(void **state)
{
	struct rtw_options o;
	struct rtw_route r;
	struct rtw_addr a;
	struct rtw_ctx *c;
	sigset_t pending;
	char path[32];
	int in[2], out[2], round;

	(void)state;
	signal(SIGPIPE, SIG_DFL);
	for (round = 0; round < 4; round++) {
		assert_int_equal(pipe(in), 0);
		if (round < 2)
			assert_int_equal(pipe(out), 0);
		else
			assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, out), 0);
		write_all_str(in[1],
			      "routewatch-record 1\ndump-begin\n" UPLINKS_LINKS "dump-end\n");
		snprintf(path, sizeof(path), "/dev/fd/%d", in[0]);
		memset(&o, 0, sizeof(o));
		o.replay_path = path;
		c = rtw_new(&o);
		assert_non_null(c);
		if (round % 2 == 1) {
			close(out[0]); /* before the header is written */
			assert_int_equal(rtw_record(c, out[1]), 0);
		}
		assert_int_equal(rtw_start(c), 0);
		close(in[0]);
		if (round % 2 == 0) {
			assert_int_equal(rtw_record(c, out[1]), 0);
			close(out[0]);
		}
		write_all_str(in[1],
			      "route-add dst=198.51.100.0/24 table=254 nh=192.0.2.1@2:1:0\n");
		close(in[1]);
		while (rtw_dispatch(c) > 0)
			;
		assert_int_equal(rtw_addr_parse("198.51.100.7", &a), 0);
		assert_int_equal(rtw_lookup_addr(c, &a, &r), 0); /* applied all the same */
		assert_int_equal(rtw_record(c, -1), -EPIPE);
		assert_int_equal(rtw_record(c, -1), 0);
		close(out[1]);
		rtw_free(c);
	}
	assert_int_equal(sigpending(&pending), 0);
	assert_int_equal(sigismember(&pending, SIGPIPE), 0);
	signal(SIGPIPE, SIG_IGN);
}

/* An allocator that counts the bytes it holds (a header before each block
 * keeps its size). */
static void *counted_malloc(void *arg, size_t size)
{
	size_t *p = malloc(size + 16);

	if (!p)
		return NULL;
	*p = size;
	*(size_t *)arg += size;
	return (char *)p + 16;
}

static void counted_free(void *arg, void *ptr)
{
	size_t *p = ptr ? (size_t *)((char *)ptr - 16) : NULL;

	if (!p)
		return;
	*(size_t *)arg -= *p;
	free(p);
}

static void *counted_realloc(void *arg, void *ptr, size_t size)
{
	size_t *p = ptr ? (size_t *)((char *)ptr - 16) : NULL, old = p ? *p : 0;

	p = realloc(p, size + 16);
	if (!p)
		return NULL;
	*p = size;
	*(size_t *)arg += size - old;
	return (char *)p + 16;
}

/* rtw_get_stats() counts every byte held through the allocator, the
 * backend's buffers too. */
static void stats_count_the_backends_memory(void **state)
{
	size_t held = 0;
	struct rtw_allocator a = { counted_malloc, counted_realloc, counted_free, &held };
	struct rtw_options o;
	struct rtw_stats st;
	struct rtw_ctx *c;
	char path[32];
	int in[2];

	(void)state;
	assert_int_equal(pipe(in), 0);
	write_all_str(in[1], "routewatch-record 1\ndump-begin\n" UPLINKS_LINKS "dump-end\n");
	snprintf(path, sizeof(path), "/dev/fd/%d", in[0]);
	memset(&o, 0, sizeof(o));
	o.replay_path = path;
	o.allocator = &a;
	c = rtw_new(&o);
	assert_non_null(c);
	assert_int_equal(rtw_start(c), 0);
	assert_int_equal(rtw_get_stats(c, &st), 0);
	assert_true(st.links > 0);
	assert_int_equal(st.memory, held);
	rtw_free(c);
	assert_int_equal(held, 0);
	close(in[0]);
	close(in[1]);
}

/* Linux's ignore_routes_with_linkdown per device, as netconf events tell
 * it (the rules checked against the kernel by kernel_linkdown): eth0 (2)
 * loses its carrier under a default route of metric 100; metric 200 goes
 * through eth1 (3), or eth2 (4) where 100 is multipath over eth0 and eth1. */
static void linkdown_follows_netconf(void **state)
{
	static const char *const head =
	    "routewatch-record 1 linkdown=fail\n"
	    "dump-begin\n" UPLINKS_LINKS
	    "link-up ifindex=4 name=eth2 admin=up carrier=up\n" UPLINKS_ROUTES;
	static const char *const down = ETH0_LOSES_CARRIER;
	static const struct {
		const char *dst, *before,
		    *after; /* netconf lines before and after the carrier loss */
		int ret;
		uint32_t metric;
	} cases[] = {
		/* the device's own setting, with "all" off */
		{ "8.8.8.8",
		  "netconf family=inet ifindex=all ignore-linkdown=no\n"
		  "netconf family=inet ifindex=2 ignore-linkdown=yes\n",
		  "", 0, 200 },
		{ "8.8.8.8",
		  "netconf family=inet ifindex=all ignore-linkdown=no\n"
		  "netconf family=inet ifindex=2 ignore-linkdown=no\n"
		  "netconf family=inet ifindex=3 ignore-linkdown=yes\n",
		  "", -EHOSTUNREACH, 100 },
		/* IPv4 ORs "all" in */
		{ "8.8.8.8",
		  "netconf family=inet ifindex=all ignore-linkdown=yes\n"
		  "netconf family=inet ifindex=2 ignore-linkdown=no\n",
		  "", 0, 200 },
		/* a device not told of has the default */
		{ "8.8.8.8", "netconf family=inet ifindex=default ignore-linkdown=yes\n", "", 0,
		  200 },
		/* IPv6 reads only the device's */
		{ "2001:4860::1",
		  "netconf family=inet6 ifindex=all ignore-linkdown=yes\n"
		  "netconf family=inet6 ifindex=2 ignore-linkdown=no\n",
		  "", -EHOSTUNREACH, 100 },
		{ "2001:4860::1", "netconf family=inet6 ifindex=2 ignore-linkdown=yes\n", "", 0,
		  200 },
		/* one family's settings leave the other's lookups alone */
		{ "2001:4860::1", "netconf family=inet ifindex=2 ignore-linkdown=yes\n", "",
		  -EHOSTUNREACH, 100 },
		/* a change after the carrier loss moves the lookup, both ways */
		{ "8.8.8.8", "", "netconf family=inet ifindex=2 ignore-linkdown=yes\n", 0, 200 },
		{ "8.8.8.8", "netconf family=inet ifindex=2 ignore-linkdown=yes\n",
		  "netconf family=inet ifindex=2 ignore-linkdown=no\n", -EHOSTUNREACH, 100 },
		{ "8.8.8.8", "netconf family=inet ifindex=all ignore-linkdown=no\n",
		  "netconf family=inet ifindex=all ignore-linkdown=yes\n", 0, 200 },
		/* the device goes and comes back: it has the default again */
		{ "8.8.8.8", "netconf family=inet ifindex=2 ignore-linkdown=yes\n",
		  "link-gone ifindex=2\n"
		  "netconf family=inet ifindex=2 ignore-linkdown=no\n"
		  "link-up ifindex=2 name=eth0 admin=up carrier=down\n"
		  "route-add dst=0.0.0.0/0 table=254 type=unicast metric=100 nh=192.0.2.1@2:1:0\n",
		  -EHOSTUNREACH, 100 },
	};
	char text[2048];
	struct rtw_route r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%s%sdump-end\n%s%s", head, cases[i].before, down,
			 cases[i].after);
		memset(&r, 0, sizeof(r));
		if (replayed_lookup(text, RTW_LINKDOWN_DEFAULT, cases[i].dst, &r) != cases[i].ret ||
		    r.metric != cases[i].metric)
			fail_msg("case %zu: %s: want %d metric %u, got metric %u", i, cases[i].dst,
				 cases[i].ret, cases[i].metric, r.metric);
	}
	/* before "all" is told, the header's policy stands for it: IPv4 ORs
	 * it in for a device told of */
	assert_int_equal(replayed_lookup("routewatch-record 1 linkdown=fallback\n"
					 "dump-begin\n" UPLINKS_LINKS UPLINKS_ROUTES
					 "netconf family=inet ifindex=2 ignore-linkdown=no\n"
					 "dump-end\n" ETH0_LOSES_CARRIER,
					 RTW_LINKDOWN_DEFAULT, "8.8.8.8", &r),
			 0);
	assert_int_equal(r.metric, 200);
	/* a device's setting whose device the dump did not list goes at its
	 * end: a new device with that index has the default */
	snprintf(text, sizeof(text),
		 "routewatch-record 1 linkdown=fail\n"
		 "dump-begin\n"
		 "link-up ifindex=3 name=eth1 admin=up carrier=up\n"
		 "netconf family=inet ifindex=9 ignore-linkdown=yes\n"
		 "route-add dst=0.0.0.0/0 table=254 type=unicast metric=200 nh=198.51.100.1@3:1:0\n"
		 "dump-end\n"
		 "link-up ifindex=9 name=eth9 admin=up carrier=up\n"
		 "route-add dst=0.0.0.0/0 table=254 type=unicast metric=100 nh=192.0.2.1@9:1:0\n"
		 "link-down ifindex=9 name=eth9 admin=up carrier=down\n");
	assert_int_equal(replayed_lookup(text, RTW_LINKDOWN_DEFAULT, "8.8.8.8", &r), -EHOSTUNREACH);
	assert_int_equal(r.metric, 100);
	/* the application's own policy holds for every device */
	snprintf(text, sizeof(text), "%s%sdump-end\n%s", head, cases[0].before, down);
	assert_int_equal(replayed_lookup(text, RTW_LINKDOWN_FAIL, "8.8.8.8", &r), -EHOSTUNREACH);
	assert_int_equal(r.metric, 100);
	/* multipath: a hop down on a device that does not ignore such routes
	 * keeps the route deciding; once both devices ignore them, it is
	 * passed over */
	snprintf(text, sizeof(text),
		 "routewatch-record 1 linkdown=fail\n"
		 "dump-begin\n"
		 "link-up ifindex=2 name=eth0 admin=up carrier=up\n"
		 "link-up ifindex=3 name=eth1 admin=up carrier=up\n"
		 "link-up ifindex=4 name=eth2 admin=up carrier=up\n"
		 "netconf family=inet ifindex=2 ignore-linkdown=yes\n"
		 "route-add dst=0.0.0.0/0 table=254 type=unicast metric=100 "
		 "nh=192.0.2.1@2:1:0 nh=198.51.100.1@3:1:0\n"
		 "route-add dst=0.0.0.0/0 table=254 type=unicast metric=200 nh=203.0.113.1@4:1:0\n"
		 "dump-end\n"
		 "link-down ifindex=2 name=eth0 admin=up carrier=down\n"
		 "link-down ifindex=3 name=eth1 admin=up carrier=down\n"
		 "%s",
		 "");
	assert_int_equal(replayed_lookup(text, RTW_LINKDOWN_DEFAULT, "8.8.8.8", &r), -EHOSTUNREACH);
	assert_int_equal(r.metric, 100);
	strcat(text, "netconf family=inet ifindex=3 ignore-linkdown=yes\n");
	assert_int_equal(replayed_lookup(text, RTW_LINKDOWN_DEFAULT, "8.8.8.8", &r), 0);
	assert_int_equal(r.metric, 200);
}

/* What a recording started now writes (header and snapshot), as a string. */
static void snapshot_of(struct rtw_ctx *c, char *buf, size_t size)
{
	ssize_t n, got = 0;
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(rtw_record(c, p[1]), 0);
	assert_int_equal(rtw_record(c, -1), 0);
	close(p[1]);
	while ((n = read(p[0], buf + got, size - 1 - (size_t)got)) > 0)
		got += n;
	close(p[0]);
	buf[got] = '\0';
}

/* A recording started while the model follows netconf writes the devices'
 * settings into its snapshot, and replays to the same lookups. */
static void snapshot_keeps_netconf(void **state)
{
	struct rtw_ctx *c = replayed(
	    "routewatch-record 1 linkdown=fail\n"
	    "dump-begin\n" UPLINKS_LINKS "netconf family=inet ifindex=2 ignore-linkdown=yes\n"
	    "netconf family=inet6 ifindex=default ignore-linkdown=yes\n" UPLINKS_ROUTES
	    "dump-end\n" ETH0_LOSES_CARRIER,
	    RTW_LINKDOWN_DEFAULT);
	struct rtw_route r;
	char snap[4096];

	(void)state;
	snapshot_of(c, snap, sizeof(snap));
	rtw_free(c);
	assert_non_null(strstr(snap, "netconf family=inet ifindex=2 ignore-linkdown=yes\n"));
	assert_non_null(strstr(snap, "netconf family=inet6 ifindex=default ignore-linkdown=yes\n"));
	/* the snapshot alone: eth0 is down in it, and both families pass over
	 * its routes (IPv4 by its own setting, IPv6 by the default) */
	assert_int_equal(replayed_lookup(snap, RTW_LINKDOWN_DEFAULT, "8.8.8.8", &r), 0);
	assert_int_equal(r.metric, 200);
	assert_int_equal(replayed_lookup(snap, RTW_LINKDOWN_DEFAULT, "2001:4860::1", &r), 0);
	assert_int_equal(r.metric, 200);
}

/* Several routes under one key (ip route append, IPv6 routes that are no
 * siblings) in the snapshot a recording starts with: its replay has them
 * all, in their order, as a kernel dump's does. */
static void snapshot_keeps_routes_sharing_a_key(void **state)
{
	struct rtw_ctx *c = replayed(
	    "routewatch-record 1 linkdown=fallback\n"
	    "dump-begin\n" UPLINKS_LINKS
	    "route-add dst=192.0.2.0/24 table=254 metric=10 nh=10.0.0.2@2:1:0\n"
	    "route-add dst=192.0.2.0/24 table=254 metric=10 nh=10.1.0.2@3:1:0 "
	    "evflags=dup-append\n"
	    "route-add dst=::/0 table=254 metric=1024 nh=fe80::1@2:1:0\n"
	    "route-add dst=::/0 table=254 metric=1024 nh=fe80::2@3:1:0 evflags=dup-append\n"
	    "dump-end\n",
	    RTW_LINKDOWN_FALLBACK);
	static char want[8192], got[8192];
	char snap[4096];

	(void)state;
	assert_int_equal(rtw_foreach_route(c, route_text, want), 0);
	assert_non_null(strstr(want, "192.0.2.0/24/254/10/10.1.0.2/3;"));
	assert_non_null(strstr(want, "::/0/254/1024/fe80::2/3;"));
	snapshot_of(c, snap, sizeof(snap));
	rtw_free(c);
	c = replayed(snap, RTW_LINKDOWN_FALLBACK);
	assert_int_equal(rtw_foreach_route(c, route_text, got), 0);
	rtw_free(c);
	assert_string_equal(got, want);
}

static int record_in_dump_rc = 1;

static void record_in_dump(const struct rtw_notice *n, const char *json, void *user)
{
	int p[2];

	(void)n;
	(void)json;
	if (record_in_dump_rc != 1 || pipe(p) < 0)
		return;
	record_in_dump_rc = rtw_record(user, p[1]);
	close(p[0]);
	close(p[1]);
}

/* What a recording must not do: block rtw_dispatch() on a full
 * non-blocking descriptor (it ends, with EAGAIN from rtw_record_error() and
 * at the stop), start in the middle of a dump (a notice callback of one:
 * -EBUSY), or go on after a failed rtw_start() with half a dump in it (it
 * ends with that error). */
static void recording_limits(void **state)
{
	static char text[200000];
	struct rtw_options o;
	struct rtw_ctx *c;
	size_t len = 0;
	char *path;
	int p[2], i, r;

	(void)state;
	len += (size_t)snprintf(text, sizeof(text),
				"routewatch-record 1\ndump-begin\n" UPLINKS_LINKS "dump-end\n");
	for (i = 0; i < 2000; i++)
		len += (size_t)snprintf(
		    text + len, sizeof(text) - len,
		    "route-add dst=10.%d.%d.0/24 table=254 nh=192.0.2.1@2:1:0\n", i / 250, i % 250);
	path = write_file(text);
	memset(&o, 0, sizeof(o));
	o.replay_path = path;
	c = rtw_new(&o);
	assert_non_null(c);
	assert_int_equal(rtw_start(c), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(rtw_record(c, p[1]), 0);
	assert_int_equal(rtw_record_error(c), 0);
	alarm(20); /* a blocked dispatch fails the test instead of hanging it */
	while ((r = rtw_dispatch(c)) > 0)
		;
	alarm(0);
	assert_int_equal(r, -ENODATA);
	/* known at once, and still there for the stop */
	assert_int_equal(rtw_record_error(c), -EAGAIN);
	assert_int_equal(rtw_record(c, -1), -EAGAIN);
	assert_int_equal(rtw_record_error(c), 0);
	assert_int_equal(rtw_record_error(NULL), -EINVAL);
	close(p[0]);
	close(p[1]);
	rtw_free(c);
	unlink(path);

	o.flags = RTW_OPT_DUMP_NOTICES;
	path = write_file("routewatch-record 1\ndump-begin\n" UPLINKS_LINKS UPLINKS_ROUTES
			  "dump-end\n");
	o.replay_path = path;
	c = rtw_new(&o);
	assert_non_null(c);
	rtw_set_notice_cb(c, record_in_dump, c);
	assert_int_equal(rtw_start(c), 0);
	assert_int_equal(record_in_dump_rc, -EBUSY);
	rtw_free(c);
	unlink(path);

	o.flags = 0;
	path = write_file("routewatch-record 1\ndump-begin\n" UPLINKS_LINKS
			  "route-add dst=10.0.0.0/8 metric=abc\ndump-end\n");
	o.replay_path = path;
	c = rtw_new(&o);
	assert_non_null(c);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(rtw_record(c, p[1]), 0);
	r = rtw_start(c);
	assert_true(r < 0);
	assert_int_equal(rtw_record_error(c), r);
	assert_int_equal(rtw_record(c, -1), r);
	assert_int_equal(rtw_record(c, -1), 0);
	close(p[0]);
	close(p[1]);
	rtw_free(c);
	unlink(path);
}

static int record_in_event_fd = -1, record_in_event_rc = 1;

/* Starts a recording on record_in_event_fd at the first route notice; asks
 * for the same fd again, which changes nothing. */
static void record_in_event(const struct rtw_notice *n, const char *json, void *user)
{
	(void)json;
	if (record_in_event_rc != 1 || n->type != RTW_NOTICE_ROUTE_ADD)
		return;
	record_in_event_rc = rtw_record(user, record_in_event_fd);
	assert_int_equal(rtw_record(user, record_in_event_fd), 0);
}

/* The lines of text that hold part. */
static unsigned count_lines(const char *text, const char *part)
{
	unsigned n = 0;
	const char *l, *end;

	for (l = text; *l; l = *end ? end + 1 : end) {
		const char *hit = strstr(l, part);

		end = strchr(l, '\n');
		end = end ? end : l + strlen(l);
		n += hit && hit < end;
	}
	return n;
}

/* A recording started from a callback of an event (a route-add's notice)
 * begins with the model that event made, and the event is not written
 * after it again: each route once, and a replay of it has the new route.
 * A snapshot that cannot be written then is reported as a failed write. */
static void recording_started_in_event(void **state)
{
	static char buf[8192];
	struct rtw_options o;
	struct rtw_addr a;
	struct rtw_route r;
	struct rtw_ctx *c;
	char *path, *copy;
	FILE *f;
	size_t n;
	int p[2];

	(void)state;
	signal(SIGPIPE, SIG_DFL); /* the library must not raise it */
	memset(&o, 0, sizeof(o));
	path =
	    write_file("routewatch-record 1\ndump-begin\n" UPLINKS_LINKS UPLINKS_ROUTES "dump-end\n"
		       "route-add dst=10.9.0.0/16 table=254 type=unicast nh=192.0.2.9@2:1:0\n");
	o.replay_path = path;
	c = rtw_new(&o);
	assert_non_null(c);
	f = tmpfile();
	assert_non_null(f);
	record_in_event_fd = fileno(f);
	rtw_set_notice_cb(c, record_in_event, c);
	assert_int_equal(rtw_start(c), 0);
	while (rtw_dispatch(c) > 0)
		;
	assert_int_equal(record_in_event_rc, 0);
	assert_int_equal(rtw_record(c, -1), 0);
	rtw_free(c);

	/* the snapshot's write failing there ends the recording, as a failed
	 * write does: the error at rtw_record_error() and at the stop */
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	record_in_event_fd = p[1];
	record_in_event_rc = 1;
	c = rtw_new(&o);
	assert_non_null(c);
	rtw_set_notice_cb(c, record_in_event, c);
	assert_int_equal(rtw_start(c), 0);
	while (rtw_dispatch(c) > 0)
		;
	assert_int_equal(record_in_event_rc, 0);
	assert_int_equal(rtw_record_error(c), -EPIPE);
	assert_int_equal(rtw_record(c, -1), -EPIPE);
	close(p[1]);
	rtw_free(c);
	unlink(path);

	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	assert_int_equal(count_lines(buf, "routewatch-record 1"), 1);
	assert_int_equal(count_lines(buf, "dump-begin"), 1);
	assert_int_equal(count_lines(buf, " dst=10.9.0.0/16 "), 1);
	assert_int_equal(count_lines(buf, "route-add "), 5);
	/* after the snapshot, nothing: the event is in it */
	assert_non_null(strstr(buf, "dump-end\n"));
	assert_string_equal(strstr(buf, "dump-end\n"), "dump-end\n");

	copy = write_file(buf);
	o.replay_path = copy;
	c = rtw_new(&o);
	assert_non_null(c);
	assert_int_equal(rtw_start(c), 0);
	assert_int_equal(rtw_addr_parse("10.9.1.1", &a), 0);
	assert_int_equal(rtw_lookup_addr(c, &a, &r), 0);
	assert_int_equal(r.dst.len, 16);
	rtw_free(c);
	unlink(copy);
}

/* The edges of rtw_record(): a start whose backend cannot open ends a
 * recording asked for before it; the fd being recorded to again gets no
 * second header; a switch to an fd that fails ends the old recording too. */
static void recording_switches(void **state)
{
	static char got[65536];
	struct rtw_options o;
	struct rtw_ctx *c;
	ssize_t n, len = 0;
	char *path;
	int p[2], r;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.replay_path = "/nonexistent/routewatch.rec";
	c = rtw_new(&o);
	assert_non_null(c);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(rtw_record(c, p[1]), 0);
	r = rtw_start(c);
	assert_int_equal(r, -ENOENT);
	assert_int_equal(rtw_record_error(c), r);
	assert_int_equal(rtw_record(c, -1), r);
	rtw_free(c);
	close(p[0]);
	close(p[1]);

	path = write_file("routewatch-record 1\ndump-begin\n" UPLINKS_LINKS "dump-end\n"
			  "link-down ifindex=3 name=eth1 admin=up carrier=down\n");
	o.replay_path = path;
	c = rtw_new(&o);
	assert_non_null(c);
	assert_int_equal(rtw_start(c), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(rtw_record(c, p[1]), 0);
	assert_int_equal(rtw_record(c, p[1]), 0);
	assert_int_equal(rtw_record(c, 999), -EBADF);
	assert_true(rtw_dispatch(c) >= 0); /* eth1 goes down: not recorded any more */
	assert_int_equal(rtw_record(c, -1), 0);
	while ((n = read(p[0], got + len, sizeof(got) - 1 - (size_t)len)) > 0)
		len += n;
	got[len] = '\0';
	assert_non_null(strstr(got, "routewatch-record"));
	assert_null(strstr(strstr(got, "routewatch-record") + 1, "routewatch-record"));
	assert_non_null(strstr(got, "dump-end"));
	assert_null(strstr(got, "link-down"));
	rtw_free(c);
	close(p[0]);
	close(p[1]);
	unlink(path);
}

/* A write that fails inside a resync's dump block (a full disk; here the
 * file size limit) ends a recording in a regular file before that block:
 * left open, it made the whole file unreadable. */
static void recording_cut_in_a_resync(void **state)
{
	static char text[20000];
	char path[] = "/tmp/rtw-resync-XXXXXX", routes[8192];
	size_t len = 0;
	int fd, status, i;
	char *src;
	pid_t pid;

	(void)state;
	len += (size_t)snprintf(text, sizeof(text),
				"routewatch-record 1\ndump-begin\n" UPLINKS_LINKS UPLINKS_ROUTES
				"dump-end\noverflow\ndump-begin\n" UPLINKS_LINKS UPLINKS_ROUTES);
	for (i = 0; i < 100; i++)
		len += (size_t)snprintf(
		    text + len, sizeof(text) - len,
		    "route-add dst=10.2.%d.0/24 table=254 nh=198.51.100.1@3:1:0\n", i);
	snprintf(text + len, sizeof(text) - len, "dump-end\n");
	src = write_file(text);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rtw_options o;
		struct rtw_ctx *c;
		struct rlimit rl;
		struct stat st;
		int r;

		memset(&o, 0, sizeof(o));
		o.replay_path = src;
		c = rtw_new(&o);
		if (!c || rtw_start(c) < 0 || rtw_record(c, fd) < 0 || fstat(fd, &st) < 0)
			_exit(2);
		/* room for the block's first lines, not for all of it */
		rl.rlim_cur = rl.rlim_max = (rlim_t)st.st_size + 1500;
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(3);
		while ((r = rtw_dispatch(c)) > 0)
			;
		r = r == -ENODATA && rtw_record(c, -1) == -EFBIG ? 0 : 1;
		rtw_free(c); /* valgrind follows the child: no leak there either */
		_exit(r);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	replay_routes(path, "a recording cut in a resync", routes);
	assert_non_null(strstr(routes, "0.0.0.0/0"));
	assert_null(strstr(routes, "10.2."));
	close(fd);
	unlink(path);
	unlink(src);
}

/* An allocation that fails while a recording goes on, at each point of a
 * replay that has a resync in it: the recording, in a regular file, still
 * replays, to the model the context ends with (a dump that fails is cut
 * back, not left open for the next one to begin inside). */
static void recording_survives_allocation_failures(void **state)
{
	static char text[20000];
	static char live[8192], again[8192];
	char recpath[] = "/tmp/rtw-rec-XXXXXX", what[64], *path;
	size_t len = 0;
	unsigned long k;
	int i, cut = 0;

	(void)state;
	len += (size_t)snprintf(text, sizeof(text),
				"routewatch-record 1\ndump-begin\n" UPLINKS_LINKS UPLINKS_ROUTES
				"dump-end\n");
	for (i = 0; i < 40; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"route-add dst=10.1.%d.0/24 table=254 nh=192.0.2.1@2:1:0\n",
					i);
	len += (size_t)snprintf(text + len, sizeof(text) - len,
				"overflow\ndump-begin\n" UPLINKS_LINKS UPLINKS_ROUTES);
	for (i = 0; i < 60; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"route-add dst=10.2.%d.0/24 table=%d metric=%d "
					"nh=198.51.100.1@3:1:0\n",
					i, 100 + i % 3, i);
	len += (size_t)snprintf(text + len, sizeof(text) - len, "dump-end\n");
	for (i = 0; i < 20; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"route-add dst=10.3.%d.0/24 table=254 nh=192.0.2.1@2:1:0\n",
					i);
	path = write_file(text);
	for (k = 1; k < 400; k += 3) {
		struct failalloc fa = { 0, 0, 0, 0 };
		struct rtw_allocator al = failalloc_allocator(&fa);
		struct rtw_options o;
		struct rtw_ctx *c;
		int fd, r, rounds = 0;

		memset(&o, 0, sizeof(o));
		o.replay_path = path;
		o.allocator = &al;
		c = rtw_new(&o);
		assert_non_null(c);
		assert_int_equal(rtw_start(c), 0);
		fd = mkstemp(recpath);
		assert_true(fd >= 0);
		assert_int_equal(rtw_record(c, fd), 0);
		fa.fail_at = fa.calls + k;
		do
			r = rtw_dispatch(c);
		while (r != -ENODATA && ++rounds < 1000);
		assert_int_equal(r, -ENODATA);
		live[0] = '\0';
		assert_int_equal(rtw_foreach_route(c, route_text, live), 0);
		assert_int_equal(rtw_record(c, -1), 0);
		rtw_free(c);
		cut += fa.failed > 0;
		snprintf(what, sizeof(what), "failure at %lu", k);
		replay_routes(recpath, what, again);
		close(fd);
		unlink(recpath);
		strcpy(recpath, "/tmp/rtw-rec-XXXXXX");
		assert_string_equal(again, live);
	}
	unlink(path);
	assert_true(cut > 10); /* the failures did fall in the run */
}

/* rtw_error_detail(): what a failed rtw_start() or rtw_dispatch() of a
 * replay found wrong, with the line; empty again after a good call. */
static void error_detail_names_the_line(void **state)
{
	struct rtw_options o;
	struct rtw_ctx *c;
	char *path;

	assert_string_equal(rtw_error_detail(NULL), "");
	memset(&o, 0, sizeof(o));
	path = write_file("routewatch-record 1\ndump-begin\nroute-add dst=10.0.0.0/8 metric=x\n"
			  "dump-end\n");
	o.replay_path = path;
	c = rtw_new(&o);
	assert_non_null(c);
	assert_string_equal(rtw_error_detail(c), "");
	assert_int_equal(rtw_start(c), -EINVAL);
	assert_string_equal(rtw_error_detail(c), "line 3: bad value for metric");
	/* a call that fails before reaching the backend leaves none of it */
	assert_int_equal(rtw_dispatch(c), -ENOTCONN);
	assert_string_equal(rtw_error_detail(c), "");
	rtw_free(c);
	unlink(path);

	path = write_file("hello\n");
	o.replay_path = path;
	c = rtw_new(&o);
	assert_non_null(c);
	assert_int_equal(rtw_start(c), -EPROTO);
	assert_non_null(strstr(rtw_error_detail(c), "missing header"));
	rtw_free(c);
	unlink(path);

	path = write_file("routewatch-record 1\ndump-begin\ndump-end\n"
			  "route-add dst=10.0.0.0/8\nroute-add dst=10.1.0.0/16 bogus\n");
	o.replay_path = path;
	c = rtw_new(&o);
	assert_non_null(c);
	assert_int_equal(rtw_start(c), 0);
	assert_string_equal(rtw_error_detail(c), "");
	while (rtw_dispatch(c) > 0)
		;
	assert_int_equal(rtw_dispatch(c), -EINVAL);
	assert_non_null(strstr(rtw_error_detail(c), "line 5: "));
	assert_int_equal(rtw_start(c), -EALREADY);
	assert_string_equal(rtw_error_detail(c), "");
	rtw_free(c);
	unlink(path);
}

static void backend_ops_table(void **state)
{
	const uint32_t *t = rtw_backend_replay.default_tables;

	assert_string_equal(rtw_backend_replay.name, "replay");
	assert_int_equal(rtw_backend_replay.linkdown, RTW_LINKDOWN_FALLBACK);
	assert_int_equal(t[0], 255);
	assert_int_equal(t[1], 254);
	assert_int_equal(t[2], 253);
	assert_int_equal(t[3], UINT32_MAX);
	rtw_backend_replay.close(NULL);
	assert_string_equal(replay_error(NULL), "");
}

static void backend_open_errors(void **state)
{
	struct rtw_backend_options opt = { 0 };
	struct rtw_backend *b = NULL;
	char why[160];

	assert_int_equal(replay_open(&b, &opt, why, sizeof(why)), -EINVAL);
	assert_int_equal(rtw_backend_replay.open(&b, NULL), -EINVAL);
	opt.replay_path = "/nonexistent/recording";
	assert_int_equal(replay_open(&b, &opt, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "/nonexistent/recording"));
	assert_null(b);

	assert_int_equal(open_text_err("", why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "missing header"));
	assert_int_equal(open_text_err("dump-begin\ndump-end\n", why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "missing header"));
	assert_int_equal(open_text_err("# comment first\nroutewatch-record 1\n", why, sizeof(why)),
			 -EPROTO);
	assert_int_equal(open_text_err("routewatch-record 2\ndump-begin\n", why, sizeof(why)),
			 -EPROTO);
	assert_string_equal(why, "line 1: unsupported record version (this reader knows 1)");
	/* a header's bad option is named, not taken for a missing header */
	assert_int_equal(open_text_err("routewatch-record 1 linkdown=maybe\n", why, sizeof(why)),
			 -EPROTO);
	assert_string_equal(why, "line 1: bad value for linkdown");
	assert_int_equal(open_text_err("routewatch-record 1 rules=\n", why, sizeof(why)), -EPROTO);
	assert_string_equal(why, "line 1: bad value for rules");
	/* why may be NULL */
	assert_int_equal(open_text_err("routewatch-record 9\n", NULL, 0), -EPROTO);
}

static void backend_file_dump_then_events(void **state)
{
	struct rtw_backend *b =
	    open_text("routewatch-record 1\n"
		      "# recorded by hand\n"
		      "\n"
		      "dump-begin\nroute-add dst=10.1.0.0/16\n"
		      "link-up ifindex=2 name=eth0 admin=up carrier=up\n"
		      "dump-end\nroute-add dst=10.2.0.0/16\nroute-add dst=10.3.0.0/16\n");
	struct seen s = { 0 };

	assert_int_equal(replay_linkdown(b, AF_INET), RTW_LINKDOWN_DEFAULT);
	assert_true(rtw_backend_replay.fd(b) >= 0);
	assert_int_equal(rtw_backend_replay.foreign_dropped(b), 0);
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 4);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.line[0], "dump-begin");
	assert_string_equal(s.line[1], route(1));
	assert_string_equal(s.line[3], "dump-end");
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), 2);
	assert_string_equal(s.line[4], route(2));
	assert_string_equal(s.line[5], route(3));
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), -ENODATA);
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), -ENODATA);
	assert_int_equal(s.n, 6);
	rtw_backend_replay.close(b);
}

static void backend_synthesized_dump(void **state)
{
	struct rtw_backend *b =
	    open_text("routewatch-record 1 linkdown=fail\nroute-add dst=10.1.0.0/16\n"
		      "dump-begin\nroute-add dst=10.2.0.0/16\ndump-end\n"
		      "link-gone ifindex=2 name=x admin=down carrier=down");
	struct seen s = { 0 };

	assert_int_equal(replay_linkdown(b, AF_INET), RTW_LINKDOWN_FAIL);
	assert_int_equal(replay_linkdown(b, AF_INET6), RTW_LINKDOWN_FAIL);
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 2);
	assert_string_equal(s.line[0], "dump-begin");
	assert_string_equal(s.line[1], "dump-end");
	/* no overflow came first: a later block is ordinary events for read(),
	 * and the last line counts without its newline */
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), 5);
	assert_string_equal(s.line[2], route(1));
	assert_string_equal(s.line[3], "dump-begin");
	assert_string_equal(s.line[5], "dump-end");
	assert_string_equal(s.line[6], "link-gone ifindex=2 name=x admin=down carrier=down");
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), -ENODATA);
	/* the core resyncing on its own (not after an overflow) at the end */
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 0);
	rtw_backend_replay.close(b);

	/* a header and nothing else */
	b = open_text("routewatch-record 1\n");
	memset(&s, 0, sizeof(s));
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 2);
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), -ENODATA);
	rtw_backend_replay.close(b);
}

static void backend_resync_block(void **state)
{
	struct rtw_backend *b =
	    open_text("routewatch-record 1\n"
		      "dump-begin\nroute-add dst=10.1.0.0/16\ndump-end\nroute-add dst=10.2.0.0/16\n"
		      "overflow\nroute-add dst=10.3.0.0/16\n"
		      "# the resync\n"
		      "dump-begin\nroute-add dst=10.4.0.0/16\ndump-end\nroute-add dst=10.5.0.0/16\n"
		      "dump-begin\nroute-add dst=10.6.0.0/16\ndump-end\n");
	struct seen s = { 0 };

	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 3);
	/* read() stops before the block that belongs to the resync */
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), 3);
	assert_string_equal(s.line[3], route(2));
	assert_string_equal(s.line[4], "overflow");
	assert_string_equal(s.line[5], route(3));
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), 0);
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 3);
	assert_string_equal(s.line[6], "dump-begin");
	assert_string_equal(s.line[7], route(4));
	assert_string_equal(s.line[8], "dump-end");
	/* the resync is over: a block without an overflow before it is read()'s */
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), 4);
	assert_string_equal(s.line[9], route(5));
	assert_string_equal(s.line[11], route(6));
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), -ENODATA);
	rtw_backend_replay.close(b);
}

static void backend_resync_errors(void **state)
{
	struct rtw_backend *b;
	struct seen s = { 0 };

	/* an overflow and no block after it */
	b = open_text("routewatch-record 1\noverflow\n");
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 2);
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), 1);
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), -EPROTO);
	assert_string_equal(replay_error(b),
			    "after line 2: the recording ended where a resync dump was expected");
	rtw_backend_replay.close(b);

	/* something else where the resync block should be */
	{
		int wr;

		b = open_pipe("routewatch-record 1\noverflow\n", &wr);
		assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 2);
		assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), 1);
		write_all_str(wr, "route-add dst=10.1.0.0/16\n");
		assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), -EPROTO);
		assert_string_equal(replay_error(b),
				    "line 3: expected dump-begin, found route-add");
		close(wr);
		rtw_backend_replay.close(b);
	}

	/* a block that never ends */
	b = open_text("routewatch-record 1\ndump-begin\nroute-add dst=10.1.0.0/16\n");
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), -EPROTO);
	assert_string_equal(
	    replay_error(b),
	    "line 2: dump-begin without dump-end (the recording ended inside the dump)");
	rtw_backend_replay.close(b);

	/* a later block that never ends: its events were applied, the sweep
	 * at its end never came, so the replay cannot end as a whole one */
	b = open_text("routewatch-record 1\ndump-begin\ndump-end\n# a comment\ndump-begin\n"
		      "route-add dst=10.1.0.0/16\n");
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 2);
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), 2);
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), -EPROTO);
	assert_string_equal(
	    replay_error(b),
	    "line 5: dump-begin without dump-end (the recording ended inside the dump)");
	rtw_backend_replay.close(b);

	/* nesting, and an end without a beginning */
	b = open_text("routewatch-record 1\ndump-begin\ndump-begin\ndump-end\n");
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), -EPROTO);
	assert_string_equal(replay_error(b), "line 3: dump-begin inside a dump");
	rtw_backend_replay.close(b);
	b = open_text("routewatch-record 1\nroute-add dst=10.1.0.0/16\ndump-end\n");
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 2);
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), -EPROTO);
	assert_string_equal(replay_error(b), "line 3: dump-end without dump-begin");
	rtw_backend_replay.close(b);
}

static void backend_bad_line_has_line_number(void **state)
{
	struct rtw_backend *b =
	    open_text("routewatch-record 1\n"
		      "# comment\n"
		      "\nroute-add dst=10.1.0.0/16\n"
		      "route-add dst=10.0.0.0/8 metric=x\nroute-add dst=10.2.0.0/16\n");
	struct seen s = { 0 };

	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 2);
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), -EINVAL);
	assert_string_equal(replay_error(b), "line 5: bad value for metric");
	/* delivered up to the bad line, and the error stays */
	assert_int_equal(s.n, 3);
	assert_string_equal(s.line[2], route(1));
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), -EINVAL);
	assert_int_equal(s.n, 3);
	rtw_backend_replay.close(b);

	b = open_text("routewatch-record 1\nroute-add dst=10.0.0.0/8\nroutewatch-record 1\n");
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 2);
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), -EPROTO);
	assert_string_equal(replay_error(b), "line 3: a second header");
	rtw_backend_replay.close(b);
}

static void backend_sink_refusal_is_retried(void **state)
{
	struct rtw_backend *b = open_text(
	    "routewatch-record 1\n"
	    "dump-begin\nroute-add dst=10.1.0.0/16\nroute-add dst=10.2.0.0/16\ndump-end\nroute-add "
	    "dst=10.3.0.0/16\nroute-add dst=10.4.0.0/16\n");
	struct seen s = { 0 };

	s.fail_at = 3; /* route 2, inside the dump */
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), -ENOMEM);
	assert_non_null(strstr(replay_error(b), "line 4"));
	assert_int_equal(s.n, 2);
	/* the core calls dump() again: the block goes on from the refused event */
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 2);
	assert_string_equal(s.line[2], route(2));
	assert_string_equal(s.line[3], "dump-end");

	s.fail_at = s.calls + 2; /* route 4 */
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), -ENOMEM);
	assert_int_equal(s.n, 5);
	/* the core asks for a resync after a refusal: there is no block for
	 * it, and the refused event comes again at once, once */
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 1);
	assert_string_equal(s.line[4], route(3));
	assert_string_equal(s.line[5], route(4));
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), -ENODATA);
	assert_int_equal(s.n, 6);
	rtw_backend_replay.close(b);

	/* a refused synthesized dump-end does not repeat dump-begin */
	b = open_text("routewatch-record 1\n");
	memset(&s, 0, sizeof(s));
	s.fail_at = 2;
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), -ENOMEM);
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 1);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.line[0], "dump-begin");
	assert_string_equal(s.line[1], "dump-end");
	rtw_backend_replay.close(b);
}

static bool readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 1;
}

static void backend_pipe_partial_lines(void **state)
{
	struct seen s = { 0 };
	int wr;
	/* the header, and the dump-begin of the first snapshot in pieces */
	struct rtw_backend *b = open_pipe("routewatch-record 1\ndump-be", &wr);

	write_all_str(wr, "gin\nroute-add dst=10.1.0.0/16\ndump-end\nroute-add dst=10.2.0.0/16");
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 3);
	assert_string_equal(s.line[1], route(1));

	/* route 2 has no newline yet: nothing to deliver, and no blocking */
	assert_true(readable(rtw_backend_replay.fd(b)) == false);
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), 0);
	write_all_str(wr, "\nlink-");
	assert_true(readable(rtw_backend_replay.fd(b)));
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), 1);
	assert_string_equal(s.line[3], route(2));
	assert_false(readable(rtw_backend_replay.fd(b)));
	write_all_str(wr, "up ifindex=3 name=a%20b admin=up carrier=up\nover");
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), 1);
	assert_string_equal(s.line[4], "link-up ifindex=3 name=a%20b admin=up carrier=up");
	write_all_str(wr, "flow\n");
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), 1);
	/* the resync dump is waited for: here it is written before dump() */
	write_all_str(wr, "dump-begin\ndump-end\n");
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), 0);
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 2);
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), 0);
	close(wr);
	assert_true(readable(rtw_backend_replay.fd(b)));
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), -ENODATA);
	assert_int_equal(s.n, 8);
	rtw_backend_replay.close(b);
}

static void backend_pipe_first_dump_finishes_a_started_line(void **state)
{
	struct seen s = { 0 };
	int wr, status;
	struct rtw_backend *b = open_pipe("routewatch-record 1\ndump-be", &wr);
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the rest of the snapshot comes late, from another process */
		usleep(200 * 1000);
		write_all_str(wr, "gin\nroute-add dst=10.1.0.0/16\ndump-end\n");
		_exit(0);
	}
	close(wr);
	/* a started line might be the dump-begin: the first dump waits for it */
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 3);
	assert_string_equal(s.line[1], route(1));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), -ENODATA);
	rtw_backend_replay.close(b);
}

static void backend_pipe_quiet_start(void **state)
{
	struct seen s = { 0 };
	int wr;
	/* nothing after the header yet: the first dump must not block */
	struct rtw_backend *b = open_pipe("routewatch-record 1\n", &wr);

	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 2);
	write_all_str(wr, "route-add dst=10.1.0.0/16\n");
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), 1);
	close(wr);
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), -ENODATA);
	rtw_backend_replay.close(b);
}

static void backend_stdin(void **state)
{
	struct rtw_backend_options opt = { .replay_path = "-" };
	struct rtw_backend *b = NULL;
	struct seen s = { 0 };
	int p[2], saved, flags;

	assert_int_equal(pipe(p), 0);
	saved = dup(STDIN_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
	close(p[0]);
	flags = fcntl(STDIN_FILENO, F_GETFL);
	write_all_str(p[1], "routewatch-record 1\nroute-add dst=10.7.0.0/16\n");
	assert_int_equal(rtw_backend_replay.open(&b, &opt), 0);
	assert_true(rtw_backend_replay.fd(b) != STDIN_FILENO);
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 2);
	/* a blocking descriptor that is not readable: read() must not block */
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), 1);
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), 0);
	close(p[1]);
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), -ENODATA);
	rtw_backend_replay.close(b);
	/* standard input is still open and its flags are untouched */
	assert_int_equal(fcntl(STDIN_FILENO, F_GETFL), flags);
	assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
}

/* A sink that checks the long line arrived whole. */
static int count_hops_sink(void *arg, const struct rtw_event *ev)
{
	unsigned *hops = arg;

	if (ev->type == RTW_EV_ROUTE_ADD)
		*hops += ev->u.route.n_nexthops;
	return 0;
}

static void backend_long_lines(void **state)
{
	static char text[3 * REPLAY_LINE_MAX];
	struct rtw_backend *b;
	struct seen s = { 0 };
	unsigned hops = 0;
	size_t n;
	int i;

	/* 256 IPv6 hops: about 17 KiB, so the buffer has to grow twice */
	n = (size_t)snprintf(text, sizeof(text), "routewatch-record 1\nroute-add dst=::/0");
	for (i = 0; i < REPLAY_MAX_HOPS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      " nh=2001:db8:1234:5678:9abc:def0:1234:%x@%d:1:onlink,dead",
				      i, i + 1);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\nroute-add dst=10.1.0.0/16\n");
	assert_true(n > 3 * 4096);
	b = open_text(text);
	assert_int_equal(rtw_backend_replay.dump(b, count_hops_sink, &hops), 2);
	assert_int_equal(rtw_backend_replay.read(b, count_hops_sink, &hops), 2);
	assert_int_equal(hops, REPLAY_MAX_HOPS);
	rtw_backend_replay.close(b);

	/* a line beyond the limit is an error, not an endless buffer */
	n = (size_t)snprintf(text, sizeof(text), "routewatch-record 1\n# ");
	memset(text + n, 'x', REPLAY_LINE_MAX + 10);
	n += REPLAY_LINE_MAX + 10;
	text[n] = '\0';
	b = open_text(text);
	memset(&s, 0, sizeof(s));
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), -EMSGSIZE);
	assert_non_null(strstr(replay_error(b), "line 2: longer than"));
	rtw_backend_replay.close(b);
}

static void backend_allocation_failures(void **state)
{
	static char text[REPLAY_LINE_MAX];
	struct failalloc f = { 0 };
	struct rtw_allocator a = failalloc_allocator(&f);
	struct rtw_backend_options opt = { .allocator = &a };
	struct rtw_backend *b;
	unsigned long i, total;
	unsigned hops;
	size_t n;
	char *path;
	int r;

	n = (size_t)snprintf(text, sizeof(text), "routewatch-record 1\nroute-add dst=::/0");
	for (i = 0; i < REPLAY_MAX_HOPS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " nh=2001:db8::%lx@1:1:0", i);
	snprintf(text + n, sizeof(text) - n, "\n");
	path = write_file(text);
	opt.replay_path = path;

	/* count the allocations of a full run */
	b = NULL;
	assert_int_equal(rtw_backend_replay.open(&b, &opt), 0);
	hops = 0;
	assert_int_equal(rtw_backend_replay.dump(b, count_hops_sink, &hops), 2);
	assert_int_equal(rtw_backend_replay.read(b, count_hops_sink, &hops), 1);
	rtw_backend_replay.close(b);
	assert_int_equal(hops, REPLAY_MAX_HOPS);
	assert_int_equal(f.live, 0);
	total = f.calls;
	assert_true(total >= 4); /* backend, line, buffer, at least one growth */

	for (i = 1; i <= total; i++) {
		memset(&f, 0, sizeof(f));
		f.fail_at = i;
		b = NULL;
		hops = 0;
		r = rtw_backend_replay.open(&b, &opt);
		if (r < 0) {
			assert_int_equal(r, -ENOMEM);
			assert_null(b);
			assert_int_equal(f.live, 0);
			continue;
		}
		/* the first dump reads the long line to see if it is a dump-begin */
		r = rtw_backend_replay.dump(b, count_hops_sink, &hops);
		if (r == -ENOMEM)
			r = rtw_backend_replay.dump(b, count_hops_sink, &hops);
		assert_int_equal(r, 2);
		r = rtw_backend_replay.read(b, count_hops_sink, &hops);
		if (r == -ENOMEM) {
			/* nothing lost: the next call gets the whole line */
			assert_int_equal(hops, 0);
			r = rtw_backend_replay.read(b, count_hops_sink, &hops);
		}
		assert_int_equal(r, 1);
		assert_int_equal(hops, REPLAY_MAX_HOPS);
		assert_int_equal(rtw_backend_replay.read(b, count_hops_sink, &hops), -ENODATA);
		rtw_backend_replay.close(b);
		assert_int_equal(f.live, 0);
		assert_int_equal(f.failed, 1);
	}
	unlink(path);
}

/* Whatever the recorder writes, the backend reads back the same events. */
static void backend_reads_what_write_wrote(void **state)
{
	struct rtw_nexthop hops[2] = { { .ifindex = 1, .weight = 1 }, { .ifindex = 2 } };
	struct rtw_event ev[4];
	struct rtw_backend_options opt = { 0 };
	struct rtw_backend *b = NULL;
	struct seen s = { 0 };
	char path[] = "/tmp/test_replay_XXXXXX", text[256];
	int fd, i;

	memset(ev, 0, sizeof(ev));
	ev[0].type = RTW_EV_DUMP_BEGIN;
	ev[1].type = RTW_EV_LINK_UP;
	ev[1].u.link.ifindex = 1;
	strcpy(ev[1].u.link.name, "tab\tand space");
	ev[2].type = RTW_EV_ROUTE_ADD;
	ev[2].u.route.dst = prefix("fd00::/8");
	hops[0].gateway = addr("fd00::1");
	ev[2].u.route.nexthops = hops;
	ev[2].u.route.n_nexthops = 2;
	ev[3].type = RTW_EV_DUMP_END;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(replay_write_header(fd, REPLAY_SINK_FILE, RTW_LINKDOWN_DEFAULT,
					     RTW_LINKDOWN_DEFAULT, false),
			 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(replay_write_event(fd, REPLAY_SINK_FILE, &ev[i]), 0);
	close(fd);
	opt.replay_path = path;
	assert_int_equal(rtw_backend_replay.open(&b, &opt), 0);
	assert_int_equal(rtw_backend_replay.dump(b, seen_sink, &s), 4);
	for (i = 0; i < 4; i++) {
		assert_true(replay_format_event(&ev[i], text, sizeof(text)) > 0);
		assert_string_equal(s.line[i], text);
	}
	assert_int_equal(rtw_backend_replay.read(b, seen_sink, &s), -ENODATA);
	rtw_backend_replay.close(b);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roundtrip_routes),
		cmocka_unit_test(roundtrip_links),
		cmocka_unit_test(roundtrip_link_name_is_ascii),
		cmocka_unit_test(roundtrip_addresses_nexthops_and_bare),
		cmocka_unit_test(format_spelling),
		cmocka_unit_test(format_errors),
		cmocka_unit_test(parse_nothing_and_headers),
		cmocka_unit_test(parse_is_lenient_where_documented),
		cmocka_unit_test(parse_rejects_bad_lines),
		cmocka_unit_test(parse_hop_limit),
		cmocka_unit_test(parse_stops_at_len),
		cmocka_unit_test(write_failure_leaves_whole_lines),
		cmocka_unit_test(write_helpers),
		cmocka_unit_test(write_long_line),
		cmocka_unit_test(backend_ops_table),
		cmocka_unit_test(backend_open_errors),
		cmocka_unit_test(backend_file_dump_then_events),
		cmocka_unit_test(backend_synthesized_dump),
		cmocka_unit_test(backend_resync_block),
		cmocka_unit_test(backend_resync_errors),
		cmocka_unit_test(backend_bad_line_has_line_number),
		cmocka_unit_test(backend_sink_refusal_is_retried),
		cmocka_unit_test(backend_pipe_partial_lines),
		cmocka_unit_test(backend_pipe_first_dump_finishes_a_started_line),
		cmocka_unit_test(backend_pipe_quiet_start),
		cmocka_unit_test(backend_stdin),
		cmocka_unit_test(backend_long_lines),
		cmocka_unit_test(backend_allocation_failures),
		cmocka_unit_test(backend_reads_what_write_wrote),
		cmocka_unit_test(error_detail_names_the_line),
		cmocka_unit_test(linkdown_per_family),
		cmocka_unit_test(linkdown_follows_netconf),
		cmocka_unit_test(replay_follows_recorded_rules),
		cmocka_unit_test(record_write_error_reported_at_stop),
		cmocka_unit_test(stats_count_the_backends_memory),
		cmocka_unit_test(snapshot_keeps_netconf),
		cmocka_unit_test(snapshot_keeps_routes_sharing_a_key),
		cmocka_unit_test(recording_limits),
		cmocka_unit_test(recording_started_in_event),
		cmocka_unit_test(recording_switches),
		cmocka_unit_test(recording_cut_in_a_resync),
		cmocka_unit_test(recording_survives_allocation_failures),
	};

	test_output_tap();
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
