/* search.c — in-process search latency of one engine over the query mix
 * (docs/performance.md).
 *
 *   search --data DIR --engine xapian|fts5 --queries FILE --corpus C
 *          [--system NAME] [--no-facets] [--no-translate] [--warmup N] [--repeat N]
 *
 * Opens the store and the engine read-only (engine_open(kind, DIR, store,
 * 0)), runs the first N queries of the mix as warm-up, then every query
 * `repeat` times, each timed with CLOCK_MONOTONIC around engine_search
 * alone. A faceted query is the mix line as written: all q words (AND),
 * its filters, counts of the six facets (authority_type, sectors,
 * categories, goals, procedure, year), top 20 with snippets. --no-facets
 * keeps q and drops filters and counts. Prints result lines on stdout:
 * q_facet_p50_ms ... q_facet_qps (or q_plain_*): exact percentiles of the
 * sorted samples (nearest rank), qps = samples / summed search time. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchutil.h"
#include "dbuf.h"
#include "engine.h"
#include "store.h"

#define MAX_VALUES 8

struct bquery {
	char *text;
	char *lang;
	const char *vals[EF_COUNT][MAX_VALUES]; /* owned (strdup) */
	size_t nvals[EF_COUNT];
	int year;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double pct(const double *v, size_t n, double p)
{
	size_t k = (size_t)(p * (double)n + 0.999999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

static void bquery_free(struct bquery *q)
{
	free(q->text);
	free(q->lang);
	for (int f = 0; f < EF_COUNT; f++)
		for (size_t i = 0; i < q->nvals[f]; i++)
			free((void *)(uintptr_t)q->vals[f][i]);
}

/* Reads one mix line into q. -1 with a message on a bad line. */
static int parse_query(const char *line, size_t len, struct bquery *q, const char *path,
		       long lineno)
{
	json_error_t err;
	json_t *j = json_loadb(line, len, 0, &err), *filters, *v;
	const char *k;

	memset(q, 0, sizeof *q);
	if (!j || !json_is_object(j) || !json_is_string(json_object_get(j, "q"))) {
		fprintf(stderr, "search: %s:%ld: not a query object {\"q\":...}\n", path, lineno);
		json_decref(j);
		return -1;
	}
	q->text = strdup(json_string_value(json_object_get(j, "q")));
	v = json_object_get(j, "lang");
	q->lang = strdup(json_is_string(v) ? json_string_value(v) : "sv");
	filters = json_object_get(j, "filters");
	if (filters && !json_is_object(filters)) {
		fprintf(stderr, "search: %s:%ld: filters must be an object\n", path, lineno);
		json_decref(j);
		return -1;
	}
	json_object_foreach(filters, k, v)
	{
		int f = engine_facet_from_name(k);
		size_t i;
		json_t *x;
		if (f < 0 || !json_is_array(v)) {
			fprintf(stderr, "search: %s:%ld: unknown facet or not a list: %s\n", path, lineno,
				k);
			json_decref(j);
			return -1;
		}
		json_array_foreach(v, i, x)
		{
			if (!json_is_string(x) || q->nvals[f] == MAX_VALUES)
				continue;
			if (f == EF_YEAR) /* as the API: year=YYYY */
				q->year = atoi(json_string_value(x));
			else
				q->vals[f][q->nvals[f]++] = strdup(json_string_value(x));
		}
	}
	json_decref(j);
	return q->text && q->lang ? 0 : -1;
}

static int load_queries(const char *path, struct bquery **out, size_t *n)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, qcap = 0;
	ssize_t len;
	long lineno = 0;
	struct bquery *qs = NULL;

	*n = 0;
	if (!f) {
		fprintf(stderr, "search: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (len <= 1)
			continue;
		if (dbuf_grow(&qs, &qcap, *n + 1, sizeof *qs))
			break;
		if (parse_query(line, (size_t)len, &qs[*n], path, lineno)) {
			bquery_free(&qs[*n]);
			for (size_t i = 0; i < *n; i++)
				bquery_free(&qs[i]);
			free(qs);
			free(line);
			fclose(f);
			return -1;
		}
		(*n)++;
	}
	free(line);
	fclose(f);
	*out = qs;
	if (!*n) {
		fprintf(stderr, "search: %s holds no query\n", path);
		return -1;
	}
	return 0;
}

static void to_request(const struct bquery *q, int facets, struct search_request *rq)
{
	static const enum engine_facet six[] = {EF_AUTHORITY_TYPE, EF_SECTORS, EF_CATEGORIES,
						EF_GOALS, EF_PROCEDURE, EF_YEAR};
	search_request_init(rq);
	rq->text = q->text;
	rq->lang = q->lang;
	rq->limit = 20;
	rq->snippets = 1;
	if (!facets)
		return;
	for (int f = 0; f < EF_COUNT; f++)
		if (q->nvals[f]) {
			rq->filters[f] = q->vals[f];
			rq->nfilters[f] = q->nvals[f];
		}
	rq->year_from = rq->year_to = q->year;
	for (size_t i = 0; i < sizeof six / sizeof *six; i++)
		rq->facets |= 1u << six[i];
}

static void usage(FILE *f)
{
	fputs("usage: search --data DIR --engine xapian|fts5 --queries FILE --corpus C\n"
	      "              [--system NAME] [--no-facets] [--no-translate] [--warmup N] [--repeat N]\n\n"
	      "In-process latency of engine_search over a query mix; prints one JSON result\n"
	      "line per figure (q_facet_* or, with --no-facets, q_plain_*). Defaults: --system\n"
	      "caselib-ENGINE, --warmup 100, --repeat 1.\n",
	      f);
}

int main(int argc, char **argv)
{
	const char *data = NULL, *engine_name = NULL, *qpath = NULL, *corpus = NULL, *system = NULL;
	long warmup = 100, repeat = 1;
	int facets = 1, k, ret = 1;
	struct store *s = NULL;
	struct engine *e = NULL;
	struct cl_errbuf eb = {0};
	struct bquery *qs = NULL;
	size_t nq = 0, ns = 0, nerr = 0;
	double *samples = NULL, sum = 0, t0;
	char sysbuf[64];
	long long total_hits = 0;
	int translate = 1;

	const struct bu_opt opts[] = {
		{"--data", BU_STR, &data, 0, 0},
		{"--engine", BU_STR, &engine_name, 0, 0},
		{"--queries", BU_STR, &qpath, 0, 0},
		{"--corpus", BU_STR, &corpus, 0, 0},
		{"--system", BU_STR, &system, 0, 0},
		{"--warmup", BU_LONG, &warmup, LONG_MIN, LONG_MAX},
		{"--repeat", BU_LONG, &repeat, LONG_MIN, LONG_MAX},
		{"--no-facets", BU_FLAG, &facets, 0, 0},
		{"--no-translate", BU_FLAG, &translate, 0, 0},
		{NULL, BU_STR, NULL, 0, 0},
	};

	if ((k = bu_options("search", argc, argv, opts, usage)) >= 0)
		return k;
	if (!data || !engine_name || !qpath || !corpus || warmup < 0 || repeat < 1 ||
	    repeat > 1000) {
		usage(stderr);
		return 2;
	}
	if ((k = engine_kind_from_name(engine_name)) < 0) {
		fprintf(stderr, "search: --engine is xapian or fts5\n");
		return 2;
	}
	if (!system) {
		snprintf(sysbuf, sizeof sysbuf, "caselib-%s", engine_name);
		system = sysbuf;
	}
	if (load_queries(qpath, &qs, &nq))
		return 1;
	if (store_open(data, STORE_READONLY, &s, &eb) != CL_OK ||
	    engine_open((enum engine_kind)k, data, s, 0, &e, &eb) != CL_OK) {
		fprintf(stderr, "search: cannot open %s engine in %s: %s\n", engine_name, data, eb.msg);
		goto out;
	}
	if (!(samples = malloc(nq * (size_t)repeat * sizeof *samples)))
		goto out;
	fprintf(stderr, "search: %s %s %s: %zu queries, warm-up %ld, repeat %ld\n", system, corpus,
		facets ? "faceted" : "plain", nq, warmup, repeat);
	t0 = bu_now();
	for (long pass = -1; pass < repeat; pass++) {
		size_t n = pass < 0 ? ((size_t)warmup < nq ? (size_t)warmup : nq) : nq;
		for (size_t i = 0; i < n; i++) {
			struct search_request rq;
			struct search_result res;
			double a, b;
			int rc;
			to_request(&qs[i], facets, &rq);
			rq.no_translate = !translate;
			search_result_init(&res);
			a = bu_now();
			rc = engine_search(e, &rq, &res, &eb);
			b = bu_now();
			if (rc != CL_OK) {
				if (pass >= 0 && nerr++ < 5)
					fprintf(stderr, "search: query %zu (%s): %s\n", i + 1, qs[i].text,
						eb.msg);
			} else if (pass >= 0) {
				samples[ns++] = (b - a) * 1e3;
				sum += b - a;
				total_hits += res.total;
			}
			search_result_release(&res);
		}
	}
	if (!ns) {
		fprintf(stderr, "search: no query succeeded\n");
		goto out;
	}
	qsort(samples, ns, sizeof *samples, cmp_double);
	fprintf(stderr, "search: %zu searches in %.1f s, %zu failed, mean %.0f hits\n", ns,
		bu_now() - t0, nerr, (double)total_hits / (double)ns);
	{
		const char *pre = facets ? "q_facet" : "q_plain";
		static const double ps[] = {0.50, 0.95, 0.99};
		static const char *const pn[] = {"p50", "p95", "p99"};
		for (int i = 0; i < 3; i++)
			printf("{\"system\":\"%s\",\"corpus\":\"%s\",\"metric\":\"%s_%s_ms\","
			       "\"value\":%.4f,\"unit\":\"ms\"}\n",
			       system, corpus, pre, pn[i], pct(samples, ns, ps[i]));
		printf("{\"system\":\"%s\",\"corpus\":\"%s\",\"metric\":\"%s_qps\",\"value\":%.1f,"
		       "\"unit\":\"queries/s\"}\n",
		       system, corpus, pre, (double)ns / sum);
	}
	ret = nerr ? 1 : 0;
out:
	engine_close(e);
	store_close(s);
	free(samples);
	for (size_t i = 0; i < nq; i++)
		bquery_free(&qs[i]);
	free(qs);
	return ret;
}
