/* case.c — the case record: validation of the JSON shape, conversion between
 * JSON and struct case_record, the canonical text form (see case.h and
 * docs/case-format.md).
 *
 * Validation walks the JSON once and reports every problem with a JSON path;
 * the struct is only filled from JSON that passed, so the filling code can
 * trust types and shapes. */
#include "case.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "dbuf.h"
#include "orgnr.h"
#include "taxonomy.h"
#include "utf8.h"

/* After this many problems validation stops adding and says so: a 1 MB
 * record of junk must not produce a 100,000-line answer. */
#define CASE_PROBLEMS_LIMIT 100

#define PATH_BUF 512   /* longest JSON path we build */
#define KEY_SHOWN 64   /* bytes of an unknown key shown in a path */
#define FRAG_SHOWN 40  /* code points of a bad value quoted in a reason */

/* ---- field lists (documented order) ------------------------------------- */

static const char *const top_fields[] = {
	"id", "kind", "status", "title", "summary", "body", "language", "buyer",
#define FIELD_NAME_XX(name, card, vocab) #name,
	CASE_CODED_FIELDS(FIELD_NAME_XX)
#undef FIELD_NAME_XX
	"published", "awarded", "year", "value",
	"outcome", "lessons", "sources", "version", "created_at", "updated_at",
	NULL,
};
static const char *const buyer_fields[] = {"name", "org_number", "country", "nuts", NULL};
static const char *const value_fields[] = {"amount", "currency", NULL};
static const char *const source_fields[] = {"url", "retrieved_at", "sha256", "format",
					    "licence", "dropped", NULL};

/* ---- problems ------------------------------------------------------------ */

void case_problems_init(struct case_problems *p)
{
	p->v = NULL;
	p->n = 0;
	p->cap = 0;
}

void case_problems_release(struct case_problems *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].path);
		free(p->v[i].reason);
	}
	free(p->v);
	case_problems_init(p);
}

const char *case_pcode_name(enum case_pcode code)
{
	static const char *const names[] = {
#define CASE_P_NAME(name, text) text,
		CASE_PROBLEM_CODES(CASE_P_NAME)
#undef CASE_P_NAME
	};
	return (unsigned)code < CASE_P__COUNT ? names[code] : "invalid";
}

__attribute__((format(printf, 4, 0)))
static int problems_addv(struct case_problems *p, const char *path, enum case_pcode code,
			 const char *fmt, va_list ap)
{
	char *pa = NULL, *re = NULL;

	if (dbuf_grow(&p->v, &p->cap, p->n + 1, sizeof *p->v))
		return CL_ENOMEM;
	pa = strdup(path);
	if (!pa || vasprintf(&re, fmt, ap) < 0) {
		free(pa);
		return CL_ENOMEM;
	}
	p->v[p->n].path = pa;
	p->v[p->n].reason = re;
	p->v[p->n].code = code;
	p->n++;
	return CL_OK;
}

int case_problems_add(struct case_problems *p, const char *path, enum case_pcode code,
		      const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = problems_addv(p, path, code, fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- validation context -------------------------------------------------- */

struct vctx {
	struct case_problems *probs;
	size_t added;  /* problems added by this validation */
	int capped;    /* the limit was reached */
	int rc;        /* sticky: CL_OK or CL_ENOMEM */
	unsigned flags;
};

static void problem(struct vctx *v, const char *path, enum case_pcode code, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));

static void problem(struct vctx *v, const char *path, enum case_pcode code, const char *fmt,
		    ...)
{
	va_list ap;

	if (v->rc || v->capped)
		return;
	if (v->added == CASE_PROBLEMS_LIMIT) {
		v->capped = 1;
		v->rc = case_problems_add(v->probs, "$", CASE_P_TOO_MANY_PROBLEMS,
					  "too many problems; stopped after %d",
					  CASE_PROBLEMS_LIMIT);
		v->added++;
		return;
	}
	va_start(ap, fmt);
	v->rc = problems_addv(v->probs, path, code, fmt, ap);
	va_end(ap);
	v->added++;
}

/* ---- small text helpers -------------------------------------------------- */

/* Decodes one code point of valid UTF-8 at s (len bytes left); returns its
 * length in bytes, or -1 when the bytes are not valid UTF-8. */
static int u8_next(const char *s, size_t len, int32_t *cp)
{
	uint32_t u;
	size_t n = utf8_decode(s, len, &u);

	*cp = (int32_t)u;
	return n ? (int)n : -1;
}

static int is_control(int32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f);
}

static int is_space_cp(int32_t cp)
{
	if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f')
		return 1;
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_ZS:
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
		return 1;
	default:
		return 0;
	}
}

/* Copies at most FRAG_SHOWN code points of s into dst (size n) for quoting in
 * a one-line reason: control characters and undecodable bytes become '?',
 * a cut is marked with "...". */
