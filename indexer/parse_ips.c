/* parse_ips.c — the IPS innovation cases CSV -> case records (see
 * parse_ips.h). Value-to-code rules come from indexer/maps/ (cofog.tsv,
 * ips_org.tsv, flag_goal.tsv); this file knows which column feeds which
 * field. */
#include "parse_ips.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "csvread.h"
#include "maptab.h"
#include "taxonomy.h"
#include "utf8.h"

/* Every IPS case is about innovation in a public service. */
#define IPS_STRATEGIC "inn"

enum col {
	C_ID,
	C_NAME,
	C_DESC,
	C_SECTOR,
	C_CATEGORY,
	C_NREQ,
	C_ORGNAME = C_NREQ,
	C_URL,
	C_CODES,
	C_START,
	C_NCOLS
};

/* Header names; a second name is an accepted alternative (the file has
 * both "lead_organisation_name" and "lead_organisation:name"). */
static const char *const col_names[C_NCOLS][2] = {
	[C_ID] = {"id", NULL},
	[C_NAME] = {"name", NULL},
	[C_DESC] = {"description", NULL},
	[C_SECTOR] = {"primary_sector", NULL},
	[C_CATEGORY] = {"lead_organisation_category", "lead_organisation:category"},
	[C_ORGNAME] = {"lead_organisation_name", "lead_organisation:name"},
	[C_URL] = {"url", NULL},
	[C_CODES] = {"geocoverage_codes", NULL},
	[C_START] = {"start_date", NULL},
};

void ips_stats_init(struct ips_stats *st)
{
	memset(st, 0, sizeof *st);
}

struct ips_maps {
	struct maptab cofog, org, goal;
};

#define MAP(field) offsetof(struct ips_maps, field)
static const struct parse_map map_defs[] = {
	{MAP(cofog), "cofog", 0, 0, "label_en", {{"sector", TAX_SECTORS}}},
	{MAP(org), "ips_org", 0, 0, "category", {{"authority_type", TAX_AUTHORITY_TYPE}}},
	{MAP(goal), "flag_goal", 0, 0, "strategic", {{"goal", TAX_GOALS}}},
};
#undef MAP
#define NMAPS (sizeof map_defs / sizeof map_defs[0])

struct ctx {
	struct csvr r;
	struct ips_maps m;
	struct parse_ids ids;
	long col[C_NCOLS];
	size_t nheader;
	const struct parse_src *src;
	const struct parse_sink *sink;
	struct ips_stats *st;
};

static const char *fld(const struct ctx *x, enum col c)
{
	if (x->col[c] < 0)
		return "";
	return csvr_field(&x->r, (size_t)x->col[c], NULL);
}

/* A one-line cleaned copy of column c (caller frees), NULL on ENOMEM. */
static char *line_of(const struct ctx *x, enum col c, size_t max_cp)
{
	return parse_clean_line(fld(x, c), max_cp);
}

/* published from start_date: a date as is; a bare year ("2021", or
 * "2021.0" as spreadsheets write it) as YYYY-01-01. */
static int set_published(struct ctx *x, struct case_record *c, const char *s)
{
	char buf[16];
	size_t n = strlen(s);

	if (parse_is_date(s))
		return parse_set_str(&c->published, s);
	if ((n == 4 || (n == 6 && strcmp(s + 4, ".0") == 0)) && strspn(s, "0123456789") == 4) {
		snprintf(buf, sizeof buf, "%.4s-01-01", s);
		if (parse_is_date(buf)) {
			x->st->year_only++;
			return parse_set_str(&c->published, buf);
		}
	}
	x->st->no_published++;
	return CL_OK;
}

/* The description as summary (at most CASE_SUMMARY_MAX code points, cut at
 * a sentence or word) and, when it is longer, in full as body. */
static int set_text(struct ctx *x, struct case_record *c)
{
	char *text = parse_clean_text(fld(x, C_DESC));

	if (!text)
		return CL_ENOMEM;
	if (!*text) {
		free(text);
		return CL_OK;
	}
	if (utf8_count(text) <= CASE_SUMMARY_MAX) {
		c->summary = text;
		return CL_OK;
	}
	x->st->summary_cut++;
	c->summary = parse_truncate(text, CASE_SUMMARY_MAX);
	if (!c->summary) {
		free(text);
		return CL_ENOMEM;
	}
	while (strlen(text) > CASE_BODY_MAX_BYTES) {
		size_t cps = utf8_count(text);
		char *cut = parse_truncate(text, cps - cps / 8 - 1);

		free(text);
		if (!cut)
			return CL_ENOMEM;
		text = cut;
	}
	c->body = text;
	return CL_OK;
}

