/* semantics.c — the search rules both engines share (semantics.h): date
 * keys, the similar-case sector bonus, the spelling rule and the snippet
 * (text choice, marking, window). One implementation, so the engines
 * cannot drift apart again. */
#include "semantics.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"
#include "synonyms.h"
#include "textan.h"

/* ---- date sort --------------------------------------------------------- */

long sem_date_key(const char *published)
{
	long k = 0;

	if (!published || strlen(published) != 10)
		return 0;
	for (int i = 0; i < 10; i++) {
		char c = published[i];
		if (i == 4 || i == 7) {
			if (c != '-')
				return 0;
			continue;
		}
		if (c < '0' || c > '9')
			return 0;
		k = k * 10 + (c - '0');
	}
	return k;
}

void sem_date_key_strings(const char *published, char asc[16], char desc[16])
{
	long k = sem_date_key(published);

	if (k == 0) {
		strcpy(asc, "~");
		strcpy(desc, "~");
		return;
	}
	for (int i = 7; i >= 0; i--) {
		int d = (int)(k % 10);
		asc[i] = (char)('0' + d);
		desc[i] = (char)('9' - d);
		k /= 10;
	}
	asc[8] = desc[8] = '\0';
}

/* ---- similar cases ----------------------------------------------------- */

double sem_sector_bonus(double score, size_t shared, size_t nsectors)
{
	if (nsectors == 0)
		return score;
	return score * (1.0 + SEM_SECTOR_BONUS * (double)shared / (double)nsectors);
}

/* ---- spelling ---------------------------------------------------------- */

size_t sem_cp_count(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

static int has_digit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= '0' && s[i] <= '9')
			return 1;
	return 0;
}

int sem_spell_checked(const char *folded, size_t len)
{
	return sem_cp_count(folded, len) >= 3 && !has_digit(folded, len);
}

int sem_spell_candidate(const char *word)
{
	size_t n = strlen(word);
	return n >= 2 && !has_digit(word, n);
}

int sem_spell_max_dist(size_t nchars)
{
	return nchars <= 4 ? 1 : 2;
}

/* Code points of UTF-8 s into cp (at most max); the count. */
static size_t to_cps(const char *s, uint32_t *cp, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p && n < max) {
		uint32_t c = *p++;
		int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
		if (more)
			c &= 0x3Fu >> more;
		while (more-- > 0 && (*p & 0xC0) == 0x80)
			c = (c << 6) | (*p++ & 0x3F);
		cp[n++] = c;
	}
	return n;
}

