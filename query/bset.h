/* bset.h — sets of 32-bit row ids as blocks of bits: the FTS5 engine's
 * facet filters and exact facet counts (docs/engine-fts5.md).
 *
 * A set keeps one 8 KiB bitset block per 65,536 ids that have a member,
 * sorted by block number, so |a AND b| is a popcount over the blocks both
 * have (at 1M cases a facet value is at most 16 blocks). A set is used by
 * one thread at a time; sets that are only read may be shared. */
#ifndef BSET_H
#define BSET_H

#include <stdint.h>

struct bset; /* opaque */

/* An empty set; NULL on ENOMEM. Free with bs_free (NULL is a no-op). */
struct bset *bs_new(void);
void bs_free(struct bset *b);
/* A copy of b; NULL on ENOMEM. */
struct bset *bs_copy(const struct bset *b);

/* Adds x: CL_OK or CL_ENOMEM (b unchanged then). */
int bs_add(struct bset *b, uint32_t x);
/* Removes x (absent: nothing happens). */
void bs_remove(struct bset *b, uint32_t x);
/* 1 when x is in b. */
int bs_has(const struct bset *b, uint32_t x);

/* a |= b: CL_OK or CL_ENOMEM (a holds part of b then). */
int bs_or(struct bset *a, const struct bset *b);
/* a &= b. */
void bs_and(struct bset *a, const struct bset *b);
/* acc AND b, consuming b (acc NULL: no set yet, b is the result). */
struct bset *bs_meet(struct bset *acc, struct bset *b);
/* |b| and |a AND b|. */
uint64_t bs_card(const struct bset *b);
uint64_t bs_and_card(const struct bset *a, const struct bset *b);
/* Calls cb for every member of b in ascending order (b NULL: none); a
 * non-zero return of cb stops the walk and is returned. b must not change
 * meanwhile. */
int bs_foreach(const struct bset *b, int (*cb)(uint32_t x, void *ud), void *ud);

#endif
