/* cli_harvest.c — `caselib harvest`: a thin layer over indexer/harvest.h
 * that reads the sources file, shows progress on a terminal and prints
 * what every source did (docs/harvest.md). */
#include "cli_harvest.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harvest.h"
#include "sources.h"
#include "store.h"

struct prog {
	int on;        /* stderr is a terminal */
	double t0, last;
	int shown;     /* a progress line is on screen */
};

static void progress_clear(struct prog *p)
{
	if (p->shown) {
		fprintf(stderr, "\r%-79s\r", "");
		p->shown = 0;
	}
}

static void on_progress(const struct harvest_progress *hp, void *ud)
{
	struct prog *p = ud;
	double now = cli_now(), secs;

	if (!p->on || now - p->last < 0.2)
		return;
	p->last = now;
	secs = now - p->t0 > 0.001 ? now - p->t0 : 0.001;
	fprintf(stderr, "\rharvest: %.24s: %ld records, %.1f MB, %.1f MB/s   ", hp->source,
		hp->records, (double)hp->bytes / 1e6, (double)hp->bytes / 1e6 / secs);
	p->shown = 1;
}

static void print_stats(const struct harvest_stats *st, int verbose)
{
	size_t i, shown;

	if (st->skipped) {
		printf("%s (%s): skipped: %s\n", st->name, st->format, st->skipped);
		return;
	}
	printf("%s (%s): %ld new, %ld updated, %ld unchanged, %ld rejected", st->name, st->format,
	       st->created, st->updated, st->unchanged, st->rejected);
	if (st->dropped)
		printf(", %ld field%s left out", st->dropped, st->dropped == 1 ? "" : "s");
	if (st->merged)
		printf(" (%ld merged with a case from another source)", st->merged);
	printf("; %ld URL%s: %ld fetched, %ld not modified, %ld identical, %ld failed",
	       st->payloads, st->payloads == 1 ? "" : "s", st->fetched, st->not_modified,
	       st->identical, st->failed);
	if (st->searches)
		printf(", %ld search page%s (%ld fresh search%s), %ld notice%s already stored%s",
		       st->searches, st->searches == 1 ? "" : "s", st->restarts,
		       st->restarts == 1 ? "" : "es", st->known, st->known == 1 ? "" : "s",
		       st->notice_capped ? ", stopped at max_notices (the next run resumes)" : "");
	if (st->page_capped)
		printf(", %ld page chain%s stopped at max_pages", st->page_capped,
		       st->page_capped == 1 ? "" : "s");
	printf("; %.1f MB\n", (double)st->bytes / 1e6);

	shown = verbose ? st->nrejects
			: (st->nrejects < CLI_HARVEST_REJECTS_SHOWN ? st->nrejects
								    : CLI_HARVEST_REJECTS_SHOWN);
	for (i = 0; i < shown; i++) {
		const struct harvest_reject *rj = &st->rejects[i];
		if (rj->line > 0)
			fprintf(stderr, "%s: %s:%ld: %s\n", st->name, rj->url, rj->line, rj->reason);
		else
			fprintf(stderr, "%s: %s: %s\n", st->name, rj->url, rj->reason);
	}
	if ((long)shown < st->rejected)
		fprintf(stderr, "%s: ... and %ld more rejected record%s%s\n", st->name,
			st->rejected - (long)shown, st->rejected - (long)shown == 1 ? "" : "s",
			verbose ? " (not kept: over the report limit)" : " (--verbose shows them)");
	shown = verbose ? st->ndrops
			: (st->ndrops < CLI_HARVEST_REJECTS_SHOWN ? st->ndrops
								  : CLI_HARVEST_REJECTS_SHOWN);
	for (i = 0; i < shown; i++)
		fprintf(stderr, "%s: %s\n", st->name, st->drops[i].reason);
	if ((long)shown < st->dropped)
		fprintf(stderr, "%s: ... and %ld more fields left out%s\n", st->name,
			st->dropped - (long)shown,
			verbose ? " (not kept: over the report limit)" : " (--verbose shows them)");
	for (i = 0; i < st->nerrors; i++)
		fprintf(stderr, "%s: failed: %s\n", st->name, st->errors[i]);
}

