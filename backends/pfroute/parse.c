/* backends/pfroute/parse.c: routing-socket and sysctl messages of the BSDs
 * and macOS to rtw_events, for any of the layouts in abi.h. Pure: it reads
 * bytes, checks every length first, and never includes a BSD header. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "parse.h"

const struct pfroute_abi pfroute_abi_freebsd = {
	.name = "freebsd-amd64",
	.version = PFR_FREEBSD_VERSION,
	.sa_align = PFR_FREEBSD_SA_ALIGN,
	.rtax_max = PFR_FREEBSD_RTAX_MAX,
	.af_inet = PFR_AF_INET,
	.af_inet6 = PFR_FREEBSD_AF_INET6,
	.af_link = PFR_AF_LINK,
	.rtm_add = PFR_RTM_ADD,
	.rtm_delete = PFR_RTM_DELETE,
	.rtm_change = PFR_RTM_CHANGE,
	.rtm_get = PFR_RTM_GET,
	.rtm_newaddr = PFR_FREEBSD_RTM_NEWADDR,
	.rtm_deladdr = PFR_FREEBSD_RTM_DELADDR,
	.rtm_ifinfo = PFR_FREEBSD_RTM_IFINFO,
	.rtm_ifannounce = PFR_FREEBSD_RTM_IFANNOUNCE,
	.rtm_desync = 0,
	.rt_size = PFR_FREEBSD_RT_SIZE,
	.rt_hdrlen = -1,
	.rt_index = PFR_FREEBSD_RT_INDEX,
	.rt_flags = PFR_FREEBSD_RT_FLAGS,
	.rt_addrs = PFR_FREEBSD_RT_ADDRS,
	.rt_pid = PFR_FREEBSD_RT_PID,
	.rt_errno = PFR_FREEBSD_RT_ERRNO,
	.rt_tableid = -1,
	.rt_priority = -1,
	.ifm_size = PFR_FREEBSD_IFM_SIZE,
	.ifm_hdrlen = -1,
	.ifm_addrs = PFR_FREEBSD_IFM_ADDRS,
	.ifm_flags = PFR_FREEBSD_IFM_FLAGS,
	.ifm_index = PFR_FREEBSD_IFM_INDEX,
	.ifm_link_state = PFR_FREEBSD_IFM_LINK_STATE,
	.ifm_link_state_size = 1,
	.linkstate = PFROUTE_LS_FREEBSD,
	.ifam_size = PFR_FREEBSD_IFAM_SIZE,
	.ifam_hdrlen = -1,
	.ifam_addrs = PFR_FREEBSD_IFAM_ADDRS,
	.ifam_flags = PFR_FREEBSD_IFAM_FLAGS,
	.ifam_index = PFR_FREEBSD_IFAM_INDEX,
	.ifan_size = PFR_FREEBSD_IFAN_SIZE,
	.ifan_hdrlen = -1,
	.ifan_index = PFR_FREEBSD_IFAN_INDEX,
	.ifan_name = PFR_FREEBSD_IFAN_NAME,
	.ifan_what = PFR_FREEBSD_IFAN_WHAT,
	.ifan_departure = PFR_IFAN_DEPART,
	.rtf_gateway = PFR_RTF_GATEWAY,
	.rtf_host = PFR_RTF_HOST,
	.rtf_reject = PFR_RTF_REJECT,
	.rtf_blackhole = PFR_RTF_BLACKHOLE,
	.rtf_static = PFR_RTF_STATIC,
	.rtf_dynamic = PFR_RTF_DYNAMIC,
	.rtf_local = PFR_FREEBSD_RTF_LOCAL,
	.rtf_broadcast = PFR_FREEBSD_RTF_BROADCAST,
	.rtf_multicast = PFR_FREEBSD_RTF_MULTICAST,
	/* lltable (ARP/NDP) events come as RTM_ADD/RTM_DELETE with RTF_LLINFO */
	.rtf_skip = PFR_RTF_LLINFO,
	.iff_up = PFR_IFF_UP,
	.iff_running = PFR_IFF_RUNNING,
	/* ROUTE_MPATH (13+): rtsock splits every change that involves a
	 * nexthop group into one RTM_ADD or RTM_DELETE per path
	 * (rib_decompose_notification(), a changed weight as DELETE + ADD), so
	 * RTM_CHANGE only ever speaks of single-path routes, and a whole
	 * multipath route removed (its interface gone) comes as one RTM_DELETE
	 * per path. A delete request without a gateway fails on a multipath
	 * route in current sources (ESRCH from rt_delete_conditional()), so
	 * every RTM_DELETE names its path. The sysctl dump gives one message
	 * per path of a route, consecutively, in nexthop-index order. */
	.multipath = 1,
};

