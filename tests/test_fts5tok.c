/* test_fts5tok.c — the FTS5 tokenizer "caselib" (query/fts5tok.h) in a real
 * SQLite FTS5 table filled with the 18,421 real Swedish procurement titles
 * of se-procurements-2021: stemming, decompounding, phrases, prefixes,
 * bm25, highlight/snippet offsets, and hostile MATCH strings. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fts5tok.h"
#include "testutil.h"
#include "textan.h"

/* ---- a tiny RFC 4180 reader for one column of the statistics CSV -------- */

struct titles {
	char **v;
	size_t n, cap;
};

static void titles_add(struct titles *t, const char *s, size_t len)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1024;
		t->v = realloc(t->v, t->cap * sizeof *t->v);
		cr_assert_not_null(t->v);
	}
	t->v[t->n] = strndup(s, len);
	cr_assert_not_null(t->v[t->n]);
	t->n++;
}

/* Reads the column named col of every record (quoted fields with commas,
 * doubled quotes and line breaks are handled). */
static void load_column(const char *rel, const char *col, struct titles *out)
{
	char *path = tu_shared(rel), *data;
	size_t len = 0, i = 0, field = 0, want = (size_t)-1, row = 0;
	char *cell = NULL;
	size_t cl = 0, ccap = 0;

	data = tu_read_file(path, &len);
	cr_assert_not_null(data, "cannot read %s", path);
	memset(out, 0, sizeof *out);
	while (i <= len) {
		int end_field = 0, end_row = 0;
		if (i == len) {
			end_field = end_row = 1;
		} else if (data[i] == '"' && cl == 0) {
			/* quoted field */
			for (i++; i < len; i++) {
				if (data[i] == '"') {
					if (i + 1 < len && data[i + 1] == '"') {
						i++;
					} else {
						break;
					}
				}
				if (cl + 1 >= ccap) {
					ccap = ccap ? ccap * 2 : 256;
					cell = realloc(cell, ccap);
				}
				cell[cl++] = data[i];
			}
			i++; /* closing quote */
			continue;
		} else if (data[i] == ',') {
			end_field = 1;
		} else if (data[i] == '\n' || data[i] == '\r') {
			end_field = end_row = 1;
			if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
				i++;
		} else {
			if (cl + 1 >= ccap) {
				ccap = ccap ? ccap * 2 : 256;
				cell = realloc(cell, ccap);
			}
			cell[cl++] = data[i];
		}
		i++;
		if (!end_field)
			continue;
		if (row == 0 && cl == strlen(col) && memcmp(cell, col, cl) == 0)
			want = field;
		else if (row > 0 && field == want)
			titles_add(out, cell ? cell : "", cl);
		cl = 0;
		field++;
		if (end_row) {
			if (row == 0)
				cr_assert_neq(want, (size_t)-1, "no column '%s' in %s", col, rel);
			if (field > 1)
				row++;
			field = 0;
		}
	}
	free(cell);
	free(data);
	free(path);
}

static void titles_free(struct titles *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
}

/* ---- database helpers ------------------------------------------------------ */

static sqlite3 *open_db(void)
{
	sqlite3 *db = NULL;
	struct cl_errbuf eb = {0};

	cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	cr_assert_eq(fts5tok_register(db, &eb), CL_OK, "register: %s", eb.msg);
	return db;
}

static void exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &err), SQLITE_OK, "%s: %s", sql,
		     err ? err : "");
}

static void insert(sqlite3 *db, const char *table, sqlite3_int64 rowid, const char *title,
		   const char *body)
{
	char *sql = sqlite3_mprintf("INSERT INTO %s(rowid, title, body) VALUES(?1, ?2, ?3)", table);
	sqlite3_stmt *st = NULL;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s",
		     sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, rowid);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	cr_assert_eq(sqlite3_step(st), SQLITE_DONE, "insert: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_free(sql);
}

/* The real titles get rowid = 1 + their index; hand-made rows live at
 * FIXTURE and above. */
#define FIXTURE 100000

static struct titles g_titles;

