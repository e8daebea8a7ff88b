/* backends/netlink/parse.c: turns rtnetlink link, address, route, nexthop
 * and netconf messages into normalized rtw_events. Pure: every length is checked against
 * the bytes given, nothing is read past them, nothing is allocated.
 *
 * What the kernel does and does not tell (checked on Linux 6.18 in a private
 * network namespace; iproute2 6.1):
 * - IPv4 routes through a link that goes admin-down are removed without any
 *   RTM_DELROUTE; nexthop objects on that link vanish without RTM_DELNEXTHOP.
 *   Deleting an address also silently drops routes that named it as preferred
 *   source. So a LINK_DOWN (admin down), LINK_GONE or IPv4 ADDR_DEL
 *   notification is flagged RTW_EVF_FLUSH_V4 and need_resync is set: the
 *   socket layer then delivers RTW_EV_OVERFLOW and the core re-dumps and
 *   reconciles by mark-and-sweep, which is exact where replaying the
 *   kernel's flush rules would be a guess. Deleting an IPv6 address clears
 *   the preferred source of the routes that named it, silently (seen on
 *   6.18 on every device; older kernels' source, fib6_remove_prefsrc(),
 *   only on the address's own), and the route stays: RTW_EVF_PREFSRC, and
 *   the core resyncs only when it holds such a route.
 *   Carrier loss removes nothing: hops only get RTNH_F_LINKDOWN, silently.
 * - IPv6 multipath: `ip -6 route append` (and add of a multipath route) is
 *   notified as one RTM_NEWROUTE carrying the whole route, all hops in
 *   RTA_MULTIPATH, not only the new one. Deleting one hop
 *   (`ip -6 route del P via G`) is notified as an RTM_DELROUTE with only that
 *   hop and no RTA_MULTIPATH, which looks the same as deleting a one-hop
 *   route. Deleting a whole multipath route lists all its hops.
 * - IPv6 also keeps several routes under one (table, prefix, metric) when
 *   they cannot be siblings: every interface has its own fe80::/64 and
 *   ff00::/8, a gateway appended to a device, reject or nexthop-object route
 *   stays separate, and so do the default routes that router advertisements
 *   install (RTF_ADDRCONF routes are never siblings, two routers give two
 *   routes). They are notified one by one without NLM_F_REPLACE and dumped
 *   one after the other, while a sibling's notification lists all siblings.
 *   So: an IPv6 NEWROUTE notification without NLM_F_REPLACE and without
 *   RTA_MULTIPATH is an RTW_EVF_DUP_APPEND ADD (one more route under the
 *   key, beside the ones there; the core's IPv6 key also tells device,
 *   reject and object routes apart); one with RTA_MULTIPATH is the whole
 *   sibling set (weights the kernel kept for the old hops included), which
 *   replaces the route that shares hops with it (RTW_EVF_SIBLINGS:
 *   `ip -6 route append` of one hop lists the new hop first and gives its
 *   own protocol, the dump lists it last under the first sibling's; a
 *   multipath append lists the set in dump order, and a set beside routes
 *   that are no siblings shares hops with none of them); in a dump, the
 *   first route under a key is a plain ADD (it replaces what the model had)
 *   and the ones following it under the same key are DUP_APPEND; an IPv6
 *   DELROUTE of a single hop is an APPEND DEL ("remove this hop", the
 *   route goes when none remain), which the core
 *   takes from the route under the key that has it.
 * - IPv4 keeps `ip route append/prepend` duplicates (same table, prefix, tos
 *   and metric) as separate entries, in list order; the first usable one
 *   answers. They arrive as RTW_EVF_DUP_APPEND / DUP_PREPEND (see below).
 * - A deletion notice describes the route (IPv6: the path) that went, so
 *   it is RTW_EVF_EXACT: one naming a route the model lacks is stale (read
 *   after a resync's dump that already left the route out).
 */
#include "parse.h"

#include <errno.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netconf.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>

#include "addr.h"

/* The largest attribute type any of our tables indexes. */
#define ATTR_MAX 64

struct attr_table {
	const struct nlattr *tb[ATTR_MAX + 1];
	const char *start; /* the payload, to measure how far the walk got */
	size_t walked;
};

