/* test_textan.c — the text analyser (query/textan.h): folding, segmentation
 * and offsets, hostile input, stopwords, stemming against the whole Snowball
 * vocabularies, and Swedish decompounding. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "textan.h"

/* ---- helpers ------------------------------------------------------------ */

#define MAXTOK 256

struct tokrec {
	char term[MAXTOK][300];
	size_t start[MAXTOK], end[MAXTOK];
	unsigned flags[MAXTOK];
	size_t n;
	int stop_after; /* return 42 after this many tokens; 0 = never */
};

static int rec_cb(void *ud, const struct ta_token *t)
{
	struct tokrec *r = ud;

	cr_assert_lt(r->n, MAXTOK);
	cr_assert_lt(t->len, sizeof r->term[0]);
	cr_assert_eq(strlen(t->term), t->len, "term must be NUL-terminated at len");
	memcpy(r->term[r->n], t->term, t->len + 1);
	r->start[r->n] = t->start;
	r->end[r->n] = t->end;
	r->flags[r->n] = t->flags;
	r->n++;
	if (r->stop_after && (int)r->n == r->stop_after)
		return 42;
	return 0;
}

static struct ta *open_ta(const char *lang, unsigned flags)
{
	struct ta *ta = NULL;
	struct cl_errbuf eb = {0};

	cr_assert_eq(ta_open(&ta, lang, flags, &eb), CL_OK, "ta_open %s: %s", lang, eb.msg);
	return ta;
}

static void run(struct ta *ta, const char *text, size_t len, unsigned mode, struct tokrec *r)
{
	memset(r, 0, sizeof *r);
	cr_assert_eq(ta_tokenize(ta, text, len, mode, rec_cb, r), CL_OK);
}

/* run() on a NUL-terminated text */
static void runs(struct ta *ta, const char *text, unsigned mode, struct tokrec *r)
{
	run(ta, text, strlen(text), mode, r);
}

/* The non-colocated terms joined by spaces. */
static void main_terms(const struct tokrec *r, char *out, size_t outsz)
{
	out[0] = '\0';
	for (size_t i = 0; i < r->n; i++) {
		if (r->flags[i] & TA_TOK_COLOCATED)
			continue;
		if (out[0])
			strncat(out, " ", outsz - strlen(out) - 1);
		strncat(out, r->term[i], outsz - strlen(out) - 1);
	}
}

static char *fold(const char *s)
{
	char *out = NULL;

	cr_assert_eq(ta_fold(s, strlen(s), &out, NULL), CL_OK);
	return out;
}

static void stem(struct ta *ta, const char *w, char *out, size_t outsz)
{
	int n = ta_stem_word(ta, w, strlen(w), out, outsz);
	cr_assert_geq(n, 1, "ta_stem_word(%s) = %d", w, n);
}

/* ---- folding -------------------------------------------------------------- */

Test(textan, fold_keeps_diacritics_and_folds_case)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "ÅÄÖ", "åäö" },
		{ "FÖR", "för" },
		{ "för", "för" },
		{ "Idé", "idé" },
		{ "ÉCOLE", "école" },
		{ "a\xCC\x8A", "å" },                 /* NFD: a + combining ring */
		{ "A\xCC\x8A" "LAND", "åland" },       /* NFD capital */
		{ "\xE2\x84\xAB", "å" },               /* U+212B ANGSTROM SIGN */
		{ "o\xCC\x88vrigt", "övrigt" },        /* o + combining diaeresis */
		{ "Straße", "strasse" },               /* full case folding */
		{ "ΣΟΦΊΑ", "σοφία" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = fold(cases[i].in);
		cr_expect_str_eq(got, cases[i].want, "fold(%s)", cases[i].in);
		free(got);
	}
}

Test(textan, for_is_not_for)
{
	char *a = fold("FÖR"), *b = fold("for");
	struct ta *ta = open_ta("sv", TA_NO_STOPWORDS);
	char sa[64], sb[64];

	cr_assert_str_neq(a, b);
	stem(ta, "för", sa, sizeof sa);
	stem(ta, "for", sb, sizeof sb);
	cr_assert_str_neq(sa, sb, "för and for must stay apart after stemming");
	free(a);
	free(b);
	ta_close(ta);
}

