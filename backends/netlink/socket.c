/* backends/netlink/socket.c: the Linux backend's I/O. Owns the NETLINK_ROUTE
 * sockets (change notifications, dump requests, and a watch on IPv6 route
 * deletions that makes dumps exact), the receive buffer and the parser's
 * scratch space; parse.c does the rest. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netconf.h>
#include <linux/netlink.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>

#include "backend.h"
#include "mem.h"
#include "parse.h"

#define DEFAULT_RCVBUF (8u << 20)
/* The kernel sizes dump datagrams to at most 32 KiB; a single larger
 * message (a route with thousands of hops) grows the buffer on MSG_TRUNC. */
#define BUF_INITIAL (32u << 10)
#define BUF_MAX	    (4u << 20)
/* Scratch at first: room for the hops of a message this long. */
#define SCRATCH_INITIAL 512
/* Dump restarts after NLM_F_DUMP_INTR or truncation before giving up. */
#define DUMP_RETRIES 64
/* IPv6 route dumps asked again because routes were deleted meanwhile; then
 * the dump is taken as it is and a new one is asked for later. */
#define DUMP_V6_RETRIES 4

struct rtw_backend {
	struct rtw_mem mem;
	struct mnl_socket *events;  /* multicast groups: notifications */
	struct mnl_socket *dumps;   /* requests and their replies */
	struct mnl_socket *v6watch; /* IPv6 route changes, only to see a dump's race */
	bool resync_later;	    /* a dump may have missed routes: ask again */
	/* A silent change was read, and the read stopped at its bound: the
	 * resync it needs comes once the queue is empty (netlink_read()). */
	bool resync_drained;
	bool more; /* the last read stopped at its bound with messages left */
	uint32_t dump_portid;
	uint32_t seq;
	uint8_t *buf;
	size_t buf_len;
	struct nl_parser parser;
	uint64_t foreign;
	enum rtw_linkdown_policy linkdown4, linkdown6; /* read at open */
};

static int errno_or(int fallback)
{
	return errno > 0 ? -errno : -fallback;
}

/* The receive buffer. On failure it keeps its size. */
static int grow_buffer(struct rtw_backend *b, size_t len)
{
	uint8_t *buf = mem_realloc(&b->mem, b->buf, b->buf_len, len);

	if (!buf)
		return -ENOMEM;
	b->buf = buf;
	b->buf_len = len;
	return 0;
}

/* Scratch for the hops (or group members) of one message of msg_len bytes,
 * grown on demand: most messages have one hop, a few have thousands. Scratch
 * that grew before a failure only wastes a little. */
static int ensure_scratch(struct rtw_backend *b, size_t msg_len)
{
	size_t need = nl_parse_max_hops(msg_len);
	struct rtw_nexthop *h;
	struct rtw_nhobj_member *m;

	if (need <= b->parser.hops_cap && need <= b->parser.members_cap)
		return 0;
	if (need > UINT32_MAX)
		return -EMSGSIZE;
	if (need > b->parser.hops_cap) {
		h = mem_realloc(&b->mem, b->parser.hops, b->parser.hops_cap * sizeof(*h),
				need * sizeof(*h));
		if (!h)
			return -ENOMEM;
		b->parser.hops = h;
		b->parser.hops_cap = (unsigned)need;
	}
	if (need > b->parser.members_cap) {
		m = mem_realloc(&b->mem, b->parser.members, b->parser.members_cap * sizeof(*m),
				need * sizeof(*m));
		if (!m)
			return -ENOMEM;
		b->parser.members = m;
		b->parser.members_cap = (unsigned)need;
	}
	return 0;
}

static int grow_after_trunc(struct rtw_backend *b)
{
	if (b->buf_len >= BUF_MAX)
		return -EMSGSIZE;
	return grow_buffer(b, b->buf_len * 2);
}

static void netlink_close(struct rtw_backend *b)
{
	struct rtw_mem mem;

	if (!b)
		return;
	if (b->events)
		mnl_socket_close(b->events);
	if (b->dumps)
		mnl_socket_close(b->dumps);
	if (b->v6watch)
		mnl_socket_close(b->v6watch);
	mem_free(&b->mem, b->parser.hops, b->parser.hops_cap * sizeof(struct rtw_nexthop));
	mem_free(&b->mem, b->parser.members,
		 b->parser.members_cap * sizeof(struct rtw_nhobj_member));
	mem_free(&b->mem, b->buf, b->buf_len);
	mem = b->mem;
	mem_free(&mem, b, sizeof(*b));
}

