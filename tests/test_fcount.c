/* test_fcount.c — the counting layer (query/fcount.h): totals and
 * disjunctive facet counts against plain SQL over the same documents on
 * generated cases (seeded; FCOUNT_SEED=N repeats a run), both counting
 * paths equal, the counts after puts and deletes, and the errors. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "fcount.h"
#include "store.h"
#include "testutil.h"

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 11);
}

static int multi_facet(int f)
{
	const struct facet_def *d = facet_def(f);
	return d->from == FACET_FROM_LIST;
}

/* Value k of facet f as text: years are four digits, others "vK". */
static void value_of(int f, unsigned k, char *buf, size_t sz)
{
	if (f == EF_YEAR)
		snprintf(buf, sz, "%u", 2010 + k);
	else
		snprintf(buf, sz, "v%u", k);
}

static void exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &err), SQLITE_OK, "%s: %s", sql, err);
}

static long sql_long(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long v;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	v = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Puts a random document (values of every facet) into fc and the SQL
 * tables. */
static void put_random(struct fcount *fc, sqlite3 *db, uint32_t doc, uint64_t *seed)
{
	struct cl_errbuf eb;
	char *sql = sqlite3_mprintf("DELETE FROM fv WHERE doc = %u;"
				    "INSERT OR IGNORE INTO live(doc) VALUES(%u);", doc, doc);
	exec(db, sql);
	sqlite3_free(sql);
	cr_assert_eq(fcount_live(fc, doc, &eb), CL_OK);
	for (int f = 0; f < EF_COUNT; f++) {
		unsigned nv = 3 + (unsigned)f % 5, n = rnd(seed) % 4 == 0 ? 0 : 1;
		char buf[CASE_LIST_MAX][16];
		const char *v[CASE_LIST_MAX];
		size_t len[CASE_LIST_MAX];
		if (multi_facet(f) && n)
			n = 1 + rnd(seed) % 4; /* repeats happen: counted once */
		for (unsigned i = 0; i < n; i++) {
			value_of(f, rnd(seed) % nv, buf[i], sizeof buf[i]);
			v[i] = buf[i];
			len[i] = strlen(buf[i]);
			sql = sqlite3_mprintf("INSERT OR IGNORE INTO fv VALUES(%u, %d, %Q)", doc, f, v[i]);
			exec(db, sql);
			sqlite3_free(sql);
		}
		cr_assert_eq(fcount_put(fc, doc, f, v, len, n, &eb), CL_OK, "%s", eb.msg);
	}
}

/* The SQL condition "doc passes every group except facet skip". */
static char *groups_sql(const struct search_request *rq, int skip)
{
	char *w = sqlite3_mprintf("1");
	for (int f = 0; f < EF_COUNT; f++) {
		if (!rq->nfilters[f] || f == skip)
			continue;
		char *in = sqlite3_mprintf("''");
		for (size_t i = 0; i < rq->nfilters[f]; i++) {
			char *t = sqlite3_mprintf("%s, %Q", in, rq->filters[f][i]);
			sqlite3_free(in);
			in = t;
		}
		char *t = sqlite3_mprintf("%s AND doc IN (SELECT doc FROM fv WHERE f = %d AND v IN (%s))",
					  w, f, in);
		sqlite3_free(in);
		sqlite3_free(w);
		w = t;
	}
	if (rq->year_from || rq->year_to) {
		char *t = sqlite3_mprintf("%s AND doc IN (SELECT doc FROM fv WHERE f = %d AND "
					  "CAST(v AS INTEGER) BETWEEN %d AND %d)",
					  w, EF_YEAR, rq->year_from ? rq->year_from : 0,
					  rq->year_to ? rq->year_to : 9999);
		sqlite3_free(w);
		w = t;
	}
	return w;
}

/* Compares fcount's answer with SQL's for one request. */
#define NPATHS 3 /* FCOUNT_AUTO, FCOUNT_ROWS, FCOUNT_BITMAPS */
static void check(sqlite3 *db, const struct search_request *rq, unsigned facets,
		  const long *total, const struct search_result *res, const char *what)
{
	char *g = groups_sql(rq, -1);
	char *sql = sqlite3_mprintf("SELECT count(*) FROM live WHERE doc IN m AND %s", g);
	long want = sql_long(db, sql);
	for (int k = 0; k < NPATHS; k++)
		cr_assert_eq(total[k], want, "%s path %d: total", what, k);
	sqlite3_free(sql);
	sqlite3_free(g);
	for (int f = 0; f < EF_COUNT; f++) {
		sqlite3_stmt *st;
		size_t n = 0;
		if (!(facets & (1u << f))) {
			for (int k = 0; k < NPATHS; k++)
				cr_assert_eq(res[k].facets[f].n, 0, "%s: facet %d not asked", what, f);
			continue;
		}
		g = groups_sql(rq, f);
		sql = sqlite3_mprintf("SELECT v, count(*) FROM fv WHERE f = %d AND doc IN live AND "
				      "doc IN m AND %s GROUP BY v",
				      f, g);
		cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *v = (const char *)sqlite3_column_text(st, 0);
			for (int k = 0; k < NPATHS; k++)
				cr_assert_eq(engine_facet_get(&res[k].facets[f], v),
					     sqlite3_column_int64(st, 1), "%s path %d: facet %d value %s",
					     what, k, f, v);
			n++;
		}
		for (int k = 0; k < NPATHS; k++)
			cr_assert_eq(res[k].facets[f].n, n, "%s path %d: facet %d has %zu values, SQL %zu",
				     what, k, f, res[k].facets[f].n, n);
		sqlite3_finalize(st);
		sqlite3_free(sql);
		sqlite3_free(g);
	}
}

