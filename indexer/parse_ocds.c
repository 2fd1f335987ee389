/* parse_ocds.c — OCDS release/record packages, records, releases and JSON
 * Lines -> case records, one per ocid (see parse_ocds.h). The shapes are
 * told apart by their members; every release becomes a draft, drafts of
 * the same ocid are merged (latest date wins field by field), and the
 * drafts are validated and emitted when the whole payload has been read.
 * Value-to-code rules live in indexer/maps/ocds_*.tsv. */
#include "parse_ocds.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dbuf.h"
#include "maptab.h"
#include "norm.h"
#include "orgnr.h"
#include "parsers.h"
#include "taxonomy.h"
#include "utf8.h"

void ocds_stats_init(struct ocds_stats *st)
{
	memset(st, 0, sizeof *st);
}

/* ---- bounded JSON reading ------------------------------------------------- */

void ocds_jpos_init(struct ocds_jpos *p)
{
	memset(p, 0, sizeof *p);
}

void ocds_jpos_release(struct ocds_jpos *p)
{
	if (!p)
		return;
	free(p->line);
	ocds_jpos_init(p);
}

static int jpos_add(struct ocds_jpos *p, long line)
{
	if (dbuf_grow(&p->line, &p->cap, p->n + 1, sizeof *p->line) != CL_OK)
		return CL_ENOMEM;
	p->line[p->n++] = line;
	return CL_OK;
}

int ocds_json_scan(const char *d, size_t len, const char *key, int max_depth,
		   struct ocds_jpos *pos)
{
	int top_arr = key && strcmp(key, "$") == 0;
	size_t klen = key ? strlen(key) : 0;
	int depth = 0, watch = 0, want = 0, expect_key = 0, key_hit = 0;
	int top_kind = 0;
	long line = 1;
	size_t i = 0;

