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

/* Parts kept across payloads. Some formats publish one record in parts
 * that come in different payloads and in any order (OCDS: the releases of
 * one contracting process, merged by date into a compiled release). Such
 * a parser keeps every part it reads through put, and builds each record
 * from every part kept for its key (each) — so the record does not depend
 * on which payload came last. The harvester backs this with the store
 * (table ocds_releases); strings are borrowed for the call. */
struct parser_part {
	const char *key;          /* the record's key (ocid) */
	const char *kind;         /* "release" or "compiled" */
	const char *id;           /* the part's id within its key */
	const char *date;         /* as written, "" when absent */
	const char *doc;          /* the part, JSON text */
	const char *package;      /* what the part takes from its payload (JSON
				     text) or NULL */
	const char *url;          /* the payload it was read from */
	const char *sha256;       /* that payload's digest, or NULL */
	const char *retrieved_at; /* RFC 3339 UTC */
};

struct parser_parts {
	/* Keeps one part; CL_OK or a store error (which stops the parse). */
	int (*put)(void *ud, const struct parser_part *p);
	/* Calls fn with every part kept for key; a non-zero return of fn
	 * stops and is returned. */
	int (*each)(void *ud, const char *key,
		    int (*fn)(void *fud, const struct parser_part *p), void *fud);
	void *ud;
};

/* parser_fn with parts kept across payloads (NULL parts: this payload's
 * only, as parse does). */
typedef int (*parser_parts_fn)(const char *data, size_t len, const struct parse_src *src,
			       const struct parse_sink *sink, const struct parser_parts *parts,
			       struct cl_errbuf *eb);

/* Paging: the next page after a payload, for formats whose payloads link
 * to the next (OCDS links.next). *next gets a new http(s) URL (caller
 * frees) or NULL at the end. CL_OK; CL_EPARSE when the payload's next
 * link is unusable (not http or https); CL_ETOOBIG; CL_ENOMEM. */
typedef int (*parser_next_fn)(const char *data, size_t len, char **next);

struct parser_def {
	const char *format; /* "ocds", "eforms", "ted-xml", "se-stats-csv", "ips-csv",
			       "case-json", "ted-search", "case-md" */
	parser_fn parse;
	const char *what;   /* one line for --help and docs */
	parser_parts_fn parse_parts; /* NULL: records are whole in each payload */
	parser_next_fn next;         /* NULL: payloads do not link to a next page */
};

/* The parser for a format name, NULL if unknown. Borrowed (static). */
const struct parser_def *parsers_find(const char *format);

/* All parsers; *n gets the count. Borrowed (static). */
const struct parser_def *parsers_all(size_t *n);

#endif
