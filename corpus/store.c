/* store.c — the case store on SQLite (see store.h and docs/storage.md).
 *
 * The database is the source of truth: every write goes through one
 * transaction that keeps the current row, the version history, provenance,
 * the change log and the audit log consistent. Statements are prepared once
 * per handle and reused; no SQL text is ever built from data. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sqlerr.h"

/* How long a writer waits for another writer's lock (milliseconds). */
#define STORE_BUSY_MS SQLERR_BUSY_MS
/* PRAGMA application_id: "CLIB", marks a file as a caselib store. */
#define STORE_APP_ID 0x434C4942
/* The savepoint a write uses inside store_begin. */
#define STORE_SAVEPOINT "store_write"

/* Schema migrations: migrations[i] brings user_version i to i + 1. Each
 * runs in its own transaction together with the user_version bump. Never
 * edit a published step; append a new one and raise STORE_SCHEMA_VERSION.
 * docs/storage.md describes every table. */
static const char *const migrations[] = {
	/* 0 -> 1: the initial schema. */
	"PRAGMA application_id = 1129072962;\n"
	"CREATE TABLE cases (\n"
	"  id         TEXT PRIMARY KEY NOT NULL,\n"
	"  kind       TEXT NOT NULL CHECK (kind IN ('procurement', 'case')),\n"
	"  status     TEXT NOT NULL CHECK (status IN ('submitted', 'changes_requested',\n"
	"               'published', 'rejected', 'withdrawn')),\n"
	"  version    INTEGER NOT NULL CHECK (version >= 1),\n"
	"  doc        TEXT NOT NULL,\n"
	"  created_at TEXT NOT NULL,\n"
	"  updated_at TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX cases_status ON cases(status, id);\n"
	"CREATE TABLE case_versions (\n"
	"  case_id    TEXT NOT NULL REFERENCES cases(id),\n"
	"  version    INTEGER NOT NULL CHECK (version >= 1),\n"
	"  status     TEXT NOT NULL,\n"
	"  doc        TEXT NOT NULL,\n"
	"  actor      TEXT NOT NULL,\n"
	"  created_at TEXT NOT NULL,\n"
	"  PRIMARY KEY (case_id, version)\n"
	");\n"
	"CREATE TABLE sources (\n"
	"  case_id      TEXT NOT NULL,\n"
	"  version      INTEGER NOT NULL,\n"
	"  idx          INTEGER NOT NULL CHECK (idx >= 0),\n"
	"  url          TEXT NOT NULL,\n"
	"  retrieved_at TEXT NOT NULL,\n"
	"  sha256       TEXT,\n"
	"  format       TEXT,\n"
	"  licence      TEXT,\n"
	"  PRIMARY KEY (case_id, version, idx),\n"
	"  FOREIGN KEY (case_id, version) REFERENCES case_versions(case_id, version)\n"
	");\n"
	"CREATE INDEX sources_sha256 ON sources(sha256) WHERE sha256 IS NOT NULL;\n"
	"CREATE INDEX sources_url ON sources(url);\n"
	"CREATE TABLE raw_documents (\n"
	"  sha256       TEXT PRIMARY KEY NOT NULL\n"
	"                 CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),\n"
	"  url          TEXT NOT NULL,\n"
	"  retrieved_at TEXT NOT NULL,\n"
	"  content_type TEXT,\n"
	"  size         INTEGER NOT NULL CHECK (size >= 0),\n"
	"  body         BLOB NOT NULL,\n"
	"  CHECK (size = length(body))\n"
	");\n"
	"CREATE TABLE changes (\n"
	"  seq     INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  case_id TEXT NOT NULL,\n"
	"  op      TEXT NOT NULL CHECK (op IN ('put', 'delete')),\n"
	"  version INTEGER NOT NULL,\n"
	"  at      TEXT NOT NULL,\n"
	"  UNIQUE (case_id, version),\n"
	"  FOREIGN KEY (case_id, version) REFERENCES case_versions(case_id, version)\n"
	");\n"
	"CREATE TABLE tokens (\n"
	"  id         TEXT PRIMARY KEY NOT NULL,\n"
	"  name       TEXT NOT NULL,\n"
	"  role       TEXT NOT NULL CHECK (role IN ('contributor', 'reviewer', 'admin')),\n"
	"  hash       BLOB NOT NULL UNIQUE,\n"
	"  created_at TEXT NOT NULL,\n"
	"  revoked_at TEXT\n"
	");\n"
	"CREATE TABLE submissions (\n"
	"  id         TEXT PRIMARY KEY NOT NULL,\n"
	"  case_id    TEXT NOT NULL REFERENCES cases(id),\n"
	"  token_id   TEXT REFERENCES tokens(id),\n"
	"  status     TEXT NOT NULL CHECK (status IN ('submitted', 'changes_requested',\n"
	"               'published', 'rejected', 'withdrawn')),\n"
	"  created_at TEXT NOT NULL,\n"
	"  updated_at TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX submissions_status ON submissions(status, created_at);\n"
	"CREATE INDEX submissions_case ON submissions(case_id);\n"
	"CREATE INDEX submissions_token ON submissions(token_id);\n"
	"CREATE TABLE reviews (\n"
	"  id                INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  submission_id     TEXT NOT NULL REFERENCES submissions(id),\n"
	"  reviewer_token_id TEXT REFERENCES tokens(id),\n"
	"  decision          TEXT NOT NULL\n"
	"                      CHECK (decision IN ('approve', 'reject', 'request_changes')),\n"
	"  comment           TEXT,\n"
	"  at                TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX reviews_submission ON reviews(submission_id, id);\n"
	"CREATE INDEX reviews_reviewer ON reviews(reviewer_token_id);\n"
	"CREATE TABLE audit (\n"
	"  id     INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  at     TEXT NOT NULL,\n"
	"  actor  TEXT NOT NULL,\n"
	"  action TEXT NOT NULL,\n"
	"  object TEXT,\n"
	"  detail TEXT\n"
	");\n"
	"CREATE INDEX audit_object ON audit(object, id);\n"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
	"  BEGIN SELECT RAISE(ABORT, 'audit rows are immutable'); END;\n"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
	"  BEGIN SELECT RAISE(ABORT, 'audit rows are immutable'); END;\n",
	/* 1 -> 2: the harvester's conditional-GET state, one row per URL
	 * (docs/harvest.md). Written in the same transaction as the cases of
	 * the payload, so a crash before the commit makes the next run fetch
	 * the URL again. */
	"CREATE TABLE fetch_state (\n"
	"  url           TEXT PRIMARY KEY NOT NULL,\n"
	"  etag          TEXT,\n"
	"  last_modified TEXT,\n"
	"  sha256        TEXT CHECK (sha256 IS NULL OR (length(sha256) = 64\n"
	"                  AND sha256 NOT GLOB '*[^0-9a-f]*')),\n"
	"  status        INTEGER NOT NULL CHECK (status >= 0),\n"
	"  fetched_at    TEXT NOT NULL\n"
	");\n",
	/* 2 -> 3: follow-up statistics (docs/workflow.md), aggregated counts
	 * only: no address, token, user agent or time finer than a day. */
	"CREATE TABLE stats_daily (\n"
	"  day          TEXT PRIMARY KEY NOT NULL CHECK (length(day) = 10),\n"
	"  searches     INTEGER NOT NULL DEFAULT 0 CHECK (searches >= 0),\n"
	"  zero_results INTEGER NOT NULL DEFAULT 0 CHECK (zero_results >= 0),\n"
	"  case_views   INTEGER NOT NULL DEFAULT 0 CHECK (case_views >= 0)\n"
	");\n"
	"CREATE TABLE stats_zero_queries (\n"
	"  query     TEXT PRIMARY KEY NOT NULL,\n"
	"  count     INTEGER NOT NULL CHECK (count >= 1),\n"
	"  first_day TEXT NOT NULL,\n"
	"  last_day  TEXT NOT NULL\n"
	");\n"
	"CREATE TABLE stats_facets (\n"
	"  facet TEXT PRIMARY KEY NOT NULL,\n"
	"  uses  INTEGER NOT NULL CHECK (uses >= 1)\n"
	");\n"
	"CREATE TABLE stats_case_views (\n"
	"  case_id TEXT PRIMARY KEY NOT NULL,\n"
	"  views   INTEGER NOT NULL CHECK (views >= 1)\n"
	");\n",
	/* 3 -> 4: a token names the person who holds it (the four-eyes rule
	 * compares persons, docs/workflow.md), may expire and records its
	 * last use. A token made before names its person by its name. */
	"ALTER TABLE tokens ADD COLUMN person TEXT NOT NULL DEFAULT '';\n"
	"UPDATE tokens SET person = name;\n"
	"ALTER TABLE tokens ADD COLUMN expires_at TEXT;\n"
	"ALTER TABLE tokens ADD COLUMN last_used_at TEXT;\n"
	"CREATE INDEX tokens_person ON tokens(person);\n",
	/* 4 -> 5: every OCDS release the harvester has read, per ocid, with
	 * its provenance, so that a case is compiled from all releases of its
	 * process whatever payload and order they came in (docs/harvest.md).
	 * A release id seen again keeps the later (date, doc): deterministic. */
	"CREATE TABLE ocds_releases (\n"
	"  ocid         TEXT NOT NULL,\n"
	"  kind         TEXT NOT NULL CHECK (kind IN ('release', 'compiled')),\n"
	"  release_id   TEXT NOT NULL,\n"
	"  date         TEXT NOT NULL,\n"
	"  doc          TEXT NOT NULL,\n"
	"  package      TEXT,\n"
	"  url          TEXT NOT NULL,\n"
	"  sha256       TEXT CHECK (sha256 IS NULL OR (length(sha256) = 64\n"
	"                 AND sha256 NOT GLOB '*[^0-9a-f]*')),\n"
	"  retrieved_at TEXT NOT NULL,\n"
	"  PRIMARY KEY (ocid, kind, release_id)\n"
	");\n",
	/* 5 -> 6: the words people search for, counted one by one (no query
	 * text, no day, no link between the words of one search): the
	 * follow-up's "most searched words" (docs/workflow.md). */
	"CREATE TABLE stats_words (\n"
	"  word  TEXT PRIMARY KEY NOT NULL CHECK (length(word) BETWEEN 2 AND 40),\n"
	"  count INTEGER NOT NULL CHECK (count >= 1)\n"
	");\n",
};

