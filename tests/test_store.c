/* test_store.c — the SQLite case store: open/migrate, versions, change log,
 * transactions, consistency check, concurrent writers and online backup. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store.h"
#include "testutil.h"

/* ---- helpers ---------------------------------------------------------- */

/* Fills c from a small valid JSON record. */
static int make_case_rc(struct case_record *c, const char *id, const char *title,
			const char *status, int nsources)
{
	char json[2048];
	char srcs[1024] = "";
	struct case_problems probs;
	int rc, i, off = 0;

	for (i = 0; i < nsources; i++)
		off += snprintf(srcs + off, sizeof srcs - (size_t)off,
				"%s{\"url\":\"https://example.org/%s/%d\","
				"\"retrieved_at\":\"2026-01-0%dT10:00:00Z\","
				"\"sha256\":\"%064d\",\"format\":\"case-json\"}",
				i ? "," : "", id, i, i + 1, i);
	snprintf(json, sizeof json,
		 "{\"id\":\"%s\",\"kind\":\"case\",\"title\":\"%s\",%s%s%s"
		 "\"sources\":[%s]}",
		 id, title, status ? "\"status\":\"" : "", status ? status : "",
		 status ? "\"," : "", srcs);
	case_problems_init(&probs);
	case_init(c);
	rc = case_parse(json, strlen(json), 0, c, &probs);
	if (rc && probs.n)
		fprintf(stderr, "make_case %s: %s: %s\n", id, probs.v[0].path, probs.v[0].reason);
	case_problems_release(&probs);
	return rc;
}

static void make_case(struct case_record *c, const char *id, const char *title,
		      const char *status)
{
	cr_assert_eq(make_case_rc(c, id, title, status, 1), CL_OK, "case %s does not parse", id);
}

/* Puts a fresh record; asserts success. */
static struct store_put_result put(struct store *s, const char *id, const char *title,
				   const char *status)
{
	struct case_record c;
	struct store_put_result r;
	struct cl_errbuf eb = {0};

	make_case(&c, id, title, status);
	cr_assert_eq(store_put_case(s, &c, "test", &r, &eb), CL_OK, "put %s: %s", id, eb.msg);
	case_release(&c);
	return r;
}

static long long sql_int(struct store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v;

	cr_assert_eq(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL), SQLITE_OK, "%s: %s",
		     sql, sqlite3_errmsg(store_db(s)));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s", sql);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void sql_exec(struct store *s, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(store_db(s), sql, NULL, NULL, &err);

	cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, err ? err : "");
	sqlite3_free(err);
}

static struct store_counts counts(struct store *s)
{
	struct store_counts n;
	struct cl_errbuf eb = {0};

	cr_assert_eq(store_counts(s, &n, &eb), CL_OK, "counts: %s", eb.msg);
	return n;
}

static int64_t last_seq(struct store *s)
{
	int64_t seq = -1;
	struct cl_errbuf eb = {0};

	cr_assert_eq(store_last_seq(s, &seq, &eb), CL_OK, "last_seq: %s", eb.msg);
	return seq;
}

/* Collects report lines of store_check into one string. */
struct lines {
	char buf[8192];
	int n;
};

static void collect(const char *line, void *ud)
{
	struct lines *l = ud;
	size_t len = strlen(l->buf);

	snprintf(l->buf + len, sizeof l->buf - len, "%s\n", line);
	l->n++;
}

static int check(struct store *s, struct lines *l)
{
	struct cl_errbuf eb = {0};

	memset(l, 0, sizeof *l);
	return store_check(s, collect, l, &eb);
}

/* ---- open, create, schema --------------------------------------------- */