const struct pfroute_abi pfroute_abi_macos = {
	.name = "macos",
	.version = PFR_MACOS_VERSION,
	.sa_align = PFR_MACOS_SA_ALIGN,
	.rtax_max = PFR_MACOS_RTAX_MAX,
	.af_inet = PFR_AF_INET,
	.af_inet6 = PFR_MACOS_AF_INET6,
	.af_link = PFR_AF_LINK,
	.rtm_add = PFR_RTM_ADD,
	.rtm_delete = PFR_RTM_DELETE,
	.rtm_change = PFR_RTM_CHANGE,
	.rtm_get = PFR_RTM_GET,
	.rtm_newaddr = PFR_MACOS_RTM_NEWADDR,
	.rtm_deladdr = PFR_MACOS_RTM_DELADDR,
	.rtm_ifinfo = PFR_MACOS_RTM_IFINFO,
	.rtm_ifannounce = 0, /* xnu reports departures as kernel events only */
	.rtm_desync = 0,
	.rt_size = PFR_MACOS_RT_SIZE,
	.rt_hdrlen = -1,
	.rt_index = PFR_MACOS_RT_INDEX,
	.rt_flags = PFR_MACOS_RT_FLAGS,
	.rt_addrs = PFR_MACOS_RT_ADDRS,
	.rt_pid = PFR_MACOS_RT_PID,
	.rt_errno = PFR_MACOS_RT_ERRNO,
	.rt_tableid = -1,
	.rt_priority = -1,
	.ifm_size = PFR_MACOS_IFM_SIZE,
	.ifm_hdrlen = -1,
	.ifm_addrs = PFR_MACOS_IFM_ADDRS,
	.ifm_flags = PFR_MACOS_IFM_FLAGS,
	.ifm_index = PFR_MACOS_IFM_INDEX,
	.ifm_link_state = -1,
	.ifm_link_state_size = 0,
	.linkstate = PFROUTE_LS_NONE,
	.ifam_size = PFR_MACOS_IFAM_SIZE,
	.ifam_hdrlen = -1,
	.ifam_addrs = PFR_MACOS_IFAM_ADDRS,
	.ifam_flags = PFR_MACOS_IFAM_FLAGS,
	.ifam_index = PFR_MACOS_IFAM_INDEX,
	.ifan_size = 0,
	.ifan_hdrlen = -1,
	.rtf_gateway = PFR_RTF_GATEWAY,
	.rtf_host = PFR_RTF_HOST,
	.rtf_reject = PFR_RTF_REJECT,
	.rtf_blackhole = PFR_RTF_BLACKHOLE,
	.rtf_static = PFR_RTF_STATIC,
	.rtf_dynamic = PFR_RTF_DYNAMIC,
	.rtf_local = PFR_MACOS_RTF_LOCAL,
	.rtf_broadcast = PFR_MACOS_RTF_BROADCAST,
	.rtf_multicast = PFR_MACOS_RTF_MULTICAST,
	/* ARP/NDP entries and per-destination clones live in the routing table
	 * on xnu; their coming and going says nothing about reachability.
	 * Interface-scoped copies (a default route per interface) serve only
	 * sockets bound to that interface, and share the key of the primary. */
	.rtf_skip = PFR_RTF_LLINFO | PFR_MACOS_RTF_WASCLONED | PFR_MACOS_RTF_IFSCOPE,
	.iff_up = PFR_IFF_UP,
	.iff_running = PFR_IFF_RUNNING,
	/* xnu keeps one route per key (several defaults are interface-scoped
	 * copies, skipped above): an add or delete is the whole route */
	.multipath = 0,
};

