/* case_csv.h — the CSV form of a case record, shared by `caselib export`
 * and GET /v1/export so the two never drift apart. Columns (docs/cli.md):
 * id, kind, status, title, summary, language, buyer_name, buyer_org_number,
 * buyer_country, authority_type, sectors, categories, cpv, goals, strategic,
 * procedure, innovation, published, awarded, year, value_amount,
 * value_currency, source_urls, version, updated_at. Lists are joined with
 * ';'. Text cells go through the writer's formula guard. */
#ifndef CASE_CSV_H
#define CASE_CSV_H

#include "case.h"
#include "csv.h"

/* Writes the header row. */
void case_csv_header(struct csv_writer *w);
/* Writes c as one row (ended). Errors are sticky in w (csv_error). */
void case_csv_row(struct csv_writer *w, const struct case_record *c);

#endif