Test(textan, fold_replaces_invalid_utf8_and_nul)
{
	static const char in[] = "A\xFF" "b\0C\xC3";
	char *out = NULL;
	size_t len = 0;

	cr_assert_eq(ta_fold(in, sizeof in - 1, &out, &len), CL_OK);
	cr_assert_str_eq(out, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD");
	cr_assert_eq(len, strlen(out));
	free(out);
}

/* ---- segmentation and offsets ------------------------------------------ */

Test(textan, offsets_point_into_the_original_multibyte_text)
{
	/* "–" is U+2013 (3 bytes), "Ö" 2 bytes; NFD "å" in "Sta°ngby" 3 bytes */
	static const char text[] = "Skolmåltider i Östra Göinge – Sta\xCC\x8A" "ngby ÅÄÖ-test";
	static const char *const want_src[] = {
		"Skolmåltider", "Östra", "Göinge", "Sta\xCC\x8A" "ngby", "ÅÄÖ", "test",
	};
	static const char *const want_term[] = {
		"skolmåltider", "östra", "göinge", "stångby", "åäö", "test",
	};
	struct ta *ta = open_ta("sv", TA_NO_STEM);
	struct tokrec r;

	run(ta, text, sizeof text - 1, 0, &r);
	cr_assert_eq(r.n, 6, "got %zu tokens", r.n);
	for (size_t i = 0; i < r.n; i++) {
		size_t wl = strlen(want_src[i]);
		cr_expect_eq(r.end[i] - r.start[i], wl, "token %zu length", i);
		cr_expect(memcmp(text + r.start[i], want_src[i], wl) == 0,
			  "token %zu: text[%zu..%zu) is not '%s'", i, r.start[i], r.end[i],
			  want_src[i]);
		cr_expect_str_eq(r.term[i], want_term[i]);
	}
	ta_close(ta);
}

Test(textan, segmentation_rules)
{
	static const struct { const char *lang, *in, *want; } cases[] = {
		/* hyphens split: both parts are searchable, a quoted "e-tjänst"
		 * becomes the phrase "e tjänst" */
		{ "none", "e-tjänst", "e tjänst" },
		{ "none", "IT-upphandling", "it upphandling" },
		/* the Swedish colon inflection of abbreviations */
		{ "none", "EU:s direktiv och SKR:s stöd, IT:n", "eu direktiv och skr stöd it" },
		{ "none", "kl 10:30", "kl 10 30" },
		{ "none", "eu:s", "eu s" },
		/* apostrophes: inside a word they stay (and ’ becomes ') */
		{ "none", "company's O’Brien 'quoted'", "company's o'brien quoted" },
		/* soft hyphen and zero-width joiner inside a word are dropped;
		 * the zero-width space separates */
		{ "none", "upp\xC2\xAD" "handling", "upphandling" },
		{ "none", "ab\xE2\x80\x8D" "c x\xE2\x80\x8By", "abc x y" },
		/* digits and letters */
		{ "none", "COVID19 2021-05-01 3,5", "covid19 2021 05 01 3 5" },
		/* a combining mark with no letter before it is not a word */
		{ "none", "\xCC\x8A" "a \xCC\x8A", "a" },
		{ "none", "", "" },
		{ "none", " \t\n-- ", "" },
	};
	struct tokrec r;
	char got[512];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ta *ta = open_ta(cases[i].lang, 0);
		run(ta, cases[i].in, strlen(cases[i].in), 0, &r);
		main_terms(&r, got, sizeof got);
		cr_expect_str_eq(got, cases[i].want, "tokenize(%s)", cases[i].in);
		ta_close(ta);
	}
}

Test(textan, soft_hyphen_word_offsets_cover_the_whole_word)
{
	static const char text[] = "x upp\xC2\xAD" "handling y";
	struct ta *ta = open_ta("none", 0);
	struct tokrec r;

	run(ta, text, sizeof text - 1, 0, &r);
	cr_assert_eq(r.n, 3);
	cr_assert_str_eq(r.term[1], "upphandling");
	cr_assert_eq(r.start[1], 2);
	cr_assert_eq(r.end[1], 2 + 13);
	ta_close(ta);
}

