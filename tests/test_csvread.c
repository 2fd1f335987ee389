/* test_csvread.c — the streaming CSV reader (indexer/csvread.c): tricky
 * but valid input (quoted separators and newlines, doubled quotes, CRLF,
 * BOM, missing final newline, empty fields and lines) read from memory and
 * from a FILE *, every limit and every kind of bad input (with the line
 * and column it must name, and recovery at the next record), and the two
 * real CSV files of the shared data. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvread.h"
#include "testutil.h"

/* ---- helpers -------------------------------------------------------------- */

/* Reads every record of data into one string: records separated by '\n',
 * fields by '|', each record prefixed with its line ("3:a|b"); a record
 * error appears as "3:!<code>". Caller frees. */
static char *dump(const char *data, size_t len, int use_file)
{
	struct csvr r;
	struct cl_errbuf eb;
	char *out = NULL;
	size_t outlen = 0;
	FILE *mf = open_memstream(&out, &outlen);
	FILE *in = NULL;
	int rc;

	cr_assert_not_null(mf);
	if (use_file) {
		in = fmemopen((void *)(uintptr_t)data, len, "r");
		cr_assert_not_null(in);
		csvr_init_file(&r, in);
	} else {
		csvr_init_mem(&r, data, len);
	}
	while ((rc = csvr_next(&r, &eb)) != CSVR_END) {
		if (rc < 0) {
			fprintf(mf, "%ld:!%d\n", csvr_line(&r), rc);
			if (csvr_fatal(&r))
				break;
			continue;
		}
		fprintf(mf, "%ld:", csvr_line(&r));
		for (size_t i = 0; i < csvr_nfields(&r); i++)
			fprintf(mf, "%s%s", i ? "|" : "", csvr_field(&r, i, NULL));
		fputc('\n', mf);
	}
	csvr_release(&r);
	if (in)
		fclose(in);
	fclose(mf);
	return out;
}

struct valid_case {
	const char *name;
	const char *in;
	const char *want;
};

static const struct valid_case valid_cases[] = {
	{"simple", "a,b,c\n1,2,3\n", "1:a|b|c\n2:1|2|3\n"},
	{"no final newline", "a,b\n1,2", "1:a|b\n2:1|2\n"},
	{"CRLF", "a,b\r\n1,2\r\n", "1:a|b\n2:1|2\n"},
	{"lone CR", "a,b\r1,2\r", "1:a|b\n2:1|2\n"},
	{"BOM", "\xEF\xBB\xBF" "a,b\n1,2\n", "1:a|b\n2:1|2\n"},
	{"BOM only at the start", "x\n\xEF\xBB\xBFy\n", "1:x\n2:\xEF\xBB\xBFy\n"},
	{"quoted comma", "\"a,b\",c\n", "1:a,b|c\n"},
	{"quoted newline moves the line count", "\"a\nb\",c\nd,e\n", "1:a\nb|c\n3:d|e\n"},
	{"quoted CRLF kept", "\"a\r\nb\"\r\nc\r\n", "1:a\r\nb\n3:c\n"},
	{"doubled quotes", "\"say \"\"hi\"\"\",x\n", "1:say \"hi\"|x\n"},
	{"only a quote", "\"\"\"\"\n", "1:\"\n"},
	{"empty fields", ",,\n", "1:||\n"},
	{"empty quoted field", "\"\",x\n", "1:|x\n"},
	{"trailing comma", "a,\n", "1:a|\n"},
	{"empty lines skipped", "\n\na\n\r\n\nb\n\n", "3:a\n6:b\n"},
	{"quote inside unquoted field", "24\" screen,x\n", "1:24\" screen|x\n"},
	{"utf-8 kept", "Förfarande,Öppet\n", "1:Förfarande|Öppet\n"},
	{"4-byte utf-8", "\xF0\x9F\x98\x80,x\n", "1:\xF0\x9F\x98\x80|x\n"},
	{"empty input", "", ""},
	{"only newlines", "\n\r\n", ""},
};

Test(csvread, valid_input_table)
{
	for (size_t k = 0; k < sizeof valid_cases / sizeof valid_cases[0]; k++) {
		const struct valid_case *tc = &valid_cases[k];

		/* fmemopen() cannot open an empty buffer: memory only then. */
		for (int use_file = 0; use_file < (*tc->in ? 2 : 1); use_file++) {
			char *got = dump(tc->in, strlen(tc->in), use_file);
			cr_assert_str_eq(got, tc->want, "%s (%s): got\n%s", tc->name,
					 use_file ? "FILE" : "memory", got);
			free(got);
		}
	}
}

/* ---- errors --------------------------------------------------------------- */

struct err_case {
	const char *name;
	const char *in;
	size_t len; /* 0: strlen */
	int code;
	const char *msg;   /* must appear in the message */
	const char *after; /* what the next read gives: dump() of the rest */
};

