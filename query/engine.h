/* engine.h — one search-engine interface, two engines (Xapian through the
 * xs_ shim, SQLite FTS5 with our own tokenizer).
 *
 * Engines hold only *published* cases. indexer/sync.c replays the store's
 * change log into an engine: for each change it loads the case's current
 * state and calls engine_put (published) or engine_delete (anything else),
 * then engine_commit with the last applied sequence number, which the engine
 * stores atomically with the index data. Replaying an entry twice changes
 * nothing, so an interrupted sync is repaired by running it again.
 *
 * Search semantics (identical in both engines; docs/search.md):
 * - free text: AND by default; when AND finds nothing, OR (res->used_or_fallback);
 *   "phrases", prefix word*, field prefixes title: buyer: body:; text either
 *   engine cannot parse is searched as plain words (res->parsed_as_plain);
 *   an empty text matches every published case;
 * - filters: OR within a facet, AND across facets; year range;
 * - facet counts: disjunctive (a facet's counts ignore that facet's own
 *   filter), exact, over the whole match set, for every facet asked;
 * - paging: offset + limit (limit <= ENGINE_LIMIT_MAX, offset <=
 *   ENGINE_OFFSET_MAX), total is exact; ties broken by id so pages are stable;
 * - suggestions, snippets, the date order and the similar-case sector bonus
 *   are decided once (query/semantics.h), so both engines give the same.
 * A handle is used by one thread at a time. */
#ifndef ENGINE_H
#define ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "case.h"
#include "cl_err.h"
#include "facet.h"

struct store;
struct engine; /* opaque */

#define ENGINE_DESC_MAX 8192     /* bytes of a description (similar_text) */
#define ENGINE_LIMIT_MAX 100
#define ENGINE_OFFSET_MAX 10000
#define ENGINE_TEXT_MAX 4096     /* bytes of query text (QP_TEXT_MAX; the API's
				  * GET reads 1,024: SREQ_GET_TEXT_MAX) */
#define ENGINE_FILTER_VALUES_MAX 64
#define ENGINE_OFFERS_MAX 4

/* Facets an engine filters on and counts: the rows of the facet table
 * (corpus/facet.h), with the same numbers. */
enum engine_facet {
#define ENG_XX(id, ...) EF_##id = FACET_##id,
	FACET_TABLE(ENG_XX)
#undef ENG_XX
	EF_COUNT = FACET_COUNT
};

#define ENGINE_ALL_FACETS ((1u << EF_COUNT) - 1)

enum engine_kind { ENGINE_XAPIAN, ENGINE_FTS5 };

enum engine_sort { SORT_RELEVANCE, SORT_DATE_DESC, SORT_DATE_ASC };

/* Fills fv with the values of facet f of c (facet_case_values: the year
 * as "2021"; country from buyer.country; nothing for absent fields). Both
 * engines index exactly these values. */
void engine_case_facet(const struct case_record *c, enum engine_facet f,
		       struct facet_values *fv);

const char *engine_facet_name(enum engine_facet f);
/* -1 if unknown. */
int engine_facet_from_name(const char *name);

struct search_request {
	const char *text;      /* may be NULL or "" (match all) */
	const char *lang;      /* "sv" or "en": stemming of the query; NULL = "sv" */
	const char *const *filters[EF_COUNT]; /* per facet: NULL or array of values */
	size_t nfilters[EF_COUNT];
	int year_from, year_to;   /* 0 = open */
	enum engine_sort sort;
	size_t offset, limit;
	unsigned facets;       /* bit mask (1u << EF_x) of facets to count */
	int snippets;          /* 1: make HTML snippets */
	int no_translate;      /* 1: no Swedish <-> English translation of the
				* query words (translate=off, --no-translate) */
	size_t snippet_chars;  /* 0: 200 */
};

void search_request_init(struct search_request *rq);

