/* workflow.h — submissions, review and follow-up statistics: the API's
 * write side, independent of HTTP (api/server.c maps routes to these).
 *
 * A submission is a case with status "submitted" in the store plus a row
 * in `submissions` naming the contributor's token. The server assigns its
 * id: "sub-" + 12 random hex digits, or, when the body proposes an id (a
 * slug), "sub-" + slug + "-" + 8 random hex digits; so no contributor can
 * take a harvested id or learn whether an id exists. Reviewers see the
 * queue oldest first, open a submission with a field-level diff against its
 * previous version, and decide: approve (status published — the server then
 * syncs the engines, so it is searchable within a second), reject (comment
 * required), request changes (the contributor revises with PUT and it goes
 * back to the queue). No person approves their own submission (persons,
 * not tokens, are compared). Source URLs must be http or https. Every
 * step writes an audit entry (who, when, what). Results are JSON objects the
 * caller json_decref()s. Errors: CL_EVALIDATION (probs filled), CL_EDENIED
 * (role or ownership), CL_ENOTFOUND, CL_ECONFLICT (wrong state), CL_EINVAL. */
#ifndef WORKFLOW_H
#define WORKFLOW_H

#include <jansson.h>
#include <stddef.h>

#include "auth.h"
#include "case.h"
#include "cl_err.h"

struct store;
struct engine;

/* POST /v1/submissions. e (may be NULL) finds possible duplicates: similar
 * published cases above a documented score threshold. *out:
 * {"id", "status", "version", "duplicates": [{"id", "title", "score",
 * "buyer"?, "year"?}], "duplicates_checked"}. */
int wf_submit(struct store *s, struct engine *e, const struct auth_principal *who,
	      const char *body, size_t len, json_t **out, struct case_problems *probs,
	      struct cl_errbuf *eb);

/* POST /v1/submissions/check: what POST /v1/submissions would say of the
 * body, without storing anything (no case, no row, no audit): the same
 * validation (CL_EVALIDATION with every problem in probs) and, when it is
 * valid, the same duplicate check. Same roles as wf_submit. *out:
 * {"valid": true, "duplicates": [{"id", "title", "score", "buyer"?,
 * "year"?}], "duplicates_checked"}. */
int wf_check(struct store *s, struct engine *e, const struct auth_principal *who,
	     const char *body, size_t len, json_t **out, struct case_problems *probs,
	     struct cl_errbuf *eb);

/* GET /v1/submissions/{id}: the owner or a reviewer/admin. *out: {"id",
 * "status", "case": {...}, "reviews": [{"decision", "comment", "at"}]}. */
int wf_get(struct store *s, const struct auth_principal *who, const char *id, json_t **out,
	   struct cl_errbuf *eb);

/* PUT /v1/submissions/{id}: the owner revises while submitted or
 * changes_requested; it returns to the queue as submitted. */
int wf_revise(struct store *s, const struct auth_principal *who, const char *id,
	      const char *body, size_t len, json_t **out, struct case_problems *probs,
	      struct cl_errbuf *eb);

/* GET /v1/review/queue: reviewer/admin; oldest first; status filter
 * (NULL: submitted). *out: {"total", "items": [{"id", "title", "status",
 * "submitted_at", "contributor"}]}. */
int wf_queue(struct store *s, const struct auth_principal *who, const char *status,
	     size_t offset, size_t limit, json_t **out, struct cl_errbuf *eb);

/* GET /v1/submissions: the caller's own submissions, newest change first:
 * those made with any token naming the caller's person (folded, as the
 * four-eyes rule compares persons; a token made without --person names
 * itself by its name), never another person's. Any signed-in role (who may
 * submit); anonymous is CL_EDENIED. limit 1..100 (0: 50), offset at most
 * 100,000. *out: {"total", "offset", "limit", "items": [{"id", "title",
 * "status", "version", "submitted_at", "updated_at", "this_token" (made
 * with the caller's token, so it can be read and revised with it),
 * "last_comment": {"decision", "comment", "at"} | null}]}. */