static void frag(char *dst, size_t n, const char *s)
{
	size_t o = 0, len = strlen(s), i = 0;
	int shown = 0;

	while (i < len) {
		int32_t cp;
		int k = u8_next(s + i, len - i, &cp);

		if (shown == FRAG_SHOWN) {
			if (o + 4 <= n) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (k < 0 || is_control(cp)) {
			if (o + 2 > n)
				break;
			dst[o++] = '?';
			i += k < 0 ? 1 : (size_t)k;
		} else {
			if (o + (size_t)k + 1 > n)
				break;
			memcpy(dst + o, s + i, (size_t)k);
			o += (size_t)k;
			i += (size_t)k;
		}
		shown++;
	}
	dst[o] = '\0';
}

static int is_ident_key(const char *k)
{
	size_t n = strlen(k);

	if (n == 0 || n > KEY_SHOWN)
		return 0;
	if (!((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= 'A' && k[0] <= 'Z') || k[0] == '_'))
		return 0;
	for (size_t i = 1; i < n; i++) {
		char c = k[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return 0;
	}
	return 1;
}

/* dst = base + suffix, cut to fit (paths are bounded: keys are shortened
 * before they get here). */
static void path_join(char dst[PATH_BUF], const char *base, const char *suffix)
{
	size_t bl = strlen(base), sl = strlen(suffix);

	if (bl > PATH_BUF - 1)
		bl = PATH_BUF - 1;
	if (sl > PATH_BUF - 1 - bl)
		sl = PATH_BUF - 1 - bl;
	memmove(dst, base, bl);
	memcpy(dst + bl, suffix, sl);
	dst[bl + sl] = '\0';
}

/* dst = base + ".key", or base + "[\"key\"]" (JSON-escaped, shortened) when
 * key is not a plain identifier. */
static void path_key(char dst[PATH_BUF], const char *base, const char *key)
{
	char esc[KEY_SHOWN * 6 + 16];
	size_t o = 0, len, i = 0;

	if (is_ident_key(key)) {
		esc[0] = '.';
		memcpy(esc + 1, key, strlen(key) + 1);
		path_join(dst, base, esc);
		return;
	}
	len = strlen(key);
	esc[o++] = '[';
	esc[o++] = '"';
	while (i < len && i < KEY_SHOWN) {
		unsigned char c = (unsigned char)key[i];
		int32_t cp;
		int k = u8_next(key + i, len - i, &cp);

		if (k < 0) {
			memcpy(esc + o, "\\ufffd", 6);
			o += 6;
			i++;
		} else if (c == '"' || c == '\\') {
			esc[o++] = '\\';
			esc[o++] = (char)c;
			i++;
		} else if (is_control(cp)) {
			static const char hex[] = "0123456789abcdef";
			memcpy(esc + o, "\\u00", 4);
			esc[o + 4] = hex[(cp >> 4) & 0xf];
			esc[o + 5] = hex[cp & 0xf];
			o += 6;
			i += (size_t)k;
		} else {
			if (i + (size_t)k > KEY_SHOWN)
				break;
			memcpy(esc + o, key + i, (size_t)k);
			o += (size_t)k;
			i += (size_t)k;
		}
	}
	if (i < len) {
		memcpy(esc + o, "...", 3);
		o += 3;
	}
	memcpy(esc + o, "\"]", 3);
	path_join(dst, base, esc);
}

static void path_index(char dst[PATH_BUF], const char *base, size_t i)
{
	char suffix[32];

	snprintf(suffix, sizeof suffix, "[%zu]", i);
	path_join(dst, base, suffix);
}

/* ---- generic field access ------------------------------------------------ */

/* The member key of obj (NULL when absent or JSON null); writes its path
 * into path and reports a missing required member. */
static const json_t *member(struct vctx *v, const json_t *obj, const char *base,
			    const char *key, int required, char path[PATH_BUF])
{
	const json_t *m = json_object_get(obj, key);

	path_key(path, base, key);
	if (m && json_is_null(m))
		m = NULL;
	if (!m && required)
		problem(v, path, CASE_P_REQUIRED, "is required");
	return m;
}

/* The string value of m, or NULL after reporting why it is not a usable
 * string: wrong type, an embedded NUL, or invalid UTF-8 (the last two are
 * only possible in JSON built in code). */
static const char *as_string(struct vctx *v, const char *path, const json_t *m)
{
	const char *s;
	size_t len, bad;

	if (!json_is_string(m)) {
		problem(v, path, CASE_P_WRONG_TYPE, "must be a string");
		return NULL;
	}
	s = json_string_value(m);
	len = json_string_length(m);
	if (strlen(s) != len) {
		problem(v, path, CASE_P_INVALID_TEXT, "must not contain NUL characters");
		return NULL;
	}
	if ((bad = utf8_invalid_at(s, len)) < len) {
		problem(v, path, CASE_P_INVALID_TEXT, "is not valid UTF-8 (byte %zu)", bad);
		return NULL;
	}
	return s;
}

enum text_unit { UNIT_CHARS, UNIT_BYTES };

/* Checks free text: control characters (newline, carriage return and tab
 * allowed when multiline), length, and non-blankness. */
static void check_text(struct vctx *v, const char *path, const char *s, int multiline,
		       size_t max, enum text_unit unit, int nonblank)
{
	size_t len = strlen(s), chars = 0;
	int blank = 1, bad_reported = 0;

	for (size_t i = 0; i < len;) {
		int32_t cp;
		int k = u8_next(s + i, len - i, &cp);

		if (k < 0)
			return; /* as_string() has checked */
		chars++;
		if (!is_space_cp(cp))
			blank = 0;
		if (!bad_reported && is_control(cp) &&
		    !(multiline && (cp == '\n' || cp == '\r' || cp == '\t'))) {
			problem(v, path, CASE_P_INVALID_TEXT,
				"contains a control character (U+%04X) at character %zu",
				(unsigned)cp, chars);
			bad_reported = 1;
		}
		i += (size_t)k;
	}
	if (unit == UNIT_BYTES && len > max)
		problem(v, path, CASE_P_TOO_LONG, "too long: %zu bytes, at most %zu", len, max);
	else if (unit == UNIT_CHARS && chars > max)
		problem(v, path, CASE_P_TOO_LONG,
			"too long: %zu characters, at most %zu", chars, max);
	if (nonblank && blank)
		problem(v, path, CASE_P_EMPTY, "must not be empty");
}

static void text_member(struct vctx *v, const json_t *obj, const char *base, const char *key,
			int required, int multiline, size_t max, enum text_unit unit,
			int nonblank)
{
	char path[PATH_BUF];
	const json_t *m = member(v, obj, base, key, required, path);
	const char *s;

	if (m && (s = as_string(v, path, m)))
		check_text(v, path, s, multiline, max, unit, nonblank);
}

static int all_in(const char *s, size_t from, size_t to, const char *set)
{
	for (size_t i = from; i < to; i++)
		if (!s[i] || !strchr(set, s[i]))
			return 0;
	return 1;
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGIT "0123456789"
#define HEXLOW "0123456789abcdef"

/* ---- dates and timestamps ------------------------------------------------ */

enum date_rc { DATE_OK, DATE_SHAPE, DATE_CALENDAR, DATE_RANGE };

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int num(const char *s, int n)
{
	int x = 0;
	for (int i = 0; i < n; i++)
		x = x * 10 + (s[i] - '0');
	return x;
}

/* YYYY-MM-DD at s (exactly 10 characters available or a shape error). */
static enum date_rc date_at(const char *s)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d, dim;

	if (!all_in(s, 0, 4, DIGIT) || s[4] != '-' || !all_in(s, 5, 7, DIGIT) || s[7] != '-' ||
	    !all_in(s, 8, 10, DIGIT))
		return DATE_SHAPE;
	y = num(s, 4);
	m = num(s + 5, 2);
	d = num(s + 8, 2);
	if (m < 1 || m > 12)
		return DATE_CALENDAR;
	dim = mdays[m - 1] + (m == 2 && leap(y));
	if (d < 1 || d > dim)
		return DATE_CALENDAR;
	if (y < 1900 || y > 2100)
		return DATE_RANGE;
	return DATE_OK;
}

static enum date_rc date_check(const char *s)
{
	if (strlen(s) != 10)
		return DATE_SHAPE;
	return date_at(s);
}

/* RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM). */
static enum date_rc timestamp_check(const char *s)
{
	size_t len = strlen(s), i;
	enum date_rc rc;

	if (len < 20)
		return DATE_SHAPE;
	rc = date_at(s);
	if (rc == DATE_SHAPE)
		return rc;
	if (s[10] != 'T' || !all_in(s, 11, 13, DIGIT) || s[13] != ':' ||
	    !all_in(s, 14, 16, DIGIT) || s[16] != ':' || !all_in(s, 17, 19, DIGIT))
		return DATE_SHAPE;
	i = 19;
	if (s[i] == '.') {
		size_t start = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start || i - start > 9)
			return DATE_SHAPE;
	}
	if (s[i] == 'Z') {
		i++;
	} else if (s[i] == '+' || s[i] == '-') {
		if (len - i != 6 || !all_in(s, i + 1, i + 3, DIGIT) || s[i + 3] != ':' ||
		    !all_in(s, i + 4, i + 6, DIGIT))
			return DATE_SHAPE;
		if (num(s + i + 1, 2) > 23 || num(s + i + 4, 2) > 59)
			return DATE_CALENDAR;
		i += 6;
	} else {
		return DATE_SHAPE;
	}
	if (i != len)
		return DATE_SHAPE;
	/* 60 seconds: RFC 3339 allows a leap second. */
	if (num(s + 11, 2) > 23 || num(s + 14, 2) > 59 || num(s + 17, 2) > 60)
		return DATE_CALENDAR;
	return rc;
}

static void date_member(struct vctx *v, const json_t *obj, const char *base, const char *key)
{
	char path[PATH_BUF];
	const json_t *m = member(v, obj, base, key, 0, path);
	const char *s;

	if (!m || !(s = as_string(v, path, m)))
		return;
	switch (date_check(s)) {
	case DATE_OK:
		break;
	case DATE_SHAPE:
		problem(v, path, CASE_P_DATE_FORMAT, "must be a date YYYY-MM-DD");
		break;
	case DATE_CALENDAR:
		problem(v, path, CASE_P_DATE_INVALID, "%s is not a calendar date", s);
		break;
	case DATE_RANGE:
		problem(v, path, CASE_P_YEAR_RANGE, "year %.4s is outside 1900..2100", s);
		break;
	}
}

static void timestamp_member(struct vctx *v, const json_t *obj, const char *base,
			     const char *key, int required)
{
	char path[PATH_BUF], f[FRAG_SHOWN * 4 + 4];
	const json_t *m = member(v, obj, base, key, required, path);
	const char *s;

	if (!m || !(s = as_string(v, path, m)))
		return;
	switch (timestamp_check(s)) {
	case DATE_OK:
		break;
	case DATE_SHAPE:
		problem(v, path, CASE_P_TIMESTAMP_FORMAT,
			"must be an RFC 3339 timestamp such as 2026-11-27T05:00:00Z");
		break;
	case DATE_CALENDAR:
		frag(f, sizeof f, s);
		problem(v, path, CASE_P_DATE_INVALID, "%s is not a calendar date and time", f);
		break;
	case DATE_RANGE:
		problem(v, path, CASE_P_YEAR_RANGE, "year %.4s is outside 1900..2100", s);
		break;
	}
}

/* ---- codes and lists ----------------------------------------------------- */

static void unknown_code(struct vctx *v, const char *path, const char *s, enum tax_facet f)
{
	char q[FRAG_SHOWN * 4 + 4];

	frag(q, sizeof q, s);
	problem(v, path, CASE_P_UNKNOWN_CODE, "unknown code '%s' for %s", q, tax_facet_name(f));
}

static void code_member(struct vctx *v, const json_t *obj, const char *base, const char *key,
			enum tax_facet f, int required)
{
	char path[PATH_BUF];
	const json_t *m = member(v, obj, base, key, required, path);
	const char *s;

	if (m && (s = as_string(v, path, m)) && !tax_lookup(f, s))
		unknown_code(v, path, s, f);
}

/* NNNNNNNN or NNNNNNNN-N. */
static int cpv_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 8)
		return all_in(s, 0, 8, DIGIT);
	return n == 10 && all_in(s, 0, 8, DIGIT) && s[8] == '-' && all_in(s, 9, 10, DIGIT);
}

