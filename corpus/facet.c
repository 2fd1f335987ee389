/* facet.c — the facet table's rows as data, and the rules that follow
 * from them: names, the check of a filter value, a case's values. */
#include "facet.h"

#include <stdio.h>
#include <string.h>

static const struct facet_def defs[FACET_COUNT] = {
#define FACET_DEF_XX(id, nm, opt, voc, frm, member, pfx, sv, en) \
	[FACET_##id] = {nm, opt, voc, frm, offsetof(struct case_record, member), pfx, sv, en},
	FACET_TABLE(FACET_DEF_XX)
#undef FACET_DEF_XX
};

static const int display_order[FACET_COUNT] = {FACET_DISPLAY_ORDER};

const struct facet_def *facet_def(int f)
{
	return f >= 0 && f < FACET_COUNT ? &defs[f] : NULL;
}

const char *facet_name(int f)
{
	return f >= 0 && f < FACET_COUNT ? defs[f].name : NULL;
}

int facet_from_name(const char *name)
{
	for (int i = 0; name && i < FACET_COUNT; i++)
		if (!strcmp(defs[i].name, name))
			return i;
	return -1;
}

int facet_from_cli(const char *opt)
{
	for (int i = 0; opt && i < FACET_COUNT; i++)
		if (!strcmp(defs[i].cli, opt))
			return i;
	return -1;
}

const int *facet_display_order(size_t *n)
{
	*n = FACET_COUNT;
	return display_order;
}

static int is_code_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

static int all_between(const char *v, size_t n, char lo, char hi)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] < lo || v[i] > hi)
			return 0;
	return 1;
}

const char *facet_check_value(int f, const char *v, char *buf, size_t bufsz)
{
	const struct facet_def *d = facet_def(f);
	size_t n;

	if (!d)
		return "unknown facet";
	if (!v || !*v)
		return "empty filter value";
	n = strlen(v);
	if (n > FACET_VALUE_MAX)
		return "over 32 characters";
	for (size_t i = 0; i < n; i++)
		if (!is_code_char(v[i]))
			return "not a code: only letters, digits, '-', '.', '_'";
	switch (d->from) {
	case FACET_FROM_ONE:
	case FACET_FROM_LIST:
		if (tax_lookup((enum tax_facet)d->vocab, v))
			return NULL;
		snprintf(buf, bufsz, "unknown %s code '%s' (see GET /v1/facets)", d->name, v);
		return buf;
	case FACET_FROM_YEAR:
		return n == 4 && all_between(v, 4, '0', '9') ? NULL : "a year is four digits";
	case FACET_FROM_COUNTRY:
		return n == 2 && all_between(v, 2, 'A', 'Z')
			       ? NULL
			       : "a country is two upper-case letters (ISO 3166-1)";
	case FACET_FROM_LANGUAGE:
		return n == 2 && all_between(v, 2, 'a', 'z')
			       ? NULL
			       : "a language is two lower-case letters (ISO 639-1)";
	}
	return "unknown facet";
}

static void add_one(struct facet_values *fv, const char *s)
{
	if (s && *s && fv->n < CASE_LIST_MAX)
		fv->v[fv->n++] = s;
}

void facet_case_values(const struct case_record *c, int f, struct facet_values *fv)
{
	const struct facet_def *d = facet_def(f);
	const char *base = (const char *)c;

	fv->n = 0;
	if (!d)
		return;
	switch (d->from) {
	case FACET_FROM_LIST: {
		const struct strlist *l = (const struct strlist *)(const void *)(base + d->offset);
		for (size_t i = 0; i < l->n; i++)
			add_one(fv, l->v[i]);
		break;
	}
	case FACET_FROM_YEAR: {
		int y = case_year(c);
		if (y > 0) {
			snprintf(fv->buf, sizeof fv->buf, "%04d", y);
			add_one(fv, fv->buf);
		}
		break;
	}
	case FACET_FROM_ONE:
	case FACET_FROM_COUNTRY:
	case FACET_FROM_LANGUAGE:
		add_one(fv, *(char *const *)(const void *)(base + d->offset));
		break;
	}
}
