/* test_parse_tedxml.c — TED XML (R2.0.9) notices as case records
 * (indexer/parse_tedxml.c) and its mapping tables (indexer/maps/ted_*.tsv).
 *
 * Suites:
 *   parse_tedxml  every one of the 78 real notices, field checks on named
 *                 ones (a Swedish original, a Swedish translation, a Danish
 *                 notice with TED's Swedish title, a design contest, a
 *                 negotiated award under a directive block), the shared id
 *                 with the eForms parser, bad payloads;
 *   ted_maps      every row against the taxonomy and the official eForms
 *                 code lists, and every value the real notices use has a
 *                 row. */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "maptab.h"
#include "parse.h"
#include "parse_eforms.h"
#include "parse_tedxml.h"
#include "taxonomy.h"
#include "testutil.h"
#include "xmlsafe.h"

#define WHEN "2026-11-27T05:00:00Z"
#define TED_GLOB "ted-xml/*/*.xml"

/* ---- running the parsers into testutil's tu_got sink ---------------------- */

static int ted_buf(const char *data, size_t len, const char *url, struct tu_got *g,
		   struct cl_errbuf *eb)
{
	struct parse_src src = {url, WHEN, NULL};
	struct parse_sink sink = {tu_got_emit, tu_got_reject, g};

	eb->msg[0] = '\0';
	return tedxml_parse_mem(data, len, &src, &sink, eb);
}

/* Reads a real notice (relative to the shared folder); caller frees. */
static char *read_shared(const char *rel, size_t *len)
{
	char *p = tu_shared(rel);
	char *data = tu_read_file(p, len);

	cr_assert_not_null(data, "cannot read %s", p);
	free(p);
	return data;
}

static void ted_shared(const char *rel, struct tu_got *g)
{
	size_t len;
	char *data = read_shared(rel, &len);
	struct cl_errbuf eb;

	cr_assert_eq(ted_buf(data, len, NULL, g, &eb), CL_OK, "%s: %s", rel, eb.msg);
	cr_assert_eq(g->nrej, 0, "%s: %s", rel, g->nrej ? g->reasons[0] : "");
	cr_assert_eq(g->nrec, 1, "%s", rel);
	cr_assert_eq(g->invalid, 0);
	free(data);
}

/* ---- the real folder ------------------------------------------------------ */

/* All 78 notices (72 development + 6 test notices of the Publications
 * Office's converter) give exactly one valid record and no reject. The id
 * is the one @DOC_ID gives. 14 have a Swedish form (2 Swedish originals,
 * 12 with 23 translations): their records are Swedish, and the 12
 * translated ones keep the original text in the body. The other 64 are in
 * their original language and carry TED's Swedish title in the body.
 * Countries are ISO codes: TED's UK and EL never come through. */
