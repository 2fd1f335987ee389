/* textan.c — the language-aware text analyser (see textan.h): UTF-8
 * segmentation with byte offsets, NFC + case folding with utf8proc,
 * stopwords, Snowball stemming with libstemmer, and Swedish decompounding
 * with the hunspell-sv word list. docs/text-analysis.md explains the
 * choices and their measured cost. */
#include "textan.h"

#include <libstemmer.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

#include "strset.h"

/* ---- stopwords ----------------------------------------------------------
 * The same words as query/stopwords_sv.txt and query/stopwords_en.txt
 * (tests/test_textan.c checks that they agree), sorted by strcmp for
 * bsearch. Folded forms. */

static const char *const sv_stop[] = {
	"alla", "allt", "att", "av", "blev", "bli", "blir", "blivit", "de",
	"dem", "den", "denna", "deras", "dess", "dessa", "det", "detta", "dig",
	"din", "dina", "ditt", "dock", "du", "där", "då", "efter", "ej",
	"eller", "en", "er", "era", "ert", "ett", "från", "för", "genom", "ha",
	"hade", "han", "hans", "har", "henne", "hennes", "hon", "honom", "hos",
	"hur", "här", "i", "icke", "ingen", "inom", "inte", "jag", "ju", "kan",
	"kunde", "man", "med", "mellan", "men", "mig", "min", "mina", "mitt",
	"mot", "mycket", "ni", "nu", "när", "någon", "något", "några", "och",
	"om", "oss", "på", "samma", "samt", "sedan", "sig", "sin", "sina",
	"själv", "ska", "skall", "skulle", "som", "så", "sådan", "sådana",
	"sådant", "till", "under", "upp", "ut", "utan", "vad", "var", "varför",
	"varit", "varje", "vars", "vart", "vem", "vi", "vid", "vilka", "vilkas",
	"vilken", "vilket", "vår", "våra", "vårt", "än", "är", "även", "åt",
	"över",
};

static const char *const en_stop[] = {
	"a", "about", "am", "an", "and", "are", "as", "at", "be", "because",
	"been", "being", "both", "but", "by", "can't", "cannot", "could",
	"couldn't", "did", "didn't", "do", "does", "doesn't", "doing", "don't",
	"during", "each", "for", "from", "had", "hadn't", "has", "hasn't",
	"have", "haven't", "having", "he", "he'd", "he'll", "he's", "her",
	"here", "here's", "hers", "herself", "him", "himself", "his", "how",
	"how's", "i", "i'd", "i'll", "i'm", "i've", "if", "in", "into", "is",
	"isn't", "it's", "its", "itself", "let's", "me", "my", "myself", "no",
	"nor", "not", "of", "on", "or", "our", "ours", "ourselves", "she",
	"she'd", "she'll", "she's", "should", "shouldn't", "so", "such",
	"than", "that", "that's", "the", "their", "theirs", "them",
	"themselves", "then", "there", "there's", "these", "they", "they'd",
	"they'll", "they're", "they've", "this", "those", "through", "to",
	"too", "until", "was", "wasn't", "we", "we'd", "we'll", "we're",
	"we've", "were", "weren't", "what", "what's", "when", "when's",
	"where", "where's", "which", "while", "who", "who's", "whom", "why",
	"why's", "with", "won't", "would", "wouldn't", "you", "you'd",
	"you'll", "you're", "you've", "your", "yours", "yourself",
	"yourselves",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

size_t ta_stopwords(enum ta_lang lang, const char *const **words)
{
	if (lang == TA_LANG_SV) {
		*words = sv_stop;
		return NELEM(sv_stop);
	}
	if (lang == TA_LANG_EN) {
		*words = en_stop;
		return NELEM(en_stop);
	}
	*words = NULL;
	return 0;
}

static int cmp_str(const void *key, const void *elem)
{
	return strcmp((const char *)key, *(const char *const *)elem);
}

static int in_list(const char *const *list, size_t n, const char *w, size_t len)
{
	char buf[64];

	if (len == 0 || len >= sizeof buf)
		return 0;
	memcpy(buf, w, len);
	buf[len] = '\0';
	return bsearch(buf, list, n, sizeof list[0], cmp_str) != NULL;
}

static int stop_sv(const char *w, size_t len) { return in_list(sv_stop, NELEM(sv_stop), w, len); }
static int stop_en(const char *w, size_t len) { return in_list(en_stop, NELEM(en_stop), w, len); }

/* ---- small UTF-8 helpers on already valid text --------------------------- */

/* Decodes valid UTF-8 s[0..len) into at most max code points. Returns the
 * count, or SIZE_MAX when there are more than max. */
static size_t to_cps(const char *s, size_t len, uint32_t *cps, size_t max)
{
	size_t n = 0, i = 0;

	while (i < len) {
		utf8proc_int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
						      (utf8proc_ssize_t)(len - i), &c);
		if (k <= 0)
			return SIZE_MAX;
		if (n == max)
			return SIZE_MAX;
		cps[n++] = (uint32_t)c;
		i += (size_t)k;
	}
	return n;
}

/* Encodes n code points to out (room for 4 * n + 1 bytes); returns bytes. */
static size_t from_cps(const uint32_t *cps, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++)
		o += (size_t)utf8proc_encode_char((utf8proc_int32_t)cps[i],
						  (utf8proc_uint8_t *)out + o);
	out[o] = '\0';
	return o;
}

