/* peer_fts5.c — the raw SQLite FTS5 peer of `make bench` (docs/performance.md,
 * "Peers"): what a developer gets in an afternoon from FTS5 as it comes —
 * the default unicode61 tokenizer (no stemming, no stopwords, diacritics
 * folded), bm25() with equal column weights, snippet() — against caselib's
 * FTS5 engine, which adds its own tokenizer, stems, synonyms and ranking.
 *
 * One database file (WAL, default page size, default cache): the table
 * docs USING fts5(title, summary, body, buyer), rowid = case number; cases
 * (rowid -> id); facets, one row per case, facet and value, indexed on
 * (doc, facet, value) after the load. Everything is loaded in one
 * transaction, then the index is optimised (merged into one b-tree) and
 * ANALYZEd. A query: top 20 by bm25 (ORDER BY rank) with snippets, the exact
 * total, and with facets one GROUP BY per counted facet joining the match set
 * with that facet's own filter dropped. Statements are prepared per query
 * (their text depends on which facets are filtered). Result lines
 * ({"system":"sqlite-fts5-raw",...}) go to stdout. --cranfield DIR scores
 * ranking quality instead (queries as OR of their words, top 1,000). */
#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "dbuf.h"
#include "engine_impl.h" /* engine_html_snippet: the same HTML escaping as caselib */

#define SYSTEM "sqlite-fts5-raw"
#define NFACET 6
#define NVAL_MAX 64
#define TOPN 20
#define CRAN_NDOCS 1400
#define CRAN_NQ 225

static const char *const peer_facet[NFACET] = {"authority_type", "sectors", "categories",
					       "goals", "procedure", "year"};

struct query {
	char *q;          /* the words, as typed */
	char *match;      /* the FTS5 expression: every word quoted, implicit AND */
	char **val[NFACET];
	size_t nval[NFACET];
};

static void result_line(const char *corpus, const char *metric, double v, const char *unit)
{
	bu_result(SYSTEM, corpus, metric, v, unit);
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "peer_fts5: %s\n  in: %.200s\n", msg ? msg : "?", sql);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fprintf(stderr, "peer_fts5: %s\n  in: %.200s\n", sqlite3_errmsg(db), sql);
	return st;
}

/* Appends the words of s quoted as FTS5 strings, joined by sep: the match
 * expression. alnum: words are runs of letters and digits (else runs of
 * non-space). NULL when s has no word. */
static char *match_expr(const char *s, const char *sep, int alnum)
{
	struct dbuf b = DBUF_INIT(0);

	while (*s) {
		const char *w;
		while (*s && (alnum ? !isalnum((unsigned char)*s) : isspace((unsigned char)*s)))
			s++;
		if (!*s)
			break;
		for (w = s; *s && (alnum ? isalnum((unsigned char)*s) : !isspace((unsigned char)*s));
		     s++)
			;
		if (b.n)
			dbuf_puts(&b, sep);
		dbuf_puts(&b, "\"");
		for (; w < s; w++)
			dbuf_add(&b, *w == '"' ? "\"\"" : w, *w == '"' ? 2 : 1);
		dbuf_puts(&b, "\"");
	}
	return b.p;
}

/* --- loading ----------------------------------------------------------- */

static const char schema_sql[] =
	"PRAGMA journal_mode = WAL;"
	"CREATE VIRTUAL TABLE docs USING fts5(title, summary, body, buyer);"
	"CREATE TABLE cases (rid INTEGER PRIMARY KEY, id TEXT NOT NULL);"
	"CREATE TABLE facets (doc INTEGER NOT NULL, facet INTEGER NOT NULL, value TEXT NOT NULL);";

static const char index_sql[] =
	"CREATE INDEX facets_doc ON facets (doc, facet, value);"
	"INSERT INTO docs (docs) VALUES ('optimize');"
	"ANALYZE;";

struct loader {
	sqlite3_stmt *doc, *cas, *fac;
};

