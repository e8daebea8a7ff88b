/* The route model and lookups (core/table.c, core/lpm.c through the public
 * API): a randomized differential test against the reference model of
 * refmodel.h, over both link-down policies, Linux's per-device settings
 * (netconf events) and several table orders. */
#include "refmodel.h"
#include "testutil.h"

/* ---- one run -------------------------------------------------------- */

struct run {
	struct gen g;
	struct ref ref;
	struct rtw_ctx *c;
	const char *name;
	unsigned long op, lookups, foreach_checks, resyncs, netconfs;
	bool netconf; /* Linux netconf events among the operations */
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
	if (getenv("RTW_TEST_VERBOSE")) {
		size_t i;

		for (i = 0; i < r->ref.n; i++)
			if (r->ref.routes[i].dst.addr.family == a->family &&
			    prefix_contains(&r->ref.routes[i].dst, a)) {
				ref_route_str(&r->ref, &r->ref.routes[i], s1, sizeof(s1));
				printf("# candidate seq %llu: %s\n",
				       (unsigned long long)r->ref.routes[i].seq, s1);
			}
	}
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
	ref_link_set_state(&r->ref, ifindex, admin, carrier);
}

/* RTW_TEST_TRACE=prefix prints every event about that prefix, for
 * replaying a failure. */
static void trace(const struct run *r, const char *what, const struct ref_route *x)
{
	const char *want = getenv("RTW_TEST_TRACE");
	char p[64], s[600];

	if (!want)
		return;
	rtw_prefix_format(&x->dst, p, sizeof(p));
	if (strcmp(p, want))
		return;
	ref_route_str(&r->ref, x, s, sizeof(s));
	printf("# op %lu: %s %s (disc %d)\n", r->op, what, s, ref_disc(x));
}

static void do_resync(struct run *r)
{
	static struct evq_item snap[EVQ_MAX];
	size_t n = gen_snapshot(&r->g, &r->ref, snap, EVQ_MAX - 2, false), i;

	r->resyncs++;
	for (i = 0; i < n; i++)
		if (snap[i].ev.type == RTW_EV_ROUTE_ADD) {
			struct ref_route x;

			ref_from_event(&snap[i], &x);
			trace(r, "in dump", &x);
		}
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

	if (r->netconf && k >= 970) {
		/* a device's ignore_routes_with_linkdown, all's or the default */
		struct evq_item it;
		unsigned w = rnd_below(10);

		memset(&it, 0, sizeof(it));
		it.ev.type = RTW_EV_NETCONF;
		it.ev.u.netconf.family = rnd_pct(50) ? AF_INET : AF_INET6;
		it.ev.u.netconf.ifindex = w == 0   ? RTW_NETCONF_ALL
					  : w == 1 ? RTW_NETCONF_DEFAULT
						   : 1 + (int)rnd_below((unsigned)r->g.max_ifindex);
		it.ev.u.netconf.ignore_linkdown = rnd_pct(50);
		evq_push(it);
		ref_netconf(&r->ref, it.ev.u.netconf.family, it.ev.u.netconf.ifindex,
			    it.ev.u.netconf.ignore_linkdown);
		r->netconfs++;
		return true;
	}
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
		trace(r, "replace", &x);
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
		trace(r, "delete", &x);
		evq_push(ref_route_event(RTW_EV_ROUTE_DEL, &x));
		ref_route_del(&r->ref, &x);
		return true;
	}
	gen_route(&r->g, &x);
	trace(r, "add", &x);
	evq_push(ref_route_event(RTW_EV_ROUTE_ADD, &x));
	ref_route_add(&r->ref, &x);
	return true;
}

/* Which tables the generated routes go to. */
enum spread { SPREAD_ALL, SPREAD_MAIN, SPREAD_LOCAL_MAIN };

