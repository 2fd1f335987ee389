/* cli_search.c — `caselib search|sync|reindex` and the engine checks of
 * `caselib check`: thin layers over query/engine.h and indexer/sync.h. */
#include "cli_search.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "facet.h"
#include "sreq.h"
#include "shard.h"
#include "store.h"
#include "sync.h"

static void progress(const struct sync_stats *st, void *ud)
{
	const char *name = engine_kind_name((enum engine_kind) * (const int *)ud);
	if (isatty(2))
		fprintf(stderr, "\r%s: %ld indexed, %ld removed, seq %lld", name, st->put, st->deleted,
			(long long)st->to_seq);
}

/* A sharded Xapian index (DATA/xapian.stub, docs/operations.md): syncs
 * the shard directory the stub names, if any and not locked by another
 * process (`caselib serve` keeps it synced then), and opens the stub
 * read-only, as the server does; never DATA/xapian, which a sharded data
 * dir does not use (syncing the whole store into it would take as long as
 * a reindex). Returns -1 when there is no stub, else 0 or an exit code. */
static int open_sharded(struct cli_ctx *ctx, struct store *s, struct engine **e)
{
	struct cl_errbuf eb = {0};
	struct shard_set *ss = NULL;
	int rc = shard_open_for_stub(ctx->data_dir, s, &ss, &eb);

	if (rc == CL_ENOTFOUND)
		return -1;
	if (rc == CL_OK && ss)
		rc = shard_sync(s, ss, 0, NULL, &eb);
	shard_set_close(ss);
	if (rc == CL_EBUSY) /* the server holds the shards: it syncs them */
		rc = CL_OK;
	if (rc != CL_OK) {
		fprintf(stderr, "%s: syncing the Xapian shards (xapian.stub) failed: %s\n",
			ctx->prog, eb.msg);
		return CLI_EXIT_STORE;
	}
	if ((rc = engine_open(ENGINE_XAPIAN, ctx->data_dir, s, 0, e, &eb)) != CL_OK) {
		fprintf(stderr, "%s: cannot open the sharded Xapian index (xapian.stub): %s\n",
			ctx->prog, eb.msg);
		return CLI_EXIT_STORE;
	}
	return 0;
}

/* Opens engine k writable and syncs it; when another process holds the
 * write lock, opens it read-only instead (the search then sees the last
 * committed state). A sharded Xapian index: open_sharded. */
static int open_synced(struct cli_ctx *ctx, struct store *s, enum engine_kind k,
		       struct engine **e, int quiet)
{
	struct cl_errbuf eb = {0};
	struct sync_stats st;
	int rc;

	if (k == ENGINE_XAPIAN && (rc = open_sharded(ctx, s, e)) >= 0)
		return rc;
	rc = engine_open(k, ctx->data_dir, s, 1, e, &eb);

	if (rc == CL_EBUSY) {
		rc = engine_open(k, ctx->data_dir, s, 0, e, &eb);
		if (rc == CL_OK)
			return 0;
	}
	if (rc != CL_OK) {
		fprintf(stderr, "%s: cannot open the %s engine: %s\n", ctx->prog,
			engine_kind_name(k), eb.msg);
		return CLI_EXIT_STORE;
	}
	int ki = (int)k;
	rc = sync_engine(s, *e, 0, quiet ? NULL : progress, &ki, &st, &eb);
	if (!quiet && isatty(2) && st.changes)
		fputc('\n', stderr);
	if (rc != CL_OK) {
		fprintf(stderr, "%s: syncing the %s engine failed: %s\n", ctx->prog,
			engine_kind_name(k), eb.msg);
		engine_close(*e);
		*e = NULL;
		return CLI_EXIT_STORE;
	}
	return 0;
}

/* --- search ------------------------------------------------------------ */

/* Snippet HTML to terminal text: <mark> as bold (or «» when not a tty),
 * entities decoded. */