/* A list of codes; facet < 0 means CPV codes. */
static void list_member(struct vctx *v, const json_t *obj, const char *key, int facet)
{
	char path[PATH_BUF], ipath[PATH_BUF], q[FRAG_SHOWN * 4 + 4];
	const json_t *m = member(v, obj, "$", key, 0, path);
	size_t n;

	if (!m)
		return;
	if (!json_is_array(m)) {
		problem(v, path, CASE_P_WRONG_TYPE, "must be an array");
		return;
	}
	n = json_array_size(m);
	if (n > CASE_LIST_MAX)
		problem(v, path, CASE_P_TOO_MANY_ITEMS,
			"too many items (%zu, at most %d)", n, CASE_LIST_MAX);
	for (size_t i = 0; i < n; i++) {
		const json_t *it = json_array_get(m, i);
		const char *s;

		path_index(ipath, path, i);
		if (!(s = as_string(v, ipath, it)))
			continue;
		if (facet >= 0 && !tax_lookup((enum tax_facet)facet, s)) {
			unknown_code(v, ipath, s, (enum tax_facet)facet);
			continue;
		}
		if (facet < 0 && !cpv_ok(s)) {
			problem(v, ipath, CASE_P_CPV_FORMAT,
				"must be a CPV code NNNNNNNN or NNNNNNNN-N");
			continue;
		}
		/* Quadratic, so only for lists within the limit. */
		if (n > CASE_LIST_MAX)
			continue;
		for (size_t k = 0; k < i; k++) {
			const json_t *o = json_array_get(m, k);
			if (json_is_string(o) && json_equal(o, it)) {
				frag(q, sizeof q, s);
				problem(v, ipath, CASE_P_DUPLICATE_CODE, "duplicate code '%s'", q);
				break;
			}
		}
	}
}

