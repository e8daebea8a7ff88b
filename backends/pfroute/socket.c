/* backends/pfroute/socket.c: the PF_ROUTE socket and the sysctl snapshots
 * of FreeBSD, macOS, OpenBSD and NetBSD. Thin on purpose: every byte it
 * reads goes through parse.c. */
/* in this order: the BSD headers expect their prerequisites first */
#include <sys/types.h>

#include <sys/socket.h>
#include <sys/sysctl.h>
#include <sys/time.h>

#include <net/if.h>
#include <net/route.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "mem.h"
#include "parse.h"

#if !defined(__FreeBSD__) && !defined(__APPLE__) && !defined(__OpenBSD__) && !defined(__NetBSD__)
#error "the pfroute backend knows the layouts of FreeBSD, macOS, OpenBSD and NetBSD only"
#endif

/* Larger than any routing message: OpenBSD caps them at 2048 bytes and the
 * others stay well below. A longer one arrives cut and is treated as lost. */
#define READ_BUF_SIZE (16u << 10)
/* The routing socket's default buffer is a few KiB, which an interface
 * flap with a full table overruns at once. */
#define RCVBUF_DEFAULT (8u << 20)
#define RCVBUF_MIN     (128u << 10)
/* A table can grow between sizing the sysctl and reading it. */
#define DUMP_TRIES 8

struct rtw_backend {
	struct rtw_mem mem;
	int fd;
	unsigned flags; /* RTW_OPT_* */
	int fib;
	struct pfroute_parser parser;
	uint8_t *buf;
};

static const uint32_t pfroute_tables[] = { 0, UINT32_MAX };

static int set_flags(int fd)
{
	int fl;

	fl = fcntl(fd, F_GETFD);
	if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
		return -errno;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static void set_rcvbuf(int fd, unsigned want)
{
	int size;

	/* kern.ipc.maxsockbuf and friends cap it; take the largest allowed */
	for (size = (int)want; size >= (int)RCVBUF_MIN; size /= 2)
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == 0)
			return;
}

/* Only the messages the parser turns into events; the rest would be read
 * and dropped anyway. A failure only costs some wakeups. */
static void set_msgfilter(int fd)
{
#if defined(ROUTE_MSGFILTER)
	unsigned int filter = ROUTE_FILTER(RTM_ADD) | ROUTE_FILTER(RTM_DELETE) |
			      ROUTE_FILTER(RTM_CHANGE) | ROUTE_FILTER(RTM_NEWADDR) |
			      ROUTE_FILTER(RTM_DELADDR) | ROUTE_FILTER(RTM_IFINFO) |
			      ROUTE_FILTER(RTM_IFANNOUNCE) | ROUTE_FILTER(RTM_DESYNC);

	(void)setsockopt(fd, AF_ROUTE, ROUTE_MSGFILTER, &filter, sizeof(filter));
#elif defined(RO_MSGFILTER)
	static const unsigned char types[] = { RTM_ADD,	    RTM_DELETE, RTM_CHANGE,    RTM_NEWADDR,
					       RTM_DELADDR, RTM_IFINFO, RTM_IFANNOUNCE };

	(void)setsockopt(fd, PF_ROUTE, RO_MSGFILTER, types, sizeof(types));
#else
	(void)fd;
#endif
}

static int set_fib(int fd, int fib)
{
#if defined(SO_SETFIB)
	/* FreeBSD: route messages are tagged with their FIB and a socket
	 * sees only its own FIB's (interface messages reach every socket) */
	if (setsockopt(fd, SOL_SOCKET, SO_SETFIB, &fib, sizeof(fib)) < 0)
		return -errno;
	return 0;
#elif defined(ROUTE_TABLEFILTER)
	unsigned int tid = (unsigned int)fib;

	if (setsockopt(fd, AF_ROUTE, ROUTE_TABLEFILTER, &tid, sizeof(tid)) < 0)
		return -errno;
	return 0;
#else
	(void)fd;
	(void)fib;
	return -EOPNOTSUPP;
#endif
}

static void pfroute_close(struct rtw_backend *b)
{
	struct rtw_mem mem;

	if (!b)
		return;
	if (b->fd >= 0)
		close(b->fd);
	mem_free(&b->mem, b->buf, READ_BUF_SIZE);
	mem = b->mem;
	mem_free(&mem, b, sizeof(*b));
}

