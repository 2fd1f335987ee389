/* auth.h — roles and bearer tokens of the API.
 *
 * Roles: anonymous (no token: published cases only), contributor (submits
 * and revises own submissions), reviewer (queue, diffs, decisions, stats),
 * admin (everything a reviewer can, plus tokens). A token is 256 random bits
 * from getrandom(2), shown once as "cl_" + 64 hex digits; the store keeps
 * only its SHA-256 (tokens.hash), looked up by hash and compared in constant
 * time. Tokens are never logged. A token names the person who holds it and
 * may expire; its last use is recorded to the minute. */
#ifndef AUTH_H
#define AUTH_H

#include "cl_err.h"

struct store;

enum auth_role { ROLE_ANONYMOUS = 0, ROLE_CONTRIBUTOR, ROLE_REVIEWER, ROLE_ADMIN };

#define AUTH_TOKEN_LEN 67 /* "cl_" + 64 hex */

struct auth_principal {
	enum auth_role role;
	char token_id[40]; /* "" for anonymous */
	char name[128];
	char person[128];  /* who holds the token; "" for anonymous */
};

const char *auth_role_name(enum auth_role r);
/* -1 if unknown ("contributor", "reviewer", "admin"). */
int auth_role_from_name(const char *name);

/* What a new token is: role, name (a label, 1..127 bytes), the person who
 * holds it (NULL or "": the name stands for the person) and when it
 * expires (NULL: never; else an instant as auth_parse_expiry writes it,
 * which must be in the future). The four-eyes rule compares persons
 * (docs/workflow.md), so one person's contributor and reviewer tokens
 * should name the same person. */
struct auth_token_spec {
	enum auth_role role;
	const char *name;
	const char *person;
	const char *expires_at;
};

/* Creates a token: writes it (NUL-terminated) into token_out, its id into
 * id_out, and stores only the hash, with an audit entry. CL_EINVAL for a
 * bad role, name, person or expiry (nothing is stored). */
int auth_token_issue(struct store *s, const struct auth_token_spec *spec,
		     char token_out[AUTH_TOKEN_LEN + 1], char id_out[40], struct cl_errbuf *eb);

/* auth_token_issue with the name as the person and no expiry. */
int auth_token_create(struct store *s, enum auth_role role, const char *name,
		      char token_out[AUTH_TOKEN_LEN + 1], char id_out[40], struct cl_errbuf *eb);

/* The longest a token may live: --expires beyond it is refused. */
#define AUTH_EXPIRES_MAX_DAYS 3650
/* Last use is written at most once per this many seconds per token. */
#define AUTH_LAST_USED_EVERY 60

/* Reads an expiry given by the operator into out ("YYYY-MM-DDThh:mm:ssZ",
 * UTC): a date "YYYY-MM-DD" (the token is valid through that day: it
 * expires at 00:00:00Z of the next day), an instant "YYYY-MM-DDThh:mm:ssZ",
 * or a duration from now, a whole number and a unit: "30m", "12h", "90d",
 * "8w". The result must lie after now and at most AUTH_EXPIRES_MAX_DAYS
 * after it. CL_EINVAL with the reason otherwise. now: seconds since the
 * epoch (time(NULL) in production). */
int auth_parse_expiry(const char *text, long long now, char out[32], struct cl_errbuf *eb);

/* Revokes by id (audit entry). CL_ENOTFOUND if unknown. */
int auth_token_revoke(struct store *s, const char *id, struct cl_errbuf *eb);

/* One row of the tokens table, without its hash. Strings borrowed for the
 * duration of the callback; revoked_at is NULL while the token is valid. */
struct auth_token_info {
	const char *id;
	const char *name;
	const char *role;
	const char *created_at;
	const char *revoked_at;
	const char *person;
	const char *expires_at;   /* NULL: never */
	const char *last_used_at; /* NULL: never used (to the minute) */
};

/* Calls cb for every token, oldest first. A non-zero return from cb stops
 * the walk and is returned. */
int auth_token_list(struct store *s, int (*cb)(const struct auth_token_info *t, void *ud),
		    void *ud, struct cl_errbuf *eb);

/* From an Authorization header value (NULL or "": anonymous). Errors:
 * CL_EINVAL for a malformed header or token, CL_EDENIED for an unknown,
 * revoked or expired token. p is anonymous on error. A valid token's
 * last_used_at is set to now when it is older than AUTH_LAST_USED_EVERY
 * seconds (or unset); that write never waits for the store's write lock
 * and its failure (busy, read-only store) is ignored. */
int auth_verify(struct store *s, const char *authorization, struct auth_principal *p,
		struct cl_errbuf *eb);

#endif
