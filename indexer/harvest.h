/* harvest.h — runs the sources of a sources file: fetch each URL
 * (indexer/fetch.h, conditional on the stored fetch state), parse the
 * payload with the format's parser (indexer/parsers.h) and store the
 * records (corpus/store.h), merging a record whose id is already stored
 * (the de-duplication rule below, docs/harvest.md).
 *
 * Guarantees: a failed or partial download changes nothing; one payload is
 * stored in one transaction — its raw copy, its cases and its fetch state
 * together — so a crash leaves it either fully stored or not at all (and
 * the next run fetches it again); a malformed record is skipped with its
 * position and reason while the rest goes on; a harvest never deletes or
 * withdraws a case and never changes a case's status. */
#ifndef HARVEST_H
#define HARVEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "case.h"
#include "cl_err.h"
#include "sources.h"

struct store;

/* Reject lines kept per source in a report (the count goes on). */
#define HARVEST_REJECTS_KEPT 10000

struct harvest_reject {
	char *url;    /* the payload */
	long line;    /* where the record starts in it (line), 0 unknown */
	char *reason; /* one line */
};

/* What one source did in a run. */
struct harvest_stats {
	char *name;
	char *format;
	char *skipped;      /* why the source did not run (no parser in this
			       build), or NULL */
	long payloads;      /* URLs requested (followed pages included) */
	long fetched;       /* downloaded and parsed */
	long not_modified;  /* the server answered 304 */
	long identical;     /* downloaded, same sha256 as last time: not parsed */
	long failed;        /* download failed or payload unusable (nothing of it
			       stored), or its links.next could not be followed */
	long page_capped;   /* links.next chains stopped at max_pages */
	long searches;      /* ted-search: answer pages asked for (retries and
			       fresh searches included) */
	long restarts;      /* ted-search: fresh searches from the kept date
			       after a search page failed mid-iteration */
	long known;         /* ted-search: notices skipped, already stored */
	long notice_capped; /* ted-search: 1 when the run stopped at max_notices
			       (the next run resumes) */
	uint64_t bytes;     /* decoded bytes downloaded */
	long created;       /* cases new to the store */
	long updated;       /* cases given a new version */
	long unchanged;     /* records equal to the stored case */
	long merged;        /* of created+updated: a source from another URL was
			       added to an existing case */
	long rejected;      /* records skipped (parser or store refused them) */
	long dropped;       /* values left out of stored records because they
			       failed validation (field-level rejection; each
			       named in the record's sources[].dropped) */
	struct harvest_reject *rejects; /* the first HARVEST_REJECTS_KEPT */
	size_t nrejects, caprejects;
	struct harvest_reject *drops;   /* the first HARVEST_REJECTS_KEPT
					   dropped values: url, 0, "ID: PATH:
					   reason, field left out" */
	size_t ndrops, capdrops;
	char **errors;      /* payload failures, "URL: reason" */
	size_t nerrors, caperrors;
};

struct harvest_report {
	struct harvest_stats *v;
	size_t n;
};

void harvest_report_init(struct harvest_report *r);
/* Frees everything and re-initialises. NULL is a no-op. */
void harvest_report_release(struct harvest_report *r);

struct harvest_progress {
	const char *source; /* borrowed for the call */
	const char *url;
	long records;       /* records handled in this run so far */
	uint64_t bytes;     /* bytes downloaded in this run so far */
};

struct harvest_opts {
	const char *only;  /* run only this source (even when disabled); NULL:
			      every enabled source */
	int force;         /* ignore the fetch state: unconditional requests,
			      identical payloads parsed again */
	void (*progress)(const struct harvest_progress *p, void *ud); /* may be NULL */
	void *ud;
};

/* Runs the sources of ss into s. rep (initialised by the caller; released
 * first) gets one entry per source run. Returns CL_OK when every source
 * was attempted — failed payloads and rejected records are in rep, not in
 * the return value; CL_ENOTFOUND when o->only names no source; a store
 * error (CL_EDB, CL_EBUSY, CL_EIO, CL_EFULL, CL_ENOMEM) stops the run: the payload
 * being stored is rolled back, what was committed before stays. */
int harvest_run(struct store *s, const struct sources *ss, const struct harvest_opts *o,
		struct harvest_report *rep, struct cl_errbuf *eb);

/* ---- scheduled runs: the lock and the last run's summary ---------------- */

#define HARVEST_LOCK_FILE "harvest.lock"     /* in the data directory */
#define HARVEST_LAST_FILE "harvest-last.json" /* in the data directory */

/* Takes the harvest lock of the data directory dir: flock(2) on
 * DIR/harvest.lock, held until harvest_unlock or the process ends (a
 * crash releases it). *fd gets the descriptor. CL_EBUSY when another
 * process holds it (the message names the lock file and, when it wrote
 * it, that process's id); CL_EIO when the file cannot be opened. */
int harvest_lock(const char *dir, int *fd, struct cl_errbuf *eb);
/* Releases it (fd < 0 is a no-op). */
void harvest_unlock(int fd);

/* What one `caselib harvest` run did, for /metrics. */
struct harvest_summary {
	long long finished_at; /* Unix time */
	double seconds;
	long sources, created, updated, unchanged, rejected, failed, dropped;
	int exit_code;
};

/* Writes s to DIR/harvest-last.json atomically (temporary file and
 * rename). CL_OK or CL_EIO. */
int harvest_last_write(const char *dir, const struct harvest_summary *s,
		       struct cl_errbuf *eb);
/* Reads it back. CL_ENOTFOUND when no run wrote one; CL_EPARSE. */
int harvest_last_read(const char *dir, struct harvest_summary *s, struct cl_errbuf *eb);
/* Appends the last run's summary to f as Prometheus text
 * (caselib_harvest_last_*); nothing when there is none. For /metrics. */
void harvest_metrics_write(FILE *f, const char *dir);

/* The de-duplication rule, as a pure function. old is the stored case,
 * neu a harvested record with the same id (its sources[] from one
 * payload). Fills out (initialised by the caller; released first):
 * - neu's first source has the same format as old's first source (the one
 *   the content came from) and neu's content differs from old's (sources
 *   aside): the content is neu's; neu's sources come first, followed by
 *   old's sources with other URLs (an update);
 * - otherwise (another format, or the same content): the content stays
 *   old's; neu's sources with URLs old does not list are appended; a
 *   source whose URL old lists keeps old's entry.
 * In both, old's status is kept; nothing is ever removed from sources.
 * *changed is 0 when out equals old (nothing to write), *added is 1 when
 * a source with a new URL was added to a case that had others. Repeated
 * harvests of unchanged sources, in any order, change nothing.
 * CL_ETOOBIG when the case would have more than CASE_SOURCES_MAX sources;
 * CL_ENOMEM. */
int harvest_merge(const struct case_record *old, const struct case_record *neu,
		  struct case_record *out, int *changed, int *added);

#endif
