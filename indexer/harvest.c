/* harvest.c — runs the sources of a sources file: fetch -> parse -> store
 * (see harvest.h and docs/harvest.md). Each payload is one store
 * transaction holding its raw copy, its cases and its fetch state, so the
 * store never holds half a payload and a crash makes the next run fetch it
 * again. Everything a run saw goes into a report; only store failures stop
 * the run. */
#include "harvest.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include "dbuf.h"
#include "fetch.h"
#include "langdet.h"
#include "parse_tedsearch.h"
#include "parsers.h"
#include "store.h"

/* ---- report ------------------------------------------------------------ */

void harvest_report_init(struct harvest_report *r)
{
	r->v = NULL;
	r->n = 0;
}

static void reject_release(struct harvest_reject *rj)
{
	free(rj->url);
	free(rj->reason);
}

static void stats_release(struct harvest_stats *st)
{
	size_t i;

	free(st->name);
	free(st->format);
	free(st->skipped);
	for (i = 0; i < st->nrejects; i++)
		reject_release(&st->rejects[i]);
	free(st->rejects);
	for (i = 0; i < st->ndrops; i++)
		reject_release(&st->drops[i]);
	free(st->drops);
	for (i = 0; i < st->nerrors; i++)
		free(st->errors[i]);
	free(st->errors);
	memset(st, 0, sizeof *st);
}

void harvest_report_release(struct harvest_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		stats_release(&r->v[i]);
	free(r->v);
	harvest_report_init(r);
}

static int add_error(struct harvest_stats *st, const char *msg)
{
	char *d;

	if (dbuf_grow(&st->errors, &st->caperrors, st->nerrors + 1, sizeof *st->errors) != CL_OK)
		return CL_ENOMEM;
	if (!(d = strdup(msg)))
		return CL_ENOMEM;
	st->errors[st->nerrors++] = d;
	return CL_OK;
}

/* Appends a reject to (v, n, cap) unless max are kept already. */
static int add_reject(struct harvest_reject **v, size_t *n, size_t *cap, size_t max,
		      const char *url, long line, const char *reason)
{
	struct harvest_reject *rj;

	if (*n >= max)
		return CL_OK;
	if (dbuf_grow(v, cap, *n + 1, sizeof **v) != CL_OK)
		return CL_ENOMEM;
	rj = &(*v)[*n];
	rj->url = strdup(url);
	rj->reason = strdup(reason);
	rj->line = line;
	if (!rj->url || !rj->reason) {
		reject_release(rj);
		return CL_ENOMEM;
	}
	(*n)++;
	return CL_OK;
}

/* ---- the merge rule ----------------------------------------------------- */

static int dup_opt(char **dst, const char *s)
{
	*dst = NULL;
	if (s && !(*dst = strdup(s)))
		return CL_ENOMEM;
	return CL_OK;
}

static void source_free(struct case_source *s)
{
	free(s->url);
	free(s->retrieved_at);
	free(s->sha256);
	free(s->format);
	free(s->licence);
	for (size_t i = 0; i < s->dropped.n; i++)
		free(s->dropped.v[i]);
	free(s->dropped.v);
	memset(s, 0, sizeof *s);
}

static int source_dup(struct case_source *d, const struct case_source *s)
{
	memset(d, 0, sizeof *d);
	if (dup_opt(&d->url, s->url) || dup_opt(&d->retrieved_at, s->retrieved_at) ||
	    dup_opt(&d->sha256, s->sha256) || dup_opt(&d->format, s->format) ||
	    dup_opt(&d->licence, s->licence)) {
		source_free(d);
		return CL_ENOMEM;
	}
	if (s->dropped.n) {
		if (!(d->dropped.v = calloc(s->dropped.n, sizeof *d->dropped.v))) {
			source_free(d);
			return CL_ENOMEM;
		}
		for (size_t i = 0; i < s->dropped.n; i++, d->dropped.n++)
			if (dup_opt(&d->dropped.v[i], s->dropped.v[i])) {
				source_free(d);
				return CL_ENOMEM;
			}
	}
	return CL_OK;
}

/* Index of the source of c with that url, -1 if none. */
static long find_url(const struct case_record *c, const char *url)
{
	for (size_t i = 0; url && i < c->nsources; i++)
		if (c->sources[i].url && strcmp(c->sources[i].url, url) == 0)
			return (long)i;
	return -1;
}

/* Appends copies of from's sources that pass keep (NULL: all) to c. */
static int append_sources(struct case_record *c, const struct case_record *from,
			  const struct case_record *skip_listed_in)
{
	size_t add = 0, i;
	struct case_source *v;

	for (i = 0; i < from->nsources; i++)
		if (!skip_listed_in || find_url(skip_listed_in, from->sources[i].url) < 0)
			add++;
	if (!add)
		return CL_OK;
	if (c->nsources + add > CASE_SOURCES_MAX)
		return CL_ETOOBIG;
	v = realloc(c->sources, (c->nsources + add) * sizeof *v);
	if (!v)
		return CL_ENOMEM;
	c->sources = v;
	for (i = 0; i < from->nsources; i++) {
		if (skip_listed_in && find_url(skip_listed_in, from->sources[i].url) >= 0)
			continue;
		if (source_dup(&c->sources[c->nsources], &from->sources[i]))
			return CL_ENOMEM;
		c->nsources++;
	}
	return CL_OK;
}

