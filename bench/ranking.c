/* ranking.c — ranking quality of each engine on the Cranfield collection
 * (../shared/data/cranfield): 1,400 aeronautics abstracts, 225 queries,
 * 1,836 judgements. Loads the documents into a temporary store as English
 * cases (title + abstract), syncs the engines, runs every query as typed
 * (AND, falling back to OR as users get it), and prints MAP (top 1,000),
 * nDCG@10 and P@10 per engine. `make ranking` runs it; docs/ranking.md
 * keeps the figures. Then it runs bench/findability (beside it) on the
 * real corpus, unless --no-findability or --try.
 *
 * Judgements: codes 1..4 are relevant (1 = complete answer .. 4 = minimum
 * interest, cranqrel.readme); -1 rows are not. nDCG gains are 5 - code
 * (4, 3, 2, 1). Queries are numbered 1..225 by position, not by .I. */
#include <ftw.h>
#include <math.h>
#include <spawn.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "case.h"
#include "engine.h"
#include "store.h"
#include "sync.h"

#define NDOCS_MAX 1400
#define NQ_MAX 225
#define DEPTH 1000

static int rm_cb(const char *p, const struct stat *sb, int fl, struct FTW *ftw)
{
	(void)sb;
	(void)fl;
	(void)ftw;
	return remove(p);
}

/* qrel[q][d] = code (0 = not judged) */
static signed char qrel[NQ_MAX + 1][NDOCS_MAX + 1];
static struct bu_smart qs[NQ_MAX];
static int nq, ndocs;

/* Per-query figures of one run. */
struct run {
	double ap[NQ_MAX + 1], ndcg[NQ_MAX + 1], p10[NQ_MAX + 1];
	int judged[NQ_MAX + 1]; /* 1: the query has relevant documents */
	double ms;              /* per query */
	int nand;               /* queries answered by AND (no OR fallback) */
};

/* Runs every query with e's current parameters. */
static int evaluate(struct engine *e, struct run *out)
{
	struct cl_errbuf eb = {0};
	double t0 = bu_now();
	int evaluated = 0;

	memset(out, 0, sizeof *out);
	for (int q = 1; q <= nq; q++) {
		int nrel = 0, found = 0, rank = 0;
		double ap = 0, dcg = 0, idcg = 0, p10 = 0;
		int gains[NDOCS_MAX], ng = 0;

		for (int d = 1; d <= ndocs; d++)
			if (qrel[q][d]) {
				nrel++;
				gains[ng++] = 5 - qrel[q][d];
			}
		if (!nrel)
			continue;
		/* found == nrel: AP and the top 10 cannot change any more */
		for (size_t off = 0; off < DEPTH && found < nrel; off += 100) {
			struct search_request rq;
			struct search_result r;
			char text[1024];

			snprintf(text, sizeof text, "%s", qs[q - 1].text);
			search_request_init(&rq);
			rq.text = text;
			rq.lang = "en";
			rq.offset = off;
			rq.limit = 100;
			if (engine_search(e, &rq, &r, &eb) != CL_OK) {
				fprintf(stderr, "ranking: query %d: %s\n", q, eb.msg);
				return -1;
			}
			if (off == 0 && !r.used_or_fallback)
				out->nand++;
			for (size_t i = 0; i < r.nhits; i++) {
				int d = atoi(r.hits[i].id + 5);
				rank++;
				if (d >= 1 && d <= NDOCS_MAX && qrel[q][d]) {
					found++;
					ap += (double)found / rank;
					if (rank <= 10) {
						dcg += (5 - qrel[q][d]) / log2(rank + 1.0);
						p10 += 0.1;
					}
				}
			}
			search_result_release(&r);
			if (r.nhits < 100)
				break;
		}
		idcg = bu_ideal_dcg10(gains, ng);
		out->ap[q] = ap / nrel;
		out->ndcg[q] = idcg > 0 ? dcg / idcg : 0;
		out->p10[q] = p10;
		out->judged[q] = 1;
		evaluated++;
	}
	out->ms = evaluated ? (bu_now() - t0) * 1e3 / evaluated : 0;
	return evaluated;
}

/* Folds: 1 = odd query numbers, 2 = even, 0 = all. */
static int in_fold(int q, int fold)
{
	return fold == 0 || (q % 2 == 1) == (fold == 1);
}

