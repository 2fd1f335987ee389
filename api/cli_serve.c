/* cli_serve.c — `caselib serve`: option parsing, signal handling (the
 * signals are blocked in every thread and taken by sigwait in the main
 * one), then api/server.h does the work. */
#include "cli_serve.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "routes.h"
#include "server.h"

static int parse_count(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v < 1 || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int cli_cmd_serve(struct cli_ctx *ctx, int argc, char **argv)
{
	enum { O_LISTEN = 256, O_THREADS, O_ENGINE, O_CORS, O_WEB, O_MAXCONN, O_TIMEOUT, O_LOG,
	       O_CACHE };
	static const struct option opts[] = {
		{"listen", required_argument, NULL, O_LISTEN},
		{"threads", required_argument, NULL, O_THREADS},
		{"engine", required_argument, NULL, O_ENGINE},
		{"cors", required_argument, NULL, O_CORS},
		{"web", required_argument, NULL, O_WEB},
		{"max-connections", required_argument, NULL, O_MAXCONN},
		{"timeout", required_argument, NULL, O_TIMEOUT},
		{"access-log", no_argument, NULL, O_LOG},
		{"cache-mb", required_argument, NULL, O_CACHE},
		{NULL, 0, NULL, 0},
	};
	struct srv_config cfg;
	struct srv *s = NULL;
	struct cl_errbuf eb = {0};
	sigset_t set, old;
	int ch, rc, sig = 0, k;

	srv_config_init(&cfg);
	cfg.routes = rt_routes;
	cfg.fallback = rt_static;
	cfg.data_dir = ctx->data_dir;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (ch) {
		case O_LISTEN:
			cfg.listen = optarg;
			break;
		case O_THREADS:
			if (parse_count(optarg, 64, &cfg.threads))
				return cli_usage(ctx, "serve", "--threads takes 1..64");
			break;
		case O_ENGINE:
			if ((k = engine_kind_from_name(optarg)) < 0)
				return cli_usage(ctx, "serve", "--engine is xapian or fts5");
			cfg.engine = (enum engine_kind)k;
			break;
		case O_CORS:
			if (!*optarg || strpbrk(optarg, "\r\n "))
				return cli_usage(ctx, "serve", "--cors takes one origin, e.g. https://example.org");
			cfg.cors_origin = optarg;
			break;
		case O_WEB:
			cfg.web_dir = optarg;
			break;
		case O_MAXCONN:
			if (parse_count(optarg, 65536, &cfg.conn_limit))
				return cli_usage(ctx, "serve", "--max-connections takes 1..65536");
			break;
		case O_TIMEOUT:
			if (parse_count(optarg, 3600, &cfg.conn_timeout))
				return cli_usage(ctx, "serve", "--timeout takes 1..3600 seconds");
			break;
		case O_LOG:
			cfg.access_log = 1;
			break;
		case O_CACHE: {
			char *end;
			unsigned long v;
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || *optarg == '-' || v > 65536)
				return cli_usage(ctx, "serve", "--cache-mb takes 0..65536 (0: no cache)");
			cfg.search_cache_bytes = (size_t)v * 1024 * 1024;
			break;
		}
		default:
			return cli_usage(ctx, "serve", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage(ctx, "serve", "takes no arguments");

	/* block the stop signals before any thread starts, so that they all
	 * inherit the mask and only sigwait below sees them */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	rc = srv_start(&cfg, &s, &eb);
	if (rc != CL_OK) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		fprintf(stderr, "%s serve: %s\n", ctx->prog, eb.msg[0] ? eb.msg : cl_strerror(rc));
		return rc == CL_EINVAL	    ? CLI_EXIT_USAGE
		       : rc == CL_EIO	    ? CLI_EXIT_IO
					    : CLI_EXIT_STORE;
	}
	fprintf(stderr, "%s serve: listening on port %u (engine %s, data %s)\n", ctx->prog,
		srv_port(s), engine_kind_name(cfg.engine), ctx->data_dir);
	printf("port %u\n", srv_port(s));
	fflush(stdout);
	while (sigwait(&set, &sig) != 0)
		;
	fprintf(stderr, "%s serve: %s: finishing requests in flight\n", ctx->prog,
		sig == SIGTERM ? "SIGTERM" : "SIGINT");
	srv_stop(s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	fprintf(stderr, "%s serve: stopped\n", ctx->prog);
	return CLI_EXIT_OK;
}