static void fill(sqlite3 *db, const char *table)
{
	exec(db, "BEGIN");
	for (size_t i = 0; i < g_titles.n; i++)
		insert(db, table, (sqlite3_int64)i + 1, g_titles.v[i], "");
	exec(db, "COMMIT");
}

static void load_titles(void)
{
	load_column("se-procurements-2021/number_of_procurements.csv", "Upphandlingens titel",
		    &g_titles);
}

static void setup_sv(void)
{
	load_titles();
}

static void teardown_sv(void)
{
	titles_free(&g_titles);
}

/* Runs a MATCH query on table; returns a malloc'd bitmap over rowids
 * 0..FIXTURE+99 (1 = hit) and the hit count. rc (may be NULL) gets the
 * final sqlite3_step code. */
#define MAXROW (FIXTURE + 100)

static unsigned char *match(sqlite3 *db, const char *table, const char *q, size_t *count)
{
	char *sql = sqlite3_mprintf("SELECT rowid FROM %s WHERE %s MATCH ?1", table, table);
	sqlite3_stmt *st = NULL;
	unsigned char *hits = calloc(MAXROW, 1);
	int rc;

	cr_assert_not_null(hits);
	*count = 0;
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0);
		cr_assert(id > 0 && id < MAXROW);
		hits[id] = 1;
		(*count)++;
	}
	cr_assert_eq(rc, SQLITE_DONE, "MATCH '%s': %s", q, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return hits;
}

/* Oracle, independent of the tokenizer: does the folded text contain word
 * (folded) at a word start, followed by one of the endings (NULL-ended
 * list; NULL list = any continuation)? Word characters are ASCII letters
 * and digits and every non-ASCII byte but the Unicode spaces, which the
 * titles do use (U+00A0 between every word of some). */
static int is_wordc(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static void blank_spaces(char *f)
{
	for (unsigned char *p = (unsigned char *)f; *p; p++) {
		if (p[0] == 0xC2 && p[1] == 0xA0) {
			p[0] = p[1] = ' ';
		} else if (p[0] == 0xE2 && p[1] == 0x80 && p[2] &&
			   ((p[2] >= 0x80 && p[2] <= 0x8A) || p[2] == 0xAF)) {
			p[0] = p[1] = p[2] = ' ';
		} else if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) {
			p[0] = p[1] = p[2] = ' ';
		}
	}
}

static int has_word(const char *text, const char *word, const char *const *endings)
{
	char *f = NULL;
	size_t wl = strlen(word);
	int found = 0;

	cr_assert_eq(ta_fold(text, strlen(text), &f, NULL), CL_OK);
	blank_spaces(f);
	for (const char *p = strstr(f, word); p && !found; p = strstr(p + 1, word)) {
		const char *e = p + wl;
		size_t rest = 0;
		if (p > f && is_wordc((unsigned char)p[-1]))
			continue;
		while (is_wordc((unsigned char)e[rest]))
			rest++;
		if (!endings) {
			found = 1;
			break;
		}
		for (size_t i = 0; endings[i]; i++)
			if (strlen(endings[i]) == rest && memcmp(e, endings[i], rest) == 0)
				found = 1;
	}
	free(f);
	return found;
}

static int contains_folded(const char *text, const char *needle)
{
	char *f = NULL;
	int r;

	cr_assert_eq(ta_fold(text, strlen(text), &f, NULL), CL_OK);
	r = strstr(f, needle) != NULL;
	free(f);
	return r;
}

