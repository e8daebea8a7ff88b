/* The route model and lookups (core/table.c, core/lpm.c through the public
 * API): a randomized differential test against the reference model of
 * refmodel.h, over both link-down policies and several table orders. */
#include "refmodel.h"
#include "testutil.h"

#define N_ANCHORS 24

/* Prefixes are drawn around a few anchors so that they nest and overlap. */
struct gen {
	struct rtw_addr anchor4[N_ANCHORS], anchor6[N_ANCHORS];
	uint32_t tables[5];
	size_t n_tables;
	int max_ifindex; /* links 1..max_ifindex-1 get announced; max_ifindex never */
};

static void random_bytes(uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)rnd();
}

/* Flip some of the bits of a from bit 'from' on. */
static void perturb(struct rtw_addr *a, unsigned from)
{
	unsigned bits = addr_bits(a->family), i;

	for (i = from; i < bits; i++)
		if (rnd_pct(50))
			a->bytes[i / 8] ^= (uint8_t)(0x80 >> (i % 8));
}

static void gen_init(struct gen *g)
{
	struct rtw_addr roots4[3], roots6[3];
	unsigned i;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < 3; i++) {
		roots4[i].family = AF_INET;
		memset(roots4[i].bytes, 0, 16);
		random_bytes(roots4[i].bytes, 4);
		roots6[i].family = AF_INET6;
		random_bytes(roots6[i].bytes, 16);
	}
	for (i = 0; i < N_ANCHORS; i++) {
		static const unsigned from4[] = { 4, 8, 16, 20, 24, 28 };
		static const unsigned from6[] = { 16, 32, 48, 64, 96, 120 };

		g->anchor4[i] = roots4[i % 3];
		perturb(&g->anchor4[i], from4[rnd_below(6)]);
		g->anchor6[i] = roots6[i % 3];
		perturb(&g->anchor6[i], from6[rnd_below(6)]);
	}
	g->max_ifindex = 7;
}

static unsigned gen_len(int family)
{
	static const unsigned l4[] = { 0,  1,  4,  8,  8,  12, 16, 16, 20, 22,
				       24, 24, 24, 26, 28, 30, 31, 32, 32 };
	static const unsigned l6[] = { 0,  3,  16, 32,	48,  56,  60,  64, 64,
				       64, 72, 96, 112, 120, 127, 128, 128 };

	if (family == AF_INET)
		return l4[rnd_below(sizeof(l4) / sizeof(l4[0]))];
	return l6[rnd_below(sizeof(l6) / sizeof(l6[0]))];
}

static void gen_gateway(int family, struct rtw_addr *gw)
{
	memset(gw, 0, sizeof(*gw));
	if (rnd_pct(25))
		return; /* device-only hop */
	gw->family = (sa_family_t)family;
	if (family == AF_INET) {
		gw->bytes[0] = 192;
		gw->bytes[2] = 2;
		gw->bytes[3] = (uint8_t)(1 + rnd_below(4));
	} else {
		gw->bytes[0] = 0xfe;
		gw->bytes[1] = 0x80;
		gw->bytes[15] = (uint8_t)(1 + rnd_below(4));
	}
}

/* Attributes only: type, protocol, scope, next hops. */
static void gen_attrs(const struct gen *g, struct ref_route *r)
{
	static const uint8_t types[] = {
		RTW_ROUTE_UNICAST,     RTW_ROUTE_UNICAST,  RTW_ROUTE_UNICAST, RTW_ROUTE_UNICAST,
		RTW_ROUTE_UNICAST,     RTW_ROUTE_UNICAST,  RTW_ROUTE_LOCAL,   RTW_ROUTE_BLACKHOLE,
		RTW_ROUTE_UNREACHABLE, RTW_ROUTE_PROHIBIT, RTW_ROUTE_THROW,   RTW_ROUTE_THROW
	};
	int family = r->dst.addr.family;
	unsigned j;

	r->type = types[rnd_below(sizeof(types))];
	r->protocol = (uint8_t)(2 + rnd_below(3));
	r->scope = rnd_pct(20) ? 253 : 0;
	r->n_hops = 0;
	memset(r->hops, 0, sizeof(r->hops));
	/* next hops, sometimes even for types that have none (to be ignored) */
	if (ref_type_has_hops(r->type) || rnd_pct(10)) {
		unsigned n = rnd_pct(75) ? 1 : 2 + rnd_below(REF_HOPS - 1);

		if (rnd_pct(3))
			n = 0;
		for (j = 0; j < n; j++) {
			struct rtw_nexthop *h = &r->hops[j];

			/* ifindex 0 (none given) now and then, max_ifindex never announced */
			h->ifindex = rnd_pct(3) ? 0 : 1 + (int)rnd_below((unsigned)g->max_ifindex);
			gen_gateway(family, &h->gateway);
			h->weight = (uint16_t)(n > 1 ? 1 + rnd_below(3) : 1);
		}
		r->n_hops = n;
	}
}

