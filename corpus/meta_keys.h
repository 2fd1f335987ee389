/* meta_keys.h — the keys the engines keep in their own metadata (Xapian
 * database metadata, the FTS5 engine's fts_meta table), in one place so
 * that the engines, the shard tool and the checks read the same names. */
#ifndef META_KEYS_H
#define META_KEYS_H

/* The store change-log seq last applied to the index (decimal text): sync
 * replays from the one after it. */
#define META_LAST_SEQ "caselib:last_seq"

/* Xapian: what one commit changed, for readers' counting layers
 * (query/fcount.h): the key for a commit made on top of revision r is
 * META_FC_DELTA + (r % META_FC_DELTAS in decimal); its value names r
 * (docs/engine-xapian.md, "Facet counts"). */
#define META_FC_DELTA "caselib:fc_delta."
#define META_FC_DELTAS 16

/* The FTS5 engine's own table (fts_meta) has no other users and no
 * prefix: */
#define FTS_META_LAST_SEQ "last_seq" /* as META_LAST_SEQ */
#define FTS_META_GEN "gen"           /* bumped on every commit: in-memory caches check it */
#define FTS_META_LAYOUT "layout"     /* the table layout; another one: rebuilt from seq 0 */
#define FTS_META_ANALYSER "analyser" /* the text analysis; another one: re-tokenized */

#endif
