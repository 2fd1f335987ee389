/* test_case.c — the case record (corpus/case.c): a table of good and bad
 * records with the exact problems each must give (path and reason), limits,
 * parse errors, several faults at once, the canonical JSON form and its
 * round trip over the fixture corpus (tests/fixtures/demo-cases/), copying and
 * releasing. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "testutil.h"

#define FIXTURES "tests/fixtures/demo-cases"

/* ---- helpers -------------------------------------------------------------- */

/* Test JSON is written with ' for " to keep the table readable. Caller
 * frees. */
static char *dq(const char *s)
{
	char *r = strdup(s);

	cr_assert_not_null(r);
	for (char *p = r; *p; p++)
		if (*p == '\'')
			*p = '"';
	return r;
}

/* All problems as "path: reason" lines, for failure messages. Static. */
static const char *dump(const struct case_problems *p)
{
	static char buf[8192];
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n && o < sizeof buf - 1; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "\n  %s: %s", p->v[i].path,
				      p->v[i].reason);
	return buf;
}

/* Parses text (with ' for ") and returns the rc; problems into probs. */
static int parse_q(const char *text, unsigned flags, struct case_record *c,
		   struct case_problems *probs)
{
	char *t = dq(text);
	int rc = case_parse(t, strlen(t), flags, c, probs);

	free(t);
	return rc;
}

static int has_problem(const struct case_problems *p, const char *path, const char *reason)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].path, path) == 0 && strstr(p->v[i].reason, reason))
			return 1;
	return 0;
}

/* Expects exactly one problem at path whose reason contains reason. */
static void expect_one(const char *text_json, const char *path, const char *reason)
{
	struct case_record c;
	struct case_problems p;

	case_init(&c);
	case_problems_init(&p);
	cr_expect_eq(case_parse(text_json, strlen(text_json), 0, &c, &p), CL_EVALIDATION);
	cr_expect_eq(p.n, 1, "want 1 problem, got %zu:%s", p.n, dump(&p));
	if (p.n >= 1) {
		cr_expect_str_eq(p.v[0].path, path, "%s", dump(&p));
		cr_expect(strstr(p.v[0].reason, reason) != NULL, "reason '%s' lacks '%s'",
			  p.v[0].reason, reason);
	}
	cr_expect_null(c.id, "record must stay empty on failure");
	case_problems_release(&p);
	case_release(&c);
}

static char *repeat(const char *unit, size_t n)
{
	size_t ul = strlen(unit);
	char *s = malloc(ul * n + 1);

	cr_assert_not_null(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * ul, unit, ul);
	s[ul * n] = '\0';
	return s;
}

/* A valid record with one extra member (raw JSON text after the comma). */
static char *with_member(const char *name, const char *value_json)
{
	char *s = NULL;

	cr_assert(asprintf(&s,
			   "{\"id\":\"case-1\",\"kind\":\"case\",\"title\":\"Titel\","
			   "\"sources\":[{\"url\":\"https://www.example.se/a\","
			   "\"retrieved_at\":\"2026-01-01T00:00:00Z\"}],\"%s\":%s}",
			   name, value_json) > 0);
	return s;
}

/* ---- the validation table ------------------------------------------------- */

#define SRC "'sources':[{'url':'https://www.example.se/a','retrieved_at':'2026-01-01T00:00:00Z'}]"
#define ID "'id':'case-1'"
#define KIND "'kind':'case'"
#define TITLE "'title':'Titel'"
#define BASE ID "," KIND "," TITLE "," SRC
#define REC(extra) "{" BASE "," extra "}"
/* A record whose only source is given. */
#define SREC(src) "{" ID "," KIND "," TITLE ",'sources':[" src "]}"
#define S_URL "'url':'https://e.se/x'"
#define S_AT "'retrieved_at':'2026-01-01T00:00:00Z'"

struct vprob {
	const char *path;
	const char *reason; /* substring */
};

struct vcase {
	const char *name;
	const char *json; /* ' stands for " */
	unsigned flags;
	size_t n;            /* expected number of problems */
	struct vprob p[5];   /* expected problems in order (the first n, up to 5) */
};

