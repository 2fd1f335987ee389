/* workflow.c — submissions, review decisions and follow-up statistics
 * (see workflow.h; states, roles and audit entries in docs/workflow.md).
 *
 * Every check (role, ownership, state, body, comment) runs before anything
 * is written; each step then writes, in one store transaction (BEGIN
 * IMMEDIATE: the write lock first), the case version (store_put_case), the
 * submissions row, a reviews row for a decision and an audit entry naming
 * the token id, never the token. What another request may change meanwhile
 * (a submission's state and version, whether an id is free) is read again
 * inside that transaction, and the submissions row is updated only from
 * the state just read (UPDATE ... WHERE status = ...), so concurrent
 * decisions and revisions are serialised: the later one sees the earlier
 * one's result and gets CL_ECONFLICT. */
#include "workflow.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <utf8proc.h>

#include "engine.h"
#include "sqlerr.h"
#include "store.h"
#include "strset.h"
#include "textan.h"
#include "utf8.h"

/* A published case is reported as a possible duplicate of a submission when
 * the set cosine of the stemmed, stopword-free terms of title + summary is
 * at least this (docs/workflow.md: how it was calibrated). */
#ifndef WF_DUP_THRESHOLD
#define WF_DUP_THRESHOLD 0.45
#endif
#define WF_DUP_CANDIDATES 10   /* engine hits scored */
#define WF_COMMENT_MAX 4000    /* bytes of a review comment */
#define WF_QUEUE_LIMIT_DEFAULT 50
#define WF_QUEUE_LIMIT_MAX 100
#define WF_QUEUE_OFFSET_MAX 100000
#define WF_QUERY_KEEP_MAX 200  /* bytes of a zero-result query kept */
#define WF_QUERY_DIGITS_MAX 5  /* more digits than this: the text is withheld */
#define WF_WITHHELD "(withheld)"
#define WF_REPORT_DAYS 90
#define WF_REPORT_TOP 100
/* Searched words (stats_words): per search, up to WF_WORDS_PER_QUERY
 * distinct words of 2..WF_WORD_MAX_BYTES bytes, letters only, no stopword;
 * at most WF_WORDS_ROWS words kept (then only those already kept count);
 * the report shows the WF_REPORT_WORDS most searched of those counted in at
 * least WF_WORD_REPORT_MIN searches (docs/workflow.md). */
#define WF_WORDS_PER_QUERY 8
#define WF_WORD_MAX_BYTES 40
#define WF_WORDS_ROWS 20000
#define WF_WORD_REPORT_MIN 3
#define WF_REPORT_WORDS 50
#define WF_ID_TRIES 8
#define WF_ID_PREFIX "sub-"
#define WF_SLUG_SUFFIX_BYTES 4 /* "-" + 8 hex after a proposed slug */
/* The longest proposed slug: "sub-" + slug + "-" + 8 hex fits CASE_ID_MAX. */
#define WF_SLUG_MAX (CASE_ID_MAX - 4 - 1 - 2 * WF_SLUG_SUFFIX_BYTES)

static const char *const wf_statuses[] = {"submitted", "changes_requested", "published",
					  "rejected", "withdrawn"};

/* ---- small helpers ---------------------------------------------------------- */

static int db_err(struct store *s, struct cl_errbuf *eb, const char *what)
{
	return sqlerr_last(store_db(s), eb, what);
}

static int prepare(struct store *s, const char *sql, sqlite3_stmt **st, struct cl_errbuf *eb)
{
	return sqlerr_prepare(store_db(s), sql, st, eb);
}

/* The number of submissions WHERE where (a constant condition with one
 * text parameter ?1 = arg) into *total. */
static int count_submissions(struct store *s, const char *where, const char *arg, long *total,
			     struct cl_errbuf *eb)
{
	char sql[256];
	sqlite3_stmt *st = NULL;
	int rc;

	snprintf(sql, sizeof sql, "SELECT count(*) FROM submissions WHERE %s", where);
	if ((rc = prepare(s, sql, &st, eb)))
		return rc;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*total = (long)sqlite3_column_int64(st, 0);
	else
		rc = db_err(s, eb, "count submissions");
	sqlite3_finalize(st);
	return rc;
}

/* Runs sql with up to three text parameters (NULL binds NULL). */
static int run3(struct store *s, const char *sql, const char *a, const char *b, const char *c,
		struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	const char *v[3] = {a, b, c};
	int rc = prepare(s, sql, &st, eb), n;

	if (rc)
		return rc;
	n = sqlite3_bind_parameter_count(st);
	for (int i = 0; i < n && i < 3; i++)
		sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? CL_OK : db_err(s, eb, "write");
	sqlite3_finalize(st);
	return rc;
}

/* run3 for an UPDATE: *changed is the number of rows it changed. */
static int run3_changed(struct store *s, const char *sql, const char *a, const char *b,
			const char *c, int *changed, struct cl_errbuf *eb)
{
	int rc = run3(s, sql, a, b, c, eb);

	*changed = rc == CL_OK ? sqlite3_changes(store_db(s)) : 0;
	return rc;
}

static int nomem(struct cl_errbuf *eb)
{
	return cl_fail(eb, CL_ENOMEM, "out of memory");
}

static int is_reviewer(const struct auth_principal *who)
{
	return who && who->token_id[0] && (who->role == ROLE_REVIEWER || who->role == ROLE_ADMIN);
}

static int is_member(const struct auth_principal *who)
{
	return who && who->token_id[0] && who->role >= ROLE_CONTRIBUTOR &&
	       who->role <= ROLE_ADMIN;
}

static void actor_of(const struct auth_principal *who, char out[48])
{
	snprintf(out, 48, "token:%s", who->token_id);
}

static int set_status(struct case_record *c, const char *status)
{
	char *d = strdup(status);

	if (!d)
		return CL_ENOMEM;
	free(c->status);
	c->status = d;
	return CL_OK;
}

/* The submissions row of id, with the person of the token that made it
 * and the case's current version. */
struct sub_row {
	int found;
	char token_id[40];
	char status[24];
	char created_at[32];
	char updated_at[32];
	char person[128];
	long version;
};

static int read_sub(struct store *s, const char *id, struct sub_row *r, struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(r, 0, sizeof *r);
	if ((rc = prepare(s, "SELECT coalesce(s.token_id, ''), s.status, s.created_at,"
			     " s.updated_at, coalesce(t.person, ''), coalesce(c.version, 0)"
			     " FROM submissions s LEFT JOIN tokens t ON t.id = s.token_id"
			     " LEFT JOIN cases c ON c.id = s.case_id WHERE s.id = ?1", &st, eb)))
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->found = 1;
		snprintf(r->token_id, sizeof r->token_id, "%s", sqlite3_column_text(st, 0));
		snprintf(r->status, sizeof r->status, "%s", sqlite3_column_text(st, 1));
		snprintf(r->created_at, sizeof r->created_at, "%s", sqlite3_column_text(st, 2));
		snprintf(r->updated_at, sizeof r->updated_at, "%s", sqlite3_column_text(st, 3));
		snprintf(r->person, sizeof r->person, "%s", sqlite3_column_text(st, 4));
		r->version = (long)sqlite3_column_int64(st, 5);
		rc = CL_OK;
	} else if (rc == SQLITE_DONE) {
		rc = CL_OK;
	} else {
		rc = db_err(s, eb, "read submission");
	}
	sqlite3_finalize(st);
	return rc;
}

static int is_owner(const struct auth_principal *who, const struct sub_row *r)
{
	return who->token_id[0] && r->token_id[0] && !strcmp(who->token_id, r->token_id);
}

/* 1 when the caller is the person whose token made the submission: the
 * same token, or a token naming the same person (compared folded: case,
 * accents as the search folds them, so "Anna Ek" is "anna ek"). */
static int persons_equal(const char *p, const char *q)
{
	char *a = NULL, *b = NULL;
	int same;

	if (!p[0] || !q[0])
		return 0;
	if (ta_fold(p, strlen(p), &a, NULL) != CL_OK || ta_fold(q, strlen(q), &b, NULL) != CL_OK)
		same = !strcmp(p, q);
	else
		same = !strcmp(a, b);
	free(a);
	free(b);
	return same;
}

static int same_person(const struct auth_principal *who, const struct sub_row *r)
{
	return is_owner(who, r) || persons_equal(who->person, r->person);
}

/* Reads the submission and checks that who may see it (need_owner: and
 * change it). A contributor asking for someone else's submission gets the
 * same CL_ENOTFOUND as for a missing one: existence is not leaked. */
static int access_sub(struct store *s, const struct auth_principal *who, const char *id,
		      int need_owner, struct sub_row *r, struct cl_errbuf *eb)
{
	int rc;

	if (!is_member(who))
		return cl_fail(eb, CL_EDENIED, "a token is required");
	if (!id || !*id || strlen(id) > CASE_ID_MAX)
		return cl_fail(eb, CL_ENOTFOUND, "no such submission");
	if ((rc = read_sub(s, id, r, eb)))
		return rc;
	if (!r->found || (!is_owner(who, r) && !is_reviewer(who)))
		return cl_fail(eb, CL_ENOTFOUND, "no submission %s", id);
	if (need_owner && !is_owner(who, r))
		return cl_fail(eb, CL_EDENIED, "only the contributor of %s may revise it", id);
	return CL_OK;
}

