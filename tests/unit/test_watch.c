/* Watches and invalidation (core/watch.c, core/engine.c): each rule that
 * invalidates a watch, each case that must leave it alone, coldplug,
 * callbacks that change the registry, notices. Driven from memory. */
#include <arpa/inet.h>
#include <unistd.h>

#include "evq.h"
#include "testutil.h"

struct fired {
	int n;
	enum rtw_reason reason;
	struct rtw_watch *w;
};

static void on_fire(struct rtw_watch *w, enum rtw_reason reason, void *user)
{
	struct fired *f = user;

	f->n++;
	f->reason = reason;
	f->w = w;
}

/* Two uplinks: eth0 (2) gw 192.0.2.1 metric 100, eth1 (3) gw 198.51.100.1
 * metric 200; a net route 10.8.0.0/16 via eth1; lo (1) with 127/8 local;
 * a device-only route 100.64.0.0/10 dev wg0 (4); IPv6 default via eth0. */
static struct rtw_ctx *setup(void)
{
	struct rtw_ctx *c;

	evq_reset();
	evq_dump_add(evq_link(1, "lo", true, true));
	evq_dump_add(evq_link(2, "eth0", true, true));
	evq_dump_add(evq_link(3, "eth1", true, true));
	evq_dump_add(evq_link(4, "wg0", true, true));
	evq_dump_add(evq_addr(RTW_EV_ADDR_ADD, "192.0.2.10", 24, 2));
	evq_dump_add(evq_addr(RTW_EV_ADDR_ADD, "198.51.100.10", 24, 3));
	evq_dump_add(evq_addr(RTW_EV_ADDR_ADD, "127.0.0.1", 8, 1));
	evq_dump_add(evq_addr(RTW_EV_ADDR_ADD, "2001:db8::10", 64, 2));
	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "0.0.0.0/0", "192.0.2.1", 2, 100, 254, RTW_ROUTE_UNICAST));
	evq_dump_add(evq_route(RTW_EV_ROUTE_ADD, "0.0.0.0/0", "198.51.100.1", 3, 200, 254,
			       RTW_ROUTE_UNICAST));
	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "192.0.2.0/24", NULL, 2, 0, 254, RTW_ROUTE_UNICAST));
	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "198.51.100.0/24", NULL, 3, 0, 254, RTW_ROUTE_UNICAST));
	evq_dump_add(evq_route(RTW_EV_ROUTE_ADD, "10.8.0.0/16", "198.51.100.1", 3, 0, 254,
			       RTW_ROUTE_UNICAST));
	evq_dump_add(evq_route(RTW_EV_ROUTE_ADD, "127.0.0.0/8", NULL, 1, 0, 255, RTW_ROUTE_LOCAL));
	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "100.64.0.0/10", NULL, 4, 0, 254, RTW_ROUTE_UNICAST));
	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "::/0", "fe80::1", 2, 1024, 254, RTW_ROUTE_UNICAST));
	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "2001:db8::/64", NULL, 2, 256, 254, RTW_ROUTE_UNICAST));
	c = evq_ctx(NULL);
	assert_non_null(c);
	return c;
}

static struct rtw_watch *watch(struct rtw_ctx *c, const char *peer, const char *local,
			       unsigned flags, struct fired *f)
{
	struct sockaddr_storage p = evq_sa(peer), l;
	struct rtw_watch *w;

	if (local)
		l = evq_sa(local);
	w = rtw_watch_add(c, (struct sockaddr *)&p, local ? (struct sockaddr *)&l : NULL, flags,
			  on_fire, f);
	assert_non_null(w);
	return w;
}

static void started(struct rtw_ctx *c)
{
	assert_int_equal(rtw_start(c), 0);
}

static void lookups_follow_kernel_policy(void **state)
{
	struct rtw_ctx *c = setup();
	struct sockaddr_storage a;
	struct rtw_route r;
	char buf[64];

	started(c);
	a = evq_sa("8.8.8.8");
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
	assert_int_equal(r.metric, 100); /* lowest metric wins among equal prefixes */
	rtw_addr_format(&r.nexthops[0].gateway, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.1");
	a = evq_sa("10.8.1.1");
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
	assert_int_equal(r.dst.len, 16); /* longest prefix first */
	a = evq_sa("100.64.3.4");
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0); /* device-only */
	assert_int_equal(r.nexthops[0].gateway.family, AF_UNSPEC);
	a = evq_sa("127.0.0.1");
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
	assert_int_equal(r.table, 255); /* local table first */
	a = evq_sa("::ffff:10.8.0.1");	/* v4-mapped looks up as IPv4 */
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
	assert_int_equal(r.dst.len, 16);
	rtw_free(c);
}

/* Linux searches IPv4's local and main tables as one while it has no rules
 * of its own, and one after the other once it has (fib_unmerge()); tables
 * that the application names (it has rules) are searched in turn, even
 * when a table between local and main is empty. */
static void named_tables_are_searched_in_turn(void **state)
{
	static const uint32_t order[] = { 255, 100, 254, 253 };
	static struct rtw_backend_ops ops;
	struct sockaddr_storage a = evq_sa("10.99.1.1");
	struct rtw_route r;
	int named;

	for (named = 0; named < 2; named++) {
		struct rtw_options o = { 0 };
		struct rtw_ctx *c;

		rtw_free(setup()); /* fills the queue */
		evq_dump_add(
		    evq_route(RTW_EV_ROUTE_ADD, "10.99.0.0/16", NULL, 1, 0, 255, RTW_ROUTE_LOCAL));
		evq_dump_add(evq_route(RTW_EV_ROUTE_ADD, "10.99.1.0/24", "192.0.2.1", 2, 0, 254,
				       RTW_ROUTE_UNICAST));
		ops = evq_ops;
		ops.merge_local_main = true;
		o.tables = named ? order : NULL;
		o.n_tables = named ? 4 : 0;
		c = evq_ctx(&o);
		c->ops = &ops;
		started(c);
		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
		assert_int_equal(r.table, named ? 255 : 254);
		assert_int_equal(r.dst.len, named ? 16 : 24);
		rtw_free(c);
	}
}

static void unreachable_types_and_throw(void **state)
{
	struct rtw_ctx *c = setup();
	struct sockaddr_storage a;
	struct rtw_route r;

	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "203.0.113.0/24", NULL, 0, 0, 254, RTW_ROUTE_BLACKHOLE));
	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "203.0.114.0/24", NULL, 0, 0, 254, RTW_ROUTE_PROHIBIT));
	/* throw in main passes to "default", which has a route */
	evq_dump_add(evq_route(RTW_EV_ROUTE_ADD, "10.9.0.0/16", NULL, 0, 0, 254, RTW_ROUTE_THROW));
	evq_dump_add(evq_route(RTW_EV_ROUTE_ADD, "10.9.0.0/16", "198.51.100.1", 3, 0, 253,
			       RTW_ROUTE_UNICAST));
	evq_dump_add(evq_route(RTW_EV_ROUTE_ADD, "10.10.0.0/16", NULL, 0, 0, 254, RTW_ROUTE_THROW));
	started(c);
	a = evq_sa("203.0.113.9");
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), -EHOSTUNREACH);
	assert_int_equal(r.type, RTW_ROUTE_BLACKHOLE);
	assert_int_equal(r.n_nexthops, 0);
	a = evq_sa("203.0.114.9");
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), -EHOSTUNREACH);
	assert_int_equal(r.type, RTW_ROUTE_PROHIBIT);
	a = evq_sa("10.9.0.1");
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
	assert_int_equal(r.table, 253);
	a = evq_sa("10.10.0.1"); /* thrown, and nothing in later tables */
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, NULL), -ENETUNREACH);
	rtw_free(c);
}

/* The lookup a socket bound to a device gets (model_lookup_on() with an
 * oif): routes through that device only, the longest first; IPv4 reject
 * routes and throw as the kernel's fib_table_lookup() takes them. */
static void lookups_through_a_device(void **state)
{
	struct rtw_ctx *c = setup();
	const struct rtw_nexthop *h;
	struct lookup_res res;
	struct rtw_addr a;
	unsigned n;

	evq_dump_add(evq_route(RTW_EV_ROUTE_ADD, "10.9.0.0/16", NULL, 0, 0, 254, RTW_ROUTE_THROW));
	evq_dump_add(evq_route(RTW_EV_ROUTE_ADD, "10.9.0.0/16", "198.51.100.1", 3, 0, 253,
			       RTW_ROUTE_UNICAST));
	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "203.0.113.0/24", NULL, 0, 0, 254, RTW_ROUTE_BLACKHOLE));
	started(c);
	/* eth0's default decides without a device; through eth1, eth1's */
	rtw_addr_parse("8.8.8.8", &a);
	assert_int_equal(model_lookup_on(&c->model, AF_INET, a.bytes, 3, &res), 0);
	assert_int_equal(res.table, 254);
	assert_int_equal(res.len, 0);
	h = model_attr_hops(&c->model, c->model.attrs[res.attr], &n);
	assert_int_equal(n, 1);
	assert_int_equal(h[0].ifindex, 3);
	assert_int_equal(model_lookup_on(&c->model, AF_INET, a.bytes, 4, &res), -ENETUNREACH);
	rtw_addr_parse("100.64.1.1", &a);
	assert_int_equal(model_lookup_on(&c->model, AF_INET, a.bytes, 4, &res), 0);
	assert_int_equal(res.len, 10);
	/* a throw passes to the next table, not to a shorter prefix */
	rtw_addr_parse("10.9.0.1", &a);
	assert_int_equal(model_lookup_on(&c->model, AF_INET, a.bytes, 3, &res), 0);
	assert_int_equal(res.table, 253);
	assert_int_equal(res.len, 16);
	/* a reject route decides whatever the device */
	rtw_addr_parse("203.0.113.9", &a);
	assert_int_equal(model_lookup_on(&c->model, AF_INET, a.bytes, 2, &res), -EHOSTUNREACH);
	/* IPv6 takes routes through the device only */
	rtw_addr_parse("2001:db8::99", &a);
	assert_int_equal(model_lookup_on(&c->model, AF_INET6, a.bytes, 2, &res), 0);
	assert_int_equal(res.len, 64);
	assert_int_equal(model_lookup_on(&c->model, AF_INET6, a.bytes, 3, &res), -ENETUNREACH);
	rtw_free(c);
}

static void no_route(void **state)
{
	struct rtw_ctx *c = setup();
	struct fired f = { 0 };
	struct rtw_watch *w;

	started(c);
	w = watch(c, "2001:db8:1::1", NULL, 0, &f);
	assert_int_equal(rtw_watch_status(w, NULL), RTW_REASON_NONE);
	evq_push(evq_route(RTW_EV_ROUTE_DEL, "::/0", "fe80::1", 2, 1024, 254, RTW_ROUTE_UNICAST));
	assert_true(rtw_dispatch(c) >= 1);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.reason, RTW_REASON_NO_ROUTE);
	assert_ptr_equal(f.w, w);
	rtw_free(c);
}

static void unreachable(void **state)
{
	struct rtw_ctx *c = setup();
	struct fired f = { 0 };

	started(c);
	watch(c, "8.8.8.8", NULL, 0, &f);
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "8.8.0.0/16", NULL, 0, 0, 254, RTW_ROUTE_BLACKHOLE));
	rtw_dispatch(c);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.reason, RTW_REASON_UNREACHABLE);
	rtw_free(c);
}