int sem_osa_distance(const char *as, const char *bs, int max)
{
	uint32_t a[TA_WORD_MAX_CHARS + 1], b[TA_WORD_MAX_CHARS + 1];
	int rows[3][TA_WORD_MAX_CHARS + 2];
	int *pp = rows[0], *prev = rows[1], *cur = rows[2];
	size_t na = to_cps(as, a, TA_WORD_MAX_CHARS + 1), nb = to_cps(bs, b, TA_WORD_MAX_CHARS + 1);

	if (na > TA_WORD_MAX_CHARS || nb > TA_WORD_MAX_CHARS)
		return max + 1;
	if ((na > nb ? na - nb : nb - na) > (size_t)max)
		return max + 1;
	for (size_t j = 0; j <= nb; j++)
		prev[j] = (int)j;
	for (size_t i = 1; i <= na; i++) {
		int best;
		cur[0] = (int)i;
		best = cur[0];
		for (size_t j = 1; j <= nb; j++) {
			int cost = a[i - 1] != b[j - 1];
			int v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (prev[j - 1] + cost < v)
				v = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
		int *tmp = pp;
		pp = prev;
		prev = cur;
		cur = tmp;
	}
	return prev[nb] <= max ? prev[nb] : max + 1;
}

/* ---- snippets: which words to mark -------------------------------------- */

#define HL_ALL ((1u << SEM_SUMMARY) | (1u << SEM_BODY) | (1u << SEM_TITLE))

struct hl_term {
	char *term;
	unsigned texts; /* mask of 1u << enum sem_text */
	int prefix;
};

struct sem_hl {
	struct ta *q;   /* "auto", query mode: both languages' stems */
	struct ta *doc; /* "auto" documents, as the FTS5 engine indexes them */
	struct hl_term *v;
	size_t n, cap;
	unsigned texts; /* while adding */
	int err;
};

void sem_hl_free(struct sem_hl *hl)
{
	if (!hl)
		return;
	for (size_t i = 0; i < hl->n; i++)
		free(hl->v[i].term);
	free(hl->v);
	ta_close(hl->q);
	ta_close(hl->doc);
	free(hl);
}

static int hl_add_cb(void *ud, const struct ta_token *tok)
{
	struct sem_hl *hl = ud;
	int prefix = (tok->flags & TA_TOK_PREFIX) != 0;

	for (size_t i = 0; i < hl->n; i++)
		if (hl->v[i].prefix == prefix && !strcmp(hl->v[i].term, tok->term)) {
			hl->v[i].texts |= hl->texts;
			return 0;
		}
	if (hl->n == hl->cap) {
		size_t cap = hl->cap ? hl->cap * 2 : 16;
		struct hl_term *v = realloc(hl->v, cap * sizeof *v);
		if (!v)
			return hl->err = CL_ENOMEM;
		hl->v = v;
		hl->cap = cap;
	}
	if (!(hl->v[hl->n].term = strndup(tok->term, tok->len)))
		return hl->err = CL_ENOMEM;
	hl->v[hl->n].texts = hl->texts;
	hl->v[hl->n].prefix = prefix;
	hl->n++;
	return 0;
}

static int hl_add(struct sem_hl *hl, const char *text, unsigned texts, int prefix)
{
	int rc;

	hl->texts = texts;
	rc = ta_tokenize(hl->q, text, strlen(text), TA_QUERY | (prefix ? TA_PREFIX : 0u), hl_add_cb,
			 hl);
	return hl->err ? hl->err : rc;
}

static int hl_open(struct sem_hl **out, struct cl_errbuf *eb)
{
	struct sem_hl *hl = calloc(1, sizeof *hl);
	int rc;

	*out = NULL;
	if (!hl)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	if ((rc = ta_open(&hl->q, "auto", 0, eb)) != CL_OK ||
	    (rc = ta_open(&hl->doc, "auto", TA_DECOMPOUND | TA_SURFACE, eb)) != CL_OK) {
		sem_hl_free(hl);
		return rc;
	}
	*out = hl;
	return CL_OK;
}

static const unsigned field_texts[] = {
	[QP_ANY] = HL_ALL,
	[QP_TITLE] = 1u << SEM_TITLE,
	[QP_BUYER] = 0,
	[QP_BODY] = (1u << SEM_SUMMARY) | (1u << SEM_BODY),
};

int sem_hl_new(const struct qp_query *q, struct sem_hl **out, struct cl_errbuf *eb)
{
	struct sem_hl *hl;
	int rc;

	if ((rc = hl_open(&hl, eb)) != CL_OK)
		return rc;
	for (size_t i = 0; q && i < q->n && rc == CL_OK; i++) {
		const struct qp_clause *c = &q->v[i];
		unsigned texts = (unsigned)c->field < sizeof field_texts / sizeof *field_texts
					 ? field_texts[c->field]
					 : 0;
		const char *const *syn = NULL;
		size_t nsyn = 0;
		char *folded;

		if (c->negated || !texts)
			continue;
		rc = hl_add(hl, c->text, texts, c->kind == QP_PREFIX);
		if (rc != CL_OK || c->kind == QP_PREFIX)
			continue;
		if ((folded = syn_fold(c->text, strlen(c->text))) != NULL)
			syn = syn_lookup(folded, &nsyn);
		for (size_t k = 0; syn && k < nsyn && rc == CL_OK; k++)
			rc = hl_add(hl, syn[k], texts, 0);
		free(folded);
		/* what the engines matched for it: the compound of it and its
		 * neighbour, its translations */
		if (rc == CL_OK && c->join)
			rc = hl_add(hl, c->join, texts, 0);
		for (size_t k = 0; k < c->ntrans && rc == CL_OK; k++)
			rc = hl_add(hl, c->trans[k], texts, 0);
	}
	if (rc != CL_OK) {
		sem_hl_free(hl);
		return cl_fail(eb, rc, "snippets: cannot analyse the query: %s", cl_strerror(rc));
	}
	*out = hl;
	return CL_OK;
}

int sem_hl_new_words(const char *text, struct sem_hl **out, struct cl_errbuf *eb)
{
	struct sem_hl *hl;
	int rc;

	if ((rc = hl_open(&hl, eb)) != CL_OK)
		return rc;
	if (text && (rc = hl_add(hl, text, HL_ALL, 0)) != CL_OK) {
		sem_hl_free(hl);
		return cl_fail(eb, rc, "snippets: cannot analyse the text: %s", cl_strerror(rc));
	}
	*out = hl;
	return CL_OK;
}

/* ---- snippets: marking a text ------------------------------------------ */

struct mark_state {
	const struct sem_hl *hl;
	unsigned text; /* 1u << enum sem_text */
	size_t (*span)[2];
	size_t n, cap;
	int err;
};

static int term_matches(const struct sem_hl *hl, unsigned text, const char *t, size_t len)
{
	for (size_t i = 0; i < hl->n; i++) {
		const struct hl_term *h = &hl->v[i];
		size_t hl_len;
		if (!(h->texts & text))
			continue;
		hl_len = strlen(h->term);
		if (h->prefix ? hl_len <= len && !memcmp(h->term, t, hl_len)
			      : hl_len == len && !memcmp(h->term, t, len))
			return 1;
	}
	return 0;
}

static int mark_cb(void *ud, const struct ta_token *tok)
{
	struct mark_state *m = ud;

	if (!term_matches(m->hl, m->text, tok->term, tok->len))
		return 0;
	if (m->n > 0 && m->span[m->n - 1][0] == tok->start)
		return 0; /* a colocated term of a word already marked */
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		size_t(*v)[2] = realloc(m->span, cap * sizeof *v);
		if (!v)
			return m->err = CL_ENOMEM;
		m->span = v;
		m->cap = cap;
	}
	m->span[m->n][0] = tok->start;
	m->span[m->n][1] = tok->end;
	m->n++;
	return 0;
}

