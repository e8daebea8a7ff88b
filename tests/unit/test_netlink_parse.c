/* backends/netlink/parse.c: the events it makes of rtnetlink bytes recorded
 * from a real kernel (tests/data/netlink, made by
 * tests/kernel/capture-fixtures.sh), and its refusal of malformed input. */
#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netconf.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>

#include "addr.h"
#include "netlink/parse.h"
#include "testutil.h"

#define MAX_EVENTS 256
#define MAX_HOPS   64

/* An event with its hops and members copied out of the parser's scratch. */
struct saved {
	struct rtw_event ev;
	struct rtw_nexthop hops[8];
	struct rtw_nhobj_member members[8];
};

struct log {
	struct saved e[MAX_EVENTS];
	unsigned n;
	unsigned fail_at; /* 1-based event number the sink refuses; 0 = none */
};

static struct rtw_nexthop scratch_hops[MAX_HOPS];
static struct rtw_nhobj_member scratch_members[MAX_HOPS];

static int collect(void *arg, const struct rtw_event *ev)
{
	struct log *l = arg;
	struct saved *s;

	if (l->fail_at && l->n + 1 == l->fail_at)
		return -EIO;
	assert_true(l->n < MAX_EVENTS);
	s = &l->e[l->n++];
	s->ev = *ev;
	if (ev->type == RTW_EV_ROUTE_ADD || ev->type == RTW_EV_ROUTE_DEL) {
		assert_true(ev->u.route.n_nexthops <= 8);
		if (ev->u.route.n_nexthops)
			memcpy(s->hops, ev->u.route.nexthops,
			       ev->u.route.n_nexthops * sizeof(s->hops[0]));
		s->ev.u.route.nexthops = s->hops;
	} else if (ev->type == RTW_EV_NEXTHOP_ADD || ev->type == RTW_EV_NEXTHOP_DEL) {
		assert_true(ev->u.nhobj.n_group <= 8);
		if (ev->u.nhobj.n_group)
			memcpy(s->members, ev->u.nhobj.group,
			       ev->u.nhobj.n_group * sizeof(s->members[0]));
		s->ev.u.nhobj.group = s->members;
	}
	return 0;
}

static struct nl_parser parser(bool notification)
{
	struct nl_parser p;

	memset(&p, 0, sizeof(p));
	p.hops = scratch_hops;
	p.hops_cap = MAX_HOPS;
	p.members = scratch_members;
	p.members_cap = MAX_HOPS;
	p.notification = notification;
	return p;
}

/* tests/data/netlink/NAME.nl: from $RTW_SOURCE_ROOT (meson sets it), else
 * from where this file was compiled (kyua runs us without the variable). */
static uint8_t *load(const char *name, size_t *ret_len)
{
	char path[PATH_MAX], src[PATH_MAX];
	const char *root = getenv("RTW_SOURCE_ROOT");
	uint8_t *buf;
	FILE *f;
	long n;

	if (root) {
		snprintf(path, sizeof(path), "%s/tests/data/netlink/%s.nl", root, name);
	} else {
		char exe[PATH_MAX];
		ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		assert_true(k > 0);
		exe[k] = 0;
		if (__FILE__[0] == '/')
			snprintf(src, sizeof(src), "%s", __FILE__);
		else /* relative to the build folder, two above tests/unit */
			snprintf(src, sizeof(src), "%s/../../%s", dirname(exe), __FILE__);
		snprintf(path, sizeof(path), "%s/data/netlink/%s.nl", dirname(dirname(src)), name);
	}
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*ret_len = (size_t)n;
	return buf;
}

static int parse_file(const char *name, struct nl_parser *p, struct log *l)
{
	size_t len;
	uint8_t *buf = load(name, &len);
	int r = nl_parse_buf(p, buf, len, collect, l);

	free(buf);
	return r;
}

static struct rtw_prefix pfx(const char *s)
{
	struct rtw_prefix p;

	assert_int_equal(rtw_prefix_parse(s, &p), 0);
	return p;
}

static bool addr_is(const struct rtw_addr *a, const char *s)
{
	struct rtw_addr b;

	assert_int_equal(rtw_addr_parse(s, &b), 0);
	return a->family == b.family && memcmp(a->bytes, b.bytes, 16) == 0;
}

static const struct rtw_route *route(const struct log *l, const char *dst, uint32_t table)
{
	struct rtw_prefix p = pfx(dst);
	unsigned i;

	for (i = 0; i < l->n; i++) {
		const struct rtw_route *r = &l->e[i].ev.u.route;

		if (l->e[i].ev.type != RTW_EV_ROUTE_ADD && l->e[i].ev.type != RTW_EV_ROUTE_DEL)
			continue;
		if (r->table == table && r->dst.len == p.len &&
		    r->dst.addr.family == p.addr.family &&
		    memcmp(r->dst.addr.bytes, p.addr.bytes, 16) == 0)
			return r;
	}
	fail_msg("no route %s table %u", dst, table);
	return NULL;
}

static const struct rtw_nhobj *nhobj(const struct log *l, uint32_t id)
{
	unsigned i;

	for (i = 0; i < l->n; i++)
		if (l->e[i].ev.type == RTW_EV_NEXTHOP_ADD && l->e[i].ev.u.nhobj.id == id)
			return &l->e[i].ev.u.nhobj;
	fail_msg("no nexthop object %u", id);
	return NULL;
}

static unsigned count(const struct log *l, enum rtw_event_type t)
{
	unsigned i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->e[i].ev.type == t;
	return n;
}

