/* backends/pfroute/parse.c: routing-socket messages of FreeBSD, macOS,
 * OpenBSD and NetBSD, from literal bytes and from a builder that writes
 * headers at each descriptor's offsets, to the events the core sees. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "evq.h"
#include "pfroute/parse.h"
#include "testutil.h"

/* ---- capturing sink ---- */

#define CAP_MAX 8

struct capture {
	int n;
	int fail_with; /* returned by the sink */
	struct rtw_event ev[CAP_MAX];
	struct rtw_nexthop hop[CAP_MAX];
};

static int capture_sink(void *arg, const struct rtw_event *ev)
{
	struct capture *c = arg;

	assert_true(c->n < CAP_MAX);
	c->ev[c->n] = *ev;
	if ((ev->type == RTW_EV_ROUTE_ADD || ev->type == RTW_EV_ROUTE_DEL) &&
	    ev->u.route.n_nexthops) {
		c->hop[c->n] = ev->u.route.nexthops[0];
		c->ev[c->n].u.route.nexthops = &c->hop[c->n];
	}
	c->n++;
	return c->fail_with;
}

static int parse_one(const struct pfroute_abi *abi, const void *buf, size_t len, struct capture *c)
{
	struct pfroute_parser p = { .abi = abi, .table = 0 };
	void *copy;
	int ret;

	memset(c, 0, sizeof(*c));
	/* an exact-size heap copy, so that ASan sees any read past the end */
	copy = malloc(len ? len : 1);
	assert_non_null(copy);
	if (len)
		memcpy(copy, buf, len);
	ret = pfroute_parse_msg(&p, NULL, copy, len, capture_sink, c);
	free(copy);
	return ret;
}