static int collect_cb(const struct nlattr *a, void *data)
{
	struct attr_table *t = data;
	uint16_t type = mnl_attr_get_type(a);

	t->walked = (size_t)((const char *)a - t->start) + a->nla_len;
	if (type <= ATTR_MAX)
		t->tb[type] = a;
	return MNL_CB_OK;
}

/* libmnl's walk stops quietly at the first attribute that does not fit, so
 * the walk must also reach the end of the payload (bar alignment padding) or
 * the message is malformed. */
static int collect(struct attr_table *t, const void *payload, size_t len)
{
	memset(t, 0, sizeof(*t));
	t->start = payload;
	if (len == 0)
		return 0;
	if (mnl_attr_parse_payload(payload, len, collect_cb, t) < 0)
		return -EBADMSG;
	if (MNL_ALIGN(t->walked) < len)
		return -EBADMSG;
	return 0;
}

static int get_u32(const struct nlattr *a, uint32_t *ret)
{
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return -EBADMSG;
	*ret = mnl_attr_get_u32(a);
	return 0;
}

static int get_addr(const struct nlattr *a, int family, struct rtw_addr *ret)
{
	unsigned n = addr_len(family);

	if (n == 0 || mnl_attr_get_payload_len(a) != n)
		return -EBADMSG;
	memset(ret, 0, sizeof(*ret));
	ret->family = (sa_family_t)family;
	memcpy(ret->bytes, mnl_attr_get_payload(a), n);
	return 0;
}

/* RTA_VIA names the gateway's own family (an IPv4 route via an IPv6 one). */
static int get_via(const struct nlattr *a, struct rtw_addr *ret)
{
	const struct rtvia *via = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a);
	unsigned n;

	if (len < sizeof(*via))
		return -EBADMSG;
	n = addr_len(via->rtvia_family);
	if (n == 0 || len != sizeof(*via) + n)
		return -EBADMSG;
	memset(ret, 0, sizeof(*ret));
	ret->family = via->rtvia_family;
	memcpy(ret->bytes, via->rtvia_addr, n);
	return 0;
}

static unsigned hop_flags(unsigned rtnh_flags)
{
	unsigned f = 0;

	if (rtnh_flags & RTNH_F_ONLINK)
		f |= RTW_NH_ONLINK;
	if (rtnh_flags & RTNH_F_LINKDOWN)
		f |= RTW_NH_LINKDOWN;
	if (rtnh_flags & RTNH_F_DEAD)
		f |= RTW_NH_DEAD;
	if (rtnh_flags & RTNH_F_PERVASIVE)
		f |= RTW_NH_PERVASIVE;
	return f;
}

void nl_parse_begin(struct nl_parser *p, bool notification)
{
	p->notification = notification;
	p->prev_valid = false;
}

size_t nl_parse_max_hops(size_t msg_len)
{
	/* A hop costs at least one struct rtnexthop (8 bytes), a group member
	 * one struct nexthop_grp (8 bytes). */
	return msg_len / sizeof(struct rtnexthop) + 1;
}

static int gateway_of(const struct attr_table *t, int family, struct rtw_addr *gw)
{
	if (t->tb[RTA_GATEWAY] && t->tb[RTA_VIA])
		return -EBADMSG;
	if (t->tb[RTA_GATEWAY])
		return get_addr(t->tb[RTA_GATEWAY], family, gw);
	if (t->tb[RTA_VIA])
		return get_via(t->tb[RTA_VIA], gw);
	return 0;
}

static int parse_multipath(struct nl_parser *p, const struct nlattr *mp, int family,
			   unsigned *ret_n)
{
	const struct rtnexthop *nh = mnl_attr_get_payload(mp);
	int left = mnl_attr_get_payload_len(mp);
	unsigned n = 0;
	int r;

	while (left > 0) {
		struct rtw_nexthop *hop;
		struct attr_table t;

		/* a negative index is as malformed here as in RTA_OIF */
		if ((size_t)left < sizeof(*nh) || !RTNH_OK(nh, left) || nh->rtnh_ifindex < 0)
			return -EBADMSG;
		if (n >= p->hops_cap)
			return -ENOSPC;
		hop = &p->hops[n];
		memset(hop, 0, sizeof(*hop));
		r = collect(&t, RTNH_DATA(nh), nh->rtnh_len - RTNH_LENGTH(0));
		if (r < 0)
			return r;
		r = gateway_of(&t, family, &hop->gateway);
		if (r < 0)
			return r;
		hop->ifindex = nh->rtnh_ifindex;
		hop->weight = (uint16_t)(nh->rtnh_hops + 1);
		hop->flags = hop_flags(nh->rtnh_flags);
		n++;
		left -= RTNH_ALIGN(nh->rtnh_len);
		nh = RTNH_NEXT(nh);
	}
	if (n == 0)
		return -EBADMSG;
	*ret_n = n;
	return 0;
}

