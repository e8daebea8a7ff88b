/* backends/replay/format.c: the text form of a normalized event. Owns the
 * spelling of every event word, key and flag name (docs/record-format.md),
 * the formatter, the fd write helpers and the bounded line parser. */
#include "format.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"

enum word_class { CLASS_ROUTE, CLASS_LINK, CLASS_ADDR, CLASS_NHOBJ, CLASS_BARE, CLASS_NETCONF };

struct word {
	const char *name;
	enum rtw_event_type type;
	enum word_class class;
};

/* Indexed by enum rtw_event_type. */
static const struct word words[] = {
	{ "route-add", RTW_EV_ROUTE_ADD, CLASS_ROUTE },
	{ "route-del", RTW_EV_ROUTE_DEL, CLASS_ROUTE },
	{ "link-up", RTW_EV_LINK_UP, CLASS_LINK },
	{ "link-down", RTW_EV_LINK_DOWN, CLASS_LINK },
	{ "link-gone", RTW_EV_LINK_GONE, CLASS_LINK },
	{ "addr-add", RTW_EV_ADDR_ADD, CLASS_ADDR },
	{ "addr-del", RTW_EV_ADDR_DEL, CLASS_ADDR },
	{ "nexthop-add", RTW_EV_NEXTHOP_ADD, CLASS_NHOBJ },
	{ "nexthop-del", RTW_EV_NEXTHOP_DEL, CLASS_NHOBJ },
	{ "dump-begin", RTW_EV_DUMP_BEGIN, CLASS_BARE },
	{ "dump-end", RTW_EV_DUMP_END, CLASS_BARE },
	{ "overflow", RTW_EV_OVERFLOW, CLASS_BARE },
	{ "netconf", RTW_EV_NETCONF, CLASS_NETCONF },
};
#define N_WORDS (sizeof(words) / sizeof(words[0]))
_Static_assert(N_WORDS == RTW_EV_NETCONF + 1, "an event type without a word");

struct flag_name {
	unsigned bit;
	const char *name;
};

static const struct flag_name ev_flags[] = {
	{ RTW_EVF_REPLACE, "replace" },
	{ RTW_EVF_APPEND, "append" },
	{ RTW_EVF_FLUSH_V4, "flush-v4" },
	{ RTW_EVF_DUP_APPEND, "dup-append" },
	{ RTW_EVF_DUP_PREPEND, "dup-prepend" },
	{ RTW_EVF_SIBLINGS, "siblings" },
	{ RTW_EVF_PREFSRC, "clears-prefsrc" },
	{ RTW_EVF_EXACT, "exact" },
	{ 0, NULL },
};
static const struct flag_name route_flags[] = {
	{ RTW_ROUTE_F_LINKDOWN, "linkdown" },
	{ 0, NULL },
};
static const struct flag_name nh_flags[] = {
	{ RTW_NH_ONLINK, "onlink" },
	{ RTW_NH_LINKDOWN, "linkdown" },
	{ RTW_NH_DEAD, "dead" },
	{ RTW_NH_PERVASIVE, "pervasive" },
	{ 0, NULL },
};
static const struct flag_name addr_flags[] = {
	{ RTW_ADDR_F_TEMPORARY, "temporary" },
	{ RTW_ADDR_F_DEPRECATED, "deprecated" },
	{ RTW_ADDR_F_TENTATIVE, "tentative" },
	{ 0, NULL },
};

/* A route type's word is rtw_route_type_str()'s; a number it has no word
 * for is written as digits. */
static const char *type_word(unsigned t)
{
	const char *w = rtw_route_type_str((enum rtw_route_type)t);

	return strcmp(w, "unknown") == 0 ? NULL : w;
}

/* ---- output ---- */

/* Either a caller's buffer (fd < 0) or a small staging buffer flushed to fd,
 * so that a line of 256 hops never needs a 64 KiB stack frame. */
struct out {
	char *buf;
	size_t size;
	size_t len;
	int fd;
	enum replay_sink sink;
	int err;
	size_t written; /* bytes of this line already written */
};

/* write(), but a reader that went away (a pipe, a socket) is EPIPE and no
 * SIGPIPE, whose default action would kill the application: the signal is
 * blocked for the call, and the one it raised taken back unless one was
 * pending already. */
static ssize_t write_nosigpipe(int fd, const char *p, size_t n)
{
	sigset_t pipe_set, old, pending;
	bool had = false;
	ssize_t w;
	int e, sig;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	if (pthread_sigmask(SIG_BLOCK, &pipe_set, &old) != 0)
		return write(fd, p, n);
	if (sigpending(&pending) == 0)
		had = sigismember(&pending, SIGPIPE) == 1;
	w = write(fd, p, n);
	e = errno;
	if (w < 0 && e == EPIPE && !had && sigpending(&pending) == 0 &&
	    sigismember(&pending, SIGPIPE) == 1)
		(void)sigwait(&pipe_set, &sig); /* pending: returns at once */
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return w;
}

enum replay_sink replay_sink_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return REPLAY_SINK_PIPE;
	if (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		return REPLAY_SINK_FILE;
	return S_ISSOCK(st.st_mode) ? REPLAY_SINK_SOCKET : REPLAY_SINK_PIPE;
}

