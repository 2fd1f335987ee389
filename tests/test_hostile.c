/* test_hostile.c — the hostile-input table of docs/limits.md (issue 7,
 * part 3), one check per row. tests/test_server.c already sends ~70 bad
 * requests (limits, bad parameters, percent-encoding, traversal, methods,
 * media types, JSON syntax); this suite adds what it lacks: nested and
 * 10 MB bodies (also chunked), invalid/overlong UTF-8 and NUL bytes in every
 * place, query-syntax injection in both engines, SQL injection in every
 * parameter and body field, more traversal, header floods, a slowloris
 * client, <script> in every text field, CSV formula injection, XML entity
 * attacks on the harvest parsers, and the CLI's answers to the same. Every
 * write row checks that nothing stored was lost (counts and store_check). */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "auth.h"
#include "parse.h"
#include "parse_eforms.h"
#include "parse_ips.h"
#include "parse_ocds.h"
#include "parse_tedxml.h"
#include "routes.h"
#include "server.h"
#include "store.h"
#include "testutil.h"

#define PUB_ID "case-lund-skolmaltider-2021"
#define EVIL_ID "zz-evil-case"
#define HIDDEN_ID "zz-hidden-case"
#define HIDDEN_WORD "hemligordxyzzy"

static char *g_dir, *g_web;
static struct srv *g_srv;
static char g_base[64];
static char g_contrib[AUTH_TOKEN_LEN + 1], g_reviewer[AUTH_TOKEN_LEN + 1];
static char g_bin[1024]; /* tu_bin(), writable for argv */
static char g_auth_contrib[128];

/* ---- HTTP client (tu_http_request) --------------------------------------- */

/* One request to the server under test. headers: NULL-terminated list or
 * NULL; chunked: stream the body without Content-Length. */
static void http(const char *method, const char *path, const char *const *headers,
		 const char *body, size_t blen, int chunked, struct tu_resp *out)
{
	struct tu_http_opt opt = {.chunked = chunked};
	char url[16384];

	snprintf(url, sizeof url, "%s%s", g_base, path);
	tu_http_request(method, url, headers, body, blen, &opt, out);
}

/* status, and the problem type when slug is not NULL. */
static void expect(const struct tu_resp *r, long status, const char *slug, const char *what)
{
	char ct[128], want[160];
	cr_assert_eq(r->curl_rc, CURLE_OK, "%s: curl %d", what, r->curl_rc);
	cr_assert_lt(r->status, 500, "%s: 5xx: %s", what, r->body);
	cr_assert_eq(r->status, status, "%s: status %ld, want %ld: %.300s", what, r->status, status,
		     r->body);
	if (!slug)
		return;
	cr_assert_str_eq(tu_resp_header(r, "Content-Type", ct, sizeof ct) ? ct : "",
			 "application/problem+json", "%s", what);
	snprintf(want, sizeof want, "%s%s", SRV_PROBLEM_BASE, slug);
	cr_assert_str_eq(json_string_value(json_object_get(r->json, "type")), want, "%s: %s", what,
			 r->body);
}

/* ---- fixture ------------------------------------------------------------- */

static void put_json(struct store *s, const char *json, const char *status)
{
	struct case_record c;
	struct case_problems probs;
	struct store_put_result res;
	struct cl_errbuf eb = {0};

	case_init(&c);
	case_problems_init(&probs);
	cr_assert_eq(case_parse(json, strlen(json), 0, &c, &probs), CL_OK, "parse: %s: %s",
		     probs.n ? probs.v[0].path : "?", probs.n ? probs.v[0].reason : "?");
	if (status) {
		free(c.status);
		c.status = strdup(status);
	}
	cr_assert_eq(store_put_case(s, &c, "import", &res, &eb), CL_OK, "%s", eb.msg);
	case_release(&c);
	case_problems_release(&probs);
}

#define XSS "<script>alert(1)</script>"
/* A published case with a script in every text field and a spreadsheet
 * formula at the start of every text column of the CSV export. */
static const char *evil_json =
	"{\"id\":\"" EVIL_ID "\",\"kind\":\"case\",\"language\":\"sv\","
	"\"title\":\"=HYPERLINK(\\\"https://evil.example\\\") elbilar " XSS "\","
	"\"summary\":\"+SUM(1;2) laddstolpar " XSS "\","
	"\"body\":\"@cmd elbilar i kommunen " XSS "\","
	"\"outcome\":\"-2+3 " XSS "\",\"lessons\":\"" XSS "\","
	"\"buyer\":{\"name\":\"-Evil AB " XSS "\",\"country\":\"SE\"},"
	"\"sources\":[{\"url\":\"https://example.org/evil?a=<script>\","
	"\"retrieved_at\":\"2026-01-01T10:00:00Z\"}]}";

static void serve_edge(enum engine_kind kind, unsigned timeout, unsigned hdr, unsigned body)
{
	struct srv_config cfg;

	srv_stop(g_srv);
	tu_srv_config(&cfg, g_dir, g_web);
	cfg.engine = kind;
	cfg.conn_timeout = timeout;
	cfg.header_deadline = hdr;
	cfg.body_deadline = body;
	g_srv = tu_srv_start(&cfg, g_base, sizeof g_base);
}

static void serve(enum engine_kind kind, unsigned timeout)
{
	serve_edge(kind, timeout, 0, 0);
}

static void setup(void)
{
	char *argv[6], *err = NULL, path[512], id[40];
	struct store *s = NULL;
	struct cl_errbuf eb = {0};

	snprintf(g_bin, sizeof g_bin, "%s", tu_bin());
	g_dir = tu_tmpdir();
	g_web = tu_tmpdir();
	snprintf(path, sizeof path, "%s/index.html", g_web);
	tu_write_file(path, "<!doctype html><title>caselib</title>", 37);
	snprintf(path, sizeof path, "%s/app.js", g_web);
	tu_write_file(path, "console.log(1);\n", 16);
	argv[0] = g_bin;
	argv[1] = "--data";
	argv[2] = g_dir;
	argv[3] = "import";
	argv[4] = "tests/fixtures/demo-cases";
	argv[5] = NULL;
	cr_assert_eq(store_open(g_dir, STORE_CREATE, &s, &eb), CL_OK, "%s", eb.msg);
	store_close(s);
	cr_assert_eq(tu_run(argv, NULL, NULL, &err), 0, "import: %s", err);
	free(err);
	cr_assert_eq(store_open(g_dir, 0, &s, &eb), CL_OK, "%s", eb.msg);
	put_json(s, evil_json, NULL);
	put_json(s,
		 "{\"id\":\"" HIDDEN_ID "\",\"kind\":\"case\",\"title\":\"Hemlig " HIDDEN_WORD
		 "\",\"sources\":[{\"url\":\"https://example.org/h\","
		 "\"retrieved_at\":\"2026-01-01T10:00:00Z\"}]}",
		 "submitted");
	cr_assert_eq(auth_token_create(s, ROLE_CONTRIBUTOR, "hostile", g_contrib, id, &eb), CL_OK);
	cr_assert_eq(auth_token_create(s, ROLE_REVIEWER, "reviewer", g_reviewer, id, &eb), CL_OK);
	store_close(s);
	snprintf(g_auth_contrib, sizeof g_auth_contrib, "Authorization: Bearer %s", g_contrib);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	serve(ENGINE_XAPIAN, 0);
}

static void teardown(void)
{
	srv_stop(g_srv);
	g_srv = NULL;
	curl_global_cleanup();
	tu_rmtree(g_dir);
	tu_rmtree(g_web);
	free(g_dir);
	free(g_web);
	g_dir = g_web = NULL;
}

