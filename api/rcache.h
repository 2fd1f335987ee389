/* rcache.h — the search response cache of `caselib serve`: the bytes of
 * GET /v1/search answers (whoever asks: a search answers all callers
 * alike), kept for the state of the store and the index they were
 * computed from (docs/operations.md "The search response cache").
 *
 * A search answer depends on the request, the store (a hit goes out only
 * while the store has its case published) and the index. The state is the
 * pair (store change-log seq, seq the engine is synced to): an answer is
 * kept under the state read before it was computed, and served only while
 * the state is still exactly that one. The first put under a newer state
 * empties the cache (answers under an older state can never be served
 * again); a put under an older or crossed state is dropped. Entries are
 * evicted least recently used first, by bytes.
 *
 * Thread-safe: one mutex; get copies the bytes out. */
#ifndef RCACHE_H
#define RCACHE_H
#include <stddef.h>
#include <stdint.h>

#define RCACHE_DEFAULT_BYTES (64u * 1024 * 1024) /* `serve --cache-mb` default: 64 */
#define RCACHE_ENTRY_MAX (1024u * 1024)          /* a larger answer is not kept */
#define RCACHE_KEY_MAX 8192                      /* a longer key is not kept */

struct rcache; /* opaque */

struct rcache_state {
	int64_t store_seq, engine_seq;
};

struct rcache_stats {
	unsigned long long hits, misses, puts, dropped, evicted, flushes;
	size_t entries, bytes, max_bytes;
};

/* A cache of at most max_bytes (keys, bodies and bookkeeping); NULL when
 * out of memory. max_bytes 0 gives a cache that keeps nothing. */
struct rcache *rcache_new(size_t max_bytes);
void rcache_free(struct rcache *c); /* NULL: no-op */

/* 1 and a malloc'ed copy in *body (caller frees), its length and the
 * total stored with it, when key is kept under exactly state st; else 0
 * (also when out of memory). */
int rcache_get(struct rcache *c, const struct rcache_state *st, const char *key, char **body,
	       size_t *len, long *total);

/* Keeps a copy of body under key and state st (see above for when it is
 * dropped instead). Never fails: a cache that cannot keep an answer just
 * does not have it. */
void rcache_put(struct rcache *c, const struct rcache_state *st, const char *key,
		const char *body, size_t len, long total);

void rcache_stats(struct rcache *c, struct rcache_stats *out);

#endif