Test(textan, invalid_utf8_and_nul_bytes_are_separators)
{
	static const char text[] = "avtal\xFF\xFEskola\0ramavtal \xC3(\xE2\x82 ok\xF0\x9F";
	struct ta *ta = open_ta("sv", TA_NO_STEM | TA_NO_STOPWORDS);
	struct tokrec r;
	char got[256];

	run(ta, text, sizeof text - 1, 0, &r);
	main_terms(&r, got, sizeof got);
	cr_assert_str_eq(got, "avtal skola ramavtal ok");
	cr_assert_eq(r.start[1], 7);
	cr_assert_eq(r.end[1], 12);
	cr_assert_eq(r.start[2], 13);
	ta_close(ta);
}

Test(textan, words_over_the_length_limit_are_skipped)
{
	char text[400];
	struct ta *ta = open_ta("none", 0);
	struct tokrec r;

	memset(text, 'a', TA_WORD_MAX_CHARS + 1);
	strcpy(text + TA_WORD_MAX_CHARS + 1, " kort ");
	memset(text + TA_WORD_MAX_CHARS + 7, 'b', TA_WORD_MAX_CHARS);
	text[2 * TA_WORD_MAX_CHARS + 7] = '\0';
	runs(ta, text, 0, &r);
	cr_assert_eq(r.n, 2);
	cr_assert_str_eq(r.term[0], "kort");
	cr_assert_eq(strlen(r.term[1]), TA_WORD_MAX_CHARS);
	ta_close(ta);
}

/* Random bytes (fixed seed), biased towards UTF-8 lead and continuation
 * bytes: no crash, every token lies inside the input, and its source is
 * valid UTF-8 that folds to something. */
Test(textan, random_bytes_never_break_the_invariants)
{
	static const unsigned char alphabet[] = {
		'a', 'B', 'z', ' ', '-', '\'', ':', '0', 0x00, 0x80, 0xBF, 0xC3, 0xA5, 0xCC,
		0x8A, 0xE2, 0x80, 0x99, 0xF0, 0x9F, 0xFF, 0xC2, 0xAD,
	};
	uint32_t seed = 12345;
	struct ta *ta = open_ta("sv", TA_DECOMPOUND | TA_SURFACE);
	struct tokrec r;
	unsigned char buf[200];

	for (int iter = 0; iter < 3000; iter++) {
		size_t len = 1 + iter % sizeof buf;
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = alphabet[(seed >> 16) % sizeof alphabet];
		}
		memset(&r, 0, sizeof r);
		cr_assert_eq(ta_tokenize(ta, (const char *)buf, len, iter & 1 ? TA_QUERY : 0,
					 rec_cb, &r), CL_OK);
		for (size_t i = 0; i < r.n; i++) {
			char *f = NULL;
			cr_assert_lt(r.start[i], r.end[i]);
			cr_assert_leq(r.end[i], len);
			cr_assert_gt(strlen(r.term[i]), 0);
			cr_assert_eq(ta_fold((const char *)buf + r.start[i], r.end[i] - r.start[i],
					     &f, NULL), CL_OK);
			free(f);
		}
	}
	ta_close(ta);
}

Test(textan, callback_return_value_stops_and_is_returned)
{
	struct ta *ta = open_ta("sv", 0);
	struct tokrec r;

	memset(&r, 0, sizeof r);
	r.stop_after = 2;
	cr_assert_eq(ta_tokenize(ta, "ett två tre fyra", 17, 0, rec_cb, &r), 42);
	cr_assert_eq(r.n, 2);
	ta_close(ta);
}

/* ---- stopwords ------------------------------------------------------------ */

