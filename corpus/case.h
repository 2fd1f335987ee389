/* case.h — the case record: C struct, JSON read/write, validation.
 *
 * One JSON shape is shared by the files, the store and the API; it is
 * documented in docs/case-format.md. Validation reports every problem at
 * once, each with a JSON path ("$.buyer.org_number", "$.sources[0].url")
 * and a reason. */
#ifndef CASE_H
#define CASE_H

#include <stddef.h>
#include <jansson.h>

#include "cl_err.h"

/* Limits (documented in docs/case-format.md and docs/limits.md). Lengths in
 * Unicode code points unless said otherwise. */
#define CASE_ID_MAX 96             /* [a-z0-9][a-z0-9._-]{2,95} */
#define CASE_TITLE_MAX 500
#define CASE_SUMMARY_MAX 4000
#define CASE_BODY_MAX_BYTES (200 * 1024)
#define CASE_TEXT_MAX 20000        /* outcome, lessons */
#define CASE_NAME_MAX 300          /* buyer.name */
#define CASE_URL_MAX 2048
#define CASE_LIST_MAX 64           /* items in any code list */
#define CASE_SOURCES_MAX 32
#define CASE_JSON_MAX_BYTES (1024 * 1024) /* one serialised record */

/* A list of owned strings. */
struct strlist {
	char **v;
	size_t n;
};

struct case_source {
	char *url;          /* required: http, https or file URL */
	char *retrieved_at; /* required: RFC 3339 UTC, e.g. 2026-11-27T05:00:00Z */
	char *sha256;       /* optional: 64 lowercase hex digits of the payload */
	char *format;       /* optional: ocds, eforms, ted-xml, se-stats-csv, ... */
	char *licence;      /* optional: SPDX id or free text */
	struct strlist dropped; /* optional: "PATH: reason" of each value this
				   source gave that failed validation and was
				   left out (harvested records only) */
};

struct case_buyer {
	char *name;
	char *org_number; /* NNNNNN-NNNN, checksum-valid (Swedish) */
	char *country;    /* ISO 3166-1 alpha-2 */
	char *nuts;
};

/* The coded fields of the record, in documented JSON order after buyer:
 * XX(member and JSON key, CASE_ONE (a code, char *) or CASE_LIST (a list of
 * codes, struct strlist), vocabulary (a TAX_ facet of taxonomy.h; CASE_CPV:
 * CPV codes checked by shape)). The struct's members, their validation,
 * JSON read and write, copy and release all follow from this list; the
 * facets over them are rows of corpus/facet.h. */
#define CASE_CODED_FIELDS(XX)                        \
	XX(authority_type, CASE_ONE, TAX_AUTHORITY_TYPE) \
	XX(sectors, CASE_LIST, TAX_SECTORS)              \
	XX(categories, CASE_LIST, TAX_CATEGORIES) /* CPV divisions, "03".."98" */ \
	XX(cpv, CASE_LIST, CASE_CPV) /* full CPV codes, "79212000" or "79212000-3" */ \
	XX(goals, CASE_LIST, TAX_GOALS)                  \
	XX(strategic, CASE_LIST, TAX_STRATEGIC)          \
	XX(procedure, CASE_ONE, TAX_PROCEDURE)           \
	XX(innovation, CASE_LIST, TAX_INNOVATION)

#define CASE_CPV (-1)
#define CASE_MEMBER_CASE_ONE char *
#define CASE_MEMBER_CASE_LIST struct strlist

/* Every char * is owned by the record (NULL when absent) and freed by
 * case_release(). */
struct case_record {
	char *id;
	char *kind; /* "procurement" | "case" */
	char *title;
	char *summary;
	char *body;
	char *language;
	struct case_buyer buyer;
#define CASE_MEMBER_XX(name, card, vocab) CASE_MEMBER_##card name;
	CASE_CODED_FIELDS(CASE_MEMBER_XX)
#undef CASE_MEMBER_XX
	char *published; /* YYYY-MM-DD */
	char *awarded;   /* YYYY-MM-DD */
	int has_value;
	double value_amount;
	char *value_currency; /* ISO 4217 */
	char *outcome;
	char *lessons;
	struct case_source *sources;
	size_t nsources;
	char *status; /* submitted | changes_requested | published | rejected | withdrawn */
	long version;     /* 0 when not stored yet */
	char *created_at; /* set by the store */
	char *updated_at; /* set by the store */
};

/* The stable machine code of each validation problem (the API sends it as
 * errors[].code beside the English reason; docs/api.md lists them and the
 * web page words each in Swedish and English). Never rename one: add. */
