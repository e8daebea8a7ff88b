/* Longest-prefix-match index for one address family: prefix -> 32-bit value.
 * The route model keeps one per (table, family); values are its route slots. */
#ifndef RTW_LPM_H
#define RTW_LPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mem.h"

#define LPM_NONE UINT32_MAX

struct lpm;

/* bits is 32 or 128. All memory comes from m (which must outlive the lpm).
 * Returns NULL on failure. */
struct lpm *lpm_new(unsigned bits, struct rtw_mem *m);
void lpm_free(struct lpm *t); /* accepts NULL */

/* Insert or replace. key holds bits/8 bytes in network order; bits beyond
 * len are ignored. value must not be LPM_NONE.
 * Returns 0 (new), 1 (replaced), -EINVAL, or -ENOMEM with the index unchanged. */
int lpm_insert(struct lpm *t, const uint8_t *key, unsigned len, uint32_t value);

/* Returns 0, -ENOENT, -EINVAL, or -ENOMEM with the index unchanged (a
 * delete may need to allocate when it rebuilds compressed nodes). */
int lpm_delete(struct lpm *t, const uint8_t *key, unsigned len);

/* The value of the longest prefix containing addr, or LPM_NONE. When ret_len
 * is not NULL it gets that prefix's length. */
uint32_t lpm_lookup(const struct lpm *t, const uint8_t *addr, unsigned *ret_len);

/* Slot a << 8 | b of the direct index on the first 16 bits. */
struct lpm_top_slot {
	uintptr_t deeper; /* child entry below octets a, b: a prefix longer than /16 */
	uint32_t value;	  /* longest prefix up to /16 covering a.b, or LPM_NONE */
	uint32_t len;
};

/* A /18 block whose 64 /24s have a few different answers (front entries,
 * packed) has a record: a map giving each /24 the number of its answer in
 * k bits (64k bits), then room for 2k answers, k being 1, 2 or 4: 16, 32
 * or 64 bytes, within one cache line. The fewer answers a block has, the
 * smaller its record, so that more of them stay in the caches (the full
 * table's blocks have 3.4 answers on average, all routes through one
 * gateway). A block with more than
 * LPM_REC_ANS answers (next hops that differ from /24 to /24) has a direct
 * record: the 64 answers themselves, 256 bytes. Either way a lookup reads
 * one line of it. Records are numbered in units of LPM_REC_UNIT 32-bit
 * words and live in chunks of LPM_REC_CHUNK units, a chunk holding records
 * of one size. */
#define LPM_REC_UNIT	   4
#define LPM_REC_ANS	   8
#define LPM_REC_CHUNK_BITS 13
#define LPM_REC_CHUNK	   (1u << LPM_REC_CHUNK_BITS)

/* The first member of every struct lpm: what a lookup reads first. Big
 * tables get a direct index on the first 16 bits (IPv6: over 2000::/3),
 * derived from the trie and refreshed after each edit; big IPv4 tables also
 * get a front array on the first LPM_FRONT_BITS bits, whose entry is the
 * answer (value << 6 | len; value bits all set: no prefix) unless its low
 * six bits are LPM_FRONT_REC to LPM_FRONT_REC_DIRECT (the answer is in record
 * value) or LPM_FRONT_DEEP. Public so that the common case of a lookup is inline
 * below; only lpm.c writes it. */
struct lpm_fast {
	uint32_t *front;
	/* bit b: front entry b names a record. Tested before the entry
	 * arrives, so that the branch on it (a fifth of random addresses
	 * take a record on a full table) resolves from a line in the
	 * nearest caches, not after the front array's miss */
	uint64_t *front_recs;
	uint32_t **rec_dir; /* chunks of front record slots */
	struct lpm_top_slot *top;
	unsigned top_lo, top_n; /* the first-16-bit values top covers */
	/* bit o: some prefix covers addresses whose first octet is o. A small
	 * table (IPv4's local one, say) answers most addresses with no walk */
	uint64_t octet0[4];
};

#define LPM_FRONT_BITS 18
/* a record: | 0, 1, 2 for a map of k = 1, 2, 4 bits a /24, | 3 for direct;
 * one test ((e & 60) == LPM_FRONT_REC) finds them all */
#define LPM_FRONT_REC	     56u
#define LPM_FRONT_REC_DIRECT 59u
#define LPM_FRONT_DEEP	     63u

