/* xs.h — the Xapian shim: a C interface to Xapian 1.4, the only C++ in
 * caselib (query/xs.cc). The search engine on top (query/engine_xapian.c)
 * decides WHAT to index and how to name prefixes and value slots; this
 * module only offers the mechanisms, generic and data-driven.
 *
 * Conventions (docs/xapian-shim.md has the long form):
 * - Opaque handles (struct xs_db, struct xs_doc); no Xapian or STL type
 *   crosses this header. Every function is extern "C" and noexcept: C++
 *   exceptions (Xapian::Error, std::exception, anything) are caught at the
 *   boundary and become a negative code from cl_err.h, with a one-line
 *   message "<what>: <XapianErrorType>: <message>" in eb (eb may be NULL).
 * - Error mapping: DatabaseLockError -> CL_EBUSY; DatabaseNotFoundError,
 *   DocNotFoundError -> CL_ENOTFOUND; DatabaseCorruptError -> CL_ECORRUPT;
 *   NetworkError (incl. timeouts) -> CL_ENET; QueryParserError,
 *   WildcardError -> CL_EQUERY; InvalidArgumentError -> CL_EINVAL;
 *   UnimplementedError, FeatureUnavailableError -> CL_EUNSUPPORTED;
 *   DatabaseVersionError -> CL_ESCHEMA; DatabaseCreateError -> CL_EIO;
 *   std::bad_alloc -> CL_ENOMEM;
 *   every other error -> CL_EENGINE. A NULL handle or required pointer
 *   argument -> CL_EINVAL.
 * - Ownership: strings returned through char **out are malloc()ed (caller
 *   free()s). A struct xs_result is freed with xs_result_free, handles with
 *   xs_db_close / xs_doc_free; all free functions accept NULL. Input
 *   pointers are borrowed for the duration of the call only.
 * - Term naming: Xapian's conventions. Free-text words are indexed
 *   unprefixed and lowercase ("upphandling", with positions) plus their
 *   stem with a Z prefix ("Zupphandl", no positions: STEM_SOME); a field
 *   prefix is a run of ASCII capitals ("S" title, "B" buyer, "XS..." for
 *   a multi-letter one), giving "Supphandling" and "ZSupphandl". The shim
 *   reserves "Q" (unique id term "Q"+id) and "Z" (stems): prefixes and
 *   boolean terms may not start with either.
 * - A handle is used by one thread at a time (Xapian objects are not
 *   thread-safe); open one xs_db per thread. */
#ifndef XS_H
#define XS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "cl_err.h" /* a C header: inside extern "C" for xs.cc */

struct xs_db;          /* opaque: an open database (local, or stub of shards) */
struct xs_doc;         /* opaque: a document being built for indexing */

/* The value slot xs_doc_set_id also stores the id in (reserved: hits read
 * the id from it, which over remote shards saves fetching the termlist;
 * documents indexed before it was added are read from their "Q" term). */
#define XS_ID_SLOT 0xfffffff0u

/* Longest id (bytes) accepted for "Q"+id; Xapian's term limit is 245. */
#define XS_ID_MAX 240
/* Longest term or prefix accepted by xs_doc_add_boolean / filters. */
#define XS_TERM_MAX 240
/* Default cap on the terms one prefix wildcard expands to (the most
 * frequent ones are kept). */
#define XS_DEFAULT_MAX_WILDCARD 1000

/* ---- databases ---------------------------------------------------------- */

/* Opens the Xapian database in directory path. writable: create it when
 * missing (one writer at a time: a second writer, even in the same
 * process, gets CL_EBUSY "DatabaseLockError: ..."). Read-only: a missing
 * database is CL_ENOTFOUND; a file that is not a database gives
 * CL_EENGINE or CL_ECORRUPT; a writer whose commits keep discarding the
 * revision being opened (tried 10 times) is CL_EBUSY. Caller frees *out
 * with xs_db_close. */
int xs_db_open(const char *path, int writable, struct xs_db **out, struct cl_errbuf *eb);