/* A burst of notifications (a route flap, a full BGP table) must fit while
 * the application is busy; SO_RCVBUFFORCE passes rmem_max when we may. */
static void set_rcvbuf(struct mnl_socket *nl, unsigned size)
{
	int v = size > INT32_MAX / 2 ? INT32_MAX / 2 : (int)size;
	int fd = mnl_socket_get_fd(nl);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
}

static int subscribe(struct mnl_socket *nl)
{
	static const unsigned groups[] = { RTNLGRP_LINK,	 RTNLGRP_IPV4_IFADDR,
					   RTNLGRP_IPV6_IFADDR,	 RTNLGRP_IPV4_ROUTE,
					   RTNLGRP_IPV6_ROUTE,	 RTNLGRP_NEXTHOP,
					   RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_NETCONF };
	size_t i;

	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		int g = (int)groups[i];

		if (mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0) {
			/* kernels before 5.3 have no nexthop objects */
			if (groups[i] == RTNLGRP_NEXTHOP && errno == EINVAL)
				continue;
			return errno_or(EINVAL);
		}
	}
	return 0;
}

/* IPv6 route dumps carry no NLM_F_DUMP_INTR: when the tree changes between
 * two datagrams, the kernel (fib6_dump_table) walks again from the root and
 * skips as many nodes as it had sent, so a route deleted ahead of the cursor
 * makes it skip one that never changed, and the sweep at DUMP_END would
 * delete it from the model for good. This socket hears every IPv6 route
 * change; a deletion during the IPv6 step means that step is asked again. */
static int open_v6watch(struct rtw_backend *b)
{
	int g = RTNLGRP_IPV6_ROUTE;

	b->v6watch = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!b->v6watch)
		return errno_or(ENOMEM);
	if (mnl_socket_bind(b->v6watch, 0, MNL_SOCKET_AUTOPID) < 0)
		return errno_or(EINVAL);
	/* a kernel without IPv6 has no race to watch */
	if (mnl_socket_setsockopt(b->v6watch, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0) {
		mnl_socket_close(b->v6watch);
		b->v6watch = NULL;
	}
	return 0;
}

/* What the kernel's lookup does with a route whose links are all down: with
 * net.ipv{4,6}.conf.all.ignore_routes_with_linkdown set it passes over it
 * to the next route (fallback); unset, the default, it keeps it and the
 * packets go nowhere (fail). The device's own setting also counts for IPv4
 * and is IPv6's only one (writing "all" sets every device's): what was set
 * on one device alone is not seen. /proc/sys/net is the caller's network
 * namespace's. RTW_LINKDOWN_DEFAULT when it cannot be read. */
static enum rtw_linkdown_policy read_linkdown(const char *path)
{
	char c = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return RTW_LINKDOWN_DEFAULT;
	n = read(fd, &c, 1);
	close(fd);
	if (n != 1 || c < '0' || c > '9')
		return RTW_LINKDOWN_DEFAULT;
	return c == '0' ? RTW_LINKDOWN_FAIL : RTW_LINKDOWN_FALLBACK;
}

static enum rtw_linkdown_policy netlink_linkdown(const struct rtw_backend *b, int family)
{
	if (!b)
		return RTW_LINKDOWN_DEFAULT;
	return family == AF_INET6 ? b->linkdown6 : b->linkdown4;
}