Test(textan, stopwords_are_dropped_reported_or_kept)
{
	static const char text[] = "Ramavtal för skolmåltider och städning i kommunen";
	struct ta *ta = open_ta("sv", TA_NO_STEM);
	struct ta *keep = open_ta("sv", TA_NO_STEM | TA_NO_STOPWORDS);
	struct tokrec r;
	char got[256];

	run(ta, text, sizeof text - 1, 0, &r);
	main_terms(&r, got, sizeof got);
	cr_assert_str_eq(got, "ramavtal skolmåltider städning kommunen");

	run(ta, text, sizeof text - 1, TA_REPORT_STOP, &r);
	cr_assert_eq(r.n, 7);
	cr_assert_str_eq(r.term[1], "för");
	cr_assert(r.flags[1] & TA_TOK_STOP);
	cr_assert_eq(r.start[1], 9);
	cr_assert(!(r.flags[0] & TA_TOK_STOP));

	run(keep, text, sizeof text - 1, 0, &r);
	main_terms(&r, got, sizeof got);
	cr_assert_str_eq(got, "ramavtal för skolmåltider och städning i kommunen");
	cr_assert(ta_is_stopword(ta, "för", 4));
	cr_assert(!ta_is_stopword(ta, "for", 3));
	cr_assert(!ta_is_stopword(keep, "för", 4));
	ta_close(ta);
	ta_close(keep);
}

Test(textan, english_stopwords_keep_it_and_us)
{
	struct ta *ta = open_ta("en", TA_NO_STEM);
	struct tokrec r;
	char got[256];

	runs(ta, "The IT services for the US army and us", 0, &r);
	main_terms(&r, got, sizeof got);
	cr_assert_str_eq(got, "it services us army us");
	ta_close(ta);
}

/* The compiled-in lists are exactly the shipped files, sorted, unique. */
static void check_list(enum ta_lang lang, const char *path)
{
	const char *const *words = NULL;
	size_t n = ta_stopwords(lang, &words), i = 0;
	char *text = tu_read_file(path, NULL), *save = NULL, *line;

	cr_assert_not_null(text, "cannot read %s (tests run from the repository root)", path);
	cr_assert_gt(n, 50);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		cr_assert_lt(i, n, "%s has more words than the compiled list", path);
		cr_assert_str_eq(line, words[i], "%s word %zu", path, i);
		if (i > 0)
			cr_assert_lt(strcmp(words[i - 1], words[i]), 0, "not sorted at %s", words[i]);
		/* every listed word is already folded */
		char *f = fold(line);
		cr_assert_str_eq(f, line);
		free(f);
		i++;
	}
	cr_assert_eq(i, n, "%s has %zu words, the compiled list %zu", path, i, n);
	free(text);
}

Test(textan, stopword_files_match_the_compiled_lists)
{
	check_list(TA_LANG_SV, "query/stopwords_sv.txt");
	check_list(TA_LANG_EN, "query/stopwords_en.txt");
	cr_assert_eq(ta_stopwords(TA_LANG_NONE, &(const char *const *){ NULL }), 0);
}

/* ---- stemming ------------------------------------------------------------- */

Test(textan, inflections_share_a_stem)
{
	static const struct { const char *lang; const char *words[5]; } groups[] = {
		{ "sv", { "ramavtalet", "ramavtal", "ramavtalen", "Ramavtalets", NULL } },
		{ "sv", { "upphandlingar", "upphandling", "upphandlingen", "UPPHANDLINGARNA", NULL } },
		{ "sv", { "avtalet", "avtal", "avtalen", NULL } },
		{ "sv", { "måltider", "måltid", "måltiden", NULL } },
		{ "en", { "procurements", "procurement", "Procurement", NULL } },
		{ "en", { "services", "service", "serviced", NULL } },
	};

	for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
		struct ta *ta = open_ta(groups[g].lang, 0);
		char first[128], s[128];
		stem(ta, groups[g].words[0], first, sizeof first);
		for (size_t i = 1; groups[g].words[i]; i++) {
			stem(ta, groups[g].words[i], s, sizeof s);
			cr_expect_str_eq(s, first, "%s: stem(%s) = %s, stem(%s) = %s", groups[g].lang,
					 groups[g].words[i], s, groups[g].words[0], first);
		}
		ta_close(ta);
	}
}