static size_t count_cps(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

/* ---- Swedish stemming: Snowball 3 rules on top of an older libstemmer ----
 *
 * Snowball 3.0 (2025) changed the Swedish stemmer in two ways that matter
 * for search: the definite neuter ending "-et" (and "-ets") is removed
 * ("avtalet", "ramavtalets" -> "avtal", "ramavtal"; before, "avtalet" was
 * its own stem), and "-öst" after i k l n p r t u v becomes "-ös"
 * ("nervöst" -> "nervös"; before only "löst"). Debian's libstemmer 2.2
 * predates that. When the installed libstemmer keeps "anbudet", these
 * rules are applied to its output, written here from the published
 * algorithm: R1 as in Snowball (after the first non-vowel that follows a
 * vowel, at least three letters in), the "-et" condition (a non-vowel
 * preceded by a vowel that is not the first letter, and not one of the
 * listed endings where "et" belongs to the stem: paket, komet, kvalitet...),
 * then the consonant-pair and other-suffix steps on what is left. With
 * them the stems agree with the Snowball 3 vocabulary word for word. */

#define SV_MAXCP 128

static int sv_vowel(uint32_t c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y' ||
	       c == 0xE4 /* ä */ || c == 0xE5 /* å */ || c == 0xF6 /* ö */;
}

/* Does w[0..n) end with the code points of the UTF-8 string suf? */
static int cp_ends(const uint32_t *w, size_t n, const char *suf)
{
	uint32_t s[16];
	size_t k = to_cps(suf, strlen(suf), s, NELEM(s));

	if (k == SIZE_MAX || k > n)
		return 0;
	for (size_t i = 0; i < k; i++)
		if (w[n - k + i] != s[i])
			return 0;
	return 1;
}

static size_t sv_r1(const uint32_t *w, size_t n)
{
	size_t i = 0;

	if (n < 3)
		return n;
	while (i < n && !sv_vowel(w[i]))
		i++;
	if (i >= n)
		return n;
	i++;
	while (i < n && sv_vowel(w[i]))
		i++;
	if (i >= n)
		return n;
	i++;
	return i < 3 ? 3 : i;
}

/* "et" ending at w[pos..pos+2) may be removed. */
static int sv_et_condition(const uint32_t *w, size_t pos)
{
	static const char *const keep[] = {
		"fab", "h", "pak", "rak", "stak", "kom", "iet", "cit", "dit", "alit",
		"ilit", "mit", "nit", "pit", "rit", "sit", "tit", "uit", "ivit",
		"kvit", "xit",
	};

	if (pos < 3 || sv_vowel(w[pos - 1]) || !sv_vowel(w[pos - 2]))
		return 0;
	for (size_t i = 0; i < NELEM(keep); i++)
		if (cp_ends(w, pos, keep[i]))
			return 0;
	return 1;
}

static int sv_ost_before(uint32_t c)
{
	return c < 128 && c && strchr("iklnprtuv", (int)c) != NULL;
}

/* Snowball's consonant-pair and other-suffix steps on w[0..n), R1 = p1. */
static size_t sv_steps23(uint32_t *w, size_t n, size_t p1)
{
	static const char *const pairs[] = { "dd", "gd", "nn", "dt", "gt", "kt", "tt" };

	for (size_t i = 0; i < NELEM(pairs); i++)
		if (n >= 2 && n - 2 >= p1 && cp_ends(w, n, pairs[i])) {
			n--;
			break;
		}
	if (n >= 5 && n - 5 >= p1 && cp_ends(w, n, "fullt"))
		return n - 1;
	if (n >= 3 && n - 3 >= p1 && (cp_ends(w, n, "lig") || cp_ends(w, n, "els")))
		return n - 3;
	if (n >= 2 && n - 2 >= p1 && cp_ends(w, n, "ig"))
		return n - 2;
	if (n >= 4 && n - 3 >= p1 && cp_ends(w, n, "öst") && sv_ost_before(w[n - 4]))
		return n - 1;
	return n;
}

/* word: the folded word given to libstemmer; stem[0..*slen): its output,
 * rewritten in place (room for 4 * SV_MAXCP + 1 bytes). */
static void sv_patch(const char *word, size_t wlen, char *stem, size_t *slen)
{
	uint32_t w[SV_MAXCP], r[SV_MAXCP];
	size_t wn, rn, p1, n;

	/* quick exit: only words ending in -et/-ets and stems ending in -öst
	 * are touched */
	if (!(wlen >= 2 && word[wlen - 2] == 'e' && word[wlen - 1] == 't') &&
	    !(wlen >= 3 && memcmp(word + wlen - 3, "ets", 3) == 0) &&
	    !(*slen >= 4 && memcmp(stem + *slen - 4, "\xC3\xB6st", 4) == 0))
		return;
	wn = to_cps(word, wlen, w, SV_MAXCP);
	rn = to_cps(stem, *slen, r, SV_MAXCP);
	if (wn == SIZE_MAX || rn == SIZE_MAX || wn < 3)
		return;
	p1 = sv_r1(w, wn);
	if (rn == wn && cp_ends(w, wn, "et") && wn - 2 >= p1 && sv_et_condition(w, wn - 2)) {
		/* libstemmer left the word alone: main suffix "et" */
		n = sv_steps23(w, wn - 2, p1);
		*slen = from_cps(w, n, stem);
		return;
	}
	if (rn + 1 == wn && wn >= 4 && cp_ends(w, wn, "ets") && wn - 1 >= p1 &&
	    sv_et_condition(w, wn - 3)) {
		/* libstemmer removed the "s" only: main suffix "ets" */
		n = sv_steps23(w, wn - 3, p1);
		*slen = from_cps(w, n, stem);
		return;
	}
	/* "-öst" after more letters than "l", unless libstemmer's last step
	 * already removed -ig/-lig/-els behind it (one suffix per step). */
	if (rn >= 4 && rn - 3 >= p1 && cp_ends(r, rn, "öst") && sv_ost_before(r[rn - 4]) &&
	    !(wn >= rn + 2 && ((w[rn] == 'i' && w[rn + 1] == 'g') ||
			       (w[rn] == 'l' && w[rn + 1] == 'i') ||
			       (w[rn] == 'e' && w[rn + 1] == 'l')))) {
		*slen = from_cps(r, rn - 1, stem);
	}
}

/* 1 when this libstemmer's Swedish predates Snowball 3 (keeps "anbudet"). */
static int sv_needs_patch(struct sb_stemmer *st)
{
	const sb_symbol *r = sb_stemmer_stem(st, (const sb_symbol *)"anbudet", 7);
	return r && strcmp((const char *)r, "anbudet") == 0;
}

/* ---- folding -------------------------------------------------------------- */

#define FOLD_OPTS (UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD)

/* Room for a folded word: TA_WORD_MAX_CHARS code points may grow under
 * case folding and decomposition; words that need more are skipped. */
#define WORD_BYTES 1024
#define CP_CAP (TA_WORD_MAX_CHARS * 4)

/* Folds valid UTF-8 raw[0..rlen) into out (WORD_BYTES). cps is scratch of
 * CP_CAP + 1 entries. Returns the folded length, or -1 if it does not fit. */
static int fold_word(const char *raw, size_t rlen, utf8proc_int32_t *cps, char *out)
{
	utf8proc_ssize_t n, m;
	size_t i;

	/* ASCII: NFC changes nothing and case folding is tolower */
	for (i = 0; i < rlen && !((unsigned char)raw[i] & 0x80); i++)
		out[i] = (raw[i] >= 'A' && raw[i] <= 'Z') ? (char)(raw[i] + 32) : raw[i];
	if (i == rlen && rlen < WORD_BYTES) {
		out[rlen] = '\0';
		return (int)rlen;
	}
	n = utf8proc_decompose((const utf8proc_uint8_t *)raw, (utf8proc_ssize_t)rlen, cps,
			       CP_CAP, FOLD_OPTS);
	if (n < 0 || n > CP_CAP)
		return -1;
	m = utf8proc_reencode(cps, n, FOLD_OPTS);
	if (m < 0 || m >= WORD_BYTES)
		return -1;
	memcpy(out, cps, (size_t)m);
	out[m] = '\0';
	return (int)m;
}

/* ---- the decompounding dictionary ----------------------------------------
 * From hunspell's word list (.dic) and affix file (.aff) we keep two hash
 * sets of folded UTF-8 words, using the compounding flags the .aff names:
 *   heads: entries flagged COMPOUNDEND (hunspell-sv: Y) that may stand
 *          alone (not ONLYINCOMPOUND): "avtal", "måltid", "upphandling";
 *   mods:  entries flagged COMPOUNDBEGIN or COMPOUNDMIDDLE (X, U), and the
 *          forms that the entry's suffix rules declare as compound parts
 *          (rules whose continuation class holds X or U): "innovations"
 *          (innovation + the linking -s), "skol" (skola), "kyrko", "gatu".
 * Only those suffix rules are expanded; a head's inflected forms are
 * recognised by dc_head_word instead, which keeps the sets small. */

/* A suffix rule of the .aff that makes a compound part. Its condition is a
 * sequence of elements matched against the end of the word: a letter, '.'
 * or a bracket set "[ae]" / "[^ae]". */
#define SFX_MAX_RULES 256
#define SFX_COND_MAX 8
#define SFX_SET_MAX 12

struct sfx_cond {
	int any, neg;
	size_t n;
	uint32_t set[SFX_SET_MAX];
};

struct sfx_rule {
	uint32_t flag;
	char strip[16], add[32];
	size_t ncond;
	struct sfx_cond cond[SFX_COND_MAX];
};

struct aff {
	uint32_t begin, middle, end, only, needaffix, forbidden;
	size_t nrules;
	struct sfx_rule rules[SFX_MAX_RULES];
};

static uint32_t first_cp(const char *s)
{
	utf8proc_int32_t c = 0;

	if (!s || utf8proc_iterate((const utf8proc_uint8_t *)s, -1, &c) <= 0)
		return 0;
	return (uint32_t)c;
}

/* Does the UTF-8 flag string contain flag (a code point)? */
static int has_flag(const char *flags, uint32_t flag)
{
	size_t i = 0, len = strlen(flags);

	if (!flag)
		return 0;
	while (i < len) {
		utf8proc_int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)flags + i,
						      (utf8proc_ssize_t)(len - i), &c);
		if (k <= 0)
			return 0;
		if ((uint32_t)c == flag)
			return 1;
		i += (size_t)k;
	}
	return 0;
}

