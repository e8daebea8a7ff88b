/* bench/lpm_bench.c: longest-prefix-match throughput, memory and update rate
 * of core/lpm.c against its peers (DPDK rte_lpm/rte_lpm6, nDPI patricia, a
 * first-match linear scan), all measured in one run on the same keys. */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "lpm.h"

#include "benchutil.h"
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

/* One implementation under test. An extra one (say rtw_lookup() on a
 * context fed with the same routes) is one more entry in impls[]. Values
 * are the prefix's position in the table, so answers can be compared. */
struct impl {
	const char *name;
	unsigned max_prefixes; /* 0: any size; the linear scan only runs on small tables */
	/* NULL when this implementation cannot serve the family */
	void *(*create)(unsigned bits, size_t n);
	int (*insert)(void *h, const struct pfx *p, uint32_t value);
	int (*remove)(void *h, const struct pfx *p);
	uint32_t (*lookup)(void *h, const uint8_t *addr);
	/* sum of the values found for keys[0..n), the timed loop */
	uint64_t (*lookup_many)(void *h, const uint8_t (*keys)[16], size_t n);
	size_t (*memory)(void *h); /* self-reported bytes, or NULL */
	void (*destroy)(void *h);
	int available;
};

static unsigned g_bits; /* family of the handle being called; peers need it */

/* ---- core/lpm.c ---- */

struct lpm_handle {
	struct rtw_mem mem;
	struct lpm *t;
};

static void *lpm_create_(unsigned bits, size_t n)
{
	struct lpm_handle *h = calloc(1, sizeof(*h));

	(void)n;
	if (!h)
		return NULL;
	h->t = lpm_new(bits, &h->mem);
	if (!h->t) {
		free(h);
		return NULL;
	}
	return h;
}

static int lpm_insert_(void *h, const struct pfx *p, uint32_t value)
{
	return lpm_insert(((struct lpm_handle *)h)->t, p->key, p->len, value);
}

static int lpm_remove_(void *h, const struct pfx *p)
{
	return lpm_delete(((struct lpm_handle *)h)->t, p->key, p->len);
}

static uint32_t lpm_lookup_(void *h, const uint8_t *addr)
{
	return lpm_lookup(((struct lpm_handle *)h)->t, addr, NULL);
}

static uint64_t lpm_many_(void *h, const uint8_t (*keys)[16], size_t n)
{
	const struct lpm *t = ((struct lpm_handle *)h)->t;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += lpm_lookup(t, keys[i], NULL);
	return sum;
}

static size_t lpm_memory_(void *h)
{
	return lpm_memory(((struct lpm_handle *)h)->t);
}

static void lpm_destroy_(void *h)
{
	lpm_free(((struct lpm_handle *)h)->t);
	free(h);
}

/* ---- the seed's approach: a list scanned in order, first match wins.
 * Kept sorted longest first so that its first match is the longest one and
 * its answers can be checked against the others. ---- */

struct scan_entry {
	uint8_t key[16];
	uint8_t len;
	uint32_t value;
};

struct scan {
	size_t n, cap;
	struct scan_entry *e;
};

static void *scan_create(unsigned bits, size_t n)
{
	struct scan *s = calloc(1, sizeof(*s));

	(void)bits;
	if (!s)
		return NULL;
	s->cap = n ? n : 1;
	s->e = calloc(s->cap, sizeof(*s->e));
	if (!s->e) {
		free(s);
		return NULL;
	}
	return s;
}

static int scan_covers(const struct scan_entry *e, const uint8_t *addr)
{
	unsigned full = e->len / 8, rest = e->len % 8;

	if (memcmp(e->key, addr, full) != 0)
		return 0;
	return rest == 0 || ((e->key[full] ^ addr[full]) & (0xff00u >> rest)) == 0;
}

static int scan_insert(void *h, const struct pfx *p, uint32_t value)
{
	struct scan *s = h;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->e[i].len == p->len && memcmp(s->e[i].key, p->key, 16) == 0) {
			s->e[i].value = value;
			return 1;
		}
	if (s->n == s->cap) {
		struct scan_entry *e = realloc(s->e, 2 * s->cap * sizeof(*e));

		if (!e)
			return -ENOMEM;
		s->e = e;
		s->cap *= 2;
	}
	for (i = s->n; i > 0 && s->e[i - 1].len < p->len; i--)
		s->e[i] = s->e[i - 1];
	memcpy(s->e[i].key, p->key, 16);
	s->e[i].len = p->len;
	s->e[i].value = value;
	s->n++;
	return 0;
}

