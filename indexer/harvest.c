/* harvest.c — runs the sources of a sources file: fetch -> parse -> store
 * (see harvest.h and docs/harvest.md). Each payload is one store
 * transaction holding its raw copy, its cases and its fetch state, so the
 * store never holds half a payload and a crash makes the next run fetch it
 * again. Everything a run saw goes into a report; only store failures stop
 * the run. */
#include "harvest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch.h"
#include "langdet.h"
#include "parse_ocds.h"
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

	if (st->nerrors == st->caperrors) {
		size_t cap = st->caperrors ? st->caperrors * 2 : 8;
		char **v = realloc(st->errors, cap * sizeof *v);
		if (!v)
			return CL_ENOMEM;
		st->errors = v;
		st->caperrors = cap;
	}
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
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct harvest_reject *nv = realloc(*v, c * sizeof *nv);
		if (!nv)
			return CL_ENOMEM;
		*v = nv;
		*cap = c;
	}
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
	long created, updated, unchanged, merged, rejected;
	struct harvest_reject *rejects;
	size_t nrejects, caprejects, max;
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
	return rc == CL_EDB || rc == CL_EBUSY || rc == CL_EIO || rc == CL_ENOMEM;
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

static int on_emit(void *ud, struct case_record *c)
{
	struct payload *p = ud;
	struct run *r = p->r;
	struct case_record old, merged;
	struct store_put_result res;
	struct cl_errbuf eb = {{0}};
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
	if (!c->language && (rc = detect_language(c)))
		goto fatal;
	rc = store_get_case(r->s, c->id, &old, &eb);
	if (rc == CL_OK) {
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
		rc = CL_OK;
		goto out;
	}
	rc = store_put_case(r->s, found ? &merged : c, r->actor, &res, &eb);
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
	for (size_t i = 0; i < p->nrejects; i++)
		if (add_reject(&st->rejects, &st->nrejects, &st->caprejects, HARVEST_REJECTS_KEPT,
			       p->rejects[i].url, p->rejects[i].line, p->rejects[i].reason))
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

/* Parses a downloaded payload and stores it in one transaction. Returns
 * CL_OK also when the payload was unusable (recorded in the stats); an
 * error only when the store failed. */
static int parse_and_store(struct run *r, const char *url, const struct fetch_result *res,
			   struct cl_errbuf *eb)
{
	struct payload p;
	struct parse_src psrc;
	struct parse_sink sink;
	struct cl_errbuf peb = {{0}};
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
	prc = r->parser->parse(res->body, res->len, &psrc, &sink, &peb);
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

/* The next page of an OCDS payload, when the source follows links.next:
 * *next gets it or NULL. A links.next that cannot be followed is recorded
 * as a failure of the payload (its records are stored; the pages after it
 * are not fetched). */
static int next_link(struct run *r, const char *url, const char *body, size_t len, char **next)
{
	int rc;

	*next = NULL;
	if (!r->src->follow_next || !body)
		return CL_OK;
	rc = ocds_next_link(body, len, next);
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
	struct cl_errbuf feb = {{0}};
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
		rc = run_source(&r, eb);
	}
	fetch_client_free(r.fc);
	return rc;
}