static int add_source(struct case_record *c, const char *url, const struct parse_src *src,
		      int with_hash)
{
	struct case_source *ns = realloc(c->sources, (c->nsources + 1) * sizeof *ns);
	struct case_source *s;
	int rc;

	if (!ns)
		return CL_ENOMEM;
	c->sources = ns;
	s = &c->sources[c->nsources++];
	memset(s, 0, sizeof *s);
	if ((rc = parse_set_str(&s->url, url)) || (rc = parse_set_str(&s->retrieved_at, src->retrieved_at)) ||
	    (rc = parse_set_str(&s->sha256, with_hash ? src->sha256 : NULL)) ||
	    (rc = parse_set_str(&s->format, IPS_FORMAT)) || (rc = parse_set_str(&s->licence, IPS_LICENCE)))
		return rc;
	return CL_OK;
}

static int build(struct ctx *x, struct case_record *c)
{
	const struct parse_sink *sink = x->sink;
	long line = csvr_line(&x->r);
	char id[CASE_ID_MAX + 1];
	char *native = NULL, *s = NULL, *ref = NULL;
	int rc = CL_OK, renamed = 0, enomem = 0;

	/* id: ips-<id> */
	native = line_of(x, C_ID, 0);
	if (!native)
		return CL_ENOMEM;
	if (!*native) {
		free(native);
		parse_reject(sink, line, "empty id");
		return CL_EVALIDATION;
	}
	parse_make_id(id, "ips-", native);
	if ((rc = parse_ids_claim(&x->ids, id, &renamed)))
		goto out;
	if (renamed)
		x->st->renamed_ids++;
	if ((rc = parse_set_str(&c->id, id)) || (rc = parse_set_str(&c->kind, "case")) ||
	    (rc = parse_set_str(&c->language, "en")))
		goto out;

	c->title = line_of(x, C_NAME, CASE_TITLE_MAX);
	if (!c->title) {
		rc = CL_ENOMEM;
		goto out;
	}
	if (!*c->title) {
		parse_reject(sink, line, "empty name");
		rc = CL_EVALIDATION;
		goto out;
	}
	if ((rc = set_text(x, c)))
		goto out;

	/* buyer: the lead organisation (names are already in mixed case) */
	s = line_of(x, C_ORGNAME, 0);
	if (!s) {
		rc = CL_ENOMEM;
		goto out;
	}
	{
		size_t n = strlen(s);
		while (n > 0 && (s[n - 1] == ':' || s[n - 1] == ',' || s[n - 1] == ' '))
			s[--n] = '\0';
	}
	if (*s) {
		if (utf8_count(s) > CASE_NAME_MAX) {
			x->st->name_cut++;
			c->buyer.name = parse_truncate(s, CASE_NAME_MAX);
			if (!c->buyer.name) {
				rc = CL_ENOMEM;
				goto out;
			}
		} else {
			c->buyer.name = s;
			s = NULL;
		}
	} else {
		x->st->no_buyer_name++;
	}
	free(s);
	s = NULL;
	{
		const char *cc = fld(x, C_CODES);
		/* One ISO 3166-1 code; "EU" is a reserved code, not a country. */
		if (strlen(cc) == 2 && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z' &&
		    strcmp(cc, "EU") != 0) {
			if ((rc = parse_set_str(&c->buyer.country, cc)))
				goto out;
		} else {
			x->st->no_country++;
		}
	}

	/* authority_type from the organisation category */
	s = line_of(x, C_CATEGORY, 0);
	if (!s) {
		rc = CL_ENOMEM;
		goto out;
	}
	{
		const char *keys[1] = {s};
		long r = maptab_find(&x->m.org, 0, keys, 1);
		const char *v = r >= 0 ? maptab_cell(&x->m.org, (size_t)r, 1) : NULL;

		if (v && strcmp(v, "-") != 0) {
			if ((rc = parse_set_str(&c->authority_type, v)))
				goto out;
		} else {
			x->st->no_authority_type++;
		}
	}
	free(s);
	s = NULL;

	/* sectors from the COFOG division */
	s = line_of(x, C_SECTOR, 0);
	if (!s) {
		rc = CL_ENOMEM;
		goto out;
	}
	{
		const char *codes[8];
		const char *keys[1] = {s};
		size_t n = *s ? maptab_codes(&x->m.cofog, keys, 1,
					     (size_t)maptab_col(&x->m.cofog, "sector"), codes, 8,
					     NULL)
			      : 0;

		if (n == 0)
			x->st->no_sector++;
		for (size_t i = 0; i < n; i++)
			if ((rc = parse_list_add(&c->sectors, codes[i])))
				goto out;
	}
	free(s);
	s = NULL;

	/* strategic: innovation, and the goal that implies (flag_goal.tsv) */
	if ((rc = parse_list_add(&c->strategic, IPS_STRATEGIC)) ||
	    (rc = parse_goals_of_strategic(c, &x->m.goal)))
		goto out;

	s = line_of(x, C_START, 0);
	if (!s) {
		rc = CL_ENOMEM;
		goto out;
	}
	if ((rc = set_published(x, c, s)))
		goto out;

	/* sources: the service's own page when the row has one, then the
	 * observatory's record of the case (with the file's hash) */
	free(s);
	s = parse_first_url(fld(x, C_URL), &enomem);
	if (enomem) {
		rc = CL_ENOMEM;
		goto out;
	}
	if (s) {
		x->st->with_url++;
		if ((rc = add_source(c, s, x->src, 0)))
			goto out;
	}
	if (x->src->url && *x->src->url) {
		if (asprintf(&ref, "%s#%s", x->src->url, id) < 0)
			ref = NULL;
	} else {
		char nid[CASE_ID_MAX + 1];
		parse_make_id(nid, "", native);
		if (asprintf(&ref, "%s%s.html", IPS_REF_BASE, nid) < 0)
			ref = NULL;
	}
	if (!ref) {
		rc = CL_ENOMEM;
		goto out;
	}
	rc = add_source(c, ref, x->src, 1);
out:
	free(native);
	free(s);
	free(ref);
	return rc;
}

