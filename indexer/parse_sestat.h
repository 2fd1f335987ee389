/* parse_sestat.h — Upphandlingsmyndigheten's statistics CSV ("Antal
 * upphandlingar": one row per advertised procurement, Swedish column
 * names) -> case records of kind "procurement".
 *
 * Columns are found by header name, not position; a missing required
 * column fails the whole file with an error naming it. Each data row gives
 * one record or one reject (with the line and reason); docs/sources-csv.md
 * has the column -> field table, the mapping tables (indexer/maps/se_*.tsv,
 * flag_goal.tsv, name_words.tsv) and the conventions (ids, duplicate ids,
 * goals from flags, source references). */
#ifndef PARSE_SESTAT_H
#define PARSE_SESTAT_H

#include <stdio.h>

#include "cl_err.h"
#include "parse.h"

/* The default base of the per-row source reference: the record's url is
 * SESTAT_REF_BASE "#" id. */
#define SESTAT_REF_BASE "https://www.upphandlingsmyndigheten.se/statistik/statistikdatabasen/"
#define SESTAT_FORMAT "se-stats-csv"
#define SESTAT_LICENCE "CC0-1.0"

/* What one parse saw. Rows = emitted + rejected. The other counters count
 * rows that were emitted with a field left out or changed. */
struct sestat_stats {
	long rows;               /* data rows (the header excluded) */
	long emitted;
	long rejected;
	long renamed_ids;        /* ids that repeated and got a "-N" suffix */
	long bad_orgnr;          /* org number failing syntax or checksum: omitted */
	long foreign_orgnr;      /* a Finnish business id (Åland): omitted, country FI */
	long no_authority_type;  /* sector/legal form not in se_authority.tsv */
	long no_sector;          /* SNI empty, unknown, or mapped to "-" */
	long no_procedure;       /* Förfarande empty (or unknown: also counted below) */
	long unknown_procedure;  /* Förfarande not in se_procedure.tsv */
	long no_category;        /* CPV missing ("00000000") or not a CPV division */
	long no_published;       /* Publiceringsdatum missing or not a date */
};

void sestat_stats_init(struct sestat_stats *st);

/* Parses the statistics CSV from f (read to the end; not closed). For
 * every data row calls sink->emit with a valid record, or sink->reject
 * with the row's line and reason (bad CSV record, wrong field count, no
 * id or title, invalid record). src gives retrieved_at (required),
 * sha256 and the reference base (NULL: SESTAT_REF_BASE). st (may be NULL)
 * is initialised and filled.
 *
 * Returns CL_OK when the file was read to its end (whatever was
 * rejected); CL_EPARSE for a missing header, a missing required column or
 * an unreadable CSV (unterminated quote); CL_EINVAL without
 * retrieved_at; CL_ENOTFOUND / CL_ECORRUPT when a mapping table is not
 * compiled in or names a code the taxonomy lacks; CL_EIO, CL_ENOMEM; or
 * the error sink->emit returned. Detail in eb. */
int sestat_parse_file(FILE *f, const struct parse_src *src, const struct parse_sink *sink,
		      struct sestat_stats *st, struct cl_errbuf *eb);

/* The registry's shape (indexer/parsers.h, format "se-stats-csv"): the payload in
 * memory, no statistics. */
int sestat_parse(const char *data, size_t len, const struct parse_src *src,
		      const struct parse_sink *sink, struct cl_errbuf *eb);

/* The same over a memory buffer (tests, payloads already in memory). */
int sestat_parse_mem(const char *data, size_t len, const struct parse_src *src,
		     const struct parse_sink *sink, struct sestat_stats *st,
		     struct cl_errbuf *eb);

/* The header names this parser reads, required ones first; *nreq gets the
 * number of required ones. Borrowed (static). */
const char *const *sestat_columns(size_t *n, size_t *nreq);

#endif