static char *query_text(sqlite3 *db, const char *sql, const char *q)
{
	sqlite3_stmt *st = NULL;
	char *out = NULL;

	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s",
		     sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s / %s: %s", sql, q, sqlite3_errmsg(db));
	out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

/* ---- registration and arguments ------------------------------------------ */

Test(fts5tok, arguments)
{
	static const char *const good[] = {
		"caselib", "caselib sv", "caselib en", "caselib auto", "caselib none",
		"caselib sv decompound", "caselib sv decompound nostop nostem nosurface",
		"caselib decompound en",
	};
	static const char *const bad[] = { "caselib fi", "caselib sv decompose", "caselib sv -" };
	sqlite3 *db = open_db();
	struct cl_errbuf eb = {0};
	char *err = NULL;

	/* a second registration replaces the first */
	cr_assert_eq(fts5tok_register(db, &eb), CL_OK);
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char *sql = sqlite3_mprintf("CREATE VIRTUAL TABLE g%d USING fts5(a, tokenize=%Q);"
					    "INSERT INTO g%d VALUES('Ramavtal för skolmåltider');",
					    (int)i, good[i], (int)i);
		exec(db, sql);
		sqlite3_free(sql);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *sql = sqlite3_mprintf("CREATE VIRTUAL TABLE b%d USING fts5(a, tokenize=%Q)",
					    (int)i, bad[i]);
		cr_expect_neq(sqlite3_exec(db, sql, NULL, NULL, &err), SQLITE_OK, "%s", bad[i]);
		sqlite3_free(err);
		err = NULL;
		sqlite3_free(sql);
	}
	cr_assert_eq(fts5tok_register(NULL, &eb), CL_EINVAL);
	sqlite3_close(db);
}

Test(fts5tok, unregistered_tokenizer_is_an_error)
{
	sqlite3 *db = NULL;
	char *err = NULL;

	cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
	cr_assert_neq(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(a, tokenize='caselib')",
				   NULL, NULL, &err), SQLITE_OK);
	sqlite3_free(err);
	sqlite3_close(db);
}

/* ---- searching the real titles ------------------------------------------- */

Test(fts5tok, stemmed_search_over_real_titles, .init = setup_sv, .fini = teardown_sv)
{
	static const char *const rav_endings[] = { "", "et", "en", "ets", "ens", "s", NULL };
	sqlite3 *db = open_db();
	unsigned char *hits;
	size_t n = 0, expect = 0;

	cr_assert_eq(g_titles.n, 18421);
	cr_assert_str_eq(g_titles.v[0], "Revisionstjänster Lunds Rådhus AB med dotterbolag");
	exec(db, "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='caselib sv decompound')");
	fill(db, "t");
	/* the titles use the base form; these rows (hand-made) the inflections */
	insert(db, "t", FIXTURE + 1, "Förlängning av ramavtalet för skolskjuts", "");
	insert(db, "t", FIXTURE + 2, "Ramavtalen för tolktjänster", "");
	insert(db, "t", FIXTURE + 3, "Ramavtalets omfattning", "");

	hits = match(db, "t", "ramavtal", &n);
	for (size_t i = 0; i < g_titles.n; i++)
		if (has_word(g_titles.v[i], "ramavtal", rav_endings)) {
			expect++;
			cr_expect(hits[i + 1], "not found: %s", g_titles.v[i]);
		}
	cr_assert_gt(expect, 1000);
	cr_assert(hits[FIXTURE + 1] && hits[FIXTURE + 2] && hits[FIXTURE + 3]);
	free(hits);

	/* "RAMAVTALET" in a query is the same term */
	hits = match(db, "t", "RAMAVTALET", &n);
	cr_assert(hits[FIXTURE + 1] && hits[FIXTURE + 2] && hits[FIXTURE + 3]);
	cr_assert_geq(n, expect + 3);
	free(hits);
	sqlite3_close(db);
}