static int parse_cond(const char *s, struct sfx_rule *r)
{
	uint32_t cps[64];
	size_t n = to_cps(s, strlen(s), cps, NELEM(cps)), i = 0;

	if (n == SIZE_MAX)
		return -1;
	r->ncond = 0;
	while (i < n) {
		struct sfx_cond *c;
		if (r->ncond == SFX_COND_MAX)
			return -1;
		c = &r->cond[r->ncond++];
		memset(c, 0, sizeof *c);
		if (cps[i] == '.') {
			c->any = 1;
			i++;
		} else if (cps[i] == '[') {
			i++;
			if (i < n && cps[i] == '^') {
				c->neg = 1;
				i++;
			}
			while (i < n && cps[i] != ']') {
				if (c->n == SFX_SET_MAX)
					return -1;
				c->set[c->n++] = cps[i++];
			}
			if (i == n)
				return -1;
			i++;
		} else {
			c->set[c->n++] = cps[i++];
		}
	}
	return 0;
}

static int cond_matches(const struct sfx_rule *r, const uint32_t *w, size_t n)
{
	if (r->ncond > n)
		return 0;
	for (size_t i = 0; i < r->ncond; i++) {
		const struct sfx_cond *c = &r->cond[i];
		uint32_t ch = w[n - r->ncond + i];
		int in = 0;
		if (c->any)
			continue;
		for (size_t j = 0; j < c->n; j++)
			in |= c->set[j] == ch;
		if (in == c->neg)
			return 0;
	}
	return 1;
}

/* Reads the flags and the compound-part suffix rules of the .aff. Returns
 * CL_OK, CL_EIO (unreadable) or CL_EUNSUPPORTED (no compounding flags, or
 * flags that are not single characters). */
static int aff_load(const char *path, struct aff *a)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int rc = CL_OK;

	memset(a, 0, sizeof *a);
	if (!f)
		return CL_EIO;
	while (getline(&line, &cap, f) >= 0) {
		char *tok[6] = { 0 }, *save = NULL, *p;
		size_t nt = 0;
		for (p = strtok_r(line, " \t\r\n", &save); p && nt < NELEM(tok);
		     p = strtok_r(NULL, " \t\r\n", &save))
			tok[nt++] = p;
		if (nt < 2 || tok[0][0] == '#')
			continue;
		if (strcmp(tok[0], "FLAG") == 0 && strcmp(tok[1], "UTF-8") != 0) {
			rc = CL_EUNSUPPORTED;
			break;
		}
		if (strcmp(tok[0], "COMPOUNDBEGIN") == 0)
			a->begin = first_cp(tok[1]);
		else if (strcmp(tok[0], "COMPOUNDMIDDLE") == 0)
			a->middle = first_cp(tok[1]);
		else if (strcmp(tok[0], "COMPOUNDEND") == 0)
			a->end = first_cp(tok[1]);
		else if (strcmp(tok[0], "ONLYINCOMPOUND") == 0)
			a->only = first_cp(tok[1]);
		else if (strcmp(tok[0], "NEEDAFFIX") == 0)
			a->needaffix = first_cp(tok[1]);
		else if (strcmp(tok[0], "FORBIDDENWORD") == 0)
			a->forbidden = first_cp(tok[1]);
		else if (strcmp(tok[0], "SFX") == 0 && nt >= 5) {
			/* SFX flag strip add[/cont] cond: keep the compound-part rules */
			char *slash = strchr(tok[3], '/');
			struct sfx_rule *r;
			if (!slash || a->nrules == SFX_MAX_RULES)
				continue;
			*slash = '\0';
			if (!(has_flag(slash + 1, a->begin) || has_flag(slash + 1, a->middle)))
				continue;
			if (strlen(tok[2]) >= sizeof r->strip || strlen(tok[3]) >= sizeof r->add)
				continue;
			r = &a->rules[a->nrules];
			r->flag = first_cp(tok[1]);
			strcpy(r->strip, strcmp(tok[2], "0") ? tok[2] : "");
			strcpy(r->add, strcmp(tok[3], "0") ? tok[3] : "");
			if (parse_cond(tok[4], r) == 0)
				a->nrules++;
		}
	}
	free(line);
	fclose(f);
	/* The flags are read before the rules that use them in every hunspell
	 * dictionary we know; if not, no rule was kept and only X/U entries
	 * count as compound parts. */
	if (rc == CL_OK && !(a->end && (a->begin || a->middle)))
		rc = CL_EUNSUPPORTED;
	return rc;
}

