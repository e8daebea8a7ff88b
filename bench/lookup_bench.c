/* bench/lookup_bench.c: lookups through the public rtw_lookup(), resident
 * memory per route, and insert/delete rates, against DPDK rte_lpm/rte_lpm6,
 * nDPI's patricia tree and a first-match linear scan, each peer in its own
 * process, all of a table's alive at once and measuring in turn.
 * Usage: lookup_bench [--smoke] [--quick] [--rounds N] [--data DIR]
 * [--only syn-1k|syn-10k|syn-100k|real] [--impl routewatch|rte_lpm|ndpi|scan] */
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "ctx.h"

#include "benchutil.h"
#include "host.h"
#include "tables.h"

#ifdef HAVE_DPDK
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#endif
#ifdef HAVE_NDPI
#include <ndpi_api.h>
#endif

/* Where the shared data is when RTW_SHARED_DATA is unset (kyua sets no
 * environment): meson passes the checkout's ../shared/data. */
#ifndef RTW_DATA_DIR
#define RTW_DATA_DIR "../shared/data"
#endif

#define NONE UINT32_MAX

/* ---- measuring ---- */

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void fatal(const char *what)
{
	fprintf(stderr, "lookup_bench: %s\n", what);
	exit(2);
}

/* ---- one implementation under test ---- */

struct impl {
	const char *name4, *name6;
	/* per process, before memory is counted: DPDK's EAL and sizing */
	int (*init)(const struct table *t);
	void *(*create)(const struct table *t);
	int (*insert)(void *h, const struct pfx *p, uint32_t idx);
	int (*remove)(void *h, const struct pfx *p);
	/* the implementation's own query form, made before timing */
	void *(*queries)(void *h, const uint8_t (*keys)[16], size_t n);
	/* sum of answers to queries [from, from + n): the timed loop */
	uint64_t (*many)(void *h, const void *q, size_t from, size_t n);
	/* the matched prefix (smoke checks); 0 when none matched */
	int (*answer)(void *h, const struct table *t, const uint8_t *key, struct pfx *ret);
	void (*destroy)(void *h);
	size_t max_n; /* 0: any table size */
};

static void *raw_queries(void *h, const uint8_t (*keys)[16], size_t n)
{
	(void)h;
	(void)n;
	return (void *)keys;
}

/* ---- routewatch through its public lookup, fed by an in-memory backend ---- */

static struct rtw_nexthop hop4, hop6;

static int mem_open(struct rtw_backend **ret_b, const struct rtw_backend_options *o)
{
	static int token;

	(void)o;
	*ret_b = (struct rtw_backend *)&token;
	return 0;
}

static int mem_fd(struct rtw_backend *b)
{
	(void)b;
	return -1;
}

/* The host's own links, addresses and routes (host.h); the table comes as
 * route events after the start. */
static int mem_dump(struct rtw_backend *b, rtw_sink *sink, void *arg)
{
	struct rtw_event e, host[BENCH_HOST_EVENTS];
	size_t i, n = bench_host_events(host);
	int r;

	(void)b;
	memset(&e, 0, sizeof(e));
	e.type = RTW_EV_DUMP_BEGIN;
	if ((r = sink(arg, &e)) < 0)
		return r;
	for (i = 0; i < n; i++)
		if ((r = sink(arg, &host[i])) < 0)
			return r;
	e.type = RTW_EV_DUMP_END;
	return sink(arg, &e);
}

static int mem_read(struct rtw_backend *b, rtw_sink *sink, void *arg)
{
	(void)b;
	(void)sink;
	(void)arg;
	return 0;
}

static void mem_close(struct rtw_backend *b)
{
	(void)b;
}

static const uint32_t mem_tables[] = { 255, 254, 253, UINT32_MAX };
static const struct rtw_backend_ops mem_ops = {
	.name = "memory",
	.open = mem_open,
	.fd = mem_fd,
	.dump = mem_dump,
	.read = mem_read,
	.close = mem_close,
	.linkdown = RTW_LINKDOWN_FALLBACK,
	.default_tables = mem_tables,
};

static void *rtw_create(const struct table *t)
{
	struct rtw_ctx *c = rtw_new(NULL);

	(void)t;
	if (!c)
		return NULL;
	hop4.ifindex = hop6.ifindex = 2;
	hop4.weight = hop6.weight = 1;
	rtw_addr_parse("192.0.2.1", &hop4.gateway);
	rtw_addr_parse("fe80::1", &hop6.gateway);
	c->ops = &mem_ops;
	if (rtw_start(c) < 0) {
		rtw_free(c);
		return NULL;
	}
	return c;
}

static void rtw_destroy(void *h)
{
	rtw_free(h);
}

