/* parse_ips.h — the Innovative Public Services observatory's cases CSV
 * (EU JRC, IPS-X explorer: one row per public-sector innovation case,
 * English text) -> case records of kind "case".
 *
 * Columns are found by header name; a missing required column fails the
 * whole file with an error naming it. Each data row gives one record or one
 * reject (line and reason). docs/sources-csv.md has the column -> field
 * table, the mapping tables (indexer/maps/cofog.tsv, ips_org.tsv,
 * flag_goal.tsv) and the conventions (ids, dates from a year, sources). */
#ifndef PARSE_IPS_H
#define PARSE_IPS_H

#include <stdio.h>

#include "cl_err.h"
#include "parse.h"

/* The IPS-X explorer's page of a case is IPS_REF_BASE "<id>.html". */
#define IPS_REF_BASE "https://ipsoeu.github.io/ips-explorer/case/"
#define IPS_FORMAT "ips-csv"
#define IPS_LICENCE "EUPL-1.2"

struct ips_stats {
	long rows; /* data rows (the header excluded) = emitted + rejected */
	long emitted;
	long rejected;
	long renamed_ids;       /* ids that repeated and got a "-N" suffix */
	long with_url;          /* rows whose url column gave an http(s) URL */
	long summary_cut;       /* descriptions longer than the summary limit */
	long name_cut;          /* organisation names cut to CASE_NAME_MAX */
	long no_buyer_name;     /* lead organisation name empty */
	long no_country;        /* geocoverage_codes not one ISO 3166-1 code */
	long no_authority_type; /* category empty or not in ips_org.tsv */
	long no_sector;         /* primary_sector empty or not in cofog.tsv */
	long year_only;         /* start_date a bare year: published YYYY-01-01 */
	long no_published;      /* start_date empty or not a date or year */
};

void ips_stats_init(struct ips_stats *st);

/* Parses the cases CSV from f (read to the end; not closed). For every
 * data row calls sink->emit with a valid record or sink->reject with the
 * row's line and reason. src gives retrieved_at (required), sha256 and
 * the reference base (NULL: IPS_REF_BASE "<id>.html"; otherwise
 * "<src->url>#ips-<id>"). st (may be NULL) is initialised and filled.
 * Returns as sestat_parse_file() does. */
int ips_parse_file(FILE *f, const struct parse_src *src, const struct parse_sink *sink,
		   struct ips_stats *st, struct cl_errbuf *eb);

/* The registry's shape (indexer/parsers.h, format "ips-csv"): the payload in
 * memory, no statistics. */
int ips_parse(const char *data, size_t len, const struct parse_src *src,
		   const struct parse_sink *sink, struct cl_errbuf *eb);

/* The same over a memory buffer. */
int ips_parse_mem(const char *data, size_t len, const struct parse_src *src,
		  const struct parse_sink *sink, struct ips_stats *st, struct cl_errbuf *eb);

#endif