static void primary_gateway_removed(void **state)
{
	struct rtw_ctx *c = setup();
	struct fired def = { 0 }, net = { 0 }, lo = { 0 }, dev = { 0 }, v6 = { 0 };
	struct sockaddr_storage a;
	struct rtw_route r;

	started(c);
	watch(c, "8.8.8.8", NULL, 0, &def);
	watch(c, "10.8.0.5", NULL, 0, &net);
	watch(c, "127.0.0.1", "127.0.0.1", 0, &lo);
	watch(c, "100.64.0.1", NULL, 0, &dev);
	watch(c, "2001:db8::99", NULL, 0, &v6);
	evq_push(
	    evq_route(RTW_EV_ROUTE_DEL, "0.0.0.0/0", "192.0.2.1", 2, 100, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	/* the lower-priority default remains, but the path changed under it */
	assert_int_equal(def.n, 1);
	assert_int_equal(def.reason, RTW_REASON_ROUTE_REMOVED);
	a = evq_sa("8.8.8.8");
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
	assert_int_equal(r.metric, 200);
	assert_int_equal(net.n + lo.n + dev.n + v6.n, 0);
	rtw_free(c);
}

static void link_down(void **state)
{
	struct rtw_ctx *c = setup();
	struct fired via0 = { 0 }, via1 = { 0 }, lo = { 0 };

	started(c);
	watch(c, "192.0.2.77", NULL, 0, &via0);
	watch(c, "10.8.0.5", NULL, 0, &via1);
	watch(c, "127.0.0.1", NULL, 0, &lo);
	evq_push(evq_link(2, "eth0", true, false)); /* carrier lost */
	rtw_dispatch(c);
	assert_int_equal(via0.n, 1);
	assert_int_equal(via0.reason, RTW_REASON_LINK_DOWN);
	assert_int_equal(via1.n + lo.n, 0);
	rtw_free(c);
}

static void link_down_fails_lookup_on_freebsd_policy(void **state)
{
	struct rtw_options o = { 0 };
	struct rtw_ctx *c;
	struct sockaddr_storage a;
	struct rtw_route r;

	rtw_free(setup()); /* fills the queue */
	o.linkdown = RTW_LINKDOWN_FAIL;
	c = evq_ctx(&o);
	started(c);
	evq_push(evq_link(2, "eth0", true, false));
	rtw_dispatch(c);
	a = evq_sa("8.8.8.8");
	/* FreeBSD: no fallback to the metric-200 route nor to shorter prefixes */
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), -EHOSTUNREACH);
	assert_true(r.flags & RTW_ROUTE_F_LINKDOWN);
	rtw_free(c);

	c = setup();
	started(c);
	evq_push(evq_link(2, "eth0", true, false));
	rtw_dispatch(c);
	/* Linux with ignore_routes_with_linkdown: the next route carries it */
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
	assert_int_equal(r.metric, 200);
	rtw_free(c);
}

static void local_address_removed(void **state)
{
	struct rtw_ctx *c = setup();
	struct fired f = { 0 }, other = { 0 };

	started(c);
	watch(c, "8.8.8.8", "192.0.2.10", 0, &f);
	watch(c, "8.8.4.4", "198.51.100.10", 0, &other);
	evq_push(evq_addr(RTW_EV_ADDR_DEL, "192.0.2.10", 24, 2));
	rtw_dispatch(c);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.reason, RTW_REASON_LOCAL_ADDRESS_REMOVED);
	assert_int_equal(other.n, 0);
	rtw_free(c);
}

/* An address that a local route of the local table covers is the host's
 * for the kernel (127.0.0.2 under 127.0.0.0/8, an AnyIP range on lo): a
 * connection from it works, and ends when the route goes. */
static void local_routes_make_local_addresses(void **state)
{
	struct rtw_ctx *c = setup();
	struct fired lo = { 0 }, anyip = { 0 }, main_only = { 0 };
	struct rtw_watch *wl, *wa, *wm;

	started(c);
	wl = watch(c, "127.0.0.1", "127.0.0.2", 0, &lo);
	assert_int_equal(rtw_watch_status(wl, NULL), RTW_REASON_NONE);
	wa = watch(c, "8.8.8.8", "172.22.0.5", 0, &anyip);
	assert_int_equal(rtw_watch_status(wa, NULL), RTW_REASON_LOCAL_ADDRESS_REMOVED);
	/* only a route of type local counts, and only in the local table */
	wm = watch(c, "8.8.4.4", "10.8.1.1", 0, &main_only);
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "172.22.0.0/16", NULL, 1, 0, 255, RTW_ROUTE_LOCAL));
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "10.8.1.0/24", NULL, 1, 0, 254, RTW_ROUTE_LOCAL));
	rtw_dispatch(c);
	assert_int_equal(rtw_watch_status(wa, NULL), RTW_REASON_NONE);
	assert_int_equal(anyip.n, 0); /* it was not valid: it is followed from now */
	assert_int_equal(rtw_watch_status(wm, NULL), RTW_REASON_LOCAL_ADDRESS_REMOVED);
	evq_push(evq_route(RTW_EV_ROUTE_DEL, "172.22.0.0/16", NULL, 1, 0, 255, RTW_ROUTE_LOCAL));
	rtw_dispatch(c);
	assert_int_equal(anyip.n, 1);
	assert_int_equal(anyip.reason, RTW_REASON_LOCAL_ADDRESS_REMOVED);
	assert_int_equal(lo.n + main_only.n, 0);
	rtw_free(c);
}

