/* cli_util.c — what the `caselib` commands share (api/cli.h): the data
 * directory, opening the store with its messages, exit codes from error
 * codes, usage errors, numbers from options, a monotonic clock. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cl_err.h"
#include "store.h"

const char *cli_default_data_dir(void)
{
	const char *d = getenv("CASELIB_DATA");
	return d && *d ? d : "data";
}

/* --- small helpers --------------------------------------------------- */

int cli_open_store(struct cli_ctx *ctx, unsigned flags, struct store **s)
{
	struct cl_errbuf eb = {0};
	int rc = store_open(ctx->data_dir, flags, s, &eb);

	if (rc == CL_OK)
		return CLI_EXIT_OK;
	if (rc == CL_ENOTFOUND)
		fprintf(stderr, "%s: no store in %s (run '%s init --data %s' first)\n",
			ctx->prog, ctx->data_dir, ctx->prog, ctx->data_dir);
	else
		fprintf(stderr, "%s: cannot open store in %s: %s\n", ctx->prog, ctx->data_dir,
			eb.msg[0] ? eb.msg : cl_strerror(rc));
	return CLI_EXIT_STORE;
}

int cli_exit_code(int rc)
{
	switch (rc) {
	case CL_OK:
		return CLI_EXIT_OK;
	case CL_EINVAL:
	case CL_EQUERY:
		return CLI_EXIT_USAGE;
	case CL_EIO:
	case CL_ENET:
		return CLI_EXIT_IO;
	case CL_ENOTFOUND:
		return CLI_EXIT_NOTFOUND;
	case CL_EFULL:
		return CLI_EXIT_FULL;
	default:
		return CLI_EXIT_STORE;
	}
}

int cli_usage(struct cli_ctx *ctx, const char *cmd, const char *msg)
{
	fprintf(stderr, "%s %s: %s (see '%s %s --help')\n", ctx->prog, cmd, msg, ctx->prog, cmd);
	return CLI_EXIT_USAGE;
}

int cli_parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

double cli_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
