/* sync.h — keeps a search engine in step with the store by replaying the
 * store's change log (see engine.h for the contract).
 *
 * For each change after the engine's last applied seq, the case's *current*
 * state is loaded: published -> engine_put, anything else or gone ->
 * engine_delete. Changes are applied in batches; each batch ends with
 * engine_commit(seq of its last change). A crash at any point leaves the
 * engine at its last commit; the next sync replays from there, and since
 * applying a change means "make the engine match the store for this id",
 * replaying twice changes nothing. */
#ifndef SYNC_H
#define SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "cl_err.h"

struct store;
struct engine;

struct sync_stats {
	int64_t from_seq; /* engine's seq before */
	int64_t to_seq;   /* engine's seq after */
	long changes;     /* change-log entries read */
	long put;         /* cases (re)indexed */
	long deleted;     /* cases removed from the engine */
};

/* Called after each committed batch (may be NULL). */
typedef void (*sync_progress_fn)(const struct sync_stats *st, void *ud);

/* Applies every change after the engine's last seq. batch: changes per
 * commit (0: 1000). st may be NULL. The first sync of an index that was
 * never synced (seq 0, no documents) of a log of at least SYNC_BULK_MIN
 * changes is one bulk build (engine_bulk_begin: every core, no spelling
 * or flush per document, compacted) instead of commits of batch changes,
 * the cases put in the order a replay first applies them (batches in seq
 * order, ids sorted within a batch), so the documents are numbered as a
 * replay numbers them: Xapian breaks some ranking ties in document-id
 * order (the pseudo-relevance feedback's choice of the best hits; remote
 * shards), and a build in id order lost bench/findability's b and c sets
 * 0.01 MRR. Committed once, with the log's last seq read before; a failed
 * or killed first sync leaves the index empty at seq 0. */
#define SYNC_BULK_MIN 5000
int sync_engine(struct store *s, struct engine *e, size_t batch, sync_progress_fn progress,
		void *ud, struct sync_stats *st, struct cl_errbuf *eb);
/* For tests and tools: the first-sync bulk threshold (default
 * SYNC_BULK_MIN; 1: always). Not thread-safe; set before syncing. */
void sync_set_bulk_min(long n);

/* The same for the ids keep(id, kud) accepts (an index shard,
 * indexer/shard.h): other changes are skipped, but every batch still ends
 * with engine_commit(seq of its last change), so the engine's last seq
 * says how far the log has been read for it. keep NULL: every id. */
int sync_engine_filter(struct store *s, struct engine *e, size_t batch,
		       int (*keep)(const char *id, void *kud), void *kud, sync_progress_fn progress,
		       void *ud, struct sync_stats *st, struct cl_errbuf *eb);

/* Rebuilds the engine from the store: a bulk build (engine_bulk_begin) of
 * every published case, committed with the store's last seq read *before*
 * the scan (so later changes are replayed by the next sync). Readers keep
 * the old index until that commit; a failed or killed rebuild leaves it. */
int sync_reindex(struct store *s, struct engine *e, sync_progress_fn progress, void *ud,
		 struct sync_stats *st, struct cl_errbuf *eb);

/* Compares the engine with the store: the set of ids equals the store's
 * published cases, and the counts of every facet value (engine search with
 * no text and no filter) equal counts computed from the store records.
 * Each difference is passed to report (may be NULL) as one line; *ndiff
 * gets their number. The engine should be synced first. */
int sync_compare(struct store *s, struct engine *e, void (*report)(const char *line, void *ud),
		 void *ud, long *ndiff, struct cl_errbuf *eb);

#endif
