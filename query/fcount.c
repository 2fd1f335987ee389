/* fcount.c — the counting layer (fcount.h): a row of facet codes per
 * document and a CRoaring bitmap per facet value, and the one-pass
 * disjunctive count over either. */
#include "fcount.h"
#include "engine_impl.h"

#include <stdlib.h>
#include <string.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <roaring/roaring.h>
#pragma GCC diagnostic pop

/* A cell (one document, one facet): 0 no value; below MULTI: the one
 * value's code + 1; MULTI | off: pool[off] is the number of codes and
 * pool[off + 1 ..] the codes. */
#define MULTI 0x80000000u

/* One facet's values: code -> value and bitmap, value -> code by an open
 * hash (slots hold code + 1; 0 empty). */
struct fdict {
	char **val;
	size_t *len;
	roaring_bitmap_t **bm;
	size_t n, cap;
	uint32_t *slot;
	size_t nslot; /* power of two, at least 2n */
};

struct fcount {
	uint32_t *cells; /* [(doc - base) * EF_COUNT + f] */
	uint32_t base;   /* the lowest document number the cells hold: an
			  * index whose numbers start high (Xapian after a
			  * clear and a resync) costs no rows below it */
	size_t cap;      /* documents the cells have room for, from base */
	size_t top;      /* one past the highest document given a row */
	uint16_t *pool;
	size_t npool, cappool, garbage;
	roaring_bitmap_t *live;
	struct fdict d[EF_COUNT];
};

static uint32_t hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void fdict_release(struct fdict *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->val[i]);
		roaring_bitmap_free(d->bm[i]);
	}
	free(d->val);
	free(d->len);
	free(d->bm);
	free(d->slot);
	memset(d, 0, sizeof *d);
}

/* The code of v, -1 when absent. */
static long fdict_find(const struct fdict *d, const char *v, size_t len)
{
	if (!d->nslot)
		return -1;
	for (size_t i = hash_bytes(v, len) & (d->nslot - 1);; i = (i + 1) & (d->nslot - 1)) {
		uint32_t s = d->slot[i];
		if (!s)
			return -1;
		if (d->len[s - 1] == len && !memcmp(d->val[s - 1], v, len))
			return (long)(s - 1);
	}
}

static int fdict_rehash(struct fdict *d, size_t nslot)
{
	uint32_t *slot = calloc(nslot, sizeof *slot);
	if (!slot)
		return CL_ENOMEM;
	for (size_t c = 0; c < d->n; c++) {
		size_t i = hash_bytes(d->val[c], d->len[c]) & (nslot - 1);
		while (slot[i])
			i = (i + 1) & (nslot - 1);
		slot[i] = (uint32_t)c + 1;
	}
	free(d->slot);
	d->slot = slot;
	d->nslot = nslot;
	return CL_OK;
}

/* The code of v, added when new: >= 0, or CL_ENOMEM / CL_ETOOBIG. */
static long fdict_get(struct fdict *d, const char *v, size_t len)
{
	long c = fdict_find(d, v, len);

	if (c >= 0)
		return c;
	if (d->n >= FCOUNT_VALUES_MAX)
		return CL_ETOOBIG;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		char **val = realloc(d->val, cap * sizeof *val);
		if (!val)
			return CL_ENOMEM;
		d->val = val;
		size_t *ln = realloc(d->len, cap * sizeof *ln);
		if (!ln)
			return CL_ENOMEM;
		d->len = ln;
		roaring_bitmap_t **bm = realloc(d->bm, cap * sizeof *bm);
		if (!bm)
			return CL_ENOMEM;
		d->bm = bm;
		d->cap = cap;
	}
	if ((d->n + 1) * 2 > d->nslot && fdict_rehash(d, d->nslot ? d->nslot * 2 : 32) != CL_OK)
		return CL_ENOMEM;
	char *copy = malloc(len + 1);
	roaring_bitmap_t *bm = roaring_bitmap_create();
	if (!copy || !bm) {
		free(copy);
		if (bm)
			roaring_bitmap_free(bm);
		return CL_ENOMEM;
	}
	memcpy(copy, v, len);
	copy[len] = '\0';
	d->val[d->n] = copy;
	d->len[d->n] = len;
	d->bm[d->n] = bm;
	size_t i = hash_bytes(v, len) & (d->nslot - 1);
	while (d->slot[i])
		i = (i + 1) & (d->nslot - 1);
	d->slot[i] = (uint32_t)d->n + 1;
	return (long)d->n++;
}