static struct {
	pthread_once_t once;
	int ok;
	char path[1024];
	size_t entries;
	double load_seconds;
	struct strset heads, mods;
	struct strset words; /* every usable entry, folded (ta_dict_knows) */
} g_dict = { .once = PTHREAD_ONCE_INIT };

#define DICT_DEFAULT "/usr/share/hunspell/sv_SE.dic"

static int all_letters(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		utf8proc_int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
						      (utf8proc_ssize_t)(len - i), &c);
		if (k <= 0)
			return 0;
		switch (utf8proc_category(c)) {
		case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
		case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
		case UTF8PROC_CATEGORY_LO:
			break;
		default:
			return 0;
		}
		i += (size_t)k;
	}
	return 1;
}

/* The forms of the folded word w[0..wl) that its flags' compound-part
 * rules make, into mods. buf: WORD_BYTES of scratch. */
static int dict_forms(const struct aff *a, const char *flags, const char *w, size_t wl,
		      char *buf)
{
	uint32_t cps[TA_WORD_MAX_CHARS];
	size_t n = to_cps(w, wl, cps, NELEM(cps));
	int rc = CL_OK;

	if (n == SIZE_MAX)
		return CL_OK;
	for (size_t i = 0; i < a->nrules && rc == CL_OK; i++) {
		const struct sfx_rule *r = &a->rules[i];
		size_t sl = strlen(r->strip), al = strlen(r->add);
		if (!has_flag(flags, r->flag) || !cond_matches(r, cps, n) || sl > wl ||
		    memcmp(w + wl - sl, r->strip, sl) != 0 || wl - sl + al >= WORD_BYTES)
			continue;
		memcpy(buf, w, wl - sl);
		memcpy(buf + wl - sl, r->add, al);
		if (wl - sl + al > 0 && all_letters(buf, wl - sl + al))
			rc = strset_add(&g_dict.mods, buf, wl - sl + al);
	}
	return rc;
}

/* One line of the .dic: "word" or "word/FLAGS". */
static int dict_line(const struct aff *a, char *line, utf8proc_int32_t *cps, char *word,
		     char *buf)
{
	char *slash = strchr(line, '/');
	const char *flags = slash ? slash + 1 : "";
	int wl, rc = CL_OK;

	if (slash)
		*slash = '\0';
	/* skip forbidden and need-affix entries, and anything that is not a
	 * plain word (abbreviations with dots, "4H-gård", digits) */
	if (!*line || has_flag(flags, a->forbidden) || has_flag(flags, a->needaffix) ||
	    !all_letters(line, strlen(line)) || count_cps(line, strlen(line)) > TA_WORD_MAX_CHARS)
		return CL_OK;
	wl = fold_word(line, strlen(line), cps, word);
	if (wl <= 0)
		return CL_OK;
	g_dict.entries++;
	if ((rc = strset_add(&g_dict.words, word, (size_t)wl)) != CL_OK)
		return rc;
	if (has_flag(flags, a->end) && !has_flag(flags, a->only))
		rc = strset_add(&g_dict.heads, word, (size_t)wl);
	if (rc == CL_OK && (has_flag(flags, a->begin) || has_flag(flags, a->middle)))
		rc = strset_add(&g_dict.mods, word, (size_t)wl);
	if (rc == CL_OK && *flags)
		rc = dict_forms(a, flags, word, (size_t)wl, buf);
	return rc;
}

static void dict_load(void)
{
	const char *path = getenv("CASELIB_SV_DICT");
	struct aff *a = NULL;
	FILE *f = NULL;
	char *line = NULL, *affpath = NULL;
	size_t cap = 0, pl;
	ssize_t n;
	utf8proc_int32_t *cps = NULL;
	char *word = NULL, *buf = NULL;
	struct timespec t0, t1;
	int first = 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!path || !*path)
		path = DICT_DEFAULT;
	snprintf(g_dict.path, sizeof g_dict.path, "%s", path);
	/* the affix file lies beside the word list: x.dic -> x.aff */
	pl = strlen(path);
	a = malloc(sizeof *a);
	affpath = malloc(pl + 5);
	cps = malloc((CP_CAP + 1) * sizeof *cps);
	word = malloc(WORD_BYTES);
	buf = malloc(WORD_BYTES);
	if (!a || !affpath || !cps || !word || !buf)
		goto out;
	memcpy(affpath, path, pl + 1);
	if (pl >= 4 && strcmp(path + pl - 4, ".dic") == 0)
		pl -= 4;
	memcpy(affpath + pl, ".aff", 5);
	if (aff_load(affpath, a) != CL_OK)
		goto out;
	f = fopen(path, "r");
	if (!f)
		goto out;
	while ((n = getline(&line, &cap, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (first) { /* the entry count */
			first = 0;
			continue;
		}
		if (dict_line(a, line, cps, word, buf) != CL_OK)
			goto out;
	}
	if (ferror(f) || g_dict.heads.count == 0 || g_dict.mods.count == 0)
		goto out;
	g_dict.ok = 1;
out:
	if (!g_dict.ok) {
		strset_release(&g_dict.heads);
		strset_release(&g_dict.mods);
		strset_release(&g_dict.words);
		g_dict.entries = 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	g_dict.load_seconds = (double)(t1.tv_sec - t0.tv_sec) +
			      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	free(line);
	free(affpath);
	free(a);
	free(cps);
	free(word);
	free(buf);
	if (f)
		fclose(f);
}

int ta_decompound_available(void)
{
	pthread_once(&g_dict.once, dict_load);
	return g_dict.ok;
}

int ta_decompound_stats(struct ta_dict_stats *st)
{
	int ok = ta_decompound_available();

	memset(st, 0, sizeof *st);
	st->path = g_dict.path;
	st->load_seconds = g_dict.load_seconds;
	if (!ok)
		return CL_ENOTFOUND;
	st->entries = g_dict.entries;
	st->heads = g_dict.heads.count;
	st->mods = g_dict.mods.count;
	st->bytes = strset_bytes(&g_dict.heads) + strset_bytes(&g_dict.mods) +
		    strset_bytes(&g_dict.words);
	return CL_OK;
}

/* Stems a folded Swedish word with st (+ the Snowball 3 rules when patch)
 * into out (WORD_BYTES). Returns the length, or -1. */
static int sv_stem(struct sb_stemmer *st, int patch, const char *w, size_t len, char *out)
{
	const sb_symbol *r = sb_stemmer_stem(st, (const sb_symbol *)w, (int)len);
	size_t n;

	if (!r)
		return -1;
	n = (size_t)sb_stemmer_length(st);
	if (n >= WORD_BYTES)
		return -1;
	memcpy(out, r, n);
	out[n] = '\0';
	if (patch)
		sv_patch(w, len, out, &n);
	return (int)n;
}

/* ---- the analyser ------------------------------------------------------- */

struct ta {
	enum ta_lang lang;
	unsigned flags;
	struct sb_stemmer *st_sv, *st_en; /* NULL when not needed */
	int sv_patch;
	utf8proc_int32_t cps[CP_CAP + 1];
	char raw[TA_WORD_MAX_CHARS * 4 + 4]; /* the word's bytes, cleaned */
	char word[WORD_BYTES];               /* folded */
	char stem[WORD_BYTES];
	char stem2[WORD_BYTES];
	char head[WORD_BYTES];
	char tmp[WORD_BYTES];
};

int ta_lang_parse(const char *name, enum ta_lang *out)
{
	static const struct { const char *name; enum ta_lang lang; } names[] = {
		{ "sv", TA_LANG_SV }, { "swedish", TA_LANG_SV }, { "en", TA_LANG_EN },
		{ "english", TA_LANG_EN }, { "none", TA_LANG_NONE }, { "auto", TA_LANG_AUTO },
	};

	for (size_t i = 0; name && i < NELEM(names); i++)
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].lang;
			return CL_OK;
		}
	return CL_EINVAL;
}