Test(fts5tok, for_is_not_for, .init = setup_sv, .fini = teardown_sv)
{
	static const char *const exact[] = { "", NULL };
	sqlite3 *db = open_db();
	unsigned char *hits;
	size_t n = 0, with_for = 0, with_for_only = 0;

	exec(db, "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='caselib sv nostop');"
		 "CREATE VIRTUAL TABLE s USING fts5(title, body, tokenize='caselib sv')");
	fill(db, "t");
	fill(db, "s");

	/* every title with the word "för" is found; every hit has a word
	 * starting with "för" (its stem: "föra" stems to "för" too); no title
	 * that has "for" but no "för..." word is among them */
	hits = match(db, "t", "för", &n);
	for (size_t i = 0; i < g_titles.n; i++) {
		const char *ti = g_titles.v[i];
		if (has_word(ti, "för", exact))
			cr_expect(hits[i + 1], "'för' missed: %s", ti);
		if (hits[i + 1])
			cr_expect(has_word(ti, "för", NULL), "'för' matched: %s", ti);
		if (has_word(ti, "for", exact) && !has_word(ti, "för", NULL)) {
			with_for_only++;
			cr_expect(!hits[i + 1], "'för' matched 'for': %s", ti);
		}
	}
	cr_assert_gt(n, 1000);
	cr_assert_gt(with_for_only, 10, "the data has English titles with 'for'");
	free(hits);

	hits = match(db, "t", "FOR", &n);
	for (size_t i = 0; i < g_titles.n; i++) {
		const char *ti = g_titles.v[i];
		if (has_word(ti, "for", exact)) {
			with_for++;
			cr_expect(hits[i + 1], "'for' missed: %s", ti);
		}
		if (hits[i + 1])
			cr_expect(has_word(ti, "for", NULL), "'for' matched: %s", ti);
	}
	cr_assert_gt(with_for, 10);
	free(hits);

	/* with stopwords, "för" is not searchable at all, "for" still is */
	hits = match(db, "s", "för", &n);
	cr_assert_eq(n, 0);
	free(hits);
	hits = match(db, "s", "for", &n);
	cr_assert_geq(n, with_for);
	free(hits);
	sqlite3_close(db);
}

Test(fts5tok, compound_heads_are_found, .init = setup_sv, .fini = teardown_sv)
{
	sqlite3 *db = open_db();
	unsigned char *hits;
	size_t n = 0, expect = 0;
	char *p1 = tu_shared("sv-gov-texts/uppdrag-om-innovationsupphandling-2012.md");
	char *gov = tu_read_file(p1, NULL);

	cr_assert_not_null(gov);
	exec(db, "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='caselib sv decompound');"
		 "CREATE VIRTUAL TABLE p USING fts5(title, body, tokenize='caselib sv')");
	fill(db, "t");
	fill(db, "p");
	insert(db, "t", FIXTURE + 1, "Regeringsuppdrag", gov);
	insert(db, "p", FIXTURE + 1, "Regeringsuppdrag", gov);

	hits = match(db, "t", "måltider", &n);
	for (size_t i = 0; i < g_titles.n; i++)
		if (contains_folded(g_titles.v[i], "skolmåltid")) {
			expect++;
			cr_expect(hits[i + 1], "not found: %s", g_titles.v[i]);
		}
	cr_assert_geq(expect, 3);
	free(hits);

	/* without decompounding, the head alone does not find the compounds */
	hits = match(db, "p", "måltider", &n);
	for (size_t i = 0; i < g_titles.n; i++)
		if (contains_folded(g_titles.v[i], "skolmåltid"))
			cr_expect(!hits[i + 1]);
	free(hits);

	hits = match(db, "t", "upphandlingar", &n);
	for (size_t i = 0; i < g_titles.n; i++)
		if (contains_folded(g_titles.v[i], "innovationsupphandling"))
			cr_expect(hits[i + 1], "not found: %s", g_titles.v[i]);
	cr_assert(hits[FIXTURE + 1]);
	free(hits);
	free(gov);
	free(p1);
	sqlite3_close(db);
}

Test(fts5tok, phrases, .init = setup_sv, .fini = teardown_sv)
{
	sqlite3 *db = open_db();
	unsigned char *hits;
	size_t n = 0;
	sqlite3_int64 slam = 0;

	exec(db, "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='caselib sv decompound')");
	fill(db, "t");
	for (size_t i = 0; i < g_titles.n && !slam; i++)
		if (strcmp(g_titles.v[i], "Ramavtal för slamtömning av enskilda avlopp") == 0)
			slam = (sqlite3_int64)i + 1;
	cr_assert_gt(slam, 0);

	hits = match(db, "t", "\"Lunds Rådhus\"", &n);
	cr_assert(hits[1]);
	free(hits);
	hits = match(db, "t", "\"rådhus lunds\"", &n);
	cr_assert(!hits[1]);
	free(hits);
	/* stopwords take no position: the phrase holds with and without them */
	hits = match(db, "t", "\"slamtömning av enskilda avlopp\"", &n);
	cr_assert(hits[slam]);
	free(hits);
	hits = match(db, "t", "\"slamtömning enskilda avlopp\"", &n);
	cr_assert(hits[slam]);
	free(hits);
	hits = match(db, "t", "\"avlopp enskilda\"", &n);
	cr_assert(!hits[slam]);
	free(hits);
	/* a hyphenated word is a phrase of its parts */
	insert(db, "t", FIXTURE + 1, "Drift av e-tjänst för bygglov", "");
	hits = match(db, "t", "\"e-tjänst\"", &n);
	cr_assert(hits[FIXTURE + 1]);
	free(hits);
	sqlite3_close(db);
}