static int scan_remove(void *h, const struct pfx *p)
{
	struct scan *s = h;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->e[i].len == p->len && memcmp(s->e[i].key, p->key, 16) == 0) {
			memmove(&s->e[i], &s->e[i + 1], (s->n - i - 1) * sizeof(s->e[0]));
			s->n--;
			return 0;
		}
	return -ENOENT;
}

static uint32_t scan_lookup(void *h, const uint8_t *addr)
{
	struct scan *s = h;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (scan_covers(&s->e[i], addr))
			return s->e[i].value;
	return NONE;
}

static uint64_t scan_many(void *h, const uint8_t (*keys)[16], size_t n)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += scan_lookup(h, keys[i]);
	return sum;
}

static void scan_destroy(void *h)
{
	struct scan *s = h;

	free(s->e);
	free(s);
}

/* ---- DPDK rte_lpm and rte_lpm6 ---- */

#ifdef HAVE_DPDK
static unsigned dpdk_seq;

struct dpdk_handle {
	unsigned bits;
	struct rte_lpm *v4;
	struct rte_lpm6 *v6;
};

static void *dpdk_create(unsigned bits, size_t n)
{
	struct dpdk_handle *h = calloc(1, sizeof(*h));
	char name[32];

	if (!h)
		return NULL;
	h->bits = bits;
	snprintf(name, sizeof(name), "bench%u", dpdk_seq++);
	if (bits == 32) {
		/* tbl8 groups serve prefixes longer than /24: few in real tables */
		struct rte_lpm_config c = { .max_rules = (uint32_t)n + 16,
					    .number_tbl8s = 1 << 14 };

		h->v4 = rte_lpm_create(name, SOCKET_ID_ANY, &c);
	} else {
		/* lpm6 needs a tbl8 group for nearly every byte past the third */
		uint32_t groups = (uint32_t)(n * 3 + 1024);
		struct rte_lpm6_config c = { .max_rules = (uint32_t)n + 16,
					     .number_tbl8s = groups };

		h->v6 = rte_lpm6_create(name, SOCKET_ID_ANY, &c);
	}
	if (!h->v4 && !h->v6) {
		free(h);
		return NULL;
	}
	return h;
}

static int dpdk_insert(void *p, const struct pfx *x, uint32_t value)
{
	struct dpdk_handle *h = p;

	if (h->v4)
		return rte_lpm_add(h->v4,
				   (uint32_t)x->key[0] << 24 | (uint32_t)x->key[1] << 16 |
				       (uint32_t)x->key[2] << 8 | x->key[3],
				   x->len ? x->len : 0, value);
	return rte_lpm6_add(h->v6, x->key, x->len, value);
}

static int dpdk_remove(void *p, const struct pfx *x)
{
	struct dpdk_handle *h = p;

	if (h->v4)
		return rte_lpm_delete(h->v4,
				      (uint32_t)x->key[0] << 24 | (uint32_t)x->key[1] << 16 |
					  (uint32_t)x->key[2] << 8 | x->key[3],
				      x->len);
	return rte_lpm6_delete(h->v6, x->key, x->len);
}

static inline uint32_t dpdk_one(const struct dpdk_handle *h, const uint8_t *a)
{
	uint32_t nh;

	if (h->v4) {
		uint32_t ip =
		    (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];

		return rte_lpm_lookup(h->v4, ip, &nh) == 0 ? nh : NONE;
	}
	return rte_lpm6_lookup(h->v6, a, &nh) == 0 ? nh : NONE;
}

static uint32_t dpdk_lookup(void *p, const uint8_t *addr)
{
	return dpdk_one(p, addr);
}

static uint64_t dpdk_many(void *p, const uint8_t (*keys)[16], size_t n)
{
	const struct dpdk_handle *h = p;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += dpdk_one(h, keys[i]);
	return sum;
}

static void dpdk_destroy(void *p)
{
	struct dpdk_handle *h = p;

	rte_lpm_free(h->v4);
	rte_lpm6_free(h->v6);
	free(h);
}
#endif

