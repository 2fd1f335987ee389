/* test_conformance.c — both engines against each other and against plain
 * SQL over the store, on the real corpus: the 18,421 Swedish procurements
 * of 2021 (Upphandlingsmyndigheten) and the 853 IPS innovation cases.
 *
 * For a table of filter-only queries, the Xapian and FTS5 engines must give
 * the same total, the same first page (sorted by date, then id) and the same
 * disjunctive facet counts for every facet — and all of these must equal
 * what plain SQL (json_each over the stored records) computes. Text queries
 * are checked for sanity in both engines (ranking may differ). The rules
 * decided once in query/semantics.c are checked for equal answers: spelling
 * suggestions, snippets of the same hit, date orders of text queries, and
 * the similar-case sector bonus (on a small fixture, where base scores
 * tie). The corpus is loaded once per test process into a temporary store. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "case.h"
#include "engine.h"
#include "semantics.h"
#include "parse.h"
#include "store.h"
#include "sync.h"
#include "testutil.h"

/* --- the reference: plain SQL over the stored JSON ---------------------- */

/* How each engine facet is found in a stored record. */
static const struct {
	const char *path;
	int list;
} facet_sql[EF_COUNT] = {
	[EF_KIND] = {"$.kind", 0},
	[EF_AUTHORITY_TYPE] = {"$.authority_type", 0},
	[EF_SECTORS] = {"$.sectors", 1},
	[EF_CATEGORIES] = {"$.categories", 1},
	[EF_GOALS] = {"$.goals", 1},
	[EF_STRATEGIC] = {"$.strategic", 1},
	[EF_PROCEDURE] = {"$.procedure", 0},
	[EF_INNOVATION] = {"$.innovation", 1},
	[EF_YEAR] = {"$.year", 0},
	[EF_COUNTRY] = {"$.buyer.country", 0},
	[EF_LANGUAGE] = {"$.language", 0},
};

struct fq {
	const char *name;
	const char *filters[EF_COUNT][4]; /* NULL-terminated value lists */
	int year_from, year_to;
};

static void sql_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &err), SQLITE_OK, "%s: %s", sql,
		     err ? err : "");
}

/* The reference, computed once with plain SQL from the stored JSON:
 * ref_doc(id, published, year) for every published case and
 * ref_facet(facet, value, id) for every facet value it has. */
static void sql_build_reference(sqlite3 *db)
{
	char sql[1024];
	sql_exec(db, "CREATE TEMP TABLE ref_doc(id TEXT PRIMARY KEY, published TEXT, year INT);"
		     "INSERT INTO ref_doc SELECT id, json_extract(doc, '$.published'), "
		     "json_extract(doc, '$.year') FROM cases WHERE status = 'published';"
		     "CREATE TEMP TABLE ref_facet(facet INT, value TEXT, id TEXT);");
	for (int f = 0; f < EF_COUNT; f++) {
		if (facet_sql[f].list)
			snprintf(sql, sizeof sql,
				 "INSERT INTO ref_facet SELECT DISTINCT %d, je.value, c.id FROM cases c, "
				 "json_each(c.doc, '%s') je WHERE c.status = 'published'",
				 f, facet_sql[f].path);
		else
			snprintf(sql, sizeof sql,
				 "INSERT INTO ref_facet SELECT %d, CAST(json_extract(doc, '%s') AS TEXT), id "
				 "FROM cases WHERE status = 'published' AND json_extract(doc, '%s') IS NOT NULL",
				 f, facet_sql[f].path, facet_sql[f].path);
		sql_exec(db, sql);
	}
	sql_exec(db, "CREATE INDEX temp.ref_fv ON ref_facet(facet, value, id);"
		     "CREATE INDEX temp.ref_id ON ref_facet(id, facet, value);");
}

/* Fills temp table ref_match with the ids matching q's filters except
 * facet skip (-1: none). */
