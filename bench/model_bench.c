/* bench/model_bench.c: the route model and the watch engine on the real
 * table: build time, memory per route, rtw_lookup() rate, insert/delete
 * latency, the cost of a link and a nexthop object that no route uses
 * coming and going, and the cost of one route event with 100k watches
 * against re-looking up every watch (the seed's approach), all in one run.
 * With --nexthop-objects K the IPv4 routes go over K Linux nexthop objects
 * (route i over object i % K + 1), as on a router that FRR manages.
 * Usage: model_bench [--smoke] [--watches N] [--events N] [--nexthop-objects K] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "benchutil.h"
#include "ctx.h"
#include "host.h"
#include "tables.h"

/* Where the shared data is when RTW_SHARED_DATA is unset (kyua sets no
 * environment): meson passes the checkout's ../shared/data. */
#ifndef RTW_DATA_DIR
#define RTW_DATA_DIR "../shared/data"
#endif

/* ---- an in-memory backend: the "kernel" is an array of events ------- */

struct membe {
	struct rtw_event *dump;
	size_t n_dump;
	struct rtw_event *live;
	size_t n_live, next;
};

static struct membe be;
static struct rtw_nexthop hop4, hop6;

static int mb_open(struct rtw_backend **ret_b, const struct rtw_backend_options *o)
{
	(void)o;
	*ret_b = (struct rtw_backend *)&be;
	return 0;
}

static int mb_fd(struct rtw_backend *b)
{
	(void)b;
	return -1;
}

static int mb_dump(struct rtw_backend *b, rtw_sink *sink, void *arg)
{
	struct rtw_event e;
	size_t i;
	int r;

	(void)b;
	memset(&e, 0, sizeof(e));
	e.type = RTW_EV_DUMP_BEGIN;
	sink(arg, &e);
	for (i = 0; i < be.n_dump; i++)
		if ((r = sink(arg, &be.dump[i])) < 0)
			return r;
	e.type = RTW_EV_DUMP_END;
	return sink(arg, &e);
}

static int mb_read(struct rtw_backend *b, rtw_sink *sink, void *arg)
{
	int n = 0;

	(void)b;
	while (be.next < be.n_live) {
		int r = sink(arg, &be.live[be.next++]);

		if (r < 0)
			return r;
		n++;
	}
	return n;
}

static void mb_close(struct rtw_backend *b)
{
	(void)b;
}

static const uint32_t mb_tables[] = { 255, 254, 253, UINT32_MAX };
static const struct rtw_backend_ops mb_ops = {
	.name = "memory",
	.open = mb_open,
	.fd = mb_fd,
	.dump = mb_dump,
	.read = mb_read,
	.close = mb_close,
	.linkdown = RTW_LINKDOWN_FALLBACK,
	.default_tables = mb_tables,
};

/* ---- helpers ----------------------------------------------------------- */

static uint64_t rng = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static struct rtw_prefix *load_prefixes(const char *path, size_t *ret_n, bool smoke)
{
	char cmd[4200], line[128];
	struct rtw_prefix *v = NULL;
	size_t n = 0, cap = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
	f = popen(cmd, "r");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (n == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				exit(1);
		}
		if (rtw_prefix_parse(line, &v[n]) == 0)
			n++;
		if (smoke && n >= 20000)
			break;
	}
	pclose(f);
	*ret_n = n;
	return v;
}

/* The smoke run's table where the shared data is missing: tables.c's
 * synthetic ones (the real table's length mix, duplicates dropped), five
 * IPv4 prefixes to one IPv6. */
static struct rtw_prefix *synthetic_prefixes(size_t n, size_t *ret_n)
{
	struct rtw_prefix *v = calloc(n, sizeof(*v));
	struct table t[2];
	size_t i, k = 0;
	unsigned f;

	if (!v)
		exit(1);
	tables_make_synthetic(&t[0], NULL, 32, n - n / 6, "syn4");
	tables_make_synthetic(&t[1], NULL, 128, n / 6, "syn6");
	for (f = 0; f < 2; f++) {
		for (i = 0; i < t[f].n; i++, k++) {
			v[k].addr.family = f ? AF_INET6 : AF_INET;
			memcpy(v[k].addr.bytes, t[f].p[i].key, sizeof(v[k].addr.bytes));
			v[k].len = t[f].p[i].len;
		}
		free(t[f].p);
	}
	*ret_n = k;
	return v;
}

