/* core/lpm.c: longest-prefix match, exact get, replace and delete, checked
 * against a linear-scan reference, under allocation failure, and on the real
 * table when the shared data folder is present. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "lpm.h"
#include "testutil.h"

/* ---- a deliberately simple reference: an array scanned from end to end ---- */

struct ref_entry {
	uint8_t key[16];
	unsigned len;
	uint32_t value;
};

struct ref {
	unsigned bits;
	size_t n, cap;
	struct ref_entry *e;
};

static void mask_key(unsigned bits, const uint8_t *key, unsigned len, uint8_t *out)
{
	unsigned i;

	for (i = 0; i < bits / 8; i++) {
		unsigned keep = len >= 8 * (i + 1) ? 8 : len > 8 * i ? len - 8 * i : 0;

		out[i] = key[i] & (uint8_t)(0xff00u >> keep);
	}
}

static int ref_covers(const struct ref_entry *e, const uint8_t *addr, unsigned bits)
{
	uint8_t m[16];

	mask_key(bits, addr, e->len, m);
	return memcmp(m, e->key, bits / 8) == 0;
}

static struct ref_entry *ref_find(struct ref *r, const uint8_t *key, unsigned len)
{
	uint8_t m[16];
	size_t i;

	mask_key(r->bits, key, len, m);
	for (i = 0; i < r->n; i++)
		if (r->e[i].len == len && memcmp(r->e[i].key, m, r->bits / 8) == 0)
			return &r->e[i];
	return NULL;
}

static int ref_insert(struct ref *r, const uint8_t *key, unsigned len, uint32_t value)
{
	struct ref_entry *e = ref_find(r, key, len);

	if (e) {
		e->value = value;
		return 1;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->e = realloc(r->e, r->cap * sizeof(*r->e));
		assert_non_null(r->e);
	}
	e = &r->e[r->n++];
	memset(e, 0, sizeof(*e));
	mask_key(r->bits, key, len, e->key);
	e->len = len;
	e->value = value;
	return 0;
}

static int ref_delete(struct ref *r, const uint8_t *key, unsigned len)
{
	struct ref_entry *e = ref_find(r, key, len);

	if (!e)
		return -ENOENT;
	*e = r->e[--r->n];
	return 0;
}

static uint32_t ref_lookup(const struct ref *r, const uint8_t *addr, unsigned *ret_len)
{
	const struct ref_entry *best = NULL;
	size_t i;

	for (i = 0; i < r->n; i++)
		if ((!best || r->e[i].len > best->len) && ref_covers(&r->e[i], addr, r->bits))
			best = &r->e[i];
	if (!best)
		return LPM_NONE;
	*ret_len = best->len;
	return best->value;
}

/* ---- helpers ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible without touching the libc generator */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void key_of(const char *text, uint8_t *key, unsigned *ret_len)
{
	struct rtw_prefix p;

	assert_int_equal(rtw_prefix_parse(text, &p), 0);
	memset(key, 0, 16);
	memcpy(key, p.addr.bytes, p.addr.family == AF_INET ? 4 : 16);
	*ret_len = p.len;
}

static int ins(struct lpm *t, const char *text, uint32_t value)
{
	uint8_t key[16];
	unsigned len;

	key_of(text, key, &len);
	return lpm_insert(t, key, len, value);
}

static int del(struct lpm *t, const char *text)
{
	uint8_t key[16];
	unsigned len;

	key_of(text, key, &len);
	return lpm_delete(t, key, len);
}

/* lpm_lookup(), checked against the inline lookup the model uses: both
 * answer alike, and leave *ret_len alone when nothing matches. */
static uint32_t lookup_both(const struct lpm *t, const uint8_t *addr, unsigned *ret_len)
{
	unsigned len_in = ret_len ? *ret_len : 0, len_out = len_in;
	uint32_t v = lpm_lookup(t, addr, ret_len), w = lpm_lookup_inline(t, addr, &len_out);

	assert_int_equal(w, v);
	if (ret_len)
		assert_int_equal(len_out, *ret_len);
	return v;
}

/* The value for an address given as text; ret_len gets the prefix length
 * (99 when nothing matched). */
static uint32_t look(const struct lpm *t, const char *text, unsigned *ret_len)
{
	struct rtw_addr a;
	unsigned len = 99;
	uint32_t v;

	assert_int_equal(rtw_addr_parse(text, &a), 0);
	v = lookup_both(t, a.bytes, &len);
	*ret_len = len;
	return v;
}

static void expect(const struct lpm *t, const char *addr, uint32_t value, unsigned len)
{
	unsigned got_len;
	uint32_t got = look(t, addr, &got_len);

	if (got != value || (value != LPM_NONE && got_len != len))
		fail_msg("%s: got %u/%u, want %u/%u", addr, got, got_len, value, len);
}

/* ---- basic cases ---- */