static void sql_match(sqlite3 *db, const struct fq *q, int skip)
{
	char sql[4096];
	sql_exec(db, "DROP TABLE IF EXISTS temp.ref_match;"
		     "CREATE TEMP TABLE ref_match(id TEXT PRIMARY KEY);");
	snprintf(sql, sizeof sql, "INSERT INTO ref_match SELECT d.id FROM ref_doc d WHERE 1");
	for (int f = 0; f < EF_COUNT; f++) {
		char in[512] = "";
		size_t n;
		if (f == skip || !q->filters[f][0])
			continue;
		for (int i = 0; i < 4 && q->filters[f][i]; i++) {
			char one[64];
			snprintf(one, sizeof one, "%s'%s'", i ? "," : "", q->filters[f][i]);
			strcat(in, one);
		}
		n = strlen(sql);
		snprintf(sql + n, sizeof sql - n,
			 " AND d.id IN (SELECT id FROM ref_facet WHERE facet = %d AND value IN (%s))",
			 f, in);
	}
	if (q->year_from) {
		size_t n = strlen(sql);
		snprintf(sql + n, sizeof sql - n, " AND d.year >= %d", q->year_from);
	}
	if (q->year_to) {
		size_t n = strlen(sql);
		snprintf(sql + n, sizeof sql - n, " AND d.year <= %d", q->year_to);
	}
	sql_exec(db, sql);
}

static long sql_long(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long v;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
		     sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Compares the engine's counts of facet f with SQL over ref_match (which
 * must hold the match set without f's own filter). Returns values compared. */
static long sql_compare_facet(sqlite3 *db, const char *qname, int f, const struct facet_counts *fc)
{
	sqlite3_stmt *st = NULL;
	char sql[256];
	long n = 0;

	snprintf(sql, sizeof sql,
		 "SELECT value, count(*) FROM ref_facet WHERE facet = %d AND id IN "
		 "(SELECT id FROM ref_match) GROUP BY value",
		 f);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		long want = sqlite3_column_int64(st, 1), got = 0;
		for (size_t i = 0; i < fc->n; i++)
			if (!strcmp(fc->v[i].value, v))
				got = fc->v[i].count;
		cr_expect_eq(got, want, "%s: facet %s=%s engine %ld, SQL %ld", qname,
			     engine_facet_name((enum engine_facet)f), v, got, want);
		n++;
	}
	sqlite3_finalize(st);
	cr_expect_eq((long)fc->n, n, "%s: facet %s has %zu values, SQL %ld", qname,
		     engine_facet_name((enum engine_facet)f), fc->n, n);
	return n;
}

static const struct fq queries[] = {
	{"everything", {{0}}, 0, 0},
	{"kind=case", {[EF_KIND] = {"case"}}, 0, 0},
	{"kind=procurement", {[EF_KIND] = {"procurement"}}, 0, 0},
	{"authority la", {[EF_AUTHORITY_TYPE] = {"la"}}, 0, 0},
	{"authority la|ra", {[EF_AUTHORITY_TYPE] = {"la", "ra"}}, 0, 0},
	{"authority pub-la|pub-cga", {[EF_AUTHORITY_TYPE] = {"pub-la", "pub-cga"}}, 0, 0},
	{"sector health", {[EF_SECTORS] = {"health"}}, 0, 0},
	{"sector education|soc-pro", {[EF_SECTORS] = {"education", "soc-pro"}}, 0, 0},
	{"category 45", {[EF_CATEGORIES] = {"45"}}, 0, 0},
	{"category 33|85|90", {[EF_CATEGORIES] = {"33", "85", "90"}}, 0, 0},
	{"goal sdg-12", {[EF_GOALS] = {"sdg-12"}}, 0, 0},
	{"goal sdg-9|sdg-8", {[EF_GOALS] = {"sdg-9", "sdg-8"}}, 0, 0},
	{"strategic inn", {[EF_STRATEGIC] = {"inn"}}, 0, 0},
	{"strategic env", {[EF_STRATEGIC] = {"env"}}, 0, 0},
	{"strategic env+soc (AND across? no: OR)", {[EF_STRATEGIC] = {"env", "soc"}}, 0, 0},
	{"procedure open", {[EF_PROCEDURE] = {"open"}}, 0, 0},
	{"procedure se-simplified|se-selection", {[EF_PROCEDURE] = {"se-simplified", "se-selection"}}, 0, 0},
	{"year 2021", {[EF_YEAR] = {"2021"}}, 0, 0},
	{"year 2019|2020", {[EF_YEAR] = {"2019", "2020"}}, 0, 0},
	{"country SE", {[EF_COUNTRY] = {"SE"}}, 0, 0},
	{"language en", {[EF_LANGUAGE] = {"en"}}, 0, 0},
	{"la + health", {[EF_AUTHORITY_TYPE] = {"la"}, [EF_SECTORS] = {"health"}}, 0, 0},
	{"ra + inn", {[EF_AUTHORITY_TYPE] = {"ra"}, [EF_STRATEGIC] = {"inn"}}, 0, 0},
	{"cga + open + 72", {[EF_AUTHORITY_TYPE] = {"cga"}, [EF_PROCEDURE] = {"open"}, [EF_CATEGORIES] = {"72"}}, 0, 0},
	{"la|ra + env|soc + 45|71", {[EF_AUTHORITY_TYPE] = {"la", "ra"}, [EF_STRATEGIC] = {"env", "soc"}, [EF_CATEGORIES] = {"45", "71"}}, 0, 0},
	{"case + gen-pub", {[EF_KIND] = {"case"}, [EF_SECTORS] = {"gen-pub"}}, 0, 0},
	{"case + cga + health", {[EF_KIND] = {"case"}, [EF_AUTHORITY_TYPE] = {"cga"}, [EF_SECTORS] = {"health"}}, 0, 0},
	{"years 2018..2020", {{0}}, 2018, 2020},
	{"years ..2017 + case", {[EF_KIND] = {"case"}}, 0, 2017},
	{"years 2020.. + la", {[EF_AUTHORITY_TYPE] = {"la"}}, 2020, 0},
	{"nothing: sector defence + la + inn", {[EF_SECTORS] = {"defence"}, [EF_AUTHORITY_TYPE] = {"la"}, [EF_STRATEGIC] = {"inn"}}, 0, 0},
	{"goal sdg-12 + procedure open + country SE", {[EF_GOALS] = {"sdg-12"}, [EF_PROCEDURE] = {"open"}, [EF_COUNTRY] = {"SE"}}, 0, 0},
};

