/* backends/replay/replay.c: the replay backend. Owns reading a recording
 * (file, pipe or stdin) line by line, the header check, which recorded lines
 * go to dump() and which to read(), and the error text with its line number. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "format.h"
#include "mem.h"

#define BUF_START 4096
#define BUF_MAX	  (REPLAY_LINE_MAX + 1) /* the longest line and its newline */

struct rtw_backend {
	struct rtw_mem mem;
	int fd;
	char *buf; /* bytes read but not consumed: [start, end) */
	size_t cap, start, end;
	bool eof;
	unsigned line_no;	  /* lines consumed so far */
	size_t pending;		  /* bytes (newline included) of the line in *line */
	struct replay_line *line; /* the last line parsed, delivered or not */
	bool dumped;		  /* the first dump() has completed */
	bool synth_begun;	  /* a synthesized DUMP_BEGIN was delivered */
	bool in_block;		  /* a dump-begin was delivered, its dump-end not yet */
	unsigned block_line;	  /* the line of that dump-begin */
	bool resync_pending;	  /* an overflow was delivered: the next block is dump()'s */
	enum rtw_linkdown_policy linkdown, linkdown6;
	bool linux_rules;
	char why[160];
};

enum wait {
	WAIT_NO,      /* only what is already readable */
	WAIT_PARTIAL, /* block only while a started line is incomplete */
	WAIT_YES,     /* block until a line or the end of the stream */
};

__attribute__((format(printf, 3, 4))) static int set_why(struct rtw_backend *b, int err,
							 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->why, sizeof(b->why), fmt, ap);
	va_end(ap);
	return err;
}

/* Makes room for at least one more byte: compacts, then grows up to BUF_MAX.
 * Returns 0, -ENOMEM (nothing lost: the bytes are still in the kernel) or
 * -EMSGSIZE when a single line is longer than REPLAY_LINE_MAX. */
static int make_room(struct rtw_backend *b)
{
	size_t cap;
	char *p;

	if (b->start > 0) {
		memmove(b->buf, b->buf + b->start, b->end - b->start);
		b->end -= b->start;
		b->start = 0;
	}
	if (b->end < b->cap)
		return 0;
	if (b->cap >= BUF_MAX)
		return set_why(b, -EMSGSIZE, "line %u: longer than %u bytes", b->line_no + 1,
			       (unsigned)REPLAY_LINE_MAX);
	cap = b->cap * 2 > BUF_MAX ? BUF_MAX : b->cap * 2;
	p = mem_realloc(&b->mem, b->buf, b->cap, cap);
	if (!p)
		return set_why(b, -ENOMEM, "out of memory");
	b->buf = p;
	b->cap = cap;
	return 0;
}

/* Reads once. Returns 1 (bytes or end of stream seen), 0 (nothing readable
 * and not waiting), or -errno. Polls first even when waiting is not wanted,
 * so that a descriptor without O_NONBLOCK (standard input) never blocks. */
static int fill(struct rtw_backend *b, bool wait)
{
	struct pollfd pfd = { .fd = b->fd, .events = POLLIN };
	ssize_t n;
	int r;

	r = make_room(b);
	if (r < 0)
		return r;
	for (;;) {
		r = poll(&pfd, 1, wait ? -1 : 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			return set_why(b, r, "poll: %s", strerror(-r));
		}
		if (r == 0)
			return 0;
		n = read(b->fd, b->buf + b->end, b->cap - b->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait)
				continue;
			return 0;
		}
		if (n < 0) {
			r = -errno;
			return set_why(b, r, "read: %s", strerror(-r));
		}
		if (n == 0)
			b->eof = true;
		b->end += (size_t)n;
		return 1;
	}
}

/* The next complete line in the buffer; at the end of the stream an
 * unterminated last line counts too. */