/* jansson's iteration API takes a non-const object; iterating does not
 * modify it. */
static json_t *unconst(const json_t *j)
{
	union {
		const json_t *c;
		json_t *m;
	} u = {.c = j};
	return u.m;
}

static void unknown_fields(struct vctx *v, const json_t *obj, const char *base,
			   const char *const *known)
{
	const char *key;
	const json_t *val;
	char path[PATH_BUF];

	json_object_foreach(unconst(obj), key, val) {
		size_t i;

		(void)val;
		for (i = 0; known[i]; i++)
			if (strcmp(known[i], key) == 0)
				break;
		if (!known[i]) {
			path_key(path, base, key);
			problem(v, path, CASE_P_UNKNOWN_FIELD, "unknown field");
		}
	}
}

/* ---- field groups -------------------------------------------------------- */

static void check_id(struct vctx *v, const json_t *obj)
{
	char path[PATH_BUF];
	const json_t *m = member(v, obj, "$", "id", !(v->flags & CASE_ID_OPTIONAL), path);
	const char *s;
	size_t n;

	if (!m || !(s = as_string(v, path, m)))
		return;
	n = strlen(s);
	if (n < 3 || n > CASE_ID_MAX)
		problem(v, path, CASE_P_ID_FORMAT,
			"must be 3 to %d characters long (is %zu)", CASE_ID_MAX, n);
	else if (!all_in(s, 0, 1, LOWER DIGIT))
		problem(v, path, CASE_P_ID_FORMAT,
			"must start with a lower-case letter a-z or a digit");
	else if (!all_in(s, 1, n, LOWER DIGIT "._-"))
		problem(v, path, CASE_P_ID_FORMAT, "may only contain a-z, 0-9, '.', '_' and '-'");
}

static void check_language(struct vctx *v, const json_t *obj)
{
	char path[PATH_BUF];
	const json_t *m = member(v, obj, "$", "language", 0, path);
	const char *s;

	if (m && (s = as_string(v, path, m)) && !(strlen(s) == 2 && all_in(s, 0, 2, LOWER)))
		problem(v, path, CASE_P_LANGUAGE_CODE,
			"must be a two-letter lower-case ISO 639-1 code such as sv");
}

static void check_buyer(struct vctx *v, const json_t *obj)
{
	char base[PATH_BUF], path[PATH_BUF];
	const json_t *b = member(v, obj, "$", "buyer", 0, base);
	const json_t *m;
	const char *s;

	if (!b)
		return;
	if (!json_is_object(b)) {
		problem(v, base, CASE_P_WRONG_TYPE, "must be an object");
		return;
	}
	text_member(v, b, base, "name", 0, 0, CASE_NAME_MAX, UNIT_CHARS, 1);

	m = member(v, b, base, "org_number", 0, path);
	if (m && (s = as_string(v, path, m))) {
		int expected = -1;

		switch (orgnr_check(s, NULL, &expected)) {
		case 0:
			break;
		case -2:
			problem(v, path, CASE_P_ORGNR_CHECKSUM,
				"checksum fails (check digit should be %d)", expected);
			break;
		default:
			problem(v, path, CASE_P_ORGNR_FORMAT, "must be NNNNNN-NNNN");
			break;
		}
	}

	m = member(v, b, base, "country", 0, path);
	if (m && (s = as_string(v, path, m)) && !(strlen(s) == 2 && all_in(s, 0, 2, UPPER)))
		problem(v, path, CASE_P_COUNTRY_CODE,
			"must be a two-letter upper-case ISO 3166-1 code such as SE");

	m = member(v, b, base, "nuts", 0, path);
	if (m && (s = as_string(v, path, m))) {
		size_t n = strlen(s);
		if (n < 2 || n > 5 || !all_in(s, 0, 2, UPPER) || !all_in(s, 2, n, UPPER DIGIT))
			problem(v, path, CASE_P_NUTS_CODE, "must be a NUTS code such as SE224");
	}
	unknown_fields(v, b, base, buyer_fields);
}

static void check_value(struct vctx *v, const json_t *obj)
{
	char base[PATH_BUF], path[PATH_BUF];
	const json_t *val = member(v, obj, "$", "value", 0, base);
	const json_t *m;
	const char *s;

	if (!val)
		return;
	if (!json_is_object(val)) {
		problem(v, base, CASE_P_WRONG_TYPE, "must be an object");
		return;
	}
	m = member(v, val, base, "amount", 1, path);
	if (m) {
		if (!json_is_number(m)) {
			problem(v, path, CASE_P_WRONG_TYPE, "must be a number");
		} else {
			double a = json_number_value(m);
			if (!isfinite(a))
				problem(v, path, CASE_P_NUMBER_RANGE, "must be a finite number");
			else if (a < 0)
				problem(v, path, CASE_P_NEGATIVE, "must not be negative");
		}
	}
	m = member(v, val, base, "currency", 1, path);
	if (m && (s = as_string(v, path, m)) && !(strlen(s) == 3 && all_in(s, 0, 3, UPPER)))
		problem(v, path, CASE_P_CURRENCY_CODE,
			"must be a three-letter upper-case ISO 4217 code such as SEK");
	unknown_fields(v, val, base, value_fields);
}

static int scheme_is(const char *s, size_t n, const char *want)
{
	return strlen(want) == n && strncasecmp(s, want, n) == 0;
}