/* A BGP route through one gateway, as the netlink backend would deliver it. */
static int rtw_route_event(void *h, const struct pfx *p, enum rtw_event_type type, unsigned bits)
{
	struct rtw_event e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.u.route.dst.addr.family = bits == 32 ? AF_INET : AF_INET6;
	memcpy(e.u.route.dst.addr.bytes, p->key, bits / 8);
	e.u.route.dst.len = p->len;
	e.u.route.table = RTW_TABLE_MAIN;
	e.u.route.type = RTW_ROUTE_UNICAST;
	e.u.route.protocol = 186;
	e.u.route.n_nexthops = 1;
	e.u.route.nexthops = bits == 32 ? &hop4 : &hop6;
	return engine_sink(h, &e);
}

static unsigned g_bits; /* the family of the table being measured */

static int rtw_insert_(void *h, const struct pfx *p, uint32_t idx)
{
	(void)idx;
	return rtw_route_event(h, p, RTW_EV_ROUTE_ADD, g_bits);
}

static int rtw_remove_(void *h, const struct pfx *p)
{
	return rtw_route_event(h, p, RTW_EV_ROUTE_DEL, g_bits);
}

/* Applications hold sockaddrs, so that is what is timed. */
static void *rtw_queries(void *h, const uint8_t (*keys)[16], size_t n)
{
	size_t i;

	(void)h;
	if (g_bits == 32) {
		struct sockaddr_in *q = calloc(n, sizeof(*q));

		if (!q)
			fatal("out of memory for queries");
		for (i = 0; i < n; i++) {
			q[i].sin_family = AF_INET;
			memcpy(&q[i].sin_addr, keys[i], 4);
		}
		return q;
	} else {
		struct sockaddr_in6 *q = calloc(n, sizeof(*q));

		if (!q)
			fatal("out of memory for queries");
		for (i = 0; i < n; i++) {
			q[i].sin6_family = AF_INET6;
			memcpy(&q[i].sin6_addr, keys[i], 16);
		}
		return q;
	}
}

static uint64_t rtw_many(void *h, const void *q, size_t from, size_t n)
{
	const struct rtw_ctx *c = h;
	struct rtw_route r;
	uint64_t sum = 0;
	size_t i;

	if (g_bits == 32) {
		const struct sockaddr_in *s = q;

		for (i = from; i < from + n; i++)
			if (rtw_lookup(c, (const struct sockaddr *)&s[i], &r) == 0)
				sum += r.dst.len;
	} else {
		const struct sockaddr_in6 *s = q;

		for (i = from; i < from + n; i++)
			if (rtw_lookup(c, (const struct sockaddr *)&s[i], &r) == 0)
				sum += r.dst.len;
	}
	return sum;
}

static int rtw_answer(void *h, const struct table *t, const uint8_t *key, struct pfx *ret)
{
	struct rtw_addr a;
	struct rtw_route r;

	memset(&a, 0, sizeof(a));
	a.family = t->bits == 32 ? AF_INET : AF_INET6;
	memcpy(a.bytes, key, t->bits / 8);
	if (rtw_lookup_addr(h, &a, &r) < 0)
		return 0;
	memset(ret, 0, sizeof(*ret));
	memcpy(ret->key, r.dst.addr.bytes, 16);
	ret->len = r.dst.len;
	return 1;
}

/* ---- the seed's approach: an unsorted list, new routes at the tail, and
 * a lookup that takes the first entry covering the address (not the
 * longest: the seed's own behaviour, and its cost). ---- */

struct scan {
	size_t n, cap;
	struct pfx *e;
	uint32_t *idx;
};

static void *scan_create(const struct table *t)
{
	struct scan *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cap = t->n + 1;
	s->e = calloc(s->cap, sizeof(*s->e));
	s->idx = calloc(s->cap, sizeof(*s->idx));
	if (!s->e || !s->idx) {
		free(s->e);
		free(s->idx);
		free(s);
		return NULL;
	}
	return s;
}

static void scan_destroy(void *h)
{
	struct scan *s = h;

	free(s->e);
	free(s->idx);
	free(s);
}

static int covers(const struct pfx *e, const uint8_t *addr)
{
	unsigned full = e->len / 8, rest = e->len % 8;

	if (memcmp(e->key, addr, full) != 0)
		return 0;
	return rest == 0 || ((e->key[full] ^ addr[full]) & (0xff00u >> rest)) == 0;
}

static int scan_insert(void *h, const struct pfx *p, uint32_t idx)
{
	struct scan *s = h;

	if (s->n == s->cap)
		return -ENOSPC;
	s->e[s->n] = *p;
	s->idx[s->n++] = idx;
	return 0;
}

