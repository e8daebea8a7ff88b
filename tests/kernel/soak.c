/* tests/kernel/soak.c: the watch side of the soak test (soak.py). Keeps a
 * routewatch context with thousands of watches on the real kernel, always
 * dispatching, and at the end checks every watch against a fresh context
 * (a brute-force answer) and reports its memory. Commands on stdin, one
 * answer line each:
 *   watch ADDR [LOCAL] [stable]   register (RTW_WATCH_PATH_CHANGE) -> "ok N"
 *   mark                          "ok": RSS and model memory baseline
 *   check LINK...                 sync, then one JSON line of verdicts;
 *                                 LINKs are the ifindexes that flapped
 *   quit
 * soak_watch [RCVBUF] */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "routewatch.h"

#define MAX_WATCHES 20000

struct path {
	int rc;
	struct rtw_route route;
	struct rtw_nexthop hop; /* the first one; soak routes have one */
};

struct entry {
	struct rtw_watch *w;
	struct rtw_addr peer, local;
	bool has_local, stable;
	bool valid_at_start;
	struct path start;
	unsigned fired;
	enum rtw_reason reason;
};

static struct entry entries[MAX_WATCHES];
static unsigned n_entries;
static size_t peak_memory;

static void on_watch(struct rtw_watch *w, enum rtw_reason reason, void *user)
{
	struct entry *e = user;

	(void)w;
	e->fired++;
	e->reason = reason;
}

/* ASan keeps freed memory in quarantine, so RSS says nothing there. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static void note_memory(const struct rtw_ctx *c)
{
	struct rtw_stats s;

	rtw_get_stats(c, &s);
	if (s.memory > peak_memory)
		peak_memory = s.memory;
}

static int dispatch(struct rtw_ctx *c)
{
	int r = rtw_dispatch(c);

	if (r < 0 && r != -EAGAIN)
		fprintf(stderr, "rtw_dispatch: %s\n", strerror(-r));
	note_memory(c);
	return r;
}

/* Apply what the kernel queued until it has been quiet for 200 ms. */
static void sync_ctx(struct rtw_ctx *c)
{
	struct pollfd p = { rtw_fd(c), POLLIN, 0 };

	for (;;) {
		int n = poll(&p, 1, 200);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		dispatch(c);
	}
}

static void path_of(const struct rtw_ctx *c, const struct rtw_addr *a, struct path *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->rc = rtw_lookup_addr(c, a, &ret->route);
	if (ret->route.n_nexthops)
		ret->hop = ret->route.nexthops[0];
	ret->route.nexthops = NULL; /* owned by the context; the copy is in hop */
}

/* The path as the watch rule sees it: the deciding route and its next hop. */
static bool same_path(const struct path *a, const struct path *b)
{
	return a->rc == b->rc && a->route.table == b->route.table &&
	       a->route.metric == b->route.metric && a->route.type == b->route.type &&
	       a->route.dst.len == b->route.dst.len &&
	       memcmp(&a->route.dst.addr, &b->route.dst.addr, sizeof(a->route.dst.addr)) == 0 &&
	       a->route.n_nexthops == b->route.n_nexthops && a->hop.ifindex == b->hop.ifindex &&
	       memcmp(&a->hop.gateway, &b->hop.gateway, sizeof(a->hop.gateway)) == 0;
}

static void cmd_watch(struct rtw_ctx *c, char *args)
{
	char *peer = strtok(args, " "), *tok;
	struct entry *e = &entries[n_entries];
	struct sockaddr_storage ps, ls;

	if (n_entries == MAX_WATCHES || !peer || rtw_addr_parse(peer, &e->peer) < 0) {
		printf("error watch\n");
		return;
	}
	while ((tok = strtok(NULL, " "))) {
		if (strcmp(tok, "stable") == 0)
			e->stable = true;
		else if (rtw_addr_parse(tok, &e->local) == 0)
			e->has_local = true;
	}
	ps = addr_to_sockaddr(&e->peer);
	ls = addr_to_sockaddr(&e->local);
	e->w =
	    rtw_watch_add(c, (struct sockaddr *)&ps, e->has_local ? (struct sockaddr *)&ls : NULL,
			  RTW_WATCH_PATH_CHANGE, on_watch, e);
	if (!e->w) {
		printf("error rtw_watch_add %s\n", strerror(errno));
		return;
	}
	e->valid_at_start = rtw_watch_status(e->w, NULL) == RTW_REASON_NONE;
	path_of(c, &e->peer, &e->start);
	printf("ok %u\n", n_entries++);
}

static bool flapped(const int *links, unsigned n, int ifindex)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (links[i] == ifindex)
			return true;
	return false;
}

/* Every watch against a fresh context: one whose path differs from the one
 * it registered must have fired (all are PATH_CHANGE watches), a stable one
 * must not have, and a reason must fit what the run did. */
