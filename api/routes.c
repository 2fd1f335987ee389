/* routes.c — the API's endpoints: search, cases, similar, history, facets,
 * export (streamed), the write side (mapped to api/workflow.h), health,
 * metrics, the OpenAPI document and the static web page. Every handler
 * validates its input completely and answers bad input with a 4xx
 * problem; the shapes are documented in docs/api.md and api/openapi.json. */
#include "routes.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "case_csv.h"
#include "csv.h"
#include "store.h"
#include "taxonomy.h"
#include "workflow.h"

#define DEFAULT_LIMIT 20

/* ---- parameters --------------------------------------------------------- */

/* What a handler accepts besides filters. */
#define P_TEXT 0x1u   /* q */
#define P_PAGE 0x2u   /* offset, limit */
#define P_SORT 0x4u   /* sort */
#define P_FACETS 0x8u /* facets */
#define P_FORMAT 0x10u /* format */
#define P_LANG 0x20u  /* lang */
#define P_FILTERS 0x40u /* the facet filters and year */

struct sparams {
	struct search_request rq;
	const char **vals[EF_COUNT];
	const char *format;
	char **owned; /* filter values split from comma lists */
	size_t nowned;
	json_t *errors; /* validation errors so far */
};

static void sparams_init(struct sparams *sp)
{
	memset(sp, 0, sizeof *sp);
	search_request_init(&sp->rq);
	sp->rq.limit = DEFAULT_LIMIT;
	sp->rq.snippets = 1;
	sp->errors = json_array();
}

static void sparams_release(struct sparams *sp)
{
	for (int f = 0; f < EF_COUNT; f++)
		free(sp->vals[f]);
	for (size_t i = 0; i < sp->nowned; i++)
		free(sp->owned[i]);
	free(sp->owned);
	json_decref(sp->errors);
	memset(sp, 0, sizeof *sp);
}

static void add_error(json_t *errors, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_error(json_t *errors, const char *path, const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	json_array_append_new(errors, json_pack("{s:s,s:s}", "path", path, "reason", reason));
}

/* Unsigned decimal within 0..max, else -1. */
static long parse_uint(const char *s, long max)
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

static int is_code_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       (c >= 'A' && c <= 'Z');
}

/* Checks one filter value of facet f; adds an error naming path. */
static void check_value(json_t *errors, enum engine_facet f, const char *path, const char *v)
{
	int tf = tax_facet_from_name(engine_facet_name(f));
	size_t n = strlen(v);

	if (n == 0 || n > 32) {
		add_error(errors, path, "empty or over 32 characters");
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!is_code_char((unsigned char)v[i])) {
			add_error(errors, path, "not a code: only letters, digits, '-', '.', '_'");
			return;
		}
	if (tf >= 0 && !tax_lookup((enum tax_facet)tf, v))
		add_error(errors, path, "unknown %s code '%s' (see GET /v1/facets)",
			  engine_facet_name(f), v);
	else if (f == EF_COUNTRY && (n != 2 || v[0] < 'A' || v[0] > 'Z' || v[1] < 'A' || v[1] > 'Z'))
		add_error(errors, path, "a country is two upper-case letters (ISO 3166-1)");
	else if (f == EF_LANGUAGE && (n < 2 || n > 3 || v[0] < 'a' || v[0] > 'z'))
		add_error(errors, path, "a language is a two- or three-letter code");
}

static void add_filter(struct sparams *sp, enum engine_facet f, const char *v, const char *name)
{
	char path[96];
	const char **nv;

	snprintf(path, sizeof path, "query.%s", name);
	check_value(sp->errors, f, path, v);
	if (sp->rq.nfilters[f] >= ENGINE_FILTER_VALUES_MAX) {
		if (sp->rq.nfilters[f] == ENGINE_FILTER_VALUES_MAX)
			add_error(sp->errors, path, "at most %d values", ENGINE_FILTER_VALUES_MAX);
		return;
	}
	nv = realloc(sp->vals[f], (sp->rq.nfilters[f] + 1) * sizeof *nv);
	if (!nv)
		return;
	sp->vals[f] = nv;
	nv[sp->rq.nfilters[f]++] = v;
	sp->rq.filters[f] = sp->vals[f];
}

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

/* Reads the query parameters a handler accepts (mask). Errors collect in
 * sp->errors. Values are borrowed from the request. */