static void path_change_only_with_flag(void **state)
{
	struct rtw_ctx *c = setup();
	struct fired plain = { 0 }, flagged = { 0 };

	started(c);
	watch(c, "8.8.8.8", NULL, 0, &plain);
	watch(c, "8.8.8.8", NULL, RTW_WATCH_PATH_CHANGE, &flagged);
	/* another router on the same link */
	evq_push(
	    evq_route(RTW_EV_ROUTE_ADD, "8.8.8.0/24", "192.0.2.2", 2, 0, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	assert_int_equal(plain.n, 0);
	assert_int_equal(flagged.n, 1);
	assert_int_equal(flagged.reason, RTW_REASON_PATH_CHANGED);
	/* the unflagged watch now uses the /24: removing it is a removal */
	evq_push(
	    evq_route(RTW_EV_ROUTE_DEL, "8.8.8.0/24", "192.0.2.2", 2, 0, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	assert_int_equal(plain.n, 1);
	assert_int_equal(plain.reason, RTW_REASON_ROUTE_REMOVED);
	assert_int_equal(flagged.n, 1); /* exactly once */
	rtw_free(c);
}

/* A path that leaves by another link than its local address's is dead for
 * the connection (its source belongs to the other network), flag or not:
 * the default replaced onto a tunnel, a VPN's /1 halves. A source on
 * neither link (a router's loopback address) and a new gateway on the
 * same link are no reason. */
static void leaving_the_local_link(void **state)
{
	struct rtw_ctx *c = setup();
	struct fired nolocal = { 0 }, own = { 0 }, other = { 0 }, loop = { 0 }, v6 = { 0 };
	struct evq_item it;

	started(c);
	evq_push(evq_addr(RTW_EV_ADDR_ADD, "203.0.113.1", 32, 1));
	rtw_dispatch(c);
	watch(c, "8.8.8.8", NULL, 0, &nolocal);
	watch(c, "8.8.4.4", "192.0.2.10", 0, &own);	 /* eth0's, the egress */
	watch(c, "9.9.9.9", "198.51.100.10", 0, &other); /* eth1's, sent over eth0 */
	watch(c, "1.1.1.1", "203.0.113.1", 0, &loop);
	watch(c, "2001:4860::8888", "2001:db8::10", 0, &v6);
	/* a renewal that moves the gateway on eth0: nothing */
	it =
	    evq_route(RTW_EV_ROUTE_ADD, "0.0.0.0/0", "192.0.2.254", 2, 100, 254, RTW_ROUTE_UNICAST);
	it.ev.flags = RTW_EVF_REPLACE;
	evq_push(it);
	rtw_dispatch(c);
	assert_int_equal(nolocal.n + own.n + other.n + loop.n + v6.n, 0);
	/* the default replaced onto wg0 (ip route replace default dev wg0) */
	it = evq_route(RTW_EV_ROUTE_ADD, "0.0.0.0/0", NULL, 4, 100, 254, RTW_ROUTE_UNICAST);
	it.ev.flags = RTW_EVF_REPLACE;
	evq_push(it);
	rtw_dispatch(c);
	assert_int_equal(nolocal.n, 1);
	assert_int_equal(nolocal.reason, RTW_REASON_PATH_CHANGED);
	assert_int_equal(own.n, 1);
	assert_int_equal(own.reason, RTW_REASON_PATH_CHANGED);
	assert_int_equal(other.n + loop.n + v6.n, 0);
	/* a VPN's halves take IPv6 from eth0's address over wg0 */
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "::/1", NULL, 4, 1024, 254, RTW_ROUTE_UNICAST));
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "8000::/1", NULL, 4, 1024, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	assert_int_equal(v6.n, 1);
	assert_int_equal(v6.reason, RTW_REASON_PATH_CHANGED);
	assert_int_equal(other.n + loop.n, 0);
	rtw_free(c);
}

/* Moves that keep the source valid are no reason: onto a link into the
 * same network (Wi-Fi and Ethernet to one router), and for a route whose
 * preferred source is on neither link (a loopback address). */
static void moves_that_keep_the_source(void **state)
{
	struct rtw_ctx *c = setup();
	struct fired nolocal = { 0 }, own = { 0 }, src_lo = { 0 }, plain = { 0 };
	struct evq_item it;

	started(c);
	evq_push(evq_addr(RTW_EV_ADDR_ADD, "192.0.2.20", 24, 3)); /* eth1 on eth0's LAN too */
	evq_push(evq_addr(RTW_EV_ADDR_ADD, "203.0.113.1", 32, 1));
	it = evq_route(RTW_EV_ROUTE_ADD, "10.77.0.0/16", "192.0.2.1", 2, 0, 254, RTW_ROUTE_UNICAST);
	rtw_addr_parse("203.0.113.1", &it.ev.u.route.prefsrc);
	evq_push(it);
	evq_push(
	    evq_route(RTW_EV_ROUTE_ADD, "10.78.0.0/16", "192.0.2.1", 2, 0, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	watch(c, "8.8.8.8", NULL, 0, &nolocal);
	watch(c, "8.8.4.4", "192.0.2.10", 0, &own);
	watch(c, "10.77.1.1", NULL, 0, &src_lo);
	watch(c, "10.78.1.1", NULL, 0, &plain);
	/* a better default over eth1, into the same network */
	evq_push(
	    evq_route(RTW_EV_ROUTE_ADD, "0.0.0.0/0", "192.0.2.1", 3, 50, 254, RTW_ROUTE_UNICAST));
	/* both /16s replaced onto wg0, the first keeping its source */
	it = evq_route(RTW_EV_ROUTE_ADD, "10.77.0.0/16", NULL, 4, 0, 254, RTW_ROUTE_UNICAST);
	rtw_addr_parse("203.0.113.1", &it.ev.u.route.prefsrc);
	it.ev.flags = RTW_EVF_REPLACE;
	evq_push(it);
	it = evq_route(RTW_EV_ROUTE_ADD, "10.78.0.0/16", NULL, 4, 0, 254, RTW_ROUTE_UNICAST);
	it.ev.flags = RTW_EVF_REPLACE;
	evq_push(it);
	rtw_dispatch(c);
	assert_int_equal(nolocal.n + own.n + src_lo.n, 0);
	assert_int_equal(plain.n, 1);
	assert_int_equal(plain.reason, RTW_REASON_PATH_CHANGED);
	rtw_free(c);
}

/* A removed route whose fallback sends the peer the same way (one path,
 * same link and gateway) is no removal: NetworkManager changing a
 * default's metric (add the new, delete the old), a VPN server's own route
 * going back to the default. */
static void same_way_after_a_removal(void **state)
{
	struct rtw_ctx *c = setup();
	struct fired plain = { 0 }, flagged = { 0 }, server = { 0 }, net = { 0 };

	started(c);
	evq_push(
	    evq_route(RTW_EV_ROUTE_ADD, "0.0.0.0/0", "192.0.2.1", 2, 150, 254, RTW_ROUTE_UNICAST));
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "198.18.5.5/32", "192.0.2.1", 2, 0, 254,
			   RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	watch(c, "8.8.8.8", NULL, 0, &plain);
	watch(c, "8.8.8.8", NULL, RTW_WATCH_PATH_CHANGE, &flagged);
	watch(c, "198.18.5.5", NULL, 0, &server);
	watch(c, "10.8.0.5", NULL, 0, &net);
	evq_push(
	    evq_route(RTW_EV_ROUTE_DEL, "0.0.0.0/0", "192.0.2.1", 2, 100, 254, RTW_ROUTE_UNICAST));
	evq_push(evq_route(RTW_EV_ROUTE_DEL, "198.18.5.5/32", "192.0.2.1", 2, 0, 254,
			   RTW_ROUTE_UNICAST));
	/* 10.8.0.0/16 went over eth1: its fallback, the default, does not */
	evq_push(evq_route(RTW_EV_ROUTE_DEL, "10.8.0.0/16", "198.51.100.1", 3, 0, 254,
			   RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	assert_int_equal(plain.n + server.n, 0);
	assert_int_equal(flagged.n, 1);
	assert_int_equal(flagged.reason, RTW_REASON_PATH_CHANGED);
	assert_int_equal(net.n, 1);
	assert_int_equal(net.reason, RTW_REASON_ROUTE_REMOVED);
	rtw_free(c);
}

static void unrelated_changes_leave_watches_alone(void **state)
{
	struct rtw_ctx *c = setup();
	struct fired def = { 0 }, net = { 0 }, lo = { 0 };

	started(c);
	watch(c, "8.8.8.8", NULL, 0, &def);
	watch(c, "10.8.0.5", NULL, 0, &net);
	watch(c, "127.0.0.1", NULL, 0, &lo);
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "172.16.0.0/12", "198.51.100.1", 3, 0, 254,
			   RTW_ROUTE_UNICAST));
	evq_push(evq_route(RTW_EV_ROUTE_DEL, "172.16.0.0/12", "198.51.100.1", 3, 0, 254,
			   RTW_ROUTE_UNICAST));
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "10.8.1.0/24", "192.0.2.1", 2, 0, 254,
			   RTW_ROUTE_UNICAST)); /* more specific, not covering 10.8.0.5 */
	/* default gateway swapped: only the default's users notice */
	evq_push(evq_route(RTW_EV_ROUTE_DEL, "0.0.0.0/0", "198.51.100.1", 3, 200, 254,
			   RTW_ROUTE_UNICAST));
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "0.0.0.0/0", "198.51.100.2", 3, 300, 254,
			   RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	assert_int_equal(def.n + net.n + lo.n, 0);
	evq_push(
	    evq_route(RTW_EV_ROUTE_DEL, "0.0.0.0/0", "192.0.2.1", 2, 100, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	assert_int_equal(def.n, 1);
	assert_int_equal(net.n + lo.n, 0);
	rtw_free(c);
}

static void coldplug_never_invalidates(void **state)
{
	struct rtw_ctx *c = setup();
	struct fired ok = { 0 }, none = { 0 };
	struct rtw_watch *a, *b;

	a = watch(c, "8.8.8.8", NULL, 0, &ok);
	b = watch(c, "2001:db9::1", NULL, 0, &none);			  /* no route for it */
	assert_int_equal(rtw_watch_status(a, NULL), RTW_REASON_NO_ROUTE); /* not resolved yet */
	started(c);
	assert_int_equal(rtw_watch_status(a, NULL), RTW_REASON_NONE);
	assert_int_equal(rtw_watch_status(b, NULL), RTW_REASON_NONE); /* ::/0 covers it */
	assert_int_equal(ok.n + none.n, 0);
	rtw_free(c);
}

struct reentry {
	struct rtw_ctx *c;
	struct rtw_watch *victim;
	struct rtw_watch *added;
	int calls;
};

static void reentrant_cb(struct rtw_watch *w, enum rtw_reason reason, void *user)
{
	struct reentry *re = user;
	struct sockaddr_storage p = evq_sa("10.8.0.9");

	(void)reason;
	re->calls++;
	rtw_watch_del(re->victim);
	re->victim = NULL;
	re->added = rtw_watch_add(re->c, (struct sockaddr *)&p, NULL, 0, NULL, NULL);
	rtw_watch_del(w);
}

static void callbacks_may_change_watches(void **state)
{
	struct rtw_ctx *c = setup();
	struct reentry re = { 0 };
	struct sockaddr_storage p = evq_sa("8.8.8.8"), q = evq_sa("8.8.4.4");
	struct rtw_stats st;
	int i;

	started(c);
	re.c = c;
	for (i = 0; i < 50; i++)
		rtw_watch_add(c, (struct sockaddr *)&p, NULL, 0, reentrant_cb, &re);
	re.victim = rtw_watch_add(c, (struct sockaddr *)&q, NULL, 0, reentrant_cb, &re);
	evq_push(
	    evq_route(RTW_EV_ROUTE_DEL, "0.0.0.0/0", "192.0.2.1", 2, 100, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	/* each of the 50 fired once (the victim was deleted before its turn
	 * or fired first; either way nobody fired twice) */
	assert_true(re.calls == 50 || re.calls == 51);
	assert_non_null(re.added);
	rtw_get_stats(c, &st);
	assert_int_equal(st.watches, (size_t)re.calls); /* each callback added one */
	rtw_free(c);
}

struct notes {
	int add, del, cpd, link, addr;
	char last[160];
};

static void on_notice(const struct rtw_notice *n, const char *json, void *user)
{
	struct notes *s = user;

	snprintf(s->last, sizeof(s->last), "%s", json);
	switch (n->type) {
	case RTW_NOTICE_ROUTE_ADD:
		assert_string_equal(json, "{\"rt\":\"add\"}");
		assert_non_null(n->route);
		s->add++;
		break;
	case RTW_NOTICE_ROUTE_DEL:
		assert_string_equal(json, "{\"rt\":\"del\"}");
		s->del++;
		break;
	case RTW_NOTICE_CPDCHECK:
		assert_string_equal(json, "{\"trigger\":\"cpdcheck\",\"src\":\"gw-change\"}");
		s->cpd++;
		break;
	case RTW_NOTICE_LINK_UP:
	case RTW_NOTICE_LINK_DOWN:
	case RTW_NOTICE_LINK_GONE:
		assert_non_null(n->link);
		s->link++;
		break;
	case RTW_NOTICE_ADDR_ADD:
	case RTW_NOTICE_ADDR_DEL:
		assert_non_null(n->address);
		s->addr++;
		break;
	default:
		break;
	}
}

static void notices(void **state)
{
	struct rtw_ctx *c = setup();
	struct notes s = { 0 };

	rtw_set_notice_cb(c, on_notice, &s);
	started(c);
	assert_int_equal(s.add + s.del + s.cpd + s.link + s.addr, 0); /* coldplug is quiet */
	evq_push(
	    evq_route(RTW_EV_ROUTE_ADD, "10.1.0.0/16", "192.0.2.1", 2, 0, 254, RTW_ROUTE_UNICAST));
	evq_push(
	    evq_route(RTW_EV_ROUTE_ADD, "10.2.0.0/16", "192.0.2.1", 2, 0, 254, RTW_ROUTE_UNICAST));
	evq_push(
	    evq_route(RTW_EV_ROUTE_DEL, "10.1.0.0/16", "192.0.2.1", 2, 0, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	assert_int_equal(s.add, 2);
	assert_int_equal(s.del, 1);
	assert_int_equal(s.cpd, 1); /* one per dispatch, however many changes */
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "10.3.0.0/16", NULL, 4, 0, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	assert_int_equal(s.cpd, 1); /* no gateway involved */
	evq_push(evq_link(4, "wg\"0", true, false));
	rtw_dispatch(c);
	assert_int_equal(s.link, 1);
	assert_string_equal(s.last, "{\"link\":\"down\",\"ifindex\":4,\"name\":\"wg\\\"0\"}");
	/* names are bytes: JSON gets UTF-8 as is, control bytes and bytes that
	 * are not UTF-8 (a stray 0xff, a cut sequence) as \u escapes, DEL too
	 * (as the routewatch tool writes it) */
	evq_push(evq_link(4, "w\\g\x01\xc3\xa4\xff\x7f\xe2\x82", true, false));
	rtw_dispatch(c);
	assert_string_equal(s.last, "{\"link\":\"down\",\"ifindex\":4,\"name\":"
				    "\"w\\\\g\\u0001\xc3\xa4\\u00ff\\u007f\\u00e2\\u0082\"}");
	evq_push(evq_addr(RTW_EV_ADDR_ADD, "10.3.0.1", 16, 4));
	rtw_dispatch(c);
	assert_string_equal(s.last, "{\"addr\":\"add\",\"ifindex\":4,\"address\":\"10.3.0.1/16\"}");
	rtw_free(c);
}

/* The default route moving asks for a connectivity check even without a
 * gateway involved: a VPN's device-only default (or its 0/1 and 128/1)
 * coming and going, the default's link losing its carrier (no route
 * message at all). Changes elsewhere do not. */
static void cpdcheck_on_default_moves(void **state)
{
	struct rtw_ctx *c = setup();
	struct notes s = { 0 };

	started(c);
	rtw_set_notice_cb(c, on_notice, &s);
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "0.0.0.0/0", NULL, 4, 50, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	assert_int_equal(s.cpd, 1); /* the VPN came up */
	evq_push(evq_route(RTW_EV_ROUTE_DEL, "0.0.0.0/0", NULL, 4, 50, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	assert_int_equal(s.cpd, 2); /* and went */
	/* the same as two halves, as OpenVPN's def1 adds them over the
	 * default it leaves in place; each half alone moves half the traffic */
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "0.0.0.0/1", NULL, 4, 0, 254, RTW_ROUTE_UNICAST));
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "128.0.0.0/1", NULL, 4, 0, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	assert_int_equal(s.cpd, 3);
	evq_push(evq_route(RTW_EV_ROUTE_DEL, "128.0.0.0/1", NULL, 4, 0, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	assert_int_equal(s.cpd, 4);
	evq_push(evq_route(RTW_EV_ROUTE_DEL, "0.0.0.0/1", NULL, 4, 0, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	assert_int_equal(s.cpd, 5);
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "8000::/1", NULL, 4, 0, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	assert_int_equal(s.cpd, 6); /* an IPv6 half */
	evq_push(evq_route(RTW_EV_ROUTE_DEL, "8000::/1", NULL, 4, 0, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	assert_int_equal(s.cpd, 7);
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "10.3.0.0/16", NULL, 4, 0, 254, RTW_ROUTE_UNICAST));
	evq_push(evq_link(4, "wg0", true, false));
	rtw_dispatch(c);
	assert_int_equal(s.cpd, 7); /* a link the default does not use */
	evq_push(evq_link(2, "eth0", true, false));
	rtw_dispatch(c);
	assert_int_equal(s.cpd, 8); /* the default's link lost its carrier */
	evq_push(evq_link(2, "eth0", true, true));
	rtw_dispatch(c);
	assert_int_equal(s.cpd, 9); /* and got it back */
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "::/0", NULL, 3, 100, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	assert_int_equal(s.cpd, 10); /* IPv6 too: a VPN before fe80::1 */
	rtw_free(c);
}

/* What rtw_watch_status() gives inside the callback: the route the peer
 * takes now, and a gateway text for it ("-" when none, "?" unfilled). */
struct status_seen {
	enum rtw_reason reason;
	char gw[64];
};

static void on_fire_status(struct rtw_watch *w, enum rtw_reason reason, void *user)
{
	struct status_seen *s = user;
	struct rtw_route r;

	memset(&r, 0, sizeof(r));
	s->reason = rtw_watch_status(w, &r);
	assert_int_equal(s->reason, reason);
	snprintf(s->gw, sizeof(s->gw), "?");
	if (r.dst.addr.family == AF_UNSPEC)
		return;
	assert_int_equal(r.n_nexthops, 1);
	if (r.nexthops[0].gateway.family == AF_UNSPEC)
		snprintf(s->gw, sizeof(s->gw), "-");
	else
		rtw_addr_format(&r.nexthops[0].gateway, s->gw, sizeof(s->gw));
}

/* A watch that fired is no longer followed, but rtw_watch_status() still
 * answers with the route its peer takes now: the new path in a
 * PATH_CHANGED callback, the fallback after a removal, nothing when no
 * route is left. */
static void status_after_firing(void **state)
{
	struct rtw_ctx *c = setup();
	struct sockaddr_storage p = evq_sa("10.8.1.1"), q = evq_sa("8.8.4.4");
	struct status_seen a = { 0 }, b = { 0 };
	struct rtw_watch *wa, *wb;
	struct rtw_route r;
	char buf[64];

	started(c);
	wa = rtw_watch_add(c, (struct sockaddr *)&p, NULL, RTW_WATCH_PATH_CHANGE, on_fire_status,
			   &a);
	wb = rtw_watch_add(c, (struct sockaddr *)&q, NULL, 0, on_fire_status, &b);
	assert_non_null(wa);
	assert_non_null(wb);
	evq_push(
	    evq_route(RTW_EV_ROUTE_ADD, "10.8.1.0/24", "192.0.2.7", 2, 0, 254, RTW_ROUTE_UNICAST));
	evq_push(
	    evq_route(RTW_EV_ROUTE_DEL, "0.0.0.0/0", "192.0.2.1", 2, 100, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	assert_int_equal(a.reason, RTW_REASON_PATH_CHANGED);
	assert_string_equal(a.gw, "192.0.2.7");
	assert_int_equal(b.reason, RTW_REASON_ROUTE_REMOVED);
	assert_string_equal(b.gw, "198.51.100.1"); /* the metric 200 default */
	/* later, with the slots it had long reused */
	evq_push(
	    evq_route(RTW_EV_ROUTE_DEL, "10.8.1.0/24", "192.0.2.7", 2, 0, 254, RTW_ROUTE_UNICAST));
	evq_push(evq_route(RTW_EV_ROUTE_DEL, "10.8.0.0/16", "198.51.100.1", 3, 0, 254,
			   RTW_ROUTE_UNICAST));
	evq_push(evq_route(RTW_EV_ROUTE_DEL, "0.0.0.0/0", "198.51.100.1", 3, 200, 254,
			   RTW_ROUTE_UNICAST));
	evq_push(
	    evq_route(RTW_EV_ROUTE_ADD, "10.9.0.0/16", "192.0.2.9", 2, 0, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	memset(&r, 0, sizeof(r));
	assert_int_equal(rtw_watch_status(wa, &r), RTW_REASON_PATH_CHANGED);
	assert_int_equal(r.dst.addr.family, AF_UNSPEC); /* no route: left as it was */
	evq_push(
	    evq_route(RTW_EV_ROUTE_ADD, "0.0.0.0/0", "192.0.2.5", 2, 50, 254, RTW_ROUTE_UNICAST));
	rtw_dispatch(c);
	assert_int_equal(rtw_watch_status(wb, &r), RTW_REASON_ROUTE_REMOVED);
	assert_int_equal(r.dst.len, 0);
	rtw_addr_format(&r.nexthops[0].gateway, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.5");
	rtw_free(c);
}

/* Route notices as text: "add 10.5.0.0/16 via 192.0.2.1 dev 2", one a line. */
static void log_route_notice(const struct rtw_notice *n, const char *json, void *user)
{
	char *log = user, dst[64], gw[64] = "-";
	const struct rtw_route *r = n->route;
	size_t len = strlen(log);

	(void)json;
	if (n->type != RTW_NOTICE_ROUTE_ADD && n->type != RTW_NOTICE_ROUTE_DEL)
		return;
	rtw_prefix_format(&r->dst, dst, sizeof(dst));
	if (r->n_nexthops && r->nexthops[0].gateway.family != AF_UNSPEC)
		rtw_addr_format(&r->nexthops[0].gateway, gw, sizeof(gw));
	snprintf(log + len, 512 - len, "%s %s via %s dev %d\n",
		 n->type == RTW_NOTICE_ROUTE_ADD ? "add" : "del", dst, gw,
		 r->n_nexthops ? r->nexthops[0].ifindex : 0);
}

/* A replace is announced as the old route going, then the new one coming:
 * the add alone does not say which route went, and under IPv6 several
 * device routes share a key. */
static void replace_notices(void **state)
{
	struct rtw_ctx *c = setup();
	struct evq_item it;
	char log[512] = "";

	started(c);
	rtw_set_notice_cb(c, log_route_notice, log);
	evq_push(
	    evq_route(RTW_EV_ROUTE_ADD, "10.5.0.0/16", "192.0.2.1", 2, 0, 254, RTW_ROUTE_UNICAST));
	it = evq_route(RTW_EV_ROUTE_ADD, "10.5.0.0/16", "192.0.2.9", 2, 0, 254, RTW_ROUTE_UNICAST);
	it.ev.flags = RTW_EVF_REPLACE;
	evq_push(it);
	/* the same route again: nothing changes, nothing is said */
	evq_push(it);
	evq_push(
	    evq_route(RTW_EV_ROUTE_ADD, "2001:db8:5::/64", NULL, 2, 256, 254, RTW_ROUTE_UNICAST));
	evq_push(
	    evq_route(RTW_EV_ROUTE_ADD, "2001:db8:5::/64", NULL, 3, 256, 254, RTW_ROUTE_UNICAST));
	it = evq_route(RTW_EV_ROUTE_ADD, "2001:db8:5::/64", "fe80::1", 3, 256, 254,
		       RTW_ROUTE_UNICAST);
	it.ev.flags = RTW_EVF_REPLACE;
	evq_push(it);
	rtw_dispatch(c);
	assert_string_equal(log, "add 10.5.0.0/16 via 192.0.2.1 dev 2\n"
				 "del 10.5.0.0/16 via 192.0.2.1 dev 2\n"
				 "add 10.5.0.0/16 via 192.0.2.9 dev 2\n"
				 "add 2001:db8:5::/64 via - dev 2\n"
				 "add 2001:db8:5::/64 via - dev 3\n"
				 "del 2001:db8:5::/64 via - dev 2\n"
				 "add 2001:db8:5::/64 via fe80::1 dev 3\n");
	rtw_free(c);
}

static void resync_reconciles(void **state)
{
	struct rtw_ctx *c = setup();
	struct fired f = { 0 }, g = { 0 };
	struct notes s = { 0 };
	struct rtw_stats st;
	struct evq_item ov;

	started(c);
	rtw_set_notice_cb(c, on_notice, &s);
	watch(c, "10.8.0.5", NULL, 0, &f);
	watch(c, "8.8.8.8", NULL, 0, &g);
	/* While we were not listening, 10.8/16 went away: the new dump lacks it. */
	evq.n_dump = 0;
	evq_dump_add(evq_link(2, "eth0", true, true));
	evq_dump_add(evq_link(3, "eth1", true, true));
	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "0.0.0.0/0", "192.0.2.1", 2, 100, 254, RTW_ROUTE_UNICAST));
	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "198.51.100.0/24", NULL, 3, 0, 254, RTW_ROUTE_UNICAST));
	memset(&ov, 0, sizeof(ov));
	ov.ev.type = RTW_EV_OVERFLOW;
	evq_push(ov);
	rtw_dispatch(c);
	assert_int_equal(f.n, 1); /* 10.8.0.5 now goes via the default: its route was removed */
	assert_int_equal(f.reason, RTW_REASON_ROUTE_REMOVED);
	assert_int_equal(g.n, 0); /* the default it uses is still there */
	rtw_get_stats(c, &st);
	assert_int_equal(st.overflows, 1);
	assert_int_equal(st.resyncs, 1);
	assert_int_equal(st.routes, 2);
	assert_int_equal(st.links, 2);
	assert_true(s.del >= 1);
	rtw_free(c);
}

/* The gateway of the route 10.9.0.1 resolves to, as text. */
static const char *dup_gw(struct rtw_ctx *c, char *buf, size_t size)
{
	struct sockaddr_storage a = evq_sa("10.9.0.1");
	struct rtw_route r;

	if (rtw_lookup(c, (struct sockaddr *)&a, &r) != 0 || r.n_nexthops != 1)
		return "none";
	rtw_addr_format(&r.nexthops[0].gateway, buf, sizeof(buf[0]) * size);
	return buf;
}

static struct evq_item dup_route(enum rtw_event_type t, const char *gw, int ifindex, unsigned flags)
{
	struct evq_item it = evq_route(t, "10.9.0.0/16", gw, ifindex, 0, 254, RTW_ROUTE_UNICAST);

	it.ev.flags = flags;
	return it;
}

static size_t count_routes(struct rtw_ctx *c)
{
	struct rtw_stats st;

	rtw_get_stats(c, &st);
	return st.routes;
}

/* Prefixes of one hash bucket: index i of N. The first three added take
 * the bucket's ways, the others its chain, the first of them deepest. */
#define CHAIN_N 40
static char chain_pfx[CHAIN_N][24];

static void chain_pick(struct rtw_ctx *c)
{
	struct rtw_prefix p;
	uint32_t b0 = 0, b;
	unsigned k, n = 0;

	for (k = 0; n < CHAIN_N && k < (1u << 20); k++) {
		snprintf(chain_pfx[n], sizeof(chain_pfx[n]), "10.%u.%u.%u/32", 100 + (k >> 16),
			 (k >> 8) & 255, k & 255);
		assert_int_equal(rtw_prefix_parse(chain_pfx[n], &p), 0);
		b = model_bucket_of(&c->model, AF_INET, 254, p.addr.bytes, 32);
		if (n == 0)
			b0 = b;
		if (b == b0)
			n++;
	}
	assert_int_equal(n, CHAIN_N);
}

/* Route i of the chain added (del false) or deleted; then whether its /32
 * answers and how many routes there are. */
static void chain_step(struct rtw_ctx *c, unsigned i, bool del, size_t routes)
{
	struct sockaddr_storage a;
	struct rtw_route r;
	char host[24];

	evq_push(evq_route(del ? RTW_EV_ROUTE_DEL : RTW_EV_ROUTE_ADD, chain_pfx[i], "192.0.2.1", 2,
			   0, 254, RTW_ROUTE_UNICAST));
	assert_true(rtw_dispatch(c) >= 0);
	assert_int_equal(count_routes(c), routes);
	snprintf(host, sizeof(host), "%s", chain_pfx[i]);
	*strchr(host, '/') = 0;
	a = evq_sa(host);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
	if (del)
		assert_int_not_equal(r.dst.len, 32); /* the default route now */
	else
		assert_int_equal(r.dst.len, 32);
}

/* The model finds a route by hashing its key; a bucket holds a few keys in
 * ways of their own and the rest in a chain, which also holds a summary of
 * its keys, kept as heads come and go; a deletion handles the heads before
 * it one way up to 16 and another way past that. Whatever the place in a
 * bucket, a way or a long chain, a delete takes the route it names, a
 * repeat finds nothing, and an add of a present key replaces it (no
 * second); a way left empty takes the next new key. */
static void long_hash_chain(void **state)
{
	static const unsigned order[] = { 0, 5, 39, 20, 12, 38, 1, 23 };
	struct rtw_ctx *c = setup();
	bool gone[CHAIN_N] = { false };
	size_t base, i, n;

	started(c);
	base = count_routes(c);
	chain_pick(c);
	for (i = 0; i < CHAIN_N; i++)
		chain_step(c, (unsigned)i, false, base + i + 1);
	/* still one bucket with all of them in it: the test means something */
	{
		struct rtw_prefix p, q;

		assert_int_equal(rtw_prefix_parse(chain_pfx[0], &p), 0);
		for (i = 1; i < CHAIN_N; i++) {
			assert_int_equal(rtw_prefix_parse(chain_pfx[i], &q), 0);
			assert_int_equal(
			    model_bucket_of(&c->model, AF_INET, 254, q.addr.bytes, 32),
			    model_bucket_of(&c->model, AF_INET, 254, p.addr.bytes, 32));
		}
	}
	n = base + CHAIN_N;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		chain_step(c, order[i], true, --n);
		chain_step(c, order[i], true, n); /* gone already */
	}
	/* an add of each: the deleted come back, the others are replaced */
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		gone[order[i]] = true;
	for (i = 0; i < CHAIN_N; i++)
		chain_step(c, (unsigned)i, false, gone[i] ? ++n : n);
	/* all of them in the order they were first added, then all back */
	for (i = 0; i < CHAIN_N; i++)
		chain_step(c, (unsigned)i, true, --n);
	assert_int_equal(n, base);
	for (i = CHAIN_N; i-- > 0;)
		chain_step(c, (unsigned)i, false, ++n);
	rtw_free(c);
	(void)state;
}

/* One event, then how many routes the model holds and where 10.9.0.1 goes. */
static void dup_step(struct rtw_ctx *c, struct evq_item it, size_t routes, const char *gw)
{
	char buf[64];

	evq_push(it);
	rtw_dispatch(c);
	assert_int_equal(count_routes(c), routes);
	assert_string_equal(dup_gw(c, buf, sizeof(buf)), gw);
}

/* Linux IPv4 keeps `ip route append` / `prepend` duplicates under one key
 * (table, prefix, tos, metric) as separate routes; the first usable one
 * answers, and a deletion takes the one it names. */
static void ipv4_duplicates_under_one_key(void **state)
{
	struct rtw_ctx *c = setup();
	struct evq_item ov;
	size_t base;

	started(c);
	base = count_routes(c);
	evq_push(dup_route(RTW_EV_ROUTE_ADD, "192.0.2.7", 2, 0));
	/* the first answers */
	dup_step(c, dup_route(RTW_EV_ROUTE_ADD, "198.51.100.7", 3, RTW_EVF_DUP_APPEND), base + 2,
		 "192.0.2.7");
	/* the first goes (deleted by its path): the appended one is left */
	dup_step(c, dup_route(RTW_EV_ROUTE_DEL, "192.0.2.7", 2, 0), base + 1, "198.51.100.7");
	/* a prepend goes before it and answers */
	dup_step(c, dup_route(RTW_EV_ROUTE_ADD, "192.0.2.8", 2, RTW_EVF_DUP_PREPEND), base + 2,
		 "192.0.2.8");
	/* the first one's link goes down: the next one answers */
	dup_step(c, evq_link(2, "eth0", true, false), base + 2, "198.51.100.7");
	dup_step(c, evq_link(2, "eth0", true, true), base + 2, "192.0.2.8");
	/* deleting the second by its path leaves the first */
	dup_step(c, dup_route(RTW_EV_ROUTE_DEL, "198.51.100.7", 3, 0), base + 1, "192.0.2.8");
	/* a re-dump lists both duplicates again, in list order: nothing
	 * doubles, and what the dump no longer has goes */
	dup_step(c, dup_route(RTW_EV_ROUTE_ADD, "198.51.100.9", 3, RTW_EVF_DUP_APPEND), base + 2,
		 "192.0.2.8");
	evq_dump_add(dup_route(RTW_EV_ROUTE_ADD, "192.0.2.8", 2, 0));
	evq_dump_add(dup_route(RTW_EV_ROUTE_ADD, "198.51.100.9", 3, RTW_EVF_DUP_APPEND));
	memset(&ov, 0, sizeof(ov));
	ov.ev.type = RTW_EV_OVERFLOW;
	dup_step(c, ov, base + 2, "192.0.2.8");
	/* without the flags, an add under an existing key replaces (a stale
	 * model, or an OS without duplicates) */
	dup_step(c, dup_route(RTW_EV_ROUTE_ADD, "192.0.2.99", 2, 0), base + 2, "192.0.2.99");
	rtw_free(c);
}

/* Deletes the path (gw, ifindex) of 2001:db8:77::/48 and applies it. */
static void path_delete(struct rtw_ctx *c, const char *gw, int ifindex)
{
	struct evq_item it = evq_route(RTW_EV_ROUTE_DEL, "2001:db8:77::/48", gw, ifindex, 1024, 254,
				       RTW_ROUTE_UNICAST);

	it.ev.flags = RTW_EVF_APPEND;
	evq_push(it);
	rtw_dispatch(c);
}

/* A path deletion (RTW_EVF_APPEND on ROUTE_DEL) takes only the path it
 * names from a multipath route, and the route with its last path. One that
 * names a path the route does not have changes nothing while another route
 * shares the key (Linux deletes siblings its dump had stopped showing, see
 * model_route_del()); the key's only route, with one path, goes (the model
 * was stale: the kernel says the route went). */
static void path_deletes(void **state)
{
	struct rtw_ctx *c = setup();
	struct sockaddr_storage a = evq_sa("2001:db8:77::1");
	struct evq_item it;
	struct rtw_route r;

	started(c);
	it = evq_route(RTW_EV_ROUTE_ADD, "2001:db8:77::/48", "fe80::7", 2, 1024, 254,
		       RTW_ROUTE_UNICAST);
	it.hops[1] = it.hops[0];
	it.hops[1].ifindex = 3;
	it.ev.u.route.n_nexthops = 2;
	evq_push(it);
	rtw_dispatch(c);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
	assert_int_equal(r.n_nexthops, 2);
	path_delete(c, "fe80::7", 3);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
	assert_int_equal(r.n_nexthops, 1);
	assert_int_equal(r.nexthops[0].ifindex, 2);
	/* a blackhole route beside it, under the same metric */
	evq_push(evq_route(RTW_EV_ROUTE_ADD, "2001:db8:77::/48", NULL, 0, 1024, 254,
			   RTW_ROUTE_BLACKHOLE));
	path_delete(c, "fe80::8", 4);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
	assert_int_equal(r.dst.len, 48);
	assert_int_equal(r.nexthops[0].ifindex, 2);
	/* alone under its key, the route goes */
	evq_push(evq_route(RTW_EV_ROUTE_DEL, "2001:db8:77::/48", NULL, 0, 1024, 254,
			   RTW_ROUTE_BLACKHOLE));
	path_delete(c, "fe80::8", 4);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
	assert_int_equal(r.dst.len, 0); /* 2001:db8:77::/48 went: the default answers */
	rtw_free(c);
}

/* A started context, with the indexes of big tables when indexed (so that
 * rtw_lookup() takes its short path). */
static struct rtw_ctx *started_indexed(int indexed)
{
	struct rtw_ctx *c = setup();

	if (indexed)
		model_set_index_min(&c->model, 1);
	started(c);
	return c;
}

/* Queues 10.77.0.0/16 over nexthop object nhid. */
static void push_route_over_object(uint32_t nhid)
{
	struct evq_item it =
	    evq_route(RTW_EV_ROUTE_ADD, "10.77.0.0/16", NULL, 0, 0, 254, RTW_ROUTE_UNICAST);

	it.ev.u.route.n_nexthops = 0;
	it.ev.u.route.nhid = nhid;
	evq_push(it);
}

/* A route through a Linux nexthop object answers with the object's hop, and
 * follows the object when it changes; with the indexes of big tables too,
 * where rtw_lookup() takes its short path. */
static void nexthop_object_lookup(void **state)
{
	struct sockaddr_storage a = evq_sa("10.77.1.1");
	struct rtw_route r;
	char buf[64];
	int indexed;

	for (indexed = 0; indexed < 2; indexed++) {
		struct rtw_ctx *c = started_indexed(indexed);

		evq_push(evq_nhobj(9, 2, "192.0.2.9"));
		push_route_over_object(9);
		rtw_dispatch(c);
		assert_true(rtw_routable(c, (struct sockaddr *)&a));
		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
		assert_int_equal(r.dst.len, 16);
		assert_int_equal(r.nhid, 9);
		assert_int_equal(r.n_nexthops, 1);
		assert_int_equal(r.nexthops[0].ifindex, 2);
		rtw_addr_format(&r.nexthops[0].gateway, buf, sizeof(buf));
		assert_string_equal(buf, "192.0.2.9");
		/* the object moves to another gateway: so does the answer */
		evq_push(evq_nhobj(9, 3, "198.51.100.9"));
		rtw_dispatch(c);
		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
		assert_int_equal(r.nexthops[0].ifindex, 3);
		rtw_addr_format(&r.nexthops[0].gateway, buf, sizeof(buf));
		assert_string_equal(buf, "198.51.100.9");
		rtw_free(c);
	}
}

/* A route over a nexthop object with a gateway goes through that gateway:
 * its changes, and the object's own (`ip nexthop replace id 9 via ...`),
 * ask for a cpdcheck as a plain gateway route's do. An object that loses its
 * gateway changed the gateway too; one without a gateway before or after
 * did not. */
static void cpdcheck_over_nexthop_objects(void **state)
{
	struct rtw_ctx *c = setup();
	struct notes s = { 0 };
	struct evq_item dev;
	int i;

	rtw_set_notice_cb(c, on_notice, &s);
	started(c);
	evq_push(evq_nhobj(9, 2, "192.0.2.9"));
	push_route_over_object(9);
	rtw_dispatch(c);
	assert_int_equal(s.add, 1);
	assert_int_equal(s.cpd, 1);
	evq_push(evq_nhobj(9, 3, "198.51.100.9"));
	rtw_dispatch(c);
	assert_int_equal(s.cpd, 2);
	/* the object becomes device-only, then moves to another device */
	for (i = 0; i < 2; i++) {
		dev = evq_nhobj(9, 3 + i, "198.51.100.9");
		memset(&dev.ev.u.nhobj.hop.gateway, 0, sizeof(dev.ev.u.nhobj.hop.gateway));
		evq_push(dev);
		rtw_dispatch(c);
		assert_int_equal(s.cpd, 3);
	}
	/* each replace of the object was a replace of its route */
	assert_int_equal(s.add, 4);
	/* a route over the device-only object comes and goes */
	dev = evq_route(RTW_EV_ROUTE_ADD, "10.78.0.0/16", NULL, 0, 0, 254, RTW_ROUTE_UNICAST);
	dev.ev.u.route.n_nexthops = 0;
	dev.ev.u.route.nhid = 9;
	evq_push(dev);
	dev.ev.type = RTW_EV_ROUTE_DEL;
	evq_push(dev);
	rtw_dispatch(c);
	assert_int_equal(s.add, 5);
	assert_int_equal(s.del, 1);
	assert_int_equal(s.cpd, 3);
	/* a gateway again, then the route over it goes */
	evq_push(evq_nhobj(9, 2, "192.0.2.9"));
	rtw_dispatch(c);
	assert_int_equal(s.cpd, 4);
	dev = evq_route(RTW_EV_ROUTE_DEL, "10.77.0.0/16", NULL, 0, 0, 254, RTW_ROUTE_UNICAST);
	dev.ev.u.route.n_nexthops = 0;
	dev.ev.u.route.nhid = 9;
	evq_push(dev);
	rtw_dispatch(c);
	assert_int_equal(s.del, 2);
	assert_int_equal(s.cpd, 5);
	rtw_free(c);
}

/* A nexthop object replaced by a blackhole: its routes decide as blackhole
 * routes at once (the kernel's lookup does; it reports them as blackhole
 * routes only when it sends them again), without falling back to the
 * default route, whatever the link-down policy; a gateway again makes them
 * routable. */
static void nexthop_object_blackhole(void **state)
{
	struct sockaddr_storage a = evq_sa("10.77.1.1");
	struct fired f = { 0 };
	struct evq_item it;
	struct rtw_route r;
	int indexed;

	for (indexed = 0; indexed < 2; indexed++) {
		struct rtw_ctx *c = started_indexed(indexed);

		evq_push(evq_nhobj(9, 2, "192.0.2.9"));
		push_route_over_object(9);
		rtw_dispatch(c);
		f.n = 0;
		watch(c, "10.77.1.1", NULL, 0, &f);

		memset(&it, 0, sizeof(it));
		it.ev.type = RTW_EV_NEXTHOP_ADD;
		it.ev.u.nhobj.id = 9;
		it.ev.u.nhobj.family = AF_UNSPEC;
		it.ev.u.nhobj.blackhole = true;
		evq_push(it);
		rtw_dispatch(c);
		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), -EHOSTUNREACH);
		assert_int_equal(r.dst.len, 16);
		assert_int_equal(r.type, RTW_ROUTE_BLACKHOLE);
		assert_int_equal(r.n_nexthops, 0);
		assert_int_equal(f.n, 1);
		assert_int_equal(f.reason, RTW_REASON_UNREACHABLE);

		evq_push(evq_nhobj(9, 3, "198.51.100.9"));
		rtw_dispatch(c);
		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
		assert_int_equal(r.dst.len, 16);
		assert_int_equal(r.type, RTW_ROUTE_UNICAST);
		assert_int_equal(r.n_nexthops, 1);
		assert_int_equal(r.nexthops[0].ifindex, 3);
		rtw_free(c);
	}
}

/* The addition of group id with the n members given. */
static struct evq_item group_event(uint32_t id, const struct rtw_nhobj_member *members, unsigned n)
{
	struct evq_item it;

	memset(&it, 0, sizeof(it));
	it.ev.type = RTW_EV_NEXTHOP_ADD;
	it.ev.u.nhobj.id = id;
	it.ev.u.nhobj.family = AF_UNSPEC;
	it.ev.u.nhobj.n_group = n;
	it.ev.u.nhobj.group = members;
	return it;
}

/* Queues objects 9 (192.0.2.9 on 2) and 11 (198.51.100.11 on 3), group 10
 * of the n members given, and 10.77.0.0/16 over the group. */
static void push_group_route(const struct rtw_nhobj_member *members, unsigned n)
{
	evq_push(evq_nhobj(9, 2, "192.0.2.9"));
	evq_push(evq_nhobj(11, 3, "198.51.100.11"));
	evq_push(group_event(10, members, n));
	push_route_over_object(10);
}

/* A group of one member (`ip nexthop add id 3 group 1,5`): the kernel shows
 * a route over it as one path, with no weight (seen on 6.18); the model
 * says weight 1, "not multipath", not the group's 5. A second member makes
 * it multipath with the group's weights. */
static void nexthop_group_of_one(void **state)
{
	static const struct rtw_nhobj_member one[] = { { 9, 5 } };
	static const struct rtw_nhobj_member two[] = { { 9, 5 }, { 11, 2 } };
	struct sockaddr_storage a = evq_sa("10.77.1.1");
	struct rtw_route r;
	int indexed;

	(void)state;
	for (indexed = 0; indexed < 2; indexed++) {
		struct rtw_ctx *c = started_indexed(indexed);

		push_group_route(one, 1);
		rtw_dispatch(c);
		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
		assert_int_equal(r.n_nexthops, 1);
		assert_int_equal(r.nexthops[0].weight, 1);

		evq_push(group_event(10, two, 2));
		rtw_dispatch(c);
		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
		assert_int_equal(r.n_nexthops, 2);
		assert_int_equal(r.nexthops[0].weight, 5);
		assert_int_equal(r.nexthops[1].weight, 2);
		rtw_free(c);
	}
}

/* A nexthop group loses its members one by one: while one is left the route
 * answers through it alone; when the last goes the kernel removes the group
 * and the routes using it, with no route message (it only says the group
 * went, as a nexthop deletion the model has already carried out), and the
 * address falls back to the default route. */
static void nexthop_group_emptied(void **state)
{
	static const struct rtw_nhobj_member members[] = { { 9, 1 }, { 11, 1 } };
	struct sockaddr_storage a = evq_sa("10.77.1.1");
	struct fired f = { 0 };
	struct evq_item it;
	struct rtw_route r;
	char buf[64];
	int indexed;

	for (indexed = 0; indexed < 2; indexed++) {
		struct rtw_ctx *c = started_indexed(indexed);

		push_group_route(members, 2);
		rtw_dispatch(c);
		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
		assert_int_equal(r.dst.len, 16);
		assert_int_equal(r.nhid, 10);
		assert_int_equal(r.n_nexthops, 2);

		memset(&it, 0, sizeof(it));
		it.ev.type = RTW_EV_NEXTHOP_DEL;
		it.ev.u.nhobj.id = 11;
		evq_push(it);
		rtw_dispatch(c);
		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
		assert_int_equal(r.dst.len, 16);
		assert_int_equal(r.n_nexthops, 1);
		assert_int_equal(r.nexthops[0].ifindex, 2);
		rtw_addr_format(&r.nexthops[0].gateway, buf, sizeof(buf));
		assert_string_equal(buf, "192.0.2.9");

		f.n = 0;
		watch(c, "10.77.1.1", NULL, 0, &f);
		it.ev.u.nhobj.id = 9;
		evq_push(it);
		rtw_dispatch(c);
		assert_int_equal(f.n, 1);
		assert_int_equal(f.reason, RTW_REASON_ROUTE_REMOVED);
		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
		assert_int_equal(r.dst.len, 0);
		rtw_addr_format(&r.nexthops[0].gateway, buf, sizeof(buf));
		assert_string_equal(buf, "192.0.2.1");
		assert_int_equal(c->model.n_nhobjs, 0);

		/* the kernel's own word that the group went changes nothing */
		it.ev.u.nhobj.id = 10;
		evq_push(it);
		assert_true(rtw_dispatch(c) >= 0);
		assert_int_equal(f.n, 1);
		assert_int_equal(c->model.n_nhobjs, 0);
		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
		assert_int_equal(r.dst.len, 0);
		rtw_free(c);
	}
}

/* A group whose id is below a member's comes before that member in a dump
 * (Linux dumps by id: `ip nexthop add id 10 group 9/11` after 9 and 11):
 * the member, once there, joins the group's hops. */
static void nexthop_group_before_member(void **state)
{
	static const struct rtw_nhobj_member members[] = { { 9, 1 }, { 11, 1 } };
	struct sockaddr_storage a = evq_sa("10.77.1.1");
	struct rtw_route r;
	int indexed;

	(void)state;
	for (indexed = 0; indexed < 2; indexed++) {
		struct rtw_ctx *c = started_indexed(indexed);

		evq_push(evq_nhobj(9, 2, "192.0.2.9"));
		evq_push(group_event(10, members, 2));
		push_route_over_object(10);
		rtw_dispatch(c);
		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
		assert_int_equal(r.n_nexthops, 1);
		evq_push(evq_nhobj(11, 3, "198.51.100.11"));
		rtw_dispatch(c);
		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
		assert_int_equal(r.dst.len, 16);
		assert_int_equal(r.n_nexthops, 2);
		assert_int_equal(r.nexthops[1].ifindex, 3);
		rtw_free(c);
	}
}

/* lookup of 10.<o>.1.1: the matched length, and with gw the gateway of its
 * one hop */
static void group_answer(struct rtw_ctx *c, unsigned o, unsigned len, const char *gw)
{
	struct sockaddr_storage a;
	struct rtw_route r;
	char buf[64];

	snprintf(buf, sizeof(buf), "10.%u.1.1", o);
	a = evq_sa(buf);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
	assert_int_equal(r.dst.len, len);
	if (!gw)
		return;
	assert_int_equal(r.n_nexthops, 1);
	rtw_addr_format(&r.nexthops[0].gateway, buf, sizeof(buf));
	assert_string_equal(buf, gw);
}

/* 10.<o>.0.0/16 over nexthop object nhid, queued live or in the dump. */
static struct evq_item object_route(unsigned o, uint32_t nhid)
{
	char dst[32];
	struct evq_item it;

	snprintf(dst, sizeof(dst), "10.%u.0.0/16", o);
	it = evq_route(RTW_EV_ROUTE_ADD, dst, NULL, 0, 0, 254, RTW_ROUTE_UNICAST);
	it.ev.u.route.n_nexthops = 0;
	it.ev.u.route.nhid = nhid;
	return it;
}

/* Objects that go together: one member of twenty-one groups (of one it was
 * the only usable member), a member whose groups it was the last of (they
 * go, with their routes, as in the kernel), and a resync that finds six
 * objects gone at once. Every group keeps its other members and nothing
 * else. */
static void nexthop_objects_gone_together(void **state)
{
	static struct rtw_nhobj_member two[21][2], five = { 5, 1 },
						   six_seven[2] = { { 6, 1 }, { 7, 1 } };
	static struct rtw_nhobj_member one[21], with_41[2] = { { 41, 1 }, { 40, 1 } };
	struct evq_item it;
	struct fired f = { 0 };
	char gw[21][32];
	unsigned i;
	int indexed;

	(void)state;
	for (i = 1; i <= 20; i++) {
		snprintf(gw[i], sizeof(gw[i]), "192.0.2.%u", 100 + i);
		two[i][0].id = i;
		two[i][1].id = 40;
		two[i][0].weight = two[i][1].weight = 1;
		one[i].id = i;
		one[i].weight = 1;
	}
	for (indexed = 0; indexed < 2; indexed++) {
		struct rtw_ctx *c = started_indexed(indexed);

		for (i = 1; i <= 20; i++)
			evq_push(evq_nhobj(i, 2, gw[i]));
		evq_push(evq_nhobj(40, 3, "198.51.100.40"));
		for (i = 1; i <= 20; i++) {
			evq_push(group_event(1000 + i, two[i], 2));
			evq_push(object_route(100 + i, 1000 + i));
		}
		evq_push(group_event(1030, &five, 1));
		evq_push(group_event(1031, six_seven, 2));
		evq_push(object_route(200, 1030));
		evq_push(object_route(201, 1031));
		evq_push(object_route(202, 8));
		/* 1032 is usable through 40 alone: wg0 is down */
		evq_push(evq_link(4, "wg0", false, false));
		evq_push(evq_nhobj(41, 4, "100.64.0.41"));
		evq_push(group_event(1032, with_41, 2));
		evq_push(object_route(203, 1032));
		rtw_dispatch(c);
		assert_int_equal(c->model.n_nhobjs, 45);
		group_answer(c, 203, 16, NULL);

		/* 40 leaves all twenty groups */
		memset(&it, 0, sizeof(it));
		it.ev.type = RTW_EV_NEXTHOP_DEL;
		it.ev.u.nhobj.id = 40;
		evq_push(it);
		rtw_dispatch(c);
		assert_int_equal(c->model.n_nhobjs, 44);
		for (i = 1; i <= 20; i++)
			group_answer(c, 100 + i, 16, gw[i]);
		group_answer(c, 203, 0, NULL);

		/* 5 was the last member of 1005 and 1030 */
		f.n = 0;
		watch(c, "10.200.1.1", NULL, 0, &f);
		it.ev.u.nhobj.id = 5;
		evq_push(it);
		rtw_dispatch(c);
		assert_int_equal(f.n, 1);
		assert_int_equal(f.reason, RTW_REASON_ROUTE_REMOVED);
		assert_int_equal(c->model.n_nhobjs, 41);
		group_answer(c, 105, 0, NULL);
		group_answer(c, 200, 0, NULL);
		group_answer(c, 201, 16, NULL);

		/* events were lost while 6, 7 and 8 went, and with them 1006,
		 * 1007, 1031 and the routes over all of those: the re-dump lists
		 * the rest */
		evq_dump_add(evq_nhobj(41, 4, "100.64.0.41"));
		evq_dump_add(group_event(1032, &with_41[0], 1));
		evq_dump_add(object_route(203, 1032));
		for (i = 1; i <= 20; i++) {
			if (i >= 5 && i <= 8)
				continue;
			evq_dump_add(evq_nhobj(i, 2, gw[i]));
			evq_dump_add(group_event(1000 + i, &one[i], 1));
			evq_dump_add(object_route(100 + i, 1000 + i));
		}
		memset(&it, 0, sizeof(it));
		it.ev.type = RTW_EV_OVERFLOW;
		evq_push(it);
		assert_true(rtw_dispatch(c) >= 0);
		assert_int_equal(c->model.n_nhobjs, 34);
		for (i = 1; i <= 20; i++)
			group_answer(c, 100 + i, i >= 5 && i <= 8 ? 0 : 16,
				     i >= 5 && i <= 8 ? NULL : gw[i]);
		group_answer(c, 201, 0, NULL);
		group_answer(c, 202, 0, NULL);
		rtw_free(c);
	}
}

/* A link-local peer is reached on the interface its scope id names: every
 * link has its own fe80::/64, and the lookup and the watch use that
 * interface's route alone, as the kernel does for such a destination. So a
 * watch on fe80::1%eth1 fires when eth1 goes down, and not when eth0 does. */
static void link_local_peer_scope(void **state)
{
	struct sockaddr_storage ss = evq_sa("fe80::1");
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct fired f2 = { 0 }, f3 = { 0 };
	struct rtw_route r;
	struct rtw_ctx *c = setup();

	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "fe80::/64", NULL, 2, 256, 254, RTW_ROUTE_UNICAST));
	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "fe80::/64", NULL, 3, 256, 254, RTW_ROUTE_UNICAST));
	started(c);
	s6->sin6_scope_id = 3;
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&ss, &r), 0);
	assert_int_equal(r.dst.len, 64);
	assert_int_equal(r.nexthops[0].ifindex, 3);
	assert_non_null(rtw_watch_add(c, (struct sockaddr *)&ss, NULL, 0, on_fire, &f3));
	s6->sin6_scope_id = 2;
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&ss, &r), 0);
	assert_int_equal(r.nexthops[0].ifindex, 2);
	assert_non_null(rtw_watch_add(c, (struct sockaddr *)&ss, NULL, 0, on_fire, &f2));
	/* no route on lo (1): the default route via eth0 does not count */
	s6->sin6_scope_id = 1;
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&ss, &r), -ENETUNREACH);

	evq_push(evq_link(3, "eth1", true, false));
	rtw_dispatch(c);
	assert_int_equal(f3.n, 1);
	assert_int_equal(f3.reason, RTW_REASON_LINK_DOWN);
	assert_int_equal(f2.n, 0);
	evq_push(evq_link(2, "eth0", true, false));
	rtw_dispatch(c);
	assert_int_equal(f2.n, 1);
	assert_int_equal(f2.reason, RTW_REASON_LINK_DOWN);
	rtw_free(c);
}

