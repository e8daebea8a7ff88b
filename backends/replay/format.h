/* The record format (docs/record-format.md): one normalized event per line of
 * text. Formatting and parsing are pure; the write helpers are the only I/O.
 * The replay backend (replay.c) and rtw_record() (core/ctx.c) share it. */
#ifndef RTW_REPLAY_FORMAT_H
#define RTW_REPLAY_FORMAT_H

#include <stddef.h>

#include "backend.h"

#define REPLAY_VERSION 1
#define REPLAY_MAGIC   "routewatch-record"
/* next hops per route, members per group: as many as one netlink route
 * message can hold (RTA_MULTIPATH is at most 64 KiB, 16 bytes an IPv4 path),
 * and Linux takes more than 256 (ip -6 route append) */
#define REPLAY_MAX_HOPS 4096
#define REPLAY_LINE_MAX (512 * 1024) /* bytes in one line, without the newline */

/* What a line held, besides its return value. */
enum replay_kind {
	REPLAY_NOTHING, /* blank line or comment */
	REPLAY_HEADER,	/* "routewatch-record 1 ..."; header fields below are set */
	REPLAY_EVENT,	/* event is set */
};

/* One parsed line. event's pointers point into hops/members, so the struct
 * must not be copied while the event is in use. It is large (about 9 KiB):
 * allocate it, do not put it on a small stack. */
struct replay_line {
	enum replay_kind kind;
	struct rtw_event event;
	/* REPLAY_HEADER: the version (always REPLAY_VERSION when parsing
	 * succeeded) and the lookup policy the recording asks for
	 * (RTW_LINKDOWN_DEFAULT when it says nothing). */
	unsigned version;
	enum rtw_linkdown_policy linkdown;
	enum rtw_linkdown_policy linkdown6; /* IPv6 when it differs (linkdown6=) */
	bool linux_rules; /* rules=linux: the kernel's lookup follows Linux's default rules */
	/* On failure: a static text naming the problem ("unknown event word",
	 * "bad value for metric", ...). */
	const char *why;
	struct rtw_nexthop hops[REPLAY_MAX_HOPS];
	struct rtw_nhobj_member members[REPLAY_MAX_HOPS];
};

/* Format ev as one line, without the newline, NUL-terminated. Returns the
 * length, -ENOSPC when size is too small, or -EINVAL when the event cannot
 * be represented (unknown type or family, more than REPLAY_MAX_HOPS hops, a
 * link name without NUL, a negative ifindex, host bits in a route's dst). */
int replay_format_event(const struct rtw_event *ev, char *buf, size_t size);

/* "route-add", "dump-end", ...; "?" for a type the format does not know. */
const char *replay_event_word(enum rtw_event_type type);

/* What a recording's descriptor is, for the writes below. Each keeps
 * SIGPIPE, whose default action kills the application, from a reader that
 * went away: a pipe gets the signal blocked around write() (three system
 * calls more than the write), a socket send() with MSG_NOSIGNAL, a regular
 * file or a device nothing, as they raise none (an event recorded to a
 * file: 1.6 us, against 2.3 the way of a pipe; AMD EPYC VM). What fstat()
 * cannot tell is taken for a pipe. */
enum replay_sink { REPLAY_SINK_PIPE = 0, REPLAY_SINK_FILE, REPLAY_SINK_SOCKET };

/* fd's kind: one fstat(), once a recording. */
enum replay_sink replay_sink_of(int fd);

/* Write "routewatch-record 1", with the link-down policies of the recorded
 * kernel for IPv4 (linkdown=) and IPv6 (linkdown6=, when it differs), each
 * left out when RTW_LINKDOWN_DEFAULT, rules=linux when its lookups follow
 * Linux's default rules, and a newline, to fd of kind sink. Returns 0 or
 * -errno. */
int replay_write_header(int fd, enum replay_sink sink, enum rtw_linkdown_policy linkdown4,
			enum rtw_linkdown_policy linkdown6, bool linux_rules);

/* Write ev as one line with its newline to fd of kind sink. The line is
 * checked first, so a recording never holds half an event because of
 * -EINVAL; a write that fails partway is taken back in a regular file. A
 * full non-blocking fd gives -EAGAIN. Returns 0 or -errno. */
int replay_write_event(int fd, enum replay_sink sink, const struct rtw_event *ev);

/* Where the next write to fd goes when fd is a regular file, which a
 * recording can be cut back to; -1 for anything else (a pipe, a socket). */
long long replay_offset(int fd);

/* Cut the regular file fd back to offset at, and write on from there.
 * Returns 0 or -errno. */
int replay_cut(int fd, long long at);

/* Parse one line of len bytes (no newline needed; a trailing "\r" is
 * ignored). Never reads line[len] or beyond; NUL bytes are errors.
 * Returns 1 when an event was parsed (ret->event), 0 for a blank line, a
 * comment or a header (ret->kind says which), -EINVAL for a malformed line
 * (unknown event word, bad or out-of-range value, missing key, too many
 * hops), or -EPROTO for a header of another version. *ret is a work area:
 * on failure only ret->why is meaningful. */
int replay_parse_line(const char *line, size_t len, struct replay_line *ret);

/* The replay backend's extras, for the core and the CLI. */
struct rtw_backend;

/* rtw_backend_replay.open, with the reason for a failure written to why
 * (size bytes, NUL-terminated; why may be NULL): "missing header", "line 1:
 * unsupported record version", ... */
int replay_open(struct rtw_backend **ret_b, const struct rtw_backend_options *opt, char *why,
		size_t size);

/* "line 12: bad value for metric" after a failed open/dump/read; "" when
 * there was none. Never NULL; valid until the next call on b. */
const char *replay_error(const struct rtw_backend *b);

/* The link-down policy the recording's header asked for, for family
 * (RTW_LINKDOWN_DEFAULT when it said nothing). */
enum rtw_linkdown_policy replay_linkdown(const struct rtw_backend *b, int family);

#endif