_Static_assert(sizeof migrations / sizeof migrations[0] == STORE_SCHEMA_VERSION,
	       "one migration step per schema version");

/* Every statement the store runs, prepared on first use and kept. */
#define STMT_MAP(XX)                                                                  \
	XX(BEGIN_WRITE, "BEGIN IMMEDIATE")                                            \
	XX(BEGIN_READ, "BEGIN")                                                       \
	XX(COMMIT, "COMMIT")                                                          \
	XX(ROLLBACK, "ROLLBACK")                                                      \
	XX(SAVEPOINT, "SAVEPOINT " STORE_SAVEPOINT)                                   \
	XX(RELEASE, "RELEASE " STORE_SAVEPOINT)                                       \
	XX(ROLLBACK_TO, "ROLLBACK TO " STORE_SAVEPOINT)                               \
	XX(SCHEMA_INFO, "SELECT (SELECT user_version FROM pragma_user_version),"      \
			" (SELECT application_id FROM pragma_application_id),"        \
			" (SELECT count(*) FROM sqlite_master)")                      \
	XX(GET_CURRENT, "SELECT version, status, doc, created_at FROM cases"          \
			" WHERE id = ?1")                                             \
	XX(UPSERT_CASE, "INSERT INTO cases(id, kind, status, version, doc,"           \
			" created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)" \
			" ON CONFLICT(id) DO UPDATE SET kind = excluded.kind,"        \
			" status = excluded.status, version = excluded.version,"      \
			" doc = excluded.doc, updated_at = excluded.updated_at")      \
	XX(INSERT_VERSION, "INSERT INTO case_versions(case_id, version, status, doc," \
			   " actor, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")     \
	XX(INSERT_SOURCE, "INSERT INTO sources(case_id, version, idx, url,"           \
			  " retrieved_at, sha256, format, licence)"                   \
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")                 \
	XX(INSERT_CHANGE, "INSERT INTO changes(case_id, op, version, at)"             \
			  " VALUES (?1, ?2, ?3, ?4)")                                 \
	XX(INSERT_AUDIT, "INSERT INTO audit(at, actor, action, object, detail)"       \
			 " VALUES (?1, ?2, ?3, ?4, ?5)")                              \
	XX(GET_DOC, "SELECT doc FROM cases WHERE id = ?1")                             \
	XX(GET_STATUS, "SELECT status FROM cases WHERE id = ?1")                       \
	XX(GET_VERSION, "SELECT doc FROM case_versions WHERE case_id = ?1"            \
			" AND version = ?2")                                          \
	XX(LIST_VERSIONS, "SELECT version, status, actor, created_at"                 \
			  " FROM case_versions WHERE case_id = ?1 ORDER BY version")  \
	XX(FOREACH_ALL, "SELECT doc FROM cases ORDER BY id")                          \
	XX(FOREACH_STATUS, "SELECT doc FROM cases WHERE status = ?1 ORDER BY id")     \
	XX(CHANGES_SINCE, "SELECT seq, case_id, op, version, at FROM changes"         \
			  " WHERE seq > ?1 ORDER BY seq LIMIT ?2")                    \
	XX(LAST_SEQ, "SELECT coalesce(max(seq), 0) FROM changes")                     \
	XX(COUNTS, "SELECT (SELECT count(*) FROM cases),"                             \
		   " (SELECT count(*) FROM cases WHERE status = 'published'),"        \
		   " (SELECT count(*) FROM case_versions),"                           \
		   " (SELECT count(*) FROM changes),"                                 \
		   " (SELECT count(*) FROM sources),"                                 \
		   " (SELECT count(*) FROM raw_documents)")                           \
	XX(PUT_RAW, "INSERT OR IGNORE INTO raw_documents(sha256, url, retrieved_at,"  \
		    " content_type, size, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")     \
	XX(GET_RAW, "SELECT body FROM raw_documents WHERE sha256 = ?1")               \
	XX(GET_FETCH, "SELECT etag, last_modified, sha256, status, fetched_at"        \
		      " FROM fetch_state WHERE url = ?1")                             \
	XX(PUT_FETCH, "INSERT INTO fetch_state(url, etag, last_modified, sha256,"     \
		      " status, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"          \
		      " ON CONFLICT(url) DO UPDATE SET etag = excluded.etag,"         \
		      " last_modified = excluded.last_modified,"                      \
		      " sha256 = excluded.sha256, status = excluded.status,"          \
		      " fetched_at = excluded.fetched_at")                            \
	XX(PUT_OCDS, "INSERT INTO ocds_releases(ocid, kind, release_id, date, doc,"   \
		     " package, url, sha256, retrieved_at)"                           \
		     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"                   \
		     " ON CONFLICT(ocid, kind, release_id) DO UPDATE SET"             \
		     " date = excluded.date, doc = excluded.doc,"                     \
		     " package = excluded.package, url = excluded.url,"               \
		     " sha256 = excluded.sha256,"                                     \
		     " retrieved_at = excluded.retrieved_at"                          \
		     " WHERE excluded.date > ocds_releases.date"                      \
		     " OR (excluded.date = ocds_releases.date"                        \
		     " AND excluded.doc > ocds_releases.doc)")                        \
	XX(EACH_OCDS, "SELECT ocid, kind, release_id, date, doc, package, url,"       \
		      " sha256, retrieved_at FROM ocds_releases WHERE ocid = ?1"      \
		      " ORDER BY date, release_id, kind")                             \
	XX(CK_INTEGRITY, "PRAGMA integrity_check")                                    \
	XX(CK_FOREIGN, "PRAGMA foreign_key_check")                                    \
	XX(CK_GAPS, "SELECT seq, nxt FROM (SELECT seq, lead(seq) OVER (ORDER BY seq)" \
		    " AS nxt FROM changes) WHERE nxt IS NOT NULL AND nxt <> seq + 1") \
	XX(CK_TAIL, "SELECT (SELECT seq FROM sqlite_sequence WHERE name = 'changes')," \
		    " (SELECT coalesce(max(seq), 0) FROM changes)")                   \
	XX(CK_CHANGE_VERSION, "SELECT ch.seq, ch.case_id, ch.version FROM changes ch" \
			      " WHERE NOT EXISTS (SELECT 1 FROM case_versions v"      \
			      " WHERE v.case_id = ch.case_id"                         \
			      " AND v.version = ch.version) ORDER BY ch.seq")         \
	XX(CK_CURRENT, "SELECT c.id, c.version, v.case_id IS NULL FROM cases c"       \
		       " LEFT JOIN case_versions v ON v.case_id = c.id"               \
		       " AND v.version = c.version WHERE v.case_id IS NULL"           \
		       " OR v.doc IS NOT c.doc OR v.status IS NOT c.status"           \
		       " ORDER BY c.id")                                              \
	XX(CK_LATEST, "SELECT c.id, c.version, m.v FROM cases c JOIN"                 \
		      " (SELECT case_id, max(version) AS v FROM case_versions"        \
		      " GROUP BY case_id) m ON m.case_id = c.id"                      \
		      " WHERE m.v <> c.version ORDER BY c.id")                        \
	XX(CK_SOURCES, "SELECT c.id, c.version FROM cases c WHERE NOT EXISTS"         \
		       " (SELECT 1 FROM sources s WHERE s.case_id = c.id"             \
		       " AND s.version = c.version) ORDER BY c.id")                   \
	XX(CK_UNLOGGED, "SELECT v.case_id, v.version FROM case_versions v"            \
			" WHERE NOT EXISTS (SELECT 1 FROM changes ch"                 \
			" WHERE ch.case_id = v.case_id AND ch.version = v.version)"   \
			" ORDER BY v.case_id, v.version")

enum st_id {
#define ST_XX(name, sql) ST_##name,
	STMT_MAP(ST_XX)
#undef ST_XX
	ST_COUNT
};

static const char *const st_sql[ST_COUNT] = {
#define ST_XX(name, sql) [ST_##name] = sql,
	STMT_MAP(ST_XX)
#undef ST_XX
};

struct store {
	sqlite3 *db;
	char *path;
	unsigned flags;
	int in_tx;      /* inside store_begin */
	int tx_aborted; /* SQLite rolled the store_begin transaction back itself */
	sqlite3_stmt *st[ST_COUNT];
};

/* ---- errors ----------------------------------------------------------- */

/* Maps a SQLite result code to a CL_ code with the connection's message. */
static int db_fail(sqlite3 *db, int rc, struct cl_errbuf *eb, const char *what)
{
	return sqlerr_fail(db, rc, eb, what);
}

static int st_fail(struct store *s, int rc, struct cl_errbuf *eb, const char *what)
{
	return db_fail(s->db, rc, eb, what);
}

/* ---- statements ------------------------------------------------------- */

/* Gives the cached statement id, preparing it on first use. When the cached
 * one is in use (a callback of a walk re-entered the store), a fresh one is
 * prepared; st_put finalizes it. */
static int st_get(struct store *s, enum st_id id, sqlite3_stmt **out, struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	if (s->st[id] && !sqlite3_stmt_busy(s->st[id])) {
		*out = s->st[id];
		return CL_OK;
	}
	rc = sqlite3_prepare_v3(s->db, st_sql[id], -1,
				s->st[id] ? 0 : SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(st);
		return st_fail(s, rc, eb, "prepare");
	}
	if (!s->st[id])
		s->st[id] = st;
	*out = st;
	return CL_OK;
}

/* Returns a statement from st_get: resets the cached one, finalizes a
 * fresh one. NULL is a no-op. */
static void st_put(struct store *s, enum st_id id, sqlite3_stmt *st)
{
	if (!st)
		return;
	if (st == s->st[id]) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	} else {
		sqlite3_finalize(st);
	}
}

/* Sticky binders: each is a no-op once *rc is not SQLITE_OK. Text is bound
 * SQLITE_STATIC: it must outlive the step. */
static void b_text(sqlite3_stmt *st, int i, const char *v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static void b_int(sqlite3_stmt *st, int i, sqlite3_int64 v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_int64(st, i, v);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Runs a cached statement that needs no bindings, discarding rows. */
static int run_simple(struct store *s, enum st_id id, struct cl_errbuf *eb, const char *what)
{
	sqlite3_stmt *st = NULL;
	int rc = st_get(s, id, &st, eb);

	if (rc)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	rc = rc == SQLITE_DONE ? CL_OK : st_fail(s, rc, eb, what);
	st_put(s, id, st);
	return rc;
}

/* Steps a bound statement that returns no rows we need. */
static int step_done(struct store *s, sqlite3_stmt *st, struct cl_errbuf *eb, const char *what)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	return rc == SQLITE_DONE ? CL_OK : st_fail(s, rc, eb, what);
}

/* ---- transactions ----------------------------------------------------- */

/* A write may run unless SQLite already rolled the batch back. */
static int tx_usable(struct store *s, struct cl_errbuf *eb)
{
	if (s->tx_aborted)
		return cl_fail(eb, CL_EDB,
			       "the batch transaction was rolled back after an earlier"
			       " error; call store_rollback");
	return CL_OK;
}

/* Starts a write: BEGIN IMMEDIATE on its own (the write lock at once, so
 * a waiting writer goes through the busy timeout), a savepoint inside
 * store_begin. */
static int tx_begin(struct store *s, struct cl_errbuf *eb)
{
	int rc = tx_usable(s, eb);

	if (rc)
		return rc;
	if (s->in_tx)
		return run_simple(s, ST_SAVEPOINT, eb, "savepoint");
	return run_simple(s, ST_BEGIN_WRITE, eb, "start writing");
}

/* Ends a write started by tx_begin: keeps it when rc is CL_OK, else undoes
 * exactly it (only the savepoint inside store_begin). Returns the final
 * result; the error detail of a failed write is kept in eb. */
static int tx_end(struct store *s, int rc, struct cl_errbuf *eb)
{
	if (rc == CL_OK) {
		if (s->in_tx)
			rc = run_simple(s, ST_RELEASE, eb, "release savepoint");
		else
			rc = run_simple(s, ST_COMMIT, eb, "commit");
		if (rc == CL_OK)
			return CL_OK;
	}
	if (s->in_tx) {
		if (sqlite3_get_autocommit(s->db)) {
			/* SQLite rolled back the whole batch (I/O error, disk
			 * full): later writes must not run outside it. */
			s->tx_aborted = 1;
		} else {
			run_simple(s, ST_ROLLBACK_TO, NULL, "rollback to savepoint");
			run_simple(s, ST_RELEASE, NULL, "release savepoint");
		}
	} else if (!sqlite3_get_autocommit(s->db)) {
		run_simple(s, ST_ROLLBACK, NULL, "rollback");
	}
	return rc;
}

int store_begin(struct store *s, struct cl_errbuf *eb)
{
	int rc;

	if (!s)
		return cl_fail(eb, CL_EINVAL, "store_begin: no store");
	if (s->in_tx || s->tx_aborted)
		return cl_fail(eb, CL_EINVAL, "store_begin: a transaction is already open");
	rc = run_simple(s, ST_BEGIN_WRITE, eb, "begin transaction");
	if (rc == CL_OK)
		s->in_tx = 1;
	return rc;
}

int store_commit(struct store *s, struct cl_errbuf *eb)
{
	int rc;

	if (!s)
		return cl_fail(eb, CL_EINVAL, "store_commit: no store");
	if (s->tx_aborted) {
		s->tx_aborted = 0;
		s->in_tx = 0;
		return cl_fail(eb, CL_EDB,
			       "commit: the transaction was rolled back after an earlier"
			       " error; nothing was stored");
	}
	if (!s->in_tx)
		return cl_fail(eb, CL_EINVAL, "store_commit: no transaction is open");
	rc = run_simple(s, ST_COMMIT, eb, "commit");
	if (rc != CL_OK && !sqlite3_get_autocommit(s->db))
		run_simple(s, ST_ROLLBACK, NULL, "rollback");
	s->in_tx = 0;
	return rc;
}

int store_rollback(struct store *s)
{
	int had;

	if (!s)
		return CL_EINVAL;
	had = s->in_tx || s->tx_aborted;
	if (!sqlite3_get_autocommit(s->db))
		run_simple(s, ST_ROLLBACK, NULL, "rollback");
	s->in_tx = 0;
	s->tx_aborted = 0;
	return had ? CL_OK : CL_EINVAL;
}

/* ---- open / close ----------------------------------------------------- */

void store_now(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, 32, "1970-01-01T00:00:00Z");
}

/* mkdir -p with mode for every directory it creates. */
static int make_dirs(const char *dir, mode_t mode, struct cl_errbuf *eb)
{
	char *p = strdup(dir), *q, c;
	struct stat sb;
	int rc = CL_OK;

	if (!p)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	for (q = p + 1;; q++) {
		if (*q != '/' && *q != '\0')
			continue;
		c = *q;
		*q = '\0';
		if (mkdir(p, mode) != 0 && errno != EEXIST) {
			rc = cl_fail(eb, CL_EIO, "cannot create directory %s: %s", p, strerror(errno));
			goto out;
		}
		*q = c;
		if (c == '\0')
			break;
	}
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		rc = cl_fail(eb, CL_EIO, "%s is not a directory", dir);
out:
	free(p);
	return rc;
}

/* Brings the schema to STORE_SCHEMA_VERSION, one transaction per step. */
static int migrate(struct store *s, struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	char *errmsg = NULL;
	char sql[64];
	int rc, v;

	for (;;) {
		rc = run_simple(s, ST_BEGIN_WRITE, eb, "migrate: begin");
		if (rc)
			return rc;
		/* Read again under the write lock: another process may have
		 * migrated meanwhile. */
		rc = st_get(s, ST_SCHEMA_INFO, &st, eb);
		if (rc)
			goto fail;
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW) {
			rc = st_fail(s, rc, eb, "migrate: read schema version");
			st_put(s, ST_SCHEMA_INFO, st);
			goto fail;
		}
		v = sqlite3_column_int(st, 0);
		st_put(s, ST_SCHEMA_INFO, st);
		if (v >= STORE_SCHEMA_VERSION)
			return run_simple(s, ST_COMMIT, eb, "migrate: commit");
		if (sqlite3_exec(s->db, migrations[v], NULL, NULL, &errmsg) != SQLITE_OK) {
			rc = cl_fail(eb, CL_EDB, "migrate schema %d -> %d: %s", v, v + 1,
				     errmsg ? errmsg : sqlite3_errmsg(s->db));
			sqlite3_free(errmsg);
			goto fail;
		}
		/* An integer from the program, not data. */
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			rc = st_fail(s, rc, eb, "migrate: set user_version");
			goto fail;
		}
		rc = run_simple(s, ST_COMMIT, eb, "migrate: commit");
		if (rc)
			goto fail;
	}
