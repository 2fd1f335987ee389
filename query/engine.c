/* engine.c — the engine-independent half of search: request validation,
 * query parsing, AND -> OR fallback, disjunctive facet passes, spelling
 * suggestions, the words snippets mark, and dispatch to the engine's ops.
 * The shared rules themselves are in semantics.c; helpers in engine_util.c. */
#include "engine_impl.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbuf.h"
#include "synonyms.h"
#include "taxonomy.h"
#include "textan.h"


/* --- dispatch ---------------------------------------------------------- */

int engine_open(enum engine_kind k, const char *data_dir, struct store *s, int writable,
		struct engine **out, struct cl_errbuf *eb)
{
	struct engine *e;
	int rc;

	*out = NULL;
	if (k != ENGINE_XAPIAN && k != ENGINE_FTS5)
		return cl_fail(eb, CL_EINVAL, "unknown engine %d", (int)k);
	if ((rc = tax_load(eb)) != CL_OK)
		return rc;
	e = calloc(1, sizeof *e);
	if (!e)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	e->kind = k;
	e->ops = k == ENGINE_XAPIAN ? &engine_xapian_ops : &engine_fts5_ops;
	engine_rank_params_default(k, &e->rank);
	rc = e->ops->open(e, data_dir, s, writable, eb);
	if (rc != CL_OK) {
		free(e);
		return rc;
	}
	*out = e;
	return CL_OK;
}

void engine_close(struct engine *e)
{
	if (!e)
		return;
	e->ops->close(e);
	ta_close(e->ta_fold);
	ta_close(e->ta_stop);
	tr_close(e->tr);
	free(e);
}

enum engine_kind engine_get_kind(const struct engine *e)
{
	return e->kind;
}

int engine_put(struct engine *e, const struct case_record *c, struct cl_errbuf *eb)
{
	e->gen++; /* counting layer: this handle changed (fcount.h) */
	return e->ops->put(e, c, eb);
}

int engine_delete(struct engine *e, const char *id, struct cl_errbuf *eb)
{
	e->gen++; /* counting layer: this handle changed (fcount.h) */
	return e->ops->del(e, id, eb);
}

int engine_commit(struct engine *e, int64_t seq, struct cl_errbuf *eb)
{
	e->gen++; /* counting layer: this handle changed (fcount.h) */
	return e->ops->commit(e, seq, eb);
}

void engine_counting_stats(const struct engine *e, unsigned long *builds,
			   unsigned long *deltas)
{
	if (builds)
		*builds = e ? e->fc_builds : 0;
	if (deltas)
		*deltas = e ? e->fc_deltas : 0;
}

int engine_last_seq(struct engine *e, int64_t *seq, struct cl_errbuf *eb)
{
	return e->ops->last_seq(e, seq, eb);
}

int engine_clear(struct engine *e, struct cl_errbuf *eb)
{
	e->gen++; /* counting layer: this handle changed (fcount.h) */
	return e->ops->clear(e, eb);
}

int engine_bulk_begin(struct engine *e, struct cl_errbuf *eb)
{
	return e->ops->bulk_begin ? e->ops->bulk_begin(e, eb) : e->ops->clear(e, eb);
}

int engine_count(struct engine *e, long *n, struct cl_errbuf *eb)
{
	return e->ops->count(e, n, eb);
}

int engine_foreach_id(struct engine *e, int (*cb)(const char *id, void *ud), void *ud,
		      struct cl_errbuf *eb)
{
	return e->ops->foreach_id(e, cb, ud, eb);
}

/* --- spelling suggestions (the rule: semantics.h) --------------------- */

/* Where the clause's text starts in the query (qparse keeps pos, the
 * start of the clause with its '-' and field), -1 when not found. */
static long clause_text_at(const char *text, size_t len, const struct qp_clause *c)
{
	size_t p = c->pos, j, tl = strlen(c->text);
	const char *hit;

	if (p < len && text[p] == '-')
		p++;
	if (c->field != QP_ANY) {
		for (j = p; j < len && text[j] != ':' && text[j] != ' ' && text[j] != '"'; j++)
			;
		if (j < len && text[j] == ':')
			p = j + 1;
	}
	if (p < len && text[p] == '"')
		p++;
	if (p > len || tl == 0)
		return -1;
	hit = memmem(text + p, len - p, c->text, tl);
	return hit ? (long)(hit - text) : -1;
}

struct span {
	size_t start, end;
	char *word;
};

struct spans {
	struct span v[QP_CLAUSES_MAX * 4];
	size_t n;
	size_t off; /* offset of the clause text in the query */
};

static int span_cb(void *ud, const struct ta_token *tok)
{
	struct spans *s = ud;

	if (s->n == sizeof s->v / sizeof *s->v)
		return 0;
	s->v[s->n].start = s->off + tok->start;
	s->v[s->n].end = s->off + tok->end;
	s->v[s->n].word = strndup(tok->term, tok->len);
	if (!s->v[s->n].word)
		return CL_ENOMEM;
	s->n++;
	return 0;
}

#define SUGG_TIES_MAX 64

/* The candidates at the smallest distance seen so far. */
struct cands {
	const char *word;
	struct ta *stop; /* stopwords are never suggested (FTS5 cannot count them) */
	int maxd, bestd;
	char *v[SUGG_TIES_MAX];
	long ncases[SUGG_TIES_MAX]; /* cases with v[i] as written */
	size_t n;
};

static int cand_cb(void *ud, const char *w, long ncases)
{
	struct cands *c = ud;
	int d;

	if (!sem_spell_candidate(w) || !strcmp(w, c->word) || ta_is_stopword(c->stop, w, strlen(w)))
		return 0;
	d = sem_osa_distance(c->word, w, c->maxd);
	if (d > c->maxd || d > c->bestd)
		return 0;
	if (d < c->bestd) {
		for (size_t i = 0; i < c->n; i++)
			free(c->v[i]);
		c->n = 0;
		c->bestd = d;
	}
	if (c->n == SUGG_TIES_MAX)
		return 0;
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i], w))
			return 0;
	if (!(c->v[c->n] = strdup(w)))
		return CL_ENOMEM;
	c->ncases[c->n] = ncases;
	c->n++;
	return 0;
}

/* The best dictionary word for the unknown folded word w: the smallest
 * edit distance (semantics.h), then the most cases (word_df, which counts
 * a word's inflections too), then the most cases with the word as written
 * (of markarbete and markarbeten, which find the same 68 cases, the one
 * written in 63 of them, not in 5), then the first in byte order; only a word of at least SEM_SPELL_MIN_DF cases (a
 * suggestion goes towards a much more frequent word: w has none). *out NULL
 * when none is close and frequent enough. *confident (may be NULL): 1 when
 * the best is one edit away and is the only candidate there, or has
 * SEM_SPELL_CONFIDENT times the cases of every other one (semantics.h). */
static int best_candidate(struct engine *e, const char *w, char **out, int *confident,
			  struct cl_errbuf *eb)
{
	size_t na = sem_cp_count(w, strlen(w));
	int maxd = sem_spell_max_dist(na);
	struct cands c = {w, e->ta_stop, maxd, maxd + 1, {NULL}, {0}, 0};
	long bestdf = -1, nextdf = 0, bestn = -1;
	int rc;

