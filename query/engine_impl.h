/* engine_impl.h — what an engine implements (private to query/). engine.c
 * validates requests, parses the query text once (qparse), runs the AND ->
 * OR fallback and the disjunctive facet passes and makes suggestions, and
 * semantics.c holds the other shared rules (snippets, date key, sector
 * bonus), so that both engines share one semantics; an engine only runs
 * "this query, these filters, count these facets" and answers "how many
 * cases has this word" and "which words are in the dictionary". */
#ifndef ENGINE_IMPL_H
#define ENGINE_IMPL_H

#include "engine.h"
#include "qparse.h"
#include "semantics.h"
#include "translate.h"

struct engine_ops {
	const char *name;
	/* e->impl is set by open; close frees it. */
	int (*open)(struct engine *e, const char *data_dir, struct store *s, int writable,
		    struct cl_errbuf *eb);
	void (*close)(struct engine *e);
	int (*put)(struct engine *e, const struct case_record *c, struct cl_errbuf *eb);
	int (*del)(struct engine *e, const char *id, struct cl_errbuf *eb);
	int (*commit)(struct engine *e, int64_t seq, struct cl_errbuf *eb);
	int (*last_seq)(struct engine *e, int64_t *seq, struct cl_errbuf *eb);
	int (*clear)(struct engine *e, struct cl_errbuf *eb);
	/* engine_bulk_begin (engine.h); NULL: clear */
	int (*bulk_begin)(struct engine *e, struct cl_errbuf *eb);
	int (*count)(struct engine *e, long *n, struct cl_errbuf *eb);
	int (*foreach_id)(struct engine *e, int (*cb)(const char *id, void *ud), void *ud,
			  struct cl_errbuf *eb);
	/* Runs q (all clauses ANDed, or ORed when or_mode; negated clauses
	 * always excluded; q->n == 0 matches all) with rq's filters and year
	 * range, fills res->total, res->hits (rq->offset, rq->limit, rq->sort,
	 * snippets when rq->snippets) and the counts of every facet in
	 * count_mask over the whole match set. rq->limit may be 0 (counts only).
	 * count_mask may carry ENGINE_COUNT_DISJ (engine.c's main passes):
	 * an engine that can count every facet of rq->facets in this pass,
	 * the filtered ones disjunctively (a counting layer: fcount.h), may
	 * do so and set e->disj_done; engine.c then runs no pass per
	 * filtered facet. Ignoring the bit is always right. */
	int (*search)(struct engine *e, const struct search_request *rq, const struct qp_query *q,
		      int or_mode, unsigned count_mask, struct search_result *res,
		      struct cl_errbuf *eb);
	/* Similar cases: see engine.h. count_mask as above. */
	int (*similar)(struct engine *e, const char *id, const struct search_request *rq,
		       unsigned count_mask, struct search_result *res, struct cl_errbuf *eb);
	int (*similar_text)(struct engine *e, const struct search_request *rq,
			    unsigned count_mask, struct search_result *res, struct cl_errbuf *eb);
	/* Spelling (engine.c decides the suggestion, semantics.h the rule):
	 * word_df: the number of cases the folded word matches as a query
	 * word (itself or its stems; 0: unknown); spell_words: calls cb for
	 * every word of the engine's spelling dictionary (folded words of the
	 * indexed cases) that is min_chars..max_chars code points long (an
	 * engine may pass others too: engine.c checks again), with the
	 * number of cases that have the word as written (ncases); a non-zero
	 * return of cb stops the walk and is returned. */
	int (*word_df)(struct engine *e, const char *word, long *df, struct cl_errbuf *eb);
	int (*spell_words)(struct engine *e, size_t min_chars, size_t max_chars,
			   int (*cb)(void *ud, const char *word, long ncases), void *ud,
			   struct cl_errbuf *eb);
};

/* In count_mask: see search above (above every facet bit). */
#define ENGINE_COUNT_DISJ 0x80000000u

struct engine {
	const struct engine_ops *ops;
	enum engine_kind kind;
	void *impl;
	struct engine_rank_params rank; /* checked by engine_set_rank_params; read at search */
	struct sem_hl *hl;   /* during a search: the words snippets mark (semantics.h),
			      * set by engine.c; NULL: none */
	struct ta *ta_fold;  /* engine.c's analysers (suggestions), opened on first use */
	struct ta *ta_stop;
	struct tr *tr;       /* query translation (translate.h), opened on first use */
	/* the counting layer's bookkeeping (fcount.h): gen moves with every
	 * put, delete, clear and commit of this handle (engine.c), so an
	 * engine knows when its table is stale; disj_done: see search */
	unsigned long gen;
	int disj_done;
	/* the counting layer's upkeep (engine_counting_stats) */
	unsigned long fc_builds, fc_deltas;
};

extern const struct engine_ops engine_xapian_ops;
extern const struct engine_ops engine_fts5_ops;

/* Snippet escaping (sem_snippet uses it): text in which matches are marked
 * with ENGINE_HI_START / ENGINE_HI_END bytes becomes HTML: everything
 * escaped (& < > " '), markers turned into <mark> and </mark>, other
 * control characters dropped. Caller frees. NULL on ENOMEM. */
#define ENGINE_HI_START "\x01"
#define ENGINE_HI_END "\x02"
char *engine_html_snippet(const char *marked);

/* Appends a facet value count to fc (copies value). */
int engine_facet_add(struct facet_counts *fc, const char *value, size_t len, long count);

#endif