Test(textan, stem_word_errors)
{
	struct ta *ta = open_ta("sv", 0);
	char small[3], out[64];

	cr_assert_eq(ta_stem_word(ta, "", 0, out, sizeof out), CL_EINVAL);
	cr_assert_eq(ta_stem_word(ta, "a\xFF", 2, out, sizeof out), CL_EINVAL);
	cr_assert_eq(ta_stem_word(ta, "upphandling", 11, small, sizeof small), CL_ETOOBIG);
	cr_assert_eq(ta_stem_word(ta, "Avtalet", 7, out, sizeof out), 5);
	cr_assert_str_eq(out, "avtal");
	ta_close(ta);
}

/* Runs every word of snowball-vocab/<lang>/voc.txt through ta_stem_word and
 * compares with output.txt; returns the number of differences and calls
 * check(word) for each. */
static size_t vocab_diff(const char *stemmer_lang, const char *dir, size_t *total,
			 void (*check)(const char *word, const char *got, const char *want))
{
	char *vp = NULL, *op = NULL;
	char *voc, *outp, *vs = NULL, *os = NULL, *v, *o;
	struct ta *ta = open_ta(stemmer_lang, 0);
	size_t diff = 0, n = 0;
	char got[256];

	cr_assert(asprintf(&vp, "snowball-vocab/%s/voc.txt", dir) > 0);
	cr_assert(asprintf(&op, "snowball-vocab/%s/output.txt", dir) > 0);
	{
		char *p1 = tu_shared(vp), *p2 = tu_shared(op);
		voc = tu_read_file(p1, NULL);
		outp = tu_read_file(p2, NULL);
		cr_assert_not_null(voc, "cannot read %s", p1);
		cr_assert_not_null(outp, "cannot read %s", p2);
		free(p1);
		free(p2);
	}
	for (v = strtok_r(voc, "\n", &vs), o = strtok_r(outp, "\n", &os); v && o;
	     v = strtok_r(NULL, "\n", &vs), o = strtok_r(NULL, "\n", &os)) {
		int k = ta_stem_word(ta, v, strlen(v), got, sizeof got);
		cr_assert_geq(k, 0, "ta_stem_word(%s) = %d", v, k);
		n++;
		if (strcmp(got, o) != 0) {
			diff++;
			check(v, got, o);
		}
	}
	cr_assert_null(v, "voc.txt and output.txt differ in length");
	cr_assert_null(o, "voc.txt and output.txt differ in length");
	*total = n;
	free(voc);
	free(outp);
	free(vp);
	free(op);
	ta_close(ta);
	return diff;
}

static void sv_check(const char *word, const char *got, const char *want)
{
	cr_expect_fail("swedish: %s -> %s, Snowball says %s", word, got, want);
}

Test(textan, swedish_stems_agree_with_the_whole_snowball_vocabulary)
{
	size_t total = 0, diff = vocab_diff("sv", "swedish", &total, sv_check);

	cr_assert_eq(total, 30738);
	cr_assert_eq(diff, 0, "%zu of %zu Swedish words differ", diff, total);
}

/* Debian's libstemmer 2.2 predates Snowball 3's English changes; these are
 * the words where the two differ (docs/text-analysis.md lists why). Any
 * other difference fails; fewer (a newer libstemmer) pass. */
static const char *const en_known[] = {
	"added", "adding", "apologists", "archaeologists", "ebbed", "ebbing",
	"emergencies", "emergency", "entomologist", "erred", "erring", "evening",
	"evenings", "genealogist", "geologist", "geologists", "hying",
	"interfered", "interfering", "internal", "internality", "internalization",
	"internalize", "internalized", "internalizes", "internally",
	"internalness", "international", "internationally", "internationals",
	"internment", "internments", "interval", "intervals", "lateral",
	"laterally", "offing", "oncologist", "oncologists", "organic",
	"organically", "organism", "organization", "organizations", "organize",
	"organized", "ornithologist", "ornithologists", "paste", "pasted",
	"pasting", "psychologist", "universal", "universally", "universities",
	"university", "vying",
};

static void en_check(const char *word, const char *got, const char *want)
{
	for (size_t i = 0; i < sizeof en_known / sizeof en_known[0]; i++)
		if (strcmp(word, en_known[i]) == 0)
			return;
	cr_expect_fail("english: %s -> %s, Snowball says %s (not a known difference)", word,
		       got, want);
}