static void dump_links_addresses_nexthops(void **state)
{
	struct nl_parser p = parser(false);
	static struct log l;
	const struct rtw_nhobj *o;
	unsigned i;
	int r;

	memset(&l, 0, sizeof(l));
	r = parse_file("dump", &p, &l);
	assert_int_equal(r, (int)l.n);
	assert_false(p.need_resync);
	assert_int_equal(count(&l, RTW_EV_LINK_UP), 5);
	for (i = 0; i < l.n; i++) {
		const struct rtw_event *e = &l.e[i].ev;

		assert_int_equal(e->flags & RTW_EVF_FLUSH_V4, 0);
		if (e->type == RTW_EV_LINK_UP && e->u.link.ifindex == 3) {
			assert_string_equal(e->u.link.name, "v0");
			assert_true(e->u.link.admin_up && e->u.link.carrier_up);
		}
		if (e->type == RTW_EV_ADDR_ADD && addr_is(&e->u.addr.prefix.addr, "10.1.0.1")) {
			assert_int_equal(e->u.addr.prefix.len, 24);
			assert_int_equal(e->u.addr.ifindex, 3);
			assert_int_equal(e->u.addr.flags, 0);
		}
	}
	/* 6 configured, plus an fe80:: link-local on each veth */
	assert_int_equal(count(&l, RTW_EV_ADDR_ADD), 6 + 4);

	o = nhobj(&l, 1);
	assert_int_equal(o->family, AF_INET);
	assert_int_equal(o->hop.ifindex, 3);
	assert_true(addr_is(&o->hop.gateway, "10.1.0.2"));
	o = nhobj(&l, 3);
	assert_int_equal(o->n_group, 2);
	assert_int_equal(o->group[0].id, 1);
	assert_int_equal(o->group[0].weight, 1);
	assert_int_equal(o->group[1].id, 2);
	assert_int_equal(o->group[1].weight, 5);
	assert_true(nhobj(&l, 4)->blackhole);
	o = nhobj(&l, 5);
	assert_int_equal(o->family, AF_INET6);
	assert_true(addr_is(&o->hop.gateway, "2001:db8:1::2"));
}

static void dump_routes(void **state)
{
	struct nl_parser p = parser(false);
	static struct log l;
	const struct rtw_route *r;

	memset(&l, 0, sizeof(l));
	assert_true(parse_file("dump", &p, &l) > 0);
	assert_int_equal(count(&l, RTW_EV_ROUTE_DEL), 0);

	r = route(&l, "0.0.0.0/0", RTW_TABLE_MAIN);
	assert_int_equal(r->metric, 100);
	assert_int_equal(r->n_nexthops, 1);
	assert_true(addr_is(&r->nexthops[0].gateway, "10.1.0.254"));

	r = route(&l, "10.10.0.0/24", RTW_TABLE_MAIN); /* ECMP, weights 1 and 3 */
	assert_int_equal(r->type, RTW_ROUTE_UNICAST);
	assert_int_equal(r->n_nexthops, 2);
	assert_true(addr_is(&r->nexthops[0].gateway, "10.1.0.2"));
	assert_int_equal(r->nexthops[0].ifindex, 3);
	assert_int_equal(r->nexthops[0].weight, 1);
	assert_true(addr_is(&r->nexthops[1].gateway, "10.2.0.2"));
	assert_int_equal(r->nexthops[1].ifindex, 5);
	assert_int_equal(r->nexthops[1].weight, 3);

	r = route(&l, "10.11.0.0/24", 100);
	assert_int_equal(r->protocol, 4); /* static */
	assert_true(addr_is(&r->prefsrc, "10.1.0.1"));

	r = route(&l, "10.12.0.0/24", 200);
	assert_int_equal(r->metric, 7);
	assert_int_equal(r->nexthops[0].flags, RTW_NH_ONLINK);

	r = route(&l, "10.20.0.0/16", RTW_TABLE_MAIN);
	assert_int_equal(r->type, RTW_ROUTE_BLACKHOLE);
	assert_int_equal(r->n_nexthops, 0);
	r = route(&l, "10.21.0.0/16", 100);
	assert_int_equal(r->type, RTW_ROUTE_UNREACHABLE);
	assert_int_equal(r->n_nexthops, 0);
	r = route(&l, "10.22.0.0/16", RTW_TABLE_MAIN);
	assert_int_equal(r->type, RTW_ROUTE_PROHIBIT);
	assert_int_equal(r->metric, 5);
	assert_int_equal(route(&l, "10.23.0.0/16", 200)->type, RTW_ROUTE_THROW);

	r = route(&l, "10.24.0.0/24", RTW_TABLE_MAIN); /* RTA_VIA: an IPv6 gateway */
	assert_int_equal(r->n_nexthops, 1);
	assert_true(addr_is(&r->nexthops[0].gateway, "2001:db8:1::5"));

	r = route(&l, "10.25.0.0/24", RTW_TABLE_MAIN);
	assert_int_equal(r->tos, 0x10);
	assert_int_equal(r->scope, 253);
	assert_int_equal(r->nexthops[0].gateway.family, AF_UNSPEC);
	assert_int_equal(r->nexthops[0].ifindex, 5);

	r = route(&l, "10.30.0.0/24", RTW_TABLE_MAIN); /* nhid, hops expanded too */
	assert_int_equal(r->nhid, 3);
	assert_int_equal(r->n_nexthops, 2);
	assert_int_equal(r->nexthops[1].weight, 5);
	r = route(&l, "10.31.0.0/24", RTW_TABLE_MAIN);
	assert_int_equal(r->nhid, 4);
	assert_int_equal(r->type, RTW_ROUTE_BLACKHOLE);

	r = route(&l, "10.1.0.1/32", RTW_TABLE_LOCAL);
	assert_int_equal(r->type, RTW_ROUTE_LOCAL);
	assert_int_equal(r->scope, 254);
	assert_int_equal(r->protocol, 2);

	r = route(&l, "2001:db8:10::/64", RTW_TABLE_MAIN);
	assert_int_equal(r->metric, 1024);
	assert_int_equal(r->n_nexthops, 2);
	assert_int_equal(r->nexthops[1].weight, 2);
	assert_true(addr_is(&r->nexthops[1].gateway, "2001:db8:2::2"));
	r = route(&l, "2001:db8:11::/64", 100);
	assert_int_equal(r->nhid, 5);
	r = route(&l, "2001:db8:21::/48", RTW_TABLE_MAIN);
	assert_int_equal(r->type, RTW_ROUTE_UNREACHABLE);
	assert_int_equal(r->metric, 9);
	assert_int_equal(r->n_nexthops, 0); /* the kernel names lo; not a path */
	assert_true(
	    addr_is(&route(&l, "::/0", RTW_TABLE_MAIN)->nexthops[0].gateway, "2001:db8:1::fe"));
}

