/* test_bm25ref.c — issue 12 point 8: each engine's plain ranking (BM25 k1
 * 1.2, b 0.75, no title boost, no feedback) reaches the MAP of a reference
 * BM25 written here over the same tokens on Cranfield (../shared/data).
 *
 * The reference: title + abstract as one text, analysed by textan's English
 * analyser (the engines' stems, stopwords dropped); doclen = the number of
 * those tokens; idf = ln(1 + (N - n + 0.5) / (n + 0.5)); the query's
 * distinct stems; AND first, and when no document has every stem, OR, or
 * OR at once from five query words — the engines' semantics
 * (docs/search.md). MAP over the first 100 hits, judged
 * codes 1..4 relevant, queries by position (bench/ranking.c does the same
 * at depth 1000). The comparison is relative (the engine against the
 * reference on the same data), never a fixed figure.
 *
 * Measured 2026-12-06 (docs/ranking.md, "Plain BM25 against a reference"):
 * with AND first for every query the engines were about 0.01 below
 * (reference 0.2815, Xapian 0.2713, FTS5 0.2708); since queries of five
 * or more words are ranked any-word at once (issue 12 point 4) they meet
 * it (reference 0.2969, Xapian 0.2968, FTS5 0.2959). GAP keeps them there.
 * The reference has the engines' minimum to match for those queries too
 * (semantics.h SEM_MSM_MIN; second session: reference 0.2954, Xapian
 * 0.2943 with the filter as AND_NOT, FTS5 0.2943).
 * The document-length suspicion of issue 12 was measured and is not the
 * cause. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "engine.h"
#include "store.h"
#include "sync.h"
#include "testutil.h"
#include "semantics.h"
#include "textan.h"

#define NDOCS 1400
#define NQ 225
#define DEPTH 100
#define GAP 0.005        /* allowed MAP below the reference (see above) */
#define VOCAB_MAX 16384 /* power of two; Cranfield has about 6,000 stems */

struct rec {
	char *title, *text;
};

static struct rec docs[NDOCS], qs[NQ];
static int ndocs, nq;
static signed char qrel[NQ + 1][NDOCS + 1];

/* SMART records (.I, with .T and .W kept), as bench/ranking.c reads them. */
static int parse_smart(char *text, struct rec *out, int max)
{
	int n = -1;
	char **field = NULL, *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (!strncmp(line, ".I", 2)) {
			if (n + 1 >= max)
				break;
			n++;
			out[n].title = calloc(1, 1);
			out[n].text = calloc(1, 1);
			field = NULL;
		} else if (n >= 0 && line[0] == '.' && len == 2) {
			field = line[1] == 'T' ? &out[n].title : line[1] == 'W' ? &out[n].text : NULL;
		} else if (field) {
			size_t old = strlen(*field);
			char *p = realloc(*field, old + len + 2);
			cr_assert_not_null(p);
			if (old)
				p[old++] = ' ';
			memcpy(p + old, line, len + 1);
			*field = p;
		}
	}
	return n + 1;
}

/* ---- the reference index ------------------------------------------------ */

static char *vocab[VOCAB_MAX];
static int df[VOCAB_MAX];
static int nvocab;
/* per document: its stems (ids) with their counts */
static int *dterm[NDOCS], *dtf[NDOCS], dn[NDOCS], dlen[NDOCS];

static int stem_id(const char *s, int add)
{
	unsigned h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 16777619u;
	for (unsigned i = h & (VOCAB_MAX - 1);; i = (i + 1) & (VOCAB_MAX - 1)) {
		if (!vocab[i]) {
			if (!add)
				return -1;
			cr_assert_lt(nvocab, VOCAB_MAX / 2, "vocabulary too large for the table");
			vocab[i] = strdup(s);
			nvocab++;
			return (int)i;
		}
		if (!strcmp(vocab[i], s))
			return (int)i;
	}
}

