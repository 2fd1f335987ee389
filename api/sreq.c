/* sreq.c — the one search request parser (API query parameters, the POST
 * /v1/similar body, the CLI's options) and the one search response. The
 * rules are those of docs/api.md "GET /v1/search". */
#include "sreq.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "facet.h"
#include "store.h"
#include "taxonomy.h"

/* Bits of parameters that may be given once. */
enum { ONCE_Q = 1u << 0, ONCE_LIMIT = 1u << 1, ONCE_OFFSET = 1u << 2, ONCE_SORT = 1u << 3,
       ONCE_LANG = 1u << 4, ONCE_FORMAT = 1u << 5, ONCE_YEAR = 1u << 6,
       ONCE_TRANSLATE = 1u << 7 };

void sreq_init(struct sreq *sq, unsigned accept)
{
	memset(sq, 0, sizeof *sq);
	search_request_init(&sq->rq);
	sq->rq.limit = SREQ_DEFAULT_LIMIT;
	sq->rq.snippets = 1;
	sq->errors = json_array();
	sq->accept = accept;
}

void sreq_release(struct sreq *sq)
{
	for (int f = 0; f < EF_COUNT; f++)
		free(sq->vals[f]);
	for (size_t i = 0; i < sq->nowned; i++)
		free(sq->owned[i]);
	free(sq->owned);
	json_decref(sq->errors);
	memset(sq, 0, sizeof *sq);
}