static void make_request(const struct fq *q, struct search_request *rq, size_t offset)
{
	search_request_init(rq);
	for (int f = 0; f < EF_COUNT; f++) {
		size_t n = 0;
		while (n < 4 && q->filters[f][n])
			n++;
		if (n) {
			rq->filters[f] = q->filters[f];
			rq->nfilters[f] = n;
		}
	}
	rq->year_from = q->year_from;
	rq->year_to = q->year_to;
	rq->sort = SORT_DATE_DESC;
	rq->offset = offset;
	rq->limit = 100;
	rq->facets = ENGINE_ALL_FACETS;
}

static long facet_value(const struct facet_counts *fc, const char *v)
{
	for (size_t i = 0; i < fc->n; i++)
		if (!strcmp(fc->v[i].value, v))
			return fc->v[i].count;
	return 0;
}

/* --- rules decided once (query/semantics.c) ---------------------------- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Suggestions: the same text from both engines; a negated word, a prefix
 * and a known word are never rewritten. want NULL: no suggestion. */
static void check_suggestions(struct engine *eng[2])
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"betnog -elbatr", "betong -elbatr"},
		{"betnog", "betong"},
		{"upphandlning", "upphandling"},
		{"title:upphandlning -betnog", "title:upphandling -betnog"},
		{"skolmåltder", "skolmåltider"},
		{"artifical inteligence", NULL}, /* checked for equality only */
		{"blockchian", NULL},
		{"elbatr*", NULL},
		{"ramavtal", NULL},
	};
	struct cl_errbuf eb;
	double ms[2] = {0, 0};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *sg[2] = {NULL, NULL};
		for (int k = 0; k < 2; k++) {
			double t0 = now_s();
			cr_assert_eq(engine_suggest(eng[k], cases[i].text, &sg[k], &eb), CL_OK, "%s",
				     eb.msg);
			ms[k] += 1000 * (now_s() - t0);
		}
		cr_log_info("suggest [%s]: xapian [%s] fts5 [%s]", cases[i].text,
			    sg[0] ? sg[0] : "(none)", sg[1] ? sg[1] : "(none)");
		cr_expect((!sg[0] && !sg[1]) || (sg[0] && sg[1] && !strcmp(sg[0], sg[1])),
			  "[%s]: xapian [%s], fts5 [%s]", cases[i].text, sg[0] ? sg[0] : "(none)",
			  sg[1] ? sg[1] : "(none)");
		if (cases[i].want)
			cr_expect(sg[1] && !strcmp(sg[1], cases[i].want), "[%s]: [%s], want [%s]",
				  cases[i].text, sg[1] ? sg[1] : "(none)", cases[i].want);
		else if (i >= 7)
			cr_expect_null(sg[1], "[%s] is not rewritten: [%s]", cases[i].text, sg[1]);
		free(sg[0]);
		free(sg[1]);
	}
	/* for docs/engine-*.md only, never asserted */
	cr_log_info("suggest: %zu texts, xapian %.1f ms, fts5 %.1f ms", sizeof cases / sizeof *cases,
		    ms[0], ms[1]);
}