#define CASE_PROBLEM_CODES(XX)                                                          \
	XX(REQUIRED, "required")                 /* a required field is missing */     \
	XX(WRONG_TYPE, "wrong_type")             /* not a string/number/array/... */   \
	XX(INVALID_TEXT, "invalid_text")         /* NUL, invalid UTF-8, control char */\
	XX(TOO_LONG, "too_long")                                                        \
	XX(EMPTY, "empty")                       /* blank text; no source */            \
	XX(TOO_MANY_ITEMS, "too_many_items")                                            \
	XX(UNKNOWN_FIELD, "unknown_field")                                              \
	XX(UNKNOWN_CODE, "unknown_code")         /* not in the taxonomy */              \
	XX(DUPLICATE_CODE, "duplicate_code")                                            \
	XX(CPV_FORMAT, "cpv_format")                                                    \
	XX(DATE_FORMAT, "date_format")                                                  \
	XX(DATE_INVALID, "date_invalid")         /* not a calendar date (and time) */   \
	XX(YEAR_RANGE, "year_range")             /* outside 1900..2100 */               \
	XX(TIMESTAMP_FORMAT, "timestamp_format")                                        \
	XX(ID_FORMAT, "id_format")                                                      \
	XX(ID_MISMATCH, "id_mismatch")           /* a revision names another id */      \
	XX(LANGUAGE_CODE, "language_code")                                              \
	XX(ORGNR_FORMAT, "orgnr_format")                                                \
	XX(ORGNR_CHECKSUM, "orgnr_checksum")                                            \
	XX(COUNTRY_CODE, "country_code")                                                \
	XX(NUTS_CODE, "nuts_code")                                                      \
	XX(CURRENCY_CODE, "currency_code")                                              \
	XX(NUMBER_RANGE, "number_range")         /* not finite, too large */            \
	XX(NEGATIVE, "negative")                                                        \
	XX(URL_FORMAT, "url_format")             /* spaces, no host */                  \
	XX(URL_SCHEME, "url_scheme")             /* not http(s) (or file: on import) */ \
	XX(SHA256_FORMAT, "sha256_format")                                              \
	XX(JSON_SYNTAX, "json_syntax")           /* case_parse(): not JSON */           \
	XX(TOO_MANY_PROBLEMS, "too_many_problems")

enum case_pcode {
#define CASE_P_ENUM(name, text) CASE_P_##name,
	CASE_PROBLEM_CODES(CASE_P_ENUM)
#undef CASE_P_ENUM
	CASE_P__COUNT
};

/* The code's text ("orgnr_checksum"); "invalid" for a value out of range. */
const char *case_pcode_name(enum case_pcode code);

struct case_problem {
	char *path;       /* JSON path, "$" for the whole record */
	char *reason;     /* one line, no trailing period */
	enum case_pcode code;
};

struct case_problems {
	struct case_problem *v;
	size_t n, cap;
};

/* Validation flags. */
#define CASE_ID_OPTIONAL 0x1u /* submissions: the server assigns the id */

void case_init(struct case_record *c);
/* Frees everything the record owns and re-initialises it. NULL is a no-op. */
void case_release(struct case_record *c);
/* Deep copy; dst must be initialised (it is released first). */
int case_copy(struct case_record *dst, const struct case_record *src);

void case_problems_init(struct case_problems *p);
void case_problems_release(struct case_problems *p);
/* Appends a problem (copies both strings). Returns CL_OK or CL_ENOMEM. */
int case_problems_add(struct case_problems *p, const char *path, enum case_pcode code,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Validates a JSON value as a case record. Appends every problem found to
 * probs (which the caller initialised) and returns CL_OK when there are
 * none, CL_EVALIDATION otherwise. Checks: object type, unknown fields,
 * required fields (id unless CASE_ID_OPTIONAL, kind, title, sources),
 * types, lengths, control characters, id pattern, taxonomy codes,
 * duplicates in lists, dates, org number checksum, country, currency,
 * URLs and timestamps in sources. */
int case_validate_json(const json_t *j, unsigned flags, struct case_problems *probs);

/* Validates j and, when valid, fills c (initialised by the caller; released
 * first). On CL_EVALIDATION, c is left empty and probs holds the reasons. */
int case_from_json(const json_t *j, unsigned flags, struct case_record *c,
		   struct case_problems *probs);

/* Parses UTF-8 JSON text (at most CASE_JSON_MAX_BYTES) and validates it.
 * Malformed JSON or invalid UTF-8 gives one problem at "$" naming the
 * line and column. Returns CL_OK, CL_EVALIDATION or CL_ENOMEM. */
int case_parse(const char *buf, size_t len, unsigned flags, struct case_record *c,
	       struct case_problems *probs);

/* The record as JSON with keys in the documented order; absent fields
 * are omitted. New reference: caller json_decref()s. NULL on ENOMEM. */
json_t *case_to_json(const struct case_record *c);

/* Compact canonical JSON text of case_to_json(). Caller free()s. When
 * content_only is non-zero, version, status, created_at and updated_at are
 * left out (used to detect unchanged content). */
char *case_to_string(const struct case_record *c, int content_only);

/* Derived: the year of `published` (else `awarded`), 0 when neither. */
int case_year(const struct case_record *c);

/* What a search result shows of a hit besides its id, title, score and
 * snippet (docs/api.md, GET /v1/search): kind, summary, language,
 * published, year, buyer (the name), authority_type, sectors and goals,
 * in that order; absent optional fields are left out, sectors and goals
 * are always there (maybe empty). The Xapian engine keeps it with each
 * indexed document so a result page needs no store read. New reference:
 * caller json_decref()s. NULL on ENOMEM. */
json_t *case_hit_card(const struct case_record *c);

#endif