static int has_problem_at(const struct case_problems *probs, const char *path)
{
	for (size_t i = 0; i < probs->n; i++)
		if (!strcmp(probs->v[i].path, path))
			return 1;
	return 0;
}

/* A submission cites web sources only: a file: URL (which the record
 * format allows for the operator's own imports) names a file on the
 * server, never something a reviewer or reader can follow. Adds a problem
 * per such URL (unless its path has one already); returns how many. */
static size_t web_sources_only(const char *body, size_t len, struct case_problems *probs)
{
	json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *srcs = json_object_get(j, "sources"), *v;
	size_t i, n = 0;

	if (json_is_array(srcs)) {
		json_array_foreach(srcs, i, v) {
			const char *url = json_string_value(json_object_get(v, "url"));
			char path[64];

			snprintf(path, sizeof path, "$.sources[%zu].url", i);
			if (!url || strncasecmp(url, "file:", 5) != 0 || has_problem_at(probs, path))
				continue;
			if (case_problems_add(probs, path, CASE_P_URL_SCHEME,
					      "must be an http or https URL: a"
							   " submission cannot cite a local file")
			    == CL_OK)
				n++;
		}
	}
	json_decref(j);
	return n;
}

/* Parses and validates a submission body. want_id (revise): the body's id,
 * when present, must be it. */
static int parse_body(const char *body, size_t len, const char *want_id, struct case_record *c,
		      struct case_problems *probs, struct cl_errbuf *eb)
{
	int rc;

	if (!body)
		return cl_fail(eb, CL_EINVAL, "no request body");
	rc = case_parse(body, len, CASE_ID_OPTIONAL, c, probs);
	if ((rc == CL_OK || rc == CL_EVALIDATION) && web_sources_only(body, len, probs)) {
		if (rc == CL_OK)
			case_release(c);
		rc = CL_EVALIDATION;
	}
	if (rc == CL_OK && want_id && c->id && strcmp(c->id, want_id) != 0) {
		rc = case_problems_add(probs, "$.id", CASE_P_ID_MISMATCH,
				       "must be the submission's id %s", want_id);
		if (rc == CL_OK)
			rc = CL_EVALIDATION;
		case_release(c);
	}
	if (rc == CL_EVALIDATION)
		return cl_fail(eb, rc, "%zu problem%s in the case record", probs->n,
			       probs->n == 1 ? "" : "s");
	if (rc)
		return cl_fail(eb, rc, "%s", cl_strerror(rc));
	return CL_OK;
}

static void random_hex(const unsigned char *b, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* *found: whether sql (with id bound to ?1) gives a row. */
static int row_exists(struct store *s, const char *sql, const char *id, int *found,
		      struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = prepare(s, sql, &st, eb)))
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? CL_OK : db_err(s, eb, "read case");
	sqlite3_finalize(st);
	return rc;
}

static int case_exists(struct store *s, const char *id, int *exists, struct cl_errbuf *eb)
{
	return row_exists(s, "SELECT 1 FROM cases WHERE id = ?1", id, exists, eb);
}

/* A new submission id not yet used by any case (docs/workflow.md): "sub-"
 * + 12 random hex digits, or with a proposed slug "sub-" + slug + "-" + 8
 * random hex digits. The random part means a proposal never collides with
 * (and so never reveals) another case, and no contributor can pick a
 * harvested id. Run inside the write transaction, so the check and the
 * insert cannot race. */
static int new_sub_id(struct store *s, const char *slug, char out[CASE_ID_MAX + 1],
		      struct cl_errbuf *eb)
{
	unsigned char b[6];
	size_t nb = slug ? WF_SLUG_SUFFIX_BYTES : sizeof b;

	for (int t = 0; t < WF_ID_TRIES; t++) {
		char hex[2 * sizeof b + 1];
		int exists = 0, rc;
		size_t got = 0;

		while (got < nb) {
			ssize_t n = getrandom(b + got, nb - got, 0);
			if (n < 0 && errno != EINTR)
				return cl_fail(eb, CL_EIO, "getrandom: %s", strerror(errno));
			if (n > 0)
				got += (size_t)n;
		}
		random_hex(b, nb, hex);
		if (slug)
			snprintf(out, CASE_ID_MAX + 1, WF_ID_PREFIX "%s-%s", slug, hex);
		else
			snprintf(out, CASE_ID_MAX + 1, WF_ID_PREFIX "%s", hex);
		if ((rc = case_exists(s, out, &exists, eb)))
			return rc;
		if (!exists)
			return CL_OK;
	}
	return cl_fail(eb, CL_EEXISTS, "could not find a free submission id");
}

/* The slug a body's id proposes: without a leading "sub-" (the server
 * adds it). NULL when there is none. A slug too long for the scheme is a
 * problem at $.id. */
static int proposed_slug(const struct case_record *c, const char **slug,
			 struct case_problems *probs, struct cl_errbuf *eb)
{
	const char *p = c->id;

	*slug = NULL;
	if (!p)
		return CL_OK;
	if (!strncmp(p, WF_ID_PREFIX, 4))
		p += 4;
	if (!*p)
		return CL_OK;
	if (strlen(p) > WF_SLUG_MAX) {
		if (case_problems_add(probs, "$.id", CASE_P_ID_FORMAT,
				      "a proposed id is at most %d characters"
				      " (the server makes it 'sub-' + id + '-' + 8"
				      " hex digits)", WF_SLUG_MAX))
			return nomem(eb);
		return cl_fail(eb, CL_EVALIDATION, "1 problem in the case record");
	}
	*slug = p;
	return CL_OK;
}

/* An insert that hit a UNIQUE or PRIMARY KEY constraint: another request
 * made the same row first. */
static int unique_clash(struct store *s)
{
	int x = sqlite3_extended_errcode(store_db(s));

	return x == SQLITE_CONSTRAINT_UNIQUE || x == SQLITE_CONSTRAINT_PRIMARYKEY;
}

/* Ends a transaction begun with store_begin: commit on success, else
 * roll back. */
static int tx_finish(struct store *s, int rc, struct cl_errbuf *eb)
{
	if (rc == CL_OK) {
		rc = store_commit(s, eb);
		if (rc == CL_OK)
			return CL_OK;
	}
	store_rollback(s);
	return rc;
}

/* ---- duplicates ------------------------------------------------------------- */

struct termset {
	char **v;
	size_t n, cap;
	int err;
};