static void gen_key(const struct gen *g, struct ref_route *r)
{
	static const uint32_t metrics[] = { 0, 0, 100, 200, 256, 1024 };
	int family = rnd_pct(55) ? AF_INET : AF_INET6;

	memset(r, 0, sizeof(*r));
	r->dst.addr =
	    family == AF_INET ? g->anchor4[rnd_below(N_ANCHORS)] : g->anchor6[rnd_below(N_ANCHORS)];
	r->dst.len = (uint8_t)gen_len(family);
	prefix_mask(&r->dst);
	r->table = g->tables[rnd_below((unsigned)g->n_tables)];
	r->metric = metrics[rnd_below(sizeof(metrics) / sizeof(metrics[0]))];
	if (family == AF_INET && rnd_pct(5))
		r->tos = (uint8_t)(4 << rnd_below(3));
}

static void gen_route(const struct gen *g, struct ref_route *r)
{
	gen_key(g, r);
	gen_attrs(g, r);
}

/* An address to look up: near an anchor, inside a route, or anywhere. */
static void gen_lookup_addr(const struct gen *g, const struct ref *m, struct rtw_addr *a)
{
	unsigned k = rnd_below(10);

	if (k < 5 && m->n) {
		const struct ref_route *r = &m->routes[rnd_below((unsigned)m->n)];

		*a = r->dst.addr;
		perturb(a, r->dst.len);
		return;
	}
	if (k < 9) {
		int family = rnd_pct(50) ? AF_INET : AF_INET6;

		*a = family == AF_INET ? g->anchor4[rnd_below(N_ANCHORS)]
				       : g->anchor6[rnd_below(N_ANCHORS)];
		perturb(a, rnd_below(addr_bits(family) + 1));
		return;
	}
	memset(a, 0, sizeof(*a));
	a->family = rnd_pct(50) ? AF_INET : AF_INET6;
	random_bytes(a->bytes, addr_len(a->family));
}

/* ---- one run -------------------------------------------------------- */

struct run {
	struct gen g;
	struct ref ref;
	struct rtw_ctx *c;
	const char *name;
	unsigned long op, lookups, foreach_checks, resyncs;
};

static void fail_run(const struct run *r, const char *what)
{
	fail_msg("%s: op %lu: %s", r->name, r->op, what);
}

static void check_lookup(struct run *r, const struct rtw_addr *a)
{
	const struct ref_route *want;
	struct rtw_route got;
	int rw = ref_lookup(&r->ref, a, &want), rg;
	char buf[1400], s1[600], s2[600], as[64];

	memset(&got, 0, sizeof(got));
	rg = rtw_lookup_addr(r->c, a, &got);
	r->lookups++;
	if (rg == rw && (!want || ref_route_is(&r->ref, want, &got)))
		return;
	rtw_addr_format(a, as, sizeof(as));
	if (want)
		ref_route_str(&r->ref, want, s1, sizeof(s1));
	else
		snprintf(s1, sizeof(s1), "none");
	if (rg != -ENETUNREACH)
		ref_rtw_route_str(&got, s2, sizeof(s2));
	else
		snprintf(s2, sizeof(s2), "none");
	snprintf(buf, sizeof(buf), "lookup %s: want %d [%s], got %d [%s]", as, rw, s1, rg, s2);
	fail_run(r, buf);
}