const struct pfroute_abi pfroute_abi_openbsd = {
	.name = "openbsd",
	.version = PFR_OPENBSD_VERSION,
	.sa_align = PFR_OPENBSD_SA_ALIGN,
	.rtax_max = PFR_OPENBSD_RTAX_MAX,
	.af_inet = PFR_AF_INET,
	.af_inet6 = PFR_OPENBSD_AF_INET6,
	.af_link = PFR_AF_LINK,
	.rtm_add = PFR_RTM_ADD,
	.rtm_delete = PFR_RTM_DELETE,
	.rtm_change = PFR_RTM_CHANGE,
	.rtm_get = PFR_RTM_GET,
	.rtm_newaddr = PFR_OPENBSD_RTM_NEWADDR,
	.rtm_deladdr = PFR_OPENBSD_RTM_DELADDR,
	.rtm_ifinfo = PFR_OPENBSD_RTM_IFINFO,
	.rtm_ifannounce = PFR_OPENBSD_RTM_IFANNOUNCE,
	.rtm_desync = PFR_OPENBSD_RTM_DESYNC,
	.rt_size = PFR_OPENBSD_RT_SIZE,
	.rt_hdrlen = PFR_OPENBSD_RT_HDRLEN,
	.rt_index = PFR_OPENBSD_RT_INDEX,
	.rt_flags = PFR_OPENBSD_RT_FLAGS,
	.rt_addrs = PFR_OPENBSD_RT_ADDRS,
	.rt_pid = PFR_OPENBSD_RT_PID,
	.rt_errno = PFR_OPENBSD_RT_ERRNO,
	.rt_tableid = PFR_OPENBSD_RT_TABLEID,
	.rt_priority = PFR_OPENBSD_RT_PRIORITY,
	.ifm_size = PFR_OPENBSD_IFM_SIZE,
	.ifm_hdrlen = PFR_OPENBSD_IFM_HDRLEN,
	.ifm_addrs = PFR_OPENBSD_IFM_ADDRS,
	.ifm_flags = PFR_OPENBSD_IFM_FLAGS,
	.ifm_index = PFR_OPENBSD_IFM_INDEX,
	.ifm_link_state = PFR_OPENBSD_IFM_LINK_STATE,
	.ifm_link_state_size = 1,
	.linkstate = PFROUTE_LS_OPENBSD,
	.ifam_size = PFR_OPENBSD_IFAM_SIZE,
	.ifam_hdrlen = PFR_OPENBSD_IFAM_HDRLEN,
	.ifam_addrs = PFR_OPENBSD_IFAM_ADDRS,
	.ifam_flags = PFR_OPENBSD_IFAM_FLAGS,
	.ifam_index = PFR_OPENBSD_IFAM_INDEX,
	.ifan_size = PFR_OPENBSD_IFAN_SIZE,
	.ifan_hdrlen = PFR_OPENBSD_IFAN_HDRLEN,
	.ifan_index = PFR_OPENBSD_IFAN_INDEX,
	.ifan_name = PFR_OPENBSD_IFAN_NAME,
	.ifan_what = PFR_OPENBSD_IFAN_WHAT,
	.ifan_departure = PFR_IFAN_DEPART,
	.rtf_gateway = PFR_RTF_GATEWAY,
	.rtf_host = PFR_RTF_HOST,
	.rtf_reject = PFR_RTF_REJECT,
	.rtf_blackhole = PFR_RTF_BLACKHOLE,
	.rtf_static = PFR_RTF_STATIC,
	.rtf_dynamic = PFR_RTF_DYNAMIC,
	.rtf_local = PFR_OPENBSD_RTF_LOCAL,
	.rtf_broadcast = PFR_OPENBSD_RTF_BROADCAST,
	.rtf_multicast = PFR_OPENBSD_RTF_MULTICAST,
	.rtf_skip = PFR_RTF_LLINFO | PFR_OPENBSD_RTF_CLONED,
	.iff_up = PFR_IFF_UP,
	.iff_running = PFR_IFF_RUNNING,
	.rtp_down = PFR_OPENBSD_RTP_DOWN,
	.rtp_mask = PFR_OPENBSD_RTP_MASK,
	/* every path is its own rtentry (RTF_MPATH set on each): RTM_ADD adds
	 * one, RTM_DELETE of a multipath route needs its gateway and removes
	 * that path only, RTM_CHANGE of one needs the gateway too and changes
	 * that path in place; the dump walks a destination's paths one after
	 * the other, ordered by priority */
	.multipath = 1,
	.rtf_mpath = PFR_OPENBSD_RTF_MPATH,
};

const struct pfroute_abi pfroute_abi_netbsd = {
	.name = "netbsd",
	.version = PFR_NETBSD_VERSION,
	.sa_align = PFR_NETBSD_SA_ALIGN,
	.rtax_max = PFR_NETBSD_RTAX_MAX,
	.af_inet = PFR_AF_INET,
	.af_inet6 = PFR_NETBSD_AF_INET6,
	.af_link = PFR_AF_LINK,
	.rtm_add = PFR_RTM_ADD,
	.rtm_delete = PFR_RTM_DELETE,
	.rtm_change = PFR_RTM_CHANGE,
	.rtm_get = PFR_RTM_GET,
	.rtm_newaddr = PFR_NETBSD_RTM_NEWADDR,
	.rtm_deladdr = PFR_NETBSD_RTM_DELADDR,
	.rtm_ifinfo = PFR_NETBSD_RTM_IFINFO,
	.rtm_ifannounce = PFR_NETBSD_RTM_IFANNOUNCE,
	.rtm_desync = 0,
	.rt_size = PFR_NETBSD_RT_SIZE,
	.rt_hdrlen = -1,
	.rt_index = PFR_NETBSD_RT_INDEX,
	.rt_flags = PFR_NETBSD_RT_FLAGS,
	.rt_addrs = PFR_NETBSD_RT_ADDRS,
	.rt_pid = PFR_NETBSD_RT_PID,
	.rt_errno = PFR_NETBSD_RT_ERRNO,
	.rt_tableid = -1,
	.rt_priority = -1,
	.ifm_size = PFR_NETBSD_IFM_SIZE,
	.ifm_hdrlen = -1,
	.ifm_addrs = PFR_NETBSD_IFM_ADDRS,
	.ifm_flags = PFR_NETBSD_IFM_FLAGS,
	.ifm_index = PFR_NETBSD_IFM_INDEX,
	.ifm_link_state = PFR_NETBSD_IFM_LINK_STATE,
	.ifm_link_state_size = 4,
	.linkstate = PFROUTE_LS_FREEBSD,
	.ifam_size = PFR_NETBSD_IFAM_SIZE,
	.ifam_hdrlen = -1,
	.ifam_addrs = PFR_NETBSD_IFAM_ADDRS,
	.ifam_flags = PFR_NETBSD_IFAM_FLAGS,
	.ifam_index = PFR_NETBSD_IFAM_INDEX,
	.ifan_size = PFR_NETBSD_IFAN_SIZE,
	.ifan_hdrlen = -1,
	.ifan_index = PFR_NETBSD_IFAN_INDEX,
	.ifan_name = PFR_NETBSD_IFAN_NAME,
	.ifan_what = PFR_NETBSD_IFAN_WHAT,
	.ifan_departure = PFR_IFAN_DEPART,
	.rtf_gateway = PFR_RTF_GATEWAY,
	.rtf_host = PFR_RTF_HOST,
	.rtf_reject = PFR_RTF_REJECT,
	.rtf_blackhole = PFR_RTF_BLACKHOLE,
	.rtf_static = PFR_RTF_STATIC,
	.rtf_dynamic = PFR_RTF_DYNAMIC,
	.rtf_local = PFR_NETBSD_RTF_LOCAL,
	.rtf_broadcast = PFR_NETBSD_RTF_BROADCAST,
	.rtf_multicast = 0,
	.rtf_skip = PFR_RTF_LLINFO,
	.iff_up = PFR_IFF_UP,
	.iff_running = PFR_IFF_RUNNING,
	/* no multipath routing (route.h has no RTF_MPATH): one route per key */
	.multipath = 0,
};

