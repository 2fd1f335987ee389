/* findability.c — how well a Swedish user finds things in the real corpus
 * (issue 12): scores the hand-written sets of bench/eval/ (README there) on
 * each engine. Loads ../shared/data's procurements and IPS cases into a
 * store as the tests do (tests/testutil.c tu_load_real_corpus), syncs the
 * engines and prints, per engine, success@10 and MRR@10 for (a) Swedish
 * queries aimed at English cases (kind=case and unfiltered), (b) English
 * queries aimed at Swedish procurement titles, (c) known items overall and
 * per kind, and for (d) the suggestions' precision and recall on typos and
 * the no-suggestion rate on correct words. `make ranking` runs it after
 * Cranfield; docs/ranking.md keeps the figures.
 *
 * usage: findability [--data DIR] [--eval DIR] [--verbose] [xapian|fts5]
 * --data DIR keeps the store there (loaded once; the engines are cleared
 * and synced again on every run, so an indexing change is measured). */
#include <ftw.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "benchutil.h"
#include "case.h"
#include "engine.h"
#include "parse.h"
#include "store.h"
#include "sync.h"

#define ROWS_MAX 400
#define COLS_MAX 4
#define TOP 10

/* One TSV file: rows of up to COLS_MAX columns, the header skipped. */
struct tsv {
	char *buf;
	char *col[ROWS_MAX][COLS_MAX];
	int n;
};

static int tsv_read(const char *dir, const char *name, struct tsv *t)
{
	char path[4096];
	FILE *f;
	long len;
	char *save = NULL, *line;
	int first = 1;

	memset(t, 0, sizeof *t);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!(f = fopen(path, "rb"))) {
		fprintf(stderr, "findability: cannot read %s\n", path);
		return -1;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	if (len < 0 || !(t->buf = malloc((size_t)len + 1)) ||
	    fread(t->buf, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		fprintf(stderr, "findability: cannot read %s\n", path);
		return -1;
	}
	fclose(f);
	t->buf[len] = '\0';
	for (line = strtok_r(t->buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line;
		if (first) {
			first = 0;
			continue;
		}
		if (t->n == ROWS_MAX) {
			fprintf(stderr, "findability: %s: over %d rows\n", path, ROWS_MAX);
			return -1;
		}
		for (int c = 0; c < COLS_MAX; c++) {
			char *tab = p ? strchr(p, '\t') : NULL;
			t->col[t->n][c] = p ? p : (char *)(uintptr_t) "";
			if (tab)
				*tab = '\0';
			p = tab ? tab + 1 : NULL;
		}
		t->n++;
	}
	return 0;
}

/* Lower case for ASCII and the Latin-1 letters (UTF-8 C3 80..9E). */
static void fold(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (unsigned char)(*p + 32);
		else if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0x9E && p[1] != 0x97)
			p[1] = (unsigned char)(p[1] + 32), p++;
	}
}

/* ---- loading the real corpus (benchutil.h, as the tests do) ------------ */

static int load_corpus(struct store *s, const char *shared)
{
	struct cl_errbuf eb = {0};
	long n = 0, rejected = 0;

	if (bu_load_real_corpus(s, shared, "findability", &n, &rejected, &eb) != CL_OK) {
		fprintf(stderr, "findability: loading: %s\n", eb.msg);
		return -1;
	}
	fprintf(stderr, "findability: %ld cases loaded (%ld rejected)\n", n, rejected);
	return 0;
}

static int rm_cb(const char *p, const struct stat *sb, int fl, struct FTW *ftw)
{
	(void)sb;
	(void)fl;
	(void)ftw;
	return remove(p);
}

/* ---- scoring ----------------------------------------------------------- */

static int verbose;

struct score {
	int n, found;
	double rr;
};

/* Rank (1..TOP) of the first relevant hit for text, 0 if none in the top.
 * Relevant: id == target, or (re) a procurement whose folded title
 * matches re. */
