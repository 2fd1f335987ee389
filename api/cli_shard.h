/* cli_shard.h — `caselib shard`: builds and syncs the sharded Xapian index
 * (indexer/shard.h), shows each shard's seq, and writes the stub that
 * lists remote shards. docs/operations.md. */
#ifndef CLI_SHARD_H
#define CLI_SHARD_H

#include "cli.h"

/* For the command table in cli.c. */
#define CLI_SHARD_SUMMARY "split the Xapian index into shards, keep them synced"
#define CLI_SHARD_USAGE                                                                   \
	"shard --out DIR [--shards N] [--sync] [--batch N]\n"                              \
	"       shard --out DIR --status\n"                                                \
	"       shard --stub FILE --remote HOST:PORT [--remote ...] [--local PATH]\n"      \
	"             [--shards-dir DIR] [--timeout-ms N]\n\n"                             \
	"  --out DIR      the shard directory: DIR/shard-NN/xapian (one Xapian database\n" \
	"                 per shard), DIR/local (spelling data), DIR/xapian.stub\n"       \
	"  --shards N     number of shards (1..64) when DIR is new; each case goes to\n"   \
	"                 shard FNV-1a-64(id) mod N. Re-running (or --sync) replays\n"     \
	"                 only the changes each shard has not applied yet\n"              \
	"  --status       each shard's applied seq and documents, the store's seq\n"     \
	"  --stub FILE    write a stub listing the remote shards in order (e.g.\n"       \
	"                 DATA/xapian.stub: `caselib serve` then searches them), with\n"  \
	"                 the local spelling database PATH and the timeout (default\n"   \
	"                 5000 ms) for connecting and each read; --shards-dir DIR: the\n"  \
	"                 shards `caselib serve` keeps synced (else `caselib shard` does)\n\n" \
	"Exit code 0 done, 2 usage, 3 store or index error."

int cli_cmd_shard(struct cli_ctx *ctx, int argc, char **argv);

#endif
