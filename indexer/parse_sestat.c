/* parse_sestat.c — Upphandlingsmyndigheten's statistics CSV -> case records
 * (see parse_sestat.h). Every value-to-code rule comes from a table in
 * indexer/maps/; this file only knows which column feeds which field. */
#include "parse_sestat.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "csvread.h"
#include "maptab.h"
#include "norm.h"
#include "orgnr.h"
#include "taxonomy.h"

/* The columns, by header name. Required ones first. */
enum col {
	C_ID,
	C_TITLE,
	C_NAME,
	C_ORGNR,
	C_SEKTOR,
	C_DELSEKTOR,
	C_FORM,
	C_SNI,
	C_CPV,
	C_PROC,
	C_DATE,
	C_NREQ,
	C_YEAR = C_NREQ, /* optional: "År" (else the year of the date) */
	C_CPVHG,         /* optional: "CPV-Huvudgrupp" (when the main code is empty) */
	C_NCOLS
};

static const char *const col_names[C_NCOLS] = {
	[C_ID] = "Upphandlings-ID",
	[C_TITLE] = "Upphandlingens titel",
	[C_NAME] = "Namn för köpare",
	[C_ORGNR] = "Organisationsnummer för köpare",
	[C_SEKTOR] = "Sektor för köpare",
	[C_DELSEKTOR] = "Delsektor för köpare",
	[C_FORM] = "Juridisk form för köpare",
	[C_SNI] = "SNI-Avdelning för köpare",
	[C_CPV] = "Huvudsaklig CPV-kod",
	[C_PROC] = "Förfarande",
	[C_DATE] = "Publiceringsdatum",
	[C_YEAR] = "År",
	[C_CPVHG] = "CPV-Huvudgrupp",
};

const char *const *sestat_columns(size_t *n, size_t *nreq)
{
	*n = C_NCOLS;
	if (nreq)
		*nreq = C_NREQ;
	return col_names;
}

void sestat_stats_init(struct sestat_stats *st)
{
	memset(st, 0, sizeof *st);
}

/* The mapping tables of this source. */
struct se_maps {
	struct maptab auth, sni, proc, flags, goal, words;
};

#define MAP(field) offsetof(struct se_maps, field)
static const struct parse_map map_defs[] = {
	{MAP(auth), "se_authority", 4, 0, NULL, {{"authority_type", TAX_AUTHORITY_TYPE}}},
	{MAP(sni), "se_sni", 0, 2, NULL, {{"sector", TAX_SECTORS}}},
	{MAP(proc), "se_procedure", 2, 0, NULL, {{"procedure", TAX_PROCEDURE}}},
	{MAP(flags), "se_flags", 3, 0, NULL, {{"strategic", TAX_STRATEGIC}}},
	{MAP(goal), "flag_goal", 2, 0, NULL,
	 {{"strategic", TAX_STRATEGIC}, {"goal", TAX_GOALS}}},
	{MAP(words), "name_words", 0, 0, NULL, {{NULL, 0}}},
};
#undef MAP
#define NMAPS (sizeof map_defs / sizeof map_defs[0])

struct ctx {
	struct csvr r;
	struct se_maps m;
	struct parse_ids ids;
	long col[C_NCOLS];   /* field index of each column, -1 if absent */
	long *flagcol;       /* field index of each se_flags row's column */
	size_t nheader;
	const struct parse_src *src;
	const struct parse_sink *sink;
	struct sestat_stats *st;
};

/* Field of column c in the current record, trimmed copy into buf; "" when
 * the column is absent. Values in this file are short: longer ones are
 * cut (only the title can be long, and it is read without this). */
static const char *fld(const struct ctx *x, enum col c)
{
	if (x->col[c] < 0)
		return "";
	return csvr_field(&x->r, (size_t)x->col[c], NULL);
}