static void default_route_and_hosts(void **state)
{
	struct rtw_mem m = { 0 };
	struct lpm *t = lpm_new(32, &m);

	assert_non_null(t);
	expect(t, "1.2.3.4", LPM_NONE, 0);
	assert_int_equal(ins(t, "0.0.0.0/0", 7), 0);
	expect(t, "1.2.3.4", 7, 0);
	expect(t, "255.255.255.255", 7, 0);
	assert_int_equal(ins(t, "1.2.3.4/32", 8), 0);
	assert_int_equal(ins(t, "255.255.255.255/32", 9), 0);
	expect(t, "1.2.3.4", 8, 32);
	expect(t, "1.2.3.5", 7, 0);
	expect(t, "255.255.255.255", 9, 32);
	expect(t, "255.255.255.254", 7, 0);
	assert_int_equal(lpm_count(t), 3);
	lpm_free(t);
	assert_int_equal(m.bytes, 0);

	t = lpm_new(128, &m);
	assert_non_null(t);
	assert_int_equal(ins(t, "::/0", 1), 0);
	assert_int_equal(ins(t, "2001:db8::1/128", 2), 0);
	assert_int_equal(ins(t, "::/128", 3), 0);
	expect(t, "2001:db8::1", 2, 128);
	expect(t, "2001:db8::2", 1, 0);
	expect(t, "::", 3, 128);
	expect(t, "::1", 1, 0);
	lpm_free(t);
	assert_int_equal(m.bytes, 0);
}

static void nested_replace_delete(void **state)
{
	struct rtw_mem m = { 0 };
	struct lpm *t = lpm_new(32, &m);
	unsigned len;

	assert_int_equal(ins(t, "10.0.0.0/8", 1), 0);
	assert_int_equal(ins(t, "10.1.0.0/16", 2), 0);
	assert_int_equal(ins(t, "10.1.2.0/24", 3), 0);
	assert_int_equal(ins(t, "10.1.2.128/25", 4), 0);
	assert_int_equal(ins(t, "10.1.2.128/27", 5), 0);
	expect(t, "10.9.9.9", 1, 8);
	expect(t, "10.1.9.9", 2, 16);
	expect(t, "10.1.2.9", 3, 24);
	expect(t, "10.1.2.200", 4, 25);
	expect(t, "10.1.2.130", 5, 27);
	expect(t, "11.0.0.0", LPM_NONE, 0);

	/* replace keeps the count and changes the value */
	assert_int_equal(ins(t, "10.1.0.0/16", 20), 1);
	assert_int_equal(lpm_count(t), 5);
	expect(t, "10.1.9.9", 20, 16);
	/* host bits beyond len are ignored */
	{
		uint8_t k[4] = { 10, 1, 2, 77 };

		assert_int_equal(lpm_insert(t, k, 24, 30), 1);
		expect(t, "10.1.2.9", 30, 24);

		assert_int_equal(lpm_get(t, k, 24), 30);
		assert_int_equal(lpm_get(t, k, 23), LPM_NONE);
		assert_int_equal(lpm_delete(t, k, 24), 0);
	}
	expect(t, "10.1.2.9", 20, 16);
	expect(t, "10.1.2.130", 5, 27);

	assert_int_equal(del(t, "10.1.2.0/24"), -ENOENT);
	assert_int_equal(del(t, "10.1.2.128/26"), -ENOENT);
	assert_int_equal(del(t, "10.1.2.128/27"), 0);
	expect(t, "10.1.2.130", 4, 25);
	assert_int_equal(del(t, "10.0.0.0/8"), 0);
	expect(t, "10.9.9.9", LPM_NONE, 0);
	expect(t, "10.1.2.200", 4, 25);
	assert_int_equal(lpm_count(t), 2);
	assert_int_equal(del(t, "10.1.2.128/25"), 0);
	assert_int_equal(del(t, "10.1.0.0/16"), 0);
	assert_int_equal(lpm_count(t), 0);
	expect(t, "10.1.2.200", LPM_NONE, 0);
	assert_int_equal(look(t, "10.1.2.200", &len), LPM_NONE);
	assert_int_equal(len, 99); /* ret_len untouched without a match */
	lpm_free(t);
	assert_int_equal(m.bytes, 0);
}

static void bad_arguments(void **state)
{
	struct rtw_mem m = { 0 };
	uint8_t k[16] = { 0 };
	struct lpm *t;

	errno = 0;
	assert_null(lpm_new(64, &m));
	assert_int_equal(errno, EINVAL);
	t = lpm_new(32, &m);
	assert_int_equal(lpm_insert(t, k, 33, 1), -EINVAL);
	assert_int_equal(lpm_insert(t, k, 8, LPM_NONE), -EINVAL);
	assert_int_equal(lpm_delete(t, k, 33), -EINVAL);
	assert_int_equal(lpm_get(t, k, 33), LPM_NONE);
	assert_int_equal(lpm_delete(t, k, 0), -ENOENT);
	assert_int_equal(lpm_count(t), 0);
	lpm_free(t);
	t = lpm_new(128, &m);
	assert_int_equal(lpm_insert(t, k, 129, 1), -EINVAL);
	assert_int_equal(lpm_insert(t, k, 128, 1), 0);
	lpm_free(t);
	lpm_free(NULL);
	assert_int_equal(m.bytes, 0);
}

/* Every IPv6 length, most of them not a multiple of the stride: prefixes
 * nested along one address, then siblings that differ in their last bit. */
