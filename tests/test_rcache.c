/* test_rcache.c — the search response cache (api/rcache.h): kept only for
 * exactly the state it was computed on, a newer state empties it, an older
 * or crossed one is dropped, eviction by bytes, least recently used first,
 * the size limits, and threads putting and getting at once. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rcache.h"

static int get_str(struct rcache *c, int64_t s, int64_t e, const char *key, char *out,
		   size_t cap, long *total)
{
	struct rcache_state st = {s, e};
	char *body = NULL;
	size_t len = 0;
	int hit = rcache_get(c, &st, key, &body, &len, total);

	if (hit) {
		cr_assert_lt(len, cap);
		memcpy(out, body, len);
		out[len] = '\0';
	}
	free(body);
	return hit;
}

static void put_str(struct rcache *c, int64_t s, int64_t e, const char *key, const char *body,
		    long total)
{
	struct rcache_state st = {s, e};
	rcache_put(c, &st, key, body, strlen(body), total);
}

Test(rcache, kept_for_exactly_its_state)
{
	struct rcache *c = rcache_new(1 << 20);
	struct rcache_stats cs;
	char out[64];
	long total = 0;

	cr_assert_not_null(c);
	cr_assert_not(get_str(c, 5, 3, "q=a", out, sizeof out, &total), "empty cache");
	put_str(c, 5, 3, "q=a", "{\"total\":7}", 7);
	cr_assert(get_str(c, 5, 3, "q=a", out, sizeof out, &total));
	cr_assert_str_eq(out, "{\"total\":7}");
	cr_assert_eq(total, 7);
	cr_assert_not(get_str(c, 5, 3, "q=b", out, sizeof out, &total), "another key");
	cr_assert_not(get_str(c, 6, 3, "q=a", out, sizeof out, &total), "a newer store");
	cr_assert_not(get_str(c, 5, 4, "q=a", out, sizeof out, &total), "a newer index");

	/* an answer computed on an older or crossed state is dropped */
	put_str(c, 4, 3, "q=old", "old", 1);
	put_str(c, 6, 2, "q=crossed", "crossed", 1);
	cr_assert_not(get_str(c, 4, 3, "q=old", out, sizeof out, &total));
	cr_assert_not(get_str(c, 5, 3, "q=old", out, sizeof out, &total));
	cr_assert_not(get_str(c, 6, 2, "q=crossed", out, sizeof out, &total));
	cr_assert(get_str(c, 5, 3, "q=a", out, sizeof out, &total), "the current one stays");

	/* the first answer on a newer state empties the cache */
	put_str(c, 5, 4, "q=b", "b", 2);
	cr_assert(get_str(c, 5, 4, "q=b", out, sizeof out, &total));
	cr_assert_not(get_str(c, 5, 4, "q=a", out, sizeof out, &total));
	cr_assert_not(get_str(c, 5, 3, "q=a", out, sizeof out, &total), "the old state is gone");
	rcache_stats(c, &cs);
	cr_assert_eq(cs.entries, 1);
	cr_assert_eq(cs.flushes, 1);
	cr_assert_eq(cs.dropped, 2);
	cr_assert_eq(cs.hits, 3);
	rcache_free(c);
}

Test(rcache, a_second_put_of_a_key_replaces_it)
{
	struct rcache *c = rcache_new(1 << 20);
	struct rcache_stats cs;
	char out[64];
	long total = 0;

	put_str(c, 1, 1, "k", "first", 1);
	put_str(c, 1, 1, "k", "second", 2);
	cr_assert(get_str(c, 1, 1, "k", out, sizeof out, &total));
	cr_assert_str_eq(out, "second");
	cr_assert_eq(total, 2);
	rcache_stats(c, &cs);
	cr_assert_eq(cs.entries, 1);
	rcache_free(c);
}

