/* test_bulk.c — bulk builds (sync_reindex through engine_bulk_begin): a
 * rebuild answers exactly as the incremental sync of the same cases
 * (results, counts, suggestions, the spelling data), readers keep the old
 * index until the rebuild commits, and an interrupted rebuild leaves the
 * old index and nothing else behind. Both engines; real titles from the
 * statistics CSV (CASELIB_SHARED) and the demo cases. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "case.h"
#include "dbuf.h"
#include "engine.h"
#include "store.h"
#include "sync.h"
#include "testutil.h"
#include "xs.h"

static const char *const queries[] = {
	"", "upphandling", "ramavtal", "skola", "städning", "vård omsorg", "\"vård i hemmet\"",
	"upphandl*", "title:ramavtal", "buyer:kommun", "transport -buss", "innovation procurement",
};
static const char *const misspelt[] = {
	"upphandlnig", "ramavtl", "städnig", "skolmåltier", "transprt", "byggnadn", "innovasion",
};

static void dbuf_printf(struct dbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void dbuf_printf(struct dbuf *b, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	dbuf_puts(b, line);
}

static struct store *make_store(char **dir, long n_sestat)
{
	struct store *s = tu_store_new(dir);
	struct case_record *demo = NULL;
	size_t n = tu_demo_cases(&demo);
	struct cl_errbuf eb = {0};

	tu_sestat_first(s, n_sestat);
	for (size_t i = 0; i < n; i++) {
		struct store_put_result r;
		cr_assert_eq(store_put_case(s, &demo[i], "test", &r, &eb), CL_OK, "%s", eb.msg);
	}
	tu_cases_free(demo, n);
	return s;
}

static struct engine *open_engine(enum engine_kind k, const char *dir, struct store *s,
				  int writable)
{
	struct engine *e = NULL;
	struct cl_errbuf eb = {0};
	cr_assert_eq(engine_open(k, dir, s, writable, &e, &eb), CL_OK, "open: %s", eb.msg);
	return e;
}

/* Everything a user sees of the engine: per query the total, the ranked
 * ids with their scores, every facet's counts; per misspelt word the
 * suggestion. One text, so two engines compare with one strcmp. */
static char *fingerprint(struct engine *e)
{
	struct dbuf b = DBUF_INIT(64 * 1024 * 1024);
	struct cl_errbuf eb = {0};

	for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) {
		for (int filtered = 0; filtered < 2; filtered++) {
			struct search_request rq;
			struct search_result res;
			static const char *const health[] = {"health"};
			search_request_init(&rq);
			rq.text = queries[q];
			rq.limit = 30;
			rq.facets = ENGINE_ALL_FACETS;
			if (filtered) {
				rq.filters[EF_SECTORS] = health;
				rq.nfilters[EF_SECTORS] = 1;
			}
			search_result_init(&res);
			cr_assert_eq(engine_search(e, &rq, &res, &eb), CL_OK, "%s: %s", queries[q],
				     eb.msg);
			dbuf_printf(&b, "[%s|%d] total %ld or %d\n", queries[q], filtered, res.total,
				    res.used_or_fallback);
			for (size_t i = 0; i < res.nhits; i++)
				dbuf_printf(&b, "  %s %.6g\n", res.hits[i].id, res.hits[i].score);
			for (int f = 0; f < EF_COUNT; f++)
				for (size_t i = 0; i < res.facets[f].n; i++)
					dbuf_printf(&b, "  %d:%s=%ld\n", f, res.facets[f].v[i].value,
						    res.facets[f].v[i].count);
			search_result_release(&res);
		}
	}
	for (size_t i = 0; i < sizeof misspelt / sizeof *misspelt; i++) {
		char *sug = NULL;
		cr_assert_eq(engine_suggest(e, misspelt[i], &sug, &eb), CL_OK, "%s", eb.msg);
		dbuf_printf(&b, "suggest %s -> %s\n", misspelt[i], sug ? sug : "(none)");
		free(sug);
	}
	cr_assert_eq(b.err, 0);
	return dbuf_take(&b, NULL);
}