static int step_done(sqlite3 *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "peer_fts5: insert: %s\n", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static int put_facet(sqlite3 *db, struct loader *l, sqlite3_int64 rid, int fi, const char *v)
{
	sqlite3_bind_int64(l->fac, 1, rid);
	sqlite3_bind_int(l->fac, 2, fi);
	sqlite3_bind_text(l->fac, 3, v, -1, SQLITE_TRANSIENT);
	return step_done(db, l->fac);
}

/* Inserts case c as row rid; adds its indexed text's bytes to *raw. */
static int put_case(sqlite3 *db, struct loader *l, sqlite3_int64 rid, json_t *c, long long *raw)
{
	const char *text[4] = {jstr(c, "title"), jstr(c, "summary"), jstr(c, "body"),
			       jstr(json_object_get(c, "buyer"), "name")};
	char year[16] = "";
	const char *d;
	json_t *y = json_object_get(c, "year");

	sqlite3_bind_int64(l->doc, 1, rid);
	for (int i = 0; i < 4; i++) {
		sqlite3_bind_text(l->doc, 2 + i, text[i], -1, SQLITE_STATIC);
		*raw += text[i] ? (long long)strlen(text[i]) : 0;
	}
	if (step_done(db, l->doc))
		return -1;
	sqlite3_bind_int64(l->cas, 1, rid);
	sqlite3_bind_text(l->cas, 2, jstr(c, "id"), -1, SQLITE_STATIC);
	if (step_done(db, l->cas))
		return -1;
	if (json_is_integer(y))
		snprintf(year, sizeof year, "%d", (int)json_integer_value(y));
	else if ((d = jstr(c, "published")) || (d = jstr(c, "awarded")))
		snprintf(year, sizeof year, "%.4s", d);
	for (int fi = 0; fi < NFACET; fi++) {
		json_t *v = json_object_get(c, peer_facet[fi]), *x;
		size_t i;
		if (fi == 5) {
			if (*year && put_facet(db, l, rid, fi, year))
				return -1;
		} else if (json_is_string(v)) {
			if (put_facet(db, l, rid, fi, json_string_value(v)))
				return -1;
		} else {
			json_array_foreach(v, i, x)
				if (json_is_string(x) && put_facet(db, l, rid, fi, json_string_value(x)))
					return -1;
		}
	}
	return 0;
}

/* Loads the cases of path (published ones; others skipped) in one transaction. */
static int load_cases(sqlite3 *db, const char *path, long *ncases, long long *raw)
{
	FILE *f = fopen(path, "r");
	struct loader l = {NULL, NULL, NULL};
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0, skipped = 0;
	int rc = -1;

	*ncases = 0;
	*raw = 0;
	if (!f) {
		fprintf(stderr, "peer_fts5: cannot read %s\n", path);
		return -1;
	}
	if (exec(db, "BEGIN") ||
	    !(l.doc = prepare(db, "INSERT INTO docs (rowid, title, summary, body, buyer)"
				  " VALUES (?, ?, ?, ?, ?)")) ||
	    !(l.cas = prepare(db, "INSERT INTO cases (rid, id) VALUES (?, ?)")) ||
	    !(l.fac = prepare(db, "INSERT INTO facets (doc, facet, value) VALUES (?, ?, ?)")))
		goto out;
	while (getline(&line, &cap, f) > 0) {
		json_error_t je;
		json_t *c;
		const char *st;
		int bad;

		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (!(c = json_loads(line, 0, &je)) || !json_is_object(c) || !jstr(c, "id") ||
		    !jstr(c, "title")) {
			fprintf(stderr, "peer_fts5: %s:%ld: not a case record%s%s\n", path, lineno,
				c ? "" : ": ", c ? "" : je.text);
			json_decref(c);
			goto out;
		}
		st = jstr(c, "status");
		bad = 0;
		if (st && strcmp(st, "published"))
			skipped++;
		else
			bad = put_case(db, &l, (sqlite3_int64)++*ncases, c, raw);
		json_decref(c);
		if (bad)
			goto out;
		if (lineno % 100000 == 0)
			fprintf(stderr, "peer_fts5: %ld lines loaded\n", lineno);
	}
	if (exec(db, "COMMIT"))
		goto out;
	if (skipped)
		fprintf(stderr, "peer_fts5: %ld records not published, skipped\n", skipped);
	rc = 0;
out:
	sqlite3_finalize(l.doc);
	sqlite3_finalize(l.cas);
	sqlite3_finalize(l.fac);
	free(line);
	fclose(f);
	return rc;
}

/* --- the query mix ----------------------------------------------------- */

static void query_release(struct query *q)
{
	free(q->q);
	free(q->match);
	for (int i = 0; i < NFACET; i++) {
		for (size_t k = 0; k < q->nval[i]; k++)
			free(q->val[i][k]);
		free(q->val[i]);
	}
}

static int facet_index(const char *name)
{
	for (int i = 0; i < NFACET; i++)
		if (!strcmp(peer_facet[i], name))
			return i;
	return -1;
}

/* Reads filter values v (a JSON array of strings or numbers) into q's facet fi. */
static int read_filter(struct query *q, int fi, json_t *v)
{
	size_t i;
	json_t *x;

	if (!json_is_array(v) || json_array_size(v) > NVAL_MAX)
		return -1;
	if (!json_array_size(v)) /* no value: no filter */
		return 0;
	if (!(q->val[fi] = calloc(json_array_size(v) + 1, sizeof *q->val[fi])))
		return -1;
	json_array_foreach(v, i, x) {
		char num[32];
		const char *s = json_string_value(x);
		if (json_is_integer(x)) {
			snprintf(num, sizeof num, "%lld", (long long)json_integer_value(x));
			s = num;
		}
		if (!s || !(q->val[fi][q->nval[fi]++] = strdup(s)))
			return -1;
	}
	return 0;
}

static int read_queries(const char *path, struct query **out, size_t *n)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, nq = 0, qcap = 0;
	long lineno = 0;
	struct query *qs = NULL;
	int rc = 0;

	if (!f) {
		fprintf(stderr, "peer_fts5: cannot read %s\n", path);
		return -1;
	}
	while (!rc && getline(&line, &cap, f) > 0) {
		json_error_t je;
		json_t *o, *v;
		const char *key, *text;
		struct query *q;

		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		o = json_loads(line, 0, &je);
		if (!(text = jstr(o, "q"))) {
			fprintf(stderr, "peer_fts5: %s:%ld: not a query (an object with \"q\")\n",
				path, lineno);
			json_decref(o);
			rc = -1;
			break;
		}
		if (dbuf_grow(&qs, &qcap, nq + 1, sizeof *qs)) {
			json_decref(o);
			rc = -1;
			break;
		}
		q = &qs[nq++];
		memset(q, 0, sizeof *q);
		q->q = strdup(text);
		q->match = match_expr(text, " ", 0);
		json_object_foreach(json_object_get(o, "filters"), key, v) {
			int fi = facet_index(key);
			if (fi < 0 || q->val[fi] || read_filter(q, fi, v)) {
				fprintf(stderr, "peer_fts5: %s:%ld: bad facet filter '%s'\n", path,
					lineno, key);
				rc = -1;
				break;
			}
		}
		json_decref(o);
	}
	free(line);
	fclose(f);
	if (rc) {
		for (size_t i = 0; i < nq; i++)
			query_release(&qs[i]);
		free(qs);
		return -1;
	}
	*out = qs;
	*n = nq;
	return 0;
}

