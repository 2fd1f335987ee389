/* norm.c — readable buyer names (see norm.h). Works word by word: each
 * word gets a class from the name_words table, then a few passes mark
 * which words are proper names, and the words are written out lower-case,
 * capitalised or unchanged. */
#include "norm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "dbuf.h"
#include "utf8.h"

#define NORM_MAX_WORDS 64

enum wcls { W_NONE, W_FIXED, W_SMALL, W_IN, W_LEAD, W_PLACE, W_COUNTY, W_REGION };

struct word {
	const char *s;        /* into the input */
	size_t len;           /* bytes */
	enum wcls cls;
	const char *spelling; /* from the table, when cls != W_NONE */
	int keep;             /* abbreviation: write as is */
	int cap;              /* first letter upper-case */
	int proper;           /* a proper name: every part after '-' too */
};

static void put_cp(struct dbuf *b, int32_t cp)
{
	char tmp[UTF8_MAX];

	dbuf_add(b, tmp, utf8_encode(tmp, (uint32_t)cp));
}

static int is_vowel(int32_t lc)
{
	static const int32_t v[] = {'a', 'e', 'i', 'o', 'u', 'y', 0xE5, 0xE4, 0xF6, 0xE9, 0xE8,
				    0xFC, 0xF8, 0xE6, 0xE0, 0xE1, 0xED, 0xF3, 0xFA};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (v[i] == lc)
			return 1;
	return 0;
}

static int has_lower(const char *s)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	int32_t cp;
	utf8proc_ssize_t k;

	while (*p && (k = utf8proc_iterate(p, -1, &cp)) > 0) {
		if (utf8proc_islower(cp))
			return 1;
		p += k;
	}
	return 0;
}

/* Shape rules: is the word an abbreviation to keep in capitals? */
static int looks_abbrev(const struct word *w, size_t i, size_t n, const struct word *all)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)w->s;
	const utf8proc_uint8_t *end = p + w->len;
	size_t letters = 0, vowels = 0;
	int paren = w->len >= 2 && w->s[0] == '(' &&
		    (w->s[w->len - 1] == ')' || (w->len >= 3 && w->s[w->len - 2] == ')'));
	int trailing_comma = w->len > 0 && w->s[w->len - 1] == ',';

	while (p < end) {
		int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p, end - p, &cp);

		if (k <= 0)
			return 1; /* not UTF-8: leave alone */
		p += k;
		if (cp == '.' || cp == ':' || (cp >= '0' && cp <= '9'))
			return 1;
		if (utf8proc_isupper(cp) || utf8proc_islower(cp)) {
			letters++;
			vowels += is_vowel(utf8proc_tolower(cp));
		}
	}
	if (letters == 0)
		return 1; /* "&" and the like */
	if (paren)
		return 1;
	if (letters == 1)
		return 1;
	if (vowels == 0)
		return 1;
	/* ", FOI" at the end; "VÖFAB, ..." at the start. */
	if (letters <= 5 && i == n - 1 && i > 0 && all[i - 1].len > 0 &&
	    all[i - 1].s[all[i - 1].len - 1] == ',')
		return 1;
	if (letters <= 5 && i == 0 && trailing_comma)
		return 1;
	return 0;
}

/* The classes of name_words.tsv. */
static const struct {
	const char *name;
	enum wcls cls;
} classes[] = {
	{"fixed", W_FIXED}, {"small", W_SMALL}, {"in", W_IN}, {"lead", W_LEAD},
	{"place", W_PLACE}, {"county", W_COUNTY}, {"region", W_REGION},
};

static void classify(struct word *w, const struct maptab *words, long cw, long cs, long cc)
{
	char key[128];
	size_t klen = w->len;
	long r;
	const char *cls;

	w->cls = W_NONE;
	if (!words || cw < 0 || cs < 0 || cc < 0)
		return;
	if (klen > 0 && w->s[klen - 1] == ',')
		klen--;
	if (klen == 0 || klen >= sizeof key)
		return;
	memcpy(key, w->s, klen);
	key[klen] = '\0';
	{
		const char *k = key;
		r = -1;
		for (size_t row = 0; row < words->nrows; row++) {
			if (strcmp(maptab_cell(words, row, (size_t)cw), k) == 0) {
				r = (long)row;
				break;
			}
		}
	}
	if (r < 0)
		return;
	w->spelling = maptab_cell(words, (size_t)r, (size_t)cs);
	cls = maptab_cell(words, (size_t)r, (size_t)cc);
	w->cls = W_FIXED; /* also for an unknown class: at least keep the spelling */
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
		if (strcmp(cls, classes[i].name) == 0)
			w->cls = classes[i].cls;
}