	*out = NULL;
	if (confident)
		*confident = 0;
	if (na > TA_WORD_MAX_CHARS)
		return CL_OK;
	/* a walk that a writer's commits overtook (CL_EBUSY) is walked again
	 * from the start on the newest revision, up to three times */
	for (int attempt = 1;; attempt++) {
		rc = e->ops->spell_words(e, na > (size_t)c.maxd ? na - (size_t)c.maxd : 0,
					 na + (size_t)c.maxd, cand_cb, &c, eb);
		if (rc != CL_EBUSY || attempt >= 3)
			break;
		for (size_t i = 0; i < c.n; i++)
			free(c.v[i]);
		c.n = 0;
		c.bestd = maxd + 1;
	}
	if (rc == CL_ENOMEM)
		rc = cl_fail(eb, rc, "suggest: out of memory");
	for (size_t i = 0; i < c.n && rc == CL_OK; i++) {
		long df = 0;
		if ((rc = e->ops->word_df(e, c.v[i], &df, eb)) != CL_OK)
			break;
		if (df > bestdf ||
		    (df == bestdf && (c.ncases[i] > bestn ||
				      (c.ncases[i] == bestn && strcmp(c.v[i], *out) < 0)))) {
			if (bestdf > nextdf)
				nextdf = bestdf;
			*out = c.v[i];
			bestdf = df;
			bestn = c.ncases[i];
		} else if (df > nextdf) {
			nextdf = df;
		}
	}
	if (rc != CL_OK || bestdf < SEM_SPELL_MIN_DF)
		*out = NULL;
	if (*out && confident)
		*confident = c.bestd == 1 && bestdf >= SEM_SPELL_CONFIDENT * nextdf;
	for (size_t i = 0; i < c.n; i++)
		if (c.v[i] != *out)
			free(c.v[i]);
	return rc;
}

static int open_analysers(struct engine *e, struct cl_errbuf *eb)
{
	int rc;

	if (!e->ta_fold && (rc = ta_open(&e->ta_fold, "none", TA_NO_STOPWORDS, eb)) != CL_OK)
		return rc;
	if (!e->ta_stop && (rc = ta_open(&e->ta_stop, "auto", 0, eb)) != CL_OK)
		return rc;
	if (!e->tr && (rc = tr_open(&e->tr, eb)) != CL_OK)
		return rc;
	return CL_OK;
}

/* The words of q's positive word and phrase clauses, with their places in
 * text: the only words a suggestion may rewrite (never a negated word, a
 * prefix or a field name). */
static int suggest_spans(struct engine *e, const char *text, const struct qp_query *q,
			 struct spans *sp, struct cl_errbuf *eb)
{
	size_t len = strlen(text);

	for (size_t i = 0; i < q->n; i++) {
		const struct qp_clause *c = &q->v[i];
		long pos;
		int rc;
		if (c->kind == QP_PREFIX || c->negated ||
		    (pos = clause_text_at(text, len, c)) < 0)
			continue;
		sp->off = (size_t)pos;
		rc = ta_tokenize(e->ta_fold, c->text, strlen(c->text), TA_NO_EXTRA, span_cb, sp);
		if (rc != CL_OK)
			return cl_fail(eb, rc, "suggest: %s", cl_strerror(rc));
	}
	return CL_OK;
}

/* Is the folded word w known to a lexicon: the synonym table, the Swedish
 * dictionary (textan.h ta_dict_knows) or the translation lexicon
 * (translate.h tr_knows)? Such a word is correct even when no case has it
 * ("skolmat", "funderar", "meals"). */
static int lexicon_knows(struct engine *e, const char *w, size_t wl)
{
	size_t n = 0;

	if (syn_lookup(w, &n) && n > 0)
		return 1;
	return ta_dict_knows(e->ta_stop, w, wl) || tr_knows(e->tr, w);
}

/* engine_suggest, and *confident (may be NULL): 1 when every word it
 * rewrites has a confident candidate (best_candidate). */
static int suggest_impl(struct engine *e, const char *text, char **out, int *confident,
			struct cl_errbuf *eb)
{
	struct qp_query q;
	struct spans sp;
	struct dbuf b = DBUF_INIT(8 * QP_TEXT_MAX);
	size_t len, at = 0, ncontent = 0;
	int changed = 0, rc, all_confident = 1;

	*out = NULL;
	if (confident)
		*confident = 0;
	if (!text || !*text)
		return CL_OK;
	len = strlen(text);
	qp_init(&q);
	sp.n = 0;
	if ((rc = qp_parse(text, len, &q, eb)) != CL_OK)
		return rc;
	if ((rc = open_analysers(e, eb)) != CL_OK || (rc = suggest_spans(e, text, &q, &sp, eb)) != CL_OK)
		goto out;
	for (size_t i = 0; i < sp.n; i++)
		ncontent += !ta_is_stopword(e->ta_stop, sp.v[i].word, strlen(sp.v[i].word));
	/* a long query (a description of a need) gets no suggestion */
	for (size_t i = 0; ncontent < SEM_SPELL_MAX_WORDS && i < sp.n; i++) {
		const char *w = sp.v[i].word;
		size_t wl = strlen(w);
		char *cand = NULL;
		long df = 0;
		int conf = 0;

		if (!sem_spell_checked(w, wl) || ta_is_stopword(e->ta_stop, w, wl) ||
		    sp.v[i].start < at)
			continue;
		if ((rc = e->ops->word_df(e, w, &df, eb)) != CL_OK)
			goto out;
		if (df > 0 || lexicon_knows(e, w, wl))
			continue;
		if ((rc = best_candidate(e, w, &cand, &conf, eb)) != CL_OK)
			goto out;
		if (!cand)
			continue;
		all_confident &= conf;
		dbuf_add(&b, text + at, sp.v[i].start - at);
		dbuf_puts(&b, cand);
		at = sp.v[i].end;
		changed = 1;
		free(cand);
	}
	if (changed) {
		dbuf_add(&b, text + at, len - at);
		if (b.err) {
			rc = cl_fail(eb, b.err, "suggest: %s", cl_strerror(b.err));
			goto out;
		}
		*out = b.p;
		b.p = NULL;
		if (confident)
			*confident = all_confident;
	}
	rc = CL_OK;
out:
	for (size_t i = 0; i < sp.n; i++)
		free(sp.v[i].word);
	dbuf_release(&b);
	qp_release(&q);
	return rc;
}

int engine_suggest(struct engine *e, const char *text, char **out, struct cl_errbuf *eb)
{
	return suggest_impl(e, text, out, NULL, eb);
}

/* The shipped ranking parameters: tuned on Cranfield with all queries
 * (`make ranking`, bench/ranking.c --cv; docs/ranking.md). */
void engine_rank_params_default(enum engine_kind k, struct engine_rank_params *p)
{
	memset(p, 0, sizeof *p);
	if (k == ENGINE_XAPIAN) { /* RM3 feedback (query/xs.h prf_*) */
		p->k1 = 3.0;
		p->b = 0.5;
		p->title_weight = 0; /* the index already weighs title words 3 (wdf) */
		p->fb_docs = 2;
		p->fb_terms = 40;
		p->fb_weight = 2.5;
	} else {
		p->k1 = 1.2; /* SQLite's bm25() has k1 1.2, b 0.75 built in */
		p->b = 0.75;
		p->title_weight = 3; /* title column weight 4 */
		p->fb_docs = 2;
		p->fb_terms = 40;
		p->fb_weight = 2.5;
	}
}

