/* fuzz_query_fts5.c — libFuzzer target: query text, options and filters
 * through engine_search / engine_similar_text / engine_suggest of the
 * SQLite FTS5 engine, over a tiny index built once in a temporary directory
 * (fuzzutil.c: fz_query_init, fz_query_one). */
#include <stdint.h>

#include "engine.h"
#include "fuzzutil.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_query_init(ENGINE_FTS5);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_query_one(data, size);
	return 0;
}
