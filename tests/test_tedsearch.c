/* test_tedsearch.c — live TED notices (format ted-search,
 * indexer/parse_tedsearch.c and run_tedsearch in indexer/harvest.c)
 * against the loopback server's TED Search API route, which answers as
 * docs.ted.europa.eu documents the v3 notices/search endpoint over the
 * real eForms notices in ../shared/data/ted-eforms (read at run time):
 * iteration paging, the per-run cap and resuming, the kept date asked
 * again with >= and stored notices skipped, 429 with Retry-After, 500, an
 * expired and a bad iteration token (a fresh search from the kept date),
 * a notice whose XML is missing; and the parser on odd answers. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harvest.h"
#include "parse_tedsearch.h"
#include "parsers.h"
#include "sources.h"
#include "store.h"
#include "taxonomy.h"
#include "testutil.h"

/* The 23 distinct real notices of ted-eforms (the -modif variant is not
 * listed by the route). */
#define TED_NOTICES 23

static struct tu_lb srv;
static char *datadir;
static struct store *st;

static void setup(void)
{
	struct cl_errbuf eb = {0};
	char *shared = tu_shared("");
	char root[PATH_MAX];

	tu_no_proxy();
	cr_assert_eq(tax_load(&eb), CL_OK, "%s", eb.msg);
	cr_assert_not_null(realpath(shared, root), "%s", shared);
	free(shared);
	tu_lb_start(&srv, root);
	st = tu_store_new(&datadir);
}

static void teardown(void)
{
	tu_store_drop(&st, &datadir);
	tu_lb_stop(&srv);
}

TestSuite(ted_search, .init = setup, .fini = teardown);

/* Harvests one ted-search source; faults go into the search URL's query
 * string, extra into the source object. */
