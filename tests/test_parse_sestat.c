/* test_parse_sestat.c — Upphandlingsmyndigheten's statistics CSV as case
 * records (indexer/parse_sestat.c) and what it is built from: the mapping
 * tables (indexer/maptab.c, the TSV files in indexer/maps), the buyer-name normaliser
 * (indexer/norm.c) and the id helpers (indexer/parse.c).
 *
 * The real file is parsed whole; every record is validated again here, and
 * the facet counts are checked against counts the test makes itself from
 * the CSV columns. Broken copies of the file (cut short, a bad byte, a
 * missing column) give the good rows and clear rejects or errors. */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "csvread.h"
#include "maptab.h"
#include "norm.h"
#include "parse.h"
#include "parsers.h"
#include "parse_sestat.h"
#include "taxonomy.h"
#include "testutil.h"

#define REAL "se-procurements-2021/number_of_procurements.csv"
#define REAL_ROWS 18421
#define WHEN "2026-11-27T05:00:00Z"
#define HASH "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

/* ---- a sink that keeps what the tests look at ----------------------------- */

struct tally {
	char key[64];
	long n;
};

struct collect {
	long emitted, invalid, rejected;
	char first_invalid[512];
	char **ids;       /* every id, in order */
	char **published; /* per record, "" when absent */
	char **cpv;       /* first cpv code per record, "" when absent */
	char **names;     /* buyer name per record */
	size_t cap;
	long reject_line[16];
	char reject_reason[16][CL_ERRBUF_SIZE];
	struct tally t[512];
	size_t nt;
	long stop_after; /* emit returns CL_EIO after this many (0: never) */
	const char *want_url_base;
};

static void bump(struct collect *c, const char *facet, const char *code)
{
	char key[64];

	snprintf(key, sizeof key, "%s:%s", facet, code);
	for (size_t i = 0; i < c->nt; i++) {
		if (strcmp(c->t[i].key, key) == 0) {
			c->t[i].n++;
			return;
		}
	}
	cr_assert_lt(c->nt, sizeof c->t / sizeof c->t[0]);
	snprintf(c->t[c->nt].key, sizeof c->t[c->nt].key, "%s", key);
	c->t[c->nt++].n = 1;
}

static long count_of(const struct collect *c, const char *facet, const char *code)
{
	char key[64];

	snprintf(key, sizeof key, "%s:%s", facet, code);
	for (size_t i = 0; i < c->nt; i++)
		if (strcmp(c->t[i].key, key) == 0)
			return c->t[i].n;
	return 0;
}

/* Records with procedure code (a tu_rows_map counter over a struct collect). */
static long with_procedure(const char *code, void *ud)
{
	return count_of(ud, "procedure", code);
}

static void bump_list(struct collect *c, const char *facet, const struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		bump(c, facet, l->v[i]);
}

static char *dup_or_empty(const char *s)
{
	char *d = strdup(s ? s : "");
	cr_assert_not_null(d);
	return d;
}

static int on_emit(void *ud, struct case_record *r)
{
	struct collect *c = ud;

	if (tu_case_problem(r, c->invalid ? NULL : c->first_invalid, sizeof c->first_invalid))
		c->invalid++;

	if ((size_t)c->emitted == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->ids = realloc(c->ids, c->cap * sizeof *c->ids);
		c->published = realloc(c->published, c->cap * sizeof *c->published);
		c->cpv = realloc(c->cpv, c->cap * sizeof *c->cpv);
		c->names = realloc(c->names, c->cap * sizeof *c->names);
		cr_assert(c->ids && c->published && c->cpv && c->names);
	}
	c->ids[c->emitted] = dup_or_empty(r->id);
	c->published[c->emitted] = dup_or_empty(r->published);
	c->cpv[c->emitted] = dup_or_empty(r->cpv.n ? r->cpv.v[0] : NULL);
	c->names[c->emitted] = dup_or_empty(r->buyer.name);
	c->emitted++;

	bump(c, "kind", r->kind);
	bump(c, "language", r->language ? r->language : "");
	bump(c, "authority_type", r->authority_type ? r->authority_type : "");
	bump(c, "procedure", r->procedure ? r->procedure : "");
	bump(c, "country", r->buyer.country ? r->buyer.country : "");
	bump(c, "org_number", r->buyer.org_number ? "yes" : "no");
	bump_list(c, "sectors", &r->sectors);
	if (!r->sectors.n)
		bump(c, "sectors", "");
	bump_list(c, "categories", &r->categories);
	bump_list(c, "strategic", &r->strategic);
	bump_list(c, "goals", &r->goals);
	bump(c, "nsources", r->nsources == 1 ? "1" : "other");
	if (r->nsources == 1) {
		const struct case_source *s = &r->sources[0];
		char want[512];

		snprintf(want, sizeof want, "%s#%s",
			 c->want_url_base ? c->want_url_base : SESTAT_REF_BASE, r->id);
		bump(c, "source_url", strcmp(s->url, want) == 0 ? "ok" : "bad");
		bump(c, "source_meta",
		     strcmp(s->retrieved_at, WHEN) == 0 && s->sha256 && strcmp(s->sha256, HASH) == 0 &&
				     strcmp(s->format, "se-stats-csv") == 0 &&
				     strcmp(s->licence, "CC0-1.0") == 0
			     ? "ok"
			     : "bad");
	}
	if (c->stop_after && c->emitted >= c->stop_after)
		return CL_EIO;
	return CL_OK;
}

static void on_reject(void *ud, long line, const char *reason)
{
	struct collect *c = ud;

	if (c->rejected < 16) {
		c->reject_line[c->rejected] = line;
		snprintf(c->reject_reason[c->rejected], CL_ERRBUF_SIZE, "%s", reason);
	}
	c->rejected++;
}

static void collect_release(struct collect *c)
{
	char **const lists[] = {c->ids, c->published, c->cpv, c->names};

	for (size_t k = 0; k < sizeof lists / sizeof *lists; k++) {
		for (long i = 0; lists[k] && i < c->emitted; i++)
			free(lists[k][i]);
		free(lists[k]);
	}
}

static const struct parse_src the_src = {NULL, WHEN, HASH};