/* A hop that a message called dead (a dump while its link had no carrier
 * and ignore_routes_with_linkdown was set: the kernel reports such hops
 * dead) carries traffic again once its link is back: the kernel clears the
 * flag without a route message (fib_sync_up()). */
static int default_hop_flags(const struct rtw_route *r, void *user)
{
	if (r->dst.addr.family == AF_INET && r->dst.len == 0 && r->metric == 100)
		*(unsigned *)user = r->nexthops[0].flags;
	return 0;
}

static void dead_hop_revives_with_its_link(void **state)
{
	struct sockaddr_storage a = evq_sa("8.8.8.8");
	unsigned flags = 0;
	struct evq_item dead =
	    evq_route(RTW_EV_ROUTE_ADD, "0.0.0.0/0", "192.0.2.1", 2, 100, 254, RTW_ROUTE_UNICAST);
	struct rtw_route r;
	struct rtw_ctx *c = setup();

	started(c);
	evq_push(evq_link(2, "eth0", true, false));
	evq_push(
	    evq_route(RTW_EV_ROUTE_DEL, "0.0.0.0/0", "192.0.2.1", 2, 100, 254, RTW_ROUTE_UNICAST));
	dead.hops[0].flags = RTW_NH_DEAD | RTW_NH_LINKDOWN;
	evq_push(dead);
	rtw_dispatch(c);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
	assert_int_equal(r.metric, 200);
	evq_push(evq_link(2, "eth0", true, true));
	rtw_dispatch(c);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
	assert_int_equal(r.metric, 100);
	assert_int_equal(r.nexthops[0].flags, 0);
	/* taken down, the kernel marks it dead itself; a lost carrier only
	 * link-down */
	evq_push(evq_link(2, "eth0", false, false));
	rtw_dispatch(c);
	assert_int_equal(rtw_foreach_route(c, default_hop_flags, &flags), 0);
	assert_int_equal(flags, RTW_NH_DEAD | RTW_NH_LINKDOWN);
	evq_push(evq_link(2, "eth0", true, false));
	rtw_dispatch(c);
	assert_int_equal(rtw_foreach_route(c, default_hop_flags, &flags), 0);
	assert_int_equal(flags, RTW_NH_LINKDOWN);
	rtw_free(c);
}