static void harvest_ted(const char *faults, const char *extra, struct harvest_report *rep)
{
	struct sources ss;
	struct harvest_opts o;
	struct cl_errbuf eb = {0};
	char *json = NULL;

	cr_assert(asprintf(&json,
			   "{\"defaults\": {\"allow_private\": true, \"retries\": 1, \"backoff_ms\": 10, \"backoff_max_ms\": 20,"
			   " \"retry_after_max_ms\": 1500, \"delay_ms\": 0, \"timeout_ms\": 10000},"
			   " \"sources\": [{\"name\": \"ted-se\", \"format\": \"ted-search\","
			   " \"url\": \"http://127.0.0.1:%d/_ted/ted-eforms/search%s\","
			   " \"query\": \"buyer-country=SWE\", \"since\": \"2023-01-01\","
			   " \"licence\": \"TED\", \"ref_base\": null%s}]}",
			   srv.port, faults ? faults : "", extra ? extra : "") > 0);
	memset(&o, 0, sizeof o);
	sources_init(&ss);
	cr_assert_eq(sources_parse(&ss, json, strlen(json), "test", &eb), CL_OK, "%s", eb.msg);
	harvest_report_init(rep);
	cr_assert_eq(harvest_run(st, &ss, &o, rep, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(rep->n, 1);
	sources_release(&ss);
	free(json);
}

/* The date kept for the source (faults: as given to harvest_ted). */
static char *kept_date(const char *faults)
{
	struct store_fetch_state fs;
	char *key = NULL, *d;

	store_fetch_state_init(&fs);
	cr_assert(asprintf(&key, "http://127.0.0.1:%d/_ted/ted-eforms/search%s#ted-search:ted-se",
			   srv.port, faults ? faults : "") > 0);
	if (store_get_fetch_state(st, key, &fs, NULL) != CL_OK) {
		free(key);
		return NULL;
	}
	d = fs.last_modified ? strdup(fs.last_modified) : NULL;
	store_fetch_state_release(&fs);
	free(key);
	return d;
}

static const char *first_error(const struct harvest_stats *s)
{
	return s->nerrors ? s->errors[0] : "";
}

/* Paging, the cap, resuming, and the kept date asked again with >=. */
Test(ted_search, pages_resume_over_runs_and_ask_from_the_kept_date)
{
	struct harvest_report rep;
	char *d;

	if (!parsers_find("ted-search"))
		return;
	/* run 1: pages of 5, at most 10 notices: stops, keeps no date */
	harvest_ted(NULL, ", \"page_size\": 5, \"max_notices\": 10", &rep);
	cr_assert_eq(rep.v[0].created, 10, "%s", first_error(&rep.v[0]));
	cr_assert_eq(rep.v[0].failed, 0, "%s", first_error(&rep.v[0]));
	cr_assert_eq(rep.v[0].notice_capped, 1);
	cr_assert_eq(rep.v[0].searches, 2);
	cr_assert_null(kept_date(NULL), "a capped run moved the date on");
	harvest_report_release(&rep);

	/* run 2: the ten stored are skipped by id, ten more */
	harvest_ted(NULL, ", \"page_size\": 5, \"max_notices\": 10", &rep);
	cr_assert_eq(rep.v[0].known, 10);
	cr_assert_eq(rep.v[0].created, 10, "%s", first_error(&rep.v[0]));
	cr_assert_eq(rep.v[0].notice_capped, 1);
	harvest_report_release(&rep);

	/* run 3: the rest; the iteration ends: the newest day is kept */
	harvest_ted(NULL, ", \"page_size\": 5, \"max_notices\": 10", &rep);
	cr_assert_eq(rep.v[0].created, TED_NOTICES - 20, "%s", first_error(&rep.v[0]));
	cr_assert_eq(rep.v[0].notice_capped, 0);
	cr_assert_eq(rep.v[0].searches, 5); /* 23 notices in pages of 5 */
	harvest_report_release(&rep);
	d = kept_date(NULL);
	cr_assert_not_null(d);
	cr_assert_str_eq(d, "2024-07-16"); /* OJ S 198/2024, the newest notices */
	free(d);

	/* run 4: asks from that day (>=): its two notices, already stored */
	harvest_ted(NULL, ", \"page_size\": 5", &rep);
	cr_assert_eq(rep.v[0].created, 0);
	cr_assert_eq(rep.v[0].known, 2);
	cr_assert_eq(rep.v[0].searches, 1);
	cr_assert_eq(rep.v[0].failed, 0);
	harvest_report_release(&rep);
	cr_assert_eq(tu_lb_count(&srv, "/_ted/ted-eforms/notice/", -1, 0), TED_NOTICES,
		     "a notice was downloaded twice");
}

/* 429 with Retry-After and 500: retried by the fetch policy. */
Test(ted_search, rate_limit_and_server_error_are_retried)
{
	struct harvest_report rep;

	if (!parsers_find("ted-search"))
		return;
	harvest_ted("?s429=1", NULL, &rep);
	cr_assert_eq(rep.v[0].created, TED_NOTICES, "%s", first_error(&rep.v[0]));
	cr_assert_eq(rep.v[0].failed, 0);
	cr_assert_eq(tu_lb_count(&srv, "/_ted/ted-eforms/search?s429=1", 429, 0), 1);
	harvest_report_release(&rep);
	harvest_ted("?s500=1", NULL, &rep);
	cr_assert_eq(rep.v[0].failed, 0, "%s", first_error(&rep.v[0]));
	cr_assert_eq(rep.v[0].known, TED_NOTICES);
	cr_assert_eq(tu_lb_count(&srv, "/_ted/ted-eforms/search?s500=1", 500, 0), 1);
	harvest_report_release(&rep);
}

/* An iteration token that expired (500 until the retries are spent): a
 * fresh search from the kept date finishes the iteration; a token that is
 * never accepted gives up after two fresh searches with what it stored. */
Test(ted_search, expired_and_bad_tokens_start_a_fresh_search)
{
	struct harvest_report rep;

	if (!parsers_find("ted-search"))
		return;
	harvest_ted("?expire=2", ", \"page_size\": 5", &rep);
	cr_assert_eq(rep.v[0].restarts, 1);
	cr_assert_eq(rep.v[0].created, TED_NOTICES, "%s", first_error(&rep.v[0]));
	cr_assert_eq(rep.v[0].known, 5); /* the first page, asked again */
	cr_assert_eq(rep.v[0].failed, 0, "%s", first_error(&rep.v[0]));
	harvest_report_release(&rep);

	store_close(st);
	tu_rmtree(datadir);
	free(datadir);
	datadir = tu_tmpdir();
	{
		struct cl_errbuf eb = {0};
		cr_assert_eq(store_open(datadir, STORE_CREATE, &st, &eb), CL_OK, "%s", eb.msg);
	}
	harvest_ted("?badtoken=1", ", \"page_size\": 5", &rep);
	cr_assert_eq(rep.v[0].restarts, 2);
	cr_assert_eq(rep.v[0].created, 5);
	cr_assert_eq(rep.v[0].failed, 1);
	cr_assert(strstr(first_error(&rep.v[0]), "HTTP 500"), "%s", first_error(&rep.v[0]));
	harvest_report_release(&rep);
	cr_assert_null(kept_date("?badtoken=1"));
}

/* A notice whose XML is missing: reported, the others stored, and the
 * kept date stays at or before its day so the next run asks for it. */
Test(ted_search, a_missing_notice_xml_is_a_failure_and_asked_again)
{
	struct harvest_report rep;
	char *d;

	if (!parsers_find("ted-search"))
		return;
	harvest_ted("?missing=00137599-2024", NULL, &rep);
	cr_assert_eq(rep.v[0].created, TED_NOTICES - 1, "%s", first_error(&rep.v[0]));
	cr_assert_eq(rep.v[0].failed, 1);
	cr_assert(strstr(first_error(&rep.v[0]), "00137599-2024"), "%s", first_error(&rep.v[0]));
	harvest_report_release(&rep);
	d = kept_date("?missing=00137599-2024");
	cr_assert_not_null(d);
	cr_assert_str_eq(d, "2024-02-16"); /* OJ S 47/2024: that notice's day */
	free(d);
}

Test(ted_search, answers_and_requests)
{
	struct tedsearch_page pg;
	struct cl_errbuf eb = {0};
	char *json = NULL, id[24];
	static const char odd[] =
		"{\"notices\": ["
		"{\"publication-number\": \"00137599-2024\", \"publication-date\": \"2024-02-16+01:00\","
		" \"links\": {\"xml\": {\"SWE\": \"https://ted.europa.eu/sv/notice/00137599-2024/xml\","
		" \"MUL\": \"https://ted.europa.eu/en/notice/00137599-2024/xml\"}}},"
		"{\"publication-number\": [\"00000001-2024\"], \"publication-date\": \"2024-13-01\","
		" \"links\": {\"xml\": {\"MUL\": \"https://x/1\"}}},"
		"{\"publication-number\": \"1-2024\", \"publication-date\": \"2024-01-02Z\","
		" \"links\": {\"xml\": {\"MUL\": \"file:///etc/passwd\"}}},"
		"{\"publication-number\": \"../x\", \"publication-date\": \"2024-01-02\","
		" \"links\": {\"xml\": {\"MUL\": \"https://x/2\"}}},"
		"{\"publication-number\": \"00000002-2024\", \"publication-date\": \"2024-01-03\","
		" \"links\": {\"xml\": {\"MUL\": \"htTPs://ted.europa.eu/en/notice/00000002-2024/xml\"}}},"
		"7, null, {}],"
		" \"totalNoticeCount\": 7, \"iterationNextToken\": \"abc\"}";

	tedsearch_page_init(&pg);
	cr_assert_eq(tedsearch_parse_page(odd, strlen(odd), &pg, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(pg.n, 2);
	cr_assert_eq(pg.skipped, 6);
	/* A scheme in odd case is accepted and kept in its canonical form. */
	cr_assert_str_eq(pg.v[1].xml_url, "https://ted.europa.eu/en/notice/00000002-2024/xml");
	cr_assert_str_eq(pg.v[0].xml_url, "https://ted.europa.eu/en/notice/00137599-2024/xml");
	cr_assert_str_eq(pg.v[0].case_id, "ted-2024-00137599");
	cr_assert_str_eq(pg.v[0].date, "2024-02-16");
	cr_assert_str_eq(pg.next_token, "abc");
	cr_assert_eq(pg.total, 7);
	cr_assert_eq(tedsearch_parse_page("[1]", 3, &pg, &eb), CL_EPARSE);
	cr_assert(strstr(eb.msg, "no \"notices\" list"), "%s", eb.msg);
	cr_assert_eq(tedsearch_parse_page("<html>", 6, &pg, &eb), CL_EPARSE);
	cr_assert_eq(tedsearch_parse_page("{\"notices\": []}", 15, &pg, &eb), CL_OK);
	cr_assert_eq(pg.n, 0);
	cr_assert_null(pg.next_token);
	tedsearch_page_release(&pg);

	cr_assert_eq(tedsearch_request("buyer-country=SWE", "2024-01-01", NULL, 100, &json), CL_OK);
	cr_assert_str_eq(json,
			 "{\"query\":\"(buyer-country=SWE) AND publication-date>=20240101\","
			 "\"fields\":[\"publication-number\",\"publication-date\",\"links\"],"
			 "\"limit\":100,\"paginationMode\":\"ITERATION\",\"iterationNextToken\":null}");
	free(json);
	cr_assert_eq(tedsearch_request("q", NULL, "tok", 5, &json), CL_OK);
	cr_assert(strstr(json, "\"iterationNextToken\":\"tok\""), "%s", json);
	free(json);
	cr_assert_eq(tedsearch_request("q", "2024-02-30", NULL, 5, &json), CL_EINVAL);
	cr_assert_eq(tedsearch_request("q", NULL, NULL, 251, &json), CL_EINVAL);
	cr_assert_eq(tedsearch_request("", NULL, NULL, 5, &json), CL_EINVAL);
	cr_assert_eq(tedsearch_case_id("00612681-2024", id), CL_OK);
	cr_assert_str_eq(id, "ted-2024-00612681");
	cr_assert_eq(tedsearch_case_id("x-2024", id), CL_EINVAL);
}

Test(ted_search, sources_file_keys)
{
	static const struct {
		const char *src, *err;
	} bad[] = {
		{"\"format\": \"ted-search\", \"url\": \"https://api.ted.europa.eu/v3/notices/search\"",
		 "$.sources[0].query"},
		{"\"format\": \"ted-search\", \"url\": \"file:///x\", \"query\": \"q\"", "$.sources[0].url"},
		{"\"format\": \"ted-search\", \"url\": \"https://a/s\", \"query\": \"q\", \"since\": \"2024\"",
		 "$.sources[0].since"},
		{"\"format\": \"ted-search\", \"url\": \"https://a/s\", \"query\": \"q\", \"max_notices\": 0",
		 "$.sources[0].max_notices"},
		{"\"format\": \"eforms\", \"url\": \"https://a/s\", \"query\": \"q\"", "$.sources[0].query"},
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sources ss;
		struct cl_errbuf eb = {0};
		char *json = NULL;

		cr_assert(asprintf(&json, "{\"sources\": [{\"name\": \"t\", \"licence\": \"x\", %s}]}",
				   bad[i].src) > 0);
		sources_init(&ss);
		cr_assert_eq(sources_parse(&ss, json, strlen(json), "test", &eb), CL_EINVAL, "case %zu",
			     i);
		cr_assert(strstr(eb.msg, bad[i].err), "case %zu: %s", i, eb.msg);
		sources_release(&ss);
		free(json);
	}
}

/* A payload is not NUL-terminated: the root-element sniff read past it
 * (check-fuzz's fuzz_tedsearch finding, seen under ASan). The bytes end
 * in the middle of what looks like an element name. */
Test(ted_search, notice_sniff_stays_inside_the_payload)
{
	static const char in[] = "{\" <etonxToken\":\xb7null}";
	size_t len = sizeof in - 1;
	char *buf = malloc(len);
	struct cl_errbuf eb = {0};
	struct parse_src src = {NULL, "2026-01-01T00:00:00Z", NULL};
	struct tu_got g = {0};
	struct parse_sink sink = {tu_got_emit, tu_got_reject, &g};

	cr_assert_not_null(buf);
	memcpy(buf, in, len); /* exactly len bytes, no NUL after them */
	(void)tedsearch_parse_notice(buf, len, &src, &sink, &eb);
	cr_assert_eq(g.nrec, 0);
	tu_got_release(&g);
	free(buf);
}