/* Snippets and date orders, on text queries whose match sets are equal in
 * both engines (docs/search.md): in each date order the first page is the
 * same in both, and every hit has the same snippet in both. The words
 * alone (translate=off): with translations the match sets may differ by
 * design (check_translated_totals). */
static void check_snippets_and_date_orders(struct engine *eng[2])
{
	static const char *const texts[] = {
		"skolmåltider", "artificial intelligence", "blockchain", "upphandling",
		"elbussar", "digital health", "solceller", "e-hälsa",
	};
	static const enum engine_sort sorts[] = {SORT_DATE_DESC, SORT_DATE_ASC};
	struct cl_errbuf eb;
	long compared = 0;

	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		for (size_t so = 0; so < 2; so++) {
			struct search_request rq;
			struct search_result r[2];
			search_request_init(&rq);
			rq.text = texts[i];
			rq.limit = 50;
			rq.sort = sorts[so];
			rq.snippets = 1;
			rq.snippet_chars = so ? 120 : 0;
			rq.no_translate = 1;
			for (int k = 0; k < 2; k++)
				cr_assert_eq(engine_search(eng[k], &rq, &r[k], &eb), CL_OK, "%s", eb.msg);
			cr_expect_eq(r[0].total, r[1].total, "[%s]: totals", texts[i]);
			cr_expect_eq(r[0].nhits, r[1].nhits, "[%s]: page sizes", texts[i]);
			for (size_t h = 0; h < r[0].nhits && h < r[1].nhits; h++) {
				cr_expect_str_eq(r[0].hits[h].id, r[1].hits[h].id, "[%s] %s: hit %zu",
						 texts[i], so ? "date asc" : "date desc", h);
				if (strcmp(r[0].hits[h].id, r[1].hits[h].id))
					continue;
				cr_expect_str_eq(r[0].hits[h].snippet, r[1].hits[h].snippet,
						 "[%s] %s: snippets differ", texts[i], r[0].hits[h].id);
				compared++;
			}
			search_result_release(&r[0]);
			search_result_release(&r[1]);
		}
	}
	cr_log_info("snippets compared: %ld", compared);
	cr_expect_gt(compared, 200);
}

/* With translations both engines list the same translations, and their
 * totals differ at most by the stated tolerance (docs/search.md, "Where
 * the two engines differ": a translated English word meets English text
 * in Swedish records through FTS5's per-column language only, e.g.
 * "tender" in the title of a Swedish TED notice): 1 % of the total, at
 * least 3 cases. */
static void check_translated_totals(struct engine *eng[2])
{
	static const char *const texts[] = {
		"upphandling", "skolmåltider", "snöröjning", "välfärdsteknik", "trygghetslarm",
		"artificiell intelligens", "förkommersiell upphandling", "school meals",
	};
	struct cl_errbuf eb;
	long translated = 0;

	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		struct search_request rq;
		struct search_result r[2];
		long d, tol;
		search_request_init(&rq);
		rq.text = texts[i];
		rq.limit = 0;
		for (int k = 0; k < 2; k++)
			cr_assert_eq(engine_search(eng[k], &rq, &r[k], &eb), CL_OK, "%s", eb.msg);
		d = labs(r[0].total - r[1].total);
		tol = r[0].total / 100 > 3 ? r[0].total / 100 : 3;
		cr_expect_leq(d, tol, "[%s]: totals %ld and %ld", texts[i], r[0].total, r[1].total);
		cr_expect_eq(r[0].ntrans, r[1].ntrans, "[%s]: translations", texts[i]);
		for (size_t t = 0; t < r[0].ntrans && t < r[1].ntrans; t++) {
			cr_expect_str_eq(r[0].trans[t].from, r[1].trans[t].from);
			cr_expect_eq(r[0].trans[t].nto, r[1].trans[t].nto);
		}
		translated += r[0].ntrans > 0;
		cr_log_info("translated [%s]: xapian %ld, fts5 %ld", texts[i], r[0].total,
			    r[1].total);
		search_result_release(&r[0]);
		search_result_release(&r[1]);
	}
	cr_expect_geq(translated, 6, "most texts have a translation");
}

