/* bset.c — sets of row ids as blocks of bits (bset.h). */
#include "bset.h"

#include <stdlib.h>
#include <string.h>

#include "cl_err.h"

#define BS_WORDS 1024 /* 64-bit words per block: 65,536 ids */

struct bset {
	size_t n, cap;
	uint16_t *key; /* block numbers, ascending */
	uint64_t **blk;
};

struct bset *bs_new(void)
{
	return calloc(1, sizeof(struct bset));
}

void bs_free(struct bset *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		free(b->blk[i]);
	free(b->key);
	free(b->blk);
	free(b);
}

/* Index of block k in b, or where it would go (*found = 0). */
static size_t bs_find(const struct bset *b, uint16_t k, int *found)
{
	size_t lo = 0, hi = b->n;

	*found = 0;
	if (b->n && b->key[b->n - 1] < k) /* appending in order: the common case */
		return b->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->key[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < b->n && b->key[lo] == k;
	return lo;
}

/* Block k of b, created (zeroed) when absent. NULL on ENOMEM. */
static uint64_t *bs_block(struct bset *b, uint16_t k)
{
	int found;
	size_t i = bs_find(b, k, &found);
	uint64_t *blk;

	if (found)
		return b->blk[i];
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4;
		uint16_t *nk = realloc(b->key, cap * sizeof *nk);
		uint64_t **nb;
		if (!nk)
			return NULL;
		b->key = nk;
		if (!(nb = realloc(b->blk, cap * sizeof *nb)))
			return NULL;
		b->blk = nb;
		b->cap = cap;
	}
	if (!(blk = calloc(BS_WORDS, sizeof *blk)))
		return NULL;
	memmove(b->key + i + 1, b->key + i, (b->n - i) * sizeof *b->key);
	memmove(b->blk + i + 1, b->blk + i, (b->n - i) * sizeof *b->blk);
	b->key[i] = k;
	b->blk[i] = blk;
	b->n++;
	return blk;
}

int bs_add(struct bset *b, uint32_t x)
{
	uint64_t *blk = bs_block(b, (uint16_t)(x >> 16));

	if (!blk)
		return CL_ENOMEM;
	blk[(x & 0xFFFFu) >> 6] |= UINT64_C(1) << (x & 63);
	return CL_OK;
}

void bs_remove(struct bset *b, uint32_t x)
{
	int found;
	size_t i = bs_find(b, (uint16_t)(x >> 16), &found);

	if (found)
		b->blk[i][(x & 0xFFFFu) >> 6] &= ~(UINT64_C(1) << (x & 63));
}

int bs_has(const struct bset *b, uint32_t x)
{
	int found;
	size_t i = bs_find(b, (uint16_t)(x >> 16), &found);

	return found && (b->blk[i][(x & 0xFFFFu) >> 6] >> (x & 63)) & 1;
}

/* a |= b */
int bs_or(struct bset *a, const struct bset *b)
{
	for (size_t i = 0; i < b->n; i++) {
		uint64_t *d = bs_block(a, b->key[i]);
		if (!d)
			return CL_ENOMEM;
		for (size_t w = 0; w < BS_WORDS; w++)
			d[w] |= b->blk[i][w];
	}
	return CL_OK;
}

/* a &= b */
void bs_and(struct bset *a, const struct bset *b)
{
	for (size_t i = 0; i < a->n; i++) {
		int found;
		size_t j = bs_find(b, a->key[i], &found);
		if (!found) {
			memset(a->blk[i], 0, BS_WORDS * sizeof *a->blk[i]);
			continue;
		}
		for (size_t w = 0; w < BS_WORDS; w++)
			a->blk[i][w] &= b->blk[j][w];
	}
}

uint64_t bs_card(const struct bset *b)
{
	uint64_t c = 0;

	for (size_t i = 0; i < b->n; i++)
		for (size_t w = 0; w < BS_WORDS; w++)
			if (b->blk[i][w])
				c += (uint64_t)__builtin_popcountll(b->blk[i][w]);
	return c;
}

/* |a AND b| */
uint64_t bs_and_card(const struct bset *a, const struct bset *b)
{
	uint64_t c = 0;
	size_t i = 0, j = 0;

	while (i < a->n && j < b->n) {
		if (a->key[i] < b->key[j]) {
			i++;
		} else if (a->key[i] > b->key[j]) {
			j++;
		} else {
			const uint64_t *x = a->blk[i++], *y = b->blk[j++];
			for (size_t w = 0; w < BS_WORDS; w++) {
				uint64_t v = x[w] & y[w];
				if (v) /* most words of a sparse value are empty */
					c += (uint64_t)__builtin_popcountll(v);
			}
		}
	}
	return c;
}

struct bset *bs_copy(const struct bset *b)
{
	struct bset *c = bs_new();

	if (c && bs_or(c, b) != CL_OK) {
		bs_free(c);
		return NULL;
	}
	return c;
}

struct bset *bs_meet(struct bset *acc, struct bset *b)
{
	if (!acc)
		return b;
	bs_and(acc, b);
	bs_free(b);
	return acc;
}

int bs_foreach(const struct bset *b, int (*cb)(uint32_t x, void *ud), void *ud)
{
	for (size_t i = 0; b && i < b->n; i++)
		for (size_t w = 0; w < BS_WORDS; w++) {
			uint64_t v = b->blk[i][w];
			while (v) {
				int bit = __builtin_ctzll(v);
				int rc = cb(((uint32_t)b->key[i] << 16) | (uint32_t)(w * 64 + (size_t)bit), ud);
				if (rc)
					return rc;
				v &= v - 1;
			}
		}
	return 0;
}