static void parse_params(struct srv_req *r, unsigned mask, struct sparams *sp)
{
	size_t n;
	const struct srv_param *p = srv_params(r, &n);
	unsigned seen = 0;

	for (size_t i = 0; i < n; i++) {
		const char *k = p[i].name, *v = p[i].value;
		char path[96];
		unsigned bit = 0;
		int f;

		snprintf(path, sizeof path, "query.%.80s", k);
		if ((mask & P_TEXT) && !strcmp(k, "q")) {
			bit = 1u << 0;
			if (strlen(v) > ENGINE_TEXT_MAX)
				add_error(sp->errors, path, "over %d bytes", ENGINE_TEXT_MAX);
			sp->rq.text = v;
		} else if ((mask & P_PAGE) && !strcmp(k, "limit")) {
			long x = parse_uint(v, ENGINE_LIMIT_MAX);
			bit = 1u << 1;
			if (x < 0)
				add_error(sp->errors, path, "an integer 0..%d", ENGINE_LIMIT_MAX);
			else
				sp->rq.limit = (size_t)x;
		} else if ((mask & P_PAGE) && !strcmp(k, "offset")) {
			long x = parse_uint(v, ENGINE_OFFSET_MAX);
			bit = 1u << 2;
			if (x < 0)
				add_error(sp->errors, path, "an integer 0..%d", ENGINE_OFFSET_MAX);
			else
				sp->rq.offset = (size_t)x;
		} else if ((mask & P_SORT) && !strcmp(k, "sort")) {
			bit = 1u << 3;
			if (!strcmp(v, "relevance"))
				sp->rq.sort = SORT_RELEVANCE;
			else if (!strcmp(v, "date"))
				sp->rq.sort = SORT_DATE_DESC;
			else if (!strcmp(v, "date-asc"))
				sp->rq.sort = SORT_DATE_ASC;
			else
				add_error(sp->errors, path, "one of relevance, date, date-asc");
		} else if ((mask & P_LANG) && !strcmp(k, "lang")) {
			bit = 1u << 4;
			if (strcmp(v, "sv") && strcmp(v, "en"))
				add_error(sp->errors, path, "sv or en");
			else
				sp->rq.lang = v;
		} else if ((mask & P_FORMAT) && !strcmp(k, "format")) {
			bit = 1u << 5;
			if (strcmp(v, "csv") && strcmp(v, "jsonl"))
				add_error(sp->errors, path, "csv or jsonl");
			else
				sp->format = v;
		} else if ((mask & P_FACETS) && !strcmp(k, "facets")) {
			/* repeatable; "all" or a comma-separated list */
			if (!strcmp(v, "all")) {
				sp->rq.facets = ENGINE_ALL_FACETS;
			} else if (strcmp(v, "none") != 0) {
				const char *s = v;
				while (*s) {
					size_t len = strcspn(s, ",");
					char name[40];
					int ff;
					snprintf(name, sizeof name, "%.*s", (int)(len < 39 ? len : 39), s);
					ff = len < 39 ? engine_facet_from_name(name) : -1;
					if (ff < 0)
						add_error(sp->errors, path, "unknown facet '%.40s'", name);
					else
						sp->rq.facets |= 1u << ff;
					s += len;
					if (*s == ',')
						s++;
				}
			}
		} else if ((mask & P_FILTERS) && !strcmp(k, "year")) {
			bit = 1u << 6;
			if (parse_year(v, &sp->rq.year_from, &sp->rq.year_to) != 0)
				add_error(sp->errors, path, "YYYY or YYYY..YYYY within 1900..2100");
		} else if ((mask & P_FILTERS) && (f = engine_facet_from_name(k)) >= 0 && f != EF_YEAR) {
			/* repeatable; a comma-separated list is the same as repeats */
			const char *s = v;
			if (!*s)
				add_error(sp->errors, path, "empty filter value");
			while (*s) {
				size_t len = strcspn(s, ",");
				char *val = strndup(s, len), **no;
				if (val && (no = realloc(sp->owned, (sp->nowned + 1) * sizeof *no))) {
					sp->owned = no;
					no[sp->nowned++] = val;
					add_filter(sp, (enum engine_facet)f, val, k);
				} else {
					free(val);
				}
				s += len;
				if (*s == ',')
					s++;
			}
		} else {
			add_error(sp->errors, path, "unknown parameter");
			continue;
		}
		if (bit) {
			if (seen & bit)
				add_error(sp->errors, path, "given more than once");
			seen |= bit;
		}
	}
}

/* Sends the validation problem when parse_params found errors; 1 if sent. */
static int params_failed(struct srv_req *r, struct sparams *sp)
{
	if (json_array_size(sp->errors) == 0)
		return 0;
	srv_problem_validation(r, "the query parameters are not valid", json_incref(sp->errors));
	return 1;
}

/* ---- engine results as JSON -------------------------------------------- */

static json_t *facet_values_json(enum engine_facet f, const struct facet_counts *fc)
{
	int tf = tax_facet_from_name(engine_facet_name(f));
	json_t *a = json_array();

	for (size_t i = 0; i < fc->n; i++) {
		const struct tax_entry *te =
			tf >= 0 ? tax_lookup((enum tax_facet)tf, fc->v[i].value) : NULL;
		json_array_append_new(a, json_pack("{s:s,s:I,s:s?,s:s?}", "code", fc->v[i].value,
						   "count", (json_int_t)fc->v[i].count, "label_sv",
						   te ? te->label_sv : NULL, "label_en",
						   te ? te->label_en : NULL));
	}
	return a;
}

/* {"total", "offset", "limit", "hits", "facets", "used_or_fallback",
 * "parsed_as_plain", "suggestion"}; each hit has the case's key fields. */
