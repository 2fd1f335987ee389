/* test_parsers.c — the registry of source formats (indexer/parsers.c):
 * every format named in parsers.h resolves to a parser, unknown names do
 * not, and every registered parser survives empty input and random bytes
 * (with and without a plausible start) with an error or no record. */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "maptab.h"
#include "parse.h"
#include "parsers.h"
#include "taxonomy.h"
#include "testutil.h"

/* The formats parsers.h lists. */
static const char *const formats[] = {"ocds",    "eforms",    "ted-xml",    "se-stats-csv",
				      "ips-csv", "case-json", "ted-search", "case-md"};
#define NFORMATS (sizeof formats / sizeof formats[0])

Test(parsers, every_format_resolves)
{
	size_t n;
	const struct parser_def *all = parsers_all(&n);

	cr_assert_eq(n, NFORMATS, "registered: %zu", n);
	for (size_t i = 0; i < NFORMATS; i++) {
		const struct parser_def *p = parsers_find(formats[i]);

		cr_assert_not_null(p, "%s is not registered", formats[i]);
		cr_assert_str_eq(p->format, formats[i]);
		cr_assert_not_null(p->parse, "%s", formats[i]);
		cr_assert_not_null(p->what, "%s", formats[i]);
		cr_assert_gt(strlen(p->what), 10, "%s", formats[i]);
		cr_assert_null(strchr(p->what, '\n'), "%s", formats[i]);
	}
	/* the hooks: only OCDS keeps parts across payloads and pages by
	 * links.next (ted-search pages in the harvester: its pages are
	 * searches, not payloads) */
	for (size_t i = 0; i < n; i++) {
		int ocds = strcmp(all[i].format, "ocds") == 0;

		cr_assert_eq(all[i].parse_parts != NULL, ocds, "%s", all[i].format);
		cr_assert_eq(all[i].next != NULL, ocds, "%s", all[i].format);
	}
	for (size_t i = 0; i < n; i++) {
		cr_assert_eq(parsers_find(all[i].format), &all[i]);
		for (size_t k = 0; k < i; k++)
			cr_assert_str_neq(all[i].format, all[k].format);
	}
}

Test(parsers, unknown_formats)
{
	cr_assert_null(parsers_find("nope"));
	cr_assert_null(parsers_find(""));
	cr_assert_null(parsers_find(NULL));
	cr_assert_null(parsers_find("OCDS"));
	cr_assert_null(parsers_find("ocds "));
}

struct seen {
	long emitted, rejected, invalid;
};

static int count_emit(void *ud, struct case_record *c)
{
	struct seen *s = ud;

	s->invalid += tu_case_problem(c, NULL, 0);
	s->emitted++;
	return CL_OK;
}

static void count_reject(void *ud, long line, const char *why)
{
	struct seen *s = ud;

	(void)line;
	cr_assert_not_null(why);
	s->rejected++;
}

/* xorshift: the same bytes on every run */
static uint32_t next_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Each parser on empty input, on 1 KB of random bytes and on random bytes
 * after a start that gets it past its first check: an error, or no record
 * (a record, if any, must be valid) — and no crash (Criterion would report
 * one). */
