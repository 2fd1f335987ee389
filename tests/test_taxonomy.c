/* test_taxonomy.c — the facet vocabularies (corpus/taxonomy.c and the
 * compiled-in corpus/taxonomies.tsv): shape of the built-in tables, exact
 * counts, cross-checks against the official code lists in the shared data
 * (eForms SDK, CPV 2008, UN SDGs), lookups, and the TSV parser's errors. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taxonomy.h"
#include "testutil.h"

/* The built-in text (build/gen/taxonomy_data.c). */
extern const char tax_builtin_tsv[];
extern const unsigned long tax_builtin_tsv_len;

/* ---- helpers -------------------------------------------------------------- */

/* Reads a file of the shared data; fails the test if missing. Caller frees. */
static char *read_shared(const char *rel)
{
	char *path = tu_shared(rel);
	char *text = tu_read_file(path, NULL);

	cr_assert_not_null(text, "cannot read %s (set CASELIB_SHARED?)", path);
	free(path);
	return text;
}

/* Splits text into lines in place; calls fn for each line's TAB-separated
 * fields (at most 8). */
static void each_tsv_row(char *text, void (*fn)(char **fields, int nf, void *arg),
			 void *arg)
{
	char *save = NULL, *line;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *fields[8];
		int nf = 0;
		char *p = line, *tab;
		size_t l = strlen(line);

		if (l > 0 && line[l - 1] == '\r')
			line[l - 1] = '\0';
		for (;;) {
			tab = strchr(p, '\t');
			if (nf < 8)
				fields[nf++] = p;
			if (!tab)
				break;
			*tab = '\0';
			p = tab + 1;
		}
		fn(fields, nf, arg);
	}
}

/* Rows of facet_codes_en_sv.tsv for one codelist must all be in a facet,
 * codes renamed through an optional map ("other" -> "env-other"). */
struct codelist_check {
	const char *codelist;
	enum tax_facet facet;
	const char *from, *to; /* rename, or NULL */
	int seen;
};

static void check_codelist_row(char **f, int nf, void *arg)
{
	struct codelist_check *c = arg;
	const char *code;

	if (nf < 2 || strcmp(f[0], c->codelist) != 0)
		return;
	code = c->from && strcmp(f[1], c->from) == 0 ? c->to : f[1];
	cr_expect_not_null(tax_lookup(c->facet, code), "%s code %s missing from facet %s",
			   c->codelist, code, tax_facet_name(c->facet));
	c->seen++;
}

/* The code values of an eForms genericode file (<Value ColumnRef="code">). */
static size_t gc_codes(const char *rel, char codes[][32], size_t max)
{
	static const char tag[] = "<Value ColumnRef=\"code\">";
	char *text = read_shared(rel);
	const char *p = text;
	size_t n = 0;

	while ((p = strstr(p, tag)) != NULL) {
		const char *s = strstr(p, "<SimpleValue>"), *e;
		cr_assert_not_null(s);
		s += strlen("<SimpleValue>");
		e = strstr(s, "</SimpleValue>");
		cr_assert_not_null(e);
		cr_assert_lt((size_t)(e - s), 32);
		cr_assert_lt(n, max);
		memcpy(codes[n], s, (size_t)(e - s));
		codes[n][e - s] = '\0';
		n++;
		p = e;
	}
	free(text);
	return n;
}

/* ---- the built-in tables --------------------------------------------------- */

Test(taxonomy, builtin_loads)
{
	struct cl_errbuf eb = {0};

	cr_assert_eq(tax_load(&eb), CL_OK, "tax_load: %s", eb.msg);
	cr_assert_eq(tax_load(&eb), CL_OK, "second tax_load: %s", eb.msg);
	cr_assert_eq(eb.msg[0], '\0');
}

