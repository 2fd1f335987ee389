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
#include <time.h>

#include "fetch.h"
#include "sha256.h"
#include "sqlerr.h"
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

	sha256_hex(token, len, hex);
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
	return sqlerr_last(store_db(s), eb, what);
}

static int prepare(struct store *s, const char *sql, sqlite3_stmt **st, struct cl_errbuf *eb)
{
	return sqlerr_prepare(store_db(s), sql, st, eb);
}

/* The end of a token change: the audit row, then the commit of the open
 * transaction (*began cleared once the commit was tried); *st finalized. */
static int audit_commit(struct store *s, const char *action, const char *id,
			const char *detail, sqlite3_stmt **st, int *began, struct cl_errbuf *eb)
{
	int rc = store_audit(s, AUTH_ADMIN_ACTOR, action, id, detail, eb);

	if (rc)
		return rc;
	sqlite3_finalize(*st);
	*st = NULL;
	*began = 0;
	return store_commit(s, eb);
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

/* ---- expiry ---------------------------------------------------------------- */

static void fmt_instant(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

/* A date and optional time, checked field by field (timegm would roll
 * 2027-02-30 over to March). */
static int read_instant(const char *text, long long *t)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	size_t len = strlen(text);
	struct tm tm;

	if (len == 10) {
		if (sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
			return -1;
	} else if (len == 20) {
		if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
		    n != 20)
			return -1;
	} else {
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		if (!strchr("0123456789-T:Z", text[i]))
			return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    sec > 59)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*t = (long long)timegm(&tm);
	if (len == 10)
		*t += 86400; /* valid through that day */
	return 0;
}

int auth_parse_expiry(const char *text, long long now, char out[32], struct cl_errbuf *eb)
{
	const long long max = now + (long long)AUTH_EXPIRES_MAX_DAYS * 86400;
	long long t;
	size_t len = text ? strlen(text) : 0;

	if (out)
		out[0] = '\0';
	if (!out || len == 0)
		return cl_fail(eb, CL_EINVAL, "--expires needs a value");
	if (len >= 2 && len <= 8 && strspn(text, "0123456789") == len - 1 &&
	    strchr("mhdw", text[len - 1])) {
		long long n = 0, unit = text[len - 1] == 'm' ? 60
				   : text[len - 1] == 'h' ? 3600
				   : text[len - 1] == 'd' ? 86400 : 7 * 86400;
		for (size_t i = 0; i + 1 < len; i++)
			n = n * 10 + (text[i] - '0');
		if (n == 0)
			return cl_fail(eb, CL_EINVAL, "expiry '%s': the duration must be above 0",
				       text);
		t = now + n * unit;
	} else if (read_instant(text, &t) != 0) {
		return cl_fail(eb, CL_EINVAL,
			       "expiry '%.40s': expected a date YYYY-MM-DD, an instant"
			       " YYYY-MM-DDThh:mm:ssZ (UTC) or a duration such as 30m, 12h, 90d, 8w",
			       text);
	}
	if (t <= now)
		return cl_fail(eb, CL_EINVAL, "expiry '%.40s' is not in the future", text);
	if (t > max)
		return cl_fail(eb, CL_EINVAL, "expiry '%.40s' is more than %d days ahead", text,
			       AUTH_EXPIRES_MAX_DAYS);
	fmt_instant(t, out);
	return CL_OK;
}

/* An instant as auth_parse_expiry writes it. */
static int valid_instant(const char *t)
{
	long long x;

	return t && strlen(t) == 20 && read_instant(t, &x) == 0;
}

/* ---- create / revoke ------------------------------------------------------- */

int auth_token_create(struct store *s, enum auth_role role, const char *name,
		      char token_out[AUTH_TOKEN_LEN + 1], char id_out[40], struct cl_errbuf *eb)
{
	struct auth_token_spec spec = {role, name, NULL, NULL};

	return auth_token_issue(s, &spec, token_out, id_out, eb);
}

int auth_token_issue(struct store *s, const struct auth_token_spec *spec,
		     char token_out[AUTH_TOKEN_LEN + 1], char id_out[40], struct cl_errbuf *eb)
{
	unsigned char rnd[TOKEN_RANDOM_BYTES], idb[TOKEN_ID_BYTES], hash[32];
	char token[AUTH_TOKEN_LEN + 1], id[40], now[32], detail[200];
	sqlite3_stmt *st = NULL;
	const char *name, *person;
	enum auth_role role;
	int rc, began = 0, inserted = 0;

	if (token_out)
		token_out[0] = '\0';
	if (id_out)
		id_out[0] = '\0';
	if (!s || !spec || !token_out || !id_out)
		return cl_fail(eb, CL_EINVAL, "auth_token_issue: missing store, spec or output");
	role = spec->role;
	name = spec->name;
	person = spec->person && *spec->person ? spec->person : name;
	if (role != ROLE_CONTRIBUTOR && role != ROLE_REVIEWER && role != ROLE_ADMIN)
		return cl_fail(eb, CL_EINVAL,
			       "role must be contributor, reviewer or admin");
	if (!valid_name(name))
		return cl_fail(eb, CL_EINVAL,
			       "token name must be 1 to %d bytes without control characters",
			       TOKEN_NAME_MAX);
	if (!valid_name(person) || *person == ' ' || person[strlen(person) - 1] == ' ')
		return cl_fail(eb, CL_EINVAL,
			       "the person must be 1 to %d bytes without control characters"
			       " or surrounding spaces", TOKEN_NAME_MAX);
	store_now(now);
	if (spec->expires_at && (!valid_instant(spec->expires_at) ||
				 strcmp(spec->expires_at, now) <= 0))
		return cl_fail(eb, CL_EINVAL, "the expiry must be a future instant"
					      " YYYY-MM-DDThh:mm:ssZ");
	if ((rc = fill_random(rnd, sizeof rnd, eb)))
		return rc;
	memcpy(token, TOKEN_PREFIX, TOKEN_PREFIX_LEN);
	to_hex(rnd, sizeof rnd, token + TOKEN_PREFIX_LEN);
	token_hash(token, AUTH_TOKEN_LEN, hash);

	if ((rc = store_begin(s, eb)))
		goto out;
	began = 1;
	if ((rc = prepare(s, "INSERT OR IGNORE INTO tokens(id, name, role, hash, created_at,"
			     " person, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &st, eb)))
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
		sqlite3_bind_text(st, 6, person, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, spec->expires_at, -1, SQLITE_STATIC);
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
	snprintf(detail, sizeof detail, "role=%s%s%s", auth_role_name(role),
		 spec->expires_at ? " expires=" : "", spec->expires_at ? spec->expires_at : "");
	rc = audit_commit(s, "token.create", id, detail, &st, &began, eb);
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
	rc = audit_commit(s, "token.revoke", id, NULL, &st, &began, eb);
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

/* 1 when the recorded last use (an instant) is AUTH_LAST_USED_EVERY
 * seconds or more before now (or unreadable). */
static int used_long_ago(const char *last, const char *now)
{
	long long a, b;

	if (read_instant(last, &a) != 0 || read_instant(now, &b) != 0)
		return 1;
	return b - a >= AUTH_LAST_USED_EVERY;
}

/* Records the use of token id at now: best effort, never waiting for the
 * write lock (a request is not held up by an import holding it), so the
 * recorded time may lag by one AUTH_LAST_USED_EVERY period when the store
 * is busy. Inside a caller's transaction the write joins it. */
static void note_use(struct store *s, const char *id, const char *now)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL;
	int busy_ms = -1;

	if (sqlite3_db_readonly(db, "main") == 1)
		return;
	if (sqlite3_prepare_v2(db, "PRAGMA busy_timeout", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		busy_ms = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (busy_ms < 0)
		return;
	sqlite3_busy_timeout(db, 0);
	if (sqlite3_prepare_v2(db, "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1"
				   " AND (last_used_at IS NULL OR last_used_at < ?2)",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
		(void)sqlite3_step(st);
	}
	sqlite3_finalize(st);
	sqlite3_busy_timeout(db, busy_ms);
}

int auth_verify(struct store *s, const char *authorization, struct auth_principal *p,
		struct cl_errbuf *eb)
{
	unsigned char hash[32];
	sqlite3_stmt *st = NULL;
	const char *tok = NULL;
	char now[32];
	int rc, due = 0;

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
	store_now(now);
	if ((rc = prepare(s, "SELECT id, name, role, hash, revoked_at IS NOT NULL, person,"
			     " expires_at, expires_at IS NOT NULL AND expires_at <= ?2,"
			     " last_used_at FROM tokens WHERE hash = ?1", &st, eb)))
		return rc;
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
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
		else if (sqlite3_column_int(st, 7))
			rc = cl_fail(eb, CL_EDENIED, "token %s expired at %s",
				     (const char *)sqlite3_column_text(st, 0),
				     (const char *)sqlite3_column_text(st, 6));
		else {
			const char *last = (const char *)sqlite3_column_text(st, 8);
			p->role = (enum auth_role)role;
			snprintf(p->token_id, sizeof p->token_id, "%s",
				 (const char *)sqlite3_column_text(st, 0));
			snprintf(p->name, sizeof p->name, "%s",
				 (const char *)sqlite3_column_text(st, 1));
			snprintf(p->person, sizeof p->person, "%s",
				 (const char *)sqlite3_column_text(st, 5));
			due = !last || used_long_ago(last, now);
			rc = CL_OK;
		}
	}
	sqlite3_finalize(st);
	memset(hash, 0, sizeof hash);
	if (rc == CL_OK && due)
		note_use(s, p->token_id, now);
	return rc;
}

int auth_token_list(struct store *s, int (*cb)(const struct auth_token_info *t, void *ud),
		    void *ud, struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!s || !cb)
		return cl_fail(eb, CL_EINVAL, "auth_token_list: missing store or callback");
	if ((rc = prepare(s, "SELECT id, name, role, created_at, revoked_at, person, expires_at,"
			     " last_used_at FROM tokens ORDER BY created_at, rowid", &st, eb)))
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct auth_token_info t = {
			(const char *)sqlite3_column_text(st, 0),
			(const char *)sqlite3_column_text(st, 1),
			(const char *)sqlite3_column_text(st, 2),
			(const char *)sqlite3_column_text(st, 3),
			(const char *)sqlite3_column_text(st, 4),
			(const char *)sqlite3_column_text(st, 5),
			(const char *)sqlite3_column_text(st, 6),
			(const char *)sqlite3_column_text(st, 7),
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
