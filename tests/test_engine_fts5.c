/* test_engine_fts5.c — the SQLite FTS5 engine on real Swedish text: the
 * invented demo cases (tests/fixtures/demo-cases) and real procurement titles from
 * Upphandlingsmyndigheten's 2021 statistics (parsed with parse_sestat).
 * Covers stemming, compounds, diacritics, phrases, prefixes, fields,
 * synonyms, suggestions, similar cases, filters and disjunctive counts,
 * paging and sorting, replay, commit/seq, clear, hostile queries, HTML-safe
 * snippets on multi-byte text, and sync_engine + sync_compare. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "engine.h"
#include "parse_sestat.h"
#include "qparse.h"
#include "store.h"
#include "sync.h"
#include "testutil.h"
#include "textan.h"

#define CSV_REL "se-procurements-2021/number_of_procurements.csv"

static const char *const demo_files[] = {
	"tests/fixtures/demo-cases/goteborg-fossilfria-arbetsmaskiner.json",
	"tests/fixtures/demo-cases/helsingborg-circular-furniture-en.json",
	"tests/fixtures/demo-cases/kristianstad-solkraft-2021.json",
	"tests/fixtures/demo-cases/lund-skolmaltider.json",
	"tests/fixtures/demo-cases/region-skane-pcp-digital-halsa.json",
	"tests/fixtures/demo-cases/region-stockholm-elbatar.json",
	"tests/fixtures/demo-cases/trafikverket-klimatsmart-betong.json",
	"tests/fixtures/demo-cases/vgr-innovation-partnership-en.json",
};
#define NDEMO (sizeof demo_files / sizeof *demo_files)

#define ID_GBG "case-goteborg-fossilfria-arbetsmaskiner"
#define ID_HBG "case-helsingborg-circular-office-furniture"
#define ID_KRI "uhm-2021-ka1162"
#define ID_LUND "case-lund-skolmaltider-2021"
#define ID_SKANE "case-skane-pcp-digital-vard-hemma"
#define ID_STHLM "case-region-stockholm-eldrivna-pendelbatar"
#define ID_TRV "case-trafikverket-klimatsmart-betong"
#define ID_VGR "case-vgr-innovation-partnership-home-monitoring"

struct fx {
	char *dir;
	struct store *s;
	struct engine *e;
	long ncsv; /* real CSV records put */
	long csv_year2021;
};

static void load_case(const char *path, struct case_record *c)
{
	struct case_problems probs;
	size_t len = 0;
	char *text = tu_read_file(path, &len);

	cr_assert_not_null(text, "cannot read %s", path);
	case_init(c);
	case_problems_init(&probs);
	cr_assert_eq(case_parse(text, len, 0, c, &probs), CL_OK, "%s: %s", path,
		     probs.n ? probs.v[0].reason : "?");
	case_problems_release(&probs);
	free(text);
}

static void fx_engine(struct fx *x, int writable)
{
	struct cl_errbuf eb;
	cr_assert_eq(engine_open(ENGINE_FTS5, x->dir, x->s, writable, &x->e, &eb), CL_OK,
		     "engine_open: %s", eb.msg);
}

static void fx_open(struct fx *x)
{
	struct cl_errbuf eb;

	memset(x, 0, sizeof *x);
	x->dir = tu_tmpdir();
	cr_assert_eq(store_open(x->dir, STORE_CREATE, &x->s, &eb), CL_OK, "store_open: %s", eb.msg);
	fx_engine(x, 1);
}

static void fx_close(struct fx *x)
{
	engine_close(x->e);
	store_close(x->s);
	tu_rmtree(x->dir);
	free(x->dir);
	memset(x, 0, sizeof *x);
}

static void put(struct fx *x, const struct case_record *c)
{
	struct cl_errbuf eb;
	cr_assert_eq(engine_put(x->e, c, &eb), CL_OK, "put %s: %s", c->id, eb.msg);
}

static void commit(struct fx *x, int64_t seq)
{
	struct cl_errbuf eb;
	cr_assert_eq(engine_commit(x->e, seq, &eb), CL_OK, "commit: %s", eb.msg);
}

static void put_demo(struct fx *x)
{
	for (size_t i = 0; i < NDEMO; i++) {
		struct case_record c;
		load_case(demo_files[i], &c);
		put(x, &c);
		case_release(&c);
	}
	commit(x, 1);
}

/* A demo record under another id, optionally with other sectors. */
static void put_variant(struct fx *x, const char *file, const char *id, const char *sector)
{
	struct case_record c;

	load_case(file, &c);
	free(c.id);
	c.id = strdup(id);
	if (sector) {
		for (size_t i = 0; i < c.sectors.n; i++)
			free(c.sectors.v[i]);
		c.sectors.v = realloc(c.sectors.v, sizeof *c.sectors.v);
		c.sectors.v[0] = strdup(sector);
		c.sectors.n = 1;
	}
	put(x, &c);
	case_release(&c);
}

/* --- the real CSV: the first rows plus rows whose titles the tests need --- */

static const char *const csv_wanted[] = {
	"Skolmåltider", "skolmåltider", "Måltider", "hälsa",  "Solceller", "Ramavtalsupphandling",
	"Upphandlingar av", " for ",   "Pendelbåt",  "pendelbåt", "Ramavtal ",
};

static int csv_emit(void *ud, struct case_record *c)
{
	struct fx *x = ud;
	struct cl_errbuf eb;
	int rc = engine_put(x->e, c, &eb);

	if (rc != CL_OK)
		cr_log_error("put %s: %s", c->id, eb.msg);
	x->ncsv++;
	if (case_year(c) == 2021)
		x->csv_year2021++;
	return rc;
}

static void put_csv_sample(struct fx *x, size_t first_rows)
{
	struct parse_src src = {NULL, "2026-01-01T00:00:00Z", NULL};
	struct parse_sink sink = {csv_emit, NULL, x};
	struct cl_errbuf eb;
	char *path = tu_shared(CSV_REL), *text, *out, *line;
	size_t len = 0, o = 0, row = 0;

	text = tu_read_file(path, &len);
	cr_assert_not_null(text, "cannot read %s (set CASELIB_SHARED)", path);
	free(path);
	out = malloc(len + 1);
	cr_assert_not_null(out);
	/* every row of this file is one physical line */
	for (line = text; line && *line; row++) {
		char *nl = strchr(line, '\n');
		size_t l = nl ? (size_t)(nl - line + 1) : strlen(line);
		int keep = row == 0 || row <= first_rows;
		for (size_t k = 0; !keep && k < sizeof csv_wanted / sizeof *csv_wanted; k++) {
			char *hit = memmem(line, l, csv_wanted[k], strlen(csv_wanted[k]));
			keep = hit != NULL;
		}
		if (keep) {
			memcpy(out + o, line, l);
			o += l;
		}
		line = nl ? nl + 1 : NULL;
	}
	cr_assert_eq(sestat_parse_mem(out, o, &src, &sink, NULL, &eb), CL_OK, "%s", eb.msg);
	cr_assert_gt(x->ncsv, 100);
	free(out);
	free(text);
	commit(x, 2);
}

