/* taxonomy.h — the facet vocabularies (codes with Swedish and English labels).
 *
 * The tables are data, not code: corpus/taxonomies.tsv (facet, code,
 * label_sv, label_en) is compiled into the binary as text at build time and
 * parsed once by tax_load() at start-up. Lookups are read-only afterwards
 * and safe from any thread. */
#ifndef TAXONOMY_H
#define TAXONOMY_H

#include <stddef.h>

#include "cl_err.h"

/* The faceted vocabularies. Order is stable (used as array index). */
#define TAX_FACET_MAP(XX)                 \
	XX(KIND, "kind")                  \
	XX(STATUS, "status")              \
	XX(AUTHORITY_TYPE, "authority_type") \
	XX(SECTORS, "sectors")            \
	XX(CATEGORIES, "categories")      \
	XX(GOALS, "goals")                \
	XX(STRATEGIC, "strategic")        \
	XX(PROCEDURE, "procedure")        \
	XX(INNOVATION, "innovation")

enum tax_facet {
#define TAX_XX(id, name) TAX_##id,
	TAX_FACET_MAP(TAX_XX)
#undef TAX_XX
	TAX_NFACETS
};

struct tax_entry {
	const char *code;     /* e.g. "sdg-13", "la", "45" */
	const char *label_sv; /* "Bekämpa klimatförändringarna" */
	const char *label_en; /* "Climate action" */
};

/* Parses the built-in tables. Idempotent and thread-safe (pthread_once);
 * returns CL_OK or CL_ECORRUPT with detail in eb when the compiled-in table
 * is malformed (a build error, caught by the tests). Every other tax_
 * function calls it implicitly. */
int tax_load(struct cl_errbuf *eb);

/* Loads tables from a TSV text instead of the built-in one (tests).
 * Replaces the current tables; not thread-safe. */
int tax_load_text(const char *tsv, size_t len, struct cl_errbuf *eb);

/* Facet name ("sectors") for an enum value, NULL if out of range. */
const char *tax_facet_name(enum tax_facet f);

/* Facet enum for a name; -1 if unknown. */
int tax_facet_from_name(const char *name);

/* The entry for code in facet f, or NULL if the code is not in the table.
 * Borrowed: valid for the life of the process. */
const struct tax_entry *tax_lookup(enum tax_facet f, const char *code);

/* All entries of facet f in table order; *n receives the count.
 * Borrowed: valid for the life of the process. */
const struct tax_entry *tax_entries(enum tax_facet f, size_t *n);

#endif
