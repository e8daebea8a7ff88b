/* bench/latency_bench.c: event latency, from a route deleted in the kernel
 * (rtnetlink, in a private network namespace this program makes) to the
 * callback of the watch that used it; median and p99. Needs root. */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include <routewatch.h>

/* ---- route changes, sent the way ip(8) sends them ---- */

static int nl_fd = -1;
static uint32_t nl_seq;

/* 10.(i / 256).(i % 256).0/24 through nexthop object 1. Waits for the
 * kernel's answer when ack is set. */
static int route_change(uint16_t type, unsigned i, int ack)
{
	struct {
		struct nlmsghdr h;
		struct rtmsg r;
		char attrs[64];
	} req;
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	struct rtattr *a;
	uint8_t dst[4] = { 10, (uint8_t)(i >> 8), (uint8_t)i, 0 };
	uint32_t nhid = 1;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_type = type;
	req.h.nlmsg_flags = NLM_F_REQUEST | (ack ? NLM_F_ACK : 0);
	if (type == RTM_NEWROUTE)
		req.h.nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	req.h.nlmsg_seq = ++nl_seq;
	req.r.rtm_family = AF_INET;
	req.r.rtm_dst_len = 24;
	req.r.rtm_table = RT_TABLE_MAIN;
	req.r.rtm_protocol = RTPROT_STATIC;
	req.r.rtm_scope = type == RTM_NEWROUTE ? RT_SCOPE_UNIVERSE : RT_SCOPE_NOWHERE;
	req.r.rtm_type = RTN_UNICAST;
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.r));
	a = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.h.nlmsg_len));
	a->rta_type = RTA_DST;
	a->rta_len = RTA_LENGTH(4);
	memcpy(RTA_DATA(a), dst, 4);
	req.h.nlmsg_len = NLMSG_ALIGN(req.h.nlmsg_len) + RTA_ALIGN(a->rta_len);
	if (type == RTM_NEWROUTE) {
		a = (struct rtattr *)((char *)&req + req.h.nlmsg_len);
		a->rta_type = RTA_NH_ID;
		a->rta_len = RTA_LENGTH(4);
		memcpy(RTA_DATA(a), &nhid, 4);
		req.h.nlmsg_len += RTA_ALIGN(a->rta_len);
	}
	if (sendto(nl_fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	if (ack) {
		char buf[512];
		ssize_t n = recv(nl_fd, buf, sizeof(buf), 0);
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;

		if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) ||
		    h->nlmsg_type != NLMSG_ERROR)
			return -EIO;
		return ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
	}
	return 0;
}

/* ---- the watches ---- */

static double fired_at;
static enum rtw_reason fired_reason;

static void on_invalid(struct rtw_watch *w, enum rtw_reason reason, void *user)
{
	(void)w;
	(void)user;
	fired_at = bench_now();
	fired_reason = reason;
}

static unsigned long others_fired;

static void on_other(struct rtw_watch *w, enum rtw_reason reason, void *user)
{
	(void)w;
	(void)reason;
	(void)user;
	others_fired++;
}

static void peer_of(unsigned i, struct sockaddr_in *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->sin_family = AF_INET;
	ret->sin_addr.s_addr = htonl(0x0a000000u | (i << 8) | 1);
}

/* Dispatch until pred holds or a second has gone by. */
static int wait_for(struct rtw_ctx *c, int (*pred)(struct rtw_ctx *c, unsigned i), unsigned i)
{
	double end = bench_now() + 1.0;
	struct pollfd p = { .fd = rtw_fd(c), .events = POLLIN };

	while (!pred(c, i)) {
		if (bench_now() > end)
			return -ETIMEDOUT;
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			return -errno;
		if (rtw_dispatch(c) < 0)
			return -EIO;
	}
	return 0;
}

static int fired(struct rtw_ctx *c, unsigned i)
{
	(void)c;
	(void)i;
	return fired_at != 0;
}

static int routable(struct rtw_ctx *c, unsigned i)
{
	struct sockaddr_in s;

	peer_of(i, &s);
	return rtw_routable(c, (struct sockaddr *)&s);
}

