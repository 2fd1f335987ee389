/* test_auth.c — API bearer tokens: create, verify, revoke, list; malformed
 * Authorization headers; only the hash is stored (the tokens and audit
 * tables are scanned for the token text); the `caselib token` command. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "cli.h"
#include "cli_token.h"
#include "fetch.h"
#include "sha256.h"
#include "store.h"
#include "testutil.h"

static char *dir;
static struct store *st;

static void setup(void)
{
	st = tu_store_new(&dir);
}

static void teardown(void)
{
	tu_store_drop(&st, &dir);
}

TestSuite(auth, .init = setup, .fini = teardown);

static long sql_long(const char *sql)
{
	return tu_sql_long(store_db(st), sql);
}

static void make(enum auth_role role, const char *name, char tok[AUTH_TOKEN_LEN + 1],
		 char id[40])
{
	struct cl_errbuf eb = {0};

	cr_assert_eq(auth_token_create(st, role, name, tok, id, &eb), CL_OK, "%s", eb.msg);
}

static int verify(const char *tok, struct auth_principal *p)
{
	char hdr[128];
	struct cl_errbuf eb = {0};

	snprintf(hdr, sizeof hdr, "Bearer %s", tok);
	return auth_verify(st, hdr, p, &eb);
}

Test(auth, role_names)
{
	cr_assert_str_eq(auth_role_name(ROLE_ANONYMOUS), "anonymous");
	for (int r = ROLE_CONTRIBUTOR; r <= ROLE_ADMIN; r++)
		cr_assert_eq(auth_role_from_name(auth_role_name((enum auth_role)r)), r);
	cr_assert_eq(auth_role_from_name("anonymous"), -1, "anonymous is not a token role");
	cr_assert_eq(auth_role_from_name("Admin"), -1);
	cr_assert_eq(auth_role_from_name(NULL), -1);
}

Test(auth, create_verify_revoke)
{
	char tok[AUTH_TOKEN_LEN + 1], tok2[AUTH_TOKEN_LEN + 1], id[40], id2[40];
	struct auth_principal p;
	struct cl_errbuf eb = {0};
	char hdr[128];

	make(ROLE_REVIEWER, "Konkurrensverket granskare 1", tok, id);
	cr_assert_eq(strlen(tok), AUTH_TOKEN_LEN);
	cr_assert(!strncmp(tok, "cl_", 3));
	cr_assert_eq(strspn(tok + 3, "0123456789abcdef"), 64, "%s", tok);
	cr_assert_eq(strlen(id), 12);
	cr_assert(!strncmp(id, "tok-", 4));
	cr_assert_eq(strspn(id + 4, "0123456789abcdef"), 8, "%s", id);

	cr_assert_eq(verify(tok, &p), CL_OK);
	cr_assert_eq(p.role, ROLE_REVIEWER);
	cr_assert_str_eq(p.token_id, id);
	cr_assert_str_eq(p.name, "Konkurrensverket granskare 1");
	/* The scheme is case-insensitive; several spaces are fine. */
	snprintf(hdr, sizeof hdr, "bearer   %s", tok);
	cr_assert_eq(auth_verify(st, hdr, &p, &eb), CL_OK, "%s", eb.msg);

	make(ROLE_CONTRIBUTOR, "Lunds kommun", tok2, id2);
	cr_assert_str_neq(tok, tok2);
	cr_assert_str_neq(id, id2);
	cr_assert_eq(verify(tok2, &p), CL_OK);
	cr_assert_eq(p.role, ROLE_CONTRIBUTOR);

	cr_assert_eq(auth_token_revoke(st, id, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(verify(tok, &p), CL_EDENIED);
	cr_assert_eq(p.role, ROLE_ANONYMOUS);
	cr_assert_str_eq(p.token_id, "");
	cr_assert_eq(auth_token_revoke(st, id, &eb), CL_OK, "revoking twice is a no-op");
	cr_assert_eq(auth_token_revoke(st, "tok-00000000", &eb), CL_ENOTFOUND);
	/* The other token still works. */
	cr_assert_eq(verify(tok2, &p), CL_OK);
	cr_assert_eq(sql_long("SELECT count(*) FROM audit WHERE action = 'token.revoke'"), 1);
	cr_assert_eq(sql_long("SELECT count(*) FROM audit WHERE action = 'token.create'"), 2);
}

Test(auth, anonymous_without_header)
{
	struct auth_principal p;
	struct cl_errbuf eb = {0};

	memset(&p, 0x55, sizeof p);
	cr_assert_eq(auth_verify(st, NULL, &p, &eb), CL_OK);
	cr_assert_eq(p.role, ROLE_ANONYMOUS);
	cr_assert_str_eq(p.token_id, "");
	cr_assert_eq(auth_verify(st, "", &p, &eb), CL_OK);
	cr_assert_eq(p.role, ROLE_ANONYMOUS);
}

Test(auth, malformed_headers_are_invalid)
{
	char tok[AUTH_TOKEN_LEN + 1], id[40], buf[8][160];
	struct auth_principal p;
	const char *bad[16];
	size_t n = 0;

	make(ROLE_ADMIN, "ops", tok, id);
	bad[n++] = "Bearer";
	bad[n++] = "Bearer ";
	bad[n++] = "Basic x";
	bad[n++] = "Basic dXNlcjpwYXNz";
	bad[n++] = "Bearer cl_abc";
	bad[n++] = tok; /* no scheme */
	snprintf(buf[0], sizeof buf[0], "Bearer %s0", tok); /* too long */
	bad[n++] = buf[0];
	snprintf(buf[1], sizeof buf[1], "Bearer %.*s", AUTH_TOKEN_LEN - 1, tok); /* too short */
	bad[n++] = buf[1];
	snprintf(buf[2], sizeof buf[2], "Bearer xx_%s", tok + 3); /* wrong prefix */
	bad[n++] = buf[2];
	snprintf(buf[3], sizeof buf[3], "Bearer %s", tok);
	buf[3][7 + 10] = 'g'; /* non-hex */
	bad[n++] = buf[3];
	snprintf(buf[4], sizeof buf[4], "Bearer %s", tok);
	for (char *c = buf[4] + 10; *c; c++) /* upper-case hex */
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	bad[n++] = buf[4];
	snprintf(buf[5], sizeof buf[5], "Bearer %s ", tok); /* trailing space */
	bad[n++] = buf[5];
	snprintf(buf[6], sizeof buf[6], "Bearer\t%s", tok);
	bad[n++] = buf[6];
	snprintf(buf[7], sizeof buf[7], "BearerX %s", tok);
	bad[n++] = buf[7];

	for (size_t i = 0; i < n; i++) {
		struct cl_errbuf eb = {0};
		memset(&p, 0x55, sizeof p);
		cr_expect_eq(auth_verify(st, bad[i], &p, &eb), CL_EINVAL, "header #%zu accepted", i);
		cr_expect_eq(p.role, ROLE_ANONYMOUS, "header #%zu", i);
		cr_expect_str_eq(p.token_id, "");
		cr_expect(eb.msg[0], "header #%zu: no reason", i);
		cr_expect_null(strstr(eb.msg, tok + 3), "the error message shows the token");
	}
}

Test(auth, unknown_token_is_denied)
{
	char tok[AUTH_TOKEN_LEN + 1], id[40], other[AUTH_TOKEN_LEN + 1];
	struct auth_principal p;

	make(ROLE_CONTRIBUTOR, "someone", tok, id);
	memcpy(other, tok, sizeof other);
	other[AUTH_TOKEN_LEN - 1] = other[AUTH_TOKEN_LEN - 1] == '0' ? '1' : '0';
	cr_assert_eq(verify(other, &p), CL_EDENIED);
	cr_assert_eq(p.role, ROLE_ANONYMOUS);
	cr_assert_eq(verify("cl_0000000000000000000000000000000000000000000000000000000000000000",
			    &p), CL_EDENIED);
}

/* Every column of every row of table, as text (blobs hex-encoded too). */
static void assert_table_lacks(const char *table, const char *needle)
{
	char sql[128];
	sqlite3_stmt *q = NULL;
	long rows = 0;

	snprintf(sql, sizeof sql, "SELECT * FROM %s", table);
	cr_assert_eq(sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW) {
		rows++;
		for (int i = 0; i < sqlite3_column_count(q); i++) {
			const unsigned char *b = sqlite3_column_blob(q, i);
			int nb = sqlite3_column_bytes(q, i);
			char hex[2 * 512 + 1] = "";
			cr_assert(!b || nb < 512);
			for (int k = 0; b && k < nb; k++)
				snprintf(hex + 2 * k, 3, "%02x", b[k]);
			cr_assert(!b || !memmem(b, (size_t)nb, needle, strlen(needle)),
				  "%s.%s holds the token", table, sqlite3_column_name(q, i));
			cr_assert_null(strstr(hex, needle + 3), "%s.%s holds the token (hex)", table,
				       sqlite3_column_name(q, i));
		}
	}
	sqlite3_finalize(q);
	cr_assert_gt(rows, 0, "%s is empty", table);
}

Test(auth, only_the_hash_is_stored)
{
	char tok[AUTH_TOKEN_LEN + 1], id[40], hex[65], stored[65];
	struct auth_principal p;
	struct cl_errbuf eb = {0};
	sqlite3_stmt *q = NULL;
	const unsigned char *h;

	make(ROLE_REVIEWER, "r", tok, id);
	cr_assert_eq(verify(tok, &p), CL_OK);
	cr_assert_eq(auth_token_revoke(st, id, &eb), CL_OK);
	assert_table_lacks("tokens", tok);
	assert_table_lacks("audit", tok);

	/* The hash column is SHA-256 of the token text, 32 bytes. */
	sha256_hex(tok, strlen(tok), hex);
	cr_assert_eq(sqlite3_prepare_v2(store_db(st), "SELECT hash FROM tokens WHERE id = ?1", -1,
				       &q, NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	cr_assert_eq(sqlite3_column_bytes(q, 0), 32);
	h = sqlite3_column_blob(q, 0);
	for (int i = 0; i < 32; i++)
		snprintf(stored + 2 * i, 3, "%02x", h[i]);
	sqlite3_finalize(q);
	cr_assert_str_eq(stored, hex);
	/* Audit names the id. */
	cr_assert_eq(sql_long("SELECT count(*) FROM audit WHERE action LIKE 'token.%'"
			      " AND object LIKE 'tok-%'"), 2);
}

Test(auth, bad_create_arguments_store_nothing)
{
	char tok[AUTH_TOKEN_LEN + 1], id[40], longname[200];
	struct cl_errbuf eb = {0};
	long before = sql_long("SELECT count(*) FROM tokens");
	long audit = sql_long("SELECT count(*) FROM audit");

	memset(longname, 'a', 128);
	longname[128] = '\0';
	cr_assert_eq(auth_token_create(st, ROLE_ANONYMOUS, "x", tok, id, &eb), CL_EINVAL);
	cr_assert_eq(auth_token_create(st, (enum auth_role)9, "x", tok, id, &eb), CL_EINVAL);
	cr_assert_eq(auth_token_create(st, ROLE_ADMIN, "", tok, id, &eb), CL_EINVAL);
	cr_assert_eq(auth_token_create(st, ROLE_ADMIN, NULL, tok, id, &eb), CL_EINVAL);
	cr_assert_eq(auth_token_create(st, ROLE_ADMIN, "a\nb", tok, id, &eb), CL_EINVAL);
	cr_assert_eq(auth_token_create(st, ROLE_ADMIN, longname, tok, id, &eb), CL_EINVAL);
	cr_assert_str_eq(tok, "");
	cr_assert_eq(sql_long("SELECT count(*) FROM tokens"), before);
	cr_assert_eq(sql_long("SELECT count(*) FROM audit"), audit);
	longname[127] = '\0';
	make(ROLE_ADMIN, longname, tok, id);
}

struct listed {
	int n, revoked;
	char ids[4][40];
};

static int list_cb(const struct auth_token_info *t, void *ud)
{
	struct listed *l = ud;

	cr_assert_lt(l->n, 4);
	snprintf(l->ids[l->n++], 40, "%s", t->id);
	cr_assert_not_null(t->created_at);
	cr_assert_not_null(t->role);
	if (t->revoked_at)
		l->revoked++;
	return 0;
}

Test(auth, list_tokens)
{
	char tok[AUTH_TOKEN_LEN + 1], a[40], b[40];
	struct cl_errbuf eb = {0};
	struct listed l = {0};

	make(ROLE_CONTRIBUTOR, "one", tok, a);
	make(ROLE_ADMIN, "two", tok, b);
	cr_assert_eq(auth_token_revoke(st, a, &eb), CL_OK);
	cr_assert_eq(auth_token_list(st, list_cb, &l, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(l.n, 2);
	cr_assert_eq(l.revoked, 1);
	cr_assert(!strcmp(l.ids[0], a) || !strcmp(l.ids[1], a));
	cr_assert(!strcmp(l.ids[0], b) || !strcmp(l.ids[1], b));
}

/* Field i (0-based, tab-separated) of the first line of a `token list`
 * output; "" when absent. The result lives until the next call. */
static const char *field(const char *out, int i)
{
	static char buf[256];
	const char *p = out;
	size_t n;

	for (int k = 0; k < i && p; k++) {
		p = strpbrk(p, "\t\n");
		p = p && *p == '\t' ? p + 1 : NULL;
	}
	if (!p)
		return "";
	n = strcspn(p, "\t\n");
	snprintf(buf, sizeof buf, "%.*s", (int)n, p);
	return buf;
}

/* Runs cli_cmd_token with stdout into a file; returns the exit code and
 * the output (caller frees). */
static int run_token_cmd(int argc, char **argv, char **outp)
{
	struct cli_ctx ctx = {dir, "caselib"};
	char *path = NULL;
	int saved, rc;

	cr_assert_neq(asprintf(&path, "%s/out.txt", dir), -1);
	fflush(stdout);
	saved = dup(1);
	cr_assert(freopen(path, "w", stdout));
	freopen("/dev/null", "w", stderr);
	rc = cli_cmd_token(&ctx, argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	*outp = tu_read_file(path, NULL);
	free(path);
	cr_assert_not_null(*outp);
	return rc;
}

Test(auth, token_command)
{
	char *create[] = {"token", "create", "--role", "reviewer", "--name", "KKV granskare", NULL};
	char *list[] = {"token", "list", NULL};
	char *badrole[] = {"token", "create", "--role", "root", "--name", "x", NULL};
	char *noname[] = {"token", "create", "--role", "admin", NULL};
	char *nosub[] = {"token", "frobnicate", NULL};
	char *revoke_unknown[] = {"token", "revoke", "tok-ffffffff", NULL};
	char *out = NULL, tok[AUTH_TOKEN_LEN + 1] = "", id[40] = "", *p;
	struct auth_principal pr;

	cr_assert_eq(run_token_cmd(6, create, &out), CLI_EXIT_OK);
	p = strstr(out, "token: ");
	cr_assert_not_null(p, "%s", out);
	snprintf(tok, sizeof tok, "%.*s", AUTH_TOKEN_LEN, p + 7);
	p = strstr(out, "id: ");
	cr_assert_not_null(p, "%s", out);
	snprintf(id, sizeof id, "%.12s", p + 4);
	free(out);
	cr_assert_eq(verify(tok, &pr), CL_OK);
	cr_assert_eq(pr.role, ROLE_REVIEWER);
	cr_assert_str_eq(pr.token_id, id);

	cr_assert_eq(run_token_cmd(2, list, &out), CLI_EXIT_OK);
	cr_assert_not_null(strstr(out, id), "%s", out);
	cr_assert_not_null(strstr(out, "\treviewer\t"), "%s", out);
	cr_assert_not_null(strstr(out, "KKV granskare"));
	cr_assert_null(strstr(out, tok + 3), "list shows the token");
	cr_assert_str_eq(field(out, 3), "-", "not revoked: %s", out);
	cr_assert_str_eq(field(out, 4), "-", "no expiry: %s", out);
	cr_assert_neq(strcmp(field(out, 5), "-"), 0, "last use not shown after a use: %s", out);
	cr_assert_str_eq(field(out, 6), "KKV granskare", "the name is the person: %s", out);
	free(out);

	{
		char *revoke[] = {"token", "revoke", id, NULL};
		cr_assert_eq(run_token_cmd(3, revoke, &out), CLI_EXIT_OK);
		free(out);
	}
	cr_assert_eq(verify(tok, &pr), CL_EDENIED);
	cr_assert_eq(run_token_cmd(2, list, &out), CLI_EXIT_OK);
	cr_assert_eq(strlen(field(out, 3)), 20, "revoked: %s", out);
	free(out);

	cr_assert_eq(run_token_cmd(6, badrole, &out), CLI_EXIT_USAGE);
	free(out);
	cr_assert_eq(run_token_cmd(4, noname, &out), CLI_EXIT_USAGE);
	free(out);
	cr_assert_eq(run_token_cmd(2, nosub, &out), CLI_EXIT_USAGE);
	free(out);
	cr_assert_eq(run_token_cmd(3, revoke_unknown, &out), CLI_EXIT_NOTFOUND);
	free(out);
	cr_assert_eq(sql_long("SELECT count(*) FROM tokens"), 1);
}

/* ---- issue 17: persons, expiry, last use, the schema-4 migration ---------- */

static char *sql_text(const char *sql)
{
	sqlite3_stmt *q = NULL;
	char *v = NULL;

	cr_assert_eq(sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL), SQLITE_OK, "%s", sql);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
		v = strdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return v;
}

static void sql_run(const char *sql)
{
	char *err = NULL;

	cr_assert_eq(sqlite3_exec(store_db(st), sql, NULL, NULL, &err), SQLITE_OK, "%s: %s", sql,
		     err);
}

Test(auth, expiry_formats)
{
	/* now = 2026-01-01T00:00:00Z */
	static const long long now = 1767225600LL;
	static const struct {
		const char *in, *want;
	} ok[] = {
		{"2026-06-30", "2026-07-01T00:00:00Z"}, /* valid through that day */
		{"2026-01-01T12:00:00Z", "2026-01-01T12:00:00Z"},
		{"30m", "2026-01-01T00:30:00Z"},
		{"12h", "2026-01-01T12:00:00Z"},
		{"90d", "2026-04-01T00:00:00Z"},
		{"8w", "2026-02-26T00:00:00Z"},
		{"3650d", "2035-12-30T00:00:00Z"},
		{"2028-02-29", "2028-03-01T00:00:00Z"},
	};
	static const char *const bad[] = {
		"", "tomorrow", "2026-02-30", "2027-02-29", "2025-12-31", "2026-01-01T00:00:00Z",
		"2026-01-01T12:00:00", "2026-1-5", "0d", "3651d", "10y", "-5d", "5", "d",
		"2026-13-01", "2026-01-01T24:00:00Z", "2040-01-01", " 90d", "90d ", "9999999d",
	};
	char out[32];
	struct cl_errbuf eb = {0};

	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		cr_assert_eq(auth_parse_expiry(ok[i].in, now, out, &eb), CL_OK, "%s: %s", ok[i].in,
			     eb.msg);
		cr_assert_str_eq(out, ok[i].want, "%s", ok[i].in);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		eb.msg[0] = '\0';
		cr_assert_eq(auth_parse_expiry(bad[i], now, out, &eb), CL_EINVAL, "'%s' accepted",
			     bad[i]);
		cr_assert(eb.msg[0], "'%s': no reason", bad[i]);
		cr_assert_str_eq(out, "");
	}
	cr_assert_eq(auth_parse_expiry(NULL, now, out, &eb), CL_EINVAL);
}

Test(auth, person_expiry_and_last_use)
{
	struct auth_token_spec spec = {ROLE_REVIEWER, "Granskare 7", "Anna Åberg", NULL};
	char tok[AUTH_TOKEN_LEN + 1], id[40], until[32], sql[256], *v, *w;
	struct auth_principal p;
	struct cl_errbuf eb = {0};

	cr_assert_eq(auth_parse_expiry("90d", (long long)time(NULL), until, &eb), CL_OK);
	spec.expires_at = until;
	cr_assert_eq(auth_token_issue(st, &spec, tok, id, &eb), CL_OK, "%s", eb.msg);
	snprintf(sql, sizeof sql, "SELECT last_used_at FROM tokens WHERE id = '%s'", id);
	cr_assert_null(sql_text(sql), "used before any use");
	cr_assert_eq(verify(tok, &p), CL_OK);
	cr_assert_str_eq(p.person, "Anna Åberg");
	cr_assert_str_eq(p.name, "Granskare 7");
	v = sql_text(sql);
	cr_assert_not_null(v, "the use was not recorded");
	cr_assert_eq(strlen(v), 20, "%s", v);
	/* a second use within the minute writes nothing */
	snprintf(sql, sizeof sql, "UPDATE tokens SET last_used_at = '%s' WHERE id = '%s'",
		 "2099-01-01T00:00:00Z", id);
	sql_run(sql);
	cr_assert_eq(verify(tok, &p), CL_OK);
	snprintf(sql, sizeof sql, "SELECT last_used_at FROM tokens WHERE id = '%s'", id);
	w = sql_text(sql);
	cr_assert_str_eq(w, "2099-01-01T00:00:00Z", "rewritten within the minute");
	free(w);
	/* a use long after the last one is recorded */
	snprintf(sql, sizeof sql, "UPDATE tokens SET last_used_at = '2020-01-01T00:00:00Z'"
				  " WHERE id = '%s'", id);
	sql_run(sql);
	cr_assert_eq(verify(tok, &p), CL_OK);
	snprintf(sql, sizeof sql, "SELECT last_used_at FROM tokens WHERE id = '%s'", id);
	w = sql_text(sql);
	cr_assert_str_gt(w, "2020-01-01T00:00:00Z");
	free(w);
	free(v);
	snprintf(sql, sizeof sql, "SELECT expires_at FROM tokens WHERE id = '%s'", id);
	v = sql_text(sql);
	cr_assert_str_eq(v, until);
	free(v);
	/* expired: refused, with the reason */
	snprintf(sql, sizeof sql, "UPDATE tokens SET expires_at = '2021-05-01T00:00:00Z'"
				  " WHERE id = '%s'", id);
	sql_run(sql);
	{
		char hdr[128];
		snprintf(hdr, sizeof hdr, "Bearer %s", tok);
		cr_assert_eq(auth_verify(st, hdr, &p, &eb), CL_EDENIED);
		cr_assert_not_null(strstr(eb.msg, "expired"), "%s", eb.msg);
		cr_assert_null(strstr(eb.msg, tok + 3), "the message repeats the token");
		cr_assert_eq(p.role, ROLE_ANONYMOUS);
	}
}

Test(auth, bad_token_specs_store_nothing)
{
	char tok[AUTH_TOKEN_LEN + 1], id[40];
	struct cl_errbuf eb = {0};
	static const struct auth_token_spec bad[] = {
		{ROLE_REVIEWER, "x", "Anna\nÅberg", NULL},
		{ROLE_REVIEWER, "x", " Anna", NULL},
		{ROLE_REVIEWER, "x", "Anna ", NULL},
		{ROLE_REVIEWER, "x", NULL, "tomorrow"},
		{ROLE_REVIEWER, "x", NULL, "2020-01-01T00:00:00Z"},
		{ROLE_REVIEWER, "x", NULL, "2030-02-30T00:00:00Z"},
		{ROLE_ANONYMOUS, "x", "Anna", NULL},
	};
	long tokens = sql_long("SELECT count(*) FROM tokens");
	long audit = sql_long("SELECT count(*) FROM audit");

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		eb.msg[0] = '\0';
		cr_assert_eq(auth_token_issue(st, &bad[i], tok, id, &eb), CL_EINVAL, "spec %zu", i);
		cr_assert(eb.msg[0], "spec %zu: no reason", i);
		cr_assert_str_eq(tok, "");
	}
	cr_assert_eq(auth_token_issue(st, NULL, tok, id, &eb), CL_EINVAL);
	cr_assert_eq(sql_long("SELECT count(*) FROM tokens"), tokens);
	cr_assert_eq(sql_long("SELECT count(*) FROM audit"), audit);
}

Test(auth, token_command_person_and_expiry)
{
	char *create[] = {"token", "create", "--role", "contributor", "--name", "Växjö 1",
			  "--person", "Anna Åberg", "--expires", "90d", NULL};
	char *badexp[] = {"token", "create", "--role", "contributor", "--name", "x",
			  "--expires", "next week", NULL};
	char *emptyperson[] = {"token", "create", "--role", "contributor", "--name", "x",
			       "--person", "", NULL};
	char *list[] = {"token", "list", NULL};
	char *out = NULL, *p, want[32];
	struct cl_errbuf eb = {0};

	cr_assert_eq(run_token_cmd(10, create, &out), CLI_EXIT_OK);
	cr_assert_not_null(strstr(out, "person: Anna Åberg\n"), "%s", out);
	p = strstr(out, "expires: ");
	cr_assert_not_null(p, "%s", out);
	cr_assert_eq(strcspn(p + 9, "\n"), 20, "%s", out);
	/* 90 days from about now (the same day or the next, near midnight) */
	cr_assert_eq(auth_parse_expiry("90d", (long long)time(NULL), want, &eb), CL_OK);
	cr_assert_eq(strncmp(p + 9, want, 8), 0, "%s vs %s", p + 9, want);
	free(out);
	cr_assert_eq(run_token_cmd(2, list, &out), CLI_EXIT_OK);
	cr_assert_eq(strlen(field(out, 4)), 20, "expiry not listed: %s", out);
	cr_assert_str_eq(field(out, 5), "-", "never used: %s", out);
	cr_assert_str_eq(field(out, 6), "Anna Åberg", "%s", out);
	cr_assert_str_eq(field(out, 7), "Växjö 1", "%s", out);
	free(out);

	cr_assert_eq(run_token_cmd(8, badexp, &out), CLI_EXIT_USAGE);
	free(out);
	cr_assert_eq(run_token_cmd(8, emptyperson, &out), CLI_EXIT_USAGE);
	free(out);
	cr_assert_eq(sql_long("SELECT count(*) FROM tokens"), 1, "a refused create stored a token");
}

/* A store of schema 3 (tokens without person, expiry, last use) upgrades
 * on open: every token kept, its hash unchanged, its name as its person;
 * a revoked token stays revoked. */
Test(auth, old_store_upgrades_without_loss)
{
	char t1[AUTH_TOKEN_LEN + 1], t2[AUTH_TOKEN_LEN + 1], a[40], b[40];
	char *before, *after;
	struct auth_principal p;
	struct cl_errbuf eb = {0};
	long audit;

	make(ROLE_CONTRIBUTOR, "Region Kalmar", t1, a);
	make(ROLE_REVIEWER, "KKV granskare", t2, b);
	cr_assert_eq(auth_token_revoke(st, b, &eb), CL_OK);
	sql_run("DROP TABLE stats_words; DROP TABLE ocds_releases; DROP INDEX tokens_person; ALTER TABLE tokens DROP COLUMN person;"
		" ALTER TABLE tokens DROP COLUMN expires_at;"
		" ALTER TABLE tokens DROP COLUMN last_used_at; PRAGMA user_version = 3");
	before = sql_text("SELECT group_concat(id || name || role || hex(hash) || created_at ||"
			  " coalesce(revoked_at, '-'), '|') FROM (SELECT * FROM tokens ORDER BY id)");
	audit = sql_long("SELECT count(*) FROM audit");
	store_close(st);
	st = NULL;
	cr_assert_eq(store_open(dir, 0, &st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(sql_long("PRAGMA user_version"), STORE_SCHEMA_VERSION);
	cr_assert_eq(STORE_SCHEMA_VERSION, 6);
	after = sql_text("SELECT group_concat(id || name || role || hex(hash) || created_at ||"
			 " coalesce(revoked_at, '-'), '|') FROM (SELECT * FROM tokens ORDER BY id)");
	cr_assert_str_eq(after, before, "a token changed in the migration");
	cr_assert_eq(sql_long("SELECT count(*) FROM tokens WHERE person = name"), 2);
	cr_assert_eq(sql_long("SELECT count(*) FROM tokens WHERE expires_at IS NOT NULL"
			      " OR last_used_at IS NOT NULL"), 0);
	cr_assert_eq(sql_long("SELECT count(*) FROM audit"), audit);
	cr_assert_eq(verify(t1, &p), CL_OK);
	cr_assert_str_eq(p.person, "Region Kalmar");
	cr_assert_eq(verify(t2, &p), CL_EDENIED, "a revoked token came back");
	free(before);
	free(after);
}