static int scan_remove(void *h, const struct pfx *p)
{
	struct scan *s = h;
	size_t i;

	/* order decides which match comes first: keep it */
	for (i = 0; i < s->n; i++)
		if (s->e[i].len == p->len && memcmp(s->e[i].key, p->key, 16) == 0) {
			memmove(&s->e[i], &s->e[i + 1], (s->n - i - 1) * sizeof(*s->e));
			memmove(&s->idx[i], &s->idx[i + 1], (s->n - i - 1) * sizeof(*s->idx));
			s->n--;
			return 0;
		}
	return -ENOENT;
}

static size_t scan_find(const struct scan *s, const uint8_t *addr)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (covers(&s->e[i], addr))
			return i;
	return SIZE_MAX;
}

static uint64_t scan_many(void *h, const void *q, size_t from, size_t n)
{
	const uint8_t(*keys)[16] = q;
	const struct scan *s = h;
	uint64_t sum = 0;
	size_t i, at;

	for (i = from; i < from + n; i++)
		if ((at = scan_find(s, keys[i])) != SIZE_MAX)
			sum += s->idx[at];
	return sum;
}

static int scan_answer(void *h, const struct table *t, const uint8_t *key, struct pfx *ret)
{
	const struct scan *s = h;
	size_t at = scan_find(s, key);

	(void)t;
	if (at == SIZE_MAX)
		return 0;
	*ret = s->e[at];
	return 1;
}

/* ---- DPDK rte_lpm and rte_lpm6 ---- */

#ifdef HAVE_DPDK
struct dpdk {
	struct rte_lpm *v4;
	struct rte_lpm6 *v6;
};

static uint32_t dpdk_groups(const struct table *t);
static uint32_t dpdk_tbl8s; /* counted in dpdk_init, before RSS is read */

static int dpdk_init(const struct table *t)
{
	char prefix[64];
	char *argv[] = { "lookup_bench", "--no-huge",	"--no-pci",
			 "--no-shconf",	 "-m",		"2048",
			 "--log-level",	 "lib.*:error", "--file-prefix",
			 prefix,	 NULL };

	snprintf(prefix, sizeof(prefix), "rtwbench%ld", (long)getpid());
	if (rte_eal_init(10, argv) < 0) {
		fprintf(stderr, "lookup_bench: DPDK EAL did not start: %s\n",
			rte_strerror(rte_errno));
		return -1;
	}
	/* the count's scratch copy of the table would otherwise stay in the
	 * heap and be charged to rte_lpm */
	dpdk_tbl8s = t ? dpdk_groups(t) : 16384; /* smoke tables: 1k prefixes */
	return 0;
}

static int pfx_bytes_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/* DPDK sizes its tables at creation. The tbl8 groups a table needs are
 * counted from the prefixes themselves (one group per distinct byte string
 * a longer prefix passes through), so the peer is charged for what it needs,
 * not for a guess. */
static uint32_t dpdk_groups(const struct table *t)
{
	struct pfx *s = malloc(t->n * sizeof(*s));
	unsigned j;
	uint64_t groups = 0;
	size_t i;

	if (!s)
		fatal("out of memory");
	memcpy(s, t->p, t->n * sizeof(*s));
	qsort(s, t->n, sizeof(*s), pfx_bytes_cmp);
	for (j = 3; j < t->bits / 8; j++) { /* tbl24 holds the first 3 bytes */
		const struct pfx *last = NULL;

		for (i = 0; i < t->n; i++) {
			unsigned deepest = (s[i].len + 7u) / 8u; /* bytes it spans */

			if (deepest <= j)
				continue;
			if (!last || memcmp(last->key, s[i].key, j) != 0)
				groups++;
			last = &s[i];
		}
	}
	free(s);
	return (uint32_t)(groups + groups / 8 + 64);
}

static void *dpdk_create(const struct table *t)
{
	static unsigned seq;
	struct dpdk *h = calloc(1, sizeof(*h));
	char name[32];

	if (!h)
		return NULL;
	snprintf(name, sizeof(name), "b%u", seq++);
	if (t->bits == 32) {
		struct rte_lpm_config c = { .max_rules = (uint32_t)t->n + 16,
					    .number_tbl8s = dpdk_tbl8s };

		h->v4 = rte_lpm_create(name, SOCKET_ID_ANY, &c);
	} else {
		struct rte_lpm6_config c = { .max_rules = (uint32_t)t->n + 16,
					     .number_tbl8s = dpdk_tbl8s };

		h->v6 = rte_lpm6_create(name, SOCKET_ID_ANY, &c);
	}
	if (!h->v4 && !h->v6) {
		free(h);
		return NULL;
	}
	return h;
}

