/* parse_ocds.h — Open Contracting Data Standard (OCDS 1.1) payloads -> case
 * records of kind "procurement", one per contracting process (ocid).
 *
 * Accepted shapes (detected, docs/sources-ocds-and-files.md): a release
 * package ({"releases": [...]}), a record package ({"records": [...]},
 * each record's compiledRelease), a single record ({"compiledRelease":
 * ...}), a single release ({"ocid": ...}), a JSON array of any of these,
 * and JSON Lines (one release, record or package per line). Releases of
 * the same ocid — in one package or on several lines — make ONE case:
 * the latest release (by `date`) wins field by field, older ones fill
 * what it lacks (title and summary prefer tender text over planning,
 * contract and award text, value prefers the tender value over awards).
 * Every value-to-code rule is a table in indexer/maps/ocds_*.tsv.
 *
 * Limits: a JSON text (the payload, or one line of JSON Lines) of at most
 * OCDS_MAX_BYTES and OCDS_MAX_DEPTH levels of nesting; bigger or deeper
 * input is refused with CL_ETOOBIG before jansson sees it.
 *
 * Also here, because the case-file parser (parse_casefile.c) reads JSON
 * the same way: the bounded loader, the JSON Lines test and a structural
 * scanner that finds the line where each element of an array starts. */
#ifndef PARSE_OCDS_H
#define PARSE_OCDS_H

#include <stddef.h>
#include <jansson.h>

#include "cl_err.h"
#include "parse.h"
#include "parsers.h"

#define OCDS_FORMAT "ocds"
#define OCDS_MAX_BYTES ((size_t)64 << 20) /* one JSON text */
#define OCDS_MAX_DEPTH 64                 /* real OCDS data nests 13 deep */

/* What one parse saw. */
struct ocds_stats {
	long lines;             /* JSON Lines: non-empty lines; else 0 */
	long bad_lines;         /* JSON Lines: lines that are not JSON, too big or
				   too deep (each rejected) */
	long releases;          /* release objects read (compiled ones included) */
	long records;           /* record objects read */
	long merged;            /* releases folded into another of the same ocid */
	long emitted;
	long rejected;          /* releases/records/lines that gave no case */
	long renamed_ids;       /* distinct ocids that gave the same id: "-N" added */
	long no_procedure;      /* neither procurementMethod nor details */
	long unknown_procedure; /* method/details not in ocds_method.tsv */
	long no_value;
	long no_country;
	long bad_orgnr;         /* SE-ORG identifier failing the checksum: omitted */
	long bad_language;      /* language tag that is no ISO 639-1 code: omitted */
	long bad_cpv;           /* CPV classification ids that are no CPV code */
};

void ocds_stats_init(struct ocds_stats *st);

/* Parses one OCDS payload. src->retrieved_at is required; src->url is the
 * base of each case's source url (url without its fragment, "#", the ocid
 * percent-encoded); when NULL, the package's own http(s) `uri` is used,
 * and a release with neither is rejected. st (may be NULL) is initialised
 * and filled. Cases are emitted after the whole payload was read (the
 * releases of one ocid may be far apart), in the order their ocid first
 * appeared; rejects of unreadable lines and objects come as they are met,
 * rejects of cases (no title, failing validation) at the end.
 *
 * Returns CL_OK when the payload was read to its end (whatever was
 * rejected); CL_ETOOBIG for a payload over OCDS_MAX_BYTES or nested over
 * OCDS_MAX_DEPTH; CL_EPARSE when it is not JSON or not OCDS; CL_EINVAL,
 * CL_ENOMEM, CL_ECORRUPT (a broken mapping table); or the error
 * sink->emit returned. Detail in eb. */
int ocds_parse(const char *data, size_t len, const struct parse_src *src,
	       const struct parse_sink *sink, struct ocds_stats *st, struct cl_errbuf *eb);

/* ocds_parse without statistics: the registry's parser_fn. */
int ocds_parse_mem(const char *data, size_t len, const struct parse_src *src,
		   const struct parse_sink *sink, struct cl_errbuf *eb);

/* ocds_parse with every release kept through parts (indexer/parsers.h):
 * each release of the payload is put, and each case is compiled from
 * every release kept for its ocid — those of earlier payloads too — so the
 * case does not depend on which payload came last (the registry's
 * parse_parts; the harvester keeps the releases in the store). */
int ocds_parse_parts(const char *data, size_t len, const struct parse_src *src,
		     const struct parse_sink *sink, const struct parser_parts *parts,
		     struct cl_errbuf *eb);

/* The `links.next` URL of a package (for following pages; the fetcher
 * does that). For JSON Lines the last line is read. *url gets a new
 * string (caller free()s) or NULL when there is no next page. Returns
 * CL_OK; CL_EPARSE when the payload is not JSON or links.next is not an
 * http or https URL; CL_ETOOBIG; CL_ENOMEM. */
int ocds_next_link(const char *data, size_t len, char **url);

/* ---- bounded JSON reading (shared with parse_casefile.c) ---------------- */

/* The line where each element of one array of a JSON text starts. */
struct ocds_jpos {
	long *line;
	size_t n, cap;
	int depth; /* deepest nesting seen (stops counting past max_depth + 1) */
};

void ocds_jpos_init(struct ocds_jpos *p);
void ocds_jpos_release(struct ocds_jpos *p);

/* Scans the structure of a JSON text without building it (strings and
 * escapes are skipped; the text need not be valid). Records the deepest
 * nesting and, when key is NULL and the text is an array, the line where
 * each of its elements starts, or when key is given and the text is an
 * object, the lines of the elements of its member `key` (an array). Stops
 * at max_depth + 1. CL_OK or CL_ENOMEM. */
int ocds_json_scan(const char *data, size_t len, const char *key, int max_depth,
		   struct ocds_jpos *pos);

/* Parses one JSON text (a UTF-8 byte order mark is skipped) after checking
 * size (max_bytes) and depth (OCDS_MAX_DEPTH). flags are jansson's decode
 * flags. *out gets a new reference. Returns CL_OK, CL_ETOOBIG, CL_EPARSE
 * ("line L column C: reason", lines counted in this text) or CL_ENOMEM;
 * detail in eb. */
int ocds_json_load(const char *data, size_t len, size_t max_bytes, size_t flags, json_t **out,
		   struct cl_errbuf *eb);

/* 1 when the payload is JSON Lines: at least two non-blank lines, and
 * the first is a complete JSON object or array by itself — or, when the
 * first is broken, the second is and the payload as a whole is no JSON
 * text. Else 0 (a single JSON text, pretty-printed or not). */
int ocds_is_jsonl(const char *data, size_t len);

#endif
