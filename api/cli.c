/* cli.c — the `caselib` command line: the dispatch table of commands and
 * their help, and cli_main. The commands live in cli_store.c (the store
 * alone), cli_search.c, cli_harvest.c, cli_serve.c, cli_shard.c and
 * cli_token.c; what they share in cli_util.c. Exit codes are in cli.h. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_err.h"
#include "cli_harvest.h"
#include "cli_search.h"
#include "cli_serve.h"
#include "cli_shard.h"
#include "cli_store.h"
#include "cli_token.h"
#include "store.h"
#include "taxonomy.h"

#define CASELIB_VERSION "0.1.0"

struct cli_cmd {
	const char *name;
	int (*fn)(struct cli_ctx *ctx, int argc, char **argv);
	const char *summary;
	const char *usage; /* options and arguments, printed by --help */
};

/* Parses the options every command shares (--data, --help) plus the
 * command's own. Returns the getopt result loop to the caller through
 * the callback; on --help prints the command help and returns -1. */
static int is_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	}
	return 0;
}

/* --- help ------------------------------------------------------------ */

static int cmd_help(struct cli_ctx *ctx, int argc, char **argv);

static const struct cli_cmd commands[] = {
	{"init", cli_cmd_init, "create the data directory and the store",
	 "init\n\nCreates DIR and DIR/" STORE_DB_NAME " (schema migrated). Safe to run again."},
	{"import", cli_cmd_import, "import case records (JSON, JSON Lines)",
	 "import [--verbose] [--batch N] FILE|DIR|- ...\n\n"
	 "  FILE.json     one case record per file\n"
	 "  FILE.jsonl    one record per line (any other name is read as JSON Lines)\n"
	 "  DIR           every .json, .jsonl, .ndjson below DIR, in name order\n"
	 "  -             JSON Lines on standard input\n"
	 "  --batch N     records per transaction (default 500)\n"
	 "  --verbose     print 'stored|updated|unchanged ID vN' per record once committed\n\n"
	 "Good records are stored, bad ones reported as FILE[:LINE]: PATH: REASON;\n"
	 "the exit code is 1 when any record was rejected."},
	{"harvest", cli_cmd_harvest, CLI_HARVEST_SUMMARY, CLI_HARVEST_USAGE},
	{"search", cli_cmd_search, "full-text and faceted search of the published cases",
	 "search [TEXT...] [--FILTER VALUE...] [--facets all|f1,f2] [--sort relevance|date|date-asc]\n"
	 "       [--limit N] [--offset N] [--lang sv|en] [--no-translate] [--engine xapian|fts5]\n"
	 "       [--similar ID] [--json]\n\n"
	 "Syntax: words (AND, stemmed), \"a phrase\", prefix*, title: buyer: body:, -exclude.\n"
	 "Swedish words also find their English translations and English words their\n"
	 "Swedish ones (weighted below the words typed); --no-translate turns it off.\n"
	 "Filters: repeat an option or give a comma list for OR; different options AND.\n"
	 "Facet counts are disjunctive. The engine is synced with the store first.\n"
	 "See docs/search.md."},
	{"sync", cli_cmd_sync, "apply the store's change log to the search engines",
	 "sync [--engine xapian|fts5]\n\nReplays every change since the engine's last applied one."},
	{"reindex", cli_cmd_reindex, "rebuild the search engines from the store",
	 "reindex [--engine xapian|fts5]"},
	{"serve", cli_cmd_serve, CLI_SERVE_SUMMARY, CLI_SERVE_USAGE},
	{"shard", cli_cmd_shard, CLI_SHARD_SUMMARY, CLI_SHARD_USAGE},
	{"token", cli_cmd_token, CLI_TOKEN_SUMMARY, CLI_TOKEN_USAGE},
	{"show", cli_cmd_show, "print one case as JSON, a version of it, or its history",
	 "show [--version N | --history] ID"},
	{"list", cli_cmd_list, "list the cases in the store",
	 "list [--status S]"},
	{"export", cli_cmd_export, "export cases as JSON Lines or CSV",
	 "export [--format jsonl|csv] [--status S|all] [--output FILE]\n\n"
	 "CSV: UTF-8, header row, RFC 4180 quoting, CRLF; lists joined with ';';\n"
	 "cells starting with = + - @ are prefixed with ' (formula injection guard).\n"
	 "--output writes to a temporary file and renames it into place."},
	{"backup", cli_cmd_backup, "online backup of the store to FILE",
	 "backup FILE\n\nSafe while other processes read and write the store."},
	{"check", cli_cmd_check, "check the store's consistency",
	 "check [--store-only]\n\nintegrity_check, foreign_key_check, change log continuity, versions\n"
	 "and sources; then each search engine is synced and compared with the store\n"
	 "(ids, counts, facet counts). Exit code 1 when a problem is found."},
	{"stats", cli_cmd_stats, "counts per source format, status and facet value (Markdown)",
	 "stats\n\nPrints Markdown tables: cases per source format and status, and published\n"
	 "cases per facet value with the English label (docs/corpus.md is made with it)."},
	{"help", cmd_help, "show help for a command", "help [COMMAND]"},
	{NULL, NULL, NULL, NULL},
};

