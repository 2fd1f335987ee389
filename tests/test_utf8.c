/* test_utf8.c — corpus/utf8.c: decoding and encoding at every length
 * boundary, what RFC 3629 refuses (overlongs, surrogates, values above
 * U+10FFFF, stray and missing continuation bytes, truncation), counting
 * and cutting at character boundaries, and a round trip over a real text
 * checked against utf8proc. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "testutil.h"
#include "utf8.h"

struct dec_case {
	const char *in;
	size_t n;      /* bytes offered */
	size_t len;    /* expected length, 0 = invalid */
	uint32_t cp;
};

static const struct dec_case dec_cases[] = {
	/* the first and last code point of every length */
	{"\x00", 1, 1, 0x0},
	{"\x7F", 1, 1, 0x7F},
	{"\xC2\x80", 2, 2, 0x80},
	{"\xDF\xBF", 2, 2, 0x7FF},
	{"\xE0\xA0\x80", 3, 3, 0x800},
	{"\xEF\xBF\xBF", 3, 3, 0xFFFF},
	{"\xF0\x90\x80\x80", 4, 4, 0x10000},
	{"\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF},
	/* Swedish letters, the euro sign, an emoji */
	{"\xC3\xA5", 2, 2, 0xE5},
	{"\xC3\x96", 2, 2, 0xD6},
	{"\xE2\x82\xAC", 3, 3, 0x20AC},
	{"\xF0\x9F\x98\x80", 4, 4, 0x1F600},
	/* around the surrogates */
	{"\xED\x9F\xBF", 3, 3, 0xD7FF},
	{"\xEE\x80\x80", 3, 3, 0xE000},
	{"\xED\xA0\x80", 3, 0, 0},       /* U+D800 */
	{"\xED\xBF\xBF", 3, 0, 0},       /* U+DFFF */
	/* overlong forms */
	{"\xC0\x80", 2, 0, 0},
	{"\xC1\xBF", 2, 0, 0},
	{"\xE0\x80\x80", 3, 0, 0},
	{"\xE0\x9F\xBF", 3, 0, 0},
	{"\xF0\x80\x80\x80", 4, 0, 0},
	{"\xF0\x8F\xBF\xBF", 4, 0, 0},
	/* above U+10FFFF, and lead bytes that never occur */
	{"\xF4\x90\x80\x80", 4, 0, 0},
	{"\xF5\x80\x80\x80", 4, 0, 0},
	{"\xF8\x88\x80\x80\x80", 5, 0, 0},
	{"\xFE", 1, 0, 0},
	{"\xFF", 1, 0, 0},
	/* a continuation byte alone, a missing one, a truncated sequence */
	{"\x80", 1, 0, 0},
	{"\xBF", 1, 0, 0},
	{"\xC3" "a", 2, 0, 0},
	{"\xE2\x82" "a", 3, 0, 0},
	{"\xC3\xA5", 1, 0, 0},
	{"\xE2\x82\xAC", 2, 0, 0},
	{"\xF0\x9F\x98\x80", 3, 0, 0},
	{"", 0, 0, 0},
};

Test(utf8, decode_table)
{
	for (size_t i = 0; i < sizeof dec_cases / sizeof dec_cases[0]; i++) {
		const struct dec_case *t = &dec_cases[i];
		uint32_t cp = 0xDEADBEEF;
		size_t len = utf8_decode(t->in, t->n, &cp);

		cr_assert_eq(len, t->len, "case %zu: length %zu, want %zu", i, len, t->len);
		if (t->len)
			cr_assert_eq(cp, t->cp, "case %zu: U+%04X, want U+%04X", i, (unsigned)cp,
				     (unsigned)t->cp);
		else
			cr_assert_eq(cp, 0xDEADBEEF, "case %zu: cp written on failure", i);
		/* validation agrees with decoding for a lone sequence */
		cr_assert_eq(utf8_valid(t->in, t->n), t->n == 0 || t->len == t->n, "case %zu", i);
		cr_assert_eq(utf8_decode(t->in, t->n, NULL), t->len, "case %zu: cp NULL", i);
	}
}

Test(utf8, encode_round_trip_every_scalar)
{
	char buf[UTF8_MAX];

	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		size_t k = utf8_encode(buf, cp);
		uint32_t back = 0;

		if (cp >= 0xD800 && cp <= 0xDFFF) {
			cr_assert_eq(k, 0, "surrogate U+%04X encoded", (unsigned)cp);
			continue;
		}
		cr_assert_eq(k, cp < 0x80 ? 1u : cp < 0x800 ? 2u : cp < 0x10000 ? 3u : 4u,
			     "U+%04X", (unsigned)cp);
		cr_assert_eq(utf8_decode(buf, k, &back), k, "U+%04X", (unsigned)cp);
		cr_assert_eq(back, cp);
	}
	cr_assert_eq(utf8_encode(buf, 0x110000), 0);
	cr_assert_eq(utf8_encode(buf, 0xFFFFFFFFu), 0);
}