static json_t *result_json(struct store *s, const struct search_request *rq,
			   const struct search_result *res)
{
	json_t *j = json_object(), *hits = json_array(), *facets = json_object();
	struct case_record c;

	case_init(&c);
	for (size_t i = 0; i < res->nhits; i++) {
		const struct search_hit *h = &res->hits[i];
		char status[24];
		/* the index may be behind the store (sync lag, a stale copy):
		 * a hit goes out only while the store still has it published */
		if (s && (store_case_status(s, h->id, status, sizeof status, NULL) != CL_OK ||
			  strcmp(status, "published") != 0))
			continue;
		json_t *o = json_pack("{s:s,s:s?,s:f,s:s?}", "id", h->id, "title", h->title, "score",
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
	for (int f = 0; f < EF_COUNT; f++)
		if (rq->facets & (1u << f))
			json_object_set_new(facets, engine_facet_name((enum engine_facet)f),
					    facet_values_json((enum engine_facet)f, &res->facets[f]));
	json_object_set_new(j, "total", json_integer(res->total));
	json_object_set_new(j, "offset", json_integer((json_int_t)rq->offset));
	json_object_set_new(j, "limit", json_integer((json_int_t)rq->limit));
	json_object_set_new(j, "hits", hits);
	json_object_set_new(j, "facets", facets);
	json_object_set_new(j, "used_or_fallback", json_boolean(res->used_or_fallback));
	json_object_set_new(j, "parsed_as_plain", json_boolean(res->parsed_as_plain));
	json_object_set_new(j, "suggestion", res->suggestion ? json_string(res->suggestion)
							      : json_null());
	return j;
}

/* An engine error as a problem; CL_EQUERY gets the byte position. */
static void engine_problem(struct srv_req *r, int rc, const struct cl_errbuf *eb)
{
	if (rc == CL_EQUERY) {
		const char *p = strstr(eb->msg, "byte ");
		json_t *ext = json_object();
		if (p)
			json_object_set_new(ext, "position", json_integer(strtol(p + 5, NULL, 10)));
		srv_problem_ext(r, 400, "query-syntax", "Query cannot be read", eb->msg, ext);
	} else if (rc == CL_EINVAL) {
		json_t *errs = json_array();
		add_error(errs, "query", "%s", eb->msg);
		srv_problem_validation(r, eb->msg, errs);
	} else {
		srv_problem_err(r, rc, eb);
	}
}

static unsigned filters_used(const struct search_request *rq)
{
	unsigned m = 0;
	for (int f = 0; f < EF_COUNT; f++)
		if (rq->nfilters[f])
			m |= 1u << f;
	if (rq->year_from || rq->year_to)
		m |= 1u << EF_YEAR;
	return m;
}

/* ---- GET /v1/search ----------------------------------------------------- */

/* Usage statistics are buffered (srv_stats) and written by the sync thread;
 * when it does not run (an index locked by another process) or falls
 * behind, a request writes the backlog itself. */
static void stats_backlog(struct srv_req *r, struct srv_worker *w)
{
	struct wf_stats_buf *b = srv_stats(srv_of(r));

	if (wf_stats_buf_pending(b) >= SRV_STATS_INLINE_FLUSH)
		(void)wf_stats_flush(b, w->store, NULL);
}

static void h_search(struct srv_req *r)
{
	struct sparams sp;
	struct search_result res;
	struct cl_errbuf eb = {{0}};
	struct srv_worker *w;
	int rc;

	sparams_init(&sp);
	search_result_init(&res);
	parse_params(r, P_TEXT | P_PAGE | P_SORT | P_FACETS | P_LANG | P_FILTERS, &sp);
	if (params_failed(r, &sp) || !(w = srv_worker(r)))
		goto out;
	rc = engine_search(w->engine, &sp.rq, &res, &eb);
	if (rc != CL_OK) {
		engine_problem(r, rc, &eb);
		goto out;
	}
	if (sp.rq.offset == 0) {
		(void)wf_stats_buf_search(srv_stats(srv_of(r)), sp.rq.text ? sp.rq.text : "",
					  res.total, filters_used(&sp.rq));
		stats_backlog(r, w);
	}
	srv_reply_json(r, 200, result_json(w->store, &sp.rq, &res));
out:
	search_result_release(&res);
	sparams_release(&sp);
}

/* ---- GET /v1/cases/{id} and its history --------------------------------- */

static int sees_any_status(const struct auth_principal *who)
{
	return who->role == ROLE_REVIEWER || who->role == ROLE_ADMIN;
}

/* Loads the case the caller may see; sets a 404 otherwise. */
static int load_visible(struct srv_req *r, struct srv_worker *w, const struct auth_principal *who,
			const char *id, struct case_record *c)
{
	struct cl_errbuf eb = {{0}};
	int rc = store_get_case(w->store, id, c, &eb);

	if (rc == CL_OK && !sees_any_status(who) && (!c->status || strcmp(c->status, "published")))
		rc = CL_ENOTFOUND;
	if (rc == CL_ENOTFOUND)
		srv_problem(r, 404, "not-found", "Not found", "no published case with id '%.100s'", id);
	else if (rc != CL_OK)
		srv_problem_err(r, rc, &eb);
	return rc;
}

static int no_params(struct srv_req *r)
{
	struct sparams sp;
	int bad;
	sparams_init(&sp);
	parse_params(r, 0, &sp);
	bad = params_failed(r, &sp);
	sparams_release(&sp);
	return bad;
}

static void h_case(struct srv_req *r)
{
	const struct auth_principal *who;
	struct srv_worker *w;
	struct case_record c;

	case_init(&c);
	if (no_params(r) || !(who = srv_who(r)) || !(w = srv_worker(r)))
		goto out;
	if (load_visible(r, w, who, srv_arg(r, 0), &c) != CL_OK)
		goto out;
	if (c.status && !strcmp(c.status, "published")) {
		(void)wf_stats_buf_view(srv_stats(srv_of(r)), c.id);
		stats_backlog(r, w);
	}
	srv_reply_json(r, 200, case_to_json(&c));
out:
	case_release(&c);
}

struct hist_item {
	long version;
	char *status, *actor, *created_at;
};

struct hist {
	struct hist_item *v;
	size_t n;
	int all;
};

static int hist_cb(const struct store_version_info *vi, void *ud)
{
	struct hist *h = ud;
	struct hist_item *nv;

	if (!h->all && (!vi->status || strcmp(vi->status, "published")))
		return 0;
	nv = realloc(h->v, (h->n + 1) * sizeof *nv);
	if (!nv)
		return CL_ENOMEM;
	h->v = nv;
	nv[h->n].version = vi->version;
	nv[h->n].status = vi->status ? strdup(vi->status) : NULL;
	nv[h->n].actor = vi->actor ? strdup(vi->actor) : NULL;
	nv[h->n].created_at = vi->created_at ? strdup(vi->created_at) : NULL;
	h->n++;
	return 0;
}

static void h_history(struct srv_req *r)
{
	const struct auth_principal *who;
	struct srv_worker *w;
	struct case_record c, prev, cur;
	struct hist h = {NULL, 0, 0};
	struct cl_errbuf eb = {{0}};
	json_t *versions = NULL;
	int rc;

	case_init(&c);
	case_init(&prev);
	case_init(&cur);
	if (no_params(r) || !(who = srv_who(r)) || !(w = srv_worker(r)))
		goto out;
	if (load_visible(r, w, who, srv_arg(r, 0), &c) != CL_OK)
		goto out;
	h.all = sees_any_status(who);
	rc = store_list_versions(w->store, c.id, hist_cb, &h, &eb);
	if (rc != CL_OK) {
		srv_problem_err(r, rc, &eb);
		goto out;
	}
	versions = json_array();
	for (size_t i = 0; i < h.n; i++) {
		json_t *o = json_pack("{s:I,s:s?,s:s?}", "version", (json_int_t)h.v[i].version,
				      "status", h.v[i].status, "created_at", h.v[i].created_at);
		if (h.all && h.v[i].actor)
			json_object_set_new(o, "actor", json_string(h.v[i].actor));
		rc = store_get_version(w->store, c.id, h.v[i].version, &cur, &eb);
		if (rc != CL_OK) {
			json_decref(o);
			srv_problem_err(r, rc, &eb);
			goto out;
		}
		if (i == 0) {
			json_object_set_new(o, "changes", json_null());
		} else {
			json_t *d = wf_diff(&prev, &cur);
			json_object_set_new(o, "changes", d ? d : json_array());
		}
		json_array_append_new(versions, o);
		case_release(&prev);
		case_copy(&prev, &cur);
	}
	srv_reply_json(r, 200, json_pack("{s:s,s:s?,s:I,s:o}", "id", c.id, "status", c.status,
					 "version", (json_int_t)c.version, "versions", versions));
	versions = NULL;
out:
	json_decref(versions);
	for (size_t i = 0; i < h.n; i++) {
		free(h.v[i].status);
		free(h.v[i].actor);
		free(h.v[i].created_at);
	}
	free(h.v);
	case_release(&c);
	case_release(&prev);
	case_release(&cur);
}

/* ---- similar ------------------------------------------------------------ */

static void h_case_similar(struct srv_req *r)
{
	struct sparams sp;
	struct search_result res;
	struct cl_errbuf eb = {{0}};
	const struct auth_principal *who;
	struct srv_worker *w;
	struct case_record c;
	int rc;

	sparams_init(&sp);
	search_result_init(&res);
	case_init(&c);
	sp.rq.limit = 10;
	parse_params(r, P_PAGE | P_FACETS | P_LANG | P_FILTERS, &sp);
	if (params_failed(r, &sp) || !(who = srv_who(r)) || !(w = srv_worker(r)))
		goto out;
	if (load_visible(r, w, who, srv_arg(r, 0), &c) != CL_OK)
		goto out;
	rc = engine_similar(w->engine, c.id, &sp.rq, &res, &eb);
	if (rc == CL_ENOTFOUND) {
		/* not indexed (unpublished, seen by a reviewer, or not synced yet):
		 * similar to its text instead */
		char *text = NULL;
		if (asprintf(&text, "%s %s", c.title ? c.title : "", c.summary ? c.summary : "") < 0)
			text = NULL;
		if (text && strlen(text) > 8 * ENGINE_TEXT_MAX)
			text[8 * ENGINE_TEXT_MAX] = '\0';
		sp.rq.text = text;
		search_result_release(&res);
		search_result_init(&res);
		rc = text ? engine_similar_text(w->engine, &sp.rq, &res, &eb) : CL_ENOMEM;
		sp.rq.text = NULL;
		free(text);
	}
	if (rc != CL_OK) {
		engine_problem(r, rc, &eb);
		goto out;
	}
	srv_reply_json(r, 200, result_json(w->store, &sp.rq, &res));
out:
	case_release(&c);
	search_result_release(&res);
	sparams_release(&sp);
}

/* Parses a JSON object body; unknown keys and bad JSON are 400s. allowed:
 * NULL-terminated key list. Returns NULL when a problem was sent. */
static json_t *json_body(struct srv_req *r, const char *const *allowed)
{
	json_error_t err;
	size_t len;
	const char *body = srv_body(r, &len);
	json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err), *errs;
	const char *k;
	json_t *v;

	if (!j) {
		srv_problem_ext(r, 400, "invalid-json", "Body is not valid JSON", err.text,
				json_pack("{s:i,s:i}", "line", err.line, "column", err.column));
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		errs = json_array();
		add_error(errs, "$", "must be a JSON object");
		srv_problem_validation(r, "the body must be a JSON object", errs);
		return NULL;
	}
	errs = json_array();
	json_object_foreach(j, k, v) {
		int ok = 0;
		for (size_t i = 0; allowed[i]; i++)
			ok |= !strcmp(allowed[i], k);
		if (!ok) {
			char path[96];
			snprintf(path, sizeof path, "$.%.80s", k);
			add_error(errs, path, "unknown field");
		}
	}
	if (json_array_size(errs)) {
		json_decref(j);
		srv_problem_validation(r, "the body has unknown fields", errs);
		return NULL;
	}
	json_decref(errs);
	return j;
}

static void h_similar_text(struct srv_req *r)
{
	static const char *const allowed[] = {"text", "limit", "offset", "lang", "filters",
					      "facets", NULL};
	struct sparams sp;
	struct search_result res;
	struct cl_errbuf eb = {{0}};
	struct srv_worker *w;
	json_t *j = NULL, *v;

	sparams_init(&sp);
	search_result_init(&res);
	sp.rq.limit = 10;
	parse_params(r, 0, &sp);
	if (params_failed(r, &sp) || !(j = json_body(r, allowed)))
		goto out;
	v = json_object_get(j, "text");
	if (!json_is_string(v) || json_string_length(v) == 0)
		add_error(sp.errors, "$.text", "required: a non-empty string describing the need");
	else if (json_string_length(v) > 8 * ENGINE_TEXT_MAX)
		add_error(sp.errors, "$.text", "over %d bytes", 8 * ENGINE_TEXT_MAX);
	else if (memchr(json_string_value(v), '\0', json_string_length(v)))
		add_error(sp.errors, "$.text", "contains a NUL character");
	else
		sp.rq.text = json_string_value(v);
	if ((v = json_object_get(j, "limit"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > ENGINE_LIMIT_MAX)
			add_error(sp.errors, "$.limit", "an integer 0..%d", ENGINE_LIMIT_MAX);
		else
			sp.rq.limit = (size_t)json_integer_value(v);
	}
	if ((v = json_object_get(j, "offset"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > ENGINE_OFFSET_MAX)
			add_error(sp.errors, "$.offset", "an integer 0..%d", ENGINE_OFFSET_MAX);
		else
			sp.rq.offset = (size_t)json_integer_value(v);
	}
	if ((v = json_object_get(j, "lang"))) {
		if (!json_is_string(v) ||
		    (strcmp(json_string_value(v), "sv") && strcmp(json_string_value(v), "en")))
			add_error(sp.errors, "$.lang", "sv or en");
		else
			sp.rq.lang = json_string_value(v);
	}
	if ((v = json_object_get(j, "facets"))) {
		if (json_is_string(v) && !strcmp(json_string_value(v), "all")) {
			sp.rq.facets = ENGINE_ALL_FACETS;
		} else if (json_is_array(v)) {
			size_t i;
			json_t *x;
			json_array_foreach(v, i, x) {
				int f = json_is_string(x) ? engine_facet_from_name(json_string_value(x)) : -1;
				char path[64];
				snprintf(path, sizeof path, "$.facets[%zu]", i);
				if (f < 0)
					add_error(sp.errors, path, "unknown facet");
				else
					sp.rq.facets |= 1u << f;
			}
		} else {
			add_error(sp.errors, "$.facets", "\"all\" or an array of facet names");
		}
	}
	if ((v = json_object_get(j, "filters"))) {
		const char *k;
		json_t *arr;
		if (!json_is_object(v))
			add_error(sp.errors, "$.filters", "an object: facet name -> array of codes");
		else
			json_object_foreach(v, k, arr) {
				int f = engine_facet_from_name(k);
				char path[128];
				size_t i;
				json_t *x;
				snprintf(path, sizeof path, "$.filters.%.80s", k);
				if (f < 0 || f == EF_YEAR || !json_is_array(arr)) {
					add_error(sp.errors, path,
						  f < 0 || f == EF_YEAR ? "unknown facet"
									: "an array of codes");
					continue;
				}
				json_array_foreach(arr, i, x) {
					char ipath[160];
					snprintf(ipath, sizeof ipath, "%s[%zu]", path, i);
					if (!json_is_string(x)) {
						add_error(sp.errors, ipath, "a code string");
						continue;
					}
					add_filter(&sp, (enum engine_facet)f, json_string_value(x),
						   ipath + 2);
				}
			}
	}
	if (params_failed(r, &sp) || !(w = srv_worker(r)))
		goto out;
	{
		int rc = engine_similar_text(w->engine, &sp.rq, &res, &eb);
		if (rc != CL_OK) {
			engine_problem(r, rc, &eb);
			goto out;
		}
	}
	srv_reply_json(r, 200, result_json(w->store, &sp.rq, &res));
out:
	search_result_release(&res);
	sparams_release(&sp);
	json_decref(j);
}

/* ---- GET /v1/facets ----------------------------------------------------- */

static void h_facets(struct srv_req *r)
{
	struct search_request rq;
	struct search_result res;
	struct cl_errbuf eb = {{0}};
	struct srv_worker *w;
	json_t *facets, *j;
	int rc;

	search_request_init(&rq);
	search_result_init(&res);
	rq.limit = 0;
	rq.facets = ENGINE_ALL_FACETS;
	if (no_params(r) || !(w = srv_worker(r)))
		goto out;
	rc = engine_search(w->engine, &rq, &res, &eb);
	if (rc != CL_OK) {
		engine_problem(r, rc, &eb);
		goto out;
	}
	facets = json_object();
	for (int f = 0; f < EF_COUNT; f++) {
		int tf = tax_facet_from_name(engine_facet_name((enum engine_facet)f));
		const struct facet_counts *fc = &res.facets[f];
		json_t *a = json_array();
		if (tf >= 0) {
			/* every code of the vocabulary, with its count (0 when unused) */
			size_t n;
			const struct tax_entry *te = tax_entries((enum tax_facet)tf, &n);
			for (size_t i = 0; i < n; i++) {
				long count = 0;
				for (size_t k = 0; k < fc->n; k++)
					if (!strcmp(fc->v[k].value, te[i].code))
						count = fc->v[k].count;
				json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:I}", "code", te[i].code,
								   "label_sv", te[i].label_sv, "label_en",
								   te[i].label_en, "count", (json_int_t)count));
			}
		} else {
			json_decref(a);
			a = facet_values_json((enum engine_facet)f, fc);
		}
		json_object_set_new(facets, engine_facet_name((enum engine_facet)f), a);
	}
	j = json_pack("{s:I,s:o}", "total", (json_int_t)res.total, "facets", facets);
	srv_reply_json(r, 200, j);
out:
	search_result_release(&res);
}