static void assert_prefix(const struct rtw_prefix *p, const char *want)
{
	char buf[64];

	assert_true(rtw_prefix_format(p, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, want);
}

static void assert_addr(const struct rtw_addr *a, const char *want)
{
	char buf[64];

	assert_true(rtw_addr_format(a, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, want);
}

/* ---- message builder: headers at the descriptor's offsets ---- */

struct mb {
	const struct pfroute_abi *abi;
	uint8_t b[512];
	size_t len;
	size_t addrs_off;
	uint32_t addrs;
};

static void put16(struct mb *m, size_t off, uint16_t v)
{
	memcpy(m->b + off, &v, sizeof(v));
}

static void put32(struct mb *m, size_t off, uint32_t v)
{
	memcpy(m->b + off, &v, sizeof(v));
}

static void mb_header(struct mb *m, const struct pfroute_abi *abi, unsigned type, size_t size,
		      int hdrlen_off, size_t addrs_off)
{
	memset(m, 0, sizeof(*m));
	m->abi = abi;
	m->b[2] = abi->version;
	m->b[3] = (uint8_t)type;
	if (hdrlen_off >= 0)
		put16(m, (size_t)hdrlen_off, (uint16_t)size);
	m->len = size;
	m->addrs_off = addrs_off;
}

static void mb_route(struct mb *m, const struct pfroute_abi *abi, unsigned type, uint32_t flags,
		     uint16_t ifindex, int32_t pid)
{
	mb_header(m, abi, type, abi->rt_size, abi->rt_hdrlen, abi->rt_addrs);
	put32(m, abi->rt_flags, flags | 0x1 /* RTF_UP */);
	put16(m, abi->rt_index, ifindex);
	put32(m, abi->rt_pid, (uint32_t)pid);
}

static void mb_ifinfo(struct mb *m, const struct pfroute_abi *abi, uint16_t ifindex,
		      uint32_t ifflags, uint32_t link_state)
{
	mb_header(m, abi, abi->rtm_ifinfo, abi->ifm_size, abi->ifm_hdrlen, abi->ifm_addrs);
	put32(m, abi->ifm_flags, ifflags);
	put16(m, abi->ifm_index, ifindex);
	if (abi->ifm_link_state_size == 4)
		put32(m, (size_t)abi->ifm_link_state, link_state);
	else if (abi->ifm_link_state_size == 1)
		m->b[abi->ifm_link_state] = (uint8_t)link_state;
}

static void mb_ifa(struct mb *m, const struct pfroute_abi *abi, unsigned type, uint16_t ifindex)
{
	mb_header(m, abi, type, abi->ifam_size, abi->ifam_hdrlen, abi->ifam_addrs);
	put16(m, abi->ifam_index, ifindex);
}

static void mb_ifan(struct mb *m, const struct pfroute_abi *abi, uint16_t ifindex, const char *name,
		    uint16_t what)
{
	mb_header(m, abi, abi->rtm_ifannounce, abi->ifan_size, abi->ifan_hdrlen, 0);
	put16(m, abi->ifan_index, ifindex);
	memcpy(m->b + abi->ifan_name, name, strlen(name));
	put16(m, abi->ifan_what, what);
}

/* Append one sockaddr of salen bytes for slot rtax, padded as the OS pads. */
static void mb_sa(struct mb *m, unsigned rtax, const uint8_t *sa, size_t salen)
{
	size_t unit = m->abi->sa_align;
	size_t step = salen ? (salen + unit - 1) / unit * unit : unit;

	assert_true(m->len + step <= sizeof(m->b));
	memcpy(m->b + m->len, sa, salen);
	m->len += step;
	m->addrs |= 1u << rtax;
}

static void mb_ip(struct mb *m, unsigned rtax, const char *text)
{
	uint8_t sa[28] = { 0 };

	if (strchr(text, ':')) {
		sa[0] = 28;
		sa[1] = m->abi->af_inet6;
		assert_int_equal(inet_pton(AF_INET6, text, sa + 8), 1);
		mb_sa(m, rtax, sa, 28);
	} else {
		sa[0] = 16;
		sa[1] = m->abi->af_inet;
		assert_int_equal(inet_pton(AF_INET, text, sa + 4), 1);
		mb_sa(m, rtax, sa, 16);
	}
}

/* A netmask cut after its last non-zero byte, as the kernels send it. */
static void mb_mask(struct mb *m, uint8_t family_byte, bool v6, const uint8_t *bytes, size_t n)
{
	uint8_t sa[28] = { 0 };
	size_t off = v6 ? 8 : 4;

	if (n)
		memcpy(sa + off, bytes, n);
	sa[0] = (uint8_t)(n ? off + n : 0);
	sa[1] = family_byte;
	mb_sa(m, 2, sa, sa[0]);
}

static void mb_dl(struct mb *m, unsigned rtax, uint16_t ifindex, const char *name)
{
	uint8_t sa[32] = { 0 };
	size_t nlen = strlen(name);

	sa[0] = (uint8_t)(8 + nlen);
	sa[1] = m->abi->af_link;
	memcpy(sa + 2, &ifindex, 2);
	sa[5] = (uint8_t)nlen;
	memcpy(sa + 8, name, nlen);
	mb_sa(m, rtax, sa, sa[0]);
}

static size_t mb_done(struct mb *m)
{
	put16(m, 0, (uint16_t)m->len);
	if (m->addrs_off)
		put32(m, m->addrs_off, m->addrs);
	return m->len;
}

static const struct pfroute_abi *const all_abis[] = { &pfroute_abi_freebsd, &pfroute_abi_macos,
						      &pfroute_abi_openbsd, &pfroute_abi_netbsd };
#define N_ABIS (sizeof(all_abis) / sizeof(all_abis[0]))

/* ---- literal fixtures, byte by byte from the layouts in the notes ---- */

/* The literal messages are little-endian, as amd64 and arm64 kernels write
 * them; the parser reads host order, so they only mean this on such hosts. */
static void need_little_endian(void)
{
	const uint16_t one = 1;

	if (*(const uint8_t *)&one != 1)
		skip();
}

/* FreeBSD amd64: RTM_ADD 192.168.1.0/24 via 10.0.0.1 on ifindex 2.
 * rt_msghdr is 152 bytes; sockaddrs round to 8; the mask is cut to 7 bytes
 * with family 0 (x/net's `0x7,0x0,...` form). */
static const uint8_t freebsd_add_net[192] = {
	[0] = 192,   [1] = 0,		      /* rtm_msglen */
	[2] = 5,			      /* RTM_VERSION */
	[3] = 1,			      /* RTM_ADD */
	[4] = 2,			      /* rtm_index */
	[8] = 0x03,			      /* RTF_UP | RTF_GATEWAY */
	[12] = 0x07,			      /* RTA_DST | RTA_GATEWAY | RTA_NETMASK */
	[16] = 0x39, [17] = 0x05,	      /* rtm_pid 1337 */
	[152] = 16,  [153] = 2,		      /* dst: sockaddr_in */
	[156] = 192, [157] = 168, [158] = 1,  /* 192.168.1.0 */
	[168] = 16,  [169] = 2,		      /* gateway */
	[172] = 10,  [175] = 1,		      /* 10.0.0.1 */
	[184] = 7,   [185] = 0,		      /* mask: sa_len 7, family 0 */
	[188] = 255, [189] = 255, [190] = 255 /* 255.255.255 (.0 cut) */
};

/* macOS: RTM_ADD default route via 192.168.64.1 on ifindex 4, header 92
 * bytes, sockaddrs round to 4, and the mask is an empty sockaddr (sa_len 0)
 * that still takes one 4-byte unit. */
static const uint8_t macos_add_default[128] = {
	[0] = 128,						    /* rtm_msglen */
	[2] = 5,						    /* RTM_VERSION */
	[3] = 1,						    /* RTM_ADD */
	[4] = 4,						    /* rtm_index */
	[8] = 0x03,						    /* RTF_UP | RTF_GATEWAY */
	[12] = 0x07,						    /* DST | GATEWAY | NETMASK */
	[92] = 16,   [93] = 2,					    /* dst 0.0.0.0 */
	[108] = 16,  [109] = 2,					    /* gateway */
	[112] = 192, [113] = 168, [114] = 64, [115] = 1, [124] = 0, /* mask: sa_len 0, one unit */
};

/* macOS: RTM_ADD 10.20.0.0/16 with the mask family 0xff (golang/go #71578:
 * `0x6,0xff,...`) and an AF_LINK gateway utun4 (sdl_index 9). */
static const uint8_t macos_add_link[92 + 16 + 16 + 8] = {
	[0] = 132,    [2] = 5,	   [3] = 1,	[4] = 9,     [8] = 0x01, /* RTF_UP: no RTF_GATEWAY */
	[12] = 0x07,  [92] = 16,   [93] = 2,	[96] = 10,   [97] = 20,	  [108] = 13,
	[109] = 18, /* sockaddr_dl, 8 + 5 bytes */
	[110] = 9,  /* sdl_index */
	[113] = 5,  /* sdl_nlen */
	[116] = 'u',  [117] = 't', [118] = 'u', [119] = 'n', [120] = '4', [124] = 6,
	[125] = 0xff, [128] = 255, [129] = 255,
};

/* OpenBSD: RTM_ADD 2001:db8::/32 via fe80::1 (scope 3 embedded in bytes
 * 2-3, KAME style), rtm_hdrlen 96 at offset 4, table 5, priority
 * RTP_DOWN | 8. Sockaddrs round to 8: 96 + 32 + 32 + 16 = 176. */
static const uint8_t openbsd_add_v6[176] = {
	[0] = 176,    [2] = 5,	    [3] = 1,	  [4] = 96, /* rtm_hdrlen */
	[6] = 3,					    /* rtm_index */
	[8] = 5,					    /* rtm_tableid */
	[10] = 0x88,					    /* rtm_priority: RTP_DOWN | 8 */
	[12] = 0x07,					    /* rtm_addrs */
	[16] = 0x03,					    /* rtm_flags */
	[96] = 28,    [97] = 24,			    /* dst: sockaddr_in6, AF_INET6 24 */
	[104] = 0x20, [105] = 0x01, [106] = 0x0d, [107] = 0xb8,
	[128] = 28,   [129] = 24, /* gateway fe80:3::1 */
	[136] = 0xfe, [137] = 0x80, [139] = 3,	  [151] = 1,
	[160] = 12,   [161] = 0, /* mask ffff:ffff (cut) */
	[168] = 0xff, [169] = 0xff, [170] = 0xff, [171] = 0xff,
};

/* NetBSD: RTM_IFINFO (0x14) for ifindex 7, IFF_UP, ifi_link_state int
 * LINK_STATE_DOWN (1) at 20, if_msghdr 152 bytes, RTM_VERSION 4. */
static const uint8_t netbsd_ifinfo_down[152] = {
	[0] = 152, [2] = 4, [3] = 0x14, [8] = 0x01, /* ifm_flags IFF_UP */
	[12] = 7,				    /* ifm_index */
	[20] = 1,				    /* link state down */
};

static void literal_freebsd_net_route(void **state)
{
	struct capture c;

	need_little_endian();

	assert_int_equal(
	    parse_one(&pfroute_abi_freebsd, freebsd_add_net, sizeof(freebsd_add_net), &c), 1);
	assert_int_equal(c.ev[0].type, RTW_EV_ROUTE_ADD);
	/* a live RTM_ADD on FreeBSD may be one more path of a route */
	assert_int_equal(c.ev[0].flags, RTW_EVF_APPEND);
	assert_prefix(&c.ev[0].u.route.dst, "192.168.1.0/24");
	assert_int_equal(c.ev[0].u.route.type, RTW_ROUTE_UNICAST);
	assert_int_equal(c.ev[0].u.route.table, 0);
	assert_int_equal(c.ev[0].u.route.metric, 0);
	assert_int_equal(c.ev[0].u.route.n_nexthops, 1);
	assert_addr(&c.hop[0].gateway, "10.0.0.1");
	assert_int_equal(c.hop[0].ifindex, 2);
	/* the same bytes are not a macOS message: wrong header size there */
	assert_int_not_equal(
	    parse_one(&pfroute_abi_macos, freebsd_add_net, sizeof(freebsd_add_net), &c), 1);
}

static void literal_macos_routes(void **state)
{
	struct capture c;

	need_little_endian();

	assert_int_equal(
	    parse_one(&pfroute_abi_macos, macos_add_default, sizeof(macos_add_default), &c), 1);
	assert_prefix(&c.ev[0].u.route.dst, "0.0.0.0/0");
	assert_addr(&c.hop[0].gateway, "192.168.64.1");
	assert_int_equal(c.hop[0].ifindex, 4);

	assert_int_equal(parse_one(&pfroute_abi_macos, macos_add_link, sizeof(macos_add_link), &c),
			 1);
	assert_prefix(&c.ev[0].u.route.dst, "10.20.0.0/16");
	assert_int_equal(c.ev[0].u.route.n_nexthops, 1);
	assert_int_equal(c.hop[0].gateway.family, AF_UNSPEC);
	assert_int_equal(c.hop[0].ifindex, 9);
}

static void literal_openbsd_v6_route(void **state)
{
	struct capture c;

	need_little_endian();

	assert_int_equal(
	    parse_one(&pfroute_abi_openbsd, openbsd_add_v6, sizeof(openbsd_add_v6), &c), 1);
	assert_prefix(&c.ev[0].u.route.dst, "2001:db8::/32");
	assert_int_equal(c.ev[0].u.route.table, 5);
	assert_int_equal(c.ev[0].u.route.metric, 8);
	assert_true(c.ev[0].u.route.flags & RTW_ROUTE_F_LINKDOWN);
	assert_true(c.hop[0].flags & RTW_NH_LINKDOWN);
	assert_addr(&c.hop[0].gateway, "fe80::1");
	assert_int_equal(c.hop[0].ifindex, 3);
}

/* OpenBSD's dump masks RTP_DOWN out of the priority: a route on a down link
 * is told by its cleared RTF_UP there. A deletion clears RTF_UP as well,
 * and an up route has it. */
static void openbsd_down_without_rtp_down(void **state)
{
	const struct pfroute_abi *abi = &pfroute_abi_openbsd;
	struct pfroute_parser p = { .abi = abi };
	struct capture c;
	struct mb m;
	unsigned k;

	need_little_endian();
	for (k = 0; k < 3; k++) {
		mb_route(&m, abi, k == 2 ? abi->rtm_delete : abi->rtm_get, PFR_RTF_GATEWAY, 3, 0);
		if (k > 0) /* mb_route sets RTF_UP */
			put32(&m, abi->rt_flags, PFR_RTF_GATEWAY);
		m.b[abi->rt_priority] = 8;
		mb_ip(&m, 0, "198.51.100.0");
		mb_ip(&m, 1, "192.0.2.1");
		mb_mask(&m, 0, false, (const uint8_t[]){ 255, 255, 255 }, 3);
		mb_done(&m);
		memset(&c, 0, sizeof(c));
		assert_int_equal(pfroute_parse_buf(&p, m.b, m.len, capture_sink, &c), 1);
		assert_prefix(&c.ev[0].u.route.dst, "198.51.100.0/24");
		assert_int_equal(c.ev[0].u.route.metric, 8);
		assert_int_equal(!!(c.ev[0].u.route.flags & RTW_ROUTE_F_LINKDOWN), k == 1);
		assert_int_equal(!!(c.hop[0].flags & RTW_NH_LINKDOWN), k == 1);
	}
}

static void literal_netbsd_ifinfo(void **state)
{
	struct capture c;

	need_little_endian();

	assert_int_equal(
	    parse_one(&pfroute_abi_netbsd, netbsd_ifinfo_down, sizeof(netbsd_ifinfo_down), &c), 1);
	assert_int_equal(c.ev[0].type, RTW_EV_LINK_DOWN);
	assert_int_equal(c.ev[0].u.link.ifindex, 7);
	assert_true(c.ev[0].u.link.admin_up);
	assert_false(c.ev[0].u.link.carrier_up);
}

/* The builder writes what the literal fixtures spell out by hand. */
static void builder_matches_literals(void **state)
{
	static const uint8_t mask24[] = { 255, 255, 255 };
	struct mb m;

	need_little_endian();

	mb_route(&m, &pfroute_abi_freebsd, PFR_RTM_ADD, PFR_RTF_GATEWAY, 2, 1337);
	mb_ip(&m, 0, "192.168.1.0");
	mb_ip(&m, 1, "10.0.0.1");
	mb_mask(&m, 0, false, mask24, 3);
	assert_int_equal(mb_done(&m), sizeof(freebsd_add_net));
	assert_memory_equal(m.b, freebsd_add_net, sizeof(freebsd_add_net));

	mb_ifinfo(&m, &pfroute_abi_netbsd, 7, PFR_IFF_UP, 1);
	assert_int_equal(mb_done(&m), sizeof(netbsd_ifinfo_down));
	assert_memory_equal(m.b, netbsd_ifinfo_down, sizeof(netbsd_ifinfo_down));
}

static void header_sizes(void **state)
{
	assert_int_equal(pfroute_abi_freebsd.rt_size, 152);
	assert_int_equal(pfroute_abi_macos.rt_size, 92);
	assert_int_equal(pfroute_abi_openbsd.rt_size, 96);
	assert_int_equal(pfroute_abi_netbsd.rt_size, 120);
	assert_int_equal(pfroute_abi_netbsd.version, 4);
	assert_int_equal(pfroute_abi_macos.sa_align, 4);
	assert_int_equal(pfroute_abi_freebsd.sa_align, 8);
}

/* ---- every layout through the builder ---- */

static void host_and_net_routes(void **state)
{
	static const uint8_t mask64[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	size_t i;

	for (i = 0; i < N_ABIS; i++) {
		const struct pfroute_abi *abi = all_abis[i];
		struct capture c;
		struct mb m;

		/* host route: RTF_HOST and no mask */
		mb_route(&m, abi, abi->rtm_add, PFR_RTF_GATEWAY | PFR_RTF_HOST, 3, 0);
		mb_ip(&m, 0, "198.51.100.7");
		mb_ip(&m, 1, "192.0.2.1");
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
		assert_prefix(&c.ev[0].u.route.dst, "198.51.100.7/32");
		assert_addr(&c.hop[0].gateway, "192.0.2.1");
		assert_int_equal(c.hop[0].ifindex, 3);

		/* IPv6 net route with a family-0 truncated mask */
		mb_route(&m, abi, abi->rtm_add, PFR_RTF_GATEWAY, 4, 0);
		mb_ip(&m, 0, "2001:db8:1:2::");
		mb_ip(&m, 1, "2001:db8::1");
		mb_mask(&m, 0, true, mask64, sizeof(mask64));
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
		assert_prefix(&c.ev[0].u.route.dst, "2001:db8:1:2::/64");
		assert_addr(&c.hop[0].gateway, "2001:db8::1");
		assert_int_equal(c.ev[0].u.route.dst.addr.family, AF_INET6);

		/* the same with a 0xff family byte, and set host bits masked */
		mb_route(&m, abi, abi->rtm_add, PFR_RTF_GATEWAY, 4, 0);
		mb_ip(&m, 0, "2001:db8:1:2::5");
		mb_ip(&m, 1, "2001:db8::1");
		mb_mask(&m, 0xff, true, mask64, 6);
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
		assert_prefix(&c.ev[0].u.route.dst, "2001:db8:1::/48");

		/* IPv4 mask with family 0xff */
		mb_route(&m, abi, abi->rtm_add, PFR_RTF_GATEWAY, 4, 0);
		mb_ip(&m, 0, "10.1.0.0");
		mb_ip(&m, 1, "10.0.0.1");
		mb_mask(&m, 0xff, false, (const uint8_t[]){ 255, 255 }, 2);
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
		assert_prefix(&c.ev[0].u.route.dst, "10.1.0.0/16");

		/* a mask naming the other family is not a mask for this route */
		mb_route(&m, abi, abi->rtm_add, PFR_RTF_GATEWAY, 4, 0);
		mb_ip(&m, 0, "10.1.0.0");
		mb_ip(&m, 1, "10.0.0.1");
		mb_mask(&m, abi->af_inet6, false, (const uint8_t[]){ 255, 255 }, 2);
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), -EBADMSG);
	}
}

static void link_gateway_is_device_route(void **state)
{
	size_t i;

	for (i = 0; i < N_ABIS; i++) {
		const struct pfroute_abi *abi = all_abis[i];
		struct capture c;
		struct mb m;

		mb_route(&m, abi, abi->rtm_add, 0, 1, 0);
		mb_ip(&m, 0, "0.0.0.0");
		mb_dl(&m, 1, 6, "wg0");
		mb_mask(&m, 0, false, NULL, 0);
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
		assert_prefix(&c.ev[0].u.route.dst, "0.0.0.0/0");
		assert_int_equal(c.ev[0].u.route.n_nexthops, 1);
		assert_int_equal(c.hop[0].gateway.family, AF_UNSPEC);
		assert_int_equal(c.hop[0].ifindex, 6); /* sdl_index wins over rtm_index */
		assert_int_equal(c.ev[0].u.route.type, RTW_ROUTE_UNICAST);

		/* a host route out of lo0 (1) with em0's (2) link as gateway:
		 * FreeBSD's route to an address of em0, local */
		mb_route(&m, abi, abi->rtm_add, PFR_RTF_HOST | PFR_RTF_STATIC, 1, 0);
		mb_ip(&m, 0, "192.0.2.5");
		mb_dl(&m, 1, 2, "em0");
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
		assert_prefix(&c.ev[0].u.route.dst, "192.0.2.5/32");
		assert_int_equal(c.ev[0].u.route.type, RTW_ROUTE_LOCAL);
		assert_int_equal(c.ev[0].u.route.protocol, 2); /* RTPROT_KERNEL */
		assert_int_equal(c.hop[0].ifindex, 2);
		/* the same out of em0 itself is an on-link host route */
		put16(&m, abi->rt_index, 2);
		assert_int_equal(parse_one(abi, m.b, m.len, &c), 1);
		assert_int_equal(c.ev[0].u.route.type, RTW_ROUTE_UNICAST);
	}
}

static void message_types(void **state)
{
	size_t i;

	for (i = 0; i < N_ABIS; i++) {
		const struct pfroute_abi *abi = all_abis[i];
		struct capture c;
		struct mb m;

		mb_route(&m, abi, abi->rtm_delete, PFR_RTF_GATEWAY | PFR_RTF_HOST, 2, 0);
		mb_ip(&m, 0, "192.0.2.9");
		mb_ip(&m, 1, "192.0.2.1");
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
		assert_int_equal(c.ev[0].type, RTW_EV_ROUTE_DEL);
		/* with multipath the delete names the one path it removes */
		assert_int_equal(c.ev[0].flags, abi->multipath ? RTW_EVF_APPEND : 0);

		m.b[3] = abi->rtm_change;
		assert_int_equal(parse_one(abi, m.b, m.len, &c), 1);
		assert_int_equal(c.ev[0].type, RTW_EV_ROUTE_ADD);
		assert_int_equal(c.ev[0].flags, RTW_EVF_REPLACE);

		/* someone's RTM_GET answered: nothing changed */
		m.b[3] = abi->rtm_get;
		assert_int_equal(parse_one(abi, m.b, m.len, &c), 0);
		assert_int_equal(c.n, 0);
		/* the sysctl dump's entries are RTM_GETs */
		memset(&c, 0, sizeof(c));
		assert_int_equal(pfroute_parse_buf(&(struct pfroute_parser){ .abi = abi }, m.b,
						   m.len, capture_sink, &c),
				 1);
		assert_int_equal(c.ev[0].type, RTW_EV_ROUTE_ADD);
		assert_int_equal(c.ev[0].flags, 0);

		m.b[3] = 7; /* RTM_MISS: nothing for the model */
		assert_int_equal(parse_one(abi, m.b, m.len, &c), 0);
		assert_int_equal(c.n, 0);
	}
}

static void route_types(void **state)
{
	size_t i;

	for (i = 0; i < N_ABIS; i++) {
		const struct pfroute_abi *abi = all_abis[i];
		struct capture c;
		struct mb m;

		mb_route(&m, abi, abi->rtm_add, PFR_RTF_BLACKHOLE | PFR_RTF_GATEWAY, 1, 0);
		mb_ip(&m, 0, "203.0.113.0");
		mb_ip(&m, 1, "127.0.0.1");
		mb_mask(&m, 0, false, (const uint8_t[]){ 255, 255, 255 }, 3);
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
		assert_int_equal(c.ev[0].u.route.type, RTW_ROUTE_BLACKHOLE);
		assert_int_equal(c.ev[0].u.route.n_nexthops, 0);

		put32(&m, abi->rt_flags, PFR_RTF_REJECT | PFR_RTF_GATEWAY);
		assert_int_equal(parse_one(abi, m.b, m.len, &c), 1);
		assert_int_equal(c.ev[0].u.route.type, RTW_ROUTE_UNREACHABLE);
		assert_int_equal(c.ev[0].u.route.n_nexthops, 0);

		/* own address on lo0 */
		mb_route(&m, abi, abi->rtm_add, PFR_RTF_HOST | abi->rtf_local | abi->rtf_skip, 1,
			 0);
		mb_ip(&m, 0, "192.0.2.10");
		mb_dl(&m, 1, 1, "lo0");
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
		assert_int_equal(c.ev[0].u.route.type, RTW_ROUTE_LOCAL);
		assert_prefix(&c.ev[0].u.route.dst, "192.0.2.10/32");
		assert_int_equal(c.hop[0].ifindex, 1);

		/* ARP/NDP entries are skipped */
		mb_route(&m, abi, abi->rtm_add, PFR_RTF_HOST | PFR_RTF_LLINFO, 2, 0);
		mb_ip(&m, 0, "192.0.2.20");
		mb_dl(&m, 1, 2, "em0");
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 0);
		assert_int_equal(c.n, 0);

		/* a static route says so */
		mb_route(&m, abi, abi->rtm_add, PFR_RTF_GATEWAY | PFR_RTF_STATIC, 2, 0);
		mb_ip(&m, 0, "192.0.2.0");
		mb_ip(&m, 1, "192.0.2.1");
		mb_mask(&m, 0, false, (const uint8_t[]){ 255, 255, 255 }, 3);
		mb_ip(&m, 5, "192.0.2.33"); /* RTA_IFA: the source address */
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
		assert_int_equal(c.ev[0].u.route.protocol, 4);
		assert_addr(&c.ev[0].u.route.prefsrc, "192.0.2.33");
	}
}

