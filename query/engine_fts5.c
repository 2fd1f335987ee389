/* engine_fts5.c — the SQLite FTS5 engine (engine_impl.h): the index lives
 * in the store's own database file next to the cases, as fts_* tables,
 * tokenized by our "caselib" tokenizer (fts5tok.h); facet filters and
 * exact facet counts run on in-memory chunked bitsets loaded from the
 * facet value codes of the fts_docs rows and kept current by the commits'
 * change sets. docs/engine-fts5.md explains the layout and each rule. */
#include "engine_impl.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bset.h"
#include "dbuf.h"
#include "fcount.h"
#include "fcstore.h"
#include "fts5rank.h"
#include "fts5tok.h"
#include "meta_keys.h"
#include "sqlerr.h"
#include "store.h"
#include "synonyms.h"
#include "textan.h"

/* The tokenizer arguments of fts_cases. "auto": each column value is
 * stemmed as Swedish or English by its own stopwords, and a query word
 * gives both languages' stems as alternatives at one position. (-D may
 * override it, for the size comparisons in docs/engine-fts5.md.) */
#ifndef FTS_TOKENIZE
#define FTS_TOKENIZE "caselib auto decompound"
#endif
/* The score (fts5rank.h: bm25() with a weight per phrase, bound: struct
 * pass's phrase_weights) and the column weights: title (bound: 1 + the
 * ranking parameter title_weight, docs/ranking.md), summary, body, buyer.
 * TITLE_W_SIMILAR is the title weight of similar() (not a ranking
 * parameter). */
#define FTS_BM25(phrase_w, title) "cl_bm25(fts_cases, " phrase_w ", " title ", 4.0, 1.0, 2.0)"
#define TITLE_W_SIMILAR 10.0

/* Bump FTS_LAYOUT_VERSION when a table changes: a writable open then drops
 * the old fts_* tables and starts again from seq 0 (the next sync replays
 * the whole change log). The facet names are part of the layout because
 * fts_fvals stores facets by their enum number. Layout 2 (December 2026):
 * a case's facet values are codes in its fts_docs row (fts_fvals names
 * them), no longer one fts_facets row each. */
#define FTS_LAYOUT_VERSION "fts5-layout-2"

#define SIMILAR_TERMS 20      /* distinctive terms of a similar() query */
#define SIMILAR_TEXT_MAX 32768 /* bytes of a case's text analysed for similar() */
#define SIMILAR_TOKENS_MAX 8000
#define EXPR_MAX (256 * 1024) /* bytes of one MATCH expression */

/* Change sets (readers' sets and counting layer kept current, as the
 * Xapian engine's): fts_meta key FC_DELTA_KEY + (gen mod FC_DELTAS)
 * holds the set of the commit made on top of gen. */
#define FC_DELTA_KEY "fc_delta."
#define FC_DELTAS META_FC_DELTAS /* as many as the Xapian engine keeps */

/* --- prepared statements ------------------------------------------------ */

#define FTS_STMT_MAP(XX)                                                                      \
	XX(META_GET, "SELECT value FROM fts_meta WHERE key = ?1")                             \
	XX(META_SET, "INSERT INTO fts_meta(key, value) VALUES(?1, ?2)"                        \
		     " ON CONFLICT(key) DO UPDATE SET value = excluded.value")                \
	XX(DOC_BY_ID, "SELECT rid, title, summary, body, buyer FROM fts_docs WHERE id = ?1")  \
	XX(DOC_BY_RID, "SELECT id, title, summary, body FROM fts_docs WHERE rid = ?1")        \
	XX(DOC_INSERT, "INSERT INTO fts_docs(id, published, dkey, akey, year, title,"         \
		       " summary, body, buyer, facets)"                                       \
		       " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING rid")      \
	XX(DOC_UPDATE, "UPDATE fts_docs SET published = ?2, dkey = ?3, akey = ?4, year = ?5," \
		       " title = ?6, summary = ?7, body = ?8, buyer = ?9, facets = ?10"       \
		       " WHERE rid = ?1")                                                     \
	XX(DOC_DELETE, "DELETE FROM fts_docs WHERE rid = ?1")                                 \
	XX(DOC_COUNT, "SELECT count(*) FROM fts_docs")                                        \
	XX(DOC_IDS, "SELECT id FROM fts_docs")                                                \
	XX(DOC_FACETS, "SELECT rid, facets FROM fts_docs")                                    \
	XX(DOC_FACETS_BY_RID, "SELECT facets FROM fts_docs WHERE rid = ?1")                   \
	XX(FTS_INSERT, "INSERT INTO fts_cases(rowid, title, summary, body, buyer)"            \
		       " VALUES(?1, ?2, ?3, ?4, ?5)")                                         \
	XX(FTS_DELETE, "INSERT INTO fts_cases(fts_cases, rowid, title, summary, body, buyer)" \
		       " VALUES('delete', ?1, ?2, ?3, ?4, ?5)")                               \
	XX(FTS_DELETE_ALL, "INSERT INTO fts_cases(fts_cases) VALUES('delete-all')")           \
	XX(FTS_REBUILD, "INSERT INTO fts_cases(fts_cases) VALUES('rebuild')")                 \
	XX(FVAL_GET, "SELECT code FROM fts_fvals WHERE facet = ?1 AND value = ?2")            \
	XX(FVAL_ADD, "INSERT INTO fts_fvals(facet, value) VALUES(?1, ?2) RETURNING code")     \
	XX(FVAL_ALL, "SELECT code, facet, value FROM fts_fvals")                              \
	XX(WORD_ADD, "INSERT INTO fts_words(word, nchars, ndocs) VALUES(?1, ?2, 1)"           \
		     " ON CONFLICT(word) DO UPDATE SET ndocs = ndocs + 1")                    \
	XX(WORD_PUT, "INSERT INTO fts_words(word, nchars, ndocs) VALUES(?1, ?2, ?3)")        \
	XX(FTS_OPTIMIZE, "INSERT INTO fts_cases(fts_cases) VALUES('optimize')")               \
	XX(WORD_SUB, "UPDATE fts_words SET ndocs = ndocs - 1 WHERE word = ?1")                \
	XX(WORD_GC, "DELETE FROM fts_words WHERE word = ?1 AND ndocs <= 0")                   \
	XX(WORD_NEAR, "SELECT word, ndocs FROM fts_words WHERE nchars BETWEEN ?1 AND ?2"      \
		      " AND ndocs > 0")                                                       \
	XX(CLEAR_DOCS, "DELETE FROM fts_docs")                                                \
	XX(CLEAR_FVALS, "DELETE FROM fts_fvals")                                              \
	XX(CLEAR_WORDS, "DELETE FROM fts_words")                                              \
	XX(MATCH_RIDS, "SELECT rowid FROM fts_cases WHERE fts_cases MATCH ?1")                \
	XX(MATCH_SCORED, "SELECT rowid, " FTS_BM25("?3", "?2") " FROM fts_cases WHERE fts_cases MATCH ?1") \
	XX(MATCH_COUNT, "SELECT count(*) FROM fts_cases WHERE fts_cases MATCH ?1")            \
	XX(HIT_SCORE, "SELECT " FTS_BM25("?4", "?3") " FROM fts_cases"                        \
		      " WHERE fts_cases MATCH ?1 AND rowid = ?2")                             \
	XX(PAGE_ID, "SELECT rid FROM fts_docs WHERE fts_in_set(rid, ?1)"                      \
		    " ORDER BY id LIMIT ?2 OFFSET ?3")                                        \
	XX(PAGE_DDESC, "SELECT rid FROM fts_docs WHERE fts_in_set(rid, ?1)"                   \
		       " ORDER BY dkey DESC, id LIMIT ?2 OFFSET ?3")                          \
	XX(PAGE_DASC, "SELECT rid FROM fts_docs WHERE fts_in_set(rid, ?1)"                    \
		      " ORDER BY akey, id LIMIT ?2 OFFSET ?3")                                \
	XX(VOCAB_DF, "SELECT doc FROM temp.fts_vocab WHERE term = ?1")                        \
	XX(BEGIN, "BEGIN IMMEDIATE")                                                          \
	XX(COMMIT, "COMMIT")                                                                  \
	XX(ROLLBACK, "ROLLBACK")

enum fts_stmt {
#define FTS_XX(id, sql) FS_##id,
	FTS_STMT_MAP(FTS_XX)
#undef FTS_XX
	FS_COUNT
};

static const char *const stmt_sql[FS_COUNT] = {
#define FTS_XX(id, sql) sql,
	FTS_STMT_MAP(FTS_XX)
#undef FTS_XX
};

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS fts_meta(key TEXT PRIMARY KEY, value);\n"
	"CREATE TABLE IF NOT EXISTS fts_docs(\n"
	"  rid INTEGER PRIMARY KEY,\n"
	"  id TEXT NOT NULL UNIQUE,\n"
	"  published TEXT,\n"
	"  dkey INTEGER NOT NULL,\n" /* YYYYMMDD, 0 when undated: date desc */
	"  akey INTEGER NOT NULL,\n" /* YYYYMMDD, 99999999 when undated: date asc */
	"  year INTEGER NOT NULL,\n"
	"  title TEXT NOT NULL, summary TEXT NOT NULL, body TEXT NOT NULL, buyer TEXT NOT NULL,\n"
	"  facets BLOB NOT NULL);\n"
	"CREATE INDEX IF NOT EXISTS fts_docs_ddesc ON fts_docs(dkey DESC, id);\n"
	"CREATE INDEX IF NOT EXISTS fts_docs_dasc ON fts_docs(akey, id);\n"
	"CREATE VIRTUAL TABLE IF NOT EXISTS fts_cases USING fts5(title, summary, body, buyer,\n"
	"  content = 'fts_docs', content_rowid = 'rid', tokenize = '" FTS_TOKENIZE "');\n"
	"CREATE TABLE IF NOT EXISTS fts_fvals(code INTEGER PRIMARY KEY, facet INTEGER NOT NULL,\n"
	"  value TEXT NOT NULL, UNIQUE(facet, value));\n"
	"CREATE TABLE IF NOT EXISTS fts_words(word TEXT PRIMARY KEY, nchars INTEGER NOT NULL,\n"
	"  ndocs INTEGER NOT NULL) WITHOUT ROWID;\n"
	"CREATE INDEX IF NOT EXISTS fts_words_len ON fts_words(nchars);\n";

static const char drop_sql[] = "DROP TABLE IF EXISTS fts_cases;\n"
			       "DROP TABLE IF EXISTS fts_docs;\n"
			       "DROP TABLE IF EXISTS fts_facets;\n" /* layout 1 */
			       "DROP TABLE IF EXISTS fts_fvals;\n"
			       "DROP TABLE IF EXISTS fts_words;\n"
			       "DROP TABLE IF EXISTS fts_meta;\n";

/* --- the handle ----------------------------------------------------------- */

/* One facet value and the set of rids that have it. */
struct fval {
	char *value;
	struct bset *bm;
};

struct fvals {
	struct fval *v;
	size_t n, cap;
};

struct fts {
	sqlite3 *db; /* the store's connection, borrowed */
	int writable;
	int in_tx; /* our BEGIN IMMEDIATE is open */
	sqlite3_stmt *st[FS_COUNT];
	struct ta *ta_q; /* "auto": query clauses, document terms for similar() */
	struct ta *ta_w; /* "none": folded words for the suggestion table */
	/* The set cache: valid when cache_ok and fts_meta.gen == cache_gen. */
	int cache_ok;
	int64_t cache_gen;
	struct bset *all;
	struct fvals fc[EF_COUNT];
	/* A bulk build (engine_bulk_begin) until the commit: the index was
	 * cleared in this transaction, so puts need no look-up of an older
	 * row, and the word list is counted here and written once. */
	int bulk;
	struct wcount {
		char **w;
		long *n;
		size_t cap, used;
	} wc;
	/* The counting layer (fcount.h): valid when fcl_ok, fts_meta.gen ==
	 * fcl_gen and the handle made no change since (engine gen ==
	 * fcl_egen); brought up to date by the change sets (below) or
	 * rebuilt from fts_docs otherwise. */
	struct fcount *fcl;
	int fcl_ok;
	int64_t fcl_gen;
	unsigned long fcl_egen;
	/* The change set of the open transaction: "p <rid>" / "d <rid>"
	 * lines (query/fcstore.h), or all (a clear, a bulk build, more than
	 * FCS_CHANGES_MAX changes). */
	struct fcs_changes touched;
};

/* --- small helpers --------------------------------------------------------- */

/* s[0..n) as an FTS5 string: in double quotes, quotes doubled. */
static void sb_fts_string(struct dbuf *b, const char *s, size_t n)
{
	size_t i, from = 0;

	dbuf_add(b, "\"", 1);
	for (i = 0; i < n; i++)
		if (s[i] == '"') {
			dbuf_add(b, s + from, i + 1 - from);
			dbuf_add(b, "\"", 1);
			from = i + 1;
		}
	dbuf_add(b, s + from, n - from);
	dbuf_add(b, "\"", 1);
}

static int db_fail(struct fts *f, struct cl_errbuf *eb, int src, const char *what)
{
	char w[128];

	snprintf(w, sizeof w, "fts5: %s", what);
	return sqlerr_fail(f->db, src, eb, w);
}

/* The prepared statement id, reset and with its bindings cleared. */
static int stmt(struct fts *f, enum fts_stmt id, sqlite3_stmt **out, struct cl_errbuf *eb)
{
	int rc;

	*out = NULL;
	if (!f->st[id]) {
		rc = sqlite3_prepare_v3(f->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
					&f->st[id], NULL);
		if (rc != SQLITE_OK)
			return db_fail(f, eb, rc, "prepare");
	}
	sqlite3_reset(f->st[id]);
	sqlite3_clear_bindings(f->st[id]);
	*out = f->st[id];
	return CL_OK;
}

