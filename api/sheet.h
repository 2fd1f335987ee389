/* sheet.h — a case as a row of the spreadsheet export (GET /v1/export with
 * lang: format=csv for Excel, format=xlsx): headers in Swedish or English,
 * labels beside codes, a link to the case page, and the summary, outcome
 * and lessons. One column table for both formats (docs/api.md). */
#ifndef SHEET_H
#define SHEET_H

#include <stddef.h>

#include "case.h"

enum sheet_lang { SHEET_SV, SHEET_EN };

/* What a column holds, so the xlsx writer can type its cells. */
enum sheet_type {
	SHEET_TEXT,   /* free text (formula-guarded in CSV) */
	SHEET_CODE,   /* a code or an id: never guarded */
	SHEET_NUMBER, /* a decimal number written with '.' */
	SHEET_DATE,   /* YYYY-MM-DD */
	SHEET_URL,    /* an absolute http(s) URL */
};

/* The number of columns. */
size_t sheet_ncols(void);
/* The heading of column col in language l; NULL when out of range. Static. */
const char *sheet_header(size_t col, enum sheet_lang l);
/* The type of column col. */
enum sheet_type sheet_type(size_t col);

/* The cell of column col for c: a string the caller frees with free(), or
 * NULL for an empty cell (or out of memory). base: the page's address
 * ("http://host:port"), or NULL for no link. Lists are joined with "; ". */
char *sheet_cell(const struct case_record *c, size_t col, enum sheet_lang l, const char *base);

/* The page's address from a Host header value, written into buf as
 * "http://HOST"; 0, or -1 when host is absent or holds anything but
 * letters, digits, '.', '-', ':', '[' and ']' (buf is then ""). */
int sheet_base(const char *host, char *buf, size_t bufsz);

#endif