static int rank_of(struct engine *e, const char *text, const char *lang, const char *kind,
		   const char *target, const regex_t *re)
{
	struct search_request rq;
	struct search_result r;
	struct cl_errbuf eb = {0};
	const char *kinds[1] = {kind};
	int rank = 0;

	search_request_init(&rq);
	rq.text = text;
	rq.lang = lang;
	rq.limit = TOP;
	if (kind) {
		rq.filters[EF_KIND] = kinds;
		rq.nfilters[EF_KIND] = 1;
	}
	if (engine_search(e, &rq, &r, &eb) != CL_OK) {
		fprintf(stderr, "findability: '%s': %s\n", text, eb.msg);
		return 0;
	}
	for (size_t i = 0; i < r.nhits && !rank; i++) {
		if (target && !strcmp(r.hits[i].id, target))
			rank = (int)i + 1;
		if (re && !strncmp(r.hits[i].id, "uhm-", 4) && r.hits[i].title) {
			char *t = strdup(r.hits[i].title);
			if (t) {
				fold(t);
				if (!regexec(re, t, 0, NULL, 0))
					rank = (int)i + 1;
				free(t);
			}
		}
	}
	if (verbose)
		printf("  %-45s -> %s (%ld hits%s)\n", text, rank ? "found" : "missed", r.total,
		       r.used_or_fallback ? ", OR" : "");
	if (verbose && rank)
		printf("    at %d\n", rank);
	search_result_release(&r);
	return rank;
}

static void add(struct score *s, int rank)
{
	s->n++;
	if (rank) {
		s->found++;
		s->rr += 1.0 / rank;
	}
}

static void row(const char *eng, const char *set, const struct score *s)
{
	char m[64];
	printf("| %s | %s | %d | %.3f | %.3f |\n", eng, set, s->n, s->n ? (double)s->found / s->n : 0,
	       s->n ? s->rr / s->n : 0);
	snprintf(m, sizeof m, "%s_success10", set);
	bu_result(eng, "findability", m, s->n ? (double)s->found / s->n : 0, "");
	snprintf(m, sizeof m, "%s_mrr10", set);
	bu_result(eng, "findability", m, s->n ? s->rr / s->n : 0, "");
}

/* The (d) rows, printed after the table of (a)-(c). */
static char drow[2][256];
static int nd;

static const char *const ckinds[4] = {"inflection", "split", "head", "typo"};

static int run_engine(struct engine *e, const char *eng, const struct tsv *a, const struct tsv *b,
		      const struct tsv *c, const struct tsv *dt, const struct tsv *dc)
{
	struct score sa_case = {0}, sa_all = {0}, sb = {0}, sc = {0}, sck[4] = {{0}};
	int suggested = 0, right = 0, quiet = 0;
	struct cl_errbuf eb = {0};

	for (int i = 0; i < a->n; i++) {
		add(&sa_case, rank_of(e, a->col[i][0], "sv", "case", a->col[i][1], NULL));
		add(&sa_all, rank_of(e, a->col[i][0], "sv", NULL, a->col[i][1], NULL));
	}
	for (int i = 0; i < b->n; i++) {
		regex_t re;
		if (regcomp(&re, b->col[i][1], REG_EXTENDED | REG_NOSUB)) {
			fprintf(stderr, "findability: bad pattern '%s'\n", b->col[i][1]);
			return -1;
		}
		add(&sb, rank_of(e, b->col[i][0], "en", NULL, NULL, &re));
		regfree(&re);
	}
	for (int i = 0; i < c->n; i++) {
		int r = rank_of(e, c->col[i][0], "sv", NULL, c->col[i][1], NULL);
		add(&sc, r);
		for (int k = 0; k < 4; k++)
			if (!strcmp(c->col[i][2], ckinds[k]))
				add(&sck[k], r);
	}
	for (int pass = 0; pass < 2; pass++) {
		const struct tsv *d = pass ? dc : dt;
		for (int i = 0; i < d->n; i++) {
			struct search_request rq;
			struct search_result r;
			search_request_init(&rq);
			rq.text = d->col[i][0];
			rq.lang = "sv";
			rq.limit = TOP;
			if (engine_search(e, &rq, &r, &eb) != CL_OK) {
				fprintf(stderr, "findability: '%s': %s\n", rq.text, eb.msg);
				return -1;
			}
			if (verbose)
				printf("  %s %-28s -> %s\n", pass ? "correct" : "typo", rq.text,
				       r.suggestion ? r.suggestion : "(no suggestion)");
			if (!pass && r.suggestion) {
				suggested++;
				right += !strcmp(r.suggestion, d->col[i][1]);
			}
			if (pass && !r.suggestion)
				quiet++;
			search_result_release(&r);
		}
	}
	row(eng, "a_case", &sa_case);
	row(eng, "a_all", &sa_all);
	row(eng, "b", &sb);
	row(eng, "c", &sc);
	for (int k = 0; k < 4; k++) {
		char set[32];
		snprintf(set, sizeof set, "c_%s", ckinds[k]);
		row(eng, set, &sck[k]);
	}
	snprintf(drow[nd++], sizeof drow[0],
		 "| %s | %d | %d | %d | %.3f | %.3f | %d | %d | %.3f |\n", eng, dt->n, suggested,
		 right, suggested ? (double)right / suggested : 1, dt->n ? (double)right / dt->n : 0,
		 dc->n, quiet, dc->n ? (double)quiet / dc->n : 0);
	bu_result(eng, "findability", "d_precision", suggested ? (double)right / suggested : 1, "");
	bu_result(eng, "findability", "d_recall", dt->n ? (double)right / dt->n : 0, "");
	bu_result(eng, "findability", "d_no_suggestion", dc->n ? (double)quiet / dc->n : 0, "");
	return 0;
}