static bool route_type_has_hops(unsigned type)
{
	return type != RTN_BLACKHOLE && type != RTN_UNREACHABLE && type != RTN_PROHIBIT &&
	       type != RTN_THROW;
}

static int parse_route(struct nl_parser *p, const struct nlmsghdr *nlh, rtw_sink *sink, void *arg)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct rtw_event ev;
	struct rtw_route *r = &ev.u.route;
	struct attr_table t;
	unsigned n = 0;
	bool same;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return -EBADMSG;
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) {
		p->skipped++;
		return 0;
	}
	err = collect(&t, (const char *)rtm + NLMSG_ALIGN(sizeof(*rtm)),
		      mnl_nlmsg_get_payload_len(nlh) - NLMSG_ALIGN(sizeof(*rtm)));
	if (err < 0)
		return err;
	if (rtm->rtm_dst_len > addr_bits(rtm->rtm_family) ||
	    rtm->rtm_src_len > addr_bits(rtm->rtm_family))
		return -EBADMSG;
	/* Cached clones (PMTU exceptions, redirects) are not routes anyone
	 * configured; IPv6 source-specific routes carry a second key the
	 * model does not have, so keeping them would confuse two routes. */
	if ((rtm->rtm_flags & RTM_F_CLONED) || rtm->rtm_src_len != 0) {
		p->skipped++;
		return 0;
	}

	memset(&ev, 0, sizeof(ev));
	ev.type = nlh->nlmsg_type == RTM_NEWROUTE ? RTW_EV_ROUTE_ADD : RTW_EV_ROUTE_DEL;
	r->dst.addr.family = rtm->rtm_family;
	r->dst.len = rtm->rtm_dst_len;
	if (t.tb[RTA_DST]) {
		err = get_addr(t.tb[RTA_DST], rtm->rtm_family, &r->dst.addr);
		if (err < 0)
			return err;
	} else if (rtm->rtm_dst_len != 0) {
		return -EBADMSG;
	}
	prefix_mask(&r->dst);
	r->table = rtm->rtm_table;
	if (t.tb[RTA_TABLE] && (err = get_u32(t.tb[RTA_TABLE], &r->table)) < 0)
		return err;
	r->type = (enum rtw_route_type)rtm->rtm_type;
	r->tos = rtm->rtm_tos;
	r->protocol = rtm->rtm_protocol;
	r->scope = rtm->rtm_scope;
	if (t.tb[RTA_PRIORITY] && (err = get_u32(t.tb[RTA_PRIORITY], &r->metric)) < 0)
		return err;
	if (t.tb[RTA_PREFSRC] &&
	    (err = get_addr(t.tb[RTA_PREFSRC], rtm->rtm_family, &r->prefsrc)) < 0)
		return err;
	if (t.tb[RTA_NH_ID] && (err = get_u32(t.tb[RTA_NH_ID], &r->nhid)) < 0)
		return err;
	if (t.tb[RTA_PREF] && rtm->rtm_family == AF_INET6) {
		if (mnl_attr_validate(t.tb[RTA_PREF], MNL_TYPE_U8) < 0)
			return -EBADMSG;
		/* kept as the kernel keeps it (rtm_to_fib6_config()): the
		 * reserved code 2 counts as medium */
		if (addr_pref_ok(AF_INET6, mnl_attr_get_u8(t.tb[RTA_PREF])))
			r->pref = mnl_attr_get_u8(t.tb[RTA_PREF]);
	}

	if (t.tb[RTA_MULTIPATH]) {
		if (t.tb[RTA_GATEWAY] || t.tb[RTA_VIA])
			return -EBADMSG;
		err = parse_multipath(p, t.tb[RTA_MULTIPATH], rtm->rtm_family, &n);
		if (err < 0)
			return err;
	} else {
		struct rtw_nexthop hop;
		uint32_t oif = 0;

		memset(&hop, 0, sizeof(hop));
		err = gateway_of(&t, rtm->rtm_family, &hop.gateway);
		if (err < 0)
			return err;
		if (t.tb[RTA_OIF] && (err = get_u32(t.tb[RTA_OIF], &oif)) < 0)
			return err;
		if (oif > INT32_MAX)
			return -EBADMSG;
		if (oif || hop.gateway.family != AF_UNSPEC) {
			if (p->hops_cap < 1)
				return -ENOSPC;
			hop.ifindex = (int)oif;
			hop.weight = 1;
			/* a single hop's flags travel in the route header */
			hop.flags = hop_flags(rtm->rtm_flags);
			p->hops[0] = hop;
			n = 1;
		}
	}
	/* The kernel names lo as the device of unreachable/prohibit routes;
	 * that is not a path. */
	if (!route_type_has_hops(rtm->rtm_type))
		n = 0;
	r->n_nexthops = n;
	r->nexthops = n ? p->hops : NULL;
	if (n) {
		unsigned i, down = 0;

		for (i = 0; i < n; i++)
			down += (p->hops[i].flags & RTW_NH_LINKDOWN) != 0;
		if (down == n)
			r->flags |= RTW_ROUTE_F_LINKDOWN;
	}

	if (ev.type == RTW_EV_ROUTE_ADD && (nlh->nlmsg_flags & NLM_F_REPLACE))
		ev.flags |= RTW_EVF_REPLACE;
	/* See the head of the file: both families keep several routes per key. */
	same = !p->notification && p->prev_valid && p->prev_table == r->table &&
	       p->prev_metric == r->metric && p->prev_tos == r->tos &&
	       prefix_cmp(&p->prev_dst, &r->dst) == 0;
	if (rtm->rtm_family == AF_INET6 && ev.type == RTW_EV_ROUTE_ADD && n > 0) {
		/* a notification with RTA_MULTIPATH is the whole sibling set,
		 * hidden weights of the old hops included: it replaces. One
		 * without it is no sibling of what the key holds (the kernel
		 * would have listed the siblings): a route beside the others,
		 * as the default routes of several routers' advertisements */
		if (p->notification ? !(ev.flags & RTW_EVF_REPLACE) && !t.tb[RTA_MULTIPATH] : same)
			ev.flags |= RTW_EVF_DUP_APPEND;
		/* a sibling appended alone is listed first (rt6_fill_node
		 * starts at the new route), but kept and dumped last */
		if (p->notification && !(ev.flags & RTW_EVF_REPLACE) && t.tb[RTA_MULTIPATH])
			ev.flags |= RTW_EVF_SIBLINGS;
	}
	if (rtm->rtm_family == AF_INET6 && ev.type == RTW_EV_ROUTE_DEL && !t.tb[RTA_MULTIPATH] &&
	    n == 1)
		ev.flags |= RTW_EVF_APPEND;
	/* a deletion notice describes the route that went, all of it */
	if (p->notification && ev.type == RTW_EV_ROUTE_DEL)
		ev.flags |= RTW_EVF_EXACT;
	/* IPv4 (fib_table_insert): a notification of a route put beside others
	 * under its key has NLM_F_APPEND (ip route append) or neither
	 * NLM_F_EXCL nor NLM_F_REPLACE (prepend); a new key has NLM_F_EXCL. In a
	 * dump the ones after the first under a key follow it in list order. */
	if (rtm->rtm_family == AF_INET && ev.type == RTW_EV_ROUTE_ADD &&
	    !(ev.flags & RTW_EVF_REPLACE)) {
		if (p->notification ? (nlh->nlmsg_flags & NLM_F_APPEND) != 0 : same)
			ev.flags |= RTW_EVF_DUP_APPEND;
		else if (p->notification && (nlh->nlmsg_flags & NLM_F_CREATE) &&
			 !(nlh->nlmsg_flags & NLM_F_EXCL))
			ev.flags |= RTW_EVF_DUP_PREPEND;
	}
	if (!p->notification) {
		p->prev_valid = true;
		p->prev_dst = r->dst;
		p->prev_table = r->table;
		p->prev_metric = r->metric;
		p->prev_tos = r->tos;
	}

	err = sink(arg, &ev);
	return err < 0 ? err : 1;
}