/* Runs a statement that returns no rows (or whose rows are ignored). */
static int run_done(struct fts *f, sqlite3_stmt *st, struct cl_errbuf *eb, const char *what)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		rc = db_fail(f, eb, rc, what);
		sqlite3_reset(st);
		return rc;
	}
	sqlite3_reset(st);
	return CL_OK;
}

static int run_simple(struct fts *f, enum fts_stmt id, struct cl_errbuf *eb, const char *what)
{
	sqlite3_stmt *st;
	int rc = stmt(f, id, &st, eb);

	return rc ? rc : run_done(f, st, eb, what);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

static int meta_get(struct fts *f, const char *key, int64_t *out, char **text,
		    struct cl_errbuf *eb)
{
	sqlite3_stmt *st;
	int rc = stmt(f, FS_META_GET, &st, eb);

	if (out)
		*out = 0;
	if (text)
		*text = NULL;
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (out)
			*out = sqlite3_column_int64(st, 0);
		if (text && !(*text = strdup(col_text(st, 0)))) {
			sqlite3_reset(st);
			return cl_fail(eb, CL_ENOMEM, "out of memory");
		}
		rc = SQLITE_DONE;
	}
	if (rc != SQLITE_DONE)
		rc = db_fail(f, eb, rc, "read fts_meta");
	else
		rc = CL_OK;
	sqlite3_reset(st);
	return rc;
}

static int meta_set(struct fts *f, const char *key, int64_t ival, const char *sval,
		    struct cl_errbuf *eb)
{
	sqlite3_stmt *st;
	int rc = stmt(f, FS_META_SET, &st, eb);

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sval)
		sqlite3_bind_text(st, 2, sval, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 2, ival);
	return run_done(f, st, eb, "write fts_meta");
}

/* Number of code points of UTF-8 s[0..n). */
static size_t cp_count(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

/* --- the set cache --------------------------------------------------------- */

static void fvals_release(struct fvals *fv)
{
	for (size_t i = 0; i < fv->n; i++) {
		free(fv->v[i].value);
		bs_free(fv->v[i].bm);
	}
	free(fv->v);
	memset(fv, 0, sizeof *fv);
}

static void cache_drop(struct fts *f)
{
	for (int i = 0; i < EF_COUNT; i++)
		fvals_release(&f->fc[i]);
	bs_free(f->all);
	f->all = NULL;
	f->cache_ok = 0;
}

static struct fval *fval_find(struct fvals *fv, const char *value)
{
	for (size_t i = 0; i < fv->n; i++)
		if (!strcmp(fv->v[i].value, value))
			return &fv->v[i];
	return NULL;
}

static struct fval *fval_get(struct fvals *fv, const char *value)
{
	struct fval *v = fval_find(fv, value);

	if (v)
		return v;
	if (fv->n == fv->cap) {
		size_t cap = fv->cap ? fv->cap * 2 : 16;
		struct fval *nv = realloc(fv->v, cap * sizeof *nv);
		if (!nv)
			return NULL;
		fv->v = nv;
		fv->cap = cap;
	}
	v = &fv->v[fv->n];
	v->value = strdup(value);
	v->bm = bs_new();
	if (!v->value || !v->bm) {
		free(v->value);
		bs_free(v->bm);
		return NULL;
	}
	fv->n++;
	return v;
}

static int rid_ok(sqlite3_int64 rid)
{
	return rid >= 0 && rid <= (sqlite3_int64)UINT32_MAX;
}

static int cache_empty(struct fts *f, struct cl_errbuf *eb)
{
	cache_drop(f);
	f->all = bs_new();
	if (!f->all)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	return CL_OK;
}

/* The end of a loading loop over st that stopped with rc: SQLITE_DONE is
 * CL_OK; SQLITE_ROW means the loop broke off because memory ran out. */
static int load_end(struct fts *f, sqlite3_stmt *st, int rc, struct cl_errbuf *eb,
		    const char *what)
{
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	return rc == SQLITE_DONE ? CL_OK : db_fail(f, eb, rc, what);
}

/* A case's facet values in (rid, facet) order, grouped into one
 * fcount_put per document and facet. */
struct fcl_feed {
	struct fcount *fc;
	sqlite3_int64 rid;
	int f;
	size_t n;
	const char *v[CASE_LIST_MAX];
	size_t len[CASE_LIST_MAX];
	char buf[CASE_LIST_MAX][FACET_VALUE_MAX + 1];
	char *big[CASE_LIST_MAX]; /* a value longer than buf: its copy */
};

static int feed_flush(struct fcl_feed *fd, struct cl_errbuf *eb)
{
	int rc = CL_OK;

	if (fd->n)
		rc = fcount_put(fd->fc, (uint32_t)fd->rid, fd->f, fd->v, fd->len, fd->n, eb);
	for (size_t i = 0; i < fd->n; i++) {
		free(fd->big[i]);
		fd->big[i] = NULL;
	}
	fd->n = 0;
	return rc;
}

static int feed_row(struct fcl_feed *fd, sqlite3_int64 rid, int fa, const char *v,
		    struct cl_errbuf *eb)
{
	int rc;
	size_t len = strlen(v);

	if (fd->n && (rid != fd->rid || fa != fd->f) && (rc = feed_flush(fd, eb)) != CL_OK)
		return rc;
	fd->rid = rid;
	fd->f = fa;
	if (fd->n == CASE_LIST_MAX)
		return CL_OK;
	if (len < sizeof fd->buf[0]) {
		memcpy(fd->buf[fd->n], v, len + 1);
		fd->v[fd->n] = fd->buf[fd->n];
	} else {
		if (!(fd->big[fd->n] = strdup(v)))
			return cl_fail(eb, CL_ENOMEM, "out of memory");
		fd->v[fd->n] = fd->big[fd->n];
	}
	fd->len[fd->n++] = len;
	return CL_OK;
}

/* --- facet values as codes ------------------------------------------------ */

/* A case's facet values are one blob in its fts_docs row: codes
 * (query/fcstore.h, LEB128), in facet order, each a row (code, facet, value) of fts_fvals.
 * One fts_facets row a value (layout 1) was 158.5 MB of the 487 MB index
 * at 1m (docs/engine-fts5.md). */
#define FV_BLOB_MAX (EF_COUNT * CASE_LIST_MAX * FCS_CODE_BYTES)

/* The code of (facet fa, value v), added to fts_fvals when new. */
static int fv_code(struct fts *f, int fa, const char *v, uint32_t *code, struct cl_errbuf *eb)
{
	sqlite3_stmt *st;
	sqlite3_int64 c = -1;
	int rc;

	for (int add = 0; add < 2 && c < 0; add++) {
		if ((rc = stmt(f, add ? FS_FVAL_ADD : FS_FVAL_GET, &st, eb)) != CL_OK)
			return rc;
		sqlite3_bind_int(st, 1, fa);
		sqlite3_bind_text(st, 2, v, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			c = sqlite3_column_int64(st, 0);
			rc = SQLITE_DONE;
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return db_fail(f, eb, rc, "write a facet value");
	}
	if (c < 0 || c > (sqlite3_int64)UINT32_MAX)
		return cl_fail(eb, CL_ECORRUPT, "fts5: facet value code %lld out of range",
			       (long long)c);
	*code = (uint32_t)c;
	return CL_OK;
}

/* The facet-value blob of a case's values fvs (one per facet) into blob
 * (FV_BLOB_MAX bytes), *len its size; a value repeated within a facet is
 * stored once. */
static int fv_blob(struct fts *f, const struct facet_values fvs[EF_COUNT], unsigned char *blob,
		   size_t *len, struct cl_errbuf *eb)
{
	size_t n = 0;
	int rc;

	for (int fa = 0; fa < EF_COUNT; fa++) {
		const struct facet_values *fv = &fvs[fa];
		for (size_t i = 0; i < fv->n && i < CASE_LIST_MAX; i++) {
			uint32_t code = 0;
			int seen = 0;
			for (size_t k = 0; k < i && !seen; k++)
				seen = !strcmp(fv->v[k], fv->v[i]);
			if (seen)
				continue;
			if ((rc = fv_code(f, fa, fv->v[i], &code, eb)) != CL_OK)
				return rc;
			n += fcs_code_put(blob + n, code);
		}
	}
	*len = n;
	return CL_OK;
}

/* fts_fvals in memory while the sets load: code -> facet, value, and the
 * set of that value once looked up. */
struct fv_name {
	int facet; /* -1: no such code */
	char *value;
	size_t set; /* 1 + its index in f->fc[facet] (the array grows), 0: not yet */
};

struct fv_names {
	struct fv_name *v;
	size_t n; /* entries (codes 0..n-1), as dbuf_grow's capacity */
};

static void fv_names_release(struct fv_names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->v[i].value);
	free(nm->v);
	memset(nm, 0, sizeof *nm);
}

static int fv_names_load(struct fts *f, struct fv_names *nm, struct cl_errbuf *eb)
{
	sqlite3_stmt *st;
	int rc;

	memset(nm, 0, sizeof *nm);
	if ((rc = stmt(f, FS_FVAL_ALL, &st, eb)) != CL_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 code = sqlite3_column_int64(st, 0);
		int fa = sqlite3_column_int(st, 1);
		if (code < 0 || code >= (sqlite3_int64)UINT32_MAX || fa < 0 || fa >= EF_COUNT)
			continue; /* not ours: a blob naming it is reported */
		if ((size_t)code >= nm->n) {
			size_t had = nm->n;
			if (dbuf_grow(&nm->v, &nm->n, (size_t)code + 1, sizeof *nm->v) != CL_OK)
				break;
			for (size_t i = had; i < nm->n; i++)
				nm->v[i] = (struct fv_name){-1, NULL, 0};
		}
		free(nm->v[code].value);
		if (!(nm->v[code].value = strdup(col_text(st, 2))))
			break;
		nm->v[code].facet = fa;
	}
	if ((rc = load_end(f, st, rc, eb, "load facet values")) != CL_OK)
		fv_names_release(nm);
	return rc;
}

/* Case row rid's facet values, blob[0..len), into the sets (sets: f->all
 * and each value's set) and the counting layer (fd). CL_ECORRUPT for a
 * code fts_fvals (nm) lacks, or a cut-off one; CL_ENOMEM. */
static int row_values(struct fts *f, struct fv_names *nm, uint32_t rid, const unsigned char *blob,
		      size_t len, int sets, struct fcl_feed *fd, struct cl_errbuf *eb)
{
	size_t pos = 0;
	uint32_t code;

	if ((sets && bs_add(f->all, rid) != CL_OK) || (fd && fcount_live(fd->fc, rid, NULL) != CL_OK))
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	while (pos < len) {
		struct fv_name *n;
		if (!fcs_code_get(blob, len, &pos, &code) || code >= nm->n ||
		    (n = &nm->v[code])->facet < 0)
			return cl_fail(eb, CL_ECORRUPT,
				       "fts5: case row %u names a facet value the index does not "
				       "have; run caselib reindex --engine fts5",
				       rid);
		if (sets && !n->set) {
			struct fval *v = fval_get(&f->fc[n->facet], n->value);
			if (!v)
				return cl_fail(eb, CL_ENOMEM, "out of memory");
			n->set = 1 + (size_t)(v - f->fc[n->facet].v);
		}
		if ((sets && bs_add(f->fc[n->facet].v[n->set - 1].bm, rid) != CL_OK) ||
		    (fd && feed_row(fd, rid, n->facet, n->value, eb) != CL_OK))
			return cl_fail(eb, CL_ENOMEM, "out of memory");
	}
	return CL_OK;
}

/* One scan of fts_docs: with sets, every case into f->all and the sets of
 * its values (the cache); with fd, into the counting layer. A blob naming
 * a code fts_fvals lacks, or cut off, is a corrupt index (CL_ECORRUPT). */
static int scan_docs(struct fts *f, int sets, struct fcl_feed *fd, struct cl_errbuf *eb)
{
	struct fv_names nm;
	sqlite3_stmt *st;
	int rc, stop = CL_OK;

	if ((rc = fv_names_load(f, &nm, eb)) != CL_OK)
		return rc;
	if ((rc = stmt(f, FS_DOC_FACETS, &st, eb)) != CL_OK)
		goto out;
	while (stop == CL_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 rid = sqlite3_column_int64(st, 0);
		if (rid_ok(rid))
			stop = row_values(f, &nm, (uint32_t)rid, sqlite3_column_blob(st, 1),
					  (size_t)sqlite3_column_bytes(st, 1), sets, fd, eb);
	}
	if (stop != CL_OK) {
		sqlite3_reset(st);
		rc = stop;
		goto out;
	}
	rc = load_end(f, st, rc, eb, "load cases");
out:
	fv_names_release(&nm);
	return rc;
}

/* Loads the sets from fts_docs and fts_fvals as of gen; with fd, the
 * same scan feeds the counting layer (fcl_sync). */
static int cache_load(struct fts *f, int64_t gen, struct fcl_feed *fd, struct cl_errbuf *eb)
{
	int rc;

	if ((rc = cache_empty(f, eb)) != CL_OK)
		return rc;
	if ((rc = scan_docs(f, 1, fd, eb)) != CL_OK)
		goto out;
	if (fd && (rc = feed_flush(fd, eb)) != CL_OK)
		goto out;
	f->cache_ok = 1;
	f->cache_gen = gen;
out:
	if (rc != CL_OK)
		cache_drop(f);
	return rc;
}

/* --- change sets ------------------------------------------------------------ */

static void cache_remove(struct fts *f, uint32_t rid);

/* Notes a change of the open transaction for the commit's change set (a
 * bulk build's: all, it began with a clear). */
static void touch(struct fts *f, char kind, sqlite3_int64 rid)
{
	char num[24];

	if (f->bulk)
		f->touched.all = 1;
	snprintf(num, sizeof num, "%lld", (long long)rid);
	fcs_note(&f->touched, kind, num);
}

/* In the commit made on top of gen: its change set. */
static int delta_write(struct fts *f, int64_t gen, struct cl_errbuf *eb)
{
	char key[48];
	struct dbuf v;
	int rc;

	snprintf(key, sizeof key, "%s%lld", FC_DELTA_KEY, (long long)(gen % FC_DELTAS));
	dbuf_init(&v, 0);
	fcs_delta_text(&v, (unsigned long long)gen, &f->touched);
	rc = v.err ? cl_fail(eb, v.err, "out of memory") : meta_set(f, key, 0, dbuf_str(&v), eb);
	dbuf_release(&v);
	return rc;
}

/* Reads rid's row again (the index as it is now) into the sets (sets) and
 * the counting layer (fd); a row gone since is nothing (its delete is in
 * a later set). */
static int delta_row(struct fts *f, struct fv_names *nm, uint32_t rid, int sets,
		     struct fcl_feed *fd, struct cl_errbuf *eb)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = stmt(f, FS_DOC_FACETS_BY_RID, &st, eb)) != CL_OK)
		return rc;
	sqlite3_bind_int64(st, 1, rid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rc = row_values(f, nm, rid, sqlite3_column_blob(st, 0),
				(size_t)sqlite3_column_bytes(st, 0), sets, fd, eb);
		sqlite3_reset(st);
		return rc; /* a code newer than the names read too: the caller loads */
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? CL_OK : db_fail(f, eb, rc, "read a case row");
}