Test(fts5tok, prefix_queries, .init = setup_sv, .fini = teardown_sv)
{
	sqlite3 *db = open_db();
	unsigned char *hits;
	size_t n = 0, expect = 0;

	exec(db, "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='caselib sv decompound')");
	fill(db, "t");
	hits = match(db, "t", "upphandl*", &n);
	for (size_t i = 0; i < g_titles.n; i++) {
		if (has_word(g_titles.v[i], "upphandl", NULL)) {
			expect++;
			cr_expect(hits[i + 1], "not found: %s", g_titles.v[i]);
		}
		if (hits[i + 1])
			cr_expect(contains_folded(g_titles.v[i], "upphandl"), "matched: %s",
				  g_titles.v[i]);
	}
	cr_assert_gt(expect, 500);
	cr_assert_geq(n, expect);
	free(hits);

	/* a prefix longer than the stem still finds the inflected form (the
	 * surface form is indexed beside the stem) */
	hits = match(db, "t", "upphandlingar*", &n);
	for (size_t i = 0; i < g_titles.n; i++)
		if (has_word(g_titles.v[i], "upphandlingar", NULL))
			cr_expect(hits[i + 1], "not found: %s", g_titles.v[i]);
	cr_assert_gt(n, 0);
	free(hits);
	sqlite3_close(db);
}

Test(fts5tok, prefix_is_not_stemmed_surface_forms_make_it_work)
{
	sqlite3 *db = open_db();
	unsigned char *hits;
	size_t n = 0;

	exec(db, "CREATE VIRTUAL TABLE e USING fts5(title, body, tokenize='caselib en');"
		 "CREATE VIRTUAL TABLE ns USING fts5(title, body, tokenize='caselib en nosurface')");
	insert(db, "e", 1, "Data policy for public bodies", "");
	insert(db, "ns", 1, "Data policy for public bodies", "");
	/* stems: "polici", "bodi"; "policy*" is not stemmed */
	hits = match(db, "e", "policy*", &n);
	cr_assert_eq(n, 1);
	free(hits);
	hits = match(db, "ns", "policy*", &n);
	cr_assert_eq(n, 0, "without surface forms an unstemmed prefix misses 'polici'");
	free(hits);
	hits = match(db, "ns", "polic*", &n);
	cr_assert_eq(n, 1);
	free(hits);
	hits = match(db, "ns", "policies", &n);
	cr_assert_eq(n, 1);
	free(hits);
	sqlite3_close(db);
}

Test(fts5tok, bm25_ranks_title_hits_first)
{
	sqlite3 *db = open_db();
	sqlite3_stmt *st = NULL;
	sqlite3_int64 order[8];
	double score[8];
	int n = 0;

	exec(db, "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='caselib sv decompound')");
	insert(db, "t", 1, "Kontorsmaterial", "Leverans av papper och pennor");
	insert(db, "t", 2, "Livsmedel", "Råvaror till skolmåltider och äldreomsorg");
	insert(db, "t", 3, "Skolmåltider i Östra Göinge", "Tillagning av måltider");
	insert(db, "t", 4, "Städning", "Lokalvård av skolor");
	insert(db, "t", 5, "Måltider", "Måltider, måltider och måltidsservice");
	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT rowid, bm25(t, 10.0, 1.0) FROM t "
					"WHERE t MATCH 'måltider' ORDER BY bm25(t, 10.0, 1.0)",
					-1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW && n < 8) {
		order[n] = sqlite3_column_int64(st, 0);
		score[n] = sqlite3_column_double(st, 1);
		n++;
	}
	sqlite3_finalize(st);
	cr_assert_eq(n, 3, "rows 2, 3, 5 mention måltider");
	cr_assert_eq(order[0], 5);
	cr_assert_eq(order[1], 3);
	cr_assert_eq(order[2], 2, "a body-only hit ranks last");
	for (int i = 0; i < n; i++)
		cr_assert_lt(score[i], 0.0);
	cr_assert_lt(score[0], score[1]);
	cr_assert_lt(score[1], score[2]);
	sqlite3_close(db);
}

