/* parse_tedxml.c — one TED XML (R2.0.9) notice -> one case record (see
 * parse_tedxml.h). This file knows where each value sits in TED_EXPORT;
 * the value-to-code rules are rows in indexer/maps/ted_*.tsv and
 * flag_goal.tsv, and docs/sources-xml.md has the element -> field table.
 *
 * All TED_EXPORT elements are in one namespace that changed between
 * schema releases ("ted/R2.0.9.S02/publication",
 * "http://publications.europa.eu/resource/schema/ted/R2.0.9/publication"),
 * and the NUTS elements have their own (n2016, n2021): the root's
 * namespace is checked once, then elements are found by local name. */
#include "parse_tedxml.h"

#include <ctype.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "orgnr.h"
#include "parse_eforms.h"
#include "taxonomy.h"
#include "xmlsafe.h"

/* ---- mapping tables ------------------------------------------------------- */

int tedxml_load_map(struct maptab *t, const char *name, struct cl_errbuf *eb)
{
	return maptab_load_builtin(t, name, eb);
}

struct ted_maps {
	struct maptab auth, activity, proc, country, flag_goal;
};

#define MAP(field) offsetof(struct ted_maps, field)
static const struct parse_map map_defs[] = {
	{MAP(auth), "ted_authority", 5, 0, NULL,
	 {{"authority_type", TAX_AUTHORITY_TYPE}}},
	{MAP(activity), "ted_activity", 3, 0, NULL, {{"sector", TAX_SECTORS}}},
	{MAP(proc), "ted_procedure", 4, 0, NULL,
	 {{"procedure", TAX_PROCEDURE}, {"strategic", TAX_STRATEGIC}}},
	{MAP(country), "ted_country", 2, 0, NULL, {{NULL, 0}}},
	{MAP(flag_goal), "flag_goal", 2, 0, NULL, {{"goal", TAX_GOALS}}},
};
#undef MAP
#define NMAPS (sizeof map_defs / sizeof map_defs[0])

static int streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Element helpers by local name (any namespace). */
static xmlNode *child(const xmlNode *n, const char *name)
{
	return xmlsafe_child(n, NULL, name);
}

static xmlNode *next(const xmlNode *n, const char *name)
{
	return xmlsafe_next(n, NULL, name);
}

static xmlNode *path(const xmlNode *n, const char *p)
{
	return xmlsafe_path(n, NULL, p);
}

static int is_upper2(const char *s)
{
	return s && strlen(s) == 2 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]);
}

/* TED dates: "YYYYMMDD" (coded data) or "YYYY-MM-DD" (forms) -> out. */
static const char *date_of(const char *s, char out[11])
{
	out[0] = '\0';
	if (!s)
		return out;
	if (strlen(s) == 8 && strspn(s, "0123456789") == 8)
		snprintf(out, 11, "%.4s-%.2s-%.2s", s, s + 4, s + 6);
	else if (strlen(s) >= 10)
		snprintf(out, 11, "%.10s", s);
	if (!parse_is_date(out))
		out[0] = '\0';
	return out;
}


/* ---- the notice ----------------------------------------------------------- */

struct ted {
	struct ted_maps m;
	const struct parse_src *src;
	xmlNode *root;
	xmlNode *coded;  /* CODED_DATA_SECTION */
	xmlNode *orig;   /* the original-language form */
	xmlNode *form;   /* the form the text comes from (Swedish when there is one) */
	char docid[32];  /* "352907-2021" */
	char lg_orig[8]; /* "EN" */
	char orgnr[12];  /* the buyer's Swedish organisationsnummer, "" if none */
	long line;
	char why[300];
};

/* The ML_TI_DOC title translation in language lg (TI_TEXT), or NULL. */
static xmlNode *ml_title(const struct ted *x, const char *lg)
{
	xmlNode *ml = path(x->root, "TRANSLATION_SECTION/ML_TITLES");

	for (xmlNode *d = child(ml, "ML_TI_DOC"); d; d = next(d, "ML_TI_DOC"))
		if (streq(xmlsafe_attr(d, "LG"), lg))
			return child(d, "TI_TEXT");
	return NULL;
}

