/* cli_shard.c — `caselib shard`: a thin layer over indexer/shard.h. */
#include "cli_shard.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shard.h"
#include "store.h"

static int parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end = NULL;
	unsigned long v;

	if (!s || !*s || *s == '-')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_stub(struct cli_ctx *ctx, const char *stub, const char **remotes, unsigned n,
		      const char *local, const char *shards_dir, unsigned timeout_ms)
{
	struct cl_errbuf eb = {0};
	int rc;

	if (n == 0)
		return cli_usage(ctx, "shard", "--stub needs at least one --remote HOST:PORT");
	for (unsigned i = 0; i < n; i++) {
		const char *c = strrchr(remotes[i], ':');
		unsigned long port;
		if (!c || c == remotes[i] || parse_uint(c + 1, 1, 65535, &port) ||
		    strpbrk(remotes[i], " \t\r\n"))
			return cli_usage(ctx, "shard", "--remote must be HOST:PORT");
	}
	rc = shard_write_stub(stub, n, remotes, local, shards_dir, timeout_ms, &eb);
	if (rc != CL_OK) {
		fprintf(stderr, "%s shard: %s\n", ctx->prog, eb.msg);
		return CLI_EXIT_IO;
	}
	printf("stub: %s (%u remote shards)\n", stub, n);
	return CLI_EXIT_OK;
}

int cli_cmd_shard(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'},
		{"shards", required_argument, NULL, 'n'},
		{"sync", no_argument, NULL, 'y'},
		{"status", no_argument, NULL, 's'},
		{"batch", required_argument, NULL, 'b'},
		{"stub", required_argument, NULL, 'S'},
		{"remote", required_argument, NULL, 'r'},
		{"local", required_argument, NULL, 'l'},
		{"timeout-ms", required_argument, NULL, 't'},
		{"shards-dir", required_argument, NULL, 'd'},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL, *stub = NULL, *local = NULL, *shards_dir = NULL, *remotes[SHARD_MAX];
	unsigned long nshards = 0, batch = 0, timeout_ms = 0;
	unsigned nremotes = 0;
	int ch, status = 0, rc, ret = CLI_EXIT_OK;
	struct cl_errbuf eb = {0};
	struct store *s = NULL;
	struct shard_set *ss = NULL;
	struct shard_stats st;
	int64_t store_seq = 0;
	double t0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		case 'n':
			if (parse_uint(optarg, 1, SHARD_MAX, &nshards))
				return cli_usage(ctx, "shard", "--shards must be 1..64");
			break;
		case 'y':
			break; /* syncing is what a run without --status does */
		case 's':
			status = 1;
			break;
		case 'b':
			if (parse_uint(optarg, 1, 1000000, &batch))
				return cli_usage(ctx, "shard", "--batch must be 1..1000000");
			break;
		case 'S':
			stub = optarg;
			break;
		case 'r':
			if (nremotes == SHARD_MAX)
				return cli_usage(ctx, "shard", "at most 64 --remote");
			remotes[nremotes++] = optarg;
			break;
		case 'l':
			local = optarg;
			break;
		case 'd':
			shards_dir = optarg;
			break;
		case 't':
			if (parse_uint(optarg, 1, 600000, &timeout_ms))
				return cli_usage(ctx, "shard", "--timeout-ms must be 1..600000");
			break;
		default:
			return cli_usage(ctx, "shard", "unknown option or missing value");
		}
	}
	if (optind < argc)
		return cli_usage(ctx, "shard", "unexpected argument");
	if (stub) {
		if (out || nshards || status)
			return cli_usage(ctx, "shard", "--stub goes with --remote, --local and --timeout-ms only");
		return write_stub(ctx, stub, remotes, nremotes, local, shards_dir,
				  timeout_ms ? (unsigned)timeout_ms : 5000);
	}
	if (nremotes || local || timeout_ms || shards_dir)
		return cli_usage(ctx, "shard", "--remote, --local, --shards-dir and --timeout-ms go with --stub");
	if (!out)
		return cli_usage(ctx, "shard", "--out DIR is required");
	if (status && nshards)
		return cli_usage(ctx, "shard", "--status takes no --shards");

	if (cli_open_store(ctx, 0, &s) != CLI_EXIT_OK)
		return CLI_EXIT_STORE;
	rc = shard_set_open(out, status ? 0 : (unsigned)nshards, s, &ss, &eb);
	if (rc != CL_OK) {
		fprintf(stderr, "%s shard: %s\n", ctx->prog, eb.msg);
		ret = rc == CL_EINVAL || rc == CL_ENOTFOUND ? CLI_EXIT_USAGE : CLI_EXIT_STORE;
		goto done;
	}
	t0 = now_s();
	rc = status ? shard_status(ss, &st, &eb) : shard_sync(s, ss, batch, &st, &eb);
	if (rc == CL_OK)
		rc = store_last_seq(s, &store_seq, &eb);
	if (rc != CL_OK) {
		fprintf(stderr, "%s shard: %s\n", ctx->prog, eb.msg);
		ret = CLI_EXIT_STORE;
		goto done;
	}
	printf("shards: %u in %s; store seq %lld\n", shard_set_count(ss), out,
	       (long long)store_seq);
	for (unsigned i = 0; i < shard_set_count(ss); i++)
		printf("shard-%02u: seq %lld -> %lld, %ld documents\n", i, (long long)st.from_seq[i],
		       (long long)st.to_seq[i], st.docs[i]);
	if (!status) {
		printf("indexed %ld, removed %ld", st.put, st.deleted);
		if (st.local_rebuilt)
			printf("; local spelling data: %lu words", st.spelling_words);
		printf("; %.1f s\n", now_s() - t0);
	}
done:
	shard_set_close(ss);
	store_close(s);
	return ret;
}