static void dump_ipv6_routes_sharing_a_key(void **state)
{
	struct nl_parser p = parser(false);
	static struct log l;
	struct rtw_prefix ll = pfx("fe80::/64");
	unsigned i, seen = 0, ifs = 0;

	memset(&l, 0, sizeof(l));
	assert_true(parse_file("dump", &p, &l) > 0);
	/* one fe80::/64 per veth, one key: the first replaces, the rest go
	 * beside it (the core keys them apart by interface) */
	for (i = 0; i < l.n; i++) {
		const struct rtw_event *e = &l.e[i].ev;

		if (e->type != RTW_EV_ROUTE_ADD)
			continue;
		if (e->u.route.dst.addr.family == AF_INET) {
			assert_int_equal(e->flags, 0);
			continue;
		}
		if (prefix_cmp(&e->u.route.dst, &ll) != 0)
			continue;
		assert_int_equal(e->u.route.n_nexthops, 1);
		assert_int_equal(e->flags, seen ? RTW_EVF_DUP_APPEND : 0);
		ifs |= 1u << e->u.route.nexthops[0].ifindex;
		seen++;
	}
	assert_int_equal(seen, 4);
	assert_int_equal(ifs, 1u << 2 | 1u << 3 | 1u << 4 | 1u << 5);
	/* a key seen again in a new dump replaces again */
	nl_parse_begin(&p, false);
	assert_false(p.prev_valid);
}

static void ipv6_append_is_whole_route(void **state)
{
	struct nl_parser p = parser(true);
	static struct log l;
	const struct rtw_route *r;

	memset(&l, 0, sizeof(l));
	assert_int_equal(parse_file("v6-append", &p, &l), 1);
	assert_int_equal(l.e[0].ev.type, RTW_EV_ROUTE_ADD);
	/* the whole sibling set: it replaces what the model has, the hops the
	 * route had first (the kernel lists the appended one first) */
	assert_int_equal(l.e[0].ev.flags, RTW_EVF_SIBLINGS);
	r = route(&l, "2001:db8:9::/64", RTW_TABLE_MAIN);
	assert_int_equal(r->n_nexthops, 2);
	assert_true(addr_is(&r->nexthops[0].gateway, "2001:db8:2::2"));
	assert_true(addr_is(&r->nexthops[1].gateway, "2001:db8:1::2"));
	assert_false(p.need_resync);
	/* the same route in a dump is in the kernel's order */
	p = parser(false);
	memset(&l, 0, sizeof(l));
	assert_int_equal(parse_file("v6-append", &p, &l), 1);
	assert_int_equal(l.e[0].ev.flags, 0);
}

static void ipv6_hop_delete_removes_only_that_hop(void **state)
{
	struct nl_parser p = parser(true);
	static struct log l;

	memset(&l, 0, sizeof(l));
	assert_int_equal(parse_file("v6-del-hop", &p, &l), 1);
	assert_int_equal(l.e[0].ev.type, RTW_EV_ROUTE_DEL);
	assert_int_equal(l.e[0].ev.flags, RTW_EVF_APPEND | RTW_EVF_EXACT);
	assert_int_equal(l.e[0].ev.u.route.n_nexthops, 1);
	assert_true(addr_is(&l.e[0].ev.u.route.nexthops[0].gateway, "2001:db8:2::2"));
}

static void ipv6_replace_across_kinds(void **state)
{
	struct nl_parser p = parser(true);
	static struct log l;
	const struct rtw_route *r;

	/* the blackhole 2001:db8:20::/48 (main, metric 1024) became a device
	 * route: nothing says what was replaced but NLM_F_REPLACE and the key */
	memset(&l, 0, sizeof(l));
	assert_int_equal(parse_file("v6-replace", &p, &l), 1);
	assert_int_equal(l.e[0].ev.type, RTW_EV_ROUTE_ADD);
	assert_int_equal(l.e[0].ev.flags, RTW_EVF_REPLACE);
	r = route(&l, "2001:db8:20::/48", RTW_TABLE_MAIN);
	assert_int_equal(r->type, RTW_ROUTE_UNICAST);
	assert_int_equal(r->metric, 1024);
	assert_int_equal(r->n_nexthops, 1);
	assert_int_equal(r->nexthops[0].ifindex, 3);
	assert_int_equal(r->nexthops[0].gateway.family, AF_UNSPEC);
}

static void ipv4_replace_add_delete(void **state)
{
	struct nl_parser p = parser(true);
	static struct log l;
	const struct rtw_route *r;

	memset(&l, 0, sizeof(l));
	assert_true(parse_file("v4-replace", &p, &l) >= 1);
	assert_int_equal(l.e[0].ev.type, RTW_EV_ROUTE_ADD);
	assert_int_equal(l.e[0].ev.flags, RTW_EVF_REPLACE);
	r = route(&l, "10.11.0.0/24", 100);
	assert_true(addr_is(&r->nexthops[0].gateway, "10.1.0.4"));

	memset(&l, 0, sizeof(l));
	assert_true(parse_file("v4-add-del", &p, &l) >= 2);
	assert_int_equal(l.e[0].ev.type, RTW_EV_ROUTE_ADD);
	assert_int_equal(l.e[0].ev.flags, 0);
	assert_int_equal(l.e[0].ev.u.route.metric, 50);
	assert_int_equal(l.e[1].ev.type, RTW_EV_ROUTE_DEL);
	/* IPv4 has no multipath hop deletion: a DEL is the whole route, as
	 * every deletion notice, exactly the one that went */
	assert_int_equal(l.e[1].ev.flags, RTW_EVF_EXACT);
	assert_int_equal(l.e[1].ev.u.route.metric, 50);
}

/* ip route append / prepend under an existing IPv4 key, a dump listing the
 * three routes under it in the kernel's order, and the deletion of one by
 * its path (recorded by tests/kernel/capture-fixtures.sh). */
static void ipv4_duplicates(void **state)
{
	const char *order[] = { "10.1.0.4", "10.1.0.2", "10.1.0.3" };
	struct nl_parser p = parser(true);
	struct rtw_prefix key = pfx("10.50.0.0/24");
	static struct log l;
	unsigned i, seen = 0;

	memset(&l, 0, sizeof(l));
	assert_int_equal(parse_file("v4-dup", &p, &l), 2);
	assert_int_equal(l.e[0].ev.type, RTW_EV_ROUTE_ADD);
	assert_int_equal(l.e[0].ev.flags, RTW_EVF_DUP_APPEND);
	assert_true(addr_is(&l.e[0].ev.u.route.nexthops[0].gateway, "10.1.0.3"));
	assert_int_equal(l.e[1].ev.flags, RTW_EVF_DUP_PREPEND);
	assert_true(addr_is(&l.e[1].ev.u.route.nexthops[0].gateway, "10.1.0.4"));

	p = parser(false);
	memset(&l, 0, sizeof(l));
	assert_true(parse_file("dump-dup", &p, &l) > 0);
	for (i = 0; i < l.n; i++) {
		const struct rtw_event *e = &l.e[i].ev;

		if (e->type != RTW_EV_ROUTE_ADD || prefix_cmp(&e->u.route.dst, &key) != 0)
			continue;
		assert_true(seen < 3);
		assert_true(addr_is(&e->u.route.nexthops[0].gateway, order[seen]));
		assert_int_equal(e->flags, seen ? RTW_EVF_DUP_APPEND : 0);
		seen++;
	}
	assert_int_equal(seen, 3);

	p = parser(true);
	memset(&l, 0, sizeof(l));
	assert_int_equal(parse_file("v4-dup-del", &p, &l), 1);
	assert_int_equal(l.e[0].ev.type, RTW_EV_ROUTE_DEL);
	assert_int_equal(l.e[0].ev.flags, RTW_EVF_EXACT);
	assert_true(addr_is(&l.e[0].ev.u.route.nexthops[0].gateway, "10.1.0.3"));
}