/* Applies the change sets of the commits made on top of from, ..., to - 1
 * to the sets (sets) and to the counting layer fcl (may be NULL): each
 * changed row is read again, each deleted one removed. CL_ENOTFOUND when
 * a set is missing, names another gen, says "all" or has a line this code
 * does not know; the caller then loads everything (what it applied so
 * far is to be dropped). */
static int delta_apply(struct fts *f, int64_t from, int64_t to, int sets, struct fcount *fcl,
		       struct cl_errbuf *eb)
{
	struct fv_names nm;
	struct fcl_feed *fd = NULL;
	int rc;

	if ((rc = fv_names_load(f, &nm, eb)) != CL_OK)
		return rc;
	if (fcl && !(fd = calloc(1, sizeof *fd))) {
		fv_names_release(&nm);
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	}
	if (fd)
		fd->fc = fcl;
	for (int64_t g = from; g < to && rc == CL_OK; g++) {
		char key[48], *v = NULL, *line;
		const char *id = NULL;
		uint32_t rid = 0;
		enum fcs_line kind;

		snprintf(key, sizeof key, "%s%lld", FC_DELTA_KEY, (long long)(g % FC_DELTAS));
		if ((rc = meta_get(f, key, NULL, &v, eb)) != CL_OK)
			break;
		if (!(line = fcs_delta_body(v, (unsigned long long)g))) {
			free(v);
			rc = CL_ENOTFOUND;
			break;
		}
		while (rc == CL_OK && (kind = fcs_delta_line(&line, &id, &rid)) != FCS_END) {
			if (kind == FCS_PUT) {
				char *end = NULL;
				long long r = strtoll(id, &end, 10);
				if (*id < '0' || *id > '9' || *end || !rid_ok(r)) {
					rc = CL_ENOTFOUND;
					break;
				}
				rid = (uint32_t)r;
			} else if (kind != FCS_DEL) {
				rc = CL_ENOTFOUND; /* "all", or a form this code does not know */
				break;
			}
			if (fd && (rc = feed_flush(fd, eb)) != CL_OK)
				break;
			if (sets)
				cache_remove(f, rid);
			if (fcl)
				fcount_del(fcl, rid);
			if (kind == FCS_PUT)
				rc = delta_row(f, &nm, rid, sets, fd, eb);
		}
		free(v);
	}
	if (fd) {
		if (rc == CL_OK)
			rc = feed_flush(fd, eb);
		feed_flush(fd, NULL);
		free(fd);
	}
	fv_names_release(&nm);
	return rc;
}

/* A reader (a writable handle keeps its sets itself) that is at most
 * FC_DELTAS commits behind may apply change sets. */
static int delta_ok(const struct fts *f, int64_t from, int64_t to)
{
	return !f->writable && to > from && to - from <= FC_DELTAS;
}

/* Loads the sets unless the cache is current (fts_meta.gen unchanged
 * since it was built). */
static int cache_sync(struct fts *f, struct cl_errbuf *eb)
{
	int64_t gen;
	int rc;

	if ((rc = meta_get(f, FTS_META_GEN, &gen, NULL, eb)) != CL_OK)
		return rc;
	if (f->cache_ok && gen == f->cache_gen)
		return CL_OK;
	if (f->cache_ok && delta_ok(f, f->cache_gen, gen)) {
		struct cl_errbuf quiet = {0};
		if (delta_apply(f, f->cache_gen, gen, 1, NULL, &quiet) == CL_OK) {
			f->cache_gen = gen;
			return CL_OK;
		}
	}
	return cache_load(f, gen, NULL, eb);
}

/* Makes f->fcl the counting layer of the index as this handle sees it:
 * one scan of fts_docs (a case's values of one facet arrive together: the
 * blob is in facet order). */
static int fcl_sync(struct engine *e, struct fts *f, struct cl_errbuf *eb)
{
	struct fcl_feed *fd;
	int64_t gen;
	int rc;

	if ((rc = meta_get(f, FTS_META_GEN, &gen, NULL, eb)) != CL_OK)
		return rc;
	if (f->fcl_ok && gen == f->fcl_gen && e->gen == f->fcl_egen)
		return CL_OK;
	if (f->fcl_ok && e->gen == f->fcl_egen && delta_ok(f, f->fcl_gen, gen)) {
		/* the sets too, when they are of the same gen */
		int sets = f->cache_ok && f->cache_gen == f->fcl_gen;
		struct cl_errbuf quiet = {0};
		if (delta_apply(f, f->fcl_gen, gen, sets, f->fcl, &quiet) == CL_OK) {
			e->fc_deltas += (unsigned long)(gen - f->fcl_gen);
			f->fcl_gen = gen;
			if (sets)
				f->cache_gen = gen;
			return CL_OK;
		}
		if (sets)
			cache_drop(f); /* half applied: loaded again below */
	}
	if (!f->fcl && fcount_new(&f->fcl) != CL_OK)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	if (!(fd = calloc(1, sizeof *fd)))
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	fd->fc = f->fcl;
	f->fcl_ok = 0;
	e->fc_builds++;
	fcount_clear(f->fcl);
	if (!f->cache_ok || gen != f->cache_gen) {
		/* the sets are stale too: one scan builds both */
		rc = cache_load(f, gen, fd, eb);
		goto out;
	}
	if ((rc = scan_docs(f, 0, fd, eb)) == CL_OK)
		rc = feed_flush(fd, eb);
out:
	feed_flush(fd, NULL);
	free(fd);
	if (rc != CL_OK) {
		fcount_clear(f->fcl);
		return rc;
	}
	f->fcl_ok = 1;
	f->fcl_gen = gen;
	f->fcl_egen = e->gen;
	return CL_OK;
}

static void cache_remove(struct fts *f, uint32_t rid)
{
	if (!f->cache_ok)
		return;
	bs_remove(f->all, rid);
	for (int i = 0; i < EF_COUNT; i++)
		for (size_t k = 0; k < f->fc[i].n; k++)
			bs_remove(f->fc[i].v[k].bm, rid);
}

/* --- transactions ------------------------------------------------------------ */

static int tx_ensure(struct fts *f, struct cl_errbuf *eb)
{
	int64_t gen;
	int rc;

	if (f->in_tx)
		return CL_OK;
	if (!f->writable)
		return cl_fail(eb, CL_EINVAL, "fts5: the engine was opened read-only");
	if (!sqlite3_get_autocommit(f->db))
		return cl_fail(eb, CL_EINVAL, "fts5: a store transaction is open; the engine"
					      " writes in its own transaction");
	if ((rc = run_simple(f, FS_BEGIN, eb, "begin")) != CL_OK)
		return rc;
	f->in_tx = 1;
	/* Incremental cache updates are only right on top of what this
	 * transaction sees: drop a cache that another writer made stale. */
	if (f->cache_ok) {
		if ((rc = meta_get(f, FTS_META_GEN, &gen, NULL, eb)) != CL_OK)
			return rc;
		if (gen != f->cache_gen)
			cache_drop(f);
	}
	return CL_OK;
}

static void wc_release(struct wcount *wc);

static void tx_abort(struct fts *f)
{
	if (f->in_tx && !sqlite3_get_autocommit(f->db))
		sqlite3_exec(f->db, "ROLLBACK", NULL, NULL, NULL);
	f->in_tx = 0;
	f->bulk = 0;
	wc_release(&f->wc);
	cache_drop(f);
	fcs_changes_reset(&f->touched);
}

/* --- text analysis helpers ----------------------------------------------------- */

static int count_cb(void *ud, const struct ta_token *tok)
{
	(void)tok;
	(*(size_t *)ud)++;
	return 0;
}

/* Terms the FTS5 query tokenizer gives for s[0..n) (0: a phrase that
 * matches nothing, e.g. only stopwords or punctuation). */
static size_t query_terms(struct fts *f, const char *s, size_t n, int prefix)
{
	size_t k = 0;

	if (ta_tokenize(f->ta_q, s, n, TA_QUERY | (prefix ? TA_PREFIX : 0u), count_cb, &k) !=
	    CL_OK)
		return 0;
	return k;
}

/* A list of strings in one arena (distinct folded words of a document). */
struct words {
	char *buf;
	size_t n, cap;
	size_t *off;
	size_t count, ocap;
	int err;
};

static int words_cb(void *ud, const struct ta_token *tok)
{
	struct words *w = ud;

	if (tok->len < 2 || tok->len > 4 * TA_WORD_MAX_CHARS)
		return 0;
	for (size_t i = 0; i < tok->len; i++)
		if (tok->term[i] >= '0' && tok->term[i] <= '9')
			return 0; /* numbers, codes: not spelling candidates */
	if (w->n + tok->len + 1 > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 4096;
		char *b;
		while (cap < w->n + tok->len + 1)
			cap *= 2;
		if (!(b = realloc(w->buf, cap)))
			return w->err = CL_ENOMEM;
		w->buf = b;
		w->cap = cap;
	}
	if (w->count == w->ocap) {
		size_t cap = w->ocap ? w->ocap * 2 : 256;
		size_t *o = realloc(w->off, cap * sizeof *o);
		if (!o)
			return w->err = CL_ENOMEM;
		w->off = o;
		w->ocap = cap;
	}
	w->off[w->count++] = w->n;
	memcpy(w->buf + w->n, tok->term, tok->len);
	w->n += tok->len;
	w->buf[w->n++] = '\0';
	return 0;
}

static int off_cmp(const void *a, const void *b, void *arena)
{
	const char *base = arena;
	return strcmp(base + *(const size_t *)a, base + *(const size_t *)b);
}

static void words_release(struct words *w)
{
	free(w->buf);
	free(w->off);
	memset(w, 0, sizeof *w);
}

/* The distinct folded words of the texts, sorted. */
static int doc_words(struct fts *f, const char *const *texts, size_t ntexts, struct words *w)
{
	size_t k = 0;
	int rc;

	memset(w, 0, sizeof *w);
	for (size_t i = 0; i < ntexts; i++) {
		rc = ta_tokenize(f->ta_w, texts[i], strlen(texts[i]), TA_NO_EXTRA, words_cb, w);
		if (w->err)
			return w->err;
		if (rc != CL_OK)
			return rc;
	}
	if (w->count > 1) {
		qsort_r(w->off, w->count, sizeof *w->off, off_cmp, w->buf);
		for (size_t i = 0; i < w->count; i++)
			if (k == 0 || strcmp(w->buf + w->off[i], w->buf + w->off[k - 1]))
				w->off[k++] = w->off[i];
		w->count = k;
	}
	return CL_OK;
}

static void wc_release(struct wcount *wc)
{
	for (size_t i = 0; i < wc->cap; i++)
		free(wc->w[i]);
	free(wc->w);
	free(wc->n);
	memset(wc, 0, sizeof *wc);
}

