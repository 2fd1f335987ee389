/* fuzzutil.c — shared by the libFuzzer targets: the checking parse sink,
 * a temporary directory removed at exit, and the tiny store of cases the
 * engine and HTTP targets search (see fuzzutil.h). */
#include "fuzzutil.h"

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "case.h"
#include "engine.h"
#include "store.h"
#include "sync.h"
#include "taxonomy.h"

void fz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz finding: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* ---- the checking parse sink ------------------------------------------- */

static int check_emit(void *ud, struct case_record *c)
{
	struct case_problems probs;
	struct case_record back;
	json_t *j = case_to_json(c);
	char *text;
	int rc;

	(void)ud;
	if (!j)
		fz_fail("case_to_json failed on an emitted record");
	case_problems_init(&probs);
	rc = case_validate_json(j, 0, &probs);
	if (rc != CL_OK)
		fz_fail("parser emitted an invalid record %s: %s: %s", c->id ? c->id : "(no id)",
			probs.n ? probs.v[0].path : "?", probs.n ? probs.v[0].reason : "?");
	json_decref(j);
	case_problems_release(&probs);
	/* the record survives its own text */
	text = case_to_string(c, 0);
	if (!text)
		fz_fail("case_to_string failed on an emitted record");
	case_init(&back);
	case_problems_init(&probs);
	rc = case_parse(text, strlen(text), 0, &back, &probs);
	if (rc != CL_OK)
		fz_fail("emitted record %s does not re-parse: %s: %s", c->id,
			probs.n ? probs.v[0].path : "?", probs.n ? probs.v[0].reason : "?");
	if (strcmp(back.id, c->id) != 0)
		fz_fail("emitted record changes id on re-parse: %s -> %s", c->id, back.id);
	case_release(&back);
	case_problems_release(&probs);
	free(text);
	return CL_OK;
}

static void check_reject(void *ud, long line, const char *reason)
{
	(void)ud;
	if (!reason)
		fz_fail("reject without a reason (line %ld)", line);
	if (strchr(reason, '\n'))
		fz_fail("reject reason is not one line: %s", reason);
	if (line < 0)
		fz_fail("reject at negative line %ld: %s", line, reason);
}

parser_fn fz_parser(const char *name)
{
	const struct parser_def *p = parsers_find(name);

	if (!p)
		fz_fail("no parser for %s", name);
	if (tax_load(NULL) != CL_OK)
		fz_fail("tax_load");
	return p->parse;
}

int fz_parse(parser_fn fn, const char *data, size_t len)
{
	struct parse_src src = {"https://example.org/feed", "2026-01-01T00:00:00Z", NULL};
	struct parse_sink sink = {check_emit, check_reject, NULL};
	struct cl_errbuf eb = {0};
	int rc = fn(data, len, &src, &sink, &eb);

	if (rc > 0 || rc < CL_EDENIED)
		fz_fail("parser returned %d, which is no cl_err", rc);
	if (rc != CL_OK && !eb.msg[0])
		fz_fail("parser failed (%s) without a message", cl_strerror(rc));
	return rc;
}

/* ---- temporary directory ---------------------------------------------- */

static char tmp_path[4096];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fz_rmtree(const char *path)
{
	if (path && path[0])
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void rm_tmp(void)
{
	fz_rmtree(tmp_path);
}

const char *fz_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (tmp_path[0])
		return tmp_path;
	if (!base || !base[0])
		base = "/tmp";
	snprintf(tmp_path, sizeof tmp_path, "%s/caselib-fuzz-XXXXXX", base);
	if (!mkdtemp(tmp_path)) {
		perror("mkdtemp");
		abort();
	}
	atexit(rm_tmp);
	return tmp_path;
}

/* ---- the tiny store ------------------------------------------------------ */

#define SRC "\"sources\":[{\"url\":\"https://example.org/fz\",\"retrieved_at\":\"2026-01-01T10:00:00Z\"}]"

