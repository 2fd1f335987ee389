/* sreq.h — the one search request parser and the one search response.
 *
 * The API (query parameters of GET /v1/search, /v1/export, similar cases;
 * the JSON body of POST /v1/similar) and the CLI (`caselib search`) read a
 * search through these functions, so a parameter means the same and is
 * checked by the same rule (facet values by facet_check_value) wherever it
 * comes from, and both print the same JSON for a result.
 *
 *   struct sreq sq;
 *   sreq_init(&sq, SREQ_SEARCH);
 *   sreq_param(&sq, "sectors", "health,education");   // borrowed strings
 *   if (sreq_failed(&sq)) ... sq.errors: [{path, reason}] ...
 *   engine_search(e, &sq.rq, &res, &eb);
 *   json_t *j = sreq_result_json(store, &sq.rq, &res);
 *   sreq_release(&sq);
 *
 * Every problem is collected (all at once, each with its path: "query.X"
 * for parameters, "$.X" for a JSON body), never only the first. */
#ifndef SREQ_H
#define SREQ_H

#include <stddef.h>
#include <jansson.h>

#include "engine.h"

struct store;

/* What a caller accepts besides nothing. */
#define SREQ_TEXT 0x1u    /* q */
#define SREQ_PAGE 0x2u    /* offset, limit */
#define SREQ_SORT 0x4u    /* sort */
#define SREQ_FACETS 0x8u  /* facets */
#define SREQ_FORMAT 0x10u /* format (export) */
#define SREQ_LANG 0x20u   /* lang */
#define SREQ_FILTERS 0x40u /* the facet filters and year */
#define SREQ_LONG_TEXT 0x80u /* q up to ENGINE_TEXT_MAX bytes (POST, CLI); else
			      * SREQ_GET_TEXT_MAX: a URL's share */
#define SREQ_SEARCH (SREQ_TEXT | SREQ_PAGE | SREQ_SORT | SREQ_FACETS | SREQ_LANG | SREQ_FILTERS)
#define SREQ_GET_TEXT_MAX 1024

#define SREQ_DEFAULT_LIMIT 20

struct sreq {
	struct search_request rq; /* the request read so far */
	const char *format;       /* "csv" | "jsonl" | "xlsx" | NULL */
	json_t *errors;           /* [{path, reason}], owned */
	/* private */
	unsigned accept, seen;
	int body; /* 1: parameters come from a JSON body: errors at "$.name" */
	const char **vals[EF_COUNT];
	char **owned; /* values split from comma lists */
	size_t nowned;
};

/* Starts a request accepting the parameters of mask accept (SREQ_*):
 * limit 20, snippets on, relevance order. */
void sreq_init(struct sreq *sq, unsigned accept);
/* Frees what sq owns (not the borrowed strings). */
void sreq_release(struct sreq *sq);

/* Reads one parameter by its API name (q, limit, offset, sort, lang,
 * format, facets, year, or a facet name). name and value are borrowed and
 * must outlive sq. Unknown names, values given twice and bad values add
 * errors. */
void sreq_param(struct sreq *sq, const char *name, const char *value);

/* Reads a JSON body {text, limit, offset, lang, facets, filters} (POST
 * /v1/similar): every member is checked, errors at "$.member". j is
 * borrowed and must outlive sq. */
void sreq_json(struct sreq *sq, const json_t *j);

/* Appends {path, reason} to a JSON array of validation errors (the
 * "errors" of a 400 validation problem). */
void sreq_add_error(json_t *errors, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* An unsigned decimal of at most 9 digits within 0..max, else -1. */
long sreq_parse_uint(const char *s, long max);

/* Adds an error (path, reason) to sq->errors. */
void sreq_error(struct sreq *sq, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* 1 when any error was found. */
int sreq_failed(const struct sreq *sq);

/* The response of a search: {"total", "offset", "limit", "hits",
 * "facets", "used_or_fallback", "parsed_as_plain", "suggestion"}, each hit
 * with its card (the engine's, else read from s when s is not NULL), each
 * facet value {code, count, label_sv, label_en}. New reference. */
json_t *sreq_result_json(struct store *s, const struct search_request *rq,
			 const struct search_result *res);

/* One facet's counts as [{code, count, label_sv, label_en}]. */
json_t *sreq_facet_values_json(enum engine_facet f, const struct facet_counts *fc);

#endif
