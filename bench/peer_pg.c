/* peer_pg.c — the PostgreSQL 15 full-text-search peer of `make bench`
 * (docs/performance.md, "Peers"): what a competent developer would build in
 * an afternoon with tsvector, GIN and GROUP BY, measured like caselib.
 *
 * Loads caselib case JSON lines into one table with a generated, weighted
 * tsvector (title A, summary B, body C, buyer D; the 'swedish' configuration
 * for Swedish cases, 'english' for English, 'simple' otherwise) by COPY in one
 * transaction, builds the indexes after the load, VACUUM ANALYZE; then runs
 * the query mix with facets (top 20 by ts_rank_cd with ts_headline snippets,
 * the exact total, one GROUP BY per counted facet with its own filter
 * dropped) and without (top 20 and the total), and prints result lines
 * ({"system":"postgresql",...}) on stdout. With --cranfield DIR it scores
 * ranking quality instead (queries as OR of their words, top 1,000).
 *
 * The server is started by scripts/bench-pg; the connection comes from
 * --conninfo or the PG* environment variables. Statements are sent with
 * PQexecParams, not prepared: each is parsed and planned per query, as the
 * statement text depends on which facets are filtered. */
#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "benchutil.h"
#include "dbuf.h"
#include "engine_impl.h" /* engine_html_snippet: the same HTML escaping as caselib */

#define SYSTEM "postgresql"
#define TOPN 20
#define NFACET 6
#define COPY_CHUNK (1u << 20)
#define CRAN_DEPTH 1000

/* The six counted facets; multi-valued ones are text[] columns. */
static const char *const peer_facet[NFACET] = {"authority_type", "sectors", "categories",
					       "goals", "procedure", "year"};
static const int facet_multi[NFACET] = {0, 1, 1, 1, 0, 0};

/* One query of the mix: the words, the language, the filter values per facet. */
struct query {
	char *q, *lang;
	char *filter[NFACET]; /* array literal {"a","b"}, or NULL */
};

static void result_line(const char *corpus, const char *metric, double v, const char *unit)
{
	bu_result(SYSTEM, corpus, metric, v, unit);
}

static const char *cfg_of(const char *lang)
{
	if (lang && !strcmp(lang, "en"))
		return "english";
	return "swedish";
}

/* --- SQL helpers ------------------------------------------------------- */

static void quiet_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg; /* "text-search query contains only stop words": expected */
}

/* Runs sql without parameters; 0 when it returned status ok. */
static int exec_ok(PGconn *db, const char *sql, ExecStatusType ok)
{
	PGresult *r = PQexec(db, sql);
	int rc = PQresultStatus(r) == ok ? 0 : -1;

	if (rc)
		fprintf(stderr, "peer_pg: %s\n  in: %.200s\n", PQerrorMessage(db), sql);
	PQclear(r);
	return rc;
}

static int exec_cmd(PGconn *db, const char *sql)
{
	return exec_ok(db, sql, PGRES_COMMAND_OK);
}

/* Appends s to b escaped for COPY's text format (backslash, tab, newline, CR). */
static void copy_text(struct dbuf *b, const char *s)
{
	const char *run = s;

	if (!s) {
		dbuf_puts(b, "\\N");
		return;
	}
	for (; *s; s++) {
		const char *esc = *s == '\\' ? "\\\\" : *s == '\t' ? "\\t" : *s == '\n' ? "\\n"
				: *s == '\r' ? "\\r" : NULL;
		if (esc) {
			dbuf_add(b, run, (size_t)(s - run));
			dbuf_puts(b, esc);
			run = s + 1;
		}
	}
	dbuf_add(b, run, (size_t)(s - run));
}