/* Ranking parameters: the ranges engine.h states. */
int engine_set_rank_params(struct engine *e, const struct engine_rank_params *p,
			   struct cl_errbuf *eb)
{
	if (!e || !p)
		return cl_fail(eb, CL_EINVAL, "ranking parameters: no engine or no parameters");
	if (!(p->k1 >= 0 && p->k1 <= 10))
		return cl_fail(eb, CL_EINVAL, "ranking parameter k1 must be within 0..10");
	if (!(p->b >= 0 && p->b <= 1))
		return cl_fail(eb, CL_EINVAL, "ranking parameter b must be within 0..1");
	if (!(p->title_weight >= 0 && p->title_weight <= 50))
		return cl_fail(eb, CL_EINVAL, "ranking parameter title_weight must be within 0..50");
	if (p->fb_docs > 100)
		return cl_fail(eb, CL_EINVAL, "ranking parameter fb_docs must be within 0..100");
	if (p->fb_terms > 200)
		return cl_fail(eb, CL_EINVAL, "ranking parameter fb_terms must be within 0..200");
	if (!(p->fb_weight >= 0 && p->fb_weight <= 10))
		return cl_fail(eb, CL_EINVAL, "ranking parameter fb_weight must be within 0..10");
	e->rank = *p;
	return CL_OK;
}

void engine_get_rank_params(const struct engine *e, struct engine_rank_params *p)
{
	*p = e->rank;
}

static int check_request(const struct search_request *rq, struct cl_errbuf *eb)
{
	if (rq->limit > ENGINE_LIMIT_MAX)
		return cl_fail(eb, CL_EINVAL, "limit %zu is over the maximum of %d", rq->limit,
			       ENGINE_LIMIT_MAX);
	if (rq->offset > ENGINE_OFFSET_MAX)
		return cl_fail(eb, CL_EINVAL, "offset %zu is over the maximum of %d", rq->offset,
			       ENGINE_OFFSET_MAX);
	if (rq->sort != SORT_RELEVANCE && rq->sort != SORT_DATE_DESC && rq->sort != SORT_DATE_ASC)
		return cl_fail(eb, CL_EINVAL, "unknown sort order");
	if (rq->lang && strcmp(rq->lang, "sv") && strcmp(rq->lang, "en"))
		return cl_fail(eb, CL_EINVAL, "query language must be sv or en");
	if ((rq->year_from && (rq->year_from < 1900 || rq->year_from > 2100)) ||
	    (rq->year_to && (rq->year_to < 1900 || rq->year_to > 2100)))
		return cl_fail(eb, CL_EINVAL, "years must be within 1900..2100");
	if (rq->year_from && rq->year_to && rq->year_from > rq->year_to)
		return cl_fail(eb, CL_EINVAL, "year range %d..%d is empty", rq->year_from,
			       rq->year_to);
	if (rq->facets & ~ENGINE_ALL_FACETS)
		return cl_fail(eb, CL_EINVAL, "unknown facet in the facet mask");
	for (int f = 0; f < EF_COUNT; f++) {
		if (rq->nfilters[f] > ENGINE_FILTER_VALUES_MAX)
			return cl_fail(eb, CL_EINVAL, "too many values for filter %s (at most %d)",
				       engine_facet_name((enum engine_facet)f), ENGINE_FILTER_VALUES_MAX);
		if (rq->nfilters[f] && !rq->filters[f])
			return cl_fail(eb, CL_EINVAL, "filter %s has no values", engine_facet_name((enum engine_facet)f));
		for (size_t i = 0; i < rq->nfilters[f]; i++) {
			char why[160];
			const char *bad = facet_check_value(f, rq->filters[f][i], why, sizeof why);
			if (bad)
				return cl_fail(eb, CL_EINVAL, "filter %s: %s",
					       engine_facet_name((enum engine_facet)f), bad);
		}
	}
	return CL_OK;
}

/* Facets whose counts come from the main pass: asked for and not filtered;
 * and ENGINE_COUNT_DISJ: an engine with a counting layer counts them all
 * in the main pass (engine_impl.h). */
static unsigned main_mask(const struct search_request *rq)
{
	unsigned m = ENGINE_COUNT_DISJ;
	for (int f = 0; f < EF_COUNT; f++)
		if ((rq->facets & (1u << f)) && rq->nfilters[f] == 0)
			m |= 1u << f;
	return m;
}

/* Disjunctive counts: for every asked facet that is filtered, count over
 * the match set with that facet's own filter removed. */
typedef int (*pass_fn)(struct engine *e, const struct search_request *rq, void *arg,
		       unsigned mask, struct search_result *res, struct cl_errbuf *eb);

static int disjunctive(struct engine *e, const struct search_request *rq, void *arg,
		       pass_fn pass, struct search_result *res, struct cl_errbuf *eb)
{
	/* the main pass counted every facet already (ENGINE_COUNT_DISJ) */
	int done = e->disj_done;
	e->disj_done = 0;
	for (int f = 0; f < EF_COUNT && !done; f++) {
		struct search_request sub;
		struct search_result tmp;
		int rc;

		if (!(rq->facets & (1u << f)) || rq->nfilters[f] == 0)
			continue;
		sub = *rq;
		sub.filters[f] = NULL;
		sub.nfilters[f] = 0;
		sub.offset = 0;
		sub.limit = 0;
		sub.snippets = 0;
		search_result_init(&tmp);
		rc = pass(e, &sub, arg, 1u << f, &tmp, eb);
		if (rc != CL_OK) {
			search_result_release(&tmp);
			return rc;
		}
		engine_facet_counts_release(&res->facets[f]);
		res->facets[f] = tmp.facets[f];
		tmp.facets[f].v = NULL;
		tmp.facets[f].n = 0;
		search_result_release(&tmp);
	}
	for (int f = 0; f < EF_COUNT; f++)
		engine_facet_sort(&res->facets[f]);
	return CL_OK;
}

/* --- compounds from separate words (issue 12 point 2) ----------------- */

/* Two adjacent positive one-word clauses a b of the same field whose
 * compound is a known word (word_df > 0) both get it as one more
 * alternative (qp_clause.join): "röjning snö" also finds snöröjning, "snö
 * röjning" too. Tried: ab, a+s+b, ba, b+s+a, and a modifier without its
 * final -a/-e (skola mat -> skolmat); the one of most cases wins. So the
 * clauses still AND: a case with both words, or with the compound.
 * Swedish queries only (lang sv, the default). */