Test(taxonomy, facet_names_round_trip)
{
	int f;

	for (f = 0; f < TAX_NFACETS; f++) {
		const char *name = tax_facet_name((enum tax_facet)f);
		cr_assert_not_null(name);
		cr_assert_eq(tax_facet_from_name(name), f, "facet %s", name);
	}
	cr_assert_str_eq(tax_facet_name(TAX_SECTORS), "sectors");
	cr_assert_str_eq(tax_facet_name(TAX_AUTHORITY_TYPE), "authority_type");
	cr_assert_null(tax_facet_name(TAX_NFACETS));
	cr_assert_null(tax_facet_name((enum tax_facet)-1));
	cr_assert_eq(tax_facet_from_name("nope"), -1);
	cr_assert_eq(tax_facet_from_name("Sectors"), -1);
	cr_assert_eq(tax_facet_from_name(""), -1);
	cr_assert_eq(tax_facet_from_name(NULL), -1);
}

Test(taxonomy, exact_counts)
{
	static const struct {
		enum tax_facet f;
		size_t n;
	} want[] = {
		{ TAX_KIND, 2 },
		{ TAX_STATUS, 5 },
		{ TAX_AUTHORITY_TYPE, 8 },
		{ TAX_SECTORS, 20 },
		{ TAX_CATEGORIES, 45 },
		{ TAX_GOALS, 17 + 16 + 1 },
		{ TAX_STRATEGIC, 3 + 7 + 7 },
		{ TAX_PROCEDURE, 10 + 4 + 2 },
		{ TAX_INNOVATION, 4 },
	};
	size_t i, n;

	cr_assert_eq(sizeof want / sizeof want[0], TAX_NFACETS, "a facet has no expected count");
	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		cr_assert_not_null(tax_entries(want[i].f, &n), "facet %s empty",
				   tax_facet_name(want[i].f));
		cr_expect_eq(n, want[i].n, "facet %s: %zu entries, expected %zu",
			     tax_facet_name(want[i].f), n, want[i].n);
	}
}

/* Every entry: code and both labels present; codes unique per facet; the
 * lookup index finds each entry as itself. */
Test(taxonomy, entries_well_formed)
{
	int f;
	size_t i, j, n, total = 0;

	for (f = 0; f < TAX_NFACETS; f++) {
		const struct tax_entry *e = tax_entries((enum tax_facet)f, &n);

		cr_assert_not_null(e);
		cr_assert_gt(n, 0, "facet %s empty", tax_facet_name((enum tax_facet)f));
		for (i = 0; i < n; i++) {
			cr_assert_not_null(e[i].code);
			cr_assert_not_null(e[i].label_sv);
			cr_assert_not_null(e[i].label_en);
			cr_expect_gt(strlen(e[i].code), 0);
			cr_expect_gt(strlen(e[i].label_sv), 0, "%s: no Swedish label", e[i].code);
			cr_expect_gt(strlen(e[i].label_en), 0, "%s: no English label", e[i].code);
			for (j = 0; j < i; j++)
				cr_expect_str_neq(e[i].code, e[j].code, "duplicate %s in %s",
						  e[i].code, tax_facet_name((enum tax_facet)f));
			cr_expect_eq(tax_lookup((enum tax_facet)f, e[i].code), &e[i],
				     "lookup of %s", e[i].code);
		}
		total += n;
	}
	cr_expect_eq(total, 2 + 5 + 8 + 20 + 45 + 34 + 17 + 16 + 4);
}

