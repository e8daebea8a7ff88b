/* core/mem.c: every allocation of a context goes through here, so tests can
 * fail the Nth allocation and stats can count bytes. */
#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A full table lives in a few arrays of tens of MiB that are read at random:
 * with 4 KiB pages nearly every access misses the TLB, so ask for huge pages
 * where the system has them (Linux THP in "madvise" mode is common). */
static void mem_hint_huge(void *p, size_t size)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t hi = ((uintptr_t)p + size) & ~(huge - 1);

	if (size >= 4 * huge && hi > lo)
		madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
	(void)p;
	(void)size;
#endif
}

void *mem_alloc(struct rtw_mem *m, size_t size)
{
	void *p;

	if (size == 0)
		size = 1;
	p = m->a ? m->a->malloc(m->a->arg, size) : malloc(size);
	if (p) {
		m->bytes += size;
		mem_hint_huge(p, size);
	}
	return p;
}

void *mem_calloc(struct rtw_mem *m, size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = mem_alloc(m, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *mem_realloc(struct rtw_mem *m, void *p, size_t old_size, size_t new_size)
{
	void *q;

	if (new_size == 0)
		new_size = 1;
	q = m->a ? m->a->realloc(m->a->arg, p, new_size) : realloc(p, new_size);
	if (q) {
		m->bytes -= p ? old_size : 0;
		m->bytes += new_size;
		mem_hint_huge(q, new_size);
	}
	return q;
}

void mem_free(struct rtw_mem *m, void *p, size_t size)
{
	if (!p)
		return;
	m->bytes -= size;
	if (m->a)
		m->a->free(m->a->arg, p);
	else
		free(p);
}
