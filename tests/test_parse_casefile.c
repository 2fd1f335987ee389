/* test_parse_casefile.c — case files people write (indexer/parse_casefile.c):
 * case JSON as one object, an array and JSON Lines, with bad records
 * rejected by JSON path and line; Markdown with a front-matter header
 * (the fixture, CRLF line ends, and every kind of front-matter mistake,
 * each named by its line). Fixtures: tests/fixtures/casefiles/. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "parse.h"
#include "parse_casefile.h"
#include "testutil.h"

#define FIX "tests/fixtures/casefiles/"
#define WHEN "2026-11-27T05:00:00Z"
#define HASH "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define URL "https://cases.example.se/inbox/file"

/* ---- a sink that keeps copies -------------------------------------------- */

#define KEEP 16

struct got {
	long emitted, rejected, invalid;
	struct case_record rec[KEEP];
	size_t nrec;
	long rline[KEEP];
	char rwhy[KEEP][CL_ERRBUF_SIZE];
};

static struct got *got_new(void)
{
	struct got *g = calloc(1, sizeof *g);

	cr_assert_not_null(g);
	return g;
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->nrec; i++)
		case_release(&g->rec[i]);
	free(g);
}

static int got_emit(void *ud, struct case_record *c)
{
	struct got *g = ud;

	g->invalid += tu_case_problem(c, NULL, 0);
	if (g->nrec < KEEP) {
		case_init(&g->rec[g->nrec]);
		cr_assert_eq(case_copy(&g->rec[g->nrec], c), CL_OK);
		g->nrec++;
	}
	g->emitted++;
	return CL_OK;
}

static void got_reject(void *ud, long line, const char *why)
{
	struct got *g = ud;

	if (g->rejected < KEEP) {
		g->rline[g->rejected] = line;
		snprintf(g->rwhy[g->rejected], CL_ERRBUF_SIZE, "%s", why);
	}
	g->rejected++;
}

typedef int (*parse_fn)(const char *, size_t, const struct parse_src *,
			const struct parse_sink *, struct cl_errbuf *);

static int run(parse_fn fn, const char *data, size_t len, const char *url, struct got *g,
	       struct cl_errbuf *eb)
{
	struct parse_src src = {url, WHEN, HASH};
	struct parse_sink sink = {got_emit, got_reject, g};

	eb->msg[0] = '\0';
	return fn(data, len, &src, &sink, eb);
}

static int run_file(parse_fn fn, const char *name, const char *url, struct got *g,
		    struct cl_errbuf *eb)
{
	char path[256];
	size_t len;
	char *data;
	int rc;

	snprintf(path, sizeof path, FIX "%s", name);
	data = tu_read_file(path, &len);
	cr_assert_not_null(data, "cannot read %s", path);
	rc = run(fn, data, len, url, g, eb);
	free(data);
	return rc;
}

static int has_reject(const struct got *g, long line, const char *needle)
{
	for (long i = 0; i < g->rejected && i < KEEP; i++)
		if (g->rline[i] == line && strstr(g->rwhy[i], needle))
			return 1;
	return 0;
}

/* ---- case JSON ---------------------------------------------------------------- */

Test(casefile, json_one_case)
{
	struct got *g = got_new();
	struct cl_errbuf eb;
	const struct case_record *c;

	cr_assert_eq(run_file(casefile_parse_json, "umea-ai-hemtjanst.json", URL, g, &eb), CL_OK,
		     "%s", eb.msg);
	cr_assert_eq(g->emitted, 1);
	cr_assert_eq(g->rejected, 0, "%s", g->rwhy[0]);
	cr_assert_eq(g->invalid, 0);
	c = &g->rec[0];
	cr_assert_str_eq(c->id, "case-umea-ai-hemtjanst");
	cr_assert_str_eq(c->kind, "case");
	cr_assert_str_eq(c->buyer.name, "Umeå kommun");
	cr_assert_str_eq(c->buyer.org_number, "212000-2627");
	cr_assert_str_eq(c->procedure, "comp-dial");
	cr_assert_float_eq(c->value_amount, 3200000.0, 1e-6);
	cr_assert_str_eq(c->value_currency, "SEK");
	/* the record has its own sources: kept as written */
	cr_assert_eq(c->nsources, 1);
	cr_assert_str_eq(c->sources[0].url, "https://www.umea.se/kommunochpolitik/upphandling");
	got_free(g);
}

/* Element 2 (line 16) has a bad org number and an impossible date: both
 * named by path, the other two records emitted. */
