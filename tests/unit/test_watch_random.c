/* Watches under random events (core/watch.c, core/engine.c): after every
 * single event, the watches invalidated and their reasons must be exactly
 * what a brute-force re-evaluation of every watch gives; callbacks that add
 * and delete watches mid-dispatch must not break that. */
#include "refmodel.h"
#include "testutil.h"

#define POOL	    4096
#define LOCALS	    12 /* per family */
#define MAX_REPORTS 5

/* What a peer resolves to. */
struct resol {
	int rc;
	bool has_route, usable;
	uint64_t id; /* a hash of the route's key, for quick comparisons */
	struct rtw_prefix dst;
	uint32_t table, metric;
	uint8_t tos;
	int disc; /* what keys an IPv6 route besides the metric (ref_disc_of) */
	int egress;
	bool multipath;
	struct rtw_addr gw, prefsrc;
};

/* One watch as the brute force sees it. */
struct bw {
	struct rtw_watch *w;
	uint32_t peer; /* index in the pool */
	struct rtw_addr local;
	bool has_local;
	uint8_t local_idx; /* in T.locals */
	unsigned flags;
	enum rtw_reason state; /* NONE while valid, else why it is not (yet) */
	bool fired, deleted, deleted_now, added_now;
	struct resol prev;
	unsigned got_n;
	enum rtw_reason got_reason;
};

static struct {
	struct gen g;
	struct ref ref;
	struct rtw_ctx *c;
	struct rtw_addr pool[POOL];
	struct resol cur[POOL];
	struct rtw_address locals[2 * LOCALS];
	bool local_present[2 * LOCALS]; /* in the reference, as of now */
	struct bw *w;
	size_t n_w, cap_w, live;
	bool chaos, in_event;
	int down[REF_MAX_LINKS + 2]; /* links that went down or away in this event */
	size_t n_down;
	unsigned long events, fires, chaos_adds, chaos_dels, bad;
	size_t *just_fired, n_just_fired, cap_just_fired;
	char what[200];
} T;

static uint64_t key_id(const struct resol *r)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < 16; i++)
		h = (h ^ r->dst.addr.bytes[i]) * 1099511628211ULL;
	h = (h ^ r->dst.addr.family ^ (uint64_t)r->dst.len << 8 ^ (uint64_t)r->tos << 16) *
	    1099511628211ULL;
	h = (h ^ r->table ^ (uint64_t)r->metric << 32) * 1099511628211ULL;
	return (h ^ (uint64_t)(unsigned)r->disc) * 1099511628211ULL;
}

static void resolve(const struct rtw_addr *a, struct resol *ret)
{
	struct rtw_route r;
	unsigned j;

	memset(ret, 0, sizeof(*ret));
	memset(&r, 0, sizeof(r));
	ret->rc = rtw_lookup_addr(T.c, a, &r);
	if (ret->rc == -ENETUNREACH)
		return;
	ret->has_route = true;
	ret->usable = !(r.flags & RTW_ROUTE_F_LINKDOWN);
	ret->dst = r.dst;
	ret->table = r.table;
	ret->tos = r.tos;
	ret->metric = r.metric;
	ret->disc = ref_disc_of(r.dst.addr.family, r.type, r.nexthops, r.n_nexthops);
	ret->id = key_id(ret);
	/* the egress: the first hop that carries traffic, else the first */
	for (j = 0; j < r.n_nexthops; j++)
		if (!(r.nexthops[j].flags & (RTW_NH_LINKDOWN | RTW_NH_DEAD)))
			break;
	ret->multipath = r.n_nexthops > 1;
	ret->prefsrc = r.prefsrc;
	if (r.n_nexthops) {
		if (j == r.n_nexthops)
			j = 0;
		ret->egress = r.nexthops[j].ifindex;
		ret->gw = r.nexthops[j].gateway;
	}
}

/* A route of the reference with that key (hops only as far as the key needs). */
static struct ref_route key_route(const struct resol *r)
{
	struct ref_route x;

	memset(&x, 0, sizeof(x));
	x.dst = r->dst;
	x.table = r->table;
	x.tos = r->tos;
	x.metric = r->metric;
	x.type = RTW_ROUTE_UNICAST;
	if (r->disc == REF_DISC_REJECT) {
		x.type = RTW_ROUTE_BLACKHOLE;
	} else if (r->disc) {
		x.n_hops = 1;
		x.hops[0].ifindex = r->disc;
	}
	return x;
}