/* What the backend says when asked after a carrier loss: eth0's IPv6
 * setting, off (the kernel may have changed it without telling: 6.1). */
static int carrier_calls;

static int carrier_lost_netconf(struct rtw_backend *b, rtw_sink *sink, void *arg)
{
	struct rtw_event e;
	int r;

	(void)b;
	carrier_calls++;
	memset(&e, 0, sizeof(e));
	e.type = RTW_EV_NETCONF;
	e.u.netconf.family = AF_INET6;
	e.u.netconf.ifindex = 2;
	r = sink(arg, &e);
	return r < 0 ? r : 1;
}

/* A started context over the test backend with carrier_lost (and more,
 * unless NULL) answering. */
static struct rtw_ctx *carrier_ctx(struct rtw_backend_ops *ops,
				   bool (*more)(const struct rtw_backend *b))
{
	struct rtw_options o = { 0 };
	struct rtw_ctx *c;

	rtw_free(setup()); /* fills the queue */
	*ops = evq_ops;
	ops->carrier_lost = carrier_lost_netconf;
	ops->more = more;
	carrier_calls = 0;
	o.linkdown = RTW_LINKDOWN_DEFAULT;
	c = evq_ctx(&o);
	c->ops = ops;
	started(c);
	return c;
}

/* The backend is asked again for what decides lookups over links without
 * carrier when a link that was up loses it, once per dispatch, after the
 * events read; not when a link is taken down, nor for one that comes up
 * without carrier or had none. */
