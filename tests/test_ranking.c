/* test_ranking.c — the ranking parameters API (engine.h:
 * engine_rank_params_default / engine_set_rank_params) on both engines:
 * out-of-range values are refused with a message naming the parameter
 * and leave the handle's parameters alone; a title match outranks a body
 * match with the shipped parameters; pseudo-relevance feedback on the OR
 * fallback changes the order only (it does change scores), never the
 * match set or the total.
 * The tuned values themselves are measured by bench/ranking.c
 * (docs/ranking.md), never here: no timings, no MAP thresholds. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "engine.h"
#include "store.h"
#include "sync.h"
#include "testutil.h"

static char *g_dir;
static struct store *g_s;

/* Three English cases: "solar" in the title of one, in the body of two
 * (bodies of equal length). */
static const struct {
	const char *id, *title, *body;
} fixture[] = {
	{"rank-a", "Solar panels for schools",
	 "A procurement of roofing material for three school buildings in the town."},
	{"rank-b", "Roofing contract for schools",
	 "A procurement of solar material for three school buildings in the town."},
	{"rank-c", "Heat pumps for schools",
	 "A procurement of pumps and solar material for school buildings in town."},
};
#define NFIX (sizeof fixture / sizeof *fixture)

static void setup(void)
{
	struct cl_errbuf eb = {0};

	g_dir = tu_tmpdir();
	cr_assert_eq(store_open(g_dir, STORE_CREATE, &g_s, &eb), CL_OK, "store: %s", eb.msg);
	for (size_t i = 0; i < NFIX; i++)
		tu_put_text_case(g_s, fixture[i].id, "case", "en", fixture[i].title,
				 fixture[i].body);
}

static void teardown(void)
{
	store_close(g_s);
	g_s = NULL;
	tu_rmtree(g_dir);
	free(g_dir);
	g_dir = NULL;
}

static struct engine *open_synced(enum engine_kind k)
{
	struct engine *e = NULL;
	struct cl_errbuf eb = {0};

	cr_assert_eq(engine_open(k, g_dir, g_s, 1, &e, &eb), CL_OK, "open: %s", eb.msg);
	cr_assert_eq(sync_engine(g_s, e, 0, NULL, NULL, NULL, &eb), CL_OK, "sync: %s", eb.msg);
	return e;
}

static void search(struct engine *e, const char *text, struct search_result *r)
{
	struct search_request rq;
	struct cl_errbuf eb = {0};

	search_request_init(&rq);
	rq.text = text;
	rq.lang = "en";
	rq.limit = 10;
	cr_assert_eq(engine_search(e, &rq, r, &eb), CL_OK, "search '%s': %s", text, eb.msg);
}

static void check_rejects(enum engine_kind k)
{
	struct engine *e = open_synced(k);
	struct engine_rank_params def, p, now;
	struct cl_errbuf eb = {0};
	static const struct {
		int field;
		double v;
		const char *name;
	} bad[] = {
		{0, -0.5, "k1"},  {0, 11, "k1"},     {1, -0.1, "b"},         {1, 1.5, "b"},
		{2, -1, "title_weight"}, {2, 51, "title_weight"}, {3, 101, "fb_docs"},
		{4, 201, "fb_terms"}, {5, -1, "fb_weight"}, {5, 10.5, "fb_weight"},
	};

	engine_rank_params_default(k, &def);
	engine_get_rank_params(e, &now);
	cr_assert(!memcmp(&def, &now, sizeof def), "a new handle has the shipped parameters");
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		p = def;
		switch (bad[i].field) {
		case 0: p.k1 = bad[i].v; break;
		case 1: p.b = bad[i].v; break;
		case 2: p.title_weight = bad[i].v; break;
		case 3: p.fb_docs = (unsigned)bad[i].v; break;
		case 4: p.fb_terms = (unsigned)bad[i].v; break;
		default: p.fb_weight = bad[i].v; break;
		}
		eb.msg[0] = '\0';
		cr_assert_eq(engine_set_rank_params(e, &p, &eb), CL_EINVAL, "%s %g accepted",
			     bad[i].name, bad[i].v);
		cr_assert(strstr(eb.msg, bad[i].name), "message names %s: %s", bad[i].name, eb.msg);
		engine_get_rank_params(e, &now);
		cr_assert(!memcmp(&def, &now, sizeof def), "refused parameters changed the handle");
	}
	p = def;
	p.k1 = 2.0;
	p.b = 0.3;
	cr_assert_eq(engine_set_rank_params(e, &p, &eb), CL_OK, "%s", eb.msg);
	engine_get_rank_params(e, &now);
	cr_assert(now.k1 == 2.0 && now.b == 0.3, "accepted parameters are kept");
	engine_close(e);
}