fail:
	if (!sqlite3_get_autocommit(s->db))
		run_simple(s, ST_ROLLBACK, NULL, "rollback");
	return rc;
}

/* Runs a PRAGMA that returns one text row; copies it into val. */
static int pragma_text(struct store *s, const char *sql, char *val, size_t n,
		       struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			snprintf(val, n, "%s", col_text(st, 0) ? col_text(st, 0) : "");
			rc = SQLITE_OK;
		} else if (rc == SQLITE_DONE) {
			*val = '\0';
			rc = SQLITE_OK;
		}
	}
	if (rc != SQLITE_OK)
		rc = st_fail(s, rc, eb, s->path);
	sqlite3_finalize(st);
	return rc;
}

/* Sets the connection up and checks the file is ours and not too new. */
static int setup(struct store *s, struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	char mode[32];
	int rc, v, app, nobj, waited;

	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	rc = pragma_text(s, "PRAGMA foreign_keys = ON", mode, sizeof mode, eb);
	if (rc)
		return rc;
	if (!(s->flags & STORE_READONLY)) {
		/* Switching a fresh file to WAL needs an exclusive lock and SQLite
		 * does not run the busy handler for it: retry here, within the
		 * same time limit (several processes creating one store). */
		for (waited = 0;; waited += 20) {
			rc = pragma_text(s, "PRAGMA journal_mode = WAL", mode, sizeof mode, eb);
			if (rc != CL_EBUSY || waited >= STORE_BUSY_MS)
				break;
			sqlite3_sleep(20);
		}
		if (rc)
			return rc;
		if (strcmp(mode, "wal") != 0)
			return cl_fail(eb, CL_EDB, "%s: cannot use WAL mode (journal mode is %s)",
				       s->path, mode);
	}
	rc = pragma_text(s, "PRAGMA synchronous = FULL", mode, sizeof mode, eb);
	if (rc)
		return rc;

	rc = st_get(s, ST_SCHEMA_INFO, &st, eb);
	if (rc)
		return rc;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = st_fail(s, rc, eb, s->path);
		st_put(s, ST_SCHEMA_INFO, st);
		return rc;
	}
	v = sqlite3_column_int(st, 0);
	app = sqlite3_column_int(st, 1);
	nobj = sqlite3_column_int(st, 2);
	st_put(s, ST_SCHEMA_INFO, st);

	if (app != 0 && app != STORE_APP_ID)
		return cl_fail(eb, CL_EDB,
			       "%s is a SQLite database of another program"
			       " (application_id 0x%08x), not a caselib store",
			       s->path, (unsigned)app);
	if (v > STORE_SCHEMA_VERSION)
		return cl_fail(eb, CL_ESCHEMA,
			       "database schema version %d is newer than this program (%d)",
			       v, STORE_SCHEMA_VERSION);
	if (v == 0 && nobj > 0 && app != STORE_APP_ID)
		return cl_fail(eb, CL_EDB, "%s is a SQLite database but not a caselib store",
			       s->path);
	if (v < STORE_SCHEMA_VERSION) {
		if (s->flags & STORE_READONLY)
			return cl_fail(eb, CL_EDB,
				       "database schema version %d is older than this program"
				       " (%d); open it once for writing to migrate it",
				       v, STORE_SCHEMA_VERSION);
		return migrate(s, eb);
	}
	return CL_OK;
}

