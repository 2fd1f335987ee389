/* test_onerule.c — one rule in one place: the facet table (corpus/facet.h)
 * is what the engines, the API parameters, the OpenAPI enums, GET
 * /v1/facets and the CLI options follow; one request parser (api/sreq.h)
 * checks a search the same way from the API and the CLI, and the CLI's
 * --json prints exactly the API's JSON. Over a store of the first rows of
 * the real procurement statistics. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine.h"
#include "facet.h"
#include "parse_sestat.h"
#include "parsers.h"
#include "sources.h"
#include "routes.h"
#include "server.h"
#include "sreq.h"
#include "store.h"
#include "taxonomy.h"
#include "testutil.h"

#define NROWS 400

static char *g_dir;
static struct srv *g_srv;
static char g_base[64];

static void load(const char *dir)
{
	struct store *s = NULL;
	struct cl_errbuf eb = {0};

	cr_assert_eq(store_open(dir, STORE_CREATE, &s, &eb), CL_OK, "%s", eb.msg);
	tu_sestat_first(s, NROWS);
	store_close(s);
}

static void serve(enum engine_kind k)
{
	struct srv_config cfg;

	srv_stop(g_srv);
	tu_srv_config(&cfg, g_dir, NULL);
	cfg.engine = k;
	g_srv = tu_srv_start(&cfg, g_base, sizeof g_base);
}

static void setup(void)
{
	g_dir = tu_tmpdir();
	load(g_dir);
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void teardown(void)
{
	tu_srv_drop(&g_srv, &g_dir, NULL);
}

static json_t *api_get(const char *path, long want_status)
{
	char url[2048];
	struct tu_resp r;
	json_t *j;

	snprintf(url, sizeof url, "%s%s", g_base, path);
	tu_http_request("GET", url, NULL, NULL, 0, NULL, &r);
	cr_assert_eq(r.status, want_status, "%s: status %ld: %s", path, r.status, r.body);
	cr_assert_not_null(r.json, "%s: not JSON: %s", path, r.body);
	j = r.json;
	r.json = NULL;
	tu_resp_free(&r);
	return j;
}

/* caselib --data DIR search ARGS... --json; asserts exit status want. */
static json_t *cli_json(const char *const *args, int want, char **err_out)
{
	char *argv[32], *out = NULL, *err = NULL;
	size_t n = 0;
	json_t *j = NULL;
	json_error_t je;
	int rc;

	argv[n++] = (char *)(uintptr_t)tu_bin();
	argv[n++] = "--data";
	argv[n++] = g_dir;
	argv[n++] = "search";
	for (; *args; args++)
		argv[n++] = (char *)(uintptr_t)*args;
	argv[n] = NULL;
	rc = tu_run(argv, NULL, &out, &err);
	cr_assert_eq(rc, want, "exit %d, want %d: %s", rc, want, err);
	if (want == 0) {
		j = json_loads(out, 0, &je);
		cr_assert_not_null(j, "CLI --json is not JSON: %s", je.text);
	}
	if (err_out)
		*err_out = err;
	else
		free(err);
	free(out);
	return j;
}

/* ---- the facet table ------------------------------------------------------ */

Test(onerule, facet_table_rows_are_complete_and_unique)
{
	cr_assert_eq(tax_load(NULL), CL_OK);
	cr_assert_eq((int)EF_COUNT, FACET_COUNT);
	for (int f = 0; f < FACET_COUNT; f++) {
		const struct facet_def *d = facet_def(f);
		cr_assert_not_null(d);
		cr_assert_str_eq(engine_facet_name((enum engine_facet)f), d->name);
		cr_assert_eq(facet_from_name(d->name), f);
		cr_assert_eq(facet_from_cli(d->cli), f);
		cr_assert(d->label_sv && *d->label_sv && d->label_en && *d->label_en);
		if (d->vocab != FACET_NO_VOCAB) {
			size_t n = 0;
			cr_assert_not_null(tax_entries((enum tax_facet)d->vocab, &n));
			cr_assert_gt(n, 0, "facet %s has an empty vocabulary", d->name);
			cr_assert_str_eq(tax_facet_name((enum tax_facet)d->vocab), d->name,
					 "facet %s names vocabulary %s", d->name,
					 tax_facet_name((enum tax_facet)d->vocab));
		}
		for (int g = 0; g < f; g++) {
			cr_assert_str_neq(facet_def(g)->prefix, d->prefix);
			cr_assert_str_neq(facet_def(g)->cli, d->cli);
		}
	}
	cr_assert_null(facet_def(FACET_COUNT));
	cr_assert_null(facet_def(-1));
}

