/* core/mem.c: every allocation of a context goes through here, so tests can
 * fail the Nth allocation and stats can count bytes. */
#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *mem_alloc(struct rtw_mem *m, size_t size)
{
	void *p;

	if (size == 0)
		size = 1;
	p = m->a ? m->a->malloc(m->a->arg, size) : malloc(size);
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
	void *q;

	if (new_size == 0)
		new_size = 1;
	q = m->a ? m->a->realloc(m->a->arg, p, new_size) : realloc(p, new_size);
	if (q) {
		m->bytes -= p ? old_size : 0;
		m->bytes += new_size;
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
