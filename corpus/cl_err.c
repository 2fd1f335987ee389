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

int cl_fail(struct cl_errbuf *eb, int err, const char *fmt, ...)
{
	if (eb) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(eb->msg, sizeof eb->msg, fmt, ap);
		va_end(ap);
		eb->has_pos = 0;
		eb->pos = 0;
	}
	return err;
}

int cl_fail_at(struct cl_errbuf *eb, int err, long pos, const char *fmt, ...)
{
	if (eb) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(eb->msg, sizeof eb->msg, fmt, ap);
		va_end(ap);
		eb->has_pos = 1;
		eb->pos = pos;
	}
	return err;
}
