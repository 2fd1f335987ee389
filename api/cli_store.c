/* cli_store.c — the `caselib` commands over the store alone: init,
 * import, show, list, export, backup, check and stats (api/cli_store.h).
 * Errors go to stderr as one line naming the file, line or JSON path and
 * the reason; results go to stdout. Exit codes are in cli.h. */
#include "cli_store.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "case.h"
#include "case_csv.h"
#include "cl_err.h"
#include "cli_search.h"
#include "csv.h"
#include "engine.h"
#include "store.h"
#include "taxonomy.h"

/* --- init ------------------------------------------------------------ */

int cli_cmd_init(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store *s = NULL;
	struct store_counts n;
	struct cl_errbuf eb = {0};
	int rc;

	(void)argv;
	if (argc > 1)
		return cli_usage(ctx, "init", "takes no arguments");
	rc = cli_open_store(ctx, STORE_CREATE, &s);
	if (rc)
		return rc;
	if (store_counts(s, &n, &eb) != CL_OK) {
		fprintf(stderr, "%s init: %s\n", ctx->prog, eb.msg);
		store_close(s);
		return CLI_EXIT_STORE;
	}
	printf("store ready: %s/%s (schema %d, %ld cases)\n", ctx->data_dir, STORE_DB_NAME,
	       STORE_SCHEMA_VERSION, n.cases);
	store_close(s);
	return CLI_EXIT_OK;
}

/* --- import ---------------------------------------------------------- */

struct pending {
	char *line; /* acknowledgement text */
	int kind;   /* 0 new, 1 updated, 2 unchanged */
};

struct import_state {
	struct cli_ctx *ctx;
	struct store *s;
	int verbose;
	long batch;
	struct pending *pend;
	size_t npend, cappend;
	long n_new, n_updated, n_unchanged, n_rejected, n_records, n_files;
	int store_failed; /* a commit or the store itself failed: stop */
	int store_err;    /* ... with this code (CL_EFULL: the disk is full) */
	int io_failed;
	double t0, last_progress;
	int progress; /* stderr is a terminal */
};

static void pending_clear(struct import_state *st)
{
	for (size_t i = 0; i < st->npend; i++)
		free(st->pend[i].line);
	st->npend = 0;
}

/* Commits the open batch; on success prints the acknowledgements (with
 * --verbose) and counts them. */
static int import_flush(struct import_state *st)
{
	struct cl_errbuf eb = {0};
	int rc;

	if (st->npend == 0)
		return 0;
	if ((rc = store_commit(st->s, &eb)) != CL_OK) {
		st->store_err = rc;
		fprintf(stderr, "%s import: commit failed, last %zu records not stored: %s\n",
			st->ctx->prog, st->npend, eb.msg);
		store_rollback(st->s);
		st->n_rejected += (long)st->npend;
		pending_clear(st);
		st->store_failed = 1;
		return -1;
	}
	for (size_t i = 0; i < st->npend; i++) {
		if (st->verbose)
			fputs(st->pend[i].line, stdout);
		if (st->pend[i].kind == 0)
			st->n_new++;
		else if (st->pend[i].kind == 1)
			st->n_updated++;
		else
			st->n_unchanged++;
	}
	if (st->verbose)
		fflush(stdout);
	pending_clear(st);
	return 0;
}

static void import_progress(struct import_state *st, int final)
{
	double t;

	if (!st->progress)
		return;
	t = cli_now();
	if (!final && t - st->last_progress < 0.5)
		return;
	st->last_progress = t;
	fprintf(stderr, "\rimport: %ld records, %ld rejected, %.0f records/s%s", st->n_records,
		st->n_rejected, (double)st->n_records / (t - st->t0 > 1e-3 ? t - st->t0 : 1e-3),
		final ? "\n" : "");
}

/* Imports one serialised record. where is "FILE" and line the 1-based
 * line (0 for a whole-file record). */
