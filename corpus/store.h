/* store.h — the case store on SQLite: the source of truth.
 *
 * One database file, DIR/caselib.db, in WAL mode, foreign keys on, busy
 * timeout set, synchronous=FULL (a write that returned CL_OK survives a
 * crash or power loss). The schema is created and migrated by
 * PRAGMA user_version (docs/storage.md). Every statement is prepared.
 *
 * Writing a case writes, in one transaction: the current row, a new row in
 * the version history, its provenance (sources), a change-log entry with a
 * monotonic sequence number (which search engines replay) and an audit
 * entry. A handle is used by one thread at a time; open one per thread. */
#ifndef STORE_H
#define STORE_H

#include <stdint.h>
#include <stddef.h>

#include "case.h"
#include "cl_err.h"

struct store;     /* opaque */
struct sqlite3;   /* borrowed by engines that live in the same file */

#define STORE_SCHEMA_VERSION 6
#define STORE_DB_NAME "caselib.db"

/* store_open flags */
#define STORE_CREATE 0x1u   /* create DIR and the database when missing */
#define STORE_READONLY 0x2u /* open read-only (export, show, check) */

/* Opens (or, with STORE_CREATE, creates) the store in directory dir and
 * migrates its schema. Errors: CL_ENOTFOUND (no store and no
 * STORE_CREATE), CL_ESCHEMA (database newer than this program), CL_EDB,
 * CL_EIO. On success *out is the handle; caller frees with store_close. */
int store_open(const char *dir, unsigned flags, struct store **out, struct cl_errbuf *eb);

/* Closes the handle (rolls back an open transaction). NULL is a no-op. */
void store_close(struct store *s);

/* The underlying connection, borrowed until store_close. */
struct sqlite3 *store_db(struct store *s);

/* Explicit transaction around several writes (batch import). Writes made
 * inside become visible and durable together at store_commit. Without
 * store_begin every write is its own transaction. Nesting is an error
 * (CL_EINVAL). store_begin takes the write lock at once (IMMEDIATE) and
 * waits up to the busy timeout for another writer. */
int store_begin(struct store *s, struct cl_errbuf *eb);
int store_commit(struct store *s, struct cl_errbuf *eb);
int store_rollback(struct store *s);

struct store_put_result {
	long version;    /* the case's version after the call */
	int created;     /* 1: the id was new */
	int unchanged;   /* 1: content equal to the current version, nothing written */
	int64_t seq;     /* change-log sequence written, 0 when unchanged */
};

/* Writes c (which must be valid: see case_validate_json). The store sets
 * version, created_at and updated_at; c's own values of those are ignored.
 * A status of NULL means "published". When the content (case_to_string
 * with content_only) and status equal the current version's, nothing is
 * written and res->unchanged is 1. actor names who wrote ("import",
 * "harvest:NAME", "token:ID"); it goes into history and audit. */
int store_put_case(struct store *s, const struct case_record *c, const char *actor,
		   struct store_put_result *res, struct cl_errbuf *eb);

/* Marks the case deleted (status withdrawn, new version, change-log entry
 * with op "delete"). Versions are kept. CL_ENOTFOUND if absent. */
int store_delete_case(struct store *s, const char *id, const char *actor,
		      struct store_put_result *res, struct cl_errbuf *eb);

/* Reads the current version of id into c (initialised by the caller; it is
 * released first). CL_ENOTFOUND if absent. */
int store_get_case(struct store *s, const char *id, struct case_record *c,
		   struct cl_errbuf *eb);

/* The current status of id into buf (cap bytes; "published", ...), without
 * reading the record. CL_ENOTFOUND if absent. */
int store_case_status(struct store *s, const char *id, char *buf, size_t cap,
		      struct cl_errbuf *eb);

/* Reads version `version` of id. CL_ENOTFOUND if absent. */
int store_get_version(struct store *s, const char *id, long version,
		      struct case_record *c, struct cl_errbuf *eb);

struct store_version_info {
	long version;
	const char *status;
	const char *actor;
	const char *created_at;
};

/* Calls cb for each version of id, oldest first. Strings are borrowed for
 * the duration of the call. A non-zero return from cb stops the walk and
 * is returned. CL_ENOTFOUND if id has no versions. */
int store_list_versions(struct store *s, const char *id,
			int (*cb)(const struct store_version_info *vi, void *ud), void *ud,
			struct cl_errbuf *eb);

/* Calls cb for every current case in id order (status == NULL: any status;
 * otherwise only that status). The record is borrowed for the call. A
 * non-zero return stops the walk and is returned. */
int store_foreach_case(struct store *s, const char *status,
		       int (*cb)(const struct case_record *c, void *ud), void *ud,
		       struct cl_errbuf *eb);

struct store_change {
	int64_t seq;
	const char *case_id;
	const char *op; /* "put" or "delete" */
	long version;
	const char *at;
};

/* Calls cb for each change-log entry with seq > after, in seq order, at
 * most max entries (0 = all). Strings borrowed for the call. A non-zero
 * return from cb stops the walk and is returned. */
int store_changes_since(struct store *s, int64_t after, size_t max,
			int (*cb)(const struct store_change *ch, void *ud), void *ud,
			struct cl_errbuf *eb);

