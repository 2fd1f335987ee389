/* fcount.c — the counting layer's crossover (query/fcount.h): time per
 * counting pass of the rows path and the bitmaps path, on a synthetic
 * table shaped like the generated corpus (11 facets, the list facets with
 * 1..3 values), for match sets from 0.1 % to 100 % of the documents, with
 * no filter and with two filtered facets (disjunctive). Prints one result
 * line per (size, fraction, filters, path): docs/performance.md reads
 * FCOUNT_ROWS_MAX_FRACTION from them.
 *
 *   build/bench/fcount [--docs N] [--reps R]      (default 100000, 20)
 *   build/bench/fcount --data DIR --engine xapian|fts5 [--sync N]
 *
 * With --data: the time an engine opened read-only takes to build its
 * table (the first counted search, an empty query with every facet
 * counted, minus the second, which finds the table built). --sync N then
 * puts the first N published cases of the store again through a writer
 * (same content, the engine's seq kept) and commits, and times the
 * reader's next counted search, which brings its table up to date (a
 * Xapian reader from the commit's change set, docs/engine-xapian.md),
 * with the counting layer's builds and change sets so far. Run it on a
 * data dir no other process writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "fcount.h"
#include "store.h"

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 11);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* distinct values per facet, about the generated corpus's */
static const unsigned nvals[EF_COUNT] = {2, 8, 20, 45, 34, 12, 12, 4, 30, 30, 5};

struct reput {
	struct engine *w;
	long left;
	struct cl_errbuf *eb;
};

static int reput_one(const struct case_record *c, void *ud)
{
	struct reput *r = ud;
	if (r->left-- <= 0)
		return 1; /* enough */
	return engine_put(r->w, c, r->eb) == CL_OK ? 0 : -1;
}

/* The reader's counted search after a writer re-put n cases. */
static int sync_time(struct store *s, struct engine *rd, const char *data, int k, long n,
		     const char *engine)
{
	struct engine *w = NULL;
	struct cl_errbuf eb = {0};
	struct search_request rq;
	struct search_result res;
	struct reput r;
	int64_t seq = 0;
	unsigned long builds, deltas;
	double a, t;
	int rc;

	if (engine_open((enum engine_kind)k, data, s, 1, &w, &eb) != CL_OK ||
	    engine_last_seq(w, &seq, &eb) != CL_OK) {
		fprintf(stderr, "fcount: cannot open %s to write: %s\n", data, eb.msg);
		engine_close(w);
		return 1;
	}
	r.w = w;
	r.left = n;
	r.eb = &eb;
	rc = store_foreach_case(s, "published", reput_one, &r, &eb);
	if ((rc != CL_OK && r.left > 0) || engine_commit(w, seq, &eb) != CL_OK) {
		fprintf(stderr, "fcount: re-putting cases: %s\n", eb.msg);
		engine_close(w);
		return 1;
	}
	engine_close(w);
	search_request_init(&rq);
	rq.facets = ENGINE_ALL_FACETS;
	rq.limit = 20;
	a = now_ms();
	if (engine_search(rd, &rq, &res, &eb) != CL_OK) {
		fprintf(stderr, "fcount: %s\n", eb.msg);
		return 1;
	}
	t = now_ms() - a;
	search_result_release(&res);
	engine_counting_stats(rd, &builds, &deltas);
	printf("{\"system\":\"caselib-%s\",\"metric\":\"fcount_search_after_sync_ms\",\"value\":%.1f,"
	       "\"changes\":%ld,\"builds\":%lu,\"change_sets\":%lu}\n",
	       engine, t, n, builds, deltas);
	return 0;
}

static int build_time(const char *data, const char *engine, long sync)
{
	struct store *s = NULL;
	struct engine *e = NULL;
	struct cl_errbuf eb;
	struct search_request rq;
	double t[3];
	int k = engine_kind_from_name(engine);

	eb.msg[0] = '\0';
	if (k < 0 || store_open(data, sync > 0 ? 0 : STORE_READONLY, &s, &eb) != CL_OK ||
	    engine_open((enum engine_kind)k, data, s, 0, &e, &eb) != CL_OK) {
		fprintf(stderr, "fcount: cannot open %s (%s): %s\n", data, engine,
			k < 0 ? "unknown engine" : eb.msg);
		store_close(s);
		return 1;
	}
	search_request_init(&rq);
	rq.facets = ENGINE_ALL_FACETS;
	rq.limit = 20;
	for (int i = 0; i < 3; i++) {
		struct search_result res;
		double a = now_ms();
		if (engine_search(e, &rq, &res, &eb) != CL_OK) {
			fprintf(stderr, "fcount: %s\n", eb.msg);
			return 1;
		}
		t[i] = now_ms() - a;
		search_result_release(&res);
	}
	printf("{\"system\":\"caselib-%s\",\"metric\":\"fcount_first_search_ms\",\"value\":%.1f}\n"
	       "{\"system\":\"caselib-%s\",\"metric\":\"fcount_next_search_ms\",\"value\":%.1f}\n",
	       engine, t[0], engine, t[2]);
	if (sync > 0 && sync_time(s, e, data, k, sync, engine) != 0)
		return 1;
	engine_close(e);
	store_close(s);
	return 0;
}