/* ---- GET /v1/export ----------------------------------------------------- */

struct export {
	struct store *store; /* borrowed: the stream holds the worker */
	char **ids;
	size_t n, cap, next;
	int csv, header_done;
	char *pend;
	size_t plen, poff;
	unsigned delay_us;
	/* filters for the store walk */
	const struct search_request *rq;
};

static void export_free(void *ud)
{
	struct export *ex = ud;
	if (!ex)
		return;
	for (size_t i = 0; i < ex->n; i++)
		free(ex->ids[i]);
	free(ex->ids);
	free(ex->pend);
	free(ex);
}

static int export_add(struct export *ex, const char *id)
{
	if (ex->n == ex->cap) {
		size_t cap = ex->cap ? ex->cap * 2 : 256;
		char **nv = realloc(ex->ids, cap * sizeof *nv);
		if (!nv)
			return CL_ENOMEM;
		ex->ids = nv;
		ex->cap = cap;
	}
	if (!(ex->ids[ex->n] = strdup(id)))
		return CL_ENOMEM;
	ex->n++;
	return CL_OK;
}

/* Does c pass the filters of rq (the engine's meaning: OR within a facet,
 * AND across, year range)? */
static int passes(const struct search_request *rq, const struct case_record *c)
{
	for (int f = 0; f < EF_COUNT; f++) {
		struct engine_facet_values fv;
		int hit = 0;
		if (!rq->nfilters[f])
			continue;
		engine_case_facet(c, (enum engine_facet)f, &fv);
		for (size_t i = 0; i < fv.n && !hit; i++)
			for (size_t k = 0; k < rq->nfilters[f] && !hit; k++)
				hit = !strcmp(fv.v[i], rq->filters[f][k]);
		if (!hit)
			return 0;
	}
	if (rq->year_from || rq->year_to) {
		int y = case_year(c);
		if (!y || (rq->year_from && y < rq->year_from) || (rq->year_to && y > rq->year_to))
			return 0;
	}
	return 1;
}