/* Picks the original form and the form for the text. 0 when there is no
 * form at all. */
static int pick_forms(struct ted *x)
{
	xmlNode *fs = child(x->root, "FORM_SECTION"), *first = NULL, *first_orig = NULL;
	xmlNode *sv = NULL;

	xmlsafe_code(path(x->coded, "NOTICE_DATA/LG_ORIG"), x->lg_orig, sizeof x->lg_orig);
	for (xmlNode *f = xmlsafe_first_element(fs); f; f = xmlsafe_next_element(f)) {
		const char *cat = xmlsafe_attr(f, "CATEGORY"), *lg = xmlsafe_attr(f, "LG");

		if (!cat)
			continue; /* NOTICE_UUID and the like */
		if (!first)
			first = f;
		if (strcmp(cat, "ORIGINAL") == 0) {
			if (!first_orig)
				first_orig = f;
			if (!x->orig && streq(lg, x->lg_orig))
				x->orig = f;
		}
		if (streq(lg, "SV") && (!sv || strcmp(cat, "ORIGINAL") == 0))
			sv = f;
	}
	if (!x->orig)
		x->orig = first_orig ? first_orig : first;
	x->form = sv ? sv : x->orig;
	if (!x->lg_orig[0] && x->orig)
		snprintf(x->lg_orig, sizeof x->lg_orig, "%s",
			 xmlsafe_attr(x->orig, "LG") ? xmlsafe_attr(x->orig, "LG") : "");
	return x->orig != NULL;
}

/* The notice number "N-YYYY" from @DOC_ID, else from NO_DOC_OJS
 * ("2021/S 133-352907"). */
static int notice_number(struct ted *x)
{
	char buf[48], id[CASE_ID_MAX + 1];
	const char *d = xmlsafe_attr(x->root, "DOC_ID");
	const char *dash;

	if (d && eforms_ted_id(id, d) == CL_OK) {
		snprintf(x->docid, sizeof x->docid, "%s", d);
		return 1;
	}
	xmlsafe_code(path(x->coded, "NOTICE_DATA/NO_DOC_OJS"), buf, sizeof buf);
	dash = strrchr(buf, '-');
	if (strlen(buf) > 5 && buf[4] == '/' && dash) {
		snprintf(x->docid, sizeof x->docid, "%s-%.4s", dash + 1, buf);
		if (eforms_ted_id(id, x->docid) == CL_OK)
			return 1;
	}
	x->docid[0] = '\0';
	return 0;
}

/* The buyer (from the original form: names, numbers and codes are not
 * translated). */
static int set_buyer(struct ted *x, struct case_record *c, int *oom)
{
	xmlNode *cb = path(x->orig, "CONTRACTING_BODY/ADDRESS_CONTRACTING_BODY");
	const char *v, *keys[1];
	char buf[64], canon[12];
	int rc;

	c->buyer.name = xmlsafe_line_of(child(cb, "OFFICIALNAME"), CASE_NAME_MAX, oom);
	if (*oom)
		return CL_ENOMEM;
	v = xmlsafe_attr(child(cb, "COUNTRY"), "VALUE");
	if (!v)
		v = xmlsafe_attr(path(x->coded, "NOTICE_DATA/ISO_COUNTRY"), "VALUE");
	if (v) {
		const char *iso;

		keys[0] = v;
		iso = maptab_code(&x->m.country, keys, 1, 1);
		if (!iso && is_upper2(v))
			iso = v;
		if (iso && (rc = parse_set_str(&c->buyer.country, iso)))
			return rc;
	}
	v = xmlsafe_attr(child(cb, "NUTS"), "CODE");
	if (!parse_is_nuts(v))
		v = xmlsafe_attr(path(x->coded, "NOTICE_DATA/CA_CE_NUTS"), "CODE");
	if (parse_is_nuts(v) && (rc = parse_set_str(&c->buyer.nuts, v)))
		return rc;
	if (streq(c->buyer.country, "SE") &&
	    orgnr_check(xmlsafe_code(child(cb, "NATIONALID"), buf, sizeof buf), canon, NULL) == 0) {
		memcpy(x->orgnr, canon, sizeof canon);
		if ((rc = parse_set_str(&c->buyer.org_number, canon)))
			return rc;
	}
	return CL_OK;
}

