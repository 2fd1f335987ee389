/* cli_token.h — `caselib token create|revoke|list`: the operator's
 * management of API bearer tokens (api/auth.h). A new token is printed
 * once, on stdout; the store keeps only its hash. docs/workflow.md. */
#ifndef CLI_TOKEN_H
#define CLI_TOKEN_H

#include "cli.h"

/* For the command table in cli.c. */
#define CLI_TOKEN_SUMMARY "create, revoke and list API tokens"
#define CLI_TOKEN_USAGE                                                                 \
	"token create --role ROLE --name NAME | token revoke ID | token list\n\n"        \
	"  create   makes a token for ROLE (contributor, reviewer or admin); NAME\n"     \
	"           says whose it is (1 to 127 bytes). Prints 'token: cl_...' and\n"    \
	"           'id: tok-...': the token is shown only this once.\n"                 \
	"  revoke   revokes token ID at once (revoking twice is not an error)\n"         \
	"  list     one line per token: id, role, created, revoked ('-'), name;\n"       \
	"           tab-separated; never the token or its hash\n\n"                      \
	"Exit code 0 done, 2 usage, 3 store error, 5 no such token."

int cli_cmd_token(struct cli_ctx *ctx, int argc, char **argv);

#endif