static void ipv6_every_length(void **state)
{
	static const uint8_t base[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x5a, 0xa5, 0xff, 0x00,
					  0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf1 };
	struct rtw_mem m = { 0 };
	struct lpm *t = lpm_new(128, &m);
	uint8_t a[16];
	unsigned len, got;

	for (len = 0; len <= 128; len++)
		assert_int_equal(lpm_insert(t, base, len, 1000 + len), 0);
	assert_int_equal(lpm_count(t), 129);
	assert_int_equal(lookup_both(t, base, &got), 1128);
	assert_int_equal(got, 128);
	/* flipping bit i of the address leaves prefixes up to length i */
	for (len = 0; len < 128; len++) {
		memcpy(a, base, 16);
		a[len / 8] ^= (uint8_t)(0x80 >> (len % 8));
		assert_int_equal(lookup_both(t, a, &got), 1000 + len);
		assert_int_equal(got, len);
		assert_int_equal(lpm_get(t, base, len), 1000 + len);
	}
	/* delete odd lengths: each address falls back to the even one below */
	for (len = 1; len <= 128; len += 2)
		assert_int_equal(lpm_delete(t, base, len), 0);
	for (len = 0; len < 128; len++) {
		memcpy(a, base, 16);
		a[len / 8] ^= (uint8_t)(0x80 >> (len % 8));
		assert_int_equal(lookup_both(t, a, &got), 1000 + (len & ~1u));
		assert_int_equal(got, len & ~1u);
	}
	/* siblings: same length, last bit flipped, alone in their subtree */
	for (len = 1; len <= 128; len++) {
		memcpy(a, base, 16);
		a[(len - 1) / 8] ^= (uint8_t)(0x80 >> ((len - 1) % 8));
		assert_int_equal(lpm_insert(t, a, len, 5000 + len), 0);
		assert_int_equal(lookup_both(t, a, &got), 5000 + len);
		assert_int_equal(got, len);
	}
	for (len = 0; len <= 128; len += 2)
		assert_int_equal(lpm_delete(t, base, len), 0);
	for (len = 1; len <= 128; len++) {
		memcpy(a, base, 16);
		a[(len - 1) / 8] ^= (uint8_t)(0x80 >> ((len - 1) % 8));
		assert_int_equal(lpm_get(t, a, len), 5000 + len);
		assert_int_equal(lpm_delete(t, a, len), 0);
	}
	assert_int_equal(lpm_count(t), 0);
	assert_int_equal(lookup_both(t, base, &got), LPM_NONE);
	lpm_free(t);
	assert_int_equal(m.bytes, 0);
}

/* ---- the IPv4 front array ---- */

/* Every /24 of 10.0.0.0/14 (three addresses each) and a few outside, in t
 * against the reference. */
static void front_check(const struct lpm *t, const struct ref *r)
{
	static const uint8_t outside[][4] = {
		{ 9, 255, 255, 255 }, { 11, 0, 0, 0 }, { 0, 0, 0, 0 }, { 255, 255, 255, 255 }
	};
	static const uint8_t low[] = { 0, 129, 255 };
	uint8_t a[16] = { 0 };
	unsigned i, j, rlen, llen;
	uint32_t want, got;

	for (i = 0; i < 1024 + 4; i++) {
		for (j = 0; j < 3; j++) {
			if (i < 1024) {
				a[0] = 10;
				a[1] = (uint8_t)(i >> 8);
				a[2] = (uint8_t)i;
				a[3] = low[j];
			} else {
				memcpy(a, outside[i - 1024], 4);
			}
			want = ref_lookup(r, a, &rlen);
			llen = 999;
			got = lookup_both(t, a, &llen);
			if (got != want || (want != LPM_NONE ? llen != rlen : llen != 999))
				fail_msg("%u.%u.%u.%u: got %u/%u, want %u/%u", a[0], a[1], a[2],
					 a[3], got, llen, want, want != LPM_NONE ? rlen : 999);
		}
	}
}

static void front_op(struct lpm *t, struct ref *r, int insert, const char *text, uint32_t value)
{
	uint8_t key[16];
	unsigned len;

	key_of(text, key, &len);
	if (insert)
		assert_int_equal(lpm_insert(t, key, len, value), ref_insert(r, key, len, value));
	else
		assert_int_equal(lpm_delete(t, key, len), ref_delete(r, key, len));
	front_check(t, r);
}

/* One /18 (10.1.0.0/18) taken through the front entry's kinds: one answer,
 * a record of up to 8, a block too mixed for one, /24s holding longer
 * prefixes, values too big to pack (bit 25 up), /0 and /8 over it all, and
 * back down to one answer; then the index dropped below top_min / 2. */
