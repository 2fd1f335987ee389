/* test_server.c — the HTTP API (api/server.c, api/routes.c) started
 * in-process on a free loopback port over a temporary store (the demo
 * corpus plus the first rows of the real statistics CSV and one submitted
 * case), driven with libcurl: read endpoints, visibility of unpublished
 * cases, bad input -> 4xx problem+json with nothing lost, security
 * headers, ETag/304, the OpenAPI document, graceful stop during an export. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <zlib.h>
#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "auth.h"
#include "parse_sestat.h"
#include "render.h"
#include "routes.h"
#include "sheet.h"
#include "server.h"
#include "store.h"
#include "testutil.h"

#define NSESTAT 300
#define HIDDEN_ID "zz-hidden-submission"
#define HIDDEN_WORD "hemligordxyzzy"
#define FLIP_ID "zz-flip-case"

/* ---- fixture ------------------------------------------------------------ */

static char *g_dir, *g_web;
static struct srv *g_srv;
static char g_base[64];
static char g_reviewer[AUTH_TOKEN_LEN + 1], g_contributor[AUTH_TOKEN_LEN + 1];

struct load {
	struct store *s;
	long n, max;
};

static int emit_case(void *ud, struct case_record *c)
{
	struct load *l = ud;
	struct cl_errbuf eb = {0};
	struct store_put_result res;
	int rc;

	if (l->n >= l->max)
		return CL_EEXISTS; /* enough: stops the parse */
	rc = store_put_case(l->s, c, "import", &res, &eb);
	cr_assert_eq(rc, CL_OK, "put %s: %s", c->id, eb.msg);
	l->n++;
	return CL_OK;
}

static void put_json(struct store *s, const char *json, const char *status_override)
{
	struct case_record c;
	struct case_problems probs;
	struct store_put_result res;
	struct cl_errbuf eb = {0};
	int rc;

	case_init(&c);
	case_problems_init(&probs);
	rc = case_parse(json, strlen(json), 0, &c, &probs);
	cr_assert_eq(rc, CL_OK, "parse: %s", probs.n ? probs.v[0].reason : "?");
	if (status_override) {
		free(c.status);
		c.status = strdup(status_override);
	}
	cr_assert_eq(store_put_case(s, &c, "import", &res, &eb), CL_OK, "%s", eb.msg);
	case_release(&c);
	case_problems_release(&probs);
}

static const char *hidden_json =
	"{\"id\":\"" HIDDEN_ID "\",\"kind\":\"case\",\"title\":\"Hemlig inlämning " HIDDEN_WORD
	" om skolmåltider\",\"summary\":\"Klimatsmarta skolmåltider " HIDDEN_WORD
	"\",\"sources\":[{\"url\":\"https://example.org/hidden\","
	"\"retrieved_at\":\"2026-01-01T10:00:00Z\"}]}";

#define FLIP_JSON                                                                            \
	"{\"id\":\"" FLIP_ID "\",\"kind\":\"case\",\"title\":\"Elbussar i kollektivtrafiken\"," \
	"\"summary\":\"%s\",\"sources\":[{\"url\":\"https://example.org/flip\","               \
	"\"retrieved_at\":\"2026-01-01T10:00:00Z\"}]}"

