/* routewatch: a live model of the operating system's routing table, with
 * longest-prefix-match lookups and per-connection invalidation.
 *
 * Thread model: a context is used by one thread at a time. Create one context
 * per thread, or hold a lock around every call on a shared context. The
 * library has no global state, starts no threads and installs no signal
 * handlers.
 *
 * Errors: functions return 0 (or a positive count) on success and a negative
 * errno value on failure. Constructors return NULL and set errno.
 * Output parameters are named ret_* and are written only on success, but
 * for rtw_lookup()'s and rtw_lookup_addr()'s route on -EHOSTUNREACH (the
 * route whose link is down) and rtw_watch_status()'s (see there).
 * Destructors accept NULL.
 */
#ifndef ROUTEWATCH_H
#define ROUTEWATCH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(RTW_BUILDING_LIBRARY) && defined(__GNUC__)
#define RTW_API __attribute__((visibility("default")))
#else
#define RTW_API
#endif

#define RTW_VERSION_MAJOR 0
#define RTW_VERSION_MINOR 1
#define RTW_VERSION_PATCH 0

struct rtw_ctx;
struct rtw_watch;

/* An IPv4 or IPv6 address in network byte order. family is AF_INET,
 * AF_INET6, or AF_UNSPEC when the address is absent; IPv4 uses bytes[0..3]
 * and leaves the rest zero. */
struct rtw_addr {
	sa_family_t family;
	uint8_t bytes[16];
};

/* A prefix: the host bits beyond len are always zero. */
struct rtw_prefix {
	struct rtw_addr addr;
	uint8_t len;
};

/* Route types, numbered as Linux numbers them (RTN_*). */
enum rtw_route_type {
	RTW_ROUTE_UNSPEC = 0,
	RTW_ROUTE_UNICAST = 1,
	RTW_ROUTE_LOCAL = 2,
	RTW_ROUTE_BROADCAST = 3,
	RTW_ROUTE_ANYCAST = 4,
	RTW_ROUTE_MULTICAST = 5,
	RTW_ROUTE_BLACKHOLE = 6,
	RTW_ROUTE_UNREACHABLE = 7,
	RTW_ROUTE_PROHIBIT = 8,
	RTW_ROUTE_THROW = 9,
	RTW_ROUTE_NAT = 10,
	RTW_ROUTE_XRESOLVE = 11,
};

/* Well-known table ids (Linux numbering; the BSD backends report their FIB
 * number). */
#define RTW_TABLE_DEFAULT 253
#define RTW_TABLE_MAIN	  254
#define RTW_TABLE_LOCAL	  255

/* Next-hop flags. */
#define RTW_NH_ONLINK	 0x01 /* gateway is on-link even outside the subnet */
#define RTW_NH_LINKDOWN	 0x02 /* its link is down (no carrier): it carries no traffic */
#define RTW_NH_DEAD	 0x04 /* its link is taken down (see routewatch(3), linkdown) */
#define RTW_NH_PERVASIVE 0x08 /* Linux RTNH_F_PERVASIVE: the gateway is resolved recursively */

struct rtw_nexthop {
	int ifindex;		 /* 0 when the kernel gave none */
	struct rtw_addr gateway; /* AF_UNSPEC for a device-only hop */
	uint16_t weight;	 /* 1..256; 1 when not multipath */
	unsigned flags;		 /* RTW_NH_* */
};

/* Route flags. */
#define RTW_ROUTE_F_LINKDOWN 0x01 /* every next hop is on a down link */

/* IPv6 router preference (RFC 4191; Linux RTA_PREF), in its two-bit code:
 * of the routes of one prefix and metric, Linux uses the most preferred. */
#define RTW_ROUTE_PREF_MEDIUM 0
#define RTW_ROUTE_PREF_HIGH   1
#define RTW_ROUTE_PREF_LOW    3

/* A route, as filled by rtw_lookup(), rtw_foreach_route() and notices.
 * nexthops points into memory owned by the context: it stays valid until the
 * next call that can change the model (rtw_start, rtw_dispatch, rtw_free). */