Test(conformance, engines_agree_with_each_other_and_with_sql, .timeout = 1200)
{
	char *dir = tu_tmpdir();
	long ncases = 0;
	struct store *s = tu_load_real_corpus(dir, &ncases);
	struct engine *eng[2] = {NULL, NULL};
	sqlite3 *db = store_db(s);
	struct cl_errbuf eb;
	long checks = 0;

	sql_build_reference(db);

	for (int k = 0; k < 2; k++) {
		struct sync_stats st;
		long ndiff = -1;
		cr_assert_eq(engine_open((enum engine_kind)k, dir, s, 1, &eng[k], &eb), CL_OK, "%s",
			     eb.msg);
		cr_assert_eq(sync_engine(s, eng[k], 2000, NULL, NULL, &st, &eb), CL_OK, "%s", eb.msg);
		cr_assert_eq(st.put, sql_long(db, "SELECT count(*) FROM cases WHERE status='published'"));
		/* ids and every facet count equal the store's */
		cr_assert_eq(sync_compare(s, eng[k], NULL, NULL, &ndiff, &eb), CL_OK, "%s", eb.msg);
		cr_expect_eq(ndiff, 0, "%s differs from the store in %ld places",
			     engine_kind_name((enum engine_kind)k), ndiff);
	}

	for (size_t qi = 0; qi < sizeof queries / sizeof *queries; qi++) {
		const struct fq *q = &queries[qi];
		struct search_request rq;
		struct search_result res[2];
		char sql[256];
		long want_total;

		sql_match(db, q, -1);
		want_total = sql_long(db, "SELECT count(*) FROM ref_match");

		make_request(q, &rq, 0);
		for (int k = 0; k < 2; k++) {
			cr_assert_eq(engine_search(eng[k], &rq, &res[k], &eb), CL_OK, "%s: %s", q->name,
				     eb.msg);
			cr_expect_eq(res[k].total, want_total, "%s: %s total %ld, SQL %ld", q->name,
				     engine_kind_name((enum engine_kind)k), res[k].total, want_total);
		}
		/* the same first page, in the same order */
		cr_expect_eq(res[0].nhits, res[1].nhits, "%s: page sizes", q->name);
		for (size_t i = 0; i < res[0].nhits && i < res[1].nhits; i++)
			cr_expect_str_eq(res[0].hits[i].id, res[1].hits[i].id, "%s: hit %zu", q->name, i);
		/* and the SQL order: date descending, undated last, then id */
		{
			sqlite3_stmt *st;
			size_t i = 0;
			snprintf(sql, sizeof sql,
				 "SELECT d.id FROM ref_doc d JOIN ref_match m ON m.id = d.id "
				 "ORDER BY d.published DESC NULLS LAST, d.id ASC LIMIT 100");
			cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
			while (sqlite3_step(st) == SQLITE_ROW && i < res[0].nhits) {
				cr_expect_str_eq(res[0].hits[i].id, (const char *)sqlite3_column_text(st, 0),
						 "%s: SQL order at %zu", q->name, i);
				i++;
			}
			sqlite3_finalize(st);
			cr_expect_eq(i, res[0].nhits, "%s: SQL has as many rows", q->name);
		}
		/* facet counts: the engines agree value by value... */
		for (int f = 0; f < EF_COUNT; f++) {
			cr_expect_eq(res[0].facets[f].n, res[1].facets[f].n, "%s: facet %s values",
				     q->name, engine_facet_name((enum engine_facet)f));
			for (size_t i = 0; i < res[0].facets[f].n; i++) {
				const char *v = res[0].facets[f].v[i].value;
				long a = res[0].facets[f].v[i].count, b = facet_value(&res[1].facets[f], v);
				cr_expect_eq(a, b, "%s: %s=%s xapian %ld fts5 %ld", q->name,
					     engine_facet_name((enum engine_facet)f), v, a, b);
			}
		}
		/* ...and equal SQL, disjunctively: facet f without its own filter */
		for (int f = 0; f < EF_COUNT; f++) {
			if (q->filters[f][0])
				sql_match(db, q, f);
			else if (f > 0 && q->filters[f - 1][0])
				sql_match(db, q, -1);
			checks += sql_compare_facet(db, q->name, f, &res[0].facets[f]);
			if (q->filters[f][0])
				sql_match(db, q, -1);
		}
		/* the second page follows the first */
		if (want_total > 100) {
			struct search_result p2[2];
			make_request(q, &rq, 100);
			rq.facets = 0;
			for (int k = 0; k < 2; k++)
				cr_assert_eq(engine_search(eng[k], &rq, &p2[k], &eb), CL_OK, "%s", eb.msg);
			for (size_t i = 0; i < p2[0].nhits && i < p2[1].nhits; i++)
				cr_expect_str_eq(p2[0].hits[i].id, p2[1].hits[i].id, "%s: page 2 hit %zu",
						 q->name, i);
			search_result_release(&p2[0]);
			search_result_release(&p2[1]);
		}
		search_result_release(&res[0]);
		search_result_release(&res[1]);
	}
	cr_log_info("conformance: %zu queries, %ld facet values compared, %ld cases",
		    sizeof queries / sizeof *queries, checks, ncases);
	cr_assert_gt(checks, 1000);

	/* Text queries: both engines find the real Swedish and English text. */
	{
		static const char *const texts[] = {
			"ramavtal", "skolmåltider", "\"drift och underhåll\"", "upphandl*",
			"artificial intelligence", "blockchain", "title:städtjänster", "landsting",
		};
		for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
			for (int k = 0; k < 2; k++) {
				struct search_request rq;
				struct search_result r;
				search_request_init(&rq);
				rq.text = texts[i];
				rq.limit = 10;
				rq.snippets = 1;
				cr_assert_eq(engine_search(eng[k], &rq, &r, &eb), CL_OK, "%s", eb.msg);
				cr_expect_gt(r.total, 0, "%s finds [%s]",
					     engine_kind_name((enum engine_kind)k), texts[i]);
				cr_log_info("%s [%s]: %ld", engine_kind_name((enum engine_kind)k), texts[i],
					    r.total);
				search_result_release(&r);
			}
		}
	}
	check_suggestions(eng);
	check_snippets_and_date_orders(eng);
	check_translated_totals(eng);
	engine_close(eng[0]);
	engine_close(eng[1]);
	store_close(s);
	tu_rmtree(dir);
	free(dir);
}