Test(parse_tedxml, every_real_notice)
{
	char *pat = tu_shared(TED_GLOB);
	glob_t gl;
	size_t sv = 0, sv_translated = 0, sv_title = 0;
	char **ids = NULL;

	cr_assert_eq(glob(pat, 0, NULL, &gl), 0);
	cr_assert_eq(gl.gl_pathc, 78);
	for (size_t i = 0; i < gl.gl_pathc; i++) {
		size_t len;
		char *data = tu_read_file(gl.gl_pathv[i], &len), want[CASE_ID_MAX + 1], docid[32];
		const char *d = strstr(data, "DOC_ID=\"");
		struct tu_got g = {0};
		struct cl_errbuf eb;
		const struct case_record *c;

		cr_assert_not_null(d);
		snprintf(docid, sizeof docid, "%.*s", (int)strcspn(d + 8, "\""), d + 8);
		cr_assert_eq(eforms_ted_id(want, docid), CL_OK, "%s", docid);
		cr_assert_eq(ted_buf(data, len, "https://example.org/t.xml", &g, &eb), CL_OK, "%s: %s",
			     gl.gl_pathv[i], eb.msg);
		cr_assert_eq(g.nrej, 0, "%s: %s", gl.gl_pathv[i], g.nrej ? g.reasons[0] : "");
		cr_assert_eq(g.nrec, 1, "%s", gl.gl_pathv[i]);
		cr_assert_eq(g.invalid, 0, "%s", gl.gl_pathv[i]);
		c = &g.rec[0];
		cr_assert_str_eq(c->id, want);
		for (size_t k = 0; k < i; k++)
			cr_assert_str_neq(ids[k], c->id);
		ids = realloc(ids, (i + 1) * sizeof *ids);
		ids[i] = strdup(c->id);
		cr_assert_str_eq(c->kind, "procurement");
		cr_assert_str_eq(c->sources[0].format, "ted-xml");
		cr_assert_null(c->sources[0].licence);
		cr_assert_not_null(c->published);
		cr_assert_eq(c->cpv.n, 1, "%s", gl.gl_pathv[i]);
		cr_assert_eq(c->categories.n, 1, "%s", gl.gl_pathv[i]);
		cr_assert_not_null(c->buyer.name, "%s", gl.gl_pathv[i]);
		cr_assert_not_null(c->buyer.country, "%s", gl.gl_pathv[i]);
		cr_assert(strcmp(c->buyer.country, "UK") != 0 && strcmp(c->buyer.country, "EL") != 0);
		cr_assert_not_null(c->language);
		if (strcmp(c->language, "sv") == 0) {
			sv++;
			if (c->body && strstr(c->body, "## Original text ("))
				sv_translated++;
		} else {
			cr_assert_not_null(c->body, "%s", gl.gl_pathv[i]);
			if (strstr(c->body, "## Swedish title (sv)\n\n"))
				sv_title++;
		}
		tu_got_release(&g);
		free(data);
	}
	cr_assert_eq(sv, 14);
	cr_assert_eq(sv_translated, 12);
	cr_assert_eq(sv_title, 64);
	for (size_t k = 0; k < gl.gl_pathc; k++)
		free(ids[k]);
	free(ids);
	globfree(&gl);
	free(pat);
}

/* A Swedish original: Uppsala universitet's laboratory furniture. */
Test(parse_tedxml, swedish_original)
{
	struct tu_got g = {0};
	const struct case_record *c;

	ted_shared("ted-xml/development-notices/21-364236-001-EXP.xml", &g);
	c = &g.rec[0];
	cr_assert_str_eq(c->id, "ted-2021-00352907");
	cr_assert_str_eq(c->language, "sv");
	cr_assert_str_eq(c->title, "Laboratorieinredning Hus 6 och 7 Ångström");
	cr_assert_str_eq(c->summary, "Laboratorieinredning");
	cr_assert_str_eq(c->buyer.name, "Uppsala universitet");
	cr_assert_str_eq(c->buyer.org_number, "202100-2932");
	cr_assert_str_eq(c->buyer.country, "SE");
	cr_assert_str_eq(c->buyer.nuts, "SE121");
	cr_assert_str_eq(c->authority_type, "cga"); /* MINISTRY */
	cr_assert_str_eq(c->sectors.v[0], "education");
	cr_assert(tu_has(&c->categories, "39"));
	cr_assert_str_eq(c->cpv.v[0], "39180000");
	cr_assert_str_eq(c->procedure, "open");
	cr_assert_str_eq(c->published, "2021-07-13");
	cr_assert_float_eq(c->value_amount, 2000000.0, 0.001);
	cr_assert_str_eq(c->value_currency, "SEK");
	cr_assert_str_eq(c->sources[0].url, "https://ted.europa.eu/en/notice/-/detail/352907-2021");
	tu_got_release(&g);
}

/* Uppsala kommun: TED says only "regional or local authority" and gives no
 * organisationsnummer; the name says kommun (ted_authority.tsv). */