static void skipped_messages(void **state)
{
	size_t i;

	for (i = 0; i < N_ABIS; i++) {
		const struct pfroute_abi *abi = all_abis[i];
		struct pfroute_parser p = { .abi = abi };
		struct capture c = { 0 };
		struct mb m;
		uint8_t dg[sizeof(m.b) + 8];

		/* this process's own change (an application that writes routes):
		 * the kernel's copy of the request is the only report of it */
		mb_route(&m, abi, abi->rtm_add, PFR_RTF_GATEWAY | PFR_RTF_HOST, 2, getpid());
		mb_ip(&m, 0, "192.0.2.9");
		mb_ip(&m, 1, "192.0.2.1");
		mb_done(&m);
		assert_int_equal(pfroute_parse_datagram(&p, m.b, m.len, capture_sink, &c), 1);
		assert_int_equal(c.ev[0].type, RTW_EV_ROUTE_ADD);
		assert_prefix(&c.ev[0].u.route.dst, "192.0.2.9/32");

		/* A datagram that is not one whole message of this version is no
		 * kernel's: a refused write relayed as written. Dropped, counted,
		 * no resync: a delete longer than its msglen, one shorter, one of
		 * another version. */
		mb_route(&m, abi, abi->rtm_delete, PFR_RTF_GATEWAY | PFR_RTF_HOST, 2, 4243);
		mb_ip(&m, 0, "192.0.2.9");
		mb_ip(&m, 1, "192.0.2.1");
		mb_done(&m);
		memset(&c, 0, sizeof(c));
		memcpy(dg, m.b, m.len);
		memset(dg + m.len, 0, 8);
		assert_int_equal(pfroute_parse_datagram(&p, dg, m.len + 8, capture_sink, &c), 0);
		assert_int_equal(pfroute_parse_datagram(&p, dg, m.len - 4, capture_sink, &c), 0);
		dg[2] = (uint8_t)(abi->version + 1);
		assert_int_equal(pfroute_parse_datagram(&p, dg, m.len, capture_sink, &c), 0);
		assert_int_equal(c.n, 0);
		assert_int_equal(p.dropped, 3);
		/* the same delete, whole: parsed */
		assert_int_equal(pfroute_parse_datagram(&p, m.b, m.len, capture_sink, &c), 1);
		assert_int_equal(c.ev[0].type, RTW_EV_ROUTE_DEL);
		assert_int_equal(p.dropped, 3);

		/* a dump record with our pid is the table (OpenBSD writes the
		 * reader's pid into every one) */
		mb_route(&m, abi, abi->rtm_get, PFR_RTF_GATEWAY | PFR_RTF_HOST, 2, getpid());
		mb_ip(&m, 0, "192.0.2.10");
		mb_ip(&m, 1, "192.0.2.1");
		mb_done(&m);
		memset(&c, 0, sizeof(c));
		assert_int_equal(pfroute_parse_buf(&p, m.b, m.len, capture_sink, &c), 1);
		assert_int_equal(c.ev[0].type, RTW_EV_ROUTE_ADD);
		assert_prefix(&c.ev[0].u.route.dst, "192.0.2.10/32");

		/* a request that failed changed nothing */
		put32(&m, abi->rt_errno, EEXIST);
		assert_int_equal(parse_one(abi, m.b, m.len, &c), 0);
		assert_int_equal(c.n, 0);

		/* a non-IP destination is no IP route */
		mb_route(&m, abi, abi->rtm_add, 0, 2, 0);
		mb_dl(&m, 0, 2, "em0");
		mb_dl(&m, 1, 2, "em0");
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 0);
	}
}

