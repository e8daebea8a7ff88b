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

/* The few big arrays of a full table (routes, hash buckets, the LPM's
 * direct indexes) are mapped on their own rather than taken from malloc:
 * glibc raises its mmap threshold each time a big block is freed, after
 * which such arrays grow inside the heap, and the holes they leave there
 * stay resident. A mapping goes back to the system when freed. The block is
 * known by its address in a small table, never by the size the caller
 * passes back. */
#if defined(MAP_ANONYMOUS) && !defined(__SANITIZE_ADDRESS__)
#define MEM_MAP 1
#else
#define MEM_MAP 0 /* ASan wants to see every block through malloc */
#endif

/* The whole mapping, before its pages are touched: advice on a part of it
 * would split it in two, and mremap() cannot move a split mapping. */
#if MEM_MAP
static void big_hint_huge(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
	madvise(p, len, MADV_HUGEPAGE);
#else
	(void)p;
	(void)len;
#endif
}
#endif

static int big_find(const struct rtw_mem *m, const void *p)
{
	unsigned i;

	for (i = 0; i < m->n_big; i++)
		if (m->big[i].p == p)
			return (int)i;
	return -1;
}

#if MEM_MAP
/* A mapping of len bytes starting on a huge-page boundary, so that all of
 * it can have huge pages (a random route or bucket of a full table missed
 * the TLB on the part that could not). */
static void *map_aligned(size_t len)
{
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t p, a;
	void *q;

	q = mmap(NULL, len + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q == MAP_FAILED)
		return NULL;
	p = (uintptr_t)q;
	a = (p + huge - 1) & ~(huge - 1);
	if (a > p)
		munmap(q, a - p);
	if (p + len + huge > a + len)
		munmap((void *)(a + len), p + len + huge - (a + len));
	return (void *)a;
}
#endif

static void *big_map(struct rtw_mem *m, size_t size)
{
#if MEM_MAP
	size_t page = 4096, len = (size + page - 1) & ~(page - 1);
	void *p;

	if (m->a || size < MEM_BIG || m->n_big == MEM_NBIG)
		return NULL;
	p = map_aligned(len);
	if (!p)
		return NULL;
	big_hint_huge(p, len);
	m->big[m->n_big].p = p;
	m->big[m->n_big].len = len;
	m->n_big++;
	return p;
#else
	(void)m;
	(void)size;
	return NULL;
#endif
}

static void big_unmap(struct rtw_mem *m, int i)
{
#if MEM_MAP
	munmap(m->big[i].p, m->big[i].len);
	m->big[i] = m->big[--m->n_big];
#else
	(void)m;
	(void)i;
#endif
}

void *mem_alloc(struct rtw_mem *m, size_t size)
{
	void *p;

	if (size == 0)
		size = 1;
	p = big_map(m, size);
	if (!p) {
		p = m->a ? m->a->malloc(m->a->arg, size) : malloc(size);
		if (p)
			mem_hint_huge(p, size);
	}
	if (p)
		m->bytes += size;
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
	int i = p ? big_find(m, p) : -1;
	void *q;

	if (new_size == 0)
		new_size = 1;
#if MEM_MAP && defined(__linux__) && defined(MREMAP_MAYMOVE)
	/* a mapping that stays one and in place: no copy, and a start on a
	 * huge-page boundary stays one. Moved, its pages would be the small
	 * ones of its first megabytes, and the new address is seldom aligned:
	 * it is copied into a new aligned mapping instead (below). */
	if (i >= 0 && new_size >= MEM_BIG) {
		size_t len = (new_size + 4095) & ~(size_t)4095;

		q = mremap(m->big[i].p, m->big[i].len, len, 0);
		if (q != MAP_FAILED) {
			m->big[i].len = len;
			m->bytes += new_size - old_size;
			big_hint_huge(q, len);
			return q;
		}
	}
#endif
	/* to or from a mapping: a new block, a copy, the old one freed */
	if (i >= 0 || (p && !m->a && new_size >= MEM_BIG && m->n_big < MEM_NBIG)) {
		size_t keep = i >= 0 ? m->big[i].len : old_size;

		q = mem_alloc(m, new_size);
		if (!q)
			return NULL;
		memcpy(q, p, keep < new_size ? keep : new_size);
		mem_free(m, p, old_size);
		return q;
	}
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
	int i;

	if (!p)
		return;
	m->bytes -= size;
	if (m->n_big && (i = big_find(m, p)) >= 0)
		big_unmap(m, i);
	else if (m->a)
		m->a->free(m->a->arg, p);
	else
		free(p);
}