static const struct vcase vcases[] = {
	/* --- good --- */
	{"minimal", "{" BASE "}", 0, 0, {{0}}},
	{"id optional", "{" KIND "," TITLE "," SRC "}", CASE_ID_OPTIONAL, 0, {{0}}},
	{"id optional but given", "{" BASE "}", CASE_ID_OPTIONAL, 0, {{0}}},
	{"everything",
	 "{'id':'uhm-2021.mt_34','kind':'procurement','status':'published','title':'Revisionstjänster',"
	 "'summary':'Rad ett\\nRad två\\tflik\\r\\n','body':'# Rubrik\\n\\ntext','language':'sv',"
	 "'buyer':{'name':'Lunds kommun','org_number':'2120001132','country':'SE','nuts':'SE224'},"
	 "'authority_type':'la','sectors':['education','gen-pub'],'categories':['79'],"
	 "'cpv':['79212000','79212000-3'],'goals':['sdg-16','mkm-1','gen'],"
	 "'strategic':['env','clim-mitig'],'procedure':'open','innovation':['mar-nov'],"
	 "'published':'2021-01-01','awarded':'2021-03-31','year':2021,"
	 "'value':{'amount':1250000.5,'currency':'SEK'},'outcome':'bra','lessons':'lärdom',"
	 "'sources':[{'url':'https://www.upphandlingsmyndigheten.se/s','retrieved_at':"
	 "'2026-11-27T05:00:00Z','sha256':'641b758cf4f8fcbb8e570e6c2653dd5ec467a70a54f3d2999fd377586dd04d19',"
	 "'format':'se-stats-csv','licence':'CC0-1.0'}],"
	 "'version':4,'created_at':'2026-01-01T00:00:00Z','updated_at':'2026-01-02T03:04:05.123456+01:00'}",
	 0, 0, {{0}}},
	{"nulls are absent", REC("'summary':null,'buyer':null,'goals':null,'value':null"), 0, 0, {{0}}},
	{"leap day", REC("'published':'2024-02-29','awarded':'2000-02-29'"), 0, 0, {{0}}},
	{"date range ends", REC("'published':'1900-01-01','awarded':'2100-12-31'"), 0, 0, {{0}}},
	{"16-prefixed org number", REC("'buyer':{'org_number':'16232100-0016'}"), 0, 0, {{0}}},
	{"nuts country level", REC("'buyer':{'nuts':'SE'}"), 0, 0, {{0}}},
	{"file url and offset",
	 SREC("{'url':'file:///srv/cases/a.json','retrieved_at':'2026-01-01T23:59:60.5-05:30'}"), 0, 0,
	 {{0}}},
	{"empty lists", REC("'goals':[],'cpv':[]"), 0, 0, {{0}}},
	{"amount zero and integer", REC("'value':{'amount':0,'currency':'EUR'}"), 0, 0, {{0}}},

	/* --- shape and required --- */
	{"top level array", "[1,2]", 0, 1, {{"$", "must be an object"}}},
	{"id missing", "{" KIND "," TITLE "," SRC "}", 0, 1, {{"$.id", "is required"}}},
	{"kind and title missing", "{" ID "," SRC "}", 0, 2,
	 {{"$.kind", "is required"}, {"$.title", "is required"}}},
	{"sources missing", "{" ID "," KIND "," TITLE "}", 0, 1, {{"$.sources", "is required"}}},
	{"required null", "{" ID "," KIND ",'title':null," SRC "}", 0, 1,
	 {{"$.title", "is required"}}},
	{"unknown field", REC("'colour':'red'"), 0, 1, {{"$.colour", "unknown field"}}},
	{"unknown odd key", REC("'a \\'b':1"), 0, 1, {{"$[\"a \\\"b\"]", "unknown field"}}},
	{"unknown fields after known", REC("'zz':1,'language':'SV','aa':2"), 0, 3,
	 {{"$.language", "ISO 639-1"}, {"$.zz", "unknown field"}, {"$.aa", "unknown field"}}},

	/* --- id --- */
	{"id upper case", "{'id':'Case-1'," KIND "," TITLE "," SRC "}", 0, 1,
	 {{"$.id", "must start with"}}},
	{"id bad character", "{'id':'case 1'," KIND "," TITLE "," SRC "}", 0, 1,
	 {{"$.id", "may only contain"}}},
	{"id too short", "{'id':'ab'," KIND "," TITLE "," SRC "}", 0, 1, {{"$.id", "is 2"}}},
	{"id starts with dot", "{'id':'.abc'," KIND "," TITLE "," SRC "}", 0, 1,
	 {{"$.id", "must start with"}}},
	{"id number", "{'id':17," KIND "," TITLE "," SRC "}", 0, 1, {{"$.id", "must be a string"}}},

	/* --- kind, status --- */
	{"kind unknown", "{" ID ",'kind':'story'," TITLE "," SRC "}", 0, 1,
	 {{"$.kind", "unknown code 'story' for kind"}}},
	{"status unknown", REC("'status':'draft'"), 0, 1,
	 {{"$.status", "unknown code 'draft' for status"}}},

	/* --- text --- */
	{"title blank", "{" ID "," KIND ",'title':' \\u00a0 '," SRC "}", 0, 1,
	 {{"$.title", "must not be empty"}}},
	{"title newline", "{" ID "," KIND ",'title':'a\\nb'," SRC "}", 0, 1,
	 {{"$.title", "control character (U+000A) at character 2"}}},
	{"title number", "{" ID "," KIND ",'title':5," SRC "}", 0, 1,
	 {{"$.title", "must be a string"}}},
	{"summary bell", REC("'summary':'ok\\u0007'"), 0, 1,
	 {{"$.summary", "control character (U+0007)"}}},
	{"lessons C1 control", REC("'lessons':'a\\u0085'"), 0, 1,
	 {{"$.lessons", "control character (U+0085)"}}},
	{"body array", REC("'body':['x']"), 0, 1, {{"$.body", "must be a string"}}},
	{"language upper", REC("'language':'SV'"), 0, 1, {{"$.language", "ISO 639-1"}}},
	{"language three letters", REC("'language':'swe'"), 0, 1, {{"$.language", "ISO 639-1"}}},

	/* --- buyer --- */
	{"buyer string", REC("'buyer':'Lund'"), 0, 1, {{"$.buyer", "must be an object"}}},
	{"org number syntax", REC("'buyer':{'org_number':'212000-113'}"), 0, 1,
	 {{"$.buyer.org_number", "must be NNNNNN-NNNN"}}},
	{"org number checksum", REC("'buyer':{'org_number':'212000-1133'}"), 0, 1,
	 {{"$.buyer.org_number", "checksum fails (check digit should be 2)"}}},
	{"org number integer", REC("'buyer':{'org_number':2120001132}"), 0, 1,
	 {{"$.buyer.org_number", "must be a string"}}},
	{"country lower", REC("'buyer':{'country':'se'}"), 0, 1, {{"$.buyer.country", "ISO 3166-1"}}},
	{"nuts too long", REC("'buyer':{'nuts':'SE2241'}"), 0, 1, {{"$.buyer.nuts", "NUTS code"}}},
	{"buyer name blank", REC("'buyer':{'name':'  '}"), 0, 1,
	 {{"$.buyer.name", "must not be empty"}}},
	{"buyer unknown field", REC("'buyer':{'name':'Lund','phone':'046'}"), 0, 1,
	 {{"$.buyer.phone", "unknown field"}}},

	/* --- codes and lists --- */
	{"authority type unknown", REC("'authority_type':'kommun'"), 0, 1,
	 {{"$.authority_type", "unknown code 'kommun' for authority_type"}}},
	{"authority type list", REC("'authority_type':['la']"), 0, 1,
	 {{"$.authority_type", "must be a string"}}},
	{"sectors string", REC("'sectors':'health'"), 0, 1, {{"$.sectors", "must be an array"}}},
	{"sectors unknown item", REC("'sectors':['health','schools']"), 0, 1,
	 {{"$.sectors[1]", "unknown code 'schools' for sectors"}}},
	{"categories one digit", REC("'categories':['3']"), 0, 1,
	 {{"$.categories[0]", "unknown code '3' for categories"}}},
	{"goals duplicate", REC("'goals':['sdg-13','mkm-1','sdg-13']"), 0, 1,
	 {{"$.goals[2]", "duplicate code 'sdg-13'"}}},
	{"goals number item", REC("'goals':[13,'sdg-18']"), 0, 2,
	 {{"$.goals[0]", "must be a string"}, {"$.goals[1]", "unknown code 'sdg-18' for goals"}}},
	{"strategic unknown", REC("'strategic':['green']"), 0, 1,
	 {{"$.strategic[0]", "unknown code 'green' for strategic"}}},
	{"innovation unknown", REC("'innovation':['disruptive']"), 0, 1,
	 {{"$.innovation[0]", "for innovation"}}},
	{"procedure unknown", REC("'procedure':'auction'"), 0, 1,
	 {{"$.procedure", "unknown code 'auction' for procedure"}}},
	{"cpv short", REC("'cpv':['4521']"), 0, 1, {{"$.cpv[0]", "must be a CPV code"}}},
	{"cpv bad check part", REC("'cpv':['45210000-12']"), 0, 1,
	 {{"$.cpv[0]", "must be a CPV code"}}},
	{"cpv duplicate", REC("'cpv':['45210000','45210000']"), 0, 1,
	 {{"$.cpv[1]", "duplicate code"}}},
	{"long code quoted short", REC("'procedure':'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'"),
	 0, 1, {{"$.procedure", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' for procedure"}}},

	/* --- dates --- */
	{"date shape", REC("'published':'2021-2-3'"), 0, 1,
	 {{"$.published", "must be a date YYYY-MM-DD"}}},
	{"date with time", REC("'published':'2021-02-03T00:00:00Z'"), 0, 1,
	 {{"$.published", "must be a date YYYY-MM-DD"}}},
	{"not a leap year", REC("'published':'2021-02-29'"), 0, 1,
	 {{"$.published", "2021-02-29 is not a calendar date"}}},
	{"1900 not a leap year", REC("'published':'1900-02-29'"), 0, 1,
	 {{"$.published", "not a calendar date"}}},
	{"month 13", REC("'awarded':'2020-13-01'"), 0, 1, {{"$.awarded", "not a calendar date"}}},
	{"year too early", REC("'published':'1899-12-31'"), 0, 1,
	 {{"$.published", "year 1899 is outside 1900..2100"}}},
	{"year too late", REC("'awarded':'2101-01-01'"), 0, 1, {{"$.awarded", "outside 1900..2100"}}},
	{"year string", REC("'year':'2021'"), 0, 1, {{"$.year", "must be an integer"}}},

	/* --- value --- */
	{"value number", REC("'value':1000"), 0, 1, {{"$.value", "must be an object"}}},
	{"value without currency", REC("'value':{'amount':1000}"), 0, 1,
	 {{"$.value.currency", "is required"}}},
	{"value empty", REC("'value':{}"), 0, 2,
	 {{"$.value.amount", "is required"}, {"$.value.currency", "is required"}}},
	{"amount string", REC("'value':{'amount':'1000','currency':'SEK'}"), 0, 1,
	 {{"$.value.amount", "must be a number"}}},
	{"amount negative", REC("'value':{'amount':-1.5,'currency':'SEK'}"), 0, 1,
	 {{"$.value.amount", "must not be negative"}}},
	{"currency lower", REC("'value':{'amount':1,'currency':'sek'}"), 0, 1,
	 {{"$.value.currency", "ISO 4217"}}},
	{"value unknown field", REC("'value':{'amount':1,'currency':'SEK','vat':true}"), 0, 1,
	 {{"$.value.vat", "unknown field"}}},

	/* --- sources --- */
	{"sources empty", "{" ID "," KIND "," TITLE ",'sources':[]}", 0, 1,
	 {{"$.sources", "at least one source"}}},
	{"sources object", "{" ID "," KIND "," TITLE ",'sources':{}}", 0, 1,
	 {{"$.sources", "must be an array"}}},
	{"source string", SREC("'https://e.se/'"), 0, 1, {{"$.sources[0]", "must be an object"}}},
	{"source empty object", SREC("{}"), 0, 2,
	 {{"$.sources[0].url", "is required"}, {"$.sources[0].retrieved_at", "is required"}}},
	{"second source bad url", SREC("{" S_URL "," S_AT "},{'url':'ftp://e.se/x'," S_AT "}"), 0, 1,
	 {{"$.sources[1].url", "must be an http, https or file URL"}}},
	{"url without scheme", SREC("{'url':'www.e.se/x'," S_AT "}"), 0, 1,
	 {{"$.sources[0].url", "http, https or file"}}},
	{"url with space", SREC("{'url':'https://e.se/a b'," S_AT "}"), 0, 1,
	 {{"$.sources[0].url", "spaces or control characters"}}},
	{"url without host", SREC("{'url':'https:///x'," S_AT "}"), 0, 1,
	 {{"$.sources[0].url", "must name a host"}}},
	{"relative file url", SREC("{'url':'file:a.json'," S_AT "}"), 0, 1,
	 {{"$.sources[0].url", "absolute file URL"}}},
	{"timestamp with space", SREC("{" S_URL ",'retrieved_at':'2026-01-01 10:00:00Z'}"), 0, 1,
	 {{"$.sources[0].retrieved_at", "RFC 3339"}}},
	{"timestamp without zone", SREC("{" S_URL ",'retrieved_at':'2026-01-01T10:00:00'}"), 0, 1,
	 {{"$.sources[0].retrieved_at", "RFC 3339"}}},
	{"timestamp hour 25", SREC("{" S_URL ",'retrieved_at':'2026-01-01T25:00:00Z'}"), 0, 1,
	 {{"$.sources[0].retrieved_at", "not a calendar date and time"}}},
	{"timestamp feb 30", SREC("{" S_URL ",'retrieved_at':'2026-02-30T10:00:00Z'}"), 0, 1,
	 {{"$.sources[0].retrieved_at", "not a calendar date and time"}}},
	{"sha256 upper case", SREC("{" S_URL "," S_AT ",'sha256':'641B758CF4F8FCBB8E570E6C2653DD5EC467A70A54F3D2999FD377586DD04D19'}"),
	 0, 1, {{"$.sources[0].sha256", "64 lower-case hexadecimal"}}},
	{"sha256 short", SREC("{" S_URL "," S_AT ",'sha256':'abc'}"), 0, 1,
	 {{"$.sources[0].sha256", "64 lower-case"}}},
	{"format number", SREC("{" S_URL "," S_AT ",'format':1}"), 0, 1,
	 {{"$.sources[0].format", "must be a string"}}},
	{"licence newline", SREC("{" S_URL "," S_AT ",'licence':'CC0\\n'}"), 0, 1,
	 {{"$.sources[0].licence", "control character"}}},
	{"source unknown field", SREC("{" S_URL "," S_AT ",'hash':'x'}"), 0, 1,
	 {{"$.sources[0].hash", "unknown field"}}},

	/* --- store fields --- */
	{"version negative", REC("'version':-1"), 0, 1, {{"$.version", "must not be negative"}}},
	{"version real", REC("'version':1.5"), 0, 1, {{"$.version", "must be an integer"}}},
	{"version string", REC("'version':'3'"), 0, 1, {{"$.version", "must be an integer"}}},
	{"created_at date only", REC("'created_at':'2026-01-01'"), 0, 1,
	 {{"$.created_at", "RFC 3339"}}},
	{"updated_at lower case t", REC("'updated_at':'2026-01-01t00:00:00z'"), 0, 1,
	 {{"$.updated_at", "RFC 3339"}}},

	/* --- text that is not a JSON object --- */
	{"malformed", "{'id':", 0, 1, {{"$", "line 1 column"}}},
	{"duplicate key", "{" BASE ",'title':'again'}", 0, 1, {{"$", "duplicate object key"}}},
	{"escaped NUL", REC("'summary':'a\\u0000b'"), 0, 1, {{"$", "NUL"}}},
	{"trailing garbage", "{" BASE "} x", 0, 1, {{"$", "end of file expected"}}},
	{"bare number", "42", 0, 1, {{"$", "'[' or '{' expected"}}},
	{"empty text", "", 0, 1, {{"$", "line 1"}}},
};

Test(case, validation_table)
{
	size_t ncases = sizeof vcases / sizeof vcases[0];

	cr_assert_geq(ncases, 45);
	for (size_t i = 0; i < ncases; i++) {
		const struct vcase *t = &vcases[i];
		struct case_record c;
		struct case_problems p;
		int rc;

		case_init(&c);
		case_problems_init(&p);
		rc = parse_q(t->json, t->flags, &c, &p);
		cr_expect_eq(rc, t->n ? CL_EVALIDATION : CL_OK, "[%s] rc %d:%s", t->name, rc,
			     dump(&p));
		cr_expect_eq(p.n, t->n, "[%s] want %zu problems, got %zu:%s", t->name, t->n, p.n,
			     dump(&p));
		for (size_t k = 0; k < t->n && k < 5 && k < p.n; k++) {
			cr_expect_str_eq(p.v[k].path, t->p[k].path, "[%s] problem %zu:%s", t->name,
					 k, dump(&p));
			cr_expect(strstr(p.v[k].reason, t->p[k].reason) != NULL,
				  "[%s] problem %zu reason '%s' lacks '%s'", t->name, k,
				  p.v[k].reason, t->p[k].reason);
			cr_expect_null(strchr(p.v[k].reason, '\n'), "[%s] reason is one line",
				       t->name);
		}
		if (t->n)
			cr_expect_null(c.title, "[%s] record left empty", t->name);
		else
			cr_expect_not_null(c.title, "[%s] record filled", t->name);
		case_problems_release(&p);
		case_release(&c);
	}
}

/* ---- several faults, parse errors, limits -------------------------------- */

Test(case, five_faults_at_once)
{
	const char *text =
		"{'id':'Bad ID','kind':'story','title':'Fem fel',"
		"'buyer':{'name':'Lunds kommun','org_number':'212000-1133'},"
		"'goals':['sdg-13','sdg-13'],"
		"'sources':[{'url':'ftp://files.example.se/a','retrieved_at':'2026-01-01T00:00:00Z'}]}";
	static const struct vprob want[5] = {
		{"$.id", "must start with"},
		{"$.kind", "unknown code 'story' for kind"},
		{"$.buyer.org_number", "checksum fails (check digit should be 2)"},
		{"$.goals[1]", "duplicate code 'sdg-13'"},
		{"$.sources[0].url", "http, https or file"},
	};
	struct case_record c;
	struct case_problems p;

	case_init(&c);
	case_problems_init(&p);
	cr_assert_eq(parse_q(text, 0, &c, &p), CL_EVALIDATION);
	cr_assert_eq(p.n, 5, "%s", dump(&p));
	for (size_t k = 0; k < 5; k++) {
		cr_expect_str_eq(p.v[k].path, want[k].path);
		cr_expect(strstr(p.v[k].reason, want[k].reason), "%s", p.v[k].reason);
	}
	case_problems_release(&p);
	case_release(&c);
}

Test(case, invalid_utf8_names_position)
{
	/* 0xff on line 2; the reason gives its 0-based byte offset. */
	const char text[] = "{\"id\":\"case-1\",\n \"title\":\"bad \xff byte\"}";
	struct case_record c;
	struct case_problems p;
	size_t off = (size_t)(strchr(text, '\xff') - text);

	case_init(&c);
	case_problems_init(&p);
	cr_assert_eq(case_parse(text, sizeof text - 1, 0, &c, &p), CL_EVALIDATION);
	cr_assert_eq(p.n, 1, "%s", dump(&p));
	cr_expect_str_eq(p.v[0].path, "$");
	cr_expect(strstr(p.v[0].reason, "line 2"), "%s", p.v[0].reason);
	cr_expect(strstr(p.v[0].reason, "invalid UTF-8"), "%s", p.v[0].reason);
	{
		char want[32];
		snprintf(want, sizeof want, "(byte offset %zu)", off);
		cr_expect(strstr(p.v[0].reason, want), "%s lacks %s", p.v[0].reason, want);
	}
	/* the reason never carries the raw byte */
	cr_expect_null(strchr(p.v[0].reason, '\xff'));
	case_problems_release(&p);

	/* truncated multi-byte sequence and an overlong encoding */
	expect_one("{\"title\":\"\xc3\"}", "$", "invalid UTF-8");
	expect_one("{\"title\":\"\xc0\xaf\"}", "$", "invalid UTF-8");
	case_release(&c);
}

Test(case, too_large_input)
{
	size_t n = CASE_JSON_MAX_BYTES + 1;
	char *big = malloc(n);
	struct case_record c;
	struct case_problems p;

	cr_assert_not_null(big);
	memset(big, ' ', n);
	case_init(&c);
	case_problems_init(&p);
	cr_assert_eq(case_parse(big, n, 0, &c, &p), CL_EVALIDATION);
	cr_assert_eq(p.n, 1);
	cr_expect_str_eq(p.v[0].path, "$");
	cr_expect(strstr(p.v[0].reason, "1048577 bytes, at most 1048576"), "%s", p.v[0].reason);
	case_problems_release(&p);
	case_release(&c);
	free(big);
}

Test(case, byte_order_mark_is_skipped)
{
	const char *text = "\xEF\xBB\xBF{\"id\":\"case-1\",\"kind\":\"case\",\"title\":\"T\","
			   "\"sources\":[{\"url\":\"https://e.se/\",\"retrieved_at\":"
			   "\"2026-01-01T00:00:00Z\"}]}";
	struct case_record c;
	struct case_problems p;

	case_init(&c);
	case_problems_init(&p);
	cr_expect_eq(case_parse(text, strlen(text), 0, &c, &p), CL_OK, "%s", dump(&p));
	cr_expect_str_eq(c.id, "case-1");
	case_problems_release(&p);
	case_release(&c);
}

struct limit_case {
	const char *field;  /* member name */
	const char *unit;   /* repeated */
	size_t n_ok;        /* largest accepted count */
	const char *path;
	const char *reason; /* for n_ok + 1 */
	const char *wrap_pre, *wrap_post; /* around the string, for buyer */
};

Test(case, length_limits)
{
	static const struct limit_case lc[] = {
		{"title", "å", CASE_TITLE_MAX, "$.title", "501 characters, at most 500", "", ""},
		{"summary", "ö", CASE_SUMMARY_MAX, "$.summary", "4001 characters, at most 4000", "",
		 ""},
		{"body", "x", CASE_BODY_MAX_BYTES, "$.body", "204801 bytes, at most 204800", "", ""},
		{"outcome", "€", CASE_TEXT_MAX, "$.outcome", "20001 characters, at most 20000", "",
		 ""},
		{"lessons", "a", CASE_TEXT_MAX, "$.lessons", "20001 characters", "", ""},
		{"buyer", "Ä", CASE_NAME_MAX, "$.buyer.name", "301 characters, at most 300",
		 "{\"name\":", "}"},
	};

	for (size_t i = 0; i < sizeof lc / sizeof lc[0]; i++) {
		for (int over = 0; over <= 1; over++) {
			char *s = repeat(lc[i].unit, lc[i].n_ok + (size_t)over);
			char *val = NULL, *text;
			struct case_record c;
			struct case_problems p;
			int rc;

			cr_assert(asprintf(&val, "%s\"%s\"%s", lc[i].wrap_pre, s, lc[i].wrap_post) > 0);
			text = with_member(strcmp(lc[i].field, "title") ? lc[i].field : "summary",
					   val);
			if (strcmp(lc[i].field, "title") == 0) {
				/* replace the base title instead of adding a member */
				free(text);
				cr_assert(asprintf(&text,
						   "{\"id\":\"case-1\",\"kind\":\"case\",\"title\":%s,"
						   "\"sources\":[{\"url\":\"https://e.se/\","
						   "\"retrieved_at\":\"2026-01-01T00:00:00Z\"}]}",
						   val) > 0);
			}
			case_init(&c);
			case_problems_init(&p);
			rc = case_parse(text, strlen(text), 0, &c, &p);
			if (!over) {
				cr_expect_eq(rc, CL_OK, "%s at the limit:%s", lc[i].field, dump(&p));
			} else {
				cr_expect_eq(p.n, 1, "%s over:%s", lc[i].field, dump(&p));
				cr_expect(has_problem(&p, lc[i].path, lc[i].reason), "%s over:%s",
					  lc[i].field, dump(&p));
			}
			case_problems_release(&p);
			case_release(&c);
			free(s);
			free(val);
			free(text);
		}
	}
}

Test(case, url_length_limit)
{
	for (int over = 0; over <= 1; over++) {
		char *path = repeat("a", CASE_URL_MAX - strlen("https://e.se/") + (size_t)over);
		char *text = NULL;
		struct case_record c;
		struct case_problems p;

		cr_assert(asprintf(&text,
				   "{\"id\":\"case-1\",\"kind\":\"case\",\"title\":\"T\",\"sources\":"
				   "[{\"url\":\"https://e.se/%s\",\"retrieved_at\":\"2026-01-01T00:00:00Z\"}]}",
				   path) > 0);
		case_init(&c);
		case_problems_init(&p);
		case_parse(text, strlen(text), 0, &c, &p);
		cr_expect_eq(p.n, (size_t)over, "%s", dump(&p));
		if (over)
			cr_expect(has_problem(&p, "$.sources[0].url", "2049 characters, at most 2048"),
				  "%s", dump(&p));
		case_problems_release(&p);
		case_release(&c);
		free(path);
		free(text);
	}
}

Test(case, list_and_source_counts)
{
	/* 64 distinct CPV codes pass; 65 are one too many. */
	for (int over = 0; over <= 1; over++) {
		size_t n = CASE_LIST_MAX + (size_t)over;
		char *list = malloc(n * 12 + 2), *text;
		size_t o = 0;
		struct case_problems p;

		cr_assert_not_null(list);
		for (size_t i = 0; i < n; i++)
			o += (size_t)sprintf(list + o, "%s\"%08zu\"", i ? "," : "", 45000000 + i);
		list[o] = '\0';
		{
			char *arr = NULL;
			cr_assert(asprintf(&arr, "[%s]", list) > 0);
			text = with_member("cpv", arr);
			free(arr);
		}
		struct case_record c;
		case_init(&c);
		case_problems_init(&p);
		case_parse(text, strlen(text), 0, &c, &p);
		cr_expect_eq(p.n, (size_t)over, "%s", dump(&p));
		if (over)
			cr_expect(has_problem(&p, "$.cpv", "too many items (65, at most 64)"), "%s",
				  dump(&p));
		else
			cr_expect_eq(c.cpv.n, 64);
		case_problems_release(&p);
		case_release(&c);
		free(list);
		free(text);
	}
	/* 33 sources are one too many. */
	{
		char *srcs = repeat(",{\"url\":\"https://e.se/\",\"retrieved_at\":\"2026-01-01T00:00:00Z\"}",
				    CASE_SOURCES_MAX + 1);
		char *text = NULL;
		struct case_record c;
		struct case_problems p;

		cr_assert(asprintf(&text,
				   "{\"id\":\"case-1\",\"kind\":\"case\",\"title\":\"T\",\"sources\":[%s]}",
				   srcs + 1) > 0);
		case_init(&c);
		case_problems_init(&p);
		case_parse(text, strlen(text), 0, &c, &p);
		cr_expect_eq(p.n, 1, "%s", dump(&p));
		cr_expect(has_problem(&p, "$.sources", "too many sources (33, at most 32)"), "%s",
			  dump(&p));
		case_problems_release(&p);
		case_release(&c);
		free(srcs);
		free(text);
	}
}

Test(case, problems_are_capped)
{
	/* 150 unknown fields: 100 problems, then one saying validation stopped. */
	char *text = malloc(150 * 16 + 256);
	size_t o;
	struct case_problems p;

	cr_assert_not_null(text);
	o = (size_t)sprintf(text, "{\"id\":\"case-1\",\"kind\":\"case\",\"title\":\"T\","
				  "\"sources\":[{\"url\":\"https://e.se/\",\"retrieved_at\":"
				  "\"2026-01-01T00:00:00Z\"}]");
	for (int i = 0; i < 150; i++)
		o += (size_t)sprintf(text + o, ",\"x%d\":1", i);
	strcpy(text + o, "}");
	json_t *j = json_loads(text, 0, NULL);
	cr_assert_not_null(j);
	case_problems_init(&p);
	cr_expect_eq(case_validate_json(j, 0, &p), CL_EVALIDATION);
	cr_expect_eq(p.n, 101);
	cr_expect_str_eq(p.v[0].path, "$.x0");
	cr_expect_str_eq(p.v[99].path, "$.x99");
	cr_expect_str_eq(p.v[100].path, "$");
	cr_expect(strstr(p.v[100].reason, "too many problems"), "%s", p.v[100].reason);
	case_problems_release(&p);
	json_decref(j);
	free(text);
}

Test(case, json_built_in_code)
{
	/* Values that cannot come from JSON text but can from code: an
	 * embedded NUL and invalid UTF-8. */
	json_t *j = json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "id", "case-1", "kind", "case",
			      "sources", "url", "https://e.se/", "retrieved_at",
			      "2026-01-01T00:00:00Z");
	struct case_problems p;

	cr_assert_not_null(j);
	json_object_set_new(j, "title", json_stringn("a\0b", 3));
	json_object_set_new(j, "summary", json_stringn_nocheck("a\xff", 2));
	json_object_set_new(j, "value",
			    json_pack("{s:f, s:s}", "amount", -0.0, "currency", "SEK"));
	case_problems_init(&p);
	cr_expect_eq(case_validate_json(j, 0, &p), CL_EVALIDATION);
	cr_expect_eq(p.n, 2, "%s", dump(&p));
	cr_expect(has_problem(&p, "$.title", "NUL"), "%s", dump(&p));
	cr_expect(has_problem(&p, "$.summary", "not valid UTF-8"), "%s", dump(&p));
	case_problems_release(&p);

	/* NULL and non-object input */
	case_problems_init(&p);
	cr_expect_eq(case_validate_json(NULL, 0, &p), CL_EVALIDATION);
	cr_expect_eq(p.n, 1);
	cr_expect_str_eq(p.v[0].path, "$");
	case_problems_release(&p);
	cr_expect_eq(case_validate_json(j, 0, NULL), CL_EINVAL);
	json_decref(j);
}

Test(case, validate_appends_to_existing_problems)
{
	struct case_problems p;
	char *t = dq("{" BASE "}");
	json_t *j = json_loads(t, 0, NULL);

	cr_assert_not_null(j);
	case_problems_init(&p);
	cr_assert_eq(case_problems_add(&p, "$.x", CASE_P_REQUIRED, "earlier %d", 1), CL_OK);
	cr_expect_eq(case_validate_json(j, 0, &p), CL_OK, "valid despite earlier problems");
	cr_expect_eq(p.n, 1);
	cr_expect_str_eq(p.v[0].reason, "earlier 1");
	case_problems_release(&p);
	case_problems_release(&p);   /* twice is safe */
	case_problems_release(NULL);
	json_decref(j);
	free(t);
}

/* ---- filling the struct -------------------------------------------------- */

Test(case, fields_are_filled)
{
	struct case_record c;
	struct case_problems p;

	case_init(&c);
	case_problems_init(&p);
	cr_assert_eq(parse_q(vcases[3].json, 0, &c, &p), CL_OK, "%s", dump(&p));
	cr_expect_str_eq(c.id, "uhm-2021.mt_34");
	cr_expect_str_eq(c.kind, "procurement");
	cr_expect_str_eq(c.status, "published");
	cr_expect_str_eq(c.summary, "Rad ett\nRad två\tflik\r\n");
	cr_expect_str_eq(c.buyer.org_number, "212000-1132", "canonical form stored");
	cr_expect_str_eq(c.buyer.nuts, "SE224");
	cr_expect_eq(c.sectors.n, 2);
	cr_expect_str_eq(c.sectors.v[1], "gen-pub");
	cr_expect_eq(c.cpv.n, 2);
	cr_expect_eq(c.goals.n, 3);
	cr_expect_str_eq(c.goals.v[2], "gen");
	cr_expect_eq(c.has_value, 1);
	cr_expect_eq(c.value_amount, 1250000.5);
	cr_expect_str_eq(c.value_currency, "SEK");
	cr_expect_eq(c.nsources, 1);
	cr_expect_str_eq(c.sources[0].licence, "CC0-1.0");
	cr_expect_eq(c.version, 4);
	cr_expect_str_eq(c.updated_at, "2026-01-02T03:04:05.123456+01:00");
	cr_expect_eq(case_year(&c), 2021);

	/* parsing again into the same record replaces it; a failure empties it */
	cr_assert_eq(parse_q("{" BASE "}", 0, &c, &p), CL_OK);
	cr_expect_null(c.status);
	cr_expect_eq(c.has_value, 0);
	cr_assert_eq(parse_q("{" BASE ",'goals':['x']}", 0, &c, &p), CL_EVALIDATION);
	cr_expect_null(c.id);
	cr_expect_eq(c.nsources, 0);
	case_problems_release(&p);
	case_release(&c);
}

/* ---- canonical JSON ------------------------------------------------------- */

static char *to_string_of(const char *text, int content_only)
{
	struct case_record c;
	struct case_problems p;
	char *t = dq(text), *s;

	case_init(&c);
	case_problems_init(&p);
	cr_assert_eq(case_parse(t, strlen(t), 0, &c, &p), CL_OK, "%s", dump(&p));
	s = case_to_string(&c, content_only);
	cr_assert_not_null(s);
	case_problems_release(&p);
	case_release(&c);
	free(t);
	return s;
}

Test(case, canonical_order_and_omissions)
{
	/* Keys come out in the documented order whatever the input order;
	 * empty lists and nulls are left out; year is derived (the input's
	 * year is ignored); org number canonical; whole amounts as integers. */
	char *s = to_string_of(
		"{'updated_at':'2026-01-02T00:00:00Z','sources':[{'licence':'CC0-1.0',"
		"'retrieved_at':'2026-01-01T00:00:00Z','url':'https://e.se/'}],'year':1999,"
		"'value':{'currency':'SEK','amount':1500000.0},'published':'2021-05-04',"
		"'goals':[],'buyer':{'org_number':'2120001132','name':'Lund'},'summary':null,"
		"'title':'Åtta','kind':'case','id':'case-1','version':2,'status':'submitted'}",
		0);
	char *want = dq("{'id':'case-1','kind':'case','status':'submitted','title':'Åtta',"
			"'buyer':{'name':'Lund','org_number':'212000-1132'},"
			"'published':'2021-05-04','year':2021,"
			"'value':{'amount':1500000,'currency':'SEK'},"
			"'sources':[{'url':'https://e.se/','retrieved_at':'2026-01-01T00:00:00Z',"
			"'licence':'CC0-1.0'}],'version':2,'updated_at':'2026-01-02T00:00:00Z'}");

	cr_expect_str_eq(s, want);
	free(s);
	free(want);
}

Test(case, content_only_leaves_out_store_fields)
{
	char *a = to_string_of("{" BASE ",'status':'published','version':7,"
			       "'created_at':'2026-01-01T00:00:00Z','updated_at':'2026-01-03T00:00:00Z'}",
			       1);
	char *b = to_string_of("{" BASE ",'status':'rejected'}", 1);
	char *full = to_string_of("{" BASE ",'status':'published','version':7}", 0);

	cr_expect_str_eq(a, b, "same content, different store fields");
	cr_expect_null(strstr(a, "status"));
	cr_expect_null(strstr(a, "version"));
	cr_expect_null(strstr(a, "created_at"));
	cr_expect(strstr(full, "\"status\":\"published\""));
	cr_expect(strstr(full, "\"version\":7"));
	free(a);
	free(b);
	free(full);
}

Test(case, amounts_round_trip)
{
	static const double amounts[] = {1234567.89, 0.1, 9750000.5, 1e20, 123456789012.34,
					 0.30000000000000004, 2.5e-3};
	static const char *const shown[] = {"1234567.89", "0.1", "9750000.5", NULL,
					    "123456789012.34", NULL, "0.0025"};

	for (size_t i = 0; i < sizeof amounts / sizeof amounts[0]; i++) {
		struct case_record c, back;
		struct case_problems p;
		char *s, *s2;

		case_init(&c);
		case_init(&back);
		case_problems_init(&p);
		c.id = strdup("case-1");
		c.kind = strdup("case");
		c.title = strdup("T");
		c.has_value = 1;
		c.value_amount = amounts[i];
		c.value_currency = strdup("SEK");
		c.sources = calloc(1, sizeof *c.sources);
		c.nsources = 1;
		c.sources[0].url = strdup("https://e.se/");
		c.sources[0].retrieved_at = strdup("2026-01-01T00:00:00Z");
		s = case_to_string(&c, 0);
		cr_assert_not_null(s);
		if (shown[i]) {
			char want[64];
			snprintf(want, sizeof want, "\"amount\":%s,", shown[i]);
			cr_expect(strstr(s, want), "%s lacks %s", s, want);
		}
		cr_assert_eq(case_parse(s, strlen(s), 0, &back, &p), CL_OK, "%s", dump(&p));
		cr_expect_eq(back.value_amount, amounts[i], "%.17g came back as %.17g", amounts[i],
			     back.value_amount);
		s2 = case_to_string(&back, 0);
		cr_expect_str_eq(s, s2);
		free(s);
		free(s2);
		case_problems_release(&p);
		case_release(&c);
		case_release(&back);
	}
}

/* Parse -> string -> parse -> string must be byte-identical. */
static void round_trip(const char *name, const char *text, size_t len, unsigned flags)
{
	struct case_record a, b;
	struct case_problems p;
	char *s1, *s2;

	case_init(&a);
	case_init(&b);
	case_problems_init(&p);
	cr_assert_eq(case_parse(text, len, flags, &a, &p), CL_OK, "%s:%s", name, dump(&p));
	s1 = case_to_string(&a, 0);
	cr_assert_not_null(s1, "%s", name);
	cr_assert_eq(case_parse(s1, strlen(s1), flags, &b, &p), CL_OK, "%s again:%s", name,
		     dump(&p));
	s2 = case_to_string(&b, 0);
	cr_assert_not_null(s2);
	cr_expect_str_eq(s1, s2, "%s does not round-trip", name);
	free(s1);
	free(s2);
	case_problems_release(&p);
	case_release(&a);
	case_release(&b);
}

Test(case, table_records_round_trip)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof vcases / sizeof vcases[0]; i++) {
		char *t;

		if (vcases[i].n)
			continue;
		t = dq(vcases[i].json);
		round_trip(vcases[i].name, t, strlen(t), vcases[i].flags);
		free(t);
		n++;
	}
	cr_expect_geq(n, 10);
}