/* Opens a stub file listing shards, one per line, read-only:
 *   remote tcp HOST:PORT     (also "remote HOST:PORT"; IPv6 as [addr]:port)
 *   auto PATH | glass PATH   (a local database; relative to the stub's folder)
 * Blank lines and lines starting with '#' are ignored. timeout_ms bounds
 * each remote operation and the connect (0: Xapian's default, 10 s);
 * exceeding it is CL_ENET. A shard that cannot be opened is named in the
 * message ("shard 1 (remote tcp HOST:PORT, stub line 3) is unavailable:
 * ..."; shards count from 0). A stub without shards, or a bad line:
 * CL_EINVAL with the line number. Remote shards do not offer spelling
 * data in Xapian 1.4 (queries still work; xs_spelling_foreach finds no
 * word). */
int xs_db_open_stub(const char *path, unsigned timeout_ms, struct xs_db **out,
		    struct cl_errbuf *eb);

/* Closes the handle. A writable database commits pending changes (that is
 * Xapian's close(); errors there are lost: call xs_db_commit first when it
 * matters). NULL is a no-op. */
void xs_db_close(struct xs_db *db);

/* Brings a read-only handle up to the latest committed revision. A writer
 * that commits while the reopen reads overtakes it (DatabaseModifiedError):
 * it then tries again, ten times in all, before CL_EBUSY; searches
 * likewise reopen and run again by themselves. A no-op for a writable
 * handle. */
int xs_db_reopen(struct xs_db *db, struct cl_errbuf *eb);

/* Number of documents (all shards). */
int xs_doc_count(struct xs_db *db, unsigned long *out, struct cl_errbuf *eb);

/* Makes every change since the last commit durable, atomically: documents,
 * deletions, metadata and spelling data together. Writable only
 * (else CL_EINVAL). */
int xs_db_commit(struct xs_db *db, struct cl_errbuf *eb);

/* User metadata (e.g. "last applied change-log seq"), committed with the
 * documents by xs_db_commit. An empty value deletes the key. get: *out is a
 * malloc()ed NUL-terminated copy, or NULL when the key is not set. Keys are
 * 1..200 bytes. */
int xs_db_set_metadata(struct xs_db *db, const char *key, const char *value,
		       struct cl_errbuf *eb);
int xs_db_get_metadata(struct xs_db *db, const char *key, char **out, struct cl_errbuf *eb);

/* Spelling data. When enabled on a writable handle, xs_db_replace adds the
 * unprefixed free-text words of each document (with their frequencies) to
 * the spelling table and removes those of the document it replaces;
 * xs_db_delete removes them. Off by default; the setting is per handle. */
int xs_db_enable_spelling(struct xs_db *db, int on, struct cl_errbuf *eb);

/* Replaces the spelling data of dst (writable) by that of src (any handle;
 * a stub of local shards gives the sum over them): how a small local
 * database gets the spelling data that remote shards cannot serve
 * (indexer/shard.h). Committed with dst's next xs_db_commit. *nwords (may
 * be NULL) gets the number of words copied. */
int xs_db_copy_spelling(struct xs_db *dst, struct xs_db *src, unsigned long *nwords,
			struct cl_errbuf *eb);

/* ---- bulk builds (indexer/sync.h: reindex) ------------------------------
 * A bulk build writes fresh partial databases (one per thread) that are
 * merged into one compact database at the end; the live index is never
 * touched until the caller switches to the result. */

/* Creates a new, empty database in path (which must not hold one) for a
 * bulk build: without fsync (a build that dies is thrown away), spelling
 * off. Safe to call from several threads at once (each its own path).
 * Caller frees with xs_db_close. */
int xs_db_create_bulk(const char *path, struct xs_db **out, struct cl_errbuf *eb);

/* Adds doc as a new document (no look-up of an older one with its id:
 * for bulk builds, where every id comes once). doc stays the caller's. */
int xs_db_add(struct xs_db *db, struct xs_doc *doc, struct cl_errbuf *eb);