int fcount_new(struct fcount **out)
{
	struct fcount *fc = calloc(1, sizeof *fc);

	*out = NULL;
	if (!fc)
		return CL_ENOMEM;
	if (!(fc->live = roaring_bitmap_create())) {
		free(fc);
		return CL_ENOMEM;
	}
	*out = fc;
	return CL_OK;
}

void fcount_clear(struct fcount *fc)
{
	if (!fc)
		return;
	for (int f = 0; f < EF_COUNT; f++)
		fdict_release(&fc->d[f]);
	free(fc->cells);
	fc->cells = NULL;
	fc->cap = 0;
	fc->base = 0;
	fc->top = 0;
	free(fc->pool);
	fc->pool = NULL;
	fc->npool = fc->cappool = fc->garbage = 0;
	roaring_bitmap_clear(fc->live);
}

void fcount_free(struct fcount *fc)
{
	if (!fc)
		return;
	fcount_clear(fc);
	roaring_bitmap_free(fc->live);
	free(fc);
}

/* doc's row, NULL when the cells do not reach it. */
static uint32_t *row_of(const struct fcount *fc, uint32_t doc)
{
	if (doc < fc->base || (size_t)(doc - fc->base) >= fc->cap)
		return NULL;
	return fc->cells + (size_t)(doc - fc->base) * EF_COUNT;
}

/* Makes the cells reach doc. They span [base, base + cap) with a power of
 * two of rows, at most twice [the lowest, the highest) document given a
 * row, plus half of that below when they had to move down (so a falling
 * sequence of documents moves them a few times, not each time). */
static int grow_cells(struct fcount *fc, uint32_t doc)
{
	size_t cap = 1024, lo, hi;
	uint32_t *cells;

	if (row_of(fc, doc)) {
		if ((size_t)doc + 1 > fc->top)
			fc->top = (size_t)doc + 1;
		return CL_OK;
	}
	lo = fc->cap && fc->base < doc ? fc->base : doc;
	hi = fc->cap && fc->top > (size_t)doc + 1 ? fc->top : (size_t)doc + 1;
	if (fc->cap && doc < fc->base) {
		size_t slack = (hi - lo) / 2;
		lo = lo > slack ? lo - slack : 0;
	}
	while (cap < hi - lo)
		cap *= 2;
	if (!(cells = calloc(cap * EF_COUNT, sizeof *cells)))
		return CL_ENOMEM;
	if (fc->cap && fc->top > fc->base)
		memcpy(cells + (fc->base - lo) * EF_COUNT, fc->cells,
		       (fc->top - fc->base) * EF_COUNT * sizeof *cells);
	free(fc->cells);
	fc->cells = cells;
	fc->cap = cap;
	fc->base = (uint32_t)lo;
	fc->top = hi;
	return CL_OK;
}

/* The codes of a cell: *one holds a single code; returns the codes and
 * their number in *n. */
static const uint16_t *cell_codes(const struct fcount *fc, uint32_t cell, uint16_t *one, size_t *n)
{
	if (!cell) {
		*n = 0;
		return one;
	}
	if (!(cell & MULTI)) {
		*one = (uint16_t)(cell - 1);
		*n = 1;
		return one;
	}
	*n = fc->pool[cell & ~MULTI];
	return fc->pool + (cell & ~MULTI) + 1;
}