/* --- the same rules on a small fixture (no corpus) ---------------------- */

struct frec {
	const char *id, *title, *summary, *body, *published, *sectors;
};

static void put_frec(struct engine *e, const struct frec *r)
{
	struct case_record c;
	struct cl_errbuf eb;

	case_init(&c);
	c.id = strdup(r->id);
	c.kind = strdup("case");
	c.language = strdup("sv");
	c.title = strdup(r->title);
	c.summary = r->summary ? strdup(r->summary) : NULL;
	c.body = r->body ? strdup(r->body) : NULL;
	c.published = r->published ? strdup(r->published) : NULL;
	c.authority_type = strdup("la");
	if (r->sectors) {
		c.sectors.v = calloc(1, sizeof *c.sectors.v);
		c.sectors.v[0] = strdup(r->sectors);
		c.sectors.n = 1;
	}
	cr_assert_eq(engine_put(e, &c, &eb), CL_OK, "put %s: %s", r->id, eb.msg);
	case_release(&c);
}

/* Both engines over the same records, committed. */
static void open_both(const char *dir, struct store **s, struct engine *eng[2],
		      const struct frec *r, size_t n)
{
	struct cl_errbuf eb;

	cr_assert_eq(store_open(dir, STORE_CREATE, s, &eb), CL_OK, "%s", eb.msg);
	for (int k = 0; k < 2; k++) {
		cr_assert_eq(engine_open((enum engine_kind)k, dir, *s, 1, &eng[k], &eb), CL_OK, "%s",
			     eb.msg);
		for (size_t i = 0; i < n; i++)
			put_frec(eng[k], &r[i]);
		cr_assert_eq(engine_commit(eng[k], 1, &eb), CL_OK, "%s", eb.msg);
	}
}

static void close_both(char *dir, struct store *s, struct engine *eng[2])
{
	engine_close(eng[0]);
	engine_close(eng[1]);
	store_close(s);
	tu_rmtree(dir);
	free(dir);
}

