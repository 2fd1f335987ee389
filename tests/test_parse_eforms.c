/* test_parse_eforms.c — eForms notices as case records
 * (indexer/parse_eforms.c), the safe XML layer under both XML parsers
 * (indexer/xmlsafe.c) and the eForms mapping tables (indexer/maps/eforms_*.tsv).
 *
 * Suites:
 *   parse_eforms  every file of the two real folders (the SDK's 92 example
 *                 notices incl. the deliberately invalid ones, and 24 real
 *                 TED notices), field checks on named notices, a small
 *                 hand-made Swedish notice, bad payloads;
 *   eforms_maps   every row of every table against the official code lists
 *                 (the .gc files of ../shared/data/eforms-sdk/codelists, translations/)
 *                 and the taxonomy;
 *   xmlsafe       hostile XML: billion laughs, external entities and DTDs,
 *                 depth, size, malformed and truncated input, silence on
 *                 stderr. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "maptab.h"
#include "parse.h"
#include "parse_eforms.h"
#include "parse_tedxml.h"
#include "taxonomy.h"
#include "testutil.h"
#include "xmlsafe.h"

#define WHEN "2026-11-27T05:00:00Z"
#define HASH "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

/* ---- running the parsers into testutil's tu_got sink ---------------------- */

/* Both parsers have the parser_fn shape. */
typedef int (*parser_like_fn)(const char *, size_t, const struct parse_src *,
			      const struct parse_sink *, struct cl_errbuf *);

static int parse_buf(parser_like_fn fn, const char *data, size_t len, const char *url,
		     struct tu_got *g, struct cl_errbuf *eb)
{
	struct parse_src src = {url, WHEN, HASH};
	struct parse_sink sink = {tu_got_emit, tu_got_reject, g};

	eb->msg[0] = '\0';
	return fn(data, len, &src, &sink, eb);
}

static int parse_file(parser_like_fn fn, const char *path, struct tu_got *g, struct cl_errbuf *eb)
{
	size_t len = 0;
	char *data = tu_read_file(path, &len);
	int rc;

	cr_assert_not_null(data, "cannot read %s", path);
	rc = parse_buf(fn, data, len, "https://example.org/notice.xml", g, eb);
	free(data);
	return rc;
}