static void add_error_v(json_t *errors, const char *path, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void add_error_v(json_t *errors, const char *path, const char *fmt, va_list ap)
{
	char reason[512];

	vsnprintf(reason, sizeof reason, fmt, ap);
	json_array_append_new(errors, json_pack("{s:s,s:s}", "path", path, "reason", reason));
}

void sreq_add_error(json_t *errors, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error_v(errors, path, fmt, ap);
	va_end(ap);
}

void sreq_error(struct sreq *sq, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error_v(sq->errors, path, fmt, ap);
	va_end(ap);
}

int sreq_failed(const struct sreq *sq)
{
	return json_array_size(sq->errors) > 0;
}

long sreq_parse_uint(const char *s, long max)
{
	long v = 0;

	if (!*s || strlen(s) > 9)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v <= max ? v : -1;
}

/* YYYY or YYYY..YYYY within 1900..2100. */
static int parse_year(const char *v, int *from, int *to)
{
	int a = 0, b = 0, n = 0;

	if (sscanf(v, "%4d..%4d%n", &a, &b, &n) == 2 && v[n] == '\0' && strlen(v) == 10) {
		*from = a;
		*to = b;
	} else if (sscanf(v, "%4d%n", &a, &n) == 1 && v[n] == '\0' && strlen(v) == 4) {
		*from = *to = a;
	} else {
		return -1;
	}
	return *from >= 1900 && *to <= 2100 && *from <= *to ? 0 : -1;
}

/* One filter value of facet f, borrowed; checked by the facet table's rule. */
static void add_filter(struct sreq *sq, enum engine_facet f, const char *v, const char *path)
{
	char why[160];
	const char *bad = facet_check_value((int)f, v, why, sizeof why);
	const char **nv;

	if (bad)
		sreq_error(sq, path, "%s", bad);
	if (sq->rq.nfilters[f] >= ENGINE_FILTER_VALUES_MAX) {
		if (sq->rq.nfilters[f] == ENGINE_FILTER_VALUES_MAX)
			sreq_error(sq, path, "at most %d values", ENGINE_FILTER_VALUES_MAX);
		return;
	}
	nv = realloc(sq->vals[f], (sq->rq.nfilters[f] + 1) * sizeof *nv);
	if (!nv)
		return;
	sq->vals[f] = nv;
	nv[sq->rq.nfilters[f]++] = v;
	sq->rq.filters[f] = sq->vals[f];
}

/* A comma-separated list of values: the same as the values repeated. */
static void add_filter_list(struct sreq *sq, enum engine_facet f, const char *v,
			    const char *path)
{
	if (!*v)
		sreq_error(sq, path, "empty filter value");
	while (*v) {
		size_t len = strcspn(v, ",");
		char *val = strndup(v, len), **no;

		if (val && (no = realloc(sq->owned, (sq->nowned + 1) * sizeof *no))) {
			sq->owned = no;
			no[sq->nowned++] = val;
			add_filter(sq, f, val, path);
		} else {
			free(val);
		}
		v += len;
		if (*v == ',')
			v++;
	}
}

/* "all", "none" or a comma-separated list of facet names. */
static void add_facets(struct sreq *sq, const char *v, const char *path)
{
	if (!strcmp(v, "all")) {
		sq->rq.facets = ENGINE_ALL_FACETS;
		return;
	}
	if (!strcmp(v, "none"))
		return;
	while (*v) {
		size_t len = strcspn(v, ",");
		char name[40];
		int f;

		snprintf(name, sizeof name, "%.*s", (int)(len < 39 ? len : 39), v);
		f = len < 39 ? engine_facet_from_name(name) : -1;
		if (f < 0)
			sreq_error(sq, path, "unknown facet '%.40s'", name);
		else
			sq->rq.facets |= 1u << f;
		v += len;
		if (*v == ',')
			v++;
	}
}

void sreq_param(struct sreq *sq, const char *k, const char *v)
{
	unsigned a = sq->accept, once = 0;
	char path[96];
	int f;

	snprintf(path, sizeof path, "%s%.80s", sq->body ? "$." : "query.", k);
	if ((a & SREQ_TEXT) && !strcmp(k, "q")) {
		once = ONCE_Q;
		size_t max = (a & SREQ_LONG_TEXT) ? ENGINE_TEXT_MAX : SREQ_GET_TEXT_MAX;
		if (strlen(v) > max)
			sreq_error(sq, path, "over %zu bytes%s", max,
				   (a & SREQ_LONG_TEXT) ? "" : " (longer text: POST /v1/search)");
		sq->rq.text = v;
	} else if ((a & SREQ_PAGE) && !strcmp(k, "limit")) {
		long x = sreq_parse_uint(v, ENGINE_LIMIT_MAX);
		once = ONCE_LIMIT;
		if (x < 0)
			sreq_error(sq, path, "an integer 0..%d", ENGINE_LIMIT_MAX);
		else
			sq->rq.limit = (size_t)x;
	} else if ((a & SREQ_PAGE) && !strcmp(k, "offset")) {
		long x = sreq_parse_uint(v, ENGINE_OFFSET_MAX);
		once = ONCE_OFFSET;
		if (x < 0)
			sreq_error(sq, path, "an integer 0..%d", ENGINE_OFFSET_MAX);
		else
			sq->rq.offset = (size_t)x;
	} else if ((a & SREQ_SORT) && !strcmp(k, "sort")) {
		once = ONCE_SORT;
		if (!strcmp(v, "relevance"))
			sq->rq.sort = SORT_RELEVANCE;
		else if (!strcmp(v, "date"))
			sq->rq.sort = SORT_DATE_DESC;
		else if (!strcmp(v, "date-asc"))
			sq->rq.sort = SORT_DATE_ASC;
		else
			sreq_error(sq, path, "one of relevance, date, date-asc");
	} else if ((a & SREQ_LANG) && !strcmp(k, "lang")) {
		once = ONCE_LANG;
		if (strcmp(v, "sv") && strcmp(v, "en"))
			sreq_error(sq, path, "sv or en");
		else
			sq->rq.lang = v;
	} else if ((a & SREQ_LANG) && !strcmp(k, "translate")) {
		once = ONCE_TRANSLATE;
		if (strcmp(v, "on") && strcmp(v, "off"))
			sreq_error(sq, path, "on or off");
		else
			sq->rq.no_translate = !strcmp(v, "off");
	} else if ((a & SREQ_FORMAT) && !strcmp(k, "format")) {
		once = ONCE_FORMAT;
		if (strcmp(v, "csv") && strcmp(v, "jsonl") && strcmp(v, "xlsx"))
			sreq_error(sq, path, "csv, jsonl or xlsx");
		else
			sq->format = v;
	} else if ((a & SREQ_FACETS) && !strcmp(k, "facets")) {
		add_facets(sq, v, path); /* repeatable */
	} else if ((a & SREQ_FILTERS) && !strcmp(k, "year")) {
		once = ONCE_YEAR;
		if (parse_year(v, &sq->rq.year_from, &sq->rq.year_to) != 0)
			sreq_error(sq, path, "YYYY or YYYY..YYYY within 1900..2100");
	} else if ((a & SREQ_FILTERS) && (f = engine_facet_from_name(k)) >= 0 && f != EF_YEAR) {
		add_filter_list(sq, (enum engine_facet)f, v, path); /* repeatable */
	} else {
		sreq_error(sq, path, "unknown parameter");
		return;
	}
	if (once) {
		if (sq->seen & once)
			sreq_error(sq, path, "given more than once");
		sq->seen |= once;
	}
}

/* An integer member within 0..max into *out. */
static void json_uint(struct sreq *sq, const json_t *j, const char *key, long max, size_t *out)
{
	const json_t *v = json_object_get(j, key);
	char path[32];

	if (!v)
		return;
	snprintf(path, sizeof path, "$.%s", key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		sreq_error(sq, path, "an integer 0..%ld", max);
	else
		*out = (size_t)json_integer_value(v);
}

static void json_facets(struct sreq *sq, const json_t *v)
{
	size_t i;
	json_t *x;

	if (json_is_string(v) && !strcmp(json_string_value(v), "all")) {
		sq->rq.facets = ENGINE_ALL_FACETS;
		return;
	}
	if (!json_is_array(v)) {
		sreq_error(sq, "$.facets", "\"all\" or an array of facet names");
		return;
	}
	json_array_foreach(v, i, x) {
		int f = json_is_string(x) ? engine_facet_from_name(json_string_value(x)) : -1;
		char path[64];

		snprintf(path, sizeof path, "$.facets[%zu]", i);
		if (f < 0)
			sreq_error(sq, path, "unknown facet");
		else
			sq->rq.facets |= 1u << f;
	}
}

static void json_filters(struct sreq *sq, const json_t *v)
{
	const char *k;
	json_t *arr;

	if (!json_is_object(v)) {
		sreq_error(sq, "$.filters", "an object: facet name -> array of codes");
		return;
	}
	json_object_foreach((json_t *)(uintptr_t)v, k, arr) {
		int f = engine_facet_from_name(k);
		char path[128];
		size_t i;
		json_t *x;

		snprintf(path, sizeof path, "$.filters.%.80s", k);
		if (f < 0 || f == EF_YEAR || !json_is_array(arr)) {
			sreq_error(sq, path, f < 0 || f == EF_YEAR ? "unknown facet" : "an array of codes");
			continue;
		}
		json_array_foreach(arr, i, x) {
			char ipath[160];

			snprintf(ipath, sizeof ipath, "%s[%zu]", path, i);
			if (!json_is_string(x))
				sreq_error(sq, ipath, "a code string");
			else
				add_filter(sq, (enum engine_facet)f, json_string_value(x), ipath);
		}
	}
}

void sreq_json(struct sreq *sq, const json_t *j)
{
	const json_t *v = json_object_get(j, "text");

	if (!json_is_string(v) || json_string_length(v) == 0)
		sreq_error(sq, "$.text", "required: a non-empty string describing the need");
	else if (json_string_length(v) > ENGINE_DESC_MAX)
		sreq_error(sq, "$.text", "over %d bytes", ENGINE_DESC_MAX);
	else if (memchr(json_string_value(v), '\0', json_string_length(v)))
		sreq_error(sq, "$.text", "contains a NUL character");
	else
		sq->rq.text = json_string_value(v);
	json_uint(sq, j, "limit", ENGINE_LIMIT_MAX, &sq->rq.limit);
	json_uint(sq, j, "offset", ENGINE_OFFSET_MAX, &sq->rq.offset);
	if ((v = json_object_get(j, "lang"))) {
		if (!json_is_string(v) ||
		    (strcmp(json_string_value(v), "sv") && strcmp(json_string_value(v), "en")))
			sreq_error(sq, "$.lang", "sv or en");
		else
			sq->rq.lang = json_string_value(v);
	}
	if ((v = json_object_get(j, "facets")))
		json_facets(sq, v);
	if ((v = json_object_get(j, "filters")))
		json_filters(sq, v);
}

/* ---- the response --------------------------------------------------------- */

json_t *sreq_facet_values_json(enum engine_facet f, const struct facet_counts *fc)
{
	const struct facet_def *d = facet_def((int)f);
	json_t *a = json_array();

	for (size_t i = 0; i < fc->n; i++) {
		const struct tax_entry *te =
			d && d->vocab != FACET_NO_VOCAB
				? tax_lookup((enum tax_facet)d->vocab, fc->v[i].value)
				: NULL;
		json_array_append_new(a, json_pack("{s:s,s:I,s:s?,s:s?}", "code", fc->v[i].value,
						   "count", (json_int_t)fc->v[i].count, "label_sv",
						   te ? te->label_sv : NULL, "label_en",
						   te ? te->label_en : NULL));
	}
	return a;
}

/* The hits v[0..n) as the API lists them. */
static json_t *hits_json(struct store *s, const struct search_hit *v, size_t n)
{
	json_t *hits = json_array();
	struct case_record c;

	case_init(&c);
	for (size_t i = 0; i < n; i++) {
		const struct search_hit *h = &v[i];
		char status[24];
		json_t *o;

		/* the index may be behind the store (sync lag, a stale copy):
		 * a hit goes out only while the store still has it published */
		if (s && (store_case_status(s, h->id, status, sizeof status, NULL) != CL_OK ||
			  strcmp(status, "published") != 0))
			continue;
		o = json_pack("{s:s,s:s?,s:f,s:s?}", "id", h->id, "title", h->title, "score",
				      h->score, "snippet", h->snippet ? h->snippet : "");
		/* the card the engine kept with the document, else the store's */
		json_t *card = h->card ? json_incref(h->card) : NULL;

		if (!card && s && store_get_case(s, h->id, &c, NULL) == CL_OK)
			card = case_hit_card(&c);
		if (o && card)
			json_object_update(o, card);
		json_decref(card);
		json_array_append_new(hits, o);
	}
	case_release(&c);
	return hits;
}

/* The translations the search added: [{"words", "translations": [..]}]. */
static json_t *translations_json(const struct search_result *res)
{
	json_t *a = json_array();

	for (size_t i = 0; i < res->ntrans; i++) {
		json_t *to = json_array();
		for (size_t k = 0; k < res->trans[i].nto; k++)
			json_array_append_new(to, json_string(res->trans[i].to[k]));
		json_array_append_new(a, json_pack("{s:s,s:o}", "words", res->trans[i].from,
						   "translations", to));
	}
	return a;
}

/* The facet values the query's words name, as filters to offer. */
static json_t *offers_json(const struct search_result *res)
{
	json_t *a = json_array();

	for (size_t i = 0; i < res->noffers; i++) {
		const struct facet_offer *o = &res->offers[i];
		const struct facet_def *d = facet_def(o->facet);
		const struct tax_entry *te =
			d && d->vocab != FACET_NO_VOCAB ? tax_lookup((enum tax_facet)d->vocab, o->code)
							: NULL;
		json_array_append_new(a, json_pack("{s:s,s:s,s:I,s:s?,s:s?}", "facet",
						   engine_facet_name((enum engine_facet)o->facet),
						   "code", o->code, "count", (json_int_t)o->count,
						   "label_sv", te ? te->label_sv : NULL, "label_en",
						   te ? te->label_en : NULL));
	}
	return a;
}

json_t *sreq_result_json(struct store *s, const struct search_request *rq,
			 const struct search_result *res)
{
	json_t *j = json_object(), *hits = hits_json(s, res->hits, res->nhits),
	       *facets = json_object();

	for (int f = 0; f < EF_COUNT; f++)
		if (rq->facets & (1u << f))
			json_object_set_new(facets, engine_facet_name((enum engine_facet)f),
					    sreq_facet_values_json((enum engine_facet)f, &res->facets[f]));
	json_object_set_new(j, "total", json_integer(res->total));
	json_object_set_new(j, "offset", json_integer((json_int_t)rq->offset));
	json_object_set_new(j, "limit", json_integer((json_int_t)rq->limit));
	json_object_set_new(j, "hits", hits);
	json_object_set_new(j, "facets", facets);
	json_object_set_new(j, "used_or_fallback", json_boolean(res->used_or_fallback));
	json_object_set_new(j, "parsed_as_plain", json_boolean(res->parsed_as_plain));
	json_object_set_new(j, "cut", json_boolean(res->cut));
	json_object_set_new(j, "suggestion", res->suggestion ? json_string(res->suggestion)
							      : json_null());
	json_object_set_new(j, "partial", hits_json(s, res->partial, res->npartial));
	json_object_set_new(j, "facet_offers", offers_json(res));
	json_object_set_new(j, "translations", translations_json(res));
	json_object_set_new(j, "showing_results_for",
			    res->suggestion_shown && res->suggestion ? json_string(res->suggestion)
								     : json_null());
	return j;
}
