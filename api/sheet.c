/* sheet.c — the spreadsheet export's columns (sheet.h). */
#include "sheet.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taxonomy.h"

enum col_id {
	C_ID, C_LINK, C_KIND, C_TITLE, C_SUMMARY, C_OUTCOME, C_LESSONS, C_BUYER, C_ORGNR,
	C_COUNTRY, C_AUTH, C_AUTH_CODE, C_SECTORS, C_SECTORS_CODE, C_CATS, C_CATS_CODE, C_CPV,
	C_GOALS, C_GOALS_CODE, C_STRATEGIC, C_PROCEDURE, C_INNOVATION, C_LANGUAGE, C_PUBLISHED,
	C_AWARDED, C_YEAR, C_VALUE, C_CURRENCY, C_SOURCES, C_VERSION, C_UPDATED, C_N
};

static const struct {
	const char *sv, *en;
	enum sheet_type type;
} cols[C_N] = {
	[C_ID] = {"Id", "Id", SHEET_CODE},
	[C_LINK] = {"Länk", "Link", SHEET_URL},
	[C_KIND] = {"Typ", "Kind", SHEET_TEXT},
	[C_TITLE] = {"Titel", "Title", SHEET_TEXT},
	[C_SUMMARY] = {"Sammanfattning", "Summary", SHEET_TEXT},
	[C_OUTCOME] = {"Resultat", "Outcome", SHEET_TEXT},
	[C_LESSONS] = {"Lärdomar", "Lessons learned", SHEET_TEXT},
	[C_BUYER] = {"Upphandlande organisation", "Buyer", SHEET_TEXT},
	[C_ORGNR] = {"Organisationsnummer", "Organisation number", SHEET_CODE},
	[C_COUNTRY] = {"Land (kod)", "Country (code)", SHEET_CODE},
	[C_AUTH] = {"Typ av myndighet", "Authority type", SHEET_TEXT},
	[C_AUTH_CODE] = {"Typ av myndighet (kod)", "Authority type (code)", SHEET_CODE},
	[C_SECTORS] = {"Sektor (köparens verksamhet)", "Sector (buyer's activity)", SHEET_TEXT},
	[C_SECTORS_CODE] = {"Sektor (koder)", "Sector (codes)", SHEET_CODE},
	[C_CATS] = {"Vad som köps (CPV)", "What is bought (CPV)", SHEET_TEXT},
	[C_CATS_CODE] = {"Vad som köps (CPV-avdelning)", "What is bought (CPV division)", SHEET_CODE},
	[C_CPV] = {"CPV-koder", "CPV codes", SHEET_CODE},
	[C_GOALS] = {"Mål", "Goals", SHEET_TEXT},
	[C_GOALS_CODE] = {"Mål (koder)", "Goals (codes)", SHEET_CODE},
	[C_STRATEGIC] = {"Strategisk upphandling", "Strategic procurement", SHEET_TEXT},
	[C_PROCEDURE] = {"Förfarande", "Procedure", SHEET_TEXT},
	[C_INNOVATION] = {"Innovation", "Innovation", SHEET_TEXT},
	[C_LANGUAGE] = {"Språk (kod)", "Language (code)", SHEET_CODE},
	[C_PUBLISHED] = {"Publicerad", "Published", SHEET_DATE},
	[C_AWARDED] = {"Tilldelad", "Awarded", SHEET_DATE},
	[C_YEAR] = {"År", "Year", SHEET_NUMBER},
	[C_VALUE] = {"Värde", "Value", SHEET_NUMBER},
	[C_CURRENCY] = {"Valuta", "Currency", SHEET_CODE},
	[C_SOURCES] = {"Källor", "Sources", SHEET_TEXT},
	[C_VERSION] = {"Version", "Version", SHEET_NUMBER},
	[C_UPDATED] = {"Uppdaterad", "Updated", SHEET_CODE},
};

size_t sheet_ncols(void)
{
	return C_N;
}

const char *sheet_header(size_t col, enum sheet_lang l)
{
	if (col >= C_N)
		return NULL;
	return l == SHEET_EN ? cols[col].en : cols[col].sv;
}

enum sheet_type sheet_type(size_t col)
{
	return col < C_N ? cols[col].type : SHEET_TEXT;
}

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static const char *label_of(enum tax_facet f, const char *code, enum sheet_lang l)
{
	const struct tax_entry *e = code ? tax_lookup(f, code) : NULL;
	if (!e)
		return code;
	return l == SHEET_EN ? e->label_en : e->label_sv;
}