Test(casefile, json_array_with_a_bad_record)
{
	struct got *g = got_new();
	struct cl_errbuf eb;

	cr_assert_eq(run_file(casefile_parse_json, "three-cases.json", URL, g, &eb), CL_OK, "%s",
		     eb.msg);
	cr_assert_eq(g->emitted, 2);
	cr_assert_eq(g->rejected, 1);
	cr_assert_eq(g->invalid, 0);
	cr_assert_eq(g->rline[0], 16, "line %ld", g->rline[0]);
	cr_assert(strstr(g->rwhy[0], "line 16: "), "%s", g->rwhy[0]);
	cr_assert(strstr(g->rwhy[0], "$[1].buyer.org_number: checksum fails"), "%s", g->rwhy[0]);
	cr_assert(strstr(g->rwhy[0], "$[1].published"), "%s", g->rwhy[0]);
	cr_assert_str_eq(g->rec[0].id, "case-lund-maltider-klimat");
	cr_assert_str_eq(g->rec[1].id, "case-trafikverket-betong");
	/* no sources in the file: the payload is the source */
	cr_assert_eq(g->rec[0].nsources, 1);
	cr_assert_str_eq(g->rec[0].sources[0].url, URL);
	cr_assert_str_eq(g->rec[0].sources[0].retrieved_at, WHEN);
	cr_assert_str_eq(g->rec[0].sources[0].sha256, HASH);
	cr_assert_str_eq(g->rec[0].sources[0].format, "case-json");
	got_free(g);
}

/* Line 2 is cut off, line 4 repeats the id of line 1, line 5 has no id and
 * an unknown goal; lines 1 and 3 are good. */
