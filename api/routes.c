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

#include "apidoc.h"
#include "case_csv.h"
#include "csv.h"
#include "facet.h"
#include "fetch.h"
#include "render.h"
#include "sha256.h"
#include "sheet.h"
#include "sreq.h"
#include "store.h"
#include "taxonomy.h"
#include "workflow.h"
#include "xlsx.h"

/* Sends the validation problem when the request had errors; 1 if sent. */
static int params_failed(struct srv_req *r, struct sreq *sq)
{
	if (!sreq_failed(sq))
		return 0;
	srv_problem_validation(r, "the query parameters are not valid", json_incref(sq->errors));
	return 1;
}

/* Reads the query parameters into sq (sreq_init said which it accepts). */
static void parse_params(struct srv_req *r, struct sreq *sq)
{
	size_t n;
	const struct srv_param *p = srv_params(r, &n);

	for (size_t i = 0; i < n; i++)
		sreq_param(sq, p[i].name, p[i].value);
}

static int is_code_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       (c >= 'A' && c <= 'Z');
}

/* An engine error as a problem; CL_EQUERY gets the byte position. */
static void engine_problem(struct srv_req *r, int rc, const struct cl_errbuf *eb)
{
	if (rc == CL_EQUERY) {
		json_t *ext = json_object();
		if (eb->has_pos)
			json_object_set_new(ext, "position", json_integer(eb->pos));
		srv_problem_ext(r, 400, "query-syntax", "Query cannot be read", eb->msg, ext);
	} else if (rc == CL_EINVAL) {
		json_t *errs = json_array();
		sreq_add_error(errs, "query", "%s", eb->msg);
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

/* The response cache's key of a GET /v1/search: its decoded parameters
 * in order, each name and value with its length before it ("1:q9:skolm\xc3
 * \xa5ltid" ...), so that no two requests share a key. NULL when out of
 * memory or over RCACHE_KEY_MAX. */
static char *search_key(struct srv_req *r)
{
	size_t n, len = 0;
	const struct srv_param *p = srv_params(r, &n);
	char *k;

	for (size_t i = 0; i < n; i++) /* room: each length takes at most 20 digits */
		len += strlen(p[i].name) + strlen(p[i].value) + 2 * 21;
	if (!(k = malloc(len + 1)))
		return NULL;
	len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(k + len, "%zu:%s%zu:%s", strlen(p[i].name), p[i].name,
				       strlen(p[i].value), p[i].value);
	if (len > RCACHE_KEY_MAX) {
		free(k);
		return NULL;
	}
	return k;
}

/* Runs the search sp holds (already read and checked) and answers. key:
 * the response cache's key (GET), NULL for an answer never kept (POST). */
static void run_search(struct srv_req *r, struct sreq *sp, const char *key)
{
	struct search_result res;
	struct cl_errbuf eb = {0};
	struct srv_worker *w;
	struct rcache_state st;
	struct rcache *cache = NULL;
	char *body = NULL;
	size_t len = 0;
	long total = 0;
	json_t *j;
	int rc;

	search_result_init(&res);
	if (!(w = srv_worker(r)))
		return;
	if (key && (cache = srv_search_cache(r, &st)) &&
	    rcache_get(cache, &st, key, &body, &len, &total)) {
		if (sp->rq.offset == 0)
			srv_note_search(r, sp->rq.text, total, filters_used(&sp->rq));
		srv_reply_bytes(r, 200, "application/json", body, len, 1);
		free(body);
		return;
	}
	rc = engine_search(w->engine, &sp->rq, &res, &eb);
	if (rc != CL_OK) {
		engine_problem(r, rc, &eb);
		return;
	}
	if (sp->rq.offset == 0)
		srv_note_search(r, sp->rq.text, res.total, filters_used(&sp->rq));
	j = sreq_result_json(w->store, &sp->rq, &res);
	if (cache && j && (body = json_dumps(j, JSON_COMPACT))) {
		len = strlen(body);
		rcache_put(cache, &st, key, body, len, res.total);
		srv_reply_bytes(r, 200, "application/json", body, len, 1);
		free(body);
		json_decref(j);
	} else {
		srv_reply_json(r, 200, j);
	}
	search_result_release(&res);
}

static void h_search(struct srv_req *r)
{
	struct sreq sp;

	sreq_init(&sp, SREQ_SEARCH);
	parse_params(r, &sp);
	if (!params_failed(r, &sp)) {
		char *key = search_key(r);
		run_search(r, &sp, key);
		free(key);
	}
	sreq_release(&sp);
}

/* ---- POST /v1/search ------------------------------------------------------ */

/* The GET parameters as a JSON object (for a long q: a pasted description
 * of a need, up to ENGINE_TEXT_MAX bytes, which a URL should not carry):
 * each member a parameter by its name, its value a string, an integer, or
 * an array of strings (a repeated parameter). No query string. */
static void h_search_post(struct srv_req *r)
{
	enum { NUMS = 8 };
	struct sreq sp;
	json_error_t err;
	size_t len, nnum = 0;
	const char *body = srv_body(r, &len), *k;
	json_t *j = NULL, *v;
	char num[NUMS][24];

	sreq_init(&sp, SREQ_SEARCH | SREQ_LONG_TEXT);
	parse_params(r, &sp); /* the query string may hold some (each once in all) */
	if (params_failed(r, &sp))
		goto out;
	sp.body = 1;
	if (!(j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err))) {
		srv_problem_ext(r, 400, "invalid-json", "Body is not valid JSON", err.text,
				json_pack("{s:i,s:i}", "line", err.line, "column", err.column));
		goto out;
	}
	if (!json_is_object(j)) {
		sreq_error(&sp, "$", "must be a JSON object of search parameters");
	} else {
		json_object_foreach(j, k, v) {
			char path[96];
			size_t i;
			json_t *x;
			snprintf(path, sizeof path, "$.%.80s", k);
			if (json_is_string(v)) {
				sreq_param(&sp, k, json_string_value(v));
			} else if (json_is_integer(v) && nnum < NUMS) {
				snprintf(num[nnum], sizeof num[nnum], "%" JSON_INTEGER_FORMAT,
					 json_integer_value(v));
				sreq_param(&sp, k, num[nnum++]);
			} else if (json_is_array(v) && json_array_size(v) > 0) {
				json_array_foreach(v, i, x) {
					if (json_is_string(x))
						sreq_param(&sp, k, json_string_value(x));
					else
						sreq_error(&sp, path, "an array of strings");
				}
			} else {
				sreq_error(&sp, path, "a string, an integer or an array of strings");
			}
		}
	}
	if (!params_failed(r, &sp))
		run_search(r, &sp, NULL);
out:
	sreq_release(&sp);
	json_decref(j);
}

/* ---- GET /v1/cases/{id} and its history --------------------------------- */

static int sees_any_status(const struct auth_principal *who)
{
	return who->role == ROLE_REVIEWER || who->role == ROLE_ADMIN;
}

/* Loads the case the caller may see; sets a 404 otherwise. For anyone who
 * sees published cases only, the status is checked in SQL first, so an
 * unpublished case takes the same path as an absent one (one indexed
 * lookup, nothing parsed): neither the answer nor its time tells them
 * apart. The status is checked again on what was read. */
static int load_visible(struct srv_req *r, struct srv_worker *w, const struct auth_principal *who,
			const char *id, struct case_record *c)
{
	struct cl_errbuf eb = {0};
	int published = 1, rc = CL_OK;

	if (!sees_any_status(who)) {
		rc = wf_case_published(w->store, id, &published, &eb);
		if (rc == CL_OK && !published)
			rc = CL_ENOTFOUND;
	}
	if (rc == CL_OK)
		rc = store_get_case(w->store, id, c, &eb);
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
	struct sreq sp;
	int bad;
	sreq_init(&sp, 0);
	parse_params(r, &sp);
	bad = params_failed(r, &sp);
	sreq_release(&sp);
	return bad;
}

/* A request without query parameters from a known caller, with a worker:
 * 1, else 0 (a problem was sent). */
static int known_caller(struct srv_req *r, const struct auth_principal **who,
			struct srv_worker **w)
{
	return !no_params(r) && (*who = srv_who(r)) && (*w = srv_worker(r));
}

/* out as 200, or the error as a problem. */
static void reply(struct srv_req *r, int rc, json_t *out, const struct cl_errbuf *eb)
{
	if (rc != CL_OK)
		srv_problem_err(r, rc, eb);
	else
		srv_reply_json(r, 200, out);
}

static void h_case(struct srv_req *r)
{
	const struct auth_principal *who;
	struct srv_worker *w;
	struct case_record c;

	case_init(&c);
	if (!known_caller(r, &who, &w))
		goto out;
	if (load_visible(r, w, who, srv_arg(r, 0), &c) != CL_OK)
		goto out;
	if (c.status && !strcmp(c.status, "published"))
		srv_note_view(r, c.id);
	srv_reply_json(r, 200, case_to_json(&c));
out:
	case_release(&c);
}

/* GET /v1/cases/{id}/html: the case's Markdown texts as safe HTML
 * (render.h), for the page; null for a text the case has not. Seen by whom
 * may see the case; not counted as a view (GET /v1/cases/{id} is). */
static json_t *html_or_null(const char *md)
{
	char *h;
	json_t *j;

	if (!md || !*md)
		return json_null();
	if (!(h = render_markdown(md, strlen(md))))
		return NULL;
	j = json_string(h);
	free(h);
	return j;
}

static void h_case_html(struct srv_req *r)
{
	const struct auth_principal *who;
	struct srv_worker *w;
	struct case_record c;
	json_t *j = NULL;

	case_init(&c);
	if (!known_caller(r, &who, &w))
		goto out;
	if (load_visible(r, w, who, srv_arg(r, 0), &c) != CL_OK)
		goto out;
	j = json_pack("{s:s, s:o*, s:o*, s:o*, s:o*}", "id", c.id, "summary", html_or_null(c.summary),
		      "body", html_or_null(c.body), "outcome", html_or_null(c.outcome), "lessons",
		      html_or_null(c.lessons));
	if (!j) {
		srv_problem(r, 500, "internal", "Internal error", "out of memory");
		goto out;
	}
	srv_reply_json(r, 200, j);
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
	struct cl_errbuf eb = {0};
	json_t *versions = NULL;
	int rc;

	case_init(&c);
	case_init(&prev);
	case_init(&cur);
	if (!known_caller(r, &who, &w))
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
	struct sreq sp;
	struct search_result res;
	struct cl_errbuf eb = {0};
	const struct auth_principal *who;
	struct srv_worker *w;
	struct case_record c;
	int rc;

	sreq_init(&sp, SREQ_PAGE | SREQ_FACETS | SREQ_LANG | SREQ_FILTERS);
	search_result_init(&res);
	case_init(&c);
	sp.rq.limit = 10;
	parse_params(r, &sp);
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
		if (text && strlen(text) > ENGINE_DESC_MAX)
			text[ENGINE_DESC_MAX] = '\0';
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
	srv_reply_json(r, 200, sreq_result_json(w->store, &sp.rq, &res));
out:
	case_release(&c);
	search_result_release(&res);
	sreq_release(&sp);
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
		sreq_add_error(errs, "$", "must be a JSON object");
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
			sreq_add_error(errs, path, "unknown field");
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
	struct sreq sp;
	struct search_result res;
	struct cl_errbuf eb = {0};
	struct srv_worker *w;
	json_t *j = NULL;

	sreq_init(&sp, 0);
	search_result_init(&res);
	sp.rq.limit = 10;
	parse_params(r, &sp);
	if (params_failed(r, &sp) || !(j = json_body(r, allowed)))
		goto out;
	sreq_json(&sp, j);
	if (params_failed(r, &sp) || !(w = srv_worker(r)))
		goto out;
	{
		int rc = engine_similar_text(w->engine, &sp.rq, &res, &eb);
		if (rc != CL_OK) {
			engine_problem(r, rc, &eb);
			goto out;
		}
	}
	srv_reply_json(r, 200, sreq_result_json(w->store, &sp.rq, &res));
out:
	search_result_release(&res);
	sreq_release(&sp);
	json_decref(j);
}

/* ---- GET /v1/facets ----------------------------------------------------- */

static void h_facets(struct srv_req *r)
{
	struct search_request rq;
	struct search_result res;
	struct cl_errbuf eb = {0};
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
		const struct facet_def *d = facet_def(f);
		const struct facet_counts *fc = &res.facets[f];
		json_t *a;
		if (d->vocab != FACET_NO_VOCAB) {
			/* every code of the vocabulary, with its count (0 when unused) */
			size_t n;
			const struct tax_entry *te = tax_entries((enum tax_facet)d->vocab, &n);
			a = json_array();
			for (size_t i = 0; i < n; i++) {
				long count = engine_facet_get(fc, te[i].code);
				json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:I}", "code", te[i].code,
								   "label_sv", te[i].label_sv, "label_en",
								   te[i].label_en, "count", (json_int_t)count));
			}
		} else {
			a = sreq_facet_values_json((enum engine_facet)f, fc);
		}
		json_object_set_new(facets, d->name, a);
	}
	/* the facet table itself, in display order: the page builds its
	 * filters from it (corpus/facet.h) */
	{
		size_t n;
		const int *order = facet_display_order(&n);
		json_t *list = json_array();
		for (size_t i = 0; i < n; i++) {
			const struct facet_def *d = facet_def(order[i]);
			json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:b}", "name", d->name,
							      "label_sv", d->label_sv, "label_en",
							      d->label_en, "vocabulary",
							      d->vocab != FACET_NO_VOCAB));
		}
		j = json_pack("{s:I,s:o,s:o}", "total", (json_int_t)res.total, "facets", facets,
			      "order", list);
	}
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
	int sheet;                /* 1: the spreadsheet columns (sheet.h) */
	enum sheet_lang slang;
	char base[300];           /* the page's address for the link column */
	int xfd;                  /* format=xlsx: the finished workbook, else -1 */
	size_t xsize;
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
	if (ex->xfd >= 0)
		close(ex->xfd);
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
		struct facet_values fv;
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