#if defined(__FreeBSD__)
const struct pfroute_abi *const pfroute_abi_native = &pfroute_abi_freebsd;
#elif defined(__APPLE__)
const struct pfroute_abi *const pfroute_abi_native = &pfroute_abi_macos;
#elif defined(__OpenBSD__)
const struct pfroute_abi *const pfroute_abi_native = &pfroute_abi_openbsd;
#elif defined(__NetBSD__)
const struct pfroute_abi *const pfroute_abi_native = &pfroute_abi_netbsd;
#else
const struct pfroute_abi *const pfroute_abi_native = NULL;
#endif

/* Common header of every message: msglen u16, version u8, type u8. */
#define MSG_MIN 4
/* Highest RTAX slot count any OS has (OpenBSD: 15). */
#define SLOTS_MAX 16

/* rtw_route speaks Linux numbers (RTPROT_*, RT_SCOPE_*) for protocol and
 * scope; these are the ones a BSD route maps to. */
#define PROTO_REDIRECT 1
#define PROTO_KERNEL   2
#define PROTO_STATIC   4
#define SCOPE_UNIVERSE 0
#define SCOPE_LINK     253
#define SCOPE_HOST     254

struct msg {
	const uint8_t *b;
	size_t len; /* msglen, checked against the buffer */
};

/* One sockaddr of a message: where it starts and its sa_len. */
struct slot {
	const uint8_t *sa; /* NULL when absent */
	size_t len;
};

static uint16_t rd16(const struct msg *m, size_t off)
{
	uint16_t v;

	memcpy(&v, m->b + off, sizeof(v));
	return v;
}

static uint32_t rd32(const struct msg *m, size_t off)
{
	uint32_t v;

	memcpy(&v, m->b + off, sizeof(v));
	return v;
}

int pfroute_msg_len(const void *buf, size_t len)
{
	uint16_t msglen;

	if (!buf || len < MSG_MIN)
		return -EBADMSG;
	memcpy(&msglen, buf, sizeof(msglen));
	if (msglen < MSG_MIN || msglen > len)
		return -EBADMSG;
	return msglen;
}

/* Where the sockaddrs start: hdrlen_off names a u16 giving it (OpenBSD),
 * else the fixed header size. Either way the header must fit. */
static int addrs_start(const struct msg *m, int hdrlen_off, size_t size, size_t *ret_start)
{
	size_t start = size;

	if (m->len < size)
		return -EBADMSG;
	if (hdrlen_off >= 0) {
		start = rd16(m, (size_t)hdrlen_off);
		/* a newer kernel may grow the header, never shrink it */
		if (start < size || start > m->len)
			return -EBADMSG;
	}
	*ret_start = start;
	return 0;
}

/* Split the sockaddrs after the header into their RTAX slots. Each takes
 * sa_len rounded up to the OS's unit, and an empty one still takes a unit.
 * Slots past the ones this ABI knows (a newer kernel's: OpenBSD has added
 * some over the years) come after the known ones and are left unread:
 * refusing the message would resync on every one. */
