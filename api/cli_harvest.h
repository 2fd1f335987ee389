/* cli_harvest.h — `caselib harvest`: runs the sources of a sources file
 * (indexer/harvest.h) into the store, with a progress line on a terminal
 * and a summary per source. docs/harvest.md documents the output and the
 * exit codes. */
#ifndef CLI_HARVEST_H
#define CLI_HARVEST_H

#include "cli.h"

/* For the command table in cli.c. */
#define CLI_HARVEST_SUMMARY "fetch the sources of a sources file and store their cases"
#define CLI_HARVEST_USAGE                                                              \
	"harvest [--source NAME] [--sources FILE] [--force] [--verbose]\n\n"           \
	"  --sources FILE  the sources file (default sources/default.json)\n"         \
	"  --source NAME   run only this source (also when it is disabled)\n"         \
	"  --force         ignore the stored ETag/Last-Modified/sha256: download\n"   \
	"                  and parse every payload again\n"                           \
	"  --verbose       print every rejected record (default: the first 10 per\n"  \
	"                  source)\n\n"                                               \
	"Summary per source on stdout; rejects as SOURCE: URL:LINE: REASON and\n"     \
	"failed downloads on stderr. Exit code 0 all stored, 1 records rejected,\n"   \
	"2 usage or invalid sources file, 3 store error, 4 a download or payload\n"   \
	"failed (the rest was stored), 6 another harvest is running on this data\n"  \
	"directory. See docs/harvest.md."

/* Exit code of a run that found another harvest running on the same data
 * directory (the lock, docs/harvest.md): it did nothing. */
#define CLI_HARVEST_EXIT_RUNNING 7

/* Reject lines shown per source without --verbose. */
#define CLI_HARVEST_REJECTS_SHOWN 10

int cli_cmd_harvest(struct cli_ctx *ctx, int argc, char **argv);

#endif
