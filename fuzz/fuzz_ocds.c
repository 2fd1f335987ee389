/* fuzz_ocds.c — libFuzzer target: the "ocds" harvest parser (release and
 * record packages, records, releases, JSON Lines) and ocds_next_link.
 * Every emitted record must validate again and re-parse (fuzzutil.c);
 * a crash, a leak, an invalid record or a multi-line reject is a finding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "parse_ocds.h"

/* ocds_next_link must give an http(s) URL or none. */
static void next_link(const char *data, size_t size)
{
	char *url = NULL;

	if (ocds_next_link(data, size, &url) == CL_OK && url && strncmp(url, "http", 4) != 0)
		fz_fail("ocds_next_link gave a non-http URL: %s", url);
	free(url);
}

FZ_PARSER_TARGET("ocds", next_link)
