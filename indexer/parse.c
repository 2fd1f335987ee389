/* parse.c — helpers shared by the source parsers (see parse.h): text
 * cleaning and truncation, ids, URLs, dates, list building, the id set
 * that keeps a parse's ids unique, and the validate-then-emit step. */
#include "parse.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "csvread.h"
#include "utf8.h"

/* ---- cleaning ------------------------------------------------------------ */

static int is_invisible(int32_t cp)
{
	return cp == 0x200B || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
	       cp == 0x2060 || cp == 0xFEFF;
}

static int is_line_end(int32_t cp)
{
	return cp == '\n' || cp == '\r' || cp == 0x0B || cp == 0x0C || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0x85;
}

static int is_space(int32_t cp)
{
	return cp == ' ' || cp == '\t' || utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS;
}

/* windows-1252 (WHATWG) bytes 0x80..0x9F; the five bytes the code page
 * leaves undefined decode to the C1 controls of the same value. */
static const uint16_t cp1252_hi[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

/* The windows-1252 byte that decodes to cp, or -1. */
static int cp1252_byte(int32_t cp)
{
	if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF))
		return cp;
	for (int i = 0; i < 32; i++)
		if (cp1252_hi[i] == cp)
			return 0x80 + i;
	return -1;
}

/* Characters double-encoded European text turns back into: Latin letters,
 * general punctuation, currency and letterlike symbols. */
static int plausible_repair(int32_t cp)
{
	return cp < 0x80 ? cp >= 0x20 || cp == '\t' || cp == '\n' || cp == '\r'
	       : (cp >= 0xA0 && cp <= 0x24F) || (cp >= 0x2000 && cp <= 0x206F) ||
		 (cp >= 0x20A0 && cp <= 0x20CF) || (cp >= 0x2100 && cp <= 0x214F);
}

char *parse_fix_mojibake(const char *s, int *enomem)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	unsigned char *out;
	size_t o = 0;
	int wide = 0;

	if (enomem)
		*enomem = 0;
	if (!s)
		return NULL;
	for (const char *q = s; *q; q++)
		wide |= (unsigned char)*q >= 0x80;
	if (!wide)
		return NULL;
	if (!(out = malloc(strlen(s) + 1))) {
		if (enomem)
			*enomem = 1;
		return NULL;
	}
	while (*p) {
		int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p, -1, &cp);
		int b = k > 0 ? cp1252_byte(cp) : -1;

		if (b < 0)
			goto keep;
		out[o++] = (unsigned char)b;
		p += k;
	}
	out[o] = '\0';
	for (p = out; *p;) {
		int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p, -1, &cp);

		if (k <= 0 || !plausible_repair(cp))
			goto keep;
		p += k;
	}
	return (char *)out;
keep:
	free(out);
	return NULL;
}

/* Shared by clean_line and clean_text: multiline keeps paragraph breaks. */
static char *clean(const char *s, int multiline)
{
	utf8proc_uint8_t *nfc = NULL;
	utf8proc_ssize_t n;
	char *out = NULL;
	size_t o = 0;
	int pend_space = 0, pend_nl = 0;
	const utf8proc_uint8_t *p;
	int enomem;
	char *fixed = parse_fix_mojibake(s, &enomem);

	if (enomem)
		return NULL;
	n = utf8proc_map((const utf8proc_uint8_t *)(fixed ? fixed : s), 0, &nfc,
			 UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	free(fixed);
	if (n < 0) {
		/* Not valid UTF-8 after all (callers promise it is): keep the
		 * bytes, the validator will say what is wrong. */
		if (n != UTF8PROC_ERROR_NOMEM)
			return strdup(s);
		return NULL;
	}
	out = malloc((size_t)n + 1);
	if (!out)
		goto out;
	p = nfc;
	while (*p) {
		int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p, -1, &cp);

		if (k <= 0) { /* cannot happen after utf8proc_map */
			p++;
			continue;
		}
		p += k;
		if (cp == '\r' && *p == '\n')
			continue; /* the LF that follows ends the line */
		if (is_line_end(cp)) {
			if (multiline) {
				pend_space = 0;
				if (o > 0 && pend_nl < 2)
					pend_nl++;
			} else if (o > 0) {
				pend_space = 1;
			}
			continue;
		}
		if (is_space(cp)) {
			if (o > 0 && !pend_nl)
				pend_space = 1;
			continue;
		}
		if (is_invisible(cp) || utf8proc_category(cp) == UTF8PROC_CATEGORY_CC)
			continue;
		if (pend_nl) {
			for (int i = 0; i < pend_nl; i++)
				out[o++] = '\n';
			pend_nl = 0;
			pend_space = 0;
		} else if (pend_space) {
			out[o++] = ' ';
			pend_space = 0;
		}
		o += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)out + o);
	}
	out[o] = '\0';