Test(textan, english_stems_agree_with_the_snowball_vocabulary_but_known_words)
{
	size_t total = 0, diff = vocab_diff("en", "english", &total, en_check);

	cr_assert_eq(total, 42649);
	cr_assert_leq(diff, sizeof en_known / sizeof en_known[0]);
	/* agreement >= 99.86 % */
	cr_assert_geq((double)(total - diff) / (double)total, 0.9986);
}

/* ---- query modes ----------------------------------------------------------- */

Test(textan, prefix_word_is_folded_not_stemmed)
{
	struct ta *ta = open_ta("sv", 0);
	struct tokrec r;
	char s[64];

	runs(ta, "Ramavtalen Upphandlinga", TA_QUERY | TA_PREFIX, &r);
	cr_assert_eq(r.n, 2);
	cr_assert_str_eq(r.term[0], "ramavtal");
	cr_assert_eq(r.flags[0], 0);
	cr_assert_str_eq(r.term[1], "upphandlinga");
	cr_assert_eq(r.flags[1], TA_TOK_PREFIX);
	stem(ta, "upphandlinga", s, sizeof s);
	cr_assert_str_neq(s, "upphandlinga", "the stemmer would have cut it");

	/* a prefix is never a stopword: "för*" finds "förvaltning" */
	runs(ta, "för", TA_QUERY | TA_PREFIX, &r);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.term[0], "för");
	cr_assert_eq(r.flags[0], TA_TOK_PREFIX);
	ta_close(ta);
}

Test(textan, surface_forms_beside_stems_for_documents_only)
{
	struct ta *ta = open_ta("en", TA_SURFACE);
	struct tokrec r;

	runs(ta, "policy service it", 0, &r);
	cr_assert_eq(r.n, 5);
	cr_assert_str_eq(r.term[0], "polici");
	cr_assert_str_eq(r.term[1], "policy");
	cr_assert_eq(r.flags[1], TA_TOK_COLOCATED);
	cr_assert_eq(r.start[1], 0);
	cr_assert_eq(r.end[1], 6);
	cr_assert_str_eq(r.term[2], "servic");
	cr_assert_str_eq(r.term[3], "service");
	cr_assert_str_eq(r.term[4], "it"); /* stem == word: no extra term */
	runs(ta, "policy", TA_QUERY, &r);
	cr_assert_eq(r.n, 1);
	ta_close(ta);
}

Test(textan, auto_language)
{
	struct ta *ta = open_ta("auto", TA_NO_STEM);
	struct ta *st = open_ta("auto", 0);
	struct tokrec r;
	char got[256];

	cr_assert_eq(ta_detect_lang("Upphandling av skolmåltider för kommunen", strlen("Upphandling av skolmåltider för kommunen")), TA_LANG_SV);
	cr_assert_eq(ta_detect_lang("The procurement of school meals in the city", strlen("The procurement of school meals in the city")),
		     TA_LANG_EN);
	cr_assert_eq(ta_detect_lang("Skolmåltider", strlen("Skolmåltider")), TA_LANG_SV);
	cr_assert_eq(ta_detect_lang("", strlen("")), TA_LANG_SV);

	/* documents: one language's stopwords */
	runs(ta, "The city and the school", 0, &r);
	main_terms(&r, got, sizeof got);
	cr_assert_str_eq(got, "city school");
	runs(ta, "Staden och skolan i en by", 0, &r);
	main_terms(&r, got, sizeof got);
	cr_assert_str_eq(got, "staden skolan by");
	/* queries: either language's stopwords; both stems, colocated */
	runs(st, "the och procurements", TA_QUERY, &r);
	cr_assert_eq(r.n, 2);
	cr_assert_str_eq(r.term[0], "procurement"); /* Swedish stem */
	cr_assert_str_eq(r.term[1], "procur");      /* English stem */
	cr_assert_eq(r.flags[1], TA_TOK_COLOCATED);
	ta_close(ta);
	ta_close(st);
}