/* 1 if word (ASCII lower case) occurs in name as a whole word, ASCII
 * letters compared without case ("Uppsala kommun", not "Kommunalförbund"
 * or "Ökommun"). */
static int has_word(const char *name, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = name; p && *p; p++) {
		if (p != name && (isalnum((unsigned char)p[-1]) || (unsigned char)p[-1] >= 0x80))
			continue; /* inside a word (non-ASCII letters count as letters) */
		if (strncasecmp(p, word, wl) == 0 && !isalnum((unsigned char)p[wl]) &&
		    ((unsigned char)p[wl] < 0x80))
			return 1;
	}
	return 0;
}

/* authority_type: the form's CA_TYPE, else TED's coded authority type;
 * rows of ted_authority.tsv may also ask for a Swedish organisationsnummer
 * prefix or a word of the buyer's name (first matching row wins). */
static int set_authority(struct ted *x, struct case_record *c)
{
	const char *field = "CA_TYPE", *value, *name = c->buyer.name ? c->buyer.name : "";

	value = xmlsafe_attr(path(x->orig, "CONTRACTING_BODY/CA_TYPE"), "VALUE");
	if (!value) {
		field = "AA_AUTHORITY_TYPE";
		value = xmlsafe_attr(path(x->coded, "CODIF_DATA/AA_AUTHORITY_TYPE"), "CODE");
	}
	if (!value)
		return CL_OK;
	for (size_t r = 0; r < x->m.auth.nrows; r++) {
		const char *f = maptab_cell(&x->m.auth, r, 0), *v = maptab_cell(&x->m.auth, r, 1);
		const char *pre = maptab_cell(&x->m.auth, r, 2), *w = maptab_cell(&x->m.auth, r, 3);
		const char *code = maptab_cell(&x->m.auth, r, 4);

		if (strcmp(f, field) != 0 || (strcmp(v, "*") != 0 && strcmp(v, value) != 0))
			continue;
		if (strcmp(pre, "*") != 0 && (!x->orgnr[0] || strncmp(x->orgnr, pre, strlen(pre)) != 0))
			continue;
		if (strcmp(w, "*") != 0 && !has_word(name, w))
			continue;
		return strcmp(code, "-") != 0 && *code ? parse_set_str(&c->authority_type, code) : CL_OK;
	}
	return CL_OK;
}

static int add_sectors_of(struct ted *x, struct case_record *c, const xmlNode *parent,
			  const char *field, const char *attr)
{
	const char *keys[2], *v;
	int rc;

	keys[0] = field;
	for (xmlNode *n = child(parent, field); n; n = next(n, field)) {
		keys[1] = xmlsafe_attr(n, attr);
		if (keys[1] && (v = maptab_code(&x->m.activity, keys, 2, 2)) &&
		    (rc = parse_list_add(&c->sectors, v)))
			return rc;
	}
	return CL_OK;
}

static int set_sectors(struct ted *x, struct case_record *c)
{
	xmlNode *cb = child(x->orig, "CONTRACTING_BODY");
	int rc;

	if ((rc = add_sectors_of(x, c, cb, "CA_ACTIVITY", "VALUE")) ||
	    (rc = add_sectors_of(x, c, cb, "CE_ACTIVITY", "VALUE")))
		return rc;
	if (c->sectors.n == 0)
		return add_sectors_of(x, c, child(x->coded, "CODIF_DATA"), "MA_MAIN_ACTIVITIES",
				      "CODE");
	return CL_OK;
}

/* The PT_* element under PROCEDURE (or PROCEDURE/DIRECTIVE_*), or NULL. */
static const char *procedure_element(const xmlNode *form)
{
	xmlNode *p = child(form, "PROCEDURE");

	for (xmlNode *c = xmlsafe_first_element(p); c; c = xmlsafe_next_element(c)) {
		if (strncmp((const char *)c->name, "PT_", 3) == 0)
			return (const char *)c->name;
		if (strncmp((const char *)c->name, "DIRECTIVE_", 10) == 0)
			for (xmlNode *d = xmlsafe_first_element(c); d; d = xmlsafe_next_element(d))
				if (strncmp((const char *)d->name, "PT_", 3) == 0)
					return (const char *)d->name;
	}
	return NULL;
}

