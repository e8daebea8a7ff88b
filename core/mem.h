/* Allocation through the user's rtw_allocator (or libc), with a byte count
 * so that rtw_get_stats() can report the model's memory. */
#ifndef RTW_MEM_H
#define RTW_MEM_H

#include <stddef.h>

#include "routewatch.h"

/* Blocks of at least MEM_BIG bytes come straight from mmap when there is no
 * user allocator (see mem.c); at most MEM_NBIG at a time, the rest from libc. */
#define MEM_BIG	 ((size_t)1 << 20)
#define MEM_NBIG 16

struct rtw_mem {
	const struct rtw_allocator *a; /* NULL: libc */
	size_t bytes;		       /* currently held, as requested */
	struct mem_big {
		void *p;
		size_t len; /* mapped */
	} big[MEM_NBIG];
	unsigned n_big;
};

/* Prefetch (for writing: _W), where the compiler has it. */
#if defined(__GNUC__) || defined(__clang__)
#define RTW_PREFETCH(p)	  __builtin_prefetch((const void *)(p))
#define RTW_PREFETCH_W(p) __builtin_prefetch((const void *)(p), 1)
#else
#define RTW_PREFETCH(p)	  ((void)(p))
#define RTW_PREFETCH_W(p) ((void)(p))
#endif

/* Each returns NULL on failure and leaves *m unchanged. Sizes are tracked by
 * the caller passing the old size back, so there is no hidden header. */
void *mem_alloc(struct rtw_mem *m, size_t size);
void *mem_calloc(struct rtw_mem *m, size_t n, size_t size);
void *mem_realloc(struct rtw_mem *m, void *p, size_t old_size, size_t new_size);
void mem_free(struct rtw_mem *m, void *p, size_t size);

#endif