static void carrier_loss_asks_the_backend_again(void **state)
{
	static struct rtw_backend_ops ops;
	struct sockaddr_storage a = evq_sa("2001:4860::1");
	struct rtw_route r;
	struct rtw_ctx *c = carrier_ctx(&ops, NULL);

	evq_push(evq_link(3, "eth1", false, false));
	evq_push(evq_link(9, "veth9", true, false));
	rtw_dispatch(c);
	assert_int_equal(carrier_calls, 0);
	/* the backend's default for IPv6 passes over eth0's route; the
	 * setting read again keeps it, unroutable, as the kernel does */
	evq_push(evq_link(2, "eth0", true, false));
	assert_true(rtw_dispatch(c) >= 2);
	assert_int_equal(carrier_calls, 1);
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), -EHOSTUNREACH);
	evq_push(evq_link(2, "eth0", true, false));
	rtw_dispatch(c);
	assert_int_equal(carrier_calls, 1);
	evq_push(evq_link(2, "eth0", true, true));
	evq_push(evq_link(2, "eth0", true, false));
	evq_push(evq_link(9, "veth9", true, true));
	evq_push(evq_link(9, "veth9", true, false));
	rtw_dispatch(c);
	assert_int_equal(carrier_calls, 2);
	rtw_free(c);
}

