/* tests/kernel/rtw_harness.c: a routewatch context on the real kernel, driven
 * line by line from standard input by kernel_test.py, printing the model in a
 * canonical JSON form the script compares with `ip -j`. Always dispatching:
 * kernel events are applied whenever they arrive, between commands too.
 *   rtw_harness [RCVBUF]    commands: sync, routes, fresh, lookup ADDR,
 *                           stats, portid, pause, resume, quit
 * pause stops dispatching until resume (or sync): the kernel's queue fills
 * as it would behind a busy application. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
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
	       "\"protocol\":%u,\"scope\":%u,",
	       dst, r->table, (int)r->type, r->metric, r->tos, r->protocol, r->scope);
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
