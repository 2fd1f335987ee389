/* test_ocds_merge.c — one contracting process spread over several OCDS
 * payloads is one case compiled from all of its releases, whatever order
 * the payloads come in (indexer/parse_ocds.c with the store's
 * ocds_releases, docs/harvest.md "OCDS: releases kept and compiled").
 * The hand-written fixtures in tests/fixtures/ocds/merge reproduce what a
 * harvest of real publishers got wrong: a record followed by a later
 * contract release lost the buyer, value and award date; three release
 * files of one ocid gave a different case in another order; equal dates
 * were ordered by arrival. The files are served by the loopback server and
 * harvested in many orders into fresh stores; the cases must be equal
 * apart from retrieval times, versions and the order of their sources. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "harvest.h"
#include "parsers.h"
#include "sources.h"
#include "store.h"
#include "taxonomy.h"
#include "testutil.h"

#define FIXDIR "tests/fixtures/ocds/merge"

static const char *const files[] = {
	"py-record.json", "py-contract.json", "jal-planning.json", "jal-tender.json",
	"jal-award.json", "jal-award-fix-and-aero.jsonl",
};
#define NFILES (sizeof files / sizeof files[0])

static const char *const ids[] = {
	"ocds-03ad3f-900001", "ocds-xs1qbl-demo-0001-00-2017", "ocds-aero-0090",
};
#define NIDS (sizeof ids / sizeof ids[0])

static struct tu_lb srv;

static void setup(void)
{
	struct cl_errbuf eb = {0};
	char root[PATH_MAX];

	tu_no_proxy();
	cr_assert_eq(tax_load(&eb), CL_OK, "%s", eb.msg);
	cr_assert_not_null(realpath(FIXDIR, root), "%s", FIXDIR);
	tu_lb_start(&srv, root);
}

static void teardown(void)
{
	tu_lb_stop(&srv);
}

TestSuite(ocds_merge, .init = setup, .fini = teardown);

/* Harvests the fixture files in the order given (one source, one URL per
 * file) into the store at dir. */
