/* fuzz_ips_csv.c — libFuzzer target: the "ips-csv" harvest parser (the JRC
 * IPS observatory cases CSV).
 * Every emitted record must validate again and re-parse (fuzzutil.c);
 * a crash, a leak, an invalid record or a multi-line reject is a finding. */
#include "fuzzutil.h"

FZ_PARSER_TARGET("ips-csv", NULL)
