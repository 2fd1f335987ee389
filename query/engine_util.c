/* engine_util.c — engine-independent helpers of engine.h and
 * engine_impl.h: facet names and the facet values of a case, request and
 * result life cycle, facet count lists, snippet escaping. Kept apart from
 * engine.c (dispatch) so that tools and tests can use them alone. */
#include "engine_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taxonomy.h"

const char *engine_facet_name(enum engine_facet f)
{
	return facet_name((int)f);
}

int engine_facet_from_name(const char *name)
{
	return facet_from_name(name);
}

const char *engine_kind_name(enum engine_kind k)
{
	return k == ENGINE_XAPIAN ? "xapian" : k == ENGINE_FTS5 ? "fts5" : NULL;
}

int engine_kind_from_name(const char *name)
{
	if (name && !strcmp(name, "xapian"))
		return ENGINE_XAPIAN;
	if (name && !strcmp(name, "fts5"))
		return ENGINE_FTS5;
	return -1;
}

void engine_case_facet(const struct case_record *c, enum engine_facet f,
		       struct facet_values *fv)
{
	facet_case_values(c, (int)f, fv);
}

void search_request_init(struct search_request *rq)
{
	memset(rq, 0, sizeof *rq);
	rq->limit = 20;
	rq->sort = SORT_RELEVANCE;
}

void search_result_init(struct search_result *r)
{
	memset(r, 0, sizeof *r);
}

void engine_facet_counts_release(struct facet_counts *fc)
{
	for (size_t i = 0; i < fc->n; i++)
		free(fc->v[i].value);
	free(fc->v);
	fc->v = NULL;
	fc->n = 0;
}

void search_result_release(struct search_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nhits; i++) {
		free(r->hits[i].id);
		free(r->hits[i].title);
		free(r->hits[i].snippet);
		json_decref(r->hits[i].card);
	}
	free(r->hits);
	for (size_t i = 0; i < r->npartial; i++) {
		free(r->partial[i].id);
		free(r->partial[i].title);
		free(r->partial[i].snippet);
		json_decref(r->partial[i].card);
	}
	free(r->partial);
	for (size_t i = 0; i < r->noffers; i++)
		free(r->offers[i].code);
	for (int f = 0; f < EF_COUNT; f++)
		engine_facet_counts_release(&r->facets[f]);
	free(r->suggestion);
	for (size_t i = 0; i < r->ntrans; i++) {
		free(r->trans[i].from);
		for (size_t k = 0; k < r->trans[i].nto; k++)
			free(r->trans[i].to[k]);
		free(r->trans[i].to);
	}
	free(r->trans);
	search_result_init(r);
}

int engine_facet_add(struct facet_counts *fc, const char *value, size_t len, long count)
{
	struct facet_count *v = realloc(fc->v, (fc->n + 1) * sizeof *v);
	if (!v)
		return CL_ENOMEM;
	fc->v = v;
	v[fc->n].value = strndup(value, len);
	if (!v[fc->n].value)
		return CL_ENOMEM;
	v[fc->n].count = count;
	fc->n++;
	return CL_OK;
}

int engine_facet_inc(struct facet_counts *fc, const char *value)
{
	for (size_t i = 0; i < fc->n; i++)
		if (!strcmp(fc->v[i].value, value)) {
			fc->v[i].count++;
			return CL_OK;
		}
	return engine_facet_add(fc, value, strlen(value), 1);
}

long engine_facet_get(const struct facet_counts *fc, const char *value)
{
	for (size_t i = 0; i < fc->n; i++)
		if (!strcmp(fc->v[i].value, value))
			return fc->v[i].count;
	return 0;
}

static int fc_cmp(const void *a, const void *b)
{
	const struct facet_count *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->value, y->value);
}

void engine_facet_sort(struct facet_counts *fc)
{
	if (fc->n > 1)
		qsort(fc->v, fc->n, sizeof *fc->v, fc_cmp);
}

char *engine_html_snippet(const char *in)
{
	size_t cap = 1, n = 0;
	const char *p;
	char *out;

	if (!in)
		return strdup("");
	for (p = in; *p; p++)
		cap += 7; /* worst case: &quot; or </mark> */
	out = malloc(cap);
	if (!out)
		return NULL;
#define PUT(s)                                   \
	do {                                     \
		size_t k_ = strlen(s);           \
		memcpy(out + n, s, k_);          \
		n += k_;                         \
	} while (0)
	for (p = in; *p; p++) {
		switch (*p) {
		case '\x01':
			PUT("<mark>");
			break;
		case '\x02':
			PUT("</mark>");
			break;
		case '&':
			PUT("&amp;");
			break;
		case '<':
			PUT("&lt;");
			break;
		case '>':
			PUT("&gt;");
			break;
		case '"':
			PUT("&quot;");
			break;
		case '\'':
			PUT("&#39;");
			break;
		default:
			if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
				break;
			out[n++] = *p;
		}
	}
#undef PUT
	out[n] = '\0';
	return out;
}