int store_open(const char *dir, unsigned flags, struct store **out, struct cl_errbuf *eb)
{
	struct store *s = NULL;
	struct stat sb;
	int rc, fd, oflags;

	if (out)
		*out = NULL;
	if (!dir || !*dir || !out)
		return cl_fail(eb, CL_EINVAL, "store_open: no directory given");
	if ((flags & STORE_CREATE) && (flags & STORE_READONLY))
		return cl_fail(eb, CL_EINVAL, "store_open: STORE_CREATE with STORE_READONLY");
	s = calloc(1, sizeof *s);
	if (!s)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	s->flags = flags;
	if (asprintf(&s->path, "%s/%s", dir, STORE_DB_NAME) < 0) {
		s->path = NULL;
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	if (stat(s->path, &sb) != 0) {
		if (errno != ENOENT) {
			rc = cl_fail(eb, CL_EIO, "%s: %s", s->path, strerror(errno));
			goto out;
		}
		if (!(flags & STORE_CREATE)) {
			rc = cl_fail(eb, CL_ENOTFOUND, "no case store in %s (%s does not exist)",
				     dir, s->path);
			goto out;
		}
		rc = make_dirs(dir, 0750, eb);
		if (rc)
			goto out;
		/* Created here with its final mode (SQLite would use 0644; the
		 * -wal and -shm files copy it). An empty file is an empty
		 * database. EEXIST: another process was quicker. */
		fd = open(s->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
		if (fd >= 0) {
			close(fd);
		} else if (errno != EEXIST) {
			rc = cl_fail(eb, CL_EIO, "cannot create %s: %s", s->path, strerror(errno));
			goto out;
		}
	} else if (!S_ISREG(sb.st_mode)) {
		rc = cl_fail(eb, CL_EIO, "%s is not a regular file", s->path);
		goto out;
	}

	oflags = (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	rc = sqlite3_open_v2(s->path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = db_fail(s->db, rc, eb, s->path);
		goto out;
	}
	rc = setup(s, eb);
out:
	if (rc) {
		store_close(s);
		return rc;
	}
	*out = s;
	return CL_OK;
}

void store_close(struct store *s)
{
	size_t i;

	if (!s)
		return;
	if (s->db && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

struct sqlite3 *store_db(struct store *s)
{
	return s ? s->db : NULL;
}

/* ---- reading records -------------------------------------------------- */

/* Parses a stored document into c. A stored document that no longer parses
 * means the store is damaged (or was written by a newer program). */
static int parse_doc(const char *id, const char *doc, int len, struct case_record *c,
		     struct cl_errbuf *eb)
{
	struct case_problems probs;
	int rc;

	case_problems_init(&probs);
	rc = case_parse(doc ? doc : "", doc && len > 0 ? (size_t)len : 0, 0, c, &probs);
	if (rc == CL_EVALIDATION)
		rc = cl_fail(eb, CL_ECORRUPT, "stored case %s does not parse: %s: %s", id,
			     probs.n ? probs.v[0].path : "$",
			     probs.n ? probs.v[0].reason : "invalid");
	else if (rc)
		rc = cl_fail(eb, rc, "stored case %s: %s", id, cl_strerror(rc));
	case_problems_release(&probs);
	return rc;
}

/* The current row of a case, read inside the write transaction. */
struct current {
	int found;
	long version;
	char *status;
	char *doc;
	char *created_at;
};

static void current_release(struct current *cur)
{
	free(cur->status);
	free(cur->doc);
	free(cur->created_at);
	memset(cur, 0, sizeof *cur);
}

static char *dup_col(sqlite3_stmt *st, int i, int *nomem)
{
	const char *t = col_text(st, i);
	char *d;

	if (!t)
		return NULL;
	d = strdup(t);
	if (!d)
		*nomem = 1;
	return d;
}

static int read_current(struct store *s, const char *id, struct current *cur,
			struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc, brc = SQLITE_OK, nomem = 0;

	memset(cur, 0, sizeof *cur);
	rc = st_get(s, ST_GET_CURRENT, &st, eb);
	if (rc)
		return rc;
	b_text(st, 1, id, &brc);
	if (brc != SQLITE_OK) {
		rc = st_fail(s, brc, eb, "read case");
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		cur->found = 1;
		cur->version = (long)sqlite3_column_int64(st, 0);
		cur->status = dup_col(st, 1, &nomem);
		cur->doc = dup_col(st, 2, &nomem);
		cur->created_at = dup_col(st, 3, &nomem);
		rc = nomem ? cl_fail(eb, CL_ENOMEM, "out of memory") : CL_OK;
	} else if (rc == SQLITE_DONE) {
		rc = CL_OK;
	} else {
		rc = st_fail(s, rc, eb, "read case");
	}
out:
	st_put(s, ST_GET_CURRENT, st);
	if (rc)
		current_release(cur);
	return rc;
}

/* Reads one doc column of a one-row query (id bound to ?1, version to ?2
 * when version > 0) and parses it into c. */
static int get_doc(struct store *s, enum st_id id_st, const char *id, long version,
		   struct case_record *c, struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc, brc = SQLITE_OK;

	if (!s || !id || !c)
		return cl_fail(eb, CL_EINVAL, "store: no store, id or record");
	case_release(c);
	rc = st_get(s, id_st, &st, eb);
	if (rc)
		return rc;
	b_text(st, 1, id, &brc);
	if (version > 0)
		b_int(st, 2, version, &brc);
	if (brc != SQLITE_OK) {
		rc = st_fail(s, brc, eb, "read case");
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rc = parse_doc(id, col_text(st, 0), sqlite3_column_bytes(st, 0), c, eb);
	} else if (rc == SQLITE_DONE) {
		if (version > 0)
			rc = cl_fail(eb, CL_ENOTFOUND, "case %s has no version %ld", id, version);
		else
			rc = cl_fail(eb, CL_ENOTFOUND, "no case %s", id);
	} else {
		rc = st_fail(s, rc, eb, "read case");
	}
out:
	st_put(s, id_st, st);
	return rc;
}

int store_get_case(struct store *s, const char *id, struct case_record *c,
		   struct cl_errbuf *eb)
{
	return get_doc(s, ST_GET_DOC, id, 0, c, eb);
}

int store_case_status(struct store *s, const char *id, char *buf, size_t cap,
		      struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc, brc = SQLITE_OK;

	if (!s || !id || !buf || !cap)
		return cl_fail(eb, CL_EINVAL, "store_case_status: missing argument");
	buf[0] = '\0';
	rc = st_get(s, ST_GET_STATUS, &st, eb);
	if (rc)
		return rc;
	b_text(st, 1, id, &brc);
	if (brc != SQLITE_OK) {
		rc = st_fail(s, brc, eb, "read case status");
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(buf, cap, "%s", col_text(st, 0));
		rc = CL_OK;
	} else if (rc == SQLITE_DONE) {
		rc = cl_fail(eb, CL_ENOTFOUND, "no case %s", id);
	} else {
		rc = st_fail(s, rc, eb, "read case status");
	}
out:
	st_put(s, ST_GET_STATUS, st);
	return rc;
}

int store_get_version(struct store *s, const char *id, long version,
		      struct case_record *c, struct cl_errbuf *eb)
{
	if (version < 1)
		return cl_fail(eb, CL_ENOTFOUND, "case %s has no version %ld", id ? id : "", version);
	return get_doc(s, ST_GET_VERSION, id, version, c, eb);
}

int store_list_versions(struct store *s, const char *id,
			int (*cb)(const struct store_version_info *vi, void *ud), void *ud,
			struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc, brc = SQLITE_OK, n = 0;

	if (!s || !id || !cb)
		return cl_fail(eb, CL_EINVAL, "store_list_versions: missing argument");
	rc = st_get(s, ST_LIST_VERSIONS, &st, eb);
	if (rc)
		return rc;
	b_text(st, 1, id, &brc);
	if (brc != SQLITE_OK) {
		rc = st_fail(s, brc, eb, "list versions");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_version_info vi = {
			.version = (long)sqlite3_column_int64(st, 0),
			.status = col_text(st, 1),
			.actor = col_text(st, 2),
			.created_at = col_text(st, 3),
		};
		n++;
		rc = cb(&vi, ud);
		if (rc)
			goto out;
	}
	if (rc != SQLITE_DONE)
		rc = st_fail(s, rc, eb, "list versions");
	else if (n == 0)
		rc = cl_fail(eb, CL_ENOTFOUND, "no case %s", id);
	else
		rc = CL_OK;
out:
	st_put(s, ST_LIST_VERSIONS, st);
	return rc;
}

/* ---- writing records -------------------------------------------------- */

/* Replaces a string field of a record with a copy of v. */
static int set_str(char **field, const char *v)
{
	char *d = v ? strdup(v) : NULL;

	if (v && !d)
		return CL_ENOMEM;
	free(*field);
	*field = d;
	return CL_OK;
}

/* The record must be valid: a stored document that case_parse refuses
 * could never be read back. */
static int check_valid(const struct case_record *c, struct cl_errbuf *eb)
{
	struct case_problems probs;
	json_t *j = case_to_json(c);
	int rc;

	if (!j)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	case_problems_init(&probs);
	rc = case_validate_json(j, 0, &probs);
	if (rc == CL_EVALIDATION && probs.n)
		rc = cl_fail(eb, rc, "case %s: %s: %s%s", c->id, probs.v[0].path,
			     probs.v[0].reason, probs.n > 1 ? " (and more problems)" : "");
	else if (rc)
		rc = cl_fail(eb, rc, "case %s: %s", c->id, cl_strerror(rc));
	case_problems_release(&probs);
	json_decref(j);
	return rc;
}

/* Is the stored current document's content equal to content (which is
 * case_to_string(new, 1))? A stored document that does not parse counts as
 * different, so the new write repairs it. */
static int same_content(const struct current *cur, const char *content)
{
	struct case_record old;
	struct case_problems probs;
	char *old_content = NULL;
	int same = 0;

	case_init(&old);
	case_problems_init(&probs);
	if (cur->doc && case_parse(cur->doc, strlen(cur->doc), 0, &old, &probs) == CL_OK) {
		old_content = case_to_string(&old, 1);
		same = old_content && strcmp(old_content, content) == 0;
	}
	free(old_content);
	case_problems_release(&probs);
	case_release(&old);
	return same;
}

/* Writes rec as the next version of its case (cur is the current row, if
 * any): cases, case_versions, sources, changes and audit. Runs inside a
 * transaction or savepoint opened by the caller. Sets rec's version,
 * created_at and updated_at. */
static int write_version(struct store *s, struct case_record *rec, const struct current *cur,
			 const char *op, const char *actor, struct store_put_result *res,
			 struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	enum st_id sid = ST_UPSERT_CASE;
	char now[32], detail[32];
	char *doc = NULL;
	int rc, brc = SQLITE_OK;
	size_t i;

	store_now(now);
	rec->version = cur->found ? cur->version + 1 : 1;
	if (set_str(&rec->created_at, cur->found && cur->created_at ? cur->created_at : now) ||
	    set_str(&rec->updated_at, now)) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	doc = case_to_string(rec, 0);
	if (!doc) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	if (strlen(doc) > CASE_JSON_MAX_BYTES) {
		rc = cl_fail(eb, CL_ETOOBIG, "case %s: the record is %zu bytes, over the limit of %d",
			     rec->id, strlen(doc), CASE_JSON_MAX_BYTES);
		goto out;
	}

	sid = ST_UPSERT_CASE;
	if ((rc = st_get(s, sid, &st, eb)))
		goto out;
	b_text(st, 1, rec->id, &brc);
	b_text(st, 2, rec->kind, &brc);
	b_text(st, 3, rec->status, &brc);
	b_int(st, 4, rec->version, &brc);
	b_text(st, 5, doc, &brc);
	b_text(st, 6, rec->created_at, &brc);
	b_text(st, 7, rec->updated_at, &brc);
	rc = brc ? st_fail(s, brc, eb, "write case") : step_done(s, st, eb, "write case");
	st_put(s, sid, st);
	st = NULL;
	if (rc)
		goto out;

	sid = ST_INSERT_VERSION;
	if ((rc = st_get(s, sid, &st, eb)))
		goto out;
	b_text(st, 1, rec->id, &brc);
	b_int(st, 2, rec->version, &brc);
	b_text(st, 3, rec->status, &brc);
	b_text(st, 4, doc, &brc);
	b_text(st, 5, actor, &brc);
	b_text(st, 6, now, &brc);
	rc = brc ? st_fail(s, brc, eb, "write version") : step_done(s, st, eb, "write version");
	st_put(s, sid, st);
	st = NULL;
	if (rc)
		goto out;

	sid = ST_INSERT_SOURCE;
	for (i = 0; i < rec->nsources; i++) {
		const struct case_source *src = &rec->sources[i];
		if ((rc = st_get(s, sid, &st, eb)))
			goto out;
		b_text(st, 1, rec->id, &brc);
		b_int(st, 2, rec->version, &brc);
		b_int(st, 3, (sqlite3_int64)i, &brc);
		b_text(st, 4, src->url, &brc);
		b_text(st, 5, src->retrieved_at, &brc);
		b_text(st, 6, src->sha256, &brc);
		b_text(st, 7, src->format, &brc);
		b_text(st, 8, src->licence, &brc);
		rc = brc ? st_fail(s, brc, eb, "write source") : step_done(s, st, eb, "write source");
		st_put(s, sid, st);
		st = NULL;
		if (rc)
			goto out;
	}

	sid = ST_INSERT_CHANGE;
	if ((rc = st_get(s, sid, &st, eb)))
		goto out;
	b_text(st, 1, rec->id, &brc);
	b_text(st, 2, op, &brc);
	b_int(st, 3, rec->version, &brc);
	b_text(st, 4, now, &brc);
	rc = brc ? st_fail(s, brc, eb, "write change") : step_done(s, st, eb, "write change");
	st_put(s, sid, st);
	st = NULL;
	if (rc)
		goto out;
	res->seq = (int64_t)sqlite3_last_insert_rowid(s->db);

	sid = ST_INSERT_AUDIT;
	if ((rc = st_get(s, sid, &st, eb)))
		goto out;
	snprintf(detail, sizeof detail, "v%ld", rec->version);
	b_text(st, 1, now, &brc);
	b_text(st, 2, actor, &brc);
	b_text(st, 3, op, &brc);
	b_text(st, 4, rec->id, &brc);
	b_text(st, 5, detail, &brc);
	rc = brc ? st_fail(s, brc, eb, "write audit") : step_done(s, st, eb, "write audit");
	st_put(s, sid, st);
	st = NULL;
	if (rc)
		goto out;

	res->version = rec->version;
	res->created = !cur->found;
	res->unchanged = 0;
out:
	st_put(s, sid, st);
	free(doc);
	return rc;
}

int store_put_case(struct store *s, const struct case_record *c, const char *actor,
		   struct store_put_result *res, struct cl_errbuf *eb)
{
	struct store_put_result r = {0};
	struct case_record rec;
	struct current cur = {0};
	char *content = NULL;
	int rc, tx = 0;

	case_init(&rec);
	if (res)
		memset(res, 0, sizeof *res);
	if (!s || !c || !c->id || !actor || !*actor)
		return cl_fail(eb, CL_EINVAL, "store_put_case: missing store, record, id or actor");
	if ((rc = case_copy(&rec, c)) != CL_OK) {
		rc = cl_fail(eb, rc, "out of memory");
		goto out;
	}
	rec.version = 0;
	if (set_str(&rec.created_at, NULL) || set_str(&rec.updated_at, NULL) ||
	    (!rec.status && set_str(&rec.status, "published"))) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = check_valid(&rec, eb)))
		goto out;
	content = case_to_string(&rec, 1);
	if (!content) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}

	if ((rc = tx_begin(s, eb)))
		goto out;
	tx = 1;
	if ((rc = read_current(s, rec.id, &cur, eb)))
		goto out;
	if (cur.found && cur.status && strcmp(cur.status, rec.status) == 0 &&
	    same_content(&cur, content)) {
		r.version = cur.version;
		r.unchanged = 1;
		goto out;
	}
	rc = write_version(s, &rec, &cur, "put", actor, &r, eb);
out:
	if (tx)
		rc = tx_end(s, rc, eb);
	if (rc == CL_OK && res)
		*res = r;
	free(content);
	current_release(&cur);
	case_release(&rec);
	return rc;
}

int store_delete_case(struct store *s, const char *id, const char *actor,
		      struct store_put_result *res, struct cl_errbuf *eb)
{
	struct store_put_result r = {0};
	struct case_record rec;
	struct current cur = {0};
	int rc, tx = 0;

	case_init(&rec);
	if (res)
		memset(res, 0, sizeof *res);
	if (!s || !id || !actor || !*actor)
		return cl_fail(eb, CL_EINVAL, "store_delete_case: missing store, id or actor");
	if ((rc = tx_begin(s, eb)))
		goto out;
	tx = 1;
	if ((rc = read_current(s, id, &cur, eb)))
		goto out;
	if (!cur.found) {
		rc = cl_fail(eb, CL_ENOTFOUND, "no case %s", id);
		goto out;
	}
	if (cur.status && strcmp(cur.status, "withdrawn") == 0) {
		r.version = cur.version;
		r.unchanged = 1;
		goto out;
	}
	if ((rc = parse_doc(id, cur.doc, cur.doc ? (int)strlen(cur.doc) : 0, &rec, eb)))
		goto out;
	if (set_str(&rec.status, "withdrawn")) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	rc = write_version(s, &rec, &cur, "delete", actor, &r, eb);
out:
	if (tx)
		rc = tx_end(s, rc, eb);
	if (rc == CL_OK && res)
		*res = r;
	current_release(&cur);
	case_release(&rec);
	return rc;
}

/* ---- walks and counts ------------------------------------------------- */

int store_foreach_case(struct store *s, const char *status,
		       int (*cb)(const struct case_record *c, void *ud), void *ud,
		       struct cl_errbuf *eb)
{
	enum st_id sid = status ? ST_FOREACH_STATUS : ST_FOREACH_ALL;
	sqlite3_stmt *st = NULL;
	struct case_record c;
	int rc, brc = SQLITE_OK;

	if (!s || !cb)
		return cl_fail(eb, CL_EINVAL, "store_foreach_case: missing store or callback");
	case_init(&c);
	rc = st_get(s, sid, &st, eb);
	if (rc)
		return rc;
	if (status)
		b_text(st, 1, status, &brc);
	if (brc != SQLITE_OK) {
		rc = st_fail(s, brc, eb, "list cases");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = parse_doc("(walk)", col_text(st, 0), sqlite3_column_bytes(st, 0), &c, eb);
		if (rc)
			goto out;
		rc = cb(&c, ud);
		case_release(&c);
		if (rc)
			goto out;
	}
	rc = rc == SQLITE_DONE ? CL_OK : st_fail(s, rc, eb, "list cases");
out:
	case_release(&c);
	st_put(s, sid, st);
	return rc;
}

int store_changes_since(struct store *s, int64_t after, size_t max,
			int (*cb)(const struct store_change *ch, void *ud), void *ud,
			struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc, brc = SQLITE_OK;

	if (!s || !cb)
		return cl_fail(eb, CL_EINVAL, "store_changes_since: missing store or callback");
	rc = st_get(s, ST_CHANGES_SINCE, &st, eb);
	if (rc)
		return rc;
	b_int(st, 1, after, &brc);
	b_int(st, 2, max == 0 || max > (size_t)INT64_MAX ? -1 : (sqlite3_int64)max, &brc);
	if (brc != SQLITE_OK) {
		rc = st_fail(s, brc, eb, "read change log");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_change ch = {
			.seq = sqlite3_column_int64(st, 0),
			.case_id = col_text(st, 1),
			.op = col_text(st, 2),
			.version = (long)sqlite3_column_int64(st, 3),
			.at = col_text(st, 4),
		};
		rc = cb(&ch, ud);
		if (rc)
			goto out;
	}
	rc = rc == SQLITE_DONE ? CL_OK : st_fail(s, rc, eb, "read change log");
out:
	st_put(s, ST_CHANGES_SINCE, st);
	return rc;
}

int store_last_seq(struct store *s, int64_t *seq, struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!s || !seq)
		return cl_fail(eb, CL_EINVAL, "store_last_seq: missing argument");
	*seq = 0;
	rc = st_get(s, ST_LAST_SEQ, &st, eb);
	if (rc)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		rc = CL_OK;
	} else {
		rc = st_fail(s, rc, eb, "read change log");
	}
	st_put(s, ST_LAST_SEQ, st);
	return rc;
}