/* macOS's fe80::/64 of en0 (index 4) or awdl0 (8), the scope embedded in
 * bytes 2-3 (KAME), the interface as an AF_LINK gateway, as parsed. */
static struct evq_item macos_linklocal(unsigned type, uint16_t ifindex, const char *name)
{
	static const uint8_t mask64[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const struct pfroute_abi *abi = &pfroute_abi_macos;
	struct evq_item it;
	struct capture c;
	struct mb m;
	char dst[32];

	snprintf(dst, sizeof(dst), "fe80:%x::", ifindex);
	mb_route(&m, abi, type, 0, ifindex, 0);
	mb_ip(&m, 0, dst);
	mb_dl(&m, 1, ifindex, name);
	mb_mask(&m, 0xff, true, mask64, sizeof(mask64));
	assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
	memset(&it, 0, sizeof(it));
	it.ev = c.ev[0];
	it.hops[0] = c.hop[0];
	return it;
}

/* Every interface has its own fe80::/64, which the kernel keys by its
 * scope (read in xnu's sources, not run): the one of awdl0 coming and
 * going must leave en0's alone, though the parser drops the scope from
 * the address. */
static void macos_linklocal_routes_per_interface(void **state)
{
	static const uint32_t fib[] = { 0 }; /* the parser's table: the socket's FIB */
	struct rtw_options fib0 = { .tables = fib, .n_tables = 1 };
	struct sockaddr_in6 peer;
	struct rtw_route r;
	struct rtw_ctx *c;

	(void)state;
	evq_reset();
	evq_dump_add(evq_link(4, "en0", true, true));
	evq_dump_add(evq_link(8, "awdl0", true, true));
	evq_dump_add(macos_linklocal(PFR_RTM_ADD, 4, "en0"));
	c = evq_ctx(&fib0);
	assert_non_null(c);
	assert_int_equal(rtw_start(c), 0);
	evq_push(macos_linklocal(PFR_RTM_ADD, 8, "awdl0"));
	evq_push(macos_linklocal(PFR_RTM_DELETE, 8, "awdl0"));
	assert_true(rtw_dispatch(c) >= 0);
	memset(&peer, 0, sizeof(peer));
	peer.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "fe80::1", &peer.sin6_addr), 1);
	peer.sin6_scope_id = 4;
	assert_int_equal(rtw_lookup(c, (struct sockaddr *)&peer, &r), 0);
	assert_prefix(&r.dst, "fe80::/64");
	assert_int_equal(r.nexthops[0].ifindex, 4);
	rtw_free(c);
}

static void macos_scoped_and_cloned_routes(void **state)
{
	const struct pfroute_abi *abi = &pfroute_abi_macos;
	static const uint32_t skipped[] = { PFR_MACOS_RTF_IFSCOPE, PFR_MACOS_RTF_WASCLONED };
	size_t i;

	for (i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++) {
		struct capture c;
		struct mb m;

		mb_route(&m, abi, PFR_RTM_ADD, PFR_RTF_GATEWAY | skipped[i], 5, 0);
		mb_ip(&m, 0, "0.0.0.0");
		mb_ip(&m, 1, "192.168.2.1");
		mb_mask(&m, 0, false, NULL, 0);
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 0);
		assert_int_equal(c.n, 0);
		/* the primary default route is kept */
		put32(&m, abi->rt_flags, PFR_RTF_GATEWAY | 0x1);
		assert_int_equal(parse_one(abi, m.b, m.len, &c), 1);
	}
}

static void wrong_version(void **state)
{
	size_t i;

	for (i = 0; i < N_ABIS; i++) {
		const struct pfroute_abi *abi = all_abis[i];
		struct capture c;
		struct mb m;

		mb_route(&m, abi, abi->rtm_add, PFR_RTF_HOST, 2, 0);
		mb_ip(&m, 0, "192.0.2.9");
		mb_done(&m);
		m.b[2] = (uint8_t)(abi->version + 1);
		assert_int_equal(parse_one(abi, m.b, m.len, &c), -EPROTO);
		assert_int_equal(c.n, 0);
	}
	/* NetBSD's version 4 is not FreeBSD's 5 */
	assert_int_equal(parse_one(&pfroute_abi_freebsd, netbsd_ifinfo_down,
				   sizeof(netbsd_ifinfo_down), &(struct capture){ 0 }),
			 -EPROTO);
}

static void link_state(void **state)
{
	size_t i;

	for (i = 0; i < N_ABIS; i++) {
		const struct pfroute_abi *abi = all_abis[i];
		uint32_t up = abi->linkstate == PFROUTE_LS_OPENBSD ? 4 : 2;
		uint32_t down = abi->linkstate == PFROUTE_LS_OPENBSD ? 2 : 1;
		uint32_t running = abi->linkstate == PFROUTE_LS_NONE ? PFR_IFF_RUNNING : 0;
		struct capture c;
		struct mb m;

		mb_ifinfo(&m, abi, 5, PFR_IFF_UP | running, up);
		mb_dl(&m, 4, 5, "em1"); /* as in the sysctl dump */
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
		assert_int_equal(c.ev[0].type, RTW_EV_LINK_UP);
		assert_int_equal(c.ev[0].u.link.ifindex, 5);
		assert_string_equal(c.ev[0].u.link.name, "em1");
		assert_true(c.ev[0].u.link.admin_up);
		assert_true(c.ev[0].u.link.carrier_up);

		/* carrier lost, no address (as from the socket) */
		mb_ifinfo(&m, abi, 5, PFR_IFF_UP, down);
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
		assert_int_equal(c.ev[0].type, RTW_EV_LINK_DOWN);
		assert_true(c.ev[0].u.link.admin_up);
		assert_false(c.ev[0].u.link.carrier_up);
		assert_string_equal(c.ev[0].u.link.name, "");

		/* admin down */
		mb_ifinfo(&m, abi, 5, running, up);
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
		assert_int_equal(c.ev[0].type, RTW_EV_LINK_DOWN);
		assert_false(c.ev[0].u.link.admin_up);
	}
}