Test(parse_tedxml, swedish_municipality_by_name)
{
	struct tu_got g = {0};

	ted_shared("ted-xml/development-notices/21-364240-001-EXP.xml", &g);
	cr_assert_str_eq(g.rec[0].buyer.name, "Uppsala kommun");
	cr_assert_null(g.rec[0].buyer.org_number);
	cr_assert_str_eq(g.rec[0].authority_type, "la");
	cr_assert_str_eq(g.rec[0].procedure, "restricted");
	cr_assert_str_eq(g.rec[0].title, "Arbetsbefrämjande insatser");
	tu_got_release(&g);

	/* whole words only: a kommunalförbund says nothing about the level;
	 * an organisationsnummer of a region wins over the name */
	{
		size_t len;
		char *data = read_shared("ted-xml/development-notices/21-364240-001-EXP.xml", &len);
		char *a = tu_replace1(data, "<OFFICIALNAME>Uppsala kommun</OFFICIALNAME>",
				   "<OFFICIALNAME>Kommunalförbundet Sydarkivera</OFFICIALNAME>");
		char *b = tu_replace1(data, "<OFFICIALNAME>Uppsala kommun</OFFICIALNAME>",
				   "<OFFICIALNAME>Uppsala kommun</OFFICIALNAME>"
				   "<NATIONALID>232100-0024</NATIONALID>");
		struct cl_errbuf eb;

		cr_assert_eq(ted_buf(a, strlen(a), NULL, &g, &eb), CL_OK);
		cr_assert_eq(g.nrec, 1);
		cr_assert_null(g.rec[0].authority_type);
		tu_got_release(&g);
		cr_assert_eq(ted_buf(b, strlen(b), NULL, &g, &eb), CL_OK);
		cr_assert_eq(g.nrec, 1);
		cr_assert_str_eq(g.rec[0].buyer.org_number, "232100-0024");
		cr_assert_str_eq(g.rec[0].authority_type, "ra");
		tu_got_release(&g);
		free(a);
		free(b);
		free(data);
	}
}

/* An English original with 23 translations: the record takes the Swedish
 * form and keeps the English title and description in the body. */
Test(parse_tedxml, swedish_translation_is_used)
{
	struct tu_got g = {0};
	const struct case_record *c;

	ted_shared("ted-xml/development-notices/21-000934-001-EXP.xml", &g);
	c = &g.rec[0];
	cr_assert_str_eq(c->id, "ted-2021-00008689");
	cr_assert_str_eq(c->language, "sv");
	cr_assert_str_eq(c->title, "Stöd vid bedömning av utkast till strategiska planer för den "
				   "gemensamma jordbrukspolitiken med avseende på miljökrav");
	cr_assert(strncmp(c->summary, "Detta kontrakt syftar till att stödja Europeiska kommissionen",
			  60) == 0,
		  "%s", c->summary);
	cr_assert_not_null(strstr(c->body, "## Original text (en)\n\nAssessment Support of Draft cap "
					   "Strategic Plans with Respect to Environmental Requirements\n\n"
					   "This contract will aim to support"));
	cr_assert_str_eq(c->buyer.name, "European Commission, Directorate General Environment");
	cr_assert_str_eq(c->buyer.country, "BE");
	cr_assert_str_eq(c->authority_type, "other"); /* EU_INSTITUTION */
	cr_assert_str_eq(c->procedure, "open");
	cr_assert_str_eq(c->awarded, "2020-12-15");
	cr_assert_float_eq(c->value_amount, 1490000.0, 0.001);
	cr_assert_str_eq(c->categories.v[0], "90");
	tu_got_release(&g);
}

/* A Danish notice without a Swedish form: Danish text, TED's Swedish
 * title in the body; "Region Sjælland" is a regional authority. */
