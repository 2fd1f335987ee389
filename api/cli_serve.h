/* cli_serve.h — `caselib serve`: runs the HTTP API (api/server.h) until
 * SIGTERM or SIGINT, then finishes the requests in flight and exits 0.
 * Registered in api/cli.c's command table. */
#ifndef CLI_SERVE_H
#define CLI_SERVE_H

#include "cli.h"

#define CLI_SERVE_SUMMARY "run the HTTP JSON API and the web page"
#define CLI_SERVE_USAGE                                                                   \
	"serve [--listen ADDR:PORT] [--threads N] [--engine xapian|fts5] [--cors ORIGIN]\n" \
	"      [--web DIR] [--max-connections N] [--timeout SECONDS] [--access-log]\n"    \
	"      [--cache-mb N]\n\n"                                                         \
	"  --listen       address and port (default 127.0.0.1:8080; [::1]:8080 for IPv6;\n" \
	"                 port 0 picks a free port, printed at start)\n"                    \
	"  --threads      HTTP worker threads (default: number of CPUs)\n"                  \
	"  --engine       search engine (default xapian)\n"                                 \
	"  --cors         allow this browser origin (default: no CORS headers)\n"           \
	"  --web          static files of the web page (default $CASELIB_WEB or api/web)\n" \
	"  --max-connections  concurrent connections (default 256)\n"                      \
	"  --timeout      idle seconds before a connection is closed (default 30)\n"        \
	"  --access-log   one line per request on stderr\n"                                 \
	"  --cache-mb     keep GET /v1/search answers until the store or the index\n"      \
	"                 changes, up to N MiB (default 64; 0: none)\n\n"                  \
	"SIGTERM/SIGINT: stop accepting, finish requests in flight (up to 30 s), exit 0.\n" \
	"Endpoints: docs/api.md; limits: docs/limits.md."

int cli_cmd_serve(struct cli_ctx *ctx, int argc, char **argv);

#endif