/* A few known entries, both languages, byte for byte. */
Test(taxonomy, known_labels)
{
	static const struct {
		enum tax_facet f;
		const char *code, *sv, *en;
	} t[] = {
		{ TAX_KIND, "case", "Innovationsfall", "Innovation case" },
		{ TAX_KIND, "procurement", "Upphandling", "Procurement" },
		{ TAX_STATUS, "changes_requested", "Ändringar begärda", "Changes requested" },
		{ TAX_AUTHORITY_TYPE, "la", "Kommun", "Local authority" },
		{ TAX_AUTHORITY_TYPE, "pub-la", "Kommunalt bolag", "Municipally owned company" },
		{ TAX_AUTHORITY_TYPE, "other", "Övrig", "Other" },
		{ TAX_SECTORS, "health", "Hälso- och sjukvård", "Health" },
		{ TAX_CATEGORIES, "03",
		  "Jordbruks-, jakt-, fiske- och skogsbruksprodukter samt tillhörande produkter",
		  "Agricultural, farming, fishing, forestry and related products" },
		{ TAX_CATEGORIES, "45", "Anläggningsarbete", "Construction work" },
		{ TAX_CATEGORIES, "98", "Andra samhälleliga och personliga tjänster",
		  "Other community, social and personal services" },
		{ TAX_GOALS, "sdg-1", "Ingen fattigdom", "No poverty" },
		{ TAX_GOALS, "sdg-13", "Bekämpa klimatförändringarna", "Climate action" },
		{ TAX_GOALS, "sdg-17", "Genomförande och globalt partnerskap",
		  "Partnerships for the goals" },
		{ TAX_GOALS, "mkm-1", "Begränsad klimatpåverkan", "Reduced climate impact" },
		{ TAX_GOALS, "mkm-10", "Hav i balans samt levande kust och skärgård",
		  "A balanced marine environment, flourishing coastal areas and archipelagos" },
		{ TAX_GOALS, "mkm-16", "Ett rikt växt- och djurliv",
		  "A rich diversity of plant and animal life" },
		{ TAX_GOALS, "gen", "Generationsmålet", "The generational goal" },
		{ TAX_STRATEGIC, "inn", "Innovationsupphandling", "Innovation procurement" },
		{ TAX_STRATEGIC, "clim-mitig", "Begränsning av klimatförändringar",
		  "Climate change mitigation" },
		{ TAX_PROCEDURE, "se-direct", "Direktupphandling", "Direct award" },
		{ TAX_PROCEDURE, "pcp", "Förkommersiell upphandling", "Pre-commercial procurement" },
		{ TAX_PROCEDURE, "innovation", "Innovationspartnerskap", "Innovation partnership" },
		{ TAX_INNOVATION, "mar-nov", "Nytt på marknaden", "New to the market" },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		const struct tax_entry *e = tax_lookup(t[i].f, t[i].code);
		cr_assert_not_null(e, "%s/%s missing", tax_facet_name(t[i].f), t[i].code);
		cr_expect_str_eq(e->code, t[i].code);
		cr_expect_str_eq(e->label_sv, t[i].sv, "%s", t[i].code);
		cr_expect_str_eq(e->label_en, t[i].en, "%s", t[i].code);
	}
}

/* Goal codes are exactly sdg-1..17, mkm-1..16 and gen, in that order. */
Test(taxonomy, goal_codes_in_order)
{
	size_t n, i = 0;
	const struct tax_entry *e = tax_entries(TAX_GOALS, &n);
	char want[16];
	int k;

	cr_assert_eq(n, 34);
	for (k = 1; k <= 17; k++, i++) {
		snprintf(want, sizeof want, "sdg-%d", k);
		cr_expect_str_eq(e[i].code, want);
	}
	for (k = 1; k <= 16; k++, i++) {
		snprintf(want, sizeof want, "mkm-%d", k);
		cr_expect_str_eq(e[i].code, want);
	}
	cr_expect_str_eq(e[i].code, "gen");
}

/* ---- cross-checks against the official lists -------------------------------- */

Test(taxonomy, sectors_are_eforms_main_activity)
{
	struct codelist_check c = { "main-activity", TAX_SECTORS, NULL, NULL, 0 };
	char *text = read_shared("eforms-sdk/facet_codes_en_sv.tsv");
	char gc[64][32];
	size_t n, i, ngc;

	each_tsv_row(text, check_codelist_row, &c);
	free(text);
	tax_entries(TAX_SECTORS, &n);
	cr_assert_eq(c.seen, 20, "main-activity rows in facet_codes_en_sv.tsv: %d", c.seen);
	cr_expect_eq((size_t)c.seen, n, "sectors has codes that are not main-activity");

	/* And against the genericode list itself, both ways. */
	ngc = gc_codes("eforms-sdk/codelists/main-activity.gc", gc, 64);
	cr_assert_eq(ngc, n);
	for (i = 0; i < ngc; i++)
		cr_expect_not_null(tax_lookup(TAX_SECTORS, gc[i]), "main-activity %s", gc[i]);
}

