/* parse_eforms.c — one eForms notice -> one case record (see
 * parse_eforms.h). This file knows where each value sits in the notice;
 * every value-to-code rule is a row in indexer/maps/eforms_*.tsv or
 * flag_goal.tsv, and docs/sources-xml.md has the element -> field table. */
#include "parse_eforms.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "maptab.h"
#include "orgnr.h"
#include "taxonomy.h"
#include "xmlsafe.h"

#define NS_CBC "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
#define NS_CAC "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
#define NS_EXT "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
#define NS_EFEXT "http://data.europa.eu/p27/eforms-ubl-extensions/1"
#define NS_EFAC "http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1"
#define NS_EFBC "http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1"
#define NS_UBL "urn:oasis:names:specification:ubl:schema:xsd:"
#define NS_BRIN "http://data.europa.eu/p27/eforms-business-registration-information-notice/1"

/* ---- mapping tables ------------------------------------------------------- */

int eforms_ted_source(struct case_record *c, const struct parse_src *src, const char *base,
		      const char *pubno, const char *format)
{
	struct case_source *so = calloc(1, sizeof *so);
	const char *p = pubno;
	int rc;

	if (!so)
		return CL_ENOMEM;
	c->sources = so;
	c->nsources = 1;
	while (*p == '0' && p[1] != '-')
		p++;
	if (src->url && *src->url) {
		rc = parse_set_str(&so->url, src->url);
	} else if (asprintf(&so->url, "%s%s", base, p) < 0) {
		so->url = NULL;
		rc = CL_ENOMEM;
	} else {
		rc = CL_OK;
	}
	if (rc || (rc = parse_set_str(&so->retrieved_at, src->retrieved_at)) ||
	    (rc = parse_set_str(&so->sha256, src->sha256)))
		return rc;
	return parse_set_str(&so->format, format);
}

int eforms_load_map(struct maptab *t, const char *name, struct cl_errbuf *eb)
{
	return maptab_load_builtin(t, name, eb);
}

struct ef_maps {
	struct maptab legal, activity, proc, strategic, goal, country, lang, flag_goal;
};

#define MAP(field) offsetof(struct ef_maps, field)
static const struct parse_map map_defs[] = {
	{MAP(legal), "eforms_legal_type", 2, 0, NULL,
	 {{"authority_type", TAX_AUTHORITY_TYPE}}},
	{MAP(activity), "eforms_activity", 2, 0, NULL, {{"sector", TAX_SECTORS}}},
	{MAP(proc), "eforms_procedure", 3, 0, NULL,
	 {{"procedure", TAX_PROCEDURE}, {"strategic", TAX_STRATEGIC}}},
	{MAP(strategic), "eforms_strategic", 3, 0, NULL,
	 {{"strategic", TAX_STRATEGIC}}},
	{MAP(goal), "eforms_env_goal", 3, 0, NULL, {{"goal", TAX_GOALS}}},
	{MAP(country), "eforms_country", 2, 0, NULL, {{NULL, 0}}},
	{MAP(lang), "eforms_language", 2, 0, NULL, {{NULL, 0}}},
	{MAP(flag_goal), "flag_goal", 2, 0, NULL, {{"goal", TAX_GOALS}}},
};
#undef MAP
#define NMAPS (sizeof map_defs / sizeof map_defs[0])

/* ---- small helpers -------------------------------------------------------- */

int eforms_ted_id(char *out, const char *pubno)
{
	size_t nd = 0;
	const char *p = pubno;
	unsigned long num;

	if (!pubno)
		return CL_EINVAL;
	while (p[nd] >= '0' && p[nd] <= '9')
		nd++;
	if (nd < 1 || nd > 8 || p[nd] != '-')
		return CL_EINVAL;
	for (int i = 1; i <= 4; i++)
		if (p[nd + (size_t)i] < '0' || p[nd + (size_t)i] > '9')
			return CL_EINVAL;
	if (p[nd + 5] != '\0')
		return CL_EINVAL;
	num = strtoul(p, NULL, 10);
	snprintf(out, CASE_ID_MAX + 1, "ted-%.4s-%08lu", p + nd + 1, num);
	return CL_OK;
}