/* text with the marked words between \x01 and \x02 (the markers in the
 * text itself become spaces); *nmarks the number of marks. */
static char *mark_text(struct sem_hl *hl, enum sem_text which, const char *text, size_t *nmarks)
{
	struct mark_state m = {hl, 1u << which, NULL, 0, 0, 0};
	size_t len = strlen(text), o = 0, k = 0;
	char *out;

	*nmarks = 0;
	if (hl && hl->n &&
	    (ta_tokenize(hl->doc, text, len, 0, mark_cb, &m) != CL_OK || m.err)) {
		free(m.span);
		return NULL;
	}
	out = malloc(len + 2 * m.n + 1);
	if (!out) {
		free(m.span);
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		if (k < m.n && i == m.span[k][0])
			out[o++] = '\x01';
		out[o++] = text[i] == '\x01' || text[i] == '\x02' ? ' ' : text[i];
		if (k < m.n && i + 1 == m.span[k][1]) {
			out[o++] = '\x02';
			k++;
		}
	}
	out[o] = '\0';
	*nmarks = m.n;
	free(m.span);
	return out;
}

char *sem_snippet(struct sem_hl *hl, const char *const texts[SEM_NTEXTS], size_t maxc)
{
	char *chosen = NULL, *win, *html;

	for (int i = 0; i < SEM_NTEXTS; i++) {
		size_t nmarks = 0;
		char *m;
		if (!texts[i] || !*texts[i])
			continue;
		if (!(m = mark_text(hl, (enum sem_text)i, texts[i], &nmarks))) {
			free(chosen);
			return NULL;
		}
		if (nmarks > 0) {
			free(chosen);
			chosen = m;
			break;
		}
		if (!chosen) {
			/* the first non-empty text, unmarked */
			chosen = m;
			if (!hl || !hl->n)
				break;
		} else {
			free(m);
		}
	}
	win = sem_window(chosen ? chosen : "", maxc ? maxc : 200);
	free(chosen);
	if (!win)
		return NULL;
	html = engine_html_snippet(win);
	free(win);
	return html;
}