Test(textan, open_rejects_bad_arguments)
{
	struct ta *ta = (struct ta *)1;
	struct cl_errbuf eb = {0};

	cr_assert_eq(ta_open(&ta, "fi", 0, &eb), CL_EINVAL);
	cr_assert_null(ta);
	cr_assert(strstr(eb.msg, "fi") != NULL, "message: %s", eb.msg);
	cr_assert_eq(ta_open(&ta, "sv", 0x100, &eb), CL_EINVAL);
	ta_close(NULL);
	cr_assert_eq(ta_open(&ta, NULL, 0, &eb), CL_OK);
	cr_assert_eq(ta_language(ta), TA_LANG_SV);
	cr_assert_str_eq(ta_lang_name(ta_language(ta)), "sv");
	ta_close(ta);
}

/* ---- decompounding -------------------------------------------------------- */

/* The colocated terms of the first word of text. */
static size_t heads_of(struct ta *ta, const char *text, char heads[][300], size_t max)
{
	struct tokrec r;
	size_t n = 0;

	run(ta, text, strlen(text), 0, &r);
	cr_assert_geq(r.n, 1);
	cr_assert_eq(r.flags[0] & TA_TOK_COLOCATED, 0);
	for (size_t i = 1; i < r.n && (r.flags[i] & TA_TOK_COLOCATED) && n < max; i++) {
		cr_assert_eq(r.start[i], r.start[0]);
		cr_assert_eq(r.end[i], r.end[0]);
		strcpy(heads[n++], r.term[i]);
	}
	return n;
}

static int has_head(char heads[][300], size_t n, const char *want)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(heads[i], want) == 0)
			return 1;
	return 0;
}

Test(textan, compound_heads_are_colocated)
{
	static const struct { const char *compound, *head; } cases[] = {
		{ "skolmåltider", "måltider" },
		{ "innovationsupphandling", "upphandling" },
		{ "Innovationsupphandlingar", "upphandlingar" },
		{ "ramavtalet", "avtalet" },
		{ "kyrkogårdsförvaltning", "förvaltning" },
		{ "hemtjänsten", "tjänst" },
		{ "kvalitetsuppföljningssystem", "system" },
		{ "brandskyddsutrustning", "utrustning" }, /* the head's head */
	};
	struct ta *ta = open_ta("sv", TA_DECOMPOUND);

	cr_assert(ta_decompound_available(), "hunspell-sv is a build dependency");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char heads[4][300], want[128];
		size_t n = heads_of(ta, cases[i].compound, heads, 4);
		stem(ta, cases[i].head, want, sizeof want);
		cr_expect(has_head(heads, n, want), "%s: no colocated '%s' (%zu heads)",
			  cases[i].compound, want, n);
	}
	ta_close(ta);
}

Test(textan, words_that_must_not_be_split)
{
	static const char *const words[] = {
		"måltid",      /* shorter than 8 letters */
		"skolbil",
		"upphandling", /* upp|handling: a particle, not a compound */
		"förhandling",
		"fastighet",   /* fas|tighet: -het is a derivation, not a word */
		"kommunen",    /* kom|munen: "mun" does not end compounds */
		"handlande",
	};
	struct ta *ta = open_ta("sv", TA_DECOMPOUND);

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		char heads[4][300], out[64];
		cr_expect_eq(heads_of(ta, words[i], heads, 4), 0, "%s was split into %s", words[i],
			     heads[0]);
		cr_expect_eq(ta_decompound_word(ta, words[i], strlen(words[i]), out, sizeof out), 0);
		cr_expect_str_eq(out, "");
	}
	ta_close(ta);
}

Test(textan, decompounding_only_when_asked_and_only_for_documents)
{
	struct ta *plain = open_ta("sv", 0), *dc = open_ta("sv", TA_DECOMPOUND);
	struct ta *en = open_ta("en", TA_DECOMPOUND);
	struct tokrec r;
	char out[64];

	runs(plain, "skolmåltider", 0, &r);
	cr_assert_eq(r.n, 1);
	runs(dc, "skolmåltider", TA_QUERY, &r);
	cr_assert_eq(r.n, 1);
	runs(dc, "skolmåltider", TA_NO_EXTRA, &r);
	cr_assert_eq(r.n, 1);
	runs(en, "skolmåltider", 0, &r);
	cr_assert_eq(r.n, 1);
	runs(dc, "skolmåltider", 0, &r);
	cr_assert_eq(r.n, 2);
	/* ta_decompound_word works without the option */
	cr_assert_eq(ta_decompound_word(plain, "Skolmåltider", 13, out, sizeof out), 7);
	cr_assert_str_eq(out, "måltid");
	cr_assert_eq(ta_decompound_word(plain, "Skolmåltider", 13, out, 3), CL_ETOOBIG);
	cr_assert_eq(ta_decompound_word(en, "Skolmåltider", 13, out, sizeof out), 0);
	ta_close(plain);
	ta_close(dc);
	ta_close(en);
}