struct walk {
	struct run *r;
	size_t i;
	bool bad;
	char why[1400];
};

static int walk_one(const struct rtw_route *x, void *arg)
{
	struct walk *w = arg;
	char s1[600], s2[600];

	if (w->i >= w->r->ref.n || !ref_route_is(&w->r->ref, &w->r->ref.routes[w->i], x)) {
		if (w->i < w->r->ref.n)
			ref_route_str(&w->r->ref, &w->r->ref.routes[w->i], s1, sizeof(s1));
		else
			snprintf(s1, sizeof(s1), "end");
		ref_rtw_route_str(x, s2, sizeof(s2));
		snprintf(w->why, sizeof(w->why), "route #%zu: want [%s], got [%s]", w->i, s1, s2);
		w->bad = true;
		return 1;
	}
	w->i++;
	return 0;
}

static int print_one(const struct rtw_route *x, void *arg)
{
	char s[600];

	(void)arg;
	ref_rtw_route_str(x, s, sizeof(s));
	printf("#  got %s\n", s);
	return 0;
}

static void dump_both(struct run *r)
{
	char s[600];
	size_t i;

	for (i = 0; i < r->ref.n; i++) {
		ref_route_str(&r->ref, &r->ref.routes[i], s, sizeof(s));
		printf("# want %s\n", s);
	}
	rtw_foreach_route(r->c, print_one, NULL);
}

static void check_all_routes(struct run *r)
{
	struct walk w = { r, 0, false, "" };
	int e;

	qsort(r->ref.routes, r->ref.n, sizeof(r->ref.routes[0]), ref_route_cmp);
	e = rtw_foreach_route(r->c, walk_one, &w);
	r->foreach_checks++;
	if (w.bad) {
		if (getenv("RTW_TEST_VERBOSE"))
			dump_both(r);
		fail_run(r, w.why);
	}
	if (e != 0)
		fail_run(r, "rtw_foreach_route failed");
	if (w.i != r->ref.n) {
		snprintf(w.why, sizeof(w.why), "%zu routes listed, %zu expected", w.i, r->ref.n);
		fail_run(r, w.why);
	}
}

static void dispatch(struct run *r)
{
	int e = rtw_dispatch(r->c);

	if (e < 0)
		fail_run(r, "rtw_dispatch failed");
	evq.n_live = evq.next_live = 0;
}

static void gen_link(struct run *r, struct evq_item *it)
{
	int ifindex = 1 + (int)rnd_below((unsigned)r->g.max_ifindex - 1);
	bool admin = rnd_pct(75), carrier = rnd_pct(75);

	*it = ref_link_event(admin && carrier ? RTW_EV_LINK_UP : RTW_EV_LINK_DOWN, ifindex, admin,
			     carrier);
	if (rnd_pct(10)) /* either type may carry any state */
		it->ev.type = it->ev.type == RTW_EV_LINK_UP ? RTW_EV_LINK_DOWN : RTW_EV_LINK_UP;
	ref_link_set(&r->ref, ifindex, admin && carrier);
}

/* A new snapshot: a random part of the model, some routes changed, some
 * new, links kept or dropped. It becomes the whole truth. */