struct search_hit {
	char *id;
	double score;
	char *title;
	char *snippet; /* HTML-safe: text escaped, matches in <mark>...</mark> */
	json_t *card;  /* case_hit_card() of the indexed version (a reference,
			* released with the result), or NULL when the engine
			* does not keep it (FTS5, or a Xapian document indexed
			* before it did): then the caller reads the store */
};

struct facet_count {
	char *value;
	long count;
};

struct facet_counts {
	struct facet_count *v; /* sorted: count desc, then value asc */
	size_t n;
};

struct search_result {
	long total;
	struct search_hit *hits;
	size_t nhits;
	struct facet_counts facets[EF_COUNT];
	int used_or_fallback;
	int parsed_as_plain;
	int cut; /* the query had more words than are read (QP_CLAUSES_MAX: 200);
		  * the first ones were searched */
	char *suggestion; /* "did you mean", or NULL */
	struct search_hit *partial; /* cases matching most but not all words of a
				     * short query that found few (issue 12;
				     * engine.c add_partial): not in total,
				     * facets or exports */
	size_t npartial;
	/* query words that name a facet value ("innovationsupphandling" is
	 * strategic/inn): the filter, offered with the number of cases that
	 * have it (engine.c add_offers; issue 12 point 3) */
	struct facet_offer {
		int facet;   /* enum engine_facet */
		char *code;  /* the value */
		long count;  /* published cases with it */
	} offers[ENGINE_OFFERS_MAX];
	size_t noffers;
	/* the translations the search added (issue 12 point 1; query/
	 * translate.h): per word, or run of words forming one lexicon entry,
	 * the user's text and the other language's expressions matched with
	 * it (weighted below the user's own words) */
	struct engine_translation {
		char *from;  /* the query words as typed */
		char **to;   /* nto expressions */
		size_t nto;
	} *trans;
	size_t ntrans;
	int suggestion_shown; /* 1: the query found nothing and its suggestion
			       * was confident, so these are the suggestion's
			       * results ("showing results for"; total and
			       * facets are the suggestion's) */
};

void search_result_init(struct search_result *r);

/* Facet count lists outside a search (reference counts, statistics):
 * engine_facet_inc counts one more for value (added at 1 when new; a linear
 * search, meant for the few dozen values of a facet); engine_facet_get gives
 * a value's count (0 when absent); engine_facet_sort orders by count desc,
 * then value; engine_facet_counts_release frees the values and empties fc. */
int engine_facet_inc(struct facet_counts *fc, const char *value);
long engine_facet_get(const struct facet_counts *fc, const char *value);
void engine_facet_sort(struct facet_counts *fc);
void engine_facet_counts_release(struct facet_counts *fc);
void search_result_release(struct search_result *r);

/* Opens the engine of kind k for the store in data_dir. Xapian keeps its
 * database in data_dir/xapian/; FTS5 lives in the store's own database
 * file (it uses store_db(s)). s is borrowed and must outlive the engine.
 * writable: 1 for sync/reindex. Caller frees with engine_close. */
int engine_open(enum engine_kind k, const char *data_dir, struct store *s, int writable,
		struct engine **out, struct cl_errbuf *eb);
void engine_close(struct engine *e);
enum engine_kind engine_get_kind(const struct engine *e);
const char *engine_kind_name(enum engine_kind k);
/* -1 if unknown. */
int engine_kind_from_name(const char *name);