static void address_messages(void **state)
{
	size_t i;

	for (i = 0; i < N_ABIS; i++) {
		const struct pfroute_abi *abi = all_abis[i];
		struct capture c;
		struct mb m;

		mb_ifa(&m, abi, abi->rtm_newaddr, 3);
		mb_mask(&m, 0, false, (const uint8_t[]){ 255, 255, 255 }, 3);
		mb_dl(&m, 4, 3, "em0");
		mb_ip(&m, 5, "192.0.2.33");
		mb_ip(&m, 7, "192.0.2.255");
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
		assert_int_equal(c.ev[0].type, RTW_EV_ADDR_ADD);
		assert_int_equal(c.ev[0].u.addr.ifindex, 3);
		assert_addr(&c.ev[0].u.addr.prefix.addr, "192.0.2.33");
		assert_int_equal(c.ev[0].u.addr.prefix.len, 24);

		mb_ifa(&m, abi, abi->rtm_deladdr, 3);
		mb_mask(&m, 0, true,
			(const uint8_t[]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 8);
		mb_ip(&m, 5, "fe80:3::1234");
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
		assert_int_equal(c.ev[0].type, RTW_EV_ADDR_DEL);
		assert_addr(&c.ev[0].u.addr.prefix.addr, "fe80::1234");
		assert_int_equal(c.ev[0].u.addr.prefix.len, 64);

		/* without a mask it is a host address */
		mb_ifa(&m, abi, abi->rtm_newaddr, 3);
		mb_ip(&m, 5, "2001:db8::77");
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
		assert_int_equal(c.ev[0].u.addr.prefix.len, 128);
	}
}

static void ifannounce_and_desync(void **state)
{
	size_t i;

	for (i = 0; i < N_ABIS; i++) {
		const struct pfroute_abi *abi = all_abis[i];
		struct capture c;
		struct mb m;

		if (abi->rtm_ifannounce) {
			mb_ifan(&m, abi, 8, "tun0", PFR_IFAN_DEPART);
			assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
			assert_int_equal(c.ev[0].type, RTW_EV_LINK_GONE);
			assert_int_equal(c.ev[0].u.link.ifindex, 8);
			assert_string_equal(c.ev[0].u.link.name, "tun0");

			mb_ifan(&m, abi, 8, "tun0", 0); /* arrival: RTM_IFINFO follows */
			assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 0);
			assert_int_equal(c.n, 0);

			/* a full 16-byte name has no NUL and must not run over */
			mb_ifan(&m, abi, 8, "abcdefghijklmnop", PFR_IFAN_DEPART);
			assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
			assert_string_equal(c.ev[0].u.link.name, "abcdefghijklmnop");
		}
		if (abi->rtm_desync) {
			mb_route(&m, abi, abi->rtm_desync, 0, 0, 0);
			assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
			assert_int_equal(c.ev[0].type, RTW_EV_OVERFLOW);
		}
	}
	assert_int_equal(pfroute_abi_openbsd.rtm_desync, 0x10);
	assert_int_equal(pfroute_abi_macos.rtm_ifannounce, 0);
}

/* ---- malformed and short messages: always an error, never a read past
 * the end (run under ASan: every parse gets an exact-size heap copy) ---- */

static void truncated_everywhere(void **state)
{
	size_t i;

	for (i = 0; i < N_ABIS; i++) {
		const struct pfroute_abi *abi = all_abis[i];
		struct mb msgs[4];
		size_t k, j, n = 0;

		mb_route(&msgs[n], abi, abi->rtm_add, PFR_RTF_GATEWAY, 2, 0);
		mb_ip(&msgs[n], 0, "2001:db8::");
		mb_ip(&msgs[n], 1, "fe80::1");
		mb_mask(&msgs[n], 0, true, (const uint8_t[]){ 0xff, 0xff, 0xff, 0xff }, 4);
		mb_dl(&msgs[n], 4, 2, "em0");
		mb_ip(&msgs[n], 5, "2001:db8::2");
		mb_done(&msgs[n++]);
		mb_ifinfo(&msgs[n], abi, 5, PFR_IFF_UP, 2);
		mb_dl(&msgs[n], 4, 5, "em1");
		mb_done(&msgs[n++]);
		mb_ifa(&msgs[n], abi, abi->rtm_newaddr, 3);
		mb_ip(&msgs[n], 5, "192.0.2.33");
		mb_done(&msgs[n++]);
		if (abi->rtm_ifannounce) {
			mb_ifan(&msgs[n], abi, 8, "tun0", PFR_IFAN_DEPART);
			mb_done(&msgs[n++]);
		}
		for (j = 0; j < n; j++) {
			struct mb *m = &msgs[j];
			struct capture c;

			assert_int_equal(parse_one(abi, m->b, m->len, &c), 1);
			/* the buffer is shorter than msglen */
			for (k = 0; k < m->len; k++)
				assert_int_equal(parse_one(abi, m->b, k, &c), -EBADMSG);
			/* msglen itself says less: either an error or, when
			 * only the last sockaddr's padding is cut, the event */
			for (k = 0; k < m->len; k++) {
				struct mb t = *m;
				int ret;

				put16(&t, 0, (uint16_t)k);
				ret = parse_one(abi, t.b, k, &c);
				assert_true(ret == -EBADMSG || ret == 1);
				if (ret == 1)
					assert_true(k + abi->sa_align > m->len);
			}
		}
	}
}

static void malformed_fields(void **state)
{
	const struct pfroute_abi *abi = &pfroute_abi_freebsd;
	struct capture c;
	struct mb m, t;

	mb_route(&m, abi, PFR_RTM_ADD, PFR_RTF_GATEWAY, 2, 0);
	mb_ip(&m, 0, "192.0.2.0");
	mb_ip(&m, 1, "192.0.2.1");
	mb_done(&m);
	assert_int_equal(parse_one(abi, m.b, m.len, &c), 1);

	assert_int_equal(pfroute_parse_msg(&(struct pfroute_parser){ .abi = abi }, NULL, NULL, 100,
					   capture_sink, &c),
			 -EBADMSG);
	/* msglen below the common header */
	t = m;
	put16(&t, 0, 3);
	assert_int_equal(parse_one(abi, t.b, t.len, &c), -EBADMSG);
	/* an address bit beyond RTAX_MAX: a newer kernel's slot, after the
	 * known ones, left unread */
	t = m;
	put32(&t, abi->rt_addrs, 0x3 | 0x100);
	assert_int_equal(parse_one(abi, t.b, t.len, &c), 1);
	assert_prefix(&c.ev[0].u.route.dst, "192.0.2.0/32");
	/* sa_len running past msglen */
	t = m;
	t.b[abi->rt_size + 16] = 200;
	assert_int_equal(parse_one(abi, t.b, t.len, &c), -EBADMSG);
	/* a sockaddr_in too short to hold its address */
	t = m;
	t.b[abi->rt_size] = 6;
	assert_int_equal(parse_one(abi, t.b, t.len, &c), -EBADMSG);
	/* no destination at all */
	t = m;
	put32(&t, abi->rt_addrs, 0);
	assert_int_equal(parse_one(abi, t.b, t.len, &c), -EBADMSG);
	/* a non-contiguous netmask */
	mb_route(&t, abi, PFR_RTM_ADD, PFR_RTF_GATEWAY, 2, 0);
	mb_ip(&t, 0, "192.0.2.0");
	mb_ip(&t, 1, "192.0.2.1");
	mb_mask(&t, 0, false, (const uint8_t[]){ 255, 0, 255 }, 3);
	assert_int_equal(parse_one(abi, t.b, mb_done(&t), &c), -EBADMSG);
	/* a sockaddr_dl whose name runs past its sa_len */
	mb_ifinfo(&t, abi, 5, PFR_IFF_UP, 2);
	mb_dl(&t, 4, 5, "em1");
	mb_done(&t);
	t.b[abi->ifm_size + PFR_SDL_NLEN] = 40;
	assert_int_equal(parse_one(abi, t.b, t.len, &c), -EBADMSG);
	assert_int_equal(c.n, 0);
}