static void import_record(struct import_state *st, const char *where, long line,
			  const char *text, size_t len)
{
	struct case_record c;
	struct case_problems probs;
	struct store_put_result res;
	struct cl_errbuf eb = {0};
	char loc[1200];
	int rc;

	if (st->store_failed)
		return;
	st->n_records++;
	if (line > 0)
		snprintf(loc, sizeof loc, "%s:%ld", where, line);
	else
		snprintf(loc, sizeof loc, "%s", where);

	case_init(&c);
	case_problems_init(&probs);
	rc = case_parse(text, len, 0, &c, &probs);
	if (rc != CL_OK) {
		for (size_t i = 0; i < probs.n; i++)
			fprintf(stderr, "%s: %s: %s\n", loc, probs.v[i].path, probs.v[i].reason);
		if (probs.n == 0)
			fprintf(stderr, "%s: $: %s\n", loc, cl_strerror(rc));
		st->n_rejected++;
		goto out;
	}
	if (st->npend == 0 && store_begin(st->s, &eb) != CL_OK) {
		fprintf(stderr, "%s: store: %s\n", loc, eb.msg);
		st->n_rejected++;
		st->store_failed = 1;
		goto out;
	}
	rc = store_put_case(st->s, &c, "import", &res, &eb);
	if (rc != CL_OK) {
		fprintf(stderr, "%s: %s: not stored: %s\n", loc, c.id, eb.msg);
		st->n_rejected++;
		if (rc == CL_EIO || rc == CL_EFULL || rc == CL_EBUSY) {
			st->store_err = rc;
			store_rollback(st->s);
			st->n_rejected += (long)st->npend;
			pending_clear(st);
			st->store_failed = 1;
		}
		goto out;
	}
	if (st->npend == st->cappend) {
		size_t cap = st->cappend ? st->cappend * 2 : 64;
		struct pending *p = realloc(st->pend, cap * sizeof *p);
		if (!p) {
			fprintf(stderr, "%s: out of memory\n", loc);
			st->store_failed = 1;
			goto out;
		}
		st->pend = p;
		st->cappend = cap;
	}
	{
		struct pending *p = &st->pend[st->npend];
		p->kind = res.unchanged ? 2 : res.created ? 0 : 1;
		if (asprintf(&p->line, "%s %s v%ld\n",
			     res.unchanged ? "unchanged" : res.created ? "stored" : "updated", c.id,
			     res.version) < 0) {
			st->store_failed = 1;
			goto out;
		}
		st->npend++;
	}
	if ((long)st->npend >= st->batch)
		import_flush(st);
out:
	import_progress(st, 0);
	case_release(&c);
	case_problems_release(&probs);
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcmp(s + n - m, suf);
}

static void import_lines(struct import_state *st, FILE *f, const char *where)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;

	while (!st->store_failed && (n = getline(&line, &cap, f)) >= 0) {
		const char *p = line;
		lineno++;
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0' && (size_t)(p - line) == (size_t)n)
			continue; /* blank line */
		if ((size_t)n > CASE_JSON_MAX_BYTES) {
			fprintf(stderr, "%s:%ld: $: record is %zd bytes, at most %d\n", where, lineno,
				n, CASE_JSON_MAX_BYTES);
			st->n_records++;
			st->n_rejected++;
			continue;
		}
		import_record(st, where, lineno, line, (size_t)n);
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: read error: %s\n", where, strerror(errno));
		st->io_failed = 1;
	}
	free(line);
}

static void import_json_file(struct import_state *st, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;

	if (!f) {
		fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
		st->io_failed = 1;
		return;
	}
	buf = malloc(CASE_JSON_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		st->io_failed = 1;
		return;
	}
	n = fread(buf, 1, CASE_JSON_MAX_BYTES + 1, f);
	if (ferror(f)) {
		fprintf(stderr, "%s: read error: %s\n", path, strerror(errno));
		st->io_failed = 1;
	} else if (n > CASE_JSON_MAX_BYTES) {
		fprintf(stderr, "%s: $: file is larger than %d bytes (one case per .json file)\n",
			path, CASE_JSON_MAX_BYTES);
		st->n_records++;
		st->n_rejected++;
	} else {
		import_record(st, path, 0, buf, n);
	}
	free(buf);
	fclose(f);
}