static const char *const cases[] = {
	"{\"id\":\"fz-lund-skolmat\",\"kind\":\"case\",\"status\":\"published\",\"language\":\"sv\","
	"\"title\":\"Klimatsmarta skolmåltider i Lunds kommun\","
	"\"summary\":\"Funktionsupphandling av livsmedel med krav på lägre klimatpåverkan per portion.\","
	"\"body\":\"## Bakgrund\\n\\nMarknadsdialog med leverantörer. Skolmåltidsupphandlingen gav "
	"28 procent lägre klimatpåverkan.\","
	"\"buyer\":{\"name\":\"Lunds kommun\",\"org_number\":\"212000-1132\",\"country\":\"SE\"},"
	"\"authority_type\":\"la\",\"sectors\":[\"education\"],\"categories\":[\"15\",\"55\"],"
	"\"goals\":[\"sdg-2\",\"sdg-13\"],\"strategic\":[\"env\",\"inn\"],\"procedure\":\"open\","
	"\"published\":\"2021-03-15\",\"value\":{\"amount\":48500000,\"currency\":\"SEK\"}," SRC "}",
	"{\"id\":\"fz-sthlm-elbussar\",\"kind\":\"procurement\",\"status\":\"published\",\"language\":\"sv\","
	"\"title\":\"Elbussar och laddinfrastruktur i kollektivtrafiken\","
	"\"summary\":\"Region Stockholm upphandlar eldrivna bussar för innerstaden.\","
	"\"buyer\":{\"name\":\"Region Stockholm\",\"country\":\"SE\"},"
	"\"authority_type\":\"ra\",\"sectors\":[\"urttb\"],\"categories\":[\"34\"],"
	"\"goals\":[\"sdg-11\",\"mkm-2\"],\"strategic\":[\"env\",\"clim-mitig\"],"
	"\"published\":\"2022-09-01\"," SRC "}",
	"{\"id\":\"fz-hbg-furniture\",\"kind\":\"case\",\"status\":\"published\",\"language\":\"en\","
	"\"title\":\"Circular furniture for Helsingborg's schools\","
	"\"summary\":\"Reused and refurbished office furniture procured through a circular framework agreement.\","
	"\"body\":\"Lessons learned: market dialogue, reuse targets and repair services.\","
	"\"buyer\":{\"name\":\"Helsingborgs stad\",\"country\":\"SE\"},"
	"\"authority_type\":\"la\",\"sectors\":[\"gen-pub\"],\"categories\":[\"39\"],"
	"\"goals\":[\"sdg-12\"],\"strategic\":[\"circ-econ\"],\"published\":\"2020-05-04\"," SRC "}",
	"{\"id\":\"fz-trv-betong\",\"kind\":\"case\",\"status\":\"published\",\"language\":\"sv\","
	"\"title\":\"Klimatsmart betong i Trafikverkets broprojekt\","
	"\"summary\":\"Krav på klimatdeklarerad betong och innovationsvänliga upphandlingar.\","
	"\"buyer\":{\"name\":\"Trafikverket\",\"country\":\"SE\"},"
	"\"authority_type\":\"cga\",\"sectors\":[\"econ-aff\"],\"categories\":[\"45\"],"
	"\"goals\":[\"sdg-9\",\"sdg-13\"],\"strategic\":[\"env\",\"inn\"],\"procedure\":\"open\","
	"\"published\":\"2019-11-20\"," SRC "}",
	"{\"id\":\"fz-vgr-partnership\",\"kind\":\"case\",\"status\":\"published\",\"language\":\"en\","
	"\"title\":\"Innovation partnership for digital health care\","
	"\"summary\":\"Västra Götalandsregionen develops remote monitoring with suppliers.\","
	"\"buyer\":{\"name\":\"Västra Götalandsregionen\",\"country\":\"SE\"},"
	"\"authority_type\":\"ra\",\"sectors\":[\"health\"],\"goals\":[\"sdg-3\"],"
	"\"strategic\":[\"inn\"],\"published\":\"2023-02-01\"," SRC "}",
	"{\"id\":\"fz-hidden-draft\",\"kind\":\"case\",\"status\":\"submitted\",\"language\":\"sv\","
	"\"title\":\"Hemligt utkast om skolmåltider\"," SRC "}",
};

void fz_make_store(const char *dir, char (*tokens)[80])
{
	struct store *s = NULL;
	struct cl_errbuf eb = {0};

	if (store_open(dir, STORE_CREATE, &s, &eb) != CL_OK)
		fz_fail("store_open: %s", eb.msg);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct case_record c;
		struct case_problems probs;
		struct store_put_result res;
		const char *text = cases[i];

		case_init(&c);
		case_problems_init(&probs);
		if (case_parse(text, strlen(text), 0, &c, &probs) != CL_OK)
			fz_fail("fixture case %zu: %s: %s", i, probs.n ? probs.v[0].path : "?",
				probs.n ? probs.v[0].reason : "?");
		if (store_put_case(s, &c, "fuzz", &res, &eb) != CL_OK)
			fz_fail("store_put_case: %s", eb.msg);
		case_release(&c);
		case_problems_release(&probs);
	}
	if (tokens) {
		char id[40];

		if (auth_token_create(s, ROLE_REVIEWER, "fuzz reviewer", tokens[0], id, &eb) != CL_OK ||
		    auth_token_create(s, ROLE_CONTRIBUTOR, "fuzz contributor", tokens[1], id, &eb) !=
			    CL_OK)
			fz_fail("auth_token_create: %s", eb.msg);
	}
	store_close(s);
}

