/* fuzz_tedxml.c — libFuzzer target: the "ted-xml" harvest parser (TED XML (R2.0.9) notices).
 * Every emitted record must validate again and re-parse (fuzzutil.c);
 * a crash, a leak, an invalid record or a multi-line reject is a finding. */
#include "fuzzutil.h"

FZ_PARSER_TARGET("ted-xml", NULL)
