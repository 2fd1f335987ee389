/* shard.h — the Xapian index split into N shards (issue 8,
 * docs/operations.md): each published case goes to shard
 * shard_of(id, N) = FNV-1a 64 of the id mod N, stable across runs and
 * machines. A shard directory DIR holds
 *   DIR/shard-NN/xapian/   one ordinary caselib Xapian index per shard
 *                          (written by engine_xapian, so a case is indexed
 *                          exactly as in the single database)
 *   DIR/local/             spelling data of every shard (remote shards
 *                          cannot serve it in Xapian 1.4), with the seq
 *   DIR/xapian.stub        "auto shard-NN/xapian" lines + "# caselib: local
 *                          local": DIR itself opens as a sharded index
 * Each shard records its own applied change-log seq (the engine's
 * metadata): shard_sync replays, per shard, only the changes after it, so
 * an interrupted run is finished by the next one. One writer at a time
 * (Xapian's lock on each shard). */
#ifndef SHARD_H
#define SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "cl_err.h"

struct store;
struct shard_set; /* opaque */

#define SHARD_MAX 64
#define SHARD_STUB "xapian.stub"
#define SHARD_LOCAL "local"

/* FNV-1a 64 of the bytes of id. */
uint64_t shard_hash(const char *id);
/* The shard of id among n (n >= 1). */
unsigned shard_of(const char *id, unsigned n);

/* Opens (creates when n > 0 and DIR has no shards) the n shards in dir
 * for writing. n 0: as many as dir already has (CL_ENOTFOUND if none); n
 * different from the existing count: CL_EINVAL (resharding is a new
 * directory, docs/operations.md). s is borrowed, must outlive the set.
 * Writes DIR/xapian.stub when missing. Caller frees with shard_set_close. */
int shard_set_open(const char *dir, unsigned n, struct store *s, struct shard_set **out,
		   struct cl_errbuf *eb);
void shard_set_close(struct shard_set *ss);
unsigned shard_set_count(const struct shard_set *ss);

/* Number of shard-NN directories in dir (0 when none or no dir). */
unsigned shard_count_dir(const char *dir);

struct shard_stats {
	int64_t from_seq[SHARD_MAX]; /* each shard's seq before */
	int64_t to_seq[SHARD_MAX];   /* and after */
	long docs[SHARD_MAX];        /* documents in each shard after */
	long put, deleted;           /* over all shards */
	unsigned long spelling_words; /* in DIR/local after (when rebuilt) */
	int local_rebuilt;
};

/* Replays the store's change log into every shard (each from its own
 * seq; batch: changes per commit, 0: 5000), then, when any shard changed
 * or DIR/local is behind, rebuilds DIR/local's spelling data from the
 * shards. st may be NULL. */
int shard_sync(struct store *s, struct shard_set *ss, size_t batch, struct shard_stats *st,
	       struct cl_errbuf *eb);

/* Each shard's seq and document count, without changing anything. */
int shard_status(struct shard_set *ss, struct shard_stats *st, struct cl_errbuf *eb);

/* Writes a stub for the shards (atomically: temp file + rename): path, the
 * "# caselib:" lines (timeout_ms when > 0; local when local_path is not
 * NULL; shards when shards_dir is not NULL: the writable shard directory
 * `caselib serve` keeps synced) and one line per shard, either "remote tcp
 * HOST:PORT" from remotes[i] ("HOST:PORT") or, remotes NULL, "auto
 * shard-NN/xapian". */
int shard_write_stub(const char *path, unsigned n, const char *const *remotes,
		     const char *local_path, const char *shards_dir, unsigned timeout_ms,
		     struct cl_errbuf *eb);

/* For `caselib serve` on a data dir with DATA/xapian.stub: CL_ENOTFOUND
 * when there is no stub (serve syncs DATA/xapian as usual); CL_OK with
 * *out NULL when the stub names no shard directory (the shards are synced
 * elsewhere, by `caselib shard`); CL_OK with the set of the directory its
 * "# caselib: shards DIR" line names (relative: to the stub's folder),
 * opened for writing, which serve then keeps synced instead of
 * DATA/xapian. */
int shard_open_for_stub(const char *data_dir, struct store *s, struct shard_set **out,
			struct cl_errbuf *eb);

/* The lowest applied seq over the shards (how far search is current). */
int shard_min_seq(struct shard_set *ss, int64_t *seq, struct cl_errbuf *eb);

#endif
