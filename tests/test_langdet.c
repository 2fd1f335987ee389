/* test_langdet.c — language detection: a table of sentences in Swedish,
 * English, Finnish and other languages, then accuracy on real text: the
 * 853 English IPS cases, the Swedish government texts, and the longer
 * Swedish procurement titles of 2021. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "langdet.h"
#include "parse.h"
#include "parse_ips.h"
#include "parse_sestat.h"
#include "testutil.h"

static const struct {
	const char *text;
	int want; /* -1: anything but sv, en, fi */
} table[] = {
	{"Upphandling av skolmåltider för kommunens förskolor och skolor", LANGDET_SV},
	{"Region Skåne genomför en förkommersiell upphandling av digitala lösningar för vård i hemmet", LANGDET_SV},
	{"LUNDS KOMMUN HAR TECKNAT RAMAVTAL MED TVÅ LEVERANTÖRER", LANGDET_SV},
	{"The municipality procured school meals with climate requirements for the first time", LANGDET_EN},
	{"An innovation partnership for remote monitoring of patients with chronic heart failure", LANGDET_EN},
	{"Hankintayksikkö pyytää tarjouksia kaupungin koulujen ruokapalveluista vuosille 2024-2026", LANGDET_FI},
	{"Kunta hankkii sähköbusseja joukkoliikenteeseen ja tarjoukset on jätettävä sähköisesti", LANGDET_FI},
	{"Helsingin kaupunki ja Espoon kaupunki hankkivat yhdessä palveluja asukkaille", LANGDET_FI},
	{"Die Stadt vergibt einen Auftrag für die Lieferung von Elektrobussen und die Wartung der Fahrzeuge", LANGDET_OTHER},
	{"La ville lance un marché pour la fourniture des repas dans les écoles et les crèches", LANGDET_OTHER},
	/* Danish shares many function words with Swedish: "other" or undecided,
	 * never Swedish (checked below) */
	{"Kommunen har udbudt en kontrakt om levering af skolemad, og tilbud skal være modtaget efter fristen", -1},
	{"Skolmåltider", LANGDET_UNKNOWN},
	{"", LANGDET_UNKNOWN},
	{"12345 67890", LANGDET_UNKNOWN},
	{"\xff\xfe och att \xc3", LANGDET_SV},
};

Test(langdet, table)
{
	for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
		enum langdet_lang got = langdet_detect(table[i].text, strlen(table[i].text));
		if (table[i].want < 0)
			cr_expect(got == LANGDET_OTHER || got == LANGDET_UNKNOWN, "[%s]: got %d",
				  table[i].text, got);
		else
			cr_expect_eq((int)got, table[i].want, "[%s]: got %d, want %d", table[i].text,
				     got, table[i].want);
	}
	cr_assert_str_eq(langdet_code(LANGDET_SV), "sv");
	cr_assert_str_eq(langdet_code(LANGDET_EN), "en");
	cr_assert_str_eq(langdet_code(LANGDET_FI), "fi");
	cr_assert_null(langdet_code(LANGDET_OTHER));
	cr_assert_null(langdet_code(LANGDET_UNKNOWN));
	cr_assert_eq(langdet_detect(NULL, 10), LANGDET_UNKNOWN);
}

struct tally {
	long n, hit[5];
	int min_words;
};

static int count_words(const char *s)
{
	int n = 0, in = 0;
	for (; *s; s++) {
		int sp = *s == ' ';
		if (!sp && !in)
			n++;
		in = !sp;
	}
	return n;
}

static int tally_emit(void *ud, struct case_record *c)
{
	struct tally *t = ud;
	char buf[8192];
	if (count_words(c->title) < t->min_words)
		return CL_OK;
	snprintf(buf, sizeof buf, "%s %s", c->title, c->summary ? c->summary : "");
	t->hit[langdet_detect(buf, strlen(buf))]++;
	t->n++;
	return CL_OK;
}

static void run_parser(const char *rel, int ips, struct tally *t)
{
	struct parse_sink sink = {tally_emit, NULL, t};
	struct parse_src src = {NULL, "2026-11-27T05:00:00Z", NULL};
	struct cl_errbuf eb;
	char *p = tu_shared(rel);
	FILE *f = fopen(p, "rb");
	cr_assert_not_null(f, "%s", p);
	if (ips)
		cr_assert_eq(ips_parse_file(f, &src, &sink, NULL, &eb), CL_OK, "%s", eb.msg);
	else
		cr_assert_eq(sestat_parse_file(f, &src, &sink, NULL, &eb), CL_OK, "%s", eb.msg);
	fclose(f);
	free(p);
	cr_log_info("%s: %ld: en %ld, sv %ld, fi %ld, other %ld, unknown %ld", rel, t->n,
		    t->hit[LANGDET_EN], t->hit[LANGDET_SV], t->hit[LANGDET_FI], t->hit[LANGDET_OTHER],
		    t->hit[LANGDET_UNKNOWN]);
}

Test(langdet, ips_cases_are_english)
{
	struct tally t = {0};
	run_parser("ips-cases/cases.csv", 1, &t);
	cr_assert_eq(t.n, 853);
	cr_assert_geq(t.hit[LANGDET_EN] * 100, t.n * 98, "at least 98%% English");
	cr_assert_leq(t.hit[LANGDET_SV] + t.hit[LANGDET_FI], 3);
}

Test(langdet, long_swedish_titles_are_swedish)
{
	struct tally t = {0, {0}, 6};
	run_parser("se-procurements-2021/number_of_procurements.csv", 0, &t);
	cr_assert_gt(t.n, 1000);
	/* titles are terse: many have no function word at all (unknown), but a
	 * decided title is Swedish */
	cr_assert_geq(t.hit[LANGDET_SV] * 100, t.n * 60, "at least 60%% decided Swedish");
	cr_assert_leq((t.hit[LANGDET_EN] + t.hit[LANGDET_FI] + t.hit[LANGDET_OTHER]) * 100, t.n * 3,
		      "at most 3%% decided wrongly");
}

Test(langdet, government_texts_are_swedish)
{
	static const char *const files[] = {"sv-gov-texts/dir-2009-104.md",
					    "sv-gov-texts/uppdrag-om-innovationsupphandling-2012.md"};
	long paragraphs = 0, sv = 0;
	for (size_t i = 0; i < 2; i++) {
		char *p = tu_shared(files[i]), *text = tu_read_file(p, NULL), *para, *end;
		cr_assert_not_null(text, "%s", p);
		/* paragraphs are separated by an empty line */
		for (para = text; para && *para; para = end ? end + 2 : NULL) {
			end = strstr(para, "\n\n");
			if (end)
				*end = '\0';
			if (strlen(para) < 80)
				continue;
			paragraphs++;
			sv += langdet_detect(para, strlen(para)) == LANGDET_SV;
		}
		free(text);
		free(p);
	}
	cr_log_info("government texts: %ld paragraphs, %ld Swedish", paragraphs, sv);
	cr_assert_geq(paragraphs, 4);
	cr_assert_eq(sv, paragraphs);
}