static bool buffered_line(struct rtw_backend *b, const char **ret_p, size_t *ret_len,
			  size_t *ret_used)
{
	const char *p = b->buf + b->start;
	size_t avail = b->end - b->start;
	const char *nl = memchr(p, '\n', avail);

	if (nl) {
		*ret_len = (size_t)(nl - p);
		*ret_used = *ret_len + 1;
	} else if (b->eof && avail > 0) {
		*ret_len = avail;
		*ret_used = avail;
	} else {
		return false;
	}
	*ret_p = p;
	return true;
}

static void consume(struct rtw_backend *b, size_t used)
{
	b->start += used;
	b->line_no++;
	if (b->start == b->end)
		b->start = b->end = 0;
}

/* Parses the next event line into b->line without consuming it (blank lines
 * and comments are consumed). Returns 1 (event ready, b->pending set), 0 (no
 * complete line available, or the end of the stream: see b->eof), or -errno
 * with b->why set. */
static int peek(struct rtw_backend *b, enum wait wait)
{
	for (;;) {
		const char *p;
		size_t len, used;
		int r;

		if (buffered_line(b, &p, &len, &used)) {
			r = replay_parse_line(p, len, b->line);
			if (r < 0)
				return set_why(b, r, "line %u: %s", b->line_no + 1, b->line->why);
			if (r == 1) {
				b->pending = used;
				return 1;
			}
			if (b->line->kind == REPLAY_HEADER)
				return set_why(b, -EPROTO, "line %u: a second header",
					       b->line_no + 1);
			consume(b, used);
			continue;
		}
		if (b->eof)
			return 0;
		r = fill(b, wait == WAIT_YES || (wait == WAIT_PARTIAL && b->end > b->start));
		if (r <= 0)
			return r;
	}
}

/* Hands the peeked event to the sink; the line is consumed only when the
 * sink took it, so a failed event is offered again on the next call. */
static int deliver(struct rtw_backend *b, rtw_sink *sink, void *arg)
{
	const struct rtw_event *ev = &b->line->event;
	int r;

	r = sink(arg, ev);
	if (r < 0)
		return set_why(b, r, "line %u: the core refused the event (%s)", b->line_no + 1,
			       strerror(-r));
	if (ev->type == RTW_EV_DUMP_BEGIN) {
		b->in_block = true;
		b->block_line = b->line_no + 1;
	} else if (ev->type == RTW_EV_DUMP_END)
		b->in_block = false;
	else if (ev->type == RTW_EV_OVERFLOW)
		b->resync_pending = true;
	consume(b, b->pending);
	return 0;
}

/* Block structure: no nesting, no dump-end outside a block. */
static int check_block(struct rtw_backend *b)
{
	enum rtw_event_type t = b->line->event.type;

	if (t == RTW_EV_DUMP_BEGIN && b->in_block)
		return set_why(b, -EPROTO, "line %u: dump-begin inside a dump", b->line_no + 1);
	if (t == RTW_EV_DUMP_END && !b->in_block)
		return set_why(b, -EPROTO, "line %u: dump-end without dump-begin", b->line_no + 1);
	return 0;
}

/* The end of the recording inside a block: what was delivered of it stays
 * unswept, so the replay cannot end as a complete one would. */
static int ended_in_block(struct rtw_backend *b)
{
	return set_why(b, -EPROTO,
		       "line %u: dump-begin without dump-end (the recording ended inside the dump)",
		       b->block_line);
}

static int synthesize(struct rtw_backend *b, rtw_sink *sink, void *arg)
{
	struct rtw_event ev;
	int r, count = 0;

	memset(&ev, 0, sizeof(ev));
	if (!b->synth_begun) {
		ev.type = RTW_EV_DUMP_BEGIN;
		r = sink(arg, &ev);
		if (r < 0)
			return set_why(b, r, "the core refused dump-begin (%s)", strerror(-r));
		b->synth_begun = true;
		count++;
	}
	ev.type = RTW_EV_DUMP_END;
	r = sink(arg, &ev);
	if (r < 0)
		return set_why(b, r, "the core refused dump-end (%s)", strerror(-r));
	b->synth_begun = false;
	b->dumped = true;
	return count + 1;
}

static int replay_read(struct rtw_backend *b, rtw_sink *sink, void *arg);