static int parse_text(const char *text, size_t len, struct collect *c, struct sestat_stats *st,
		      struct cl_errbuf *eb)
{
	struct parse_sink sink = {on_emit, on_reject, c};

	return sestat_parse_mem(text, len, &the_src, &sink, st, eb);
}

static char *read_real(size_t *len)
{
	char *path = tu_shared(REAL);
	char *text = tu_read_file(path, len);

	cr_assert_not_null(text, "cannot read %s (set CASELIB_SHARED?)", path);
	free(path);
	return text;
}

/* ---- an independent reading of the CSV ------------------------------------ */

/* Rows whose column starts with prefix. */
static long rows_prefix(const struct tu_rows *rs, const char *a, const char *prefix)
{
	size_t ca = tu_rows_col(rs, a);
	long n = 0;

	for (size_t i = 0; i < rs->n; i++)
		if (strncmp(rs->row[i][ca], prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- the real file --------------------------------------------------------- */

Test(sestat, real_file_records, .timeout = 120)
{
	struct collect c = {0};
	struct sestat_stats st;
	struct cl_errbuf eb;
	struct tu_rows rs;
	char *path = tu_shared(REAL);
	FILE *f = fopen(path, "rb");
	struct parse_sink sink = {on_emit, on_reject, &c};
	char **sorted;
	int rc;

	cr_assert_not_null(f, "cannot open %s", path);
	rc = sestat_parse_file(f, &the_src, &sink, &st, &eb);
	fclose(f);
	free(path);
	cr_assert_eq(rc, CL_OK, "%s", eb.msg);

	/* every row gives a record, and every record is valid */
	cr_assert_eq(c.emitted + c.rejected, REAL_ROWS);
	cr_assert_eq(c.rejected, 0, "first reject: line %ld: %s", c.reject_line[0],
		     c.reject_reason[0]);
	cr_assert_eq(c.invalid, 0, "%ld invalid, first %s", c.invalid, c.first_invalid);
	cr_assert_eq(st.rows, REAL_ROWS);
	cr_assert_eq(st.emitted, REAL_ROWS);
	cr_assert_eq(count_of(&c, "kind", "procurement"), REAL_ROWS);
	cr_assert_eq(count_of(&c, "language", "sv"), REAL_ROWS);
	cr_assert_eq(count_of(&c, "nsources", "1"), REAL_ROWS);
	cr_assert_eq(count_of(&c, "source_url", "ok"), REAL_ROWS);
	cr_assert_eq(count_of(&c, "source_meta", "ok"), REAL_ROWS);

	/* ids unique; the one repeated Upphandlings-ID got a suffix */
	sorted = malloc((size_t)c.emitted * sizeof *sorted);
	cr_assert_not_null(sorted);
	memcpy(sorted, c.ids, (size_t)c.emitted * sizeof *sorted);
	qsort(sorted, (size_t)c.emitted, sizeof *sorted, cmp_str);
	for (long i = 1; i < c.emitted; i++)
		cr_assert_str_neq(sorted[i - 1], sorted[i], "duplicate id %s", sorted[i]);
	free(sorted);
	cr_assert_eq(st.renamed_ids, 1);
	cr_assert_str_eq(c.ids[0], "uhm-2021-mt34");

	tu_rows_read(&rs, REAL, 1);
	cr_assert_eq(rs.n, REAL_ROWS);

	/* per row: id, date and CPV code come from that row */
	{
		size_t cid = tu_rows_col(&rs, "Upphandlings-ID"), cd = tu_rows_col(&rs, "Publiceringsdatum");
		size_t cc = tu_rows_col(&rs, "Huvudsaklig CPV-kod");
		int seen_mt4532 = 0, seen_ctm = 0;

		for (size_t i = 0; i < rs.n; i++) {
			const char *nid = rs.row[i][cid];
			char want[128], *p;

			snprintf(want, sizeof want, "uhm-2021-%s", nid);
			for (p = want; *p; p++) {
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
				else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
					   *p == '.' || *p == '_' || *p == '-'))
					*p = '-';
			}
			if (strcmp(nid, "MT4532") == 0 && seen_mt4532++)
				strcat(want, "-2");
			if (strcmp(nid, "CTM2021/S 031-078262") == 0) {
				cr_assert_str_eq(c.ids[i], "uhm-2021-ctm2021-s-031-078262");
				seen_ctm = 1;
			}
			cr_assert_str_eq(c.ids[i], want, "row %zu", i + 1);
			cr_assert_str_eq(c.published[i], rs.row[i][cd], "row %zu", i + 1);
			if (strncmp(rs.row[i][cc], "00000000", 8) == 0)
				cr_assert_str_eq(c.cpv[i], "", "row %zu", i + 1);
			else
				cr_assert(strncmp(c.cpv[i], rs.row[i][cc], 8) == 0 &&
						  strlen(c.cpv[i]) == 8,
					  "row %zu: cpv %s from %s", i + 1, c.cpv[i], rs.row[i][cc]);
		}
		cr_assert_eq(seen_mt4532, 2);
		cr_assert(seen_ctm);
	}

	/* strategic flags and the goals they imply (flag_goal.tsv) */
	cr_assert_eq(count_of(&c, "strategic", "env"), 1541);
	cr_assert_eq(count_of(&c, "strategic", "soc"), 1449);
	cr_assert_eq(count_of(&c, "strategic", "inn"), 809);
	cr_assert_eq(count_of(&c, "strategic", "env"),
		     tu_rows_where(&rs, "Miljömässigt hållbar upphandling", "True", NULL, NULL));
	cr_assert_eq(count_of(&c, "strategic", "soc"),
		     tu_rows_where(&rs, "Socialt hållbar upphandling", "True", NULL, NULL));
	cr_assert_eq(count_of(&c, "strategic", "inn"),
		     tu_rows_where(&rs, "Innovationsupphandling", "True", NULL, NULL));
	cr_assert_eq(count_of(&c, "goals", "sdg-12"), 1541);
	cr_assert_eq(count_of(&c, "goals", "sdg-8"), 1449);
	cr_assert_eq(count_of(&c, "goals", "sdg-9"), 809);

	/* authority_type (se_authority.tsv) against the buyer columns */
	{
		const char *D = "Delsektor för köpare", *J = "Juridisk form för köpare";
		long kf = tu_rows_where(&rs, D, "Kommunalt ägd organisation", J, "Kommunalförbund");
		long annat_bodypl = tu_rows_where(&rs, D, "Annat", J, "Ideella föreningar") +
				    tu_rows_where(&rs, D, "Annat", J, "Övriga stiftelser och fonder") +
				    tu_rows_where(&rs, D, "Annat", J, "Ekonomiska föreningar");

		cr_assert_eq(count_of(&c, "authority_type", "la"),
			     tu_rows_where(&rs, D, "Kommun", NULL, NULL) + kf);
		cr_assert_eq(count_of(&c, "authority_type", "pub-la"),
			     tu_rows_where(&rs, D, "Kommunalt ägd organisation", NULL, NULL) - kf);
		cr_assert_eq(count_of(&c, "authority_type", "ra"),
			     tu_rows_where(&rs, D, "Region", NULL, NULL));
		cr_assert_eq(count_of(&c, "authority_type", "pub-ra"),
			     tu_rows_where(&rs, D, "Regionalt ägd organisation", NULL, NULL));
		cr_assert_eq(count_of(&c, "authority_type", "cga"),
			     tu_rows_where(&rs, D, "Statlig myndighet", NULL, NULL));
		cr_assert_eq(count_of(&c, "authority_type", "pub-cga"),
			     tu_rows_where(&rs, D, "Statligt ägd organisation", NULL, NULL));
		cr_assert_eq(count_of(&c, "authority_type", "body-pl"), annat_bodypl);
		cr_assert_eq(count_of(&c, "authority_type", "other"),
			     tu_rows_where(&rs, D, "Annat", NULL, NULL) - annat_bodypl);
		cr_assert_eq(count_of(&c, "authority_type", ""), 0);
		cr_assert_eq(count_of(&c, "authority_type", "la"), 8136 + 363);
	}

	/* procedure (se_procedure.tsv) against Förfarande, value by value */
	{
		static const char *const proc[][2] = {
			{"Öppet förfarande", "open"},
			{"Förenklat förfarande", "se-simplified"},
			{"Förhandlat förfarande med föregående annonsering", "neg-w-call"},
			{"Selektivt förfarande", "restricted"},
			{"Urvalsförfarande", "se-selection"},
			{"Annat förfarande", "se-other"},
			{"Konkurrenspräglad dialog", "comp-dial"},
			{"", ""},
		};
		long total = tu_rows_map(&rs, "Förfarande", proc, sizeof proc / sizeof proc[0],
					 with_procedure, &c);

		cr_assert_eq(total, REAL_ROWS, "a Förfarande value the test does not know");
		cr_assert_eq(count_of(&c, "procedure", "open"), 8426);
		cr_assert_eq(st.no_procedure, 641);
		cr_assert_eq(st.unknown_procedure, 0);
	}

	/* sectors (se_sni.tsv) against the SNI section letters */
	{
		const char *S = "SNI-Avdelning för köpare";
		long D = rows_prefix(&rs, S, "D "), E = rows_prefix(&rs, S, "E "),
		     Q = rows_prefix(&rs, S, "Q ");
		long econ = 0;

		cr_assert_eq(count_of(&c, "sectors", "education"), rows_prefix(&rs, S, "P "));
		cr_assert_eq(count_of(&c, "sectors", "education"), 3007);
		cr_assert_eq(count_of(&c, "sectors", "health"), Q);
		cr_assert_eq(count_of(&c, "sectors", "soc-pro"), Q);
		cr_assert_eq(count_of(&c, "sectors", "gen-pub"), rows_prefix(&rs, S, "O "));
		cr_assert_eq(count_of(&c, "sectors", "hc-am"), rows_prefix(&rs, S, "L "));
		cr_assert_eq(count_of(&c, "sectors", "rcr"), rows_prefix(&rs, S, "R "));
		cr_assert_eq(count_of(&c, "sectors", "electricity"), D);
		cr_assert_eq(count_of(&c, "sectors", "gas-heat"), D);
		cr_assert_eq(count_of(&c, "sectors", "water"), E);
		cr_assert_eq(count_of(&c, "sectors", "env-pro"), E);
		for (const char *l = "ABCFGHIJKMN"; *l; l++) {
			char p[3] = {*l, ' ', 0};
			econ += rows_prefix(&rs, S, p);
		}
		cr_assert_eq(count_of(&c, "sectors", "econ-aff"), econ);
		cr_assert_eq(count_of(&c, "sectors", ""),
			     tu_rows_where(&rs, S, "", NULL, NULL) + rows_prefix(&rs, S, "S "));
		cr_assert_eq(st.no_sector, 72);
	}

	/* categories: every CPV division, counted from the main CPV code */
	{
		size_t n;
		const struct tax_entry *e = tax_entries(TAX_CATEGORIES, &n);
		long sum = 0;

		for (size_t i = 0; i < n; i++) {
			char p[3] = {e[i].code[0], e[i].code[1], 0};
			long want = rows_prefix(&rs, "Huvudsaklig CPV-kod", p);
			cr_assert_eq(count_of(&c, "categories", e[i].code), want, "division %s",
				     e[i].code);
			sum += want;
		}
		cr_assert_eq(sum + rows_prefix(&rs, "Huvudsaklig CPV-kod", "00000000"), REAL_ROWS);
		cr_assert_eq(st.no_category, 31);
	}

	/* buyers: org numbers checked, Åland's Finnish business ids left out */
	cr_assert_eq(st.bad_orgnr, 62);
	cr_assert_eq(st.foreign_orgnr, 17);
	cr_assert_eq(count_of(&c, "org_number", "no"), 62 + 17);
	cr_assert_eq(count_of(&c, "country", "FI"), 17);
	cr_assert_eq(count_of(&c, "country", "SE"), REAL_ROWS - 17);
	cr_assert_eq(st.no_published, 0);
	cr_assert_eq(st.no_authority_type, 0);

	tu_rows_release(&rs);
	collect_release(&c);
}

/* ---- buyer names ------------------------------------------------------------ */

Test(sestat, buyer_names_real)
{
	static const char *const cases[][2] = {
		{"LUNDS KOMMUN", "Lunds kommun"},
		{"REGION SKÅNE", "Region Skåne"},
		{"REGION JÖNKÖPINGS LÄN", "Region Jönköpings län"},
		{"REGION JÄMTLAND HÄRJEDALEN", "Region Jämtland Härjedalen"},
		{"UPPLANDS VÄSBY KOMMUN", "Upplands Väsby kommun"},
		{"MALUNG-SÄLENS KOMMUN", "Malung-Sälens kommun"},
		{"ÖCKERÖ KOMMUN", "Öckerö kommun"},
		{"LÄNSSTYRELSEN I VÄSTRA GÖTALANDS LÄN", "Länsstyrelsen i Västra Götalands län"},
		{"SKÄRGÅRDSSTIFTELSEN I STOCKHOLMS LÄN", "Skärgårdsstiftelsen i Stockholms län"},
		{"SVERIGES GEOLOGISKA UNDERSÖKNING", "Sveriges geologiska undersökning"},
		{"STATENS FASTIGHETSVERK", "Statens fastighetsverk"},
		{"MYNDIGHETEN FÖR TILLGÄNGLIGA MEDIER", "Myndigheten för tillgängliga medier"},
		{"GÄVLE HAMN AB", "Gävle hamn AB"},
		{"AB GAVLEGÅRDARNA", "AB Gavlegårdarna"},
		{"AKTIEBOLAGET TIERPSBYGGEN", "Aktiebolaget Tierpsbyggen"},
		{"AB BOSTADEN I UMEÅ", "AB Bostaden i Umeå"},
		{"STIFTELSEN SKANSEN", "Stiftelsen Skansen"},
		{"MKB FASTIGHETS AKTIEBOLAG", "MKB fastighets aktiebolag"},
		{"TOTALFÖRSVARETS FORSKNINGSINSTITUT, FOI", "Totalförsvarets forskningsinstitut, FOI"},
		{"SYDSKÅNES AVFALLSAKTIEBOLAG, SYSAV", "Sydskånes avfallsaktiebolag, SYSAV"},
		{"ARBETSMILJÖVERKET (AV)", "Arbetsmiljöverket (AV)"},
		{"DALA ENERGI AB (PUBL)", "Dala energi AB (publ)"},
		{"MYNDIGHETEN FÖR SAMHÄLLSSKYDD OCH BEREDSKAP (MSB)",
		 "Myndigheten för samhällsskydd och beredskap (MSB)"},
		{"FÖRSTA AP-FONDEN", "Första AP-fonden"},
		{"HUSBYGGNADSVAROR H.B.V. FÖRENING U.P.A.", "Husbyggnadsvaror H.B.V. förening U.P.A."},
		{"C4 ENERGI AKTIEBOLAG", "C4 energi aktiebolag"},
		{"FALU ENERGI & VATTEN AB", "Falu energi & vatten AB"},
		{"ØRESUNDSBRO KONSORTIET", "Øresundsbro konsortiet"},
		{"E-HÄLSOMYNDIGHETEN", "E-hälsomyndigheten"},
		{"STIFTELSEN ÖREBRO LÄNS MUSEUM", "Stiftelsen Örebro läns museum"},
		/* names with lower-case letters are someone's choice: unchanged */
		{"Region Skåne", "Region Skåne"},
		{"IKEA of Sweden AB", "IKEA of Sweden AB"},
	};
	struct maptab words;
	struct cl_errbuf eb;
	size_t len;
	char *text = read_real(&len);
	size_t from_file = 0;

	maptab_init(&words);
	cr_assert_eq(maptab_load_builtin(&words, "name_words", &eb), CL_OK, "%s", eb.msg);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = norm_buyer_name(cases[i][0], &words);
		char plain[160], quoted[160];

		/* the upper-case names are real buyers of the file */
		snprintf(plain, sizeof plain, ",%s,", cases[i][0]);
		snprintf(quoted, sizeof quoted, ",\"%s\",", cases[i][0]);
		if (strstr(text, plain) || strstr(text, quoted))
			from_file++;
		else
			cr_assert(strpbrk(cases[i][0], "abcdefghijklmnopqrstuvwxyz"),
				  "%s is not a buyer name of the file", cases[i][0]);
		cr_assert_not_null(got);
		cr_assert_str_eq(got, cases[i][1], "%s", cases[i][0]);
		free(got);
	}
	/* without the table only the shape rules apply */
	{
		char *got = norm_buyer_name("LUNDS KOMMUN", NULL);
		cr_assert_str_eq(got, "Lunds kommun");
		free(got);
	}
	cr_assert_null(norm_buyer_name(NULL, &words));
	cr_assert_geq(from_file, 15);
	maptab_release(&words);
	free(text);
}