static void nexthop_objects(void **state)
{
	struct nl_parser p = parser(true);
	static struct log l;
	const struct rtw_nhobj *o;
	unsigned i, replaced = 0, deleted = 0;

	memset(&l, 0, sizeof(l));
	assert_true(parse_file("nexthop", &p, &l) > 0);
	assert_true(addr_is(&nhobj(&l, 9)->hop.gateway, "10.1.0.9"));
	for (i = 0; i < l.n; i++) {
		const struct rtw_event *e = &l.e[i].ev;

		if (e->type == RTW_EV_NEXTHOP_ADD && e->u.nhobj.id == 3 && !replaced) {
			o = &e->u.nhobj;
			assert_int_equal(o->n_group, 2);
			assert_int_equal(o->group[0].weight, 2);
			assert_int_equal(o->group[1].id, 9);
			assert_int_equal(o->group[1].weight, 7);
			replaced = i;
		}
		if (e->type == RTW_EV_NEXTHOP_DEL) {
			assert_int_equal(e->u.nhobj.id, 9);
			assert_true(replaced && i > replaced);
			deleted++;
		}
	}
	assert_int_equal(deleted, 1);
}

/* An address message's header, no attributes yet. */
static struct nlmsghdr *addr_msg(void *buf, uint16_t type, uint8_t family, uint8_t plen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = type;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_index = 2;
	return nlh;
}

static void address_delete_asks_for_resync(void **state)
{
	struct nl_parser p = parser(true);
	static struct log l;
	unsigned i, adds = 0, dels = 0;

	memset(&l, 0, sizeof(l));
	assert_true(parse_file("addr", &p, &l) > 0);
	for (i = 0; i < l.n; i++) {
		const struct rtw_event *e = &l.e[i].ev;

		if (e->type == RTW_EV_ADDR_ADD) {
			assert_true(addr_is(&e->u.addr.prefix.addr, "10.1.0.77"));
			/* a secondary IPv4 address is not "temporary" */
			assert_int_equal(e->u.addr.flags, 0);
			assert_int_equal(e->flags, 0);
			adds++;
		}
		if (e->type == RTW_EV_ADDR_DEL) {
			assert_int_equal(e->flags, RTW_EVF_FLUSH_V4);
			dels++;
		}
	}
	assert_int_equal(adds, 1);
	assert_int_equal(dels, 1);
	assert_true(p.need_resync);

	/* IPv6 only clears the preferred source of the routes that named
	 * the address: the core knows whether there are any */
	{
		static uint8_t buf[256];
		struct nlmsghdr *nlh = addr_msg(buf, RTM_DELADDR, AF_INET6, 64);
		struct in6_addr a6;

		p = parser(true);
		inet_pton(AF_INET6, "2001:db8:1::1", &a6);
		mnl_attr_put(nlh, IFA_ADDRESS, sizeof(a6), &a6);
		i = (unsigned)l.n;
		assert_int_equal(nl_parse_buf(&p, buf, nlh->nlmsg_len, collect, &l), 1);
		assert_int_equal(l.e[i].ev.type, RTW_EV_ADDR_DEL);
		assert_int_equal(l.e[i].ev.flags, RTW_EVF_PREFSRC);
		assert_false(p.need_resync);
	}
}

static void link_down_up_gone(void **state)
{
	struct nl_parser p = parser(true);
	static struct log l;
	unsigned i, v2_down = 0, v3_down = 0;

	memset(&l, 0, sizeof(l));
	assert_true(parse_file("link-down", &p, &l) > 0);
	assert_true(p.need_resync);
	for (i = 0; i < l.n; i++) {
		const struct rtw_event *e = &l.e[i].ev;

		if (e->type != RTW_EV_LINK_DOWN)
			continue;
		if (e->u.link.ifindex == 5) { /* v2: admin down, IPv4 flushed */
			assert_false(e->u.link.admin_up);
			assert_int_equal(e->flags, RTW_EVF_FLUSH_V4);
			v2_down++;
		}
		if (e->u.link.ifindex == 4) { /* v3: its peer went, carrier lost */
			assert_true(e->u.link.admin_up);
			assert_false(e->u.link.carrier_up);
			assert_int_equal(e->flags, 0);
			v3_down++;
		}
	}
	assert_true(v2_down >= 1 && v3_down >= 1);
	/* the IPv6 side of the same change is notified route by route */
	assert_true(count(&l, RTW_EV_ROUTE_DEL) >= 1);

	/* the same bytes in a dump are state, not news: nothing to resync */
	p = parser(false);
	memset(&l, 0, sizeof(l));
	assert_true(parse_file("link-down", &p, &l) > 0);
	assert_false(p.need_resync);
	for (i = 0; i < l.n; i++)
		assert_int_equal(l.e[i].ev.flags & RTW_EVF_FLUSH_V4, 0);

	p = parser(true);
	memset(&l, 0, sizeof(l));
	assert_true(parse_file("link-up", &p, &l) > 0);
	assert_false(p.need_resync);
	assert_true(count(&l, RTW_EV_LINK_UP) >= 2);
	assert_int_equal(count(&l, RTW_EV_LINK_DOWN), 0);
	assert_int_equal(route(&l, "10.2.0.0/24", RTW_TABLE_MAIN)->nexthops[0].ifindex, 5);

	p = parser(true);
	memset(&l, 0, sizeof(l));
	assert_true(parse_file("link-gone", &p, &l) > 0);
	assert_int_equal(count(&l, RTW_EV_LINK_GONE), 2);
	for (i = 0; i < l.n; i++)
		if (l.e[i].ev.type == RTW_EV_LINK_GONE)
			assert_int_equal(l.e[i].ev.flags, RTW_EVF_FLUSH_V4);
	/* the multipath route lost its hop on v2, marked dead */
	assert_int_equal(route(&l, "2001:db8:10::/64", RTW_TABLE_MAIN)->nexthops[0].flags,
			 RTW_NH_DEAD | RTW_NH_LINKDOWN);

	/* Only the change to admin down flushes routes. A link already down
	 * sends more (renamed, its MTU set: ifi_change 0, seen on 6.18),
	 * which asked for a full dump each; a new link (all bits) still does. */
	{
		static const unsigned changes[] = { 0, IFF_UP, ~0u };
		static uint8_t buf[256];
		unsigned k;

		for (k = 0; k < 3; k++) {
			struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
			struct ifinfomsg *ifi;

			nlh->nlmsg_type = RTM_NEWLINK;
			ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
			ifi->ifi_index = 5;
			ifi->ifi_flags = 0;
			ifi->ifi_change = changes[k];
			mnl_attr_put_strz(nlh, IFLA_IFNAME, "v2new");
			p = parser(true);
			memset(&l, 0, sizeof(l));
			assert_int_equal(nl_parse_buf(&p, buf, nlh->nlmsg_len, collect, &l), 1);
			assert_int_equal(l.e[0].ev.type, RTW_EV_LINK_DOWN);
			assert_int_equal(p.need_resync, k > 0);
			assert_int_equal(l.e[0].ev.flags, k > 0 ? RTW_EVF_FLUSH_V4 : 0);
		}
	}
}