/* Drops the values of doc's facet f (bitmaps and cell). */
static void cell_drop(struct fcount *fc, uint32_t doc, int f)
{
	uint32_t *cell = &row_of(fc, doc)[f];
	uint16_t one;
	size_t n;
	const uint16_t *c = cell_codes(fc, *cell, &one, &n);

	for (size_t i = 0; i < n; i++)
		roaring_bitmap_remove(fc->d[f].bm[c[i]], doc);
	if (*cell & MULTI)
		fc->garbage += n + 1;
	*cell = 0;
}

/* Rewrites the pool without the lists no cell points at. */
static int pool_compact(struct fcount *fc)
{
	size_t used = fc->npool - fc->garbage, k = 0;
	uint16_t *np = malloc((used ? used : 1) * sizeof *np);

	if (!np)
		return CL_ENOMEM;
	for (size_t i = 0; i < fc->cap * EF_COUNT; i++) {
		uint32_t c = fc->cells[i];
		if (!(c & MULTI))
			continue;
		size_t off = c & ~MULTI, n = fc->pool[off];
		memcpy(np + k, fc->pool + off, (n + 1) * sizeof *np);
		fc->cells[i] = MULTI | (uint32_t)k;
		k += n + 1;
	}
	free(fc->pool);
	fc->pool = np;
	fc->npool = k;
	fc->cappool = used ? used : 1;
	fc->garbage = 0;
	return CL_OK;
}

static int pool_append(struct fcount *fc, const uint16_t *codes, size_t n, uint32_t *off)
{
	if (fc->garbage > 4096 && fc->garbage * 2 > fc->npool && pool_compact(fc) != CL_OK)
		return CL_ENOMEM;
	if (fc->npool + n + 1 > fc->cappool) {
		size_t cap = fc->cappool ? fc->cappool : 4096;
		while (fc->npool + n + 1 > cap)
			cap *= 2;
		if (cap > (size_t)(MULTI - 1))
			return CL_ETOOBIG;
		uint16_t *p = realloc(fc->pool, cap * sizeof *p);
		if (!p)
			return CL_ENOMEM;
		fc->pool = p;
		fc->cappool = cap;
	}
	*off = (uint32_t)fc->npool;
	fc->pool[fc->npool] = (uint16_t)n;
	memcpy(fc->pool + fc->npool + 1, codes, n * sizeof *codes);
	fc->npool += n + 1;
	return CL_OK;
}

int fcount_live(struct fcount *fc, uint32_t doc, struct cl_errbuf *eb)
{
	if (grow_cells(fc, doc) != CL_OK)
		return cl_fail(eb, CL_ENOMEM, "facet counts: out of memory");
	roaring_bitmap_add(fc->live, doc);
	return CL_OK;
}

int fcount_put(struct fcount *fc, uint32_t doc, int f, const char *const *v, const size_t *len,
	       size_t n, struct cl_errbuf *eb)
{
	uint16_t codes[CASE_LIST_MAX];
	size_t nc = 0;
	int rc;

	if (f < 0 || f >= EF_COUNT || n > CASE_LIST_MAX)
		return cl_fail(eb, CL_EINVAL, "facet counts: facet %d with %zu values", f, n);
	if ((rc = fcount_live(fc, doc, eb)) != CL_OK)
		return rc;
	cell_drop(fc, doc, f);
	for (size_t i = 0; i < n; i++) {
		long c;
		size_t k;
		if (!len[i])
			continue;
		if ((c = fdict_get(&fc->d[f], v[i], len[i])) < 0) {
			rc = (int)c;
			goto fail;
		}
		for (k = 0; k < nc && codes[k] != (uint16_t)c; k++)
			;
		if (k == nc)
			codes[nc++] = (uint16_t)c;
	}
	uint32_t cell = 0;
	if (nc == 1) {
		cell = (uint32_t)codes[0] + 1;
	} else if (nc > 1) {
		uint32_t off;
		if ((rc = pool_append(fc, codes, nc, &off)) != CL_OK)
			goto fail;
		cell = MULTI | off;
	}
	row_of(fc, doc)[f] = cell;
	for (size_t i = 0; i < nc; i++)
		roaring_bitmap_add(fc->d[f].bm[codes[i]], doc);
	return CL_OK;
fail:
	fcount_del(fc, doc);
	if (rc == CL_ETOOBIG)
		return cl_fail(eb, rc, "facet counts: facet %s has over %d values",
			       engine_facet_name((enum engine_facet)f), FCOUNT_VALUES_MAX);
	return cl_fail(eb, rc, "facet counts: out of memory");
}

