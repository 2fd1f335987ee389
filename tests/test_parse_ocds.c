/* test_parse_ocds.c — OCDS payloads as case records (indexer/parse_ocds.c):
 * every real sample file under ../shared/data/ocds, all of them at once as
 * JSON Lines (releases of one ocid merge into one case), field values of
 * real releases, a Swedish JSON Lines fixture with a broken line, odd and
 * hostile input (wrong types, too big, too deep), the mapping tables, and
 * ocds_next_link for pagination. */
#include <criterion/criterion.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "maptab.h"
#include "parse.h"
#include "parse_ocds.h"
#include "taxonomy.h"
#include "testutil.h"

#define WHEN "2026-11-27T05:00:00Z"
#define BASE "https://data.example.org/ocds/feed.json"
#define SE_FIXTURE "tests/fixtures/ocds/se-releases.jsonl"

/* ---- a sink that keeps copies -------------------------------------------- */

#define KEEP 128
#define KEEP_REJ 32

struct got {
	long emitted, rejected, invalid;
	char first_invalid[512];
	struct case_record rec[KEEP];
	size_t nrec;
	long rline[KEEP_REJ];
	char rwhy[KEEP_REJ][CL_ERRBUF_SIZE];
	long stop_after; /* emit returns CL_EIO after this many (0: never) */
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
	struct case_problems p;
	json_t *j = case_to_json(c);

	case_problems_init(&p);
	if (!j || case_validate_json(j, 0, &p) != CL_OK) {
		if (!g->invalid++ && p.n)
			snprintf(g->first_invalid, sizeof g->first_invalid, "%s %s: %s", c->id,
				 p.v[0].path, p.v[0].reason);
	}
	json_decref(j);
	case_problems_release(&p);
	if (g->nrec < KEEP) {
		case_init(&g->rec[g->nrec]);
		cr_assert_eq(case_copy(&g->rec[g->nrec], c), CL_OK);
		g->nrec++;
	}
	g->emitted++;
	if (g->stop_after && g->emitted >= g->stop_after)
		return CL_EIO;
	return CL_OK;
}

static void got_reject(void *ud, long line, const char *why)
{
	struct got *g = ud;

	if (g->rejected < KEEP_REJ) {
		g->rline[g->rejected] = line;
		snprintf(g->rwhy[g->rejected], CL_ERRBUF_SIZE, "%s", why);
	}
	g->rejected++;
}

static int parse_text(const char *data, size_t len, const char *url, struct got *g,
		      struct ocds_stats *st, struct cl_errbuf *eb)
{
	struct parse_src src = {url, WHEN, NULL};
	struct parse_sink sink = {got_emit, got_reject, g};

	eb->msg[0] = '\0';
	return ocds_parse(data, len, &src, &sink, st, eb);
}

static int parse_shared(const char *rel, struct got *g, struct ocds_stats *st,
			struct cl_errbuf *eb)
{
	char *path = tu_shared(rel);
	size_t len;
	char *data = tu_read_file(path, &len);
	int rc;

	cr_assert_not_null(data, "cannot read %s", path);
	rc = parse_text(data, len, BASE, g, st, eb);
	free(data);
	free(path);
	return rc;
}

static const struct case_record *by_id(const struct got *g, const char *id)
{
	for (size_t i = 0; i < g->nrec; i++)
		if (strcmp(g->rec[i].id, id) == 0)
			return &g->rec[i];
	return NULL;
}

static int has_reject(const struct got *g, long line, const char *needle)
{
	for (long i = 0; i < g->rejected && i < KEEP_REJ; i++)
		if (g->rline[i] == line && strstr(g->rwhy[i], needle))
			return 1;
	return 0;
}

/* The one record of the shared file rel (asserted to parse and to give
 * exactly one); st gets the statistics. Caller got_free()s. */
static struct got *parse_one(const char *rel, struct ocds_stats *st)
{
	struct got *g = got_new();
	struct cl_errbuf eb;

	cr_assert_eq(parse_shared(rel, g, st, &eb), CL_OK, "%s: %s", rel, eb.msg);
	cr_assert_eq(g->emitted, 1, "%s", rel);
	return g;
}

/* Every sample file under ocds/, sorted, relative to the shared folder. */
static void real_files(glob_t *g)
{
	static const char *const pats[] = {"ocds/*/*.json", "ocds/*/*/*.json", "ocds/*/*/*/*.json",
					   "ocds/*/*/*/*/*.json", "ocds/*/*/*/*/*/*.json"};
	char *base = tu_shared("");
	size_t bl = strlen(base);

	memset(g, 0, sizeof *g);
	for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
		char pat[512];

		snprintf(pat, sizeof pat, "%s%s", base, pats[i]);
		glob(pat, i ? GLOB_APPEND : 0, NULL, g);
	}
	/* keep paths relative to the shared folder */
	for (size_t i = 0; i < g->gl_pathc; i++)
		memmove(g->gl_pathv[i], g->gl_pathv[i] + bl, strlen(g->gl_pathv[i] + bl) + 1);
	free(base);
}

/* ---- the real files, one by one ------------------------------------------- */

/* What the files give per publisher, counted from the data (see
 * docs/sources-ocds-and-files.md, "Measured on the samples"):
 *   NSW: no value anywhere, UNSPSC instead of CPV, no buyer address;
 *   fictional: the award, contract and implementation releases (3 files)
 *     have no tender, so no procurement method;
 *   Moldova: tender amount "" — a value only where awards have one (11 of
 *     51 processes, in both the record and the release file), items with
 *     CPV in 23 of 51, no address or country scheme;
 *   Nigeria: tender and award amounts 0 in one process (release + record),
 *     CPV ids of 9-10 digits (no CPV) in 6 of 12 processes, no address;
 *   UK: procurementMethodDetails only in 10 of 21 releases, none in the
 *     compiled records;
 *   Ukraine: everything. */