static bool same_route(const struct resol *a, const struct resol *b)
{
	return a->has_route == b->has_route && a->id == b->id;
}

static enum rtw_reason reason_of(const struct bw *b, const struct resol *r)
{
	if (b->has_local && !T.local_present[b->local_idx])
		return RTW_REASON_LOCAL_ADDRESS_REMOVED;
	if (r->rc == -ENETUNREACH)
		return RTW_REASON_NO_ROUTE;
	if (r->rc == -EHOSTUNREACH)
		return r->usable ? RTW_REASON_UNREACHABLE : RTW_REASON_LINK_DOWN;
	return RTW_REASON_NONE;
}

static bool went_down(int ifindex)
{
	size_t i;

	for (i = 0; i < T.n_down; i++)
		if (T.down[i] == ifindex)
			return true;
	return false;
}

/* Whether link ifindex has address a now. */
static bool addr_on(int ifindex, const struct rtw_addr *a)
{
	size_t i;

	for (i = 0; i < T.ref.n_addrs; i++)
		if (T.ref.addrs[i].ifindex == ifindex && addr_eq(&T.ref.addrs[i].prefix.addr, a))
			return true;
	return false;
}

/* Whether a prefix of an address of link ifindex holds a. */
static bool link_reaches(int ifindex, const struct rtw_addr *a)
{
	size_t i;

	for (i = 0; i < T.ref.n_addrs; i++)
		if (T.ref.addrs[i].ifindex == ifindex &&
		    T.ref.addrs[i].prefix.addr.family == a->family &&
		    prefix_contains(&T.ref.addrs[i].prefix, a))
			return true;
	return false;
}

/* Whether an address of link b (not link-local) lies in a network of a's. */
static bool links_share_net(int a, int b, int family)
{
	size_t i;

	for (i = 0; i < T.ref.n_addrs; i++) {
		const struct rtw_address *y = &T.ref.addrs[i];

		if (y->ifindex == b && y->prefix.addr.family == family &&
		    !(family == AF_INET6 && y->prefix.addr.bytes[0] == 0xfe &&
		      (y->prefix.addr.bytes[1] & 0xc0) == 0x80) &&
		    link_reaches(a, &y->prefix.addr))
			return true;
	}
	return false;
}

/* A single path that moved off the link of the connection's source into a
 * network that does not hold it (routewatch(3), RTW_REASON_PATH_CHANGED). */
static bool left_link(const struct bw *b, const struct resol *prev, const struct resol *now)
{
	const struct rtw_addr *src = b->has_local ? &b->local : &prev->prefsrc;

	if (prev->egress <= 0 || now->egress <= 0 || prev->egress == now->egress ||
	    prev->multipath || now->multipath)
		return false;
	if (src->family == AF_UNSPEC)
		return !links_share_net(prev->egress, now->egress, T.pool[b->peer].family);
	return addr_on(prev->egress, src) && !addr_on(now->egress, src) &&
	       !link_reaches(now->egress, src);
}

/* The rule, as the issue and routewatch(3) state it, for one watch that was
 * valid. */
static enum rtw_reason expected(const struct bw *b, const struct resol *prev,
				const struct resol *now)
{
	enum rtw_reason r = reason_of(b, now);
	bool moved = !same_route(prev, now);
	bool link = prev->egress > 0 && went_down(prev->egress);
	/* a route it still resolves to was not removed (saves a scan) */
	struct ref_route k;
	bool removed = false;

	if (moved && prev->has_route) {
		k = key_route(prev);
		removed = !ref_find(&T.ref, &k);
	}

	if (r != RTW_REASON_NONE)
		return r == RTW_REASON_NO_ROUTE && link ? RTW_REASON_LINK_DOWN : r;
	if (link && moved)
		return RTW_REASON_LINK_DOWN;
	if (removed && !(prev->egress > 0 && prev->egress == now->egress &&
			 addr_eq(&prev->gw, &now->gw) && !prev->multipath && !now->multipath))
		return RTW_REASON_ROUTE_REMOVED;
	if ((moved || prev->egress != now->egress || !addr_eq(&prev->gw, &now->gw)) &&
	    (b->flags & RTW_WATCH_PATH_CHANGE))
		return RTW_REASON_PATH_CHANGED;
	if (left_link(b, prev, now))
		return RTW_REASON_PATH_CHANGED;
	return RTW_REASON_NONE;
}

