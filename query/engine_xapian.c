/* engine_xapian.c — the Xapian engine (engine_impl.h) on top of the C shim
 * query/xs.h. It decides what a case becomes in the index (terms, value
 * slots, stored data) and how a parsed query (qparse.h) becomes a Xapian
 * query, so that both engines give one meaning to one search. The index
 * layout and every rule are explained in docs/engine-xapian.md. */
#include "engine_impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dbuf.h"
#include "fcount.h"
#include "fcstore.h"
#include "meta_keys.h"
#include "qparse.h"
#include "synonyms.h"
#include "textan.h"
#include "utf8.h"
#include "xs.h"

#define XAP_SUBDIR "xapian"
/* Sharded Xapian (docs/operations.md): a read-only engine opens the stub
 * DATA/xapian.stub instead of DATA/xapian/ when it exists. Lines
 * "# caselib: timeout_ms N" and "# caselib: local PATH" in it (comments to
 * Xapian) set the remote timeout and the small local database that holds
 * the spelling data remote shards cannot serve. */
#define XAP_STUB "xapian.stub"
#define XAP_STUB_TIMEOUT_MS 5000

/* Value slots. */
enum {
	SLOT_ID = 0,        /* the case id: tie-break of every order */
	SLOT_DATE_ASC = 1,  /* "YYYYMMDD", undated "~" (after every digit) */
	SLOT_DATE_DESC = 2, /* each digit d as '9'-d, undated "~" */
	SLOT_YEAR = 3,      /* "YYYY" of the derived year: the year range */
	SLOT_DATE_ASC_ID = 4,  /* SLOT_DATE_ASC + id: one key for remote shards */
	SLOT_DATE_DESC_ID = 5, /* SLOT_DATE_DESC + id (Xapian 1.4's remote
				* backend has no KeyMaker: one slot per order) */
	SLOT_FACET0 = 10,   /* + enum engine_facet: the facet's values as items */
};

/* Boolean term prefix of a facet (term = prefix ":" value): the facet
 * table's (corpus/facet.h). */
static const char *facet_prefix(int f)
{
	return facet_def(f)->prefix;
}

/* Text fields. Words are indexed unprefixed (free text) and with the
 * field's prefix, both by Xapian's TermGenerator (raw words with
 * positions, no stems); our own stems (textan, the same stems as the FTS5
 * engine) go to the stem prefix (exact terms, no positions). qp_raw/qp_stem name the
 * same prefixes as QueryParser fields, for the query text we write in the
 * one case the shim's clauses cannot express (see "queries" below). */
struct xfield {
	const char *qp_raw;  /* NULL: unprefixed */
	const char *raw;     /* term prefix of words */
	const char *qp_stem;
	const char *stem;    /* term prefix of our stems */
};

static const struct xfield xfields[] = {
	[QP_ANY] = {NULL, "", "xv", "XV"},
	[QP_TITLE] = {"title", "S", "xvs", "XVS"},
	[QP_BUYER] = {"buyer", "XB", "xvb", "XVB"},
	[QP_BODY] = {"body", "XT", "xvt", "XVT"},
};

/* Feedback and "similar" expand by our free-text stems only. */
static const char *const stem_prefix[1] = {"XV"};

/* The fields whose copies of the free text keep its positions: every
 * indexed text is one of them (index_case), so a free-text phrase is a
 * phrase in one of these (xs_query_opts.phrase_prefixes). */
static const char *const phrase_prefixes[3] = {"S", "XB", "XT"};

/* QueryParser fields for the query text we build (never user syntax). */
static const struct xs_field qp_fields[] = {
	{"title", "S", 0}, {"buyer", "XB", 0}, {"body", "XT", 0}, {"xv", "XV", 0},
	{"xvs", "XVS", 0}, {"xvb", "XVB", 0},  {"xvt", "XVT", 0},
};
#define N_QP_FIELDS (sizeof qp_fields / sizeof *qp_fields)

/* Field weights: within-document frequency added per occurrence. */
#define W_TITLE 3
#define W_SUMMARY 2
#define W_BODY 1
#define W_BUYER 1

/* Xapian's TermGenerator skips words longer than this (bytes); the query
 * side drops them too so both sides agree. */
#define WORD_MAX_BYTES 64
#define STEM_BUF 512
/* Stored snippet source: at most this many bytes of summary/body. */
#define SNIP_SRC_MAX (16 * 1024)
/* Built query text cap (32 clauses with synonyms stay far below). */
#define QTEXT_MAX (256 * 1024)
/* similar(): expansion terms, and the extra hits re-ranked by sector. */
#define SIMILAR_TERMS 40
#define SIMILAR_WINDOW 100
/* foreach_id / clear page size. */
#define ID_PAGE 1000

enum doc_lang { DL_NONE, DL_SV, DL_EN };

/* CPU seconds of the indexing stages (CASELIB_INDEX_PROFILE=1: bulk
 * builds print them; the clock calls cost a few microseconds a case, so
 * they are off otherwise). */
struct ix_prof {
	double analysis; /* textan: tokens, folding, our stems, compound heads */
	double terms;    /* TermGenerator (raw words, positions, Z stems), facet
			  * terms, values, stored data */
	double write;    /* add_document and the partial databases' flushes */
	double spelling; /* the vocabulary pass */
	long docs;
};

struct bulk;

struct xap {
	struct xs_db *db;
	int writable;
	char *path;          /* DATA/xapian: the live index (a folder, or a link
			      * to the folder a bulk build made) */
	char *data_dir;
	char *target;        /* the folder db is open on (path, resolved) */
	struct bulk *bulk;   /* a bulk build is running (engine_bulk_begin) */
	struct ix_prof *prof; /* NULL: not measuring */
	char *stub;          /* sharded: the stub file; db NULL until connected */
	unsigned timeout_ms; /* sharded: connect and read timeout */
	struct xs_db *spell; /* sharded: the local spelling database, or NULL */
	struct ta *ta_words; /* fold only: the words of query and English/other text */
	struct ta *ta_dc;    /* Swedish documents: words + compound heads (writable) */
	struct ta *ta_sv;    /* stems */
	struct ta *ta_en;
	struct ta *ta_stop;  /* "auto": stopwords of either language */
	const char **stopwords; /* sv + en, for similar() */
	size_t nstopwords;
	/* the counting layer (fcount.h) of a local index: built at the first
	 * counted search, rebuilt when the revision or the handle's own
	 * changes (engine gen) moved; NULL until then */
	struct fcount *fc;
	int fc_ok;
	unsigned long long fc_rev;
	unsigned long fc_gen;
	/* a writer's changes since its last commit, for the commit's change
	 * set (fc_delta_write): the ids put, the docids deleted */
	struct fcs_changes touched;
};

/* ---- a growable string with a cap and a sticky error -------------------- */

/* ---- helpers ------------------------------------------------------------- */

static struct xap *X(struct engine *e)
{
	return e->impl;
}

/* ---- the change set of a commit, for readers' counting layers ----------
 * A writer notes what it changes ('p' + id: put; 'd' + docid: deleted)
 * and writes it with its commit under the key META_FC_DELTA + (the
 * revision it commits on top of, modulo META_FC_DELTAS), naming that
 * revision. A reader whose table is of revision r applies the change sets
 * of r, r + 1, ... up to the open revision instead of walking every
 * document again (fc_sync); a set that is missing or names another
 * revision (Xapian flushed in between on its own, a clear, more than
 * FCS_CHANGES_MAX changes, more than META_FC_DELTAS commits behind) means a
 * full walk, as before. */

/* Before a commit: the change set of the commit, then a fresh one. */
static int fc_delta_write(struct xap *x, struct cl_errbuf *eb)
{
	unsigned long long rev;
	char key[64];
	struct dbuf v;
	int rc;

	if ((rc = xs_db_revision(x->db, &rev, eb)) != CL_OK)
		return rc;
	snprintf(key, sizeof key, "%s%llu", META_FC_DELTA, rev % META_FC_DELTAS);
	dbuf_init(&v, 0);
	fcs_delta_text(&v, rev, &x->touched);
	rc = v.err ? cl_fail(eb, v.err, "out of memory")
		   : xs_db_set_metadata(x->db, key, dbuf_str(&v), eb);
	dbuf_release(&v);
	fcs_changes_reset(&x->touched);
	return rc;
}

static enum doc_lang doc_lang(const char *lang)
{
	if (lang && !strcmp(lang, "sv"))
		return DL_SV;
	if (lang && !strcmp(lang, "en"))
		return DL_EN;
	return DL_NONE;
}

/* The folder the live index is in: the target of the link DATA/xapian
 * that a bulk build switched (relative to DATA), else DATA/xapian itself.
 * Caller frees; NULL on ENOMEM. */
static char *live_target(const struct xap *x)
{
	char buf[4096], *out = NULL;
	ssize_t n = readlink(x->path, buf, sizeof buf - 1);

	if (n <= 0 || (size_t)n >= sizeof buf - 1)
		return strdup(x->path);
	buf[n] = '\0';
	if (buf[0] == '/')
		return strdup(buf);
	if (asprintf(&out, "%s/%s", x->data_dir, buf) < 0)
		return NULL;
	return out;
}

/* A read-only handle follows the live index: the writer's commits
 * (reopen), and a bulk build's switch to another folder (a new handle on
 * it; the old folder may already be gone, which a failed reopen shows). */
static int follow_live(struct xap *x, struct cl_errbuf *eb)
{
	char *t = live_target(x);
	struct xs_db *db = NULL;
	int rc;

	if (!t)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	if (x->target && !strcmp(t, x->target)) {
		free(t);
		if ((rc = xs_db_reopen(x->db, eb)) == CL_OK)
			return CL_OK;
		if (!(t = live_target(x)))
			return cl_fail(eb, CL_ENOMEM, "out of memory");
		if (!strcmp(t, x->target)) {
			free(t);
			return rc;
		}
	}
	if ((rc = xs_db_open(t, 0, &db, eb)) != CL_OK) {
		free(t);
		return rc;
	}
	xs_db_close(x->db);
	x->db = db;
	free(x->target);
	x->target = t;
	x->fc_ok = 0; /* another database (a bulk build): its own revisions */
	return CL_OK;
}

/* Read-only handles follow the writer's commits before each read. A
 * sharded handle whose connection failed (a shard down, a timeout) is
 * opened again from the stub: a shard that is still down is named in the
 * error (CL_ENET), one that came back serves again without a restart. */
static int refresh(struct xap *x, struct cl_errbuf *eb)
{
	int rc;

	if (x->writable)
		return CL_OK;
	if (!x->stub)
		return follow_live(x, eb);
	if (x->spell)
		(void)xs_db_reopen(x->spell, NULL); /* best effort: suggestions only */
	if (x->db && (rc = xs_db_reopen(x->db, eb)) != CL_ENET)
		return rc;
	xs_db_close(x->db);
	x->db = NULL;
	return xs_db_open_stub(x->stub, x->timeout_ms, &x->db, eb);
}

/* Reads the caselib lines of a stub: timeout and local database. */
static int stub_config(struct xap *x, struct cl_errbuf *eb)
{
	char line[4096], *local = NULL;
	FILE *f = fopen(x->stub, "r");
	int rc = CL_OK;

	x->timeout_ms = XAP_STUB_TIMEOUT_MS;
	if (!f)
		return cl_fail(eb, CL_EIO, "xapian: cannot read %s: %s", x->stub, strerror(errno));
	while (fgets(line, sizeof line, f)) {
		char key[32], val[sizeof line];
		if (sscanf(line, " # caselib: %31s %4095[^\r\n]", key, val) != 2)
			continue;
		if (!strcmp(key, "timeout_ms")) {
			char *end = NULL;
			unsigned long v = strtoul(val, &end, 10);
			if (end == val || v == 0 || v > 600000) {
				rc = cl_fail(eb, CL_EINVAL, "%s: timeout_ms must be 1..600000", x->stub);
				break;
			}
			x->timeout_ms = (unsigned)v;
		} else if (!strcmp(key, "local") && !local) {
			const char *slash = strrchr(x->stub, '/');
			int n = val[0] == '/' || !slash
					? asprintf(&local, "%s", val)
					: asprintf(&local, "%.*s/%s", (int)(slash - x->stub), x->stub, val);
			if (n < 0) {
				local = NULL;
				rc = cl_fail(eb, CL_ENOMEM, "out of memory");
				break;
			}
		}
	}
	fclose(f);
	/* no local database (yet): searches work, suggestions are empty */
	if (rc == CL_OK && local && xs_db_open(local, 0, &x->spell, NULL) != CL_OK)
		x->spell = NULL;
	free(local);
	return rc;
}

static int need_writable(struct xap *x, const char *what, struct cl_errbuf *eb)
{
	if (!x->writable)
		return cl_fail(eb, CL_EINVAL, "xapian: %s needs the index opened for writing", what);
	return CL_OK;
}

/* ---- open / close -------------------------------------------------------- */

static void bulk_abort(struct xap *x);
static void bulk_sweep(struct xap *x);

static void ta_release(struct xap *x)
{
	ta_close(x->ta_words);
	ta_close(x->ta_dc);
	ta_close(x->ta_sv);
	ta_close(x->ta_en);
	ta_close(x->ta_stop);
	x->ta_words = x->ta_dc = x->ta_sv = x->ta_en = x->ta_stop = NULL;
}

/* The analysers of x: folding, stems, stopwords, and for writing the
 * Swedish compound heads. */
