/* parse_eforms.h — eForms notices (EU public procurement notices, UBL 2.3
 * with the eForms extensions: ContractNotice, ContractAwardNotice,
 * PriorInformationNotice) -> case records of kind "procurement".
 *
 * One payload is one notice (the form TED and national publishers serve).
 * The XML is read through indexer/xmlsafe.h (no DTDs, no entities, size
 * and depth limits). docs/sources-xml.md has the element -> field table,
 * the mapping tables (indexer/maps/eforms_*.tsv, flag_goal.tsv), the
 * language rules (Swedish text first) and what makes a notice invalid.
 *
 * Record ids: "ted-YYYY-NNNNNNNN" from the TED publication number
 * (efac:Publication/efbc:NoticePublicationID "00137599-2024" ->
 * "ted-2024-00137599"), the same id the TED XML parser gives the same
 * notice, so that the harvester merges the two sources into one record;
 * "eforms-<notice uuid>" for a notice not (yet) published in TED. */
#ifndef PARSE_EFORMS_H
#define PARSE_EFORMS_H

#include <stddef.h>

#include "cl_err.h"
#include "maptab.h"
#include "parse.h"

#define EFORMS_FORMAT "eforms"
/* The source url when the caller gives none: this base followed by the
 * publication number without leading zeros ("137599-2024"). */
#define EFORMS_REF_BASE "https://ted.europa.eu/en/notice/-/detail/"

/* The parser (the parsers.h parser_fn). Parses one eForms notice from
 * data (len bytes) and hands the record to sink->emit, or tells
 * sink->reject why the notice gives none:
 *   "invalid eForms notice: ..."   a mandatory element is missing or
 *                                  broken (notice id, issue date, notice
 *                                  language, procedure title or main CPV
 *                                  code, an organisation without company
 *                                  data, a buyer that names no
 *                                  organisation, a lot count of 0);
 *   "fails validation: PATH: ..."  the record built from it fails case
 *                                  validation (parse_emit_valid);
 *   "not a procurement notice: ..." a valid eForms document of another
 *                                  kind (BusinessRegistrationInformation-
 *                                  Notice: European groupings, not
 *                                  procurements).
 * The reject's line is that of the offending element (the root's when
 * there is none).
 *
 * src gives retrieved_at (required), sha256 (may be NULL) and the source
 * url (NULL or "": EFORMS_REF_BASE + the publication number; a notice
 * without one then fails with CL_EINVAL). The record's source has format
 * "eforms" and no licence (the harvester knows the publisher's terms and
 * fills it in).
 *
 * Returns CL_OK when the notice was read (emitted or rejected); CL_EPARSE
 * when the payload is not an eForms notice at all (empty, not XML,
 * malformed or truncated XML, a DOCTYPE declaring entities, too deep,
 * another root element), CL_ETOOBIG beyond XMLSAFE_MAX_BYTES, CL_EINVAL
 * without retrieved_at or emit (or the url case above), CL_ENOTFOUND /
 * CL_ECORRUPT when a mapping table is missing or names a code the
 * taxonomy lacks, CL_ENOMEM, or the error sink->emit returned. Detail in
 * eb. Nothing is printed. */
int eforms_parse_mem(const char *data, size_t len, const struct parse_src *src,
		     const struct parse_sink *sink, struct cl_errbuf *eb);

/* The record id of a TED publication number "N-YYYY" (N: 1 to 8 digits,
 * YYYY: 4 digits; leading zeros in N optional): "ted-YYYY-" followed by N
 * padded to 8 digits. Writes into out (at least CASE_ID_MAX + 1 bytes).
 * CL_OK, or CL_EINVAL when pubno has another shape. Shared with the TED
 * XML parser so that both give one notice the same id. */
int eforms_ted_id(char *out, const char *pubno);

/* Gives c its one source, for a notice with TED publication number pubno
 * ("00137599-2024"): src->url when given, else base followed by pubno
 * without its leading zeros ("137599-2024"); retrieved_at and sha256 from
 * src; the format given; no licence (the harvester knows the publisher's
 * terms). CL_OK or CL_ENOMEM. Shared with the TED XML parser. */
int eforms_ted_source(struct case_record *c, const struct parse_src *src, const char *base,
		      const char *pubno, const char *format);

/* Loads one of this parser's mapping tables ("eforms_legal_type",
 * "eforms_activity", "eforms_procedure", "eforms_strategic",
 * "eforms_env_goal", "eforms_country", "eforms_language") from the text
 * compiled into the binary, as maptab_load_builtin() does for every
 * table of indexer/maps/. CL_OK, CL_ENOTFOUND (not compiled in, or not a
 * built-in table), CL_ECORRUPT, CL_ENOMEM. */
int eforms_load_map(struct maptab *t, const char *name, struct cl_errbuf *eb);

#endif
