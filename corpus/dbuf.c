/* dbuf.c — growable capped text buffer (see dbuf.h). */
#include "dbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cl_err.h"

void dbuf_init(struct dbuf *b, size_t max)
{
	memset(b, 0, sizeof *b);
	b->max = max;
}

void dbuf_add(struct dbuf *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (n >= SIZE_MAX / 2 - b->n || (b->max && b->n + n + 1 > b->max)) {
		b->err = CL_ETOOBIG;
		return;
	}
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;
		while (cap < b->n + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->err = CL_ENOMEM;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void dbuf_puts(struct dbuf *b, const char *s)
{
	dbuf_add(b, s, strlen(s));
}

const char *dbuf_str(const struct dbuf *b)
{
	return b->p ? b->p : "";
}

int dbuf_grow(void *pv, size_t *cap, size_t need, size_t elsize)
{
	size_t ncap = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return CL_OK;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return CL_ENOMEM;
		ncap *= 2;
	}
	if (elsize && ncap > SIZE_MAX / elsize)
		return CL_ENOMEM;
	memcpy(&p, pv, sizeof p);
	if (!(p = realloc(p, ncap * elsize)))
		return CL_ENOMEM;
	memcpy(pv, &p, sizeof p);
	*cap = ncap;
	return CL_OK;
}

char *dbuf_take(struct dbuf *b, size_t *len)
{
	char *p = b->err ? NULL : b->p;

	if (len)
		*len = p ? b->n : 0;
	if (!p)
		free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
	b->err = 0;
	return p;
}

void dbuf_release(struct dbuf *b)
{
	size_t max;

	if (!b)
		return;
	max = b->max;
	free(b->p);
	dbuf_init(b, max);
}