void fcount_del(struct fcount *fc, uint32_t doc)
{
	if (!fc || !row_of(fc, doc))
		return;
	for (int f = 0; f < EF_COUNT; f++)
		cell_drop(fc, doc, f);
	roaring_bitmap_remove(fc->live, doc);
}

int fcount_has(const struct fcount *fc, uint32_t doc)
{
	return roaring_bitmap_contains(fc->live, doc);
}

uint64_t fcount_ndocs(const struct fcount *fc)
{
	return roaring_bitmap_get_cardinality(fc->live);
}

/* ---- counting ------------------------------------------------------------ */

/* A filter group: facet f's documents must have one of the codes in
 * want (a bitset over f's codes). The year range is a group that is never
 * left out (range set). */
struct group {
	int f;
	int range;
	uint64_t *want;
};

struct plan {
	struct group g[EF_COUNT + 1];
	size_t ng;
	int gi[EF_COUNT]; /* group of a filtered facet, -1 */
	unsigned facets;
	uint32_t *cnt[EF_COUNT]; /* counts by code */
	uint64_t total;
};

static void plan_release(struct plan *p)
{
	for (size_t i = 0; i < p->ng; i++)
		free(p->g[i].want);
	for (int f = 0; f < EF_COUNT; f++)
		free(p->cnt[f]);
}

static int in_range(const char *v, const struct search_request *rq)
{
	int y = atoi(v);
	return (!rq->year_from || y >= rq->year_from) && (!rq->year_to || y <= rq->year_to);
}

static int plan_init(const struct fcount *fc, const struct search_request *rq, unsigned facets,
		     struct plan *p)
{
	memset(p, 0, sizeof *p);
	p->facets = facets & ENGINE_ALL_FACETS;
	for (int f = 0; f < EF_COUNT; f++) {
		const struct fdict *d = &fc->d[f];
		p->gi[f] = -1;
		if ((p->facets & (1u << f)) && !(p->cnt[f] = calloc(d->n + 1, sizeof *p->cnt[f])))
			return CL_ENOMEM;
		int range = f == EF_YEAR && (rq->year_from || rq->year_to);
		for (int pass = 0; pass < 2; pass++) {
			struct group *g;
			if (pass == 0 && !rq->nfilters[f])
				continue;
			if (pass == 1 && !range)
				continue;
			g = &p->g[p->ng];
			g->f = f;
			g->range = pass == 1;
			if (!(g->want = calloc(d->n / 64 + 1, sizeof *g->want)))
				return CL_ENOMEM;
			p->ng++;
			if (pass == 0) {
				p->gi[f] = (int)(p->ng - 1);
				for (size_t i = 0; i < rq->nfilters[f]; i++) {
					const char *v = rq->filters[f][i];
					long c = v ? fdict_find(d, v, strlen(v)) : -1;
					if (c >= 0)
						g->want[c / 64] |= 1ull << (c % 64);
				}
			} else {
				for (size_t c = 0; c < d->n; c++)
					if (in_range(d->val[c], rq))
						g->want[c / 64] |= 1ull << (c % 64);
			}
		}
	}
	return CL_OK;
}

static int has_want(const uint64_t *want, const uint16_t *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (want[c[i] / 64] >> (c[i] % 64) & 1)
			return 1;
	return 0;
}