static void print_snippet(const char *html, int tty)
{
	const char *p = html;
	fputs("     ", stdout);
	while (*p) {
		if (!strncmp(p, "<mark>", 6)) {
			fputs(tty ? "\033[1m" : "«", stdout);
			p += 6;
		} else if (!strncmp(p, "</mark>", 7)) {
			fputs(tty ? "\033[0m" : "»", stdout);
			p += 7;
		} else if (*p == '&') {
			static const struct { const char *e; char c; } ents[] = {
				{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''},
			};
			size_t k;
			for (k = 0; k < sizeof ents / sizeof *ents; k++)
				if (!strncmp(p, ents[k].e, strlen(ents[k].e))) {
					putchar(ents[k].c);
					p += strlen(ents[k].e);
					break;
				}
			if (k == sizeof ents / sizeof *ents)
				putchar(*p++);
		} else if (*p == '\n') {
			putchar(' ');
			p++;
		} else {
			putchar(*p++);
		}
	}
	putchar('\n');
}

void cli_search_help_filters(FILE *f)
{
	fputs("\nFilters (the facet table; codes: caselib stats, GET /v1/facets):\n", f);
	for (int i = 0; i < FACET_COUNT; i++) {
		const struct facet_def *d = facet_def(i);
		const char *arg = d->from == FACET_FROM_YEAR	  ? "Y|Y1..Y2"
				  : d->from == FACET_FROM_COUNTRY  ? "CC"
				  : d->from == FACET_FROM_LANGUAGE ? "ll"
								   : "CODE[,CODE]";
		fprintf(f, "  --%-16s %-12s %s (API: %s)\n", d->cli, arg, d->label_en, d->name);
	}
}

/* A request error's path as the option the user typed: query.sectors ->
 * --sector, query.limit -> --limit. */
static void print_request_errors(struct cli_ctx *ctx, const struct sreq *sq)
{
	size_t i;
	json_t *e;

	json_array_foreach(sq->errors, i, e) {
		const char *path = json_string_value(json_object_get(e, "path"));
		const char *name = path && !strncmp(path, "query.", 6) ? path + 6 : path;
		int f = facet_from_name(name);

		fprintf(stderr, "%s search: --%s: %s\n", ctx->prog,
			f >= 0 ? facet_def(f)->cli : name ? name : "?",
			json_string_value(json_object_get(e, "reason")));
	}
}