const char *ta_lang_name(enum ta_lang lang)
{
	switch (lang) {
	case TA_LANG_SV: return "sv";
	case TA_LANG_EN: return "en";
	case TA_LANG_AUTO: return "auto";
	default: return "none";
	}
}

int ta_open(struct ta **out, const char *lang, unsigned flags, struct cl_errbuf *eb)
{
	struct ta *ta = NULL;
	enum ta_lang l;
	int rc = CL_OK;

	*out = NULL;
	if (ta_lang_parse(lang ? lang : "sv", &l) != CL_OK)
		return cl_fail(eb, CL_EINVAL, "text analysis: unknown language '%s'", lang);
	if (flags & ~(TA_NO_STOPWORDS | TA_NO_STEM | TA_DECOMPOUND | TA_SURFACE))
		return cl_fail(eb, CL_EINVAL, "text analysis: unknown option bits 0x%x", flags);
	ta = calloc(1, sizeof *ta);
	if (!ta)
		return cl_fail(eb, CL_ENOMEM, "text analysis: out of memory");
	ta->lang = l;
	ta->flags = flags;
	/* The Swedish stemmer is needed for decompounding even with TA_NO_STEM. */
	if (l == TA_LANG_SV || l == TA_LANG_AUTO) {
		ta->st_sv = sb_stemmer_new("swedish", "UTF_8");
		if (!ta->st_sv) {
			rc = cl_fail(eb, CL_ENOMEM, "text analysis: cannot create the Swedish stemmer");
			goto out;
		}
		ta->sv_patch = sv_needs_patch(ta->st_sv);
	}
	if (l == TA_LANG_EN || l == TA_LANG_AUTO) {
		ta->st_en = sb_stemmer_new("english", "UTF_8");
		if (!ta->st_en) {
			rc = cl_fail(eb, CL_ENOMEM, "text analysis: cannot create the English stemmer");
			goto out;
		}
	}
	*out = ta;
	ta = NULL;
out:
	ta_close(ta);
	return rc;
}

void ta_close(struct ta *ta)
{
	if (!ta)
		return;
	if (ta->st_sv)
		sb_stemmer_delete(ta->st_sv);
	if (ta->st_en)
		sb_stemmer_delete(ta->st_en);
	free(ta);
}

enum ta_lang ta_language(const struct ta *ta)
{
	return ta->lang;
}

/* Stems the folded word w in language l into out; returns length or -1. */
static int stem_in(struct ta *ta, enum ta_lang l, const char *w, size_t len, char *out)
{
	const sb_symbol *r;
	size_t n;

	if (l == TA_LANG_SV)
		return sv_stem(ta->st_sv, ta->sv_patch, w, len, out);
	if (l != TA_LANG_EN) {
		memcpy(out, w, len);
		out[len] = '\0';
		return (int)len;
	}
	r = sb_stemmer_stem(ta->st_en, (const sb_symbol *)w, (int)len);
	if (!r)
		return -1;
	n = (size_t)sb_stemmer_length(ta->st_en);
	if (n >= WORD_BYTES)
		return -1;
	memcpy(out, r, n);
	out[n] = '\0';
	return (int)n;
}

static int is_stop_in(enum ta_lang l, const char *w, size_t len)
{
	switch (l) {
	case TA_LANG_SV: return stop_sv(w, len);
	case TA_LANG_EN: return stop_en(w, len);
	case TA_LANG_AUTO: return stop_sv(w, len) || stop_en(w, len);
	default: return 0;
	}
}

int ta_is_stopword(const struct ta *ta, const char *folded, size_t len)
{
	if (ta->flags & TA_NO_STOPWORDS)
		return 0;
	return is_stop_in(ta->lang, folded, len);
}

/* ---- decompounding ------------------------------------------------------ */

#define DC_MIN_WORD 8 /* letters in a word before a split is tried */
#define DC_MIN_HEAD 4
#define DC_MIN_MOD 3
#define DC_MAX_DEPTH 2   /* heads emitted per word: the head and its head */
#define DC_MIN_REWORD 10 /* a head that is a word is split again from here */

/* Words that never stand first in a split: verb particles and prefixes,
 * whose "compounds" are derivations ("upp|handling", "för|handling"). */
static const char *const dc_not_mod[] = {
	"bak", "bort", "efter", "fram", "för", "genom", "ihop", "isär", "kring",
	"med", "miss", "mot", "ned", "ner", "sam", "till", "under", "upp", "utom",
	"vid", "åter", "över",
};

/* Head stems that are suffixes far more often than words. */
static const char *const dc_not_head[] = {
	"and", "end", "ling", "ning", "skap",
};

/* Heads, as written, that are an inflection: "svets|aren" is "svetsare|n". */
static const char *const dc_not_head_form[] = { "aren", "arens" };

static int in_small(const char *const *list, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0)
			return 1;
	return 0;
}

/* Is s[0..len) (folded, at least DC_MIN_MOD letters) a compound-first
 * part by itself? The dictionary's own compound forms, or one of them +
 * the linking -s-. */
static int dc_mod_simple(const char *s, size_t len)
{
	if (strset_has(&g_dict.mods, s, len))
		return !in_small(dc_not_mod, NELEM(dc_not_mod), s, len);
	return len > 1 && s[len - 1] == 's' && strset_has(&g_dict.mods, s, len - 1) &&
	       count_cps(s, len - 1) >= DC_MIN_MOD &&
	       !in_small(dc_not_mod, NELEM(dc_not_mod), s, len - 1);
}

