/* test_harvest.c — indexer/harvest and `caselib harvest` against the
 * loopback server (tests/loopback_server.py, started per test on a free
 * port): real files harvested with the expected number of cases (counted
 * by the parser itself), conditional re-harvests that download nothing,
 * every fault leaving the store as it was, bad records skipped with their
 * position, de-duplication, OCDS paging, the summary and exit codes, the
 * fetch-state table (schema 2) and scripts/demo-sources. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_harvest.h"
#include "csvread.h"
#include "fetch.h"
#include "harvest.h"
#include "parsers.h"
#include "sha256.h"
#include "sources.h"
#include "store.h"
#include "taxonomy.h"
#include "testutil.h"


/* ---- fixtures ----------------------------------------------------------- */

static struct tu_lb srv;
static char *site;    /* what the server serves */
static char *datadir; /* the store */
static struct store *st;

static char *site_path(const char *name)
{
	char *p = NULL;
	cr_assert(asprintf(&p, "%s/%s", site, name) > 0);
	return p;
}

/* Writes the header and records [from, from+n) of the real IPS cases CSV
 * to site/name, cut at record boundaries found by the CSV reader. extra
 * (may be NULL) is appended after the first `at` records. */
static void ips_fixture(const char *name, size_t from, size_t n, const char *extra, size_t at)
{
	char *real = tu_shared("ips-cases/cases.csv"), *path = site_path(name);
	size_t len, hdr_end = 0, i = 0, start = 0, stop = 0, mid = 0;
	char *data = tu_read_file(real, &len);
	struct csvr r;
	struct cl_errbuf eb = {0};
	FILE *f;

	cr_assert_not_null(data, "%s", real);
	csvr_init_mem(&r, data, len);
	cr_assert_eq(csvr_next(&r, &eb), CSVR_RECORD, "%s", eb.msg);
	hdr_end = r.rpos;
	start = stop = mid = hdr_end;
	for (i = 0; i < from + n; i++) {
		cr_assert_eq(csvr_next(&r, &eb), CSVR_RECORD, "%s", eb.msg);
		if (i + 1 == from)
			start = r.rpos;
		if (i + 1 == from + at)
			mid = r.rpos;
		stop = r.rpos;
	}
	if (from == 0)
		start = hdr_end;
	if (at == 0)
		mid = start;
	csvr_release(&r);
	f = fopen(path, "wb");
	cr_assert_not_null(f);
	fwrite(data, 1, hdr_end, f);
	fwrite(data + start, 1, mid - start, f);
	if (extra)
		fputs(extra, f);
	fwrite(data + mid, 1, stop - mid, f);
	cr_assert_eq(fclose(f), 0);
	free(path);
	free(data);
	free(real);
}

static void setup(void)
{
	struct cl_errbuf eb = {0};
	char *p;

	tu_no_proxy();
	cr_assert_eq(tax_load(&eb), CL_OK, "%s", eb.msg);
	site = tu_tmpdir();
	datadir = tu_tmpdir();
	ips_fixture("ips-a.csv", 0, 30, NULL, 0);
	ips_fixture("ips-b.csv", 20, 20, NULL, 0);
	/* 15 rows with a wrong field count in the middle of 10 good ones. */
	{
		char bad[4096] = "";
		for (int i = 0; i < 15; i++) {
			char row[64];
			snprintf(row, sizeof row, "case,%d,bad-%d,Service,too short\n", 90000 + i, i);
			strcat(bad, row);
		}
		ips_fixture("ips-bad.csv", 0, 10, bad, 5);
	}
	p = site_path("notcsv.csv");
	tu_write_file(p, "this,is,not\nthe,IPS,header\n", 27);
	free(p);
	tu_lb_start(&srv, site);
	cr_assert_eq(store_open(datadir, STORE_CREATE, &st, &eb), CL_OK, "%s", eb.msg);
}

static void teardown(void)
{
	tu_store_drop(&st, &datadir);
	tu_lb_stop(&srv);
	tu_rmtree(site);
	free(site);
	site = NULL;
}

/* One-source sources JSON for path on the loopback server; extra is
 * inserted into the source object (",\"key\": value..."). Caller frees. */
static char *one_source(const char *name, const char *path, const char *format,
			const char *extra)
{
	char *j = NULL;
	cr_assert(asprintf(&j,
			   "{\"defaults\": {\"allow_private\": true, \"retries\": 1, \"backoff_ms\": 10, \"backoff_max_ms\": 20,"
			   " \"delay_ms\": 0, \"timeout_ms\": 5000},"
			   " \"sources\": [{\"name\": \"%s\", \"url\": \"http://127.0.0.1:%d%s\","
			   " \"format\": \"%s\", \"licence\": \"test-licence\"%s}]}",
			   name, srv.port, path, format, extra ? extra : "") > 0);
	return j;
}

/* Parses json and harvests it into st. */
static int harvest_json(const char *json, int force, struct harvest_report *rep,
			struct cl_errbuf *eb)
{
	struct sources ss;
	struct harvest_opts o;
	int rc;

	memset(&o, 0, sizeof o);
	o.force = force;
	sources_init(&ss);
	cr_assert_eq(sources_parse(&ss, json, strlen(json), "test", eb), CL_OK, "%s", eb->msg);
	harvest_report_init(rep);
	rc = harvest_run(st, &ss, &o, rep, eb);
	sources_release(&ss);
	return rc;
}