static const struct err_case err_cases[] = {
	{"invalid byte", "a\nb,c\xFF" "d\ne\n", 0, CL_EPARSE, "line 2, column 4: invalid UTF-8",
	 "3:e\n"},
	{"overlong form", "x,\xC0\x80\ny\n", 0, CL_EPARSE, "line 1, column 3", "2:y\n"},
	{"surrogate", "\xED\xA0\x80\ny\n", 0, CL_EPARSE, "line 1, column 1", "2:y\n"},
	{"truncated sequence at field end", "ab\xC3,x\ny\n", 0, CL_EPARSE,
	 "line 1, column 3: truncated UTF-8", "2:y\n"},
	{"stray continuation byte", "ok\n\"q\nr\x80s\",t\nz\n", 0, CL_EPARSE,
	 "line 3, column 2", "4:z\n"},
	{"NUL byte", "a\0b,c\nd\n", 8, CL_EPARSE, "line 1, column 2: NUL byte", "2:d\n"},
	{"text after closing quote", "\"ab\"c,d\ne\n", 0, CL_EPARSE,
	 "line 1, column 5: text after the closing quote", "2:e\n"},
	{"unterminated quote", "a\n\"open,\nnever closed\n", 0, CL_EPARSE,
	 "line 2: quoted field is not closed", ""},
};

static void check_error_case(const struct err_case *tc)
{
	size_t len = tc->len ? tc->len : strlen(tc->in);
	struct csvr r;
	struct cl_errbuf eb;
	int rc;
	char rest[256] = "";
	size_t o = 0;

	csvr_init_mem(&r, tc->in, len);
	/* Good records before the bad one are read normally. */
	while ((rc = csvr_next(&r, &eb)) == CSVR_RECORD)
		;
	cr_assert_eq(rc, tc->code, "%s: rc %d", tc->name, rc);
	cr_assert_not_null(strstr(eb.msg, tc->msg), "%s: message \"%s\" lacks \"%s\"", tc->name,
			   eb.msg, tc->msg);
	/* Then the reader goes on with the next record (or stays failed). */
	while ((rc = csvr_next(&r, &eb)) != CSVR_END) {
		if (rc < 0) {
			cr_assert(csvr_fatal(&r), "%s: second error %s", tc->name, eb.msg);
			break;
		}
		o += (size_t)snprintf(rest + o, sizeof rest - o, "%ld:%s\n", csvr_line(&r),
				      csvr_field(&r, 0, NULL));
	}
	cr_assert_str_eq(rest, tc->after, "%s: after the error got \"%s\"", tc->name, rest);
	csvr_release(&r);
}

Test(csvread, error_table)
{
	for (size_t k = 0; k < sizeof err_cases / sizeof err_cases[0]; k++)
		check_error_case(&err_cases[k]);
}

Test(csvread, fatal_error_is_sticky)
{
	struct csvr r;
	struct cl_errbuf eb;
	const char *in = "\"never closed\n";

	csvr_init_mem(&r, in, strlen(in));
	cr_assert_eq(csvr_next(&r, &eb), CL_EPARSE);
	cr_assert(csvr_fatal(&r));
	cr_assert_eq(csvr_next(&r, &eb), CL_EPARSE);
	cr_assert_not_null(strstr(eb.msg, "line 1"));
	csvr_release(&r);
}

/* The size limits of the reader. */
enum limit { FIELD_BYTES, FIELDS, RECORD_BYTES };

/* Reads in (into r, which the caller releases) with one limit set to max:
 * `before` records pass, then the one at line `line` is CL_ETOOBIG with
 * msg and not fatal, and reading goes on with a record whose first field
 * is next. */
static void over_limit(struct csvr *r, const char *in, enum limit which, size_t max, int before,
		       long line, const char *msg, const char *next)
{
	struct cl_errbuf eb;

	csvr_init_mem(r, in, strlen(in));
	*(which == FIELD_BYTES ? &r->max_field : which == FIELDS ? &r->max_fields : &r->max_record) =
		max;
	for (int i = 0; i < before; i++)
		cr_assert_eq(csvr_next(r, &eb), CSVR_RECORD, "record %d", i + 1);
	cr_assert_eq(csvr_next(r, &eb), CL_ETOOBIG);
	cr_assert_not_null(strstr(eb.msg, msg), "%s", eb.msg);
	cr_assert_eq(csvr_line(r), line);
	cr_assert_not(csvr_fatal(r));
	cr_assert_eq(csvr_next(r, &eb), CSVR_RECORD);
	cr_assert_str_eq(csvr_field(r, 0, NULL), next);
}

Test(csvread, field_over_limit)
{
	struct csvr r;
	struct cl_errbuf eb;

	over_limit(&r, "h1,h2\nshort,x\n\"0123456789A\",y\nok,z\n", FIELD_BYTES, 10, 2, 3,
		   "line 3: field 1 is longer than 10 bytes", "ok");
	cr_assert_eq(csvr_line(&r), 4);
	cr_assert_eq(csvr_next(&r, &eb), CSVR_END);
	csvr_release(&r);
}

