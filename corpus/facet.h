/* facet.h — the one facet table.
 *
 * Every facet a search filters on and counts is one row of FACET_TABLE.
 * From it follow: the engines' facet enum and names (query/engine.h), the
 * values a case gives each facet (engine_case_facet), the Xapian term
 * prefixes, the check of a filter value (one rule for the API, the CLI and
 * the engines), the CLI's filter options, the API's query parameters and
 * the OpenAPI enums (patched in when the document is served), and the
 * page's facet list and headings (GET /v1/facets sends the table).
 *
 * The coded fields of the case record (CASE_CODED_FIELDS in case.h) are the
 * other half: a facet over a new case field adds one line there and one
 * here. docs/internals.md "Add a facet" lists every file. */
#ifndef FACET_H
#define FACET_H

#include <stddef.h>

#include "case.h"
#include "taxonomy.h"

/* How a facet's values are checked and where they come from:
 * FACET_FROM_ONE / FACET_FROM_LIST: a case member (char * / struct strlist),
 *   values checked against the vocabulary;
 * FACET_FROM_YEAR: case_year(), four digits;
 * FACET_FROM_COUNTRY: a char * member, two upper-case letters (ISO 3166-1);
 * FACET_FROM_LANGUAGE: a char * member, two lower-case letters (ISO 639-1). */
enum facet_from {
	FACET_FROM_ONE,
	FACET_FROM_LIST,
	FACET_FROM_YEAR,
	FACET_FROM_COUNTRY,
	FACET_FROM_LANGUAGE,
};

#define FACET_NO_VOCAB (-1)
#define FACET_VALUE_MAX 32 /* bytes of one filter value */

/* XX(id, name, cli option, vocabulary, from, case member, Xapian prefix,
 *    label_sv, label_en)
 * Order is the enum order: the FTS5 engine stores facets by number, so a
 * new facet goes at the end (docs/internals.md). The page shows facets in
 * FACET_DISPLAY_ORDER. */
#define FACET_TABLE(XX)                                                                     \
	XX(KIND, "kind", "kind", TAX_KIND, FACET_FROM_ONE, kind, "XK", "Typ", "Kind")           \
	XX(AUTHORITY_TYPE, "authority_type", "authority-type", TAX_AUTHORITY_TYPE,             \
	   FACET_FROM_ONE, authority_type, "XA", "Typ av myndighet", "Authority type")         \
	XX(SECTORS, "sectors", "sector", TAX_SECTORS, FACET_FROM_LIST, sectors, "XSE",          \
	   "Sektor (köparens verksamhet)", "Sector (buyer's activity)")                        \
	XX(CATEGORIES, "categories", "category", TAX_CATEGORIES, FACET_FROM_LIST, categories,   \
	   "XC", "Vad som köps (CPV)", "What is bought (CPV)")                                  \
	XX(GOALS, "goals", "goal", TAX_GOALS, FACET_FROM_LIST, goals, "XG", "Mål", "Goal")      \
	XX(STRATEGIC, "strategic", "strategic", TAX_STRATEGIC, FACET_FROM_LIST, strategic,      \
	   "XST", "Strategisk upphandling", "Strategic procurement")                           \
	XX(PROCEDURE, "procedure", "procedure", TAX_PROCEDURE, FACET_FROM_ONE, procedure, "XP", \
	   "Förfarande", "Procedure")                                                           \
	XX(INNOVATION, "innovation", "innovation", TAX_INNOVATION, FACET_FROM_LIST, innovation, \
	   "XI", "Innovation", "Innovation")                                                    \
	XX(YEAR, "year", "year", FACET_NO_VOCAB, FACET_FROM_YEAR, published, "XY", "År",       \
	   "Year")                                                                              \
	XX(COUNTRY, "country", "country", FACET_NO_VOCAB, FACET_FROM_COUNTRY, buyer.country,    \
	   "XCO", "Land", "Country")                                                            \
	XX(LANGUAGE, "language", "language", FACET_NO_VOCAB, FACET_FROM_LANGUAGE, language,     \
	   "XL", "Språk", "Language")

enum facet_id {
#define FACET_ENUM_XX(id, ...) FACET_##id,
	FACET_TABLE(FACET_ENUM_XX)
#undef FACET_ENUM_XX
	FACET_COUNT
};

/* The facets in the order the page shows them (display only). */
/* The page shows the kind as tabs above the hits, and what is bought first
 * among the panels: a procurer looks for a kind of purchase before a kind
 * of buyer (issue 13). */
#define FACET_DISPLAY_ORDER                                                                \
	FACET_KIND, FACET_CATEGORIES, FACET_SECTORS, FACET_AUTHORITY_TYPE, FACET_GOALS,     \
		FACET_YEAR, FACET_STRATEGIC, FACET_PROCEDURE, FACET_INNOVATION, FACET_LANGUAGE, \
		FACET_COUNTRY

struct facet_def {
	const char *name;      /* API parameter and JSON key: "sectors" */
	const char *cli;       /* CLI option without dashes: "sector" */
	int vocab;             /* enum tax_facet, or FACET_NO_VOCAB */
	enum facet_from from;
	size_t offset;         /* of the case member (unused for the year) */
	const char *prefix;    /* Xapian boolean term prefix */
	const char *label_sv;  /* heading on the page */
	const char *label_en;
};

/* The row of facet f; NULL when f is out of range. Static data. */
const struct facet_def *facet_def(int f);

/* Name for an id, NULL if out of range; id for an API name or a CLI option
 * name, -1 if unknown. */
const char *facet_name(int f);
int facet_from_name(const char *name);
int facet_from_cli(const char *opt);

/* The display order: n receives FACET_COUNT. Static data. */
const int *facet_display_order(size_t *n);

/* Checks one filter value of facet f. Returns NULL when the value is
 * valid, else a one-line reason (static text, or written into buf).
 * The one rule for the API, the CLI and the engines. */
const char *facet_check_value(int f, const char *v, char *buf, size_t bufsz);

/* The values of one facet of a case (borrowed from the case, the year
 * formatted into buf), at most CASE_LIST_MAX. */
struct facet_values {
	const char *v[CASE_LIST_MAX + 1];
	size_t n;
	char buf[16]; /* storage for the year */
};
/* Fills fv with the values of facet f of c (nothing for absent fields).
 * Both engines index exactly these values. */
void facet_case_values(const struct case_record *c, int f, struct facet_values *fv);

#endif
