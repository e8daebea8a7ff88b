/* Longest-prefix-match index for one address family: prefix -> 32-bit value.
 * The route model keeps one per (table, family); values are its route slots. */
#ifndef RTW_LPM_H
#define RTW_LPM_H

#include <stddef.h>
#include <stdint.h>

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

/* Exact match: the value stored for key/len, or LPM_NONE. */
uint32_t lpm_get(const struct lpm *t, const uint8_t *key, unsigned len);

/* Big tables also get a direct index on the first 16 bits (1 MiB for IPv4;
 * 128 KiB for IPv6, over 2000::/3 only), built once they hold n prefixes and
 * dropped below n/2; 0 turns it off. The default is 65536. IPv4 adds a front
 * array on the first 20 bits (6 MiB, aligned to huge pages in it) and 32-byte
 * records for /20s whose /24s differ (about 3 MB on a full table, the first
 * 2 MiB in the front array's spare room). Lookups answer the same either way;
 * tests set 1 to cover both paths. */
void lpm_set_top_min(struct lpm *t, size_t n);

size_t lpm_count(const struct lpm *t);
/* Bytes held by the index. */
size_t lpm_memory(const struct lpm *t);
/* The part of lpm_memory() that the direct index and front array hold. */
size_t lpm_index_memory(const struct lpm *t);

#endif