static int join_compounds(struct engine *e, struct qp_query *q, struct cl_errbuf *eb)
{
	for (size_t i = 0; i + 1 < q->n; i++) {
		struct qp_clause *a = &q->v[i], *b = &q->v[i + 1];
		char *fa = NULL, *fb = NULL, *best = NULL;
		long bestdf = 0;
		int rc = CL_OK;

		if (a->kind != QP_WORD || b->kind != QP_WORD || a->negated || b->negated ||
		    a->field != b->field || a->join || strchr(a->text, ' ') || strchr(b->text, ' '))
			continue;
		if (ta_fold(a->text, strlen(a->text), &fa, NULL) != CL_OK ||
		    ta_fold(b->text, strlen(b->text), &fb, NULL) != CL_OK) {
			free(fa);
			free(fb);
			return cl_fail(eb, CL_ENOMEM, "compounds: out of memory");
		}
		for (int k = 0; k < 6 && rc == CL_OK; k++) {
			const char *m = k & 1 ? fb : fa, *h = k & 1 ? fa : fb;
			size_t ml = strlen(m);
			char cand[2 * QP_TEXT_MAX];
			long df = 0;
			if (ml < 2 || strlen(h) < 2 || ta_is_stopword(e->ta_stop, m, ml) ||
			    ta_is_stopword(e->ta_stop, h, strlen(h)))
				break;
			if (k >= 4 && !(m[ml - 1] == 'a' || m[ml - 1] == 'e'))
				continue;
			snprintf(cand, sizeof cand, "%.*s%s%s", (int)(k >= 4 ? ml - 1 : ml), m,
				 k == 2 || k == 3 ? "s" : "", h);
			if ((rc = e->ops->word_df(e, cand, &df, eb)) == CL_OK && df > bestdf) {
				free(best);
				best = strdup(cand);
				bestdf = df;
				if (!best)
					rc = cl_fail(eb, CL_ENOMEM, "compounds: out of memory");
			}
		}
		free(fa);
		free(fb);
		if (rc != CL_OK) {
			free(best);
			return rc;
		}
		if (best && !(b->join = strdup(best))) {
			free(best);
			return cl_fail(eb, CL_ENOMEM, "compounds: out of memory");
		}
		a->join = best;
	}
	return CL_OK;
}

struct text_pass {
	const struct qp_query *q;
	int or_mode;
};

static int text_pass(struct engine *e, const struct search_request *rq, void *arg,
		     unsigned mask, struct search_result *res, struct cl_errbuf *eb)
{
	struct text_pass *tp = arg;
	return e->ops->search(e, rq, tp->q, tp->or_mode, mask, res, eb);
}

/* The query found nothing and its suggestion is confident: res becomes
 * the suggestion's results (when it finds something), with
 * suggestion_shown set ("showing results for"; docs/search.md). The
 * suggestion has only known words, so its own search suggests nothing. */
static int show_suggestion(struct engine *e, const struct search_request *rq,
			   struct search_result *res, struct cl_errbuf *eb)
{
	struct search_request rq2 = *rq;
	struct search_result r2;
	int rc;

	rq2.text = res->suggestion;
	if ((rc = engine_search(e, &rq2, &r2, eb)) != CL_OK)
		return rc;
	if (r2.total == 0) {
		search_result_release(&r2);
		return CL_OK;
	}
	free(r2.suggestion);
	r2.suggestion = res->suggestion;
	res->suggestion = NULL;
	search_result_release(res);
	*res = r2;
	res->suggestion_shown = 1;
	return CL_OK;
}

/* Positive one-word clauses that are not stopwords. */
static size_t content_words(struct engine *e, const struct qp_query *q)
{
	size_t n = 0;

	for (size_t i = 0; i < q->n; i++) {
		const struct qp_clause *c = &q->v[i];
		char *f = NULL;
		size_t fl = 0;
		if (c->negated || c->kind != QP_WORD || strchr(c->text, ' ') ||
		    ta_fold(c->text, strlen(c->text), &f, &fl) != CL_OK)
			continue;
		n += !ta_is_stopword(e->ta_stop, f, fl);
		free(f);
	}
	return n;
}

/* --- facet values named in the query (issue 12 point 3) ---------------- */

/* The vocabularies' labels folded once per process (the tables are
 * compiled in): [facet][entry][0 sv, 1 en], NULL when absent or out of
 * memory (that label is then never offered). */
static char **g_folded[TAX_NFACETS];
/* ... and the Swedish stem of each one-word Swedish label ([facet][entry],
 * NULL for a label of several words), so that a query word's stem is
 * compared without stemming every label per query (named_value) */
static char **g_stem[TAX_NFACETS];
static pthread_once_t g_folded_once = PTHREAD_ONCE_INIT;

static void fold_labels(void)
{
	struct cl_errbuf eb = {0};
	struct ta *ta = NULL;

	if (ta_open(&ta, "auto", 0, &eb) != CL_OK)
		ta = NULL; /* no stems: labels match as written only */
	for (int f = 0; f < TAX_NFACETS; f++) {
		size_t n = 0;
		const struct tax_entry *te = tax_entries((enum tax_facet)f, &n);
		if (!te || !n || !(g_folded[f] = calloc(2 * n, sizeof *g_folded[f])))
			continue;
		g_stem[f] = calloc(n, sizeof *g_stem[f]);
		for (size_t k = 0; k < n; k++) {
			char st[256];
			const char *sv;
			for (int l = 0; l < 2; l++) {
				const char *lab = l ? te[k].label_en : te[k].label_sv;
				if (!lab || ta_fold(lab, strlen(lab), &g_folded[f][2 * k + l], NULL) != CL_OK)
					g_folded[f][2 * k + l] = NULL;
			}
			sv = g_folded[f][2 * k];
			if (ta && g_stem[f] && sv && !strchr(sv, ' ') &&
			    ta_stem_word(ta, sv, strlen(sv), st, sizeof st) > 0)
				g_stem[f][k] = strdup(st);
		}
	}
	ta_close(ta);
}

/* 1 when label l (0 sv, 1 en) of entry k of vocabulary v, folded, is f. */
static int label_is(int v, size_t k, int l, const char *f)
{
	pthread_once(&g_folded_once, fold_labels);
	return g_folded[v] && g_folded[v][2 * k + l] && !strcmp(g_folded[v][2 * k + l], f);
}

/* The facets whose values a query word may name: not the kind ("upphandling"
 * is every procurement notice), nor the facets without a vocabulary. */
static int nameable_facet(int fc)
{
	const struct facet_def *d = facet_def(fc);
	return d && d->vocab != FACET_NO_VOCAB && fc != EF_KIND;
}

/* The facet value whose Swedish or English label is the folded text f (a
 * one-word label also matches a word of the same Swedish stem: "kommuner"
 * names Kommun): *facet and *code (static), 1; else 0. */
static int named_value(struct engine *e, const char *f, size_t fl, int *facet, const char **code)
{
	char st[256];
	int have_st = !strchr(f, ' ') && ta_stem_word(e->ta_stop, f, fl, st, sizeof st) > 0;

	for (int fc = 0; fc < EF_COUNT; fc++) {
		const struct tax_entry *te;
		size_t n = 0;
		if (!nameable_facet(fc))
			continue;
		te = tax_entries((enum tax_facet)facet_def(fc)->vocab, &n);
		for (size_t k = 0; te && k < n; k++) {
			int v = facet_def(fc)->vocab, hit = label_is(v, k, 0, f) || label_is(v, k, 1, f);
			if (!hit && have_st && g_stem[v] && g_stem[v][k])
				hit = !strcmp(st, g_stem[v][k]);
			if (hit) {
				*facet = fc;
				*code = te[k].code;
				return 1;
			}
		}
	}
	return 0;
}

/* Issue 12 point 3: the first positive word, phrase or translated run of
 * words of q that names a facet value (named_value) gets it on each of
 * its clauses (qp_clause.facet_code): the engines then also match the
 * cases tagged with the value, with no weight of their own ("kommun"
 * finds the municipalities' cases that do not say the word; in an AND
 * query "snöröjning kommun" they must still match snöröjning). One value
 * per query, and none in a query with a negated clause (the FTS5 engine
 * adds the tagged cases as a set, which a NOT would have to leave out). */