/* Indexes (or re-indexes) a published case. */
int engine_put(struct engine *e, const struct case_record *c, struct cl_errbuf *eb);
/* Removes a case; removing an absent id is not an error. */
int engine_delete(struct engine *e, const char *id, struct cl_errbuf *eb);
/* Makes everything since the last commit durable together with seq. */
int engine_commit(struct engine *e, int64_t seq, struct cl_errbuf *eb);
/* The last committed seq (0 for a new index). */
int engine_last_seq(struct engine *e, int64_t *seq, struct cl_errbuf *eb);
/* Drops every document and sets last seq to 0. */
int engine_clear(struct engine *e, struct cl_errbuf *eb);
/* Starts a rebuild (sync_reindex): what is put from now on replaces the
 * whole index at the next engine_commit, atomically; readers keep the old
 * index until then, and a rebuild that fails or is interrupted leaves the
 * old index as it was (engine_close throws the build away). Only puts
 * until that commit. Xapian builds beside the live index on every core
 * and switches to it (docs/engine-xapian.md, "Bulk builds"); FTS5 clears
 * inside its open transaction and writes its word list at the commit
 * (docs/engine-fts5.md). */
int engine_bulk_begin(struct engine *e, struct cl_errbuf *eb);
/* Number of indexed cases. */
int engine_count(struct engine *e, long *n, struct cl_errbuf *eb);
/* The counting layer's upkeep in this handle so far (query/fcount.h):
 * builds = full walks of the index, deltas = commits applied from their
 * change sets instead (Xapian readers; docs/engine-xapian.md). */
void engine_counting_stats(const struct engine *e, unsigned long *builds,
			   unsigned long *deltas);
/* Calls cb for every indexed case id, in no particular order; a non-zero
 * return from cb stops the walk and is returned. */
int engine_foreach_id(struct engine *e, int (*cb)(const char *id, void *ud), void *ud,
		      struct cl_errbuf *eb);

/* Validates the request (limits, facet values) and searches. Errors:
 * CL_EINVAL with a reason for a bad request, CL_EQUERY for query text
 * that cannot be read (with the position), CL_EENGINE. */
int engine_search(struct engine *e, const struct search_request *rq,
		  struct search_result *res, struct cl_errbuf *eb);

/* Cases similar to case id (not including it), honouring rq's filters,
 * paging and facets; rq->text is ignored. CL_ENOTFOUND if id is not indexed. */
int engine_similar(struct engine *e, const char *id, const struct search_request *rq,
		   struct search_result *res, struct cl_errbuf *eb);

/* Cases similar to a free-text description of a need; rq->text is it. */
int engine_similar_text(struct engine *e, const struct search_request *rq,
			struct search_result *res, struct cl_errbuf *eb);

/* Ranking parameters (docs/ranking.md). They change the order of hits
 * only, never what matches, the totals or the facet counts. The defaults
 * (engine_rank_params_default) are the values tuned on the Cranfield
 * collection with all 225 queries; bench/ranking.c tunes them. */
struct engine_rank_params {
	double k1;           /* BM25 term-frequency saturation, 0..10 */
	double b;            /* BM25 length normalisation, 0..1 */
	double title_weight; /* how much more a title match counts, 0..50 (0: no boost) */
	unsigned fb_docs;    /* pseudo-relevance feedback on the OR fallback: the best
			      * fb_docs hits are taken as relevant, 0..100 (0: off) */
	unsigned fb_terms;   /* ... and their fb_terms best terms added, 0..200 */
	double fb_weight;    /* ... with this weight relative to the query, 0..10 */
};

/* The shipped (tuned) parameters of engine kind k. */
void engine_rank_params_default(enum engine_kind k, struct engine_rank_params *p);
/* Sets e's parameters (every later search of this handle uses them).
 * CL_EINVAL naming the first parameter out of range; e keeps its old
 * parameters then. */
int engine_set_rank_params(struct engine *e, const struct engine_rank_params *p,
			   struct cl_errbuf *eb);
void engine_get_rank_params(const struct engine *e, struct engine_rank_params *p);

/* A spelling suggestion for text, or *out = NULL when none: each unknown
 * word of a positive word or phrase clause replaced by the closest known
 * word (semantics.h has the rule; negated words, prefixes and field names
 * are never rewritten), the rest of text kept. Caller frees. */
int engine_suggest(struct engine *e, const char *text, char **out, struct cl_errbuf *eb);

#endif