/* Random corpora and requests, each counted by both paths (and the
 * automatic choice) and compared with SQL. */
Test(fcount, random_vs_sql)
{
	uint64_t seed = 0x5eedf00du;
	const char *env = getenv("FCOUNT_SEED");
	if (env && *env)
		seed = strtoull(env, NULL, 10);
	fprintf(stderr, "fcount/random_vs_sql: seed %llu (FCOUNT_SEED)\n",
		(unsigned long long)seed);
	if (!seed)
		seed = 1;

	for (int round = 0; round < 6; round++) {
		struct fcount *fc;
		sqlite3 *db;
		/* spans over several 65,536-id containers, and a dense small one */
		uint32_t span = round % 2 ? 300000 : 2000, ndocs = 1500;

		cr_assert_eq(fcount_new(&fc), CL_OK);
		cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
		exec(db, "CREATE TABLE fv(doc INTEGER, f INTEGER, v TEXT, PRIMARY KEY(doc, f, v));"
			 "CREATE INDEX fv_fv ON fv(f, v, doc);"
			 "CREATE TABLE live(doc INTEGER PRIMARY KEY);"
			 "CREATE TABLE m(doc INTEGER PRIMARY KEY);");
		exec(db, "BEGIN");
		for (uint32_t i = 0; i < ndocs; i++)
			put_random(fc, db, rnd(&seed) % span, &seed);
		/* a revision: some documents change, some go */
		for (uint32_t i = 0; i < ndocs / 5; i++) {
			uint32_t doc = rnd(&seed) % span;
			if (rnd(&seed) % 2) {
				put_random(fc, db, doc, &seed);
			} else {
				char *sql = sqlite3_mprintf("DELETE FROM fv WHERE doc = %u;"
							    "DELETE FROM live WHERE doc = %u", doc, doc);
				exec(db, sql);
				sqlite3_free(sql);
				fcount_del(fc, doc);
			}
		}
		exec(db, "COMMIT");
		cr_assert_eq((long)fcount_ndocs(fc), sql_long(db, "SELECT count(*) FROM live"));

		for (int q = 0; q < 40; q++) {
			struct search_request rq;
			const char *vals[EF_COUNT][3];
			char vbuf[EF_COUNT][3][16];
			uint32_t *docs = NULL;
			size_t n = 0;
			unsigned facets = rnd(&seed) & ENGINE_ALL_FACETS;
			char what[64];

			search_request_init(&rq);
			exec(db, "DELETE FROM m");
			if (q % 4 == 0) { /* every document */
				exec(db, "INSERT INTO m SELECT doc FROM live");
			} else { /* a random match set, unordered, with repeats and strays */
				size_t want = rnd(&seed) % (q % 3 ? 60 : 1500) + 1;
				docs = calloc(want, sizeof *docs);
				for (size_t i = 0; i < want; i++) {
					docs[n] = rnd(&seed) % span;
					char *sql = sqlite3_mprintf("INSERT OR IGNORE INTO m VALUES(%u)",
								    docs[n]);
					exec(db, sql);
					sqlite3_free(sql);
					n++;
				}
			}
			for (unsigned k = rnd(&seed) % 4; k > 0; k--) {
				int f = (int)(rnd(&seed) % EF_COUNT);
				size_t nv = 1 + rnd(&seed) % 3;
				for (size_t i = 0; i < nv; i++) {
					/* now and then a value no document has */
					value_of(f, rnd(&seed) % (4 + (unsigned)f % 5), vbuf[f][i],
						 sizeof vbuf[f][i]);
					vals[f][i] = vbuf[f][i];
				}
				rq.filters[f] = vals[f];
				rq.nfilters[f] = nv;
			}
			if (rnd(&seed) % 4 == 0) {
				rq.year_from = rnd(&seed) % 2 ? 2010 + (int)(rnd(&seed) % 8) : 0;
				rq.year_to = rnd(&seed) % 2 ? 2012 + (int)(rnd(&seed) % 8) : 0;
			}
			struct search_result res[NPATHS];
			long total[NPATHS];
			for (int path = FCOUNT_AUTO; path <= FCOUNT_BITMAPS; path++) {
				struct cl_errbuf eb;
				search_result_init(&res[path]);
				cr_assert_eq(fcount_count(fc, docs, n, &rq, facets, (enum fcount_path)path,
							  &total[path], &res[path], &eb),
					     CL_OK, "%s", eb.msg);
			}
			snprintf(what, sizeof what, "round %d query %d", round, q);
			check(db, &rq, facets, total, res, what);
			/* the same filter as a test of one document */
			{
				struct fcount_filter *flt;
				struct cl_errbuf eb;
				sqlite3_stmt *st;
				long pass = 0;
				cr_assert_eq(fcount_filter_new(fc, &rq, &flt, &eb), CL_OK);
				cr_assert_eq(sqlite3_prepare_v2(db, "SELECT doc FROM m", -1, &st, NULL),
					     SQLITE_OK);
				while (sqlite3_step(st) == SQLITE_ROW)
					pass += fcount_filter_pass(flt, (uint32_t)sqlite3_column_int64(st, 0));
				sqlite3_finalize(st);
				cr_assert_eq(pass, total[0], "%s: filter passes %ld", what, pass);
				fcount_filter_free(flt);
			}
			for (int path = 0; path < NPATHS; path++)
				search_result_release(&res[path]);
			free(docs);
		}
		sqlite3_close(db);
		fcount_free(fc);
	}
}

