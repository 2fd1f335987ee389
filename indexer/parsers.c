/* parsers.c — the registry of source formats (see parsers.h): one table
 * row per format name, pointing at the parser that reads it. Parsers with
 * their own statistics argument are wrapped to the common parser_fn
 * shape here. */
#include "parsers.h"

#include <string.h>

#include "parse_casefile.h"
#include "parse_eforms.h"
#include "parse_ips.h"
#include "parse_ocds.h"
#include "parse_sestat.h"
#include "parse_tedsearch.h"
#include "parse_tedxml.h"

static int sestat_fn(const char *data, size_t len, const struct parse_src *src,
		     const struct parse_sink *sink, struct cl_errbuf *eb)
{
	return sestat_parse_mem(data, len, src, sink, NULL, eb);
}

static int ips_fn(const char *data, size_t len, const struct parse_src *src,
		  const struct parse_sink *sink, struct cl_errbuf *eb)
{
	return ips_parse_mem(data, len, src, sink, NULL, eb);
}

static const struct parser_def parsers[] = {
	{"ocds", ocds_parse_mem,
	 "OCDS 1.1 release or record packages, records, releases, or JSON Lines of them",
	 ocds_parse_parts, ocds_next_link},
	{"eforms", eforms_parse_mem, "eForms notice (XML, UBL-based, SDK 1.x)", NULL, NULL},
	{"ted-xml", tedxml_parse_mem, "TED XML notice (R2.0.9 schema)", NULL, NULL},
	{"se-stats-csv", sestat_fn,
	 "Upphandlingsmyndigheten's statistics CSV (one row per procurement)", NULL, NULL},
	{"ips-csv", ips_fn, "JRC Innovative Public Services observatory cases (CSV)", NULL, NULL},
	{"case-json", casefile_parse_json,
	 "case records as JSON: one object, an array, or JSON Lines", NULL, NULL},
	{"ted-search", tedsearch_parse_notice,
	 "TED Search API (live notices; each notice's eForms or TED XML)", NULL, NULL},
	{"case-md", casefile_parse_md,
	 "one case as Markdown with a front-matter header (the body is the Markdown)", NULL,
	 NULL},
};

const struct parser_def *parsers_find(const char *format)
{
	if (!format)
		return NULL;
	for (size_t i = 0; i < sizeof parsers / sizeof parsers[0]; i++)
		if (strcmp(parsers[i].format, format) == 0)
			return &parsers[i];
	return NULL;
}

const struct parser_def *parsers_all(size_t *n)
{
	*n = sizeof parsers / sizeof parsers[0];
	return parsers;
}
