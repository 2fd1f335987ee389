/* fuzz_eforms.c — libFuzzer target: the "eforms" harvest parser (eForms XML notices).
 * Every emitted record must validate again and re-parse (fuzzutil.c);
 * a crash, a leak, an invalid record or a multi-line reject is a finding. */
#include "fuzzutil.h"

FZ_PARSER_TARGET("eforms", NULL)