static const struct {
	const char *folder;
	long files, value, procedure, country, cpv;
} per_publisher[] = {
	{"ocds/australia/", 10, 0, 10, 0, 0},
	{"ocds/fictional-example-1.1/", 9, 9, 6, 9, 9},
	{"ocds/moldova/", 102, 22, 102, 0, 46},
	{"ocds/nigeria/", 23, 21, 23, 0, 11},
	{"ocds/uk-contracts-finder/", 32, 32, 10, 32, 32},
	{"ocds/ukraine/", 22, 22, 22, 22, 22},
};
#define NPUB (sizeof per_publisher / sizeof per_publisher[0])

/* The 198 sample files each hold ONE contracting process: a single release
 * (moldova, nigeria, uk-contracts-finder and ukraine releases/, australia),
 * a single record with its compiledRelease (records/ folders), a record
 * package of one record (fictional record/), or a release package of the
 * releases of one ocid (fictional example: 6 releases, planning to
 * implementation, merged into one case). Every release in them has a title
 * somewhere (the fictional contract and implementation releases only in
 * awards and contracts), so each file gives exactly one case and no
 * reject. */
Test(ocds, every_real_file_gives_one_valid_case)
{
	glob_t files;
	long seen[NPUB][5];

	memset(seen, 0, sizeof seen);
	real_files(&files);
	cr_assert_eq(files.gl_pathc, 198, "sample files found: %zu", files.gl_pathc);
	for (size_t i = 0; i < files.gl_pathc; i++) {
		const char *rel = files.gl_pathv[i];
		struct got *g = got_new();
		struct ocds_stats st;
		struct cl_errbuf eb;
		int rc = parse_shared(rel, g, &st, &eb);
		const struct case_record *c;
		size_t p;

		cr_assert_eq(rc, CL_OK, "%s: %s", rel, eb.msg);
		cr_assert_eq(g->emitted, 1, "%s: emitted %ld", rel, g->emitted);
		cr_assert_eq(g->rejected, 0, "%s: rejected %ld (%s)", rel, g->rejected, g->rwhy[0]);
		cr_assert_eq(g->invalid, 0, "%s: %s", rel, g->first_invalid);
		cr_assert_eq(st.emitted, 1);
		cr_assert_eq(st.unknown_procedure, 0, "%s", rel);
		c = &g->rec[0];
		cr_assert_str_eq(c->kind, "procurement");
		cr_assert_eq(strncmp(c->id, "ocds-", 5), 0, "%s", c->id);
		cr_assert_neq(strncmp(c->id, "ocds-ocds-", 10), 0, "%s: doubled prefix", c->id);
		cr_assert_eq(c->nsources, 1);
		cr_assert_str_eq(c->sources[0].format, "ocds");
		cr_assert_str_eq(c->sources[0].retrieved_at, WHEN);
		cr_assert_eq(strncmp(c->sources[0].url, BASE "#ocds-", strlen(BASE) + 6), 0, "%s",
			     c->sources[0].url);
		cr_assert_not_null(c->language, "%s", rel);
		cr_assert_not_null(c->published, "%s", rel);
		if (strstr(rel, "/records/") || strstr(rel, "/record/"))
			cr_assert_eq(st.records, 1, "%s", rel);
		else
			cr_assert_eq(st.records, 0, "%s", rel);
		if (strstr(rel, "fictional-example-1.1/ocds-213czf-000-00001.json")) {
			cr_assert_eq(st.releases, 6);
			cr_assert_eq(st.merged, 5);
		} else {
			cr_assert_eq(st.releases, 1, "%s", rel);
			cr_assert_eq(st.merged, 0, "%s", rel);
		}
		for (p = 0; p < NPUB; p++)
			if (strncmp(rel, per_publisher[p].folder, strlen(per_publisher[p].folder)) == 0)
				break;
		cr_assert_lt(p, NPUB, "%s: unexpected folder", rel);
		seen[p][0]++;
		seen[p][1] += c->has_value;
		seen[p][2] += c->procedure != NULL;
		seen[p][3] += c->buyer.country != NULL;
		seen[p][4] += c->cpv.n > 0;
		got_free(g);
	}
	globfree(&files);
	for (size_t p = 0; p < NPUB; p++) {
		const char *f = per_publisher[p].folder;

		cr_assert_eq(seen[p][0], per_publisher[p].files, "%s files: %ld", f, seen[p][0]);
		cr_assert_eq(seen[p][1], per_publisher[p].value, "%s value: %ld", f, seen[p][1]);
		cr_assert_eq(seen[p][2], per_publisher[p].procedure, "%s procedure: %ld", f, seen[p][2]);
		cr_assert_eq(seen[p][3], per_publisher[p].country, "%s country: %ld", f, seen[p][3]);
		cr_assert_eq(seen[p][4], per_publisher[p].cpv, "%s cpv: %ld", f, seen[p][4]);
	}
}

/* ---- all of them as one JSON Lines payload --------------------------------- */

/* The 198 files compacted to one line each: 203 release objects (the
 * fictional package has 6; every record gives its compiledRelease) of 96
 * distinct ocids (51 Moldova, 12 Nigeria, 11 UK, 11 Ukraine, 10 NSW, 1
 * fictional): 96 cases, 107 releases merged into another of their ocid. */
