/* csv.h — RFC 4180 CSV writing (UTF-8, CRLF line ends, quoting only when
 * needed), with protection against spreadsheet formula injection.
 *
 * A struct csv_writer wraps a FILE * it does not own. */
#ifndef CSV_H
#define CSV_H

#include <stdio.h>
#include <stddef.h>

struct csv_writer {
	FILE *f;      /* borrowed */
	int nfields;  /* fields written on the current row */
	int err;      /* sticky: 0, or CL_EIO after the first failed write */
	int guard;    /* 1: neutralise cells that a spreadsheet would run */
	char sep;     /* field separator: ',' (csv_writer_init), or csv_writer_sep */
};

/* guard != 0 prefixes a text cell that starts with '=', '+', '-', '@',
 * TAB or CR with an apostrophe, as OWASP recommends, so that opening an
 * export in a spreadsheet never executes a formula from a case. */
void csv_writer_init(struct csv_writer *w, FILE *f, int guard);
/* Separates fields with sep instead of ',' (';' for a spreadsheet in a
 * locale whose decimal mark is a comma, as Swedish Excel); a field holding
 * sep is quoted. */
void csv_writer_sep(struct csv_writer *w, char sep);

/* Appends one field to the current row. s may be NULL (empty field).
 * Quotes the field when it contains a comma, quote, CR or LF. */
void csv_field(struct csv_writer *w, const char *s);
/* Appends a field that is a number or code and is never guarded. */
void csv_field_raw(struct csv_writer *w, const char *s);
/* Ends the current row (CRLF). */
void csv_end_row(struct csv_writer *w);

/* Returns the sticky error: 0 or CL_EIO. */
int csv_error(const struct csv_writer *w);

#endif