/* Marks needle inside text with [ ] at the byte positions where it occurs
 * in the ORIGINAL text. */
static char *mark(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);
	char *out = NULL;

	cr_assert_not_null(p, "%s not in %s", needle, text);
	cr_assert(asprintf(&out, "%.*s[%s]%s", (int)(p - text), text, needle,
			   p + strlen(needle)) > 0);
	return out;
}

Test(fts5tok, highlight_and_snippet_offsets_in_multibyte_text)
{
	static const struct { const char *title, *q, *marked; } cases[] = {
		{ "Revisionstjänster Lunds Rådhus AB med dotterbolag", "rådhus", "Rådhus" },
		{ "Revisionstjänster Lunds Rådhus AB med dotterbolag", "tjänster", "Revisionstjänster" },
		{ "Upphandling av skolmåltider för Östra Göinge", "östra", "Östra" },
		{ "Upphandling av skolmåltider för Östra Göinge", "göinge", "Göinge" },
		{ "Upphandling av skolmåltider för Östra Göinge", "måltid", "skolmåltider" },
		{ "Upphandling av skolmåltider för Östra Göinge", "\"skolmåltid östra\"",
		  "skolmåltider för Östra" },
		{ "Tjänster – Sta\xCC\x8Angby skola", "stångby", "Sta\xCC\x8Angby" },
		{ "IT\xC2\xAD" "säkerhet för EU:s myndigheter", "eu", "EU" },
		{ "IT\xC2\xAD" "säkerhet för EU:s myndigheter", "itsäkerhet", "IT\xC2\xAD" "säkerhet" },
	};
	sqlite3 *db = open_db();
	char *p1 = tu_shared("sv-gov-texts/dir-2009-104.md");
	char *body = tu_read_file(p1, NULL);
	char *snip, *plain;
	size_t j = 0;

	cr_assert_not_null(body);
	exec(db, "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='caselib sv decompound')");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *want = mark(cases[i].title, cases[i].marked), *got;
		exec(db, "DELETE FROM t");
		insert(db, "t", 1, cases[i].title, "");
		got = query_text(db, "SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH ?1",
				 cases[i].q);
		cr_expect_str_eq(got, want, "query %s", cases[i].q);
		free(got);
		free(want);
	}

	/* snippet from a real Swedish text: without its markers it is a piece
	 * of the original, and a marked word is an inflection of the query */
	exec(db, "DELETE FROM t");
	insert(db, "t", 1, "Dir. 2009:104", body);
	snip = query_text(db, "SELECT snippet(t, 1, '[', ']', '', 12) FROM t WHERE t MATCH ?1",
			  "innovationsupphandlingar");
	cr_assert(strstr(snip, "[") != NULL, "snippet: %s", snip);
	plain = malloc(strlen(snip) + 1);
	for (size_t i = 0; snip[i]; i++)
		if (snip[i] != '[' && snip[i] != ']')
			plain[j++] = snip[i];
	plain[j] = '\0';
	cr_assert(strstr(body, plain) != NULL, "snippet is not a piece of the text: %s", snip);
	cr_assert(contains_folded(strchr(snip, '['), "[innovationsupphandling"), "%s", snip);
	free(plain);
	free(snip);
	free(body);
	free(p1);
	sqlite3_close(db);
}