Test(rcache, evicts_the_least_recently_used_by_bytes)
{
	char body[1000], key[16], out[1100];
	struct rcache *c;
	struct rcache_stats cs;
	long total;

	memset(body, 'x', sizeof body - 1);
	body[sizeof body - 1] = '\0';
	/* room for four such entries, not five */
	c = rcache_new(4 * (sizeof body + 200));
	for (int i = 0; i < 4; i++) {
		snprintf(key, sizeof key, "k%d", i);
		put_str(c, 1, 1, key, body, i);
	}
	rcache_stats(c, &cs);
	cr_assert_eq(cs.entries, 4, "%zu entries in %zu of %zu bytes", cs.entries, cs.bytes,
		     cs.max_bytes);
	cr_assert(get_str(c, 1, 1, "k0", out, sizeof out, &total), "k0 used: now the newest");
	put_str(c, 1, 1, "k4", body, 4);
	cr_assert(get_str(c, 1, 1, "k0", out, sizeof out, &total));
	cr_assert_not(get_str(c, 1, 1, "k1", out, sizeof out, &total), "k1 was the oldest");
	cr_assert(get_str(c, 1, 1, "k4", out, sizeof out, &total));
	rcache_stats(c, &cs);
	cr_assert_eq(cs.evicted, 1);
	cr_assert_leq(cs.bytes, cs.max_bytes);
	rcache_free(c);
}

Test(rcache, limits_keep_nothing_too_large)
{
	struct rcache *c = rcache_new(8u * RCACHE_ENTRY_MAX), *none = rcache_new(0);
	char *big = malloc(RCACHE_ENTRY_MAX + 2), *key = malloc(RCACHE_KEY_MAX + 2), out[8];
	struct rcache_state st = {1, 1};
	char *body = NULL;
	size_t len = 0;
	long total = 0;

	memset(big, 'b', RCACHE_ENTRY_MAX + 1);
	big[RCACHE_ENTRY_MAX + 1] = '\0';
	memset(key, 'k', RCACHE_KEY_MAX + 1);
	key[RCACHE_KEY_MAX + 1] = '\0';
	rcache_put(c, &st, "big", big, RCACHE_ENTRY_MAX + 1, 1);
	cr_assert_not(rcache_get(c, &st, "big", &body, &len, &total), "an answer over the limit");
	cr_assert_null(body);
	rcache_put(c, &st, key, "x", 1, 1);
	cr_assert_not(rcache_get(c, &st, key, &body, &len, &total), "a key over the limit");
	put_str(none, 1, 1, "k", "v", 1);
	cr_assert_not(get_str(none, 1, 1, "k", out, sizeof out, &total), "a cache of 0 bytes");
	/* NULL cache: nothing, no crash */
	rcache_put(NULL, &st, "k", "v", 1, 1);
	cr_assert_not(rcache_get(NULL, &st, "k", &body, &len, &total));
	rcache_free(NULL);
	free(big);
	free(key);
	rcache_free(c);
	rcache_free(none);
}

/* Threads put and get the same keys under advancing states: every body
 * got back is the one put for that key and state. No cr_assert off the
 * test's thread: a wrong body is counted. */
struct race {
	struct rcache *c;
	int bad;
};

static void *race_main(void *p)
{
	struct race *r = p;

	for (int i = 0; i < 20000; i++) {
		int64_t s = i / 2000; /* the state advances now and then */
		struct rcache_state st = {s, s};
		char key[32], want[64], *body = NULL;
		size_t len = 0;
		long total = -1;
		snprintf(key, sizeof key, "q=%d", i % 37);
		snprintf(want, sizeof want, "%s@%lld", key, (long long)s);
		if (rcache_get(r->c, &st, key, &body, &len, &total)) {
			if (len != strlen(want) || memcmp(body, want, len) || total != i % 37)
				r->bad++;
			free(body);
		} else {
			put_str(r->c, s, s, key, want, i % 37);
		}
	}
	return NULL;
}

Test(rcache, threads_get_what_was_put)
{
	struct rcache *c = rcache_new(64 * 1024);
	struct race r[4];
	pthread_t t[4];
	struct rcache_stats cs;

	for (int i = 0; i < 4; i++) {
		r[i] = (struct race){c, 0};
		cr_assert_eq(pthread_create(&t[i], NULL, race_main, &r[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(pthread_join(t[i], NULL), 0);
		cr_expect_eq(r[i].bad, 0, "thread %d got %d wrong bodies", i, r[i].bad);
	}
	rcache_stats(c, &cs);
	cr_assert_gt(cs.hits, 0);
	cr_assert_leq(cs.bytes, cs.max_bytes);
	rcache_free(c);
}