/* Appends q's filters except facet skip as EXISTS clauses on docs.rowid. */
static void where_filters(struct dbuf *b, const struct query *q, int skip)
{
	char frag[160];

	for (int i = 0; i < NFACET; i++) {
		if (i == skip || !q->nval[i])
			continue;
		snprintf(frag, sizeof frag,
			 " AND EXISTS (SELECT 1 FROM facets WHERE doc = docs.rowid AND facet = %d"
			 " AND value IN (?", i);
		dbuf_puts(b, frag);
		for (size_t k = 1; k < q->nval[i]; k++)
			dbuf_puts(b, ", ?");
		dbuf_puts(b, "))");
	}
}

/* Binds the match expression to ?1 and the filter values (except facet
 * skip) in order from ?2 on. */
static void bind_query(sqlite3_stmt *st, const struct query *q, int skip)
{
	int k = 1;

	sqlite3_bind_text(st, k++, q->match, -1, SQLITE_STATIC);
	for (int i = 0; i < NFACET; i++)
		for (size_t v = 0; i != skip && v < q->nval[i]; v++)
			sqlite3_bind_text(st, k++, q->val[i][v], -1, SQLITE_STATIC);
}

static FILE *dump; /* --dump: every answer, for checking the semantics */

static void dump_str(const char *s)
{
	json_t *j = json_string(s);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	fputs(t ? t : "null", dump);
	free(t);
	json_decref(j);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs sql (prepared now) for q. kind 2: *total gets the count; kind 1:
 * hits (id, marked snippet), written to the dump as sorted ids (so that a
 * dump does not depend on the ranking); kind 0: facet counts, written to
 * the dump as "value":count pairs. */
static int one_stmt(sqlite3 *db, const char *sql, const struct query *q, int skip, int kind,
		    long *total)
{
	sqlite3_stmt *st = prepare(db, sql);
	char *ids[TOPN];
	int rc, i = 0;

	if (!st)
		return -1;
	bind_query(st, q, skip);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (kind == 2) {
			*total = sqlite3_column_int64(st, 0);
		} else if (kind == 1) { /* a hit: id, marked snippet */
			char *snip = engine_html_snippet((const char *)sqlite3_column_text(st, 1));
			if (!snip) {
				rc = SQLITE_NOMEM;
				break;
			}
			free(snip);
			if (i >= TOPN || !(ids[i] = strdup((const char *)sqlite3_column_text(st, 0)))) {
				rc = SQLITE_NOMEM;
				break;
			}
		} else if (dump) { /* a facet value and its count */
			fputs(i ? "," : "", dump);
			dump_str((const char *)sqlite3_column_text(st, 0));
			fprintf(dump, ":%lld", (long long)sqlite3_column_int64(st, 1));
		}
		i++;
	}
	if (kind == 1) {
		qsort(ids, (size_t)i, sizeof *ids, cmp_str);
		for (int k = 0; k < i; k++) {
			if (dump) {
				fputs(k ? "," : "", dump);
				dump_str(ids[k]);
			}
			free(ids[k]);
		}
	}
	if (rc != SQLITE_DONE)
		fprintf(stderr, "peer_fts5: query '%s': %s\n", q->q, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* One query: top 20 with snippets and the total; with facets the six
 * disjunctive counts. A query without words matches nothing. */
static int one_query(sqlite3 *db, const struct query *q, int facets)
{
	static const struct query nofilter;
	const struct query *fq = facets ? q : &nofilter;
	struct query tmp;
	struct dbuf sql = DBUF_INIT(0);
	long total = 0;
	int rc = 0;

	if (!q->match) { /* no word: nothing matches */
		if (dump) {
			fprintf(dump, "{\"mode\":\"%s\",\"q\":", facets ? "facet" : "plain");
			dump_str(q->q);
			fprintf(dump, ",\"total\":0,\"hits\":[],\"facets\":{");
			for (int fi = 0; facets && fi < NFACET; fi++)
				fprintf(dump, "%s\"%s\":{}", fi ? "," : "", peer_facet[fi]);
			fputs("}}\n", dump);
		}
		return 0;
	}
	if (!facets) { /* the same words, no filters */
		tmp = nofilter;
		tmp.q = q->q;
		tmp.match = q->match;
		fq = &tmp;
	}
	dbuf_puts(&sql, "SELECT count(*) FROM docs WHERE docs MATCH ?");
	where_filters(&sql, fq, -1);
	rc = one_stmt(db, dbuf_str(&sql), fq, -1, 2, &total);
	if (dump && !rc) {
		fprintf(dump, "{\"mode\":\"%s\",\"q\":", facets ? "facet" : "plain");
		dump_str(q->q);
		fprintf(dump, ",\"total\":%ld,\"hits\":[", total);
	}
	dbuf_release(&sql);
	dbuf_puts(&sql, "SELECT (SELECT id FROM cases WHERE rid = docs.rowid),"
			" snippet(docs, -1, char(1), char(2), '…', 24) FROM docs WHERE docs MATCH ?");
	where_filters(&sql, fq, -1);
	dbuf_puts(&sql, " ORDER BY rank LIMIT 20");
	if (!rc)
		rc = one_stmt(db, dbuf_str(&sql), fq, -1, 1, NULL);
	if (dump && !rc)
		fprintf(dump, "],\"facets\":{");
	for (int fi = 0; facets && fi < NFACET && !rc; fi++) {
		char head[200];
		dbuf_release(&sql);
		snprintf(head, sizeof head,
			 "SELECT f.value, count(*) FROM docs JOIN facets f ON f.doc = docs.rowid"
			 " AND f.facet = %d WHERE docs MATCH ?", fi);
		dbuf_puts(&sql, head);
		where_filters(&sql, q, fi);
		dbuf_puts(&sql, " GROUP BY f.value ORDER BY 2 DESC, 1");
		if (dump)
			fprintf(dump, "%s\"%s\":{", fi ? "," : "", peer_facet[fi]);
		rc = one_stmt(db, dbuf_str(&sql), q, fi, 0, NULL);
		if (dump)
			fputs("}", dump);
	}
	if (dump && !rc)
		fputs("}}\n", dump);
	if (sql.err)
		rc = -1;
	dbuf_release(&sql);
	return rc;
}

/* warmup queries untimed, then repeat timed passes over the mix. */
static int run_mix(sqlite3 *db, const struct query *qs, size_t nq, int facets, size_t warmup,
		   int repeat, const char *corpus)
{
	const char *pre = facets ? "q_facet" : "q_plain";
	size_t n = nq * (size_t)repeat, k = 0;
	double *lat, t0;
	FILE *d = dump;
	int rc = -1;

	if (!nq || !(lat = malloc(n * sizeof *lat)))
		return -1;
	dump = NULL;
	for (size_t i = 0; i < warmup; i++)
		if (one_query(db, &qs[i % nq], facets))
			goto out;
	fprintf(stderr, "peer_fts5: %s: %zu queries x %d\n", pre, nq, repeat);
	t0 = bu_now();
	for (int rep = 0; rep < repeat; rep++) {
		dump = rep == 0 ? d : NULL;
		for (size_t i = 0; i < nq; i++) {
			double t = bu_now();
			if (one_query(db, &qs[i], facets))
				goto out;
			lat[k++] = (bu_now() - t) * 1e3;
		}
	}
	t0 = bu_now() - t0;
	bu_latency(SYSTEM, corpus, pre, lat, n, t0);
	rc = 0;
out:
	dump = d;
	free(lat);
	return rc;
}

/* --- Cranfield --------------------------------------------------------- */

static int cranfield(sqlite3 *db, const char *dir)
{
	static signed char qrel[CRAN_NQ + 1][CRAN_NDOCS + 1];
	static struct bu_smart docs[CRAN_NDOCS], qs[CRAN_NQ];
	struct loader l = {NULL, NULL, NULL};
	sqlite3_stmt *st = NULL;
	char path[4096];
	int nd, nq, q, d, code, evaluated = 0, rc = -1;
	double map = 0, ndcg = 0, p10 = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/cran.all.1400", dir);
	if ((nd = bu_read_smart("peer_fts5", path, docs, CRAN_NDOCS)) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/cran.qry", dir);
	if ((nq = bu_read_smart("peer_fts5", path, qs, CRAN_NQ)) < 0)
		goto out;
	snprintf(path, sizeof path, "%s/cranqrel", dir);
	if (!(f = fopen(path, "r"))) {
		fprintf(stderr, "peer_fts5: cannot read %s\n", path);
		goto out;
	}
	while (fscanf(f, "%d %d %d", &q, &d, &code) == 3)
		if (q >= 1 && q <= CRAN_NQ && d >= 1 && d <= CRAN_NDOCS && code >= 1 && code <= 4)
			qrel[q][d] = (signed char)code;
	fclose(f);
	fprintf(stderr, "peer_fts5: cranfield: %d documents, %d queries\n", nd, nq);

	if (exec(db, "BEGIN") ||
	    !(l.doc = prepare(db, "INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)")))
		goto out;
	for (int i = 0; i < nd; i++) {
		sqlite3_bind_int(l.doc, 1, i + 1);
		sqlite3_bind_text(l.doc, 2, docs[i].title, -1, SQLITE_STATIC);
		sqlite3_bind_text(l.doc, 3, docs[i].text, -1, SQLITE_STATIC);
		if (step_done(db, l.doc))
			goto out;
	}
	if (exec(db, "COMMIT") || exec(db, index_sql) ||
	    !(st = prepare(db, "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 1000")))
		goto out;

	for (q = 1; q <= nq; q++) {
		int nrel = 0, found = 0, gains[CRAN_NDOCS], ng = 0, rank = 0;
		double ap = 0, dcg = 0, idcg = 0;
		char *expr;

		for (d = 1; d <= nd; d++)
			if (qrel[q][d])
				gains[ng++] = 5 - qrel[q][d], nrel++;
		if (!nrel || !(expr = match_expr(qs[q - 1].text, " OR ", 1)))
			continue;
		sqlite3_bind_text(st, 1, expr, -1, SQLITE_TRANSIENT);
		free(expr);
		while (sqlite3_step(st) == SQLITE_ROW) {
			int doc = sqlite3_column_int(st, 0);
			rank++;
			if (doc < 1 || doc > CRAN_NDOCS || !qrel[q][doc])
				continue;
			ap += (double)++found / rank;
			if (rank <= 10) {
				dcg += (5 - qrel[q][doc]) / log2(rank + 1.0);
				p10 += 0.1;
			}
		}
		if (sqlite3_reset(st) != SQLITE_OK) {
			fprintf(stderr, "peer_fts5: cranfield query %d: %s\n", q, sqlite3_errmsg(db));
			goto out;
		}
		idcg = bu_ideal_dcg10(gains, ng);
		map += ap / nrel;
		ndcg += dcg / idcg;
		evaluated++;
	}
	if (!evaluated)
		goto out;
	fprintf(stderr, "peer_fts5: cranfield: %d queries evaluated\n", evaluated);
	result_line("cranfield", "map", map / evaluated, "");
	result_line("cranfield", "ndcg10", ndcg / evaluated, "");
	result_line("cranfield", "p10", p10 / evaluated, "");
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(l.doc);
	bu_smart_release(docs, CRAN_NDOCS);
	bu_smart_release(qs, CRAN_NQ);
	return rc;
}

/* --- main -------------------------------------------------------------- */

static int rm_cb(const char *p, const struct stat *sb, int fl, struct FTW *ftw)
{
	(void)sb;
	(void)fl;
	(void)ftw;
	return remove(p);
}

/* The bytes of each part of the database (dbstat), to stderr. */
static void size_report(sqlite3 *db)
{
	sqlite3_stmt *st = prepare(db, "SELECT CASE WHEN name LIKE 'docs%' THEN 'fts5'"
				       " WHEN name LIKE 'facets%' THEN 'facets' ELSE 'other' END,"
				       " sum(pgsize) FROM dbstat GROUP BY 1 ORDER BY 1");

	if (!st)
		return;
	fprintf(stderr, "peer_fts5: bytes by part:");
	while (sqlite3_step(st) == SQLITE_ROW)
		fprintf(stderr, " %s %lld", sqlite3_column_text(st, 0),
			(long long)sqlite3_column_int64(st, 1));
	fprintf(stderr, "\n");
	sqlite3_finalize(st);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: peer_fts5 --corpus-file CASES.jsonl --queries QUERIES.jsonl --corpus NAME\n"
		"                 [--db FILE] [--warmup N] [--repeat N] [--dump FILE]\n"
		"       peer_fts5 [--db FILE] --cranfield DIR\n\n"
		"Raw SQLite FTS5 (default tokenizer, bm25) as a benchmark peer\n"
		"(docs/performance.md, Peers). Loads the cases, indexes them, runs the query\n"
		"mix with and without facets and prints result lines on stdout.\n"
		"  --db FILE        the database (replaced if it exists; kept). Default: a\n"
		"                   temporary directory under $TMPDIR, removed at the end\n"
		"  --warmup N       queries run untimed first in each mode (default 100)\n"
		"  --repeat N       timed passes over the mix (default 1)\n"
		"  --dump FILE      write each query's total, hit ids and counts (JSON lines)\n"
		"  --cranfield DIR  ranking quality on Cranfield instead (map, ndcg10, p10)\n");
}

int main(int argc, char **argv)
{
	const char *cases = NULL, *queries = NULL, *corpus = NULL, *cran = NULL,
		   *dumpfile = NULL, *dbfile = NULL, *tmp = getenv("TMPDIR");
	long warmup = 100, repeat = 1, ncases = 0;
	long long raw = 0;
	int rc = 1;
	struct query *qs = NULL;
	size_t nq = 0;
	sqlite3 *db = NULL;
	char tmpdir[4096] = "", path[4200];

	const struct bu_opt opts[] = {
		{"--corpus-file", BU_STR, &cases, 0, 0},
		{"--queries", BU_STR, &queries, 0, 0},
		{"--corpus", BU_STR, &corpus, 0, 0},
		{"--cranfield", BU_STR, &cran, 0, 0},
		{"--dump", BU_STR, &dumpfile, 0, 0},
		{"--db", BU_STR, &dbfile, 0, 0},
		{"--warmup", BU_LONG, &warmup, 0, LONG_MAX},
		{"--repeat", BU_LONG, &repeat, 1, LONG_MAX},
		{NULL, BU_STR, NULL, 0, 0},
	};

	if ((rc = bu_options("peer_fts5", argc, argv, opts, usage)) >= 0)
		return rc;
	rc = 1;
	if (!cran && (!cases || !queries || !corpus)) {
		fprintf(stderr, "peer_fts5: --corpus-file, --queries and --corpus are required "
				"(or --cranfield DIR; --help)\n");
		return 2;
	}
	if (!cran && read_queries(queries, &qs, &nq))
		return 2;
	if (dumpfile && !(dump = fopen(dumpfile, "w"))) {
		fprintf(stderr, "peer_fts5: cannot write %s\n", dumpfile);
		goto out;
	}
	if (!dbfile) {
		snprintf(tmpdir, sizeof tmpdir, "%s/peer_fts5-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(tmpdir)) {
			fprintf(stderr, "peer_fts5: cannot create a directory in %s\n", tmpdir);
			tmpdir[0] = '\0';
			goto out;
		}
		snprintf(path, sizeof path, "%s/peer.db", tmpdir);
		dbfile = path;
	} else { /* replaced: the file and its WAL files */
		const char *sfx[3] = {"", "-wal", "-shm"};
		for (int i = 0; i < 3; i++) {
			snprintf(path, sizeof path, "%s%s", dbfile, sfx[i]);
			if (unlink(path) && errno != ENOENT) {
				fprintf(stderr, "peer_fts5: cannot replace %s: %s\n", path,
					strerror(errno));
				goto out;
			}
		}
	}
	if (sqlite3_open(dbfile, &db) != SQLITE_OK) {
		fprintf(stderr, "peer_fts5: %s: %s\n", dbfile, sqlite3_errmsg(db));
		goto out;
	}
	if (exec(db, schema_sql))
		goto out;
	if (cran) {
		rc = cranfield(db, cran) ? 1 : 0;
	} else {
		double t0 = bu_now(), tload, tidx;
		struct rusage ru;
		sqlite3_int64 bytes;
		sqlite3_stmt *st;

		fprintf(stderr, "peer_fts5: loading %s\n", cases);
		if (load_cases(db, cases, &ncases, &raw))
			goto out;
		tload = bu_now() - t0;
		fprintf(stderr, "peer_fts5: %ld cases loaded in %.2f s; building indexes\n", ncases,
			tload);
		if (exec(db, index_sql) || exec(db, "PRAGMA wal_checkpoint(TRUNCATE)"))
			goto out;
		tidx = bu_now() - t0 - tload;
		getrusage(RUSAGE_SELF, &ru);
		if (!(st = prepare(db, "SELECT page_count * page_size FROM pragma_page_count,"
				       " pragma_page_size")) ||
		    sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_finalize(st);
			goto out;
		}
		bytes = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		fprintf(stderr, "peer_fts5: indexed in %.2f s; database %lld bytes\n", tidx,
			(long long)bytes);
		size_report(db);
		result_line(corpus, "index_cases_per_s", (double)ncases / (tload + tidx), "cases/s");
		result_line(corpus, "index_seconds", tload + tidx, "s");
		result_line(corpus, "index_bytes", (double)bytes, "bytes");
		result_line(corpus, "index_bytes_per_case",
			    ncases ? (double)bytes / (double)ncases : 0, "bytes");
		result_line(corpus, "raw_text_bytes", (double)raw, "bytes");
		result_line(corpus, "peak_rss_kib", (double)ru.ru_maxrss, "KiB");
		if (run_mix(db, qs, nq, 1, (size_t)warmup, (int)repeat, corpus) ||
		    run_mix(db, qs, nq, 0, (size_t)warmup, (int)repeat, corpus))
			goto out;
		rc = 0;
	}
out:
	sqlite3_close(db);
	if (tmpdir[0])
		nftw(tmpdir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
	if (dump)
		fclose(dump);
	for (size_t i = 0; i < nq; i++)
		query_release(&qs[i]);
	free(qs);
	return rc;
}