int store_counts(struct store *s, struct store_counts *out, struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!s || !out)
		return cl_fail(eb, CL_EINVAL, "store_counts: missing argument");
	memset(out, 0, sizeof *out);
	rc = st_get(s, ST_COUNTS, &st, eb);
	if (rc)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->cases = (long)sqlite3_column_int64(st, 0);
		out->published = (long)sqlite3_column_int64(st, 1);
		out->versions = (long)sqlite3_column_int64(st, 2);
		out->changes = (long)sqlite3_column_int64(st, 3);
		out->sources = (long)sqlite3_column_int64(st, 4);
		out->raw_documents = (long)sqlite3_column_int64(st, 5);
		rc = CL_OK;
	} else {
		rc = st_fail(s, rc, eb, "count");
	}
	st_put(s, ST_COUNTS, st);
	return rc;
}

/* ---- raw documents and audit ------------------------------------------ */

static int is_sha256_hex(const char *h)
{
	size_t i;

	if (!h || strlen(h) != 64)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return 0;
	return 1;
}

int store_put_raw(struct store *s, const char *sha256, const char *url,
		  const char *retrieved_at, const char *content_type,
		  const void *body, size_t len, struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	int rc, brc = SQLITE_OK;

	if (!s || !url || (!body && len))
		return cl_fail(eb, CL_EINVAL, "store_put_raw: missing store, url or body");
	if (!is_sha256_hex(sha256))
		return cl_fail(eb, CL_EINVAL, "store_put_raw: sha256 must be 64 lowercase hex digits");
	if ((rc = tx_usable(s, eb)))
		return rc;
	if (!retrieved_at) {
		store_now(now);
		retrieved_at = now;
	}
	rc = st_get(s, ST_PUT_RAW, &st, eb);
	if (rc)
		return rc;
	b_text(st, 1, sha256, &brc);
	b_text(st, 2, url, &brc);
	b_text(st, 3, retrieved_at, &brc);
	b_text(st, 4, content_type, &brc);
	b_int(st, 5, (sqlite3_int64)len, &brc);
	if (brc == SQLITE_OK)
		brc = sqlite3_bind_blob64(st, 6, body ? body : "", (sqlite3_uint64)len,
					  SQLITE_STATIC);
	rc = brc ? st_fail(s, brc, eb, "store raw document")
		 : step_done(s, st, eb, "store raw document");
	st_put(s, ST_PUT_RAW, st);
	return rc;
}

