/* Routing-socket message layouts of FreeBSD (amd64), macOS, OpenBSD and
 * NetBSD as plain numbers, so that parse.c reads any of them on any host.
 * On a BSD build the native numbers are checked against <net/route.h>. */
#ifndef RTW_PFROUTE_ABI_H
#define RTW_PFROUTE_ABI_H

#include <stdint.h>

/* How a link's carrier state is encoded in if_msghdr. */
enum pfroute_linkstate {
	/* no link-state field: xnu's struct if_data has none and its
	 * rt_ifmsg() copies only if_flags (bsd/net/if_var.h, rtsock.c), so
	 * IFF_RUNNING is all RTM_IFINFO tells (macOS) */
	PFROUTE_LS_NONE,
	PFROUTE_LS_FREEBSD, /* 0 unknown, 1 down, 2 up (FreeBSD, NetBSD) */
	PFROUTE_LS_OPENBSD, /* 0 unknown, 1 invalid, 2 down, 3 keepalive-down, >= 4 up */
};

/* Offsets are from the start of a message, in bytes; -1 = no such field.
 * Message type numbers of 0 mean the OS has no such message. */
struct pfroute_abi {
	const char *name;
	uint8_t version;  /* RTM_VERSION */
	uint8_t sa_align; /* sockaddr rounding unit; sa_len 0 still takes one unit */
	uint8_t rtax_max; /* number of RTAX_* slots, in bit order */
	uint8_t af_inet, af_inet6, af_link;

	uint8_t rtm_add, rtm_delete, rtm_change, rtm_get;
	uint8_t rtm_newaddr, rtm_deladdr, rtm_ifinfo, rtm_ifannounce, rtm_desync;

	/* struct rt_msghdr */
	uint16_t rt_size;
	int16_t rt_hdrlen; /* u16: where the sockaddrs start (OpenBSD) */
	uint16_t rt_index, rt_flags, rt_addrs, rt_pid, rt_errno;
	int16_t rt_tableid;  /* u16 */
	int16_t rt_priority; /* u8 */

	/* struct if_msghdr */
	uint16_t ifm_size;
	int16_t ifm_hdrlen;
	uint16_t ifm_addrs, ifm_flags, ifm_index;
	int16_t ifm_link_state;
	uint8_t ifm_link_state_size; /* 1 (u_char) or 4 (int) */
	uint8_t linkstate;	     /* enum pfroute_linkstate */

	/* struct ifa_msghdr */
	uint16_t ifam_size;
	int16_t ifam_hdrlen;
	uint16_t ifam_addrs, ifam_flags, ifam_index;

	/* struct if_announcemsghdr */
	uint16_t ifan_size;
	int16_t ifan_hdrlen;
	uint16_t ifan_index, ifan_name, ifan_what;
	uint16_t ifan_departure;

	/* RTF_* and IFF_* bits (0 when the OS lacks one) */
	uint32_t rtf_gateway, rtf_host, rtf_reject, rtf_blackhole, rtf_static, rtf_dynamic;
	uint32_t rtf_local, rtf_broadcast, rtf_multicast;
	uint32_t rtf_skip; /* link-layer and cloned entries: not routes to us */
	uint32_t iff_up, iff_running;
	uint8_t rtp_down, rtp_mask; /* OpenBSD priority bits */

	/* Multipath: the kernel keeps several paths per route and reports
	 * each as its own message (FreeBSD ROUTE_MPATH, OpenBSD). */
	uint8_t multipath;
	uint32_t rtf_mpath; /* RTF_MPATH, set on every path of one (OpenBSD) */
};

extern const struct pfroute_abi pfroute_abi_freebsd;
extern const struct pfroute_abi pfroute_abi_macos;
extern const struct pfroute_abi pfroute_abi_openbsd;
extern const struct pfroute_abi pfroute_abi_netbsd;
/* The descriptor of the system being compiled for, or NULL elsewhere. */
extern const struct pfroute_abi *const pfroute_abi_native;

