/* fuzz_sestat_csv.c — libFuzzer target: the "se-stats-csv" harvest parser
 * (Upphandlingsmyndigheten's statistics CSV).
 * Every emitted record must validate again and re-parse (fuzzutil.c);
 * a crash, a leak, an invalid record or a multi-line reject is a finding. */
#include "fuzzutil.h"

FZ_PARSER_TARGET("se-stats-csv", NULL)