/* Every XX000000 code of the CPV 2008 list is a category, and every
 * category is such a division. */
struct cpv_check {
	int divisions;
	char seen[100];
};

static void check_cpv_row(char **f, int nf, void *arg)
{
	struct cpv_check *c = arg;
	char div[3];

	if (nf < 3 || strlen(f[0]) != 8 || strcmp(f[0] + 2, "000000") != 0 ||
	    f[0][0] < '0' || f[0][0] > '9' || f[0][1] < '0' || f[0][1] > '9')
		return;
	div[0] = f[0][0];
	div[1] = f[0][1];
	div[2] = '\0';
	cr_expect_not_null(tax_lookup(TAX_CATEGORIES, div), "CPV division %s missing", div);
	c->seen[atoi(div)] = 1;
	c->divisions++;
}

Test(taxonomy, categories_are_cpv_divisions)
{
	struct cpv_check c;
	char *text = read_shared("eforms-sdk/cpv_2008_en_sv.tsv");
	const struct tax_entry *e;
	size_t n, i;

	memset(&c, 0, sizeof c);
	each_tsv_row(text, check_cpv_row, &c);
	free(text);
	cr_assert_eq(c.divisions, 45, "CPV divisions in the file: %d", c.divisions);
	e = tax_entries(TAX_CATEGORIES, &n);
	cr_assert_eq(n, 45);
	for (i = 0; i < n; i++) {
		cr_assert_eq(strlen(e[i].code), 2, "category code %s", e[i].code);
		cr_expect(c.seen[atoi(e[i].code)], "category %s is not a CPV division",
			  e[i].code);
		if (i > 0)
			cr_expect_lt(strcmp(e[i - 1].code, e[i].code), 0,
				     "categories not in CPV order at %s", e[i].code);
	}
}

struct sdg_check {
	int n;
};

static void check_sdg_row(char **f, int nf, void *arg)
{
	struct sdg_check *c = arg;
	char code[16];
	int k;

	(void)nf;
	/* Lines look like "SDG13","Action to combat ...","https://..." */
	if (sscanf(f[0], "\"SDG%d\"", &k) != 1)
		return;
	snprintf(code, sizeof code, "sdg-%d", k);
	cr_expect_not_null(tax_lookup(TAX_GOALS, code), "%s missing", code);
	c->n++;
}

Test(taxonomy, goals_cover_un_sdgs)
{
	struct sdg_check c = { 0 };
	char *text = read_shared("un-sdg/un-sdg-short-names.csv");

	each_tsv_row(text, check_sdg_row, &c);
	free(text);
	cr_assert_eq(c.n, 17, "SDGs in un-sdg-short-names.csv: %d", c.n);
	cr_expect_null(tax_lookup(TAX_GOALS, "sdg-18"));
	cr_expect_null(tax_lookup(TAX_GOALS, "sdg-0"));
	cr_expect_null(tax_lookup(TAX_GOALS, "mkm-17"));
}

/* The eForms code lists that a facet takes over whole: every code present
 * (environmental-impact / social-objective "other" under a prefixed name). */
Test(taxonomy, eforms_codelists_present)
{
	struct codelist_check t[] = {
		{ "innovative-acquisition", TAX_INNOVATION, NULL, NULL, 0 },
		{ "procurement-procedure-type", TAX_PROCEDURE, NULL, NULL, 0 },
		{ "environmental-impact", TAX_STRATEGIC, "other", "env-other", 0 },
		{ "social-objective", TAX_STRATEGIC, "other", "soc-other", 0 },
	};
	static const int want[] = { 4, 10, 7, 7 };
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		char *text = read_shared("eforms-sdk/facet_codes_en_sv.tsv");
		each_tsv_row(text, check_codelist_row, &t[i]);
		free(text);
		cr_expect_eq(t[i].seen, want[i], "%s: %d rows", t[i].codelist, t[i].seen);
	}
	cr_expect_null(tax_lookup(TAX_STRATEGIC, "other"), "bare \"other\" is ambiguous");
}

