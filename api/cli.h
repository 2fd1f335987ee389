/* cli.h — the `caselib` command line: one dispatch table of commands over
 * the library modules. api/main.c is only `return cli_main(argc, argv);`
 * so that tests can link the commands too.
 *
 * Exit codes (docs/cli.md): */
#ifndef CLI_H
#define CLI_H

#include <stdio.h>

#define CLI_EXIT_OK 0       /* success */
#define CLI_EXIT_REJECTED 1 /* ran, but some input was rejected or check found problems */
#define CLI_EXIT_USAGE 2    /* bad command line */
#define CLI_EXIT_STORE 3    /* store missing, busy, newer schema or database error */
#define CLI_EXIT_IO 4       /* a file could not be read or written */
#define CLI_EXIT_NOTFOUND 5 /* the named case does not exist */
#define CLI_EXIT_FULL 6     /* the disk is full: nothing after the last acknowledged
			     * write was stored; run again when there is space */

/* Runs the command line. Returns the process exit code. */
int cli_main(int argc, char **argv);

/* Context shared by the commands (defined in cli.c). */
struct cli_ctx {
	const char *data_dir; /* --data, $CASELIB_DATA, or "data" */
	const char *prog;     /* argv[0] basename, for messages */
};

/* The data directory from --data / $CASELIB_DATA / default "data". */
const char *cli_default_data_dir(void);

struct store;
/* Opens the store of ctx->data_dir (store_open flags). On failure prints
 * "no store in DIR (run 'init' first)" or "cannot open store in DIR: why"
 * and returns CLI_EXIT_STORE; CLI_EXIT_OK (0) on success, *s then owned by
 * the caller (store_close). */
int cli_open_store(struct cli_ctx *ctx, unsigned flags, struct store **s);

/* "PROG CMD: msg (see 'PROG CMD --help')" on stderr; returns
 * CLI_EXIT_USAGE. */
int cli_usage(struct cli_ctx *ctx, const char *cmd, const char *msg);

/* A decimal integer within lo..hi into *out: 0, else -1. */
int cli_parse_long(const char *s, long lo, long hi, long *out);

/* Seconds on the monotonic clock (for progress and timings). */
double cli_now(void);

/* The exit code for an error code (cl_err.h): CL_EFULL -> CLI_EXIT_FULL,
 * CL_EIO and CL_ENET -> CLI_EXIT_IO, CL_ENOTFOUND -> CLI_EXIT_NOTFOUND,
 * CL_EINVAL and CL_EQUERY -> CLI_EXIT_USAGE, other errors CLI_EXIT_STORE. */
int cli_exit_code(int rc);

#endif
