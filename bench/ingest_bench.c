/* bench/ingest_bench.c: time to a ready model of a big kernel table,
 * rtw_start() against a bare recvmsg dump loop (the kernel's own pace),
 * libnl's route cache and `ip -4 route show table all`, in a private
 * network namespace that this program makes and loads itself (needs root). */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <routewatch.h>

#include "benchutil.h"

#ifdef HAVE_LIBNL
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#endif

/* When the method had its answer, before any cleanup it does. */
static double ready_at;

static int sh(const char *cmd)
{
	int r = system(cmd);

	if (r != 0)
		fprintf(stderr, "ingest_bench: '%s' failed (%d)\n", cmd, r);
	return r == 0 ? 0 : -1;
}

/* N distinct IPv4 routes through nexthop object 1: the real table's IPv4
 * prefixes first when it is there, then /28s inside 10.0.0.0/8, which no
 * BGP table carries. */
static int write_batch(const char *path, size_t n, const char *data_dir)
{
	char cmd[4300], line[128];
	FILE *out = fopen(path, "w"), *in = NULL;
	size_t k = 0, extra = 0;

	if (!out)
		return -errno;
	if (data_dir) {
		snprintf(cmd, sizeof(cmd), "gzip -dc '%s/bgp-prefixes.txt.gz' 2>/dev/null",
			 data_dir);
		in = popen(cmd, "r");
	}
	while (in && k < n && fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\r\n")] = 0;
		if (strchr(line, ':') || !strchr(line, '/') || strncmp(line, "10.", 3) == 0)
			continue;
		fprintf(out, "route add %s nhid 1\n", line);
		k++;
	}
	if (in)
		pclose(in);
	for (; k < n; k++, extra++)
		fprintf(out, "route add 10.%zu.%zu.%zu/28 nhid 1\n", (extra >> 12) & 255,
			(extra >> 4) & 255, (extra & 15) << 4);
	return fclose(out) == 0 ? 0 : -errno;
}

/* ---- the kernel's pace: the same dumps rtw_start() asks for, read with
 * recvmsg into one buffer and walked, nothing kept ---- */

static int dump_request(int fd, uint16_t type, uint8_t family, uint32_t seq)
{
	struct {
		struct nlmsghdr h;
		struct rtmsg r; /* the largest header of the ones sent */
		char pad[16];
	} req;
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_type = type;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = seq;
	switch (type) {
	case RTM_GETLINK:
		req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
		break;
	case RTM_GETADDR:
		req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
		break;
	case RTM_GETNEXTHOP:
		req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct nhmsg));
		break;
	default:
		req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
		break;
	}
	req.r.rtm_family = family; /* every rtnetlink header starts with it */
	return sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0 ? -errno
											    : 0;
}

static long bare_dump(void)
{
	static const struct {
		uint16_t type;
		uint8_t family;
	} steps[] = { { RTM_GETLINK, AF_UNSPEC },
		      { RTM_GETADDR, AF_UNSPEC },
		      { RTM_GETNEXTHOP, AF_UNSPEC },
		      { RTM_GETROUTE, AF_INET },
		      { RTM_GETROUTE, AF_INET6 } };
	static char buf[32768];
	struct sockaddr_nl me = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), rcv = 8 << 20;
	long routes = 0;
	unsigned i;

	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		int done = 0;

		if (dump_request(fd, steps[i].type, steps[i].family, i + 1) < 0)
			break;
		while (!done) {
			struct iovec iov = { buf, sizeof(buf) };
			struct sockaddr_nl from;
			struct msghdr msg = { .msg_name = &from,
					      .msg_namelen = sizeof(from),
					      .msg_iov = &iov,
					      .msg_iovlen = 1 };
			ssize_t n = recvmsg(fd, &msg, 0);
			struct nlmsghdr *h;

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
			     h = NLMSG_NEXT(h, n)) {
				if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
					done = 1;
				else if (h->nlmsg_type == RTM_NEWROUTE)
					routes++;
			}
		}
	}
	ready_at = bench_now();
	close(fd);
	return routes;
}

static long rtw_ingest(void)
{
	struct rtw_ctx *c = rtw_new(NULL);
	struct rtw_stats st;
	int r;

	if (!c)
		return -errno;
	r = rtw_start(c);
	if (r < 0) {
		rtw_free(c);
		return r;
	}
	ready_at = bench_now();
	rtw_get_stats(c, &st);
	rtw_free(c);
	return (long)st.routes;
}

#ifdef HAVE_LIBNL
static long libnl_ingest(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	long n = -ENOMEM;

	if (!sk)
		return -ENOMEM;
	if (nl_connect(sk, NETLINK_ROUTE) == 0 &&
	    rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &cache) == 0) {
		ready_at = bench_now();
		n = nl_cache_nitems(cache);
		nl_cache_free(cache);
	}
	nl_socket_free(sk);
	return n;
}
#endif

static long ip_show(void)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0)
			dup2(fd, 1);
		execlp("ip", "ip", "-4", "route", "show", "table", "all", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EIO;
	ready_at = bench_now();
	return 0;
}

struct method {
	const char *name;
	long (*run)(void);
};

