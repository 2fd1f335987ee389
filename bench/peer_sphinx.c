/* peer_sphinx.c — the Sphinx 2.2 peer of `make bench` (docs/performance.md,
 * "Peers"): a real search server, set up as its manual suggests, against
 * caselib. Two modes:
 *
 *   --xmlpipe CASES --codes FILE   the xmlpipe2 source `indexer` runs (its
 *       xmlpipe_command, written by scripts/bench-sphinx): the published
 *       cases of CASES as xmlpipe2 documents on stdout — fields title,
 *       summary, body, buyer; string attributes cid (the case id) and snip
 *       (the text snippets are made from: summary, else body, else title);
 *       integer attributes authority_type, procedure, year and multi-value
 *       attributes sectors, categories, goals. Sphinx attributes are
 *       numbers, so every facet code gets an integer, written with the
 *       corpus's counts to FILE.
 *   the query mix (default): connects to searchd (SphinxQL, the MySQL
 *       protocol, libmariadb) on 127.0.0.1:PORT, reads FILE back and runs the
 *       mix with facets (top 20 by relevance, the exact total from SHOW
 *       META, CALL SNIPPETS for the 20, the facets whose filter is not set by
 *       FACET on the main query, and one GROUP BY query per filtered facet
 *       with its own filter dropped: disjunctive counts) and without;
 *       prints result lines {"system":"sphinx",...}, the index figures
 *       from what the script measured. */
#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <mysql.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "cl_err.h"
#include "dbuf.h"
#include "engine_impl.h" /* engine_html_snippet: the same HTML escaping as caselib */

#define SYSTEM "sphinx"
#define NFACET 6
#define YEAR 5
#define TOPN 20
#define NVAL_MAX 64
#define NEVER 4294967295u /* a code no case has: a filter value not in the corpus */

static const char *const peer_facet[NFACET] = {"authority_type", "sectors", "categories",
					       "goals", "procedure", "year"};
static const int facet_multi[NFACET] = {0, 1, 1, 1, 0, 0};

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* --- the code dictionary ---------------------------------------------- */

/* (facet, code) -> integer, open addressing; and integer -> entry. */
struct code {
	int facet;
	unsigned num; /* the attribute value; the year itself for year */
	char *text;
};

static struct code *codes;    /* by insertion order */
static size_t ncodes, codecap;
static size_t *slot;          /* hash table of indexes + 1 into codes */
static size_t nslot;
static unsigned next_num = 1; /* 0: no value */

static size_t code_hash(int facet, const char *s)
{
	uint64_t h = 1469598103934665603u ^ (uint64_t)facet;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return (size_t)h;
}

/* Puts codes[i] into the table (which has a free slot). */
static void code_slot(size_t i)
{
	size_t h = code_hash(codes[i].facet, codes[i].text) & (nslot - 1);

	while (slot[h])
		h = (h + 1) & (nslot - 1);
	slot[h] = i + 1;
}

/* Doubles the table (1024 slots first) and puts every entry back. */
static int code_rehash(void)
{
	size_t n = nslot ? nslot * 2 : 1024;
	size_t *t = calloc(n, sizeof *t);

	if (!t)
		return -1;
	free(slot);
	slot = t;
	nslot = n;
	for (size_t i = 0; i < ncodes; i++)
		code_slot(i);
	return 0;
}

static struct code *code_find(int facet, const char *s)
{
	size_t h;

	if (!nslot)
		return NULL;
	for (h = code_hash(facet, s) & (nslot - 1); slot[h]; h = (h + 1) & (nslot - 1)) {
		struct code *c = &codes[slot[h] - 1];
		if (c->facet == facet && !strcmp(c->text, s))
			return c;
	}
	return NULL;
}

/* The entry of (facet, s), added with number num (0: the next free one)
 * when absent; the table stays at most half full. NULL on ENOMEM. */
static struct code *code_add(int facet, const char *s, unsigned num)
{
	struct code *c = code_find(facet, s);

	if (c)
		return c;
	if ((ncodes + 1) * 2 > nslot && code_rehash())
		return NULL;
	if (dbuf_grow(&codes, &codecap, ncodes + 1, sizeof *codes))
		return NULL;
	c = &codes[ncodes];
	if (!(c->text = strdup(s)))
		return NULL;
	c->facet = facet;
	c->num = num ? num : next_num++;
	code_slot(ncodes++);
	return c;
}

static const char *code_text(int facet, unsigned num)
{
	for (size_t i = 0; i < ncodes; i++)
		if (codes[i].facet == facet && codes[i].num == num)
			return codes[i].text;
	return NULL;
}

static void codes_free(void)
{
	for (size_t i = 0; i < ncodes; i++)
		free(codes[i].text);
	free(codes);
	free(slot);
}