static int termset_cb(void *ud, const struct ta_token *tok)
{
	struct termset *t = ud;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **v = realloc(t->v, cap * sizeof *v);
		if (!v)
			return t->err = CL_ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	if (!(t->v[t->n] = strndup(tok->term, tok->len)))
		return t->err = CL_ENOMEM;
	t->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void termset_release(struct termset *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	memset(t, 0, sizeof *t);
}

/* The distinct terms of title and summary, sorted. */
static int termset_of(struct ta *ta, const char *title, const char *summary, struct termset *t)
{
	const char *parts[2] = {title, summary};
	size_t k = 0;
	int rc = CL_OK;

	for (int i = 0; i < 2 && rc == CL_OK; i++)
		if (parts[i])
			rc = ta_tokenize(ta, parts[i], strlen(parts[i]), TA_NO_EXTRA, termset_cb, t);
	if (t->err)
		rc = t->err;
	if (rc)
		return rc;
	if (t->n)
		qsort(t->v, t->n, sizeof *t->v, cmp_str);
	for (size_t i = 0; i < t->n; i++) {
		if (k > 0 && !strcmp(t->v[k - 1], t->v[i])) {
			free(t->v[i]);
			continue;
		}
		t->v[k++] = t->v[i];
	}
	t->n = k;
	return CL_OK;
}

/* |A ∩ B| / sqrt(|A| |B|) of two sorted sets. */
static double set_cosine(const struct termset *a, const struct termset *b)
{
	size_t i = 0, j = 0, common = 0;

	if (!a->n || !b->n)
		return 0;
	while (i < a->n && j < b->n) {
		int c = strcmp(a->v[i], b->v[j]);
		if (c == 0) {
			common++;
			i++;
			j++;
		} else if (c < 0) {
			i++;
		} else {
			j++;
		}
	}
	return (double)common / sqrt((double)a->n * (double)b->n);
}

struct dup {
	char *id;
	char *title;
	char *buyer; /* NULL when the case names none */
	int year;    /* 0 when unknown */
	double score;
};

static int dup_cmp(const void *x, const void *y)
{
	const struct dup *a = x, *b = y;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return strcmp(a->id, b->id);
}

/* Possible duplicates of c among the published cases of e, appended to
 * arr: the engine's similar_text hits, re-scored by set cosine. */
static int find_duplicates(struct store *s, struct engine *e, const struct case_record *c,
			   json_t *arr, struct cl_errbuf *eb)
{
	struct search_request rq;
	struct search_result res;
	struct termset mine = {0};
	struct ta *ta = NULL;
	struct dup d[WF_DUP_CANDIDATES];
	char text[ENGINE_TEXT_MAX + 1];
	size_t nd = 0, len;
	int rc;

	search_request_init(&rq);
	search_result_init(&res);
	snprintf(text, sizeof text, "%s\n%s", c->title ? c->title : "",
		 c->summary ? c->summary : "");
	len = strlen(text);
	while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
		len--; /* snprintf may have cut a UTF-8 sequence */
	text[len] = '\0';
	rq.text = text;
	rq.lang = c->language && !strcmp(c->language, "en") ? "en" : "sv";
	rq.limit = WF_DUP_CANDIDATES;
	rq.facets = 0;
	if ((rc = engine_similar_text(e, &rq, &res, eb)))
		goto out;
	if ((rc = ta_open(&ta, "auto", 0, eb)))
		goto out;
	if ((rc = termset_of(ta, c->title, c->summary, &mine))) {
		rc = cl_fail(eb, rc, "cannot analyse the submission's text");
		goto out;
	}
	for (size_t i = 0; i < res.nhits && nd < WF_DUP_CANDIDATES; i++) {
		struct case_record other;
		struct termset theirs = {0};
		double score;

		case_init(&other);
		if (store_get_case(s, res.hits[i].id, &other, NULL) != CL_OK) {
			case_release(&other);
			continue; /* the engine is behind the store: not a duplicate */
		}
		rc = termset_of(ta, other.title, other.summary, &theirs);
		score = set_cosine(&mine, &theirs);
		termset_release(&theirs);
		if (rc == CL_OK && score >= WF_DUP_THRESHOLD) {
			d[nd].id = strdup(other.id);
			d[nd].title = strdup(other.title ? other.title : "");
			d[nd].buyer = other.buyer.name ? strdup(other.buyer.name) : NULL;
			d[nd].year = case_year(&other);
			d[nd].score = score;
			if (!d[nd].id || !d[nd].title || (other.buyer.name && !d[nd].buyer)) {
				free(d[nd].id);
				free(d[nd].title);
				free(d[nd].buyer);
				rc = CL_ENOMEM;
			} else {
				nd++;
			}
		}
		case_release(&other);
		if (rc) {
			rc = cl_fail(eb, rc, "out of memory");
			goto out;
		}
	}
	qsort(d, nd, sizeof *d, dup_cmp);
	for (size_t i = 0; i < nd && rc == CL_OK; i++) {
		json_t *o = json_pack("{s:s, s:s, s:f, s:s?}", "id", d[i].id, "title", d[i].title,
				      "score", round(d[i].score * 1000) / 1000, "buyer", d[i].buyer);
		if (o && d[i].year)
			json_object_set_new(o, "year", json_integer(d[i].year));
		if (!o || json_array_append_new(arr, o))
			rc = nomem(eb);
	}
out:
	for (size_t i = 0; i < nd; i++) {
		free(d[i].id);
		free(d[i].title);
		free(d[i].buyer);
	}
	termset_release(&mine);
	ta_close(ta);
	search_result_release(&res);
	return rc;
}

/* ---- submit / revise ------------------------------------------------------- */

int wf_check(struct store *s, struct engine *e, const struct auth_principal *who,
	     const char *body, size_t len, json_t **out, struct case_problems *probs,
	     struct cl_errbuf *eb)
{
	struct case_record c;
	json_t *dups = NULL;
	const char *proposed = NULL;
	int rc, checked = 0;

	case_init(&c);
	if (out)
		*out = NULL;
	if (!s || !out || !probs)
		return cl_fail(eb, CL_EINVAL, "wf_check: missing store, output or problems");
	if (!is_member(who))
		return cl_fail(eb, CL_EDENIED, "checking a submission needs a contributor token");
	/* the same checks as wf_submit, in the same order; nothing written */
	if ((rc = parse_body(body, len, NULL, &c, probs, eb)))
		goto out;
	if ((rc = proposed_slug(&c, &proposed, probs, eb)))
		goto out;
	if (!(dups = json_array())) {
		rc = nomem(eb);
		goto out;
	}
	if (e) {
		struct cl_errbuf deb = {0};
		checked = find_duplicates(s, e, &c, dups, &deb) == CL_OK;
		if (!checked)
			json_array_clear(dups);
	}
	*out = json_pack("{s:b, s:O, s:b}", "valid", 1, "duplicates", dups, "duplicates_checked",
			 checked);
	rc = *out ? CL_OK : nomem(eb);
out:
	json_decref(dups);
	case_release(&c);
	return rc;
}

int wf_submit(struct store *s, struct engine *e, const struct auth_principal *who,
	      const char *body, size_t len, json_t **out, struct case_problems *probs,
	      struct cl_errbuf *eb)
{
	struct case_record c;
	struct store_put_result res;
	json_t *dups = NULL;
	char actor[48], idbuf[CASE_ID_MAX + 1], now[32], detail[32], *slug = NULL;
	const char *proposed = NULL;
	int rc, checked = 0, began = 0;

	case_init(&c);
	if (out)
		*out = NULL;
	if (!s || !out || !probs)
		return cl_fail(eb, CL_EINVAL, "wf_submit: missing store, output or problems");
	if (!is_member(who))
		return cl_fail(eb, CL_EDENIED, "submitting needs a contributor token");
	if ((rc = parse_body(body, len, NULL, &c, probs, eb)))
		goto out;
	if ((rc = proposed_slug(&c, &proposed, probs, eb)))
		goto out;
	if (proposed && !(slug = strdup(proposed))) {
		rc = nomem(eb);
		goto out;
	}
	free(c.id);
	c.id = NULL;
	if (set_status(&c, "submitted")) {
		rc = nomem(eb);
		goto out;
	}
	if (!(dups = json_array())) {
		rc = nomem(eb);
		goto out;
	}
	if (e) {
		struct cl_errbuf deb = {0};
		/* A failing engine does not block a submission; the answer says
		 * that duplicates were not checked. */
		checked = find_duplicates(s, e, &c, dups, &deb) == CL_OK;
		if (!checked)
			json_array_clear(dups);
	}

	actor_of(who, actor);
	store_now(now);
	if ((rc = store_begin(s, eb)))
		goto out;
	began = 1;
	if ((rc = new_sub_id(s, slug, idbuf, eb)))
		goto out;
	if (!(c.id = strdup(idbuf))) {
		rc = nomem(eb);
		goto out;
	}
	rc = store_put_case(s, &c, actor, &res, eb);
	if (rc == CL_OK && !res.created)
		rc = cl_fail(eb, CL_EEXISTS, "the submission id %s was taken meanwhile; retry",
			     c.id);
	if (rc == CL_OK) {
		rc = run3(s, "INSERT INTO submissions(id, case_id, token_id, status, created_at,"
			     " updated_at) VALUES (?1, ?1, ?2, 'submitted', ?3, ?3)",
			  c.id, who->token_id, now, eb);
		if (rc != CL_OK && unique_clash(s))
			rc = cl_fail(eb, CL_EEXISTS, "the submission id %s was taken meanwhile;"
						     " retry", c.id);
	}
	if (rc == CL_OK) {
		snprintf(detail, sizeof detail, "v%ld", res.version);
		rc = store_audit(s, actor, "submission.submit", c.id, detail, eb);
	}
	began = 0;
	if ((rc = tx_finish(s, rc, eb)))
		goto out;
	*out = json_pack("{s:s, s:s, s:I, s:O, s:b}", "id", c.id, "status", "submitted",
			 "version", (json_int_t)res.version, "duplicates", dups,
			 "duplicates_checked", checked);
	if (!*out)
		rc = nomem(eb);
out:
	if (began)
		store_rollback(s);
	free(slug);
	json_decref(dups);
	case_release(&c);
	return rc;
}

int wf_revise(struct store *s, const struct auth_principal *who, const char *id,
	      const char *body, size_t len, json_t **out, struct case_problems *probs,
	      struct cl_errbuf *eb)
{
	struct case_record c;
	struct store_put_result res;
	struct sub_row r;
	char actor[48], now[32], detail[48];
	int rc;

	case_init(&c);
	if (out)
		*out = NULL;
	if (!s || !out || !probs)
		return cl_fail(eb, CL_EINVAL, "wf_revise: missing store, output or problems");
	if ((rc = access_sub(s, who, id, 1, &r, eb)))
		return rc;
	if (strcmp(r.status, "submitted") != 0 && strcmp(r.status, "changes_requested") != 0)
		return cl_fail(eb, CL_ECONFLICT, "submission %s is %s and cannot be revised", id,
			       r.status);
	if ((rc = parse_body(body, len, id, &c, probs, eb)))
		goto out;
	if ((!c.id && !(c.id = strdup(id))) || set_status(&c, "submitted")) {
		rc = nomem(eb);
		goto out;
	}
	actor_of(who, actor);
	store_now(now);
	if ((rc = store_begin(s, eb)))
		goto out;
	/* The state again under the write lock: a decision may have come
	 * first (a revision never reopens a published or rejected case). */
	rc = read_sub(s, id, &r, eb);
	if (rc == CL_OK && (!r.found || (strcmp(r.status, "submitted") != 0 &&
					 strcmp(r.status, "changes_requested") != 0)))
		rc = cl_fail(eb, CL_ECONFLICT, "submission %s is %s and cannot be revised", id,
			     r.found ? r.status : "gone");
	if (rc == CL_OK)
		rc = store_put_case(s, &c, actor, &res, eb);
	if (rc == CL_OK) {
		int changed = 0;
		rc = run3_changed(s, "UPDATE submissions SET status = 'submitted', updated_at = ?2"
				     " WHERE id = ?1 AND status IN ('submitted', 'changes_requested')",
				  id, now, NULL, &changed, eb);
		if (rc == CL_OK && changed != 1)
			rc = cl_fail(eb, CL_ECONFLICT, "submission %s changed meanwhile", id);
	}
	if (rc == CL_OK) {
		snprintf(detail, sizeof detail, res.unchanged ? "v%ld unchanged" : "v%ld",
			 res.version);
		rc = store_audit(s, actor, "submission.revise", id, detail, eb);
	}
	if ((rc = tx_finish(s, rc, eb)))
		goto out;
	*out = json_pack("{s:s, s:s, s:I, s:b}", "id", id, "status", "submitted", "version",
			 (json_int_t)res.version, "unchanged", res.unchanged);
	if (!*out)
		rc = nomem(eb);
out:
	case_release(&c);
	return rc;
}

/* ---- diff ------------------------------------------------------------------ */

/* Keys the store or the record derive: never part of a content diff. */
static int derived_key(const char *k)
{
	static const char *const keys[] = {"status", "version", "created_at", "updated_at",
					   "year"};

	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if (!strcmp(k, keys[i]))
			return 1;
	return 0;
}

static int diff_add(json_t *arr, const char *path, json_t *before, json_t *after)
{
	json_t *o = json_pack("{s:s, s:O?, s:O?}", "path", path, "before", before, "after",
			      after);

	if (!o)
		return -1;
	return json_array_append_new(arr, o);
}

/* Appends a change for key of a / b (either may lack it). Objects
 * (buyer, value) are compared member by member. */
static int diff_key(json_t *arr, const char *prefix, const char *key, json_t *a, json_t *b,
		    int depth)
{
	char path[160];
	json_t *va = a ? json_object_get(a, key) : NULL;
	json_t *vb = b ? json_object_get(b, key) : NULL;

	snprintf(path, sizeof path, "%s.%s", prefix, key);
	if (va && vb && json_equal(va, vb))
		return 0;
	if (depth == 0 && (!va || json_is_object(va)) && (!vb || json_is_object(vb))) {
		const char *k;
		json_t *v;

		json_object_foreach(vb, k, v)
			if (diff_key(arr, path, k, va, vb, 1))
				return -1;
		json_object_foreach(va, k, v)
			if (!vb || !json_object_get(vb, k))
				if (diff_key(arr, path, k, va, vb, 1))
					return -1;
		return 0;
	}
	return diff_add(arr, path, va, vb);
}

json_t *wf_diff(const struct case_record *before, const struct case_record *after)
{
	json_t *a = before ? case_to_json(before) : json_object();
	json_t *b = after ? case_to_json(after) : json_object();
	json_t *arr = json_array(), *v;
	const char *k;
	int bad = !a || !b || !arr;

	if (!bad) {
		json_object_foreach(b, k, v)
			if (!derived_key(k) && diff_key(arr, "$", k, a, b, 0))
				bad = 1;
		json_object_foreach(a, k, v)
			if (!bad && !derived_key(k) && !json_object_get(b, k) &&
			    diff_key(arr, "$", k, a, b, 0))
				bad = 1;
	}
	json_decref(a);
	json_decref(b);
	if (bad) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/* ---- get / queue --------------------------------------------------------------- */

struct base_walk {
	long current;
	long base; /* newest version before current with status changes_requested */
};

static int base_cb(const struct store_version_info *vi, void *ud)
{
	struct base_walk *w = ud;

	if (vi->version < w->current && vi->status && !strcmp(vi->status, "changes_requested"))
		w->base = vi->version;
	return 0;
}

static int rows_json(struct store *s, const char *sql, const char *arg,
		     const char *const *keys, int nkeys, json_t *arr, const char *what,
		     struct cl_errbuf *eb);

static int reviews_json(struct store *s, const char *id, json_t *arr, struct cl_errbuf *eb)
{
	static const char *const keys[] = {"decision", "comment", "at"};

	return rows_json(s, "SELECT decision, comment, at FROM reviews WHERE submission_id = ?1"
			    " ORDER BY id", id, keys, 3, arr, "read reviews", eb);
}

int wf_get(struct store *s, const struct auth_principal *who, const char *id, json_t **out,
	   struct cl_errbuf *eb)
{
	struct case_record cur, prev;
	struct base_walk w = {0, 0};
	struct sub_row r;
	json_t *cj = NULL, *reviews = NULL, *diff = NULL;
	int rc;

	case_init(&cur);
	case_init(&prev);
	if (out)
		*out = NULL;
	if (!s || !out)
		return cl_fail(eb, CL_EINVAL, "wf_get: missing store or output");
	if ((rc = access_sub(s, who, id, 0, &r, eb)))
		return rc;
	if ((rc = store_get_case(s, id, &cur, eb)))
		goto out;
	w.current = cur.version;
	if ((rc = store_list_versions(s, id, base_cb, &w, eb)))
		goto out;
	if (!w.base && cur.version > 1)
		w.base = cur.version - 1;
	if (w.base && (rc = store_get_version(s, id, w.base, &prev, eb)))
		goto out;
	cj = case_to_json(&cur);
	reviews = json_array();
	diff = w.base ? wf_diff(&prev, &cur) : json_array();
	if (!cj || !reviews || !diff) {
		rc = nomem(eb);
		goto out;
	}
	if ((rc = reviews_json(s, id, reviews, eb)))
		goto out;
	*out = json_pack("{s:s, s:s, s:I, s:s, s:s, s:O, s:O, s:o, s:O}", "id", id, "status",
			 r.status, "version", (json_int_t)cur.version, "submitted_at",
			 r.created_at, "updated_at", r.updated_at, "case", cj, "reviews", reviews,
			 "diff_from", w.base ? json_integer(w.base) : json_null(), "diff", diff);
	if (!*out)
		rc = nomem(eb);
out:
	json_decref(cj);
	json_decref(reviews);
	json_decref(diff);
	case_release(&cur);
	case_release(&prev);
	return rc;
}

static int known_status(const char *st)
{
	for (size_t i = 0; i < sizeof wf_statuses / sizeof *wf_statuses; i++)
		if (!strcmp(st, wf_statuses[i]))
			return 1;
	return 0;
}

int wf_queue(struct store *s, const struct auth_principal *who, const char *status,
	     size_t offset, size_t limit, json_t **out, struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	json_t *items = NULL;
	long total = 0;
	int rc;

	if (out)
		*out = NULL;
	if (!s || !out)
		return cl_fail(eb, CL_EINVAL, "wf_queue: missing store or output");
	if (!is_reviewer(who))
		return cl_fail(eb, CL_EDENIED, "the review queue needs a reviewer token");
	if (!status)
		status = "submitted";
	if (!known_status(status))
		return cl_fail(eb, CL_EINVAL, "unknown status '%s'", status);
	if (limit == 0)
		limit = WF_QUEUE_LIMIT_DEFAULT;
	if (limit > WF_QUEUE_LIMIT_MAX)
		return cl_fail(eb, CL_EINVAL, "limit is at most %d", WF_QUEUE_LIMIT_MAX);
	if (offset > WF_QUEUE_OFFSET_MAX)
		return cl_fail(eb, CL_EINVAL, "offset is at most %d", WF_QUEUE_OFFSET_MAX);

	if ((rc = count_submissions(s, "status = ?1", status, &total, eb)))
		return rc;

	if (!(items = json_array())) {
		rc = nomem(eb);
		goto out;
	}
	if ((rc = prepare(s, "SELECT s.id, s.status, s.created_at, s.updated_at, t.name"
			     " FROM submissions s LEFT JOIN tokens t ON t.id = s.token_id"
			     " WHERE s.status = ?1 ORDER BY s.created_at, s.rowid"
			     " LIMIT ?2 OFFSET ?3", &st, eb)))
		goto out;
	sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)offset);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sid = (const char *)sqlite3_column_text(st, 0);
		struct case_record c;
		json_t *o;

		case_init(&c);
		if (store_get_case(s, sid, &c, eb) != CL_OK) {
			case_release(&c);
			rc = CL_ECORRUPT;
			goto out;
		}
		o = json_pack("{s:s, s:s?, s:s, s:s, s:s, s:s?}", "id", sid, "title", c.title,
			      "status", sqlite3_column_text(st, 1), "submitted_at",
			      sqlite3_column_text(st, 2), "updated_at",
			      sqlite3_column_text(st, 3), "contributor",
			      sqlite3_column_text(st, 4));
		case_release(&c);
		if (!o || json_array_append_new(items, o)) {
			rc = nomem(eb);
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		rc = db_err(s, eb, "read the queue");
		goto out;
	}
	*out = json_pack("{s:I, s:s, s:O}", "total", (json_int_t)total, "status", status, "items",
			 items);
	rc = *out ? CL_OK : nomem(eb);
out:
	sqlite3_finalize(st);
	json_decref(items);
	return rc;
}