static void on_fire(struct rtw_watch *w, enum rtw_reason reason, void *user);

/* Register a watch in slot i of the brute force's table. */
static void watch_init(size_t i, uint32_t peer, bool started)
{
	struct bw *b = &T.w[i];
	struct sockaddr_storage p, l;

	memset(b, 0, sizeof(*b));
	b->peer = peer;
	if (rnd_pct(25)) {
		int base = T.pool[peer].family == AF_INET ? 0 : LOCALS;

		b->local_idx = (uint8_t)(base + (int)rnd_below(LOCALS));
		b->local = T.locals[b->local_idx].prefix.addr;
		b->has_local = true;
	}
	b->flags = rnd_pct(30) ? RTW_WATCH_PATH_CHANGE : 0;
	p = addr_to_sockaddr(&T.pool[peer]);
	if (b->has_local)
		l = addr_to_sockaddr(&b->local);
	b->w =
	    rtw_watch_add(T.c, (struct sockaddr *)&p, b->has_local ? (struct sockaddr *)&l : NULL,
			  b->flags, on_fire, (void *)(uintptr_t)i);
	assert_non_null(b->w);
	T.live++;
	if (started) {
		resolve(&T.pool[peer], &b->prev);
		b->state = reason_of(b, &b->prev);
	} else {
		b->state = RTW_REASON_NO_ROUTE; /* resolved when the dump ends */
	}
}

static size_t watch_new(uint32_t peer, bool started)
{
	if (T.n_w == T.cap_w) {
		T.cap_w = T.cap_w ? T.cap_w * 2 : 1024;
		T.w = realloc(T.w, T.cap_w * sizeof(*T.w));
		assert_non_null(T.w);
	}
	watch_init(T.n_w, peer, started);
	return T.n_w++;
}

/* Watches that fired are replaced by fresh ones, so that the population
 * under test stays at its size for the whole run. */
static void renew_fired(void)
{
	size_t i;

	for (i = 0; i < T.n_just_fired; i++) {
		size_t k = T.just_fired[i];

		if (T.w[k].deleted)
			continue;
		rtw_watch_del(T.w[k].w);
		T.live--;
		watch_init(k, rnd_below(POOL), true);
	}
	T.n_just_fired = 0;
}

static void watch_gone(size_t i)
{
	struct bw *b = &T.w[i];

	rtw_watch_del(b->w);
	b->deleted = true;
	b->deleted_now = T.in_event;
	T.live--;
}

static void report_prev(const struct bw *b, const struct resol *prev, const char *what,
			enum rtw_reason want)
{
	char peer[64], key[600] = "none", now[600] = "none";

	if (++T.bad > MAX_REPORTS)
		return;
	rtw_addr_format(&T.pool[b->peer], peer, sizeof(peer));
	struct ref_route k;

	if (prev->has_route) {
		k = key_route(prev);
		ref_route_str(&T.ref, &k, key, sizeof(key));
	}
	if (T.cur[b->peer].has_route) {
		k = key_route(&T.cur[b->peer]);
		ref_route_str(&T.ref, &k, now, sizeof(now));
	}
	printf("# event %lu (%s): watch %s%s%s%s: %s: want %s, got %u x %s; was rc %d [%s] egress "
	       "%d, now rc %d [%s] egress %d, state %s\n",
	       T.events, T.what, peer, b->has_local ? " local" : "",
	       b->flags & RTW_WATCH_PATH_CHANGE ? " path-change" : "",
	       b->added_now ? " (added by a callback)" : "", what, rtw_reason_str(want), b->got_n,
	       rtw_reason_str(b->got_reason), prev->rc, key, prev->egress, T.cur[b->peer].rc, now,
	       T.cur[b->peer].egress, rtw_reason_str(b->state));
}

static void report(const struct bw *b, const char *what, enum rtw_reason want)
{
	report_prev(b, &b->prev, what, want);
}