/* Known numbers, by hand: puts, a change, a delete, each followed by the
 * counts; the disjunctive rule on a filtered facet. */
static void put1(struct fcount *fc, uint32_t doc, int f, const char *a, const char *b)
{
	const char *v[2] = {a, b};
	size_t len[2] = {a ? strlen(a) : 0, b ? strlen(b) : 0};
	struct cl_errbuf eb;
	cr_assert_eq(fcount_put(fc, doc, f, v, len, b ? 2 : a ? 1 : 0, &eb), CL_OK, "%s", eb.msg);
}

static void count_all(struct fcount *fc, const struct search_request *rq, enum fcount_path path,
		      long *total, struct search_result *res)
{
	struct cl_errbuf eb;
	search_result_init(res);
	cr_assert_eq(fcount_count(fc, NULL, 0, rq, ENGINE_ALL_FACETS, path, total, res, &eb), CL_OK);
}

Test(fcount, revisions)
{
	struct fcount *fc;
	struct search_request rq;
	struct search_result res;
	static const char *const health[] = {"health"};
	long total;

	cr_assert_eq(fcount_new(&fc), CL_OK);
	put1(fc, 1, EF_SECTORS, "health", "education");
	put1(fc, 1, EF_KIND, "case", NULL);
	put1(fc, 2, EF_SECTORS, "health", NULL);
	put1(fc, 2, EF_KIND, "procurement", NULL);
	put1(fc, 70000, EF_SECTORS, "rcr", NULL);
	put1(fc, 70000, EF_KIND, "procurement", NULL);
	search_request_init(&rq);
	rq.filters[EF_SECTORS] = health;
	rq.nfilters[EF_SECTORS] = 1;

	for (int path = FCOUNT_ROWS; path <= FCOUNT_BITMAPS; path++) {
		count_all(fc, &rq, (enum fcount_path)path, &total, &res);
		cr_assert_eq(total, 2);
		cr_assert_eq(engine_facet_get(&res.facets[EF_KIND], "case"), 1);
		cr_assert_eq(engine_facet_get(&res.facets[EF_KIND], "procurement"), 1);
		/* disjunctive: sectors ignore the sector filter */
		cr_assert_eq(engine_facet_get(&res.facets[EF_SECTORS], "health"), 2);
		cr_assert_eq(engine_facet_get(&res.facets[EF_SECTORS], "rcr"), 1);
		cr_assert_eq(engine_facet_get(&res.facets[EF_SECTORS], "education"), 1);
		search_result_release(&res);
	}
	/* case 2 moves to another sector: the new revision's counts */
	put1(fc, 2, EF_SECTORS, "rcr", NULL);
	for (int path = FCOUNT_ROWS; path <= FCOUNT_BITMAPS; path++) {
		count_all(fc, &rq, (enum fcount_path)path, &total, &res);
		cr_assert_eq(total, 1);
		cr_assert_eq(engine_facet_get(&res.facets[EF_KIND], "procurement"), 0);
		cr_assert_eq(engine_facet_get(&res.facets[EF_SECTORS], "health"), 1);
		cr_assert_eq(engine_facet_get(&res.facets[EF_SECTORS], "rcr"), 2);
		search_result_release(&res);
	}
	fcount_del(fc, 1);
	fcount_del(fc, 12345678); /* never there */
	cr_assert_eq(fcount_ndocs(fc), 2);
	for (int path = FCOUNT_ROWS; path <= FCOUNT_BITMAPS; path++) {
		count_all(fc, &rq, (enum fcount_path)path, &total, &res);
		cr_assert_eq(total, 0);
		cr_assert_eq(res.facets[EF_KIND].n, 0);
		cr_assert_eq(engine_facet_get(&res.facets[EF_SECTORS], "health"), 0);
		cr_assert_eq(engine_facet_get(&res.facets[EF_SECTORS], "rcr"), 2);
		cr_assert_eq(engine_facet_get(&res.facets[EF_SECTORS], "education"), 0);
		search_result_release(&res);
	}
	/* deleted and put again: counted once more */
	put1(fc, 1, EF_SECTORS, "health", NULL);
	count_all(fc, &rq, FCOUNT_AUTO, &total, &res);
	cr_assert_eq(total, 1);
	cr_assert_eq(engine_facet_get(&res.facets[EF_KIND], "case"), 0, "old values are gone");
	search_result_release(&res);
	fcount_clear(fc);
	cr_assert_eq(fcount_ndocs(fc), 0);
	count_all(fc, &rq, FCOUNT_AUTO, &total, &res);
	cr_assert_eq(total, 0);
	search_result_release(&res);
	fcount_free(fc);
	fcount_free(NULL);
}