static int set_procedure(struct ted *x, struct case_record *c)
{
	const char *keys[2], *v, *form = xmlsafe_attr(x->orig, "FORM");
	const char *pt = procedure_element(x->orig);
	int rc;

	keys[0] = form ? form : "";
	keys[1] = pt ? pt : "";
	if ((v = maptab_code(&x->m.proc, keys, 2, 2)) && (rc = parse_set_str(&c->procedure, v)))
		return rc;
	if ((v = maptab_code(&x->m.proc, keys, 2, 3)) && (rc = parse_list_add(&c->strategic, v)))
		return rc;
	return parse_goals_of_strategic(c, &x->m.flag_goal);
}

/* A money value: the element's text and its CURRENCY attribute. */
static int amount_of(const xmlNode *n, double *amount, char cur[4])
{
	return xmlsafe_amount(n, "CURRENCY", amount, cur);
}

/* The value: the total awarded (VAL_TOTAL), else the estimate
 * (VAL_ESTIMATED_TOTAL), else the first of TED's coded VALUES. */
static int set_value(struct ted *x, struct case_record *c)
{
	xmlNode *oc = child(x->orig, "OBJECT_CONTRACT");
	double a;
	char cur[4];
	int ok = amount_of(child(oc, "VAL_TOTAL"), &a, cur) ||
		 amount_of(child(oc, "VAL_ESTIMATED_TOTAL"), &a, cur);

	for (xmlNode *v = child(path(x->coded, "NOTICE_DATA/VALUES"), "VALUE"); v && !ok;
	     v = next(v, "VALUE"))
		ok = amount_of(v, &a, cur);
	if (!ok)
		return CL_OK;
	c->has_value = 1;
	c->value_amount = a;
	return parse_set_str(&c->value_currency, cur);
}

static int set_dates(struct ted *x, struct case_record *c)
{
	char buf[16], date[11], best[11] = "";
	int rc;

	date_of(xmlsafe_code(path(x->coded, "REF_OJS/DATE_PUB"), buf, sizeof buf), date);
	if (*date && (rc = parse_set_str(&c->published, date)))
		return rc;
	for (xmlNode *a = child(x->orig, "AWARD_CONTRACT"); a; a = next(a, "AWARD_CONTRACT")) {
		xmlNode *d = path(a, "AWARDED_CONTRACT/DATE_CONCLUSION_CONTRACT");

		if (*date_of(xmlsafe_code(d, buf, sizeof buf), date) && (!*best || strcmp(date, best) < 0))
			memcpy(best, date, sizeof best);
	}
	return *best ? parse_set_str(&c->awarded, best) : CL_OK;
}

/* The body: the full short description when the summary had to be cut,
 * the lots of the text form, then the original-language title and
 * description (when the text is a translation) or the Swedish title
 * translation (when it is not). */