static void import_file(struct import_state *st, const char *path)
{
	st->n_files++;
	if (!strcmp(path, "-")) {
		import_lines(st, stdin, "<stdin>");
		return;
	}
	if (has_suffix(path, ".json")) {
		import_json_file(st, path);
	} else {
		FILE *f = fopen(path, "rb");
		if (!f) {
			fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
			st->io_failed = 1;
			return;
		}
		import_lines(st, f, path);
		fclose(f);
	}
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Imports every .json, .jsonl and .ndjson file under dir, recursively, in
 * name order (so repeated imports are deterministic). */
static void import_dir(struct import_state *st, const char *dir, int depth)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (depth > 16) {
		fprintf(stderr, "%s: directories nested too deep, skipped\n", dir);
		return;
	}
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "%s: cannot open directory: %s\n", dir, strerror(errno));
		st->io_failed = 1;
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			char **nn = realloc(names, cap * sizeof *nn);
			if (!nn)
				break;
			names = nn;
		}
		if (asprintf(&names[n], "%s/%s", dir, e->d_name) < 0)
			break;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n && !st->store_failed; i++) {
		struct stat sb;
		if (stat(names[i], &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode))
			import_dir(st, names[i], depth + 1);
		else if (S_ISREG(sb.st_mode) &&
			 (has_suffix(names[i], ".json") || has_suffix(names[i], ".jsonl") ||
			  has_suffix(names[i], ".ndjson")))
			import_file(st, names[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int cli_cmd_import(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"verbose", no_argument, NULL, 'v'},
		{"batch", required_argument, NULL, 'b'},
		{NULL, 0, NULL, 0},
	};
	struct import_state st;
	int ch, rc;

	memset(&st, 0, sizeof st);
	st.ctx = ctx;
	st.batch = 500;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+vb:", opts, NULL)) != -1) {
		switch (ch) {
		case 'v':
			st.verbose = 1;
			break;
		case 'b':
			if (cli_parse_long(optarg, 1, 100000, &st.batch))
				return cli_usage(ctx, "import", "--batch takes 1..100000");
			break;
		default:
			return cli_usage(ctx, "import", "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage(ctx, "import", "name at least one FILE or DIR (or - for stdin)");
	rc = cli_open_store(ctx, 0, &st.s);
	if (rc)
		return rc;
	st.progress = isatty(2);
	st.t0 = st.last_progress = cli_now();
	for (int i = optind; i < argc && !st.store_failed; i++) {
		struct stat sb;
		if (strcmp(argv[i], "-") && stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode))
			import_dir(&st, argv[i], 0);
		else
			import_file(&st, argv[i]);
	}
	if (!st.store_failed)
		import_flush(&st);
	import_progress(&st, 1);
	fprintf(stderr, "import: %ld new, %ld updated, %ld unchanged, %ld rejected (%ld records in %ld files)\n",
		st.n_new, st.n_updated, st.n_unchanged, st.n_rejected, st.n_records, st.n_files);
	pending_clear(&st);
	free(st.pend);
	store_close(st.s);
	if (st.store_failed)
		return cli_exit_code(st.store_err ? st.store_err : CL_EDB);
	if (st.io_failed)
		return CLI_EXIT_IO;
	return st.n_rejected ? CLI_EXIT_REJECTED : CLI_EXIT_OK;
}

/* --- show ------------------------------------------------------------ */

static int print_version_row(const struct store_version_info *vi, void *ud)
{
	(void)ud;
	printf("v%-4ld %-19s %-18s %s\n", vi->version, vi->created_at ? vi->created_at : "",
	       vi->status ? vi->status : "", vi->actor ? vi->actor : "");
	return 0;
}

int cli_cmd_show(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"version", required_argument, NULL, 'V'},
		{"history", no_argument, NULL, 'H'},
		{NULL, 0, NULL, 0},
	};
	struct store *s = NULL;
	struct case_record c;
	struct cl_errbuf eb = {0};
	long version = 0;
	int history = 0, ch, rc, ret = CLI_EXIT_OK;
	json_t *j = NULL;
	char *text = NULL;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "+V:H", opts, NULL)) != -1) {
		switch (ch) {
		case 'V':
			if (cli_parse_long(optarg, 1, 1000000000L, &version))
				return cli_usage(ctx, "show", "--version takes a positive number");
			break;
		case 'H':
			history = 1;
			break;
		default:
			return cli_usage(ctx, "show", "unknown option");
		}
	}
	if (argc - optind != 1)
		return cli_usage(ctx, "show", "name exactly one case ID");
	rc = cli_open_store(ctx, STORE_READONLY, &s);
	if (rc)
		return rc;
	case_init(&c);
	if (history) {
		rc = store_list_versions(s, argv[optind], print_version_row, NULL, &eb);
	} else {
		rc = version ? store_get_version(s, argv[optind], version, &c, &eb)
			     : store_get_case(s, argv[optind], &c, &eb);
		if (rc == CL_OK) {
			j = case_to_json(&c);
			text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
			if (!text) {
				rc = CL_ENOMEM;
			} else {
				puts(text);
			}
		}
	}
	if (rc == CL_ENOTFOUND) {
		fprintf(stderr, "%s show: no case '%s'%s\n", ctx->prog, argv[optind],
			version ? " with that version" : "");
		ret = CLI_EXIT_NOTFOUND;
	} else if (rc != CL_OK) {
		fprintf(stderr, "%s show: %s\n", ctx->prog, eb.msg[0] ? eb.msg : cl_strerror(rc));
		ret = CLI_EXIT_STORE;
	}
	free(text);
	json_decref(j);
	case_release(&c);
	store_close(s);
	return ret;
}

