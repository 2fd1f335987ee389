/* cl_err.c — error texts and the error-buffer helper (see cl_err.h). */
#include "cl_err.h"

#include <stdarg.h>
#include <stdio.h>

const char *cl_strerror(int err)
{
	switch (err) {
	case CL_OK:
		return "ok";
#define CL_XX(name, code, msg) \
	case CL_E##name:       \
		return msg;
		CL_ERR_MAP(CL_XX)
#undef CL_XX
	default:
		return "unknown error";
	}
}

static void fill(struct cl_errbuf *eb, int has_pos, long pos, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static void fill(struct cl_errbuf *eb, int has_pos, long pos, const char *fmt, va_list ap)
{
	vsnprintf(eb->msg, sizeof eb->msg, fmt, ap);
	eb->has_pos = has_pos;
	eb->pos = pos;
}

int cl_fail(struct cl_errbuf *eb, int err, const char *fmt, ...)
{
	va_list ap;

	if (!eb)
		return err;
	va_start(ap, fmt);
	fill(eb, 0, 0, fmt, ap);
	va_end(ap);
	return err;
}

int cl_fail_at(struct cl_errbuf *eb, int err, long pos, const char *fmt, ...)
{
	va_list ap;

	if (!eb)
		return err;
	va_start(ap, fmt);
	fill(eb, 1, pos, fmt, ap);
	va_end(ap);
	return err;
}