Test(taxonomy, eforms_genericode_lists_present)
{
	static const struct {
		const char *file;
		enum tax_facet f;
		size_t n;
	} t[] = {
		{ "eforms-sdk/codelists/innovative-acquisition.gc", TAX_INNOVATION, 4 },
		{ "eforms-sdk/codelists/procurement-procedure-type.gc", TAX_PROCEDURE, 10 },
	};
	char codes[64][32];
	size_t i, j, n;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		n = gc_codes(t[i].file, codes, 64);
		cr_expect_eq(n, t[i].n, "%s: %zu codes", t[i].file, n);
		for (j = 0; j < n; j++)
			cr_expect_not_null(tax_lookup(t[i].f, codes[j]), "%s: %s missing",
					   t[i].file, codes[j]);
	}
}

/* authority_type reuses the eForms buyer-legal-type codes where one fits. */
Test(taxonomy, authority_types_reuse_buyer_legal_type)
{
	static const char *const eforms[] = { "la", "ra", "cga", "body-pl" };
	char *text = read_shared("eforms-sdk/facet_codes_en_sv.tsv");
	char needle[64];
	size_t i;

	for (i = 0; i < sizeof eforms / sizeof eforms[0]; i++) {
		snprintf(needle, sizeof needle, "\nbuyer-legal-type\t%s\t", eforms[i]);
		cr_expect_not_null(strstr(text, needle), "%s is not a buyer-legal-type", eforms[i]);
		cr_expect_not_null(tax_lookup(TAX_AUTHORITY_TYPE, eforms[i]));
	}
	free(text);
}

/* ---- lookups ------------------------------------------------------------------ */

Test(taxonomy, unknown_lookups)
{
	size_t n = 99;

	cr_expect_null(tax_lookup(TAX_SECTORS, "nope"));
	cr_expect_null(tax_lookup(TAX_SECTORS, ""));
	cr_expect_null(tax_lookup(TAX_SECTORS, NULL));
	cr_expect_null(tax_lookup(TAX_SECTORS, "la"), "code of another facet");
	cr_expect_null(tax_lookup(TAX_AUTHORITY_TYPE, "LA"), "codes are case-sensitive");
	cr_expect_null(tax_lookup(TAX_AUTHORITY_TYPE, "la "));
	cr_expect_null(tax_lookup(TAX_CATEGORIES, "03000000"));
	cr_expect_null(tax_lookup(TAX_CATEGORIES, "3"));
	cr_expect_null(tax_lookup(TAX_CATEGORIES, "99"));
	cr_expect_null(tax_lookup(TAX_NFACETS, "la"));
	cr_expect_null(tax_lookup((enum tax_facet)-1, "la"));
	cr_expect_null(tax_entries(TAX_NFACETS, &n));
	cr_expect_eq(n, 0);
	cr_expect_null(tax_entries((enum tax_facet)-1, NULL));
	/* First, last and middle of a sorted range are all found. */
	cr_expect_not_null(tax_lookup(TAX_CATEGORIES, "03"));
	cr_expect_not_null(tax_lookup(TAX_CATEGORIES, "98"));
	cr_expect_not_null(tax_lookup(TAX_CATEGORIES, "48"));
}

/* Swedish letters are bytes of UTF-8 and survive; many labels carry them. */
Test(taxonomy, swedish_letters_survive)
{
	static const char *const letters[] = { "å", "ä", "ö", "Ä", "Ö" };
	const struct tax_entry *e = tax_lookup(TAX_STATUS, "changes_requested");
	size_t i, n, k, with[5] = { 0 };
	int f;

	cr_assert_not_null(e);
	cr_expect_eq(memcmp(e->label_sv, "\xC3\x84ndringar beg\xC3\xA4rda", 19), 0);
	cr_expect_eq(strlen(e->label_sv), 19);
	for (f = 0; f < TAX_NFACETS; f++) {
		const struct tax_entry *t = tax_entries((enum tax_facet)f, &n);
		for (i = 0; i < n; i++)
			for (k = 0; k < 5; k++)
				with[k] += strstr(t[i].label_sv, letters[k]) != NULL;
	}
	cr_expect_gt(with[0], 10, "labels with å: %zu", with[0]);
	cr_expect_gt(with[1], 10, "labels with ä: %zu", with[1]);
	cr_expect_gt(with[2], 10, "labels with ö: %zu", with[2]);
	cr_expect_gt(with[3], 0);
	cr_expect_gt(with[4], 0);
}