static size_t gen_snapshot(struct run *r, struct evq_item *out, size_t max, bool initial)
{
	struct ref next;
	size_t n = 0, i;
	unsigned keep = 75 + rnd_below(26);

	ref_init(&next, r->ref.tables, r->ref.n_tables, r->ref.linkdown);
	for (i = 0; i < r->ref.n_links; i++) {
		bool admin, carrier;

		if (!initial && rnd_pct(8))
			continue;
		admin = rnd_pct(80);
		carrier = rnd_pct(80);
		out[n++] = ref_link_event(admin && carrier ? RTW_EV_LINK_UP : RTW_EV_LINK_DOWN,
					  r->ref.links[i].ifindex, admin, carrier);
		ref_link_set(&next, r->ref.links[i].ifindex, admin && carrier);
	}
	if (rnd_pct(30)) {
		int ifindex = 1 + (int)rnd_below((unsigned)r->g.max_ifindex - 1);

		if (!ref_link_find(&next, ifindex)) {
			out[n++] = ref_link_event(RTW_EV_LINK_UP, ifindex, true, true);
			ref_link_set(&next, ifindex, true);
		}
	}
	for (i = 0; i < r->ref.n && n < max - 8; i++) {
		struct ref_route x = r->ref.routes[i];

		if (!rnd_pct(keep))
			continue;
		if (rnd_pct(10))
			gen_attrs(&r->g, &x);
		out[n++] = ref_route_event(RTW_EV_ROUTE_ADD, &x);
		ref_route_add(&next, &x);
	}
	for (i = rnd_below(6); i > 0; i--) {
		struct ref_route x;

		gen_route(&r->g, &x);
		out[n++] = ref_route_event(RTW_EV_ROUTE_ADD, &x);
		ref_route_add(&next, &x);
	}
	/* what the snapshot did not mention is gone, links included */
	for (i = 0; i < r->ref.n_links; i++)
		if (!ref_link_find(&next, r->ref.links[i].ifindex))
			ref_link_gone(&next, r->ref.links[i].ifindex);
	ref_fini(&r->ref);
	r->ref = next;
	return n;
}

static void do_resync(struct run *r)
{
	static struct evq_item snap[EVQ_MAX];
	size_t n = gen_snapshot(r, snap, EVQ_MAX - 2, false), i;

	r->resyncs++;
	if (rnd_pct(50)) {
		/* overflow: the core asks the backend for the dump */
		memcpy(evq.dump, snap, n * sizeof(snap[0]));
		evq.n_dump = n;
		evq_push(ref_simple_event(RTW_EV_OVERFLOW));
	} else {
		/* a dump the backend sends on its own, inline */
		evq_push(ref_simple_event(RTW_EV_DUMP_BEGIN));
		for (i = 0; i < n; i++)
			evq_push(snap[i]);
		evq_push(ref_simple_event(RTW_EV_DUMP_END));
	}
}

/* One random event into the queue and into the reference. Returns false
 * when the batch must end here (a resync). */
static bool one_op(struct run *r)
{
	unsigned k = rnd_below(1000);
	size_t target = 300;
	struct ref_route x;

	if (k < 3) {
		do_resync(r);
		return false;
	}
	if (k < 25) {
		int ifindex = 1 + (int)rnd_below((unsigned)r->g.max_ifindex);
		struct evq_item it = ref_link_event(RTW_EV_LINK_GONE, ifindex, false, false);

		evq_push(it);
		ref_link_gone(&r->ref, ifindex);
		return true;
	}
	if (k < 130) {
		struct evq_item it;

		gen_link(r, &it);
		evq_push(it);
		return true;
	}
	if (k < 300 && r->ref.n) {
		/* replace: same key, new attributes */
		x = r->ref.routes[rnd_below((unsigned)r->ref.n)];
		gen_attrs(&r->g, &x);
		evq_push(ref_route_event(RTW_EV_ROUTE_ADD, &x));
		ref_route_add(&r->ref, &x);
		return true;
	}
	if (k < 300 + (r->ref.n > target ? 450 : 250)) {
		/* delete: mostly a route that exists, with attributes that need
		 * not match (the key decides) */
		if (r->ref.n && rnd_pct(85))
			x = r->ref.routes[rnd_below((unsigned)r->ref.n)];
		else
			gen_key(&r->g, &x);
		gen_attrs(&r->g, &x);
		evq_push(ref_route_event(RTW_EV_ROUTE_DEL, &x));
		ref_route_del(&r->ref, &x);
		return true;
	}
	gen_route(&r->g, &x);
	evq_push(ref_route_event(RTW_EV_ROUTE_ADD, &x));
	ref_route_add(&r->ref, &x);
	return true;
}

static void run_start(struct run *r, const char *name, const uint32_t *order, size_t n_order,
		      enum rtw_linkdown_policy ld)
{
	struct rtw_options o;
	static struct evq_item snap[EVQ_MAX];
	size_t i, n;
	int ifindex;