static int ta_setup(struct xap *x, int writable, struct cl_errbuf *eb)
{
	int rc;

	if ((rc = ta_open(&x->ta_words, "none", TA_NO_STOPWORDS, eb)) != CL_OK ||
	    (rc = ta_open(&x->ta_sv, "sv", TA_NO_STOPWORDS, eb)) != CL_OK ||
	    (rc = ta_open(&x->ta_en, "en", TA_NO_STOPWORDS, eb)) != CL_OK ||
	    (rc = ta_open(&x->ta_stop, "auto", 0, eb)) != CL_OK)
		return rc;
	if (writable)
		rc = ta_open(&x->ta_dc, "sv", TA_NO_STEM | TA_NO_STOPWORDS | TA_DECOMPOUND, eb);
	return rc;
}

static void xap_free(struct xap *x)
{
	if (!x)
		return;
	bulk_abort(x);
	xs_db_close(x->db);
	xs_db_close(x->spell);
	fcount_free(x->fc);
	fcs_changes_reset(&x->touched);
	free(x->stub);
	ta_release(x);
	free(x->stopwords);
	free(x->path);
	free(x->data_dir);
	free(x->target);
	free(x);
}

static int xap_open(struct engine *e, const char *data_dir, struct store *s, int writable,
		    struct cl_errbuf *eb)
{
	struct xap *x = NULL;
	const char *const *sw;
	size_t nsv, nen;
	int rc;

	(void)s;
	if (!data_dir || !*data_dir)
		return cl_fail(eb, CL_EINVAL, "xapian: no data directory");
	if ((rc = syn_load(eb)) != CL_OK)
		return rc;
	x = calloc(1, sizeof *x);
	if (!x)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	x->writable = writable != 0;
	if (asprintf(&x->path, "%s/%s", data_dir, XAP_SUBDIR) < 0) {
		x->path = NULL;
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	if (!(x->data_dir = strdup(data_dir))) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	if (x->writable && mkdir(x->path, 0777) != 0 && errno != EEXIST) {
		rc = cl_fail(eb, CL_EIO, "xapian: cannot create %s: %s", x->path, strerror(errno));
		goto out;
	}
	if (!x->writable) {
		struct stat st;
		if (asprintf(&x->stub, "%s/%s", data_dir, XAP_STUB) < 0) {
			x->stub = NULL;
			rc = cl_fail(eb, CL_ENOMEM, "out of memory");
			goto out;
		}
		if (stat(x->stub, &st) != 0) {
			free(x->stub);
			x->stub = NULL;
		}
	}
	if (x->stub) {
		/* sharded: connect now if we can; a shard that is down is an
		 * error of each search (refresh), not of the open */
		if ((rc = stub_config(x, eb)) != CL_OK)
			goto out;
		rc = xs_db_open_stub(x->stub, x->timeout_ms, &x->db, eb);
		if (rc == CL_ENET)
			rc = CL_OK;
	} else if (!(x->target = live_target(x))) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
	} else {
		rc = xs_db_open(x->target, x->writable, &x->db, eb);
	}
	if (rc == CL_ENOTFOUND && !x->writable) {
		rc = cl_fail(eb, CL_ENOTFOUND,
			     "no Xapian index in %s: build it with `caselib reindex --engine xapian`",
			     x->path);
		goto out;
	}
	if (rc != CL_OK)
		goto out;
	if (x->writable && (rc = xs_db_enable_spelling(x->db, 1, eb)) != CL_OK)
		goto out;
	if ((rc = ta_setup(x, x->writable, eb)) != CL_OK)
		goto out;
	if (x->writable)
		bulk_sweep(x); /* what a killed rebuild left (we hold the lock) */
	nsv = ta_stopwords(TA_LANG_SV, &sw);
	nen = ta_stopwords(TA_LANG_EN, &sw);
	x->stopwords = calloc(nsv + nen + 1, sizeof *x->stopwords);
	if (!x->stopwords) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	nsv = ta_stopwords(TA_LANG_SV, &sw);
	for (size_t i = 0; i < nsv; i++)
		x->stopwords[x->nstopwords++] = sw[i];
	nen = ta_stopwords(TA_LANG_EN, &sw);
	for (size_t i = 0; i < nen; i++)
		x->stopwords[x->nstopwords++] = sw[i];
	e->impl = x;
	x = NULL;
out:
	xap_free(x);
	return rc;
}

static void xap_close(struct engine *e)
{
	xap_free(X(e));
	e->impl = NULL;
}

/* ---- indexing ------------------------------------------------------------ */

/* One field of one case being indexed. Words go to a folded stream for
 * Xapian's TermGenerator (raw terms with positions, spelling data); our own stems and the Swedish compound heads are added as exact
 * terms under the stem prefixes (no positions: only words make phrases). */
struct ix_state {
	struct xap *x;
	struct xs_doc *doc;
	enum doc_lang lang;
	enum qp_field field;
	unsigned weight;
	struct dbuf words;
	struct cl_errbuf *eb;
	int rc;
};

static void add_stem(struct ix_state *st, struct ta *ta, const char *w, size_t len)
{
	char stem[STEM_BUF], term[XS_TERM_MAX + 1];
	int n = ta_stem_word(ta, w, len, stem, sizeof stem);

	if (n <= 0 || st->rc != CL_OK)
		return;
	for (int k = 0; k < 2 && st->rc == CL_OK; k++) {
		const char *pfx = k == 0 ? xfields[QP_ANY].stem : xfields[st->field].stem;
		if (k == 1 && st->field == QP_ANY)
			break;
		if ((size_t)snprintf(term, sizeof term, "%s%s", pfx, stem) >= sizeof term)
			return;
		st->rc = xs_doc_add_term(st->doc, term, st->weight, st->eb);
	}
}

static int ix_token(void *ud, const struct ta_token *t)
{
	struct ix_state *st = ud;

	if (t->len > WORD_MAX_BYTES)
		return CL_OK; /* TermGenerator would skip it */
	if (t->flags & TA_TOK_COLOCATED) { /* a compound head (Swedish only) */
		add_stem(st, st->x->ta_sv, t->term, t->len);
	} else {
		if (st->words.n)
			dbuf_add(&st->words, " ", 1);
		dbuf_add(&st->words, t->term, t->len);
		if (st->lang == DL_SV)
			add_stem(st, st->x->ta_sv, t->term, t->len);
		else if (st->lang == DL_EN)
			add_stem(st, st->x->ta_en, t->term, t->len);
	}
	if (st->rc != CL_OK)
		return st->rc;
	return st->words.err;
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Indexes one field's text into doc under the free-text and the field's
 * prefixes. */
static int index_field(struct xap *x, struct xs_doc *doc, enum doc_lang lang, const char *text,
		       enum qp_field f, unsigned weight, struct cl_errbuf *eb)
{
	struct ix_state st;
	struct ta *ta;
	double t0, t1;
	int rc;

	if (!text || !*text)
		return CL_OK;
	memset(&st, 0, sizeof st);
	st.x = x;
	st.doc = doc;
	st.lang = lang;
	st.field = f;
	st.weight = weight;
	st.eb = eb;
	dbuf_init(&st.words, (size_t)-1 / 2);
	ta = lang == DL_SV && ta_decompound_available() ? x->ta_dc : x->ta_words;
	t0 = x->prof ? cpu_now() : 0;
	rc = ta_tokenize(ta, text, strlen(text), 0, ix_token, &st);
	if (x->prof) {
		t1 = cpu_now();
		x->prof->analysis += t1 - t0;
		x->prof->terms -= t1 - t0; /* the caller counts the whole case as terms */
	}
	if (rc != CL_OK) {
		if (st.rc == CL_OK) /* not an error of the shim's (eb set) */
			rc = cl_fail(eb, rc, "xapian: analysing text: %s", cl_strerror(rc));
		goto out;
	}
	/* positions once: in the field's copy (phrases); the free-text copy
	 * has none, its phrases are the fields' (phrase_prefixes) */
	if (st.words.n &&
	    ((rc = f == QP_ANY
		       ? xs_doc_index_text(doc, dbuf_str(&st.words), "", weight, eb)
		       : xs_doc_index_text_without_positions(doc, dbuf_str(&st.words), "", weight,
							     eb)) != CL_OK ||
	     (f != QP_ANY &&
	      (rc = xs_doc_index_text(doc, dbuf_str(&st.words), xfields[f].raw, weight, eb)) != CL_OK)))
		goto out;
out:
	dbuf_release(&st.words);
	return rc;
}

/* body, outcome and lessons joined by blank lines, as the FTS5 engine
 * keeps them (the snippet's body text); NULL on ENOMEM. */
static char *body_text(const struct case_record *c)
{
	struct dbuf b;
	const char *parts[3] = {c->body, c->outcome, c->lessons};

	dbuf_init(&b, 4 * SNIP_SRC_MAX);
	dbuf_puts(&b, "");
	for (int i = 0; i < 3; i++) {
		if (!parts[i] || !*parts[i])
			continue;
		if (b.n)
			dbuf_puts(&b, "\n\n");
		dbuf_add(&b, parts[i], utf8_cut(parts[i], strlen(parts[i]), SNIP_SRC_MAX));
	}
	if (b.err == CL_ETOOBIG)
		b.err = 0; /* more than kept: the first SNIP_SRC_MAX bytes do */
	if (b.err) {
		dbuf_release(&b);
		return NULL;
	}
	return b.p;
}

static int set_cut(json_t *j, const char *key, const char *text)
{
	if (!text || !*text)
		return 0;
	return json_object_set_new(j, key,
				   json_stringn(text, utf8_cut(text, strlen(text), SNIP_SRC_MAX)));
}

/* Stored data: title, the snippet texts (summary "m", body "b", each at
 * most SNIP_SRC_MAX bytes; documents indexed before them have "x", the
 * summary or else the body) and the hit's card (case_hit_card: what a
 * result page shows, so it needs no store read; documents indexed before
 * it have none). The card holds the language and the sectors (similar()
 * reads them there); documents indexed before kept them twice, as "l"
 * and "s" beside the card. */
static char *doc_data(const struct case_record *c)
{
	json_t *j = json_object(), *card = case_hit_card(c);
	char *out = NULL, *body = body_text(c);

	if (!j || !card || !body || json_object_set(j, "c", card))
		goto out;
	if (json_object_set_new(j, "t", json_string(c->title ? c->title : "")) ||
	    set_cut(j, "m", c->summary) || set_cut(j, "b", body))
		goto out;
	out = json_dumps(j, JSON_COMPACT);
out:
	free(body);
	json_decref(card);
	json_decref(j);
	return out;
}

/* The sectors of a document's stored data: its card's, else (indexed
 * before the card) "s". */
static json_t *data_sectors(json_t *j)
{
	json_t *s = json_object_get(json_object_get(j, "c"), "sectors");
	return s ? s : json_object_get(j, "s");
}

/* The document of case c (caller frees *out with xs_doc_free). x gives
 * the analysers (a bulk build's worker has its own). */
static int build_doc(struct xap *x, const struct case_record *c, struct xs_doc **out,
		     struct cl_errbuf *eb)
{
	struct xs_doc *doc = NULL;
	enum doc_lang lang;
	char *data = NULL, asc[16], desc[16], term[XS_TERM_MAX + 1];
	int rc;

	*out = NULL;
	if (!c || !c->id || !*c->id || strlen(c->id) > XS_ID_MAX)
		return cl_fail(eb, CL_EINVAL, "xapian: a case needs an id of 1..%d bytes", XS_ID_MAX);
	lang = doc_lang(c->language);
	/* No stemmer for TermGenerator: raw words only (with positions); the
	 * stems are ours, under XV (add_stem). Xapian's own "Z" stems were a
	 * third form of every word (26 % of the postings on the real corpus),
	 * and the same stems but for the "-et" rule. */
	if ((rc = xs_doc_new(NULL, &doc, eb)) != CL_OK)
		return rc;
	if ((rc = xs_doc_set_id(doc, c->id, eb)) != CL_OK)
		goto out;

	if ((rc = index_field(x, doc, lang, c->title, QP_TITLE, W_TITLE, eb)) != CL_OK ||
	    (rc = index_field(x, doc, lang, c->summary, QP_BODY, W_SUMMARY, eb)) != CL_OK ||
	    (rc = index_field(x, doc, lang, c->body, QP_BODY, W_BODY, eb)) != CL_OK ||
	    (rc = index_field(x, doc, lang, c->outcome, QP_BODY, W_BODY, eb)) != CL_OK ||
	    (rc = index_field(x, doc, lang, c->lessons, QP_BODY, W_BODY, eb)) != CL_OK ||
	    (rc = index_field(x, doc, lang, c->buyer.name, QP_BUYER, W_BUYER, eb)) != CL_OK)
		goto out;

	for (int f = 0; f < EF_COUNT; f++) {
		struct facet_values fv;
		engine_case_facet(c, (enum engine_facet)f, &fv);
		for (size_t i = 0; i < fv.n; i++) {
			int n = snprintf(term, sizeof term, "%s:%s", facet_prefix(f), fv.v[i]);
			if (n < 0 || (size_t)n >= sizeof term) {
				rc = cl_fail(eb, CL_EINVAL, "xapian: %s value of %s is too long",
					     engine_facet_name((enum engine_facet)f), c->id);
				goto out;
			}
			if ((rc = xs_doc_add_boolean(doc, term, eb)) != CL_OK ||
			    (rc = xs_doc_add_value_item(doc, SLOT_FACET0 + (unsigned)f, fv.v[i],
							strlen(fv.v[i]), eb)) != CL_OK)
				goto out;
		}
		if (f == EF_YEAR && fv.n &&
		    (rc = xs_doc_set_value(doc, SLOT_YEAR, fv.v[0], strlen(fv.v[0]), eb)) != CL_OK)
			goto out;
	}
	sem_date_key_strings(c->published, asc, desc);
	if ((rc = xs_doc_set_value(doc, SLOT_ID, c->id, strlen(c->id), eb)) != CL_OK ||
	    (rc = xs_doc_set_value(doc, SLOT_DATE_ASC, asc, strlen(asc), eb)) != CL_OK ||
	    (rc = xs_doc_set_value(doc, SLOT_DATE_DESC, desc, strlen(desc), eb)) != CL_OK)
		goto out;
	{
		char key[16 + XS_ID_MAX + 1];
		snprintf(key, sizeof key, "%s%s", asc, c->id);
		if ((rc = xs_doc_set_value(doc, SLOT_DATE_ASC_ID, key, strlen(key), eb)) != CL_OK)
			goto out;
		snprintf(key, sizeof key, "%s%s", desc, c->id);
		if ((rc = xs_doc_set_value(doc, SLOT_DATE_DESC_ID, key, strlen(key), eb)) != CL_OK)
			goto out;
	}
	data = doc_data(c);
	if (!data) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = xs_doc_set_data(doc, data, eb)) != CL_OK)
		goto out;
	*out = doc;
	doc = NULL;
