/* test_cli.c — the `caselib` program end to end: init, import (good, bad
 * and mixed input), export JSON Lines and CSV, show, list, check, backup,
 * two importers at once, and SIGKILL in the middle of an import. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "case.h"
#include "store.h"
#include "taxonomy.h"
#include "testutil.h"

/* One valid record as a JSON line; n varies id, title and year. */
static char *gen_record(const char *prefix, int n, const char *title_word)
{
	char *s = NULL;
	cr_assert(asprintf(&s,
		"{\"id\":\"%s-%05d\",\"kind\":\"procurement\",\"title\":\"%s nr %d för skolor i Lund\","
		"\"summary\":\"Upphandling av %s, ramavtal med klimatkrav.\",\"language\":\"sv\","
		"\"buyer\":{\"name\":\"Lunds kommun\",\"org_number\":\"212000-1132\",\"country\":\"SE\"},"
		"\"authority_type\":\"la\",\"sectors\":[\"education\"],\"categories\":[\"15\"],"
		"\"goals\":[\"sdg-4\",\"mkm-1\"],\"strategic\":[\"env\"],\"procedure\":\"open\","
		"\"published\":\"20%02d-03-1%d\",\"sources\":[{\"url\":\"https://example.org/notice/%d\","
		"\"retrieved_at\":\"2026-11-27T05:00:00Z\",\"format\":\"case-json\",\"licence\":\"CC0-1.0\"}]}\n",
		prefix, n, title_word, n, title_word, 10 + n % 15, n % 10, n) > 0);
	return s;
}

static char *gen_jsonl(const char *prefix, int from, int count)
{
	size_t cap = (size_t)count * 800 + 1, len = 0;
	char *buf = malloc(cap);
	cr_assert_not_null(buf);
	buf[0] = '\0';
	for (int i = from; i < from + count; i++) {
		char *r = gen_record(prefix, i, i % 2 ? "Skolmåltider" : "Elbussar");
		size_t k = strlen(r);
		cr_assert(len + k < cap);
		memcpy(buf + len, r, k + 1);
		len += k;
		free(r);
	}
	return buf;
}

static int run(const char *data, const char *const *args, const char *in, char **out, char **err)
{
	char *argv[32];
	int n = 0, rc;
	argv[n++] = strdup(tu_bin());
	argv[n++] = strdup("--data");
	argv[n++] = strdup(data);
	for (; *args && n < 31; args++)
		argv[n++] = strdup(*args);
	argv[n] = NULL;
	rc = tu_run(argv, in, out, err);
	for (int i = 0; i < n; i++)
		free(argv[i]);
	return rc;
}

#define RUN(data, in, out, err, ...) run(data, (const char *const[]){__VA_ARGS__, NULL}, in, out, err)

