/* synonyms.h — the synonyms table (query/synonyms.tsv, compiled in): groups
 * of words or phrases that mean the same to a searcher, e.g. landsting =
 * region, PCP = förkommersiell upphandling. Both engines expand a query
 * clause with the other members of its group, so the table behaves the same
 * in Xapian and FTS5. Loaded once (thread-safe); read-only afterwards. */
#ifndef SYNONYMS_H
#define SYNONYMS_H

#include <stddef.h>

#include "cl_err.h"

/* Parses the built-in table. Idempotent, thread-safe. CL_ECORRUPT with the
 * line in eb when malformed (a build error, caught by tests). */
int syn_load(struct cl_errbuf *eb);

/* Folds s (NFC, Unicode case folding, runs of whitespace to one space,
 * trimmed) into a new string; caller frees. NULL on invalid UTF-8 or ENOMEM. */
char *syn_fold(const char *s, size_t len);

/* The other members of the group that the folded expression belongs to
 * (folded form), or NULL with *n = 0. Borrowed for the life of the process. */
const char *const *syn_lookup(const char *folded, size_t *n);

/* Number of groups loaded (tests). */
size_t syn_group_count(void);

#endif
