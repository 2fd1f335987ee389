/* dbuf.h — a growable text buffer with a hard cap and a sticky error,
 * like curl's dynbuf: appends after the first error are no-ops, so a
 * sequence of appends is checked once at the end. Always NUL-terminated
 * once anything was added. */
#ifndef DBUF_H
#define DBUF_H

#include <stddef.h>

struct dbuf {
	char *p;       /* owned; NULL until the first append */
	size_t n, cap;
	size_t max;    /* most bytes it may hold (0: no cap) */
	int err;       /* 0, CL_ETOOBIG (over max) or CL_ENOMEM */
};

#define DBUF_INIT(max) {NULL, 0, 0, (max), 0}

void dbuf_init(struct dbuf *b, size_t max);
/* Appends s[0..n). */
void dbuf_add(struct dbuf *b, const char *s, size_t n);
/* Appends a NUL-terminated string. */
void dbuf_puts(struct dbuf *b, const char *s);
/* The text so far ("" when nothing was added). Borrowed until the next append. */
const char *dbuf_str(const struct dbuf *b);
/* Hands the text to the caller, as curl's curlx_dyn_take: returns it (the
 * caller frees; NULL when nothing was added) with its length in *len (may
 * be NULL), and leaves b empty, with the same cap and no error. After an
 * error it frees the text and returns NULL: check b->err first. */
char *dbuf_take(struct dbuf *b, size_t *len);
/* Frees the text and re-initialises with the same cap. NULL is a no-op. */
void dbuf_release(struct dbuf *b);

/* For arrays that grow as a dbuf's bytes do: makes room for at least need
 * elements of elsize bytes in the array whose pointer is at pv (a T **)
 * and whose capacity in elements is *cap, doubling from 16. CL_OK, or
 * CL_ENOMEM (also when the size would overflow) with the array and *cap
 * unchanged. */
int dbuf_grow(void *pv, size_t *cap, size_t need, size_t elsize);

#endif
