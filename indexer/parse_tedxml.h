/* parse_tedxml.h — TED XML notices (the Publications Office's TED_EXPORT
 * schema R2.0.9, forms F01-F25, used for notices published 2014-2023
 * before eForms) -> case records of kind "procurement".
 *
 * One payload is one TED_EXPORT document (one notice with its
 * translations). The XML is read through indexer/xmlsafe.h.
 * docs/sources-xml.md has the element -> field table, the mapping tables
 * (indexer/maps/ted_*.tsv, flag_goal.tsv) and the language rules:
 *   - when the notice has a Swedish form (the original or a translation,
 *     FORM_SECTION/F..[@LG='SV']), the record is Swedish: title, summary and
 *     lot texts from that form, and the original-language title and
 *     summary kept in the body ("## Original text (en)");
 *   - otherwise the record is in the original language (LG_ORIG), and the
 *     Swedish title translation TED publishes for every notice
 *     (TRANSLATION_SECTION/ML_TITLES/ML_TI_DOC[@LG='SV']) goes into the
 *     body ("## Swedish title (sv)"), so that Swedish searches find it.
 *
 * Record ids: "ted-YYYY-NNNNNNNN" from the notice number (@DOC_ID
 * "352907-2021" -> "ted-2021-00352907"), made by eforms_ted_id() so that
 * the eForms and TED XML versions of one notice get the same id. */
#ifndef PARSE_TEDXML_H
#define PARSE_TEDXML_H

#include <stddef.h>

#include "cl_err.h"
#include "maptab.h"
#include "parse.h"

#define TEDXML_FORMAT "ted-xml"
/* The source url when the caller gives none: this base followed by the
 * notice number without leading zeros ("352907-2021"). */
#define TEDXML_REF_BASE "https://ted.europa.eu/en/notice/-/detail/"

/* The parser (the parsers.h parser_fn). Parses one TED XML notice and
 * hands the record to sink->emit, or tells sink->reject why it gives
 * none ("invalid TED XML notice: ..." when the notice number, the forms
 * or the title are missing; "fails validation: ..." from
 * parse_emit_valid). src as for eforms_parse_mem (the default url is
 * always available: every valid notice has a number). The source has
 * format "ted-xml" and no licence (the harvester fills it in).
 *
 * Returns CL_OK when the notice was read (emitted or rejected); CL_EPARSE
 * when the payload is not a TED XML R2.0.9 notice (empty, not XML,
 * malformed or truncated, a DOCTYPE declaring entities, too deep, another
 * root element or schema version); CL_ETOOBIG, CL_EINVAL (no retrieved_at
 * or emit), CL_ENOTFOUND / CL_ECORRUPT (mapping tables), CL_ENOMEM, or
 * the error sink->emit returned. Detail in eb. Nothing is printed. */
int tedxml_parse_mem(const char *data, size_t len, const struct parse_src *src,
		     const struct parse_sink *sink, struct cl_errbuf *eb);

/* Loads one of this parser's mapping tables ("ted_authority",
 * "ted_activity", "ted_procedure", "ted_country"), as eforms_load_map. */
int tedxml_load_map(struct maptab *t, const char *name, struct cl_errbuf *eb);

#endif
