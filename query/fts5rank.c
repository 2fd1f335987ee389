/* fts5rank.c — the FTS5 auxiliary function cl_bm25 (fts5rank.h): BM25 as
 * SQLite's fts5_aux.c computes it, with a weight per phrase; the statistics
 * of a query and its parsed weights are kept as the query's auxdata. */
#include "fts5rank.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "fts5tok.h"

#define K1 1.2
#define B 0.75

/* Per query (one MATCH of one statement run): FTS5 frees it with the
 * cursor. */
struct rank_data {
	int nphrase;
	double avgdl; /* tokens per row, all columns */
	double *idf;  /* [nphrase] */
	double *freq; /* [nphrase], the current row's weighted frequencies */
	double *w;    /* [nphrase] phrase weights, parsed from wtext */
	char *wtext;  /* the weights text w comes from; NULL: none given */
	int wparsed;  /* 1: w matches wtext */
};

static void rank_data_free(void *p)
{
	struct rank_data *d = p;

	if (!d)
		return;
	free(d->wtext);
	free(d);
}

static int count_cb(const Fts5ExtensionApi *api, Fts5Context *fts, void *ud)
{
	(void)api;
	(void)fts;
	(*(sqlite3_int64 *)ud)++;
	return SQLITE_OK;
}

/* The query's data, made on its first row: the average row length and
 * each phrase's IDF, as fts5_aux.c's bm25() computes them. */
static int rank_data_get(const Fts5ExtensionApi *api, Fts5Context *fts, struct rank_data **out)
{
	struct rank_data *d = api->xGetAuxdata(fts, 0);
	sqlite3_int64 nrow = 0, ntok = 0;
	int n, rc;

	*out = d;
	if (d)
		return SQLITE_OK;
	n = api->xPhraseCount(fts);
	if (n < 0)
		n = 0;
	d = calloc(1, sizeof *d + 3 * (size_t)n * sizeof(double));
	if (!d)
		return SQLITE_NOMEM;
	d->nphrase = n;
	d->idf = (double *)(d + 1);
	d->freq = d->idf + n;
	d->w = d->freq + n;
	rc = api->xRowCount(fts, &nrow);
	if (rc == SQLITE_OK)
		rc = api->xColumnTotalSize(fts, -1, &ntok);
	if (rc == SQLITE_OK)
		d->avgdl = nrow > 0 ? (double)ntok / (double)nrow : 0.0;
	for (int i = 0; rc == SQLITE_OK && i < n; i++) {
		sqlite3_int64 hits = 0;
		rc = api->xQueryPhrase(fts, i, &hits, count_cb);
		if (rc == SQLITE_OK) {
			/* negative when the phrase is in more than half the rows:
			 * floored as bm25() does */
			double idf = log(((double)nrow - (double)hits + 0.5) / ((double)hits + 0.5));
			d->idf[i] = idf <= 0.0 ? 1e-6 : idf;
		}
	}
	if (rc != SQLITE_OK) {
		rank_data_free(d);
		return rc;
	}
	/* on failure FTS5 has freed d */
	if ((rc = api->xSetAuxdata(fts, d, rank_data_free)) != SQLITE_OK)
		return rc;
	*out = d;
	return SQLITE_OK;
}

/* One weight of a weights string: s[0..len) must be an optional '-',
 * digits with an optional fraction (at least one digit), an optional
 * exponent. The '-' is read so that "-1" is called negative rather than
 * not a number. */
static int weight_syntax_ok(const char *s, size_t len)
{
	size_t i = 0, digits = 0;

	if (i < len && s[i] == '-')
		i++;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (i < len && s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	if (digits == 0)
		return 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t e = 0;
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			e++;
		if (e == 0)
			return 0;
	}
	return i == len;
}

/* Parses text into d->w (1 for the phrases it gives no number). Returns 0,
 * or -1 with a message in err. */