/* Counts of the store, and store_check clean. */
struct snap {
	struct store_counts c;
	long tokens, audit;
};

static long count_rows(struct store *s, const char *table)
{
	sqlite3_stmt *st = NULL;
	char sql[128];
	long n = -1;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	cr_assert_eq(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL), SQLITE_OK, "%s", table);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static struct snap snap_now(void)
{
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	struct snap sn;
	cr_assert_eq(store_open(g_dir, STORE_READONLY, &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(store_counts(s, &sn.c, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(store_check(s, NULL, NULL, &eb), CL_OK, "store_check: %s", eb.msg);
	sn.tokens = count_rows(s, "tokens");
	sn.audit = count_rows(s, "audit");
	store_close(s);
	return sn;
}

static void assert_unchanged(const struct snap *a, const char *what)
{
	struct snap b = snap_now();
	cr_assert_eq(b.c.cases, a->c.cases, "%s: cases %ld -> %ld", what, a->c.cases, b.c.cases);
	cr_assert_eq(b.c.versions, a->c.versions, "%s: versions", what);
	cr_assert_eq(b.c.changes, a->c.changes, "%s: changes", what);
	cr_assert_eq(b.c.published, a->c.published, "%s: published", what);
	cr_assert_eq(b.tokens, a->tokens, "%s: tokens", what);
}

TestSuite(hostile, .init = setup, .fini = teardown, .timeout = 240);

/* ---- the HTTP table --------------------------------------------------------- */

static const char *const H_JSON[] = {"Content-Type: application/json", NULL};
static const char *H_CONTRIB[] = {"Content-Type: application/json", g_auth_contrib, NULL};

/* body kinds generated at run time */
enum gen { G_NONE, G_NEST_ARRAY, G_NEST_OBJECT, G_NEST_FIELD, G_BIG_TEXT, G_BIG_TITLE, G_RAW_NUL };

static const struct row {
	const char *name, *method, *path;
	int authed; /* 1: as the contributor */
	const char *body;
	enum gen gen;
	int chunked;
	long status;
	const char *type;
} rows[] = {
	/* nesting: jansson stops at depth 2048 */
	{"nested arrays in a body", "POST", "/v1/similar", 0, NULL, G_NEST_ARRAY, 0, 400, "invalid-json"},
	{"nested objects in a body", "POST", "/v1/similar", 0, NULL, G_NEST_OBJECT, 0, 400, "invalid-json"},
	{"nested value in a submission field", "POST", "/v1/submissions", 1, NULL, G_NEST_FIELD, 0, 400, "invalid-json"},
	{"nested value in a revision", "PUT", "/v1/submissions/" HIDDEN_ID, 1, NULL, G_NEST_OBJECT, 0, 400, "invalid-json"},
	{"duplicate keys in a submission", "POST", "/v1/submissions", 1, "{\"title\":\"a\",\"title\":\"b\"}", G_NONE, 0, 400, "invalid-json"},
	/* 10 MB */
	{"10 MB text, Content-Length", "POST", "/v1/similar", 0, NULL, G_BIG_TEXT, 0, 413, "payload-too-large"},
	{"10 MB text, chunked", "POST", "/v1/similar", 0, NULL, G_BIG_TEXT, 1, 413, "payload-too-large"},
	{"10 MB title, submission, chunked", "POST", "/v1/submissions", 1, NULL, G_BIG_TITLE, 1, 413, "payload-too-large"},
	{"10 MB title, revision", "PUT", "/v1/submissions/" HIDDEN_ID, 1, NULL, G_BIG_TITLE, 0, 413, "payload-too-large"},
	/* UTF-8 */
	{"overlong 3-byte slash in q", "GET", "/v1/search?q=%E0%80%AF", 0, NULL, G_NONE, 0, 400, "bad-request"},
	{"UTF-16 surrogate in q", "GET", "/v1/search?q=%ED%A0%80", 0, NULL, G_NONE, 0, 400, "bad-request"},
	{"code point over U+10FFFF in q", "GET", "/v1/search?q=%F4%90%80%80", 0, NULL, G_NONE, 0, 400, "bad-request"},
	{"truncated sequence in q", "GET", "/v1/search?q=sko%C3", 0, NULL, G_NONE, 0, 400, "bad-request"},
	{"invalid UTF-8 in a filter", "GET", "/v1/search?sectors=%FF", 0, NULL, G_NONE, 0, 400, "bad-request"},
	{"invalid UTF-8 in a parameter name", "GET", "/v1/search?%FF=1", 0, NULL, G_NONE, 0, 400, "bad-request"},
	{"overlong in a case id", "GET", "/v1/cases/%C0%AF", 0, NULL, G_NONE, 0, 400, "bad-path"},
	{"overlong in a body", "POST", "/v1/similar", 0, "{\"text\":\"\xc0\xaf\"}", G_NONE, 0, 400, "invalid-json"},
	{"lone surrogate escape in a body", "POST", "/v1/similar", 0, "{\"text\":\"\\ud800\"}", G_NONE, 0, 400, "invalid-json"},
	{"invalid UTF-8 in a submission", "POST", "/v1/submissions", 1, "{\"title\":\"\xed\xa0\x80\"}", G_NONE, 0, 400, "invalid-json"},
	/* NUL */
	{"NUL in a filter", "GET", "/v1/search?sectors=health%00", 0, NULL, G_NONE, 0, 400, "bad-request"},
	{"NUL in a parameter name", "GET", "/v1/search?q%00=1", 0, NULL, G_NONE, 0, 400, "bad-request"},
	{"NUL in a case id", "GET", "/v1/cases/" PUB_ID "%00", 0, NULL, G_NONE, 0, 400, "bad-path"},
	{"NUL in a submission id", "GET", "/v1/submissions/a%00b", 1, NULL, G_NONE, 0, 400, "bad-path"},
	{"raw NUL byte in a body", "POST", "/v1/similar", 0, NULL, G_RAW_NUL, 0, 400, "invalid-json"},
	{"\\u0000 in a submission", "POST", "/v1/submissions", 1, "{\"title\":\"a\\u0000b\"}", G_NONE, 0, 400, "invalid-json"},
	/* traversal beyond test_server's rows */
	{"encoded slash in a case id", "GET", "/v1/cases/..%2f..%2fcaselib.db", 0, NULL, G_NONE, 0, 400, "bad-path"},
	{"dot segment as submission id", "GET", "/v1/submissions/%2e%2e", 1, NULL, G_NONE, 0, 400, "bad-path"},
	{"double-encoded dots", "GET", "/v1/cases/%252e%252e", 0, NULL, G_NONE, 0, 404, "not-found"},
	{"backslash traversal", "GET", "/..%5c..%5cetc%5cpasswd", 0, NULL, G_NONE, 0, 400, "bad-path"},
	{"the database file", "GET", "/caselib.db", 0, NULL, G_NONE, 0, 404, "not-found"},
	{"a file below the web root", "GET", "/index.html/..", 0, NULL, G_NONE, 0, 400, "bad-path"},
	{"a symlink out of the web root", "GET", "/leak.txt", 0, NULL, G_NONE, 0, 404, "not-found"},
	{"script in a path", "GET", "/v1/cases/%3Cscript%3Ealert(1)%3C%2Fscript%3E", 0, NULL, G_NONE, 0, 400, "bad-path"},
	{"script in a static path", "GET", "/%3Cscript%3E.html", 0, NULL, G_NONE, 0, 404, "not-found"},
};

#define NEST 100000

static char *gen_body(enum gen g, size_t *len)
{
	size_t n = 10u * 1024 * 1024, k;
	char *b;
	switch (g) {
	case G_NEST_ARRAY:
	case G_NEST_OBJECT:
	case G_NEST_FIELD:
		b = malloc(NEST * 6 + 64);
		k = (size_t)sprintf(b, g == G_NEST_FIELD ? "{\"title\":" : "{\"text\":");
		for (size_t i = 0; i < NEST; i++)
			k += (size_t)sprintf(b + k, g == G_NEST_OBJECT ? "{\"a\":" : "[");
		for (size_t i = 0; i < NEST; i++)
			b[k++] = g == G_NEST_OBJECT ? '}' : ']';
		b[k++] = '}';
		b[k] = '\0';
		*len = k;
		return b;
	case G_BIG_TEXT:
	case G_BIG_TITLE:
		b = malloc(n + 64);
		k = (size_t)sprintf(b, g == G_BIG_TEXT ? "{\"text\":\"" : "{\"kind\":\"case\",\"title\":\"");
		memset(b + k, 'a', n);
		k += n;
		k += (size_t)sprintf(b + k, "\"}");
		*len = k;
		return b;
	case G_RAW_NUL:
		b = malloc(32);
		memcpy(b, "{\"text\":\"sk\0la\"}", 16);
		*len = 16;
		return b;
	case G_NONE:
		break;
	}
	*len = 0;
	return NULL;
}

Test(hostile, http_table)
{
	struct snap before;
	struct tu_resp r;
	char link[600], target[600];

	/* a symlink in the web root pointing at a readable file outside it */
	snprintf(target, sizeof target, "%s/secret.txt", g_dir);
	tu_write_file(target, "secret\n", 7);
	snprintf(link, sizeof link, "%s/leak.txt", g_web);
	cr_assert_eq(symlink(target, link), 0);
	before = snap_now();
	for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
		size_t blen = rows[i].body ? strlen(rows[i].body) : 0;
		char *gb = rows[i].gen ? gen_body(rows[i].gen, &blen) : NULL;
		const char *body = gb ? gb : rows[i].body;
		http(rows[i].method, rows[i].path, rows[i].authed ? H_CONTRIB : (body ? H_JSON : NULL),
		     body, blen, rows[i].chunked, &r);
		expect(&r, rows[i].status, rows[i].type, rows[i].name);
		cr_assert_null(strstr(r.body, "secret"), "%s: leaked a file", rows[i].name);
		tu_resp_free(&r);
		free(gb);
	}
	assert_unchanged(&before, "HTTP table");
	http("GET", "/healthz", NULL, NULL, 0, 0, &r);
	expect(&r, 200, NULL, "still serving");
	tu_resp_free(&r);
}

/* ---- query syntax injection, both engines --------------------------------- */

static const char *const injections[] = {
	"NEAR(", "NEAR(skola måltider", "NEAR(skola måltider, 2)", "skola^2", "^", "^skola",
	"title:", "title:*", "buyer:", "body:x", "status:submitted", "id:" HIDDEN_ID,
	"*", "**", "*skola", "\"", "\"\"", "\"skola", "AND", "OR", "NOT", "skola AND", "OR skola",
	"NOT NOT", "AND OR NOT", "(", ")", "((((skola", "skola))))", "()", "{", "}", "{title}: skola",
	"{title body}: x", "- skola", "--", "-", "+", "+skola", ":", "::", "a:b:c", "'", "''",
	"skola NEAR/3 mat", "skola OR " HIDDEN_WORD, HIDDEN_WORD " OR *", "rank:1", "rowid:1",
	"\\", "\\\"", "%", "_", "[", "]", "<", ">", "&", "|", "~skola", "skola~2", "$", "#",
	"title:(skola OR mat)", "\"skola\" NEAR \"mat\"", "skola AND (mat OR", "\xc2\xa0", "\xe2\x80\x8b",
};

static void run_injections(const char *engine)
{
	struct tu_resp r;
	char path[512];
	int ok200 = 0, syntax = 0;

	for (size_t i = 0; i < sizeof injections / sizeof *injections; i++) {
		CURL *c = curl_easy_init();
		char *q = curl_easy_escape(c, injections[i], 0);
		char what[200];
		snprintf(path, sizeof path, "/v1/search?q=%s&facets=all&limit=100", q);
		curl_free(q);
		curl_easy_cleanup(c);
		snprintf(what, sizeof what, "%s q=%s", engine, injections[i]);
		http("GET", path, NULL, NULL, 0, 0, &r);
		cr_assert_eq(r.curl_rc, CURLE_OK, "%s", what);
		cr_assert(r.status == 200 || r.status == 400, "%s: %ld %s", what, r.status, r.body);
		if (r.status == 400) {
			expect(&r, 400, "query-syntax", what);
			syntax++;
		} else {
			cr_assert(json_is_integer(json_object_get(r.json, "total")), "%s", what);
			ok200++;
		}
		cr_assert_null(strstr(r.body, HIDDEN_ID), "%s: unpublished case leaked", what);
		tu_resp_free(&r);
		/* the same text in the export and in POST /v1/similar */
		{
			json_t *b = json_pack("{s:s}", "text", injections[i]);
			char *s = json_dumps(b, 0);
			http("POST", "/v1/similar", H_JSON, s, strlen(s), 0, &r);
			cr_assert(r.status == 200 || r.status == 400, "similar %s: %ld", what, r.status);
			cr_assert_null(strstr(r.body, HIDDEN_ID), "similar %s leaked", what);
			tu_resp_free(&r);
			free(s);
			json_decref(b);
		}
	}
	cr_log_info("%s: %d injections answered 200, %d query-syntax", engine, ok200, syntax);
	cr_assert_gt(ok200, 0);
}

Test(hostile, query_syntax_injection_both_engines)
{
	struct snap before = snap_now();
	run_injections("xapian");
	serve(ENGINE_FTS5, 0);
	run_injections("fts5");
	assert_unchanged(&before, "injections");
}

/* ---- SQL injection in every parameter -------------------------------------- */

static const char *const sqli[] = {
	"' OR '1'='1", "1; DROP TABLE cases; --", "\" OR \"\"=\"", "1) UNION SELECT hash FROM tokens --",
	"'; UPDATE cases SET status='published'; --", "%' OR 1=1 --",
};

/* Query parameters and the status a SQL string gets there. */
static const struct {
	const char *path, *param;
	long status;
} params[] = {
	{"/v1/search", "q", 200},           {"/v1/search", "lang", 400},
	{"/v1/search", "kind", 400},        {"/v1/search", "authority_type", 400},
	{"/v1/search", "sectors", 400},     {"/v1/search", "categories", 400},
	{"/v1/search", "goals", 400},       {"/v1/search", "strategic", 400},
	{"/v1/search", "procedure", 400},   {"/v1/search", "innovation", 400},
	{"/v1/search", "country", 400},     {"/v1/search", "language", 400},
	{"/v1/search", "year", 400},        {"/v1/search", "sort", 400},
	{"/v1/search", "offset", 400},      {"/v1/search", "limit", 400},
	{"/v1/search", "facets", 400},      {"/v1/export", "format", 400},
	{"/v1/export", "q", 200},           {"/v1/cases/" PUB_ID "/similar", "sectors", 400},
	{"/v1/cases/" PUB_ID "/similar", "limit", 400},
	{"/v1/review/queue", "status", 400}, {"/v1/review/queue", "limit", 400},
	{"/v1/review/queue", "offset", 400},
};

Test(hostile, sql_injection_every_parameter)
{
	struct snap before = snap_now();
	struct tu_resp r;
	CURL *c = curl_easy_init();
	char path[1024], auth[128];
	const char *hr[] = {auth, "Content-Type: application/json", NULL};
	int n = 0;

	snprintf(auth, sizeof auth, "Authorization: Bearer %s", g_reviewer);
	for (size_t s = 0; s < sizeof sqli / sizeof *sqli; s++) {
		char *e = curl_easy_escape(c, sqli[s], 0);
		for (size_t p = 0; p < sizeof params / sizeof *params; p++) {
			snprintf(path, sizeof path, "%s?%s=%s", params[p].path, params[p].param, e);
			http("GET", path, hr, NULL, 0, 0, &r);
			expect(&r, params[p].status, params[p].status == 400 ? "validation" : NULL, path);
			tu_resp_free(&r);
			n++;
		}
		/* path ids: no such case / submission */
		static const char *const idpaths[][2] = {{"/v1/cases/", ""}, {"/v1/cases/", "/history"},
							 {"/v1/cases/", "/similar"}, {"/v1/submissions/", ""}};
		for (size_t p = 0; p < 4; p++) {
			snprintf(path, sizeof path, "%s%s%s", idpaths[p][0], e, idpaths[p][1]);
			http("GET", path, hr, NULL, 0, 0, &r);
			expect(&r, 404, "not-found", path);
			tu_resp_free(&r);
			n++;
		}
		snprintf(path, sizeof path, "/v1/review/%s/decision", e);
		http("POST", path, hr, "{\"decision\":\"approve\"}", 22, 0, &r);
		expect(&r, 404, "not-found", path);
		tu_resp_free(&r);
		curl_free(e);
		/* JSON body fields of POST /v1/similar and of a decision */
		{
			json_t *bodies[] = {
				json_pack("{s:s}", "text", sqli[s]),
				json_pack("{s:s,s:s}", "text", "skola", "lang", sqli[s]),
				json_pack("{s:s,s:{s:[s]}}", "text", "skola", "filters", "sectors", sqli[s]),
				json_pack("{s:s,s:s}", "text", "skola", "facets", sqli[s]),
				json_pack("{s:s}", "decision", sqli[s]),
			};
			static const long want[] = {200, 400, 400, 400, 400};
			for (size_t b = 0; b < 5; b++) {
				char *txt = json_dumps(bodies[b], 0);
				http("POST", b < 4 ? "/v1/similar" : "/v1/review/" HIDDEN_ID "/decision", hr, txt,
				     strlen(txt), 0, &r);
				expect(&r, want[b], want[b] == 400 ? "validation" : NULL, txt);
				tu_resp_free(&r);
				free(txt);
				json_decref(bodies[b]);
				n++;
			}
		}
		/* a submission's id field: refused by the id pattern */
		{
			json_t *j = json_loads(evil_json, 0, NULL);
			char *txt;
			json_object_set_new(j, "id", json_string(sqli[s]));
			txt = json_dumps(j, 0);
			http("POST", "/v1/submissions", H_CONTRIB, txt, strlen(txt), 0, &r);
			expect(&r, 400, "validation", "id field");
			tu_resp_free(&r);
			free(txt);
			json_decref(j);
		}
	}
	curl_easy_cleanup(c);
	assert_unchanged(&before, "SQL injection reads");

	/* text fields of a submission take the strings verbatim (one write) */
	{
		json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:{s:s},s:[{s:s,s:s}]}", "kind", "case",
				      "title", sqli[1], "summary", sqli[3], "outcome", sqli[4],
				      "buyer", "name", sqli[0], "sources", "url",
				      "https://example.org/x?q='OR'1'='1", "retrieved_at",
				      "2026-01-01T10:00:00Z");
		char *txt = json_dumps(j, 0), loc[200], id[64];
		http("POST", "/v1/submissions", H_CONTRIB, txt, strlen(txt), 0, &r);
		expect(&r, 201, NULL, "submission with SQL text");
		cr_assert(json_is_string(json_object_get(r.json, "id")));
		snprintf(id, sizeof id, "%s", json_string_value(json_object_get(r.json, "id")));
		snprintf(loc, sizeof loc, "/v1/submissions/%s", id);
		tu_resp_free(&r);
		http("GET", loc, hr, NULL, 0, 0, &r);
		expect(&r, 200, NULL, "read back");
		cr_assert_str_eq(json_string_value(json_object_get(json_object_get(r.json, "case"), "title")),
				 sqli[1]);
		cr_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(
					 r.json, "case"), "buyer"), "name")), sqli[0]);
		tu_resp_free(&r);
		snprintf(loc, sizeof loc, "/v1/review/%s/decision", id);
		{
			json_t *d = json_pack("{s:s,s:s,s:i}", "decision", "request_changes", "comment",
					      sqli[1], "version", 1);
			char *dt = json_dumps(d, 0);
			http("POST", loc, hr, dt, strlen(dt), 0, &r);
			expect(&r, 200, NULL, "decision with SQL comment");
			tu_resp_free(&r);
			free(dt);
			json_decref(d);
		}
		free(txt);
		json_decref(j);
		struct snap after = snap_now();
		cr_assert_eq(after.c.cases, before.c.cases + 1);
		cr_assert_eq(after.c.published, before.c.published);
		cr_assert_eq(after.tokens, before.tokens);
		cr_assert_gt(after.audit, before.audit);
	}
	cr_assert_gt(n, 150);
}