void fz_index(const char *dir, int engine_kind)
{
	struct store *s = NULL;
	struct engine *e = NULL;
	struct cl_errbuf eb = {0};

	if (store_open(dir, 0, &s, &eb) != CL_OK)
		fz_fail("store_open: %s", eb.msg);
	if (engine_open((enum engine_kind)engine_kind, dir, s, 1, &e, &eb) != CL_OK)
		fz_fail("engine_open: %s", eb.msg);
	if (sync_engine(s, e, 0, NULL, NULL, NULL, &eb) != CL_OK)
		fz_fail("sync_engine: %s", eb.msg);
	engine_close(e);
	store_close(s);
}

/* ---- the query targets ----------------------------------------------- */

static struct store *q_store;
static struct engine *q_engine;

/* Published fixture ids (the submitted draft must never be found). */
static const char *const published[FZ_NCASES] = {"fz-lund-skolmat", "fz-sthlm-elbussar",
						 "fz-hbg-furniture", "fz-trv-betong",
						 "fz-vgr-partnership"};

/* Filter values the fuzzer picks by index: valid ones for every facet,
 * and a few invalid ones. */
static const char *const filter_values[] = {
	"case", "procurement", "la", "ra", "cga", "education", "health", "urttb", "45", "15",
	"sdg-13", "sdg-3", "mkm-2", "env", "inn", "circ-econ", "open", "proc-innov", "2021",
	"2019", "SE", "FI", "sv", "en", "", "nope", "SDG-13", "1900", "sv-SE", "x\xc3\xa5",
};
#define NFILTER_VALUES (sizeof filter_values / sizeof filter_values[0])

static void q_close(void)
{
	engine_close(q_engine);
	store_close(q_store);
	q_engine = NULL;
	q_store = NULL;
}

void fz_query_init(int engine_kind)
{
	const char *dir = fz_tmpdir();
	struct cl_errbuf eb = {0};

	fz_make_store(dir, NULL);
	fz_index(dir, engine_kind);
	if (store_open(dir, STORE_READONLY, &q_store, &eb) != CL_OK)
		fz_fail("store_open: %s", eb.msg);
	if (engine_open((enum engine_kind)engine_kind, dir, q_store, 0, &q_engine, &eb) != CL_OK)
		fz_fail("engine_open: %s", eb.msg);
	atexit(q_close); /* runs before the directory is removed */
}

static int is_published(const char *id)
{
	for (size_t i = 0; i < FZ_NCASES; i++)
		if (id && strcmp(id, published[i]) == 0)
			return 1;
	return 0;
}

/* A snippet is HTML-safe: no tag but <mark> and </mark>, no quote, no
 * control character but LF and TAB, and every & starts an entity. */
static void check_snippet(const char *s)
{
	for (const char *p = s; *p; p++) {
		if (*p == '<') {
			if (strncmp(p, "<mark>", 6) == 0)
				p += 5;
			else if (strncmp(p, "</mark>", 7) == 0)
				p += 6;
			else
				fz_fail("snippet holds a tag: %s", s);
		} else if (*p == '"' || *p == '\'' || *p == '>') {
			fz_fail("snippet holds a raw %c: %s", *p, s);
		} else if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t') {
			fz_fail("snippet holds control character %d", *p);
		} else if (*p == '&' && strncmp(p, "&amp;", 5) && strncmp(p, "&lt;", 4) &&
			   strncmp(p, "&gt;", 4) && strncmp(p, "&quot;", 6) && strncmp(p, "&#39;", 5)) {
			fz_fail("snippet holds a bare &: %s", s);
		}
	}
}