int wf_mine(struct store *s, const struct auth_principal *who, size_t offset, size_t limit,
	    json_t **out, struct cl_errbuf *eb);

/* The field-level diff between two versions of a case: [{"path",
 * "before", "after"}] for every field that differs (absent = null). */
json_t *wf_diff(const struct case_record *before, const struct case_record *after);

/* POST /v1/review/{id}/decision: decision "approve" | "reject" |
 * "request_changes"; comment required for reject and request_changes;
 * version: the case version the reviewer read (wf_get's "version"), >= 1.
 * State, version and the four-eyes rule are checked and the decision
 * written in one write transaction (BEGIN IMMEDIATE), so of two decisions
 * at once exactly one succeeds. CL_ECONFLICT when the submission is no
 * longer waiting for review or is at another version; then *out is
 * {"status", "version"} of what it is now (caller json_decref()s).
 * CL_EDENIED for an approval by the person who submitted it (the same
 * token, or a token naming the same person: docs/workflow.md). */
int wf_decide(struct store *s, const struct auth_principal *who, const char *id,
	      const char *decision, const char *comment, long version, json_t **out,
	      struct cl_errbuf *eb);

/* *published = 1 when case id exists with status published: one indexed
 * lookup that answers the same way, in the same time, for an absent case
 * and an unpublished one (GET /v1/cases/{id} asks it before reading). */
int wf_case_published(struct store *s, const char *id, int *published, struct cl_errbuf *eb);

/* Follow-up statistics, aggregated, without personal data (no IP, no
 * token): searches per day, zero-result queries, facet use, case views. */
int wf_stats_search(struct store *s, const char *query, long total, unsigned facets_used,
		    struct cl_errbuf *eb);
int wf_stats_view(struct store *s, const char *case_id, struct cl_errbuf *eb);
/* Buffered statistics, for the HTTP server: counting one search per write
 * transaction would serialise every worker on the store's single writer and
 * an fsync per request. wf_stats_buf_search / _view only record the event in
 * memory (thread-safe: a mutex guards the buffer; they never touch the
 * store); wf_stats_flush writes every recorded event in ONE transaction,
 * with the same effect as calling wf_stats_search / wf_stats_view for each.
 * The server flushes from its sync thread every SRV_SYNC_MS, before
 * GET /v1/stats, and when it stops; a crash loses at most that window of
 * counts (never a case record). At most WF_STATS_BUF_MAX events are held;
 * further events are dropped and counted (wf_stats_buf_dropped) until the
 * next flush. A failed flush keeps the events for the next one (up to the
 * cap). Caller owns the buffer: wf_stats_buf_free (NULL is a no-op). */
#define WF_STATS_BUF_MAX 100000
struct wf_stats_buf;
int wf_stats_buf_new(struct wf_stats_buf **out, struct cl_errbuf *eb);
void wf_stats_buf_free(struct wf_stats_buf *b);
/* CL_OK, CL_EINVAL (as the direct calls), CL_ENOMEM, CL_EBUSY (buffer full:
 * the event was dropped and counted). query is copied. */
int wf_stats_buf_search(struct wf_stats_buf *b, const char *query, long total,
			unsigned facets_used);
int wf_stats_buf_view(struct wf_stats_buf *b, const char *case_id);
/* Events recorded and not yet flushed; events dropped since the start. */
size_t wf_stats_buf_pending(struct wf_stats_buf *b);
unsigned long wf_stats_buf_dropped(struct wf_stats_buf *b);
int wf_stats_flush(struct wf_stats_buf *b, struct store *s, struct cl_errbuf *eb);

/* GET /v1/stats (reviewer/admin). */
int wf_stats_report(struct store *s, const struct auth_principal *who, json_t **out,
		    struct cl_errbuf *eb);

#endif