static int pfroute_open(struct rtw_backend **ret_b, const struct rtw_backend_options *opt)
{
	struct rtw_mem mem = { .a = opt ? opt->allocator : NULL };
	struct rtw_backend *b;
	int ret;

	if (!ret_b)
		return -EINVAL;
	b = mem_calloc(&mem, 1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->mem = mem;
	b->fd = -1;
	b->flags = opt ? opt->flags : 0;
	b->fib = (b->flags & RTW_OPT_FIB) ? opt->fib : 0;
	b->buf = mem_alloc(&b->mem, READ_BUF_SIZE);
	if (!b->buf) {
		ret = -ENOMEM;
		goto fail;
	}

	/* the socket first: whatever changes while the dump runs is queued */
	b->fd = socket(PF_ROUTE, SOCK_RAW, AF_UNSPEC);
	if (b->fd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = set_flags(b->fd);
	if (ret < 0)
		goto fail;
#if defined(SO_USELOOPBACK)
	{
		/* our own writes (by the application) need no echo */
		int off = 0;

		(void)setsockopt(b->fd, SOL_SOCKET, SO_USELOOPBACK, &off, sizeof(off));
	}
#endif
#if defined(SO_RERROR)
	{
		/* FreeBSD and NetBSD drop silently on overrun unless asked to
		 * report it as ENOBUFS on the next read */
		int on = 1;

		(void)setsockopt(b->fd, SOL_SOCKET, SO_RERROR, &on, sizeof(on));
	}
#endif
	set_rcvbuf(b->fd, opt && opt->rcvbuf ? opt->rcvbuf : RCVBUF_DEFAULT);
	set_msgfilter(b->fd);
	if (b->flags & RTW_OPT_FIB) {
		ret = set_fib(b->fd, b->fib);
		if (ret < 0)
			goto fail;
	}

	b->parser.abi = pfroute_abi_native;
	b->parser.table = (uint32_t)b->fib;
	*ret_b = b;
	return 0;
fail:
	pfroute_close(b);
	return ret;
}

static int pfroute_fd(struct rtw_backend *b)
{
	return b ? b->fd : -EBADF;
}

/* RTM_IFINFO from the socket carries no RTA_IFP, so no name: ask for it,
 * or the model would learn that the interface lost its name. */
struct named_sink {
	rtw_sink *sink;
	void *arg;
};

static int name_links(void *arg, const struct rtw_event *ev)
{
	const struct named_sink *ns = arg;
	struct rtw_event named;
	char name[IF_NAMESIZE];

	if ((ev->type != RTW_EV_LINK_UP && ev->type != RTW_EV_LINK_DOWN) ||
	    ev->u.link.name[0] != '\0' || ev->u.link.ifindex <= 0 ||
	    !if_indextoname((unsigned)ev->u.link.ifindex, name))
		return ns->sink(ns->arg, ev);
	named = *ev;
	_Static_assert(IF_NAMESIZE <= sizeof(named.u.link.name), "link name too small");
	memcpy(named.u.link.name, name, strnlen(name, IF_NAMESIZE - 1));
	return ns->sink(ns->arg, &named);
}

static int emit(rtw_sink *sink, void *arg, enum rtw_event_type type)
{
	struct rtw_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	return sink(arg, &ev);
}

/* Read one sysctl snapshot into memory from b's allocator. */
static int fetch(struct rtw_backend *b, int *mib, unsigned miblen, uint8_t **ret_buf,
		 size_t *ret_len, size_t *ret_size)
{
	int tries;

	for (tries = 0; tries < DUMP_TRIES; tries++) {
		size_t need = 0, size, len;
		uint8_t *buf;

		if (sysctl(mib, miblen, NULL, &need, NULL, 0) < 0)
			return -errno;
		size = need + need / 8 + 1024;
		buf = mem_alloc(&b->mem, size);
		if (!buf)
			return -ENOMEM;
		len = size;
		if (sysctl(mib, miblen, buf, &len, NULL, 0) == 0) {
			*ret_buf = buf;
			*ret_len = len;
			*ret_size = size;
			return 0;
		}
		{
			int err = errno;

			mem_free(&b->mem, buf, size);
			/* ENOMEM: it grew since we asked; ask again */
			if (err != ENOMEM)
				return -err;
		}
	}
	return -ENOMEM;
}

/* Hand every message of a snapshot to the parser. One the parser cannot
 * read is skipped: the kernel wrote it, and one odd entry should not keep
 * the rest of the table from being seen. The dump state is this
 * snapshot's alone: its first message of a route is never an append. */
static int dump_one(struct rtw_backend *b, int *mib, unsigned miblen, rtw_sink *sink, void *arg)
{
	struct pfroute_dump dump = { 0 };
	uint8_t *buf;
	size_t len, size, off = 0;
	int ret;

	ret = fetch(b, mib, miblen, &buf, &len, &size);
	if (ret < 0)
		return ret;
	while (off < len) {
		int n = pfroute_msg_len(buf + off, len - off);

		if (n < 0) {
			ret = n;
			break;
		}
		ret = pfroute_parse_msg(&b->parser, &dump, buf + off, (size_t)n, sink, arg);
		if (ret < 0 && ret != -EBADMSG)
			break;
		ret = 0;
		off += (size_t)n;
	}
	mem_free(&b->mem, buf, size);
	return ret;
}

static int pfroute_dump(struct rtw_backend *b, rtw_sink *sink, void *arg)
{
	/* interfaces with their addresses, then routes; AF_UNSPEC = all
	 * families. The 7th element names the FIB (FreeBSD) or rtable
	 * (OpenBSD); without it the process's own is used. */
	int iflist[6] = { CTL_NET, PF_ROUTE, 0, AF_UNSPEC, NET_RT_IFLIST, 0 };
	int routes[7] = { CTL_NET, PF_ROUTE, 0, AF_UNSPEC, NET_RT_DUMP, 0, 0 };
	unsigned routes_len = 6;
	int ret;

	if (!b || !sink)
		return -EINVAL;
	if (b->flags & RTW_OPT_FIB) {
		routes[6] = b->fib;
		routes_len = 7;
	}
	ret = emit(sink, arg, RTW_EV_DUMP_BEGIN);
	if (ret < 0)
		return ret;
	ret = dump_one(b, iflist, 6, sink, arg);
	if (ret < 0)
		return ret;
	ret = dump_one(b, routes, routes_len, sink, arg);
	if (ret < 0)
		return ret;
	return emit(sink, arg, RTW_EV_DUMP_END);
}

static int pfroute_read(struct rtw_backend *b, rtw_sink *sink, void *arg)
{
	struct named_sink ns = { sink, arg };
	int total = 0, msgs;

	if (!b || !sink)
		return -EINVAL;
	for (msgs = 0; msgs < RTW_READ_MAX_MSGS; msgs++) {
		ssize_t n = recv(b->fd, b->buf, READ_BUF_SIZE, 0);
		int ret;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno != ENOBUFS)
				return -errno;
			/* SO_RERROR: the kernel dropped messages for us */
			ret = emit(sink, arg, RTW_EV_OVERFLOW);
			if (ret == 0)
				ret = 1;
		} else if (n == 0) {
			break;
		} else {
			ret =
			    pfroute_parse_datagram(&b->parser, b->buf, (size_t)n, name_links, &ns);
			/* a message we cannot read may hide a change: resync */
			if (ret == -EBADMSG) {
				ret = emit(sink, arg, RTW_EV_OVERFLOW);
				if (ret == 0)
					ret = 1;
			}
		}
		if (ret < 0)
			return ret;
		total += ret;
	}
	return total;
}