static void openbsd_hdrlen_checked(void **state)
{
	const struct pfroute_abi *abi = &pfroute_abi_openbsd;
	struct capture c;
	struct mb m, t;

	mb_route(&m, abi, PFR_RTM_ADD, PFR_RTF_GATEWAY | PFR_RTF_HOST, 2, 0);
	mb_ip(&m, 0, "192.0.2.9");
	mb_ip(&m, 1, "192.0.2.1");
	mb_done(&m);
	assert_int_equal(parse_one(abi, m.b, m.len, &c), 1);

	t = m;
	put16(&t, PFR_OPENBSD_RT_HDRLEN, 95); /* smaller than the header */
	assert_int_equal(parse_one(abi, t.b, t.len, &c), -EBADMSG);
	/* a valid-looking sockaddr inside the header is still the header */
	t = m;
	memcpy(t.b + 40, m.b + abi->rt_size, 16);
	put32(&t, abi->rt_addrs, 0x1);
	put16(&t, PFR_OPENBSD_RT_HDRLEN, 40);
	assert_int_equal(parse_one(abi, t.b, t.len, &c), -EBADMSG);
	t = m;
	put16(&t, PFR_OPENBSD_RT_HDRLEN, (uint16_t)(m.len + 1));
	assert_int_equal(parse_one(abi, t.b, t.len, &c), -EBADMSG);

	/* a grown header: sockaddrs start where rtm_hdrlen says */
	memset(&t, 0, sizeof(t));
	memcpy(t.b, m.b, abi->rt_size);
	memcpy(t.b + abi->rt_size + 8, m.b + abi->rt_size, m.len - abi->rt_size);
	t.len = m.len + 8;
	put16(&t, 0, (uint16_t)t.len);
	put16(&t, PFR_OPENBSD_RT_HDRLEN, (uint16_t)(abi->rt_size + 8));
	assert_int_equal(parse_one(abi, t.b, t.len, &c), 1);
	assert_prefix(&c.ev[0].u.route.dst, "192.0.2.9/32");
}

static void dump_buffer(void **state)
{
	const struct pfroute_abi *abi = &pfroute_abi_freebsd;
	struct pfroute_parser p = { .abi = abi };
	struct capture c = { 0 };
	uint8_t buf[1024];
	size_t len = 0;
	struct mb m;

	need_little_endian();

	mb_ifinfo(&m, abi, 2, PFR_IFF_UP, 2);
	mb_dl(&m, 4, 2, "em0");
	memcpy(buf + len, m.b, mb_done(&m));
	len += m.len;
	mb_ifa(&m, abi, abi->rtm_newaddr, 2);
	mb_ip(&m, 5, "192.0.2.33");
	memcpy(buf + len, m.b, mb_done(&m));
	len += m.len;
	memcpy(buf + len, freebsd_add_net, sizeof(freebsd_add_net));
	len += sizeof(freebsd_add_net);

	assert_int_equal(pfroute_parse_buf(&p, buf, len, capture_sink, &c), 3);
	assert_int_equal(c.ev[0].type, RTW_EV_LINK_UP);
	assert_int_equal(c.ev[1].type, RTW_EV_ADDR_ADD);
	assert_int_equal(c.ev[2].type, RTW_EV_ROUTE_ADD);

	/* a zero msglen must not loop forever */
	memset(buf + len, 0, 8);
	memset(&c, 0, sizeof(c));
	assert_int_equal(pfroute_parse_buf(&p, buf, len + 8, capture_sink, &c), -EBADMSG);
	/* a final message cut short */
	memset(&c, 0, sizeof(c));
	assert_int_equal(pfroute_parse_buf(&p, buf, len - 1, capture_sink, &c), -EBADMSG);
}

static void sink_error_stops(void **state)
{
	struct pfroute_parser p = { .abi = &pfroute_abi_freebsd };
	struct capture c = { .fail_with = -ENOMEM };
	uint8_t buf[2 * sizeof(freebsd_add_net)];

	need_little_endian();

	memcpy(buf, freebsd_add_net, sizeof(freebsd_add_net));
	memcpy(buf + sizeof(freebsd_add_net), freebsd_add_net, sizeof(freebsd_add_net));
	assert_int_equal(pfroute_parse_buf(&p, buf, sizeof(buf), capture_sink, &c), -ENOMEM);
	assert_int_equal(c.n, 1);
}

static void table_from_parser(void **state)
{
	struct pfroute_parser p = { .abi = &pfroute_abi_freebsd, .table = 3 };
	struct capture c = { 0 };

	need_little_endian();

	assert_int_equal(
	    pfroute_parse_msg(&p, NULL, freebsd_add_net, sizeof(freebsd_add_net), capture_sink, &c),
	    1);
	assert_int_equal(c.ev[0].u.route.table, 3);
}

/* ---- multipath: one message per path ---- */

/* FreeBSD amd64 sysctl NET_RT_DUMP with ROUTE_MPATH: 10.1.0.0/16 via
 * 192.0.2.1 (ifindex 2) and via 192.0.2.2 (ifindex 3) as two consecutive
 * RTM_GET messages, then 10.2.0.0/16 via 192.0.2.1. Each is 152 + 16 + 16
 * + 8 bytes; the /16 mask is cut to sa_len 6, family 0. */
static const uint8_t freebsd_mpath_dump[3][192] = {
	{
	    [0] = 192,
	    [2] = 5,	 /* RTM_VERSION */
	    [3] = 4,	 /* RTM_GET */
	    [4] = 2,	 /* rtm_index */
	    [8] = 0x03,	 /* RTF_UP | RTF_GATEWAY */
	    [12] = 0x07, /* DST | GATEWAY | NETMASK */
	    [152] = 16,
	    [153] = 2,
	    [156] = 10,
	    [157] = 1, /* 10.1.0.0 */
	    [168] = 16,
	    [169] = 2,
	    [172] = 192,
	    [174] = 2,
	    [175] = 1, /* 192.0.2.1 */
	    [184] = 6,
	    [188] = 255,
	    [189] = 255, /* /16 */
	},
	{
	    [0] = 192,
	    [2] = 5,
	    [3] = 4,
	    [4] = 3,
	    [8] = 0x03,
	    [12] = 0x07,
	    [152] = 16,
	    [153] = 2,
	    [156] = 10,
	    [157] = 1, /* 10.1.0.0 again */
	    [168] = 16,
	    [169] = 2,
	    [172] = 192,
	    [174] = 2,
	    [175] = 2, /* 192.0.2.2 */
	    [184] = 6,
	    [188] = 255,
	    [189] = 255,
	},
	{
	    [0] = 192,
	    [2] = 5,
	    [3] = 4,
	    [4] = 2,
	    [8] = 0x03,
	    [12] = 0x07,
	    [152] = 16,
	    [153] = 2,
	    [156] = 10,
	    [157] = 2, /* 10.2.0.0 */
	    [168] = 16,
	    [169] = 2,
	    [172] = 192,
	    [174] = 2,
	    [175] = 1,
	    [184] = 6,
	    [188] = 255,
	    [189] = 255,
	},
};

/* OpenBSD sysctl NET_RT_DUMP: 10.1.0.0/16 at priority 8 via 192.0.2.1
 * (ifindex 1) and via 192.0.2.2 (ifindex 2), both RTF_MPATH, then the same
 * prefix at priority 48 via 192.0.2.3 (ifindex 3): another route, as the
 * priority is part of OpenBSD's key. 96 + 16 + 16 + 8 bytes each. */
static const uint8_t openbsd_mpath_dump[3][136] = {
	{
	    [0] = 136,	 [2] = 5,     [3] = 4,		      /* RTM_GET */
	    [4] = 96,					      /* rtm_hdrlen */
	    [6] = 1,					      /* rtm_index */
	    [10] = 8,					      /* rtm_priority RTP_STATIC */
	    [12] = 0x07,				      /* rtm_addrs */
	    [16] = 0x03, [17] = 0x08, [18] = 0x04,	      /* UP|GATEWAY|STATIC|MPATH */
	    [96] = 16,	 [97] = 2,    [100] = 10,  [101] = 1, /* 10.1.0.0 */
	    [112] = 16,	 [113] = 2,   [116] = 192, [118] = 2, [119] = 1, /* 192.0.2.1 */
	    [128] = 6,	 [132] = 255, [133] = 255,			 /* /16 */
	},
	{
	    [0] = 136,	 [2] = 5,     [3] = 4,	   [4] = 96,  [6] = 2,	 [10] = 8,   [12] = 0x07,
	    [16] = 0x03, [17] = 0x08, [18] = 0x04, [96] = 16, [97] = 2,	 [100] = 10, [101] = 1,
	    [112] = 16,	 [113] = 2,   [116] = 192, [118] = 2, [119] = 2, /* 192.0.2.2 */
	    [128] = 6,	 [132] = 255, [133] = 255,
	},
	{
	    [0] = 136,	 [2] = 5,     [3] = 4,	   [4] = 96,	[6] = 3,   [10] = 48, /* RTP_BGP */
	    [12] = 0x07, [16] = 0x03, [17] = 0x08, [18] = 0x04, [96] = 16, [97] = 2,  [100] = 10,
	    [101] = 1,	 [112] = 16,  [113] = 2,   [116] = 192, [118] = 2, [119] = 3, /* .3 */
	    [128] = 6,	 [132] = 255, [133] = 255,
	},
};

/* Concatenate fixtures as the sysctl buffer holds them. */
static size_t join(uint8_t *buf, size_t cap, const void *const *msgs, const size_t *lens, size_t n)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++) {
		assert_true(len + lens[i] <= cap);
		memcpy(buf + len, msgs[i], lens[i]);
		len += lens[i];
	}
	return len;
}