/* ---- the mapping tables ---------------------------------------------------- */

/* Every registered table whose file exists is compiled in and equals the
 * file (so the build embedded the current version) and parses; the tables
 * of the CSV parsers are all registered. Files nobody registered are
 * reported as warnings (other parsers may parse their tables themselves). */
Test(maptab, builtin_tables_match_files)
{
	static const char *const mine[] = {"se_authority", "se_sni",  "se_procedure", "se_flags",
					   "flag_goal",    "cofog",   "ips_org",      "name_words"};
	size_t n, checked = 0;
	const char *const *names = maptab_builtin_names(&n);
	glob_t g;

	for (size_t k = 0; k < sizeof mine / sizeof mine[0]; k++) {
		size_t i;
		for (i = 0; i < n && strcmp(names[i], mine[k]) != 0; i++)
			;
		cr_assert_lt(i, n, "%s is not in MAPTAB_BUILTINS", mine[k]);
	}
	for (size_t i = 0; i < n; i++) {
		char path[256];
		size_t flen = 0, blen = 0;
		char *file;
		const char *builtin = maptab_builtin_text(names[i], &blen);
		struct maptab t;
		struct cl_errbuf eb;

		snprintf(path, sizeof path, "indexer/maps/%s.tsv", names[i]);
		file = tu_read_file(path, &flen);
		if (!file) {
			cr_log_warn("%s is registered but %s does not exist", names[i], path);
			continue;
		}
		cr_assert_not_null(builtin, "table %s is not compiled in", names[i]);
		cr_assert_eq(blen, flen, "%s: compiled-in copy differs from the file", names[i]);
		cr_assert(memcmp(builtin, file, flen) == 0, "%s: compiled-in copy differs", names[i]);
		free(file);
		maptab_init(&t);
		cr_assert_eq(maptab_load_builtin(&t, names[i], &eb), CL_OK, "%s", eb.msg);
		cr_assert_gt(t.nrows, 0, "%s has no rows", names[i]);
		maptab_release(&t);
		checked++;
	}
	cr_assert_geq(checked, sizeof mine / sizeof mine[0]);
	cr_assert_eq(glob("indexer/maps/*.tsv", 0, NULL, &g), 0, "run the tests from the repository root");
	for (size_t k = 0; k < g.gl_pathc; k++) {
		const char *base = strrchr(g.gl_pathv[k], '/') + 1;
		size_t bl = strlen(base) - 4, i;

		for (i = 0; i < n; i++)
			if (strlen(names[i]) == bl && strncmp(names[i], base, bl) == 0)
				break;
		if (i == n)
			cr_log_warn("%s is not in MAPTAB_BUILTINS (indexer/maptab.c)", g.gl_pathv[k]);
	}
	globfree(&g);
}

