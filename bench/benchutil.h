/* benchutil.h — what the benchmark programs share: the clock, result lines
 * in the format scripts/bench reads, latency percentiles, and the reader of
 * Cranfield's SMART files. Linked into every program under bench/ by the
 * Makefile's bench rule (and mk/bench-peers.mk for peer_pg). */
#ifndef BENCHUTIL_H
#define BENCHUTIL_H

#include <stddef.h>
#include <stdio.h>

/* Monotonic seconds. */
double bu_now(void);

/* Stores the real corpus of the shared data directory in s, in one
 * transaction, as the harvester parses it: the Swedish procurement
 * statistics (se-procurements-2021/number_of_procurements.csv) and the IPS
 * cases (ips-cases/cases.csv); actor names the writer in the change log.
 * *n and *rejected (either may be NULL) get the cases stored and the rows
 * the parsers rejected. CL_OK, or an error in eb (a file that cannot be
 * read: CL_EIO). Used by bench/findability.c and tests/testutil.c
 * (tu_load_real_corpus). */
struct store;
struct cl_errbuf;
int bu_load_real_corpus(struct store *s, const char *shared, const char *actor, long *n,
			long *rejected, struct cl_errbuf *eb);

/* One result line on stdout (flushed):
 * {"system":S,"corpus":C,"metric":M,"value":V,"unit":U}. */
void bu_result(const char *system, const char *corpus, const char *metric, double v,
	       const char *unit);

/* Sorts lat[0..n) (milliseconds, n > 0) and prints PREFIX_p50_ms, _p95_ms,
 * _p99_ms (nearest rank) and PREFIX_qps (n / seconds). */
void bu_latency(const char *system, const char *corpus, const char *prefix, double *lat,
		size_t n, double seconds);

/* One record of a SMART file: .T and .W text, lines joined with spaces. */
struct bu_smart {
	char *title, *text; /* malloc()ed; bu_smart_release frees */
};

/* Reads a SMART file (.I starts a record; .T and .W kept, CR dropped) into
 * recs[0..max); returns the number of records read (at most max), or -1
 * (with a message on stderr naming prog and path). */
int bu_read_smart(const char *prog, const char *path, struct bu_smart *recs, int max);
void bu_smart_release(struct bu_smart *recs, int n);

/* Ideal DCG@10 of n graded gains (sorts gains descending in place): the
 * nDCG@10 denominator of the Cranfield scorers. */
double bu_ideal_dcg10(int *gains, int n);

/* A command-line option of a bench program, "--name VALUE" (or "--name"
 * alone for BU_FLAG). The table ends with {NULL}. */
enum bu_opt_kind {
	BU_STR,  /* const char ** gets the value */
	BU_LONG, /* long * gets the value, a decimal in [min, max] */
	BU_U64,  /* unsigned long long * gets the value, a decimal */
	BU_FLAG, /* int * gets min; takes no value */
};
struct bu_opt {
	const char *name;
	enum bu_opt_kind kind;
	void *dst;
	long min, max;
};

/* Reads argv[1..argc) against opts. --help or -h: usage(stdout) and 0. An
 * unknown option, one without its value or a bad number: a line naming prog
 * and the option on stderr, usage(stderr), and 2. Otherwise -1: go on. */
int bu_options(const char *prog, int argc, char **argv, const struct bu_opt *opts,
	       void (*usage)(FILE *));

#endif