int store_get_raw(struct store *s, const char *sha256, char **body, size_t *len,
		  struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	const void *b;
	int rc, brc = SQLITE_OK, n;

	if (body)
		*body = NULL;
	if (len)
		*len = 0;
	if (!s || !sha256 || !body || !len)
		return cl_fail(eb, CL_EINVAL, "store_get_raw: missing argument");
	rc = st_get(s, ST_GET_RAW, &st, eb);
	if (rc)
		return rc;
	b_text(st, 1, sha256, &brc);
	if (brc != SQLITE_OK) {
		rc = st_fail(s, brc, eb, "read raw document");
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		b = sqlite3_column_blob(st, 0);
		n = sqlite3_column_bytes(st, 0);
		/* One byte more, NUL, so text payloads can be used as strings. */
		*body = malloc((size_t)n + 1);
		if (!*body) {
			rc = cl_fail(eb, CL_ENOMEM, "out of memory");
			goto out;
		}
		if (n > 0)
			memcpy(*body, b, (size_t)n);
		(*body)[n] = '\0';
		*len = (size_t)n;
		rc = CL_OK;
	} else if (rc == SQLITE_DONE) {
		rc = cl_fail(eb, CL_ENOTFOUND, "no raw document %s", sha256);
	} else {
		rc = st_fail(s, rc, eb, "read raw document");
	}
out:
	st_put(s, ST_GET_RAW, st);
	return rc;
}

