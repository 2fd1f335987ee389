/* csvread.c — streaming RFC 4180 CSV reader (see csvread.h).
 *
 * One byte at a time through a small state machine; UTF-8 is checked on
 * the fly so an error names the physical line and column where it is. A
 * record found bad is read to its end without storing its bytes, which
 * keeps memory bounded by the limits whatever the input. */
#include "csvread.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dbuf.h"

#define RBUF_SIZE 65536

enum st {
	ST_FSTART, /* at the start of a field */
	ST_UNQ,    /* inside an unquoted field */
	ST_QUOTED, /* inside a quoted field */
	ST_QQ,     /* a quote seen inside a quoted field */
};

/* Per-call scanning state. */
struct scan {
	int bad;        /* 0, or the error code of this record */
	char msg[CL_ERRBUF_SIZE];
	unsigned need;  /* UTF-8 continuation bytes still expected */
	unsigned lo, hi; /* allowed range of the next continuation byte */
	long char_line, char_col; /* where the current character started */
	size_t fstart;  /* offset in buf where the current field started */
	long fline;     /* line where the current field started */
};

static void reset_pos(struct csvr *r)
{
	r->max_field = CSVR_DEFAULT_MAX_FIELD;
	r->max_fields = CSVR_DEFAULT_MAX_FIELDS;
	r->max_record = CSVR_DEFAULT_MAX_RECORD;
	r->line = 1;
	r->col = 1;
	r->rec_line = 0;
}

void csvr_init_file(struct csvr *r, FILE *f)
{
	memset(r, 0, sizeof *r);
	reset_pos(r);
	r->f = f;
}

void csvr_init_mem(struct csvr *r, const char *data, size_t len)
{
	memset(r, 0, sizeof *r);
	reset_pos(r);
	r->mem = (const unsigned char *)data;
	r->rlen = data ? len : 0;
	r->eof = 1; /* nothing to read beyond the buffer */
}

void csvr_release(struct csvr *r)
{
	if (!r)
		return;
	free(r->rbuf);
	free(r->buf);
	free(r->off);
	free(r->len);
	r->rbuf = NULL;
	r->buf = NULL;
	r->off = NULL;
	r->len = NULL;
	r->bcap = r->blen = r->fcap = r->nfields = 0;
}

int csvr_fatal(const struct csvr *r)
{
	return r->fatal;
}

long csvr_line(const struct csvr *r)
{
	return r->rec_line;
}

size_t csvr_nfields(const struct csvr *r)
{
	return r->nfields;
}

const char *csvr_field(const struct csvr *r, size_t i, size_t *len)
{
	if (i >= r->nfields)
		return NULL;
	if (len)
		*len = r->len[i];
	return r->buf + r->off[i];
}

long csvr_find(const struct csvr *r, const char *name)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (strcmp(r->buf + r->off[i], name) == 0)
			return (long)i;
	return -1;
}

/* ---- input ---------------------------------------------------------------- */

/* Makes at least one byte available. 1: yes, 0: end of input, CL_EIO or
 * CL_ENOMEM: failure. */
static int fill(struct csvr *r)
{
	size_t n;

	if (r->rpos < r->rlen)
		return 1;
	if (r->eof)
		return 0;
	if (!r->rbuf) {
		r->rbuf = malloc(RBUF_SIZE);
		if (!r->rbuf)
			return CL_ENOMEM;
	}
	n = fread(r->rbuf, 1, RBUF_SIZE, r->f);
	r->rpos = 0;
	r->rlen = n;
	if (n == 0) {
		r->eof = 1;
		return ferror(r->f) ? CL_EIO : 0;
	}
	return 1;
}

static const unsigned char *src(const struct csvr *r)
{
	return r->mem ? r->mem : r->rbuf;
}

/* Next byte (0..255), or GET_EOF at the end of the input or on a read
 * failure (then *err is set to CL_EIO or CL_ENOMEM). */
#define GET_EOF (-1000)
static int get(struct csvr *r, int *err)
{
	int rc = fill(r);

	if (rc < 0) {
		*err = rc;
		return GET_EOF;
	}
	if (rc == 0)
		return GET_EOF;
	return src(r)[r->rpos++];
}

/* The next byte without consuming it, or GET_EOF. Errors surface on the
 * following get(). */
static int peek(struct csvr *r)
{
	if (fill(r) <= 0)
		return GET_EOF;
	return src(r)[r->rpos];
}

/* ---- record buffer ------------------------------------------------------- */

static void mark_bad(struct scan *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void mark_bad(struct scan *s, int code, const char *fmt, ...)
{
	va_list ap;

	if (s->bad)
		return;
	s->bad = code;
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof s->msg, fmt, ap);
	va_end(ap);
}