static void harvest_order(struct store *st, const size_t *order, size_t n)
{
	struct sources ss;
	struct harvest_report rep;
	struct harvest_opts o;
	struct cl_errbuf eb = {0};
	char *json = NULL, *urls = strdup("");

	cr_assert_not_null(urls);
	for (size_t i = 0; i < n; i++) {
		char *u = NULL;
		cr_assert(asprintf(&u, "%s%s\"http://127.0.0.1:%d/%s\"", urls, i ? ", " : "", srv.port,
				   files[order[i]]) > 0);
		free(urls);
		urls = u;
	}
	cr_assert(asprintf(&json,
			   "{\"defaults\": {\"allow_private\": true, \"retries\": 0, \"delay_ms\": 0, \"timeout_ms\": 5000},"
			   " \"sources\": [{\"name\": \"merge\", \"urls\": [%s], \"format\": \"ocds\","
			   " \"licence\": \"test\", \"follow_next\": false}]}", urls) > 0);
	memset(&o, 0, sizeof o);
	sources_init(&ss);
	cr_assert_eq(sources_parse(&ss, json, strlen(json), "test", &eb), CL_OK, "%s", eb.msg);
	harvest_report_init(&rep);
	cr_assert_eq(harvest_run(st, &ss, &o, &rep, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(rep.n, 1);
	cr_assert_eq(rep.v[0].failed, 0, "%s", rep.v[0].nerrors ? rep.v[0].errors[0] : "");
	cr_assert_eq(rep.v[0].fetched + rep.v[0].not_modified + rep.v[0].identical, (long)n);
	harvest_report_release(&rep);
	sources_release(&ss);
	free(json);
	free(urls);
}

static int cmp_url(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
	return strcmp(json_string_value(json_object_get(x, "url")),
		      json_string_value(json_object_get(y, "url")));
}

/* The case as JSON without what may differ between orders: version,
 * times, retrieval times, and the order of the sources. NULL when the
 * store has no such case. Caller frees. */
static char *canon(struct store *st, const char *id)
{
	struct case_record c;
	struct cl_errbuf eb = {0};
	json_t *j, *srcs, *sorted;
	json_t *v[64];
	size_t n;
	char *out;

	case_init(&c);
	if (store_get_case(st, id, &c, &eb) != CL_OK)
		return NULL;
	j = case_to_json(&c);
	cr_assert_not_null(j);
	json_object_del(j, "version");
	json_object_del(j, "created_at");
	json_object_del(j, "updated_at");
	srcs = json_object_get(j, "sources");
	n = json_array_size(srcs);
	cr_assert_leq(n, 64);
	for (size_t i = 0; i < n; i++) {
		v[i] = json_array_get(srcs, i);
		json_object_del(v[i], "retrieved_at");
	}
	qsort(v, n, sizeof v[0], cmp_url);
	sorted = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append(sorted, v[i]);
	json_object_set_new(j, "sources", sorted);
	out = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	case_release(&c);
	return out;
}

/* A fresh store with the files of order harvested in that order; NULL
 * (nothing to test) without the OCDS parser. With id, *c gets that case
 * (the caller releases it). */
static struct store *merged(const size_t *order, size_t n, char **dir, const char *id,
			    struct case_record *c)
{
	struct cl_errbuf eb = {0};
	struct store *st;

	if (!parsers_find("ocds"))
		return NULL;
	st = tu_store_new(dir);
	harvest_order(st, order, n);
	if (id) {
		case_init(c);
		cr_assert_eq(store_get_case(st, id, c, &eb), CL_OK, "%s: %s", id, eb.msg);
	}
	return st;
}

/* The pattern that lost data: a record, then a later contract release of
 * the same ocid without buyer, value or tender. */
Test(ocds_merge, a_record_followed_by_a_later_release_keeps_buyer_value_procedure_award)
{
	static const size_t order[] = {0, 1};
	struct case_record c;
	char *dir = NULL;
	struct store *st = merged(order, 2, &dir, "ocds-03ad3f-900001", &c);

	if (!st)
		return;
	cr_assert_str_eq(c.title, "Adquisición de medicamentos oncológicos");
	cr_assert(c.buyer.name && strcmp(c.buyer.name, "Ministerio de Salud Pública y Bienestar Social") == 0,
		  "buyer %s", c.buyer.name ? c.buyer.name : "(lost)");
	cr_assert(c.has_value, "value lost");
	cr_assert_float_eq(c.value_amount, 184558192.0, 1e-6);
	cr_assert_str_eq(c.value_currency, "PYG");
	cr_assert(c.procedure && strcmp(c.procedure, "open") == 0, "procedure lost");
	cr_assert(c.awarded && strcmp(c.awarded, "2023-04-28") == 0, "award date lost");
	cr_assert_str_eq(c.buyer.country, "PY");
	cr_assert_str_eq(c.published, "2023-06-15"); /* the contract release is the latest */
	cr_assert_eq(c.nsources, 2);                 /* both payloads */
	case_release(&c);
	/* every release is kept, the record's compiled release as such */
	{
		sqlite3_stmt *q = NULL;
		cr_assert_eq(sqlite3_prepare_v2(store_db(st),
						"SELECT group_concat(kind || ':' || release_id, ' ')"
						" FROM (SELECT * FROM ocds_releases WHERE ocid = ?1"
						" ORDER BY date, release_id)", -1, &q, NULL), SQLITE_OK);
		sqlite3_bind_text(q, 1, "ocds-03ad3f-900001", -1, SQLITE_STATIC);
		cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
		cr_assert_str_eq((const char *)sqlite3_column_text(q, 0),
				 "compiled:900001-award-1 release:900001-contract-1");
		sqlite3_finalize(q);
	}
	tu_store_drop(&st, &dir);
}

/* One ocid over three release files and a JSON Lines file: procedure,
 * tender value, country from an ISO countryName, the award date, and
 * equal dates ordered by release id. */
Test(ocds_merge, releases_over_several_files_compile_by_ocds_rules)
{
	static const size_t order[] = {5, 4, 3, 2}; /* newest first */
	struct case_record c;
	struct cl_errbuf eb = {0};
	char *dir = NULL;
	struct store *st = merged(order, 4, &dir, "ocds-xs1qbl-demo-0001-00-2017", &c);

	if (!st)
		return;
	cr_assert_str_eq(c.title, "Adquisición de vehículos utilitarios para dependencias estatales");
	cr_assert_str_eq(c.procedure, "restricted");
	cr_assert_float_eq(c.value_amount, 4800000.0, 1e-6); /* the tender's, not "" */
	cr_assert_str_eq(c.value_currency, "MXN");
	cr_assert_str_eq(c.buyer.name, "Secretaría de la Hacienda Pública");
	cr_assert_str_eq(c.buyer.country, "MX"); /* countryName "MX" */
	cr_assert_str_eq(c.awarded, "2017-03-09");
	cr_assert_str_eq(c.published, "2017-03-10");
	/* same date as demo-0001-award: the greater release id comes later */
	cr_assert_str_eq(c.summary, "Doce vehículos utilitarios (descripción corregida).");
	cr_assert_str_eq(c.cpv.v[0], "34110000-1");
	case_release(&c);
	/* the airport-group record: its 2105 award date is left out, the
	 * record kept */
	cr_assert_eq(store_get_case(st, "ocds-aero-0090", &c, &eb), CL_OK, "%s", eb.msg);
	cr_assert_str_eq(c.title, "Mantenimiento de pistas y rodajes");
	cr_assert_str_eq(c.buyer.name, "Grupo Aeroportuario (ejemplo)");
	cr_assert_str_eq(c.buyer.country, "MX"); /* countryName "mx" */
	cr_assert_null(c.awarded);
	case_release(&c);
	tu_store_drop(&st, &dir);
}

/* The same files in many orders give the same cases. */
Test(ocds_merge, the_same_files_in_any_order_give_the_same_cases)
{
	size_t order[NFILES];
	char *want[NIDS] = {NULL};
	unsigned seed = 20261206;

	if (!parsers_find("ocds"))
		return;
	for (int round = 0; round < 10; round++) {
		char *dir;
		struct store *st = tu_store_new(&dir);

		for (size_t i = 0; i < NFILES; i++)
			order[i] = round == 1 ? NFILES - 1 - i : i;
		if (round >= 2) /* Fisher-Yates with a fixed seed */
			for (size_t i = NFILES - 1; i > 0; i--) {
				size_t k = (size_t)(rand_r(&seed) % (i + 1)), t = order[i];
				order[i] = order[k];
				order[k] = t;
			}
		harvest_order(st, order, NFILES);
		for (size_t i = 0; i < NIDS; i++) {
			char *got = canon(st, ids[i]);

			cr_assert_not_null(got, "round %d: no case %s", round, ids[i]);
			if (!want[i])
				want[i] = got;
			else {
				cr_assert_str_eq(got, want[i], "round %d (order %zu %zu %zu %zu %zu %zu): %s",
						 round, order[0], order[1], order[2], order[3], order[4],
						 order[5], ids[i]);
				free(got);
			}
		}
		/* harvesting everything again changes nothing */
		if (round == 0) {
			struct store_counts before, after;
			struct cl_errbuf eb = {0};

			cr_assert_eq(store_counts(st, &before, &eb), CL_OK);
			harvest_order(st, order, NFILES);
			cr_assert_eq(store_counts(st, &after, &eb), CL_OK);
			cr_assert_eq(after.versions, before.versions);
		}
		store_close(st);
		tu_rmtree(dir);
		free(dir);
	}
	for (size_t i = 0; i < NIDS; i++)
		free(want[i]);
}

/* A version-3 store (before ocds_releases) is upgraded on open and keeps
 * its cases; the upgraded store keeps releases. */
Test(ocds_merge, a_version_3_store_upgrades)
{
	static const size_t order[] = {0};
	char *dir = NULL;
	struct store *st = merged(order, 1, &dir, NULL, NULL);
	struct store_counts n;
	struct cl_errbuf eb = {0};
	sqlite3_stmt *q = NULL;

	if (!st)
		return;
	cr_assert_eq(sqlite3_exec(store_db(st),
				  "DROP TABLE stats_words; DROP TABLE ocds_releases; PRAGMA user_version = 4",
				  NULL, NULL, NULL), SQLITE_OK);
	store_close(st);
	st = NULL;
	cr_assert_eq(store_open(dir, STORE_READONLY, &st, &eb), CL_EDB, "a read-only open migrated");
	cr_assert_eq(store_open(dir, 0, &st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(sqlite3_prepare_v2(store_db(st), "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	cr_assert_eq(sqlite3_column_int(q, 0), STORE_SCHEMA_VERSION);
	sqlite3_finalize(q);
	cr_assert_eq(store_counts(st, &n, &eb), CL_OK);
	cr_assert_eq(n.cases, 1);
	/* the next payload of that ocid compiles with what is kept from now on */
	{
		static const size_t next[] = {1};
		struct case_record c;

		harvest_order(st, next, 1);
		case_init(&c);
		cr_assert_eq(store_get_case(st, "ocds-03ad3f-900001", &c, &eb), CL_OK, "%s", eb.msg);
		cr_assert_str_eq(c.published, "2023-06-15");
		case_release(&c);
	}
	cr_assert_eq(store_check(st, NULL, NULL, &eb), CL_OK, "%s", eb.msg);
	tu_store_drop(&st, &dir);
}
