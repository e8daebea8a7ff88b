/* The backend interface: how a kernel (or a recording) feeds the core.
 * Backends turn OS messages into normalized events and never touch the
 * model; the core never includes an OS header. */
#ifndef RTW_BACKEND_H
#define RTW_BACKEND_H

#include "routewatch.h"

enum rtw_event_type {
	RTW_EV_ROUTE_ADD, /* also "replace": an ADD of an existing key replaces it */
	RTW_EV_ROUTE_DEL,
	RTW_EV_LINK_UP,	  /* link.admin_up / link.carrier_up carry the state */
	RTW_EV_LINK_DOWN, /* same payload as LINK_UP; either may be sent for any change */
	RTW_EV_LINK_GONE, /* interface removed */
	RTW_EV_ADDR_ADD,
	RTW_EV_ADDR_DEL,
	RTW_EV_NEXTHOP_ADD, /* Linux nexthop object created or replaced */
	RTW_EV_NEXTHOP_DEL, /* removed: the kernel drops the routes using it silently */
	RTW_EV_DUMP_BEGIN,  /* a full snapshot follows */
	RTW_EV_DUMP_END,    /* snapshot complete: what it did not mention is gone */
	RTW_EV_OVERFLOW,    /* events were lost: the core must ask for a new dump */
	RTW_EV_NETCONF,	    /* a per-family setting of one device, of all, or the default */
};

/* Event flags. */
#define RTW_EVF_REPLACE 0x01 /* ROUTE_ADD: NLM_F_REPLACE (replace the route with the same key) */
#define RTW_EVF_APPEND                                                                             \
	0x02 /* ROUTE_ADD: add these next hops to the route with the same key
				(IPv6 multipath append); ROUTE_DEL: remove only these next hops */
#define RTW_EVF_FLUSH_V4                                                                           \
	0x04 /* LINK_DOWN/ADDR_DEL: the kernel silently flushed IPv4 routes;
				 the backend follows with RTW_EV_OVERFLOW to resync */
/* ROUTE_ADD where the kernel keeps several routes under one key side by
 * side (Linux IPv4 `ip route append` / `prepend`: fib aliases with the same
 * table, prefix, tos and metric; Linux IPv6 routes that are no multipath
 * siblings, such as two routers' advertised default routes; the first
 * usable one answers lookups): one more route under the key, after
 * (DUP_APPEND) or before (DUP_PREPEND) the ones there. A route equal to one
 * already under the key is that route, as when a re-dump lists it again. */
#define RTW_EVF_DUP_APPEND  0x08
#define RTW_EVF_DUP_PREPEND 0x10
/* ROUTE_ADD: a Linux IPv6 multipath set as its notification lists it: the
 * whole set, but a sibling added alone is listed first, with its own
 * protocol, where the kernel keeps it (and dumps it) after the ones the
 * route had, under the first one's protocol. The core takes the route
 * under the key that shares a hop with the set (none: a route of its own,
 * as beside advertised default routes), and puts the hops it had first. */
#define RTW_EVF_SIBLINGS 0x20
/* ADDR_DEL: routes that named the address as preferred source may have
 * lost it silently (Linux IPv6 clears it, the route stays); the core asks
 * for a resync when some route of its names it. */
#define RTW_EVF_PREFSRC 0x40
/* ROUTE_DEL: the notice names the deleted route (or path) exactly, as
 * Linux's do: when the model has no such route it is gone already (deleted
 * while a resync's dump ran, which left it out), and nothing changes.
 * Without it the key's first route goes. */
#define RTW_EVF_EXACT 0x80

/* A nexthop object (Linux `ip nexthop`): either one hop, a blackhole, or a
 * group of other objects with weights. */
struct rtw_nhobj_member {
	uint32_t id;
	uint16_t weight;
};

struct rtw_nhobj {
	uint32_t id;
	int family; /* AF_INET, AF_INET6, or AF_UNSPEC for groups/blackhole */
	bool blackhole;
	struct rtw_nexthop hop; /* when n_group == 0 and !blackhole */
	unsigned n_group;
	const struct rtw_nhobj_member *group; /* owned by the backend, valid during the sink call */
};

/* Linux's net.ipv4/ipv6.conf.*.ignore_routes_with_linkdown (netconf): with
 * it, lookups pass over a route whose hops on such devices lost their
 * carrier. IPv4 counts "all" or the device's value, IPv6 the device's
 * (writing "all" sets every device's); a device not told of yet has the
 * default. */
#define RTW_NETCONF_ALL	    (-1)
#define RTW_NETCONF_DEFAULT (-2)
struct rtw_netconf {
	int family;  /* AF_INET or AF_INET6 */
	int ifindex; /* a device, RTW_NETCONF_ALL or RTW_NETCONF_DEFAULT */
	bool ignore_linkdown;
};

/* One normalized event. Only the member that matches type is set. Pointers
 * inside (route.nexthops, nhobj.group) belong to the backend and are valid
 * during the sink call only. For ROUTE_* the route's nhid, when non-zero,
 * names a nexthop object and n_nexthops may be 0. */
struct rtw_event {
	enum rtw_event_type type;
	unsigned flags; /* RTW_EVF_* */
	union {
		struct rtw_route route;
		struct rtw_link link;
		struct rtw_address addr;
		struct rtw_nhobj nhobj;
		struct rtw_netconf netconf;
	} u;
};