static void cmd_check(struct rtw_ctx *c, char *args, long rss_mark, size_t mem_mark)
{
	unsigned counts[8] = { 0 }, valid = 0, fired = 0, missed = 0, wrong = 0, twice = 0, i;
	unsigned shown = 0, n_links = 0;
	int links[16];
	char *tok;
	struct rtw_stats s;
	struct rtw_ctx *f;

	for (tok = strtok(args, " "); tok && n_links < 16; tok = strtok(NULL, " "))
		links[n_links++] = atoi(tok);
	sync_ctx(c);
	/* the fresh context: a dump alone, with the default buffer */
	f = rtw_new(NULL);
	if (!f || rtw_start(f) < 0) {
		printf("error fresh context\n");
		rtw_free(f);
		return;
	}
	for (i = 0; i < n_entries; i++) {
		struct entry *e = &entries[i];
		struct path now;
		const char *bad = NULL;

		if (!e->valid_at_start)
			continue;
		valid++;
		path_of(f, &e->peer, &now);
		if (e->fired > 1)
			twice++;
		if (e->fired) {
			fired++;
			counts[e->reason & 7]++;
			if (e->stable)
				bad = "a stable watch fired";
			else if (e->reason == RTW_REASON_LINK_DOWN &&
				 !flapped(links, n_links, e->start.hop.ifindex))
				bad = "link-down, but its link never went down";
			else if (e->reason == RTW_REASON_LOCAL_ADDRESS_REMOVED && !e->has_local)
				bad = "local-address-removed without a local address";
			else if (e->reason == RTW_REASON_UNREACHABLE ||
				 e->reason == RTW_REASON_NONE || e->reason == RTW_REASON_NO_ROUTE)
				bad = "a reason the run cannot cause (a stable route covers it)";
			if (bad)
				wrong++;
		} else if (!same_path(&e->start, &now)) {
			bad = "its path changed and it did not fire";
			missed++;
		} else if (e->has_local) {
			/* soak.py deletes every local address it gives a watch */
			bad = "its local address went and it did not fire";
			missed++;
		}
		if (bad && shown < 10) {
			char a[64] = "?";

			shown++;
			rtw_addr_format(&e->peer, a, sizeof(a));
			fprintf(stderr, "# watch %u (%s): %s, reason %s\n", i, a, bad,
				rtw_reason_str(e->reason));
		}
	}
	rtw_free(f);
	rtw_get_stats(c, &s);
	printf("{\"watches\":%u,\"valid_at_start\":%u,\"fired\":%u,\"missed\":%u,\"wrong\":%u,"
	       "\"twice\":%u,\"route_removed\":%u,\"link_down\":%u,\"path_changed\":%u,"
	       "\"local_removed\":%u,\"no_route\":%u,\"overflows\":%llu,\"resyncs\":%llu,"
	       "\"events\":%llu,\"invalidations\":%llu,\"routes\":%zu,\"memory\":%zu,"
	       "\"memory_mark\":%zu,\"memory_peak\":%zu,\"rss_mark_kib\":%ld,\"rss_kib\":%ld,"
	       "\"sanitized\":%s}\n",
	       n_entries, valid, fired, missed, wrong, twice, counts[RTW_REASON_ROUTE_REMOVED],
	       counts[RTW_REASON_LINK_DOWN], counts[RTW_REASON_PATH_CHANGED],
	       counts[RTW_REASON_LOCAL_ADDRESS_REMOVED], counts[RTW_REASON_NO_ROUTE],
	       (unsigned long long)s.overflows, (unsigned long long)s.resyncs,
	       (unsigned long long)s.events, (unsigned long long)s.invalidations, s.routes,
	       s.memory, mem_mark, peak_memory, rss_mark, rss_kib(), SANITIZED ? "true" : "false");
}

int main(int argc, char **argv)
{
	unsigned rcvbuf = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 0;
	struct rtw_options o;
	struct rtw_ctx *c;
	char line[512];
	long rss_mark = -1;
	size_t mem_mark = 0;
	int r;

	memset(&o, 0, sizeof(o));
	o.rcvbuf = rcvbuf;
	c = rtw_new(&o);
	if (!c)
		return 1;
	r = rtw_start(c);
	if (r < 0) {
		fprintf(stderr, "rtw_start: %s\n", strerror(-r));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct pollfd p[2] = { { 0, POLLIN, 0 }, { rtw_fd(c), POLLIN, 0 } };

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (p[1].revents)
			dispatch(c);
		if (!p[0].revents)
			continue;
		if (!fgets(line, sizeof(line), stdin) || strncmp(line, "quit", 4) == 0)
			break;
		line[strcspn(line, "\r\n")] = 0;
		if (strncmp(line, "watch ", 6) == 0) {
			cmd_watch(c, line + 6);
		} else if (strcmp(line, "mark") == 0) {
			struct rtw_stats s;

			sync_ctx(c);
			rtw_get_stats(c, &s);
			mem_mark = s.memory;
			peak_memory = s.memory;
			rss_mark = rss_kib();
			printf("ok\n");
		} else if (strncmp(line, "check", 5) == 0) {
			cmd_check(c, line + 5, rss_mark, mem_mark);
		} else {
			printf("error unknown command\n");
		}
		fflush(stdout);
	}
	rtw_free(c);
	return 0;
}
