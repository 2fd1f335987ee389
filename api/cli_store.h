/* cli_store.h — the `caselib` commands over the store alone (api/cli_store.c);
 * the dispatch table and their help are in api/cli.c. Each returns the
 * process exit code (cli.h). */
#ifndef CLI_STORE_H
#define CLI_STORE_H

#include "cli.h"

int cli_cmd_init(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_import(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_show(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_list(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_export(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_backup(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_check(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_stats(struct cli_ctx *ctx, int argc, char **argv);

#endif
