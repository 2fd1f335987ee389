/* tests/test_fcstore.c — the counting layer's stored forms read back
 * (query/fcstore.h): change sets and value codes, good and damaged. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcstore.h"

Test(fcstore, change_set_lines)
{
	char text[] = FCS_DELTA_HEAD "42\n"
		      "p case-1\n"
		      "d 17\n"
		      "p sv/ted-2021-1\n"
		      "all\n"
		      "d 4294967295\n";
	char *body = fcs_delta_body(text, 42), *p;
	const char *id = NULL;
	uint32_t docid = 0;

	cr_assert_not_null(body);
	cr_expect_null(fcs_delta_body(text, 41), "another revision's set");
	cr_expect_null(fcs_delta_body(text, 4), "a prefix of the revision");
	cr_expect_null(fcs_delta_body("caselib fcount delta 2 base 42\n", 42));
	cr_expect_null(fcs_delta_body(NULL, 42));
	p = body;
	cr_assert_eq(fcs_delta_line(&p, &id, &docid), FCS_PUT);
	cr_expect_str_eq(id, "case-1");
	cr_assert_eq(fcs_delta_line(&p, &id, &docid), FCS_DEL);
	cr_expect_eq(docid, 17);
	cr_assert_eq(fcs_delta_line(&p, &id, &docid), FCS_PUT);
	cr_expect_str_eq(id, "sv/ted-2021-1");
	cr_expect_eq(fcs_delta_line(&p, &id, &docid), FCS_OTHER, "all: walk");
	cr_assert_eq(fcs_delta_line(&p, &id, &docid), FCS_DEL);
	cr_expect_eq(docid, UINT32_MAX);
	cr_expect_eq(fcs_delta_line(&p, &id, &docid), FCS_END);
	cr_expect_eq(fcs_delta_line(&p, &id, &docid), FCS_END, "and stays there");
}

Test(fcstore, damaged_change_set_lines)
{
	static const struct {
		const char *line;
		enum fcs_line want;
	} cases[] = {
		{"d 0\n", FCS_BAD},          {"d 4294967296\n", FCS_BAD}, {"d -1\n", FCS_BAD},
		{"d +1\n", FCS_BAD},         {"d 12x\n", FCS_BAD},        {"d \n", FCS_BAD},
		{"d 99999999999999999999999\n", FCS_BAD},                  {"p case-1", FCS_BAD},
		{"p \n", FCS_OTHER},         {"x 1\n", FCS_OTHER},        {"\n", FCS_OTHER},
		{"d1\n", FCS_OTHER},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *buf = strdup(cases[i].line), *p = buf;
		const char *id = NULL;
		uint32_t docid = 0;
		cr_expect_eq(fcs_delta_line(&p, &id, &docid), cases[i].want, "line %zu \"%s\"", i,
			     cases[i].line);
		cr_expect(p >= buf && p <= buf + strlen(cases[i].line), "line %zu: moved past its end",
			  i);
		free(buf);
	}
}

Test(fcstore, value_codes_round_trip)
{
	static const uint32_t codes[] = {0, 1, 127, 128, 300, 16383, 16384, (1u << 21) - 1,
					 1u << 21, (1u << 28) - 1, 1u << 28, UINT32_MAX};
	static const size_t sizes[] = {1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 5};
	unsigned char blob[sizeof codes / sizeof codes[0] * FCS_CODE_BYTES];
	size_t n = 0, pos = 0;

	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		size_t k = fcs_code_put(blob + n, codes[i]);
		cr_expect_eq(k, sizes[i], "code %u: %zu bytes", codes[i], k);
		n += k;
	}
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		uint32_t c = 0;
		cr_assert(fcs_code_get(blob, n, &pos, &c), "code %zu", i);
		cr_expect_eq(c, codes[i]);
	}
	cr_expect_eq(pos, n);
}

Test(fcstore, damaged_value_codes)
{
	static const struct {
		unsigned char b[6];
		size_t len;
	} bad[] = {
		{{0x80}, 1},                               /* cut off */
		{{0xff, 0xff}, 2},                         /* cut off */
		{{0xff, 0xff, 0xff, 0xff, 0x10}, 5},       /* 33 bits */
		{{0xff, 0xff, 0xff, 0xff, 0x8f, 0x01}, 6}, /* six bytes */
		{{0}, 0},                                  /* nothing */
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t pos = 0;
		uint32_t c = 0;
		cr_expect_not(fcs_code_get(bad[i].b, bad[i].len, &pos, &c), "case %zu", i);
		cr_expect_leq(pos, bad[i].len, "case %zu: read past the end", i);
	}
}

Test(fcstore, change_set_written_reads_back)
{
	struct dbuf v = DBUF_INIT(0), all = DBUF_INIT(0);
	struct fcs_changes ch = {0};
	const char *id = NULL;
	char *copy, *p;
	uint32_t docid = 0;

	fcs_note(&ch, 'p', "12");
	fcs_note(&ch, 'd', "7");
	cr_expect_eq(ch.n, 2);
	fcs_delta_text(&v, 99, &ch);
	cr_assert_eq(v.err, 0);
	copy = strdup(dbuf_str(&v));
	cr_assert_not_null(p = fcs_delta_body(copy, 99));
	cr_expect_eq(fcs_delta_line(&p, &id, &docid), FCS_PUT);
	cr_expect_str_eq(id, "12");
	cr_expect_eq(fcs_delta_line(&p, &id, &docid), FCS_DEL);
	cr_expect_eq(docid, 7);
	cr_expect_eq(fcs_delta_line(&p, &id, &docid), FCS_END);
	free(copy);
	/* a line that cannot be written (a newline in an id) makes it "all":
	 * the lines are not written */
	fcs_note(&ch, 'p', "two\nlines");
	cr_expect(ch.all);
	fcs_delta_text(&all, 5, &ch);
	copy = strdup(dbuf_str(&all));
	cr_assert_not_null(p = fcs_delta_body(copy, 5));
	cr_expect_eq(fcs_delta_line(&p, &id, &docid), FCS_OTHER);
	cr_expect_eq(fcs_delta_line(&p, &id, &docid), FCS_END);
	free(copy);
	fcs_changes_reset(&ch);
	cr_expect_eq(ch.n, 0);
	cr_expect_not(ch.all);
	dbuf_release(&v);
	dbuf_release(&all);
}