/* Common to all four: AF_INET, AF_LINK, and the sockaddr_in/_in6/_dl
 * layouts (len, family, then port + address at 4 or 8; sdl_index at 2,
 * sdl_nlen at 5, name at 8). */
#define PFR_AF_INET	  2
#define PFR_AF_LINK	  18
#define PFR_SIN_ADDR	  4
#define PFR_SIN6_ADDR	  8
#define PFR_SIN6_SCOPE	  24
#define PFR_SDL_INDEX	  2
#define PFR_SDL_NLEN	  5
#define PFR_SDL_DATA	  8
#define PFR_IFF_UP	  0x1
#define PFR_IFF_RUNNING	  0x40
#define PFR_IFAN_DEPART	  1
#define PFR_RTF_UP	  0x1
#define PFR_RTF_GATEWAY	  0x2
#define PFR_RTF_HOST	  0x4
#define PFR_RTF_REJECT	  0x8
#define PFR_RTF_DYNAMIC	  0x10
#define PFR_RTF_LLINFO	  0x400 /* RTF_LLINFO / RTF_LLDATA */
#define PFR_RTF_STATIC	  0x800
#define PFR_RTF_BLACKHOLE 0x1000
#define PFR_RTM_ADD	  1
#define PFR_RTM_DELETE	  2
#define PFR_RTM_CHANGE	  3
#define PFR_RTM_GET	  4

/* FreeBSD amd64 (sys/net/route.h, sys/net/if.h). Checked against the
 * headers of 13 and later: rt_msghdr with rmx_weight/rmx_nhidx, if_data with
 * ifi_vhid/ifi_datalen, so link state at 16 + 4. */
#define PFR_FREEBSD_VERSION	   5
#define PFR_FREEBSD_SA_ALIGN	   8
#define PFR_FREEBSD_RTAX_MAX	   8
#define PFR_FREEBSD_AF_INET6	   28
#define PFR_FREEBSD_RTM_NEWADDR	   0xc
#define PFR_FREEBSD_RTM_DELADDR	   0xd
#define PFR_FREEBSD_RTM_IFINFO	   0xe
#define PFR_FREEBSD_RTM_IFANNOUNCE 0x11
#define PFR_FREEBSD_RT_SIZE	   152
#define PFR_FREEBSD_RT_INDEX	   4
#define PFR_FREEBSD_RT_FLAGS	   8
#define PFR_FREEBSD_RT_ADDRS	   12
#define PFR_FREEBSD_RT_PID	   16
#define PFR_FREEBSD_RT_ERRNO	   24
#define PFR_FREEBSD_IFM_SIZE	   168
#define PFR_FREEBSD_IFM_ADDRS	   4
#define PFR_FREEBSD_IFM_FLAGS	   8
#define PFR_FREEBSD_IFM_INDEX	   12
#define PFR_FREEBSD_IFM_LINK_STATE 20
#define PFR_FREEBSD_IFAM_SIZE	   20
#define PFR_FREEBSD_IFAM_ADDRS	   4
#define PFR_FREEBSD_IFAM_FLAGS	   8
#define PFR_FREEBSD_IFAM_INDEX	   12
#define PFR_FREEBSD_IFAN_SIZE	   24
#define PFR_FREEBSD_IFAN_INDEX	   4
#define PFR_FREEBSD_IFAN_NAME	   6
#define PFR_FREEBSD_IFAN_WHAT	   22
#define PFR_FREEBSD_RTF_LOCAL	   0x200000
#define PFR_FREEBSD_RTF_BROADCAST  0x400000
#define PFR_FREEBSD_RTF_MULTICAST  0x800000

