/* test_access.c — who may do what over HTTP (issue 7, part 4): every
 * endpoint of docs/api.md with every method, as every role (anonymous,
 * contributor, reviewer, admin, a revoked token, a malformed token), against
 * the status the docs promise; tokens never reach the server's output (the
 * real `caselib serve --access-log` run as a child, its stdout and stderr
 * captured); the audit log cannot be changed through the API (every path
 * with PUT/DELETE/PATCH, audit rows unchanged, `caselib check` clean) and
 * the store's triggers refuse to change it underneath. The in-process server
 * runs over the invented demo cases (tests/fixtures/demo-cases) in a temporary store. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <pthread.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth.h"
#include "fetch.h"
#include "server.h"
#include "sha256.h"
#include "store.h"
#include "testutil.h"

#define PUB_ID "case-lund-skolmaltider-2021"

enum { R_ANON, R_CONTRIB, R_REVIEWER, R_ADMIN, R_REVOKED, R_MALFORMED, R_N };
static const char *const role_name[R_N] = {"anonymous", "contributor", "reviewer",
					   "admin",     "revoked",     "malformed"};

static char *g_dir, *g_web;
static struct srv *g_srv;
static char g_base[64];
static char g_tok[R_N][AUTH_TOKEN_LEN + 1];
static char g_sub[64]; /* a submission of the contributor, status submitted */
static char g_bin[1024]; /* tu_bin(), writable for argv */

/* ---- HTTP client (tu_http_request) --------------------------------------- */

/* One request as role; returns the status, *body (may be NULL) the body. */
static long req(int role, const char *method, const char *path, const char *body, char **out)
{
	const char *hs[3];
	size_t k = 0;
	struct tu_resp r;
	char url[1024], ah[160];
	long st;

	if (body)
		hs[k++] = "Content-Type: application/json";
	if (role == R_MALFORMED)
		hs[k++] = "Authorization: Bearer cl_not-a-token";
	else if (role != R_ANON) {
		snprintf(ah, sizeof ah, "Authorization: Bearer %s", g_tok[role]);
		hs[k++] = ah;
	}
	hs[k] = NULL;
	snprintf(url, sizeof url, "%s%s", g_base, path);
	tu_http_request(method, url, hs, body, body ? strlen(body) : 0, NULL, &r);
	cr_assert_eq(r.curl_rc, CURLE_OK, "%s %s: no answer", method, path);
	st = r.status;
	if (out) {
		*out = r.body;
		r.body = NULL;
	}
	tu_resp_free(&r);
	return st;
}

/* ---- fixture ------------------------------------------------------------ */

static const char *const SUB_BODY =
	"{\"kind\":\"case\",\"title\":\"Åtkomstprov om cirkulära kontorsmöbler\",\"language\":\"sv\","
	"\"summary\":\"Ett prov av rollerna.\",\"sources\":[{\"url\":\"https://example.org/a\","
	"\"retrieved_at\":\"2026-01-01T10:00:00Z\"}]}";
static const char *const DECIDE_BODY = /* on a fresh submission: version 1 */
	"{\"decision\":\"request_changes\",\"comment\":\"Lägg till utfallet.\",\"version\":1}";

/* A new submission by the contributor; its id into out. */
static void fresh_submission(char *out, size_t cap)
{
	char *body = NULL;
	json_t *j;
	long st = req(R_CONTRIB, "POST", "/v1/submissions", SUB_BODY, &body);
	cr_assert_eq(st, 201, "submit: %ld %s", st, body);
	j = json_loads(body, 0, NULL);
	cr_assert_not_null(j);
	snprintf(out, cap, "%s", json_string_value(json_object_get(j, "id")));
	json_decref(j);
	free(body);
}