/* Appends one content byte to the current field unless the record is
 * already bad. */
static int put(struct csvr *r, struct scan *s, int ch)
{
	int rc;

	if (s->bad)
		return CL_OK;
	if (r->blen - s->fstart >= r->max_field) {
		mark_bad(s, CL_ETOOBIG, "line %ld: field %zu is longer than %zu bytes", s->fline,
			 r->nfields + 1, r->max_field);
		return CL_OK;
	}
	if (r->blen >= r->max_record) {
		mark_bad(s, CL_ETOOBIG, "line %ld: record is longer than %zu bytes",
			 r->rec_line, r->max_record);
		return CL_OK;
	}
	rc = dbuf_grow(&r->buf, &r->bcap, r->blen + 2, 1);
	if (rc)
		return rc;
	r->buf[r->blen++] = (char)ch;
	return CL_OK;
}

static int end_field(struct csvr *r, struct scan *s)
{
	int rc;

	if (s->bad)
		return CL_OK;
	if (r->nfields >= r->max_fields) {
		mark_bad(s, CL_ETOOBIG, "line %ld: record has more than %zu fields",
			 r->rec_line, r->max_fields);
		return CL_OK;
	}
	rc = dbuf_grow(&r->buf, &r->bcap, r->blen + 1, 1);
	if (rc)
		return rc;
	if (r->nfields == r->fcap) {
		size_t capo = r->fcap, capl = r->fcap; /* off and len share fcap */

		if (dbuf_grow(&r->off, &capo, r->nfields + 1, sizeof *r->off) ||
		    dbuf_grow(&r->len, &capl, r->nfields + 1, sizeof *r->len))
			return CL_ENOMEM;
		r->fcap = capo;
	}
	r->buf[r->blen] = '\0';
	r->off[r->nfields] = s->fstart;
	r->len[r->nfields] = r->blen - s->fstart;
	r->nfields++;
	r->blen++;
	s->fstart = r->blen;
	return CL_OK;
}

/* UTF-8 and NUL check of one byte, with the column bookkeeping. */
static void check_byte(struct csvr *r, struct scan *s, int ch)
{
	unsigned b = (unsigned)ch;

	if (s->need == 0) {
		s->char_line = r->line;
		s->char_col = r->col;
		r->col++;
		if (b == 0) {
			mark_bad(s, CL_EPARSE, "line %ld, column %ld: NUL byte", s->char_line,
				 s->char_col);
		} else if (b < 0x80) {
			/* ASCII */
		} else if (b >= 0xC2 && b <= 0xDF) {
			s->need = 1, s->lo = 0x80, s->hi = 0xBF;
		} else if (b == 0xE0) {
			s->need = 2, s->lo = 0xA0, s->hi = 0xBF;
		} else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
			s->need = 2, s->lo = 0x80, s->hi = 0xBF;
		} else if (b == 0xED) {
			s->need = 2, s->lo = 0x80, s->hi = 0x9F;
		} else if (b == 0xF0) {
			s->need = 3, s->lo = 0x90, s->hi = 0xBF;
		} else if (b >= 0xF1 && b <= 0xF3) {
			s->need = 3, s->lo = 0x80, s->hi = 0xBF;
		} else if (b == 0xF4) {
			s->need = 3, s->lo = 0x80, s->hi = 0x8F;
		} else {
			mark_bad(s, CL_EPARSE, "line %ld, column %ld: invalid UTF-8 byte 0x%02X",
				 s->char_line, s->char_col, b);
		}
		return;
	}
	if (b < s->lo || b > s->hi) {
		if (b < 0x80)
			mark_bad(s, CL_EPARSE, "line %ld, column %ld: truncated UTF-8 sequence",
				 s->char_line, s->char_col);
		else
			mark_bad(s, CL_EPARSE,
				 "line %ld, column %ld: invalid UTF-8 sequence (byte 0x%02X)",
				 s->char_line, s->char_col, b);
		s->need = 0;
		/* An ASCII byte ends the broken sequence and counts as itself. */
		if (b < 0x80) {
			s->char_line = r->line;
			s->char_col = r->col;
			r->col++;
		}
		return;
	}
	s->need--;
	s->lo = 0x80;
	s->hi = 0xBF;
}

/* A sequence cut short by the end of a field or record. */
static void check_end(struct scan *s)
{
	if (s->need) {
		mark_bad(s, CL_EPARSE, "line %ld, column %ld: truncated UTF-8 sequence",
			 s->char_line, s->char_col);
		s->need = 0;
	}
}

/* Consumes a line end that started with ch (CR or LF). */
static void line_end(struct csvr *r, int ch)
{
	if (ch == '\r' && peek(r) == '\n')
		r->rpos++;
	r->line++;
	r->col = 1;
}