static void on_fire(struct rtw_watch *w, enum rtw_reason reason, void *user)
{
	size_t i = (uintptr_t)user, k;
	struct bw *b = &T.w[i];

	b->got_n++;
	b->got_reason = reason;
	T.fires++;
	if (b->w != w || b->deleted)
		report(b, "callback for a deleted or foreign watch", RTW_REASON_NONE);
	if (!T.chaos)
		return;
	k = rnd_below(10);
	if (k < 3 && T.n_w) {
		/* delete some other watch, which may be due to fire in this dispatch */
		size_t o = rnd_below((unsigned)T.n_w);

		if (!T.w[o].deleted && o != i) {
			watch_gone(o);
			T.chaos_dels++;
		}
	} else if (k < 5) {
		watch_gone(i);
		T.chaos_dels++;
	}
	if (rnd_pct(40)) {
		size_t n = watch_new(rnd_below(POOL), true);

		T.w[n].added_now = true;
		T.chaos_adds++;
	}
}

/* ---- events ------------------------------------------------------------ */

static void push_link(int ifindex, bool up, enum rtw_event_type t)
{
	bool admin = up || rnd_pct(50), carrier = up || !admin;

	if (ref_link_up(&T.ref, ifindex) && !up)
		T.down[T.n_down++] = ifindex;
	evq_push(ref_link_event(t, ifindex, admin, carrier));
	ref_link_set_state(&T.ref, ifindex, admin, carrier);
}

static void gen_event(void)
{
	unsigned k = rnd_below(1000);
	struct ref_route x;

	T.n_down = 0;
	if (k < 150) {
		int ifindex = 1 + (int)rnd_below((unsigned)T.g.max_ifindex - 1);
		bool up = rnd_pct(60);

		snprintf(T.what, sizeof(T.what), "link %d %s", ifindex, up ? "up" : "down");
		push_link(ifindex, up, up ? RTW_EV_LINK_UP : RTW_EV_LINK_DOWN);
		return;
	}
	if (k < 170) {
		int ifindex = 1 + (int)rnd_below((unsigned)T.g.max_ifindex);

		snprintf(T.what, sizeof(T.what), "link %d gone", ifindex);
		T.down[T.n_down++] = ifindex;
		evq_push(ref_link_event(RTW_EV_LINK_GONE, ifindex, false, false));
		ref_link_gone(&T.ref, ifindex);
		return;
	}
	if (k < 240) {
		struct evq_item it;
		const struct rtw_address *a = &T.locals[rnd_below(2 * LOCALS)];
		bool add = rnd_pct(50);

		memset(&it, 0, sizeof(it));
		it.ev.type = add ? RTW_EV_ADDR_ADD : RTW_EV_ADDR_DEL;
		it.ev.u.addr = *a;
		if (add)
			ref_addr_add(&T.ref, a);
		else
			ref_addr_del(&T.ref, a);
		rtw_addr_format(&a->prefix.addr, T.what, sizeof(T.what));
		strcat(T.what, add ? " added" : " removed");
		evq_push(it);
		return;
	}
	if (k < 400 && T.ref.n) {
		x = T.ref.routes[rnd_below((unsigned)T.ref.n)];
		gen_attrs(&T.g, &x);
		snprintf(T.what, sizeof(T.what), "replace ");
		ref_route_str(&T.ref, &x, T.what + 8, sizeof(T.what) - 8);
		evq_push(ref_route_event(RTW_EV_ROUTE_ADD, &x));
		ref_route_add(&T.ref, &x);
		return;
	}
	if (k < (T.ref.n > 250 ? 700u : 620u) && T.ref.n) {
		x = T.ref.routes[rnd_below((unsigned)T.ref.n)];
		snprintf(T.what, sizeof(T.what), "delete ");
		ref_route_str(&T.ref, &x, T.what + 7, sizeof(T.what) - 7);
		evq_push(ref_route_event(RTW_EV_ROUTE_DEL, &x));
		ref_route_del(&T.ref, &x);
		return;
	}
	gen_route(&T.g, &x);
	snprintf(T.what, sizeof(T.what), "add ");
	ref_route_str(&T.ref, &x, T.what + 4, sizeof(T.what) - 4);
	evq_push(ref_route_event(RTW_EV_ROUTE_ADD, &x));
	ref_route_add(&T.ref, &x);
}

/* ---- the brute force ---------------------------------------------------- */