/* ---- fetch state (the harvester's conditional GET) -------------------- */

void store_fetch_state_init(struct store_fetch_state *fs)
{
	memset(fs, 0, sizeof *fs);
}

void store_fetch_state_release(struct store_fetch_state *fs)
{
	if (!fs)
		return;
	free(fs->etag);
	free(fs->last_modified);
	free(fs->sha256);
	free(fs->fetched_at);
	store_fetch_state_init(fs);
}

int store_get_fetch_state(struct store *s, const char *url, struct store_fetch_state *fs,
			  struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc, brc = SQLITE_OK, nomem = 0;

	if (!s || !url || !fs)
		return cl_fail(eb, CL_EINVAL, "store_get_fetch_state: missing argument");
	store_fetch_state_release(fs);
	rc = st_get(s, ST_GET_FETCH, &st, eb);
	if (rc)
		return rc;
	b_text(st, 1, url, &brc);
	if (brc != SQLITE_OK) {
		rc = st_fail(s, brc, eb, "read fetch state");
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		fs->etag = dup_col(st, 0, &nomem);
		fs->last_modified = dup_col(st, 1, &nomem);
		fs->sha256 = dup_col(st, 2, &nomem);
		fs->status = sqlite3_column_int(st, 3);
		fs->fetched_at = dup_col(st, 4, &nomem);
		rc = nomem ? cl_fail(eb, CL_ENOMEM, "out of memory") : CL_OK;
	} else if (rc == SQLITE_DONE) {
		rc = cl_fail(eb, CL_ENOTFOUND, "no fetch state for %s", url);
	} else {
		rc = st_fail(s, rc, eb, "read fetch state");
	}
out:
	st_put(s, ST_GET_FETCH, st);
	if (rc)
		store_fetch_state_release(fs);
	return rc;
}

int store_put_fetch_state(struct store *s, const char *url, const char *etag,
			  const char *last_modified, const char *sha256, int status,
			  const char *fetched_at, struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	int rc, brc = SQLITE_OK;

	if (!s || !url || !*url)
		return cl_fail(eb, CL_EINVAL, "store_put_fetch_state: missing store or url");
	if (sha256 && !is_sha256_hex(sha256))
		return cl_fail(eb, CL_EINVAL,
			       "store_put_fetch_state: sha256 must be 64 lowercase hex digits");
	if (status < 0)
		return cl_fail(eb, CL_EINVAL, "store_put_fetch_state: negative status");
	if ((rc = tx_usable(s, eb)))
		return rc;
	store_now(now);
	rc = st_get(s, ST_PUT_FETCH, &st, eb);
	if (rc)
		return rc;
	b_text(st, 1, url, &brc);
	b_text(st, 2, etag, &brc);
	b_text(st, 3, last_modified, &brc);
	b_text(st, 4, sha256, &brc);
	b_int(st, 5, status, &brc);
	b_text(st, 6, fetched_at ? fetched_at : now, &brc);
	rc = brc ? st_fail(s, brc, eb, "write fetch state")
		 : step_done(s, st, eb, "write fetch state");
	st_put(s, ST_PUT_FETCH, st);
	return rc;
}

int store_put_ocds_release(struct store *s, const struct store_ocds_release *r,
			   struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc, brc = SQLITE_OK;

	if (!s || !r || !r->ocid || !*r->ocid || !r->kind || !r->release_id || !r->doc ||
	    !r->url || !r->retrieved_at)
		return cl_fail(eb, CL_EINVAL, "store_put_ocds_release: missing argument");
	if (strcmp(r->kind, "release") != 0 && strcmp(r->kind, "compiled") != 0)
		return cl_fail(eb, CL_EINVAL, "store_put_ocds_release: kind must be release or compiled");
	if (r->sha256 && !is_sha256_hex(r->sha256))
		return cl_fail(eb, CL_EINVAL,
			       "store_put_ocds_release: sha256 must be 64 lowercase hex digits");
	if ((rc = tx_usable(s, eb)))
		return rc;
	if ((rc = st_get(s, ST_PUT_OCDS, &st, eb)))
		return rc;
	b_text(st, 1, r->ocid, &brc);
	b_text(st, 2, r->kind, &brc);
	b_text(st, 3, r->release_id, &brc);
	b_text(st, 4, r->date ? r->date : "", &brc);
	b_text(st, 5, r->doc, &brc);
	b_text(st, 6, r->package, &brc);
	b_text(st, 7, r->url, &brc);
	b_text(st, 8, r->sha256, &brc);
	b_text(st, 9, r->retrieved_at, &brc);
	rc = brc ? st_fail(s, brc, eb, "write OCDS release")
		 : step_done(s, st, eb, "write OCDS release");
	st_put(s, ST_PUT_OCDS, st);
	return rc;
}