static int replay_dump(struct rtw_backend *b, rtw_sink *sink, void *arg)
{
	int r, count = 0;

	b->why[0] = '\0';
	if (b->synth_begun)
		return synthesize(b, sink, arg);
	/* The core also asks for a resync when it failed to apply an event
	 * (-ENOMEM). A recording has no fresh snapshot to offer then, and none
	 * is needed: the refused line is still buffered. It is offered again
	 * now, since the descriptor may not poll readable while it waits in
	 * the buffer. */
	if (b->dumped && !b->in_block && !b->resync_pending) {
		r = replay_read(b, sink, arg);
		return r == -ENODATA ? 0 : r;
	}
	if (!b->in_block) {
		/* The first snapshot is whatever block the recording starts
		 * with, if it is already there; a later one (a resync) must
		 * follow, and is waited for. */
		r = peek(b, b->dumped ? WAIT_YES : WAIT_PARTIAL);
		if (r < 0)
			return r;
		if (!b->dumped && (r == 0 || b->line->event.type != RTW_EV_DUMP_BEGIN))
			return synthesize(b, sink, arg);
		if (r == 0)
			return set_why(
			    b, -EPROTO,
			    "after line %u: the recording ended where a resync dump was expected",
			    b->line_no);
		if (b->line->event.type != RTW_EV_DUMP_BEGIN)
			return set_why(b, -EPROTO, "line %u: expected dump-begin, found %s",
				       b->line_no + 1, replay_event_word(b->line->event.type));
		b->resync_pending = false;
		r = deliver(b, sink, arg);
		if (r < 0)
			return r;
		count++;
	}
	while (b->in_block) {
		r = peek(b, WAIT_YES);
		if (r < 0)
			return r;
		if (r == 0)
			return ended_in_block(b);
		r = check_block(b);
		if (r < 0)
			return r;
		r = deliver(b, sink, arg);
		if (r < 0)
			return r;
		count++;
	}
	b->dumped = true;
	return count;
}

static int replay_read(struct rtw_backend *b, rtw_sink *sink, void *arg)
{
	int r, count = 0;

	b->why[0] = '\0';
	for (;;) {
		r = peek(b, WAIT_NO);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		/* After an overflow the core asks dump() for the next block;
		 * delivering it here would hide the resync from it. */
		if (b->line->event.type == RTW_EV_DUMP_BEGIN && b->resync_pending && !b->in_block)
			return count;
		r = check_block(b);
		if (r < 0)
			return r;
		r = deliver(b, sink, arg);
		if (r < 0)
			return r;
		if (count < INT32_MAX)
			count++;
	}
	if (count == 0 && b->eof) /* peek() saw the end: nothing is buffered */
		return b->in_block ? ended_in_block(b) : -ENODATA;
	return count;
}

static void replay_close(struct rtw_backend *b)
{
	struct rtw_mem mem;

	if (!b)
		return;
	if (b->fd >= 0)
		close(b->fd);
	mem_free(&b->mem, b->buf, b->cap);
	mem_free(&b->mem, b->line, sizeof(*b->line));
	mem = b->mem;
	mem_free(&mem, b, sizeof(*b));
}

static int read_header(struct rtw_backend *b)
{
	for (;;) {
		const char *p;
		size_t len, used;
		int r;

		if (buffered_line(b, &p, &len, &used)) {
			b->line->kind = REPLAY_NOTHING;
			r = replay_parse_line(p, len, b->line);
			/* a header with a bad option is a header all the same */
			if (r == -EPROTO || (r < 0 && b->line->kind == REPLAY_HEADER))
				return set_why(b, -EPROTO, "line 1: %s", b->line->why);
			if (r < 0 || b->line->kind != REPLAY_HEADER)
				return set_why(b, -EPROTO,
					       "missing header: the first line must be \"%s %d\"",
					       REPLAY_MAGIC, REPLAY_VERSION);
			b->linkdown = b->line->linkdown;
			b->linkdown6 = b->line->linkdown6;
			b->linux_rules = b->line->linux_rules;
			consume(b, used);
			return 0;
		}
		if (b->eof)
			return set_why(b, -EPROTO, "missing header: the recording is empty");
		r = fill(b, true);
		if (r < 0)
			return r;
	}
}

