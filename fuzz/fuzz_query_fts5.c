/* fuzz_query_fts5.c — libFuzzer target: query text, options and filters
 * through engine_search / engine_similar_text / engine_suggest of the
 * SQLite FTS5 engine, over a tiny index built once in a temporary directory
 * (fuzzutil.c: fz_query_init, fz_query_one). */
#include "engine.h"
#include "fuzzutil.h"

FZ_QUERY_TARGET(ENGINE_FTS5)