/* One vocabulary pass: adds every unprefixed term of db (the free-text
 * words) to its spelling data, with its collection frequency (the sum of
 * its within-document frequencies), which is exactly what xs_db_replace
 * with spelling on would have added document by document. Writable only;
 * committed with the next xs_db_commit. *nwords (may be NULL) gets the
 * number of words. */
int xs_db_spelling_from_terms(struct xs_db *db, unsigned long *nwords, struct cl_errbuf *eb);

/* Merges the n databases in src (directories, closed) into a new compact
 * database in dst (Xapian::Database::compact, FULLER: full blocks, in
 * several passes when there are many sources; documents renumbered in
 * source order), metadata and spelling data included (a
 * metadata key in several sources: the first source's value). */
int xs_db_compact(const char *const *src, size_t n, const char *dst, struct cl_errbuf *eb);

/* ---- indexing ----------------------------------------------------------- */

/* A new empty document. lang "sv"/"swedish" and "en"/"english" select the
 * Snowball stemmer; anything else (or NULL) indexes without stemming.
 * Caller frees with xs_doc_free. */
int xs_doc_new(const char *lang, struct xs_doc **out, struct cl_errbuf *eb);
void xs_doc_free(struct xs_doc *doc);

/* Sets the document's unique id: the term "Q"+id (1..XS_ID_MAX bytes). A
 * second call replaces the first. */
int xs_doc_set_id(struct xs_doc *doc, const char *id, struct cl_errbuf *eb);

/* Indexes text (UTF-8; NULL is a no-op) with Xapian's TermGenerator: words
 * lowercased, positions kept (phrases), stems added with a Z prefix
 * (STEM_SOME), each occurrence adding weight to the within-document
 * frequency (0 is taken as 1; title 3, summary 2, body 1 gives field
 * weights). prefix: "" or NULL for free text, else ASCII capitals ("S");
 * not "Q..." or "Z...". Successive calls are separated by a gap of 100
 * positions so phrases never join two fields. */
int xs_doc_index_text(struct xs_doc *doc, const char *text, const char *prefix,
		      unsigned weight, struct cl_errbuf *eb);

/* xs_doc_index_text without positions: the same terms and within-document
 * frequencies, no position data, so no phrase of these terms matches by
 * itself. For a copy of text whose positions another prefix keeps (see
 * xs_query_opts.phrase_prefixes): the index is smaller by those
 * positions. */
int xs_doc_index_text_without_positions(struct xs_doc *doc, const char *text, const char *prefix,
					unsigned weight, struct cl_errbuf *eb);

/* Adds a boolean (filter/facet) term, e.g. "XSsector:health": wdf 0, no
 * position, no effect on ranking. Must start with an ASCII capital other
 * than Q or Z, at most XS_TERM_MAX bytes. */
int xs_doc_add_boolean(struct xs_doc *doc, const char *term, struct cl_errbuf *eb);

/* Adds a term the caller analysed itself (its own stems, say), exactly as
 * given: wdf_inc added to its within-document frequency, no position.
 * The term must carry a prefix: start with an ASCII capital other than Q
 * ("XV..." or "Z..."), at most XS_TERM_MAX bytes; so it is never taken for
 * spelling data. */
int xs_doc_add_term(struct xs_doc *doc, const char *term, unsigned wdf_inc,
		    struct cl_errbuf *eb);

/* Sets value slot (0..0xfffffffe, not XS_ID_SLOT) to len bytes (sort keys, ranges, counts).
 * len 0 removes it. */
int xs_doc_set_value(struct xs_doc *doc, unsigned slot, const char *bytes, size_t len,
		     struct cl_errbuf *eb);
/* Appends one item to a multi-valued slot (items separated by NUL bytes:
 * item must not contain one; len 0 items are ignored). Count such a slot
 * with xs_count_req.multi = 1; each document counts once per distinct item. */
int xs_doc_add_value_item(struct xs_doc *doc, unsigned slot, const char *item, size_t len,
			  struct cl_errbuf *eb);

