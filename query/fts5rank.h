/* fts5rank.h — the FTS5 auxiliary function cl_bm25: SQLite's bm25() with a
 * weight per phrase of the MATCH expression, so that alternatives the user
 * did not type (translations of a query word) can count for less than the
 * user's own words. bm25() weighs every phrase alike. docs/engine-fts5.md.
 *
 * Use: after fts5rank_register(db),
 *   SELECT rowid, cl_bm25(t, '1 0.5', 10.0, 1.0) FROM t
 *   WHERE t MATCH 'skola OR school' ORDER BY 2
 * Arguments after the table:
 *   phrase_weights  TEXT: one decimal number (0 to 100, digits with an
 *                   optional fraction and exponent: "1", "0.25", "5e-1")
 *                   per phrase of the MATCH expression, in the order FTS5
 *                   numbers them (the order the phrases stand in the
 *                   expression text, NOT clauses included), separated by
 *                   single spaces. NULL, '' or no argument: every phrase 1.
 *                   Fewer numbers than phrases: the rest 1; more: the extra
 *                   ones are checked but not used (a caller may pass one
 *                   string for a family of expressions). Two FTS5 rules
 *                   to keep in mind: a phrase without any token (only
 *                   stopwords) joined by juxtaposition (implicit AND) is
 *                   dropped and renumbers the phrases after it (with
 *                   explicit AND/OR it keeps its number); and, as in
 *                   bm25(), a phrase adds only where FTS5 reports its
 *                   instances: not from a branch of the expression that
 *                   did not match the row.
 *   col_w1, ...     column weights, as bm25()'s (missing ones 1).
 * The value is bm25()'s (k1 1.2, b 0.75, IDF log((N - n + 0.5) / (n + 0.5))
 * floored at 1e-6, document length over all columns, the score negated:
 * smaller is better) with phrase i's term multiplied by its weight; with
 * every weight 1 it is bm25()'s to the last bit. A malformed weight string
 * (not a number, negative, above 100, double or outer spaces) is an SQL
 * error naming the bad number. */
#ifndef FTS5RANK_H
#define FTS5RANK_H

#include <sqlite3.h>

#include "cl_err.h"

#define FTS5RANK_NAME "cl_bm25"
#define FTS5RANK_WEIGHT_MAX 100.0

/* Registers cl_bm25 on db. Returns CL_OK; CL_EINVAL without db;
 * CL_EUNSUPPORTED when this SQLite has no FTS5; CL_EDB with SQLite's
 * message in eb. May be called again on the same db (the registration is
 * replaced). */
int fts5rank_register(sqlite3 *db, struct cl_errbuf *eb);

#endif
