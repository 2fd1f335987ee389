/* fts5tok.h — the SQLite FTS5 tokenizer "caselib": our text analyser
 * (textan.h) behind FTS5's fts5_tokenizer interface, so that FTS5 indexes
 * and queries Swedish and English the same way the rest of caselib does.
 *
 * Use: after fts5tok_register(db), tables are created with
 *   CREATE VIRTUAL TABLE t USING fts5(title, body,
 *          tokenize = 'caselib sv decompound');
 * Arguments, in any order:
 *   sv | en | auto | none   language (default sv); auto: each document is
 *                           stemmed as Swedish or English by its stopwords,
 *                           and a query word matches either language's stem
 *   decompound              Swedish compound heads as colocated terms
 *                           ("skolmåltider" is also found by "måltider");
 *                           documents only, never queries
 *   nostop                  index and search stopwords too
 *   nostem                  terms are folded words, not stems
 *   nosurface               do not index the folded word beside its stem
 *                           (smaller index; prefix queries then only match
 *                           stems: "policy*" misses "policy", stem "polici")
 * An unknown argument makes CREATE VIRTUAL TABLE fail.
 *
 * Tokenization by FTS5 mode (docs/text-analysis.md says why):
 *   DOCUMENT   stopwords skipped (they take no position), words stemmed;
 *              the folded word (unless nosurface) and compound heads added
 *              with FTS5_TOKEN_COLOCATED
 *   QUERY      the same analysis without decompounding
 *   PREFIX     ("word*") the last word is folded but not stemmed and never
 *              a stopword: a prefix is not a word, and the stemmer would cut
 *              it as if a word ended there ("avtale*" would become "avtal*",
 *              "organisa*" "organis*"); it matches the indexed surface forms
 *              and the stems that start with it
 *   AUX        (highlight, snippet) the DOCUMENT tokens without the
 *              colocated ones; offsets always point into the original text
 *
 * Each FTS5 table (per connection) gets its own analyser, so a connection
 * may be used from any thread as long as SQLite serialises it. */
#ifndef FTS5TOK_H
#define FTS5TOK_H

#include <sqlite3.h>

#include "cl_err.h"

#define FTS5TOK_NAME "caselib"

/* Registers the "caselib" tokenizer on db. Returns CL_OK; CL_EUNSUPPORTED
 * when this SQLite has no FTS5; CL_EDB with SQLite's message in eb. May be
 * called again on the same db (the registration is replaced). */
int fts5tok_register(sqlite3 *db, struct cl_errbuf *eb);

/* The fts5_api of db in *out (borrowed: valid while db is open), for the
 * modules that register FTS5 extensions (this one, fts5rank.h). who names
 * the caller in eb's messages. Returns CL_OK; CL_EINVAL without db;
 * CL_EUNSUPPORTED when this SQLite has no FTS5 (*out NULL). */
int fts5tok_api(sqlite3 *db, const char *who, fts5_api **out, struct cl_errbuf *eb);

#endif
