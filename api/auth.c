/* auth.c — bearer tokens of the API (see auth.h and docs/workflow.md).
 *
 * A token is shown once; the store keeps the SHA-256 of the token text as
 * a 32-byte blob in tokens.hash. Verification hashes the presented token,
 * looks the row up by hash and compares the hashes again in constant time,
 * so neither the lookup nor the comparison leaks the token. Audit entries
 * name the token id, never the token. */
#include "auth.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "fetch.h"
#include "store.h"

#define TOKEN_PREFIX "cl_"
#define TOKEN_PREFIX_LEN 3
#define TOKEN_RANDOM_BYTES 32
#define TOKEN_ID_BYTES 4 /* "tok-" + 8 hex */
#define TOKEN_NAME_MAX 127
#define TOKEN_ID_TRIES 8
/* The actor of token administration: the operator at the console. */
#define AUTH_ADMIN_ACTOR "cli"

static const char *const role_names[] = {"anonymous", "contributor", "reviewer", "admin"};

const char *auth_role_name(enum auth_role r)
{
	if ((int)r < 0 || (size_t)r >= sizeof role_names / sizeof *role_names)
		return "unknown";
	return role_names[r];
}

int auth_role_from_name(const char *name)
{
	if (!name)
		return -1;
	for (int i = ROLE_CONTRIBUTOR; i <= ROLE_ADMIN; i++)
		if (!strcmp(name, role_names[i]))
			return i;
	return -1;
}

/* ---- helpers ------------------------------------------------------------ */

static int fill_random(void *buf, size_t len, struct cl_errbuf *eb)
{
	unsigned char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = getrandom(p + got, len - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cl_fail(eb, CL_EIO, "getrandom: %s", strerror(errno));
		}
		got += (size_t)n;
	}
	return CL_OK;
}

static void to_hex(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* SHA-256 of the token text as 32 bytes. */
static void token_hash(const char *token, size_t len, unsigned char out[32])
{
	char hex[65];

	fetch_sha256_hex(token, len, hex);
	for (int i = 0; i < 32; i++)
		out[i] = (unsigned char)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
}

/* Equal in time independent of where the first difference is. */
static int ct_equal(const unsigned char *a, const unsigned char *b, size_t n)
{
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

static int db_err(struct store *s, struct cl_errbuf *eb, const char *what)
{
	sqlite3 *db = store_db(s);
	int code = sqlite3_errcode(db) & 0xff;

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return cl_fail(eb, CL_EBUSY, "%s: the database is busy", what);
	return cl_fail(eb, CL_EDB, "%s: %s", what, sqlite3_errmsg(db));
}

static int prepare(struct store *s, const char *sql, sqlite3_stmt **st, struct cl_errbuf *eb)
{
	if (sqlite3_prepare_v2(store_db(s), sql, -1, st, NULL) != SQLITE_OK) {
		int rc = db_err(s, eb, "prepare");
		sqlite3_finalize(*st);
		*st = NULL;
		return rc;
	}
	return CL_OK;
}

static int valid_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > TOKEN_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	return 1;
}

/* ---- create / revoke ------------------------------------------------------- */

int auth_token_create(struct store *s, enum auth_role role, const char *name,
		      char token_out[AUTH_TOKEN_LEN + 1], char id_out[40], struct cl_errbuf *eb)
{
	unsigned char rnd[TOKEN_RANDOM_BYTES], idb[TOKEN_ID_BYTES], hash[32];
	char token[AUTH_TOKEN_LEN + 1], id[40], now[32], detail[200];
	sqlite3_stmt *st = NULL;
	int rc, began = 0, inserted = 0;

	if (token_out)
		token_out[0] = '\0';
	if (id_out)
		id_out[0] = '\0';
	if (!s || !token_out || !id_out)
		return cl_fail(eb, CL_EINVAL, "auth_token_create: missing store or output");
	if (role != ROLE_CONTRIBUTOR && role != ROLE_REVIEWER && role != ROLE_ADMIN)
		return cl_fail(eb, CL_EINVAL,
			       "role must be contributor, reviewer or admin");
	if (!valid_name(name))
		return cl_fail(eb, CL_EINVAL,
			       "token name must be 1 to %d bytes without control characters",
			       TOKEN_NAME_MAX);
	if ((rc = fill_random(rnd, sizeof rnd, eb)))
		return rc;
	memcpy(token, TOKEN_PREFIX, TOKEN_PREFIX_LEN);
	to_hex(rnd, sizeof rnd, token + TOKEN_PREFIX_LEN);
	token_hash(token, AUTH_TOKEN_LEN, hash);
	store_now(now);

	if ((rc = store_begin(s, eb)))
		goto out;
	began = 1;
	if ((rc = prepare(s, "INSERT OR IGNORE INTO tokens(id, name, role, hash, created_at)"
			     " VALUES (?1, ?2, ?3, ?4, ?5)", &st, eb)))
		goto out;
	for (int t = 0; t < TOKEN_ID_TRIES && !inserted; t++) {
		if ((rc = fill_random(idb, sizeof idb, eb)))
			goto out;
		memcpy(id, "tok-", 4);
		to_hex(idb, sizeof idb, id + 4);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, auth_role_name(role), -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 4, hash, sizeof hash, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = db_err(s, eb, "write token");
			goto out;
		}
		inserted = sqlite3_changes(store_db(s)) == 1;
	}
	if (!inserted) {
		rc = cl_fail(eb, CL_EEXISTS, "could not find a free token id");
		goto out;
	}
	snprintf(detail, sizeof detail, "role=%s", auth_role_name(role));
	if ((rc = store_audit(s, AUTH_ADMIN_ACTOR, "token.create", id, detail, eb)))
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	rc = store_commit(s, eb);
	began = 0;
out:
	sqlite3_finalize(st);
	if (began)
		store_rollback(s);
	if (rc == CL_OK) {
		memcpy(token_out, token, AUTH_TOKEN_LEN + 1);
		snprintf(id_out, 40, "%s", id);
	}
	memset(token, 0, sizeof token);
	memset(rnd, 0, sizeof rnd);
	return rc;
}

