/* gen.c — synthetic corpora and query mixes for `make bench`, learnt from
 * the real corpus (docs/performance.md, "Corpora and query mix").
 *
 *   gen --model REAL.jsonl [--cases N --out FILE] --queries M --queries-out FILE
 *       [--seed S] [--prefix P]
 *
 * The model is the real corpus exported as JSON Lines. Each generated case
 * picks a template case uniformly at random and takes from it: the facet
 * tuple (buyer, authority_type, sectors, categories, cpv, goals, strategic,
 * procedure, innovation, value: so the joint facet distribution is the real
 * one), kind, language, the year of `published` (month and day drawn anew)
 * and the length in words of title, summary and body. Each word position
 * keeps the template's word with probability 1/2 (co-occurrence survives)
 * and otherwise draws a word from the real word-frequency distribution of
 * that field and language group (sv, en, other) through an alias table.
 * Output is streamed: memory is the model, never the generated corpus.
 *
 * Queries: M documents of the corpus (the generated one when --cases is
 * given, else the model itself) chosen at random; from each, 1-3 distinct
 * words of its text that are not stopwords (so the words are document-
 * frequency weighted, and co-occur) and 0-3 of the six counted facets
 * (authority_type, sectors, categories, goals, procedure, year) with one of
 * the document's values, sometimes a second value (OR) drawn from that
 * facet's real value distribution. Same seed, same model: same bytes out.
 * PRNG: xoshiro256** seeded by splitmix64. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

#include "benchutil.h"
#include "dbuf.h"
#include "textan.h"

#define P_KEEP 0.5 /* probability that a word position keeps the template's word */
#define TITLE_MAX_BYTES 480
#define SUMMARY_MAX_BYTES 3900
#define BODY_MAX_BYTES (190 * 1024)

