/* test_findability.c — issue 12's examples of suggestions one can trust,
 * on both engines (suite findability):
 * - a correct Swedish word that no case has is not rewritten ("skolmat"
 *   gave "skola": the dictionary knows it);
 * - a pasted description of a need gets no suggestion (funderar ->
 *   fungerar, gjort -> sport, väcks -> däck, exempel -> exempted);
 * - the words of a compound typed apart find it ("röjning snö");
 * - a short query that finds few cases lists cases with all words but one
 *   as partial matches ("partial"), outside the total;
 * - a description of a need (five or more words) is ranked any-word;
 * - a query that names a facet value is offered that filter;
 * - a query that finds nothing with one confident suggestion shows the
 *   suggestion's results and says so (suggestion_shown), and an unsure one
 *   only suggests.
 * The dictionary is hunspell-sv (docs/text-analysis.md); without it the
 * dictionary checks are skipped. */
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
#include "textan.h"

static const struct {
	const char *id, *title, *body;
} fixture[] = {
	{"fa-1", "Skola i Lund: ny skolgård", "Ombyggnad av skolgården vid en skola."},
	{"fa-2", "Skolmåltider till grundskolan", "Leverans av skolmåltider till tre skolor."},
	{"fa-3", "Sport och fritid", "Utrustning för sport i idrottshallen."},
	{"fa-4", "Däck till fordon", "Däck och däckbyten till kommunens fordon."},
	{"fa-5", "Systemet fungerar", "Ett verksamhetssystem som fungerar för handläggare."},
	{"fa-6", "Exempted services", "Services exempted from the procurement rules."},
	{"fa-7", "Snöröjning vintern 2021", "Snöröjning och sandning av gator."},
	{"fa-8", "Snöplogning", "Plogning av vägar."},
	{"fa-9", "Bemanning", "Bemanning inom vården."},
	{"fa-10", "Bemannade tjänster", "Bemannade receptioner."},
};
#define NFIX (sizeof fixture / sizeof *fixture)

static char *g_dir;
static struct store *g_s;
static struct engine *g_e[2];

/* An innovation case of authority type authority, with the strategic aim
 * strategic (either NULL: none). */
static void put_tagged(const char *id, const char *title, const char *body, const char *authority,
		       const char *strategic)
{
	struct cl_errbuf eb = {0};
	struct case_record c;
	struct case_source src = {0};
	struct store_put_result res;
	char *strat[1] = {(char *)(uintptr_t)strategic};

	case_init(&c);
	c.id = (char *)(uintptr_t)id;
	c.kind = (char *)(uintptr_t) "case";
	c.title = (char *)(uintptr_t)title;
	c.body = (char *)(uintptr_t)body;
	c.language = (char *)(uintptr_t) "sv";
	c.authority_type = (char *)(uintptr_t)authority;
	if (strategic) {
		c.strategic.v = strat;
		c.strategic.n = 1;
	}
	src.url = (char *)(uintptr_t) "file:///fixture";
	src.retrieved_at = (char *)(uintptr_t) "2026-11-27T00:00:00Z";
	c.sources = &src;
	c.nsources = 1;
	cr_assert_eq(store_put_case(g_s, &c, "test", &res, &eb), CL_OK, "put %s: %s", id, eb.msg);
}

static void setup(void)
{
	struct cl_errbuf eb = {0};

	g_dir = tu_tmpdir();
	cr_assert_eq(store_open(g_dir, STORE_CREATE, &g_s, &eb), CL_OK, "store: %s", eb.msg);
	for (size_t i = 0; i < NFIX; i++)
		tu_put_text_case(g_s, fixture[i].id, "procurement", i == 5 ? "en" : "sv", fixture[i].title,
				 fixture[i].body);
	/* two innovation cases tagged with facet values their text does not
	 * name (issue 12 point 3) */
	put_tagged("fa-t1", "Digital plattform för medborgardialog", "Ett nytt verktyg.", "la", "inn");
	put_tagged("fa-t2", "Snöröjning med sensorer", "Sensorer på plogbilar.", "la", NULL);
	/* one word written two ways: markarbeten in two cases, markarbete in one */
	put_tagged("fa-m1", "Markarbeten vid Östra skolan", "Schakt och dränering.", NULL, NULL);
	put_tagged("fa-m2", "Markarbeten i Norra parken", "Gångvägar och planteringar.", NULL, NULL);
	put_tagged("fa-m3", "Markarbete för ny förskola", "Grundläggning och andra deals.", NULL, NULL);
	tu_engines_open(g_s, g_dir, g_e);
}