/* Where a backend delivers events. Returns 0 to go on, or a negative errno
 * that the backend returns at once (the event was not applied). */
typedef int rtw_sink(void *arg, const struct rtw_event *ev);

struct rtw_backend; /* each backend defines its own */

/* Options the core passes down; a copy of what the user gave, with defaults
 * filled in. */
struct rtw_backend_options {
	const char *replay_path;
	unsigned rcvbuf;
	unsigned flags; /* RTW_OPT_* */
	int fib;
	const struct rtw_allocator *allocator; /* may be NULL: libc */
};

struct rtw_backend_ops {
	const char *name; /* "netlink", "pfroute", "replay" */
	/* Open sockets and subscribe (before any dump, so nothing falls between
	 * dump and events). Returns 0 or -errno; *ret_b only on success. */
	int (*open)(struct rtw_backend **ret_b, const struct rtw_backend_options *opt);
	int (*fd)(struct rtw_backend *b); /* pollable, level-triggered */
	/* Full snapshot: DUMP_BEGIN, links, addresses, nexthops, routes,
	 * DUMP_END. Blocking is allowed here (kernel dumps are fast). */
	int (*dump)(struct rtw_backend *b, rtw_sink *sink, void *arg);
	/* Read what is pending without blocking, at most RTW_READ_MAX_MSGS
	 * kernel datagrams (the descriptor is level-triggered: a busy kernel
	 * must not keep one call from returning, nor the callbacks that follow
	 * it from running). Returns the number of events delivered (>= 0),
	 * -ENODATA at the end of a replay, or -errno. A lost event is
	 * delivered as RTW_EV_OVERFLOW, never as an error. */
	int (*read)(struct rtw_backend *b, rtw_sink *sink, void *arg);
	/* Messages dropped because they did not come from the kernel. */
	uint64_t (*foreign_dropped)(struct rtw_backend *b);
	/* Optional: bytes the backend holds through the allocator (buffers),
	 * which rtw_get_stats() counts with the model's. */
	size_t (*memory)(const struct rtw_backend *b);
	void (*close)(struct rtw_backend *b); /* accepts NULL */
	/* Optional, for backends that can say more than an error number
	 * (replay: which line of the recording is bad): open with the reason
	 * for a failure written to why (size bytes, NUL-terminated), and the
	 * reason for the last failed dump or read ("" when none). */
	int (*open_why)(struct rtw_backend **ret_b, const struct rtw_backend_options *opt,
			char *why, size_t size);
	const char *(*error_detail)(const struct rtw_backend *b);
	/* Lookup behaviour of this kernel when a route's links are down. */
	enum rtw_linkdown_policy linkdown;
	/* Optional: the same for a family (AF_INET, AF_INET6) as learned once
	 * open (Linux: its ignore_routes_with_linkdown settings; replay: the
	 * recording's header); RTW_LINKDOWN_DEFAULT: as linkdown says. */
	enum rtw_linkdown_policy (*linkdown_of)(const struct rtw_backend *b, int family);
	/* Default lookup order of tables, terminated by UINT32_MAX. */
	const uint32_t *default_tables;
	/* The tables of that order that IPv6 lookups use (Linux has no rule for
	 * the default table in IPv6), terminated by UINT32_MAX; NULL: all. */
	const uint32_t *default_tables6;
	/* IPv4 looks the local and main tables up as one longest-prefix match
	 * (Linux merges them while there are no custom rules). */
	bool merge_local_main;
	/* Optional: the two fields above as learned once open, in place of
	 * theirs where it sets them. The replay backend answers from the
	 * recording's header (Linux's rules), so that a replay answers as the
	 * recorded kernel did. */
	void (*rules_of)(const struct rtw_backend *b, const uint32_t **tables6,
			 bool *merge_local_main);
	/* An event the sink refused is offered again (by the next dump or
	 * read: replay), instead of being lost with its message (netlink,
	 * pfroute: the core resyncs). A recording then leaves it out until it
	 * is applied, where it would otherwise write an overflow. */
	bool offers_refused_again;
	/* Optional: called once the events read are applied when one of them
	 * took the carrier of a link that stayed up (and no resync is due):
	 * delivers, as read does, what decides lookups over links without
	 * carrier that the kernel may change without telling (Linux: the
	 * devices' IPv6 ignore_routes_with_linkdown). Returns the number of
	 * events or -errno (the core then resyncs). */
	int (*carrier_lost)(struct rtw_backend *b, rtw_sink *sink, void *arg);
	/* Optional: whether the last read() stopped at RTW_READ_MAX_MSGS with
	 * messages still queued. What must come after every queued message
	 * (carrier_lost) waits for a read that emptied the queue. */
	bool (*more)(const struct rtw_backend *b);
};

#define RTW_READ_MAX_MSGS 4096

/* Each backend defines its ops; backends/native.c points rtw_backend_native
 * at the one chosen at build time. The replay backend is always built. */
extern const struct rtw_backend_ops rtw_backend_netlink;
extern const struct rtw_backend_ops rtw_backend_pfroute;
extern const struct rtw_backend_ops rtw_backend_replay;
extern const struct rtw_backend_ops *const rtw_backend_native;

#endif