/* Trims ASCII spaces at both ends into out (cap bytes). */
static const char *trim(char *out, size_t cap, const char *s)
{
	size_t n;

	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

/* A Finnish business id (Y-tunnus) NNNNNNN-N with a valid check digit. */
static int is_fi_business_id(const char *s)
{
	static const int w[7] = {7, 9, 10, 5, 8, 4, 2};
	int sum = 0, r, check;

	if (strlen(s) != 9 || s[7] != '-')
		return 0;
	for (int i = 0; i < 9; i++)
		if (i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	for (int i = 0; i < 7; i++)
		sum += (s[i] - '0') * w[i];
	r = sum % 11;
	if (r == 1)
		return 0;
	check = r == 0 ? 0 : 11 - r;
	return s[8] - '0' == check;
}

/* Builds the record of the current row into c. Returns CL_OK, a reject
 * (CL_EVALIDATION after telling the sink), or a fatal code. */
static int build(struct ctx *x, struct case_record *c)
{
	const struct parse_sink *sink = x->sink;
	long line = csvr_line(&x->r);
	char native[256], year[8], date[16], id[CASE_ID_MAX + 1], prefix[24];
	char orgnr[64], canon[12], sni[256], cpv[64], proc[256];
	char sektor[128], delsektor[128], form[128];
	char *s = NULL;
	int rc = CL_OK, renamed = 0;
	const char *v;

	/* id: uhm-<year>-<Upphandlings-ID>, made unique within the file. */
	trim(native, sizeof native, fld(x, C_ID));
	if (!*native) {
		parse_reject(sink, line, "empty %s", col_names[C_ID]);
		return CL_EVALIDATION;
	}
	trim(date, sizeof date, fld(x, C_DATE));
	trim(year, sizeof year, fld(x, C_YEAR));
	if (!(strlen(year) == 4 && strspn(year, "0123456789") == 4)) {
		if (parse_is_date(date))
			snprintf(year, sizeof year, "%.4s", date);
		else {
			parse_reject(sink, line, "no year: neither %s nor %s", col_names[C_YEAR],
				     col_names[C_DATE]);
			return CL_EVALIDATION;
		}
	}
	snprintf(prefix, sizeof prefix, "uhm-%s-", year);
	parse_make_id(id, prefix, native);
	if ((rc = parse_ids_claim(&x->ids, id, &renamed)))
		return rc;
	if (renamed)
		x->st->renamed_ids++;
	if ((rc = parse_set_str(&c->id, id)) || (rc = parse_set_str(&c->kind, "procurement")) ||
	    (rc = parse_set_str(&c->language, "sv")))
		return rc;

	/* title */
	c->title = parse_clean_line(fld(x, C_TITLE), CASE_TITLE_MAX);
	if (!c->title)
		return CL_ENOMEM;
	if (!*c->title) {
		parse_reject(sink, line, "empty %s", col_names[C_TITLE]);
		return CL_EVALIDATION;
	}

	/* buyer */
	s = parse_clean_line(fld(x, C_NAME), 0);
	if (!s)
		return CL_ENOMEM;
	if (*s) {
		char *nm = norm_buyer_name(s, &x->m.words);
		if (!nm) {
			free(s);
			return CL_ENOMEM;
		}
		c->buyer.name = parse_truncate(nm, CASE_NAME_MAX);
		free(nm);
		if (!c->buyer.name) {
			free(s);
			return CL_ENOMEM;
		}
	}
	free(s);
	s = NULL;
	trim(orgnr, sizeof orgnr, fld(x, C_ORGNR));
	v = "SE";
	if (*orgnr) {
		if (orgnr_check(orgnr, canon, NULL) == 0) {
			if ((rc = parse_set_str(&c->buyer.org_number, canon)))
				return rc;
		} else if (is_fi_business_id(orgnr)) {
			x->st->foreign_orgnr++;
			v = "FI";
		} else {
			x->st->bad_orgnr++;
		}
	}
	if ((rc = parse_set_str(&c->buyer.country, v)))
		return rc;

	/* authority_type from sector, subsector and legal form */
	{
		const char *keys[3];
		long r;

		keys[0] = trim(sektor, sizeof sektor, fld(x, C_SEKTOR));
		keys[1] = trim(delsektor, sizeof delsektor, fld(x, C_DELSEKTOR));
		keys[2] = trim(form, sizeof form, fld(x, C_FORM));
		r = maptab_find(&x->m.auth, 0, keys, 3);
		v = r >= 0 ? maptab_cell(&x->m.auth, (size_t)r, 3) : NULL;
		if (v && strcmp(v, "-") != 0) {
			if ((rc = parse_set_str(&c->authority_type, v)))
				return rc;
		} else {
			x->st->no_authority_type++;
		}
	}

	/* sectors from the SNI section letter ("P Utbildning") */
	{
		const char *codes[8];
		size_t n = 0;
		char letter[2] = {0, 0};

		trim(sni, sizeof sni, fld(x, C_SNI));
		if (sni[0] >= 'A' && sni[0] <= 'Z' && (sni[1] == ' ' || sni[1] == '\0')) {
			const char *keys[1] = {letter};
			letter[0] = sni[0];
			n = maptab_codes(&x->m.sni, keys, 1, (size_t)maptab_col(&x->m.sni, "sector"),
					 codes, 8, NULL);
		}
		if (n == 0)
			x->st->no_sector++;
		for (size_t i = 0; i < n; i++)
			if ((rc = parse_list_add(&c->sectors, codes[i])))
				return rc;
	}

	/* cpv and categories from the main CPV code ("45000000 Anläggningsarbete") */
	trim(cpv, sizeof cpv, fld(x, C_CPV));
	if (!*cpv)
		trim(cpv, sizeof cpv, fld(x, C_CPVHG));
	if (strspn(cpv, "0123456789") >= 8 && strncmp(cpv, "00000000", 8) != 0) {
		char code[9], div[3];

		memcpy(code, cpv, 8);
		code[8] = '\0';
		memcpy(div, cpv, 2);
		div[2] = '\0';
		if ((rc = parse_list_add(&c->cpv, code)))
			return rc;
		if (tax_lookup(TAX_CATEGORIES, div)) {
			if ((rc = parse_list_add(&c->categories, div)))
				return rc;
		} else {
			x->st->no_category++;
		}
	} else {
		x->st->no_category++;
	}

	/* procedure */
	trim(proc, sizeof proc, fld(x, C_PROC));
	if (*proc) {
		const char *keys[1] = {proc};
		long r = maptab_find(&x->m.proc, 0, keys, 1);

		v = r >= 0 ? maptab_cell(&x->m.proc, (size_t)r, 1) : NULL;
		if (v && strcmp(v, "-") != 0) {
			if ((rc = parse_set_str(&c->procedure, v)))
				return rc;
		} else {
			x->st->unknown_procedure++;
			x->st->no_procedure++;
		}
	} else {
		x->st->no_procedure++;
	}

	/* strategic flags, and the goals they imply (flag_goal.tsv) */
	for (size_t i = 0; i < x->m.flags.nrows; i++) {
		const char *want = maptab_cell(&x->m.flags, i, 1);
		const char *have;
		char buf[64];

		if (x->flagcol[i] < 0)
			continue;
		have = trim(buf, sizeof buf, csvr_field(&x->r, (size_t)x->flagcol[i], NULL));
		if (strcmp(have, want) == 0)
			if ((rc = parse_list_add(&c->strategic, maptab_cell(&x->m.flags, i, 2))))
				return rc;
	}
	if ((rc = parse_goals_of_strategic(c, &x->m.goal)))
		return rc;

	/* published */
	if (parse_is_date(date)) {
		if ((rc = parse_set_str(&c->published, date)))
			return rc;
	} else {
		x->st->no_published++;
	}

	/* the source: a stable reference to this row, and the file's hash */
	c->sources = calloc(1, sizeof *c->sources);
	if (!c->sources)
		return CL_ENOMEM;
	c->nsources = 1;
	if (asprintf(&c->sources[0].url, "%s#%s",
		     x->src->url && *x->src->url ? x->src->url : SESTAT_REF_BASE, id) < 0) {
		c->sources[0].url = NULL;
		return CL_ENOMEM;
	}
	if ((rc = parse_set_str(&c->sources[0].retrieved_at, x->src->retrieved_at)) ||
	    (rc = parse_set_str(&c->sources[0].sha256, x->src->sha256)) ||
	    (rc = parse_set_str(&c->sources[0].format, SESTAT_FORMAT)) ||
	    (rc = parse_set_str(&c->sources[0].licence, SESTAT_LICENCE)))
		return rc;
	return CL_OK;
}

/* Reads the header and finds the columns. */
static int read_header(struct ctx *x, struct cl_errbuf *eb)
{
	struct cl_errbuf e;
	int rc = csvr_next(&x->r, &e);

	if (rc == CSVR_END)
		return cl_fail(eb, CL_EPARSE, "se-stats-csv: empty input (no header line)");
	if (rc < 0)
		return cl_fail(eb, rc == CL_ENOMEM || rc == CL_EIO ? rc : CL_EPARSE,
			       "se-stats-csv header: %s", e.msg);
	x->nheader = csvr_nfields(&x->r);
	for (int c = 0; c < C_NCOLS; c++) {
		x->col[c] = csvr_find(&x->r, col_names[c]);
		if (x->col[c] < 0 && c < C_NREQ)
			return cl_fail(eb, CL_EPARSE,
				       "se-stats-csv: required column \"%s\" is missing from the "
				       "header (line %ld)",
				       col_names[c], csvr_line(&x->r));
	}
	x->flagcol = calloc(x->m.flags.nrows ? x->m.flags.nrows : 1, sizeof *x->flagcol);
	if (!x->flagcol)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	for (size_t i = 0; i < x->m.flags.nrows; i++) {
		const char *name = maptab_cell(&x->m.flags, i, 0);

		x->flagcol[i] = csvr_find(&x->r, name);
		if (x->flagcol[i] < 0)
			return cl_fail(eb, CL_EPARSE,
				       "se-stats-csv: required column \"%s\" is missing from the "
				       "header (line %ld)",
				       name, csvr_line(&x->r));
	}
	return CL_OK;
}

static int build_row(void *ctx, struct case_record *c)
{
	return build(ctx, c);
}

static int run(struct ctx *x, struct cl_errbuf *eb)
{
	int rc;

	if ((rc = parse_check_call(x->src, x->sink, "se-stats-csv", eb)) ||
	    (rc = parse_maps_load(&x->m, map_defs, NMAPS, "se-stats-csv", eb)) || (rc = read_header(x, eb)))
		return rc;

	return parse_csv_rows(&x->r, x->nheader, "se-stats-csv", x->sink, build_row, x, &x->st->rows,
			      &x->st->emitted, &x->st->rejected, eb);
}

static int parse_common(struct ctx *x, const struct parse_src *src, const struct parse_sink *sink,
			struct sestat_stats *st, struct cl_errbuf *eb)
{
	struct sestat_stats local;
	int rc;

	x->src = src;
	x->sink = sink;
	x->st = st ? st : &local;
	sestat_stats_init(x->st);
	parse_ids_init(&x->ids);
	rc = run(x, eb);
	parse_ids_release(&x->ids);
	parse_maps_release(&x->m, map_defs, NMAPS);
	free(x->flagcol);
	csvr_release(&x->r);
	return rc;
}

int sestat_parse_file(FILE *f, const struct parse_src *src, const struct parse_sink *sink,
		      struct sestat_stats *st, struct cl_errbuf *eb)
{
	struct ctx x;

	memset(&x, 0, sizeof x);
	if (!f)
		return cl_fail(eb, CL_EINVAL, "se-stats-csv: no input");
	csvr_init_file(&x.r, f);
	return parse_common(&x, src, sink, st, eb);
}

int sestat_parse_mem(const char *data, size_t len, const struct parse_src *src,
		     const struct parse_sink *sink, struct sestat_stats *st,
		     struct cl_errbuf *eb)
{
	struct ctx x;

	memset(&x, 0, sizeof x);
	csvr_init_mem(&x.r, data, len);
	return parse_common(&x, src, sink, st, eb);
}

int sestat_parse(const char *data, size_t len, const struct parse_src *src,
		      const struct parse_sink *sink, struct cl_errbuf *eb)
{
	return sestat_parse_mem(data, len, src, sink, NULL, eb);
}