int main(int argc, char **argv)
{
	unsigned routes = 1000, events = 2000, background = 10000, i, e;
	struct sockaddr_nl me = { .nl_family = AF_NETLINK };
	struct rtw_watch **w;
	struct rtw_ctx *c;
	double *lat;
	int smoke = 0, a;

#ifdef LATENCY_BENCH_SMOKE
	smoke = 1; /* kyua passes no arguments */
#endif
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--smoke"))
			smoke = 1;
		else if (!strcmp(argv[a], "--events") && a + 1 < argc)
			events = (unsigned)strtoul(argv[++a], NULL, 10);
		else if (!strcmp(argv[a], "--watches") && a + 1 < argc)
			background = (unsigned)strtoul(argv[++a], NULL, 10);
		else {
			fprintf(stderr,
				"usage: latency_bench [--smoke] [--events N] [--watches N]\n");
			return 2;
		}
	}
	if (smoke)
		events = 50, background = 100;
	if (events < 1)
		events = 1;
	if (geteuid() != 0)
		return bench_skip("latency_bench needs root (a private network namespace)");
	if (unshare(CLONE_NEWNET) < 0)
		return bench_skip("cannot create a network namespace");
	if (system("ip link set lo up && ip link add name v0 type veth peer name v1 &&"
		   " ip link set v0 up && ip link set v1 up && ip nexthop add id 1 dev v0 &&"
		   " ip route add 10.128.0.0/9 nhid 1") != 0)
		return 1;
	nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl_fd < 0 || bind(nl_fd, (struct sockaddr *)&me, sizeof(me)) < 0)
		return 1;
	for (i = 0; i < routes; i++)
		if (route_change(RTM_NEWROUTE, i, 1) != 0)
			return 1;
	c = rtw_new(NULL);
	if (!c || rtw_start(c) < 0)
		return 1;
	w = calloc(routes + background, sizeof(*w));
	lat = calloc(events, sizeof(*lat));
	if (!w || !lat)
		return 1;
	/* one watch per route that will change, and the others on peers under
	 * a route that never changes (10.128.0.0/9): every event invalidates
	 * exactly one watch, and the engine has a crowd to leave alone */
	for (i = 0; i < routes + background; i++) {
		struct sockaddr_in s;

		peer_of(i % routes, &s);
		if (i >= routes)
			s.sin_addr.s_addr = htonl(0x0a800000u + (i - routes) * 7u % 0x7fffffu + 1);
		w[i] = rtw_watch_add(c, (struct sockaddr *)&s, NULL, 0,
				     i < routes ? on_invalid : on_other, NULL);
		if (!w[i])
			return 1;
	}
	while (rtw_dispatch(c) > 0)
		;
	for (e = 0; e < events; e++) {
		unsigned r = e % routes;
		double t0;

		fired_at = 0;
		t0 = bench_now();
		if (route_change(RTM_DELROUTE, r, 0) < 0 || wait_for(c, fired, r) < 0) {
			fprintf(stderr, "latency_bench: no callback for route %u\n", r);
			return 1;
		}
		lat[e] = fired_at - t0;
		if (fired_reason != RTW_REASON_ROUTE_REMOVED &&
		    fired_reason != RTW_REASON_NO_ROUTE) {
			fprintf(stderr, "latency_bench: unexpected reason %s\n",
				rtw_reason_str(fired_reason));
			return 1;
		}
		/* the route back, and a fresh watch on it */
		if (route_change(RTM_NEWROUTE, r, 1) != 0 || wait_for(c, routable, r) < 0)
			return 1;
		rtw_watch_del(w[r]);
		{
			struct sockaddr_in s;

			peer_of(r, &s);
			w[r] = rtw_watch_add(c, (struct sockaddr *)&s, NULL, 0, on_invalid, NULL);
			if (!w[r])
				return 1;
		}
	}
	if (others_fired) {
		fprintf(stderr, "latency_bench: %lu watches on an unchanged route fired\n",
			others_fired);
		return 1;
	}
	qsort(lat, events, sizeof(double), bench_cmp_double);
	printf("# latency EVENTS WATCHES median-us p99-us max-us\n");
	printf("latency %u %u %.1f %.1f %.1f\n", events, routes + background, lat[events / 2] * 1e6,
	       lat[(size_t)((double)events * 0.99)] * 1e6, lat[events - 1] * 1e6);
	rtw_free(c);
	free(w);
	free(lat);
	close(nl_fd);
	return 0;
}