static int parse_link(struct nl_parser *p, const struct nlmsghdr *nlh, rtw_sink *sink, void *arg)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct rtw_event ev;
	struct attr_table t;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return -EBADMSG;
	/* AF_BRIDGE link messages describe bridge ports: a DELLINK there
	 * means "left the bridge", not "interface removed". */
	if (ifi->ifi_family != AF_UNSPEC) {
		p->skipped++;
		return 0;
	}
	err = collect(&t, (const char *)ifi + NLMSG_ALIGN(sizeof(*ifi)),
		      mnl_nlmsg_get_payload_len(nlh) - NLMSG_ALIGN(sizeof(*ifi)));
	if (err < 0)
		return err;
	if (ifi->ifi_index <= 0)
		return -EBADMSG;

	memset(&ev, 0, sizeof(ev));
	ev.u.link.ifindex = ifi->ifi_index;
	if (t.tb[IFLA_IFNAME]) {
		if (mnl_attr_validate(t.tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) < 0)
			return -EBADMSG;
		/* names longer than ours are cut, still NUL-terminated */
		strncpy(ev.u.link.name, mnl_attr_get_str(t.tb[IFLA_IFNAME]),
			sizeof(ev.u.link.name) - 1);
	}
	ev.u.link.admin_up = (ifi->ifi_flags & IFF_UP) != 0;
	ev.u.link.carrier_up = (ifi->ifi_flags & IFF_LOWER_UP) != 0;
	if (nlh->nlmsg_type == RTM_DELLINK)
		ev.type = RTW_EV_LINK_GONE;
	else if (ev.u.link.admin_up && ev.u.link.carrier_up)
		ev.type = RTW_EV_LINK_UP;
	else
		ev.type = RTW_EV_LINK_DOWN;
	/* Only the message of the change to admin down: ifi_change names the
	 * flags that changed (IFF_UP then; all bits for a new link), and a link
	 * already down sends more (a rename, an MTU change: change 0, seen on
	 * 6.18), each of which cost a full dump. */
	if (p->notification &&
	    (ev.type == RTW_EV_LINK_GONE ||
	     (ev.type == RTW_EV_LINK_DOWN && !ev.u.link.admin_up && (ifi->ifi_change & IFF_UP)))) {
		ev.flags |= RTW_EVF_FLUSH_V4;
		p->need_resync = true;
	}
	err = sink(arg, &ev);
	return err < 0 ? err : 1;
}