struct rtw_route {
	struct rtw_prefix dst; /* dst.addr.family is the route's family */
	uint32_t table;
	enum rtw_route_type type;
	uint32_t metric;	 /* Linux priority; 0 where the OS has none */
	uint8_t tos;		 /* IPv4 TOS key (Linux); 0 otherwise */
	uint8_t protocol;	 /* RTPROT_* number (kernel 2, boot 3, static 4, ...) */
	uint8_t scope;		 /* RT_SCOPE_* number (universe 0, link 253, host 254) */
	uint8_t pref;		 /* RTW_ROUTE_PREF_*: IPv6 on Linux; MEDIUM otherwise */
	struct rtw_addr prefsrc; /* AF_UNSPEC when absent */
	uint32_t nhid;		 /* Linux nexthop object id; 0 when none */
	unsigned flags;		 /* RTW_ROUTE_F_* */
	unsigned n_nexthops;	 /* 0 for blackhole, unreachable, prohibit, throw */
	const struct rtw_nexthop *nexthops;
};

/* A network interface as the model knows it. */
struct rtw_link {
	int ifindex;
	char name[32];
	bool admin_up;	 /* IFF_UP */
	bool carrier_up; /* IFF_LOWER_UP / link_state up */
};

/* Address flags (Linux IFA_F_* meaning, portable subset). */
#define RTW_ADDR_F_TEMPORARY  0x01
#define RTW_ADDR_F_DEPRECATED 0x02
#define RTW_ADDR_F_TENTATIVE  0x04

/* A local address assigned to an interface. */
struct rtw_address {
	struct rtw_prefix prefix; /* the address itself, with its prefix length */
	int ifindex;
	unsigned flags; /* RTW_ADDR_F_* */
};

/* Why a watch was invalidated (or why it is not valid). */
enum rtw_reason {
	RTW_REASON_NONE = 0,		  /* valid */
	RTW_REASON_NO_ROUTE,		  /* "no-route" */
	RTW_REASON_UNREACHABLE,		  /* "unreachable": blackhole, unreachable, prohibit */
	RTW_REASON_ROUTE_REMOVED,	  /* "route-removed" */
	RTW_REASON_LINK_DOWN,		  /* "link-down": egress link down or gone */
	RTW_REASON_LOCAL_ADDRESS_REMOVED, /* "local-address-removed" */
	RTW_REASON_PATH_CHANGED,	  /* "path-changed": with RTW_WATCH_PATH_CHANGE;
					   * without, when the traffic moves off the link
					   * of its source address (routewatch(3)) */
};

/* Notice kinds: one notice per model change (a replaced route: ROUTE_DEL
 * of the old one, then ROUTE_ADD of the new), plus at most one cpdcheck per
 * rtw_dispatch() call. */
enum rtw_notice_type {
	RTW_NOTICE_ROUTE_ADD, /* {"rt":"add"} */
	RTW_NOTICE_ROUTE_DEL, /* {"rt":"del"} */
	RTW_NOTICE_CPDCHECK,  /* {"trigger":"cpdcheck","src":"gw-change"} */
	RTW_NOTICE_LINK_UP,   /* {"link":"up","ifindex":N,"name":"..."} */
	RTW_NOTICE_LINK_DOWN, /* {"link":"down",...} */
	RTW_NOTICE_LINK_GONE, /* {"link":"gone",...} */
	RTW_NOTICE_ADDR_ADD,  /* {"addr":"add","ifindex":N,"address":"a/len"} */
	RTW_NOTICE_ADDR_DEL,  /* {"addr":"del",...} */
	RTW_NOTICE_RESYNC,    /* {"resync":"done"}: the model was rebuilt after an overflow */
};

/* A notice as a structured value. Only the member that matches type is set
 * (route for ROUTE_*, link for LINK_*, address for ADDR_*); pointers are valid
 * during the callback only. */
struct rtw_notice {
	enum rtw_notice_type type;
	const struct rtw_route *route;
	const struct rtw_link *link;
	const struct rtw_address *address;
};

typedef void rtw_watch_cb(struct rtw_watch *w, enum rtw_reason reason, void *user);
typedef void rtw_notice_cb(const struct rtw_notice *n, const char *json, void *user);
typedef int rtw_route_cb(const struct rtw_route *r, void *user);     /* non-zero stops */
typedef int rtw_link_cb(const struct rtw_link *l, void *user);	     /* non-zero stops */
typedef int rtw_address_cb(const struct rtw_address *a, void *user); /* non-zero stops */