static const struct frec fixture[] = {
	{"sim-src", "Digital hemmonitorering av patienter med hjärtsvikt", NULL, NULL, "2021-03-01",
	 "health"},
	{"sim-aa", "Hemmonitorering av patienter med hjärtsvikt", NULL, NULL, "2021-03-01",
	 "education"},
	{"sim-zz", "Hemmonitorering av patienter med hjärtsvikt", NULL, NULL, "2020-01-01",
	 "health"},
	{"snow", "Snöröjning av gator och vägar", NULL, NULL, NULL, "health"},
	{"long", "Kommunens ramavtal",
	 "Kommunen har under flera år arbetat med att förbättra sina inköp av livsmedel, "
	 "möbler, fordon och tjänster för äldreomsorgen och skolan, och har nu samlat "
	 "erfarenheterna i en rapport. Rapporten beskriver hur förvaltningarna samarbetar, "
	 "hur marknaden bjuds in till dialog och hur uppföljningen går till. Till sist "
	 "upphandlades elbussar för kollektivtrafiken i ett ramavtal med tre leverantörer.",
	 "Bakgrund. Elbussarna laddas vid ändhållplatserna.", "2019-06-30", "econ-aff"},
	{"dated-odd", "Snöröjning i kommunen", NULL, NULL, "2021-3-1", "health"},
};
#define NFIXTURE (sizeof fixture / sizeof *fixture)

/* Of two equally similar cases the one sharing the source's sector comes
 * first in both engines, and by the same rule: its score is exactly
 * (1 + 0.2 * 1/1) times the other's (tolerance 1e-9 relative: the base
 * scores tie because the two texts are identical). */
Test(conformance, similar_sector_bonus_is_one_rule)
{
	char *dir = tu_tmpdir();
	struct store *s = NULL;
	struct engine *eng[2];
	struct cl_errbuf eb;

	open_both(dir, &s, eng, fixture, NFIXTURE);
	for (int k = 0; k < 2; k++) {
		struct search_request rq;
		struct search_result res;
		search_request_init(&rq);
		cr_assert_eq(engine_similar(eng[k], "sim-src", &rq, &res, &eb), CL_OK, "%s", eb.msg);
		cr_assert_geq(res.nhits, 2);
		cr_expect_str_eq(res.hits[0].id, "sim-zz", "%s", engine_kind_name((enum engine_kind)k));
		cr_expect_str_eq(res.hits[1].id, "sim-aa", "%s", engine_kind_name((enum engine_kind)k));
		cr_assert_gt(res.hits[1].score, 0);
		double ratio = res.hits[0].score / res.hits[1].score;
		cr_expect(ratio > 1.2 - 1e-9 && ratio < 1.2 + 1e-9, "%s: bonus ratio %.12f, want 1.2",
			  engine_kind_name((enum engine_kind)k), ratio);
		search_result_release(&res);
	}
	cr_expect_eq(sem_sector_bonus(2.0, 1, 2), 2.2);
	cr_expect_eq(sem_sector_bonus(2.0, 0, 2), 2.0);
	cr_expect_eq(sem_sector_bonus(2.0, 3, 0), 2.0);
	close_both(dir, s, eng);
}

/* The same hit gets the same snippet: window, marks and escaping, in both
 * engines, also when the match is far into the text or in the body. */
