/* test_schedule.c — scheduled harvests (docs/operations.md): the lock that
 * keeps two `caselib harvest` runs on one data directory from overlapping
 * (the second exits CLI_HARVEST_EXIT_RUNNING and changes nothing), the
 * last run's summary that /metrics shows, and the systemd units under
 * contrib/systemd checked with `systemd-analyze verify` (skipped, saying
 * so, where systemd-analyze is missing). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_harvest.h"
#include "harvest.h"
#include "parsers.h"
#include "store.h"
#include "taxonomy.h"
#include "testutil.h"

struct sched_run {
	const char *dir;
	char *argv[4];
};

static int sched_harvest(void *ud)
{
	struct sched_run *r = ud;
	struct cli_ctx ctx = {r->dir, "caselib"};

	return cli_cmd_harvest(&ctx, 3, r->argv);
}

/* `caselib --data dir harvest --sources file` in a child. */
static void run_harvest(const char *dir, char *file, struct tu_child *o)
{
	struct sched_run r = {dir, {"harvest", "--sources", file, NULL}};

	tu_fork_run(dir, sched_harvest, &r, o);
}

Test(harvest_schedule, a_second_run_exits_6_and_the_last_run_is_in_metrics)
{
	struct cl_errbuf eb = {0};
	struct store *st = NULL;
	struct harvest_summary sum;
	struct tu_child o;
	char *dir = tu_tmpdir(), *file = NULL, *json = NULL, *text = NULL;
	char fixture[PATH_MAX];
	size_t len = 0;
	int lock = -1, lock2 = -1;
	FILE *f;

	cr_assert_eq(tax_load(&eb), CL_OK, "%s", eb.msg);
	if (!parsers_find("ocds"))
		goto out;
	cr_assert_not_null(realpath("tests/fixtures/ocds/merge/py-record.json", fixture));
	cr_assert_eq(store_open(dir, STORE_CREATE, &st, &eb), CL_OK, "%s", eb.msg);
	store_close(st);
	cr_assert(asprintf(&json,
			   "{\"sources\": [{\"name\": \"py\", \"url\": \"file://%s\","
			   " \"format\": \"ocds\", \"licence\": \"test\"}]}", fixture) > 0);
	cr_assert(asprintf(&file, "%s/sources.json", dir) > 0);
	tu_write_file(file, json, strlen(json));

	/* no run yet: nothing for /metrics */
	cr_assert_eq(harvest_last_read(dir, &sum, &eb), CL_ENOTFOUND);

	/* a run holds the lock: the second exits 6, says why, stores nothing */
	cr_assert_eq(harvest_lock(dir, &lock, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(harvest_lock(dir, &lock2, &eb), CL_EBUSY, "the lock is not exclusive");
	run_harvest(dir, file, &o);
	cr_assert_eq(o.code, CLI_HARVEST_EXIT_RUNNING, "%d: %s%s", o.code, o.out, o.err);
	cr_assert(strstr(o.err, "another harvest is running on this data directory"), "%s", o.err);
	cr_assert(strstr(o.err, "harvest.lock"), "%s", o.err);
	cr_assert_eq(harvest_last_read(dir, &sum, &eb), CL_ENOTFOUND);
	free(o.out);
	free(o.err);
	harvest_unlock(lock);

	/* released: the run goes ahead and leaves its summary */
	run_harvest(dir, file, &o);
	cr_assert_eq(o.code, 0, "%s%s", o.out, o.err);
	free(o.out);
	free(o.err);
	cr_assert_eq(harvest_last_read(dir, &sum, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(sum.created, 1);
	cr_assert_eq(sum.failed, 0);
	cr_assert_eq(sum.dropped, 0);
	cr_assert_eq(sum.exit_code, 0);
	cr_assert_gt(sum.finished_at, 1700000000);
	/* and the lock was released at its end */
	cr_assert_eq(harvest_lock(dir, &lock, &eb), CL_OK, "%s", eb.msg);
	harvest_unlock(lock);

	f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	harvest_metrics_write(f, dir);
	cr_assert_eq(fclose(f), 0);
	cr_assert(strstr(text, "caselib_harvest_last_run_records{outcome=\"new\"} 1\n"), "%s", text);
	cr_assert(strstr(text, "caselib_harvest_last_run_failed 0\n"), "%s", text);
	cr_assert(strstr(text, "caselib_harvest_last_run_dropped_fields 0\n"), "%s", text);
	cr_assert(strstr(text, "# TYPE caselib_harvest_last_run_timestamp_seconds gauge\n"), "%s",
		  text);
	free(text);
out:
	free(json);
	free(file);
	tu_rmtree(dir);
	free(dir);
}

/* Writes src with the install paths replaced by ones that exist here. */
static void localise_unit(const char *src, const char *dst, const char *dir, const char *bin)
{
	size_t len;
	char *t = tu_read_file(src, &len), *line, *save = NULL;
	FILE *f = fopen(dst, "w");

	cr_assert_not_null(t, "%s", src);
	cr_assert_not_null(f);
	for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "ExecStart=", 10) == 0)
			fprintf(f, "ExecStart=%s%s\n", bin,
				strstr(line, " harvest") ? strstr(line, " harvest") : "");
		else if (strncmp(line, "User=", 5) == 0 || strncmp(line, "Group=", 6) == 0)
			fprintf(f, "%.*s=root\n", (int)strcspn(line, "="), line);
		else if (strncmp(line, "WorkingDirectory=", 17) == 0)
			fprintf(f, "WorkingDirectory=%s\n", dir);
		else if (strncmp(line, "ReadWritePaths=", 15) == 0)
			fprintf(f, "ReadWritePaths=%s\n", dir);
		else
			fprintf(f, "%s\n", line);
	}
	cr_assert_eq(fclose(f), 0);
	free(t);
}

static int verify(const char *dir, const char *units)
{
	char *cmd = NULL;
	int rc;

	cr_assert(asprintf(&cmd, "cd '%s' && systemd-analyze verify --man=no %s >verify.log 2>&1",
			   dir, units) > 0);
	rc = system(cmd);
	free(cmd);
	return rc;
}

Test(harvest_schedule, systemd_units_verify)
{
	char *sa = tu_find_on_path("systemd-analyze");
	char *dir, *svc = NULL, *tim = NULL, *log = NULL, *bad = NULL;
	char bin[PATH_MAX];

	if (!sa) {
		fprintf(stderr, "SKIPPED harvest_schedule/systemd_units_verify: no systemd-analyze"
				" on this machine (the units under contrib/systemd are not checked)\n");
		cr_skip_test("systemd-analyze is not installed");
	}
	free(sa);
	cr_assert_not_null(realpath(tu_bin(), bin), "%s is not built", tu_bin());
	dir = tu_tmpdir();
	cr_assert(asprintf(&svc, "%s/caselib-harvest.service", dir) > 0);
	cr_assert(asprintf(&tim, "%s/caselib-harvest.timer", dir) > 0);
	localise_unit("contrib/systemd/caselib-harvest.service", svc, dir, bin);
	localise_unit("contrib/systemd/caselib-harvest.timer", tim, dir, bin);
	if (verify(dir, "./caselib-harvest.timer ./caselib-harvest.service") != 0) {
		cr_assert(asprintf(&log, "%s/verify.log", dir) > 0);
		cr_assert_fail("systemd-analyze verify: %s", tu_read_file(log, NULL));
	}
	/* the check is real: a timer with a broken calendar fails it */
	cr_assert(asprintf(&bad, "%s/caselib-bad.timer", dir) > 0);
	tu_write_file(bad, "[Timer]\nOnCalendar=every full moon\n[Install]\nWantedBy=timers.target\n",
		      strlen("[Timer]\nOnCalendar=every full moon\n[Install]\nWantedBy=timers.target\n"));
	cr_assert_neq(verify(dir, "./caselib-bad.timer"), 0);
	free(bad);
	free(svc);
	free(tim);
	tu_rmtree(dir);
	free(dir);
}
