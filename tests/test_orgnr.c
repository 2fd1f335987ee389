/* test_orgnr.c — Swedish organisationsnummer (corpus/orgnr.c): accepted
 * forms and their canonical output, syntax errors, the Luhn check digit, and
 * every distinct buyer number in the real 2021 procurement statistics. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orgnr.h"
#include "testutil.h"

struct orgnr_case {
	const char *in;
	int rc;              /* 0, -1 (syntax) or -2 (check digit) */
	const char *canon;   /* expected canonical form when rc == 0 */
	int expected;        /* expected check digit when rc == -2 */
};

static const struct orgnr_case orgnr_cases[] = {
	/* Real numbers (names from the 2021 statistics file). */
	{"212000-1132", 0, "212000-1132", 0},   /* Lunds kommun */
	{"2120001132", 0, "212000-1132", 0},
	{"16212000-1132", 0, "212000-1132", 0},
	{"162120001132", 0, "212000-1132", 0},
	{"232100-0016", 0, "232100-0016", 0},   /* Region Stockholm */
	{"202100-0829", 0, "202100-0829", 0},   /* Kammarkollegiet */
	{"202100-6297", 0, "202100-6297", 0},   /* Trafikverket */
	{"232100-0255", 0, "232100-0255", 0},   /* Region Skåne */
	{"556000-0001", 0, "556000-0001", 0},   /* valid check digit */
	{"202100-5489", 0, "202100-5489", 0},   /* valid check digit */
	{"000000-0000", 0, "000000-0000", 0},   /* digit sum 0: check digit 0 */
	/* Check digit wrong: the digit that would be right is reported. */
	{"212000-1133", -2, NULL, 2},
	{"2120001130", -2, NULL, 2},
	{"16232100-0017", -2, NULL, 6},
	{"556000-0000", -2, NULL, 1},
	{"222000-0449", -2, NULL, 8},           /* a typo in the real data */
	/* Syntax. */
	{"", -1, NULL, 0},
	{"212000-113", -1, NULL, 0},
	{"212000-11322", -1, NULL, 0},
	{"21200011321", -1, NULL, 0},
	{"2120-001132", -1, NULL, 0},
	{"212000 1132", -1, NULL, 0},
	{"212000+1132", -1, NULL, 0},
	{"21200O-1132", -1, NULL, 0},
	{" 212000-1132", -1, NULL, 0},
	{"212000-1132 ", -1, NULL, 0},
	{"19212000-1132", -1, NULL, 0},         /* only the "16" prefix */
	{"16212000-113", -1, NULL, 0},
	{"0145076-7", -1, NULL, 0},             /* Finnish business id */
	{"SE2120001132", -1, NULL, 0},
};

Test(orgnr, table)
{
	for (size_t i = 0; i < sizeof orgnr_cases / sizeof orgnr_cases[0]; i++) {
		const struct orgnr_case *t = &orgnr_cases[i];
		char out[12] = "untouched";
		int expected = -1;
		int rc = orgnr_check(t->in, out, &expected);

		cr_expect_eq(rc, t->rc, "orgnr_check(\"%s\") = %d, want %d", t->in, rc, t->rc);
		if (t->rc == 0)
			cr_expect_str_eq(out, t->canon, "canonical form of \"%s\"", t->in);
		if (t->rc == -2)
			cr_expect_eq(expected, t->expected, "check digit for \"%s\": %d, want %d",
				     t->in, expected, t->expected);
	}
}

Test(orgnr, null_outputs_and_input)
{
	cr_assert_eq(orgnr_check("212000-1132", NULL, NULL), 0);
	cr_assert_eq(orgnr_check("212000-1133", NULL, NULL), -2);
	cr_assert_eq(orgnr_check(NULL, NULL, NULL), -1);
}

Test(orgnr, every_check_digit_position_matters)
{
	/* Changing any one digit of a valid number breaks the check (Luhn
	 * catches every single-digit error). */
	const char *good = "2120001132";

	for (int pos = 0; pos < 10; pos++) {
		for (char d = '0'; d <= '9'; d++) {
			char s[11];

			memcpy(s, good, 11);
			if (s[pos] == d)
				continue;
			s[pos] = d;
			cr_expect_eq(orgnr_check(s, NULL, NULL), -2, "%s should fail", s);
		}
	}
}

/* ---- the real statistics file -------------------------------------------- */

/* Minimal RFC 4180 reader: calls fn for each record with its fields
 * (quotes removed, "" unescaped in place). */