Test(conformance, same_snippet_for_the_same_hit)
{
	static const struct {
		const char *text;
		size_t chars;
		const char *want; /* a substring of the snippet */
	} cases[] = {
		{"elbussar", 80, "<mark>elbussar</mark>"},
		{"elbussar", 0, "<mark>elbussar</mark>"},
		{"ramavtal", 60, "<mark>ramavtal</mark>"},
		{"ändhållplatserna", 0, "<mark>ändhållplatserna</mark>"},
		{"elbuss* -snöröjning", 40, "<mark>elbussar</mark>"},
		{"title:ramavtal", 50, "<mark>ramavtal</mark>"},
		{"hjärtsvikt", 0, "<mark>hjärtsvikt</mark>"},
	};
	char *dir = tu_tmpdir();
	struct store *s = NULL;
	struct engine *eng[2];
	struct cl_errbuf eb;

	open_both(dir, &s, eng, fixture, NFIXTURE);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct search_result r[2];
		struct search_request rq;
		search_request_init(&rq);
		rq.text = cases[i].text;
		rq.snippets = 1;
		rq.snippet_chars = cases[i].chars;
		rq.sort = SORT_DATE_DESC;
		for (int k = 0; k < 2; k++)
			cr_assert_eq(engine_search(eng[k], &rq, &r[k], &eb), CL_OK, "%s", eb.msg);
		cr_assert_eq(r[0].nhits, r[1].nhits, "[%s]", cases[i].text);
		cr_assert_gt(r[0].nhits, 0, "[%s]", cases[i].text);
		for (size_t h = 0; h < r[0].nhits; h++) {
			cr_expect_str_eq(r[0].hits[h].id, r[1].hits[h].id);
			cr_expect_str_eq(r[0].hits[h].snippet, r[1].hits[h].snippet, "[%s] %s",
					 cases[i].text, r[0].hits[h].id);
		}
		cr_expect(strstr(r[1].hits[0].snippet, cases[i].want), "[%s]: %s", cases[i].text,
			  r[1].hits[0].snippet);
		search_result_release(&r[0]);
		search_result_release(&r[1]);
	}
	close_both(dir, s, eng);
}

/* Suggestions: the same in both engines; negated words are never
 * rewritten (the rule once: semantics.h). */
Test(conformance, suggestions_never_rewrite_negated_words)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{"hemmonitorring -snöröjnig", "hemmonitorering -snöröjnig"},
		/* a lone exclusion is read as the word (qparse): checked */
		{"-snöröjnig", "-snöröjning"},
		{"hjärtsvkt", "hjärtsvikt"},
		{"elbus*", NULL},
		/* a stopword ("och") is never a candidate: FTS5 cannot count it */
		{"ocb", NULL},
	};
	char *dir = tu_tmpdir();
	struct store *s = NULL;
	struct engine *eng[2];
	struct cl_errbuf eb;

	open_both(dir, &s, eng, fixture, NFIXTURE);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		for (int k = 0; k < 2; k++) {
			char *sg = NULL;
			cr_assert_eq(engine_suggest(eng[k], cases[i].text, &sg, &eb), CL_OK, "%s",
				     eb.msg);
			if (cases[i].want)
				cr_expect(sg && !strcmp(sg, cases[i].want), "%s [%s]: [%s], want [%s]",
					  engine_kind_name((enum engine_kind)k), cases[i].text,
					  sg ? sg : "(none)", cases[i].want);
			else
				cr_expect_null(sg, "%s [%s]: [%s]", engine_kind_name((enum engine_kind)k),
					       cases[i].text, sg);
			free(sg);
		}
	}
	close_both(dir, s, eng);
}

/* Date orders: published date (YYYY-MM-DD only), undated last in both
 * directions, ties by id — the same pages in both engines. */
Test(conformance, date_orders_are_one_rule)
{
	static const char *const want_desc[] = {"sim-aa", "sim-src", "sim-zz", "long", "dated-odd",
						"snow"};
	static const char *const want_asc[] = {"long", "sim-zz", "sim-aa", "sim-src", "dated-odd",
					       "snow"};
	char *dir = tu_tmpdir();
	struct store *s = NULL;
	struct engine *eng[2];
	struct cl_errbuf eb;

	open_both(dir, &s, eng, fixture, NFIXTURE);
	for (int so = 0; so < 2; so++) {
		for (int k = 0; k < 2; k++) {
			struct search_request rq;
			struct search_result r;
			search_request_init(&rq);
			rq.sort = so ? SORT_DATE_ASC : SORT_DATE_DESC;
			cr_assert_eq(engine_search(eng[k], &rq, &r, &eb), CL_OK, "%s", eb.msg);
			cr_assert_eq(r.nhits, NFIXTURE);
			for (size_t h = 0; h < r.nhits; h++)
				cr_expect_str_eq(r.hits[h].id, so ? want_asc[h] : want_desc[h],
						 "%s %s: hit %zu", engine_kind_name((enum engine_kind)k),
						 so ? "asc" : "desc", h);
			search_result_release(&r);
		}
	}
	cr_expect_eq(sem_date_key("2021-03-01"), 20210301);
	cr_expect_eq(sem_date_key("2021-3-1"), 0);
	cr_expect_eq(sem_date_key("2021-03-01T10:00"), 0);
	cr_expect_eq(sem_date_key(NULL), 0);
	close_both(dir, s, eng);
}