/* Document numbers that start high (Xapian's docids after a clear and a
 * resync) and then come lower: the rows move, the counts stay. */
Test(fcount, high_and_falling_document_numbers)
{
	struct fcount *fc;
	struct search_request rq;
	struct search_result res;
	static const uint32_t docs[] = {2000000u, 1999000u, 2001234u, 1500000u, 1999999u};
	long total;

	cr_assert_eq(fcount_new(&fc), CL_OK);
	for (size_t i = 0; i < sizeof docs / sizeof *docs; i++)
		put1(fc, docs[i], EF_KIND, i % 2 ? "case" : "procurement", NULL);
	fcount_del(fc, 6u);          /* below every row: nothing */
	fcount_del(fc, 2001234u); /* the highest */
	search_request_init(&rq);
	for (int path = FCOUNT_ROWS; path <= FCOUNT_BITMAPS; path++) {
		count_all(fc, &rq, (enum fcount_path)path, &total, &res);
		cr_assert_eq(total, 4);
		cr_assert_eq(engine_facet_get(&res.facets[EF_KIND], "procurement"), 2);
		cr_assert_eq(engine_facet_get(&res.facets[EF_KIND], "case"), 2);
		search_result_release(&res);
	}
	cr_assert(fcount_has(fc, 1500000u));
	cr_assert(fcount_has(fc, 2000000u));
	cr_assert_not(fcount_has(fc, 2001234u));
	fcount_free(fc);
}