/* ---- nDPI patricia (the MRT/BSD radix family) ---- */

#ifdef HAVE_NDPI
struct ndpi_handle {
	unsigned bits;
	ndpi_patricia_tree_t *tree;
};

static void *ndpi_create(unsigned bits, size_t n)
{
	struct ndpi_handle *h = calloc(1, sizeof(*h));

	(void)n;
	if (!h)
		return NULL;
	h->bits = bits;
	h->tree = ndpi_patricia_new((u_int16_t)bits);
	if (!h->tree) {
		free(h);
		return NULL;
	}
	return h;
}

static void ndpi_prefix(const struct ndpi_handle *h, const uint8_t *key, unsigned len,
			ndpi_prefix_t *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (h->bits == 32) {
		struct in_addr a;

		memcpy(&a, key, 4);
		ndpi_fill_prefix_v4(ret, &a, (int)len, 32);
	} else {
		struct in6_addr a;

		memcpy(&a, key, 16);
		ndpi_fill_prefix_v6(ret, &a, (int)len, 128);
	}
}

static int ndpi_insert(void *p, const struct pfx *x, uint32_t value)
{
	struct ndpi_handle *h = p;
	ndpi_patricia_node_t *node;
	ndpi_prefix_t pr;

	ndpi_prefix(h, x->key, x->len, &pr);
	node = ndpi_patricia_lookup(h->tree, &pr);
	if (!node)
		return -ENOMEM;
	ndpi_patricia_set_node_u64(node, value);
	return 0;
}

static int ndpi_remove(void *p, const struct pfx *x)
{
	struct ndpi_handle *h = p;
	ndpi_patricia_node_t *node;
	ndpi_prefix_t pr;

	ndpi_prefix(h, x->key, x->len, &pr);
	node = ndpi_patricia_search_exact(h->tree, &pr);
	if (!node)
		return -ENOENT;
	ndpi_patricia_remove(h->tree, node);
	return 0;
}

static inline uint32_t ndpi_one(struct ndpi_handle *h, const uint8_t *addr)
{
	ndpi_patricia_node_t *node;
	ndpi_prefix_t pr;

	ndpi_prefix(h, addr, h->bits, &pr);
	node = ndpi_patricia_search_best(h->tree, &pr);
	return node ? (uint32_t)ndpi_patricia_get_node_u64(node) : NONE;
}

static uint32_t ndpi_lookup(void *p, const uint8_t *addr)
{
	return ndpi_one(p, addr);
}

static uint64_t ndpi_many(void *p, const uint8_t (*keys)[16], size_t n)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += ndpi_one(p, keys[i]);
	return sum;
}

static void ndpi_destroy(void *p)
{
	struct ndpi_handle *h = p;

	ndpi_patricia_destroy(h->tree, NULL);
	free(h);
}
#endif

static struct impl impls[] = {
	{ "lpm.c", 0, lpm_create_, lpm_insert_, lpm_remove_, lpm_lookup_, lpm_many_, lpm_memory_,
	  lpm_destroy_, 1 },
#ifdef HAVE_DPDK
	{ "rte_lpm", 0, dpdk_create, dpdk_insert, dpdk_remove, dpdk_lookup, dpdk_many, NULL,
	  dpdk_destroy, 0 },
#endif
#ifdef HAVE_NDPI
	{ "ndpi", 0, ndpi_create, ndpi_insert, ndpi_remove, ndpi_lookup, ndpi_many, NULL,
	  ndpi_destroy, 1 },
#endif
	{ "scan", 10000, scan_create, scan_insert, scan_remove, scan_lookup, scan_many, NULL,
	  scan_destroy, 1 },
};
#define NIMPL (sizeof(impls) / sizeof(impls[0]))

static const char *impl_name(const struct impl *im, unsigned bits)
{
	if (strcmp(im->name, "rte_lpm") == 0 && bits == 128)
		return "rte_lpm6";
	return im->name;
}

/* ---- measuring ---- */

struct result {
	int ran;
	double build_s;	  /* inserting the whole table */
	double rss_b;	  /* RSS growth, bytes per prefix */
	double self_b;	  /* self-reported, bytes per prefix */
	double mlps[2];	  /* random keys, keys from the table */
	double ins_ns;	  /* median, one insert into the full table */
	double del_ns;	  /* median, one delete from the full table */
	double del_all_s; /* deleting the whole table */
	int del_all_est;  /* extrapolated from the first 3 s */
};