static void freebsd_multipath_dump(void **state)
{
	const struct pfroute_abi *abi = &pfroute_abi_freebsd;
	struct pfroute_parser p = { .abi = abi };
	struct capture c = { 0 };
	uint8_t buf[4 * 192];
	const void *msgs[] = { freebsd_mpath_dump[0], freebsd_mpath_dump[1], freebsd_mpath_dump[2],
			       freebsd_mpath_dump[1] };
	const size_t lens[] = { 192, 192, 192, 192 };
	size_t len;
	struct mb m;

	need_little_endian();

	/* the builder writes the same first message */
	mb_route(&m, abi, PFR_RTM_GET, PFR_RTF_GATEWAY, 2, 0);
	mb_ip(&m, 0, "10.1.0.0");
	mb_ip(&m, 1, "192.0.2.1");
	mb_mask(&m, 0, false, (const uint8_t[]){ 255, 255 }, 2);
	assert_int_equal(mb_done(&m), sizeof(freebsd_mpath_dump[0]));
	assert_memory_equal(m.b, freebsd_mpath_dump[0], sizeof(freebsd_mpath_dump[0]));

	len = join(buf, sizeof(buf), msgs, lens, 4);
	assert_int_equal(pfroute_parse_buf(&p, buf, len, capture_sink, &c), 4);
	/* first path: a plain add, which replaces what the model had */
	assert_int_equal(c.ev[0].type, RTW_EV_ROUTE_ADD);
	assert_int_equal(c.ev[0].flags, 0);
	assert_prefix(&c.ev[0].u.route.dst, "10.1.0.0/16");
	assert_addr(&c.hop[0].gateway, "192.0.2.1");
	assert_int_equal(c.hop[0].ifindex, 2);
	/* second path of the same route: appended */
	assert_int_equal(c.ev[1].type, RTW_EV_ROUTE_ADD);
	assert_int_equal(c.ev[1].flags, RTW_EVF_APPEND);
	assert_prefix(&c.ev[1].u.route.dst, "10.1.0.0/16");
	assert_addr(&c.hop[1].gateway, "192.0.2.2");
	assert_int_equal(c.hop[1].ifindex, 3);
	/* another destination starts afresh */
	assert_int_equal(c.ev[2].flags, 0);
	assert_prefix(&c.ev[2].u.route.dst, "10.2.0.0/16");
	/* and a route seen again after another one is no longer "the same" */
	assert_int_equal(c.ev[3].flags, 0);
	assert_prefix(&c.ev[3].u.route.dst, "10.1.0.0/16");

	/* a new dump (new state) starts with a plain add, even for the
	 * second path alone: a re-dump resets the path set */
	memset(&c, 0, sizeof(c));
	assert_int_equal(pfroute_parse_buf(&p, freebsd_mpath_dump[1], 192, capture_sink, &c), 1);
	assert_int_equal(c.ev[0].flags, 0);
}

static void openbsd_multipath_dump(void **state)
{
	const struct pfroute_abi *abi = &pfroute_abi_openbsd;
	struct pfroute_parser p = { .abi = abi };
	struct pfroute_dump dump = { 0 };
	struct capture c = { 0 };
	struct mb m;
	size_t i;

	need_little_endian();

	mb_route(&m, abi, PFR_RTM_GET, PFR_RTF_GATEWAY | PFR_RTF_STATIC | PFR_OPENBSD_RTF_MPATH, 1,
		 0);
	m.b[PFR_OPENBSD_RT_PRIORITY] = 8;
	mb_ip(&m, 0, "10.1.0.0");
	mb_ip(&m, 1, "192.0.2.1");
	mb_mask(&m, 0, false, (const uint8_t[]){ 255, 255 }, 2);
	assert_int_equal(mb_done(&m), sizeof(openbsd_mpath_dump[0]));
	assert_memory_equal(m.b, openbsd_mpath_dump[0], sizeof(openbsd_mpath_dump[0]));

	/* message by message, as socket.c's dump loop does it */
	for (i = 0; i < 3; i++)
		assert_int_equal(pfroute_parse_msg(&p, &dump, openbsd_mpath_dump[i],
						   sizeof(openbsd_mpath_dump[i]), capture_sink, &c),
				 1);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.ev[0].flags, 0);
	assert_int_equal(c.ev[0].u.route.metric, 8);
	assert_addr(&c.hop[0].gateway, "192.0.2.1");
	assert_int_equal(c.hop[0].ifindex, 1);
	assert_int_equal(c.ev[1].flags, RTW_EVF_APPEND);
	assert_int_equal(c.ev[1].u.route.metric, 8);
	assert_addr(&c.hop[1].gateway, "192.0.2.2");
	assert_int_equal(c.hop[1].ifindex, 2);
	/* the same prefix at another priority is another route */
	assert_int_equal(c.ev[2].flags, 0);
	assert_int_equal(c.ev[2].u.route.metric, 48);
	assert_prefix(&c.ev[2].u.route.dst, "10.1.0.0/16");
}

/* NetBSD and macOS have no multipath: two dump entries for one key are one
 * route, the second replacing the first, never appended. */
static void no_multipath_elsewhere(void **state)
{
	size_t i;

	for (i = 0; i < N_ABIS; i++) {
		const struct pfroute_abi *abi = all_abis[i];
		struct pfroute_parser p = { .abi = abi };
		struct pfroute_dump dump = { 0 };
		struct capture c = { 0 };
		int k;

		if (abi->multipath)
			continue;
		for (k = 0; k < 2; k++) {
			struct mb m;

			mb_route(&m, abi, abi->rtm_get, PFR_RTF_GATEWAY, (uint16_t)(2 + k), 0);
			mb_ip(&m, 0, "10.1.0.0");
			mb_ip(&m, 1, k ? "192.0.2.2" : "192.0.2.1");
			mb_mask(&m, 0, false, (const uint8_t[]){ 255, 255 }, 2);
			mb_done(&m);
			assert_int_equal(pfroute_parse_msg(&p, &dump, m.b, m.len, capture_sink, &c),
					 1);
		}
		assert_int_equal(c.ev[0].flags, 0);
		assert_int_equal(c.ev[1].flags, 0);
	}
	assert_false(pfroute_abi_netbsd.multipath);
	assert_false(pfroute_abi_macos.multipath);
	assert_true(pfroute_abi_freebsd.multipath);
	assert_true(pfroute_abi_openbsd.multipath);
}

/* Live messages: a second path added, one path deleted. */
static void multipath_live(void **state)
{
	size_t i;

	for (i = 0; i < N_ABIS; i++) {
		const struct pfroute_abi *abi = all_abis[i];
		unsigned append = abi->multipath ? RTW_EVF_APPEND : 0;
		struct capture c;
		struct mb m;

		mb_route(&m, abi, abi->rtm_add, PFR_RTF_GATEWAY | PFR_RTF_STATIC | abi->rtf_mpath,
			 3, 0);
		mb_ip(&m, 0, "10.1.0.0");
		mb_ip(&m, 1, "192.0.2.2");
		mb_mask(&m, 0, false, (const uint8_t[]){ 255, 255 }, 2);
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
		assert_int_equal(c.ev[0].type, RTW_EV_ROUTE_ADD);
		assert_int_equal(c.ev[0].flags, append);
		assert_addr(&c.hop[0].gateway, "192.0.2.2");
		assert_int_equal(c.hop[0].ifindex, 3);

		/* the delete of one path names it: only that path goes */
		m.b[3] = abi->rtm_delete;
		assert_int_equal(parse_one(abi, m.b, m.len, &c), 1);
		assert_int_equal(c.ev[0].type, RTW_EV_ROUTE_DEL);
		assert_int_equal(c.ev[0].flags, append);
		assert_int_equal(c.ev[0].u.route.n_nexthops, 1);
		assert_addr(&c.hop[0].gateway, "192.0.2.2");
		assert_int_equal(c.hop[0].ifindex, 3);

		/* a blackhole has no path to name: the route goes */
		mb_route(&m, abi, abi->rtm_delete, PFR_RTF_GATEWAY | PFR_RTF_BLACKHOLE, 1, 0);
		mb_ip(&m, 0, "203.0.113.0");
		mb_ip(&m, 1, "127.0.0.1");
		mb_mask(&m, 0, false, (const uint8_t[]){ 255, 255, 255 }, 3);
		assert_int_equal(parse_one(abi, m.b, mb_done(&m), &c), 1);
		assert_int_equal(c.ev[0].type, RTW_EV_ROUTE_DEL);
		assert_int_equal(c.ev[0].flags, 0);
	}
}

/* RTM_CHANGE: OpenBSD changes one path of a RTF_MPATH route in place (the
 * gateway picks it); FreeBSD reports multipath changes as per-path
 * ADD/DELETE, so its RTM_CHANGE is a whole single-path route. */
static void multipath_change(void **state)
{
	struct capture c;
	struct mb m;

	mb_route(&m, &pfroute_abi_openbsd, PFR_RTM_CHANGE,
		 PFR_RTF_GATEWAY | PFR_RTF_STATIC | PFR_OPENBSD_RTF_MPATH, 2, 0);
	mb_ip(&m, 0, "10.1.0.0");
	mb_ip(&m, 1, "192.0.2.2");
	mb_mask(&m, 0, false, (const uint8_t[]){ 255, 255 }, 2);
	assert_int_equal(parse_one(&pfroute_abi_openbsd, m.b, mb_done(&m), &c), 1);
	assert_int_equal(c.ev[0].type, RTW_EV_ROUTE_ADD);
	assert_int_equal(c.ev[0].flags, RTW_EVF_APPEND);
	/* without RTF_MPATH the route has one path: replaced */
	put32(&m, pfroute_abi_openbsd.rt_flags, PFR_RTF_GATEWAY | 0x1);
	assert_int_equal(parse_one(&pfroute_abi_openbsd, m.b, m.len, &c), 1);
	assert_int_equal(c.ev[0].flags, RTW_EVF_REPLACE);

	/* 0x40000 is RTF_PROTO3 on FreeBSD, no multipath mark */
	mb_route(&m, &pfroute_abi_freebsd, PFR_RTM_CHANGE, PFR_RTF_GATEWAY | PFR_OPENBSD_RTF_MPATH,
		 2, 0);
	mb_ip(&m, 0, "10.1.0.0");
	mb_ip(&m, 1, "192.0.2.2");
	mb_mask(&m, 0, false, (const uint8_t[]){ 255, 255 }, 2);
	assert_int_equal(parse_one(&pfroute_abi_freebsd, m.b, mb_done(&m), &c), 1);
	assert_int_equal(c.ev[0].flags, RTW_EVF_REPLACE);
}