out:
	free(data);
	xs_doc_free(doc);
	return rc;
}

static int bulk_put(struct xap *x, const struct case_record *c, struct cl_errbuf *eb);

static int xap_put(struct engine *e, const struct case_record *c, struct cl_errbuf *eb)
{
	struct xap *x = X(e);
	struct xs_doc *doc = NULL;
	int rc;

	if ((rc = need_writable(x, "put", eb)) != CL_OK)
		return rc;
	if (x->bulk)
		return bulk_put(x, c, eb);
	if ((rc = build_doc(x, c, &doc, eb)) == CL_OK &&
	    (rc = xs_db_replace(x->db, c->id, doc, eb)) == CL_OK)
		fcs_note(&x->touched, 'p', c->id);
	xs_doc_free(doc);
	return rc;
}

/* ---- bulk builds -----------------------------------------------------------
 * engine_bulk_begin: the cases put until the next commit become a new index,
 * built beside the live one (which stays open, locked against other writers,
 * and served to readers). The cases are cut into blocks of BULK_BLOCK in the
 * order they are put; the worker threads (one per core) take every nw-th
 * block and index each into a partial database of its own (no spelling
 * data, committed once at the block's end: Xapian 1.4's in-memory inverter
 * gets slower as it grows, so large flush thresholds cost CPU and memory —
 * at 100k cases 3,000 per flush took 44 s of CPU and 89 MB, 200,000 took
 * 66 s and 765 MB), after adding the block's vocabulary to its spelling
 * data in one pass. The commit merges the partials in block order (so the
 * documents are numbered in the order they were put, as an incremental
 * build numbers them: ranking ties that fall in document order stay the
 * same) into one compact database
 * (DATA/xapian.b<stamp>) and switches the link DATA/xapian to it with one
 * rename (a legacy folder DATA/xapian is exchanged with the link, also in
 * one step: renameat2 RENAME_EXCHANGE). Readers follow at their next read
 * (follow_live). Anything named xapian.b* that is not the live folder is a
 * left-over of an interrupted build and is removed by the next one. */

#define BULK_PREFIX "xapian.b"
#define BULK_BLOCK 20000 /* cases per partial database */
#define BULK_FLUSH 3000  /* cases per flush of a partial */
#define BULK_MAX_THREADS 8

struct bitem {
	struct case_record *c;
	long blk; /* the index of its partial in bulk.parts */
};

struct bworker {
	struct bulk *b;
	struct xap ax;      /* this worker's analysers (and its partial as ax.db) */
	struct ix_prof prof;
	long blk;           /* the partial ax.db is, -1: none */
	struct bitem *q;    /* its queue: a block, so that the reader can go on
			     * to the next worker's block while this one works
			     * through its own */
	size_t head, n, qcap;
	pthread_cond_t can_get, can_put;
	pthread_t th;
	int started;
	int rc;
	struct cl_errbuf eb;
	long docs;
	unsigned long spell_words;
};

struct bulk {
	char *dir;        /* the database being built */
	char *stamp_name; /* its name in DATA */
	struct bworker *w;
	size_t nw;
	pthread_mutex_t mu;
	char **parts;     /* the partial databases, in merge order: the seq's,
			   * then one per block */
	size_t nparts, cap;
	long nput;
	long block;       /* cases per block */
	int done;         /* no more cases: workers finish */
	int failed;       /* a worker failed: put returns its error */
	double cpu_read0;
};

/* Removes a database folder (files only: glass has no subfolders). */
static void rm_db_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[4096];

	if (!d) {
		(void)unlink(dir); /* a link left by a switch */
		return;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    (size_t)snprintf(p, sizeof p, "%s/%s", dir, de->d_name) < sizeof p)
			(void)unlink(p);
	closedir(d);
	(void)rmdir(dir);
}

/* Removes what interrupted builds left in DATA (xapian.b*, except the live
 * folder). Called with the live index's write lock held. */
static void bulk_sweep(struct xap *x)
{
	DIR *d = opendir(x->data_dir);
	struct dirent *de;
	const char *live = x->target ? strrchr(x->target, '/') : NULL;
	char p[4096];

	live = live ? live + 1 : "";
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, BULK_PREFIX, strlen(BULK_PREFIX)) || !strcmp(de->d_name, live))
			continue;
		if ((size_t)snprintf(p, sizeof p, "%s/%s", x->data_dir, de->d_name) < sizeof p)
			rm_db_dir(p);
	}
	closedir(d);
}

/* The end of a worker's block: its vocabulary into its spelling data (one
 * pass), the commit, the close. */
static int bw_block_end(struct bworker *w)
{
	double t0 = w->ax.prof ? cpu_now() : 0;
	unsigned long nw = 0;
	int rc;

	if (!w->ax.db)
		return CL_OK;
	rc = xs_db_spelling_from_terms(w->ax.db, &nw, &w->eb);
	w->spell_words += nw;
	if (w->ax.prof) {
		double t1 = cpu_now();
		w->prof.spelling += t1 - t0;
		t0 = t1;
	}
	if (rc == CL_OK)
		rc = xs_db_commit(w->ax.db, &w->eb);
	xs_db_close(w->ax.db);
	w->ax.db = NULL;
	if (w->ax.prof)
		w->prof.write += cpu_now() - t0;
	return rc;
}

static int bw_index(struct bworker *w, const struct bitem *it)
{
	struct bulk *b = w->b;
	struct xs_doc *doc = NULL;
	double t0 = 0, t1 = 0;
	int rc;

	if (it->blk != w->blk) {
		char *path;
		if ((rc = bw_block_end(w)) != CL_OK)
			return rc;
		pthread_mutex_lock(&b->mu);
		path = b->parts[it->blk];
		pthread_mutex_unlock(&b->mu);
		if ((rc = xs_db_create_bulk(path, &w->ax.db, &w->eb)) != CL_OK)
			return rc;
		w->blk = it->blk;
	}
	if (w->ax.prof)
		t0 = cpu_now();
	rc = build_doc(&w->ax, it->c, &doc, &w->eb);
	if (w->ax.prof) {
		t1 = cpu_now();
		w->prof.terms += t1 - t0;
	}
	if (rc == CL_OK)
		rc = xs_db_add(w->ax.db, doc, &w->eb);
	xs_doc_free(doc);
	if (rc == CL_OK && ++w->docs % BULK_FLUSH == 0)
		rc = xs_db_commit(w->ax.db, &w->eb);
	if (w->ax.prof)
		w->prof.write += cpu_now() - t1;
	return rc;
}

/* A worker: the cases of its blocks (every nw-th block, in order), each
 * block into a partial database of its own, so that merging the partials
 * in order numbers the documents in the order they were put. */
static void *bw_main(void *arg)
{
	struct bworker *w = arg;
	struct bulk *b = w->b;
	int rc = CL_OK;

	for (;;) {
		struct bitem it = {NULL, 0};
		pthread_mutex_lock(&b->mu);
		while (!w->n && !b->done && !b->failed)
			pthread_cond_wait(&w->can_get, &b->mu);
		if (w->n && !b->failed) {
			it = w->q[w->head];
			w->head = (w->head + 1) % w->qcap;
			w->n--;
			pthread_cond_signal(&w->can_put);
		}
		pthread_mutex_unlock(&b->mu);
		if (!it.c)
			break;
		rc = bw_index(w, &it);
		case_release(it.c);
		free(it.c);
		if (rc != CL_OK)
			break;
	}
	pthread_mutex_lock(&b->mu);
	if (rc == CL_OK && !b->failed) {
		pthread_mutex_unlock(&b->mu);
		rc = bw_block_end(w);
		pthread_mutex_lock(&b->mu);
	}
	w->rc = rc;
	if (rc != CL_OK) {
		b->failed = 1;
		for (size_t i = 0; i < b->nw; i++) {
			pthread_cond_broadcast(&b->w[i].can_put);
			pthread_cond_broadcast(&b->w[i].can_get);
		}
	}
	pthread_mutex_unlock(&b->mu);
	xs_db_close(w->ax.db);
	w->ax.db = NULL;
	return NULL;
}

/* Stops the workers (done: let them finish their queues) and joins them;
 * the first worker error, if any, goes to eb. */
static int bulk_join(struct bulk *b, int done, struct cl_errbuf *eb)
{
	int rc = CL_OK;

	pthread_mutex_lock(&b->mu);
	if (done)
		b->done = 1;
	else
		b->failed = 1;
	for (size_t i = 0; i < b->nw; i++) {
		pthread_cond_broadcast(&b->w[i].can_get);
		pthread_cond_broadcast(&b->w[i].can_put);
	}
	pthread_mutex_unlock(&b->mu);
	for (size_t i = 0; i < b->nw; i++) {
		if (b->w[i].started)
			pthread_join(b->w[i].th, NULL);
		b->w[i].started = 0;
		if (rc == CL_OK && b->w[i].rc != CL_OK) {
			rc = b->w[i].rc;
			cl_fail(eb, rc, "%s", b->w[i].eb.msg);
		}
	}
	return rc;
}

static void bulk_free(struct bulk *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nw; i++) {
		struct bworker *w = &b->w[i];
		xs_db_close(w->ax.db);
		ta_release(&w->ax);
		while (w->n) {
			case_release(w->q[w->head].c);
			free(w->q[w->head].c);
			w->head = (w->head + 1) % w->qcap;
			w->n--;
		}
		free(w->q);
		pthread_cond_destroy(&w->can_get);
		pthread_cond_destroy(&w->can_put);
	}
	for (size_t i = 0; i < b->nparts; i++) {
		rm_db_dir(b->parts[i]);
		free(b->parts[i]);
	}
	free(b->parts);
	free(b->w);
	free(b->dir);
	free(b->stamp_name);
	pthread_mutex_destroy(&b->mu);
	free(b);
}

/* Throws a running build away (engine_close without a commit, or an error):
 * the live index is untouched. */
static void bulk_abort(struct xap *x)
{
	struct bulk *b = x->bulk;

	if (!b)
		return;
	bulk_join(b, 0, NULL);
	if (b->dir)
		rm_db_dir(b->dir);
	bulk_free(b);
	x->bulk = NULL;
}

static size_t bulk_threads(void)
{
	const char *env = getenv("CASELIB_INDEX_THREADS");
	long n = env && *env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	return n > BULK_MAX_THREADS ? BULK_MAX_THREADS : (size_t)n;
}

/* A new partial's path at the end of b->parts (with b->mu held, or before
 * the workers start); name "meta": the one that carries the seq. */
static int bulk_new_part(struct bulk *b, const char *name, struct cl_errbuf *eb)
{
	char *p = NULL;

	if (dbuf_grow(&b->parts, &b->cap, b->nparts + 1, sizeof *b->parts))
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	if ((name ? asprintf(&p, "%s.%s", b->dir, name)
		  : asprintf(&p, "%s.p%06zu", b->dir, b->nparts)) < 0)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	b->parts[b->nparts++] = p;
	return CL_OK;
}

static int xap_bulk_begin(struct engine *e, struct cl_errbuf *eb)
{
	struct xap *x = X(e);
	struct bulk *b = NULL;
	const char *prof = getenv("CASELIB_INDEX_PROFILE"), *blk = getenv("CASELIB_INDEX_BLOCK");
	struct timespec now;
	size_t i;
	int rc;

	if ((rc = need_writable(x, "a bulk build", eb)) != CL_OK)
		return rc;
	bulk_abort(x);
	bulk_sweep(x);
	if (!(b = calloc(1, sizeof *b)))
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	pthread_mutex_init(&b->mu, NULL);
	b->cpu_read0 = cpu_now();
	b->block = blk && atol(blk) > 0 && atol(blk) <= 1000000 ? atol(blk) : BULK_BLOCK;
	x->bulk = b;
	clock_gettime(CLOCK_REALTIME, &now);
	if (asprintf(&b->stamp_name, "%s%lld-%09ld-%d", BULK_PREFIX, (long long)now.tv_sec,
		     now.tv_nsec, (int)getpid()) < 0 ||
	    asprintf(&b->dir, "%s/%s", x->data_dir, b->stamp_name) < 0) {
		b->stamp_name = b->dir = NULL;
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	/* first in the merge: the seq (and an index even without cases) */
	if ((rc = bulk_new_part(b, "meta", eb)) != CL_OK)
		goto out;
	b->nw = bulk_threads();
	if (!(b->w = calloc(b->nw, sizeof *b->w))) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < b->nw; i++) {
		struct bworker *w = &b->w[i];
		w->b = b;
		w->blk = -1;
		w->qcap = (size_t)b->block;
		if (!(w->q = calloc(w->qcap, sizeof *w->q))) {
			rc = cl_fail(eb, CL_ENOMEM, "out of memory");
			goto out;
		}
		pthread_cond_init(&w->can_get, NULL);
		pthread_cond_init(&w->can_put, NULL);
		if (prof && *prof && strcmp(prof, "0"))
			w->ax.prof = &w->prof;
		if ((rc = ta_setup(&w->ax, 1, eb)) != CL_OK)
			goto out;
	}
	for (i = 0; i < b->nw; i++) {
		if (pthread_create(&b->w[i].th, NULL, bw_main, &b->w[i])) {
			rc = cl_fail(eb, CL_ENOMEM, "xapian: cannot start an indexing thread");
			goto out;
		}
		b->w[i].started = 1;
	}
out:
	if (rc != CL_OK)
		bulk_abort(x);
	return rc;
}