static int export_walk(const struct case_record *c, void *ud)
{
	struct export *ex = ud;
	return passes(ex->rq, c) ? export_add(ex, c->id) : 0;
}

/* Fills ex->pend with the next rows (about 16 KiB). 0 when nothing is left. */
static int export_fill(struct export *ex)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct csv_writer w;
	struct case_record c;

	if (!f)
		return -1;
	csv_writer_init(&w, f, 1);
	case_init(&c);
	if (ex->csv && !ex->header_done) {
		case_csv_header(&w);
	}
	ex->header_done = 1;
	while (ex->next < ex->n && ftell(f) < 16 * 1024) {
		const char *id = ex->ids[ex->next++];
		if (ex->delay_us)
			usleep(ex->delay_us);
		/* re-read: only what is still published goes out */
		if (store_get_case(ex->store, id, &c, NULL) != CL_OK || !c.status ||
		    strcmp(c.status, "published"))
			continue;
		if (ex->csv) {
			case_csv_row(&w, &c);
		} else {
			char *s = case_to_string(&c, 0);
			if (s) {
				fputs(s, f);
				fputc('\n', f);
			}
			free(s);
		}
	}
	case_release(&c);
	if (fclose(f) != 0) {
		free(buf);
		return -1;
	}
	free(ex->pend);
	ex->pend = buf;
	ex->plen = len;
	ex->poff = 0;
	return len > 0;
}

