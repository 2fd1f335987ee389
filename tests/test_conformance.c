/* test_conformance.c — both engines against each other and against plain
 * SQL over the store, on the real corpus: the 18,421 Swedish procurements
 * of 2021 (Upphandlingsmyndigheten) and the 853 IPS innovation cases.
 *
 * For a table of filter-only queries, the Xapian and FTS5 engines must give
 * the same total, the same first page (sorted by date, then id) and the same
 * disjunctive facet counts for every facet — and all of these must equal
 * what plain SQL (json_each over the stored records) computes. Text queries
 * are checked for sanity in both engines (ranking may differ). The corpus is
 * loaded once per test process into a temporary store. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "engine.h"
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
	engine_close(eng[0]);
	engine_close(eng[1]);
	store_close(s);
	tu_rmtree(dir);
	free(dir);
}