static void make_store(const char *dir)
{
	char *argv[] = {g_bin, "--data", g_dir, "import", "tests/fixtures/demo-cases", NULL};
	char *err = NULL;
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	char id[40], revoked_id[40];
	int rc;

	cr_assert_eq(store_open(dir, STORE_CREATE, &s, &eb), CL_OK, "%s", eb.msg);
	store_close(s);
	rc = tu_run(argv, NULL, NULL, &err);

	cr_assert_eq(rc, 0, "import: %s", err);
	free(err);
	cr_assert_eq(store_open(dir, 0, &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(auth_token_create(s, ROLE_CONTRIBUTOR, "access contributor", g_tok[R_CONTRIB],
				       id, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(auth_token_create(s, ROLE_REVIEWER, "access reviewer", g_tok[R_REVIEWER], id,
				       &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(auth_token_create(s, ROLE_ADMIN, "access admin", g_tok[R_ADMIN], id, &eb),
		     CL_OK, "%s", eb.msg);
	cr_assert_eq(auth_token_create(s, ROLE_CONTRIBUTOR, "revoked", g_tok[R_REVOKED], revoked_id,
				       &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(auth_token_revoke(s, revoked_id, &eb), CL_OK, "%s", eb.msg);
	store_close(s);
}

static void setup(void)
{
	struct srv_config cfg;

	snprintf(g_bin, sizeof g_bin, "%s", tu_bin());
	g_dir = tu_tmpdir();
	g_web = tu_web_dir();
	make_store(g_dir);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	tu_srv_config(&cfg, g_dir, g_web);
	g_srv = tu_srv_start(&cfg, g_base, sizeof g_base);
	fresh_submission(g_sub, sizeof g_sub);
}

static void teardown(void)
{
	tu_srv_drop(&g_srv, &g_dir, &g_web);
}

TestSuite(access, .init = setup, .fini = teardown, .timeout = 180);

/* ---- the table ------------------------------------------------------------ */

/* In paths: {pub} a published case, {sub} the contributor's submission
 * (status submitted: unpublished), {fresh} a new submission made just
 * before the request (writes that change a submission's state). */
static const struct cell {
	const char *method, *path, *body;
	long want[R_N]; /* anonymous, contributor, reviewer, admin, revoked, malformed */
} cells[] = {
	{"GET", "/v1/search?q=skola&facets=all", NULL, {200, 200, 200, 200, 401, 401}},
	{"GET", "/v1/cases/{pub}", NULL, {200, 200, 200, 200, 401, 401}},
	{"GET", "/v1/cases/{sub}", NULL, {404, 404, 200, 200, 401, 401}},
	{"GET", "/v1/cases/no-such-case", NULL, {404, 404, 404, 404, 401, 401}},
	{"GET", "/v1/cases/{pub}/similar", NULL, {200, 200, 200, 200, 401, 401}},
	{"GET", "/v1/cases/{sub}/similar", NULL, {404, 404, 200, 200, 401, 401}},
	{"GET", "/v1/cases/{pub}/history", NULL, {200, 200, 200, 200, 401, 401}},
	{"GET", "/v1/cases/{sub}/history", NULL, {404, 404, 200, 200, 401, 401}},
	{"POST", "/v1/similar", "{\"text\":\"skolmåltider\"}", {200, 200, 200, 200, 401, 401}},
	{"POST", "/v1/search", "{\"q\":\"skola\",\"facets\":\"all\"}", {200, 200, 200, 200, 401, 401}},
	{"GET", "/v1/facets", NULL, {200, 200, 200, 200, 401, 401}},
	{"GET", "/v1/export?format=csv&kind=case", NULL, {200, 200, 200, 200, 401, 401}},
	{"GET", "/v1/export?format=jsonl&q=skola", NULL, {200, 200, 200, 200, 401, 401}},
	{"POST", "/v1/submissions", NULL /* SUB_BODY */, {401, 201, 201, 201, 401, 401}},
	{"POST", "/v1/submissions/check", NULL /* SUB_BODY */, {401, 200, 200, 200, 401, 401}},
	{"GET", "/v1/submissions?limit=5", NULL, {401, 200, 200, 200, 401, 401}},
	{"GET", "/v1/submissions?limit=500", NULL, {400, 400, 400, 400, 401, 401}},
	{"GET", "/v1/submissions/{sub}", NULL, {401, 200, 200, 200, 401, 401}},
	{"GET", "/v1/submissions/no-such-sub", NULL, {401, 404, 404, 404, 401, 401}},
	{"PUT", "/v1/submissions/{fresh}", NULL /* SUB_BODY */, {401, 200, 403, 403, 401, 401}},
	{"GET", "/v1/review/queue", NULL, {401, 403, 200, 200, 401, 401}},
	{"POST", "/v1/review/{fresh}/decision", NULL /* DECIDE_BODY */,
	 {401, 403, 200, 200, 401, 401}},
	{"GET", "/v1/stats", NULL, {401, 403, 200, 200, 401, 401}},
	/* outside /v1 a credential is ignored */
	{"GET", "/healthz", NULL, {200, 200, 200, 200, 200, 200}},
	{"GET", "/metrics", NULL, {200, 200, 200, 200, 200, 200}},
	{"GET", "/openapi.json", NULL, {200, 200, 200, 200, 200, 200}},
	{"GET", "/", NULL, {200, 200, 200, 200, 200, 200}},
	{"GET", "/index.html", NULL, {200, 200, 200, 200, 200, 200}},
	{"GET", "/app.js", NULL, {200, 200, 200, 200, 200, 200}},
	/* there is no audit, token or admin endpoint */
	{"GET", "/v1/audit", NULL, {404, 404, 404, 404, 404, 404}},
	{"GET", "/v1/tokens", NULL, {404, 404, 404, 404, 404, 404}},
};

#define NCELLS (sizeof cells / sizeof *cells)

/* 1 when two table paths name the same route ({pub}, {sub}, {fresh} and
 * a literal id in their place are all one {id}; a query string is ignored). */
static int same_route(const char *a, const char *b)
{
	while (*a && *b && *a != '?' && *b != '?') {
		if (*a == '{' || *b == '{') {
			a = *a == '{' ? strchr(a, '}') + 1 : a + strcspn(a, "/?");
			b = *b == '{' ? strchr(b, '}') + 1 : b + strcspn(b, "/?");
			continue;
		}
		if (*a++ != *b++)
			return 0;
	}
	return (!*a || *a == '?') && (!*b || *b == '?'); /* the query is no part of the route */
}

/* path with {pub}, {sub}, {fresh} filled in (a fresh submission is made). */
static void fill(const char *pat, char *out, size_t cap)
{
	char fresh[64];
	const char *p = strchr(pat, '{');
	const char *e = p ? strchr(p, '}') : NULL;
	const char *val;

	if (!p || !e) {
		snprintf(out, cap, "%s", pat);
		return;
	}
	if (!strncmp(p, "{pub}", 5))
		val = PUB_ID;
	else if (!strncmp(p, "{sub}", 5))
		val = g_sub;
	else {
		fresh_submission(fresh, sizeof fresh);
		val = fresh;
	}
	snprintf(out, cap, "%.*s%s%s", (int)(p - pat), pat, val, e + 1);
}

static const char *body_of(const struct cell *c)
{
	if (c->body)
		return c->body;
	if (!strcmp(c->method, "POST") && strstr(c->path, "/decision"))
		return DECIDE_BODY;
	if (!strcmp(c->method, "POST") || !strcmp(c->method, "PUT"))
		return SUB_BODY;
	return NULL;
}

Test(access, every_endpoint_every_role)
{
	int fails = 0, n = 0;

	for (size_t i = 0; i < NCELLS; i++)
		for (int role = 0; role < R_N; role++) {
			const char *methods[2] = {cells[i].method, NULL};
			if (!strcmp(cells[i].method, "GET"))
				methods[1] = "HEAD"; /* HEAD answers as GET does */
			for (int k = 0; k < 2 && methods[k]; k++) {
				char path[256];
				long st;
				fill(cells[i].path, path, sizeof path);
				st = req(role, methods[k], path, body_of(&cells[i]), NULL);
				n++;
				if (st != cells[i].want[role]) {
					fails++;
					cr_log_error("%s %s as %s: %ld, want %ld", methods[k], path,
						     role_name[role], st, cells[i].want[role]);
				}
			}
		}
	cr_log_info("%d endpoint x role requests", n);
	cr_assert_eq(fails, 0, "%d of %d endpoint x role cells differ from docs/api.md", fails, n);
	cr_assert_geq(n, (int)(NCELLS * R_N));
}

/* Every method a path does not list: 405 with Allow for every role (a
 * route that exists), or 404 (no such route); OPTIONS is 204. */
Test(access, other_methods_refused_for_every_role)
{
	static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH"};
	int fails = 0, n = 0;

	for (size_t i = 0; i < NCELLS; i++) {
		int known = cells[i].want[R_ADMIN] != 404;
		for (size_t m = 0; m < sizeof methods / sizeof *methods; m++) {
			int listed = 0;
			for (size_t j = 0; j < NCELLS; j++)
				if (!strcmp(cells[j].method, methods[m]) &&
				    same_route(cells[j].path, cells[i].path))
					listed = 1;
			if (listed || !known)
				continue;
			for (int role = 0; role < R_N; role++) {
				char path[256];
				long st;
				fill(cells[i].path, path, sizeof path);
				st = req(role, methods[m], path,
					 strcmp(methods[m], "GET") ? "{}" : NULL, NULL);
				n++;
				if (st != 405) {
					fails++;
					cr_log_error("%s %s as %s: %ld, want 405", methods[m], path,
						     role_name[role], st);
				}
			}
		}
		for (int role = 0; known && role < R_N; role++) {
			char path[256];
			long st;
			fill(cells[i].path, path, sizeof path);
			st = req(role, "OPTIONS", path, NULL, NULL);
			n++;
			if (st != 204) {
				fails++;
				cr_log_error("OPTIONS %s as %s: %ld, want 204", path, role_name[role], st);
			}
		}
	}
	cr_log_info("%d refused-method requests", n);
	cr_assert_eq(fails, 0, "%d of %d refused-method cells wrong", fails, n);
	cr_assert_gt(n, 300);
}

/* A contributor cannot read or revise another contributor's submission:
 * 404, as for a missing one (api/workflow.c: existence is not leaked). */
Test(access, other_contributors_submission)
{
	char other[AUTH_TOKEN_LEN + 1], id[40], path[128], mine[AUTH_TOKEN_LEN + 1];
	struct store *s = NULL;
	struct cl_errbuf eb = {0};

	cr_assert_eq(store_open(g_dir, 0, &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(auth_token_create(s, ROLE_CONTRIBUTOR, "another", other, id, &eb), CL_OK);
	store_close(s);
	memcpy(mine, g_tok[R_CONTRIB], sizeof mine);
	memcpy(g_tok[R_CONTRIB], other, sizeof other);
	snprintf(path, sizeof path, "/v1/submissions/%s", g_sub);
	{
		char *b = NULL;
		long st = req(R_CONTRIB, "GET", path, NULL, &b);
		cr_assert_eq(st, 404, "another contributor reads: %ld %s", st, b);
		free(b);
	}
	cr_assert_eq(req(R_CONTRIB, "PUT", path, SUB_BODY, NULL), 404);
	memcpy(g_tok[R_CONTRIB], mine, sizeof mine);
	cr_assert_eq(req(R_CONTRIB, "GET", path, NULL, NULL), 200);
}

/* ---- the audit log -------------------------------------------------------- */

static long audit_rows(sqlite3 *db, char digest[65])
{
	sqlite3_stmt *st = NULL;
	long n = 0;
	char *all = strdup("");
	size_t len = 0;

	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT id, at, actor, action, object, "
					    "coalesce(detail, '') FROM audit ORDER BY id",
					-1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *row = NULL;
		int k = asprintf(&row, "%lld|%s|%s|%s|%s|%s\n", sqlite3_column_int64(st, 0),
				 sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
				 sqlite3_column_text(st, 3), sqlite3_column_text(st, 4),
				 sqlite3_column_text(st, 5));
		cr_assert_gt(k, 0);
		all = realloc(all, len + (size_t)k + 1);
		memcpy(all + len, row, (size_t)k + 1);
		len += (size_t)k;
		free(row);
		n++;
	}
	sqlite3_finalize(st);
	sha256_hex(all, len, digest);
	free(all);
	return n;
}

static long audit_now(char digest[65])
{
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	long n;
	cr_assert_eq(store_open(g_dir, STORE_READONLY, &s, &eb), CL_OK, "%s", eb.msg);
	n = audit_rows(store_db(s), digest);
	store_close(s);
	return n;
}

Test(access, audit_log_cannot_be_changed)
{
	static const char *const methods[] = {"PUT", "DELETE", "PATCH", "POST"};
	static const char *const extra[] = {"/v1/audit", "/v1/audit/1", "/v1/tokens",
					    "/v1/admin/audit", "/audit", "/v1/cases/{pub}/audit"};
	char d0[65], d1[65];
	long n0 = audit_now(d0), n1;
	int n = 0;

	cr_assert_gt(n0, 0, "token creation and the submission wrote audit rows");
	for (int role = 0; role < R_N; role++)
		for (size_t m = 0; m < sizeof methods / sizeof *methods; m++) {
			for (size_t i = 0; i < NCELLS + sizeof extra / sizeof *extra; i++) {
				const char *pat = i < NCELLS ? cells[i].path : extra[i - NCELLS];
				char path[256];
				long st;
				int listed = 0;
				for (size_t j = 0; j < NCELLS; j++)
					if (!strcmp(cells[j].method, methods[m]) &&
					    same_route(cells[j].path, pat))
						listed = 1;
				if (listed || strstr(pat, "{fresh}"))
					continue; /* real writes: in the table above */
				fill(pat, path, sizeof path);
				st = req(role, methods[m], path, "{\"action\":\"x\"}", NULL);
				n++;
				cr_assert(st == 404 || st == 405, "%s %s as %s: %ld", methods[m], path,
					  role_name[role], st);
			}
		}
	n1 = audit_now(d1);
	cr_log_info("%d write attempts on the audit log", n);
	cr_assert_eq(n1, n0, "audit rows %ld -> %ld after %d write attempts", n0, n1, n);
	cr_assert_str_eq(d1, d0, "audit content changed");

	/* underneath the API: the store's triggers refuse UPDATE and DELETE */
	{
		struct store *s = NULL;
		struct cl_errbuf eb = {0};
		char *msg = NULL;
		cr_assert_eq(store_open(g_dir, 0, &s, &eb), CL_OK, "%s", eb.msg);
		cr_assert_neq(sqlite3_exec(store_db(s), "UPDATE audit SET actor = 'x'", NULL, NULL,
					   &msg), SQLITE_OK);
		cr_assert_not_null(strstr(msg, "immutable"), "%s", msg);
		sqlite3_free(msg);
		cr_assert_neq(sqlite3_exec(store_db(s), "DELETE FROM audit", NULL, NULL, &msg),
			      SQLITE_OK);
		sqlite3_free(msg);
		store_close(s);
	}
	cr_assert_eq(audit_now(d1), n0);
	cr_assert_str_eq(d1, d0);
	{
		char *argv[] = {g_bin, "--data", g_dir, "check", NULL};
		char *out = NULL, *err = NULL;
		int rc = tu_run(argv, NULL, &out, &err);
		cr_assert_eq(rc, 0, "caselib check: %s %s", out, err);
		free(out);
		free(err);
	}
}

/* ---- tokens never logged --------------------------------------------------- */

Test(access, tokens_never_logged)
{
	char port_s[32] = "", *log = NULL, *out = NULL, outp[600], errp[600];
	int pfd[2], status;
	pid_t pid;
	FILE *f;

	srv_stop(g_srv); /* the child serves the same store */
	g_srv = NULL;
	snprintf(outp, sizeof outp, "%s/serve.out", g_web);
	snprintf(errp, sizeof errp, "%s/serve.err", g_web);
	cr_assert_eq(pipe(pfd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fo = dup(pfd[1]);
		FILE *ferr = freopen(errp, "w", stderr);
		(void)ferr;
		dup2(fo, 1);
		close(pfd[0]);
		execl(tu_bin(), tu_bin(), "--data", g_dir, "serve", "--listen", "127.0.0.1:0",
		      "--access-log", "--web", g_web, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	cr_assert_not_null(fgets(port_s, sizeof port_s, f), "serve printed no port");
	cr_assert_eq(strncmp(port_s, "port ", 5), 0, "%s", port_s);
	snprintf(g_base, sizeof g_base, "http://127.0.0.1:%ld", strtol(port_s + 5, NULL, 10));

	/* every role on read and write endpoints, and tokens where they do not
	 * belong (a path, a query parameter, a body field) */
	for (int role = 0; role < R_N; role++) {
		req(role, "GET", "/v1/search?q=skola", NULL, NULL);
		req(role, "GET", "/v1/review/queue", NULL, NULL);
		req(role, "POST", "/v1/submissions", SUB_BODY, NULL);
		req(role, "GET", "/healthz", NULL, NULL);
		req(role, "GET", "/v1/nothing", NULL, NULL);
	}
	req(R_ANON, "GET", "/v1/cases/cl_0000/history", NULL, NULL);
	kill(pid, SIGTERM);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "serve exit %d", status);
	{
		char rest[4096];
		size_t k = fread(rest, 1, sizeof rest - 1, f);
		rest[k] = '\0';
		out = strdup(rest);
	}
	fclose(f);
	log = tu_read_file(errp, NULL);
	cr_assert_not_null(log);
	cr_assert_geq(tu_count(log, "\n"), (size_t)(5 * R_N), "access log lines: %s", log);
	cr_assert_not_null(strstr(log, "/v1/review/queue"), "%s", log);
	for (int role = R_CONTRIB; role <= R_REVOKED; role++) {
		char hex[65];
		sha256_hex(g_tok[role], strlen(g_tok[role]), hex);
		cr_assert_null(strstr(log, g_tok[role]), "%s token in the server log", role_name[role]);
		cr_assert_null(strstr(log, g_tok[role] + 3), "token digits in the server log");
		cr_assert_null(strstr(log, hex), "%s token hash in the server log", role_name[role]);
		cr_assert_null(strstr(out, g_tok[role] + 3), "token on the server's stdout");
		cr_assert_null(strstr(out, hex));
	}
	cr_assert_null(strstr(log, "cl_not-a-token"), "malformed token in the log");
	cr_assert_null(strstr(log, "Bearer"), "an Authorization header in the log");
	free(log);
	free(out);
}

/* ---- issue 17: decisions on a version, ids, existence --------------------- */

/* One request as role with an optional extra header; the whole answer in
 * *r (tu_resp_free it). */
static void req_full(int role, const char *method, const char *path, const char *body,
		     const char *extra, struct tu_resp *r)
{
	const char *hs[4];
	size_t k = 0;
	char url[1024], ah[160];

	if (body)
		hs[k++] = "Content-Type: application/json";
	if (role != R_ANON) {
		snprintf(ah, sizeof ah, "Authorization: Bearer %s", g_tok[role]);
		hs[k++] = ah;
	}
	if (extra)
		hs[k++] = extra;
	hs[k] = NULL;
	snprintf(url, sizeof url, "%s%s", g_base, path);
	tu_http_request(method, url, hs, body, body ? strlen(body) : 0, NULL, r);
	cr_assert_eq(r->curl_rc, CURLE_OK, "%s %s: no answer", method, path);
}

/* status and version of submission id, as the reviewer sees it */
static long sub_state(const char *id, char *status, size_t cap)
{
	struct tu_resp r;
	char path[160];
	long v;

	snprintf(path, sizeof path, "/v1/submissions/%s", id);
	req_full(R_REVIEWER, "GET", path, NULL, NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	snprintf(status, cap, "%s", json_string_value(json_object_get(r.json, "status")));
	v = (long)json_integer_value(json_object_get(r.json, "version"));
	tu_resp_free(&r);
	return v;
}

static const char *problem_type(const struct tu_resp *r)
{
	const char *t = json_string_value(json_object_get(r->json, "type"));
	const char *slash = t ? strrchr(t, '/') : NULL;
	return slash ? slash + 1 : "";
}

/* Issue 17, fault 1: an approval was not tied to what the reviewer read. */
Test(access, decision_names_the_version_reviewed)
{
	char f[64], g[64], path[160], etag[160], hdr[200], status[32];
	static const char *const revised =
		"{\"kind\":\"case\",\"title\":\"Åtkomstprov om cirkulära kontorsmöbler\","
		"\"language\":\"sv\",\"summary\":\"Ändrad efter att granskaren öppnade den.\","
		"\"sources\":[{\"url\":\"https://example.org/a\","
		"\"retrieved_at\":\"2026-01-01T10:00:00Z\"}]}";
	struct tu_resp r;

	fresh_submission(f, sizeof f);
	snprintf(path, sizeof path, "/v1/review/%s/decision", f);
	/* no version at all: 428, nothing decided */
	req_full(R_REVIEWER, "POST", path, "{\"decision\":\"approve\"}", NULL, &r);
	cr_assert_eq(r.status, 428, "%ld %s", r.status, r.body);
	cr_assert_str_eq(problem_type(&r), "precondition-required");
	tu_resp_free(&r);
	/* a version that is not a positive integer: 400 at $.version */
	req_full(R_REVIEWER, "POST", path, "{\"decision\":\"approve\",\"version\":\"1\"}", NULL,
		 &r);
	cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(r.json, "errors"), 0), "path")),
			 "$.version");
	tu_resp_free(&r);

	/* the reviewer reads version 1 (keeps its ETag) */
	snprintf(hdr, sizeof hdr, "/v1/submissions/%s", f);
	req_full(R_REVIEWER, "GET", hdr, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(tu_resp_header(&r, "ETag", etag, sizeof etag));
	tu_resp_free(&r);
	/* the contributor revises: version 2 */
	cr_assert_eq(req(R_CONTRIB, "PUT", hdr, revised, NULL), 200);
	cr_assert_eq(sub_state(f, status, sizeof status), 2);

	/* a decision on version 1: 409 saying what it is now; nothing changed */
	req_full(R_REVIEWER, "POST", path, "{\"decision\":\"approve\",\"version\":1}", NULL, &r);
	cr_assert_eq(r.status, 409, "%ld %s", r.status, r.body);
	cr_assert_not_null(strstr(r.headers, "application/problem+json"));
	cr_assert_eq(json_integer_value(json_object_get(r.json, "current_version")), 2, "%s",
		     r.body);
	cr_assert_eq(json_integer_value(json_object_get(r.json, "your_version")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(r.json, "current_status")),
			 "submitted");
	tu_resp_free(&r);
	/* the stale ETag: 412 */
	snprintf(hdr, sizeof hdr, "If-Match: %s", etag);
	req_full(R_REVIEWER, "POST", path, "{\"decision\":\"approve\"}", hdr, &r);
	cr_assert_eq(r.status, 412, "%ld %s", r.status, r.body);
	tu_resp_free(&r);
	cr_assert_eq(sub_state(f, status, sizeof status), 2);
	cr_assert_str_eq(status, "submitted");

	/* the ETag of what it says now: decided */
	snprintf(hdr, sizeof hdr, "/v1/submissions/%s", f);
	req_full(R_REVIEWER, "GET", hdr, NULL, NULL, &r);
	cr_assert_not_null(tu_resp_header(&r, "ETag", etag, sizeof etag));
	tu_resp_free(&r);
	snprintf(hdr, sizeof hdr, "If-Match: W/\"x\", %s", etag);
	req_full(R_REVIEWER, "POST", path, "{\"decision\":\"approve\"}", hdr, &r);
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	tu_resp_free(&r);
	cr_assert_eq(sub_state(f, status, sizeof status), 3);
	cr_assert_str_eq(status, "published");

	/* the ETag of GET /v1/cases/{id} names the version as well */
	fresh_submission(g, sizeof g);
	snprintf(hdr, sizeof hdr, "/v1/cases/%s", g);
	req_full(R_REVIEWER, "GET", hdr, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(tu_resp_header(&r, "ETag", etag, sizeof etag));
	tu_resp_free(&r);
	snprintf(path, sizeof path, "/v1/review/%s/decision", g);
	snprintf(hdr, sizeof hdr, "If-Match: %s", etag);
	req_full(R_REVIEWER, "POST", path, "{\"decision\":\"reject\",\"comment\":\"Nej.\"}", hdr,
		 &r);
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	tu_resp_free(&r);
	cr_assert_eq(sub_state(g, status, sizeof status), 2);
	cr_assert_str_eq(status, "rejected");
}

struct http_racer {
	pthread_barrier_t *go;
	int role;
	const char *path, *body;
	long status;
	char id[128];
};

static void *http_race(void *arg)
{
	struct http_racer *h = arg;
	struct tu_resp r;

	pthread_barrier_wait(h->go);
	req_full(h->role, "POST", h->path, h->body, NULL, &r);
	h->status = r.status;
	if (json_is_string(json_object_get(r.json, "id")))
		snprintf(h->id, sizeof h->id, "%s", json_string_value(json_object_get(r.json, "id")));
	tu_resp_free(&r);
	return NULL;
}

/* Issue 17, fault 2, over HTTP: an approve and a reject at once. */
Test(access, approve_and_reject_at_once_one_wins)
{
	enum { TRIALS = 12 };

	for (int t = 0; t < TRIALS; t++) {
		char f[64], path[160], status[32];
		pthread_barrier_t go;
		struct http_racer h[2];

		fresh_submission(f, sizeof f);
		snprintf(path, sizeof path, "/v1/review/%s/decision", f);
		h[0] = (struct http_racer){&go, R_REVIEWER, path,
					   "{\"decision\":\"approve\",\"version\":1}", 0, ""};
		h[1] = (struct http_racer){&go, R_ADMIN, path,
					   "{\"decision\":\"reject\",\"comment\":\"Nej.\",\"version\":1}",
					   0, ""};
		tu_race(2, http_race, h, sizeof *h, &go);
		cr_assert((h[0].status == 200) != (h[1].status == 200),
			  "trial %d: approve %ld, reject %ld", t, h[0].status, h[1].status);
		cr_assert_eq(h[0].status == 200 ? h[1].status : h[0].status, 409, "trial %d", t);
		cr_assert_eq(sub_state(f, status, sizeof status), 2, "trial %d", t);
		cr_assert_str_eq(status, h[0].status == 200 ? "published" : "rejected");
	}
}

/* Issue 17, fault 3: existence of an unpublished case shown by the answer
 * (or its time: the unpublished case was parsed first). Now an absent and
 * an unpublished case take one path: even a damaged stored document of an
 * unpublished case is never read for an anonymous caller. */
Test(access, unpublished_and_absent_cases_answer_alike)
{
	struct tu_resp a, b;
	char path[160], *err = NULL;
	sqlite3 *db = NULL;
	const char *da, *db_;

	for (int role = R_ANON; role <= R_CONTRIB; role++) {
		snprintf(path, sizeof path, "/v1/cases/%s", g_sub);
		req_full(role, "GET", path, NULL, NULL, &a);
		req_full(role, "GET", "/v1/cases/sub-000000000000", NULL, NULL, &b);
		cr_assert_eq(a.status, 404);
		cr_assert_eq(b.status, 404);
		cr_assert_str_eq(problem_type(&a), problem_type(&b));
		da = json_string_value(json_object_get(a.json, "detail"));
		db_ = json_string_value(json_object_get(b.json, "detail"));
		cr_assert_not_null(da);
		cr_assert_eq(strlen(da) - strlen(g_sub), strlen(db_) - strlen("sub-000000000000"),
			     "%s / %s", da, db_);
		tu_resp_free(&a);
		tu_resp_free(&b);
	}
	/* damage the unpublished case's stored document behind the server */
	snprintf(path, sizeof path, "%s/caselib.db", g_dir);
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	{
		char *sql = sqlite3_mprintf("UPDATE cases SET doc = '{' WHERE id = %Q", g_sub);
		cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &err), SQLITE_OK, "%s", err);
		sqlite3_free(sql);
	}
	sqlite3_close(db);
	snprintf(path, sizeof path, "/v1/cases/%s", g_sub);
	req_full(R_ANON, "GET", path, NULL, NULL, &a);
	cr_assert_eq(a.status, 404, "the unpublished case was read: %ld %s", a.status, a.body);
	tu_resp_free(&a);
}

/* Issue 17, fault 3: the same id at once gave one 500; a harvester's id
 * could be taken. Every submission now gets an id of its own: all 201. */
Test(access, same_proposed_id_at_once_all_created)
{
	enum { N = 6 };
	static const char body[] =
		"{\"id\":\"ted-2024-00137599\",\"kind\":\"case\",\"title\":\"Samma id\","
		"\"sources\":[{\"url\":\"https://example.org/a\","
		"\"retrieved_at\":\"2026-01-01T10:00:00Z\"}]}";
	pthread_barrier_t go;
	struct http_racer h[N];

	for (int i = 0; i < N; i++)
		h[i] = (struct http_racer){&go, R_CONTRIB, "/v1/submissions", body, 0, ""};
	tu_race(N, http_race, h, sizeof *h, &go);
	for (int i = 0; i < N; i++) {
		cr_assert_eq(h[i].status, 201, "submitter %d: %ld", i, h[i].status);
		cr_assert(!strncmp(h[i].id, "sub-ted-2024-00137599-", 22), "%s", h[i].id);
		for (int k = 0; k < i; k++)
			cr_assert_str_neq(h[i].id, h[k].id);
	}
	cr_assert_eq(req(R_REVIEWER, "GET", "/v1/cases/ted-2024-00137599", NULL, NULL), 404,
		     "the harvester's id was taken");
}

/* Issue 17, item 8: a file: source URL in a submission. */
Test(access, file_source_url_is_a_validation_error)
{
	static const char body[] =
		"{\"kind\":\"case\",\"title\":\"Lokal fil\",\"sources\":[{\"url\":"
		"\"file:///etc/passwd\",\"retrieved_at\":\"2026-01-01T10:00:00Z\"}]}";
	struct tu_resp r;
	char *q = NULL;
	long before, after;
	json_t *j;

	cr_assert_eq(req(R_REVIEWER, "GET", "/v1/review/queue", NULL, &q), 200);
	j = json_loads(q, 0, NULL);
	before = (long)json_integer_value(json_object_get(j, "total"));
	json_decref(j);
	free(q);
	req_full(R_CONTRIB, "POST", "/v1/submissions", body, NULL, &r);
	cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
	cr_assert_str_eq(problem_type(&r), "validation");
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(r.json, "errors"), 0), "path")),
			 "$.sources[0].url", "%s", r.body);
	tu_resp_free(&r);
	cr_assert_eq(req(R_REVIEWER, "GET", "/v1/review/queue", NULL, &q), 200);
	j = json_loads(q, 0, NULL);
	after = (long)json_integer_value(json_object_get(j, "total"));
	json_decref(j);
	free(q);
	cr_assert_eq(after, before, "a refused submission was stored");
}