/* v[0..n) joined with "; ", each through its label when f >= 0. */
static char *join(const char *const *v, size_t n, int f, enum sheet_lang l)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	if (!n)
		return NULL;
	if (!(m = open_memstream(&buf, &len)))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs("; ", m);
		fputs(f >= 0 ? label_of((enum tax_facet)f, v[i], l) : v[i], m);
	}
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

#define LIST(c, m) ((const char *const *)(c)->m.v), (c)->m.n

static char *printed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *printed(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vasprintf(&s, fmt, ap);
	va_end(ap);
	return k < 0 ? NULL : s;
}

char *sheet_cell(const struct case_record *c, size_t col, enum sheet_lang l, const char *base)
{
	switch ((enum col_id)col) {
	case C_ID:
		return dup_or_null(c->id);
	case C_LINK:
		return base && *base && c->id ? printed("%s/?case=%s", base, c->id) : NULL;
	case C_KIND:
		return dup_or_null(label_of(TAX_KIND, c->kind, l));
	case C_TITLE:
		return dup_or_null(c->title);
	case C_SUMMARY:
		return dup_or_null(c->summary);
	case C_OUTCOME:
		return dup_or_null(c->outcome);
	case C_LESSONS:
		return dup_or_null(c->lessons);
	case C_BUYER:
		return dup_or_null(c->buyer.name);
	case C_ORGNR:
		return dup_or_null(c->buyer.org_number);
	case C_COUNTRY:
		return dup_or_null(c->buyer.country);
	case C_AUTH:
		return dup_or_null(label_of(TAX_AUTHORITY_TYPE, c->authority_type, l));
	case C_AUTH_CODE:
		return dup_or_null(c->authority_type);
	case C_SECTORS:
		return join(LIST(c, sectors), TAX_SECTORS, l);
	case C_SECTORS_CODE:
		return join(LIST(c, sectors), -1, l);
	case C_CATS:
		return join(LIST(c, categories), TAX_CATEGORIES, l);
	case C_CATS_CODE:
		return join(LIST(c, categories), -1, l);
	case C_CPV:
		return join(LIST(c, cpv), -1, l);
	case C_GOALS:
		return join(LIST(c, goals), TAX_GOALS, l);
	case C_GOALS_CODE:
		return join(LIST(c, goals), -1, l);
	case C_STRATEGIC:
		return join(LIST(c, strategic), TAX_STRATEGIC, l);
	case C_PROCEDURE:
		return dup_or_null(label_of(TAX_PROCEDURE, c->procedure, l));
	case C_INNOVATION:
		return join(LIST(c, innovation), TAX_INNOVATION, l);
	case C_LANGUAGE:
		return dup_or_null(c->language);
	case C_PUBLISHED:
		return dup_or_null(c->published);
	case C_AWARDED:
		return dup_or_null(c->awarded);
	case C_YEAR:
		return case_year(c) ? printed("%d", case_year(c)) : NULL;
	case C_VALUE:
		return c->has_value ? printed("%.2f", c->value_amount) : NULL;
	case C_CURRENCY:
		return c->has_value ? dup_or_null(c->value_currency) : NULL;
	case C_SOURCES: {
		const char **urls;
		char *s;
		if (!c->nsources || !(urls = calloc(c->nsources, sizeof *urls)))
			return NULL;
		for (size_t i = 0; i < c->nsources; i++)
			urls[i] = c->sources[i].url ? c->sources[i].url : "";
		s = join(urls, c->nsources, -1, l);
		free(urls);
		return s;
	}
	case C_VERSION:
		return printed("%ld", c->version);
	case C_UPDATED:
		return dup_or_null(c->updated_at);
	case C_N:
		break;
	}
	return NULL;
}

int sheet_base(const char *host, char *buf, size_t bufsz)
{
	size_t n;

	if (bufsz)
		buf[0] = '\0';
	if (!host || !*host || (n = strlen(host)) > 255 || n + 8 > bufsz)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char ch = host[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '.' || ch == '-' || ch == ':' || ch == '[' || ch == ']'))
			return -1;
	}
	snprintf(buf, bufsz, "http://%s", host);
	return 0;
}