Test(parse_tedxml, danish_notice_keeps_swedish_title)
{
	struct tu_got g = {0};
	const struct case_record *c;

	ted_shared("ted-xml/development-notices/20-587026-001-EXP.xml", &g);
	c = &g.rec[0];
	cr_assert_str_eq(c->language, "da");
	cr_assert_str_eq(c->title, "IT-klientudstyr 2021-2025");
	cr_assert(strstr(c->body, "## Swedish title (sv)\n\nDatorer och datamateriel") != NULL);
	cr_assert_str_eq(c->buyer.name, "Region Sjælland");
	cr_assert_str_eq(c->buyer.country, "DK");
	cr_assert_str_eq(c->authority_type, "ra");
	cr_assert_str_eq(c->sectors.v[0], "health");
	cr_assert_str_eq(c->procedure, "neg-w-call"); /* PT_COMPETITIVE_NEGOTIATION */
	cr_assert_float_eq(c->value_amount, 860000000.0, 0.5);
	cr_assert_str_eq(c->value_currency, "DKK");
	tu_got_release(&g);
}

/* Forms and procedures: a design contest (F12, summary from the lot), a
 * negotiated award without a call under a DIRECTIVE_ block (F15), the UK
 * and EL country codes. */
Test(parse_tedxml, forms_procedures_countries)
{
	struct tu_got g = {0};

	ted_shared("ted-xml/development-notices/18-151256-001-EXP.xml", &g);
	cr_assert_str_eq(g.rec[0].procedure, "design-contest");
	cr_assert_str_eq(g.rec[0].buyer.country, "LI");
	cr_assert_not_null(g.rec[0].summary);
	cr_assert(strncmp(g.rec[0].summary, "Der Wettbewerb wird als", 23) == 0);
	tu_got_release(&g);

	ted_shared("ted-xml/development-notices/21-158592-001-EXP.xml", &g);
	cr_assert_str_eq(g.rec[0].procedure, "neg-wo-call");
	cr_assert_str_eq(g.rec[0].awarded, "2021-03-24");
	cr_assert_str_eq(g.rec[0].language, "fr");
	tu_got_release(&g);

	ted_shared("ted-xml/development-notices/20-156983-001-EXP.xml", &g);
	cr_assert_str_eq(g.rec[0].buyer.country, "GB"); /* COUNTRY VALUE="UK" */
	cr_assert_str_eq(g.rec[0].procedure, "restricted");
	cr_assert_str_eq(g.rec[0].authority_type, "body-pl");
	tu_got_release(&g);

	ted_shared("ted-xml/development-notices/21-050204-001-EXP.xml", &g);
	cr_assert_str_eq(g.rec[0].buyer.country, "GR"); /* COUNTRY VALUE="EL" */
	cr_assert_str_eq(g.rec[0].language, "sv");
	tu_got_release(&g);
}

/* The same notice number gives the same id in both parsers, so the
 * harvester merges the eForms and TED XML versions: a TED XML notice
 * renumbered to the eForms hydrogen notice's 00137599-2024. */
Test(parse_tedxml, same_id_as_eforms)
{
	size_t len, elen;
	char *data = read_shared("ted-xml/development-notices/21-364236-001-EXP.xml", &len);
	char *e = read_shared("ted-eforms/2024-OJS047-00137599.xml", &elen);
	char *renum = tu_replace1(data, "DOC_ID=\"352907-2021\"", "DOC_ID=\"137599-2024\"");
	struct tu_got g = {0};
	struct cl_errbuf eb;
	char eforms_id[CASE_ID_MAX + 1] = "";
	struct case_record er;

	cr_assert_eq(ted_buf(renum, strlen(renum), NULL, &g, &eb), CL_OK);
	cr_assert_eq(g.nrec, 1);
	{
		struct tu_got eg = {0};
		struct parse_src src = {NULL, WHEN, NULL};
		struct parse_sink sink = {tu_got_emit, tu_got_reject, &eg};

		cr_assert_eq(eforms_parse_mem(e, elen, &src, &sink, &eb), CL_OK);
		cr_assert_eq(eg.nrec, 1);
		snprintf(eforms_id, sizeof eforms_id, "%s", eg.rec[0].id);
		case_init(&er);
		cr_assert_eq(case_copy(&er, &eg.rec[0]), CL_OK);
		tu_got_release(&eg);
	}
	cr_assert_str_eq(g.rec[0].id, "ted-2024-00137599");
	cr_assert_str_eq(g.rec[0].id, eforms_id);
	/* and the default source urls are the same TED page */
	cr_assert_str_eq(g.rec[0].sources[0].url, er.sources[0].url);
	case_release(&er);
	tu_got_release(&g);
	free(renum);
	free(data);
	free(e);
}

