/* fuzzutil.h — what the libFuzzer targets (fuzz/fuzz_*.c) share: a parse
 * sink that checks every emitted record, a temporary directory removed at
 * exit, and a tiny store of hand-written cases for the engine and HTTP
 * targets (docs/reliability.md, "Fuzzing").
 *
 * A violated invariant is a finding: fz_fail() prints the reason and
 * abort()s, which libFuzzer reports as a crash and saves the input. */
#ifndef FUZZUTIL_H
#define FUZZUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "parse.h"
#include "parsers.h"

struct store;

/* The libFuzzer entry points every target defines (Initialize optional). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Prints "fuzz finding: ..." on stderr and abort()s. */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* For LLVMFuzzerInitialize of a parser target: loads the taxonomies and
 * returns the harvest parser called name (parsers.h); a missing parser or
 * taxonomy is a finding. */
parser_fn fz_parser(const char *name);

/* Defines a target's libFuzzer entry points: Initialize runs the
 * statement init once; TestOneInput runs each for every input (data, size). */
#define FZ_TARGET(init, each)                                                           \
	int LLVMFuzzerInitialize(int *argc, char ***argv)                              \
	{                                                                               \
		(void)argc;                                                             \
		(void)argv;                                                             \
		init;                                                                   \
		return 0;                                                               \
	}                                                                               \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                   \
	{                                                                               \
		each;                                                                   \
		return 0;                                                               \
	}

/* A parser target: looks the harvest parser called name up (fz_parser)
 * and runs every input through fz_parse and then, when after is not NULL,
 * through after(data, size) for the checks only that target makes. */
#define FZ_PARSER_TARGET(name, after)                                                   \
	static parser_fn fz_target_parse;                                               \
	static void (*const fz_target_after)(const char *, size_t) = (after);          \
	FZ_TARGET(fz_target_parse = fz_parser(name),                                    \
		  fz_parse(fz_target_parse, (const char *)data, size);                  \
		  if (fz_target_after) fz_target_after((const char *)data, size))

/* Runs parser fn over data: every emitted record must validate again
 * (case_to_json + case_validate_json) and survive case_to_string ->
 * case_parse; every reject must carry a one-line reason. A return code
 * outside cl_err is a finding too. Returns the parser's result. */
int fz_parse(parser_fn fn, const char *data, size_t len);

/* A new empty directory under $TMPDIR (else /tmp), removed with everything
 * in it at exit. Borrowed (static storage). Aborts when it cannot. */
const char *fz_tmpdir(void);

/* Removes path recursively. */
void fz_rmtree(const char *path);

/* Creates a store in dir holding FZ_NCASES published cases (Swedish and
 * English, several facets) and one submitted case. When tokens is non-NULL
 * it gets a reviewer token (tokens[0]) and a contributor token (tokens[1]),
 * each AUTH_TOKEN_LEN + 1 bytes. Aborts on failure. */
#define FZ_NCASES 5
void fz_make_store(const char *dir, char (*tokens)[80]);

/* Runs engine kind k's sync over the store in dir (creates the index). */
void fz_index(const char *dir, int engine_kind);

/* The query targets: a tiny store and an index of engine kind k in a
 * temporary directory, opened read-only (fz_query_init, once); then one
 * input through engine_search or engine_similar_text (and engine_suggest),
 * its result checked: only published fixture cases, paging within limits,
 * HTML-safe snippets, sorted positive facet counts (fz_query_one). An
 * error other than CL_EINVAL or CL_EQUERY is a finding. */
void fz_query_init(int engine_kind);
void fz_query_one(const uint8_t *data, size_t size);

/* A query target for engine kind k (fz_query_init, fz_query_one). */
#define FZ_QUERY_TARGET(k) FZ_TARGET(fz_query_init(k), fz_query_one(data, size))

#endif