	pos->n = 0;
	pos->depth = 0;
	if (len >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	for (; i < len; i++) {
		unsigned char ch = (unsigned char)d[i];

		if (ch == '\n') {
			line++;
			continue;
		}
		if (ch == ' ' || ch == '\t' || ch == '\r')
			continue;
		if (want && depth == watch && ch != ']') {
			if (jpos_add(pos, line))
				return CL_ENOMEM;
			want = 0;
		}
		switch (ch) {
		case '"': {
			size_t start = i + 1;

			for (i++; i < len && d[i] != '"'; i++) {
				if (d[i] == '\\' && i + 1 < len)
					i++;
				if (d[i] == '\n')
					line++;
			}
			if (depth == 1 && top_kind == '{' && expect_key && key && !top_arr)
				key_hit = i - start == klen && memcmp(d + start, key, klen) == 0;
			break;
		}
		case '{':
		case '[':
			if (depth == 0 && !top_kind)
				top_kind = ch;
			depth++;
			if (depth > pos->depth)
				pos->depth = depth;
			if (depth > max_depth)
				return CL_OK;
			if (ch == '[' && top_arr && depth == 1 && top_kind == '[') {
				watch = 1;
				want = 1;
			} else if (ch == '[' && key && !top_arr && depth == 2 && top_kind == '{' &&
				   key_hit && !expect_key) {
				watch = 2;
				want = 1;
			}
			if (depth == 1 && ch == '{')
				expect_key = 1;
			break;
		case '}':
		case ']':
			if (watch && depth == watch) {
				watch = 0;
				want = 0;
				key_hit = 0;
			}
			if (depth > 0)
				depth--;
			break;
		case ',':
			if (watch && depth == watch)
				want = 1;
			if (depth == 1 && top_kind == '{') {
				expect_key = 1;
				key_hit = 0;
			}
			break;
		case ':':
			if (depth == 1 && top_kind == '{')
				expect_key = 0;
			break;
		default:
			break;
		}
	}
	return CL_OK;
}

/* jansson's message as one printable ASCII line. */
static void ascii_line(char *dst, size_t n, const char *s)
{
	size_t o = 0;

	for (; *s && o + 1 < n; s++)
		dst[o++] = (unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7F ? *s : '?';
	dst[o] = '\0';
}

int ocds_json_load(const char *data, size_t len, size_t max_bytes, size_t flags, json_t **out,
		   struct cl_errbuf *eb)
{
	struct ocds_jpos pos;
	json_error_t err;
	char text[sizeof err.text];
	size_t off = 0;
	int rc, depth;

	*out = NULL;
	if (len > max_bytes)
		return cl_fail(eb, CL_ETOOBIG, "%zu bytes, more than the %zu bytes (%zu MiB) allowed",
			       len, max_bytes, max_bytes >> 20);
	ocds_jpos_init(&pos);
	rc = ocds_json_scan(data ? data : "", data ? len : 0, NULL, OCDS_MAX_DEPTH, &pos);
	depth = pos.depth;
	ocds_jpos_release(&pos);
	if (rc)
		return cl_fail(eb, rc, "out of memory");
	if (depth > OCDS_MAX_DEPTH)
		return cl_fail(eb, CL_ETOOBIG, "nested more than %d levels deep", OCDS_MAX_DEPTH);
	if (data && len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		off = 3;
	*out = json_loadb(data ? data + off : "", data ? len - off : 0, flags, &err);
	if (*out)
		return CL_OK;
	if (json_error_code(&err) == json_error_out_of_memory)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	ascii_line(text, sizeof text, err.text);
	return cl_fail(eb, CL_EPARSE, "line %d column %d: %s", err.line, err.column, text);
}

/* The next line of d from *off: start and length without the line end
 * and outer blanks. Returns 0 at the end. *lineno counts lines. */
static int next_line(const char *d, size_t len, size_t *off, long *lineno, const char **s,
		     size_t *n)
{
	const char *p, *e, *nl;

	if (*off >= len)
		return 0;
	p = d + *off;
	nl = memchr(p, '\n', len - *off);
	e = nl ? nl : d + len;
	*off = nl ? (size_t)(nl - d) + 1 : len;
	(*lineno)++;
	if (*lineno == 1 && e - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*s = p;
	*n = (size_t)(e - p);
	return 1;
}

/* 1 when s (one line) is a complete JSON object or array by itself. */
static int complete_line(const char *s, size_t n)
{
	json_t *j = NULL;
	int ok;

	if (n == 0 || n > OCDS_MAX_BYTES || (s[0] != '{' && s[0] != '[') ||
	    (s[n - 1] != '}' && s[n - 1] != ']'))
		return 0;
	ok = ocds_json_load(s, n, OCDS_MAX_BYTES, 0, &j, NULL) == CL_OK;
	json_decref(j);
	return ok;
}

int ocds_is_jsonl(const char *d, size_t len)
{
	size_t off = 0, n[2] = {0, 0}, nb = 0;
	const char *s[2] = {NULL, NULL}, *p;
	long lineno = 0;
	json_t *j = NULL;
	int whole;

	if (!d)
		return 0;
	while (nb < 2 && next_line(d, len, &off, &lineno, &p, &n[nb]))
		if (n[nb])
			s[nb++] = p;
	if (nb < 2)
		return 0;
	/* a first line that is JSON by itself with more after it */
	if (complete_line(s[0], n[0]))
		return 1;
	/* a broken first line: JSON Lines when the second line is JSON by
	 * itself and the whole is no single JSON text */
	if (!complete_line(s[1], n[1]))
		return 0;
	if (len > OCDS_MAX_BYTES)
		return 1;
	whole = ocds_json_load(d, len, OCDS_MAX_BYTES, 0, &j, NULL) == CL_OK;
	json_decref(j);
	return !whole;
}

/* ---- reading JSON values leniently ---------------------------------------- */

static const json_t *jobj(const json_t *j, const char *k)
{
	const json_t *m = json_is_object(j) ? json_object_get(j, k) : NULL;
	return json_is_object(m) ? m : NULL;
}

static const json_t *jarr(const json_t *j, const char *k)
{
	const json_t *m = json_is_object(j) ? json_object_get(j, k) : NULL;
	return json_is_array(m) ? m : NULL;
}

/* A string member with something besides blanks, else NULL. */
static const char *jstr(const json_t *j, const char *k)
{
	const json_t *m = json_is_object(j) ? json_object_get(j, k) : NULL;
	const char *s;

	if (!json_is_string(m))
		return NULL;
	s = json_string_value(m);
	for (const char *p = s; *p; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return s;
	return NULL;
}

/* A string or integer member as text (identifiers are written both ways). */
static const char *jid(const json_t *j, const char *k, char *buf, size_t n)
{
	const json_t *m = json_is_object(j) ? json_object_get(j, k) : NULL;

	if (json_is_integer(m)) {
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(m));
		return buf;
	}
	return jstr(j, k);
}

/* ---- mapping tables ------------------------------------------------------- */

struct maps {
	struct maptab method, country, language, words;
};

static void maps_release(struct maps *m)
{
	maptab_release(&m->method);
	maptab_release(&m->country);
	maptab_release(&m->language);
	maptab_release(&m->words);
}

static int maps_load(struct maps *m, struct cl_errbuf *eb)
{
	int rc;

	if ((rc = maptab_load_builtin(&m->method, "ocds_method", eb)) ||
	    (rc = maptab_load_builtin(&m->country, "ocds_country", eb)) ||
	    (rc = maptab_load_builtin(&m->language, "ocds_language", eb)))
		return rc;
	if ((rc = maptab_load_builtin(&m->words, "name_words", eb)))
		return rc;
	if ((rc = parse_check_codes(&m->method, "procedure", TAX_PROCEDURE, eb)))
		return rc;
	if (maptab_col(&m->method, "procedure") != 3 || maptab_col(&m->country, "country") != 1 ||
	    maptab_col(&m->language, "language") != 1)
		return cl_fail(eb, CL_ECORRUPT, "map ocds_*: unexpected columns");
	for (size_t i = 0; i < m->country.nrows; i++) {
		const char *c = maptab_cell(&m->country, i, 1);
		if (strlen(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z')
			return cl_fail(eb, CL_ECORRUPT, "map ocds_country line %ld: '%s' is no ISO code",
				       m->country.line[i], c);
	}
	for (size_t i = 0; i < m->language.nrows; i++) {
		const char *c = maptab_cell(&m->language, i, 1);
		if (strcmp(c, "-") != 0 &&
		    (strlen(c) != 2 || c[0] < 'a' || c[0] > 'z' || c[1] < 'a' || c[1] > 'z'))
			return cl_fail(eb, CL_ECORRUPT, "map ocds_language line %ld: '%s' is no ISO 639-1 code",
				       m->language.line[i], c);
	}
	return CL_OK;
}

/* ---- releases, gathered per ocid ------------------------------------------ */

/* One release (or a record's compiled release) of an ocid, as read from
 * this payload or as kept from earlier ones, with what it takes from its
 * package and the payload it came from. */
struct rel {
	json_t *doc;
	int compiled;       /* a record's compiledRelease */
	char *id;           /* its id, or "~" and a digest of it */
	char *date;         /* as written, "" when absent */
	char *base;         /* source url base: src.url, or the package uri */
	char *licence;      /* the package's license */
	char *language;     /* the package's language */
	char *url, *sha256, *retrieved_at; /* the payload */
};

static void rel_release(struct rel *r)
{
	json_decref(r->doc);
	free(r->id);
	free(r->date);
	free(r->base);
	free(r->licence);
	free(r->language);
	free(r->url);
	free(r->sha256);
	free(r->retrieved_at);
	memset(r, 0, sizeof *r);
}

struct rels {
	struct rel *v;
	size_t n, cap;
};

static void rels_release(struct rels *l)
{
	for (size_t i = 0; i < l->n; i++)
		rel_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* Moves *r to the end of l. */
static int rels_add(struct rels *l, struct rel *r)
{
	if (dbuf_grow(&l->v, &l->cap, l->n + 1, sizeof *l->v) != CL_OK)
		return CL_ENOMEM;
	l->v[l->n++] = *r;
	memset(r, 0, sizeof *r);
	return CL_OK;
}

/* OCDS order: by date (a release without one is older than any with
 * one), then by release id, releases before compiled releases — so
 * releases of equal dates merge in the same order whatever order they
 * were read in. */
static int rel_cmp(const void *pa, const void *pb)
{
	const struct rel *a = pa, *b = pb;
	int c = strcmp(a->date, b->date);

	if (c)
		return c;
	if ((c = strcmp(a->id, b->id)))
		return c;
	return a->compiled - b->compiled;
}

/* ---- the OCDS merge ---------------------------------------------------------- */

/* The id member of an array item, as text. */
static const char *item_id(const json_t *o, char *buf, size_t n)
{
	return jid(o, "id", buf, n);
}

/* 1 when a is a non-empty array of objects that all have an id: such
 * arrays merge item by item (identifier merge); others are replaced. */
static int id_array(const json_t *a)
{
	char buf[32];

	if (!json_is_array(a) || json_array_size(a) == 0)
		return 0;
	for (size_t i = 0; i < json_array_size(a); i++)
		if (!json_is_object(json_array_get(a, i)) ||
		    !item_id(json_array_get(a, i), buf, sizeof buf))
			return 0;
	return 1;
}

static int merge_obj(json_t *into, json_t *from, int depth);

/* Merges the items of from into the array into by id. */
static int merge_ids(json_t *into, json_t *from, int depth)
{
	char b1[32], b2[32];
	int rc;

	for (size_t i = 0; i < json_array_size(from); i++) {
		json_t *e = json_array_get(from, i), *m = NULL;
		const char *id = item_id(e, b1, sizeof b1);

		for (size_t k = 0; k < json_array_size(into) && !m; k++) {
			const char *o = item_id(json_array_get(into, k), b2, sizeof b2);
			if (o && strcmp(o, id) == 0)
				m = json_array_get(into, k);
		}
		if (!m) {
			if (!(m = json_object()) || json_array_append_new(into, m))
				return CL_ENOMEM;
		}
		if ((rc = merge_obj(m, e, depth + 1)))
			return rc;
	}
	return CL_OK;
}

/* OCDS compiling, one release into the compiled one: a member of the
 * later release replaces the earlier one's; objects merge member by
 * member; arrays of objects with ids merge item by item (by id); other
 * arrays and values are replaced; null removes the member. One
 * deviation: an empty string does not replace a value. */
static int merge_obj(json_t *into, json_t *from, int depth)
{
	const char *k;
	json_t *v;
	int rc;

	if (depth > OCDS_MAX_DEPTH || !json_is_object(from))
		return CL_OK;
	json_object_foreach(from, k, v) {
		json_t *cur = json_object_get(into, k);

		if (json_is_null(v)) {
			json_object_del(into, k);
		} else if (json_is_string(v) && !*json_string_value(v)) {
			/* "" is how several publishers write "not known" (Moldova's
			 * tender amount): it does not replace a value */
			if (!cur && json_object_set_new(into, k, json_string("")))
				return CL_ENOMEM;
		} else if (json_is_object(v)) {
			if (!json_is_object(cur)) {
				if (!(cur = json_object()) || json_object_set_new(into, k, cur))
					return CL_ENOMEM;
			}
			if ((rc = merge_obj(cur, v, depth + 1)))
				return rc;
		} else if (id_array(v)) {
			if (!id_array(cur)) {
				if (!(cur = json_array()) || json_object_set_new(into, k, cur))
					return CL_ENOMEM;
			}
			if ((rc = merge_ids(cur, v, depth)))
				return rc;
		} else {
			json_t *c = json_deep_copy(v);

			if (!c || json_object_set_new(into, k, c))
				return CL_ENOMEM;
		}
	}
	return CL_OK;
}

/* ---- drafts: one per ocid ------------------------------------------------- */

#define RANK_NONE 99

struct draft {
	char *ocid;
	long line;
	char where[96];
	struct rels rels; /* this payload's releases of the ocid */
	int title_rank, summary_rank, value_rank;
	struct case_record c;
};

static void draft_init(struct draft *d)
{
	memset(d, 0, sizeof *d);
	case_init(&d->c);
	d->title_rank = d->summary_rank = d->value_rank = RANK_NONE;
}

static void draft_release(struct draft *d)
{
	if (!d)
		return;
	free(d->ocid);
	rels_release(&d->rels);
	case_release(&d->c);
	draft_init(d);
}

struct drafts {
	struct draft *v;
	size_t n, cap;
	size_t *slot; /* index + 1, 0 = empty; open addressing by ocid */
	size_t nslot;
};

static void drafts_release(struct drafts *t)
{
	for (size_t i = 0; i < t->n; i++)
		draft_release(&t->v[i]);
	free(t->v);
	free(t->slot);
	memset(t, 0, sizeof *t);
}

static size_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

/* The slot of ocid: holding it, or the empty one where it would go. */
static size_t drafts_slot(const struct drafts *t, const char *ocid)
{
	size_t i = hash_str(ocid) & (t->nslot - 1);

	while (t->slot[i] && strcmp(t->v[t->slot[i] - 1].ocid, ocid) != 0)
		i = (i + 1) & (t->nslot - 1);
	return i;
}

static int drafts_grow(struct drafts *t)
{
	if (dbuf_grow(&t->v, &t->cap, t->n + 1, sizeof *t->v) != CL_OK)
		return CL_ENOMEM;
	if ((t->n + 1) * 2 > t->nslot) {
		size_t ns = t->nslot ? t->nslot * 2 : 64;
		size_t *s = calloc(ns, sizeof *s);

		if (!s)
			return CL_ENOMEM;
		free(t->slot);
		t->slot = s;
		t->nslot = ns;
		for (size_t i = 0; i < t->n; i++)
			t->slot[drafts_slot(t, t->v[i].ocid)] = i + 1;
	}
	return CL_OK;
}

/* ---- one parse ------------------------------------------------------------ */

struct ctx {
	const struct parse_src *src;
	const struct parse_sink *sink;
	struct ocds_stats *st;
	struct maps m;
	struct drafts d;
	struct parse_ids ids;
	const struct parser_parts *parts; /* NULL: this payload's releases only */
};

/* Cleaned one-line text of s (NULL when s is NULL or cleans to ""). */
static int clean_into(char **dst, const char *s, size_t max)
{
	char *t;

	if (!s)
		return CL_OK;
	if (!(t = parse_clean_line(s, max)))
		return CL_ENOMEM;
	if (!*t) {
		free(t);
		return CL_OK;
	}
	free(*dst);
	*dst = t;
	return CL_OK;
}

static int is_http(const char *s)
{
	return s && (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0);
}

/* tag of an award or contract that does not count ("cancelled", ...). */
static int dead_status(const json_t *o)
{
	const char *s = jstr(o, "status");
	return s && (strcmp(s, "cancelled") == 0 || strcmp(s, "unsuccessful") == 0);
}

/* Publishers put HTML into descriptions ("<p>...</p>", "&amp;"). Tags go
 * (block tags become line ends), the common entities and numeric
 * references are decoded. Text without '<' or '&' is copied as it is.
 * New string, NULL when out of memory. */
static char *strip_html(const char *s)
{
	static const char *const blocks[] = {"p", "br", "div", "li", "ul", "ol", "tr", "table",
					     "h1", "h2", "h3", "h4", "h5", "h6", NULL};
	static const struct {
		const char *name, *text;
	} ents[] = {{"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"},
		    {"nbsp", " "}, {"rsquo", "’"}, {"lsquo", "‘"}, {"rdquo", "”"},
		    {"ldquo", "“"}, {"ndash", "–"}, {"mdash", "—"}, {"hellip", "…"},
		    {"euro", "€"}, {"aring", "å"}, {"auml", "ä"}, {"ouml", "ö"},
		    {"Aring", "Å"}, {"Auml", "Ä"}, {"Ouml", "Ö"}, {"eacute", "é"}};
	size_t n = strlen(s);
	char *out = malloc(n + 1), *o = out;

	if (!out)
		return NULL;
	for (const char *p = s; *p;) {
		if (p[0] == '<' && (((p[1] | 0x20) >= 'a' && (p[1] | 0x20) <= 'z') || p[1] == '/' ||
				    p[1] == '!')) {
			const char *e = strchr(p, '>');
			const char *nm = p + 1 + (p[1] == '/');
			size_t nl = strspn(nm, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");

			if (e) {
				for (int i = 0; blocks[i]; i++)
					if (strlen(blocks[i]) == nl && strncasecmp(nm, blocks[i], nl) == 0)
						*o++ = '\n';
				p = e + 1;
				continue;
			}
		}
		if (p[0] == '&') {
			const char *semi = strchr(p, ';');
			size_t k = semi ? (size_t)(semi - p - 1) : 0;
			int done = 0;

			if (semi && k >= 2 && k <= 8 && p[1] == '#') {
				char *end;
				long cp = p[2] == 'x' || p[2] == 'X' ? strtol(p + 3, &end, 16)
								     : strtol(p + 2, &end, 10);
				if (end == semi && cp >= 0x20 && cp <= 0x10FFFF && cp != 0x7F &&
				    !(cp >= 0x80 && cp < 0xA0) && !(cp >= 0xD800 && cp <= 0xDFFF)) {
					/* never longer than the reference it replaces */
					o += utf8_encode(o, (uint32_t)cp);
					done = 1;
				}
			}
			for (size_t i = 0; !done && semi && i < sizeof ents / sizeof ents[0]; i++) {
				if (strlen(ents[i].name) == k && strncmp(p + 1, ents[i].name, k) == 0) {
					size_t tl = strlen(ents[i].text);
					memcpy(o, ents[i].text, tl);
					o += tl;
					done = 1;
				}
			}
			if (done) {
				p = semi + 1;
				continue;
			}
		}
		*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/* title and summary: tender text first, then planning, contracts, awards. */
static int set_texts(struct draft *dr, const json_t *r)
{
	const json_t *tender = jobj(r, "tender"), *planning = jobj(r, "planning");
	const json_t *budget = jobj(planning, "budget");
	const char *groups[2] = {"contracts", "awards"};
	const char *t = NULL, *s = NULL;
	int trank = RANK_NONE, srank = RANK_NONE, rc;

	if ((t = jstr(tender, "title")))
		trank = 0;
	else if ((t = jstr(planning, "project")) || (t = jstr(budget, "project")))
		trank = 1;
	if ((s = jstr(tender, "description")))
		srank = 0;
	else if ((s = jstr(planning, "rationale")) || (s = jstr(budget, "description")))
		srank = 1;
	for (int g = 0; g < 2 && (!t || !s); g++) {
		const json_t *a = jarr(r, groups[g]);

		for (size_t i = 0; a && i < json_array_size(a); i++) {
			const json_t *e = json_array_get(a, i);
			if (!t && (t = jstr(e, "title")))
				trank = 2 + g;
			if (!s && (s = jstr(e, "description")))
				srank = 2 + g;
		}
	}
	if (t) {
		char *h = strip_html(t);

		if (!h)
			return CL_ENOMEM;
		rc = clean_into(&dr->c.title, h, CASE_TITLE_MAX);
		free(h);
		if (rc)
			return rc;
	}
	if (dr->c.title)
		dr->title_rank = trank;
	if (s) {
		char *h = strip_html(s), *x, *y;

		if (!h)
			return CL_ENOMEM;
		x = parse_clean_text(h);
		free(h);
		if (!x)
			return CL_ENOMEM;
		y = parse_truncate(x, CASE_SUMMARY_MAX);
		free(x);
		if (!y)
			return CL_ENOMEM;
		if (!*y || (dr->c.title && strcmp(y, dr->c.title) == 0)) {
			free(y);
		} else {
			dr->c.summary = y;
			dr->summary_rank = srank;
		}
	}
	return CL_OK;
}

/* The country code of an org-id.guide scheme prefix ("GB-LAC" -> GB) when
 * the country table knows the code. */
static const char *scheme_country(const struct maptab *t, const char *scheme)
{
	if (!scheme || strlen(scheme) < 4 || scheme[2] != '-')
		return NULL;
	for (size_t i = 0; i < t->nrows; i++) {
		const char *c = maptab_cell(t, i, 1);
		if (c[0] == (scheme[0] & ~0x20) && c[1] == (scheme[1] & ~0x20))
			return c;
	}
	return NULL;
}

/* The ISO code of a country name or code as a publisher writes it in
 * address.countryName or address.country: a name or alpha-3 code of
 * ocds_country.tsv, or an alpha-2 code of its code column, ASCII case
 * ignored ("Mexico", "MEXICO", "MX", "mx", "MEX"). NULL if unknown.
 * Borrowed from t. */
static const char *country_code(const struct maptab *t, const char *text, int *nomem)
{
	char *n = parse_clean_line(text, 0);
	const char *cc = NULL;

	if (!n) {
		*nomem = 1;
		return NULL;
	}
	for (size_t i = 0; i < t->nrows && !cc; i++)
		if (strcasecmp(maptab_cell(t, i, 0), n) == 0)
			cc = maptab_cell(t, i, 1);
	if (!cc && strlen(n) == 2) {
		for (size_t i = 0; i < t->nrows && !cc; i++) {
			const char *c = maptab_cell(t, i, 1);
			if (c[0] == (n[0] & ~0x20) && c[1] == (n[1] & ~0x20))
				cc = c;
		}
	}
	free(n);
	return cc;
}

/* A NUTS code (level 1 to 3: "SE1", "SE11", "SE110") of a country with
 * NUTS regions, as OCDS publishers in Europe write it in address.region
 * (eForms BT-507). Writes the code and its country (EL -> GR, UK -> GB);
 * 0 when s is no such code. */
static int nuts_of(const char *s, char nuts[6], char cc[3])
{
	static const char nuts_countries[] =
		"AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE "
		"SI SK IS LI NO CH UK AL ME MK RS TR ";
	size_t n = s ? strlen(s) : 0;
	char pfx[4];

	if (n < 3 || n > 5)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (i >= 2 && c >= '0' && c <= '9')))
			return 0;
	}
	snprintf(pfx, sizeof pfx, "%c%c ", s[0], s[1]);
	if (!strstr(nuts_countries, pfx))
		return 0;
	memcpy(nuts, s, n + 1);
	cc[0] = s[0];
	cc[1] = s[1];
	cc[2] = '\0';
	if (strcmp(cc, "EL") == 0)
		memcpy(cc, "GR", 3);
	else if (strcmp(cc, "UK") == 0)
		memcpy(cc, "GB", 3);
	return 1;
}

/* Looks at one identifier object: SE-ORG number, country from the scheme. */
static int read_identifier(struct ctx *x, struct draft *dr, const json_t *id,
			   const char **cc_scheme)
{
	const char *scheme = jstr(id, "scheme");
	char buf[64], canon[12];
	const char *v;

	if (!scheme)
		return CL_OK;
	if (!*cc_scheme)
		*cc_scheme = scheme_country(&x->m.country, scheme);
	if (strcasecmp(scheme, "SE-ORG") != 0 || dr->c.buyer.org_number)
		return CL_OK;
	if (!(v = jid(id, "id", buf, sizeof buf)))
		return CL_OK;
	if (orgnr_check(v, canon, NULL) == 0)
		return parse_set_str(&dr->c.buyer.org_number, canon);
	x->st->bad_orgnr++;
	return CL_OK;
}

static int set_buyer(struct ctx *x, struct draft *dr, const json_t *r)
{
	const json_t *bref = jobj(r, "buyer"), *parties = jarr(r, "parties");
	const json_t *party = NULL, *addr;
	const char *bid = jstr(bref, "id"), *name, *cc = NULL, *cc_scheme = NULL;
	const json_t *owners[2];
	int rc;

	for (size_t i = 0; bid && i < json_array_size(parties) && !party; i++) {
		const json_t *p = json_array_get(parties, i);
		const char *pid = jstr(p, "id");
		if (pid && strcmp(pid, bid) == 0)
			party = p;
	}
	for (size_t i = 0; i < json_array_size(parties) && !party; i++) {
		const json_t *p = json_array_get(parties, i);
		const json_t *roles = jarr(p, "roles");
		for (size_t k = 0; k < json_array_size(roles); k++) {
			const json_t *role = json_array_get(roles, k);
			if (json_is_string(role) && strcmp(json_string_value(role), "buyer") == 0)
				party = p;
		}
	}
	name = jstr(bref, "name");
	if (!name)
		name = jstr(party, "name");
	if (!name)
		name = jstr(jobj(party, "identifier"), "legalName");
	if (!name)
		name = jstr(jobj(jobj(r, "tender"), "procuringEntity"), "name");
	if ((rc = clean_into(&dr->c.buyer.name, name, CASE_NAME_MAX)))
		return rc;

	/* identifiers of the party and of the buyer reference (OCDS 1.0) */
	owners[0] = party;
	owners[1] = bref;
	for (int o = 0; o < 2; o++) {
		const json_t *more = jarr(owners[o], "additionalIdentifiers");

		if ((rc = read_identifier(x, dr, jobj(owners[o], "identifier"), &cc_scheme)))
			return rc;
		for (size_t i = 0; i < json_array_size(more); i++)
			if ((rc = read_identifier(x, dr, json_array_get(more, i), &cc_scheme)))
				return rc;
	}

	/* country: address name (a name or an ISO code), address code, NUTS
	 * region, identifier scheme, SE-ORG */
	addr = jobj(party, "address");
	if (!addr)
		addr = jobj(bref, "address");
	if (jstr(addr, "countryName")) {
		int nomem = 0;

		cc = country_code(&x->m.country, jstr(addr, "countryName"), &nomem);
		if (nomem)
			return CL_ENOMEM;
	}
	if (!cc) {
		const char *a = jstr(addr, "country");

		if (!a)
			a = jstr(addr, "countryCode");
		if (a && strlen(a) == 2 && ((a[0] | 0x20) >= 'a' && (a[0] | 0x20) <= 'z') &&
		    ((a[1] | 0x20) >= 'a' && (a[1] | 0x20) <= 'z')) {
			char code[3] = {(char)(a[0] & ~0x20), (char)(a[1] & ~0x20), 0};
			if ((rc = parse_set_str(&dr->c.buyer.country, code)))
				return rc;
		} else if (a) {
			int nomem = 0;

			cc = country_code(&x->m.country, a, &nomem);
			if (nomem)
				return CL_ENOMEM;
		}
	}
	{
		char nuts[6], ncc[3];

		if (nuts_of(jstr(addr, "region"), nuts, ncc)) {
			if ((rc = parse_set_str(&dr->c.buyer.nuts, nuts)))
				return rc;
			if (!dr->c.buyer.country && !cc &&
			    (rc = parse_set_str(&dr->c.buyer.country, ncc)))
				return rc;
		}
	}
	if (!dr->c.buyer.country && !cc)
		cc = cc_scheme;
	if (!dr->c.buyer.country && !cc && dr->c.buyer.org_number)
		cc = "SE";
	if (cc && (rc = parse_set_str(&dr->c.buyer.country, cc)))
		return rc;
	return CL_OK;
}

/* A CPV code from a classification id: "45233130", "45233162-2",
 * "45233130.0" (a spreadsheet's float), or a JSON number. 0 if none. */
static int cpv_code(const json_t *id, char out[11])
{
	const char *s;
	size_t n;

	if (json_is_integer(id) || json_is_real(id)) {
		double v = json_number_value(id);

		if (!(v >= 1 && v <= 99999999) || v != floor(v))
			return 0;
		snprintf(out, 11, "%08ld", (long)v);
		return 1;
	}
	if (!json_is_string(id))
		return 0;
	s = json_string_value(id);
	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n && s[n - 1] == ' ')
		n--;
	if (n < 8 || strspn(s, "0123456789") < 8)
		return 0;
	memcpy(out, s, 8);
	out[8] = '\0';
	if (n == 8)
		return 1;
	if (n == 10 && s[8] == '-' && s[9] >= '0' && s[9] <= '9') {
		out[8] = '-';
		out[9] = s[9];
		out[10] = '\0';
		return 1;
	}
	if (s[8] == '.' && n > 9 && strspn(s + 9, "0") == n - 9)
		return 1;
	return 0;
}

static int add_classification(struct ctx *x, struct draft *dr, const json_t *cl)
{
	const char *scheme = jstr(cl, "scheme");
	char code[11], div[3];
	int rc;

	if (!scheme || strcasecmp(scheme, "CPV") != 0)
		return CL_OK;
	if (!cpv_code(json_object_get(cl, "id"), code)) {
		x->st->bad_cpv++;
		return CL_OK;
	}
	memcpy(div, code, 2);
	div[2] = '\0';
	if (!tax_lookup(TAX_CATEGORIES, div)) {
		x->st->bad_cpv++;
		return CL_OK;
	}
	if ((rc = parse_list_add(&dr->c.cpv, code)) || (rc = parse_list_add(&dr->c.categories, div)))
		return rc;
	return CL_OK;
}

static int add_items(struct ctx *x, struct draft *dr, const json_t *items)
{
	int rc;

	for (size_t i = 0; i < json_array_size(items); i++) {
		const json_t *it = json_array_get(items, i);
		const json_t *more = jarr(it, "additionalClassifications");

		if ((rc = add_classification(x, dr, jobj(it, "classification"))))
			return rc;
		for (size_t k = 0; k < json_array_size(more); k++)
			if ((rc = add_classification(x, dr, json_array_get(more, k))))
				return rc;
	}
	return CL_OK;
}

static int set_cpv(struct ctx *x, struct draft *dr, const json_t *r)
{
	const char *groups[2] = {"awards", "contracts"};
	int rc;

	if ((rc = add_items(x, dr, jarr(jobj(r, "tender"), "items"))))
		return rc;
	for (int g = 0; g < 2; g++) {
		const json_t *a = jarr(r, groups[g]);
		for (size_t i = 0; i < json_array_size(a); i++)
			if ((rc = add_items(x, dr, jarr(json_array_get(a, i), "items"))))
				return rc;
	}
	return CL_OK;
}

static int set_procedure(struct ctx *x, struct draft *dr, const json_t *r)
{
	const json_t *tender = jobj(r, "tender");
	char *method = NULL, *details = NULL;
	const char *keys[3], *code = NULL;
	int rc = CL_OK;
	long row;

	if ((rc = clean_into(&method, jstr(tender, "procurementMethod"), 0)) ||
	    (rc = clean_into(&details, jstr(tender, "procurementMethodDetails"), 0)))
		goto out;
	if (!method && !details)
		goto out;
	keys[0] = method ? method : "";
	keys[1] = details ? details : "";
	keys[2] = dr->c.buyer.country ? dr->c.buyer.country : "";
	row = maptab_find(&x->m.method, 0, keys, 3);
	if (row >= 0)
		code = maptab_cell(&x->m.method, (size_t)row, 3);
	if (code && strcmp(code, "-") != 0)
		rc = parse_set_str(&dr->c.procedure, code);
	else
		x->st->unknown_procedure++;
out:
	free(method);
	free(details);
	return rc;
}

/* amount: a JSON number or a numeric string; finite and positive. */
static int amount_of(const json_t *v, double *out)
{
	const json_t *a = json_is_object(v) ? json_object_get(v, "amount") : NULL;
	double d;

	if (json_is_number(a)) {
		d = json_number_value(a);
	} else if (json_is_string(a)) {
		const char *s = json_string_value(a);
		char *end;

		if (!*s)
			return 0;
		d = strtod(s, &end);
		if (*end || end == s)
			return 0;
	} else {
		return 0;
	}
	/* 0 is how several publishers write "not known" */
	if (!isfinite(d) || d <= 0)
		return 0;
	*out = d;
	return 1;
}

/* currency: three ASCII letters, upper-cased ("mdl" -> "MDL"). */
static int currency_of(const json_t *v, char out[4])
{
	const char *s = jstr(v, "currency");

	if (!s || strlen(s) != 3)
		return 0;
	for (int i = 0; i < 3; i++) {
		char c = (char)(s[i] & ~0x20);
		if (c < 'A' || c > 'Z')
			return 0;
		out[i] = c;
	}
	out[3] = '\0';
	return 1;
}

/* value: the tender's; else the sum of the live awards in one currency. */
static int set_value(struct draft *dr, const json_t *r)
{
	const json_t *tv = jobj(jobj(r, "tender"), "value");
	const json_t *awards = jarr(r, "awards");
	char cur[4], c2[4];
	double amt = 0, a;
	int n = 0, rank = RANK_NONE;

	if (amount_of(tv, &amt) && currency_of(tv, cur)) {
		rank = 0;
	} else {
		amt = 0;
		for (size_t i = 0; i < json_array_size(awards); i++) {
			const json_t *aw = json_array_get(awards, i);
			const json_t *v = jobj(aw, "value");

			if (dead_status(aw) || !amount_of(v, &a) || !currency_of(v, c2))
				continue;
			if (n && strcmp(c2, cur) != 0) {
				n = 0; /* mixed currencies: no sum */
				break;
			}
			memcpy(cur, c2, 4);
			amt += a;
			n++;
		}
		if (n && isfinite(amt))
			rank = 1;
	}
	if (rank == RANK_NONE)
		return CL_OK;
	dr->c.has_value = 1;
	dr->c.value_amount = amt;
	dr->value_rank = rank;
	return parse_set_str(&dr->c.value_currency, cur);
}

/* The YYYY-MM-DD part of a date-time, or 0. */
static int date_part(const char *s, char out[11])
{
	if (!s || strlen(s) < 10)
		return 0;
	memcpy(out, s, 10);
	out[10] = '\0';
	return parse_is_date(out) && (s[10] == '\0' || s[10] == 'T' || s[10] == ' ');
}

static int set_dates(struct draft *dr, const json_t *r)
{
	const json_t *awards = jarr(r, "awards");
	char d[11], best[11] = "";
	int rc;

	if (date_part(jstr(r, "date"), d) && (rc = parse_set_str(&dr->c.published, d)))
		return rc;
	for (size_t i = 0; i < json_array_size(awards); i++) {
		const json_t *aw = json_array_get(awards, i);
		if (!dead_status(aw) && date_part(jstr(aw, "date"), d) && (!*best || strcmp(d, best) < 0))
			memcpy(best, d, sizeof best);
	}
	if (*best && (rc = parse_set_str(&dr->c.awarded, best)))
		return rc;
	return CL_OK;
}

/* language: the release's, else the package's, else OCDS's default "en". */
static int set_language(struct ctx *x, struct draft *dr, const json_t *r, const char *pkg_lang)
{
	const char *s = jstr(r, "language");
	char tag[16];
	const char *keys[1] = {tag};
	size_t n = 0;
	long row;

	if (!s)
		s = pkg_lang;
	if (!s)
		return parse_set_str(&dr->c.language, "en");
	while (*s == ' ')
		s++;
	for (; s[n] && s[n] != '-' && s[n] != '_' && s[n] != ' ' && n + 1 < sizeof tag; n++)
		tag[n] = (char)((s[n] >= 'A' && s[n] <= 'Z') ? s[n] | 0x20 : s[n]);
	tag[n] = '\0';
	row = maptab_find(&x->m.language, 0, keys, 1);
	if (row >= 0) {
		const char *code = maptab_cell(&x->m.language, (size_t)row, 1);
		if (strcmp(code, "-") != 0)
			return parse_set_str(&dr->c.language, code);
	} else if (n == 2 && tag[0] >= 'a' && tag[0] <= 'z' && tag[1] >= 'a' && tag[1] <= 'z') {
		return parse_set_str(&dr->c.language, tag);
	}
	x->st->bad_language++;
	return CL_OK;
}

/* A digest of a release without an id, to keep it apart from others. */
static int digest_id(const json_t *r, char **out)
{
	char *t = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
	uint64_t h = 1469598103934665603ULL;

	if (!t)
		return CL_ENOMEM;
	for (const char *p = t; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	free(t);
	if (asprintf(out, "~%016llx", (unsigned long long)h) < 0) {
		*out = NULL;
		return CL_ENOMEM;
	}
	return CL_OK;
}

/* One release (or compiled release) is kept with the draft of its ocid;
 * the case is compiled from all of them at the end. rec_ocid: the
 * record's ocid (fallback). */
static int add_release(struct ctx *x, const json_t *r, const json_t *pkg, const char *rec_ocid,
		       long line, const char *where, int compiled)
{
	struct rel rl;
	char *ocid = NULL, buf[64];
	const char *id;
	int rc = CL_OK;

	memset(&rl, 0, sizeof rl);
	x->st->releases++;
	if (!json_is_object(r)) {
		x->st->rejected++;
		parse_reject(x->sink, line, "%s: not an object", where);
		return CL_OK;
	}
	if ((rc = clean_into(&ocid, jstr(r, "ocid") ? jstr(r, "ocid") : rec_ocid, 0)))
		goto out;
	if (!ocid) {
		x->st->rejected++;
		parse_reject(x->sink, line, "%s: no ocid", where);
		goto out;
	}
	rl.compiled = compiled;
	if (!(rl.doc = json_deep_copy(r))) {
		rc = CL_ENOMEM;
		goto out;
	}
	id = jid(r, "id", buf, sizeof buf);
	if ((rc = id ? parse_set_str(&rl.id, id) : digest_id(r, &rl.id)) ||
	    (rc = parse_set_str(&rl.date, jstr(r, "date") ? jstr(r, "date") : "")) ||
	    (rc = parse_set_str(&rl.base, x->src->url && *x->src->url ? x->src->url
				    : is_http(jstr(pkg, "uri")) ? jstr(pkg, "uri") : NULL)) ||
	    (rc = clean_into(&rl.licence, jstr(pkg, "license"), CASE_NAME_MAX)) ||
	    (rc = parse_set_str(&rl.language, jstr(pkg, "language"))) ||
	    (rc = parse_set_str(&rl.url, x->src->url ? x->src->url : "")) ||
	    (rc = parse_set_str(&rl.sha256, x->src->sha256)) ||
	    (rc = parse_set_str(&rl.retrieved_at, x->src->retrieved_at)))
		goto out;

	if ((rc = drafts_grow(&x->d)))
		goto out;
	{
		size_t slot = drafts_slot(&x->d, ocid);
		struct draft *dr;

		if (x->d.slot[slot]) {
			dr = &x->d.v[x->d.slot[slot] - 1];
			x->st->merged++;
		} else {
			dr = &x->d.v[x->d.n];
			draft_init(dr);
			dr->ocid = ocid;
			ocid = NULL;
			dr->line = line;
			snprintf(dr->where, sizeof dr->where, "%s", where);
			x->d.slot[slot] = ++x->d.n;
		}
		rc = rels_add(&dr->rels, &rl);
	}
out:
	free(ocid);
	rel_release(&rl);
	return rc;
}

static int add_record(struct ctx *x, const json_t *rec, const json_t *pkg, long line,
		      const char *where)
{
	const json_t *cr = jobj(rec, "compiledRelease"), *rels = jarr(rec, "releases");
	char w[128];
	int rc, any = 0;

	x->st->records++;
	if (!json_is_object(rec)) {
		x->st->rejected++;
		parse_reject(x->sink, line, "%s: not an object", where);
		return CL_OK;
	}
	if (cr) {
		snprintf(w, sizeof w, "%s.compiledRelease", where);
		return add_release(x, cr, pkg, jstr(rec, "ocid"), line, w, 1);
	}
	/* No compiled release: the embedded releases (linked ones only have
	 * url, date and tag) */
	for (size_t i = 0; i < json_array_size(rels); i++) {
		const json_t *r = json_array_get(rels, i);

		if (!json_object_get(r, "ocid") && !json_object_get(r, "id"))
			continue;
		snprintf(w, sizeof w, "%s.releases[%zu]", where, i);
		if ((rc = add_release(x, r, pkg, jstr(rec, "ocid"), line, w, 0)))
			return rc;
		any = 1;
	}
	if (!any) {
		x->st->rejected++;
		parse_reject(x->sink, line, "%s: no compiledRelease and no embedded release", where);
	}
	return CL_OK;
}

/* What kind of OCDS object o is. */
enum shape { S_NONE, S_RELEASE_PACKAGE, S_RECORD_PACKAGE, S_RECORD, S_RELEASE };

static enum shape shape_of(const json_t *o)
{
	if (!json_is_object(o))
		return S_NONE;
	if (jarr(o, "records"))
		return S_RECORD_PACKAGE;
	if (jobj(o, "compiledRelease"))
		return S_RECORD;
	if (jarr(o, "releases") && !json_object_get(o, "ocid"))
		return S_RELEASE_PACKAGE;
	if (json_object_get(o, "ocid") && jarr(o, "releases") && !json_object_get(o, "tag") &&
	    !json_object_get(o, "date"))
		return S_RECORD;
	if (json_object_get(o, "ocid"))
		return S_RELEASE;
	return S_NONE;
}

/* One object of a payload (the payload, a line, or an element of a top
 * array). lines: start lines of the package's elements, or NULL (then
 * every element is at `line`). prefix: "" or "line N: " or "[i]". */
static int add_object(struct ctx *x, const json_t *o, long line, const struct ocds_jpos *lines,
		      const char *prefix)
{
	enum shape sh = shape_of(o);
	const json_t *a;
	char w[96];
	int rc;

	switch (sh) {
	case S_RECORD_PACKAGE:
	case S_RELEASE_PACKAGE:
		a = jarr(o, sh == S_RECORD_PACKAGE ? "records" : "releases");
		for (size_t i = 0; i < json_array_size(a); i++) {
			long ln = lines && i < lines->n ? lines->line[i] : line;

			snprintf(w, sizeof w, "%s%s[%zu]", prefix,
				 sh == S_RECORD_PACKAGE ? "records" : "releases", i);
			rc = sh == S_RECORD_PACKAGE ? add_record(x, json_array_get(a, i), o, ln, w)
						    : add_release(x, json_array_get(a, i), o, NULL, ln, w, 0);
			if (rc)
				return rc;
		}
		return CL_OK;
	case S_RECORD:
		snprintf(w, sizeof w, "%srecord", prefix);
		return add_record(x, o, NULL, line, w);
	case S_RELEASE:
		snprintf(w, sizeof w, "%srelease", prefix);
		return add_release(x, o, NULL, NULL, line, w, 0);
	default:
		return CL_EPARSE;
	}
}

static const char not_ocds[] =
	"not OCDS: no releases, records, compiledRelease or ocid member";

/* The source url of a case: base without its fragment, "#", the ocid
 * percent-encoded. New string or NULL. */
static char *source_url(const char *base, const char *ocid)
{
	size_t blen = strcspn(base, "#");
	char *url = malloc(blen + 2 + strlen(ocid) * 3), *p;

	if (!url)
		return NULL;
	memcpy(url, base, blen);
	p = url + blen;
	*p++ = '#';
	for (const unsigned char *q = (const unsigned char *)ocid; *q; q++) {
		if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
		    strchr("-._~", *q)) {
			*p++ = (char)*q;
		} else {
			snprintf(p, 4, "%%%02X", *q);
			p += 3;
		}
	}
	*p = '\0';
	return url;
}

/* What a kept release takes from its package, as JSON text (NULL when
 * nothing). */
static char *package_text(const struct rel *r, int *nomem)
{
	json_t *o = json_object();
	char *t = NULL;

	if (!o ||
	    (r->base && json_object_set_new(o, "base", json_string(r->base))) ||
	    (r->licence && json_object_set_new(o, "license", json_string(r->licence))) ||
	    (r->language && json_object_set_new(o, "language", json_string(r->language)))) {
		*nomem = 1;
	} else if (json_object_size(o) && !(t = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS))) {
		*nomem = 1;
	}
	json_decref(o);
	return t;
}

static int keep_rel(struct ctx *x, const char *ocid, const struct rel *r)
{
	struct parser_part p;
	char *doc = json_dumps(r->doc, JSON_COMPACT | JSON_SORT_KEYS), *pkg;
	int nomem = 0, rc;

	pkg = package_text(r, &nomem);
	if (!doc || nomem) {
		free(doc);
		free(pkg);
		return CL_ENOMEM;
	}
	p.key = ocid;
	p.kind = r->compiled ? "compiled" : "release";
	p.id = r->id;
	p.date = r->date;
	p.doc = doc;
	p.package = pkg;
	p.url = r->url;
	p.sha256 = r->sha256;
	p.retrieved_at = r->retrieved_at;
	rc = x->parts->put(x->parts->ud, &p);
	free(doc);
	free(pkg);
	return rc;
}

/* A kept release, read back. Rows that do not read (a damaged store) are
 * skipped: the releases of the payload are there in any case. */
static int collect_rel(void *ud, const struct parser_part *p)
{
	struct rels *l = ud;
	struct rel r;
	json_t *pkg = NULL;
	int rc = CL_OK;

	memset(&r, 0, sizeof r);
	if (ocds_json_load(p->doc, strlen(p->doc), OCDS_MAX_BYTES, 0, &r.doc, NULL) != CL_OK ||
	    !json_is_object(r.doc))
		goto out;
	if (p->package && (ocds_json_load(p->package, strlen(p->package), OCDS_MAX_BYTES, 0, &pkg,
					  NULL) != CL_OK))
		pkg = NULL;
	r.compiled = p->kind && strcmp(p->kind, "compiled") == 0;
	if ((rc = parse_set_str(&r.id, p->id ? p->id : "")) || (rc = parse_set_str(&r.date, p->date ? p->date : "")) ||
	    (rc = parse_set_str(&r.base, jstr(pkg, "base"))) ||
	    (rc = parse_set_str(&r.licence, jstr(pkg, "license"))) ||
	    (rc = parse_set_str(&r.language, jstr(pkg, "language"))) ||
	    (rc = parse_set_str(&r.url, p->url)) || (rc = parse_set_str(&r.sha256, p->sha256)) ||
	    (rc = parse_set_str(&r.retrieved_at, p->retrieved_at)))
		goto out;
	rc = rels_add(l, &r);
out:
	json_decref(pkg);
	rel_release(&r);
	return rc;
}

/* The case's sources: one per source url base, the newest release's
 * first, each with the retrieval of its newest release. */
static int set_sources(struct draft *dr, const struct rels *l)
{
	struct case_record *c = &dr->c;

	c->sources = calloc(CASE_SOURCES_MAX, sizeof *c->sources);
	if (!c->sources)
		return CL_ENOMEM;
	for (size_t i = l->n; i-- > 0 && c->nsources < CASE_SOURCES_MAX;) {
		const struct rel *r = &l->v[i];
		struct case_source *cs;
		const char *lic;
		char *url;
		size_t k;

		if (!r->base)
			continue;
		if (!(url = source_url(r->base, dr->ocid)))
			return CL_ENOMEM;
		for (k = 0; k < c->nsources; k++)
			if (strcmp(c->sources[k].url, url) == 0)
				break;
		if (k < c->nsources) {
			free(url);
			continue;
		}
		cs = &c->sources[c->nsources++];
		cs->url = url;
		/* the licence: of the newest release from this base that has a
		 * package licence (a bare release line has none) */
		lic = r->licence;
		for (k = i; !lic && k-- > 0;)
			if (l->v[k].base && strcmp(l->v[k].base, r->base) == 0)
				lic = l->v[k].licence;
		if (parse_set_str(&cs->retrieved_at, r->retrieved_at) || parse_set_str(&cs->sha256, r->sha256) ||
		    parse_set_str(&cs->format, OCDS_FORMAT) || parse_set_str(&cs->licence, lic))
			return CL_ENOMEM;
	}
	return CL_OK;
}

/* Compiles the releases of one ocid (this payload's, and with parts every
 * one kept) and fills the draft's case from the compiled release. */
static int compile_draft(struct ctx *x, struct draft *dr)
{
	struct rels kept = {NULL, 0, 0};
	const struct rels *l = &dr->rels;
	const char *lang = NULL;
	json_t *comp = NULL;
	int rc = CL_OK;

	if (x->parts) {
		for (size_t i = 0; i < dr->rels.n; i++)
			if ((rc = keep_rel(x, dr->ocid, &dr->rels.v[i])))
				return rc;
		if ((rc = x->parts->each(x->parts->ud, dr->ocid, collect_rel, &kept)))
			goto out;
		if (kept.n)
			l = &kept;
	}
	qsort(l->v, l->n, sizeof *l->v, rel_cmp);
	if (!(comp = json_object())) {
		rc = CL_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < l->n; i++) {
		if ((rc = merge_obj(comp, l->v[i].doc, 0)))
			goto out;
		if (l->v[i].language)
			lang = l->v[i].language;
	}
	if ((rc = set_texts(dr, comp)) || (rc = set_buyer(x, dr, comp)) ||
	    (rc = set_cpv(x, dr, comp)) || (rc = set_procedure(x, dr, comp)) ||
	    (rc = set_value(dr, comp)) || (rc = set_dates(dr, comp)) ||
	    (rc = set_language(x, dr, comp, lang)) || (rc = set_sources(dr, l)))
		goto out;
out:
	json_decref(comp);
	rels_release(&kept);
	return rc;
}

/* The drafts -> validated cases. */
static int finish(struct ctx *x, struct cl_errbuf *eb)
{
	for (size_t i = 0; i < x->d.n; i++) {
		struct draft *dr = &x->d.v[i];
		struct case_record *c = &dr->c;
		const char *native = dr->ocid;
		char id[CASE_ID_MAX + 1];
		int rc, renamed = 0;

		if ((rc = compile_draft(x, dr)))
			return cl_fail(eb, rc, "ocds: %s (ocid %.100s): %s", dr->where, dr->ocid,
				       rc == CL_ENOMEM ? "out of memory" : "keeping the releases failed");
		if (!c->title) {
			x->st->rejected++;
			parse_reject(x->sink, dr->line,
				     "%s (ocid %.100s): no title in tender, planning, contracts or awards",
				     dr->where, dr->ocid);
			continue;
		}
		if (strncasecmp(native, "ocds-", 5) == 0)
			native += 5;
		if (parse_make_id(id, "ocds-", native) != CL_OK) {
			x->st->rejected++;
			parse_reject(x->sink, dr->line, "%s: ocid '%.100s' gives no id", dr->where, dr->ocid);
			continue;
		}
		if ((rc = parse_ids_claim(&x->ids, id, &renamed)))
			return cl_fail(eb, rc, "ocds: out of memory");
		x->st->renamed_ids += renamed;
		if (!c->nsources) {
			x->st->rejected++;
			parse_reject(x->sink, dr->line,
				     "%s (ocid %.100s): no source url (none given, and the package has no uri)",
				     dr->where, dr->ocid);
			continue;
		}
		/* Swedish register names in capitals read better the Swedish way
		 * (after merging: the country may come from another release) */
		if (c->buyer.name && c->buyer.country && strcmp(c->buyer.country, "SE") == 0) {
			char *nm = norm_buyer_name(c->buyer.name, &x->m.words);

			if (!nm)
				return cl_fail(eb, CL_ENOMEM, "ocds: out of memory");
			free(c->buyer.name);
			c->buyer.name = nm;
		}
		if (!c->procedure)
			x->st->no_procedure++;
		if (!c->has_value)
			x->st->no_value++;
		if (!c->buyer.country)
			x->st->no_country++;
		if ((rc = parse_set_str(&c->id, id)) || (rc = parse_set_str(&c->kind, "procurement")))
			return cl_fail(eb, rc, "ocds: out of memory");

		rc = parse_emit_valid(x->sink, c, dr->line);
		if (rc == CL_EVALIDATION) {
			x->st->rejected++;
			continue;
		}
		if (rc)
			return cl_fail(eb, rc, "ocds: %s (ocid %.100s): %s", dr->where, dr->ocid,
				       rc == CL_ENOMEM ? "out of memory" : "stopped by the receiver");
		x->st->emitted++;
	}
	return CL_OK;
}

/* A loader message about one line of JSON Lines: "line 1 column C: ..."
 * counts within the line, so only the column is kept. */
static const char *jsonl_msg(const char *msg)
{
	return strncmp(msg, "line 1 column ", 14) == 0 ? msg + 7 : msg;
}

static int run_jsonl(struct ctx *x, const char *data, size_t len)
{
	size_t off = 0, n;
	long lineno = 0;
	const char *s;

	while (next_line(data, len, &off, &lineno, &s, &n)) {
		struct cl_errbuf lerr;
		char prefix[40];
		json_t *j = NULL;
		int rc;

		if (n == 0)
			continue;
		x->st->lines++;
		rc = ocds_json_load(s, n, OCDS_MAX_BYTES, 0, &j, &lerr);
		if (rc == CL_ENOMEM)
			return rc;
		if (rc) {
			x->st->bad_lines++;
			x->st->rejected++;
			parse_reject(x->sink, lineno, "line %ld: %s", lineno, jsonl_msg(lerr.msg));
			continue;
		}
		snprintf(prefix, sizeof prefix, "line %ld: ", lineno);
		rc = add_object(x, j, lineno, NULL, prefix);
		json_decref(j);
		if (rc == CL_EPARSE) {
			x->st->bad_lines++;
			x->st->rejected++;
			parse_reject(x->sink, lineno, "line %ld: %s", lineno, not_ocds);
			continue;
		}
		if (rc)
			return rc;
	}
	return CL_OK;
}

static int run_doc(struct ctx *x, const char *data, size_t len, struct cl_errbuf *eb)
{
	struct ocds_jpos pos;
	json_t *j = NULL;
	int rc;

	ocds_jpos_init(&pos);
	if ((rc = ocds_json_load(data, len, OCDS_MAX_BYTES, 0, &j, eb))) {
		char msg[CL_ERRBUF_SIZE];

		snprintf(msg, sizeof msg, "%s", eb ? eb->msg : "");
		return cl_fail(eb, rc, "ocds: %s%s", rc == CL_EPARSE ? "not JSON: " : "payload ", msg);
	}
	if (json_is_array(j)) {
		if ((rc = ocds_json_scan(data, len, "$", OCDS_MAX_DEPTH, &pos)))
			goto out;
		for (size_t i = 0; i < json_array_size(j); i++) {
			char prefix[40];
			long ln = i < pos.n ? pos.line[i] : 1;

			snprintf(prefix, sizeof prefix, "[%zu].", i);
			rc = add_object(x, json_array_get(j, i), ln, NULL, prefix);
			if (rc == CL_EPARSE) {
				x->st->rejected++;
				parse_reject(x->sink, ln, "[%zu]: %s", i, not_ocds);
				rc = CL_OK;
			}
			if (rc)
				goto out;
		}
	} else {
		enum shape sh = shape_of(j);

		if (sh == S_RECORD_PACKAGE || sh == S_RELEASE_PACKAGE)
			if ((rc = ocds_json_scan(data, len,
						 sh == S_RECORD_PACKAGE ? "records" : "releases",
						 OCDS_MAX_DEPTH, &pos)))
				goto out;
		rc = add_object(x, j, 1, &pos, "");
		if (rc == CL_EPARSE) {
			rc = cl_fail(eb, CL_EPARSE, "ocds: %s", not_ocds);
			goto out;
		}
	}
out:
	if (rc == CL_ENOMEM)
		cl_fail(eb, rc, "ocds: out of memory");
	ocds_jpos_release(&pos);
	json_decref(j);
	return rc;
}

static int only_blanks(const char *d, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n", d[i]))
			return 0;
	return 1;
}

static int parse_impl(const char *data, size_t len, const struct parse_src *src,
		      const struct parse_sink *sink, const struct parser_parts *parts,
		      struct ocds_stats *st, struct cl_errbuf *eb)
{
	struct ocds_stats local;
	struct ctx x;
	int rc;

	memset(&x, 0, sizeof x);
	x.st = st ? st : &local;
	ocds_stats_init(x.st);
	if (!src || !src->retrieved_at || !*src->retrieved_at)
		return cl_fail(eb, CL_EINVAL, "ocds: no retrieved_at given");
	if (!sink || !sink->emit)
		return cl_fail(eb, CL_EINVAL, "ocds: no emit callback");
	if (!data || only_blanks(data, len))
		return cl_fail(eb, CL_EPARSE, "ocds: empty payload");
	if (parts && (!parts->put || !parts->each))
		return cl_fail(eb, CL_EINVAL, "ocds: parts without put or each");
	x.src = src;
	x.sink = sink;
	x.parts = parts;
	parse_ids_init(&x.ids);
	if ((rc = maps_load(&x.m, eb)))
		goto out;
	if (ocds_is_jsonl(data, len)) {
		if ((rc = run_jsonl(&x, data, len))) {
			cl_fail(eb, rc, "ocds: %s", rc == CL_ENOMEM ? "out of memory" : "stopped");
			goto out;
		}
	} else if ((rc = run_doc(&x, data, len, eb))) {
		goto out;
	}
	rc = finish(&x, eb);
out:
	drafts_release(&x.d);
	parse_ids_release(&x.ids);
	maps_release(&x.m);
	return rc;
}

int ocds_parse(const char *data, size_t len, const struct parse_src *src,
	       const struct parse_sink *sink, struct ocds_stats *st, struct cl_errbuf *eb)
{
	return parse_impl(data, len, src, sink, NULL, st, eb);
}

int ocds_parse_parts(const char *data, size_t len, const struct parse_src *src,
		     const struct parse_sink *sink, const struct parser_parts *parts,
		     struct cl_errbuf *eb)
{
	return parse_impl(data, len, src, sink, parts, NULL, eb);
}

int ocds_parse_mem(const char *data, size_t len, const struct parse_src *src,
		   const struct parse_sink *sink, struct cl_errbuf *eb)
{
	return parse_impl(data, len, src, sink, NULL, NULL, eb);
}

/* ---- pagination ----------------------------------------------------------- */

int ocds_next_link(const char *data, size_t len, char **url)
{
	const char *doc = data, *s, *next;
	size_t dlen = len, off = 0, n;
	long lineno = 0;
	json_t *j = NULL;
	int rc, enomem = 0, jsonl;

	if (!url)
		return CL_EINVAL;
	*url = NULL;
	if (!data)
		return CL_EPARSE;
	if ((jsonl = ocds_is_jsonl(data, len)))
		while (next_line(data, len, &off, &lineno, &s, &n))
			if (n) {
				doc = s;
				dlen = n;
			}
	if ((rc = ocds_json_load(doc, dlen, OCDS_MAX_BYTES, 0, &j, NULL))) {
		/* JSON Lines cut in the last line: the parser rejected that
		 * line; there is no links.next to follow (nor to complain
		 * about) — an earlier line's is not the feed's last word. */
		if (jsonl && rc != CL_ENOMEM)
			return CL_OK;
		return rc;
	}
	next = jstr(jobj(j, "links"), "next");
	if (!next) {
		rc = CL_OK;
		goto out;
	}
	while (*next == ' ')
		next++;
	if (!is_http(next) || next[strcspn(next, " \t\r\n")] != '\0') {
		rc = CL_EPARSE;
		goto out;
	}
	*url = parse_first_url(next, &enomem);
	rc = *url ? CL_OK : enomem ? CL_ENOMEM : CL_EPARSE;
out:
	json_decref(j);
	return rc;
}