static size_t wc_hash(const char *s)
{
	size_t h = 1469598103934665603u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* One more case has word (an open-addressing table, doubled at half full). */
static int wc_add(struct wcount *wc, const char *word)
{
	size_t i;

	if (2 * (wc->used + 1) > wc->cap) {
		struct wcount g = {0};
		g.cap = wc->cap ? 2 * wc->cap : 65536;
		if (!(g.w = calloc(g.cap, sizeof *g.w)) || !(g.n = calloc(g.cap, sizeof *g.n))) {
			free(g.w);
			return CL_ENOMEM;
		}
		for (size_t k = 0; k < wc->cap; k++) {
			if (!wc->w[k])
				continue;
			for (i = wc_hash(wc->w[k]) & (g.cap - 1); g.w[i]; i = (i + 1) & (g.cap - 1))
				;
			g.w[i] = wc->w[k];
			g.n[i] = wc->n[k];
		}
		g.used = wc->used;
		free(wc->w);
		free(wc->n);
		*wc = g;
	}
	for (i = wc_hash(word) & (wc->cap - 1); wc->w[i]; i = (i + 1) & (wc->cap - 1))
		if (!strcmp(wc->w[i], word)) {
			wc->n[i]++;
			return CL_OK;
		}
	if (!(wc->w[i] = strdup(word)))
		return CL_ENOMEM;
	wc->n[i] = 1;
	wc->used++;
	return CL_OK;
}

/* The counted words into fts_words (the table is empty: a bulk build). */
static int wc_write(struct fts *f, struct cl_errbuf *eb)
{
	sqlite3_stmt *st;
	int rc = CL_OK;

	for (size_t i = 0; i < f->wc.cap && rc == CL_OK; i++) {
		if (!f->wc.w[i])
			continue;
		if ((rc = stmt(f, FS_WORD_PUT, &st, eb)) != CL_OK)
			break;
		sqlite3_bind_text(st, 1, f->wc.w[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)cp_count(f->wc.w[i], strlen(f->wc.w[i])));
		sqlite3_bind_int64(st, 3, f->wc.n[i]);
		rc = run_done(f, st, eb, "write the word list");
	}
	return rc;
}

static int words_update(struct fts *f, const char *const *texts, size_t ntexts, int add,
			struct cl_errbuf *eb)
{
	struct words w;
	sqlite3_stmt *st;
	int rc = doc_words(f, texts, ntexts, &w);

	if (rc != CL_OK) {
		rc = cl_fail(eb, rc, "fts5: cannot analyse the text for the word list");
		goto out;
	}
	for (size_t i = 0; i < w.count; i++) {
		const char *word = w.buf + w.off[i];
		if (add && f->bulk) {
			if (wc_add(&f->wc, word) != CL_OK) {
				rc = cl_fail(eb, CL_ENOMEM, "out of memory");
				goto out;
			}
		} else if (add) {
			if ((rc = stmt(f, FS_WORD_ADD, &st, eb)) != CL_OK)
				goto out;
			sqlite3_bind_text(st, 1, word, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, (sqlite3_int64)cp_count(word, strlen(word)));
			if ((rc = run_done(f, st, eb, "add word")) != CL_OK)
				goto out;
		} else {
			if ((rc = stmt(f, FS_WORD_SUB, &st, eb)) != CL_OK)
				goto out;
			sqlite3_bind_text(st, 1, word, -1, SQLITE_STATIC);
			if ((rc = run_done(f, st, eb, "remove word")) != CL_OK)
				goto out;
			if ((rc = stmt(f, FS_WORD_GC, &st, eb)) != CL_OK)
				goto out;
			sqlite3_bind_text(st, 1, word, -1, SQLITE_STATIC);
			if ((rc = run_done(f, st, eb, "remove word")) != CL_OK)
				goto out;
		}
	}
	rc = CL_OK;
out:
	words_release(&w);
	return rc;
}

/* --- open / close ------------------------------------------------------------- */

/* fts_in_set(rid, set): 1 when rid is in the row-id set passed with
 * sqlite3_bind_pointer (type "caselib_bset"), so that SQLite can walk
 * an ordered index and stop after the page it needs. */
static void fn_in_set(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct bset *bm;
	sqlite3_int64 rid;

	(void)argc;
	bm = sqlite3_value_pointer(argv[1], "caselib_bset");
	rid = sqlite3_value_int64(argv[0]);
	sqlite3_result_int(ctx, bm && rid_ok(rid) && bs_has(bm, (uint32_t)rid));
}

static int layout_string(char *out, size_t outsz)
{
	size_t n = (size_t)snprintf(out, outsz, "%s;%s;", FTS_LAYOUT_VERSION, FTS_TOKENIZE);
	for (int i = 0; i < EF_COUNT && n < outsz; i++)
		n += (size_t)snprintf(out + n, outsz - n, "%s,",
				      engine_facet_name((enum engine_facet)i));
	return n < outsz ? CL_OK : CL_ETOOBIG;
}

/* What the tokenizer's output depends on besides its arguments (rules,
 * stemmer, decompounding dictionary): ta_fingerprint(). A change means the
 * stored postings no longer match what the tokenizer makes now. */
static void analyser_string(char *out, size_t outsz)
{
	if (ta_fingerprint(out, outsz) != CL_OK)
		snprintf(out, outsz, "unknown");
}

static int create_schema(struct fts *f, struct cl_errbuf *eb)
{
	char layout[512], analyser[256], *old = NULL, *olda = NULL;
	int have = 0, rc;
	int64_t ndocs = 0;
	sqlite3_stmt *st = NULL;

	if ((rc = layout_string(layout, sizeof layout)) != CL_OK)
		return cl_fail(eb, rc, "fts5: layout string too long");
	analyser_string(analyser, sizeof analyser);
	if (!sqlite3_get_autocommit(f->db))
		return cl_fail(eb, CL_EINVAL, "fts5: open: a store transaction is open");
	if ((rc = run_simple(f, FS_BEGIN, eb, "open: begin")) != CL_OK)
		return rc;
	rc = sqlite3_prepare_v2(f->db, "SELECT 1 FROM sqlite_schema WHERE name = 'fts_meta'", -1,
				&st, NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		have = 1;
	sqlite3_finalize(st);
	if (rc != SQLITE_OK) {
		rc = db_fail(f, eb, rc, "open: read schema");
		goto out;
	}
	if (have && (rc = meta_get(f, FTS_META_LAYOUT, NULL, &old, eb)) != CL_OK)
		goto out;
	if (have && (!old || strcmp(old, layout))) {
		/* an index of another layout: start again, seq 0 */
		rc = sqlite3_exec(f->db, drop_sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			rc = db_fail(f, eb, rc, "open: drop the old index");
			goto out;
		}
		have = 0;
	}
	/* statements prepared against dropped tables must be prepared again */
	for (int i = 0; i < FS_COUNT; i++) {
		sqlite3_finalize(f->st[i]);
		f->st[i] = NULL;
	}
	rc = sqlite3_exec(f->db, schema_sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = db_fail(f, eb, rc, "open: create tables");
		goto out;
	}
	if (!have) {
		if ((rc = meta_set(f, FTS_META_LAYOUT, 0, layout, eb)) != CL_OK ||
		    (rc = meta_set(f, FTS_META_LAST_SEQ, 0, NULL, eb)) != CL_OK ||
		    (rc = meta_set(f, FTS_META_GEN, 1, NULL, eb)) != CL_OK ||
		    (rc = meta_set(f, FTS_META_ANALYSER, 0, analyser, eb)) != CL_OK)
			goto out;
	} else {
		if ((rc = meta_get(f, FTS_META_ANALYSER, NULL, &olda, eb)) != CL_OK)
			goto out;
		if (!olda || strcmp(olda, analyser)) {
			int64_t gen;
			if ((rc = stmt(f, FS_DOC_COUNT, &st, eb)) != CL_OK)
				goto out;
			if (sqlite3_step(st) == SQLITE_ROW)
				ndocs = sqlite3_column_int64(st, 0);
			sqlite3_reset(st);
			/* the dictionary changed: tokenize every stored text again */
			if (ndocs > 0 && (rc = run_simple(f, FS_FTS_REBUILD, eb, "rebuild")) != CL_OK)
				goto out;
			if ((rc = meta_get(f, FTS_META_GEN, &gen, NULL, eb)) != CL_OK ||
			    (rc = meta_set(f, FTS_META_GEN, gen + 1, NULL, eb)) != CL_OK ||
			    (rc = meta_set(f, FTS_META_ANALYSER, 0, analyser, eb)) != CL_OK)
				goto out;
		}
	}
	rc = run_simple(f, FS_COMMIT, eb, "open: commit");
out:
	if (rc != CL_OK && !sqlite3_get_autocommit(f->db))
		sqlite3_exec(f->db, "ROLLBACK", NULL, NULL, NULL);
	free(old);
	free(olda);
	return rc;
}

static int check_schema(struct fts *f, struct cl_errbuf *eb)
{
	char layout[512], *old = NULL;
	sqlite3_stmt *st = NULL;
	int have = 0, rc;

	if ((rc = layout_string(layout, sizeof layout)) != CL_OK)
		return cl_fail(eb, rc, "fts5: layout string too long");
	rc = sqlite3_prepare_v2(f->db, "SELECT 1 FROM sqlite_schema WHERE name = 'fts_meta'", -1,
				&st, NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		have = 1;
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return db_fail(f, eb, rc, "open: read schema");
	if (!have)
		return cl_fail(eb, CL_ENOTFOUND,
			       "fts5: the index has not been built yet (run caselib sync --engine fts5)");
	if ((rc = meta_get(f, FTS_META_LAYOUT, NULL, &old, eb)) != CL_OK)
		return rc;
	if (!old || strcmp(old, layout))
		rc = cl_fail(eb, CL_ESCHEMA,
			     "fts5: the index has another layout (%s); run caselib sync --engine fts5",
			     old ? old : "none");
	free(old);
	return rc;
}

static void fts_close(struct engine *e)
{
	struct fts *f = e->impl;

	if (!f)
		return;
	if (f->in_tx && !sqlite3_get_autocommit(f->db))
		sqlite3_exec(f->db, "ROLLBACK", NULL, NULL, NULL); /* uncommitted work is dropped */
	for (int i = 0; i < FS_COUNT; i++)
		sqlite3_finalize(f->st[i]);
	cache_drop(f);
	wc_release(&f->wc);
	fcs_changes_reset(&f->touched);
	fcount_free(f->fcl);
	ta_close(f->ta_q);
	ta_close(f->ta_w);
	free(f);
	e->impl = NULL;
}

static int fts_open(struct engine *e, const char *data_dir, struct store *s, int writable,
		    struct cl_errbuf *eb)
{
	struct fts *f;
	int rc;

	(void)data_dir; /* the index lives in the store's database file */
	if (!s || !store_db(s))
		return cl_fail(eb, CL_EINVAL, "fts5: no store");
	if ((rc = syn_load(eb)) != CL_OK)
		return rc;
	f = calloc(1, sizeof *f);
	if (!f)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	e->impl = f;
	f->db = (sqlite3 *)store_db(s);
	f->writable = writable;
	if ((rc = fts5tok_register(f->db, eb)) != CL_OK ||
	    (rc = fts5rank_register(f->db, eb)) != CL_OK)
		goto out;
	rc = sqlite3_create_function(f->db, "fts_in_set", 2, SQLITE_UTF8 | SQLITE_INNOCUOUS, NULL,
				     fn_in_set, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = db_fail(f, eb, rc, "register fts_in_set");
		goto out;
	}
	if ((rc = ta_open(&f->ta_q, "auto", 0, eb)) != CL_OK ||
	    (rc = ta_open(&f->ta_w, "none", 0, eb)) != CL_OK)
		goto out;
	rc = writable ? create_schema(f, eb) : check_schema(f, eb);
	if (rc != CL_OK)
		goto out;
	rc = sqlite3_exec(f->db,
			  "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_vocab"
			  " USING fts5vocab(main, fts_cases, row)",
			  NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = db_fail(f, eb, rc, "open: create the vocabulary table");
		goto out;
	}
	rc = CL_OK;
out:
	if (rc != CL_OK)
		fts_close(e);
	return rc;
}

/* --- writing ----------------------------------------------------------------- */

/* The four indexed texts of a case (owned copies; the highlight marker
 * bytes can never come from the data). */
struct doc_text {
	char *t[4]; /* title, summary, body, buyer */
};

static void doc_text_release(struct doc_text *d)
{
	for (int i = 0; i < 4; i++)
		free(d->t[i]);
	memset(d, 0, sizeof *d);
}

static char *clean_dup(const char *a, const char *b, const char *c)
{
	const char *parts[3] = {a, b, c};
	size_t n = 0, k = 0;
	char *out;

	for (int i = 0; i < 3; i++)
		if (parts[i] && *parts[i])
			n += strlen(parts[i]) + 2;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	for (int i = 0; i < 3; i++) {
		size_t l;
		if (!parts[i] || !*parts[i])
			continue;
		if (k) {
			memcpy(out + k, "\n\n", 2);
			k += 2;
		}
		l = strlen(parts[i]);
		memcpy(out + k, parts[i], l);
		k += l;
	}
	out[k] = '\0';
	for (size_t i = 0; i < k; i++)
		if (out[i] == '\x01' || out[i] == '\x02')
			out[i] = ' ';
	return out;
}

static int doc_text_of(const struct case_record *c, struct doc_text *d)
{
	memset(d, 0, sizeof *d);
	d->t[0] = clean_dup(c->title, NULL, NULL);
	d->t[1] = clean_dup(c->summary, NULL, NULL);
	d->t[2] = clean_dup(c->body, c->outcome, c->lessons);
	d->t[3] = clean_dup(c->buyer.name, NULL, NULL);
	for (int i = 0; i < 4; i++)
		if (!d->t[i]) {
			doc_text_release(d);
			return CL_ENOMEM;
		}
	return CL_OK;
}

/* Removes rid's postings and words, and its values from the sets (its
 * fts_docs row, which holds its facet values, stays). */
static int unindex(struct fts *f, sqlite3_int64 rid, const char *const old[4],
		   struct cl_errbuf *eb)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = stmt(f, FS_FTS_DELETE, &st, eb)) != CL_OK)
		return rc;
	sqlite3_bind_int64(st, 1, rid);
	for (int i = 0; i < 4; i++)
		sqlite3_bind_text(st, 2 + i, old[i], -1, SQLITE_STATIC);
	if ((rc = run_done(f, st, eb, "remove postings")) != CL_OK)
		return rc;
	if ((rc = words_update(f, old, 4, 0, eb)) != CL_OK)
		return rc;
	cache_remove(f, (uint32_t)rid);
	return CL_OK;
}

/* The current row of id: rid and its four texts (copied). *found = 0 when absent. */
static int doc_lookup(struct fts *f, const char *id, sqlite3_int64 *rid, struct doc_text *d,
		      int *found, struct cl_errbuf *eb)
{
	sqlite3_stmt *st;
	int rc;

	*found = 0;
	memset(d, 0, sizeof *d);
	if ((rc = stmt(f, FS_DOC_BY_ID, &st, eb)) != CL_OK)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*rid = sqlite3_column_int64(st, 0);
		for (int i = 0; i < 4; i++)
			if (!(d->t[i] = strdup(col_text(st, 1 + i)))) {
				sqlite3_reset(st);
				doc_text_release(d);
				return cl_fail(eb, CL_ENOMEM, "out of memory");
			}
		*found = 1;
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(f, eb, rc, "look up a case");
	if (*found && !rid_ok(*rid)) {
		doc_text_release(d);
		return cl_fail(eb, CL_ECORRUPT, "fts5: row id %lld out of range", (long long)*rid);
	}
	return CL_OK;
}