/* ---- header floods and slow clients ------------------------------------------ */

static size_t raw_exchange(unsigned port, const char *req, size_t len, char *buf, size_t cap,
			   int *closed);

Test(hostile, header_floods)
{
	struct snap before = snap_now();
	struct tu_resp r;
	size_t nh = 3000;
	char **hs = calloc(nh + 1, sizeof *hs);
	char *bigauth;
	const char *one[2] = {NULL, NULL};

	for (size_t i = 0; i < nh; i++)
		cr_assert(asprintf(&hs[i], "X-Flood-%zu: %030zu", i, i) > 0);
	/* 100 small headers: fine */
	{
		char *keep = hs[100];
		hs[100] = NULL;
		http("GET", "/healthz", (const char *const *)hs, NULL, 0, 0, &r);
		expect(&r, 200, NULL, "100 headers");
		tu_resp_free(&r);
		hs[100] = keep;
	}
	/* 3,000 headers (~140 KB), sent whole over a raw socket (a client
	 * library may give up sending when the server answers early):
	 * libmicrohttpd answers 431 and closes the connection */
	{
		char *flood = malloc(nh * 64 + 128), buf[4096];
		size_t k = (size_t)sprintf(flood, "GET /v1/search?q=skola HTTP/1.1\r\nHost: x\r\n");
		int closed;
		for (size_t i = 0; i < nh; i++)
			k += (size_t)sprintf(flood + k, "%s\r\n", hs[i]);
		k += (size_t)sprintf(flood + k, "\r\n");
		raw_exchange(srv_port(g_srv), flood, k, buf, sizeof buf, &closed);
		cr_assert(!strncmp(buf, "HTTP/1.1 431 ", 13), "flood: %.200s", buf);
		cr_assert_not_null(strcasestr(buf, "\r\nConnection: close\r\n"), "%.300s", buf);
		cr_assert(closed, "flood: the connection stayed open");
		free(flood);
	}
	/* a 60 KB bearer token fits the 64 KiB header buffer: an unknown
	 * token, 401 */
	bigauth = malloc(61 * 1024);
	strcpy(bigauth, "Authorization: Bearer cl_");
	memset(bigauth + 25, 'a', 60 * 1024);
	bigauth[25 + 60 * 1024] = '\0';
	one[0] = bigauth;
	http("GET", "/v1/search?q=skola", one, NULL, 0, 0, &r);
	expect(&r, 401, "unauthorized", "60 KB bearer token");
	tu_resp_free(&r);
	/* the same header 500 times */
	for (size_t i = 0; i < 500; i++) {
		free(hs[i]);
		hs[i] = strdup("Authorization: Bearer cl_x");
	}
	free(hs[500]);
	hs[500] = NULL;
	http("GET", "/v1/search?q=skola", (const char *const *)hs, NULL, 0, 0, &r);
	expect(&r, 401, "unauthorized", "repeated Authorization");
	tu_resp_free(&r);
	for (size_t i = 0; i < nh; i++)
		free(hs[i]);
	free(hs);
	free(bigauth);
	http("GET", "/healthz", NULL, NULL, 0, 0, &r);
	expect(&r, 200, NULL, "still serving");
	tu_resp_free(&r);
	assert_unchanged(&before, "header floods");
}