/* Highest change-log sequence number, 0 for an empty log. */
int store_last_seq(struct store *s, int64_t *seq, struct cl_errbuf *eb);

struct store_counts {
	long cases;      /* current cases, any status */
	long published;  /* current cases with status published */
	long versions;
	long changes;
	long sources;
	long raw_documents;
};
int store_counts(struct store *s, struct store_counts *out, struct cl_errbuf *eb);

/* Keeps a raw harvested payload, keyed by its sha256 (hex). Storing the
 * same payload twice is a no-op. */
int store_put_raw(struct store *s, const char *sha256, const char *url,
		  const char *retrieved_at, const char *content_type,
		  const void *body, size_t len, struct cl_errbuf *eb);

/* Reads the raw payload with that sha256 (hex). On success *body is a
 * new buffer of *len bytes plus a terminating NUL (caller free()s).
 * CL_ENOTFOUND when no such payload is kept. */
int store_get_raw(struct store *s, const char *sha256, char **body, size_t *len,
		  struct cl_errbuf *eb);

/* The harvester's conditional-GET state for one URL (table fetch_state,
 * schema version 2): what the last successful fetch saw. Every string is
 * owned by the struct (NULL when absent) and freed by
 * store_fetch_state_release. */
struct store_fetch_state {
	char *etag;          /* ETag response header, verbatim (quotes, W/ kept) */
	char *last_modified; /* Last-Modified response header, verbatim */
	char *sha256;        /* hex digest of the last payload processed */
	int status;          /* HTTP status of that fetch (200, 304; 0 for file:) */
	char *fetched_at;    /* RFC 3339 UTC */
};

void store_fetch_state_init(struct store_fetch_state *fs);
/* Frees the strings and re-initialises. NULL is a no-op. */
void store_fetch_state_release(struct store_fetch_state *fs);

/* Reads the state of url into fs (initialised by the caller; released
 * first). CL_ENOTFOUND when the URL was never fetched successfully. */
int store_get_fetch_state(struct store *s, const char *url, struct store_fetch_state *fs,
			  struct cl_errbuf *eb);

/* Writes (inserts or replaces) the state of url; the fields as in struct
 * store_fetch_state, each string may be NULL (fetched_at NULL: now;
 * sha256 must be NULL or 64 lowercase hex digits). Inside store_begin the
 * write joins that transaction: the harvester writes the state together
 * with the cases of the payload. */
int store_put_fetch_state(struct store *s, const char *url, const char *etag,
			  const char *last_modified, const char *sha256, int status,
			  const char *fetched_at, struct cl_errbuf *eb);

/* One OCDS release kept by the harvester (table ocds_releases, schema
 * version 4): a release, or a record's compiled release, of one ocid, with
 * the payload it came from. Strings borrowed. */
struct store_ocds_release {
	const char *ocid;
	const char *kind;         /* "release" or "compiled" */
	const char *release_id;   /* the release's id (or a digest of it) */
	const char *date;         /* its date as written, "" when absent */
	const char *doc;          /* the release, JSON text */
	const char *package;      /* its package's uri/license/language, JSON
				     text, or NULL */
	const char *url;          /* the payload it was read from */
	const char *sha256;       /* that payload's digest, or NULL */
	const char *retrieved_at; /* RFC 3339 UTC */
};

/* Keeps one OCDS release. A release already kept under the same (ocid,
 * kind, release_id) is replaced only by a later date, or the same date and
 * a greater doc, so the table does not depend on the order payloads come
 * in. Joins an open store_begin transaction. CL_EINVAL for a missing
 * field; CL_EDB, CL_EBUSY. */
int store_put_ocds_release(struct store *s, const struct store_ocds_release *r,
			   struct cl_errbuf *eb);

/* Calls fn with every release kept for ocid, ordered by date, release_id,
 * kind; the strings are borrowed for the call. A non-zero return of fn
 * stops and is returned. CL_OK; CL_EDB. */
int store_each_ocds_release(struct store *s, const char *ocid,
			    int (*fn)(void *ud, const struct store_ocds_release *r), void *ud,
			    struct cl_errbuf *eb);

/* Appends to the audit log. detail may be NULL. */
int store_audit(struct store *s, const char *actor, const char *action,
		const char *object, const char *detail, struct cl_errbuf *eb);

/* Consistency check: PRAGMA integrity_check, foreign_key_check, the change
 * log is continuous (no gaps in seq) and every change names an existing
 * version, every case's current version exists in its history, every case
 * has at least one source. Each problem found is passed to report (may be
 * NULL) as one line. Returns CL_OK when clean, CL_ECORRUPT otherwise. */
int store_check(struct store *s, void (*report)(const char *line, void *ud), void *ud,
		struct cl_errbuf *eb);

/* Online backup (sqlite3_backup) to the file dest, written to a temporary
 * name and renamed into place, safe while others read and write. */
int store_backup(struct store *s, const char *dest, struct cl_errbuf *eb);

/* UTC now as RFC 3339 ("2026-11-27T05:00:00Z") into buf (at least 21 bytes). */
void store_now(char buf[32]);

#endif