out:
	free(nfc);
	return out;
}

char *parse_clean_line(const char *s, size_t max_cp)
{
	char *c = clean(s ? s : "", 0), *t;

	if (!c || max_cp == 0 || utf8_count(c) <= max_cp)
		return c;
	t = parse_truncate(c, max_cp);
	free(c);
	return t;
}

char *parse_clean_text(const char *s)
{
	return clean(s ? s : "", 1);
}

char *parse_truncate(const char *s, size_t max_cp)
{
	static const char ell[] = "\xE2\x80\xA6"; /* … */
	size_t full, cut, i;
	char *out;

	if (utf8_count(s) <= max_cp)
		return strdup(s);
	if (max_cp == 0)
		return strdup("");
	full = utf8_offset(s, max_cp);    /* room without "…" */
	cut = utf8_offset(s, max_cp - 1); /* room with "…" */

	/* The last sentence end in the second half: ".!?" followed by a space
	 * or line end, or a line end itself. */
	for (i = full; i > full / 2; i--) {
		char c = s[i - 1], next = s[i];

		if ((c == '.' || c == '!' || c == '?') && (next == ' ' || next == '\n'))
			return strndup(s, i);
		if (next == '\n') {
			size_t e = i;
			while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\n'))
				e--;
			if (e > full / 2)
				return strndup(s, e);
		}
	}
	/* Else the last space in the second half, with "…". */
	for (i = cut; i > cut / 2; i--) {
		if (s[i] == ' ' || s[i] == '\n') {
			while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\n'))
				i--;
			if (i > cut / 2) {
				cut = i;
				break;
			}
		}
	}
	out = malloc(cut + sizeof ell);
	if (!out)
		return NULL;
	memcpy(out, s, cut);
	memcpy(out + cut, ell, sizeof ell);
	return out;
}

/* ---- ids, URLs, dates, lists --------------------------------------------- */