/* Two compound-first parts ("kvalitets|uppföljnings|system"). */
static int dc_mod2(const char *s, size_t len, const size_t *offs, size_t ncp)
{
	for (size_t j = DC_MIN_MOD; j + DC_MIN_MOD <= ncp; j++)
		if (dc_mod_simple(s, offs[j]) && dc_mod_simple(s + offs[j], len - offs[j]))
			return 1;
	return 0;
}

/* Is h[0..len) an inflected form of a head word? The word list has base
 * forms only; these endings (noun, adjective and verb inflection) and a
 * base ending in -a or -e cover the forms that heads take ("måltid|er",
 * "avtal|et", "skol|or" of "skola"). Derivations ("tig|het") are not
 * inflections and do not pass. */
static int dc_head_word(struct ta *ta, const char *h, size_t len)
{
#define E(s) { s, sizeof(s) - 1 }
	static const struct { const char *s; size_t len; } endings[] = {
		E(""), E("s"), E("n"), E("ns"), E("na"), E("nas"), E("en"), E("ens"), E("et"),
		E("ets"), E("er"), E("ers"), E("erna"), E("ernas"), E("ar"), E("ars"), E("arna"),
		E("arnas"), E("or"), E("ors"), E("orna"), E("ornas"), E("r"), E("rs"), E("rna"),
		E("rnas"), E("t"), E("ts"), E("a"), E("de"), E("te"), E("ade"), E("at"), E("are"),
		E("ast"), E("aste"),
	};
#undef E

	for (size_t i = 0; i < NELEM(endings); i++) {
		size_t el = endings[i].len, bl;
		if (el >= len || (el && h[len - 1] != endings[i].s[el - 1]) ||
		    memcmp(h + len - el, endings[i].s, el) != 0)
			continue;
		bl = len - el;
		if (bl + 2 > sizeof ta->tmp || count_cps(h, bl) < 3)
			continue;
		if (strset_has(&g_dict.heads, h, bl))
			return 1;
		memcpy(ta->tmp, h, bl);
		ta->tmp[bl] = 'a';
		if (strset_has(&g_dict.heads, ta->tmp, bl + 1))
			return 1;
		ta->tmp[bl] = 'e';
		if (strset_has(&g_dict.heads, ta->tmp, bl + 1))
			return 1;
	}
	return 0;
}

/* Splits the folded word w: the stemmed head goes to ta->head (its length
 * to *hlen) and the return value is the byte offset of the head in w, or 0
 * when w is not split. Longest head first. */
static size_t decompound(struct ta *ta, const char *w, size_t len, size_t *hlen)
{
	size_t offs[TA_WORD_MAX_CHARS * 4 + 1];
	size_t ncp = 0, i;

	if (!ta->st_sv || !ta_decompound_available())
		return 0;
	for (i = 0; i < len && ncp < NELEM(offs) - 1; i++)
		if (((unsigned char)w[i] & 0xC0) != 0x80)
			offs[ncp++] = i;
	if (i < len)
		return 0;
	offs[ncp] = len;
	if (ncp < DC_MIN_WORD)
		return 0;
	for (size_t k = DC_MIN_MOD; k + DC_MIN_HEAD <= ncp; k++) {
		const char *h = w + offs[k];
		size_t hl = len - offs[k];
		int sl;
		/* cheapest test first: the modifier as one part */
		int one = dc_mod_simple(w, offs[k]);
		if ((!one && k < 2 * DC_MIN_MOD) ||
		    in_small(dc_not_head_form, NELEM(dc_not_head_form), h, hl))
			continue;
		if (!dc_head_word(ta, h, hl) || (!one && !dc_mod2(w, offs[k], offs, k)))
			continue;
		sl = sv_stem(ta->st_sv, ta->sv_patch, h, hl, ta->head);
		if (sl < 3 || in_small(dc_not_head, NELEM(dc_not_head), ta->head, (size_t)sl))
			continue;
		if (ta->flags & TA_NO_STEM) { /* the head as written */
			memcpy(ta->head, h, hl);
			ta->head[hl] = '\0';
			sl = (int)hl;
		}
		*hlen = (size_t)sl;
		return offs[k];
	}
	return 0;
}

/* ---- segmentation ------------------------------------------------------- */

enum cls { C_SEP, C_WORD, C_MARK, C_APOS, C_IGN };

static enum cls classify(utf8proc_int32_t c, int *upper_or_digit)
{
	*upper_or_digit = 0;
	if (c == '\'' || c == 0x2019)
		return C_APOS;
	switch (utf8proc_category(c)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_ND:
		*upper_or_digit = 1;
		return C_WORD;
	case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_NO:
		return C_WORD;
	case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
		return C_MARK;
	case UTF8PROC_CATEGORY_CF:
		/* soft hyphen, ZWJ, ZWNJ, word joiner, BOM, bidi marks: not
		 * there for search; the zero-width space is a separator */
		return c == 0x200B ? C_SEP : C_IGN;
	default:
		return C_SEP;
	}
}

struct scan {
	const char *text;
	size_t len, pos;
};

/* Decodes the code point at pos: returns its byte length and class, or
 * length 1 and C_SEP for an invalid byte or NUL. */
static size_t decode_at(const struct scan *sc, size_t pos, utf8proc_int32_t *c, enum cls *k,
			int *ud)
{
	utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)sc->text + pos,
					      (utf8proc_ssize_t)(sc->len - pos), c);
	*ud = 0;
	if (n <= 0 || *c == 0) {
		*c = -1;
		*k = C_SEP;
		return 1;
	}
	*k = classify(*c, ud);
	return (size_t)n;
}

struct word {
	size_t start, end; /* in the original text */
	size_t rlen;       /* bytes in ta->raw */
	int wlen;          /* bytes in ta->word (when folded) */
};

/* After a word with a capital or a digit: ":" + 1-3 letters + end of word
 * is the Swedish inflection of an abbreviation ("EU:s", "IT:n", "SMS:en").
 * Returns the position after it, or pos. */
static size_t skip_colon_suffix(const struct scan *sc, size_t pos)
{
	size_t p = pos + 1, n = 0;

	while (p < sc->len) {
		utf8proc_int32_t c;
		enum cls k;
		int ud;
		size_t l = decode_at(sc, p, &c, &k, &ud);
		utf8proc_category_t cat = utf8proc_category(c);
		if (k == C_WORD && cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO &&
		    n < 3) {
			p += l;
			n++;
			continue;
		}
		if (k == C_WORD || k == C_MARK || k == C_IGN)
			return pos;
		break;
	}
	return n ? p : pos;
}

/* Finds the next word from sc->pos. Fills ta->raw; folds it into ta->word
 * when fold. Returns 1 for a word, 0 at the end. Words longer than
 * TA_WORD_MAX_CHARS and words that fold to nothing are skipped. */