static long export_read(void *ud, uint64_t pos, char *buf, size_t max)
{
	struct export *ex = ud;
	size_t k;

	(void)pos;
	while (ex->poff == ex->plen) {
		if (ex->next >= ex->n && ex->header_done)
			return -1; /* end of stream */
		if (export_fill(ex) < 0)
			return -2;
	}
	k = ex->plen - ex->poff;
	if (k > max)
		k = max;
	memcpy(buf, ex->pend + ex->poff, k);
	ex->poff += k;
	return (long)k;
}

static void h_export(struct srv_req *r)
{
	struct sparams sp;
	struct search_result res;
	struct cl_errbuf eb = {{0}};
	struct srv_worker *w;
	struct export *ex = NULL;
	char total[32];
	int rc;

	sparams_init(&sp);
	search_result_init(&res);
	parse_params(r, P_TEXT | P_SORT | P_LANG | P_FILTERS | P_FORMAT, &sp);
	if (params_failed(r, &sp) || !(w = srv_worker(r)))
		goto out;
	/* validates the request the engine's way and counts */
	sp.rq.limit = 0;
	sp.rq.snippets = 0;
	rc = engine_search(w->engine, &sp.rq, &res, &eb);
	if (rc != CL_OK) {
		engine_problem(r, rc, &eb);
		goto out;
	}
	if (!(ex = calloc(1, sizeof *ex))) {
		srv_problem(r, 500, "internal", "Internal error", "out of memory");
		goto out;
	}
	ex->store = w->store;
	ex->csv = sp.format && !strcmp(sp.format, "csv");
	ex->delay_us = srv_cfg(r)->export_row_delay_us;
	ex->rq = &sp.rq;
	if (!sp.rq.text || !*sp.rq.text) {
		/* no text: every published case passing the filters, in id order */
		rc = store_foreach_case(w->store, "published", export_walk, ex, &eb);
	} else {
		/* text: the ranked hits, up to SRV_EXPORT_TEXT_MAX */
		sp.rq.limit = ENGINE_LIMIT_MAX;
		rc = CL_OK;
		for (sp.rq.offset = 0; rc == CL_OK && sp.rq.offset <= ENGINE_OFFSET_MAX;
		     sp.rq.offset += ENGINE_LIMIT_MAX) {
			search_result_release(&res);
			search_result_init(&res);
			rc = engine_search(w->engine, &sp.rq, &res, &eb);
			for (size_t i = 0; rc == CL_OK && i < res.nhits; i++)
				rc = export_add(ex, res.hits[i].id);
			if (res.nhits < ENGINE_LIMIT_MAX)
				break;
		}
		if (res.total > (long)SRV_EXPORT_TEXT_MAX)
			srv_add_header(r, "X-Export-Truncated", "true");
	}
	ex->rq = NULL;
	if (rc != CL_OK) {
		srv_problem_err(r, rc, &eb);
		goto out;
	}
	snprintf(total, sizeof total, "%zu", ex->n);
	srv_add_header(r, "X-Total-Count", total);
	if (ex->csv)
		srv_reply_stream(r, 200, "text/csv; charset=utf-8",
				 "attachment; filename=\"caselib-export.csv\"", export_read, ex,
				 export_free);
	else
		srv_reply_stream(r, 200, "application/x-ndjson",
				 "attachment; filename=\"caselib-export.jsonl\"", export_read, ex,
				 export_free);
	ex = NULL;
out:
	export_free(ex);
	search_result_release(&res);
	sparams_release(&sp);
}

/* ---- the write side (api/workflow.h) ------------------------------------ */

static json_t *problems_json(const struct case_problems *p)
{
	json_t *a = json_array();
	for (size_t i = 0; i < p->n; i++)
		json_array_append_new(a, json_pack("{s:s,s:s}", "path", p->v[i].path, "reason",
						   p->v[i].reason));
	return a;
}

static void wf_problem(struct srv_req *r, int rc, const struct case_problems *probs,
		       const struct cl_errbuf *eb)
{
	if (rc == CL_EVALIDATION && probs && probs->n)
		srv_problem_validation(r, "the case record is not valid", problems_json(probs));
	else
		srv_problem_err(r, rc, eb);
}

/* A submission body that is not JSON at all (syntax, invalid UTF-8, \u0000,
 * duplicate keys, nesting past jansson's depth) is 400 invalid-json, as for
 * every other body (docs/api.md); what the record says is validation. */
static int body_is_json(struct srv_req *r, const char *body, size_t len)
{
	json_error_t err;
	json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);

	if (j) {
		json_decref(j);
		return 1;
	}
	srv_problem_ext(r, 400, "invalid-json", "Body is not valid JSON", err.text,
			json_pack("{s:i,s:i}", "line", err.line, "column", err.column));
	return 0;
}