int parse_make_id(char *out, const char *prefix, const char *native)
{
	size_t o = 0;

	if (!native || !*native)
		return CL_EINVAL;
	for (const char *p = prefix; *p && o < CASE_ID_MAX; p++)
		out[o++] = *p;
	for (const unsigned char *p = (const unsigned char *)native; *p && o < CASE_ID_MAX; p++) {
		unsigned c = *p;

		if (c >= 'A' && c <= 'Z')
			c = c - 'A' + 'a';
		if (utf8_is_cont((unsigned char)c))
			continue; /* one '-' per non-ASCII character */
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			c = '-';
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return CL_OK;
}

static int host_char(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* Checks and copies one candidate URL of n bytes; NULL if not acceptable. */
static char *url_candidate(const char *s, size_t n, int *enomem)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t skip, i, o = 0, hstart;
	char *out;

	if (n >= 7 && strncasecmp(s, "http://", 7) == 0)
		skip = 7;
	else if (n >= 8 && strncasecmp(s, "https://", 8) == 0)
		skip = 8;
	else
		return NULL;
	out = malloc(n * 3 + 1);
	if (!out) {
		if (enomem)
			*enomem = 1;
		return NULL;
	}
	for (i = 0; i < skip; i++)
		out[o++] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	/* host (and port) */
	hstart = o;
	for (; i < n && s[i] != '/' && s[i] != '?' && s[i] != '#'; i++) {
		unsigned c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			c = c - 'A' + 'a';
		if (c == ':') {
			out[o++] = ':';
			for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
				out[o++] = s[i];
			if (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#')
				goto bad;
			break;
		}
		if (!host_char(c))
			goto bad;
		out[o++] = (char)c;
	}
	if (o == hstart || out[hstart] == '.' || out[hstart] == '-' || !memchr(out + hstart, '.', o - hstart))
		goto bad;
	for (; i < n; i++) {
		unsigned c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7F || c == '"' || c == '<' || c == '>' || c == '\\' ||
		    c == '^' || c == '`' || c == '{' || c == '|' || c == '}') {
			if (c <= 0x20 || c == 0x7F)
				goto bad;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else if (c >= 0x80) {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	if (o > CASE_URL_MAX)
		goto bad;
	return out;
bad:
	free(out);
	return NULL;
}

/* Separator between URLs in a field: ASCII space or control, ',', ';', or
 * a Unicode space (NBSP, ...). Returns its length in bytes, 0 if none. */
static size_t sep_len(const char *p)
{
	int32_t cp;
	utf8proc_ssize_t k;
	unsigned c = (unsigned char)*p;

	if (c == ',' || c == ';' || c <= 0x20)
		return 1;
	if (c < 0x80)
		return 0;
	k = utf8proc_iterate((const utf8proc_uint8_t *)p, -1, &cp);
	if (k > 0 && (is_space(cp) || is_line_end(cp) || is_invisible(cp)))
		return (size_t)k;
	return 0;
}

char *parse_first_url(const char *s, int *enomem)
{
	const char *p = s;

	if (enomem)
		*enomem = 0;
	if (!s)
		return NULL;
	while (*p) {
		size_t k, n = 0;
		char *u;

		while (*p && (k = sep_len(p)) > 0)
			p += k;
		if (!*p)
			break;
		while (p[n] && sep_len(p + n) == 0)
			n++;
		u = url_candidate(p, n, enomem);
		if (u)
			return u;
		if (enomem && *enomem)
			return NULL;
		p += n;
	}
	return NULL;
}

int parse_set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? strdup(s) : NULL;
	return s && !*dst ? CL_ENOMEM : CL_OK;
}

int parse_is_cpv(const char *s)
{
	size_t n = s ? strspn(s, "0123456789") : 0;

	return n == 8 && (s[8] == '\0' || (s[8] == '-' && s[9] >= '0' && s[9] <= '9' && !s[10]));
}

int parse_is_nuts(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 2 || n > 5 || !isupper((unsigned char)s[0]) || !isupper((unsigned char)s[1]))
		return 0;
	for (size_t i = 2; i < n; i++)
		if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

int parse_is_date(const char *s)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d, leap;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1)
		return 0;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

int parse_list_add(struct strlist *l, const char *s)
{
	char **nv, *copy;

	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return CL_OK;
	if (l->n >= CASE_LIST_MAX)
		return CL_OK;
	copy = strdup(s);
	if (!copy)
		return CL_ENOMEM;
	nv = realloc(l->v, (l->n + 1) * sizeof *nv);
	if (!nv) {
		free(copy);
		return CL_ENOMEM;
	}
	l->v = nv;
	l->v[l->n++] = copy;
	return CL_OK;
}

int parse_goals_of_strategic(struct case_record *c, const struct maptab *goal_map)
{
	int rc;

	for (size_t i = 0; i < c->strategic.n; i++) {
		const char *codes[8];
		const char *keys[1] = {c->strategic.v[i]};
		size_t n = maptab_codes(goal_map, keys, 1, 1, codes, 8, NULL);

		for (size_t k = 0; k < n; k++)
			if ((rc = parse_list_add(&c->goals, codes[k])))
				return rc;
	}
	return CL_OK;
}

/* ---- id set -------------------------------------------------------------- */

void parse_ids_init(struct parse_ids *ids)
{
	memset(ids, 0, sizeof *ids);
}

void parse_ids_release(struct parse_ids *ids)
{
	if (!ids)
		return;
	for (size_t i = 0; i < ids->cap; i++)
		free(ids->slot[i]);
	free(ids->slot);
	parse_ids_init(ids);
}

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL & SIZE_MAX; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
	return h;
}

/* Slot of s, or of the empty slot where it would go. */
static size_t ids_slot(const struct parse_ids *ids, const char *s)
{
	size_t i = hash_str(s) & (ids->cap - 1);

	while (ids->slot[i] && strcmp(ids->slot[i], s) != 0)
		i = (i + 1) & (ids->cap - 1);
	return i;
}

static int ids_grow(struct parse_ids *ids)
{
	size_t ncap = ids->cap ? ids->cap * 2 : 1024;
	struct parse_ids n = {calloc(ncap, sizeof(char *)), ncap, ids->n};

	if (!n.slot)
		return CL_ENOMEM;
	for (size_t i = 0; i < ids->cap; i++)
		if (ids->slot[i])
			n.slot[ids_slot(&n, ids->slot[i])] = ids->slot[i];
	free(ids->slot);
	*ids = n;
	return CL_OK;
}

int parse_ids_claim(struct parse_ids *ids, char *id, int *renamed)
{
	char base[CASE_ID_MAX + 1], cand[CASE_ID_MAX + 1];
	size_t i;

	if (renamed)
		*renamed = 0;
	if ((ids->n + 1) * 2 > ids->cap && ids_grow(ids))
		return CL_ENOMEM;
	snprintf(base, sizeof base, "%s", id);
	snprintf(cand, sizeof cand, "%s", id);
	for (long k = 2; ids->slot[i = ids_slot(ids, cand)]; k++) {
		char suffix[24];
		int sl = snprintf(suffix, sizeof suffix, "-%ld", k);
		size_t bl = strlen(base);

		if (bl + (size_t)sl > CASE_ID_MAX)
			bl = CASE_ID_MAX - (size_t)sl;
		snprintf(cand, sizeof cand, "%.*s%s", (int)bl, base, suffix);
		if (renamed)
			*renamed = 1;
	}
	ids->slot[i] = strdup(cand);
	if (!ids->slot[i])
		return CL_ENOMEM;
	ids->n++;
	memcpy(id, cand, strlen(cand) + 1);
	return CL_OK;
}

/* ---- emit ---------------------------------------------------------------- */

void parse_reject(const struct parse_sink *sink, long line, const char *fmt, ...)
{
	char msg[CL_ERRBUF_SIZE];
	va_list ap;

	if (!sink->reject)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sink->reject(sink->ud, line, msg);
}

/* ---- field-level rejection ------------------------------------------------ */

/* Paths a record cannot do without: a problem there rejects the record. */
static int essential_path(const char *p)
{
	static const char *const keys[] = {"id",      "kind",       "title",      "sources",
					   "status",  "version",    "created_at", "updated_at",
					   NULL};

	if (strncmp(p, "$.", 2) != 0)
		return 1;
	for (int i = 0; keys[i]; i++) {
		size_t n = strlen(keys[i]);
		if (strncmp(p + 2, keys[i], n) == 0 &&
		    (p[2 + n] == '\0' || p[2 + n] == '.' || p[2 + n] == '['))
			return 1;
	}
	return 0;
}

/* Replaces the value at path ("$.a.b", "$.a[3]") in j with null; when the
 * last member is missing (a required member), the object holding it.
 * 0, or -1 when the path cannot be followed or names the whole record. */
static int null_path(json_t *j, const char *path)
{
	json_t *cur = j, *holder = NULL, *prev_holder = NULL;
	char key[128], prev_key[128] = "";
	size_t idx = 0, prev_idx = 0;
	int kind = 0, prev_kind = 0; /* 1 member, 2 array element */
	const char *p = path + 1;

	while (*p) {
		json_t *next;

		prev_holder = holder;
		prev_kind = kind;
		prev_idx = idx;
		memcpy(prev_key, key, sizeof key);
		if (*p == '.') {
			size_t n = strcspn(p + 1, ".[");
			if (n == 0 || n >= sizeof key || !json_is_object(cur))
				return -1;
			memcpy(key, p + 1, n);
			key[n] = '\0';
			p += 1 + n;
			next = json_object_get(cur, key);
			kind = 1;
		} else if (*p == '[') {
			char *e;
			unsigned long long v = strtoull(p + 1, &e, 10);
			if (e == p + 1 || *e != ']' || !json_is_array(cur))
				return -1;
			idx = (size_t)v;
			p = e + 1;
			next = json_array_get(cur, idx);
			kind = 2;
		} else {
			return -1;
		}
		holder = cur;
		if (!next) {
			/* a required member is missing: drop what holds it */
			if (*p || !prev_holder)
				return -1;
			holder = prev_holder;
			kind = prev_kind;
			idx = prev_idx;
			memcpy(key, prev_key, sizeof key);
			break;
		}
		cur = next;
	}
	if (!holder)
		return -1;
	if (kind == 1)
		return json_object_set_new(holder, key, json_null()) ? -1 : 0;
	return json_array_set_new(holder, idx, json_null()) ? -1 : 0;
}

/* Removes nulls, and the objects and arrays left empty, below j. */
static void compact(json_t *j)
{
	if (json_is_object(j)) {
		const char *k;
		json_t *v;
		void *it;

		json_object_foreach_safe(j, it, k, v)
		{
			compact(v);
			if (json_is_null(v) || (json_is_object(v) && json_object_size(v) == 0) ||
			    (json_is_array(v) && json_array_size(v) == 0))
				json_object_del(j, k);
		}
	} else if (json_is_array(j)) {
		for (size_t i = json_array_size(j); i-- > 0;) {
			json_t *v = json_array_get(j, i);

			compact(v);
			if (json_is_null(v))
				json_array_remove(j, i);
		}
	}
}

/* "PATH: reason" cut to CASE_NAME_MAX bytes at a character boundary. */
static int add_dropped(struct strlist *l, const char *path, const char *reason)
{
	char buf[CASE_NAME_MAX + 1];
	size_t n;

	snprintf(buf, sizeof buf, "%s: %s", path, reason);
	n = strlen(buf);
	if (n == CASE_NAME_MAX)
		while (n > 0 && ((unsigned char)buf[n] & 0xC0) == 0x80)
			buf[--n] = '\0';
	return parse_list_add(l, buf);
}

static void reject_invalid(const struct parse_sink *sink, long line,
			   const struct case_problems *probs, size_t first)
{
	if (probs->n > 1)
		parse_reject(sink, line, "fails validation: %s: %s (and %zu more)",
			     probs->v[first].path, probs->v[first].reason, probs->n - 1);
	else if (probs->n == 1)
		parse_reject(sink, line, "fails validation: %s: %s", probs->v[0].path,
			     probs->v[0].reason);
	else
		parse_reject(sink, line, "fails validation");
}

int parse_emit_valid(const struct parse_sink *sink, struct case_record *c, long line)
{
	struct case_problems probs;
	struct case_record kept;
	struct strlist dropped = {NULL, 0};
	json_t *j = case_to_json(c);
	int rc;

	if (!j)
		return CL_ENOMEM;
	case_problems_init(&probs);
	case_init(&kept);
	rc = case_validate_json(j, 0, &probs);
	/* A value that fails is left out, and named in the source entry;
	 * the record is rejected only when what remains is not a case. A
	 * few rounds: dropping a member can leave its object incomplete. */
	for (int round = 0; rc == CL_EVALIDATION && round < 4; round++) {
		for (size_t i = 0; i < probs.n; i++) {
			if (essential_path(probs.v[i].path) || null_path(j, probs.v[i].path) != 0) {
				reject_invalid(sink, line, &probs, i);
				rc = CL_EVALIDATION;
				goto out;
			}
			if (dropped.n < CASE_LIST_MAX &&
			    add_dropped(&dropped, probs.v[i].path, probs.v[i].reason)) {
				rc = CL_ENOMEM;
				goto out;
			}
		}
		compact(j);
		case_problems_release(&probs);
		case_problems_init(&probs);
		rc = case_validate_json(j, 0, &probs);
	}
	if (rc == CL_EVALIDATION) {
		reject_invalid(sink, line, &probs, 0);
		goto out;
	}
	if (rc)
		goto out;
	if (!dropped.n) {
		rc = sink->emit(sink->ud, c);
		goto out;
	}
	if ((rc = case_from_json(j, 0, &kept, &probs)))
		goto out;
	kept.sources[0].dropped = dropped;
	dropped.v = NULL;
	dropped.n = 0;
	rc = sink->emit(sink->ud, &kept);
out:
	for (size_t i = 0; i < dropped.n; i++)
		free(dropped.v[i]);
	free(dropped.v);
	case_release(&kept);
	case_problems_release(&probs);
	json_decref(j);
	return rc;
}

int parse_check_call(const struct parse_src *src, const struct parse_sink *sink,
		     const char *format, struct cl_errbuf *eb)
{
	if (!src || !src->retrieved_at || !*src->retrieved_at)
		return cl_fail(eb, CL_EINVAL, "%s: no retrieved_at given", format);
	if (!sink || !sink->emit)
		return cl_fail(eb, CL_EINVAL, "%s: no emit callback", format);
	return CL_OK;
}

int parse_emit_built(int rc, const struct parse_sink *sink, struct case_record *c, long line,
		     const char *format, struct cl_errbuf *eb)
{
	if (rc == CL_OK) {
		rc = parse_emit_valid(sink, c, line);
		if (rc == CL_EVALIDATION)
			rc = CL_OK; /* told the sink; the payload itself was read */
		else if (rc && rc != CL_ENOMEM)
			cl_fail(eb, rc, "%s: the receiver stopped the parse (%s)", format,
				cl_strerror(rc));
	}
	if (rc == CL_ENOMEM)
		cl_fail(eb, rc, "%s: out of memory", format);
	return rc;
}

int parse_check_codes(const struct maptab *t, const char *col, enum tax_facet f,
		      struct cl_errbuf *eb)
{
	long c = maptab_col(t, col);

	if (c < 0)
		return cl_fail(eb, CL_ECORRUPT, "map %s: no column \"%s\"", t->name, col);
	for (size_t r = 0; r < t->nrows; r++) {
		const char *code = maptab_cell(t, r, (size_t)c);

		if (*code == '\0' || strcmp(code, "-") == 0)
			continue;
		if (!tax_lookup(f, code))
			return cl_fail(eb, CL_ECORRUPT, "map %s line %ld: \"%s\" is not a %s code",
				       t->name, t->line[r], code, tax_facet_name(f));
	}
	return CL_OK;
}

/* ---- mapping tables ------------------------------------------------------ */

static struct maptab *map_at(void *base, const struct parse_map *d)
{
	return (struct maptab *)((char *)base + d->off);
}

int parse_maps_load(void *base, const struct parse_map *defs, size_t n, const char *format,
		    struct cl_errbuf *eb)
{
	int rc;

	for (size_t i = 0; i < n; i++)
		maptab_init(map_at(base, &defs[i]));
	for (size_t i = 0; i < n; i++) {
		const struct parse_map *d = &defs[i];
		struct maptab *t = map_at(base, d);

		if ((rc = maptab_load_builtin(t, d->name, eb)))
			return rc;
		if ((d->ncols && t->ncols != d->ncols) || t->ncols < d->min_cols ||
		    (d->first && maptab_col(t, d->first) != 0))
			return cl_fail(eb, CL_ECORRUPT, "map tables of %s: unexpected columns",
				       format);
		for (size_t k = 0; k < 2 && d->codes[k].col; k++)
			if ((rc = parse_check_codes(t, d->codes[k].col, d->codes[k].facet, eb)))
				return rc;
	}
	return CL_OK;
}

void parse_maps_release(void *base, const struct parse_map *defs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		maptab_release(map_at(base, &defs[i]));
}

/* ---- growable text ----------------------------------------------------- */

void parse_text_para(struct dbuf *b, const char *s)
{
	if (!s || !*s)
		return;
	if (b->n)
		dbuf_add(b, "\n\n", 2);
	dbuf_puts(b, s);
}

void parse_text_section(struct dbuf *b, int *oom, const char *text, const char *fmt, ...)
{
	va_list ap;
	char *heading;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&heading, fmt, ap);
	va_end(ap);
	if (n < 0) {
		*oom = 1;
		return;
	}
	parse_text_para(b, heading);
	parse_text_para(b, text);
	free(heading);
}