/* Memory hooks: every allocation of a context goes through them. */
struct rtw_allocator {
	void *(*malloc)(void *arg, size_t size);
	void *(*realloc)(void *arg, void *ptr, size_t size);
	void (*free)(void *arg, void *ptr);
	void *arg;
};

/* What a lookup does when the best route's next hops are all on down links. */
enum rtw_linkdown_policy {
	RTW_LINKDOWN_DEFAULT = 0, /* what the kernel does (Linux: per device, followed) */
	RTW_LINKDOWN_FALLBACK,	  /* skip the route (Linux with ignore_routes_with_linkdown) */
	RTW_LINKDOWN_FAIL,	  /* the route decides, the lookup fails (FreeBSD, Linux) */
};

/* Option flags. */
#define RTW_OPT_DUMP_NOTICES 0x01 /* emit notices for the initial dump too */
#define RTW_OPT_FIB	     0x02 /* use options.fib (FreeBSD FIB, OpenBSD rtable) */

/* Options for rtw_new(). A zero-initialised struct (or NULL) means defaults. */
struct rtw_options {
	/* Read a recording made by rtw_record() instead of the kernel. "-" is
	 * standard input; "/dev/fd/N" works for pipes. */
	const char *replay_path;
	/* Kernel socket receive buffer in bytes; 0 means 8 MiB. */
	unsigned rcvbuf;
	/* Lookup order of the tables; NULL means the backend's default
	 * (Linux: local 255, main 254, default 253; BSD: the FIB). */
	const uint32_t *tables;
	size_t n_tables;
	enum rtw_linkdown_policy linkdown;
	unsigned flags; /* RTW_OPT_* */
	int fib;	/* with RTW_OPT_FIB */
	/* NULL means malloc/realloc/free. Kept by pointer: must outlive the ctx. */
	const struct rtw_allocator *allocator;
};

/* Watch flags. */
#define RTW_WATCH_PATH_CHANGE 0x01 /* also invalidate when the best path changes */
#define RTW_WATCH_SHUTDOWN    0x02 /* rtw_watch_socket: shutdown(fd) on invalidation */

/* Counters, for monitoring the monitor. */
struct rtw_stats {
	uint64_t events;	  /* normalized events applied */
	uint64_t overflows;	  /* backend asked for a resync (lost events, unnotified flushes) */
	uint64_t resyncs;	  /* full re-dumps reconciled */
	uint64_t foreign_dropped; /* messages not from the kernel, dropped */
	uint64_t invalidations;	  /* watches invalidated (with a callback or not) */
	size_t routes;
	size_t links;
	size_t addresses;
	size_t watches;
	size_t memory; /* bytes held through the allocator */
};

/* Create a context. Nothing is opened yet. opt may be NULL; it is copied
 * (tables too) except allocator, which is kept by pointer.
 * Returns NULL and sets errno (ENOMEM, EINVAL). The caller owns the result
 * and frees it with rtw_free(). */
RTW_API struct rtw_ctx *rtw_new(const struct rtw_options *opt);

/* Open the backend and load the initial dump (links, addresses, routes).
 * Watches added before are resolved when the dump ends; nothing is
 * invalidated by it. Returns 0, or -errno (-EPERM, -EALREADY, -ENOMEM, ...);
 * -EBUSY when the kernel kept interrupting the dump (the table kept changing,
 * about 5 s); -ECANCELED when a notice callback of the dump freed the
 * context, which is then gone. */
RTW_API int rtw_start(struct rtw_ctx *c);

/* A descriptor to poll for readability (level-triggered), or -EBADF before
 * rtw_start(). The context owns it: do not close it. */
RTW_API int rtw_fd(const struct rtw_ctx *c);

/* Handle everything pending without blocking: apply events, call watch and
 * notice callbacks. Returns the number of events applied (>= 0), or -errno.
 * -ENODATA means a replay has ended; -ENOTCONN: before rtw_start(); -EBUSY:
 * called from inside a callback, or a resync's dump kept being interrupted
 * (the next call tries again); -ECANCELED: a callback freed the context,
 * which is gone when this returns; -EINVAL without c. */
RTW_API int rtw_dispatch(struct rtw_ctx *c);