static int spell_cb(void *ud, const char *word, unsigned long freq)
{
	dbuf_printf(ud, "%s %lu\n", word, freq);
	return 0;
}

/* The Xapian index's spelling data, word and frequency per line. */
static char *spelling_of(const char *dir)
{
	struct dbuf b = DBUF_INIT(256 * 1024 * 1024);
	struct xs_db *db = NULL;
	struct cl_errbuf eb = {0};
	char path[4096];

	snprintf(path, sizeof path, "%s/xapian", dir);
	cr_assert_eq(xs_db_open(path, 0, &db, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(xs_spelling_foreach(db, spell_cb, &b, &eb), CL_OK, "%s", eb.msg);
	xs_db_close(db);
	cr_assert_eq(b.err, 0);
	return dbuf_take(&b, NULL);
}

/* The entries of dir whose name starts with "xapian.b" (bulk builds). */
static int count_builds(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d)))
		n += !strncmp(de->d_name, "xapian.b", 8);
	closedir(d);
	return n;
}

/* a and b are the same text; else the first difference is logged and
 * the test fails with what. */
static void same_text(const char *a, const char *b, const char *what)
{
	size_t i = 0, line = 1;

	if (!strcmp(a, b))
		return;
	while (a[i] && a[i] == b[i])
		line += a[i++] == '\n';
	cr_log_error("first difference at line %zu:\n%.300s\n---\n%.300s", line, a + i, b + i);
	cr_assert_fail("%s", what);
}