static void teardown(void)
{
	tu_engines_close(g_e);
	store_close(g_s);
	g_s = NULL;
	tu_rmtree(g_dir);
	free(g_dir);
	g_dir = NULL;
}

static void search(int k, const char *text, struct search_result *r)
{
	struct search_request rq;
	struct cl_errbuf eb = {0};

	search_request_init(&rq);
	rq.text = text;
	rq.limit = 10;
	cr_assert_eq(engine_search(g_e[k], &rq, r, &eb), CL_OK, "search '%s': %s", text, eb.msg);
}

static void need_dictionary(void)
{
	if (!ta_decompound_available())
		cr_skip_test("no Swedish dictionary (hunspell-sv)");
}

TestSuite(findability, .init = setup, .fini = teardown);

static int has_id(const struct search_result *r, const char *id)
{
	for (size_t i = 0; i < r->nhits; i++)
		if (!strcmp(r->hits[i].id, id))
			return 1;
	return 0;
}

/* "skolmat" -> "skola" before: a correct word absent from the corpus. */
Test(findability, skolmat_is_not_rewritten)
{
	need_dictionary();
	for (int k = 0; k < 2; k++) {
		struct search_result r;
		char *s = NULL;
		struct cl_errbuf eb = {0};

		cr_assert_eq(engine_suggest(g_e[k], "skolmat", &s, &eb), CL_OK, "%s", eb.msg);
		cr_expect_null(s, "%s: skolmat -> %s", engine_kind_name((enum engine_kind)k), s);
		free(s);
		search(k, "skolmat", &r);
		cr_expect_null(r.suggestion, "%s: %s", engine_kind_name((enum engine_kind)k),
			       r.suggestion);
		search_result_release(&r);
	}
}

/* funderar -> fungerar, gjort -> sport, väcks -> däck, exempel -> exempted:
 * the words of a pasted need, each correct Swedish. */
Test(findability, need_text_words_are_not_rewritten)
{
	static const char *const words[] = {"funderar", "gjort", "väcks", "exempel"};

	need_dictionary();
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
			char *s = NULL;
			struct cl_errbuf eb = {0};
			cr_assert_eq(engine_suggest(g_e[k], words[i], &s, &eb), CL_OK, "%s", eb.msg);
			cr_expect_null(s, "%s: %s -> %s", engine_kind_name((enum engine_kind)k),
				       words[i], s);
			free(s);
		}
}

/* A long query gets no suggestion at all, even with a misspelt word. */
Test(findability, long_query_gets_no_suggestion)
{
	const char *text = "vi funderar på hur kommunen kan ordna snöröjnig av gator "
			   "när det är gjort och ett exempel väcks";

	for (int k = 0; k < 2; k++) {
		char *s = NULL;
		struct cl_errbuf eb = {0};
		cr_assert_eq(engine_suggest(g_e[k], text, &s, &eb), CL_OK, "%s", eb.msg);
		cr_expect_null(s, "%s: %s", engine_kind_name((enum engine_kind)k), s);
		free(s);
		/* the same misspelling alone is still suggested */
		cr_assert_eq(engine_suggest(g_e[k], "snöröjnig", &s, &eb), CL_OK, "%s", eb.msg);
		cr_expect(s && !strcmp(s, "snöröjning"), "%s: %s", engine_kind_name((enum engine_kind)k),
			  s ? s : "(none)");
		free(s);
	}
}

/* Nothing found and one confident suggestion: its results, said so. */
Test(findability, confident_suggestion_shows_its_results)
{
	for (int k = 0; k < 2; k++) {
		struct search_result r;
		search(k, "skolmåltder", &r);
		cr_expect_eq(r.suggestion_shown, 1, "%s", engine_kind_name((enum engine_kind)k));
		cr_expect(r.suggestion && !strcmp(r.suggestion, "skolmåltider"), "%s: %s",
			  engine_kind_name((enum engine_kind)k), r.suggestion ? r.suggestion : "(none)");
		cr_expect_eq(r.total, 1, "%s: total %ld", engine_kind_name((enum engine_kind)k),
			     r.total);
		cr_expect(r.nhits == 1 && !strcmp(r.hits[0].id, "fa-2"), "%s",
			  engine_kind_name((enum engine_kind)k));
		search_result_release(&r);
	}
}

