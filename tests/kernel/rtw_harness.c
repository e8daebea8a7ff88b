/* tests/kernel/rtw_harness.c: a routewatch context on the real kernel, driven
 * line by line from standard input by kernel_test.py, printing the model in a
 * canonical JSON form the script compares with `ip -j`. Always dispatching:
 * kernel events are applied whenever they arrive, between commands too.
 *   rtw_harness [RCVBUF]    commands: sync, routes, fresh, lookup ADDR,
 *                           stats, portid, pause, resume, quit,
 *                           watchsock ADDR DEV|-, status N
 * watchsock connects a UDP socket (bound to DEV unless -) to ADDR and
 * watches it (rtw_watch_socket()); it prints the watch's number. status N
 * prints that watch's state: how often it fired, with which reason, and the
 * route it follows (rtw_watch_status()).
 * pause stops dispatching until resume (or sync): the kernel's queue fills
 * as it would behind a busy application. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "routewatch.h"

static void print_addr(const char *key, const struct rtw_addr *a)
{
	char buf[64];

	if (a->family == AF_UNSPEC || rtw_addr_format(a, buf, sizeof(buf)) < 0)
		printf("\"%s\":null", key);
	else
		printf("\"%s\":\"%s\"", key, buf);
}

static void print_route(const struct rtw_route *r)
{
	char dst[64];
	unsigned i;

	if (rtw_prefix_format(&r->dst, dst, sizeof(dst)) < 0)
		strcpy(dst, "?");
	printf("{\"dst\":\"%s\",\"table\":%u,\"type\":%d,\"metric\":%u,\"tos\":%u,"
	       "\"protocol\":%u,\"scope\":%u,\"pref\":%u,",
	       dst, r->table, (int)r->type, r->metric, r->tos, r->protocol, r->scope, r->pref);
	print_addr("prefsrc", &r->prefsrc);
	printf(",\"nhid\":%u,\"nexthops\":[", r->nhid);
	for (i = 0; i < r->n_nexthops; i++) {
		const struct rtw_nexthop *h = &r->nexthops[i];

		printf("%s{", i ? "," : "");
		print_addr("gw", &h->gateway);
		printf(",\"ifindex\":%d,\"weight\":%u,\"onlink\":%s}", h->ifindex, h->weight,
		       (h->flags & RTW_NH_ONLINK) ? "true" : "false");
	}
	printf("]}");
}

static int route_cb(const struct rtw_route *r, void *user)
{
	(void)user;
	print_route(r);
	printf("\n");
	return 0;
}

/* Apply everything the kernel has queued; a quiet period of 50 ms ends it
 * (the script waits for its `ip` commands first, so notifications are
 * already queued when it asks). */
static int sync_ctx(struct rtw_ctx *c)
{
	struct pollfd p = { rtw_fd(c), POLLIN, 0 };
	int total = 0;

	for (;;) {
		int n = poll(&p, 1, 50), r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return total;
		r = rtw_dispatch(c);
		if (r < 0) {
			printf("error dispatch %d\n", r);
			return r;
		}
		total += r;
	}
}

static struct rtw_ctx *start(unsigned rcvbuf)
{
	struct rtw_options o;
	struct rtw_ctx *c;
	int r;

	memset(&o, 0, sizeof(o));
	o.rcvbuf = rcvbuf;
	c = rtw_new(&o);
	if (!c)
		return NULL;
	r = rtw_start(c);
	if (r < 0) {
		fprintf(stderr, "rtw_start: %s\n", strerror(-r));
		rtw_free(c);
		return NULL;
	}
	return c;
}

/* ADDR, or ADDR%IFINDEX: a sockaddr_in6 with that scope id */
static void lookup(const struct rtw_ctx *c, const char *text)
{
	char buf[256];
	char *scope;
	struct rtw_addr a;
	struct rtw_route r;
	int rc;

	snprintf(buf, sizeof(buf), "%s", text);
	scope = strchr(buf, '%');
	if (scope)
		*scope++ = '\0';
	if (rtw_addr_parse(buf, &a) < 0) {
		printf("error parse\n");
		return;
	}
	memset(&r, 0, sizeof(r));
	r.dst.addr.family = AF_UNSPEC;
	if (scope) {
		struct sockaddr_in6 s6;

		memset(&s6, 0, sizeof(s6));
		s6.sin6_family = AF_INET6;
		memcpy(&s6.sin6_addr, a.bytes, 16);
		s6.sin6_scope_id = (uint32_t)atoi(scope);
		rc = rtw_lookup(c, (const struct sockaddr *)&s6, &r);
	} else {
		rc = rtw_lookup_addr(c, &a, &r);
	}
	printf("{\"rc\":%d,\"route\":", rc);
	if (r.dst.addr.family == AF_UNSPEC) {
		printf("null}\n");
	} else {
		print_route(&r);
		printf("}\n");
	}
}

static bool paused;

#define MAX_WATCHES 16

static struct {
	struct rtw_watch *w;
	int fd;
	unsigned fired;
	enum rtw_reason reason;
} watches[MAX_WATCHES];
static unsigned n_watches;

