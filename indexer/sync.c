/* sync.c — change-log replay into a search engine (see sync.h). */
#include "sync.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "dbuf.h"
#include "engine.h"
#include "store.h"
#include "strset.h"

struct batch {
	char **ids;
	size_t n, cap;
	int64_t last;
	int err;
};

static int collect(const struct store_change *ch, void *ud)
{
	struct batch *b = ud;

	if (dbuf_grow(&b->ids, &b->cap, b->n + 1, sizeof *b->ids))
		return b->err = CL_ENOMEM;
	b->ids[b->n] = strdup(ch->case_id);
	if (!b->ids[b->n])
		return b->err = CL_ENOMEM;
	b->n++;
	b->last = ch->seq;
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The next batch of the change log after seq into b (its ids sorted, so
 * one id's changes are adjacent; b->last its last seq); b->n 0: none. The
 * caller frees b->ids[0..n) (none are left on an error). */
static int next_batch(struct store *s, int64_t seq, size_t batch, struct batch *b,
		      struct cl_errbuf *eb)
{
	int rc;

	b->n = 0;
	b->err = 0;
	rc = store_changes_since(s, seq, batch, collect, b, eb);
	if (b->err)
		rc = cl_fail(eb, b->err, "out of memory reading the change log");
	if (rc == CL_OK) {
		if (b->n) /* b->ids is NULL until the first id */
			qsort(b->ids, b->n, sizeof *b->ids, str_cmp);
		return CL_OK;
	}
	for (size_t i = 0; i < b->n; i++)
		free(b->ids[i]);
	b->n = 0;
	return rc;
}

/* Makes the engine match the store for one id. */
static int apply_id(struct store *s, struct engine *e, const char *id, struct sync_stats *st,
		    struct cl_errbuf *eb)
{
	struct case_record c;
	int rc;

	case_init(&c);
	rc = store_get_case(s, id, &c, eb);
	if (rc == CL_OK && c.status && !strcmp(c.status, "published")) {
		rc = engine_put(e, &c, eb);
		if (rc == CL_OK)
			st->put++;
	} else if (rc == CL_OK || rc == CL_ENOTFOUND) {
		rc = engine_delete(e, id, eb);
		if (rc == CL_OK)
			st->deleted++;
	}
	case_release(&c);
	return rc;
}

int sync_engine(struct store *s, struct engine *e, size_t batch, sync_progress_fn progress,
		void *ud, struct sync_stats *stp, struct cl_errbuf *eb)
{
	return sync_engine_filter(s, e, batch, NULL, NULL, progress, ud, stp, eb);
}

/* ---- the first sync as a bulk build ---------------------------------------- */

static long bulk_min = SYNC_BULK_MIN;

void sync_set_bulk_min(long n)
{
	bulk_min = n < 1 ? 1 : n;
}

/* The first sync of an index that has never been synced: every case the
 * log names, in the order a replay would first apply it (batches in seq
 * order, ids sorted within a batch, first appearance), put in its current
 * state when published, as one bulk build committed with the log's last
 * seq read before. So the documents are numbered as a replay numbers them
 * (rankings that break ties by document number stay the same), and a
 * failed or killed build leaves the index as it was (empty, seq 0). */
static int first_sync_bulk(struct store *s, struct engine *e, size_t batch,
			   int (*keep)(const char *id, void *kud), void *kud,
			   sync_progress_fn progress, void *ud, struct sync_stats *st,
			   int64_t upto, struct cl_errbuf *eb)
{
	struct batch b = {0};
	struct strset seen = {0}; /* the ids put (or found gone) so far */
	int64_t seq = 0;
	int rc;

	if ((rc = engine_bulk_begin(e, eb)) != CL_OK)
		return rc;
	while (rc == CL_OK && seq < upto) {
		if ((rc = next_batch(s, seq, batch, &b, eb)) != CL_OK || b.n == 0)
			break;
		st->changes += (long)b.n;
		for (size_t i = 0; i < b.n && rc == CL_OK; i++) {
			struct case_record c;
			if ((i && !strcmp(b.ids[i], b.ids[i - 1])) || (keep && !keep(b.ids[i], kud)))
				continue;
			if (strset_has(&seen, b.ids[i], strlen(b.ids[i])))
				continue;
			if ((rc = strset_add(&seen, b.ids[i], strlen(b.ids[i]))) != CL_OK) {
				rc = cl_fail(eb, rc, "first sync: %s", cl_strerror(rc));
				break;
			}
			case_init(&c);
			rc = store_get_case(s, b.ids[i], &c, eb);
			if (rc == CL_OK && c.status && !strcmp(c.status, "published")) {
				if ((rc = engine_put(e, &c, eb)) == CL_OK)
					st->put++;
			} else if (rc == CL_ENOTFOUND) {
				rc = CL_OK; /* gone: nothing to index */
			}
			case_release(&c);
		}
		for (size_t i = 0; i < b.n; i++)
			free(b.ids[i]);
		seq = b.last;
		if (rc == CL_OK && progress) {
			st->to_seq = seq < upto ? seq : upto;
			progress(st, ud);
		}
	}
	free(b.ids);
	strset_release(&seen);
	if (rc == CL_OK)
		rc = engine_commit(e, seq, eb);
	st->to_seq = rc == CL_OK ? seq : 0;
	return rc;
}

int sync_engine_filter(struct store *s, struct engine *e, size_t batch,
		       int (*keep)(const char *id, void *kud), void *kud, sync_progress_fn progress,
		       void *ud, struct sync_stats *stp, struct cl_errbuf *eb)
{
	struct sync_stats st = {0};
	struct batch b = {0};
	int64_t seq = 0, last = 0;
	long n = 0;
	int rc;

	if (batch == 0)
		batch = 1000;
	if ((rc = engine_last_seq(e, &seq, eb)) != CL_OK)
		return rc;
	st.from_seq = st.to_seq = seq;
	if (seq == 0 && (rc = store_last_seq(s, &last, eb)) == CL_OK && last >= bulk_min &&
	    (rc = engine_count(e, &n, eb)) == CL_OK && n == 0) {
		rc = first_sync_bulk(s, e, batch, keep, kud, progress, ud, &st, last, eb);
		if (stp)
			*stp = st;
		return rc;
	}
	if (rc != CL_OK)
		return rc;
	for (;;) {
		if ((rc = next_batch(s, seq, batch, &b, eb)) != CL_OK || b.n == 0)
			break;
		st.changes += (long)b.n;
		/* One application per id per batch: the current state wins. */
		for (size_t i = 0; i < b.n && rc == CL_OK; i++)
			if ((i == 0 || strcmp(b.ids[i], b.ids[i - 1])) &&
			    (!keep || keep(b.ids[i], kud)))
				rc = apply_id(s, e, b.ids[i], &st, eb);
		for (size_t i = 0; i < b.n; i++)
			free(b.ids[i]);
		if (rc != CL_OK)
			break;
		if ((rc = engine_commit(e, b.last, eb)) != CL_OK)
			break;
		seq = st.to_seq = b.last;
		if (progress)
			progress(&st, ud);
	}
	free(b.ids);
	if (stp)
		*stp = st;
	return rc;
}

struct reindex_state {
	struct engine *e;
	struct sync_stats *st;
	struct cl_errbuf *eb;
	sync_progress_fn progress;
	void *ud;
	int rc;
};

static int reindex_one(const struct case_record *c, void *ud)
{
	struct reindex_state *rs = ud;

	rs->rc = engine_put(rs->e, c, rs->eb);
	if (rs->rc != CL_OK)
		return rs->rc;
	rs->st->put++;
	if (rs->progress && rs->st->put % 10000 == 0)
		rs->progress(rs->st, rs->ud);
	return 0;
}

int sync_reindex(struct store *s, struct engine *e, sync_progress_fn progress, void *ud,
		 struct sync_stats *stp, struct cl_errbuf *eb)
{
	struct sync_stats st = {0};
	struct reindex_state rs = {e, &st, eb, progress, ud, CL_OK};
	int64_t seq = 0;
	int rc;

	if ((rc = store_last_seq(s, &seq, eb)) != CL_OK)
		return rc;
	if ((rc = engine_bulk_begin(e, eb)) != CL_OK)
		return rc;
	rc = store_foreach_case(s, "published", reindex_one, &rs, eb);
	if (rc == CL_OK && rs.rc != CL_OK)
		rc = rs.rc;
	if (rc == CL_OK)
		rc = engine_commit(e, seq, eb);
	st.to_seq = rc == CL_OK ? seq : 0;
	if (rc == CL_OK && progress)
		progress(&st, ud);
	if (stp)
		*stp = st;
	return rc;
}

/* --- compare ----------------------------------------------------------- */

struct idset {
	char **v;
	size_t n, cap;
	int err;
};

static int idset_add(struct idset *s, const char *id)
{
	if (dbuf_grow(&s->v, &s->cap, s->n + 1, sizeof *s->v))
		return s->err = CL_ENOMEM;
	if (!(s->v[s->n] = strdup(id)))
		return s->err = CL_ENOMEM;
	s->n++;
	return 0;
}

static int engine_id_cb(const char *id, void *ud)
{
	return idset_add(ud, id);
}

/* Facet value counts computed from the store (the reference). */
struct ref_counts {
	struct idset ids;
	struct facet_counts f[EF_COUNT];
	int err;
};

static int ref_case(const struct case_record *c, void *ud)
{
	struct ref_counts *rc = ud;

	if (idset_add(&rc->ids, c->id))
		return rc->err = CL_ENOMEM;
	for (int f = 0; f < EF_COUNT; f++) {
		struct facet_values fv;
		engine_case_facet(c, (enum engine_facet)f, &fv);
		for (size_t i = 0; i < fv.n; i++) {
			/* a value listed twice in one case counts once */
			int dup = 0;
			for (size_t k = 0; k < i; k++)
				dup |= !strcmp(fv.v[k], fv.v[i]);
			if (!dup && engine_facet_inc(&rc->f[f], fv.v[i]))
				return rc->err = CL_ENOMEM;
		}
	}
	return 0;
}

static void diff(void (*report)(const char *, void *), void *ud, long *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void diff(void (*report)(const char *, void *), void *ud, long *n, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	(*n)++;
	if (!report || *n > 50) /* the first 50 differences are enough to act on */
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	report(line, ud);
}

int sync_compare(struct store *s, struct engine *e, void (*report)(const char *line, void *ud),
		 void *ud, long *ndiff, struct cl_errbuf *eb)
{
	struct ref_counts ref;
	struct idset eng = {0};
	struct search_request rq;
	struct search_result res;
	const char *ename = engine_kind_name(engine_get_kind(e));
	long n = 0;
	size_t i, j;
	int rc;

	memset(&ref, 0, sizeof ref);
	search_result_init(&res);
	rc = store_foreach_case(s, "published", ref_case, &ref, eb);
	if (rc == CL_OK && ref.err)
		rc = cl_fail(eb, ref.err, "out of memory");
	if (rc == CL_OK)
		rc = engine_foreach_id(e, engine_id_cb, &eng, eb);
	if (rc == CL_OK && eng.err)
		rc = cl_fail(eb, eng.err, "out of memory");
	if (rc != CL_OK)
		goto out;

	/* ids: store ids come sorted; sort the engine's and merge. */
	qsort(eng.v, eng.n, sizeof *eng.v, str_cmp);
	for (i = 0, j = 0; i < ref.ids.n || j < eng.n;) {
		int c = i == ref.ids.n ? 1 : j == eng.n ? -1 : strcmp(ref.ids.v[i], eng.v[j]);
		if (c < 0)
			diff(report, ud, &n, "%s: case %s is published but not indexed", ename,
			     ref.ids.v[i++]);
		else if (c > 0)
			diff(report, ud, &n, "%s: case %s is indexed but not published", ename,
			     eng.v[j++]);
		else
			i++, j++;
	}

	/* facet counts over everything */
	search_request_init(&rq);
	rq.limit = 0;
	rq.facets = ENGINE_ALL_FACETS;
	rc = engine_search(e, &rq, &res, eb);
	if (rc != CL_OK)
		goto out;
	if (res.total != (long)ref.ids.n)
		diff(report, ud, &n, "%s: %ld cases match everything, the store has %zu published",
		     ename, res.total, ref.ids.n);
	for (int f = 0; f < EF_COUNT; f++) {
		const struct facet_counts *t = &ref.f[f], *fc = &res.facets[f];
		for (i = 0; i < t->n; i++) {
			long got = engine_facet_get(fc, t->v[i].value);
			if (got != t->v[i].count)
				diff(report, ud, &n, "%s: facet %s=%s counts %ld, the store %ld", ename,
				     engine_facet_name((enum engine_facet)f), t->v[i].value, got,
				     t->v[i].count);
		}
		for (j = 0; j < fc->n; j++)
			if (!engine_facet_get(t, fc->v[j].value))
				diff(report, ud, &n, "%s: facet %s=%s counts %ld, the store 0", ename,
				     engine_facet_name((enum engine_facet)f), fc->v[j].value,
				     fc->v[j].count);
	}
out:
	search_result_release(&res);
	for (i = 0; i < ref.ids.n; i++)
		free(ref.ids.v[i]);
	free(ref.ids.v);
	for (int f = 0; f < EF_COUNT; f++)
		engine_facet_counts_release(&ref.f[f]);
	for (i = 0; i < eng.n; i++)
		free(eng.v[i]);
	free(eng.v);
	if (ndiff)
		*ndiff = n;
	return rc;
}
