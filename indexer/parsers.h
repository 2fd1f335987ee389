/* parsers.h — the registry of source formats: a format name (as written in
 * a sources file and in each case's sources[].format) to the parser that
 * turns one fetched payload into case records.
 *
 * Every parser has the same shape: it reads the whole payload from memory,
 * hands each valid record to sink->emit and each unusable part to
 * sink->reject (with a position and a reason), and returns CL_OK when it
 * read the payload to its end — whatever it rejected — or an error when the
 * payload as a whole is unusable (not XML, not JSON, wrong header...), with
 * the reason in eb. A parser never crashes on input and never trusts sizes,
 * depths or entity declarations in it. See indexer/parse.h for parse_src
 * and parse_sink. */
#ifndef PARSERS_H
#define PARSERS_H

#include <stddef.h>

#include "cl_err.h"
#include "parse.h"

typedef int (*parser_fn)(const char *data, size_t len, const struct parse_src *src,
			 const struct parse_sink *sink, struct cl_errbuf *eb);

struct parser_def {
	const char *format; /* "ocds", "eforms", "ted-xml", "se-stats-csv", "ips-csv",
			       "case-json", "case-md" */
	parser_fn parse;
	const char *what;   /* one line for --help and docs */
};

/* The parser for a format name, NULL if unknown. Borrowed (static). */
const struct parser_def *parsers_find(const char *format);

/* All parsers; *n gets the count. Borrowed (static). */
const struct parser_def *parsers_all(size_t *n);

#endif