static int name_facets(struct engine *e, struct qp_query *q, struct cl_errbuf *eb)
{
	for (size_t i = 0; i < q->n; i++)
		if (q->v[i].negated)
			return CL_OK;
	for (size_t i = 0; i < q->n; i++) {
		struct qp_clause *c = &q->v[i];
		size_t run = c->trans_run > 1 ? (size_t)c->trans_run : 1, fl = 0;
		struct dbuf b = DBUF_INIT(512);
		char *f = NULL;
		const char *code = NULL;
		int facet = 0, hit;

		if (c->kind == QP_PREFIX || (c->field != QP_ANY && c->field != QP_TITLE &&
					     c->field != QP_BODY) || i + run > q->n)
			continue;
		for (size_t k = 0; k < run; k++) {
			if (k)
				dbuf_add(&b, " ", 1);
			dbuf_puts(&b, q->v[i + k].text);
		}
		if (b.err || b.n == 0) { /* nothing, or longer than any label */
			dbuf_release(&b);
			continue;
		}
		if (ta_fold(b.p, b.n, &f, &fl) != CL_OK) {
			dbuf_release(&b);
			return cl_fail(eb, CL_ENOMEM, "facet names: out of memory");
		}
		dbuf_release(&b);
		hit = named_value(e, f, fl, &facet, &code);
		free(f);
		if (hit) {
			for (size_t k = 0; k < run; k++) {
				q->v[i + k].facet = facet;
				q->v[i + k].facet_code = code;
			}
			return CL_OK;
		}
	}
	return CL_OK;
}

/* --- a long query's minimum to match (issue 12 point 4) ----------------- */

/* The words of one clause for clause_df (ta_tokenize of the folding
 * analyser: "navier-stokes" is two words, as both engines index it). */
struct cwords {
	struct engine *e;
	struct cl_errbuf *eb;
	long df; /* the fewest cases of a content word; -1: none yet */
	int rc;
};

static int cword_cb(void *ud, const struct ta_token *tok)
{
	struct cwords *w = ud;
	char buf[256];
	long df = 0;

	if (tok->len >= sizeof buf || ta_is_stopword(w->e->ta_stop, tok->term, tok->len))
		return 0;
	memcpy(buf, tok->term, tok->len);
	buf[tok->len] = '\0';
	if ((w->rc = w->e->ops->word_df(w->e, buf, &df, w->eb)) != CL_OK)
		return w->rc;
	if (w->df < 0 || df < w->df)
		w->df = df;
	return 0;
}

/* The clause's cases for pick_msm: its words' (word_df; of a clause of
 * several words the fewest, as all of them must be there) plus its
 * one-word translations'; 0: nothing the library has. */
static int clause_df(struct engine *e, const struct qp_clause *c, long *out, struct cl_errbuf *eb)
{
	struct cwords w = {e, eb, -1, CL_OK};
	int rc;

	*out = 0;
	rc = ta_tokenize(e->ta_fold, c->text, strlen(c->text), TA_NO_EXTRA, cword_cb, &w);
	if (rc != CL_OK)
		return w.rc != CL_OK ? w.rc : cl_fail(eb, rc, "out of memory");
	if (w.df < 0) /* stopwords only */
		return CL_OK;
	*out = w.df;
	for (size_t k = 0; k < c->ntrans && rc == CL_OK; k++) {
		char *f = NULL;
		size_t fl = 0;
		long df = 0;
		if (strchr(c->trans[k], ' ') || ta_fold(c->trans[k], strlen(c->trans[k]), &f, &fl) != CL_OK)
			continue;
		if (!ta_is_stopword(e->ta_stop, f, fl) && (rc = e->ops->word_df(e, f, &df, eb)) == CL_OK)
			*out += df;
		free(f);
	}
	return rc;
}

/* Clears q's minimum to match; 1 when it had one. */
static int clear_msm(struct qp_query *q)
{
	int had = 0;

	for (size_t i = 0; i < q->n; i++) {
		had |= q->v[i].msm;
		q->v[i].msm = 0;
	}
	return had;
}

/* Whether the minimum to match, not rq's filters, left a long query with
 * nothing: no case at all has two of its words. Decided on the query's own
 * match set, so a filter only ever narrows it (before, a filter that left
 * none of the rule's cases brought back every case with one word: the
 * innovation-case tab showed 330 cases of a query whose "all" tab had 2). */
static int msm_empties(struct engine *e, const struct search_request *rq, struct text_pass *tp,
		       struct cl_errbuf *eb)
{
	struct search_request all = *rq;
	struct search_result r;
	int empty, filtered = rq->year_from || rq->year_to;

	for (int f = 0; f < EF_COUNT; f++)
		filtered |= rq->nfilters[f] > 0;
	if (!filtered)
		return 1;
	memset(all.filters, 0, sizeof all.filters);
	memset(all.nfilters, 0, sizeof all.nfilters);
	all.year_from = all.year_to = 0;
	all.limit = 0;
	all.offset = 0;
	all.facets = 0;
	all.snippets = 0;
	search_result_init(&r);
	empty = text_pass(e, &all, tp, 0, &r, eb) != CL_OK || r.total == 0; /* as before */
	search_result_release(&r);
	return empty;
}

/* A long query (SEM_LONG_QUERY_WORDS, ranked any-word): marks (qp_clause.msm)
 * its SEM_MSM_CLAUSES most specific positive word clauses among those with
 * cases (clause_df), of which a case must match SEM_MSM_MIN; none when
 * fewer than SEM_MSM_MIN + 1 have cases (the rule would be an AND). */
static int pick_msm(struct engine *e, struct qp_query *q, struct cl_errbuf *eb)
{
	long dfs[QP_CLAUSES_MAX];
	size_t idx[QP_CLAUSES_MAX], n = 0;
	int rc;

	for (size_t i = 0; i < q->n && i < QP_CLAUSES_MAX; i++) {
		struct qp_clause *c = &q->v[i];
		long df = 0;
		size_t at;
		if (c->negated || c->kind != QP_WORD || strchr(c->text, ' '))
			continue;
		if ((rc = clause_df(e, c, &df, eb)) != CL_OK)
			return rc;
		if (df <= 0)
			continue;
		/* insertion by df, then query order */
		at = n;
		while (at > 0 && dfs[at - 1] > df) {
			dfs[at] = dfs[at - 1];
			idx[at] = idx[at - 1];
			at--;
		}
		dfs[at] = df;
		idx[at] = i;
		n++;
	}
	if (n < SEM_MSM_MIN + 1)
		return CL_OK;
	for (size_t k = 0; k < n && k < SEM_MSM_CLAUSES; k++)
		q->v[idx[k]].msm = 1;
	return CL_OK;
}

/* res->offers, unless the request already filters on the facet: a value
 * whose Swedish or English label is the whole query text (case and
 * accents folded; the kind included), with the number of published cases
 * that have it; and a value a word of a longer query names (name_facets:
 * "snöröjning kommun"), with the number of cases this query finds with
 * that filter added — what taking the offer shows. At most
 * ENGINE_OFFERS_MAX; first page only. */
static int add_offers(struct engine *e, const struct search_request *rq,
		      const struct qp_query *q, int or_mode, struct search_result *res,
		      struct cl_errbuf *eb)
{
	char *f = NULL;
	int rc = CL_OK;