static void check_result(const struct search_request *rq, const struct search_result *res,
			 int filtered)
{
	if (res->total < 0 || res->total > FZ_NCASES)
		fz_fail("total %ld outside 0..%d", res->total, FZ_NCASES);
	if (res->nhits > rq->limit)
		fz_fail("%zu hits over the limit %zu", res->nhits, rq->limit);
	if (res->nhits && (long)(rq->offset + res->nhits) > res->total)
		fz_fail("offset %zu + %zu hits over the total %ld", rq->offset, res->nhits,
			res->total);
	for (size_t i = 0; i < res->nhits; i++) {
		const struct search_hit *h = &res->hits[i];

		if (!is_published(h->id))
			fz_fail("hit %zu is no published case: %s", i, h->id ? h->id : "(null)");
		for (size_t k = 0; k < i; k++)
			if (strcmp(res->hits[k].id, h->id) == 0)
				fz_fail("hit %s twice in one page", h->id);
		if (rq->snippets) {
			if (!h->snippet)
				fz_fail("no snippet for %s", h->id);
			check_snippet(h->snippet);
		}
	}
	for (int f = 0; f < EF_COUNT; f++) {
		const struct facet_counts *fc = &res->facets[f];

		if (fc->n && !(rq->facets & (1u << f)))
			fz_fail("counts for facet %s that was not asked for", engine_facet_name(f));
		for (size_t i = 0; i < fc->n; i++) {
			if (!fc->v[i].value || fc->v[i].count <= 0 || fc->v[i].count > FZ_NCASES)
				fz_fail("facet %s: bad count %ld", engine_facet_name(f), fc->v[i].count);
			if (!filtered && fc->v[i].count > res->total)
				fz_fail("facet %s: count %ld over the total %ld", engine_facet_name(f),
					fc->v[i].count, res->total);
			if (i && (fc->v[i].count > fc->v[i - 1].count ||
				  (fc->v[i].count == fc->v[i - 1].count &&
				   strcmp(fc->v[i].value, fc->v[i - 1].value) <= 0)))
				fz_fail("facet %s not sorted", engine_facet_name(f));
		}
	}
}

/* Input: 4 option bytes (flags, facet mask low and high, limit/offset),
 * the query text up to the first NUL, then byte pairs (facet, value
 * index) choosing up to 16 filters. */
void fz_query_one(const uint8_t *data, size_t size)
{
	struct search_request rq;
	struct search_result res;
	struct cl_errbuf eb = {0};
	const char *vals[EF_COUNT][16];
	uint8_t b0 = 0, b3 = 10;
	const uint8_t *nul;
	char *text;
	size_t tlen;
	int rc, filtered = 0;

	search_request_init(&rq);
	if (size >= 4) {
		b0 = data[0];
		rq.facets = ((unsigned)data[1] | (unsigned)data[2] << 8) & ENGINE_ALL_FACETS;
		b3 = data[3];
		data += 4;
		size -= 4;
	}
	rq.lang = (b0 & 1) ? "en" : "sv";
	rq.sort = (enum engine_sort)((b0 >> 1) & 3) % 3;
	rq.snippets = (b0 >> 3) & 1;
	rq.snippet_chars = (b0 & 0x80) ? 40 : 0;
	rq.limit = b3 % 12;
	rq.offset = (b0 & 0x40) ? (size_t)(b3 >> 4) : 0;
	nul = memchr(data, 0, size);
	tlen = nul ? (size_t)(nul - data) : size;
	text = malloc(tlen + 1);
	if (!text)
		return;
	memcpy(text, data, tlen);
	text[tlen] = '\0';
	rq.text = text;
	if (nul) {
		const uint8_t *p = nul + 1, *end = data + size;

		for (; p + 1 < end; p += 2) {
			int f = p[0] % EF_COUNT;

			if (rq.nfilters[f] == 16)
				continue;
			vals[f][rq.nfilters[f]++] = filter_values[p[1] % NFILTER_VALUES];
			rq.filters[f] = vals[f];
			filtered = 1;
		}
	}
	search_result_init(&res);
	if (b0 & 0x10)
		rc = engine_similar_text(q_engine, &rq, &res, &eb);
	else
		rc = engine_search(q_engine, &rq, &res, &eb);
	if (rc == CL_OK)
		check_result(&rq, &res, filtered);
	else if (rc != CL_EINVAL && rc != CL_EQUERY)
		fz_fail("search failed with %s: %s", cl_strerror(rc), eb.msg);
	else if (!eb.msg[0])
		fz_fail("search refused without a reason (%s)", cl_strerror(rc));
	search_result_release(&res);
	if (b0 & 0x20) {
		char *sugg = NULL;

		rc = engine_suggest(q_engine, text, &sugg, &eb);
		if (rc != CL_OK && rc != CL_EINVAL && rc != CL_EQUERY)
			fz_fail("suggest failed with %s: %s", cl_strerror(rc), eb.msg);
		free(sugg);
	}
	free(text);
}