/* macOS, x86_64 and arm64 alike (SDK net/route.h, net/if.h, net/if_var.h) */
#define PFR_MACOS_VERSION	5
#define PFR_MACOS_SA_ALIGN	4
#define PFR_MACOS_RTAX_MAX	8
#define PFR_MACOS_AF_INET6	30
#define PFR_MACOS_RTM_NEWADDR	0xc
#define PFR_MACOS_RTM_DELADDR	0xd
#define PFR_MACOS_RTM_IFINFO	0xe
#define PFR_MACOS_RT_SIZE	92
#define PFR_MACOS_RT_INDEX	4
#define PFR_MACOS_RT_FLAGS	8
#define PFR_MACOS_RT_ADDRS	12
#define PFR_MACOS_RT_PID	16
#define PFR_MACOS_RT_ERRNO	24
#define PFR_MACOS_IFM_SIZE	112
#define PFR_MACOS_IFM_ADDRS	4
#define PFR_MACOS_IFM_FLAGS	8
#define PFR_MACOS_IFM_INDEX	12
#define PFR_MACOS_IFAM_SIZE	20
#define PFR_MACOS_IFAM_ADDRS	4
#define PFR_MACOS_IFAM_FLAGS	8
#define PFR_MACOS_IFAM_INDEX	12
#define PFR_MACOS_RTF_WASCLONED 0x20000
#define PFR_MACOS_RTF_IFSCOPE	0x1000000
#define PFR_MACOS_RTF_LOCAL	0x200000
#define PFR_MACOS_RTF_BROADCAST 0x400000
#define PFR_MACOS_RTF_MULTICAST 0x800000

/* OpenBSD, LP64 (sys/net/route.h, sys/net/if.h). Checked against route.h
 * 1.218 and if.h 1.221 (2025): if_msghdr has ifm_xflags before ifm_data at
 * 24, so link state at 24 + 3. */
#define PFR_OPENBSD_VERSION	   5
#define PFR_OPENBSD_SA_ALIGN	   8
#define PFR_OPENBSD_RTAX_MAX	   15
#define PFR_OPENBSD_AF_INET6	   24
#define PFR_OPENBSD_RTM_NEWADDR	   0xc
#define PFR_OPENBSD_RTM_DELADDR	   0xd
#define PFR_OPENBSD_RTM_IFINFO	   0xe
#define PFR_OPENBSD_RTM_IFANNOUNCE 0xf
#define PFR_OPENBSD_RTM_DESYNC	   0x10
#define PFR_OPENBSD_RT_SIZE	   96
#define PFR_OPENBSD_RT_HDRLEN	   4
#define PFR_OPENBSD_RT_INDEX	   6
#define PFR_OPENBSD_RT_TABLEID	   8
#define PFR_OPENBSD_RT_PRIORITY	   10
#define PFR_OPENBSD_RT_ADDRS	   12
#define PFR_OPENBSD_RT_FLAGS	   16
#define PFR_OPENBSD_RT_PID	   24
#define PFR_OPENBSD_RT_ERRNO	   32
#define PFR_OPENBSD_IFM_SIZE	   168
#define PFR_OPENBSD_IFM_HDRLEN	   4
#define PFR_OPENBSD_IFM_INDEX	   6
#define PFR_OPENBSD_IFM_ADDRS	   12
#define PFR_OPENBSD_IFM_FLAGS	   16
#define PFR_OPENBSD_IFM_LINK_STATE 27
#define PFR_OPENBSD_IFAM_SIZE	   24
#define PFR_OPENBSD_IFAM_HDRLEN	   4
#define PFR_OPENBSD_IFAM_INDEX	   6
#define PFR_OPENBSD_IFAM_ADDRS	   12
#define PFR_OPENBSD_IFAM_FLAGS	   16
#define PFR_OPENBSD_IFAN_SIZE	   26
#define PFR_OPENBSD_IFAN_HDRLEN	   4
#define PFR_OPENBSD_IFAN_INDEX	   6
#define PFR_OPENBSD_IFAN_WHAT	   8
#define PFR_OPENBSD_IFAN_NAME	   10
#define PFR_OPENBSD_RTF_MULTICAST  0x200
#define PFR_OPENBSD_RTF_CLONED	   0x10000
#define PFR_OPENBSD_RTF_LOCAL	   0x200000
#define PFR_OPENBSD_RTF_BROADCAST  0x400000
#define PFR_OPENBSD_RTF_MPATH	   0x40000
#define PFR_OPENBSD_RTP_DOWN	   0x80
#define PFR_OPENBSD_RTP_MASK	   0x7f