static size_t pfroute_memory(const struct rtw_backend *b)
{
	return b->mem.bytes;
}

/* Datagrams that no kernel sent: relayed writes it refused
 * (pfroute_parse_datagram()). */
static uint64_t pfroute_foreign_dropped(struct rtw_backend *b)
{
	return b ? b->parser.dropped : 0;
}

/* linkdown, per kernel, when the best route's link is down:
 * - FreeBSD: fib4_lookup()/fib6_lookup() fail when the best match's
 *   interface fails RT_LINK_IS_UP, without trying a shorter prefix; no
 *   route is deleted, only RTM_IFINFO is sent.
 * - OpenBSD: rt_if_linkstate_change() clears RTF_UP and sets RTP_DOWN on
 *   the routes in place, with no message per route; rtisvalid() then
 *   rejects them, so the lookup fails too (RTW_LINKDOWN_FAIL).
 * - NetBSD and macOS: not verified; they are given the same policy.
 * default_tables is fixed at build time: FIB/rtable 0. Routes carry the FIB
 * given with RTW_OPT_FIB (OpenBSD: the message's rtm_tableid), so a context
 * opened on another FIB must look up {fib, UINT32_MAX}. */
const struct rtw_backend_ops rtw_backend_pfroute = {
	.name = "pfroute",
	.open = pfroute_open,
	.fd = pfroute_fd,
	.dump = pfroute_dump,
	.read = pfroute_read,
	.foreign_dropped = pfroute_foreign_dropped,
	.memory = pfroute_memory,
	.close = pfroute_close,
	.linkdown = RTW_LINKDOWN_FAIL,
	.default_tables = pfroute_tables,
};