/* The part of t a lookup reads first (its first member). */
static inline const struct lpm_fast *lpm_fast_of(const struct lpm *t)
{
	return (const struct lpm_fast *)(const void *)t;
}

/* A mapped record of class c (0, 1, 2) numbers each /24's answer in 1 << c
 * bits of a map of 1 << c 64-bit words; its answers start at 32-bit word
 * lpm_rec_ans(c), right after the map. */
#define LPM_REC_ANS_OF(c)      (2u << (c))
#define LPM_REC_NUM_MASK_OF(c) ((1u << (1u << (c))) - 1)

static inline unsigned lpm_rec_ans(unsigned c)
{
	return LPM_REC_ANS_OF(c);
}

static inline unsigned lpm_rec_num_mask(unsigned c)
{
	return LPM_REC_NUM_MASK_OF(c);
}

/* The words of front record r (in units of LPM_REC_UNIT words). */
static inline uint32_t *lpm_rec_words(const struct lpm_fast *f, uint32_t r)
{
	return f->rec_dir[r >> LPM_REC_CHUNK_BITS] + LPM_REC_UNIT * (r & (LPM_REC_CHUNK - 1));
}

/* The front array's entry for IPv4 address a (host order), the block's
 * record read when it has one; f must have a front array. value << 6 |
 * len is an answer; bit 31 set is no prefix (value bits all set) or, with
 * the low six bits LPM_FRONT_DEEP, a block that needs the walk: one test
 * on the common path of rtw_lookup(), which reads the entry itself. */
static inline uint32_t lpm_front4_entry(const struct lpm_fast *f, uint32_t a)
{
	uint32_t b, e;

	b = a >> (32 - LPM_FRONT_BITS);
	e = f->front[b];
	if ((f->front_recs[b / 64] >> (b % 64)) & 1) {
		/* by class: where the answers start, the mask of a /24's
		 * number in the map, and of its own number (a direct record,
		 * whose answer is at the /24's number: a map word is read
		 * but masked out). Loads from a cached line instead of a
		 * branch on the class and four shifts by a count (each
		 * wanting the count register): a register push less in
		 * rtw_lookup(), the rate the same within the noise of my
		 * runs (285a3eb) */
		static const uint8_t base[4] = { LPM_REC_ANS_OF(0), LPM_REC_ANS_OF(1),
						 LPM_REC_ANS_OF(2), 0 },
				     num[4] = { LPM_REC_NUM_MASK_OF(0), LPM_REC_NUM_MASK_OF(1),
						LPM_REC_NUM_MASK_OF(2), 0 },
				     own[4] = { 0, 0, 0, 63 };
		const uint32_t *w = lpm_rec_words(f, e >> 6);
		unsigned lk = e & 3, i = (a >> 8) & 63, bit = i << lk;
		uint64_t map;

		/* the /24's 1 << lk bits, at bit i << lk of the map */
		memcpy(&map, w + 2 * (bit >> 6), sizeof(map));
		e = w[(base[lk] + ((unsigned)(map >> (bit & 63)) & num[lk])) | (i & own[lk])];
	}
	return e;
}

/* lpm_front4_entry(): false when t has no front array or the block needs
 * the walk, else true with *ret_e the entry. */
static inline bool lpm_front4(const struct lpm *t, uint32_t a, uint32_t *ret_e)
{
	const struct lpm_fast *f = lpm_fast_of(t);

	if (!f->front)
		return false;
	*ret_e = lpm_front4_entry(f, a);
	return (*ret_e & 63) != LPM_FRONT_DEEP;
}