Test(store, open_create_reopen)
{
	char *base = tu_tmpdir(), *dir = NULL, *db = NULL;
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	struct stat sb;
	char mode[16];
	sqlite3_stmt *st = NULL;

	cr_assert(asprintf(&dir, "%s/a/b", base) > 0);
	cr_assert(asprintf(&db, "%s/%s", dir, STORE_DB_NAME) > 0);

	cr_assert_eq(store_open(dir, 0, &s, &eb), CL_ENOTFOUND);
	cr_assert_null(s);
	cr_assert(strstr(eb.msg, "does not exist"), "%s", eb.msg);
	cr_assert_neq(stat(dir, &sb), 0, "open without STORE_CREATE made the directory");

	cr_assert_eq(store_open(dir, STORE_CREATE, &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(stat(dir, &sb), 0);
	cr_assert(S_ISDIR(sb.st_mode));
	cr_assert_eq(sb.st_mode & 0027, 0, "directory mode %o is wider than 0750",
		     sb.st_mode & 0777);
	cr_assert_eq(stat(db, &sb), 0);
	cr_assert_eq(sb.st_mode & 0037, 0, "database mode %o is wider than 0640",
		     sb.st_mode & 0777);

	cr_assert_eq(sql_int(s, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	cr_assert_eq(sql_int(s, "PRAGMA foreign_keys"), 1);
	cr_assert_eq(sql_int(s, "PRAGMA synchronous"), 2, "synchronous is not FULL");
	cr_assert_eq(sqlite3_prepare_v2(store_db(s), "PRAGMA journal_mode", -1, &st, NULL),
		     SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	snprintf(mode, sizeof mode, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	cr_assert_str_eq(mode, "wal");
	put(s, "keep-me", "Kept across reopen", NULL);
	store_close(s);
	s = NULL;

	/* Reopen, read-write and read-only: the data and schema are there. */
	cr_assert_eq(store_open(dir, 0, &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(counts(s).cases, 1);
	cr_assert_eq(sql_int(s, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	store_close(s);
	s = NULL;

	cr_assert_eq(store_open(dir, STORE_READONLY, &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(counts(s).cases, 1);
	{
		struct case_record c;
		struct store_put_result r;
		make_case(&c, "ro-write", "Refused", NULL);
		cr_assert_neq(store_put_case(s, &c, "test", &r, &eb), CL_OK,
			      "a read-only handle wrote");
		case_release(&c);
	}
	store_close(s);

	store_close(NULL); /* no-op */
	tu_rmtree(base);
	free(base);
	free(dir);
	free(db);
}

Test(store, future_schema_is_refused)
{
	char *dir = NULL;
	struct store *s = tu_store_new(&dir);
	struct cl_errbuf eb = {0};
	char want[128];

	sql_exec(s, "PRAGMA user_version = 99");
	store_close(s);
	s = NULL;
	cr_assert_eq(store_open(dir, 0, &s, &eb), CL_ESCHEMA, "%s", eb.msg);
	cr_assert_null(s);
	snprintf(want, sizeof want,
		 "database schema version 99 is newer than this program (%d)",
		 STORE_SCHEMA_VERSION);
	cr_assert(strstr(eb.msg, want), "%s", eb.msg);
	cr_assert_eq(store_open(dir, STORE_READONLY, &s, &eb), CL_ESCHEMA, "%s", eb.msg);
	tu_rmtree(dir);
	free(dir);
}

Test(store, not_a_database)
{
	static const char junk[] = "this is a text file, not a SQLite database at all.\n";
	char *dir = tu_tmpdir(), *db = NULL;
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	char buf[8192];
	size_t i;

	for (i = 0; i + sizeof junk < sizeof buf; i += sizeof junk - 1)
		memcpy(buf + i, junk, sizeof junk - 1);
	cr_assert(asprintf(&db, "%s/%s", dir, STORE_DB_NAME) > 0);
	tu_write_file(db, buf, i);

	cr_assert_eq(store_open(dir, 0, &s, &eb), CL_EDB, "%s", eb.msg);
	cr_assert_null(s);
	cr_assert(strstr(eb.msg, "not a database"), "%s", eb.msg);
	cr_assert(strstr(eb.msg, STORE_DB_NAME), "message does not name the file: %s", eb.msg);
	cr_assert_eq(store_open(dir, STORE_CREATE, &s, &eb), CL_EDB, "%s", eb.msg);
	/* The file was not touched. */
	{
		size_t len = 0;
		char *back = tu_read_file(db, &len);
		cr_assert_eq(len, i);
		cr_assert_eq(memcmp(back, buf, i), 0);
		free(back);
	}
	tu_rmtree(dir);
	free(dir);
	free(db);
}

Test(store, foreign_sqlite_database_is_refused)
{
	char *dir = tu_tmpdir(), *db = NULL;
	sqlite3 *raw = NULL;
	struct store *s = NULL;
	struct cl_errbuf eb = {0};

	cr_assert(asprintf(&db, "%s/%s", dir, STORE_DB_NAME) > 0);
	cr_assert_eq(sqlite3_open(db, &raw), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(raw, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	cr_assert_eq(store_open(dir, 0, &s, &eb), CL_EDB, "%s", eb.msg);
	cr_assert(strstr(eb.msg, "not a caselib store"), "%s", eb.msg);
	tu_rmtree(dir);
	free(dir);
	free(db);
}

Test(store, store_now_is_rfc3339_utc)
{
	char buf[32];
	int y, mo, d, h, mi, se;
	char z;

	store_now(buf);
	cr_assert_eq(strlen(buf), 20, "%s", buf);
	cr_assert_eq(sscanf(buf, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &z), 7);
	cr_assert_eq(z, 'Z');
	cr_assert(y >= 2024 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24 && mi < 60 &&
		  se <= 60, "%s", buf);
}

/* ---- versions ---------------------------------------------------------- */

struct vlist {
	long versions[8];
	char status[8][32];
	char actor[8][32];
	int n;
};

static int collect_version(const struct store_version_info *vi, void *ud)
{
	struct vlist *v = ud;

	if (v->n < 8) {
		v->versions[v->n] = vi->version;
		snprintf(v->status[v->n], sizeof v->status[0], "%s", vi->status);
		snprintf(v->actor[v->n], sizeof v->actor[0], "%s", vi->actor);
	}
	v->n++;
	return 0;
}

Test(store, put_versions_and_history)
{
	char *dir = NULL;
	struct store *s = tu_store_new(&dir);
	struct case_record c, got;
	struct store_put_result r;
	struct cl_errbuf eb = {0};
	struct vlist vl = {0};
	char created[32];

	/* New: version 1, change seq 1. */
	make_case(&c, "uhm-2021-mt34", "First title", NULL);
	cr_assert_eq(store_put_case(s, &c, "import", &r, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(r.version, 1);
	cr_assert_eq(r.created, 1);
	cr_assert_eq(r.unchanged, 0);
	cr_assert_eq(r.seq, 1);

	case_init(&got);
	cr_assert_eq(store_get_case(s, "uhm-2021-mt34", &got, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_eq(got.title, "First title");
	cr_assert_str_eq(got.status, "published", "NULL status must become published");
	cr_assert_eq(got.version, 1);
	cr_assert_not_null(got.created_at);
	cr_assert_not_null(got.updated_at);
	snprintf(created, sizeof created, "%s", got.created_at);

	/* Same content: unchanged, nothing written. The caller's version and
	 * timestamps are ignored. */
	free(c.updated_at);
	c.updated_at = strdup("2001-01-01T00:00:00Z");
	c.version = 42;
	cr_assert_eq(store_put_case(s, &c, "import", &r, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(r.unchanged, 1);
	cr_assert_eq(r.created, 0);
	cr_assert_eq(r.version, 1);
	cr_assert_eq(r.seq, 0);
	cr_assert_eq(last_seq(s), 1);
	cr_assert_eq(counts(s).versions, 1);
	cr_assert_eq(sql_int(s, "SELECT count(*) FROM audit"), 1);

	/* Changed: version 2, seq 2. */
	free(c.title);
	c.title = strdup("Second title");
	cr_assert_eq(store_put_case(s, &c, "harvest:uhm", &r, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(r.version, 2);
	cr_assert_eq(r.created, 0);
	cr_assert_eq(r.unchanged, 0);
	cr_assert_eq(r.seq, 2);

	cr_assert_eq(store_get_case(s, "uhm-2021-mt34", &got, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_eq(got.title, "Second title");
	cr_assert_eq(got.version, 2);
	cr_assert_str_eq(got.created_at, created, "created_at must stay from version 1");

	cr_assert_eq(store_get_version(s, "uhm-2021-mt34", 1, &got, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_eq(got.title, "First title");
	cr_assert_eq(got.version, 1);
	cr_assert_eq(store_get_version(s, "uhm-2021-mt34", 3, &got, &eb), CL_ENOTFOUND);
	cr_assert_eq(store_get_version(s, "uhm-2021-mt34", 0, &got, &eb), CL_ENOTFOUND);

	/* A status change alone is a change. */
	free(c.status);
	c.status = strdup("submitted");
	cr_assert_eq(store_put_case(s, &c, "token:t1", &r, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(r.version, 3);
	cr_assert_eq(r.seq, 3);

	cr_assert_eq(store_list_versions(s, "uhm-2021-mt34", collect_version, &vl, &eb), CL_OK,
		     "%s", eb.msg);
	cr_assert_eq(vl.n, 3);
	cr_assert_eq(vl.versions[0], 1);
	cr_assert_eq(vl.versions[1], 2);
	cr_assert_eq(vl.versions[2], 3);
	cr_assert_str_eq(vl.actor[0], "import");
	cr_assert_str_eq(vl.actor[1], "harvest:uhm");
	cr_assert_str_eq(vl.actor[2], "token:t1");
	cr_assert_str_eq(vl.status[1], "published");
	cr_assert_str_eq(vl.status[2], "submitted");

	cr_assert_eq(store_get_case(s, "no-such-case", &got, &eb), CL_ENOTFOUND);
	cr_assert_eq(store_list_versions(s, "no-such-case", collect_version, &vl, &eb),
		     CL_ENOTFOUND);
	/* Audit: one entry per written version. */
	cr_assert_eq(sql_int(s, "SELECT count(*) FROM audit WHERE action = 'put'"
				" AND object = 'uhm-2021-mt34'"), 3);
	cr_assert_eq(sql_int(s, "SELECT count(*) FROM audit WHERE detail = 'v3'"
				" AND actor = 'token:t1'"), 1);

	case_release(&c);
	case_release(&got);
	tu_store_drop(&s, &dir);
}

Test(store, invalid_record_is_refused)
{
	char *dir = NULL;
	struct store *s = tu_store_new(&dir);
	struct case_record c;
	struct store_put_result r;
	struct cl_errbuf eb = {0};

	make_case(&c, "valid-id", "Title", NULL);
	free(c.kind);
	c.kind = strdup("not-a-kind");
	cr_assert_eq(store_put_case(s, &c, "test", &r, &eb), CL_EVALIDATION, "%s", eb.msg);
	cr_assert(strstr(eb.msg, "$.kind"), "%s", eb.msg);
	cr_assert_eq(store_put_case(s, &c, NULL, &r, &eb), CL_EINVAL);
	cr_assert_eq(counts(s).cases, 0);
	cr_assert_eq(last_seq(s), 0);
	case_release(&c);
	tu_store_drop(&s, &dir);
}

Test(store, delete_withdraws)
{
	char *dir = NULL;
	struct store *s = tu_store_new(&dir);
	struct store_put_result r;
	struct cl_errbuf eb = {0};
	struct case_record got;
	sqlite3_stmt *st = NULL;

	put(s, "gone-soon", "To be withdrawn", NULL);
	cr_assert_eq(store_delete_case(s, "gone-soon", "admin", &r, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(r.version, 2);
	cr_assert_eq(r.seq, 2);
	cr_assert_eq(r.unchanged, 0);

	case_init(&got);
	cr_assert_eq(store_get_case(s, "gone-soon", &got, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_eq(got.status, "withdrawn");
	cr_assert_str_eq(got.title, "To be withdrawn");
	cr_assert_eq(store_get_version(s, "gone-soon", 1, &got, &eb), CL_OK, "versions kept");
	cr_assert_str_eq(got.status, "published");

	cr_assert_eq(sqlite3_prepare_v2(store_db(s),
					"SELECT op, version FROM changes WHERE seq = 2", -1, &st,
					NULL),
		     SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	cr_assert_str_eq((const char *)sqlite3_column_text(st, 0), "delete");
	cr_assert_eq(sqlite3_column_int(st, 1), 2);
	sqlite3_finalize(st);
	cr_assert_eq(sql_int(s, "SELECT count(*) FROM audit WHERE action = 'delete'"), 1);
	cr_assert_eq(counts(s).published, 0);
	cr_assert_eq(counts(s).cases, 1);

	/* Deleting again changes nothing; deleting the unknown is NOTFOUND. */
	cr_assert_eq(store_delete_case(s, "gone-soon", "admin", &r, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(r.unchanged, 1);
	cr_assert_eq(last_seq(s), 2);
	cr_assert_eq(store_delete_case(s, "never-was", "admin", &r, &eb), CL_ENOTFOUND);
	cr_assert_eq(last_seq(s), 2);

	/* Publishing it again is a new version. */
	r = put(s, "gone-soon", "To be withdrawn", "published");
	cr_assert_eq(r.version, 3);
	cr_assert_eq(counts(s).published, 1);
	cr_assert_eq(store_check(s, NULL, NULL, &eb), CL_OK, "%s", eb.msg);

	case_release(&got);
	tu_store_drop(&s, &dir);
}

/* ---- change log ------------------------------------------------------- */

struct chlog {
	int64_t seq[16];
	char id[16][32];
	char op[16][8];
	long version[16];
	int n;
	int stop_after; /* return 7 after this many (0: never) */
};

static int collect_change(const struct store_change *ch, void *ud)
{
	struct chlog *l = ud;

	cr_assert_lt(l->n, 16);
	l->seq[l->n] = ch->seq;
	snprintf(l->id[l->n], sizeof l->id[0], "%s", ch->case_id);
	snprintf(l->op[l->n], sizeof l->op[0], "%s", ch->op);
	l->version[l->n] = ch->version;
	cr_assert_not_null(ch->at);
	l->n++;
	return l->stop_after && l->n >= l->stop_after ? 7 : 0;
}

Test(store, changes_since_pages)
{
	static const struct {
		int64_t after;
		size_t max;
		int n;
		int64_t first;
	} pages[] = {
		{0, 2, 2, 1}, {2, 2, 2, 3}, {4, 0, 3, 5}, {7, 0, 0, 0}, {0, 0, 7, 1}, {6, 100, 1, 7},
	};
	char *dir = NULL;
	struct store *s = tu_store_new(&dir);
	struct cl_errbuf eb = {0};
	struct store_put_result r;
	char id[32];
	size_t i;
	int k;

	for (k = 0; k < 5; k++) {
		snprintf(id, sizeof id, "case-%d", k);
		put(s, id, "Title", NULL);
	}
	put(s, "case-1", "New title", NULL);
	cr_assert_eq(store_delete_case(s, "case-3", "admin", &r, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(last_seq(s), 7);

	for (i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		struct chlog l = {0};
		cr_assert_eq(store_changes_since(s, pages[i].after, pages[i].max, collect_change, &l,
						 &eb),
			     CL_OK, "%s", eb.msg);
		cr_assert_eq(l.n, pages[i].n, "page %zu: %d entries", i, l.n);
		for (k = 0; k < l.n; k++)
			cr_assert_eq(l.seq[k], pages[i].first + k, "page %zu entry %d", i, k);
	}

	{
		struct chlog l = {0};
		cr_assert_eq(store_changes_since(s, 0, 0, collect_change, &l, &eb), CL_OK);
		cr_assert_str_eq(l.id[5], "case-1");
		cr_assert_str_eq(l.op[5], "put");
		cr_assert_eq(l.version[5], 2);
		cr_assert_str_eq(l.id[6], "case-3");
		cr_assert_str_eq(l.op[6], "delete");
		cr_assert_eq(l.version[6], 2);
		cr_assert_str_eq(l.id[0], "case-0");
		cr_assert_eq(l.version[0], 1);
	}
	{
		/* A callback's non-zero return stops the walk and is returned. */
		struct chlog l = {.stop_after = 3};
		cr_assert_eq(store_changes_since(s, 0, 0, collect_change, &l, &eb), 7);
		cr_assert_eq(l.n, 3);
	}
	tu_store_drop(&s, &dir);
}

Test(store, counts_and_sources_per_version)
{
	char *dir = NULL;
	struct store *s = tu_store_new(&dir);
	struct case_record c;
	struct store_put_result r;
	struct cl_errbuf eb = {0};
	struct store_counts n;

	n = counts(s);
	cr_assert_eq(n.cases + n.published + n.versions + n.changes + n.sources + n.raw_documents,
		     0);

	cr_assert_eq(make_case_rc(&c, "three-sources", "Three", NULL, 3), CL_OK);
	cr_assert_eq(store_put_case(s, &c, "test", &r, &eb), CL_OK, "%s", eb.msg);
	case_release(&c);
	cr_assert_eq(make_case_rc(&c, "three-sources", "Two now", NULL, 2), CL_OK);
	cr_assert_eq(store_put_case(s, &c, "test", &r, &eb), CL_OK, "%s", eb.msg);
	case_release(&c);
	put(s, "draft-one", "Draft", "submitted");

	n = counts(s);
	cr_assert_eq(n.cases, 2);
	cr_assert_eq(n.published, 1);
	cr_assert_eq(n.versions, 3);
	cr_assert_eq(n.changes, 3);
	cr_assert_eq(n.sources, 3 + 2 + 1);
	cr_assert_eq(sql_int(s, "SELECT count(*) FROM sources WHERE case_id = 'three-sources'"
				" AND version = 1"), 3);
	cr_assert_eq(sql_int(s, "SELECT count(*) FROM sources WHERE case_id = 'three-sources'"
				" AND version = 2"), 2);
	cr_assert_eq(sql_int(s, "SELECT count(*) FROM sources WHERE version = 2 AND idx = 1"
				" AND url = 'https://example.org/three-sources/1'"
				" AND retrieved_at = '2026-01-02T10:00:00Z'"
				" AND format = 'case-json' AND length(sha256) = 64"), 1);
	tu_store_drop(&s, &dir);
}

Test(store, raw_documents_dedupe_by_sha256)
{
	static const char sha_a[] =
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
	static const char sha_b[] =
		"60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";
	char *dir = NULL;
	struct store *s = tu_store_new(&dir);
	struct cl_errbuf eb = {0};
	static const unsigned char body[] = {'t', 'e', 's', 't', 0, 0xff, 1};

	cr_assert_eq(store_put_raw(s, sha_a, "https://example.org/a", "2026-01-01T00:00:00Z",
				   "application/json", body, sizeof body, &eb),
		     CL_OK, "%s", eb.msg);
	cr_assert_eq(store_put_raw(s, sha_a, "https://example.org/a-again", NULL, NULL, body,
				   sizeof body, &eb),
		     CL_OK, "%s", eb.msg);
	cr_assert_eq(store_put_raw(s, sha_b, "https://example.org/b", NULL, "text/xml", "x", 1,
				   &eb),
		     CL_OK, "%s", eb.msg);
	cr_assert_eq(counts(s).raw_documents, 2);
	/* The first copy is kept, binary-safe. */
	cr_assert_eq(sql_int(s, "SELECT count(*) FROM raw_documents WHERE url ="
				" 'https://example.org/a' AND size = 7 AND length(body) = 7"
				" AND hex(body) = '7465737400FF01'"), 1);
	cr_assert_eq(store_put_raw(s, "ABC", "https://example.org/c", NULL, NULL, "x", 1, &eb),
		     CL_EINVAL);
	cr_assert_eq(counts(s).raw_documents, 2);
	tu_store_drop(&s, &dir);
}

Test(store, audit_rows_are_immutable)
{
	char *dir = NULL;
	struct store *s = tu_store_new(&dir);
	struct cl_errbuf eb = {0};
	char *err = NULL;

	cr_assert_eq(store_audit(s, "token:abc", "review", "sub-1", "approve", &eb), CL_OK, "%s",
		     eb.msg);
	cr_assert_eq(store_audit(s, "cli", "backup", NULL, NULL, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(store_audit(s, NULL, "x", NULL, NULL, &eb), CL_EINVAL);
	cr_assert_eq(sql_int(s, "SELECT count(*) FROM audit"), 2);

	cr_assert_neq(sqlite3_exec(store_db(s), "UPDATE audit SET actor = 'mallory'", NULL, NULL,
				   &err),
		      SQLITE_OK);
	cr_assert(err && strstr(err, "immutable"), "%s", err ? err : "");
	sqlite3_free(err);
	err = NULL;
	cr_assert_neq(sqlite3_exec(store_db(s), "DELETE FROM audit", NULL, NULL, &err),
		      SQLITE_OK);
	cr_assert(err && strstr(err, "immutable"), "%s", err ? err : "");
	sqlite3_free(err);
	cr_assert_eq(sql_int(s, "SELECT count(*) FROM audit WHERE actor = 'token:abc'"), 1);
	cr_assert_eq(sql_int(s, "SELECT count(*) FROM audit"), 2);
	tu_store_drop(&s, &dir);
}

/* ---- store_check ------------------------------------------------------- */

static struct store *three_cases(char **dir)
{
	struct store *s = tu_store_new(dir);

	put(s, "case-a", "A", NULL);
	put(s, "case-b", "B", NULL);
	put(s, "case-c", "C", NULL);
	put(s, "case-b", "B changed", NULL);
	return s;
}

Test(store, check_clean_store)
{
	char *dir = NULL;
	struct store *s = three_cases(&dir);
	struct lines l;

	cr_assert_eq(check(s, &l), CL_OK, "%s", l.buf);
	cr_assert_eq(l.n, 0);
	tu_store_drop(&s, &dir);
}

/* Each corruption (raw SQL, foreign keys off) and the report it must give. */
static const struct {
	const char *sql;
	const char *expect;
} corruptions[] = {
	{"DELETE FROM changes WHERE seq = 2", "gap after seq 1 (next is 3)"},
	{"DELETE FROM changes WHERE seq = 4", "entries removed at the end"},
	{"DELETE FROM sources WHERE case_id = 'case-c'", "case case-c: version 1 has no sources"},
	{"UPDATE cases SET doc = replace(doc, '\"A\"', '\"Z\"') WHERE id = 'case-a'",
	 "case case-a: current version 1 differs from its history"},
	{"UPDATE cases SET version = 7 WHERE id = 'case-a'",
	 "case case-a: current version 7 is missing from its history"},
	{"DELETE FROM case_versions WHERE case_id = 'case-b' AND version = 2",
	 "seq 4 names case-b version 2, which does not exist"},
	{"UPDATE cases SET version = 1 WHERE id = 'case-b'",
	 "case case-b: current version is 1 but history goes up to 2"},
};

Test(store, check_reports_corruption)
{
	size_t i;

	for (i = 0; i < sizeof corruptions / sizeof corruptions[0]; i++) {
		char *dir = NULL;
		struct store *s = three_cases(&dir);
		struct lines l;
		struct cl_errbuf eb = {0};

		sql_exec(s, "PRAGMA foreign_keys = OFF");
		sql_exec(s, corruptions[i].sql);
		sql_exec(s, "PRAGMA foreign_keys = ON");
		memset(&l, 0, sizeof l);
		cr_assert_eq(store_check(s, collect, &l, &eb), CL_ECORRUPT, "%s: not detected",
			     corruptions[i].sql);
		cr_assert_geq(l.n, 1);
		cr_assert(strstr(l.buf, corruptions[i].expect), "%s: report was\n%s",
			  corruptions[i].sql, l.buf);
		cr_assert(strstr(eb.msg, "problem"), "%s", eb.msg);
		/* Without a report callback the result is the same. */
		cr_assert_eq(store_check(s, NULL, NULL, &eb), CL_ECORRUPT);
		tu_store_drop(&s, &dir);
	}
}

Test(store, check_reports_foreign_key_violation)
{
	char *dir = NULL;
	struct store *s = three_cases(&dir);
	struct lines l;

	sql_exec(s, "PRAGMA foreign_keys = OFF");
	sql_exec(s, "INSERT INTO reviews(submission_id, decision, at)"
		    " VALUES ('no-such-submission', 'approve', '2026-01-01T00:00:00Z')");
	sql_exec(s, "PRAGMA foreign_keys = ON");
	cr_assert_eq(check(s, &l), CL_ECORRUPT);
	cr_assert(strstr(l.buf, "foreign key: reviews row 1 refers to a missing row of"
				" submissions"), "%s", l.buf);
	tu_store_drop(&s, &dir);
}

/* ---- transactions ----------------------------------------------------- */

static void put_many(struct store *s, const char *prefix, int n)
{
	char id[64];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%s-%03d", prefix, i);
		put(s, id, "Batch case", NULL);
	}
}

Test(store, batch_rollback_and_commit)
{
	char *dir = NULL;
	struct store *s = tu_store_new(&dir);
	struct cl_errbuf eb = {0};
	struct store_counts n;
	struct lines l;

	cr_assert_eq(store_begin(s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(store_begin(s, &eb), CL_EINVAL, "nested store_begin must fail");
	put_many(s, "batch", 100);
	cr_assert_eq(counts(s).cases, 100, "writes are visible inside the batch");
	cr_assert_eq(store_rollback(s), CL_OK);
	n = counts(s);
	cr_assert_eq(n.cases, 0);
	cr_assert_eq(n.versions, 0);
	cr_assert_eq(n.sources, 0);
	cr_assert_eq(n.changes, 0);
	cr_assert_eq(last_seq(s), 0);
	cr_assert_eq(sql_int(s, "SELECT count(*) FROM audit"), 0);

	cr_assert_eq(store_begin(s, &eb), CL_OK, "%s", eb.msg);
	put_many(s, "batch", 100);
	cr_assert_eq(store_commit(s, &eb), CL_OK, "%s", eb.msg);
	n = counts(s);
	cr_assert_eq(n.cases, 100);
	cr_assert_eq(n.changes, 100);
	/* The rolled-back batch left no hole in the sequence. */
	cr_assert_eq(last_seq(s), 100);
	cr_assert_eq(store_commit(s, &eb), CL_EINVAL, "commit without begin");
	cr_assert_eq(check(s, &l), CL_OK, "%s", l.buf);

	/* Visible to another handle only after commit. */
	{
		struct store *other = NULL;
		cr_assert_eq(store_open(dir, 0, &other, &eb), CL_OK, "%s", eb.msg);
		cr_assert_eq(store_begin(s, &eb), CL_OK, "%s", eb.msg);
		put(s, "late-one", "Late", NULL);
		cr_assert_eq(counts(other).cases, 100);
		cr_assert_eq(store_commit(s, &eb), CL_OK, "%s", eb.msg);
		cr_assert_eq(counts(other).cases, 101);
		store_close(other);
	}
	/* Closing with an open batch rolls it back. */
	cr_assert_eq(store_begin(s, &eb), CL_OK, "%s", eb.msg);
	put(s, "never-committed", "Lost", NULL);
	store_close(s);
	s = NULL;
	cr_assert_eq(store_open(dir, 0, &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(counts(s).cases, 101);
	tu_store_drop(&s, &dir);
}

Test(store, failed_put_leaves_nothing)
{
	char *dir = NULL;
	struct store *s = tu_store_new(&dir);
	struct case_record c, got;
	struct store_put_result r;
	struct cl_errbuf eb = {0};
	struct store_counts before, after;
	struct lines l;

	put(s, "stable", "Original", NULL);
	/* The audit insert is the last write of a put: failing there proves
	 * everything before it is undone. */
	sql_exec(s, "CREATE TRIGGER boom BEFORE INSERT ON audit"
		    " WHEN NEW.object = 'boom' OR (NEW.object = 'stable' AND NEW.detail = 'v2')"
		    " BEGIN SELECT RAISE(ABORT, 'forced failure'); END");
	before = counts(s);

	make_case(&c, "boom", "Never stored", NULL);
	cr_assert_eq(store_put_case(s, &c, "test", &r, &eb), CL_EDB);
	cr_assert(strstr(eb.msg, "forced failure"), "%s", eb.msg);
	case_release(&c);
	case_init(&got);
	cr_assert_eq(store_get_case(s, "boom", &got, &eb), CL_ENOTFOUND);

	make_case(&c, "stable", "Changed", NULL);
	cr_assert_eq(store_put_case(s, &c, "test", &r, &eb), CL_EDB);
	case_release(&c);
	cr_assert_eq(store_get_case(s, "stable", &got, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_eq(got.title, "Original");
	cr_assert_eq(got.version, 1);

	after = counts(s);
	cr_assert_eq(memcmp(&before, &after, sizeof before), 0, "a failed put left rows behind");
	cr_assert_eq(last_seq(s), 1);

	/* Inside a batch only the failed put is undone. */
	cr_assert_eq(store_begin(s, &eb), CL_OK, "%s", eb.msg);
	put(s, "batch-1", "One", NULL);
	make_case(&c, "boom", "Never stored", NULL);
	cr_assert_eq(store_put_case(s, &c, "test", &r, &eb), CL_EDB);
	case_release(&c);
	put(s, "batch-2", "Two", NULL);
	cr_assert_eq(store_commit(s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(store_get_case(s, "batch-1", &got, &eb), CL_OK);
	cr_assert_eq(store_get_case(s, "batch-2", &got, &eb), CL_OK);
	cr_assert_eq(store_get_case(s, "boom", &got, &eb), CL_ENOTFOUND);
	cr_assert_eq(last_seq(s), 3);
	cr_assert_eq(counts(s).changes, 3);
	cr_assert_eq(check(s, &l), CL_OK, "%s", l.buf);

	case_release(&got);
	tu_store_drop(&s, &dir);
}

Test(store, disk_full_is_efull_and_leaves_nothing)
{
	char *dir = NULL;
	struct store *s = tu_store_new(&dir);
	struct case_record c, got;
	struct store_put_result r;
	struct cl_errbuf eb = {0};
	struct store_counts before, after;
	char big[4096], sql[128];
	long long pages;

	put(s, "small-one", "Small", NULL);
	before = counts(s);
	/* A file that may not grow is what a full disk looks like to SQLite. */
	pages = sql_int(s, "PRAGMA page_count");
	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", pages);
	sql_exec(s, sql);
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	make_case(&c, "big-one", "Big", NULL);
	c.body = strdup(big);
	cr_assert_eq(store_put_case(s, &c, "test", &r, &eb), CL_EFULL, "%s", eb.msg);
	cr_assert(strstr(eb.msg, "disk full"), "%s", eb.msg);
	after = counts(s);
	cr_assert_eq(memcmp(&before, &after, sizeof before), 0);
	case_init(&got);
	cr_assert_eq(store_get_case(s, "big-one", &got, &eb), CL_ENOTFOUND);

	/* Inside a batch: the batch stays usable or reports that it is lost,
	 * and nothing partial is committed either way. */
	cr_assert_eq(store_begin(s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(store_put_case(s, &c, "test", &r, &eb), CL_EFULL, "%s", eb.msg);
	store_rollback(s);
	after = counts(s);
	cr_assert_eq(memcmp(&before, &after, sizeof before), 0);

	sql_exec(s, "PRAGMA max_page_count = 1073741823");
	cr_assert_eq(store_put_case(s, &c, "test", &r, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(r.seq, 2);
	cr_assert_eq(store_get_case(s, "big-one", &got, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_eq(got.body, big);
	case_release(&got);
	case_release(&c);
	tu_store_drop(&s, &dir);
}

Test(store, busy_writer_gets_ebusy)
{
	char *dir = NULL, *db = NULL;
	struct store *s = tu_store_new(&dir);
	struct case_record c;
	struct store_put_result r;
	struct cl_errbuf eb = {0};
	sqlite3 *other = NULL;

	cr_assert(asprintf(&db, "%s/%s", dir, STORE_DB_NAME) > 0);
	cr_assert_eq(sqlite3_open(db, &other), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	/* Shorter than the default 10 s so the test stays quick. */
	sqlite3_busy_timeout(store_db(s), 200);

	make_case(&c, "waits", "Waits", NULL);
	cr_assert_eq(store_put_case(s, &c, "test", &r, &eb), CL_EBUSY, "%s", eb.msg);
	cr_assert(strstr(eb.msg, "locked"), "%s", eb.msg);
	cr_assert_eq(store_begin(s, &eb), CL_EBUSY, "%s", eb.msg);
	/* Readers are not blocked by the writer. */
	cr_assert_eq(counts(s).cases, 0);

	cr_assert_eq(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	cr_assert_eq(store_put_case(s, &c, "test", &r, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(r.seq, 1);
	case_release(&c);
	tu_store_drop(&s, &dir);
	free(db);
}

/* ---- walks ------------------------------------------------------------ */

struct idlist {
	char ids[16][32];
	int n;
};

static int collect_id(const struct case_record *c, void *ud)
{
	struct idlist *l = ud;

	cr_assert_lt(l->n, 16);
	snprintf(l->ids[l->n++], sizeof l->ids[0], "%s", c->id);
	return 0;
}

/* Re-enters the store from inside a walk. */
struct nested {
	struct store *s;
	int inner;
};

static int count_id(const struct case_record *c, void *ud)
{
	(void)c;
	(*(int *)ud)++;
	return 0;
}

static int nested_walk(const struct case_record *c, void *ud)
{
	struct nested *n = ud;
	struct cl_errbuf eb = {0};
	struct case_record got;
	int k = 0;

	case_init(&got);
	cr_assert_eq(store_get_case(n->s, c->id, &got, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_eq(got.id, c->id);
	case_release(&got);
	cr_assert_eq(store_foreach_case(n->s, NULL, count_id, &k, &eb), CL_OK, "%s", eb.msg);
	n->inner += k;
	return 0;
}

/* Rewrites every case from inside the walk (a re-normalisation pass). */
static int retitle(const struct case_record *c, void *ud)
{
	struct store *s = ud;
	struct case_record copy;
	struct store_put_result r;
	struct cl_errbuf eb = {0};

	case_init(&copy);
	cr_assert_eq(case_copy(&copy, c), CL_OK);
	free(copy.title);
	copy.title = strdup("Renamed in walk");
	cr_assert_eq(store_put_case(s, &copy, "normalise", &r, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(r.version, c->version + 1);
	case_release(&copy);
	return 0;
}

Test(store, foreach_in_id_order)
{
	static const char *const ids[] = {"m-case", "b-case", "z-case", "a-case", "k-case"};
	static const char *const sorted[] = {"a-case", "b-case", "k-case", "m-case", "z-case"};
	char *dir = NULL;
	struct store *s = tu_store_new(&dir);
	struct cl_errbuf eb = {0};
	struct idlist l = {0};
	struct nested nest = {.s = s};
	size_t i;

	for (i = 0; i < 5; i++)
		put(s, ids[i], "Title", i % 2 ? "submitted" : NULL);
	cr_assert_eq(store_foreach_case(s, NULL, collect_id, &l, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(l.n, 5);
	for (i = 0; i < 5; i++)
		cr_assert_str_eq(l.ids[i], sorted[i]);

	memset(&l, 0, sizeof l);
	cr_assert_eq(store_foreach_case(s, "submitted", collect_id, &l, &eb), CL_OK);
	cr_assert_eq(l.n, 2);
	cr_assert_str_eq(l.ids[0], "a-case");
	cr_assert_str_eq(l.ids[1], "b-case");

	memset(&l, 0, sizeof l);
	cr_assert_eq(store_foreach_case(s, "rejected", collect_id, &l, &eb), CL_OK);
	cr_assert_eq(l.n, 0);

	cr_assert_eq(store_foreach_case(s, NULL, nested_walk, &nest, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(nest.inner, 25);

	cr_assert_eq(store_foreach_case(s, NULL, retitle, s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(counts(s).versions, 10);
	cr_assert_eq(sql_int(s, "SELECT count(*) FROM cases WHERE version = 2"
				" AND doc LIKE '%Renamed in walk%'"), 5);
	cr_assert_eq(last_seq(s), 10);
	tu_store_drop(&s, &dir);
}

/* ---- processes -------------------------------------------------------- */

#define NCHILD 2
#define PER_CHILD 200
#define NSHARED 20

/* A child: puts its own cases and overwrites shared ones; writes the number
 * of versions it created to fd. Never returns. */
static void child_writer(const char *dir, int who, int fd, int signal_fd)
{
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	struct case_record c;
	struct store_put_result r;
	char id[64], title[128];
	long long written = 0;
	int i, rc;

	if (store_open(dir, 0, &s, &eb) != CL_OK) {
		fprintf(stderr, "child %d: open: %s\n", who, eb.msg);
		_exit(2);
	}
	for (i = 0; i < PER_CHILD; i++) {
		if (i % 4 == 3) {
			snprintf(id, sizeof id, "shared-%02d", (i / 4) % NSHARED);
			snprintf(title, sizeof title, "Written by %d at step %d", who, i);
		} else {
			snprintf(id, sizeof id, "child%d-%03d", who, i);
			snprintf(title, sizeof title, "Own case %d of %d", i, who);
		}
		case_init(&c);
		if (make_case_rc(&c, id, title, NULL, 1) != CL_OK)
			_exit(3);
		rc = store_put_case(s, &c, "test", &r, &eb);
		case_release(&c);
		if (rc != CL_OK) {
			fprintf(stderr, "child %d: put %s: %s\n", who, id, eb.msg);
			_exit(4);
		}
		if (!r.unchanged)
			written++;
		if (signal_fd >= 0 && i == 20) {
			if (write(signal_fd, "x", 1) != 1)
				_exit(5);
			close(signal_fd);
			signal_fd = -1;
		}
	}
	store_close(s);
	if (fd >= 0 && write(fd, &written, sizeof written) != (ssize_t)sizeof written)
		_exit(6);
	_exit(0);
}

static void wait_ok(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0)
		cr_assert_eq(errno, EINTR);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child failed: status 0x%x", status);
}

Test(store, two_processes_write_at_once)
{
	char *dir = NULL;
	struct store *s = tu_store_new(&dir);
	struct cl_errbuf eb = {0};
	pid_t pid[NCHILD];
	int pfd[NCHILD][2];
	long long total = 0, w;
	struct store_counts n;
	struct lines l;
	char id[64];
	int i, k;

	store_close(s);
	s = NULL;
	for (i = 0; i < NCHILD; i++) {
		cr_assert_eq(pipe(pfd[i]), 0);
		pid[i] = fork();
		cr_assert_geq(pid[i], 0);
		if (pid[i] == 0) {
			close(pfd[i][0]);
			child_writer(dir, i, pfd[i][1], -1);
		}
		close(pfd[i][1]);
	}
	for (i = 0; i < NCHILD; i++) {
		wait_ok(pid[i]);
		cr_assert_eq(read(pfd[i][0], &w, sizeof w), (ssize_t)sizeof w);
		close(pfd[i][0]);
		total += w;
	}

	cr_assert_eq(store_open(dir, 0, &s, &eb), CL_OK, "%s", eb.msg);
	n = counts(s);
	cr_assert_eq(n.cases, NCHILD * (PER_CHILD - PER_CHILD / 4) + NSHARED);
	cr_assert_eq(n.changes, total, "every written version has one change");
	cr_assert_eq(n.versions, total);
	cr_assert_eq(last_seq(s), total, "the change log has no gaps");
	cr_assert_eq(sql_int(s, "SELECT min(seq) FROM changes"), 1);
	/* Every case's version equals the number of versions it has. */
	cr_assert_eq(sql_int(s, "SELECT count(*) FROM cases c WHERE c.version <>"
				" (SELECT count(*) FROM case_versions v WHERE v.case_id = c.id)"),
		     0);
	for (i = 0; i < NCHILD; i++)
		for (k = 0; k < PER_CHILD; k++) {
			struct case_record got;
			if (k % 4 == 3)
				continue;
			snprintf(id, sizeof id, "child%d-%03d", i, k);
			case_init(&got);
			cr_assert_eq(store_get_case(s, id, &got, &eb), CL_OK, "%s: %s", id, eb.msg);
			case_release(&got);
		}
	cr_assert_eq(check(s, &l), CL_OK, "%s", l.buf);
	tu_store_drop(&s, &dir);
}

Test(store, concurrent_create_migrates_once)
{
	char *base = tu_tmpdir(), *dir = NULL;
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	struct lines l;
	pid_t pid[4];
	int i;

	cr_assert(asprintf(&dir, "%s/fresh", base) > 0);
	for (i = 0; i < 4; i++) {
		pid[i] = fork();
		cr_assert_geq(pid[i], 0);
		if (pid[i] == 0) {
			struct case_record c;
			struct store_put_result r;
			char id[32];
			if (store_open(dir, STORE_CREATE, &s, &eb) != CL_OK) {
				fprintf(stderr, "child %d: open: %s\n", i, eb.msg);
				_exit(2);
			}
			snprintf(id, sizeof id, "racer-%d", i);
			if (make_case_rc(&c, id, "Racer", NULL, 1) != CL_OK ||
			    store_put_case(s, &c, "test", &r, &eb) != CL_OK) {
				fprintf(stderr, "child %d: put: %s\n", i, eb.msg);
				_exit(3);
			}
			case_release(&c);
			store_close(s);
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++)
		wait_ok(pid[i]);
	cr_assert_eq(store_open(dir, 0, &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(counts(s).cases, 4);
	cr_assert_eq(last_seq(s), 4);
	cr_assert_eq(sql_int(s, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	cr_assert_eq(check(s, &l), CL_OK, "%s", l.buf);
	tu_store_drop(&s, &base);
	free(dir);
}

Test(store, backup_while_another_process_writes)
{
	char *dir = NULL, *bdir = tu_tmpdir(), *dest = NULL;
	struct store *s = tu_store_new(&dir), *b = NULL;
	struct cl_errbuf eb = {0};
	struct store_counts start, copy, fin;
	struct lines l;
	int sig[2];
	char x;
	pid_t pid;

	put_many(s, "before", 50);
	cr_assert(asprintf(&dest, "%s/%s", bdir, STORE_DB_NAME) > 0);
	/* A stale -wal beside the destination must not be applied to it. */
	{
		char *stale = NULL;
		cr_assert(asprintf(&stale, "%s-wal", dest) > 0);
		tu_write_file(stale, "stale", 5);
		free(stale);
	}
	cr_assert_eq(pipe(sig), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(sig[0]);
		child_writer(dir, 7, -1, sig[1]);
	}
	close(sig[1]);
	cr_assert_eq(read(sig[0], &x, 1), 1, "the writer did not start");
	close(sig[0]);

	start = counts(s);
	cr_assert_eq(store_backup(s, dest, &eb), CL_OK, "%s", eb.msg);
	wait_ok(pid);
	fin = counts(s);

	cr_assert_eq(store_open(bdir, 0, &b, &eb), CL_OK, "backup does not open: %s", eb.msg);
	cr_assert_eq(check(b, &l), CL_OK, "%s", l.buf);
	copy = counts(b);
	cr_assert_geq(copy.cases, start.cases);
	cr_assert_leq(copy.cases, fin.cases);
	cr_assert_geq(copy.changes, start.changes);
	cr_assert_eq(last_seq(b), copy.changes);
	store_close(b);

	/* No temporary file and no stale -wal is left behind. */
	{
		DIR *d = opendir(bdir);
		struct dirent *e;
		cr_assert_not_null(d);
		while ((e = readdir(d)))
			cr_assert_null(strstr(e->d_name, ".tmp-"), "left behind: %s", e->d_name);
		closedir(d);
	}
	cr_assert_eq(store_begin(s, &eb), CL_OK);
	cr_assert_eq(store_backup(s, dest, &eb), CL_EINVAL, "backup inside a batch");
	store_rollback(s);
	store_close(s);
	tu_rmtree(dir);
	tu_rmtree(bdir);
	free(dir);
	free(bdir);
	free(dest);
}