static int parse_address(struct nl_parser *p, const struct nlmsghdr *nlh, rtw_sink *sink, void *arg)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	struct rtw_event ev;
	struct attr_table t;
	uint32_t flags;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return -EBADMSG;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) {
		p->skipped++;
		return 0;
	}
	err = collect(&t, (const char *)ifa + NLMSG_ALIGN(sizeof(*ifa)),
		      mnl_nlmsg_get_payload_len(nlh) - NLMSG_ALIGN(sizeof(*ifa)));
	if (err < 0)
		return err;
	if (ifa->ifa_prefixlen > addr_bits(ifa->ifa_family) || ifa->ifa_index == 0 ||
	    ifa->ifa_index > INT32_MAX)
		return -EBADMSG;
	/* On a point-to-point link IFA_ADDRESS is the peer; IFA_LOCAL is ours. */
	a = t.tb[IFA_LOCAL] ? t.tb[IFA_LOCAL] : t.tb[IFA_ADDRESS];
	if (!a)
		return -EBADMSG;

	memset(&ev, 0, sizeof(ev));
	ev.type = nlh->nlmsg_type == RTM_NEWADDR ? RTW_EV_ADDR_ADD : RTW_EV_ADDR_DEL;
	err = get_addr(a, ifa->ifa_family, &ev.u.addr.prefix.addr);
	if (err < 0)
		return err;
	ev.u.addr.prefix.len = ifa->ifa_prefixlen;
	ev.u.addr.ifindex = (int)ifa->ifa_index;
	/* IFA_FLAGS carries the flags that no longer fit the u8 header field */
	flags = ifa->ifa_flags;
	if (t.tb[IFA_FLAGS] && (err = get_u32(t.tb[IFA_FLAGS], &flags)) < 0)
		return err;
	/* bit 0 is IFA_F_SECONDARY for IPv4, IFA_F_TEMPORARY only for IPv6 */
	if ((flags & IFA_F_TEMPORARY) && ifa->ifa_family == AF_INET6)
		ev.u.addr.flags |= RTW_ADDR_F_TEMPORARY;
	if (flags & IFA_F_DEPRECATED)
		ev.u.addr.flags |= RTW_ADDR_F_DEPRECATED;
	if (flags & IFA_F_TENTATIVE)
		ev.u.addr.flags |= RTW_ADDR_F_TENTATIVE;
	/* IPv4 flushes routes silently, IPv6 only clears their preferred
	 * source: a resync only when some route names the address */
	if (p->notification && ev.type == RTW_EV_ADDR_DEL) {
		if (ifa->ifa_family == AF_INET6) {
			ev.flags |= RTW_EVF_PREFSRC;
		} else {
			ev.flags |= RTW_EVF_FLUSH_V4;
			p->need_resync = true;
		}
	}
	err = sink(arg, &ev);
	return err < 0 ? err : 1;
}