/* An IPv4 address in network order as a host-order number. */
static inline uint32_t lpm_load_be32(const uint8_t *addr)
{
	return (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 | (uint32_t)addr[2] << 8 | addr[3];
}

/* The IPv4 address a (4 bytes, network order) with the bits past len (at
 * most 32) cleared, into out: done as a number, since clearing a tail of
 * variable size byte by byte is a library call (prefix_mask()). */
static inline void lpm_mask4(const uint8_t *a, unsigned len, uint8_t *out)
{
	uint32_t x = lpm_load_be32(a) & (len ? UINT32_MAX << (32 - len) : 0);

	out[0] = (uint8_t)(x >> 24);
	out[1] = (uint8_t)(x >> 16);
	out[2] = (uint8_t)(x >> 8);
	out[3] = (uint8_t)x;
}

/* The part of lpm_lookup() that needs no walk of the trie: the lookups that
 * end in the front array, in its records or in a direct index slot with
 * nothing deeper (nearly all random ones). v4 says whether to try the
 * front array. Returns true with *ret_value (and *ret_len unless the value
 * is LPM_NONE) set, or false when the trie must be walked. Inline, without
 * a call on any path, so that a caller whose common case is this needs no
 * registers saved (rtw_lookup()). */
static inline bool lpm_lookup_fast(const struct lpm *t, bool v4, const uint8_t *addr,
				   uint32_t *ret_value, unsigned *ret_len)
{
	const struct lpm_fast *f = lpm_fast_of(t);

	/* only IPv4 has a front array: v4 false (a constant in the caller)
	 * skips the test; answers are the same either way */
	if (v4 && f->front) {
		uint32_t e;

		if (!lpm_front4(t, lpm_load_be32(addr), &e))
			return false;
		/* bit 31 spreads over the top bits: no prefix gives LPM_NONE */
		*ret_value = e >> 6 | (0u - (e >> 31)) << 26;
		if (*ret_value != LPM_NONE)
			*ret_len = e & 63;
		return true;
	}
	if (f->top) {
		unsigned i = ((unsigned)addr[0] << 8 | addr[1]) - f->top_lo;

		if (i < f->top_n && !f->top[i].deeper) {
			*ret_value = f->top[i].value;
			if (f->top[i].value != LPM_NONE)
				*ret_len = f->top[i].len;
			return true;
		}
	}
	return false;
}

/* True when no prefix of t can match addr (its first octet is not covered):
 * no walk needed. */
static inline bool lpm_octet_miss(const struct lpm *t, const uint8_t *addr)
{
	const struct lpm_fast *f = lpm_fast_of(t);

	return !((f->octet0[addr[0] >> 6] >> (addr[0] & 63)) & 1);
}

/* Into ret, a 256-bit map, bit x for each second octet x such that some
 * prefix of t covers addresses whose first two octets are o, x: where it
 * is clear, no prefix of t can match. */
void lpm_octet_cover(const struct lpm *t, unsigned o, uint64_t ret[4]);

/* Whether some prefix of t covers an address whose first 16 bits are key's
 * (two bytes, network order). */
bool lpm_meets16(const struct lpm *t, const uint8_t *key);

/* lpm_lookup(), with what lpm_lookup_fast() answers inline, and addresses
 * whose first octet no prefix covers. ret_len must not be NULL. */
static inline uint32_t lpm_lookup_inline(const struct lpm *t, const uint8_t *addr,
					 unsigned *ret_len)
{
	uint32_t v;

	if (lpm_lookup_fast(t, true, addr, &v, ret_len))
		return v;
	if (lpm_octet_miss(t, addr))
		return LPM_NONE;
	return lpm_lookup(t, addr, ret_len);
}

/* Hints before an edit of key/len (masked), for a caller that has cache
 * misses of its own to wait for: lpm_prefetch() starts the loads the edit
 * will wait for, lpm_prefetch_more(), called once they had time to arrive,
 * those that depend on them. Neither changes anything. */
struct lpm_hint {
	uintptr_t d2; /* the entry below the first two octets */
};
void lpm_prefetch(const struct lpm *t, const uint8_t *key, struct lpm_hint *ret);
void lpm_prefetch_more(const struct lpm *t, const uint8_t *key, unsigned len,
		       const struct lpm_hint *h);

/* Exact match: the value stored for key/len, or LPM_NONE. */
uint32_t lpm_get(const struct lpm *t, const uint8_t *key, unsigned len);

/* Big tables also get a direct index on the first 16 bits (1 MiB for IPv4;
 * 128 KiB for IPv6, over 2000::/3 only), built once they hold n prefixes and
 * dropped below n/2; 0 turns it off. The default is 65536. IPv4 adds a front
 * array on the first 18 bits (1 MiB, in a 4 MiB allocation that aligns it to
 * a huge page) and records of 16 to 256 bytes for /18s whose /24s differ
 * (a few MB on a full table, the first 3 MiB in the rest of that
 * allocation). Lookups answer the same either way; tests set 1 to cover both
 * paths. */
void lpm_set_top_min(struct lpm *t, size_t n);

size_t lpm_count(const struct lpm *t);
/* Bytes held by the index. */
size_t lpm_memory(const struct lpm *t);
/* The part of lpm_memory() that the direct index and front array hold. */
size_t lpm_index_memory(const struct lpm *t);

#endif
