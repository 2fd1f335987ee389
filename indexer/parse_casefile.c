/* parse_casefile.c — case records from files people write: case JSON (an
 * object, an array, or JSON Lines) and Markdown with a front-matter header
 * (see parse_casefile.h). Both end in case_from_json(), so a file record
 * is held to exactly the rules an API submission is; this file only finds
 * the records, keeps their positions, and turns the front matter into
 * JSON. */
#include "parse_casefile.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "dbuf.h"
#include "parse_ocds.h"
#include "utf8.h"

/* ---- shared ----------------------------------------------------------------- */

static int has_source(const struct parse_src *src)
{
	return src && src->url && *src->url && src->retrieved_at && *src->retrieved_at;
}

/* {url, retrieved_at, sha256, format} of the payload; NULL on ENOMEM. */
static json_t *payload_source(const struct parse_src *src, const char *format)
{
	json_t *o = json_object();

	if (!o || json_object_set_new(o, "url", json_string(src->url)) ||
	    json_object_set_new(o, "retrieved_at", json_string(src->retrieved_at)) ||
	    (src->sha256 && json_object_set_new(o, "sha256", json_string(src->sha256))) ||
	    json_object_set_new(o, "format", json_string(format))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Appends to buf (sticky truncation). */
static void cat(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cat(char *buf, size_t n, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= n)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, n - used, fmt, ap);
	va_end(ap);
}

static int only_blanks(const char *d, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n", d[i]))
			return 0;
	return 1;
}

/* Shown problems per rejected record; the rest are counted. */
#define SHOWN_PROBLEMS 3

/* ---- case JSON ---------------------------------------------------------------- */

struct jctx {
	const struct parse_src *src;
	const struct parse_sink *sink;
	struct parse_ids ids;
};

/* One record: validate, reject with paths, or emit. prefix replaces the
 * "$" of each problem path ("$[3]" for the fourth array element). */
static int json_record(struct jctx *x, const json_t *j, long line, const char *prefix)
{
	struct case_problems probs;
	struct case_record c;
	json_t *copy = NULL;
	char why[CL_ERRBUF_SIZE], id[CASE_ID_MAX + 1];
	int rc, renamed = 0;

	case_problems_init(&probs);
	case_init(&c);
	if (!json_is_object(j)) {
		parse_reject(x->sink, line, "line %ld: %s: must be a case object", line, prefix);
		rc = CL_OK;
		goto out;
	}
	if (!json_object_get(j, "sources") && has_source(x->src)) {
		json_t *arr = json_array(), *s = payload_source(x->src, CASEFILE_JSON_FORMAT);

		union {
			const json_t *c;
			json_t *m;
		} u = {.c = j}; /* json_copy does not modify its argument */

		copy = json_copy(u.m);
		if (!arr || !s || !copy || json_array_append_new(arr, s) ||
		    json_object_set_new(copy, "sources", arr)) {
			if (!arr || json_array_size(arr) == 0)
				json_decref(s);
			json_decref(arr);
			rc = CL_ENOMEM;
			goto out;
		}
	}
	rc = case_from_json(copy ? copy : j, 0, &c, &probs);
	if (rc == CL_EVALIDATION) {
		why[0] = '\0';
		for (size_t i = 0; i < probs.n && i < SHOWN_PROBLEMS; i++)
			cat(why, sizeof why, "%s%s%s: %s", i ? "; " : "", prefix,
			    probs.v[i].path + (probs.v[i].path[0] == '$'), probs.v[i].reason);
		if (probs.n > SHOWN_PROBLEMS)
			cat(why, sizeof why, " (and %zu more)", probs.n - SHOWN_PROBLEMS);
		parse_reject(x->sink, line, "line %ld: %s", line, why);
		rc = CL_OK;
		goto out;
	}
	if (rc)
		goto out;
	snprintf(id, sizeof id, "%s", c.id);
	if ((rc = parse_ids_claim(&x->ids, id, &renamed)))
		goto out;
	if (renamed) {
		parse_reject(x->sink, line, "line %ld: %s.id: '%s' repeats the id of an earlier record",
			     line, prefix, c.id);
		goto out;
	}
	rc = x->sink->emit(x->sink->ud, &c);
out:
	json_decref(copy);
	case_release(&c);
	case_problems_release(&probs);
	return rc;
}

static int json_lines(struct jctx *x, const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	long lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *s = p;
		struct cl_errbuf lerr;
		json_t *j = NULL;
		int rc;

		lineno++;
		p = nl ? nl + 1 : end;
		while (s < e && strchr(" \t\r", *s))
			s++;
		while (e > s && strchr(" \t\r", e[-1]))
			e--;
		if (lineno == 1 && e - s >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
			s += 3;
		if (s == e)
			continue;
		rc = ocds_json_load(s, (size_t)(e - s), CASE_JSON_MAX_BYTES, JSON_REJECT_DUPLICATES,
				    &j, &lerr);
		if (rc == CL_ENOMEM)
			return rc;
		if (rc) {
			/* "line 1 column C" counts within this line: keep the column */
			parse_reject(x->sink, lineno, "line %ld: $: %s", lineno,
				     strncmp(lerr.msg, "line 1 column ", 14) == 0 ? lerr.msg + 7
										  : lerr.msg);
			continue;
		}
		rc = json_record(x, j, lineno, "$");
		json_decref(j);
		if (rc)
			return rc;
	}
	return CL_OK;
}

int casefile_parse_json(const char *data, size_t len, const struct parse_src *src,
			const struct parse_sink *sink, struct cl_errbuf *eb)
{
	struct ocds_jpos pos;
	struct jctx x;
	json_t *j = NULL;
	int rc;

	if (!sink || !sink->emit)
		return cl_fail(eb, CL_EINVAL, "case-json: no emit callback");
	if (!data || only_blanks(data, len))
		return cl_fail(eb, CL_EPARSE, "case-json: empty payload");
	memset(&x, 0, sizeof x);
	x.src = src;
	x.sink = sink;
	parse_ids_init(&x.ids);
	ocds_jpos_init(&pos);
	if (ocds_is_jsonl(data, len)) {
		rc = json_lines(&x, data, len);
		goto out;
	}
	if ((rc = ocds_json_load(data, len, CASEFILE_JSON_MAX_BYTES, JSON_REJECT_DUPLICATES, &j,
				 eb))) {
		char msg[CL_ERRBUF_SIZE];

		snprintf(msg, sizeof msg, "%s", eb ? eb->msg : "");
		cl_fail(eb, rc, "case-json: %s%s", rc == CL_EPARSE ? "not JSON: " : "payload ", msg);
		goto out;
	}
	if (json_is_array(j)) {
		if ((rc = ocds_json_scan(data, len, "$", OCDS_MAX_DEPTH, &pos)))
			goto out;
		for (size_t i = 0; i < json_array_size(j) && !rc; i++) {
			char prefix[32];

			snprintf(prefix, sizeof prefix, "$[%zu]", i);
			rc = json_record(&x, json_array_get(j, i), i < pos.n ? pos.line[i] : 1, prefix);
		}
	} else {
		rc = json_record(&x, j, 1, "$");
	}
out:
	if (rc == CL_ENOMEM)
		cl_fail(eb, rc, "case-json: out of memory");
	else if (rc && rc != CL_EPARSE && rc != CL_ETOOBIG)
		cl_fail(eb, rc, "case-json: stopped by the receiver");
	json_decref(j);
	ocds_jpos_release(&pos);
	parse_ids_release(&x.ids);
	return rc;
}

/* ---- Markdown with front matter ------------------------------------------------ */

enum ktype { K_STR, K_LIST, K_MAP, K_SUB, K_SOURCES };

struct fm_key {
	const char *name;
	enum ktype type;
	const char *obj, *sub; /* K_SUB: buyer_name -> buyer.name; K_MAP: obj */
};

static const struct fm_key fm_keys[] = {
	{"id", K_STR, NULL, NULL},
	{"kind", K_STR, NULL, NULL},
	{"title", K_STR, NULL, NULL},
	{"summary", K_STR, NULL, NULL},
	{"language", K_STR, NULL, NULL},
	{"buyer", K_MAP, "buyer", NULL},
	{"buyer_name", K_SUB, "buyer", "name"},
	{"buyer_org_number", K_SUB, "buyer", "org_number"},
	{"buyer_country", K_SUB, "buyer", "country"},
	{"buyer_nuts", K_SUB, "buyer", "nuts"},
	{"authority_type", K_STR, NULL, NULL},
	{"sectors", K_LIST, NULL, NULL},
	{"categories", K_LIST, NULL, NULL},
	{"cpv", K_LIST, NULL, NULL},
	{"goals", K_LIST, NULL, NULL},
	{"strategic", K_LIST, NULL, NULL},
	{"procedure", K_STR, NULL, NULL},
	{"innovation", K_LIST, NULL, NULL},
	{"published", K_STR, NULL, NULL},
	{"awarded", K_STR, NULL, NULL},
	{"value", K_MAP, "value", NULL},
	{"value_amount", K_SUB, "value", "amount"},
	{"value_currency", K_SUB, "value", "currency"},
	{"outcome", K_STR, NULL, NULL},
	{"lessons", K_STR, NULL, NULL},
	{"sources", K_SOURCES, NULL, NULL},
};
#define NKEYS (sizeof fm_keys / sizeof fm_keys[0])

static const char *const buyer_subs[] = {"name", "org_number", "country", "nuts", NULL};
static const char *const value_subs[] = {"amount", "currency", NULL};

const char *const *casefile_md_keys(size_t *n)
{
	static const char *names[NKEYS];

	for (size_t i = 0; i < NKEYS; i++)
		names[i] = fm_keys[i].name;
	*n = NKEYS;
	return names;
}

struct fm_line {
	const char *s; /* without the line end (and a CR before it) */
	size_t n;
	long no;
};

struct fm_where {
	char path[80];
	long line;
};

struct mdctx {
	const struct parse_src *src;
	const struct parse_sink *sink;
	struct fm_line *lines;
	size_t nlines;
	json_t *obj;
	json_t *srcs;        /* the URLs under `sources`, as strings */
	struct fm_where *where;
	size_t nwhere, capwhere;
	long errline;
	char err[CL_ERRBUF_SIZE];
};

/* Records a problem at a line; returns CL_EPARSE (CL_ENOMEM is passed on). */
static int fm_fail(struct mdctx *x, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fm_fail(struct mdctx *x, long line, const char *fmt, ...)
{
	va_list ap;

	x->errline = line;
	va_start(ap, fmt);
	vsnprintf(x->err, sizeof x->err, fmt, ap);
	va_end(ap);
	for (char *c = x->err; *c; c++) /* a reason is one line (quoted input may hold line ends) */
		if ((unsigned char)*c < 0x20)
			*c = ' ';
	return CL_EPARSE;
}

static long where_line(const struct mdctx *x, const char *path)
{
	for (size_t i = 0; i < x->nwhere; i++)
		if (strcmp(x->where[i].path, path) == 0)
			return x->where[i].line;
	return 0;
}

/* Notes where path was written; a path written twice is an error. */
static int where_add(struct mdctx *x, const char *path, long line, const char *what)
{
	long first = where_line(x, path);

	if (first)
		return fm_fail(x, line, "%s given twice (first on line %ld)", what, first);
	if (dbuf_grow(&x->where, &x->capwhere, x->nwhere + 1, sizeof *x->where))
		return CL_ENOMEM;
	snprintf(x->where[x->nwhere].path, sizeof x->where[0].path, "%s", path);
	x->where[x->nwhere++].line = line;
	return CL_OK;
}

/* The line of the longest written path that is path or a parent of it. */
static long line_of_path(const struct mdctx *x, const char *path, long dflt)
{
	long best = dflt;
	size_t bestlen = 0;

	for (size_t i = 0; i < x->nwhere; i++) {
		size_t n = strlen(x->where[i].path);

		if (n > bestlen && strncmp(path, x->where[i].path, n) == 0 &&
		    (path[n] == '\0' || path[n] == '.' || path[n] == '[')) {
			best = x->where[i].line;
			bestlen = n;
		}
	}
	return best;
}

static int is_blank_or_comment(const struct fm_line *l)
{
	size_t i = 0;

	while (i < l->n && l->s[i] == ' ')
		i++;
	return i == l->n || l->s[i] == '#';
}

static size_t indent_of(const struct fm_line *l)
{
	size_t i = 0;

	while (i < l->n && l->s[i] == ' ')
		i++;
	return i;
}

static int hex4(const char *s, const char *e, unsigned long *v)
{
	*v = 0;
	if (e - s < 4)
		return 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0'
			: (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10
								  : -1;
		if (d < 0)
			return 0;
		*v = *v * 16 + (unsigned long)d;
	}
	return 1;
}

/* One scalar starting at *pp (blanks skipped) and ending before e or at a
 * character of stop (outside quotes): a double-quoted string (JSON-like
 * escapes), a single-quoted one ('' is a quote) or a plain one (up to a
 * stop character or " #", trimmed). *out gets a new string; *pp is moved
 * past the scalar and the blanks after it. */
static int fm_scalar(struct mdctx *x, long line, const char **pp, const char *e,
		     const char *stop, char **out)
{
	const char *p = *pp;
	char *o, *buf;

	*out = NULL;
	while (p < e && *p == ' ')
		p++;
	buf = malloc((size_t)(e - p) + 1);
	if (!buf)
		return CL_ENOMEM;
	o = buf;
	if (p < e && *p == '"') {
		for (p++;; p++) {
			if (p >= e) {
				free(buf);
				return fm_fail(x, line, "a double-quoted value is not closed");
			}
			if (*p == '"')
				break;
			if (*p != '\\') {
				*o++ = *p;
				continue;
			}
			if (++p >= e)
				continue;
			switch (*p) {
			case '"': *o++ = '"'; break;
			case '\\': *o++ = '\\'; break;
			case '/': *o++ = '/'; break;
			case 'n': *o++ = '\n'; break;
			case 't': *o++ = '\t'; break;
			case 'u': {
				unsigned long cp, lo;

				if (!hex4(p + 1, e, &cp))
					goto bad_escape;
				p += 4;
				if (cp >= 0xD800 && cp <= 0xDBFF) {
					if (e - p < 7 || p[1] != '\\' || p[2] != 'u' ||
					    !hex4(p + 3, e, &lo) || lo < 0xDC00 || lo > 0xDFFF)
						goto bad_escape;
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					p += 6;
				} else if ((cp >= 0xDC00 && cp <= 0xDFFF) || cp == 0) {
					goto bad_escape;
				}
				o += utf8_encode(o, (uint32_t)cp);
				break;
			}
			default:
			bad_escape:
				free(buf);
				return fm_fail(x, line, "unknown or bad escape '\\%c' in a double-quoted value",
					       p < e ? *p : ' ');
			}
		}
		p++;
	} else if (p < e && *p == '\'') {
		for (p++;; p++) {
			if (p >= e) {
				free(buf);
				return fm_fail(x, line, "a single-quoted value is not closed");
			}
			if (*p == '\'') {
				if (p + 1 < e && p[1] == '\'') {
					*o++ = '\'';
					p++;
					continue;
				}
				break;
			}
			*o++ = *p;
		}
		p++;
	} else {
		if (p < e && strchr("{}[]&*!|>%@`", *p)) {
			free(buf);
			return fm_fail(x, line, "a value starting with '%c' must be quoted", *p);
		}
		while (p < e && !strchr(stop, *p) && !(*p == '#' && p > *pp && p[-1] == ' '))
			*o++ = *p++;
		while (o > buf && o[-1] == ' ')
			o--;
	}
	*o = '\0';
	while (p < e && *p == ' ')
		p++;
	*pp = p;
	*out = buf;
	return CL_OK;
}

/* The rest of a line after a scalar must be empty or a comment. */
static int fm_line_end(struct mdctx *x, long line, const char *p, const char *e)
{
	size_t n = 0;

	while (p + n < e && n < 40 && p[n] != '\n' && p[n] != '\r')
		n++;
	if (p < e && *p != '#')
		return fm_fail(x, line, "unexpected text after the value: '%.*s'", (int)n, p);
	return CL_OK;
}

/* A whole-line scalar (the value after "key:"). */
static int fm_value(struct mdctx *x, long line, const char *p, const char *e, char **out)
{
	int rc = fm_scalar(x, line, &p, e, "", out);

	if (rc == CL_OK && (rc = fm_line_end(x, line, p, e))) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* `|` or `>` block: the indented lines after line i. *next gets the
 * index of the first line after the block. */
static int fm_block(struct mdctx *x, size_t i, int folded, char **out, size_t *next)
{
	size_t k, ind = 0, cap = 1, o = 0;
	char *buf;
	int pend_nl = 0, started = 0;

	*out = NULL;
	for (k = i + 1; k < x->nlines; k++) {
		const struct fm_line *l = &x->lines[k];
		size_t in = indent_of(l);

		if (in == l->n) {
			cap += 1;
			continue;
		}
		if (in == 0)
			break;
		if (!ind)
			ind = in;
		cap += l->n + 1;
	}
	*next = k;
	buf = malloc(cap);
	if (!buf)
		return CL_ENOMEM;
	for (k = i + 1; k < *next; k++) {
		const struct fm_line *l = &x->lines[k];
		size_t in = indent_of(l);

		if (in == l->n) {
			if (started)
				pend_nl++;
			continue;
		}
		if (in < ind) {
			free(buf);
			return fm_fail(x, l->no, "less indented than the first line of the block");
		}
		if (started && folded && !pend_nl)
			buf[o++] = ' ';
		else if (started)
			for (int r = 0; r < pend_nl + !folded; r++)
				buf[o++] = '\n';
		pend_nl = 0;
		memcpy(buf + o, l->s + ind, l->n - ind);
		o += l->n - ind;
		started = 1;
	}
	buf[o] = '\0';
	if (!started) {
		free(buf);
		return fm_fail(x, x->lines[i].no, "the block has no indented lines");
	}
	*out = buf;
	return CL_OK;
}

/* A "[a, b]" list on one line into arr. */
static int fm_flow_list(struct mdctx *x, long line, const char *p, const char *e, json_t *arr,
			const char *path)
{
	int rc;

	p++; /* '[' */
	for (;;) {
		char *item = NULL, ipath[112];

		while (p < e && *p == ' ')
			p++;
		if (p >= e)
			return fm_fail(x, line, "a list is not closed with ']'");
		if (*p == ']' && json_array_size(arr) == 0) {
			p++;
			break;
		}
		if (*p == ',' || *p == ']')
			return fm_fail(x, line, "an empty item in a list");
		if ((rc = fm_scalar(x, line, &p, e, ",]", &item)))
			return rc;
		snprintf(ipath, sizeof ipath, "%s[%zu]", path, json_array_size(arr));
		rc = json_array_append_new(arr, json_string(item)) ? CL_ENOMEM : CL_OK;
		free(item);
		if (rc || (rc = where_add(x, ipath, line, "item")))
			return rc;
		if (p >= e)
			return fm_fail(x, line, "a list is not closed with ']'");
		if (*p == ']') {
			p++;
			break;
		}
		if (*p != ',')
			return fm_fail(x, line, "expected ',' or ']' in a list");
		p++;
	}
	while (p < e && *p == ' ')
		p++;
	return fm_line_end(x, line, p, e);
}

/* "- item" lines after line i. */
static int fm_block_list(struct mdctx *x, size_t i, json_t *arr, const char *path, size_t *next)
{
	size_t k;
	int rc;

	for (k = i + 1; k < x->nlines; k++) {
		const struct fm_line *l = &x->lines[k];
		size_t in = indent_of(l);
		const char *p = l->s + in, *e = l->s + l->n;
		char *item = NULL, ipath[112];

		if (is_blank_or_comment(l))
			continue;
		if (in == 0)
			break;
		if (!(*p == '-' && (p + 1 == e || p[1] == ' ')))
			return fm_fail(x, l->no, "expected a list item '- value'");
		p++;
		while (p < e && *p == ' ')
			p++;
		if (p == e)
			return fm_fail(x, l->no, "an empty item in a list");
		if ((rc = fm_value(x, l->no, p, e, &item)))
			return rc;
		snprintf(ipath, sizeof ipath, "%s[%zu]", path, json_array_size(arr));
		rc = json_array_append_new(arr, json_string(item)) ? CL_ENOMEM : CL_OK;
		free(item);
		if (rc || (rc = where_add(x, ipath, l->no, "item")))
			return rc;
	}
	*next = k;
	if (json_array_size(arr) == 0)
		return fm_fail(x, x->lines[i].no, "'%.*s' has no value", (int)strcspn(x->lines[i].s, ":"),
			       x->lines[i].s);
	return CL_OK;
}

/* Sets obj.sub (buyer.name, value.amount) from a scalar. */
static int fm_set_sub(struct mdctx *x, long line, const char *obj, const char *sub,
		      const char *val)
{
	json_t *o = json_object_get(x->obj, obj), *v;
	char path[80];
	int rc;

	snprintf(path, sizeof path, "$.%s.%s", obj, sub);
	if ((rc = where_add(x, path, line, path + 2)))
		return rc;
	if (!o) {
		if (!(o = json_object()) || json_object_set_new(x->obj, obj, o))
			return CL_ENOMEM;
	}
	if (strcmp(sub, "amount") == 0) {
		char *end;
		double d = strtod(val, &end);

		if (!*val || *end || !isfinite(d))
			return fm_fail(x, line, "value amount '%.40s' is not a number", val);
		v = json_real(d);
	} else {
		v = json_string(val);
	}
	return v && !json_object_set_new(o, sub, v) ? CL_OK : CL_ENOMEM;
}

/* "buyer:" / "value:" followed by indented "sub: value" lines. */
static int fm_block_map(struct mdctx *x, size_t i, const struct fm_key *k, size_t *next)
{
	const char *const *subs = strcmp(k->obj, "buyer") == 0 ? buyer_subs : value_subs;
	size_t j, got = 0;
	int rc;

	for (j = i + 1; j < x->nlines; j++) {
		const struct fm_line *l = &x->lines[j];
		size_t in = indent_of(l), kl, s;
		const char *p = l->s + in, *e = l->s + l->n;
		char *val = NULL;

		if (is_blank_or_comment(l))
			continue;
		if (in == 0)
			break;
		kl = strspn(p, "abcdefghijklmnopqrstuvwxyz_");
		if (kl == 0 || p + kl >= e || p[kl] != ':' || (p + kl + 1 < e && p[kl + 1] != ' '))
			return fm_fail(x, l->no, "expected '%s' fields as 'name: value'", k->name);
		for (s = 0; subs[s]; s++)
			if (strlen(subs[s]) == kl && strncmp(p, subs[s], kl) == 0)
				break;
		if (!subs[s])
			return fm_fail(x, l->no, "unknown %s field '%.*s'", k->name, (int)kl, p);
		if (p + kl + 1 >= e || only_blanks(p + kl + 1, (size_t)(e - p - kl - 1)))
			return fm_fail(x, l->no, "'%s' has no value", subs[s]);
		if ((rc = fm_value(x, l->no, p + kl + 1, e, &val)))
			return rc;
		rc = fm_set_sub(x, l->no, k->obj, subs[s], val);
		free(val);
		if (rc)
			return rc;
		got++;
	}
	*next = j;
	if (!got)
		return fm_fail(x, x->lines[i].no, "'%s' has no fields", k->name);
	return CL_OK;
}

/* Parses the front matter lines into x->obj. */
static int fm_parse(struct mdctx *x)
{
	size_t i = 0;
	int rc;

	while (i < x->nlines) {
		const struct fm_line *l = &x->lines[i];
		const char *p = l->s, *e = l->s + l->n, *v;
		const struct fm_key *k = NULL;
		char path[80], *val = NULL;
		size_t kl;
		int empty;

		if (is_blank_or_comment(l)) {
			i++;
			continue;
		}
		if (*p == '\t')
			return fm_fail(x, l->no, "a tab at the start of the line: keys start in the first column");
		if (*p == ' ')
			return fm_fail(x, l->no, "unexpected indentation: keys start in the first column");
		kl = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.");
		if (kl == 0 || p + kl >= e || p[kl] != ':' || (p + kl + 1 < e && p[kl + 1] != ' '))
			return fm_fail(x, l->no, "expected 'key: value'");
		for (size_t n = 0; n < NKEYS; n++)
			if (strlen(fm_keys[n].name) == kl && strncmp(p, fm_keys[n].name, kl) == 0)
				k = &fm_keys[n];
		if (!k)
			return fm_fail(x, l->no, "unknown key '%.*s'", (int)(kl > 60 ? 60 : kl), p);
		v = p + kl + 1;
		while (v < e && *v == ' ')
			v++;
		empty = v == e || *v == '#';
		snprintf(path, sizeof path, "$.%s", k->obj ? k->obj : k->name);
		if (k->type == K_SUB)
			snprintf(path, sizeof path, "$.%s.%s", k->obj, k->sub);

		switch (k->type) {
		case K_STR:
			if (!empty && (*v == '|' || *v == '>') &&
			    (v + 1 == e || strchr("-+ #", v[1])) &&
			    (v + 1 == e || v[1] == ' ' || v[1] == '#' || v + 2 == e || v[2] == ' ')) {
				size_t next = i + 1;

				if ((rc = where_add(x, path, l->no, k->name)) ||
				    (rc = fm_block(x, i, *v == '>', &val, &next)))
					return rc;
				i = next;
			} else {
				if (empty)
					return fm_fail(x, l->no, "'%s' has no value", k->name);
				if ((rc = where_add(x, path, l->no, k->name)) ||
				    (rc = fm_value(x, l->no, v, e, &val)))
					return rc;
				i++;
			}
			rc = json_object_set_new(x->obj, k->name, json_string(val)) ? CL_ENOMEM : CL_OK;
			free(val);
			if (rc)
				return rc;
			break;
		case K_LIST:
		case K_SOURCES: {
			json_t *arr = k->type == K_SOURCES ? x->srcs : json_array();
			size_t next = i + 1;

			if (!arr)
				return CL_ENOMEM;
			if (k->type == K_LIST && json_object_set_new(x->obj, k->name, arr))
				return CL_ENOMEM;
			if ((rc = where_add(x, k->type == K_SOURCES ? "$.sources (list)" : path, l->no,
					    k->name)))
				return rc;
			if (k->type == K_SOURCES)
				snprintf(path, sizeof path, "$.sources (list)");
			if (empty) {
				rc = fm_block_list(x, i, arr, path, &next);
			} else if (*v == '[') {
				rc = fm_flow_list(x, l->no, v, e, arr, path);
			} else {
				char ipath[112];

				/* one value: a list of one */
				snprintf(ipath, sizeof ipath, "%s[0]", path);
				if (!(rc = fm_value(x, l->no, v, e, &val)) &&
				    !(rc = json_array_append_new(arr, json_string(val)) ? CL_ENOMEM : CL_OK))
					rc = where_add(x, ipath, l->no, "item");
				free(val);
			}
			if (rc)
				return rc;
			i = next;
			break;
		}
		case K_MAP: {
			size_t next = i + 1;

			if (!empty)
				return fm_fail(x, l->no,
					       "'%s' takes indented 'name: value' lines below it", k->name);
			if ((rc = where_add(x, path, l->no, k->name)) ||
			    (rc = fm_block_map(x, i, k, &next)))
				return rc;
			i = next;
			break;
		}
		case K_SUB:
			if (empty)
				return fm_fail(x, l->no, "'%s' has no value", k->name);
			if ((rc = fm_value(x, l->no, v, e, &val)))
				return rc;
			rc = fm_set_sub(x, l->no, k->obj, k->sub, val);
			free(val);
			if (rc)
				return rc;
			i++;
			break;
		}
	}
	return CL_OK;
}

static long line_at(const char *d, size_t off)
{
	long line = 1;

	for (size_t i = 0; i < off; i++)
		if (d[i] == '\n')
			line++;
	return line;
}

static int is_fence(const struct fm_line *l, int closing)
{
	size_t n = l->n;

	while (n && l->s[n - 1] == ' ')
		n--;
	return (n == 3 && memcmp(l->s, "---", 3) == 0) ||
	       (closing && n == 3 && memcmp(l->s, "...", 3) == 0);
}

/* The Markdown after the closing fence: LF line ends, leading blank lines
 * and trailing blanks dropped. NULL when empty (or ENOMEM: *enomem). */
static char *md_body(const struct fm_line *lines, size_t from, size_t n, int *enomem)
{
	size_t cap = 1, o = 0, first = from;
	char *b;

	while (first < n && only_blanks(lines[first].s, lines[first].n))
		first++;
	for (size_t i = first; i < n; i++)
		cap += lines[i].n + 1;
	if (!(b = malloc(cap))) {
		*enomem = 1;
		return NULL;
	}
	for (size_t i = first; i < n; i++) {
		memcpy(b + o, lines[i].s, lines[i].n);
		o += lines[i].n;
		b[o++] = '\n';
	}
	while (o && strchr(" \t\r\n", b[o - 1]))
		o--;
	b[o] = '\0';
	if (!o) {
		free(b);
		return NULL;
	}
	return b;
}

/* Validates the built object and emits it, or rejects it naming the
 * front-matter line of each problem. */
static int md_finish(struct mdctx *x, long body_line)
{
	struct case_problems probs;
	struct case_record c;
	char why[CL_ERRBUF_SIZE];
	long first_line = 0;
	int rc;

	case_problems_init(&probs);
	case_init(&c);
	rc = case_from_json(x->obj, 0, &c, &probs);
	if (rc == CL_EVALIDATION) {
		why[0] = '\0';
		for (size_t i = 0; i < probs.n && i < SHOWN_PROBLEMS; i++) {
			const char *path = probs.v[i].path;
			long ln = strncmp(path, "$.body", 6) == 0 ? body_line : line_of_path(x, path, 1);

			if (strncmp(path, "$.sources[", 10) == 0) {
				/* sources[k] came from the list item k (after the payload's own) */
				char lp[112];
				size_t k = strtoul(path + 10, NULL, 10), off = has_source(x->src);

				snprintf(lp, sizeof lp, "$.sources (list)[%zu]", k >= off ? k - off : 0);
				ln = k >= off ? line_of_path(x, lp, 1) : 1;
			}
			if (!i)
				first_line = ln;
			cat(why, sizeof why, "%sline %ld: %s: %s", i ? "; " : "", ln, path,
			    probs.v[i].reason);
		}
		if (probs.n > SHOWN_PROBLEMS)
			cat(why, sizeof why, " (and %zu more)", probs.n - SHOWN_PROBLEMS);
		parse_reject(x->sink, first_line, "%s", why);
		rc = CL_OK;
	} else if (rc == CL_OK) {
		rc = x->sink->emit(x->sink->ud, &c);
	}
	case_release(&c);
	case_problems_release(&probs);
	return rc;
}

/* Builds sources: the payload first, then the URLs listed. */
static int md_sources(struct mdctx *x)
{
	size_t n = json_array_size(x->srcs);
	json_t *arr;

	if (!has_source(x->src) && n == 0)
		return CL_OK;
	if (n && (!x->src || !x->src->retrieved_at || !*x->src->retrieved_at))
		return fm_fail(x, line_of_path(x, "$.sources (list)", 1),
			       "'sources' needs the time the file was read (none given)");
	if (!(arr = json_array()) || json_object_set_new(x->obj, "sources", arr))
		return CL_ENOMEM;
	if (has_source(x->src)) {
		json_t *s = payload_source(x->src, CASEFILE_MD_FORMAT);
		if (!s || json_array_append_new(arr, s))
			return CL_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		if (!o || json_array_append_new(arr, o) ||
		    json_object_set(o, "url", json_array_get(x->srcs, i)) ||
		    json_object_set_new(o, "retrieved_at", json_string(x->src->retrieved_at)))
			return CL_ENOMEM;
	}
	return CL_OK;
}

int casefile_parse_md(const char *data, size_t len, const struct parse_src *src,
		      const struct parse_sink *sink, struct cl_errbuf *eb)
{
	struct mdctx x;
	struct fm_line *all;
	size_t bad, nl = 0, close, off = 0, nall;
	const char *p, *end;
	int rc = CL_OK, enomem = 0;
	char *body = NULL;

	if (!sink || !sink->emit)
		return cl_fail(eb, CL_EINVAL, "case-md: no emit callback");
	if (!data || only_blanks(data, len))
		return cl_fail(eb, CL_EPARSE, "case-md: empty payload");
	if (len > CASEFILE_MD_MAX_BYTES)
		return cl_fail(eb, CL_ETOOBIG, "case-md: %zu bytes, more than the %zu allowed", len,
			       CASEFILE_MD_MAX_BYTES);
	if ((p = memchr(data, '\0', len)))
		return cl_fail(eb, CL_EPARSE, "case-md: line %ld: a NUL byte",
			       line_at(data, (size_t)(p - data)));
	if ((bad = utf8_invalid_at(data, len)) < len)
		return cl_fail(eb, CL_EPARSE, "case-md: line %ld: invalid UTF-8 (byte 0x%02X at offset %zu)",
			       line_at(data, bad), (unsigned char)data[bad], bad);

	memset(&x, 0, sizeof x);
	x.src = src;
	x.sink = sink;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		off = 3;
	for (size_t i = off; i < len; i++)
		nl += data[i] == '\n';
	if (!(x.lines = calloc(nl + 1, sizeof *x.lines))) {
		rc = cl_fail(eb, CL_ENOMEM, "case-md: out of memory");
		goto out;
	}
	for (p = data + off, end = data + len; p < end;) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		struct fm_line *l = &x.lines[x.nlines];

		l->s = p;
		l->n = (size_t)((e ? e : end) - p);
		if (l->n && p[l->n - 1] == '\r')
			l->n--;
		l->no = (long)++x.nlines;
		p = e ? e + 1 : end;
	}
	if (x.nlines == 0 || !is_fence(&x.lines[0], 0)) {
		rc = cl_fail(eb, CL_EPARSE,
			     "case-md: line 1: no front matter: the file must start with a '---' line");
		goto out;
	}
	for (close = 1; close < x.nlines && !is_fence(&x.lines[close], 1); close++)
		;
	if (close == x.nlines) {
		rc = cl_fail(eb, CL_EPARSE,
			     "case-md: line 1: the front matter opened here is not closed by a '---' line");
		goto out;
	}

	x.obj = json_object();
	x.srcs = json_array();
	if (!x.obj || !x.srcs) {
		rc = CL_ENOMEM;
		goto out;
	}
	/* the lines between the fences, then the body after them */
	all = x.lines;
	nall = x.nlines;
	x.lines = all + 1;
	x.nlines = close - 1;
	rc = fm_parse(&x);
	x.lines = all;
	x.nlines = nall;
	if (rc == CL_OK) {
		body = md_body(all, close + 1, nall, &enomem);
		if (enomem) {
			rc = CL_ENOMEM;
			goto out;
		}
		if (body && json_object_set_new(x.obj, "body", json_string(body))) {
			rc = CL_ENOMEM;
			goto out;
		}
		rc = md_sources(&x);
	}
	if (rc == CL_EPARSE) {
		parse_reject(sink, x.errline, "line %ld: %s", x.errline, x.err);
		rc = CL_OK;
		goto out;
	}
	if (rc)
		goto out;
	rc = md_finish(&x, x.lines[close].no + 1);
out:
	if (rc == CL_ENOMEM)
		cl_fail(eb, rc, "case-md: out of memory");
	else if (rc && rc != CL_EPARSE && rc != CL_ETOOBIG)
		cl_fail(eb, rc, "case-md: stopped by the receiver");
	free(body);
	free(x.lines);
	free(x.where);
	json_decref(x.obj);
	json_decref(x.srcs);
	return rc;
}