Test(casefile, json_lines)
{
	struct got *g = got_new();
	struct cl_errbuf eb;

	cr_assert_eq(run_file(casefile_parse_json, "cases.jsonl", URL, g, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(g->emitted, 2);
	cr_assert_eq(g->rejected, 3);
	cr_assert_str_eq(g->rec[0].id, "case-kristianstad-solceller");
	cr_assert_str_eq(g->rec[1].id, "case-helsingborg-mobler");
	cr_assert(has_reject(g, 2, "line 2: $: column"), "%s", g->rwhy[0]);
	cr_assert(has_reject(g, 4, "repeats the id"), "%s", g->rwhy[1]);
	cr_assert(has_reject(g, 5, "$.id: "), "%s", g->rwhy[2]);
	cr_assert(has_reject(g, 5, "$.goals[0]: unknown code 'sdg-99'"), "%s", g->rwhy[2]);
	got_free(g);
}

/* Without a payload url, a record without sources fails validation. */
Test(casefile, json_without_sources_needs_url)
{
	static const char one[] = "{\"id\": \"case-x-1\", \"kind\": \"case\", \"title\": \"Titel\"}";
	struct got *g = got_new();
	struct cl_errbuf eb;

	cr_assert_eq(run(casefile_parse_json, one, strlen(one), NULL, g, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(g->emitted, 0);
	cr_assert(has_reject(g, 1, "$.sources"), "%s", g->rwhy[0]);
	got_free(g);
}

Test(casefile, json_payload_errors)
{
	static const struct {
		const char *text;
		int rc;
		const char *msg;
	} cases[] = {
		{"", CL_EPARSE, "empty"},
		{"{\"id\": ", CL_EPARSE, "not JSON: line 1 column"},
		{"{\"id\": \"a\", \"id\": \"b\"}", CL_EPARSE, "duplicate"},
		{"\"just a string\"", CL_EPARSE, "not JSON"},
		{"\n\n  {\"title\": \n", CL_EPARSE, "line 4"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct got *g = got_new();
		struct cl_errbuf eb;
		int rc = run(casefile_parse_json, cases[i].text, strlen(cases[i].text), URL, g, &eb);

		cr_assert_eq(rc, cases[i].rc, "case %zu: %d %s", i, rc, eb.msg);
		cr_assert(strstr(eb.msg, cases[i].msg), "case %zu: %s", i, eb.msg);
		cr_assert_eq(g->emitted, 0);
		got_free(g);
	}
	/* an array of things that are not objects: each rejected with its path */
	{
		static const char arr[] = "[1, \"x\", null]";
		struct got *g = got_new();
		struct cl_errbuf eb;

		cr_assert_eq(run(casefile_parse_json, arr, strlen(arr), URL, g, &eb), CL_OK);
		cr_assert_eq(g->rejected, 3);
		cr_assert(strstr(g->rwhy[1], "$[1]: must be a case object"), "%s", g->rwhy[1]);
		got_free(g);
	}
}

/* ---- Markdown ----------------------------------------------------------------- */

static void check_vgr(const struct case_record *c)
{
	cr_assert_str_eq(c->id, "case-vgr-innovationspartnerskap-vardhygien");
	cr_assert_str_eq(c->kind, "case");
	cr_assert_str_eq(c->title,
			 "Innovationspartnerskap för bättre vårdhygien i Västra Götalandsregionen");
	cr_assert_str_eq(c->summary,
			 "Västra Götalandsregionen använde ett innovationspartnerskap för att "
			 "utveckla en ny lösning för handhygien på vårdavdelningar.\n"
			 "Partnerskapet delades upp i en utvecklingsfas och en anskaffningsfas.");
	cr_assert_str_eq(c->language, "sv");
	cr_assert_str_eq(c->buyer.name, "Västra Götalandsregionen");
	cr_assert_str_eq(c->buyer.org_number, "232100-0131");
	cr_assert_str_eq(c->buyer.country, "SE");
	cr_assert_str_eq(c->buyer.nuts, "SE232");
	cr_assert_str_eq(c->authority_type, "ra");
	cr_assert_eq(c->sectors.n, 1);
	cr_assert_str_eq(c->sectors.v[0], "health");
	cr_assert_eq(c->categories.n, 1);
	cr_assert_str_eq(c->categories.v[0], "33");
	cr_assert_eq(c->goals.n, 2);
	cr_assert_str_eq(c->goals.v[1], "sdg-9");
	cr_assert_str_eq(c->strategic.v[0], "inn");
	cr_assert_str_eq(c->procedure, "innovation");
	cr_assert_eq(c->innovation.n, 2);
	cr_assert_str_eq(c->published, "2020-10-01");
	cr_assert(c->has_value);
	cr_assert_float_eq(c->value_amount, 12500000.0, 1e-6);
	cr_assert_str_eq(c->value_currency, "SEK");
	cr_assert_str_eq(c->lessons,
			 "Lägg tid på behovsanalysen.\nHåll dialogen öppen för alla leverantörer.");
	cr_assert_eq(strncmp(c->body, "# Bakgrund\n\nVårdrelaterade", 27), 0, "%s", c->body);
	cr_assert(strstr(c->body, "\n2. Innovationspartnerskap med tre leverantörer"));
	cr_assert_neq(c->body[strlen(c->body) - 1], '\n');
	cr_assert_null(strchr(c->body, '\r'));
	cr_assert_eq(c->nsources, 2);
	cr_assert_str_eq(c->sources[0].url, URL);
	cr_assert_str_eq(c->sources[0].format, "case-md");
	cr_assert_str_eq(c->sources[0].sha256, HASH);
	cr_assert_str_eq(c->sources[1].url, "https://www.vgregion.se/halsa-och-vard/vardgivarwebben/");
	cr_assert_str_eq(c->sources[1].retrieved_at, WHEN);
}

Test(casefile, md_good)
{
	struct got *g = got_new();
	struct cl_errbuf eb;

	cr_assert_eq(run_file(casefile_parse_md, "vgr-innovationspartnerskap.md", URL, g, &eb),
		     CL_OK, "%s", eb.msg);
	cr_assert_eq(g->rejected, 0, "%ld: %s", g->rline[0], g->rwhy[0]);
	cr_assert_eq(g->emitted, 1);
	cr_assert_eq(g->invalid, 0);
	check_vgr(&g->rec[0]);
	got_free(g);
}

/* The same file with CRLF line ends (and a byte order mark) gives the same
 * record. */
Test(casefile, md_crlf_and_bom)
{
	size_t len, o = 3;
	char *lf = tu_read_file(FIX "vgr-innovationspartnerskap.md", &len);
	char *crlf = malloc(2 * len + 4);
	struct got *g = got_new();
	struct cl_errbuf eb;

	cr_assert_not_null(lf);
	cr_assert_not_null(crlf);
	memcpy(crlf, "\xEF\xBB\xBF", 3);
	for (size_t i = 0; i < len; i++) {
		if (lf[i] == '\n')
			crlf[o++] = '\r';
		crlf[o++] = lf[i];
	}
	cr_assert_eq(run(casefile_parse_md, crlf, o, URL, g, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(g->rejected, 0, "%ld: %s", g->rline[0], g->rwhy[0]);
	cr_assert_eq(g->emitted, 1);
	check_vgr(&g->rec[0]);
	free(lf);
	free(crlf);
	got_free(g);
}

/* Mistakes inside the front matter: the record is rejected, the reason and
 * the reject name the line. */
Test(casefile, md_front_matter_mistakes)
{
	static const struct {
		const char *text;
		long line;
		const char *why;
	} cases[] = {
		{"---\nid: case-a-1\ntitel: Fel\n---\n", 3, "unknown key 'titel'"},
		{"---\nid: case-a-1\ntitle: T\ngoals: [sdg-3, sdg-9\n---\n", 4,
		 "a list is not closed"},
		{"---\nid: case-a-1\ntitle: T\ngoals: [sdg-3,, sdg-9]\n---\n", 4, "empty item"},
		{"---\nid: case-a-1\ntitle: T\ngoals: [sdg-3 sdg-9] x\n---\n", 4, "after the value"},
		{"---\nid: case-a-1\ntitle: T\ngoals:\n  - sdg-3\n  sdg-9\n---\n", 6,
		 "expected a list item"},
		{"---\nid: case-a-1\ntitle: T\ngoals:\n  -\n---\n", 5, "empty item"},
		{"---\nid: case-a-1\ntitle: T\ntitle: U\n---\n", 4, "given twice (first on line 3)"},
		{"---\nid: case-a-1\nbuyer:\n  name: A\nbuyer_name: B\ntitle: T\n---\n", 5,
		 "given twice (first on line 4)"},
		{"---\nid: case-a-1\n  title: T\n---\n", 3, "unexpected indentation"},
		{"---\nid: case-a-1\n\ttitle: T\n---\n", 3, "a tab"},
		{"---\nid: case-a-1\ntitle \"T\"\n---\n", 3, "expected 'key: value'"},
		{"---\nid: case-a-1\ntitle: \"T\n---\n", 3, "not closed"},
		{"---\nid: case-a-1\ntitle: \"T\\q\"\n---\n", 3, "bad escape"},
		{"---\nid: case-a-1\ntitle: [Utkast] T\n---\n", 3, "must be quoted"},
		{"---\nid: case-a-1\ntitle:\n---\n", 3, "has no value"},
		{"---\nid: case-a-1\ntitle: T\nbuyer: Lunds kommun\n---\n", 4, "indented"},
		{"---\nid: case-a-1\ntitle: T\nbuyer:\n  namn: Lund\n---\n", 5,
		 "unknown buyer field 'namn'"},
		{"---\nid: case-a-1\ntitle: T\nvalue:\n  amount: tio miljoner\n---\n", 5,
		 "not a number"},
		{"---\nid: case-a-1\ntitle: T\nsummary: |\n---\n", 4, "no indented lines"},
		{"---\nid: case-a-1\ntitle: T\nstatus: published\n---\n", 4, "unknown key 'status'"},
		{"---\nid: case-a-1\ntitle: T\nbody: text\n---\n", 4, "unknown key 'body'"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct got *g = got_new();
		struct cl_errbuf eb;
		char want[64];
		int rc = run(casefile_parse_md, cases[i].text, strlen(cases[i].text), URL, g, &eb);

		cr_assert_eq(rc, CL_OK, "case %zu: %s", i, eb.msg);
		cr_assert_eq(g->emitted, 0, "case %zu", i);
		cr_assert_eq(g->rejected, 1, "case %zu", i);
		cr_assert_eq(g->rline[0], cases[i].line, "case %zu: line %ld: %s", i, g->rline[0],
			     g->rwhy[0]);
		snprintf(want, sizeof want, "line %ld: ", cases[i].line);
		cr_assert_eq(strncmp(g->rwhy[0], want, strlen(want)), 0, "case %zu: %s", i, g->rwhy[0]);
		cr_assert(strstr(g->rwhy[0], cases[i].why), "case %zu: %s", i, g->rwhy[0]);
		got_free(g);
	}
}

/* A value that fails validation is named by its front-matter line. */
Test(casefile, md_validation_names_the_line)
{
	static const char text[] = "---\n"
				   "id: case-a-1\n"
				   "kind: case\n"
				   "title: T\n"
				   "buyer_org_number: 232100-0017\n"
				   "goals:\n"
				   "  - sdg-3\n"
				   "  - sdg-99\n"
				   "---\n"
				   "Text.\n";
	struct got *g = got_new();
	struct cl_errbuf eb;

	cr_assert_eq(run(casefile_parse_md, text, strlen(text), URL, g, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(g->emitted, 0);
	cr_assert_eq(g->rejected, 1);
	cr_assert_eq(g->rline[0], 5);
	cr_assert(strstr(g->rwhy[0], "line 5: $.buyer.org_number: checksum fails"), "%s",
		  g->rwhy[0]);
	cr_assert(strstr(g->rwhy[0], "line 8: $.goals[1]: unknown code 'sdg-99'"), "%s", g->rwhy[0]);
	got_free(g);
}

/* Whole-file problems are errors naming the line. */
Test(casefile, md_file_errors)
{
	static const struct {
		const char *text;
		size_t len; /* 0: strlen */
		int rc;
		const char *msg;
	} cases[] = {
		{"---\nid: case-a-1\ntitle: T\n\n# Rubrik\n", 0, CL_EPARSE,
		 "line 1: the front matter opened here is not closed"},
		{"# Bara Markdown\n", 0, CL_EPARSE, "line 1: no front matter"},
		{"---\nid: case-a-1\ntitle: Tr\xC3\n---\n", 0, CL_EPARSE,
		 "line 3: invalid UTF-8 (byte 0xC3"},
		{"---\nid: case-a-1\ntitle: \xFF\n---\n", 0, CL_EPARSE, "line 3: invalid UTF-8"},
		{"---\nid: case-a-1\n\0title: T\n---\n", 31, CL_EPARSE, "line 3: a NUL byte"},
		{"", 0, CL_EPARSE, "empty"},
		{" \n\n", 0, CL_EPARSE, "empty"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct got *g = got_new();
		struct cl_errbuf eb;
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		int rc = run(casefile_parse_md, cases[i].text, len, URL, g, &eb);

		cr_assert_eq(rc, cases[i].rc, "case %zu: %d %s", i, rc, eb.msg);
		cr_assert(strstr(eb.msg, cases[i].msg), "case %zu: %s", i, eb.msg);
		cr_assert_eq(g->emitted + g->rejected, 0, "case %zu", i);
		got_free(g);
	}
	{
		size_t len = CASEFILE_MD_MAX_BYTES + 1;
		char *big = malloc(len);
		struct got *g = got_new();
		struct cl_errbuf eb;

		cr_assert_not_null(big);
		memset(big, 'a', len);
		memcpy(big, "---\n", 4);
		cr_assert_eq(run(casefile_parse_md, big, len, URL, g, &eb), CL_ETOOBIG);
		free(big);
		got_free(g);
	}
}

/* The YAML subset: quotes, escapes, comments, folded and literal blocks,
 * scalars as one-item lists, the "..." closing fence. */
Test(casefile, md_yaml_subset)
{
	static const char text[] = "---\n"
				   "id: 'case-a-2'   # a comment\n"
				   "kind: \"case\"\n"
				   "title: \"Citat \\\"så\\\" och \\u00e5 och \\ud83d\\ude00\"\n"
				   "summary: 'It''s # not a comment'\n"
				   "language: sv # comment\n"
				   "goals: sdg-13\n"
				   "sectors: []\n"
				   "outcome: >-\n"
				   "    rad ett\n"
				   "    rad två\n"
				   "\n"
				   "    nytt stycke\n"
				   "value_amount: 1.5e6\n"
				   "value_currency: SEK\n"
				   "...\n"
				   "\n\n   \n";
	struct got *g = got_new();
	struct cl_errbuf eb;
	const struct case_record *c;

	cr_assert_eq(run(casefile_parse_md, text, strlen(text), URL, g, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(g->rejected, 0, "%ld: %s", g->rline[0], g->rwhy[0]);
	cr_assert_eq(g->emitted, 1);
	c = &g->rec[0];
	cr_assert_str_eq(c->id, "case-a-2");
	cr_assert_str_eq(c->title, "Citat \"så\" och å och \xF0\x9F\x98\x80");
	cr_assert_str_eq(c->summary, "It's # not a comment");
	cr_assert_str_eq(c->language, "sv");
	cr_assert_eq(c->goals.n, 1);
	cr_assert_str_eq(c->goals.v[0], "sdg-13");
	cr_assert_eq(c->sectors.n, 0);
	cr_assert_str_eq(c->outcome, "rad ett rad två\nnytt stycke");
	cr_assert_float_eq(c->value_amount, 1500000.0, 1e-6);
	cr_assert_null(c->body);
	got_free(g);
}

/* Every front-matter key is documented. */
Test(casefile, md_keys_documented)
{
	size_t n, len;
	const char *const *keys = casefile_md_keys(&n);
	char *doc = tu_read_file("docs/sources-ocds-and-files.md", &len);

	cr_assert_not_null(doc);
	cr_assert_eq(n, 26);
	for (size_t i = 0; i < n; i++) {
		char want[64];

		snprintf(want, sizeof want, "`%s`", keys[i]);
		cr_assert(strstr(doc, want), "%s is not documented", keys[i]);
	}
	free(doc);
}