static void check_url(struct vctx *v, const char *path, const char *s)
{
	size_t len = strlen(s), chars = 0, n;
	const char *colon;

	for (size_t i = 0; i < len;) {
		int32_t cp;
		int k = u8_next(s + i, len - i, &cp);
		if (k < 0)
			return;
		if (cp == ' ' || is_control(cp) || utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS) {
			problem(v, path, CASE_P_URL_FORMAT,
				"must not contain spaces or control characters");
			return;
		}
		chars++;
		i += (size_t)k;
	}
	if (chars > CASE_URL_MAX) {
		problem(v, path, CASE_P_TOO_LONG,
			"too long: %zu characters, at most %d", chars, CASE_URL_MAX);
		return;
	}
	colon = strchr(s, ':');
	n = colon ? (size_t)(colon - s) : 0;
	if (scheme_is(s, n, "http") || scheme_is(s, n, "https")) {
		const char *h = colon + 1;
		if (strncmp(h, "//", 2) != 0 || !h[2] || strchr("/?#", h[2]))
			problem(v, path, CASE_P_URL_FORMAT, "must name a host (http://host/...)");
	} else if (scheme_is(s, n, "file")) {
		if (colon[1] != '/')
			problem(v, path, CASE_P_URL_FORMAT,
				"must be an absolute file URL (file:///...)");
	} else {
		problem(v, path, CASE_P_URL_SCHEME, "must be an http, https or file URL");
	}
}

static void check_source(struct vctx *v, const json_t *src, const char *base)
{
	char path[PATH_BUF];
	const json_t *m;
	const char *s;

	if (!json_is_object(src)) {
		problem(v, base, CASE_P_WRONG_TYPE, "must be an object");
		return;
	}
	m = member(v, src, base, "url", 1, path);
	if (m && (s = as_string(v, path, m)))
		check_url(v, path, s);
	timestamp_member(v, src, base, "retrieved_at", 1);
	m = member(v, src, base, "sha256", 0, path);
	if (m && (s = as_string(v, path, m)) && !(strlen(s) == 64 && all_in(s, 0, 64, HEXLOW)))
		problem(v, path, CASE_P_SHA256_FORMAT, "must be 64 lower-case hexadecimal digits");
	text_member(v, src, base, "format", 0, 0, CASE_NAME_MAX, UNIT_CHARS, 0);
	text_member(v, src, base, "licence", 0, 0, CASE_NAME_MAX, UNIT_CHARS, 0);
	m = member(v, src, base, "dropped", 0, path);
	if (m && !json_is_array(m)) {
		problem(v, path, CASE_P_WRONG_TYPE, "must be an array of strings");
	} else if (m) {
		char ipath[PATH_BUF];

		if (json_array_size(m) > CASE_LIST_MAX)
			problem(v, path, CASE_P_TOO_MANY_ITEMS,
				"too many items (%zu, at most %d)", json_array_size(m),
				CASE_LIST_MAX);
		for (size_t i = 0; i < json_array_size(m) && i < CASE_LIST_MAX; i++) {
			const json_t *e = json_array_get(m, i);

			path_index(ipath, path, i);
			if (!json_is_string(e) || !*json_string_value(e))
				problem(v, ipath, CASE_P_EMPTY, "must be a non-empty string");
			else if (strlen(json_string_value(e)) > CASE_NAME_MAX)
				problem(v, ipath, CASE_P_TOO_LONG,
					"too long (at most %d bytes)", CASE_NAME_MAX);
		}
	}
	unknown_fields(v, src, base, source_fields);
}

static void check_sources(struct vctx *v, const json_t *obj)
{
	char base[PATH_BUF], ipath[PATH_BUF];
	const json_t *m = member(v, obj, "$", "sources", 1, base);
	size_t n;

	if (!m)
		return;
	if (!json_is_array(m)) {
		problem(v, base, CASE_P_WRONG_TYPE, "must be an array");
		return;
	}
	n = json_array_size(m);
	if (n == 0)
		problem(v, base, CASE_P_EMPTY, "must have at least one source");
	if (n > CASE_SOURCES_MAX)
		problem(v, base, CASE_P_TOO_MANY_ITEMS,
			"too many sources (%zu, at most %d)", n, CASE_SOURCES_MAX);
	for (size_t i = 0; i < n; i++) {
		path_index(ipath, base, i);
		check_source(v, json_array_get(m, i), ipath);
	}
}

static void integer_member(struct vctx *v, const json_t *obj, const char *key)
{
	char path[PATH_BUF];
	const json_t *m = member(v, obj, "$", key, 0, path);

	if (!m)
		return;
	if (!json_is_integer(m))
		problem(v, path, CASE_P_WRONG_TYPE, "must be an integer");
	else if (json_integer_value(m) < 0)
		problem(v, path, CASE_P_NEGATIVE, "must not be negative");
	else if (json_integer_value(m) > LONG_MAX)
		problem(v, path, CASE_P_NUMBER_RANGE, "too large");
}

int case_validate_json(const json_t *j, unsigned flags, struct case_problems *probs)
{
	struct vctx v = {.probs = probs, .flags = flags};

	if (!probs)
		return CL_EINVAL;
	if (!json_is_object(j)) {
		problem(&v, "$", CASE_P_WRONG_TYPE, "must be an object");
		return v.rc ? v.rc : CL_EVALIDATION;
	}
	check_id(&v, j);
	code_member(&v, j, "$", "kind", TAX_KIND, 1);
	code_member(&v, j, "$", "status", TAX_STATUS, 0);
	text_member(&v, j, "$", "title", 1, 0, CASE_TITLE_MAX, UNIT_CHARS, 1);
	text_member(&v, j, "$", "summary", 0, 1, CASE_SUMMARY_MAX, UNIT_CHARS, 0);
	text_member(&v, j, "$", "body", 0, 1, CASE_BODY_MAX_BYTES, UNIT_BYTES, 0);
	check_language(&v, j);
	check_buyer(&v, j);
#define CHECK_CASE_ONE(name, vocab) code_member(&v, j, "$", #name, (enum tax_facet)(vocab), 0);
#define CHECK_CASE_LIST(name, vocab) list_member(&v, j, #name, vocab);
#define CHECK_XX(name, card, vocab) CHECK_##card(name, vocab)
	CASE_CODED_FIELDS(CHECK_XX)
#undef CHECK_XX
#undef CHECK_CASE_LIST
#undef CHECK_CASE_ONE
	date_member(&v, j, "$", "published");
	date_member(&v, j, "$", "awarded");
	{
		/* year is derived on output; accepted on input and ignored. */
		char path[PATH_BUF];
		const json_t *m = member(&v, j, "$", "year", 0, path);
		if (m && !json_is_integer(m))
			problem(&v, path, CASE_P_WRONG_TYPE, "must be an integer");
	}
	check_value(&v, j);
	text_member(&v, j, "$", "outcome", 0, 1, CASE_TEXT_MAX, UNIT_CHARS, 0);
	text_member(&v, j, "$", "lessons", 0, 1, CASE_TEXT_MAX, UNIT_CHARS, 0);
	check_sources(&v, j);
	integer_member(&v, j, "version");
	timestamp_member(&v, j, "$", "created_at", 0);
	timestamp_member(&v, j, "$", "updated_at", 0);
	unknown_fields(&v, j, "$", top_fields);

	if (v.rc)
		return v.rc;
	return v.added ? CL_EVALIDATION : CL_OK;
}

