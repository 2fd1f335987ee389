/* cli_token.h — `caselib token create|revoke|list`: the operator's
 * management of API bearer tokens (api/auth.h). A new token is printed
 * once, on stdout; the store keeps only its hash. docs/workflow.md. */
#ifndef CLI_TOKEN_H
#define CLI_TOKEN_H

#include "cli.h"

/* For the command table in cli.c. */
#define CLI_TOKEN_SUMMARY "create, revoke and list API tokens"
#define CLI_TOKEN_USAGE                                                                 \
	"token create --role ROLE --name NAME [--person PERSON] [--expires WHEN]\n"     \
	"  | token revoke ID | token list\n\n"                                           \
	"  create   makes a token for ROLE (contributor, reviewer or admin); NAME\n"     \
	"           labels it (1 to 127 bytes). PERSON names who holds it (default:\n"  \
	"           NAME): no person approves a case they submitted, whichever of\n"   \
	"           their tokens they use. WHEN: a date YYYY-MM-DD (valid through\n"    \
	"           that day, UTC), an instant YYYY-MM-DDThh:mm:ssZ or a duration\n"   \
	"           30m, 12h, 90d, 8w; at most 3650 days; default: never expires.\n"   \
	"           Prints 'token: cl_...' and 'id: tok-...': the token is shown\n"    \
	"           only this once.\n"                                                 \
	"  revoke   revokes token ID at once (revoking twice is not an error)\n"         \
	"  list     one line per token: id, role, created, revoked, expires, last\n"    \
	"           used (each '-' when none), person, name; tab-separated; never\n"   \
	"           the token or its hash\n\n"                                           \
	"Exit code 0 done, 2 usage, 3 store error, 5 no such token."

int cli_cmd_token(struct cli_ctx *ctx, int argc, char **argv);

#endif