static char *make_body(struct ted *x, const struct case_record *c, const char *fulldesc, int *oom)
{
	struct dbuf b = DBUF_INIT(0);
	xmlNode *oc = child(x->form, "OBJECT_CONTRACT");
	char *name = NULL, *desc = NULL, *t = NULL, lot[32];
	const char *lg = xmlsafe_attr(x->form, "LG");

	if (fulldesc && c->summary && strcmp(fulldesc, c->summary) != 0)
		parse_text_para(&b, fulldesc);
	for (xmlNode *od = child(oc, "OBJECT_DESCR"); od && !*oom; od = next(od, "OBJECT_DESCR")) {
		name = xmlsafe_line_of(child(od, "TITLE"), 0, oom);
		desc = xmlsafe_text_of(child(od, "SHORT_DESCR"), oom);
		if ((name || desc) &&
		    !((!name || streq(name, c->title)) && (!desc || streq(desc, fulldesc)))) {
			xmlsafe_code(child(od, "LOT_NO"), lot, sizeof lot);
			if (!*lot && !name)
				parse_text_section(&b, oom, desc, "## Description");
			else
				parse_text_section(&b, oom, desc, "## Lot%s%s%s%s", *lot ? " " : "", lot,
						   name ? ": " : "", name ? name : "");
		}
		free(name);
		free(desc);
		name = desc = NULL;
	}
	if (*oom)
		goto out;
	if (x->form != x->orig) {
		xmlNode *ooc = child(x->orig, "OBJECT_CONTRACT");
		char low[3] = {0, 0, 0};

		name = xmlsafe_line_of(child(ooc, "TITLE"), 0, oom);
		desc = xmlsafe_text_of(child(ooc, "SHORT_DESCR"), oom);
		low[0] = (char)tolower((unsigned char)x->lg_orig[0]);
		low[1] = (char)tolower((unsigned char)x->lg_orig[1]);
		if ((name || desc) && asprintf(&t, "## Original text (%s)", low) >= 0) {
			parse_text_para(&b, t);
			parse_text_para(&b, name);
			parse_text_para(&b, desc);
		}
	} else if (!streq(lg, "SV")) {
		name = xmlsafe_line_of(ml_title(x, "SV"), 0, oom);
		if (name) {
			parse_text_para(&b, "## Swedish title (sv)");
			parse_text_para(&b, name);
		}
	}
out:
	free(t);
	free(name);
	free(desc);
	return parse_text_take(&b, CASE_BODY_MAX_BYTES, oom);
}

static int build(struct ted *x, struct case_record *c)
{
	char id[CASE_ID_MAX + 1];
	const char *lg = xmlsafe_attr(x->form, "LG");
	char *fulldesc = NULL;
	xmlNode *oc = child(x->form, "OBJECT_CONTRACT");
	int rc = CL_OK, oom = 0;

	eforms_ted_id(id, x->docid);
	if ((rc = parse_set_str(&c->id, id)) || (rc = parse_set_str(&c->kind, "procurement")))
		goto out;
	if (lg && is_upper2(lg)) {
		char low[3] = {(char)tolower((unsigned char)lg[0]), (char)tolower((unsigned char)lg[1]),
			       0};

		if ((rc = parse_set_str(&c->language, low)))
			goto out;
	}

	/* title: the text form's, else the original's, else TED's translation */
	c->title = xmlsafe_line_of(child(oc, "TITLE"), CASE_TITLE_MAX, &oom);
	if (!c->title && !oom)
		c->title = xmlsafe_line_of(path(x->orig, "OBJECT_CONTRACT/TITLE"), CASE_TITLE_MAX, &oom);
	if (!c->title && !oom)
		c->title = xmlsafe_line_of(ml_title(x, lg ? lg : x->lg_orig), CASE_TITLE_MAX, &oom);
	fulldesc = xmlsafe_text_of(child(oc, "SHORT_DESCR"), &oom);
	if (!fulldesc && !oom) /* design contests: only the lot is described */
		fulldesc = xmlsafe_text_of(path(oc, "OBJECT_DESCR/SHORT_DESCR"), &oom);
	if (oom || (fulldesc && !(c->summary = parse_truncate(fulldesc, CASE_SUMMARY_MAX)))) {
		rc = CL_ENOMEM;
		goto out;
	}

	if ((rc = set_buyer(x, c, &oom)) || (rc = set_authority(x, c)) ||
	    (rc = set_sectors(x, c)))
		goto out;

	/* cpv and category: the main CPV code of the contract */
	{
		const char *code = xmlsafe_attr(path(x->orig, "OBJECT_CONTRACT/CPV_MAIN/CPV_CODE"),
						"CODE");

		if (parse_is_cpv(code)) {
			char div[3] = {code[0], code[1], 0};

			if ((rc = parse_list_add(&c->cpv, code)))
				goto out;
			if (tax_lookup(TAX_CATEGORIES, div) &&
			    (rc = parse_list_add(&c->categories, div)))
				goto out;
		}
	}

	if ((rc = set_procedure(x, c)) || (rc = set_dates(x, c)) || (rc = set_value(x, c)))
		goto out;

	c->body = make_body(x, c, fulldesc, &oom);
	rc = oom ? CL_ENOMEM : eforms_ted_source(c, x->src, TEDXML_REF_BASE, x->docid, TEDXML_FORMAT);
out:
	free(fulldesc);
	return rc;
}