int auth_token_revoke(struct store *s, const char *id, struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	int rc, began = 0;

	if (!s || !id || !*id)
		return cl_fail(eb, CL_EINVAL, "auth_token_revoke: missing store or id");
	store_now(now);
	if ((rc = store_begin(s, eb)))
		return rc;
	began = 1;
	if ((rc = prepare(s, "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1"
			     " AND revoked_at IS NULL", &st, eb)))
		goto out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_err(s, eb, "revoke token");
		goto out;
	}
	if (sqlite3_changes(store_db(s)) != 1) {
		sqlite3_finalize(st);
		st = NULL;
		/* Unknown, or revoked already (then revoking again is a no-op). */
		if ((rc = prepare(s, "SELECT 1 FROM tokens WHERE id = ?1", &st, eb)))
			goto out;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			rc = CL_OK;
		else if (rc == SQLITE_DONE)
			rc = cl_fail(eb, CL_ENOTFOUND, "no token with id %s", id);
		else
			rc = db_err(s, eb, "read token");
		goto out;
	}
	if ((rc = store_audit(s, AUTH_ADMIN_ACTOR, "token.revoke", id, NULL, eb)))
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	rc = store_commit(s, eb);
	began = 0;
out:
	sqlite3_finalize(st);
	if (began) {
		if (rc == CL_OK) {
			rc = store_commit(s, eb);
			if (rc)
				store_rollback(s);
		} else {
			store_rollback(s);
		}
	}
	return rc;
}

/* ---- verify ---------------------------------------------------------------- */

/* Splits "Bearer <token>" (scheme case-insensitive, RFC 7235; one or more
 * spaces) and checks the token's shape. */
