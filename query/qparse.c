/* qparse.c — user query syntax to clauses (see qparse.h). */
#include "qparse.h"

#include <stdlib.h>
#include <string.h>

void qp_init(struct qp_query *q)
{
	memset(q, 0, sizeof *q);
}

void qp_release(struct qp_query *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->n; i++) {
		free(q->v[i].text);
		free(q->v[i].join);
		for (size_t k = 0; k < q->v[i].ntrans; k++)
			free(q->v[i].trans[k]);
		free(q->v[i].trans);
	}
	free(q->v);
	qp_init(q);
}

const char *qp_field_name(enum qp_field f)
{
	switch (f) {
	case QP_TITLE:
		return "title";
	case QP_BUYER:
		return "buyer";
	case QP_BODY:
		return "body";
	default:
		return NULL;
	}
}

long qp_utf8_invalid_at(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned cp;

		if (c == 0)
			return (long)i;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return (long)i;
		}
		if (i + n >= len)
			return (long)i; /* truncated sequence */
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return (long)i;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return (long)i;
		i += n + 1;
	}
	return -1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int add(struct qp_query *q, enum qp_kind kind, enum qp_field field, int neg,
	       const char *s, size_t n, size_t pos)
{
	struct qp_clause *c;

	/* Trim; an empty clause carries nothing. */
	while (n && is_space(*s)) {
		s++;
		n--;
	}
	while (n && is_space(s[n - 1]))
		n--;
	if (n == 0) {
		q->rewritten = 1;
		return CL_OK;
	}
	if (q->n == QP_CLAUSES_MAX) {
		q->cut = 1; /* further clauses are dropped */
		return CL_OK;
	}
	if (!q->v) {
		q->v = calloc(QP_CLAUSES_MAX, sizeof *q->v);
		if (!q->v)
			return CL_ENOMEM;
	}
	c = &q->v[q->n];
	c->text = strndup(s, n);
	if (!c->text)
		return CL_ENOMEM;
	c->kind = kind;
	c->field = field;
	c->negated = neg;
	c->pos = pos;
	q->n++;
	if (!neg)
		q->npositive++;
	return CL_OK;
}

static enum qp_field field_of(const char *s, size_t n, int *known)
{
	static const struct {
		const char *name;
		enum qp_field f;
	} names[] = {
		{"title", QP_TITLE}, {"titel", QP_TITLE}, {"buyer", QP_BUYER},
		{"köpare", QP_BUYER}, {"body", QP_BODY}, {"text", QP_BODY},
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strlen(names[i].name) == n && !strncasecmp(names[i].name, s, n)) {
			*known = 1;
			return names[i].f;
		}
	*known = 0;
	return QP_ANY;
}

int qp_parse(const char *text, size_t len, struct qp_query *q, struct cl_errbuf *eb)
{
	size_t i = 0;
	long bad;
	int rc = CL_OK;

	if (!text)
		return CL_OK;
	if (len > QP_TEXT_MAX)
		return cl_fail(eb, CL_EINVAL, "query text is %zu bytes, at most %d", len, QP_TEXT_MAX);
	bad = qp_utf8_invalid_at(text, len);
	if (bad >= 0)
		return cl_fail_at(eb, CL_EQUERY, bad, "invalid UTF-8 at byte %ld of the query", bad);

	while (i < len && rc == CL_OK) {
		size_t start, j;
		int neg = 0, known = 0;
		enum qp_field field = QP_ANY;

		while (i < len && is_space(text[i]))
			i++;
		if (i >= len)
			break;
		start = i;
		if (text[i] == '-') {
			neg = 1;
			i++;
		}
		/* field:  — letters up to a colon, no space */
		for (j = i; j < len && !is_space(text[j]) && text[j] != ':' && text[j] != '"'; j++)
			;
		if (j < len && text[j] == ':' && j > i) {
			field = field_of(text + i, j - i, &known);
			if (known) {
				i = j + 1;
			} else {
				/* unknown field: the colon becomes a separator */
				q->rewritten = 1;
				rc = add(q, QP_WORD, QP_ANY, neg, text + i, j - i, start);
				i = j + 1;
				continue;
			}
		}
		if (i < len && text[i] == '"') {
			const char *close = memchr(text + i + 1, '"', len - i - 1);
			size_t end = close ? (size_t)(close - text) : len;
			if (!close)
				q->rewritten = 1;
			rc = add(q, QP_PHRASE, field, neg, text + i + 1, end - i - 1, start);
			i = close ? end + 1 : len;
			continue;
		}
		for (j = i; j < len && !is_space(text[j]) && text[j] != '"'; j++)
			;
		if (j > i && text[j - 1] == '*') {
			size_t k = j - 1;
			while (k > i && text[k - 1] == '*')
				k--;
			if (k - i >= 2) {
				rc = add(q, QP_PREFIX, field, neg, text + i, k - i, start);
			} else {
				q->rewritten = 1;
				rc = add(q, QP_WORD, field, neg, text + i, k - i, start);
			}
		} else {
			if (j == i)
				q->rewritten = 1; /* a lone '-' or 'field:' */
			rc = add(q, QP_WORD, field, neg, text + i, j - i, start);
		}
		i = j;
	}
	if (rc != CL_OK) {
		qp_release(q);
		return cl_fail(eb, rc, "out of memory parsing the query");
	}
	if (q->npositive == 0 && q->n > 0) {
		/* Only exclusions: nothing to exclude from; search them as words. */
		for (size_t k = 0; k < q->n; k++)
			q->v[k].negated = 0;
		q->npositive = (int)q->n;
		q->rewritten = 1;
	}
	return CL_OK;
}
