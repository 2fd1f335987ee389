/* translate.c — the bilingual lexicon and query translation (translate.h). */
#include "translate.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbuf.h"
#include "taxonomy.h"
#include "textan.h"

extern const char tr_glossary_tsv[];
extern const unsigned long tr_glossary_tsv_len;
extern const char tr_lexicon_tsv[];
extern const unsigned long tr_lexicon_tsv_len;

enum { SRC_GLOSSARY, SRC_TAXONOMY, SRC_CPV, NSRC };

struct entry {
	char *text[2]; /* [0] Swedish, [1] English: as written, lower case */
	char *key[2];  /* the stems of text[l] in language l, space-separated */
	int src;
	size_t order;  /* load order: ties keep the file's order */
};

/* The lexicon: entries, and per side an index sorted by (key, src, order). */
static struct entry *entries;
static size_t nentries, cap_entries;
static size_t *idx[2];
static size_t src_count[NSRC];
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_rc = CL_OK;
static char load_msg[CL_ERRBUF_SIZE];

struct tr {
	struct ta *stem[2]; /* Swedish, English stemmers (no stopwords) */
	struct ta *stop;    /* "auto" analyser: the stopword test */
};

/* ---- keys ------------------------------------------------------------------ */

struct keybuf {
	struct dbuf b;
	size_t nwords;
};

static int key_cb(void *ud, const struct ta_token *tok)
{
	struct keybuf *k = ud;

	if (tok->flags & TA_TOK_COLOCATED)
		return 0;
	if (k->nwords++)
		dbuf_add(&k->b, " ", 1);
	dbuf_add(&k->b, tok->term, tok->len);
	return k->b.err;
}

/* The key of text in the language of analyser ta (caller frees), and its
 * number of words; NULL with *nwords 0 when text has no word. */
static char *make_key(struct ta *ta, const char *text, size_t len, size_t *nwords, int *err)
{
	struct keybuf k = {DBUF_INIT(1024), 0};
	int rc = ta_tokenize(ta, text, len, TA_NO_EXTRA, key_cb, &k);

	*nwords = k.nwords;
	*err = rc != CL_OK ? rc : k.b.err;
	if (*err || k.nwords == 0) {
		dbuf_release(&k.b);
		return NULL;
	}
	return dbuf_take(&k.b, NULL);
}

/* ---- loading --------------------------------------------------------------- */

static void fail(const char *what, const char *name, int line)
{
	if (load_rc != CL_OK)
		return;
	load_rc = CL_ECORRUPT;
	snprintf(load_msg, sizeof load_msg, "%s line %d: %s", name, line, what);
}

static char *dup_lower(const char *s, size_t n)
{
	char *f = NULL;
	return ta_fold(s, n, &f, NULL) == CL_OK ? f : NULL;
}

/* Adds the pair (sv, en) of source src; both are checked to have 1..
 * TR_NGRAM_MAX words. Pairs with too many words are skipped silently
 * (long taxonomy labels: a query never forms them). */
static int add_pair(struct ta *const stem[2], const char *sv, size_t svn, const char *en,
		    size_t enn, int src)
{
	struct entry e = {{NULL, NULL}, {NULL, NULL}, src, nentries};
	const char *t[2] = {sv, en};
	size_t n[2] = {svn, enn}, nw[2];
	int err = 0;

	for (int l = 0; l < 2; l++) {
		e.key[l] = make_key(stem[l], t[l], n[l], &nw[l], &err);
		/* a side of more than TR_NGRAM_MAX words is never looked up
		 * (no query run is that long) but is a translation of the other
		 * (socialstyrelsen - national board of health); such entries
		 * were dropped whole until December 2026 (47 glossary pairs) */
		if (err || !e.key[l] || nw[l] > TR_WORDS_MAX)
			goto skip;
		if (!(e.text[l] = dup_lower(t[l], n[l]))) {
			err = CL_ENOMEM;
			goto skip;
		}
	}
	if (nentries == cap_entries) {
		size_t nc = cap_entries ? 2 * cap_entries : 4096;
		struct entry *v = realloc(entries, nc * sizeof *v);
		if (!v) {
			err = CL_ENOMEM;
			goto skip;
		}
		entries = v;
		cap_entries = nc;
	}
	entries[nentries++] = e;
	src_count[src]++;
	return CL_OK;
skip:
	for (int l = 0; l < 2; l++) {
		free(e.key[l]);
		free(e.text[l]);
	}
	return err;
}

