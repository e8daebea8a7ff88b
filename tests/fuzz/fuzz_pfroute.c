/* tests/fuzz/fuzz_pfroute.c: libFuzzer entry point for the routing-socket
 * parser (backends/pfroute/parse.h). The first input byte picks the OS layout
 * (abi.h) and the options; the rest is what the kernel would have written. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "fuzzcheck.h"
#include "pfroute/parse.h"

static const struct pfroute_abi *const abis[] = { &pfroute_abi_freebsd, &pfroute_abi_macos,
						  &pfroute_abi_openbsd, &pfroute_abi_netbsd };

static int check_sink(void *arg, const struct rtw_event *ev)
{
	const struct rtw_route *r = &ev->u.route;
	unsigned i;

	(void)arg;
	switch (ev->type) {
	case RTW_EV_ROUTE_ADD:
	case RTW_EV_ROUTE_DEL:
		fuzz_check_dst(&r->dst);
		/* a preferred source of the other family would confuse lookups */
		if (r->prefsrc.family != AF_UNSPEC && r->prefsrc.family != r->dst.addr.family)
			abort();
		fuzz_check_addr(&r->prefsrc, true);
		if (r->n_nexthops > 1 || (r->n_nexthops && !r->nexthops))
			abort();
		/* a path is appended or removed only with a path to name */
		if ((ev->flags & RTW_EVF_APPEND) && r->n_nexthops == 0)
			abort();
		if ((ev->flags & ~(unsigned)(RTW_EVF_APPEND | RTW_EVF_REPLACE)) ||
		    (ev->flags & RTW_EVF_APPEND && ev->flags & RTW_EVF_REPLACE) ||
		    (ev->type == RTW_EV_ROUTE_DEL && ev->flags & RTW_EVF_REPLACE))
			abort();
		for (i = 0; i < r->n_nexthops; i++) {
			if (r->nexthops[i].ifindex < 0 || r->nexthops[i].weight == 0)
				abort();
			fuzz_check_addr(&r->nexthops[i].gateway, true);
		}
		break;
	case RTW_EV_LINK_UP:
	case RTW_EV_LINK_DOWN:
	case RTW_EV_LINK_GONE:
		if (ev->u.link.ifindex < 0 ||
		    memchr(ev->u.link.name, '\0', sizeof(ev->u.link.name)) == NULL)
			abort();
		break;
	case RTW_EV_ADDR_ADD:
	case RTW_EV_ADDR_DEL:
		fuzz_check_addr(&ev->u.addr.prefix.addr, false);
		if (ev->u.addr.prefix.len > addr_bits(ev->u.addr.prefix.addr.family))
			abort();
		break;
	case RTW_EV_OVERFLOW:
		break;
	default:
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfroute_parser p;
	struct pfroute_dump dump = { 0 };
	uint8_t *copy;
	size_t len;
	int r, n;

	if (size < 1)
		return 0;
	memset(&p, 0, sizeof(p));
	p.abi = abis[data[0] & 3];
	p.table = data[0] >> 3;
	len = size - 1;
	/* an exact-size copy: a read past the message is an ASan report */
	copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, data + 1, len);

	r = pfroute_parse_buf(&p, copy, len, check_sink, NULL);
	if (r < 0 && r != -EBADMSG && r != -EPROTO)
		abort();
	n = pfroute_msg_len(copy, len);
	if (n >= 0) {
		if ((size_t)n > len)
			abort();
		/* the same message once as live and once as a dump entry */
		r = pfroute_parse_msg(&p, NULL, copy, len, check_sink, NULL);
		if (r < 0 && r != -EBADMSG && r != -EPROTO)
			abort();
		r = pfroute_parse_msg(&p, &dump, copy, len, check_sink, NULL);
		if (r < 0 && r != -EBADMSG && r != -EPROTO)
			abort();
	}
	/* as read from the socket: dropped (counted) or the message's events */
	{
		uint64_t before = p.dropped;

		r = pfroute_parse_datagram(&p, copy, len, check_sink, NULL);
		if (r < 0 && r != -EBADMSG)
			abort();
		if (p.dropped != before &&
		    (r != 0 || (n >= 0 && (size_t)n == len && copy[2] == p.abi->version)))
			abort();
	}
	free(copy);
	return 0;
}