static int fts_put(struct engine *e, const struct case_record *c, struct cl_errbuf *eb)
{
	struct fts *f = e->impl;
	struct doc_text d = {0}, old = {0};
	sqlite3_stmt *st;
	sqlite3_int64 rid = 0;
	int found = 0, rc, dk, year;
	unsigned char blob[FV_BLOB_MAX];
	size_t blen = 0;
	struct facet_values fvs[EF_COUNT]; /* for the row's blob and the sets */

	if (!c || !c->id || !*c->id)
		return cl_fail(eb, CL_EINVAL, "fts5: a case without an id");
	if ((rc = tx_ensure(f, eb)) != CL_OK)
		return rc;
	if (doc_text_of(c, &d) != CL_OK)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	if (!f->bulk && (rc = doc_lookup(f, c->id, &rid, &old, &found, eb)) != CL_OK)
		goto out;
	if (found && (rc = unindex(f, rid, (const char *const *)old.t, eb)) != CL_OK)
		goto out;
	for (int fa = 0; fa < EF_COUNT; fa++)
		engine_case_facet(c, (enum engine_facet)fa, &fvs[fa]);
	if ((rc = fv_blob(f, fvs, blob, &blen, eb)) != CL_OK)
		goto out;
	dk = (int)sem_date_key(c->published);
	year = case_year(c);
	if ((rc = stmt(f, found ? FS_DOC_UPDATE : FS_DOC_INSERT, &st, eb)) != CL_OK)
		goto out;
	if (found)
		sqlite3_bind_int64(st, 1, rid);
	else
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	if (c->published)
		sqlite3_bind_text(st, 2, c->published, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, dk);
	sqlite3_bind_int(st, 4, dk ? dk : 99999999);
	sqlite3_bind_int(st, 5, year);
	for (int i = 0; i < 4; i++)
		sqlite3_bind_text(st, 6 + i, d.t[i], -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 10, blob, (int)blen, SQLITE_STATIC); /* never NULL: zero bytes */
	rc = sqlite3_step(st);
	if (!found && rc == SQLITE_ROW) {
		rid = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		rc = db_fail(f, eb, rc, "write a case");
		goto out;
	}
	if (!rid_ok(rid)) {
		rc = cl_fail(eb, CL_ECORRUPT, "fts5: row id %lld out of range", (long long)rid);
		goto out;
	}
	touch(f, 'p', rid);
	if ((rc = stmt(f, FS_FTS_INSERT, &st, eb)) != CL_OK)
		goto out;
	sqlite3_bind_int64(st, 1, rid);
	for (int i = 0; i < 4; i++)
		sqlite3_bind_text(st, 2 + i, d.t[i], -1, SQLITE_STATIC);
	if ((rc = run_done(f, st, eb, "index a case")) != CL_OK)
		goto out;
	if (f->cache_ok && bs_add(f->all, (uint32_t)rid) != CL_OK) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	for (int fa = 0; fa < EF_COUNT && f->cache_ok; fa++) {
		for (size_t i = 0; i < fvs[fa].n; i++) {
			struct fval *v = fval_get(&f->fc[fa], fvs[fa].v[i]);
			if (!v || bs_add(v->bm, (uint32_t)rid) != CL_OK) {
				rc = cl_fail(eb, CL_ENOMEM, "out of memory");
				goto out;
			}
		}
	}
	rc = words_update(f, (const char *const *)d.t, 4, 1, eb);
out:
	if (rc != CL_OK)
		cache_drop(f); /* the transaction is now in an unknown state */
	doc_text_release(&d);
	doc_text_release(&old);
	return rc;
}

static int fts_del(struct engine *e, const char *id, struct cl_errbuf *eb)
{
	struct fts *f = e->impl;
	struct doc_text old = {0};
	sqlite3_stmt *st;
	sqlite3_int64 rid = 0;
	int found = 0, rc;

	if (!id)
		return cl_fail(eb, CL_EINVAL, "fts5: delete without an id");
	if (f->bulk)
		return cl_fail(eb, CL_EINVAL, "fts5: a bulk build only takes puts");
	if ((rc = doc_lookup(f, id, &rid, &old, &found, eb)) != CL_OK || !found)
		return rc; /* an absent id is not an error */
	if ((rc = tx_ensure(f, eb)) != CL_OK)
		goto out;
	if ((rc = unindex(f, rid, (const char *const *)old.t, eb)) != CL_OK)
		goto out;
	if ((rc = stmt(f, FS_DOC_DELETE, &st, eb)) != CL_OK)
		goto out;
	sqlite3_bind_int64(st, 1, rid);
	rc = run_done(f, st, eb, "delete a case");
	if (rc == CL_OK)
		touch(f, 'd', rid);
out:
	if (rc != CL_OK)
		cache_drop(f);
	doc_text_release(&old);
	return rc;
}

static int fts_commit(struct engine *e, int64_t seq, struct cl_errbuf *eb)
{
	struct fts *f = e->impl;
	int64_t gen = 0;
	int rc;

	if ((rc = tx_ensure(f, eb)) != CL_OK)
		return rc;
	if (f->bulk) {
		/* the word list in one pass, the postings merged into one
		 * b-tree (FTS5 'optimize': the compact form after a build) */
		if ((rc = wc_write(f, eb)) != CL_OK ||
		    (rc = run_simple(f, FS_FTS_OPTIMIZE, eb, "optimize")) != CL_OK) {
			tx_abort(f);
			return rc;
		}
		f->bulk = 0;
		wc_release(&f->wc);
	}
	if ((rc = meta_set(f, FTS_META_LAST_SEQ, seq, NULL, eb)) != CL_OK ||
	    (rc = meta_get(f, FTS_META_GEN, &gen, NULL, eb)) != CL_OK ||
	    (rc = delta_write(f, gen, eb)) != CL_OK ||
	    (rc = meta_set(f, FTS_META_GEN, gen + 1, NULL, eb)) != CL_OK ||
	    (rc = run_simple(f, FS_COMMIT, eb, "commit")) != CL_OK) {
		tx_abort(f);
		return rc;
	}
	f->in_tx = 0;
	fcs_changes_reset(&f->touched);
	if (f->cache_ok)
		f->cache_gen = gen + 1;
	return CL_OK;
}

static int fts_last_seq(struct engine *e, int64_t *seq, struct cl_errbuf *eb)
{
	return meta_get(e->impl, FTS_META_LAST_SEQ, seq, NULL, eb);
}

static int fts_clear(struct engine *e, struct cl_errbuf *eb)
{
	struct fts *f = e->impl;
	int64_t gen = 0;
	int rc;

	/* part of the open transaction: the next engine_commit makes the
	 * empty index (or the reindexed one) visible at once */
	if ((rc = tx_ensure(f, eb)) != CL_OK)
		return rc;
	if ((rc = run_simple(f, FS_FTS_DELETE_ALL, eb, "clear postings")) != CL_OK ||
	    (rc = run_simple(f, FS_CLEAR_DOCS, eb, "clear cases")) != CL_OK ||
	    (rc = run_simple(f, FS_CLEAR_FVALS, eb, "clear facet values")) != CL_OK ||
	    (rc = run_simple(f, FS_CLEAR_WORDS, eb, "clear words")) != CL_OK ||
	    (rc = meta_set(f, FTS_META_LAST_SEQ, 0, NULL, eb)) != CL_OK ||
	    (rc = meta_get(f, FTS_META_GEN, &gen, NULL, eb)) != CL_OK ||
	    (rc = cache_empty(f, eb)) != CL_OK) {
		cache_drop(f);
		return rc;
	}
	f->cache_ok = 1;
	f->cache_gen = gen;
	f->bulk = 0;
	wc_release(&f->wc);
	f->touched.all = 1; /* readers load the index again */
	return CL_OK;
}

/* engine_bulk_begin: the clear, inside the open transaction (readers keep
 * the committed index until the commit), then puts without look-ups. */
static int fts_bulk_begin(struct engine *e, struct cl_errbuf *eb)
{
	struct fts *f = e->impl;
	int rc = fts_clear(e, eb);

	if (rc == CL_OK)
		f->bulk = 1;
	return rc;
}

static int fts_count(struct engine *e, long *n, struct cl_errbuf *eb)
{
	struct fts *f = e->impl;
	sqlite3_stmt *st;
	int rc = stmt(f, FS_DOC_COUNT, &st, eb);

	*n = 0;
	if (rc)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? CL_OK : db_fail(f, eb, rc, "count");
}

static int fts_foreach_id(struct engine *e, int (*cb)(const char *id, void *ud), void *ud,
			  struct cl_errbuf *eb)
{
	struct fts *f = e->impl;
	sqlite3_stmt *st;
	char **ids = NULL;
	size_t n = 0, cap = 0;
	int rc = stmt(f, FS_DOC_IDS, &st, eb);

	if (rc)
		return rc;
	/* read all first: cb may search or write through the same handle */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			char **v = realloc(ids, nc * sizeof *v);
			if (!v)
				break;
			ids = v;
			cap = nc;
		}
		if (!(ids[n] = strdup(col_text(st, 0))))
			break;
		n++;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
	else if (rc != SQLITE_DONE)
		rc = db_fail(f, eb, rc, "list ids");
	else
		rc = CL_OK;
	for (size_t i = 0; i < n; i++) {
		if (rc == CL_OK)
			rc = cb(ids[i], ud);
		free(ids[i]);
	}
	free(ids);
	return rc;
}

/* --- query expressions ---------------------------------------------------------- */

static const char *const field_cols[] = {
	[QP_ANY] = NULL,
	[QP_TITLE] = "{title} : ",
	[QP_BUYER] = "{buyer} : ",
	[QP_BODY] = "{summary body} : ",
};

/* " OR (w1 AND w2 ...)" for the content words of translation t, each
 * weighted SEM_TRANS_WEIGHT / n (a translation of n words weighs as one
 * word would; Xapian's engine does the same). */
static void trans_expr(struct fts *f, const char *t, struct dbuf *b, struct dbuf *w)
{
	struct dbuf one = DBUF_INIT(EXPR_MAX);
	size_t n = 0;
	char wt[32];

	for (const char *p = t; *p;) {
		size_t k = strcspn(p, " -");
		if (k && query_terms(f, p, k, 0) > 0)
			n++;
		p += k;
		p += strspn(p, " -");
	}
	snprintf(wt, sizeof wt, " %.6g", SEM_TRANS_WEIGHT / (double)(n ? n : 1));
	n = 0;
	for (const char *p = t; *p;) {
		size_t k = strcspn(p, " -");
		if (k && query_terms(f, p, k, 0) > 0) {
			dbuf_puts(&one, n++ ? " AND " : " OR (");
			sb_fts_string(&one, p, k);
			dbuf_puts(w, wt);
		}
		p += k;
		p += strspn(p, " -");
	}
	if (n) {
		dbuf_add(&one, ")", 1);
		dbuf_add(b, one.p, one.n);
	}
	if (one.err)
		b->err = one.err;
	dbuf_release(&one);
}

/* One clause as an FTS5 expression into b, and the weight of each of its
 * phrases, in order, into w (" 1" for the user's forms, less for a
 * translation's words: trans_expr); 0 when it contributes nothing (stopwords
 * only, punctuation): the clause is then left out. */
static int clause_expr(struct fts *f, const struct qp_clause *c, struct dbuf *b, struct dbuf *w)
{
	const char *alts[1 + 16];
	size_t nalt = 0, nsyn = 0;
	const char *const *syn = NULL;
	char *folded = NULL;
	int prefix = c->kind == QP_PREFIX;

	if (query_terms(f, c->text, strlen(c->text), prefix) > 0)
		alts[nalt++] = c->text;
	if (!prefix && (folded = syn_fold(c->text, strlen(c->text))) != NULL)
		syn = syn_lookup(folded, &nsyn);
	for (size_t i = 0; syn && i < nsyn && nalt < sizeof alts / sizeof *alts; i++)
		if (query_terms(f, syn[i], strlen(syn[i]), 0) > 0)
			alts[nalt++] = syn[i];
	if (!prefix && c->join && nalt < sizeof alts / sizeof *alts &&
	    query_terms(f, c->join, strlen(c->join), 0) > 0)
		alts[nalt++] = c->join;
	free(folded);
	if (nalt == 0)
		return 0;
	if (c->field != QP_ANY && (unsigned)c->field < sizeof field_cols / sizeof *field_cols)
		dbuf_puts(b, field_cols[c->field]);
	dbuf_add(b, "(", 1);
	for (size_t i = 0; i < nalt; i++) {
		if (i)
			dbuf_add(b, " OR ", 4);
		sb_fts_string(b, alts[i], strlen(alts[i]));
		if (prefix)
			dbuf_add(b, " *", 2);
		dbuf_puts(w, " 1");
	}
	/* translations: each all its words, weighted below the user's forms */
	for (size_t i = 0; !prefix && i < c->ntrans; i++)
		trans_expr(f, c->trans[i], b, w);
	dbuf_add(b, ")", 1);
	return 1;
}

/* The MATCH expression of q into out: positive clauses joined by AND (OR
 * in or_mode), then each negated one with NOT. *nomatch = 1 when no
 * positive clause is left (a query of stopwords matches nothing). */
static int query_expr(struct fts *f, const struct qp_query *q, int or_mode, int skip_named,
		      struct dbuf *out, int *nomatch, struct dbuf *wts)
{
	struct dbuf neg = DBUF_INIT(EXPR_MAX), negw = DBUF_INIT(EXPR_MAX);
	int npos = 0;

