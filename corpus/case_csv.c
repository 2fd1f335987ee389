/* case_csv.c — a case record as one CSV row (see case_csv.h). */
#include "case_csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_err.h"

static const char *const header[] = {
	"id", "kind", "status", "title", "summary", "language", "buyer_name",
	"buyer_org_number", "buyer_country",
#define HEADER_XX(name, card, vocab) #name,
	CASE_CODED_FIELDS(HEADER_XX)
#undef HEADER_XX
	"published", "awarded", "year",
	"value_amount", "value_currency", "source_urls", "version", "updated_at", NULL,
};

static void list_field(struct csv_writer *w, const char *const *v, size_t n)
{
	size_t len = 0;
	char *buf, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	if (len == 0) {
		csv_field(w, NULL);
		return;
	}
	if (!(buf = malloc(len))) {
		w->err = CL_ENOMEM;
		return;
	}
	p = buf;
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(v[i]);
		if (i)
			*p++ = ';';
		memcpy(p, v[i], k);
		p += k;
	}
	*p = '\0';
	csv_field(w, buf);
	free(buf);
}

void case_csv_row(struct csv_writer *w, const struct case_record *c)
{
	char num[64];
	const char **urls;

	csv_field_raw(w, c->id);
	csv_field_raw(w, c->kind);
	csv_field_raw(w, c->status);
	csv_field(w, c->title);
	csv_field(w, c->summary);
	csv_field_raw(w, c->language);
	csv_field(w, c->buyer.name);
	csv_field_raw(w, c->buyer.org_number);
	csv_field_raw(w, c->buyer.country);
#define CELL_CASE_ONE(name) csv_field_raw(w, c->name);
#define CELL_CASE_LIST(name) list_field(w, (const char *const *)c->name.v, c->name.n);
#define CELL_XX(name, card, vocab) CELL_##card(name)
	CASE_CODED_FIELDS(CELL_XX)
#undef CELL_XX
#undef CELL_CASE_LIST
#undef CELL_CASE_ONE
	csv_field_raw(w, c->published);
	csv_field_raw(w, c->awarded);
	if (case_year(c))
		snprintf(num, sizeof num, "%d", case_year(c));
	else
		num[0] = '\0';
	csv_field_raw(w, num);
	if (c->has_value)
		snprintf(num, sizeof num, "%.2f", c->value_amount);
	else
		num[0] = '\0';
	csv_field_raw(w, num);
	csv_field_raw(w, c->value_currency);
	urls = calloc(c->nsources ? c->nsources : 1, sizeof *urls);
	if (urls) {
		for (size_t i = 0; i < c->nsources; i++)
			urls[i] = c->sources[i].url;
		list_field(w, urls, c->nsources);
		free(urls);
	} else {
		csv_field(w, NULL);
	}
	snprintf(num, sizeof num, "%ld", c->version);
	csv_field_raw(w, num);
	csv_field_raw(w, c->updated_at);
	csv_end_row(w);
}

void case_csv_header(struct csv_writer *w)
{
	for (int i = 0; header[i]; i++)
		csv_field_raw(w, header[i]);
	csv_end_row(w);
}