static void fired_now(size_t i)
{
	if (T.n_just_fired == T.cap_just_fired) {
		T.cap_just_fired = T.cap_just_fired ? T.cap_just_fired * 2 : 1024;
		T.just_fired = realloc(T.just_fired, T.cap_just_fired * sizeof(*T.just_fired));
		assert_non_null(T.just_fired);
	}
	T.just_fired[T.n_just_fired++] = i;
}

static void locals_refresh(void)
{
	size_t i;

	for (i = 0; i < 2 * LOCALS; i++)
		T.local_present[i] = ref_has_local(&T.ref, &T.locals[i].prefix.addr);
}

static void check_after_event(void)
{
	size_t i, n = T.n_w;

	locals_refresh();
	for (i = 0; i < POOL; i++)
		resolve(&T.pool[i], &T.cur[i]);
	for (i = 0; i < n; i++) {
		struct bw *b = &T.w[i];
		const struct resol *now = &T.cur[b->peer];
		enum rtw_reason want = RTW_REASON_NONE, st;
		struct resol before = b->prev;
		bool added = b->added_now;

		if (b->deleted && !b->deleted_now) {
			if (b->got_n)
				report(b, "fired after it was deleted", RTW_REASON_NONE);
			b->got_n = 0;
			continue;
		}
		if (b->added_now) {
			/* registered after the change, by a callback: nothing to fire */
			if (b->got_n)
				report(b, "fired in the dispatch that added it", RTW_REASON_NONE);
		} else if (!b->fired) {
			if (b->state != RTW_REASON_NONE)
				b->state = reason_of(b, now); /* not valid yet: never fires */
			else
				want = expected(b, &b->prev, now);
			if (want != RTW_REASON_NONE) {
				if (b->got_n != 1 || b->got_reason != want) {
					/* a callback may delete a watch before its turn */
					if (!(b->deleted_now && b->got_n == 0))
						report(b, "wrong invalidation", want);
				}
				b->fired = true;
				b->state = want;
				fired_now(i);
			} else if (b->got_n) {
				report(b, "invalidated for nothing", want);
				b->fired = true;
				b->state = b->got_reason;
			}
		} else if (b->got_n) {
			report(b, "invalidated twice", RTW_REASON_NONE);
		}
		b->prev = *now;
		b->got_n = 0;
		b->added_now = false;
		if (b->deleted) {
			b->deleted_now = false;
			continue;
		}
		/* statuses: a rotating eighth of the watches per event (time) */
		if ((i + T.events) % 8)
			continue;
		st = rtw_watch_status(b->w, NULL);
		if (st != b->state) {
			b->got_n = 1;
			b->got_reason = st;
			b->added_now = added;
			report_prev(b, &before, "status differs", b->state);
			b->got_n = 0;
			b->added_now = false;
		}
	}
}

/* The lookups the brute force relies on agree with the reference. */
static void check_some_lookups(void)
{
	unsigned i;

	for (i = 0; i < 32; i++) {
		uint32_t p = rnd_below(POOL);
		const struct ref_route *want;
		int rc = ref_lookup(&T.ref, &T.pool[p], &want);

		struct ref_route k = key_route(&T.cur[p]);

		if (rc != T.cur[p].rc || (want && !ref_same_key(want, &k))) {
			char s[64];

			rtw_addr_format(&T.pool[p], s, sizeof(s));
			printf("# event %lu (%s): lookup %s: want %d, got %d\n", T.events, T.what,
			       s, rc, T.cur[p].rc);
			T.bad++;
		}
	}
}

static void dispatch_one(void)
{
	int r;

	locals_refresh(); /* callbacks may register watches */
	T.in_event = true;
	r = rtw_dispatch(T.c);
	T.in_event = false;
	evq.n_live = evq.next_live = 0;
	assert_true(r >= 0);
	T.events++;
	check_after_event();
	check_some_lookups();
	if (T.bad)
		fail_msg("%lu mismatches (first %d shown), seed in the first line", T.bad,
			 MAX_REPORTS);
	renew_fired();
}

/* A full dump the backend sends on its own, one event per dispatch, so that
 * every step of the reconciliation is checked. */