struct toks {
	int v[4096];
	int n;
	int add;
};

static int tok_cb(void *ud, const struct ta_token *t)
{
	struct toks *k = ud;
	int id = stem_id(t->term, k->add);
	if (id >= 0 && k->n < (int)(sizeof k->v / sizeof *k->v))
		k->v[k->n++] = id;
	return 0;
}

static void analyse(struct ta *ta, const char *text, struct toks *k, unsigned mode)
{
	k->n = 0;
	cr_assert_eq(ta_tokenize(ta, text, strlen(text), mode, tok_cb, k), CL_OK);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static void build_reference(struct ta *ta)
{
	static struct toks k;

	k.add = 1;
	for (int d = 0; d < ndocs; d++) {
		size_t n = strlen(docs[d].title) + strlen(docs[d].text) + 2;
		char *t = malloc(n);
		cr_assert_not_null(t);
		snprintf(t, n, "%s %s", docs[d].title, docs[d].text);
		analyse(ta, t, &k, 0);
		free(t);
		dlen[d] = k.n;
		qsort(k.v, (size_t)k.n, sizeof *k.v, cmp_int);
		dterm[d] = malloc(sizeof(int) * (size_t)(k.n + 1));
		dtf[d] = malloc(sizeof(int) * (size_t)(k.n + 1));
		cr_assert(dterm[d] && dtf[d]);
		dn[d] = 0;
		for (int i = 0; i < k.n; i++) {
			if (dn[d] && dterm[d][dn[d] - 1] == k.v[i]) {
				dtf[d][dn[d] - 1]++;
				continue;
			}
			dterm[d][dn[d]] = k.v[i];
			dtf[d][dn[d]++] = 1;
			df[k.v[i]]++;
		}
	}
}

static int tf_of(int d, int id)
{
	int lo = 0, hi = dn[d] - 1;
	while (lo <= hi) {
		int m = (lo + hi) / 2;
		if (dterm[d][m] == id)
			return dtf[d][m];
		if (dterm[d][m] < id)
			lo = m + 1;
		else
			hi = m - 1;
	}
	return 0;
}

struct scored {
	int d;
	double s;
};

static int cmp_scored(const void *a, const void *b)
{
	const struct scored *x = a, *y = b;
	if (x->s != y->s)
		return x->s < y->s ? 1 : -1;
	return x->d - y->d;
}

/* AP of query q (1-based) over the ranked list (document numbers 1-based). */
static double ap_of(int q, const int *ranked, int n)
{
	int nrel = 0, found = 0;
	double ap = 0;
	for (int d = 1; d <= ndocs; d++)
		nrel += qrel[q][d] != 0;
	if (!nrel)
		return -1;
	for (int i = 0; i < n; i++)
		if (ranked[i] >= 1 && ranked[i] <= ndocs && qrel[q][ranked[i]]) {
			found++;
			ap += (double)found / (i + 1);
		}
	return ap / nrel;
}

static double reference_map(struct ta *ta)
{
	static struct toks k;
	static struct scored sc[NDOCS];
	double avgdl = 0, sum = 0;
	int nj = 0;

	for (int d = 0; d < ndocs; d++)
		avgdl += dlen[d];
	avgdl /= ndocs;
	k.add = 0;
	for (int q = 1; q <= nq; q++) {
		int uq[256], nu = 0, ranked[DEPTH], nr = 0;
		double ap;

		analyse(ta, qs[q - 1].text, &k, TA_QUERY);
		for (int i = 0; i < k.n && nu < 256; i++) {
			int dup = 0;
			for (int j = 0; j < nu; j++)
				dup |= uq[j] == k.v[i];
			if (!dup)
				uq[nu++] = k.v[i];
		}
		/* five or more content words: any-word at once, with the minimum
		 * to match of engine.c: SEM_MSM_MIN of the SEM_MSM_CLAUSES stems
		 * of fewest documents, when more than SEM_MSM_MIN have any */
		int msm[256] = {0}, nmsm = 0;
		if (k.n >= SEM_LONG_QUERY_WORDS) {
			int with = 0;
			for (int j = 0; j < nu; j++)
				with += df[uq[j]] > 0;
			for (int pick = 0; with > SEM_MSM_MIN && pick < SEM_MSM_CLAUSES; pick++) {
				int best = -1;
				for (int j = 0; j < nu; j++)
					if (!msm[j] && df[uq[j]] > 0 &&
					    (best < 0 || df[uq[j]] < df[uq[best]]))
						best = j;
				if (best < 0)
					break;
				msm[best] = 1;
				nmsm++;
			}
		}
		for (int pass = k.n >= SEM_LONG_QUERY_WORDS ? 1 : 0; pass < 2 && nr == 0; pass++) {
			int n = 0;
			for (int d = 0; d < ndocs; d++) {
				double s = 0;
				int have = 0, have_msm = 0;
				for (int j = 0; j < nu; j++) {
					int tf = tf_of(d, uq[j]);
					double idf, norm;
					if (!tf)
						continue;
					have++;
					have_msm += msm[j];
					idf = log(1 + (ndocs - df[uq[j]] + 0.5) / (df[uq[j]] + 0.5));
					norm = 1.2 * (1 - 0.75 + 0.75 * dlen[d] / avgdl);
					s += idf * tf * 2.2 / (tf + norm);
				}
				if (have && (pass == 1 || have == nu) &&
				    (nmsm == 0 || have_msm >= SEM_MSM_MIN)) {
					sc[n].d = d + 1;
					sc[n++].s = s;
				}
			}
			qsort(sc, (size_t)n, sizeof *sc, cmp_scored);
			for (int i = 0; i < n && i < DEPTH; i++)
				ranked[nr++] = sc[i].d;
		}
		if ((ap = ap_of(q, ranked, nr)) >= 0) {
			sum += ap;
			nj++;
		}
	}
	return nj ? sum / nj : 0;
}

/* ---- the engines -------------------------------------------------------- */

static char *g_dir;
static struct store *g_s;

static void load(void)
{
	char *p, *t;
	size_t len;
	FILE *f;
	int qn, d, c;

	p = tu_shared("cranfield/cran.all.1400");
	t = tu_read_file(p, &len);
	cr_assert_not_null(t, "%s", p);
	ndocs = parse_smart(t, docs, NDOCS);
	free(t);
	free(p);
	p = tu_shared("cranfield/cran.qry");
	t = tu_read_file(p, &len);
	cr_assert_not_null(t, "%s", p);
	nq = parse_smart(t, qs, NQ);
	free(t);
	free(p);
	p = tu_shared("cranfield/cranqrel");
	f = fopen(p, "r");
	cr_assert_not_null(f, "%s", p);
	while (fscanf(f, "%d %d %d", &qn, &d, &c) == 3)
		if (qn >= 1 && qn <= NQ && d >= 1 && d <= NDOCS && c >= 1 && c <= 4)
			qrel[qn][d] = (signed char)c;
	fclose(f);
	free(p);
	cr_assert_eq(ndocs, NDOCS);
	cr_assert_eq(nq, NQ);
}

static void setup(void)
{
	struct cl_errbuf eb = {0};

	load();
	g_dir = tu_tmpdir();
	cr_assert_eq(store_open(g_dir, STORE_CREATE, &g_s, &eb), CL_OK, "store: %s", eb.msg);
	cr_assert_eq(store_begin(g_s, &eb), CL_OK);
	for (int i = 0; i < ndocs; i++) {
		struct case_record cr;
		struct case_source src = {0};
		struct store_put_result res;
		char id[32];

		case_init(&cr);
		snprintf(id, sizeof id, "cran-%d", i + 1);
		cr.id = id;
		cr.kind = (char *)(uintptr_t) "case";
		cr.title = docs[i].title[0] ? docs[i].title : (char *)(uintptr_t) "(untitled)";
		cr.body = docs[i].text;
		cr.language = (char *)(uintptr_t) "en";
		src.url = (char *)(uintptr_t) "file:///cranfield";
		src.retrieved_at = (char *)(uintptr_t) "2026-11-27T00:00:00Z";
		cr.sources = &src;
		cr.nsources = 1;
		cr_assert_eq(store_put_case(g_s, &cr, "test", &res, &eb), CL_OK, "%s", eb.msg);
	}
	cr_assert_eq(store_commit(g_s, &eb), CL_OK);
}

static void teardown(void)
{
	store_close(g_s);
	g_s = NULL;
	tu_rmtree(g_dir);
	free(g_dir);
	for (int i = 0; i < ndocs; i++) {
		free(docs[i].title);
		free(docs[i].text);
		free(dterm[i]);
		free(dtf[i]);
	}
	for (int i = 0; i < nq; i++) {
		free(qs[i].title);
		free(qs[i].text);
	}
	for (int i = 0; i < VOCAB_MAX; i++) {
		free(vocab[i]);
		vocab[i] = NULL;
	}
}

static double engine_map(enum engine_kind kind)
{
	struct engine *e = NULL;
	struct cl_errbuf eb = {0};
	struct engine_rank_params p = {1.2, 0.75, 0, 0, 0, 0};
	double sum = 0;
	int nj = 0;

	cr_assert_eq(engine_open(kind, g_dir, g_s, 1, &e, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(sync_engine(g_s, e, 0, NULL, NULL, NULL, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(engine_set_rank_params(e, &p, &eb), CL_OK, "%s", eb.msg);
	for (int q = 1; q <= nq; q++) {
		struct search_request rq;
		struct search_result r;
		int ranked[DEPTH], nr = 0;
		double ap;

		search_request_init(&rq);
		rq.text = qs[q - 1].text;
		rq.lang = "en";
		rq.limit = DEPTH;
		cr_assert_eq(engine_search(e, &rq, &r, &eb), CL_OK, "query %d: %s", q, eb.msg);
		for (size_t i = 0; i < r.nhits; i++)
			ranked[nr++] = atoi(r.hits[i].id + 5);
		search_result_release(&r);
		if ((ap = ap_of(q, ranked, nr)) >= 0) {
			sum += ap;
			nj++;
		}
	}
	engine_close(e);
	return nj ? sum / nj : 0;
}

static double g_ref = -1;

static double ref(void)
{
	struct ta *ta = NULL;
	struct cl_errbuf eb = {0};

	if (g_ref >= 0)
		return g_ref;
	cr_assert_eq(ta_open(&ta, "en", 0, &eb), CL_OK, "%s", eb.msg);
	build_reference(ta);
	g_ref = reference_map(ta);
	ta_close(ta);
	return g_ref;
}

static void check(enum engine_kind k)
{
	double r = ref(), m = engine_map(k);

	cr_log_info("cranfield MAP@%d: reference BM25 %.4f, %s plain %.4f", DEPTH, r,
		    engine_kind_name(k), m);
	fprintf(stderr, "bm25ref: cranfield MAP@%d: reference BM25 %.4f, %s plain %.4f\n", DEPTH,
		r, engine_kind_name(k), m);
	cr_assert_gt(r, 0.2, "the reference itself works (MAP %.4f)", r);
	cr_expect_geq(m, r - GAP, "%s's plain BM25 (MAP %.4f) within %.3f of the reference (%.4f)",
		      engine_kind_name(k), m, GAP, r);
}

TestSuite(bm25ref, .init = setup, .fini = teardown, .timeout = 600);

Test(bm25ref, xapian_plain_near_reference) { check(ENGINE_XAPIAN); }
Test(bm25ref, fts5_plain_near_reference) { check(ENGINE_FTS5); }