static double mean(const double *v, const struct run *r, int fold)
{
	double s = 0;
	int n = 0;
	for (int q = 1; q <= nq; q++)
		if (r->judged[q] && in_fold(q, fold)) {
			s += v[q];
			n++;
		}
	return n ? s / n : 0;
}

/* ---- the grid: coordinate search over these values -------------------- */

enum { P_K1, P_B, P_TW, P_FBD, P_FBT, P_FBW, NPARAM };
static const char *const pname[NPARAM] = {"k1", "b", "title_weight", "fb_docs", "fb_terms",
					  "fb_weight"};
static const double grid[NPARAM][8] = {
	[P_K1] = {1.2, 1.6, 2.0, 3.0, -1},
	[P_B] = {0.5, 0.75, 0.9, -1},
	[P_TW] = {0, 1, 3, -1},
	[P_FBD] = {0, 2, 3, 5, 10, -1},
	[P_FBT] = {20, 40, 80, -1},
	[P_FBW] = {0.5, 1.0, 1.5, 2.5, -1},
};

static void pset(struct engine_rank_params *p, int i, double v)
{
	switch (i) {
	case P_K1: p->k1 = v; break;
	case P_B: p->b = v; break;
	case P_TW: p->title_weight = v; break;
	case P_FBD: p->fb_docs = (unsigned)v; break;
	case P_FBT: p->fb_terms = (unsigned)v; break;
	default: p->fb_weight = v; break;
	}
}

static void pfmt(const struct engine_rank_params *p, char *buf, size_t n)
{
	snprintf(buf, n, "k1 %.2f, b %.2f, title_weight %.2f, fb_docs %u, fb_terms %u, fb_weight %.2f",
		 p->k1, p->b, p->title_weight, p->fb_docs, p->fb_terms, p->fb_weight);
}

/* Every configuration evaluated so far (all queries), shared by the folds. */
#define CACHE_MAX 400
static struct cached {
	struct engine_rank_params p;
	struct run *r;
} cache[CACHE_MAX];
static int ncache;

static const struct run *run_for(struct engine *e, const struct engine_rank_params *p)
{
	struct cl_errbuf eb = {0};
	char buf[256];

	for (int i = 0; i < ncache; i++)
		if (!memcmp(&cache[i].p, p, sizeof *p))
			return cache[i].r;
	if (ncache == CACHE_MAX || engine_set_rank_params(e, p, &eb) != CL_OK) {
		fprintf(stderr, "ranking: %s\n", ncache == CACHE_MAX ? "cache full" : eb.msg);
		return NULL;
	}
	cache[ncache].p = *p;
	cache[ncache].r = malloc(sizeof(struct run));
	if (!cache[ncache].r || evaluate(e, cache[ncache].r) < 0)
		return NULL;
	pfmt(p, buf, sizeof buf);
	fprintf(stderr, "  [%d] %s: MAP %.4f (odd %.4f, even %.4f)\n", ncache, buf,
		mean(cache[ncache].r->ap, cache[ncache].r, 0), mean(cache[ncache].r->ap, cache[ncache].r, 1),
		mean(cache[ncache].r->ap, cache[ncache].r, 2));
	return cache[ncache++].r;
}

/* Coordinate search maximising MAP on fold from start: each parameter in
 * turn takes its best grid value with the others fixed, ROUNDS rounds
 * (configurations are cached, so a second round costs only the moves the
 * first one made possible; each run of the 225 queries takes 10-60 s on
 * the shared 2-core machine). */
#define ROUNDS 2
static int tune(struct engine *e, int fold, const unsigned *tunable,
		struct engine_rank_params *best)
{
	const struct run *r = run_for(e, best);
	double bmap;

	if (!r)
		return -1;
	bmap = mean(r->ap, r, fold);
	for (int round = 0; round < ROUNDS; round++)
		for (int i = 0; i < NPARAM; i++) {
			if (!tunable[i])
				continue;
			for (int k = 0; grid[i][k] >= 0; k++) {
				struct engine_rank_params p = *best;
				double m;
				pset(&p, i, grid[i][k]);
				if (p.fb_docs == 0) /* feedback off: its other values do not matter */
					p.fb_terms = best->fb_terms, p.fb_weight = best->fb_weight;
				if (!(r = run_for(e, &p)))
					return -1;
				m = mean(r->ap, r, fold);
				if (m > bmap + 1e-9) {
					bmap = m;
					*best = p;
				}
			}
		}
	return 0;
}