/* NetBSD 8 and later, LP64 (sys/net/route.h, sys/net/if.h). Checked
 * against route.h 1.114 and the NetBSD 8 if.h (ifa_msghdr with ifam_pid and
 * ifam_addrflags, __align64 message headers, int ifi_link_state). */
#define PFR_NETBSD_VERSION	  4
#define PFR_NETBSD_SA_ALIGN	  8
#define PFR_NETBSD_RTAX_MAX	  9
#define PFR_NETBSD_AF_INET6	  24
#define PFR_NETBSD_RTM_IFANNOUNCE 0x10
#define PFR_NETBSD_RTM_IFINFO	  0x14
#define PFR_NETBSD_RTM_NEWADDR	  0x16
#define PFR_NETBSD_RTM_DELADDR	  0x17
#define PFR_NETBSD_RT_SIZE	  120
#define PFR_NETBSD_RT_INDEX	  4
#define PFR_NETBSD_RT_FLAGS	  8
#define PFR_NETBSD_RT_ADDRS	  12
#define PFR_NETBSD_RT_PID	  16
#define PFR_NETBSD_RT_ERRNO	  24
#define PFR_NETBSD_IFM_SIZE	  152
#define PFR_NETBSD_IFM_ADDRS	  4
#define PFR_NETBSD_IFM_FLAGS	  8
#define PFR_NETBSD_IFM_INDEX	  12
#define PFR_NETBSD_IFM_LINK_STATE 20
#define PFR_NETBSD_IFAM_SIZE	  32
#define PFR_NETBSD_IFAM_INDEX	  4
#define PFR_NETBSD_IFAM_FLAGS	  8
#define PFR_NETBSD_IFAM_ADDRS	  12
#define PFR_NETBSD_IFAN_SIZE	  24
#define PFR_NETBSD_IFAN_INDEX	  4
#define PFR_NETBSD_IFAN_NAME	  6
#define PFR_NETBSD_IFAN_WHAT	  22
#define PFR_NETBSD_RTF_LOCAL	  0x40000
#define PFR_NETBSD_RTF_BROADCAST  0x80000

/* On the real systems, every number above that the native descriptor uses
 * must agree with the system's own headers. */
#if defined(__FreeBSD__) || defined(__APPLE__) || defined(__OpenBSD__) || defined(__NetBSD__)
/* in this order: the BSD headers expect their prerequisites first */
#include <sys/types.h>

#include <sys/socket.h>

#include <net/if.h>
#include <net/if_dl.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stddef.h>

#define PFR_CHECK(cond)		    _Static_assert(cond, #cond)
#define PFR_FIELD_SIZE(type, field) sizeof(((type *)0)->field)
#define PFR_SAME(a, b)		    PFR_CHECK((a) == (b))