static const struct method methods[] = {
	{ "routewatch", rtw_ingest },
	{ "bare-dump", bare_dump },
#ifdef HAVE_LIBNL
	{ "libnl", libnl_ingest },
#endif
	{ "ip-route-show", ip_show },
};
#define NMETHOD (sizeof(methods) / sizeof(methods[0]))

/* One run in a child process, so that each starts from the same memory
 * and a peer that takes too long can be stopped. Returns the seconds to
 * ready, 0 on timeout, -1 on failure. */
static double run_method(const struct method *m, double timeout, long *ret_seen)
{
	struct {
		double t;
		long seen;
	} res;
	struct pollfd p;
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		double t0;

		close(fds[0]);
		t0 = bench_now();
		res.seen = m->run();
		res.t = ready_at - t0;
		_exit(write(fds[1], &res, sizeof(res)) == (ssize_t)sizeof(res) ? 0 : 1);
	}
	close(fds[1]);
	p.fd = fds[0];
	p.events = POLLIN;
	if (poll(&p, 1, (int)(timeout * 1000)) == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(fds[0]);
		return 0;
	}
	if (read(fds[0], &res, sizeof(res)) != (ssize_t)sizeof(res) || res.seen < 0)
		res.t = -1;
	close(fds[0]);
	waitpid(pid, &status, 0);
	*ret_seen = res.seen;
	return res.t;
}

int main(int argc, char **argv)
{
	const char *data = getenv("RTW_SHARED_DATA");
	char batch[] = "/tmp/ingest_bench.XXXXXX", cmd[256];
	size_t routes = 100000;
	unsigned rounds = 5, i, k;
	double timeout = 60;
	double t0, load_s;
	int smoke = 0, fd, a;

#ifdef INGEST_BENCH_SMOKE
	smoke = 1; /* kyua passes no arguments */
#endif
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--smoke"))
			smoke = 1;
		else if (!strcmp(argv[a], "--routes") && a + 1 < argc)
			routes = strtoul(argv[++a], NULL, 10);
		else if (!strcmp(argv[a], "--rounds") && a + 1 < argc)
			rounds = (unsigned)atoi(argv[++a]);
		else if (!strcmp(argv[a], "--timeout") && a + 1 < argc)
			timeout = atof(argv[++a]);
		else {
			fprintf(stderr, "usage: ingest_bench [--smoke] [--routes N] [--rounds N] "
					"[--timeout S]\n");
			return 2;
		}
	}
	if (smoke)
		routes = 1000, rounds = 1;
	if (rounds < 1 || rounds > 99)
		rounds = 5;
	if (geteuid() != 0)
		return bench_skip("ingest_bench needs root (a private network namespace)");
	if (unshare(CLONE_NEWNET) < 0)
		return bench_skip("cannot create a network namespace");
	if (sh("ip link set lo up && ip link add name v0 type veth peer name v1 &&"
	       " ip link set v0 up && ip link set v1 up && ip nexthop add id 1 dev v0") < 0)
		return 1;
	fd = mkstemp(batch);
	if (fd < 0)
		return 1;
	close(fd);
	if (write_batch(batch, routes, data) < 0)
		return 1;
	t0 = bench_now();
	snprintf(cmd, sizeof(cmd), "ip -force -batch %s", batch);
	a = sh(cmd);
	load_s = bench_now() - t0;
	unlink(batch);
	if (a < 0)
		return 1;
	printf("# ingest ROUTES METHOD median-ms min-ms routes-seen (loading took %.1f s)\n",
	       load_s);
	{
		double t[NMETHOD][99];
		unsigned got[NMETHOD] = { 0 };
		int timed_out[NMETHOD] = { 0 };
		long seen[NMETHOD] = { 0 };

		/* methods in turn within each round, so that other load on the
		 * machine hits all alike; one slower than 10 s runs once */
		for (i = 0; i < rounds; i++)
			for (k = 0; k < NMETHOD; k++) {
				double r;

				if (timed_out[k] || (got[k] && t[k][0] > 10))
					continue;
				r = run_method(&methods[k], timeout, &seen[k]);
				if (r < 0) {
					fprintf(stderr, "ingest_bench: %s failed\n",
						methods[k].name);
					return 1;
				}
				if (r == 0)
					timed_out[k] = 1;
				else
					t[k][got[k]++] = r;
			}
		for (k = 0; k < NMETHOD; k++) {
			if (timed_out[k] && got[k] == 0) {
				/* a lower bound: the time it was given */
				printf("# %s did not finish within %.0f s\n", methods[k].name,
				       timeout);
				printf("ingest %zu %s %.2f %.2f -1\n", routes, methods[k].name,
				       timeout * 1e3, timeout * 1e3);
				continue;
			}
			qsort(t[k], got[k], sizeof(double), bench_cmp_double);
			printf("ingest %zu %s %.2f %.2f %ld\n", routes, methods[k].name,
			       t[k][got[k] / 2] * 1e3, t[k][0] * 1e3, seen[k]);
			/* a model short of the loaded table is no model */
			if (k < 2 && (size_t)seen[k] < routes) {
				fprintf(stderr, "ingest_bench: %s saw %ld routes of %zu\n",
					methods[k].name, seen[k], routes);
				return 1;
			}
		}
	}
	return 0;
}