/* 1 when a and b have the same content apart from their sources (and
 * status, version and times, which case_to_string leaves out). */
static int same_but_sources(const struct case_record *a, const struct case_record *b,
			    int *nomem)
{
	struct case_record t;
	char *sa = NULL, *sb = NULL;
	int same = 0;

	case_init(&t);
	/* t: b's content with a's sources, compared with a. */
	if (case_copy(&t, b) != CL_OK) {
		*nomem = 1;
		return 0;
	}
	for (size_t i = 0; i < t.nsources; i++)
		source_free(&t.sources[i]);
	t.nsources = 0;
	if (append_sources(&t, a, NULL) != CL_OK) {
		*nomem = 1;
		goto out;
	}
	sa = case_to_string(a, 1);
	sb = case_to_string(&t, 1);
	if (!sa || !sb)
		*nomem = 1;
	else
		same = strcmp(sa, sb) == 0;
out:
	free(sa);
	free(sb);
	case_release(&t);
	return same;
}

int harvest_merge(const struct case_record *old, const struct case_record *neu,
		  struct case_record *out, int *changed, int *added)
{
	struct case_record m;
	int rc, same_format, nomem = 0, any_new = 0;
	size_t i;

	*changed = 0;
	*added = 0;
	case_init(&m);
	case_release(out);
	same_format = old->nsources && neu->nsources && old->sources[0].format &&
		      neu->sources[0].format &&
		      strcmp(old->sources[0].format, neu->sources[0].format) == 0;
	for (i = 0; i < neu->nsources; i++)
		if (find_url(old, neu->sources[i].url) < 0)
			any_new = 1;

	if (same_format && !same_but_sources(old, neu, &nomem)) {
		if (nomem) {
			rc = CL_ENOMEM;
			goto out;
		}
		/* New content from the same kind of source: it replaces the
		 * old; its sources come first (sources[0] is where the content
		 * came from), then the old ones with other URLs. */
		if ((rc = case_copy(&m, neu)) || (rc = append_sources(&m, old, neu)))
			goto out;
	} else {
		/* The content stays (another format, or the same content):
		 * sources with URLs the case does not list yet are appended, in
		 * order; a known URL keeps its entry, retrieval time included,
		 * since what it gave is what is stored. */
		if (!any_new) {
			rc = case_copy(out, old);
			goto out;
		}
		if ((rc = case_copy(&m, old)) || (rc = append_sources(&m, neu, old)))
			goto out;
	}
	free(m.status);
	if ((rc = dup_opt(&m.status, old->status)))
		goto out;
	*out = m;
	case_init(&m);
	*changed = 1;
	*added = any_new && old->nsources > 0;
out:
	case_release(&m);
	return rc;
}

/* ---- a run --------------------------------------------------------------- */

struct run {
	struct store *s;
	const struct harvest_opts *o;
	struct fetch_client *fc;
	const struct source *src;
	const struct parser_def *parser;
	struct harvest_stats *st;
	char actor[SOURCES_NAME_MAX + 16];
	const char *url;     /* being fetched or parsed */
	long records;        /* run total, for progress */
	uint64_t bytes;      /* run total of finished transfers */
};

/* The records of one payload, counted apart until its commit. */
struct payload {
	struct run *r;
	const char *url;
	long created, updated, unchanged, merged, rejected, dropped;
	struct harvest_reject *rejects;
	size_t nrejects, caprejects, max;
	struct harvest_reject *drops;
	size_t ndrops, capdrops;
	int fatal;
	struct cl_errbuf feb;
};

static void payload_release(struct payload *p)
{
	for (size_t i = 0; i < p->nrejects; i++)
		reject_release(&p->rejects[i]);
	free(p->rejects);
	p->rejects = NULL;
	p->nrejects = p->caprejects = 0;
	for (size_t i = 0; i < p->ndrops; i++)
		reject_release(&p->drops[i]);
	free(p->drops);
	p->drops = NULL;
	p->ndrops = p->capdrops = 0;
}

static void progress(struct run *r, uint64_t current)
{
	struct harvest_progress p;

	if (!r->o->progress)
		return;
	p.source = r->src ? r->src->name : "";
	p.url = r->url ? r->url : "";
	p.records = r->records;
	p.bytes = r->bytes + current;
	r->o->progress(&p, r->o->ud);
}

static void on_fetch_progress(void *ud, uint64_t bytes)
{
	progress(ud, bytes);
}

static void p_reject(struct payload *p, long line, const char *reason)
{
	p->rejected++;
	p->r->records++;
	if (add_reject(&p->rejects, &p->nrejects, &p->caprejects, p->max, p->url, line,
		       reason) == CL_ENOMEM && !p->fatal)
		p->fatal = cl_fail(&p->feb, CL_ENOMEM, "out of memory");
	progress(p->r, 0);
}

static void on_reject(void *ud, long line, const char *reason)
{
	p_reject(ud, line, reason ? reason : "rejected");
}

static int is_fatal(int rc)
{
	return rc == CL_EDB || rc == CL_EBUSY || rc == CL_EIO || rc == CL_EFULL || rc == CL_ENOMEM;
}

/* Fills what the parser left out of the record's sources: the format and
 * the licence from the sources file. */
