/* The pure half of the netlink backend: rtnetlink message bytes in,
 * normalized struct rtw_event out through a sink. No I/O, no allocation, no
 * OS state, so it builds, is tested and is fuzzed anywhere Linux headers are. */
#ifndef RTW_NETLINK_PARSE_H
#define RTW_NETLINK_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

struct nlmsghdr;

/* Scratch space and per-batch results. The caller owns the arrays; an event's
 * nexthops and group members point into them during the sink call. */
struct nl_parser {
	struct rtw_nexthop *hops;
	unsigned hops_cap;
	struct rtw_nhobj_member *members;
	unsigned members_cap;
	/* true: the messages are change notifications (multicast), false: dump
	 * replies. Only notifications can announce a silent kernel flush. */
	bool notification;
	/* Set (never cleared) when a parsed notification means the kernel
	 * changed routes without telling: the caller must resync. */
	bool need_resync;
	/* Messages understood but deliberately not turned into events
	 * (cloned routes, source-specific routes, foreign families). */
	uint64_t skipped;
	/* The key of the previous route of this dump, to tell the first route
	 * under a key from the ones the kernel keeps beside it. */
	bool prev_valid;
	struct rtw_prefix prev_dst; /* its family is the route's */
	uint32_t prev_table, prev_metric;
	uint8_t prev_tos;
};

/* Start a stream of notifications or of one dump reply: sets notification
 * and forgets what the previous stream left. */
void nl_parse_begin(struct nl_parser *p, bool notification);

/* How many next hops (and group members) a message of msg_len bytes can hold
 * at most: size the scratch arrays with it and -ENOSPC cannot happen. */
size_t nl_parse_max_hops(size_t msg_len);

/* true when a whole message header and body fit in avail bytes at msg. */
bool nl_msg_ok(const void *msg, size_t avail);

/* Parse one rtnetlink message of avail bytes at msg (avail may exceed the
 * message; nlmsg_len must fit). Link, address, route and nexthop messages give
 * events; other types are ignored. Returns the number of events delivered,
 * -EBADMSG for malformed input, -ENOSPC when the scratch arrays are too
 * small, or the sink's error. */
int nl_parse_msg(struct nl_parser *p, const void *msg, size_t avail, rtw_sink *sink, void *arg);

/* Parse a whole datagram: every message must be complete. NLMSG_NOOP and
 * NLMSG_DONE are skipped; an NLMSG_ERROR carrying an error returns it.
 * Returns the number of events delivered or -errno as nl_parse_msg(). */
int nl_parse_buf(struct nl_parser *p, const void *buf, size_t len, rtw_sink *sink, void *arg);

#endif