static const struct cli_cmd *find_cmd(const char *name)
{
	for (const struct cli_cmd *c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void print_cmd_help(FILE *f, const struct cli_cmd *c)
{
	fprintf(f, "usage: caselib [--data DIR] %s\n\n%s.\n", c->usage, c->summary);
	if (c->fn == cli_cmd_search)
		cli_search_help_filters(f);
}

static void print_main_help(FILE *f)
{
	fprintf(f, "usage: caselib [--data DIR] COMMAND [OPTIONS] [ARGS]\n\n"
		   "caselib %s — the innovation procurement case library.\n\n"
		   "Commands:\n",
		CASELIB_VERSION);
	for (const struct cli_cmd *c = commands; c->name; c++)
		fprintf(f, "  %-8s %s\n", c->name, c->summary);
	fprintf(f, "\nOptions:\n"
		   "  --data DIR   data directory (default $CASELIB_DATA, else ./data)\n"
		   "  --help       this text; 'caselib COMMAND --help' for a command\n"
		   "  --version    print the version\n\n"
		   "Exit codes: 0 ok, 1 input rejected or problems found, 2 usage,\n"
		   "3 store error, 4 file error, 5 not found. See docs/cli.md.\n");
}

static int cmd_help(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 2) {
		print_main_help(stdout);
		return CLI_EXIT_OK;
	}
	c = find_cmd(argv[1]);
	if (!c) {
		fprintf(stderr, "%s: unknown command '%s'\n", ctx->prog, argv[1]);
		return CLI_EXIT_USAGE;
	}
	print_cmd_help(stdout, c);
	return CLI_EXIT_OK;
}

int cli_main(int argc, char **argv)
{
	struct cli_ctx ctx = {cli_default_data_dir(), "caselib"};
	struct cl_errbuf eb = {0};
	const struct cli_cmd *c;
	int i = 1;

	/* Global options before the command. */
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--data") && i + 1 < argc) {
			ctx.data_dir = argv[i + 1];
			i += 2;
		} else if (!strncmp(argv[i], "--data=", 7)) {
			ctx.data_dir = argv[i] + 7;
			i++;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			print_main_help(stdout);
			return CLI_EXIT_OK;
		} else if (!strcmp(argv[i], "--version")) {
			printf("caselib %s\n", CASELIB_VERSION);
			return CLI_EXIT_OK;
		} else {
			fprintf(stderr, "caselib: unknown option '%s' (see 'caselib --help')\n", argv[i]);
			return CLI_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		print_main_help(stderr);
		return CLI_EXIT_USAGE;
	}
	c = find_cmd(argv[i]);
	if (!c) {
		fprintf(stderr, "caselib: unknown command '%s' (see 'caselib --help')\n", argv[i]);
		return CLI_EXIT_USAGE;
	}
	/* --data is also accepted after the command: take it out of argv. */
	{
		int n = argc - i, k = 0;
		char **av = calloc((size_t)n + 1, sizeof *av);
		int rc;
		if (!av)
			return CLI_EXIT_IO;
		for (int j = 0; j < n; j++) {
			char *a = argv[i + j];
			if (j > 0 && !strcmp(a, "--data") && j + 1 < n) {
				ctx.data_dir = argv[i + ++j];
				continue;
			}
			if (j > 0 && !strncmp(a, "--data=", 7)) {
				ctx.data_dir = a + 7;
				continue;
			}
			av[k++] = a;
		}
		if (is_help(k, av)) {
			print_cmd_help(stdout, c);
			free(av);
			return CLI_EXIT_OK;
		}
		if (tax_load(&eb) != CL_OK) {
			fprintf(stderr, "caselib: taxonomy tables: %s\n", eb.msg);
			free(av);
			return CLI_EXIT_IO;
		}
		rc = c->fn(&ctx, k, av);
		free(av);
		return rc;
	}
}