/* --- list ------------------------------------------------------------ */

/* Copies at most max code points of s into out (UTF-8 safe). */
static void utf8_trunc(const char *s, size_t max, char *out, size_t outsz)
{
	size_t cps = 0, i = 0;

	while (s[i] && i + 4 < outsz) {
		unsigned char b = (unsigned char)s[i];
		if ((b & 0xC0) != 0x80) {
			if (cps == max)
				break;
			cps++;
		}
		out[i] = s[i];
		i++;
	}
	/* Stopped for lack of room inside a sequence: drop its partial bytes. */
	while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80) {
		i--;
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			break;
	}
	out[i] = '\0';
	if (s[i] && i + 4 <= outsz)
		strcat(out, "…");
}

static int list_row(const struct case_record *c, void *ud)
{
	char title[256];
	long *n = ud;

	utf8_trunc(c->title ? c->title : "", 60, title, sizeof title);
	printf("%-17s %-11s %4d  %-40s  %s\n", c->status ? c->status : "", c->kind ? c->kind : "",
	       case_year(c), c->id, title);
	(*n)++;
	return 0;
}

int cli_cmd_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"status", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	const char *status = NULL;
	long n = 0;
	int ch, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "+s:", opts, NULL)) != -1) {
		if (ch != 's')
			return cli_usage(ctx, "list", "unknown option");
		status = optarg;
	}
	if (optind != argc)
		return cli_usage(ctx, "list", "takes no arguments");
	if (status && !tax_lookup(TAX_STATUS, status))
		return cli_usage(ctx, "list", "unknown --status");
	rc = cli_open_store(ctx, STORE_READONLY, &s);
	if (rc)
		return rc;
	printf("%-17s %-11s %4s  %-40s  %s\n", "STATUS", "KIND", "YEAR", "ID", "TITLE");
	rc = store_foreach_case(s, status, list_row, &n, &eb);
	store_close(s);
	if (rc != CL_OK) {
		fprintf(stderr, "%s list: %s\n", ctx->prog, eb.msg);
		return CLI_EXIT_STORE;
	}
	printf("%ld cases\n", n);
	return CLI_EXIT_OK;
}

/* --- export ---------------------------------------------------------- */

struct export_state {
	FILE *f;
	int csv;
	struct csv_writer w;
	long n;
	int err;
};

static int export_row(const struct case_record *c, void *ud)
{
	struct export_state *ex = ud;

	if (!ex->csv) {
		char *s = case_to_string(c, 0);
		if (!s || fputs(s, ex->f) == EOF || fputc('\n', ex->f) == EOF)
			ex->err = CL_EIO;
		free(s);
	} else {
		case_csv_row(&ex->w, c);
		if (csv_error(&ex->w))
			ex->err = csv_error(&ex->w);
	}
	ex->n++;
	return ex->err;
}

