/* parse_tedsearch.h — TED's public Search API (POST
 * https://api.ted.europa.eu/v3/notices/search, anonymous) as a source of
 * live notices: the request body (an expert query from a date, iteration
 * mode), one answer page (each notice's publication number, publication
 * date and XML link, the next iteration token), and the notices
 * themselves, whose XML the eForms or TED XML parser reads by its root
 * element. The harvester drives the paging (indexer/harvest.c,
 * docs/harvest.md "Live TED notices"). */
#ifndef PARSE_TEDSEARCH_H
#define PARSE_TEDSEARCH_H

#include <stddef.h>

#include "cl_err.h"
#include "parse.h"

#define TEDSEARCH_FORMAT "ted-search"
#define TEDSEARCH_PAGE_MAX 250              /* the API's most notices per page */
#define TEDSEARCH_MAX_BYTES ((size_t)16 << 20) /* one answer page */
#define TEDSEARCH_QUERY_MAX 2000            /* bytes of a source's expert query */

/* One notice of an answer page. */
struct tedsearch_notice {
	char id[16];   /* publication number as TED writes it: "00137599-2024" */
	char case_id[24]; /* the case id the notice parsers give it: "ted-2024-00137599" */
	char date[11]; /* publication date, YYYY-MM-DD */
	char *xml_url; /* the notice's XML (links.xml, the "MUL" one first); http(s) */
};

struct tedsearch_page {
	struct tedsearch_notice *v;
	size_t n;
	long skipped;     /* notices without a usable number, date or XML link */
	long total;       /* totalNoticeCount, -1 when absent */
	char *next_token; /* iterationNextToken, NULL at the end */
};

void tedsearch_page_init(struct tedsearch_page *pg);
/* Frees everything and re-initialises. NULL is a no-op. */
void tedsearch_page_release(struct tedsearch_page *pg);

/* Reads one answer of the search endpoint into pg (initialised by the
 * caller; released first). A notice whose publication number, date or XML
 * link is missing or malformed is skipped (counted). CL_OK; CL_ETOOBIG
 * over TEDSEARCH_MAX_BYTES or too deep; CL_EPARSE when it is not JSON or
 * has no "notices" list; CL_ENOMEM. */
int tedsearch_parse_page(const char *data, size_t len, struct tedsearch_page *pg,
			 struct cl_errbuf *eb);

/* The request body for one page: {"query": "(QUERY) AND
 * publication-date>=YYYYMMDD", "fields": [publication-number,
 * publication-date, links], "limit": LIMIT, "paginationMode": "ITERATION",
 * "iterationNextToken": TOKEN}. since (YYYY-MM-DD) and token may be NULL.
 * *json gets a new string (caller frees). CL_OK; CL_EINVAL for a bad date,
 * an empty query or a limit outside 1..TEDSEARCH_PAGE_MAX; CL_ENOMEM. */
int tedsearch_request(const char *query, const char *since, const char *token, int limit,
		      char **json);

/* The case id of a publication number ("00137599-2024" ->
 * "ted-2024-00137599"), as parse_eforms.c and parse_tedxml.c make it.
 * CL_OK or CL_EINVAL. out holds 24 bytes. */
int tedsearch_case_id(const char *pubno, char out[24]);

/* The registry's parser for "ted-search": one notice's XML, read by the
 * TED XML parser when its root is TED_EXPORT, else by the eForms parser. */
int tedsearch_parse_notice(const char *data, size_t len, const struct parse_src *src,
			   const struct parse_sink *sink, struct cl_errbuf *eb);

#endif