static int bulk_put(struct xap *x, const struct case_record *c, struct cl_errbuf *eb)
{
	struct bulk *b = x->bulk;
	struct case_record *cp = NULL;
	struct bworker *w;
	long blk;
	int rc = CL_OK;

	if (!c || !c->id || !*c->id || strlen(c->id) > XS_ID_MAX)
		return cl_fail(eb, CL_EINVAL, "xapian: a case needs an id of 1..%d bytes", XS_ID_MAX);
	if (!(cp = malloc(sizeof *cp)))
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	case_init(cp);
	if ((rc = case_copy(cp, c)) != CL_OK) {
		free(cp);
		return cl_fail(eb, rc, "out of memory");
	}
	blk = b->nput / b->block; /* its partial: blk + 1 (0 is the seq's) */
	w = &b->w[(size_t)blk % b->nw];
	pthread_mutex_lock(&b->mu);
	if ((size_t)blk + 1 == b->nparts)
		rc = bulk_new_part(b, NULL, eb);
	while (rc == CL_OK && w->n == w->qcap && !b->failed)
		pthread_cond_wait(&w->can_put, &b->mu);
	if (rc == CL_OK && !b->failed) {
		w->q[(w->head + w->n) % w->qcap] = (struct bitem){cp, blk + 1};
		w->n++;
		b->nput++;
		cp = NULL;
		pthread_cond_signal(&w->can_get);
	}
	pthread_mutex_unlock(&b->mu);
	if (cp) { /* out of memory, or a worker failed: its error */
		case_release(cp);
		free(cp);
		if (rc == CL_OK)
			rc = bulk_join(b, 0, eb);
		bulk_abort(x);
		return rc != CL_OK ? rc : cl_fail(eb, CL_EENGINE, "xapian: the bulk build failed");
	}
	return CL_OK;
}

/* fsync of a folder (the switch's rename made durable). */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* fsync of every file of a database folder and of the folder: the built
 * index is on disk before the link points at it (a power cut after the
 * switch must not find a link to a half-written index). */
static void sync_db_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[4096];

	while (d && (de = readdir(d))) {
		int fd;
		if (de->d_name[0] == '.' ||
		    (size_t)snprintf(p, sizeof p, "%s/%s", dir, de->d_name) >= sizeof p)
			continue;
		if ((fd = open(p, O_RDONLY)) >= 0) {
			(void)fsync(fd);
			close(fd);
		}
	}
	if (d)
		closedir(d);
	sync_dir(dir);
}

/* Makes DATA/xapian point at the new folder in one step; *old gets what
 * to remove afterwards (the former folder), NULL when nothing. */
static int bulk_switch(struct xap *x, struct bulk *b, char **old, struct cl_errbuf *eb)
{
	char *link = NULL;
	struct stat st;
	int rc = CL_OK;

	*old = NULL;
	if (asprintf(&link, "%s.link", b->dir) < 0)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	(void)unlink(link);
	if (symlink(b->stamp_name, link) != 0) {
		rc = cl_fail(eb, CL_EIO, "xapian: cannot create %s: %s", link, strerror(errno));
		goto out;
	}
	if (lstat(x->path, &st) == 0 && S_ISDIR(st.st_mode)) {
		/* a folder (built incrementally): exchange it with the link */
		if (renameat2(AT_FDCWD, link, AT_FDCWD, x->path, RENAME_EXCHANGE) != 0) {
			rc = cl_fail(eb, CL_EIO, "xapian: cannot switch %s to the new index: %s",
				     x->path, strerror(errno));
			(void)unlink(link);
			goto out;
		}
		*old = link; /* now the former folder */
		link = NULL;
	} else {
		if (rename(link, x->path) != 0) {
			rc = cl_fail(eb, CL_EIO, "xapian: cannot switch %s to the new index: %s",
				     x->path, strerror(errno));
			(void)unlink(link);
			goto out;
		}
		if (x->target && strcmp(x->target, x->path))
			*old = strdup(x->target);
	}
	sync_dir(x->data_dir);
out:
	free(link);
	return rc;
}

static void bulk_report(const struct bulk *b, double t_compact, double cpu_read)
{
	struct ix_prof t = {0};
	unsigned long words = 0;

	for (size_t i = 0; i < b->nw; i++) {
		t.analysis += b->w[i].prof.analysis;
		t.terms += b->w[i].prof.terms;
		t.write += b->w[i].prof.write;
		t.spelling += b->w[i].prof.spelling;
		t.docs += b->w[i].docs;
		words += b->w[i].spell_words;
	}
	if (!t.docs)
		t.docs = 1;
	fprintf(stderr,
		"xapian bulk build: %ld cases, %zu threads, %zu partial databases; CPU us/case: "
		"read %.1f (store, parse, hand-over), analysis %.1f, terms %.1f, write %.1f, "
		"spelling %.1f (%lu words in partials), compaction %.1f\n",
		t.docs, b->nw, b->nparts, 1e6 * cpu_read / (double)t.docs,
		1e6 * t.analysis / (double)t.docs, 1e6 * t.terms / (double)t.docs,
		1e6 * t.write / (double)t.docs, 1e6 * t.spelling / (double)t.docs, words,
		1e6 * t_compact / (double)t.docs);
}

/* The commit of a bulk build: workers finish, the seq's partial, the
 * partials merged in order, the switch. */
static int bulk_commit(struct xap *x, int64_t seq, struct cl_errbuf *eb)
{
	struct bulk *b = x->bulk;
	char *old = NULL, buf[32];
	struct xs_db *db = NULL;
	double cpu_read, t0;
	int rc;

	cpu_read = cpu_now() - b->cpu_read0;
	if ((rc = bulk_join(b, 1, eb)) != CL_OK)
		goto out;
	snprintf(buf, sizeof buf, "%lld", (long long)seq);
	if ((rc = xs_db_create_bulk(b->parts[0], &db, eb)) != CL_OK ||
	    (rc = xs_db_set_metadata(db, META_LAST_SEQ, buf, eb)) != CL_OK ||
	    (rc = xs_db_commit(db, eb)) != CL_OK)
		goto out;
	xs_db_close(db);
	db = NULL;
	t0 = cpu_now();
	if ((rc = xs_db_compact((const char *const *)b->parts, b->nparts, b->dir, eb)) != CL_OK)
		goto out;
	if (b->w[0].ax.prof)
		bulk_report(b, cpu_now() - t0, cpu_read);
	/* the new index, open for writing before the switch: a later put of
	 * this handle goes to it */
	if ((rc = xs_db_open(b->dir, 1, &db, eb)) != CL_OK ||
	    (rc = xs_db_enable_spelling(db, 1, eb)) != CL_OK)
		goto out;
	sync_db_dir(b->dir);
	if ((rc = bulk_switch(x, b, &old, eb)) != CL_OK)
		goto out;
	xs_db_close(x->db); /* the old index's lock */
	x->db = db;
	db = NULL;
	free(x->target);
	x->target = b->dir;
	b->dir = NULL;
	if (old)
		rm_db_dir(old);
out:
	free(old);
	xs_db_close(db);
	if (rc != CL_OK && b->dir)
		rm_db_dir(b->dir);
	bulk_free(b);
	x->bulk = NULL;
	return rc;
}

static int xap_del(struct engine *e, const char *id, struct cl_errbuf *eb)
{
	struct xap *x = X(e);
	char num[16];
	unsigned docid;
	int rc;

	if ((rc = need_writable(x, "delete", eb)) != CL_OK)
		return rc;
	if (x->bulk)
		return cl_fail(eb, CL_EINVAL, "xapian: a bulk build only takes puts");
	if (!id || !*id || strlen(id) > XS_ID_MAX)
		return CL_OK; /* such an id can never be indexed: nothing to remove */
	if ((rc = xs_db_docid(x->db, id, &docid, eb)) == CL_ENOTFOUND)
		return CL_OK; /* not indexed: nothing to remove */
	if (rc != CL_OK)
		return rc;
	snprintf(num, sizeof num, "%u", docid);
	if ((rc = xs_db_delete(x->db, id, eb)) == CL_OK)
		fcs_note(&x->touched, 'd', num);
	return rc;
}

static int xap_commit(struct engine *e, int64_t seq, struct cl_errbuf *eb)
{
	struct xap *x = X(e);
	char buf[32];
	int rc;

	if ((rc = need_writable(x, "commit", eb)) != CL_OK)
		return rc;
	if (seq < 0)
		return cl_fail(eb, CL_EINVAL, "xapian: negative seq %lld", (long long)seq);
	if (x->bulk)
		return bulk_commit(x, seq, eb);
	snprintf(buf, sizeof buf, "%lld", (long long)seq);
	if ((rc = xs_db_set_metadata(x->db, META_LAST_SEQ, buf, eb)) != CL_OK ||
	    (rc = fc_delta_write(x, eb)) != CL_OK)
		return rc;
	return xs_db_commit(x->db, eb);
}

static int xap_last_seq(struct engine *e, int64_t *seq, struct cl_errbuf *eb)
{
	struct xap *x = X(e);
	char *v = NULL, *end = NULL;
	long long n;
	int rc;

	*seq = 0;
	if ((rc = refresh(x, eb)) != CL_OK ||
	    (rc = xs_db_get_metadata(x->db, META_LAST_SEQ, &v, eb)) != CL_OK)
		return rc;
	if (!v)
		return CL_OK;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || end == v || *end || n < 0)
		rc = cl_fail(eb, CL_ECORRUPT, "xapian: metadata %s is not a seq: \"%.40s\"",
			     META_LAST_SEQ, v);
	else
		*seq = n;
	free(v);
	return rc;
}

static int xap_count(struct engine *e, long *n, struct cl_errbuf *eb)
{
	struct xap *x = X(e);
	unsigned long c = 0;
	int rc;

	*n = 0;
	if ((rc = refresh(x, eb)) != CL_OK || (rc = xs_doc_count(x->db, &c, eb)) != CL_OK)
		return rc;
	*n = (long)c;
	return CL_OK;
}

/* Every indexed id, page by page in id order. */
static int walk_ids(struct xap *x, int (*cb)(const char *id, void *ud), void *ud,
		    struct cl_errbuf *eb)
{
	static const struct xs_sort_key by_id = {SLOT_ID, 0};
	struct xs_query_opts o;
	size_t off = 0;
	int rc = CL_OK;

	for (;;) {
		struct xs_result *r = NULL;
		xs_query_opts_init(&o);
		o.flags = 0;
		o.sort = XS_SORT_KEYS;
		o.sort_keys = &by_id;
		o.n_sort_keys = 1;
		o.offset = off;
		o.limit = ID_PAGE;
		if ((rc = xs_search(x->db, &o, &r, eb)) != CL_OK)
			return rc;
		for (size_t i = 0; rc == CL_OK && i < r->n_hits; i++)
			if (r->hits[i].id)
				rc = cb(r->hits[i].id, ud);
		size_t got = r->n_hits;
		xs_result_free(r);
		if (rc != CL_OK || got < ID_PAGE)
			return rc;
		off += got;
	}
}

static int xap_foreach_id(struct engine *e, int (*cb)(const char *id, void *ud), void *ud,
			  struct cl_errbuf *eb)
{
	struct xap *x = X(e);
	int rc = refresh(x, eb);
	return rc != CL_OK ? rc : walk_ids(x, cb, ud, eb);
}

struct idlist {
	char **v;
	size_t n, cap;
};

static int collect_id(const char *id, void *ud)
{
	struct idlist *l = ud;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		char **v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return CL_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(id)))
		return CL_ENOMEM;
	l->n++;
	return CL_OK;
}

static int xap_clear(struct engine *e, struct cl_errbuf *eb)
{
	struct xap *x = X(e);
	struct idlist ids = {NULL, 0, 0};
	int rc;

	if ((rc = need_writable(x, "clear", eb)) != CL_OK)
		return rc;
	bulk_abort(x);
	rc = walk_ids(x, collect_id, &ids, eb);
	if (rc == CL_ENOMEM)
		cl_fail(eb, rc, "out of memory");
	for (size_t i = 0; rc == CL_OK && i < ids.n; i++)
		rc = xs_db_delete(x->db, ids.v[i], eb);
	x->touched.all = 1;
	if (rc == CL_OK && (rc = xs_db_set_metadata(x->db, META_LAST_SEQ, "0", eb)) == CL_OK &&
	    (rc = fc_delta_write(x, eb)) == CL_OK)
		rc = xs_db_commit(x->db, eb);
	for (size_t i = 0; i < ids.n; i++)
		free(ids.v[i]);
	free(ids.v);
	return rc;
}