/* Every code in every table exists in the taxonomy, row by row. */
Test(maptab, table_codes_exist_in_taxonomy)
{
	static const struct {
		const char *table, *col;
		enum tax_facet facet;
		size_t min_rows;
	} checks[] = {
		{"se_authority", "authority_type", TAX_AUTHORITY_TYPE, 11},
		{"se_sni", "sector", TAX_SECTORS, 21},
		{"se_procedure", "procedure", TAX_PROCEDURE, 10},
		{"se_flags", "strategic", TAX_STRATEGIC, 3},
		{"flag_goal", "strategic", TAX_STRATEGIC, 3},
		{"flag_goal", "goal", TAX_GOALS, 3},
		{"cofog", "sector", TAX_SECTORS, 10},
		{"ips_org", "authority_type", TAX_AUTHORITY_TYPE, 9},
	};

	for (size_t k = 0; k < sizeof checks / sizeof checks[0]; k++) {
		struct maptab t;
		struct cl_errbuf eb;
		long col;
		size_t coded = 0;

		maptab_init(&t);
		cr_assert_eq(maptab_load_builtin(&t, checks[k].table, &eb), CL_OK, "%s", eb.msg);
		col = maptab_col(&t, checks[k].col);
		cr_assert_geq(col, 0, "%s has no column %s", checks[k].table, checks[k].col);
		cr_assert_geq(t.nrows, checks[k].min_rows, "%s: %zu rows", checks[k].table, t.nrows);
		for (size_t r = 0; r < t.nrows; r++) {
			const char *code = maptab_cell(&t, r, (size_t)col);
			if (strcmp(code, "-") == 0)
				continue;
			cr_assert_not_null(tax_lookup(checks[k].facet, code),
					   "%s line %ld: \"%s\" is not a %s code", checks[k].table,
					   t.line[r], code, tax_facet_name(checks[k].facet));
			coded++;
		}
		cr_assert_gt(coded, 0);
		cr_assert_eq(parse_check_codes(&t, checks[k].col, checks[k].facet, &eb), CL_OK, "%s",
			     eb.msg);
		maptab_release(&t);
	}
}

