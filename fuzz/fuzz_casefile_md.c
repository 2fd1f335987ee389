/* fuzz_casefile_md.c — libFuzzer target: the "case-md" harvest parser
 * (Markdown case files with a front-matter header).
 * Every emitted record must validate again and re-parse (fuzzutil.c);
 * a crash, a leak, an invalid record or a multi-line reject is a finding. */
#include "fuzzutil.h"

FZ_PARSER_TARGET("case-md", NULL)