Test(case, fixtures_are_valid_and_round_trip)
{
	DIR *d = opendir(FIXTURES);
	struct dirent *e;
	size_t n = 0, sv = 0, en = 0;

	cr_assert_not_null(d, "cannot open %s (tests run from the repository root)", FIXTURES);
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name), len;
		char *path = NULL, *text;
		struct case_record c;
		struct case_problems p;

		if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0)
			continue;
		cr_assert(asprintf(&path, "%s/%s", FIXTURES, e->d_name) > 0);
		text = tu_read_file(path, &len);
		cr_assert_not_null(text, "%s", path);
		round_trip(e->d_name, text, len, 0);

		case_init(&c);
		case_problems_init(&p);
		cr_assert_eq(case_parse(text, len, 0, &c, &p), CL_OK, "%s:%s", path, dump(&p));
		/* demo-corpus quality: every fixture has a buyer with a valid
		 * org number, goals, a sector, and https provenance */
		cr_expect_not_null(c.buyer.org_number, "%s", path);
		cr_expect_gt(c.goals.n, 0, "%s", path);
		cr_expect_gt(c.sectors.n, 0, "%s", path);
		cr_expect_not_null(c.summary ? c.summary : c.title, "%s", path);
		cr_expect_eq(strncmp(c.sources[0].url, "https://", 8), 0, "%s", path);
		cr_expect_gt(case_year(&c), 2000, "%s", path);
		sv += c.language && strcmp(c.language, "sv") == 0;
		en += c.language && strcmp(c.language, "en") == 0;
		n++;
		case_problems_release(&p);
		case_release(&c);
		free(text);
		free(path);
	}
	closedir(d);
	cr_expect_geq(n, 6, "fixtures found: %zu", n);
	cr_expect_geq(sv, 1);
	cr_expect_geq(en, 1);
}