/* ---- queries -------------------------------------------------------------
 * qparse clauses become "xclauses": each an OR of alternatives (the word's
 * forms, a phrase, a prefix, and the members of its synonym group), made of
 * folded words cut by textan (letters, digits, inner apostrophes). They go
 * to the shim as structured clauses: all forms of a word as one XS_C_TERMS
 * clause of exact terms, a phrase as XS_C_TERM_PHRASE, a prefix as
 * XS_C_PREFIX. The shim ANDs (or ORs) clauses but cannot OR two of them
 * inside an AND, so a query of several clauses where one has a phrase or
 * prefix alternative (a phrase synonym: "pcp" = "förkommersiell
 * upphandling") is written as QueryParser text instead, by us, from the
 * same folded words, each quoted ("w": the raw term; "s" under the stem
 * field: our stem): no user syntax ever reaches QueryParser. */

struct words {
	char **v;
	size_t n, cap;
};

static void words_release(struct words *w)
{
	for (size_t i = 0; w && i < w->n; i++)
		free(w->v[i]);
	if (w)
		free(w->v);
}

static int words_push(struct words *w, const char *s, size_t len)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		char **v = realloc(w->v, cap * sizeof *v);
		if (!v)
			return CL_ENOMEM;
		w->v = v;
		w->cap = cap;
	}
	if (!(w->v[w->n] = strndup(s, len)))
		return CL_ENOMEM;
	w->n++;
	return CL_OK;
}

static int words_tok(void *ud, const struct ta_token *t)
{
	if (t->len > WORD_MAX_BYTES)
		return CL_OK; /* never indexed (TermGenerator's limit) */
	return words_push(ud, t->term, t->len);
}

/* The folded words of s[0..len). */
static int split_words(struct xap *x, const char *s, size_t len, struct words *w)
{
	memset(w, 0, sizeof *w);
	return ta_tokenize(x->ta_words, s, len, TA_NO_EXTRA, words_tok, w);
}

/* The words joined by single spaces (a synonym key). NULL on ENOMEM. */
static char *join_words(const struct words *w, const char *prefix)
{
	size_t len = 1, pl = strlen(prefix);
	char *s, *p;

	for (size_t i = 0; i < w->n; i++)
		len += pl + strlen(w->v[i]) + 1;
	s = p = malloc(len);
	if (!s)
		return NULL;
	*p = '\0';
	for (size_t i = 0; i < w->n; i++) {
		if (i)
			*p++ = ' ';
		p = stpcpy(stpcpy(p, prefix), w->v[i]);
	}
	return s;
}

enum alt_kind { ALT_WORD, ALT_PHRASE, ALT_PREFIX };

struct alt {
	enum alt_kind kind;
	struct words w; /* ALT_WORD, ALT_PREFIX: one word */
};

struct xclause {
	enum qp_field field;
	int negated;
	struct alt *v;
	size_t n;
	struct words *tr; /* the word's translations (qp_clause.trans), each
			   * its content words: a group weighted below v */
	size_t ntr;
	int msm;          /* qp_clause.msm */
	char or_term[48]; /* the named facet value's boolean term, or "" */
};

struct xquery {
	struct xclause *v;
	size_t n;
	size_t npos;
};

static void xquery_release(struct xquery *xq)
{
	for (size_t i = 0; i < xq->n; i++) {
		for (size_t k = 0; k < xq->v[i].n; k++)
			words_release(&xq->v[i].v[k].w);
		free(xq->v[i].v);
		for (size_t k = 0; k < xq->v[i].ntr; k++)
			words_release(&xq->v[i].tr[k]);
		free(xq->v[i].tr);
	}
	free(xq->v);
	memset(xq, 0, sizeof *xq);
}

/* A new empty clause at the end of xq (NULL on ENOMEM). */
static struct xclause *xq_add(struct xquery *xq, enum qp_field f, int negated)
{
	struct xclause *v = realloc(xq->v, (xq->n + 1) * sizeof *v);
	if (!v)
		return NULL;
	xq->v = v;
	memset(&v[xq->n], 0, sizeof *v);
	v[xq->n].field = f;
	v[xq->n].negated = negated;
	if (!negated)
		xq->npos++;
	return &v[xq->n++];
}

/* Moves w into a new alternative of c (w is emptied). */
static int xc_alt(struct xclause *c, enum alt_kind k, struct words *w)
{
	struct alt *v = realloc(c->v, (c->n + 1) * sizeof *v);
	if (!v)
		return CL_ENOMEM;
	c->v = v;
	v[c->n].kind = k;
	v[c->n].w = *w;
	memset(w, 0, sizeof *w);
	c->n++;
	return CL_OK;
}

/* One word of a clause as its own clause (a prefix clause's leading words). */
static int xq_word(struct xquery *xq, enum qp_field f, int negated, const char *word,
		   enum alt_kind k)
{
	struct xclause *c = xq_add(xq, f, negated);
	struct words w = {NULL, 0, 0};
	int rc;

	if (!c)
		return CL_ENOMEM;
	if ((rc = words_push(&w, word, strlen(word))) == CL_OK)
		rc = xc_alt(c, k, &w);
	words_release(&w);
	return rc;
}

/* Adds the members of key's synonym group to c. */
static int xc_synonyms(struct xap *x, struct xclause *c, const char *key)
{
	size_t n = 0;
	const char *const *m = key ? syn_lookup(key, &n) : NULL;
	int rc = CL_OK;

	for (size_t i = 0; m && i < n && rc == CL_OK; i++) {
		struct words w;
		rc = split_words(x, m[i], strlen(m[i]), &w);
		if (rc == CL_OK && w.n)
			rc = xc_alt(c, w.n == 1 ? ALT_WORD : ALT_PHRASE, &w);
		words_release(&w);
	}
	return rc;
}

static int is_stopword(struct xap *x, const struct words *w)
{
	return w->n == 1 && ta_is_stopword(x->ta_stop, w->v[0], strlen(w->v[0]));
}

/* The translations of qc as c->tr: each one's words without stopwords
 * ("no poverty" -> poverty); one without content words is left out. */
static int xc_translations(struct xap *x, struct xclause *c, const struct qp_clause *qc)
{
	int rc = CL_OK;

	if (qc->ntrans && !(c->tr = calloc(qc->ntrans, sizeof *c->tr)))
		return CL_ENOMEM;
	for (size_t k = 0; k < qc->ntrans && rc == CL_OK; k++) {
		struct words w, *keep = &c->tr[c->ntr];
		memset(keep, 0, sizeof *keep);
		if ((rc = split_words(x, qc->trans[k], strlen(qc->trans[k]), &w)) != CL_OK)
			break;
		for (size_t j = 0; j < w.n && rc == CL_OK; j++)
			if (!ta_is_stopword(x->ta_stop, w.v[j], strlen(w.v[j])))
				rc = words_push(keep, w.v[j], strlen(w.v[j]));
		words_release(&w);
		if (keep->n)
			c->ntr++;
		else
			words_release(keep);
	}
	return rc;
}

/* q as xclauses. A word clause that is a stopword is dropped unless every
 * positive clause is one; a clause without words is dropped. */
static int build_xquery(struct xap *x, const struct qp_query *q, struct xquery *xq)
{
	int any_content = 0, rc = CL_OK;

	memset(xq, 0, sizeof *xq);
	for (size_t i = 0; i < q->n && rc == CL_OK; i++) {
		struct words w;
		rc = split_words(x, q->v[i].text, strlen(q->v[i].text), &w);
		if (rc == CL_OK && !q->v[i].negated && w.n &&
		    !(q->v[i].kind == QP_WORD && is_stopword(x, &w)))
			any_content = 1;
		words_release(&w);
	}
	for (size_t i = 0; i < q->n && rc == CL_OK; i++) {
		const struct qp_clause *qc = &q->v[i];
		enum qp_field f = qc->field <= QP_BODY ? qc->field : QP_ANY;
		struct xclause *c;
		struct words w;
		char *key = NULL;
		size_t nsyn = 0;

		rc = split_words(x, qc->text, strlen(qc->text), &w);
		if (rc != CL_OK || w.n == 0 ||
		    (!qc->negated && any_content && qc->kind == QP_WORD && is_stopword(x, &w))) {
			words_release(&w);
			continue;
		}
		if (qc->kind == QP_PREFIX) {
			/* leading words as words, the last one as the prefix */
			for (size_t k = 0; k < w.n && rc == CL_OK; k++)
				rc = xq_word(xq, f, qc->negated, w.v[k],
					     k + 1 < w.n ? ALT_WORD : ALT_PREFIX);
			words_release(&w);
			continue;
		}
		if (!(c = xq_add(xq, f, qc->negated))) {
			words_release(&w);
			rc = CL_ENOMEM;
			break;
		}
		c->msm = qc->msm;
		if (qc->facet_code && facet_prefix(qc->facet) &&
		    (size_t)snprintf(c->or_term, sizeof c->or_term, "%s:%s", facet_prefix(qc->facet),
				     qc->facet_code) >= sizeof c->or_term)
			c->or_term[0] = '\0';
		/* synonyms of the clause as typed (folded), else of its words */
		key = syn_fold(qc->text, strlen(qc->text));
		if (!key || !syn_lookup(key, &nsyn)) {
			free(key);
			key = join_words(&w, "");
		}
		rc = xc_alt(c, qc->kind == QP_WORD && w.n == 1 ? ALT_WORD : ALT_PHRASE, &w);
		if (rc == CL_OK)
			rc = key ? xc_synonyms(x, c, key) : CL_ENOMEM;
		free(key);
		words_release(&w);
		if (rc == CL_OK && qc->join) { /* the compound with a neighbour */
			rc = split_words(x, qc->join, strlen(qc->join), &w);
			if (rc == CL_OK && w.n == 1)
				rc = xc_alt(c, ALT_WORD, &w);
			words_release(&w);
		}
		if (rc == CL_OK && qc->ntrans)
			rc = xc_translations(x, c, qc);
	}
	if (rc != CL_OK)
		xquery_release(xq);
	return rc;
}

/* Shim clauses a clause needs: its word alternatives merge into one. */
static size_t xc_nshim(const struct xclause *c)
{
	size_t n = 0;
	int words = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i].kind == ALT_WORD)
			words = 1;
		else
			n++;
	}
	return n + (size_t)words;
}

/* 1 when the shim's clauses can express xq: every positive clause is one
 * shim clause, or there is nothing to AND (OR mode, one positive clause). */
static int clause_mode_ok(const struct xquery *xq, int or_mode)
{
	if (or_mode || xq->npos <= 1)
		return 1;
	for (size_t i = 0; i < xq->n; i++)
		if (!xq->v[i].negated && xc_nshim(&xq->v[i]) > 1)
			return 0;
	return 1;
}

/* Appends term (dedupe: terms are space-separated in b). */
static void add_term_once(struct dbuf *b, const char *term)
{
	size_t tl = strlen(term);
	const char *p = dbuf_str(b);

	while ((p = strstr(p, term)) != NULL) {
		if ((p == dbuf_str(b) || p[-1] == ' ') && (p[tl] == ' ' || p[tl] == '\0'))
			return;
		p++;
	}
	if (b->n)
		dbuf_add(b, " ", 1);
	dbuf_add(b, term, tl);
}

/* The exact terms of folded word w in field f: the raw word and our
 * Swedish and English stems (textan's, the FTS5 engine's, under the stem
 * prefix). Indexes built before December 2026 also have Xapian's "Z"
 * stems; they are no longer read (the XV stems are the same words' stems,
 * with the "-et" rule Xapian 1.4's Swedish stemmer lacks). */
static int word_terms(struct xap *x, enum qp_field f, const char *w, struct dbuf *b,
		      struct cl_errbuf *eb)
{
	const struct xfield *fd = &xfields[f];
	char stem[STEM_BUF], term[XS_TERM_MAX + 1];
	int n;

	snprintf(term, sizeof term, "%s%s", fd->raw, w);
	add_term_once(b, term);
	for (int k = 0; k < 2; k++) {
		n = ta_stem_word(k == 0 ? x->ta_sv : x->ta_en, w, strlen(w), stem, sizeof stem);
		if (n > 0 && (size_t)snprintf(term, sizeof term, "%s%s", fd->stem, stem) < sizeof term)
			add_term_once(b, term);
	}
	return b->err ? cl_fail(eb, b->err, "xapian: the query is too large") : CL_OK;
}

/* Shim clauses being built: texts owned here. */
struct shimq {
	struct xs_clause *v;
	char **text;
	size_t n;
};

static void shimq_release(struct shimq *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->text[i]);
	free(s->text);
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* Appends a clause; takes text (malloc()ed) even on failure. */
static int shimq_add(struct shimq *s, enum xs_clause_kind k, char *text, const char *prefix,
		     int negated)
{
	struct xs_clause *v = realloc(s->v, (s->n + 1) * sizeof *v);
	char **t;

	if (v)
		s->v = v;
	t = v ? realloc(s->text, (s->n + 1) * sizeof *t) : NULL;
	if (!t || !text) {
		free(text);
		return CL_ENOMEM;
	}
	s->text = t;
	s->text[s->n] = text;
	s->v[s->n].kind = k;
	s->v[s->n].text = text;
	s->v[s->n].prefix = prefix && *prefix ? prefix : NULL;
	s->v[s->n].negated = negated;
	s->v[s->n].group = 0;
	s->v[s->n].or_term = NULL;
	s->n++;
	return CL_OK;
}

