/* fuzz_tedxml.c — libFuzzer target: the "ted-xml" harvest parser (TED XML (R2.0.9) notices).
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
	parse = fz_parser("ted-xml");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_parse(parse, (const char *)data, size);
	return 0;
}