static int parse_header(const char *h, const char **tok, struct cl_errbuf *eb)
{
	const char *p = h;
	size_t n;

	if (strncasecmp(p, "Bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\0'))
		return cl_fail(eb, CL_EINVAL, "the Authorization header must be"
					      " 'Bearer <token>'");
	p += 6;
	while (*p == ' ')
		p++;
	if (!*p)
		return cl_fail(eb, CL_EINVAL, "the Authorization header has no token");
	n = strlen(p);
	if (n != AUTH_TOKEN_LEN || strncmp(p, TOKEN_PREFIX, TOKEN_PREFIX_LEN) != 0)
		return cl_fail(eb, CL_EINVAL, "malformed token: expected 'cl_' and 64"
					      " lowercase hex digits");
	for (size_t i = TOKEN_PREFIX_LEN; i < n; i++)
		if (hexval(p[i]) < 0)
			return cl_fail(eb, CL_EINVAL, "malformed token: expected 'cl_' and 64"
						      " lowercase hex digits");
	*tok = p;
	return CL_OK;
}

int auth_verify(struct store *s, const char *authorization, struct auth_principal *p,
		struct cl_errbuf *eb)
{
	unsigned char hash[32];
	sqlite3_stmt *st = NULL;
	const char *tok = NULL;
	int rc;

	if (!p)
		return cl_fail(eb, CL_EINVAL, "auth_verify: no principal");
	memset(p, 0, sizeof *p);
	p->role = ROLE_ANONYMOUS;
	if (!authorization || !*authorization)
		return CL_OK;
	if (!s)
		return cl_fail(eb, CL_EINVAL, "auth_verify: no store");
	if ((rc = parse_header(authorization, &tok, eb)))
		return rc;
	token_hash(tok, AUTH_TOKEN_LEN, hash);
	if ((rc = prepare(s, "SELECT id, name, role, hash, revoked_at IS NOT NULL"
			     " FROM tokens WHERE hash = ?1", &st, eb)))
		return rc;
	sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = cl_fail(eb, CL_EDENIED, "unknown token");
	} else if (rc != SQLITE_ROW) {
		rc = db_err(s, eb, "read token");
	} else {
		const unsigned char *stored = sqlite3_column_blob(st, 3);
		int role = auth_role_from_name((const char *)sqlite3_column_text(st, 2));

		if (!stored || sqlite3_column_bytes(st, 3) != (int)sizeof hash ||
		    !ct_equal(stored, hash, sizeof hash) || role < 0)
			rc = cl_fail(eb, CL_EDENIED, "unknown token");
		else if (sqlite3_column_int(st, 4))
			rc = cl_fail(eb, CL_EDENIED, "token %s is revoked",
				     (const char *)sqlite3_column_text(st, 0));
		else {
			p->role = (enum auth_role)role;
			snprintf(p->token_id, sizeof p->token_id, "%s",
				 (const char *)sqlite3_column_text(st, 0));
			snprintf(p->name, sizeof p->name, "%s",
				 (const char *)sqlite3_column_text(st, 1));
			rc = CL_OK;
		}
	}
	sqlite3_finalize(st);
	memset(hash, 0, sizeof hash);
	return rc;
}

int auth_token_list(struct store *s, int (*cb)(const struct auth_token_info *t, void *ud),
		    void *ud, struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!s || !cb)
		return cl_fail(eb, CL_EINVAL, "auth_token_list: missing store or callback");
	if ((rc = prepare(s, "SELECT id, name, role, created_at, revoked_at FROM tokens"
			     " ORDER BY created_at, rowid", &st, eb)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct auth_token_info t = {
			(const char *)sqlite3_column_text(st, 0),
			(const char *)sqlite3_column_text(st, 1),
			(const char *)sqlite3_column_text(st, 2),
			(const char *)sqlite3_column_text(st, 3),
			(const char *)sqlite3_column_text(st, 4),
		};
		int r = cb(&t, ud);
		if (r) {
			sqlite3_finalize(st);
			return r;
		}
	}
	rc = rc == SQLITE_DONE ? CL_OK : db_err(s, eb, "list tokens");
	sqlite3_finalize(st);
	return rc;
}