	*nomatch = 0;
	dbuf_add(out, "(", 1);
	for (size_t i = 0; i < q->n; i++) {
		const struct qp_clause *c = &q->v[i];
		struct dbuf one = DBUF_INIT(EXPR_MAX), onew = DBUF_INIT(EXPR_MAX);
		if (skip_named && c->facet_code) {
			dbuf_release(&one);
			dbuf_release(&onew);
			continue;
		}
		if (!clause_expr(f, c, &one, &onew) || one.err || onew.err) {
			int err = one.err ? one.err : onew.err;
			dbuf_release(&one);
			dbuf_release(&onew);
			if (err)
				out->err = err;
			continue;
		}
		if (c->negated) {
			dbuf_add(&neg, " NOT ", 5);
			dbuf_add(&neg, one.p, one.n);
			dbuf_add(&negw, onew.p, onew.n);
		} else {
			if (npos++)
				dbuf_puts(out, or_mode ? " OR " : " AND ");
			dbuf_add(out, one.p, one.n);
			dbuf_add(wts, onew.p, onew.n);
		}
		dbuf_release(&one);
		dbuf_release(&onew);
	}
	dbuf_add(out, ")", 1);
	if (neg.err || negw.err)
		out->err = neg.err ? neg.err : negw.err;
	if (neg.n) {
		dbuf_add(out, neg.p, neg.n);
		dbuf_add(wts, negw.p, negw.n);
	}
	dbuf_release(&neg);
	dbuf_release(&negw);
	if (wts->err)
		out->err = wts->err;
	if (npos == 0)
		*nomatch = 1;
	return out->err;
}

/* --- the search pass -------------------------------------------------------------- */

struct pass {
	const char *expr; /* MATCH expression; NULL: every case */
	/* the weight of each phrase of expr in its score (fts5rank.h: "1 0.5
	 * ...", FTS5's phrase order); NULL: all 1 */
	const char *phrase_weights;
	int nomatch;      /* 1: nothing matches */
	int has_exclude;
	uint32_t exclude; /* similar(): the case itself */
	int sector_bonus; /* similar(): boost cases sharing the excluded case's sectors */
	struct sem_hl *hl; /* the words snippets mark (engine.c's), or NULL */
	/* the counting layer (fcount.h), up to date, when count_mask has
	 * ENGINE_COUNT_DISJ; counted_all: run_pass counted every facet of
	 * rq (the engine then sets e->disj_done) */
	struct fcount *fcl;
	int counted_all;
	/* ranking (docs/ranking.md): bm25 title column weight (0: similar()'s)
	 * and pseudo-relevance feedback (fb_docs 0: off) */
	double title_w;
	unsigned fb_docs, fb_terms;
	double fb_weight;
	int or_mode;
	/* a long query's minimum to match (semantics.h SEM_MSM_MIN): the
	 * MATCH expression of each counted clause; msm_tag: the one whose
	 * clause names tag's value, or -1 */
	char **msm_expr;
	size_t nmsm;
	long msm_tag;
	/* a named facet value (qp_clause.facet_code): its cases also match
	 * the named clauses; tag_expr: the query without them (NULL: none
	 * left), which those cases must match (AND) and which scores them */
	const struct bset *tag;
	const char *tag_expr;
	const char *tag_weights;
};

static double pass_title_w(const struct pass *p)
{
	return p->title_w > 0 ? p->title_w : TITLE_W_SIMILAR;
}

struct scored {
	uint32_t rid;
	double score;
	char *id; /* fetched for ties only */
};

static int scored_cmp(const void *a, const void *b)
{
	const struct scored *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->rid < y->rid ? -1 : x->rid > y->rid;
}

static int scored_id_cmp(const void *a, const void *b)
{
	const struct scored *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->id ? x->id : "", y->id ? y->id : "");
}

/* The filter set of rq (NULL in *out: no filter). */
static int filter_set(struct fts *f, const struct search_request *rq, struct bset **out,
		      struct cl_errbuf *eb)
{
	struct bset *F = NULL;

	*out = NULL;
	for (int fa = 0; fa < EF_COUNT; fa++) {
		struct bset *u;
		if (rq->nfilters[fa] == 0)
			continue;
		if (!(u = bs_new()))
			goto nomem;
		for (size_t i = 0; i < rq->nfilters[fa]; i++) {
			const struct fval *v = rq->filters[fa][i]
						       ? fval_find(&f->fc[fa], rq->filters[fa][i])
						       : NULL;
			if (v && bs_or(u, v->bm) != CL_OK) {
				bs_free(u);
				goto nomem;
			}
		}
		F = bs_meet(F, u);
	}
	if (rq->year_from || rq->year_to) {
		struct bset *u = bs_new();
		const struct fvals *yv = &f->fc[EF_YEAR];
		if (!u)
			goto nomem;
		for (size_t i = 0; i < yv->n; i++) {
			int y = atoi(yv->v[i].value);
			if ((!rq->year_from || y >= rq->year_from) &&
			    (!rq->year_to || y <= rq->year_to) && bs_or(u, yv->v[i].bm) != CL_OK) {
				bs_free(u);
				goto nomem;
			}
		}
		F = bs_meet(F, u);
	}
	*out = F;
	return CL_OK;
nomem:
	bs_free(F);
	return cl_fail(eb, CL_ENOMEM, "out of memory");
}

/* The bm25 score of row rid for expr and its phrase weights pw (*score 0
 * when the row does not match, which cannot happen for a hit of the same
 * expression). */
static int hit_score(struct fts *f, const char *expr, const char *pw, double title_w,
		     uint32_t rid, double *score, struct cl_errbuf *eb)
{
	sqlite3_stmt *st;
	int rc;

	*score = 0;
	if ((rc = stmt(f, FS_HIT_SCORE, &st, eb)) != CL_OK)
		return rc;
	sqlite3_bind_text(st, 1, expr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, rid);
	sqlite3_bind_double(st, 3, title_w);
	sqlite3_bind_text(st, 4, pw, -1, SQLITE_STATIC); /* NULL: SQL NULL */
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*score = -sqlite3_column_double(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? CL_OK : db_fail(f, eb, rc, "score a hit");
}

/* Fills hit h for rid: id, title, score (with have_score 0 and an
 * expression: the row's bm25), snippet (semantics.h: from summary, body
 * and title, marked by p->hl). */
static int fill_hit(struct fts *f, const struct search_request *rq, const struct pass *p,
		    uint32_t rid, int have_score, double score, struct search_hit *h,
		    struct cl_errbuf *eb)
{
	sqlite3_stmt *st;
	int rc;

	memset(h, 0, sizeof *h);
	h->score = have_score ? score : 0.0;
	if ((rc = stmt(f, FS_DOC_BY_RID, &st, eb)) != CL_OK)
		return rc;
	sqlite3_bind_int64(st, 1, rid);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? cl_fail(eb, CL_ECORRUPT, "fts5: row %u has no case", rid)
					 : db_fail(f, eb, rc, "read a hit");
	}
	h->id = strdup(col_text(st, 0));
	h->title = strdup(col_text(st, 1));
	if (rq->snippets && h->id && h->title) {
		const char *texts[SEM_NTEXTS];
		texts[SEM_SUMMARY] = col_text(st, 2);
		texts[SEM_BODY] = col_text(st, 3);
		texts[SEM_TITLE] = col_text(st, 1);
		h->snippet = sem_snippet(p->hl, texts, rq->snippet_chars);
	}
	sqlite3_reset(st);
	if (!h->id || !h->title || (rq->snippets && !h->snippet))
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	if (p->expr && !have_score)
		return hit_score(f, p->expr, p->phrase_weights, pass_title_w(p), rid, &h->score,
				 eb);
	return CL_OK;
}

static void hits_release(struct search_hit *hits, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(hits[i].id);
		free(hits[i].title);
		free(hits[i].snippet);
	}
	free(hits);
}

static int distinctive_expr(struct fts *f, const char *const *texts, const double *weights,
			    size_t ntexts, int64_t min_df, size_t max_terms, struct dbuf *out,
			    int *nomatch, struct cl_errbuf *eb);

static int scored_rid_cmp(const void *a, const void *b)
{
	const struct scored *x = a, *y = b;
	return x->rid < y->rid ? -1 : x->rid > y->rid;
}

/* Pseudo-relevance feedback: the fb_docs best of sc[0..n) (by score) are
 * taken as relevant; their fb_terms most distinctive terms (title 3,
 * summary 2, body 1, as similar()) are run as an OR query, and each case
 * of sc gets fb_weight times its score there, scaled so that the best
 * expansion score equals the best query score. Only scores change. */
static int feedback(struct fts *f, const struct pass *p, struct scored *sc, size_t n,
		    struct cl_errbuf *eb)
{
	static const double w3[3] = {3.0, 2.0, 1.0};
	size_t k = p->fb_docs < n ? p->fb_docs : n, nt = 0;
	uint32_t top[100];
	char **texts = NULL;
	double *weights = NULL, best = 0, ebest = 0;
	struct dbuf ex = DBUF_INIT(EXPR_MAX);
	sqlite3_stmt *st;
	int nomatch = 1, rc = CL_OK;
	double *es = NULL;

	if (k > sizeof top / sizeof *top)
		k = sizeof top / sizeof *top;
	/* the k best (score desc, rid asc), by selection: k is small */
	for (size_t j = 0; j < k; j++) {
		size_t bi = n;
		for (size_t i = 0; i < n; i++) {
			int taken = 0;
			for (size_t t = 0; t < j && !taken; t++)
				taken = top[t] == sc[i].rid;
			if (taken)
				continue;
			if (bi == n || sc[i].score > sc[bi].score ||
			    (sc[i].score == sc[bi].score && sc[i].rid < sc[bi].rid))
				bi = i;
		}
		top[j] = sc[bi].rid;
		if (sc[bi].score > best)
			best = sc[bi].score;
	}
	texts = calloc(3 * k + 1, sizeof *texts);
	weights = calloc(3 * k + 1, sizeof *weights);
	es = calloc(n, sizeof *es);
	if (!texts || !weights || !es)
		goto nomem;
	if ((rc = stmt(f, FS_DOC_BY_RID, &st, eb)) != CL_OK)
		goto out;
	for (size_t j = 0; j < k; j++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, top[j]);
		if (sqlite3_step(st) != SQLITE_ROW)
			continue;
		for (int c = 0; c < 3; c++) {
			if (!(texts[nt] = strdup(col_text(st, 1 + c)))) {
				sqlite3_reset(st);
				goto nomem;
			}
			weights[nt++] = w3[c];
		}
	}
	sqlite3_reset(st);
	if ((rc = distinctive_expr(f, (const char *const *)texts, weights, nt, 2, p->fb_terms, &ex,
				   &nomatch, eb)) != CL_OK || nomatch)
		goto out;
	/* sc comes in rowid order from FTS5; make sure before searching it */
	for (size_t i = 1; i < n; i++)
		if (sc[i - 1].rid > sc[i].rid) {
			qsort(sc, n, sizeof *sc, scored_rid_cmp);
			break;
		}
	if ((rc = stmt(f, FS_MATCH_SCORED, &st, eb)) != CL_OK)
		goto out;
	sqlite3_bind_text(st, 1, ex.p, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, pass_title_w(p));
	sqlite3_bind_null(st, 3); /* the expansion terms weigh alike */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct scored key, *hit;
		key.rid = (uint32_t)sqlite3_column_int64(st, 0);
		hit = bsearch(&key, sc, n, sizeof *sc, scored_rid_cmp);
		if (hit) {
			es[hit - sc] = -sqlite3_column_double(st, 1);
			if (es[hit - sc] > ebest)
				ebest = es[hit - sc];
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		rc = cl_fail(eb, CL_EENGINE, "fts5: feedback search failed: %s", sqlite3_errmsg(f->db));
		goto out;
	}
	rc = CL_OK;
	for (size_t i = 0; ebest > 0 && i < n; i++)
		sc[i].score += p->fb_weight * es[i] * best / ebest;
	goto out;
nomem:
	rc = cl_fail(eb, CL_ENOMEM, "out of memory");
out:
	for (size_t i = 0; texts && i < nt; i++)
		free(texts[i]);
	free(texts);
	free(weights);
	free(es);
	dbuf_release(&ex);
	return rc;
}

/* Runs one pass: the match set of p, filtered by rq, its exact size, the
 * counts of count_mask, and the page of hits. */
/* The cases that match at least two of p's counted clauses (into *out,
 * NULL when there is no such rule): for each clause's set S, two |= one
 * AND S, one |= S. */
static int msm_set(struct fts *f, const struct pass *p, struct bset **out, struct cl_errbuf *eb)
{
	struct bset *one = NULL, *two = NULL, *s = NULL;
	sqlite3_stmt *st;
	int rc = CL_OK;

	*out = NULL;
	if (p->nmsm < 2)
		return CL_OK;
	if (!(one = bs_new()) || !(two = bs_new()))
		goto nomem;
	for (size_t i = 0; i < p->nmsm; i++) {
		struct bset *both;
		if (!(s = bs_new()))
			goto nomem;
		if ((rc = stmt(f, FS_MATCH_RIDS, &st, eb)) != CL_OK)
			goto fail;
		sqlite3_bind_text(st, 1, p->msm_expr[i], -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			sqlite3_int64 rid = sqlite3_column_int64(st, 0);
			if (rid_ok(rid) && bs_add(s, (uint32_t)rid) != CL_OK) {
				sqlite3_reset(st);
				goto nomem;
			}
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			rc = cl_fail(eb, CL_EENGINE, "fts5: search failed: %s", sqlite3_errmsg(f->db));
			goto fail;
		}
		if ((long)i == p->msm_tag && p->tag && bs_or(s, p->tag) != CL_OK)
			goto nomem;
		if (!(both = bs_copy(one)))
			goto nomem;
		bs_and(both, s);
		rc = bs_or(two, both);
		bs_free(both);
		if (rc != CL_OK || bs_or(one, s) != CL_OK)
			goto nomem;
		bs_free(s);
		s = NULL;
	}
	bs_free(one);
	*out = two;
	return CL_OK;
nomem:
	rc = cl_fail(eb, CL_ENOMEM, "out of memory");
fail:
	bs_free(s);
	bs_free(one);
	bs_free(two);
	return rc;
}