/* A typo among other words: the OR fallback dropped the misspelt word and
 * ranked by the others; now the corrected words together are shown, with
 * every word (issue 12 point 6; set (c) typo). */
Test(findability, confident_suggestion_in_a_longer_query_shows_its_results)
{
	for (int k = 0; k < 2; k++) {
		struct search_result r;
		search(k, "skolmåltder grundskolan", &r);
		cr_expect_eq(r.suggestion_shown, 1, "%s", engine_kind_name((enum engine_kind)k));
		cr_expect_eq(r.used_or_fallback, 0, "%s", engine_kind_name((enum engine_kind)k));
		cr_expect(r.suggestion && !strcmp(r.suggestion, "skolmåltider grundskolan"), "%s: %s",
			  engine_kind_name((enum engine_kind)k), r.suggestion ? r.suggestion : "(none)");
		cr_expect(r.nhits >= 1 && !strcmp(r.hits[0].id, "fa-2"), "%s",
			  engine_kind_name((enum engine_kind)k));
		search_result_release(&r);
	}
}

/* A suggestion two edits away is not confident: it is only offered, and
 * the result stays empty. */
Test(findability, unsure_suggestion_only_suggests)
{
	for (int k = 0; k < 2; k++) {
		struct search_result r;
		search(k, "snöroljning", &r);
		cr_expect_eq(r.suggestion_shown, 0, "%s", engine_kind_name((enum engine_kind)k));
		cr_expect_eq(r.total, 0, "%s: total %ld", engine_kind_name((enum engine_kind)k),
			     r.total);
		cr_expect(r.suggestion && !strcmp(r.suggestion, "snöröjning"), "%s: %s",
			  engine_kind_name((enum engine_kind)k), r.suggestion ? r.suggestion : "(none)");
		search_result_release(&r);
	}
}

/* "röjning snö" found 1 case where "snöröjning" found 63: the words of a
 * compound typed apart find it, with every word (no OR fallback). */
Test(findability, compound_typed_apart_finds_it)
{
	static const char *const texts[] = {"röjning snö", "snö röjning"};

	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < 2; i++) {
			struct search_result r;
			int found = 0;
			search(k, texts[i], &r);
			for (size_t h = 0; h < r.nhits; h++)
				found |= !strcmp(r.hits[h].id, "fa-7");
			cr_expect(found, "%s [%s]: snöröjning not found",
				  engine_kind_name((enum engine_kind)k), texts[i]);
			cr_expect_eq(r.used_or_fallback, 0, "%s [%s]: only by the OR fallback",
				     engine_kind_name((enum engine_kind)k), texts[i]);
			search_result_release(&r);
		}
}

/* Two words meeting in one case showed that case alone, although other
 * cases have the main word: they come as partial matches, outside the
 * total. */
Test(findability, few_hits_add_partial_matches)
{
	for (int k = 0; k < 2; k++) {
		struct search_result r;
		int has2 = 0, has1 = 0;
		search(k, "skola skolgård", &r);
		cr_expect_eq(r.total, 1, "%s: total %ld", engine_kind_name((enum engine_kind)k),
			     r.total);
		cr_expect_eq(r.used_or_fallback, 0);
		for (size_t i = 0; i < r.npartial; i++) {
			has2 |= !strcmp(r.partial[i].id, "fa-2");
			has1 |= !strcmp(r.partial[i].id, "fa-1");
		}
		cr_expect(has2, "%s: fa-2 (skolor) among %zu partial matches",
			  engine_kind_name((enum engine_kind)k), r.npartial);
		cr_expect(!has1, "%s: the full match is not repeated as partial",
			  engine_kind_name((enum engine_kind)k));
		search_result_release(&r);
		/* a query that found enough, or a one-word query: none */
		search(k, "skola", &r);
		cr_expect_eq(r.npartial, 0);
		search_result_release(&r);
	}
}