static void h_submit(struct srv_req *r)
{
	const struct auth_principal *who;
	struct srv_worker *w;
	struct case_problems probs;
	struct cl_errbuf eb = {{0}};
	json_t *out = NULL;
	size_t len;
	const char *body;
	int rc;

	case_problems_init(&probs);
	if (no_params(r) || !(who = srv_who(r)) || !(w = srv_worker(r)))
		goto out;
	body = srv_body(r, &len);
	if (!body_is_json(r, body, len))
		goto out;
	rc = wf_submit(w->store, w->engine, who, body, len, &out, &probs, &eb);
	if (rc != CL_OK) {
		wf_problem(r, rc, &probs, &eb);
		goto out;
	}
	{
		const char *id = json_string_value(json_object_get(out, "id"));
		char loc[160];
		if (id) {
			snprintf(loc, sizeof loc, "/v1/submissions/%.120s", id);
			srv_add_header(r, "Location", loc);
		}
	}
	srv_reply_json(r, 201, out);
	out = NULL;
out:
	json_decref(out);
	case_problems_release(&probs);
}

static void h_sub_get(struct srv_req *r)
{
	const struct auth_principal *who;
	struct srv_worker *w;
	struct cl_errbuf eb = {{0}};
	json_t *out = NULL;
	int rc;

	if (no_params(r) || !(who = srv_who(r)) || !(w = srv_worker(r)))
		return;
	rc = wf_get(w->store, who, srv_arg(r, 0), &out, &eb);
	if (rc != CL_OK)
		srv_problem_err(r, rc, &eb);
	else
		srv_reply_json(r, 200, out);
}

static void h_sub_put(struct srv_req *r)
{
	const struct auth_principal *who;
	struct srv_worker *w;
	struct case_problems probs;
	struct cl_errbuf eb = {{0}};
	json_t *out = NULL;
	size_t len;
	const char *body;
	int rc;

	case_problems_init(&probs);
	if (no_params(r) || !(who = srv_who(r)) || !(w = srv_worker(r)))
		goto out;
	body = srv_body(r, &len);
	if (!body_is_json(r, body, len))
		goto out;
	rc = wf_revise(w->store, who, srv_arg(r, 0), body, len, &out, &probs, &eb);
	if (rc != CL_OK)
		wf_problem(r, rc, &probs, &eb);
	else
		srv_reply_json(r, 200, out);
out:
	case_problems_release(&probs);
}

static void h_queue(struct srv_req *r)
{
	const struct auth_principal *who;
	struct srv_worker *w;
	struct cl_errbuf eb = {{0}};
	json_t *out = NULL, *errs = json_array();
	const char *status = NULL;
	size_t n, offset = 0, limit = DEFAULT_LIMIT;
	const struct srv_param *p = srv_params(r, &n);
	int rc;

	for (size_t i = 0; i < n; i++) {
		char path[96];
		long x;
		snprintf(path, sizeof path, "query.%.80s", p[i].name);
		if (!strcmp(p[i].name, "status")) {
			if (!tax_lookup(TAX_STATUS, p[i].value))
				add_error(errs, path, "unknown status");
			status = p[i].value;
		} else if (!strcmp(p[i].name, "limit")) {
			if ((x = parse_uint(p[i].value, ENGINE_LIMIT_MAX)) < 0)
				add_error(errs, path, "an integer 0..%d", ENGINE_LIMIT_MAX);
			else
				limit = (size_t)x;
		} else if (!strcmp(p[i].name, "offset")) {
			if ((x = parse_uint(p[i].value, ENGINE_OFFSET_MAX)) < 0)
				add_error(errs, path, "an integer 0..%d", ENGINE_OFFSET_MAX);
			else
				offset = (size_t)x;
		} else {
			add_error(errs, path, "unknown parameter");
		}
	}
	if (json_array_size(errs)) {
		srv_problem_validation(r, "the query parameters are not valid", errs);
		return;
	}
	json_decref(errs);
	if (!(who = srv_who(r)) || !(w = srv_worker(r)))
		return;
	rc = wf_queue(w->store, who, status, offset, limit, &out, &eb);
	if (rc != CL_OK)
		srv_problem_err(r, rc, &eb);
	else
		srv_reply_json(r, 200, out);
}

static void h_decide(struct srv_req *r)
{
	static const char *const allowed[] = {"decision", "comment", NULL};
	const struct auth_principal *who;
	struct srv_worker *w;
	struct cl_errbuf eb = {{0}};
	json_t *j = NULL, *out = NULL, *errs = NULL, *d, *c;
	int rc;

	if (no_params(r) || !(who = srv_who(r)) || !(j = json_body(r, allowed)))
		goto out;
	errs = json_array();
	d = json_object_get(j, "decision");
	c = json_object_get(j, "comment");
	if (!json_is_string(d) || (strcmp(json_string_value(d), "approve") &&
				   strcmp(json_string_value(d), "reject") &&
				   strcmp(json_string_value(d), "request_changes")))
		add_error(errs, "$.decision", "one of approve, reject, request_changes");
	if (c && !json_is_string(c) && !json_is_null(c))
		add_error(errs, "$.comment", "a string");
	else if (json_is_string(c) && json_string_length(c) > 4000)
		add_error(errs, "$.comment", "over 4000 bytes");
	if (json_array_size(errs)) {
		srv_problem_validation(r, "the decision is not valid", errs);
		errs = NULL;
		goto out;
	}
	if (!(w = srv_worker(r)))
		goto out;
	rc = wf_decide(w->store, who, srv_arg(r, 0), json_string_value(d),
		       json_is_string(c) ? json_string_value(c) : NULL, &out, &eb);
	if (rc != CL_OK) {
		srv_problem_err(r, rc, &eb);
		goto out;
	}
	srv_sync_now(srv_of(r));
	srv_reply_json(r, 200, out);
	out = NULL;
out:
	json_decref(errs);
	json_decref(out);
	json_decref(j);
}