/* ---- the caller's own submissions ------------------------------------------ */

/* The ids of the tokens that name who's person (folded, as the four-eyes
 * rule compares them), who's own token always among them, as a JSON array
 * text for json_each(). The tokens table is the operator's short list, so
 * it is read whole. Caller free()s *ids. */
static int person_tokens(struct store *s, const struct auth_principal *who, char **ids,
			 struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	json_t *a = json_array();
	int rc;

	*ids = NULL;
	if (!a || json_array_append_new(a, json_string(who->token_id)))
		goto nomem;
	if ((rc = prepare(s, "SELECT id, person FROM tokens WHERE id <> ?1", &st,
			  eb))) {
		json_decref(a);
		return rc;
	}
	sqlite3_bind_text(st, 1, who->token_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *person = (const char *)sqlite3_column_text(st, 1);

		if (id && person && persons_equal(who->person, person) &&
		    json_array_append_new(a, json_string(id))) {
			sqlite3_finalize(st);
			goto nomem;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(a);
		return db_err(s, eb, "read tokens");
	}
	*ids = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return *ids ? CL_OK : nomem(eb);
nomem:
	json_decref(a);
	return nomem(eb);
}

int wf_mine(struct store *s, const struct auth_principal *who, size_t offset, size_t limit,
	    json_t **out, struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	json_t *items = NULL;
	char *ids = NULL;
	long total = 0;
	int rc;

	if (out)
		*out = NULL;
	if (!s || !out || !who)
		return cl_fail(eb, CL_EINVAL, "wf_mine: missing store, caller or output");
	if (who->role == ROLE_ANONYMOUS || !who->token_id[0])
		return cl_fail(eb, CL_EDENIED, "your submissions need a contributor token");
	if (limit == 0)
		limit = WF_QUEUE_LIMIT_DEFAULT;
	if (limit > WF_QUEUE_LIMIT_MAX)
		return cl_fail(eb, CL_EINVAL, "limit is at most %d", WF_QUEUE_LIMIT_MAX);
	if (offset > WF_QUEUE_OFFSET_MAX)
		return cl_fail(eb, CL_EINVAL, "offset is at most %d", WF_QUEUE_OFFSET_MAX);
	if ((rc = person_tokens(s, who, &ids, eb)))
		return rc;

	if ((rc = count_submissions(s, "token_id IN (SELECT value FROM json_each(?1))", ids,
				    &total, eb)))
		goto out;

	if (!(items = json_array())) {
		rc = nomem(eb);
		goto out;
	}
	/* newest change first; the last review that carries a comment */
	if ((rc = prepare(s, "SELECT s.id, s.status, s.created_at, s.updated_at, s.token_id,"
			     " r.decision, r.comment, r.at"
			     " FROM submissions s LEFT JOIN reviews r ON r.id = (SELECT max(id)"
			     "   FROM reviews WHERE submission_id = s.id AND comment IS NOT NULL"
			     "   AND comment <> '')"
			     " WHERE s.token_id IN (SELECT value FROM json_each(?1))"
			     " ORDER BY s.updated_at DESC, s.rowid DESC LIMIT ?2 OFFSET ?3", &st, eb)))
		goto out;
	sqlite3_bind_text(st, 1, ids, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)offset);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sid = (const char *)sqlite3_column_text(st, 0);
		const char *tok = (const char *)sqlite3_column_text(st, 4);
		json_t *o, *last = json_null();
		struct case_record c;

		case_init(&c);
		if (store_get_case(s, sid, &c, eb) != CL_OK) {
			case_release(&c);
			rc = CL_ECORRUPT;
			goto out;
		}
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			last = json_pack("{s:s, s:s, s:s}", "decision", sqlite3_column_text(st, 5),
					 "comment", sqlite3_column_text(st, 6), "at",
					 sqlite3_column_text(st, 7));
		o = json_pack("{s:s, s:s?, s:s, s:I, s:s, s:s, s:b, s:o?}", "id", sid, "title",
			      c.title, "status", sqlite3_column_text(st, 1), "version",
			      (json_int_t)c.version, "submitted_at", sqlite3_column_text(st, 2),
			      "updated_at", sqlite3_column_text(st, 3), "this_token",
			      tok && !strcmp(tok, who->token_id), "last_comment", last);
		case_release(&c);
		if (!o || json_array_append_new(items, o)) {
			rc = nomem(eb);
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		rc = db_err(s, eb, "read your submissions");
		goto out;
	}
	*out = json_pack("{s:I, s:I, s:I, s:O}", "total", (json_int_t)total, "offset",
			 (json_int_t)offset, "limit", (json_int_t)limit, "items", items);
	rc = *out ? CL_OK : nomem(eb);
out:
	sqlite3_finalize(st);
	json_decref(items);
	free(ids);
	return rc;
}

