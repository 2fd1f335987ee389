/* fuzz_query_xapian.c — libFuzzer target: query text, options and filters
 * through engine_search / engine_similar_text / engine_suggest of the
 * Xapian engine, over a tiny index built once in a temporary directory
 * (fuzzutil.c: fz_query_init, fz_query_one). */
#include "engine.h"
#include "fuzzutil.h"

FZ_QUERY_TARGET(ENGINE_XAPIAN)