/* --- search helpers --- */

static void req(struct search_request *rq, const char *text, size_t limit)
{
	search_request_init(rq);
	rq->text = text;
	rq->limit = limit;
}

static void search_ok(struct fx *x, const struct search_request *rq, struct search_result *res)
{
	struct cl_errbuf eb;
	cr_assert_eq(engine_search(x->e, rq, res, &eb), CL_OK, "search '%s': %s",
		     rq->text ? rq->text : "", eb.msg);
}

/* Cases text itself matches (0 when the results shown are those of a
 * confident suggestion: issue 12, "showing results for"). */
static long total_of(struct fx *x, const char *text)
{
	struct search_request rq;
	struct search_result res;
	long t;

	req(&rq, text, 0);
	search_ok(x, &rq, &res);
	t = res.suggestion_shown ? 0 : res.total;
	search_result_release(&res);
	return t;
}

static int has_id(const struct search_result *res, const char *id)
{
	for (size_t i = 0; i < res->nhits; i++)
		if (!strcmp(res->hits[i].id, id))
			return 1;
	return 0;
}

static int finds(struct fx *x, const char *text, const char *id)
{
	struct search_request rq;
	struct search_result res;
	int r;

	req(&rq, text, 100);
	search_ok(x, &rq, &res);
	r = has_id(&res, id);
	search_result_release(&res);
	return r;
}

/* 1 if some hit's title contains needle. */
static int finds_title(struct fx *x, const char *text, const char *needle)
{
	struct search_request rq;
	struct search_result res;
	int r = 0;

	req(&rq, text, 100);
	search_ok(x, &rq, &res);
	for (size_t i = 0; i < res.nhits; i++)
		r |= strstr(res.hits[i].title, needle) != NULL;
	search_result_release(&res);
	return r;
}

static long facet_count(const struct search_result *res, enum engine_facet f, const char *v)
{
	for (size_t i = 0; i < res->facets[f].n; i++)
		if (!strcmp(res->facets[f].v[i].value, v))
			return res->facets[f].v[i].count;
	return 0;
}

/* FTS5's own check of the index against the content table (fts_docs). */
static void integrity(struct fx *x)
{
	char *err = NULL;
	int rc = sqlite3_exec(store_db(x->s),
			      "INSERT INTO fts_cases(fts_cases, rank) VALUES('integrity-check', 1)",
			      NULL, NULL, &err);
	cr_assert_eq(rc, SQLITE_OK, "integrity-check: %s", err ? err : "?");
	sqlite3_free(err);
}

static void exec_sql(struct fx *x, const char *sql)
{
	char *err = NULL;
	cr_assert_eq(sqlite3_exec(store_db(x->s), sql, NULL, NULL, &err), SQLITE_OK, "%s: %s", sql,
		     err ? err : "?");
	sqlite3_free(err);
}

/* --- tests --- */