/* ---- decide ---------------------------------------------------------------- */

static int blank(const char *s)
{
	if (!s)
		return 1;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

/* The state a refused decision met, for the answer: {"status", "version"}. */
static json_t *state_json(const struct sub_row *r)
{
	return json_pack("{s:s, s:I}", "status", r->status, "version", (json_int_t)r->version);
}

int wf_decide(struct store *s, const struct auth_principal *who, const char *id,
	      const char *decision, const char *comment, long version, json_t **out,
	      struct cl_errbuf *eb)
{
	struct case_record c;
	struct store_put_result res;
	struct sub_row r;
	const char *status;
	char actor[48], now[32], action[48], detail[64];
	int rc, began = 0, changed = 0;

	case_init(&c);
	if (out)
		*out = NULL;
	if (!s || !out)
		return cl_fail(eb, CL_EINVAL, "wf_decide: missing store or output");
	if (!is_reviewer(who))
		return cl_fail(eb, CL_EDENIED, "decisions need a reviewer token");
	if (!decision)
		return cl_fail(eb, CL_EINVAL, "no decision");
	if (!strcmp(decision, "approve"))
		status = "published";
	else if (!strcmp(decision, "reject"))
		status = "rejected";
	else if (!strcmp(decision, "request_changes"))
		status = "changes_requested";
	else
		return cl_fail(eb, CL_EINVAL,
			       "decision must be approve, reject or request_changes");
	if (strcmp(decision, "approve") != 0 && blank(comment))
		return cl_fail(eb, CL_EINVAL, "%s needs a comment for the contributor", decision);
	if (comment && strlen(comment) > WF_COMMENT_MAX)
		return cl_fail(eb, CL_EINVAL, "the comment is over %d bytes", WF_COMMENT_MAX);
	if (version < 1)
		return cl_fail(eb, CL_EINVAL, "a decision names the version it was made on"
					      " (the submission's \"version\")");
	if (blank(comment))
		comment = NULL;
	if ((rc = access_sub(s, who, id, 0, &r, eb)))
		return rc;

	/* Every check again under the write lock, then the writes: two
	 * decisions at once, or a decision and a revision, are serialised
	 * here and the later one sees the earlier one's result. */
	if ((rc = store_begin(s, eb)))
		return rc;
	began = 1;
	if ((rc = read_sub(s, id, &r, eb)))
		goto out;
	if (!r.found) {
		rc = cl_fail(eb, CL_ENOTFOUND, "no submission %s", id);
		goto out;
	}
	if (!strcmp(decision, "approve") && same_person(who, &r)) {
		rc = cl_fail(eb, CL_EDENIED, "a reviewer cannot approve their own submission"
					     " (the same person made it)");
		goto out;
	}
	if (strcmp(r.status, "submitted") != 0) {
		rc = cl_fail(eb, CL_ECONFLICT, "submission %s is %s, not waiting for review", id,
			     r.status);
		*out = state_json(&r);
		goto out;
	}
	if (r.version != version) {
		rc = cl_fail(eb, CL_ECONFLICT,
			     "submission %s is at version %ld, the decision was made on version"
			     " %ld: open it again and decide on what it says now", id, r.version,
			     version);
		*out = state_json(&r);
		goto out;
	}
	if ((rc = store_get_case(s, id, &c, eb)))
		goto out;
	if (set_status(&c, status)) {
		rc = nomem(eb);
		goto out;
	}
	actor_of(who, actor);
	store_now(now);
	rc = store_put_case(s, &c, actor, &res, eb);
	if (rc == CL_OK)
		rc = run3_changed(s, "UPDATE submissions SET status = ?2, updated_at = ?3"
				     " WHERE id = ?1 AND status = 'submitted'",
				  id, status, now, &changed, eb);
	if (rc == CL_OK && changed != 1)
		rc = cl_fail(eb, CL_ECONFLICT, "submission %s was decided meanwhile", id);
	if (rc == CL_OK) {
		sqlite3_stmt *st = NULL;
		if ((rc = prepare(s, "INSERT INTO reviews(submission_id, reviewer_token_id,"
				     " decision, comment, at) VALUES (?1, ?2, ?3, ?4, ?5)",
				  &st, eb)) == CL_OK) {
			sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, who->token_id, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, decision, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, comment, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
			rc = sqlite3_step(st) == SQLITE_DONE ? CL_OK : db_err(s, eb, "write review");
			sqlite3_finalize(st);
		}
	}
	if (rc == CL_OK) {
		snprintf(action, sizeof action, "review.%s", decision);
		snprintf(detail, sizeof detail, "v%ld (reviewed v%ld)", res.version, version);
		rc = store_audit(s, actor, action, id, detail, eb);
	}
	began = 0;
	if ((rc = tx_finish(s, rc, eb)))
		goto out;
	*out = json_pack("{s:s, s:s, s:s, s:I, s:I}", "id", id, "decision", decision, "status",
			 status, "version", (json_int_t)res.version, "seq", (json_int_t)res.seq);
	if (!*out)
		rc = nomem(eb);
out:
	if (began)
		store_rollback(s);
	if (rc != CL_OK && rc != CL_ECONFLICT && out) {
		json_decref(*out);
		*out = NULL;
	}
	case_release(&c);
	return rc;
}

int wf_case_published(struct store *s, const char *id, int *published, struct cl_errbuf *eb)
{
	if (published)
		*published = 0;
	if (!s || !id || !published)
		return cl_fail(eb, CL_EINVAL, "wf_case_published: missing argument");
	return row_exists(s, "SELECT 1 FROM cases WHERE id = ?1 AND status = 'published'", id,
			  published, eb);
}

/* ---- statistics ------------------------------------------------------------ */

static void today(char day[11])
{
	char now[32];

	store_now(now);
	memcpy(day, now, 10);
	day[10] = '\0';
}

/* The form a zero-result query is kept in: folded, whitespace collapsed,
 * at most WF_QUERY_KEEP_MAX bytes; WF_WITHHELD when it may name a person
 * (an e-mail address, or more than WF_QUERY_DIGITS_MAX digits: personal
 * identity and phone numbers). "" when nothing is left. Caller frees. */
static char *keep_query(const char *q)
{
	char *f = NULL, *o;
	size_t n = 0, digits = 0, len;
	int space = 0;

	if (ta_fold(q, strlen(q), &f, NULL) != CL_OK)
		return NULL;
	for (const char *p = f; *p; p++) {
		if (*p == '@')
			digits = WF_QUERY_DIGITS_MAX + 1;
		else if (*p >= '0' && *p <= '9')
			digits++;
	}
	if (digits > WF_QUERY_DIGITS_MAX) {
		free(f);
		return strdup(WF_WITHHELD);
	}
	o = f;
	for (const char *p = f; *p; p++) {
		int ws = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' ||
			 *p == '\v';
		if (ws) {
			space = n > 0;
			continue;
		}
		if (space)
			o[n++] = ' ';
		space = 0;
		o[n++] = *p;
	}
	len = n;
	if (len > WF_QUERY_KEEP_MAX) {
		len = WF_QUERY_KEEP_MAX;
		while (len > 0 && ((unsigned char)o[len] & 0xC0) == 0x80)
			len--;
	}
	o[len] = '\0';
	return o;
}

static int sp_begin(struct store *s, struct cl_errbuf *eb)
{
	if (sqlite3_exec(store_db(s), "SAVEPOINT wf_stats", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(s, eb, "statistics");
	return CL_OK;
}

static int sp_end(struct store *s, int rc, struct cl_errbuf *eb)
{
	sqlite3 *db = store_db(s);

	if (rc == CL_OK && sqlite3_exec(db, "RELEASE wf_stats", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_err(s, eb, "statistics: commit");
	if (rc != CL_OK && !sqlite3_get_autocommit(db)) {
		sqlite3_exec(db, "ROLLBACK TO wf_stats", NULL, NULL, NULL);
		sqlite3_exec(db, "RELEASE wf_stats", NULL, NULL, NULL);
	}
	return rc;
}

/* 1 for a code point that belongs to a word: a letter or a combining mark. */
static int word_cp(uint32_t cp)
{
	utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
	return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
	       c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC;
}

/* The words of a search worth counting, folded, into w[] (at most
 * WF_WORDS_PER_QUERY, distinct; each a pointer into *buf, which the caller
 * frees). None when the text may name a person as a zero-result query is
 * withheld (an '@', more than WF_QUERY_DIGITS_MAX digits). A word is a run
 * of letters; one touching a digit or followed by ':' (a field name of the
 * query syntax) is left out, and so are the query operators, stopwords (ta,
 * may be NULL) and words under 2 characters or over WF_WORD_MAX_BYTES. */
static size_t search_words(struct ta *ta, const char *query, char **buf,
			   const char *w[WF_WORDS_PER_QUERY])
{
	static const char *const ops[] = {"and", "or", "not", "near", NULL};
	size_t n = 0, len, digits = 0;
	char *f = NULL;

	*buf = NULL;
	if (!query || !*query || ta_fold(query, strlen(query), &f, &len) != CL_OK)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (f[i] == '@')
			digits = WF_QUERY_DIGITS_MAX + 1;
		else if (f[i] >= '0' && f[i] <= '9')
			digits++;
	}
	if (digits > WF_QUERY_DIGITS_MAX) {
		free(f);
		return 0;
	}
	*buf = f;
	for (size_t i = 0; i < len && n < WF_WORDS_PER_QUERY;) {
		size_t start = i, chars = 0, k;
		int digit = 0, dup = 0;
		uint32_t cp;

		while (i < len && (k = utf8_decode(f + i, len - i, &cp)) > 0 && word_cp(cp)) {
			i += k;
			chars++;
		}
		if (i == start) { /* not a letter: step over it */
			k = utf8_decode(f + i, len - i, &cp);
			digit = k == 1 && cp >= '0' && cp <= '9';
			i += k ? k : 1;
			if (digit) /* the letters after a digit belong to it */
				while (i < len && (k = utf8_decode(f + i, len - i, &cp)) > 0 &&
				       (word_cp(cp) || (cp >= '0' && cp <= '9')))
					i += k;
			continue;
		}
		if (i < len && ((f[i] >= '0' && f[i] <= '9') || f[i] == ':')) {
			while (i < len && (k = utf8_decode(f + i, len - i, &cp)) > 0 &&
			       (word_cp(cp) || (cp >= '0' && cp <= '9')))
				i += k;
			continue;
		}
		if (start > 0 && f[start - 1] >= '0' && f[start - 1] <= '9')
			continue;
		if (chars < 2 || i - start > WF_WORD_MAX_BYTES)
			continue;
		f[i] = '\0'; /* the byte after a word is not part of a later one */
		for (size_t o = 0; ops[o]; o++)
			if (!strcmp(f + start, ops[o]))
				dup = 1;
		if (!dup && ta && ta_is_stopword(ta, f + start, i - start))
			dup = 1;
		for (size_t m = 0; !dup && m < n; m++)
			if (!strcmp(w[m], f + start))
				dup = 1;
		if (!dup)
			w[n++] = f + start;
		i++;
	}
	return n;
}

static int stats_search(struct store *s, struct ta *ta, const char *query, long total,
			unsigned facets_used, struct cl_errbuf *eb);

int wf_stats_search(struct store *s, const char *query, long total, unsigned facets_used,
		    struct cl_errbuf *eb)
{
	struct ta *ta = NULL;
	int rc;

	if (!s || total < 0)
		return cl_fail(eb, CL_EINVAL, "wf_stats_search: missing store or negative total");
	if (query && *query && (rc = ta_open(&ta, "auto", 0, eb)))
		return rc;
	rc = stats_search(s, ta, query, total, facets_used, eb);
	ta_close(ta);
	return rc;
}

static int stats_search(struct store *s, struct ta *ta, const char *query, long total,
			unsigned facets_used, struct cl_errbuf *eb)
{
	char day[11], *kept = NULL, *wbuf = NULL, sql[320];
	const char *words[WF_WORDS_PER_QUERY];
	size_t nw;
	int rc;

	if (!s || total < 0)
		return cl_fail(eb, CL_EINVAL, "wf_stats_search: missing store or negative total");
	today(day);
	if (total == 0 && query && !(kept = keep_query(query)))
		return nomem(eb);
	if ((rc = sp_begin(s, eb))) {
		free(kept);
		return rc;
	}
	rc = run3(s, total == 0 ? "INSERT INTO stats_daily(day, searches, zero_results)"
				  " VALUES (?1, 1, 1) ON CONFLICT(day) DO UPDATE SET"
				  " searches = searches + 1, zero_results = zero_results + 1"
				: "INSERT INTO stats_daily(day, searches) VALUES (?1, 1)"
				  " ON CONFLICT(day) DO UPDATE SET searches = searches + 1",
		  day, NULL, NULL, eb);
	if (rc == CL_OK && kept && *kept)
		rc = run3(s, "INSERT INTO stats_zero_queries(query, count, first_day, last_day)"
			     " VALUES (?1, 1, ?2, ?2) ON CONFLICT(query) DO UPDATE SET"
			     " count = count + 1, last_day = excluded.last_day",
			  kept, day, NULL, eb);
	for (int f = 0; rc == CL_OK && f < EF_COUNT; f++)
		if (facets_used & (1u << f))
			rc = run3(s, "INSERT INTO stats_facets(facet, uses) VALUES (?1, 1)"
				     " ON CONFLICT(facet) DO UPDATE SET uses = uses + 1",
				  engine_facet_name((enum engine_facet)f), NULL, NULL, eb);
	nw = rc == CL_OK ? search_words(ta, query, &wbuf, words) : 0;
	snprintf(sql, sizeof sql,
		 "INSERT INTO stats_words(word, count) SELECT ?1, 1 WHERE"
		 " EXISTS (SELECT 1 FROM stats_words WHERE word = ?1) OR"
		 " (SELECT count(*) FROM stats_words) < %d"
		 " ON CONFLICT(word) DO UPDATE SET count = count + 1", WF_WORDS_ROWS);
	for (size_t i = 0; rc == CL_OK && i < nw; i++)
		rc = run3(s, sql, words[i], NULL, NULL, eb);
	free(wbuf);
	free(kept);
	return sp_end(s, rc, eb);
}

int wf_stats_view(struct store *s, const char *case_id, struct cl_errbuf *eb)
{
	char day[11];
	int rc;

	if (!s || !case_id || !*case_id || strlen(case_id) > CASE_ID_MAX)
		return cl_fail(eb, CL_EINVAL, "wf_stats_view: missing store or bad case id");
	today(day);
	if ((rc = sp_begin(s, eb)))
		return rc;
	rc = run3(s, "INSERT INTO stats_daily(day, case_views) VALUES (?1, 1)"
		     " ON CONFLICT(day) DO UPDATE SET case_views = case_views + 1",
		  day, NULL, NULL, eb);
	if (rc == CL_OK)
		rc = run3(s, "INSERT INTO stats_case_views(case_id, views) VALUES (?1, 1)"
			     " ON CONFLICT(case_id) DO UPDATE SET views = views + 1",
			  case_id, NULL, NULL, eb);
	return sp_end(s, rc, eb);
}

/* ---- buffered statistics (the server's hot path) ----------------------- */

struct wf_stats_ev {
	char *text;        /* the query (search) or case id (view) */
	long total;        /* search: hits; view: -1 */
	unsigned facets;
};

struct wf_stats_buf {
	pthread_mutex_t mu;
	struct wf_stats_ev *ev;
	size_t n, cap;
	unsigned long dropped;
};

int wf_stats_buf_new(struct wf_stats_buf **out, struct cl_errbuf *eb)
{
	struct wf_stats_buf *b = calloc(1, sizeof *b);

	if (!b)
		return nomem(eb);
	if (pthread_mutex_init(&b->mu, NULL) != 0) {
		free(b);
		return cl_fail(eb, CL_ENOMEM, "statistics buffer: cannot create its mutex");
	}
	*out = b;
	return CL_OK;
}

static void ev_release(struct wf_stats_ev *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ev[i].text);
	free(ev);
}

void wf_stats_buf_free(struct wf_stats_buf *b)
{
	if (!b)
		return;
	ev_release(b->ev, b->n);
	pthread_mutex_destroy(&b->mu);
	free(b);
}

/* Appends one event; takes text (malloc()ed) in every case. */
static int buf_push(struct wf_stats_buf *b, char *text, long total, unsigned facets)
{
	int rc = CL_OK;

	pthread_mutex_lock(&b->mu);
	if (b->n >= WF_STATS_BUF_MAX) {
		b->dropped++;
		rc = CL_EBUSY;
	} else if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct wf_stats_ev *ev = realloc(b->ev, cap * sizeof *ev);
		if (!ev)
			rc = CL_ENOMEM;
		else {
			b->ev = ev;
			b->cap = cap;
		}
	}
	if (rc == CL_OK) {
		b->ev[b->n++] = (struct wf_stats_ev){text, total, facets};
		text = NULL;
	}
	pthread_mutex_unlock(&b->mu);
	free(text);
	return rc;
}

int wf_stats_buf_search(struct wf_stats_buf *b, const char *query, long total,
			unsigned facets_used)
{
	char *q;

	if (!b || total < 0)
		return CL_EINVAL;
	if (!(q = strdup(query ? query : "")))
		return CL_ENOMEM;
	return buf_push(b, q, total, facets_used);
}

int wf_stats_buf_view(struct wf_stats_buf *b, const char *case_id)
{
	char *id;

	if (!b || !case_id || !*case_id || strlen(case_id) > CASE_ID_MAX)
		return CL_EINVAL;
	if (!(id = strdup(case_id)))
		return CL_ENOMEM;
	return buf_push(b, id, -1, 0);
}

size_t wf_stats_buf_pending(struct wf_stats_buf *b)
{
	size_t n;

	if (!b)
		return 0;
	pthread_mutex_lock(&b->mu);
	n = b->n;
	pthread_mutex_unlock(&b->mu);
	return n;
}

unsigned long wf_stats_buf_dropped(struct wf_stats_buf *b)
{
	unsigned long n;

	if (!b)
		return 0;
	pthread_mutex_lock(&b->mu);
	n = b->dropped;
	pthread_mutex_unlock(&b->mu);
	return n;
}

/* The distinct strings of one flush (case ids, zero-result queries, words)
 * in the order they first came, each with how often: the flush writes one
 * row update per distinct string instead of one per event. */
struct agg {
	struct { char *s; long n; } *v;
	size_t n, cap;
	size_t *slot; /* open addressing: index + 1, 0 empty */
	size_t nslots;
};

static uint64_t agg_hash(const char *s)
{
	return strset_hash(s, strlen(s));
}

static int agg_add(struct agg *a, const char *str)
{
	size_t i;

	if (2 * (a->n + 1) > a->nslots) { /* grow and rehash */
		size_t ns = a->nslots ? 2 * a->nslots : 256, *sl = calloc(ns, sizeof *sl);
		if (!sl)
			return CL_ENOMEM;
		for (size_t k = 0; k < a->n; k++) {
			for (i = agg_hash(a->v[k].s) & (ns - 1); sl[i]; i = (i + 1) & (ns - 1))
				;
			sl[i] = k + 1;
		}
		free(a->slot);
		a->slot = sl;
		a->nslots = ns;
	}
	for (i = agg_hash(str) & (a->nslots - 1); a->slot[i]; i = (i + 1) & (a->nslots - 1))
		if (!strcmp(a->v[a->slot[i] - 1].s, str)) {
			a->v[a->slot[i] - 1].n++;
			return CL_OK;
		}
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 64;
		void *v = realloc(a->v, cap * sizeof *a->v);
		if (!v)
			return CL_ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	if (!(a->v[a->n].s = strdup(str)))
		return CL_ENOMEM;
	a->v[a->n].n = 1;
	a->slot[i] = ++a->n;
	return CL_OK;
}

static void agg_release(struct agg *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].s);
	free(a->v);
	free(a->slot);
}