static ssize_t sink_write(int fd, enum replay_sink sink, const char *p, size_t n)
{
	if (sink == REPLAY_SINK_FILE)
		return write(fd, p, n);
#ifdef MSG_NOSIGNAL /* a system without it: the way of a pipe */
	if (sink == REPLAY_SINK_SOCKET)
		return send(fd, p, n, MSG_NOSIGNAL);
#endif
	return write_nosigpipe(fd, p, n);
}

/* *done (when not NULL) grows by what was written, also on failure. */
static int write_all(int fd, enum replay_sink sink, const char *p, size_t n, size_t *done)
{
	while (n > 0) {
		ssize_t w = sink_write(fd, sink, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			/* a full non-blocking descriptor (a pipe nobody reads)
			 * ends the recording: waiting for it would block
			 * rtw_dispatch(), which never blocks */
			return -errno;
		}
		if (w == 0)
			return -EIO;
		if (done)
			*done += (size_t)w;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

long long replay_offset(int fd)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return -1;
	return (long long)lseek(fd, 0, SEEK_CUR);
}

int replay_cut(int fd, long long at)
{
	if (at < 0 || ftruncate(fd, (off_t)at) < 0 || lseek(fd, (off_t)at, SEEK_SET) < 0)
		return at < 0 ? -EINVAL : -errno;
	return 0;
}

/* Takes back the n bytes of a line cut by a failed write (a full disk), so
 * that a recording ends with its last whole line: a replay reads a last
 * line without its newline as a line, and a cut one can read as another
 * event (metric=5 of metric=50). Only a regular file can be cut back. */
static void unwrite(int fd, size_t n)
{
	long long end = replay_offset(fd);

	if (n > 0 && end >= (long long)n)
		(void)replay_cut(fd, end - (long long)n);
}

static void out_bytes(struct out *o, const char *s, size_t n)
{
	while (n > 0 && !o->err) {
		size_t room;

		if (o->fd < 0) {
			/* keep one byte for the NUL */
			if (o->len + n + 1 > o->size) {
				o->err = -ENOSPC;
				return;
			}
			memcpy(o->buf + o->len, s, n);
			o->len += n;
			return;
		}
		room = o->size - o->len;
		if (room == 0) {
			o->err = write_all(o->fd, o->sink, o->buf, o->len, &o->written);
			o->len = 0;
			continue;
		}
		if (room > n)
			room = n;
		memcpy(o->buf + o->len, s, room);
		o->len += room;
		s += room;
		n -= room;
	}
}

static void out_str(struct out *o, const char *s)
{
	out_bytes(o, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void out_fmt(struct out *o, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		o->err = -EINVAL;
		return;
	}
	out_bytes(o, tmp, (size_t)n);
}

static void out_flags(struct out *o, unsigned v, const struct flag_name *names)
{
	const char *sep = "";
	size_t i;

	if (v == 0) {
		out_str(o, "0");
		return;
	}
	for (i = 0; names[i].name; i++) {
		if (v & names[i].bit) {
			out_str(o, sep);
			out_str(o, names[i].name);
			sep = ",";
			v &= ~names[i].bit;
		}
	}
	if (v)
		out_fmt(o, "%s0x%x", sep, v);
}

static void out_addr(struct out *o, const struct rtw_addr *a)
{
	char tmp[INET6_ADDRSTRLEN];

	if (a->family == AF_UNSPEC) {
		out_str(o, "none");
		return;
	}
	if (rtw_addr_format(a, tmp, sizeof(tmp)) < 0) {
		o->err = -EINVAL;
		return;
	}
	out_str(o, tmp);
}

static void out_hop(struct out *o, const struct rtw_nexthop *h)
{
	out_addr(o, &h->gateway);
	out_fmt(o, "@%d:%u:", h->ifindex, h->weight);
	out_flags(o, h->flags, nh_flags);
}

/* Link names are arbitrary bytes: everything that could end a token, start
 * a comment, split a key or break UTF-8 is written as %XX. */
static void out_name(struct out *o, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= 0x20 || c >= 0x7f || c == '%' || c == '=' || c == '#')
			out_fmt(o, "%%%02X", c);
		else
			out_bytes(o, (const char *)&name[i], 1);
	}
}

/* ---- validation: everything the parser would reject ---- */

static bool family_ok(int family, bool unspec_ok)
{
	return family == AF_INET || family == AF_INET6 || (unspec_ok && family == AF_UNSPEC);
}

static bool hop_ok(const struct rtw_nexthop *h)
{
	return h->ifindex >= 0 && family_ok(h->gateway.family, true);
}