static int fill_sources(struct case_record *c, const struct source *src)
{
	for (size_t i = 0; i < c->nsources; i++) {
		if (!c->sources[i].format && dup_opt(&c->sources[i].format, src->format))
			return CL_ENOMEM;
		if (!c->sources[i].licence && dup_opt(&c->sources[i].licence, src->licence))
			return CL_ENOMEM;
	}
	return CL_OK;
}

/* A record that came without a language gets the detected one (sv, en,
 * fi); "other" and undecided leave it absent (docs/harvest.md). */
static int detect_language(struct case_record *c)
{
	char buf[4096];
	const char *code;

	snprintf(buf, sizeof buf, "%s\n%s\n%s", c->title ? c->title : "",
		 c->summary ? c->summary : "", c->body ? c->body : "");
	code = langdet_code(langdet_detect(buf, strlen(buf)));
	if (code && !(c->language = strdup(code)))
		return CL_ENOMEM;
	return CL_OK;
}

/* 1 when case id came from a contributor (it has a submissions row): a
 * harvested record is never merged into it (docs/harvest.md), so official
 * provenance never lands on a contributor's text and the notice is not
 * hidden behind an unpublished case. -1 on a store error. */
static int is_submission(struct store *s, const char *id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(store_db(s), "SELECT 1 FROM submissions WHERE case_id = ?1", -1,
			       &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Field-level rejection: the values the parser left out of c (named in
 * its first source's dropped list) are counted and reported as
 * "ID: PATH: reason, field left out". */
static int note_dropped(struct payload *p, const struct case_record *c)
{
	const struct strlist *d = c->nsources ? &c->sources[0].dropped : NULL;
	char line[CL_ERRBUF_SIZE + 64];

	for (size_t i = 0; d && i < d->n; i++) {
		p->dropped++;
		snprintf(line, sizeof line, "%s: %s, field left out", c->id, d->v[i]);
		if (add_reject(&p->drops, &p->ndrops, &p->capdrops, p->max, p->url, 0, line))
			return CL_ENOMEM;
	}
	return CL_OK;
}

static int on_emit(void *ud, struct case_record *c)
{
	struct payload *p = ud;
	struct run *r = p->r;
	struct case_record old, merged;
	struct store_put_result res;
	struct cl_errbuf eb = {0};
	char reason[CL_ERRBUF_SIZE + 128];
	int rc, changed = 1, added = 0, found = 0;

	case_init(&old);
	case_init(&merged);
	r->records++;
	if (!c || !c->id) {
		p_reject(p, 0, "a record without an id");
		r->records--;
		return CL_OK;
	}
	if ((rc = fill_sources(c, r->src)))
		goto fatal;
	/* the publisher's country, for records that name none */
	if (r->src->country && !c->buyer.country &&
	    !(c->buyer.country = strdup(r->src->country))) {
		rc = CL_ENOMEM;
		goto fatal;
	}
	if (!c->language && (rc = detect_language(c)))
		goto fatal;
	rc = store_get_case(r->s, c->id, &old, &eb);
	if (rc == CL_OK) {
		int sub = is_submission(r->s, c->id);
		if (sub < 0) {
			rc = cl_fail(&eb, CL_EDB, "%s", sqlite3_errmsg(store_db(r->s)));
			goto fatal;
		}
		if (sub) {
			snprintf(reason, sizeof reason,
				 "%s: a contributor's submission has this id; the harvested"
				 " record is not merged into it", c->id);
			goto reject;
		}
		found = 1;
		rc = harvest_merge(&old, c, &merged, &changed, &added);
		if (rc == CL_ETOOBIG) {
			snprintf(reason, sizeof reason,
				 "%s: the stored case already has %zu sources (at most %d)", c->id,
				 old.nsources, CASE_SOURCES_MAX);
			goto reject;
		}
		if (rc)
			goto fatal;
	} else if (rc == CL_ECORRUPT) {
		snprintf(reason, sizeof reason, "%s: %s", c->id, eb.msg);
		goto reject;
	} else if (rc != CL_ENOTFOUND) {
		goto fatal;
	}
	if (found && !changed) {
		p->unchanged++;
		if ((rc = note_dropped(p, c)))
			goto fatal;
		goto out;
	}
	rc = store_put_case(r->s, found ? &merged : c, r->actor, &res, &eb);
	if (rc == CL_OK && (rc = note_dropped(p, c)))
		goto fatal;
	if (rc == CL_OK) {
		if (res.unchanged)
			p->unchanged++;
		else if (res.created)
			p->created++;
		else
			p->updated++;
		if (!res.unchanged && added)
			p->merged++;
		goto out;
	}
	if (is_fatal(rc))
		goto fatal;
	snprintf(reason, sizeof reason, "%s", eb.msg[0] ? eb.msg : cl_strerror(rc));
reject:
	r->records--; /* p_reject counts it */
	p_reject(p, 0, reason);
	rc = p->fatal;
	goto out;
fatal:
	if (!p->fatal)
		p->fatal = cl_fail(&p->feb, rc, "%s: storing %s: %s", p->url, c->id,
				   eb.msg[0] ? eb.msg : cl_strerror(rc));
	rc = p->fatal;
out:
	case_release(&old);
	case_release(&merged);
	if (rc == CL_OK)
		progress(r, 0);
	return rc;
}

/* Adds a payload's counts and rejects to the source's. */
static int payload_commit_stats(struct payload *p, struct harvest_stats *st)
{
	st->created += p->created;
	st->updated += p->updated;
	st->unchanged += p->unchanged;
	st->merged += p->merged;
	st->rejected += p->rejected;
	st->dropped += p->dropped;
	for (size_t i = 0; i < p->nrejects; i++)
		if (add_reject(&st->rejects, &st->nrejects, &st->caprejects, HARVEST_REJECTS_KEPT,
			       p->rejects[i].url, p->rejects[i].line, p->rejects[i].reason))
			return CL_ENOMEM;
	for (size_t i = 0; i < p->ndrops; i++)
		if (add_reject(&st->drops, &st->ndrops, &st->capdrops, HARVEST_REJECTS_KEPT,
			       p->drops[i].url, 0, p->drops[i].reason))
			return CL_ENOMEM;
	return CL_OK;
}

static int payload_failed(struct run *r, const char *url, const char *msg)
{
	char line[CL_ERRBUF_SIZE + 64];

	r->st->failed++;
	if (strncmp(msg, url, strlen(url)) == 0)
		snprintf(line, sizeof line, "%s", msg);
	else
		snprintf(line, sizeof line, "%s: %s", url, msg);
	return add_error(r->st, line);
}

/* Parts kept across payloads (OCDS releases, indexer/parsers.h) live in
 * the store, written in the payload's transaction. */
static int part_put(void *ud, const struct parser_part *pp)
{
	struct payload *p = ud;
	struct store_ocds_release r;
	struct cl_errbuf eb = {0};
	int rc;

	r.ocid = pp->key;
	r.kind = pp->kind;
	r.release_id = pp->id;
	r.date = pp->date;
	r.doc = pp->doc;
	r.package = pp->package;
	r.url = p->url; /* the payload fetched, whatever the records' base */
	r.sha256 = pp->sha256;
	r.retrieved_at = pp->retrieved_at;
	rc = store_put_ocds_release(p->r->s, &r, &eb);
	if (rc && !p->fatal)
		p->fatal = cl_fail(&p->feb, rc, "%s: keeping OCDS release %s of %s: %s", p->url,
				   pp->id, pp->key, eb.msg);
	return rc;
}

struct part_each_ctx {
	int (*fn)(void *fud, const struct parser_part *pp);
	void *fud;
};

static int part_each_row(void *ud, const struct store_ocds_release *r)
{
	struct part_each_ctx *e = ud;
	struct parser_part pp;

	pp.key = r->ocid;
	pp.kind = r->kind;
	pp.id = r->release_id;
	pp.date = r->date;
	pp.doc = r->doc;
	pp.package = r->package;
	pp.url = r->url;
	pp.sha256 = r->sha256;
	pp.retrieved_at = r->retrieved_at;
	return e->fn(e->fud, &pp);
}

static int part_each(void *ud, const char *key, int (*fn)(void *fud, const struct parser_part *pp),
		     void *fud)
{
	struct payload *p = ud;
	struct part_each_ctx e = {fn, fud};
	struct cl_errbuf eb = {0};
	int rc = store_each_ocds_release(p->r->s, key, part_each_row, &e, &eb);

	if (rc && !p->fatal)
		p->fatal = cl_fail(&p->feb, rc, "%s: reading the OCDS releases of %s: %s", p->url,
				   key, eb.msg[0] ? eb.msg : cl_strerror(rc));
	return rc;
}

/* Parses a downloaded payload and stores it in one transaction. Returns
 * CL_OK also when the payload was unusable (recorded in the stats); an
 * error only when the store failed. */
static int parse_and_store(struct run *r, const char *url, const struct fetch_result *res,
			   struct cl_errbuf *eb)
{
	struct payload p;
	struct parse_src psrc;
	struct parse_sink sink;
	struct cl_errbuf peb = {0};
	int rc, prc, tx = 0;

	memset(&p, 0, sizeof p);
	p.r = r;
	p.url = url;
	p.max = HARVEST_REJECTS_KEPT;
	if ((rc = store_begin(r->s, eb)))
		return rc;
	tx = 1;
	if ((rc = store_put_raw(r->s, res->sha256, url, res->retrieved_at, res->content_type,
				res->body, res->len, eb)))
		goto out;

	psrc.url = r->src->ref == SOURCES_REF_BASE ? r->src->ref_base
		   : r->src->ref == SOURCES_REF_DEFAULT ? NULL : url;
	psrc.retrieved_at = res->retrieved_at;
	psrc.sha256 = res->sha256;
	sink.emit = on_emit;
	sink.reject = on_reject;
	sink.ud = &p;
	if (r->parser->parse_parts) {
		struct parser_parts parts = {part_put, part_each, &p};

		prc = r->parser->parse_parts(res->body, res->len, &psrc, &sink, &parts, &peb);
	} else {
		prc = r->parser->parse(res->body, res->len, &psrc, &sink, &peb);
	}
	if (p.fatal) {
		rc = cl_fail(eb, p.fatal, "%s", p.feb.msg);
		goto out;
	}
	if (prc == CL_ENOMEM) {
		rc = cl_fail(eb, CL_ENOMEM, "%s: out of memory while parsing", url);
		goto out;
	}
	if (prc != CL_OK) {
		/* The payload as a whole is unusable: nothing of it is kept. */
		store_rollback(r->s);
		tx = 0;
		rc = payload_failed(r, url, peb.msg[0] ? peb.msg : cl_strerror(prc));
		if (rc)
			rc = cl_fail(eb, rc, "out of memory");
		goto out;
	}
	if ((rc = store_put_fetch_state(r->s, url, res->etag, res->last_modified, res->sha256,
					 res->status, res->retrieved_at, eb)))
		goto out;
	rc = store_commit(r->s, eb);
	tx = 0;
	if (rc)
		goto out;
	r->st->fetched++;
	if (payload_commit_stats(&p, r->st))
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
out:
	if (tx)
		store_rollback(r->s);
	payload_release(&p);
	return rc;
}

/* The next page of a payload (the parser registry's paging hook: OCDS
 * links.next), when the source follows it: *next gets it or NULL. A
 * links.next that cannot be followed is recorded as a failure of the
 * payload (its records are stored; the pages after it are not fetched). */
static int next_link(struct run *r, const char *url, const char *body, size_t len, char **next)
{
	int rc;

	*next = NULL;
	if (!r->src->follow_next || !body || !r->parser->next)
		return CL_OK;
	rc = r->parser->next(body, len, next);
	if (rc == CL_OK)
		return CL_OK;
	free(*next);
	*next = NULL;
	if (rc == CL_ENOMEM)
		return rc;
	return payload_failed(r, url, rc == CL_ETOOBIG
			      ? "links.next not followed: the payload is too big to read"
			      : "links.next not followed: it is not an http or https URL");
}

/* Writes the state after a 304 or an identical payload (outside any
 * payload transaction: nothing else changes). */
static int touch_state(struct run *r, const char *url, const struct store_fetch_state *old,
		       const struct fetch_result *res, struct cl_errbuf *eb)
{
	return store_put_fetch_state(r->s, url, res->etag ? res->etag : old->etag,
				     res->last_modified ? res->last_modified : old->last_modified,
				     res->not_modified ? old->sha256 : res->sha256, res->status,
				     res->retrieved_at, eb);
}

/* One URL: fetch, then parse and store unless unchanged. *next gets the
 * next page to fetch (caller frees) or NULL. */
static int do_payload(struct run *r, const char *url, char **next, struct cl_errbuf *eb)
{
	struct store_fetch_state fs;
	struct fetch_cond cond = {NULL, NULL};
	struct fetch_result res;
	struct cl_errbuf feb = {0};
	char *raw = NULL;
	size_t rawlen = 0;
	int rc, have = 0;

	*next = NULL;
	store_fetch_state_init(&fs);
	fetch_result_init(&res);
	r->st->payloads++;
	r->url = url;
	if (!r->o->force) {
		rc = store_get_fetch_state(r->s, url, &fs, &feb);
		if (rc != CL_OK && rc != CL_ENOTFOUND)
			rc = cl_fail(eb, rc, "%s", feb.msg);
		memset(&feb, 0, sizeof feb);
		if (rc == CL_OK) {
			have = 1;
			cond.etag = fs.etag;
			cond.last_modified = fs.last_modified;
		} else if (rc != CL_ENOTFOUND) {
			goto out;
		}
	}
	rc = fetch_get(r->fc, url, &r->src->fetch, have ? &cond : NULL, &res, &feb);
	if (rc == CL_ENOMEM) {
		rc = cl_fail(eb, rc, "%s", feb.msg);
		goto out;
	}
	if (rc != CL_OK) {
		rc = payload_failed(r, url, feb.msg[0] ? feb.msg : cl_strerror(rc));
		if (rc)
			rc = cl_fail(eb, rc, "out of memory");
		goto out;
	}
	r->bytes += res.len;
	r->st->bytes += res.len;
	if (res.not_modified) {
		r->st->not_modified++;
		if ((rc = touch_state(r, url, &fs, &res, eb)))
			goto out;
		/* The next page is in the copy stored last time. */
		if (r->src->follow_next && fs.sha256 &&
		    store_get_raw(r->s, fs.sha256, &raw, &rawlen, NULL) == CL_OK)
			rc = next_link(r, url, raw, rawlen, next);
		goto out;
	}
	if (have && fs.sha256 && strcmp(fs.sha256, res.sha256) == 0) {
		r->st->identical++;
		if ((rc = touch_state(r, url, &fs, &res, eb)))
			goto out;
		rc = next_link(r, url, res.body, res.len, next);
		goto out;
	}
	{
		long failed = r->st->failed;
		if ((rc = parse_and_store(r, url, &res, eb)))
			goto out;
		if (r->st->failed == failed)
			rc = next_link(r, url, res.body, res.len, next);
	}
out:
	if (rc == CL_ENOMEM)
		rc = cl_fail(eb, rc, "out of memory");
	free(raw);
	fetch_result_release(&res);
	store_fetch_state_release(&fs);
	r->url = NULL;
	return rc;
}

static int is_http_url(const char *u)
{
	return strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0;
}

/* 1 when b has the origin (scheme, host, port) of a: a links.next that
 * leaves it could point the harvester anywhere, an internal host too. */
static int same_origin(const char *a, const char *b)
{
	char *oa = fetch_origin(a), *ob = fetch_origin(b);
	int same = oa && ob && strcmp(oa, ob) == 0;

	free(oa);
	free(ob);
	return same;
}

/* All URLs of one source, following links.next chains. */
static int run_source(struct run *r, struct cl_errbuf *eb)
{
	const struct source *src = r->src;
	char **seen = NULL, *cur = NULL, *next = NULL;
	size_t nseen = 0, i, k;
	int rc = CL_OK, pages;

	seen = calloc((size_t)src->max_pages + 1, sizeof *seen);
	if (!seen)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	for (i = 0; i < src->nurls && rc == CL_OK; i++) {
		if (!(cur = strdup(src->urls[i]))) {
			rc = cl_fail(eb, CL_ENOMEM, "out of memory");
			break;
		}
		for (pages = 1; cur; pages++) {
			rc = do_payload(r, cur, &next, eb);
			seen[nseen++] = cur;
			cur = NULL;
			if (rc || !next)
				break;
			for (k = 0; k < nseen; k++)
				if (strcmp(seen[k], next) == 0)
					break;
			if (!is_http_url(next)) {
				char msg[CL_ERRBUF_SIZE];
				snprintf(msg, sizeof msg,
					 "links.next \"%.200s\" is not an http or https URL: not followed",
					 next);
				if (payload_failed(r, seen[nseen - 1], msg))
					rc = cl_fail(eb, CL_ENOMEM, "out of memory");
			} else if (!src->next_any_origin && !same_origin(src->urls[i], next)) {
				char msg[CL_ERRBUF_SIZE];
				snprintf(msg, sizeof msg,
					 "links.next \"%.200s\" leaves the origin of %.200s: not followed "
					 "(the source does not set \"next_any_origin\")",
					 next, src->urls[i]);
				if (payload_failed(r, seen[nseen - 1], msg))
					rc = cl_fail(eb, CL_ENOMEM, "out of memory");
			} else if (k < nseen || pages >= src->max_pages) {
				r->st->page_capped++;
			} else {
				cur = next;
				next = NULL;
			}
			free(next);
			next = NULL;
		}
		free(cur);
		cur = NULL;
		for (k = 0; k < nseen; k++)
			free(seen[k]);
		nseen = 0;
	}
	free(next);
	free(seen);
	return rc;
}

/* ---- live TED notices (ted-search) ------------------------------------------ */

/* Fresh searches from the kept date when a page fails mid-iteration (an
 * expired or unknown iteration token: the API answers 500). */
#define TED_RESTARTS 2

/* The fetch_state row keeping a ted-search source's date: the search URL,
 * "#ted-search:", the source name. The date is in its last_modified. */
static char *ted_state_key(const struct source *src, const char *url)
{
	char *k = NULL;

	if (asprintf(&k, "%s#ted-search:%s", url, src->name) < 0)
		return NULL;
	return k;
}

/* One search page into pg: POST the request, parse the answer. A failure
 * is returned with the reason in eb (not recorded). */
static int ted_search_page(struct run *r, const char *url, const char *since, const char *token,
			   struct tedsearch_page *pg, struct cl_errbuf *eb)
{
	struct fetch_opts o = r->src->fetch;
	struct fetch_result res;
	char *body = NULL;
	int rc;

	fetch_result_init(&res);
	if ((rc = tedsearch_request(r->src->query, since, token, r->src->page_size, &body)))
		return cl_fail(eb, rc, "%s: cannot build the search request%s", url,
			       rc == CL_ENOMEM ? ": out of memory" : "");
	o.post_json = body;
	r->st->searches++;
	r->url = url;
	rc = fetch_get(r->fc, url, &o, NULL, &res, eb);
	if (rc == CL_OK) {
		r->bytes += res.len;
		r->st->bytes += res.len;
		rc = tedsearch_parse_page(res.body, res.len, pg, eb);
	}
	r->url = NULL;
	fetch_result_release(&res);
	free(body);
	return rc;
}

/* A ted-search source: for each search endpoint, iterate the expert query
 * from the kept date (the day of the newest notice of the last complete
 * iteration; dates are days, so >= and notices already stored are
 * skipped by id), fetch and parse each new notice's XML as a payload of
 * its own, stop at max_notices (the next run resumes), and keep the new
 * date only when the iteration reached its end. */
static int run_tedsearch(struct run *r, struct cl_errbuf *eb)
{
	const struct source *src = r->src;
	int rc = CL_OK;

	for (size_t u = 0; u < src->nurls && rc == CL_OK; u++) {
		const char *url = src->urls[u];
		struct store_fetch_state fs;
		struct tedsearch_page pg;
		struct cl_errbuf feb = {0};
		char *key = ted_state_key(src, url), *token = NULL, since[11] = "", newest[11] = "";
		char hold[11] = "";
		long done = 0, failed;
		int restarts = 0, complete = 0, capped = 0;

		store_fetch_state_init(&fs);
		tedsearch_page_init(&pg);
		if (!key) {
			rc = cl_fail(eb, CL_ENOMEM, "out of memory");
			break;
		}
		if (src->since)
			snprintf(since, sizeof since, "%s", src->since);
		if (!r->o->force && store_get_fetch_state(r->s, key, &fs, NULL) == CL_OK &&
		    fs.last_modified && strlen(fs.last_modified) == 10 &&
		    parse_is_date(fs.last_modified))
			snprintf(since, sizeof since, "%s", fs.last_modified);
		snprintf(newest, sizeof newest, "%s", since);
		r->st->payloads++;
		for (;;) {
			int prc = ted_search_page(r, url, *since ? since : NULL, token, &pg, &feb);

			if (prc == CL_ENOMEM) {
				rc = cl_fail(eb, prc, "out of memory");
				break;
			}
			if (prc != CL_OK) {
				/* mid-iteration (a token in hand): the token may have
				 * expired — a fresh search from the kept date; notices
				 * already stored are skipped */
				if (token && restarts < TED_RESTARTS) {
					restarts++;
					r->st->restarts++;
					free(token);
					token = NULL;
					memset(&feb, 0, sizeof feb);
					continue;
				}
				if (payload_failed(r, url, feb.msg[0] ? feb.msg : cl_strerror(prc)))
					rc = cl_fail(eb, CL_ENOMEM, "out of memory");
				break;
			}
			for (size_t i = 0; i < pg.n && rc == CL_OK; i++) {
				const struct tedsearch_notice *t = &pg.v[i];
				struct case_record c;
				char *next = NULL;

				case_init(&c);
				if (store_get_case(r->s, t->case_id, &c, NULL) == CL_OK) {
					case_release(&c);
					r->st->known++;
					continue;
				}
				if (done >= src->max_notices) {
					capped = 1;
					break;
				}
				failed = r->st->failed;
				rc = do_payload(r, t->xml_url, &next, eb);
				free(next);
				done++;
				if (r->st->failed != failed) {
					/* asked again next run: the date stays at or
					 * before this notice's */
					if (!*hold || strcmp(t->date, hold) < 0)
						memcpy(hold, t->date, sizeof hold);
				} else if (strcmp(t->date, newest) > 0) {
					memcpy(newest, t->date, sizeof newest);
				}
			}
			if (rc || capped)
				break;
			free(token);
			token = pg.next_token;
			pg.next_token = NULL;
			if (!token || pg.n == 0) {
				complete = 1;
				break;
			}
			if (done >= src->max_notices) {
				capped = 1; /* more pages: the next run goes on */
				break;
			}
		}
		r->st->notice_capped += capped;
		/* The date moves on only after a complete iteration: a capped or
		 * failed one is asked again from the same date next time (the
		 * notices it stored are skipped then). */
		if (*hold && strcmp(hold, newest) < 0)
			memcpy(newest, strcmp(hold, since) > 0 ? hold : since, sizeof newest);
		if (rc == CL_OK && complete && *newest)
			rc = store_put_fetch_state(r->s, key, NULL, newest, NULL, 200, NULL, eb);
		free(token);
		free(key);
		tedsearch_page_release(&pg);
		store_fetch_state_release(&fs);
	}
	return rc;
}

static int stats_start(struct harvest_report *rep, const struct source *src,
		       struct harvest_stats **out)
{
	struct harvest_stats *v = realloc(rep->v, (rep->n + 1) * sizeof *v), *st;

	if (!v)
		return CL_ENOMEM;
	rep->v = v;
	st = &v[rep->n];
	memset(st, 0, sizeof *st);
	rep->n++;
	if (!(st->name = strdup(src->name)) || !(st->format = strdup(src->format)))
		return CL_ENOMEM;
	*out = st;
	return CL_OK;
}

int harvest_run(struct store *s, const struct sources *ss, const struct harvest_opts *o,
		struct harvest_report *rep, struct cl_errbuf *eb)
{
	static const struct harvest_opts none;
	struct run r;
	size_t i;
	int rc = CL_OK;

	if (!s || !ss || !rep)
		return cl_fail(eb, CL_EINVAL, "harvest_run: missing argument");
	harvest_report_release(rep);
	if (!o)
		o = &none;
	if (o->only && !sources_find(ss, o->only))
		return cl_fail(eb, CL_ENOTFOUND, "no source named \"%s\" in the sources file",
			       o->only);
	memset(&r, 0, sizeof r);
	r.s = s;
	r.o = o;
	if ((rc = fetch_client_new(&r.fc, eb)))
		return rc;
	fetch_client_set_progress(r.fc, on_fetch_progress, &r);

	for (i = 0; i < ss->n && rc == CL_OK; i++) {
		const struct source *src = &ss->v[i];
		if (o->only ? strcmp(src->name, o->only) != 0 : !src->enabled)
			continue;
		r.src = src;
		if ((rc = stats_start(rep, src, &r.st))) {
			rc = cl_fail(eb, rc, "out of memory");
			break;
		}
		snprintf(r.actor, sizeof r.actor, "harvest:%s", src->name);
		r.parser = parsers_find(src->format);
		if (!r.parser) {
			if (asprintf(&r.st->skipped, "no parser for format \"%s\" in this build",
				     src->format) < 0) {
				r.st->skipped = NULL;
				rc = cl_fail(eb, CL_ENOMEM, "out of memory");
			}
			continue;
		}
		rc = strcmp(src->format, TEDSEARCH_FORMAT) == 0 ? run_tedsearch(&r, eb)
								: run_source(&r, eb);
	}
	fetch_client_free(r.fc);
	return rc;
}

/* ---- scheduled runs ---------------------------------------------------------- */

int harvest_lock(const char *dir, int *fd, struct cl_errbuf *eb)
{
	char path[4096], pid[32] = "";
	ssize_t n;
	int f;

	*fd = -1;
	if (snprintf(path, sizeof path, "%s/%s", dir, HARVEST_LOCK_FILE) >= (int)sizeof path)
		return cl_fail(eb, CL_EINVAL, "data directory path too long");
	f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (f < 0)
		return cl_fail(eb, CL_EIO, "%s: cannot open the harvest lock: %s", path,
			       strerror(errno));
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		n = pread(f, pid, sizeof pid - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		close(f);
		if (e == EWOULDBLOCK)
			return cl_fail(eb, CL_EBUSY,
				       "another harvest is running on this data directory (%s is"
				       " locked%s%s%s); this run does nothing",
				       path, *pid ? " by process " : "", pid, "");
		return cl_fail(eb, CL_EIO, "%s: cannot lock: %s", path, strerror(e));
	}
	/* who holds it, for the message of a second run */
	snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(f, 0) == 0)
		n = pwrite(f, pid, strlen(pid), 0);
	*fd = f;
	return CL_OK;
}

void harvest_unlock(int fd)
{
	if (fd < 0)
		return;
	flock(fd, LOCK_UN);
	close(fd);
}

int harvest_last_write(const char *dir, const struct harvest_summary *s,
		       struct cl_errbuf *eb)
{
	char path[4096], tmp[4200];
	json_t *j = json_pack("{sIsfsIsIsIsIsIsIsIsi}", "finished_at", (json_int_t)s->finished_at,
			      "seconds", s->seconds, "sources", (json_int_t)s->sources, "new",
			      (json_int_t)s->created, "updated", (json_int_t)s->updated,
			      "unchanged", (json_int_t)s->unchanged, "rejected",
			      (json_int_t)s->rejected, "failed", (json_int_t)s->failed, "dropped",
			      (json_int_t)s->dropped, "exit_code", s->exit_code);
	int rc = CL_OK;

	if (!j)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	snprintf(path, sizeof path, "%s/%s", dir, HARVEST_LAST_FILE);
	snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
	if (json_dump_file(j, tmp, JSON_COMPACT) != 0 || rename(tmp, path) != 0) {
		rc = cl_fail(eb, CL_EIO, "%s: cannot write the run summary: %s", path,
			     strerror(errno));
		unlink(tmp);
	}
	json_decref(j);
	return rc;
}

int harvest_last_read(const char *dir, struct harvest_summary *s, struct cl_errbuf *eb)
{
	char path[4096];
	json_error_t err;
	json_t *j;
	json_int_t v[9] = {0};
	double secs = 0;
	int code = 0;

	memset(s, 0, sizeof *s);
	snprintf(path, sizeof path, "%s/%s", dir, HARVEST_LAST_FILE);
	if (access(path, F_OK) != 0)
		return cl_fail(eb, CL_ENOTFOUND, "%s: no harvest has finished yet", path);
	if (!(j = json_load_file(path, 0, &err)))
		return cl_fail(eb, CL_EPARSE, "%s: %s", path, err.text);
	if (json_unpack(j, "{sIsFsIsIsIsIsIsIsIsi}", "finished_at", &v[0], "seconds", &secs,
			"sources", &v[1], "new", &v[2], "updated", &v[3], "unchanged", &v[4],
			"rejected", &v[5], "failed", &v[6], "dropped", &v[7], "exit_code",
			&code) != 0) {
		json_decref(j);
		return cl_fail(eb, CL_EPARSE, "%s: not a run summary", path);
	}
	json_decref(j);
	s->finished_at = v[0];
	s->seconds = secs;
	s->sources = (long)v[1];
	s->created = (long)v[2];
	s->updated = (long)v[3];
	s->unchanged = (long)v[4];
	s->rejected = (long)v[5];
	s->failed = (long)v[6];
	s->dropped = (long)v[7];
	s->exit_code = code;
	return CL_OK;
}

void harvest_metrics_write(FILE *f, const char *dir)
{
	struct harvest_summary s;

	if (!f || !dir || harvest_last_read(dir, &s, NULL) != CL_OK)
		return;
	fprintf(f,
		"# HELP caselib_harvest_last_run_timestamp_seconds When the last harvest run ended.\n"
		"# TYPE caselib_harvest_last_run_timestamp_seconds gauge\n"
		"caselib_harvest_last_run_timestamp_seconds %lld\n"
		"# HELP caselib_harvest_last_run_duration_seconds How long the last harvest run took.\n"
		"# TYPE caselib_harvest_last_run_duration_seconds gauge\n"
		"caselib_harvest_last_run_duration_seconds %.1f\n"
		"# HELP caselib_harvest_last_run_records Records of the last harvest run, by outcome.\n"
		"# TYPE caselib_harvest_last_run_records gauge\n"
		"caselib_harvest_last_run_records{outcome=\"new\"} %ld\n"
		"caselib_harvest_last_run_records{outcome=\"updated\"} %ld\n"
		"caselib_harvest_last_run_records{outcome=\"unchanged\"} %ld\n"
		"caselib_harvest_last_run_records{outcome=\"rejected\"} %ld\n"
		"# HELP caselib_harvest_last_run_failed Payloads of the last harvest run that failed.\n"
		"# TYPE caselib_harvest_last_run_failed gauge\n"
		"caselib_harvest_last_run_failed %ld\n"
		"# HELP caselib_harvest_last_run_dropped_fields Values left out of records in the last"
		" harvest run.\n"
		"# TYPE caselib_harvest_last_run_dropped_fields gauge\n"
		"caselib_harvest_last_run_dropped_fields %ld\n"
		"# HELP caselib_harvest_last_run_exit_code Exit code of the last harvest run.\n"
		"# TYPE caselib_harvest_last_run_exit_code gauge\n"
		"caselib_harvest_last_run_exit_code %d\n",
		s.finished_at, s.seconds, s.created, s.updated, s.unchanged, s.rejected, s.failed,
		s.dropped, s.exit_code);
}