Test(fts5tok, hostile_match_strings_are_errors_not_crashes)
{
	static const char *const must_fail[] = {
		"\"unbalanced", "NEAR(", "*", "nosuchcolumn: upphandling", "NEAR(a b", "(ramavtal",
		"ramavtal)", "AND", "ramavtal OR", "title:", "\"", "^", "NOT ramavtal", "",
	};
	static const char *const may_pass[] = {
		"\xFF\xFE", "ramavtal \xC3", "för", "och i på", "\"\"", "a*", "ramavtal NOT för",
		"\"e-tjänst\"*", "NEAR(ramavtal skolmåltider, 2)", "{title body}: ramavtal",
		"title: \"ramavtal för\"", "-ramavtal",
	};
	sqlite3 *db = open_db();
	sqlite3_stmt *st = NULL;

	exec(db, "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='caselib sv decompound')");
	insert(db, "t", 1, "Ramavtal för skolmåltider", "e-tjänst");
	for (size_t i = 0; i < sizeof must_fail / sizeof must_fail[0]; i++) {
		int rc;
		cr_assert_eq(sqlite3_prepare_v2(db, "SELECT rowid FROM t WHERE t MATCH ?1", -1, &st,
						NULL), SQLITE_OK);
		sqlite3_bind_text(st, 1, must_fail[i], -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		cr_expect_eq(rc, SQLITE_ERROR, "'%s' gave %d", must_fail[i], rc);
		sqlite3_finalize(st);
	}
	for (size_t i = 0; i < sizeof may_pass / sizeof may_pass[0]; i++) {
		int rc;
		cr_assert_eq(sqlite3_prepare_v2(db, "SELECT rowid, highlight(t, 0, '[', ']') FROM t "
						"WHERE t MATCH ?1", -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_text(st, 1, may_pass[i], -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		cr_expect(rc == SQLITE_DONE || rc == SQLITE_ERROR, "'%s' gave %d", may_pass[i], rc);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
}

Test(fts5tok, auto_language_table)
{
	sqlite3 *db = open_db();
	unsigned char *hits;
	size_t n = 0;

	exec(db, "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='caselib auto decompound')");
	insert(db, "t", 1, "Procurement of meals for the schools", "");
	insert(db, "t", 2, "Upphandling av skolmåltider för kommunens skolor", "");
	hits = match(db, "t", "procurements", &n);
	cr_assert(hits[1] && n == 1);
	free(hits);
	hits = match(db, "t", "schools", &n);
	cr_assert(hits[1] && n == 1);
	free(hits);
	hits = match(db, "t", "skolorna", &n);
	cr_assert(hits[2] && n == 1);
	free(hits);
	hits = match(db, "t", "måltider", &n); /* decompounded: the Swedish row only */
	cr_assert(hits[2] && n == 1);
	free(hits);
	hits = match(db, "t", "the", &n);
	cr_assert_eq(n, 0);
	free(hits);
	sqlite3_close(db);
}

/* FTS5 re-tokenizes a row to delete it: the tokens (colocated ones too)
 * must be the same every time, or the index silently keeps stale terms.
 * integrity-check compares the index with a fresh tokenization. */
Test(fts5tok, index_stays_consistent_through_updates_and_deletes, .init = setup_sv,
     .fini = teardown_sv)
{
	sqlite3 *db = open_db();
	unsigned char *hits;
	size_t n = 0;

	exec(db, "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='caselib auto decompound')");
	fill(db, "t");
	exec(db, "BEGIN;"
		 "DELETE FROM t WHERE rowid % 3 = 0;"
		 "UPDATE t SET body = title || ' – ' || upper(title) WHERE rowid % 5 = 1;"
		 "COMMIT");
	exec(db, "INSERT INTO t(t, rank) VALUES('integrity-check', 1)");
	hits = match(db, "t", "revisionstjänster", &n);
	cr_assert(hits[1], "row 1 was updated, not deleted");
	free(hits);
	exec(db, "INSERT INTO t(t) VALUES('optimize')");
	exec(db, "INSERT INTO t(t, rank) VALUES('integrity-check', 1)");
	sqlite3_close(db);
}