static int next_word(struct ta *ta, struct scan *sc, struct word *w, int fold)
{
	while (sc->pos < sc->len) {
		utf8proc_int32_t c;
		enum cls k;
		int ud, has_ud = 0, toolong = 0;
		size_t l = decode_at(sc, sc->pos, &c, &k, &ud), ncp = 0;

		if (k != C_WORD) {
			sc->pos += l;
			continue;
		}
		w->start = sc->pos;
		w->rlen = 0;
		for (;;) {
			if (k == C_WORD || k == C_MARK) {
				if (ncp < TA_WORD_MAX_CHARS) {
					memcpy(ta->raw + w->rlen, sc->text + sc->pos, l);
					w->rlen += l;
				}
				ncp++;
				has_ud |= ud;
				sc->pos += l;
				w->end = sc->pos;
			} else if (k == C_IGN) {
				sc->pos += l;
			} else if (k == C_APOS) {
				utf8proc_int32_t c2;
				enum cls k2;
				int ud2;
				if (sc->pos + l >= sc->len)
					break;
				decode_at(sc, sc->pos + l, &c2, &k2, &ud2);
				if (k2 != C_WORD)
					break;
				if (ncp < TA_WORD_MAX_CHARS)
					ta->raw[w->rlen++] = '\'';
				ncp++;
				sc->pos += l;
			} else {
				break;
			}
			if (sc->pos >= sc->len)
				break;
			l = decode_at(sc, sc->pos, &c, &k, &ud);
		}
		if (ncp > TA_WORD_MAX_CHARS)
			toolong = 1;
		if (sc->pos < sc->len && c == ':' && has_ud)
			sc->pos = skip_colon_suffix(sc, sc->pos);
		if (toolong)
			continue;
		if (!fold)
			return 1;
		w->wlen = fold_word(ta->raw, w->rlen, ta->cps, ta->word);
		if (w->wlen > 0)
			return 1;
	}
	return 0;
}

/* ta_detect_lang with ta's buffers as scratch. */
static enum ta_lang detect_lang(struct ta *ta, const char *text, size_t len)
{
	struct scan sc = { text, len, 0 };
	struct word w;
	int sv = 0, en = 0, n = 0;

	while (n++ < 400 && next_word(ta, &sc, &w, 1)) {
		size_t wl = (size_t)w.wlen;
		sv += stop_sv(ta->word, wl);
		en += stop_en(ta->word, wl);
		/* å, ä, ö: C3 A5, C3 A4, C3 B6 */
		for (size_t i = 0; i + 1 < wl; i++)
			if ((unsigned char)ta->word[i] == 0xC3 &&
			    ((unsigned char)ta->word[i + 1] == 0xA5 ||
			     (unsigned char)ta->word[i + 1] == 0xA4 ||
			     (unsigned char)ta->word[i + 1] == 0xB6)) {
				sv++;
				break;
			}
	}
	return en > sv ? TA_LANG_EN : TA_LANG_SV;
}

enum ta_lang ta_detect_lang(const char *text, size_t len)
{
	struct ta *ta = calloc(1, sizeof *ta);
	enum ta_lang l = TA_LANG_SV;

	if (ta && text)
		l = detect_lang(ta, text, len);
	free(ta);
	return l;
}

static int emit(int (*cb)(void *, const struct ta_token *), void *ud, const char *term,
		size_t len, const struct word *w, unsigned flags)
{
	struct ta_token t = { term, len, w->start, w->end, flags };
	return cb(ud, &t);
}

int ta_tokenize(struct ta *ta, const char *text, size_t len, unsigned mode,
		int (*cb)(void *ud, const struct ta_token *tok), void *ud)
{
	enum ta_lang l = ta->lang;
	struct scan sc = { text, len, 0 };
	struct word w;
	size_t last = SIZE_MAX, idx = 0;
	int query = (mode & TA_QUERY) != 0, rc = CL_OK;
	int stem = !(ta->flags & TA_NO_STEM) && l != TA_LANG_NONE;
	int stops = !(ta->flags & TA_NO_STOPWORDS) && l != TA_LANG_NONE;

	if (!text)
		return len ? CL_EINVAL : CL_OK;
	if (l == TA_LANG_AUTO && !query)
		l = detect_lang(ta, text, len);
	if (query && (mode & TA_PREFIX)) {
		size_t n = 0;
		while (next_word(ta, &sc, &w, 0))
			n++;
		last = n ? n - 1 : SIZE_MAX;
		sc.pos = 0;
	}
	while (rc == CL_OK && next_word(ta, &sc, &w, 1)) {
		const char *word = ta->word;
		size_t wl = (size_t)w.wlen;
		int sl, s2 = -1;

		if (idx++ == last) {
			rc = emit(cb, ud, word, wl, &w, TA_TOK_PREFIX);
			break;
		}
		if (stops && is_stop_in(l, word, wl)) {
			if (mode & TA_REPORT_STOP)
				rc = emit(cb, ud, word, wl, &w, TA_TOK_STOP);
			continue;
		}
		if (!stem) {
			rc = emit(cb, ud, word, wl, &w, 0);
		} else if (l == TA_LANG_AUTO) { /* a query word: both languages */
			sl = stem_in(ta, TA_LANG_SV, word, wl, ta->stem);
			if (sl >= 0)
				s2 = stem_in(ta, TA_LANG_EN, word, wl, ta->stem2);
			if (sl < 0 || s2 < 0)
				return CL_ENOMEM;
			rc = emit(cb, ud, ta->stem, (size_t)sl, &w, 0);
			if (rc == CL_OK && strcmp(ta->stem, ta->stem2) != 0)
				rc = emit(cb, ud, ta->stem2, (size_t)s2, &w, TA_TOK_COLOCATED);
			continue;
		} else {
			sl = stem_in(ta, l, word, wl, ta->stem);
			if (sl < 0)
				return CL_ENOMEM;
			rc = emit(cb, ud, ta->stem, (size_t)sl, &w, 0);
			/* the word as written (folded), for unstemmed prefix queries */
			if (rc == CL_OK && !query && !(mode & TA_NO_EXTRA) &&
			    (ta->flags & TA_SURFACE) && strcmp(ta->stem, word) != 0)
				rc = emit(cb, ud, word, wl, &w, TA_TOK_COLOCATED);
		}
		if (rc == CL_OK && !query && !(mode & TA_NO_EXTRA) && l == TA_LANG_SV &&
		    (ta->flags & TA_DECOMPOUND)) {
			/* the head, and the head's own head when the head is long or
			 * not a word of its own ("brandskydds|utrustning" ->
			 * "skyddsutrustning", "utrustning"; "skol|måltider" -> "måltid"
			 * only, not "tid") */
			const char *main_term = stem ? ta->stem : word, *part = word;
			size_t pl = wl, off, hl = 0;
			for (int depth = 0; rc == CL_OK && depth < DC_MAX_DEPTH; depth++) {
				if (depth > 0 && count_cps(part, pl) < DC_MIN_REWORD &&
				    dc_head_word(ta, part, pl))
					break;
				off = decompound(ta, part, pl, &hl);
				if (!off)
					break;
				if (strcmp(ta->head, main_term) != 0)
					rc = emit(cb, ud, ta->head, hl, &w, TA_TOK_COLOCATED);
				part += off;
				pl -= off;
			}
		}
	}
	return rc;
}

