#include "tables.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "routewatch.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

uint64_t tables_rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void *must(void *p)
{
	if (!p) {
		fprintf(stderr, "bench: out of memory for the tables\n");
		exit(2);
	}
	return p;
}

void pfx_mask(struct pfx *p, unsigned bits)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		unsigned keep = i >= bits / 8		? 0
				: p->len >= 8 * (i + 1) ? 8
				: p->len > 8 * i	? p->len - 8 * i
							: 0;

		p->key[i] &= (uint8_t)(0xff00u >> keep);
	}
}

int pfx_cmp(const void *a, const void *b)
{
	const struct pfx *x = a, *y = b;
	int c = memcmp(x->key, y->key, 16);

	return c ? c : (int)x->len - (int)y->len;
}

/* Drop duplicates and shuffle into insertion order. */
static void table_finish(struct table *t)
{
	size_t i, m = 0;

	qsort(t->p, t->n, sizeof(*t->p), pfx_cmp);
	for (i = 0; i < t->n; i++)
		if (m == 0 || pfx_cmp(&t->p[m - 1], &t->p[i]) != 0)
			t->p[m++] = t->p[i];
	t->n = m;
	for (i = t->n; i > 1; i--) {
		size_t j = tables_rnd() % i;
		struct pfx x = t->p[i - 1];

		t->p[i - 1] = t->p[j];
		t->p[j] = x;
	}
}

int tables_load_real(const char *dir, struct table *v4, struct table *v6)
{
	char path[4096], cmd[4200], line[128];
	size_t cap[2] = { 1 << 20, 1 << 18 };
	struct table *t[2] = { v4, v6 };
	FILE *fp;

	snprintf(path, sizeof(path), "%s/bgp-prefixes.txt.gz", dir);
	if (access(path, R_OK) != 0)
		return -errno;
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
	fp = popen(cmd, "r");
	if (!fp)
		return -errno;
	v4->p = must(malloc(cap[0] * sizeof(struct pfx)));
	v6->p = must(malloc(cap[1] * sizeof(struct pfx)));
	v4->n = v6->n = 0;
	while (fgets(line, sizeof(line), fp)) {
		struct rtw_prefix rp;
		unsigned f;

		line[strcspn(line, "\r\n")] = 0;
		if (rtw_prefix_parse(line, &rp) < 0)
			continue;
		f = rp.addr.family == AF_INET6;
		if (t[f]->n == cap[f]) {
			cap[f] *= 2;
			t[f]->p = must(realloc(t[f]->p, cap[f] * sizeof(struct pfx)));
		}
		memset(&t[f]->p[t[f]->n], 0, sizeof(struct pfx));
		memcpy(t[f]->p[t[f]->n].key, rp.addr.bytes, 16);
		t[f]->p[t[f]->n].len = rp.len;
		t[f]->n++;
	}
	pclose(fp);
	v4->name = v6->name = "real";
	v4->bits = 32;
	v6->bits = 128;
	table_finish(v4);
	table_finish(v6);
	return v4->n && v6->n ? 0 : -ENOENT;
}

void tables_make_synthetic(struct table *t, const struct table *real, unsigned bits, size_t n,
			   const char *name)
{
	/* per mille, from /work/shared/notes/lpm-performance.md */
	static const unsigned mix4[][2] = { { 24, 596 }, { 22, 120 }, { 23, 107 }, { 21, 56 },
					    { 20, 47 },	 { 19, 28 },  { 16, 15 },  { 18, 15 },
					    { 17, 9 },	 { 12, 5 },   { 32, 1 } };
	static const unsigned mix6[][2] = { { 48, 471 }, { 32, 141 }, { 44, 90 }, { 40, 84 },
					    { 36, 37 },	 { 29, 27 },  { 46, 19 }, { 47, 20 },
					    { 33, 18 },	 { 34, 16 },  { 42, 14 }, { 64, 1 } };
	uint64_t hist[129] = { 0 }, total = 0;
	size_t k, i;
	unsigned l;

	t->name = name;
	t->bits = bits;
	t->p = must(calloc(n, sizeof(*t->p)));
	if (real && real->n) {
		for (k = 0; k < real->n; k++)
			hist[real->p[k].len]++;
	} else if (bits == 32) {
		for (k = 0; k < sizeof(mix4) / sizeof(mix4[0]); k++)
			hist[mix4[k][0]] = mix4[k][1];
	} else {
		for (k = 0; k < sizeof(mix6) / sizeof(mix6[0]); k++)
			hist[mix6[k][0]] = mix6[k][1];
	}
	for (l = 0; l <= 128; l++)
		total += hist[l];
	/* lengths in ascending order, so a prefix can nest in an earlier one */
	for (k = 0, l = 0; l <= bits; l++) {
		size_t want = (size_t)((double)hist[l] * (double)n / (double)total + 0.5);

		for (i = 0; i < want && k < n; i++)
			t->p[k++].len = (uint8_t)l;
	}
	while (k < n)
		t->p[k++].len = bits == 32 ? 24 : 48;
	for (k = 0; k < n; k++) {
		struct pfx *p = &t->p[k];

		for (i = 0; i < bits / 8; i++)
			p->key[i] = (uint8_t)tables_rnd();
		if (bits == 128)
			p->key[0] = (uint8_t)(0x20 | (p->key[0] & 0x1f));
		if (k > 0 && tables_rnd() % 2) {
			const struct pfx *q = &t->p[tables_rnd() % k];
			unsigned b;

			for (b = 0; b < q->len && q->len < p->len; b++) {
				uint8_t m = (uint8_t)(0x80u >> (b % 8));

				p->key[b / 8] =
				    (uint8_t)((p->key[b / 8] & ~m) | (q->key[b / 8] & m));
			}
		}
		pfx_mask(p, bits);
	}
	t->n = n;
	table_finish(t);
}

void tables_make_keys(const struct table *t, int from_table, uint8_t (*keys)[16], size_t n)
{
	size_t k;
	unsigned i;

	for (k = 0; k < n; k++) {
		memset(keys[k], 0, 16);
		for (i = 0; i < t->bits / 8; i++)
			keys[k][i] = (uint8_t)tables_rnd();
		if (from_table && t->n) {
			const struct pfx *p = &t->p[tables_rnd() % t->n];

			for (i = 0; i < p->len; i++) {
				uint8_t m = (uint8_t)(0x80u >> (i % 8));

				keys[k][i / 8] =
				    (uint8_t)((keys[k][i / 8] & ~m) | (p->key[i / 8] & m));
			}
		} else if (t->bits == 128) {
			keys[k][0] = (uint8_t)(0x20 | (keys[k][0] & 0x1f));
		}
	}
}