static void resync_inline(void)
{
	static struct evq_item snap[EVQ_MAX];
	struct ref before = T.ref;
	size_t n, i;

	/* gen_snapshot replaces T.ref: rebuild it event by event instead */
	before.routes = malloc(T.ref.cap * sizeof(*T.ref.routes));
	assert_non_null(before.routes);
	memcpy(before.routes, T.ref.routes, T.ref.n * sizeof(*T.ref.routes));
	n = gen_snapshot(&T.g, &T.ref, snap, EVQ_MAX, false);
	ref_fini(&T.ref);
	T.ref = before;

	T.n_down = 0;
	snprintf(T.what, sizeof(T.what), "dump begin");
	evq_push(ref_simple_event(RTW_EV_DUMP_BEGIN));
	dispatch_one();
	for (i = 0; i < n; i++) {
		const struct rtw_event *ev = &snap[i].ev;

		T.n_down = 0;
		snprintf(T.what, sizeof(T.what), "dump item %zu", i);
		if (ev->type == RTW_EV_LINK_UP || ev->type == RTW_EV_LINK_DOWN) {
			bool up = ev->u.link.admin_up && ev->u.link.carrier_up;

			if (ref_link_up(&T.ref, ev->u.link.ifindex) && !up)
				T.down[T.n_down++] = ev->u.link.ifindex;
			ref_link_set_state(&T.ref, ev->u.link.ifindex, ev->u.link.admin_up,
					   ev->u.link.carrier_up);
		} else if (ev->type == RTW_EV_ADDR_ADD) {
			ref_addr_add(&T.ref, &ev->u.addr);
		} else if (ev->type == RTW_EV_ROUTE_ADD) {
			struct ref_route x;

			ref_from_event(&snap[i], &x);
			ref_route_add(&T.ref, &x);
		}
		evq_push(snap[i]);
		dispatch_one();
	}
	/* the end of the dump: whatever it did not mention goes */
	{
		struct ref next = T.ref;
		size_t j;
		bool seen;

		T.n_down = 0;
		next.routes = malloc((T.ref.cap ? T.ref.cap : 1) * sizeof(*next.routes));
		assert_non_null(next.routes);
		next.n = 0;
		next.n_links = 0;
		next.n_addrs = 0;
		for (i = 0; i < n; i++) {
			const struct rtw_event *ev = &snap[i].ev;

			if (ev->type == RTW_EV_LINK_UP || ev->type == RTW_EV_LINK_DOWN) {
				const struct ref_link *l =
				    ref_link_find(&T.ref, ev->u.link.ifindex);

				ref_link_set_state(&next, l->ifindex, l->admin, l->up);
			} else if (ev->type == RTW_EV_ADDR_ADD)
				ref_addr_add(&next, &ev->u.addr);
		}
		for (j = 0; j < T.ref.n; j++) {
			seen = false;
			for (i = 0; i < n && !seen; i++) {
				struct ref_route x;

				if (snap[i].ev.type != RTW_EV_ROUTE_ADD)
					continue;
				ref_from_event(&snap[i], &x);
				seen = ref_same_key(&x, &T.ref.routes[j]);
			}
			if (seen)
				next.routes[next.n++] = T.ref.routes[j];
		}
		for (j = 0; j < T.ref.n_links; j++)
			if (!ref_link_find(&next, T.ref.links[j].ifindex)) {
				T.down[T.n_down++] = T.ref.links[j].ifindex;
				ref_link_gone(&next, T.ref.links[j].ifindex);
			}
		ref_fini(&T.ref);
		T.ref = next;
	}
	snprintf(T.what, sizeof(T.what), "dump end");
	evq_push(ref_simple_event(RTW_EV_DUMP_END));
	dispatch_one();
}

/* ---- runs ---------------------------------------------------------------- */