static void front_array(void **state)
{
	static const struct {
		const char *pfx;
		uint32_t value;
	} steps[] = {
		{ "10.0.0.0/8", 1 },
		{ "10.1.0.0/16", 2 },
		{ "10.1.1.0/24", 3 },
		{ "10.1.2.0/23", 4 },
		{ "10.1.4.0/22", 5 },
		{ "10.1.8.0/21", 6 },
		{ "10.1.3.128/25", 7 },
		{ "10.1.5.0/24", 8 },
		{ "10.1.6.0/24", 9 },
		{ "10.1.12.0/24", 10 },
		{ "10.1.0.0/20", 11 },
		{ "10.1.16.0/20", 12 },
		{ "10.1.9.0/24", 1u << 25 },
		{ "10.1.10.0/24", UINT32_MAX - 1 },
		{ "10.1.13.7/32", 13 },
		{ "0.0.0.0/0", 14 },
		{ "10.2.0.0/15", 15 },
		{ "10.1.14.0/24", 0 },
		{ "10.1.15.0/25", 16 },
		{ "10.1.15.128/25", 17 },
		{ "10.0.0.0/8", (1u << 25) - 1 }, /* a replace: the new value packs */
		{ "10.3.255.0/24", 18 },
	};
	struct rtw_mem m = { 0 };
	struct ref r = { 32, 0, 0, NULL };
	struct lpm *t = lpm_new(32, &m);
	size_t i, base;
	unsigned round;

	(void)state;
	assert_non_null(t);
	lpm_set_top_min(t, 1);
	for (round = 0; round < 2; round++) {
		/* round 1: the values above 2^25 sit on the /8 and /16 under it all */
		for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
			front_op(t, &r, 1, steps[i].pfx,
				 round && i < 2 ? steps[i].value | 0x80000000u : steps[i].value);
		assert_true(lpm_index_memory(t) >= 65536 * 16 + (4 << 20));
		/* deletes in another order than the inserts, so that records
		 * shrink from the middle */
		for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
			front_op(t, &r, 0, steps[(i * 7) % (sizeof(steps) / sizeof(steps[0]))].pfx,
				 0);
		assert_int_equal(lpm_count(t), 0);
	}
	/* below top_min / 2 the index goes, and lookups answer from the trie */
	front_op(t, &r, 1, "10.1.1.0/24", 3);
	front_op(t, &r, 1, "10.1.0.0/16", 2);
	base = lpm_memory(t) - lpm_index_memory(t);
	lpm_set_top_min(t, 6);
	assert_int_equal(lpm_index_memory(t), 0);
	assert_int_equal(lpm_memory(t), base);
	front_check(t, &r);
	front_op(t, &r, 0, "10.1.1.0/24", 0);
	front_op(t, &r, 0, "10.1.0.0/16", 0);
	lpm_free(t);
	assert_int_equal(m.bytes, 0);
	free(r.e);
}

/* The index goes once the table falls below top_min / 2, also when the
 * deletes that take it there are of long prefixes edited in place, which
 * leave the direct index's marks as they were. */
static void index_dropped_by_long_deletes(void **state)
{
	struct rtw_mem m = { 0 };
	struct ref r = { 32, 0, 0, NULL };
	struct lpm *t = lpm_new(32, &m);
	char pfx[32];
	unsigned k;

	(void)state;
	assert_non_null(t);
	lpm_set_top_min(t, 8);
	for (k = 0; k < 20; k++) {
		snprintf(pfx, sizeof(pfx), "10.1.%u.0/24", k);
		front_op(t, &r, 1, pfx, k + 1);
	}
	assert_true(lpm_index_memory(t) > 0);
	for (k = 19; k >= 3; k--) {
		snprintf(pfx, sizeof(pfx), "10.1.%u.0/24", k);
		front_op(t, &r, 0, pfx, 0);
		/* kept while 4 = top_min / 2 or more prefixes are left */
		assert_int_equal(lpm_index_memory(t) > 0, lpm_count(t) >= 4);
	}
	front_check(t, &r);
	for (k = 0; k < 3; k++) {
		snprintf(pfx, sizeof(pfx), "10.1.%u.0/24", k);
		front_op(t, &r, 0, pfx, 0);
	}
	lpm_free(t);
	assert_int_equal(m.bytes, 0);
	free(r.e);
}

/* The front array's first record needs memory; when it cannot be had, the
 * block goes the long way and answers stay right. */
static void front_alloc_failure(void **state)
{
	struct failalloc f = { 0 };
	struct rtw_allocator a = failalloc_allocator(&f);
	struct rtw_mem m = { .a = &a };
	struct ref r = { 32, 0, 0, NULL };
	struct lpm *t = lpm_new(32, &m);
	uint8_t key[16];
	unsigned n, len, ok = 0, failed = 0;
	int ret;

	(void)state;
	assert_non_null(t);
	lpm_set_top_min(t, 1);
	front_op(t, &r, 1, "10.1.0.0/16", 2);
	key_of("10.1.1.0/24", key, &len);
	for (n = 1; n <= 12; n++) {
		f.fail_at = f.calls + n;
		ret = lpm_insert(t, key, len, 3);
		f.fail_at = 0;
		if (ret == -ENOMEM) {
			failed++;
			front_check(t, &r);
			continue;
		}
		assert_int_equal(ret, ref_insert(&r, key, len, 3));
		ok++;
		front_check(t, &r);
		/* a second /24 in the block, with records to be had again */
		front_op(t, &r, 1, "10.1.2.0/24", 4);
		front_op(t, &r, 0, "10.1.2.0/24", 0);
		front_op(t, &r, 0, "10.1.1.0/24", 0);
	}
	assert_true(failed > 0 && ok > 0);
	front_op(t, &r, 0, "10.1.0.0/16", 0);
	lpm_free(t);
	assert_int_equal(f.live, 0);
	assert_int_equal(m.bytes, 0);
	free(r.e);
}

/* A block whose /24s each have a prefix of their own, with answers of their
 * own (different next hops), through the record kinds: one answer, records
 * mapping up to 2, 4 and 8, a direct one up to all 64 /24s, and back; the
 * 3rd, 5th and 9th answers (each a record of a new size) also with each
 * allocation failing in turn, when the block must go the long way, with
 * answers right all along. */