/* Sets the stored data returned with hits (NULL: empty). */
int xs_doc_set_data(struct xs_doc *doc, const char *data, struct cl_errbuf *eb);

/* Adds or replaces the document whose id term is "Q"+id (replace_document
 * by term). id NULL uses the id set with xs_doc_set_id; a different id
 * replaces it in doc. No id at all: CL_EINVAL. doc stays owned by the
 * caller and may be freed right after. Writable only. */
int xs_db_replace(struct xs_db *db, const char *id, struct xs_doc *doc, struct cl_errbuf *eb);

/* Deletes the document with id; an absent id is not an error (change-log
 * replay is idempotent). Writable only. */
int xs_db_delete(struct xs_db *db, const char *id, struct cl_errbuf *eb);

/* The document number of id as this handle sees it (a writer: with its
 * uncommitted changes). CL_ENOTFOUND when id is not indexed. A replace
 * keeps a document's number; a new document gets a number above every
 * earlier one, and numbers are never given again. */
int xs_db_docid(struct xs_db *db, const char *id, unsigned *docid, struct cl_errbuf *eb);

/* The values of document docid in slots[0..n): cb(ud, i, bytes, len) for
 * each slot i that has one, in order. A non-zero return of cb stops and is
 * returned. CL_ENOTFOUND when there is no such document; CL_EBUSY when a
 * reader fell behind a writer's commits (xs_db_reopen, then again). */
int xs_doc_values(struct xs_db *db, unsigned docid, const unsigned *slots, size_t n,
		  int (*cb)(void *ud, size_t i, const char *v, size_t len), void *ud,
		  struct cl_errbuf *eb);

/* The stored data of document id (see xs_doc_set_data): *data is a
 * malloc()ed NUL-terminated copy, *len (may be NULL) its length.
 * CL_ENOTFOUND when id is not indexed. */
int xs_db_get_data(struct xs_db *db, const char *id, char **data, size_t *len,
		   struct cl_errbuf *eb);

/* Stems one word with Xapian's Snowball stemmer for lang (any language
 * Xapian knows: "sv", "en", "swedish", ...); the word is used as given
 * (no case folding). CL_EINVAL for an unknown language. Caller frees. */
int xs_stem(const char *lang, const char *word, char **out, struct cl_errbuf *eb);

/* ---- querying ----------------------------------------------------------- */

/* xs_query_opts.flags */
#define XS_Q_DEFAULT_AND 0x001u   /* words are ANDed (else ORed) */
#define XS_Q_PHRASE 0x002u        /* text: "a phrase" */
#define XS_Q_WILDCARD 0x004u      /* text: prefix word* */
#define XS_Q_BOOLEAN 0x010u       /* text: AND OR NOT ( ) and +word -word */
#define XS_Q_PLAIN_ON_ERROR 0x040u /* text the parser rejects: plain words */
#define XS_Q_ONE_FORM 0x200u      /* XS_C_TERMS: all terms match, but only the
				   * most frequent one weighs (BM25 of one term,
				   * no union estimate, no summed wdf) */
#define XS_Q_FOLD_CASE 0x100u     /* lowercase words first (else Xapian
				   * leaves Capitalised words unstemmed) */
#define XS_Q_DEFAULTS                                                          \
	(XS_Q_DEFAULT_AND | XS_Q_PHRASE | XS_Q_WILDCARD | XS_Q_BOOLEAN |        \
	 XS_Q_PLAIN_ON_ERROR | XS_Q_FOLD_CASE)

/* A user field name mapped to a term prefix in query text: "title" -> "S"
 * (free text, stemmed) or, with boolean set, a filter field "sector" ->
 * "XSsector:" whose value is taken verbatim. */
struct xs_field {
	const char *field;
	const char *prefix;
	int boolean;
};

/* A query clause, for callers that parse the user's syntax themselves
 * (query/qparse.c): nothing in clause text is syntax to Xapian. */