static int parse_nexthop(struct nl_parser *p, const struct nlmsghdr *nlh, rtw_sink *sink, void *arg)
{
	const struct nhmsg *nhm = mnl_nlmsg_get_payload(nlh);
	struct rtw_event ev;
	struct rtw_nhobj *o = &ev.u.nhobj;
	struct attr_table t;
	uint32_t oif = 0;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*nhm))
		return -EBADMSG;
	err = collect(&t, (const char *)nhm + NLMSG_ALIGN(sizeof(*nhm)),
		      mnl_nlmsg_get_payload_len(nlh) - NLMSG_ALIGN(sizeof(*nhm)));
	if (err < 0)
		return err;
	memset(&ev, 0, sizeof(ev));
	if (!t.tb[NHA_ID] || (err = get_u32(t.tb[NHA_ID], &o->id)) < 0 || o->id == 0)
		return -EBADMSG;
	/* Bridge FDB nexthops serve VXLAN forwarding, never a route. */
	if (t.tb[NHA_FDB]) {
		p->skipped++;
		return 0;
	}
	if (nlh->nlmsg_type == RTM_DELNEXTHOP) {
		ev.type = RTW_EV_NEXTHOP_DEL;
		o->family = nhm->nh_family;
		err = sink(arg, &ev);
		return err < 0 ? err : 1;
	}

	ev.type = RTW_EV_NEXTHOP_ADD;
	if (t.tb[NHA_GROUP]) {
		const struct nexthop_grp *g = mnl_attr_get_payload(t.tb[NHA_GROUP]);
		size_t len = mnl_attr_get_payload_len(t.tb[NHA_GROUP]);
		size_t i, n = len / sizeof(*g);

		if (len == 0 || len % sizeof(*g) != 0)
			return -EBADMSG;
		if (n > p->members_cap)
			return -ENOSPC;
		for (i = 0; i < n; i++) {
			/* weight is stored minus one; newer kernels put
			 * the high byte in what the header calls resvd1 */
			unsigned w = ((unsigned)g[i].resvd1 << 8 | g[i].weight) + 1;

			if (g[i].id == 0)
				return -EBADMSG;
			p->members[i].id = g[i].id;
			p->members[i].weight = (uint16_t)(w > UINT16_MAX ? UINT16_MAX : w);
		}
		o->family = AF_UNSPEC;
		o->n_group = (unsigned)n;
		o->group = p->members;
	} else if (t.tb[NHA_BLACKHOLE]) {
		o->family = AF_UNSPEC;
		o->blackhole = true;
	} else {
		o->family = nhm->nh_family;
		if (t.tb[NHA_OIF] && (err = get_u32(t.tb[NHA_OIF], &oif)) < 0)
			return err;
		if (oif > INT32_MAX)
			return -EBADMSG;
		if (t.tb[NHA_GATEWAY] &&
		    (err = get_addr(t.tb[NHA_GATEWAY], nhm->nh_family, &o->hop.gateway)) < 0)
			return err;
		o->hop.ifindex = (int)oif;
		o->hop.weight = 1;
		o->hop.flags = hop_flags(nhm->nh_flags);
	}
	err = sink(arg, &ev);
	return err < 0 ? err : 1;
}

bool nl_msg_ok(const void *msg, size_t avail)
{
	const struct nlmsghdr *nlh = msg;

	/* mnl_nlmsg_ok() compares (int)nlmsg_len, so a length of 2^31 or more
	 * would pass it; the unsigned comparison is the one that holds. */
	return avail >= sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) && nlh->nlmsg_len <= avail;
}