/* Many changes of multi-valued facets: the value lists that are no longer
 * used are reclaimed and the counts stay right. */
Test(fcount, churn)
{
	struct fcount *fc;
	struct search_request rq;
	struct search_result res;
	long total;
	char a[16], b[16];

	cr_assert_eq(fcount_new(&fc), CL_OK);
	for (int round = 0; round < 50; round++)
		for (uint32_t d = 0; d < 500; d++) {
			snprintf(a, sizeof a, "g%d", (int)(d + round) % 7);
			snprintf(b, sizeof b, "g%d", (int)(d + round + 1) % 7);
			put1(fc, d, EF_GOALS, a, b);
		}
	search_request_init(&rq);
	count_all(fc, &rq, FCOUNT_ROWS, &total, &res);
	cr_assert_eq(total, 500);
	long sum = 0;
	for (size_t i = 0; i < res.facets[EF_GOALS].n; i++)
		sum += res.facets[EF_GOALS].v[i].count;
	cr_assert_eq(sum, 1000);
	search_result_release(&res);
	fcount_free(fc);
}

Test(fcount, errors)
{
	struct fcount *fc;
	struct cl_errbuf eb;
	const char *v[CASE_LIST_MAX + 1];
	size_t len[CASE_LIST_MAX + 1];
	char buf[16];

	cr_assert_eq(fcount_new(&fc), CL_OK);
	for (size_t i = 0; i <= CASE_LIST_MAX; i++) {
		v[i] = "x";
		len[i] = 1;
	}
	cr_assert_eq(fcount_put(fc, 1, -1, v, len, 1, &eb), CL_EINVAL);
	cr_assert_eq(fcount_put(fc, 1, EF_COUNT, v, len, 1, &eb), CL_EINVAL);
	cr_assert_eq(fcount_put(fc, 1, EF_GOALS, v, len, CASE_LIST_MAX + 1, &eb), CL_EINVAL);
	cr_assert_eq(fcount_ndocs(fc), 0);
	/* a facet with more values than codes: a clear error, the document
	 * dropped, the table still usable */
	for (unsigned i = 0; i < FCOUNT_VALUES_MAX; i++) {
		snprintf(buf, sizeof buf, "%u", i);
		v[0] = buf;
		len[0] = strlen(buf);
		cr_assert_eq(fcount_put(fc, i, EF_COUNTRY, v, len, 1, &eb), CL_OK);
	}
	v[0] = "one-more";
	len[0] = strlen(v[0]);
	cr_assert_eq(fcount_put(fc, 70000, EF_COUNTRY, v, len, 1, &eb), CL_ETOOBIG);
	cr_assert(strstr(eb.msg, "country"), "%s", eb.msg);
	cr_assert_not(fcount_has(fc, 70000));
	cr_assert_eq(fcount_ndocs(fc), FCOUNT_VALUES_MAX);
	fcount_free(fc);
}