static void load_store(const char *dir)
{
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	char *demo = strdup("tests/fixtures/demo-cases"), *csv = tu_shared("se-procurements-2021/number_of_procurements.csv");
	DIR *d = opendir(demo);
	struct dirent *de;
	struct load l;
	struct parse_src src = {NULL, "2026-01-01T00:00:00Z", NULL};
	struct parse_sink sink;
	FILE *f;
	char buf[512], tok_id[40];
	int rc;

	cr_assert_eq(store_open(dir, STORE_CREATE, &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_not_null(d);
	while ((de = readdir(d))) {
		char path[512];
		char *text;
		if (!strstr(de->d_name, ".json"))
			continue;
		snprintf(path, sizeof path, "%s/%s", demo, de->d_name);
		text = tu_read_file(path, NULL);
		cr_assert_not_null(text);
		put_json(s, text, NULL);
		free(text);
	}
	closedir(d);
	/* real records: the first rows of the statistics CSV */
	l.s = s;
	l.n = 0;
	l.max = NSESTAT;
	sink.emit = emit_case;
	sink.reject = NULL;
	sink.ud = &l;
	f = fopen(csv, "rb");
	cr_assert_not_null(f, "cannot open %s", csv);
	rc = sestat_parse_file(f, &src, &sink, NULL, &eb);
	fclose(f);
	cr_assert(rc == CL_EEXISTS || rc == CL_OK, "sestat: %s", eb.msg);
	cr_assert_eq(l.n, NSESTAT);
	/* one submitted case: never visible to anonymous callers */
	put_json(s, hidden_json, "submitted");
	/* a case first submitted, then published with new text: its history
	 * shows anonymous callers only the published version */
	snprintf(buf, sizeof buf, FLIP_JSON, "Första utkastet, ej publicerat");
	put_json(s, buf, "submitted");
	snprintf(buf, sizeof buf, FLIP_JSON, "Laddinfrastruktur och elbussar, publicerad text");
	put_json(s, buf, "published");
	cr_assert_eq(auth_token_create(s, ROLE_REVIEWER, "test reviewer", g_reviewer, tok_id, &eb),
		     CL_OK, "%s", eb.msg);
	cr_assert_eq(auth_token_create(s, ROLE_CONTRIBUTOR, "test contributor", g_contributor,
				       tok_id, &eb),
		     CL_OK, "%s", eb.msg);
	store_close(s);
	free(demo);
	free(csv);
}

/* (Re)starts the server over the fixture's store with engine k. */
static void serve_engine(enum engine_kind k, unsigned row_delay_us, const char *cors)
{
	struct srv_config cfg;

	srv_stop(g_srv);
	tu_srv_config(&cfg, g_dir, g_web);
	cfg.engine = k;
	cfg.cors_origin = cors;
	cfg.export_row_delay_us = row_delay_us;
	g_srv = tu_srv_start(&cfg, g_base, sizeof g_base);
	cr_assert_gt(srv_port(g_srv), 0);
}

/* (Re)starts the server over the fixture's store (Xapian). */
static void serve(unsigned row_delay_us, const char *cors)
{
	serve_engine(ENGINE_XAPIAN, row_delay_us, cors);
}

static void setup(void)
{
	char path[512];

	g_dir = tu_tmpdir();
	g_web = tu_tmpdir();
	snprintf(path, sizeof path, "%s/index.html", g_web);
	tu_write_file(path, "<!doctype html><title>caselib</title>", 37);
	snprintf(path, sizeof path, "%s/app.js", g_web);
	tu_write_file(path, "console.log(1);\n", 16);
	snprintf(path, sizeof path, "%s/app.css", g_web);
	tu_write_file(path, "body{}\n", 7);
	load_store(g_dir);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	serve(0, NULL);
}

static void teardown(void)
{
	srv_stop(g_srv);
	g_srv = NULL;
	if (g_dir) {
		curl_global_cleanup();
		tu_rmtree(g_dir);
		tu_rmtree(g_web);
	}
	free(g_dir);
	free(g_web);
	g_dir = g_web = NULL;
}


/* ---- HTTP client (tu_http_request) ---------------------------------------- */

/* One request to the server under test. headers: NULL-terminated
 * "Name: value" list (may be NULL). */
static void http(const char *method, const char *path, const char *const *headers,
		 const char *body, size_t blen, struct tu_resp *out)
{
	char url[16384];

	snprintf(url, sizeof url, "%s%s", g_base, path);
	tu_http_request(method, url, headers, body, blen, NULL, out);
}

static void get(const char *path, struct tu_resp *out)
{
	http("GET", path, NULL, NULL, 0, out);
}

static void post_json(const char *path, const char *body, struct tu_resp *out)
{
	static const char *const h[] = {"Content-Type: application/json", NULL};
	http("POST", path, h, body, strlen(body), out);
}

static int hits_contain(const json_t *res, const char *id)
{
	size_t i;
	json_t *h;
	json_array_foreach(json_object_get(res, "hits"), i, h)
		if (!strcmp(json_string_value(json_object_get(h, "id")), id))
			return 1;
	return 0;
}

static void assert_problem(const struct tu_resp *r, long status, const char *slug, const char *what)
{
	char ct[128], want[160];
	cr_assert_eq(r->status, status, "%s: status %ld, want %ld: %s", what, r->status, status,
		     r->body);
	cr_assert_lt(r->status, 500, "%s: 5xx", what);
	cr_assert_not_null(tu_resp_header(r, "Content-Type", ct, sizeof ct), "%s: no content type", what);
	cr_assert_str_eq(ct, "application/problem+json", "%s: content type %s", what, ct);
	cr_assert_not_null(r->json, "%s: problem body is not JSON: %s", what, r->body);
	snprintf(want, sizeof want, "%s%s", SRV_PROBLEM_BASE, slug);
	cr_assert_str_eq(json_string_value(json_object_get(r->json, "type")), want, "%s: %s", what,
			 r->body);
	cr_assert_eq(json_integer_value(json_object_get(r->json, "status")), status, "%s", what);
	cr_assert(json_is_string(json_object_get(r->json, "title")), "%s", what);
	cr_assert(json_is_string(json_object_get(r->json, "detail")), "%s", what);
	if (!strcmp(slug, "validation")) {
		json_t *errs = json_object_get(r->json, "errors"), *e0 = json_array_get(errs, 0);
		cr_assert(json_array_size(errs) > 0, "%s: no errors[]", what);
		cr_assert(json_is_string(json_object_get(e0, "path")), "%s", what);
		cr_assert(json_is_string(json_object_get(e0, "reason")), "%s", what);
	}
}

static struct store_counts counts_now(void)
{
	struct store *s = NULL;
	struct store_counts sc;
	struct cl_errbuf eb = {0};
	cr_assert_eq(store_open(g_dir, STORE_READONLY, &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(store_counts(s, &sc, &eb), CL_OK, "%s", eb.msg);
	store_close(s);
	return sc;
}

TestSuite(server, .init = setup, .fini = teardown, .timeout = 120);

/* ---- read endpoints ------------------------------------------------------- */

Test(server, search_happy_path)
{
	struct tu_resp r;
	json_t *facets, *sectors, *hit;
	char ct[128];

	get("/v1/search?q=skolm%C3%A5ltider&facets=all&limit=5", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(tu_resp_header(&r, "Content-Type", ct, sizeof ct), "application/json");
	cr_assert_geq(json_integer_value(json_object_get(r.json, "total")), 1);
	cr_assert(hits_contain(r.json, "case-lund-skolmaltider-2021"), "%s", r.body);
	hit = json_array_get(json_object_get(r.json, "hits"), 0);
	cr_assert(json_is_string(json_object_get(hit, "snippet")));
	cr_assert_null(strstr(json_string_value(json_object_get(hit, "snippet")), "<script"));
	facets = json_object_get(r.json, "facets");
	sectors = json_object_get(facets, "sectors");
	cr_assert(json_array_size(sectors) > 0, "%s", r.body);
	cr_assert(json_is_string(json_object_get(json_array_get(sectors, 0), "label_en")));
	cr_assert(json_is_boolean(json_object_get(r.json, "used_or_fallback")));
	cr_assert(json_is_boolean(json_object_get(r.json, "parsed_as_plain")));
	tu_resp_free(&r);

	/* no text: every published case; the hidden submission is not counted */
	get("/v1/search?limit=0", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(json_integer_value(json_object_get(r.json, "total")),
		     counts_now().published, "%s", r.body);
	tu_resp_free(&r);

	/* a filter by repeated values (OR) and a year range narrow the set */
	get("/v1/search?kind=case&kind=procurement&limit=0", &r);
	long all = json_integer_value(json_object_get(r.json, "total"));
	tu_resp_free(&r);
	get("/v1/search?kind=case&limit=100", &r);
	cr_assert_eq(r.status, 200);
	long ncase = json_integer_value(json_object_get(r.json, "total"));
	cr_assert(ncase > 0 && ncase < all, "case %ld all %ld", ncase, all);
	cr_assert(hits_contain(r.json, "case-lund-skolmaltider-2021"));
	tu_resp_free(&r);
	get("/v1/search?year=2021..2021&limit=0&facets=year", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	{
		json_t *years = json_object_get(json_object_get(r.json, "facets"), "year");
		cr_assert(json_array_size(years) > 0);
	}
	tu_resp_free(&r);

	/* unreadable syntax is read as plain words, not an error */
	get("/v1/search?q=%22skolm%C3%A5ltider", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(json_is_true(json_object_get(r.json, "parsed_as_plain")), "%s", r.body);
	tu_resp_free(&r);

	/* paging is stable: offset 1 limit 1 is the second hit of limit 2 */
	get("/v1/search?q=upphandling&limit=2", &r);
	json_t *two = json_incref(json_object_get(r.json, "hits"));
	tu_resp_free(&r);
	get("/v1/search?q=upphandling&limit=1&offset=1", &r);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r.json, "hits"), 0), "id")),
			 json_string_value(json_object_get(json_array_get(two, 1), "id")));
	json_decref(two);
	tu_resp_free(&r);
}

Test(server, case_similar_history_facets)
{
	struct tu_resp r;
	json_t *v;

	get("/v1/cases/case-lund-skolmaltider-2021", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(json_string_value(json_object_get(r.json, "id")), "case-lund-skolmaltider-2021");
	cr_assert_str_eq(json_string_value(json_object_get(r.json, "status")), "published");
	cr_assert(json_array_size(json_object_get(r.json, "sources")) > 0);
	tu_resp_free(&r);

	get("/v1/cases/case-lund-skolmaltider-2021/similar?limit=5", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(json_array_size(json_object_get(r.json, "hits")) > 0);
	cr_assert(!hits_contain(r.json, "case-lund-skolmaltider-2021"), "similar lists itself");
	tu_resp_free(&r);

	post_json("/v1/similar", "{\"text\":\"klimatsmarta skolmåltider i kommunens skolor\",\"limit\":3}", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(hits_contain(r.json, "case-lund-skolmaltider-2021"), "%s", r.body);
	cr_assert_leq(json_array_size(json_object_get(r.json, "hits")), 3);
	tu_resp_free(&r);

	/* history: anonymous sees only the published version of the flip case */
	get("/v1/cases/" FLIP_ID "/history", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	v = json_object_get(r.json, "versions");
	cr_assert_eq(json_array_size(v), 1, "%s", r.body);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(v, 0), "status")), "published");
	cr_assert_null(json_object_get(json_array_get(v, 0), "actor"));
	tu_resp_free(&r);
	/* a reviewer sees both, with the field-level change */
	{
		char auth[128];
		const char *h[] = {auth, NULL};
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", g_reviewer);
		http("GET", "/v1/cases/" FLIP_ID "/history", h, NULL, 0, &r);
		cr_assert_eq(r.status, 200, "%s", r.body);
		v = json_object_get(r.json, "versions");
		cr_assert_eq(json_array_size(v), 2, "%s", r.body);
		cr_assert(json_array_size(json_object_get(json_array_get(v, 1), "changes")) > 0, "%s", r.body);
		tu_resp_free(&r);
		http("GET", "/v1/cases/" HIDDEN_ID, h, NULL, 0, &r);
		cr_assert_eq(r.status, 200, "reviewer sees a submitted case: %s", r.body);
		tu_resp_free(&r);
	}

	get("/v1/facets", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	v = json_object_get(json_object_get(r.json, "facets"), "goals");
	cr_assert_geq(json_array_size(v), 34, "every goal code is listed");
	{
		size_t i;
		json_t *x;
		int found = 0;
		json_array_foreach(v, i, x)
			if (!strcmp(json_string_value(json_object_get(x, "code")), "sdg-13")) {
				found = 1;
				cr_assert(json_is_string(json_object_get(x, "label_sv")));
				cr_assert(json_is_integer(json_object_get(x, "count")));
			}
		cr_assert(found);
	}
	cr_assert(json_object_get(json_object_get(r.json, "facets"), "year"));
	tu_resp_free(&r);
}

/* ---- hit fields ----------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One search of the hit-field test: what its hits must satisfy. */
struct hit_query {
	const char *path;
	const char *word;   /* a free-text search: ASCII prefixes ('|' between) of the
			     * word and its synonyms (query/synonyms.tsv), one of which
			     * every <mark> holds; NULL: no text */
	const char *sector; /* a sectors= filter: every published case with it is a hit */
	int by_date;        /* sort=date: published dates non-increasing */
};

/* Whether snippet is HTML-safe: text, character entities and bare
 * <mark>...</mark> pairs (not nested) only; the text without the markup is
 * written to plain (a buffer of at least strlen(snippet) + 1). Returns the
 * number of marks, or -1 with *why set. */
static int snippet_parse(const char *snip, char *plain, const char **why)
{
	int marks = 0, open = 0;
	size_t o = 0;

	for (const char *p = snip; *p;) {
		if (!strncmp(p, "<mark>", 6)) {
			if (open)
				return *why = "nested <mark>", -1;
			open = 1, marks++, p += 6;
		} else if (!strncmp(p, "</mark>", 7)) {
			if (!open)
				return *why = "</mark> without <mark>", -1;
			open = 0, p += 7;
		} else if (*p == '<' || *p == '>' || *p == '"') {
			return *why = "a raw <, > or \"", -1;
		} else if (*p == '&') {
			static const struct { const char *e; char c; } ents[] = {
				{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'},
				{"&#39;", '\''}, {"&#x27;", '\''}};
			size_t k;
			for (k = 0; k < sizeof ents / sizeof ents[0]; k++)
				if (!strncmp(p, ents[k].e, strlen(ents[k].e)))
					break;
			if (k == sizeof ents / sizeof ents[0])
				return *why = "a raw & or an unknown entity", -1;
			plain[o++] = ents[k].c;
			p += strlen(ents[k].e);
		} else {
			plain[o++] = *p++;
		}
	}
	plain[o] = '\0';
	if (open)
		return *why = "<mark> not closed", -1;
	return marks;
}

/* Whether text starts with (at = 0) or holds (at = 1) one of the
 * '|'-separated ASCII prefixes, in any case. */
static int has_prefix(const char *text, const char *prefixes, int at)
{
	for (const char *p = prefixes; *p;) {
		size_t n = strcspn(p, "|");
		char w[64];
		snprintf(w, sizeof w, "%.*s", (int)n, p);
		if (at ? strcasestr(text, w) != NULL : strncasecmp(text, w, n) == 0)
			return 1;
		p += n + (p[n] == '|');
	}
	return 0;
}

/* Whether the text of every mark of snippet holds one of the prefixes (a
 * compound's part may be marked as the whole compound). */
static int marks_hold(const char *snip, const char *prefixes)
{
	for (const char *p = strstr(snip, "<mark>"); p; p = strstr(p + 1, "<mark>")) {
		const char *e = strstr(p, "</mark>");
		char w[256];
		snprintf(w, sizeof w, "%.*s", e ? (int)(e - p - 6) : 0, p + 6);
		if (!has_prefix(w, prefixes, 1))
			return 0;
	}
	return 1;
}

/* Whether the text of s (whitespace runs as one space) holds frag
 * likewise, ignoring a leading or trailing "…". */
static int text_holds(const char *s, const char *frag)
{
	char *a = malloc(strlen(s) + 1), *b = malloc(strlen(frag) + 1);
	size_t i = 0, j = 0;
	int hit;

	cr_assert(a && b);
	for (const char *p = s; *p; p++)
		if (!strchr(" \t\r\n", *p) || (i && a[i - 1] != ' '))
			a[i++] = strchr(" \t\r\n", *p) ? ' ' : *p;
	a[i] = '\0';
	for (const char *p = frag; *p; p++)
		if (!strchr(" \t\r\n", *p) || (j && b[j - 1] != ' '))
			b[j++] = strchr(" \t\r\n", *p) ? ' ' : *p;
	b[j] = '\0';
	while (j && b[j - 1] == ' ')
		b[--j] = '\0';
	hit = strstr(a, b[0] == ' ' ? b + 1 : b) != NULL;
	free(a);
	free(b);
	return hit;
}

/* Each of snippet's parts between "…" is text of the record's title,
 * summary or body. */
static void check_snippet_text(const char *plain, const struct case_record *c, const char *id)
{
	char *buf = strdup(plain), *save = NULL;
	static const char ell[] = "\xe2\x80\xa6";

	cr_assert_not_null(buf);
	for (char *p = buf; p;) {
		char *next = strstr(p, ell);
		if (next) {
			*next = '\0';
			next += strlen(ell);
		}
		if (*p && strspn(p, " ") != strlen(p))
			cr_assert((c->title && text_holds(c->title, p)) ||
				  (c->summary && text_holds(c->summary, p)) ||
				  (c->body && text_holds(c->body, p)),
				  "%s: snippet text '%s' is not in the record", id, p);
		p = next;
	}
	(void)save;
	free(buf);
}

static int collect_published(const struct case_record *c, void *ud)
{
	json_t *ids = ud;
	const char *sector = json_string_value(json_object_get(ids, "\x01sector"));
	for (size_t k = 0; k < c->sectors.n; k++)
		if (sector && !strcmp(c->sectors.v[k], sector)) {
			json_object_set_new(ids, c->id, json_true());
			break;
		}
	json_object_set_new(ids, "\x02all", json_integer(
		json_integer_value(json_object_get(ids, "\x02all")) + 1));
	return 0;
}

/* Every hit of GET hq->path is a published case and shows exactly its
 * stored record's kind, title, summary, language, published, year, buyer
 * name, authority type, sectors and goals besides id, score and snippet
 * (docs/api.md), all built here from the record read by id; the score is
 * a number (non-increasing down a relevance-ranked list), the snippet is
 * HTML-safe, its text is the record's and its marks are the query word's;
 * a filter-only search lists exactly the published cases with that
 * sector. Returns the hits' ids, sorted (a new reference). */
static json_t *check_hit_cards(const struct hit_query *hq, struct store *s)
{
	struct tu_resp r;
	json_t *hits, *h, *ids = json_array(), *pub = json_object();
	double last_score = 1e300;
	char last_date[16] = "9999-99-99";
	struct cl_errbuf eb0 = {0};
	size_t marked = 0, textual = 0;
	size_t i;

	if (hq->sector)
		json_object_set_new(pub, "\x01sector", json_string(hq->sector));
	cr_assert_eq(store_foreach_case(s, "published", collect_published, pub, &eb0), CL_OK, "%s",
		     eb0.msg);
	get(hq->path, &r);
	cr_assert_eq(r.status, 200, "%s: %s", hq->path, r.body);
	hits = json_object_get(r.json, "hits");
	cr_assert_gt(json_array_size(hits), 0, "%s", hq->path);
	json_array_foreach(hits, i, h) {
		struct case_record c;
		struct cl_errbuf eb = {0};
		const char *id = json_string_value(json_object_get(h, "id"));
		const char *snip = json_string_value(json_object_get(h, "snippet"));
		json_t *score = json_object_get(h, "score");
		cr_assert_not_null(id, "%s: hit %zu has no id", hq->path, i);
		json_array_append_new(ids, json_string(id));
		case_init(&c);
		cr_assert_eq(store_get_case(s, id, &c, &eb), CL_OK, "%s: %s", id, eb.msg);
		cr_assert_str_eq(c.status ? c.status : "published", "published",
				 "%s: hit %s is not published", hq->path, id);
		/* docs/api.md's hit fields, built here from the record itself */
		json_t *want = json_object(), *sec = json_array(), *goals = json_array();
		for (size_t k = 0; k < c.sectors.n; k++)
			json_array_append_new(sec, json_string(c.sectors.v[k]));
		for (size_t k = 0; k < c.goals.n; k++)
			json_array_append_new(goals, json_string(c.goals.v[k]));
		json_object_set_new(want, "id", json_string(c.id));
		json_object_set_new(want, "kind", json_string(c.kind));
		json_object_set_new(want, "title", json_string(c.title));
		if (c.summary)
			json_object_set_new(want, "summary", json_string(c.summary));
		if (c.language)
			json_object_set_new(want, "language", json_string(c.language));
		if (c.published) {
			json_object_set_new(want, "published", json_string(c.published));
			json_object_set_new(want, "year", json_integer(atoi(c.published)));
		} else if (c.awarded) {
			json_object_set_new(want, "year", json_integer(atoi(c.awarded)));
		}
		if (c.buyer.name)
			json_object_set_new(want, "buyer", json_string(c.buyer.name));
		if (c.authority_type)
			json_object_set_new(want, "authority_type", json_string(c.authority_type));
		json_object_set_new(want, "sectors", sec);
		json_object_set_new(want, "goals", goals);
		/* every field but score and snippet equals the record's; no other field */
		json_t *got = json_deep_copy(h);
		json_object_del(got, "score");
		json_object_del(got, "snippet");
		char *g = json_dumps(got, JSON_SORT_KEYS), *w = json_dumps(want, JSON_SORT_KEYS);
		cr_assert_str_eq(g, w, "%s: hit %s", hq->path, id);
		free(g);
		free(w);
		json_decref(got);
		json_decref(want);
		/* the score: a number; down a ranked list, never rising */
		cr_assert(json_is_number(score), "%s: hit %s: score is not a number", hq->path, id);
		if (hq->word && !hq->by_date) {
			cr_assert_leq(json_number_value(score), last_score, "%s: hit %s ranked below a "
				      "lower score", hq->path, id);
			last_score = json_number_value(score);
		}
		if (hq->by_date && c.published) {
			cr_assert_leq(strcmp(c.published, last_date), 0,
				      "%s: hit %s (%s) after %s", hq->path, id, c.published, last_date);
			snprintf(last_date, sizeof last_date, "%s", c.published);
		}
		if (hq->sector)
			cr_assert(json_object_get(pub, id), "%s: hit %s has no sector %s", hq->path, id,
				  hq->sector);
		/* the snippet: HTML-safe, the record's text, marks on the query word */
		cr_assert_not_null(snip, "%s: hit %s has no snippet", hq->path, id);
		{
			char *plain = malloc(strlen(snip) + 1);
			const char *why = NULL;
			int marks;
			cr_assert_not_null(plain);
			marks = snippet_parse(snip, plain, &why);
			cr_assert_geq(marks, 0, "%s: hit %s: snippet not HTML-safe (%s): %s", hq->path, id,
				      why, snip);
			check_snippet_text(plain, &c, id);
			if (hq->word) {
				/* the word is in the snippet when the summary or body
				 * (the snippet's text) has it, maybe as a compound's
				 * part, which is not always marked; every mark is on it */
				if ((c.summary && has_prefix(c.summary, hq->word, 1)) ||
				    (c.body && has_prefix(c.body, hq->word, 1)))
				{
					textual++;
					cr_assert(has_prefix(plain, hq->word, 1),
						  "%s: hit %s: '%s' is not in the snippet: %s",
						  hq->path, id, hq->word, snip);
				}
				cr_assert(marks_hold(snip, hq->word),
					  "%s: hit %s: a mark is not on '%s': %s", hq->path, id,
					  hq->word, snip);
				marked += marks > 0;
			} else
				cr_assert_eq(marks, 0, "%s: hit %s: marks without a query: %s", hq->path,
					     id, snip);
			free(plain);
		}
		case_release(&c);
	}
	if (textual)
		cr_assert_gt(marked, 0, "%s: no snippet marks the query word", hq->path);
	if (hq->sector) {
		/* every published case with the sector, counted from the store */
		size_t want = json_object_size(pub) - 2; /* less the two \x01, \x02 keys */
		json_int_t total = json_integer_value(json_object_get(r.json, "total"));
		cr_assert_eq(total, (json_int_t)want, "%s: total %lld, the store has %zu published "
			     "cases in %s", hq->path, (long long)total, want, hq->sector);
		if (want <= 50)
			cr_assert_eq(json_array_size(hits), want, "%s: %zu hits of %zu", hq->path,
				     json_array_size(hits), want);
	} else if (!hq->word) {
		cr_assert_eq(json_integer_value(json_object_get(r.json, "total")),
			     json_integer_value(json_object_get(pub, "\x02all")), "%s: every published "
			     "case", hq->path);
	}
	tu_resp_free(&r);
	json_decref(pub);
	{ /* sorted, for comparing the engines' sets */
		size_t n = json_array_size(ids);
		const char **v = malloc((n ? n : 1) * sizeof *v);
		json_t *sorted = json_array();
		cr_assert_not_null(v);
		for (size_t k = 0; k < n; k++)
			v[k] = json_string_value(json_array_get(ids, k));
		qsort(v, n, sizeof *v, cmp_str);
		for (size_t k = 0; k < n; k++) {
			cr_assert(k == 0 || strcmp(v[k - 1], v[k]), "%s: %s listed twice", hq->path, v[k]);
			json_array_append_new(sorted, json_string(v[k]));
		}
		free(v);
		json_decref(ids);
		return sorted;
	}
}

/* The Xapian engine keeps each hit's card in the index (no store read per
 * hit); FTS5 reads the store. Both must show the stored record's fields,
 * and a filter-only search lists the same cases in both. */
Test(server, hit_fields_equal_the_stored_record_in_both_engines, .init = setup,
     .fini = teardown)
{
	/* the words alone (translate=off): every mark is on the word typed;
	 * the marks of translations are the suite translate's */
	static const struct hit_query qs[] = {
		{"/v1/search?limit=100", NULL, NULL, 0},
		{"/v1/search?q=upphandling&translate=off&limit=50", "upphandl|procur", NULL, 0},
		{"/v1/search?q=skolm%C3%A5ltider&translate=off&limit=50", "skolm", NULL, 0},
		{"/v1/search?sectors=health&limit=50&sort=date", NULL, "health", 1},
	};
	enum { NQ = sizeof qs / sizeof qs[0] };
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	json_t *xap[NQ], *fts[NQ];

	cr_assert_eq(store_open(g_dir, 0, &s, &eb), CL_OK, "%s", eb.msg);
	for (size_t i = 0; i < NQ; i++)
		xap[i] = check_hit_cards(&qs[i], s);
	/* the same through FTS5 */
	serve_engine(ENGINE_FTS5, 0, NULL);
	for (size_t i = 0; i < NQ; i++)
		fts[i] = check_hit_cards(&qs[i], s);
	/* a filter-only search: both engines list the same cases */
	cr_assert(json_equal(xap[NQ - 1], fts[NQ - 1]), "the engines list different cases for %s",
		  qs[NQ - 1].path);
	for (size_t i = 0; i < NQ; i++) {
		json_decref(xap[i]);
		json_decref(fts[i]);
	}
	store_close(s);
}

Test(server, export_health_metrics_static)
{
	struct tu_resp r;
	char buf[256];
	long published = counts_now().published;

	get("/v1/export?format=csv", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_not_null(strstr(tu_resp_header(&r, "Content-Type", buf, sizeof buf), "text/csv"));
	cr_assert_eq(strncmp(r.body, "id,kind,status,title,", 21), 0, "%.80s", r.body);
	cr_assert_eq((long)tu_count(r.body, "\r\n"), published + 1, "rows");
	cr_assert_eq(strtol(tu_resp_header(&r, "X-Total-Count", buf, sizeof buf), NULL, 10), published);
	tu_resp_free(&r);

	get("/v1/export?format=jsonl&kind=case", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	{
		long lines = (long)tu_count(r.body, "\n");
		cr_assert(lines > 0 && lines < published, "%ld", lines);
		cr_assert_null(strstr(r.body, "\"kind\":\"procurement\""));
		json_t *first = json_loadb(r.body, strcspn(r.body, "\n"), 0, NULL);
		cr_assert_not_null(first);
		json_decref(first);
	}
	tu_resp_free(&r);

	get("/v1/export?q=skolm%C3%A5ltider&format=jsonl", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(strstr(r.body, "case-lund-skolmaltider-2021"));
	tu_resp_free(&r);

	get("/healthz", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(json_string_value(json_object_get(r.json, "status")), "ok");
	cr_assert_eq(json_integer_value(json_object_get(r.json, "lag")), 0);
	/* no counts and no sequence numbers for anyone to watch */
	cr_assert_eq(json_object_size(r.json), 4, "%s", r.body);
	cr_assert_str_eq(json_string_value(json_object_get(r.json, "engine")), "xapian");
	cr_assert(json_is_true(json_object_get(r.json, "sync_ok")), "%s", r.body);
	tu_resp_free(&r);

	get("/v1/nope", &r);
	tu_resp_free(&r);
	get("/metrics", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(strstr(r.body, "caselib_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1"), "%s", r.body);
	cr_assert_not_null(strstr(r.body, "status=\"404\""));
	cr_assert_not_null(strstr(r.body, "caselib_http_request_duration_seconds_bucket{le=\"+Inf\"}"));
	cr_assert_not_null(strstr(r.body, "caselib_engine_seq_lag{engine=\"xapian\"} 0"));
	/* the live heap (the soak's leak check reads it): a plausible size */
	const char *heap = strstr(r.body, "\ncaselib_heap_inuse_bytes ");
	cr_assert_not_null(heap, "%s", r.body);
	long long inuse = strtoll(heap + strlen("\ncaselib_heap_inuse_bytes "), NULL, 10);
	cr_assert(inuse > 100000 && inuse < 4000000000LL, "heap in use %lld", inuse);
	cr_assert_not_null(strstr(r.body, "\ncaselib_heap_free_bytes "));
	tu_resp_free(&r);

	static const struct {
		const char *path, *type, *needle;
	} files[] = {
		{"/", "text/html; charset=utf-8", "<title>caselib"},
		{"/index.html", "text/html; charset=utf-8", "<!doctype"},
		{"/app.js", "text/javascript; charset=utf-8", "console.log"},
		{"/app.css", "text/css; charset=utf-8", "body{}"},
	};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		get(files[i].path, &r);
		cr_assert_eq(r.status, 200, "%s", files[i].path);
		cr_assert_str_eq(tu_resp_header(&r, "Content-Type", buf, sizeof buf), files[i].type);
		cr_assert_not_null(strstr(r.body, files[i].needle));
		tu_resp_free(&r);
	}
}

/* An answer is counted before it is sent: a client that has read it finds
 * it in the very next /metrics. The count used to be made by the
 * request-completed callback, which runs after the last byte went out and
 * raced the client's next request (1 failure in 23 runs under load). */
Test(server, metrics_count_an_answer_before_the_client_has_it)
{
	static const char needle[] =
		"caselib_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} ";
	struct tu_resp r;

	for (long i = 1; i <= 150; i++) {
		const char *at;

		get("/healthz", &r);
		cr_assert_eq(r.status, 200, "%s", r.body);
		tu_resp_free(&r);
		get("/metrics", &r);
		cr_assert_eq(r.status, 200);
		at = strstr(r.body, needle);
		cr_assert_not_null(at, "round %ld: no /healthz counter: %s", i, r.body);
		cr_assert_eq(strtol(at + strlen(needle), NULL, 10), i, "round %ld: %.120s", i, at);
		tu_resp_free(&r);
	}
}

/* /metrics (request counts, store and engine sequence numbers) is for the
 * host's own scraper: a client from elsewhere needs an admin token. The
 * test server treats its loopback clients as remote (loopback_is_remote). */
Test(server, metrics_need_loopback_or_an_admin_token)
{
	struct srv_config cfg;
	struct cl_errbuf eb = {0};
	struct store *s = NULL;
	char admin[AUTH_TOKEN_LEN + 1], id[40], h_admin[128], h_rev[128];
	const char *ha[] = {h_admin, NULL}, *hr[] = {h_rev, NULL};
	struct tu_resp r;

	cr_assert_eq(store_open(g_dir, 0, &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(auth_token_create(s, ROLE_ADMIN, "test admin", admin, id, &eb), CL_OK, "%s",
		     eb.msg);
	store_close(s);
	snprintf(h_admin, sizeof h_admin, "Authorization: Bearer %s", admin);
	snprintf(h_rev, sizeof h_rev, "Authorization: Bearer %s", g_reviewer);

	get("/metrics", &r); /* loopback: open */
	cr_assert_eq(r.status, 200);
	tu_resp_free(&r);

	srv_stop(g_srv);
	tu_srv_config(&cfg, g_dir, g_web);
	cfg.loopback_is_remote = 1;
	g_srv = tu_srv_start(&cfg, g_base, sizeof g_base);

	get("/metrics", &r);
	assert_problem(&r, 401, "unauthorized", "anonymous /metrics from outside");
	cr_assert_null(strstr(r.body, "caselib_"), "%s", r.body);
	tu_resp_free(&r);
	http("GET", "/metrics", hr, NULL, 0, &r);
	assert_problem(&r, 403, "forbidden", "a reviewer's /metrics from outside");
	tu_resp_free(&r);
	http("GET", "/metrics", ha, NULL, 0, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_not_null(strstr(r.body, "caselib_store_seq "), "%s", r.body);
	tu_resp_free(&r);
	get("/healthz", &r); /* health stays open: it holds no counts */
	cr_assert_eq(r.status, 200);
	cr_assert_null(json_object_get(r.json, "store_seq"));
	tu_resp_free(&r);
}

/* A search hit is shown only while the store has the case published: an
 * index that lags behind the store (here: the sync is held off for an hour
 * and the case is withdrawn to "submitted" behind its back) must not serve
 * the unpublished text. */
Test(server, a_stale_index_never_serves_an_unpublished_hit)
{
	struct srv_config cfg;
	struct cl_errbuf eb = {0};
	struct store *s = NULL;
	struct tu_resp r;
	char buf[512];
	static const char *const paths[] = {
		"/v1/search?q=laddinfrastruktur", "/v1/search?q=elbussar+laddinfrastruktur&limit=100"};

	srv_stop(g_srv);
	tu_srv_config(&cfg, g_dir, g_web);
	cfg.sync_ms = 3600 * 1000;
	g_srv = tu_srv_start(&cfg, g_base, sizeof g_base);
	get(paths[0], &r);
	cr_assert_eq(r.status, 200);
	cr_assert(hits_contain(r.json, FLIP_ID), "published and indexed: %s", r.body);
	tu_resp_free(&r);

	cr_assert_eq(store_open(g_dir, 0, &s, &eb), CL_OK, "%s", eb.msg);
	snprintf(buf, sizeof buf, FLIP_JSON, "Laddinfrastruktur, tillbakadragen hemlig text");
	put_json(s, buf, "submitted");
	store_close(s);

	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		get(paths[i], &r);
		cr_assert_eq(r.status, 200);
		cr_assert(!hits_contain(r.json, FLIP_ID), "%s: an unpublished hit: %s", paths[i],
			  r.body);
		tu_resp_free(&r);
	}
	/* the similar-text path too */
	post_json("/v1/similar", "{\"text\":\"laddinfrastruktur för elbussar i kollektivtrafiken\"}",
		  &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(!hits_contain(r.json, FLIP_ID), "similar: %s", r.body);
	tu_resp_free(&r);
}

/* The value of one line of /metrics (its name with labels), -1 if none. */
static long long metric_value(const char *name)
{
	struct tu_resp r;
	const char *p;
	long long v = -1;

	get("/metrics", &r);
	cr_assert_eq(r.status, 200);
	for (p = r.body; p && (p = strstr(p, name)); p += strlen(name))
		if ((p == r.body || p[-1] == '\n') && p[strlen(name)] == ' ') {
			v = strtoll(p + strlen(name) + 1, NULL, 10);
			break;
		}
	tu_resp_free(&r);
	return v;
}

#define CACHE_HITS "caselib_search_cache_requests_total{result=\"hit\"}"
#define CACHE_MISSES "caselib_search_cache_requests_total{result=\"miss\"}"

/* GET /v1/search answers are kept while neither the store nor the index
 * changes (api/rcache.h): the same request is answered from the cache
 * with the same bytes and ETag; a change to the store (here behind the
 * server's back, its sync held off, so the index still has the old text)
 * is seen by the very next request; POST is never answered from it; and
 * `--cache-mb 0` keeps nothing. */
Test(server, search_answers_are_kept_until_the_store_changes)
{
	struct srv_config cfg;
	struct cl_errbuf eb = {0};
	struct store *s = NULL;
	struct tu_resp a, b, c;
	char buf[512], ea[128], eb2[128];
	const char *path = "/v1/search?q=laddinfrastruktur&facets=all&limit=5";
	long long h0, m0;
	int64_t seq = 0;

	srv_stop(g_srv);
	tu_srv_config(&cfg, g_dir, g_web);
	cfg.sync_ms = 3600 * 1000;
	g_srv = tu_srv_start(&cfg, g_base, sizeof g_base);
	h0 = metric_value(CACHE_HITS);
	m0 = metric_value(CACHE_MISSES);
	cr_assert(h0 >= 0 && m0 >= 0, "no cache metrics");

	get(path, &a);
	get(path, &b);
	cr_assert_eq(a.status, 200, "%s", a.body);
	cr_assert(hits_contain(a.json, FLIP_ID), "%s", a.body);
	cr_assert_str_eq(b.body, a.body, "the kept answer differs");
	cr_assert_not_null(tu_resp_header(&a, "ETag", ea, sizeof ea), "no ETag");
	cr_assert_not_null(tu_resp_header(&b, "ETag", eb2, sizeof eb2), "no ETag on the kept answer");
	cr_assert_str_eq(eb2, ea);
	cr_assert_eq(metric_value(CACHE_HITS), h0 + 1);
	cr_assert_eq(metric_value(CACHE_MISSES), m0 + 1);
	/* another request is another key: computed, not the first one's bytes */
	get("/v1/search?q=laddinfrastruktur&facets=all&limit=1", &c);
	cr_assert_eq(c.status, 200);
	cr_assert_eq(json_array_size(json_object_get(c.json, "hits")), 1);
	cr_assert_eq(metric_value(CACHE_MISSES), m0 + 2);
	tu_resp_free(&b);
	tu_resp_free(&c);

	/* the store changes: the next request is computed again */
	cr_assert_eq(store_open(g_dir, 0, &s, &eb), CL_OK, "%s", eb.msg);
	snprintf(buf, sizeof buf, FLIP_JSON, "Laddinfrastruktur, tillbakadragen hemlig text");
	put_json(s, buf, "submitted");
	store_close(s);
	get(path, &b);
	cr_assert_eq(b.status, 200);
	cr_assert(!hits_contain(b.json, FLIP_ID), "an answer kept from before the change: %s",
		  b.body);
	cr_assert_eq(metric_value(CACHE_HITS), h0 + 1);
	tu_resp_free(&a);
	tu_resp_free(&b);

	/* a new case in the store, not yet in the index: not found, and that
	 * answer is kept; once the sync has indexed it, it is found */
	cr_assert_eq(store_open(g_dir, 0, &s, &eb), CL_OK, "%s", eb.msg);
	put_json(s,
		 "{\"id\":\"zz-cache-new\",\"kind\":\"case\",\"title\":\"Solceller "
		 "cachetestordqq\",\"sources\":[{\"url\":\"https://example.org/new\","
		 "\"retrieved_at\":\"2026-01-01T10:00:00Z\"}]}",
		 "published");
	cr_assert_eq(store_last_seq(s, &seq, &eb), CL_OK, "%s", eb.msg);
	store_close(s);
	get("/v1/search?q=cachetestordqq", &a);
	get("/v1/search?q=cachetestordqq", &b);
	cr_assert_eq(json_integer_value(json_object_get(b.json, "total")), 0, "%s", b.body);
	cr_assert_eq(metric_value(CACHE_HITS), h0 + 2, "the second answer was not kept");
	tu_resp_free(&a);
	tu_resp_free(&b);
	srv_sync_now(g_srv);
	for (int i = 0; i < 1000 && metric_value("caselib_engine_seq{engine=\"xapian\"}") < seq; i++)
		usleep(10000);
	cr_assert_geq(metric_value("caselib_engine_seq{engine=\"xapian\"}"), seq, "not synced");
	get("/v1/search?q=cachetestordqq", &a);
	cr_assert(hits_contain(a.json, "zz-cache-new"), "indexed, yet: %s", a.body);
	tu_resp_free(&a);

	/* POST /v1/search is computed every time */
	post_json("/v1/search", "{\"q\":\"elbussar\"}", &a);
	post_json("/v1/search", "{\"q\":\"elbussar\"}", &b);
	cr_assert_eq(a.status, 200, "%s", a.body);
	cr_assert_str_eq(b.body, a.body);
	cr_assert_eq(metric_value(CACHE_HITS), h0 + 2);
	tu_resp_free(&a);
	tu_resp_free(&b);

	/* no cache: no cache metrics, every answer computed */
	srv_stop(g_srv);
	tu_srv_config(&cfg, g_dir, g_web);
	cfg.search_cache_bytes = 0;
	g_srv = tu_srv_start(&cfg, g_base, sizeof g_base);
	get(path, &a);
	cr_assert_eq(a.status, 200);
	cr_assert_eq(metric_value(CACHE_HITS), -1);
	tu_resp_free(&a);
}

/* ---- visibility ------------------------------------------------------------ */

Test(server, anonymous_never_sees_unpublished)
{
	struct tu_resp r;

	get("/v1/search?q=" HIDDEN_WORD, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(json_integer_value(json_object_get(r.json, "total")), 0, "%s", r.body);
	tu_resp_free(&r);
	get("/v1/search?q=skolm%C3%A5ltider&limit=100", &r);
	cr_assert(!hits_contain(r.json, HIDDEN_ID));
	tu_resp_free(&r);

	get("/v1/cases/" HIDDEN_ID, &r);
	assert_problem(&r, 404, "not-found", "case by id");
	tu_resp_free(&r);
	get("/v1/cases/" HIDDEN_ID "/history", &r);
	assert_problem(&r, 404, "not-found", "history");
	tu_resp_free(&r);
	get("/v1/cases/" HIDDEN_ID "/similar", &r);
	assert_problem(&r, 404, "not-found", "similar of it");
	tu_resp_free(&r);
	post_json("/v1/similar", "{\"text\":\"hemlig inlämning " HIDDEN_WORD " skolmåltider\",\"limit\":100}", &r);
	cr_assert_eq(r.status, 200);
	cr_assert(!hits_contain(r.json, HIDDEN_ID), "similar text lists the hidden case");
	tu_resp_free(&r);
	get("/v1/export?format=jsonl", &r);
	cr_assert_eq(r.status, 200);
	cr_assert_null(strstr(r.body, HIDDEN_ID));
	cr_assert_null(strstr(r.body, "\"status\":\"submitted\""));
	tu_resp_free(&r);
	get("/v1/export?format=csv&q=" HIDDEN_WORD, &r);
	cr_assert_null(strstr(r.body, HIDDEN_ID));
	tu_resp_free(&r);
}

/* ---- bad input ------------------------------------------------------------- */

static const char *const H_JSON[] = {"Content-Type: application/json", NULL};
static const char *const H_TEXT[] = {"Content-Type: text/plain", NULL};
static const char *const H_BADTOKEN[] = {"Authorization: Bearer cl_0000", NULL};
static const char *const H_BADAUTH[] = {"Authorization: Basic Zm9vOmJhcg==", NULL};

static const struct bad {
	const char *method, *path;
	const char *const *headers;
	const char *body;
	long status;
	const char *type;
} bad[] = {
	{"GET", "/v1/search?limit=101", NULL, NULL, 400, "validation"},
	{"GET", "/v1/search?limit=-1", NULL, NULL, 400, "validation"},
	{"GET", "/v1/search?offset=10001", NULL, NULL, 400, "validation"},
	{"GET", "/v1/search?offset=99999999999999999999999", NULL, NULL, 400, "validation"},
	{"GET", "/v1/search?limit=1e3", NULL, NULL, 400, "validation"},
	{"GET", "/v1/search?sectors=no-such-sector", NULL, NULL, 400, "validation"},
	{"GET", "/v1/search?goals=sdg-99", NULL, NULL, 400, "validation"},
	{"GET", "/v1/search?sectors=", NULL, NULL, 400, "validation"},
	{"GET", "/v1/search?country=sweden", NULL, NULL, 400, "validation"},
	{"GET", "/v1/search?colour=red", NULL, NULL, 400, "validation"},
	{"GET", "/v1/search?q=a&q=b", NULL, NULL, 400, "validation"},
	{"GET", "/v1/search?year=20x1", NULL, NULL, 400, "validation"},
	{"GET", "/v1/search?year=2022..2019", NULL, NULL, 400, "validation"},
	{"GET", "/v1/search?sort=random", NULL, NULL, 400, "validation"},
	{"GET", "/v1/search?lang=de", NULL, NULL, 400, "validation"},
	{"GET", "/v1/search?facets=colour", NULL, NULL, 400, "validation"},
	{"GET", "/v1/search?q=%FF%FE", NULL, NULL, 400, "bad-request"},
	{"GET", "/v1/search?q=%C0%AF", NULL, NULL, 400, "bad-request"},
	{"GET", "/v1/search?q=a%00b", NULL, NULL, 400, "bad-request"},
	{"GET", "/v1/search?q=%zz", NULL, NULL, 400, "bad-request"},
	{"GET", "/v1/search?q=%4", NULL, NULL, 400, "bad-request"},
	{"GET", "/v1/export?format=xml", NULL, NULL, 400, "validation"},
	{"GET", "/v1/export?limit=5", NULL, NULL, 400, "validation"},
	{"GET", "/v1/cases/case-lund-skolmaltider-2021?x=1", NULL, NULL, 400, "validation"},
	{"GET", "/v1/cases/no-such-case", NULL, NULL, 404, "not-found"},
	{"GET", "/v1/cases/no-such-case/history", NULL, NULL, 404, "not-found"},
	{"GET", "/v1/cases/no-such-case/similar", NULL, NULL, 404, "not-found"},
	{"GET", "/v1/nothing-here", NULL, NULL, 404, "not-found"},
	{"GET", "/v1/cases", NULL, NULL, 404, "not-found"},
	{"GET", "/no-such-file.html", NULL, NULL, 404, "not-found"},
	{"GET", "//etc/passwd", NULL, NULL, 404, "not-found"},
	{"GET", "/.hidden.js", NULL, NULL, 404, "not-found"},
	{"GET", "/app.exe", NULL, NULL, 404, "not-found"},
	{"GET", "/../etc/passwd", NULL, NULL, 400, "bad-path"},
	{"GET", "/static/../../etc/passwd", NULL, NULL, 400, "bad-path"},
	{"GET", "/%2e%2e/etc/passwd", NULL, NULL, 400, "bad-path"},
	{"GET", "/%2E%2E%2Fetc%2Fpasswd", NULL, NULL, 400, "bad-path"},
	{"GET", "/..%2f..%2fetc%2fpasswd", NULL, NULL, 400, "bad-path"},
	{"GET", "/app.js%00.html", NULL, NULL, 400, "bad-path"},
	{"GET", "/%ff.html", NULL, NULL, 400, "bad-path"},
	{"GET", "/v1/cases/%2e%2e", NULL, NULL, 400, "bad-path"},
	{"DELETE", "/v1/search", NULL, NULL, 405, "method-not-allowed"},
	{"PUT", "/v1/search", H_JSON, "{}", 405, "method-not-allowed"},
	{"PUT", "/v1/cases/case-lund-skolmaltider-2021", H_JSON, "{}", 405, "method-not-allowed"},
	{"POST", "/index.html", H_JSON, "{}", 405, "method-not-allowed"},
	{"POST", "/v1/similar", H_TEXT, "{\"text\":\"x\"}", 415, "unsupported-media-type"},
	{"POST", "/v1/similar", NULL, "text=x", 415, "unsupported-media-type"},
	{"POST", "/v1/submissions", H_TEXT, "{}", 415, "unsupported-media-type"},
	{"POST", "/v1/similar", H_JSON, "{\"text\": ", 400, "invalid-json"},
	{"POST", "/v1/similar", H_JSON, "{\"text\": \"\xff\xfe\"}", 400, "invalid-json"},
	{"POST", "/v1/similar", H_JSON, "{\"text\":\"a\",\"text\":\"b\"}", 400, "invalid-json"},
	{"POST", "/v1/similar", H_JSON, "", 400, "invalid-json"},
	{"POST", "/v1/similar", H_JSON, "[1,2]", 400, "validation"},
	{"POST", "/v1/similar", H_JSON, "{}", 400, "validation"},
	{"POST", "/v1/similar", H_JSON, "{\"text\":\"skola\",\"colour\":1}", 400, "validation"},
	{"POST", "/v1/similar", H_JSON, "{\"text\":42}", 400, "validation"},
	{"POST", "/v1/similar", H_JSON, "{\"text\":\"skola\",\"limit\":1000}", 400, "validation"},
	{"POST", "/v1/similar", H_JSON, "{\"text\":\"skola\",\"offset\":-5}", 400, "validation"},
	{"POST", "/v1/similar", H_JSON, "{\"text\":\"skola\",\"filters\":{\"sectors\":[\"nope\"]}}", 400, "validation"},
	{"POST", "/v1/similar", H_JSON, "{\"text\":\"a\\u0000b\"}", 400, "invalid-json"},
	{"GET", "/v1/cases/case-lund-skolmaltider-2021", H_BADTOKEN, NULL, 401, "unauthorized"},
	{"GET", "/v1/cases/case-lund-skolmaltider-2021", H_BADAUTH, NULL, 401, "unauthorized"},
	{"GET", "/v1/review/queue", NULL, NULL, 401, "unauthorized"},
	{"GET", "/v1/review/queue?limit=500", NULL, NULL, 400, "validation"},
	{"GET", "/v1/stats", NULL, NULL, 401, "unauthorized"},
	{"POST", "/v1/submissions", H_JSON, "{\"kind\":\"case\"}", 401, "unauthorized"},
	{"POST", "/v1/review/" HIDDEN_ID "/decision", H_JSON, "{\"decision\":\"approve\"}", 401, "unauthorized"},
	{"POST", "/v1/review/" HIDDEN_ID "/decision", H_JSON, "{\"decision\":\"maybe\"}", 401, "unauthorized"}, /* anonymous: refused before the body is read */
	{"GET", "/v1/submissions/" HIDDEN_ID, NULL, NULL, 401, "unauthorized"},
};

Test(server, bad_input_gives_problem_json_and_loses_nothing)
{
	struct store_counts before = counts_now(), after;
	struct tu_resp r;

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char what[300];
		snprintf(what, sizeof what, "%s %s", bad[i].method, bad[i].path);
		http(bad[i].method, bad[i].path, bad[i].headers, bad[i].body,
		     bad[i].body ? strlen(bad[i].body) : 0, &r);
		assert_problem(&r, bad[i].status, bad[i].type, what);
		if (bad[i].status == 405) {
			char allow[128];
			cr_assert_not_null(tu_resp_header(&r, "Allow", allow, sizeof allow), "%s: no Allow", what);
		}
		tu_resp_free(&r);
	}

	/* oversize: body over 1 MiB, URL over 8 KiB */
	{
		size_t n = SRV_BODY_MAX + 1;
		char *big = malloc(n + 1);
		memset(big, ' ', n);
		big[0] = '{';
		big[n - 1] = '}';
		big[n] = '\0';
		http("POST", "/v1/similar", H_JSON, big, n, &r);
		assert_problem(&r, 413, "payload-too-large", "1 MiB + 1 body");
		tu_resp_free(&r);
		http("POST", "/v1/submissions", H_JSON, big, n, &r);
		assert_problem(&r, 413, "payload-too-large", "1 MiB + 1 submission");
		tu_resp_free(&r);
		free(big);
	}
	{
		char *path = malloc(SRV_URL_MAX + 64);
		strcpy(path, "/v1/search?q=");
		memset(path + 13, 'a', SRV_URL_MAX);
		path[13 + SRV_URL_MAX] = '\0';
		get(path, &r);
		assert_problem(&r, 414, "uri-too-long", "long URL");
		tu_resp_free(&r);
		free(path);
	}
	/* a text over the engine's 1,024 bytes */
	{
		char path[1200];
		strcpy(path, "/v1/search?q=");
		memset(path + 13, 'b', 1100);
		path[13 + 1100] = '\0';
		get(path, &r);
		assert_problem(&r, 400, "validation", "long q");
		tu_resp_free(&r);
	}
	/* headers over the connection's memory: MHD answers itself, never 5xx */
	{
		size_t n = SRV_CONN_MEMORY + 100;
		char *h = malloc(n + 16);
		const char *hs[] = {h, NULL};
		strcpy(h, "X-Big: ");
		memset(h + 7, 'x', n);
		h[7 + n] = '\0';
		http("GET", "/healthz", hs, NULL, 0, &r);
		cr_assert(r.status >= 400 && r.status < 500, "huge header: %ld", r.status);
		tu_resp_free(&r);
		free(h);
	}
	after = counts_now();
	cr_assert_eq(after.cases, before.cases);
	cr_assert_eq(after.versions, before.versions);
	cr_assert_eq(after.changes, before.changes);
	cr_assert_eq(after.published, before.published);
	/* still serving */
	get("/healthz", &r);
	cr_assert_eq(r.status, 200);
	tu_resp_free(&r);
}

/* ---- headers, ETag --------------------------------------------------------- */

Test(server, security_headers_and_etag)
{
	static const char *const paths[] = {"/v1/search?q=skola", "/v1/facets", "/healthz",
					    "/v1/nothing", "/", "/openapi.json",
					    "/v1/export?format=csv&kind=case"};
	struct tu_resp r, r2;
	char buf[512], etag[128], inm[160];

	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		get(paths[i], &r);
		cr_assert_str_eq(tu_resp_header(&r, "Content-Security-Policy", buf, sizeof buf),
				 "default-src 'self'; script-src 'self'; style-src 'self'; "
				 "frame-ancestors 'none'; base-uri 'none'; form-action 'self'", "%s",
				 paths[i]);
		cr_assert_str_eq(tu_resp_header(&r, "X-Content-Type-Options", buf, sizeof buf), "nosniff");
		cr_assert_str_eq(tu_resp_header(&r, "Referrer-Policy", buf, sizeof buf), "no-referrer");
		cr_assert_null(tu_resp_header(&r, "Access-Control-Allow-Origin", buf, sizeof buf),
			       "CORS is off by default");
		tu_resp_free(&r);
	}

	get("/v1/cases/case-lund-skolmaltider-2021", &r);
	cr_assert_not_null(tu_resp_header(&r, "ETag", etag, sizeof etag));
	cr_assert_eq(etag[0], '"');
	cr_assert_eq(strlen(etag), 66);
	snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
	{
		const char *h[] = {inm, NULL};
		http("GET", "/v1/cases/case-lund-skolmaltider-2021", h, NULL, 0, &r2);
		cr_assert_eq(r2.status, 304);
		cr_assert_eq(r2.len, 0);
		cr_assert_str_eq(tu_resp_header(&r2, "ETag", buf, sizeof buf), etag);
		cr_assert_not_null(tu_resp_header(&r2, "Content-Security-Policy", buf, sizeof buf));
		tu_resp_free(&r2);
	}
	{
		const char *h[] = {"If-None-Match: \"0000\"", NULL};
		http("GET", "/v1/cases/case-lund-skolmaltider-2021", h, NULL, 0, &r2);
		cr_assert_eq(r2.status, 200);
		cr_assert_eq(r2.len, r.len);
		tu_resp_free(&r2);
	}
	tu_resp_free(&r);
	/* the same body gives the same ETag; HEAD has it too */
	get("/v1/facets", &r);
	http("HEAD", "/v1/facets", NULL, NULL, 0, &r2);
	cr_assert_eq(r2.status, 200);
	cr_assert_str_eq(tu_resp_header(&r, "ETag", buf, sizeof buf), tu_resp_header(&r2, "ETag", etag, sizeof etag));
	tu_resp_free(&r);
	tu_resp_free(&r2);
}

Test(server, cors_only_when_configured)
{
	struct tu_resp r;
	char buf[256];

	serve(0, "https://example.org");
	get("/v1/facets", &r);
	cr_assert_str_eq(tu_resp_header(&r, "Access-Control-Allow-Origin", buf, sizeof buf), "https://example.org");
	tu_resp_free(&r);
	http("OPTIONS", "/v1/similar", NULL, NULL, 0, &r);
	cr_assert_eq(r.status, 204);
	cr_assert_not_null(strstr(tu_resp_header(&r, "Access-Control-Allow-Methods", buf, sizeof buf), "POST"));
	tu_resp_free(&r);
}

/* ---- the OpenAPI document -------------------------------------------------- */

static json_t *resolve(json_t *doc, json_t *schema)
{
	const char *ref = json_string_value(json_object_get(schema, "$ref"));
	if (ref && !strncmp(ref, "#/components/schemas/", 21))
		return json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"),
				       ref + 21);
	return schema;
}

Test(server, openapi_lists_every_route_and_matches_responses)
{
	struct tu_resp r;
	json_t *doc, *paths;
	char *file = tu_read_file("api/openapi.json", NULL);
	char auth[128];
	const char *hr[] = {auth, NULL};

	cr_assert_not_null(file);
	cr_assert_str_eq(file, rt_openapi_json, "the embedded document differs from api/openapi.json: rebuild");
	free(file);
	get("/openapi.json", &r);
	cr_assert_eq(r.status, 200);
	doc = json_incref(r.json);
	tu_resp_free(&r);
	cr_assert_not_null(doc);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	paths = json_object_get(doc, "paths");
	for (const struct srv_route *rt = rt_routes; rt->pattern; rt++) {
		char m[8];
		size_t i;
		for (i = 0; rt->method[i] && i < 7; i++)
			m[i] = (char)(rt->method[i] - 'A' + 'a');
		m[i] = '\0';
		cr_assert_not_null(json_object_get(json_object_get(paths, rt->pattern), m),
				   "%s %s is not in openapi.json", rt->method, rt->pattern);
	}

	snprintf(auth, sizeof auth, "Authorization: Bearer %s", g_reviewer);
	static const struct {
		const char *method, *path, *doc_path, *body;
		int authed;
	} real[] = {
		{"GET", "/v1/search?q=skola&facets=all", "/v1/search", NULL, 0},
		{"GET", "/v1/cases/case-lund-skolmaltider-2021", "/v1/cases/{id}", NULL, 0},
		{"GET", "/v1/cases/case-lund-skolmaltider-2021/similar", "/v1/cases/{id}/similar", NULL, 0},
		{"GET", "/v1/cases/case-lund-skolmaltider-2021/history", "/v1/cases/{id}/history", NULL, 0},
		{"POST", "/v1/similar", "/v1/similar", "{\"text\":\"skolmåltider\"}", 0},
		{"GET", "/v1/facets", "/v1/facets", NULL, 0},
		{"GET", "/healthz", "/healthz", NULL, 0},
		{"GET", "/v1/review/queue", "/v1/review/queue", NULL, 1},
		{"GET", "/v1/submissions?limit=5", "/v1/submissions", NULL, 1},
		{"GET", "/v1/stats", "/v1/stats", NULL, 1},
	};
	/* a real submission by a contributor, then read by a reviewer */
	{
		char cauth[128], loc[160], subpath[200];
		const char *hc[] = {cauth, "Content-Type: application/json", NULL};
		const char *sub = "{\"kind\":\"case\",\"title\":\"Ny inlämning om cirkulära möbler\","
				  "\"sources\":[{\"url\":\"https://example.org/new\","
				  "\"retrieved_at\":\"2026-01-01T10:00:00Z\"}]}";
		json_t *schema, *v;
		size_t k;
		snprintf(cauth, sizeof cauth, "Authorization: Bearer %s", g_contributor);
		http("POST", "/v1/submissions", hc, sub, strlen(sub), &r);
		cr_assert_eq(r.status, 201, "%s", r.body);
		cr_assert_not_null(tu_resp_header(&r, "Location", loc, sizeof loc));
		schema = resolve(doc, json_object_get(json_object_get(json_object_get(json_object_get(json_object_get(
			json_object_get(json_object_get(paths, "/v1/submissions"), "post"), "responses"), "201"), "content"),
			"application/json"), "schema"));
		json_array_foreach(json_object_get(schema, "required"), k, v)
			cr_assert_not_null(json_object_get(r.json, json_string_value(v)), "submit lacks %s", json_string_value(v));
		snprintf(subpath, sizeof subpath, "%s", loc);
		tu_resp_free(&r);
		http("GET", subpath, hr, NULL, 0, &r);
		cr_assert_eq(r.status, 200, "%s", r.body);
		schema = resolve(doc, json_object_get(json_object_get(json_object_get(json_object_get(json_object_get(
			json_object_get(json_object_get(paths, "/v1/submissions/{id}"), "get"), "responses"), "200"), "content"),
			"application/json"), "schema"));
		json_array_foreach(json_object_get(schema, "required"), k, v)
			cr_assert_not_null(json_object_get(r.json, json_string_value(v)), "submission lacks %s", json_string_value(v));
		tu_resp_free(&r);
	}
	for (size_t i = 0; i < sizeof real / sizeof *real; i++) {
		char m[8];
		json_t *op, *schema, *req;
		size_t k;
		const char *key;
		json_t *v;
		for (k = 0; real[i].method[k]; k++)
			m[k] = (char)(real[i].method[k] - 'A' + 'a');
		m[k] = '\0';
		op = json_object_get(json_object_get(paths, real[i].doc_path), m);
		cr_assert_not_null(op, "%s", real[i].doc_path);
		schema = json_object_get(json_object_get(json_object_get(json_object_get(json_object_get(op, "responses"), "200"), "content"), "application/json"), "schema");
		cr_assert_not_null(schema, "%s: no 200 schema", real[i].doc_path);
		schema = resolve(doc, schema);
		if (real[i].body)
			http(real[i].method, real[i].path, H_JSON, real[i].body, strlen(real[i].body), &r);
		else
			http(real[i].method, real[i].path, real[i].authed ? hr : NULL, NULL, 0, &r);
		cr_assert_eq(r.status, 200, "%s: %ld %s", real[i].path, r.status, r.body);
		cr_assert(json_is_object(r.json), "%s", real[i].path);
		req = json_object_get(schema, "required");
		json_array_foreach(req, k, v)
			cr_assert_not_null(json_object_get(r.json, json_string_value(v)),
					   "%s: response lacks '%s' the document requires", real[i].path,
					   json_string_value(v));
		(void)key;
		tu_resp_free(&r);
	}
	json_decref(doc);
}

/* ---- graceful stop ---------------------------------------------------------- */

struct slow {
	struct tu_resp r;
	volatile int started;
};

static size_t slow_data(char *p, size_t sz, size_t n, void *ud)
{
	struct slow *s = ud;
	size_t k = sz * n;
	char *nb = realloc(s->r.body, s->r.len + k + 1);
	if (!nb)
		return 0;
	memcpy(nb + s->r.len, p, k);
	s->r.len += k;
	nb[s->r.len] = '\0';
	s->r.body = nb;
	__atomic_store_n(&s->started, 1, __ATOMIC_SEQ_CST);
	return k;
}

static void *slow_export(void *arg)
{
	struct slow *s = arg;
	CURL *c = curl_easy_init();
	char url[128];
	snprintf(url, sizeof url, "%s/v1/export?format=csv", g_base);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, slow_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	s->r.curl_rc = (int)curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &s->r.status);
	curl_easy_cleanup(c);
	return NULL;
}

Test(server, stop_finishes_a_streaming_export)
{
	struct slow s;
	pthread_t th;
	long published;

	serve(2000, NULL); /* 2 ms per row: the export takes about a second */
	published = counts_now().published;
	memset(&s, 0, sizeof s);
	cr_assert_eq(pthread_create(&th, NULL, slow_export, &s), 0);
	while (!__atomic_load_n(&s.started, __ATOMIC_SEQ_CST))
		usleep(1000);
	srv_stop(g_srv); /* as on SIGTERM: returns once the export is done */
	g_srv = NULL;
	pthread_join(th, NULL);
	cr_assert_eq(s.r.curl_rc, CURLE_OK, "curl: %s", curl_easy_strerror((CURLcode)s.r.curl_rc));
	cr_assert_eq(s.r.status, 200);
	cr_assert_eq((long)tu_count(s.r.body, "\r\n"), published + 1, "every row arrived");
	free(s.r.body);
	/* nothing listens any more */
	{
		struct tu_resp r;
		get("/healthz", &r);
		cr_assert_neq(r.curl_rc, CURLE_OK);
		tu_resp_free(&r);
	}
}

/* gzip for clients that ask for it: the body inflates to the same JSON as
 * the identity response, the ETag names the representation, and a client
 * that refuses gzip (q=0) or does not ask gets identity. */
Test(server, gzip_when_accepted)
{
	static const char *const gzh[] = {"Accept-Encoding: gzip", NULL};
	static const char *const q0[] = {"Accept-Encoding: gzip;q=0, identity", NULL};
	struct tu_resp plain, gz, refused, again;
	char ce[64], et1[128], et2[128], vary[64];
	const char *path = "/v1/search?q=&limit=50&facets=all";
	z_stream zs;
	unsigned char *out;
	size_t cap;

	get(path, &plain);
	cr_assert_eq(plain.status, 200);
	cr_assert_gt(plain.len, 1024, "the response is big enough to compress");
	cr_assert_null(tu_resp_header(&plain, "Content-Encoding", ce, sizeof ce));
	http("GET", path, gzh, NULL, 0, &gz);
	cr_assert_eq(gz.status, 200);
	cr_assert_not_null(tu_resp_header(&gz, "Content-Encoding", ce, sizeof ce));
	cr_assert_str_eq(ce, "gzip");
	cr_assert_not_null(tu_resp_header(&gz, "Vary", vary, sizeof vary));
	cr_assert_lt(gz.len, plain.len, "compressed %zu < %zu", gz.len, plain.len);
	/* inflate and compare */
	cap = plain.len + 1;
	out = malloc(cap);
	memset(&zs, 0, sizeof zs);
	cr_assert_eq(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = (Bytef *)gz.body;
	zs.avail_in = (uInt)gz.len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	cr_assert_eq(inflate(&zs, Z_FINISH), Z_STREAM_END);
	cr_assert_eq(zs.total_out, plain.len);
	cr_assert_eq(memcmp(out, plain.body, plain.len), 0);
	inflateEnd(&zs);
	free(out);
	/* ETags differ per representation, and each revalidates */
	cr_assert_not_null(tu_resp_header(&plain, "ETag", et1, sizeof et1));
	cr_assert_not_null(tu_resp_header(&gz, "ETag", et2, sizeof et2));
	cr_assert_str_neq(et1, et2);
	{
		char inm[160];
		const char *const hv[] = {"Accept-Encoding: gzip", inm, NULL};
		snprintf(inm, sizeof inm, "If-None-Match: %s", et2);
		http("GET", path, hv, NULL, 0, &again);
		cr_assert_eq(again.status, 304);
		tu_resp_free(&again);
	}
	http("GET", path, q0, NULL, 0, &refused);
	cr_assert_eq(refused.status, 200);
	cr_assert_null(tu_resp_header(&refused, "Content-Encoding", ce, sizeof ce));
	cr_assert_eq(refused.len, plain.len);
	tu_resp_free(&plain);
	tu_resp_free(&gz);
	tu_resp_free(&refused);
}

/* Every role at the HTTP boundary: anonymous, contributor, reviewer,
 * admin, a revoked token and a malformed one, over the endpoints whose
 * answer depends on the role; then the whole workflow over HTTP, ending
 * with the approved case found by an anonymous search within a second. */
enum { R_ANON, R_CONTRIB, R_REVIEWER, R_ADMIN, R_REVOKED, R_MALFORMED, R_N };

static void auth_header(int role, const char *toks[R_N], char *buf, size_t cap)
{
	if (role == R_ANON)
		snprintf(buf, cap, "X-None: 1");
	else if (role == R_MALFORMED)
		snprintf(buf, cap, "Authorization: Bearer cl_not-a-token");
	else
		snprintf(buf, cap, "Authorization: Bearer %s", toks[role]);
}

static long req_as(int role, const char *toks[R_N], const char *method, const char *path,
		   const char *body, json_t **json)
{
	char ah[160];
	const char *h[] = {ah, "Content-Type: application/json", NULL};
	struct tu_resp r;
	long st;

	auth_header(role, toks, ah, sizeof ah);
	http(method, path, h, body, body ? strlen(body) : 0, &r);
	st = r.status;
	if (json) {
		*json = r.json;
		r.json = NULL;
	}
	tu_resp_free(&r);
	return st;
}

Test(server, role_boundaries_and_workflow_over_http)
{
	static char admin[AUTH_TOKEN_LEN + 1], revoked[AUTH_TOKEN_LEN + 1];
	const char *toks[R_N] = {NULL, g_contributor, g_reviewer, admin, revoked, NULL};
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	char id_admin[40], id_rev[40], path[256];
	json_t *j = NULL;
	const char *sub_id;
	char sub[128];

	cr_assert_eq(store_open(g_dir, 0, &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(auth_token_create(s, ROLE_ADMIN, "test admin", admin, id_admin, &eb), CL_OK);
	cr_assert_eq(auth_token_create(s, ROLE_CONTRIBUTOR, "gone", revoked, id_rev, &eb), CL_OK);
	cr_assert_eq(auth_token_revoke(s, id_rev, &eb), CL_OK);
	store_close(s);

	static const struct {
		const char *method, *path;
		long want[R_N]; /* anon, contributor, reviewer, admin, revoked, malformed */
	} table[] = {
		{"GET", "/v1/search?q=skola", {200, 200, 200, 200, 401, 401}},
		{"GET", "/v1/cases/" HIDDEN_ID, {404, 404, 200, 200, 401, 401}},
		{"GET", "/v1/cases/" HIDDEN_ID "/history", {404, 404, 200, 200, 401, 401}},
		{"GET", "/v1/review/queue", {401, 403, 200, 200, 401, 401}},
		{"GET", "/v1/stats", {401, 403, 200, 200, 401, 401}},
		{"GET", "/healthz", {200, 200, 200, 200, 200, 200}},
	};
	for (size_t i = 0; i < sizeof table / sizeof *table; i++)
		for (int role = 0; role < R_N; role++) {
			long st = req_as(role, toks, table[i].method, table[i].path, NULL, NULL);
			cr_expect_eq(st, table[i].want[role], "%s %s as role %d: %ld, want %ld",
				     table[i].method, table[i].path, role, st, table[i].want[role]);
		}

	/* submit: anonymous and revoked cannot; a contributor can */
	const char *body = "{\"kind\":\"case\",\"title\":\"Rollprov kvarnstensbageri\",\"language\":\"sv\","
			   "\"summary\":\"Ett test av rollerna.\",\"sources\":[{\"url\":\"https://example.org/r\","
			   "\"retrieved_at\":\"2026-11-27T05:00:00Z\"}]}";
	cr_assert_eq(req_as(R_ANON, toks, "POST", "/v1/submissions", body, NULL), 401);
	cr_assert_eq(req_as(R_REVOKED, toks, "POST", "/v1/submissions", body, NULL), 401);
	cr_assert_eq(req_as(R_CONTRIB, toks, "POST", "/v1/submissions", body, &j), 201);
	sub_id = json_string_value(json_object_get(j, "id"));
	cr_assert_not_null(sub_id);
	snprintf(sub, sizeof sub, "%s", sub_id);
	json_decref(j);

	/* deciding: only reviewers and admins */
	snprintf(path, sizeof path, "/v1/review/%s/decision", sub);
	const char *rc_body = "{\"decision\":\"request_changes\",\"comment\":\"Lägg till utfall.\","
			      "\"version\":1}";
	cr_expect_eq(req_as(R_ANON, toks, "POST", path, rc_body, NULL), 401);
	cr_expect_eq(req_as(R_CONTRIB, toks, "POST", path, rc_body, NULL), 403);
	cr_expect_eq(req_as(R_REVOKED, toks, "POST", path, rc_body, NULL), 401);
	cr_expect_eq(req_as(R_MALFORMED, toks, "POST", path, rc_body, NULL), 401);
	cr_assert_eq(req_as(R_ADMIN, toks, "POST", path,
			    "{\"decision\":\"reject\"}", NULL), 400, "reject needs a comment");
	cr_assert_eq(req_as(R_ADMIN, toks, "POST", path, rc_body, NULL), 200);

	/* the contributor revises; it is back in the queue */
	snprintf(path, sizeof path, "/v1/submissions/%s", sub);
	const char *rev = "{\"kind\":\"case\",\"title\":\"Rollprov kvarnstensbageri\",\"language\":\"sv\","
			  "\"summary\":\"Ett test av rollerna.\",\"outcome\":\"Utfallet blev bra.\","
			  "\"sources\":[{\"url\":\"https://example.org/r\",\"retrieved_at\":\"2026-11-27T05:00:00Z\"}]}";
	cr_assert_eq(req_as(R_REVIEWER, toks, "PUT", path, rev, NULL), 403, "only the owner revises");
	cr_assert_eq(req_as(R_CONTRIB, toks, "PUT", path, rev, NULL), 200);
	cr_assert_eq(req_as(R_REVIEWER, toks, "GET", path, NULL, &j), 200);
	cr_assert_not_null(json_object_get(j, "diff"));
	json_decref(j);

	/* approve; published and searchable for anyone within a second */
	snprintf(path, sizeof path, "/v1/review/%s/decision", sub);
	/* v1 submitted, v2 changes requested, v3 revised: the version reviewed */
	cr_assert_eq(req_as(R_REVIEWER, toks, "POST", path, "{\"decision\":\"approve\",\"version\":3}",
			    NULL), 200);
	{
		long total = 0;
		for (int i = 0; i < 20 && total == 0; i++) {
			cr_assert_eq(req_as(R_ANON, toks, "GET", "/v1/search?q=kvarnstensbageri", NULL, &j),
				     200);
			total = (long)json_integer_value(json_object_get(j, "total"));
			json_decref(j);
			if (!total)
				usleep(50000);
		}
		cr_assert_eq(total, 1, "the approved case is found within a second");
	}
	snprintf(path, sizeof path, "/v1/cases/%s", sub);
	cr_assert_eq(req_as(R_ANON, toks, "GET", path, NULL, NULL), 200);
}

/* ---- the case page's rendered texts (GET /v1/cases/{id}/html, render.h) --- */

/* Markdown becomes HTML; nothing of raw HTML or an unsafe link passes. */
Test(render, markdown_is_rendered_and_raw_html_never_passes)
{
	static const struct {
		const char *md, *must, *never;
	} t[] = {
		{"## Bakgrund\n\n- ett\n- två\n", "<h2>Bakgrund</h2>", NULL},
		{"**fet** och *kursiv*", "<strong>fet</strong>", NULL},
		{"<script>alert(1)</script>\n\ntext", "text", "<script"},
		{"a <img src=x onerror=alert(1)> b", "a ", "<img"},
		{"<div onclick=\"x()\">block</div>", NULL, "onclick"},
		{"[klick](javascript:alert(1))", "klick", "javascript:"},
		{"[fil](file:///etc/passwd)", "fil", "file:"},
		{"![bild](data:text/html;base64,PHNjcmlwdD4=)", NULL, "data:text/html"},
		{"[ok](https://www.upphandlingsmyndigheten.se/)", "href=\"https://www.upphandlingsmyndigheten.se/\"", NULL},
		{"1 < 2 & 3 > 2", "1 &lt; 2 &amp; 3 &gt; 2", NULL},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *h = render_markdown(t[i].md, strlen(t[i].md));
		cr_assert_not_null(h);
		if (t[i].must)
			cr_expect(strstr(h, t[i].must) != NULL, "%s -> %s lacks %s", t[i].md, h, t[i].must);
		if (t[i].never)
			cr_expect(strstr(h, t[i].never) == NULL, "%s -> %s has %s", t[i].md, h, t[i].never);
		free(h);
	}
	/* a NUL byte and bad UTF-8 come out as valid text, an empty text as "" */
	{
		static const char broken[] = "a\0b \xff\xfe c";
		char *h = render_markdown(broken, sizeof broken - 1);
		cr_assert_not_null(h);
		cr_expect(strstr(h, "\xef\xbf\xbd") != NULL, "U+FFFD in %s", h);
		free(h);
		h = render_markdown(NULL, 0);
		cr_assert_not_null(h);
		cr_expect_str_eq(h, "");
		free(h);
	}
}

Test(server, case_html_renders_the_texts_of_a_visible_case_only)
{
	struct tu_resp r;
	const char *body;

	get("/v1/cases/case-lund-skolmaltider-2021/html", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_not_null(r.json);
	cr_expect_str_eq(json_string_value(json_object_get(r.json, "id")), "case-lund-skolmaltider-2021");
	body = json_string_value(json_object_get(r.json, "body"));
	cr_assert_not_null(body);
	cr_expect(strstr(body, "<h2>Bakgrund</h2>") != NULL, "%s", body);
	cr_expect(strstr(body, "<li>Marknadsdialog") != NULL, "%s", body);
	cr_expect(json_is_string(json_object_get(r.json, "outcome")));
	cr_expect(json_is_string(json_object_get(r.json, "lessons")));
	tu_resp_free(&r);
	/* a text the case has not is null */
	get("/v1/cases/" HIDDEN_ID "/html", &r);
	assert_problem(&r, 404, "not-found", "an unpublished case's texts");
	tu_resp_free(&r);
	get("/v1/cases/case-lund-skolmaltider-2021/html?x=1", &r);
	cr_expect_eq(r.status, 400);
	tu_resp_free(&r);
}

/* ---- the spreadsheet export (sheet.h, xlsx.h) ------------------------------ */

/* The row of the CSV body whose first cell is id (a private copy), or NULL. */
static char *csv_row_of(const char *body, const char *id)
{
	size_t k = strlen(id);
	for (const char *p = body; p && *p;) {
		const char *e = strstr(p, "\r\n");
		if (!strncmp(p, id, k) && p[k] == ';')
			return strndup(p, e ? (size_t)(e - p) : strlen(p));
		p = e ? e + 2 : NULL;
	}
	return NULL;
}

Test(server, export_csv_with_lang_opens_in_swedish_excel)
{
	struct tu_resp r;
	char *row;

	get("/v1/export?format=csv&lang=sv&kind=case", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	/* UTF-8 with a BOM, ';' between fields, Swedish headings */
	cr_assert(r.len > 3 && !memcmp(r.body, "\xEF\xBB\xBF", 3), "a BOM first");
	cr_expect(!strncmp(r.body + 3, "Id;Länk;Typ;Titel;Sammanfattning;Resultat;Lärdomar;", 52), "%.120s",
		  r.body + 3);
	/* the fixture case: labels beside codes, a link, its outcome, a decimal comma */
	row = csv_row_of(r.body, "case-lund-skolmaltider-2021");
	cr_assert_not_null(row, "the fixture case is exported");
	cr_expect(strstr(row, ";http://127.0.0.1:") && strstr(row, "/?case=case-lund-skolmaltider-2021;"), "%s", row);
	cr_expect(strstr(row, ";Kommun;la;") != NULL, "label beside code: %s", row);
	cr_expect(strstr(row, "Klimatpåverkan per portion minskade med 28 procent") != NULL, "outcome: %s", row);
	cr_expect(strstr(row, ";Innovationsfall;") != NULL, "kind as its label: %s", row);
	cr_expect(strstr(row, ";48500000,00;SEK;") != NULL, "a decimal comma: %s", row);
	free(row);
	tu_resp_free(&r);
	/* English headings with lang=en; without lang the machine CSV is unchanged */
	get("/v1/export?format=csv&lang=en&kind=case", &r);
	cr_assert_eq(r.status, 200);
	{
		static const char en[] = "\xEF\xBB\xBFId,Link,Kind,Title,Summary,Outcome,";
		cr_expect(!strncmp(r.body, en, sizeof en - 1), "%.80s", r.body);
	}
	tu_resp_free(&r);
	get("/v1/export?format=csv&kind=case", &r);
	cr_assert_eq(r.status, 200);
	cr_expect(!strncmp(r.body, "id,kind,status,title,", 21), "%.80s", r.body);
	tu_resp_free(&r);
}

Test(server, export_xlsx_is_a_workbook_and_leaves_no_file)
{
	struct tu_resp r;
	char *tmp = tu_tmpdir(), *old = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
	DIR *d;
	struct dirent *de;
	int left = 0;

	setenv("TMPDIR", tmp, 1);
	get("/v1/export?format=xlsx&lang=sv&kind=case", &r);
	if (old)
		setenv("TMPDIR", old, 1);
	else
		unsetenv("TMPDIR");
	free(old);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.headers, "spreadsheetml.sheet") != NULL, "%s", r.headers);
	cr_expect(strstr(r.headers, "caselib-export.xlsx") != NULL);
	cr_assert(r.len > 2000 && !memcmp(r.body, "PK\x03\x04", 4), "a zip (xlsx), %zu bytes", r.len);
	/* the sheet's XML is deflated; the part names are not */
	cr_expect(memmem(r.body, r.len, "xl/worksheets/sheet1.xml", 24) != NULL);
	tu_resp_free(&r);
	d = opendir(tmp);
	cr_assert_not_null(d);
	while ((de = readdir(d)))
		left += de->d_name[0] != '.';
	closedir(d);
	cr_expect_eq(left, 0, "the temporary workbook is removed");
	tu_rmtree(tmp);
	free(tmp);
	get("/v1/export?format=xls", &r);
	cr_expect_eq(r.status, 400);
	tu_resp_free(&r);
}

Test(sheet, base_address_only_from_a_plain_host)
{
	char buf[300];
	cr_expect_eq(sheet_base("127.0.0.1:8080", buf, sizeof buf), 0);
	cr_expect_str_eq(buf, "http://127.0.0.1:8080");
	cr_expect_eq(sheet_base("[::1]:80", buf, sizeof buf), 0);
	cr_expect_eq(sheet_base("evil.example/\"x", buf, sizeof buf), -1);
	cr_expect_str_eq(buf, "");
	cr_expect_eq(sheet_base("a b", buf, sizeof buf), -1);
	cr_expect_eq(sheet_base(NULL, buf, sizeof buf), -1);
	cr_expect_eq(sheet_base("", buf, sizeof buf), -1);
}

/* Issue 13 point 9: a refused submission names every problem at once, each
 * with a stable code beside the path and the English reason (the page words
 * the code in its own language); docs/api.md and api/openapi.json list every
 * code the validator can give. */
Test(server, submission_errors_carry_stable_codes)
{
	static const char badrec[] =
		"{\"kind\":\"story\",\"summary\":42,\"colour\":\"blue\","
		"\"buyer\":{\"org_number\":\"212000-1131\",\"country\":\"Sverige\"},"
		"\"goals\":[\"sdg-99\"],\"published\":\"2024-13-40\",\"cpv\":[\"123\"],"
		"\"value\":{\"amount\":-5,\"currency\":\"kronor\"},"
		"\"sources\":[{\"url\":\"file:///etc/passwd\",\"retrieved_at\":\"yesterday\"}]}";
	static const struct {
		const char *path, *code;
	} want[] = {
		{"$.kind", "unknown_code"},	     {"$.title", "required"},
		{"$.summary", "wrong_type"},	     {"$.colour", "unknown_field"},
		{"$.buyer.org_number", "orgnr_checksum"}, {"$.buyer.country", "country_code"},
		{"$.goals[0]", "unknown_code"},	     {"$.published", "date_invalid"},
		{"$.cpv[0]", "cpv_format"},	     {"$.value.amount", "negative"},
		{"$.value.currency", "currency_code"}, {"$.sources[0].url", "url_scheme"},
		{"$.sources[0].retrieved_at", "timestamp_format"},
	};
	char cauth[128];
	const char *hc[] = {cauth, "Content-Type: application/json", NULL};
	struct tu_resp r;
	json_t *errs, *e;
	size_t i;

	snprintf(cauth, sizeof cauth, "Authorization: Bearer %s", g_contributor);
	http("POST", "/v1/submissions", hc, badrec, strlen(badrec), &r);
	cr_assert_eq(r.status, 400, "%s", r.body);
	errs = json_object_get(r.json, "errors");
	cr_assert(json_array_size(errs) >= sizeof want / sizeof *want, "%s", r.body);
	json_array_foreach(errs, i, e) {
		cr_assert(json_is_string(json_object_get(e, "path")), "%s", r.body);
		cr_assert(json_is_string(json_object_get(e, "reason")), "%s", r.body);
		cr_assert(json_is_string(json_object_get(e, "code")), "no code: %s", r.body);
	}
	for (size_t k = 0; k < sizeof want / sizeof *want; k++) {
		int found = 0;
		json_array_foreach(errs, i, e)
			if (!strcmp(json_string_value(json_object_get(e, "path")), want[k].path)) {
				cr_expect_str_eq(json_string_value(json_object_get(e, "code")),
						 want[k].code, "%s", want[k].path);
				found = 1;
			}
		cr_expect(found, "no problem at %s: %s", want[k].path, r.body);
	}
	tu_resp_free(&r);

	/* a revision with another id: id_mismatch */
	{
		static const char ok[] =
			"{\"kind\":\"case\",\"title\":\"Koder för fel\",\"sources\":[{\"url\":"
			"\"https://example.org/k\",\"retrieved_at\":\"2026-01-01T10:00:00Z\"}]}";
		char loc[160];
		const char *other = "{\"id\":\"sub-other-0000\",\"kind\":\"case\",\"title\":\"X\","
				    "\"sources\":[{\"url\":\"https://example.org/k\","
				    "\"retrieved_at\":\"2026-01-01T10:00:00Z\"}]}";

		http("POST", "/v1/submissions", hc, ok, strlen(ok), &r);
		cr_assert_eq(r.status, 201, "%s", r.body);
		cr_assert_not_null(tu_resp_header(&r, "Location", loc, sizeof loc));
		tu_resp_free(&r);
		http("PUT", loc, hc, other, strlen(other), &r);
		cr_assert_eq(r.status, 400, "%s", r.body);
		e = json_array_get(json_object_get(r.json, "errors"), 0);
		cr_assert_str_eq(json_string_value(json_object_get(e, "code")), "id_mismatch",
				 "%s", r.body);
		tu_resp_free(&r);
	}

	/* every code documented, in docs/api.md and in the OpenAPI enum */
	{
		char *md = tu_read_file("docs/api.md", NULL);
		char *oa = tu_read_file("api/openapi.json", NULL);
		json_t *doc = json_loads(oa, 0, NULL), *en;

		cr_assert_not_null(md);
		cr_assert_not_null(doc);
		en = json_object_get(
			json_object_get(
				json_object_get(
					json_object_get(
						json_object_get(json_object_get(json_object_get(
							json_object_get(doc, "components"), "schemas"),
							"Problem"), "properties"),
						"errors"),
					"items"),
				"properties"),
			"code");
		en = json_object_get(en, "enum");
		cr_assert(json_is_array(en), "Problem.errors[].code has no enum");
		cr_assert_eq(json_array_size(en), (size_t)CASE_P__COUNT);
		for (int c = 0; c < CASE_P__COUNT; c++) {
			char tick[64];
			int in_enum = 0;
			snprintf(tick, sizeof tick, "`%s`", case_pcode_name((enum case_pcode)c));
			cr_expect_not_null(strstr(md, tick), "docs/api.md lacks %s", tick);
			json_array_foreach(en, i, e)
				if (!strcmp(json_string_value(e), case_pcode_name((enum case_pcode)c)))
					in_enum = 1;
			cr_expect(in_enum, "openapi.json lacks %s", case_pcode_name((enum case_pcode)c));
		}
		json_decref(doc);
		free(md);
		free(oa);
	}
}

/* Issue 13 point 9: POST /v1/submissions/check warns of duplicates (the
 * workflow's own check) and finds every problem before anything is
 * stored; it stores nothing either way, and needs a token. */
Test(server, submission_check_warns_and_stores_nothing)
{
	static const char lund[] =
		"{\"kind\":\"case\",\"title\":\"Klimatsmarta skolmåltider i Lunds kommun —"
		" innovationsupphandling\",\"summary\":\"Lunds kommun upphandlade livsmedel och"
		" måltidslösningar för skolor med krav på lägre klimatpåverkan per portion i stället"
		" för detaljerade produktkrav.\",\"sources\":[{\"url\":\"https://example.org/l\","
		"\"retrieved_at\":\"2026-01-01T10:00:00Z\"}]}";
	static const char draft[] =
		"{\"kind\":\"case\",\"buyer\":{\"org_number\":\"212000-1133\"},"
		"\"sources\":[{\"url\":\"ftp://x\",\"retrieved_at\":\"2026-01-01T10:00:00Z\"}]}";
	char cauth[128];
	const char *hc[] = {cauth, "Content-Type: application/json", NULL};
	struct store_counts before = counts_now(), after;
	struct tu_resp r;
	json_t *d0;

	snprintf(cauth, sizeof cauth, "Authorization: Bearer %s", g_contributor);
	http("POST", "/v1/submissions/check", hc, lund, strlen(lund), &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(json_is_true(json_object_get(r.json, "valid")), "%s", r.body);
	cr_assert(json_is_true(json_object_get(r.json, "duplicates_checked")), "%s", r.body);
	d0 = json_array_get(json_object_get(r.json, "duplicates"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(d0, "id")), "case-lund-skolmaltider-2021",
			 "%s", r.body);
	cr_assert_str_eq(json_string_value(json_object_get(d0, "buyer")), "Lunds kommun");
	tu_resp_free(&r);

	http("POST", "/v1/submissions/check", hc, draft, strlen(draft), &r);
	cr_assert_eq(r.status, 400, "%s", r.body);
	cr_assert_eq(json_array_size(json_object_get(r.json, "errors")), 3, "%s", r.body);
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(r.json, "errors"), 0), "code")),
			 "required", "%s", r.body);
	tu_resp_free(&r);

	post_json("/v1/submissions/check", lund, &r);
	cr_assert_eq(r.status, 401, "%s", r.body);
	tu_resp_free(&r);

	after = counts_now();
	cr_assert_eq(after.cases, before.cases);
	cr_assert_eq(after.versions, before.versions);
	cr_assert_eq(after.changes, before.changes);
}

/* A description of a need (issue 12 point 4): GET keeps its URL's share
 * of text (1,024 bytes, and says to POST); POST /v1/search takes the same
 * parameters as a JSON object, reads up to 200 words and says when it
 * cut the rest; its answer for a short query is GET's. */
Test(server, long_query_by_post_reads_200_words_and_says_so, .init = setup, .fini = teardown)
{
	struct tu_resp r, g;
	char *body = malloc(8192), *q = malloc(4096), *url = malloc(8192);
	size_t n = 0;

	cr_assert(body && q && url);
	/* 250 words, 2,999 bytes: "skolmåltider" first */
	n += (size_t)snprintf(q + n, 4096 - n, "skolmåltider");
	for (int i = 1; i < 250; i++)
		n += (size_t)snprintf(q + n, 4096 - n, " ord%03d", i);
	cr_assert_gt(n, 1024);
	snprintf(url, 8192, "/v1/search?q=%s", q);
	for (char *p = url; *p; p++)
		if (*p == ' ')
			*p = '+';
	get(url, &g);
	cr_assert_eq(g.status, 400, "%s", g.body);
	cr_assert(strstr(g.body, "POST /v1/search"), "%s", g.body);
	tu_resp_free(&g);

	snprintf(body, 8192, "{\"q\":\"%s\",\"limit\":5,\"facets\":[\"kind\"],\"translate\":\"off\"}", q);
	post_json("/v1/search", body, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(json_is_true(json_object_get(r.json, "cut")), "%s", r.body);
	cr_assert(json_is_true(json_object_get(r.json, "used_or_fallback")), "any word: %s", r.body);
	cr_assert(hits_contain(r.json, "case-lund-skolmaltider-2021"), "%s", r.body);
	cr_assert_leq(json_array_size(json_object_get(r.json, "hits")), 5);
	cr_assert(json_object_get(json_object_get(r.json, "facets"), "kind"), "%s", r.body);
	tu_resp_free(&r);

	/* a short query: POST answers as GET does, "cut" false */
	get("/v1/search?q=skolm%C3%A5ltider&limit=3&sectors=education&sectors=health", &g);
	post_json("/v1/search", "{\"q\":\"skolmåltider\",\"limit\":\"3\","
		  "\"sectors\":[\"education\",\"health\"]}", &r);
	cr_assert_eq(g.status, 200, "%s", g.body);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(json_is_false(json_object_get(r.json, "cut")));
	json_object_del(g.json, "took_ms");
	json_object_del(r.json, "took_ms");
	{
		char *a = json_dumps(g.json, JSON_SORT_KEYS), *b = json_dumps(r.json, JSON_SORT_KEYS);
		cr_assert_str_eq(a, b);
		free(a);
		free(b);
	}
	tu_resp_free(&g);
	tu_resp_free(&r);

	/* bad bodies: each problem named at its member; nothing else runs */
	post_json("/v1/search", "{\"q\":[1],\"limit\":\"x\",\"nosuch\":\"1\",\"sort\":{}}", &r);
	cr_assert_eq(r.status, 400, "%s", r.body);
	cr_assert(strstr(r.body, "$.q") && strstr(r.body, "$.limit") && strstr(r.body, "$.nosuch") &&
			  strstr(r.body, "$.sort"),
		  "%s", r.body);
	tu_resp_free(&r);
	post_json("/v1/search", "[\"q\"]", &r);
	cr_assert_eq(r.status, 400, "%s", r.body);
	tu_resp_free(&r);
	post_json("/v1/search", "{\"q\":", &r);
	cr_assert_eq(r.status, 400, "%s", r.body);
	cr_assert(strstr(r.body, "invalid-json"), "%s", r.body);
	tu_resp_free(&r);
	/* over 4,096 bytes, even by POST */
	memset(q, 'a', 4095);
	q[4095] = '\0';
	snprintf(body, 8192, "{\"q\":\"%s b\"}", q);
	post_json("/v1/search", body, &r);
	cr_assert_eq(r.status, 400, "%s", r.body);
	cr_assert(strstr(r.body, "4096"), "%s", r.body);
	tu_resp_free(&r);
	free(body);
	free(q);
	free(url);
}