/* Concurrent first use: pthread_once gives every thread the same table. */
static void *lookup_thread(void *arg)
{
	const struct tax_entry **slot = arg;

	*slot = tax_lookup(TAX_GOALS, "sdg-13");
	return NULL;
}

Test(taxonomy, concurrent_first_use)
{
	pthread_t th[8];
	const struct tax_entry *res[8] = { NULL };
	int i;

	for (i = 0; i < 8; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, lookup_thread, &res[i]), 0);
	for (i = 0; i < 8; i++)
		cr_assert_eq(pthread_join(th[i], NULL), 0);
	cr_assert_not_null(res[0]);
	for (i = 1; i < 8; i++)
		cr_expect_eq(res[i], res[0]);
}

/* ---- tax_load_text ------------------------------------------------------------ */

#define HDR "facet\tcode\tlabel_sv\tlabel_en\n"

Test(taxonomy, load_text_replaces_tables)
{
	static const char text[] = "# a comment\r\n" HDR "\r\n"
				   "kind\tcase\tFall med åäö\tCase\r\n"
				   "# another\n"
				   "goals\tsdg-13\tKlimat\tClimate\n"
				   "kind\tprocurement\tUpphandling\tProcurement"; /* no final \n */
	struct cl_errbuf eb = {0};
	const struct tax_entry *e, *old = tax_lookup(TAX_GOALS, "sdg-13");
	size_t n;

	cr_assert_not_null(old);
	cr_assert_eq(tax_load_text(text, strlen(text), &eb), CL_OK, "%s", eb.msg);
	/* Entries handed out before stay valid (taxonomy.h: life of the process). */
	cr_expect_str_eq(old->label_en, "Climate action");
	cr_expect_str_eq(old->label_sv, "Bekämpa klimatförändringarna");
	e = tax_entries(TAX_KIND, &n);
	cr_assert_eq(n, 2);
	cr_expect_str_eq(e[0].code, "case", "file order kept");
	cr_expect_str_eq(e[0].label_sv, "Fall med åäö", "CR stripped, UTF-8 kept");
	cr_expect_str_eq(e[1].label_en, "Procurement");
	cr_expect_eq(tax_lookup(TAX_KIND, "procurement"), &e[1]);
	cr_expect_str_eq(tax_lookup(TAX_GOALS, "sdg-13")->label_en, "Climate");
	cr_expect_null(tax_entries(TAX_SECTORS, &n));
	cr_expect_eq(n, 0);
	cr_expect_null(tax_lookup(TAX_SECTORS, "health"));
	cr_expect_eq(tax_load(&eb), CL_OK, "tax_load does not overwrite a loaded text");
	cr_expect_null(tax_lookup(TAX_SECTORS, "health"));

	/* Restore the built-in tables. */
	cr_assert_eq(tax_load_text(tax_builtin_tsv, tax_builtin_tsv_len, &eb), CL_OK, "%s",
		     eb.msg);
	tax_entries(TAX_CATEGORIES, &n);
	cr_expect_eq(n, 45);
	cr_expect_str_eq(tax_lookup(TAX_GOALS, "sdg-13")->label_en, "Climate action");
}

/* Each malformed text fails with CL_ECORRUPT naming the line; the tables in
 * force before the call stay. */