int replay_open(struct rtw_backend **ret_b, const struct rtw_backend_options *opt, char *why,
		size_t size)
{
	struct rtw_mem mem = { .a = opt ? opt->allocator : NULL };
	struct rtw_backend *b;
	int r;

	if (why && size)
		why[0] = '\0';
	if (!ret_b || !opt || !opt->replay_path) {
		if (why && size)
			snprintf(why, size, "no recording given");
		return -EINVAL;
	}
	b = mem_calloc(&mem, 1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->mem = mem;
	b->fd = -1;
	b->line = mem_alloc(&b->mem, sizeof(*b->line));
	b->buf = mem_alloc(&b->mem, BUF_START);
	if (!b->line || !b->buf) {
		r = set_why(b, -ENOMEM, "out of memory");
		goto fail;
	}
	b->cap = BUF_START;
	/* A private descriptor even for stdin, so that closing it leaves the
	 * caller's 0 alone; its flags are shared, so O_NONBLOCK is not set on
	 * it: fill() polls before every read instead. */
	if (strcmp(opt->replay_path, "-") == 0)
		b->fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	else
		b->fd = open(opt->replay_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (b->fd < 0) {
		r = -errno;
		set_why(b, r, "%s: %s", opt->replay_path, strerror(-r));
		goto fail;
	}
	r = read_header(b);
	if (r < 0)
		goto fail;
	b->why[0] = '\0';
	*ret_b = b;
	return 0;
fail:
	if (why && size)
		snprintf(why, size, "%s", b->why);
	replay_close(b);
	return r;
}

static int replay_open_op(struct rtw_backend **ret_b, const struct rtw_backend_options *opt)
{
	return replay_open(ret_b, opt, NULL, 0);
}

static int replay_fd(struct rtw_backend *b)
{
	return b->fd;
}

static size_t replay_memory(const struct rtw_backend *b)
{
	return b->mem.bytes;
}

static uint64_t replay_foreign_dropped(struct rtw_backend *b)
{
	(void)b;
	return 0;
}

const char *replay_error(const struct rtw_backend *b)
{
	return b ? b->why : "";
}

enum rtw_linkdown_policy replay_linkdown(const struct rtw_backend *b, int family)
{
	if (!b)
		return RTW_LINKDOWN_DEFAULT;
	return family == AF_INET6 && b->linkdown6 != RTW_LINKDOWN_DEFAULT ? b->linkdown6
									  : b->linkdown;
}

/* A recording of Linux (rules=linux) is looked up as the netlink backend's
 * ops say: `ip -6 rule` has no rule for the default table, and IPv4 takes
 * local and main as one. */
static void replay_rules(const struct rtw_backend *b, const uint32_t **tables6,
			 bool *merge_local_main)
{
	static const uint32_t linux_tables6[] = { RTW_TABLE_LOCAL, RTW_TABLE_MAIN, UINT32_MAX };

	if (!b || !b->linux_rules)
		return;
	*tables6 = linux_tables6;
	*merge_local_main = true;
}

static const uint32_t replay_tables[] = { RTW_TABLE_LOCAL, RTW_TABLE_MAIN, RTW_TABLE_DEFAULT,
					  UINT32_MAX };

const struct rtw_backend_ops rtw_backend_replay = {
	.name = "replay",
	.open = replay_open_op,
	.fd = replay_fd,
	.dump = replay_dump,
	.read = replay_read,
	.foreign_dropped = replay_foreign_dropped,
	.memory = replay_memory,
	.close = replay_close,
	.open_why = replay_open,
	.error_detail = replay_error,
	.linkdown = RTW_LINKDOWN_FALLBACK,
	.linkdown_of = replay_linkdown,
	.default_tables = replay_tables,
	.rules_of = replay_rules,
	.offers_refused_again = true,
};