static int weights_parse(struct rank_data *d, const char *text, char *err, size_t errsz)
{
	const char *s = text;
	int k = 0;

	for (int i = 0; i < d->nphrase; i++)
		d->w[i] = 1.0;
	if (!text || !*text)
		return 0;
	for (;; k++) {
		size_t len = strcspn(s, " ");
		char num[64];
		double v;

		if (len == 0 || len >= sizeof num || !weight_syntax_ok(s, len)) {
			if (len == 0)
				snprintf(err, errsz,
					 "%s: phrase weights must be numbers separated by single"
					 " spaces: '%.40s'", FTS5RANK_NAME, text);
			else
				snprintf(err, errsz, "%s: phrase weight %d '%.*s' is not a decimal"
					 " number", FTS5RANK_NAME, k + 1, len > 40 ? 40 : (int)len, s);
			return -1;
		}
		memcpy(num, s, len);
		num[len] = '\0';
		v = strtod(num, NULL);
		if (!(v >= 0.0) || v > FTS5RANK_WEIGHT_MAX) {
			snprintf(err, errsz, "%s: phrase weight %d '%s' is %s", FTS5RANK_NAME, k + 1,
				 num, v < 0.0 ? "negative" : "above 100");
			return -1;
		}
		if (k < d->nphrase)
			d->w[k] = v;
		s += len;
		if (!*s)
			break;
		s++; /* the space; an empty number after it is refused above */
	}
	return 0;
}

/* d->w for this row's weights argument: parsed once per query unless the
 * text changes (two cl_bm25 calls with other weights in one statement
 * share the auxdata). */
static int weights_get(struct rank_data *d, sqlite3_value *arg, char *err, size_t errsz)
{
	const char *text = arg ? (const char *)sqlite3_value_text(arg) : NULL;

	if (d->wparsed && (text ? d->wtext && strcmp(text, d->wtext) == 0 : !d->wtext))
		return 0;
	d->wparsed = 0;
	free(d->wtext);
	d->wtext = NULL;
	if (weights_parse(d, text, err, errsz) != 0)
		return -1;
	if (text && !(d->wtext = strdup(text))) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	d->wparsed = 1;
	return 0;
}

static void cl_bm25(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
		    int nval, sqlite3_value **val)
{
	struct rank_data *d;
	char err[160];
	double score = 0.0, dl;
	int ninst = 0, ntok = 0, rc;

	if ((rc = rank_data_get(api, fts, &d)) != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	if (weights_get(d, nval > 0 ? val[0] : NULL, err, sizeof err) != 0) {
		sqlite3_result_error(ctx, err, -1);
		return;
	}
	memset(d->freq, 0, (size_t)d->nphrase * sizeof *d->freq);
	rc = api->xInstCount(fts, &ninst);
	for (int i = 0; rc == SQLITE_OK && i < ninst; i++) {
		int phrase, col, off;
		rc = api->xInst(fts, i, &phrase, &col, &off);
		if (rc == SQLITE_OK && phrase >= 0 && phrase < d->nphrase)
			d->freq[phrase] += nval > col + 1 ? sqlite3_value_double(val[col + 1]) : 1.0;
	}
	if (rc == SQLITE_OK)
		rc = api->xColumnSize(fts, -1, &ntok);
	if (rc != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	dl = (double)ntok;
	/* bm25()'s expression, term for term, so that weights 1 give its
	 * value to the bit */
	for (int i = 0; i < d->nphrase; i++)
		score += d->w[i] * (d->idf[i] * ((d->freq[i] * (K1 + 1.0)) /
						 (d->freq[i] + K1 * (1 - B + B * dl / d->avgdl))));
	sqlite3_result_double(ctx, -1.0 * score);
}

int fts5rank_register(sqlite3 *db, struct cl_errbuf *eb)
{
	fts5_api *api;
	int rc;

	if ((rc = fts5tok_api(db, "fts5 rank", &api, eb)) != CL_OK)
		return rc;
	if (api->xCreateFunction(api, FTS5RANK_NAME, NULL, cl_bm25, NULL) != SQLITE_OK)
		return cl_fail(eb, CL_EDB, "fts5 rank: cannot register %s: %s", FTS5RANK_NAME,
			       sqlite3_errmsg(db));
	return CL_OK;
}