static void on_fire(struct rtw_watch *w, enum rtw_reason reason, void *user)
{
	unsigned i = (unsigned)(uintptr_t)user;

	(void)w;
	watches[i].fired++;
	watches[i].reason = reason;
}

static void watch_socket(struct rtw_ctx *c, char *args)
{
	char *addr = strtok(args, " "), *dev = strtok(NULL, " ");
	struct rtw_addr a;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	if (!addr || !dev || n_watches == MAX_WATCHES || rtw_addr_parse(addr, &a) < 0) {
		printf("error usage\n");
		return;
	}
	memset(&ss, 0, sizeof(ss));
	if (a.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(9);
		memcpy(&sin->sin_addr, a.bytes, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(9);
		memcpy(&sin6->sin6_addr, a.bytes, 16);
		len = sizeof(*sin6);
	}
	fd = socket(a.family, SOCK_DGRAM, 0);
	if (fd < 0 ||
	    (strcmp(dev, "-") != 0 &&
	     setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev)) < 0) ||
	    connect(fd, (struct sockaddr *)&ss, len) < 0) {
		printf("error %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	watches[n_watches].fd = fd;
	watches[n_watches].w = rtw_watch_socket(c, fd, 0, on_fire, (void *)(uintptr_t)n_watches);
	if (!watches[n_watches].w) {
		printf("error rtw_watch_socket: %s\n", strerror(errno));
		close(fd);
		return;
	}
	printf("%u\n", n_watches++);
}

static void watch_status(const char *arg)
{
	unsigned i = (unsigned)strtoul(arg, NULL, 10);
	struct rtw_route r;
	enum rtw_reason s;

	if (i >= n_watches) {
		printf("error no such watch\n");
		return;
	}
	memset(&r, 0, sizeof(r));
	s = rtw_watch_status(watches[i].w, &r);
	printf("{\"fired\":%u,\"reason\":\"%s\",\"state\":\"%s\",\"route\":", watches[i].fired,
	       watches[i].fired ? rtw_reason_str(watches[i].reason) : "", rtw_reason_str(s));
	if (r.dst.addr.family == AF_UNSPEC) {
		printf("null}\n");
	} else {
		print_route(&r);
		printf("}\n");
	}
}

static void command(struct rtw_ctx *c, unsigned rcvbuf, char *line)
{

	line[strcspn(line, "\r\n")] = 0;
	if (strcmp(line, "sync") == 0) {
		paused = false;
		printf("synced %d\n", sync_ctx(c));
	} else if (strcmp(line, "pause") == 0 || strcmp(line, "resume") == 0) {
		paused = line[0] == 'p';
		printf("%s\n", line);
	} else if (strcmp(line, "routes") == 0) {
		rtw_foreach_route(c, route_cb, NULL);
		printf("end\n");
	} else if (strcmp(line, "fresh") == 0) {
		/* a second context: what a new dump alone gives */
		struct rtw_ctx *f = start(rcvbuf);

		if (f)
			rtw_foreach_route(f, route_cb, NULL);
		rtw_free(f);
		printf("end\n");
	} else if (strncmp(line, "watchsock ", 10) == 0) {
		watch_socket(c, line + 10);
	} else if (strncmp(line, "status ", 7) == 0) {
		watch_status(line + 7);
	} else if (strncmp(line, "lookup ", 7) == 0) {
		lookup(c, line + 7);
	} else if (strcmp(line, "stats") == 0) {
		struct rtw_stats s;

		rtw_get_stats(c, &s);
		printf("{\"events\":%llu,\"overflows\":%llu,\"resyncs\":%llu,"
		       "\"foreign_dropped\":%llu,\"routes\":%zu}\n",
		       (unsigned long long)s.events, (unsigned long long)s.overflows,
		       (unsigned long long)s.resyncs, (unsigned long long)s.foreign_dropped,
		       s.routes);
	} else if (strcmp(line, "portid") == 0) {
		struct sockaddr_nl sa;
		socklen_t len = sizeof(sa);

		if (getsockname(rtw_fd(c), (struct sockaddr *)&sa, &len) < 0)
			printf("error getsockname\n");
		else
			printf("%u\n", sa.nl_pid);
	} else {
		printf("error unknown command\n");
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	unsigned rcvbuf = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 0;
	struct rtw_ctx *c = start(rcvbuf);
	char line[256];

	if (!c)
		return 1;
	printf("ready %s\n", rtw_backend_name());
	fflush(stdout);
	for (;;) {
		struct pollfd p[2] = { { 0, POLLIN, 0 }, { rtw_fd(c), POLLIN, 0 } };

		if (poll(p, paused ? 1 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (!paused && p[1].revents) {
			int r = rtw_dispatch(c);

			if (r < 0)
				fprintf(stderr, "rtw_dispatch: %s\n", strerror(-r));
		}
		if (p[0].revents) {
			if (!fgets(line, sizeof(line), stdin) || strncmp(line, "quit", 4) == 0)
				break;
			command(c, rcvbuf, line);
		}
	}
	rtw_free(c);
	return 0;
}