static const struct rtw_prefix *prefixes; /* the table, for route_event() */
static size_t n_nhobjs;

static struct rtw_event route_event(enum rtw_event_type t, const struct rtw_prefix *p)
{
	struct rtw_event e;

	memset(&e, 0, sizeof(e));
	e.type = t;
	e.u.route.dst = *p;
	e.u.route.table = RTW_TABLE_MAIN;
	e.u.route.type = RTW_ROUTE_UNICAST;
	e.u.route.protocol = 186; /* bgp */
	if (n_nhobjs && p->addr.family == AF_INET) {
		e.u.route.nhid = (uint32_t)((size_t)(p - prefixes) % n_nhobjs) + 1;
		return e;
	}
	e.u.route.n_nexthops = 1;
	e.u.route.nexthops = p->addr.family == AF_INET ? &hop4 : &hop6;
	return e;
}

/* A random address inside p. */
static struct rtw_addr addr_in(const struct rtw_prefix *p)
{
	struct rtw_addr a = p->addr;
	unsigned bits = addr_bits(a.family), i;

	for (i = p->len; i < bits; i++)
		if (rnd() & 1)
			a.bytes[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	return a;
}

static unsigned long fired;

static void on_fire(struct rtw_watch *w, enum rtw_reason r, void *user)
{
	(void)w;
	(void)r;
	(void)user;
	fired++;
}

/* The first k of v[0 .. n) become a random choice among them, in random
 * order. */
static void shuffle_first(size_t *v, size_t n, size_t k)
{
	size_t i;

	for (i = 0; i < k; i++) {
		size_t j = i + rnd() % (n - i), t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
}

/* One route event of type t for each of P[pick[0 .. k)], each timed. */
static void time_events(struct rtw_ctx *c, enum rtw_event_type t, const struct rtw_prefix *P,
			const size_t *pick, size_t k, double *ret_lat)
{
	size_t i;

	for (i = 0; i < k; i++) {
		struct rtw_event e = route_event(t, &P[pick[i]]);
		double t0 = bench_now();

		engine_sink(c, &e);
		ret_lat[i] = bench_now() - t0;
	}
}

/* What the latencies above stand on, on this machine: the median of an
 * empty interval timed as time_events() times an event (the clock's own
 * cost, in every latency), and of a read that depends on the one before at
 * random in 64 MiB (a cache miss to memory, as an edit's read of the route
 * index's bucket is). */
static volatile size_t floor_sink;

static void floor_times(double *ret_clock_ns, double *ret_miss_ns)
{
	const size_t n = (64u << 20) / 64, hops = 1u << 20;
	size_t *next = malloc(n * 64), i, j, p = 0;
	double lat[1001], t0;

	for (i = 0; i < 1001; i++) {
		t0 = bench_now();
		lat[i] = bench_now() - t0;
	}
	qsort(lat, 1001, sizeof(double), bench_cmp_double);
	*ret_clock_ns = lat[500] * 1e9;
	*ret_miss_ns = 0;
	if (!next)
		return;
	/* one cycle through every line (Sattolo), a line's first word */
	for (i = 0; i < n; i++)
		next[i * 8] = i;
	for (i = n - 1; i > 0; i--) {
		size_t t;

		j = (size_t)(rnd() % i);
		t = next[i * 8];
		next[i * 8] = next[j * 8];
		next[j * 8] = t;
	}
	t0 = bench_now();
	for (i = 0; i < hops; i++)
		p = next[p * 8];
	*ret_miss_ns = (bench_now() - t0) * 1e9 / (double)hops;
	floor_sink = p;
	free(next);
}

/* A nexthop object with gateway g (its last octet) on link 2. */
static struct rtw_nhobj nh_single(uint32_t id, unsigned g)
{
	struct rtw_nhobj o;

	memset(&o, 0, sizeof(o));
	o.id = id;
	o.family = AF_INET;
	o.hop.ifindex = 2;
	o.hop.gateway.family = AF_INET;
	o.hop.gateway.bytes[0] = 10;
	o.hop.gateway.bytes[1] = (uint8_t)(g >> 16);
	o.hop.gateway.bytes[2] = (uint8_t)(g >> 8);
	o.hop.gateway.bytes[3] = (uint8_t)g;
	return o;
}

/* Nexthop objects as FRR keeps them: k groups { 1, i + 1 } (1 is in every
 * one, as an upstream shared by all), the first n_routes IPv4 prefixes of
 * P spread over the groups. Times, in ms: object 1 replaced, which changes
 * all k groups (*ret_all), against adding the routes (*ret_routes); then
 * every object gone in one resync (*ret_sweep) against adding them, each
 * group after its new member as FRR makes them (*ret_add). A change must
 * cost a walk of the routes, not one a group. Returns -1 when the model
 * cannot be built. */
static int nhobj_times(const struct rtw_prefix *P, size_t n, unsigned k, size_t n_routes,
		       double *ret_all, double *ret_routes, double *ret_sweep, double *ret_add)
{
	static const uint32_t tables[] = { 255, 254, 253 };
	struct rtw_nhobj_member g[2];
	struct rtw_link l;
	struct rtw_nhobj o;
	struct rtw_mem mem;
	struct model m;
	size_t i, r = 0;
	double t0;

	memset(&mem, 0, sizeof(mem));
	if (model_init(&m, &mem, tables, 3, RTW_LINKDOWN_FAIL) < 0)
		return -1;
	memset(&l, 0, sizeof(l));
	l.ifindex = 2;
	snprintf(l.name, sizeof(l.name), "eth0");
	l.admin_up = l.carrier_up = true;
	model_link_set(&m, &l);
	/* in the order FRR makes them: each group after its new member */
	t0 = bench_now();
	o = nh_single(1, 1);
	if (model_nhobj_add(&m, &o) < 0)
		return -1;
	for (i = 1; i <= k; i++) {
		o = nh_single((uint32_t)i + 1, (unsigned)i + 1);
		if (model_nhobj_add(&m, &o) < 0)
			return -1;
		memset(&o, 0, sizeof(o));
		memset(g, 0, sizeof(g));
		g[0].id = 1;
		g[1].id = (uint32_t)i + 1;
		g[0].weight = g[1].weight = 1;
		o.id = 1000000 + (uint32_t)i;
		o.family = AF_UNSPEC;
		o.n_group = 2;
		o.group = g;
		if (model_nhobj_add(&m, &o) < 0)
			return -1;
	}
	*ret_add = (bench_now() - t0) * 1e3;
	t0 = bench_now();
	for (i = 0; i < n && r < n_routes; i++) {
		struct rtw_route rt;

		if (P[i].addr.family != AF_INET)
			continue;
		memset(&rt, 0, sizeof(rt));
		rt.dst = P[i];
		rt.table = RTW_TABLE_MAIN;
		rt.type = RTW_ROUTE_UNICAST;
		rt.protocol = 186;
		rt.nhid = 1000000 + (uint32_t)(r++ % k) + 1;
		if (model_route_add(&m, &rt, 0) < 0)
			return -1;
	}
	*ret_routes = (bench_now() - t0) * 1e3;
	o = nh_single(1, 1u << 20);
	t0 = bench_now();
	model_nhobj_add(&m, &o);
	*ret_all = (bench_now() - t0) * 1e3;
	/* the routes went first in a resync (its dump lacked them too) */
	for (i = 0; i < m.n_slots; i++)
		if (m.routes[i].family) {
			struct rtw_route rt;

			memset(&rt, 0, sizeof(rt));
			rt.dst.addr.family = m.routes[i].family;
			memcpy(rt.dst.addr.bytes, m.routes[i].addr, 16);
			rt.dst.len = m.routes[i].len;
			rt.table = m.routes[i].table;
			model_route_del(&m, &rt, 0);
		}
	model_mark_begin(&m);
	t0 = bench_now();
	model_sweep(&m, NULL);
	*ret_sweep = (bench_now() - t0) * 1e3;
	i = m.n_nhobjs;
	model_fini(&m);
	return i == 0 ? 0 : -1;
}

/* A host's default route moved to another link (a failover, Wi-Fi to
 * Ethernet) while it holds n_addr addresses on lo (a load balancer's) and
 * n_watch watches without a local address: each watch asks whether the two
 * links share a network, which must cost the addresses of those links, not
 * of all. Returns the milliseconds of that one event, or -1. */
static double failover_ms(unsigned n_addr, unsigned n_watch, unsigned long *ret_fired)
{
	static const char *const gw[2] = { "192.168.1.1", "192.168.2.1" };
	struct rtw_nexthop hop;
	struct rtw_event e;
	struct rtw_ctx *c;
	unsigned k, l;
	double t0, t1;

	be.n_dump = 1; /* eth0 only */
	c = rtw_new(NULL);
	if (!c)
		return -1;
	c->ops = &mb_ops;
	if (rtw_start(c) < 0)
		return -1;
	for (l = 1; l <= 3; l += 2) { /* lo and eth1 */
		memset(&e, 0, sizeof(e));
		e.type = RTW_EV_LINK_UP;
		e.u.link.ifindex = (int)l;
		snprintf(e.u.link.name, sizeof(e.u.link.name), l == 1 ? "lo" : "eth1");
		e.u.link.admin_up = e.u.link.carrier_up = true;
		engine_sink(c, &e);
	}
	memset(&e, 0, sizeof(e));
	e.type = RTW_EV_ADDR_ADD;
	e.u.addr.ifindex = 1;
	e.u.addr.prefix.addr.family = AF_INET;
	e.u.addr.prefix.len = 32;
	for (k = 0; k < n_addr; k++) {
		e.u.addr.prefix.addr.bytes[0] = 10;
		e.u.addr.prefix.addr.bytes[1] = 200;
		e.u.addr.prefix.addr.bytes[2] = (uint8_t)(k >> 8);
		e.u.addr.prefix.addr.bytes[3] = (uint8_t)k;
		engine_sink(c, &e);
	}
	for (l = 0; l < 2; l++) {
		e.u.addr.ifindex = 2 + (int)l;
		rtw_addr_parse(gw[l], &e.u.addr.prefix.addr);
		e.u.addr.prefix.addr.bytes[3] = 10;
		e.u.addr.prefix.len = 24;
		engine_sink(c, &e);
	}
	for (k = 0; k < n_watch; k++) {
		struct sockaddr_in peer;

		memset(&peer, 0, sizeof(peer));
		peer.sin_family = AF_INET;
		peer.sin_addr.s_addr = htonl(0x01000000u + k * 37u);
		if (!rtw_watch_add(c, (struct sockaddr *)&peer, NULL, 0, on_fire, NULL))
			return -1;
	}
	t0 = t1 = 0;
	for (l = 0; l < 2; l++) {
		/* the default through eth0, then a better one through eth1 */
		memset(&hop, 0, sizeof(hop));
		hop.ifindex = 2 + (int)l;
		hop.weight = 1;
		rtw_addr_parse(gw[l], &hop.gateway);
		memset(&e, 0, sizeof(e));
		e.type = RTW_EV_ROUTE_ADD;
		e.u.route.dst.addr.family = AF_INET;
		e.u.route.table = RTW_TABLE_MAIN;
		e.u.route.type = RTW_ROUTE_UNICAST;
		e.u.route.protocol = 3; /* boot */
		e.u.route.metric = l ? 50 : 100;
		e.u.route.n_nexthops = 1;
		e.u.route.nexthops = &hop;
		*ret_fired = fired;
		t0 = bench_now();
		engine_sink(c, &e);
		t1 = bench_now();
	}
	*ret_fired = fired - *ret_fired;
	rtw_free(c); /* frees the watches too */
	return (t1 - t0) * 1e3;
}

int main(int argc, char **argv)
{
	const char *dir = getenv("RTW_SHARED_DATA");
	char path[4096];
#ifdef MODEL_BENCH_SMOKE
	bool smoke = true; /* kyua runs programs without arguments */
#else
	bool smoke = false;
#endif
	size_t n, i, n_watch = 100000, n_events = 2000, n_lookups = 2000000;
	struct rtw_prefix *P;
	struct rtw_ctx *c;
	struct sockaddr_storage *peers;
	struct rtw_watch **watches;
	double t0, t1, build_s, *lat_del, *lat_add;
	long rss0, rss1;
	struct rtw_stats st;
	volatile unsigned long sinkv = 0;
	int a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--smoke"))
			smoke = true;
		else if (!strcmp(argv[a], "--watches") && a + 1 < argc)
			n_watch = strtoul(argv[++a], NULL, 10);
		else if (!strcmp(argv[a], "--events") && a + 1 < argc)
			n_events = strtoul(argv[++a], NULL, 10);
		else if (!strcmp(argv[a], "--nexthop-objects") && a + 1 < argc)
			n_nhobjs = strtoul(argv[++a], NULL, 10);
		else {
			fprintf(stderr, "usage: model_bench [--smoke] [--watches N] [--events N] "
					"[--nexthop-objects K]\n");
			return 2;
		}
	}
	if (smoke) {
		n_watch = 2000;
		n_events = 50;
		n_lookups = 20000;
	}
	snprintf(path, sizeof(path), "%s/bgp-prefixes.txt.gz", dir ? dir : RTW_DATA_DIR);
	P = load_prefixes(path, &n, smoke);
	if ((!P || n == 0) && smoke) {
		/* the smoke run checks the program, not the numbers: on a
		 * machine without the shared data (a fresh clone), a table made
		 * up here */
		printf("model_bench: %s not found: a synthetic table (set RTW_SHARED_DATA)\n",
		       path);
		P = synthetic_prefixes(20000, &n);
	} else if (!P || n == 0) {
		printf("model_bench: %s not found: skipped (set RTW_SHARED_DATA)\n", path);
		return 0;
	}
	hop4.ifindex = hop6.ifindex = 2;
	hop4.weight = hop6.weight = 1;
	rtw_addr_parse("192.0.2.1", &hop4.gateway);
	rtw_addr_parse("fe80::1", &hop6.gateway);

	/* the dump: a link (failover_ms() takes it alone), the host's own
	 * links, addresses and routes, then every prefix */
	prefixes = P;
	be.dump = calloc(n + 1 + BENCH_HOST_EVENTS + n_nhobjs, sizeof(*be.dump));
	be.live = calloc(4, sizeof(*be.live));
	be.dump[0].type = RTW_EV_LINK_UP;
	be.dump[0].u.link.ifindex = 2;
	strcpy(be.dump[0].u.link.name, "eth0");
	be.dump[0].u.link.admin_up = be.dump[0].u.link.carrier_up = true;
	be.n_dump = 1 + bench_host_events(&be.dump[1]);
	for (i = 0; i < n_nhobjs; i++) {
		struct rtw_event *e = &be.dump[be.n_dump++];

		e->type = RTW_EV_NEXTHOP_ADD;
		e->u.nhobj.id = (uint32_t)i + 1;
		e->u.nhobj.family = AF_INET;
		e->u.nhobj.hop = hop4;
	}
	for (i = 0; i < n; i++)
		be.dump[be.n_dump++] = route_event(RTW_EV_ROUTE_ADD, &P[i]);

	rss0 = bench_rss_kib();
	c = rtw_new(NULL);
	if (!c)
		return 1;
	c->ops = &mb_ops;
	t0 = bench_now();
	if (rtw_start(c) < 0)
		return 1;
	t1 = bench_now();
	build_s = t1 - t0;
	rss1 = bench_rss_kib();
	rtw_get_stats(c, &st);
	printf("routes                      %zu", st.routes);
	if (n_nhobjs)
		printf(" (IPv4 over %zu nexthop objects)", n_nhobjs);
	printf("\n");
	printf("build (rtw_start, events)   %.3f s  (%.0f ns/route)\n", build_s, build_s * 1e9 / n);
	printf("memory, RSS growth          %.1f B/route\n", (double)(rss1 - rss0) * 1024 / n);
	printf("memory, allocator count     %.1f B/route\n", (double)st.memory / n);

	/* lookups through the public API */
	{
		/* sockaddr_in6 rather than _storage: 28 bytes a query keeps the
		 * query array itself out of the way of the caches */
		struct sockaddr_in6 *q = malloc(65536 * sizeof(*q));
		struct rtw_route r;
		int fam;

		for (fam = 0; fam < 3; fam++) {
			const char *what[] = { "IPv4 random", "IPv6 random (2000::/3)",
					       "table-drawn (both)" };

			for (i = 0; i < 65536; i++) {
				struct rtw_addr x = { 0 };

				if (fam == 0) {
					uint32_t v = (uint32_t)rnd();

					x.family = AF_INET;
					memcpy(x.bytes, &v, 4);
				} else if (fam == 1) {
					uint64_t v = rnd(), w = rnd();

					x.family = AF_INET6;
					memcpy(x.bytes, &v, 8);
					memcpy(x.bytes + 8, &w, 8);
					x.bytes[0] = (uint8_t)(0x20 | (x.bytes[0] & 0x1f));
				} else {
					x = addr_in(&P[rnd() % n]);
				}
				{
					struct sockaddr_storage ss;

					ss = addr_to_sockaddr(&x);
					memcpy(&q[i], &ss, sizeof(q[i]));
				}
			}
			t0 = bench_now();
			for (i = 0; i < n_lookups; i++)
				sinkv += (unsigned long)rtw_lookup(
				    c, (struct sockaddr *)&q[i & 65535], &r);
			t1 = bench_now();
			printf("rtw_lookup %-24s %.1f ns  (%.1f M/s)\n", what[fam],
			       (t1 - t0) * 1e9 / (double)n_lookups,
			       (double)n_lookups / (t1 - t0) / 1e6);
		}
		free(q);
	}

	/* insert and delete latency, as events through the engine: distinct
	 * random routes are deleted one after another, then added back in
	 * another order, so that neither finds the previous one's data in the
	 * nearest caches (re-adding each right after its delete would) */
	lat_del = malloc(n_events * 10 * sizeof(double));
	lat_add = malloc(n_events * 10 * sizeof(double));
	{
		size_t k = n_events * 10, *pick = malloc(n * sizeof(*pick));

		for (i = 0; i < n; i++)
			pick[i] = i;
		shuffle_first(pick, n, k);
		time_events(c, RTW_EV_ROUTE_DEL, P, pick, k, lat_del);
		shuffle_first(pick, k, k);
		time_events(c, RTW_EV_ROUTE_ADD, P, pick, k, lat_add);
		free(pick);
	}
	qsort(lat_del, n_events * 10, sizeof(double), bench_cmp_double);
	qsort(lat_add, n_events * 10, sizeof(double), bench_cmp_double);
	printf(
	    "delete median %.0f ns, p99 %.0f ns; insert median %.0f ns, p99 %.0f ns (%zu routes)\n",
	    lat_del[n_events * 5] * 1e9, lat_del[n_events * 10 * 99 / 100] * 1e9,
	    lat_add[n_events * 5] * 1e9, lat_add[n_events * 10 * 99 / 100] * 1e9, n_events * 10);
	if (!smoke) { /* 64 MiB and a million dependent reads: not a check */
		double clock_ns, miss_ns;

		floor_times(&clock_ns, &miss_ns);
		printf("clock (an empty timed interval) %.0f ns; a dependent read at random in 64 "
		       "MiB %.0f ns\n",
		       clock_ns, miss_ns);
	}

	/* an interface and a nexthop object that no route uses come and go
	 * (a container's veth, FRR cleaning up): their cost must not grow
	 * with the table */
	{
		const unsigned rounds = 200;
		struct rtw_event e;
		unsigned k;

		t0 = bench_now();
		for (k = 0; k < rounds; k++) {
			memset(&e, 0, sizeof(e));
			e.type = RTW_EV_LINK_UP;
			e.u.link.ifindex = 100000 + (int)k;
			snprintf(e.u.link.name, sizeof(e.u.link.name), "veth%u", k);
			e.u.link.admin_up = e.u.link.carrier_up = true;
			engine_sink(c, &e);
			e.type = RTW_EV_LINK_GONE;
			engine_sink(c, &e);
		}
		t1 = bench_now();
		printf("link without routes, added and removed: %.1f us", (t1 - t0) * 1e6 / rounds);
		t0 = bench_now();
		for (k = 0; k < rounds; k++) {
			memset(&e, 0, sizeof(e));
			e.type = RTW_EV_NEXTHOP_ADD;
			e.u.nhobj.id = 100000 + k;
			e.u.nhobj.family = AF_INET;
			e.u.nhobj.hop = hop4;
			engine_sink(c, &e);
			e.type = RTW_EV_NEXTHOP_DEL;
			engine_sink(c, &e);
		}
		t1 = bench_now();
		printf("; nexthop object without routes: %.1f us\n", (t1 - t0) * 1e6 / rounds);

		/* a VPN's link with a few routes loses its carrier and gets it
		 * back: the routes over it, not all the table's, are looked at */
		memset(&e, 0, sizeof(e));
		e.type = RTW_EV_LINK_UP;
		e.u.link.ifindex = 200000;
		snprintf(e.u.link.name, sizeof(e.u.link.name), "wg0");
		e.u.link.admin_up = e.u.link.carrier_up = true;
		engine_sink(c, &e);
		for (k = 0; k < 3; k++) {
			struct rtw_nexthop vpn = { .ifindex = 200000, .weight = 1 };
			struct rtw_prefix p;
			struct rtw_event re;

			memset(&p, 0, sizeof(p));
			p.addr.family = AF_INET;
			p.addr.bytes[0] = 10;
			p.addr.bytes[1] = 250;
			p.addr.bytes[2] = (uint8_t)k;
			p.len = 24;
			re = route_event(RTW_EV_ROUTE_ADD, &p);
			re.u.route.nhid = 0;
			re.u.route.n_nexthops = 1;
			re.u.route.nexthops = &vpn;
			engine_sink(c, &re);
		}
		t0 = bench_now();
		for (k = 0; k < rounds; k++) {
			e.type = RTW_EV_LINK_DOWN;
			e.u.link.carrier_up = false;
			engine_sink(c, &e);
			e.type = RTW_EV_LINK_UP;
			e.u.link.carrier_up = true;
			engine_sink(c, &e);
		}
		t1 = bench_now();
		printf("link with 3 routes, carrier lost and back: %.1f us (%.0fx an insert's "
		       "median)\n",
		       (t1 - t0) * 1e6 / rounds / 2,
		       (t1 - t0) / rounds / 2 / lat_add[n_events * 5]);
	}

	/* many local addresses (a load balancer's service addresses on lo):
	 * loading them, and watches with a local address, must not cost a scan
	 * of all of them each */
	{
		const unsigned n_addr = 10000, n_lw = 100000;
		struct rtw_watch **lw = malloc(n_lw * sizeof(*lw));
		struct sockaddr_storage local;
		struct rtw_event e;
		unsigned k;

		if (!lw)
			return 1;
		memset(&e, 0, sizeof(e));
		e.type = RTW_EV_ADDR_ADD;
		e.u.addr.ifindex = 2;
		e.u.addr.prefix.len = 128;
		e.u.addr.prefix.addr.family = AF_INET6;
		e.u.addr.prefix.addr.bytes[0] = 0x20;
		e.u.addr.prefix.addr.bytes[1] = 0x01;
		e.u.addr.prefix.addr.bytes[2] = 0x0d;
		e.u.addr.prefix.addr.bytes[3] = 0xb8;
		t0 = bench_now();
		for (k = 0; k < n_addr; k++) {
			e.u.addr.prefix.addr.bytes[14] = (uint8_t)(k >> 8);
			e.u.addr.prefix.addr.bytes[15] = (uint8_t)k;
			engine_sink(c, &e);
		}
		t1 = bench_now();
		printf("%u local addresses added: %.1f ms", n_addr, (t1 - t0) * 1e3);
		t0 = bench_now();
		for (k = 0; k < n_lw; k++) {
			struct rtw_addr x = addr_in(&P[rnd() % n]), l = e.u.addr.prefix.addr;
			struct sockaddr_storage peer = addr_to_sockaddr(&x);
			unsigned v = (unsigned)(rnd() % n_addr);

			/* IPv6 peers get one of the addresses as their local one */
			l.bytes[14] = (uint8_t)(v >> 8);
			l.bytes[15] = (uint8_t)v;
			local = addr_to_sockaddr(&l);
			lw[k] =
			    rtw_watch_add(c, (struct sockaddr *)&peer,
					  x.family == AF_INET6 ? (struct sockaddr *)&local : NULL,
					  0, on_fire, NULL);
			if (!lw[k])
				return 1;
		}
		t1 = bench_now();
		printf("; %u watches (IPv6 ones with a local address) added: %.1f ms\n", n_lw,
		       (t1 - t0) * 1e3);
		for (k = 0; k < n_lw; k++)
			rtw_watch_del(lw[k]);
		free(lw);
		e.type = RTW_EV_ADDR_DEL;
		for (k = 0; k < n_addr; k++) {
			e.u.addr.prefix.addr.bytes[14] = (uint8_t)(k >> 8);
			e.u.addr.prefix.addr.bytes[15] = (uint8_t)k;
			engine_sink(c, &e);
		}
	}

	/* watches: peers inside random table prefixes */
	peers = malloc(n_watch * sizeof(*peers));
	watches = malloc(n_watch * sizeof(*watches));
	for (i = 0; i < n_watch; i++) {
		struct rtw_addr x = addr_in(&P[rnd() % n]);

		peers[i] = addr_to_sockaddr(&x);
		watches[i] = rtw_watch_add(c, (struct sockaddr *)&peers[i], NULL, 0, on_fire, NULL);
		if (!watches[i])
			return 1;
	}
	{
		double engine = 0, brute = 0;
		unsigned long changes = 0;

		/* one route event at a time: delete then re-add a random prefix */
		for (i = 0; i < n_events; i++) {
			const struct rtw_prefix *p = &P[rnd() % n];
			size_t k;

			be.live[0] = route_event(RTW_EV_ROUTE_DEL, p);
			be.n_live = 1;
			be.next = 0;
			t0 = bench_now();
			rtw_dispatch(c);
			engine += bench_now() - t0;
			be.live[0] = route_event(RTW_EV_ROUTE_ADD, p);
			be.next = 0;
			t0 = bench_now();
			rtw_dispatch(c);
			engine += bench_now() - t0;
			changes += 2;
			/* the seed's approach: look every watch up again */
			if (i < 20) {
				t0 = bench_now();
				for (k = 0; k < n_watch; k++)
					sinkv += (unsigned long)rtw_lookup(
					    c, (struct sockaddr *)&peers[k], NULL);
				brute += bench_now() - t0;
			}
		}
		engine /= (double)changes;
		brute /= (double)(n_events < 20 ? n_events : 20);
		printf("one route event, %zu watches: %.2f us; re-looking up every watch: %.0f us; "
		       "ratio %.0fx (%lu invalidations)\n",
		       n_watch, engine * 1e6, brute * 1e6, brute / engine, fired);
	}
	for (i = 0; i < n_watch; i++)
		rtw_watch_del(watches[i]);
	rtw_free(c);
	{
		unsigned n_addr = smoke ? 1000 : 10000, n_fw = smoke ? 10000 : 100000;
		unsigned long moved = 0;
		double ms = failover_ms(n_addr, n_fw, &moved);

		if (ms < 0)
			return 1;
		printf("default route moved to another link, %u addresses on lo, %u watches: "
		       "%.1f ms (%lu fired)\n",
		       n_addr, n_fw, ms, moved);
	}
	{
		unsigned k = smoke ? 200 : 4000;
		size_t nr = smoke ? 20000 : 500000;
		double all, routes, sweep, add;

		if (nhobj_times(P, n, k, nr, &all, &routes, &sweep, &add) < 0)
			return 1;
		printf("nexthop object in %u groups of %zu routes replaced: %.1f ms, adding the "
		       "routes: %.1f ms (%.2fx)\n",
		       k, nr, all, routes, all / routes);
		printf("%u nexthop objects and groups gone in one resync: %.2f ms, adding them: "
		       "%.2f ms "
		       "(%.2fx)\n",
		       2 * k + 1, sweep, add, sweep / add);
	}
	free(watches);
	free(peers);
	free(lat_del);
	free(lat_add);
	free(be.dump);
	free(be.live);
	free(P);
	return sinkv == 42 ? 1 : 0;
}
