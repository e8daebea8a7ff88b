/* Shared by the CMocka binaries: TAP output setup and an allocator that fails
 * the Nth allocation, for fault injection. */
#ifndef RTW_TESTUTIL_H
#define RTW_TESTUTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "routewatch.h"

/* rtw_foreach_route() callback appending "dst/table/metric/gateway/ifindex;"
 * of each route to the string user (room for 8 KiB). */
static inline int route_text(const struct rtw_route *r, void *user)
{
	char *out = user, line[200], d[64], g[64] = "-";

	rtw_prefix_format(&r->dst, d, sizeof(d));
	if (r->n_nexthops)
		rtw_addr_format(&r->nexthops[0].gateway, g, sizeof(g));
	snprintf(line, sizeof(line), "%s/%u/%u/%s/%d;", d, r->table, r->metric, g,
		 r->n_nexthops ? r->nexthops[0].ifindex : 0);
	if (strlen(out) + strlen(line) < 8192)
		strcat(out, line);
	return 0;
}

/* Replays the recording at path to its end in a context of its own and
 * writes the routes it ends with into out (route_text(), 8 KiB); a
 * recording that does not replay to its end fails the test, naming what. */
static inline void replay_routes(const char *path, const char *what, char *out)
{
	struct rtw_options o;
	struct rtw_ctx *c;
	int r;

	memset(&o, 0, sizeof(o));
	o.replay_path = path;
	c = rtw_new(&o);
	assert_non_null(c);
	r = rtw_start(c);
	while (r >= 0 && (r = rtw_dispatch(c)) > 0)
		;
	if (r != -ENODATA)
		fail_msg("%s: the recording replays with %d (%s)", what, r, rtw_error_detail(c));
	out[0] = '\0';
	assert_int_equal(rtw_foreach_route(c, route_text, out), 0);
	rtw_free(c);
}

/* TAP unless the user chose an output with CMOCKA_MESSAGE_OUTPUT. */
static inline void test_output_tap(void)
{
	if (!getenv("CMOCKA_MESSAGE_OUTPUT"))
		cmocka_set_message_output(CM_OUTPUT_TAP);
}

/* RTW_TEST_SCALE multiplies the amount of randomized work (default 1), so
 * that slow runs (valgrind) can do less of it. */
static inline double test_scale(void)
{
	const char *s = getenv("RTW_TEST_SCALE");
	double v = s && *s ? strtod(s, NULL) : 1.0;

	return v > 0 ? v : 1.0;
}

/* Fails allocation number fail_at (1-based; 0 = never) and counts calls. */
struct failalloc {
	unsigned long calls;
	unsigned long fail_at;
	unsigned long failed;
	long live; /* allocations minus frees: 0 after a clean teardown */
};

static inline void *failalloc_malloc(void *arg, size_t size)
{
	struct failalloc *f = arg;
	void *p;

	if (++f->calls == f->fail_at) {
		f->failed++;
		return NULL;
	}
	p = malloc(size);
	if (p)
		f->live++;
	return p;
}

static inline void *failalloc_realloc(void *arg, void *ptr, size_t size)
{
	struct failalloc *f = arg;
	void *p;

	if (++f->calls == f->fail_at) {
		f->failed++;
		return NULL;
	}
	p = realloc(ptr, size);
	if (p && !ptr)
		f->live++;
	return p;
}

static inline void failalloc_free(void *arg, void *ptr)
{
	struct failalloc *f = arg;

	if (ptr)
		f->live--;
	free(ptr);
}

static inline struct rtw_allocator failalloc_allocator(struct failalloc *f)
{
	struct rtw_allocator a = { failalloc_malloc, failalloc_realloc, failalloc_free, f };
	return a;
}

#endif