/* A device's (or all devices', or the default) ignore_routes_with_linkdown.
 * A notification names only the setting that changed: one of another
 * setting gives no event. Writing IPv4's default also changes every device
 * whose own value was never written (and that never had an IPv4 address:
 * adding one marks all its settings written), and tells only of the default
 * (checked in a namespace): that takes a resync, whose netconf dump gives
 * each device's value. RTM_DELNETCONF comes with the device's removal, which the
 * link's own message reports. */
static int parse_netconf(struct nl_parser *p, const struct nlmsghdr *nlh, rtw_sink *sink, void *arg)
{
	const struct netconfmsg *ncm = mnl_nlmsg_get_payload(nlh);
	const size_t hdr = NLMSG_ALIGN(sizeof(*ncm));
	struct rtw_event ev;
	struct attr_table t;
	int32_t ifindex;
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ncm))
		return -EBADMSG;
	if ((ncm->ncm_family != AF_INET && ncm->ncm_family != AF_INET6) ||
	    nlh->nlmsg_type != RTM_NEWNETCONF) {
		p->skipped++;
		return 0;
	}
	if (mnl_nlmsg_get_payload_len(nlh) < hdr)
		return -EBADMSG;
	err = collect(&t, (const char *)ncm + hdr, mnl_nlmsg_get_payload_len(nlh) - hdr);
	if (err < 0)
		return err;
	if (!t.tb[NETCONFA_IFINDEX] || !t.tb[NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN]) {
		p->skipped++;
		return 0;
	}
	if (mnl_attr_validate(t.tb[NETCONFA_IFINDEX], MNL_TYPE_U32) < 0 ||
	    mnl_attr_validate(t.tb[NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN], MNL_TYPE_U32) < 0)
		return -EBADMSG;
	ifindex = (int32_t)mnl_attr_get_u32(t.tb[NETCONFA_IFINDEX]);
	memset(&ev, 0, sizeof(ev));
	ev.type = RTW_EV_NETCONF;
	ev.u.netconf.family = ncm->ncm_family;
	if (ifindex == NETCONFA_IFINDEX_ALL)
		ev.u.netconf.ifindex = RTW_NETCONF_ALL;
	else if (ifindex == NETCONFA_IFINDEX_DEFAULT)
		ev.u.netconf.ifindex = RTW_NETCONF_DEFAULT;
	else if (ifindex > 0)
		ev.u.netconf.ifindex = ifindex;
	else
		return -EBADMSG;
	ev.u.netconf.ignore_linkdown =
	    mnl_attr_get_u32(t.tb[NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN]) != 0;
	if (p->notification && ev.u.netconf.family == AF_INET &&
	    ev.u.netconf.ifindex == RTW_NETCONF_DEFAULT)
		p->need_resync = true;
	err = sink(arg, &ev);
	return err < 0 ? err : 1;
}

int nl_parse_msg(struct nl_parser *p, const void *msg, size_t avail, rtw_sink *sink, void *arg)
{
	const struct nlmsghdr *nlh = msg;

	if (!nl_msg_ok(msg, avail))
		return -EBADMSG;
	switch (nlh->nlmsg_type) {
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		return parse_route(p, nlh, sink, arg);
	case RTM_NEWLINK:
	case RTM_DELLINK:
		return parse_link(p, nlh, sink, arg);
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return parse_address(p, nlh, sink, arg);
	case RTM_NEWNEXTHOP:
	case RTM_DELNEXTHOP:
		return parse_nexthop(p, nlh, sink, arg);
	case RTM_NEWNETCONF:
	case RTM_DELNETCONF:
		return parse_netconf(p, nlh, sink, arg);
	default:
		return 0;
	}
}

int nl_parse_buf(struct nl_parser *p, const void *buf, size_t len, rtw_sink *sink, void *arg)
{
	const struct nlmsghdr *nlh = buf;
	int left = len > INT32_MAX ? INT32_MAX : (int)len;
	int events = 0, r;

	while (left > 0) {
		if (!nl_msg_ok(nlh, (size_t)left))
			return -EBADMSG;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
				return -EBADMSG;
			if (e->error < 0)
				return e->error;
		} else if (nlh->nlmsg_type >= NLMSG_MIN_TYPE) {
			r = nl_parse_msg(p, nlh, (size_t)left, sink, arg);
			if (r < 0)
				return r;
			events += r;
		}
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	return events;
}