/* A description of a need (five or more content words) is ranked
 * any-word at once, with a minimum to match (issue 12 point 4): the case
 * with every word first, then a case with two of the words (fa-2: skolor,
 * skolmåltider), instead of the AND answer alone; a case that shares one
 * word with it (fa-4: däck) is not a match. */
Test(findability, long_query_ranks_any_word)
{
	for (int k = 0; k < 2; k++) {
		struct search_result r;
		const char *name = engine_kind_name((enum engine_kind)k);
		search(k, "skola lund skolgård ombyggnad skolmåltider däck", &r);
		cr_expect_eq(r.total, 2, "%s: total %ld", name, r.total);
		cr_expect_eq(r.used_or_fallback, 1, "%s", name);
		cr_expect(r.nhits == 2 && !strcmp(r.hits[0].id, "fa-1") &&
				  !strcmp(r.hits[1].id, "fa-2"),
			  "%s: %s, %s", name, r.nhits ? r.hits[0].id : "-",
			  r.nhits > 1 ? r.hits[1].id : "-");
		search_result_release(&r);
		/* a filter only narrows the rule's cases: the innovation cases
		 * have none of them (fa-t2 has one word, "snöröjning"), so none,
		 * not every innovation case with one word */
		{
			static const char *const kcase[] = {"case"};
			struct search_request rq;
			struct cl_errbuf eb = {0};
			search_request_init(&rq);
			rq.text = "skola lund skolgård ombyggnad skolmåltider snöröjning";
			rq.filters[EF_KIND] = kcase;
			rq.nfilters[EF_KIND] = 1;
			cr_assert_eq(engine_search(g_e[k], &rq, &r, &eb), CL_OK, "%s", eb.msg);
			cr_expect_eq(r.total, 0, "%s: total %ld under kind=case", name, r.total);
			search_result_release(&r);
			rq.text = "snöröjning";
			cr_assert_eq(engine_search(g_e[k], &rq, &r, &eb), CL_OK, "%s", eb.msg);
			cr_expect(has_id(&r, "fa-t2"), "%s: the fixture has an innovation case with "
				  "one of the words", name);
			search_result_release(&r);
		}
		/* no case has two of the words: any word, never nothing */
		search(k, "skola fordon sport bemanning snöplogning", &r);
		cr_expect(r.total >= 5 && has_id(&r, "fa-3") && has_id(&r, "fa-4"),
			  "%s: total %ld without a case of two words", name, r.total);
		cr_expect_eq(r.used_or_fallback, 1, "%s", name);
		search_result_release(&r);
		/* four words: AND first as before */
		search(k, "skola lund skolgård ombyggnad", &r);
		cr_expect_eq(r.total, 1, "%s: total %ld", engine_kind_name((enum engine_kind)k),
			     r.total);
		search_result_release(&r);
	}
}

/* "innovationsupphandling" found 3-4 cases while the facet value
 * "Innovationsupphandling" holds 1,674: a query that names a facet value
 * is offered the filter with its count. Here the kind "Upphandling". */
Test(findability, query_naming_a_facet_value_offers_it)
{
	for (int k = 0; k < 2; k++) {
		struct search_result r;
		search(k, "Upphandling", &r);
		cr_expect_eq(r.noffers, 1, "%s: %zu offers", engine_kind_name((enum engine_kind)k),
			     r.noffers);
		if (r.noffers == 1) {
			cr_expect_eq(r.offers[0].facet, EF_KIND);
			cr_expect_str_eq(r.offers[0].code, "procurement");
			cr_expect_eq(r.offers[0].count, (long)NFIX);
		}
		search_result_release(&r);
		/* a word of a longer query is not a facet value */
		search(k, "skola upphandling", &r);
		cr_expect_eq(r.noffers, 0);
		search_result_release(&r);
	}
}

/* Issue 12 point 3: "innovationsupphandling" found 3-4 cases while the
 * facet held 1,674; a query word that names a facet value now also
 * matches the cases tagged with it (with no weight of its own: a case
 * with the word ranks above one with the tag only), and offers the filter. */