/* One case as a spreadsheet row; numbers with a decimal comma in Swedish. */
static void sheet_csv_row(const struct export *ex, struct csv_writer *w, const struct case_record *c)
{
	for (size_t k = 0; k < sheet_ncols(); k++) {
		char *v = sheet_cell(c, k, ex->slang, ex->base);
		enum sheet_type t = sheet_type(k);
		if (v && t == SHEET_NUMBER && ex->slang == SHEET_SV) {
			char *dot = strchr(v, '.');
			if (dot)
				*dot = ',';
		}
		if (t == SHEET_TEXT)
			csv_field(w, v);
		else
			csv_field_raw(w, v);
		free(v);
	}
	csv_end_row(w);
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
	if (ex->sheet)
		csv_writer_sep(&w, ex->slang == SHEET_SV ? ';' : ',');
	if (ex->csv && !ex->header_done) {
		if (ex->sheet) {
			fputs("\xEF\xBB\xBF", f); /* BOM: Excel then reads UTF-8 */
			for (size_t k = 0; k < sheet_ncols(); k++)
				csv_field_raw(&w, sheet_header(k, ex->slang));
			csv_end_row(&w);
		} else {
			case_csv_header(&w);
		}
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
		if (ex->sheet) {
			sheet_csv_row(ex, &w, &c);
		} else if (ex->csv) {
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

	if (ex->xfd >= 0) {
		ssize_t got;
		if (pos >= ex->xsize)
			return -1; /* end of stream */
		got = pread(ex->xfd, buf, max, (off_t)pos);
		return got > 0 ? (long)got : -2;
	}
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
	struct sreq sp;
	struct search_result res;
	struct cl_errbuf eb = {0};
	struct srv_worker *w;
	struct export *ex = NULL;
	char total[32];
	int rc;

	sreq_init(&sp, SREQ_TEXT | SREQ_SORT | SREQ_LANG | SREQ_FILTERS | SREQ_FORMAT);
	search_result_init(&res);
	parse_params(r, &sp);
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
	ex->xfd = -1;
	ex->csv = sp.format && !strcmp(sp.format, "csv");
	/* with lang, a CSV is the spreadsheet form; xlsx always is */
	ex->sheet = (ex->csv && sp.rq.lang) || (sp.format && !strcmp(sp.format, "xlsx"));
	ex->slang = sp.rq.lang && !strcmp(sp.rq.lang, "en") ? SHEET_EN : SHEET_SV;
	(void)sheet_base(srv_header(r, "Host"), ex->base, sizeof ex->base);
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
	if (sp.format && !strcmp(sp.format, "xlsx")) {
		/* libxlsxwriter writes a file: the whole workbook first, then its bytes */
		rc = xlsx_export(w->store, ex->ids, ex->n, ex->slang, ex->base, &ex->xfd, &ex->xsize, &eb);
		if (rc != CL_OK) {
			srv_problem_err(r, rc, &eb);
			goto out;
		}
		srv_reply_stream(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
				 "attachment; filename=\"caselib-export.xlsx\"", export_read, ex, export_free);
	} else if (ex->csv)
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
	sreq_release(&sp);
}

/* ---- the write side (api/workflow.h) ------------------------------------ */

static json_t *problems_json(const struct case_problems *p)
{
	json_t *a = json_array();
	for (size_t i = 0; i < p->n; i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:s}", "path", p->v[i].path,
						   "reason", p->v[i].reason, "code",
						   case_pcode_name(p->v[i].code)));
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

/* The start of a JSON write: no query parameters, the caller known, a
 * worker, a body that parses. 0 when a problem was sent. */
static int write_request(struct srv_req *r, const struct auth_principal **who,
			 struct srv_worker **w, const char **body, size_t *len)
{
	if (!known_caller(r, who, w))
		return 0;
	*body = srv_body(r, len);
	return body_is_json(r, *body, *len);
}

/* POST /v1/submissions (revise 0: 201 with Location) and PUT
 * /v1/submissions/{id} (revise 1: 200): a case record as JSON through the
 * workflow (api/workflow.h). */
static void write_submission(struct srv_req *r, int revise)
{
	const struct auth_principal *who;
	struct srv_worker *w;
	struct case_problems probs;
	struct cl_errbuf eb = {0};
	json_t *out = NULL;
	size_t len;
	const char *body, *id;
	char loc[160];
	int rc;

	case_problems_init(&probs);
	if (!write_request(r, &who, &w, &body, &len))
		goto out;
	rc = revise ? wf_revise(w->store, who, srv_arg(r, 0), body, len, &out, &probs, &eb)
		    : wf_submit(w->store, w->engine, who, body, len, &out, &probs, &eb);
	if (rc != CL_OK) {
		wf_problem(r, rc, &probs, &eb);
		goto out;
	}
	if (!revise && (id = json_string_value(json_object_get(out, "id")))) {
		snprintf(loc, sizeof loc, "/v1/submissions/%.120s", id);
		srv_add_header(r, "Location", loc);
	}
	srv_reply_json(r, revise ? 200 : 201, out);
	out = NULL;
out:
	json_decref(out);
	case_problems_release(&probs);
}

static void h_submit(struct srv_req *r)
{
	write_submission(r, 0);
}

/* POST /v1/submissions/check: validation and duplicates, nothing stored. */
static void h_sub_check(struct srv_req *r)
{
	const struct auth_principal *who;
	struct srv_worker *w;
	struct case_problems probs;
	struct cl_errbuf eb = {0};
	json_t *out = NULL;
	size_t len;
	const char *body;
	int rc;

	case_problems_init(&probs);
	if (!write_request(r, &who, &w, &body, &len))
		goto out;
	rc = wf_check(w->store, w->engine, who, body, len, &out, &probs, &eb);
	if (rc != CL_OK) {
		wf_problem(r, rc, &probs, &eb);
		goto out;
	}
	srv_reply_json(r, 200, out);
	out = NULL;
out:
	json_decref(out);
	case_problems_release(&probs);
}

static void h_sub_put(struct srv_req *r)
{
	write_submission(r, 1);
}

static void h_sub_get(struct srv_req *r)
{
	json_t *out = NULL;
	struct cl_errbuf eb = {0};
	const struct auth_principal *who;
	struct srv_worker *w;
	int rc;

	if (!known_caller(r, &who, &w))
		return;
	/* out is read after wf_get has set it (not in the same call) */
	rc = wf_get(w->store, who, srv_arg(r, 0), &out, &eb);
	reply(r, rc, out, &eb);
}


/* limit and offset of a listing (queue, my submissions): 1 when name is
 * one of them (an error added when its value is bad), 0 otherwise. */
static int page_param(const char *name, const char *value, const char *path, json_t *errs,
		      size_t *limit, size_t *offset)
{
	int is_limit = !strcmp(name, "limit");
	long x;

	if (!is_limit && strcmp(name, "offset"))
		return 0;
	x = sreq_parse_uint(value, is_limit ? ENGINE_LIMIT_MAX : ENGINE_OFFSET_MAX);
	if (x < 0)
		sreq_add_error(errs, path, "an integer 0..%d",
			       is_limit ? ENGINE_LIMIT_MAX : ENGINE_OFFSET_MAX);
	else
		*(is_limit ? limit : offset) = (size_t)x;
	return 1;
}

/* The query parameters of a listing: limit, offset, and status when
 * status is not NULL (the review queue). 1 when they are good; else the
 * problem is sent (every bad parameter named) and 0 returned. */
static int listing_params(struct srv_req *r, const char **status, size_t *limit, size_t *offset)
{
	json_t *errs = json_array();
	size_t n;
	const struct srv_param *p = srv_params(r, &n);

	*limit = SREQ_DEFAULT_LIMIT;
	*offset = 0;
	for (size_t i = 0; i < n; i++) {
		char path[96];
		snprintf(path, sizeof path, "query.%.80s", p[i].name);
		if (status && !strcmp(p[i].name, "status")) {
			if (!tax_lookup(TAX_STATUS, p[i].value))
				sreq_add_error(errs, path, "unknown status");
			*status = p[i].value;
		} else if (!page_param(p[i].name, p[i].value, path, errs, limit, offset)) {
			sreq_add_error(errs, path, "unknown parameter");
		}
	}
	if (json_array_size(errs)) {
		srv_problem_validation(r, "the query parameters are not valid", errs);
		return 0;
	}
	json_decref(errs);
	return 1;
}

static void h_queue(struct srv_req *r)
{
	const struct auth_principal *who;
	struct srv_worker *w;
	struct cl_errbuf eb = {0};
	json_t *out = NULL;
	const char *status = NULL;
	size_t offset, limit;
	int rc;

	if (!listing_params(r, &status, &limit, &offset) || !(who = srv_who(r)) ||
	    !(w = srv_worker(r)))
		return;
	rc = wf_queue(w->store, who, status, offset, limit, &out, &eb);
	reply(r, rc, out, &eb);
}

/* GET /v1/submissions: the caller's own submissions (wf_mine). */
static void h_mine(struct srv_req *r)
{
	const struct auth_principal *who;
	struct srv_worker *w;
	struct cl_errbuf eb = {0};
	json_t *out = NULL;
	size_t offset, limit;
	int rc;

	if (!listing_params(r, NULL, &limit, &offset) || !(who = srv_who(r)) ||
	    !(w = srv_worker(r)))
		return;
	rc = wf_mine(w->store, who, offset, limit, &out, &eb);
	reply(r, rc, out, &eb);
}

/* 1 when the If-Match list names tag (strong comparison, RFC 9110
 * 13.1.1: a weak tag never matches; "*" names no version here). The tag a
 * gzipped answer carried ("<sha>-gzip") names the same representation. */
static int if_match_names(const char *im, const char *hex)
{
	const char *p = im;

	while (*p) {
		const char *q;
		size_t n;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p != '"') {
			while (*p && *p != ',')
				p++;
			continue;
		}
		q = strchr(p + 1, '"');
		if (!q)
			return 0;
		n = (size_t)(q - p - 1);
		if ((n == 64 || (n == 69 && !strncmp(p + 65, "-gzip", 5))) &&
		    !strncmp(p + 1, hex, 64))
			return 1;
		p = q + 1;
	}
	return 0;
}