/* Appends c's translations to an XS_C_TERMS text (xs.h): each after a
 * '\v', its words separated by '\n', a word's terms by spaces. */
static int render_translations(struct xap *x, const struct xclause *c, struct dbuf *terms,
			       struct cl_errbuf *eb)
{
	int rc = CL_OK;

	for (size_t k = 0; k < c->ntr && rc == CL_OK; k++) {
		dbuf_add(terms, "\v", 1);
		for (size_t j = 0; j < c->tr[k].n && rc == CL_OK; j++) {
			struct dbuf wt = DBUF_INIT(QTEXT_MAX);
			if (j)
				dbuf_add(terms, "\n", 1);
			if ((rc = word_terms(x, c->field, c->tr[k].v[j], &wt, eb)) == CL_OK)
				dbuf_add(terms, wt.p, wt.n);
			dbuf_release(&wt);
		}
	}
	if (rc == CL_OK && terms->err)
		rc = cl_fail(eb, terms->err, "xapian: the query is too large");
	return rc;
}

/* Ranking: a free-text word clause also gets its title forms (a subset
 * of its forms: title words are indexed unprefixed too) as a boosted
 * alternative, so a title match counts title_weight times more
 * (docs/ranking.md). */
static int render_clauses(struct xap *x, const struct xquery *xq, double title_weight,
			  struct shimq *s, struct cl_errbuf *eb)
{
	int rc = CL_OK;

	memset(s, 0, sizeof *s);
	for (size_t i = 0; i < xq->n && rc == CL_OK; i++) {
		const struct xclause *c = &xq->v[i];
		const char *raw = xfields[c->field].raw;
		int boost = title_weight > 0 && c->field == QP_ANY && !c->negated;
		struct dbuf terms, tterms;
		size_t from = s->n;

		dbuf_init(&terms, QTEXT_MAX);
		dbuf_init(&tterms, QTEXT_MAX);
		for (size_t k = 0; k < c->n && rc == CL_OK; k++)
			if (c->v[k].kind == ALT_WORD) {
				rc = word_terms(x, c->field, c->v[k].w.v[0], &terms, eb);
				if (rc == CL_OK && boost)
					rc = word_terms(x, QP_TITLE, c->v[k].w.v[0], &tterms, eb);
			}
		if (rc == CL_OK && terms.n && tterms.n) { /* the boosted subset after a tab */
			dbuf_add(&terms, "\t", 1);
			dbuf_add(&terms, tterms.p, tterms.n);
			if (terms.err)
				rc = cl_fail(eb, terms.err, "xapian: the query is too large");
		}
		if (rc == CL_OK && terms.n && c->ntr) /* the translations (xs.h) */
			rc = render_translations(x, c, &terms, eb);
		if (rc == CL_OK && terms.n) {
			rc = shimq_add(s, XS_C_TERMS, terms.p, NULL, c->negated);
			terms.p = NULL;
		}

		dbuf_release(&tterms);
		dbuf_release(&terms);
		for (size_t k = 0; k < c->n && rc == CL_OK; k++) {
			const struct alt *a = &c->v[k];
			if (a->kind == ALT_PHRASE)
				rc = shimq_add(s, XS_C_TERM_PHRASE, join_words(&a->w, ""), raw,
					       c->negated);
			else if (a->kind == ALT_PREFIX)
				rc = shimq_add(s, XS_C_PREFIX, strdup(a->w.v[0]), raw, c->negated);
		}
		/* one query word: one group of the minimum to match; the named
		 * facet value's term on its first shim clause (xs.h) */
		for (size_t k = from; rc == CL_OK && k < s->n; k++)
			s->v[k].group = c->msm ? (unsigned)(i + 1) : 0;
		if (rc == CL_OK && from < s->n && c->or_term[0])
			s->v[from].or_term = c->or_term;
		if (rc == CL_ENOMEM)
			rc = cl_fail(eb, rc, "out of memory");
	}
	if (rc != CL_OK)
		shimq_release(s);
	return rc;
}

/* --- the QueryParser text rendering (see above) --- */

static void t_field(struct dbuf *b, const char *qp_name)
{
	if (qp_name) {
		dbuf_puts(b, qp_name);
		dbuf_puts(b, ":");
	}
}

static void t_quoted(struct dbuf *b, const char *qp_name, char *const *w, size_t n)
{
	t_field(b, qp_name);
	dbuf_puts(b, "\"");
	for (size_t i = 0; i < n; i++) {
		if (i)
			dbuf_puts(b, " ");
		dbuf_puts(b, w[i]);
	}
	dbuf_puts(b, "\"");
}

/* A word's forms, as word_terms() has them. */
static void t_word(struct xap *x, struct dbuf *b, const struct xfield *fd, char *const *w)
{
	char stem[STEM_BUF];

	t_quoted(b, fd->qp_raw, w, 1);
	for (int k = 0; k < 2; k++) {
		int n = ta_stem_word(k == 0 ? x->ta_sv : x->ta_en, w[0], strlen(w[0]), stem,
				     sizeof stem);
		if (n > 0) {
			char *one[1] = {stem};
			dbuf_puts(b, " OR ");
			t_quoted(b, fd->qp_stem, one, 1);
		}
	}
}

static int render_text(struct xap *x, const struct xquery *xq, int or_mode, struct dbuf *b,
		       struct cl_errbuf *eb)
{
	size_t np = 0, nn = 0;

	for (int neg = 0; neg < 2; neg++) {
		for (size_t i = 0; i < xq->n; i++) {
			const struct xclause *c = &xq->v[i];
			const struct xfield *fd = &xfields[c->field];
			if (c->negated != neg)
				continue;
			if (neg)
				dbuf_puts(b, nn++ ? " OR " : np ? " AND NOT (" : "");
			else if (np++)
				dbuf_puts(b, or_mode ? " OR " : " AND ");
			dbuf_puts(b, "(");
			for (size_t k = 0; k < c->n; k++) {
				const struct alt *a = &c->v[k];
				if (k)
					dbuf_puts(b, " OR ");
				if (a->kind == ALT_WORD) {
					t_word(x, b, fd, a->w.v);
				} else if (a->kind == ALT_PHRASE && !fd->qp_raw && a->w.n > 1) {
					/* the free text has no positions: a phrase in
					 * any field (phrase_prefixes) */
					dbuf_puts(b, "(");
					for (int pf = QP_TITLE; pf <= QP_BODY; pf++) {
						if (pf != QP_TITLE)
							dbuf_puts(b, " OR ");
						t_quoted(b, xfields[pf].qp_raw, a->w.v, a->w.n);
					}
					dbuf_puts(b, ")");
				} else if (a->kind == ALT_PHRASE) {
					t_quoted(b, fd->qp_raw, a->w.v, a->w.n);
				} else {
					t_field(b, fd->qp_raw);
					dbuf_puts(b, a->w.v[0]);
					dbuf_puts(b, "*");
				}
			}
			/* translations: the query parser has no weights, so here
			 * (a clause with phrase alternatives in an AND query)
			 * they weigh as the word does */
			for (size_t k = 0; k < c->ntr; k++) {
				dbuf_puts(b, " OR (");
				for (size_t j = 0; j < c->tr[k].n; j++) {
					if (j)
						dbuf_puts(b, " AND ");
					dbuf_puts(b, "(");
					t_word(x, b, fd, &c->tr[k].v[j]);
					dbuf_puts(b, ")");
				}
				dbuf_puts(b, ")");
			}
			dbuf_puts(b, ")");
		}
	}
	if (nn && np)
		dbuf_puts(b, ")");
	return b->err ? cl_fail(eb, b->err, "xapian: the query is too large") : CL_OK;
}

/* Sets o's clauses or text for xq; what they point to lives in s and t. */
static int set_query(struct xap *x, const struct xquery *xq, int or_mode, double title_weight,
		     struct xs_query_opts *o, struct shimq *s, struct dbuf *t, struct cl_errbuf *eb)
{
	int rc;

	o->flags = XS_Q_PHRASE | XS_Q_WILDCARD;
	o->phrase_prefixes = phrase_prefixes;
	o->n_phrase_prefixes = sizeof phrase_prefixes / sizeof *phrase_prefixes;
	if (xq->n == 0)
		return CL_OK; /* no clause, no text: every case */
	if (clause_mode_ok(xq, or_mode)) {
		int single = 0;
		for (size_t i = 0; i < xq->n; i++)
			if (!xq->v[i].negated && xc_nshim(&xq->v[i]) > 1)
				single = 1; /* the only positive clause, as alternatives */
		if ((rc = render_clauses(x, xq, title_weight, s, eb)) != CL_OK)
			return rc;
		o->clauses = s->v;
		o->n_clauses = s->n;
		for (size_t i = 0; or_mode && i < xq->n; i++)
			if (xq->v[i].msm)
				o->min_should = SEM_MSM_MIN;
		if (!or_mode && !single)
			o->flags |= XS_Q_DEFAULT_AND;
		return CL_OK;
	}
	if ((rc = render_text(x, xq, or_mode, t, eb)) != CL_OK)
		return rc;
	o->text = dbuf_str(t);
	o->flags |= XS_Q_BOOLEAN | (or_mode ? 0 : XS_Q_DEFAULT_AND);
	return CL_OK;
}

/* ---- running a query ----------------------------------------------------- */

/* A request's filters, ranges, sort and counts as shim options. */
struct prep {
	struct xs_query_opts o;
	struct xs_filter_group groups[EF_COUNT];
	char **terms; /* all filter terms (owned) */
	size_t nterms;
	struct xs_range range;
	char lo[8], hi[8];
	struct xs_sort_key keys[2];
	struct xs_count_req counts[EF_COUNT];
	int count_facet[EF_COUNT]; /* facet of counts[i] */
};

static void prep_release(struct prep *p)
{
	for (size_t i = 0; i < p->nterms; i++)
		free(p->terms[i]);
	free(p->terms);
	p->terms = NULL;
	p->nterms = 0;
}

static int prep_init(const struct search_request *rq, unsigned count_mask,
		     struct prep *p, struct cl_errbuf *eb)
{
	size_t total = 0, ng = 0, nc = 0;

	memset(p, 0, sizeof *p);
	xs_query_opts_init(&p->o);
	for (int f = 0; f < EF_COUNT; f++)
		total += rq->nfilters[f];
	if (total && !(p->terms = calloc(total, sizeof *p->terms)))
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	for (int f = 0; f < EF_COUNT; f++) {
		if (!rq->nfilters[f])
			continue;
		p->groups[ng].terms = (const char *const *)(p->terms + p->nterms);
		p->groups[ng].n = rq->nfilters[f];
		for (size_t i = 0; i < rq->nfilters[f]; i++) {
			if (asprintf(&p->terms[p->nterms], "%s:%s", facet_prefix(f),
				     rq->filters[f][i]) < 0) {
				p->terms[p->nterms] = NULL;
				return cl_fail(eb, CL_ENOMEM, "out of memory");
			}
			if (strlen(p->terms[p->nterms]) > XS_TERM_MAX) {
				p->nterms++;
				return cl_fail(eb, CL_EINVAL, "filter value of %s is too long",
					       engine_facet_name((enum engine_facet)f));
			}
			p->nterms++;
		}
		ng++;
	}
	p->o.filters = p->groups;
	p->o.n_filters = ng;
	if (rq->year_from || rq->year_to) {
		p->range.slot = SLOT_YEAR;
		if (rq->year_from) {
			snprintf(p->lo, sizeof p->lo, "%04d", rq->year_from);
			p->range.lo = p->lo;
			p->range.lo_len = strlen(p->lo);
		}
		if (rq->year_to) {
			snprintf(p->hi, sizeof p->hi, "%04d", rq->year_to);
			p->range.hi = p->hi;
			p->range.hi_len = strlen(p->hi);
		}
		p->o.ranges = &p->range;
		p->o.n_ranges = 1;
	}
	switch (rq->sort) {
	case SORT_DATE_DESC:
	case SORT_DATE_ASC:
		p->keys[0].slot = rq->sort == SORT_DATE_DESC ? SLOT_DATE_DESC : SLOT_DATE_ASC;
		p->keys[1].slot = SLOT_ID;
		p->o.sort = XS_SORT_KEYS;
		p->o.n_sort_keys = 2;
		break;
	default:
		p->keys[0].slot = SLOT_ID;
		p->o.sort = XS_SORT_RELEVANCE_THEN_KEYS;
		p->o.n_sort_keys = 1;
		break;
	}
	p->o.sort_keys = p->keys;
	for (int f = 0; f < EF_COUNT; f++) {
		if (!(count_mask & (1u << f)))
			continue;
		p->counts[nc].slot = SLOT_FACET0 + (unsigned)f;
		p->counts[nc].multi = 1;
		p->count_facet[nc] = f;
		nc++;
	}
	p->o.counts = p->counts;
	p->o.n_counts = nc;
	p->o.offset = rq->offset;
	p->o.limit = rq->limit;
	p->o.lang = NULL; /* the text we render names every term: no stemming */
	p->o.flags = 0;
	p->o.fields = qp_fields;
	p->o.n_fields = N_QP_FIELDS;
	/* no stopwords: build_xquery() drops them by our own rule */
	return CL_OK;
}

/* Remote shards (a stub): the date orders as one combined slot each, the
 * same order as the two keys (docs/operations.md). */
static void remote_sort(const struct xap *x, const struct search_request *rq, struct prep *p)
{
	if (!x->stub || (rq->sort != SORT_DATE_DESC && rq->sort != SORT_DATE_ASC))
		return;
	p->keys[0].slot = rq->sort == SORT_DATE_DESC ? SLOT_DATE_DESC_ID : SLOT_DATE_ASC_ID;
	p->o.n_sort_keys = 1;
}