/* What the backend says of its last read: stopped at its bound or not. */
static bool reads_left_some;

static bool more_queued(const struct rtw_backend *b)
{
	(void)b;
	return reads_left_some;
}

/* A read that stopped at its bound left notifications queued, older than
 * what the backend would be asked after a carrier loss: it is asked on the
 * call whose read emptied the queue, once. */
static void carrier_loss_asks_after_the_queue_is_read(void **state)
{
	static struct rtw_backend_ops ops;
	struct rtw_ctx *c = carrier_ctx(&ops, more_queued);

	reads_left_some = true;
	evq_push(evq_link(2, "eth0", true, false));
	assert_true(rtw_dispatch(c) >= 1);
	assert_int_equal(carrier_calls, 0);
	rtw_dispatch(c);
	assert_int_equal(carrier_calls, 0);
	reads_left_some = false;
	rtw_dispatch(c);
	assert_int_equal(carrier_calls, 1);
	rtw_dispatch(c);
	assert_int_equal(carrier_calls, 1);
	rtw_free(c);
}

/* Routes to the host's own addresses go on when the address's link loses
 * its carrier, or is taken down: the kernel never marks their hops
 * (fib_sync_down_dev() passes over hops of scope host, fib6_ifdown() over
 * local routes), and a connection to a local address keeps working. */
static void local_routes_outlive_their_link(void **state)
{
	static const char *const own[] = { "192.0.2.10", "2001:db8::10" };
	enum rtw_linkdown_policy pol;

	for (pol = RTW_LINKDOWN_FALLBACK; pol <= RTW_LINKDOWN_FAIL; pol++) {
		struct rtw_options o = { 0 };
		struct fired f[2] = { { 0 }, { 0 } };
		struct rtw_route r;
		struct rtw_ctx *c;
		unsigned i;

		rtw_free(setup()); /* fills the queue */
		evq_dump_add(
		    evq_route(RTW_EV_ROUTE_ADD, "192.0.2.10/32", NULL, 2, 0, 255, RTW_ROUTE_LOCAL));
		evq.dump[evq.n_dump - 1].ev.u.route.scope = 254;
		evq_dump_add(evq_route(RTW_EV_ROUTE_ADD, "2001:db8::10/128", NULL, 2, 0, 255,
				       RTW_ROUTE_LOCAL));
		o.linkdown = pol;
		c = evq_ctx(&o);
		started(c);
		for (i = 0; i < 2; i++)
			watch(c, own[i], own[i], 0, &f[i]);
		evq_push(evq_link(2, "eth0", true, false));
		evq_push(evq_link(2, "eth0", false, false));
		rtw_dispatch(c);
		for (i = 0; i < 2; i++) {
			struct sockaddr_storage a = evq_sa(own[i]);

			assert_int_equal(f[i].n, 0);
			assert_int_equal(rtw_lookup(c, (struct sockaddr *)&a, &r), 0);
			assert_int_equal(r.type, RTW_ROUTE_LOCAL);
			assert_int_equal(r.nexthops[0].flags, 0);
		}
		rtw_free(c);
	}
}

/* The model lists each link's addresses (what a watch moved onto a link
 * asks about): random adds and deletes over a few links, whose records move
 * in the model's array as others go, answered as a scan of them all does. */
static void addresses_listed_by_link(void **state)
{
	static const uint32_t tables[] = { RTW_TABLE_MAIN };
	struct rtw_mem mem = { 0 };
	struct model m;
	struct rtw_address a;
	struct rtw_addr probe;
	unsigned step, i;
	uint64_t x = 0x9e3779b97f4a7c15u;
	int l, l2, fam;

	(void)state;
	assert_int_equal(model_init(&m, &mem, tables, 1, RTW_LINKDOWN_FALLBACK), 0);
	for (step = 0; step < 4000; step++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memset(&a, 0, sizeof(a));
		a.ifindex = (int)(x % 5); /* 0 .. 4: ifindex 0 is kept, too */
		fam = (x >> 8) % 4 ? AF_INET : AF_INET6;
		a.prefix.addr.family = (sa_family_t)fam;
		a.prefix.addr.bytes[0] = fam == AF_INET ? 10 : 0x20;
		a.prefix.addr.bytes[1] = (uint8_t)((x >> 12) % 6);
		a.prefix.addr.bytes[fam == AF_INET ? 3 : 15] = (uint8_t)((x >> 16) % 4 + 1);
		a.prefix.len =
		    (uint8_t)(fam == AF_INET ? 16 + (x >> 20) % 17 : 64 + (x >> 20) % 65);
		if ((x >> 30) % 3)
			assert_true(model_addr_add(&m, &a) >= 0);
		else
			assert_true(model_addr_del(&m, &a) >= 0);
		/* answers as a scan of every address gives */
		probe = a.prefix.addr;
		probe.bytes[fam == AF_INET ? 3 : 15] ^= (uint8_t)(x >> 40);
		for (l = 0; l < 5; l++) {
			bool want = false, share;

			for (i = 0; i < m.n_addrs; i++)
				want = want || (m.addrs[i].addr.ifindex == l &&
						m.addrs[i].addr.prefix.addr.family == fam &&
						prefix_contains(&m.addrs[i].addr.prefix, &probe));
			assert_int_equal(model_link_reaches(&m, l, &probe), want);
			for (l2 = 0; l2 < 5; l2++) {
				unsigned j;

				share = false;
				for (i = 0; i < m.n_addrs; i++) {
					const struct rtw_address *y = &m.addrs[i].addr;

					if (y->ifindex != l2 || y->prefix.addr.family != fam)
						continue;
					for (j = 0; j < m.n_addrs; j++)
						share =
						    share ||
						    (m.addrs[j].addr.ifindex == l &&
						     m.addrs[j].addr.prefix.addr.family == fam &&
						     prefix_contains(&m.addrs[j].addr.prefix,
								     &y->prefix.addr));
				}
				assert_int_equal(model_links_share_net(&m, l, l2, fam), share);
			}
		}
	}
	/* a negative interface index is refused */
	a.ifindex = -1;
	assert_int_equal(model_addr_add(&m, &a), -EINVAL);
	model_fini(&m);
	assert_int_equal(mem.bytes, 0);
}