/* One document on the rows path. */
static void count_row(const struct fcount *fc, struct plan *p, uint32_t doc)
{
	const uint32_t *row = row_of(fc, doc);
	int failed = -1;
	uint16_t one;
	size_t n;
	const uint16_t *c;

	for (size_t i = 0; i < p->ng; i++) {
		const struct group *g = &p->g[i];
		c = cell_codes(fc, row[g->f], &one, &n);
		if (has_want(g->want, c, n))
			continue;
		if (g->range || failed >= 0)
			return; /* the range, or a second group: counts nowhere */
		failed = g->f;
	}
	if (failed >= 0) {
		if (p->cnt[failed]) {
			c = cell_codes(fc, row[failed], &one, &n);
			for (size_t k = 0; k < n; k++)
				p->cnt[failed][c[k]]++;
		}
		return;
	}
	p->total++;
	for (int f = 0; f < EF_COUNT; f++) {
		if (!p->cnt[f])
			continue;
		c = cell_codes(fc, row[f], &one, &n);
		for (size_t k = 0; k < n; k++)
			p->cnt[f][c[k]]++;
	}
}

struct iter_ud {
	const struct fcount *fc;
	struct plan *p;
};

static bool iter_row(uint32_t doc, void *ud)
{
	struct iter_ud *u = ud;
	count_row(u->fc, u->p, doc);
	return true;
}

static int count_rows(const struct fcount *fc, const uint32_t *docs, size_t n, struct plan *p)
{
	if (!docs) {
		struct iter_ud u = {fc, p};
		roaring_iterate(fc->live, iter_row, &u);
		return CL_OK;
	}
	/* a document named twice counts once: the rows path remembers which
	 * it has seen only when the input is not strictly ascending */
	int sorted = 1;
	for (size_t i = 1; i < n && sorted; i++)
		sorted = docs[i] > docs[i - 1];
	if (sorted) {
		for (size_t i = 0; i < n; i++)
			if (row_of(fc, docs[i]) && roaring_bitmap_contains(fc->live, docs[i]))
				count_row(fc, p, docs[i]);
		return CL_OK;
	}
	roaring_bitmap_t *m = roaring_bitmap_of_ptr(n, docs);
	if (!m)
		return CL_ENOMEM;
	roaring_bitmap_and_inplace(m, fc->live);
	struct iter_ud u = {fc, p};
	roaring_iterate(m, iter_row, &u);
	roaring_bitmap_free(m);
	return CL_OK;
}

/* The union of the bitmaps of group g's codes. */
static roaring_bitmap_t *group_union(const struct fcount *fc, const struct group *g)
{
	const struct fdict *d = &fc->d[g->f];
	const roaring_bitmap_t **v = malloc((d->n + 1) * sizeof *v);
	size_t k = 0;
	roaring_bitmap_t *u;

	if (!v)
		return NULL;
	for (size_t c = 0; c < d->n; c++)
		if (g->want[c / 64] >> (c % 64) & 1)
			v[k++] = d->bm[c];
	u = k ? roaring_bitmap_or_many(k, v) : roaring_bitmap_create();
	free(v);
	return u;
}

static void add_card(const struct fcount *fc, struct plan *p, int f, const roaring_bitmap_t *s)
{
	const struct fdict *d = &fc->d[f];
	for (size_t c = 0; c < d->n; c++)
		p->cnt[f][c] = (uint32_t)roaring_bitmap_and_cardinality(s, d->bm[c]);
}

