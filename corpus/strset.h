/* strset.h — a set of strings: open addressing over one arena (FNV-1a,
 * linear probing, at most half full). Built for large read-mostly sets:
 * the Swedish dictionary's compound parts (query/textan.c), the case ids a
 * first sync has put (indexer/sync.c). Strings are copied in; the arena
 * holds at most 4 GiB. Not thread-safe; a set is used by one thread at a
 * time. A zeroed struct is an empty set. */
#ifndef STRSET_H
#define STRSET_H

#include <stddef.h>
#include <stdint.h>

struct strset {
	char *arena;     /* the strings, each NUL-terminated */
	size_t alen, acap;
	uint32_t *slots; /* arena offset + 1; 0 = empty */
	size_t nslots;   /* power of two */
	size_t count;
};

/* Whether s[0..len) is in the set. */
int strset_has(const struct strset *set, const char *s, size_t len);
/* Adds a copy of s[0..len) (no NUL inside). CL_OK (also when it was there),
 * CL_ENOMEM, CL_ETOOBIG (the arena would pass 4 GiB). */
int strset_add(struct strset *set, const char *s, size_t len);
/* Frees everything; the set is empty again. NULL is a no-op. */
void strset_release(struct strset *set);
/* FNV-1a (32 bits) of s[0..len): the set's own hash, for other tables of
 * strings (api/rcache.c, the statistics flush in api/workflow.c). */
uint32_t strset_hash(const char *s, size_t len);
/* Bytes held (arena and slots), for the callers' statistics. */
size_t strset_bytes(const struct strset *set);

#endif