static int split_addrs(const struct pfroute_abi *abi, const struct msg *m, size_t start,
		       uint32_t addrs, struct slot slots[SLOTS_MAX])
{
	size_t off = start;
	unsigned i;

	if (abi->rtax_max > SLOTS_MAX)
		return -EBADMSG;
	memset(slots, 0, sizeof(*slots) * SLOTS_MAX);
	for (i = 0; i < abi->rtax_max; i++) {
		size_t salen, step;

		if (!(addrs & (1u << i)))
			continue;
		if (off >= m->len)
			return -EBADMSG;
		salen = m->b[off];
		if (salen > m->len - off)
			return -EBADMSG;
		step = salen ? ((salen + abi->sa_align - 1) / abi->sa_align) * abi->sa_align
			     : abi->sa_align;
		slots[i].sa = m->b + off;
		slots[i].len = salen;
		/* the last sockaddr's padding may be cut by msglen: the next
		 * one, if any, fails the off check above */
		off += step;
	}
	return 0;
}

static int host_family(const struct pfroute_abi *abi, unsigned fam)
{
	if (fam == abi->af_inet)
		return AF_INET;
	if (fam == abi->af_inet6)
		return AF_INET6;
	return AF_UNSPEC;
}

/* An IPv4 or IPv6 sockaddr as an rtw_addr. Returns 0, -EAFNOSUPPORT for
 * another family, or -EBADMSG when too short for its family. */
static int slot_addr(const struct pfroute_abi *abi, const struct slot *s, struct rtw_addr *ret)
{
	struct rtw_addr a;

	if (!s->sa || s->len < 2)
		return -EBADMSG;
	memset(&a, 0, sizeof(a));
	a.family = host_family(abi, s->sa[1]);
	if (a.family == AF_INET) {
		if (s->len < PFR_SIN_ADDR + 4)
			return -EBADMSG;
		memcpy(a.bytes, s->sa + PFR_SIN_ADDR, 4);
	} else if (a.family == AF_INET6) {
		if (s->len < PFR_SIN6_ADDR + 16)
			return -EBADMSG;
		memcpy(a.bytes, s->sa + PFR_SIN6_ADDR, 16);
		/* KAME stacks embed the interface index of a link-local or
		 * interface-local address in bytes 2-3; it is not part of it */
		if ((a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80) ||
		    (a.bytes[0] == 0xff && (a.bytes[1] & 0x0f) <= 0x02)) {
			a.bytes[2] = 0;
			a.bytes[3] = 0;
		}
	} else {
		return -EAFNOSUPPORT;
	}
	*ret = a;
	return 0;
}

/* A netmask as a prefix length. Masks are cut after their last non-zero
 * byte and their family byte is 0 or junk (0xff on macOS), so the family
 * comes from the destination and the rest is zero. Non-contiguous masks
 * cannot be a prefix: -EBADMSG. */
static int slot_masklen(const struct pfroute_abi *abi, const struct slot *s, int family,
			uint8_t *ret_len)
{
	uint8_t mask[16] = { 0 };
	size_t off = family == AF_INET ? PFR_SIN_ADDR : PFR_SIN6_ADDR;
	size_t alen = addr_len(family), i;
	unsigned len = 0;
	bool ended = false;

	if (s->len >= 2) {
		unsigned fam = s->sa[1];

		if (fam != 0 && fam != 0xff && host_family(abi, fam) != family)
			return -EBADMSG;
	}
	for (i = 0; i < alen && off + i < s->len; i++)
		mask[i] = s->sa[off + i];
	for (i = 0; i < alen; i++) {
		unsigned bit;

		for (bit = 0x80; bit; bit >>= 1) {
			if (mask[i] & bit) {
				if (ended)
					return -EBADMSG;
				len++;
			} else {
				ended = true;
			}
		}
	}
	*ret_len = (uint8_t)len;
	return 0;
}

static bool is_type(unsigned type, uint8_t want)
{
	return want != 0 && type == want;
}

/* A route event's key, as the core keys routes (the OpenBSD priority is
 * the metric), is the one the dump saw last. */
static bool same_route(const struct pfroute_dump *dump, const struct rtw_route *r)
{
	return dump->have_last && dump->table == r->table && dump->metric == r->metric &&
	       prefix_cmp(&dump->dst, &r->dst) == 0;
}

/* The event type and flags of a route message; false when the message
 * changes nothing. */
