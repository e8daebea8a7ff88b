/* core/addr.c: addresses and prefixes. Owns parsing and formatting of IPv4
 * and IPv6 text, masking, containment and ordering. */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned addr_bits(int family)
{
	return family == AF_INET ? 32 : family == AF_INET6 ? 128 : 0;
}

unsigned addr_len(int family)
{
	return addr_bits(family) / 8;
}

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void addr_unmap(struct rtw_addr *a)
{
	if (a->family != AF_INET6 || memcmp(a->bytes, v4mapped, 12) != 0)
		return;
	a->family = AF_INET;
	memmove(a->bytes, a->bytes + 12, 4);
	memset(a->bytes + 4, 0, 12);
}

void addr_as_peer(struct rtw_addr *a)
{
	static const uint8_t zero[16];

	if (memcmp(a->bytes, zero, 16) != 0)
		return;
	if (a->family == AF_INET) {
		a->bytes[0] = 127;
		a->bytes[3] = 1;
	} else if (a->family == AF_INET6) {
		a->bytes[15] = 1;
	}
}

/* Writes the fields straight into ret: building a temporary and copying it
 * whole made a 16-byte load read back from smaller stores, which the CPU
 * cannot forward (about 20 ns a lookup, when rtw_lookup() still used it). */
int addr_from_sockaddr(const struct sockaddr *sa, struct rtw_addr *ret)
{
	if (!sa || !ret)
		return -EINVAL;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		ret->family = AF_INET;
		memcpy(ret->bytes, &sin->sin_addr, 4);
		memset(ret->bytes + 4, 0, 12);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		ret->family = AF_INET6;
		memcpy(ret->bytes, &sin6->sin6_addr, 16);
		addr_unmap(ret);
	} else {
		return -EAFNOSUPPORT;
	}
	return 0;
}

struct sockaddr_storage addr_to_sockaddr(const struct rtw_addr *a)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->bytes, 4);
	} else if (a->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->bytes, 16);
	}
	return ss;
}

void prefix_mask(struct rtw_prefix *p)
{
	unsigned bits = addr_bits(p->addr.family), full;

	if (p->len > bits)
		p->len = (uint8_t)bits;
	full = p->len / 8;
	if (p->len % 8) {
		p->addr.bytes[full] &= (uint8_t)(0xff00u >> (p->len % 8));
		full++;
	}
	memset(p->addr.bytes + full, 0, 16 - full);
}

bool prefix_contains(const struct rtw_prefix *p, const struct rtw_addr *a)
{
	unsigned full = p->len / 8, rest = p->len % 8;

	if (p->addr.family != a->family)
		return false;
	if (memcmp(p->addr.bytes, a->bytes, full) != 0)
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff00u >> rest);

		if ((p->addr.bytes[full] ^ a->bytes[full]) & m)
			return false;
	}
	return true;
}

int addr_cmp(const struct rtw_addr *a, const struct rtw_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->bytes, b->bytes, 16);
}

bool addr_eq(const struct rtw_addr *a, const struct rtw_addr *b)
{
	return addr_cmp(a, b) == 0;
}

int prefix_cmp(const struct rtw_prefix *a, const struct rtw_prefix *b)
{
	int r = addr_cmp(&a->addr, &b->addr);

	if (r)
		return r;
	return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

void prefix_range(const struct rtw_prefix *p, struct rtw_addr *lo, struct rtw_addr *hi)
{
	unsigned i, bits = addr_bits(p->addr.family);

	*lo = p->addr;
	*hi = p->addr;
	for (i = p->len; i < bits; i++) {
		lo->bytes[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
		hi->bytes[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	}
}

int rtw_addr_parse(const char *s, struct rtw_addr *ret_addr)
{
	struct rtw_addr a;

	if (!s || !ret_addr)
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.bytes) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, a.bytes) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	*ret_addr = a;
	return 0;
}

int rtw_prefix_parse(const char *s, struct rtw_prefix *ret_prefix)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	struct rtw_prefix p, masked;
	size_t n;
	int r;

	if (!s || !ret_prefix)
		return -EINVAL;
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	r = rtw_addr_parse(buf, &p.addr);
	if (r < 0)
		return r;
	p.len = (uint8_t)addr_bits(p.addr.family);
	if (slash) {
		const char *d = slash + 1;
		unsigned long len = 0;

		/* "/08" and "/010" are refused: ip(8) reads a leading 0 as
		 * octal (010 is 8, 08 an error), and a guess would be silent */
		if (*d < '0' || *d > '9' || strlen(d) > 3 || (d[0] == '0' && d[1]))
			return -EINVAL;
		for (; *d; d++) {
			if (*d < '0' || *d > '9')
				return -EINVAL;
			len = len * 10 + (unsigned long)(*d - '0');
		}
		if (len > addr_bits(p.addr.family))
			return -EINVAL;
		p.len = (uint8_t)len;
	}
	masked = p;
	prefix_mask(&masked);
	if (memcmp(masked.addr.bytes, p.addr.bytes, 16) != 0)
		return -EINVAL; /* host bits set: "10.0.0.1/8" is a typo, not a prefix */
	*ret_prefix = p;
	return 0;
}

int rtw_addr_format(const struct rtw_addr *a, char *buf, size_t size)
{
	char tmp[INET6_ADDRSTRLEN];
	size_t n;

	if (!a || !buf || (a->family != AF_INET && a->family != AF_INET6))
		return -EINVAL;
	if (!inet_ntop(a->family, a->bytes, tmp, sizeof(tmp)))
		return -EINVAL;
	n = strlen(tmp);
	if (n + 1 > size)
		return -ENOSPC;
	memcpy(buf, tmp, n + 1);
	return (int)n;
}

int rtw_prefix_format(const struct rtw_prefix *p, char *buf, size_t size)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	int n;

	if (!p || !buf || p->len > addr_bits(p->addr.family))
		return -EINVAL;
	n = rtw_addr_format(&p->addr, tmp, sizeof(tmp));
	if (n < 0)
		return n;
	n += snprintf(tmp + n, sizeof(tmp) - (size_t)n, "/%u", p->len);
	if ((size_t)n + 1 > size)
		return -ENOSPC;
	memcpy(buf, tmp, (size_t)n + 1);
	return n;
}
