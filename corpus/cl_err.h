/* cl_err.h — the one error convention of caselib.
 *
 * Every fallible function returns int: 0 (CL_OK) on success, a negative
 * code from CL_ERR_MAP on failure. Detail (file, line, JSON path, SQLite
 * message) goes into a caller-supplied struct cl_errbuf, like curl's
 * CURLOPT_ERRORBUFFER. */
#ifndef CL_ERR_H
#define CL_ERR_H

#include <stddef.h>

#define CL_ERR_MAP(XX)                                                   \
	XX(NOMEM, -1, "out of memory")                                   \
	XX(INVAL, -2, "invalid argument")                                \
	XX(PARSE, -3, "malformed input")                                 \
	XX(VALIDATION, -4, "record fails validation")                    \
	XX(NOTFOUND, -5, "not found")                                    \
	XX(EXISTS, -6, "already exists")                                 \
	XX(IO, -7, "input/output error")                                 \
	XX(DB, -8, "database error")                                     \
	XX(BUSY, -9, "database is busy or locked")                       \
	XX(SCHEMA, -10, "database schema is newer than this program")    \
	XX(TOOBIG, -11, "input exceeds a size limit")                    \
	XX(CORRUPT, -12, "stored data is inconsistent")                  \
	XX(ENGINE, -13, "search engine error")                           \
	XX(QUERY, -14, "query cannot be parsed")                         \
	XX(NET, -15, "network error")                                    \
	XX(UNSUPPORTED, -16, "not supported")                            \
	XX(CONFLICT, -17, "conflicting change")                          \
	XX(DENIED, -18, "not allowed")                                   \
	XX(FULL, -19, "disk full")

enum cl_err {
	CL_OK = 0,
#define CL_XX(name, code, msg) CL_E##name = (code),
	CL_ERR_MAP(CL_XX)
#undef CL_XX
};

/* Static text for an error code; never NULL (unknown codes give
 * "unknown error"). */
const char *cl_strerror(int err);

/* Detail for the last error of a call. Callers put one on the stack
 * (`struct cl_errbuf eb = {0};`); functions fill msg with a one-line,
 * human-readable reason, and, where the error has a place in the caller's
 * input (a byte of the query text), set has_pos and pos. Decisions are
 * taken on the code and these fields, never on the text. */
#define CL_ERRBUF_SIZE 512
struct cl_errbuf {
	char msg[CL_ERRBUF_SIZE];
	int has_pos; /* 1: pos is the 0-based byte offset of the problem */
	long pos;
};

/* Formats into eb->msg (if eb is not NULL) and returns err, so that
 * `return cl_fail(eb, CL_EPARSE, "line %d: ...", n);` reads naturally. */
int cl_fail(struct cl_errbuf *eb, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same, with the byte offset pos of the problem in the input. */
int cl_fail_at(struct cl_errbuf *eb, int err, long pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
