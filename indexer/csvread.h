/* csvread.h — a streaming RFC 4180 CSV reader with hard limits.
 *
 * The harvester reads two CSV sources (Upphandlingsmyndigheten's statistics,
 * the IPS innovation cases); both are large enough to stream and come from
 * outside, so the reader never trusts them: every field and record has a
 * size limit, and bad input is an error with a line number, never a crash.
 *
 * Format accepted:
 *  - fields separated by ',', records ended by LF, CRLF or a lone CR;
 *  - a field that starts with '"' is quoted: it may hold commas, CR, LF and
 *    doubled quotes ("" stands for one "); a quote inside an unquoted field
 *    is kept literally (common in real files: 24" screen);
 *  - a UTF-8 byte order mark at the very start is skipped;
 *  - a trailing line end at the end of input does not make an empty record,
 *    and completely empty lines are skipped;
 *  - the text must be valid UTF-8 without NUL bytes.
 *
 * Errors come in two kinds. A bad record (invalid UTF-8, a NUL byte, text
 * after a closing quote, a field, record or field count over the limit) is
 * consumed to its end and reported; the next csvr_next() call reads the
 * record after it, so a parser can skip it with a reason. A fatal error (a
 * quoted field still open at the end of input, a read error, out of
 * memory) ends the input: csvr_fatal() is then non-zero and every later
 * call returns the same error.
 *
 * A struct csvr borrows its FILE * or memory buffer; it owns its buffers
 * (csvr_release frees them). Not thread-safe; one reader per thread. */
#ifndef CSVREAD_H
#define CSVREAD_H

#include <stddef.h>
#include <stdio.h>

#include "cl_err.h"

/* Default limits (docs/sources-csv.md). */
#define CSVR_DEFAULT_MAX_FIELD (1024u * 1024u)      /* bytes in one field */
#define CSVR_DEFAULT_MAX_FIELDS 1024u               /* fields in one record */
#define CSVR_DEFAULT_MAX_RECORD (4u * 1024u * 1024u) /* bytes in one record */

/* csvr_next() results besides the negative error codes. */
#define CSVR_END 0    /* no more records */
#define CSVR_RECORD 1 /* a record was read */

struct csvr {
	/* Limits: set after init, before the first csvr_next(). */
	size_t max_field;
	size_t max_fields;
	size_t max_record;

	/* Source: exactly one of f or mem. */
	FILE *f;                  /* borrowed */
	const unsigned char *mem; /* borrowed */
	unsigned char *rbuf;      /* read buffer for f (owned) */
	size_t rlen, rpos;        /* bytes in mem or rbuf, next one to read */
	int started;            /* BOM check done */
	int eof;                /* source exhausted */
	int fatal;              /* 0, or the sticky fatal error code */
	char fatal_msg[CL_ERRBUF_SIZE];

	/* Position of the next byte: physical line (from 1), column in code
	 * points (from 1). */
	long line;
	long col;
	long rec_line; /* line where the current record starts */

	/* Current record: field i is buf + off[i], NUL-terminated, len[i]
	 * bytes. */
	char *buf;
	size_t blen, bcap;
	size_t *off;
	size_t *len;
	size_t nfields, fcap;
};

/* Readers over a stream or a memory buffer (neither is copied; both must
 * outlive the reader). Limits start at the CSVR_DEFAULT_* values. */
void csvr_init_file(struct csvr *r, FILE *f);
void csvr_init_mem(struct csvr *r, const char *data, size_t len);
/* Frees the buffers. NULL is a no-op. Does not close the FILE. */
void csvr_release(struct csvr *r);

/* Reads the next record. Returns CSVR_RECORD, CSVR_END, or a negative
 * code with a message naming the line (and column) in eb:
 *  CL_EPARSE  invalid UTF-8, NUL byte, text after a closing quote (record
 *             skipped), or an unterminated quoted field (fatal);
 *  CL_ETOOBIG a field, the record or the field count over its limit
 *             (record skipped);
 *  CL_EIO, CL_ENOMEM (fatal).
 * After a skipped record, csvr_line() still gives its first line. */
int csvr_next(struct csvr *r, struct cl_errbuf *eb);

/* Non-zero after a fatal error (the input cannot be read further). */
int csvr_fatal(const struct csvr *r);

/* Physical line (from 1) where the last record read (or skipped) starts. */
long csvr_line(const struct csvr *r);

/* Fields of the last record read. Borrowed until the next csvr_next() or
 * csvr_release(); NUL-terminated; *len (may be NULL) gets the length in
 * bytes. csvr_field returns NULL when i is out of range. */
size_t csvr_nfields(const struct csvr *r);
const char *csvr_field(const struct csvr *r, size_t i, size_t *len);

/* Index of the first field of the last record equal to name, or -1. Meant
 * for the header record. */
long csvr_find(const struct csvr *r, const char *name);

#endif