static void run(bool chaos, enum rtw_linkdown_policy ld, unsigned n_watches, unsigned long n_events)
{
	static struct evq_item snap[EVQ_MAX];
	struct rtw_options o;
	struct rtw_stats st;
	size_t i, n;
	int ifindex;

	memset(&T, 0, sizeof(T));
	T.chaos = chaos;
	gen_init(&T.g);
	T.g.tables[0] = RTW_TABLE_LOCAL;
	T.g.tables[1] = RTW_TABLE_MAIN;
	T.g.tables[2] = RTW_TABLE_MAIN;
	T.g.tables[3] = RTW_TABLE_DEFAULT;
	T.g.tables[4] = 100;
	T.g.n_tables = 5;
	ref_init(&T.ref, evq_tables, 3, ld);
	for (ifindex = 1; ifindex < T.g.max_ifindex; ifindex++)
		ref_link_set(&T.ref, ifindex, true);
	for (i = 0; i < 2 * LOCALS; i++) {
		struct rtw_address *a = &T.locals[i];

		memset(a, 0, sizeof(*a));
		a->prefix.addr.family = i < LOCALS ? AF_INET : AF_INET6;
		a->prefix.addr.bytes[0] = i < LOCALS ? 192 : 0x20;
		a->prefix.addr.bytes[1] = i < LOCALS ? 0 : 0x01;
		a->prefix.addr.bytes[2] = i < LOCALS ? 2 : 0x0d;
		a->prefix.addr.bytes[3] = i < LOCALS ? (uint8_t)(10 + i) : 0xb8;
		if (i >= LOCALS)
			a->prefix.addr.bytes[15] = (uint8_t)(10 + i);
		a->prefix.len = i < LOCALS ? 24 : 64;
		a->ifindex = 1 + (int)rnd_below((unsigned)T.g.max_ifindex - 1);
		if (rnd_pct(80))
			ref_addr_add(&T.ref, a);
	}
	for (i = 0; i < 200; i++) {
		struct ref_route x;

		gen_route(&T.g, &x);
		ref_route_add(&T.ref, &x);
	}
	evq_reset();
	n = gen_snapshot(&T.g, &T.ref, snap, EVQ_MAX, true);
	memcpy(evq.dump, snap, n * sizeof(snap[0]));
	evq.n_dump = n;
	for (i = 0; i < POOL; i++)
		gen_lookup_addr(&T.g, &T.ref, &T.pool[i]);

	memset(&o, 0, sizeof(o));
	o.linkdown = ld;
	T.c = evq_ctx(&o);
	assert_non_null(T.c);
	/* some watches before the start: resolved by the dump, never fired by it */
	for (i = 0; i < n_watches / 10; i++)
		watch_new(rnd_below(POOL), false);
	assert_int_equal(rtw_start(T.c), 0);
	locals_refresh();
	for (i = 0; i < POOL; i++)
		resolve(&T.pool[i], &T.cur[i]);
	for (i = 0; i < T.n_w; i++) {
		T.w[i].prev = T.cur[T.w[i].peer];
		T.w[i].state = reason_of(&T.w[i], &T.w[i].prev);
		assert_int_equal(T.w[i].got_n, 0);
	}
	for (; i < n_watches; i++)
		watch_new(rnd_below(POOL), true);

	while (T.events < n_events) {
		if (rnd_below(1000) < 2) {
			resync_inline();
			continue;
		}
		gen_event();
		dispatch_one();
		if (chaos && rnd_pct(5)) /* keep the population up */
			for (i = 0; i < 20; i++)
				watch_new(rnd_below(POOL), true);
	}
	rtw_get_stats(T.c, &st);
	assert_int_equal(st.watches, T.live);
	printf("# %s %s: %zu watches live at end, %lu events, %lu invalidations checked, %lu "
	       "added and %lu deleted by callbacks, %zu routes at end\n",
	       chaos ? "callbacks changing watches," : "brute force,",
	       ld == RTW_LINKDOWN_FAIL ? "fail" : "fallback", T.live, T.events, T.fires,
	       T.chaos_adds, T.chaos_dels, T.ref.n);
	rtw_free(T.c);
	ref_fini(&T.ref);
	free(T.w);
	free(T.just_fired);
}

static unsigned long events_for(unsigned long base)
{
	return (unsigned long)((double)base * test_scale() / (REF_ASAN ? 2 : 1));
}

static void brute_force_fallback(void **state)
{
	run(false, RTW_LINKDOWN_FALLBACK, 100000, events_for(2000));
}

static void brute_force_fail(void **state)
{
	run(false, RTW_LINKDOWN_FAIL, 100000, events_for(600));
	/* fewer watches than routes: link-up finds its routes through them */
	run(false, RTW_LINKDOWN_FAIL, 40, events_for(5000));
	run(false, RTW_LINKDOWN_FALLBACK, 40, events_for(5000));
}

static void callbacks_add_and_delete(void **state)
{
	run(true, RTW_LINKDOWN_FALLBACK, 20000, events_for(1000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(brute_force_fallback),
		cmocka_unit_test(brute_force_fail),
		cmocka_unit_test(callbacks_add_and_delete),
	};

	test_output_tap();
	ref_seed("test_watch_random", 20261126);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