static void harvest_ok(const char *json, int force, struct harvest_report *rep)
{
	struct cl_errbuf eb = {0};
	cr_assert_eq(harvest_json(json, force, rep, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(rep->n, 1);
}

static struct store_counts counts(void)
{
	struct store_counts c;
	struct cl_errbuf eb = {0};
	cr_assert_eq(store_counts(st, &c, &eb), CL_OK, "%s", eb.msg);
	return c;
}

static void check_clean(void)
{
	struct cl_errbuf eb = {0};
	cr_assert_eq(store_check(st, NULL, NULL, &eb), CL_OK, "%s", eb.msg);
}

/* What the registry's parser makes of a payload: records, rejects and
 * distinct ids (ids are added to *ids / *nids when given). */
struct tally {
	long emitted, rejected;
	char **ids;
	size_t nids, cap;
	long first_reject_line;
};

static int t_emit(void *ud, struct case_record *c)
{
	struct tally *t = ud;
	t->emitted++;
	if (t->nids == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1024;
		t->ids = realloc(t->ids, t->cap * sizeof *t->ids);
		cr_assert_not_null(t->ids);
	}
	t->ids[t->nids++] = strdup(c->id);
	return CL_OK;
}

static void t_reject(void *ud, long line, const char *reason)
{
	struct tally *t = ud;
	(void)reason;
	if (!t->rejected)
		t->first_reject_line = line;
	t->rejected++;
}

static void tally_file(struct tally *t, const char *format, const char *path)
{
	const struct parser_def *pd = parsers_find(format);
	struct parse_src src = {"http://tally.invalid/x", "2026-01-01T00:00:00Z", NULL};
	struct parse_sink sink = {t_emit, t_reject, t};
	struct cl_errbuf eb = {0};
	size_t len;
	char *data = tu_read_file(path, &len);
	int rc;

	cr_assert_not_null(pd, "no parser for %s", format);
	cr_assert_not_null(data, "%s", path);
	rc = pd->parse(data, len, &src, &sink, &eb);
	(void)rc; /* a payload the parser refuses as a whole adds nothing */
	free(data);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static long tally_distinct(struct tally *t)
{
	long n = 0;
	qsort(t->ids, t->nids, sizeof *t->ids, cmp_str);
	for (size_t i = 0; i < t->nids; i++)
		if (i == 0 || strcmp(t->ids[i], t->ids[i - 1]) != 0)
			n++;
	return n;
}

static void tally_release(struct tally *t)
{
	for (size_t i = 0; i < t->nids; i++)
		free(t->ids[i]);
	free(t->ids);
	memset(t, 0, sizeof *t);
}

TestSuite(harvest, .init = setup, .fini = teardown, .timeout = 120);

/* ---- the merge rule --------------------------------------------------------- */

static void rec(struct case_record *c, const char *title, const char *sources_json,
		const char *status)
{
	char *j = NULL;
	struct case_problems probs;

	case_init(c);
	case_problems_init(&probs);
	cr_assert(asprintf(&j,
			   "{\"id\": \"ted-2024-00137599\", \"kind\": \"procurement\","
			   " \"title\": \"%s\", \"status\": \"%s\", \"sources\": %s}",
			   title, status, sources_json) > 0);
	cr_assert_eq(case_parse(j, strlen(j), 0, c, &probs), CL_OK, "%s: %s",
		     probs.n ? probs.v[0].path : "", probs.n ? probs.v[0].reason : "");
	case_problems_release(&probs);
	free(j);
}

#define SRC(url, at, fmt)                                                               \
	"{\"url\": \"" url "\", \"retrieved_at\": \"" at "\", \"format\": \"" fmt "\"}"

Test(harvest, merge_rule_table)
{
	static const struct {
		const char *what;
		const char *old_title, *old_src, *new_title, *new_src;
		int changed, added;
		const char *want_title;
		const char *want_urls; /* space-separated, in order */
	} t[] = {
		{"same format, same URL, same content: unchanged",
		 "A", "[" SRC("https://x/1", "2024-01-01T00:00:00Z", "eforms") "]",
		 "A", "[" SRC("https://x/1", "2025-01-01T00:00:00Z", "eforms") "]",
		 0, 0, "A", "https://x/1"},
		{"same format, same URL, new content: updated",
		 "A", "[" SRC("https://x/1", "2024-01-01T00:00:00Z", "eforms") "]",
		 "B", "[" SRC("https://x/1", "2025-01-01T00:00:00Z", "eforms") "]",
		 1, 0, "B", "https://x/1"},
		{"same format, another URL, new content: updated, both sources, newest first",
		 "A", "[" SRC("https://x/1", "2024-01-01T00:00:00Z", "eforms") "]",
		 "B", "[" SRC("https://y/2", "2025-01-01T00:00:00Z", "eforms") "]",
		 1, 1, "B", "https://y/2 https://x/1"},
		{"same format, another URL, same content: source appended",
		 "A", "[" SRC("https://x/1", "2024-01-01T00:00:00Z", "eforms") "]",
		 "A", "[" SRC("https://y/2", "2025-01-01T00:00:00Z", "eforms") "]",
		 1, 1, "A", "https://x/1 https://y/2"},
		{"same content again from the first URL, after two: unchanged, order kept",
		 "A", "[" SRC("https://x/1", "2024-01-01T00:00:00Z", "eforms") ","
		      SRC("https://y/2", "2024-01-01T00:00:00Z", "eforms") "]",
		 "A", "[" SRC("https://y/2", "2025-01-01T00:00:00Z", "eforms") "]",
		 0, 0, "A", "https://x/1 https://y/2"},
		{"another format: content kept, source appended",
		 "A", "[" SRC("https://x/1", "2024-01-01T00:00:00Z", "eforms") "]",
		 "B", "[" SRC("https://t/3", "2025-01-01T00:00:00Z", "ted-xml") "]",
		 1, 1, "A", "https://x/1 https://t/3"},
		{"another format, URL already listed: unchanged",
		 "A", "[" SRC("https://x/1", "2024-01-01T00:00:00Z", "eforms") ","
		      SRC("https://t/3", "2024-01-01T00:00:00Z", "ted-xml") "]",
		 "B", "[" SRC("https://t/3", "2025-01-01T00:00:00Z", "ted-xml") "]",
		 0, 0, "A", "https://x/1 https://t/3"},
		{"a curated case (case-json) is never overwritten by a notice",
		 "Curated", "[" SRC("https://k/case", "2024-01-01T00:00:00Z", "case-json") "]",
		 "Notice", "[" SRC("https://x/1", "2025-01-01T00:00:00Z", "eforms") "]",
		 1, 1, "Curated", "https://k/case https://x/1"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct case_record old, neu, out;
		int changed = -1, added = -1;
		char urls[512] = "";

		rec(&old, t[i].old_title, t[i].old_src, "changes_requested");
		rec(&neu, t[i].new_title, t[i].new_src, "published");
		case_init(&out);
		cr_assert_eq(harvest_merge(&old, &neu, &out, &changed, &added), CL_OK, "%s",
			     t[i].what);
		cr_expect_eq(changed, t[i].changed, "%s: changed", t[i].what);
		cr_expect_eq(added, t[i].added, "%s: added", t[i].what);
		cr_expect_str_eq(out.title, t[i].want_title, "%s", t[i].what);
		cr_expect_str_eq(out.status, "changes_requested", "%s: status kept", t[i].what);
		for (size_t k = 0; k < out.nsources; k++) {
			if (k)
				strcat(urls, " ");
			strcat(urls, out.sources[k].url);
		}
		cr_expect_str_eq(urls, t[i].want_urls, "%s", t[i].what);
		case_release(&old);
		case_release(&neu);
		case_release(&out);
	}
}

Test(harvest, merge_refuses_more_than_the_source_limit)
{
	struct case_record old, neu, out;
	char *arr = NULL, *p;
	int changed, added;
	size_t cap = 128 * CASE_SOURCES_MAX + 16;

	arr = calloc(1, cap);
	cr_assert_not_null(arr);
	p = arr;
	p += sprintf(p, "[");
	for (int i = 0; i < CASE_SOURCES_MAX; i++)
		p += sprintf(p, "%s{\"url\": \"https://x/%d\", \"retrieved_at\":"
			     " \"2024-01-01T00:00:00Z\", \"format\": \"eforms\"}", i ? "," : "", i);
	sprintf(p, "]");
	rec(&old, "A", arr, "published");
	rec(&neu, "A", "[" SRC("https://x/new", "2025-01-01T00:00:00Z", "eforms") "]",
	    "published");
	case_init(&out);
	cr_assert_eq(harvest_merge(&old, &neu, &out, &changed, &added), CL_ETOOBIG);
	case_release(&old);
	case_release(&neu);
	case_release(&out);
	free(arr);
}

/* ---- harvests --------------------------------------------------------------- */

Test(harvest, stores_provenance_then_304_then_force)
{
	struct harvest_report rep;
	struct store_counts c1, c2, c3;
	struct tally t = {0};
	struct store_fetch_state fs;
	struct case_record c;
	struct cl_errbuf eb = {0};
	char *json = one_source("ips-a", "/ips-a.csv", "ips-csv", NULL);
	char *fixture = site_path("ips-a.csv"), *data, hex[65], *url = NULL;
	size_t len;

	tally_file(&t, "ips-csv", fixture);
	cr_assert_eq(t.emitted, 30);
	data = tu_read_file(fixture, &len);
	sha256_hex(data, len, hex);
	cr_assert(asprintf(&url, "http://127.0.0.1:%d/ips-a.csv", srv.port) > 0);

	harvest_ok(json, 0, &rep);
	cr_assert_eq(rep.v[0].created, t.emitted);
	cr_assert_eq(rep.v[0].rejected, 0);
	cr_assert_eq(rep.v[0].fetched, 1);
	cr_assert_eq(rep.v[0].bytes, len);
	harvest_report_release(&rep);
	c1 = counts();
	cr_assert_eq(c1.cases, 30);
	cr_assert_eq(c1.raw_documents, 1);

	/* Provenance: the payload URL, its hash and retrieval time (the IPS
	 * parser may list the service's own page first, without a hash). */
	case_init(&c);
	for (size_t i = 0; i < t.nids; i++) {
		const struct case_source *ref = NULL;
		cr_assert_eq(store_get_case(st, t.ids[i], &c, &eb), CL_OK, "%s", eb.msg);
		for (size_t k = 0; k < c.nsources; k++) {
			cr_expect_str_eq(c.sources[k].format, "ips-csv");
			cr_expect_not_null(c.sources[k].licence);
			cr_expect_not_null(c.sources[k].retrieved_at);
			if (c.sources[k].sha256)
				ref = &c.sources[k];
		}
		cr_assert_not_null(ref, "%s: no source with the payload's hash", t.ids[i]);
		cr_assert_eq(strncmp(ref->url, url, strlen(url)), 0, "%s", ref->url);
		cr_assert_str_eq(ref->sha256, hex);
		case_release(&c);
	}

	store_fetch_state_init(&fs);
	cr_assert_eq(store_get_fetch_state(st, url, &fs, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_eq(fs.sha256, hex);
	cr_assert_not_null(fs.etag);
	cr_assert_not_null(fs.last_modified);
	cr_assert_eq(fs.status, 200);

	/* Again: a conditional request, 304, nothing parsed, no new versions. */
	harvest_ok(json, 0, &rep);
	cr_assert_eq(rep.v[0].not_modified, 1);
	cr_assert_eq(rep.v[0].fetched, 0);
	cr_assert_eq(rep.v[0].created + rep.v[0].updated + rep.v[0].unchanged, 0);
	cr_assert_eq(rep.v[0].bytes, 0);
	harvest_report_release(&rep);
	c2 = counts();
	cr_assert_eq(c2.versions, c1.versions);
	cr_assert_eq(c2.changes, c1.changes);
	cr_assert_eq(c2.raw_documents, c1.raw_documents);
	cr_assert_eq(tu_lb_count(&srv, "/ips-a.csv", 304, 1), 1, "the second run was not a 304");
	cr_assert_eq(tu_lb_count(&srv, "/ips-a.csv", 200, 0), 1, "a body was downloaded twice");
	cr_assert_eq(store_get_fetch_state(st, url, &fs, &eb), CL_OK);
	cr_assert_eq(fs.status, 304);
	cr_assert_str_eq(fs.sha256, hex);

	/* --force downloads and parses again, but nothing changed. */
	harvest_ok(json, 1, &rep);
	cr_assert_eq(rep.v[0].fetched, 1);
	cr_assert_eq(rep.v[0].unchanged, 30);
	cr_assert_eq(rep.v[0].created + rep.v[0].updated, 0);
	harvest_report_release(&rep);
	c3 = counts();
	cr_assert_eq(c3.versions, c1.versions);
	cr_assert_eq(c3.raw_documents, 1, "the same payload is kept once");
	cr_assert_eq(tu_lb_count(&srv, "/ips-a.csv", 200, 0), 2);
	check_clean();

	store_fetch_state_release(&fs);
	tally_release(&t);
	free(json);
	free(fixture);
	free(data);
	free(url);
}

Test(harvest, an_identical_payload_without_validators_is_not_parsed)
{
	struct harvest_report rep;
	struct store_counts c1, c2;
	char *json = one_source("ips-a", "/_nocond/ips-a.csv", "ips-csv", NULL);

	harvest_ok(json, 0, &rep);
	cr_assert_eq(rep.v[0].created, 30);
	harvest_report_release(&rep);
	c1 = counts();
	harvest_ok(json, 0, &rep);
	cr_assert_eq(rep.v[0].identical, 1);
	cr_assert_eq(rep.v[0].fetched, 0);
	cr_assert_eq(rep.v[0].created + rep.v[0].updated + rep.v[0].unchanged, 0);
	harvest_report_release(&rep);
	c2 = counts();
	cr_assert_eq(c2.versions, c1.versions);
	cr_assert_eq(c2.changes, c1.changes);
	cr_assert_eq(tu_lb_count(&srv, "/_nocond/ips-a.csv", 200, 0), 2);
	cr_assert_eq(tu_lb_count(&srv, "/_nocond/ips-a.csv", -1, 1), 0,
		     "validators were sent that the server never gave");
	free(json);
}

Test(harvest, every_fault_leaves_the_store_as_it_was)
{
	static const struct {
		const char *path, *extra, *want;
	} t[] = {
		{"/_fault/status/500/99/ips-b.csv", NULL, "HTTP 500"},
		{"/_fault/status/429/99/ips-b.csv?retry_after=0", NULL, "HTTP 429"},
		{"/_fault/truncate/ips-b.csv", NULL, "ended early"},
		{"/_fault/badgzip", NULL, "does not decode"},
		{"/_fault/loop", NULL, "more than 5 redirects"},
		{"/_fault/redirect?to=file:///etc/passwd", NULL, "redirect refused"},
		{"/_fault/big/3000000", ", \"max_bytes\": 1000000", "larger than the limit"},
		{"/_fault/big/3000000?chunked=1", ", \"max_bytes\": 1000000",
		 "larger than the limit"},
		{"/_fault/slow/5", ", \"timeout_ms\": 300, \"retries\": 0", "timed out"},
		{"/_fault/reset", NULL, "gave up after 2 attempts"},
		{"/missing.csv", NULL, "404"},
		{"/notcsv.csv", NULL, "/notcsv.csv: "},
	};
	struct harvest_report rep;
	struct store_counts before, after;
	struct store_fetch_state fs;
	struct cl_errbuf eb = {0};
	int64_t seq0, seq1;
	char *json = one_source("ips-a", "/ips-a.csv", "ips-csv", NULL);

	harvest_ok(json, 0, &rep);
	cr_assert_eq(rep.v[0].created, 30);
	harvest_report_release(&rep);
	free(json);
	before = counts();
	cr_assert_eq(store_last_seq(st, &seq0, &eb), CL_OK);
	store_fetch_state_init(&fs);

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *url = NULL;
		json = one_source("faulty", t[i].path, "ips-csv", t[i].extra);
		harvest_ok(json, 0, &rep);
		cr_expect_eq(rep.v[0].failed, 1, "%s", t[i].path);
		cr_expect_eq(rep.v[0].fetched, 0, "%s", t[i].path);
		cr_expect_eq(rep.v[0].created + rep.v[0].updated, 0, "%s", t[i].path);
		cr_assert_eq(rep.v[0].nerrors, 1, "%s", t[i].path);
		cr_expect(strstr(rep.v[0].errors[0], t[i].want), "%s: want \"%s\" in \"%s\"",
			  t[i].path, t[i].want, rep.v[0].errors[0]);
		cr_expect(strstr(rep.v[0].errors[0], "http://127.0.0.1:"), "%s: no URL in %s",
			  t[i].path, rep.v[0].errors[0]);
		harvest_report_release(&rep);
		after = counts();
		cr_expect_eq(after.cases, before.cases, "%s", t[i].path);
		cr_expect_eq(after.versions, before.versions, "%s", t[i].path);
		cr_expect_eq(after.sources, before.sources, "%s", t[i].path);
		cr_expect_eq(after.raw_documents, before.raw_documents, "%s", t[i].path);
		cr_assert_eq(store_last_seq(st, &seq1, &eb), CL_OK);
		cr_expect_eq(seq1, seq0, "%s", t[i].path);
		cr_assert(asprintf(&url, "http://127.0.0.1:%d%s", srv.port, t[i].path) > 0);
		cr_expect_eq(store_get_fetch_state(st, url, &fs, &eb), CL_ENOTFOUND,
			     "%s: a fetch state was kept for a failed payload", t[i].path);
		check_clean();
		free(url);
		free(json);
	}

	/* A 500 that clears on retry: stored. ips-b overlaps ips-a in ten
	 * records, which become cases with two sources. */
	json = one_source("flaky", "/_fault/status/500/1/ips-b.csv", "ips-csv", NULL);
	harvest_ok(json, 0, &rep);
	cr_assert_eq(rep.v[0].failed, 0, "%s", rep.v[0].nerrors ? rep.v[0].errors[0] : "");
	cr_assert_eq(rep.v[0].fetched, 1);
	cr_assert_eq(rep.v[0].created, 10);
	cr_assert_eq(rep.v[0].updated, 10);
	cr_assert_eq(rep.v[0].merged, 10);
	harvest_report_release(&rep);
	cr_assert_eq(counts().cases, 40);
	check_clean();
	store_fetch_state_release(&fs);
	free(json);
}

Test(harvest, bad_records_are_skipped_with_their_line)
{
	struct harvest_report rep;
	struct tally t = {0};
	char *fixture = site_path("ips-bad.csv");
	char *json = one_source("ips-bad", "/ips-bad.csv", "ips-csv", NULL);

	tally_file(&t, "ips-csv", fixture);
	cr_assert_eq(t.emitted, 10);
	cr_assert_eq(t.rejected, 15);
	harvest_ok(json, 0, &rep);
	cr_assert_eq(rep.v[0].created, 10);
	cr_assert_eq(rep.v[0].rejected, 15);
	cr_assert_eq(rep.v[0].nrejects, 15);
	cr_assert_eq(rep.v[0].failed, 0);
	cr_assert_eq(rep.v[0].rejects[0].line, t.first_reject_line);
	cr_assert_gt(rep.v[0].rejects[0].line, 1);
	cr_assert(strstr(rep.v[0].rejects[0].url, "/ips-bad.csv"), "%s", rep.v[0].rejects[0].url);
	cr_assert_neq(strlen(rep.v[0].rejects[0].reason), 0);
	harvest_report_release(&rep);
	cr_assert_eq(counts().cases, 10);
	check_clean();
	tally_release(&t);
	free(json);
	free(fixture);
}

/* A record that comes without a language gets the detected one; a record
 * whose language cannot be told keeps none; a given language is kept. */
Test(harvest, language_is_detected_when_absent)
{
	struct harvest_report rep;
	struct case_record c;
	struct cl_errbuf eb = {0};
	char *json = one_source("lang", "/lang.jsonl", "case-json", NULL);
	char *path = site_path("lang.jsonl");
	const char *body =
		"{\"id\":\"lang-sv\",\"kind\":\"case\",\"title\":\"Upphandling av skolmåltider "
		"för kommunens skolor\",\"summary\":\"Kommunen har ställt klimatkrav på maten och "
		"följer upp dem varje år.\"}\n"
		"{\"id\":\"lang-en\",\"kind\":\"case\",\"title\":\"Procurement of school meals "
		"with climate requirements\",\"summary\":\"The municipality set requirements on the "
		"food and follows them up every year.\"}\n"
		"{\"id\":\"lang-fi\",\"kind\":\"case\",\"title\":\"Kunta hankkii sähköbusseja "
		"joukkoliikenteeseen\",\"summary\":\"Hankintayksikkö pyytää tarjouksia ja tarjoukset "
		"on jätettävä sähköisesti.\"}\n"
		"{\"id\":\"lang-none\",\"kind\":\"case\",\"title\":\"Skolmåltider\"}\n"
		"{\"id\":\"lang-kept\",\"kind\":\"case\",\"language\":\"en\",\"title\":"
		"\"Upphandling av skolmåltider för kommunens skolor\"}\n";
	static const struct {
		const char *id, *lang;
	} want[] = {{"lang-sv", "sv"}, {"lang-en", "en"}, {"lang-fi", "fi"},
		    {"lang-none", NULL}, {"lang-kept", "en"}};

	tu_write_file(path, body, strlen(body));
	harvest_ok(json, 0, &rep);
	cr_assert_eq(rep.v[0].created, 5, "created %ld, rejected %ld", rep.v[0].created,
		     rep.v[0].rejected);
	harvest_report_release(&rep);
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		case_init(&c);
		cr_assert_eq(store_get_case(st, want[i].id, &c, &eb), CL_OK, "%s", eb.msg);
		if (want[i].lang)
			cr_expect_str_eq(c.language, want[i].lang, "%s", want[i].id);
		else
			cr_expect_null(c.language, "%s", want[i].id);
		case_release(&c);
	}
	check_clean();
	free(json);
	free(path);
}

Test(harvest, one_record_from_two_sources_is_one_case_with_two_sources)
{
	struct harvest_report rep;
	struct case_record c;
	struct tally a = {0}, b = {0};
	struct store_counts c1;
	struct cl_errbuf eb = {0};
	char *ja = one_source("a", "/ips-a.csv", "ips-csv", NULL);
	char *jb = one_source("b", "/ips-b.csv", "ips-csv", NULL);
	char *pa = site_path("ips-a.csv"), *pb = site_path("ips-b.csv");
	const char *shared_id = NULL;

	tally_file(&a, "ips-csv", pa);
	tally_file(&b, "ips-csv", pb);
	for (size_t i = 0; i < b.nids && !shared_id; i++)
		for (size_t k = 0; k < a.nids; k++)
			if (strcmp(a.ids[k], b.ids[i]) == 0)
				shared_id = b.ids[i];
	cr_assert_not_null(shared_id);

	harvest_ok(ja, 0, &rep);
	harvest_report_release(&rep);
	harvest_ok(jb, 0, &rep);
	cr_assert_eq(rep.v[0].created, 10);
	cr_assert_eq(rep.v[0].merged, 10);
	harvest_report_release(&rep);
	cr_assert_eq(counts().cases, 40);

	case_init(&c);
	cr_assert_eq(store_get_case(st, shared_id, &c, &eb), CL_OK, "%s", eb.msg);
	{
		long ia = -1, ib = -1;
		for (size_t k = 0; k < c.nsources; k++) {
			if (strstr(c.sources[k].url, "/ips-a.csv#")) {
				cr_assert_eq(ia, -1, "ips-a.csv listed twice");
				ia = (long)k;
			}
			if (strstr(c.sources[k].url, "/ips-b.csv#")) {
				cr_assert_eq(ib, -1, "ips-b.csv listed twice");
				ib = (long)k;
			}
		}
		cr_assert(ia >= 0 && ib > ia, "sources of the two payloads: %ld, %ld", ia, ib);
	}
	case_release(&c);

	/* Both again, forced, in the other order: nothing changes. */
	c1 = counts();
	harvest_ok(jb, 1, &rep);
	cr_assert_eq(rep.v[0].unchanged, 20);
	harvest_report_release(&rep);
	harvest_ok(ja, 1, &rep);
	cr_assert_eq(rep.v[0].unchanged, 30);
	harvest_report_release(&rep);
	cr_assert_eq(counts().versions, c1.versions);
	check_clean();
	tally_release(&a);
	tally_release(&b);
	free(ja);
	free(jb);
	free(pa);
	free(pb);
}

Test(harvest, a_harvest_keeps_a_case_status_and_never_deletes)
{
	struct harvest_report rep;
	struct store_put_result pr;
	struct case_record c;
	struct cl_errbuf eb = {0};
	struct tally t = {0};
	char *ja = one_source("a", "/ips-a.csv", "ips-csv", NULL);
	char *jb = one_source("a", "/ips-b.csv", "ips-csv", NULL);
	char *pa = site_path("ips-a.csv");

	tally_file(&t, "ips-csv", pa);
	harvest_ok(ja, 0, &rep);
	harvest_report_release(&rep);
	case_init(&c);
	cr_assert_eq(store_get_case(st, t.ids[25], &c, &eb), CL_OK);
	free(c.status);
	c.status = strdup("withdrawn");
	cr_assert_eq(store_put_case(st, &c, "reviewer", &pr, &eb), CL_OK, "%s", eb.msg);
	case_release(&c);
	/* ips-b lacks ips-a's first twenty records and repeats the case above. */
	harvest_ok(jb, 0, &rep);
	harvest_report_release(&rep);
	cr_assert_eq(counts().cases, 40, "a harvest removed cases");
	cr_assert_eq(store_get_case(st, t.ids[25], &c, &eb), CL_OK);
	cr_assert_str_eq(c.status, "withdrawn", "a harvest changed a case's status");
	case_release(&c);
	cr_assert_eq(store_get_case(st, t.ids[0], &c, &eb), CL_OK);
	cr_assert_str_eq(c.status, "published");
	case_release(&c);
	tally_release(&t);
	free(ja);
	free(jb);
	free(pa);
}

/* A links.next to another origin (here: another loopback server, which
 * stands for an internal host a publisher's document points at) is not
 * followed unless the source sets next_any_origin. */
Test(harvest, links_next_stays_on_the_source_origin_unless_allowed)
{
	struct harvest_report rep;
	struct tu_lb other;
	char *real = tu_shared("ocds/fictional-example-1.1/ocds-213czf-000-00001-02-tender.json");
	char *data, *dst = site_path("pkg.json"), *json, path[128];
	size_t len;

	if (!parsers_find("ocds"))
		return;
	data = tu_read_file(real, &len);
	cr_assert_not_null(data);
	tu_write_file(dst, data, len);
	tu_lb_start(&other, site);
	snprintf(path, sizeof path, "/_page/pkg.json?page=1&of=2&at=127.0.0.1:%d", other.port);

	json = one_source("offsite", path, "ocds", NULL);
	harvest_ok(json, 0, &rep);
	cr_assert_eq(rep.v[0].payloads, 1);
	cr_assert_eq(rep.v[0].failed, 1);
	cr_assert_eq(rep.v[0].nerrors, 1);
	cr_assert(strstr(rep.v[0].errors[0], "leaves the origin"), "%s", rep.v[0].errors[0]);
	cr_assert_eq(tu_lb_count(&other, "/", -1, 0), 0, "the other origin was fetched");
	harvest_report_release(&rep);
	free(json);

	json = one_source("offsite-ok", path, "ocds", ", \"next_any_origin\": true");
	harvest_ok(json, 1, &rep);
	cr_assert_eq(rep.v[0].payloads, 2, "%s", rep.v[0].nerrors ? rep.v[0].errors[0] : "");
	cr_assert_eq(rep.v[0].failed, 0);
	cr_assert_eq(tu_lb_count(&other, "/_page/pkg.json?page=2&of=2", 200, 0), 1);
	harvest_report_release(&rep);
	free(json);
	check_clean();
	tu_lb_stop(&other);
	free(data);
	free(real);
	free(dst);
}

/* The loopback server is an internal address: a source reaches it only
 * with "allow_private" (one_source's defaults set it; this source takes
 * it back). Nothing is fetched, the payload fails with the reason. */
Test(harvest, an_internal_address_needs_allow_private)
{
	struct harvest_report rep;
	char *json;

	ips_fixture("ips-a.csv", 0, 5, NULL, 0);
	json = one_source("inward", "/ips-a.csv", "ips-csv", ", \"allow_private\": false");
	harvest_ok(json, 0, &rep);
	cr_assert_eq(rep.v[0].failed, 1);
	cr_assert_eq(rep.v[0].created, 0);
	cr_assert(strstr(rep.v[0].errors[0], "refused to connect to internal address 127.0.0.1"),
		  "%s", rep.v[0].errors[0]);
	cr_assert_eq(tu_lb_count(&srv, "/ips-a.csv", -1, 0), 0, "the server was reached");
	harvest_report_release(&rep);
	free(json);
	cr_assert_eq(counts().cases, 0);
}

Test(harvest, ocds_pages_follow_links_next_with_a_cap)
{
	struct harvest_report rep;
	struct cl_errbuf eb = {0};
	char *real = tu_shared("ocds/fictional-example-1.1/ocds-213czf-000-00001-02-tender.json");
	char *data, *dst = site_path("pkg.json"), *json;
	size_t len;

	/* (cr_skip_test would bypass the suite's .fini: the server and the
	 * directories would stay behind.) */
	if (!parsers_find("ocds"))
		return;
	data = tu_read_file(real, &len);
	cr_assert_not_null(data);
	tu_write_file(dst, data, len);

	json = one_source("paged", "/_page/pkg.json?page=1&of=3", "ocds", NULL);
	harvest_ok(json, 0, &rep);
	cr_assert_eq(rep.v[0].payloads, 3, "%s", rep.v[0].nerrors ? rep.v[0].errors[0] : "");
	cr_assert_eq(rep.v[0].fetched, 3);
	cr_assert_eq(rep.v[0].failed, 0);
	cr_assert_eq(rep.v[0].page_capped, 0);
	cr_assert_eq(tu_lb_count(&srv, "/_page/pkg.json?page=3&of=3", 200, 0), 1);
	harvest_report_release(&rep);
	cr_assert_eq(counts().raw_documents, 3);

	/* Again: no validators on this route, so identical payloads; the
	 * pages are still followed, nothing is parsed. */
	harvest_ok(json, 0, &rep);
	cr_assert_eq(rep.v[0].payloads, 3);
	cr_assert_eq(rep.v[0].identical, 3);
	cr_assert_eq(rep.v[0].created + rep.v[0].updated + rep.v[0].unchanged, 0);
	harvest_report_release(&rep);
	free(json);

	json = one_source("capped", "/_page/pkg.json?page=1&of=9", "ocds", ", \"max_pages\": 2");
	harvest_ok(json, 0, &rep);
	cr_assert_eq(rep.v[0].payloads, 2);
	cr_assert_eq(rep.v[0].page_capped, 1);
	harvest_report_release(&rep);
	free(json);

	json = one_source("loop", "/_page/pkg.json?page=1&of=1&loop=1", "ocds", NULL);
	harvest_ok(json, 0, &rep);
	cr_assert_eq(rep.v[0].payloads, 1, "a links.next to the same page was followed");
	cr_assert_eq(rep.v[0].page_capped, 1);
	harvest_report_release(&rep);
	free(json);

	json = one_source("nofollow", "/_page/pkg.json?page=1&of=9", "ocds",
			  ", \"follow_next\": false");
	harvest_ok(json, 0, &rep);
	cr_assert_eq(rep.v[0].payloads, 1);
	harvest_report_release(&rep);
	free(json);
	check_clean();
	(void)eb;
	free(data);
	free(real);
	free(dst);
}

/* A JSON Lines file cut in its last line: the cut line is rejected, the
 * others stored, and no links.next failure is made up. */
Test(harvest, ocds_jsonl_cut_in_last_line_is_no_paging_failure)
{
	static const char cut[] =
		"{\"ocid\": \"ocds-cut-1\", \"id\": \"1\", \"date\": \"2024-02-01T00:00:00Z\","
		" \"tender\": {\"title\": \"Skolmat\"}}\n"
		"{\"ocid\": \"ocds-cut-2\", \"id\": \"2\", \"date\": \"2024-02-02T00:00:00Z\","
		" \"tender\": {\"title\": \"Snöröjning\"}}\n"
		"{\"ocid\": \"ocds-cut-3\", \"id\": \"3\", \"tender\": {\"tit";
	struct harvest_report rep;
	char *dst = site_path("cut.jsonl"), *json;

	if (!parsers_find("ocds"))
		return;
	tu_write_file(dst, cut, strlen(cut));
	json = one_source("cut", "/cut.jsonl", "ocds", NULL);
	harvest_ok(json, 0, &rep);
	cr_assert_eq(rep.v[0].created, 2);
	cr_assert_eq(rep.v[0].rejected, 1);
	cr_assert_eq(rep.v[0].failed, 0, "%s", rep.v[0].nerrors ? rep.v[0].errors[0] : "");
	cr_assert_eq(rep.v[0].nerrors, 0);
	harvest_report_release(&rep);
	free(json);
	free(dst);
}

/* The sources file's "country" is the publisher's: it goes to records
 * whose buyer names none, and never over one the record has. */
Test(harvest, publisher_country_fills_records_without_one)
{
	static const char pkg[] =
		"{\"uri\": \"https://pub.example/p.json\", \"releases\": ["
		"{\"ocid\": \"ocds-pc-1\", \"id\": \"1\", \"date\": \"2024-02-01T00:00:00Z\","
		" \"tender\": {\"title\": \"Adquisición de medicamentos\"}},"
		"{\"ocid\": \"ocds-pc-2\", \"id\": \"2\", \"date\": \"2024-02-01T00:00:00Z\","
		" \"tender\": {\"title\": \"Obra pública\"}, \"buyer\": {\"id\": \"b\"},"
		" \"parties\": [{\"id\": \"b\", \"name\": \"X\", \"roles\": [\"buyer\"],"
		" \"address\": {\"countryName\": \"Guatemala\"}}]}]}";
	struct harvest_report rep;
	struct case_record c;
	struct cl_errbuf eb = {0};
	char *dst = site_path("pc.json"), *json;

	if (!parsers_find("ocds"))
		return;
	tu_write_file(dst, pkg, strlen(pkg));
	json = one_source("pc", "/pc.json", "ocds", ", \"country\": \"PY\"");
	harvest_ok(json, 0, &rep);
	cr_assert_eq(rep.v[0].created, 2);
	harvest_report_release(&rep);
	case_init(&c);
	cr_assert_eq(store_get_case(st, "ocds-pc-1", &c, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_eq(c.buyer.country, "PY");
	case_release(&c);
	cr_assert_eq(store_get_case(st, "ocds-pc-2", &c, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_eq(c.buyer.country, "GT");
	case_release(&c);
	free(json);
	/* a country that is no code is an error of the sources file */
	json = one_source("pc", "/pc.json", "ocds", ", \"country\": \"Paraguay\"");
	{
		struct sources ss;

		sources_init(&ss);
		cr_assert_eq(sources_parse(&ss, json, strlen(json), "test", &eb), CL_EINVAL);
		cr_assert(strstr(eb.msg, "$.sources[0].country"), "%s", eb.msg);
		sources_release(&ss);
	}
	free(json);
	free(dst);
}

Test(harvest, only_runs_the_named_source_even_when_disabled)
{
	char *json = NULL;
	struct sources ss;
	struct harvest_opts o;
	struct harvest_report rep;
	struct cl_errbuf eb = {0};

	cr_assert(asprintf(&json,
			   "{\"defaults\": {\"delay_ms\": 0, \"allow_private\": true}, \"sources\": ["
			   "{\"name\": \"a\", \"url\": \"http://127.0.0.1:%d/ips-a.csv\","
			   " \"format\": \"ips-csv\", \"licence\": \"x\"},"
			   "{\"name\": \"b\", \"url\": \"http://127.0.0.1:%d/ips-b.csv\","
			   " \"format\": \"ips-csv\", \"licence\": \"x\", \"enabled\": false}]}",
			   srv.port, srv.port) > 0);
	sources_init(&ss);
	harvest_report_init(&rep);
	cr_assert_eq(sources_parse(&ss, json, strlen(json), "t", &eb), CL_OK, "%s", eb.msg);
	memset(&o, 0, sizeof o);
	cr_assert_eq(harvest_run(st, &ss, &o, &rep, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(rep.n, 1, "a disabled source ran");
	cr_assert_str_eq(rep.v[0].name, "a");
	o.only = "b";
	cr_assert_eq(harvest_run(st, &ss, &o, &rep, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(rep.n, 1);
	cr_assert_str_eq(rep.v[0].name, "b");
	cr_assert_eq(rep.v[0].created, 10);
	o.only = "c";
	cr_assert_eq(harvest_run(st, &ss, &o, &rep, &eb), CL_ENOTFOUND);
	harvest_report_release(&rep);
	sources_release(&ss);
	free(json);
}

/* ---- `caselib harvest` ------------------------------------------------------ */

struct harvest_call {
	const char *data_dir;
	char **argv;
};

static int call_harvest(void *ud)
{
	const struct harvest_call *h = ud;
	struct cli_ctx ctx = {h->data_dir, "caselib"};
	int argc = 0;

	while (h->argv[argc])
		argc++;
	return cli_cmd_harvest(&ctx, argc, h->argv);
}

/* Runs cli_cmd_harvest in a child with stdout and stderr in files. */
static void run_cli(const char *data_dir, char **argv, struct tu_child *o)
{
	struct harvest_call h = {data_dir, argv};

	tu_fork_run(srv.dir, call_harvest, &h, o);
}

static void cli_release(struct tu_child *o)
{
	free(o->out);
	free(o->err);
}

static char *write_sources(const char *json)
{
	char *p = NULL;
	cr_assert(asprintf(&p, "%s/sources.json", srv.dir) > 0);
	tu_write_file(p, json, strlen(json));
	return p;
}

Test(harvest, cli_summary_rejects_and_exit_codes)
{
	struct tu_child o;
	char *json, *file, *nostore = NULL;
	char port[16];

	snprintf(port, sizeof port, "%d", srv.port);
	store_close(st); /* the command opens the store itself */
	st = NULL;

	/* 1: records rejected; the first ten shown as SOURCE: URL:LINE: reason. */
	json = one_source("bad", "/ips-bad.csv", "ips-csv", NULL);
	file = write_sources(json);
	{
		char *argv[] = {"harvest", "--sources", file, NULL};
		run_cli(datadir, argv, &o);
	}
	cr_assert_eq(o.code, CLI_EXIT_REJECTED, "%s%s", o.out, o.err);
	cr_assert(strstr(o.out, "bad (ips-csv): 10 new, 0 updated, 0 unchanged, 15 rejected"),
		  "%s", o.out);
	cr_assert(strstr(o.out, "harvest: 1 source: 10 new"), "%s", o.out);
	cr_assert_eq(tu_count(o.err, "bad: http://127.0.0.1:"), CLI_HARVEST_REJECTS_SHOWN, "%s",
		     o.err);
	cr_assert(strstr(o.err, "/ips-bad.csv:"), "%s", o.err);
	cr_assert(strstr(o.err, "... and 5 more rejected records (--verbose shows them)"), "%s",
		  o.err);
	cli_release(&o);

	/* --verbose --force: every reject. */
	{
		char *argv[] = {"harvest", "--sources", file, "--verbose", "--force", NULL};
		run_cli(datadir, argv, &o);
	}
	cr_assert_eq(o.code, CLI_EXIT_REJECTED);
	cr_assert_eq(tu_count(o.err, "bad: http://127.0.0.1:"), 15, "%s", o.err);
	cr_assert(strstr(o.out, "0 new, 0 updated, 10 unchanged, 15 rejected"), "%s", o.out);
	cli_release(&o);
	free(json);
	free(file);

	/* 0: all stored; then 0 again, everything not modified. */
	json = one_source("good", "/ips-a.csv", "ips-csv", NULL);
	file = write_sources(json);
	{
		char *argv[] = {"harvest", "--sources", file, NULL};
		run_cli(datadir, argv, &o);
		cr_assert_eq(o.code, CLI_EXIT_OK, "%s%s", o.out, o.err);
		/* Ten records repeat ips-bad.csv's good rows from another URL:
		 * one case each, with a second source. */
		cr_assert(strstr(o.out, "good (ips-csv): 20 new, 10 updated, 0 unchanged,"
					" 0 rejected (10 merged with a case from another source);"
					" 1 URL: 1 fetched"), "%s", o.out);
		cli_release(&o);
		run_cli(datadir, argv, &o);
		cr_assert_eq(o.code, CLI_EXIT_OK, "%s%s", o.out, o.err);
		cr_assert(strstr(o.out, "1 fetched") == NULL, "%s", o.out);
		cr_assert(strstr(o.out, "1 not modified"), "%s", o.out);
		cli_release(&o);
	}
	free(json);
	free(file);

	/* 4: a download failed. */
	json = one_source("down", "/missing.csv", "ips-csv", NULL);
	file = write_sources(json);
	{
		char *argv[] = {"harvest", "--sources", file, NULL};
		run_cli(datadir, argv, &o);
	}
	cr_assert_eq(o.code, CLI_EXIT_IO, "%s%s", o.out, o.err);
	cr_assert(strstr(o.err, "down: failed: http://127.0.0.1:"), "%s", o.err);
	cr_assert(strstr(o.err, "404"), "%s", o.err);
	cli_release(&o);

	/* 2: unknown source, bad option, invalid sources file; 4: unreadable. */
	{
		char *argv[] = {"harvest", "--sources", file, "--source", "nope", NULL};
		run_cli(datadir, argv, &o);
		cr_assert_eq(o.code, CLI_EXIT_USAGE);
		cr_assert(strstr(o.err, "no source named \"nope\""), "%s", o.err);
		cli_release(&o);
	}
	{
		char *argv[] = {"harvest", "--bogus", NULL};
		run_cli(datadir, argv, &o);
		cr_assert_eq(o.code, CLI_EXIT_USAGE);
		cli_release(&o);
	}
	free(file);
	file = write_sources("{\"sources\": [{\"name\": \"x\"}]}");
	{
		char *argv[] = {"harvest", "--sources", file, NULL};
		run_cli(datadir, argv, &o);
		cr_assert_eq(o.code, CLI_EXIT_USAGE);
		cr_assert(strstr(o.err, "$.sources[0].url: is required"), "%s", o.err);
		cli_release(&o);
	}
	{
		char *argv[] = {"harvest", "--sources", "no/such/file.json", NULL};
		run_cli(datadir, argv, &o);
		cr_assert_eq(o.code, CLI_EXIT_IO);
		cli_release(&o);
	}
	free(file);

	/* 3: no store. */
	file = write_sources(json);
	cr_assert(asprintf(&nostore, "%s/none", datadir) > 0);
	{
		char *argv[] = {"harvest", "--sources", file, NULL};
		run_cli(nostore, argv, &o);
		cr_assert_eq(o.code, CLI_EXIT_STORE);
		cr_assert(strstr(o.err, "init"), "%s", o.err);
		cli_release(&o);
	}
	free(nostore);
	free(file);
	free(json);
	(void)port;
}

/* ---- the fetch-state table (schema 2) --------------------------------------- */

/* Field-level rejection: an award dated 2105 (a typo at the source) is
 * left out, reported and named in the source entry; the record with its
 * title and buyer is stored. A record left without a title is still
 * rejected, and a case file (import's format) is still rejected whole. */
Test(harvest, a_bad_field_is_left_out_not_the_record)
{
	static const char pkg[] =
		"{\"uri\": \"https://aeropuertos.example/ocds\", \"releases\": ["
		"{\"ocid\": \"ocds-aero-90\", \"id\": \"90-award\", \"date\": \"2021-10-09T00:00:00Z\","
		" \"tender\": {\"title\": \"Mantenimiento de pistas\", \"procurementMethod\": \"open\"},"
		" \"buyer\": {\"id\": \"b\", \"name\": \"Grupo Aeroportuario\"},"
		" \"parties\": [{\"id\": \"b\", \"roles\": [\"buyer\"], \"address\": {\"countryName\": \"MX\"}}],"
		" \"awards\": [{\"id\": \"a1\", \"date\": \"2105-10-09T00:00:00Z\", \"status\": \"active\"}]}]}";
	struct harvest_report rep;
	struct case_record c;
	struct cl_errbuf eb = {0};
	struct tu_child o;
	char *dst = site_path("aero.json"), *json, *file;

	if (!parsers_find("ocds"))
		return;
	tu_write_file(dst, pkg, strlen(pkg));
	json = one_source("aero", "/aero.json", "ocds", NULL);
	harvest_ok(json, 0, &rep);
	cr_assert_eq(rep.v[0].created, 1, "%s", rep.v[0].nrejects ? rep.v[0].rejects[0].reason : "");
	cr_assert_eq(rep.v[0].rejected, 0);
	cr_assert_eq(rep.v[0].dropped, 1);
	cr_assert_eq(rep.v[0].ndrops, 1);
	cr_assert_str_eq(rep.v[0].drops[0].reason,
			 "ocds-aero-90: $.awarded: year 2105 is outside 1900..2100, field left out");
	harvest_report_release(&rep);
	case_init(&c);
	cr_assert_eq(store_get_case(st, "ocds-aero-90", &c, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_eq(c.title, "Mantenimiento de pistas");
	cr_assert_str_eq(c.buyer.name, "Grupo Aeroportuario");
	cr_assert_str_eq(c.buyer.country, "MX");
	cr_assert_str_eq(c.procedure, "open");
	cr_assert_null(c.awarded);
	cr_assert_eq(c.sources[0].dropped.n, 1);
	cr_assert_str_eq(c.sources[0].dropped.v[0], "$.awarded: year 2105 is outside 1900..2100");
	case_release(&c);

	/* the command reports it as SOURCE: RECORD: PATH: reason, field left out */
	store_close(st);
	st = NULL;
	file = write_sources(json);
	{
		char *argv[] = {"harvest", "--sources", file, "--force", NULL};
		run_cli(datadir, argv, &o);
	}
	cr_assert_eq(o.code, 0, "%s%s", o.out, o.err);
	cr_assert(strstr(o.err, "aero: ocds-aero-90: $.awarded: year 2105 is outside 1900..2100,"
				" field left out\n"), "%s", o.err);
	cr_assert(strstr(o.out, "1 field left out"), "%s", o.out);
	cli_release(&o);
	cr_assert_eq(store_open(datadir, 0, &st, &eb), CL_OK, "%s", eb.msg);
	free(file);
	free(json);

	/* a case file keeps rejecting the whole record (import's format) */
	{
		static const char cf[] =
			"{\"id\": \"imp-1\", \"kind\": \"case\", \"title\": \"T\", \"awarded\": \"2105-01-01\","
			" \"sources\": [{\"url\": \"https://x.example/1\", \"retrieved_at\": \"2026-01-01T00:00:00Z\"}]}";
		char *cdst = site_path("imp.json");

		tu_write_file(cdst, cf, strlen(cf));
		json = one_source("imp", "/imp.json", "case-json", NULL);
		harvest_ok(json, 0, &rep);
		cr_assert_eq(rep.v[0].created, 0);
		cr_assert_eq(rep.v[0].rejected, 1);
		cr_assert_eq(rep.v[0].dropped, 0);
		harvest_report_release(&rep);
		free(json);
		free(cdst);
	}
	check_clean();
	free(dst);
}

Test(harvest, fetch_state_table_migration_and_transactions)
{
	struct store_fetch_state fs;
	struct cl_errbuf eb = {0};
	sqlite3_stmt *q = NULL;
	char *body = NULL;
	size_t len = 0;

	store_fetch_state_init(&fs);
	cr_assert_eq(STORE_SCHEMA_VERSION, 6);
	/* Put, get, replace. */
	cr_assert_eq(store_get_fetch_state(st, "https://x/a", &fs, &eb), CL_ENOTFOUND);
	cr_assert_eq(store_put_fetch_state(st, "https://x/a", "\"e1\"", "Mon, 01 Jan 2024 00:00:00 GMT",
					   NULL, 200, NULL, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(store_get_fetch_state(st, "https://x/a", &fs, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_eq(fs.etag, "\"e1\"");
	cr_assert_str_eq(fs.last_modified, "Mon, 01 Jan 2024 00:00:00 GMT");
	cr_assert_null(fs.sha256);
	cr_assert_eq(fs.status, 200);
	cr_assert_eq(strlen(fs.fetched_at), 20);
	cr_assert_eq(store_put_fetch_state(st, "https://x/a", NULL, NULL,
					   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
					   304, "2026-01-01T00:00:00Z", &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(store_get_fetch_state(st, "https://x/a", &fs, &eb), CL_OK);
	cr_assert_null(fs.etag);
	cr_assert_eq(fs.status, 304);
	cr_assert_str_eq(fs.fetched_at, "2026-01-01T00:00:00Z");
	cr_assert_eq(store_put_fetch_state(st, "https://x/a", NULL, NULL, "ABC", 200, NULL, &eb),
		     CL_EINVAL);

	/* Inside a transaction that rolls back, nothing is kept. */
	cr_assert_eq(store_begin(st, &eb), CL_OK);
	cr_assert_eq(store_put_fetch_state(st, "https://x/b", "\"e\"", NULL, NULL, 200, NULL, &eb),
		     CL_OK);
	cr_assert_eq(store_rollback(st), CL_OK);
	cr_assert_eq(store_get_fetch_state(st, "https://x/b", &fs, &eb), CL_ENOTFOUND);

	/* Raw payloads read back. */
	cr_assert_eq(store_put_raw(st, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
				   "https://x/a", NULL, NULL, "", 0, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(store_get_raw(st, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
				   &body, &len, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(len, 0);
	cr_assert_str_eq(body, "");
	free(body);
	cr_assert_eq(store_get_raw(st, "0000000000000000000000000000000000000000000000000000000000000000",
				   &body, &len, &eb), CL_ENOTFOUND);

	/* A version-1 store (no fetch_state, no schema-3 statistics, no
	 * schema-4 token columns) is migrated on open. */
	cr_assert_eq(sqlite3_exec(store_db(st),
				  "DROP TABLE fetch_state; DROP TABLE stats_daily; DROP TABLE ocds_releases;"
				  " DROP TABLE stats_words;"
				  " DROP TABLE stats_zero_queries; DROP TABLE stats_facets;"
				  " DROP TABLE stats_case_views; DROP INDEX tokens_person;"
				  " ALTER TABLE tokens DROP COLUMN person;"
				  " ALTER TABLE tokens DROP COLUMN expires_at;"
				  " ALTER TABLE tokens DROP COLUMN last_used_at; PRAGMA user_version = 1",
				  NULL, NULL, NULL), SQLITE_OK);
	store_close(st);
	st = NULL;
	cr_assert_eq(store_open(datadir, STORE_READONLY, &st, &eb), CL_EDB,
		     "a read-only open migrated");
	cr_assert_eq(store_open(datadir, 0, &st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(sqlite3_prepare_v2(store_db(st), "PRAGMA user_version", -1, &q, NULL),
		     SQLITE_OK);
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	cr_assert_eq(sqlite3_column_int(q, 0), STORE_SCHEMA_VERSION);
	sqlite3_finalize(q);
	cr_assert_eq(store_get_fetch_state(st, "https://x/a", &fs, &eb), CL_ENOTFOUND);
	cr_assert_eq(store_put_fetch_state(st, "https://x/a", "\"e\"", NULL, NULL, 200, NULL, &eb),
		     CL_OK, "%s", eb.msg);
	check_clean();
	store_fetch_state_release(&fs);
}

/* ---- scripts/demo-sources ------------------------------------------------- */

/* Files below dir (recursively) whose name ends in one of the suffixes. */
static long count_files(const char *dir, const char *const *suffixes)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	long n = 0;

	cr_assert_not_null(d, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		char *p = NULL;
		struct stat sb;
		if (e->d_name[0] == '.')
			continue;
		cr_assert(asprintf(&p, "%s/%s", dir, e->d_name) > 0);
		if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			n += count_files(p, suffixes);
		} else {
			size_t l = strlen(e->d_name);
			for (size_t i = 0; suffixes[i]; i++) {
				size_t k = strlen(suffixes[i]);
				if (l > k && strcmp(e->d_name + l - k, suffixes[i]) == 0) {
					n++;
					break;
				}
			}
		}
		free(p);
	}
	closedir(d);
	return n;
}

/* The sources file of `make run` lists every real file of the shared data,
 * no eForms SDK example notice, and a publisher reference for every
 * source. */
Test(harvest, demo_sources_lists_every_real_file)
{
	static const char *const xml[] = {".xml", NULL};
	static const char *const json[] = {".json", ".jsonl", NULL};
	static const char *const modif[] = {"-modif.xml", NULL};
	char *data = tu_shared(""), *out = NULL, *err = NULL, *p;
	char *argv[] = {"scripts/demo-sources", "8123", data, NULL};
	struct sources ss;
	struct cl_errbuf eb = {0};
	long want_eforms, want_tedxml, want_ocds, got_eforms = 0, got_tedxml = 0, got_ocds = 0;
	long got_csv = 0;

	cr_assert_eq(tu_run(argv, NULL, &out, &err), 0, "%s", err);
	sources_init(&ss);
	cr_assert_eq(sources_parse(&ss, out, strlen(out), "demo-sources", &eb), CL_OK, "%s",
		     eb.msg);
	/* test material is not corpus: the eForms SDK's example notices, the
	 * hand-modified TED variant, OCP's fictional example */
	p = tu_shared("ted-eforms");
	want_eforms = count_files(p, xml) - count_files(p, modif);
	cr_assert_eq(count_files(p, modif), 1);
	free(p);
	p = tu_shared("ted-xml");
	want_tedxml = count_files(p, xml);
	free(p);
	p = tu_shared("ocds");
	want_ocds = count_files(p, json);
	free(p);
	p = tu_shared("ocds/fictional-example-1.1");
	want_ocds -= count_files(p, json);
	cr_assert_gt(count_files(p, json), 0);
	free(p);
	for (size_t i = 0; i < ss.n; i++) {
		const struct source *s = &ss.v[i];
		cr_expect_eq(s->fetch.delay_ms, 0, "%s: a loopback mirror needs no delay", s->name);
		/* records name the publisher (the format's page, or an https
		 * base), never the mirror they were fetched from */
		cr_assert_neq(s->ref, SOURCES_REF_FETCHED, "%s: no ref_base", s->name);
		if (s->ref == SOURCES_REF_BASE) {
			cr_assert_eq(strncmp(s->ref_base, "https://", 8), 0, "%s", s->ref_base);
			cr_assert_null(strstr(s->ref_base, "127.0.0.1"), "%s", s->ref_base);
		}
		for (size_t k = 0; k < s->nurls; k++) {
			char *local = NULL;
			cr_assert_eq(strncmp(s->urls[k], "http://127.0.0.1:8123/", 22), 0, "%s",
				     s->urls[k]);
			cr_assert_null(strstr(s->urls[k], "/eforms-sdk/"), "%s: an SDK example",
				       s->urls[k]);
			cr_assert_null(strstr(s->urls[k], "-modif.xml"), "%s", s->urls[k]);
			cr_assert_null(strstr(s->urls[k], "fictional"), "%s", s->urls[k]);
			cr_assert(asprintf(&local, "%s/%s", data, s->urls[k] + 22) > 0);
			cr_expect_eq(access(local, R_OK), 0, "%s is not a file of the data", local);
			free(local);
			if (!strcmp(s->format, "eforms"))
				got_eforms++;
			else if (!strcmp(s->format, "ted-xml"))
				got_tedxml++;
			else if (!strcmp(s->format, "ocds"))
				got_ocds++;
			else
				got_csv++;
		}
	}
	cr_assert_eq(got_eforms, want_eforms);
	cr_assert_eq(got_tedxml, want_tedxml);
	cr_assert_eq(got_ocds, want_ocds);
	cr_assert_eq(got_csv, 2);
	cr_assert(sources_find(&ss, "ips-cases") && sources_find(&ss, "uhm-2021"));
	cr_assert_null(sources_find(&ss, "eforms-sdk-examples"));
	sources_release(&ss);
	free(out);
	free(err);
	free(data);
}

/* ---- the real files through the loopback server ----------------------------- */

static struct tu_lb real_srv;
static char *real_data;

static void real_setup(void)
{
	struct cl_errbuf eb = {0};
	char *root = tu_shared("");

	unsetenv("http_proxy");
	cr_assert_eq(tax_load(&eb), CL_OK, "%s", eb.msg);
	real_data = tu_tmpdir();
	tu_lb_start(&real_srv, root);
	free(root);
	cr_assert_eq(store_open(real_data, STORE_CREATE, &st, &eb), CL_OK, "%s", eb.msg);
}

static void real_teardown(void)
{
	store_close(st);
	st = NULL;
	tu_lb_stop(&real_srv);
	tu_rmtree(real_data);
	free(real_data);
	real_data = NULL;
}

TestSuite(harvest_real, .init = real_setup, .fini = real_teardown, .timeout = 600);

/* Adds a source of format with the files (relative to the data) to the
 * JSON being built and tallies what the parser makes of them. */
static void add_real(char **json, struct tally *t, const char *name, const char *format,
		     const char *const *files, size_t n)
{
	char *j = *json, *nj = NULL, *urls = strdup("");

	for (size_t i = 0; i < n; i++) {
		char *path = tu_shared(files[i]), *u = NULL;
		tally_file(t, format, path);
		cr_assert(asprintf(&u, "%s%s\"http://127.0.0.1:%d/%s\"", urls, i ? ", " : "",
				   real_srv.port, files[i]) > 0);
		free(urls);
		urls = u;
		free(path);
	}
	cr_assert(asprintf(&nj, "%s%s{\"name\": \"%s\", \"urls\": [%s], \"format\": \"%s\","
			   " \"licence\": \"as published\", \"ref_base\": null,"
			   " \"max_bytes\": 67108864}",
			   j, strchr(j, '{') && j[strlen(j) - 1] != '[' ? ", " : "", name, urls,
			   format) > 0);
	free(j);
	free(urls);
	*json = nj;
}

/* Up to max files with one of the suffixes directly in dir (relative to
 * the data), sorted. */
static size_t list_dir(const char *rel, const char *suffix, char **out, size_t max)
{
	char *dir = tu_shared(rel);
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	cr_assert_not_null(d, "%s", dir);
	while ((e = readdir(d)) && n < max) {
		size_t l = strlen(e->d_name), k = strlen(suffix);
		if (l > k && strcmp(e->d_name + l - k, suffix) == 0)
			cr_assert(asprintf(&out[n++], "%s/%s", rel, e->d_name) > 0);
	}
	closedir(d);
	qsort(out, n, sizeof *out, cmp_str);
	free(dir);
	return n;
}

Test(harvest_real, real_files_give_the_parsers_count_and_rerun_downloads_nothing)
{
	static const char *const csv_se[] = {"se-procurements-2021/number_of_procurements.csv"};
	static const char *const csv_ips[] = {"ips-cases/cases.csv"};
	struct tally t = {0};
	struct harvest_report rep;
	struct sources ss;
	struct harvest_opts o;
	struct store_counts c1, c2;
	struct cl_errbuf eb = {0};
	char *json = strdup("{\"defaults\": {\"delay_ms\": 0, \"allow_private\": true}, \"sources\": [");
	char *files[128];
	size_t nf, nurls = 2;
	long created = 0, rejected = 0;

	add_real(&json, &t, "uhm-2021", "se-stats-csv", csv_se, 1);
	add_real(&json, &t, "ips-cases", "ips-csv", csv_ips, 1);
	/* The other formats, when their parsers are in the build. */
	if (parsers_find("eforms")) {
		nf = list_dir("ted-eforms", ".xml", files, 128);
		add_real(&json, &t, "ted-eforms", "eforms", (const char *const *)files, nf);
		nurls += nf;
		for (size_t i = 0; i < nf; i++)
			free(files[i]);
	}
	if (parsers_find("ted-xml")) {
		nf = list_dir("ted-xml/test-notices", ".xml", files, 128);
		add_real(&json, &t, "ted-xml", "ted-xml", (const char *const *)files, nf);
		nurls += nf;
		for (size_t i = 0; i < nf; i++)
			free(files[i]);
	}
	if (parsers_find("ocds")) {
		nf = list_dir("ocds/fictional-example-1.1", ".json", files, 128);
		add_real(&json, &t, "ocds-fictional", "ocds", (const char *const *)files, nf);
		nurls += nf;
		for (size_t i = 0; i < nf; i++)
			free(files[i]);
	}
	{
		char *j = NULL;
		cr_assert(asprintf(&j, "%s]}", json) > 0);
		free(json);
		json = j;
	}
	sources_init(&ss);
	harvest_report_init(&rep);
	cr_assert_eq(sources_parse(&ss, json, strlen(json), "real", &eb), CL_OK, "%s", eb.msg);
	memset(&o, 0, sizeof o);
	cr_assert_eq(harvest_run(st, &ss, &o, &rep, &eb), CL_OK, "%s", eb.msg);
	for (size_t i = 0; i < rep.n; i++) {
		cr_expect_eq(rep.v[i].failed, 0, "%s: %s", rep.v[i].name,
			     rep.v[i].nerrors ? rep.v[i].errors[0] : "");
		created += rep.v[i].created;
		rejected += rep.v[i].rejected;
	}
	c1 = counts();
	cr_assert_eq(c1.cases, tally_distinct(&t),
		     "%ld cases stored, the parsers give %ld distinct ids", c1.cases,
		     tally_distinct(&t));
	cr_assert_eq(created, c1.cases);
	cr_assert_eq(rejected, t.rejected);
	cr_assert_geq(c1.cases, 18421 - t.rejected);
	check_clean();
	harvest_report_release(&rep);

	/* Unchanged sources: every URL answers 304; no body, no version. */
	cr_assert_eq(harvest_run(st, &ss, &o, &rep, &eb), CL_OK, "%s", eb.msg);
	for (size_t i = 0; i < rep.n; i++) {
		cr_expect_eq(rep.v[i].not_modified, rep.v[i].payloads, "%s", rep.v[i].name);
		cr_expect_eq(rep.v[i].bytes, 0, "%s downloaded a body", rep.v[i].name);
		cr_expect_eq(rep.v[i].created + rep.v[i].updated + rep.v[i].unchanged, 0);
	}
	c2 = counts();
	cr_assert_eq(c2.versions, c1.versions);
	cr_assert_eq(c2.changes, c1.changes);
	cr_assert_eq(c2.raw_documents, c1.raw_documents);
	cr_assert_eq(tu_lb_count(&real_srv, "/", 304, 1), (int)nurls,
		     "the server did not see a conditional request per URL");
	cr_assert_eq(tu_lb_count(&real_srv, "/", 200, 0), (int)nurls, "a body was downloaded twice");
	harvest_report_release(&rep);
	sources_release(&ss);
	tally_release(&t);
	free(json);
}

static long sql_count(const char *sql)
{
	sqlite3_stmt *q = NULL;
	long n;

	cr_assert_eq(sqlite3_prepare_v2(store_db(st), sql, -1, &q, NULL), SQLITE_OK, "%s: %s", sql,
		     sqlite3_errmsg(store_db(st)));
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return n;
}

/* The demo corpus as scripts/demo-store harvests it (the statistics file
 * aside, whose 18,421 rows the test above stores): no record names the
 * loopback mirror as its source, none comes from the eForms SDK examples,
 * the hand-modified TED variant or OCP's fictional example, and a re-run
 * answers every URL "not modified". */
Test(harvest_real, demo_corpus_names_publishers_not_the_mirror)
{
	char *data = tu_shared(""), *out = NULL, *err = NULL, port[16];
	char *argv[] = {"scripts/demo-sources", port, data, NULL};
	struct sources ss;
	struct harvest_report rep;
	struct harvest_opts o;
	struct cl_errbuf eb = {0};
	long created = 0, payloads = 0;

	snprintf(port, sizeof port, "%d", real_srv.port);
	cr_assert_eq(tu_run(argv, NULL, &out, &err), 0, "%s", err);
	sources_init(&ss);
	harvest_report_init(&rep);
	cr_assert_eq(sources_parse(&ss, out, strlen(out), "demo-sources", &eb), CL_OK, "%s",
		     eb.msg);
	for (size_t i = 0; i < ss.n; i++)
		if (strcmp(ss.v[i].name, "uhm-2021") == 0)
			ss.v[i].enabled = 0;
	memset(&o, 0, sizeof o);
	cr_assert_eq(harvest_run(st, &ss, &o, &rep, &eb), CL_OK, "%s", eb.msg);
	for (size_t i = 0; i < rep.n; i++) {
		cr_expect_eq(rep.v[i].failed, 0, "%s: %s", rep.v[i].name,
			     rep.v[i].nerrors ? rep.v[i].errors[0] : "");
		cr_expect_eq(rep.v[i].rejected, 0, "%s rejected records", rep.v[i].name);
		created += rep.v[i].created;
	}
	cr_assert_gt(created, 1000);
	cr_assert_eq(sql_count("SELECT count(*) FROM cases"), created);
	/* every source entry of every version names a publisher */
	cr_assert_eq(sql_count("SELECT count(*) FROM sources WHERE url LIKE 'http://127.%'"
			       " OR url LIKE '%://localhost%' OR url LIKE '%eforms-sdk%'"), 0);
	cr_assert_gt(sql_count("SELECT count(*) FROM sources WHERE url LIKE"
			       " 'https://ted.europa.eu/%'"), 90);
	/* the payloads came through the mirror, none from the SDK examples */
	cr_assert_eq(sql_count("SELECT count(*) FROM raw_documents WHERE url LIKE '%eforms-sdk%'"
			       " OR url LIKE '%-modif.xml' OR url LIKE '%fictional%'"), 0);
	cr_assert_eq(sql_count("SELECT count(*) FROM raw_documents WHERE url NOT LIKE"
			       " 'http://127.0.0.1:%'"), 0);
	cr_assert_eq(sql_count("SELECT count(*) FROM cases WHERE doc LIKE '%Lost Highway%'"
			       " OR doc LIKE '%ProPrName%' OR doc LIKE '%(Test)%'"
			       " OR doc LIKE '%Planned cycle lane%'"), 0);
	harvest_report_release(&rep);

	/* re-run: not modified, nothing written */
	cr_assert_eq(harvest_run(st, &ss, &o, &rep, &eb), CL_OK, "%s", eb.msg);
	for (size_t i = 0; i < rep.n; i++) {
		cr_expect_eq(rep.v[i].not_modified, rep.v[i].payloads, "%s", rep.v[i].name);
		cr_expect_eq(rep.v[i].created + rep.v[i].updated + rep.v[i].unchanged, 0);
		payloads += rep.v[i].payloads;
	}
	cr_assert_gt(payloads, 100);
	harvest_report_release(&rep);
	sources_release(&ss);
	free(out);
	free(err);
	free(data);
}
