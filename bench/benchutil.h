/* Shared by the benchmark programs: clocks, resident size, sorting for
 * medians, and the kernel tests' skip rule. */
#ifndef RTW_BENCHUTIL_H
#define RTW_BENCHUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Thread CPU time: time lost to the other processes on a shared machine is
 * not charged to whichever implementation was running. */
static inline double bench_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Resident size now; 0 where there is no /proc (the BSDs): memory then
 * reads 0 and only the rates mean something. */
static inline long bench_rss_kib(void)
{
	long pages = 0, rss = 0;
	FILE *fp = fopen("/proc/self/statm", "r");

	if (!fp)
		return 0;
	if (fscanf(fp, "%ld %ld", &pages, &rss) != 2)
		rss = 0;
	fclose(fp);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Without root or namespaces a kernel benchmark is a skip (77), except
 * under CI=true, where it must run (the kernel tests' rule). */
static inline int bench_skip(const char *why)
{
	const char *ci = getenv("CI");

	if (ci && strcmp(ci, "true") == 0) {
		fprintf(stderr, "FAIL: %s (CI=true: kernel benchmarks must run)\n", why);
		return 1;
	}
	fprintf(stderr, "SKIP: %s\n", why);
	return 77;
}

#endif