static int count_bitmaps(const struct fcount *fc, const uint32_t *docs, size_t n, struct plan *p)
{
	roaring_bitmap_t *m = NULL, *t = NULL, *u[EF_COUNT + 1] = {0};
	int rc = CL_ENOMEM;

	m = docs ? roaring_bitmap_of_ptr(n, docs) : roaring_bitmap_copy(fc->live);
	if (!m)
		goto out;
	if (docs)
		roaring_bitmap_and_inplace(m, fc->live);
	for (size_t i = 0; i < p->ng; i++) {
		if (!(u[i] = group_union(fc, &p->g[i])))
			goto out;
		if (p->g[i].range) /* never left out: part of the match set */
			roaring_bitmap_and_inplace(m, u[i]);
	}
	if (!(t = roaring_bitmap_copy(m)))
		goto out;
	for (size_t i = 0; i < p->ng; i++)
		if (!p->g[i].range)
			roaring_bitmap_and_inplace(t, u[i]);
	p->total = roaring_bitmap_get_cardinality(t);
	for (int f = 0; f < EF_COUNT; f++) {
		if (!p->cnt[f])
			continue;
		if (p->gi[f] < 0) {
			add_card(fc, p, f, t);
			continue;
		}
		/* disjunctive: the match set under every other group */
		roaring_bitmap_t *s = roaring_bitmap_copy(m);
		if (!s)
			goto out;
		for (size_t i = 0; i < p->ng; i++)
			if (!p->g[i].range && (int)i != p->gi[f])
				roaring_bitmap_and_inplace(s, u[i]);
		add_card(fc, p, f, s);
		roaring_bitmap_free(s);
	}
	rc = CL_OK;
out:
	for (size_t i = 0; i < p->ng; i++)
		if (u[i])
			roaring_bitmap_free(u[i]);
	if (t)
		roaring_bitmap_free(t);
	if (m)
		roaring_bitmap_free(m);
	return rc;
}

int fcount_count(struct fcount *fc, const uint32_t *docs, size_t n,
		 const struct search_request *rq, unsigned facets, enum fcount_path path,
		 long *total, struct search_result *res, struct cl_errbuf *eb)
{
	struct plan p;
	int rc;

	*total = 0;
	if ((rc = plan_init(fc, rq, facets, &p)) == CL_OK) {
		uint64_t live = fcount_ndocs(fc), m = docs ? n : live;
		if (path == FCOUNT_AUTO)
			path = (double)m <= FCOUNT_ROWS_MAX_FRACTION * (double)live ? FCOUNT_ROWS
										   : FCOUNT_BITMAPS;
		rc = path == FCOUNT_ROWS ? count_rows(fc, docs, n, &p) : count_bitmaps(fc, docs, n, &p);
	}
	for (int f = 0; rc == CL_OK && f < EF_COUNT; f++) {
		const struct fdict *d = &fc->d[f];
		for (size_t c = 0; p.cnt[f] && c < d->n && rc == CL_OK; c++)
			if (p.cnt[f][c] && engine_facet_add(&res->facets[f], d->val[c], d->len[c],
							    (long)p.cnt[f][c]) != CL_OK)
				rc = CL_ENOMEM;
	}
	if (rc == CL_OK)
		*total = (long)p.total;
	plan_release(&p);
	return rc == CL_OK ? CL_OK : cl_fail(eb, rc, "facet counts: out of memory");
}

/* ---- a filter as a test of one document ---------------------------------- */

struct fcount_filter {
	const struct fcount *fc;
	struct plan p;
};

int fcount_filter_new(const struct fcount *fc, const struct search_request *rq,
		      struct fcount_filter **out, struct cl_errbuf *eb)
{
	struct fcount_filter *flt = calloc(1, sizeof *flt);

	*out = NULL;
	if (!flt)
		return cl_fail(eb, CL_ENOMEM, "facet counts: out of memory");
	flt->fc = fc;
	if (plan_init(fc, rq, 0, &flt->p) != CL_OK) {
		fcount_filter_free(flt);
		return cl_fail(eb, CL_ENOMEM, "facet counts: out of memory");
	}
	*out = flt;
	return CL_OK;
}

int fcount_filter_pass(const struct fcount_filter *flt, uint32_t doc)
{
	const struct fcount *fc = flt->fc;
	uint16_t one;
	size_t n;

	const uint32_t *row = row_of(fc, doc);

	if (!row || !roaring_bitmap_contains(fc->live, doc))
		return 0;
	for (size_t i = 0; i < flt->p.ng; i++) {
		const struct group *g = &flt->p.g[i];
		const uint16_t *c = cell_codes(fc, row[g->f],
					       &one, &n);
		if (!has_want(g->want, c, n))
			return 0;
	}
	return 1;
}

void fcount_filter_free(struct fcount_filter *flt)
{
	if (!flt)
		return;
	plan_release(&flt->p);
	free(flt);
}