	memset(r, 0, sizeof(*r));
	r->name = name;
	gen_init(&r->g);
	r->g.tables[0] = RTW_TABLE_LOCAL;
	r->g.tables[1] = RTW_TABLE_MAIN;
	r->g.tables[2] = RTW_TABLE_MAIN; /* most routes live in main */
	r->g.tables[3] = RTW_TABLE_DEFAULT;
	r->g.tables[4] = 100;
	r->g.n_tables = 5;
	ref_init(&r->ref, order, n_order, ld);

	evq_reset();
	/* the initial dump: links and some routes */
	for (ifindex = 1; ifindex < r->g.max_ifindex; ifindex++)
		ref_link_set(&r->ref, ifindex, true);
	for (i = 0; i < 150; i++) {
		struct ref_route x;

		gen_route(&r->g, &x);
		ref_route_add(&r->ref, &x);
	}
	n = gen_snapshot(r, snap, EVQ_MAX, true);
	memcpy(evq.dump, snap, n * sizeof(snap[0]));
	evq.n_dump = n;

	memset(&o, 0, sizeof(o));
	o.linkdown = ld;
	if (order != evq_tables || rnd_pct(50)) {
		o.tables = order;
		o.n_tables = n_order;
	}
	r->c = evq_ctx(&o);
	assert_non_null(r->c);
	assert_int_equal(rtw_start(r->c), 0);
	check_all_routes(r);
}

static void run_ops(struct run *r, unsigned long ops)
{
	unsigned long next_walk = 0;

	while (r->op < ops) {
		unsigned batch = rnd_pct(70) ? 1 : 2 + rnd_below(15), i;
		struct rtw_addr a;

		for (i = 0; i < batch && r->op < ops; i++) {
			r->op++;
			if (!one_op(r))
				break;
		}
		dispatch(r);
		for (i = 0; i < 6; i++) {
			gen_lookup_addr(&r->g, &r->ref, &a);
			check_lookup(r, &a);
		}
		if (r->op >= next_walk) {
			size_t j;

			check_all_routes(r);
			/* every prefix of the model, at a random inner address */
			for (j = 0; j < r->ref.n; j += 1 + rnd_below(4)) {
				a = r->ref.routes[j].dst.addr;
				perturb(&a, r->ref.routes[j].dst.len);
				check_lookup(r, &a);
			}
			next_walk = r->op + 200 + rnd_below(400);
		}
	}
	check_all_routes(r);
}

static void run_end(struct run *r)
{
	printf("# %s: %lu ops, %lu lookups, %lu full comparisons, %lu resyncs, %zu routes at end\n",
	       r->name, r->op, r->lookups, r->foreach_checks, r->resyncs, r->ref.n);
	rtw_free(r->c);
	ref_fini(&r->ref);
}

static unsigned long total_ops(void)
{
	/* sanitizers make each op several times slower */
	double base = REF_ASAN ? 250000.0 : 1000000.0;

	return (unsigned long)(base * ref_scale());
}

static void differential(const char *name, const uint32_t *order, size_t n_order,
			 enum rtw_linkdown_policy ld, unsigned share)
{
	struct run r;

	run_start(&r, name, order, n_order, ld);
	run_ops(&r, total_ops() * share / 100);
	run_end(&r);
}

static const uint32_t order_custom[] = { RTW_TABLE_MAIN, 100, RTW_TABLE_LOCAL };

static void fallback_default_order(void **state)
{
	differential("fallback, local/main/default", evq_tables, 3, RTW_LINKDOWN_FALLBACK, 35);
}

static void fail_default_order(void **state)
{
	differential("fail, local/main/default", evq_tables, 3, RTW_LINKDOWN_FAIL, 35);
}

static void fallback_custom_order(void **state)
{
	differential("fallback, main/100/local", order_custom, 3, RTW_LINKDOWN_FALLBACK, 15);
}

static void fail_custom_order(void **state)
{
	differential("fail, main/100/local", order_custom, 3, RTW_LINKDOWN_FAIL, 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fallback_default_order),
		cmocka_unit_test(fail_default_order),
		cmocka_unit_test(fallback_custom_order),
		cmocka_unit_test(fail_custom_order),
	};

	test_output_tap();
	ref_seed("test_model_diff", 20261126);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
