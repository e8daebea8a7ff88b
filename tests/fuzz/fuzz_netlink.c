/* tests/fuzz/fuzz_netlink.c: libFuzzer entry point for the rtnetlink parser
 * (backends/netlink/parse.h). The input is one datagram as the kernel would
 * deliver it; every event that comes out is checked for what the core relies on. */
#include <errno.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "fuzzcheck.h"
#include "netlink/parse.h"

struct bounds {
	const struct nl_parser *p;
};

static void check_hops(const struct nl_parser *p, const struct rtw_nexthop *h, unsigned n)
{
	unsigned i;

	if (n == 0)
		return;
	/* the hops must be the caller's scratch array, within its capacity */
	if (h != p->hops || n > p->hops_cap)
		abort();
	for (i = 0; i < n; i++) {
		if (h[i].ifindex < 0 || h[i].weight == 0)
			abort();
		fuzz_check_addr(&h[i].gateway, true);
	}
}

static int check_sink(void *arg, const struct rtw_event *ev)
{
	const struct bounds *b = arg;
	const struct rtw_route *r;
	unsigned i;

	switch (ev->type) {
	case RTW_EV_ROUTE_ADD:
	case RTW_EV_ROUTE_DEL:
		r = &ev->u.route;
		fuzz_check_dst(&r->dst);
		fuzz_check_addr(&r->prefsrc, true);
		if ((r->n_nexthops == 0) != (r->nexthops == NULL))
			abort();
		check_hops(b->p, r->nexthops, r->n_nexthops);
		break;
	case RTW_EV_LINK_UP:
	case RTW_EV_LINK_DOWN:
	case RTW_EV_LINK_GONE:
		if (ev->u.link.ifindex <= 0 ||
		    memchr(ev->u.link.name, '\0', sizeof(ev->u.link.name)) == NULL)
			abort();
		break;
	case RTW_EV_ADDR_ADD:
	case RTW_EV_ADDR_DEL:
		fuzz_check_addr(&ev->u.addr.prefix.addr, false);
		if (ev->u.addr.ifindex <= 0 ||
		    ev->u.addr.prefix.len > addr_bits(ev->u.addr.prefix.addr.family))
			abort();
		break;
	case RTW_EV_NEXTHOP_ADD:
		if (ev->u.nhobj.id == 0 || ev->u.nhobj.n_group > b->p->members_cap)
			abort();
		if (ev->u.nhobj.n_group && ev->u.nhobj.group != b->p->members)
			abort();
		for (i = 0; i < ev->u.nhobj.n_group; i++)
			if (ev->u.nhobj.group[i].id == 0 || ev->u.nhobj.group[i].weight == 0)
				abort();
		fuzz_check_addr(&ev->u.nhobj.hop.gateway, true);
		break;
	case RTW_EV_NEXTHOP_DEL:
		if (ev->u.nhobj.id == 0)
			abort();
		break;
	case RTW_EV_NETCONF:
		if ((ev->u.netconf.family != AF_INET && ev->u.netconf.family != AF_INET6) ||
		    (ev->u.netconf.ifindex <= 0 && ev->u.netconf.ifindex != RTW_NETCONF_ALL &&
		     ev->u.netconf.ifindex != RTW_NETCONF_DEFAULT))
			abort();
		break;
	default:
		/* the parser reports dumps and overflows through its caller */
		abort();
	}
	return 0;
}

/* true when one of the datagram's messages is an NLMSG_ERROR carrying
 * -ENOSPC: nl_parse_buf() returns the kernel's error as it is, and that one
 * reads like "scratch too small". */
static bool carries_enospc(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (size - off >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr h;
		struct nlmsgerr e;

		memcpy(&h, data + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > size - off)
			return false;
		if (h.nlmsg_type == NLMSG_ERROR && h.nlmsg_len >= NLMSG_LENGTH(sizeof(e))) {
			memcpy(&e, data + off + NLMSG_HDRLEN, sizeof(e));
			if (e.error == -ENOSPC)
				return true;
		}
		off += NLMSG_ALIGN(h.nlmsg_len);
		if (off > size)
			return false;
	}
	return false;
}

/* One pass over an exact-size copy, with scratch arrays of hops_cap entries
 * allocated to that size, so that ASan sees any access past either. */
static void parse_once(const uint8_t *data, size_t size, bool notification, size_t cap,
		       bool cap_is_enough)
{
	struct nl_parser p;
	struct bounds b = { &p };
	void *copy = malloc(size ? size : 1);
	int r;

	memset(&p, 0, sizeof(p));
	p.hops = calloc(cap ? cap : 1, sizeof(*p.hops));
	p.members = calloc(cap ? cap : 1, sizeof(*p.members));
	if (!copy || !p.hops || !p.members)
		abort();
	p.hops_cap = (unsigned)cap;
	p.members_cap = (unsigned)cap;
	p.notification = notification;
	memcpy(copy, data, size);
	r = nl_parse_buf(&p, copy, size, check_sink, &b);
	/* nl_parse_max_hops() promises that -ENOSPC cannot happen (unless the
	 * kernel's own error says it) */
	if (r == -ENOSPC && cap_is_enough && !carries_enospc(data, size))
		abort();
	/* only a notification may ask for a resync */
	if (p.need_resync && !notification)
		abort();
	if (size >= 16 && nl_msg_ok(copy, size)) {
		r = nl_parse_msg(&p, copy, size, check_sink, &b);
		if (r == -ENOSPC && cap_is_enough)
			abort();
	}
	free(p.members);
	free(p.hops);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t enough = nl_parse_max_hops(size);

	parse_once(data, size, false, enough, true);
	parse_once(data, size, true, enough, true);
	/* small arrays: the parser must stop with -ENOSPC, not overrun them */
	parse_once(data, size, true, 1, false);
	return 0;
}