Test(textan, dictionary_stats)
{
	struct ta_dict_stats st;
	char fp[128], small[8];

	cr_assert_eq(ta_fingerprint(fp, sizeof fp), CL_OK);
	cr_assert(strstr(fp, "ta/") == fp && strstr(fp, "dict:1") != NULL, "%s", fp);
	cr_assert_eq(ta_fingerprint(small, sizeof small), CL_ETOOBIG);

	cr_assert_eq(ta_decompound_stats(&st), CL_OK);
	cr_assert_gt(st.entries, 100000);
	cr_assert_gt(st.heads, 50000);
	cr_assert_gt(st.mods, 10000);
	cr_assert_gt(st.bytes, 0);
	cr_assert_not_null(st.path);
}

/* Criterion runs each test in its own process, so the process-wide
 * dictionary is loaded afresh here, from the overridden path. */
Test(textan, missing_dictionary_turns_decompounding_off)
{
	struct ta *ta;
	struct tokrec r;
	struct ta_dict_stats st;
	char got[128];

	setenv("CASELIB_SV_DICT", "/nonexistent/sv_SE.dic", 1);
	ta = open_ta("sv", TA_DECOMPOUND);
	cr_assert_eq(ta_decompound_available(), 0);
	cr_assert_eq(ta_decompound_stats(&st), CL_ENOTFOUND);
	cr_assert_str_eq(st.path, "/nonexistent/sv_SE.dic");
	runs(ta, "Skolmåltider och innovationsupphandling", 0, &r);
	main_terms(&r, got, sizeof got);
	cr_assert_str_eq(got, "skolmåltid innovationsupphandling");
	cr_assert_eq(r.n, 2);
	cr_assert_eq(ta_fingerprint(got, sizeof got), CL_OK);
	cr_assert(strstr(got, "dict:none") != NULL, "%s", got);
	ta_close(ta);
}

/* A tiny hunspell dictionary of our own through CASELIB_SV_DICT: the
 * compounding flags are read from its .aff, not assumed. */
Test(textan, dictionary_from_the_environment)
{
	char *dir = tu_tmpdir(), *dic = NULL, *aff = NULL;
	static const char aff_text[] =
		"SET UTF-8\nCOMPOUNDBEGIN B\nCOMPOUNDEND E\nONLYINCOMPOUND O\n"
		"SFX s N 1\nSFX s 0 s/B .\n";
	static const char dic_text[] = "4\ncykel/BE\nbana/E\nstad/s\nmun/B\n";
	struct ta *ta;
	char heads[4][300];
	size_t n;

	cr_assert(asprintf(&dic, "%s/x.dic", dir) > 0);
	cr_assert(asprintf(&aff, "%s/x.aff", dir) > 0);
	tu_write_file(aff, aff_text, sizeof aff_text - 1);
	tu_write_file(dic, dic_text, sizeof dic_text - 1);
	setenv("CASELIB_SV_DICT", dic, 1);
	ta = open_ta("sv", TA_DECOMPOUND | TA_NO_STEM);
	cr_assert(ta_decompound_available());
	n = heads_of(ta, "cykelbanan", heads, 4);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(heads[0], "banan"); /* TA_NO_STEM: the head as written */
	n = heads_of(ta, "stadscykel", heads, 4); /* "stads" from the s rule */
	cr_assert_eq(n, 1);
	cr_assert_str_eq(heads[0], "cykel");
	n = heads_of(ta, "cykelstad", heads, 4); /* "stad" may not end one */
	cr_assert_eq(n, 0);
	ta_close(ta);
	tu_rmtree(dir);
	free(dir);
	free(dic);
	free(aff);
}
