/* maptab.h — mapping tables kept as data: source values -> our codes.
 *
 * Every rule that turns a publisher's value ("Öppet förfarande", SNI "P",
 * COFOG "Health", ...) into a facet code is a row in a small TSV file under
 * indexer/maps/, not code. The files are compiled into the binary as text
 * (tools/embed.c, one symbol pair maps_<name>_tsv / maps_<name>_tsv_len per
 * file) and parsed here, so the program needs no data file at run time and
 * the tests can check every row.
 *
 * File format (docs/sources-csv.md): UTF-8, TAB-separated, LF line ends (a
 * CR before the LF is tolerated); lines starting with '#' and empty lines
 * are ignored; the first other line is the header naming the columns; every
 * row has as many fields as the header. Fields carry no leading or trailing
 * spaces and no control characters; a field may be empty (it then matches
 * an empty source value). In key columns "*" matches any value; in code
 * columns "-" means "known value, deliberately no code".
 *
 * A struct maptab owns a copy of its text; all strings point into it. */
#ifndef MAPTAB_H
#define MAPTAB_H

#include <stddef.h>

#include "cl_err.h"

#define MAPTAB_MAX_TEXT (1u << 20) /* 1 MiB: far above any real table */
#define MAPTAB_MAX_COLS 16

struct maptab {
	char *name;    /* "se_procedure" (owned) */
	char *text;    /* owned copy; cells point into it */
	size_t ncols;
	size_t nrows;  /* data rows, header excluded */
	char **header; /* ncols column names */
	char **cells;  /* nrows * ncols, row-major */
	long *line;    /* source line of each row (from 1, comments counted) */
};

void maptab_init(struct maptab *t);
/* Frees everything and re-initialises. NULL is a no-op. */
void maptab_release(struct maptab *t);

/* Parses TSV text (len bytes, need not be NUL-terminated) into t (which
 * is released first). name is used in messages. Returns CL_OK, CL_ENOMEM,
 * CL_ETOOBIG, or CL_ECORRUPT with "map NAME line N: reason" in eb. */
int maptab_parse(struct maptab *t, const char *name, const char *text, size_t len,
		 struct cl_errbuf *eb);

/* Parses the built-in table NAME (e.g. "se_procedure"). CL_ENOTFOUND when
 * no such table is compiled in (the message names the TSV file). */
int maptab_load_builtin(struct maptab *t, const char *name, struct cl_errbuf *eb);

/* The compiled-in text of table NAME, or NULL. Borrowed (static). */
const char *maptab_builtin_text(const char *name, size_t *len);

/* Names of the tables this binary knows (compiled in or not), in a fixed
 * order; *n gets the count. Borrowed (static). */
const char *const *maptab_builtin_names(size_t *n);

/* Column index of a header name, or -1. */
long maptab_col(const struct maptab *t, const char *name);

/* Cell (row, col); NULL when out of range. Borrowed from t. */
const char *maptab_cell(const struct maptab *t, size_t row, size_t col);

/* The first row at or after `from` whose first nkeys cells match keys
 * (a cell "*" matches anything), or -1. Rows are tried in file order, so
 * put exact rows before wildcard rows. */
long maptab_find(const struct maptab *t, size_t from, const char *const *keys, size_t nkeys);

/* The code in column col of the first row whose first nkeys cells match
 * keys (as maptab_find); NULL when no row matches or the row says "-" (or
 * has an empty cell). Borrowed from t. */
const char *maptab_code(const struct maptab *t, const char *const *keys, size_t nkeys, size_t col);

/* Collects the codes of column `col` from every row whose first nkeys
 * cells match keys (as maptab_find), skipping "-". Stores at most max
 * borrowed pointers in out, without duplicates, and returns how many;
 * *matched (may be NULL) gets 1 if any row matched (even a "-" one). */
size_t maptab_codes(const struct maptab *t, const char *const *keys, size_t nkeys, size_t col,
		    const char **out, size_t max, int *matched);

#endif