static bool route_event(const struct pfroute_abi *abi, struct pfroute_dump *dump, unsigned type,
			uint32_t rtflags, struct rtw_event *ev)
{
	const struct rtw_route *r = &ev->u.route;
	bool has_hop = r->n_nexthops > 0 &&
		       (r->nexthops[0].ifindex != 0 || r->nexthops[0].gateway.family != AF_UNSPEC);

	ev->type = RTW_EV_ROUTE_ADD;
	ev->flags = 0;
	if (is_type(type, abi->rtm_get)) {
		/* an answer to someone's RTM_GET changes nothing; in a sysctl
		 * dump every entry is an RTM_GET. The first message of a route
		 * replaces what the model had (so a dump resets the path set),
		 * the next ones of the same route are its other paths. */
		if (!dump)
			return false;
		if (abi->multipath && has_hop && same_route(dump, r))
			ev->flags = RTW_EVF_APPEND;
		dump->have_last = true;
		dump->dst = r->dst;
		dump->table = r->table;
		dump->metric = r->metric;
	} else if (is_type(type, abi->rtm_delete)) {
		/* one path of a multipath route, or the only one: removing the
		 * path removes the route with it */
		ev->type = RTW_EV_ROUTE_DEL;
		if (abi->multipath && has_hop)
			ev->flags = RTW_EVF_APPEND;
	} else if (is_type(type, abi->rtm_change)) {
		/* OpenBSD changes one path of a multipath route in place and
		 * leaves the others; elsewhere (FreeBSD reports multipath
		 * changes as per-path RTM_ADD/RTM_DELETE) it is the route */
		if (abi->rtf_mpath && (rtflags & abi->rtf_mpath) && has_hop)
			ev->flags = RTW_EVF_APPEND;
		else
			ev->flags = RTW_EVF_REPLACE;
	} else if (abi->multipath && has_hop) {
		/* RTM_ADD: a new route, or one more path of an existing one */
		ev->flags = RTW_EVF_APPEND;
	}
	return true;
}

static int parse_route(struct pfroute_parser *p, struct pfroute_dump *dump, const struct msg *m,
		       unsigned type, rtw_sink *sink, void *arg)
{
	const struct pfroute_abi *abi = p->abi;
	struct slot slots[SLOTS_MAX];
	struct rtw_nexthop hop;
	struct rtw_event ev;
	struct rtw_route *r = &ev.u.route;
	size_t start;
	uint32_t flags;
	bool local;
	int ret;

	ret = addrs_start(m, abi->rt_hdrlen, abi->rt_size, &start);
	if (ret < 0)
		return ret;
	/* a request that failed changed nothing */
	if (rd32(m, abi->rt_errno) != 0)
		return 0;
	flags = rd32(m, abi->rt_flags);
	ret = split_addrs(abi, m, start, rd32(m, abi->rt_addrs), slots);
	if (ret < 0)
		return ret;
	if (!slots[0].sa)
		return -EBADMSG;
	if ((flags & abi->rtf_skip) && !(flags & abi->rtf_local))
		return 0;

	memset(&ev, 0, sizeof(ev));
	memset(&hop, 0, sizeof(hop));
	ret = slot_addr(abi, &slots[0], &r->dst.addr);
	if (ret == -EAFNOSUPPORT)
		return 0; /* AF_LINK, MPLS, ...: not an IP route */
	if (ret < 0)
		return ret;
	r->dst.len = (uint8_t)addr_bits(r->dst.addr.family);
	if (slots[2].sa && !(flags & abi->rtf_host)) {
		ret = slot_masklen(abi, &slots[2], r->dst.addr.family, &r->dst.len);
		if (ret < 0)
			return ret;
	}
	prefix_mask(&r->dst);

	r->table = abi->rt_tableid >= 0 ? rd16(m, (size_t)abi->rt_tableid) : p->table;
	r->type = RTW_ROUTE_UNICAST;
	r->protocol = (flags & abi->rtf_static)	   ? PROTO_STATIC
		      : (flags & abi->rtf_dynamic) ? PROTO_REDIRECT
						   : PROTO_KERNEL;
	r->scope = SCOPE_UNIVERSE;

	hop.ifindex = rd16(m, abi->rt_index);
	hop.weight = 1;
	local = false;
	if (slots[1].sa && slots[1].len >= 2) {
		const struct slot *gw = &slots[1];
		unsigned fam = gw->sa[1];

		if (fam == abi->af_link) {
			uint16_t sdl_index;

			if (gw->len < PFR_SDL_INDEX + 2)
				return -EBADMSG;
			memcpy(&sdl_index, gw->sa + PFR_SDL_INDEX, sizeof(sdl_index));
			/* A host route out of another interface than its
			 * gateway's link is one of FreeBSD's routes to the
			 * host's own addresses (ifa_maintain_loopback_route():
			 * out of lo0, the address's link as gateway, no
			 * RTF_LOCAL; read, not run). Kept as Linux keeps them:
			 * type local on the address's device. */
			local = (flags & abi->rtf_host) && sdl_index && hop.ifindex &&
				sdl_index != hop.ifindex;
			if (sdl_index)
				hop.ifindex = sdl_index;
			r->scope = SCOPE_LINK;
		} else if ((flags & abi->rtf_gateway) && host_family(abi, fam) != AF_UNSPEC) {
			ret = slot_addr(abi, gw, &hop.gateway);
			if (ret < 0)
				return ret;
		} else {
			/* an interface route naming the interface's own
			 * address (OpenBSD), or a gateway we cannot use */
			r->scope = SCOPE_LINK;
		}
	} else {
		r->scope = SCOPE_LINK;
	}
	if (abi->rt_priority >= 0) {
		uint8_t prio = m->b[abi->rt_priority];

		/* OpenBSD keys routes by priority too; a down link is
		 * marked in place rather than announced per route, by
		 * RTP_DOWN and a cleared RTF_UP. Its dump and replies mask
		 * RTP_DOWN out (rt_priority & RTP_MASK in sysctl_dumpentry()
		 * and rtm_report(); read, not run), and a deleted route has
		 * RTF_UP cleared too. */
		r->metric = prio & abi->rtp_mask;
		if (abi->rtp_down && ((prio & abi->rtp_down) ||
				      (!(flags & PFR_RTF_UP) && !is_type(type, abi->rtm_delete)))) {
			hop.flags |= RTW_NH_LINKDOWN;
			r->flags |= RTW_ROUTE_F_LINKDOWN;
		}
	}
	if (slots[5].sa && slot_addr(abi, &slots[5], &r->prefsrc) == 0 &&
	    r->prefsrc.family != r->dst.addr.family)
		memset(&r->prefsrc, 0, sizeof(r->prefsrc));

	if (flags & abi->rtf_blackhole) {
		r->type = RTW_ROUTE_BLACKHOLE;
	} else if (flags & abi->rtf_reject) {
		r->type = RTW_ROUTE_UNREACHABLE;
	} else if ((flags & abi->rtf_local) || local) {
		r->type = RTW_ROUTE_LOCAL;
		r->scope = SCOPE_HOST;
		if (local) /* the kernel's own, its RTF_STATIC notwithstanding */
			r->protocol = PROTO_KERNEL;
	} else if (flags & abi->rtf_broadcast) {
		r->type = RTW_ROUTE_BROADCAST;
		r->scope = SCOPE_LINK;
	} else if (flags & abi->rtf_multicast) {
		r->type = RTW_ROUTE_MULTICAST;
	}
	if (r->type != RTW_ROUTE_BLACKHOLE && r->type != RTW_ROUTE_UNREACHABLE) {
		r->n_nexthops = 1;
		r->nexthops = &hop;
	}

	if (!route_event(abi, dump, type, flags, &ev))
		return 0;
	ret = sink(arg, &ev);
	return ret < 0 ? ret : 1;
}