Test(csvread, field_exactly_at_limit)
{
	struct csvr r;
	struct cl_errbuf eb;
	size_t len;
	const char *in = "0123456789,x\n";

	csvr_init_mem(&r, in, strlen(in));
	r.max_field = 10;
	cr_assert_eq(csvr_next(&r, &eb), CSVR_RECORD);
	cr_assert_str_eq(csvr_field(&r, 0, &len), "0123456789");
	cr_assert_eq(len, 10);
	csvr_release(&r);
}

Test(csvread, too_many_fields)
{
	struct csvr r;

	over_limit(&r, "a,b,c\na,b,c,d\ne\n", FIELDS, 3, 1, 2,
		   "line 2: record has more than 3 fields", "e");
	csvr_release(&r);
}

Test(csvread, record_over_limit)
{
	struct csvr r;

	over_limit(&r, "aaaa,bbbb,cccc\nx\n", RECORD_BYTES, 10, 0, 1,
		   "line 1: record is longer than 10 bytes", "x");
	csvr_release(&r);
}

/* A huge field never makes the reader hold more than the limit. */
Test(csvread, huge_field_is_bounded)
{
	size_t n = 3 * 1024 * 1024;
	char *in = malloc(n + 16);
	struct csvr r;
	struct cl_errbuf eb;
	FILE *f;

	cr_assert_not_null(in);
	in[0] = '"';
	memset(in + 1, 'x', n);
	strcpy(in + 1 + n, "\"\nnext\n");
	f = fmemopen(in, strlen(in), "r");
	cr_assert_not_null(f);
	csvr_init_file(&r, f);
	r.max_field = 1000;
	cr_assert_eq(csvr_next(&r, &eb), CL_ETOOBIG);
	cr_assert_leq(r.bcap, 4096, "buffer grew to %zu", r.bcap);
	cr_assert_eq(csvr_next(&r, &eb), CSVR_RECORD);
	cr_assert_str_eq(csvr_field(&r, 0, NULL), "next");
	csvr_release(&r);
	fclose(f);
	free(in);
}

/* Records that straddle the reader's 64 KiB buffer read the same from a
 * FILE * as from memory. */
Test(csvread, buffer_boundaries)
{
	char *in = NULL, *a, *b;
	size_t len = 0;
	FILE *m = open_memstream(&in, &len);

	cr_assert_not_null(m);
	for (int i = 0; i < 5000; i++)
		fprintf(m, "%d,\"quoted, with \"\"quotes\"\"\nand a newline\",\xC3\xA5\xC3\xA4\xC3\xB6,%d\r\n",
			i, i * 7);
	fclose(m);
	a = dump(in, len, 0);
	b = dump(in, len, 1);
	cr_assert_str_eq(a, b);
	cr_assert_eq(tu_count(a, "\n"), 5000 * 2); /* the embedded newline too */
	cr_assert_not_null(strstr(a, "9999:4999|quoted, with \"quotes\"\nand a newline|åäö|34993\n"));
	free(a);
	free(b);
	free(in);
}

Test(csvread, find_and_lengths)
{
	struct csvr r;
	struct cl_errbuf eb;
	size_t len = 99;
	const char *in = "id,name,\"x,y\"\n";

	csvr_init_mem(&r, in, strlen(in));
	cr_assert_eq(csvr_next(&r, &eb), CSVR_RECORD);
	cr_assert_eq(csvr_find(&r, "name"), 1);
	cr_assert_eq(csvr_find(&r, "x,y"), 2);
	cr_assert_eq(csvr_find(&r, "missing"), -1);
	cr_assert_str_eq(csvr_field(&r, 2, &len), "x,y");
	cr_assert_eq(len, 3);
	cr_assert_null(csvr_field(&r, 3, NULL));
	csvr_release(&r);
	csvr_release(NULL);
}

/* ---- the real files -------------------------------------------------------- */

static void count_real(const char *rel, long want_records, size_t want_fields, long last_line)
{
	char *path = tu_shared(rel);
	FILE *f = fopen(path, "rb");
	struct csvr r;
	struct cl_errbuf eb;
	long n = 0;
	int rc;

	cr_assert_not_null(f, "cannot open %s (set CASELIB_SHARED?)", path);
	csvr_init_file(&r, f);
	while ((rc = csvr_next(&r, &eb)) != CSVR_END) {
		cr_assert_eq(rc, CSVR_RECORD, "%s: %s", rel, eb.msg);
		cr_assert_eq(csvr_nfields(&r), want_fields, "%s line %ld: %zu fields", rel,
			     csvr_line(&r), csvr_nfields(&r));
		n++;
	}
	cr_assert_eq(n, want_records, "%s: %ld records", rel, n);
	cr_assert_eq(csvr_line(&r), last_line, "%s: ends on line %ld", rel, csvr_line(&r));
	csvr_release(&r);
	fclose(f);
	free(path);
}

Test(csvread, real_procurements_file)
{
	/* header + 18,421 rows, 33 columns, no quoted newlines */
	count_real("se-procurements-2021/number_of_procurements.csv", 18422, 33, 18423);
}

Test(csvread, real_ips_cases_file)
{
	/* header + 853 cases in 1,227 physical lines (quoted newlines) */
	count_real("ips-cases/cases.csv", 854, 26, 1228);
}