int store_each_ocds_release(struct store *s, const char *ocid,
			    int (*fn)(void *ud, const struct store_ocds_release *r), void *ud,
			    struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc, brc = SQLITE_OK;

	if (!s || !ocid || !fn)
		return cl_fail(eb, CL_EINVAL, "store_each_ocds_release: missing argument");
	if ((rc = st_get(s, ST_EACH_OCDS, &st, eb)))
		return rc;
	b_text(st, 1, ocid, &brc);
	if (brc != SQLITE_OK) {
		rc = st_fail(s, brc, eb, "read OCDS releases");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_ocds_release r;
		int frc;

		r.ocid = (const char *)sqlite3_column_text(st, 0);
		r.kind = (const char *)sqlite3_column_text(st, 1);
		r.release_id = (const char *)sqlite3_column_text(st, 2);
		r.date = (const char *)sqlite3_column_text(st, 3);
		r.doc = (const char *)sqlite3_column_text(st, 4);
		r.package = (const char *)sqlite3_column_text(st, 5);
		r.url = (const char *)sqlite3_column_text(st, 6);
		r.sha256 = (const char *)sqlite3_column_text(st, 7);
		r.retrieved_at = (const char *)sqlite3_column_text(st, 8);
		if (!r.ocid || !r.kind || !r.release_id || !r.date || !r.doc || !r.url ||
		    !r.retrieved_at) {
			rc = cl_fail(eb, CL_ENOMEM, "out of memory");
			goto out;
		}
		if ((frc = fn(ud, &r))) {
			rc = frc;
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? CL_OK : st_fail(s, rc, eb, "read OCDS releases");
out:
	st_put(s, ST_EACH_OCDS, st);
	return rc;
}

int store_audit(struct store *s, const char *actor, const char *action,
		const char *object, const char *detail, struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	int rc, brc = SQLITE_OK;

	if (!s || !actor || !action)
		return cl_fail(eb, CL_EINVAL, "store_audit: missing store, actor or action");
	if ((rc = tx_usable(s, eb)))
		return rc;
	store_now(now);
	rc = st_get(s, ST_INSERT_AUDIT, &st, eb);
	if (rc)
		return rc;
	b_text(st, 1, now, &brc);
	b_text(st, 2, actor, &brc);
	b_text(st, 3, action, &brc);
	b_text(st, 4, object, &brc);
	b_text(st, 5, detail, &brc);
	rc = brc ? st_fail(s, brc, eb, "write audit") : step_done(s, st, eb, "write audit");
	st_put(s, ST_INSERT_AUDIT, st);
	return rc;
}

/* ---- consistency check ------------------------------------------------ */

struct checker {
	struct store *s;
	void (*report)(const char *line, void *ud);
	void *ud;
	long problems;
};

static void ck_report(struct checker *ck, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ck_report(struct checker *ck, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	ck->problems++;
	if (!ck->report)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	ck->report(line, ck->ud);
}

static const char *txt(sqlite3_stmt *st, int i)
{
	const char *t = col_text(st, i);
	return t ? t : "(null)";
}

/* Runs one check query; each row is one problem, formatted by the id. */
static int ck_run(struct checker *ck, enum st_id id, struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc = st_get(ck->s, id, &st, eb);
	long long a, b;

	if (rc)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		switch (id) {
		case ST_CK_INTEGRITY:
			if (strcmp(txt(st, 0), "ok") != 0)
				ck_report(ck, "integrity: %s", txt(st, 0));
			break;
		case ST_CK_FOREIGN:
			ck_report(ck, "foreign key: %s row %lld refers to a missing row of %s",
				  txt(st, 0), (long long)sqlite3_column_int64(st, 1), txt(st, 2));
			break;
		case ST_CK_GAPS:
			ck_report(ck, "change log: gap after seq %lld (next is %lld)",
				  (long long)sqlite3_column_int64(st, 0),
				  (long long)sqlite3_column_int64(st, 1));
			break;
		case ST_CK_TAIL:
			a = sqlite3_column_int64(st, 0);
			b = sqlite3_column_int64(st, 1);
			if (a > b)
				ck_report(ck,
					  "change log: the last entry is seq %lld but seq %lld was"
					  " issued (entries removed at the end)", b, a);
			break;
		case ST_CK_CHANGE_VERSION:
			ck_report(ck, "change log: seq %lld names %s version %lld, which does"
				  " not exist", (long long)sqlite3_column_int64(st, 0), txt(st, 1),
				  (long long)sqlite3_column_int64(st, 2));
			break;
		case ST_CK_CURRENT:
			ck_report(ck, sqlite3_column_int(st, 2)
				  ? "case %s: current version %lld is missing from its history"
				  : "case %s: current version %lld differs from its history",
				  txt(st, 0), (long long)sqlite3_column_int64(st, 1));
			break;
		case ST_CK_LATEST:
			ck_report(ck, "case %s: current version is %lld but history goes up to %lld",
				  txt(st, 0), (long long)sqlite3_column_int64(st, 1),
				  (long long)sqlite3_column_int64(st, 2));
			break;
		case ST_CK_SOURCES:
			ck_report(ck, "case %s: version %lld has no sources", txt(st, 0),
				  (long long)sqlite3_column_int64(st, 1));
			break;
		case ST_CK_UNLOGGED:
			ck_report(ck, "case %s: version %lld has no change-log entry"
				  " (search engines would miss it)", txt(st, 0),
				  (long long)sqlite3_column_int64(st, 1));
			break;
		default:
			break;
		}
	}
	rc = rc == SQLITE_DONE ? CL_OK : st_fail(ck->s, rc, eb, "check");
	st_put(ck->s, id, st);
	return rc;
}

int store_check(struct store *s, void (*report)(const char *line, void *ud), void *ud,
		struct cl_errbuf *eb)
{
	static const enum st_id checks[] = {
		ST_CK_INTEGRITY, ST_CK_FOREIGN, ST_CK_GAPS, ST_CK_TAIL, ST_CK_CHANGE_VERSION,
		ST_CK_CURRENT, ST_CK_LATEST, ST_CK_SOURCES, ST_CK_UNLOGGED,
	};
	struct checker ck = {.s = s, .report = report, .ud = ud};
	int rc = CL_OK, own_tx = 0;
	size_t i;

	if (!s)
		return cl_fail(eb, CL_EINVAL, "store_check: no store");
	/* One read transaction: every check sees the same snapshot. */
	if (sqlite3_get_autocommit(s->db)) {
		if ((rc = run_simple(s, ST_BEGIN_READ, eb, "check: begin")))
			return rc;
		own_tx = 1;
	}
	for (i = 0; i < sizeof checks / sizeof checks[0] && rc == CL_OK; i++)
		rc = ck_run(&ck, checks[i], eb);
	if (own_tx)
		run_simple(s, ST_COMMIT, NULL, "check: end");
	if (rc)
		return rc;
	if (ck.problems)
		return cl_fail(eb, CL_ECORRUPT, "%s: %ld problem%s found", s->path, ck.problems,
			       ck.problems == 1 ? "" : "s");
	return CL_OK;
}

/* ---- backup ----------------------------------------------------------- */

static int fsync_path(const char *path, int dir)
{
	int fd = open(path, (dir ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Removes path + suffix if present. */
static int unlink_suffix(const char *path, const char *suffix)
{
	char *p = NULL;
	int rc = 0;

	if (asprintf(&p, "%s%s", path, suffix) < 0)
		return -1;
	if (unlink(p) != 0 && errno != ENOENT)
		rc = -1;
	free(p);
	return rc;
}

int store_backup(struct store *s, const char *dest, struct cl_errbuf *eb)
{
	sqlite3 *bdb = NULL;
	sqlite3_backup *bk = NULL;
	char *tmp = NULL, *dir = NULL, *slash;
	int rc = CL_OK, src, fd, tries = 0;

	if (!s || !dest || !*dest)
		return cl_fail(eb, CL_EINVAL, "store_backup: missing store or destination");
	if (s->in_tx || !sqlite3_get_autocommit(s->db))
		return cl_fail(eb, CL_EINVAL, "store_backup: cannot back up inside an open transaction");
	if (asprintf(&tmp, "%s.tmp-XXXXXX", dest) < 0 || !(dir = strdup(dest))) {
		tmp = NULL;
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';

	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = cl_fail(eb, CL_EIO, "backup: cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	/* Closed before SQLite opens it: closing any descriptor of a file
	 * drops the process's POSIX locks on it. */
	close(fd);
	if (fchmodat(AT_FDCWD, tmp, 0640, 0) != 0) {
		rc = cl_fail(eb, CL_EIO, "backup: chmod %s: %s", tmp, strerror(errno));
		goto out;
	}

	src = sqlite3_open_v2(tmp, &bdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (src != SQLITE_OK) {
		rc = db_fail(bdb, src, eb, "backup: open destination");
		goto out;
	}
	bk = sqlite3_backup_init(bdb, "main", s->db, "main");
	if (!bk) {
		rc = db_fail(bdb, sqlite3_errcode(bdb), eb, "backup: start");
		goto out;
	}
	/* All pages in one step, under one read snapshot of the source: in WAL
	 * mode writers carry on meanwhile. BUSY/LOCKED are retried a while. */
	for (;;) {
		src = sqlite3_backup_step(bk, -1);
		if (src == SQLITE_DONE)
			break;
		if (((src & 0xff) == SQLITE_BUSY || (src & 0xff) == SQLITE_LOCKED) &&
		    ++tries * 50 < STORE_BUSY_MS) {
			sqlite3_sleep(50);
			continue;
		}
		break;
	}
	if (src != SQLITE_DONE) {
		sqlite3_backup_finish(bk);
		bk = NULL;
		rc = db_fail(NULL, src, eb, "backup: copy");
		goto out;
	}
	src = sqlite3_backup_finish(bk);
	bk = NULL;
	if (src != SQLITE_OK) {
		rc = db_fail(bdb, src, eb, "backup: finish");
		goto out;
	}
	/* The copy is one self-contained file: no -wal beside it. Opening it
	 * as a store switches it back to WAL. */
	src = sqlite3_exec(bdb, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		rc = db_fail(bdb, src, eb, "backup: set journal mode");
		goto out;
	}
	src = sqlite3_close(bdb);
	bdb = NULL;
	if (src != SQLITE_OK) {
		rc = db_fail(NULL, src, eb, "backup: close");
		goto out;
	}
	if (fsync_path(tmp, 0) != 0) {
		rc = cl_fail(eb, CL_EIO, "backup: fsync %s: %s", tmp, strerror(errno));
		goto out;
	}
	/* A -wal or -shm left beside an older dest would be applied to the new
	 * file when it is opened. */
	if (unlink_suffix(dest, "-wal") != 0 || unlink_suffix(dest, "-shm") != 0) {
		rc = cl_fail(eb, CL_EIO, "backup: cannot remove old %s-wal/-shm: %s", dest,
			     strerror(errno));
		goto out;
	}
	if (rename(tmp, dest) != 0) {
		rc = cl_fail(eb, CL_EIO, "backup: rename %s to %s: %s", tmp, dest, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	if (fsync_path(dir, 1) != 0)
		rc = cl_fail(eb, CL_EIO, "backup: fsync %s: %s", dir, strerror(errno));
out:
	if (bk)
		sqlite3_backup_finish(bk);
	sqlite3_close(bdb);
	if (tmp) {
		unlink(tmp);
		unlink_suffix(tmp, "-journal");
		unlink_suffix(tmp, "-wal");
		unlink_suffix(tmp, "-shm");
	}
	free(tmp);
	free(dir);
	return rc;
}