/* ---- built messages, for what a kernel does not send ---- */

static struct nlmsghdr *route_msg(void *buf, uint16_t type, uint8_t family, uint8_t dst_len)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = type;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = family;
	rtm->rtm_dst_len = dst_len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_type = RTN_UNICAST;
	return nlh;
}

static int parse_one(struct nlmsghdr *nlh, struct log *l)
{
	struct nl_parser p = parser(true);
	/* an exact-size copy, so that a read past the end is caught by ASan */
	uint8_t *copy = malloc(nlh->nlmsg_len);
	int r;

	assert_non_null(copy);
	memcpy(copy, nlh, nlh->nlmsg_len);
	r = nl_parse_buf(&p, copy, nlh->nlmsg_len, collect, l);
	free(copy);
	return r;
}

static void skipped_routes(void **state)
{
	static uint8_t buf[512];
	static struct log l;
	struct nlmsghdr *nlh;
	uint32_t dst = htonl(0x0a000000);
	struct nl_parser p = parser(true);

	memset(&l, 0, sizeof(l));
	nlh = route_msg(buf, RTM_NEWROUTE, AF_INET, 8);
	mnl_attr_put(nlh, RTA_DST, 4, &dst);
	assert_int_equal(parse_one(nlh, &l), 1);
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_flags = RTM_F_CLONED;
	assert_int_equal(nl_parse_msg(&p, nlh, nlh->nlmsg_len, collect, &l), 0);
	assert_int_equal(p.skipped, 1);
	assert_int_equal(l.n, 1);
	/* a table id beyond 255 comes in RTA_TABLE */
	nlh = route_msg(buf, RTM_NEWROUTE, AF_INET, 8);
	mnl_attr_put(nlh, RTA_DST, 4, &dst);
	mnl_attr_put_u32(nlh, RTA_TABLE, 100000);
	assert_int_equal(parse_one(nlh, &l), 1);
	assert_int_equal(l.e[1].ev.u.route.table, 100000);
	/* AF_BRIDGE port messages are not interfaces going away */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_DELLINK;
	((struct ifinfomsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg)))
	    ->ifi_family = AF_BRIDGE;
	assert_int_equal(parse_one(nlh, &l), 0);
	assert_int_equal(l.n, 2);
}

static struct nlmsghdr *netconf_msg(void *buf, uint16_t type, uint8_t family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct netconfmsg *ncm;

	nlh->nlmsg_type = type;
	ncm = mnl_nlmsg_put_extra_header(nlh, NLMSG_ALIGN(sizeof(*ncm)));
	ncm->ncm_family = family;
	return nlh;
}

/* What the kernel sent for sysctl writes (capture-fixtures.sh): v0's own
 * IPv4 setting, IPv4's all and default (a resync: devices follow the
 * default silently), then IPv6's all, which comes as each device's setting
 * (lo, v0, v1) and all's. */
static void captured_netconf(void **state)
{
	static struct log l;
	struct nl_parser p = parser(true);
	unsigned i, v6_devices = 0, v6_all = 0;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(parse_file("netconf", &p, &l), 7);
	for (i = 0; i < l.n; i++) {
		assert_int_equal(l.e[i].ev.type, RTW_EV_NETCONF);
		assert_true(l.e[i].ev.u.netconf.ignore_linkdown);
	}
	assert_int_equal(l.e[0].ev.u.netconf.family, AF_INET);
	assert_int_equal(l.e[0].ev.u.netconf.ifindex, 3); /* v0: its peer got 2 */
	assert_int_equal(l.e[1].ev.u.netconf.family, AF_INET);
	assert_int_equal(l.e[1].ev.u.netconf.ifindex, RTW_NETCONF_ALL);
	assert_int_equal(l.e[2].ev.u.netconf.family, AF_INET);
	assert_int_equal(l.e[2].ev.u.netconf.ifindex, RTW_NETCONF_DEFAULT);
	for (i = 3; i < l.n; i++) {
		assert_int_equal(l.e[i].ev.u.netconf.family, AF_INET6);
		if (l.e[i].ev.u.netconf.ifindex == RTW_NETCONF_ALL)
			v6_all++;
		else if (l.e[i].ev.u.netconf.ifindex >= 1 && l.e[i].ev.u.netconf.ifindex <= 3)
			v6_devices |= 1u << l.e[i].ev.u.netconf.ifindex;
	}
	assert_int_equal(v6_all, 1);
	assert_int_equal(v6_devices, 0xe);
	assert_true(p.need_resync);
}

/* ignore_routes_with_linkdown of a device, of all and the default, as the
 * kernel notifies and dumps it (NETCONFA_ALL messages carry every setting,
 * a change only the one that changed). */