/* Reads "sv<TAB>en<TAB>source" lines; '#' comments, blank lines and the
 * header line "sv<TAB>en<TAB>source" are skipped. */
static void load_tsv(struct ta *const stem[2], const char *p, size_t len, const char *name,
		     int src)
{
	const char *end = p + len;
	int line = 0;

	while (p < end && load_rc == CL_OK) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
		const char *t1, *t2;

		line++;
		if (n && p[n - 1] == '\r')
			n--;
		if (n && p[0] != '#' && strncmp(p, "sv\ten\t", 6)) {
			t1 = memchr(p, '\t', n);
			t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(p + n - t1 - 1)) : NULL;
			if (!t1 || t1 == p || (t2 ? t2 : p + n) == t1 + 1)
				fail("expected sv<TAB>en<TAB>source", name, line);
			else if (add_pair(stem, p, (size_t)(t1 - p), t1 + 1,
					  (size_t)((t2 ? t2 : p + n) - t1 - 1), src) != CL_OK)
				fail("out of memory or invalid text", name, line);
		}
		p = eol ? eol + 1 : end;
	}
}

static int idx_side;
static int idx_cmp(const void *a, const void *b)
{
	const struct entry *x = &entries[*(const size_t *)a], *y = &entries[*(const size_t *)b];
	int c = strcmp(x->key[idx_side], y->key[idx_side]);
	if (c)
		return c;
	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void load(void)
{
	struct ta *stem[2] = {NULL, NULL};
	struct cl_errbuf eb = {0};

	if (ta_open(&stem[0], "sv", TA_NO_STOPWORDS, &eb) != CL_OK ||
	    ta_open(&stem[1], "en", TA_NO_STOPWORDS, &eb) != CL_OK) {
		fail("cannot open the stemmers", "lexicon", 0);
		goto out;
	}
	load_tsv(stem, tr_glossary_tsv, tr_glossary_tsv_len, "query/glossary.tsv", SRC_GLOSSARY);
	if (tax_load(&eb) != CL_OK)
		fail("cannot load the taxonomies", "corpus/taxonomies.tsv", 0);
	for (int f = 0; f < TAX_NFACETS && load_rc == CL_OK; f++) {
		size_t n = 0;
		const struct tax_entry *te = tax_entries((enum tax_facet)f, &n);
		for (size_t k = 0; te && k < n && load_rc == CL_OK; k++)
			if (te[k].label_sv && te[k].label_en &&
			    add_pair(stem, te[k].label_sv, strlen(te[k].label_sv), te[k].label_en,
				     strlen(te[k].label_en), SRC_TAXONOMY) != CL_OK)
				fail("out of memory", "corpus/taxonomies.tsv", (int)k + 1);
	}
	load_tsv(stem, tr_lexicon_tsv, tr_lexicon_tsv_len, "query/lexicon.tsv", SRC_CPV);
	for (int l = 0; l < 2 && load_rc == CL_OK; l++) {
		if (!(idx[l] = malloc((nentries ? nentries : 1) * sizeof *idx[l]))) {
			fail("out of memory", "lexicon", 0);
			break;
		}
		for (size_t i = 0; i < nentries; i++)
			idx[l][i] = i;
		idx_side = l;
		qsort(idx[l], nentries, sizeof *idx[l], idx_cmp);
	}
out:
	ta_close(stem[0]);
	ta_close(stem[1]);
}

static int lex_load(struct cl_errbuf *eb)
{
	pthread_once(&once, load);
	return load_rc == CL_OK ? CL_OK : cl_fail(eb, load_rc, "lexicon: %s", load_msg);
}

void tr_stats(size_t counts[3])
{
	pthread_once(&once, load);
	for (int i = 0; i < NSRC; i++)
		counts[i] = load_rc == CL_OK ? src_count[i] : 0;
}

int tr_open(struct tr **out, struct cl_errbuf *eb)
{
	struct tr *t;
	int rc;

	*out = NULL;
	if ((rc = lex_load(eb)) != CL_OK)
		return rc;
	if (!(t = calloc(1, sizeof *t)))
		return cl_fail(eb, CL_ENOMEM, "translate: out of memory");
	if ((rc = ta_open(&t->stem[0], "sv", TA_NO_STOPWORDS, eb)) != CL_OK ||
	    (rc = ta_open(&t->stem[1], "en", TA_NO_STOPWORDS, eb)) != CL_OK ||
	    (rc = ta_open(&t->stop, "auto", 0, eb)) != CL_OK) {
		tr_close(t);
		return rc;
	}
	*out = t;
	return CL_OK;
}

void tr_close(struct tr *t)
{
	if (!t)
		return;
	ta_close(t->stem[0]);
	ta_close(t->stem[1]);
	ta_close(t->stop);
	free(t);
}

/* ---- look-up --------------------------------------------------------------- */

/* The first index position of key on side l, and the number of entries. */
static size_t find(int l, const char *key, size_t *first)
{
	size_t lo = 0, hi = nentries, n = 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(entries[idx[l][mid]].key[l], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (lo + n < nentries && !strcmp(entries[idx[l][lo + n]].key[l], key))
		n++;
	return n;
}

/* A list of distinct translations being collected. */
struct tlist {
	char *v[TR_PER_WORD + TR_PIVOT];
	const char *key[TR_PER_WORD + TR_PIVOT]; /* the entry's key of v[i] (borrowed), or NULL */
	int side[TR_PER_WORD + TR_PIVOT];        /* v[i]'s language: 0 sv, 1 en */
	size_t n, max;
};

static void tlist_release(struct tlist *tl)
{
	for (size_t i = 0; i < tl->n; i++)
		free(tl->v[i]);
	tl->n = 0;
}

/* Adds s (whose key in its language is key, or NULL) unless it or an
 * expression of the same key is there already, it equals self (the
 * folded text looked up) or the list is full: "skolmåltid" and
 * "skolmåltider" are one translation. CL_ENOMEM. */
static int tlist_add(struct tlist *tl, const char *s, const char *key, int side,
		     const char *self)
{
	if (tl->n == (tl->max ? tl->max : TR_PER_WORD) || (self && !strcmp(s, self)))
		return CL_OK;
	for (size_t i = 0; i < tl->n; i++)
		if (!strcmp(tl->v[i], s) ||
		    (key && tl->key[i] && tl->side[i] == side && !strcmp(tl->key[i], key)))
			return CL_OK;
	if (!(tl->v[tl->n] = strdup(s)))
		return CL_ENOMEM;
	tl->side[tl->n] = side;
	tl->key[tl->n++] = key;
	return CL_OK;
}

/* Synonyms through a shared translation: the other expressions of the
 * query's own language that tl's translations have (skolmat -> school
 * meals -> skolmåltider), at most TR_PIVOT, never one of the query's own
 * key (own[side]: the query's key in that language). */
static int add_pivots(struct tlist *tl, char *const own[2])
{
	size_t ntr = tl->n;
	int rc = CL_OK;

	tl->max = ntr + TR_PIVOT;
	for (size_t i = 0; i < ntr && rc == CL_OK; i++) {
		int s = tl->side[i];
		size_t first, n;
		if (!tl->key[i])
			continue;
		n = find(s, tl->key[i], &first);
		for (size_t k = 0; k < n && rc == CL_OK; k++) {
			const struct entry *en = &entries[idx[s][first + k]];
			if (own[1 - s] && !strcmp(en->key[1 - s], own[1 - s]))
				continue;
			rc = tlist_add(tl, en->text[1 - s], en->key[1 - s], 1 - s, NULL);
		}
	}
	return rc;
}

/* The other side's texts of text, looked up as language l, into tl.
 * as_written: only entries whose language-l text is self itself. */
static int lookup_side(const char *key, int l, const char *self, int as_written,
		       struct tlist *tl)
{
	size_t first, n = find(l, key, &first);
	int rc = CL_OK;

	for (size_t i = 0; i < n && rc == CL_OK; i++) {
		const struct entry *en = &entries[idx[l][first + i]];
		if (as_written && strcmp(en->text[l], self) != 0)
			continue;
		rc = tlist_add(tl, en->text[1 - l], en->key[1 - l], 1 - l, self);
	}
	return rc;
}

/* 1 when folded text s has a letter English words do not (å, ä, ö). */
static int swedish_letters(const char *s)
{
	return strstr(s, "\xc3\xa5") || strstr(s, "\xc3\xa4") || strstr(s, "\xc3\xb6");
}

/* The other side's texts of text into tl: from either language
 * (TR_FROM_ANY), with synonyms of its own language through them; or
 * read as language from first (TR_FROM_SV, TR_FROM_EN) and as the other
 * only when that finds nothing (an English page's user who types a
 * Swedish word), with those synonyms only for a Swedish reading. */
static int lookup_text(struct tr *t, const char *text, size_t len, int from, struct tlist *tl)
{
	char *self = NULL, *key[2] = {NULL, NULL};
	int rc = CL_OK, pivots = 1;

	if (ta_fold(text, len, &self, NULL) != CL_OK)
		return CL_ENOMEM;
	for (int l = 0; l < 2 && rc == CL_OK; l++) {
		size_t nw = 0;
		int err = 0;
		key[l] = make_key(t->stem[l], text, len, &nw, &err);
		rc = err;
	}
	if (from == TR_FROM_ANY) {
		for (int l = 0; l < 2 && rc == CL_OK; l++)
			if (key[l])
				rc = lookup_side(key[l], l, self, 0, tl);
	} else {
		int used = from;
		if (key[from])
			rc = lookup_side(key[from], from, self, 0, tl);
		/* read as the other language: an English word that English has
		 * no entry for is read as Swedish only when it is a Swedish
		 * entry as written or has å, ä or ö; by its Swedish stem alone
		 * English words met false friends ("proves" -> prov -> exam,
		 * "varies" -> varia) */
		if (rc == CL_OK && tl->n == 0 && key[1 - from]) {
			used = 1 - from;
			rc = lookup_side(key[1 - from], 1 - from, self,
					 from == TR_FROM_EN && !swedish_letters(self), tl);
		}
		pivots = used == TR_FROM_SV;
	}
	if (rc == CL_OK && tl->n && pivots)
		rc = add_pivots(tl, key);
	free(key[0]);
	free(key[1]);
	free(self);
	return rc;
}

/* The first English text of a one-word Swedish key, or NULL. */
static const char *first_en(struct tr *t, const char *w, size_t len)
{
	char stem[256];
	size_t first;
	int n = ta_stem_word(t->stem[0], w, len, stem, sizeof stem);

	if (n <= 0 || find(0, stem, &first) == 0)
		return NULL;
	return entries[idx[0][first]].text[1];
}

/* A Swedish compound not in the lexicon, split into a modifier and a head
 * that both are (the longest head first; a linking -s dropped):
 * "skattefrågor" -> "tax question". */
static int split_compound(struct tr *t, const char *word, struct tlist *tl)
{
	char *f = NULL;
	size_t fl = 0;
	int rc = CL_OK;

	if (ta_fold(word, strlen(word), &f, &fl) != CL_OK)
		return CL_ENOMEM;
	for (size_t k = 3; k + 3 <= fl && tl->n == 0; k++) {
		const char *head, *mod;
		char buf[512];
		if (((unsigned char)f[k] & 0xC0) == 0x80)
			continue; /* inside a character */
		if (!(head = first_en(t, f + k, fl - k)))
			continue;
		mod = first_en(t, f, k);
		if (!mod && f[k - 1] == 's' && k > 3)
			mod = first_en(t, f, k - 1);
		if (!mod)
			continue;
		if ((size_t)snprintf(buf, sizeof buf, "%s %s", mod, head) < sizeof buf)
			rc = tlist_add(tl, buf, NULL, 1, NULL);
	}
	free(f);
	return rc;
}

static int translatable(struct tr *t, const struct qp_clause *c)
{
	char *f = NULL;
	size_t fl = 0;
	int ok;

	if (c->negated || c->kind != QP_WORD || strchr(c->text, ' ') || c->field == QP_BUYER ||
	    !*c->text)
		return 0;
	if (ta_fold(c->text, strlen(c->text), &f, &fl) != CL_OK)
		return 0;
	ok = !ta_is_stopword(t->stop, f, fl);
	free(f);
	return ok;
}

/* Sets c's translations (copies of tl's). */
static int set_trans(struct qp_clause *c, const struct tlist *tl, int run)
{
	if (!(c->trans = calloc(tl->n, sizeof *c->trans)))
		return CL_ENOMEM;
	for (size_t i = 0; i < tl->n; i++)
		if (!(c->trans[c->ntrans++] = strdup(tl->v[i])))
			return CL_ENOMEM;
	c->trans_run = run;
	return CL_OK;
}

int tr_query(struct tr *t, struct qp_query *q, int from, struct cl_errbuf *eb)
{
	int rc = CL_OK;

	if (from != TR_FROM_ANY && from != TR_FROM_SV && from != TR_FROM_EN)
		return cl_fail(eb, CL_EINVAL, "translate: no language %d", from);
	for (size_t i = 0; i < q->n && rc == CL_OK;) {
		struct tlist tl = {{NULL}, {NULL}, {0}, 0, 0};
		size_t run = 0;

		/* the longest run of adjacent word clauses that is an entry; a
		 * run's first and last words are content words */
		for (size_t len = TR_NGRAM_MAX; len >= 1 && run == 0 && rc == CL_OK; len--) {
			struct dbuf b = DBUF_INIT(QP_TEXT_MAX * 2);
			int ok = i + len <= q->n;
			for (size_t k = 0; ok && k < len; k++) {
				const struct qp_clause *c = &q->v[i + k];
				ok = !c->negated && c->kind == QP_WORD && !strchr(c->text, ' ') &&
				     c->field == q->v[i].field;
				if (k)
					dbuf_add(&b, " ", 1);
				dbuf_puts(&b, c->text);
			}
			ok = ok && translatable(t, &q->v[i]) && translatable(t, &q->v[i + len - 1]);
			if (ok && b.err)
				rc = CL_ENOMEM;
			else if (ok && (rc = lookup_text(t, dbuf_str(&b), b.n, from, &tl)) == CL_OK &&
				 tl.n)
				run = len;
			dbuf_release(&b);
		}
		if (rc == CL_OK && run == 0 && from != TR_FROM_EN && translatable(t, &q->v[i]) &&
		    (rc = split_compound(t, q->v[i].text, &tl)) == CL_OK && tl.n)
			run = 1;
		for (size_t k = 0; k < run && rc == CL_OK; k++)
			rc = set_trans(&q->v[i + k], &tl, k == 0 ? (int)run : 0);
		tlist_release(&tl);
		i += run ? run : 1;
	}
	return rc == CL_OK ? CL_OK : cl_fail(eb, rc, "translate: %s", cl_strerror(rc));
}

int tr_lookup(struct tr *t, const char *text, char ***out, size_t *n, struct cl_errbuf *eb)
{
	struct qp_query q;
	int rc;

	*out = NULL;
	*n = 0;
	qp_init(&q);
	if ((rc = qp_parse(text, strlen(text), &q, eb)) != CL_OK)
		return rc;
	if ((rc = tr_query(t, &q, TR_FROM_ANY, eb)) == CL_OK && q.n && q.v[0].ntrans &&
	    q.v[0].trans_run == (int)q.n) {
		*out = q.v[0].trans;
		*n = q.v[0].ntrans;
		q.v[0].trans = NULL;
		q.v[0].ntrans = 0;
	}
	qp_release(&q);
	return rc;
}

int tr_knows(struct tr *t, const char *word)
{
	for (int l = 0; l < 2; l++) {
		char stem[256];
		size_t sl;
		int n = ta_stem_word(t->stem[l], word, strlen(word), stem, sizeof stem);
		if (n <= 0)
			continue;
		sl = (size_t)n;
		for (size_t i = 0; i < nentries; i++) {
			const char *k = entries[i].key[l], *p = k;
			while (k && (p = strstr(p, stem)) != NULL) {
				if ((p == k || p[-1] == ' ') && (p[sl] == ' ' || p[sl] == '\0'))
					return 1;
				p++;
			}
		}
	}
	return 0;
}
