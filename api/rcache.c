/* rcache.c — the search response cache (rcache.h): a chained hash table
 * of entries on one least-recently-used list, sized by bytes. */
#include "rcache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "strset.h"

struct entry {
	struct entry *hnext;       /* hash chain */
	struct entry *prev, *next; /* LRU list: head most recent */
	uint64_t hash;
	size_t klen, len, cost;
	long total;
	char *key, *body; /* key NUL-terminated; body len bytes */
};

struct rcache {
	pthread_mutex_t mu;
	struct rcache_state st;
	int have_st;
	struct entry **tab;
	size_t nbuckets;
	struct entry *head, *tail;
	size_t bytes, max_bytes, entries;
	struct rcache_stats s;
};

enum { NBUCKETS = 4096 };

static uint64_t hash_key(const char *k, size_t n)
{
	return strset_hash(k, n);
}

struct rcache *rcache_new(size_t max_bytes)
{
	struct rcache *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	if (!(c->tab = calloc(NBUCKETS, sizeof *c->tab))) {
		free(c);
		return NULL;
	}
	c->nbuckets = NBUCKETS;
	c->max_bytes = max_bytes;
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

static void unlink_lru(struct rcache *c, struct entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = e->next = NULL;
}

static void push_front(struct rcache *c, struct entry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (!c->tail)
		c->tail = e;
}

static void remove_entry(struct rcache *c, struct entry *e)
{
	struct entry **pp = &c->tab[e->hash % c->nbuckets];

	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	unlink_lru(c, e);
	c->bytes -= e->cost;
	c->entries--;
	free(e->key);
	free(e->body);
	free(e);
}

static void clear_all(struct rcache *c)
{
	while (c->head)
		remove_entry(c, c->head);
}

void rcache_free(struct rcache *c)
{
	if (!c)
		return;
	clear_all(c);
	free(c->tab);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static struct entry *find(struct rcache *c, const char *key, size_t klen, uint64_t h)
{
	for (struct entry *e = c->tab[h % c->nbuckets]; e; e = e->hnext)
		if (e->hash == h && e->klen == klen && !memcmp(e->key, key, klen))
			return e;
	return NULL;
}

static int same_state(const struct rcache *c, const struct rcache_state *st)
{
	return c->have_st && c->st.store_seq == st->store_seq && c->st.engine_seq == st->engine_seq;
}

int rcache_get(struct rcache *c, const struct rcache_state *st, const char *key, char **body,
	       size_t *len, long *total)
{
	size_t klen;
	struct entry *e;
	int hit = 0;

	*body = NULL;
	*len = 0;
	if (!c || !st || !key || (klen = strlen(key)) > RCACHE_KEY_MAX)
		return 0;
	pthread_mutex_lock(&c->mu);
	if (same_state(c, st) && (e = find(c, key, klen, hash_key(key, klen)))) {
		if ((*body = malloc(e->len ? e->len : 1))) {
			memcpy(*body, e->body, e->len);
			*len = e->len;
			*total = e->total;
			unlink_lru(c, e);
			push_front(c, e);
			hit = 1;
		}
	}
	if (hit)
		c->s.hits++;
	else
		c->s.misses++;
	pthread_mutex_unlock(&c->mu);
	return hit;
}

void rcache_put(struct rcache *c, const struct rcache_state *st, const char *key,
		const char *body, size_t len, long total)
{
	size_t klen, cost;
	uint64_t h;
	struct entry *e;

	if (!c || !st || !key || (klen = strlen(key)) > RCACHE_KEY_MAX || len > RCACHE_ENTRY_MAX)
		return;
	cost = sizeof *e + klen + 1 + len;
	pthread_mutex_lock(&c->mu);
	if (!same_state(c, st)) {
		if (c->have_st &&
		    (st->store_seq < c->st.store_seq || st->engine_seq < c->st.engine_seq)) {
			c->s.dropped++; /* computed on an older (or crossed) state */
			goto out;
		}
		if (c->entries)
			c->s.flushes++;
		clear_all(c);
		c->st = *st;
		c->have_st = 1;
	}
	if (cost > c->max_bytes) {
		c->s.dropped++;
		goto out;
	}
	h = hash_key(key, klen);
	if ((e = find(c, key, klen, h)))
		remove_entry(c, e); /* another thread computed it too: the newer copy */
	while (c->bytes + cost > c->max_bytes && c->tail) {
		remove_entry(c, c->tail);
		c->s.evicted++;
	}
	if (!(e = calloc(1, sizeof *e)) || !(e->key = malloc(klen + 1)) ||
	    !(e->body = malloc(len ? len : 1))) {
		if (e) {
			free(e->key);
			free(e);
		}
		c->s.dropped++;
		goto out;
	}
	memcpy(e->key, key, klen + 1);
	memcpy(e->body, body, len);
	e->klen = klen;
	e->len = len;
	e->cost = cost;
	e->total = total;
	e->hash = h;
	e->hnext = c->tab[h % c->nbuckets];
	c->tab[h % c->nbuckets] = e;
	push_front(c, e);
	c->bytes += cost;
	c->entries++;
	c->s.puts++;
out:
	pthread_mutex_unlock(&c->mu);
}

void rcache_stats(struct rcache *c, struct rcache_stats *out)
{
	memset(out, 0, sizeof *out);
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	*out = c->s;
	out->entries = c->entries;
	out->bytes = c->bytes;
	out->max_bytes = c->max_bytes;
	pthread_mutex_unlock(&c->mu);
}