	if (!rq->text || rq->offset != 0)
		return CL_OK;
	if (ta_fold(rq->text, strlen(rq->text), &f, NULL) != CL_OK)
		return cl_fail(eb, CL_ENOMEM, "offers: out of memory");
	for (int fc = 0; fc < EF_COUNT && rc == CL_OK; fc++) {
		const struct facet_def *d = facet_def(fc);
		const struct tax_entry *te;
		size_t n = 0;

		if (!d || d->vocab == FACET_NO_VOCAB || rq->nfilters[fc])
			continue;
		te = tax_entries((enum tax_facet)d->vocab, &n);
		for (size_t k = 0; te && k < n && rc == CL_OK; k++) {
			struct search_request rq2;
			struct search_result r;
			struct qp_query all;
			const char *vals[1] = {te[k].code};

			int named = 0, whole = label_is(d->vocab, k, 0, f) || label_is(d->vocab, k, 1, f);
			for (size_t i = 0; i < q->n && !named; i++)
				named = q->v[i].facet_code && q->v[i].facet == fc &&
					!strcmp(q->v[i].facet_code, te[k].code);
			if (res->noffers == ENGINE_OFFERS_MAX || (!named && !whole))
				continue;
			search_result_init(&r);
			if (whole) { /* the text is the label: every published case */
				qp_init(&all);
				search_request_init(&rq2);
				rq2.filters[fc] = vals;
				rq2.nfilters[fc] = 1;
				rq2.limit = 0;
				rc = e->ops->search(e, &rq2, &all, 0, 0, &r, eb);
			} else { /* a word of a longer query: what the filter gives */
				rq2 = *rq;
				rq2.filters[fc] = vals;
				rq2.nfilters[fc] = 1;
				rq2.limit = 0;
				rq2.offset = 0;
				rq2.facets = 0;
				rc = e->ops->search(e, &rq2, q, or_mode, 0, &r, eb);
			}
			if (rc != CL_OK) {
				search_result_release(&r);
				break;
			}
			if (r.total > 0) {
				struct facet_offer *o = &res->offers[res->noffers];
				if (!(o->code = strdup(te[k].code))) {
					rc = cl_fail(eb, CL_ENOMEM, "offers: out of memory");
				} else {
					o->facet = fc;
					o->count = r.total;
					res->noffers++;
				}
			}
			search_result_release(&r);
		}
	}
	free(f);
	return rc;
}

/* --- partial matches (issue 12 point 5) -------------------------------- */

static int has_hit(const struct search_hit *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].id, id))
			return 1;
	return 0;
}

/* A short query (SEM_PARTIAL_MIN..SEM_PARTIAL_MAX_WORDS positive clauses, all its words
 * ANDed) that found fewer than SEM_PARTIAL_BELOW cases: res->partial gets
 * up to SEM_PARTIAL_MAX cases that match all words but one (one AND pass
 * per left-out clause, the best first by score; cases of the main result
 * left out). Only on the first page; never counted in total or facets. */
static int add_partial(struct engine *e, const struct search_request *rq, const struct qp_query *q,
		       struct search_result *res, struct cl_errbuf *eb)
{
	struct search_hit *all = NULL;
	size_t nall = 0, cap = 0;
	int rc = CL_OK;

	if (rq->offset != 0 || res->used_or_fallback || res->suggestion_shown ||
	    res->total >= SEM_PARTIAL_BELOW || q->npositive < SEM_PARTIAL_MIN ||
	    q->npositive > SEM_PARTIAL_MAX_WORDS || (size_t)q->npositive != q->n)
		return CL_OK;
	for (size_t skip = 0; skip < q->n && rc == CL_OK; skip++) {
		struct qp_query sub = *q;
		struct qp_clause v[QP_CLAUSES_MAX];
		struct search_request rq2 = *rq;
		struct search_result r;
		struct text_pass tp;
		size_t k = 0;

		for (size_t i = 0; i < q->n; i++)
			if (i != skip)
				v[k++] = q->v[i];
		sub.v = v;
		sub.n = k;
		sub.npositive = (int)k;
		rq2.limit = SEM_PARTIAL_MAX + (size_t)res->total;
		rq2.offset = 0;
		rq2.facets = 0;
		tp.q = &sub;
		tp.or_mode = 0;
		search_result_init(&r);
		if ((rc = text_pass(e, &rq2, &tp, 0, &r, eb)) != CL_OK)
			break;
		for (size_t i = 0; i < r.nhits; i++) {
			if (has_hit(res->hits, res->nhits, r.hits[i].id) ||
			    has_hit(all, nall, r.hits[i].id))
				continue;
			if (nall == cap) {
				size_t nc = cap ? 2 * cap : 32;
				struct search_hit *p = realloc(all, nc * sizeof *p);
				if (!p) {
					rc = cl_fail(eb, CL_ENOMEM, "partial: out of memory");
					break;
				}
				all = p;
				cap = nc;
			}
			all[nall++] = r.hits[i];
			memset(&r.hits[i], 0, sizeof r.hits[i]);
		}
		search_result_release(&r); /* the moved hits were emptied */
	}
	/* best first (scores of the passes are of one engine and one scheme),
	 * ties by id; keep SEM_PARTIAL_MAX */
	for (size_t i = 1; i < nall; i++)
		for (size_t j = i; j > 0 && (all[j].score > all[j - 1].score ||
					     (all[j].score == all[j - 1].score &&
					      strcmp(all[j].id, all[j - 1].id) < 0));
		     j--) {
			struct search_hit t = all[j];
			all[j] = all[j - 1];
			all[j - 1] = t;
		}
	for (size_t i = SEM_PARTIAL_MAX; i < nall; i++) {
		free(all[i].id);
		free(all[i].title);
		free(all[i].snippet);
		json_decref(all[i].card);
	}
	res->partial = all;
	res->npartial = nall < SEM_PARTIAL_MAX ? nall : SEM_PARTIAL_MAX;
	return rc;
}

/* --- English words to a Swedish compound (issue 12 points 1-2) ------------ */

/* Appends s to c's translations (before a head, which stays last). */
static int trans_insert(struct qp_clause *c, const char *s)
{
	char **v, *d;

	for (size_t i = 0; i < c->ntrans; i++)
		if (!strcmp(c->trans[i], s))
			return CL_OK;
	if (!(d = strdup(s)))
		return CL_ENOMEM;
	if (!(v = realloc(c->trans, (c->ntrans + 1) * sizeof *v))) {
		free(d);
		return CL_ENOMEM;
	}
	c->trans = v;
	if (c->trans_head) {
		v[c->ntrans] = v[c->ntrans - 1];
		v[c->ntrans - 1] = d;
	} else {
		v[c->ntrans] = d;
	}
	c->ntrans++;
	if (c->trans_run == 0)
		c->trans_run = 1;
	return CL_OK;
}

/* Two adjacent positive one-word clauses, not translated together, whose
 * words (as typed or as one-word translations) make a compound that the
 * index has: "insulin pumps" -> insulin + pumpar -> insulinpumpar, found
 * where the English words are not (Swedish writes the thing as one word;
 * join_compounds does the same for Swedish words typed apart). Tried:
 * modifier + head, with a linking s, and a modifier without its final
 * -a/-e; the one of most cases becomes one more translation of both. */