Test(onerule, one_value_rule)
{
	char buf[160];

	cr_assert_eq(tax_load(NULL), CL_OK);
	cr_assert_null(facet_check_value(FACET_SECTORS, "health", buf, sizeof buf));
	cr_assert_not_null(strstr(facet_check_value(FACET_SECTORS, "healthy", buf, sizeof buf),
				  "unknown sectors code 'healthy'"));
	cr_assert_null(facet_check_value(FACET_LANGUAGE, "sv", buf, sizeof buf));
	cr_assert_not_null(facet_check_value(FACET_LANGUAGE, "swe", buf, sizeof buf));
	cr_assert_not_null(facet_check_value(FACET_LANGUAGE, "SV", buf, sizeof buf));
	cr_assert_null(facet_check_value(FACET_COUNTRY, "SE", buf, sizeof buf));
	cr_assert_not_null(facet_check_value(FACET_COUNTRY, "se", buf, sizeof buf));
	cr_assert_null(facet_check_value(FACET_YEAR, "2021", buf, sizeof buf));
	cr_assert_not_null(facet_check_value(FACET_YEAR, "21", buf, sizeof buf));
	cr_assert_not_null(facet_check_value(FACET_KIND, "", buf, sizeof buf));
	cr_assert_not_null(facet_check_value(FACET_KIND, "a b", buf, sizeof buf));
	cr_assert_not_null(facet_check_value(FACET_KIND, "\xc3", buf, sizeof buf));
	cr_assert_not_null(facet_check_value(FACET_COUNT, "x", buf, sizeof buf));
}

Test(onerule, parser_collects_every_problem_with_its_path)
{
	struct sreq sq;
	json_t *e;
	size_t i;
	int seen_lang = 0, seen_limit = 0, seen_sector = 0;

	cr_assert_eq(tax_load(NULL), CL_OK);
	sreq_init(&sq, SREQ_SEARCH);
	sreq_param(&sq, "language", "swe");
	sreq_param(&sq, "limit", "1000");
	sreq_param(&sq, "sectors", "health,nosuch");
	sreq_param(&sq, "q", "skola");
	cr_assert(sreq_failed(&sq));
	json_array_foreach(sq.errors, i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		seen_lang += !strcmp(p, "query.language");
		seen_limit += !strcmp(p, "query.limit");
		seen_sector += !strcmp(p, "query.sectors");
	}
	cr_assert_eq(seen_lang, 1);
	cr_assert_eq(seen_limit, 1);
	cr_assert_eq(seen_sector, 1, "only the unknown sector is wrong");
	cr_assert_eq(sq.rq.nfilters[EF_SECTORS], 2);
	cr_assert_str_eq(sq.rq.text, "skola");
	sreq_release(&sq);
}

/* The defect: the route let language=swe through and the engine refused it
 * with the path "query" instead of "query.language". */
Test(onerule, language_filter_is_refused_at_its_parameter, .init = setup, .fini = teardown)
{
	json_t *j, *e0;
	char *err = NULL;
	const char *args[] = {"--language", "swe", "--json", "skola", NULL};

	serve(ENGINE_XAPIAN);
	j = api_get("/v1/search?q=skola&language=swe", 400);
	e0 = json_array_get(json_object_get(j, "errors"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(e0, "path")), "query.language");
	cr_assert_not_null(strstr(json_string_value(json_object_get(e0, "reason")), "two lower-case"));
	json_decref(j);
	json_decref(cli_json(args, 2, &err));
	cr_assert_not_null(strstr(err, "--language: a language is two lower-case letters"), "%s", err);
	free(err);
}

/* The two most frequent sectors among the cases matching text (asked of
 * the API), as "a,b" into out. */
static void top_sectors(const char *text, char *out, size_t cap)
{
	char path[256];
	json_t *j, *sec;

	snprintf(path, sizeof path, "/v1/search?q=%s&facets=sectors&limit=0", text);
	j = api_get(path, 200);
	sec = json_object_get(json_object_get(j, "facets"), "sectors");
	cr_assert_geq(json_array_size(sec), 2, "%s: fewer than two sectors", path);
	snprintf(out, cap, "%s,%s",
		 json_string_value(json_object_get(json_array_get(sec, 0), "code")),
		 json_string_value(json_object_get(json_array_get(sec, 1), "code")));
	json_decref(j);
}