/* ---- the struct ---------------------------------------------------------- */

void case_init(struct case_record *c)
{
	memset(c, 0, sizeof *c);
}

static void strlist_release(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void case_release(struct case_record *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->kind);
	free(c->title);
	free(c->summary);
	free(c->body);
	free(c->language);
	free(c->buyer.name);
	free(c->buyer.org_number);
	free(c->buyer.country);
	free(c->buyer.nuts);
#define FREE_CASE_ONE(name) free(c->name);
#define FREE_CASE_LIST(name) strlist_release(&c->name);
#define FREE_XX(name, card, vocab) FREE_##card(name)
	CASE_CODED_FIELDS(FREE_XX)
#undef FREE_XX
#undef FREE_CASE_LIST
#undef FREE_CASE_ONE
	free(c->published);
	free(c->awarded);
	free(c->value_currency);
	free(c->outcome);
	free(c->lessons);
	for (size_t i = 0; i < c->nsources; i++) {
		free(c->sources[i].url);
		free(c->sources[i].retrieved_at);
		free(c->sources[i].sha256);
		free(c->sources[i].format);
		free(c->sources[i].licence);
		strlist_release(&c->sources[i].dropped);
	}
	free(c->sources);
	free(c->status);
	free(c->created_at);
	free(c->updated_at);
	case_init(c);
}

/* Sticky-error copies: each is a no-op once *rc is set. */
static void dup_str(int *rc, char **dst, const char *s)
{
	if (*rc || !s)
		return;
	if (!(*dst = strdup(s)))
		*rc = CL_ENOMEM;
}

static void dup_list(int *rc, struct strlist *dst, const struct strlist *src)
{
	if (*rc || src->n == 0)
		return;
	dst->v = calloc(src->n, sizeof *dst->v);
	if (!dst->v) {
		*rc = CL_ENOMEM;
		return;
	}
	dst->n = src->n;
	for (size_t i = 0; i < src->n; i++)
		dup_str(rc, &dst->v[i], src->v[i]);
}

int case_copy(struct case_record *dst, const struct case_record *src)
{
	int rc = CL_OK;

	if (!dst || !src)
		return CL_EINVAL;
	if (dst == src)
		return CL_OK;
	case_release(dst);
	dup_str(&rc, &dst->id, src->id);
	dup_str(&rc, &dst->kind, src->kind);
	dup_str(&rc, &dst->title, src->title);
	dup_str(&rc, &dst->summary, src->summary);
	dup_str(&rc, &dst->body, src->body);
	dup_str(&rc, &dst->language, src->language);
	dup_str(&rc, &dst->buyer.name, src->buyer.name);
	dup_str(&rc, &dst->buyer.org_number, src->buyer.org_number);
	dup_str(&rc, &dst->buyer.country, src->buyer.country);
	dup_str(&rc, &dst->buyer.nuts, src->buyer.nuts);
#define DUP_CASE_ONE(name) dup_str(&rc, &dst->name, src->name);
#define DUP_CASE_LIST(name) dup_list(&rc, &dst->name, &src->name);
#define DUP_XX(name, card, vocab) DUP_##card(name)
	CASE_CODED_FIELDS(DUP_XX)
#undef DUP_XX
#undef DUP_CASE_LIST
#undef DUP_CASE_ONE
	dup_str(&rc, &dst->published, src->published);
	dup_str(&rc, &dst->awarded, src->awarded);
	dst->has_value = src->has_value;
	dst->value_amount = src->value_amount;
	dup_str(&rc, &dst->value_currency, src->value_currency);
	dup_str(&rc, &dst->outcome, src->outcome);
	dup_str(&rc, &dst->lessons, src->lessons);
	if (!rc && src->nsources) {
		dst->sources = calloc(src->nsources, sizeof *dst->sources);
		if (!dst->sources)
			rc = CL_ENOMEM;
		else
			dst->nsources = src->nsources;
	}
	for (size_t i = 0; !rc && i < src->nsources; i++) {
		const struct case_source *s = &src->sources[i];
		struct case_source *d = &dst->sources[i];

		dup_str(&rc, &d->url, s->url);
		dup_str(&rc, &d->retrieved_at, s->retrieved_at);
		dup_str(&rc, &d->sha256, s->sha256);
		dup_str(&rc, &d->format, s->format);
		dup_str(&rc, &d->licence, s->licence);
		dup_list(&rc, &d->dropped, &s->dropped);
	}
	dup_str(&rc, &dst->status, src->status);
	dst->version = src->version;
	dup_str(&rc, &dst->created_at, src->created_at);
	dup_str(&rc, &dst->updated_at, src->updated_at);
	if (rc)
		case_release(dst);
	return rc;
}

int case_year(const struct case_record *c)
{
	const char *d[2];

	if (!c)
		return 0;
	d[0] = c->published;
	d[1] = c->awarded;
	for (int i = 0; i < 2; i++)
		if (d[i] && all_in(d[i], 0, 4, DIGIT) && (d[i][4] == '-' || d[i][4] == '\0'))
			return num(d[i], 4);
	return 0;
}

/* ---- JSON -> struct (only after validation) ------------------------------ */

static const json_t *get(const json_t *obj, const char *key)
{
	const json_t *m = json_object_get(obj, key);
	return m && !json_is_null(m) ? m : NULL;
}

static void take_str(int *rc, char **dst, const json_t *obj, const char *key)
{
	const json_t *m = get(obj, key);

	if (m)
		dup_str(rc, dst, json_string_value(m));
}