Test(parsers, empty_and_random_input)
{
	static const char *const starts[] = {
		"",
		"{\"releases\": [{\"ocid\": \"ocds-r-1\", \"tender\": {\"title\": \"",
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ContractNotice>",
		"---\nid: case-r-1\ntitle: ",
		"Upphandlings-ID,Upphandlingens titel\n1,",
		"[{\"id\": \"case-r-1\", \"kind\": \"case\", \"title\": \"",
	};
	size_t n;
	const struct parser_def *all = parsers_all(&n);
	struct parse_src src = {"https://example.org/payload", "2026-11-27T05:00:00Z", NULL};

	for (size_t i = 0; i < n; i++) {
		for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
			for (uint32_t seed = 1; seed <= 4; seed++) {
				char buf[1024 + 128];
				size_t sl = strlen(starts[s]), len = sl + 1024;
				uint32_t x = seed * 2654435761u + (uint32_t)i;
				struct seen seen = {0, 0, 0};
				struct parse_sink sink = {count_emit, count_reject, &seen};
				struct cl_errbuf eb;
				int rc;

				memcpy(buf, starts[s], sl);
				for (size_t k = sl; k < len; k++)
					buf[k] = (char)(next_rand(&x) & 0xFF);
				rc = all[i].parse(buf, len, &src, &sink, &eb);
				cr_assert(rc != CL_OK || seen.emitted == 0,
					  "%s, start %zu, seed %u: %ld records from random bytes",
					  all[i].format, s, seed, seen.emitted);
				cr_assert_eq(seen.invalid, 0, "%s", all[i].format);
			}
		}
		{
			struct seen seen = {0, 0, 0};
			struct parse_sink sink = {count_emit, count_reject, &seen};
			struct cl_errbuf eb;
			int rc = all[i].parse("", 0, &src, &sink, &eb);

			cr_assert(rc != CL_OK || seen.emitted == 0, "%s: records from nothing",
				  all[i].format);
			rc = all[i].parse(NULL, 0, &src, &sink, &eb);
			cr_assert(rc != CL_OK || seen.emitted == 0, "%s: records from NULL",
				  all[i].format);
		}
	}
}

/* parse_maps_load: the loaded tables, and each kind of shape or code
 * problem refused with its message (flag_goal has the columns strategic,
 * goal). */
Test(parsers, maps_table_checks_shape_and_codes)
{
	struct two {
		struct maptab a, b;
	} m;
	struct cl_errbuf eb;
	static const struct {
		struct parse_map d;
		int rc;
		const char *msg;
	} t[] = {
		{{offsetof(struct two, b), "flag_goal", 2, 0, "strategic", {{"goal", TAX_GOALS}}},
		 CL_OK, ""},
		{{offsetof(struct two, b), "flag_goal", 3, 0, NULL, {{NULL, 0}}}, CL_ECORRUPT,
		 "map tables of test: unexpected columns"},
		{{offsetof(struct two, b), "flag_goal", 0, 3, NULL, {{NULL, 0}}}, CL_ECORRUPT,
		 "map tables of test: unexpected columns"},
		{{offsetof(struct two, b), "flag_goal", 0, 0, "goal", {{NULL, 0}}}, CL_ECORRUPT,
		 "map tables of test: unexpected columns"},
		{{offsetof(struct two, b), "flag_goal", 0, 0, NULL,
		  {{"goal", TAX_GOALS}, {"goal", TAX_SECTORS}}},
		 CL_ECORRUPT, "is not a sectors code"},
		{{offsetof(struct two, b), "nonesuch", 0, 0, NULL, {{NULL, 0}}}, CL_ENOTFOUND,
		 "nonesuch"},
	};

	cr_assert_eq(tax_load(&eb), CL_OK, "%s", eb.msg);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const struct parse_map defs[] = {
			{offsetof(struct two, a), "cofog", 0, 2, NULL, {{"sector", TAX_SECTORS}}},
			t[i].d,
		};

		eb.msg[0] = '\0';
		cr_assert_eq(parse_maps_load(&m, defs, 2, "test", &eb), t[i].rc, "case %zu: %s", i,
			     eb.msg);
		cr_assert(strstr(eb.msg, t[i].msg), "case %zu: %s", i, eb.msg);
		cr_assert_gt(m.a.nrows, 0, "case %zu: the first table is loaded", i);
		if (t[i].rc == CL_OK)
			cr_assert_eq(maptab_col(&m.b, "goal"), 1);
		parse_maps_release(&m, defs, 2);
		cr_assert_null(m.a.cells);
		cr_assert_null(m.b.cells);
	}
}