static int fail_fatal(struct csvr *r, struct cl_errbuf *eb, int code, const char *msg)
{
	r->fatal = code;
	snprintf(r->fatal_msg, sizeof r->fatal_msg, "%s", msg);
	r->nfields = 0;
	return cl_fail(eb, code, "%s", r->fatal_msg);
}

int csvr_next(struct csvr *r, struct cl_errbuf *eb)
{
	struct scan s;
	enum st st = ST_FSTART;
	int err = 0, ch, rc;
	char msg[CL_ERRBUF_SIZE];

	if (r->fatal)
		return cl_fail(eb, r->fatal, "%s", r->fatal_msg);
	memset(&s, 0, sizeof s);
	r->nfields = 0;
	r->blen = 0;

	/* A byte order mark at the very start. */
	if (!r->started) {
		r->started = 1;
		if (peek(r) == 0xEF) {
			size_t save = r->rpos;
			if (r->rlen - r->rpos >= 3 && src(r)[r->rpos + 1] == 0xBB &&
			    src(r)[r->rpos + 2] == 0xBF)
				r->rpos += 3;
			else
				r->rpos = save;
		}
	}

	/* Skip empty lines; stop at the first byte of a record. */
	for (;;) {
		ch = peek(r);
		if (ch == '\n' || ch == '\r') {
			r->rpos++;
			line_end(r, ch);
			continue;
		}
		break;
	}
	if (ch == GET_EOF) {
		get(r, &err); /* surfaces a read error, if any */
		if (err) {
			snprintf(msg, sizeof msg, "line %ld: %s", r->line,
				 err == CL_EIO ? "read error" : "out of memory");
			return fail_fatal(r, eb, err, msg);
		}
		r->rec_line = r->line;
		return CSVR_END;
	}
	r->rec_line = r->line;
	s.fline = r->line;

	for (;;) {
		ch = get(r, &err);
		if (err) {
			snprintf(msg, sizeof msg, "line %ld: %s", r->line,
				 err == CL_EIO ? "read error" : "out of memory");
			return fail_fatal(r, eb, err, msg);
		}
		if (ch != GET_EOF)
			check_byte(r, &s, ch);

		switch (st) {
		case ST_FSTART:
			s.fline = r->line;
			if (ch == '"') {
				st = ST_QUOTED;
				break;
			}
			/* fall through */
		case ST_UNQ:
			if (ch == ',') {
				check_end(&s);
				if ((rc = end_field(r, &s)))
					return fail_fatal(r, eb, rc, "out of memory");
				st = ST_FSTART;
			} else if (ch == '\n' || ch == '\r' || ch == GET_EOF) {
				check_end(&s);
				if ((rc = end_field(r, &s)))
					return fail_fatal(r, eb, rc, "out of memory");
				if (ch != GET_EOF)
					line_end(r, ch);
				goto done;
			} else {
				if ((rc = put(r, &s, ch)))
					return fail_fatal(r, eb, rc, "out of memory");
				st = ST_UNQ;
			}
			break;
		case ST_QUOTED:
			if (ch == GET_EOF) {
				snprintf(msg, sizeof msg,
					 "line %ld: quoted field is not closed at the end of the input",
					 s.fline);
				return fail_fatal(r, eb, CL_EPARSE, msg);
			}
			if (ch == '"') {
				st = ST_QQ;
				break;
			}
			if ((rc = put(r, &s, ch)))
				return fail_fatal(r, eb, rc, "out of memory");
			if (ch == '\n' || (ch == '\r' && peek(r) != '\n')) {
				r->line++;
				r->col = 1;
			}
			break;
		case ST_QQ:
			if (ch == '"') {
				if ((rc = put(r, &s, ch)))
					return fail_fatal(r, eb, rc, "out of memory");
				st = ST_QUOTED;
			} else if (ch == ',' || ch == '\n' || ch == '\r' || ch == GET_EOF) {
				st = ST_UNQ;
				/* Re-run this byte as a separator. */
				check_end(&s);
				if ((rc = end_field(r, &s)))
					return fail_fatal(r, eb, rc, "out of memory");
				if (ch == ',') {
					st = ST_FSTART;
					break;
				}
				if (ch != GET_EOF)
					line_end(r, ch);
				goto done;
			} else {
				mark_bad(&s, CL_EPARSE,
					 "line %ld, column %ld: text after the closing quote of field %zu",
					 s.char_line, s.char_col, r->nfields + 1);
				st = ST_UNQ;
			}
			break;
		}
	}
done:
	if (s.bad) {
		r->nfields = 0;
		return cl_fail(eb, s.bad, "%s", s.msg);
	}
	return CSVR_RECORD;
}