static int validate(const struct rtw_event *ev)
{
	unsigned i;

	if ((unsigned)ev->type >= N_WORDS)
		return -EINVAL;
	switch (words[ev->type].class) {
	case CLASS_ROUTE: {
		const struct rtw_route *r = &ev->u.route;
		struct rtw_prefix masked = r->dst;

		if (!family_ok(r->dst.addr.family, false) ||
		    r->dst.len > addr_bits(r->dst.addr.family))
			return -EINVAL;
		prefix_mask(&masked);
		if (memcmp(masked.addr.bytes, r->dst.addr.bytes, sizeof(masked.addr.bytes)) != 0)
			return -EINVAL;
		if ((unsigned)r->type > UINT8_MAX || !family_ok(r->prefsrc.family, true))
			return -EINVAL;
		if (!addr_pref_ok(r->dst.addr.family, r->pref))
			return -EINVAL;
		if (r->n_nexthops > REPLAY_MAX_HOPS || (r->n_nexthops && !r->nexthops))
			return -EINVAL;
		for (i = 0; i < r->n_nexthops; i++)
			if (!hop_ok(&r->nexthops[i]))
				return -EINVAL;
		return 0;
	}
	case CLASS_LINK:
		if (ev->u.link.ifindex < 0 ||
		    !memchr(ev->u.link.name, '\0', sizeof(ev->u.link.name)))
			return -EINVAL;
		return 0;
	case CLASS_ADDR:
		if (ev->u.addr.ifindex < 0 || !family_ok(ev->u.addr.prefix.addr.family, false) ||
		    ev->u.addr.prefix.len > addr_bits(ev->u.addr.prefix.addr.family))
			return -EINVAL;
		return 0;
	case CLASS_NHOBJ: {
		const struct rtw_nhobj *nh = &ev->u.nhobj;

		if (!family_ok(nh->family, true) || !hop_ok(&nh->hop))
			return -EINVAL;
		if (nh->n_group > REPLAY_MAX_HOPS || (nh->n_group && !nh->group))
			return -EINVAL;
		return 0;
	}
	case CLASS_BARE:
		return 0;
	case CLASS_NETCONF:
		if ((ev->u.netconf.family != AF_INET && ev->u.netconf.family != AF_INET6) ||
		    (ev->u.netconf.ifindex <= 0 && ev->u.netconf.ifindex != RTW_NETCONF_ALL &&
		     ev->u.netconf.ifindex != RTW_NETCONF_DEFAULT))
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "inet" : family == AF_INET6 ? "inet6" : "unspec";
}

static bool hop_is_zero(const struct rtw_nexthop *h)
{
	static const struct rtw_nexthop zero;

	return h->ifindex == 0 && h->weight == 0 && h->flags == 0 &&
	       h->gateway.family == AF_UNSPEC &&
	       memcmp(h->gateway.bytes, zero.gateway.bytes, sizeof(zero.gateway.bytes)) == 0;
}

/* Writes the line of a validated event (no newline). */
static void emit(struct out *o, const struct rtw_event *ev)
{
	unsigned i;

	out_str(o, words[ev->type].name);
	switch (words[ev->type].class) {
	case CLASS_ROUTE: {
		const struct rtw_route *r = &ev->u.route;
		char dst[INET6_ADDRSTRLEN + 8];
		const char *w;

		if (rtw_prefix_format(&r->dst, dst, sizeof(dst)) < 0) {
			o->err = -EINVAL;
			return;
		}
		out_fmt(o, " family=%s table=%" PRIu32 " dst=", family_name(r->dst.addr.family),
			r->table);
		out_str(o, dst);
		if ((w = type_word(r->type)) != NULL)
			out_fmt(o, " type=%s", w);
		else
			out_fmt(o, " type=%u", (unsigned)r->type);
		out_fmt(o, " metric=%" PRIu32 " tos=%u proto=%u scope=%u prefsrc=", r->metric,
			r->tos, r->protocol, r->scope);
		out_addr(o, &r->prefsrc);
		out_fmt(o, " nhid=%" PRIu32 " flags=", r->nhid);
		out_flags(o, r->flags, route_flags);
		/* medium, nearly every route, is left out: older readers skip
		 * the key, and the lines of most recordings stay as they were */
		if (r->pref != RTW_ROUTE_PREF_MEDIUM)
			out_fmt(o, " pref=%s", addr_pref_word(r->pref));
		for (i = 0; i < r->n_nexthops; i++) {
			out_str(o, " nh=");
			out_hop(o, &r->nexthops[i]);
		}
		break;
	}
	case CLASS_LINK:
		out_fmt(o, " ifindex=%d name=", ev->u.link.ifindex);
		out_name(o, ev->u.link.name, strlen(ev->u.link.name));
		out_fmt(o, " admin=%s carrier=%s", ev->u.link.admin_up ? "up" : "down",
			ev->u.link.carrier_up ? "up" : "down");
		break;
	case CLASS_ADDR:
		out_fmt(o, " ifindex=%d addr=", ev->u.addr.ifindex);
		out_addr(o, &ev->u.addr.prefix.addr);
		out_fmt(o, "/%u flags=", ev->u.addr.prefix.len);
		out_flags(o, ev->u.addr.flags, addr_flags);
		break;
	case CLASS_NHOBJ: {
		const struct rtw_nhobj *nh = &ev->u.nhobj;

		out_fmt(o, " id=%" PRIu32 " family=%s blackhole=%s", nh->id,
			family_name(nh->family), nh->blackhole ? "yes" : "no");
		/* A group's or blackhole's hop is meaningless and normally zero;
		 * it is written only when it is not, so that it still round-trips. */
		if ((nh->n_group == 0 && !nh->blackhole) || !hop_is_zero(&nh->hop)) {
			out_str(o, " hop=");
			out_hop(o, &nh->hop);
		}
		for (i = 0; i < nh->n_group; i++)
			out_fmt(o, " member=%" PRIu32 ":%u", nh->group[i].id, nh->group[i].weight);
		break;
	}
	case CLASS_BARE:
		break;
	case CLASS_NETCONF:
		out_fmt(o, " family=%s ifindex=", family_name(ev->u.netconf.family));
		if (ev->u.netconf.ifindex == RTW_NETCONF_ALL)
			out_str(o, "all");
		else if (ev->u.netconf.ifindex == RTW_NETCONF_DEFAULT)
			out_str(o, "default");
		else
			out_fmt(o, "%d", ev->u.netconf.ifindex);
		out_fmt(o, " ignore-linkdown=%s", ev->u.netconf.ignore_linkdown ? "yes" : "no");
		break;
	}
	if (ev->flags) {
		out_str(o, " evflags=");
		out_flags(o, ev->flags, ev_flags);
	}
}

const char *replay_event_word(enum rtw_event_type type)
{
	return (unsigned)type < N_WORDS ? words[type].name : "?";
}

int replay_format_event(const struct rtw_event *ev, char *buf, size_t size)
{
	struct out o = { .buf = buf, .size = size, .fd = -1 };
	int r;

	if (!ev || !buf)
		return -EINVAL;
	r = validate(ev);
	if (r < 0)
		return r;
	emit(&o, ev);
	if (o.err)
		return o.err;
	if (o.len > REPLAY_LINE_MAX)
		return -EINVAL;
	buf[o.len] = '\0';
	return (int)o.len;
}

static const char *linkdown_word(enum rtw_linkdown_policy p)
{
	return p == RTW_LINKDOWN_FAIL ? "fail" : "fallback";
}

int replay_write_header(int fd, enum replay_sink sink, enum rtw_linkdown_policy linkdown4,
			enum rtw_linkdown_policy linkdown6, bool linux_rules)
{
	char header[96];
	int n = snprintf(header, sizeof(header), "%s 1", REPLAY_MAGIC), r;
	size_t done = 0;

	if (linkdown4 != RTW_LINKDOWN_DEFAULT)
		n += snprintf(header + n, sizeof(header) - (size_t)n, " linkdown=%s",
			      linkdown_word(linkdown4));
	if (linkdown6 != RTW_LINKDOWN_DEFAULT && linkdown6 != linkdown4)
		n += snprintf(header + n, sizeof(header) - (size_t)n, " linkdown6=%s",
			      linkdown_word(linkdown6));
	if (linux_rules)
		n += snprintf(header + n, sizeof(header) - (size_t)n, " rules=linux");
	header[n++] = '\n';
	r = write_all(fd, sink, header, (size_t)n, &done);
	if (r < 0)
		unwrite(fd, done);
	return r;
}

int replay_write_event(int fd, enum replay_sink sink, const struct rtw_event *ev)
{
	char stage[2048];
	struct out o = { .buf = stage, .size = sizeof(stage), .fd = fd, .sink = sink };
	int r;

	if (!ev || fd < 0)
		return -EINVAL;
	r = validate(ev);
	if (r < 0)
		return r;
	emit(&o, ev);
	out_bytes(&o, "\n", 1);
	if (!o.err && o.len)
		o.err = write_all(fd, sink, stage, o.len, &o.written);
	if (o.err)
		unwrite(fd, o.written);
	return o.err;
}

/* ---- parsing ---- */

/* A token: a counted, not NUL-terminated, piece of the line. */
struct tok {
	const char *p;
	size_t n;
};

static bool tok_is(struct tok t, const char *s)
{
	size_t n = strlen(s);

	return t.n == n && memcmp(t.p, s, n) == 0;
}

static bool parse_uint(struct tok t, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i;

	if (t.n == 0 || t.n > 20)
		return false;
	for (i = 0; i < t.n; i++) {
		unsigned d;

		if (t.p[i] < '0' || t.p[i] > '9')
			return false;
		d = (unsigned)(t.p[i] - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*ret = v;
	return true;
}

static bool parse_hex(struct tok t, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i;

	if (t.n < 3 || t.n > 18 || t.p[0] != '0' || (t.p[1] != 'x' && t.p[1] != 'X'))
		return false;
	for (i = 2; i < t.n; i++) {
		char c = t.p[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		if (v > (max - d) / 16)
			return false;
		v = v * 16 + d;
	}
	*ret = v;
	return true;
}

static bool parse_u32(struct tok t, uint32_t *ret)
{
	uint64_t v;

	if (!parse_uint(t, UINT32_MAX, &v))
		return false;
	*ret = (uint32_t)v;
	return true;
}

static bool parse_u8(struct tok t, uint8_t *ret)
{
	uint64_t v;

	if (!parse_uint(t, UINT8_MAX, &v))
		return false;
	*ret = (uint8_t)v;
	return true;
}

static bool parse_ifindex(struct tok t, int *ret)
{
	uint64_t v;

	if (!parse_uint(t, INT_MAX, &v))
		return false;
	*ret = (int)v;
	return true;
}

/* "0", or names and numbers joined by ','. */
static bool parse_flags(struct tok t, const struct flag_name *names, unsigned *ret)
{
	unsigned v = 0;
	size_t start = 0;

	if (t.n == 0)
		return false;
	while (start <= t.n) {
		const char *comma = memchr(t.p + start, ',', t.n - start);
		struct tok item = { t.p + start,
				    comma ? (size_t)(comma - (t.p + start)) : t.n - start };
		uint64_t num;
		size_t i;

		for (i = 0; names[i].name; i++)
			if (tok_is(item, names[i].name))
				break;
		if (names[i].name)
			v |= names[i].bit;
		else if (parse_uint(item, UINT_MAX, &num) || parse_hex(item, UINT_MAX, &num))
			v |= (unsigned)num;
		else
			return false;
		start += item.n + 1;
	}
	*ret = v;
	return true;
}

/* Copies t into a NUL-terminated buffer for the libc text parsers. */
static bool tok_cstr(struct tok t, char *buf, size_t size)
{
	if (t.n >= size)
		return false;
	memcpy(buf, t.p, t.n);
	buf[t.n] = '\0';
	return true;
}

static bool parse_addr(struct tok t, struct rtw_addr *ret)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (tok_is(t, "none")) {
		memset(ret, 0, sizeof(*ret));
		ret->family = AF_UNSPEC;
		return true;
	}
	return tok_cstr(t, buf, sizeof(buf)) && rtw_addr_parse(buf, ret) == 0;
}

static bool parse_family(struct tok t, int *ret)
{
	if (tok_is(t, "inet"))
		*ret = AF_INET;
	else if (tok_is(t, "inet6"))
		*ret = AF_INET6;
	else if (tok_is(t, "unspec"))
		*ret = AF_UNSPEC;
	else
		return false;
	return true;
}

static bool parse_updown(struct tok t, bool *ret)
{
	if (tok_is(t, "up"))
		*ret = true;
	else if (tok_is(t, "down"))
		*ret = false;
	else
		return false;
	return true;
}

/* A local address keeps its host bits: "10.0.0.5/24". */
static bool parse_host_prefix(struct tok t, struct rtw_prefix *ret)
{
	const char *slash = memchr(t.p, '/', t.n);
	struct tok a, l;
	struct rtw_prefix p;
	uint64_t len;

	if (!slash)
		return false;
	a.p = t.p;
	a.n = (size_t)(slash - t.p);
	l.p = slash + 1;
	l.n = t.n - a.n - 1;
	if (tok_is(a, "none") || !parse_addr(a, &p.addr))
		return false;
	/* no leading zero, as in a prefix (rtw_prefix_parse()) */
	if (l.n > 3 || (l.n > 1 && l.p[0] == '0') || !parse_uint(l, addr_bits(p.addr.family), &len))
		return false;
	p.len = (uint8_t)len;
	*ret = p;
	return true;
}

/* "GATEWAY@IFINDEX:WEIGHT:FLAGS" */
static bool parse_hop(struct tok t, struct rtw_nexthop *ret)
{
	const char *at = memchr(t.p, '@', t.n);
	struct tok part[3];
	struct rtw_nexthop h;
	struct tok gw;
	const char *p, *end = t.p + t.n;
	uint64_t w;
	int i;

	if (!at)
		return false;
	gw.p = t.p;
	gw.n = (size_t)(at - t.p);
	p = at + 1;
	for (i = 0; i < 3; i++) {
		const char *colon = i < 2 ? memchr(p, ':', (size_t)(end - p)) : NULL;

		if (i < 2 && !colon)
			return false;
		part[i].p = p;
		part[i].n = (size_t)((colon ? colon : end) - p);
		p = colon ? colon + 1 : end;
	}
	memset(&h, 0, sizeof(h));
	if (!parse_addr(gw, &h.gateway) || !parse_ifindex(part[0], &h.ifindex) ||
	    !parse_uint(part[1], UINT16_MAX, &w) || !parse_flags(part[2], nh_flags, &h.flags))
		return false;
	h.weight = (uint16_t)w;
	*ret = h;
	return true;
}

/* "ID:WEIGHT" */
static bool parse_member(struct tok t, struct rtw_nhobj_member *ret)
{
	const char *colon = memchr(t.p, ':', t.n);
	struct tok id, wt;
	uint64_t w;

	if (!colon)
		return false;
	id.p = t.p;
	id.n = (size_t)(colon - t.p);
	wt.p = colon + 1;
	wt.n = t.n - id.n - 1;
	if (!parse_u32(id, &ret->id) || !parse_uint(wt, UINT16_MAX, &w))
		return false;
	ret->weight = (uint16_t)w;
	return true;
}

/* Link names: %XX escapes; raw bytes are accepted too, so that a hand-edited
 * "name=wlän0" works. */
static bool parse_name(struct tok t, char *name, size_t size)
{
	size_t i, n = 0;

	memset(name, 0, size);
	for (i = 0; i < t.n; i++) {
		unsigned char c = (unsigned char)t.p[i];

		if (c == '%') {
			uint64_t v;
			char hex[4] = { '0', 'x', 0, 0 };

			if (i + 2 >= t.n)
				return false;
			hex[2] = t.p[i + 1];
			hex[3] = t.p[i + 2];
			if (!parse_hex((struct tok){ hex, 4 }, 0xff, &v) || v == 0)
				return false;
			c = (unsigned char)v;
			i += 2;
		}
		if (n + 1 >= size)
			return false;
		name[n++] = (char)c;
	}
	return true;
}

enum key {
	K_EVFLAGS,
	K_FAMILY,
	K_TABLE,
	K_DST,
	K_TYPE,
	K_METRIC,
	K_TOS,
	K_PROTO,
	K_SCOPE,
	K_PREFSRC,
	K_PREF,
	K_NHID,
	K_FLAGS,
	K_NH,
	K_IFINDEX,
	K_NAME,
	K_ADMIN,
	K_CARRIER,
	K_ADDR,
	K_ID,
	K_BLACKHOLE,
	K_HOP,
	K_MEMBER,
	K_IGNORE_LINKDOWN,
	K_COUNT,
};

/* one key a line, as in the enum (clang-format would pack them) */
/* clang-format off */
static const char *const key_names[K_COUNT] = {
	[K_EVFLAGS] = "evflags",
	[K_FAMILY] = "family",
	[K_TABLE] = "table",
	[K_DST] = "dst",
	[K_TYPE] = "type",
	[K_METRIC] = "metric",
	[K_TOS] = "tos",
	[K_PROTO] = "proto",
	[K_SCOPE] = "scope",
	[K_PREFSRC] = "prefsrc",
	[K_PREF] = "pref",
	[K_NHID] = "nhid",
	[K_FLAGS] = "flags",
	[K_NH] = "nh",
	[K_IFINDEX] = "ifindex",
	[K_NAME] = "name",
	[K_ADMIN] = "admin",
	[K_CARRIER] = "carrier",
	[K_ADDR] = "addr",
	[K_ID] = "id",
	[K_BLACKHOLE] = "blackhole",
	[K_HOP] = "hop",
	[K_MEMBER] = "member",
	[K_IGNORE_LINKDOWN] = "ignore-linkdown",
};
/* clang-format on */

#define BIT(k) (1u << (k))

/* Keys each class knows; any other key is skipped (newer writers). */
static const unsigned class_keys[] = {
	[CLASS_ROUTE] = BIT(K_EVFLAGS) | BIT(K_FAMILY) | BIT(K_TABLE) | BIT(K_DST) | BIT(K_TYPE) |
			BIT(K_METRIC) | BIT(K_TOS) | BIT(K_PROTO) | BIT(K_SCOPE) | BIT(K_PREFSRC) |
			BIT(K_PREF) | BIT(K_NHID) | BIT(K_FLAGS) | BIT(K_NH),
	[CLASS_LINK] =
	    BIT(K_EVFLAGS) | BIT(K_IFINDEX) | BIT(K_NAME) | BIT(K_ADMIN) | BIT(K_CARRIER),
	[CLASS_ADDR] = BIT(K_EVFLAGS) | BIT(K_IFINDEX) | BIT(K_ADDR) | BIT(K_FLAGS),
	[CLASS_NHOBJ] = BIT(K_EVFLAGS) | BIT(K_ID) | BIT(K_FAMILY) | BIT(K_BLACKHOLE) | BIT(K_HOP) |
			BIT(K_MEMBER),
	[CLASS_BARE] = BIT(K_EVFLAGS),
	[CLASS_NETCONF] = BIT(K_EVFLAGS) | BIT(K_FAMILY) | BIT(K_IFINDEX) | BIT(K_IGNORE_LINKDOWN),
};
static const unsigned class_required[] = {
	[CLASS_ROUTE] = BIT(K_DST),
	[CLASS_LINK] = BIT(K_IFINDEX),
	[CLASS_ADDR] = BIT(K_IFINDEX) | BIT(K_ADDR),
	[CLASS_NHOBJ] = BIT(K_ID),
	[CLASS_BARE] = 0,
	[CLASS_NETCONF] = BIT(K_FAMILY) | BIT(K_IFINDEX) | BIT(K_IGNORE_LINKDOWN),
};
static const unsigned repeatable = BIT(K_NH) | BIT(K_MEMBER);

/* Applies one known key; returns NULL or the reason it is bad. */
static const char *apply_key(enum key k, struct tok v, enum word_class class, struct rtw_event *ev,
			     int *family, struct replay_line *l)
{
	struct rtw_route *r = &ev->u.route;
	uint64_t num;
	bool b;

	switch (k) {
	case K_EVFLAGS:
		return parse_flags(v, ev_flags, &ev->flags) ? NULL : "bad value for evflags";
	case K_FAMILY:
		return parse_family(v, family) ? NULL : "bad value for family";
	case K_TABLE:
		return parse_u32(v, &r->table) ? NULL : "bad value for table";
	case K_DST: {
		char buf[INET6_ADDRSTRLEN + 8];

		if (!tok_cstr(v, buf, sizeof(buf)) || rtw_prefix_parse(buf, &r->dst) < 0)
			return "bad value for dst";
		return NULL;
	}
	case K_TYPE: {
		const char *w;
		unsigned i;

		for (i = 0; (w = type_word(i)) != NULL; i++) {
			if (tok_is(v, w)) {
				r->type = (enum rtw_route_type)i;
				return NULL;
			}
		}
		if (!parse_uint(v, UINT8_MAX, &num))
			return "bad value for type";
		r->type = (enum rtw_route_type)num;
		return NULL;
	}
	case K_METRIC:
		return parse_u32(v, &r->metric) ? NULL : "bad value for metric";
	case K_TOS:
		return parse_u8(v, &r->tos) ? NULL : "bad value for tos";
	case K_PROTO:
		return parse_u8(v, &r->protocol) ? NULL : "bad value for proto";
	case K_SCOPE:
		return parse_u8(v, &r->scope) ? NULL : "bad value for scope";
	case K_PREFSRC:
		return parse_addr(v, &r->prefsrc) ? NULL : "bad value for prefsrc";
	case K_PREF: {
		static const uint8_t prefs[] = { RTW_ROUTE_PREF_MEDIUM, RTW_ROUTE_PREF_HIGH,
						 RTW_ROUTE_PREF_LOW };
		unsigned i;

		for (i = 0; i < sizeof(prefs); i++)
			if (tok_is(v, addr_pref_word(prefs[i]))) {
				r->pref = prefs[i];
				return NULL;
			}
		return "bad value for pref";
	}
	case K_NHID:
		return parse_u32(v, &r->nhid) ? NULL : "bad value for nhid";
	case K_FLAGS:
		if (class == CLASS_ADDR)
			return parse_flags(v, addr_flags, &ev->u.addr.flags)
				   ? NULL
				   : "bad value for flags";
		return parse_flags(v, route_flags, &r->flags) ? NULL : "bad value for flags";
	case K_NH:
		if (r->n_nexthops >= REPLAY_MAX_HOPS)
			return "too many next hops";
		if (!parse_hop(v, &l->hops[r->n_nexthops]))
			return "bad value for nh";
		r->n_nexthops++;
		return NULL;
	case K_IFINDEX:
		if (class == CLASS_NETCONF) {
			if (tok_is(v, "all"))
				ev->u.netconf.ifindex = RTW_NETCONF_ALL;
			else if (tok_is(v, "default"))
				ev->u.netconf.ifindex = RTW_NETCONF_DEFAULT;
			else if (!parse_ifindex(v, &ev->u.netconf.ifindex) ||
				 !ev->u.netconf.ifindex)
				return "bad value for ifindex";
			return NULL;
		}
		if (class == CLASS_ADDR)
			return parse_ifindex(v, &ev->u.addr.ifindex) ? NULL
								     : "bad value for ifindex";
		return parse_ifindex(v, &ev->u.link.ifindex) ? NULL : "bad value for ifindex";
	case K_NAME:
		return parse_name(v, ev->u.link.name, sizeof(ev->u.link.name))
			   ? NULL
			   : "bad value for name";
	case K_ADMIN:
		return parse_updown(v, &ev->u.link.admin_up) ? NULL : "bad value for admin";
	case K_CARRIER:
		return parse_updown(v, &ev->u.link.carrier_up) ? NULL : "bad value for carrier";
	case K_ADDR:
		return parse_host_prefix(v, &ev->u.addr.prefix) ? NULL : "bad value for addr";
	case K_ID:
		return parse_u32(v, &ev->u.nhobj.id) ? NULL : "bad value for id";
	case K_IGNORE_LINKDOWN:
		if (tok_is(v, "yes"))
			ev->u.netconf.ignore_linkdown = true;
		else if (tok_is(v, "no"))
			ev->u.netconf.ignore_linkdown = false;
		else
			return "bad value for ignore-linkdown";
		return NULL;
	case K_BLACKHOLE:
		if (tok_is(v, "yes"))
			b = true;
		else if (tok_is(v, "no"))
			b = false;
		else
			return "bad value for blackhole";
		ev->u.nhobj.blackhole = b;
		return NULL;
	case K_HOP:
		return parse_hop(v, &ev->u.nhobj.hop) ? NULL : "bad value for hop";
	case K_MEMBER:
		if (ev->u.nhobj.n_group >= REPLAY_MAX_HOPS)
			return "too many group members";
		if (!parse_member(v, &l->members[ev->u.nhobj.n_group]))
			return "bad value for member";
		ev->u.nhobj.n_group++;
		return NULL;
	case K_COUNT:
		break;
	}
	return "unknown key";
}

/* Splits the next blank-separated token off [*pos, n). */
static bool next_tok(const char *s, size_t n, size_t *pos, struct tok *ret)
{
	size_t i = *pos, start;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n) {
		*pos = i;
		return false;
	}
	start = i;
	while (i < n && s[i] != ' ' && s[i] != '\t')
		i++;
	ret->p = s + start;
	ret->n = i - start;
	*pos = i;
	return true;
}

static bool split_kv(struct tok t, struct tok *k, struct tok *v)
{
	const char *eq = memchr(t.p, '=', t.n);

	if (!eq || eq == t.p)
		return false;
	k->p = t.p;
	k->n = (size_t)(eq - t.p);
	v->p = eq + 1;
	v->n = t.n - k->n - 1;
	return true;
}

static int fail(struct replay_line *ret, int err, const char *why)
{
	ret->why = why;
	return err;
}

static int parse_header(const char *s, size_t n, size_t pos, struct replay_line *ret)
{
	struct tok t, k, v;
	uint64_t version;

	if (!next_tok(s, n, &pos, &t) || !parse_uint(t, UINT32_MAX, &version))
		return fail(ret, -EPROTO, "header without a version number");
	if (version != REPLAY_VERSION)
		return fail(ret, -EPROTO, "unsupported record version (this reader knows 1)");
	ret->kind = REPLAY_HEADER;
	ret->version = (unsigned)version;
	ret->linkdown = ret->linkdown6 = RTW_LINKDOWN_DEFAULT;
	ret->linux_rules = false;
	while (next_tok(s, n, &pos, &t)) {
		enum rtw_linkdown_policy *p;

		if (!split_kv(t, &k, &v))
			return fail(ret, -EINVAL, "expected key=value");
		if (tok_is(k, "rules")) {
			/* a value this reader does not know would replay other
			 * answers than the recorded kernel gave */
			if (!tok_is(v, "linux"))
				return fail(ret, -EINVAL, "bad value for rules");
			ret->linux_rules = true;
			continue;
		}
		if (tok_is(k, "linkdown"))
			p = &ret->linkdown;
		else if (tok_is(k, "linkdown6"))
			p = &ret->linkdown6;
		else
			continue;
		if (tok_is(v, "fallback"))
			*p = RTW_LINKDOWN_FALLBACK;
		else if (tok_is(v, "fail"))
			*p = RTW_LINKDOWN_FAIL;
		else
			return fail(ret, -EINVAL,
				    p == &ret->linkdown ? "bad value for linkdown"
							: "bad value for linkdown6");
	}
	return 0;
}

int replay_parse_line(const char *line, size_t len, struct replay_line *ret)
{
	const struct word *w = NULL;
	struct rtw_event *ev;
	unsigned seen = 0;
	int family = -1;
	size_t pos = 0, i;
	struct tok t, k, v;

	if (!ret)
		return -EINVAL;
	ret->why = NULL;
	if (!line && len)
		return fail(ret, -EINVAL, "no line");
	if (len > REPLAY_LINE_MAX)
		return fail(ret, -EINVAL, "line too long");
	if (len && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(ret, -EINVAL, "control character in line");
	}
	ret->kind = REPLAY_NOTHING;
	if (!next_tok(line, len, &pos, &t) || t.p[0] == '#')
		return 0;
	if (tok_is(t, REPLAY_MAGIC))
		return parse_header(line, len, pos, ret);
	for (i = 0; i < N_WORDS; i++) {
		if (tok_is(t, words[i].name)) {
			w = &words[i];
			break;
		}
	}
	if (!w)
		return fail(ret, -EINVAL, "unknown event word");

	ev = &ret->event;
	memset(ev, 0, sizeof(*ev));
	ev->type = w->type;
	while (next_tok(line, len, &pos, &t)) {
		enum key key = K_COUNT;
		const char *why;

		if (!split_kv(t, &k, &v))
			return fail(ret, -EINVAL, "expected key=value");
		for (i = 0; i < K_COUNT; i++) {
			if (tok_is(k, key_names[i])) {
				key = (enum key)i;
				break;
			}
		}
		if (key == K_COUNT || !(class_keys[w->class] & BIT(key)))
			continue;
		if ((seen & BIT(key)) && !(repeatable & BIT(key)))
			return fail(ret, -EINVAL, "key given twice");
		seen |= BIT(key);
		why = apply_key(key, v, w->class, ev, &family, ret);
		if (why)
			return fail(ret, -EINVAL, why);
	}
	if ((seen & class_required[w->class]) != class_required[w->class])
		return fail(ret, -EINVAL, "missing required key");
	if (w->class == CLASS_ROUTE) {
		if (family >= 0 && family != ev->u.route.dst.addr.family)
			return fail(ret, -EINVAL, "family does not match dst");
		/* any pref, medium too: the writer gives it to inet6 only */
		if ((seen & BIT(K_PREF)) && ev->u.route.dst.addr.family != AF_INET6)
			return fail(ret, -EINVAL, "pref on a route that is not inet6");
		ev->u.route.nexthops = ev->u.route.n_nexthops ? ret->hops : NULL;
	} else if (w->class == CLASS_NHOBJ) {
		ev->u.nhobj.family = family >= 0 ? family : AF_UNSPEC;
		ev->u.nhobj.group = ev->u.nhobj.n_group ? ret->members : NULL;
	} else if (w->class == CLASS_NETCONF) {
		if (family != AF_INET && family != AF_INET6)
			return fail(ret, -EINVAL, "netconf needs family inet or inet6");
		ev->u.netconf.family = family;
	}
	ret->kind = REPLAY_EVENT;
	return 1;
}