static void run_start(struct run *r, const char *name, const uint32_t *order, size_t n_order,
		      enum rtw_linkdown_policy ld, enum spread spread)
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
	if (spread == SPREAD_MAIN) {
		r->g.tables[0] = RTW_TABLE_MAIN;
		r->g.n_tables = 1;
	} else if (spread == SPREAD_LOCAL_MAIN) {
		r->g.n_tables = 3; /* local, main, main */
	}
	/* with no policy of its own, the context has the backend's (evq's) */
	ref_init(&r->ref, order, n_order, ld == RTW_LINKDOWN_DEFAULT ? RTW_LINKDOWN_FALLBACK : ld);
	r->netconf = ld == RTW_LINKDOWN_DEFAULT;

	evq_reset();
	/* the initial dump: links and some routes */
	for (ifindex = 1; ifindex < r->g.max_ifindex; ifindex++)
		ref_link_set(&r->ref, ifindex, true);
	for (i = 0; i < 150; i++) {
		struct ref_route x;

		gen_route(&r->g, &x);
		ref_route_add(&r->ref, &x);
	}
	n = gen_snapshot(&r->g, &r->ref, snap, EVQ_MAX, true);
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
	/* one table answering from its front array or direct index (after a
	 * local table that covers nothing of the address's first octet) is
	 * the path rtw_lookup() takes without the general policy walk */
	if (spread != SPREAD_ALL)
		model_set_index_min(&r->c->model, 1);
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
	printf("# %s: %lu ops, %lu lookups, %lu full comparisons, %lu resyncs, %lu netconf, "
	       "%zu routes at end\n",
	       r->name, r->op, r->lookups, r->foreach_checks, r->resyncs, r->netconfs, r->ref.n);
	rtw_free(r->c);
	ref_fini(&r->ref);
}

static unsigned long total_ops(void)
{
	/* 1M in well under 30 s, and under 120 s with sanitizers too */
	double base = 1000000.0;

	return (unsigned long)(base * test_scale());
}

static void differential_tables(const char *name, const uint32_t *order, size_t n_order,
				enum rtw_linkdown_policy ld, unsigned share, enum spread spread)
{
	struct run r;

	run_start(&r, name, order, n_order, ld, spread);
	run_ops(&r, total_ops() * share / 100);
	run_end(&r);
}

static void differential(const char *name, const uint32_t *order, size_t n_order,
			 enum rtw_linkdown_policy ld, unsigned share)
{
	differential_tables(name, order, n_order, ld, share, SPREAD_ALL);
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

/* Routes in main only, or in local and main, with the LPM indexes of big
 * tables from the first prefix on: lookups take rtw_lookup()'s one-table
 * path. */
static void fallback_main_only_indexed(void **state)
{
	differential_tables("fallback, main only, indexed", evq_tables, 3, RTW_LINKDOWN_FALLBACK, 7,
			    SPREAD_MAIN);
}

static void fail_main_only_indexed(void **state)
{
	differential_tables("fail, main only, indexed", evq_tables, 3, RTW_LINKDOWN_FAIL, 7,
			    SPREAD_MAIN);
}

static void fallback_local_main_indexed(void **state)
{
	differential_tables("fallback, local and main, indexed", evq_tables, 3,
			    RTW_LINKDOWN_FALLBACK, 7, SPREAD_LOCAL_MAIN);
}

/* The backend's policy, then Linux's per-device settings as netconf events
 * tell them (an explicit policy ignores those). */
static void netconf_default_order(void **state)
{
	differential("netconf, local/main/default", evq_tables, 3, RTW_LINKDOWN_DEFAULT, 15);
}

static void netconf_main_only_indexed(void **state)
{
	differential_tables("netconf, main only, indexed", evq_tables, 3, RTW_LINKDOWN_DEFAULT, 7,
			    SPREAD_MAIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fallback_default_order),
		cmocka_unit_test(fail_default_order),
		cmocka_unit_test(fallback_custom_order),
		cmocka_unit_test(fail_custom_order),
		cmocka_unit_test(fallback_main_only_indexed),
		cmocka_unit_test(fail_main_only_indexed),
		cmocka_unit_test(fallback_local_main_indexed),
		cmocka_unit_test(netconf_default_order),
		cmocka_unit_test(netconf_main_only_indexed),
	};

	test_output_tap();
	ref_seed("test_model_diff", 20261126);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