static void dpdk_destroy(void *p)
{
	struct dpdk *h = p;

	rte_lpm_free(h->v4);
	rte_lpm6_free(h->v6);
	free(h);
}

static uint32_t be32(const uint8_t *a)
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static int dpdk_insert(void *p, const struct pfx *x, uint32_t idx)
{
	struct dpdk *h = p;

	/* rte_lpm keeps 24-bit next hops */
	idx &= 0xffffff;
	if (h->v4)
		return rte_lpm_add(h->v4, be32(x->key), x->len, idx);
	return rte_lpm6_add(h->v6, x->key, x->len, idx);
}

static int dpdk_remove(void *p, const struct pfx *x)
{
	struct dpdk *h = p;

	if (h->v4)
		return rte_lpm_delete(h->v4, be32(x->key), x->len);
	return rte_lpm6_delete(h->v6, x->key, x->len);
}

static uint64_t dpdk_many(void *p, const void *q, size_t from, size_t n)
{
	const uint8_t(*keys)[16] = q;
	const struct dpdk *h = p;
	uint64_t sum = 0;
	uint32_t nh;
	size_t i;

	if (h->v4) {
		for (i = from; i < from + n; i++)
			if (rte_lpm_lookup(h->v4, be32(keys[i]), &nh) == 0)
				sum += nh;
	} else {
		for (i = from; i < from + n; i++)
			if (rte_lpm6_lookup(h->v6, keys[i], &nh) == 0)
				sum += nh;
	}
	return sum;
}

static int dpdk_answer(void *p, const struct table *t, const uint8_t *key, struct pfx *ret)
{
	const struct dpdk *h = p;
	uint32_t nh;
	int r = h->v4 ? rte_lpm_lookup(h->v4, be32(key), &nh) : rte_lpm6_lookup(h->v6, key, &nh);

	if (r != 0)
		return 0;
	*ret = t->p[nh];
	return 1;
}
#endif

/* ---- nDPI patricia (the MRT/BSD radix family) ---- */

#ifdef HAVE_NDPI
static void ndpi_pfx(unsigned bits, const uint8_t *key, unsigned len, ndpi_prefix_t *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (bits == 32) {
		struct in_addr a;

		memcpy(&a, key, 4);
		ndpi_fill_prefix_v4(ret, &a, (int)len, 32);
	} else {
		struct in6_addr a;

		memcpy(&a, key, 16);
		ndpi_fill_prefix_v6(ret, &a, (int)len, 128);
	}
}

static void *ndpi_create(const struct table *t)
{
	return ndpi_patricia_new((u_int16_t)t->bits);
}

static void ndpi_destroy(void *h)
{
	ndpi_patricia_destroy(h, NULL);
}

static int ndpi_insert(void *h, const struct pfx *x, uint32_t idx)
{
	ndpi_patricia_node_t *node;
	ndpi_prefix_t pr;

	ndpi_pfx(g_bits, x->key, x->len, &pr);
	node = ndpi_patricia_lookup(h, &pr);
	if (!node)
		return -ENOMEM;
	ndpi_patricia_set_node_u64(node, idx);
	return 0;
}

static int ndpi_remove(void *h, const struct pfx *x)
{
	ndpi_patricia_node_t *node;
	ndpi_prefix_t pr;

	ndpi_pfx(g_bits, x->key, x->len, &pr);
	node = ndpi_patricia_search_exact(h, &pr);
	if (!node)
		return -ENOENT;
	ndpi_patricia_remove(h, node);
	return 0;
}

static uint64_t ndpi_many(void *h, const void *q, size_t from, size_t n)
{
	const uint8_t(*keys)[16] = q;
	uint64_t sum = 0;
	size_t i;

	for (i = from; i < from + n; i++) {
		ndpi_patricia_node_t *node;
		ndpi_prefix_t pr;

		ndpi_pfx(g_bits, keys[i], g_bits, &pr);
		node = ndpi_patricia_search_best(h, &pr);
		if (node)
			sum += ndpi_patricia_get_node_u64(node);
	}
	return sum;
}

static int ndpi_answer(void *h, const struct table *t, const uint8_t *key, struct pfx *ret)
{
	ndpi_patricia_node_t *node;
	ndpi_prefix_t pr;

	ndpi_pfx(t->bits, key, t->bits, &pr);
	node = ndpi_patricia_search_best(h, &pr);
	if (!node)
		return 0;
	*ret = t->p[ndpi_patricia_get_node_u64(node)];
	return 1;
}
#endif