static int read_header(struct ctx *x, struct cl_errbuf *eb)
{
	struct cl_errbuf e;
	int rc = csvr_next(&x->r, &e);

	if (rc == CSVR_END)
		return cl_fail(eb, CL_EPARSE, "ips-csv: empty input (no header line)");
	if (rc < 0)
		return cl_fail(eb, rc == CL_ENOMEM || rc == CL_EIO ? rc : CL_EPARSE,
			       "ips-csv header: %s", e.msg);
	x->nheader = csvr_nfields(&x->r);
	for (int c = 0; c < C_NCOLS; c++) {
		x->col[c] = csvr_find(&x->r, col_names[c][0]);
		if (x->col[c] < 0 && col_names[c][1])
			x->col[c] = csvr_find(&x->r, col_names[c][1]);
		if (x->col[c] < 0 && c < C_NREQ)
			return cl_fail(eb, CL_EPARSE,
				       "ips-csv: required column \"%s\" is missing from the header "
				       "(line %ld)",
				       col_names[c][0], csvr_line(&x->r));
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

	if ((rc = parse_check_call(x->src, x->sink, "ips-csv", eb)) ||
	    (rc = parse_maps_load(&x->m, map_defs, NMAPS, "ips-csv", eb)) || (rc = read_header(x, eb)))
		return rc;

	return parse_csv_rows(&x->r, x->nheader, "ips-csv", x->sink, build_row, x, &x->st->rows,
			      &x->st->emitted, &x->st->rejected, eb);
}

static int parse_common(struct ctx *x, const struct parse_src *src, const struct parse_sink *sink,
			struct ips_stats *st, struct cl_errbuf *eb)
{
	struct ips_stats local;
	int rc;

	x->src = src;
	x->sink = sink;
	x->st = st ? st : &local;
	ips_stats_init(x->st);
	parse_ids_init(&x->ids);
	rc = run(x, eb);
	parse_ids_release(&x->ids);
	parse_maps_release(&x->m, map_defs, NMAPS);
	csvr_release(&x->r);
	return rc;
}

int ips_parse_file(FILE *f, const struct parse_src *src, const struct parse_sink *sink,
		   struct ips_stats *st, struct cl_errbuf *eb)
{
	struct ctx x;

	memset(&x, 0, sizeof x);
	if (!f)
		return cl_fail(eb, CL_EINVAL, "ips-csv: no input");
	csvr_init_file(&x.r, f);
	return parse_common(&x, src, sink, st, eb);
}

int ips_parse_mem(const char *data, size_t len, const struct parse_src *src,
		  const struct parse_sink *sink, struct ips_stats *st, struct cl_errbuf *eb)
{
	struct ctx x;

	memset(&x, 0, sizeof x);
	csvr_init_mem(&x.r, data, len);
	return parse_common(&x, src, sink, st, eb);
}

int ips_parse(const char *data, size_t len, const struct parse_src *src,
		   const struct parse_sink *sink, struct cl_errbuf *eb)
{
	return ips_parse_mem(data, len, src, sink, NULL, eb);
}