/* Scored rows of a pass being gathered. */
struct scoredv {
	struct scored *v;
	size_t n, cap;
};

static int sc_push(struct scoredv *sv, uint32_t rid, double score)
{
	if (dbuf_grow(&sv->v, &sv->cap, sv->n + 1, sizeof *sv->v))
		return CL_ENOMEM;
	sv->v[sv->n].rid = rid;
	sv->v[sv->n].score = score;
	sv->v[sv->n].id = NULL;
	sv->n++;
	return CL_OK;
}

/* The cases tagged with a named facet value (struct pass tag) that the
 * MATCH left out: added to M (within S, the minimum to match, when set)
 * and, when scores are wanted and they pass F, to sv: scored by the rest
 * of the query (tag_expr) in an AND query, else 0 (the tag has no weight
 * of its own, as in Xapian's engine). */
struct tagged {
	const struct pass *p;
	const struct bset *F, *S;
	struct bset *M;
	struct scoredv *sv;
	int want_scores;
};

static int tagged_one(struct tagged *t, uint32_t rid, double score)
{
	if (bs_has(t->M, rid) || (t->S && !bs_has(t->S, rid)))
		return CL_OK;
	if (bs_add(t->M, rid) != CL_OK)
		return CL_ENOMEM;
	if (!t->want_scores || (t->F && !bs_has(t->F, rid)) ||
	    (t->p->has_exclude && rid == t->p->exclude))
		return CL_OK;
	return sc_push(t->sv, rid, score);
}

static int tagged_cb(uint32_t rid, void *ud)
{
	return tagged_one(ud, rid, 0.0);
}

static int add_tagged(struct fts *f, struct tagged *t, struct cl_errbuf *eb)
{
	const struct pass *p = t->p;
	sqlite3_stmt *st;
	int rc;

	if (p->or_mode || !p->tag_expr) {
		if ((rc = bs_foreach(p->tag, tagged_cb, t)) != CL_OK)
			return cl_fail(eb, rc, "out of memory");
		return CL_OK;
	}
	if ((rc = stmt(f, t->want_scores ? FS_MATCH_SCORED : FS_MATCH_RIDS, &st, eb)) != CL_OK)
		return rc;
	sqlite3_bind_text(st, 1, p->tag_expr, -1, SQLITE_STATIC);
	if (t->want_scores) {
		sqlite3_bind_double(st, 2, pass_title_w(p));
		sqlite3_bind_text(st, 3, p->tag_weights, -1, SQLITE_STATIC);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 rid = sqlite3_column_int64(st, 0);
		if (!rid_ok(rid) || !bs_has(p->tag, (uint32_t)rid))
			continue;
		if (tagged_one(t, (uint32_t)rid,
			       t->want_scores ? -sqlite3_column_double(st, 1) : 0.0) != CL_OK) {
			sqlite3_reset(st);
			return cl_fail(eb, CL_ENOMEM, "out of memory");
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return cl_fail(eb, CL_EENGINE, "fts5: search failed: %s", sqlite3_errmsg(f->db));
	return CL_OK;
}

static int run_pass(struct fts *f, const struct search_request *rq, struct pass *p,
		    unsigned count_mask, struct search_result *res, struct cl_errbuf *eb)
{
	struct bset *F = NULL, *M = NULL, *S = NULL;
	struct scoredv sv = {NULL, 0, 0};
	struct scored *sc = NULL;
	size_t nsc = 0;
	uint32_t *page = NULL;
	size_t npage = 0;
	int want_scores = rq->limit > 0 && rq->sort == SORT_RELEVANCE && p->expr;
	/* the layer counts (one pass, every facet); not for a case excluded
	 * from every document (no expression to collect the rest from) */
	int layer = p->fcl && !p->tag && !(p->has_exclude && !p->expr && !p->nomatch);
	uint32_t *mr = NULL;
	size_t nmr = 0, capmr = 0;
	const struct bset *bonus[CASE_LIST_MAX];
	size_t nbonus = 0;
	sqlite3_stmt *st;
	uint64_t total;
	int rc;

	if ((rc = cache_sync(f, eb)) != CL_OK)
		return rc;
	if (p->sector_bonus && p->has_exclude) {
		const struct fvals *secs = &f->fc[EF_SECTORS];
		for (size_t i = 0; i < secs->n && nbonus < CASE_LIST_MAX; i++)
			if (bs_has(secs->v[i].bm, p->exclude))
				bonus[nbonus++] = secs->v[i].bm;
	}
	if ((rc = filter_set(f, rq, &F, eb)) != CL_OK)
		return rc;
	if (!p->nomatch && p->expr && (rc = msm_set(f, p, &S, eb)) != CL_OK)
		goto out;
	if (p->nomatch) {
		M = bs_new();
	} else if (!p->expr) {
		M = bs_copy(f->all);
	} else if ((M = bs_new()) != NULL) {
		if ((rc = stmt(f, want_scores ? FS_MATCH_SCORED : FS_MATCH_RIDS, &st, eb)) != CL_OK)
			goto out;
		sqlite3_bind_text(st, 1, p->expr, -1, SQLITE_STATIC);
		if (want_scores) {
			sqlite3_bind_double(st, 2, pass_title_w(p));
			sqlite3_bind_text(st, 3, p->phrase_weights, -1, SQLITE_STATIC);
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			sqlite3_int64 rid = sqlite3_column_int64(st, 0);
			if (!rid_ok(rid) || (S && !bs_has(S, (uint32_t)rid)))
				continue;
			if (bs_add(M, (uint32_t)rid) != CL_OK) {
				sqlite3_reset(st);
				rc = cl_fail(eb, CL_ENOMEM, "out of memory");
				goto out;
			}
			if (layer && !(p->has_exclude && (uint32_t)rid == p->exclude)) {
				if (nmr == capmr) {
					size_t cap = capmr ? capmr * 2 : 1024;
					uint32_t *v = realloc(mr, cap * sizeof *v);
					if (!v) {
						sqlite3_reset(st);
						rc = cl_fail(eb, CL_ENOMEM, "out of memory");
						goto out;
					}
					mr = v;
					capmr = cap;
				}
				mr[nmr++] = (uint32_t)rid;
			}
			if (!want_scores || (F && !bs_has(F, (uint32_t)rid)) ||
			    (p->has_exclude && (uint32_t)rid == p->exclude))
				continue;
			if (sc_push(&sv, (uint32_t)rid, -sqlite3_column_double(st, 1)) != CL_OK) {
				sqlite3_reset(st);
				rc = cl_fail(eb, CL_ENOMEM, "out of memory");
				goto out;
			}
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			rc = cl_fail(eb, CL_EENGINE, "fts5: search failed: %s",
				     sqlite3_errmsg(f->db));
			goto out;
		}
		if (p->tag) {
			struct tagged t = {p, F, S, M, &sv, want_scores};
			if ((rc = add_tagged(f, &t, eb)) != CL_OK)
				goto out;
		}
	}
	sc = sv.v;
	nsc = sv.n;
	if (!M) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	if (F)
		bs_and(M, F);
	if (p->has_exclude)
		bs_remove(M, p->exclude);
	total = bs_card(M);
	res->total = (long)total;

	if (layer) {
		static const uint32_t none[1];
		long ltotal;
		if ((rc = fcount_count(p->fcl, p->expr ? (mr ? mr : none) : p->nomatch ? none : NULL,
				       nmr, rq, (count_mask & ENGINE_ALL_FACETS) | rq->facets,
				       FCOUNT_AUTO, &ltotal, res, eb)) != CL_OK)
			goto out;
		p->counted_all = 1;
		count_mask = 0; /* counted */
	}
	for (int fa = 0; fa < EF_COUNT; fa++) {
		const struct fvals *fv = &f->fc[fa];
		if (!(count_mask & (1u << fa)))
			continue;
		for (size_t i = 0; i < fv->n; i++) {
			uint64_t c = bs_and_card(M, fv->v[i].bm);
			if (c > 0 && engine_facet_add(&res->facets[fa], fv->v[i].value,
						      strlen(fv->v[i].value), (long)c) != CL_OK) {
				rc = cl_fail(eb, CL_ENOMEM, "out of memory");
				goto out;
			}
		}
	}

	rc = CL_OK;
	if (rq->limit == 0 || rq->offset >= total)
		goto out;
	res->hits = calloc(rq->limit, sizeof *res->hits);
	if (!res->hits) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	if (want_scores && p->fb_docs && p->fb_terms && p->fb_weight > 0 && nsc > 0 &&
	    (rc = feedback(f, p, sc, nsc, eb)) != CL_OK)
		goto out;
	if (want_scores) {
		size_t need = rq->offset + rq->limit, end;
		for (size_t i = 0; nbonus && i < nsc; i++) {
			size_t shared = 0;
			for (size_t k = 0; k < nbonus; k++)
				shared += bs_has(bonus[k], sc[i].rid);
			sc[i].score = sem_sector_bonus(sc[i].score, shared, nbonus);
		}
		qsort(sc, nsc, sizeof *sc, scored_cmp);
		if (need > nsc)
			need = nsc;
		/* ties at the page end are ordered by id: fetch the ids of the
		 * whole head, ties included */
		end = need;
		while (end < nsc && need > 0 && sc[end].score == sc[need - 1].score)
			end++;
		if ((rc = stmt(f, FS_DOC_BY_RID, &st, eb)) != CL_OK)
			goto out;
		for (size_t i = 0; i < end; i++) {
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, sc[i].rid);
			if (sqlite3_step(st) == SQLITE_ROW && !(sc[i].id = strdup(col_text(st, 0)))) {
				sqlite3_reset(st);
				rc = cl_fail(eb, CL_ENOMEM, "out of memory");
				goto out;
			}
		}
		sqlite3_reset(st);
		qsort(sc, end, sizeof *sc, scored_id_cmp);
		for (size_t i = rq->offset; i < need; i++) {
			rc = fill_hit(f, rq, p, sc[i].rid, 1, sc[i].score, &res->hits[res->nhits], eb);
			res->nhits++;
			if (rc != CL_OK)
				goto out;
		}
	} else {
		enum fts_stmt id = rq->sort == SORT_DATE_DESC ? FS_PAGE_DDESC
				   : rq->sort == SORT_DATE_ASC ? FS_PAGE_DASC
							       : FS_PAGE_ID;
		page = malloc(rq->limit * sizeof *page);
		if (!page) {
			rc = cl_fail(eb, CL_ENOMEM, "out of memory");
			goto out;
		}
		if ((rc = stmt(f, id, &st, eb)) != CL_OK)
			goto out;
		sqlite3_bind_pointer(st, 1, M, "caselib_bset", NULL);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)rq->limit);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)rq->offset);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && npage < rq->limit)
			page[npage++] = (uint32_t)sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
			rc = db_fail(f, eb, rc, "page of hits");
			goto out;
		}
		rc = CL_OK;
		for (size_t i = 0; i < npage; i++) {
			rc = fill_hit(f, rq, p, page[i], 0, 0.0, &res->hits[res->nhits], eb);
			res->nhits++;
			if (rc != CL_OK)
				goto out;
		}
	}
out:
	if (rc != CL_OK) {
		hits_release(res->hits, res->nhits);
		res->hits = NULL;
		res->nhits = 0;
	}
	for (size_t i = 0; i < nsc; i++)
		free(sc[i].id);
	free(sv.v);
	free(page);
	free(mr);
	bs_free(M);
	bs_free(F);
	bs_free(S);
	return rc;
}

static void pass_release(struct pass *p)
{
	for (size_t i = 0; i < p->nmsm; i++)
		free(p->msm_expr[i]);
	free(p->msm_expr);
	p->msm_expr = NULL;
	p->nmsm = 0;
}

/* The MATCH expression of each clause of q's minimum to match
 * (qp_clause.msm) into p->msm_expr; p->msm_tag the one whose clause names
 * p->tag's value. CL_ENOMEM, CL_ETOOBIG. */
static int msm_exprs(struct fts *f, const struct qp_query *q, struct pass *p)
{
	size_t nmsm = 0;

	for (size_t i = 0; i < q->n; i++)
		nmsm += q->v[i].msm && !q->v[i].negated;
	if (nmsm < 2)
		return CL_OK;
	if (!(p->msm_expr = calloc(nmsm, sizeof *p->msm_expr)))
		return CL_ENOMEM;
	for (size_t i = 0; i < q->n; i++) {
		struct dbuf one = DBUF_INIT(EXPR_MAX), w = DBUF_INIT(EXPR_MAX);
		if (!q->v[i].msm || q->v[i].negated)
			continue;
		if (!clause_expr(f, &q->v[i], &one, &w) || one.err || w.err) {
			int err = one.err ? one.err : w.err;
			dbuf_release(&one);
			dbuf_release(&w);
			if (err)
				return err;
			continue;
		}
		if (q->v[i].facet_code && p->tag)
			p->msm_tag = (long)p->nmsm;
		p->msm_expr[p->nmsm++] = dbuf_take(&one, NULL);
		dbuf_release(&w);
		if (!p->msm_expr[p->nmsm - 1])
			return CL_ENOMEM;
	}
	return CL_OK;
}

/* The facet value q's clauses name (qp_clause.facet_code): p->tag, and in
 * an AND query the rest of the query in tex/twts (p->tag_expr). CL_ENOMEM,
 * CL_ETOOBIG. */
static int named_value(struct fts *f, const struct qp_query *q, int or_mode, struct pass *p,
		       struct dbuf *tex, struct dbuf *twts)
{
	const struct qp_clause *named = NULL;
	int nomatch = 0;