static volatile uint64_t sink;

/* Lookups per second over keys, repeated until min_s has passed. */
static double time_lookups(const struct impl *im, void *h, const uint8_t (*keys)[16], size_t n,
			   double min_s)
{
	size_t chunk = n < 65536 ? n : 65536, done = 0, off = 0;
	double t0 = bench_cpu_now(), t;

	do {
		size_t c = chunk;

		if (off + c > n)
			c = n - off;
		sink += im->lookup_many(h, keys + off, c);
		done += c;
		off = (off + c) % n;
		t = bench_cpu_now() - t0;
	} while (t < min_s);
	return (double)done / t / 1e6;
}

/* Median time of one delete from the full table, and of one insert back,
 * over a sample taken at random: all deletes first, then all inserts, so
 * that neither finds the path in the cache from the other. */
static void time_updates(const struct impl *im, void *h, const struct table *t, double *ret_ins,
			 double *ret_del)
{
	size_t n = t->n < 20000 ? t->n : 20000, i;
	double *ins = malloc(n * sizeof(double)), *del = malloc(n * sizeof(double)), base;

	*ret_ins = *ret_del = -1;
	if (!ins || !del || n == 0)
		goto out;
	/* the timer's own cost, taken off every sample */
	for (i = 0; i < n; i++) {
		double a = bench_now();

		ins[i] = bench_now() - a;
	}
	qsort(ins, n, sizeof(double), bench_cmp_double);
	base = ins[n / 2];
	/* a stride prime to the table size visits distinct prefixes */
	for (i = 0; i < n; i++) {
		const struct pfx *p = &t->p[(i * 7919) % t->n];
		double a = bench_now();

		im->remove(h, p);
		del[i] = bench_now() - a - base;
	}
	for (i = 0; i < n; i++) {
		const struct pfx *p = &t->p[(i * 7919) % t->n];
		double a = bench_now();

		im->insert(h, p, (uint32_t)((i * 7919) % t->n));
		ins[i] = bench_now() - a - base;
	}
	qsort(ins, n, sizeof(double), bench_cmp_double);
	qsort(del, n, sizeof(double), bench_cmp_double);
	*ret_ins = ins[n / 2] * 1e9;
	*ret_del = del[n / 2] * 1e9;
out:
	free(ins);
	free(del);
}

static int build(const struct impl *im, const struct table *t, void **ret)
{
	void *h = im->create(t->bits, t->n);
	size_t i;

	if (!h)
		return -ENOMEM;
	g_bits = t->bits;
	for (i = 0; i < t->n; i++) {
		int r = im->insert(h, &t->p[i], (uint32_t)i);

		if (r < 0) {
			fprintf(stderr, "%s: insert %zu of %s/%u failed: %d\n",
				impl_name(im, t->bits), i, t->name, t->bits, r);
			im->destroy(h);
			return r;
		}
	}
	*ret = h;
	return 0;
}

/* Builds every implementation, then times lookups in short slices taken
 * in turn (each implementation's best slice counts), so that other load on
 * the machine hits all of them alike; then updates, one at a time. */