static const char *code_of(const xmlNode *n, char *out, size_t cap)
{
	return xmlsafe_code(n, out, cap);
}

/* A date at the start of an xsd:date value ("2024-03-06Z",
 * "2020-04-08+02:00"): YYYY-MM-DD into out (11 bytes), or "" when none. */
static const char *date_of(const xmlNode *n, char out[11])
{
	char buf[40];

	code_of(n, buf, sizeof buf);
	out[0] = '\0';
	if (strlen(buf) >= 10) {
		memcpy(out, buf, 10);
		out[10] = '\0';
		if (!parse_is_date(out))
			out[0] = '\0';
	}
	return out;
}

static int is_uuid(const char *s)
{
	static const int dash[] = {8, 13, 18, 23};

	if (strlen(s) != 36)
		return 0;
	for (int i = 0, d = 0; i < 36; i++) {
		if (d < 4 && i == dash[d]) {
			if (s[i] != '-')
				return 0;
			d++;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}


/* ---- the notice ----------------------------------------------------------- */

struct ef {
	struct ef_maps m;
	const struct parse_src *src;
	xmlNode *root;
	xmlNode *ext;    /* the root's efext:EformsExtension, or NULL */
	xmlNode *pp;     /* the root's cac:ProcurementProject */
	xmlNode *buyer;  /* the first buyer's efac:Company, or NULL */
	char lang[8];    /* the language of the record's text (eForms code: SWE) */
	char nlang[8];   /* the notice language (BT-702) */
	char pubno[32];  /* TED publication number, "" when not published */
	char uuid[64];   /* notice identifier (BT-701) */
	long line;       /* where to point a reject */
	char why[400];   /* reject reason */
};

static xmlNode *ef_child(const xmlNode *n, const char *ns, const char *name)
{
	return xmlsafe_child(n, ns, name);
}

/* The root's efext:EformsExtension. */
static xmlNode *find_ext(const xmlNode *root)
{
	xmlNode *n = xmlsafe_path(root, NS_EXT, "UBLExtensions/UBLExtension/ExtensionContent");

	return ef_child(n, NS_EFEXT, "EformsExtension");
}

/* The first child `name` (cbc) of parent whose languageID is lang; when
 * none, the first in fallback; when none, the first at all (any_ok) or
 * NULL. Elements without text are skipped. */
static xmlNode *pick_lang(const xmlNode *parent, const char *ns, const char *name,
			  const char *lang, const char *fallback, int any_ok)
{
	xmlNode *first = NULL, *fb = NULL;
	char buf[8];

	for (xmlNode *c = ef_child(parent, ns, name); c; c = xmlsafe_next(c, ns, name)) {
		const char *l = xmlsafe_attr(c, "languageID");

		if (!*code_of(c, buf, sizeof buf))
			continue; /* empty element */
		if (l && lang && *lang && strcmp(l, lang) == 0)
			return c;
		if (!fb && l && fallback && *fallback && strcmp(l, fallback) == 0)
			fb = c;
		if (!first)
			first = c;
	}
	return fb ? fb : any_ok ? first : NULL;
}

/* The organisation's name in lang, else fallback, else the first: each
 * language variant is a cac:PartyName of its own. */
static xmlNode *pick_party_name(const xmlNode *company, const char *lang, const char *fallback)
{
	xmlNode *first = NULL, *fb = NULL;

	for (xmlNode *pn = ef_child(company, NS_CAC, "PartyName"); pn;
	     pn = xmlsafe_next(pn, NS_CAC, "PartyName")) {
		xmlNode *n = pick_lang(pn, NS_CBC, "Name", lang, NULL, 0);

		if (n)
			return n;
		if (!fb)
			fb = pick_lang(pn, NS_CBC, "Name", fallback, NULL, 0);
		if (!first)
			first = pick_lang(pn, NS_CBC, "Name", NULL, NULL, 1);
	}
	return fb ? fb : first;
}

/* The efac:Company of the organisation with id `id`, or NULL. */
static xmlNode *find_company(const struct ef *x, const char *id)
{
	xmlNode *orgs = ef_child(x->ext, NS_EFAC, "Organizations");
	char buf[64];

	for (xmlNode *o = ef_child(orgs, NS_EFAC, "Organization"); o;
	     o = xmlsafe_next(o, NS_EFAC, "Organization")) {
		xmlNode *co = ef_child(o, NS_EFAC, "Company");
		xmlNode *pid = xmlsafe_path(co, NS_CAC, "PartyIdentification");

		if (strcmp(code_of(ef_child(pid, NS_CBC, "ID"), buf, sizeof buf), id) == 0)
			return co;
	}
	return NULL;
}

/* The notice identifier: the root's cbc:ID with schemeName "notice-id"
 * (else the first without a schemeName). */
static xmlNode *notice_id_node(const xmlNode *root)
{
	xmlNode *plain = NULL;

	for (xmlNode *c = ef_child(root, NS_CBC, "ID"); c; c = xmlsafe_next(c, NS_CBC, "ID")) {
		const char *sn = xmlsafe_attr(c, "schemeName");

		if (sn && strcmp(sn, "notice-id") == 0)
			return c;
		if (!sn && !plain)
			plain = c;
	}
	return plain;
}

static int lot_is_group(const xmlNode *lot)
{
	const char *sn = xmlsafe_attr(ef_child(lot, NS_CBC, "ID"), "schemeName");

	return sn && strcmp(sn, "LotsGroup") == 0;
}

/* The whole number in n; -1 when it holds none. */
static long count_value(const xmlNode *n)
{
	char buf[24], *end;
	long v;

	code_of(n, buf, sizeof buf);
	errno = 0;
	v = strtol(buf, &end, 10);
	if (!buf[0] || *end || errno)
		return -1;
	return v;
}

/* Sets x->why / x->line and returns 1 when the notice lacks something a
 * usable notice must have. The checks are the schema's mandatory elements
 * that the record is built from, plus two structural rules the eForms
 * rules state and a single notice can show (docs/sources-xml.md). */
static int invalid(struct ef *x)
{
	char buf[64], date[11];
	xmlNode *n, *orgs, *cp;
	int k;

#define BAD(node, ...)                                                  \
	do {                                                            \
		x->line = xmlsafe_line(node) ? xmlsafe_line(node) : xmlsafe_line(x->root); \
		snprintf(x->why, sizeof x->why, __VA_ARGS__);            \
		return 1;                                               \
	} while (0)

	n = notice_id_node(x->root);
	if (!n || !*code_of(n, buf, sizeof buf))
		BAD(n, "no notice identifier (BT-701: /*/cbc:ID[@schemeName='notice-id'] is %s)",
		    n ? "empty" : "missing");
	if (!is_uuid(buf))
		BAD(n, "notice identifier (BT-701) \"%s\" is not a UUID", buf);
	snprintf(x->uuid, sizeof x->uuid, "%s", buf);

	n = ef_child(x->root, NS_CBC, "IssueDate");
	if (!*date_of(n, date))
		BAD(n, "no issue date (BT-05: /*/cbc:IssueDate is %s)", n ? "not a date" : "missing");
	n = ef_child(x->root, NS_CBC, "NoticeLanguageCode");
	if (!*code_of(n, x->nlang, sizeof x->nlang))
		BAD(n, "no notice language (BT-702: /*/cbc:NoticeLanguageCode is %s)",
		    n ? "empty" : "missing");

	if (!x->pp)
		BAD(NULL, "no procedure (/*/cac:ProcurementProject is missing)");
	if (!pick_lang(x->pp, NS_CBC, "Name", NULL, NULL, 1))
		BAD(ef_child(x->pp, NS_CBC, "Name"),
		    "no procedure title (BT-21: /*/cac:ProcurementProject/cbc:Name is missing or "
		    "empty)");
	n = xmlsafe_path(x->pp, NS_CAC, "MainCommodityClassification");
	n = ef_child(n, NS_CBC, "ItemClassificationCode");
	if (!parse_is_cpv(code_of(n, buf, sizeof buf)))
		BAD(n ? n : x->pp,
		    "no main classification code (BT-262: /*/cac:ProcurementProject/"
		    "cac:MainCommodityClassification/cbc:ItemClassificationCode is %s)",
		    !n ? "missing" : buf[0] ? "not a CPV code" : "empty");

	orgs = ef_child(x->ext, NS_EFAC, "Organizations");
	k = 0;
	for (n = ef_child(orgs, NS_EFAC, "Organization"); n;
	     n = xmlsafe_next(n, NS_EFAC, "Organization")) {
		xmlNode *co = ef_child(n, NS_EFAC, "Company");

		k++;
		if (!co)
			BAD(n, "organisation %d has no efac:Company (the schema requires one)", k);
		if (!*code_of(ef_child(ef_child(co, NS_CAC, "PartyIdentification"), NS_CBC, "ID"), buf,
			      sizeof buf))
			BAD(co, "organisation %d has no identifier (OPT-200: "
				"efac:Company/cac:PartyIdentification/cbc:ID)", k);
	}

	cp = ef_child(x->root, NS_CAC, "ContractingParty");
	n = ef_child(xmlsafe_path(cp, NS_CAC, "Party/PartyIdentification"), NS_CBC, "ID");
	if (!*code_of(n, buf, sizeof buf))
		BAD(n ? n : cp, "the buyer (/*/cac:ContractingParty/cac:Party) names no organisation");
	x->buyer = find_company(x, buf);
	if (!x->buyer)
		BAD(n, "the buyer's organisation \"%s\" is not among efac:Organizations", buf);

	n = xmlsafe_path(x->root, NS_CAC, "TenderingTerms/LotDistribution");
	for (xmlNode *c = xmlsafe_first_element(n); c; c = xmlsafe_next_element(c)) {
		if (xmlsafe_is(c, NS_CBC, "MaximumLotsAwardedNumeric") ||
		    xmlsafe_is(c, NS_CBC, "MaximumLotsSubmittedNumeric")) {
			long v = count_value(c);

			if (v < 1)
				BAD(c, "cbc:%s (%s) is \"%s\"; it must be a whole number of at least 1",
				    (const char *)c->name,
				    xmlsafe_is(c, NS_CBC, "MaximumLotsAwardedNumeric") ? "BT-33" : "BT-31",
				    code_of(c, buf, sizeof buf));
		}
	}
	return 0;
#undef BAD
}

/* ---- building the record -------------------------------------------------- */

static int streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Adds the CPV code in n (and its division as a category). */
static int add_cpv(struct case_record *c, const xmlNode *n)
{
	char buf[16], div[3];
	int rc;

	if (!parse_is_cpv(code_of(n, buf, sizeof buf)))
		return CL_OK;
	if ((rc = parse_list_add(&c->cpv, buf)))
		return rc;
	memcpy(div, buf, 2);
	div[2] = '\0';
	if (tax_lookup(TAX_CATEGORIES, div))
		return parse_list_add(&c->categories, div);
	return CL_OK;
}

/* A money amount: a finite, non-negative number and a currency. */
static int amount_of(const xmlNode *n, double *amount, char cur[4])
{
	return xmlsafe_amount(n, "currencyID", amount, cur);
}

/* The value: the awarded total of the notice result (BT-161), else the
 * procedure's estimated value (BT-27), else the sum of the lots'
 * estimated values when they share a currency. */
static int set_value(struct ef *x, struct case_record *c)
{
	double a = 0, sum = 0;
	char cur[4] = "", scur[4] = "";
	int nlots = 0, mixed = 0;
	xmlNode *res = ef_child(x->ext, NS_EFAC, "NoticeResult");

	if (!amount_of(ef_child(res, NS_CBC, "TotalAmount"), &a, cur) &&
	    !amount_of(ef_child(ef_child(x->pp, NS_CAC, "RequestedTenderTotal"), NS_CBC,
				"EstimatedOverallContractAmount"),
		       &a, cur)) {
		for (xmlNode *lot = ef_child(x->root, NS_CAC, "ProcurementProjectLot"); lot;
		     lot = xmlsafe_next(lot, NS_CAC, "ProcurementProjectLot")) {
			xmlNode *n = xmlsafe_path(lot, NS_CAC, "ProcurementProject/RequestedTenderTotal");
			double v;
			char vc[4];

			if (!amount_of(ef_child(n, NS_CBC, "EstimatedOverallContractAmount"), &v, vc))
				continue;
			if (nlots && strcmp(vc, scur) != 0)
				mixed = 1;
			memcpy(scur, vc, 4);
			sum += v;
			nlots++;
		}
		if (!nlots || mixed)
			return CL_OK;
		a = sum;
		memcpy(cur, scur, 4);
	}
	c->has_value = 1;
	c->value_amount = a;
	return parse_set_str(&c->value_currency, cur);
}

/* A Swedish organisationsnummer from a company id: "NNNNNN-NNNN", the
 * 10 or 12 digit forms orgnr_check() takes, or the VAT number
 * SE<10 digits>01. Canonical form into out; 0 when it is none. */
static int swedish_orgnr(const char *id, char out[12])
{
	char tmp[16];

	if (orgnr_check(id, out, NULL) == 0)
		return 1;
	if (strlen(id) == 14 && (id[0] == 'S' || id[0] == 's') && (id[1] == 'E' || id[1] == 'e') &&
	    strspn(id + 2, "0123456789") == 12 && strcmp(id + 12, "01") == 0) {
		memcpy(tmp, id + 2, 10);
		tmp[10] = '\0';
		return orgnr_check(tmp, out, NULL) == 0;
	}
	return 0;
}

static int set_buyer(struct ef *x, struct case_record *c, int *oom)
{
	xmlNode *co = x->buyer, *addr = ef_child(co, NS_CAC, "PostalAddress");
	char buf[64], canon[12];
	const char *keys[1], *iso2;
	int rc;

	c->buyer.name = xmlsafe_line_of(pick_party_name(co, x->lang, x->nlang), CASE_NAME_MAX, oom);
	if (*oom)
		return CL_ENOMEM;
	keys[0] = code_of(ef_child(ef_child(addr, NS_CAC, "Country"), NS_CBC, "IdentificationCode"), buf,
			  sizeof buf);
	iso2 = *buf ? maptab_code(&x->m.country, keys, 1, 1) : NULL;
	if (iso2 && (rc = parse_set_str(&c->buyer.country, iso2)))
		return rc;
	if (parse_is_nuts(code_of(ef_child(addr, NS_CBC, "CountrySubentityCode"), buf, sizeof buf)) &&
	    (rc = parse_set_str(&c->buyer.nuts, buf)))
		return rc;
	if (streq(c->buyer.country, "SE")) {
		xmlNode *le = ef_child(co, NS_CAC, "PartyLegalEntity");

		for (xmlNode *id = ef_child(le, NS_CBC, "CompanyID"); id;
		     id = xmlsafe_next(id, NS_CBC, "CompanyID"))
			if (swedish_orgnr(code_of(id, buf, sizeof buf), canon))
				return parse_set_str(&c->buyer.org_number, canon);
	}
	return CL_OK;
}

/* Codes from every cac:ProcurementAdditionalType/cbc:ProcurementTypeCode
 * of one cac:ProcurementProject: strategic and goals through the tables,
 * innovative-acquisition codes into innovation. */
static int add_additional(struct ef *x, struct case_record *c, const xmlNode *pp)
{
	int rc;

	for (xmlNode *at = ef_child(pp, NS_CAC, "ProcurementAdditionalType"); at;
	     at = xmlsafe_next(at, NS_CAC, "ProcurementAdditionalType")) {
		for (xmlNode *tc = ef_child(at, NS_CBC, "ProcurementTypeCode"); tc;
		     tc = xmlsafe_next(tc, NS_CBC, "ProcurementTypeCode")) {
			const char *list = xmlsafe_attr(tc, "listName");
			const char *keys[2], *codes[16];
			char code[48];
			size_t n;

			if (!list || !*code_of(tc, code, sizeof code))
				continue;
			keys[0] = list;
			keys[1] = code;
			n = maptab_codes(&x->m.strategic, keys, 2, 2, codes, 16, NULL);
			for (size_t i = 0; i < n; i++)
				if ((rc = parse_list_add(&c->strategic, codes[i])))
					return rc;
			n = maptab_codes(&x->m.goal, keys, 2, 2, codes, 16, NULL);
			for (size_t i = 0; i < n; i++)
				if ((rc = parse_list_add(&c->goals, codes[i])))
					return rc;
			if (strcmp(list, "innovative-acquisition") == 0 &&
			    tax_lookup(TAX_INNOVATION, code) &&
			    (rc = parse_list_add(&c->innovation, code)))
				return rc;
		}
	}
	return CL_OK;
}

/* The body: the procedure description when the summary had to be cut,
 * the lots (title and description, in the record's language), and the
 * notice-language title and description when the record's text is a
 * translation (Swedish chosen over the original). Markdown. */
static char *make_body(struct ef *x, const struct case_record *c, const char *fulldesc, int *oom)
{
	struct dbuf b = DBUF_INIT(0);
	char *name = NULL, *desc = NULL, *t = NULL, id[64];

	if (fulldesc && c->summary && strcmp(fulldesc, c->summary) != 0)
		parse_text_para(&b, fulldesc);
	for (xmlNode *lot = ef_child(x->root, NS_CAC, "ProcurementProjectLot"); lot && !*oom;
	     lot = xmlsafe_next(lot, NS_CAC, "ProcurementProjectLot")) {
		xmlNode *lpp = ef_child(lot, NS_CAC, "ProcurementProject");

		if (lot_is_group(lot))
			continue;
		name = xmlsafe_line_of(pick_lang(lpp, NS_CBC, "Name", x->lang, x->nlang, 1), 0, oom);
		desc = xmlsafe_text_of(pick_lang(lpp, NS_CBC, "Description", x->lang, x->nlang, 1), oom);
		if ((name || desc) && !(streq(name, c->title) && (!desc || streq(desc, fulldesc)))) {
			code_of(ef_child(lot, NS_CBC, "ID"), id, sizeof id);
			parse_text_section(&b, oom, desc, "## %s%s%s", *id ? id : "Lot",
					   name ? ": " : "", name ? name : "");
		}
		free(name);
		free(desc);
		name = desc = NULL;
	}
	if (!*oom && strcmp(x->lang, x->nlang) != 0) {
		xmlNode *on = pick_lang(x->pp, NS_CBC, "Name", x->nlang, NULL, 0);
		xmlNode *od = pick_lang(x->pp, NS_CBC, "Description", x->nlang, NULL, 0);
		const char *keys[1] = {x->nlang};
		const char *l2 = maptab_code(&x->m.lang, keys, 1, 1);

		name = xmlsafe_line_of(on, 0, oom);
		desc = xmlsafe_text_of(od, oom);
		if (name || desc) {
			if (asprintf(&t, "## Original text (%s)", l2 ? l2 : x->nlang) < 0) {
				t = NULL;
				*oom = 1;
			}
			parse_text_para(&b, t);
			parse_text_para(&b, name);
			parse_text_para(&b, desc);
		}
		free(t);
		free(name);
		free(desc);
	}
	return parse_text_take(&b, CASE_BODY_MAX_BYTES, oom);
}

static int build(struct ef *x, struct case_record *c)
{
	char id[CASE_ID_MAX + 1], buf[64], date[11], best[11] = "";
	const char *keys[2], *v;
	char *fulldesc = NULL;
	xmlNode *n, *cp;
	int rc = CL_OK, oom = 0;

	/* id: from the TED publication number, else the notice identifier */
	if (!*x->pubno || eforms_ted_id(id, x->pubno) != CL_OK)
		parse_make_id(id, "eforms-", x->uuid);
	if ((rc = parse_set_str(&c->id, id)) || (rc = parse_set_str(&c->kind, "procurement")))
		goto out;

	/* language: Swedish when the procedure has a Swedish title */
	snprintf(x->lang, sizeof x->lang, "%s", x->nlang);
	for (n = ef_child(x->pp, NS_CBC, "Name"); n; n = xmlsafe_next(n, NS_CBC, "Name"))
		if (streq(xmlsafe_attr(n, "languageID"), "SWE") && *code_of(n, buf, sizeof buf))
			snprintf(x->lang, sizeof x->lang, "SWE");
	keys[0] = x->lang;
	if ((v = maptab_code(&x->m.lang, keys, 1, 1)) && (rc = parse_set_str(&c->language, v)))
		goto out;

	/* title, summary */
	c->title = xmlsafe_line_of(pick_lang(x->pp, NS_CBC, "Name", x->lang, x->nlang, 1), CASE_TITLE_MAX,
			   &oom);
	fulldesc = xmlsafe_text_of(pick_lang(x->pp, NS_CBC, "Description", x->lang, x->nlang, 1), &oom);
	for (n = ef_child(x->root, NS_CAC, "ProcurementProjectLot"); n && !fulldesc && !oom;
	     n = xmlsafe_next(n, NS_CAC, "ProcurementProjectLot"))
		if (!lot_is_group(n)) /* no procedure description: the first lot's */
			fulldesc = xmlsafe_text_of(pick_lang(ef_child(n, NS_CAC, "ProcurementProject"), NS_CBC,
						     "Description", x->lang, x->nlang, 1),
					   &oom);
	if (oom || (fulldesc && !(c->summary = parse_truncate(fulldesc, CASE_SUMMARY_MAX)))) {
		rc = CL_ENOMEM;
		goto out;
	}

	/* buyer, authority type, sectors */
	if ((rc = set_buyer(x, c, &oom)))
		goto out;
	cp = ef_child(x->root, NS_CAC, "ContractingParty");
	keys[0] = code_of(ef_child(ef_child(cp, NS_CAC, "ContractingPartyType"), NS_CBC, "PartyTypeCode"),
			  buf, sizeof buf);
	if (*buf && (v = maptab_code(&x->m.legal, keys, 1, 1)) && (rc = parse_set_str(&c->authority_type, v)))
		goto out;
	for (; cp; cp = xmlsafe_next(cp, NS_CAC, "ContractingParty"))
		for (n = ef_child(cp, NS_CAC, "ContractingActivity"); n;
		     n = xmlsafe_next(n, NS_CAC, "ContractingActivity")) {
			keys[0] = code_of(ef_child(n, NS_CBC, "ActivityTypeCode"), buf, sizeof buf);
			if (*buf && (v = maptab_code(&x->m.activity, keys, 1, 1)) &&
			    (rc = parse_list_add(&c->sectors, v)))
				goto out;
		}

	/* cpv and categories: the procedure's main code, then each lot's */
	if ((rc = add_cpv(c, ef_child(xmlsafe_path(x->pp, NS_CAC, "MainCommodityClassification"),
				      NS_CBC, "ItemClassificationCode"))))
		goto out;
	for (n = ef_child(x->root, NS_CAC, "ProcurementProjectLot"); n;
	     n = xmlsafe_next(n, NS_CAC, "ProcurementProjectLot"))
		if ((rc = add_cpv(c, ef_child(xmlsafe_path(n, NS_CAC,
							   "ProcurementProject/MainCommodityClassification"),
					      NS_CBC, "ItemClassificationCode"))))
			goto out;

	/* procedure (and the aim it implies) */
	keys[0] = code_of(ef_child(ef_child(x->root, NS_CAC, "TenderingProcess"), NS_CBC,
				   "ProcedureCode"),
			  buf, sizeof buf);
	if (*buf) {
		if ((v = maptab_code(&x->m.proc, keys, 1, 1)) && (rc = parse_set_str(&c->procedure, v)))
			goto out;
		if ((v = maptab_code(&x->m.proc, keys, 1, 2)) && (rc = parse_list_add(&c->strategic, v)))
			goto out;
	}

	/* strategic, goals, innovation: the procedure and every lot */
	if ((rc = add_additional(x, c, x->pp)))
		goto out;
	for (n = ef_child(x->root, NS_CAC, "ProcurementProjectLot"); n;
	     n = xmlsafe_next(n, NS_CAC, "ProcurementProjectLot"))
		if ((rc = add_additional(x, c, ef_child(n, NS_CAC, "ProcurementProject"))))
			goto out;
	if ((rc = parse_goals_of_strategic(c, &x->m.flag_goal)))
		goto out;

	/* dates and value */
	if (!*date_of(ef_child(ef_child(x->ext, NS_EFAC, "Publication"), NS_EFBC, "PublicationDate"),
		      date))
		date_of(ef_child(x->root, NS_CBC, "IssueDate"), date);
	if (*date && (rc = parse_set_str(&c->published, date)))
		goto out;
	for (n = ef_child(ef_child(x->ext, NS_EFAC, "NoticeResult"), NS_EFAC, "SettledContract"); n;
	     n = xmlsafe_next(n, NS_EFAC, "SettledContract"))
		if (*date_of(ef_child(n, NS_CBC, "IssueDate"), date) &&
		    (!*best || strcmp(date, best) < 0))
			memcpy(best, date, sizeof best);
	if (*best && (rc = parse_set_str(&c->awarded, best)))
		goto out;
	if ((rc = set_value(x, c)))
		goto out;

	/* body, source */
	c->body = make_body(x, c, fulldesc, &oom);
	rc = oom ? CL_ENOMEM : eforms_ted_source(c, x->src, EFORMS_REF_BASE, x->pubno, EFORMS_FORMAT);
out:
	free(fulldesc);
	return rc;
}

/* Which kind of document the root is: 1 a procurement notice, 0 a
 * business registration notice, -1 something else. */
static int root_kind(const xmlNode *root)
{
	static const char *const names[] = {"ContractNotice", "ContractAwardNotice",
					    "PriorInformationNotice"};
	char ns[128];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(ns, sizeof ns, "%s%s-2", NS_UBL, names[i]);
		if (xmlsafe_is(root, ns, names[i]))
			return 1;
	}
	if (xmlsafe_is(root, NS_BRIN, "BusinessRegistrationInformationNotice"))
		return 0;
	return -1;
}

int eforms_parse_mem(const char *data, size_t len, const struct parse_src *src,
		     const struct parse_sink *sink, struct cl_errbuf *eb)
{
	struct ef x;
	struct case_record c;
	xmlDocPtr doc = NULL;
	char ntype[CASE_ID_MAX + 1];
	int rc, kind;

	memset(&x, 0, sizeof x);
	case_init(&c);
	if ((rc = parse_check_call(src, sink, "eforms", eb)))
		return rc;
	x.src = src;
	if ((rc = parse_maps_load(&x.m, map_defs, NMAPS, "eforms", eb)))
		goto out;
	if ((rc = xmlsafe_parse(data, len, "eforms", &doc, eb)))
		goto out;
	x.root = xmlDocGetRootElement(doc);
	x.line = xmlsafe_line(x.root);
	kind = root_kind(x.root);
	if (kind < 0) {
		const xmlNs *ns = x.root->ns;

		rc = cl_fail(eb, CL_EPARSE,
			     "eforms: the root element <%.64s>%s%.128s%s is not an eForms notice "
			     "(ContractNotice, ContractAwardNotice or PriorInformationNotice in the "
			     "UBL namespaces)",
			     (const char *)x.root->name, ns && ns->href ? " (namespace " : "",
			     ns && ns->href ? (const char *)ns->href : "", ns && ns->href ? ")" : "");
		goto out;
	}
	if (kind == 0) {
		code_of(ef_child(x.root, NS_CBC, "NoticeTypeCode"), ntype, sizeof ntype);
		parse_reject(sink, x.line,
			     "not a procurement notice: BusinessRegistrationInformationNotice%s%s%s "
			     "registers a European grouping or company",
			     *ntype ? " (" : "", ntype, *ntype ? ")" : "");
		goto out;
	}
	x.ext = find_ext(x.root);
	x.pp = ef_child(x.root, NS_CAC, "ProcurementProject");
	if (invalid(&x)) {
		parse_reject(sink, x.line, "invalid eForms notice: %s", x.why);
		goto out;
	}
	code_of(ef_child(ef_child(x.ext, NS_EFAC, "Publication"), NS_EFBC, "NoticePublicationID"),
		x.pubno, sizeof x.pubno);
	if (eforms_ted_id(ntype, x.pubno) != CL_OK)
		x.pubno[0] = '\0'; /* absent or not N-YYYY: not published in TED */
	if (!(src->url && *src->url) && !*x.pubno) {
		rc = cl_fail(eb, CL_EINVAL,
			     "eforms: no source url given and notice %s has no TED publication "
			     "number to make one from",
			     x.uuid);
		goto out;
	}
	rc = build(&x, &c);
	rc = parse_emit_built(rc, sink, &c, x.line, "eforms", eb);
out:
	case_release(&c);
	xmlFreeDoc(doc); /* NULL: no-op */
	parse_maps_release(&x.m, map_defs, NMAPS);
	return rc;
}
