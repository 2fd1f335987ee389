/* csv.c — RFC 4180 CSV writer with formula-injection guard (see csv.h). */
#include "csv.h"

#include <string.h>

#include "cl_err.h"

void csv_writer_init(struct csv_writer *w, FILE *f, int guard)
{
	w->f = f;
	w->nfields = 0;
	w->err = 0;
	w->guard = guard;
	w->sep = ',';
}

void csv_writer_sep(struct csv_writer *w, char sep)
{
	w->sep = sep;
}

static void put(struct csv_writer *w, const char *s, size_t n)
{
	if (w->err || n == 0)
		return;
	if (fwrite(s, 1, n, w->f) != n)
		w->err = CL_EIO;
}

static void field(struct csv_writer *w, const char *s, int guard)
{
	const char *p;
	int quote, prefix = 0;

	char seps[5] = {w->sep, '"', '\r', '\n', '\0'};

	if (w->nfields++ > 0)
		put(w, &w->sep, 1);
	if (!s || !*s)
		return;
	if (guard && strchr("=+-@\t\r", s[0]))
		prefix = 1;
	quote = prefix || strpbrk(s, seps) != NULL;
	if (!quote) {
		put(w, s, strlen(s));
		return;
	}
	put(w, "\"", 1);
	if (prefix)
		put(w, "'", 1);
	for (p = s; *p;) {
		const char *q = strchr(p, '"');
		if (!q) {
			put(w, p, strlen(p));
			break;
		}
		put(w, p, (size_t)(q - p) + 1);
		put(w, "\"", 1);
		p = q + 1;
	}
	put(w, "\"", 1);
}

void csv_field(struct csv_writer *w, const char *s)
{
	field(w, s, w->guard);
}

void csv_field_raw(struct csv_writer *w, const char *s)
{
	field(w, s, 0);
}

void csv_end_row(struct csv_writer *w)
{
	put(w, "\r\n", 2);
	w->nfields = 0;
}

int csv_error(const struct csv_writer *w)
{
	return w->err;
}
