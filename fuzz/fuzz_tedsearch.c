/* fuzz_tedsearch.c — libFuzzer target: the "ted-search" format. The input
 * is read as a Search API answer page (tedsearch_parse_page: every notice
 * kept must have a valid case id, a real date and an http(s) XML link, and
 * a next request must build from its token) and as a notice's XML (the
 * registry's parser: the eForms or TED XML parser by the root element;
 * every emitted record must validate again, fuzzutil.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "parse_tedsearch.h"

static parser_fn parse;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	parse = fz_parser("ted-search");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tedsearch_page pg;
	char *req = NULL;

	tedsearch_page_init(&pg);
	if (tedsearch_parse_page((const char *)data, size, &pg, NULL) == CL_OK) {
		for (size_t i = 0; i < pg.n; i++) {
			const struct tedsearch_notice *t = &pg.v[i];

			if (strncmp(t->case_id, "ted-", 4) != 0 || strlen(t->date) != 10 ||
			    !parse_is_date(t->date))
				fz_fail("a notice with a bad id or date: %s %s", t->case_id, t->date);
			if (strncmp(t->xml_url, "http://", 7) != 0 &&
			    strncmp(t->xml_url, "https://", 8) != 0)
				fz_fail("a notice XML link that is no http(s) URL: %s", t->xml_url);
		}
		if (tedsearch_request("buyer-country=SWE", pg.v && pg.n ? pg.v[0].date : NULL,
				      pg.next_token, 100, &req) != CL_OK)
			fz_fail("no request from the answer's token and date");
		free(req);
	}
	tedsearch_page_release(&pg);
	fz_parse(parse, (const char *)data, size);
	return 0;
}
