/* fuzz_ocds.c — libFuzzer target: the "ocds" harvest parser (release and
 * record packages, records, releases, JSON Lines) and ocds_next_link.
 * Every emitted record must validate again and re-parse (fuzzutil.c);
 * a crash, a leak, an invalid record or a multi-line reject is a finding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "parse_ocds.h"

static parser_fn parse;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	parse = fz_parser("ocds");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = NULL;

	fz_parse(parse, (const char *)data, size);
	if (ocds_next_link((const char *)data, size, &url) == CL_OK && url &&
	    strncmp(url, "http", 4) != 0)
		fz_fail("ocds_next_link gave a non-http URL: %s", url);
	free(url);
	return 0;
}
