/* qparse.h — the user query syntax, parsed once into clauses that each
 * engine translates to its own query language. Both engines thus give the
 * same meaning to the same text, and no user text ever reaches Xapian's
 * or FTS5's own parser as syntax (no query injection).
 *
 * Syntax (docs/search.md):
 *   word            a word (stemmed by the engine)
 *   "two words"     a phrase
 *   upphandl*       a prefix (at least 2 characters before *; not stemmed)
 *   title:word  title:"a phrase"  buyer:...  body:...   field-scoped clause
 *                   (Swedish aliases: titel: köpare:)
 *   -word -"phrase" exclusion (ignored when nothing positive remains)
 * Clauses are ANDed (the engines fall back to OR when AND finds nothing).
 * An unknown field name is searched as words; an unterminated quote runs to
 * the end of the text; a lone * or - is ignored; clauses after the first
 * QP_CLAUSES_MAX are dropped (cut). Never fails on syntax: the
 * only errors are invalid UTF-8 (CL_EQUERY, with the byte position) and
 * over-long text (CL_EINVAL). */
#ifndef QPARSE_H
#define QPARSE_H

#include <stddef.h>

#include "cl_err.h"

/* A pasted description of a need is read up to 200 words (issue 12 point
 * 4); the bytes leave room for 200 long Swedish words. */
#define QP_TEXT_MAX 4096
#define QP_CLAUSES_MAX 200

enum qp_kind { QP_WORD, QP_PHRASE, QP_PREFIX };
enum qp_field { QP_ANY, QP_TITLE, QP_BUYER, QP_BODY };

struct qp_clause {
	enum qp_kind kind;
	enum qp_field field;
	int negated;
	char *text; /* owned; the clause text without quotes, '*', '-' or field */
	size_t pos; /* byte offset in the query where the clause starts */
	char *join; /* NULL, or (owned) a word the engines take as one more
		     * alternative of this word clause: the known compound of
		     * this word and its neighbour, set by query/engine.c
		     * ("röjning snö": snöröjning on both clauses) */
	char **trans;  /* NULL, or (owned, ntrans strings) this word's
			* translations, set by query/translate.c: the engines
			* match them as a separate group weighted below the
			* word (SEM_TRANS_WEIGHT); every clause of a run of
			* words that forms one lexicon entry has them */
	size_t ntrans;
	int trans_run; /* >0: the run of clauses translated together starts
			* here and has this many; 0: none, or inside a run */
	int trans_head; /* 1: the last of trans is not a translation but the
			 * word's compound head, which finds its other
			 * compounds at the same lower weight (query/engine.c
			 * add_heads: vägbelysning -> belysning, gatubelysning) */
	const char *facet_code; /* NULL, or the code of the facet value this
				 * clause names, alone or with the other words
				 * of its run ("kommun", "förkommersiell
				 * upphandling"): the engines also match the
				 * cases tagged with it, with no weight of its
				 * own (query/engine.c name_facets; static: the
				 * taxonomy table's string) */
	int facet;              /* the engine_facet of facet_code */
	int msm;  /* 1: a long query's case must match at least SEM_MSM_MIN of
		   * the clauses marked so (query/engine.c pick_msm) */
};

struct qp_query {
	struct qp_clause *v;
	size_t n;
	int npositive;
	int rewritten; /* 1: some syntax was ignored or repaired */
	int cut;       /* 1: more than QP_CLAUSES_MAX clauses: the rest dropped */
};

void qp_init(struct qp_query *q);
void qp_release(struct qp_query *q);

/* Parses text (len bytes). q must be initialised; on error it stays empty. */
int qp_parse(const char *text, size_t len, struct qp_query *q, struct cl_errbuf *eb);

/* Field name for an enum ("title"), NULL for QP_ANY. */
const char *qp_field_name(enum qp_field f);

/* Checks that s[0..len) is valid UTF-8 (no overlong forms, no surrogates,
 * no NUL). Returns -1 when valid, else the byte offset of the first bad byte. */
long qp_utf8_invalid_at(const char *s, size_t len);

#endif