static int slow_socket(unsigned port, const char *partial)
{
	struct sockaddr_in a;
	struct timeval tv = {8, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	cr_assert_eq(write(fd, partial, strlen(partial)), (ssize_t)strlen(partial));
	return fd;
}

/* Malformed HTTP on a raw socket: whatever answers (libmicrohttpd or the
 * server), it is a 4xx or a harmless 2xx, never a 5xx or a hang. */
static const struct {
	const char *name, *req;
	int status;
} raw_rows[] = {
	{"HTTP/0.9 request line", "GET /healthz\r\n\r\n", 400},
	{"unknown method", "FOO /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 405},
	{"negative Content-Length",
	 "POST /v1/similar HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	 "Content-Length: -1\r\n\r\n", 400},
	{"huge Content-Length",
	 "POST /v1/similar HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	 "Content-Length: 99999999999999999999\r\n\r\n", 413},
	{"absolute URI", "GET http://evil.example/v1/search HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"asterisk target", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	{"bare LF line ends", "GET /healthz HTTP/1.1\nHost: x\n\n", 200},
	{"CR LF in a header value (no response splitting)",
	 "GET /v1/cases/x%0d%0aSet-Cookie:%20a=b HTTP/1.1\r\nHost: x\r\n\r\n", 404},
};

static int raw_status(unsigned port, const char *req, size_t len, char *first, size_t cap)
{
	struct sockaddr_in a;
	struct timeval tv = {10, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0), st = -1;
	ssize_t k;
	size_t got = 0;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	cr_assert_eq(write(fd, req, len), (ssize_t)len);
	first[0] = '\0';
	while (got + 1 < cap && !strstr(first, "\r\n\r\n") &&
	       (k = read(fd, first + got, cap - 1 - got)) > 0) {
		got += (size_t)k;
		first[got] = '\0';
	}
	close(fd);
	if (!strncmp(first, "HTTP/1.", 7))
		st = atoi(first + 9);
	return st;
}

Test(hostile, malformed_http)
{
	unsigned port = srv_port(g_srv);
	char buf[4096];
	size_t n = 3000, k = 0;
	char *flood = malloc(n * 64 + 128);

	for (size_t i = 0; i < sizeof raw_rows / sizeof *raw_rows; i++) {
		int st = raw_status(port, raw_rows[i].req, strlen(raw_rows[i].req), buf, sizeof buf);
		cr_assert_eq(st, raw_rows[i].status, "%s: %d: %.200s", raw_rows[i].name, st, buf);
		cr_assert_null(strstr(buf, "\r\nSet-Cookie"), "%s: a header was injected", raw_rows[i].name);
	}
	/* 3,000 headers (~140 KB): libmicrohttpd answers 431 itself */
	k = (size_t)sprintf(flood, "GET /v1/search?q=skola HTTP/1.1\r\nHost: x\r\n");
	for (size_t i = 0; i < n; i++)
		k += (size_t)sprintf(flood + k, "X-Flood-%zu: %030zu\r\n", i, i);
	k += (size_t)sprintf(flood + k, "\r\n");
	cr_assert_eq(raw_status(port, flood, k, buf, sizeof buf), 431, "%.100s", buf);
	free(flood);
}

/* ---- the strict edge: framing, the body cap, deadlines ------------------------ */

/* A raw exchange: sends req, then reads until the server closes (or 10 s
 * pass). Returns the bytes read (NUL-terminated in buf); *closed is 1 when
 * the server closed the connection (end of input or reset), 0 when the
 * read timed out with the connection still open. */
static size_t raw_exchange(unsigned port, const char *req, size_t len, char *buf, size_t cap,
			   int *closed)
{
	struct sockaddr_in a;
	struct timeval tv = {10, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t got = 0;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	cr_assert_eq(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	*closed = 0;
	for (;;) {
		ssize_t k = read(fd, buf + got, cap - 1 - got);
		if (k > 0) {
			got += (size_t)k;
			if (got + 1 < cap)
				continue;
		}
		if (k == 0 || (k < 0 && errno == ECONNRESET))
			*closed = 1;
		break;
	}
	buf[got] = '\0';
	close(fd);
	return got;
}

#define JPOST "POST /v1/similar HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
#define SMUGGLED "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
/* Each request here is answered today by libmicrohttpd in one way and could
 * be read by a proxy in front in another (request smuggling): a 400 and a
 * closed connection, never a second answer. */
static const struct {
	const char *name, *req;
} framing_rows[] = {
	{"two different Content-Length",
	 JPOST "Content-Length: 17\r\nContent-Length: 52\r\n\r\n{\"text\":\"skola\"} " SMUGGLED},
	{"two equal Content-Length",
	 JPOST "Content-Length: 17\r\nContent-Length: 17\r\n\r\n{\"text\":\"skola\"} "},
	{"Content-Length and chunked",
	 JPOST "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
	       "11\r\n{\"text\":\"skola\"} \r\n0\r\n\r\n"},
	{"Transfer-Encoding gzip",
	 JPOST "Transfer-Encoding: gzip\r\n\r\n{\"text\":\"skola\"}"},
	{"Transfer-Encoding gzip, chunked",
	 JPOST "Transfer-Encoding: gzip, chunked\r\n\r\n11\r\n{\"text\":\"skola\"} \r\n0\r\n\r\n"},
	{"Transfer-Encoding twice",
	 JPOST "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
	       "11\r\n{\"text\":\"skola\"} \r\n0\r\n\r\n"},
	{"space before the colon of Content-Length",
	 JPOST "Content-Length : 17\r\n\r\n{\"text\":\"skola\"} "},
	{"space before the colon of a GET's header",
	 "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length : 37\r\n\r\n" SMUGGLED},
	{"tab before the colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Test\t: 1\r\n\r\n"},
	{"space inside a header name", "GET /healthz HTTP/1.1\r\nHost: x\r\nX Test: 1\r\n\r\n"},
};

Test(hostile, ambiguous_framing_is_refused_and_closed)
{
	unsigned port = srv_port(g_srv);
	char buf[8192];

	for (size_t i = 0; i < sizeof framing_rows / sizeof *framing_rows; i++) {
		int closed;
		size_t got = raw_exchange(port, framing_rows[i].req, strlen(framing_rows[i].req), buf,
					  sizeof buf, &closed);
		const char *body = strstr(buf, "\r\n\r\n");

		cr_assert(got > 12 && !strncmp(buf, "HTTP/1.1 400 ", 13), "%s: %.200s",
			  framing_rows[i].name, buf);
		cr_assert_not_null(strcasestr(buf, "\r\nConnection: close\r\n"), "%s: %.300s",
				   framing_rows[i].name, buf);
		cr_assert_not_null(body, "%s", framing_rows[i].name);
		cr_assert_not_null(strstr(body, "\"type\":\"" SRV_PROBLEM_BASE "bad-request\""),
				   "%s: %s", framing_rows[i].name, body);
		cr_assert_eq(tu_count(buf, "HTTP/1."), 1, "%s: a second answer: %s",
			     framing_rows[i].name, buf);
		cr_assert(closed, "%s: the connection stayed open", framing_rows[i].name);
	}
	/* the plain forms of the same still work */
	{
		static const char ok[] = JPOST "Content-Length: 17\r\nConnection: close\r\n\r\n"
					       "{\"text\":\"skola\"} ";
		static const char okc[] = JPOST "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
						"11\r\n{\"text\":\"skola\"} \r\n0\r\n\r\n";
		int closed;
		raw_exchange(port, ok, strlen(ok), buf, sizeof buf, &closed);
		cr_assert(!strncmp(buf, "HTTP/1.1 200 ", 13), "Content-Length: %.200s", buf);
		raw_exchange(port, okc, strlen(okc), buf, sizeof buf, &closed);
		cr_assert(!strncmp(buf, "HTTP/1.1 200 ", 13), "chunked: %.200s", buf);
	}
}

/* A chunked body over the cap: the server answers 413 and closes as soon
 * as the cap is passed, instead of reading the rest (it read 1 GiB to its
 * end before). The client tries to send 64 MB. */
Test(hostile, oversized_chunked_body_closes_at_the_cap)
{
	static const char head[] = JPOST "Transfer-Encoding: chunked\r\n\r\n";
	enum { CHUNK = 64 * 1024, TOTAL = 64 * 1024 * 1024 };
	struct sockaddr_in a;
	struct timeval tv = {10, 0};
	char *chunk = malloc(CHUNK + 16), buf[2048];
	int fd = socket(AF_INET, SOCK_STREAM, 0), hl;
	size_t sent = 0, got = 0;
	ssize_t k;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)srv_port(g_srv));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	cr_assert_eq(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
	hl = sprintf(chunk, "%x\r\n", CHUNK);
	memset(chunk + hl, 'a', CHUNK);
	memcpy(chunk + hl + CHUNK, "\r\n", 2);
	while (sent < TOTAL) {
		k = send(fd, chunk, (size_t)hl + CHUNK + 2, MSG_NOSIGNAL);
		if (k <= 0)
			break;
		sent += (size_t)k;
	}
	cr_assert_lt(sent, 16u * 1024 * 1024, "the server read %zu bytes past a 1 MB cap", sent);
	while (got + 1 < sizeof buf && (k = read(fd, buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)k;
	buf[got] = '\0';
	/* the 413 is written before the close; a reset may overtake it */
	cr_assert(got == 0 || !strncmp(buf, "HTTP/1.1 413 ", 13), "%.200s", buf);
	cr_assert(got == 0 || strcasestr(buf, "\r\nConnection: close\r\n"), "%.200s", buf);
	close(fd);
	free(chunk);
}

/* Sends one byte every 250 ms (never idle as long as the 3 s idle timeout)
 * for up to 12 s; returns 1 when the server closed the connection, with
 * what it answered in buf. */
static int trickle(unsigned port, const char *start, const char *drip, char *buf, size_t cap)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), closed = 0;
	size_t got = 0;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	cr_assert_eq(send(fd, start, strlen(start), MSG_NOSIGNAL), (ssize_t)strlen(start));
	buf[0] = '\0';
	for (int i = 0; i < 48 && !closed; i++) {
		struct pollfd pfd = {fd, POLLIN, 0};

		if (send(fd, drip + (size_t)i % strlen(drip), 1, MSG_NOSIGNAL) != 1) {
			closed = 1;
		} else if (poll(&pfd, 1, 250) > 0) {
			ssize_t k = read(fd, buf + got, cap - 1 - got);
			if (k > 0)
				got += (size_t)k;
			else
				closed = 1;
			buf[got] = '\0';
		}
	}
	/* whatever is left of the answer */
	while (closed && got + 1 < cap) {
		ssize_t k = recv(fd, buf + got, cap - 1 - got, MSG_DONTWAIT);
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	buf[got] = '\0';
	close(fd);
	return closed;
}

/* A request whose headers or body trickle in (one byte every 250 ms, so
 * the idle timeout never fires) is answered 408 and closed when its
 * deadline passes (2 s here); before, it was kept as long as bytes came. */
Test(hostile, trickling_headers_and_body_meet_their_deadline)
{
	char buf[4096];
	struct tu_resp r;
	unsigned port;

	serve_edge(ENGINE_XAPIAN, 3, 2, 2);
	port = srv_port(g_srv);
	cr_assert(trickle(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ", "abcdefgh", buf,
			  sizeof buf),
		  "trickling headers: still open after 12 s");
	cr_assert(buf[0] == '\0' || !strncmp(buf, "HTTP/1.1 408 ", 13), "headers: %.200s", buf);
	cr_assert(trickle(port, JPOST "Content-Length: 1000\r\n\r\n{\"text\":\"", "skola ", buf,
			  sizeof buf),
		  "trickling body: still open after 12 s");
	cr_assert(!strncmp(buf, "HTTP/1.1 408 ", 13), "body: %.200s", buf);
	cr_assert_not_null(strstr(buf, "request-timeout"), "%s", buf);
	/* a request that takes its time but is whole in time is served */
	http("GET", "/healthz", NULL, NULL, 0, 0, &r);
	expect(&r, 200, NULL, "after the trickles");
	tu_resp_free(&r);
}

/* Slowloris: 40 connections that send part of a request and stall (headers
 * never finished, or a body never sent) do not stop other clients, and the
 * server closes them after its idle timeout (2 s here). */
Test(hostile, slow_clients_are_closed_others_served)
{
	enum { NSLOW = 40 };
	int fds[NSLOW];
	struct tu_resp r;
	unsigned port;

	serve(ENGINE_XAPIAN, 2);
	port = srv_port(g_srv);
	for (int i = 0; i < NSLOW; i++)
		fds[i] = slow_socket(port, i % 2 ? "GET /v1/search?q=skola HTTP/1.1\r\nHost: x\r\nX-Slow: "
						 : "POST /v1/similar HTTP/1.1\r\nHost: x\r\n"
						   "Content-Type: application/json\r\n"
						   "Content-Length: 100\r\n\r\n{\"te");
	for (int k = 0; k < 10; k++) {
		http("GET", "/v1/search?q=skolm%C3%A5ltider", NULL, NULL, 0, 0, &r);
		expect(&r, 200, NULL, "a normal client while 40 are slow");
		tu_resp_free(&r);
	}
	for (int i = 0; i < NSLOW; i++) {
		char b[512];
		ssize_t k;
		do
			k = read(fds[i], b, sizeof b); /* a 4xx/408 answer may come first */
		while (k > 0);
		cr_assert(k == 0 || (k < 0 && errno == ECONNRESET), "slow connection %d not closed: %s",
			  i, k < 0 ? strerror(errno) : "");
		close(fds[i]);
	}
	http("GET", "/healthz", NULL, NULL, 0, 0, &r);
	expect(&r, 200, NULL, "after the slow clients");
	tu_resp_free(&r);
}

/* ---- <script> and formulas in every text field ---------------------------- */

/* Cells of an RFC 4180 text (quotes removed), each passed to check. */
static int csv_cells(const char *s, int (*check)(const char *cell, void *ud), void *ud)
{
	char *cell = malloc(strlen(s) + 1);
	int bad = 0;
	while (*s) {
		size_t k = 0;
		if (*s == '"') {
			s++;
			while (*s && !(*s == '"' && s[1] != '"')) {
				if (*s == '"')
					s++;
				cell[k++] = *s++;
			}
			if (*s == '"')
				s++;
		} else {
			while (*s && *s != ',' && *s != '\r' && *s != '\n')
				cell[k++] = *s++;
		}
		cell[k] = '\0';
		bad += check(cell, ud);
		if (*s == ',')
			s++;
		else
			while (*s == '\r' || *s == '\n')
				s++;
	}
	free(cell);
	return bad;
}

static int formula_cell(const char *cell, void *ud)
{
	(void)ud;
	if (*cell && strchr("=+-@\t\r", cell[0])) {
		cr_log_error("unguarded cell: %.60s", cell);
		return 1;
	}
	return 0;
}

static void check_csv(const char *csv, const char *what)
{
	cr_assert_not_null(strstr(csv, EVIL_ID), "%s: the evil case is exported", what);
	cr_assert_not_null(strstr(csv, "\"'=HYPERLINK"), "%s: %.400s", what, csv);
	cr_assert_not_null(strstr(csv, "\"'+SUM"), "%s", what);
	cr_assert_not_null(strstr(csv, "\"'-Evil AB"), "%s", what);
	cr_assert_eq(csv_cells(csv, formula_cell, NULL), 0, "%s: formula cells", what);
}

Test(hostile, script_and_formula_in_every_text_field)
{
	struct tu_resp r;
	char ct[128];
	const char *snip, *title;

	/* search snippets are HTML: escaped, only <mark> is markup */
	http("GET", "/v1/search?q=elbilar+laddstolpar&limit=100", NULL, NULL, 0, 0, &r);
	expect(&r, 200, NULL, "search");
	{
		json_t *h;
		size_t i;
		int found = 0;
		json_array_foreach(json_object_get(r.json, "hits"), i, h) {
			if (strcmp(json_string_value(json_object_get(h, "id")), EVIL_ID))
				continue;
			found = 1;
			snip = json_string_value(json_object_get(h, "snippet"));
			cr_assert_not_null(snip);
			cr_assert_null(strstr(snip, "<script"), "snippet: %s", snip);
			cr_assert_not_null(strstr(snip, "&lt;script&gt;"), "snippet: %s", snip);
			title = json_string_value(json_object_get(h, "title"));
			cr_assert_not_null(strstr(title, XSS), "JSON carries the title as data");
		}
		cr_assert(found, "%s", r.body);
	}
	cr_assert_str_eq(tu_resp_header(&r, "Content-Type", ct, sizeof ct), "application/json");
	cr_assert_str_eq(tu_resp_header(&r, "X-Content-Type-Options", ct, sizeof ct), "nosniff");
	tu_resp_free(&r);
	/* the case record is JSON data, never HTML */
	http("GET", "/v1/cases/" EVIL_ID, NULL, NULL, 0, 0, &r);
	expect(&r, 200, NULL, "case");
	cr_assert_str_eq(tu_resp_header(&r, "Content-Type", ct, sizeof ct), "application/json");
	cr_assert_not_null(strstr(json_string_value(json_object_get(r.json, "lessons")), XSS));
	tu_resp_free(&r);
	/* CSV export: formula guard on every text column */
	http("GET", "/v1/export?format=csv", NULL, NULL, 0, 0, &r);
	expect(&r, 200, NULL, "export csv");
	check_csv(r.body, "GET /v1/export");
	tu_resp_free(&r);
	http("GET", "/v1/export?format=csv&q=elbilar", NULL, NULL, 0, 0, &r);
	expect(&r, 200, NULL, "export csv q");
	check_csv(r.body, "GET /v1/export?q");
	tu_resp_free(&r);
	/* the CLI export */
	{
		char *argv[] = {g_bin, "--data", g_dir, "export", "--format", "csv", NULL};
		char *out = NULL, *err = NULL;
		srv_stop(g_srv);
		g_srv = NULL;
		cr_assert_eq(tu_run(argv, NULL, &out, &err), 0, "%s", err);
		check_csv(out, "caselib export");
		free(out);
		free(err);
	}
}

/* ---- the harvest parsers: XML entities, nesting, NUL in CSV ---------------- */

static int count_emit(void *ud, struct case_record *c)
{
	(void)c;
	(*(int *)ud)++;
	return CL_OK;
}

static const char *const xml_attacks[] = {
	/* XXE: an external entity naming a local file */
	"<?xml version=\"1.0\"?><!DOCTYPE n [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
	"<ContractNotice>&xxe;</ContractNotice>",
	/* XXE over the network */
	"<?xml version=\"1.0\"?><!DOCTYPE n [<!ENTITY xxe SYSTEM \"http://127.0.0.1:1/x\">]>"
	"<TED_EXPORT>&xxe;</TED_EXPORT>",
	/* a parameter entity and an external DTD */
	"<?xml version=\"1.0\"?><!DOCTYPE n [<!ENTITY % p SYSTEM \"http://127.0.0.1:1/p.dtd\"> %p;]>"
	"<ContractNotice/>",
	"<?xml version=\"1.0\"?><!DOCTYPE n SYSTEM \"http://127.0.0.1:1/n.dtd\"><ContractNotice/>",
	/* billion laughs */
	"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	"<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
	"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
	"<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
	"<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
	"<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
	"<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
	"<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
	"<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>"
	"<ContractNotice>&lol9;</ContractNotice>",
	/* quadratic blow-up: one big entity used many times */
	NULL, /* built below */
	/* an XInclude */
	"<?xml version=\"1.0\"?><ContractNotice xmlns:xi=\"http://www.w3.org/2001/XInclude\">"
	"<xi:include href=\"file:///etc/passwd\" parse=\"text\"/></ContractNotice>",
	/* deep nesting */
	NULL, /* built below */
};

Test(hostile, xml_entities_and_nesting_in_harvest_parsers)
{
	struct parse_src src = {NULL, "2026-01-01T00:00:00Z", NULL};
	size_t n = sizeof xml_attacks / sizeof *xml_attacks;
	char *quad, *deep;
	size_t k = 0;

	quad = malloc(200000 + 100000 * 6);
	k = (size_t)sprintf(quad, "<?xml version=\"1.0\"?><!DOCTYPE q [<!ENTITY a \"");
	memset(quad + k, 'a', 100000);
	k += 100000;
	k += (size_t)sprintf(quad + k, "\">]><ContractNotice>");
	for (int i = 0; i < 50000; i++)
		k += (size_t)sprintf(quad + k, "&a;");
	sprintf(quad + k, "</ContractNotice>");
	deep = malloc(20 * 100000 + 100);
	k = (size_t)sprintf(deep, "<ContractNotice>");
	for (int i = 0; i < 100000; i++)
		k += (size_t)sprintf(deep + k, "<a>");
	sprintf(deep + k, "x");
	for (size_t i = 0; i < n; i++) {
		const char *doc = xml_attacks[i] ? xml_attacks[i] : (i == 5 ? quad : deep);
		for (int p = 0; p < 2; p++) {
			struct cl_errbuf eb = {0};
			int emitted = 0, rc;
			struct parse_sink sink = {count_emit, NULL, &emitted};
			rc = p == 0 ? eforms_parse_mem(doc, strlen(doc), &src, &sink, &eb)
				    : tedxml_parse_mem(doc, strlen(doc), &src, &sink, &eb);
			cr_assert_eq(rc, CL_EPARSE, "%s attack %zu: rc %d (%s)", p ? "ted" : "eforms", i,
				     rc, eb.msg);
			cr_assert_eq(emitted, 0);
			cr_assert_null(strstr(eb.msg, "root:"), "file contents in the message: %s", eb.msg);
		}
	}
	free(quad);
	free(deep);
	/* OCDS (JSON): deep nesting and a raw NUL */
	{
		size_t m = 200000;
		char *j = malloc(2 * m + 16);
		struct cl_errbuf eb = {0};
		int emitted = 0;
		struct parse_sink sink = {count_emit, NULL, &emitted};
		memset(j, '[', m);
		memset(j + m, ']', m);
		cr_assert_neq(ocds_parse_mem(j, 2 * m, &src, &sink, &eb), CL_OK);
		cr_assert_eq(emitted, 0);
		cr_assert_neq(eb.msg[0], '\0', "a message says why");
		memcpy(j, "{\"releases\":[{\"ocid\":\"a\0b\"}]}", 30);
		cr_assert_neq(ocds_parse_mem(j, 30, &src, &sink, &eb), CL_OK);
		free(j);
	}
}

struct nul_sink {
	int emitted, rejected;
	int nul_seen;
};

static int nul_emit(void *ud, struct case_record *c)
{
	struct nul_sink *ns = ud;
	ns->emitted++;
	(void)c;
	return CL_OK;
}

static void nul_reject(void *ud, long line, const char *reason)
{
	struct nul_sink *ns = ud;
	(void)line;
	ns->rejected++;
	if (strstr(reason, "NUL"))
		ns->nul_seen++;
}

/* The real IPS cases CSV with a NUL byte put into one record: that record
 * is rejected with a reason naming the NUL, every other one is read. */
Test(hostile, nul_byte_in_csv)
{
	char *path = tu_shared("ips-cases/cases.csv");
	size_t len;
	char *data = tu_read_file(path, &len), *mid;
	struct parse_src src = {NULL, "2026-01-01T00:00:00Z", NULL};
	struct nul_sink a = {0, 0, 0}, b = {0, 0, 0};
	struct parse_sink sa = {nul_emit, nul_reject, &a}, sb = {nul_emit, nul_reject, &b};
	struct cl_errbuf eb = {0};

	cr_assert_not_null(data, "%s", path);
	cr_assert_eq(ips_parse_mem(data, len, &src, &sa, NULL, &eb), CL_OK, "%s", eb.msg);
	cr_assert_gt(a.emitted, 10);
	mid = strchr(data + len / 2, '\n');
	cr_assert_not_null(mid);
	mid[5] = '\0'; /* inside the next record */
	cr_assert_eq(ips_parse_mem(data, len, &src, &sb, NULL, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(b.nul_seen, 1, "rejected %d, with NUL %d", b.rejected, b.nul_seen);
	cr_assert_eq(b.emitted + b.rejected, a.emitted + a.rejected);
	free(data);
	free(path);
}

/* ---- the CLI ---------------------------------------------------------------- */

static int cli(const char *stdin_data, char **err, const char *a1, const char *a2,
	       const char *a3)
{
	char *args[3] = {a1 ? strdup(a1) : NULL, a2 ? strdup(a2) : NULL, a3 ? strdup(a3) : NULL};
	char *argv[] = {g_bin, "--data", g_dir, args[0], args[1], args[2], NULL};
	int rc = tu_run(argv, stdin_data, NULL, err);
	for (int i = 0; i < 3; i++)
		free(args[i]);
	return rc;
}

Test(hostile, cli_import_and_search)
{
	struct snap before;
	char *err = NULL, *f = NULL, *big;
	size_t n = 10u * 1024 * 1024, k, blen;
	int rc;
	static const struct {
		const char *name, *content;
	} files[] = {
		{"raw NUL", "{\"id\":\"zz-nul\",\"kind\":\"case\",\"title\":\"a\0b\"}"},
		{"invalid UTF-8", "{\"id\":\"zz-utf\",\"kind\":\"case\",\"title\":\"\xc0\xaf\"}"},
		{"\\u0000", "{\"id\":\"zz-nul2\",\"kind\":\"case\",\"title\":\"a\\u0000b\"}"},
		{"script id", "{\"id\":\"<script>\",\"kind\":\"case\",\"title\":\"x\"}"},
	};

	srv_stop(g_srv); /* the CLI writes the store alone */
	g_srv = NULL;
	before = snap_now();
	cr_assert(asprintf(&f, "%s/in.json", g_web) > 0);
	/* deep nesting */
	big = gen_body(G_NEST_FIELD, &blen);
	tu_write_file(f, big, blen);
	free(big);
	rc = cli(NULL, &err, "import", f, NULL);
	cr_assert_eq(rc, 1, "nested import: exit %d: %s", rc, err);
	cr_assert_neq(err[0], '\0');
	cr_log_info("nested: %s", err);
	free(err);
	/* a 10 MB title, as a file and on stdin */
	big = malloc(n + 200);
	k = (size_t)sprintf(big, "{\"id\":\"zz-big\",\"kind\":\"case\",\"title\":\"");
	memset(big + k, 'a', n);
	k += n;
	k += (size_t)sprintf(big + k, "\",\"sources\":[{\"url\":\"https://example.org/b\","
				       "\"retrieved_at\":\"2026-01-01T10:00:00Z\"}]}\n");
	tu_write_file(f, big, k);
	rc = cli(NULL, &err, "import", f, NULL);
	cr_assert_eq(rc, 1, "10 MB import: exit %d: %s", rc, err);
	cr_log_info("10 MB file: %s", err);
	free(err);
	rc = cli(big, &err, "import", "-", NULL);
	cr_assert_eq(rc, 1, "10 MB on stdin: exit %d: %s", rc, err);
	free(err);
	free(big);
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		tu_write_file(f, files[i].content, strlen(files[i].content) +
						      (i == 0 ? 40 - strlen(files[i].content) : 0));
		rc = cli(NULL, &err, "import", f, NULL);
		cr_assert_eq(rc, 1, "%s: exit %d: %s", files[i].name, rc, err);
		cr_assert_neq(err[0], '\0', "%s: no message", files[i].name);
		free(err);
	}
	/* search: a 100 KB query and injection text */
	big = malloc(100 * 1024 + 1);
	memset(big, 'q', 100 * 1024);
	big[100 * 1024] = '\0';
	rc = cli(NULL, &err, "search", big, NULL);
	cr_assert_eq(rc, 2, "100 KB query: exit %d: %s", rc, err);
	cr_assert_not_null(strstr(err, "4096"), "%s", err);
	free(err);
	free(big);
	for (size_t i = 0; i < sizeof injections / sizeof *injections; i++) {
		rc = cli(NULL, &err, "search", injections[i], NULL);
		cr_assert(rc == 0 || rc == 2, "search %s: exit %d: %s", injections[i], rc, err);
		free(err);
	}
	rc = cli(NULL, &err, "show", "' OR '1'='1", NULL);
	cr_assert_eq(rc, 5, "show SQL id: exit %d: %s", rc, err);
	free(err);
	free(f);
	assert_unchanged(&before, "CLI");
}