Test(utf8, invalid_at)
{
	static const struct {
		const char *s;
		size_t n, at;
	} t[] = {
		{"", 0, 0},
		{"abc", 3, 3},
		{"r\xC3\xA4ksm\xC3\xB6rg\xC3\xA5s", 13, 13},
		{"ab\x80", 3, 2},
		{"\xC3\xA5\xC3", 3, 2},           /* truncated at the end */
		{"x\xED\xA0\x80y", 5, 1},         /* a surrogate */
		{"ok \xC0\xAF", 5, 3},            /* overlong '/' */
		{"\xE2\x82\xAC\xF4\x90\x80\x80", 7, 3},
		{"a\0b", 3, 3},                   /* NUL is a character */
	};

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		cr_assert_eq(utf8_invalid_at(t[i].s, t[i].n), t[i].at, "case %zu: %zu, want %zu", i,
			     utf8_invalid_at(t[i].s, t[i].n), t[i].at);
}

Test(utf8, count_and_offset)
{
	const char *s = "\xC3\xA5r \xE2\x82\xAC\xF0\x9F\x98\x80!"; /* "år €😀!" */

	cr_assert_eq(utf8_count(""), 0);
	cr_assert_eq(utf8_count(s), 6);
	cr_assert_eq(utf8_count_n(s, 2), 1);
	cr_assert_eq(utf8_count_n(s, 3), 2);
	cr_assert_eq(utf8_count_n(s, 5), 4); /* a started euro sign counts */
	cr_assert_eq(utf8_offset(s, 0), 0);
	cr_assert_eq(utf8_offset(s, 1), 2);
	cr_assert_eq(utf8_offset(s, 4), 7);
	cr_assert_eq(utf8_offset(s, 5), 11);
	cr_assert_eq(utf8_offset(s, 6), strlen(s));
	cr_assert_eq(utf8_offset(s, 99), strlen(s));
}

Test(utf8, cut_at_boundaries)
{
	const char *s = "a\xC3\xA5\xE2\x82\xAC\xF0\x9F\x98\x80"; /* a å € 😀: 1+2+3+4 bytes */
	size_t len = strlen(s);
	/* for each max, the cut: boundaries are at 0, 1, 3, 6, 10 */
	static const size_t want[] = {0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 10};

	for (size_t max = 0; max < sizeof want / sizeof want[0]; max++)
		cr_assert_eq(utf8_cut(s, len, max), want[max], "max %zu: %zu, want %zu", max,
			     utf8_cut(s, len, max), want[max]);
	cr_assert_eq(utf8_cut("abc", 3, 2), 2);
}

/* Every code point of a real Swedish government text decodes as utf8proc
 * decodes it, and the count agrees. */
Test(utf8, real_text_agrees_with_utf8proc)
{
	char *path = tu_shared("sv-gov-texts/dir-2009-104.md");
	size_t len = 0, i = 0, n = 0, nonascii = 0;
	char *text = tu_read_file(path, &len);

	cr_assert_not_null(text, "cannot read %s", path);
	cr_assert_eq(utf8_invalid_at(text, len), len);
	while (i < len) {
		uint32_t cp;
		utf8proc_int32_t want;
		size_t k = utf8_decode(text + i, len - i, &cp);
		utf8proc_ssize_t wk = utf8proc_iterate((const utf8proc_uint8_t *)text + i,
						       (utf8proc_ssize_t)(len - i), &want);

		cr_assert_eq((utf8proc_ssize_t)k, wk, "offset %zu", i);
		cr_assert_eq((utf8proc_int32_t)cp, want, "offset %zu", i);
		nonascii += cp >= 0x80;
		i += k;
		n++;
	}
	cr_assert_eq(utf8_count_n(text, len), n);
	cr_assert_gt(nonascii, 50, "expected a Swedish text (%zu non-ASCII)", nonascii);
	free(text);
	free(path);
}