static void netconf_settings(void **state)
{
	static uint8_t buf[256];
	static struct log l;
	struct nlmsghdr *nlh;
	struct nl_parser p;
	const struct rtw_netconf *nc;

	(void)state;
	memset(&l, 0, sizeof(l));
	nlh = netconf_msg(buf, RTM_NEWNETCONF, AF_INET);
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, 3);
	mnl_attr_put_u32(nlh, NETCONFA_FORWARDING, 1);
	mnl_attr_put_u32(nlh, NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN, 1);
	assert_int_equal(parse_one(nlh, &l), 1);
	nc = &l.e[0].ev.u.netconf;
	assert_int_equal(l.e[0].ev.type, RTW_EV_NETCONF);
	assert_int_equal(nc->family, AF_INET);
	assert_int_equal(nc->ifindex, 3);
	assert_true(nc->ignore_linkdown);

	nlh = netconf_msg(buf, RTM_NEWNETCONF, AF_INET6);
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, (uint32_t)NETCONFA_IFINDEX_ALL);
	mnl_attr_put_u32(nlh, NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN, 0);
	assert_int_equal(parse_one(nlh, &l), 1);
	nc = &l.e[1].ev.u.netconf;
	assert_int_equal(nc->family, AF_INET6);
	assert_int_equal(nc->ifindex, RTW_NETCONF_ALL);
	assert_false(nc->ignore_linkdown);

	/* IPv4's default is copied into devices without a word: a
	 * notification of it asks for a resync, a dump reply does not */
	nlh = netconf_msg(buf, RTM_NEWNETCONF, AF_INET);
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, (uint32_t)NETCONFA_IFINDEX_DEFAULT);
	mnl_attr_put_u32(nlh, NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN, 1);
	p = parser(true);
	assert_int_equal(nl_parse_msg(&p, nlh, nlh->nlmsg_len, collect, &l), 1);
	assert_int_equal(l.e[2].ev.u.netconf.ifindex, RTW_NETCONF_DEFAULT);
	assert_true(p.need_resync);
	p = parser(false);
	assert_int_equal(nl_parse_msg(&p, nlh, nlh->nlmsg_len, collect, &l), 1);
	assert_false(p.need_resync);
	((struct netconfmsg *)mnl_nlmsg_get_payload(nlh))->ncm_family = AF_INET6;
	p = parser(true);
	assert_int_equal(nl_parse_msg(&p, nlh, nlh->nlmsg_len, collect, &l), 1);
	assert_false(p.need_resync);
	assert_int_equal(l.n, 5);

	/* another setting changed; MPLS; a device going: no event */
	nlh = netconf_msg(buf, RTM_NEWNETCONF, AF_INET);
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, 3);
	mnl_attr_put_u32(nlh, NETCONFA_FORWARDING, 1);
	assert_int_equal(parse_one(nlh, &l), 0);
	nlh = netconf_msg(buf, RTM_NEWNETCONF, AF_MPLS);
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, 3);
	mnl_attr_put_u32(nlh, NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN, 1);
	assert_int_equal(parse_one(nlh, &l), 0);
	nlh = netconf_msg(buf, RTM_DELNETCONF, AF_INET);
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, 3);
	assert_int_equal(parse_one(nlh, &l), 0);
	assert_int_equal(l.n, 5);

	/* malformed: device 0, a short value, a short header */
	nlh = netconf_msg(buf, RTM_NEWNETCONF, AF_INET);
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, 0);
	mnl_attr_put_u32(nlh, NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN, 1);
	assert_int_equal(parse_one(nlh, &l), -EBADMSG);
	nlh = netconf_msg(buf, RTM_NEWNETCONF, AF_INET);
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, 3);
	mnl_attr_put_u16(nlh, NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN, 1);
	assert_int_equal(parse_one(nlh, &l), -EBADMSG);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWNETCONF;
	assert_int_equal(parse_one(nlh, &l), -EBADMSG);
	assert_int_equal(l.n, 5);
}

/* A multipath replace's notification is the set in the kernel's order:
 * NLM_F_REPLACE and no RTW_EVF_SIBLINGS. */
static void ipv6_multipath_replace(void **state)
{
	static uint8_t buf[512];
	static struct log l;
	struct nlmsghdr *nlh;
	struct nlattr *mp;
	struct rtnexthop *nh;
	struct in6_addr dst, gw;
	unsigned i;

	memset(&l, 0, sizeof(l));
	inet_pton(AF_INET6, "2001:db8:9::", &dst);
	nlh = route_msg(buf, RTM_NEWROUTE, AF_INET6, 48);
	nlh->nlmsg_flags = NLM_F_REPLACE | NLM_F_CREATE;
	mnl_attr_put(nlh, RTA_DST, sizeof(dst), &dst);
	mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	for (i = 0; i < 2; i++) {
		nh = mnl_nlmsg_get_payload_tail(nlh);
		memset(nh, 0, sizeof(*nh));
		nh->rtnh_ifindex = 2;
		nlh->nlmsg_len += MNL_ALIGN(sizeof(*nh));
		inet_pton(AF_INET6, i ? "fe80::a" : "fe80::b", &gw);
		mnl_attr_put(nlh, RTA_GATEWAY, sizeof(gw), &gw);
		nh->rtnh_len =
		    (unsigned short)((uint8_t *)mnl_nlmsg_get_payload_tail(nlh) - (uint8_t *)nh);
	}
	mnl_attr_nest_end(nlh, mp);
	assert_int_equal(parse_one(nlh, &l), 1);
	assert_int_equal(l.e[0].ev.flags, RTW_EVF_REPLACE);
	assert_int_equal(l.e[0].ev.u.route.n_nexthops, 2);
	assert_true(addr_is(&l.e[0].ev.u.route.nexthops[0].gateway, "fe80::b"));
	/* the same without NLM_F_REPLACE: siblings added */
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_APPEND;
	assert_int_equal(parse_one(nlh, &l), 1);
	assert_int_equal(l.e[1].ev.flags, RTW_EVF_SIBLINGS);
}

