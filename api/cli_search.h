/* cli_search.h — the search-side commands of the `caselib` program:
 * search, sync, reindex, and the engine half of check. */
#ifndef CLI_SEARCH_H
#define CLI_SEARCH_H

#include "cli.h"

int cli_cmd_search(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_sync(struct cli_ctx *ctx, int argc, char **argv);
int cli_cmd_reindex(struct cli_ctx *ctx, int argc, char **argv);

/* Prints the search command's filter options, one per facet of the facet
 * table (corpus/facet.h), for --help. */
void cli_search_help_filters(FILE *f);

struct store;
/* Syncs each engine and compares it with the store; prints problems as
 * "problem: ..." lines. Returns the number of differences, or -1 when an
 * engine could not be opened or synced (message printed). */
long cli_check_engines(struct cli_ctx *ctx, struct store *s);

#endif