/* ---- through the core: the model holds both paths ---- */

static int to_evq(void *arg, const struct rtw_event *ev)
{
	struct evq_item it;

	memset(&it, 0, sizeof(it));
	it.ev = *ev;
	if (ev->type == RTW_EV_ROUTE_ADD || ev->type == RTW_EV_ROUTE_DEL) {
		assert_true(ev->u.route.n_nexthops <= 1);
		if (ev->u.route.n_nexthops)
			it.hops[0] = ev->u.route.nexthops[0];
		it.ev.u.route.nexthops = NULL; /* evq_deliver points it at hops */
	}
	if (arg)
		evq_push(it);
	else
		evq_dump_add(it);
	return 0;
}

struct paths {
	const char *dst;
	int n; /* -1: no such route */
	char gw[4][64];
};

static int find_route(const struct rtw_route *r, void *user)
{
	struct paths *ps = user;
	char buf[64];
	unsigned i;

	assert_true(rtw_prefix_format(&r->dst, buf, sizeof(buf)) > 0);
	if (strcmp(buf, ps->dst) != 0)
		return 0;
	assert_true(r->n_nexthops <= 4);
	ps->n = (int)r->n_nexthops;
	for (i = 0; i < r->n_nexthops; i++)
		assert_true(rtw_addr_format(&r->nexthops[i].gateway, ps->gw[i], sizeof(ps->gw[i])) >
			    0);
	return 1;
}

/* The gateways of dst's route, sorted, joined by spaces; "" when the model
 * has no such route. */
static const char *paths_of(struct rtw_ctx *c, const char *dst, char *out, size_t size)
{
	struct paths ps = { .dst = dst, .n = -1 };
	int i, j;

	assert_true(rtw_foreach_route(c, find_route, &ps) >= 0);
	out[0] = '\0';
	for (i = 0; i < ps.n; i++)
		for (j = i + 1; j < ps.n; j++)
			if (strcmp(ps.gw[j], ps.gw[i]) < 0) {
				char t[64];

				memcpy(t, ps.gw[i], sizeof(t));
				memcpy(ps.gw[i], ps.gw[j], sizeof(t));
				memcpy(ps.gw[j], t, sizeof(t));
			}
	for (i = 0; i < ps.n; i++) {
		if (i)
			strncat(out, " ", size - strlen(out) - 1);
		strncat(out, ps.gw[i], size - strlen(out) - 1);
	}
	return out;
}

/* One live route message for 10.1.0.0/16, parsed, queued for the core. */
static void push_live(const struct pfroute_abi *abi, unsigned type, const char *gw,
		      uint16_t ifindex)
{
	struct pfroute_parser p = { .abi = abi };
	struct mb m;

	mb_route(&m, abi, type, PFR_RTF_GATEWAY, ifindex, 0);
	mb_ip(&m, 0, "10.1.0.0");
	mb_ip(&m, 1, gw);
	mb_mask(&m, 0, false, (const uint8_t[]){ 255, 255 }, 2);
	mb_done(&m);
	assert_int_equal(pfroute_parse_msg(&p, NULL, m.b, m.len, to_evq, &evq), 1);
}

/* A context on the in-memory backend whose dump is two links and the first
 * n messages of the FreeBSD multipath dump, parsed by p. */
static struct rtw_ctx *mpath_ctx(struct pfroute_parser *p, unsigned n)
{
	uint8_t buf[3 * 192];
	const void *msgs[] = { freebsd_mpath_dump[0], freebsd_mpath_dump[1],
			       freebsd_mpath_dump[2] };
	const size_t lens[] = { 192, 192, 192 };
	struct rtw_ctx *c;
	size_t len;

	evq_reset();
	evq_dump_add(evq_link(2, "em0", true, true));
	evq_dump_add(evq_link(3, "em1", true, true));
	len = join(buf, sizeof(buf), msgs, lens, n);
	assert_int_equal(pfroute_parse_buf(p, buf, len, to_evq, NULL), (int)n);
	c = evq_ctx(NULL);
	assert_non_null(c);
	assert_int_equal(rtw_start(c), 0);
	return c;
}

static void multipath_through_core(void **state)
{
	const struct pfroute_abi *abi = &pfroute_abi_freebsd;
	struct pfroute_parser p = { .abi = abi };
	struct rtw_ctx *c;
	char out[256];

	need_little_endian();
	c = mpath_ctx(&p, 3);
	assert_string_equal(paths_of(c, "10.1.0.0/16", out, sizeof(out)), "192.0.2.1 192.0.2.2");
	assert_string_equal(paths_of(c, "10.2.0.0/16", out, sizeof(out)), "192.0.2.1");

	/* route delete -net 10.1.0.0/16 192.0.2.1: the other path stays */
	push_live(abi, PFR_RTM_DELETE, "192.0.2.1", 2);
	assert_true(rtw_dispatch(c) >= 0);
	assert_string_equal(paths_of(c, "10.1.0.0/16", out, sizeof(out)), "192.0.2.2");

	/* route add -net 10.1.0.0/16 192.0.2.1 again: two paths */
	push_live(abi, PFR_RTM_ADD, "192.0.2.1", 2);
	assert_true(rtw_dispatch(c) >= 0);
	assert_string_equal(paths_of(c, "10.1.0.0/16", out, sizeof(out)), "192.0.2.1 192.0.2.2");

	/* both paths deleted: the route is gone, the other one stays */
	push_live(abi, PFR_RTM_DELETE, "192.0.2.1", 2);
	push_live(abi, PFR_RTM_DELETE, "192.0.2.2", 3);
	assert_true(rtw_dispatch(c) >= 0);
	assert_string_equal(paths_of(c, "10.1.0.0/16", out, sizeof(out)), "");
	assert_string_equal(paths_of(c, "10.2.0.0/16", out, sizeof(out)), "192.0.2.1");
	rtw_free(c);
}

/* A re-dump after lost events: its first message of a route replaces the
 * model's path set, so a path the kernel no longer has does not linger. */
static void multipath_redump_resets(void **state)
{
	const struct pfroute_abi *abi = &pfroute_abi_freebsd;
	struct pfroute_parser p = { .abi = abi };
	struct evq_item ov;
	struct rtw_ctx *c;
	char out[256];

	need_little_endian();
	c = mpath_ctx(&p, 2);
	assert_string_equal(paths_of(c, "10.1.0.0/16", out, sizeof(out)), "192.0.2.1 192.0.2.2");

	/* the kernel dropped path .1 and the message was lost: the next dump
	 * lists only .2 */
	evq.n_dump = 2; /* keep the links */
	assert_int_equal(pfroute_parse_buf(&p, freebsd_mpath_dump[1], 192, to_evq, NULL), 1);
	memset(&ov, 0, sizeof(ov));
	ov.ev.type = RTW_EV_OVERFLOW;
	evq_push(ov);
	assert_true(rtw_dispatch(c) >= 0);
	assert_true(evq.dumps >= 2);
	assert_string_equal(paths_of(c, "10.1.0.0/16", out, sizeof(out)), "192.0.2.2");
	rtw_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_sizes),
		cmocka_unit_test(literal_freebsd_net_route),
		cmocka_unit_test(literal_macos_routes),
		cmocka_unit_test(literal_openbsd_v6_route),
		cmocka_unit_test(openbsd_down_without_rtp_down),
		cmocka_unit_test(literal_netbsd_ifinfo),
		cmocka_unit_test(builder_matches_literals),
		cmocka_unit_test(host_and_net_routes),
		cmocka_unit_test(link_gateway_is_device_route),
		cmocka_unit_test(message_types),
		cmocka_unit_test(route_types),
		cmocka_unit_test(skipped_messages),
		cmocka_unit_test(macos_scoped_and_cloned_routes),
		cmocka_unit_test(macos_linklocal_routes_per_interface),
		cmocka_unit_test(wrong_version),
		cmocka_unit_test(link_state),
		cmocka_unit_test(address_messages),
		cmocka_unit_test(ifannounce_and_desync),
		cmocka_unit_test(truncated_everywhere),
		cmocka_unit_test(malformed_fields),
		cmocka_unit_test(openbsd_hdrlen_checked),
		cmocka_unit_test(dump_buffer),
		cmocka_unit_test(sink_error_stops),
		cmocka_unit_test(table_from_parser),
		cmocka_unit_test(freebsd_multipath_dump),
		cmocka_unit_test(openbsd_multipath_dump),
		cmocka_unit_test(no_multipath_elsewhere),
		cmocka_unit_test(multipath_live),
		cmocka_unit_test(multipath_change),
		cmocka_unit_test(multipath_through_core),
		cmocka_unit_test(multipath_redump_resets),
	};

	test_output_tap();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