/* Parses one real eForms notice (path relative to the shared folder). */
static void parse_shared(const char *rel, struct tu_got *g)
{
	char *p = tu_shared(rel);
	struct cl_errbuf eb;
	int rc = parse_file(eforms_parse_mem, p, g, &eb);

	cr_assert_eq(rc, CL_OK, "%s: %s", rel, eb.msg);
	free(p);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* ---- the two real folders ------------------------------------------------- */

/* What the INVALID_* notices of the SDK are rejected for: the first
 * problem the parser finds (parse_eforms.h lists the checks). Ten have no
 * (or an empty) notice identifier; cn_24_multiple has an organisation
 * without company data (an empty efac:Organization); change-cn_24_FRA_comments
 * is invalid for changing fields a change notice may not change, which a
 * single notice cannot show, but it also gives 0 as the maximum number of
 * lots awarded (BT-33), which the rules forbid. */
static const struct {
	const char *file, *phrase;
} invalid_files[] = {
	{"INVALID_can_24_empty.xml", "no notice identifier (BT-701"},
	{"INVALID_can_24_stage-1.xml", "no notice identifier (BT-701"},
	{"INVALID_can_24_stage-2.xml", "no notice identifier (BT-701"},
	{"INVALID_change-cn_24_FRA_comments.xml", "MaximumLotsAwardedNumeric (BT-33) is \"0\""},
	{"INVALID_cn_24_empty.xml", "no notice identifier (BT-701"},
	{"INVALID_cn_24_multiple.xml", "organisation 3 has no efac:Company"},
	{"INVALID_cn_24_stage-1.xml", "no notice identifier (BT-701"},
	{"INVALID_cn_24_stage-2.xml", "no notice identifier (BT-701"},
	{"INVALID_pin-buyer_24_stage-1.xml", "no notice identifier (BT-701"},
	{"INVALID_pin-only_24_empty.xml", "no notice identifier (BT-701"},
	{"INVALID_pin-only_24_minimal.xml", "no notice identifier (BT-701"},
	{"INVALID_pin-only_24_stage-1.xml", "no notice identifier (BT-701"},
};

static const char *invalid_phrase(const char *file)
{
	for (size_t i = 0; i < sizeof invalid_files / sizeof invalid_files[0]; i++)
		if (strcmp(invalid_files[i].file, file) == 0)
			return invalid_files[i].phrase;
	return NULL;
}

/* The SDK folder: 92 notices. The 12 INVALID_* are rejected, each with
 * "invalid eForms notice: " and its phrase above; the 2 business
 * registration notices (X01_EEIG, X02_registration: European groupings,
 * not procurements) are rejected as "not a procurement notice"; the other
 * 78 give exactly one valid record each. Only pin-buyer_24_published has
 * a TED publication number (12345678-2025), so 77 ids are eforms-<uuid>;
 * pin-buyer_24 and pin-buyer_24_published are the same notice before and
 * after publication, so all 78 ids are distinct. One (cn_24_multilingual)
 * has Swedish text and is recorded in Swedish. */
Test(parse_eforms, sdk_folder_every_file)
{
	char *pat = tu_shared("eforms-sdk/notices/*.xml");
	glob_t gl;
	size_t emitted = 0, rej_invalid = 0, rej_brin = 0, ted_ids = 0, sv = 0;
	char **ids = NULL;

	cr_assert_eq(glob(pat, 0, NULL, &gl), 0, "no files match %s", pat);
	cr_assert_eq(gl.gl_pathc, 92);
	for (size_t i = 0; i < gl.gl_pathc; i++) {
		const char *name = base_name(gl.gl_pathv[i]);
		const char *phrase = invalid_phrase(name);
		struct tu_got g = {0};
		struct cl_errbuf eb;
		int rc = parse_file(eforms_parse_mem, gl.gl_pathv[i], &g, &eb);

		cr_assert_eq(rc, CL_OK, "%s: rc %d: %s", name, rc, eb.msg);
		cr_assert_eq(g.invalid, 0, "%s: emitted an invalid record", name);
		if (phrase) {
			cr_assert_eq(g.nrec, 0, "%s", name);
			cr_assert_eq(g.nrej, 1, "%s", name);
			cr_assert(strncmp(g.reasons[0], "invalid eForms notice: ", 23) == 0, "%s: %s",
				  name, g.reasons[0]);
			cr_assert_not_null(strstr(g.reasons[0], phrase), "%s: %s", name, g.reasons[0]);
			cr_assert_gt(g.lines[0], 0);
			rej_invalid++;
		} else if (strncmp(name, "X0", 2) == 0) {
			cr_assert_eq(g.nrec, 0, "%s", name);
			cr_assert_eq(g.nrej, 1, "%s", name);
			cr_assert_not_null(strstr(g.reasons[0], "not a procurement notice"), "%s: %s",
					   name, g.reasons[0]);
			rej_brin++;
		} else {
			cr_assert_eq(g.nrej, 0, "%s: rejected: %s", name, g.nrej ? g.reasons[0] : "");
			cr_assert_eq(g.nrec, 1, "%s", name);
			cr_assert_str_eq(g.rec[0].kind, "procurement");
			cr_assert_str_eq(g.rec[0].sources[0].format, "eforms");
			cr_assert_str_eq(g.rec[0].sources[0].url, "https://example.org/notice.xml");
			cr_assert_str_eq(g.rec[0].sources[0].sha256, HASH);
			cr_assert_null(g.rec[0].sources[0].licence);
			cr_assert_gt(g.rec[0].cpv.n, 0, "%s: no cpv", name);
			if (strncmp(g.rec[0].id, "ted-", 4) == 0)
				ted_ids++;
			if (strcmp(g.rec[0].language, "sv") == 0)
				sv++;
			for (size_t k = 0; k < emitted; k++)
				cr_assert_str_neq(ids[k], g.rec[0].id, "%s: id repeats", name);
			ids = realloc(ids, (emitted + 1) * sizeof *ids);
			ids[emitted++] = strdup(g.rec[0].id);
		}
		tu_got_release(&g);
	}
	cr_assert_eq(emitted, 78);
	cr_assert_eq(rej_invalid, 12);
	cr_assert_eq(rej_brin, 2);
	cr_assert_eq(ted_ids, 1);
	cr_assert_eq(sv, 1); /* cn_24_multilingual has a Swedish title */
	for (size_t k = 0; k < emitted; k++)
		free(ids[k]);
	free(ids);
	globfree(&gl);
	free(pat);
}

/* The real TED folder: all 24 give one record, none is rejected, and the
 * id is the one the file name's publication number gives
 * (2024-OJS047-00137599.xml -> ted-2024-00137599; the hand-modified
 * -modif copy keeps the original's number and id). */
Test(parse_eforms, ted_folder_every_file)
{
	char *pat = tu_shared("ted-eforms/*.xml");
	glob_t gl;
	size_t sv = 0;

	cr_assert_eq(glob(pat, 0, NULL, &gl), 0);
	cr_assert_eq(gl.gl_pathc, 24);
	for (size_t i = 0; i < gl.gl_pathc; i++) {
		const char *name = base_name(gl.gl_pathv[i]);
		struct tu_got g = {0};
		struct cl_errbuf eb;
		char want[64];
		int rc = parse_file(eforms_parse_mem, gl.gl_pathv[i], &g, &eb);

		cr_assert_eq(rc, CL_OK, "%s: %s", name, eb.msg);
		cr_assert_eq(g.nrej, 0, "%s: %s", name, g.nrej ? g.reasons[0] : "");
		cr_assert_eq(g.nrec, 1, "%s", name);
		cr_assert_eq(g.invalid, 0);
		snprintf(want, sizeof want, "ted-%.4s-%.8s", name, name + 12);
		cr_assert_str_eq(g.rec[0].id, want, "%s", name);
		cr_assert_not_null(g.rec[0].published, "%s", name);
		cr_assert_not_null(g.rec[0].buyer.country, "%s", name);
		cr_assert_not_null(g.rec[0].language, "%s", name);
		if (strcmp(g.rec[0].language, "sv") == 0)
			sv++;
		tu_got_release(&g);
	}
	/* Swedish text exists in three: the Finnish/Swedish Kristinestad notice
	 * and two multilingual EU notices (00522031, 00524889). */
	cr_assert_eq(sv, 3);
	globfree(&gl);
	free(pat);
}

/* The North-Sweden hydrogen tender (an English PIN used as a call). */
Test(parse_eforms, hydrogen_notice_fields)
{
	struct tu_got g = {0};
	const struct case_record *c;

	parse_shared("ted-eforms/2024-OJS047-00137599.xml", &g);
	cr_assert_eq(g.nrec, 1);
	c = &g.rec[0];
	cr_assert_str_eq(c->id, "ted-2024-00137599");
	cr_assert_str_eq(c->title, "Tender for 6 hydrogen refueling systems in North-Sweden");
	cr_assert_str_eq(c->summary,
			 "Fountain Fuel is starting a tender for the purchase of 6 Hydrogen "
			 "Refueling Stations.");
	cr_assert_str_eq(c->language, "en");
	cr_assert_str_eq(c->buyer.name, "Fountain Fuel B.V.");
	cr_assert_str_eq(c->buyer.country, "NL");
	cr_assert_str_eq(c->buyer.nuts, "NL33A");
	cr_assert_null(c->buyer.org_number); /* not Swedish */
	cr_assert_null(c->authority_type);   /* the notice gives no buyer-legal-type */
	cr_assert_eq(c->sectors.n, 1);
	cr_assert_str_eq(c->sectors.v[0], "gas-heat");
	cr_assert_eq(c->cpv.n, 1);
	cr_assert_str_eq(c->cpv.v[0], "09121000");
	cr_assert_str_eq(c->categories.v[0], "09");
	cr_assert_str_eq(c->procedure, "comp-dial");
	/* environmental-impact "other" on the lot */
	cr_assert(tu_has(&c->strategic, "env") && tu_has(&c->strategic, "env-other"));
	cr_assert_eq(c->strategic.n, 2);
	cr_assert(tu_has(&c->goals, "sdg-12")); /* env, flag_goal.tsv */
	cr_assert_str_eq(c->published, "2024-03-06");
	cr_assert_eq(c->has_value, 0);
	tu_got_release(&g);
}

/* The Finnish/Swedish notice from Kristinestad: Swedish text first, the
 * Finnish original kept in the body. */
Test(parse_eforms, bilingual_notice_keeps_swedish)
{
	struct tu_got g = {0};
	const struct case_record *c;

	parse_shared("ted-eforms/2024-OJS170-00525037.xml", &g);
	cr_assert_eq(g.nrec, 1);
	c = &g.rec[0];
	cr_assert_str_eq(c->id, "ted-2024-00525037");
	cr_assert_str_eq(c->language, "sv");
	cr_assert_not_null(strstr(c->title, "Kristinestads upphandling av transportservice"));
	cr_assert(strncmp(c->summary, "Föremål för denna upphandlig är Staden Kristinestads "
				      "elevtransporter.",
			  strlen("Föremål för denna upphandlig är Staden Kristinestads "
				 "elevtransporter.")) == 0,
		  "%s", c->summary);
	cr_assert_not_null(strstr(c->body, "## Original text (fi)"));
	cr_assert_not_null(
		strstr(c->body, "Hankinnan kohteena ovat Kristiinankaupungin kaupungin oppilaskuljetukset"));
	cr_assert_not_null(strstr(c->body, "## LOT-0001: B1 Alakylä"));
	cr_assert_str_eq(c->buyer.country, "FI");
	cr_assert_str_eq(c->buyer.nuts, "FI195");
	cr_assert_str_eq(c->authority_type, "la");
	cr_assert_str_eq(c->sectors.v[0], "gen-pub");
	cr_assert_str_eq(c->procedure, "open");
	cr_assert(tu_has(&c->categories, "60"));
	cr_assert_str_eq(c->cpv.v[0], "60100000");
	cr_assert_eq(c->has_value, 1);
	cr_assert_float_eq(c->value_amount, 2100000.0, 0.001);
	cr_assert_str_eq(c->value_currency, "EUR");
	cr_assert_str_eq(c->awarded, "2024-07-22");
	cr_assert_str_eq(c->published, "2024-09-02");
	tu_got_release(&g);
}

/* The SDK's maximal contract notice: the strategic-procurement codes and
 * the goals they map to (clim-mitig -> mkm-1, sdg-13 as DESIGN.md says). */
Test(parse_eforms, maximal_notice_strategic_and_goals)
{
	struct tu_got g = {0};
	const struct case_record *c;
	static const char *const strategic[] = {"env", "clim-mitig", "soc", "acc-all", "inn"};
	static const char *const goals[] = {"mkm-1", "sdg-13", "sdg-10", "sdg-11",
					    "sdg-12", "sdg-8", "sdg-9"};

	parse_shared("eforms-sdk/notices/cn_24_maximal.xml", &g);
	c = &g.rec[0];
	cr_assert_str_eq(c->id, "eforms-14549263-b47b-4e59-96a1-2d0d13e19343");
	cr_assert_str_eq(c->title, "Procurement Title ---");
	cr_assert_str_eq(c->language, "en");
	cr_assert_str_eq(c->authority_type, "body-pl");
	cr_assert_str_eq(c->buyer.country, "LU");
	cr_assert_str_eq(c->procedure, "neg-w-call");
	cr_assert_eq(c->strategic.n, 5);
	for (size_t i = 0; i < 5; i++)
		cr_assert(tu_has(&c->strategic, strategic[i]), "%s", strategic[i]);
	cr_assert_eq(c->goals.n, 7);
	for (size_t i = 0; i < 7; i++)
		cr_assert(tu_has(&c->goals, goals[i]), "%s", goals[i]);
	cr_assert_eq(c->innovation.n, 1);
	cr_assert_str_eq(c->innovation.v[0], "proc-innov");
	/* procedure main code and the lots' */
	cr_assert(tu_has(&c->cpv, "79710000") && tu_has(&c->cpv, "75121000"));
	cr_assert(tu_has(&c->categories, "79") && tu_has(&c->categories, "75"));
	cr_assert_float_eq(c->value_amount, 9999999.99, 0.001);
	tu_got_release(&g);
}

/* A French award notice of a public undertaking of a local authority. */
Test(parse_eforms, french_award_notice)
{
	struct tu_got g = {0};
	const struct case_record *c;

	parse_shared("eforms-sdk/notices/can_24_FRA_comments.xml", &g);
	c = &g.rec[0];
	cr_assert_str_eq(c->language, "fr");
	cr_assert_str_eq(c->title,
			 "Service d'entretien de remise en état et de nettoyage des espaces verts");
	cr_assert_str_eq(c->buyer.name, "Rouen Habitat");
	cr_assert_str_eq(c->buyer.country, "FR");
	cr_assert_str_eq(c->authority_type, "pub-la"); /* pub-undert-la */
	cr_assert_str_eq(c->sectors.v[0], "hc-am");
	cr_assert_str_eq(c->categories.v[0], "77");
	cr_assert_str_eq(c->procedure, "open");
	cr_assert_str_eq(c->awarded, "2019-09-03");
	cr_assert_float_eq(c->value_amount, 390697.84, 0.001);
	cr_assert_not_null(strstr(c->body, "## LOT-0002: Agence Hauts de Rouen"));
	tu_got_release(&g);
}

/* An innovation partnership: the procedure implies strategic "inn". */
Test(parse_eforms, innovation_partnership)
{
	struct tu_got g = {0};
	const struct case_record *c;

	parse_shared("eforms-sdk/notices/cn-social_25.xml", &g);
	c = &g.rec[0];
	cr_assert_str_eq(c->procedure, "innovation");
	cr_assert(tu_has(&c->strategic, "inn"));
	cr_assert(tu_has(&c->goals, "sdg-9"));
	cr_assert(tu_has(&c->innovation, "rd-act"));
	cr_assert(tu_has(&c->strategic, "biodiv-eco") && tu_has(&c->goals, "mkm-16"));
	tu_got_release(&g);
}

/* A multilingual SDK notice with a Swedish title: Swedish is chosen over
 * the notice language (English), also for the buyer's name. */
Test(parse_eforms, multilingual_prefers_swedish)
{
	struct tu_got g = {0};
	const struct case_record *c;

	parse_shared("eforms-sdk/notices/cn_24_multilingual.xml", &g);
	c = &g.rec[0];
	cr_assert_str_eq(c->language, "sv");
	cr_assert(strncmp(c->title, "Tillhandahållande av IT-tjänster", 33) == 0, "%s", c->title);
	cr_assert_str_eq(c->buyer.name, "Europeiska unionens publikationsbyrå");
	cr_assert_not_null(strstr(c->body, "## Original text (en)\n\nProvision of IT Services"));
	tu_got_release(&g);
}

/* ---- a hand-made Swedish notice ------------------------------------------- */

#define NS_DECL                                                                          \
	"xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2\" "      \
	"xmlns:cac=\"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2\" " \
	"xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\" " \
	"xmlns:ext=\"urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2\" " \
	"xmlns:efac=\"http://data.europa.eu/p27/eforms-ubl-extension-aggregate-components/1\" " \
	"xmlns:efbc=\"http://data.europa.eu/p27/eforms-ubl-extension-basic-components/1\" " \
	"xmlns:efext=\"http://data.europa.eu/p27/eforms-ubl-extensions/1\""

static const char swedish_notice[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<ContractNotice " NS_DECL ">\n"
	"<ext:UBLExtensions><ext:UBLExtension><ext:ExtensionContent><efext:EformsExtension>\n"
	"<efac:Organizations><efac:Organization><efac:Company>\n"
	" <cac:PartyIdentification><cbc:ID>ORG-0001</cbc:ID></cac:PartyIdentification>\n"
	" <cac:PartyName><cbc:Name languageID=\"ENG\">Municipality of Uppsala</cbc:Name></cac:PartyName>\n"
	" <cac:PartyName><cbc:Name languageID=\"SWE\">Uppsala kommun</cbc:Name></cac:PartyName>\n"
	" <cac:PostalAddress><cbc:CountrySubentityCode listName=\"nuts\">SE121</cbc:CountrySubentityCode>"
	"<cac:Country><cbc:IdentificationCode listName=\"country\">SWE</cbc:IdentificationCode>"
	"</cac:Country></cac:PostalAddress>\n"
	" <cac:PartyLegalEntity><cbc:CompanyID>SE212000300501</cbc:CompanyID></cac:PartyLegalEntity>\n"
	"</efac:Company></efac:Organization></efac:Organizations>\n"
	"<!--PUB-->\n"
	"</efext:EformsExtension></ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>\n"
	"<cbc:ID schemeName=\"notice-id\">0b0e4a6c-1d2e-4f3a-9b8c-7d6e5f4a3b2c</cbc:ID>\n"
	"<cbc:IssueDate>2024-05-02+02:00</cbc:IssueDate>\n"
	"<cbc:NoticeTypeCode listName=\"competition\">cn-standard</cbc:NoticeTypeCode>\n"
	"<cbc:NoticeLanguageCode>ENG</cbc:NoticeLanguageCode>\n"
	"<cac:AdditionalNoticeLanguage><cbc:ID>SWE</cbc:ID></cac:AdditionalNoticeLanguage>\n"
	"<cac:ContractingParty>\n"
	" <cac:ContractingPartyType><cbc:PartyTypeCode listName=\"buyer-legal-type\">la</cbc:PartyTypeCode></cac:ContractingPartyType>\n"
	" <cac:ContractingActivity><cbc:ActivityTypeCode listName=\"authority-activity\">education</cbc:ActivityTypeCode></cac:ContractingActivity>\n"
	" <cac:Party><cac:PartyIdentification><cbc:ID>ORG-0001</cbc:ID></cac:PartyIdentification></cac:Party>\n"
	"</cac:ContractingParty>\n"
	"<cac:TenderingProcess><cbc:ProcedureCode listName=\"procurement-procedure-type\">innovation</cbc:ProcedureCode></cac:TenderingProcess>\n"
	"<cac:ProcurementProject>\n"
	" <cbc:Name languageID=\"ENG\">Innovation partnership for school meals</cbc:Name>\n"
	" <cbc:Name languageID=\"SWE\">Innovationspartnerskap för skolmåltider</cbc:Name>\n"
	" <cbc:Description languageID=\"ENG\">Climate-smart school meals.</cbc:Description>\n"
	" <cbc:Description languageID=\"SWE\">Klimatsmarta skolmåltider.</cbc:Description>\n"
	" <cac:ProcurementAdditionalType><cbc:ProcurementTypeCode listName=\"social-objective\">gen-eq</cbc:ProcurementTypeCode></cac:ProcurementAdditionalType>\n"
	" <cac:MainCommodityClassification><cbc:ItemClassificationCode listName=\"cpv\">55524000</cbc:ItemClassificationCode></cac:MainCommodityClassification>\n"
	" <cac:RequestedTenderTotal><cbc:EstimatedOverallContractAmount currencyID=\"SEK\">12500000</cbc:EstimatedOverallContractAmount></cac:RequestedTenderTotal>\n"
	"</cac:ProcurementProject>\n"
	"<cac:ProcurementProjectLot>\n"
	" <cbc:ID schemeName=\"Lot\">LOT-0001</cbc:ID>\n"
	" <cac:ProcurementProject>\n"
	"  <cbc:Name languageID=\"ENG\">Lunches</cbc:Name><cbc:Name languageID=\"SWE\">Luncher</cbc:Name>\n"
	"  <cbc:Description languageID=\"SWE\">Luncher för grundskolor.</cbc:Description>\n"
	"  <cac:ProcurementAdditionalType><cbc:ProcurementTypeCode listName=\"environmental-impact\">clim-mitig</cbc:ProcurementTypeCode></cac:ProcurementAdditionalType>\n"
	"  <cac:ProcurementAdditionalType><cbc:ProcurementTypeCode listName=\"innovative-acquisition\">prod-innov</cbc:ProcurementTypeCode></cac:ProcurementAdditionalType>\n"
	"  <cac:MainCommodityClassification><cbc:ItemClassificationCode listName=\"cpv\">15894210</cbc:ItemClassificationCode></cac:MainCommodityClassification>\n"
	" </cac:ProcurementProject>\n"
	"</cac:ProcurementProjectLot>\n"
	"<!--LOTS-->\n"
	"</ContractNotice>\n";

#define PUBLICATION                                                                         \
	"<efac:Publication><efbc:NoticePublicationID schemeName=\"ojs-notice-id\">00254321-2024" \
	"</efbc:NoticePublicationID><efbc:PublicationDate>2024-05-06Z</efbc:PublicationDate>"   \
	"</efac:Publication>"

Test(parse_eforms, swedish_buyer_and_goal_mappings)
{
	struct tu_got g = {0};
	struct cl_errbuf eb;
	const struct case_record *c;
	static const char *const strategic[] = {"inn", "soc", "gen-eq", "env", "clim-mitig"};
	static const char *const goals[] = {"sdg-5", "mkm-1", "sdg-13", "sdg-9", "sdg-8", "sdg-12"};

	cr_assert_eq(parse_buf(eforms_parse_mem, swedish_notice, strlen(swedish_notice),
			       "https://example.org/n.xml", &g, &eb),
		     CL_OK, "%s", eb.msg);
	cr_assert_eq(g.nrej, 0, "%s", g.nrej ? g.reasons[0] : "");
	cr_assert_eq(g.nrec, 1);
	c = &g.rec[0];
	cr_assert_str_eq(c->id, "eforms-0b0e4a6c-1d2e-4f3a-9b8c-7d6e5f4a3b2c");
	cr_assert_str_eq(c->language, "sv");
	cr_assert_str_eq(c->title, "Innovationspartnerskap för skolmåltider");
	cr_assert_str_eq(c->summary, "Klimatsmarta skolmåltider.");
	cr_assert_str_eq(c->body, "## LOT-0001: Luncher\n\nLuncher för grundskolor.\n\n"
				  "## Original text (en)\n\nInnovation partnership for school meals\n\n"
				  "Climate-smart school meals.");
	cr_assert_str_eq(c->buyer.name, "Uppsala kommun");
	cr_assert_str_eq(c->buyer.org_number, "212000-3005"); /* from the VAT number */
	cr_assert_str_eq(c->buyer.country, "SE");
	cr_assert_str_eq(c->buyer.nuts, "SE121");
	cr_assert_str_eq(c->authority_type, "la");
	cr_assert_str_eq(c->sectors.v[0], "education");
	cr_assert_str_eq(c->procedure, "innovation");
	cr_assert_eq(c->cpv.n, 2);
	cr_assert(tu_has(&c->categories, "55") && tu_has(&c->categories, "15"));
	cr_assert_eq(c->strategic.n, 5);
	for (size_t i = 0; i < 5; i++)
		cr_assert(tu_has(&c->strategic, strategic[i]), "%s", strategic[i]);
	cr_assert_eq(c->goals.n, 6);
	for (size_t i = 0; i < 6; i++)
		cr_assert(tu_has(&c->goals, goals[i]), "%s", goals[i]);
	cr_assert_str_eq(c->innovation.v[0], "prod-innov");
	cr_assert_str_eq(c->published, "2024-05-02"); /* not published: the issue date */
	cr_assert_float_eq(c->value_amount, 12500000.0, 0.001);
	cr_assert_str_eq(c->value_currency, "SEK");
	tu_got_release(&g);
}

/* Without the Swedish texts the record is in the notice language; a
 * foreign company id is not taken for an organisationsnummer. */
Test(parse_eforms, without_swedish_text_uses_notice_language)
{
	struct tu_got g = {0};
	struct cl_errbuf eb;
	char *a = tu_replace1(swedish_notice,
			   " <cbc:Name languageID=\"SWE\">Innovationspartnerskap för skolmåltider</cbc:Name>\n", "");
	char *b = tu_replace1(a, "SWE</cbc:IdentificationCode>", "DNK</cbc:IdentificationCode>");

	cr_assert_eq(parse_buf(eforms_parse_mem, b, strlen(b), "https://example.org/n.xml", &g, &eb),
		     CL_OK);
	cr_assert_eq(g.nrec, 1);
	cr_assert_str_eq(g.rec[0].language, "en");
	cr_assert_str_eq(g.rec[0].title, "Innovation partnership for school meals");
	cr_assert_str_eq(g.rec[0].summary, "Climate-smart school meals.");
	cr_assert_null(strstr(g.rec[0].body, "Original text"));
	cr_assert_str_eq(g.rec[0].buyer.country, "DK");
	cr_assert_null(g.rec[0].buyer.org_number);
	tu_got_release(&g);
	free(a);
	free(b);
}

/* A published notice: the id and the default source url come from the
 * publication number; an unpublished one without a url is an error. */
Test(parse_eforms, publication_number_gives_ted_id_and_url)
{
	struct tu_got g = {0};
	struct cl_errbuf eb;
	char *pub = tu_replace1(swedish_notice, "<!--PUB-->", PUBLICATION);

	cr_assert_eq(parse_buf(eforms_parse_mem, pub, strlen(pub), NULL, &g, &eb), CL_OK, "%s",
		     eb.msg);
	cr_assert_eq(g.nrec, 1);
	cr_assert_str_eq(g.rec[0].id, "ted-2024-00254321");
	cr_assert_str_eq(g.rec[0].published, "2024-05-06");
	cr_assert_str_eq(g.rec[0].sources[0].url,
			 "https://ted.europa.eu/en/notice/-/detail/254321-2024");
	tu_got_release(&g);
	cr_assert_eq(parse_buf(eforms_parse_mem, swedish_notice, strlen(swedish_notice), "", &g,
			       &eb),
		     CL_EINVAL);
	cr_assert_not_null(strstr(eb.msg, "no source url"), "%s", eb.msg);
	cr_assert_eq(g.nrec, 0);
	tu_got_release(&g);
	free(pub);
}

Test(parse_eforms, ted_ids)
{
	char id[CASE_ID_MAX + 1];
	static const char *const bad[] = {"", "2024", "-2024", "123456789-2024", "1234-24",
					  "1234-20245", "12a4-2024", "00137599_2024"};

	cr_assert_eq(eforms_ted_id(id, "00137599-2024"), CL_OK);
	cr_assert_str_eq(id, "ted-2024-00137599");
	cr_assert_eq(eforms_ted_id(id, "352907-2021"), CL_OK);
	cr_assert_str_eq(id, "ted-2021-00352907");
	cr_assert_eq(eforms_ted_id(id, "8689-2021"), CL_OK);
	cr_assert_str_eq(id, "ted-2021-00008689");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_eq(eforms_ted_id(id, bad[i]), CL_EINVAL, "%s", bad[i]);
}

/* 300 lots of 1,000 characters: the body is cut to the record's limit
 * (at a sentence end) and the record stays valid. */
Test(parse_eforms, long_body_is_cut_to_the_limit)
{
	struct tu_got g = {0};
	struct cl_errbuf eb;
	char sentence[] = "Leverans av skolmåltider enligt bilaga. ";
	char *lots = NULL, *doc;
	size_t n = 0;

	for (int i = 0; i < 300; i++) {
		char head[200];
		int k = snprintf(head, sizeof head,
				 "<cac:ProcurementProjectLot><cbc:ID schemeName=\"Lot\">LOT-%04d</cbc:ID>"
				 "<cac:ProcurementProject><cbc:Name languageID=\"SWE\">Del %d</cbc:Name>"
				 "<cbc:Description languageID=\"SWE\">",
				 i + 2, i + 2);
		lots = realloc(lots, n + (size_t)k + 25 * sizeof sentence + 200);
		memcpy(lots + n, head, (size_t)k);
		n += (size_t)k;
		for (int s = 0; s < 25; s++) {
			memcpy(lots + n, sentence, sizeof sentence - 1);
			n += sizeof sentence - 1;
		}
		n += (size_t)sprintf(lots + n,
				     "</cbc:Description></cac:ProcurementProject></cac:ProcurementProjectLot>");
	}
	lots[n] = '\0';
	doc = tu_replace1(swedish_notice, "<!--LOTS-->", lots);
	cr_assert_eq(parse_buf(eforms_parse_mem, doc, strlen(doc), "https://example.org/n.xml", &g,
			       &eb),
		     CL_OK, "%s", eb.msg);
	cr_assert_eq(g.nrec, 1, "%s", g.nrej ? g.reasons[0] : "");
	cr_assert_eq(g.invalid, 0);
	cr_assert_leq(strlen(g.rec[0].body), (size_t)CASE_BODY_MAX_BYTES);
	cr_assert_gt(strlen(g.rec[0].body), (size_t)CASE_BODY_MAX_BYTES - 2000);
	cr_assert(g.rec[0].body[strlen(g.rec[0].body) - 1] == '.', "cut mid-sentence");
	tu_got_release(&g);
	free(lots);
	free(doc);
}

/* ---- payloads that are not eForms notices --------------------------------- */

Test(parse_eforms, unusable_payloads_fail_with_a_reason)
{
	static const struct {
		const char *data, *phrase;
	} cases[] = {
		{"", "empty input"},
		{"{\"releases\": []}", "not well-formed XML"},
		{"just text", "not well-formed XML"},
		{"<ContractNotice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2\">"
		 "<open>",
		 "not well-formed XML"},
		{"<foo/>", "the root element <foo> is not an eForms notice"},
		{"<ContractNotice/>", "the root element <ContractNotice> is not an eForms notice"},
		{"<TED_EXPORT xmlns=\"http://publications.europa.eu/resource/schema/ted/R2.0.9/"
		 "publication\"/>",
		 "is not an eForms notice"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tu_got g = {0};
		struct cl_errbuf eb;
		int rc = parse_buf(eforms_parse_mem, cases[i].data, strlen(cases[i].data),
				   "https://example.org/n.xml", &g, &eb);

		cr_assert_eq(rc, CL_EPARSE, "case %zu: rc %d", i, rc);
		cr_assert_not_null(strstr(eb.msg, cases[i].phrase), "case %zu: %s", i, eb.msg);
		cr_assert(strncmp(eb.msg, "eforms: ", 8) == 0, "%s", eb.msg);
		cr_assert_eq(g.nrec + g.nrej, 0);
		tu_got_release(&g);
	}
}

/* Every real notice cut in half is malformed XML: an error, no record. */
Test(parse_eforms, truncated_notices)
{
	char *pat = tu_shared("ted-eforms/*.xml");
	glob_t gl;

	cr_assert_eq(glob(pat, 0, NULL, &gl), 0);
	for (size_t i = 0; i < gl.gl_pathc; i++) {
		size_t len;
		char *data = tu_read_file(gl.gl_pathv[i], &len);
		struct tu_got g = {0};
		struct cl_errbuf eb;
		int rc = parse_buf(eforms_parse_mem, data, len / 2, "https://example.org/n.xml", &g,
				   &eb);

		cr_assert_eq(rc, CL_EPARSE, "%s", gl.gl_pathv[i]);
		cr_assert_not_null(strstr(eb.msg, "not well-formed XML: line "), "%s", eb.msg);
		cr_assert_eq(g.nrec, 0);
		tu_got_release(&g);
		free(data);
	}
	globfree(&gl);
	free(pat);
}

Test(parse_eforms, caller_errors)
{
	struct tu_got g = {0};
	struct cl_errbuf eb;
	struct parse_src nowhen = {"https://example.org/n.xml", NULL, NULL};
	struct parse_sink sink = {tu_got_emit, tu_got_reject, &g};
	struct parse_sink noemit = {NULL, tu_got_reject, &g};
	struct parse_src src = {"https://example.org/n.xml", WHEN, NULL};

	cr_assert_eq(eforms_parse_mem(swedish_notice, strlen(swedish_notice), &nowhen, &sink, &eb),
		     CL_EINVAL);
	cr_assert_not_null(strstr(eb.msg, "retrieved_at"));
	cr_assert_eq(eforms_parse_mem(swedish_notice, strlen(swedish_notice), &src, &noemit, &eb),
		     CL_EINVAL);
	/* the receiver's error stops the parse and is returned */
	g.stop_with = CL_EIO;
	cr_assert_eq(eforms_parse_mem(swedish_notice, strlen(swedish_notice), &src, &sink, &eb),
		     CL_EIO);
	cr_assert_eq(g.nrec, 1);
	tu_got_release(&g);
}

/* ---- mapping tables row by row -------------------------------------------- */

/* A one-key table against one code list: every key is an official code,
 * every official code has a row, every target is a code of the facet. */
static void check_complete(const char *table, const char *list, enum tax_facet f,
			   size_t want_rows)
{
	struct maptab t;
	char codes[64][48];
	size_t n = tu_gc_codes(list, codes, 64);

	tu_load_map(&t, table, eforms_load_map);
	cr_assert_eq(t.nrows, want_rows, "%s", table);
	cr_assert_eq(n, want_rows, "%s", list);
	for (size_t r = 0; r < t.nrows; r++) {
		const char *key = maptab_cell(&t, r, 0), *to = maptab_cell(&t, r, 1);

		cr_assert(tu_in_codes(codes, n, key), "%s line %ld: %s is not in %s.gc", table,
			  t.line[r], key, list);
		cr_assert(strcmp(to, "-") == 0 || tax_lookup(f, to), "%s line %ld: %s", table,
			  t.line[r], to);
	}
	for (size_t i = 0; i < n; i++) {
		const char *k[1] = {codes[i]};
		cr_assert_geq(maptab_find(&t, 0, k, 1), 0, "%s lacks %s", table, codes[i]);
	}
	maptab_release(&t);
}

Test(eforms_maps, legal_type)
{
	check_complete("eforms_legal_type", "buyer-legal-type", TAX_AUTHORITY_TYPE, 19);
}

Test(eforms_maps, activity)
{
	struct maptab t;

	check_complete("eforms_activity", "main-activity", TAX_SECTORS, 20);
	tu_load_map(&t, "eforms_activity", eforms_load_map);
	for (size_t r = 0; r < t.nrows; r++) /* our sectors are the eForms codes */
		cr_assert_str_eq(maptab_cell(&t, r, 0), maptab_cell(&t, r, 1));
	maptab_release(&t);
}

Test(eforms_maps, procedure)
{
	struct maptab t;

	check_complete("eforms_procedure", "procurement-procedure-type", TAX_PROCEDURE, 10);
	tu_load_map(&t, "eforms_procedure", eforms_load_map);
	for (size_t r = 0; r < t.nrows; r++) {
		const char *s = maptab_cell(&t, r, 2);

		cr_assert_str_eq(maptab_cell(&t, r, 0), maptab_cell(&t, r, 1));
		cr_assert(strcmp(s, "-") == 0 || tax_lookup(TAX_STRATEGIC, s));
		/* only the innovation partnership implies an aim */
		cr_assert_eq(strcmp(s, "-") != 0, strcmp(maptab_cell(&t, r, 0), "innovation") == 0);
	}
	maptab_release(&t);
}

/* The tables keyed by (code list, code). */
static const char *const strategic_lists[] = {"strategic-procurement", "environmental-impact",
					      "social-objective", "innovative-acquisition",
					      "gpp-criteria"};

Test(eforms_maps, strategic)
{
	struct maptab t;

	tu_load_map(&t, "eforms_strategic", eforms_load_map);
	cr_assert_eq(t.ncols, 3);
	for (size_t r = 0; r < t.nrows; r++) {
		char codes[32][48];
		const char *list = maptab_cell(&t, r, 0), *code = maptab_cell(&t, r, 1);
		const char *to = maptab_cell(&t, r, 2);
		size_t n = tu_gc_codes(list, codes, 32);

		cr_assert(tu_in_codes(codes, n, code), "line %ld: %s is not in %s.gc", t.line[r], code,
			  list);
		cr_assert(strcmp(to, "-") == 0 || tax_lookup(TAX_STRATEGIC, to), "line %ld: %s",
			  t.line[r], to);
	}
	/* every code of every list is covered */
	for (size_t l = 0; l < sizeof strategic_lists / sizeof strategic_lists[0]; l++) {
		char codes[32][48];
		size_t n = tu_gc_codes(strategic_lists[l], codes, 32);

		for (size_t i = 0; i < n; i++) {
			const char *k[2] = {strategic_lists[l], codes[i]};
			cr_assert_geq(maptab_find(&t, 0, k, 2), 0, "no row for %s %s",
				      strategic_lists[l], codes[i]);
		}
	}
	/* the finer codes keep their name ("other" is renamed), and imply the aim */
	{
		const char *k1[2] = {"environmental-impact", "other"};
		const char *k2[2] = {"social-objective", "gen-eq"};
		const char *out[8];
		size_t n = maptab_codes(&t, k1, 2, 2, out, 8, NULL);

		cr_assert_eq(n, 2);
		cr_assert(strcmp(out[0], "env") == 0 && strcmp(out[1], "env-other") == 0);
		n = maptab_codes(&t, k2, 2, 2, out, 8, NULL);
		cr_assert(n == 2 && strcmp(out[0], "soc") == 0 && strcmp(out[1], "gen-eq") == 0);
	}
	maptab_release(&t);
}

Test(eforms_maps, env_goal)
{
	struct maptab t;
	static const char *const lists[] = {"environmental-impact", "social-objective"};
	const char *out[8];

	tu_load_map(&t, "eforms_env_goal", eforms_load_map);
	for (size_t r = 0; r < t.nrows; r++) {
		char codes[32][48];
		const char *list = maptab_cell(&t, r, 0), *code = maptab_cell(&t, r, 1);
		const char *to = maptab_cell(&t, r, 2);
		size_t n = tu_gc_codes(list, codes, 32);

		cr_assert(tu_in_codes(codes, n, code), "line %ld: %s not in %s.gc", t.line[r], code, list);
		cr_assert(strcmp(to, "-") == 0 || tax_lookup(TAX_GOALS, to), "line %ld: %s",
			  t.line[r], to);
	}
	for (size_t l = 0; l < 2; l++) {
		char codes[32][48];
		size_t n = tu_gc_codes(lists[l], codes, 32);

		for (size_t i = 0; i < n; i++) {
			const char *k[2] = {lists[l], codes[i]};
			cr_assert_geq(maptab_find(&t, 0, k, 2), 0, "no row for %s", codes[i]);
		}
	}
	/* the examples DESIGN.md gives */
	{
		const char *k[2] = {"environmental-impact", "clim-mitig"};
		size_t n = maptab_codes(&t, k, 2, 2, out, 8, NULL);

		cr_assert_eq(n, 2);
		cr_assert_str_eq(out[0], "mkm-1");
		cr_assert_str_eq(out[1], "sdg-13");
	}
	{
		const char *k[2] = {"social-objective", "gen-eq"};
		size_t n = maptab_codes(&t, k, 2, 2, out, 8, NULL);

		cr_assert_eq(n, 1);
		cr_assert_str_eq(out[0], "sdg-5");
	}
	maptab_release(&t);
}

/* Keys "code|name|LIST.CODE" of the SDK's English translations. */
static size_t translation_codes(const char *list, char codes[][8], size_t max)
{
	char *path = tu_shared("eforms-sdk/translations/code_en.xml"), key[64];
	char *data = tu_read_file(path, NULL), *p;
	size_t n = 0, kl;

	cr_assert_not_null(data);
	kl = (size_t)snprintf(key, sizeof key, "key=\"code|name|%s.", list);
	for (p = strstr(data, key); p; p = strstr(p + 1, key)) {
		const char *s = p + kl;
		size_t l = strcspn(s, "\"");

		cr_assert_lt(n, max);
		cr_assert_lt(l, 8);
		memcpy(codes[n], s, l);
		codes[n++][l] = '\0';
	}
	free(data);
	free(path);
	return n;
}

Test(eforms_maps, country)
{
	static char codes[300][8];
	struct maptab t;
	size_t n = translation_codes("country", codes, 300);

	cr_assert_eq(n, 246);
	tu_load_map(&t, "eforms_country", eforms_load_map);
	cr_assert_eq(t.nrows, n);
	for (size_t r = 0; r < t.nrows; r++) {
		const char *a3 = maptab_cell(&t, r, 0), *a2 = maptab_cell(&t, r, 1);
		int found = 0;

		for (size_t i = 0; i < n && !found; i++)
			found = strcmp(codes[i], a3) == 0;
		cr_assert(found, "line %ld: %s is not an eForms country code", t.line[r], a3);
		cr_assert(strcmp(a2, "-") == 0 ||
				  (strlen(a2) == 2 && a2[0] >= 'A' && a2[0] <= 'Z' && a2[1] >= 'A' &&
				   a2[1] <= 'Z'),
			  "line %ld: %s", t.line[r], a2);
		for (size_t q = 0; q < r; q++) /* one country, one code */
			cr_assert(strcmp(a2, "-") == 0 || strcmp(maptab_cell(&t, q, 1), a2) != 0,
				  "line %ld: %s twice", t.line[r], a2);
	}
	{
		const char *k[1] = {"SWE"};
		cr_assert_str_eq(maptab_cell(&t, (size_t)maptab_find(&t, 0, k, 1), 1), "SE");
		k[0] = "GRC";
		cr_assert_str_eq(maptab_cell(&t, (size_t)maptab_find(&t, 0, k, 1), 1), "GR");
		k[0] = "GBR";
		cr_assert_str_eq(maptab_cell(&t, (size_t)maptab_find(&t, 0, k, 1), 1), "GB");
	}
	maptab_release(&t);
}

Test(eforms_maps, language)
{
	static char codes[200][8], eu[40][8];
	struct maptab t;
	size_t n = translation_codes("language", codes, 200);
	size_t neu = translation_codes("eu-official-language", eu, 40);

	cr_assert_eq(n, 147);
	cr_assert_eq(neu, 24);
	tu_load_map(&t, "eforms_language", eforms_load_map);
	cr_assert_eq(t.nrows, n);
	for (size_t r = 0; r < t.nrows; r++) {
		const char *l3 = maptab_cell(&t, r, 0), *l2 = maptab_cell(&t, r, 1);
		int found = 0;

		for (size_t i = 0; i < n && !found; i++)
			found = strcmp(codes[i], l3) == 0;
		cr_assert(found, "line %ld: %s", t.line[r], l3);
		cr_assert(strcmp(l2, "-") == 0 ||
				  (strlen(l2) == 2 && l2[0] >= 'a' && l2[0] <= 'z' && l2[1] >= 'a' &&
				   l2[1] <= 'z'),
			  "line %ld: %s", t.line[r], l2);
	}
	/* every official EU language has a two-letter code */
	for (size_t i = 0; i < neu; i++) {
		const char *k[1] = {eu[i]};
		long r = maptab_find(&t, 0, k, 1);

		cr_assert_geq(r, 0, "%s", eu[i]);
		cr_assert_str_neq(maptab_cell(&t, (size_t)r, 1), "-", "%s", eu[i]);
	}
	{
		const char *k[1] = {"SWE"};
		cr_assert_str_eq(maptab_cell(&t, (size_t)maptab_find(&t, 0, k, 1), 1), "sv");
		k[0] = "FIN";
		cr_assert_str_eq(maptab_cell(&t, (size_t)maptab_find(&t, 0, k, 1), 1), "fi");
	}
	maptab_release(&t);
}

Test(eforms_maps, unknown_table)
{
	struct maptab t;
	struct cl_errbuf eb;

	maptab_init(&t);
	cr_assert_eq(eforms_load_map(&t, "eforms_nonesuch", &eb), CL_ENOTFOUND);
	cr_assert_not_null(strstr(eb.msg, "eforms_nonesuch"));
	maptab_release(&t);
}

/* ---- xmlsafe: hostile XML ------------------------------------------------- */

static const char billion_laughs[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE lolz [\n"
	" <!ENTITY lol \"lol\">\n"
	" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	" <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
	" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
	" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
	" <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
	" <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
	" <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
	" <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
	" <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
	"]>\n"
	"<ContractNotice " NS_DECL "><cbc:ID schemeName=\"notice-id\">&lol9;</cbc:ID></ContractNotice>\n";

static const char xxe[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE ContractNotice [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
	"<ContractNotice " NS_DECL "><cbc:ID schemeName=\"notice-id\">&x;</cbc:ID>"
	"<cac:ProcurementProject><cbc:Name>&x;</cbc:Name></cac:ProcurementProject></ContractNotice>\n";

static const char xxe_param[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE r [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>\n<r>x</r>\n";

static const char external_dtd[] =
	"<?xml version=\"1.0\"?>\n<!DOCTYPE r SYSTEM \"file:///etc/passwd\">\n<r>x</r>\n";

static const char xinclude[] =
	"<?xml version=\"1.0\"?>\n<r xmlns:xi=\"http://www.w3.org/2001/XInclude\">"
	"<xi:include href=\"file:///etc/passwd\" parse=\"text\"/></r>\n";

/* Runs f with stderr sent to a temporary file; returns what was written. */
static char *capture_stderr(void (*f)(void))
{
	char *dir = tu_tmpdir(), *path, *out;
	int saved = dup(2), fd;

	cr_assert(asprintf(&path, "%s/stderr", dir) > 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	fflush(stderr);
	dup2(fd, 2);
	f();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	out = tu_read_file(path, NULL);
	tu_rmtree(dir);
	free(dir);
	free(path);
	return out;
}

static int hostile_rc[6];
static char hostile_msg[6][CL_ERRBUF_SIZE];
static size_t hostile_records, hostile_rejects;
static int passwd_leaked;

static void run_hostile(void)
{
	const char *docs[] = {billion_laughs, xxe, xxe_param, external_dtd};
	parser_like_fn fns[] = {eforms_parse_mem, tedxml_parse_mem};

	hostile_records = hostile_rejects = 0;
	passwd_leaked = 0;
	for (size_t d = 0; d < 4; d++) {
		for (size_t f = 0; f < 2; f++) {
			struct tu_got g = {0};
			struct cl_errbuf eb;
			int rc = parse_buf(fns[f], docs[d], strlen(docs[d]), "https://example.org/n.xml",
					   &g, &eb);

			if (f == 0) {
				hostile_rc[d] = rc;
				snprintf(hostile_msg[d], sizeof hostile_msg[d], "%s", eb.msg);
			} else if (rc != hostile_rc[d]) {
				hostile_rc[d] = 99;
			}
			hostile_records += g.nrec;
			hostile_rejects += g.nrej;
			if (strstr(eb.msg, "root:") || strstr(eb.msg, "/bin/"))
				passwd_leaked = 1;
			for (size_t i = 0; i < g.nrej; i++)
				if (strstr(g.reasons[i], "root:"))
					passwd_leaked = 1;
			tu_got_release(&g);
		}
	}
}

/* Entity declarations, external entities and external DTDs are refused
 * by both parsers with a clear reason; nothing of /etc/passwd appears in
 * any output, nothing is printed. */
Test(xmlsafe, entities_and_dtds_are_refused)
{
	char *err = capture_stderr(run_hostile);

	cr_assert_str_eq(err, "", "stderr: %s", err);
	free(err);
	for (size_t d = 0; d < 4; d++)
		cr_assert_eq(hostile_rc[d], CL_EPARSE, "doc %zu: %d", d, hostile_rc[d]);
	cr_assert_not_null(strstr(hostile_msg[0], "declares an entity \"lol\""), "%s",
			   hostile_msg[0]);
	cr_assert_not_null(strstr(hostile_msg[1], "declares an external entity \"x\""), "%s",
			   hostile_msg[1]);
	cr_assert_not_null(strstr(hostile_msg[1], "entity declarations are not allowed"));
	cr_assert_not_null(strstr(hostile_msg[2], "entity \"p\""), "%s", hostile_msg[2]);
	cr_assert_not_null(strstr(hostile_msg[3], "external DTD"), "%s", hostile_msg[3]);
	cr_assert_eq(hostile_records, 0);
	cr_assert_eq(hostile_rejects, 0);
	cr_assert_eq(passwd_leaked, 0);
}

/* XInclude is never processed: the include element stays an element. */
Test(xmlsafe, xinclude_is_not_processed)
{
	xmlDocPtr doc;
	struct cl_errbuf eb;
	char *text;

	cr_assert_eq(xmlsafe_parse(xinclude, strlen(xinclude), "t", &doc, &eb), CL_OK, "%s", eb.msg);
	text = xmlsafe_text(xmlDocGetRootElement(doc));
	cr_assert_str_eq(text, "");
	cr_assert_not_null(xmlsafe_child(xmlDocGetRootElement(doc), "http://www.w3.org/2001/XInclude",
					 "include"));
	free(text);
	xmlFreeDoc(doc);
}

/* A DOCTYPE that only names the root (no entities, no external DTD) is
 * harmless and accepted; predefined entities and character references
 * work. */
Test(xmlsafe, plain_doctype_and_predefined_entities)
{
	static const char doc_text[] = "<!DOCTYPE r>\n<r a=\"x&amp;y\">&lt;a&gt; &#229;&#xE4;</r>";
	xmlDocPtr doc;
	struct cl_errbuf eb;
	char *text;

	cr_assert_eq(xmlsafe_parse(doc_text, strlen(doc_text), "t", &doc, &eb), CL_OK, "%s", eb.msg);
	text = xmlsafe_text(xmlDocGetRootElement(doc));
	cr_assert_str_eq(text, "<a> åä");
	cr_assert_str_eq(xmlsafe_attr(xmlDocGetRootElement(doc), "a"), "x&y");
	free(text);
	xmlFreeDoc(doc);
}

Test(xmlsafe, depth_and_size_limits)
{
	char *deep = NULL;
	size_t n = 0;
	xmlDocPtr doc;
	struct cl_errbuf eb;
	char *big;

	/* 100 opening and closing tags */
	deep = malloc(100 * 7 + 1);
	cr_assert_not_null(deep);
	for (int i = 0; i < 100; i++)
		n += (size_t)sprintf(deep + n, "<a>");
	for (int i = 0; i < 100; i++)
		n += (size_t)sprintf(deep + n, "</a>");
	cr_assert_eq(xmlsafe_parse(deep, n, "t", &doc, &eb), CL_EPARSE);
	cr_assert_not_null(strstr(eb.msg, "nested deeper than 64 levels"), "%s", eb.msg);
	cr_assert_null(doc);
	/* 64 levels are fine */
	n = 0;
	for (int i = 0; i < 64; i++)
		n += (size_t)sprintf(deep + n, "<a>");
	for (int i = 0; i < 64; i++)
		n += (size_t)sprintf(deep + n, "</a>");
	cr_assert_eq(xmlsafe_parse(deep, n, "t", &doc, &eb), CL_OK, "%s", eb.msg);
	xmlFreeDoc(doc);
	free(deep);

	big = malloc(XMLSAFE_MAX_BYTES + 1);
	cr_assert_not_null(big);
	memset(big, ' ', XMLSAFE_MAX_BYTES + 1);
	memcpy(big, "<r>", 3);
	cr_assert_eq(xmlsafe_parse(big, XMLSAFE_MAX_BYTES + 1, "t", &doc, &eb), CL_ETOOBIG);
	cr_assert_not_null(strstr(eb.msg, "more than the limit"), "%s", eb.msg);
	cr_assert_eq(eforms_parse_mem(big, XMLSAFE_MAX_BYTES + 1,
				      &(struct parse_src){NULL, WHEN, NULL},
				      &(struct parse_sink){tu_got_emit, tu_got_reject, &(struct tu_got){0}},
				      &eb),
		     CL_ETOOBIG);
	free(big);
}

static void run_malformed(void)
{
	static const char *const bad[] = {"", "<", "<r>", "<r></s>", "<r a=1/>", "\xff\xfe<r/>",
					  "<r>&undefined;</r>", "<?xml version=\"1.0\"?>",
					  "<r/><r/>", "<r>\x01</r>"};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		xmlDoc dummy;
		xmlDocPtr doc = &dummy;
		struct cl_errbuf eb;
		int rc = xmlsafe_parse(bad[i], strlen(bad[i]), "t", &doc, &eb);

		cr_assert_eq(rc, CL_EPARSE, "case %zu", i);
		cr_assert_null(doc);
		cr_assert(strncmp(eb.msg, "t: ", 3) == 0 && strlen(eb.msg) > 10, "%s", eb.msg);
		cr_assert_null(strchr(eb.msg, '\n'), "multi-line message: %s", eb.msg);
	}
}

/* Malformed input: an error with libxml2's reason on one line, no tree,
 * and nothing on stderr. */
Test(xmlsafe, malformed_input_is_quiet)
{
	char *err = capture_stderr(run_malformed);

	cr_assert_str_eq(err, "", "stderr: %s", err);
	free(err);
}

Test(xmlsafe, tree_helpers)
{
	static const char t[] = "<TED xmlns=\"urn:x\"><A><B k=\"v\"> <C>\n code \n</C></B></A>"
				"<T><P>one</P><P>two <FT>x</FT></P></T><A/></TED>";
	xmlDocPtr doc;
	struct cl_errbuf eb;
	xmlNode *root, *c, *a2;
	char buf[16], *text;

	cr_assert_eq(xmlsafe_parse(t, strlen(t), "t", &doc, &eb), CL_OK);
	root = xmlDocGetRootElement(doc);
	c = xmlsafe_path(root, "urn:x", "A/B/C");
	cr_assert_not_null(c);
	cr_assert_null(xmlsafe_path(root, "urn:y", "A/B/C"));
	cr_assert_null(xmlsafe_path(root, NULL, "A/X/C"));
	cr_assert_null(xmlsafe_path(root, NULL, ""));
	cr_assert_str_eq(xmlsafe_code(c, buf, sizeof buf), "code");
	cr_assert_str_eq(xmlsafe_code(c, buf, 3), "co");
	cr_assert_str_eq(xmlsafe_code(NULL, buf, sizeof buf), "");
	cr_assert_str_eq(xmlsafe_attr(xmlsafe_path(root, NULL, "A/B"), "k"), "v");
	cr_assert_null(xmlsafe_attr(xmlsafe_path(root, NULL, "A/B"), "j"));
	a2 = xmlsafe_next(xmlsafe_child(root, NULL, "A"), NULL, "A");
	cr_assert_not_null(a2);
	cr_assert_null(xmlsafe_next(a2, NULL, "A"));
	text = xmlsafe_text(xmlsafe_child(root, NULL, "T"));
	cr_assert_str_eq(text, "one\ntwo x\n");
	free(text);
	cr_assert_gt(xmlsafe_line(c), 0);
	xmlFreeDoc(doc);
}

/* Money amounts are read without strtod (no locale, no exponents). */
Test(xmlsafe, decimal_numbers)
{
	static const struct {
		const char *text;
		int ok;
		double v;
	} cases[] = {
		{"2000000.00", 1, 2000000.0}, {" 12 ", 1, 12.0},   {"0.5", 1, 0.5},
		{"14543415.48", 1, 14543415.48}, {"", 0, 0},       {"-1", 0, 0},
		{"1e3", 0, 0},                 {"1,5", 0, 0},       {"inf", 0, 0},
		{"0x10", 0, 0},                {".", 0, 0},         {"1 000", 0, 0},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *xml;
		xmlDocPtr doc;
		struct cl_errbuf eb;
		double v = -1;

		cr_assert(asprintf(&xml, "<v>%s</v>", cases[i].text) > 0);
		cr_assert_eq(xmlsafe_parse(xml, strlen(xml), "t", &doc, &eb), CL_OK);
		cr_assert_eq(xmlsafe_decimal(xmlDocGetRootElement(doc), &v), cases[i].ok, "%s",
			     cases[i].text);
		if (cases[i].ok)
			cr_assert_float_eq(v, cases[i].v, 1e-6, "%s", cases[i].text);
		xmlFreeDoc(doc);
		free(xml);
	}
}