/* Each interface has its own fe80::/64, and a router often has the same
 * link-local address on several: a connection from fe80::1 on eth0 loses
 * its address when eth0 does, whatever eth1 has. */
static void link_local_address_of_its_interface(void **state)
{
	struct sockaddr_storage p = evq_sa("fe80::fe"), l = evq_sa("fe80::1");
	struct fired scoped = { 0 }, unscoped = { 0 };
	struct rtw_ctx *c = setup();

	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "fe80::/64", NULL, 2, 256, 254, RTW_ROUTE_UNICAST));
	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "fe80::/64", NULL, 3, 256, 254, RTW_ROUTE_UNICAST));
	evq_dump_add(evq_addr(RTW_EV_ADDR_ADD, "fe80::1", 64, 2));
	evq_dump_add(evq_addr(RTW_EV_ADDR_ADD, "fe80::1", 64, 3));
	started(c);
	((struct sockaddr_in6 *)&p)->sin6_scope_id = 2;
	((struct sockaddr_in6 *)&l)->sin6_scope_id = 2;
	assert_non_null(
	    rtw_watch_add(c, (struct sockaddr *)&p, (struct sockaddr *)&l, 0, on_fire, &scoped));
	/* a source without its scope id: the peer's interface */
	((struct sockaddr_in6 *)&p)->sin6_scope_id = 3;
	((struct sockaddr_in6 *)&l)->sin6_scope_id = 0;
	assert_non_null(
	    rtw_watch_add(c, (struct sockaddr *)&p, (struct sockaddr *)&l, 0, on_fire, &unscoped));
	evq_push(evq_addr(RTW_EV_ADDR_DEL, "fe80::1", 64, 3));
	rtw_dispatch(c);
	assert_int_equal(scoped.n, 0);
	assert_int_equal(unscoped.n, 1);
	assert_int_equal(unscoped.reason, RTW_REASON_LOCAL_ADDRESS_REMOVED);
	evq_push(evq_addr(RTW_EV_ADDR_DEL, "fe80::1", 64, 2));
	rtw_dispatch(c);
	assert_int_equal(scoped.n, 1);
	assert_int_equal(scoped.reason, RTW_REASON_LOCAL_ADDRESS_REMOVED);
	rtw_free(c);
}

/* A multicast group of link or interface scope (ff02::, ff01::) is reached on
 * the interface its scope id names too: every link has its own ff00::/8 in
 * the local table, and the kernel looks such a destination up on that
 * interface (ip -6 route get ff02::fb oif eth1 gives eth1's route). The
 * scope id of a wider group (ff05::) is ignored, as connect() ignores it. */
static void link_local_multicast_scope(void **state)
{
	struct sockaddr_storage ss = evq_sa("ff02::fb"), wide = evq_sa("ff05::1:3");
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct fired f2 = { 0 }, f3 = { 0 };
	struct rtw_route r, unscoped;
	struct rtw_ctx *c = setup();
	uint32_t scope;

	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "ff00::/8", NULL, 2, 256, 255, RTW_ROUTE_MULTICAST));
	evq_dump_add(
	    evq_route(RTW_EV_ROUTE_ADD, "ff00::/8", NULL, 3, 256, 255, RTW_ROUTE_MULTICAST));
	started(c);
	for (scope = 2; scope <= 3; scope++) {
		s6->sin6_scope_id = scope;
		s6->sin6_addr.s6_addr[1] = 0x02;
		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&ss, &r), 0);
		assert_int_equal(r.type, RTW_ROUTE_MULTICAST);
		assert_int_equal(r.dst.len, 8);
		assert_int_equal(r.nexthops[0].ifindex, scope);
		/* interface-local scope, and a transient group's flags */
		s6->sin6_addr.s6_addr[1] = 0x11;
		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&ss, &r), 0);
		assert_int_equal(r.nexthops[0].ifindex, scope);
	}
	s6->sin6_addr.s6_addr[1] = 0x02;
	s6->sin6_scope_id = 1; /* lo: no ff00::/8 of its own */
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&ss, &r), -ENETUNREACH);

	/* site scope: the same answer whatever the scope id says */
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&wide, &unscoped), 0);
	for (scope = 1; scope <= 3; scope++) {
		((struct sockaddr_in6 *)&wide)->sin6_scope_id = scope;
		assert_int_equal(rtw_lookup(c, (struct sockaddr *)&wide, &r), 0);
		assert_int_equal(r.nexthops[0].ifindex, unscoped.nexthops[0].ifindex);
	}

	s6->sin6_scope_id = 3;
	assert_non_null(rtw_watch_add(c, (struct sockaddr *)&ss, NULL, 0, on_fire, &f3));
	s6->sin6_scope_id = 2;
	assert_non_null(rtw_watch_add(c, (struct sockaddr *)&ss, NULL, 0, on_fire, &f2));
	evq_push(evq_link(3, "eth1", true, false));
	rtw_dispatch(c);
	assert_int_equal(f3.n, 1);
	assert_int_equal(f3.reason, RTW_REASON_LINK_DOWN);
	assert_int_equal(f2.n, 0);
	rtw_free(c);
}

/* rtw_watch_socket with RTW_WATCH_SHUTDOWN: the application's own read sees
 * the end of the stream, without any callback code. */
static void socket_watch_shuts_down(void **state)
{
	struct rtw_ctx *c = setup();
	struct sockaddr_in sa = { 0 };
	socklen_t len = sizeof(sa);
	int lfd, cfd, afd;
	struct rtw_watch *w;
	char buf[4];

	started(c);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(cfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	afd = accept(lfd, NULL, NULL);
	assert_true(afd >= 0);

	w = rtw_watch_socket(c, cfd, RTW_WATCH_SHUTDOWN, NULL, NULL);
	assert_non_null(w);
	assert_int_equal(rtw_watch_status(w, NULL), RTW_REASON_NONE);
	evq_push(evq_route(RTW_EV_ROUTE_DEL, "127.0.0.0/8", NULL, 1, 0, 255, RTW_ROUTE_LOCAL));
	rtw_dispatch(c);
	assert_int_equal(rtw_watch_status(w, NULL), RTW_REASON_ROUTE_REMOVED);
	assert_int_equal(recv(cfd, buf, sizeof(buf), MSG_DONTWAIT), 0); /* EOF: shut down */

	/* closed without deleting its watch, and the number taken by another
	 * connection (to the same peer): that one is not shut down */
	{
		int c2 = socket(AF_INET, SOCK_STREAM, 0), a2, num;
		struct rtw_watch *w2;

		assert_true(c2 >= 0);
		evq_push(
		    evq_route(RTW_EV_ROUTE_ADD, "127.0.0.0/8", NULL, 1, 0, 255, RTW_ROUTE_LOCAL));
		rtw_dispatch(c);
		num = dup(cfd);
		assert_true(num >= 0);
		w2 = rtw_watch_socket(c, num, RTW_WATCH_SHUTDOWN, NULL, NULL);
		assert_non_null(w2);
		assert_int_equal(connect(c2, (struct sockaddr *)&sa, sizeof(sa)), 0);
		a2 = accept(lfd, NULL, NULL);
		assert_true(a2 >= 0);
		assert_int_equal(dup2(c2, num), num); /* closes the watched one */
		evq_push(
		    evq_route(RTW_EV_ROUTE_DEL, "127.0.0.0/8", NULL, 1, 0, 255, RTW_ROUTE_LOCAL));
		rtw_dispatch(c);
		assert_int_equal(rtw_watch_status(w2, NULL), RTW_REASON_ROUTE_REMOVED);
		assert_int_equal(send(num, "x", 1, MSG_NOSIGNAL), 1); /* still open */
		assert_int_equal(recv(a2, buf, sizeof(buf), 0), 1);
		close(num);
		close(c2);
		close(a2);
	}

	/* not a socket, not connected */
	assert_null(rtw_watch_socket(c, lfd, 0, NULL, NULL));
	assert_int_equal(errno, ENOTCONN);
	assert_null(rtw_watch_add(c, (struct sockaddr *)&sa, NULL, RTW_WATCH_SHUTDOWN, NULL, NULL));
	assert_int_equal(errno, EINVAL);
	close(afd);
	close(cfd);
	close(lfd);
	rtw_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lookups_follow_kernel_policy),
		cmocka_unit_test(named_tables_are_searched_in_turn),
		cmocka_unit_test(unreachable_types_and_throw),
		cmocka_unit_test(no_route),
		cmocka_unit_test(unreachable),
		cmocka_unit_test(primary_gateway_removed),
		cmocka_unit_test(link_down),
		cmocka_unit_test(link_down_fails_lookup_on_freebsd_policy),
		cmocka_unit_test(local_address_removed),
		cmocka_unit_test(local_routes_make_local_addresses),
		cmocka_unit_test(path_change_only_with_flag),
		cmocka_unit_test(lookups_through_a_device),
		cmocka_unit_test(leaving_the_local_link),
		cmocka_unit_test(moves_that_keep_the_source),
		cmocka_unit_test(same_way_after_a_removal),
		cmocka_unit_test(unrelated_changes_leave_watches_alone),
		cmocka_unit_test(coldplug_never_invalidates),
		cmocka_unit_test(callbacks_may_change_watches),
		cmocka_unit_test(notices),
		cmocka_unit_test(replace_notices),
		cmocka_unit_test(status_after_firing),
		cmocka_unit_test(cpdcheck_on_default_moves),
		cmocka_unit_test(cpdcheck_over_nexthop_objects),
		cmocka_unit_test(resync_reconciles),
		cmocka_unit_test(ipv4_duplicates_under_one_key),
		cmocka_unit_test(long_hash_chain),
		cmocka_unit_test(path_deletes),
		cmocka_unit_test(nexthop_object_lookup),
		cmocka_unit_test(nexthop_group_of_one),
		cmocka_unit_test(nexthop_group_emptied),
		cmocka_unit_test(nexthop_objects_gone_together),
		cmocka_unit_test(nexthop_group_before_member),
		cmocka_unit_test(nexthop_object_blackhole),
		cmocka_unit_test(link_local_peer_scope),
		cmocka_unit_test(link_local_multicast_scope),
		cmocka_unit_test(dead_hop_revives_with_its_link),
		cmocka_unit_test(local_routes_outlive_their_link),
		cmocka_unit_test(carrier_loss_asks_the_backend_again),
		cmocka_unit_test(carrier_loss_asks_after_the_queue_is_read),
		cmocka_unit_test(addresses_listed_by_link),
		cmocka_unit_test(link_local_address_of_its_interface),
		cmocka_unit_test(socket_watch_shuts_down),
	};

	test_output_tap();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