int cli_cmd_harvest(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"source", required_argument, NULL, 's'},
		{"sources", required_argument, NULL, 'f'},
		{"force", no_argument, NULL, 'F'},
		{"verbose", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	const char *file = SOURCES_DEFAULT_FILE;
	struct harvest_opts ho;
	struct harvest_report rep;
	struct sources ss;
	struct store *s = NULL;
	struct cl_errbuf eb = {0};
	struct prog p = {0};
	long created = 0, updated = 0, unchanged = 0, rejected = 0, failed = 0, dropped = 0;
	int ch, rc, verbose = 0, exit_code = CLI_EXIT_OK, lock = -1;
	size_t i;

	memset(&ho, 0, sizeof ho);
	sources_init(&ss);
	harvest_report_init(&rep);
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			ho.only = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'F':
			ho.force = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			return cli_usage(ctx, "harvest", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage(ctx, "harvest", "takes no arguments besides the options");

	rc = sources_load(&ss, file, &eb);
	if (rc != CL_OK) {
		fprintf(stderr, "%s harvest: %s\n", ctx->prog, eb.msg);
		return rc == CL_EIO || rc == CL_ENOMEM ? CLI_EXIT_IO : CLI_EXIT_USAGE;
	}
	if (ho.only && !sources_find(&ss, ho.only)) {
		fprintf(stderr, "%s harvest: %s has no source named \"%s\"\n", ctx->prog, file,
			ho.only);
		sources_release(&ss);
		return CLI_EXIT_USAGE;
	}
	if (cli_open_store(ctx, 0, &s) != CLI_EXIT_OK) {
		sources_release(&ss);
		return CLI_EXIT_STORE;
	}
	/* two harvests never overlap (a timer and a person, two timers) */
	if ((rc = harvest_lock(ctx->data_dir, &lock, &eb)) != CL_OK) {
		fprintf(stderr, "%s harvest: %s\n", ctx->prog, eb.msg);
		store_close(s);
		sources_release(&ss);
		return rc == CL_EBUSY ? CLI_HARVEST_EXIT_RUNNING : CLI_EXIT_IO;
	}

	p.on = isatty(2);
	p.t0 = cli_now();
	ho.progress = on_progress;
	ho.ud = &p;
	rc = harvest_run(s, &ss, &ho, &rep, &eb);
	progress_clear(&p);

	for (i = 0; i < rep.n; i++) {
		const struct harvest_stats *st = &rep.v[i];
		print_stats(st, verbose);
		created += st->created;
		updated += st->updated;
		unchanged += st->unchanged;
		rejected += st->rejected;
		dropped += st->dropped;
		failed += st->failed + (st->skipped ? 1 : 0);
	}
	printf("harvest: %zu source%s: %ld new, %ld updated, %ld unchanged, %ld rejected,"
	       " %ld failed, %ld field%s left out in %.1f s\n", rep.n, rep.n == 1 ? "" : "s",
	       created, updated, unchanged, rejected, failed, dropped, dropped == 1 ? "" : "s",
	       cli_now() - p.t0);
	if (rc != CL_OK) {
		fprintf(stderr, "%s harvest: stopped: %s\n", ctx->prog, eb.msg);
		/* CL_ENET: libcurl could not start; CL_EFULL: the disk is full;
		 * else the store failed. */
		exit_code = rc == CL_ENET || rc == CL_EFULL ? cli_exit_code(rc) : CLI_EXIT_STORE;
	} else if (failed) {
		exit_code = CLI_EXIT_IO;
	} else if (rejected) {
		exit_code = CLI_EXIT_REJECTED;
	}
	{
		struct harvest_summary sum;
		struct cl_errbuf web = {0};

		sum.finished_at = (long long)time(NULL);
		sum.seconds = cli_now() - p.t0;
		sum.sources = (long)rep.n;
		sum.created = created;
		sum.updated = updated;
		sum.unchanged = unchanged;
		sum.rejected = rejected;
		sum.failed = failed;
		sum.dropped = dropped;
		sum.exit_code = exit_code;
		if (harvest_last_write(ctx->data_dir, &sum, &web) != CL_OK)
			fprintf(stderr, "%s harvest: %s\n", ctx->prog, web.msg);
	}
	harvest_report_release(&rep);
	sources_release(&ss);
	store_close(s);
	harvest_unlock(lock);
	return exit_code;
}