static void run_table(const struct table *t, size_t nkeys, double min_s, struct result *res)
{
	uint8_t(*keys[2])[16];
	void *h[NIMPL] = { 0 };
	unsigned k, w, round;

	for (w = 0; w < 2; w++) {
		keys[w] = malloc(nkeys * 16);
		if (!keys[w]) {
			fprintf(stderr, "out of memory for keys\n");
			exit(2);
		}
		tables_make_keys(t, (int)w, keys[w], nkeys);
	}
	for (k = 0; k < NIMPL; k++) {
		const struct impl *im = &impls[k];
		struct result *r = &res[k];
		long rss0, rss1;
		double t0;

		memset(r, 0, sizeof(*r));
		if (!im->available || (im->max_prefixes && t->n > im->max_prefixes))
			continue;
		malloc_trim(0);
		rss0 = bench_rss_kib();
		t0 = bench_cpu_now();
		if (build(im, t, &h[k]) < 0) {
			h[k] = NULL;
			continue;
		}
		r->build_s = bench_cpu_now() - t0;
		rss1 = bench_rss_kib();
		r->ran = 1;
		r->rss_b = (double)(rss1 - rss0) * 1024.0 / (double)t->n;
		r->self_b = im->memory ? (double)im->memory(h[k]) / (double)t->n : -1;
	}
	for (round = 0; round < 5; round++)
		for (k = 0; k < NIMPL; k++)
			for (w = 0; w < 2 && h[k]; w++) {
				double m =
				    time_lookups(&impls[k], h[k], (const uint8_t(*)[16])keys[w],
						 nkeys, min_s / 5);

				if (m > res[k].mlps[w])
					res[k].mlps[w] = m;
			}
	for (k = 0; k < NIMPL; k++) {
		struct result *r = &res[k];
		size_t i;
		double t0;

		if (!h[k])
			continue;
		time_updates(&impls[k], h[k], t, &r->ins_ns, &r->del_ns);
		/* rte_lpm takes minutes to empty a full table: past 3 s, the
		 * rate so far stands for the rest */
		t0 = bench_cpu_now();
		for (i = 0; i < t->n; i++) {
			impls[k].remove(h[k], &t->p[i]);
			if (i % 1024 == 1023 && bench_cpu_now() - t0 > 3.0)
				break;
		}
		r->del_all_s = bench_cpu_now() - t0;
		if (i < t->n) {
			r->del_all_s *= (double)t->n / (double)(i + 1);
			r->del_all_est = 1;
		}
		impls[k].destroy(h[k]);
	}
	free(keys[0]);
	free(keys[1]);
}

static void print_table(const struct table *t, const struct result *res)
{
	const struct result *me = &res[0];
	unsigned k;

	printf("\n%s IPv%u table, %zu prefixes\n", t->name, t->bits == 32 ? 4 : 6, t->n);
	printf("  %-9s %10s %10s %8s %8s %8s %8s %9s %9s %9s %8s\n", "impl", "Mlps rand",
	       "Mlps tbl", "x rand", "x tbl", "B/pfx", "B/pfx", "ins ms", "ins ns", "del ns",
	       "del ms");
	printf("  %-9s %10s %10s %8s %8s %8s %8s %9s %9s %9s %8s\n", "", "", "", "lpm/it", "lpm/it",
	       "RSS", "self", "all", "median", "median", "all");
	for (k = 0; k < NIMPL; k++) {
		const struct result *r = &res[k];

		if (!r->ran)
			continue;
		printf("  %-9s %10.2f %10.2f %8.2f %8.2f %8.1f ", impl_name(&impls[k], t->bits),
		       r->mlps[0], r->mlps[1], me->ran ? me->mlps[0] / r->mlps[0] : 0,
		       me->ran ? me->mlps[1] / r->mlps[1] : 0, r->rss_b);
		if (r->self_b >= 0)
			printf("%8.1f ", r->self_b);
		else
			printf("%8s ", "-");
		printf("%9.1f %9.0f %9.0f %8.1f%s\n", r->build_s * 1e3, r->ins_ns, r->del_ns,
		       r->del_all_s * 1e3, r->del_all_est ? "~" : "");
	}
	fflush(stdout);
}

static void print_machine(void)
{
	char line[256];
	FILE *fp = fopen("/proc/cpuinfo", "r");

	while (fp && fgets(line, sizeof(line), fp))
		if (strncmp(line, "model name", 10) == 0) {
			printf("cpu:%s", strchr(line, ':') + 1);
			break;
		}
	if (fp)
		fclose(fp);
	fp = fopen("/proc/loadavg", "r");
	if (fp && fgets(line, sizeof(line), fp))
		printf("load average at start: %s", line);
	if (fp)
		fclose(fp);
}

static const struct result *find_result(const struct result *res, const char *name)
{
	unsigned k;

	for (k = 0; k < NIMPL; k++)
		if (strcmp(impls[k].name, name) == 0 && res[k].ran)
			return &res[k];
	return NULL;
}