/* The strong ETag's digest of j as srv_reply_json sends it (j borrowed). */
static int etag_of(json_t *j, char hex[65])
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	if (!text)
		return CL_ENOMEM;
	sha256_hex(text, strlen(text), hex);
	free(text);
	return CL_OK;
}

/* The case version an If-Match header names: the ETag of the reviewer's
 * GET /v1/submissions/{id} or GET /v1/cases/{id} as they are now. *version
 * is 0 when it names neither (the case moved on), else the version those
 * representations show; wf_decide then checks that version under the
 * write lock. */
static int if_match_version(struct srv_worker *w, const struct auth_principal *who,
			    const char *id, const char *im, long *version, struct cl_errbuf *eb)
{
	struct case_record c;
	json_t *sub = NULL;
	char hex[65];
	long v;
	int rc;

	*version = 0;
	case_init(&c);
	if ((rc = wf_get(w->store, who, id, &sub, eb)))
		goto out;
	v = (long)json_integer_value(json_object_get(sub, "version"));
	if ((rc = etag_of(sub, hex)))
		goto out;
	if (if_match_names(im, hex)) {
		*version = v;
		goto out;
	}
	if ((rc = store_get_case(w->store, id, &c, eb)))
		goto out;
	if (c.version == v) {
		json_t *cj = case_to_json(&c);
		rc = etag_of(cj, hex);
		json_decref(cj);
		if (rc == CL_OK && if_match_names(im, hex))
			*version = v;
	}
out:
	json_decref(sub);
	case_release(&c);
	return rc;
}