static void h_stats(struct srv_req *r)
{
	const struct auth_principal *who;
	struct srv_worker *w;
	struct cl_errbuf eb = {{0}};
	json_t *out = NULL;
	int rc;

	if (no_params(r) || !(who = srv_who(r)) || !(w = srv_worker(r)))
		return;
	/* the counts so far, including those the sync thread has not yet
	 * written (only for those who may see them) */
	rc = who->role >= ROLE_REVIEWER ? wf_stats_flush(srv_stats(srv_of(r)), w->store, &eb)
					: CL_OK;
	if (rc == CL_OK)
		rc = wf_stats_report(w->store, who, &out, &eb);
	if (rc != CL_OK)
		srv_problem_err(r, rc, &eb);
	else
		srv_reply_json(r, 200, out);
}

/* ---- operations --------------------------------------------------------- */

static void h_health(struct srv_req *r)
{
	struct srv_worker *w;
	int64_t sseq = 0, eseq = 0;
	int ok = 0;
	long n = 0;
	json_t *j;

	if (no_params(r) || !(w = srv_worker(r)))
		return;
	srv_seqs(srv_of(r), &sseq, &eseq, &ok);
	if (engine_count(w->engine, &n, NULL) != CL_OK) /* the index can be read */
		ok = 0;
	/* no counts or sequence numbers: anonymous callers would watch the
	 * workflow move (docs/api.md); /metrics has them */
	j = json_pack("{s:s,s:s,s:I,s:b}", "status", ok ? "ok" : "degraded", "engine",
		      engine_kind_name(srv_cfg(r)->engine), "lag", (json_int_t)(sseq - eseq),
		      "sync_ok", ok);
	srv_reply_json(r, ok ? 200 : 503, j);
}

static void h_metrics(struct srv_req *r)
{
	const struct auth_principal *who;
	char *text;
	if (no_params(r))
		return;
	/* loopback (the host's own scraper) or an admin token */
	if (!srv_client_is_loopback(r)) {
		if (!(who = srv_who(r)))
			return;
		if (who->role == ROLE_ANONYMOUS) {
			srv_add_header(r, "WWW-Authenticate", "Bearer realm=\"caselib\"");
			srv_problem(r, 401, "unauthorized", "Unauthorized",
				    "/metrics needs an admin token from outside the host");
			return;
		}
		if (who->role != ROLE_ADMIN) {
			srv_problem(r, 403, "forbidden", "Forbidden",
				    "/metrics is for loopback clients and admin tokens only");
			return;
		}
	}
	text = srv_metrics_text(srv_of(r));
	if (!text) {
		srv_problem(r, 500, "internal", "Internal error", "out of memory");
		return;
	}
	srv_reply_bytes(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text), 0);
	free(text);
}

static void h_openapi(struct srv_req *r)
{
	if (no_params(r))
		return;
	srv_reply_bytes(r, 200, "application/json", rt_openapi_json, rt_openapi_json_len, 1);
}

/* ---- static files -------------------------------------------------------- */

static const struct {
	const char *ext, *type;
} mime[] = {
	{".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"}, {".json", "application/json"},
	{".svg", "image/svg+xml"}, {".png", "image/png"}, {".ico", "image/x-icon"},
	{".txt", "text/plain; charset=utf-8"}, {".woff2", "font/woff2"},
};

void rt_static(struct srv_req *r)
{
	const char *path = srv_path(r), *ext, *type = NULL;
	char *file = NULL, *data = NULL;
	struct stat st;
	int fd = -1;
	size_t got = 0;

	if (!strcmp(path, "/"))
		path = "/index.html";
	/* every segment: [A-Za-z0-9_-][A-Za-z0-9._-]* (no hidden files, no empty segments) */
	for (const char *p = path; *p; p++) {
		if (*p == '/') {
			if (p[1] == '\0' || p[1] == '/' || p[1] == '.')
				goto notfound;
			continue;
		}
		if (!is_code_char((unsigned char)*p))
			goto notfound;
	}
	ext = strrchr(path, '.');
	for (size_t i = 0; ext && i < sizeof mime / sizeof *mime; i++)
		if (!strcmp(ext, mime[i].ext))
			type = mime[i].type;
	if (!type)
		goto notfound;
	if (asprintf(&file, "%s%s", srv_cfg(r)->web_dir, path) < 0) {
		file = NULL;
		srv_problem(r, 500, "internal", "Internal error", "out of memory");
		goto out;
	}
	fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > SRV_STATIC_MAX)
		goto notfound;
	if (!(data = malloc((size_t)st.st_size + 1)))
		goto notfound;
	while (got < (size_t)st.st_size) {
		ssize_t k = read(fd, data + got, (size_t)st.st_size - got);
		if (k <= 0)
			goto notfound;
		got += (size_t)k;
	}
	srv_reply_bytes(r, 200, type, data, got, 1);
	goto out;
notfound:
	srv_problem(r, 404, "not-found", "Not found", "no such resource: %.200s", srv_path(r));
out:
	if (fd >= 0)
		close(fd);
	free(data);
	free(file);
}

/* ---- the table ------------------------------------------------------------ */

const struct srv_route rt_routes[] = {
	{"GET", "/v1/search", 0, h_search},
	{"GET", "/v1/cases/{id}", 0, h_case},
	{"GET", "/v1/cases/{id}/similar", 0, h_case_similar},
	{"GET", "/v1/cases/{id}/history", 0, h_history},
	{"POST", "/v1/similar", 1, h_similar_text},
	{"GET", "/v1/facets", 0, h_facets},
	{"GET", "/v1/export", 0, h_export},
	{"POST", "/v1/submissions", 1, h_submit},
	{"GET", "/v1/submissions/{id}", 0, h_sub_get},
	{"PUT", "/v1/submissions/{id}", 1, h_sub_put},
	{"GET", "/v1/review/queue", 0, h_queue},
	{"POST", "/v1/review/{id}/decision", 1, h_decide},
	{"GET", "/v1/stats", 0, h_stats},
	{"GET", "/healthz", 0, h_health},
	{"GET", "/metrics", 0, h_metrics},
	{"GET", "/openapi.json", 0, h_openapi},
	{NULL, NULL, 0, NULL},
};