Test(taxonomy, load_text_errors)
{
	static const struct {
		const char *name, *text, *line;
	} t[] = {
		{ "three columns", HDR "kind\tcase\tFall\tCase\nkind\tprocurement\tUpphandling\n",
		  "line 3:" },
		{ "five columns", HDR "# c\nkind\tcase\tFall\tCase\textra\n", "line 3:" },
		{ "one column", HDR "kind\n", "line 2:" },
		{ "unknown facet", HDR "kind\tcase\tFall\tCase\nsector\thealth\tHälsa\tHealth\n",
		  "line 3:" },
		{ "duplicate", HDR "kind\tcase\tFall\tCase\n\ngoals\tgen\tG\tG\nkind\tcase\tX\tY\n",
		  "line 5:" },
		{ "empty label_en", HDR "kind\tcase\tFall\t\n", "line 2:" },
		{ "empty label_sv", HDR "#\n#\nkind\tcase\t\tCase\n", "line 4:" },
		{ "empty code", HDR "kind\t\tFall\tCase\n", "line 2:" },
		{ "empty facet", HDR "\tcase\tFall\tCase\n", "line 2:" },
		{ "missing header", "kind\tcase\tFall\tCase\n", "line 1:" },
		{ "header after comment wrong", "# x\nfacet\tcode\tlabel_sv\n", "line 2:" },
		{ "empty text", "", "line 1:" },
		{ "bad UTF-8", HDR "kind\tcase\tFall \xC3\x28\tCase\n", "line 2:" },
		{ "overlong UTF-8", HDR "kind\tcase\t\xC0\xAF\tCase\n", "line 2:" },
		{ "upper-case code", HDR "kind\tCase\tFall\tCase\n", "line 2:" },
		{ "space in code", HDR "kind\tin case\tFall\tCase\n", "line 2:" },
		{ "trailing space", HDR "kind\tcase\tFall \tCase\n", "line 2:" },
		{ "control char", HDR "kind\tcase\tFa\x01ll\tCase\n", "line 2:" },
	};
	struct cl_errbuf eb;
	size_t i;

	cr_assert_eq(tax_load(NULL), CL_OK);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(&eb, 0, sizeof eb);
		cr_expect_eq(tax_load_text(t[i].text, strlen(t[i].text), &eb), CL_ECORRUPT,
			     "%s: accepted", t[i].name);
		cr_expect_not_null(strstr(eb.msg, t[i].line), "%s: message \"%s\" lacks \"%s\"",
				   t[i].name, eb.msg, t[i].line);
		/* The built-in tables are untouched. */
		cr_expect_str_eq(tax_lookup(TAX_KIND, "case")->label_sv, "Innovationsfall",
				 "%s replaced the tables", t[i].name);
	}
	/* The duplicate message names both lines. */
	memset(&eb, 0, sizeof eb);
	tax_load_text(t[4].text, strlen(t[4].text), &eb);
	cr_expect_not_null(strstr(eb.msg, "first on line 2"), "%s", eb.msg);
	/* A NUL byte inside the given length is rejected too. */
	cr_expect_eq(tax_load_text(HDR "kind\tcase\tF\0ll\tCase\n", sizeof HDR + 15, &eb),
		     CL_ECORRUPT);
	/* Duplicate codes in different facets are fine. */
	cr_expect_eq(tax_load_text(HDR "kind\tx\tA\tA\ngoals\tx\tB\tB\n",
				   strlen(HDR "kind\tx\tA\tA\ngoals\tx\tB\tB\n"), &eb),
		     CL_OK, "%s", eb.msg);
}

/* The built-in text itself parses through the public entry point with the
 * same result as tax_load (the tests above rely on this for restoring). */
Test(taxonomy, builtin_text_reloads)
{
	struct cl_errbuf eb = {0};
	size_t before[TAX_NFACETS], n;
	int f;

	for (f = 0; f < TAX_NFACETS; f++)
		tax_entries((enum tax_facet)f, &before[f]);
	cr_assert_gt(tax_builtin_tsv_len, 0);
	cr_assert_eq(tax_load_text(tax_builtin_tsv, tax_builtin_tsv_len, &eb), CL_OK, "%s",
		     eb.msg);
	for (f = 0; f < TAX_NFACETS; f++) {
		tax_entries((enum tax_facet)f, &n);
		cr_expect_eq(n, before[f]);
	}
}