static int netlink_open(struct rtw_backend **ret_b, const struct rtw_backend_options *opt)
{
	struct rtw_mem mem = { .a = opt ? opt->allocator : NULL };
	struct rtw_backend *b;
	int err;

	b = mem_calloc(&mem, 1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->mem = mem;
	err = grow_buffer(b, BUF_INITIAL);
	if (err == 0)
		err = ensure_scratch(b, SCRATCH_INITIAL);
	if (err < 0)
		goto fail;

	/* Subscribed before anything is dumped, so a change made while the
	 * dump runs waits on this socket instead of falling between the two. */
	b->events = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!b->events) {
		err = errno_or(ENOMEM);
		goto fail;
	}
	set_rcvbuf(b->events, opt && opt->rcvbuf ? opt->rcvbuf : DEFAULT_RCVBUF);
	if (mnl_socket_bind(b->events, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = errno_or(EINVAL);
		goto fail;
	}
	err = subscribe(b->events);
	if (err < 0)
		goto fail;

	b->dumps = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!b->dumps) {
		err = errno_or(ENOMEM);
		goto fail;
	}
	if (mnl_socket_bind(b->dumps, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = errno_or(EINVAL);
		goto fail;
	}
	b->dump_portid = mnl_socket_get_portid(b->dumps);
	err = open_v6watch(b);
	if (err < 0)
		goto fail;
	b->parser.notification = true;
	b->linkdown4 = read_linkdown("/proc/sys/net/ipv4/conf/all/ignore_routes_with_linkdown");
	b->linkdown6 = read_linkdown("/proc/sys/net/ipv6/conf/all/ignore_routes_with_linkdown");
	*ret_b = b;
	return 0;
fail:
	netlink_close(b);
	return err;
}

static int netlink_fd(struct rtw_backend *b)
{
	return b ? mnl_socket_get_fd(b->events) : -EBADF;
}

static size_t netlink_memory(const struct rtw_backend *b)
{
	return b->mem.bytes;
}

static uint64_t netlink_foreign_dropped(struct rtw_backend *b)
{
	return b ? b->foreign : 0;
}

/* One datagram. Returns its length, 0 for a datagram to ignore (not from the
 * kernel: counted), -EMSGSIZE for a truncated one, or -errno. */
static ssize_t receive(struct rtw_backend *b, struct mnl_socket *nl, int flags)
{
	struct sockaddr_nl from;
	struct iovec iov = { b->buf, b->buf_len };
	struct msghdr msg = { 0 };
	ssize_t n;

	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	do {
		n = recvmsg(mnl_socket_get_fd(nl), &msg, flags);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno_or(EIO);
	/* Only the kernel (port 0) speaks for the routing table; any process
	 * can unicast to our port id. */
	if (msg.msg_namelen != sizeof(from) || from.nl_family != AF_NETLINK || from.nl_pid != 0) {
		b->foreign++;
		return 0;
	}
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	return n;
}

static int deliver_overflow(rtw_sink *sink, void *arg)
{
	struct rtw_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_OVERFLOW;
	return sink(arg, &ev);
}

/* The messages still queued when the kernel reports a loss are partly older
 * than the lost one; applied after the coming re-dump they would resurrect
 * stale state. Everything queued now predates the dump, so it goes. */
static void discard_queue(struct rtw_backend *b)
{
	unsigned long i;

	for (i = 0; i < 1000000; i++) {
		ssize_t n = recv(mnl_socket_get_fd(b->events), b->buf, b->buf_len,
				 MSG_DONTWAIT | MSG_TRUNC);

		if (n < 0 && errno != EINTR && errno != ENOBUFS)
			break;
	}
}

/* The messages of one notification datagram. Returns the number of events,
 * -EBADMSG (unreadable), -ENOMEM (no scratch) or the sink's error. */
static int parse_datagram(struct rtw_backend *b, size_t len, rtw_sink *sink, void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)b->buf;
	int left = (int)len, events = 0, r;

	nl_parse_begin(&b->parser, true);
	for (; left > 0; nlh = mnl_nlmsg_next(nlh, &left)) {
		if (!nl_msg_ok(nlh, (size_t)left))
			return -EBADMSG;
		/* no request is ever sent on this socket: no ACK, DONE or
		 * ERROR can be ours */
		if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
			continue;
		r = ensure_scratch(b, nlh->nlmsg_len);
		if (r < 0)
			return r;
		r = nl_parse_msg(&b->parser, nlh, (size_t)left, sink, arg);
		if (r < 0)
			return r;
		events += r;
	}
	return events;
}

/* Whether a datagram (or a loss) waits on the events socket. */
static bool queued(struct rtw_backend *b)
{
	char c;

	return recv(mnl_socket_get_fd(b->events), &c, 1, MSG_PEEK | MSG_DONTWAIT) >= 0 ||
	       (errno != EAGAIN && errno != EWOULDBLOCK);
}

static int netlink_read(struct rtw_backend *b, rtw_sink *sink, void *arg)
{
	int events = 0;
	bool resync = b->resync_drained;
	unsigned got = 0;

	b->resync_drained = false;
	b->more = false;
	if (b->resync_later) {
		int r = deliver_overflow(sink, arg);

		if (r < 0)
			return r;
		b->resync_later = false;
		return 1;
	}

	for (;;) {
		ssize_t n;
		int r;

		if (got == RTW_READ_MAX_MSGS) {
			/* the rest on the next call; a resync still waits for
			 * the queue to empty, which it may have just done (the
			 * descriptor would then not wake the caller for it) */
			if (resync && !queued(b)) {
				r = deliver_overflow(sink, arg);
				return r < 0 ? r : events + 1;
			}
			b->resync_drained = resync;
			b->more = true;
			return events;
		}
		n = receive(b, b->events, MSG_DONTWAIT);
		if (n == -EAGAIN || n == -EWOULDBLOCK) {
			if (!resync)
				return events;
			r = deliver_overflow(sink, arg);
			return r < 0 ? r : events + 1;
		}
		if (n == -ENOBUFS) {
			discard_queue(b);
			r = deliver_overflow(sink, arg);
			return r < 0 ? r : events + 1;
		}
		if (n == -EMSGSIZE) {
			/* Only the truncated message is lost; what follows is
			 * complete, so no discarding. A failed grow shows up
			 * again as an error of the re-dump. */
			(void)grow_after_trunc(b);
			r = deliver_overflow(sink, arg);
			return r < 0 ? r : events + 1;
		}
		if (n < 0) {
			b->resync_later = resync;
			return (int)n;
		}
		got++;
		if (n == 0)
			continue;

		b->parser.need_resync = false;
		r = parse_datagram(b, (size_t)n, sink, arg);
		if (r == -EBADMSG || r == -ENOSPC || r == -ENOMEM || r == -EMSGSIZE) {
			/* A kernel message we cannot read (or have no room to
			 * read) is a lost event; the error still tells why. */
			int o = deliver_overflow(sink, arg);

			if (o < 0)
				return o;
			return r == -ENOMEM ? r : events + 1;
		}
		if (r < 0) {
			b->resync_later = resync || b->parser.need_resync;
			return r;
		}
		events += r;
		/* A change the kernel made silently: the dump that follows
		 * must come after everything already queued, or those
		 * notifications arrive after it, stale (a deletion the dump
		 * already shows would take another route of the key). The
		 * kernel queues all of one change's notifications before a
		 * read can see the first. */
		resync = resync || b->parser.need_resync;
	}
}

static int send_dump_request(struct rtw_backend *b, uint16_t type, uint8_t family)
{
	/* room for the largest family header we send (struct ifinfomsg) */
	char req[NLMSG_ALIGN(sizeof(struct nlmsghdr)) + NLMSG_ALIGN(sizeof(struct ifinfomsg)) +
		 NLMSG_ALIGN(sizeof(struct rtmsg))];
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;

	memset(req, 0, sizeof(req));
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++b->seq;
	/* Every rtnetlink dump starts its header with the family byte; a
	 * full-size header keeps strict-checking kernels content. */
	switch (type) {
	case RTM_GETLINK:
		mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
		break;
	case RTM_GETADDR:
		mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifaddrmsg));
		break;
	case RTM_GETNEXTHOP:
		mnl_nlmsg_put_extra_header(nlh, sizeof(struct nhmsg));
		break;
	case RTM_GETNETCONF:
		mnl_nlmsg_put_extra_header(nlh, sizeof(struct netconfmsg));
		break;
	default:
		mnl_nlmsg_put_extra_header(nlh, sizeof(struct rtmsg));
		break;
	}
	g = mnl_nlmsg_get_payload(nlh);
	g->rtgen_family = family;
	if (mnl_socket_sendto(b->dumps, nlh, nlh->nlmsg_len) < 0)
		return errno_or(EIO);
	return 0;
}

