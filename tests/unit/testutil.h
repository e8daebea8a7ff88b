/* Shared by the CMocka binaries: TAP output setup and an allocator that fails
 * the Nth allocation, for fault injection. */
#ifndef RTW_TESTUTIL_H
#define RTW_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "routewatch.h"

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
