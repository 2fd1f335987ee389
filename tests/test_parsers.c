/* test_parsers.c — the registry of source formats (indexer/parsers.c):
 * every format named in parsers.h resolves to a parser, unknown names do
 * not, and every registered parser survives empty input and random bytes
 * (with and without a plausible start) with an error or no record. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "parsers.h"

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
	struct case_problems p;
	json_t *j = case_to_json(c);

	case_problems_init(&p);
	if (!j || case_validate_json(j, 0, &p) != CL_OK)
		s->invalid++;
	json_decref(j);
	case_problems_release(&p);
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