/* One request and its reply; *events counts what reached the sink (an
 * interrupted pass delivers too). Returns 0, -EAGAIN when the reply must be
 * asked for again (interrupted or truncated), or -errno. The reply is always
 * read to its end: the kernel refuses a new dump on this socket while one is
 * unfinished. */
static int dump_one(struct rtw_backend *b, uint16_t type, uint8_t family, rtw_sink *sink, void *arg,
		    int *events)
{
	int err, fail = 0;

	err = send_dump_request(b, type, family);
	if (err < 0)
		return err;
	nl_parse_begin(&b->parser, false);
	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t n = receive(b, b->dumps, 0);
		int left;

		if (n == -EMSGSIZE) {
			/* That datagram is gone; read the reply to its end
			 * with a larger buffer, then ask again. */
			err = grow_after_trunc(b);
			if (!fail)
				fail = err < 0 ? err : -EAGAIN;
			continue;
		}
		if (n < 0)
			return (int)n;
		nlh = (const struct nlmsghdr *)b->buf;
		left = (int)n;
		for (; left > 0; nlh = mnl_nlmsg_next(nlh, &left)) {
			if (!nl_msg_ok(nlh, (size_t)left)) {
				/* the rest of this datagram is unreadable */
				if (!fail)
					fail = -EBADMSG;
				break;
			}
			/* a late reply to an earlier request */
			if (!mnl_nlmsg_portid_ok(nlh, b->dump_portid) ||
			    !mnl_nlmsg_seq_ok(nlh, b->seq))
				continue;
			if ((nlh->nlmsg_flags & NLM_F_DUMP_INTR) && !fail)
				fail = -EAGAIN;
			if (nlh->nlmsg_type == NLMSG_DONE) {
				const int *status = mnl_nlmsg_get_payload(nlh);

				if (!fail && mnl_nlmsg_get_payload_len(nlh) >= sizeof(int) &&
				    *status < 0)
					fail = *status;
				return fail;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				/* a failed request gets this instead of DONE */
				if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
					return fail ? fail : -EBADMSG;
				if (e->error < 0)
					return fail ? fail : e->error;
				continue;
			}
			if (nlh->nlmsg_type < NLMSG_MIN_TYPE || fail)
				continue;
			err = ensure_scratch(b, nlh->nlmsg_len);
			if (err == 0)
				err = nl_parse_msg(&b->parser, nlh, (size_t)left, sink, arg);
			if (err < 0)
				fail = err;
			else
				*events += err;
		}
	}
}