int cli_cmd_export(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"status", required_argument, NULL, 's'},
		{"output", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	struct export_state ex;
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	const char *status = NULL, *output = NULL;
	char *tmp = NULL;
	int ch, rc, ret = CLI_EXIT_OK;

	memset(&ex, 0, sizeof ex);
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+f:s:o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (!strcmp(optarg, "csv"))
				ex.csv = 1;
			else if (strcmp(optarg, "jsonl"))
				return cli_usage(ctx, "export", "--format is jsonl or csv");
			break;
		case 's':
			status = strcmp(optarg, "all") ? optarg : NULL;
			if (status && !tax_lookup(TAX_STATUS, status))
				return cli_usage(ctx, "export", "unknown --status");
			break;
		case 'o':
			output = optarg;
			break;
		default:
			return cli_usage(ctx, "export", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage(ctx, "export", "takes no arguments (use --output FILE)");
	rc = cli_open_store(ctx, STORE_READONLY, &s);
	if (rc)
		return rc;
	if (output) {
		/* Written to a temporary name and renamed: never half-written. */
		if (asprintf(&tmp, "%s.tmp-%ld", output, (long)getpid()) < 0 ||
		    !(ex.f = fopen(tmp, "wb"))) {
			fprintf(stderr, "%s export: cannot write %s: %s\n", ctx->prog, output,
				strerror(errno));
			store_close(s);
			free(tmp);
			return CLI_EXIT_IO;
		}
	} else {
		ex.f = stdout;
	}
	if (ex.csv) {
		csv_writer_init(&ex.w, ex.f, 1);
		case_csv_header(&ex.w);
	}
	rc = store_foreach_case(s, status, export_row, &ex, &eb);
	if (rc == CL_OK && fflush(ex.f) != 0)
		rc = CL_EIO;
	if (output) {
		if (fsync(fileno(ex.f)) != 0 && rc == CL_OK)
			rc = CL_EIO;
		if (fclose(ex.f) != 0 && rc == CL_OK)
			rc = CL_EIO;
		if (rc == CL_OK && rename(tmp, output) != 0)
			rc = CL_EIO;
		if (rc != CL_OK)
			unlink(tmp);
	}
	if (rc == CL_EIO || ex.err == CL_EIO) {
		fprintf(stderr, "%s export: write failed: %s\n", ctx->prog, strerror(errno));
		ret = CLI_EXIT_IO;
	} else if (rc != CL_OK) {
		fprintf(stderr, "%s export: %s\n", ctx->prog, eb.msg[0] ? eb.msg : cl_strerror(rc));
		ret = CLI_EXIT_STORE;
	} else {
		fprintf(stderr, "export: %ld cases%s%s\n", ex.n, output ? " to " : "",
			output ? output : "");
	}
	free(tmp);
	store_close(s);
	return ret;
}

/* --- backup ---------------------------------------------------------- */

int cli_cmd_backup(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	int rc;

	if (argc != 2)
		return cli_usage(ctx, "backup", "name exactly one destination FILE");
	rc = cli_open_store(ctx, 0, &s);
	if (rc)
		return rc;
	rc = store_backup(s, argv[1], &eb);
	store_close(s);
	if (rc != CL_OK) {
		fprintf(stderr, "%s backup: %s\n", ctx->prog, eb.msg[0] ? eb.msg : cl_strerror(rc));
		return cli_exit_code(rc);
	}
	printf("backup written to %s\n", argv[1]);
	return CLI_EXIT_OK;
}

/* --- check ----------------------------------------------------------- */

static void check_report(const char *line, void *ud)
{
	long *n = ud;
	printf("problem: %s\n", line);
	(*n)++;
}

int cli_cmd_check(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"store-only", no_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	struct store *s = NULL;
	struct store_counts n;
	struct cl_errbuf eb = {0};
	long problems = 0, ediff = 0;
	int rc, ch, store_only = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (ch != 's')
			return cli_usage(ctx, "check", "unknown option");
		store_only = 1;
	}
	if (optind != argc)
		return cli_usage(ctx, "check", "takes no arguments");
	rc = cli_open_store(ctx, store_only ? STORE_READONLY : 0, &s);
	if (rc)
		return rc;
	rc = store_check(s, check_report, &problems, &eb);
	if (rc != CL_OK && rc != CL_ECORRUPT) {
		fprintf(stderr, "%s check: %s\n", ctx->prog, eb.msg[0] ? eb.msg : cl_strerror(rc));
		store_close(s);
		return CLI_EXIT_STORE;
	}
	if (store_counts(s, &n, &eb) == CL_OK)
		printf("store: %ld cases (%ld published), %ld versions, %ld changes, %ld sources, %ld raw documents\n",
		       n.cases, n.published, n.versions, n.changes, n.sources, n.raw_documents);
	/* The engines: synced, then compared with the store (ids, counts,
	 * facet counts). Only on a clean store: a damaged one is fixed first. */
	if (!store_only && rc == CL_OK && problems == 0) {
		ediff = cli_check_engines(ctx, s);
		if (ediff < 0) {
			store_close(s);
			return CLI_EXIT_STORE;
		}
	}
	store_close(s);
	if (rc == CL_ECORRUPT || problems || ediff) {
		printf("check: %ld problems\n", problems + ediff);
		return CLI_EXIT_REJECTED;
	}
	printf("check: ok\n");
	return CLI_EXIT_OK;
}