/* --- xmlpipe2 ---------------------------------------------------------- */

/* Writes s to f escaped for XML text: & < > escaped; control characters
 * other than tab and newline, and U+FFFE/U+FFFF (not XML), dropped. */
static void xml_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c < 0x20 && c != '\t' && c != '\n')
			continue;
		else if (c == 0xEF && (unsigned char)s[1] == 0xBF &&
			 ((unsigned char)s[2] == 0xBE || (unsigned char)s[2] == 0xBF))
			s += 2;
		else
			putc(c, f);
	}
}

static void xml_elem(FILE *f, const char *name, const char *text)
{
	if (!text || !*text)
		return;
	fprintf(f, "<%s>", name);
	xml_text(f, text);
	fprintf(f, "</%s>", name);
}

static const char xml_head[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<sphinx:docset>\n<sphinx:schema>\n"
	"<sphinx:field name=\"title\"/>\n<sphinx:field name=\"summary\"/>\n"
	"<sphinx:field name=\"body\"/>\n<sphinx:field name=\"buyer\"/>\n"
	"<sphinx:attr name=\"cid\" type=\"string\"/>\n<sphinx:attr name=\"snip\" type=\"string\"/>\n"
	"<sphinx:attr name=\"authority_type\" type=\"int\" bits=\"32\"/>\n"
	"<sphinx:attr name=\"sectors\" type=\"multi\"/>\n"
	"<sphinx:attr name=\"categories\" type=\"multi\"/>\n"
	"<sphinx:attr name=\"goals\" type=\"multi\"/>\n"
	"<sphinx:attr name=\"procedure\" type=\"int\" bits=\"32\"/>\n"
	"<sphinx:attr name=\"year\" type=\"int\" bits=\"32\"/>\n"
	"</sphinx:schema>\n";

/* The year of a case: "year", else that of "published", else "awarded"; 0: none. */
static int case_year_of(json_t *c)
{
	const char *d;

	if (json_is_integer(json_object_get(c, "year")))
		return (int)json_integer_value(json_object_get(c, "year"));
	if ((d = jstr(c, "published")) || (d = jstr(c, "awarded")))
		return atoi(d);
	return 0;
}

/* One document: case c as number id. -1 on ENOMEM. */
static int xml_doc(FILE *f, long id, json_t *c, long long *raw)
{
	const char *text[4] = {jstr(c, "title"), jstr(c, "summary"), jstr(c, "body"),
			       jstr(json_object_get(c, "buyer"), "name")};
	static const char *const tname[4] = {"title", "summary", "body", "buyer"};
	const char *snip = text[1] && *text[1] ? text[1] : text[2] && *text[2] ? text[2] : text[0];
	int year = case_year_of(c);

	fprintf(f, "<sphinx:document id=\"%ld\">", id);
	xml_elem(f, "cid", jstr(c, "id"));
	for (int i = 0; i < 4; i++) {
		xml_elem(f, tname[i], text[i]);
		*raw += text[i] ? (long long)strlen(text[i]) : 0;
	}
	xml_elem(f, "snip", snip);
	for (int fi = 0; fi < NFACET; fi++) {
		json_t *v = json_object_get(c, peer_facet[fi]), *x;
		size_t i, k = 0;
		struct code *e;

		if (fi == YEAR) {
			char y[16];
			snprintf(y, sizeof y, "%d", year);
			if (year > 0 && !code_add(fi, y, (unsigned)year))
				return -1;
			fprintf(f, "<year>%d</year>", year > 0 ? year : 0);
			continue;
		}
		fprintf(f, "<%s>", peer_facet[fi]);
		if (json_is_string(v)) {
			if (!(e = code_add(fi, json_string_value(v), 0)))
				return -1;
			fprintf(f, "%u", e->num);
		} else if (facet_multi[fi]) {
			json_array_foreach(v, i, x) {
				if (!json_is_string(x))
					continue;
				if (!(e = code_add(fi, json_string_value(x), 0)))
					return -1;
				fprintf(f, "%s%u", k++ ? "," : "", e->num);
			}
		} else {
			fputs("0", f);
		}
		fprintf(f, "</%s>", peer_facet[fi]);
	}
	fputs("</sphinx:document>\n", f);
	return 0;
}

/* --xmlpipe: the published cases of path as xmlpipe2 on stdout; the codes
 * and counts to codes_path (written to a temporary file, then renamed). */
static int xmlpipe(const char *path, const char *codes_path)
{
	FILE *f = fopen(path, "r"), *out = stdout, *cf = NULL;
	char *line = NULL, tmp[4200];
	size_t cap = 0;
	long lineno = 0, n = 0, skipped = 0;
	long long raw = 0;
	int rc = -1;

	if (!f) {
		fprintf(stderr, "peer_sphinx: cannot read %s\n", path);
		return -1;
	}
	fputs(xml_head, out);
	while (getline(&line, &cap, f) > 0) {
		json_error_t je;
		json_t *c;
		const char *st;
		int bad = 0;

		lineno++;
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		if (!(c = json_loads(line, 0, &je)) || !json_is_object(c) || !jstr(c, "id") ||
		    !jstr(c, "title")) {
			fprintf(stderr, "peer_sphinx: %s:%ld: not a case record%s%s\n", path, lineno,
				c ? "" : ": ", c ? "" : je.text);
			json_decref(c);
			goto out;
		}
		st = jstr(c, "status");
		if (st && strcmp(st, "published"))
			skipped++;
		else
			bad = xml_doc(out, ++n, c, &raw);
		json_decref(c);
		if (bad) {
			fprintf(stderr, "peer_sphinx: out of memory\n");
			goto out;
		}
	}
	fputs("</sphinx:docset>\n", out);
	if (fflush(out) || ferror(out)) {
		fprintf(stderr, "peer_sphinx: cannot write the xmlpipe2 stream\n");
		goto out;
	}
	snprintf(tmp, sizeof tmp, "%s.tmp", codes_path);
	if (!(cf = fopen(tmp, "w"))) {
		fprintf(stderr, "peer_sphinx: cannot write %s\n", tmp);
		goto out;
	}
	fprintf(cf, "# peer_sphinx codes: cases %ld raw %lld skipped %ld\n", n, raw, skipped);
	for (size_t i = 0; i < ncodes; i++)
		fprintf(cf, "%d\t%u\t%s\n", codes[i].facet, codes[i].num, codes[i].text);
	if (fclose(cf) || rename(tmp, codes_path)) {
		fprintf(stderr, "peer_sphinx: cannot write %s\n", codes_path);
		goto out;
	}
	if (skipped)
		fprintf(stderr, "peer_sphinx: %ld records not published, skipped\n", skipped);
	rc = 0;
out:
	free(line);
	fclose(f);
	return rc;
}

/* Reads the dictionary xmlpipe wrote; *ncases and *raw get its counts. */
static int read_codes(const char *path, long *ncases, long long *raw)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0, first = 1;

	if (!f) {
		fprintf(stderr, "peer_sphinx: cannot read %s (indexed by scripts/bench-sphinx?)\n",
			path);
		return -1;
	}
	while (!rc && (len = getline(&line, &cap, f)) > 0) {
		int facet, off = 0;
		unsigned num;

		if (len && line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (first) {
			first = 0;
			if (sscanf(line, "# peer_sphinx codes: cases %ld raw %lld", ncases, raw) != 2)
				rc = -1;
			continue;
		}
		if (sscanf(line, "%d\t%u\t%n", &facet, &num, &off) != 2 || !off || facet < 0 ||
		    facet >= NFACET)
			rc = -1;
		else if (!code_add(facet, line + off, num))
			rc = -1;
	}
	if (first)
		rc = -1;
	if (rc)
		fprintf(stderr, "peer_sphinx: %s is not a codes file of this program\n", path);
	free(line);
	fclose(f);
	return rc;
}

/* --- the query mix ----------------------------------------------------- */

struct query {
	char *q;               /* the words, as typed */
	char *match;           /* MATCH() text: letters and digits, the rest spaces; NULL: none */
	char *filter[NFACET];  /* "3,7" (attribute values), or NULL */
};

static void query_release(struct query *q)
{
	free(q->q);
	free(q->match);
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

/* The MATCH() text of s: ASCII characters other than letters and digits
 * become spaces (Sphinx's charset_table makes them separators anyway), so
 * no query syntax and nothing to escape in the SQL string. NULL when no
 * word is left (an empty MATCH would match every document). */
static char *match_text(const char *s)
{
	char *m = strdup(s), *p;
	int word = 0;

	if (!m)
		return NULL;
	for (p = m; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x80 && !isalnum(c))
			*p = ' ';
		else
			word = 1;
	}
	if (!word) {
		free(m);
		return NULL;
	}
	return m;
}

/* Reads filter values v of facet fi as attribute values "a,b". */
static int read_filter(struct query *q, int fi, json_t *v)
{
	struct dbuf b = DBUF_INIT(0);
	size_t i;
	json_t *x;

	if (!json_is_array(v) || json_array_size(v) > NVAL_MAX)
		return -1;
	if (!json_array_size(v)) /* no value: no filter */
		return 0;
	json_array_foreach(v, i, x) {
		char num[32];
		const char *s = json_string_value(x);
		struct code *c;
		if (json_is_integer(x)) {
			snprintf(num, sizeof num, "%lld", (long long)json_integer_value(x));
			s = num;
		}
		if (!s)
			return -1;
		c = code_find(fi, s);
		snprintf(num, sizeof num, "%s%u", i ? "," : "", c ? c->num : NEVER);
		dbuf_puts(&b, num);
	}
	if (b.err) {
		dbuf_release(&b);
		return -1;
	}
	q->filter[fi] = dbuf_take(&b, NULL);
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
		fprintf(stderr, "peer_sphinx: cannot read %s\n", path);
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
			fprintf(stderr, "peer_sphinx: %s:%ld: not a query (an object with \"q\")\n",
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
		q->match = match_text(text);
		json_object_foreach(json_object_get(o, "filters"), key, v) {
			int fi = facet_index(key);
			if (fi < 0 || q->filter[fi] || read_filter(q, fi, v)) {
				fprintf(stderr, "peer_sphinx: %s:%ld: bad facet filter '%s'\n", path,
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

/* max_matches of every query: Sphinx keeps at most this many groups of a
 * GROUP BY or FACET (its default, 1000, would silently cut the counts of a
 * facet with more values). Set above the number of distinct values of any
 * facet, so counts are exact; a facet answer this long is an error. */
static unsigned max_matches = 1000;

/* Appends q's filters except facet skip ("AND f IN (..)"). */
static void where_filters(struct dbuf *b, const struct query *q, int skip)
{
	for (int i = 0; i < NFACET; i++) {
		if (i == skip || !q->filter[i])
			continue;
		dbuf_puts(b, " AND ");
		dbuf_puts(b, peer_facet[i]);
		dbuf_puts(b, " IN (");
		dbuf_puts(b, q->filter[i]);
		dbuf_puts(b, ")");
	}
}

static void options(struct dbuf *b)
{
	char o[160];

	snprintf(o, sizeof o, " OPTION max_matches=%u,"
		 " field_weights=(title=4, summary=2, body=1, buyer=1)", max_matches);
	dbuf_puts(b, o);
}

static FILE *dump; /* --dump: every answer, for checking the semantics */

static void dump_str(FILE *f, const char *s)
{
	json_t *j = json_string(s);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	fputs(t ? t : "null", f);
	free(t);
	json_decref(j);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the SQL string literal of s ('...', with ' and \ escaped). */
static void sql_string(struct dbuf *b, const char *s)
{
	dbuf_puts(b, "'");
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			dbuf_add(b, "\\", 1);
		dbuf_add(b, s, 1);
	}
	dbuf_puts(b, "'");
}

/* The next result set of the batch (NULL with a message: none or an error). */
static MYSQL_RES *next_set(MYSQL *db, int first, const char *what)
{
	MYSQL_RES *r;

	if (!first && mysql_next_result(db) != 0) {
		fprintf(stderr, "peer_sphinx: %s: %s\n", what,
			mysql_errno(db) ? mysql_error(db) : "no result");
		return NULL;
	}
	if (!(r = mysql_store_result(db)))
		fprintf(stderr, "peer_sphinx: %s: %s\n", what,
			mysql_errno(db) ? mysql_error(db) : "no result set");
	return r;
}

/* Reads the rest of a batch after an error, so the connection stays usable. */
static void drain(MYSQL *db)
{
	while (mysql_more_results(db) && mysql_next_result(db) == 0)
		mysql_free_result(mysql_store_result(db));
}

/* Appends s as a JSON string. */
static void json_quote(struct dbuf *b, const char *s)
{
	json_t *j = json_string(s);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	if (!t)
		b->err = CL_ENOMEM;
	else
		dbuf_puts(b, t);
	free(t);
	json_decref(j);
}

/* Reads one facet's groups (value, count) into *counts as a JSON object
 * text; value 0 (no value) is left out. Fails when the answer is as long
 * as max_matches (the counts could be cut). */
static int read_facet(MYSQL_RES *r, int fi, struct dbuf *counts)
{
	MYSQL_ROW row;
	unsigned long rows = (unsigned long)mysql_num_rows(r);
	int k = 0;

	if (rows >= max_matches) {
		fprintf(stderr, "peer_sphinx: facet %s: %lu groups = max_matches: counts could be "
				"cut\n", peer_facet[fi], rows);
		return -1;
	}
	dbuf_puts(counts, "{");
	while ((row = mysql_fetch_row(r))) {
		unsigned long v = row[0] ? strtoul(row[0], NULL, 10) : 0;
		const char *text = v ? code_text(fi, (unsigned)v) : NULL;
		char num[32];

		if (!v)
			continue;
		if (!text) {
			fprintf(stderr, "peer_sphinx: facet %s: value %lu not in the codes\n",
				peer_facet[fi], v);
			return -1;
		}
		if (k++)
			dbuf_puts(counts, ",");
		json_quote(counts, text);
		snprintf(num, sizeof num, ":%ld", row[1] ? atol(row[1]) : 0);
		dbuf_puts(counts, num);
	}
	dbuf_puts(counts, "}");
	return counts->err ? -1 : 0;
}

/* CALL SNIPPETS for the n texts (marked with \x01 \x02), each escaped by
 * engine_html_snippet as caselib's are. */
static int snippets(MYSQL *db, const struct query *q, char **texts, int n)
{
	struct dbuf sql = DBUF_INIT(0);
	MYSQL_RES *r;
	MYSQL_ROW row;
	int rc = 0;

	if (!n)
		return 0;
	dbuf_puts(&sql, "CALL SNIPPETS((");
	for (int i = 0; i < n; i++) {
		if (i)
			dbuf_puts(&sql, ", ");
		sql_string(&sql, texts[i]);
	}
	dbuf_puts(&sql, "), 'cases', ");
	sql_string(&sql, q->match);
	dbuf_puts(&sql, ", '\x01' AS before_match, '\x02' AS after_match, 35 AS limit_words)");
	if (sql.err || mysql_real_query(db, sql.p, sql.n)) {
		fprintf(stderr, "peer_sphinx: snippets of '%s': %s\n", q->q, mysql_error(db));
		dbuf_release(&sql);
		return -1;
	}
	dbuf_release(&sql);
	if (!(r = next_set(db, 1, "snippets")))
		return -1;
	while ((row = mysql_fetch_row(r))) {
		char *snip = engine_html_snippet(row[0] ? row[0] : "");
		if (!snip)
			rc = -1;
		free(snip);
	}
	mysql_free_result(r);
	drain(db);
	return rc;
}

/* The exact number of documents matching q's words and its filters except
 * skip, with facet fi = value v in addition (fi < 0: none). -1 on error. */
static long count_where(MYSQL *db, const struct query *q, int skip, int fi, unsigned v)
{
	struct dbuf sql = DBUF_INIT(0);
	MYSQL_RES *r;
	MYSQL_ROW row;
	long total = -1;
	char cond[96];

	dbuf_puts(&sql, "SELECT id FROM cases WHERE MATCH(");
	sql_string(&sql, q->match);
	dbuf_puts(&sql, ")");
	where_filters(&sql, q, skip);
	if (fi >= 0) {
		snprintf(cond, sizeof cond, " AND %s = %u", peer_facet[fi], v);
		dbuf_puts(&sql, cond);
	}
	dbuf_puts(&sql, " LIMIT 0; SHOW META");
	if (sql.err || mysql_real_query(db, sql.p, sql.n)) {
		fprintf(stderr, "peer_sphinx: count: %s\n", mysql_error(db));
		dbuf_release(&sql);
		return -1;
	}
	dbuf_release(&sql);
	if ((r = next_set(db, 1, "count"))) {
		mysql_free_result(r);
		if ((r = next_set(db, 0, "count meta"))) {
			while ((row = mysql_fetch_row(r)))
				if (row[0] && !strcmp(row[0], "total_found") && row[1])
					total = atol(row[1]);
			mysql_free_result(r);
		}
	}
	drain(db);
	return total;
}

/* --verify: every facet count of q (facet mode) recomputed value by value
 * from total_found, which is exact: for each value of the dictionary, the
 * count given (0 when absent) must equal the number of matches with that
 * value. Returns the number of differences, or -1 on error. */
static int verify(MYSQL *db, const struct query *q, struct dbuf *counts)
{
	int bad = 0;

	for (int fi = 0; fi < NFACET; fi++) {
		json_error_t je;
		json_t *got = json_loads(dbuf_str(&counts[fi]), 0, &je);
		if (!got)
			return -1;
		for (size_t i = 0; i < ncodes; i++) {
			long want, have;
			if (codes[i].facet != fi)
				continue;
			if ((want = count_where(db, q, fi, fi, codes[i].num)) < 0) {
				json_decref(got);
				return -1;
			}
			have = (long)json_integer_value(json_object_get(got, codes[i].text));
			if (have != want) {
				fprintf(stderr, "peer_sphinx: verify '%s': %s %s: %ld, exact %ld\n",
					q->q, peer_facet[fi], codes[i].text, have, want);
				bad++;
			}
		}
		json_decref(got);
	}
	return bad;
}

static long verified, verify_bad;

/* The statements of one query, sent as one batch: the top 20 (with the
 * filters when facets) with FACET for every unfiltered facet, SHOW META,
 * then with facets one GROUP BY per filtered facet without its own filter. */
static void build_batch(struct dbuf *sql, const struct query *q, int facets)
{
	char f[160];

	dbuf_puts(sql, "SELECT id, cid, snip FROM cases WHERE MATCH(");
	sql_string(sql, q->match);
	dbuf_puts(sql, ")");
	if (facets)
		where_filters(sql, q, -1);
	dbuf_puts(sql, " ORDER BY WEIGHT() DESC, id ASC LIMIT 20");
	options(sql);
	for (int fi = 0; facets && fi < NFACET; fi++) {
		if (q->filter[fi])
			continue;
		snprintf(f, sizeof f, " FACET %s ORDER BY COUNT(*) DESC LIMIT %u", peer_facet[fi],
			 max_matches);
		dbuf_puts(sql, f);
	}
	dbuf_puts(sql, "; SHOW META");
	for (int fi = 0; facets && fi < NFACET; fi++) {
		if (!q->filter[fi])
			continue;
		/* GROUPBY(): the group's value (for a multi-value attribute the
		 * column itself would be the whole list of one document) */
		dbuf_puts(sql, "; SELECT GROUPBY(), COUNT(*) FROM cases WHERE MATCH(");
		sql_string(sql, q->match);
		dbuf_puts(sql, ")");
		where_filters(sql, q, fi);
		snprintf(f, sizeof f, " GROUP BY %s ORDER BY COUNT(*) DESC LIMIT %u", peer_facet[fi],
			 max_matches);
		dbuf_puts(sql, f);
		options(sql);
	}
}

/* Reads the next result sets of the batch into counts: one per facet of q
 * that is filtered (filtered = 1) or not (0), in facet order. */
static int read_facets(MYSQL *db, const struct query *q, int filtered, struct dbuf *counts)
{
	for (int fi = 0; fi < NFACET; fi++) {
		MYSQL_RES *r;
		int rc;

		if ((q->filter[fi] != NULL) != filtered)
			continue;
		if (!(r = next_set(db, 0, peer_facet[fi])))
			return -1;
		rc = read_facet(r, fi, &counts[fi]);
		mysql_free_result(r);
		if (rc)
			return -1;
	}
	return 0;
}

/* Writes one answer to the dump: the total, the hit ids sorted (so that
 * the dump does not depend on the ranking), the counts of each facet. */
static void write_dump(const struct query *q, int facets, long total, char **ids, int nhit,
		       struct dbuf *counts)
{
	fprintf(dump, "{\"mode\":\"%s\",\"q\":", facets ? "facet" : "plain");
	dump_str(dump, q->q);
	fprintf(dump, ",\"total\":%ld,\"hits\":[", total);
	qsort(ids, (size_t)nhit, sizeof *ids, cmp_str);
	for (int i = 0; i < nhit; i++) {
		fputs(i ? "," : "", dump);
		dump_str(dump, ids[i]);
	}
	fputs("],\"facets\":{", dump);
	for (int fi = 0; facets && fi < NFACET; fi++)
		fprintf(dump, "%s\"%s\":%s", fi ? "," : "", peer_facet[fi], dbuf_str(&counts[fi]));
	fputs("}}\n", dump);
}

/* One query: top 20 with snippets and the total; with facets the six
 * disjunctive counts (check: and verify them). A query without words
 * matches nothing. */
static int one_query(MYSQL *db, const struct query *q, int facets, int check)
{
	struct dbuf sql = DBUF_INIT(0), counts[NFACET];
	MYSQL_RES *r = NULL;
	MYSQL_ROW row;
	char *ids[TOPN], *texts[TOPN];
	int nhit = 0, rc = -1;
	long total = 0;

	for (int fi = 0; fi < NFACET; fi++)
		dbuf_init(&counts[fi], 0);
	if (!q->match) { /* no word: nothing matches */
		for (int fi = 0; fi < NFACET; fi++)
			dbuf_puts(&counts[fi], "{}");
		rc = 0;
		goto out;
	}
	build_batch(&sql, q, facets);
	if (sql.err) {
		fprintf(stderr, "peer_sphinx: out of memory\n");
		goto out;
	}
	if (mysql_real_query(db, sql.p, sql.n)) {
		fprintf(stderr, "peer_sphinx: query '%s': %s\n", q->q, mysql_error(db));
		goto out;
	}
	if (!(r = next_set(db, 1, "top 20")))
		goto out;
	while ((row = mysql_fetch_row(r)) && nhit < TOPN) {
		ids[nhit] = strdup(row[1] ? row[1] : "");
		texts[nhit] = strdup(row[2] ? row[2] : "");
		nhit++;
		if (!ids[nhit - 1] || !texts[nhit - 1])
			goto out;
	}
	mysql_free_result(r);
	r = NULL;
	if (facets && read_facets(db, q, 0, counts))
		goto out;
	if (!(r = next_set(db, 0, "meta")))
		goto out;
	while ((row = mysql_fetch_row(r)))
		if (row[0] && !strcmp(row[0], "total_found") && row[1])
			total = atol(row[1]);
	mysql_free_result(r);
	r = NULL;
	if (facets && read_facets(db, q, 1, counts))
		goto out;
	drain(db);
	if (snippets(db, q, texts, nhit))
		goto out;
	if (check && facets) {
		int bad = verify(db, q, counts);
		if (bad < 0)
			goto out;
		verified++;
		verify_bad += bad;
	}
	rc = 0;
out:
	if (r)
		mysql_free_result(r);
	if (rc)
		drain(db);
	if (dump && !rc)
		write_dump(q, facets, total, ids, nhit, counts);
	for (int i = 0; i < nhit; i++) {
		free(ids[i]);
		free(texts[i]);
	}
	for (int fi = 0; fi < NFACET; fi++)
		dbuf_release(&counts[fi]);
	dbuf_release(&sql);
	return rc;
}

/* warmup queries untimed, then repeat timed passes over the mix; the
 * first nverify queries of the first pass are verified (untimed). */
static int run_mix(MYSQL *db, const struct query *qs, size_t nq, int facets, size_t warmup,
		   int repeat, const char *corpus, size_t nverify)
{
	const char *pre = facets ? "q_facet" : "q_plain";
	size_t n = nq * (size_t)repeat, k = 0;
	double *lat, t0, tv = 0;
	FILE *d = dump;
	int rc = -1;

	if (!nq || !(lat = malloc(n * sizeof *lat)))
		return -1;
	dump = NULL;
	for (size_t i = 0; i < warmup; i++)
		if (one_query(db, &qs[i % nq], facets, 0))
			goto out;
	fprintf(stderr, "peer_sphinx: %s: %zu queries x %d\n", pre, nq, repeat);
	t0 = bu_now();
	for (int rep = 0; rep < repeat; rep++) {
		dump = rep == 0 ? d : NULL;
		for (size_t i = 0; i < nq; i++) {
			double t = bu_now();
			if (one_query(db, &qs[i], facets, 0))
				goto out;
			lat[k++] = (bu_now() - t) * 1e3;
			if (rep == 0 && i < nverify && facets) {
				double tv0 = bu_now();
				FILE *dd = dump;
				dump = NULL;
				if (one_query(db, &qs[i], facets, 1)) {
					dump = dd;
					goto out;
				}
				dump = dd;
				tv += bu_now() - tv0;
			}
		}
	}
	t0 = bu_now() - t0 - tv;
	bu_latency(SYSTEM, corpus, pre, lat, n, t0);
	rc = 0;
out:
	dump = d;
	free(lat);
	return rc;
}

/* --- main -------------------------------------------------------------- */

/* The figure named key in the "key value" lines of path (the script's
 * measurement of indexer); -1 when absent. */
static double stat_of(const char *path, const char *key)
{
	FILE *f = fopen(path, "r");
	char k[64];
	double v, r = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lf", k, &v) == 2)
		if (!strcmp(k, key))
			r = v;
	fclose(f);
	return r;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: peer_sphinx --corpus-file CASES.jsonl --queries QUERIES.jsonl --corpus NAME\n"
		"                   [--dir DIR] [--port N] [--warmup N] [--repeat N] [--dump FILE]\n"
		"                   [--verify N]\n"
		"       peer_sphinx --xmlpipe CASES.jsonl --codes FILE\n\n"
		"Sphinx 2.2 (searchd over SphinxQL) as a benchmark peer (docs/performance.md,\n"
		"Peers); scripts/bench-sphinx run DIR CASES.jsonl -- peer_sphinx ... indexes the\n"
		"cases, starts searchd and sets SPHINX_DIR and SPHINX_PORT.\n"
		"  --dir DIR        the script's directory: DIR/codes.tsv, DIR/index.stats\n"
		"                   (default $SPHINX_DIR)\n"
		"  --port N         searchd's SphinxQL port on 127.0.0.1 (default $SPHINX_PORT)\n"
		"  --warmup N       queries run untimed first in each mode (default 100)\n"
		"  --repeat N       timed passes over the mix (default 1)\n"
		"  --dump FILE      write each query's total, hit ids and counts (JSON lines)\n"
		"  --verify N       recount the facets of the first N queries value by value\n"
		"                   (exact total_found), untimed; any difference fails\n"
		"  --xmlpipe CASES  write CASES as xmlpipe2 on stdout (indexer's source) and\n"
		"                   the facet codes to --codes FILE\n");
}

int main(int argc, char **argv)
{
	const char *cases = NULL, *queries = NULL, *corpus = NULL, *dumpfile = NULL,
		   *dir = getenv("SPHINX_DIR"), *xml = NULL, *codes_path = NULL;
	long warmup = 100, repeat = 1, port = 0, nverify = 0, ncases = 0;
	long long raw = 0;
	int rc = 1;
	struct query *qs = NULL;
	size_t nq = 0;
	MYSQL *db = NULL;
	char path[4200];

	const struct bu_opt opts[] = {
		{"--corpus-file", BU_STR, &cases, 0, 0},
		{"--queries", BU_STR, &queries, 0, 0},
		{"--corpus", BU_STR, &corpus, 0, 0},
		{"--dump", BU_STR, &dumpfile, 0, 0},
		{"--dir", BU_STR, &dir, 0, 0},
		{"--port", BU_LONG, &port, 1, 65535},
		{"--warmup", BU_LONG, &warmup, 0, LONG_MAX},
		{"--repeat", BU_LONG, &repeat, 1, LONG_MAX},
		{"--verify", BU_LONG, &nverify, 0, LONG_MAX},
		{"--xmlpipe", BU_STR, &xml, 0, 0},
		{"--codes", BU_STR, &codes_path, 0, 0},
		{NULL, BU_STR, NULL, 0, 0},
	};

	if ((rc = bu_options("peer_sphinx", argc, argv, opts, usage)) >= 0)
		return rc;
	rc = 1;
	if (xml) {
		if (!codes_path) {
			fprintf(stderr, "peer_sphinx: --xmlpipe needs --codes FILE\n");
			return 2;
		}
		rc = xmlpipe(xml, codes_path) ? 1 : 0;
		codes_free();
		return rc;
	}
	if (!cases || !queries || !corpus) {
		fprintf(stderr, "peer_sphinx: --corpus-file, --queries and --corpus are required "
				"(--help)\n");
		return 2;
	}
	if (!port && getenv("SPHINX_PORT"))
		port = atol(getenv("SPHINX_PORT"));
	if (!dir || !*dir || port < 1 || port > 65535) {
		fprintf(stderr, "peer_sphinx: no searchd: give --dir and --port, or run under "
				"scripts/bench-sphinx run\n");
		return 2;
	}
	snprintf(path, sizeof path, "%s/codes.tsv", dir);
	if (read_codes(path, &ncases, &raw))
		goto out;
	/* above the number of groups of any facet (its values and 0, "none"):
	 * every group fits */
	if (ncodes + 2 > max_matches)
		max_matches = (unsigned)ncodes + 2;
	if (read_queries(queries, &qs, &nq)) {
		rc = 2;
		goto out;
	}
	if (dumpfile && !(dump = fopen(dumpfile, "w"))) {
		fprintf(stderr, "peer_sphinx: cannot write %s\n", dumpfile);
		goto out;
	}
	if (!(db = mysql_init(NULL)) ||
	    !mysql_real_connect(db, "127.0.0.1", NULL, NULL, NULL, (unsigned)port, NULL,
				CLIENT_MULTI_STATEMENTS)) {
		fprintf(stderr, "peer_sphinx: cannot connect to searchd on 127.0.0.1:%ld: %s\n", port,
			db ? mysql_error(db) : "out of memory");
		goto out;
	}
	{
		double secs, bytes, kib;
		snprintf(path, sizeof path, "%s/index.stats", dir);
		secs = stat_of(path, "index_seconds");
		bytes = stat_of(path, "index_bytes");
		kib = stat_of(path, "peak_rss_kib");
		if (secs < 0 || bytes < 0 || kib < 0) {
			fprintf(stderr, "peer_sphinx: %s lacks the index figures\n", path);
			goto out;
		}
		fprintf(stderr, "peer_sphinx: %ld cases indexed in %.2f s, %.0f bytes; "
				"max_matches %u\n", ncases, secs, bytes, max_matches);
		bu_result(SYSTEM, corpus, "index_cases_per_s", secs > 0 ? (double)ncases / secs : 0,
			  "cases/s");
		bu_result(SYSTEM, corpus, "index_seconds", secs, "s");
		bu_result(SYSTEM, corpus, "index_bytes", bytes, "bytes");
		bu_result(SYSTEM, corpus, "index_bytes_per_case", ncases ? bytes / (double)ncases : 0,
			  "bytes");
		bu_result(SYSTEM, corpus, "raw_text_bytes", (double)raw, "bytes");
		bu_result(SYSTEM, corpus, "peak_rss_kib", kib, "KiB");
	}
	if (run_mix(db, qs, nq, 1, (size_t)warmup, (int)repeat, corpus, (size_t)nverify) ||
	    run_mix(db, qs, nq, 0, (size_t)warmup, (int)repeat, corpus, 0))
		goto out;
	if (nverify) {
		fprintf(stderr, "peer_sphinx: verify: %ld queries, every facet value recounted: "
				"%ld differences\n", verified, verify_bad);
		if (verify_bad)
			goto out;
	}
	rc = 0;
out:
	if (db)
		mysql_close(db);
	if (dump)
		fclose(dump);
	for (size_t i = 0; i < nq; i++)
		query_release(&qs[i]);
	free(qs);
	codes_free();
	return rc;
}