/* 1 if the notice lacks what every record needs (x->why says what). */
static int invalid(struct ted *x)
{
	int oom = 0;
	char *t;

	x->line = xmlsafe_line(x->root);
	if (!x->coded) {
		snprintf(x->why, sizeof x->why, "no CODED_DATA_SECTION");
		return 1;
	}
	if (!notice_number(x)) {
		snprintf(x->why, sizeof x->why,
			 "no notice number (/TED_EXPORT/@DOC_ID or CODED_DATA_SECTION/NOTICE_DATA/"
			 "NO_DOC_OJS, as N-YYYY)");
		return 1;
	}
	if (!pick_forms(x)) {
		if (xmlsafe_line(child(x->root, "FORM_SECTION")))
			x->line = xmlsafe_line(child(x->root, "FORM_SECTION"));
		snprintf(x->why, sizeof x->why, "no form in FORM_SECTION (an element with @CATEGORY)");
		return 1;
	}
	t = xmlsafe_line_of(path(x->form, "OBJECT_CONTRACT/TITLE"), 0, &oom);
	if (!t)
		t = xmlsafe_line_of(path(x->orig, "OBJECT_CONTRACT/TITLE"), 0, &oom);
	if (!t)
		t = xmlsafe_line_of(ml_title(x, x->lg_orig), 0, &oom);
	free(t);
	if (!t && !oom) {
		x->line = xmlsafe_line(x->orig);
		snprintf(x->why, sizeof x->why,
			 "no title (FORM_SECTION/*/OBJECT_CONTRACT/TITLE and ML_TI_DOC/TI_TEXT are "
			 "missing or empty)");
		return 1;
	}
	return 0;
}

int tedxml_parse_mem(const char *data, size_t len, const struct parse_src *src,
		     const struct parse_sink *sink, struct cl_errbuf *eb)
{
	struct ted x;
	struct case_record c;
	xmlDocPtr doc = NULL;
	const char *href;
	int rc;

	memset(&x, 0, sizeof x);
	case_init(&c);
	if ((rc = parse_check_call(src, sink, "ted-xml", eb)))
		return rc;
	x.src = src;
	if ((rc = parse_maps_load(&x.m, map_defs, NMAPS, "ted-xml", eb)))
		goto out;
	if ((rc = xmlsafe_parse(data, len, "ted-xml", &doc, eb)))
		goto out;
	x.root = xmlDocGetRootElement(doc);
	href = x.root->ns && x.root->ns->href ? (const char *)x.root->ns->href : "";
	if (!xmlsafe_is(x.root, NULL, "TED_EXPORT")) {
		rc = cl_fail(eb, CL_EPARSE,
			     "ted-xml: the root element <%.64s> is not TED_EXPORT (not a TED XML "
			     "notice)",
			     (const char *)x.root->name);
		goto out;
	}
	if (!strstr(href, "R2.0.9") || strlen(href) < 11 ||
	    strcmp(href + strlen(href) - 11, "publication") != 0) {
		rc = cl_fail(eb, CL_EPARSE,
			     "ted-xml: TED_EXPORT in namespace \"%.160s\": only the R2.0.9 schema "
			     "(.../R2.0.9.../publication) is read",
			     href);
		goto out;
	}
	x.coded = child(x.root, "CODED_DATA_SECTION");
	if (invalid(&x)) {
		parse_reject(sink, x.line, "invalid TED XML notice: %s", x.why);
		goto out;
	}
	rc = build(&x, &c);
	rc = parse_emit_built(rc, sink, &c, xmlsafe_line(x.root), "ted-xml", eb);
out:
	case_release(&c);
	xmlFreeDoc(doc); /* NULL: no-op */
	parse_maps_release(&x.m, map_defs, NMAPS);
	return rc;
}
