/* tests/fuzz/fuzzcheck.h: what the backend parsers' fuzz harnesses check in
 * every event that comes out, where it is the same for each backend. */
#ifndef RTW_FUZZCHECK_H
#define RTW_FUZZCHECK_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

/* A known family, and an IPv4 address leaves the tail zero: the core
 * hashes all 16 bytes. */
static inline void fuzz_check_addr(const struct rtw_addr *a, bool may_be_unspec)
{
	unsigned i, n;

	if (a->family == AF_UNSPEC) {
		if (!may_be_unspec)
			abort();
		return;
	}
	n = addr_len(a->family);
	if (n == 0)
		abort();
	for (i = n; i < 16; i++)
		if (a->bytes[i])
			abort();
}

/* A route's destination: an address, a length that fits it, and the host
 * bits cleared (the model keys on the prefix). */
static inline void fuzz_check_dst(const struct rtw_prefix *dst)
{
	struct rtw_prefix masked;

	fuzz_check_addr(&dst->addr, false);
	if (dst->len > addr_bits(dst->addr.family))
		abort();
	masked = *dst;
	prefix_mask(&masked);
	if (memcmp(&masked, dst, sizeof(masked)) != 0)
		abort();
}

#endif
