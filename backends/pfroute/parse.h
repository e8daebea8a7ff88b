/* Routing-socket messages (bytes) to normalized events: pure functions,
 * built and tested on every OS. */
#ifndef RTW_PFROUTE_PARSE_H
#define RTW_PFROUTE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "backend.h"

struct pfroute_parser {
	const struct pfroute_abi *abi;
	uint32_t table;	  /* reported table (FIB) when the message names none */
	uint64_t dropped; /* datagrams that were no kernel message (pfroute_parse_datagram()) */
};

/* What the parser remembers between the messages of one sysctl route
 * dump: FreeBSD and OpenBSD list a multipath route as one message per
 * path, one after the other, so a message for the same route as the one
 * before it adds a path (RTW_EVF_APPEND) instead of replacing the route.
 * The caller owns it and zeroes it before each dump. */
struct pfroute_dump {
	bool have_last;
	struct rtw_prefix dst; /* the last route message's key */
	uint32_t table;
	uint32_t metric;
};

/* Length of the message at buf (its msglen), after checking that the
 * common header fits and that msglen fits in len. Returns the length or
 * -EBADMSG. */
int pfroute_msg_len(const void *buf, size_t len);

/* Parse the one message at buf (len bytes available; only its msglen bytes
 * are read) and hand its events to sink. dump is NULL for a message read
 * from the routing socket, or the state of the sysctl dump the message
 * belongs to. Messages that carry no state for the model (unknown types,
 * ARP entries, failed requests, RTM_GET answers outside a dump) give no
 * event. A change message of this process's own (an application writing
 * routes through its own routing socket) is a change like any: the kernel's
 * copy of the request is the only report of it. Returns the number of
 * events delivered (>= 0), -EBADMSG for a malformed or short message,
 * -EPROTO for a wrong rtm_version, or the sink's error. */
int pfroute_parse_msg(struct pfroute_parser *p, struct pfroute_dump *dump, const void *buf,
		      size_t len, rtw_sink *sink, void *arg);

/* A datagram read from the routing socket: parsed when it is one whole
 * message of the parser's version, else dropped and counted (dropped) with
 * no event, as no kernel sends it. Returns what pfroute_parse_msg() does,
 * 0 for a dropped datagram. */
int pfroute_parse_datagram(struct pfroute_parser *p, const void *buf, size_t len, rtw_sink *sink,
			   void *arg);

/* Every message of one sysctl(NET_RT_DUMP / NET_RT_IFLIST) buffer, in
 * order, as one dump (with its own struct pfroute_dump). Stops at the
 * first error and returns it; else the number of events. */
int pfroute_parse_buf(struct pfroute_parser *p, const void *buf, size_t len, rtw_sink *sink,
		      void *arg);

#endif
