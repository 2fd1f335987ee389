/* fcount.h — facet counting whose cost does not follow the match set: the
 * counting layer both engines share for local indexes (docs/search.md
 * "How counts are made").
 *
 * A struct fcount holds, for one revision of one index, every document's
 * facet values as codes (document number -> codes, one row of EF_COUNT
 * cells per document) and one compressed bitmap (CRoaring) per facet
 * value. A document number is the engine's own (Xapian docid, FTS5 rid).
 * Given a match set (the documents the query text matches, before any
 * facet filter), fcount_count gives the exact total under the request's
 * filters and the counts of every asked facet, the filtered ones
 * disjunctively (a facet's counts ignore its own filter), in one pass:
 * - rows: per matching document, which filter groups it fails (none: it
 *   counts for every facet and the total; exactly one, of facet g: it
 *   counts for g only); cost follows the match set, cheap when small;
 * - bitmaps: the match set as a bitmap ANDed with each group's union,
 *   then |set AND value| per value; cost follows the number of values.
 * FCOUNT_AUTO picks by the match set's size (FCOUNT_ROWS_MAX_FRACTION,
 * measured: docs/performance.md). Both give the same counts.
 *
 * The table lives in memory only: engines build it from their index at
 * the first counted search and keep it current (fcount_put/fcount_del)
 * or rebuild it when the index revision moves (docs/engine-*.md). It
 * reads nothing from disk. A struct fcount is used by one thread at a
 * time (as the engine handle that owns it). */
#ifndef FCOUNT_H
#define FCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "cl_err.h"
#include "engine.h"

struct fcount; /* opaque */

/* Largest match set, as a fraction of the live documents, that the rows
 * path counts under FCOUNT_AUTO; larger ones go to the bitmaps. */
#define FCOUNT_ROWS_MAX_FRACTION 0.15
/* Distinct values one facet may hold (codes are 16-bit). */
#define FCOUNT_VALUES_MAX 65535

enum fcount_path { FCOUNT_AUTO, FCOUNT_ROWS, FCOUNT_BITMAPS };

/* An empty table. CL_OK or CL_ENOMEM. Caller frees with fcount_free
 * (NULL is a no-op). */
int fcount_new(struct fcount **out);
void fcount_free(struct fcount *fc);
/* Empties the table (no documents, no values). */
void fcount_clear(struct fcount *fc);

/* Sets the values of facet f of document doc, replacing the ones it had;
 * doc becomes live (counted in every match set that names it, and in
 * "all"). v[i] is len[i] bytes (not NUL-terminated; empty items are
 * skipped, repeated ones counted once); n <= CASE_LIST_MAX. A document
 * with no value in any facet is made live with fcount_live. Errors:
 * CL_EINVAL (f, n), CL_ETOOBIG (a facet over FCOUNT_VALUES_MAX values),
 * CL_ENOMEM; the document is then dropped (not live, no values). */
int fcount_put(struct fcount *fc, uint32_t doc, int f, const char *const *v, const size_t *len,
	       size_t n, struct cl_errbuf *eb);
/* Makes doc live (no values: all its facets empty unless set). */
int fcount_live(struct fcount *fc, uint32_t doc, struct cl_errbuf *eb);
/* Removes doc and its values (absent: nothing happens). */
void fcount_del(struct fcount *fc, uint32_t doc);
/* Whether doc is live; the number of live documents. */
int fcount_has(const struct fcount *fc, uint32_t doc);
uint64_t fcount_ndocs(const struct fcount *fc);

/* Counts. docs[0..n) is the match set before facet filters (any order,
 * repeats and documents that are not live ignored); docs NULL: every live
 * document. rq's filters (OR within a facet, AND across facets) and year
 * range (documents without a year fail it) apply; rq's text, paging and
 * sort are ignored. facets: the facets to count (bits 1u << EF_x; those
 * rq filters on are counted disjunctively). *total gets the number of
 * documents that pass every filter; res->facets[f] of each counted facet
 * gets its non-zero counts (appended with engine_facet_add, unsorted).
 * CL_OK or CL_ENOMEM (res may hold part of the counts then). */
int fcount_count(struct fcount *fc, const uint32_t *docs, size_t n,
		 const struct search_request *rq, unsigned facets, enum fcount_path path,
		 long *total, struct search_result *res, struct cl_errbuf *eb);

/* A request's filters as a test of one document (the rows path's test):
 * fcount_filter_pass is 1 when doc is live and passes every filter and
 * the year range of rq. The filter borrows fc: use it while fc is not
 * changed. CL_OK or CL_ENOMEM; free with fcount_filter_free (NULL is a
 * no-op). */
struct fcount_filter;
int fcount_filter_new(const struct fcount *fc, const struct search_request *rq,
		      struct fcount_filter **out, struct cl_errbuf *eb);
int fcount_filter_pass(const struct fcount_filter *flt, uint32_t doc);
void fcount_filter_free(struct fcount_filter *flt);

#endif