enum xs_clause_kind {
	XS_C_WORD,       /* word(s): tokenised like the index, stemmed (STEM_SOME) */
	XS_C_PHRASE,     /* the words in this order, adjacent (unstemmed terms) */
	XS_C_PREFIX,     /* every indexed word starting with text (unstemmed) */
	XS_C_TERMS,      /* exact terms separated by single spaces, matched as
			  * alternatives weighted as one term (OP_SYNONYM); a tab
			  * then more terms: a boosted subset (title forms), ORed
			  * in scaled by xs_query_opts.boost (ranking); then
			  * translations, each after a '\v': its words separated
			  * by '\n', a word's terms by spaces (all words match);
			  * ORed in scaled by xs_query_opts.alt_weight: the
			  * one-word ones as one set of forms, one of n words at
			  * 1/n, these ORed */
	XS_C_TERM_PHRASE /* exact terms separated by single spaces, at
			  * consecutive positions (raw words of xs_doc_index_text) */
};
struct xs_clause {
	enum xs_clause_kind kind;
	const char *text;
	const char *prefix; /* field term prefix ("S"), "" or NULL: free text;
			     * for the TERM kinds prepended to each term as is */
	int negated;        /* exclude matches (AND NOT) */
	/* Minimum to match (xs_query_opts.min_should): clauses with the same
	 * group > 0 are one query word (its alternatives); 0: not counted. */
	unsigned group;
	/* An exact term (a facet's boolean term, "XST:inn") that also matches
	 * this clause, with no weight; NULL: none. Not for negated clauses. */
	const char *or_term;
};

/* OR within a group, AND across groups; applied with OP_FILTER so they
 * never change weights. An empty group is ignored. */
struct xs_filter_group {
	const char *const *terms;
	size_t n;
};

/* Value range on a slot, bytes compared as strings (use
 * fixed-width text for numbers, "YYYY-MM-DD" for dates). lo NULL:
 * no lower bound; hi NULL: no upper bound. Ranges are ANDed. */
struct xs_range {
	unsigned slot;
	const char *lo;
	size_t lo_len;
	const char *hi;
	size_t hi_len;
};

enum xs_sort {
	XS_SORT_RELEVANCE,           /* weight desc */
	XS_SORT_KEYS,                /* by the sort keys only */
	XS_SORT_RELEVANCE_THEN_KEYS, /* weight, ties by the keys */
	XS_SORT_KEYS_THEN_RELEVANCE  /* keys, ties by weight */
};
/* Remaining ties are always broken by ascending docid: paging is stable. */
struct xs_sort_key {
	unsigned slot;
	int descending;
};

/* Value slots to count over the whole match set (exact). */
struct xs_count_req {
	unsigned slot;
	int multi; /* 1: the slot holds NUL-separated items (xs_doc_add_value_item) */
};

/* Xapian's BM25 parameters (defaults k1 1, k2 0, k3 1, b 0.5,
 * min_normlen 0.5). */
struct xs_bm25 {
	double k1, k2, k3, b, min_normlen;
};

struct xs_query_opts {
	/* What to match: clauses when n_clauses > 0, else text parsed by
	 * Xapian's QueryParser (the syntax flags above). Neither (NULL or
	 * blank text): every document. */
	const char *text;
	const struct xs_clause *clauses;
	size_t n_clauses;
	const char *lang;  /* stemmer as for xs_doc_new */
	unsigned flags;    /* XS_Q_* */
	const struct xs_field *fields; /* text mode: field:word */
	size_t n_fields;
	const char *const *stopwords; /* dropped from queries (not phrases) */
	size_t n_stopwords;
	unsigned max_wildcard; /* 0: XS_DEFAULT_MAX_WILDCARD */

	const struct xs_filter_group *filters;
	size_t n_filters;
	const struct xs_range *ranges;
	size_t n_ranges;

	enum xs_sort sort;
	const struct xs_sort_key *sort_keys;
	size_t n_sort_keys;
	size_t offset, limit; /* limit 0: counts and total only */

