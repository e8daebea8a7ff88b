/* tests/fuzz/fuzz_model.c: libFuzzer entry point for the model, the engine and
 * the watches. The input is a stream of operations, applied both to a real
 * context on the in-memory backend (tests/unit/evq.h) and to a deliberately
 * naive reference model kept here; any disagreement is an abort(). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evq.h"

#define MAX_ROUTES  600
#define MAX_LINKS   8
#define MAX_ADDRS   32
#define MAX_WATCHES 48
#define N_IFINDEX   5 /* links 1..4 may be announced; 5 never is */
#define HOPS	    2

/* RTW_FUZZ_TRACE=1 prints each operation, to read a crash input. */
static bool tracing;

static void trace(const char *fmt, ...)
{
	va_list ap;

	if (!tracing)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static void fail(const char *what, const struct rtw_addr *a)
{
	char text[64] = "";

	if (a)
		rtw_addr_format(a, text, sizeof(text));
	fprintf(stderr, "fuzz_model: %s %s\n", what, text);
	abort();
}

/* ---- the input ------------------------------------------------------- */

struct in {
	const uint8_t *p;
	size_t left;
};

/* Past the end the stream reads as zeros, so every prefix of an input is
 * itself a valid input and the fuzzer can shorten it freely. */
static uint8_t take(struct in *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

/* Addresses are drawn around a few anchors so that prefixes nest and a
 * probe often falls inside several of them. */
static const char *const anchors[] = {
	"10.1.2.3",    "10.1.200.7",	  "192.168.1.1", "127.0.0.1",
	"2001:db8::1", "2001:db8:0:1::5", "fe80::1",	 "::1",
};

static struct rtw_addr anchor_addr(unsigned i)
{
	struct rtw_addr a;

	rtw_addr_parse(anchors[i % 8], &a);
	return a;
}

/* An anchor with one byte changed: nearby, not always inside. */
static struct rtw_addr take_addr(struct in *in)
{
	uint8_t sel = take(in), x = take(in);
	struct rtw_addr a = anchor_addr(sel);

	if (sel & 8)
		a.bytes[(x >> 4) % addr_len(a.family)] ^= (uint8_t)(x & 0x0f ? x : 0);
	return a;
}

static struct rtw_prefix take_prefix(struct in *in)
{
	struct rtw_prefix p;

	p.addr = take_addr(in);
	p.len = (uint8_t)(take(in) % (addr_bits(p.addr.family) + 1));
	prefix_mask(&p);
	return p;
}

/* ---- the reference model ------------------------------------------- */

struct route {
	uint64_t seq; /* when it came: among equal routes the oldest decides */
	struct rtw_prefix dst;
	uint32_t table, metric, nhid;
	uint8_t tos, type;
	unsigned n_hops;
	struct rtw_nexthop hops[HOPS];
};

/* A Linux nexthop object: one hop, a blackhole, or a group of other
 * objects' ids (only single-hop members count). */
#define N_NHIDS	    4
#define MAX_MEMBERS 3

struct nhobj {
	uint32_t id; /* 0: free */
	bool blackhole;
	struct rtw_nexthop hop;
	unsigned n_members;
	struct rtw_nhobj_member members[MAX_MEMBERS];
};

struct link {
	int ifindex;
	bool admin, carrier;
};

static struct ref {
	struct route routes[MAX_ROUTES];
	size_t n;
	struct link links[MAX_LINKS];
	size_t n_links;
	struct rtw_address addrs[MAX_ADDRS];
	size_t n_addrs;
	struct nhobj nhobjs[N_NHIDS + 1]; /* by id */
} ref;

/* The lookup order and link-down policy of this run (the first input byte
 * picks them); order 0 is the backend's default. */
static const uint32_t orders[4][4] = {
	{ 255, 254, 253 },
	{ 254, 255 },
	{ 100, 254, 255, 253 },
	{ 255, 254, 253 },
};
static const size_t n_orders[4] = { 3, 2, 4, 3 };
static uint32_t order[4];
static size_t n_order;
static bool fail_policy;
/* Linux: IPv4 searches local and main as one table while they come first;
 * IPv6 has no rule for the default table (by default only). */
static bool merge_local_main;
static bool skip6[4];
static uint64_t seq_next;
static const uint32_t linux_tables6[] = { 255, 254, UINT32_MAX };
static struct rtw_backend_ops linux_ops;
static const struct rtw_backend_ops *ops;

static bool unroutable_type(unsigned t)
{
	return t == RTW_ROUTE_BLACKHOLE || t == RTW_ROUTE_UNREACHABLE || t == RTW_ROUTE_PROHIBIT;
}

static bool has_hops(unsigned t)
{
	return !unroutable_type(t) && t != RTW_ROUTE_THROW;
}

/* IPv6 makes multipath siblings of gateway routes only: device-only routes
 * of different interfaces (each link has its own fe80::/64), routes over
 * different nexthop objects and a reject route are routes of their own
 * under one metric, so what tells them apart is part of the key. */
static uint64_t ipv6_disc(const struct route *r)
{
	if (r->dst.addr.family != AF_INET6)
		return 0;
	if (r->nhid)
		return (uint64_t)1 << 32 | r->nhid;
	if (!has_hops(r->type))
		return (uint64_t)2 << 32;
	if (r->n_hops != 1 || r->hops[0].gateway.family != AF_UNSPEC)
		return 0;
	return (uint32_t)r->hops[0].ifindex;
}

static bool same_key(const struct route *a, const struct route *b)
{
	return a->table == b->table && a->metric == b->metric && a->tos == b->tos &&
	       a->dst.len == b->dst.len && addr_eq(&a->dst.addr, &b->dst.addr) &&
	       ipv6_disc(a) == ipv6_disc(b);
}

static struct route *ref_find(const struct route *key)
{
	size_t i;

	for (i = 0; i < ref.n; i++)
		if (same_key(&ref.routes[i], key))
			return &ref.routes[i];
	return NULL;
}

static struct link *ref_link(int ifindex)
{
	size_t i;

	for (i = 0; i < ref.n_links; i++)
		if (ref.links[i].ifindex == ifindex)
			return &ref.links[i];
	return NULL;
}

/* A link nobody announced carries traffic: the kernel would not name it in a
 * route otherwise. */
static bool link_up(int ifindex)
{
	const struct link *l = ref_link(ifindex);

	return !l || (l->admin && l->carrier);
}

/* A route through an object carries traffic when some hop it resolves to
 * is on a link that is up; a missing object, a blackhole or a group with no
 * single-hop member carries nothing. */
static bool nhobj_usable(uint32_t id)
{
	const struct nhobj *o = &ref.nhobjs[id];
	unsigned i;

	if (!o->id || o->blackhole)
		return false;
	if (!o->n_members)
		return link_up(o->hop.ifindex);
	for (i = 0; i < o->n_members; i++) {
		const struct nhobj *m = &ref.nhobjs[o->members[i].id];

		if (m->id && !m->blackhole && !m->n_members && link_up(m->hop.ifindex))
			return true;
	}
	return false;
}

/* A route over a blackhole object decides as a blackhole route does: it
 * fails and is not skipped, and it is reported as one (fib_table_lookup,
 * fib_dump_info). */
static bool over_blackhole(const struct route *r)
{
	return has_hops(r->type) && r->nhid && ref.nhobjs[r->nhid].id &&
	       ref.nhobjs[r->nhid].blackhole;
}

static uint8_t shown_type(const struct route *r)
{
	return over_blackhole(r) ? RTW_ROUTE_BLACKHOLE : r->type;
}

static bool usable(const struct route *r)
{
	unsigned i;

	if (!has_hops(r->type) || over_blackhole(r))
		return true;
	if (r->nhid)
		return nhobj_usable(r->nhid);
	/* the kernel never marks the hops of local and anycast routes down */
	if (r->n_hops == 0 || r->type == RTW_ROUTE_LOCAL || r->type == RTW_ROUTE_ANYCAST)
		return true;
	for (i = 0; i < r->n_hops; i++)
		if (link_up(r->hops[i].ifindex))
			return true;
	return false;
}

static bool better(const struct route *r, const struct route *than)
{
	if (!than || r->dst.len != than->dst.len)
		return !than || r->dst.len > than->dst.len;
	if (r->metric != than->metric)
		return r->metric < than->metric;
	return r->seq < than->seq;
}

static int decide(const struct route *r, const struct route **ret)
{
	*ret = r;
	return unroutable_type(shown_type(r)) || !usable(r) ? -EHOSTUNREACH : 0;
}

/* The policy spelled out, one linear scan: tables in order, the first with a
 * match decides (longest prefix, then lowest metric, then the oldest; TOS 0
 * only); throw passes on; a route whose links are all down is skipped
 * (FALLBACK, Linux) or decides and fails (FAIL, FreeBSD). */
static int ref_lookup(const struct rtw_addr *a, const struct route **ret)
{
	const struct route *best[4] = { NULL, NULL, NULL, NULL };
	size_t i, t, first = 0;

	for (i = 0; i < ref.n; i++) {
		const struct route *r = &ref.routes[i];

		if (r->tos || !prefix_contains(&r->dst, a) || (!fail_policy && !usable(r)))
			continue;
		for (t = 0; t < n_order && order[t] != r->table; t++)
			;
		if (t == n_order || (a->family == AF_INET6 && skip6[t]))
			continue;
		if (better(r, best[t]))
			best[t] = r;
	}
	if (a->family == AF_INET && merge_local_main && n_order >= 2 && order[0] == 255 &&
	    order[1] == 254) {
		first = 2;
		if (best[0] || best[1]) {
			const struct route *r =
			    best[0] && (!best[1] || best[0]->dst.len >= best[1]->dst.len) ? best[0]
											  : best[1];

			/* a throw ends the merged table */
			if (r->type != RTW_ROUTE_THROW)
				return decide(r, ret);
		}
	}
	for (t = first; t < n_order; t++)
		if (best[t] && best[t]->type != RTW_ROUTE_THROW)
			return decide(best[t], ret);
	*ret = NULL;
	return -ENETUNREACH;
}

/* An address of the host's: one of its interfaces', or one that a local
 * route of the local table covers (the longest prefix there decides), as
 * the kernel takes a source address (__ip_dev_find()). */
static bool ref_has_local(const struct rtw_addr *a)
{
	const struct route *best = NULL;
	size_t i;

	for (i = 0; i < ref.n_addrs; i++)
		if (addr_eq(&ref.addrs[i].prefix.addr, a))
			return true;
	for (i = 0; i < ref.n; i++) {
		const struct route *r = &ref.routes[i];

		if (r->table != 255 || r->tos || !prefix_contains(&r->dst, a) ||
		    (!fail_policy && !usable(r)))
			continue;
		if (better(r, best))
			best = r;
	}
	return best && best->type == RTW_ROUTE_LOCAL;
}

static int ref_addr_find(const struct rtw_address *a)
{
	size_t i;

	for (i = 0; i < ref.n_addrs; i++)
		if (ref.addrs[i].ifindex == a->ifindex &&
		    addr_eq(&ref.addrs[i].prefix.addr, &a->prefix.addr))
			return (int)i;
	return -1;
}

/* ---- events for the memory backend ----------------------------------- */

static struct evq_item route_item(enum rtw_event_type t, const struct route *r)
{
	struct evq_item it;

	memset(&it, 0, sizeof(it));
	it.ev.type = t;
	it.ev.u.route.dst = r->dst;
	it.ev.u.route.table = r->table;
	it.ev.u.route.metric = r->metric;
	it.ev.u.route.tos = r->tos;
	it.ev.u.route.type = (enum rtw_route_type)r->type;
	it.ev.u.route.protocol = 4;
	it.ev.u.route.nhid = r->nhid;
	it.ev.u.route.n_nexthops = r->n_hops;
	memcpy(it.hops, r->hops, r->n_hops * sizeof(r->hops[0]));
	return it;
}

static struct evq_item link_item(const struct link *l, bool gone)
{
	struct evq_item it = evq_link(l->ifindex, "", l->admin, l->carrier);

	snprintf(it.ev.u.link.name, sizeof(it.ev.u.link.name), "if%d", l->ifindex);
	if (gone)
		it.ev.type = RTW_EV_LINK_GONE;
	return it;
}

static struct evq_item addr_item(enum rtw_event_type t, const struct rtw_address *a)
{
	struct evq_item it;

	memset(&it, 0, sizeof(it));
	it.ev.type = t;
	it.ev.u.addr = *a;
	return it;
}

/* Group members of queued nexthop events: the event points at them until
 * it has been applied. */
static struct rtw_nhobj_member live_members[EVQ_MAX][MAX_MEMBERS];
static struct rtw_nhobj_member dump_members[EVQ_MAX][MAX_MEMBERS];

static struct evq_item nhobj_item(const struct nhobj *o, bool del, struct rtw_nhobj_member *storage)
{
	struct evq_item it;

	memset(&it, 0, sizeof(it));
	it.ev.type = del ? RTW_EV_NEXTHOP_DEL : RTW_EV_NEXTHOP_ADD;
	it.ev.u.nhobj.id = o->id;
	it.ev.u.nhobj.blackhole = o->blackhole;
	it.ev.u.nhobj.family = o->blackhole || o->n_members ? AF_UNSPEC : AF_INET;
	if (!o->blackhole && !o->n_members)
		it.ev.u.nhobj.hop = o->hop;
	if (o->n_members) {
		memcpy(storage, o->members, o->n_members * sizeof(*storage));
		it.ev.u.nhobj.group = storage;
		it.ev.u.nhobj.n_group = o->n_members;
	}
	return it;
}

static void push(struct evq_item it)
{
	if (evq.n_live == EVQ_MAX)
		abort(); /* the harness drains after every operation */
	evq_push(it);
}

static int by_seq(const void *x, const void *y)
{
	const struct route *a = *(const struct route *const *)x,
			   *b = *(const struct route *const *)y;

	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The next dump is the reference's state, as a kernel would list it: equal
 * routes oldest first, so that the new ones line up as they came. */
static void dump_from_ref(void)
{
	const struct route *sorted[MAX_ROUTES];
	size_t i;

	evq.n_dump = 0;
	for (i = 0; i < ref.n_links; i++)
		evq_dump_add(link_item(&ref.links[i], false));
	for (i = 0; i < ref.n_addrs; i++)
		evq_dump_add(addr_item(RTW_EV_ADDR_ADD, &ref.addrs[i]));
	for (i = 1; i <= N_NHIDS; i++)
		if (ref.nhobjs[i].id)
			evq_dump_add(nhobj_item(&ref.nhobjs[i], false, dump_members[evq.n_dump]));
	for (i = 0; i < ref.n; i++)
		sorted[i] = &ref.routes[i];
	qsort(sorted, ref.n, sizeof(sorted[0]), by_seq);
	for (i = 0; i < ref.n; i++)
		evq_dump_add(route_item(RTW_EV_ROUTE_ADD, sorted[i]));
}

/* ---- watches --------------------------------------------------------- */

struct watch {
	struct rtw_watch *w;
	struct rtw_addr peer, local;
	bool has_local;
	unsigned flags;
	unsigned fired, fired_op;
	enum rtw_reason reason;
};

/* Operations applied so far in this input. */
static unsigned n_ops;

static struct watch watches[MAX_WATCHES];

static void watch_cb(struct rtw_watch *w, enum rtw_reason reason, void *user)
{
	struct watch *x = user;

	if (x->w != w || reason == RTW_REASON_NONE)
		abort();
	x->fired++;
	x->fired_op = n_ops;
	x->reason = reason;
	trace("watch %u fired: %s\n", (unsigned)(x - watches), rtw_reason_str(reason));
}

/* What a fresh evaluation says: the watch is valid when its peer is
 * routable and its local address (if any) is still ours. */
static bool ref_watch_valid(const struct watch *x)
{
	const struct route *r;

	if (x->has_local && !ref_has_local(&x->local))
		return false;
	return ref_lookup(&x->peer, &r) == 0;
}

/* ---- the checks ------------------------------------------------------ */

static void check_lookup(struct rtw_ctx *c, const struct rtw_addr *a)
{
	const struct route *want;
	struct rtw_route got;
	int rw = ref_lookup(a, &want), rg;

	memset(&got, 0, sizeof(got));
	rg = rtw_lookup_addr(c, a, &got);
	if (rg != rw)
		fail("lookup result differs for", a);
	if (!want)
		return;
	if (tracing && (got.table != want->table || got.metric != want->metric ||
			got.dst.len != want->dst.len || !addr_eq(&got.dst.addr, &want->dst.addr))) {
		char g[64], w[64];

		rtw_prefix_format(&got.dst, g, sizeof(g));
		rtw_prefix_format(&want->dst, w, sizeof(w));
		trace("lookup: got %s table %u metric %u, want %s table %u metric %u\n", g,
		      got.table, got.metric, w, want->table, want->metric);
	}
	/* the deciding route is the same one, by key and type */
	if (got.table != want->table || got.metric != want->metric || got.tos != want->tos ||
	    got.type != shown_type(want) || got.dst.len != want->dst.len ||
	    !addr_eq(&got.dst.addr, &want->dst.addr))
		fail("lookup decided by another route for", a);
}

static void trace_route(const char *what, const struct route *r);

static int trace_lib_route(const struct rtw_route *r, void *user)
{
	char p[64], g[64] = "-";

	(void)user;
	rtw_prefix_format(&r->dst, p, sizeof(p));
	if (r->n_nexthops && r->nexthops[0].gateway.family != AF_UNSPEC)
		rtw_addr_format(&r->nexthops[0].gateway, g, sizeof(g));
	trace("lib: %s table %u metric %u type %u nhid %u hops %u (dev %d via %s)\n", p, r->table,
	      r->metric, r->type, r->nhid, r->n_nexthops,
	      r->n_nexthops ? r->nexthops[0].ifindex : 0, g);
	return 0;
}

/* Whether x's path now could have left the link its local address is on:
 * one hop, and the address not assigned on that hop's link. */
static bool left_local_link(const struct watch *x)
{
	struct rtw_route r;
	struct rtw_address a;

	memset(&r, 0, sizeof(r));
	rtw_watch_status(x->w, &r);
	if (r.n_nexthops != 1 || r.nexthops[0].ifindex <= 0)
		return false;
	if (!x->has_local)
		return true;
	memset(&a, 0, sizeof(a));
	a.prefix.addr = x->local;
	a.ifindex = r.nexthops[0].ifindex;
	return ref_addr_find(&a) < 0;
}

/* single: exactly one event was applied, so a fired watch's reason must
 * hold in the state after it. */
static void check_all(struct rtw_ctx *c, bool single)
{
	struct rtw_stats st;
	unsigned i;

	for (i = 0; i < 8; i++) {
		struct rtw_addr a = anchor_addr(i);

		check_lookup(c, &a);
		a.bytes[addr_len(a.family) - 1] ^= 0x80;
		check_lookup(c, &a);
	}
	if (rtw_get_stats(c, &st) < 0 || st.routes != ref.n || st.watches > MAX_WATCHES) {
		if (tracing) {
			size_t j;

			for (j = 0; j < ref.n; j++)
				trace_route("ref:", &ref.routes[j]);
			rtw_foreach_route(c, trace_lib_route, NULL);
		}
		fail("route count differs", NULL);
	}
	for (i = 0; i < MAX_WATCHES; i++) {
		struct watch *x = &watches[i];
		enum rtw_reason s;

		if (!x->w)
			continue;
		check_lookup(c, &x->peer);
		s = rtw_watch_status(x->w, NULL);
		if (x->fired > 1)
			fail("watch fired twice", &x->peer); /* once, never again */
		if (x->fired) {
			if (s != x->reason)
				fail("watch status is not the reason it fired with", &x->peer);
			/* the reason must hold right after the one event that fired it */
			if (!single || x->fired_op != n_ops)
				continue;
			if (s == RTW_REASON_LOCAL_ADDRESS_REMOVED &&
			    (!x->has_local || ref_has_local(&x->local)))
				fail("local-address-removed but the address is there", &x->peer);
			/* without the flag, only a single path that left the
			 * link of the local address (routewatch(3)) */
			if (s == RTW_REASON_PATH_CHANGED && !(x->flags & RTW_WATCH_PATH_CHANGE) &&
			    !left_local_link(x))
				fail("path-changed without RTW_WATCH_PATH_CHANGE", &x->peer);
			continue;
		}
		/* not fired: the incremental state equals a brute-force one */
		if ((s == RTW_REASON_NONE) != ref_watch_valid(x))
			fail("watch state differs from a fresh evaluation", &x->peer);
	}
}

/* ---- operations ------------------------------------------------------ */

static void trace_route(const char *what, const struct route *r)
{
	char p[64], g[2][64] = { "-", "-" };
	unsigned i;

	if (!tracing)
		return;
	rtw_prefix_format(&r->dst, p, sizeof(p));
	for (i = 0; i < r->n_hops; i++)
		if (r->hops[i].gateway.family != AF_UNSPEC)
			rtw_addr_format(&r->hops[i].gateway, g[i], sizeof(g[i]));
	trace("%s %s table %u metric %u tos %u type %u nhid %u hops %u (dev %d via %s) (dev %d via "
	      "%s)\n",
	      what, p, r->table, r->metric, r->tos, r->type, r->nhid, r->n_hops, r->hops[0].ifindex,
	      g[0], r->hops[1].ifindex, g[1]);
}

/* Next hops of the shapes a kernel reports: gateways of the route's own
 * family and never the unspecified address; IPv6 multipath only through
 * gateways (device-only IPv6 hops are separate routes). */
static void take_hops(struct in *in, struct route *r)
{
	bool v6 = r->dst.addr.family == AF_INET6;
	uint8_t b0 = has_hops(r->type) ? take(in) : 0;
	unsigned i;

	/* the kernel refuses a route through an object it does not have */
	if (r->type == RTW_ROUTE_UNICAST && (b0 & 0x40) && ref.nhobjs[1 + (b0 & 3)].id) {
		r->nhid = 1 + (b0 & 3);
		return;
	}
	r->n_hops = has_hops(r->type) ? 1 + (b0 & 1) : 0;
	for (i = 0; i < r->n_hops; i++) {
		uint8_t b = take(in);

		r->hops[i].ifindex = 1 + b % N_IFINDEX;
		r->hops[i].weight = 1;
		if ((b & 0x80) || (v6 && r->n_hops > 1)) {
			r->hops[i].gateway = take_addr(in);
			if (r->hops[i].gateway.family != r->dst.addr.family)
				r->hops[i].gateway = anchor_addr(v6 ? 6 : 0);
		}
	}
}

static void take_route(struct in *in, struct route *r)
{
	static const uint32_t tables[] = { 255, 254, 253, 100 };
	static const uint32_t metrics[] = { 0, 100, 1024 };
	static const uint8_t types[] = { RTW_ROUTE_UNICAST,	RTW_ROUTE_UNICAST,
					 RTW_ROUTE_LOCAL,	RTW_ROUTE_BLACKHOLE,
					 RTW_ROUTE_UNREACHABLE, RTW_ROUTE_THROW,
					 RTW_ROUTE_PROHIBIT,	RTW_ROUTE_UNICAST };
	uint8_t b = take(in);

	memset(r, 0, sizeof(*r));
	r->dst = take_prefix(in);
	r->table = tables[b & 3];
	r->metric = metrics[(b >> 2) % 3];
	r->type = types[(b >> 4) & 7];
	r->tos = (b & 0x80) && r->dst.addr.family == AF_INET ? 0x10 : 0;
	take_hops(in, r);
}

static bool has_gateway(const struct route *r)
{
	unsigned i;

	for (i = 0; !r->nhid && has_hops(r->type) && i < r->n_hops; i++)
		if (r->hops[i].gateway.family != AF_UNSPEC)
			return true;
	return false;
}

/* What an IPv6 replace replaces (fib6_add_rt2node): the oldest route of the
 * prefix, table, TOS and metric that has a gateway exactly when the new one
 * has (could be its multipath sibling), else the oldest of them. */
static struct route *replace_target6(const struct route *r)
{
	struct route *same = NULL, *any = NULL;
	size_t i;

	for (i = 0; i < ref.n; i++) {
		struct route *o = &ref.routes[i];

		if (o->table != r->table || o->tos != r->tos || o->metric != r->metric ||
		    o->dst.len != r->dst.len || !addr_eq(&o->dst.addr, &r->dst.addr))
			continue;
		if (!any || o->seq < any->seq)
			any = o;
		if (has_gateway(o) == has_gateway(r) && (!same || o->seq < same->seq))
			same = o;
	}
	return same ? same : any;
}

static void op_route_add(struct in *in)
{
	struct route r, *old;
	struct evq_item it;

	bool replace;

	take_route(in, &r);
	replace = take(in) & 1;
	old = replace && r.dst.addr.family == AF_INET6 ? replace_target6(&r) : ref_find(&r);
	/* An IPv6 replace of another route by one identical to a third leaves
	 * the kernel with two identical routes, which the model (one route per
	 * key) holds as one: not a case to compare. */
	if (old && ref_find(&r) && ref_find(&r) != old)
		return;
	if (!old) {
		if (ref.n == MAX_ROUTES)
			return;
		old = &ref.routes[ref.n++];
		r.seq = ++seq_next;
	} else {
		r.seq = old->seq; /* replaced in place */
	}
	*old = r;
	trace_route(replace ? "route replace" : "route add", &r);
	it = route_item(RTW_EV_ROUTE_ADD, &r);
	if (replace)
		it.ev.flags |= RTW_EVF_REPLACE;
	push(it);
}

static void op_route_del(struct in *in)
{
	uint8_t b = take(in);
	struct route r;

	if (ref.n && !(b & 0x80)) {
		size_t i = b % ref.n;

		r = ref.routes[i];
		ref.routes[i] = ref.routes[--ref.n];
	} else {
		/* a key that may not exist: deleting nothing changes nothing */
		take_route(in, &r);
		if (ref_find(&r))
			return;
	}
	trace_route("route del", &r);
	push(route_item(RTW_EV_ROUTE_DEL, &r));
}

static void op_link(struct in *in)
{
	uint8_t b = take(in);
	int ifindex = 1 + (b & 3);
	struct link *l = ref_link(ifindex);

	if (b & 0x40) {
		size_t i;

		/* gone: IPv4 routes with a hop through it go with it, IPv6
		 * routes only when every hop used it */
		if (l)
			*l = ref.links[--ref.n_links];
		for (i = 0; i < ref.n;) {
			struct route *r = &ref.routes[i];
			unsigned j, on = 0;

			for (j = 0; j < r->n_hops; j++)
				on += r->hops[j].ifindex == ifindex;
			if (on && (on == r->n_hops || r->dst.addr.family == AF_INET))
				*r = ref.routes[--ref.n];
			else
				i++;
		}
		{
			struct link gone = { ifindex, false, false };

			trace("link %d gone\n", ifindex);

			push(link_item(&gone, true));
		}
		return;
	}
	if (!l) {
		if (ref.n_links == MAX_LINKS)
			return;
		l = &ref.links[ref.n_links++];
		l->ifindex = ifindex;
	}
	l->admin = (b & 4) != 0;
	l->carrier = (b & 8) != 0;
	trace("link %d admin %d carrier %d\n", ifindex, l->admin, l->carrier);
	push(link_item(l, false));
}

static void op_addr(struct in *in)
{
	uint8_t b = take(in);
	struct rtw_address a;
	int i;

	memset(&a, 0, sizeof(a));
	if ((b & 1) && ref.n_addrs) {
		size_t j = (b >> 1) % ref.n_addrs;

		a = ref.addrs[j];
		ref.addrs[j] = ref.addrs[--ref.n_addrs];
		trace("addr del dev %d\n", a.ifindex);
		push(addr_item(RTW_EV_ADDR_DEL, &a));
		return;
	}
	a.prefix.addr = take_addr(in);
	a.prefix.len = (uint8_t)(b % (addr_bits(a.prefix.addr.family) + 1));
	a.ifindex = 1 + (b >> 6);
	i = ref_addr_find(&a);
	if (i >= 0)
		ref.addrs[i] = a;
	else if (ref.n_addrs < MAX_ADDRS)
		ref.addrs[ref.n_addrs++] = a;
	else
		return;
	trace("addr add dev %d len %u\n", a.ifindex, a.prefix.len);
	push(addr_item(RTW_EV_ADDR_ADD, &a));
}

static void ref_nhobj_del(uint32_t id);

/* The kernel changed things without telling (or we lost the events): only
 * the reference sees the changes, then an overflow makes the context
 * re-dump and reconcile. */
static void op_resync(struct in *in)
{
	unsigned k = take(in) % 4, i, n_gone = 0;
	struct route gone[4];
	struct evq_item ov;

	for (i = 0; i < k; i++) {
		uint8_t b = take(in);

		if ((b & 1) && ref.n) {
			size_t j = b % ref.n;

			trace_route("silently gone", &ref.routes[j]);
			gone[n_gone++] = ref.routes[j];
			ref.routes[j] = ref.routes[--ref.n];
		} else if ((b & 2) && ref.n_addrs) {
			size_t j = b % ref.n_addrs;

			ref.addrs[j] = ref.addrs[--ref.n_addrs];
		} else if ((b & 4) && ref.nhobjs[1 + (b >> 3 & 3)].id) {
			/* Linux drops the objects of a link that goes down */
			ref_nhobj_del(1 + (b >> 3 & 3));
		} else {
			struct route r, *old;
			unsigned j;

			take_route(in, &r);
			trace_route("silently added", &r);
			old = ref_find(&r);
			r.seq = old ? old->seq : ++seq_next;
			/* Deleted and added again between two dumps, a route looks
			 * unchanged: the library keeps its place among equal IPv6
			 * routes (the kernel moves it to the end). */
			for (j = 0; !old && j < n_gone; j++)
				if (same_key(&gone[j], &r))
					r.seq = gone[j].seq;
			if (!old && ref.n < MAX_ROUTES)
				old = &ref.routes[ref.n++];
			if (old)
				*old = r;
		}
	}
	trace("resync after %u silent changes\n", k);
	dump_from_ref();
	memset(&ov, 0, sizeof(ov));
	ov.ev.type = RTW_EV_OVERFLOW;
	push(ov);
}

/* Delete an object as the kernel does: its routes go silently, it leaves
 * the groups it was in, and a group left empty goes in turn. */
static void ref_nhobj_del(uint32_t id)
{
	size_t i;
	unsigned g, j, k;

	for (i = 0; i < ref.n;)
		if (ref.routes[i].nhid == id)
			ref.routes[i] = ref.routes[--ref.n];
		else
			i++;
	memset(&ref.nhobjs[id], 0, sizeof(ref.nhobjs[id]));
	for (g = 1; g <= N_NHIDS; g++) {
		struct nhobj *o = &ref.nhobjs[g];

		if (!o->id || !o->n_members)
			continue;
		for (j = k = 0; j < o->n_members; j++)
			if (o->members[j].id != id)
				o->members[k++] = o->members[j];
		if (k == o->n_members)
			continue;
		o->n_members = k;
		if (k == 0)
			ref_nhobj_del(g);
	}
}

static bool nhobj_in_group(uint32_t id)
{
	unsigned g, j;

	for (g = 1; g <= N_NHIDS; g++)
		for (j = 0; j < ref.nhobjs[g].n_members; j++)
			if (ref.nhobjs[g].members[j].id == id)
				return true;
	return false;
}

/* Only what the kernel accepts: group members are existing one-hop
 * objects, and an object in a group stays a one-hop object. */
static void op_nhobj(struct in *in)
{
	uint8_t b = take(in);
	uint32_t id = 1 + (b & 3);
	struct nhobj nw;
	unsigned i;

	if (b & 4) {
		if (!ref.nhobjs[id].id)
			return;
		nw = ref.nhobjs[id];
		trace("nexthop %u del\n", id);
		ref_nhobj_del(id);
		push(nhobj_item(&nw, true, live_members[evq.n_live]));
		return;
	}
	memset(&nw, 0, sizeof(nw));
	nw.id = id;
	if ((b >> 3 & 3) == 0) {
		nw.blackhole = true;
	} else if ((b >> 3 & 3) == 1) {
		unsigned want = 1 + (b >> 5) % MAX_MEMBERS;

		for (i = 0; i < want; i++) {
			uint8_t m = take(in);
			const struct nhobj *mo = &ref.nhobjs[1 + (m & 3)];

			if (mo->id && mo->id != id && !mo->blackhole && !mo->n_members) {
				nw.members[nw.n_members].id = mo->id;
				nw.members[nw.n_members++].weight = (uint16_t)(1 + (m >> 2));
			}
		}
		if (!nw.n_members)
			return;
	} else {
		uint8_t h = take(in);

		nw.hop.ifindex = 1 + h % N_IFINDEX;
		nw.hop.weight = 1;
		if (h & 0x80)
			nw.hop.gateway = anchor_addr(h);
	}
	if ((nw.blackhole || nw.n_members) && nhobj_in_group(id))
		return;
	ref.nhobjs[id] = nw;
	trace("nexthop %u add blackhole %d members %u dev %d\n", id, nw.blackhole, nw.n_members,
	      nw.hop.ifindex);
	push(nhobj_item(&nw, false, live_members[evq.n_live]));
}

static void op_watch_add(struct rtw_ctx *c, struct in *in)
{
	uint8_t b = take(in);
	struct watch *x = &watches[b % MAX_WATCHES];
	static const uint8_t any[16];
	struct sockaddr_storage peer, local;
	bool given = false; /* a local address is passed */
	char text[64];

	if (x->w)
		return;
	memset(x, 0, sizeof(*x));
	x->peer = take_addr(in);
	x->flags = (b & 0x40) ? RTW_WATCH_PATH_CHANGE : 0;
	if ((b & 0x80) && ref.n_addrs) {
		x->local = ref.addrs[take(in) % ref.n_addrs].prefix.addr;
		given = true;
		/* the wildcard names no local address */
		x->has_local = memcmp(x->local.bytes, any, sizeof(any)) != 0;
	}
	rtw_addr_format(&x->peer, text, sizeof(text));
	peer = evq_sa(text);
	if (given) {
		rtw_addr_format(&x->local, text, sizeof(text));
		local = evq_sa(text);
	}
	trace("watch %u add %s%s\n", (unsigned)(x - watches), text, x->flags ? " path-change" : "");
	if (x->has_local && x->local.family != x->peer.family) {
		/* no socket has a source of the other family: refused */
		errno = 0;
		if (rtw_watch_add(c, (struct sockaddr *)&peer, (struct sockaddr *)&local, x->flags,
				  watch_cb, x) ||
		    errno != EINVAL)
			fail("a local address of the other family was taken", &x->peer);
		memset(x, 0, sizeof(*x));
		return;
	}
	x->w = rtw_watch_add(c, (struct sockaddr *)&peer, given ? (struct sockaddr *)&local : NULL,
			     x->flags, watch_cb, x);
	if (!x->w)
		abort();
	/* a new watch is resolved at once against the current model */
	if ((rtw_watch_status(x->w, NULL) == RTW_REASON_NONE) != ref_watch_valid(x))
		fail("new watch resolved differently", &x->peer);
}

static void op_watch_del(struct in *in)
{
	struct watch *x = &watches[take(in) % MAX_WATCHES];

	if (x->w)
		trace("watch %u del\n", (unsigned)(x - watches));
	rtw_watch_del(x->w);
	memset(x, 0, sizeof(*x));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	uint8_t config = take(&in);
	struct rtw_options o;
	struct rtw_ctx *c;
	size_t i;

	tracing = getenv("RTW_FUZZ_TRACE") != NULL;
	n_ops = 0;
	evq_reset();
	memset(&ref, 0, sizeof(ref));
	memset(watches, 0, sizeof(watches));
	fail_policy = config & 1;
	seq_next = 0;
	/* the memory backend as itself, or with Linux's lookup details */
	linux_ops = evq_ops;
	linux_ops.default_tables6 = linux_tables6;
	linux_ops.merge_local_main = true;
	ops = (config & 8) ? &linux_ops : &evq_ops;
	n_order = n_orders[(config >> 1) & 3];
	memcpy(order, orders[(config >> 1) & 3], sizeof(order));
	/* without tables the context takes the compiled-in backend's order */
	if (!((config >> 1) & 3) && rtw_backend_native->default_tables) {
		const uint32_t *t = rtw_backend_native->default_tables;

		for (n_order = 0; n_order < 4 && t[n_order] != UINT32_MAX; n_order++)
			order[n_order] = t[n_order];
	}
	/* tables the application names are searched in turn (rtw_start()) */
	merge_local_main = ops->merge_local_main && !((config >> 1) & 3);
	memset(skip6, 0, sizeof(skip6));
	memset(&o, 0, sizeof(o));
	if ((config >> 1) & 3) {
		o.tables = order;
		o.n_tables = n_order;
	} else if (ops->default_tables6) {
		/* the backend's default: IPv6 only the tables it lists */
		for (i = 0; i < n_order; i++) {
			size_t j;

			skip6[i] = true;
			for (j = 0; ops->default_tables6[j] != UINT32_MAX; j++)
				if (ops->default_tables6[j] == order[i])
					skip6[i] = false;
		}
	}
	o.linkdown = fail_policy ? RTW_LINKDOWN_FAIL : RTW_LINKDOWN_FALLBACK;
	trace("tables %zu, link-down policy %s, merge %d, v6 skips %d%d%d, index %d\n", n_order,
	      fail_policy ? "fail" : "fallback", merge_local_main, skip6[0], skip6[1], skip6[2],
	      (config & 0x70) == 0x70);
	c = evq_ctx(&o);
	if (c)
		c->ops = ops;
	/* the direct index and IPv4 front array from the first prefix on:
	 * without it a table this small never has them, and the lookups of
	 * a full table go through their records (one input in eight: keeping
	 * them up makes such a run much slower) */
	if (c && (config & 0x70) == 0x70)
		model_set_index_min(&c->model, 1);
	if (!c || rtw_start(c) < 0)
		abort();
	while (in.left) {
		uint8_t op = take(&in);
		bool single = true;

		n_ops++;
		switch (op % 10) {
		case 0:
		case 1:
			op_route_add(&in);
			break;
		case 2:
			op_route_del(&in);
			break;
		case 3:
			op_link(&in);
			break;
		case 4:
			op_addr(&in);
			break;
		case 5:
			op_resync(&in);
			single = false;
			break;
		case 6:
			op_watch_add(c, &in);
			break;
		case 7:
			op_watch_del(&in);
			break;
		default:
			op_nhobj(&in);
			break;
		}
		if (rtw_dispatch(c) < 0)
			fail("dispatch failed", NULL);
		if (evq.next_live != evq.n_live)
			fail("events left pending", NULL); /* everything pending was applied */
		evq.next_live = evq.n_live = 0;
		check_all(c, single);
	}
	rtw_free(c);
	return 0;
}
