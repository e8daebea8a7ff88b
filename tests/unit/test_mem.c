/* core/mem.c: the byte count, and big blocks mapped on their own: growing,
 * shrinking back under the threshold, moving between malloc and a mapping,
 * more big blocks than the table holds, and a user allocator (never
 * bypassed). */
#include <stdint.h>
#include <string.h>

#include "mem.h"
#include "testutil.h"

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i += 4093)
		p[i] = (uint8_t)(seed + i / 4093);
	p[n - 1] = seed;
}

/* What fill(p, ..., seed) wrote below n is still there. */
static void check(const uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i += 4093)
		assert_int_equal(p[i], (uint8_t)(seed + i / 4093));
}

/* Grown and shrunk across MEM_BIG, the contents survive each move and the
 * count follows the sizes asked for. */
static void big_blocks_grow_and_shrink(void **state)
{
	struct rtw_mem m = { 0 };
	size_t small = MEM_BIG / 4, big = MEM_BIG + 12345, bigger = 9 * MEM_BIG + 7;
	uint8_t *p = mem_alloc(&m, small);

	assert_non_null(p);
	fill(p, small, 1);
	p = mem_realloc(&m, p, small, big); /* from malloc to a mapping */
	assert_non_null(p);
	check(p, small, 1);
	assert_int_equal(p[small - 1], 1);
	assert_int_equal(m.bytes, big);
	fill(p, big, 2);
	p = mem_realloc(&m, p, big, bigger); /* a mapping that grows */
	assert_non_null(p);
	check(p, big, 2);
	assert_int_equal(p[big - 1], 2);
	assert_int_equal(m.bytes, bigger);
	fill(p, bigger, 3);
	/* big enough for huge-page advice, which must not split the mapping:
	 * it could not be moved again */
	p = mem_realloc(&m, p, bigger, 2 * bigger);
	assert_non_null(p);
	check(p, bigger, 3);
	p = mem_realloc(&m, p, 2 * bigger, 3 * bigger);
	assert_non_null(p);
	check(p, bigger, 3);
	p = mem_realloc(&m, p, 3 * bigger, big); /* and shrinks */
	assert_non_null(p);
	check(p, big, 3);
	p = mem_realloc(&m, p, big, small); /* back to malloc */
	assert_non_null(p);
	assert_int_equal(m.bytes, small);
	mem_free(&m, p, small);
	/* mapped big at once, then moved */
	p = mem_alloc(&m, bigger);
	assert_non_null(p);
	fill(p, bigger, 4);
	p = mem_realloc(&m, p, bigger, 2 * bigger);
	assert_non_null(p);
	check(p, bigger, 4);
	mem_free(&m, p, 2 * bigger);
	assert_int_equal(m.bytes, 0);
	assert_int_equal(m.n_big, 0);
}

/* More big blocks than the table has room for: the rest come from malloc,
 * and every one is freed the right way, in any order. */
static void more_big_blocks_than_slots(void **state)
{
	struct rtw_mem m = { 0 };
	uint8_t *v[MEM_NBIG + 4];
	size_t i, n = sizeof(v) / sizeof(v[0]);

	for (i = 0; i < n; i++) {
		v[i] = mem_calloc(&m, 1, MEM_BIG + i);
		assert_non_null(v[i]);
		assert_int_equal(v[i][MEM_BIG + i - 1], 0);
		fill(v[i], MEM_BIG + i, (uint8_t)i);
	}
	assert_true(m.n_big <= MEM_NBIG);
	for (i = 0; i < n; i += 2)
		mem_free(&m, v[i], MEM_BIG + i);
	for (i = 1; i < n; i += 2) {
		check(v[i], MEM_BIG + i, (uint8_t)i);
		assert_int_equal(v[i][MEM_BIG + i - 1], (uint8_t)i);
		v[i] = mem_realloc(&m, v[i], MEM_BIG + i, 2 * MEM_BIG);
		assert_non_null(v[i]);
		check(v[i], MEM_BIG + i, (uint8_t)i);
		assert_int_equal(v[i][MEM_BIG + i - 1], (uint8_t)i);
		mem_free(&m, v[i], 2 * MEM_BIG);
	}
	assert_int_equal(m.bytes, 0);
	assert_int_equal(m.n_big, 0);
}

static size_t user_calls;

static void *user_malloc(void *arg, size_t n)
{
	(void)arg;
	user_calls++;
	return malloc(n);
}

static void *user_realloc(void *arg, void *p, size_t n)
{
	(void)arg;
	user_calls++;
	return realloc(p, n);
}

static void user_free(void *arg, void *p)
{
	(void)arg;
	user_calls++;
	free(p);
}

/* With the user's allocator every block goes through it, big ones too. */
static void user_allocator_sees_big_blocks(void **state)
{
	const struct rtw_allocator a = { user_malloc, user_realloc, user_free, NULL };
	struct rtw_mem m = { .a = &a };
	uint8_t *p;

	user_calls = 0;
	p = mem_alloc(&m, 3 * MEM_BIG);
	assert_non_null(p);
	p = mem_realloc(&m, p, 3 * MEM_BIG, 4 * MEM_BIG);
	assert_non_null(p);
	mem_free(&m, p, 4 * MEM_BIG);
	assert_int_equal(user_calls, 3);
	assert_int_equal(m.n_big, 0);
	assert_int_equal(m.bytes, 0);
}

/* A mapped block starts on a 2 MiB boundary, so that all of it can have
 * huge pages, whether it grew in place or was copied to a new mapping (the
 * other block, mapped between the steps, often takes the room above). */
static void big_blocks_stay_aligned(void **state)
{
	const uintptr_t huge = (uintptr_t)2 << 20;
	struct rtw_mem m = { 0 };
	size_t size = 3 * MEM_BIG, grown;
	uint8_t *p = mem_alloc(&m, size), *q;
	unsigned i;

	(void)state;
	assert_non_null(p);
	fill(p, size, 5);
	for (i = 0; i < 6; i++) {
		if (m.n_big) /* mapped: not under ASan, which sees malloc only */
			assert_int_equal((uintptr_t)p & (huge - 1), 0);
		q = mem_alloc(&m, MEM_BIG);
		assert_non_null(q);
		grown = size + size / 2;
		p = mem_realloc(&m, p, size, grown);
		assert_non_null(p);
		check(p, size, 5);
		mem_free(&m, q, MEM_BIG);
		size = grown;
		fill(p, size, 5);
	}
	if (m.n_big)
		assert_int_equal((uintptr_t)p & (huge - 1), 0);
	mem_free(&m, p, size);
	assert_int_equal(m.bytes, 0);
	assert_int_equal(m.n_big, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(big_blocks_grow_and_shrink),
		cmocka_unit_test(big_blocks_stay_aligned),
		cmocka_unit_test(more_big_blocks_than_slots),
		cmocka_unit_test(user_allocator_sees_big_blocks),
	};

	test_output_tap();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