/* ---- copy, release, year ------------------------------------------------- */

Test(case, copy_is_deep)
{
	struct case_record a, b;
	struct case_problems p;
	char *sa, *sb;

	case_init(&a);
	case_init(&b);
	case_problems_init(&p);
	cr_assert_eq(parse_q(vcases[3].json, 0, &a, &p), CL_OK, "%s", dump(&p));
	/* dst already holding a record is released first (no leak under ASan) */
	cr_assert_eq(parse_q("{" BASE "}", 0, &b, &p), CL_OK);
	cr_assert_eq(case_copy(&b, &a), CL_OK);
	sa = case_to_string(&a, 0);
	sb = case_to_string(&b, 0);
	cr_expect_str_eq(sa, sb);
	cr_expect_neq(a.title, b.title);
	cr_expect_neq(a.buyer.name, b.buyer.name);
	cr_expect_neq(a.goals.v, b.goals.v);
	cr_expect_neq(a.goals.v[0], b.goals.v[0]);
	cr_expect_neq(a.sources, b.sources);
	cr_expect_neq(a.sources[0].url, b.sources[0].url);
	/* changing the copy leaves the original alone */
	b.title[0] = 'X';
	b.goals.v[0][0] = 'X';
	b.sources[0].url[0] = 'X';
	cr_expect_str_eq(a.title, "Revisionstjänster");
	cr_expect_str_eq(a.goals.v[0], "sdg-16");
	cr_expect_eq(a.sources[0].url[0], 'h');
	case_release(&a);
	/* the copy outlives the original */
	cr_expect_str_eq(b.buyer.name, "Lunds kommun");
	cr_expect_eq(b.value_amount, 1250000.5);
	cr_expect_eq(b.version, 4);
	cr_expect_eq(case_copy(&b, &b), CL_OK, "self-copy is a no-op");
	cr_expect_str_eq(b.buyer.name, "Lunds kommun");
	free(sa);
	free(sb);
	case_problems_release(&p);
	case_release(&b);
}