/* Runs st (?1 text a, ?2 count n, ?3 text b when it has one) and resets it. */
static int upsert(struct store *s, sqlite3_stmt *st, const char *a, long n, const char *b,
		  struct cl_errbuf *eb)
{
	int rc;

	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, n);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_text(st, 3, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? CL_OK : db_err(s, eb, "statistics: write");
	sqlite3_reset(st);
	return rc;
}

/* Writes the counts of n buffered events: the same rows and sums as
 * stats_search and wf_stats_view once per event (words in the order they
 * first came, so that the WF_WORDS_ROWS cap admits the same ones), with
 * one statement per distinct row. The caller holds the transaction. */
static int flush_events(struct store *s, struct ta *ta, const struct wf_stats_ev *ev, size_t n,
			struct cl_errbuf *eb)
{
	char day[11], sql[400];
	long searches = 0, zero = 0, views = 0, uses[EF_COUNT] = {0};
	struct agg words = {0}, zq = {0}, cv = {0};
	sqlite3_stmt *st = NULL;
	int rc = CL_OK;

	today(day);
	for (size_t i = 0; rc == CL_OK && i < n; i++) {
		const char *w[WF_WORDS_PER_QUERY];
		char *wbuf = NULL, *kept = NULL;
		size_t nw;

		if (ev[i].total < 0) { /* a view; its id was checked when buffered */
			views++;
			rc = agg_add(&cv, ev[i].text);
			continue;
		}
		searches++;
		if (ev[i].total == 0) {
			zero++;
			if (!(kept = keep_query(ev[i].text)))
				rc = CL_ENOMEM;
			else if (*kept)
				rc = agg_add(&zq, kept);
			free(kept);
		}
		for (int f = 0; f < EF_COUNT; f++)
			if (ev[i].facets & (1u << f))
				uses[f]++;
		nw = rc == CL_OK ? search_words(ta, ev[i].text, &wbuf, w) : 0;
		for (size_t k = 0; rc == CL_OK && k < nw; k++)
			rc = agg_add(&words, w[k]);
		free(wbuf);
	}
	if (rc == CL_ENOMEM)
		rc = nomem(eb);
	if (rc == CL_OK && (searches || views)) {
		snprintf(sql, sizeof sql,
			 "INSERT INTO stats_daily(day, searches, zero_results, case_views)"
			 " VALUES (?1, %ld, %ld, %ld) ON CONFLICT(day) DO UPDATE SET"
			 " searches = searches + excluded.searches,"
			 " zero_results = zero_results + excluded.zero_results,"
			 " case_views = case_views + excluded.case_views",
			 searches, zero, views);
		rc = run3(s, sql, day, NULL, NULL, eb);
	}
	if (rc == CL_OK && zq.n &&
	    (rc = prepare(s, "INSERT INTO stats_zero_queries(query, count, first_day, last_day)"
			     " VALUES (?1, ?2, ?3, ?3) ON CONFLICT(query) DO UPDATE SET"
			     " count = count + excluded.count, last_day = excluded.last_day",
			  &st, eb)) == CL_OK) {
		for (size_t i = 0; rc == CL_OK && i < zq.n; i++)
			rc = upsert(s, st, zq.v[i].s, zq.v[i].n, day, eb);
		sqlite3_finalize(st);
	}
	if (rc == CL_OK && (rc = prepare(s, "INSERT INTO stats_facets(facet, uses) VALUES (?1, ?2)"
					    " ON CONFLICT(facet) DO UPDATE SET"
					    " uses = uses + excluded.uses",
					 &st, eb)) == CL_OK) {
		for (int f = 0; rc == CL_OK && f < EF_COUNT; f++)
			if (uses[f])
				rc = upsert(s, st, engine_facet_name((enum engine_facet)f), uses[f],
					    NULL, eb);
		sqlite3_finalize(st);
	}
	snprintf(sql, sizeof sql,
		 "INSERT INTO stats_words(word, count) SELECT ?1, ?2 WHERE"
		 " EXISTS (SELECT 1 FROM stats_words WHERE word = ?1) OR"
		 " (SELECT count(*) FROM stats_words) < %d"
		 " ON CONFLICT(word) DO UPDATE SET count = count + excluded.count", WF_WORDS_ROWS);
	if (rc == CL_OK && words.n && (rc = prepare(s, sql, &st, eb)) == CL_OK) {
		for (size_t i = 0; rc == CL_OK && i < words.n; i++)
			rc = upsert(s, st, words.v[i].s, words.v[i].n, NULL, eb);
		sqlite3_finalize(st);
	}
	if (rc == CL_OK && cv.n &&
	    (rc = prepare(s, "INSERT INTO stats_case_views(case_id, views) VALUES (?1, ?2)"
			     " ON CONFLICT(case_id) DO UPDATE SET views = views + excluded.views",
			  &st, eb)) == CL_OK) {
		for (size_t i = 0; rc == CL_OK && i < cv.n; i++)
			rc = upsert(s, st, cv.v[i].s, cv.v[i].n, NULL, eb);
		sqlite3_finalize(st);
	}
	agg_release(&words);
	agg_release(&zq);
	agg_release(&cv);
	return rc;
}

