/* test_bset.c — the FTS5 engine's sets of row ids (query/bset.h) against
 * a plain array of flags: random sets over ids spread across many blocks
 * (and the block edges), every operation compared member by member. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bset.h"
#include "cl_err.h"

#define SPAN (5u * 65536u + 77u) /* ids 0..SPAN-1: six blocks */

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 11);
}

/* A random set of n ids (with the block edges favoured) in b and flags. */
static void fill(struct bset *b, unsigned char *flags, size_t n, uint64_t *seed)
{
	static const uint32_t edges[] = {0, 63, 64, 65535, 65536, 131071, 131072, SPAN - 1};

	for (size_t i = 0; i < n; i++) {
		uint32_t x = rnd(seed) % 8 == 0 ? edges[rnd(seed) % 8] : rnd(seed) % SPAN;
		cr_assert_eq(bs_add(b, x), CL_OK);
		flags[x] = 1;
	}
}

static void same(const struct bset *b, const unsigned char *flags, const char *what)
{
	uint64_t n = 0;

	for (uint32_t x = 0; x < SPAN; x++) {
		cr_assert_eq(bs_has(b, x), flags[x], "%s: id %u", what, x);
		n += flags[x];
	}
	cr_assert_eq(bs_card(b), n, "%s: cardinality", what);
}

Test(bset, empty_set)
{
	struct bset *b = bs_new();

	cr_assert_not_null(b);
	cr_assert_eq(bs_card(b), 0);
	cr_assert_eq(bs_has(b, 0), 0);
	cr_assert_eq(bs_has(b, UINT32_MAX), 0);
	bs_remove(b, 12345); /* absent: nothing happens */
	cr_assert_eq(bs_and_card(b, b), 0);
	bs_free(b);
	bs_free(NULL);
}

Test(bset, highest_ids)
{
	struct bset *b = bs_new();

	cr_assert_eq(bs_add(b, UINT32_MAX), CL_OK);
	cr_assert_eq(bs_add(b, UINT32_MAX - 64), CL_OK);
	cr_assert_eq(bs_add(b, 0), CL_OK);
	cr_assert(bs_has(b, UINT32_MAX) && bs_has(b, UINT32_MAX - 64) && bs_has(b, 0));
	cr_assert_eq(bs_has(b, UINT32_MAX - 1), 0);
	cr_assert_eq(bs_card(b), 3);
	bs_remove(b, UINT32_MAX);
	cr_assert_eq(bs_card(b), 2);
	bs_free(b);
}

Test(bset, random_sets_agree_with_flags)
{
	uint64_t seed = 0x9e3779b97f4a7c15u;
	unsigned char *fa = calloc(SPAN, 1), *fb = calloc(SPAN, 1), *f = calloc(SPAN, 1);

	cr_assert(fa && fb && f);
	for (int round = 0; round < 12; round++) {
		struct bset *a = bs_new(), *b = bs_new(), *c;
		size_t na = (size_t)(rnd(&seed) % 40000), nb = (size_t)(rnd(&seed) % 40000);
		uint64_t and_n = 0;

		memset(fa, 0, SPAN);
		memset(fb, 0, SPAN);
		fill(a, fa, na, &seed);
		fill(b, fb, nb, &seed);
		same(a, fa, "a");
		same(b, fb, "b");
		for (uint32_t x = 0; x < SPAN; x++)
			and_n += fa[x] & fb[x];
		cr_assert_eq(bs_and_card(a, b), and_n, "round %d: |a AND b|", round);
		cr_assert_eq(bs_and_card(b, a), and_n, "round %d: |b AND a|", round);

		/* copy, then or */
		c = bs_copy(a);
		cr_assert_not_null(c);
		cr_assert_eq(bs_or(c, b), CL_OK);
		for (uint32_t x = 0; x < SPAN; x++)
			f[x] = fa[x] | fb[x];
		same(c, f, "a OR b");
		same(a, fa, "a after the copy was changed");
		bs_free(c);

		/* and */
		c = bs_copy(a);
		bs_and(c, b);
		for (uint32_t x = 0; x < SPAN; x++)
			f[x] = fa[x] & fb[x];
		same(c, f, "a AND b");
		bs_free(c);

		/* meet: a AND b into a copy of a, consuming a copy of b */
		c = bs_meet(bs_copy(a), bs_copy(b));
		for (uint32_t x = 0; x < SPAN; x++)
			f[x] = fa[x] & fb[x];
		same(c, f, "meet");
		bs_free(c);
		c = bs_meet(NULL, bs_copy(b));
		same(c, fb, "meet with nothing yet");
		bs_free(c);

		/* remove a random half of a */
		for (uint32_t x = 0; x < SPAN; x++)
			if (fa[x] && rnd(&seed) % 2) {
				bs_remove(a, x);
				fa[x] = 0;
			}
		same(a, fa, "a after removals");
		bs_free(a);
		bs_free(b);
	}
	free(fa);
	free(fb);
	free(f);
}