/* ---- the engines' tables follow the index ----------------------------- */

static void put_case(struct engine *e, const char *id, const char *sector, const char *year)
{
	struct case_record c;
	struct cl_errbuf eb = {0};

	case_init(&c);
	c.id = strdup(id);
	c.kind = strdup("procurement");
	c.language = strdup("sv");
	c.title = strdup("skolmåltider i kommunen");
	c.published = strdup(year);
	c.authority_type = strdup("la");
	c.sectors.v = calloc(1, sizeof *c.sectors.v);
	c.sectors.v[0] = strdup(sector);
	c.sectors.n = 1;
	cr_assert_eq(engine_put(e, &c, &eb), CL_OK, "put %s: %s", id, eb.msg);
	case_release(&c);
}

/* A search for text (NULL: everything) with every facet counted, filtered
 * to authority_type la (so the counts of that facet are disjunctive). */
static void search_all(struct engine *e, const char *text, long *total, long *health,
		       long *education, long *la)
{
	static const char *const la_only[] = {"la"};
	struct search_request rq;
	struct search_result r;
	struct cl_errbuf eb = {0};

	search_request_init(&rq);
	rq.text = text;
	rq.facets = ENGINE_ALL_FACETS;
	rq.limit = 10;
	rq.filters[EF_AUTHORITY_TYPE] = la_only;
	rq.nfilters[EF_AUTHORITY_TYPE] = 1;
	cr_assert_eq(engine_search(e, &rq, &r, &eb), CL_OK, "%s", eb.msg);
	*total = r.total;
	*health = engine_facet_get(&r.facets[EF_SECTORS], "health");
	*education = engine_facet_get(&r.facets[EF_SECTORS], "education");
	*la = engine_facet_get(&r.facets[EF_AUTHORITY_TYPE], "la");
	cr_assert_eq((long)r.nhits, r.total < 10 ? r.total : 10);
	search_result_release(&r);
}