static long count_cases(const char *data)
{
	struct store *s = NULL;
	struct store_counts n;
	struct cl_errbuf eb;
	cr_assert_eq(store_open(data, 0, &s, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(store_counts(s, &n, &eb), CL_OK, "%s", eb.msg);
	store_close(s);
	return n.cases;
}

static int has_case(struct store *s, const char *id)
{
	struct case_record c;
	struct cl_errbuf eb;
	int rc;
	case_init(&c);
	rc = store_get_case(s, id, &c, &eb);
	case_release(&c);
	return rc == CL_OK;
}

static char *data_in(const char *dir)
{
	char *p = NULL;
	cr_assert(asprintf(&p, "%s/data", dir) > 0);
	return p;
}

/* Removes the test's folder and frees both names. */
static void drop(char *dir, char *data)
{
	free(data);
	tu_rmtree(dir);
	free(dir);
}

Test(cli, help_for_every_command)
{
	const char *cmds[] = {"init", "import", "show", "list", "export", "backup", "check", "help"};
	char *out, *err;
	cr_assert_eq(RUN("unused", NULL, &out, &err, "--help"), 0);
	cr_assert(strstr(out, "usage: caselib"));
	free(out);
	free(err);
	for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
		cr_assert_eq(RUN("unused", NULL, &out, &err, cmds[i], "--help"), 0, "%s", cmds[i]);
		cr_assert(strstr(out, cmds[i]), "help of %s names it", cmds[i]);
		free(out);
		free(err);
	}
	cr_assert_eq(RUN("unused", NULL, NULL, &err, "frobnicate"), 2);
	cr_assert(strstr(err, "unknown command 'frobnicate'"), "%s", err);
	free(err);
}

Test(cli, missing_store_is_a_clear_error)
{
	char *dir = tu_tmpdir(), *data = data_in(dir), *err;
	cr_assert_eq(RUN(data, NULL, NULL, &err, "list"), 3);
	cr_assert(strstr(err, "no store in"), "%s", err);
	cr_assert(strstr(err, "init"), "%s", err);
	free(err);
	drop(dir, data);
}

Test(cli, init_is_idempotent)
{
	char *dir = tu_tmpdir(), *data = data_in(dir), *out;
	cr_assert_eq(RUN(data, NULL, &out, NULL, "init"), 0);
	cr_assert(strstr(out, "store ready"), "%s", out);
	free(out);
	cr_assert_eq(RUN(data, NULL, &out, NULL, "init"), 0);
	cr_assert(strstr(out, "0 cases"), "%s", out);
	free(out);
	drop(dir, data);
}

/* import then export gives back the same records, and a re-import of the
 * export changes nothing. */
Test(cli, jsonl_round_trip)
{
	char *dir = tu_tmpdir(), *data = data_in(dir), *in = gen_jsonl("rt", 1, 40);
	char *path = NULL, *out, *err;
	cr_assert(asprintf(&path, "%s/in.jsonl", dir) > 0);
	tu_write_file(path, in, strlen(in));
	cr_assert_eq(RUN(data, NULL, NULL, NULL, "init"), 0);
	cr_assert_eq(RUN(data, NULL, NULL, &err, "import", path), 0, "%s", err);
	cr_assert(strstr(err, "40 new"), "%s", err);
	free(err);
	cr_assert_eq(RUN(data, NULL, &out, &err, "export", "--format", "jsonl"), 0, "%s", err);
	cr_assert_eq(tu_count(out, "\n"), 40);

	/* Every exported line equals its input line in content. */
	char *save_in = NULL, *save_out = NULL;
	char *li = strtok_r(in, "\n", &save_in), *lo = strtok_r(out, "\n", &save_out);
	int n = 0;
	for (; li && lo; li = strtok_r(NULL, "\n", &save_in), lo = strtok_r(NULL, "\n", &save_out)) {
		struct case_record a, b;
		struct case_problems pa, pb;
		case_init(&a);
		case_init(&b);
		case_problems_init(&pa);
		case_problems_init(&pb);
		cr_assert_eq(case_parse(li, strlen(li), 0, &a, &pa), CL_OK);
		cr_assert_eq(case_parse(lo, strlen(lo), 0, &b, &pb), CL_OK, "%s", lo);
		char *ca = case_to_string(&a, 1), *cb = case_to_string(&b, 1);
		cr_assert_str_eq(ca, cb);
		cr_assert_str_eq(b.status, "published");
		cr_assert_eq(b.version, 1);
		free(ca);
		free(cb);
		case_release(&a);
		case_release(&b);
		case_problems_release(&pa);
		case_problems_release(&pb);
		n++;
	}
	cr_assert_eq(n, 40);
	free(err);

	/* Re-import the export: all unchanged, no new versions. */
	free(out);
	cr_assert_eq(RUN(data, NULL, &out, NULL, "export"), 0);
	cr_assert_eq(RUN(data, out, NULL, &err, "import", "-"), 0, "%s", err);
	cr_assert(strstr(err, "0 new, 0 updated, 40 unchanged, 0 rejected"), "%s", err);
	free(err);
	free(out);
	cr_assert_eq(RUN(data, NULL, &out, NULL, "show", "--history", "rt-00007"), 0);
	cr_assert_eq(tu_count(out, "\n"), 1, "one version only: %s", out);
	free(out);

	free(in);
	free(path);
	drop(dir, data);
}

/* A file with bad records stores the good ones, reports each bad one with
 * FILE:LINE: PATH: REASON, exits 1, and loses nothing stored before. */
Test(cli, mixed_good_and_bad_records)
{
	char *dir = tu_tmpdir(), *data = data_in(dir), *path = NULL, *err, *out;
	char *good = gen_jsonl("ok", 1, 5);
	char *before = gen_jsonl("pre", 1, 3);
	char *bad1 = gen_record("bad", 1, "X"), *mixed = NULL;

	cr_assert_eq(RUN(data, NULL, NULL, NULL, "init"), 0);
	cr_assert_eq(RUN(data, before, NULL, NULL, "import", "-"), 0);
	/* line 2: wrong org number checksum; line 4: not JSON; line 6: unknown goal
	 * and missing title; line 8: invalid UTF-8. */
	char *ck = strdup(bad1);
	char *p = strstr(ck, "212000-1132");
	p[10] = '3';
	char *goal = strdup(bad1);
	p = strstr(goal, "sdg-4");
	memcpy(p, "sdg-x", 5);
	p = strstr(goal, "\"title\"");
	memcpy(p, "\"tjtle\"", 7);
	char *good_lines[5], *save = NULL, *g = strdup(good);
	int k = 0;
	for (char *l = strtok_r(g, "\n", &save); l && k < 5; l = strtok_r(NULL, "\n", &save))
		good_lines[k++] = l;
	cr_assert(asprintf(&mixed, "%s\n%s%s\n{\"id\": \"broken\",\n%s\n%s%s\n{\"id\":\"utf\",\"title\":\"\xff\xfe\"}\n",
			   good_lines[0], ck, good_lines[1], good_lines[2], goal, good_lines[3]) > 0);
	cr_assert(asprintf(&path, "%s/mixed.jsonl", dir) > 0);
	tu_write_file(path, mixed, strlen(mixed));

	cr_assert_eq(RUN(data, NULL, NULL, &err, "import", path), 1, "%s", err);
	cr_assert(strstr(err, "mixed.jsonl:2: $.buyer.org_number:"), "%s", err);
	cr_assert(strstr(err, "mixed.jsonl:4: $:"), "%s", err);
	cr_assert(strstr(err, "mixed.jsonl:6: $.goals[0]:"), "%s", err);
	cr_assert(strstr(err, "mixed.jsonl:6: $.title:"), "%s", err);
	cr_assert(strstr(err, "mixed.jsonl:6: $.tjtle:"), "%s", err);
	cr_assert(strstr(err, "mixed.jsonl:8: $:"), "%s", err);
	cr_assert(strstr(err, "4 new, 0 updated, 0 unchanged, 4 rejected"), "%s", err);
	free(err);
	cr_assert_eq(count_cases(data), 3 + 4);
	cr_assert_eq(RUN(data, NULL, &out, NULL, "check"), 0, "%s", out);
	free(out);

	free(g);
	free(ck);
	free(goal);
	free(mixed);
	free(bad1);
	free(good);
	free(before);
	free(path);
	drop(dir, data);
}

Test(cli, import_of_missing_file_and_oversize_line)
{
	char *dir = tu_tmpdir(), *data = data_in(dir), *err, *big, *path = NULL;
	size_t n = CASE_JSON_MAX_BYTES + 100;
	cr_assert_eq(RUN(data, NULL, NULL, NULL, "init"), 0);
	cr_assert_eq(RUN(data, NULL, NULL, &err, "import", "/nonexistent/x.jsonl"), 4);
	cr_assert(strstr(err, "/nonexistent/x.jsonl: cannot open"), "%s", err);
	free(err);
	big = malloc(n + 2);
	memset(big, 'a', n);
	memcpy(big, "{\"id\":\"", 7);
	big[n] = '\n';
	big[n + 1] = '\0';
	cr_assert(asprintf(&path, "%s/big.jsonl", dir) > 0);
	tu_write_file(path, big, n + 1);
	cr_assert_eq(RUN(data, NULL, NULL, &err, "import", path), 1);
	cr_assert(strstr(err, "big.jsonl:1: $: record is"), "%s", err);
	free(err);
	free(big);
	free(path);
	drop(dir, data);
}

Test(cli, csv_export_quotes_and_guards)
{
	char *dir = tu_tmpdir(), *data = data_in(dir), *out, *err;
	const char *rec =
		"{\"id\":\"csv-1\",\"kind\":\"case\",\"title\":\"=HYPERLINK(\\\"http://x\\\")\","
		"\"summary\":\"Rad ett, med komma\\nrad två \\\"citat\\\"\",\"language\":\"sv\","
		"\"goals\":[\"sdg-5\",\"gen\"],\"sources\":[{\"url\":\"https://a.example/1\","
		"\"retrieved_at\":\"2026-11-27T05:00:00Z\"},{\"url\":\"https://b.example/2\","
		"\"retrieved_at\":\"2026-11-27T05:00:00Z\"}]}\n";
	cr_assert_eq(RUN(data, NULL, NULL, NULL, "init"), 0);
	cr_assert_eq(RUN(data, rec, NULL, &err, "import", "-"), 0, "%s", err);
	free(err);
	cr_assert_eq(RUN(data, NULL, &out, NULL, "export", "--format", "csv"), 0);
	cr_assert(!strncmp(out, "id,kind,status,title,summary,", 29), "%s", out);
	cr_assert(strstr(out, "\r\ncsv-1,case,published,\"'=HYPERLINK(\"\"http://x\"\")\","), "%s", out);
	cr_assert(strstr(out, "\"Rad ett, med komma\nrad två \"\"citat\"\"\""), "%s", out);
	cr_assert(strstr(out, ",sdg-5;gen,"), "%s", out);
	cr_assert(strstr(out, "https://a.example/1;https://b.example/2"), "%s", out);
	cr_assert_eq(tu_count(out, "\r\n"), 2);
	free(out);
	drop(dir, data);
}

Test(cli, show_list_and_versions)
{
	char *dir = tu_tmpdir(), *data = data_in(dir), *out, *err;
	char *r1 = gen_record("sh", 1, "Solceller");
	char *r2 = gen_record("sh", 1, "Solcellsparker");
	cr_assert_eq(RUN(data, NULL, NULL, NULL, "init"), 0);
	cr_assert_eq(RUN(data, r1, NULL, NULL, "import", "-"), 0);
	cr_assert_eq(RUN(data, r2, &out, &err, "import", "--verbose", "-"), 0);
	cr_assert(strstr(out, "updated sh-00001 v2"), "%s", out);
	free(out);
	free(err);
	cr_assert_eq(RUN(data, NULL, &out, NULL, "show", "sh-00001"), 0);
	cr_assert(strstr(out, "Solcellsparker nr 1"), "%s", out);
	cr_assert(strstr(out, "\"version\": 2"), "%s", out);
	free(out);
	cr_assert_eq(RUN(data, NULL, &out, NULL, "show", "--version", "1", "sh-00001"), 0);
	cr_assert(strstr(out, "Solceller nr 1"), "%s", out);
	free(out);
	cr_assert_eq(RUN(data, NULL, &out, NULL, "show", "--history", "sh-00001"), 0);
	cr_assert_eq(tu_count(out, "\n"), 2, "%s", out);
	free(out);
	cr_assert_eq(RUN(data, NULL, NULL, &err, "show", "no-such-case"), 5);
	cr_assert(strstr(err, "no case 'no-such-case'"), "%s", err);
	free(err);
	cr_assert_eq(RUN(data, NULL, &out, NULL, "list"), 0);
	cr_assert(strstr(out, "sh-00001"), "%s", out);
	cr_assert(strstr(out, "1 cases"), "%s", out);
	free(out);
	free(r1);
	free(r2);
	drop(dir, data);
}

/* Two importers at once: both finish, nothing is lost, the log is continuous. */
Test(cli, two_importers_at_once)
{
	char *dir = tu_tmpdir(), *data = data_in(dir), *out;
	char *a = gen_jsonl("pa", 1, 300), *b = gen_jsonl("pb", 1, 300);
	char *pa = NULL, *pb = NULL;
	pid_t ka, kb;
	int sa, sb;

	cr_assert(asprintf(&pa, "%s/a.jsonl", dir) > 0 && asprintf(&pb, "%s/b.jsonl", dir) > 0);
	tu_write_file(pa, a, strlen(a));
	tu_write_file(pb, b, strlen(b));
	cr_assert_eq(RUN(data, NULL, NULL, NULL, "init"), 0);
	ka = fork();
	if (ka == 0) {
		freopen("/dev/null", "w", stderr);
		execl(tu_bin(), "caselib", "--data", data, "import", "--batch", "7", pa, (char *)NULL);
		_exit(127);
	}
	kb = fork();
	if (kb == 0) {
		freopen("/dev/null", "w", stderr);
		execl(tu_bin(), "caselib", "--data", data, "import", "--batch", "5", pb, (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(waitpid(ka, &sa, 0), ka);
	cr_assert_eq(waitpid(kb, &sb, 0), kb);
	cr_assert(WIFEXITED(sa) && WEXITSTATUS(sa) == 0);
	cr_assert(WIFEXITED(sb) && WEXITSTATUS(sb) == 0);
	cr_assert_eq(count_cases(data), 600);
	cr_assert_eq(RUN(data, NULL, &out, NULL, "check"), 0, "%s", out);
	cr_assert(strstr(out, "600 changes"), "%s", out);
	free(out);
	free(a);
	free(b);
	free(pa);
	free(pb);
	drop(dir, data);
}

/* SIGKILL in the middle of an import: the store passes check and holds
 * every record whose import was acknowledged. */
static void kill_during_import(int kill_after_acks)
{
	char *dir = tu_tmpdir(), *data = data_in(dir), *path = NULL, *out;
	char *in = gen_jsonl("k", 1, 4000);
	int po[2], status;
	pid_t pid;
	char **acked = calloc(4001, sizeof *acked);
	size_t nacked = 0;
	FILE *f;
	char line[256];

	cr_assert(asprintf(&path, "%s/in.jsonl", dir) > 0);
	tu_write_file(path, in, strlen(in));
	cr_assert_eq(RUN(data, NULL, NULL, NULL, "init"), 0);
	cr_assert(pipe(po) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(po[1], 1);
		close(po[0]);
		close(po[1]);
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 2);
		execl(tu_bin(), "caselib", "--data", data, "import", "--verbose", "--batch", "25",
		      path, (char *)NULL);
		_exit(127);
	}
	close(po[1]);
	f = fdopen(po[0], "r");
	while (fgets(line, sizeof line, f)) {
		char id[64];
		if (sscanf(line, "stored %63s", id) == 1)
			acked[nacked++] = strdup(id);
		if ((int)nacked >= kill_after_acks) {
			kill(pid, SIGKILL);
			break;
		}
	}
	/* Drain whatever was already acknowledged and written before the kill. */
	while (fgets(line, sizeof line, f)) {
		char id[64];
		if (sscanf(line, "stored %63s", id) == 1)
			acked[nacked++] = strdup(id);
	}
	fclose(f);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		  "the import was killed, not finished (acks %zu)", nacked);

	cr_assert_eq(RUN(data, NULL, &out, NULL, "check"), 0, "%s", out);
	free(out);
	{
		struct store *s = NULL;
		struct cl_errbuf eb;
		cr_assert_eq(store_open(data, 0, &s, &eb), CL_OK);
		for (size_t i = 0; i < nacked; i++)
			cr_assert(has_case(s, acked[i]), "acknowledged %s is stored", acked[i]);
		store_close(s);
	}
	cr_assert_geq(count_cases(data), (long)nacked);
	/* The store still takes writes after the crash: finish the import. */
	cr_assert_eq(RUN(data, NULL, NULL, NULL, "import", path), 0);
	cr_assert_eq(count_cases(data), 4000);
	for (size_t i = 0; i < nacked; i++)
		free(acked[i]);
	free(acked);
	free(in);
	free(path);
	drop(dir, data);
}

Test(cli, sigkill_mid_import_early) { kill_during_import(25); }
Test(cli, sigkill_mid_import_middle) { kill_during_import(1000); }
Test(cli, sigkill_mid_import_late) { kill_during_import(2500); }

/* Lines of an `import --verbose` output file so far (each one is an
 * acknowledged, committed record). */
static long acked_lines(const char *path)
{
	size_t len = 0;
	char *s = tu_read_file(path, &len);
	long n = s ? (long)tu_count(s, "\n") : 0;
	free(s);
	return n;
}

/* A backup taken while an import is committing batches of 10 is a store of
 * its own (passes `check`) holding exactly a prefix of the import in whole
 * batches: every record the import acknowledged before the backup began,
 * at most one batch more than it had acknowledged when the backup ended,
 * none of the rest, each as imported. */
Test(cli, backup_while_importing, .timeout = 120)
{
	char *dir = tu_tmpdir(), *data = data_in(dir), *path = NULL, *bak = NULL, *bdata = NULL;
	char *acks = NULL, *in = gen_jsonl("bk", 1, 2000), *out;
	long before, after, k;
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	pid_t pid;
	int status;

	cr_assert(asprintf(&path, "%s/in.jsonl", dir) > 0);
	cr_assert(asprintf(&acks, "%s/acks.txt", dir) > 0);
	cr_assert(asprintf(&bdata, "%s/restored", dir) > 0);
	cr_assert(asprintf(&bak, "%s/restored/caselib.db", dir) > 0);
	tu_write_file(path, in, strlen(in));
	cr_assert_eq(RUN(data, NULL, NULL, NULL, "init"), 0);
	cr_assert_eq(mkdir(bdata, 0750), 0);
	pid = fork();
	if (pid == 0) {
		int fd = open(acks, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(126);
		freopen("/dev/null", "w", stderr);
		execl(tu_bin(), "caselib", "--data", data, "import", "--verbose", "--batch", "10",
		      path, (char *)NULL);
		_exit(127);
	}
	/* the backup starts once the import is under way (100 acknowledged) */
	for (int i = 0; i < 60000 && (before = acked_lines(acks)) < 100; i++)
		usleep(1000);
	cr_assert_geq(before, 100, "the import acknowledged nothing in 60 s");
	cr_assert_lt(before, 2000, "the import ended before the backup began: nothing tested");
	cr_assert_eq(RUN(data, NULL, &out, NULL, "backup", bak), 0, "%s", out);
	free(out);
	after = acked_lines(acks);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_eq(acked_lines(acks), 2000);
	cr_assert_eq(count_cases(data), 2000);
	/* The backup is a consistent store of its own. */
	cr_assert_eq(RUN(bdata, NULL, &out, NULL, "check"), 0, "%s", out);
	free(out);
	k = count_cases(bdata);
	cr_assert(k >= before && k <= after + 10,
		  "backup holds %ld cases; acknowledged %ld when it began, %ld when it ended", k,
		  before, after);
	cr_assert_eq(k % 10, 0, "backup holds %ld cases: a batch of 10 split", k);
	/* exactly bk-00001 .. bk-k, each as imported */
	cr_assert_eq(store_open(bdata, 0, &s, &eb), CL_OK, "%s", eb.msg);
	for (long n = 1; n <= 2000; n++) {
		char id[32];
		struct case_record c;
		snprintf(id, sizeof id, "bk-%05ld", n);
		case_init(&c);
		if (n <= k) {
			cr_assert_eq(store_get_case(s, id, &c, &eb), CL_OK, "%s missing: %s", id, eb.msg);
			char *title = NULL;
			cr_assert(asprintf(&title, "%s nr %ld för skolor i Lund",
					   n % 2 ? "Skolmåltider" : "Elbussar", n) > 0);
			cr_assert_str_eq(c.title, title, "%s", id);
			cr_assert_eq(c.version, 1, "%s", id);
			free(title);
		} else {
			cr_assert_neq(store_get_case(s, id, &c, &eb), CL_OK, "%s is in the backup", id);
		}
		case_release(&c);
	}
	store_close(s);
	free(in);
	free(acks);
	free(path);
	free(bak);
	free(bdata);
	drop(dir, data);
}

Test(cli, stats_counts_per_facet_value)
{
	char *dir = tu_tmpdir(), *data = data_in(dir), *out;
	char *in = gen_jsonl("st", 1, 30);
	cr_assert_eq(RUN(data, NULL, NULL, NULL, "init"), 0);
	cr_assert_eq(RUN(data, in, NULL, NULL, "import", "-"), 0);
	cr_assert_eq(RUN(data, NULL, &out, NULL, "stats"), 0);
	cr_assert(strstr(out, "## Corpus: 30 cases"), "%s", out);
	cr_assert(strstr(out, "| `case-json` |  | 30 |"), "%s", out);
	cr_assert(strstr(out, "| `education` | Education | 30 |"), "%s", out);
	cr_assert(strstr(out, "| `sdg-4` | Quality education | 30 |"), "%s", out);
	cr_assert(strstr(out, "| `la` | Local authority | 30 |"), "%s", out);
	/* gen_record spreads years over 2010..2024: 15 distinct years, 2 each */
	cr_assert_eq(tu_count(out, " | 2 |\n"), 15, "%s", out);
	free(out);
	free(in);
	drop(dir, data);
}

/* The answer of `search` without its first line (which holds the time). */
static const char *after_first_line(const char *out)
{
	const char *nl = strchr(out, '\n');
	return nl ? nl + 1 : "";
}

/* A sharded Xapian index (DATA/xapian.stub naming local shards and their
 * directory): `search` and `check` follow the stub as `serve` does, keep
 * the shards synced, and never build DATA/xapian (which once meant
 * syncing the whole store into an index nobody serves). */
Test(cli, search_and_check_follow_the_shard_stub, .timeout = 120)
{
	char *dir = tu_tmpdir(), *data = data_in(dir), *in = gen_jsonl("sh", 1, 40);
	char *path = NULL, *single = NULL, *stub = NULL, *xdir = NULL, *moved = NULL;
	char *out1, *out2, *out3, *err;
	struct stat st;

	cr_assert(asprintf(&path, "%s/in.jsonl", dir) > 0);
	tu_write_file(path, in, strlen(in));
	cr_assert_eq(RUN(data, NULL, NULL, NULL, "init"), 0);
	cr_assert_eq(RUN(data, NULL, NULL, &err, "import", path), 0, "%s", err);
	free(err);
	cr_assert_eq(RUN(data, NULL, &out1, &err, "search", "skolmåltider", "--facets", "all",
			 "--limit", "50"), 0, "%s", err);
	free(err);
	cr_assert(strncmp(out1, "20 cases (xapian", 16) == 0, "%s", out1);

	cr_assert(asprintf(&single, "%s/shards", data) > 0);
	cr_assert_eq(RUN(data, NULL, NULL, &err, "shard", "--shards", "2", "--out", single), 0,
		     "%s", err);
	free(err);
	cr_assert(asprintf(&stub, "%s/xapian.stub", data) > 0);
	static const char stub_text[] = "# caselib: local shards/local\n"
					 "# caselib: shards shards\n"
					 "auto shards/shard-00/xapian\n"
					 "auto shards/shard-01/xapian\n";
	tu_write_file(stub, stub_text, strlen(stub_text));
	cr_assert(asprintf(&xdir, "%s/xapian", data) > 0);
	cr_assert(asprintf(&moved, "%s/xapian.single", data) > 0);
	cr_assert_eq(rename(xdir, moved), 0);

	cr_assert_eq(RUN(data, NULL, &out2, &err, "search", "skolmåltider", "--facets", "all",
			 "--limit", "50"), 0, "%s", err);
	free(err);
	cr_assert(strncmp(out2, "20 cases (xapian", 16) == 0, "%s", out2);
	cr_assert_str_eq(after_first_line(out2), after_first_line(out1));
	cr_assert_neq(stat(xdir, &st), 0, "search built %s instead of following the stub", xdir);

	/* new cases reach the shards: search syncs them first */
	char *more = gen_jsonl("sh", 41, 6);
	tu_write_file(path, more, strlen(more));
	cr_assert_eq(RUN(data, NULL, NULL, &err, "import", path), 0, "%s", err);
	free(err);
	cr_assert_eq(RUN(data, NULL, &out3, &err, "search", "skolmåltider", "--limit", "50"), 0,
		     "%s", err);
	free(err);
	cr_assert(strncmp(out3, "23 cases (xapian", 16) == 0, "%s", out3);
	cr_assert_neq(stat(xdir, &st), 0);

	/* check compares the store with what the stub serves */
	free(out1);
	cr_assert_eq(RUN(data, NULL, &out1, &err, "check"), 0, "%s", err);
	cr_assert(strstr(out1, "xapian: 46 cases indexed, 0 differences"), "%s", out1);
	free(err);

	free(out2);
	free(out3);
	free(more);
	free(out1);
	free(in);
	free(path);
	free(single);
	free(stub);
	free(xdir);
	free(moved);
	drop(dir, data);
}