static void take_list(int *rc, struct strlist *dst, const json_t *obj, const char *key)
{
	const json_t *m = get(obj, key);
	size_t n = m ? json_array_size(m) : 0;

	if (*rc || n == 0)
		return;
	dst->v = calloc(n, sizeof *dst->v);
	if (!dst->v) {
		*rc = CL_ENOMEM;
		return;
	}
	dst->n = n;
	for (size_t i = 0; i < n; i++)
		dup_str(rc, &dst->v[i], json_string_value(json_array_get(m, i)));
}

static int fill(struct case_record *c, const json_t *j)
{
	int rc = CL_OK;
	const json_t *b, *val, *src;

	take_str(&rc, &c->id, j, "id");
	take_str(&rc, &c->kind, j, "kind");
	take_str(&rc, &c->title, j, "title");
	take_str(&rc, &c->summary, j, "summary");
	take_str(&rc, &c->body, j, "body");
	take_str(&rc, &c->language, j, "language");
	if ((b = get(j, "buyer"))) {
		const json_t *on = get(b, "org_number");

		take_str(&rc, &c->buyer.name, b, "name");
		if (on) {
			char canon[12];
			if (orgnr_check(json_string_value(on), canon, NULL) == 0)
				dup_str(&rc, &c->buyer.org_number, canon);
		}
		take_str(&rc, &c->buyer.country, b, "country");
		take_str(&rc, &c->buyer.nuts, b, "nuts");
	}
#define TAKE_CASE_ONE(name) take_str(&rc, &c->name, j, #name);
#define TAKE_CASE_LIST(name) take_list(&rc, &c->name, j, #name);
#define TAKE_XX(name, card, vocab) TAKE_##card(name)
	CASE_CODED_FIELDS(TAKE_XX)
#undef TAKE_XX
#undef TAKE_CASE_LIST
#undef TAKE_CASE_ONE
	take_str(&rc, &c->published, j, "published");
	take_str(&rc, &c->awarded, j, "awarded");
	if ((val = get(j, "value"))) {
		c->has_value = 1;
		c->value_amount = json_number_value(get(val, "amount"));
		take_str(&rc, &c->value_currency, val, "currency");
	}
	take_str(&rc, &c->outcome, j, "outcome");
	take_str(&rc, &c->lessons, j, "lessons");
	src = get(j, "sources");
	if (!rc && src && json_array_size(src) > 0) {
		size_t n = json_array_size(src);

		c->sources = calloc(n, sizeof *c->sources);
		if (!c->sources)
			rc = CL_ENOMEM;
		else
			c->nsources = n;
		for (size_t i = 0; !rc && i < n; i++) {
			const json_t *s = json_array_get(src, i);
			struct case_source *d = &c->sources[i];

			take_str(&rc, &d->url, s, "url");
			take_str(&rc, &d->retrieved_at, s, "retrieved_at");
			take_str(&rc, &d->sha256, s, "sha256");
			take_str(&rc, &d->format, s, "format");
			take_str(&rc, &d->licence, s, "licence");
			take_list(&rc, &d->dropped, s, "dropped");
		}
	}
	take_str(&rc, &c->status, j, "status");
	if (get(j, "version"))
		c->version = (long)json_integer_value(get(j, "version"));
	take_str(&rc, &c->created_at, j, "created_at");
	take_str(&rc, &c->updated_at, j, "updated_at");
	return rc;
}

int case_from_json(const json_t *j, unsigned flags, struct case_record *c,
		   struct case_problems *probs)
{
	int rc;

	if (!c || !probs)
		return CL_EINVAL;
	case_release(c);
	rc = case_validate_json(j, flags, probs);
	if (rc)
		return rc;
	rc = fill(c, j);
	if (rc)
		case_release(c);
	return rc;
}

/* Copies jansson's error text into dst as one clean line. */
static void clean_line(char *dst, size_t n, const char *s)
{
	size_t o = 0, len = strlen(s);

	for (size_t i = 0; i < len && o + 1 < n;) {
		int32_t cp;
		int k = u8_next(s + i, len - i, &cp);

		if (k < 0 || is_control(cp)) {
			dst[o++] = '?';
			i += k < 0 ? 1 : (size_t)k;
		} else if (o + (size_t)k < n) {
			memcpy(dst + o, s + i, (size_t)k);
			o += (size_t)k;
			i += (size_t)k;
		} else {
			break;
		}
	}
	dst[o] = '\0';
}

int case_parse(const char *buf, size_t len, unsigned flags, struct case_record *c,
	       struct case_problems *probs)
{
	json_error_t err;
	json_t *j = NULL;
	char text[sizeof err.text];
	int rc, line, column, pos;

	if (!c || !probs || (!buf && len))
		return CL_EINVAL;
	case_release(c);
	if (len > CASE_JSON_MAX_BYTES) {
		rc = case_problems_add(probs, "$", CASE_P_TOO_LONG,
				       "too large: %zu bytes, at most %d", len,
				       CASE_JSON_MAX_BYTES);
		return rc ? rc : CL_EVALIDATION;
	}
	/* A UTF-8 byte order mark, as some editors write, is not JSON: skip it
	 * and keep the reported position true to the original text. */
	int bom = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0;
	j = json_loadb(buf ? buf + (bom ? 3 : 0) : "", len - (bom ? 3 : 0),
		       JSON_REJECT_DUPLICATES, &err);
	if (!j) {
		line = err.line;
		column = err.column + (bom && err.line == 1);
		pos = err.position + (bom ? 3 : 0);
		switch (json_error_code(&err)) {
		case json_error_null_character:
			snprintf(text, sizeof text, "\\u0000 (NUL) is not allowed in strings");
			break;
		case json_error_invalid_utf8:
			clean_line(text, sizeof text, err.text);
			rc = case_problems_add(probs, "$", CASE_P_JSON_SYNTAX,
					       "line %d column %d (byte offset %d): invalid UTF-8: %s",
					       line, column, pos, text);
			return rc ? rc : CL_EVALIDATION;
		default:
			clean_line(text, sizeof text, err.text);
			break;
		}
		rc = case_problems_add(probs, "$", CASE_P_JSON_SYNTAX, "line %d column %d: %s",
				       line, column, text);
		return rc ? rc : CL_EVALIDATION;
	}
	rc = case_from_json(j, flags, c, probs);
	json_decref(j);
	return rc;
}