static int is_small(const struct word *w)
{
	return w->cls == W_SMALL || w->cls == W_IN;
}

/* Writes text (n bytes) with the case rules: lower-case, then the first
 * letter upper-case when cap, and every letter after '-' when proper. */
static void write_cased(struct dbuf *b, const char *text, size_t n, int lower, int cap, int proper)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)text, *end = p + n;
	int at_start = 1;

	while (p < end) {
		int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(p, end - p, &cp);
		int letter;

		if (k <= 0) {
			dbuf_add(b, (const char *)p, 1);
			p++;
			continue;
		}
		p += k;
		letter = utf8proc_isupper(cp) || utf8proc_islower(cp);
		if (letter) {
			if (at_start && (cap || proper))
				cp = utf8proc_toupper(cp);
			else if (lower)
				cp = utf8proc_tolower(cp);
			at_start = 0;
		} else if (cp == '-' && proper) {
			at_start = 1;
		}
		put_cp(b, cp);
	}
}

char *norm_buyer_name(const char *name, const struct maptab *words)
{
	struct word w[NORM_MAX_WORDS];
	size_t n = 0;
	struct dbuf b = DBUF_INIT(0);
	long cw = -1, cs = -1, cc = -1;
	const char *p;

	if (!name)
		return NULL;
	if (has_lower(name))
		return strdup(name);
	if (words) {
		cw = maptab_col(words, "word");
		cs = maptab_col(words, "spelling");
		cc = maptab_col(words, "class");
	}
	for (p = name; *p;) {
		const char *q;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		q = strchr(p, ' ');
		if (!q)
			q = p + strlen(p);
		if (n == NORM_MAX_WORDS)
			return strdup(name); /* absurdly long: leave it alone */
		memset(&w[n], 0, sizeof w[n]);
		w[n].s = p;
		w[n].len = (size_t)(q - p);
		n++;
		p = q;
	}
	for (size_t i = 0; i < n; i++) {
		classify(&w[i], words, cw, cs, cc);
		if (w[i].cls == W_NONE)
			w[i].keep = looks_abbrev(&w[i], i, n, w);
	}

	/* Proper names. */
	if (n > 0)
		w[0].cap = 1;
	for (size_t i = 1; i < n; i++) {
		if (is_small(&w[i]) || w[i].cls == W_FIXED)
			continue;
		if (w[i - 1].cls == W_IN)
			w[i].proper = 1;
		if (i == 1 && w[0].cls == W_LEAD && w[i].cls == W_NONE)
			w[i].proper = 1;
	}
	if (n > 0 && w[0].cls == W_REGION) {
		for (size_t i = 1; i < n; i++) {
			if (w[i].cls != W_NONE)
				break;
			w[i].proper = 1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (w[i].cls != W_PLACE && w[i].cls != W_COUNTY)
			continue;
		for (size_t j = i, k = 0; j > 0 && k < 3; j--, k++) {
			struct word *x = &w[j - 1];
			if (x->cls != W_NONE)
				break;
			x->proper = 1;
		}
	}

	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			dbuf_add(&b, " ", 1);
		if (w[i].cls != W_NONE) {
			int trailing = w[i].len > 0 && w[i].s[w[i].len - 1] == ',';
			write_cased(&b, w[i].spelling, strlen(w[i].spelling), 0, w[i].cap, 0);
			if (trailing)
				dbuf_add(&b, ",", 1);
		} else if (w[i].keep) {
			dbuf_add(&b, w[i].s, w[i].len);
		} else {
			write_cased(&b, w[i].s, w[i].len, 1, w[i].cap, w[i].proper);
		}
	}
	if (n == 0)
		dbuf_add(&b, "", 0);
	return dbuf_take(&b, NULL); /* NULL after an error */
}