/* A hit's snippet (semantics.h) from its stored texts. */
static char *hit_snippet(struct engine *e, json_t *j, size_t chars)
{
	const char *texts[SEM_NTEXTS];
	json_t *m = json_object_get(j, "m"), *b = json_object_get(j, "b");

	texts[SEM_SUMMARY] = json_string_value(m);
	texts[SEM_BODY] = json_string_value(b);
	if (!m && !b) /* indexed before "m" and "b": "x" is the first of them */
		texts[SEM_SUMMARY] = json_string_value(json_object_get(j, "x"));
	texts[SEM_TITLE] = json_string_value(json_object_get(j, "t"));
	return sem_snippet(e->hl, texts, chars);
}

/* Fills res from r: total, counts and the hits order[from..from+n). */
static int fill_result(struct engine *e, const struct search_request *rq, const struct prep *p,
		       const struct xs_result *r, const size_t *order, const double *score,
		       size_t from, size_t n, struct search_result *res, struct cl_errbuf *eb)
{
	int rc = CL_OK;

	res->total = (long)r->total;
	for (size_t i = 0; i < r->n_counts && i < p->o.n_counts; i++) {
		int f = p->count_facet[i];
		for (size_t k = 0; k < r->counts[i].n; k++) {
			const struct xs_count *c = &r->counts[i].items[k];
			if (c->count == 0)
				continue;
			if (engine_facet_add(&res->facets[f], c->value, c->len, (long)c->count))
				return cl_fail(eb, CL_ENOMEM, "out of memory");
		}
	}
	if (n == 0)
		return CL_OK;
	res->hits = calloc(n, sizeof *res->hits);
	if (!res->hits)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	for (size_t i = 0; i < n && rc == CL_OK; i++) {
		size_t k = order ? order[from + i] : from + i;
		const struct xs_hit *h = &r->hits[k];
		struct search_hit *sh = &res->hits[res->nhits];
		json_t *j = json_loadb(h->data ? h->data : "", h->data_len, 0, NULL);
		const char *title = j ? json_string_value(json_object_get(j, "t")) : NULL;

		json_t *card = j ? json_object_get(j, "c") : NULL;
		if (json_is_object(card))
			sh->card = json_incref(card);
		sh->id = strdup(h->id ? h->id : "");
		sh->title = strdup(title ? title : "");
		sh->score = score ? score[k] : h->weight;
		res->nhits++;
		if (!sh->id || !sh->title)
			rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		else if (rq->snippets && !(sh->snippet = hit_snippet(e, j, rq->snippet_chars)))
			rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		json_decref(j);
	}
	return rc;
}

/* ---- the counting layer (fcount.h) ---------------------------------------
 * A local index's facet values come from the facet slots (SLOT_FACET0 + f,
 * NUL-separated items) of every document, keyed by docid. */

struct fc_load {
	struct fcount *fc;
	int f;
	struct cl_errbuf *eb;
};

static int fc_load_doc(void *ud, unsigned docid)
{
	struct fc_load *l = ud;
	return fcount_live(l->fc, docid, l->eb);
}

static int fc_load_value(void *ud, unsigned docid, const char *v, size_t len)
{
	struct fc_load *l = ud;
	const char *item[CASE_LIST_MAX];
	size_t ilen[CASE_LIST_MAX], n = 0, i = 0;

	while (i < len && n < CASE_LIST_MAX) {
		const char *z = memchr(v + i, '\0', len - i);
		size_t end = z ? (size_t)(z - v) : len;
		item[n] = v + i;
		ilen[n++] = end - i;
		i = end + 1;
	}
	return fcount_put(l->fc, docid, l->f, item, ilen, n, l->eb);
}

/* A document's facet values into the table, from its value slots. */
struct fc_doc {
	struct fcount *fc;
	struct cl_errbuf *eb;
	unsigned docid;
};

static int fc_doc_value(void *ud, size_t i, const char *v, size_t len)
{
	struct fc_doc *d = ud;
	struct fc_load l = {d->fc, (int)i, d->eb};
	return fc_load_value(&l, d->docid, v, len);
}

/* Applies the change sets of the revisions from..to-1 (see touch()) to
 * x->fc, the table of revision from. Anything but CL_OK: the caller walks
 * the index again (a set missing, of another revision, "all", or the
 * index moved on meanwhile). */
static int fc_delta_apply(struct xap *x, unsigned long long from, unsigned long long to,
			  struct cl_errbuf *eb)
{
	unsigned slots[EF_COUNT];
	char key[64];
	int rc = CL_OK;

	for (int f = 0; f < EF_COUNT; f++)
		slots[f] = SLOT_FACET0 + (unsigned)f;

	for (unsigned long long r = from; r < to && rc == CL_OK; r++) {
		char *v = NULL, *line;
		const char *id = NULL;
		uint32_t docid = 0;
		enum fcs_line kind;

		snprintf(key, sizeof key, "%s%llu", META_FC_DELTA, r % META_FC_DELTAS);
		if ((rc = xs_db_get_metadata(x->db, key, &v, eb)) != CL_OK)
			return rc;
		if (!(line = fcs_delta_body(v, r))) {
			free(v);
			return CL_ENOTFOUND; /* not this revision's: walk */
		}
		while (rc == CL_OK && (kind = fcs_delta_line(&line, &id, &docid)) != FCS_END) {
			struct fc_doc d = {x->fc, eb, 0};
			if (kind == FCS_PUT) {
				rc = xs_db_docid(x->db, id, &d.docid, eb);
				if (rc == CL_ENOTFOUND) { /* deleted since: its 'd' follows */
					rc = CL_OK;
					continue;
				}
				if (rc != CL_OK)
					break;
				fcount_del(x->fc, d.docid);
				if ((rc = fcount_live(x->fc, d.docid, eb)) == CL_OK)
					rc = xs_doc_values(x->db, d.docid, slots, EF_COUNT, fc_doc_value,
							   &d, eb);
			} else if (kind == FCS_DEL) {
				fcount_del(x->fc, docid);
			} else {
				/* "all", a form this code does not know, or damaged */
				rc = kind == FCS_BAD ? CL_ECORRUPT : CL_ENOTFOUND;
			}
		}
		free(v);
	}
	return rc;
}

/* Makes x->fc the table of the open revision (and of this handle's
 * uncommitted changes). CL_EUNSUPPORTED for shards. */
static int fc_sync(struct engine *e, struct cl_errbuf *eb)
{
	struct xap *x = X(e);
	unsigned long long rev;
	int rc;

	if (x->stub)
		return CL_EUNSUPPORTED;
	if ((rc = xs_db_revision(x->db, &rev, eb)) != CL_OK)
		return rc;
	if (x->fc_ok && rev == x->fc_rev && e->gen == x->fc_gen)
		return CL_OK;
	/* a reader a few commits behind: the commits' change sets */
	if (x->fc_ok && !x->writable && e->gen == x->fc_gen && rev > x->fc_rev &&
	    rev - x->fc_rev <= META_FC_DELTAS) {
		struct cl_errbuf quiet = {0};
		if (fc_delta_apply(x, x->fc_rev, rev, &quiet) == CL_OK) {
			e->fc_deltas += (unsigned long)(rev - x->fc_rev);
			x->fc_rev = rev;
			return CL_OK;
		}
	}
	if (!x->fc && fcount_new(&x->fc) != CL_OK)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	e->fc_builds++;
	for (int attempt = 0;; attempt++) {
		struct fc_load l = {x->fc, 0, eb};
		x->fc_ok = 0;
		fcount_clear(x->fc);
		rc = xs_docid_foreach(x->db, fc_load_doc, &l, eb);
		for (int f = 0; rc == CL_OK && f < EF_COUNT; f++) {
			l.f = f;
			rc = xs_value_foreach(x->db, SLOT_FACET0 + (unsigned)f, fc_load_value, &l, eb);
		}
		if (rc == CL_EBUSY && attempt < 2 && !x->writable &&
		    (rc = xs_db_reopen(x->db, eb)) == CL_OK &&
		    (rc = xs_db_revision(x->db, &rev, eb)) == CL_OK)
			continue; /* a commit overtook the walk: once more */
		break;
	}
	if (rc != CL_OK) {
		fcount_clear(x->fc);
		return rc;
	}
	x->fc_ok = 1;
	x->fc_rev = rev;
	x->fc_gen = e->gen;
	return CL_OK;
}

/* o without Xapian's filters, ranges and value counts: the counting layer
 * applies and counts them itself. */
static struct xs_query_opts unfiltered(const struct xs_query_opts *o)
{
	struct xs_query_opts u = *o;

	u.filters = NULL;
	u.n_filters = 0;
	u.ranges = NULL;
	u.n_ranges = 0;
	u.counts = NULL;
	u.n_counts = 0;
	return u;
}

/* The layer's filter as Xapian's match decider: it records every docid
 * Xapian matches (the match set before filters) and passes those the
 * request's filters and year range let through. */
struct fc_decide {
	const struct fcount_filter *flt;
	uint32_t *v;
	size_t n, cap;
	int nomem;
};

static int fc_decide(void *ud, unsigned docid)
{
	struct fc_decide *d = ud;

	if (d->n == d->cap && !d->nomem) {
		size_t cap = d->cap ? d->cap * 2 : 4096;
		uint32_t *v = realloc(d->v, cap * sizeof *v);
		if (v) {
			d->v = v;
			d->cap = cap;
		} else {
			d->nomem = 1;
		}
	}
	if (!d->nomem)
		d->v[d->n++] = docid;
	return fcount_filter_pass(d->flt, docid);
}

/* A search whose total and counts come from the layer. The match set
 * before filters comes from the ranked pass itself (the filters are the
 * layer's decider, not Xapian's), or, for a count-only request or one
 * with feedback (whose feedback documents are chosen under Xapian's
 * filters), from one unranked pass; an empty query needs none (every
 * document). fcount_count then gives the total and every asked facet's
 * counts, the filtered ones disjunctively. The ranked pass checks every
 * match: with Xapian 1.4.22's weight bounds on our query shapes, a pass
 * that stopped early (check_at_least = offset + limit) missed a better
 * hit (docs/engine-xapian.md). */
static int fc_search(struct engine *e, const struct search_request *rq, const struct qp_query *q,
		     unsigned count_mask, struct prep *p, struct search_result *res,
		     struct cl_errbuf *eb)
{
	static const uint32_t none[1];
	struct xap *x = X(e);
	struct xs_result *r1 = NULL, *r2 = NULL;
	struct fcount_filter *flt = NULL;
	struct fc_decide d = {NULL, NULL, 0, 0, 0};
	unsigned facets = (count_mask & ENGINE_ALL_FACETS) |
			  (count_mask & ENGINE_COUNT_DISJ ? rq->facets : 0);
	const uint32_t *docs = NULL;
	size_t ndocs = 0;
	unsigned long long rev;
	long total = 0;
	int rc, one_pass = q && q->n > 0 && rq->limit > 0 && !p->o.prf_docs;

	if (one_pass) {
		struct xs_query_opts o = unfiltered(&p->o);
		if ((rc = fcount_filter_new(x->fc, rq, &flt, eb)) != CL_OK)
			goto out;
		d.flt = flt;
		o.decide = fc_decide;
		o.decide_ud = &d;
		if ((rc = xs_search(x->db, &o, &r2, eb)) != CL_OK)
			goto out;
		if (d.nomem) {
			rc = cl_fail(eb, CL_ENOMEM, "out of memory");
			goto out;
		}
		/* a reader that fell behind was reopened during the pass: its
		 * filter read an older table; count and page again, in two */
		if ((rc = xs_db_revision(x->db, &rev, eb)) != CL_OK)
			goto out;
		if (rev != x->fc_rev) {
			if ((rc = fc_sync(e, eb)) != CL_OK)
				goto out;
			xs_result_free(r2);
			r2 = NULL;
			one_pass = 0;
		} else {
			docs = d.n ? d.v : none;
			ndocs = d.n;
		}
	}
	if (!one_pass && q && q->n > 0) {
		struct xs_query_opts o1 = unfiltered(&p->o);
		o1.offset = 0;
		o1.limit = 0;
		o1.sort = XS_SORT_RELEVANCE;
		o1.n_sort_keys = 0;
		o1.prf_docs = 0;
		o1.collect_docids = 1;
		if ((rc = xs_search(x->db, &o1, &r1, eb)) != CL_OK)
			goto out;
		/* the pass may have reopened a reader that fell behind */
		if ((rc = xs_db_revision(x->db, &rev, eb)) != CL_OK ||
		    (rev != x->fc_rev && (rc = fc_sync(e, eb)) != CL_OK))
			goto out;
		docs = r1->n_docids ? (const uint32_t *)r1->docids : none;
		ndocs = r1->n_docids;
	}
	if ((rc = fcount_count(x->fc, docs, ndocs, rq, facets, FCOUNT_AUTO, &total, res, eb)) !=
	    CL_OK)
		goto out;
	if (!one_pass && rq->limit > 0 && rq->offset < (size_t)total) {
		p->o.counts = NULL;
		p->o.n_counts = 0;
		if ((rc = xs_search(x->db, &p->o, &r2, eb)) != CL_OK)
			goto out;
	}
	if (r2 && (rc = fill_result(e, rq, p, r2, NULL, NULL, 0, r2->n_hits, res, eb)) != CL_OK)
		goto out;
	res->total = total;
	if (count_mask & ENGINE_COUNT_DISJ)
		e->disj_done = 1;
out:
	fcount_filter_free(flt);
	free(d.v);
	xs_result_free(r1);
	xs_result_free(r2);
	return rc;
}