int cli_cmd_search(struct cli_ctx *ctx, int argc, char **argv)
{
	/* the shared request options (API names), then the CLI's own */
	static const char *const shared[] = {"facets", "sort", "limit", "offset", "lang"};
	enum { O_ENGINE = 256, O_JSON, O_SIMILAR, O_NO_TRANSLATE, O_SHARED0,
	       O_FACET0 = O_SHARED0 + 16 };
	struct option opts[FACET_COUNT + 16];
	struct sreq sq;
	struct search_result res;
	struct store *s = NULL;
	struct engine *e = NULL;
	struct cl_errbuf eb = {0};
	char *text = NULL, *similar = NULL;
	int kind = ENGINE_XAPIAN, json = 0, ch, rc, ret = CLI_EXIT_OK;
	size_t len = 0, no = 0;
	double t0;

	for (int f = 0; f < FACET_COUNT; f++)
		opts[no++] = (struct option){facet_def(f)->cli, required_argument, NULL, O_FACET0 + f};
	for (size_t i = 0; i < sizeof shared / sizeof *shared; i++)
		opts[no++] = (struct option){shared[i], required_argument, NULL, O_SHARED0 + (int)i};
	opts[no++] = (struct option){"engine", required_argument, NULL, O_ENGINE};
	opts[no++] = (struct option){"json", no_argument, NULL, O_JSON};
	opts[no++] = (struct option){"similar", required_argument, NULL, O_SIMILAR};
	opts[no++] = (struct option){"no-translate", no_argument, NULL, O_NO_TRANSLATE};
	opts[no] = (struct option){NULL, 0, NULL, 0};

	sreq_init(&sq, SREQ_SEARCH | SREQ_LONG_TEXT);
	search_result_init(&res);
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch >= O_FACET0 && ch < O_FACET0 + FACET_COUNT) {
			/* a comma-separated list or a repeated option: OR within the facet */
			sreq_param(&sq, facet_name(ch - O_FACET0), optarg);
			continue;
		}
		if (ch >= O_SHARED0 && ch < O_SHARED0 + (int)(sizeof shared / sizeof *shared)) {
			sreq_param(&sq, shared[ch - O_SHARED0], optarg);
			continue;
		}
		switch (ch) {
		case O_ENGINE:
			kind = engine_kind_from_name(optarg);
			if (kind < 0) {
				ret = cli_usage(ctx, "search", "--engine is xapian or fts5");
				goto out;
			}
			break;
		case O_JSON:
			json = 1;
			break;
		case O_SIMILAR:
			similar = optarg;
			break;
		case O_NO_TRANSLATE:
			sreq_param(&sq, "translate", "off");
			break;
		default:
			ret = cli_usage(ctx, "search", "unknown option");
			goto out;
		}
	}
	for (int i = optind; i < argc; i++)
		len += strlen(argv[i]) + 1;
	text = calloc(len + 1, 1);
	if (!text) {
		ret = CLI_EXIT_STORE;
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		if (i > optind)
			strcat(text, " ");
		strcat(text, argv[i]);
	}
	if (*text)
		sreq_param(&sq, "q", text);
	if (sreq_failed(&sq)) {
		print_request_errors(ctx, &sq);
		ret = cli_usage(ctx, "search", "the search options are not valid");
		goto out;
	}

	if ((ret = cli_open_store(ctx, 0, &s)))
		goto out;
	if ((ret = open_synced(ctx, s, (enum engine_kind)kind, &e, json)))
		goto out;
	t0 = cli_now();
	if (similar)
		rc = engine_similar(e, similar, &sq.rq, &res, &eb);
	else
		rc = engine_search(e, &sq.rq, &res, &eb);
	if (rc != CL_OK) {
		fprintf(stderr, "%s search: %s\n", ctx->prog, eb.msg[0] ? eb.msg : cl_strerror(rc));
		ret = cli_exit_code(rc);
		goto out;
	}
	if (json) {
		json_t *j = sreq_result_json(s, &sq.rq, &res); /* exactly the API's JSON */
		char *out = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		puts(out ? out : "{}");
		free(out);
		json_decref(j);
	} else {
		int tty = isatty(1);
		printf("%ld cases%s (%s, %.1f ms)%s\n", res.total,
		       res.used_or_fallback ? " with any of the words (none had all)" : "",
		       engine_kind_name((enum engine_kind)kind), (cli_now() - t0) * 1e3,
		       res.parsed_as_plain ? "; some query syntax was read as plain words" : "");
		if (res.suggestion)
			printf("did you mean: %s\n", res.suggestion);
		for (size_t i = 0; i < res.ntrans; i++) {
			printf("%s %s:", i ? ";" : "also searched for", res.trans[i].from);
			for (size_t k = 0; k < res.trans[i].nto; k++)
				printf("%s %s", k ? "," : "", res.trans[i].to[k]);
			if (i + 1 == res.ntrans)
				printf(" (--no-translate: without)\n");
		}
		for (size_t i = 0; i < res.nhits; i++) {
			printf("%3zu. %-28s %s\n", sq.rq.offset + i + 1, res.hits[i].id,
			       res.hits[i].title ? res.hits[i].title : "");
			if (res.hits[i].snippet && *res.hits[i].snippet)
				print_snippet(res.hits[i].snippet, tty);
		}
		for (int f = 0; f < EF_COUNT; f++) {
			if (!(sq.rq.facets & (1u << f)))
				continue;
			printf("%s:", engine_facet_name((enum engine_facet)f));
			for (size_t i = 0; i < res.facets[f].n && i < 12; i++)
				printf(" %s (%ld)", res.facets[f].v[i].value, res.facets[f].v[i].count);
			if (res.facets[f].n > 12)
				printf(" … %zu more", res.facets[f].n - 12);
			putchar('\n');
		}
	}