/* Appends a PostgreSQL array literal {"a","b"} of the strings in the JSON array a. */
static void array_literal(struct dbuf *b, json_t *a)
{
	size_t i;
	json_t *v;

	size_t k = 0;

	dbuf_puts(b, "{");
	json_array_foreach(a, i, v) {
		char num[32];
		const char *s = json_string_value(v);
		if (json_is_integer(v)) {
			snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
			s = num;
		}
		if (!s)
			continue;
		if (k++)
			dbuf_puts(b, ",");
		dbuf_puts(b, "\"");
		for (; *s; s++) {
			if (*s == '"' || *s == '\\')
				dbuf_puts(b, "\\");
			dbuf_add(b, s, 1);
		}
		dbuf_puts(b, "\"");
	}
	dbuf_puts(b, "}");
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* --- loading ----------------------------------------------------------- */

#define CFG_OF_ROW                                                              \
	"CASE lang WHEN 'sv' THEN 'swedish'::regconfig WHEN 'en' THEN "         \
	"'english'::regconfig ELSE 'simple'::regconfig END"

static const char create_sql[] =
	"DROP TABLE IF EXISTS cases;"
	"CREATE TABLE cases ("
	" id text NOT NULL, lang text, title text NOT NULL, summary text, body text,"
	" buyer text, authority_type text, procedure text, year int,"
	" sectors text[], categories text[], goals text[],"
	" tsv tsvector GENERATED ALWAYS AS ("
	"  setweight(to_tsvector(" CFG_OF_ROW ", coalesce(title, '')), 'A') ||"
	"  setweight(to_tsvector(" CFG_OF_ROW ", coalesce(summary, '')), 'B') ||"
	"  setweight(to_tsvector(" CFG_OF_ROW ", coalesce(body, '')), 'C') ||"
	"  setweight(to_tsvector(" CFG_OF_ROW ", coalesce(buyer, '')), 'D')) STORED)";

static const char *const index_sql[] = {
	"ALTER TABLE cases ADD PRIMARY KEY (id)",
	"CREATE INDEX cases_tsv ON cases USING gin (tsv)",
	"CREATE INDEX cases_authority_type ON cases (authority_type)",
	"CREATE INDEX cases_procedure ON cases (procedure)",
	"CREATE INDEX cases_year ON cases (year)",
	"CREATE INDEX cases_sectors ON cases USING gin (sectors)",
	"CREATE INDEX cases_categories ON cases USING gin (categories)",
	"CREATE INDEX cases_goals ON cases USING gin (goals)",
	"VACUUM ANALYZE cases",
};

/* The year of a case: "year", else the year of "published", else "awarded". */
static int case_year_of(json_t *c)
{
	const char *d;

	if (json_is_integer(json_object_get(c, "year")))
		return (int)json_integer_value(json_object_get(c, "year"));
	if ((d = jstr(c, "published")) || (d = jstr(c, "awarded")))
		return atoi(d);
	return 0;
}

/* One COPY row for case c; adds the indexed text's bytes to *raw. */
static void copy_row(struct dbuf *b, json_t *c, long long *raw)
{
	const char *text[4] = {jstr(c, "title"), jstr(c, "summary"), jstr(c, "body"),
			       jstr(json_object_get(c, "buyer"), "name")};
	const char *lang = jstr(c, "language");
	int year = case_year_of(c);

	copy_text(b, jstr(c, "id"));
	dbuf_puts(b, "\t");
	copy_text(b, lang && strlen(lang) == 2 ? lang : NULL);
	for (int i = 0; i < 4; i++) {
		dbuf_puts(b, "\t");
		copy_text(b, text[i]);
		*raw += text[i] ? (long long)strlen(text[i]) : 0;
	}
	dbuf_puts(b, "\t");
	copy_text(b, jstr(c, "authority_type"));
	dbuf_puts(b, "\t");
	copy_text(b, jstr(c, "procedure"));
	dbuf_puts(b, "\t");
	if (year) {
		char y[16];
		snprintf(y, sizeof y, "%d", year);
		dbuf_puts(b, y);
	} else {
		dbuf_puts(b, "\\N");
	}
	for (int i = 1; i <= 3; i++) {
		struct dbuf a = DBUF_INIT(0);
		json_t *v = json_object_get(c, peer_facet[i]);
		dbuf_puts(b, "\t");
		if (!json_is_array(v)) {
			dbuf_puts(b, "\\N");
			continue;
		}
		array_literal(&a, v);
		copy_text(b, dbuf_str(&a));
		dbuf_release(&a);
	}
	dbuf_puts(b, "\n");
}

static int put_copy(PGconn *db, struct dbuf *b)
{
	if (b->err) {
		fprintf(stderr, "peer_pg: out of memory\n");
		return -1;
	}
	if (b->n && PQputCopyData(db, b->p, (int)b->n) != 1) {
		fprintf(stderr, "peer_pg: COPY: %s", PQerrorMessage(db));
		return -1;
	}
	b->n = 0;
	return 0;
}

/* Ends the COPY started on db (ok = 0: with an error) and reads its result. */
static int end_copy(PGconn *db, int ok)
{
	PGresult *r;
	int rc = 0;

	if (PQputCopyEnd(db, ok ? NULL : "peer_pg: load failed") != 1)
		rc = -1;
	while ((r = PQgetResult(db))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			if (ok)
				fprintf(stderr, "peer_pg: COPY: %s", PQerrorMessage(db));
			rc = -1;
		}
		PQclear(r);
	}
	return ok ? rc : -1;
}