static bool carrier_up(const struct pfroute_abi *abi, const struct msg *m, uint32_t ifflags)
{
	uint32_t state;

	switch (abi->linkstate) {
	case PFROUTE_LS_FREEBSD:
	case PFROUTE_LS_OPENBSD:
		if (abi->ifm_link_state_size == 4)
			state = rd32(m, (size_t)abi->ifm_link_state);
		else
			state = m->b[abi->ifm_link_state];
		/* unknown (0) counts as up: drivers without link detection
		 * never leave it, and the kernels route through them */
		if (abi->linkstate == PFROUTE_LS_OPENBSD)
			return state == 0 || state >= 4;
		return state != 1;
	default:
		return (ifflags & abi->iff_running) != 0;
	}
}

static int parse_ifinfo(struct pfroute_parser *p, const struct msg *m, rtw_sink *sink, void *arg)
{
	const struct pfroute_abi *abi = p->abi;
	struct slot slots[SLOTS_MAX];
	struct rtw_event ev;
	struct rtw_link *l = &ev.u.link;
	size_t start;
	uint32_t ifflags;
	int ret;

	ret = addrs_start(m, abi->ifm_hdrlen, abi->ifm_size, &start);
	if (ret < 0)
		return ret;
	ret = split_addrs(abi, m, start, rd32(m, abi->ifm_addrs), slots);
	if (ret < 0)
		return ret;
	memset(&ev, 0, sizeof(ev));
	ifflags = rd32(m, abi->ifm_flags);
	l->ifindex = rd16(m, abi->ifm_index);
	l->admin_up = (ifflags & abi->iff_up) != 0;
	l->carrier_up = carrier_up(abi, m, ifflags);
	/* the sysctl dump names the interface in RTA_IFP; socket messages
	 * usually carry no address at all */
	if (slots[4].sa && slots[4].len >= 2 && slots[4].sa[1] == abi->af_link) {
		size_t nlen;

		if (slots[4].len < PFR_SDL_DATA)
			return -EBADMSG;
		nlen = slots[4].sa[PFR_SDL_NLEN];
		if (PFR_SDL_DATA + nlen > slots[4].len)
			return -EBADMSG;
		if (nlen >= sizeof(l->name))
			nlen = sizeof(l->name) - 1;
		memcpy(l->name, slots[4].sa + PFR_SDL_DATA, nlen);
	}
	ev.type = l->admin_up && l->carrier_up ? RTW_EV_LINK_UP : RTW_EV_LINK_DOWN;
	ret = sink(arg, &ev);
	return ret < 0 ? ret : 1;
}

