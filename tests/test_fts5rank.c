/* test_fts5rank.c — the FTS5 auxiliary function cl_bm25 (query/fts5rank.h)
 * on small tables with the caselib tokenizer and FTS5's default one:
 * without weights it is bm25() to the bit; a phrase's weight scales its
 * part of the score and nothing else; bad weight strings are SQL errors. */
#include <criterion/criterion.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "fts5rank.h"
#include "fts5tok.h"

#define MAXROWS 32

struct rows {
	int n;
	sqlite3_int64 id[MAXROWS];
	double s[MAXROWS];
};

static const char *const docs[][2] = {
	{"Skolmåltider i Östra Göinge", "Lunch för skolor och förskolor"},
	{"School meals", "Lunch for schools, cooked on site"},
	{"Snöröjning", "Vinterväghållning och snöröjning av gator"},
	{"Gatubelysning", "Belysning av gator och vägar, LED"},
	{"Skola och lunch", "Skolan serverar lunch varje dag; lunch, lunch"},
	{"Kontorsmaterial", "Papper och pennor till skolor"},
	{"Street lighting", "LED street lights for the school district"},
	{"Måltidsservice", "Måltider till äldreomsorg och skola"},
	{"Snow removal", "Snow clearing of streets and school yards"},
	{"Vägbelysning", "Belysning längs vägar"},
	{"Livsmedel", "Råvaror till skolmåltider"},
	{"Städning", "Lokalvård av förskolor"},
};

static sqlite3 *open_db(void)
{
	sqlite3 *db = NULL;
	struct cl_errbuf eb = {0};
	char *err = NULL;
	sqlite3_stmt *st = NULL;

	cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	cr_assert_eq(fts5tok_register(db, &eb), CL_OK, "register: %s", eb.msg);
	cr_assert_eq(fts5rank_register(db, &eb), CL_OK, "register: %s", eb.msg);
	cr_assert_eq(sqlite3_exec(db,
				  "CREATE VIRTUAL TABLE t USING fts5(title, body,"
				  " tokenize = 'caselib auto decompound');"
				  "CREATE VIRTUAL TABLE d USING fts5(title, body);",
				  NULL, NULL, &err),
		     SQLITE_OK, "%s", err ? err : "");
	for (const char *tab = "t"; tab; tab = *tab == 't' ? "d" : NULL) {
		char sql[96];
		snprintf(sql, sizeof sql, "INSERT INTO %s(title, body) VALUES(?1, ?2)", tab);
		cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
		for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
			sqlite3_bind_text(st, 1, docs[i][0], -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, docs[i][1], -1, SQLITE_STATIC);
			cr_assert_eq(sqlite3_step(st), SQLITE_DONE);
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
	}
	return db;
}

/* Rows of "SELECT rowid, <score> FROM <tab> WHERE <tab> MATCH ?1 ORDER BY
 * rowid" with ?2 bound to weights (NULL: SQL NULL). Returns the SQLite
 * code of the last step (SQLITE_DONE: all rows read); errmsg gets
 * SQLite's message on an error. */