/* The acceptance figures, on the real table, from this run. */
static void print_summary(const struct table *real, struct result (*rr)[NIMPL])
{
	const struct result *me4 = &rr[0][0], *me6 = &rr[1][0], *p;
	size_t n = real[0].n + real[1].n;

	printf("\nsummary, real table (%zu + %zu prefixes):\n", real[0].n, real[1].n);
	if ((p = find_result(rr[0], "rte_lpm")) != NULL)
		printf("  IPv4 random lookups: %.2fx rte_lpm (goal 1.5x)\n",
		       me4->mlps[0] / p->mlps[0]);
	if ((p = find_result(rr[1], "rte_lpm")) != NULL)
		printf("  IPv6 random lookups: %.2fx rte_lpm6 (goal 2x)\n",
		       me6->mlps[0] / p->mlps[0]);
	if ((p = find_result(rr[0], "ndpi")) != NULL)
		printf("  IPv4 random lookups: %.1fx ndpi patricia (goal 10x)\n",
		       me4->mlps[0] / p->mlps[0]);
	if ((p = find_result(rr[1], "ndpi")) != NULL)
		printf("  IPv6 random lookups: %.1fx ndpi patricia (goal 10x)\n",
		       me6->mlps[0] / p->mlps[0]);
	printf("  lpm_memory(): %.2f bytes per prefix over both families (goal about 10)\n",
	       (me4->self_b * (double)real[0].n + me6->self_b * (double)real[1].n) / (double)n);
	printf("  inserting all %zu prefixes: %.0f ms CPU (goal well under 700)\n", n,
	       (me4->build_s + me6->build_s) * 1e3);
	printf("  median insert %.0f / %.0f ns, delete %.0f / %.0f ns, IPv4 / IPv6, cold "
	       "(goal well under 300)\n",
	       me4->ins_ns, me6->ins_ns, me4->del_ns, me6->del_ns);
}

/* ---- smoke: every implementation gives the same answers ---- */

static int smoke_compare(struct table *t, void **h, const uint8_t (*keys)[16], size_t nkeys,
			 const char *when)
{
	unsigned k, bad = 0;
	size_t i;

	for (i = 0; i < nkeys; i++) {
		uint32_t want = impls[0].lookup(h[0], keys[i]);

		for (k = 1; k < NIMPL; k++) {
			uint32_t got;

			if (!h[k])
				continue;
			got = impls[k].lookup(h[k], keys[i]);
			if (got != want && bad++ < 10)
				fprintf(stderr, "smoke %s IPv%u %s: key %zu: lpm.c %u, %s %u\n",
					t->name, t->bits == 32 ? 4 : 6, when, i, want,
					impl_name(&impls[k], t->bits), got);
		}
	}
	return bad ? -1 : 0;
}

static int smoke(void)
{
	unsigned b, k;
	int failed = 0;

	for (b = 0; b < 2; b++) {
		unsigned bits = b ? 128 : 32;
		struct table t;
		void *h[NIMPL] = { 0 };
		uint8_t(*keys)[16] = malloc(4096 * 16);
		size_t i;

		tables_make_synthetic(&t, NULL, bits, 500, "smoke");
		tables_make_keys(&t, 0, keys, 2048);
		tables_make_keys(&t, 1, keys + 2048, 2048);
		for (k = 0; k < NIMPL; k++) {
			if (!impls[k].available)
				continue;
			if (build(&impls[k], &t, &h[k]) < 0) {
				fprintf(stderr, "smoke: %s could not build\n",
					impl_name(&impls[k], bits));
				failed = 1;
				h[k] = NULL;
			}
		}
		if (!h[0] || smoke_compare(&t, h, (const uint8_t(*)[16])keys, 4096, "full") < 0)
			failed = 1;
		/* every other prefix deleted, the rest replaced */
		for (k = 0; k < NIMPL; k++) {
			if (!h[k])
				continue;
			for (i = 0; i < t.n; i++) {
				int r = i % 2 ? impls[k].insert(h[k], &t.p[i], (uint32_t)(i + 7))
					      : impls[k].remove(h[k], &t.p[i]);

				if (r < 0) {
					fprintf(stderr, "smoke: %s update %zu failed: %d\n",
						impl_name(&impls[k], bits), i, r);
					failed = 1;
				}
			}
		}
		if (!h[0] || smoke_compare(&t, h, (const uint8_t(*)[16])keys, 4096, "half") < 0)
			failed = 1;
		printf("smoke IPv%u: %zu prefixes, 4096 keys, %s:", b ? 6 : 4, t.n,
		       failed ? "DISAGREE" : "all agree");
		for (k = 0; k < NIMPL; k++)
			if (h[k])
				printf(" %s", impl_name(&impls[k], bits));
		printf("\n");
		for (k = 0; k < NIMPL; k++)
			if (h[k])
				impls[k].destroy(h[k]);
		free(keys);
		free(t.p);
	}
	return failed;
}