/* Whether an IPv6 route was deleted (or a change lost) since the last call;
 * empties the watch socket. */
static bool v6_deleted(struct rtw_backend *b)
{
	bool deleted = false;
	unsigned long i;

	if (!b->v6watch)
		return false;
	for (i = 0; i < 1000000; i++) {
		ssize_t n = receive(b, b->v6watch, MSG_DONTWAIT);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)b->buf;
		int left = (int)n;

		if (n == -EAGAIN || n == -EWOULDBLOCK)
			break;
		if (n < 0) {
			/* ENOBUFS, truncation: something changed unseen */
			deleted = true;
			if (n != -ENOBUFS && n != -EMSGSIZE)
				break;
			continue;
		}
		for (; left > 0 && nl_msg_ok(nlh, (size_t)left); nlh = mnl_nlmsg_next(nlh, &left))
			deleted |= nlh->nlmsg_type == RTM_DELROUTE;
	}
	return deleted;
}

/* A burst of changes (a daemon installing thousands of routes) can
 * interrupt dump after dump; waiting a little longer each time lets the
 * burst pass instead of giving up after a few milliseconds. About 5 s in
 * all before -EBUSY. */
static void dump_backoff(int tries)
{
	struct timespec ts = { 0, 0 };
	long ms = tries < 10 ? 1L << (tries - 4) : 100;

	ts.tv_nsec = ms * 1000000L;
	nanosleep(&ts, NULL);
}