Test(findability, word_naming_a_facet_value_matches_its_cases)
{
	for (int k = 0; k < 2; k++) {
		struct search_result r;
		const char *name = engine_kind_name((enum engine_kind)k);

		search(k, "innovationsupphandling", &r);
		cr_expect(has_id(&r, "fa-t1"), "%s: the tagged case (total %ld)", name, r.total);
		cr_expect_eq(r.total, 1, "%s: total %ld", name, r.total);
		cr_expect(r.noffers == 1 && r.offers[0].facet == EF_STRATEGIC &&
				  !strcmp(r.offers[0].code, "inn") && r.offers[0].count == 1,
			  "%s: the filter offered", name);
		search_result_release(&r);

		/* a Swedish inflection of a one-word label: the word first */
		search(k, "kommuner", &r);
		cr_expect_eq(r.total, 3, "%s: fa-4 (kommunens) and the two municipal cases, %ld",
			     name, r.total);
		cr_expect(r.nhits > 0 && !strcmp(r.hits[0].id, "fa-4"), "%s: first %s", name,
			  r.nhits ? r.hits[0].id : "-");
		search_result_release(&r);

		/* in an AND query the other words must still match; the offer
		 * counts what the query finds with the filter (1), not every
		 * municipal case (2) */
		search(k, "snöröjning kommun", &r);
		cr_expect(r.total == 1 && has_id(&r, "fa-t2"), "%s: total %ld", name, r.total);
		cr_expect_eq(r.used_or_fallback, 0, "%s", name);
		cr_expect(r.noffers == 1 && r.offers[0].facet == EF_AUTHORITY_TYPE &&
				  r.offers[0].count == 1,
			  "%s: %zu offers, count %ld", name, r.noffers,
			  r.noffers ? r.offers[0].count : -1L);
		search_result_release(&r);

		/* with a filter on the named facet and counts asked (the engines'
		 * counting layers): the authority-type counts say 2 municipal
		 * cases, the filtered total 2 */
		{
			struct search_request rq;
			struct cl_errbuf eb = {0};
			const char *la[1] = {"la"};
			long la_count = 0;
			search_request_init(&rq);
			rq.text = "kommuner";
			rq.limit = 10;
			rq.facets = ENGINE_ALL_FACETS;
			rq.filters[EF_AUTHORITY_TYPE] = la;
			rq.nfilters[EF_AUTHORITY_TYPE] = 1;
			cr_assert_eq(engine_search(g_e[k], &rq, &r, &eb), CL_OK, "%s", eb.msg);
			cr_expect_eq(r.total, 2, "%s: filtered total %ld", name, r.total);
			for (size_t i = 0; i < r.facets[EF_AUTHORITY_TYPE].n; i++)
				if (!strcmp(r.facets[EF_AUTHORITY_TYPE].v[i].value, "la"))
					la_count = r.facets[EF_AUTHORITY_TYPE].v[i].count;
			cr_expect_eq(la_count, 2, "%s: la counted %ld", name, la_count);
			search_result_release(&r);
		}

		/* a query with a negated word keeps to the words (one rule for
		 * both engines) */
		search(k, "kommun -däck", &r);
		cr_expect_eq(r.total, 0, "%s: total %ld", name, r.total);
		search_result_release(&r);
	}
}

/* Issue 12 point 6: a suggestion goes to the form of the word that the
 * cases write most often when its forms find the same cases
 * ("markarbetn": markarbeten, in two cases, not markarbete, in one; by
 * byte order it was markarbete), and a word the translation lexicon knows
 * is not a typo ("meals", of "school meals", was rewritten to "reals"). */
Test(findability, suggestion_takes_the_commoner_form_and_knows_the_lexicon)
{
	for (int k = 0; k < 2; k++) {
		const char *name = engine_kind_name((enum engine_kind)k);
		struct cl_errbuf eb = {0};
		char *s = NULL;

		cr_assert_eq(engine_suggest(g_e[k], "markarbetn", &s, &eb), CL_OK, "%s", eb.msg);
		cr_expect(s && !strcmp(s, "markarbeten"), "%s: markarbetn -> %s", name,
			  s ? s : "(none)");
		free(s);
		s = NULL;
		cr_assert_eq(engine_suggest(g_e[k], "meals", &s, &eb), CL_OK, "%s", eb.msg);
		cr_expect_null(s, "%s: meals -> %s", name, s);
		free(s);
	}
}
