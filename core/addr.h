/* Addresses and prefixes: parse, format, mask, compare (IPv4 and IPv6). */
#ifndef RTW_ADDR_H
#define RTW_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "routewatch.h"

/* Bits in an address of that family: 32, 128, or 0 for anything else. */
unsigned addr_bits(int family);
/* Bytes that matter: 4, 16, or 0. */
unsigned addr_len(int family);

/* The sockaddr_in or sockaddr_in6 (port 0) of an IPv4 or IPv6 address: the
 * inverse of addr_from_sockaddr(). Anything else gives family AF_UNSPEC. */
struct sockaddr_storage addr_to_sockaddr(const struct rtw_addr *a);

/* A v4-mapped IPv6 address (::ffff:a.b.c.d) becomes the IPv4 address:
 * lookups of both must give the same answer. Others are left alone. */
void addr_unmap(struct rtw_addr *a);

/* The peer a connection to a has: the unspecified address (0.0.0.0, ::)
 * means this host to connect(2) and sendto(2), which take it as the
 * loopback address (Linux's ip_route_connect() and tcp_v6_connect(); the
 * socket then names 127.0.0.1 or ::1 as its peer). Other addresses, and a
 * that is not yet unmapped (addr_unmap()), are left alone. */
void addr_as_peer(struct rtw_addr *a);

/* Whether a route of family may carry router preference pref: the codes
 * Linux keeps (RTW_ROUTE_PREF_*), and on IPv4 none but medium. */
static inline bool addr_pref_ok(int family, unsigned pref)
{
	return pref == RTW_ROUTE_PREF_MEDIUM ||
	       (family == AF_INET6 && (pref == RTW_ROUTE_PREF_HIGH || pref == RTW_ROUTE_PREF_LOW));
}

/* ip(8)'s word for router preference pref (RTW_ROUTE_PREF_*): "high",
 * "medium" or "low"; the tool prints it and recordings spell it so. */
static inline const char *addr_pref_word(unsigned pref)
{
	return pref == RTW_ROUTE_PREF_HIGH ? "high" : pref == RTW_ROUTE_PREF_LOW ? "low" : "medium";
}

/* True when the 16 bytes b are an IPv6 unicast link-local address
 * (fe80::/10). */
static inline bool addr_linklocal6(const uint8_t *b)
{
	return b[0] == 0xfe && (b[1] & 0xc0) == 0x80;
}

/* Address from a sockaddr. A v4-mapped IPv6 address becomes IPv4.
 * Returns 0, -EINVAL (NULL) or -EAFNOSUPPORT. (rtw_lookup() does not copy:
 * it reads the address where it lies.) */
int addr_from_sockaddr(const struct sockaddr *sa, struct rtw_addr *ret);

/* The interface a link-local IPv6 peer (fe80::/10, or a multicast group of
 * interface- or link-local scope: ffx1::/16, ffx2::/16) is reached on: its
 * sockaddr's scope id, which the kernel requires for such a destination
 * (__ipv6_addr_needs_scope_id) and routes it by; 0 for any other sockaddr.
 * The kernel ignores the scope id of other destinations. */
static inline int addr_scope(const struct sockaddr *sa)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	const uint8_t *a;

	if (!sa || sa->sa_family != AF_INET6)
		return 0;
	a = s6->sin6_addr.s6_addr;
	if (!addr_linklocal6(a) && !(a[0] == 0xff && ((a[1] & 15) == 1 || (a[1] & 15) == 2)))
		return 0;
	return (int)s6->sin6_scope_id;
}

/* Zero the bits of p beyond p->len. */
void prefix_mask(struct rtw_prefix *p);
/* true when a lies inside p (same family). */
bool prefix_contains(const struct rtw_prefix *p, const struct rtw_addr *a);
/* Total order: family, then address bytes, then length. */
int prefix_cmp(const struct rtw_prefix *a, const struct rtw_prefix *b);
int addr_cmp(const struct rtw_addr *a, const struct rtw_addr *b);
bool addr_eq(const struct rtw_addr *a, const struct rtw_addr *b);
/* The first and last address of p. */
void prefix_range(const struct rtw_prefix *p, struct rtw_addr *lo, struct rtw_addr *hi);

#endif