/* Loads the cases of path (published ones; others skipped). *ncases and
 * *raw get the count and the indexed text bytes. */
static int load_cases(PGconn *db, const char *path, long *ncases, long long *raw)
{
	FILE *f = fopen(path, "r");
	struct dbuf b = DBUF_INIT(0);
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0, skipped = 0;
	int ok = 1;
	PGresult *r;

	*ncases = 0;
	*raw = 0;
	if (!f) {
		fprintf(stderr, "peer_pg: cannot read %s\n", path);
		return -1;
	}
	if (exec_cmd(db, "BEGIN") || exec_cmd(db, create_sql)) {
		fclose(f);
		return -1;
	}
	r = PQexec(db, "COPY cases (id, lang, title, summary, body, buyer, authority_type,"
		       " procedure, year, sectors, categories, goals) FROM STDIN");
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		fprintf(stderr, "peer_pg: COPY: %s", PQerrorMessage(db));
		PQclear(r);
		fclose(f);
		return -1;
	}
	PQclear(r);
	while (ok && getline(&line, &cap, f) > 0) {
		json_error_t je;
		json_t *c;
		const char *st;

		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (!(c = json_loads(line, 0, &je)) || !json_is_object(c) || !jstr(c, "id") ||
		    !jstr(c, "title")) {
			fprintf(stderr, "peer_pg: %s:%ld: not a case record%s%s\n", path, lineno,
				c ? "" : ": ", c ? "" : je.text);
			json_decref(c);
			ok = 0;
			break;
		}
		st = jstr(c, "status");
		if (st && strcmp(st, "published")) {
			skipped++;
		} else {
			copy_row(&b, c, raw);
			(*ncases)++;
		}
		json_decref(c);
		if (b.n >= COPY_CHUNK && put_copy(db, &b))
			ok = 0;
		if (lineno % 100000 == 0)
			fprintf(stderr, "peer_pg: %ld lines loaded\n", lineno);
	}
	if (ok && put_copy(db, &b))
		ok = 0;
	free(line);
	dbuf_release(&b);
	fclose(f);
	if (end_copy(db, ok) || exec_cmd(db, "COMMIT")) {
		exec_cmd(db, "ROLLBACK");
		return -1;
	}
	if (skipped)
		fprintf(stderr, "peer_pg: %ld records not published, skipped\n", skipped);
	return 0;
}

static int build_indexes(PGconn *db)
{
	for (size_t i = 0; i < sizeof index_sql / sizeof *index_sql; i++)
		if (exec_cmd(db, index_sql[i]))
			return -1;
	return 0;
}

/* Peak resident set of the server process behind db (its VmHWM, which
 * counts the shared buffers it touched); 0 when /proc cannot tell. */