static void init_peers(void)
{
#ifdef HAVE_DPDK
	char *argv[] = { "lpm_bench", "--no-huge", "--no-pci",	  "--no-shconf", "-m", "6144",
			 "-l",	      "0",	   "--log-level", "lib.*:error", NULL };
	unsigned k;

	if (rte_eal_init(10, argv) < 0) {
		fprintf(stderr, "DPDK EAL did not start (%s): rte_lpm left out\n",
			rte_strerror(rte_errno));
		return;
	}
	for (k = 0; k < NIMPL; k++)
		if (strcmp(impls[k].name, "rte_lpm") == 0)
			impls[k].available = 1;
#endif
}

/* --only NAME: run the tables called NAME ("real", "syn-10k", ...), or
 * NAME4 / NAME6 for one family. */
static int selected(const char *only, const char *name, unsigned v6)
{
	size_t n = strlen(name);

	if (!only)
		return 1;
	if (strncmp(only, name, n) != 0)
		return 0;
	return only[n] == 0 || (only[n] == (v6 ? '6' : '4') && only[n + 1] == 0);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: lpm_bench [--smoke] [--quick] [--data DIR]\n"
		"  --smoke  tiny tables, check that all implementations agree\n"
		"  --quick  shorter timing runs\n"
		"  --data   folder holding bgp-prefixes.txt.gz (default: $RTW_SHARED_DATA,\n"
		"           then ../shared/data)\n");
}

int main(int argc, char **argv)
{
	const char *dir = getenv("RTW_SHARED_DATA");
	struct table real[2] = { { 0 }, { 0 } }, syn;
	static const size_t sizes[] = { 1000, 10000, 100000 };
	static const char *const size_names[] = { "syn-1k", "syn-10k", "syn-100k" };
	struct result res[NIMPL], real_res[2][NIMPL];
	int have_real[2] = { 0, 0 };
	double min_s = 1.0;
	const char *only = NULL;
	int do_smoke = 0, i;
	unsigned b, s;

#ifdef LPM_BENCH_SMOKE
	do_smoke = 1;
#endif
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			do_smoke = 1;
		} else if (strcmp(argv[i], "--quick") == 0) {
			min_s = 0.25;
		} else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
			only = argv[++i];
		} else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else {
			usage();
			return 2;
		}
	}
	init_peers();
	if (do_smoke)
		return smoke() ? 1 : 0;

	if (!dir)
		dir = RTW_DATA_DIR;
	print_machine();
	printf(
	    "lpm_bench: Mlps = million lookups/s (one core); x = lpm.c throughput / "
	    "this one's;\nB/pfx = bytes per prefix (RSS growth while building, and "
	    "lpm_memory()).\nms columns are CPU time; ~ marks a delete-all extrapolated from its "
	    "first 3 s.\n");
	if (tables_load_real(dir, &real[0], &real[1]) < 0) {
		printf("no real table in %s: synthetic tables only (mix from data/README.md)\n",
		       dir);
		real[0].n = real[1].n = 0;
	}
	for (b = 0; b < 2; b++) {
		for (s = 0; s < 3; s++) {
			if (!selected(only, size_names[s], b))
				continue;
			tables_make_synthetic(&syn, real[b].n ? &real[b] : NULL, b ? 128 : 32,
					      sizes[s], size_names[s]);
			run_table(&syn, 1 << 20, min_s, res);
			print_table(&syn, res);
			free(syn.p);
		}
		if (real[b].n && selected(only, "real", b)) {
			run_table(&real[b], 1 << 22, min_s, res);
			print_table(&real[b], res);
			memcpy(real_res[b], res, sizeof(res));
			have_real[b] = 1;
		}
	}
	if (have_real[0] && have_real[1])
		print_summary(real, real_res);
	free(real[0].p);
	free(real[1].p);
	return 0;
}
