/* auth.h — roles and bearer tokens of the API.
 *
 * Roles: anonymous (no token: published cases only), contributor (submits
 * and revises own submissions), reviewer (queue, diffs, decisions, stats),
 * admin (everything a reviewer can, plus tokens). A token is 256 random bits
 * from getrandom(2), shown once as "cl_" + 64 hex digits; the store keeps
 * only its SHA-256 (tokens.hash), looked up by hash and compared in constant
 * time. Tokens are never logged. */
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
};

const char *auth_role_name(enum auth_role r);
/* -1 if unknown ("contributor", "reviewer", "admin"). */
int auth_role_from_name(const char *name);

/* Creates a token: writes it (NUL-terminated) into token_out, its id into
 * id_out, and stores only the hash, with an audit entry. */
int auth_token_create(struct store *s, enum auth_role role, const char *name,
		      char token_out[AUTH_TOKEN_LEN + 1], char id_out[40], struct cl_errbuf *eb);

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
};

/* Calls cb for every token, oldest first. A non-zero return from cb stops
 * the walk and is returned. */
int auth_token_list(struct store *s, int (*cb)(const struct auth_token_info *t, void *ud),
		    void *ud, struct cl_errbuf *eb);

/* From an Authorization header value (NULL or "": anonymous). Errors:
 * CL_EINVAL for a malformed header or token, CL_EDENIED for an unknown or
 * revoked token. p is anonymous on error. */
int auth_verify(struct store *s, const char *authorization, struct auth_principal *p,
		struct cl_errbuf *eb);

#endif