/* ---- snippets: the window ---------------------------------------------- */

#define VISIBLE(c) (((unsigned char)(c) & 0xC0) != 0x80 && (c) != '\x01' && (c) != '\x02')

/* Whitespace runs of s collapsed to one space, leading ones dropped. */
static char *collapse(const char *s, size_t *len)
{
	size_t n = strlen(s), k = 0;
	int space = 0;
	char *t = malloc(n + 1);

	if (!t)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v') {
			space = k > 0;
			continue;
		}
		if (space) {
			t[k++] = ' ';
			space = 0;
		}
		t[k++] = ch;
	}
	t[k] = '\0';
	*len = k;
	return t;
}

/* Where the window starts: a third of it before the first mark, then
 * forward to the start of a word. */
static size_t window_start(const char *t, size_t n, size_t maxc)
{
	size_t i, first, start, vis;

	for (i = 0; i < n && t[i] != '\x01'; i++)
		;
	first = i < n ? i : 0;
	start = first;
	for (vis = 0; start > 0 && vis < maxc / 3;) {
		start--;
		vis += VISIBLE(t[start]);
	}
	while (start > 0 && ((unsigned char)t[start] & 0xC0) == 0x80)
		start--;
	if (start > 0 && t[start - 1] != ' ') {
		size_t sp = start;
		while (sp < first && t[sp] != ' ')
			sp++;
		if (sp < first)
			start = sp + 1;
	}
	return start;
}

char *sem_window(const char *s, size_t maxc)
{
	size_t n, total = 0, start, end, i, vis;
	int lead, trail;
	char *t = collapse(s, &n), *out;

	if (!t)
		return NULL;
	for (i = 0; i < n; i++)
		total += VISIBLE(t[i]);
	if (total <= maxc)
		return t;
	start = window_start(t, n, maxc);
	lead = start > 0 && maxc >= 10;
	/* copy as many visible characters as fit, one kept for "…" */
	trail = maxc >= 10;
	{
		size_t budget = maxc - (size_t)lead - (size_t)trail, cut = start, last_space = 0;
		for (vis = 0; cut < n; cut++) {
			if (VISIBLE(t[cut])) {
				if (vis == budget)
					break;
				vis++;
			}
			if (t[cut] == ' ')
				last_space = cut;
		}
		end = cut;
		if (end < n && last_space > start + (end - start) / 2)
			end = last_space; /* do not cut a word in two */
		if (end == n)
			trail = 0;
	}
	while (end > start && t[end - 1] == ' ')
		end--;
	out = malloc((end - start) + 16);
	if (out) {
		size_t o = 0;
		int open = 0;
		if (lead) {
			memcpy(out, "\xe2\x80\xa6", 3);
			o = 3;
		}
		for (i = start; i < end; i++) {
			if (t[i] == '\x01')
				open = 1;
			else if (t[i] == '\x02')
				open = 0;
			out[o++] = t[i];
		}
		if (open)
			out[o++] = '\x02';
		if (trail && end < n) {
			memcpy(out + o, "\xe2\x80\xa6", 3);
			o += 3;
		}
		out[o] = '\0';
	}
	free(t);
	return out;
}
#undef VISIBLE