static int run(sqlite3 *db, const char *tab, const char *score, const char *match,
	       const char *weights, struct rows *out, char *errmsg, size_t errsz)
{
	char sql[512];
	sqlite3_stmt *st = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	snprintf(sql, sizeof sql, "SELECT rowid, %s FROM %s WHERE %s MATCH ?1 ORDER BY rowid",
		 score, tab, tab);
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_text(st, 2, weights, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cr_assert_lt(out->n, MAXROWS);
		out->id[out->n] = sqlite3_column_int64(st, 0);
		out->s[out->n] = sqlite3_column_double(st, 1);
		out->n++;
	}
	if (errmsg)
		snprintf(errmsg, errsz, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

static void must_run(sqlite3 *db, const char *tab, const char *score, const char *match,
		     const char *weights, struct rows *out)
{
	char err[256];
	int rc = run(db, tab, score, match, weights, out, err, sizeof err);

	cr_assert_eq(rc, SQLITE_DONE, "%s on '%s' (weights %s): %s", score, match,
		     weights ? weights : "NULL", err);
	cr_assert_gt(out->n, 0, "'%s' matches rows of %s", match, tab);
}

/* (a) No weights (NULL, '', all 1, or no argument) is bm25() to the bit,
 * with and without column weights, on OR, AND, NOT, phrase, column filter
 * and prefix queries, with both tokenizers. */
Test(fts5rank, no_weights_is_bm25_to_the_bit)
{
	static const char *const queries[] = {
		"skola", "lunch OR skola", "lunch AND skola", "(lunch OR school) AND skola",
		"lunch NOT måltider", "\"street lighting\" OR belysning", "{title} : lunch OR gator",
		"skol*", "sch* OR snö*", "led",
	};
	static const struct {
		const char *bm25, *mine, *weights; /* the arguments after the table */
	} forms[] = {
		{"", ", ?2", NULL},
		{"", "", NULL},
		{", 10.0, 1.0", ", ?2, 10.0, 1.0", NULL},
		{", 10.0, 1.0", ", ?2, 10.0, 1.0", ""},
		{", 4.0, 2.0", ", ?2, 4.0, 2.0", "1 1 1 1 1 1"},
		{", 0.5", ", ?2, 0.5", "1"},
	};
	sqlite3 *db = open_db();
	int compared = 0;

	for (const char *tab = "t"; tab; tab = *tab == 't' ? "d" : NULL)
		for (size_t q = 0; q < sizeof queries / sizeof *queries; q++)
			for (size_t k = 0; k < sizeof forms / sizeof *forms; k++) {
				struct rows want, got;
				char a[64], b[64];
				snprintf(a, sizeof a, "bm25(%s%s)", tab, forms[k].bm25);
				snprintf(b, sizeof b, "cl_bm25(%s%s)", tab, forms[k].mine);
				if (run(db, tab, a, queries[q], NULL, &want, NULL, 0) != SQLITE_DONE ||
				    want.n == 0)
					continue; /* a query the default tokenizer cannot match */
				must_run(db, tab, b, queries[q], forms[k].weights, &got);
				cr_assert_eq(got.n, want.n);
				for (int i = 0; i < want.n; i++) {
					cr_assert_eq(got.id[i], want.id[i]);
					cr_assert(fabs(got.s[i] - want.s[i]) < 1e-9,
						  "%s '%s' row %lld: %.17g, bm25 %.17g", b, queries[q],
						  (long long)want.id[i], got.s[i], want.s[i]);
					cr_assert_eq(memcmp(&got.s[i], &want.s[i], sizeof(double)), 0,
						     "%s '%s' row %lld: %.17g is not bm25's %.17g to the bit",
						     b, queries[q], (long long)want.id[i], got.s[i],
						     want.s[i]);
					compared++;
				}
			}
	cr_assert_gt(compared, 150, "only %d scores compared", compared);
	sqlite3_close(db);
}

/* The scores of "lunch OR belysning" on t: phrase 0 is lunch, 1 belysning
 * (FTS5 numbers phrases in the order they stand in the expression). */
static void scores(sqlite3 *db, const char *match, const char *weights, struct rows *out)
{
	must_run(db, "t", "cl_bm25(t, ?2, 3.0, 1.0)", match, weights, out);
}

static int matches_only(sqlite3 *db, const char *word, const char *other, sqlite3_int64 rid)
{
	char q[128];
	struct rows r;

	snprintf(q, sizeof q, "%s NOT %s", word, other);
	if (run(db, "t", "0", q, NULL, &r, NULL, 0) != SQLITE_DONE)
		return 0;
	for (int i = 0; i < r.n; i++)
		if (r.id[i] == rid)
			return 1;
	return 0;
}

/* (b) "1 0.5" on a OR b: a row with only b scores exactly half, a row with
 * only a the same, a row with both a's part plus half b's. Also with the
 * phrases the other way round: the weights follow the phrase order. */
Test(fts5rank, weight_scales_its_phrase_only)
{
	sqlite3 *db = open_db();
	struct rows plain, half, a_only, b_only, swapped;
	int n_a = 0, n_b = 0, n_ab = 0;

	scores(db, "lunch OR belysning", NULL, &plain);
	scores(db, "lunch OR belysning", "1 0.5", &half);
	scores(db, "lunch OR belysning", "1 0", &a_only);
	scores(db, "lunch OR belysning", "0 1", &b_only);
	scores(db, "belysning OR lunch", "0.5 1", &swapped);
	cr_assert_eq(half.n, plain.n);
	cr_assert_eq(swapped.n, plain.n);
	for (int i = 0; i < plain.n; i++) {
		sqlite3_int64 rid = plain.id[i];
		int has_a = !matches_only(db, "belysning", "lunch", rid);
		int has_b = !matches_only(db, "lunch", "belysning", rid);
		cr_assert_eq(half.id[i], rid);
		cr_assert_eq(swapped.s[i], half.s[i], "row %lld: the weights follow the phrase order",
			     (long long)rid);
		if (has_a && !has_b) {
			cr_assert_eq(half.s[i], plain.s[i], "row %lld has only lunch", (long long)rid);
			n_a++;
		} else if (has_b && !has_a) {
			cr_assert_lt(plain.s[i], 0.0);
			cr_assert_eq(half.s[i], plain.s[i] / 2, "row %lld has only belysning: %.17g",
				     (long long)rid, half.s[i]);
			n_b++;
		} else {
			cr_assert(fabs(half.s[i] - (a_only.s[i] + 0.5 * b_only.s[i])) < 1e-12,
				  "row %lld has both", (long long)rid);
			cr_assert_lt(half.s[i], a_only.s[i]);
			cr_assert_gt(half.s[i], plain.s[i]);
			n_ab++;
		}
	}
	cr_assert(n_a > 0 && n_b > 0, "rows with only lunch (%d) and only belysning (%d)", n_a,
		  n_b);
	(void)n_ab;
	sqlite3_close(db);
}

/* (c) Weight 0: the phrase adds nothing; the other phrases keep their
 * full part (a missing number is 1). */
Test(fts5rank, weight_zero_adds_nothing)
{
	sqlite3 *db = open_db();
	struct rows plain, zero, other;
	int seen = 0;

	scores(db, "skolmåltider OR snöröjning", NULL, &plain);
	scores(db, "skolmåltider OR snöröjning", "0", &zero);
	scores(db, "snöröjning", NULL, &other);
	cr_assert_eq(zero.n, plain.n, "weight 0 changes scores, not the match set");
	for (int i = 0, j = 0; i < zero.n; i++) {
		while (j < other.n && other.id[j] < zero.id[i])
			j++;
		if (j < other.n && other.id[j] == zero.id[i]) {
			/* a snöröjning row: its part as in the OR query */
			cr_assert_lt(zero.s[i], 0.0);
			continue;
		}
		cr_assert_eq(zero.s[i], 0.0, "row %lld has only skolmåltider: %.17g",
			     (long long)zero.id[i], zero.s[i]);
		cr_assert_lt(plain.s[i], 0.0);
		seen++;
	}
	cr_assert_gt(seen, 0);
	sqlite3_close(db);
}

static void expect_error(sqlite3 *db, const char *weights, const char *what)
{
	struct rows r;
	char err[256];
	int rc = run(db, "t", "cl_bm25(t, ?2, 2.0, 1.0)", "lunch OR skola", weights, &r, err,
		     sizeof err);

	cr_assert_eq(rc, SQLITE_ERROR, "weights '%s' are refused (got %d, %d rows)", weights, rc,
		     r.n);
	cr_assert_not_null(strstr(err, "cl_bm25: "), "'%s': %s", weights, err);
	cr_assert_not_null(strstr(err, what), "'%s': '%s' says '%s'", weights, err, what);
}

/* (d) Malformed weights are an SQL error with a message that names the bad
 * number; the connection stays usable. */
Test(fts5rank, bad_weights_are_sql_errors)
{
	sqlite3 *db = open_db();
	struct rows r;

	expect_error(db, "x", "weight 1 'x' is not a decimal number");
	expect_error(db, "1 x", "weight 2 'x' is not a decimal number");
	expect_error(db, "-1", "weight 1 '-1' is negative");
	expect_error(db, "1 -0.5", "weight 2 '-0.5' is negative");
	expect_error(db, "1e400", "weight 1 '1e400' is above 100");
	expect_error(db, "100.5", "is above 100");
	expect_error(db, "nan", "'nan' is not a decimal number");
	expect_error(db, "NaN", "is not a decimal number");
	expect_error(db, "inf", "is not a decimal number");
	expect_error(db, "0x10", "is not a decimal number");
	expect_error(db, "1,5", "is not a decimal number");
	expect_error(db, "1e", "is not a decimal number");
	expect_error(db, ".", "is not a decimal number");
	expect_error(db, "1  2", "single spaces");
	expect_error(db, " 1", "single spaces");
	expect_error(db, "1 ", "single spaces");
	expect_error(db, "1\t2", "is not a decimal number");
	expect_error(db, "12345678901234567890123456789012345678901234567890123456789012345678",
		     "is not a decimal number");
	/* the edges and the other accepted forms */
	must_run(db, "t", "cl_bm25(t, ?2)", "lunch OR skola", "100 0", &r);
	must_run(db, "t", "cl_bm25(t, ?2)", "lunch OR skola", ".5 5. 1e1 2.5E-1 0.0", &r);
	must_run(db, "t", "cl_bm25(t, ?2)", "lunch OR skola", "-0", &r);
	sqlite3_close(db);
}

/* (e) More numbers than phrases: the extra ones are read (and must be
 * numbers) but change nothing. */
Test(fts5rank, extra_weights_are_ignored)
{
	sqlite3 *db = open_db();
	struct rows plain, extra;
	char err[256];

	scores(db, "lunch", NULL, &plain);
	scores(db, "lunch", "1 0 0 0.5", &extra);
	cr_assert_eq(extra.n, plain.n);
	for (int i = 0; i < plain.n; i++)
		cr_assert_eq(extra.s[i], plain.s[i]);
	cr_assert_eq(run(db, "t", "cl_bm25(t, ?2)", "lunch", "1 0 x", &extra, err, sizeof err),
		     SQLITE_ERROR);
	cr_assert_not_null(strstr(err, "weight 3 'x'"), "%s", err);
	sqlite3_close(db);
}

/* Two cl_bm25 calls with other weights in one statement share FTS5's
 * per-query data: each still gets its own weights. */
Test(fts5rank, two_calls_in_one_statement)
{
	sqlite3 *db = open_db();
	sqlite3_stmt *st = NULL;
	struct rows one, half;
	int n = 0;

	scores(db, "lunch OR belysning", "1 1", &one);
	scores(db, "lunch OR belysning", "0.5 0.5", &half);
	cr_assert_eq(sqlite3_prepare_v2(db,
					"SELECT rowid, cl_bm25(t, '1 1', 3.0, 1.0),"
					" cl_bm25(t, '0.5 0.5', 3.0, 1.0) FROM t"
					" WHERE t MATCH 'lunch OR belysning' ORDER BY rowid",
					-1, &st, NULL),
		     SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cr_assert_lt(n, one.n);
		cr_assert_eq(sqlite3_column_double(st, 1), one.s[n]);
		cr_assert_eq(sqlite3_column_double(st, 2), half.s[n]);
		cr_assert_eq(half.s[n], one.s[n] / 2);
		n++;
	}
	cr_assert_eq(n, one.n);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

Test(fts5rank, register_needs_a_database)
{
	struct cl_errbuf eb = {0};

	cr_assert_eq(fts5rank_register(NULL, &eb), CL_EINVAL);
	cr_assert_not_null(strstr(eb.msg, "no database"), "%s", eb.msg);
}

/* FTS5 numbers the phrases in the order they stand in the expression text,
 * NOT clauses included, whatever the nesting: in the engine's shapes (each
 * clause an OR of alternatives, the clauses ANDed or, in the OR pass, ORed,
 * the NOTs last), the weight vector with a 1 at phrase j alone scores
 * exactly the rows that contain phrase j's words. (In other shapes a phrase
 * in a branch that did not match adds nothing even where its words are:
 * bm25() counts only the instances FTS5 reports.) */
Test(fts5rank, phrases_are_numbered_in_text_order)
{
	static const char *const phrase[] = {"lunch", "school", "skola", "\"street lights\"",
					     "belysning", "snö"};
	static const char *const exprs[] = {
		"(\"lunch\" OR \"school\") AND (\"skola\" OR \"street lights\" OR \"belysning\")"
		" NOT (\"snö\")",
		"(\"lunch\" OR \"school\") OR (\"skola\" OR \"street lights\" OR \"belysning\")"
		" NOT (\"snö\")",
	};
	enum { NP = sizeof phrase / sizeof *phrase };
	sqlite3 *db = open_db();
	struct rows all, one, has;

	for (size_t e = 0; e < sizeof exprs / sizeof *exprs; e++) {
		int nonzero = 0;
		scores(db, exprs[e], NULL, &all);
		for (int j = 0; j < NP; j++) {
			char w[2 * NP];
			for (int k = 0; k < NP; k++) {
				w[2 * k] = k == j ? '1' : '0';
				w[2 * k + 1] = k + 1 < NP ? ' ' : '\0';
			}
			scores(db, exprs[e], w, &one);
			cr_assert_eq(run(db, "t", "0", phrase[j], NULL, &has, NULL, 0), SQLITE_DONE);
			cr_assert_eq(one.n, all.n);
			for (int i = 0, h = 0; i < one.n; i++) {
				int contains;
				while (h < has.n && has.id[h] < one.id[i])
					h++;
				contains = h < has.n && has.id[h] == one.id[i];
				cr_assert_eq(one.s[i] < 0.0, contains,
					     "'%s' weights '%s', row %lld: score %g, contains %s: %d",
					     exprs[e], w, (long long)one.id[i], one.s[i], phrase[j],
					     contains);
				nonzero += contains;
			}
		}
		cr_assert_gt(nonzero, 4, "'%s': %d", exprs[e], nonzero);
	}
	sqlite3_close(db);
}