static void compare_cli_and_api(enum engine_kind k)
{
	const char *eng = engine_kind_name(k);
	char sectors[128], q1[256], s0[64], s1[64];

	/* the CLI first: it creates and syncs the index the server then reads */
	{
		const char *a[] = {"--engine", eng, "--json", "skola", NULL};
		json_decref(cli_json(a, 0, NULL));
	}
	serve(k);
	top_sectors("skola", sectors, sizeof sectors);
	sscanf(sectors, "%63[^,],%63s", s0, s1);
	snprintf(q1, sizeof q1, "q=skola&sectors=%s&facets=sectors,kind&limit=5", sectors);
	for (size_t i = 0; i < 3; i++) {
		const char *a0[] = {"--engine", eng, "--json", "--facets", "all", "skola", NULL};
		const char *a1[] = {"--engine", eng, "--json", "--sector", s0, "--sector", s1,
				    "--facets", "sectors,kind", "--limit", "5", "skola", NULL};
		const char *a2[] = {"--engine", eng, "--json", "--year", "2021", "--sort",
				    "date-asc", "--offset", "3", "--limit", "4", "--facets",
				    "year", NULL};
		const char *q[] = {"q=skola&facets=all", q1,
				   "q=&year=2021&sort=date-asc&offset=3&limit=4&facets=year"};
		const char *const *args = i == 0 ? a0 : i == 1 ? a1 : a2;
		json_t *cli = cli_json(args, 0, NULL), *api;
		char path[512];
		char *a, *b;

		snprintf(path, sizeof path, "/v1/search?%s", q[i]);
		api = api_get(path, 200);
		cr_assert_gt(json_array_size(json_object_get(api, "hits")), 0, "%s finds nothing",
			     path);
		a = json_dumps(cli, JSON_SORT_KEYS);
		b = json_dumps(api, JSON_SORT_KEYS);
		cr_assert(json_equal(cli, api), "%s %s: CLI and API differ:\nCLI %.600s\nAPI %.600s",
			  eng, path, a, b);
		free(a);
		free(b);
		json_decref(cli);
		json_decref(api);
	}
}

Test(onerule, cli_json_is_the_api_json_xapian, .init = setup, .fini = teardown, .timeout = 120)
{
	compare_cli_and_api(ENGINE_XAPIAN);
}

Test(onerule, cli_json_is_the_api_json_fts5, .init = setup, .fini = teardown, .timeout = 120)
{
	compare_cli_and_api(ENGINE_FTS5);
}

/* Every row of the table reaches GET /v1/facets, the OpenAPI parameters
 * (with the vocabulary as enum) and the CLI options. */
Test(onerule, the_table_reaches_every_surface, .init = setup, .fini = teardown, .timeout = 120)
{
	json_t *facets, *doc, *order, *params;
	size_t i;
	json_t *p;

	serve(ENGINE_XAPIAN);
	facets = api_get("/v1/facets", 200);
	order = json_object_get(facets, "order");
	cr_assert_eq(json_array_size(order), FACET_COUNT);
	for (int f = 0; f < FACET_COUNT; f++) {
		int found = 0;
		json_array_foreach(order, i, p)
			found += !strcmp(json_string_value(json_object_get(p, "name")), facet_name(f));
		cr_assert_eq(found, 1, "facet %s not once in /v1/facets order", facet_name(f));
		cr_assert_not_null(json_object_get(json_object_get(facets, "facets"), facet_name(f)));
	}
	json_decref(facets);

	doc = api_get("/openapi.json", 200);
	params = json_object_get(
		json_object_get(json_object_get(json_object_get(doc, "paths"), "/v1/search"), "get"),
		"parameters");
	for (int f = 0; f < FACET_COUNT; f++) {
		const struct facet_def *d = facet_def(f);
		json_t *found = NULL;
		json_array_foreach(params, i, p)
			if (!strcmp(json_string_value(json_object_get(p, "name")), d->name))
				found = p;
		cr_assert_not_null(found, "/v1/search has no parameter %s", d->name);
		if (d->vocab != FACET_NO_VOCAB) {
			size_t n;
			const struct tax_entry *te = tax_entries((enum tax_facet)d->vocab, &n);
			json_t *en = json_object_get(
				json_object_get(json_object_get(found, "schema"), "items"), "enum");
			cr_assert_eq(json_array_size(en), n, "enum of %s", d->name);
			for (size_t k = 0; k < n; k++)
				cr_assert_str_eq(json_string_value(json_array_get(en, k)), te[k].code);
		}
	}
	json_decref(doc);
	srv_stop(g_srv);
	g_srv = NULL;

	/* every facet is in the search command's help ... */
	{
		char *argv[] = {(char *)(uintptr_t)tu_bin(), "search", "--help", NULL};
		char *out = NULL;
		cr_assert_eq(tu_run(argv, NULL, &out, NULL), 0);
		for (int f = 0; f < FACET_COUNT; f++) {
			char opt[64];
			snprintf(opt, sizeof opt, "  --%s ", facet_def(f)->cli);
			cr_assert_not_null(strstr(out, opt), "search --help lacks %s", opt);
		}
		free(out);
	}
	/* ... and a CLI option taking a valid value */
	for (int f = 0; f < FACET_COUNT; f++) {
		const struct facet_def *d = facet_def(f);
		char opt[64];
		const char *value = "sv";
		size_t n;
		if (d->vocab != FACET_NO_VOCAB)
			value = tax_entries((enum tax_facet)d->vocab, &n)[0].code;
		else if (d->from == FACET_FROM_YEAR)
			value = "2021";
		else if (d->from == FACET_FROM_COUNTRY)
			value = "SE";
		snprintf(opt, sizeof opt, "--%s", d->cli);
		{
			const char *args[] = {"--json", opt, value, NULL};
			json_decref(cli_json(args, 0, NULL));
		}
	}
}