static long backend_hwm_kib(PGconn *db)
{
	char path[64], line[256];
	long kib = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", PQbackendPID(db));
	if (!(f = fopen(path, "r")))
		return 0;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "VmHWM:", 6))
			kib = atol(line + 6);
	fclose(f);
	return kib;
}

/* --- the query mix ----------------------------------------------------- */

static void query_release(struct query *q)
{
	free(q->q);
	free(q->lang);
	for (int i = 0; i < NFACET; i++)
		free(q->filter[i]);
}

static int facet_index(const char *name)
{
	for (int i = 0; i < NFACET; i++)
		if (!strcmp(peer_facet[i], name))
			return i;
	return -1;
}

/* Reads the query mix; *out and *n own the queries. */
static int read_queries(const char *path, struct query **out, size_t *n)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, nq = 0, qcap = 0;
	long lineno = 0;
	struct query *qs = NULL;
	int rc = 0;

	if (!f) {
		fprintf(stderr, "peer_pg: cannot read %s\n", path);
		return -1;
	}
	while (!rc && getline(&line, &cap, f) > 0) {
		json_error_t je;
		json_t *o, *filters, *v;
		const char *key, *text;
		struct query *q;

		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		o = json_loads(line, 0, &je);
		text = jstr(o, "q");
		if (!text) {
			fprintf(stderr, "peer_pg: %s:%ld: not a query (an object with \"q\")\n",
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
		q->lang = strdup(cfg_of(jstr(o, "lang")));
		filters = json_object_get(o, "filters");
		json_object_foreach(filters, key, v) {
			int fi = facet_index(key);
			struct dbuf b = DBUF_INIT(0);
			if (fi < 0 || !json_is_array(v)) {
				fprintf(stderr, "peer_pg: %s:%ld: unknown facet filter '%s'\n", path,
					lineno, key);
				rc = -1;
				break;
			}
			if (!json_array_size(v)) /* no value: no filter */
				continue;
			array_literal(&b, v);
			q->filter[fi] = b.p;
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

/* The WHERE clause of query q's filters, leaving out facet skip (-1: none).
 * Parameters: $1 configuration, $2 text, $3.. facet filters in facet order. */
static void where_filters(struct dbuf *b, const struct query *q, int skip)
{
	char frag[160];

	for (int i = 0; i < NFACET; i++) {
		if (i == skip || !q->filter[i])
			continue;
		if (facet_multi[i])
			snprintf(frag, sizeof frag, " AND %s && $%d::text[]", peer_facet[i], 3 + i);
		else
			snprintf(frag, sizeof frag, " AND %s = ANY($%d::%s[])", peer_facet[i], 3 + i,
				 i == 5 ? "int" : "text");
		dbuf_puts(b, frag);
	}
}

/* Optional dump of every answer (for checking the semantics, not timed). */
static FILE *dump;

/* Writes s to the dump as a JSON string. */
static void dump_str(const char *s)
{
	json_t *j = json_string(s);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	fputs(t ? t : "null", dump);
	free(t);
	json_decref(j);
}

/* Runs one statement with q's parameters; the caller clears the result. */
static PGresult *run(PGconn *db, const char *sql, const struct query *q, const char *text)
{
	const char *params[2 + NFACET];
	Oid types[2 + NFACET];
	PGresult *r;

	params[0] = q->lang;
	params[1] = text;
	for (int i = 0; i < NFACET; i++)
		params[2 + i] = q->filter[i];
	for (int i = 0; i < 2 + NFACET; i++)
		types[i] = 25; /* text */
	r = PQexecParams(db, sql, 2 + NFACET, types, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "peer_pg: query '%s': %s", text, PQerrorMessage(db));
		PQclear(r);
		return NULL;
	}
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Writes the hit ids sorted (so that a dump does not depend on the ranking). */
static void dump_ids(const char **ids, size_t n)
{
	qsort(ids, n, sizeof *ids, cmp_str);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? "," : "", dump);
		dump_str(ids[i]);
	}
}

#define MATCH "tsv @@ plainto_tsquery($1::regconfig, $2)"

/* One query: top 20 with snippets and the total, and with facets the six
 * disjunctive counts. Returns 0 or -1. */
static int one_query(PGconn *db, const struct query *q, int facets)
{
	struct query plain = {q->q, q->lang, {NULL}}; /* the same words, no filters */
	const struct query *fq = facets ? q : &plain;
	struct dbuf sql = DBUF_INIT(0);
	const char *ids[TOPN];
	PGresult *r;
	int rc = 0;

	dbuf_puts(&sql,
		  "SELECT id, ts_headline($1::regconfig,"
		  " coalesce(nullif(summary, ''), nullif(body, ''), title), qq,"
		  " 'StartSel=\x01, StopSel=\x02, MaxWords=35, MinWords=15'), title, total"
		  " FROM (SELECT id, title, summary, body, ts_rank_cd(tsv, qq) AS r,"
		  " count(*) OVER () AS total"
		  " FROM cases, plainto_tsquery($1::regconfig, $2) qq WHERE tsv @@ qq");
	where_filters(&sql, fq, -1);
	dbuf_puts(&sql, " ORDER BY r DESC, id LIMIT 20) t, plainto_tsquery($1::regconfig, $2) qq"
			" ORDER BY r DESC, id");
	if (!(r = run(db, dbuf_str(&sql), fq, q->q))) {
		dbuf_release(&sql);
		return -1;
	}
	if (dump) {
		fprintf(dump, "{\"mode\":\"%s\",\"q\":", facets ? "facet" : "plain");
		dump_str(q->q);
		fprintf(dump, ",\"total\":%s,\"hits\":[", PQntuples(r) ? PQgetvalue(r, 0, 3) : "0");
	}
	for (int i = 0; i < PQntuples(r) && i < TOPN; i++) {
		char *snip = engine_html_snippet(PQgetvalue(r, i, 1));
		if (!snip)
			rc = -1;
		free(snip);
		ids[i] = PQgetvalue(r, i, 0);
	}
	if (dump)
		dump_ids(ids, (size_t)PQntuples(r));
	PQclear(r);
	if (dump)
		fprintf(dump, "],\"facets\":{");
	for (int fi = 0; facets && fi < NFACET && !rc; fi++) {
		const char *col = peer_facet[fi];
		char head[200];

		dbuf_release(&sql);
		if (facet_multi[fi])
			snprintf(head, sizeof head, "SELECT v, count(*) FROM cases, unnest(%s) v WHERE "
				 MATCH, col);
		else
			snprintf(head, sizeof head, "SELECT %s::text, count(*) FROM cases WHERE "
				 MATCH " AND %s IS NOT NULL", col, col);
		dbuf_puts(&sql, head);
		where_filters(&sql, q, fi);
		dbuf_puts(&sql, " GROUP BY 1 ORDER BY 2 DESC, 1");
		if (!(r = run(db, dbuf_str(&sql), q, q->q))) {
			rc = -1;
			break;
		}
		if (dump) {
			fprintf(dump, "%s\"%s\":{", fi ? "," : "", col);
			for (int i = 0; i < PQntuples(r); i++) {
				fputs(i ? "," : "", dump);
				dump_str(PQgetvalue(r, i, 0));
				fprintf(dump, ":%s", PQgetvalue(r, i, 1));
			}
			fprintf(dump, "}");
		}
		PQclear(r);
	}
	if (dump)
		fprintf(dump, "}}\n");
	dbuf_release(&sql);
	return rc;
}

/* Runs the mix warmup queries untimed, then repeat times timed; prints
 * the q_facet_* or q_plain_* lines. */
static int run_mix(PGconn *db, const struct query *qs, size_t nq, int facets, size_t warmup,
		   int repeat, const char *corpus)
{
	const char *pre = facets ? "q_facet" : "q_plain";
	size_t n = nq * (size_t)repeat, k = 0;
	double *lat = malloc((n ? n : 1) * sizeof *lat), t0;
	FILE *d = dump;

	if (!lat || !nq) {
		free(lat);
		return -1;
	}
	dump = NULL;
	for (size_t i = 0; i < warmup; i++)
		if (one_query(db, &qs[i % nq], facets)) {
			free(lat);
			return -1;
		}
	fprintf(stderr, "peer_pg: %s: %zu queries x %d\n", pre, nq, repeat);
	t0 = bu_now();
	for (int rep = 0; rep < repeat; rep++) {
		dump = rep == 0 ? d : NULL;
		for (size_t i = 0; i < nq; i++) {
			double t = bu_now();
			if (one_query(db, &qs[i], facets)) {
				dump = d;
				free(lat);
				return -1;
			}
			lat[k++] = (bu_now() - t) * 1e3;
		}
	}
	t0 = bu_now() - t0;
	dump = d;
	bu_latency(SYSTEM, corpus, pre, lat, n, t0);
	free(lat);
	return 0;
}

/* --- Cranfield --------------------------------------------------------- */

#define CRAN_NDOCS 1400
#define CRAN_NQ 225

/* The words of s (letters and digits) joined with " | ": an OR query. */
static char *or_query(const char *s)
{
	struct dbuf b = DBUF_INIT(0);

	while (*s) {
		const char *w;
		while (*s && !isalnum((unsigned char)*s))
			s++;
		if (!*s)
			break;
		for (w = s; isalnum((unsigned char)*s); s++)
			;
		if (b.n)
			dbuf_puts(&b, " | ");
		dbuf_add(&b, w, (size_t)(s - w));
	}
	return b.p ? b.p : strdup("");
}

static int cranfield(PGconn *db, const char *dir)
{
	static signed char qrel[CRAN_NQ + 1][CRAN_NDOCS + 1];
	static struct bu_smart docs[CRAN_NDOCS], qs[CRAN_NQ];
	char path[4096];
	int nd, nq, q, d, code, evaluated = 0, rc = -1;
	double map = 0, ndcg = 0, p10 = 0;
	struct dbuf b = DBUF_INIT(0);
	FILE *f;
	PGresult *r;

	snprintf(path, sizeof path, "%s/cran.all.1400", dir);
	if ((nd = bu_read_smart("peer_pg", path, docs, CRAN_NDOCS)) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/cran.qry", dir);
	if ((nq = bu_read_smart("peer_pg", path, qs, CRAN_NQ)) < 0)
		goto out;
	snprintf(path, sizeof path, "%s/cranqrel", dir);
	if (!(f = fopen(path, "r"))) {
		fprintf(stderr, "peer_pg: cannot read %s\n", path);
		goto out;
	}
	while (fscanf(f, "%d %d %d", &q, &d, &code) == 3)
		if (q >= 1 && q <= CRAN_NQ && d >= 1 && d <= CRAN_NDOCS && code >= 1 && code <= 4)
			qrel[q][d] = (signed char)code;
	fclose(f);
	fprintf(stderr, "peer_pg: cranfield: %d documents, %d queries\n", nd, nq);

	if (exec_cmd(db, "BEGIN") || exec_cmd(db, create_sql))
		goto out;
	r = PQexec(db, "COPY cases (id, lang, title, body) FROM STDIN");
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		fprintf(stderr, "peer_pg: COPY: %s", PQerrorMessage(db));
		PQclear(r);
		goto out;
	}
	PQclear(r);
	for (int i = 0; i < nd; i++) {
		char id[16];
		snprintf(id, sizeof id, "%d\ten\t", i + 1);
		dbuf_puts(&b, id);
		copy_text(&b, docs[i].title);
		dbuf_puts(&b, "\t");
		copy_text(&b, docs[i].text);
		dbuf_puts(&b, "\n");
	}
	if (put_copy(db, &b) || end_copy(db, 1) || exec_cmd(db, "COMMIT") || build_indexes(db))
		goto out;

	for (q = 1; q <= nq; q++) {
		int nrel = 0, found = 0, gains[CRAN_NDOCS], ng = 0;
		double ap = 0, dcg = 0, idcg = 0;
		char *text = or_query(qs[q - 1].text);
		const char *params[1] = {text};

		for (d = 1; d <= nd; d++)
			if (qrel[q][d])
				gains[ng++] = 5 - qrel[q][d], nrel++;
		if (!nrel) {
			free(text);
			continue;
		}
		r = PQexecParams(db,
				 "SELECT id FROM cases, to_tsquery('english', $1) qq WHERE tsv @@ qq"
				 " ORDER BY ts_rank_cd(tsv, qq) DESC, id LIMIT 1000",
				 1, NULL, params, NULL, NULL, 0);
		free(text);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			fprintf(stderr, "peer_pg: cranfield query %d: %s", q, PQerrorMessage(db));
			PQclear(r);
			goto out;
		}
		for (int i = 0; i < PQntuples(r); i++) {
			int doc = atoi(PQgetvalue(r, i, 0)), rank = i + 1;
			if (doc < 1 || doc > CRAN_NDOCS || !qrel[q][doc])
				continue;
			ap += (double)++found / rank;
			if (rank <= 10) {
				dcg += (5 - qrel[q][doc]) / log2(rank + 1.0);
				p10 += 0.1;
			}
		}
		PQclear(r);
		idcg = bu_ideal_dcg10(gains, ng);
		map += ap / nrel;
		ndcg += dcg / idcg;
		evaluated++;
	}
	if (!evaluated)
		goto out;
	fprintf(stderr, "peer_pg: cranfield: %d queries evaluated\n", evaluated);
	result_line("cranfield", "map", map / evaluated, "");
	result_line("cranfield", "ndcg10", ndcg / evaluated, "");
	result_line("cranfield", "p10", p10 / evaluated, "");
	rc = exec_cmd(db, "DROP TABLE cases");
out:
	dbuf_release(&b);
	bu_smart_release(docs, CRAN_NDOCS);
	bu_smart_release(qs, CRAN_NQ);
	return rc;
}

/* --- main -------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: peer_pg [--conninfo STR] --corpus-file CASES.jsonl --queries QUERIES.jsonl\n"
		"               --corpus NAME [--warmup N] [--repeat N] [--dump FILE] [--keep]\n"
		"       peer_pg [--conninfo STR] --cranfield DIR\n\n"
		"PostgreSQL 15 full-text search as a benchmark peer (docs/performance.md, Peers).\n"
		"Loads the cases into the table `cases` (replacing it), indexes them, runs the\n"
		"query mix with and without facets and prints result lines on stdout.\n"
		"  --conninfo STR   libpq connection string (default: the PG* environment,\n"
		"                   as scripts/bench-pg run sets it)\n"
		"  --warmup N       queries run untimed first in each mode (default 100)\n"
		"  --repeat N       timed passes over the mix (default 1)\n"
		"  --dump FILE      write each query's total, hit ids and counts (JSON lines)\n"
		"  --keep           leave the table in place (dropped by default)\n"
		"  --cranfield DIR  ranking quality on Cranfield instead (map, ndcg10, p10)\n");
}

int main(int argc, char **argv)
{
	const char *conninfo = "", *cases = NULL, *queries = NULL, *corpus = NULL, *cran = NULL,
		   *dumpfile = NULL;
	long warmup = 100, repeat = 1, ncases = 0;
	long long raw = 0;
	int keep = 0, rc = 1;
	struct query *qs = NULL;
	size_t nq = 0;
	PGconn *db = NULL;

	const struct bu_opt opts[] = {
		{"--conninfo", BU_STR, &conninfo, 0, 0},
		{"--corpus-file", BU_STR, &cases, 0, 0},
		{"--queries", BU_STR, &queries, 0, 0},
		{"--corpus", BU_STR, &corpus, 0, 0},
		{"--cranfield", BU_STR, &cran, 0, 0},
		{"--dump", BU_STR, &dumpfile, 0, 0},
		{"--warmup", BU_LONG, &warmup, 0, LONG_MAX},
		{"--repeat", BU_LONG, &repeat, 1, LONG_MAX},
		{"--keep", BU_FLAG, &keep, 1, 0},
		{NULL, BU_STR, NULL, 0, 0},
	};

	if ((rc = bu_options("peer_pg", argc, argv, opts, usage)) >= 0)
		return rc;
	rc = 1;
	if (!cran && (!cases || !queries || !corpus)) {
		fprintf(stderr, "peer_pg: --corpus-file, --queries and --corpus are required "
				"(or --cranfield DIR; --help)\n");
		return 2;
	}
	if (!cran && read_queries(queries, &qs, &nq))
		return 2;
	if (dumpfile && !(dump = fopen(dumpfile, "w"))) {
		fprintf(stderr, "peer_pg: cannot write %s\n", dumpfile);
		goto out;
	}
	db = PQconnectdb(conninfo);
	if (PQstatus(db) != CONNECTION_OK) {
		fprintf(stderr, "peer_pg: cannot connect: %s", PQerrorMessage(db));
		goto out;
	}
	PQsetNoticeProcessor(db, quiet_notice, NULL);
	if (exec_cmd(db, "SET client_min_messages = warning"))
		goto out;
	if (cran) {
		rc = cranfield(db, cran) ? 1 : 0;
	} else {
		double t0 = bu_now(), tload, tidx;
		PGresult *r;
		struct rusage ru;
		long hwm;

		fprintf(stderr, "peer_pg: loading %s\n", cases);
		if (load_cases(db, cases, &ncases, &raw))
			goto out;
		tload = bu_now() - t0;
		fprintf(stderr, "peer_pg: %ld cases loaded in %.2f s; building indexes\n", ncases,
			tload);
		if (build_indexes(db))
			goto out;
		tidx = bu_now() - t0 - tload;
		hwm = backend_hwm_kib(db);
		getrusage(RUSAGE_SELF, &ru);
		fprintf(stderr, "peer_pg: indexes built in %.2f s; server backend VmHWM %ld KiB,"
				" client maxrss %ld KiB\n", tidx, hwm, ru.ru_maxrss);
		r = PQexec(db, "SELECT pg_total_relation_size('cases'), pg_relation_size('cases'),"
			       " pg_indexes_size('cases'), pg_relation_size('cases_tsv')");
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			fprintf(stderr, "peer_pg: sizes: %s", PQerrorMessage(db));
			PQclear(r);
			goto out;
		}
		fprintf(stderr, "peer_pg: bytes: total %s (heap %s, all indexes %s, tsvector GIN %s)\n",
			PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2),
			PQgetvalue(r, 0, 3));
		result_line(corpus, "index_cases_per_s", (double)ncases / (tload + tidx), "cases/s");
		result_line(corpus, "index_seconds", tload + tidx, "s");
		result_line(corpus, "index_bytes", atof(PQgetvalue(r, 0, 0)), "bytes");
		result_line(corpus, "index_bytes_per_case",
			    ncases ? atof(PQgetvalue(r, 0, 0)) / (double)ncases : 0, "bytes");
		result_line(corpus, "raw_text_bytes", (double)raw, "bytes");
		result_line(corpus, "peak_rss_kib", (double)(hwm ? hwm : ru.ru_maxrss), "KiB");
		PQclear(r);
		if (run_mix(db, qs, nq, 1, (size_t)warmup, (int)repeat, corpus) ||
		    run_mix(db, qs, nq, 0, (size_t)warmup, (int)repeat, corpus))
			goto out;
		if (!keep && exec_cmd(db, "DROP TABLE cases"))
			goto out;
		rc = 0;
	}
out:
	PQfinish(db);
	if (dump)
		fclose(dump);
	for (size_t i = 0; i < nq; i++)
		query_release(&qs[i]);
	free(qs);
	return rc;
}