/* --- stats ------------------------------------------------------------- */

/* Counts of cases per source format, per status and, for published cases,
 * per value of every search facet (the same values the engines index:
 * engine_case_facet), printed as Markdown tables (docs/corpus.md). */
struct stats_state {
	struct facet_counts formats, status, facets[EF_COUNT];
	long cases;
	int err;
};

static int stats_case(const struct case_record *c, void *ud)
{
	struct stats_state *st = ud;

	st->cases++;
	if (engine_facet_inc(&st->status, c->status ? c->status : "published"))
		return st->err = CL_ENOMEM;
	for (size_t i = 0; i < c->nsources; i++) {
		const char *f = c->sources[i].format ? c->sources[i].format : "(none)";
		int dup = 0;
		for (size_t k = 0; k < i; k++)
			dup |= !strcmp(c->sources[k].format ? c->sources[k].format : "(none)", f);
		if (!dup && engine_facet_inc(&st->formats, f))
			return st->err = CL_ENOMEM;
	}
	if (c->status && strcmp(c->status, "published"))
		return 0;
	for (int f = 0; f < EF_COUNT; f++) {
		struct facet_values fv;
		engine_case_facet(c, (enum engine_facet)f, &fv);
		for (size_t i = 0; i < fv.n; i++)
			if (engine_facet_inc(&st->facets[f], fv.v[i]))
				return st->err = CL_ENOMEM;
	}
	return 0;
}

/* One table; labels from taxonomy tax (-1: none). */
static void print_counts(const char *title, const char *what, struct facet_counts *fc, int tax)
{
	engine_facet_sort(fc);
	printf("\n### %s\n\n| %s | label | cases |\n|---|---|---:|\n", title, what);
	for (size_t i = 0; i < fc->n; i++) {
		const struct tax_entry *te =
			tax >= 0 ? tax_lookup((enum tax_facet)tax, fc->v[i].value) : NULL;
		printf("| `%s` | %s | %ld |\n", fc->v[i].value, te ? te->label_en : "",
		       fc->v[i].count);
	}
}

int cli_cmd_stats(struct cli_ctx *ctx, int argc, char **argv)
{
	struct store *s = NULL;
	struct stats_state st;
	struct cl_errbuf eb = {0};
	int rc;

	(void)argv;
	if (argc > 1)
		return cli_usage(ctx, "stats", "takes no arguments");
	memset(&st, 0, sizeof st);
	rc = cli_open_store(ctx, STORE_READONLY, &s);
	if (rc)
		return rc;
	rc = store_foreach_case(s, NULL, stats_case, &st, &eb);
	store_close(s);
	if (rc != CL_OK) {
		fprintf(stderr, "%s stats: %s\n", ctx->prog, eb.msg[0] ? eb.msg : cl_strerror(rc));
		return CLI_EXIT_STORE;
	}
	printf("## Corpus: %ld cases\n", st.cases);
	print_counts("Cases per source format", "format", &st.formats, -1);
	print_counts("Cases per status", "status", &st.status, TAX_STATUS);
	for (int f = 0; f < EF_COUNT; f++) {
		const char *name = engine_facet_name((enum engine_facet)f);
		char title[96];
		snprintf(title, sizeof title, "Published cases per %s", name);
		print_counts(title, name, &st.facets[f], tax_facet_from_name(name));
	}
	engine_facet_counts_release(&st.formats);
	engine_facet_counts_release(&st.status);
	for (int f = 0; f < EF_COUNT; f++)
		engine_facet_counts_release(&st.facets[f]);
	return CLI_EXIT_OK;
}