static void front_wide_records(void **state)
{
	struct failalloc f = { 0 };
	struct rtw_allocator a = failalloc_allocator(&f);
	struct rtw_mem m = { .a = &a };
	struct ref r = { 32, 0, 0, NULL };
	struct lpm *t = lpm_new(32, &m);
	char text[32];
	uint8_t key[16];
	unsigned i, n, len, failed = 0;
	int ret;

	(void)state;
	assert_non_null(t);
	lpm_set_top_min(t, 1);
	front_op(t, &r, 1, "10.1.0.0/16", 100);
	/* two /24s of the next block, with one answer (a record of the
	 * smallest size there): the node the /24s go in is there, with room
	 * for the 2nd, 4th and 8th of them, so that only the record can fail
	 * to be had */
	front_op(t, &r, 1, "10.1.64.0/24", 101);
	front_op(t, &r, 1, "10.1.65.0/24", 101);
	for (i = 0; i < 64; i++) {
		snprintf(text, sizeof(text), "10.1.%u.0/24", i);
		if (i == 1 || i == 3 || i == 7) {
			key_of(text, key, &len);
			for (n = 1; n <= 8; n++) {
				f.fail_at = f.calls + n;
				ret = lpm_insert(t, key, len, i + 1);
				f.fail_at = 0;
				if (ret == -ENOMEM) {
					failed++;
					front_check(t, &r);
					continue;
				}
				assert_int_equal(ret, ref_insert(&r, key, len, i + 1));
				front_check(t, &r);
				front_op(t, &r, 0, text, 0);
			}
			/* the new record's allocations failed: no error, the
			 * block went the long way */
			assert_true(f.failed >= 2 && failed == 0);
			f.failed = 0;
		}
		front_op(t, &r, 1, text, i + 1);
	}
	/* the /24s share 4 answers, then 32, then 64 again */
	for (i = 0; i < 64; i++) {
		snprintf(text, sizeof(text), "10.1.%u.0/24", i);
		front_op(t, &r, 1, text, 50 + i % 4);
	}
	/* a /18 edit recomputes the block: a narrow record again */
	front_op(t, &r, 1, "10.1.0.0/18", 99);
	front_op(t, &r, 0, "10.1.0.0/18", 0);
	for (i = 0; i < 64; i += 2) {
		snprintf(text, sizeof(text), "10.1.%u.0/24", i);
		front_op(t, &r, 1, text, i + 1);
	}
	/* the default route moves every block's fallback, records too */
	front_op(t, &r, 1, "0.0.0.0/0", 7);
	front_op(t, &r, 0, "10.1.0.0/16", 0);
	for (i = 64; i-- > 0;) {
		snprintf(text, sizeof(text), "10.1.%u.0/24", (i * 7) % 64);
		front_op(t, &r, 0, text, 0);
	}
	front_op(t, &r, 0, "0.0.0.0/0", 0);
	front_op(t, &r, 0, "10.1.64.0/24", 0);
	front_op(t, &r, 0, "10.1.65.0/24", 0);
	assert_int_equal(lpm_count(t), 0);
	lpm_free(t);
	assert_int_equal(f.live, 0);
	assert_int_equal(m.bytes, 0);
	free(r.e);
}

/* ---- randomized differential test ---- */

/* A prefix near one of a few cluster centres, so that prefixes nest and
 * share paths; lengths are spread over the whole range. */