static int parse_addr(struct pfroute_parser *p, const struct msg *m, unsigned type, rtw_sink *sink,
		      void *arg)
{
	const struct pfroute_abi *abi = p->abi;
	struct slot slots[SLOTS_MAX];
	struct rtw_event ev;
	struct rtw_address *a = &ev.u.addr;
	size_t start;
	int ret;

	ret = addrs_start(m, abi->ifam_hdrlen, abi->ifam_size, &start);
	if (ret < 0)
		return ret;
	ret = split_addrs(abi, m, start, rd32(m, abi->ifam_addrs), slots);
	if (ret < 0)
		return ret;
	if (!slots[5].sa)
		return 0; /* nothing the model keeps */
	memset(&ev, 0, sizeof(ev));
	ret = slot_addr(abi, &slots[5], &a->prefix.addr);
	if (ret == -EAFNOSUPPORT)
		return 0;
	if (ret < 0)
		return ret;
	a->prefix.len = (uint8_t)addr_bits(a->prefix.addr.family);
	if (slots[2].sa) {
		ret = slot_masklen(abi, &slots[2], a->prefix.addr.family, &a->prefix.len);
		if (ret < 0)
			return ret;
	}
	a->ifindex = rd16(m, abi->ifam_index);
	ev.type = is_type(type, abi->rtm_newaddr) ? RTW_EV_ADDR_ADD : RTW_EV_ADDR_DEL;
	ret = sink(arg, &ev);
	return ret < 0 ? ret : 1;
}

static int parse_ifannounce(struct pfroute_parser *p, const struct msg *m, rtw_sink *sink,
			    void *arg)
{
	const struct pfroute_abi *abi = p->abi;
	struct rtw_event ev;
	size_t start, nlen;
	int ret;

	ret = addrs_start(m, abi->ifan_hdrlen, abi->ifan_size, &start);
	if (ret < 0)
		return ret;
	/* an arrival is followed by RTM_IFINFO, which says all we need */
	if (rd16(m, abi->ifan_what) != abi->ifan_departure)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_LINK_GONE;
	ev.u.link.ifindex = rd16(m, abi->ifan_index);
	nlen = strnlen((const char *)m->b + abi->ifan_name, 16);
	memcpy(ev.u.link.name, m->b + abi->ifan_name, nlen);
	ret = sink(arg, &ev);
	return ret < 0 ? ret : 1;
}

int pfroute_parse_datagram(struct pfroute_parser *p, const void *buf, size_t len, rtw_sink *sink,
			   void *arg)
{
	const uint8_t *b = buf;
	int n;

	if (!p || !p->abi || !buf)
		return -EINVAL;
	n = pfroute_msg_len(buf, len);
	/* The kernel sends one whole message of its version a datagram. FreeBSD,
	 * macOS and NetBSD relay a write whose length or version they refused
	 * to every listener as written, before any privilege check: anyone's
	 * bytes, in any type (read in their sources, not run). */
	if (n < 0 || (size_t)n != len || b[2] != p->abi->version) {
		p->dropped++;
		return 0;
	}
	return pfroute_parse_msg(p, NULL, buf, len, sink, arg);
}

int pfroute_parse_msg(struct pfroute_parser *p, struct pfroute_dump *dump, const void *buf,
		      size_t len, rtw_sink *sink, void *arg)
{
	struct msg m;
	unsigned type;
	int n;

	if (!p || !p->abi || !sink)
		return -EINVAL;
	n = pfroute_msg_len(buf, len);
	if (n < 0)
		return n;
	m.b = buf;
	m.len = (size_t)n;
	if (m.b[2] != p->abi->version)
		return -EPROTO;
	type = m.b[3];
	if (is_type(type, p->abi->rtm_add) || is_type(type, p->abi->rtm_delete) ||
	    is_type(type, p->abi->rtm_change) || is_type(type, p->abi->rtm_get))
		return parse_route(p, dump, &m, type, sink, arg);
	if (is_type(type, p->abi->rtm_ifinfo))
		return parse_ifinfo(p, &m, sink, arg);
	if (is_type(type, p->abi->rtm_newaddr) || is_type(type, p->abi->rtm_deladdr))
		return parse_addr(p, &m, type, sink, arg);
	if (is_type(type, p->abi->rtm_ifannounce))
		return parse_ifannounce(p, &m, sink, arg);
	if (is_type(type, p->abi->rtm_desync)) {
		struct rtw_event ev;
		int ret;

		memset(&ev, 0, sizeof(ev));
		ev.type = RTW_EV_OVERFLOW;
		ret = sink(arg, &ev);
		return ret < 0 ? ret : 1;
	}
	return 0; /* RTM_MISS, RTM_NEWMADDR, RTM_IEEE80211, ...: not for the model */
}

int pfroute_parse_buf(struct pfroute_parser *p, const void *buf, size_t len, rtw_sink *sink,
		      void *arg)
{
	struct pfroute_dump dump = { 0 };
	const uint8_t *b = buf;
	size_t off = 0;
	int total = 0;

	while (off < len) {
		int n = pfroute_msg_len(b + off, len - off);
		int ret;

		if (n < 0)
			return n;
		ret = pfroute_parse_msg(p, &dump, b + off, (size_t)n, sink, arg);
		if (ret < 0)
			return ret;
		if (total <= INT_MAX - ret)
			total += ret;
		off += (size_t)n;
	}
	return total;
}