char *parse_text_take(struct dbuf *b, size_t max, int *oom)
{
	size_t n;
	char *s, *t;

	if (*oom || b->err) {
		dbuf_release(b);
		*oom = 1;
		return NULL;
	}
	s = dbuf_take(b, &n);
	if (!s || n <= max)
		return s;
	/* the code points that fit in max - 3 bytes (room for "…") */
	t = parse_truncate(s, utf8_count_n(s, utf8_cut(s, n, max - 3)));
	free(s);
	if (!t)
		*oom = 1;
	return t;
}

/* ---- CSV sources ----------------------------------------------------------- */

int parse_csv_rows(struct csvr *r, size_t nheader, const char *format,
		   const struct parse_sink *sink, int (*build)(void *ctx, struct case_record *c),
		   void *ctx, long *rows, long *emitted, long *rejected, struct cl_errbuf *eb)
{
	struct cl_errbuf rowerr;
	int rc;

	for (;;) {
		struct case_record c;

		rc = csvr_next(r, &rowerr);
		if (rc == CSVR_END)
			break;
		if (rc < 0) {
			if (csvr_fatal(r))
				return cl_fail(eb, rc == CL_ENOMEM || rc == CL_EIO ? rc : CL_EPARSE,
					       "%s: %s", format, rowerr.msg);
			(*rows)++;
			(*rejected)++;
			parse_reject(sink, csvr_line(r), "%s", rowerr.msg);
			continue;
		}
		(*rows)++;
		if (csvr_nfields(r) != nheader) {
			(*rejected)++;
			parse_reject(sink, csvr_line(r), "line %ld: %zu fields, the header has %zu",
				     csvr_line(r), csvr_nfields(r), nheader);
			continue;
		}
		case_init(&c);
		rc = build(ctx, &c);
		if (rc == CL_OK)
			rc = parse_emit_valid(sink, &c, csvr_line(r));
		case_release(&c);
		if (rc == CL_EVALIDATION) {
			(*rejected)++;
			continue;
		}
		if (rc)
			return cl_fail(eb, rc, "%s line %ld: %s", format, csvr_line(r),
				       rc == CL_ENOMEM ? "out of memory" : "stopped by the receiver");
		(*emitted)++;
	}
	return CL_OK;
}
