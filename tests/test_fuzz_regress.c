/* test_fuzz_regress.c — one regression test per fuzzing finding
 * (docs/reliability.md, "Fuzzing"), run by the normal build.
 *
 * Each input the fuzzers found is kept in tests/fixtures/fuzz/ as
 * FORMAT--WHAT.EXT, where FORMAT names a parser of the registry
 * (indexer/parsers.h). every_fixture_survives feeds every file to its
 * parser with the same checks as the fuzz targets (every emitted record
 * validates, every reject reason is one line, a failure has a message);
 * the tests below it assert what each fix changed. Inputs for the other
 * targets (queries, HTTP requests) are inlined in their tests. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "parsers.h"
#include "testutil.h"

#define FIXTURES "tests/fixtures/fuzz"

struct seen {
	long emitted, rejected;
	char first_reject[512];
};

static int check_emit(void *ud, struct case_record *c)
{
	struct seen *s = ud;
	char why[512];

	cr_assert_eq(tu_case_problem(c, why, sizeof why), 0, "emitted record is invalid: %s", why);
	s->emitted++;
	return CL_OK;
}

static void check_reject(void *ud, long line, const char *reason)
{
	struct seen *s = ud;

	cr_assert_not_null(reason);
	cr_assert_null(strchr(reason, '\n'), "reject at line %ld is not one line: %s", line,
		       reason);
	cr_assert_geq(line, 0);
	if (!s->rejected++)
		snprintf(s->first_reject, sizeof s->first_reject, "%s", reason);
}

/* Runs the parser of format over file; returns its result. */
static int run(const char *format, const char *file, struct seen *s, struct cl_errbuf *eb)
{
	const struct parser_def *p = parsers_find(format);
	struct parse_src src = {"https://example.org/feed", "2026-01-01T00:00:00Z", NULL};
	struct parse_sink sink = {check_emit, check_reject, s};
	size_t len;
	char *data = tu_read_file(file, &len);
	int rc;

	cr_assert_not_null(p, "%s: no parser %s", file, format);
	cr_assert_not_null(data, "cannot read %s", file);
	memset(s, 0, sizeof *s);
	rc = p->parse(data, len, &src, &sink, eb);
	free(data);
	return rc;
}

Test(fuzz_regress, every_fixture_survives)
{
	DIR *d = opendir(FIXTURES);
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(d, "no %s (run the tests from the repository root)", FIXTURES);
	while ((de = readdir(d))) {
		char format[64], path[512];
		const char *sep = strstr(de->d_name, "--");
		struct cl_errbuf eb = {0};
		struct seen s;
		int rc;

		if (de->d_name[0] == '.' || !sep || (size_t)(sep - de->d_name) >= sizeof format)
			continue;
		snprintf(format, sizeof format, "%.*s", (int)(sep - de->d_name), de->d_name);
		snprintf(path, sizeof path, "%s/%s", FIXTURES, de->d_name);
		rc = run(format, path, &s, &eb);
		cr_assert(rc <= 0 && rc >= CL_EDENIED, "%s: result %d", path, rc);
		cr_assert(rc == CL_OK || eb.msg[0], "%s: %s without a message", path, cl_strerror(rc));
		n++;
	}
	closedir(d);
	cr_assert_geq(n, 1, "no fixtures in %s", FIXTURES);
}

/* Finding 1 (fuzz_casefile_md): a front-matter value followed by more text
 * on its line was rejected with the rest of the *file* quoted (up to 40
 * bytes, across line ends), so the reject reason spanned lines and broke
 * the one-line log and report format. Now the quote stops at the line end
 * and every front-matter reason has its control characters replaced. */
Test(fuzz_regress, md_reject_reason_is_one_line)
{
	struct cl_errbuf eb = {0};
	struct seen s;
	int rc = run("case-md", FIXTURES "/case-md--reject-two-lines.md", &s, &eb);

	cr_assert_eq(rc, CL_OK, "%s", eb.msg);
	cr_assert_eq(s.emitted, 0);
	cr_assert_eq(s.rejected, 1);
	cr_assert_not_null(strstr(s.first_reject, "unexpected text after the value: 'nn]'"), "%s",
			   s.first_reject);
}
