/* The prefix tables and lookup keys the LPM benchmarks share: the real
 * table from the shared data, synthetic ones with its length mix, and the
 * random and table-drawn addresses looked up in them. */
#ifndef RTW_BENCH_TABLES_H
#define RTW_BENCH_TABLES_H

#include <stddef.h>
#include <stdint.h>

struct pfx {
	uint8_t key[16];
	uint8_t len;
};

struct table {
	const char *name;
	unsigned bits; /* 32 or 128 */
	size_t n;
	struct pfx *p; /* malloc'd; free(p) when done */
};

/* The benchmarks' one random stream (xorshift, fixed seed: every run draws
 * the same tables and keys). */
uint64_t tables_rnd(void);

/* Clear the bits of p's key beyond its length. */
void pfx_mask(struct pfx *p, unsigned bits);
int pfx_cmp(const void *a, const void *b);

/* dir/bgp-prefixes.txt.gz into v4 and v6, duplicates dropped, shuffled into
 * insertion order. Returns 0, -errno when the file cannot be read, or
 * -ENOENT when a family is empty. Exits on running out of memory. */
int tables_load_real(const char *dir, struct table *v4, struct table *v6);

/* n prefixes with the length mix of real (the mix of the shared notes
 * without it); about half nest inside an earlier, shorter one, as
 * more-specifics do. name must outlive t. */
void tables_make_synthetic(struct table *t, const struct table *real, unsigned bits, size_t n,
			   const char *name);

/* Random addresses (IPv6 inside 2000::/3, where routes are), or addresses
 * inside prefixes drawn from the table. */
void tables_make_keys(const struct table *t, int from_table, uint8_t (*keys)[16], size_t n);

#endif