static int join_translations(struct engine *e, struct qp_query *q, struct cl_errbuf *eb)
{
	for (size_t i = 0; i + 1 < q->n; i++) {
		struct qp_clause *a = &q->v[i], *b = &q->v[i + 1];
		const char *mods[1 + TR_PER_WORD + TR_PIVOT], *heads[TR_PER_WORD + TR_PIVOT];
		size_t nm = 0, nh = 0;
		char best[256] = "";
		long bestdf = 0;
		int rc = CL_OK;

		if (a->kind != QP_WORD || b->kind != QP_WORD || a->negated || b->negated ||
		    a->field != b->field || a->trans_run > 1 || b->trans_run > 1 ||
		    (a->trans_run == 0 && a->ntrans) || (b->trans_run == 0 && b->ntrans) ||
		    strchr(a->text, ' ') || strchr(b->text, ' ') || !b->ntrans)
			continue;
		mods[nm++] = a->text;
		for (size_t k = 0; k + (size_t)a->trans_head < a->ntrans && nm < 1 + TR_PER_WORD + TR_PIVOT; k++)
			if (!strchr(a->trans[k], ' '))
				mods[nm++] = a->trans[k];
		for (size_t k = 0; k + (size_t)b->trans_head < b->ntrans && nh < TR_PER_WORD + TR_PIVOT; k++)
			if (!strchr(b->trans[k], ' '))
				heads[nh++] = b->trans[k];
		for (size_t m = 0; m < nm && rc == CL_OK; m++) {
			char *fm = NULL;
			size_t ml = 0;
			if (ta_fold(mods[m], strlen(mods[m]), &fm, &ml) != CL_OK)
				return cl_fail(eb, CL_ENOMEM, "compounds: out of memory");
			for (size_t h = 0; h < nh && rc == CL_OK && ml >= 2; h++) {
				char *fh = NULL, cand[256];
				if (ta_fold(heads[h], strlen(heads[h]), &fh, NULL) != CL_OK) {
					free(fm);
					return cl_fail(eb, CL_ENOMEM, "compounds: out of memory");
				}
				for (int k = 0; k < 3 && rc == CL_OK; k++) {
					long df = 0;
					if (k == 2 && !(fm[ml - 1] == 'a' || fm[ml - 1] == 'e'))
						continue;
					if ((size_t)snprintf(cand, sizeof cand, "%.*s%s%s",
							     (int)(k == 2 ? ml - 1 : ml), fm, k == 1 ? "s" : "",
							     fh) >= sizeof cand)
						continue;
					if ((rc = e->ops->word_df(e, cand, &df, eb)) == CL_OK && df > bestdf) {
						snprintf(best, sizeof best, "%s", cand);
						bestdf = df;
					}
				}
				free(fh);
			}
			free(fm);
		}
		if (rc != CL_OK)
			return rc;
		if (bestdf > 0 && ((rc = trans_insert(a, best)) != CL_OK ||
				   (rc = trans_insert(b, best)) != CL_OK))
			return cl_fail(eb, rc, "compounds: out of memory");
	}
	return CL_OK;
}

/* --- a compound's head (issue 12 point 2) --------------------------------- */

/* Each positive one-word clause of a Swedish query that is a compound
 * (ta_decompound_word) gets its head, as written at the end of the word,
 * as one more member of its translation group (qp_clause.trans_head):
 * "vägbelysning" also finds gatubelysning, julbelysning and belysning, at
 * SEM_TRANS_WEIGHT. Not when the head's cases (word_df, its compounds
 * included) are more than 1/SEM_HEAD_MAX_SHARE of the index and more than
 * SEM_HEAD_MIN_DF, nor for a word of a run translated together. */
static int add_heads(struct engine *e, struct qp_query *q, struct cl_errbuf *eb)
{
	long ncases = -1;
	int rc = CL_OK;

	for (size_t i = 0; i < q->n && rc == CL_OK; i++) {
		struct qp_clause *c = &q->v[i];
		char head[256], stem[256], *f = NULL, *tail = NULL, **v;
		size_t fl = 0;
		long df = 0;

		if (c->negated || c->kind != QP_WORD || c->field == QP_BUYER ||
		    strchr(c->text, ' ') || c->trans_run > 1 || (c->trans_run == 0 && c->ntrans))
			continue;
		if (ta_fold(c->text, strlen(c->text), &f, &fl) != CL_OK)
			return cl_fail(eb, CL_ENOMEM, "heads: out of memory");
		if (ta_decompound_word(e->ta_stop, f, fl, head, sizeof head) > 0)
			for (size_t k = 1; k + 3 <= fl && !tail; k++)
				if (((unsigned char)f[k] & 0xC0) != 0x80 &&
				    ta_stem_word(e->ta_stop, f + k, fl - k, stem, sizeof stem) > 0 &&
				    !strcmp(stem, head))
					tail = f + k;
		if (tail && (rc = e->ops->word_df(e, tail, &df, eb)) == CL_OK && df > 0 &&
		    (df <= SEM_HEAD_MIN_DF ||
		     /* the index is counted only when the share matters (FTS5
		      * counts its rows) and once per query */
		     ((ncases >= 0 || (rc = engine_count(e, &ncases, eb)) == CL_OK) &&
		      df * SEM_HEAD_MAX_SHARE <= ncases))) {
			if (!(v = realloc(c->trans, (c->ntrans + 1) * sizeof *v)) ||
			    !(v[c->ntrans] = strdup(tail))) {
				if (v)
					c->trans = v;
				free(f);
				return cl_fail(eb, CL_ENOMEM, "heads: out of memory");
			}
			c->trans = v;
			c->ntrans++;
			c->trans_head = 1;
		}
		free(f);
	}
	return rc;
}

/* --- translations (issue 12 point 1; translate.h) ------------------------ */

/* res->trans: one entry per translated word or run of words of q. */
/* Whether res lists the translations of text already (not its last
 * entry, the one being filled). */
static int seen_from(const struct search_result *res, const char *text)
{
	for (size_t j = 0; j + 1 < res->ntrans; j++)
		if (res->trans[j].from && !strcmp(res->trans[j].from, text))
			return 1;
	return 0;
}

static int list_translations(const struct qp_query *q, struct search_result *res,
			     struct cl_errbuf *eb)
{
	size_t n = 0;

	for (size_t i = 0; i < q->n; i++)
		n += q->v[i].trans_run > 0 && q->v[i].ntrans > (size_t)q->v[i].trans_head;
	if (!n)
		return CL_OK;
	if (!(res->trans = calloc(n, sizeof *res->trans)))
		return cl_fail(eb, CL_ENOMEM, "translations: out of memory");
	for (size_t i = 0; i < q->n; i++) {
		const struct qp_clause *c = &q->v[i];
		struct engine_translation *t;
		struct dbuf b = DBUF_INIT(2 * QP_TEXT_MAX);
		size_t nto = c->ntrans - (size_t)c->trans_head; /* the head is not listed */
		if (c->trans_run <= 0 || nto == 0)
			continue;
		t = &res->trans[res->ntrans++];
		for (size_t k = 0; k < (size_t)c->trans_run && i + k < q->n; k++) {
			if (k)
				dbuf_add(&b, " ", 1);
			dbuf_puts(&b, q->v[i + k].text);
		}
		t->from = b.err ? NULL : dbuf_take(&b, NULL);
		dbuf_release(&b);
		if (t->from && seen_from(res, t->from)) { /* a word typed twice: listed once */
			free(t->from);
			t->from = NULL;
			res->ntrans--;
			continue;
		}
		if (!t->from || !(t->to = calloc(nto, sizeof *t->to)))
			return cl_fail(eb, CL_ENOMEM, "translations: out of memory");
		for (size_t k = 0; k < nto; k++)
			if (!(t->to[t->nto++] = strdup(c->trans[k])))
				return cl_fail(eb, CL_ENOMEM, "translations: out of memory");
	}
	return CL_OK;
}