static void csv_each(char *text, void (*fn)(char **f, int nf, void *arg), void *arg)
{
	char *p = text;

	while (*p) {
		char *fields[64];
		int nf = 0;

		for (;;) {
			char *start = p, *w = p;

			if (*p == '"') {
				p++;
				for (;;) {
					if (*p == '\0')
						break;
					if (*p == '"' && p[1] == '"') {
						*w++ = '"';
						p += 2;
					} else if (*p == '"') {
						p++;
						break;
					} else {
						*w++ = *p++;
					}
				}
			} else {
				while (*p && *p != ',' && *p != '\n' && *p != '\r')
					p++;
				w = p;
			}
			if (nf < 64)
				fields[nf++] = start;
			if (*p == ',') {
				*w = '\0';
				p++;
				continue;
			}
			if (*p == '\r')
				p++;
			if (*p == '\n')
				p++;
			*w = '\0';
			break;
		}
		fn(fields, nf, arg);
	}
}

struct orgset {
	char num[2048][16];
	char name[2048][128];
	size_t n;
	size_t rows;
};

static void collect(char **f, int nf, void *arg)
{
	struct orgset *s = arg;

	if (nf < 3 || strcmp(f[0], "År") == 0)
		return;
	s->rows++;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->num[i], f[2]) == 0)
			return;
	cr_assert_lt(s->n, 2048);
	snprintf(s->num[s->n], sizeof s->num[0], "%s", f[2]);
	snprintf(s->name[s->n], sizeof s->name[0], "%s", f[1]);
	s->n++;
}

static struct orgset *load_orgset(void)
{
	char *path = tu_shared("se-procurements-2021/number_of_procurements.csv");
	char *text = tu_read_file(path, NULL);
	struct orgset *s = calloc(1, sizeof *s);

	cr_assert_not_null(text, "cannot read %s (set CASELIB_SHARED?)", path);
	cr_assert_not_null(s);
	csv_each(text, collect, s);
	free(text);
	free(path);
	return s;
}

Test(orgnr, every_buyer_in_the_2021_statistics)
{
	/* 1,169 distinct buyer numbers. 1,159 pass. The 10 that fail are
	 * explained: two Åland (Finnish) buyers carry Finnish business ids
	 * (NNNNNNN-N), and eight rows have a typing error in the source (e.g.
	 * Linköpings kommun as 2220000449 where its number is 212000-0449,
	 * which also appears in the file). */
	static const char *const syntax_bad[] = {"0145076-7", "0205034-3"};
	static const char *const check_bad[] = {
		"2220000449", "2331000180", "2121850000", "9950334511",
		"2220002542", "2120001050", "2021008040", "5565181522",
	};
	struct orgset *s = load_orgset();
	size_t pass = 0, nsyntax = 0, ncheck = 0;

	cr_assert_eq(s->rows, 18421, "rows: %zu", s->rows);
	cr_assert_eq(s->n, 1169, "distinct org numbers: %zu", s->n);
	for (size_t i = 0; i < s->n; i++) {
		char canon[12];
		int rc = orgnr_check(s->num[i], canon, NULL);
		int listed = 0;

		if (rc == 0) {
			pass++;
			/* canonical form is the same digits with the hyphen */
			cr_expect_eq(memcmp(canon, s->num[i], 6), 0);
			cr_expect_eq(memcmp(canon + 7, s->num[i] + 6, 4), 0);
			continue;
		}
		for (size_t k = 0; k < 2; k++)
			listed |= rc == -1 && strcmp(s->num[i], syntax_bad[k]) == 0;
		for (size_t k = 0; k < 8; k++)
			listed |= rc == -2 && strcmp(s->num[i], check_bad[k]) == 0;
		cr_expect(listed, "unexpected failure %d for %s (%s)", rc, s->num[i], s->name[i]);
		nsyntax += rc == -1;
		ncheck += rc == -2;
	}
	cr_expect_eq(pass, 1159);
	cr_expect_eq(nsyntax, 2);
	cr_expect_eq(ncheck, 8);
	free(s);
}

Test(orgnr, known_buyers_match_the_statistics)
{
	static const struct {
		const char *num, *name;
	} known[] = {
		{"2120001132", "LUNDS KOMMUN"},
		{"2321000016", "REGION STOCKHOLM"},
		{"2021000829", "KAMMARKOLLEGIET"},
		{"2021006297", "TRAFIKVERKET"},
		{"2321000255", "REGION SKÅNE"},
		{"2120001355", "GÖTEBORGS KOMMUN"},
		{"2321000131", "VÄSTRA GÖTALANDSREGIONEN"},
		{"2120001157", "HELSINGBORGS KOMMUN"},
		{"2120000951", "KRISTIANSTADS KOMMUN"},
	};
	struct orgset *s = load_orgset();

	for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
		size_t i;

		for (i = 0; i < s->n; i++)
			if (strcmp(s->num[i], known[k].num) == 0)
				break;
		cr_expect_lt(i, s->n, "%s not in the statistics", known[k].num);
		if (i < s->n)
			cr_expect_str_eq(s->name[i], known[k].name);
		cr_expect_eq(orgnr_check(known[k].num, NULL, NULL), 0, "%s", known[k].num);
	}
	free(s);
}