static const struct impl impls[] = {
	{ "routewatch", "routewatch", NULL, rtw_create, rtw_insert_, rtw_remove_, rtw_queries,
	  rtw_many, rtw_answer, rtw_destroy, 0 },
#ifdef HAVE_DPDK
	{ "rte_lpm", "rte_lpm6", dpdk_init, dpdk_create, dpdk_insert, dpdk_remove, raw_queries,
	  dpdk_many, dpdk_answer, dpdk_destroy, 0 },
#endif
#ifdef HAVE_NDPI
	{ "ndpi", "ndpi", NULL, ndpi_create, ndpi_insert, ndpi_remove, raw_queries, ndpi_many,
	  ndpi_answer, ndpi_destroy, 0 },
#endif
	{ "scan", "scan", NULL, scan_create, scan_insert, scan_remove, raw_queries, scan_many,
	  scan_answer, scan_destroy, 0 },
};
#define NIMPL (sizeof(impls) / sizeof(impls[0]))

/* ---- one measurement, in a child process ---- */

/* What a child's build tells the parent. */
struct result {
	int ok;
	double rss_b;	  /* resident growth while building, bytes per route */
	double build_mps; /* million inserts/s building the whole table */
};

static volatile uint64_t sink_v;

/* Lookups per second: five slices of min_s / 5 of CPU time each, the
 * median. Chunks grow from one key, so that the linear scan on a big table
 * (milliseconds a lookup) still ends its slice on time. */
static double time_lookups(const struct impl *im, void *h, const void *q, size_t nkeys,
			   double min_s)
{
	double rate[5];
	size_t chunk = 1, off = 0;
	unsigned s;

	for (s = 0; s < 5; s++) {
		double t0 = bench_cpu_now(), t = 0, last = t0;
		size_t done = 0;

		do {
			size_t c = off + chunk > nkeys ? nkeys - off : chunk;
			double t1;

			sink_v += im->many(h, q, off, c);
			done += c;
			off = (off + c) % nkeys;
			t1 = bench_cpu_now();
			if (t1 - last < min_s / 100 && chunk < 65536)
				chunk *= 2;
			last = t1;
			t = t1 - t0;
		} while (t < min_s / 5);
		rate[s] = (double)done / t / 1e6;
	}
	return median(rate, 5);
}

/* Builds the table in a fresh process: resident growth and insert rate
 * into *r (r->ok set when it all went in). Returns the handle, or NULL. */
static void *build(const struct impl *im, const struct table *t, struct result *r)
{
	size_t i;
	long rss0, rss1;
	double t0;
	void *h;

	memset(r, 0, sizeof(*r));
	g_bits = t->bits;
	if (im->init && im->init(t) < 0)
		return NULL;
#ifdef __GLIBC__
	malloc_trim(0); /* what the parent freed is not ours to count */
#endif
	rss0 = bench_rss_kib();
	t0 = bench_cpu_now();
	h = im->create(t);
	if (!h)
		return NULL;
	for (i = 0; i < t->n; i++)
		if (im->insert(h, &t->p[i], (uint32_t)i) < 0) {
			fprintf(stderr, "lookup_bench: %s: insert %zu of %s failed\n", im->name4, i,
				t->name);
			return NULL;
		}
	r->build_mps = (double)t->n / (bench_cpu_now() - t0) / 1e6;
	rss1 = bench_rss_kib();
	r->rss_b = (double)(rss1 - rss0) * 1024.0 / (double)t->n;
	r->ok = 1;
	return h;
}

/* Delete and insert rates into ret[0], ret[1]: a sample spread over the
 * table by a stride prime to its size, all deletes first, then the inserts
 * back (the table is whole again after), so that neither finds the path
 * warm from the other; slow structures stop at a time budget. */
static void edit_rates(const struct impl *im, const struct table *t, void *h, double budget,
		       double ret[2])
{
	size_t m = t->n < 20000 ? t->n : 20000, done;
	double t0 = bench_cpu_now();

	for (done = 0; done < m && (done % 64 || bench_cpu_now() - t0 < budget); done++)
		im->remove(h, &t->p[(done * 7919) % t->n]);
	ret[0] = (double)done / (bench_cpu_now() - t0) / 1e6;
	m = done;
	t0 = bench_cpu_now();
	for (done = 0; done < m; done++)
		im->insert(h, &t->p[(done * 7919) % t->n], (uint32_t)((done * 7919) % t->n));
	ret[1] = (double)done / (bench_cpu_now() - t0) / 1e6;
}

/* ---- the implementations of one table, alive side by side ----
 *
 * Each is built in its own process (its memory is its own), and all stay
 * alive while the parent lets them measure in turn, a slice of lookups
 * each: this host's speed swings over minutes, and peers measured one
 * after another (as this program did) could land in different phases (a
 * ratio of 0.64 against 1.01 minutes later). Slices of a fraction of a
 * second side by side see the same machine, and the first of the five
 * parts a slice is the median of pays for the caches the other left. */