out:
	search_result_release(&res);
	sreq_release(&sq);
	free(text);
	engine_close(e);
	store_close(s);
	return ret;
}

/* --- sync / reindex ------------------------------------------------------ */

static int engines_from_opt(struct cli_ctx *ctx, const char *cmd, int argc, char **argv,
			    int *which)
{
	static const struct option opts[] = {
		{"engine", required_argument, NULL, 'e'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	*which = 3; /* both */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		int k;
		if (ch != 'e')
			return cli_usage(ctx, cmd, "unknown option");
		k = engine_kind_from_name(optarg);
		if (k < 0)
			return cli_usage(ctx, cmd, "--engine is xapian or fts5");
		*which = 1 << k;
	}
	if (optind != argc)
		return cli_usage(ctx, cmd, "takes no arguments");
	return 0;
}

static int sync_or_reindex(struct cli_ctx *ctx, int argc, char **argv, int reindex)
{
	const char *cmd = reindex ? "reindex" : "sync";
	struct store *s = NULL;
	int which, ret;

	if ((ret = engines_from_opt(ctx, cmd, argc, argv, &which)))
		return ret;
	if ((ret = cli_open_store(ctx, 0, &s)))
		return ret;
	for (int k = 0; k < 2 && !ret; k++) {
		struct engine *e = NULL;
		struct cl_errbuf eb = {0};
		struct sync_stats st;
		double t0 = cli_now();
		int rc;

		if (!(which & (1 << k)))
			continue;
		rc = engine_open((enum engine_kind)k, ctx->data_dir, s, 1, &e, &eb);
		if (rc == CL_OK)
			rc = reindex ? sync_reindex(s, e, progress, &k, &st, &eb)
				     : sync_engine(s, e, 0, progress, &k, &st, &eb);
		if (isatty(2))
			fputc('\n', stderr);
		if (rc != CL_OK) {
			fprintf(stderr, "%s %s: %s engine: %s\n", ctx->prog, cmd,
				engine_kind_name((enum engine_kind)k), eb.msg);
			ret = CLI_EXIT_STORE;
		} else {
			printf("%s: %ld indexed, %ld removed, now at change %lld (%.2f s)\n",
			       engine_kind_name((enum engine_kind)k), st.put, st.deleted,
			       (long long)st.to_seq, cli_now() - t0);
		}
		engine_close(e);
	}
	store_close(s);
	return ret;
}

int cli_cmd_sync(struct cli_ctx *ctx, int argc, char **argv)
{
	return sync_or_reindex(ctx, argc, argv, 0);
}

int cli_cmd_reindex(struct cli_ctx *ctx, int argc, char **argv)
{
	return sync_or_reindex(ctx, argc, argv, 1);
}

static void report_line(const char *line, void *ud)
{
	(void)ud;
	printf("problem: %s\n", line);
}

long cli_check_engines(struct cli_ctx *ctx, struct store *s)
{
	long total = 0;

	for (int k = 0; k < 2; k++) {
		struct engine *e = NULL;
		struct cl_errbuf eb = {0};
		long n = 0, count = 0;
		int rc;

		if ((rc = open_synced(ctx, s, (enum engine_kind)k, &e, 1)))
			return -1;
		rc = sync_compare(s, e, report_line, NULL, &n, &eb);
		if (rc == CL_OK)
			rc = engine_count(e, &count, &eb);
		engine_close(e);
		if (rc != CL_OK) {
			fprintf(stderr, "%s check: %s engine: %s\n", ctx->prog,
				engine_kind_name((enum engine_kind)k), eb.msg);
			return -1;
		}
		printf("%s: %ld cases indexed, %ld differences from the store\n",
		       engine_kind_name((enum engine_kind)k), count, n);
		total += n;
	}
	return total;
}