static int xap_search(struct engine *e, const struct search_request *rq, const struct qp_query *q,
		      int or_mode, unsigned count_mask, struct search_result *res,
		      struct cl_errbuf *eb)
{
	struct xap *x = X(e);
	struct xs_result *r = NULL;
	struct xquery xq;
	struct shimq sq;
	struct prep p;
	struct dbuf text;
	int rc;

	memset(&p, 0, sizeof p);
	memset(&xq, 0, sizeof xq);
	memset(&sq, 0, sizeof sq);
	dbuf_init(&text, QTEXT_MAX);
	if ((rc = refresh(x, eb)) != CL_OK || (rc = prep_init(rq, count_mask, &p, eb)) != CL_OK)
		goto out;
	remote_sort(x, rq, &p);
	if ((rc = build_xquery(x, q, &xq)) != CL_OK) {
		rc = cl_fail(eb, rc, "xapian: building the query: %s", cl_strerror(rc));
		goto out;
	}
	/* ranking (docs/ranking.md): BM25 k1, b; title boost; feedback on
	 * the OR fallback (a sentence-like query) when ranked by relevance */
	p.o.use_bm25 = 1;
	p.o.boost = e->rank.title_weight;
	p.o.alt_weight = SEM_TRANS_WEIGHT; /* translations (translate.h) */
	p.o.bm25.k1 = e->rank.k1;
	p.o.bm25.b = e->rank.b;
	if (or_mode && rq->sort == SORT_RELEVANCE && e->rank.fb_docs && e->rank.fb_terms &&
	    e->rank.fb_weight > 0) {
		p.o.prf_docs = e->rank.fb_docs;
		p.o.prf_terms = e->rank.fb_terms;
		p.o.prf_weight = e->rank.fb_weight;
		p.o.expand_prefixes = stem_prefix; /* our stems: one form a word */
		p.o.n_expand_prefixes = 1;
		/* never expansion terms; harmless to the query, which is in
		 * clause mode in OR mode and has no XS_C_WORD clause */
		p.o.stopwords = x->stopwords;
		p.o.n_stopwords = x->nstopwords;
	}
	if ((rc = set_query(x, &xq, or_mode, e->rank.title_weight, &p.o, &sq, &text, eb)) != CL_OK)
		goto out;
	p.o.flags |= XS_Q_ONE_FORM;
	/* local index, facets to count: the counting layer (a search without
	 * counts stays one pass: its total is exact anyway) */
	if (!x->stub &&
	    ((count_mask & ENGINE_ALL_FACETS) || ((count_mask & ENGINE_COUNT_DISJ) && rq->facets)) &&
	    (rc = fc_sync(e, eb)) == CL_OK) {
		rc = fc_search(e, rq, q, count_mask, &p, res, eb);
		goto out;
	}
	/* shards, or a facet over the layer's limits: Xapian's match spies */
	if (rc != CL_OK && rc != CL_EUNSUPPORTED && rc != CL_ETOOBIG)
		goto out;
	if ((rc = xs_search(x->db, &p.o, &r, eb)) != CL_OK)
		goto out;
	rc = fill_result(e, rq, &p, r, NULL, NULL, 0, r->n_hits, res, eb);
out:
	if (rc == CL_ENET && x->stub) { /* a shard failed: reconnect next time */
		xs_db_close(x->db);
		x->db = NULL;
	}
	xs_result_free(r);
	shimq_release(&sq);
	xquery_release(&xq);
	prep_release(&p);
	dbuf_release(&text);
	return rc;
}

/* ---- similar ------------------------------------------------------------- */

/* Number of sectors of data (a hit's stored JSON) that are in src. */
static size_t shared_sectors(const char *data, size_t len, json_t *src)
{
	json_t *j = json_loadb(data ? data : "", len, 0, NULL), *s, *v, *w;
	size_t n = 0, i, k;

	s = j ? data_sectors(j) : NULL;
	json_array_foreach(s, i, v) {
		json_array_foreach(src, k, w) {
			if (json_equal(v, w)) {
				n++;
				break;
			}
		}
	}
	json_decref(j);
	return n;
}

struct rank {
	size_t k;
	double score;
	const char *id;
};

static int rank_cmp(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int xap_similar(struct engine *e, const char *id, const struct search_request *rq,
		       unsigned count_mask, struct search_result *res, struct cl_errbuf *eb)
{
	struct xap *x = X(e);
	struct xs_result *r = NULL;
	struct prep p;
	char *data = NULL;
	json_t *src = NULL, *sec;
	struct rank *rk = NULL;
	size_t *order = NULL;
	double *score = NULL;
	int rc, rerank;

	memset(&p, 0, sizeof p);
	if ((rc = refresh(x, eb)) != CL_OK || (rc = prep_init(rq, count_mask, &p, eb)) != CL_OK)
		goto out;
	if (strlen(id) > XS_ID_MAX) {
		rc = cl_fail(eb, CL_ENOTFOUND, "case %.64s... is not indexed", id);
		goto out;
	}
	rc = xs_db_get_data(x->db, id, &data, NULL, eb);
	if (rc == CL_ENOTFOUND) {
		rc = cl_fail(eb, CL_ENOTFOUND, "case %s is not indexed", id);
		goto out;
	}
	if (rc != CL_OK)
		goto out;
	src = json_loads(data, 0, NULL);
	sec = src ? data_sectors(src) : NULL;
	/* Relevance: fetch a window past the page and give cases that share
	 * the case's sectors a bonus (docs/engine-xapian.md). */
	rerank = rq->sort == SORT_RELEVANCE && rq->limit > 0 && json_array_size(sec) > 0;
	if (rerank) {
		p.o.offset = 0;
		p.o.limit = rq->offset + rq->limit + SIMILAR_WINDOW;
	}
	p.o.expand_prefixes = stem_prefix;
	p.o.n_expand_prefixes = 1;
	p.o.stopwords = x->stopwords;
	p.o.n_stopwords = x->nstopwords;
	if ((rc = xs_similar(x->db, id, SIMILAR_TERMS, &p.o, &r, eb)) != CL_OK)
		goto out;
	if (!rerank) {
		rc = fill_result(e, rq, &p, r, NULL, NULL, 0, r->n_hits, res, eb);
		goto out;
	}
	rk = calloc(r->n_hits + 1, sizeof *rk);
	order = calloc(r->n_hits + 1, sizeof *order);
	score = calloc(r->n_hits + 1, sizeof *score);
	if (!rk || !order || !score) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < r->n_hits; i++) {
		const struct xs_hit *h = &r->hits[i];
		size_t sh = shared_sectors(h->data, h->data_len, sec);
		rk[i].k = i;
		rk[i].id = h->id ? h->id : "";
		rk[i].score = sem_sector_bonus(h->weight, sh, json_array_size(sec));
		score[i] = rk[i].score;
	}
	qsort(rk, r->n_hits, sizeof *rk, rank_cmp);
	for (size_t i = 0; i < r->n_hits; i++)
		order[i] = rk[i].k;
	{
		size_t from = rq->offset < r->n_hits ? rq->offset : r->n_hits;
		size_t n = r->n_hits - from < rq->limit ? r->n_hits - from : rq->limit;
		rc = fill_result(e, rq, &p, r, order, score, from, n, res, eb);
	}
out:
	free(rk);
	free(order);
	free(score);
	json_decref(src);
	free(data);
	xs_result_free(r);
	prep_release(&p);
	return rc;
}

/* A description's words as our stems, stopwords left out. */
struct stem_text {
	struct xap *x;
	struct ta *ta; /* the stemmer's analyser; NULL: the words themselves */
	struct dbuf out;
};

static int stem_tok(void *ud, const struct ta_token *t)
{
	struct stem_text *st = ud;
	char stem[STEM_BUF];
	int n;

	if (t->len > WORD_MAX_BYTES || ta_is_stopword(st->x->ta_stop, t->term, t->len))
		return CL_OK;
	if (st->out.n)
		dbuf_add(&st->out, " ", 1);
	if (st->ta && (n = ta_stem_word(st->ta, t->term, t->len, stem, sizeof stem)) > 0)
		dbuf_add(&st->out, stem, (size_t)n);
	else
		dbuf_add(&st->out, t->term, t->len);
	return st->out.err == CL_ETOOBIG ? CL_OK : st->out.err; /* a long text: its start */
}

static int xap_similar_text(struct engine *e, const struct search_request *rq,
			    unsigned count_mask, struct search_result *res, struct cl_errbuf *eb)
{
	struct xap *x = X(e);
	struct xs_result *r = NULL;
	struct stem_text st;
	struct prep p;
	int rc;

	memset(&p, 0, sizeof p);
	memset(&st, 0, sizeof st);
	dbuf_init(&st.out, 1);
	if ((rc = refresh(x, eb)) != CL_OK || (rc = prep_init(rq, count_mask, &p, eb)) != CL_OK)
		goto out;
	/* The description's own language picks the stemmer unless asked; its
	 * words become our stems (XV), as the cases' words were indexed. */
	if (rq->lang && strcmp(rq->lang, "sv") && strcmp(rq->lang, "en"))
		st.ta = NULL; /* another language: the words as they are */
	else
		st.ta = (rq->lang ? !strcmp(rq->lang, "en")
				  : ta_detect_lang(rq->text, strlen(rq->text)) == TA_LANG_EN)
				? x->ta_en
				: x->ta_sv;
	st.x = x;
	dbuf_init(&st.out, QTEXT_MAX);
	if ((rc = ta_tokenize(x->ta_words, rq->text, strlen(rq->text), TA_NO_EXTRA, stem_tok,
			      &st)) != CL_OK || st.out.err) {
		rc = cl_fail(eb, rc ? rc : st.out.err, "xapian: analysing the description: %s",
			     cl_strerror(rc ? rc : st.out.err));
		goto out;
	}
	p.o.lang = NULL;
	p.o.text_prefix = st.ta ? "XV" : NULL;
	p.o.stopwords = x->stopwords;
	p.o.n_stopwords = x->nstopwords;
	if ((rc = xs_similar_text(x->db, dbuf_str(&st.out), SIMILAR_TERMS, &p.o, &r, eb)) !=
	    CL_OK)
		goto out;
	rc = fill_result(e, rq, &p, r, NULL, NULL, 0, r->n_hits, res, eb);
out:
	dbuf_release(&st.out);
	xs_result_free(r);
	prep_release(&p);
	return rc;
}

/* ---- suggest ------------------------------------------------------------- */

/* How many cases the folded word w matches (as a word or a stem):
 * engine.c's "is this word known". */
static int xap_word_df(struct engine *e, const char *w, long *df, struct cl_errbuf *eb)
{
	struct xap *x = X(e);
	struct xs_query_opts o;
	struct xs_clause c;
	struct xs_result *r = NULL;
	struct dbuf b;
	int rc;

	*df = 0;
	if (strlen(w) > WORD_MAX_BYTES)
		return CL_OK; /* never indexed */
	if ((rc = refresh(x, eb)) != CL_OK)
		return rc;
	dbuf_init(&b, QTEXT_MAX);
	if ((rc = word_terms(x, QP_ANY, w, &b, eb)) != CL_OK)
		goto out;
	memset(&c, 0, sizeof c);
	c.kind = XS_C_TERMS;
	c.text = dbuf_str(&b);
	xs_query_opts_init(&o);
	o.flags = 0;
	o.clauses = &c;
	o.n_clauses = 1;
	o.limit = 0;
	if ((rc = xs_search(x->db, &o, &r, eb)) == CL_OK)
		*df = (long)r->total;
out:
	xs_result_free(r);
	dbuf_release(&b);
	return rc;
}

struct spell_walk {
	size_t min_chars, max_chars;
	int (*cb)(void *ud, const char *word, long ncases);
	void *ud;
};

static int spell_cb(void *ud, const char *word, unsigned long freq)
{
	struct spell_walk *w = ud;
	size_t n = strlen(word), nc;

	if (n < w->min_chars || n > 4 * w->max_chars)
		return 0;
	nc = sem_cp_count(word, n);
	if (nc < w->min_chars || nc > w->max_chars)
		return 0;
	/* the spelling data counts a word once per document that has it */
	return w->cb(w->ud, word, freq > (unsigned long)LONG_MAX ? LONG_MAX : (long)freq);
}

/* The words of the spelling data (the local database of a sharded index). */
static int xap_spell_words(struct engine *e, size_t min_chars, size_t max_chars,
			   int (*cb)(void *ud, const char *word, long ncases), void *ud,
			   struct cl_errbuf *eb)
{
	struct xap *x = X(e);
	struct spell_walk w = {min_chars, max_chars, cb, ud};
	int rc;

	if ((rc = refresh(x, eb)) != CL_OK)
		return rc;
	return xs_spelling_foreach(x->spell ? x->spell : x->db, spell_cb, &w, eb);
}

const struct engine_ops engine_xapian_ops = {
	.name = "xapian",
	.open = xap_open,
	.close = xap_close,
	.put = xap_put,
	.del = xap_del,
	.commit = xap_commit,
	.last_seq = xap_last_seq,
	.clear = xap_clear,
	.bulk_begin = xap_bulk_begin,
	.count = xap_count,
	.foreach_id = xap_foreach_id,
	.search = xap_search,
	.similar = xap_similar,
	.similar_text = xap_similar_text,
	.word_df = xap_word_df,
	.spell_words = xap_spell_words,
};