int wf_stats_flush(struct wf_stats_buf *b, struct store *s, struct cl_errbuf *eb)
{
	struct ta *ta = NULL;
	struct wf_stats_ev *ev;
	size_t n;
	sqlite3 *db;
	int rc = CL_OK;

	if (!b || !s)
		return cl_fail(eb, CL_EINVAL, "wf_stats_flush: missing buffer or store");
	pthread_mutex_lock(&b->mu);
	ev = b->ev;
	n = b->n;
	b->ev = NULL;
	b->n = b->cap = 0;
	pthread_mutex_unlock(&b->mu);
	if (n == 0)
		return CL_OK;
	db = store_db(s);
	/* one analyser (for the stopwords of searched words) for the batch */
	rc = ta_open(&ta, "auto", 0, eb);
	/* one transaction: flush_events writes every row inside it */
	if (rc == CL_OK && sqlite3_exec(db, "SAVEPOINT wf_flush", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_err(s, eb, "statistics");
	if (rc == CL_OK)
		rc = flush_events(s, ta, ev, n, eb);
	ta_close(ta);
	if (rc == CL_OK && sqlite3_exec(db, "RELEASE wf_flush", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_err(s, eb, "statistics: commit");
	if (rc != CL_OK && !sqlite3_get_autocommit(db)) {
		sqlite3_exec(db, "ROLLBACK TO wf_flush", NULL, NULL, NULL);
		sqlite3_exec(db, "RELEASE wf_flush", NULL, NULL, NULL);
	}
	if (rc == CL_OK) {
		ev_release(ev, n);
		return CL_OK;
	}
	/* keep the events for the next flush, ahead of the newer ones */
	pthread_mutex_lock(&b->mu);
	while (b->n > 0 && n < WF_STATS_BUF_MAX) {
		struct wf_stats_ev *m = realloc(ev, (n + b->n) * sizeof *m);
		if (!m)
			break;
		ev = m;
		memcpy(ev + n, b->ev, b->n * sizeof *ev);
		n += b->n;
		free(b->ev);
		b->ev = NULL;
		b->n = b->cap = 0;
	}
	if (b->n == 0) {
		free(b->ev);
		b->ev = ev;
		b->n = b->cap = n;
		ev = NULL;
		n = 0;
	}
	b->dropped += n;
	pthread_mutex_unlock(&b->mu);
	ev_release(ev, n);
	return rc;
}

/* Appends one object per row of sql (with arg, when not NULL, bound to
 * ?1): keys[i] names column i; integer columns become JSON integers, NULL
 * columns null, the rest strings. what names the read in an error. */
static int rows_json(struct store *s, const char *sql, const char *arg,
		     const char *const *keys, int nkeys, json_t *arr, const char *what,
		     struct cl_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(s, sql, &st, eb);

	if (rc)
		return rc;
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_object();
		for (int i = 0; o && i < nkeys; i++) {
			int type = sqlite3_column_type(st, i);
			json_t *v = type == SQLITE_INTEGER ? json_integer(sqlite3_column_int64(st, i))
				    : type == SQLITE_NULL  ? json_null()
							   : json_string((const char *)sqlite3_column_text(st, i));
			if (!v || json_object_set_new(o, keys[i], v)) {
				json_decref(o);
				o = NULL;
			}
		}
		if (!o || json_array_append_new(arr, o)) {
			sqlite3_finalize(st);
			return nomem(eb);
		}
	}
	rc = rc == SQLITE_DONE ? CL_OK : db_err(s, eb, what);
	sqlite3_finalize(st);
	return rc;
}

int wf_stats_report(struct store *s, const struct auth_principal *who, json_t **out,
		    struct cl_errbuf *eb)
{
	static const char *const day_keys[] = {"day", "searches", "zero_results", "case_views"};
	static const char *const zq_keys[] = {"query", "count", "first_day", "last_day"};
	static const char *const f_keys[] = {"facet", "uses"};
	static const char *const v_keys[] = {"id", "views"};
	static const char *const t_keys[] = {"searches", "zero_results", "case_views"};
	static const char *const w_keys[] = {"word", "count"};
	json_t *days = json_array(), *zq = json_array(), *facets = json_array();
	json_t *views = json_array(), *totals = json_array(), *words = json_array();
	char sql[256];
	int rc;

	if (out)
		*out = NULL;
	if (!s || !out) {
		rc = cl_fail(eb, CL_EINVAL, "wf_stats_report: missing store or output");
		goto out;
	}
	if (!is_reviewer(who)) {
		rc = cl_fail(eb, CL_EDENIED, "statistics need a reviewer token");
		goto out;
	}
	if (!days || !zq || !facets || !views || !totals || !words) {
		rc = nomem(eb);
		goto out;
	}
	snprintf(sql, sizeof sql, "SELECT day, searches, zero_results, case_views"
				  " FROM stats_daily ORDER BY day DESC LIMIT %d", WF_REPORT_DAYS);
	if ((rc = rows_json(s, sql, NULL, day_keys, 4, days, "read statistics", eb)))
		goto out;
	snprintf(sql, sizeof sql, "SELECT query, count, first_day, last_day"
				  " FROM stats_zero_queries ORDER BY count DESC, query LIMIT %d",
		 WF_REPORT_TOP);
	if ((rc = rows_json(s, sql, NULL, zq_keys, 4, zq, "read statistics", eb)))
		goto out;
	if ((rc = rows_json(s, "SELECT facet, uses FROM stats_facets ORDER BY uses DESC, facet",
			    NULL, f_keys, 2, facets, "read statistics", eb)))
		goto out;
	snprintf(sql, sizeof sql, "SELECT case_id, views FROM stats_case_views"
				  " ORDER BY views DESC, case_id LIMIT %d", WF_REPORT_TOP);
	if ((rc = rows_json(s, sql, NULL, v_keys, 2, views, "read statistics", eb)))
		goto out;
	if ((rc = rows_json(s, "SELECT coalesce(sum(searches), 0), coalesce(sum(zero_results), 0),"
			       " coalesce(sum(case_views), 0) FROM stats_daily",
			    NULL, t_keys, 3, totals, "read statistics", eb)))
		goto out;
	snprintf(sql, sizeof sql, "SELECT word, count FROM stats_words WHERE count >= %d"
				  " ORDER BY count DESC, word LIMIT %d", WF_WORD_REPORT_MIN,
		 WF_REPORT_WORDS);
	if ((rc = rows_json(s, sql, NULL, w_keys, 2, words, "read statistics", eb)))
		goto out;
	*out = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:i}", "totals",
			 json_array_get(totals, 0), "days", days, "zero_result_queries", zq,
			 "facets", facets, "case_views", views, "top_words", words,
			 "top_words_min_count", WF_WORD_REPORT_MIN);
	rc = *out ? CL_OK : nomem(eb);
out:
	json_decref(days);
	json_decref(zq);
	json_decref(facets);
	json_decref(views);
	json_decref(totals);
	json_decref(words);
	return rc;
}