/* ---- PRNG: xoshiro256** (Blackman, Vigna), seeded by splitmix64 ------- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n) (Lemire's multiply-shift; the bias is below 2^-32). */
static size_t rng_below(struct rng *r, size_t n)
{
	return (size_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

/* ---- alias tables (Vose) ------------------------------------------------ */

struct alias {
	size_t n;
	double *prob;
	uint32_t *alias;
	uint32_t *item; /* the item of each slot */
};

/* Builds a table over items[0..n) with weights w[0..n) (> 0). */
static int alias_build(struct alias *a, const uint32_t *items, const double *w, size_t n)
{
	double sum = 0, *p;
	uint32_t *small, *large;
	size_t ns = 0, nl = 0;

	memset(a, 0, sizeof *a);
	if (!n)
		return 0;
	a->n = n;
	a->prob = malloc(n * sizeof *a->prob);
	a->alias = malloc(n * sizeof *a->alias);
	a->item = malloc(n * sizeof *a->item);
	p = malloc(n * sizeof *p);
	small = malloc(n * sizeof *small);
	large = malloc(n * sizeof *large);
	if (!a->prob || !a->alias || !a->item || !p || !small || !large) {
		free(p);
		free(small);
		free(large);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		sum += w[i];
	for (size_t i = 0; i < n; i++) {
		a->item[i] = items[i];
		p[i] = w[i] * (double)n / sum;
		if (p[i] < 1.0)
			small[ns++] = (uint32_t)i;
		else
			large[nl++] = (uint32_t)i;
	}
	while (ns && nl) {
		uint32_t s = small[--ns], l = large[--nl];
		a->prob[s] = p[s];
		a->alias[s] = l;
		p[l] = (p[l] + p[s]) - 1.0;
		if (p[l] < 1.0)
			small[ns++] = l;
		else
			large[nl++] = l;
	}
	while (nl) {
		uint32_t l = large[--nl];
		a->prob[l] = 1.0;
		a->alias[l] = l;
	}
	while (ns) {
		uint32_t s = small[--ns];
		a->prob[s] = 1.0;
		a->alias[s] = s;
	}
	free(p);
	free(small);
	free(large);
	return 0;
}

static uint32_t alias_draw(const struct alias *a, struct rng *r)
{
	size_t i = rng_below(r, a->n);
	return a->item[rng_unit(r) < a->prob[i] ? i : a->alias[i]];
}

static void alias_free(struct alias *a)
{
	free(a->prob);
	free(a->alias);
	free(a->item);
}

/* ---- interned strings ---------------------------------------------------- */

struct vocab {
	char **str;    /* the token as written */
	char **esc;    /* JSON-escaped (without quotes) */
	int8_t *qword; /* 1: usable as a query word (folded form in qform) */
	char **qform;
	size_t n, cap;
	uint32_t *slots; /* hash table of id + 1, 0 = empty */
	size_t nslots;
};

static uint64_t hash_str(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211u;
	return h;
}

static char *json_escape(const char *s)
{
	size_t n = strlen(s), j = 0;
	char *out = malloc(n * 6 + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			out[j++] = '\\';
			out[j++] = (char)c;
		} else if (c < 0x20) {
			j += (size_t)sprintf(out + j, "\\u%04x", c);
		} else {
			out[j++] = (char)c;
		}
	}
	out[j] = '\0';
	return out;
}

static int vocab_grow(struct vocab *v)
{
	size_t ns = v->nslots ? v->nslots * 2 : 1u << 16;
	uint32_t *slots = calloc(ns, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < v->nslots; i++) {
		if (!v->slots[i])
			continue;
		const char *s = v->str[v->slots[i] - 1];
		size_t h = hash_str(s, strlen(s)) & (ns - 1);
		while (slots[h])
			h = (h + 1) & (ns - 1);
		slots[h] = v->slots[i];
	}
	free(v->slots);
	v->slots = slots;
	v->nslots = ns;
	return 0;
}

/* The id of s[0..len), added when new; UINT32_MAX on ENOMEM. */
static uint32_t vocab_intern(struct vocab *v, const char *s, size_t len)
{
	size_t h;

	if ((v->n + 1) * 2 > v->nslots && vocab_grow(v))
		return UINT32_MAX;
	h = hash_str(s, len) & (v->nslots - 1);
	while (v->slots[h]) {
		const char *t = v->str[v->slots[h] - 1];
		if (strlen(t) == len && !memcmp(t, s, len))
			return v->slots[h] - 1;
		h = (h + 1) & (v->nslots - 1);
	}
	if (v->n == v->cap) { /* four arrays, one cap */
		size_t c1 = v->cap, c2 = v->cap, c3 = v->cap, c4 = v->cap;

		if (dbuf_grow(&v->str, &c1, v->n + 1, sizeof *v->str) ||
		    dbuf_grow(&v->esc, &c2, v->n + 1, sizeof *v->esc) ||
		    dbuf_grow(&v->qform, &c3, v->n + 1, sizeof *v->qform) ||
		    dbuf_grow(&v->qword, &c4, v->n + 1, sizeof *v->qword))
			return UINT32_MAX;
		v->cap = c1;
	}
	v->str[v->n] = strndup(s, len);
	if (!v->str[v->n] || !(v->esc[v->n] = json_escape(v->str[v->n])))
		return UINT32_MAX;
	v->qword[v->n] = -1; /* not looked at yet */
	v->qform[v->n] = NULL;
	v->slots[h] = (uint32_t)(v->n + 1);
	return (uint32_t)v->n++;
}

/* ---- the model ----------------------------------------------------------- */

enum { F_TITLE, F_SUMMARY, F_BODY, NFIELDS };
enum { LG_SV, LG_EN, LG_OTHER, NLG };
/* The six counted facets of the query mix, in the file's order. */
enum { Q_AUTH, Q_SECTORS, Q_CATEGORIES, Q_GOALS, Q_PROCEDURE, Q_YEAR, NQF };
static const char *const qfacet_name[NQF] = {"authority_type", "sectors", "categories",
					      "goals", "procedure", "year"};

struct tokens {
	uint32_t *v;
	size_t n;
};

struct tmpl {
	struct tokens f[NFIELDS];
	int lg;
	char *lang;     /* "sv", "en", ... */
	char *kind;
	char *fragment; /* ,"buyer":...,"authority_type":...  (JSON members) */
	int year;       /* 0: none */
	struct tokens fv[NQF]; /* facet values (ids in model.fvals) */
};

struct model {
	struct tmpl *t;
	size_t n;
	struct vocab words;
	struct vocab fvals;             /* facet values, all facets together */
	struct alias dist[NFIELDS][NLG]; /* word distributions */
	struct alias fdist[NQF];        /* facet value distributions */
	char **stop;                    /* folded stopwords, sv and en */
	size_t nstop;
};

static int add_token(struct tokens *t, uint32_t id, size_t *cap)
{
	if (dbuf_grow(&t->v, cap, t->n + 1, sizeof *t->v))
		return -1;
	t->v[t->n++] = id;
	return 0;
}

static int tokenize(struct vocab *v, const char *s, struct tokens *out)
{
	size_t cap = 0;
	out->v = NULL;
	out->n = 0;
	if (!s)
		return 0;
	while (*s) {
		size_t len;
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		len = strcspn(s, " \t\n\r");
		if (!len)
			break;
		uint32_t id = vocab_intern(v, s, len);
		if (id == UINT32_MAX || add_token(out, id, &cap))
			return -1;
		s += len;
	}
	return 0;
}

static int add_fval(struct model *m, struct tmpl *t, int f, const char *val)
{
	size_t cap = t->fv[f].n; /* grows one at a time: lists are short */
	uint32_t id = vocab_intern(&m->fvals, val, strlen(val));
	if (id == UINT32_MAX)
		return -1;
	return add_token(&t->fv[f], id, &cap);
}

static const char *const fragment_keys[] = {"buyer", "authority_type", "sectors",
					    "categories", "cpv", "goals", "strategic",
					    "procedure", "innovation", "value"};

static int load_template(struct model *m, json_t *j, struct tmpl *t)
{
	static const char *const fields[NFIELDS] = {"title", "summary", "body"};
	json_t *frag = json_object(), *v;
	const char *lang = json_string_value(json_object_get(j, "language"));
	const char *kind = json_string_value(json_object_get(j, "kind"));
	const char *pub = json_string_value(json_object_get(j, "published"));
	const char *aw = json_string_value(json_object_get(j, "awarded"));
	char *dump;

	memset(t, 0, sizeof *t);
	if (!frag)
		return -1;
	for (int f = 0; f < NFIELDS; f++)
		if (tokenize(&m->words, json_string_value(json_object_get(j, fields[f])), &t->f[f]))
			return -1;
	t->lang = strdup(lang ? lang : "sv");
	t->kind = strdup(kind ? kind : "procurement");
	t->lg = !strcmp(t->lang, "sv") ? LG_SV : !strcmp(t->lang, "en") ? LG_EN : LG_OTHER;
	if (pub || aw)
		t->year = atoi(pub ? pub : aw);
	for (size_t k = 0; k < sizeof fragment_keys / sizeof *fragment_keys; k++)
		if ((v = json_object_get(j, fragment_keys[k])))
			json_object_set(frag, fragment_keys[k], v);
	dump = json_dumps(frag, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	json_decref(frag);
	if (!dump || !t->lang || !t->kind)
		return -1;
	/* "{...}" -> ",..." (or "" when empty) */
	dump[strlen(dump) - 1] = '\0';
	if (dump[1]) {
		dump[0] = ',';
		t->fragment = dump;
	} else {
		t->fragment = strdup("");
		free(dump);
	}
	for (int f = 0; f < NQF; f++) {
		if (f == Q_YEAR) {
			char y[16];
			if (t->year) {
				snprintf(y, sizeof y, "%d", t->year);
				if (add_fval(m, t, f, y))
					return -1;
			}
			continue;
		}
		v = json_object_get(j, qfacet_name[f]);
		if (json_is_string(v)) {
			if (add_fval(m, t, f, json_string_value(v)))
				return -1;
		} else if (json_is_array(v)) {
			size_t i;
			json_t *x;
			json_array_foreach(v, i, x) if (json_is_string(x) &&
							add_fval(m, t, f, json_string_value(x))) return -1;
		}
	}
	return 0;
}

/* Builds an alias table of the ids in counts (by count), id order. */
static int alias_from_counts(struct alias *a, const double *counts, size_t n)
{
	uint32_t *items = malloc((n ? n : 1) * sizeof *items);
	double *w = malloc((n ? n : 1) * sizeof *w);
	size_t k = 0;
	int rc;
	if (!items || !w) {
		free(items);
		free(w);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (counts[i] > 0) {
			items[k] = (uint32_t)i;
			w[k++] = counts[i];
		}
	rc = alias_build(a, items, w, k);
	free(items);
	free(w);
	return rc;
}

static int model_load(struct model *m, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, tcap = 0;
	ssize_t len;
	long lineno = 0;
	double *counts;

	memset(m, 0, sizeof *m);
	if (!f) {
		fprintf(stderr, "gen: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		json_error_t err;
		json_t *j;
		lineno++;
		if (len <= 1)
			continue;
		if (!(j = json_loadb(line, (size_t)len, 0, &err)) || !json_is_object(j)) {
			fprintf(stderr, "gen: %s:%ld: not a JSON object: %s\n", path, lineno, err.text);
			json_decref(j);
			goto fail;
		}
		if (dbuf_grow(&m->t, &tcap, m->n + 1, sizeof *m->t))
			goto nomem;
		if (load_template(m, j, &m->t[m->n])) {
			json_decref(j);
			goto nomem;
		}
		m->n++;
		json_decref(j);
	}
	free(line);
	line = NULL;
	fclose(f);
	f = NULL;
	if (!m->n) {
		fprintf(stderr, "gen: %s holds no case\n", path);
		return -1;
	}
	/* word distributions per field and language group */
	if (!(counts = calloc(m->words.n, sizeof *counts)))
		goto nomem;
	for (int fi = 0; fi < NFIELDS; fi++)
		for (int lg = 0; lg < NLG; lg++) {
			memset(counts, 0, m->words.n * sizeof *counts);
			for (size_t i = 0; i < m->n; i++)
				if (m->t[i].lg == lg)
					for (size_t k = 0; k < m->t[i].f[fi].n; k++)
						counts[m->t[i].f[fi].v[k]] += 1;
			if (alias_from_counts(&m->dist[fi][lg], counts, m->words.n)) {
				free(counts);
				goto nomem;
			}
		}
	free(counts);
	/* facet value distributions */
	if (!(counts = calloc(m->fvals.n + 1, sizeof *counts)))
		goto nomem;
	for (int fi = 0; fi < NQF; fi++) {
		memset(counts, 0, m->fvals.n * sizeof *counts);
		for (size_t i = 0; i < m->n; i++)
			for (size_t k = 0; k < m->t[i].fv[fi].n; k++)
				counts[m->t[i].fv[fi].v[k]] += 1;
		if (alias_from_counts(&m->fdist[fi], counts, m->fvals.n)) {
			free(counts);
			goto nomem;
		}
	}
	free(counts);
	/* stopwords of both languages (already folded) */
	for (int l = 0; l < 2; l++) {
		const char *const *w;
		size_t n = ta_stopwords(l ? TA_LANG_EN : TA_LANG_SV, &w);
		char **s = realloc(m->stop, (m->nstop + n) * sizeof *s);
		if (!s)
			goto nomem;
		m->stop = s;
		for (size_t i = 0; i < n; i++)
			m->stop[m->nstop++] = (char *)(uintptr_t)w[i];
	}
	return 0;
nomem:
	fprintf(stderr, "gen: out of memory reading %s\n", path);
fail:
	free(line);
	if (f)
		fclose(f);
	return -1;
}

static void vocab_free(struct vocab *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->str[i]);
		free(v->esc[i]);
		free(v->qform[i]);
	}
	free(v->str);
	free(v->esc);
	free(v->qform);
	free(v->qword);
	free(v->slots);
}

static void model_free(struct model *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct tmpl *t = &m->t[i];
		for (int f = 0; f < NFIELDS; f++)
			free(t->f[f].v);
		for (int f = 0; f < NQF; f++)
			free(t->fv[f].v);
		free(t->lang);
		free(t->kind);
		free(t->fragment);
	}
	free(m->t);
	vocab_free(&m->words);
	vocab_free(&m->fvals);
	for (int fi = 0; fi < NFIELDS; fi++)
		for (int lg = 0; lg < NLG; lg++)
			alias_free(&m->dist[fi][lg]);
	for (int f = 0; f < NQF; f++)
		alias_free(&m->fdist[f]);
	free(m->stop);
}

static int is_stop(const struct model *m, const char *w)
{
	for (size_t i = 0; i < m->nstop; i++)
		if (!strcmp(m->stop[i], w))
			return 1;
	return 0;
}

/* Whether word id can be a query word: after trimming punctuation at both
 * ends, only letters and digits, at least one letter, >= 3 code points,
 * not a stopword. Cached in the vocabulary. */
static int query_word(struct model *m, uint32_t id)
{
	struct vocab *v = &m->words;
	const char *s = v->str[id];
	size_t len = strlen(s), ncp = 0;
	int letters = 0;
	char *folded = NULL;

	if (v->qword[id] >= 0)
		return v->qword[id];
	v->qword[id] = 0;
	while (len && ispunct((unsigned char)s[len - 1]))
		len--;
	while (len && ispunct((unsigned char)*s)) {
		s++;
		len--;
	}
	for (size_t i = 0; i < len;) {
		utf8proc_int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
						      (utf8proc_ssize_t)(len - i), &c);
		utf8proc_category_t cat;
		if (k <= 0)
			return 0;
		cat = utf8proc_category(c);
		if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO)
			letters = 1;
		else if (cat != UTF8PROC_CATEGORY_ND)
			return 0;
		i += (size_t)k;
		ncp++;
	}
	if (ncp < 3 || !letters || ta_fold(s, len, &folded, NULL) != CL_OK)
		return 0;
	if (is_stop(m, folded)) {
		free(folded);
		return 0;
	}
	v->qform[id] = folded;
	v->qword[id] = 1;
	return 1;
}

