/* xlsx.h — the spreadsheet export as an .xlsx workbook (GET /v1/export
 * format=xlsx), through Debian's libxlsxwriter. The library writes a file,
 * so the workbook goes to a temporary file that is unlinked once written
 * and streamed from its descriptor. Columns and cells: sheet.h. */
#ifndef XLSX_H
#define XLSX_H

#include <stddef.h>

#include "cl_err.h"
#include "sheet.h"

struct store;

/* Writes the published cases among ids[0..n) (each re-read from s; one
 * unpublished meanwhile is left out) as one worksheet with a bold, frozen
 * header row and a filter, into a temporary file in $TMPDIR (else /tmp).
 * On success *fd receives a read-only descriptor of the finished file
 * (already unlinked; the caller closes it) and *size its length; returns
 * CL_OK, else a CL_ code with detail in eb and no file left behind. */
int xlsx_export(struct store *s, char *const *ids, size_t n, enum sheet_lang l, const char *base,
		int *fd, size_t *size, struct cl_errbuf *eb);

#endif