Test(case, release_is_safe)
{
	struct case_record c;
	struct case_problems p;

	case_release(NULL);
	case_init(&c);
	case_release(&c);
	case_problems_init(&p);
	cr_assert_eq(parse_q("{" BASE "}", 0, &c, &p), CL_OK);
	case_release(&c);
	cr_expect_null(c.id);
	cr_expect_eq(c.nsources, 0);
	case_release(&c); /* double release */
	cr_expect_null(case_to_string(NULL, 0));
	cr_expect_null(case_to_json(NULL));
	case_problems_release(&p);
}

Test(case, year)
{
	struct case_record c;

	case_init(&c);
	cr_expect_eq(case_year(&c), 0);
	cr_expect_eq(case_year(NULL), 0);
	c.awarded = strdup("2019-06-30");
	cr_expect_eq(case_year(&c), 2019, "awarded when no published");
	c.published = strdup("2018-12-01");
	cr_expect_eq(case_year(&c), 2018, "published first");
	free(c.published);
	c.published = strdup("garbage");
	cr_expect_eq(case_year(&c), 2019, "malformed published falls back");
	case_release(&c);
}

Test(case, to_json_of_record_built_in_code)
{
	/* A record assembled by a parser: NULL fields and empty lists are left
	 * out, and the result validates. */
	struct case_record c;
	struct case_problems p;
	json_t *j;

	case_init(&c);
	c.id = strdup("ted-2024-00137599");
	c.kind = strdup("procurement");
	c.title = strdup("Vätgas för tunga transporter");
	c.sources = calloc(1, sizeof *c.sources);
	c.nsources = 1;
	c.sources[0].url = strdup("https://ted.europa.eu/en/notice/-/detail/137599-2024");
	c.sources[0].retrieved_at = strdup("2026-01-01T00:00:00Z");
	c.goals.v = calloc(1, sizeof(char *));
	c.goals.v[0] = strdup("sdg-7");
	c.goals.n = 1;
	j = case_to_json(&c);
	cr_assert_not_null(j);
	cr_expect_eq(json_object_size(j), 5, "id kind title goals sources");
	cr_expect_null(json_object_get(j, "buyer"));
	cr_expect_null(json_object_get(j, "year"));
	case_problems_init(&p);
	cr_expect_eq(case_validate_json(j, 0, &p), CL_OK, "%s", dump(&p));
	case_problems_release(&p);
	json_decref(j);
	case_release(&c);
}