static void check_title_first(enum engine_kind k)
{
	struct engine *e = open_synced(k);
	struct search_result r;

	search(e, "solar", &r);
	cr_assert_eq(r.total, 3);
	cr_assert_str_eq(r.hits[0].id, "rank-a", "the title match first, got %s", r.hits[0].id);
	cr_assert_gt(r.hits[0].score, r.hits[1].score);
	search_result_release(&r);
	engine_close(e);
}

static void check_feedback_keeps_matches(enum engine_kind k)
{
	struct engine *e = open_synced(k);
	struct engine_rank_params p;
	struct cl_errbuf eb = {0};
	struct search_result off, on;

	/* no case has both words: the OR fallback, where feedback runs */
	engine_rank_params_default(k, &p);
	p.fb_docs = 0;
	cr_assert_eq(engine_set_rank_params(e, &p, &eb), CL_OK, "%s", eb.msg);
	search(e, "heat roofing", &off);
	cr_assert(off.used_or_fallback);
	p.fb_docs = 2;
	p.fb_terms = 10;
	p.fb_weight = 5;
	cr_assert_eq(engine_set_rank_params(e, &p, &eb), CL_OK, "%s", eb.msg);
	search(e, "heat roofing", &on);
	cr_assert(on.used_or_fallback);
	cr_assert_eq(on.total, off.total, "feedback changed the total");
	cr_assert_eq(on.nhits, off.nhits);
	cr_assert_eq(off.total, 3, "heat (c) or roofing (a body, b title)");
	for (size_t i = 0; i < off.nhits; i++) {
		int found = 0;
		for (size_t j = 0; j < on.nhits; j++)
			found |= !strcmp(off.hits[i].id, on.hits[j].id);
		cr_assert(found, "%s lost with feedback", off.hits[i].id);
	}
	/* feedback did run (the expansion terms add to some score), and the
	 * order stays score, then id */
	{
		int changed = 0;
		for (size_t i = 0; i < off.nhits; i++)
			for (size_t j = 0; j < on.nhits; j++)
				if (!strcmp(off.hits[i].id, on.hits[j].id) &&
				    off.hits[i].score != on.hits[j].score)
					changed = 1;
		cr_assert(changed, "feedback left every score as it was");
	}
	for (size_t i = 1; i < on.nhits; i++)
		cr_assert(on.hits[i - 1].score > on.hits[i].score ||
				  (on.hits[i - 1].score == on.hits[i].score &&
				   strcmp(on.hits[i - 1].id, on.hits[i].id) < 0),
			  "hits %zu and %zu out of order", i - 1, i);
	search_result_release(&off);
	search_result_release(&on);
	engine_close(e);
}

TestSuite(ranking, .init = setup, .fini = teardown);

Test(ranking, xapian_rejects_bad_params) { check_rejects(ENGINE_XAPIAN); }
Test(ranking, fts5_rejects_bad_params) { check_rejects(ENGINE_FTS5); }
Test(ranking, xapian_title_match_first) { check_title_first(ENGINE_XAPIAN); }
Test(ranking, fts5_title_match_first) { check_title_first(ENGINE_FTS5); }
Test(ranking, xapian_feedback_keeps_matches) { check_feedback_keeps_matches(ENGINE_XAPIAN); }
Test(ranking, fts5_feedback_keeps_matches) { check_feedback_keeps_matches(ENGINE_FTS5); }

Test(ranking, null_arguments)
{
	struct cl_errbuf eb = {0};
	cr_assert_eq(engine_set_rank_params(NULL, NULL, &eb), CL_EINVAL);
	cr_assert(eb.msg[0], "a message");
}