int main(int argc, char **argv)
{
	const char *data = NULL, *engine = "xapian";
	long sync = 0;
	uint32_t ndocs = 100000;
	int reps = 20;
	uint64_t seed = 42;
	struct fcount *fc;
	struct cl_errbuf eb;
	static const double fracs[] = {0.001, 0.01, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 0.8, 1.0};

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--docs"))
			ndocs = (uint32_t)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--reps"))
			reps = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--data"))
			data = argv[i + 1];
		else if (!strcmp(argv[i], "--engine"))
			engine = argv[i + 1];
		else if (!strcmp(argv[i], "--sync"))
			sync = atol(argv[i + 1]);
	}
	if (data)
		return build_time(data, engine, sync);
	if (fcount_new(&fc) != CL_OK)
		return 1;
	double t0 = now_ms();
	for (uint32_t d = 1; d <= ndocs; d++) {
		for (int f = 0; f < EF_COUNT; f++) {
			char buf[3][16];
			const char *v[3];
			size_t len[3], n = facet_def(f)->from == FACET_FROM_LIST ? 1 + rnd(&seed) % 3 : 1;
			for (size_t i = 0; i < n; i++) {
				/* skewed: low codes are common */
				unsigned k = rnd(&seed) % nvals[f];
				k = k * (rnd(&seed) % (nvals[f])) / nvals[f];
				snprintf(buf[i], sizeof buf[i], "%u", f == EF_YEAR ? 1995 + k : k);
				v[i] = buf[i];
				len[i] = strlen(buf[i]);
			}
			if (fcount_put(fc, d, f, v, len, n, &eb) != CL_OK) {
				fprintf(stderr, "fcount: %s\n", eb.msg);
				return 1;
			}
		}
	}
	fprintf(stderr, "fcount: %u documents built in %.0f ms\n", ndocs, now_ms() - t0);
	uint32_t *docs = malloc((size_t)ndocs * sizeof *docs);
	for (size_t fi = 0; fi < sizeof fracs / sizeof *fracs; fi++) {
		size_t n = 0;
		for (uint32_t d = 1; d <= ndocs; d++)
			if (rnd(&seed) % 100000 < fracs[fi] * 100000)
				docs[n++] = d;
		for (int filt = 0; filt < 2; filt++) {
			static const char *const s0[] = {"0", "1"}, *const s1[] = {"0"};
			struct search_request rq;
			search_request_init(&rq);
			if (filt) {
				rq.filters[EF_SECTORS] = s0;
				rq.nfilters[EF_SECTORS] = 2;
				rq.filters[EF_KIND] = s1;
				rq.nfilters[EF_KIND] = 1;
			}
			for (int path = FCOUNT_ROWS; path <= FCOUNT_BITMAPS; path++) {
				double best = 1e18, sum = 0;
				for (int r = 0; r < reps; r++) {
					struct search_result res;
					long total;
					search_result_init(&res);
					double a = now_ms();
					fcount_count(fc, fracs[fi] >= 1.0 ? NULL : docs, n, &rq,
						     ENGINE_ALL_FACETS, (enum fcount_path)path, &total, &res,
						     &eb);
					double t = now_ms() - a;
					search_result_release(&res);
					sum += t;
					if (t < best)
						best = t;
				}
				printf("{\"system\":\"fcount\",\"docs\":%u,\"fraction\":%g,\"filters\":%d,"
				       "\"path\":\"%s\",\"ms_min\":%.3f,\"ms_mean\":%.3f}\n",
				       ndocs, fracs[fi], filt ? 2 : 0,
				       path == FCOUNT_ROWS ? "rows" : "bitmaps", best, sum / reps);
				fflush(stdout);
			}
		}
	}
	free(docs);
	fcount_free(fc);
	return 0;
}