static void h_decide(struct srv_req *r)
{
	static const char *const allowed[] = {"decision", "comment", "version", NULL};
	const struct auth_principal *who;
	struct srv_worker *w;
	struct cl_errbuf eb = {0};
	json_t *j = NULL, *out = NULL, *errs = NULL, *d, *c, *v;
	const char *im = srv_header(r, "If-Match");
	long version = 0;
	int rc;

	if (no_params(r) || !(who = srv_who(r)) || !(j = json_body(r, allowed)))
		goto out;
	errs = json_array();
	d = json_object_get(j, "decision");
	c = json_object_get(j, "comment");
	v = json_object_get(j, "version");
	if (!json_is_string(d) || (strcmp(json_string_value(d), "approve") &&
				   strcmp(json_string_value(d), "reject") &&
				   strcmp(json_string_value(d), "request_changes")))
		sreq_add_error(errs, "$.decision", "one of approve, reject, request_changes");
	if (c && !json_is_string(c) && !json_is_null(c))
		sreq_add_error(errs, "$.comment", "a string");
	else if (json_is_string(c) && json_string_length(c) > 4000)
		sreq_add_error(errs, "$.comment", "over 4000 bytes");
	if (v && (!json_is_integer(v) || json_integer_value(v) < 1 ||
		  json_integer_value(v) > 1000000000))
		sreq_add_error(errs, "$.version", "the version you reviewed: an integer 1..1000000000");
	else if (v)
		version = (long)json_integer_value(v);
	if (json_array_size(errs)) {
		srv_problem_validation(r, "the decision is not valid", errs);
		errs = NULL;
		goto out;
	}
	if (!(w = srv_worker(r)))
		goto out;
	if (im && strcmp(im, "*") != 0) {
		long iv = 0;
		if (who->role != ROLE_REVIEWER && who->role != ROLE_ADMIN) {
			rc = cl_fail(&eb, CL_EDENIED, "decisions need a reviewer token");
			srv_problem_err(r, rc, &eb);
			goto out;
		}
		if ((rc = if_match_version(w, who, srv_arg(r, 0), im, &iv, &eb)) != CL_OK) {
			srv_problem_err(r, rc, &eb);
			goto out;
		}
		if (!iv) {
			srv_problem(r, 412, "precondition-failed", "Precondition failed",
				    "the submission changed since the If-Match ETag was read: open it"
				    " again and decide on what it says now");
			goto out;
		}
		if (version && version != iv) {
			srv_problem(r, 409, "conflict", "Conflict",
				    "the body's version %ld is not the version %ld the If-Match ETag"
				    " names", version, iv);
			goto out;
		}
		version = iv;
	}
	if (!version) {
		/* What a decision without a version would have met first keeps
		 * its answer (401/403, 400 for a missing comment, 404). */
		json_t *sub = NULL;
		const char *cv = json_string_value(c);
		int blank = !cv || strspn(cv, " \t\r\n") == strlen(cv);
		if (who->role != ROLE_REVIEWER && who->role != ROLE_ADMIN) {
			rc = cl_fail(&eb, CL_EDENIED, "decisions need a reviewer token");
		} else if (strcmp(json_string_value(d), "approve") != 0 && blank) {
			sreq_add_error(errs, "$.comment", "%s needs a comment for the contributor",
				  json_string_value(d));
			srv_problem_validation(r, "the decision is not valid", errs);
			errs = NULL;
			goto out;
		} else {
			rc = wf_get(w->store, who, srv_arg(r, 0), &sub, &eb);
			json_decref(sub);
		}
		if (rc != CL_OK)
			srv_problem_err(r, rc, &eb);
		else
			srv_problem(r, 428, "precondition-required", "Precondition required",
				    "a decision names the version it was made on: \"version\" in the"
				    " body (the submission's \"version\") or If-Match with its ETag");
		goto out;
	}
	rc = wf_decide(w->store, who, srv_arg(r, 0), json_string_value(d),
		       json_is_string(c) ? json_string_value(c) : NULL, version, &out, &eb);
	if (rc == CL_ECONFLICT && out) {
		json_t *ext = json_pack("{s:O?, s:O?, s:I}", "current_status",
					json_object_get(out, "status"), "current_version",
					json_object_get(out, "version"), "your_version",
					(json_int_t)version);
		srv_problem_ext(r, 409, "conflict", "Conflict", eb.msg, ext);
		goto out;
	}
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
	struct cl_errbuf eb = {0};
	json_t *out = NULL;
	int rc;

	if (!known_caller(r, &who, &w))
		return;
	/* the counts so far, including those the sync thread has not yet
	 * written (only for those who may see them) */
	rc = who->role >= ROLE_REVIEWER ? wf_stats_flush(srv_stats(srv_of(r)), w->store, &eb)
					: CL_OK;
	if (rc == CL_OK)
		rc = wf_stats_report(w->store, who, &out, &eb);
	reply(r, rc, out, &eb);
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
	size_t len;
	const char *doc = apidoc_json(&len);

	if (no_params(r))
		return;
	if (!doc) {
		srv_problem(r, 500, "internal", "Internal error", "the OpenAPI document cannot be read");
		return;
	}
	srv_reply_bytes(r, 200, "application/json", doc, len, 1);
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
	{"POST", "/v1/search", SRV_ROUTE_JSON, h_search_post},
	{"GET", "/v1/cases/{id}", 0, h_case},
	{"GET", "/v1/cases/{id}/similar", 0, h_case_similar},
	{"GET", "/v1/cases/{id}/history", 0, h_history},
	{"GET", "/v1/cases/{id}/html", 0, h_case_html},
	{"POST", "/v1/similar", SRV_ROUTE_JSON, h_similar_text},
	{"GET", "/v1/facets", 0, h_facets},
	{"GET", "/v1/export", 0, h_export},
	{"POST", "/v1/submissions", SRV_ROUTE_JSON | SRV_ROUTE_TOKEN, h_submit},
	{"GET", "/v1/submissions", 0, h_mine},
	{"POST", "/v1/submissions/check", SRV_ROUTE_JSON | SRV_ROUTE_TOKEN, h_sub_check},
	{"GET", "/v1/submissions/{id}", 0, h_sub_get},
	{"PUT", "/v1/submissions/{id}", SRV_ROUTE_JSON | SRV_ROUTE_TOKEN, h_sub_put},
	{"GET", "/v1/review/queue", 0, h_queue},
	{"POST", "/v1/review/{id}/decision", SRV_ROUTE_JSON | SRV_ROUTE_TOKEN, h_decide},
	{"GET", "/v1/stats", 0, h_stats},
	{"GET", "/healthz", 0, h_health},
	{"GET", "/metrics", 0, h_metrics},
	{"GET", "/openapi.json", 0, h_openapi},
	{NULL, NULL, 0, NULL},
};