/* ---- output -------------------------------------------------------------- */

/* Appends a generated text of the template's length (in words) for field
 * fi, at most maxb bytes; the word ids go to ids (when not NULL). */
static size_t gen_text(FILE *out, struct model *m, const struct tmpl *t, int fi, size_t maxb,
		     struct rng *r, struct tokens *ids, size_t *idcap)
{
	size_t bytes = 0;
	for (size_t k = 0; k < t->f[fi].n; k++) {
		uint32_t id = rng_unit(r) < P_KEEP ? t->f[fi].v[k] : alias_draw(&m->dist[fi][t->lg], r);
		const char *w = m->words.esc[id];
		size_t wl = strlen(w);
		if (bytes + wl + 2 > maxb)
			break;
		if (k) {
			if (fi == F_BODY && k % 80 == 0) {
				fputs("\\n\\n", out);
				bytes += 2;
			} else {
				fputc(' ', out);
				bytes++;
			}
		}
		fwrite(w, 1, wl, out);
		bytes += wl;
		if (ids)
			add_token(ids, id, idcap);
	}
	return bytes;
}

struct query {
	char *json;
};

/* Builds one query from a document: its language group, word ids and the
 * facet values of its template. NULL when the document has no usable word. */
static char *make_query(struct model *m, struct rng *r, int lg, const struct tokens *words,
			const struct tmpl *t)
{
	uint32_t cand[4096], pick[3];
	size_t nc = 0, nw, npick = 0, nf, have[NQF], nhave = 0;
	json_t *q, *filters;
	char text[1024] = "";
	char *out;

	for (size_t i = 0; i < words->n && nc < 4096; i++)
		if (query_word(m, words->v[i]))
			cand[nc++] = words->v[i];
	if (!nc)
		return NULL;
	{
		double u = rng_unit(r);
		nw = u < 0.35 ? 1 : u < 0.80 ? 2 : 3;
	}
	for (int tries = 0; npick < nw && tries < 20; tries++) {
		uint32_t id = cand[rng_below(r, nc)];
		int dup = 0;
		for (size_t k = 0; k < npick; k++)
			if (!strcmp(m->words.qform[pick[k]], m->words.qform[id]))
				dup = 1;
		if (!dup)
			pick[npick++] = id;
	}
	for (size_t k = 0; k < npick; k++) {
		if (k)
			strncat(text, " ", sizeof text - strlen(text) - 1);
		strncat(text, m->words.qform[pick[k]], sizeof text - strlen(text) - 1);
	}
	{
		double u = rng_unit(r);
		nf = u < 0.25 ? 0 : u < 0.60 ? 1 : u < 0.85 ? 2 : 3;
	}
	for (int f = 0; f < NQF; f++)
		if (t->fv[f].n)
			have[nhave++] = (size_t)f;
	q = json_object();
	json_object_set_new(q, "q", json_string(text));
	json_object_set_new(q, "lang", json_string(lg == LG_EN ? "en" : "sv"));
	filters = json_object();
	for (size_t k = 0; k < nf && nhave; k++) {
		size_t i = rng_below(r, nhave);
		int f = (int)have[i];
		json_t *vals = json_array();
		uint32_t v1 = t->fv[f].v[rng_below(r, t->fv[f].n)];
		have[i] = have[--nhave];
		json_array_append_new(vals, json_string(m->fvals.str[v1]));
		if (f != Q_YEAR && rng_unit(r) < 0.2) {
			uint32_t v2 = alias_draw(&m->fdist[f], r);
			if (v2 != v1)
				json_array_append_new(vals, json_string(m->fvals.str[v2]));
		}
		json_object_set_new(filters, qfacet_name[f], vals);
	}
	/* facets in the fixed order of the file, whatever order they were drawn in */
	{
		json_t *ordered = json_object();
		for (int f = 0; f < NQF; f++) {
			json_t *v = json_object_get(filters, qfacet_name[f]);
			if (v)
				json_object_set(ordered, qfacet_name[f], v);
		}
		json_object_set_new(q, "filters", ordered);
		json_decref(filters);
	}
	out = json_dumps(q, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(q);
	return out;
}

static void all_words(const struct tokens f[NFIELDS], struct tokens *all, size_t *cap)
{
	all->n = 0;
	for (int fi = 0; fi < NFIELDS; fi++)
		for (size_t k = 0; k < f[fi].n; k++)
			add_token(all, f[fi].v[k], cap);
}

static int write_queries(const char *path, char **qs, size_t n)
{
	char tmp[4096];
	FILE *f;
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (!(f = fopen(tmp, "w"))) {
		fprintf(stderr, "gen: cannot write %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n", qs[i]);
	if (fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "gen: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: gen --model REAL.jsonl [--cases N --out FILE] [--queries M --queries-out FILE]\n"
	      "           [--seed S] [--prefix P]\n\n"
	      "Generates N cases (JSON Lines, caselib's case format) learnt from the real\n"
	      "corpus REAL.jsonl, and a mix of M queries from the generated corpus (or, without\n"
	      "--cases, from the real corpus itself). Deterministic: same seed, same output.\n"
	      "Defaults: --seed 20261127, --prefix gen, --queries 1000.\n",
	      f);
}

int main(int argc, char **argv)
{
	const char *model_path = NULL, *out_path = NULL, *qpath = NULL, *prefix = "gen";
	unsigned long long seed = 20261127;
	long ncases = 0, nq = 1000;
	struct model m;
	struct rng rc, rq;
	char **qs;
	FILE *out = NULL;
	char tmp[4096];
	double t0 = bu_now();

	const struct bu_opt opts[] = {
		{"--model", BU_STR, &model_path, 0, 0},
		{"--out", BU_STR, &out_path, 0, 0},
		{"--queries-out", BU_STR, &qpath, 0, 0},
		{"--prefix", BU_STR, &prefix, 0, 0},
		{"--cases", BU_LONG, &ncases, LONG_MIN, LONG_MAX},
		{"--queries", BU_LONG, &nq, LONG_MIN, LONG_MAX},
		{"--seed", BU_U64, &seed, 0, 0},
		{NULL, BU_STR, NULL, 0, 0},
	};
	int opt_rc;

	if ((opt_rc = bu_options("gen", argc, argv, opts, usage)) >= 0)
		return opt_rc;
	if (!model_path || ncases < 0 || ncases > 100000000 || nq < 0 || nq > 1000000 ||
	    (ncases && !out_path) || (nq && !qpath) || strlen(prefix) > 40) {
		usage(stderr);
		return 2;
	}
	if (model_load(&m, model_path))
		return 1;
	fprintf(stderr, "gen: model %s: %zu cases, %zu distinct words, %zu facet values (%.1f s)\n",
		model_path, m.n, m.words.n, m.fvals.n, bu_now() - t0);
	rng_seed(&rc, seed);
	rng_seed(&rq, seed ^ 0x5152595155455259u); /* queries: their own stream */
	if (!(qs = calloc((size_t)nq + 1, sizeof *qs)))
		return 1;

	if (!ncases) {
		/* queries from the real corpus itself */
		struct tokens all = {0};
		size_t cap = 0;
		for (long i = 0; i < nq;) {
			const struct tmpl *t = &m.t[rng_below(&rq, m.n)];
			all_words(t->f, &all, &cap);
			if ((qs[i] = make_query(&m, &rq, t->lg, &all, t)))
				i++;
		}
		free(all.v);
	} else {
		struct tokens f[NFIELDS] = {{0}}, all = {0};
		size_t fcap[NFIELDS] = {0}, acap = 0;
		long filled = 0;
		snprintf(tmp, sizeof tmp, "%s.tmp", out_path);
		if (!(out = fopen(tmp, "w"))) {
			fprintf(stderr, "gen: cannot write %s: %s\n", tmp, strerror(errno));
			return 1;
		}
		setvbuf(out, NULL, _IOFBF, 1 << 20);
		for (long i = 0; i < ncases; i++) {
			const struct tmpl *t = &m.t[rng_below(&rc, m.n)];
			unsigned month = 1 + (unsigned)rng_below(&rc, 12), day = 1 + (unsigned)rng_below(&rc, 28);
			/* reservoir sampling of the query documents (own stream):
			 * slot -2 = fill, -1 = not chosen */
			long slot = filled < nq ? -2 : (long)rng_below(&rq, (size_t)i + 1) < nq
							? (long)rng_below(&rq, (size_t)nq) : -1;
			for (int fi = 0; fi < NFIELDS; fi++)
				f[fi].n = 0;
			fprintf(out, "{\"id\":\"%s-%07ld\",\"kind\":\"%s\",\"status\":\"published\",\"title\":\"",
				prefix, i + 1, t->kind);
			if (!gen_text(out, &m, t, F_TITLE, TITLE_MAX_BYTES, &rc, &f[F_TITLE], &fcap[F_TITLE]))
				fputs("Upphandling", out); /* the template's only word was too long */
			fputc('"', out);
			if (t->f[F_SUMMARY].n) {
				fputs(",\"summary\":\"", out);
				gen_text(out, &m, t, F_SUMMARY, SUMMARY_MAX_BYTES, &rc, &f[F_SUMMARY],
					 &fcap[F_SUMMARY]);
				fputc('"', out);
			}
			if (t->f[F_BODY].n) {
				fputs(",\"body\":\"", out);
				gen_text(out, &m, t, F_BODY, BODY_MAX_BYTES, &rc, &f[F_BODY], &fcap[F_BODY]);
				fputc('"', out);
			}
			fprintf(out, ",\"language\":\"%s\"%s", t->lang, t->fragment);
			if (t->year)
				fprintf(out, ",\"published\":\"%04d-%02u-%02u\"", t->year, month, day);
			fprintf(out, ",\"sources\":[{\"url\":\"https://example.org/caselib-bench/%s-%07ld\","
				     "\"retrieved_at\":\"2026-01-01T00:00:00Z\",\"format\":\"bench-gen\","
				     "\"licence\":\"CC0-1.0\"}]}\n",
				prefix, i + 1);
			if (slot != -1) {
				char *qj;
				all_words(f, &all, &acap);
				if ((qj = make_query(&m, &rq, t->lg, &all, t))) {
					if (slot == -2) {
						qs[filled++] = qj;
					} else {
						free(qs[slot]);
						qs[slot] = qj;
					}
				}
			}
			if ((i + 1) % 200000 == 0)
				fprintf(stderr, "gen: %ld cases (%.1f s)\n", i + 1, bu_now() - t0);
		}
		if (ferror(out) | fclose(out) || rename(tmp, out_path)) {
			fprintf(stderr, "gen: cannot write %s: %s\n", out_path, strerror(errno));
			return 1;
		}
		for (int fi = 0; fi < NFIELDS; fi++)
			free(f[fi].v);
		free(all.v);
		if (filled < nq)
			nq = filled;
		fprintf(stderr, "gen: %ld cases to %s (%.1f s)\n", ncases, out_path, bu_now() - t0);
	}
	if (nq) {
		size_t k = 0;
		for (long i = 0; i < nq; i++)
			if (qs[i])
				qs[k++] = qs[i];
		if (write_queries(qpath, qs, k))
			return 1;
		fprintf(stderr, "gen: %zu queries to %s\n", k, qpath);
	}
	for (long i = 0; i < nq; i++)
		free(qs[i]);
	free(qs);
	model_free(&m);
	return 0;
}
