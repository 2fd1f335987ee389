/* benchutil.c — see benchutil.h. */
#include "benchutil.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dbuf.h"
#include "parse_ips.h"
#include "parse_sestat.h"
#include "store.h"

double bu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bu_result(const char *system, const char *corpus, const char *metric, double v,
	       const char *unit)
{
	printf("{\"system\":\"%s\",\"corpus\":\"%s\",\"metric\":\"%s\",\"value\":%.6g,"
	       "\"unit\":\"%s\"}\n",
	       system, corpus, metric, v, unit);
	fflush(stdout);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile p (0..100) of sorted v[0..n). */
static double pct(const double *v, size_t n, double p)
{
	size_t k = (size_t)ceil(p / 100.0 * (double)n);
	return v[k ? k - 1 : 0];
}

void bu_latency(const char *system, const char *corpus, const char *prefix, double *lat,
		size_t n, double seconds)
{
	static const int ps[] = {50, 95, 99};
	char m[64];

	qsort(lat, n, sizeof *lat, cmp_double);
	for (size_t i = 0; i < sizeof ps / sizeof *ps; i++) {
		snprintf(m, sizeof m, "%s_p%d_ms", prefix, ps[i]);
		bu_result(system, corpus, m, pct(lat, n, ps[i]), "ms");
	}
	snprintf(m, sizeof m, "%s_qps", prefix);
	bu_result(system, corpus, m, (double)n / seconds, "queries/s");
}

int bu_read_smart(const char *prog, const char *path, struct bu_smart *recs, int max)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int n = 0;
	struct dbuf *field = NULL, t = DBUF_INIT(0), w = DBUF_INIT(0);

	if (!f) {
		fprintf(stderr, "%s: cannot read %s\n", prog, path);
		return -1;
	}
	for (;;) {
		len = getline(&line, &cap, f);
		if (len < 0 || !strncmp(line, ".I", 2)) { /* the record so far is complete */
			if (n && n <= max) {
				recs[n - 1].title = strdup(dbuf_str(&t));
				recs[n - 1].text = strdup(dbuf_str(&w));
			}
			dbuf_release(&t);
			dbuf_release(&w);
			field = NULL;
			if (len < 0)
				break;
			n++;
			continue;
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 2 && line[0] == '.') {
			field = line[1] == 'T' ? &t : line[1] == 'W' ? &w : NULL;
		} else if (field) {
			if (field->n)
				dbuf_puts(field, " ");
			dbuf_puts(field, line);
		}
	}
	free(line);
	fclose(f);
	return n > max ? max : n;
}

void bu_smart_release(struct bu_smart *recs, int n)
{
	for (int i = 0; i < n; i++) {
		free(recs[i].title);
		free(recs[i].text);
		recs[i].title = recs[i].text = NULL;
	}
}

static int gain_desc(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x < y) - (x > y);
}

double bu_ideal_dcg10(int *gains, int n)
{
	double idcg = 0;

	qsort(gains, (size_t)n, sizeof *gains, gain_desc);
	for (int i = 0; i < n && i < 10; i++)
		idcg += gains[i] / log2(i + 2.0);
	return idcg;
}

/* ---- options ---------------------------------------------------------- */

static int opt_value(const struct bu_opt *o, const char *v)
{
	char *end;

	errno = 0;
	if (o->kind == BU_STR) {
		*(const char **)o->dst = v;
	} else if (o->kind == BU_LONG) {
		long n = strtol(v, &end, 10);

		if (errno || end == v || *end || n < o->min || n > o->max)
			return -1;
		*(long *)o->dst = n;
	} else {
		unsigned long long n = strtoull(v, &end, 10);

		if (errno || end == v || *end || *v == '-')
			return -1;
		*(unsigned long long *)o->dst = n;
	}
	return 0;
}

int bu_options(const char *prog, int argc, char **argv, const struct bu_opt *opts,
	       void (*usage)(FILE *))
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct bu_opt *o = opts;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		while (o->name && strcmp(a, o->name))
			o++;
		if (!o->name) {
			fprintf(stderr, "%s: unknown option %s\n", prog, a);
		} else if (o->kind == BU_FLAG) {
			*(int *)o->dst = (int)o->min;
			continue;
		} else if (i + 1 >= argc) {
			fprintf(stderr, "%s: %s needs a value\n", prog, a);
		} else if (opt_value(o, argv[++i]) < 0) {
			fprintf(stderr, "%s: bad value %s for %s\n", prog, argv[i], a);
		} else {
			continue;
		}
		usage(stderr);
		return 2;
	}
	return -1;
}

/* ---- the real corpus ----------------------------------------------------- */

struct bu_loader {
	struct store *s;
	const char *actor;
	long n, rejected;
	int err;
	struct cl_errbuf *eb;
};

static int bu_load_emit(void *ud, struct case_record *c)
{
	struct bu_loader *l = ud;
	struct store_put_result res;
	int rc = store_put_case(l->s, c, l->actor, &res, l->eb);

	if (rc != CL_OK) {
		l->err = rc;
		return rc;
	}
	l->n++;
	return CL_OK;
}

static void bu_load_reject(void *ud, long line, const char *reason)
{
	struct bu_loader *l = ud;
	(void)line;
	(void)reason;
	l->rejected++;
}

int bu_load_real_corpus(struct store *s, const char *shared, const char *actor, long *n,
			long *rejected, struct cl_errbuf *eb)
{
	static const char *const files[2] = {"se-procurements-2021/number_of_procurements.csv",
					     "ips-cases/cases.csv"};
	struct bu_loader l = {s, actor, 0, 0, CL_OK, eb};
	struct parse_sink sink = {bu_load_emit, bu_load_reject, &l};
	struct parse_src src = {NULL, "2026-11-27T05:00:00Z", NULL};
	char path[4096];
	int rc;

	if ((rc = store_begin(s, eb)) != CL_OK)
		return rc;
	for (int i = 0; i < 2 && rc == CL_OK; i++) {
		FILE *f;
		snprintf(path, sizeof path, "%s/%s", shared, files[i]);
		if (!(f = fopen(path, "rb"))) {
			rc = cl_fail(eb, CL_EIO, "cannot read %s: %s", path, strerror(errno));
			break;
		}
		rc = i == 0 ? sestat_parse_file(f, &src, &sink, NULL, eb)
			    : ips_parse_file(f, &src, &sink, NULL, eb);
		fclose(f);
		if (rc == CL_OK && l.err)
			rc = l.err;
	}
	if (rc == CL_OK)
		rc = store_commit(s, eb);
	else
		store_rollback(s);
	if (n)
		*n = l.n;
	if (rejected)
		*rejected = l.rejected;
	return rc;
}