static void rebuild_equals_incremental(enum engine_kind k)
{
	char *dir = NULL, *inc, *bulk, *sp_inc = NULL, *sp_bulk = NULL;
	struct store *s = make_store(&dir, 3000);
	struct engine *e = open_engine(k, dir, s, 1);
	struct cl_errbuf eb = {0};
	struct sync_stats st;
	long ndiff = -1;

	/* incremental: the change log in batches of 250 */
	cr_assert_eq(sync_engine(s, e, 250, NULL, NULL, &st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_gt(st.put, 3000);
	inc = fingerprint(e);
	if (k == ENGINE_XAPIAN)
		sp_inc = spelling_of(dir);
	/* the same cases, rebuilt */
	cr_assert_eq(sync_reindex(s, e, NULL, NULL, &st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_gt(st.put, 3000);
	bulk = fingerprint(e);
	same_text(inc, bulk, "a rebuild answers otherwise than the incremental sync");
	cr_assert(strstr(bulk, "suggest upphandlnig -> upphandling"), "%s", bulk);
	if (k == ENGINE_XAPIAN) {
		sp_bulk = spelling_of(dir);
		cr_assert_gt(strlen(sp_inc), 1000);
		same_text(sp_inc, sp_bulk, "the spelling data differs");
		cr_assert_eq(count_builds(dir), 1, "the live build only");
	}
	cr_assert_eq(sync_compare(s, e, NULL, NULL, &ndiff, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(ndiff, 0);
	/* the rebuilt index takes incremental changes like any other */
	{
		struct store_put_result pr;
		cr_assert_eq(store_delete_case(s, "case-lund-skolmaltider-2021", "test", &pr, &eb),
			     CL_OK, "%s", eb.msg);
		cr_assert_eq(sync_engine(s, e, 0, NULL, NULL, &st, &eb), CL_OK, "%s", eb.msg);
		cr_assert_eq(st.deleted, 1);
		cr_assert_eq(sync_compare(s, e, NULL, NULL, &ndiff, &eb), CL_OK, "%s", eb.msg);
		cr_assert_eq(ndiff, 0);
	}
	free(inc);
	free(bulk);
	free(sp_inc);
	free(sp_bulk);
	engine_close(e);
	tu_store_drop(&s, &dir);
}

Test(bulk, xapian_rebuild_answers_as_the_incremental_sync, .timeout = 300)
{
	/* blocks of 500 cases: 7 partial databases over 2 or more threads,
	 * merged in order (the default block is larger than this corpus) */
	setenv("CASELIB_INDEX_BLOCK", "500", 1);
	setenv("CASELIB_INDEX_THREADS", "2", 1);
	rebuild_equals_incremental(ENGINE_XAPIAN);
}

Test(bulk, fts5_rebuild_answers_as_the_incremental_sync, .timeout = 300)
{
	rebuild_equals_incremental(ENGINE_FTS5);
}

/* The first sync of an empty index is one bulk build that numbers the
 * cases as the replay does: it answers exactly as the replay, scores and
 * ties included, over a log with updates, deletions and a withdrawn case;
 * a small log is still replayed. */
static int retitle(const struct case_record *c, void *ud)
{
	struct store *s = ud;
	struct case_record m;
	struct store_put_result r;
	struct cl_errbuf eb = {0};
	char title[512];

	if (c->id[strlen(c->id) - 1] != '3')
		return CL_OK;
	case_init(&m);
	cr_assert_eq(case_copy(&m, c), CL_OK);
	snprintf(title, sizeof title, "%s ramavtal", c->title ? c->title : "");
	free(m.title);
	m.title = strdup(title);
	cr_assert_eq(store_put_case(s, &m, "test", &r, &eb), CL_OK, "%s", eb.msg);
	case_release(&m);
	return CL_OK;
}

static struct store *changed_store(char **dir)
{
	struct store *s = make_store(dir, 2500);
	struct store_put_result r;
	struct cl_errbuf eb = {0};

	cr_assert_eq(store_foreach_case(s, "published", retitle, s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(store_delete_case(s, "case-lund-skolmaltider-2021", "test", &r, &eb), CL_OK,
		     "%s", eb.msg);
	return s;
}

static void first_sync_equals_replay(enum engine_kind k)
{
	char *da = NULL, *db = NULL, *fa, *fb;
	struct store *sa = changed_store(&da), *sb = changed_store(&db);
	struct engine *ea = open_engine(k, da, sa, 1), *eb_ = open_engine(k, db, sb, 1);
	struct cl_errbuf eb = {0};
	struct sync_stats st;
	int64_t seq_a = 0, seq_b = 0, last = 0;
	long ndiff = -1;

	cr_assert_eq(store_last_seq(sa, &last, &eb), CL_OK);
	cr_assert_gt(last, 2500);
	sync_set_bulk_min(1);
	cr_assert_eq(sync_engine(sa, ea, 250, NULL, NULL, &st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(st.changes, last, "every change read once");
	cr_assert_eq(st.to_seq, last);
	sync_set_bulk_min(last + 1); /* the replay */
	cr_assert_eq(sync_engine(sb, eb_, 250, NULL, NULL, NULL, &eb), CL_OK, "%s", eb.msg);
	sync_set_bulk_min(SYNC_BULK_MIN);
	cr_assert_eq(engine_last_seq(ea, &seq_a, &eb), CL_OK);
	cr_assert_eq(engine_last_seq(eb_, &seq_b, &eb), CL_OK);
	cr_assert_eq(seq_a, seq_b);
	if (k == ENGINE_XAPIAN) {
		cr_assert_eq(count_builds(da), 1, "the first sync was a bulk build");
		cr_assert_eq(count_builds(db), 0, "the small log was replayed");
	}
	fa = fingerprint(ea);
	fb = fingerprint(eb_);
	same_text(fa, fb, "the bulk first sync answers otherwise than the replay");
	cr_assert(strstr(fa, "ramavtal"), "the updated titles are searched");
	cr_assert_eq(sync_compare(sa, ea, NULL, NULL, &ndiff, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(ndiff, 0);
	/* and the next sync is incremental again */
	{
		struct store_put_result pr;
		cr_assert_eq(store_delete_case(sa, "case-vgr-innovation-partnership-home-monitoring",
					       "test", &pr, &eb),
			     CL_OK, "%s", eb.msg);
		sync_set_bulk_min(1);
		cr_assert_eq(sync_engine(sa, ea, 0, NULL, NULL, &st, &eb), CL_OK, "%s", eb.msg);
		sync_set_bulk_min(SYNC_BULK_MIN);
		cr_assert_eq(st.deleted, 1);
		cr_assert_eq(st.changes, 1);
	}
	free(fa);
	free(fb);
	engine_close(ea);
	engine_close(eb_);
	tu_store_drop(&sa, &da);
	tu_store_drop(&sb, &db);
}

Test(bulk, xapian_first_sync_is_a_bulk_build_numbered_as_the_replay, .timeout = 300)
{
	setenv("CASELIB_INDEX_BLOCK", "500", 1);
	setenv("CASELIB_INDEX_THREADS", "2", 1);
	first_sync_equals_replay(ENGINE_XAPIAN);
}

Test(bulk, fts5_first_sync_is_a_bulk_build_numbered_as_the_replay, .timeout = 300)
{
	first_sync_equals_replay(ENGINE_FTS5);
}

static long count_all(struct engine *e)
{
	struct search_request rq;
	struct search_result res;
	struct cl_errbuf eb = {0};
	long n;

	search_request_init(&rq);
	rq.limit = 5;
	rq.facets = 1u << EF_SECTORS;
	search_result_init(&res);
	cr_assert_eq(engine_search(e, &rq, &res, &eb), CL_OK, "%s", eb.msg);
	n = res.total;
	search_result_release(&res);
	return n;
}

static int put_some(const struct case_record *c, void *ud)
{
	struct engine *e = ud;
	struct cl_errbuf eb = {0};
	/* every other case: the rebuilt index differs from the old one */
	if (c->id[strlen(c->id) - 1] % 2)
		return CL_OK;
	cr_assert_eq(engine_put(e, c, &eb), CL_OK, "%s", eb.msg);
	return CL_OK;
}

/* A reader opened on the old index answers from it while a rebuild runs,
 * and from the new one once it is committed: the rebuild is atomic. */
static void reader_during_rebuild(enum engine_kind k)
{
	char *dir = NULL;
	struct store *s = make_store(&dir, 1500), *rs = NULL;
	struct engine *w = open_engine(k, dir, s, 1), *r;
	struct cl_errbuf eb = {0};
	long before, after_w = 0;

	cr_assert_eq(sync_engine(s, w, 0, NULL, NULL, NULL, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(store_open(dir, 0, &rs, &eb), CL_OK, "%s", eb.msg);
	r = open_engine(k, dir, rs, 0);
	before = count_all(r);
	cr_assert_gt(before, 1500);
	for (int round = 0; round < 2; round++) { /* a folder, then a switched link */
		long mid;
		cr_assert_eq(engine_bulk_begin(w, &eb), CL_OK, "%s", eb.msg);
		cr_assert_eq(store_foreach_case(s, "published", put_some, w, &eb), CL_OK, "%s",
			     eb.msg);
		mid = count_all(r);
		cr_assert_eq(mid, round ? after_w : before,
			     "round %d: the reader saw the unfinished rebuild", round);
		cr_assert_eq(engine_commit(w, 99, &eb), CL_OK, "%s", eb.msg);
		after_w = count_all(w);
		cr_assert_lt(after_w, before);
		cr_assert_gt(after_w, 0);
		cr_assert_eq(count_all(r), after_w, "round %d: the reader did not follow", round);
		if (k == ENGINE_XAPIAN) {
			cr_assert_eq(count_builds(dir), 1, "round %d: old folders are removed", round);
			/* a reader opened afterwards sees the new index too */
			struct engine *r2 = open_engine(k, dir, rs, 0);
			cr_assert_eq(count_all(r2), after_w);
			engine_close(r2);
		}
	}
	engine_close(r);
	engine_close(w);
	store_close(rs);
	tu_store_drop(&s, &dir);
}

Test(bulk, xapian_reader_keeps_the_old_index_during_a_rebuild, .timeout = 300)
{
	reader_during_rebuild(ENGINE_XAPIAN);
}

Test(bulk, fts5_reader_keeps_the_old_index_during_a_rebuild, .timeout = 300)
{
	reader_during_rebuild(ENGINE_FTS5);
}

/* A rebuild that is never committed (an error, a kill) changes nothing:
 * the old index stays, with its seq; what a killed build left behind is
 * removed by the next one. */
Test(bulk, xapian_interrupted_rebuild_leaves_the_old_index, .timeout = 300)
{
	char *dir = NULL, junk[4096];
	struct store *s = make_store(&dir, 800);
	struct engine *w = open_engine(ENGINE_XAPIAN, dir, s, 1);
	struct cl_errbuf eb = {0};
	int64_t seq0 = 0, seq = 0;
	long before;

	int nb;

	cr_assert_eq(sync_engine(s, w, 0, NULL, NULL, NULL, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(engine_last_seq(w, &seq0, &eb), CL_OK);
	before = count_all(w);
	nb = count_builds(dir);
	cr_assert_eq(engine_bulk_begin(w, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(store_foreach_case(s, "published", put_some, w, &eb), CL_OK, "%s", eb.msg);
	cr_assert_gt(count_builds(dir), nb, "the build's partials");
	engine_close(w); /* no commit */
	cr_assert_eq(count_builds(dir), nb, "an abandoned build is removed");
	/* what a SIGKILL would leave: a partial folder */
	snprintf(junk, sizeof junk, "%s/xapian.b123-000000001-1.p0", dir);
	cr_assert_eq(mkdir(junk, 0777), 0);
	snprintf(junk, sizeof junk, "%s/xapian.b123-000000001-1.p0/postlist.glass", dir);
	tu_write_file(junk, "x", 1);
	w = open_engine(ENGINE_XAPIAN, dir, s, 1);
	cr_assert_eq(count_builds(dir), nb, "a writable open removes what a killed build left");
	cr_assert_eq(count_all(w), before);
	cr_assert_eq(engine_last_seq(w, &seq, &eb), CL_OK);
	cr_assert_eq(seq, seq0);
	cr_assert_eq(sync_reindex(s, w, NULL, NULL, NULL, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(count_all(w), before);
	cr_assert_eq(count_builds(dir), 1, "the live build only");
	engine_close(w);
	tu_store_drop(&s, &dir);
}

/* An empty change log: nothing read, nothing put, seq 0, and no sort of
 * an empty batch (qsort of NULL, which UBSan flags: fuzz_http found it
 * through GET /v1/export on an empty store). */
Test(bulk, an_empty_log_syncs_nothing)
{
	for (int k = 0; k < 2; k++) {
		char *dir = NULL;
		struct store *s = tu_store_new(&dir);
		struct engine *e = open_engine((enum engine_kind)k, dir, s, 1);
		struct cl_errbuf eb = {0};
		struct sync_stats st;
		int64_t seq = -1;

		for (int bulk = 0; bulk < 2; bulk++) {
			sync_set_bulk_min(bulk ? 1 : SYNC_BULK_MIN);
			cr_assert_eq(sync_engine(s, e, 0, NULL, NULL, &st, &eb), CL_OK, "%s", eb.msg);
			cr_assert_eq(st.changes, 0);
			cr_assert_eq(st.put, 0);
		}
		sync_set_bulk_min(SYNC_BULK_MIN);
		cr_assert_eq(engine_last_seq(e, &seq, &eb), CL_OK);
		cr_assert_eq(seq, 0);
		engine_close(e);
		tu_store_drop(&s, &dir);
	}
}