	const struct xs_count_req *counts;
	size_t n_counts;

	int use_bm25; /* 1: use bm25 below, else Xapian's defaults */
	struct xs_bm25 bm25;

	/* xs_similar / xs_similar_text: term prefixes the expansion may use
	 * (NULL: only unprefixed words and their Z stems, i.e. {""}). */
	const char *const *expand_prefixes;
	size_t n_expand_prefixes;
	/* xs_similar_text: the prefix of the text's words' terms (NULL: none;
	 * ASCII capitals, not Q or Z), e.g. for text that already is stems. */
	const char *text_prefix;

	/* Pseudo-relevance feedback (xs_search with a relevance sort and a
	 * limit > 0): the prf_docs best matches are taken as relevant, their
	 * prf_terms best expansion terms (RM3: relevance-model probability
	 * from those documents, restricted like expand_prefixes, never
	 * o->stopwords, stems only) are added with OP_AND_MAYBE, weighted
	 * prf_weight * (number of query clauses) * p(term), p summing to 1
	 * (prf_weight 1 = RM3's lambda 0.5). Only the order changes: the
	 * match set, total and counts stay those of the query. 0 docs or
	 * terms: off. */
	unsigned prf_docs, prf_terms;
	double prf_weight;
	/* XS_C_TERMS: the weight factor of the terms after a tab (0: those
	 * terms are ignored). They must be among the clause's terms' matches
	 * (title forms of its words): the match set does not change. */
	double boost;
	/* XS_C_TERMS: the weight factor of the translations (after '\v');
	 * they match whatever it is (0: they add no weight). Default 1. */
	double alt_weight;
	/* Clause mode, positives ORed: a document must also match clauses of
	 * at least min_should different groups (xs_clause.group), as the
	 * query AND_NOT (every document AND_NOT (the OR over groups g of (g
	 * AND any group before g))): only min_should 2 is supported; 0 or 1:
	 * off. Weights unchanged (an OP_FILTER or an OP_AND with a 0-scaled
	 * right side of that shape changed the left side's weights in Xapian
	 * 1.4.22, docs/ranking.md). On the rule's side a XS_C_TERMS clause is
	 * the plain OR of its terms (a translation of several words counts by
	 * any of them): its weighted form there made Xapian 1.4.22 read
	 * uninitialised memory (valgrind). */
	unsigned min_should;
	/* The counting layer (query/fcount.h) of a local database: the
	 * result's docids get the docid of every match (the whole match set;
	 * with limit 0 the match is unranked, which is cheaper). */
	int collect_docids;
	/* A filter the caller evaluates itself (local databases): decide is
	 * called with the docid of every match, before paging, sorting and
	 * collect_docids; only the matches it returns non-zero for are hits
	 * and count in total. It must not fail (it is C: nothing is thrown).
	 * The counting layer's decides by its own table and records every
	 * docid it sees: the match set before filters, from the ranked pass. */
	int (*decide)(void *ud, unsigned docid);
	void *decide_ud;
	/* Where the positions of the free text are, when its unprefixed copy
	 * was indexed without them (xs_doc_index_text_without_positions): the
	 * prefixes of the fields that hold every word of it once more, with
	 * positions (ASCII capitals, not Q or Z). A XS_C_TERM_PHRASE clause of
	 * prefix "" then matches as the AND of its unprefixed terms, filtered
	 * by the phrase under any of these prefixes: the same documents as the
	 * phrase (a phrase never crosses two texts: xs_doc_index_text's gap)
	 * and the same weights (a Xapian 1.4 phrase weighs as the AND of its
	 * terms). NULL: the unprefixed terms have positions. XS_C_PHRASE and
	 * text mode phrases are not rewritten. */
	const char *const *phrase_prefixes;
	size_t n_phrase_prefixes;
};

/* Defaults: flags XS_Q_DEFAULTS, limit 10, Xapian's BM25 values (unused
 * until use_bm25 is set), everything else 0/NULL. */