static void follow(enum engine_kind k)
{
	char *dir = tu_tmpdir();
	struct store *sw = NULL, *sr = NULL;
	struct engine *w = NULL, *r = NULL;
	struct cl_errbuf eb = {0};
	long total, health, education, la;
	const char *texts[] = {NULL, "skolmåltider"};

	cr_assert_eq(store_open(dir, STORE_CREATE, &sw, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(engine_open(k, dir, sw, 1, &w, &eb), CL_OK, "%s", eb.msg);
	put_case(w, "c-1", "health", "2020-01-01");
	put_case(w, "c-2", "health", "2021-01-01");
	put_case(w, "c-3", "education", "2021-01-01");
	cr_assert_eq(engine_commit(w, 1, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(store_open(dir, 0, &sr, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(engine_open(k, dir, sr, 0, &r, &eb), CL_OK, "%s", eb.msg);
	for (int t = 0; t < 2; t++) {
		search_all(r, texts[t], &total, &health, &education, &la);
		cr_assert_eq(total, 3);
		cr_assert_eq(health, 2);
		cr_assert_eq(education, 1);
		cr_assert_eq(la, 3);
	}
	/* the writer's own handle sees its uncommitted changes */
	put_case(w, "c-2", "education", "2021-01-01");
	cr_assert_eq(engine_delete(w, "c-1", &eb), CL_OK, "%s", eb.msg);
	put_case(w, "c-4", "education", "2022-01-01");
	for (int t = 0; t < 2; t++) {
		search_all(w, texts[t], &total, &health, &education, &la);
		cr_assert_eq(total, 3, "%s writer", engine_kind_name(k));
		cr_assert_eq(health, 0, "%s writer", engine_kind_name(k));
		cr_assert_eq(education, 3, "%s writer", engine_kind_name(k));
	}
	/* a reader follows the next revision */
	cr_assert_eq(engine_commit(w, 2, &eb), CL_OK, "%s", eb.msg);
	for (int t = 0; t < 2; t++) {
		search_all(r, texts[t], &total, &health, &education, &la);
		cr_assert_eq(total, 3, "%s reader", engine_kind_name(k));
		cr_assert_eq(health, 0, "%s reader", engine_kind_name(k));
		cr_assert_eq(education, 3, "%s reader", engine_kind_name(k));
		cr_assert_eq(la, 3);
	}
	engine_close(r);
	engine_close(w);
	store_close(sr);
	store_close(sw);
	tu_rmtree(dir);
	free(dir);
}

Test(fcount, xapian_follows_revisions)
{
	follow(ENGINE_XAPIAN);
}

Test(fcount, fts5_follows_revisions)
{
	follow(ENGINE_FTS5);
}

/* Every facet's counts of text in a and b, unfiltered and filtered to
 * sector health (disjunctive), are the same. */
static void same_all(struct engine *a, struct engine *b, const char *text, const char *what)
{
	static const char *const health[] = {"health"};
	struct cl_errbuf eb = {0};

	for (int filtered = 0; filtered < 2; filtered++) {
		struct search_request rq;
		struct search_result ra, rb;
		search_request_init(&rq);
		rq.text = text;
		rq.facets = ENGINE_ALL_FACETS;
		rq.limit = 5;
		if (filtered) {
			rq.filters[EF_SECTORS] = health;
			rq.nfilters[EF_SECTORS] = 1;
		}
		cr_assert_eq(engine_search(a, &rq, &ra, &eb), CL_OK, "%s", eb.msg);
		cr_assert_eq(engine_search(b, &rq, &rb, &eb), CL_OK, "%s", eb.msg);
		cr_assert_eq(ra.total, rb.total, "%s: total %ld, a fresh reader %ld", what, ra.total,
			     rb.total);
		for (int f = 0; f < EF_COUNT; f++) {
			cr_assert_eq(ra.facets[f].n, rb.facets[f].n, "%s: facet %d", what, f);
			for (size_t i = 0; i < ra.facets[f].n; i++) {
				cr_assert_str_eq(ra.facets[f].v[i].value, rb.facets[f].v[i].value);
				cr_assert_eq(ra.facets[f].v[i].count, rb.facets[f].v[i].count,
					     "%s: facet %d %s", what, f, ra.facets[f].v[i].value);
			}
		}
		search_result_release(&ra);
		search_result_release(&rb);
	}
}

/* r's counts equal a fresh reader's, and r loaded the index builds times. */
static void as_fresh(enum engine_kind k, const char *dir, struct engine *r, unsigned long builds,
		     const char *what)
{
	struct store *s = NULL;
	struct engine *fresh = NULL;
	struct cl_errbuf eb = {0};
	unsigned long b;

	cr_assert_eq(store_open(dir, 0, &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(engine_open(k, dir, s, 0, &fresh, &eb), CL_OK, "%s", eb.msg);
	same_all(r, fresh, NULL, what);
	same_all(r, fresh, "skolmåltider", what);
	engine_close(fresh);
	store_close(s);
	engine_counting_stats(r, &b, NULL);
	cr_assert_eq(b, builds, "%s: %s loaded the index %lu times, want %lu", what,
		     engine_kind_name(k), b, builds);
}

/* A reader keeps its counting table current from each commit's change
 * set, in both engines (the FTS5 engine since its layout 2): puts, changed
 * sectors, deletes (also of a case put in the same commit), two commits
 * between two searches; the counts equal a fresh reader's and the index
 * is not loaded again. A clear, or more commits behind than sets are
 * kept (16), loads it again. */
static void follow_change_sets(enum engine_kind k)
{
	static const char *const sectors[] = {"health", "education", "env-prot", "soc-pro"};
	char *dir = NULL, id[32], date[32];
	struct store *sw = tu_store_new(&dir), *sr = NULL;
	struct engine *w = NULL, *r = NULL;
	struct cl_errbuf eb = {0};
	unsigned long builds, deltas;
	int64_t seq = 1;

	cr_assert_eq(engine_open(k, dir, sw, 1, &w, &eb), CL_OK, "%s", eb.msg);
	for (int i = 0; i < 40; i++) {
		snprintf(id, sizeof id, "c-%03d", i);
		snprintf(date, sizeof date, "%d-01-01", 2015 + i % 8);
		put_case(w, id, sectors[i % 4], date);
	}
	cr_assert_eq(engine_commit(w, seq++, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(store_open(dir, 0, &sr, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(engine_open(k, dir, sr, 0, &r, &eb), CL_OK, "%s", eb.msg);
	as_fresh(k, dir, r, 1, "first load");

	for (int round = 1; round <= 5; round++) {
		for (int i = 0; i < 3; i++) { /* new cases */
			snprintf(id, sizeof id, "c-%03d", 40 + round * 3 + i);
			put_case(w, id, sectors[(round + i) % 4], "2024-05-01");
		}
		for (int i = round; i < 40; i += 6) { /* sectors and years change */
			snprintf(id, sizeof id, "c-%03d", i);
			snprintf(date, sizeof date, "%d-02-01", 2010 + round);
			put_case(w, id, sectors[(i + round) % 4], date);
		}
		snprintf(id, sizeof id, "c-%03d", round * 2); /* a delete */
		cr_assert_eq(engine_delete(w, id, &eb), CL_OK, "%s", eb.msg);
		put_case(w, "c-tmp", "health", "2020-01-01"); /* put and deleted at once */
		cr_assert_eq(engine_delete(w, "c-tmp", &eb), CL_OK, "%s", eb.msg);
		cr_assert_eq(engine_delete(w, "c-never", &eb), CL_OK, "%s", eb.msg);
		cr_assert_eq(engine_commit(w, seq++, &eb), CL_OK, "%s", eb.msg);
		if (round == 3) {
			put_case(w, "c-003", "health", "2001-01-01");
			cr_assert_eq(engine_commit(w, seq++, &eb), CL_OK, "%s", eb.msg);
		}
		as_fresh(k, dir, r, 1, "a round of changes");
	}
	engine_counting_stats(r, &builds, &deltas);
	cr_assert_eq(deltas, 6, "%s: %lu change sets applied", engine_kind_name(k), deltas);

	/* a clear: loaded again */
	cr_assert_eq(engine_clear(w, &eb), CL_OK, "%s", eb.msg);
	put_case(w, "c-after", "education", "2022-01-01");
	cr_assert_eq(engine_commit(w, seq++, &eb), CL_OK, "%s", eb.msg);
	as_fresh(k, dir, r, 2, "after a clear");
	/* more commits behind than sets are kept: loaded again */
	for (int i = 0; i < 20; i++) {
		snprintf(id, sizeof id, "c-late-%02d", i);
		put_case(w, id, sectors[i % 4], "2023-01-01");
		cr_assert_eq(engine_commit(w, seq++, &eb), CL_OK, "%s", eb.msg);
	}
	as_fresh(k, dir, r, 3, "20 commits behind");

	engine_close(r);
	engine_close(w);
	tu_store_drop(&sr, NULL);
	tu_store_drop(&sw, &dir);
}

Test(fcount, xapian_readers_apply_change_sets)
{
	follow_change_sets(ENGINE_XAPIAN);
}

Test(fcount, fts5_readers_apply_change_sets)
{
	follow_change_sets(ENGINE_FTS5);
}