Test(engine_fts5, empty_index)
{
	struct fx x;
	struct cl_errbuf eb;
	int64_t seq = -1;
	long n = -1;
	char *s = NULL;

	fx_open(&x);
	cr_assert_eq(engine_count(x.e, &n, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(n, 0);
	cr_assert_eq(engine_last_seq(x.e, &seq, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(seq, 0);
	cr_assert_eq(total_of(&x, ""), 0);
	cr_assert_eq(total_of(&x, "upphandling"), 0);
	cr_assert_eq(engine_suggest(x.e, "upphandlning", &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_null(s);
	fx_close(&x);
}

Test(engine_fts5, inflections_find_each_other, .timeout = 120)
{
	static const struct {
		const char *query, *title_part;
	} cases[] = {
		{"ramavtalet", "Ramavtal"},       /* definite -> base form */
		{"ramavtalen", "Ramavtal"},       /* plural definite */
		{"upphandling", "Upphandlingar"}, /* plural in the title */
		{"solcellerna", "Solceller"},
		{"måltiden", "Måltider"},
		{"pendelbåtarna", "endelbåt"},
	};
	struct fx x;

	fx_open(&x);
	put_demo(&x);
	put_csv_sample(&x, 150);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		cr_assert(finds_title(&x, cases[i].query, cases[i].title_part), "%s should find %s",
			  cases[i].query, cases[i].title_part);
	/* Swedish inflections in the demo summaries */
	cr_assert(finds(&x, "upphandlingar", ID_STHLM)); /* "upphandlade", "Upphandlingen" */
	cr_assert(finds(&x, "leverantör", ID_LUND));     /* "Leverantörerna", "leverantörer" */
	/* English records: stems of either language */
	cr_assert(finds(&x, "furnitures", ID_HBG));
	cr_assert(finds(&x, "monitored", ID_VGR));
	/* "patient" is both the Swedish stem of "patienter" and the English of "patients" */
	cr_assert(finds(&x, "patient", ID_VGR));
	cr_assert(finds(&x, "patient", ID_SKANE));
	fx_close(&x);
}

Test(engine_fts5, diacritics_are_letters, .timeout = 120)
{
	struct fx x;

	fx_open(&x);
	put_demo(&x);
	put_csv_sample(&x, 50);
	cr_assert_gt(total_of(&x, "hälsa"), 0);
	cr_assert_eq(total_of(&x, "halsa"), 0);
	cr_assert(finds(&x, "pendelbåtar", ID_STHLM));
	cr_assert_eq(total_of(&x, "pendelbatar"), 0);
	cr_assert(finds(&x, "skolmåltider", ID_LUND));
	cr_assert_eq(total_of(&x, "skolmaltider"), 0);
	/* case folding keeps the letter: Å -> å */
	cr_assert(finds(&x, "SKOLMÅLTIDER", ID_LUND));
	fx_close(&x);
}

Test(engine_fts5, compound_heads_are_found, .timeout = 120)
{
	struct fx x;

	cr_assert(ta_decompound_available(), "hunspell-sv is needed (scripts/install-deps)");
	fx_open(&x);
	put_demo(&x);
	put_csv_sample(&x, 50);
	/* titles that hold the word only inside a compound */
	cr_assert(finds_title(&x, "måltider", "Skolmåltider Kristinaskolan"));
	cr_assert(finds_title(&x, "upphandling", "Ramavtalsupphandling"));
	cr_assert(finds(&x, "title:upphandling", ID_LUND)); /* Innovationsupphandling */
	cr_assert(finds(&x, "båtar", ID_STHLM));             /* pendelbåtar */
	fx_close(&x);
}

Test(engine_fts5, phrases_and_prefixes)
{
	struct fx x;

	fx_open(&x);
	put_demo(&x);
	cr_assert(finds(&x, "\"förkommersiell upphandling\"", ID_SKANE));
	cr_assert_eq(total_of(&x, "\"upphandling förkommersiell\""), 0);
	cr_assert(finds(&x, "\"klimatsmarta skolmåltider\"", ID_LUND));
	cr_assert_eq(total_of(&x, "\"skolmåltider klimatsmarta\""), 0);
	/* prefixes are not stemmed and match the words as written */
	cr_assert(finds(&x, "pendelbåt*", ID_STHLM));
	cr_assert(finds(&x, "klimatsm*", ID_LUND));
	cr_assert(!finds(&x, "klimatsm*", ID_TRV));
	cr_assert(finds(&x, "klimatpåv*", ID_LUND));
	cr_assert(finds(&x, "klimatpåv*", ID_TRV));
	cr_assert(finds(&x, "furnit*", ID_HBG));
	cr_assert_eq(total_of(&x, "zyxw*"), 0);
	fx_close(&x);
}

Test(engine_fts5, field_prefixes)
{
	struct fx x;

	fx_open(&x);
	put_demo(&x);
	cr_assert(finds(&x, "title:solkraftsinstallation", ID_KRI));
	cr_assert(finds(&x, "buyer:lunds", ID_LUND));
	cr_assert(finds(&x, "köpare:\"region skåne\"", ID_SKANE));
	/* marknadsdialog is in Lund's summary and body, not in its title or buyer */
	cr_assert(finds(&x, "marknadsdialog", ID_LUND));
	cr_assert(finds(&x, "body:marknadsdialog", ID_LUND));
	cr_assert_eq(total_of(&x, "title:marknadsdialog"), 0);
	cr_assert_eq(total_of(&x, "buyer:marknadsdialog"), 0);
	/* "Trafikverket" is the buyer and in the title; title: and buyer: both find it */
	cr_assert(finds(&x, "buyer:trafikverket", ID_TRV));
	cr_assert(!finds(&x, "buyer:betong", ID_TRV));
	fx_close(&x);
}

Test(engine_fts5, synonyms_expand)
{
	struct fx x;

	fx_open(&x);
	put_demo(&x);
	/* no record says "landsting"; the synonym "region" finds Region Skåne */
	cr_assert(finds(&x, "landsting", ID_SKANE));
	cr_assert(finds(&x, "pcp", ID_SKANE));
	cr_assert(finds(&x, "\"pre-commercial procurement\"", ID_SKANE));
	/* upphandling = procurement: the English record is found by the Swedish word */
	cr_assert(finds(&x, "upphandling", ID_VGR));
	fx_close(&x);
}

Test(engine_fts5, stopwords_negation_and_or_fallback)
{
	struct fx x;
	struct search_request rq;
	struct search_result res;

	fx_open(&x);
	put_demo(&x);
	cr_assert_eq(total_of(&x, "och"), 0, "a query of stopwords matches nothing");
	cr_assert_eq(total_of(&x, "och skolmåltider"), 1, "the stopword is dropped, not ANDed");
	cr_assert(finds(&x, "klimatpåverkan", ID_TRV));
	cr_assert(finds(&x, "klimatpåverkan", ID_LUND));
	cr_assert(!finds(&x, "klimatpåverkan -betong", ID_TRV));
	cr_assert(finds(&x, "klimatpåverkan -betong", ID_LUND));
	cr_assert(!finds(&x, "klimatpåverkan -\"per portion\"", ID_LUND));

	req(&rq, "skolmåltider pendelbåtar", 10);
	search_ok(&x, &rq, &res);
	cr_assert_eq(res.used_or_fallback, 1);
	cr_assert_eq(res.total, 2);
	cr_assert(has_id(&res, ID_LUND) && has_id(&res, ID_STHLM));
	search_result_release(&res);
	fx_close(&x);
}

Test(engine_fts5, spelling_suggestion)
{
	struct fx x;
	struct cl_errbuf eb;
	struct search_request rq;
	struct search_result res;
	char *s = NULL;

	fx_open(&x);
	put_demo(&x);
	cr_assert_eq(engine_suggest(x.e, "upphandlning", &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_eq(s, "upphandling");
	free(s);
	cr_assert_eq(engine_suggest(x.e, "klimatsmarta skolmåltder", &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_eq(s, "klimatsmarta skolmåltider");
	free(s);
	cr_assert_eq(engine_suggest(x.e, "title:pendelbåtr -betong", &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_eq(s, "title:pendelbåtar -betong");
	free(s);
	/* every word known (inflected forms too): no suggestion */
	cr_assert_eq(engine_suggest(x.e, "upphandlingarna skolmåltider", &s, &eb), CL_OK, "%s",
		     eb.msg);
	cr_assert_null(s);
	/* search: no hit, one confident suggestion: its results come with
	 * it (issue 12, "showing results for") */
	req(&rq, "upphandlning", 10);
	search_ok(&x, &rq, &res);
	cr_assert_gt(res.total, 0);
	cr_assert_eq(res.suggestion_shown, 1);
	cr_assert_str_eq(res.suggestion, "upphandling");
	search_result_release(&res);
	fx_close(&x);
}

Test(engine_fts5, similar_ranks_same_sector_first)
{
	struct fx x;
	struct cl_errbuf eb;
	struct search_request rq;
	struct search_result res;

	fx_open(&x);
	put_demo(&x);
	/* two copies of Lund's text: identical term scores, sectors break the tie */
	put_variant(&x, demo_files[3], "test-lund-copy-health", "health");
	put_variant(&x, demo_files[3], "test-lund-copy-education", "education");
	commit(&x, 2);
	req(&rq, NULL, 10);
	rq.facets = 1u << EF_SECTORS;
	cr_assert_eq(engine_similar(x.e, ID_LUND, &rq, &res, &eb), CL_OK, "%s", eb.msg);
	cr_assert_geq(res.nhits, 2);
	cr_assert_str_eq(res.hits[0].id, "test-lund-copy-education");
	cr_assert_str_eq(res.hits[1].id, "test-lund-copy-health");
	cr_assert(!has_id(&res, ID_LUND), "a case is not similar to itself");
	cr_assert_gt(res.hits[0].score, res.hits[1].score);
	cr_assert_eq(facet_count(&res, EF_SECTORS, "education"), 1);
	search_result_release(&res);

	cr_assert_eq(engine_similar(x.e, "no-such-case", &rq, &res, &eb), CL_ENOTFOUND);

	req(&rq, "klimatsmarta skolmåltider med lägre klimatpåverkan per portion", 5);
	cr_assert_eq(engine_similar_text(x.e, &rq, &res, &eb), CL_OK, "%s", eb.msg);
	cr_assert_geq(res.nhits, 1);
	cr_assert(!strncmp(res.hits[0].id, "test-lund-copy", 14) || !strcmp(res.hits[0].id, ID_LUND),
		  "got %s", res.hits[0].id);
	search_result_release(&res);
	fx_close(&x);
}

Test(engine_fts5, filters_and_disjunctive_counts)
{
	static const char *const health[] = {"health"};
	static const char *const health_edu[] = {"health", "education"};
	static const char *const ra[] = {"ra"};
	static const char *const la[] = {"la"};
	struct fx x;
	struct search_request rq;
	struct search_result res;

	fx_open(&x);
	put_demo(&x);

	req(&rq, NULL, 20);
	rq.filters[EF_SECTORS] = health;
	rq.nfilters[EF_SECTORS] = 1;
	rq.facets = (1u << EF_SECTORS) | (1u << EF_AUTHORITY_TYPE) | (1u << EF_YEAR);
	search_ok(&x, &rq, &res);
	cr_assert_eq(res.total, 2);
	cr_assert(has_id(&res, ID_SKANE) && has_id(&res, ID_VGR));
	/* sectors ignore their own filter: counted over all 8 demo records */
	cr_assert_eq(facet_count(&res, EF_SECTORS, "health"), 2);
	cr_assert_eq(facet_count(&res, EF_SECTORS, "gen-pub"), 2);
	cr_assert_eq(facet_count(&res, EF_SECTORS, "econ-aff"), 2);
	cr_assert_eq(facet_count(&res, EF_SECTORS, "education"), 1);
	cr_assert_eq(facet_count(&res, EF_SECTORS, "urttb"), 1);
	cr_assert_eq(facet_count(&res, EF_SECTORS, "hc-am"), 1);
	cr_assert_eq(facet_count(&res, EF_SECTORS, "env-pro"), 1);
	cr_assert_eq(res.facets[EF_SECTORS].n, 7);
	/* other facets count the filtered set */
	cr_assert_eq(facet_count(&res, EF_AUTHORITY_TYPE, "ra"), 2);
	cr_assert_eq(res.facets[EF_AUTHORITY_TYPE].n, 1);
	cr_assert_eq(facet_count(&res, EF_YEAR, "2019"), 1);
	cr_assert_eq(facet_count(&res, EF_YEAR, "2020"), 1);
	search_result_release(&res);

	/* OR within a facet */
	rq.filters[EF_SECTORS] = health_edu;
	rq.nfilters[EF_SECTORS] = 2;
	search_ok(&x, &rq, &res);
	cr_assert_eq(res.total, 3);
	/* authority_type counts ignore nothing here: 2 ra + 1 la */
	cr_assert_eq(facet_count(&res, EF_AUTHORITY_TYPE, "ra"), 2);
	cr_assert_eq(facet_count(&res, EF_AUTHORITY_TYPE, "la"), 1);
	search_result_release(&res);

	/* AND across facets */
	rq.filters[EF_AUTHORITY_TYPE] = ra;
	rq.nfilters[EF_AUTHORITY_TYPE] = 1;
	search_ok(&x, &rq, &res);
	cr_assert_eq(res.total, 2);
	/* disjunctive: authority_type counted over sectors health|education only */
	cr_assert_eq(facet_count(&res, EF_AUTHORITY_TYPE, "la"), 1);
	search_result_release(&res);
	rq.filters[EF_AUTHORITY_TYPE] = la;
	search_ok(&x, &rq, &res);
	cr_assert_eq(res.total, 1);
	cr_assert(has_id(&res, ID_LUND));
	search_result_release(&res);

	/* text + filter */
	req(&rq, "klimatpåverkan", 20);
	rq.filters[EF_AUTHORITY_TYPE] = la;
	rq.nfilters[EF_AUTHORITY_TYPE] = 1;
	search_ok(&x, &rq, &res);
	cr_assert_eq(res.total, 1);
	cr_assert_str_eq(res.hits[0].id, ID_LUND);
	search_result_release(&res);
	fx_close(&x);
}

Test(engine_fts5, year_range)
{
	static const struct {
		int from, to;
		long total;
	} cases[] = {
		{2021, 2021, 4}, {2022, 0, 2}, {0, 2020, 2}, {2019, 2020, 2}, {2023, 0, 0},
		{1990, 2100, 8},
	};
	struct fx x;
	struct search_request rq;
	struct search_result res;

	fx_open(&x);
	put_demo(&x);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		req(&rq, NULL, 0);
		rq.year_from = cases[i].from;
		rq.year_to = cases[i].to;
		search_ok(&x, &rq, &res);
		cr_assert_eq(res.total, cases[i].total, "%d..%d: %ld", cases[i].from, cases[i].to,
			     res.total);
		search_result_release(&res);
	}
	fx_close(&x);
}

Test(engine_fts5, date_sort_undated_last)
{
	static const char *const desc[] = {ID_GBG, ID_STHLM, ID_TRV, ID_HBG, ID_LUND,
					   ID_KRI, ID_VGR,   ID_SKANE, "test-undated"};
	struct fx x;
	struct search_request rq;
	struct search_result res;
	struct case_record c;

	fx_open(&x);
	put_demo(&x);
	load_case(demo_files[2], &c);
	free(c.id);
	c.id = strdup("test-undated");
	free(c.published);
	c.published = NULL;
	free(c.awarded);
	c.awarded = NULL;
	put(&x, &c);
	case_release(&c);
	commit(&x, 2);

	req(&rq, NULL, 20);
	rq.sort = SORT_DATE_DESC;
	search_ok(&x, &rq, &res);
	cr_assert_eq(res.nhits, 9);
	for (size_t i = 0; i < 9; i++)
		cr_assert_str_eq(res.hits[i].id, desc[i], "desc #%zu", i);
	search_result_release(&res);

	rq.sort = SORT_DATE_ASC;
	search_ok(&x, &rq, &res);
	cr_assert_eq(res.nhits, 9);
	for (size_t i = 0; i < 8; i++)
		cr_assert_str_eq(res.hits[i].id, desc[7 - i], "asc #%zu", i);
	cr_assert_str_eq(res.hits[8].id, "test-undated");
	search_result_release(&res);

	/* a text query sorted by date */
	req(&rq, "klimatpåverkan", 20);
	rq.sort = SORT_DATE_DESC;
	search_ok(&x, &rq, &res);
	cr_assert_geq(res.nhits, 2);
	for (size_t i = 1; i < res.nhits; i++)
		cr_assert(strcmp(res.hits[i - 1].id, res.hits[i].id) != 0);
	cr_assert_str_eq(res.hits[0].id, ID_TRV); /* 2021-10-04 before Lund's 2021-03-15 */
	search_result_release(&res);
	fx_close(&x);
}

/* page 1 + page 2 (each of size page) == the top 2 * page, in order. */
static void check_paging_n(struct fx *x, const char *text, enum engine_sort sort, size_t page)
{
	struct search_request rq;
	struct search_result all, p1, p2;

	req(&rq, text, 2 * page);
	rq.sort = sort;
	search_ok(x, &rq, &all);
	cr_assert_eq(all.nhits, 2 * page, "'%s': %zu hits", text, all.nhits);
	rq.limit = page;
	search_ok(x, &rq, &p1);
	rq.offset = page;
	search_ok(x, &rq, &p2);
	cr_assert_eq(p1.nhits + p2.nhits, 2 * page);
	for (size_t i = 0; i < page; i++) {
		cr_assert_str_eq(p1.hits[i].id, all.hits[i].id, "'%s' page 1 #%zu", text, i);
		cr_assert_str_eq(p2.hits[i].id, all.hits[page + i].id, "'%s' page 2 #%zu", text, i);
	}
	for (size_t i = 1; sort == SORT_RELEVANCE && i < all.nhits; i++) {
		cr_assert_geq(all.hits[i - 1].score, all.hits[i].score);
		if (all.hits[i - 1].score == all.hits[i].score)
			cr_assert_lt(strcmp(all.hits[i - 1].id, all.hits[i].id), 0, "ties by id");
	}
	cr_assert_eq(p1.total, all.total);
	cr_assert_eq(p2.total, all.total);
	search_result_release(&all);
	search_result_release(&p1);
	search_result_release(&p2);
}

static void check_paging(struct fx *x, const char *text, enum engine_sort sort)
{
	check_paging_n(x, text, sort, 10);
}

Test(engine_fts5, paging_is_stable_and_total_exact, .timeout = 120)
{
	struct fx x;
	struct search_request rq;
	struct search_result res;
	long n = 0;
	struct cl_errbuf eb;

	fx_open(&x);
	put_demo(&x);
	put_csv_sample(&x, 300);
	check_paging(&x, "", SORT_RELEVANCE);
	check_paging(&x, "", SORT_DATE_DESC);
	check_paging(&x, "upphandling", SORT_RELEVANCE);
	check_paging(&x, "ramavtal", SORT_RELEVANCE);
	check_paging(&x, "ramavtal", SORT_DATE_ASC);
	check_paging(&x, "upph*", SORT_RELEVANCE);

	cr_assert_eq(engine_count(x.e, &n, &eb), CL_OK);
	cr_assert_eq(n, (long)NDEMO + x.ncsv);
	req(&rq, NULL, 0);
	rq.facets = 1u << EF_YEAR;
	search_ok(&x, &rq, &res);
	cr_assert_eq(res.total, n, "an empty query matches every case, exactly");
	/* demo: 4 records of 2021; the CSV sample: all 2021 */
	cr_assert_eq(facet_count(&res, EF_YEAR, "2021"), 4 + x.csv_year2021);
	search_result_release(&res);

	/* a page past the end is empty, the total still exact */
	req(&rq, "", 10);
	rq.offset = (size_t)n + 5;
	search_ok(&x, &rq, &res);
	cr_assert_eq(res.nhits, 0);
	cr_assert_eq(res.total, n);
	search_result_release(&res);
	fx_close(&x);
}

Test(engine_fts5, replay_is_idempotent)
{
	struct fx x;
	struct cl_errbuf eb;
	struct search_request rq;
	struct search_result res;
	struct case_record c;
	long n = 0;

	fx_open(&x);
	put_demo(&x);
	load_case(demo_files[3], &c);
	put(&x, &c);
	put(&x, &c);
	commit(&x, 3);
	cr_assert_eq(engine_count(x.e, &n, &eb), CL_OK);
	cr_assert_eq(n, (long)NDEMO);
	cr_assert_eq(total_of(&x, "skolmåltider"), 1);
	cr_assert_eq(total_of(&x, "\"klimatsmarta skolmåltider\""), 1);

	/* a changed title replaces the old text */
	free(c.title);
	c.title = strdup("Måltidsupphandling med klimatkrav");
	put(&x, &c);
	commit(&x, 4);
	cr_assert_eq(total_of(&x, "title:skolmåltider"), 0);
	cr_assert(finds(&x, "title:måltidsupphandling", ID_LUND));
	case_release(&c);

	{
		char *s = NULL;
		cr_assert_eq(engine_suggest(x.e, "baljvaxter", &s, &eb), CL_OK, "%s", eb.msg);
		cr_assert_str_eq(s, "baljväxter");
		free(s);
	}
	integrity(&x);
	cr_assert_eq(engine_delete(x.e, "no-such-case", &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(engine_delete(x.e, ID_LUND, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(engine_delete(x.e, ID_LUND, &eb), CL_OK, "%s", eb.msg);
	commit(&x, 5);
	cr_assert_eq(engine_count(x.e, &n, &eb), CL_OK);
	cr_assert_eq(n, (long)NDEMO - 1);
	cr_assert_eq(total_of(&x, "marknadsdialog"), 0);
	req(&rq, NULL, 0);
	rq.facets = 1u << EF_SECTORS;
	search_ok(&x, &rq, &res);
	cr_assert_eq(facet_count(&res, EF_SECTORS, "education"), 0);
	cr_assert_eq(facet_count(&res, EF_SECTORS, "health"), 2);
	search_result_release(&res);
	/* the words of the deleted case no longer suggest anything */
	{
		char *s = NULL;
		cr_assert_eq(engine_suggest(x.e, "baljvaxter", &s, &eb), CL_OK, "%s", eb.msg);
		cr_assert_null(s, "got %s", s);
	}
	integrity(&x);
	fx_close(&x);
}

Test(engine_fts5, commit_seq_survives_reopen)
{
	struct fx x;
	struct cl_errbuf eb;
	struct case_record c;
	int64_t seq = 0;
	long n = 0;

	fx_open(&x);
	put_demo(&x);
	commit(&x, 42);
	engine_close(x.e);
	fx_engine(&x, 1);
	cr_assert_eq(engine_last_seq(x.e, &seq, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(seq, 42);
	cr_assert_eq(engine_count(x.e, &n, &eb), CL_OK);
	cr_assert_eq(n, (long)NDEMO);

	/* uncommitted work is dropped at close */
	put_variant(&x, demo_files[0], "test-uncommitted", NULL);
	cr_assert_eq(engine_count(x.e, &n, &eb), CL_OK);
	cr_assert_eq(n, (long)NDEMO + 1, "the handle sees its own pending writes");
	engine_close(x.e);
	fx_engine(&x, 1);
	cr_assert_eq(engine_count(x.e, &n, &eb), CL_OK);
	cr_assert_eq(n, (long)NDEMO);
	cr_assert_eq(engine_last_seq(x.e, &seq, &eb), CL_OK);
	cr_assert_eq(seq, 42);

	/* a read-only handle searches, and refuses to write */
	engine_close(x.e);
	fx_engine(&x, 0);
	cr_assert(finds(&x, "skolmåltider", ID_LUND));
	load_case(demo_files[0], &c);
	cr_assert_neq(engine_put(x.e, &c, &eb), CL_OK);
	case_release(&c);
	cr_assert_neq(engine_commit(x.e, 43, &eb), CL_OK);
	fx_close(&x);
}

Test(engine_fts5, clear_empties_and_resets_seq)
{
	struct fx x;
	struct cl_errbuf eb;
	int64_t seq = 0;
	long n = 0;

	fx_open(&x);
	put_demo(&x);
	commit(&x, 9);
	/* clear belongs to the pending transaction: without a commit it is undone */
	cr_assert_eq(engine_clear(x.e, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(engine_count(x.e, &n, &eb), CL_OK);
	cr_assert_eq(n, 0);
	cr_assert_eq(engine_last_seq(x.e, &seq, &eb), CL_OK);
	cr_assert_eq(seq, 0);
	engine_close(x.e);
	fx_engine(&x, 1);
	cr_assert_eq(engine_count(x.e, &n, &eb), CL_OK);
	cr_assert_eq(n, (long)NDEMO);

	cr_assert_eq(engine_clear(x.e, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(total_of(&x, ""), 0);
	cr_assert_eq(total_of(&x, "skolmåltider"), 0);
	commit(&x, 0);
	engine_close(x.e);
	fx_engine(&x, 1);
	cr_assert_eq(engine_count(x.e, &n, &eb), CL_OK);
	cr_assert_eq(n, 0);
	cr_assert_eq(engine_last_seq(x.e, &seq, &eb), CL_OK);
	cr_assert_eq(seq, 0);
	/* the suggestion word list is emptied too */
	{
		char *s = NULL;
		cr_assert_eq(engine_suggest(x.e, "upphandlning", &s, &eb), CL_OK);
		cr_assert_null(s);
	}
	/* and the index is usable again */
	put_demo(&x);
	cr_assert(finds(&x, "skolmåltider", ID_LUND));
	fx_close(&x);
}

Test(engine_fts5, hostile_queries_never_crash)
{
	static const char *const texts[] = {
		"\"", "*", "**", "title:", "NEAR(", "NEAR(a b, 2)", "' OR 1=1 --", "a:b:c",
		"{title}:x", "x AND y OR NOT z", "\"unterminated phrase", "-", "- -", "-och",
		"-skolmåltider", "^x", "a*b*c", "\"\"", "\"a\"\"b\"", "title:\"", "(", ")",
		"body:(x)", "åäö*", "ÅÄÖ", "\xe2\x80\x8b", "x\ty\nz", "upphandling NOT ramavtal",
		"fts_cases MATCH 'x'", "*upph", "e-tjänst", "\"*\"", "col:title : x", "🙂 emoji",
	};
	struct fx x;
	struct cl_errbuf eb;
	struct search_request rq;
	struct search_result res;
	char big[ENGINE_TEXT_MAX + 1];
	char *s;

	fx_open(&x);
	put_demo(&x);
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		req(&rq, texts[i], 10);
		rq.snippets = 1;
		rq.facets = ENGINE_ALL_FACETS;
		cr_assert_eq(engine_search(x.e, &rq, &res, &eb), CL_OK, "'%s': %s", texts[i], eb.msg);
		search_result_release(&res);
		s = NULL;
		cr_assert_eq(engine_suggest(x.e, texts[i], &s, &eb), CL_OK, "'%s': %s", texts[i],
			     eb.msg);
		free(s);
		cr_assert_eq(engine_similar_text(x.e, &rq, &res, &eb), CL_OK, "'%s': %s", texts[i],
			     eb.msg);
		search_result_release(&res);
	}
	memset(big, '(', ENGINE_TEXT_MAX);
	big[ENGINE_TEXT_MAX] = '\0';
	req(&rq, big, 10);
	cr_assert_eq(engine_search(x.e, &rq, &res, &eb), CL_OK, "%s", eb.msg);
	search_result_release(&res);
	for (size_t i = 0; i < ENGINE_TEXT_MAX; i++)
		big[i] = "ab\" *-:()"[i % 9];
	cr_assert_eq(engine_search(x.e, &rq, &res, &eb), CL_OK, "%s", eb.msg);
	search_result_release(&res);

	req(&rq, "upphandling \xff\xfe", 10);
	cr_assert_eq(engine_search(x.e, &rq, &res, &eb), CL_EQUERY);
	req(&rq, "\xc3", 10);
	cr_assert_eq(engine_search(x.e, &rq, &res, &eb), CL_EQUERY);
	cr_assert_eq(engine_similar_text(x.e, &rq, &res, &eb), CL_EQUERY);
	cr_assert_neq(engine_suggest(x.e, "\xc3(", &s, &eb), CL_OK);
	fx_close(&x);
}

/* Visible characters of an HTML snippet: tags dropped, an entity is one. */
static size_t visible_chars(const char *h)
{
	size_t n = 0;

	while (*h) {
		if (*h == '<') {
			h = strchr(h, '>');
			cr_assert_not_null(h);
			h++;
			continue;
		}
		if (*h == '&') {
			h = strchr(h, ';');
			cr_assert_not_null(h);
			h++;
			n++;
			continue;
		}
		n += ((unsigned char)*h & 0xC0) != 0x80;
		h++;
	}
	return n;
}

Test(engine_fts5, snippets_are_html_safe_and_utf8)
{
	static const struct {
		const char *query;
		size_t chars;
	} cases[] = {
		{"marknadsdialog", 40}, {"klimatpåverkan", 25}, {"portion", 200},
		{"baljväxter", 60},     {"kvartal", 12},        {"skolor", 80},
		{"alert", 200},         {"alert", 30},          {"säsongsanpassade", 10},
	};
	struct fx x;
	struct search_request rq;
	struct search_result res;
	struct case_record c;

	fx_open(&x);
	put_demo(&x);
	load_case(demo_files[2], &c);
	free(c.id);
	c.id = strdup("test-script");
	free(c.title);
	c.title = strdup("<script>alert(1)</script> Solkraft & \"citat\"");
	free(c.summary);
	c.summary = strdup("Åtgärder mot <script>alert('x')</script> i sammanfattningen: "
			   "värmeåtervinning, säkerhet & sårbarhet.");
	put(&x, &c);
	case_release(&c);
	commit(&x, 2);

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		req(&rq, cases[i].query, 10);
		rq.snippets = 1;
		rq.snippet_chars = cases[i].chars;
		search_ok(&x, &rq, &res);
		cr_assert_gt(res.nhits, 0, "%s", cases[i].query);
		for (size_t k = 0; k < res.nhits; k++) {
			const char *sn = res.hits[k].snippet;
			cr_assert_not_null(sn);
			cr_assert_eq(qp_utf8_invalid_at(sn, strlen(sn)), -1, "bad UTF-8: %s", sn);
			cr_assert_null(strstr(sn, "<script"), "raw markup: %s", sn);
			cr_assert_leq(visible_chars(sn), cases[i].chars, "too long (%zu > %zu): %s",
				      visible_chars(sn), cases[i].chars, sn);
			cr_assert_eq(tu_count(sn, "<mark>"), tu_count(sn, "</mark>"), "%s", sn);
			if (cases[i].chars >= 25)
				cr_assert_geq(tu_count(sn, "<mark>"), 1, "no mark: %s", sn);
			cr_assert_null(strchr(sn, '\x01'));
			cr_assert_null(strchr(sn, '\x02'));
		}
		search_result_release(&res);
	}
	/* the script record's snippet is escaped; its title is returned plain */
	req(&rq, "alert", 10);
	rq.snippets = 1;
	search_ok(&x, &rq, &res);
	cr_assert_eq(res.nhits, 1);
	cr_assert_not_null(strstr(res.hits[0].snippet, "&lt;script&gt;"), "%s",
			   res.hits[0].snippet);
	cr_assert_not_null(strstr(res.hits[0].snippet, "<mark>alert</mark>"), "%s",
			   res.hits[0].snippet);
	cr_assert_str_eq(res.hits[0].title, "<script>alert(1)</script> Solkraft & \"citat\"");
	search_result_release(&res);

	/* an empty query gives plain snippets from the summary */
	req(&rq, NULL, 20);
	rq.snippets = 1;
	search_ok(&x, &rq, &res);
	for (size_t k = 0; k < res.nhits; k++) {
		cr_assert_not_null(res.hits[k].snippet);
		cr_assert_null(strstr(res.hits[k].snippet, "<mark>"));
		cr_assert_leq(visible_chars(res.hits[k].snippet), 200);
	}
	search_result_release(&res);
	fx_close(&x);
}

static void report_line(const char *line, void *ud)
{
	(void)ud;
	cr_log_error("%s", line);
}

Test(engine_fts5, sync_and_compare_with_store)
{
	struct fx x;
	struct cl_errbuf eb;
	struct sync_stats st;
	struct store_put_result r;
	int64_t eseq = 0, sseq = 0;
	long ndiff = -1;

	long npub = 0;

	memset(&x, 0, sizeof x);
	x.dir = tu_tmpdir();
	cr_assert_eq(store_open(x.dir, STORE_CREATE, &x.s, &eb), CL_OK, "%s", eb.msg);
	for (size_t i = 0; i < NDEMO; i++) {
		struct case_record c;
		load_case(demo_files[i], &c);
		/* the store treats no status as published; Göteborg's is "submitted" */
		npub += !c.status || !strcmp(c.status, "published");
		cr_assert_eq(store_put_case(x.s, &c, "test", &r, &eb), CL_OK, "%s", eb.msg);
		case_release(&c);
	}
	cr_assert_eq(npub, (long)NDEMO - 1);
	/* read-only before the index exists: a clear error */
	cr_assert_eq(engine_open(ENGINE_FTS5, x.dir, x.s, 0, &x.e, &eb), CL_ENOTFOUND);
	cr_assert_null(x.e);

	fx_engine(&x, 1);
	cr_assert_eq(sync_engine(x.s, x.e, 3, NULL, NULL, &st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(st.put, npub);
	cr_assert_eq(st.deleted, (long)NDEMO - npub, "the submitted case is not indexed");
	cr_assert(!finds(&x, "arbetsmaskiner", ID_GBG));
	cr_assert_eq(sync_compare(x.s, x.e, report_line, NULL, &ndiff, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(ndiff, 0);
	cr_assert_eq(engine_last_seq(x.e, &eseq, &eb), CL_OK);
	cr_assert_eq(store_last_seq(x.s, &sseq, &eb), CL_OK);
	cr_assert_eq(eseq, sseq);

	/* a withdrawn case leaves the index; replaying changes nothing else */
	cr_assert_eq(store_delete_case(x.s, ID_LUND, "test", &r, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(sync_engine(x.s, x.e, 0, NULL, NULL, &st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(st.deleted, 1);
	cr_assert_eq(sync_compare(x.s, x.e, report_line, NULL, &ndiff, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(ndiff, 0);
	cr_assert_eq(total_of(&x, "skolmåltider"), 0);

	/* a full reindex gives the same index */
	cr_assert_eq(sync_reindex(x.s, x.e, NULL, NULL, &st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(sync_compare(x.s, x.e, report_line, NULL, &ndiff, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(ndiff, 0);
	engine_close(x.e);

	/* a second handle (read-only) on the same store sees the committed index */
	fx_engine(&x, 0);
	cr_assert(finds(&x, "pendelbåtar", ID_STHLM));
	cr_assert_eq(sync_compare(x.s, x.e, report_line, NULL, &ndiff, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(ndiff, 0);
	fx_close(&x);
}

Test(engine_fts5, ranking_prefers_title)
{
	struct fx x;
	struct search_request rq;
	struct search_result res;

	fx_open(&x);
	put_demo(&x);
	/* "betong" is in Trafikverket's title; a copy with the word only in the body */
	{
		struct case_record c;
		load_case(demo_files[6], &c);
		free(c.id);
		c.id = strdup("test-betong-body-only");
		free(c.title);
		c.title = strdup("Klimatkrav i broar och tunnlar");
		free(c.summary);
		c.summary = strdup("Trafikverket skärper kraven stegvis.");
		put(&x, &c);
		case_release(&c);
		commit(&x, 2);
	}
	req(&rq, "betong", 10);
	search_ok(&x, &rq, &res);
	cr_assert_eq(res.total, 2);
	cr_assert_str_eq(res.hits[0].id, ID_TRV);
	cr_assert_gt(res.hits[0].score, res.hits[1].score);
	search_result_release(&res);
	fx_close(&x);
}

Test(engine_fts5, analyser_change_rebuilds_postings)
{
	struct fx x;
	struct cl_errbuf eb;
	int64_t seq = 0;

	fx_open(&x);
	put_demo(&x);
	commit(&x, 5);
	engine_close(x.e);
	x.e = NULL;
	/* as if the index had been built with another dictionary or stemmer */
	exec_sql(&x, "UPDATE fts_meta SET value = 'ta/0 older' WHERE key = 'analyser'");
	fx_engine(&x, 1);
	integrity(&x);
	cr_assert(finds(&x, "måltider", ID_LUND));
	cr_assert_eq(engine_last_seq(x.e, &seq, &eb), CL_OK);
	cr_assert_eq(seq, 5, "a rebuild keeps the cases and the seq");
	fx_close(&x);
}

Test(engine_fts5, layout_change_starts_again)
{
	struct fx x;
	struct cl_errbuf eb;
	int64_t seq = 0;
	long n = -1;

	fx_open(&x);
	put_demo(&x);
	commit(&x, 5);
	engine_close(x.e);
	x.e = NULL;
	exec_sql(&x, "UPDATE fts_meta SET value = 'fts5-layout-0' WHERE key = 'layout'");
	/* read-only: refused with a reason */
	cr_assert_eq(engine_open(ENGINE_FTS5, x.dir, x.s, 0, &x.e, &eb), CL_ESCHEMA);
	cr_assert_null(x.e);
	/* writable: dropped and created again, so that the next sync replays everything */
	fx_engine(&x, 1);
	cr_assert_eq(engine_count(x.e, &n, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(n, 0);
	cr_assert_eq(engine_last_seq(x.e, &seq, &eb), CL_OK);
	cr_assert_eq(seq, 0);
	put_demo(&x);
	cr_assert(finds(&x, "skolmåltider", ID_LUND));
	integrity(&x);
	fx_close(&x);
}

/* Row ids in two 65,536-id blocks of the engine's sets: a placeholder row
 * pushes the next row ids past 140,000, then goes away. */
Test(engine_fts5, row_ids_beyond_one_block)
{
	static const char *const health[] = {"health"};
	static const char *const education[] = {"education"};
	static const char *const ra[] = {"ra"};
	struct fx x;
	struct search_request rq;
	struct search_result res;

	fx_open(&x);
	put_demo(&x);
	engine_close(x.e);
	x.e = NULL;
	exec_sql(&x, "INSERT INTO fts_docs(rid, id, dkey, akey, year, title, summary, body, buyer,"
		     " facets) VALUES(140000, 'placeholder', 0, 99999999, 0, '', '', '', '', x'')");
	fx_engine(&x, 1);
	put_variant(&x, demo_files[3], "test-far-health", "health");     /* Lund, la, 2021 */
	put_variant(&x, demo_files[4], "test-far-skane", NULL);          /* health, ra, 2019 */
	put_variant(&x, demo_files[1], "test-far-education", "education"); /* la, 2021 */
	commit(&x, 2);
	engine_close(x.e);
	x.e = NULL;
	exec_sql(&x, "DELETE FROM fts_docs WHERE id = 'placeholder'");
	exec_sql(&x, "UPDATE fts_meta SET value = value + 1 WHERE key = 'gen'");
	fx_engine(&x, 1);
	integrity(&x);
	cr_assert_eq(total_of(&x, ""), 11);
	cr_assert_eq(total_of(&x, "skolmåltider"), 2);

	req(&rq, NULL, 20);
	rq.filters[EF_SECTORS] = health;
	rq.nfilters[EF_SECTORS] = 1;
	rq.facets = (1u << EF_AUTHORITY_TYPE) | (1u << EF_SECTORS);
	search_ok(&x, &rq, &res);
	cr_assert_eq(res.total, 4);
	cr_assert(has_id(&res, "test-far-health") && has_id(&res, "test-far-skane"));
	cr_assert_eq(facet_count(&res, EF_AUTHORITY_TYPE, "ra"), 3);
	cr_assert_eq(facet_count(&res, EF_AUTHORITY_TYPE, "la"), 1);
	cr_assert_eq(facet_count(&res, EF_SECTORS, "education"), 2);
	cr_assert_eq(facet_count(&res, EF_SECTORS, "health"), 4);
	search_result_release(&res);

	rq.filters[EF_AUTHORITY_TYPE] = ra;
	rq.nfilters[EF_AUTHORITY_TYPE] = 1;
	search_ok(&x, &rq, &res);
	cr_assert_eq(res.total, 3);
	cr_assert(!has_id(&res, "test-far-health"));
	search_result_release(&res);

	req(&rq, "skolmåltider", 20);
	rq.filters[EF_SECTORS] = health;
	rq.nfilters[EF_SECTORS] = 1;
	search_ok(&x, &rq, &res);
	cr_assert_eq(res.total, 1);
	cr_assert_str_eq(res.hits[0].id, "test-far-health");
	search_result_release(&res);

	req(&rq, NULL, 20);
	rq.filters[EF_SECTORS] = education;
	rq.nfilters[EF_SECTORS] = 1;
	rq.year_from = rq.year_to = 2021;
	rq.sort = SORT_DATE_ASC;
	search_ok(&x, &rq, &res);
	cr_assert_eq(res.total, 2);
	cr_assert_eq(res.nhits, 2);
	cr_assert_str_eq(res.hits[0].id, ID_LUND);              /* 2021-03-15 */
	cr_assert_str_eq(res.hits[1].id, "test-far-education"); /* 2021-08-23 */
	search_result_release(&res);

	req(&rq, NULL, 0);
	rq.year_from = rq.year_to = 2021;
	search_ok(&x, &rq, &res);
	cr_assert_eq(res.total, 6);
	search_result_release(&res);
	check_paging_n(&x, "", SORT_DATE_DESC, 5);
	check_paging_n(&x, "", SORT_RELEVANCE, 5);
	check_paging_n(&x, "upphandling", SORT_RELEVANCE, 3);
	fx_close(&x);
}

/* One number from the store of x (an aggregate: always a row). */
static long sql_long(struct fx *x, const char *sql)
{
	return tu_sql_long(store_db(x->s), sql);
}

/* Layout 2 (issue 14 point 4, the FTS5 index <= 400 MB): a case's facet
 * values are codes in its fts_docs row, each value once in fts_fvals; no
 * fts_facets row a value. A row whose codes the index does not have is
 * named as a corrupt index with what to run, no row is dropped, and
 * writing the case again repairs it. */
Test(engine_fts5, facet_values_once_and_a_damaged_row_named)
{
	struct fx x;
	struct cl_errbuf eb = {0};
	struct search_request rq;
	struct search_result res;
	long nvals, ncodes, ndocs;

	fx_open(&x);
	put_demo(&x);
	put_variant(&x, demo_files[3], "test-copy-health", "health");
	put_variant(&x, demo_files[4], "test-copy-health-2", "health");
	commit(&x, 2);
	cr_assert_eq(sql_long(&x, "SELECT count(*) FROM sqlite_schema WHERE name = 'fts_facets'"), 0);
	ndocs = sql_long(&x, "SELECT count(*) FROM fts_docs");
	nvals = sql_long(&x, "SELECT count(*) FROM fts_fvals");
	ncodes = sql_long(&x, "SELECT sum(length(facets)) FROM fts_docs");
	cr_assert_eq(ndocs, (long)NDEMO + 2);
	cr_assert_gt(nvals, 0);
	/* every case has a kind and a year: values are shared, not repeated */
	cr_assert_lt(nvals, ncodes, "%ld values for %ld code bytes", nvals, ncodes);
	req(&rq, NULL, 10);
	rq.facets = ENGINE_ALL_FACETS;
	cr_assert_eq(engine_search(x.e, &rq, &res, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(facet_count(&res, EF_SECTORS, "health"), 4, "two demo cases and two copies");
	search_result_release(&res);

	/* a row naming a code fts_fvals lacks */
	engine_close(x.e);
	x.e = NULL;
	exec_sql(&x, "UPDATE fts_docs SET facets = x'ffffffff0f' WHERE id = 'test-copy-health'");
	fx_engine(&x, 0);
	req(&rq, NULL, 10);
	rq.facets = ENGINE_ALL_FACETS;
	cr_assert_eq(engine_search(x.e, &rq, &res, &eb), CL_ECORRUPT);
	cr_assert(strstr(eb.msg, "reindex --engine fts5") != NULL, "%s", eb.msg);
	/* a cut-off code likewise */
	engine_close(x.e);
	x.e = NULL;
	exec_sql(&x, "UPDATE fts_docs SET facets = x'80' WHERE id = 'test-copy-health'");
	fx_engine(&x, 0);
	cr_assert_eq(engine_search(x.e, &rq, &res, &eb), CL_ECORRUPT);
	cr_assert_eq(sql_long(&x, "SELECT count(*) FROM fts_docs"), ndocs, "no row was dropped");
	engine_close(x.e);
	x.e = NULL;
	/* writing the case again repairs its row */
	fx_engine(&x, 1);
	put_variant(&x, demo_files[3], "test-copy-health", "health");
	commit(&x, 3);
	cr_assert_eq(engine_search(x.e, &rq, &res, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(facet_count(&res, EF_SECTORS, "health"), 4);
	search_result_release(&res);
	fx_close(&x);
}