Test(ocds, all_real_files_as_json_lines_merge_by_ocid)
{
	glob_t files;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	struct got *g = got_new();
	struct ocds_stats st;
	struct cl_errbuf eb;
	const struct case_record *c;

	cr_assert_not_null(mem);
	real_files(&files);
	for (size_t i = 0; i < files.gl_pathc; i++) {
		char *path = tu_shared(files.gl_pathv[i]);
		json_error_t err;
		json_t *j = json_load_file(path, 0, &err);
		char *line;

		cr_assert_not_null(j, "%s: %s", path, err.text);
		line = json_dumps(j, JSON_COMPACT);
		fprintf(mem, "%s\n", line);
		free(line);
		json_decref(j);
		free(path);
	}
	globfree(&files);
	fclose(mem);
	cr_assert(ocds_is_jsonl(buf, len));
	cr_assert_eq(parse_text(buf, len, BASE, g, &st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(st.lines, 198);
	cr_assert_eq(st.releases, 203);
	cr_assert_eq(st.records, 86);
	cr_assert_eq(g->emitted, 96);
	cr_assert_eq(g->rejected, 0, "%s", g->rwhy[0]);
	cr_assert_eq(g->invalid, 0, "%s", g->first_invalid);
	cr_assert_eq(st.merged, 203 - 96);
	cr_assert_eq(st.renamed_ids, 0);
	/* the UK release that names its procedure lends it to the merged case */
	c = by_id(g, "ocds-b5fd17-2c3698c7-adc8-11e6-9901-0019b9f3037b");
	cr_assert_not_null(c);
	cr_assert_str_eq(c->procedure, "open");
	cr_assert_eq(st.no_procedure, 1); /* 2c44d7bf: no release names one */
	free(buf);
	got_free(g);
}

/* ---- field values of real releases ----------------------------------------- */

/* OCP's fictional example: six releases of one ocid in one package. The
 * latest (implementation, 2011-01-10) has no tender: title, description,
 * value and method come from the latest release that has them (the tender
 * amendment), awarded from the award. */
Test(ocds, fields_fictional_release_package)
{
	struct ocds_stats st;
	struct got *g = parse_one("ocds/fictional-example-1.1/ocds-213czf-000-00001.json", &st);
	const struct case_record *c;

	c = &g->rec[0];
	cr_assert_str_eq(c->id, "ocds-213czf-000-00001");
	cr_assert_str_eq(c->title, "Planned cycle lane improvements");
	cr_assert_str_eq(c->summary,
			 "Tenders solicited for work to build new cycle lanes in the centre of town.");
	cr_assert_str_eq(c->buyer.name, "London Borough of Barnet");
	cr_assert_str_eq(c->buyer.country, "GB");
	cr_assert_null(c->buyer.org_number);
	cr_assert(c->has_value);
	cr_assert_float_eq(c->value_amount, 1100000.0, 1e-6);
	cr_assert_str_eq(c->value_currency, "GBP");
	cr_assert_str_eq(c->procedure, "open");
	cr_assert_str_eq(c->published, "2011-01-10");
	cr_assert_str_eq(c->awarded, "2010-05-10");
	cr_assert_str_eq(c->language, "en");
	cr_assert_eq(c->cpv.n, 2);
	cr_assert_str_eq(c->cpv.v[0], "45233130"); /* written "45233130.0" */
	cr_assert_str_eq(c->cpv.v[1], "45233162-2");
	cr_assert_eq(c->categories.n, 1);
	cr_assert_str_eq(c->categories.v[0], "45");
	cr_assert_str_eq(c->sources[0].url, BASE "#ocds-213czf-000-00001");
	cr_assert_str_eq(c->sources[0].licence, "http://opendatacommons.org/licenses/pddl/1.0/");
	got_free(g);
}

/* Prozorro (Ukraine): Ukrainian text, country from "Україна". */
Test(ocds, fields_ukraine_release)
{
	struct ocds_stats st;
	struct got *g = parse_one("ocds/ukraine/sample/releases/"
				  "ocds-be6bcu-UA-2017-04-12-001619-b-9c06e7fffe00412ebf6ec83fa2a10e04.json", &st);
	const struct case_record *c;

	c = &g->rec[0];
	cr_assert_str_eq(c->id, "ocds-be6bcu-ua-2017-04-12-001619-b");
	cr_assert_str_eq(c->title, "Банани та лимони");
	cr_assert_str_eq(c->buyer.name, "ВІДДІЛ ОСВІТИ СИНЕЛЬНИКІВСЬКОЇ МІСЬКОЇ РАДИ");
	cr_assert_str_eq(c->buyer.country, "UA");
	cr_assert_float_eq(c->value_amount, 49993.6, 1e-6);
	cr_assert_str_eq(c->value_currency, "UAH");
	cr_assert_str_eq(c->procedure, "open");
	cr_assert_str_eq(c->published, "2017-04-25");
	cr_assert_str_eq(c->language, "uk");
	cr_assert_eq(c->cpv.n, 1);
	cr_assert_str_eq(c->cpv.v[0], "03220000-9");
	cr_assert_str_eq(c->categories.v[0], "03");
	/* the fragment keeps the ocid as published (upper case) */
	cr_assert_str_eq(c->sources[0].url, BASE "#ocds-be6bcu-UA-2017-04-12-001619-b");
	got_free(g);
}

/* Moldova: a bare record; tender.value.amount is "" so the value is the
 * sum of the awards (currency written "mdl"); the method is written in
 * Romanian; language "md" is the country code, the text is Romanian. */
Test(ocds, fields_moldova_record)
{
	struct ocds_stats st;
	struct got *g = parse_one("ocds/moldova/sample/records/ocds-ngfbwp-19699361.json", &st);
	const struct case_record *c;

	cr_assert_eq(st.records, 1);
	c = &g->rec[0];
	cr_assert_str_eq(c->id, "ocds-ngfbwp-19699361");
	cr_assert_str_eq(c->title, "Tender Ref 17/01712 Bulletin 43");
	cr_assert_str_eq(c->buyer.name, "PIAŢA CENTRALĂ Î.M.");
	cr_assert_null(c->buyer.country);
	cr_assert_float_eq(c->value_amount, 36136.58, 1e-6);
	cr_assert_str_eq(c->value_currency, "MDL");
	cr_assert_str_eq(c->procedure, "oth-single"); /* "Cerere a ofertelor de preţuri" */
	cr_assert_str_eq(c->language, "ro");
	cr_assert_str_eq(c->published, "2017-05-30");
	got_free(g);
}

/* NSW: "selective" -> restricted, HTML in the description removed, the
 * package licence kept. UK: no procurementMethod, "Open procedure" in the
 * details. */
Test(ocds, fields_nsw_and_uk)
{
	struct got *g = got_new();
	struct ocds_stats st;
	struct cl_errbuf eb;
	const struct case_record *c;

	cr_assert_eq(parse_shared("ocds/australia/new-south-wales/sample/releases/3.json", g, &st,
				  &eb),
		     CL_OK, "%s", eb.msg);
	c = &g->rec[0];
	cr_assert_str_eq(c->procedure, "restricted");
	cr_assert_str_eq(c->buyer.name, "Department of Justice");
	cr_assert_str_eq(c->summary, "Construction of an office fit-out for the Public Guardian "
				     "office at 19 O'Connell St, Sydney");
	cr_assert_str_eq(c->sources[0].licence, "https://creativecommons.org/licenses/by/3.0/au/");
	cr_assert_not(c->has_value);
	got_free(g);

	g = got_new();
	cr_assert_eq(parse_shared("ocds/uk-contracts-finder/sample/releases/"
				  "ocds-b5fd17-2c3698c7-adc8-11e6-9901-0019b9f3037b-ocds-b5fd17-2c3698c7-"
				  "adc8-11e6-9901-0019b9f3037b-59430-gcc-qtle-9hdehl.json",
				  g, &st, &eb),
		     CL_OK, "%s", eb.msg);
	c = &g->rec[0];
	cr_assert_str_eq(c->procedure, "open");
	cr_assert_str_eq(c->buyer.country, "GB");
	cr_assert_str_eq(c->value_currency, "GBP");
	cr_assert_float_eq(c->value_amount, 2000000.0, 1e-6);
	cr_assert_str_eq(c->published, "2014-12-17");
	cr_assert_str_eq(c->language, "en"); /* "en-GB" */
	got_free(g);
}

/* Nigeria: CPV ids of 9 and 10 digits are no CPV codes: left out and
 * counted; amount 0 is "not known". */
Test(ocds, nigeria_bad_cpv_and_zero_value)
{
	struct got *g = got_new();
	struct ocds_stats st;
	struct cl_errbuf eb;

	cr_assert_eq(parse_shared("ocds/nigeria/open-contracting-portal/sample/records/"
				  "ocds-gyl66f-borbda-3t7hsh.json",
				  g, &st, &eb),
		     CL_OK, "%s", eb.msg);
	cr_assert_eq(g->emitted, 1);
	cr_assert_eq(st.bad_cpv, 3);
	cr_assert_eq(g->rec[0].cpv.n, 0);
	cr_assert_not(g->rec[0].has_value);
	cr_assert_eq(st.no_value, 1);
	got_free(g);
}

/* ---- the Swedish JSON Lines fixture ---------------------------------------- */

/* Line 1: a package with the tender of ocid 0001; line 2: cut off; line 3:
 * a direct award by Umeå kommun; line 4: the award of 0001 (merged);
 * line 5: a planning release without any title; line 6: JSON, not OCDS. */
Test(ocds, swedish_jsonl_with_broken_line)
{
	size_t len;
	char *data = tu_read_file(SE_FIXTURE, &len);
	struct got *g = got_new();
	struct ocds_stats st;
	struct cl_errbuf eb;
	const struct case_record *c;

	cr_assert_not_null(data, "cannot read %s", SE_FIXTURE);
	cr_assert(ocds_is_jsonl(data, len));
	cr_assert_eq(parse_text(data, len, BASE, g, &st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(g->emitted, 2);
	cr_assert_eq(g->rejected, 3);
	cr_assert_eq(g->invalid, 0, "%s", g->first_invalid);
	cr_assert(has_reject(g, 2, "line 2: column"), "%s | %s", g->rwhy[0], g->rwhy[1]);
	cr_assert(has_reject(g, 5, "no title"), "%s", g->rwhy[2]);
	cr_assert(has_reject(g, 6, "not OCDS"));
	cr_assert_eq(st.lines, 6);
	cr_assert_eq(st.bad_lines, 2);
	cr_assert_eq(st.merged, 1);

	c = &g->rec[0]; /* in order of first appearance */
	cr_assert_str_eq(c->id, "ocds-x4sv1s-2024-0001");
	cr_assert_str_eq(c->title, "Eldrivna arbetsmaskiner för stadens parker");
	cr_assert_str_eq(c->summary,
			 "Upphandling av eldrivna arbetsmaskiner & laddutrustning för parkförvaltningen.");
	cr_assert_str_eq(c->buyer.name, "Göteborgs kommun"); /* "GÖTEBORGS KOMMUN" */
	cr_assert_str_eq(c->buyer.org_number, "212000-1355");
	cr_assert_str_eq(c->buyer.country, "SE");
	cr_assert_float_eq(c->value_amount, 4500000.0, 1e-6); /* tender value over award */
	cr_assert_str_eq(c->value_currency, "SEK");
	cr_assert_str_eq(c->procedure, "open");
	cr_assert_str_eq(c->published, "2024-03-20"); /* the latest release */
	cr_assert_str_eq(c->awarded, "2024-03-18");
	cr_assert_str_eq(c->cpv.v[0], "16700000-2");
	cr_assert_str_eq(c->categories.v[0], "16");
	cr_assert_str_eq(c->language, "sv");
	cr_assert_str_eq(c->sources[0].licence, "https://creativecommons.org/publicdomain/zero/1.0/");

	c = &g->rec[1];
	cr_assert_str_eq(c->id, "ocds-x4sv1s-2024-0003");
	cr_assert_str_eq(c->buyer.name, "Umeå kommun");
	cr_assert_str_eq(c->buyer.org_number, "212000-2627"); /* written 2120002627 */
	cr_assert_str_eq(c->buyer.country, "SE");             /* from SE-ORG */
	cr_assert_str_eq(c->procedure, "se-direct");          /* direct + SE */
	cr_assert_float_eq(c->value_amount, 540000.0, 1e-6);  /* "540000" */
	cr_assert_str_eq(c->value_currency, "SEK");           /* "sek" */
	cr_assert_str_eq(c->cpv.v[0], "71800000");            /* a JSON number */
	cr_assert_str_eq(c->language, "sv");                  /* "sv-SE" */
	free(data);
	got_free(g);
}

/* Without a url from the caller the package's uri is the base; a release
 * outside any package then has no source url and is rejected. */
Test(ocds, package_uri_as_base)
{
	size_t len;
	char *data = tu_read_file(SE_FIXTURE, &len);
	struct got *g = got_new();
	struct ocds_stats st;
	struct cl_errbuf eb;

	cr_assert_not_null(data);
	cr_assert_eq(parse_text(data, len, NULL, g, &st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(g->emitted, 1);
	cr_assert_str_eq(g->rec[0].sources[0].url,
			 "https://upphandling.example.se/ocds/2024-01.json#ocds-x4sv1s-2024-0001");
	cr_assert(has_reject(g, 3, "no source url"));
	free(data);
	got_free(g);
}

/* Reject lines point at the release inside a pretty-printed package. */
Test(ocds, reject_line_inside_package)
{
	static const char pkg[] = "{\n"
				  "  \"uri\": \"https://x.example/p.json\",\n"
				  "  \"releases\": [\n"
				  "    {\"ocid\": \"ocds-a-1\", \"date\": \"2020-01-01T00:00:00Z\",\n"
				  "     \"tender\": {\"title\": \"Först\"}},\n"
				  "    {\"ocid\": \"ocds-a-2\",\n"
				  "     \"tender\": {\"description\": \"ingen titel\"}},\n"
				  "    {\"ocid\": \"ocds-a-3\", \"tender\": {\"title\": \"Tredje \\\"[x]\\\"\"}},\n"
				  "    \"not a release\"\n"
				  "  ]\n"
				  "}\n";
	struct got *g = got_new();
	struct ocds_stats st;
	struct cl_errbuf eb;

	cr_assert_eq(parse_text(pkg, strlen(pkg), BASE, g, &st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(g->emitted, 2);
	cr_assert_eq(g->rejected, 2);
	cr_assert(has_reject(g, 9, "releases[3]: not an object"), "%ld %s", g->rline[0], g->rwhy[0]);
	cr_assert(has_reject(g, 6, "releases[1] (ocid ocds-a-2): no title"), "%ld %s", g->rline[1],
		  g->rwhy[1]);
	cr_assert_str_eq(g->rec[1].title, "Tredje \"[x]\"");
	got_free(g);
}

/* ---- odd and hostile input --------------------------------------------------- */

/* Wrong types everywhere: never a crash; a release without a usable title
 * is rejected, the others lose only the odd fields. */
Test(ocds, odd_types_never_crash)
{
	static const struct {
		const char *json;
		int emitted;
	} cases[] = {
		{"{\"ocid\": 5, \"tender\": {\"title\": \"x\"}}", 0},
		{"{\"ocid\": \"ocds-o-1\", \"tender\": []}", 0},
		{"{\"ocid\": \"ocds-o-2\", \"tender\": {\"title\": 42}}", 0},
		{"{\"ocid\": \"ocds-o-3\", \"tender\": {\"title\": \"   \"}}", 0},
		{"{\"ocid\": \"ocds-o-4\", \"tender\": {\"title\": \"T\", \"value\": 7, \"items\": {}},"
		 " \"parties\": \"buyer\", \"buyer\": [], \"date\": 2020, \"language\": 1}",
		 1},
		{"{\"ocid\": \"ocds-o-5\", \"tender\": {\"title\": \"T\", \"value\": {\"amount\": {},"
		 " \"currency\": 3}, \"items\": [1, null, {\"classification\": []},"
		 " {\"classification\": {\"scheme\": \"CPV\", \"id\": -4}}],"
		 " \"procurementMethod\": [\"open\"]}, \"awards\": [null, 3, {\"value\": null,"
		 " \"date\": \"yesterday\"}], \"parties\": [null, {\"roles\": \"buyer\"},"
		 " {\"roles\": [1, \"buyer\"], \"identifier\": {\"scheme\": \"SE-ORG\", \"id\": 12}}]}",
		 1},
		{"{\"ocid\": \"ocds-o-6\", \"tender\": {\"title\": \"T\", \"value\": {\"amount\": -5,"
		 " \"currency\": \"SEK\"}}, \"date\": \"2020-13-45T00:00:00Z\"}",
		 1},
		{"{\"ocid\": \"ocds-o-7\", \"tender\": {\"title\": \"T\", \"value\": {\"amount\": 1e308,"
		 " \"currency\": \"S€K\"}}, \"language\": \"not-a-language\"}",
		 1},
		{"{\"records\": [1, {\"ocid\": \"ocds-o-8\"}, {\"compiledRelease\": 3}]}", 0},
		{"{\"releases\": {}}", -1},
		{"[1, \"x\", [], {\"ocid\": \"ocds-o-9\", \"planning\": {\"project\": \"P\"}}]", 1},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct got *g = got_new();
		struct ocds_stats st;
		struct cl_errbuf eb;
		int rc = parse_text(cases[i].json, strlen(cases[i].json), BASE, g, &st, &eb);

		if (cases[i].emitted < 0) {
			cr_assert_eq(rc, CL_EPARSE, "case %zu", i);
		} else {
			cr_assert_eq(rc, CL_OK, "case %zu: %s", i, eb.msg);
			cr_assert_eq(g->emitted, cases[i].emitted, "case %zu: %ld (%s)", i, g->emitted,
				     g->rwhy[0]);
			cr_assert_eq(g->invalid, 0, "case %zu: %s", i, g->first_invalid);
			if (!cases[i].emitted)
				cr_assert_gt(g->rejected, 0, "case %zu", i);
		}
		for (size_t k = 0; k < g->nrec; k++) {
			const struct case_record *c = &g->rec[k];
			cr_assert_not(c->has_value && c->value_amount <= 0, "case %zu", i);
			cr_assert_null(c->published, "case %zu: %s", i, c->published);
		}
		got_free(g);
	}
}

Test(ocds, whole_payload_errors)
{
	static const struct {
		const char *text;
		int rc;
		const char *msg;
	} cases[] = {
		{"", CL_EPARSE, "empty"},
		{"  \n\t ", CL_EPARSE, "empty"},
		{"<xml/>", CL_EPARSE, "not JSON: line 1 column 1"},
		{"{\"releases\": [", CL_EPARSE, "not JSON"},
		{"{\"version\": \"1.1\"}", CL_EPARSE, "not OCDS"},
		{"42", CL_EPARSE, "not JSON"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct got *g = got_new();
		struct cl_errbuf eb;
		int rc = parse_text(cases[i].text, strlen(cases[i].text), BASE, g, NULL, &eb);

		cr_assert_eq(rc, cases[i].rc, "case %zu: %d %s", i, rc, eb.msg);
		cr_assert(strstr(eb.msg, cases[i].msg), "case %zu: %s", i, eb.msg);
		cr_assert_eq(g->emitted, 0);
		got_free(g);
	}
	{
		struct parse_src nowhen = {BASE, NULL, NULL};
		struct got *g = got_new();
		struct parse_sink sink = {got_emit, got_reject, g};
		struct cl_errbuf eb;

		cr_assert_eq(ocds_parse("{}", 2, &nowhen, &sink, NULL, &eb), CL_EINVAL);
		cr_assert(strstr(eb.msg, "retrieved_at"), "%s", eb.msg);
		got_free(g);
	}
}

/* A payload over 64 MiB is refused before jansson reads it. */
Test(ocds, oversize_payload_refused)
{
	size_t len = OCDS_MAX_BYTES + 2;
	char *big = malloc(len);
	struct got *g = got_new();
	struct cl_errbuf eb;

	cr_assert_not_null(big);
	memset(big, ' ', len);
	memcpy(big, "{\"releases\": [", 14);
	big[len - 2] = ']';
	big[len - 1] = '}';
	cr_assert_eq(parse_text(big, len, BASE, g, NULL, &eb), CL_ETOOBIG);
	cr_assert(strstr(eb.msg, "67108866 bytes"), "%s", eb.msg);
	cr_assert(strstr(eb.msg, "64 MiB"), "%s", eb.msg);
	cr_assert_eq(g->emitted, 0);
	free(big);
	got_free(g);
}

/* Deeper than OCDS_MAX_DEPTH: refused (whole payload) or rejected (one
 * line of JSON Lines, the others read). Exactly the limit is accepted. */
Test(ocds, deep_nesting_refused)
{
	char *deep = NULL, *ok = NULL, *jl = NULL;
	size_t n = 5000;
	struct got *g = got_new();
	struct cl_errbuf eb;
	int rc;

	/* 5000 levels of arrays */
	deep = malloc(2 * n + 1);
	cr_assert_not_null(deep);
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	rc = parse_text(deep, 2 * n, BASE, g, NULL, &eb);
	cr_assert_eq(rc, CL_ETOOBIG, "%d %s", rc, eb.msg);
	cr_assert(strstr(eb.msg, "nested more than 64 levels"), "%s", eb.msg);

	/* a release whose extra member nests to exactly 64 (the object is 1) */
	{
		size_t k = OCDS_MAX_DEPTH - 1;
		char *p;

		ok = malloc(200 + 2 * k);
		cr_assert_not_null(ok);
		p = ok + sprintf(ok, "{\"ocid\": \"ocds-d-1\", \"tender\": {\"title\": \"Djup\"}, \"x\": ");
		memset(p, '[', k);
		memset(p + k, ']', k);
		strcpy(p + 2 * k, "}");
		rc = parse_text(ok, strlen(ok), BASE, g, NULL, &eb);
		cr_assert_eq(rc, CL_OK, "%s", eb.msg);
		cr_assert_eq(g->emitted, 1);
		/* one more level is too deep */
		memmove(p + 1, p, strlen(p) + 1);
		p[0] = '[';
		p = strrchr(ok, '}');
		memmove(p + 1, p, strlen(p) + 1);
		p[0] = ']';
		rc = parse_text(ok, strlen(ok), BASE, g, NULL, &eb);
		cr_assert_eq(rc, CL_ETOOBIG, "%d %s", rc, eb.msg);
	}

	/* JSON Lines: the deep line is rejected, the good ones are read */
	cr_assert(asprintf(&jl,
			   "{\"ocid\": \"ocds-d-2\", \"tender\": {\"title\": \"Ett\"}}\n%s\n"
			   "{\"ocid\": \"ocds-d-3\", \"tender\": {\"title\": \"Tre\"}}\n",
			   deep) > 0);
	got_free(g);
	g = got_new();
	rc = parse_text(jl, strlen(jl), BASE, g, NULL, &eb);
	cr_assert_eq(rc, CL_OK, "%s", eb.msg);
	cr_assert_eq(g->emitted, 2);
	cr_assert_eq(g->rejected, 1);
	cr_assert(has_reject(g, 2, "nested more than 64 levels"), "%s", g->rwhy[0]);
	free(deep);
	free(ok);
	free(jl);
	got_free(g);
}

/* The receiver can stop the parse: its code comes back. */
Test(ocds, emit_error_stops)
{
	struct got *g = got_new();
	struct cl_errbuf eb;

	g->stop_after = 1;
	cr_assert_eq(parse_shared("ocds/fictional-example-1.1/ocds-213czf-000-00001.json", g, NULL,
				  &eb),
		     CL_EIO);
	cr_assert(strstr(eb.msg, "stopped"), "%s", eb.msg);
	got_free(g);
}

/* Two different ocids that give the same id: the second gets "-2". */
Test(ocds, ids_stay_unique)
{
	static const char two[] = "{\"releases\": ["
				  "{\"ocid\": \"ocds-u-AB\", \"tender\": {\"title\": \"Ett\"}},"
				  "{\"ocid\": \"ocds-u-ab\", \"tender\": {\"title\": \"Två\"}}]}";
	struct got *g = got_new();
	struct ocds_stats st;
	struct cl_errbuf eb;

	cr_assert_eq(parse_text(two, strlen(two), BASE, g, &st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(g->emitted, 2);
	cr_assert_str_eq(g->rec[0].id, "ocds-u-ab");
	cr_assert_str_eq(g->rec[1].id, "ocds-u-ab-2");
	cr_assert_eq(st.renamed_ids, 1);
	got_free(g);
}

/* ---- the structural scanner ------------------------------------------------- */

Test(ocds, scanner_finds_element_lines)
{
	static const char text[] = "[\n {\"a\": \"x,]\\\"\"},\n\n [1, 2],\n \"s\"\n]";
	static const char obj[] = "{\"b\": [9],\n \"releases\": [\n  {}, {},\n  {\"releases\": [1]}]}";
	struct ocds_jpos pos;

	ocds_jpos_init(&pos);
	cr_assert_eq(ocds_json_scan(text, strlen(text), "$", OCDS_MAX_DEPTH, &pos), CL_OK);
	cr_assert_eq(pos.n, 3);
	cr_assert_eq(pos.line[0], 2);
	cr_assert_eq(pos.line[1], 4);
	cr_assert_eq(pos.line[2], 5);
	cr_assert_eq(pos.depth, 2);
	cr_assert_eq(ocds_json_scan(obj, strlen(obj), "releases", OCDS_MAX_DEPTH, &pos), CL_OK);
	cr_assert_eq(pos.n, 3);
	cr_assert_eq(pos.line[0], 3);
	cr_assert_eq(pos.line[1], 3);
	cr_assert_eq(pos.line[2], 4);
	cr_assert_eq(pos.depth, 4);
	ocds_jpos_release(&pos);
	ocds_jpos_release(NULL);
}

Test(ocds, jsonl_detection)
{
	static const struct {
		const char *text;
		int jsonl;
	} cases[] = {
		{"{\"a\": 1}\n{\"b\": 2}\n", 1},
		{"{\"a\": 1}\n", 0},
		{"{\n  \"a\": 1\n}\n", 0},
		{"[\n{\"a\": 1},\n{\"b\": 2}\n]\n", 0},
		{"{broken\n{\"b\": 2}\n", 1},
		{"\n\n{\"a\": 1}\n\n[2]\n", 1},
		{"", 0},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		cr_assert_eq(ocds_is_jsonl(cases[i].text, strlen(cases[i].text)), cases[i].jsonl,
			     "case %zu", i);
}

/* ---- pagination ------------------------------------------------------------- */

Test(ocds, next_link)
{
	static const struct {
		const char *text;
		int rc;
		const char *url;
	} cases[] = {
		{"{\"releases\": [], \"links\": {\"next\": \"https://api.example.se/ocds?page=2\"}}",
		 CL_OK, "https://api.example.se/ocds?page=2"},
		{"{\"releases\": [], \"links\": {\"prev\": \"https://api.example.se/ocds?page=1\"}}",
		 CL_OK, NULL},
		{"{\"releases\": []}", CL_OK, NULL},
		{"{\"links\": {\"next\": 7}}", CL_OK, NULL},
		{"{\"links\": {\"next\": \"file:///etc/passwd\"}}", CL_EPARSE, NULL},
		{"{\"links\": {\"next\": \"https://a.example/x y\"}}", CL_EPARSE, NULL},
		{"{\"links\": {\"next\": \"https://a.example/sök\"}}", CL_OK,
		 "https://a.example/s%C3%B6k"},
		{"not json", CL_EPARSE, NULL},
		{"{\"releases\": []}\n{\"releases\": [], \"links\": {\"next\": \"http://x.example/3\"}}\n",
		 CL_OK, "http://x.example/3"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *url = (char *)"unchanged";
		int rc = ocds_next_link(cases[i].text, strlen(cases[i].text), &url);

		cr_assert_eq(rc, cases[i].rc, "case %zu: %d", i, rc);
		if (cases[i].url)
			cr_assert_str_eq(url, cases[i].url, "case %zu", i);
		else
			cr_assert_null(url, "case %zu: %s", i, url);
		free(url);
	}
	/* a real package without links */
	{
		char *path = tu_shared("ocds/fictional-example-1.1/ocds-213czf-000-00001.json");
		size_t len;
		char *data = tu_read_file(path, &len), *url = NULL;

		cr_assert_not_null(data);
		cr_assert_eq(ocds_next_link(data, len, &url), CL_OK);
		cr_assert_null(url);
		free(data);
		free(path);
	}
}

/* ---- the mapping tables ----------------------------------------------------- */

static void load_tsv(struct maptab *t, const char *name)
{
	char path[128];
	size_t len;
	char *text;
	struct cl_errbuf eb;

	snprintf(path, sizeof path, "indexer/maps/%s.tsv", name);
	text = tu_read_file(path, &len);
	cr_assert_not_null(text, "cannot read %s", path);
	maptab_init(t);
	cr_assert_eq(maptab_parse(t, name, text, len, &eb), CL_OK, "%s", eb.msg);
	free(text);
}

Test(ocds, mapping_tables)
{
	struct maptab t;
	struct cl_errbuf eb;
	static const struct {
		const char *method, *details, *country, *want;
	} rows[] = {
		{"open", "", "", "open"},
		{"selective", "", "GB", "restricted"},
		{"limited", "", "UA", "neg-wo-call"},
		{"direct", "", "SE", "se-direct"},
		{"direct", "", "NO", "neg-wo-call"},
		{"", "Open procedure", "GB", "open"},
		{"", "Förenklat förfarande", "SE", "se-simplified"},
		{"Licitaţie publică", "", "", "open"},
	};

	load_tsv(&t, "ocds_method");
	cr_assert_eq(parse_check_codes(&t, "procedure", TAX_PROCEDURE, &eb), CL_OK, "%s", eb.msg);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const char *keys[3] = {rows[i].method, rows[i].details, rows[i].country};
		long r = maptab_find(&t, 0, keys, 3);

		cr_assert_geq(r, 0, "row %zu", i);
		cr_assert_str_eq(maptab_cell(&t, (size_t)r, 3), rows[i].want, "row %zu", i);
	}
	{
		const char *keys[3] = {"negotiated", "", ""};
		cr_assert_lt(maptab_find(&t, 0, keys, 3), 0);
	}
	maptab_release(&t);

	load_tsv(&t, "ocds_country");
	cr_assert_geq(t.nrows, 40);
	for (size_t i = 0; i < t.nrows; i++) {
		const char *c = maptab_cell(&t, i, 1);
		cr_assert(strlen(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z',
			  "line %ld: %s", t.line[i], c);
	}
	maptab_release(&t);

	load_tsv(&t, "ocds_language");
	for (size_t i = 0; i < t.nrows; i++) {
		const char *c = maptab_cell(&t, i, 1);
		cr_assert(strcmp(c, "-") == 0 || (strlen(c) == 2 && c[0] >= 'a' && c[0] <= 'z'),
			  "line %ld: %s", t.line[i], c);
	}
	maptab_release(&t);
}

/* ---- country in any form (issue: "MX" as countryName was ignored) ------------ */

/* One release of ocid N whose buyer party has the given address and
 * identifier scheme (either may be NULL). */
static char *country_release(int n, const char *address, const char *scheme)
{
	char *s = NULL;
	int k = asprintf(&s,
			 "{\"ocid\": \"ocds-cty-%d\", \"id\": \"r%d\", \"date\": \"2024-01-0%dT00:00:00Z\","
			 " \"tender\": {\"title\": \"Compra %d\"},"
			 " \"buyer\": {\"id\": \"b\", \"name\": \"Comprador\"},"
			 " \"parties\": [{\"id\": \"b\", \"roles\": [\"buyer\"]%s%s%s%s%s}]}",
			 n, n, n % 9 + 1, n, address ? ", \"address\": " : "", address ? address : "",
			 scheme ? ", \"identifier\": {\"scheme\": \"" : "", scheme ? scheme : "",
			 scheme ? "\", \"id\": \"X1\"}" : "");
	cr_assert_geq(k, 0);
	return s;
}

Test(ocds, country_from_names_codes_schemes_and_nuts)
{
	static const struct {
		const char *address, *scheme, *country, *nuts;
	} cases[] = {
		{"{\"countryName\": \"MX\"}", NULL, "MX", NULL},      /* Mexico City */
		{"{\"countryName\": \"mx\"}", NULL, "MX", NULL},
		{"{\"countryName\": \"MEXICO\"}", NULL, "MX", NULL},
		{"{\"countryName\": \"MEX\"}", NULL, "MX", NULL},
		{"{\"countryName\": \"paraguay\"}", NULL, "PY", NULL},
		{"{\"countryName\": \"Armenia\"}", NULL, "AM", NULL},
		{"{\"countryName\": \"SWE\"}", NULL, "SE", NULL},
		{"{\"country\": \"Colombia\"}", NULL, "CO", NULL},
		{"{\"countryName\": \"Atlantis\"}", "py-ruc", "PY", NULL}, /* scheme, any case */
		{NULL, "MX-RFC", "MX", NULL},
		{"{\"region\": \"SE110\"}", NULL, "SE", "SE110"},          /* NUTS */
		{"{\"region\": \"EL30\"}", NULL, "GR", "EL30"},
		{"{\"region\": \"CDMX\"}", NULL, NULL, NULL},              /* no NUTS */
		{"{\"countryName\": \"Atlantis\"}", NULL, NULL, NULL},
	};
	size_t n = sizeof cases / sizeof cases[0];

	for (size_t i = 0; i < n; i++) {
		struct got *g = got_new();
		struct cl_errbuf eb;
		char *text = country_release((int)i + 1, cases[i].address, cases[i].scheme);
		const struct case_record *c;

		cr_assert_eq(parse_text(text, strlen(text), BASE, g, NULL, &eb), CL_OK, "%s", eb.msg);
		cr_assert_eq(g->emitted, 1, "case %zu: %s", i, g->rwhy[0]);
		c = &g->rec[0];
		if (cases[i].country)
			cr_assert(c->buyer.country && strcmp(c->buyer.country, cases[i].country) == 0,
				  "case %zu: %s", i, c->buyer.country ? c->buyer.country : "(none)");
		else
			cr_assert_null(c->buyer.country, "case %zu: %s", i, c->buyer.country);
		if (cases[i].nuts)
			cr_assert(c->buyer.nuts && strcmp(c->buyer.nuts, cases[i].nuts) == 0, "case %zu", i);
		else
			cr_assert_null(c->buyer.nuts, "case %zu", i);
		free(text);
		got_free(g);
	}
}

/* A JSON Lines file cut in its last line (a download cut short, a
 * publisher's half-written file) has no links.next to complain about: the
 * parser rejects the cut line, and paging stops there: what the cut line's
 * links.next was is not known, and an earlier line's is no longer the
 * feed's last word. */
Test(ocds, next_link_jsonl_cut_in_last_line)
{
	static const char cut[] =
		"{\"ocid\": \"ocds-a-1\", \"id\": \"1\", \"tender\": {\"title\": \"A\"}}\n"
		"{\"ocid\": \"ocds-a-2\", \"id\": \"2\", \"tender\": {\"title\": \"B\"}}\n"
		"{\"ocid\": \"ocds-a-3\", \"id\": \"3\", \"tender\": {\"tit";
	static const char cut_after_next[] =
		"{\"releases\": [], \"links\": {\"next\": \"https://x.example/2\"}}\n"
		"{\"releases\": [], \"links\": {\"ne";
	char *url = (char *)"unchanged";

	cr_assert_eq(ocds_next_link(cut, strlen(cut), &url), CL_OK);
	cr_assert_null(url);
	url = (char *)"unchanged";
	cr_assert_eq(ocds_next_link(cut_after_next, strlen(cut_after_next), &url), CL_OK);
	cr_assert_null(url);
}