static void json_line(const char *sys, const char *metric, double v)
{
	printf("{\"system\":\"%s\",\"corpus\":\"cranfield\",\"metric\":\"%s\",\"value\":%.4f,"
	       "\"unit\":\"\"}\n", sys, metric, v);
}

/* The engines' defaults before tuning (issue 6), for the before/after table. */
static void untuned(enum engine_kind k, struct engine_rank_params *p)
{
	memset(p, 0, sizeof *p);
	p->k1 = k == ENGINE_XAPIAN ? 1.0 : 1.2;
	p->b = k == ENGINE_XAPIAN ? 0.5 : 0.75;
	p->title_weight = k == ENGINE_XAPIAN ? 0 : 9; /* FTS5: title column 10 */
}

/* Plain BM25 (k1 1.2, b 0.75, no title boost, no feedback). */
static void plain_bm25(struct engine_rank_params *p)
{
	memset(p, 0, sizeof *p);
	p->k1 = 1.2;
	p->b = 0.75;
}

extern char **environ;

/* Runs the findability bench beside argv0 (same engine choice); its
 * exit status, or 1 when it cannot be started. */
static int run_findability(const char *argv0, int only)
{
	char path[4096];
	const char *slash = strrchr(argv0, '/');
	char *args[4];
	int n = 0, st;
	pid_t pid;

	snprintf(path, sizeof path, "%.*sfindability", slash ? (int)(slash - argv0 + 1) : 0, argv0);
	args[n++] = path;
	if (only >= 0)
		args[n++] = (char *)(uintptr_t)engine_kind_name((enum engine_kind)only);
	args[n] = NULL;
	fflush(stdout);
	if (posix_spawn(&pid, path, NULL, NULL, args, environ) != 0) {
		fprintf(stderr, "ranking: cannot run %s\n", path);
		return 1;
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return 1;
	return WEXITSTATUS(st);
}

int main(int argc, char **argv)
{
	const char *shared = getenv("CASELIB_SHARED");
	char path[4096], dir[] = "/tmp/caselib-ranking-XXXXXX";
	static struct bu_smart docs[NDOCS_MAX];
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	int rc = 1, cv = 0;
	FILE *f;
	int only = -1;
	double json[2][6];
	int json_done[2] = {0, 0};
	const char *tries[64];
	int ntries = 0, tryfail = 0, findability = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: ranking [--cv] [--no-findability]\n"
			       "               [--try 'k1 b title fb_docs fb_terms fb_weight']...\n"
			       "               [xapian|fts5]\n\n"
			       "Ranking quality on the Cranfield collection (MAP@1000, nDCG@10, P@10)\n"
			       "with the shipped parameters, plain BM25 and the untuned defaults;\n"
			       "--cv: two-fold cross-validated tuning (odd/even query numbers), with\n"
			       "JSON result lines at the end; --try: only the given parameters (MAP on\n"
			       "all, odd and even queries; RANKING_DUMP=1 adds per-query AP).\n"
			       "Then runs findability (bench/eval on the real corpus; not with --try\n"
			       "or --no-findability). Reads $CASELIB_SHARED (default ../shared/data).\n");
			return 0;
		}
		if (!strcmp(argv[i], "--cv")) {
			cv = 1;
		} else if (!strcmp(argv[i], "--no-findability")) {
			findability = 0;
		} else if (!strcmp(argv[i], "--try") && i + 1 < argc) {
			if (ntries == 64) {
				fprintf(stderr, "ranking: at most 64 --try\n");
				return 2;
			}
			tries[ntries++] = argv[++i];
		} else if ((only = engine_kind_from_name(argv[i])) < 0) {
			fprintf(stderr, "ranking: unknown engine or option '%s' (see --help)\n", argv[i]);
			return 2;
		}
	}
	if (!shared || !*shared)
		shared = "../shared/data";
	snprintf(path, sizeof path, "%s/cranfield/cran.all.1400", shared);
	if ((ndocs = bu_read_smart("ranking", path, docs, NDOCS_MAX)) < 0)
		return 2;
	snprintf(path, sizeof path, "%s/cranfield/cran.qry", shared);
	if ((nq = bu_read_smart("ranking", path, qs, NQ_MAX)) < 0)
		return 2;
	snprintf(path, sizeof path, "%s/cranfield/cranqrel", shared);
	if (!(f = fopen(path, "r"))) {
		fprintf(stderr, "ranking: cannot read %s\n", path);
		return 2;
	}
	{
		int q, d, c, nj = 0;
		while (fscanf(f, "%d %d %d", &q, &d, &c) == 3)
			if (q >= 1 && q <= NQ_MAX && d >= 1 && d <= NDOCS_MAX && c >= 1 && c <= 4) {
				qrel[q][d] = (signed char)c;
				nj++;
			}
		fclose(f);
		printf("cranfield: %d documents, %d queries, %d relevant judgements\n", ndocs, nq, nj);
	}

	if (!mkdtemp(dir) || store_open(dir, STORE_CREATE, &s, &eb) != CL_OK) {
		fprintf(stderr, "ranking: store: %s\n", eb.msg);
		return 1;
	}
	store_begin(s, &eb);
	for (int i = 0; i < ndocs; i++) {
		struct case_record c;
		struct case_source src = {0};
		struct store_put_result res;
		char id[32], url[96];

		case_init(&c);
		snprintf(id, sizeof id, "cran-%d", i + 1);
		snprintf(url, sizeof url, "file:///cranfield/cran.all.1400#%d", i + 1);
		c.id = id;
		c.kind = (char *)(uintptr_t) "case";
		c.title = docs[i].title[0] ? docs[i].title : (char *)(uintptr_t) "(untitled)";
		c.body = docs[i].text;
		c.language = (char *)(uintptr_t) "en";
		src.url = url;
		src.retrieved_at = (char *)(uintptr_t) "2026-11-27T00:00:00Z";
		c.sources = &src;
		c.nsources = 1;
		if (store_put_case(s, &c, "ranking", &res, &eb) != CL_OK) {
			fprintf(stderr, "ranking: %s: %s\n", id, eb.msg);
			goto out;
		}
	}
	store_commit(s, &eb);

	printf("\n| engine | parameters | MAP | nDCG@10 | P@10 | ms/query |\n"
	       "|---|---|---:|---:|---:|---:|\n");
	for (int k = 0; k < 2; k++) {
		struct engine *e = NULL;
		struct engine_rank_params p[3];
		static const char *const label[3] = {"untuned", "plain BM25", "shipped"};
		const struct run *r;
		char buf[256];

		if (only >= 0 && k != only)
			continue;
		if (engine_open((enum engine_kind)k, dir, s, 1, &e, &eb) != CL_OK ||
		    sync_engine(s, e, 0, NULL, NULL, NULL, &eb) != CL_OK) {
			fprintf(stderr, "ranking: %s: %s\n", engine_kind_name((enum engine_kind)k), eb.msg);
			engine_close(e);
			goto out;
		}
		ncache = 0;
		if (ntries) { /* --try "k1 b tw fbd fbt fbw": those only */
			for (int i = 0; i < ntries; i++) {
				struct engine_rank_params tp;
				engine_rank_params_default((enum engine_kind)k, &tp);
				if (sscanf(tries[i], "%lf %lf %lf %u %u %lf", &tp.k1, &tp.b,
					   &tp.title_weight, &tp.fb_docs, &tp.fb_terms,
					   &tp.fb_weight) != 6 ||
				    !(r = run_for(e, &tp))) {
					fprintf(stderr, "ranking: --try '%s': six numbers in range needed "
						"(k1 b title fb_docs fb_terms fb_weight)\n", tries[i]);
					tryfail = 1;
					break;
				}
				printf("%s try %s: MAP %.4f (odd %.4f, even %.4f) nDCG@10 %.4f P@10 %.4f, "
				       "%d queries by AND\n",
				       engine_kind_name((enum engine_kind)k), tries[i], mean(r->ap, r, 0),
				       mean(r->ap, r, 1), mean(r->ap, r, 2), mean(r->ndcg, r, 0),
				       mean(r->p10, r, 0), r->nand);
				if (getenv("RANKING_DUMP")) /* per-query AP, for diagnosis */
					for (int q = 1; q <= nq; q++)
						if (r->judged[q])
							printf("ap %d %.4f\n", q, r->ap[q]);
				fflush(stdout);
			}
			for (int i = 0; i < ncache; i++)
				free(cache[i].r);
			ncache = 0;
			engine_close(e);
			continue;
		}
		untuned((enum engine_kind)k, &p[0]);
		plain_bm25(&p[1]);
		engine_rank_params_default((enum engine_kind)k, &p[2]);
		for (int i = 0; i < 3; i++) {
			if (!(r = run_for(e, &p[i]))) {
				engine_close(e);
				goto out;
			}
			pfmt(&p[i], buf, sizeof buf);
			printf("| %s | %s: %s | %.4f | %.4f | %.4f | %.2f |\n",
			       engine_kind_name((enum engine_kind)k), label[i], buf, mean(r->ap, r, 0),
			       mean(r->ndcg, r, 0), mean(r->p10, r, 0), r->ms);
		}
		if (cv) {
			/* the tunable parameters of this engine */
			unsigned tunable[NPARAM] = {1, 1, 1, 1, 1, 1};
			double held[3] = {0, 0, 0};
			/* start: plain BM25 with feedback on (so that its terms and
			 * weight are searched too; fb_docs 0 can still win) */
			struct engine_rank_params start = p[1], all;
			char startbuf[256];

			start.fb_docs = 5;
			start.fb_terms = 40;
			start.fb_weight = 1.0;
			if (k == ENGINE_FTS5) /* SQLite's bm25() has k1 1.2, b 0.75 built in */
				tunable[P_K1] = tunable[P_B] = 0;
			all = start;
			pfmt(&start, startbuf, sizeof startbuf);

			printf("grid (coordinate search, %d rounds, start: %s):\n", ROUNDS, startbuf);
			for (int i = 0; i < NPARAM; i++) {
				printf("  %s:", pname[i]);
				for (int g = 0; grid[i][g] >= 0; g++)
					printf(" %g", grid[i][g]);
				printf("\n");
			}
			for (int fold = 1; fold <= 2; fold++) {
				struct engine_rank_params best = start;
				int test = fold == 1 ? 2 : 1;
				if (tune(e, fold, tunable, &best) != 0 || !(r = run_for(e, &best))) {
					engine_close(e);
					goto out;
				}
				pfmt(&best, buf, sizeof buf);
				printf("%s: tuned on the %s queries: %s\n  train MAP %.4f; held-out (%s) "
				       "MAP %.4f, nDCG@10 %.4f, P@10 %.4f\n",
				       engine_kind_name((enum engine_kind)k), fold == 1 ? "odd" : "even",
				       buf, mean(r->ap, r, fold), test == 1 ? "odd" : "even",
				       mean(r->ap, r, test), mean(r->ndcg, r, test), mean(r->p10, r, test));
				held[0] += mean(r->ap, r, test) / 2;
				held[1] += mean(r->ndcg, r, test) / 2;
				held[2] += mean(r->p10, r, test) / 2;
			}
			if (tune(e, 0, tunable, &all) != 0 || !(r = run_for(e, &all))) {
				engine_close(e);
				goto out;
			}
			pfmt(&all, buf, sizeof buf);
			printf("%s: cross-validated (mean of the two held-out halves): MAP %.4f, "
			       "nDCG@10 %.4f, P@10 %.4f\n%s: tuned on all queries (ship these): %s: "
			       "MAP %.4f\n%s: %d configurations evaluated\n",
			       engine_kind_name((enum engine_kind)k), held[0], held[1], held[2],
			       engine_kind_name((enum engine_kind)k), buf, mean(r->ap, r, 0),
			       engine_kind_name((enum engine_kind)k), ncache);
			r = run_for(e, &p[0]);
			json[k][0] = held[0];
			json[k][1] = held[1];
			json[k][2] = held[2];
			json[k][3] = mean(r->ap, r, 0);
			json[k][4] = mean(r->ndcg, r, 0);
			json[k][5] = mean(r->p10, r, 0);
			json_done[k] = 1;
		}
		for (int i = 0; i < ncache; i++)
			free(cache[i].r);
		ncache = 0;
		engine_close(e);
	}
	for (int k = 0; k < 2; k++) {
		static const char *const m[6] = {"map", "ndcg10", "p10", "map_untuned", "ndcg10_untuned",
						 "p10_untuned"};
		if (!json_done[k])
			continue;
		for (int i = 0; i < 6; i++)
			json_line(k == ENGINE_XAPIAN ? "caselib-xapian" : "caselib-fts5", m[i], json[k][i]);
	}
	rc = tryfail;
	if (!ntries && findability && run_findability(argv[0], only))
		rc = 1;
out:
	store_close(s);
	nftw(dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
	bu_smart_release(docs, ndocs);
	bu_smart_release(qs, nq);
	return rc;
}