/* Without @DOC_ID the number comes from NO_DOC_OJS; without both the
 * notice is rejected. */
Test(parse_tedxml, notice_number_sources)
{
	size_t len;
	char *data = read_shared("ted-xml/development-notices/21-364236-001-EXP.xml", &len);
	char *a = tu_replace1(data, "DOC_ID=\"352907-2021\"", "");
	char *b = tu_replace1(a, "<NO_DOC_OJS>2021/S 133-352907</NO_DOC_OJS>", "");
	struct tu_got g = {0};
	struct cl_errbuf eb;

	cr_assert_eq(ted_buf(a, strlen(a), NULL, &g, &eb), CL_OK);
	cr_assert_eq(g.nrec, 1);
	cr_assert_str_eq(g.rec[0].id, "ted-2021-00352907");
	tu_got_release(&g);
	cr_assert_eq(ted_buf(b, strlen(b), NULL, &g, &eb), CL_OK);
	cr_assert_eq(g.nrec, 0);
	cr_assert_eq(g.nrej, 1);
	cr_assert_not_null(strstr(g.reasons[0], "invalid TED XML notice: no notice number"), "%s",
			   g.reasons[0]);
	tu_got_release(&g);
	free(a);
	free(b);
	free(data);
}

/* A notice without any title (form title and TED's title translations
 * removed) is rejected; one without forms too. */
Test(parse_tedxml, notice_without_title_or_forms)
{
	size_t len;
	char *data = read_shared("ted-xml/development-notices/21-364236-001-EXP.xml", &len);
	char *notitle = tu_replace1(data, "<P>Laboratorieinredning Hus 6 och 7 Ångström</P>", "");
	char *noforms, *p, *q;
	struct tu_got g = {0};
	struct cl_errbuf eb;

	/* drop the ML_TI_DOC in the original language (SV) as well */
	p = strstr(notitle, "<ML_TI_DOC LG=\"SV\">");
	cr_assert_not_null(p);
	q = strstr(p, "</ML_TI_DOC>");
	memmove(p, q + strlen("</ML_TI_DOC>"), strlen(q + strlen("</ML_TI_DOC>")) + 1);
	cr_assert_eq(ted_buf(notitle, strlen(notitle), NULL, &g, &eb), CL_OK);
	cr_assert_eq(g.nrej, 1);
	cr_assert_not_null(strstr(g.reasons[0], "invalid TED XML notice: no title"), "%s",
			   g.reasons[0]);
	tu_got_release(&g);

	p = strstr(data, "<F02_2014");
	q = strstr(data, "</F02_2014>");
	cr_assert(p && q);
	cr_assert(asprintf(&noforms, "%.*s%s", (int)(p - data), data, q + strlen("</F02_2014>")) > 0);
	cr_assert_eq(ted_buf(noforms, strlen(noforms), NULL, &g, &eb), CL_OK);
	cr_assert_eq(g.nrej, 1);
	cr_assert_not_null(strstr(g.reasons[0], "no form in FORM_SECTION"), "%s", g.reasons[0]);
	tu_got_release(&g);
	free(noforms);
	free(notitle);
	free(data);
}

