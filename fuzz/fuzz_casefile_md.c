/* fuzz_casefile_md.c — libFuzzer target: the "case-md" harvest parser
 * (Markdown case files with a front-matter header).
 * Every emitted record must validate again and re-parse (fuzzutil.c);
 * a crash, a leak, an invalid record or a multi-line reject is a finding. */
#include <stdint.h>
#include <string.h>

#include "fuzzutil.h"

static parser_fn parse;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	parse = fz_parser("case-md");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_parse(parse, (const char *)data, size);
	return 0;
}
