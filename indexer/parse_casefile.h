/* parse_casefile.h — case records written by people: the native case JSON
 * ("case-json": one case object, an array of them, or JSON Lines) and
 * Markdown with a front-matter header ("case-md": a small YAML subset for
 * the fields, the Markdown text as `body`).
 *
 * The record shape is docs/case-format.md; the front-matter subset (which
 * keys, which YAML) is specified in docs/sources-ocds-and-files.md. Every
 * record is validated as the API validates submissions
 * (case_validate_json); a record that fails is rejected with its position
 * (line) and the JSON path and reason of each problem, and the parse goes
 * on with the next record.
 *
 * Provenance: a record that has no `sources` gets one for the payload
 * itself when the caller gives src->url and src->retrieved_at (url,
 * retrieved_at, sha256, format). */
#ifndef PARSE_CASEFILE_H
#define PARSE_CASEFILE_H

#include <stddef.h>

#include "cl_err.h"
#include "parse.h"

#define CASEFILE_JSON_FORMAT "case-json"
#define CASEFILE_MD_FORMAT "case-md"
/* A case-json payload (each record within it is further limited to
 * CASE_JSON_MAX_BYTES by case validation; a JSON Lines line too). */
#define CASEFILE_JSON_MAX_BYTES ((size_t)64 << 20)
/* A case-md payload: the body limit (CASE_BODY_MAX_BYTES) plus room for
 * the front matter. */
#define CASEFILE_MD_MAX_BYTES ((size_t)1 << 20)

/* Parses case JSON. Emits each valid record; rejects each invalid one
 * ("$[3].buyer.org_number: checksum fails ...", at the line where the
 * record starts) and each record whose id repeats an earlier one.
 * Returns CL_OK when the payload was read to its end; CL_EPARSE when it
 * is empty, not JSON (line and column in eb), or neither a case object
 * nor an array; CL_ETOOBIG over CASEFILE_JSON_MAX_BYTES or nested deeper
 * than OCDS_MAX_DEPTH; CL_ENOMEM; or the error sink->emit returned. */
int casefile_parse_json(const char *data, size_t len, const struct parse_src *src,
			const struct parse_sink *sink, struct cl_errbuf *eb);

/* Parses one Markdown case file. Returns CL_OK when the file was read
 * (its record emitted, or rejected with "line N: reason" for a problem in
 * the front matter: unknown or repeated key, bad list, bad indentation,
 * a field failing validation); CL_EPARSE when it is empty, not UTF-8,
 * holds a NUL byte, or has no front matter (no "---" first line, or no
 * closing "---"), naming the line; CL_ETOOBIG over CASEFILE_MD_MAX_BYTES;
 * CL_ENOMEM; or the error sink->emit returned. */
int casefile_parse_md(const char *data, size_t len, const struct parse_src *src,
		      const struct parse_sink *sink, struct cl_errbuf *eb);

/* The front-matter keys casefile_parse_md knows, in documentation order;
 * *n gets the count. Borrowed (static). */
const char *const *casefile_md_keys(size_t *n);

#endif