Test(parse_tedxml, unusable_payloads_fail_with_a_reason)
{
	size_t len, elen;
	char *data = read_shared("ted-xml/development-notices/21-364236-001-EXP.xml", &len);
	char *eforms = read_shared("ted-eforms/2024-OJS047-00137599.xml", &elen);
	char *r208 = tu_replace1(data, "resource/schema/ted/R2.0.9/publication\"",
			      "resource/schema/ted/R2.0.8/publication\"");
	struct {
		const char *data;
		size_t len;
		int rc;
		const char *phrase;
	} cases[] = {
		{"", 0, CL_EPARSE, "empty input"},
		{"not xml at all", 14, CL_EPARSE, "not well-formed XML"},
		{data, len / 3, CL_EPARSE, "not well-formed XML: line "},
		{eforms, elen, CL_EPARSE, "<PriorInformationNotice> is not TED_EXPORT"},
		{"<TED_EXPORT/>", 13, CL_EPARSE, "only the R2.0.9 schema"},
		{r208, strlen(r208), CL_EPARSE, "only the R2.0.9 schema"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tu_got g = {0};
		struct cl_errbuf eb;
		int rc = ted_buf(cases[i].data, cases[i].len, "https://example.org/t.xml", &g, &eb);

		cr_assert_eq(rc, cases[i].rc, "case %zu: rc %d %s", i, rc, eb.msg);
		cr_assert_not_null(strstr(eb.msg, cases[i].phrase), "case %zu: %s", i, eb.msg);
		cr_assert(strncmp(eb.msg, "ted-xml: ", 9) == 0, "%s", eb.msg);
		cr_assert_eq(g.nrec + g.nrej, 0);
		tu_got_release(&g);
	}
	{
		struct tu_got g = {0};
		struct cl_errbuf eb;
		struct parse_src src = {NULL, NULL, NULL};
		struct parse_sink sink = {tu_got_emit, tu_got_reject, &g};

		cr_assert_eq(tedxml_parse_mem(data, len, &src, &sink, &eb), CL_EINVAL);
		cr_assert_not_null(strstr(eb.msg, "retrieved_at"));
	}
	free(r208);
	free(eforms);
	free(data);
}

/* ---- mapping tables ------------------------------------------------------- */

/* Values the real notices use: (element, attribute value) pairs found
 * anywhere in the 78 files. */
struct seen {
	char el[48], val[64];
};

static struct seen seen_v[512];
static size_t nseen;

static void note(const char *el, const char *val)
{
	for (size_t i = 0; i < nseen; i++)
		if (strcmp(seen_v[i].el, el) == 0 && strcmp(seen_v[i].val, val) == 0)
			return;
	cr_assert_lt(nseen, sizeof seen_v / sizeof seen_v[0]);
	snprintf(seen_v[nseen].el, sizeof seen_v[nseen].el, "%s", el);
	snprintf(seen_v[nseen].val, sizeof seen_v[nseen].val, "%s", val);
	nseen++;
}

static void walk(const xmlNode *n, const char *form)
{
	for (const xmlNode *c = xmlsafe_first_element(n); c; c = xmlsafe_next_element(c)) {
		const char *name = (const char *)c->name, *f = form;

		if (xmlsafe_attr(c, "CATEGORY") && xmlsafe_attr(c, "FORM"))
			f = xmlsafe_attr(c, "FORM");
		if (strcmp(name, "CA_TYPE") == 0 || strcmp(name, "CA_ACTIVITY") == 0 ||
		    strcmp(name, "CE_ACTIVITY") == 0 || strcmp(name, "COUNTRY") == 0 ||
		    strcmp(name, "ISO_COUNTRY") == 0)
			note(name, xmlsafe_attr(c, "VALUE") ? xmlsafe_attr(c, "VALUE") : "");
		else if (strcmp(name, "AA_AUTHORITY_TYPE") == 0 ||
			 strcmp(name, "MA_MAIN_ACTIVITIES") == 0)
			note(name, xmlsafe_attr(c, "CODE") ? xmlsafe_attr(c, "CODE") : "");
		else if (strncmp(name, "PT_", 3) == 0 && f)
			note("PT", name);
		walk(c, f);
	}
}

static void scan_real(void)
{
	char *pat = tu_shared(TED_GLOB);
	glob_t gl;

	nseen = 0;
	cr_assert_eq(glob(pat, 0, NULL, &gl), 0);
	for (size_t i = 0; i < gl.gl_pathc; i++) {
		size_t len;
		char *data = tu_read_file(gl.gl_pathv[i], &len);
		xmlDocPtr doc;
		struct cl_errbuf eb;

		cr_assert_eq(xmlsafe_parse(data, len, "t", &doc, &eb), CL_OK);
		walk(xmlDocGetRootElement(doc), NULL);
		xmlFreeDoc(doc);
		free(data);
	}
	globfree(&gl);
	free(pat);
}

Test(ted_maps, authority)
{
	struct maptab t;

	tu_load_map(&t, "ted_authority", tedxml_load_map);
	cr_assert_eq(t.ncols, 5);
	for (size_t r = 0; r < t.nrows; r++) {
		const char *f = maptab_cell(&t, r, 0), *pre = maptab_cell(&t, r, 2);
		const char *to = maptab_cell(&t, r, 4);

		cr_assert(strcmp(f, "CA_TYPE") == 0 || strcmp(f, "AA_AUTHORITY_TYPE") == 0,
			  "line %ld: %s", t.line[r], f);
		cr_assert(strcmp(pre, "*") == 0 || (strlen(pre) == 6 && strspn(pre, "0123456789") == 6),
			  "line %ld: %s", t.line[r], pre);
		cr_assert(strcmp(to, "-") == 0 || tax_lookup(TAX_AUTHORITY_TYPE, to), "line %ld: %s",
			  t.line[r], to);
	}
	/* every kind of buyer the real notices name has a row */
	scan_real();
	for (size_t i = 0; i < nseen; i++) {
		int found = 0;

		if (strcmp(seen_v[i].el, "CA_TYPE") != 0 && strcmp(seen_v[i].el, "AA_AUTHORITY_TYPE") != 0)
			continue;
		for (size_t r = 0; r < t.nrows && !found; r++)
			found = strcmp(maptab_cell(&t, r, 0), seen_v[i].el) == 0 &&
				strcmp(maptab_cell(&t, r, 1), seen_v[i].val) == 0;
		cr_assert(found, "no row for %s %s", seen_v[i].el, seen_v[i].val);
	}
	maptab_release(&t);
}

Test(ted_maps, activity)
{
	struct maptab t;
	char mainact[32][48], auth[16][48], ent[16][48];
	size_t nm = tu_gc_codes("main-activity", mainact, 32);
	size_t na = tu_gc_codes("main-activity_authority-activity", auth, 16);
	size_t ne = tu_gc_codes("main-activity_entity-activity", ent, 16);
	size_t nca = 0, nce = 0;

	tu_load_map(&t, "ted_activity", tedxml_load_map);
	for (size_t r = 0; r < t.nrows; r++) {
		const char *f = maptab_cell(&t, r, 0), *to = maptab_cell(&t, r, 2);

		cr_assert(strcmp(to, "-") == 0 || (tax_lookup(TAX_SECTORS, to) && tu_in_codes(mainact, nm, to)),
			  "line %ld: %s", t.line[r], to);
		/* authority activities map to eForms authority-activity codes,
		 * utility activities to entity-activity codes, one to one */
		if (strcmp(f, "CA_ACTIVITY") == 0) {
			cr_assert(tu_in_codes(auth, na, to), "line %ld: %s", t.line[r], to);
			nca++;
		} else if (strcmp(f, "CE_ACTIVITY") == 0) {
			cr_assert(tu_in_codes(ent, ne, to), "line %ld: %s", t.line[r], to);
			nce++;
		} else {
			cr_assert_str_eq(f, "MA_MAIN_ACTIVITIES");
		}
	}
	cr_assert_eq(nca, na);
	cr_assert_eq(nce, ne);
	scan_real();
	for (size_t i = 0; i < nseen; i++) {
		const char *k[2] = {seen_v[i].el, seen_v[i].val};

		if (strcmp(k[0], "CA_ACTIVITY") && strcmp(k[0], "CE_ACTIVITY") &&
		    strcmp(k[0], "MA_MAIN_ACTIVITIES"))
			continue;
		cr_assert_geq(maptab_find(&t, 0, k, 2), 0, "no row for %s %s", k[0], k[1]);
	}
	maptab_release(&t);
}

Test(ted_maps, procedure)
{
	struct maptab t;
	char official[16][48];
	size_t n = tu_gc_codes("procurement-procedure-type", official, 16);

	tu_load_map(&t, "ted_procedure", tedxml_load_map);
	for (size_t r = 0; r < t.nrows; r++) {
		const char *el = maptab_cell(&t, r, 1), *to = maptab_cell(&t, r, 2);
		const char *s = maptab_cell(&t, r, 3);

		cr_assert(strcmp(el, "*") == 0 || strncmp(el, "PT_", 3) == 0, "line %ld", t.line[r]);
		/* an eForms procedure code, or our design-contest */
		cr_assert(strcmp(to, "-") == 0 ||
				  (tax_lookup(TAX_PROCEDURE, to) &&
				   (tu_in_codes(official, n, to) || strcmp(to, "design-contest") == 0)),
			  "line %ld: %s", t.line[r], to);
		cr_assert(strcmp(s, "-") == 0 || tax_lookup(TAX_STRATEGIC, s));
	}
	scan_real();
	for (size_t i = 0; i < nseen; i++) {
		const char *k[2] = {"F02", seen_v[i].val};

		if (strcmp(seen_v[i].el, "PT") != 0)
			continue;
		cr_assert_geq(maptab_find(&t, 0, k, 2), 0, "no row for %s", k[1]);
	}
	{
		const char *k[2] = {"F13", "PT_OPEN"};
		long r = maptab_find(&t, 0, k, 2);

		cr_assert_str_eq(maptab_cell(&t, (size_t)r, 2), "design-contest");
		k[0] = "F02";
		k[1] = "PT_INNOVATION_PARTNERSHIP";
		r = maptab_find(&t, 0, k, 2);
		cr_assert_str_eq(maptab_cell(&t, (size_t)r, 2), "innovation");
		cr_assert_str_eq(maptab_cell(&t, (size_t)r, 3), "inn");
	}
	maptab_release(&t);
}

static int is_iso(const struct maptab *iso, const char *code)
{
	for (size_t q = 0; q < iso->nrows; q++)
		if (strcmp(maptab_cell(iso, q, 1), code) == 0)
			return 1;
	return 0;
}

/* TED's own country abbreviations map to ISO codes (those eforms_country
 * yields); every country in the real notices ends up an ISO code. */
Test(ted_maps, country)
{
	struct maptab t, iso;
	struct cl_errbuf eb;

	tu_load_map(&t, "ted_country", tedxml_load_map);
	maptab_init(&iso);
	cr_assert_eq(eforms_load_map(&iso, "eforms_country", &eb), CL_OK);

	for (size_t r = 0; r < t.nrows; r++) {
		cr_assert(!is_iso(&iso, maptab_cell(&t, r, 0)), "line %ld: %s is already ISO", t.line[r],
			  maptab_cell(&t, r, 0));
		cr_assert(is_iso(&iso, maptab_cell(&t, r, 1)), "line %ld", t.line[r]);
	}
	scan_real();
	for (size_t i = 0; i < nseen; i++) {
		const char *k[1] = {seen_v[i].val};
		long r;
		const char *code;

		if (strcmp(seen_v[i].el, "COUNTRY") && strcmp(seen_v[i].el, "ISO_COUNTRY"))
			continue;
		r = maptab_find(&t, 0, k, 1);
		code = r >= 0 ? maptab_cell(&t, (size_t)r, 1) : seen_v[i].val;
		cr_assert(is_iso(&iso, code), "%s %s", seen_v[i].el, seen_v[i].val);
	}
	maptab_release(&iso);
	maptab_release(&t);
}