	for (size_t i = 0; i < q->n && !named; i++)
		if (q->v[i].facet_code)
			named = &q->v[i];
	if (!named || named->facet < 0 || named->facet >= EF_COUNT)
		return CL_OK;
	for (size_t k = 0; k < f->fc[named->facet].n && !p->tag; k++)
		if (!strcmp(f->fc[named->facet].v[k].value, named->facet_code))
			p->tag = f->fc[named->facet].v[k].bm;
	if (!p->tag || or_mode)
		return CL_OK;
	if (query_expr(f, q, 0, 1, tex, &nomatch, twts) != CL_OK)
		return tex->err ? tex->err : CL_ENOMEM;
	p->tag_expr = nomatch ? NULL : dbuf_str(tex);
	p->tag_weights = nomatch || !twts->n ? NULL : dbuf_str(twts) + 1;
	return CL_OK;
}

/* run_pass with the counting layer when engine.c asks for every count
 * in one pass (ENGINE_COUNT_DISJ) and a counted facet is filtered: the
 * layer's one pass replaces a MATCH per such facet. Without one, the
 * row-id sets count as fast (|M AND value| per value). The layer's
 * failure to build falls back to run_pass's own counting. */
static int counted_pass(struct engine *e, const struct search_request *rq, struct pass *p,
			unsigned count_mask, struct search_result *res, struct cl_errbuf *eb)
{
	struct fts *f = e->impl;
	int rc, disj = 0;

	for (int fa = 0; fa < EF_COUNT; fa++)
		disj |= (rq->facets & (1u << fa)) && rq->nfilters[fa];
	if ((count_mask & ENGINE_COUNT_DISJ) && disj && fcl_sync(e, f, NULL) == CL_OK)
		p->fcl = f->fcl;
	rc = run_pass(f, rq, p, count_mask, res, eb);
	if (rc == CL_OK && p->counted_all)
		e->disj_done = 1;
	return rc;
}

static int fts_search(struct engine *e, const struct search_request *rq, const struct qp_query *q,
		      int or_mode, unsigned count_mask, struct search_result *res,
		      struct cl_errbuf *eb)
{
	struct fts *f = e->impl;
	struct pass p;
	struct dbuf ex = DBUF_INIT(EXPR_MAX), wts = DBUF_INIT(EXPR_MAX);
	struct dbuf tex = DBUF_INIT(EXPR_MAX), twts = DBUF_INIT(EXPR_MAX);
	int rc;

	memset(&p, 0, sizeof p);
	p.hl = e->hl;
	p.or_mode = or_mode;
	p.msm_tag = -1;
	if ((rc = cache_sync(f, eb)) != CL_OK) /* the facet sets a named value needs */
		return rc;
	if (q && q->n > 0) {
		if ((rc = query_expr(f, q, or_mode, 0, &ex, &p.nomatch, &wts)) != CL_OK ||
		    (rc = named_value(f, q, or_mode, &p, &tex, &twts)) != CL_OK ||
		    (rc = msm_exprs(f, q, &p)) != CL_OK) {
			dbuf_release(&ex);
			dbuf_release(&wts);
			dbuf_release(&tex);
			dbuf_release(&twts);
			pass_release(&p);
			return cl_fail(eb, rc, rc == CL_ENOMEM ? "out of memory"
							       : "fts5: the query is too large");
		}
		p.expr = p.nomatch ? NULL : ex.p;
		/* per-phrase weights only when a translation lowers one (so a
		 * query without translations ranks exactly as bm25() does) */
		for (size_t i = 0; i < q->n; i++)
			if (q->v[i].ntrans && wts.n)
				p.phrase_weights = dbuf_str(&wts) + 1;
	}
	p.title_w = 1.0 + e->rank.title_weight;
	if (or_mode) { /* feedback on the OR fallback only (docs/ranking.md) */
		p.fb_docs = e->rank.fb_docs;
		p.fb_terms = e->rank.fb_terms;
		p.fb_weight = e->rank.fb_weight;
	}
	rc = counted_pass(e, rq, &p, count_mask, res, eb);
	dbuf_release(&ex);
	dbuf_release(&wts);
	dbuf_release(&tex);
	dbuf_release(&twts);
	pass_release(&p);
	return rc;
}

/* --- similar cases ------------------------------------------------------------------ */

struct term {
	char *stem;
	char *surface; /* the word as written, for the query */
	double w;
	double score;
};

struct terms {
	struct term *v;
	size_t n, cap;
	double weight; /* of the text being tokenized */
	const char *text;
	int err;
};

static int terms_cb(void *ud, const struct ta_token *tok)
{
	struct terms *t = ud;

	if (t->n >= SIMILAR_TOKENS_MAX)
		return 0;
	if (tok->len < 2 || tok->end <= tok->start)
		return 0;
	for (size_t i = 0; i < tok->len; i++)
		if (tok->term[i] >= '0' && tok->term[i] <= '9')
			return 0; /* numbers and codes say little about a need */
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct term *v = realloc(t->v, cap * sizeof *v);
		if (!v)
			return t->err = CL_ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n].stem = strndup(tok->term, tok->len);
	t->v[t->n].surface = strndup(t->text + tok->start, tok->end - tok->start);
	t->v[t->n].w = t->weight;
	t->v[t->n].score = 0;
	if (!t->v[t->n].stem || !t->v[t->n].surface) {
		free(t->v[t->n].stem);
		free(t->v[t->n].surface);
		return t->err = CL_ENOMEM;
	}
	t->n++;
	return 0;
}

static void terms_release(struct terms *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].stem);
		free(t->v[i].surface);
	}
	free(t->v);
	memset(t, 0, sizeof *t);
}

static int term_stem_cmp(const void *a, const void *b)
{
	const struct term *x = a, *y = b;
	return strcmp(x->stem, y->stem);
}

static int term_score_cmp(const void *a, const void *b)
{
	const struct term *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->stem, y->stem);
}

/* The OR expression of the most distinctive terms of the texts (tf
 * weighted by field, times idf from the index's vocabulary). Terms found
 * in fewer than min_df cases are skipped. *nomatch = 1 when none is left. */
static int distinctive_expr(struct fts *f, const char *const *texts, const double *weights,
			    size_t ntexts, int64_t min_df, size_t max_terms, struct dbuf *out,
			    int *nomatch, struct cl_errbuf *eb)
{
	struct terms t = {0};
	sqlite3_stmt *st;
	size_t k = 0, used = 0;
	double ndocs;
	int rc = CL_OK;

	*nomatch = 1;
	if ((rc = cache_sync(f, eb)) != CL_OK)
		return rc;
	ndocs = (double)bs_card(f->all);
	for (size_t i = 0; i < ntexts; i++) {
		size_t len = strlen(texts[i]);
		if (len > SIMILAR_TEXT_MAX)
			len = SIMILAR_TEXT_MAX;
		while (len > 0 && ((unsigned char)texts[i][len] & 0xC0) == 0x80)
			len--; /* do not cut a UTF-8 sequence */
		t.weight = weights[i];
		t.text = texts[i];
		/* document mode: the stems as indexed (language by the text) */
		rc = ta_tokenize(f->ta_q, texts[i], len, TA_NO_EXTRA, terms_cb, &t);
		if (t.err)
			rc = t.err;
		if (rc != CL_OK) {
			rc = cl_fail(eb, rc, "fts5: cannot analyse the text");
			goto out;
		}
	}
	if (t.n == 0)
		goto out;
	qsort(t.v, t.n, sizeof *t.v, term_stem_cmp);
	for (size_t i = 0; i < t.n; i++) { /* merge equal stems, keep the first surface */
		if (k > 0 && !strcmp(t.v[k - 1].stem, t.v[i].stem)) {
			t.v[k - 1].w += t.v[i].w;
			free(t.v[i].stem);
			free(t.v[i].surface);
			continue;
		}
		t.v[k++] = t.v[i];
	}
	t.n = k;
	if ((rc = stmt(f, FS_VOCAB_DF, &st, eb)) != CL_OK)
		goto out;
	for (size_t i = 0; i < t.n; i++) {
		int64_t df = 0;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, t.v[i].stem, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			df = sqlite3_column_int64(st, 0);
		else if (rc != SQLITE_DONE) {
			rc = db_fail(f, eb, rc, "read the vocabulary");
			sqlite3_reset(st);
			goto out;
		}
		t.v[i].score = df >= min_df && df > 0
				       ? (1.0 + log(t.v[i].w)) * log(1.0 + ndocs / (double)df)
				       : -1.0;
	}
	sqlite3_reset(st);
	rc = CL_OK;
	qsort(t.v, t.n, sizeof *t.v, term_score_cmp);
	for (size_t i = 0; i < t.n && used < max_terms; i++) {
		if (t.v[i].score <= 0)
			break;
		if (query_terms(f, t.v[i].surface, strlen(t.v[i].surface), 0) == 0)
			continue;
		if (used++)
			dbuf_add(out, " OR ", 4);
		sb_fts_string(out, t.v[i].surface, strlen(t.v[i].surface));
	}
	if (out->err)
		rc = cl_fail(eb, out->err, "fts5: the similarity query is too large");
	*nomatch = used == 0;
out:
	terms_release(&t);
	return rc;
}

static int fts_similar(struct engine *e, const char *id, const struct search_request *rq,
		       unsigned count_mask, struct search_result *res, struct cl_errbuf *eb)
{
	struct fts *f = e->impl;
	struct doc_text d = {0};
	struct dbuf ex = DBUF_INIT(EXPR_MAX);
	struct pass p;
	sqlite3_int64 rid = 0;
	int found = 0, rc;
	static const double weights[3] = {3.0, 2.0, 1.0};

	memset(&p, 0, sizeof p);
	p.hl = e->hl;
	if ((rc = doc_lookup(f, id, &rid, &d, &found, eb)) != CL_OK)
		return rc;
	if (!found)
		return cl_fail(eb, CL_ENOTFOUND, "fts5: case %s is not indexed", id);
	rc = distinctive_expr(f, (const char *const *)d.t, weights, 3, 2, SIMILAR_TERMS, &ex,
			      &p.nomatch, eb);
	if (rc != CL_OK)
		goto out;
	p.expr = p.nomatch ? NULL : ex.p;
	p.has_exclude = 1;
	p.exclude = (uint32_t)rid;
	p.sector_bonus = 1;
	rc = counted_pass(e, rq, &p, count_mask, res, eb);
out:
	dbuf_release(&ex);
	doc_text_release(&d);
	return rc;
}

static int fts_similar_text(struct engine *e, const struct search_request *rq,
			    unsigned count_mask, struct search_result *res, struct cl_errbuf *eb)
{
	struct fts *f = e->impl;
	struct dbuf ex = DBUF_INIT(EXPR_MAX);
	struct pass p;
	const char *texts[1] = {rq->text ? rq->text : ""};
	static const double weights[1] = {1.0};
	int rc;

	memset(&p, 0, sizeof p);
	p.hl = e->hl;
	rc = distinctive_expr(f, texts, weights, 1, 1, SIMILAR_TERMS, &ex, &p.nomatch, eb);
	if (rc == CL_OK) {
		p.expr = p.nomatch ? NULL : ex.p;
		rc = counted_pass(e, rq, &p, count_mask, res, eb);
	}
	dbuf_release(&ex);
	return rc;
}

/* --- spelling suggestions ------------------------------------------------------------- */

/* How many cases the folded word matches as a query word (itself or its
 * stems): engine.c's "is this word known". */
static int fts_word_df(struct engine *e, const char *word, long *df, struct cl_errbuf *eb)
{
	struct fts *f = e->impl;
	struct dbuf b = DBUF_INIT(EXPR_MAX);
	sqlite3_stmt *st;
	int rc;

	*df = 0;
	if (query_terms(f, word, strlen(word), 0) == 0)
		return CL_OK; /* a stopword or punctuation: not a searchable word */
	sb_fts_string(&b, word, strlen(word));
	if (b.err) {
		dbuf_release(&b);
		return cl_fail(eb, b.err, "out of memory");
	}
	if ((rc = stmt(f, FS_MATCH_COUNT, &st, eb)) != CL_OK) {
		dbuf_release(&b);
		return rc;
	}
	sqlite3_bind_text(st, 1, b.p, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*df = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	dbuf_release(&b);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return cl_fail(eb, CL_EENGINE, "fts5: word lookup failed: %s", sqlite3_errmsg(f->db));
	return CL_OK;
}

/* The words of fts_words min_chars..max_chars code points long. */
static int fts_spell_words(struct engine *e, size_t min_chars, size_t max_chars,
			   int (*cb)(void *ud, const char *word, long ncases), void *ud,
			   struct cl_errbuf *eb)
{
	struct fts *f = e->impl;
	sqlite3_stmt *st;
	int rc, stop = 0;

	if ((rc = stmt(f, FS_WORD_NEAR, &st, eb)) != CL_OK)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)min_chars);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max_chars);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((stop = cb(ud, col_text(st, 0), (long)sqlite3_column_int64(st, 1))) != 0)
			break;
	sqlite3_reset(st);
	if (stop)
		return stop;
	return rc == SQLITE_DONE ? CL_OK : db_fail(f, eb, rc, "read the word list");
}

const struct engine_ops engine_fts5_ops = {
	.name = "fts5",
	.open = fts_open,
	.close = fts_close,
	.put = fts_put,
	.del = fts_del,
	.commit = fts_commit,
	.last_seq = fts_last_seq,
	.clear = fts_clear,
	.bulk_begin = fts_bulk_begin,
	.count = fts_count,
	.foreach_id = fts_foreach_id,
	.search = fts_search,
	.similar = fts_similar,
	.similar_text = fts_similar_text,
	.word_df = fts_word_df,
	.spell_words = fts_spell_words,
};