int engine_search(struct engine *e, const struct search_request *rq,
		  struct search_result *res, struct cl_errbuf *eb)
{
	struct qp_query q;
	struct text_pass tp;
	int rc, confident = 0, en = rq->lang && !strcmp(rq->lang, "en");

	search_result_init(res);
	if ((rc = check_request(rq, eb)) != CL_OK)
		return rc;
	qp_init(&q);
	if (rq->text && (rc = qp_parse(rq->text, strlen(rq->text), &q, eb)) != CL_OK)
		return rc;
	/* Swedish writes compounds as one word; English queries are left
	 * alone (joining them cost FTS5 0.005 MAP on Cranfield) */
	if ((rc = open_analysers(e, eb)) != CL_OK ||
	    (!en && (rc = join_compounds(e, &q, eb)) != CL_OK) ||
	    (!rq->no_translate &&
	     (rc = tr_query(e->tr, &q, en ? TR_FROM_EN : TR_FROM_ANY, eb)) != CL_OK) ||
	    (!rq->no_translate && (rc = join_translations(e, &q, eb)) != CL_OK) ||
	    (!rq->no_translate && !en && (rc = add_heads(e, &q, eb)) != CL_OK)) {
		qp_release(&q);
		return rc;
	}
	tp.q = &q;
	/* a long query (a description of a need) is ranked any-word at once,
	 * with a minimum to match */
	tp.or_mode = content_words(e, &q) >= SEM_LONG_QUERY_WORDS;
	if ((tp.or_mode && (rc = pick_msm(e, &q, eb)) != CL_OK) ||
	    (rc = name_facets(e, &q, eb)) != CL_OK) {
		qp_release(&q);
		return rc;
	}
	if (rq->snippets && q.n > 0 && (rc = sem_hl_new(&q, &e->hl, eb)) != CL_OK) {
		qp_release(&q);
		return rc;
	}
	rc = text_pass(e, rq, &tp, main_mask(rq), res, eb);
	if (rc == CL_OK && tp.or_mode && res->total == 0 && msm_empties(e, rq, &tp, eb) &&
	    clear_msm(&q)) {
		/* no case has two of the words: any word, as before the rule
		 * (a description of a need never ends in nothing for it) */
		search_result_release(res);
		rc = text_pass(e, rq, &tp, main_mask(rq), res, eb);
	}
	if (tp.or_mode)
		res->used_or_fallback = 1;
	if (rc == CL_OK && res->total == 0 && q.npositive > 0 && !tp.or_mode) {
		/* AND found nothing: say what else there is. */
		char *sugg = NULL;
		if (suggest_impl(e, rq->text, &sugg, &confident, eb) == CL_OK && sugg &&
		    strcmp(sugg, rq->text))
			res->suggestion = sugg;
		else
			free(sugg);
		if (q.npositive > 1 && res->suggestion && confident) {
			/* a typo among other words: the corrected words together
			 * before any single word (issue 12 point 6) */
			struct sem_hl *mine = e->hl;
			e->hl = NULL;
			rc = show_suggestion(e, rq, res, eb);
			e->hl = mine;
			if (rc == CL_OK && res->suggestion_shown) {
				sem_hl_free(e->hl);
				e->hl = NULL;
				qp_release(&q);
				return CL_OK;
			}
		}
		if (rc == CL_OK && q.npositive > 1) {
			char *keep = res->suggestion;
			res->suggestion = NULL;
			search_result_release(res);
			tp.or_mode = 1;
			rc = text_pass(e, rq, &tp, main_mask(rq), res, eb);
			res->suggestion = keep;
			res->used_or_fallback = 1;
		}
	}
	if (rc == CL_OK)
		rc = disjunctive(e, rq, &tp, text_pass, res, eb);
	if (rc == CL_OK)
		rc = add_partial(e, rq, &q, res, eb);
	if (rc == CL_OK)
		rc = add_offers(e, rq, &q, tp.or_mode, res, eb);
	if (rc == CL_OK)
		rc = list_translations(&q, res, eb);
	res->parsed_as_plain = q.rewritten;
	res->cut = q.cut;
	sem_hl_free(e->hl);
	e->hl = NULL;
	qp_release(&q);
	if (rc == CL_OK && res->total == 0 && res->suggestion && confident)
		rc = show_suggestion(e, rq, res, eb);
	if (rc != CL_OK)
		search_result_release(res);
	return rc;
}

struct similar_pass {
	const char *id; /* NULL: similar_text */
};

static int similar_pass(struct engine *e, const struct search_request *rq, void *arg,
			unsigned mask, struct search_result *res, struct cl_errbuf *eb)
{
	struct similar_pass *sp = arg;
	if (sp->id)
		return e->ops->similar(e, sp->id, rq, mask, res, eb);
	return e->ops->similar_text(e, rq, mask, res, eb);
}

int engine_similar(struct engine *e, const char *id, const struct search_request *rq,
		   struct search_result *res, struct cl_errbuf *eb)
{
	struct similar_pass sp = {id};
	int rc;

	search_result_init(res);
	if (!id || !*id)
		return cl_fail(eb, CL_EINVAL, "no case id");
	if ((rc = check_request(rq, eb)) != CL_OK)
		return rc;
	/* e->hl stays NULL: no words of the user's to mark, and expansion
	 * terms are never marked */
	rc = similar_pass(e, rq, &sp, main_mask(rq), res, eb);
	if (rc == CL_OK)
		rc = disjunctive(e, rq, &sp, similar_pass, res, eb);
	if (rc != CL_OK)
		search_result_release(res);
	return rc;
}

int engine_similar_text(struct engine *e, const struct search_request *rq,
			struct search_result *res, struct cl_errbuf *eb)
{
	struct similar_pass sp = {NULL};
	long bad;
	int rc;

	search_result_init(res);
	if (!rq->text || !*rq->text)
		return cl_fail(eb, CL_EINVAL, "describe the need in a few words");
	if (strlen(rq->text) > ENGINE_DESC_MAX)
		return cl_fail(eb, CL_EINVAL, "the description is over %d bytes", ENGINE_DESC_MAX);
	bad = qp_utf8_invalid_at(rq->text, strlen(rq->text));
	if (bad >= 0)
		return cl_fail_at(eb, CL_EQUERY, bad, "invalid UTF-8 at byte %ld of the description", bad);
	if ((rc = check_request(rq, eb)) != CL_OK)
		return rc;
	if (rq->snippets && (rc = sem_hl_new_words(rq->text, &e->hl, eb)) != CL_OK)
		return rc;
	rc = similar_pass(e, rq, &sp, main_mask(rq), res, eb);
	if (rc == CL_OK)
		rc = disjunctive(e, rq, &sp, similar_pass, res, eb);
	sem_hl_free(e->hl);
	e->hl = NULL;
	if (rc != CL_OK)
		search_result_release(res);
	return rc;
}