static void malformed_routes(void **state)
{
	static uint8_t buf[512];
	static struct log l;
	struct nlmsghdr *nlh;
	struct nlattr *mp;
	struct rtnexthop *nh;
	uint32_t dst = htonl(0x0a000000), gw = htonl(0x0a000001);
	size_t len, cut;

	memset(&l, 0, sizeof(l));
	/* RTA_DST shorter than an IPv4 address */
	nlh = route_msg(buf, RTM_NEWROUTE, AF_INET, 8);
	mnl_attr_put(nlh, RTA_DST, 3, &dst);
	assert_int_equal(parse_one(nlh, &l), -EBADMSG);
	/* prefix length beyond the family */
	nlh = route_msg(buf, RTM_NEWROUTE, AF_INET, 33);
	mnl_attr_put(nlh, RTA_DST, 4, &dst);
	assert_int_equal(parse_one(nlh, &l), -EBADMSG);
	/* a prefix length and no destination */
	nlh = route_msg(buf, RTM_NEWROUTE, AF_INET, 8);
	assert_int_equal(parse_one(nlh, &l), -EBADMSG);
	/* RTA_OIF of two bytes */
	nlh = route_msg(buf, RTM_NEWROUTE, AF_INET, 0);
	mnl_attr_put_u16(nlh, RTA_OIF, 2);
	assert_int_equal(parse_one(nlh, &l), -EBADMSG);
	/* an attribute claiming more than the message holds */
	nlh = route_msg(buf, RTM_NEWROUTE, AF_INET, 8);
	mnl_attr_put(nlh, RTA_DST, 4, &dst);
	((struct nlattr *)((uint8_t *)mnl_nlmsg_get_payload(nlh) +
			   NLMSG_ALIGN(sizeof(struct rtmsg))))
	    ->nla_len = 200;
	assert_int_equal(parse_one(nlh, &l), -EBADMSG);

	/* RTA_MULTIPATH whose hop claims more than the attribute */
	nlh = route_msg(buf, RTM_NEWROUTE, AF_INET, 8);
	mnl_attr_put(nlh, RTA_DST, 4, &dst);
	mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	nh = mnl_nlmsg_get_payload_tail(nlh);
	memset(nh, 0, sizeof(*nh));
	nh->rtnh_ifindex = 2;
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*nh));
	mnl_attr_put(nlh, RTA_GATEWAY, 4, &gw);
	nh->rtnh_len = (unsigned short)((uint8_t *)mnl_nlmsg_get_payload_tail(nlh) - (uint8_t *)nh);
	mnl_attr_nest_end(nlh, mp);
	assert_int_equal(parse_one(nlh, &l), 1); /* well formed first */
	assert_int_equal(l.e[l.n - 1].ev.u.route.nexthops[0].ifindex, 2);
	nh->rtnh_len += 8;
	assert_int_equal(parse_one(nlh, &l), -EBADMSG);
	nh->rtnh_len = 4; /* shorter than its own header */
	assert_int_equal(parse_one(nlh, &l), -EBADMSG);
	nh->rtnh_len = (unsigned short)(sizeof(*nh) + 8);
	((struct nlattr *)RTNH_DATA(nh))->nla_len = 5; /* gateway of one byte */
	assert_int_equal(parse_one(nlh, &l), -EBADMSG);
	((struct nlattr *)RTNH_DATA(nh))->nla_len = 8;

	/* every cut of a good message is refused, never read past */
	len = nlh->nlmsg_len;
	for (cut = 1; cut < len; cut++) {
		struct nl_parser p = parser(true);
		uint8_t *copy = malloc(cut);

		memcpy(copy, nlh, cut);
		assert_int_equal(nl_parse_buf(&p, copy, cut, collect, &l), -EBADMSG);
		free(copy);
	}
	/* a header that claims the cut length is refused too (the attribute
	 * walk must reach the end) whenever the cut is inside an attribute */
	for (cut = NLMSG_HDRLEN + sizeof(struct rtmsg) + 1; cut < len; cut++) {
		struct nl_parser p = parser(true);
		uint8_t *copy = malloc(cut);
		int r;

		memcpy(copy, nlh, cut);
		((struct nlmsghdr *)copy)->nlmsg_len = (uint32_t)cut;
		r = nl_parse_buf(&p, copy, cut, collect, &l);
		/* ending right after RTA_DST is a complete, hop-less route */
		if (cut == NLMSG_HDRLEN + sizeof(struct rtmsg) + MNL_ATTR_HDRLEN + 4)
			assert_int_equal(r, 1);
		else
			assert_int_equal(r, -EBADMSG);
		free(copy);
	}
}

/* RTA_PREF, as the kernel keeps it: high and low, anything else medium;
 * an IPv4 route has none. */
static void router_preference(void **state)
{
	static const struct {
		uint8_t family, code, want;
	} cases[] = {
		{ AF_INET6, 1, RTW_ROUTE_PREF_HIGH },	{ AF_INET6, 3, RTW_ROUTE_PREF_LOW },
		{ AF_INET6, 0, RTW_ROUTE_PREF_MEDIUM }, { AF_INET6, 2, RTW_ROUTE_PREF_MEDIUM },
		{ AF_INET, 1, RTW_ROUTE_PREF_MEDIUM },
	};
	static uint8_t buf[512];
	static struct log l;
	struct nlmsghdr *nlh;
	unsigned i;

	(void)state;
	memset(&l, 0, sizeof(l));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nlh = route_msg(buf, RTM_NEWROUTE, cases[i].family, 0);
		mnl_attr_put_u8(nlh, RTA_PREF, cases[i].code);
		assert_int_equal(parse_one(nlh, &l), 1);
		assert_int_equal(l.e[l.n - 1].ev.u.route.pref, cases[i].want);
	}
	/* one of two bytes is malformed */
	nlh = route_msg(buf, RTM_NEWROUTE, AF_INET6, 0);
	mnl_attr_put_u16(nlh, RTA_PREF, 1);
	assert_int_equal(parse_one(nlh, &l), -EBADMSG);
}