static void random_prefix(unsigned bits, const uint8_t (*centre)[16], unsigned ncentre,
			  uint8_t *key, unsigned *ret_len)
{
	unsigned i, flips, len;

	memcpy(key, centre[rnd() % ncentre], 16);
	flips = (unsigned)(rnd() % 4);
	for (i = 0; i < flips; i++) {
		/* mostly low bits, so long prefixes differ among themselves */
		unsigned span = rnd() % 2 ? 12 : bits;
		unsigned b = bits - 1 - (unsigned)(rnd() % span);

		key[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
	}
	switch (rnd() % 4) {
	case 0:
		len = (unsigned)(rnd() % (bits + 1));
		break;
	case 1:
		len = bits - (unsigned)(rnd() % 9);
		break;
	default:
		len = bits == 32 ? 16 + (unsigned)(rnd() % 9) : 28 + (unsigned)(rnd() % 37);
		break;
	}
	*ret_len = len;
}

static void compare_all(const struct lpm *t, const struct ref *r)
{
	size_t i;

	assert_int_equal(lpm_count(t), r->n);
	for (i = 0; i < r->n; i++)
		assert_int_equal(lpm_get(t, r->e[i].key, r->e[i].len), r->e[i].value);
}

/* The index's shape depends only on its contents: a fresh build of the same
 * prefixes takes the same memory, so deletes leave nothing behind. */
static void compare_fresh(const struct lpm *t, const struct ref *r)
{
	struct rtw_mem m = { 0 };
	struct lpm *f = lpm_new(r->bits, &m);
	size_t i;

	assert_non_null(f);
	lpm_set_top_min(f, 0);
	for (i = 0; i < r->n; i++)
		assert_int_equal(lpm_insert(f, r->e[i].key, r->e[i].len, r->e[i].value), 0);
	/* t may hold the direct index on top: 16-byte slots for all 2^16
	 * first-16-bit values (IPv4), or for those in 2000::/3 (IPv6); IPv4
	 * adds the front array, 1 MiB in 4 MiB that align it, and records,
	 * whose pool only grows while the index lasts */
	assert_int_equal(lpm_index_memory(f), 0);
	assert_int_equal(lpm_memory(t) - lpm_index_memory(t), lpm_memory(f));
	if (lpm_index_memory(t))
		assert_true(lpm_index_memory(t) >=
			    (r->bits == 32 ? 65536 * 16 + (4 << 20) : 8192 * 16));
	if (lpm_index_memory(t) && r->bits == 128)
		assert_int_equal(lpm_index_memory(t), 8192 * 16);
	lpm_free(f);
}

/* The hints the model gives before each edit: they must read only what
 * exists (ASan) and change no answer (the differential checks). */
static void hint(const struct lpm *t, const uint8_t *key, unsigned len)
{
	struct lpm_hint h;

	lpm_prefetch(t, key, &h);
	lpm_prefetch_more(t, key, len, &h);
}

/* lpm_octet_cover() of first octet o against the reference: bit x set
 * exactly where some prefix meets the addresses starting o, x; and
 * lpm_meets16() of each o, x alike. */
static void check_cover(const struct lpm *t, const struct ref *r, unsigned o)
{
	uint64_t got[4], want[4] = { 0 };
	unsigned x, s;
	size_t i;

	lpm_octet_cover(t, o, got);
	for (i = 0; i < r->n; i++) {
		const struct ref_entry *e = &r->e[i];

		for (x = 0; x < 256; x++) {
			s = e->len < 16 ? 16 - e->len : 0; /* bits of o.x below the prefix */
			if ((o << 8 | x) >> s == ((unsigned)e->key[0] << 8 | e->key[1]) >> s)
				want[x >> 6] |= UINT64_C(1) << (x & 63);
		}
	}
	for (x = 0; x < 4; x++)
		if (got[x] != want[x])
			fail_msg("cover of octet %u, word %u: got %016llx, want %016llx", o, x,
				 (unsigned long long)got[x], (unsigned long long)want[x]);
	for (x = 0; x < 256; x++) {
		const uint8_t k[2] = { (uint8_t)o, (uint8_t)x };

		if (lpm_meets16(t, k) != (bool)(want[x >> 6] >> (x & 63) & 1))
			fail_msg("lpm_meets16(%u.%u) is %d", o, x, lpm_meets16(t, k));
	}
}

static unsigned long differential_run(unsigned bits, unsigned rounds, unsigned ops)
{
	uint8_t centre[6][16], key[16];
	unsigned long done = 0;
	unsigned round, i, j, len, rlen, llen;

	for (round = 0; round < rounds; round++) {
		struct rtw_mem m = { 0 };
		struct ref r = { bits, 0, 0, NULL };
		struct lpm *t = lpm_new(bits, &m);
		unsigned ncentre = 1 + round % 6;

		assert_non_null(t);
		/* every other round through the direct index, which is
		 * built once the table holds top_min prefixes */
		if (round % 2)
			lpm_set_top_min(t, 1 + round % 5);
		for (i = 0; i < ncentre; i++) {
			for (j = 0; j < 16; j++)
				centre[i][j] = j < bits / 8 ? (uint8_t)rnd() : 0;
			/* the IPv6 direct index covers 2000::/3: some in, some out */
			if (bits == 128 && i % 2 == 0)
				centre[i][0] = (uint8_t)(0x20 | (centre[i][0] & 0x1f));
		}
		for (i = 0; i < ops; i++, done++) {
			unsigned what = (unsigned)(rnd() % 16);
			/* one value in 8 too big for the IPv4 front array to pack */
			uint32_t v = rnd() % 8 ? (uint32_t)(rnd() % 1000000)
					       : (uint32_t)(rnd() % UINT32_MAX);

			random_prefix(bits, (const uint8_t(*)[16])centre, ncentre, key, &len);
			/* the table grows in the first half of a round, shrinks in the second */
			hint(t, key, len);
			if (what < (i < ops / 2 ? 5u : 2u)) {
				assert_int_equal(lpm_insert(t, key, len, v),
						 ref_insert(&r, key, len, v));
			} else if (what < 7 && r.n) {
				/* delete or replace something present */
				struct ref_entry *e = &r.e[rnd() % r.n];
				uint8_t k2[16];
				unsigned l2 = e->len;

				memcpy(k2, e->key, 16);
				hint(t, k2, l2);
				if (rnd() % 2) {
					assert_int_equal(lpm_insert(t, k2, l2, v), 1);
					ref_insert(&r, k2, l2, v);
				} else {
					assert_int_equal(lpm_delete(t, k2, l2), 0);
					assert_int_equal(ref_delete(&r, k2, l2), 0);
				}
			} else if (what < 8) {
				assert_int_equal(lpm_delete(t, key, len), ref_delete(&r, key, len));
			} else if (what < 9) {
				struct ref_entry *e = ref_find(&r, key, len);

				assert_int_equal(lpm_get(t, key, len), e ? e->value : LPM_NONE);
				check_cover(t, &r, key[0]);
			} else if (what < 10 && i % 64 == 0) {
				compare_fresh(t, &r);
			} else {
				uint32_t want, got;

				/* the key itself is an address near the clusters */
				want = ref_lookup(&r, key, &rlen);
				llen = 999;
				got = lookup_both(t, key, &llen);
				assert_int_equal(got, want);
				if (want != LPM_NONE)
					assert_int_equal(llen, rlen);
				else
					assert_int_equal(llen, 999);
			}
		}
		compare_all(t, &r);
		lpm_free(t);
		assert_int_equal(m.bytes, 0);
		free(r.e);
	}
	return done;
}

static void differential_ipv4(void **state)
{
	unsigned rounds = (unsigned)(60 * test_scale());

	rounds = rounds ? rounds : 1;
	assert_true(differential_run(32, rounds, 10000) >= rounds * 10000ul);
}

static void differential_ipv6(void **state)
{
	unsigned rounds = (unsigned)(40 * test_scale());

	rounds = rounds ? rounds : 1;
	assert_true(differential_run(128, rounds, 10000) >= rounds * 10000ul);
}

/* ---- allocation failure ---- */

#define PROBES 512

struct snapshot {
	uint32_t value[PROBES];
	unsigned len[PROBES];
	size_t count, memory, bytes;
};

static void probe(const struct lpm *t, const struct rtw_mem *m, uint8_t (*addr)[16],
		  struct snapshot *s)
{
	unsigned i;

	for (i = 0; i < PROBES; i++) {
		s->len[i] = 999;
		s->value[i] = lookup_both(t, addr[i], &s->len[i]);
	}
	s->count = lpm_count(t);
	s->memory = lpm_memory(t);
	s->bytes = m->bytes;
}

/* Runs op with the Nth allocation failing, for N = 1, 2, ... until it
 * succeeds; every failure must leave lookups, count and memory as they were.
 * Returns how many failures were seen. */
static unsigned fail_each(struct lpm *t, struct rtw_mem *m, struct failalloc *f,
			  uint8_t (*addr)[16], int del_op, const uint8_t *key, unsigned len,
			  uint32_t value, int *ret)
{
	struct snapshot before, after;
	unsigned n, failures = 0;
	int r;

	probe(t, m, addr, &before);
	for (n = 1;; n++) {
		f->fail_at = f->calls + n;
		r = del_op ? lpm_delete(t, key, len) : lpm_insert(t, key, len, value);
		f->fail_at = 0;
		if (r != -ENOMEM)
			break;
		failures++;
		probe(t, m, addr, &after);
		assert_memory_equal(&before, &after, sizeof(before));
	}
	*ret = r;
	return failures;
}

static void allocation_failure(void **state)
{
	unsigned bits_list[4] = { 32, 128, 32, 128 };
	unsigned b;

	for (b = 0; b < 4; b++) {
		unsigned bits = bits_list[b];
		struct failalloc f = { 0 };
		struct rtw_allocator a = failalloc_allocator(&f);
		struct rtw_mem m = { .a = &a };
		uint8_t centre[3][16], (*addr)[16], key[16];
		struct ref r = { bits, 0, 0, NULL };
		unsigned i, j, len, failures = 0, del_failures = 0, added = 0;
		struct lpm *t;
		int ret;

		/* the constructor fails cleanly too */
		f.fail_at = 1;
		assert_null(lpm_new(bits, &m));
		f.fail_at = 2;
		assert_null(lpm_new(bits, &m));
		assert_int_equal(f.live, 0);
		f.fail_at = 0;
		t = lpm_new(bits, &m);
		assert_non_null(t);
		if (b >= 2)
			lpm_set_top_min(t, 1);

		addr = calloc(PROBES, 16);
		assert_non_null(addr);
		for (i = 0; i < 3; i++) {
			for (j = 0; j < 16; j++)
				centre[i][j] = j < bits / 8 ? (uint8_t)rnd() : 0;
			if (bits == 128 && i < 2)
				centre[i][0] = (uint8_t)(0x20 | (centre[i][0] & 0x1f));
		}
		for (i = 0; i < PROBES; i++)
			random_prefix(bits, (const uint8_t(*)[16])centre, 3, addr[i], &len);

		for (i = 0; i < 400; i++) {
			random_prefix(bits, (const uint8_t(*)[16])centre, 3, key, &len);
			failures += fail_each(t, &m, &f, addr, 0, key, len, i + 1, &ret);
			assert_int_equal(ret, ref_insert(&r, key, len, i + 1));
			added += ret == 0;
		}
		compare_all(t, &r);
		while (r.n) {
			struct ref_entry e = r.e[rnd() % r.n];

			del_failures += fail_each(t, &m, &f, addr, 1, e.key, e.len, 0, &ret);
			assert_int_equal(ret, 0);
			assert_int_equal(ref_delete(&r, e.key, e.len), 0);
			if (r.n % 16 == 0)
				compare_all(t, &r);
		}
		/* a new prefix allocates at least once (a replace need not);
		 * deletes that rebuild or collapse a node allocate too */
		assert_true(added > 100);
		assert_true(failures >= added);
		assert_true(del_failures > 0);
		lpm_free(t);
		assert_int_equal(f.live, 0);
		assert_int_equal(m.bytes, 0);
		free(addr);
		free(r.e);
	}
}

/* ---- the real table ---- */

struct real_prefix {
	uint8_t key[16];
	uint8_t len;
	uint8_t v6;
	uint32_t value;
};

static int real_cmp(const void *pa, const void *pb)
{
	const struct real_prefix *a = pa, *b = pb;
	int c = (int)a->v6 - (int)b->v6;

	if (c)
		return c;
	c = memcmp(a->key, b->key, 16);
	return c ? c : (int)a->len - (int)b->len;
}

/* Reference lookup over the sorted array: try each length, longest first. */
static uint32_t sorted_lookup(const struct real_prefix *v, size_t n, int v6, const uint8_t *addr,
			      unsigned *ret_len)
{
	struct real_prefix probe_key;
	unsigned bits = v6 ? 128 : 32;
	int len;

	for (len = (int)bits; len >= 0; len--) {
		const struct real_prefix *hit;

		memset(&probe_key, 0, sizeof(probe_key));
		mask_key(bits, addr, (unsigned)len, probe_key.key);
		probe_key.len = (uint8_t)len;
		probe_key.v6 = (uint8_t)v6;
		hit = bsearch(&probe_key, v, n, sizeof(*v), real_cmp);
		if (hit) {
			*ret_len = (unsigned)len;
			return hit->value;
		}
	}
	return LPM_NONE;
}

static void real_table(void **state)
{
	const char *dir = getenv("RTW_SHARED_DATA");
	char path[4096], cmd[4200], line[128];
	struct real_prefix *v = NULL;
	size_t n = 0, cap = 0, i, nv4 = 0;
	struct rtw_mem m = { 0 };
	struct lpm *t4, *t6;
	FILE *fp;

	if (!dir)
		dir = "../shared/data";
	snprintf(path, sizeof(path), "%s/bgp-prefixes.txt.gz", dir);
	fp = fopen(path, "rb");
	if (!fp) {
		/* cmocka's skip() prints "not ok # SKIP", which meson counts as a
		 * failure; CI has the data beside the checkout and must run this */
		if (getenv("CI") && !strcmp(getenv("CI"), "true"))
			fail_msg("%s not found (CI=true)", path);
		print_message("# %s not found: real_table not run\n", path);
		return;
	}
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
	fp = popen(cmd, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		struct rtw_prefix p;

		line[strcspn(line, "\r\n")] = 0;
		if (rtw_prefix_parse(line, &p) < 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 1 << 20;
			v = realloc(v, cap * sizeof(*v));
			assert_non_null(v);
		}
		memset(&v[n], 0, sizeof(v[n]));
		memcpy(v[n].key, p.addr.bytes, 16);
		v[n].len = p.len;
		v[n].v6 = p.addr.family == AF_INET6;
		v[n].value = (uint32_t)n;
		nv4 += !v[n].v6;
		n++;
	}
	assert_int_equal(pclose(fp), 0);
	assert_true(n > 1000000);

	t4 = lpm_new(32, &m);
	t6 = lpm_new(128, &m);
	/* the IPv6 one through the direct index too (IPv4 has it by default) */
	lpm_set_top_min(t6, 1);
	for (i = 0; i < n; i++)
		assert_int_equal(lpm_insert(v[i].v6 ? t6 : t4, v[i].key, v[i].len, v[i].value), 0);
	assert_int_equal(lpm_count(t4), nv4);
	assert_int_equal(lpm_count(t6), n - nv4);
	qsort(v, n, sizeof(*v), real_cmp);

	/* random addresses, and addresses inside table prefixes */
	for (i = 0; i < 200000; i++) {
		int v6 = i % 4 == 0;
		uint8_t a[16] = { 0 };
		unsigned want_len = 0, got_len = 0, j;
		uint32_t want, got;

		if (i % 2) {
			const struct real_prefix *p = &v[rnd() % n];

			v6 = p->v6;
			memcpy(a, p->key, 16);
			for (j = p->len; j < (v6 ? 128u : 32u); j++)
				if (rnd() % 2)
					a[j / 8] |= (uint8_t)(0x80 >> (j % 8));
		} else {
			for (j = 0; j < (v6 ? 16u : 4u); j++)
				a[j] = (uint8_t)rnd();
			if (v6)
				a[0] = (uint8_t)(0x20 | (a[0] & 0x1f)); /* 2000::/3 */
		}
		want = sorted_lookup(v, n, v6, a, &want_len);
		got = lookup_both(v6 ? t6 : t4, a, &got_len);
		assert_int_equal(got, want);
		if (want != LPM_NONE)
			assert_int_equal(got_len, want_len);
	}

	/* delete every other prefix, check again, then the rest */
	for (i = 0; i < n; i += 2)
		assert_int_equal(lpm_delete(v[i].v6 ? t6 : t4, v[i].key, v[i].len), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(lpm_get(v[i].v6 ? t6 : t4, v[i].key, v[i].len),
				 i % 2 ? v[i].value : LPM_NONE);
	for (i = 1; i < n; i += 2)
		assert_int_equal(lpm_delete(v[i].v6 ? t6 : t4, v[i].key, v[i].len), 0);
	assert_int_equal(lpm_count(t4) + lpm_count(t6), 0);
	/* an emptied index is back to its empty size */
	{
		struct rtw_mem m2 = { 0 };
		struct lpm *e = lpm_new(32, &m2);

		assert_int_equal(lpm_memory(t4), lpm_memory(e));
		lpm_free(e);
	}
	lpm_free(t4);
	lpm_free(t6);
	assert_int_equal(m.bytes, 0);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_route_and_hosts),
		cmocka_unit_test(nested_replace_delete),
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(ipv6_every_length),
		cmocka_unit_test(differential_ipv4),
		cmocka_unit_test(differential_ipv6),
		cmocka_unit_test(allocation_failure),
		cmocka_unit_test(real_table),
		cmocka_unit_test(front_array),
		cmocka_unit_test(index_dropped_by_long_deletes),
		cmocka_unit_test(front_alloc_failure),
		cmocka_unit_test(front_wide_records),
	};

	test_output_tap();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