PFR_SAME(PFR_AF_INET, AF_INET);
PFR_SAME(PFR_AF_LINK, AF_LINK);
PFR_SAME(PFR_SIN_ADDR, offsetof(struct sockaddr_in, sin_addr));
PFR_SAME(PFR_SIN6_ADDR, offsetof(struct sockaddr_in6, sin6_addr));
PFR_SAME(PFR_SIN6_SCOPE, offsetof(struct sockaddr_in6, sin6_scope_id));
PFR_SAME(PFR_SDL_INDEX, offsetof(struct sockaddr_dl, sdl_index));
PFR_SAME(PFR_SDL_NLEN, offsetof(struct sockaddr_dl, sdl_nlen));
PFR_SAME(PFR_SDL_DATA, offsetof(struct sockaddr_dl, sdl_data));
PFR_SAME(PFR_IFF_UP, IFF_UP);
PFR_SAME(PFR_IFF_RUNNING, IFF_RUNNING);
PFR_SAME(PFR_RTF_GATEWAY, RTF_GATEWAY);
PFR_SAME(PFR_RTF_HOST, RTF_HOST);
PFR_SAME(PFR_RTF_REJECT, RTF_REJECT);
PFR_SAME(PFR_RTF_DYNAMIC, RTF_DYNAMIC);
PFR_SAME(PFR_RTF_STATIC, RTF_STATIC);
PFR_SAME(PFR_RTF_BLACKHOLE, RTF_BLACKHOLE);
PFR_SAME(PFR_RTM_ADD, RTM_ADD);
PFR_SAME(PFR_RTM_DELETE, RTM_DELETE);
PFR_SAME(PFR_RTM_CHANGE, RTM_CHANGE);
PFR_SAME(PFR_RTM_GET, RTM_GET);
PFR_SAME(RTAX_DST, 0);
PFR_SAME(RTAX_GATEWAY, 1);
PFR_SAME(RTAX_NETMASK, 2);
PFR_SAME(RTAX_IFP, 4);
PFR_SAME(RTAX_IFA, 5);