/* What made the last rtw_start() or rtw_dispatch() fail, in words, where
 * the backend knows more than the error number says: a replay names the
 * line of the recording ("line 12: bad value for metric"). "" when there is
 * nothing to add, when that call succeeded (every call clears it first), or when c
 * is NULL. The context owns the string; it stays valid until the next
 * rtw_start(), rtw_dispatch() or rtw_free(). */
RTW_API const char *rtw_error_detail(const struct rtw_ctx *c);

/* Longest-prefix match for dst (sockaddr_in or sockaddr_in6; a v4-mapped
 * IPv6 address is looked up as IPv4; 0.0.0.0 and :: as 127.0.0.1 and ::1,
 * the host itself, where a connection to them goes; a link-local one, or a
 * multicast group of link or interface scope (ff02::/16, ff01::/16), with a
 * scope id among the routes through that interface, as the kernel does).
 * Returns 0 when routable, -ENETUNREACH when no route matches (also before
 * rtw_start(): the model is empty), -EHOSTUNREACH for blackhole,
 * unreachable or prohibit (or a route whose links are down, with
 * RTW_LINKDOWN_FAIL), -EAFNOSUPPORT or -EINVAL for bad input. ret_route, when
 * not NULL, is filled with the deciding route whenever there is one. */
RTW_API int rtw_lookup(const struct rtw_ctx *c, const struct sockaddr *dst,
		       struct rtw_route *ret_route);

/* The same lookup for an rtw_addr. */
RTW_API int rtw_lookup_addr(const struct rtw_ctx *c, const struct rtw_addr *dst,
			    struct rtw_route *ret_route);

/* rtw_lookup(c, dst, NULL) == 0. */
RTW_API bool rtw_routable(const struct rtw_ctx *c, const struct sockaddr *dst);

/* Watch a connection to peer (required; 0.0.0.0 and :: are the host
 * itself, as for rtw_lookup()) from local (optional, NULL). The watch
 * resolves the peer at once; cb is called once, from rtw_dispatch(), when
 * the watch is invalidated. A watch that is not valid when first resolved
 * (here, or when the initial dump ends) is not invalidated:
 * rtw_watch_status() says why, and it is followed from when it becomes
 * valid (its peer routable, its local address present; before the initial
 * dump: RTW_REASON_NO_ROUTE). The context owns the watch; it lives until
 * rtw_watch_del() or rtw_free(). Returns NULL and sets errno (EINVAL, also
 * for a local address of the other family, a v4-mapped one being IPv4;
 * EAFNOSUPPORT, ENOMEM). */
RTW_API struct rtw_watch *rtw_watch_add(struct rtw_ctx *c, const struct sockaddr *peer,
					const struct sockaddr *local, unsigned flags,
					rtw_watch_cb *cb, void *user);

/* Watch a connected socket: peer and local come from getpeername() and
 * getsockname(); a socket bound to a device (SO_BINDTODEVICE) is watched
 * over the routes through it, as Linux sends its packets. With
 * RTW_WATCH_SHUTDOWN, shutdown(fd, SHUT_RDWR) is called on invalidation
 * (before cb, which may be NULL then), unless fd is no longer that socket.
 * The socket stays owned by the caller: delete the watch before closing it.
 * Returns NULL and sets errno (ENOTCONN, ENOTSOCK, EBADF, EAFNOSUPPORT,
 * ENOMEM, EINVAL). */
RTW_API struct rtw_watch *rtw_watch_socket(struct rtw_ctx *c, int fd, unsigned flags,
					   rtw_watch_cb *cb, void *user);

/* Remove and free a watch. Safe from inside any callback. NULL is ignored. */
RTW_API void rtw_watch_del(struct rtw_watch *w);

/* The watch's state: RTW_REASON_NONE while valid, else the reason it is not
 * (after it fired: the reason it fired for). ret_route, when not NULL and the
 * peer resolves to a route, gets it: the route the watch follows, or, once it
 * fired, the one the peer takes now (in a RTW_REASON_PATH_CHANGED callback,
 * the new path); with no route it is left as it was. A NULL w gives
 * RTW_REASON_NO_ROUTE. */
RTW_API enum rtw_reason rtw_watch_status(const struct rtw_watch *w, struct rtw_route *ret_route);

/* The user pointer given at registration. */
RTW_API void *rtw_watch_user(const struct rtw_watch *w);

/* Set (or with cb NULL, clear) the notice callback. json is a NUL-terminated
 * JSON object, valid during the call only. */