enum ask { ASK_LOOKUP, ASK_EDIT, ASK_QUIT };

struct ask_msg {
	int ask;
	int w;	  /* ASK_LOOKUP: random (0) or table-drawn (1) keys */
	double s; /* CPU seconds: a lookup slice, or an edit round's budget */
};

struct kid {
	pid_t pid; /* -1: not running */
	int to, from;
	struct result built;
};

static void kid_main(const struct impl *im, const struct table *t, uint8_t (*const keys[2])[16],
		     size_t nkeys, double warm_s, int in, int out)
{
	struct ask_msg a;
	struct result r;
	void *q[2] = { NULL, NULL }, *h = build(im, t, &r);
	unsigned w;

	for (w = 0; h && w < 2; w++)
		if (!(q[w] = im->queries(h, (const uint8_t(*)[16])keys[w], nkeys)))
			r.ok = 0;
	/* untimed: pages of a table never written (rte_lpm's tbl24 for a
	 * small table) fault in on the first reads */
	for (w = 0; r.ok && w < 2; w++)
		sink_v += (uint64_t)time_lookups(im, h, q[w], nkeys, warm_s);
	if (write(out, &r, sizeof(r)) != (ssize_t)sizeof(r) || !r.ok)
		_exit(1);
	while (read(in, &a, sizeof(a)) == (ssize_t)sizeof(a) && a.ask != ASK_QUIT) {
		double v[2] = { 0, 0 };

		if (a.ask == ASK_LOOKUP)
			v[0] = time_lookups(im, h, q[a.w], nkeys, a.s);
		else
			edit_rates(im, t, h, a.s, v);
		if (write(out, v, sizeof(v)) != (ssize_t)sizeof(v))
			break;
	}
	_exit(0);
}

static void kid_stop(struct kid *k)
{
	int status;

	if (k->pid < 0)
		return;
	close(k->to);
	close(k->from);
	waitpid(k->pid, &status, 0);
	k->pid = -1;
}

/* Starts kids[i] and waits for its table to be built, so that no two
 * builds share the machine. */