/* se_sni covers every SNI 2007 section A..U once as a key, and every SNI
 * value in the real file is "<letter> <label of that row>". Every
 * Förfarande value maps or is empty; every buyer classification maps. */
Test(maptab, real_values_all_map)
{
	struct maptab sni, proc, auth;
	struct cl_errbuf eb;
	struct tu_rows rs;
	size_t cs, cp, c1, c2, c3;

	maptab_init(&sni);
	maptab_init(&proc);
	maptab_init(&auth);
	cr_assert_eq(maptab_load_builtin(&sni, "se_sni", &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(maptab_load_builtin(&proc, "se_procedure", &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(maptab_load_builtin(&auth, "se_authority", &eb), CL_OK, "%s", eb.msg);
	for (char l = 'A'; l <= 'U'; l++) {
		char key[2] = {l, 0};
		const char *keys[1] = {key};
		cr_assert_geq(maptab_find(&sni, 0, keys, 1), 0, "SNI section %c missing", l);
	}
	tu_rows_read(&rs, REAL, 1);
	cs = tu_rows_col(&rs, "SNI-Avdelning för köpare");
	cp = tu_rows_col(&rs, "Förfarande");
	c1 = tu_rows_col(&rs, "Sektor för köpare");
	c2 = tu_rows_col(&rs, "Delsektor för köpare");
	c3 = tu_rows_col(&rs, "Juridisk form för köpare");
	for (size_t i = 0; i < rs.n; i++) {
		const char *v = rs.row[i][cs], *p = rs.row[i][cp];
		const char *akeys[3] = {rs.row[i][c1], rs.row[i][c2], rs.row[i][c3]};
		long r;

		if (*v) {
			char key[2] = {v[0], 0};
			const char *keys[1] = {key};
			char full[256];

			r = maptab_find(&sni, 0, keys, 1);
			cr_assert_geq(r, 0, "row %zu: SNI \"%s\" not mapped", i + 1, v);
			snprintf(full, sizeof full, "%s %s", key,
				 maptab_cell(&sni, (size_t)r, (size_t)maptab_col(&sni, "label_sv")));
			cr_assert_str_eq(v, full, "row %zu: SNI label differs from se_sni.tsv", i + 1);
		}
		if (*p) {
			const char *keys[1] = {p};
			cr_assert_geq(maptab_find(&proc, 0, keys, 1), 0,
				      "row %zu: Förfarande \"%s\" not mapped", i + 1, p);
		}
		r = maptab_find(&auth, 0, akeys, 3);
		cr_assert_geq(r, 0, "row %zu: %s / %s / %s not mapped", i + 1, akeys[0], akeys[1],
			      akeys[2]);
	}
	tu_rows_release(&rs);
	maptab_release(&sni);
	maptab_release(&proc);
	maptab_release(&auth);
}

Test(maptab, parser_and_lookups)
{
	static const char text[] = "# comment\n"
				   "\n"
				   "a\tb\tcode\r\n"
				   "x\ty\tone\n"
				   "x\t*\ttwo\n"
				   "x\ty\t-\n"
				   "\t\tempty-keys\n"
				   "x\ty\tone";
	struct maptab t;
	struct cl_errbuf eb;
	const char *out[8];
	const char *k_xy[2] = {"x", "y"}, *k_xz[2] = {"x", "z"}, *k_empty[2] = {"", ""};
	const char *k_none[2] = {"q", "y"};
	int matched;

	maptab_init(&t);
	cr_assert_eq(maptab_parse(&t, "demo", text, sizeof text - 1, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(t.ncols, 3);
	cr_assert_eq(t.nrows, 5);
	cr_assert_eq(t.line[0], 4);
	cr_assert_eq(maptab_col(&t, "code"), 2);
	cr_assert_eq(maptab_col(&t, "nope"), -1);
	cr_assert_eq(maptab_find(&t, 0, k_xy, 2), 0);
	cr_assert_eq(maptab_find(&t, 1, k_xy, 2), 1); /* wildcard row */
	cr_assert_eq(maptab_find(&t, 0, k_xz, 2), 1);
	cr_assert_eq(maptab_find(&t, 0, k_empty, 2), 3);
	cr_assert_eq(maptab_find(&t, 0, k_none, 2), -1);
	/* codes: "one" once (duplicates dropped), "two", no "-" */
	cr_assert_eq(maptab_codes(&t, k_xy, 2, 2, out, 8, &matched), 2);
	cr_assert(matched);
	cr_assert_str_eq(out[0], "one");
	cr_assert_str_eq(out[1], "two");
	cr_assert_eq(maptab_codes(&t, k_none, 2, 2, out, 8, &matched), 0);
	cr_assert_not(matched);
	cr_assert_null(maptab_cell(&t, 9, 0));
	maptab_release(&t);
	maptab_release(&t); /* twice is fine */
	maptab_release(NULL);
}

Test(maptab, parser_errors)
{
	static const struct {
		const char *text;
		size_t len; /* 0: strlen */
		int code;
		const char *msg;
	} bad[] = {
		{"a\tb\nx\n", 0, CL_ECORRUPT, "map t line 2: 1 fields, header has 2"},
		{"a\tb\nx\ty\tz\n", 0, CL_ECORRUPT, "line 2: 3 fields"},
		{"a\tb\nx\t y\n", 0, CL_ECORRUPT, "line 2 field 2: leading or trailing space"},
		{"a\tb\nx\ty\x01\n", 0, CL_ECORRUPT, "line 2 field 2: control character"},
		{"a\tb\nx\t\xFF\n", 0, CL_ECORRUPT, "line 2 field 2: invalid UTF-8"},
		{"a\t\nx\ty\n", 0, CL_ECORRUPT, "line 1: empty column name"},
		{"# only a comment\n", 0, CL_ECORRUPT, "no header line"},
		{"a\tb\nx\0y\n", 8, CL_ECORRUPT, "NUL byte"},
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct maptab t;
		struct cl_errbuf eb;
		size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);

		maptab_init(&t);
		cr_assert_eq(maptab_parse(&t, "t", bad[i].text, len, &eb), bad[i].code, "case %zu",
			     i);
		cr_assert_not_null(strstr(eb.msg, bad[i].msg), "case %zu: \"%s\"", i, eb.msg);
		cr_assert_null(t.cells);
		maptab_release(&t);
	}
	{
		struct maptab t;
		struct cl_errbuf eb;
		maptab_init(&t);
		cr_assert_eq(maptab_load_builtin(&t, "no_such_table", &eb), CL_ENOTFOUND);
		cr_assert_not_null(strstr(eb.msg, "unknown table"), "%s", eb.msg);
	}
}

/* parse_check_codes names the table, line and code that is wrong. */
Test(maptab, unknown_code_is_named)
{
	static const char text[] = "key\tsector\nA\teducation\nB\tno-such-sector\n";
	struct maptab t;
	struct cl_errbuf eb;

	maptab_init(&t);
	cr_assert_eq(maptab_parse(&t, "demo", text, sizeof text - 1, &eb), CL_OK);
	cr_assert_eq(parse_check_codes(&t, "sector", TAX_SECTORS, &eb), CL_ECORRUPT);
	cr_assert_not_null(strstr(eb.msg, "map demo line 3: \"no-such-sector\" is not a sectors code"),
			   "%s", eb.msg);
	cr_assert_eq(parse_check_codes(&t, "nope", TAX_SECTORS, &eb), CL_ECORRUPT);
	maptab_release(&t);
}

/* ---- ids ------------------------------------------------------------------- */

Test(sestat, ids)
{
	static const char *const cases[][3] = {
		{"uhm-2021-", "MT34", "uhm-2021-mt34"},
		{"uhm-2021-", "CTM2021/S 031-078262", "uhm-2021-ctm2021-s-031-078262"},
		{"uhm-2021-", "Å.b_c", "uhm-2021--.b_c"},
		{"ips-", "10000", "ips-10000"},
	};
	char id[CASE_ID_MAX + 1];
	char longid[300];
	struct parse_ids ids;
	int renamed;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_assert_eq(parse_make_id(id, cases[i][0], cases[i][1]), CL_OK);
		cr_assert_str_eq(id, cases[i][2]);
	}
	cr_assert_eq(parse_make_id(id, "x-", ""), CL_EINVAL);
	memset(longid, 'a', sizeof longid - 1);
	longid[sizeof longid - 1] = '\0';
	cr_assert_eq(parse_make_id(id, "uhm-", longid), CL_OK);
	cr_assert_eq(strlen(id), CASE_ID_MAX);

	parse_ids_init(&ids);
	strcpy(id, "uhm-2021-a");
	cr_assert_eq(parse_ids_claim(&ids, id, &renamed), CL_OK);
	cr_assert_str_eq(id, "uhm-2021-a");
	cr_assert_not(renamed);
	cr_assert_eq(parse_ids_claim(&ids, id, &renamed), CL_OK);
	cr_assert_str_eq(id, "uhm-2021-a-2");
	cr_assert(renamed);
	strcpy(id, "uhm-2021-a");
	cr_assert_eq(parse_ids_claim(&ids, id, &renamed), CL_OK);
	cr_assert_str_eq(id, "uhm-2021-a-3");
	/* a full-length id stays within the limit when suffixed */
	cr_assert_eq(parse_make_id(id, "uhm-", longid), CL_OK);
	cr_assert_eq(parse_ids_claim(&ids, id, NULL), CL_OK);
	cr_assert_eq(parse_make_id(id, "uhm-", longid), CL_OK);
	cr_assert_eq(parse_ids_claim(&ids, id, &renamed), CL_OK);
	cr_assert(renamed);
	cr_assert_eq(strlen(id), CASE_ID_MAX);
	cr_assert_str_eq(id + CASE_ID_MAX - 2, "-2");
	/* many ids: the set grows */
	for (int i = 0; i < 5000; i++) {
		snprintf(id, sizeof id, "x-%d", i % 2500);
		cr_assert_eq(parse_ids_claim(&ids, id, &renamed), CL_OK);
		cr_assert_eq(renamed, i >= 2500);
	}
	parse_ids_release(&ids);
	parse_ids_release(NULL);
}

Test(sestat, dates)
{
	cr_assert(parse_is_date("2021-01-01"));
	cr_assert(parse_is_date("2024-02-29"));
	cr_assert(parse_is_date("2000-02-29"));
	cr_assert_not(parse_is_date("1900-02-29"));
	cr_assert_not(parse_is_date("2021-02-29"));
	cr_assert_not(parse_is_date("2021-13-01"));
	cr_assert_not(parse_is_date("2021-04-31"));
	cr_assert_not(parse_is_date("2021-1-01"));
	cr_assert_not(parse_is_date("2021"));
	cr_assert_not(parse_is_date(""));
	cr_assert_not(parse_is_date(NULL));
}

/* ---- broken input ----------------------------------------------------------- */

/* The header and the first n data lines of the real file (no quoted
 * newlines in it, so lines are rows). Caller frees. */
static char *real_head(size_t nlines, size_t *len)
{
	size_t tlen;
	char *text = read_real(&tlen), *p = text;

	for (size_t i = 0; i <= nlines; i++) {
		p = strchr(p, '\n');
		cr_assert_not_null(p);
		p++;
	}
	*len = (size_t)(p - text);
	return text;
}

Test(sestat, truncated_copy)
{
	size_t len;
	char *text = real_head(6, &len); /* header + 6 rows */
	char *line7 = text + len, *cut = line7;
	char *dir = tu_tmpdir(), path[512];
	struct collect c = {0};
	struct sestat_stats st;
	struct cl_errbuf eb;
	struct parse_sink sink = {on_emit, on_reject, &c};
	FILE *f;
	int rc;

	/* cut row 7 after its third field (År, name, org number: unquoted) */
	for (int commas = 0; commas < 3; cut++)
		if (*cut == ',')
			commas++;
	snprintf(path, sizeof path, "%s/cut.csv", dir);
	tu_write_file(path, text, (size_t)(cut - text));
	f = fopen(path, "rb");
	cr_assert_not_null(f);
	rc = sestat_parse_file(f, &the_src, &sink, &st, &eb);
	fclose(f);
	cr_assert_eq(rc, CL_OK, "%s", eb.msg);
	cr_assert_eq(c.emitted, 6);
	cr_assert_eq(c.rejected, 1);
	cr_assert_eq(c.invalid, 0);
	cr_assert_eq(c.reject_line[0], 8);
	cr_assert_not_null(strstr(c.reject_reason[0], "line 8: 4 fields, the header has 33"), "%s",
			   c.reject_reason[0]);
	cr_assert_eq(st.rows, 7);
	cr_assert_eq(st.rejected, 1);
	collect_release(&c);
	tu_rmtree(dir);
	free(dir);
	free(text);
}

/* Cut inside a quoted field: the CSV cannot be read on, which is an error
 * for the file; the rows before it were delivered. */
Test(sestat, cut_inside_quotes)
{
	size_t len;
	char *text = real_head(3, &len);
	char *q = strchr(text + len, '"');
	struct collect c = {0};
	struct cl_errbuf eb;

	cr_assert_not_null(q);
	cr_assert_eq(parse_text(text, (size_t)(q + 5 - text), &c, NULL, &eb), CL_EPARSE);
	cr_assert_not_null(strstr(eb.msg, "line 5: quoted field is not closed"), "%s", eb.msg);
	cr_assert_eq(c.emitted, 3);
	collect_release(&c);
	free(text);
}

/* A bad byte in one row: that row is rejected with its line and column,
 * the rows around it are records. */
Test(sestat, invalid_utf8_row)
{
	size_t len;
	char *text = real_head(5, &len);
	char *row3 = text, *title;
	struct collect c = {0};
	struct sestat_stats st;
	struct cl_errbuf eb;

	for (int i = 0; i < 3; i++)
		row3 = strchr(row3, '\n') + 1;
	/* row 3 (line 4) is "...,e-Avrop,False,SE58281,Barn- och elevregister,..." */
	title = strstr(row3, "Barn- och");
	cr_assert_not_null(title);
	title[1] = (char)0xFF;
	cr_assert_eq(parse_text(text, len, &c, &st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(c.emitted, 4);
	cr_assert_eq(c.rejected, 1);
	cr_assert_eq(c.reject_line[0], 4);
	cr_assert_not_null(strstr(c.reject_reason[0], "line 4, column"), "%s", c.reject_reason[0]);
	cr_assert_not_null(strstr(c.reject_reason[0], "invalid UTF-8"), "%s", c.reject_reason[0]);
	cr_assert_str_eq(c.ids[1], "uhm-2021-ka785");
	cr_assert_str_eq(c.ids[2], "uhm-2021-mt42"); /* the row after the bad one */
	collect_release(&c);
	free(text);
}

/* Each required column, renamed away, fails the file with its name. */
Test(sestat, missing_required_columns)
{
	size_t n, nreq, len;
	const char *const *cols = sestat_columns(&n, &nreq);
	char *text = real_head(2, &len);
	const char *flags[] = {"Miljömässigt hållbar upphandling", "Socialt hållbar upphandling",
			       "Innovationsupphandling"};

	cr_assert_eq(nreq, 11);
	for (size_t i = 0; i < nreq + 3; i++) {
		const char *name = i < nreq ? cols[i] : flags[i - nreq];
		char *copy = strndup(text, len), needle[128], *hit, msg[256];
		struct collect c = {0};
		struct cl_errbuf eb;

		cr_assert_not_null(copy);
		/* match the whole header cell: ",name," or at the start */
		snprintf(needle, sizeof needle, ",%s,", name);
		hit = strstr(copy, needle);
		cr_assert_not_null(hit, "%s not in the header", name);
		hit[1] = 'X'; /* "Xame": no longer the column */
		cr_assert_eq(parse_text(copy, len, &c, NULL, &eb), CL_EPARSE, "%s", name);
		snprintf(msg, sizeof msg, "required column \"%s\" is missing", name);
		cr_assert_not_null(strstr(eb.msg, msg), "%s", eb.msg);
		cr_assert_eq(c.emitted, 0);
		collect_release(&c);
		free(copy);
	}
	free(text);
}

Test(sestat, header_only_empty_and_bad_calls)
{
	size_t len;
	char *text = real_head(0, &len);
	struct collect c = {0};
	struct sestat_stats st;
	struct cl_errbuf eb;
	struct parse_sink sink = {on_emit, on_reject, &c};
	struct parse_src nowhen = {NULL, NULL, NULL};

	cr_assert_eq(parse_text(text, len, &c, &st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(st.rows, 0);
	cr_assert_eq(parse_text("", 0, &c, NULL, &eb), CL_EPARSE);
	cr_assert_not_null(strstr(eb.msg, "no header"), "%s", eb.msg);
	cr_assert_eq(sestat_parse_mem(text, len, &nowhen, &sink, NULL, &eb), CL_EINVAL);
	cr_assert_not_null(strstr(eb.msg, "retrieved_at"));
	cr_assert_eq(sestat_parse_file(NULL, &the_src, &sink, NULL, &eb), CL_EINVAL);
	cr_assert_eq(c.emitted, 0);
	free(text);
}

/* The receiver can stop the parse; its error comes back. */
Test(sestat, emit_can_stop)
{
	size_t len;
	char *text = real_head(20, &len);
	struct collect c = {0};
	struct cl_errbuf eb;

	c.stop_after = 5;
	cr_assert_eq(parse_text(text, len, &c, NULL, &eb), CL_EIO);
	cr_assert_eq(c.emitted, 5);
	cr_assert_not_null(strstr(eb.msg, "stopped by the receiver"), "%s", eb.msg);
	collect_release(&c);
	free(text);
}

/* A reference base given by the caller replaces the default. */
Test(sestat, reference_base)
{
	size_t len;
	char *text = real_head(3, &len);
	struct collect c = {0};
	struct cl_errbuf eb;
	struct parse_src src = {"https://mirror.example/uhm.csv", WHEN, HASH};
	struct parse_sink sink = {on_emit, on_reject, &c};

	c.want_url_base = src.url;
	cr_assert_eq(sestat_parse_mem(text, len, &src, &sink, NULL, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(count_of(&c, "source_url", "ok"), 3);
	collect_release(&c);
	free(text);
}

/* Rows with values the tables do not know still give valid records, with
 * the unknown fields left out and counted. */
Test(sestat, unknown_values_are_left_out)
{
	static const char csv[] =
		"År,Upphandlings-ID,Upphandlingens titel,Namn för köpare,"
		"Organisationsnummer för köpare,Sektor för köpare,Delsektor för köpare,"
		"Juridisk form för köpare,SNI-Avdelning för köpare,Huvudsaklig CPV-kod,Förfarande,"
		"Publiceringsdatum,Miljömässigt hållbar upphandling,Socialt hållbar upphandling,"
		"Innovationsupphandling\n"
		"2021,A1,  Titel\tmed  mellanrum ,NÅGON,123,Okänd,Okänd,,Z Okänt,99999999 X,Nytt förfarande,"
		"2021-02-30,True,,True\n"
		"2021,A2,,NÅGON,,Kommun,Kommun,Kommuner,P Utbildning,,,2021-03-01,,,\n";
	struct collect c = {0};
	struct sestat_stats st;
	struct cl_errbuf eb;

	cr_assert_eq(parse_text(csv, sizeof csv - 1, &c, &st, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(c.emitted, 1);
	cr_assert_eq(c.invalid, 0, "%s", c.first_invalid);
	cr_assert_eq(c.rejected, 1); /* A2: no title */
	cr_assert_not_null(strstr(c.reject_reason[0], "empty Upphandlingens titel"));
	cr_assert_str_eq(c.ids[0], "uhm-2021-a1");
	cr_assert_eq(st.no_authority_type, 1);
	cr_assert_eq(st.no_sector, 1);
	cr_assert_eq(st.unknown_procedure, 1);
	cr_assert_eq(st.no_category, 1);
	cr_assert_eq(st.no_published, 1);
	cr_assert_eq(st.bad_orgnr, 1);
	cr_assert_str_eq(c.names[0], "Någon");
	cr_assert_eq(count_of(&c, "strategic", "env"), 1);
	cr_assert_eq(count_of(&c, "strategic", "inn"), 1);
	cr_assert_str_eq(c.cpv[0], "99999999");
	cr_assert_str_eq(c.published[0], "");
	collect_release(&c);
}

/* The registry entry point has the registry's type and parses the same. */
Test(sestat, registry_shape)
{
	parser_fn fn = sestat_parse;
	size_t len;
	char *text = real_head(4, &len);
	struct collect c = {0};
	struct cl_errbuf eb;
	struct parse_sink sink = {on_emit, on_reject, &c};

	cr_assert_eq(fn(text, len, &the_src, &sink, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(c.emitted, 4);
	cr_assert_eq(c.invalid, 0);
	collect_release(&c);
	free(text);
}