/* The message headers, field by field. P is the PFR_<OS> prefix. */
#define PFR_CHECK_HEADERS(P)                                                                       \
	PFR_SAME(P##_VERSION, RTM_VERSION);                                                        \
	PFR_SAME(P##_RTAX_MAX, RTAX_MAX);                                                          \
	PFR_SAME(P##_AF_INET6, AF_INET6);                                                          \
	PFR_SAME(P##_RTM_NEWADDR, RTM_NEWADDR);                                                    \
	PFR_SAME(P##_RTM_DELADDR, RTM_DELADDR);                                                    \
	PFR_SAME(P##_RTM_IFINFO, RTM_IFINFO);                                                      \
	PFR_SAME(P##_RT_SIZE, sizeof(struct rt_msghdr));                                           \
	PFR_SAME(P##_RT_INDEX, offsetof(struct rt_msghdr, rtm_index));                             \
	PFR_SAME(P##_RT_FLAGS, offsetof(struct rt_msghdr, rtm_flags));                             \
	PFR_SAME(P##_RT_ADDRS, offsetof(struct rt_msghdr, rtm_addrs));                             \
	PFR_SAME(P##_RT_PID, offsetof(struct rt_msghdr, rtm_pid));                                 \
	PFR_SAME(P##_RT_ERRNO, offsetof(struct rt_msghdr, rtm_errno));                             \
	PFR_SAME(P##_IFM_SIZE, sizeof(struct if_msghdr));                                          \
	PFR_SAME(P##_IFM_ADDRS, offsetof(struct if_msghdr, ifm_addrs));                            \
	PFR_SAME(P##_IFM_FLAGS, offsetof(struct if_msghdr, ifm_flags));                            \
	PFR_SAME(P##_IFM_INDEX, offsetof(struct if_msghdr, ifm_index));                            \
	PFR_SAME(P##_IFAM_SIZE, sizeof(struct ifa_msghdr));                                        \
	PFR_SAME(P##_IFAM_ADDRS, offsetof(struct ifa_msghdr, ifam_addrs));                         \
	PFR_SAME(P##_IFAM_FLAGS, offsetof(struct ifa_msghdr, ifam_flags));                         \
	PFR_SAME(P##_IFAM_INDEX, offsetof(struct ifa_msghdr, ifam_index));                         \
	PFR_SAME(PFR_FIELD_SIZE(struct rt_msghdr, rtm_msglen), 2);                                 \
	PFR_SAME(PFR_FIELD_SIZE(struct rt_msghdr, rtm_index), 2);                                  \
	PFR_SAME(PFR_FIELD_SIZE(struct rt_msghdr, rtm_flags), 4);                                  \
	PFR_SAME(PFR_FIELD_SIZE(struct rt_msghdr, rtm_addrs), 4);                                  \
	PFR_SAME(PFR_FIELD_SIZE(struct rt_msghdr, rtm_pid), 4);                                    \
	PFR_SAME(PFR_FIELD_SIZE(struct rt_msghdr, rtm_errno), 4);                                  \
	PFR_SAME(PFR_FIELD_SIZE(struct if_msghdr, ifm_addrs), 4);                                  \
	PFR_SAME(PFR_FIELD_SIZE(struct if_msghdr, ifm_flags), 4);                                  \
	PFR_SAME(PFR_FIELD_SIZE(struct if_msghdr, ifm_index), 2);                                  \
	PFR_SAME(PFR_FIELD_SIZE(struct ifa_msghdr, ifam_addrs), 4);                                \
	PFR_SAME(PFR_FIELD_SIZE(struct ifa_msghdr, ifam_index), 2);                                \
	PFR_SAME(PFR_FIELD_SIZE(struct sockaddr_dl, sdl_index), 2)

#define PFR_CHECK_ANNOUNCE(P)                                                                      \
	PFR_SAME(P##_RTM_IFANNOUNCE, RTM_IFANNOUNCE);                                              \
	PFR_SAME(PFR_IFAN_DEPART, IFAN_DEPARTURE);                                                 \
	PFR_SAME(P##_IFAN_SIZE, sizeof(struct if_announcemsghdr));                                 \
	PFR_SAME(P##_IFAN_INDEX, offsetof(struct if_announcemsghdr, ifan_index));                  \
	PFR_SAME(P##_IFAN_NAME, offsetof(struct if_announcemsghdr, ifan_name));                    \
	PFR_SAME(P##_IFAN_WHAT, offsetof(struct if_announcemsghdr, ifan_what));                    \
	PFR_SAME(PFR_FIELD_SIZE(struct if_announcemsghdr, ifan_index), 2);                         \
	PFR_SAME(PFR_FIELD_SIZE(struct if_announcemsghdr, ifan_what), 2);                          \
	PFR_SAME(PFR_FIELD_SIZE(struct if_announcemsghdr, ifan_name), 16)

#if defined(__FreeBSD__)
PFR_CHECK(sizeof(long) == 8); /* the descriptor is the amd64/arm64 one */
PFR_CHECK_HEADERS(PFR_FREEBSD);
PFR_CHECK_ANNOUNCE(PFR_FREEBSD);
PFR_SAME(PFR_FREEBSD_SA_ALIGN, sizeof(long));
PFR_SAME(PFR_FREEBSD_IFM_LINK_STATE, offsetof(struct if_msghdr, ifm_data.ifi_link_state));
PFR_SAME(PFR_FIELD_SIZE(struct if_data, ifi_link_state), 1);
PFR_SAME(PFR_RTF_LLINFO, RTF_LLDATA);
PFR_SAME(PFR_FREEBSD_RTF_LOCAL, RTF_LOCAL);
PFR_SAME(PFR_FREEBSD_RTF_BROADCAST, RTF_BROADCAST);
PFR_SAME(PFR_FREEBSD_RTF_MULTICAST, RTF_MULTICAST);
PFR_SAME(LINK_STATE_DOWN, 1);
PFR_SAME(LINK_STATE_UP, 2);
#elif defined(__APPLE__)
PFR_CHECK_HEADERS(PFR_MACOS);
PFR_SAME(PFR_RTF_LLINFO, RTF_LLINFO);
PFR_SAME(PFR_MACOS_RTF_WASCLONED, RTF_WASCLONED);
PFR_SAME(PFR_MACOS_RTF_IFSCOPE, RTF_IFSCOPE);
PFR_SAME(PFR_MACOS_RTF_LOCAL, RTF_LOCAL);
PFR_SAME(PFR_MACOS_RTF_BROADCAST, RTF_BROADCAST);
PFR_SAME(PFR_MACOS_RTF_MULTICAST, RTF_MULTICAST);
#elif defined(__OpenBSD__)
PFR_CHECK(sizeof(long) == 8);
PFR_CHECK_HEADERS(PFR_OPENBSD);
PFR_CHECK_ANNOUNCE(PFR_OPENBSD);
PFR_SAME(PFR_OPENBSD_SA_ALIGN, sizeof(long));
PFR_SAME(PFR_OPENBSD_RTM_DESYNC, RTM_DESYNC);
PFR_SAME(PFR_OPENBSD_RT_HDRLEN, offsetof(struct rt_msghdr, rtm_hdrlen));
PFR_SAME(PFR_OPENBSD_RT_TABLEID, offsetof(struct rt_msghdr, rtm_tableid));
PFR_SAME(PFR_OPENBSD_RT_PRIORITY, offsetof(struct rt_msghdr, rtm_priority));
PFR_SAME(PFR_OPENBSD_IFM_HDRLEN, offsetof(struct if_msghdr, ifm_hdrlen));
PFR_SAME(PFR_OPENBSD_IFM_LINK_STATE, offsetof(struct if_msghdr, ifm_data.ifi_link_state));
PFR_SAME(PFR_FIELD_SIZE(struct if_data, ifi_link_state), 1);
PFR_SAME(PFR_FIELD_SIZE(struct rt_msghdr, rtm_hdrlen), 2);
PFR_SAME(PFR_FIELD_SIZE(struct rt_msghdr, rtm_tableid), 2);
PFR_SAME(PFR_FIELD_SIZE(struct rt_msghdr, rtm_priority), 1);
PFR_SAME(PFR_FIELD_SIZE(struct if_msghdr, ifm_hdrlen), 2);
PFR_SAME(PFR_FIELD_SIZE(struct ifa_msghdr, ifam_hdrlen), 2);
PFR_SAME(PFR_FIELD_SIZE(struct if_announcemsghdr, ifan_hdrlen), 2);
PFR_SAME(PFR_OPENBSD_IFAM_HDRLEN, offsetof(struct ifa_msghdr, ifam_hdrlen));
PFR_SAME(PFR_OPENBSD_IFAN_HDRLEN, offsetof(struct if_announcemsghdr, ifan_hdrlen));
PFR_SAME(PFR_RTF_LLINFO, RTF_LLINFO);
PFR_SAME(PFR_OPENBSD_RTF_CLONED, RTF_CLONED);
PFR_SAME(PFR_OPENBSD_RTF_LOCAL, RTF_LOCAL);
PFR_SAME(PFR_OPENBSD_RTF_BROADCAST, RTF_BROADCAST);
PFR_SAME(PFR_OPENBSD_RTF_MULTICAST, RTF_MULTICAST);
PFR_SAME(PFR_OPENBSD_RTF_MPATH, RTF_MPATH);
PFR_SAME(PFR_OPENBSD_RTP_DOWN, RTP_DOWN);
PFR_SAME(PFR_OPENBSD_RTP_MASK, RTP_MASK);
#elif defined(__NetBSD__)
PFR_CHECK(sizeof(long) == 8);
PFR_CHECK_HEADERS(PFR_NETBSD);
PFR_CHECK_ANNOUNCE(PFR_NETBSD);
PFR_SAME(PFR_NETBSD_IFM_LINK_STATE, offsetof(struct if_msghdr, ifm_data.ifi_link_state));
PFR_SAME(PFR_FIELD_SIZE(struct if_data, ifi_link_state), 4);
PFR_SAME(PFR_RTF_LLINFO, RTF_LLDATA);
PFR_SAME(PFR_NETBSD_RTF_LOCAL, RTF_LOCAL);
PFR_SAME(PFR_NETBSD_RTF_BROADCAST, RTF_BROADCAST);
#endif
#endif /* a BSD */

#endif