static void malformed_links_addresses_nexthops(void **state)
{
	static uint8_t buf[512];
	static struct log l;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct ifaddrmsg *ifa;
	struct nexthop_grp g[2];
	uint32_t a4 = htonl(0x0a000001);

	memset(&l, 0, sizeof(l));
	/* IFLA_IFNAME without its NUL */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 7;
	mnl_attr_put(nlh, IFLA_IFNAME, 4, "eth0");
	assert_int_equal(parse_one(nlh, &l), -EBADMSG);
	/* a 40-character name is cut to the model's 31, NUL-terminated */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 7;
	ifi->ifi_flags = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "0123456789012345678901234567890123456789");
	assert_int_equal(parse_one(nlh, &l), 1);
	assert_int_equal(l.e[l.n - 1].ev.type, RTW_EV_LINK_DOWN); /* up, no carrier */
	assert_int_equal(strlen(l.e[l.n - 1].ev.u.link.name), 31);

	/* an address message with no address */
	nlh = addr_msg(buf, RTM_NEWADDR, AF_INET, 24);
	ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(parse_one(nlh, &l), -EBADMSG);
	mnl_attr_put(nlh, IFA_LOCAL, 4, &a4);
	assert_int_equal(parse_one(nlh, &l), 1);
	ifa->ifa_prefixlen = 40;
	assert_int_equal(parse_one(nlh, &l), -EBADMSG);

	/* nexthop: no id, then a group of 12 bytes */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWNEXTHOP;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct nhmsg));
	assert_int_equal(parse_one(nlh, &l), -EBADMSG);
	mnl_attr_put_u32(nlh, NHA_ID, 4);
	memset(g, 0, sizeof(g));
	g[0].id = 1;
	g[1].id = 2;
	g[1].weight = 9;
	mnl_attr_put(nlh, NHA_GROUP, 12, g);
	assert_int_equal(parse_one(nlh, &l), -EBADMSG);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWNEXTHOP;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct nhmsg));
	mnl_attr_put_u32(nlh, NHA_ID, 4);
	mnl_attr_put(nlh, NHA_GROUP, sizeof(g), g);
	assert_int_equal(parse_one(nlh, &l), 1);
	assert_int_equal(l.e[l.n - 1].ev.u.nhobj.group[1].weight, 10);
}

static void every_truncation_of_the_dump(void **state)
{
	size_t len, cut, step;
	uint8_t *buf = load("dump", &len);
	static struct log l;

	/* Cutting anywhere but at a message boundary is an error; a cut at a
	 * boundary parses the messages before it. Step keeps the run short
	 * while still hitting every offset modulo 4. */
	step = len > 4000 ? 7 : 1;
	for (cut = 0; cut < len; cut += step) {
		struct nl_parser p = parser(false);
		uint8_t *copy = malloc(cut ? cut : 1);
		int r;

		memcpy(copy, buf, cut);
		memset(&l, 0, sizeof(l));
		r = nl_parse_buf(&p, copy, cut, collect, &l);
		assert_true(r >= 0 || r == -EBADMSG);
		free(copy);
	}
	free(buf);
}

static void corrupted_bytes_never_crash(void **state)
{
	size_t len, i;
	uint8_t *buf = load("dump", &len);
	static struct log l;
	unsigned bad = 0;

	/* Flip one byte at a time; under ASan or valgrind a read past the
	 * buffer would fail this test. */
	for (i = 0; i < len; i++) {
		struct nl_parser p = parser(false);
		uint8_t *copy = malloc(len);
		int r;

		memcpy(copy, buf, len);
		copy[i] ^= 0xa5;
		memset(&l, 0, sizeof(l));
		r = nl_parse_buf(&p, copy, len, collect, &l);
		assert_true(r >= 0 || r == -EBADMSG || r == -ENOSPC);
		bad += r == -EBADMSG;
		free(copy);
	}
	assert_true(bad > 0);
	free(buf);
}

static void small_scratch_and_sink_errors(void **state)
{
	size_t len;
	uint8_t *buf = load("dump", &len);
	static struct log l;
	struct nl_parser p = parser(false);
	int r;

	p.hops_cap = 1; /* the ECMP routes need two */
	memset(&l, 0, sizeof(l));
	assert_int_equal(nl_parse_buf(&p, buf, len, collect, &l), -ENOSPC);
	p = parser(false);
	p.members_cap = 1; /* group 3 has two members */
	memset(&l, 0, sizeof(l));
	assert_int_equal(nl_parse_buf(&p, buf, len, collect, &l), -ENOSPC);
	/* the sink's error stops the parse at once */
	p = parser(false);
	memset(&l, 0, sizeof(l));
	l.fail_at = 3;
	r = nl_parse_buf(&p, buf, len, collect, &l);
	assert_int_equal(r, -EIO);
	assert_int_equal(l.n, 2);
	free(buf);
	assert_true(nl_parse_max_hops(4096) >= 4096 / sizeof(struct rtnexthop));
}

static void errors_in_the_stream(void **state)
{
	static uint8_t buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;
	struct nl_parser p = parser(false);
	static struct log l;

	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -EPERM;
	memset(&l, 0, sizeof(l));
	assert_int_equal(nl_parse_buf(&p, buf, nlh->nlmsg_len, collect, &l), -EPERM);
	e->error = 0; /* an ACK */
	assert_int_equal(nl_parse_buf(&p, buf, nlh->nlmsg_len, collect, &l), 0);
	nlh->nlmsg_len = NLMSG_HDRLEN + 2; /* too short for struct nlmsgerr */
	assert_int_equal(nl_parse_buf(&p, buf, nlh->nlmsg_len, collect, &l), -EBADMSG);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	mnl_nlmsg_put_extra_header(nlh, sizeof(int));
	assert_int_equal(nl_parse_buf(&p, buf, nlh->nlmsg_len, collect, &l), 0);
	assert_int_equal(l.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dump_links_addresses_nexthops),
		cmocka_unit_test(dump_routes),
		cmocka_unit_test(dump_ipv6_routes_sharing_a_key),
		cmocka_unit_test(ipv6_append_is_whole_route),
		cmocka_unit_test(ipv6_multipath_replace),
		cmocka_unit_test(ipv6_hop_delete_removes_only_that_hop),
		cmocka_unit_test(ipv6_replace_across_kinds),
		cmocka_unit_test(ipv4_replace_add_delete),
		cmocka_unit_test(ipv4_duplicates),
		cmocka_unit_test(nexthop_objects),
		cmocka_unit_test(address_delete_asks_for_resync),
		cmocka_unit_test(link_down_up_gone),
		cmocka_unit_test(skipped_routes),
		cmocka_unit_test(malformed_routes),
		cmocka_unit_test(router_preference),
		cmocka_unit_test(malformed_links_addresses_nexthops),
		cmocka_unit_test(every_truncation_of_the_dump),
		cmocka_unit_test(corrupted_bytes_never_crash),
		cmocka_unit_test(small_scratch_and_sink_errors),
		cmocka_unit_test(errors_in_the_stream),
		cmocka_unit_test(netconf_settings),
		cmocka_unit_test(captured_netconf),
	};

	test_output_tap();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