/* An anonymous write is refused (401) as soon as its headers are read:
 * the server does not wait for, read or parse the body it announced (the
 * defect: it read the whole body first, up to the body deadline). */
static void anonymous_write_gets_401_before_the_body(const char *head)
{
	struct sockaddr_in a;
	struct pollfd p;
	char buf[2048];
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)srv_port(g_srv));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	cr_assert_eq(send(fd, head, strlen(head), 0), (ssize_t)strlen(head));
	/* no body is sent: the answer must come anyway, well before the
	 * 60 s body deadline */
	p.fd = fd;
	p.events = POLLIN;
	cr_assert_eq(poll(&p, 1, 10000), 1, "no answer without the body: %s", head);
	n = recv(fd, buf, sizeof buf - 1, 0);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	cr_assert(!strncmp(buf, "HTTP/1.1 401", 12), "%s", buf);
	cr_assert_not_null(strstr(buf, "needs a bearer token"), "%s", buf);
	close(fd);
}

Test(onerule, anonymous_write_refused_before_its_body, .init = setup, .fini = teardown,
     .timeout = 60)
{
	serve(ENGINE_XAPIAN);
	anonymous_write_gets_401_before_the_body(
		"POST /v1/submissions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
		"Content-Length: 500000\r\n\r\n");
	anonymous_write_gets_401_before_the_body(
		"PUT /v1/submissions/sub-0123456789ab HTTP/1.1\r\nHost: x\r\n"
		"Content-Type: application/json\r\nContent-Length: 9000\r\n\r\n");
	anonymous_write_gets_401_before_the_body(
		"POST /v1/review/sub-0123456789ab/decision HTTP/1.1\r\nHost: x\r\n"
		"Content-Type: application/json\r\nContent-Length: 40\r\n\r\n");
}

/* The sources file knows the formats the parser registry has, and no
 * other list: each registry format is accepted, an unknown one is refused
 * with the registry's names, and following next-page links is the default
 * exactly for the formats with a paging hook. */
Test(onerule, source_formats_come_from_the_parser_registry)
{
	size_t n;
	const struct parser_def *d = parsers_all(&n);

	cr_assert_gt(n, 5);
	for (size_t i = 0; i < n; i++) {
		char text[1024];
		struct sources ss;
		struct cl_errbuf eb = {0};
		int rc;

		snprintf(text, sizeof text,
			 "{\"sources\": [{\"name\": \"s\", \"url\": \"https://example.org/x\","
			 " \"format\": \"%s\", \"licence\": \"CC0-1.0\"%s}]}",
			 d[i].format,
			 strcmp(d[i].format, "ted-search") ? "" : ", \"query\": \"buyer-country=SWE\"");
		sources_init(&ss);
		rc = sources_parse(&ss, text, strlen(text), "test", &eb);
		cr_assert_eq(rc, CL_OK, "%s: %s", d[i].format, eb.msg);
		cr_assert(sources_known_format(d[i].format));
		cr_assert_eq(ss.v[0].follow_next, d[i].next != NULL, "%s: follow_next", d[i].format);
		sources_release(&ss);
	}
	{
		const char *text = "{\"sources\": [{\"name\": \"s\", \"url\": \"https://example.org/x\","
				   " \"format\": \"pdf\", \"licence\": \"CC0-1.0\"}]}";
		struct sources ss;
		struct cl_errbuf eb = {0};

		sources_init(&ss);
		cr_assert_eq(sources_parse(&ss, text, strlen(text), "test", &eb), CL_EINVAL);
		for (size_t i = 0; i < n; i++)
			cr_assert_not_null(strstr(eb.msg, d[i].format), "%s lacks %s", eb.msg,
					   d[i].format);
		sources_release(&ss);
	}
}