RTW_API void rtw_set_notice_cb(struct rtw_ctx *c, rtw_notice_cb *cb, void *user);

/* Call cb for every route, IPv4 then IPv6, by table, prefix, TOS, metric;
 * for every link, by ifindex; for every local address, by ifindex, then
 * IPv4 first, then address. Returns 0, or the first non-zero value cb
 * returned; -ECANCELED when cb freed the context (gone on return); -EINVAL
 * without c or cb; -ENOMEM (they are sorted first). rtw_dispatch() from cb
 * fails with -EBUSY: the model does not change during the walk. */
RTW_API int rtw_foreach_route(const struct rtw_ctx *c, rtw_route_cb *cb, void *user);
RTW_API int rtw_foreach_link(const struct rtw_ctx *c, rtw_link_cb *cb, void *user);
RTW_API int rtw_foreach_address(const struct rtw_ctx *c, rtw_address_cb *cb, void *user);

/* The link with that ifindex. Returns 0, -ENOENT, or -EINVAL without c or
 * ret_link. */
RTW_API int rtw_get_link(const struct rtw_ctx *c, int ifindex, struct rtw_link *ret_link);

/* Write every normalized event applied from now on (a fresh snapshot of the
 * model first) to fd in the record format of docs/record-format.md; -1
 * stops. Before rtw_start() the initial dump is recorded as it comes, after
 * the header, which rtw_start() writes once it knows the kernel's link-down
 * policies; a failed rtw_start() ends it. A write error (a full non-blocking
 * fd: -EAGAIN) ends the recording but not the monitoring: the stop (fd -1)
 * then returns that error, once; in a regular file the recording then ends
 * before a dump block it cut short. Another fd ends the recording to the
 * old one first, whether the new one starts or not (an error of the old one
 * is dropped: stop with -1 first to learn it); the fd being recorded to
 * again changes nothing. From a callback of an event the snapshot is
 * written once the event is applied (it holds the event, which does not
 * follow it); its write error then ends the recording as a failed write
 * does. The caller keeps owning fd. Returns 0, -EBUSY from a callback
 * during a dump, or -errno. */
RTW_API int rtw_record(struct rtw_ctx *c, int fd);

/* The error that ended the recording early (a write that failed), or 0
 * while it goes on, and when there is none: a program can stop at once
 * rather than learn it at the stop, which still returns it. Returns
 * -EINVAL without c. */
RTW_API int rtw_record_error(const struct rtw_ctx *c);

/* Counters. Returns 0, or -EINVAL without c or ret_stats. */
RTW_API int rtw_get_stats(const struct rtw_ctx *c, struct rtw_stats *ret_stats);

/* Free the context, its watches and its backend. NULL is ignored. Safe from
 * inside any callback: no callback is called after it, and the context goes
 * when the rtw_start(), rtw_dispatch() or rtw_foreach_*() that called the
 * callback returns (-ECANCELED). */
RTW_API void rtw_free(struct rtw_ctx *c);

/* The backend compiled in: "netlink", "pfroute" or "replay". */
RTW_API const char *rtw_backend_name(void);

/* "0.1.0" */
RTW_API const char *rtw_version(void);

/* Text helpers. rtw_addr_parse accepts IPv4 and IPv6 text; rtw_prefix_parse
 * also "a/len" (a bare address is a host prefix) and rejects set host bits
 * and a length with a leading zero ("/08": ip(8) reads it as octal).
 * Both return 0 or -EINVAL. The format functions write at most size bytes
 * including the NUL and return the length, or -ENOSPC / -EINVAL. */
RTW_API int rtw_addr_parse(const char *s, struct rtw_addr *ret_addr);
RTW_API int rtw_prefix_parse(const char *s, struct rtw_prefix *ret_prefix);
RTW_API int rtw_addr_format(const struct rtw_addr *a, char *buf, size_t size);
RTW_API int rtw_prefix_format(const struct rtw_prefix *p, char *buf, size_t size);

/* Names of reasons ("none" for RTW_REASON_NONE, "no-route", ...) and route
 * types ("unicast", ...); never NULL: "unknown" for a number they do not
 * know. */
RTW_API const char *rtw_reason_str(enum rtw_reason r);
RTW_API const char *rtw_route_type_str(enum rtw_route_type t);

#ifdef __cplusplus
}
#endif
#endif