int main(int argc, char **argv)
{
	const char *shared = getenv("CASELIB_SHARED"), *data = NULL, *evdir = "bench/eval";
	char tmp[] = "/tmp/caselib-findability-XXXXXX", probe[4200];
	struct tsv a, b, c, dt, dc;
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	struct stat st;
	int only = -1, rc = 1, fresh;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: findability [--data DIR] [--eval DIR] [--verbose] [xapian|fts5]\n\n"
			       "Scores the findability sets of bench/eval (README there) on the real\n"
			       "corpus of $CASELIB_SHARED (default ../shared/data). --data keeps the\n"
			       "store in DIR between runs (the engines are synced again every run).\n");
			return 0;
		}
		if (!strcmp(argv[i], "--data") && i + 1 < argc)
			data = argv[++i];
		else if (!strcmp(argv[i], "--eval") && i + 1 < argc)
			evdir = argv[++i];
		else if (!strcmp(argv[i], "--verbose"))
			verbose = 1;
		else if ((only = engine_kind_from_name(argv[i])) < 0) {
			fprintf(stderr, "findability: unknown engine or option '%s' (see --help)\n",
				argv[i]);
			return 2;
		}
	}
	if (!shared || !*shared)
		shared = "../shared/data";
	if (tsv_read(evdir, "a-sv-to-en-cases.tsv", &a) || tsv_read(evdir, "b-en-to-sv-procurements.tsv", &b) ||
	    tsv_read(evdir, "c-known-item.tsv", &c) || tsv_read(evdir, "d-typos.tsv", &dt) ||
	    tsv_read(evdir, "d-correct.tsv", &dc))
		return 2;
	if (!data && !(data = mkdtemp(tmp))) {
		perror("findability: mkdtemp");
		return 1;
	}
	snprintf(probe, sizeof probe, "%s/findability-loaded", data);
	fresh = stat(probe, &st) != 0;
	if (store_open(data, STORE_CREATE, &s, &eb) != CL_OK) {
		fprintf(stderr, "findability: store: %s\n", eb.msg);
		goto out;
	}
	if (fresh) {
		FILE *f;
		if (load_corpus(s, shared))
			goto out;
		if ((f = fopen(probe, "w")))
			fclose(f);
	}
	printf("\nfindability (bench/eval): success@10 and MRR@10 per set\n\n"
	       "| engine | set | queries | success@10 | MRR@10 |\n|---|---|---:|---:|---:|\n");
	for (int k = 0; k < 2; k++) {
		struct engine *e = NULL;
		const char *eng = engine_kind_name((enum engine_kind)k);
		if (only >= 0 && k != only)
			continue;
		if (engine_open((enum engine_kind)k, data, s, 1, &e, &eb) != CL_OK ||
		    engine_clear(e, &eb) != CL_OK || sync_engine(s, e, 0, NULL, NULL, NULL, &eb) != CL_OK) {
			fprintf(stderr, "findability: %s: %s\n", eng, eb.msg);
			engine_close(e);
			goto out;
		}
		if (run_engine(e, eng, &a, &b, &c, &dt, &dc)) {
			engine_close(e);
			goto out;
		}
		engine_close(e);
	}
	printf("\n(d) suggestions for single-word queries\n\n"
	       "| engine | typos | suggested | right | precision | recall | correct words | "
	       "no suggestion | no-suggestion rate |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (int i = 0; i < nd; i++)
		fputs(drow[i], stdout);
	rc = 0;
out:
	store_close(s);
	if (data == tmp)
		nftw(tmp, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
	free(a.buf);
	free(b.buf);
	free(c.buf);
	free(dt.buf);
	free(dc.buf);
	return rc;
}