static int netlink_dump(struct rtw_backend *b, rtw_sink *sink, void *arg)
{
	/* Links and addresses first, so routes and nexthops name known links;
	 * nexthop objects before the routes that use them; the devices'
	 * settings (netconf) before the routes their lookups depend on. */
	static const struct {
		uint16_t type;
		uint8_t family;
	} steps[] = {
		{ RTM_GETLINK, AF_UNSPEC },    { RTM_GETADDR, AF_UNSPEC },
		{ RTM_GETNETCONF, AF_INET },   { RTM_GETNETCONF, AF_INET6 },
		{ RTM_GETNEXTHOP, AF_UNSPEC }, { RTM_GETROUTE, AF_INET },
		{ RTM_GETROUTE, AF_INET6 },
	};
	struct rtw_event ev;
	int events = 0, err;
	size_t i;

	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_DUMP_BEGIN;
	err = sink(arg, &ev);
	if (err < 0)
		return err;
	events++;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		bool v6 = steps[i].type == RTM_GETROUTE && steps[i].family == AF_INET6;
		int tries = 0, v6_tries = 0;

		/* A step that was interrupted is asked for again within the
		 * same snapshot: what it reported twice is marked twice, what
		 * changed meanwhile also waits as a notification. */
		do {
			if (v6)
				(void)v6_deleted(b); /* only changes from now on count */
			err = dump_one(b, steps[i].type, steps[i].family, sink, arg, &events);
			if (err == 0 && v6 && v6_deleted(b)) {
				if (++v6_tries <= DUMP_V6_RETRIES)
					err = -EAGAIN;
				else /* a storm: keep this one, check again soon */
					b->resync_later = true;
			}
			if (err == -EAGAIN && tries >= 4)
				dump_backoff(tries);
		} while (err == -EAGAIN && ++tries < DUMP_RETRIES);
		if (err == -EAGAIN)
			err = -EBUSY;
		/* no nexthop objects (or netconf dumps) in this kernel:
		 * nothing to dump; lookups keep the settings read at open */
		if (err < 0 &&
		    (steps[i].type == RTM_GETNEXTHOP || steps[i].type == RTM_GETNETCONF) &&
		    (err == -EINVAL || err == -EOPNOTSUPP))
			err = 0;
		if (err < 0) {
			nl_parse_begin(&b->parser, true);
			return err;
		}
	}
	nl_parse_begin(&b->parser, true);
	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_DUMP_END;
	err = sink(arg, &ev);
	if (err < 0)
		return err;
	return events + 1;
}

static bool netlink_more(const struct rtw_backend *b)
{
	return b->more;
}

/* Some kernels (6.1, Debian 12's) tell nobody when one device's IPv6
 * ignore_routes_with_linkdown changes (their addrconf_fixup_linkdown()
 * notifies "all" and "default" only), and the setting only matters once a
 * carrier is gone: when one is, the devices' settings are dumped again, as
 * a resync takes them. */
static int netlink_carrier_lost(struct rtw_backend *b, rtw_sink *sink, void *arg)
{
	int events = 0, err, tries = 0;

	do
		err = dump_one(b, RTM_GETNETCONF, AF_INET6, sink, arg, &events);
	while (err == -EAGAIN && ++tries < 4);
	nl_parse_begin(&b->parser, true);
	/* no netconf dumps in this kernel: nothing to learn (as netlink_dump) */
	if (err == -EINVAL || err == -EOPNOTSUPP)
		err = 0;
	return err < 0 ? err : events;
}

const struct rtw_backend_ops rtw_backend_netlink = {
	.name = "netlink",
	.open = netlink_open,
	.fd = netlink_fd,
	.dump = netlink_dump,
	.read = netlink_read,
	.foreign_dropped = netlink_foreign_dropped,
	.memory = netlink_memory,
	.close = netlink_close,
	/* ignore_routes_with_linkdown is 0 unless set */
	.linkdown = RTW_LINKDOWN_FAIL,
	.linkdown_of = netlink_linkdown,
	.carrier_lost = netlink_carrier_lost,
	.more = netlink_more,
	.default_tables =
	    (const uint32_t[]){ RTW_TABLE_LOCAL, RTW_TABLE_MAIN, RTW_TABLE_DEFAULT, UINT32_MAX },
	/* `ip -6 rule` has no rule for the default table */
	.default_tables6 = (const uint32_t[]){ RTW_TABLE_LOCAL, RTW_TABLE_MAIN, UINT32_MAX },
	/* without custom rules fib_lookup() searches one trie holding local and
	 * main (fib_trie "merge local and main"), so the longest prefix of both
	 * wins, local first on ties */
	.merge_local_main = true,
};