/* Folds one whole word (no segmentation) for ta_stem_word and
 * ta_decompound_word into ta->word. */
static int fold_one(struct ta *ta, const char *word, size_t len)
{
	uint32_t *cps = (uint32_t *)ta->cps;
	size_t n;

	if (!word || len == 0 || len >= sizeof ta->raw)
		return CL_EINVAL;
	n = to_cps(word, len, cps, TA_WORD_MAX_CHARS); /* also rejects bad UTF-8 */
	if (n == SIZE_MAX || memchr(word, '\0', len))
		return CL_EINVAL;
	return fold_word(word, len, ta->cps, ta->word) > 0 ? CL_OK : CL_EINVAL;
}

int ta_stem_word(struct ta *ta, const char *word, size_t len, char *out, size_t outsz)
{
	enum ta_lang l = ta->lang == TA_LANG_AUTO ? TA_LANG_SV : ta->lang;
	int rc = fold_one(ta, word, len), n;
	const char *res = ta->word;

	if (rc != CL_OK)
		return rc;
	n = (int)strlen(ta->word);
	if (!(ta->flags & TA_NO_STEM) && l != TA_LANG_NONE) {
		n = stem_in(ta, l, ta->word, (size_t)n, ta->stem);
		if (n < 0)
			return CL_ENOMEM;
		res = ta->stem;
	}
	if ((size_t)n + 1 > outsz)
		return CL_ETOOBIG;
	memcpy(out, res, (size_t)n + 1);
	return n;
}

int ta_decompound_word(struct ta *ta, const char *word, size_t len, char *out, size_t outsz)
{
	int rc, n = 0;
	size_t hl = 0;

	if (outsz == 0)
		return CL_ETOOBIG;
	out[0] = '\0';
	if (!ta->st_sv)
		return 0;
	rc = fold_one(ta, word, len);
	if (rc != CL_OK)
		return 0;
	if (!decompound(ta, ta->word, strlen(ta->word), &hl))
		return 0;
	n = (int)hl;
	if ((size_t)n + 1 > outsz)
		return CL_ETOOBIG;
	memcpy(out, ta->head, (size_t)n + 1);
	return n;
}

/* Endings tried on a Swedish stem to meet a dictionary entry (behöv+a,
 * nämnd+en, önsk+a): the inflections hunspell-sv's word list often lacks. */
static const char *const known_endings[] = {"", "a", "e", "er", "ar", "or", "en", "et", "na"};

int ta_dict_knows(struct ta *ta, const char *word, size_t len)
{
	size_t wl, hl = 0;
	int n;

	if (!ta->st_sv || !ta_decompound_available() || fold_one(ta, word, len) != CL_OK)
		return 0;
	wl = strlen(ta->word);
	if (wl == 0 || strset_has(&g_dict.words, ta->word, wl))
		return wl > 0;
	n = stem_in(ta, TA_LANG_SV, ta->word, wl, ta->stem);
	for (size_t i = 0; n > 0 && i < NELEM(known_endings); i++) {
		size_t el = strlen(known_endings[i]);
		if ((size_t)n + el >= WORD_BYTES)
			continue;
		memcpy(ta->tmp, ta->stem, (size_t)n);
		memcpy(ta->tmp + n, known_endings[i], el + 1);
		if (strset_has(&g_dict.words, ta->tmp, (size_t)n + el))
			return 1;
	}
	/* a compound of a compound-first part and an entry, both as written
	 * ("skol|mat"); decompound() would accept a misspelt head too */
	(void)hl;
	for (size_t j = 3; j + 2 <= wl; j++) {
		if (((unsigned char)ta->word[j] & 0xC0) == 0x80)
			continue;
		if (dc_mod_simple(ta->word, j) && strset_has(&g_dict.words, ta->word + j, wl - j))
			return 1;
	}
	return 0;
}

int ta_fold(const char *in, size_t len, char **out, size_t *out_len)
{
	char *clean = NULL;
	size_t cl = 0, i = 0;
	utf8proc_uint8_t *res = NULL;
	utf8proc_ssize_t n;

	*out = NULL;
	if (out_len)
		*out_len = 0;
	/* invalid sequences and NUL -> U+FFFD (3 bytes; a bad byte is 1) */
	clean = malloc(len * 3 + 1);
	if (!clean)
		return CL_ENOMEM;
	while (i < len) {
		utf8proc_int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)in + i,
						      (utf8proc_ssize_t)(len - i), &c);
		if (k <= 0 || c == 0) {
			memcpy(clean + cl, "\xEF\xBF\xBD", 3);
			cl += 3;
			i += 1;
			continue;
		}
		memcpy(clean + cl, in + i, (size_t)k);
		cl += (size_t)k;
		i += (size_t)k;
	}
	n = utf8proc_map((const utf8proc_uint8_t *)clean, (utf8proc_ssize_t)cl, &res, FOLD_OPTS);
	free(clean);
	if (n < 0) {
		free(res);
		return n == UTF8PROC_ERROR_NOMEM ? CL_ENOMEM : CL_EINVAL;
	}
	*out = (char *)res;
	if (out_len)
		*out_len = (size_t)n;
	return CL_OK;
}

int ta_fingerprint(char *out, size_t outsz)
{
	struct sb_stemmer *st = sb_stemmer_new("swedish", "UTF_8");
	struct ta_dict_stats ds;
	int patched = st ? sv_needs_patch(st) : 0, n;

	if (st)
		sb_stemmer_delete(st);
	if (ta_decompound_stats(&ds) == CL_OK)
		n = snprintf(out, outsz, "ta/%d sv:%s dict:%zu/%zu/%zu", TA_RULES_VERSION,
			     patched ? "libstemmer+snowball3" : "libstemmer", ds.entries, ds.heads,
			     ds.mods);
	else
		n = snprintf(out, outsz, "ta/%d sv:%s dict:none", TA_RULES_VERSION,
			     patched ? "libstemmer+snowball3" : "libstemmer");
	return n < 0 || (size_t)n >= outsz ? CL_ETOOBIG : CL_OK;
}