void xs_query_opts_init(struct xs_query_opts *o);

struct xs_hit {
	char *id;        /* from the "Q" term; NULL if the document has none */
	unsigned docid;
	double weight;
	int percent;
	char *data;      /* stored data, NUL-terminated */
	size_t data_len;
};

struct xs_count {
	char *value;     /* bytes (NUL-terminated for convenience) */
	size_t len;
	unsigned long count;
};

struct xs_slot_counts {
	unsigned slot;
	struct xs_count *items; /* in byte order of value */
	size_t n;
};

struct xs_result {
	unsigned long total;        /* exact number of matches */
	struct xs_hit *hits;        /* offset .. offset+limit */
	size_t n_hits;
	struct xs_slot_counts *counts; /* one per xs_count_req, same order */
	size_t n_counts;
	unsigned *docids;           /* collect_docids: the match set, in no order */
	size_t n_docids;
	int parsed_as_plain;        /* the parser rejected the text: plain words */
	char *query_desc;           /* Xapian's description of the query run */
};

/* Runs a search. *out is set on success; caller frees with xs_result_free.
 * Errors: CL_EQUERY (text the parser rejects and XS_Q_PLAIN_ON_ERROR not
 * set, or a wildcard error), CL_EINVAL (bad options), others as above. */
int xs_search(struct xs_db *db, const struct xs_query_opts *o, struct xs_result **out,
	      struct cl_errbuf *eb);

void xs_result_free(struct xs_result *r);

/* Documents similar to document id, not including it: the nterms best
 * expansion terms of id (Enquire::get_eset with id as the relevant set,
 * 0: 40), restricted to o->expand_prefixes (boolean, facet and id terms
 * never qualify), ORed and run with o's filters, ranges, sort, paging and
 * counts (o->text and o->clauses are ignored; o may be NULL for defaults).
 * CL_ENOTFOUND if id is not indexed. */
int xs_similar(struct xs_db *db, const char *id, size_t nterms,
	       const struct xs_query_opts *o, struct xs_result **out, struct cl_errbuf *eb);

/* Documents similar to a free-text description: its words (stemmed by
 * o->lang, stopwords dropped) ORed, keeping the nterms best by weight
 * (OP_ELITE_SET; 0: 40). Other options as for xs_similar. */
int xs_similar_text(struct xs_db *db, const char *text, size_t nterms,
		    const struct xs_query_opts *o, struct xs_result **out,
		    struct cl_errbuf *eb);

/* The counting layer's sources (query/fcount.h), local databases only
 * (remote shards: CL_EUNSUPPORTED).
 * xs_db_revision: the revision of the open database (it moves with each
 * commit; with xs_db_reopen a reader sees the newest);
 * xs_docid_foreach: cb(ud, docid) for every document, ascending;
 * xs_value_foreach: cb(ud, docid, bytes, len) for every document with a
 * value in slot, ascending. A non-zero return of cb stops the walk and is
 * returned. A reader that falls behind a writer's commits mid-walk gets
 * CL_EBUSY (start again after xs_db_reopen). */
int xs_db_revision(struct xs_db *db, unsigned long long *rev, struct cl_errbuf *eb);
int xs_docid_foreach(struct xs_db *db, int (*cb)(void *ud, unsigned docid), void *ud,
		     struct cl_errbuf *eb);
int xs_value_foreach(struct xs_db *db, unsigned slot,
		     int (*cb)(void *ud, unsigned docid, const char *v, size_t len), void *ud,
		     struct cl_errbuf *eb);

/* Calls cb for every word of the spelling data with its frequency (the
 * sum of its within-document frequencies), in byte order; a non-zero
 * return of cb stops the walk and is returned. A remote database has no
 * spelling data: cb is not called. */
int xs_spelling_foreach(struct xs_db *db, int (*cb)(void *ud, const char *word, unsigned long freq),
			void *ud, struct cl_errbuf *eb);

#ifdef __cplusplus
}
#endif

#endif
