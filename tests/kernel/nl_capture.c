/* tests/kernel/nl_capture.c: records raw rtnetlink bytes for the parser
 * fixtures in tests/data/netlink: a full dump, or the notifications that
 * arrive until SIGTERM. Run it only inside a private network namespace. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int write_all(FILE *f, const void *p, size_t n)
{
	return fwrite(p, 1, n, f) == n ? 0 : -1;
}

/* One dump request; its reply (NLMSG_DONE included) goes to f unchanged. */
static int dump(struct mnl_socket *nl, FILE *f, uint16_t type, uint8_t family, size_t hdrlen,
		uint32_t seq)
{
	char buf[1 << 16];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	uint8_t *fam;
	ssize_t n;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	fam = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	*fam = family;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		int left;

		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -1;
		if (write_all(f, buf, (size_t)n) < 0)
			return -1;
		left = (int)n;
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left))
			if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR)
				return 0;
	}
}

static int do_dump(FILE *f)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -1;
	if (dump(nl, f, RTM_GETLINK, AF_UNSPEC, sizeof(struct ifinfomsg), 1) < 0 ||
	    dump(nl, f, RTM_GETADDR, AF_UNSPEC, sizeof(struct ifaddrmsg), 2) < 0 ||
	    dump(nl, f, RTM_GETNEXTHOP, AF_UNSPEC, sizeof(struct nhmsg), 3) < 0 ||
	    dump(nl, f, RTM_GETROUTE, AF_INET, sizeof(struct rtmsg), 4) < 0 ||
	    dump(nl, f, RTM_GETROUTE, AF_INET6, sizeof(struct rtmsg), 5) < 0)
		return -1;
	mnl_socket_close(nl);
	return 0;
}

/* netconf: only the devices' settings, so that the other recordings keep
 * the bytes their tests were written against. */
static int do_monitor(FILE *f, bool netconf)
{
	static const int groups[] = { RTNLGRP_LINK,	  RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
				      RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE,  RTNLGRP_NEXTHOP };
	static const int nc_groups[] = { RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_NETCONF };
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK);
	const int *gs = netconf ? nc_groups : groups;
	size_t n_gs = netconf ? 2 : sizeof(groups) / sizeof(groups[0]);
	char buf[1 << 16];
	size_t i;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -1;
	for (i = 0; i < n_gs; i++) {
		int g = gs[i];

		if (mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0)
			return -1;
	}
	/* the caller waits for this line before changing anything */
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct pollfd p = { mnl_socket_get_fd(nl), POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 50) < 0 && errno != EINTR)
			return -1;
		/* drain before looking at the flag: what arrived before
		 * SIGTERM belongs to the recording */
		while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
			if (write_all(f, buf, (size_t)n) < 0)
				return -1;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (stop)
			break;
	}
	mnl_socket_close(nl);
	return 0;
}

int main(int argc, char **argv)
{
	FILE *f;
	int r;

	if (argc != 3 || (strcmp(argv[1], "dump") && strcmp(argv[1], "monitor") &&
			  strcmp(argv[1], "monitor-netconf"))) {
		fprintf(stderr, "usage: %s dump|monitor|monitor-netconf FILE\n", argv[0]);
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	f = fopen(argv[2], "wb");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	r = strcmp(argv[1], "dump") == 0 ? do_dump(f)
					 : do_monitor(f, strcmp(argv[1], "monitor-netconf") == 0);
	if (r < 0)
		perror(argv[1]);
	if (fclose(f) != 0)
		r = -1;
	return r < 0 ? 1 : 0;
}