static void kid_start(struct kid *kids, unsigned i, const struct table *t,
		      uint8_t (*const keys[2])[16], size_t nkeys, double warm_s)
{
	struct kid *k = &kids[i];
	int to[2], from[2];
	unsigned j;

	k->pid = -1;
	if (pipe(to) < 0)
		return;
	if (pipe(from) < 0) {
		close(to[0]);
		close(to[1]);
		return;
	}
	fflush(NULL);
	k->pid = fork();
	if (k->pid == 0) {
		/* the others' pipes closed here, so that each sees its end */
		for (j = 0; j < i; j++)
			if (kids[j].pid >= 0) {
				close(kids[j].to);
				close(kids[j].from);
			}
		close(to[1]);
		close(from[0]);
		kid_main(&impls[i], t, keys, nkeys, warm_s, to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	k->to = to[1];
	k->from = from[0];
	if (k->pid < 0) {
		close(k->to);
		close(k->from);
		return;
	}
	if (read(k->from, &k->built, sizeof(k->built)) != (ssize_t)sizeof(k->built) || !k->built.ok)
		kid_stop(k);
}

/* Asks k, and reads its two numbers into ret; a kid that fails is stopped. */
static int kid_ask(struct kid *k, int ask, int w, double s, double ret[2])
{
	struct ask_msg a = { ask, w, s };

	if (k->pid < 0)
		return -1;
	if (write(k->to, &a, sizeof(a)) != (ssize_t)sizeof(a) ||
	    read(k->from, ret, 2 * sizeof(double)) != (ssize_t)(2 * sizeof(double))) {
		kid_stop(k);
		return -1;
	}
	return 0;
}

/* --only TABLE, --impl NAME: a part of the run (profiling one peer) */
static const char *only_table, *only_impl;

#define MAX_ROUNDS   9
#define ALTS_A_ROUND 3

/* rounds edit rounds, and ALTS_A_ROUND times as many lookup slices of
 * min_s / ALTS_A_ROUND each (per key set): as much lookup time as rounds
 * runs of min_s had. Prints a lookup line an implementation (medians), and
 * a pair line for each peer and key set: routewatch's rate over the peer's
 * in the same turn, median, lowest and highest. Returns how many
 * implementations were measured. */
static unsigned run_table(const struct table *t, size_t nkeys, double min_s, unsigned rounds)
{
	static const char *const key_names[2] = { "rand", "tbl" };
	uint8_t(*keys[2])[16];
	struct kid kids[NIMPL];
	double rate[NIMPL][2][MAX_ROUNDS * ALTS_A_ROUND], del[NIMPL][MAX_ROUNDS],
	    ins[NIMPL][MAX_ROUNDS], v[2];
	unsigned k, w, i, alts = rounds * ALTS_A_ROUND, n_ok[NIMPL] = { 0 }, measured = 0;
	void (*old_pipe)(int);

	if (only_table && strcmp(only_table, t->name) != 0)
		return 0;
	for (w = 0; w < 2; w++) {
		keys[w] = malloc(nkeys * 16);
		if (!keys[w])
			fatal("out of memory for keys");
		tables_make_keys(t, (int)w, keys[w], nkeys);
	}
	old_pipe = signal(SIGPIPE, SIG_IGN); /* a kid that died fails its ask */
	for (k = 0; k < NIMPL; k++) {
		kids[k].pid = -1;
		if (impls[k].max_n && t->n > impls[k].max_n)
			continue;
		if (only_impl && strcmp(only_impl, impls[k].name4) != 0 &&
		    strcmp(only_impl, impls[k].name6) != 0)
			continue;
		kid_start(kids, k, t, keys, nkeys, min_s / ALTS_A_ROUND);
	}
	for (i = 0; i < alts; i++)
		for (w = 0; w < 2; w++)
			for (k = 0; k < NIMPL; k++)
				rate[k][w][i] = kid_ask(&kids[k], ASK_LOOKUP, (int)w,
							min_s / ALTS_A_ROUND, v) == 0
						    ? v[0]
						    : -1;
	for (i = 0; i < rounds; i++)
		for (k = 0; k < NIMPL; k++)
			if (kid_ask(&kids[k], ASK_EDIT, 0, min_s, v) == 0) {
				del[k][i] = v[0];
				ins[k][i] = v[1];
				n_ok[k]++;
			}
	for (k = 0; k < NIMPL; k++) {
		if (kids[k].pid >= 0)
			(void)!write(kids[k].to, &(struct ask_msg){ ASK_QUIT, 0, 0 },
				     sizeof(struct ask_msg));
		kid_stop(&kids[k]);
	}
	signal(SIGPIPE, old_pipe);
	for (k = 0; k < NIMPL; k++) {
		if (n_ok[k] != rounds) /* stopped on the way: no figures */
			continue;
		measured++;
		printf("lookup ipv%u %s %zu %s %.4g %.4g %.4g %.4g %.4g %.4g\n",
		       t->bits == 32 ? 4 : 6, t->name, t->n,
		       t->bits == 32 ? impls[k].name4 : impls[k].name6, median(rate[k][0], alts),
		       median(rate[k][1], alts), kids[k].built.rss_b, kids[k].built.build_mps,
		       median(ins[k], rounds), median(del[k], rounds));
	}
	for (k = 1; k < NIMPL && n_ok[0] == rounds; k++)
		for (w = 0; w < 2 && n_ok[k] == rounds; w++) {
			double r[MAX_ROUNDS * ALTS_A_ROUND], mid;

			for (i = 0; i < alts; i++)
				r[i] = rate[0][w][i] / rate[k][w][i];
			mid = median(r, alts); /* sorted now: lowest and highest at the ends */
			printf("pair ipv%u %s %s %s %.4g %.4g %.4g %u\n", t->bits == 32 ? 4 : 6,
			       t->name, t->bits == 32 ? impls[k].name4 : impls[k].name6,
			       key_names[w], mid, r[0], r[alts - 1], alts);
		}
	fflush(stdout);
	free(keys[0]);
	free(keys[1]);
	return measured;
}

/* ---- smoke: every implementation builds, runs and gives the same answers ---- */

static int smoke(void)
{
	unsigned b, k, failed = 0;
	size_t i, nk = 4096;

	/* the measuring run in miniature, before this process starts DPDK
	 * (its children start their own): every implementation built, asked
	 * in turn and stopped */
	for (b = 0; b < 2; b++) {
		struct table t;

		tables_make_synthetic(&t, NULL, b ? 128 : 32, 1000, "smoke");
		if (run_table(&t, 4096, 0.03, 1) != NIMPL) {
			fprintf(stderr, "smoke: IPv%u: not every implementation was measured\n",
				b ? 6 : 4);
			failed = 1;
		}
		free(t.p);
	}
	for (k = 0; k < NIMPL; k++)
		if (impls[k].init && impls[k].init(NULL) < 0) {
			fprintf(stderr, "smoke: %s cannot start\n", impls[k].name4);
			return 1;
		}
	for (b = 0; b < 2; b++) {
		struct table t;
		uint8_t(*keys)[16] = malloc(nk * 16);
		void *h[NIMPL];
		unsigned bad = 0;

		if (!keys)
			fatal("out of memory");
		tables_make_synthetic(&t, NULL, b ? 128 : 32, 1000, "smoke");
		tables_make_keys(&t, 0, keys, nk / 2);
		tables_make_keys(&t, 1, keys + nk / 2, nk / 2);
		g_bits = t.bits;
		for (k = 0; k < NIMPL; k++) {
			h[k] = impls[k].create(&t);
			if (!h[k])
				fatal("smoke: create failed");
			for (i = 0; i < t.n; i++)
				if (impls[k].insert(h[k], &t.p[i], (uint32_t)i) < 0)
					fatal("smoke: insert failed");
			/* every third prefix removed again: deletes must be right too */
			for (i = 0; i < t.n; i += 3)
				if (impls[k].remove(h[k], &t.p[i]) < 0)
					fatal("smoke: remove failed");
		}
		for (i = 0; i < nk; i++) {
			struct pfx want, got;
			int has;

			/* only routewatch holds the host's own routes */
			if (bench_host_covers(b ? AF_INET6 : AF_INET, keys[i]))
				continue;
			has = impls[0].answer(h[0], &t, keys[i], &want);

			for (k = 1; k < NIMPL; k++) {
				int g = impls[k].answer(h[k], &t, keys[i], &got);
				/* first match is not longest match: the scan only has
				 * to find some route that covers the key. Without an
				 * answer got holds nothing to compare. */
				int same = !g || !has ? 1
					   : impls[k].create == scan_create
					       ? covers(&got, keys[i])
					       : pfx_cmp(&want, &got) == 0;

				if (g != has || (has && !same)) {
					if (bad++ < 5)
						fprintf(stderr,
							"smoke IPv%u key %zu: %s disagrees\n",
							b ? 6 : 4, i, impls[k].name4);
				}
			}
		}
		for (k = 0; k < NIMPL; k++) {
			void *q = impls[k].queries(h[k], (const uint8_t(*)[16])keys, nk);

			sink_v += impls[k].many(h[k], q, 0, nk);
			if (q != (void *)keys)
				free(q);
		}
		printf("smoke IPv%u: %zu prefixes, %zu keys:", b ? 6 : 4, t.n, nk);
		for (k = 0; k < NIMPL; k++)
			printf(" %s", b ? impls[k].name6 : impls[k].name4);
		printf(": %s\n", bad ? "DISAGREE" : "all agree");
		failed |= bad != 0;
		for (k = 0; k < NIMPL; k++)
			impls[k].destroy(h[k]);
		free(keys);
		free(t.p);
	}
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *dir = getenv("RTW_SHARED_DATA");
	static const size_t sizes[] = { 1000, 10000, 100000 };
	static const char *const names[] = { "syn-1k", "syn-10k", "syn-100k" };
	struct table real[2];
	double min_s = 0.6;
	unsigned rounds = 3, b, s;
	int do_smoke = 0, i, have_real;

#ifdef LOOKUP_BENCH_SMOKE
	do_smoke = 1; /* kyua passes no arguments */
#endif
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			do_smoke = 1;
		else if (!strcmp(argv[i], "--quick"))
			min_s = 0.2, rounds = 1;
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--data") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only_table = argv[++i];
		else if (!strcmp(argv[i], "--impl") && i + 1 < argc)
			only_impl = argv[++i];
		else {
			fprintf(stderr, "usage: lookup_bench [--smoke] [--quick] [--rounds N] "
					"[--data DIR] [--only TABLE] [--impl NAME]\n");
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS)
		rounds = 3;
	if (do_smoke)
		return smoke();
	if (!dir)
		dir = RTW_DATA_DIR;
	memset(real, 0, sizeof(real));
	have_real = tables_load_real(dir, &real[0], &real[1]) == 0;
	if (!have_real)
		fprintf(stderr, "lookup_bench: no %s/bgp-prefixes.txt.gz: synthetic tables only\n",
			dir);
	printf("# lookup FAMILY TABLE ROUTES IMPL Mlps-random Mlps-table B/route-RSS "
	       "Mips-build Mips-insert Mdps-delete\n");
	for (b = 0; b < 2; b++) {
		for (s = 0; s < 3; s++) {
			struct table t;

			tables_make_synthetic(&t, have_real ? &real[b] : NULL, b ? 128 : 32,
					      sizes[s], names[s]);
			run_table(&t, 1 << 20, min_s, rounds);
			free(t.p);
		}
		if (have_real)
			run_table(&real[b], 1 << 21, min_s, rounds);
	}
	free(real[0].p);
	free(real[1].p);
	return 0;
}