/* ---- struct -> JSON ------------------------------------------------------ */

/* Sticky builders: each is a no-op once *rc is set. A string that jansson
 * refuses (invalid UTF-8 in a record built in code) fails the whole
 * conversion rather than produce broken JSON. */
static void put(int *rc, json_t *obj, const char *key, json_t *val)
{
	if (*rc) {
		json_decref(val);
		return;
	}
	if (!val || json_object_set_new(obj, key, val) != 0)
		*rc = CL_ENOMEM;
}

static void put_str(int *rc, json_t *obj, const char *key, const char *s)
{
	if (s && !*rc)
		put(rc, obj, key, json_string(s));
}

static void put_list(int *rc, json_t *obj, const char *key, const struct strlist *l)
{
	json_t *a;

	if (*rc || l->n == 0)
		return;
	a = json_array();
	for (size_t i = 0; a && i < l->n; i++) {
		if (json_array_append_new(a, json_string(l->v[i] ? l->v[i] : "")) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	put(rc, obj, key, a);
}

static json_t *strings_json(const struct strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < l->n; i++) {
		if (json_array_append_new(a, json_string(l->v[i] ? l->v[i] : "")) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

json_t *case_hit_card(const struct case_record *c)
{
	json_t *o;
	int rc = 0, year;

	if (!c || !(o = json_object()))
		return NULL;
	put_str(&rc, o, "kind", c->kind);
	put_str(&rc, o, "summary", c->summary);
	put_str(&rc, o, "language", c->language);
	put_str(&rc, o, "published", c->published);
	if ((year = case_year(c)) != 0)
		put(&rc, o, "year", json_integer(year));
	put_str(&rc, o, "buyer", c->buyer.name);
	put_str(&rc, o, "authority_type", c->authority_type);
	put(&rc, o, "sectors", strings_json(&c->sectors));
	put(&rc, o, "goals", strings_json(&c->goals));
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Whole amounts are written as JSON integers (1500000, not 1500000.0). */
static int amount_is_integral(double a)
{
	return isfinite(a) && a == trunc(a) && fabs(a) <= 9007199254740992.0;
}

json_t *case_to_json(const struct case_record *c)
{
	json_t *j = json_object(), *o;
	int rc = j ? CL_OK : CL_ENOMEM;
	int year;

	if (!c) {
		json_decref(j);
		return NULL;
	}
	put_str(&rc, j, "id", c->id);
	put_str(&rc, j, "kind", c->kind);
	put_str(&rc, j, "status", c->status);
	put_str(&rc, j, "title", c->title);
	put_str(&rc, j, "summary", c->summary);
	put_str(&rc, j, "body", c->body);
	put_str(&rc, j, "language", c->language);
	if (!rc && (c->buyer.name || c->buyer.org_number || c->buyer.country || c->buyer.nuts)) {
		o = json_object();
		put_str(&rc, o, "name", c->buyer.name);
		put_str(&rc, o, "org_number", c->buyer.org_number);
		put_str(&rc, o, "country", c->buyer.country);
		put_str(&rc, o, "nuts", c->buyer.nuts);
		put(&rc, j, "buyer", o);
	}
#define PUT_CASE_ONE(name) put_str(&rc, j, #name, c->name);
#define PUT_CASE_LIST(name) put_list(&rc, j, #name, &c->name);
#define PUT_XX(name, card, vocab) PUT_##card(name)
	CASE_CODED_FIELDS(PUT_XX)
#undef PUT_XX
#undef PUT_CASE_LIST
#undef PUT_CASE_ONE
	put_str(&rc, j, "published", c->published);
	put_str(&rc, j, "awarded", c->awarded);
	year = case_year(c);
	if (year)
		put(&rc, j, "year", json_integer(year));
	if (!rc && c->has_value) {
		o = json_object();
		if (amount_is_integral(c->value_amount))
			put(&rc, o, "amount", json_integer((json_int_t)c->value_amount));
		else
			put(&rc, o, "amount", json_real(c->value_amount));
		put_str(&rc, o, "currency", c->value_currency);
		put(&rc, j, "value", o);
	}
	put_str(&rc, j, "outcome", c->outcome);
	put_str(&rc, j, "lessons", c->lessons);
	if (!rc && c->nsources) {
		json_t *a = json_array();
		if (!a)
			rc = CL_ENOMEM;
		for (size_t i = 0; !rc && i < c->nsources; i++) {
			const struct case_source *s = &c->sources[i];

			o = json_object();
			put_str(&rc, o, "url", s->url);
			put_str(&rc, o, "retrieved_at", s->retrieved_at);
			put_str(&rc, o, "sha256", s->sha256);
			put_str(&rc, o, "format", s->format);
			put_str(&rc, o, "licence", s->licence);
			put_list(&rc, o, "dropped", &s->dropped);
			if (rc) {
				json_decref(o);
				break;
			}
			/* append_new takes the reference even when it fails. */
			if (!o || json_array_append_new(a, o) != 0)
				rc = CL_ENOMEM;
		}
		put(&rc, j, "sources", a);
	}
	if (c->version > 0)
		put(&rc, j, "version", json_integer(c->version));
	put_str(&rc, j, "created_at", c->created_at);
	put_str(&rc, j, "updated_at", c->updated_at);
	if (rc) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* The fewest significant digits (at most 17) that read back as a. */
static int shortest_precision(double a)
{
	char tmp[64];

	for (int p = 1; p < 17; p++) {
		snprintf(tmp, sizeof tmp, "%.*g", p, a);
		if (strtod(tmp, NULL) == a)
			return p;
	}
	return 17;
}

char *case_to_string(const struct case_record *c, int content_only)
{
	json_t *j = case_to_json(c);
	size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER;
	char *s;

	if (!j)
		return NULL;
	if (content_only) {
		json_object_del(j, "status");
		json_object_del(j, "version");
		json_object_del(j, "created_at");
		json_object_del(j, "updated_at");
	}
	/* The amount is the only real number in a record: write it with the
	 * shortest exact form (1234567.89, not 1234567.8899999999). */
	if (c->has_value && !amount_is_integral(c->value_amount))
		flags |= JSON_REAL_PRECISION(shortest_precision(c->value_amount));
	s = json_dumps(j, flags);
	json_decref(j);
	return s;
}
