/* service.c — the service behind the HTTP side (api/server_impl.h): the
 * pool of workers (a store and a read-only engine each), the sync thread
 * that keeps the engine current and writes the usage statistics, and the
 * metrics. */
#include "server_impl.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harvest.h"
#include "sync.h"

const double svc_lat_bounds[NBOUNDS] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
					0.25,  0.5,   1,    2.5,   5,    10};

/* ---- metrics ---------------------------------------------------------- */

/* ASan (and the libFuzzer builds) replace malloc, and glibc's mallinfo2
 * then reports 0: read the sanitizer allocator's own counters there. */
#if defined(__SANITIZE_ADDRESS__)
#define SRV_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SRV_ASAN 1
#endif
#endif
#ifdef SRV_ASAN
size_t __sanitizer_get_current_allocated_bytes(void);
size_t __sanitizer_get_free_bytes(void);
#endif

/* Bytes malloc'ed and not freed; free bytes the allocator keeps. */
static void heap_bytes(size_t *inuse, size_t *freeb)
{
#ifdef SRV_ASAN
	*inuse = __sanitizer_get_current_allocated_bytes();
	*freeb = __sanitizer_get_free_bytes();
#else
	struct mallinfo2 mi = mallinfo2();
	*inuse = mi.uordblks + mi.hblkhd;
	*freeb = mi.fordblks;
#endif
}

/* Counts one answer (route, method, status). Called when the response is
 * queued, before its first byte goes out, so that a client that has read
 * the answer finds it counted in the next /metrics (the completion
 * callback runs only after the last byte is sent, and raced the client). */
void svc_metrics_count(struct srv *s, const char *label, const char *method, unsigned status)
{
	struct metric *m;

	pthread_mutex_lock(&s->m_mu);
	for (m = s->metrics; m; m = m->next)
		if (m->route == label && m->status == status && !strcmp(m->method, method))
			break;
	if (!m && (m = calloc(1, sizeof *m))) {
		m->route = label;
		snprintf(m->method, sizeof m->method, "%s", method);
		m->status = status;
		m->next = s->metrics;
		s->metrics = m;
	}
	if (m)
		m->n++;
	pthread_mutex_unlock(&s->m_mu);
}

/* Records a request's duration (request line to response done). */
void svc_metrics_latency(struct srv *s, double secs)
{
	size_t b;

	pthread_mutex_lock(&s->m_mu);
	for (b = 0; b < NBOUNDS && secs > svc_lat_bounds[b]; b++)
		;
	s->lat_buckets[b]++;
	s->lat_sum += secs;
	s->lat_count++;
	pthread_mutex_unlock(&s->m_mu);
}

void srv_seqs(struct srv *s, int64_t *store_seq, int64_t *engine_seq, int *sync_ok)
{
	pthread_mutex_lock(&s->sync_mu);
	if (store_seq)
		*store_seq = s->store_seq;
	if (engine_seq)
		*engine_seq = s->engine_seq;
	if (sync_ok)
		*sync_ok = s->sync_ok;
	pthread_mutex_unlock(&s->sync_mu);
}

char *srv_metrics_text(struct srv *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int64_t sseq, eseq;
	int ok;
	unsigned long long cum = 0;
	long inflight;

	if (!f)
		return NULL;
	fputs("# HELP caselib_http_requests_total HTTP requests by route, method and status.\n"
	      "# TYPE caselib_http_requests_total counter\n",
	      f);
	pthread_mutex_lock(&s->m_mu);
	for (struct metric *m = s->metrics; m; m = m->next)
		fprintf(f, "caselib_http_requests_total{route=\"%s\",method=\"%s\",status=\"%u\"} %llu\n",
			m->route, m->method, m->status, m->n);
	fputs("# HELP caselib_http_request_duration_seconds Time from request line to response done.\n"
	      "# TYPE caselib_http_request_duration_seconds histogram\n",
	      f);
	for (size_t b = 0; b < NBOUNDS; b++) {
		cum += s->lat_buckets[b];
		fprintf(f, "caselib_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			svc_lat_bounds[b], cum);
	}
	cum += s->lat_buckets[NBOUNDS];
	fprintf(f, "caselib_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
	fprintf(f, "caselib_http_request_duration_seconds_sum %.6f\n", s->lat_sum);
	fprintf(f, "caselib_http_request_duration_seconds_count %llu\n", s->lat_count);
	pthread_mutex_unlock(&s->m_mu);
	pthread_mutex_lock(&s->fl_mu);
	inflight = s->inflight;
	pthread_mutex_unlock(&s->fl_mu);
	srv_seqs(s, &sseq, &eseq, &ok);
	/* the live heap: what a leak grows, unlike RSS, which also moves with
	 * the allocator's arenas and trimming (docs/reliability.md) */
	size_t heap_inuse, heap_free;
	heap_bytes(&heap_inuse, &heap_free);
	fprintf(f,
		"# HELP caselib_http_requests_in_flight Requests being processed.\n"
		"# TYPE caselib_http_requests_in_flight gauge\n"
		"caselib_http_requests_in_flight %ld\n"
		"# HELP caselib_store_seq Last change-log sequence number of the store.\n"
		"# TYPE caselib_store_seq gauge\n"
		"caselib_store_seq %lld\n"
		"# HELP caselib_engine_seq Last change applied to the search engine.\n"
		"# TYPE caselib_engine_seq gauge\n"
		"caselib_engine_seq{engine=\"%s\"} %lld\n"
		"# HELP caselib_engine_seq_lag Changes in the store not yet in the engine.\n"
		"# TYPE caselib_engine_seq_lag gauge\n"
		"caselib_engine_seq_lag{engine=\"%s\"} %lld\n"
		"# HELP caselib_engine_sync_ok 1 when the last sync succeeded.\n"
		"# TYPE caselib_engine_sync_ok gauge\n"
		"caselib_engine_sync_ok %d\n"
		"# HELP caselib_stats_pending Usage-statistics events not yet written to the store.\n"
		"# TYPE caselib_stats_pending gauge\n"
		"caselib_stats_pending %zu\n"
		"# HELP caselib_stats_dropped_total Usage-statistics events dropped (buffer full).\n"
		"# TYPE caselib_stats_dropped_total counter\n"
		"caselib_stats_dropped_total %lu\n"
		"# HELP caselib_heap_inuse_bytes Bytes allocated with malloc and not freed (glibc mallinfo2).\n"
		"# TYPE caselib_heap_inuse_bytes gauge\n"
		"caselib_heap_inuse_bytes %zu\n"
		"# HELP caselib_heap_free_bytes Free bytes the allocator holds (fragmentation, not returned).\n"
		"# TYPE caselib_heap_free_bytes gauge\n"
		"caselib_heap_free_bytes %zu\n",
		inflight, (long long)sseq, engine_kind_name(s->cfg.engine), (long long)eseq,
		engine_kind_name(s->cfg.engine), (long long)(sseq - eseq), ok,
		wf_stats_buf_pending(s->stats), wf_stats_buf_dropped(s->stats),
		heap_inuse, heap_free);
	if (s->rcache) {
		struct rcache_stats cs;
		rcache_stats(s->rcache, &cs);
		fprintf(f,
			"# HELP caselib_search_cache_requests_total GET /v1/search answers from the "
			"response cache (hit) or computed (miss).\n"
			"# TYPE caselib_search_cache_requests_total counter\n"
			"caselib_search_cache_requests_total{result=\"hit\"} %llu\n"
			"caselib_search_cache_requests_total{result=\"miss\"} %llu\n"
			"# HELP caselib_search_cache_entries Answers kept for the current state.\n"
			"# TYPE caselib_search_cache_entries gauge\n"
			"caselib_search_cache_entries %zu\n"
			"# HELP caselib_search_cache_bytes Bytes the kept answers take (limit: "
			"serve --cache-mb).\n"
			"# TYPE caselib_search_cache_bytes gauge\n"
			"caselib_search_cache_bytes %zu\n"
			"# HELP caselib_search_cache_flushes_total Times a change to the store or "
			"the index emptied the cache.\n"
			"# TYPE caselib_search_cache_flushes_total counter\n"
			"caselib_search_cache_flushes_total %llu\n",
			cs.hits, cs.misses, cs.entries, cs.bytes, cs.flushes);
	}
	harvest_metrics_write(f, s->data_dir); /* the last harvest run (indexer/harvest.h) */
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- worker pool ------------------------------------------------------ */

void svc_worker_free(struct srv_worker *w)
{
	if (!w)
		return;
	engine_close(w->engine);
	store_close(w->store);
	free(w);
}

int svc_worker_get(struct srv *s, struct srv_worker **out, struct cl_errbuf *eb)
{
	struct srv_worker *w;
	int rc;

	pthread_mutex_lock(&s->pool_mu);
	w = s->pool;
	if (w)
		s->pool = w->next;
	pthread_mutex_unlock(&s->pool_mu);
	if (w) {
		w->next = NULL;
		*out = w;
		return CL_OK;
	}
	if (!(w = calloc(1, sizeof *w)))
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	rc = store_open(s->data_dir, 0, &w->store, eb);
	if (rc == CL_OK)
		rc = engine_open(s->cfg.engine, s->data_dir, w->store, 0, &w->engine, eb);
	if (rc != CL_OK) {
		svc_worker_free(w);
		return rc;
	}
	*out = w;
	return CL_OK;
}

void svc_worker_put(struct srv *s, struct srv_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&s->pool_mu);
	w->next = s->pool;
	s->pool = w;
	pthread_mutex_unlock(&s->pool_mu);
}

/* ---- sync thread ------------------------------------------------------ */

/* One sync of the writer: the engine, or the shards of a sharded Xapian
 * index (docs/operations.md); *eseq gets the applied seq. */
int svc_writer_sync(struct srv *s, int64_t *eseq, struct cl_errbuf *eb)
{
	int rc;

	if (s->sync_shards) {
		rc = shard_sync(s->sync_store, s->sync_shards, 0, NULL, eb);
		shard_min_seq(s->sync_shards, eseq, NULL);
		return rc;
	}
	rc = sync_engine(s->sync_store, s->sync_engine, 0, NULL, NULL, NULL, eb);
	engine_last_seq(s->sync_engine, eseq, NULL);
	return rc;
}

static void sync_once(struct srv *s)
{
	struct cl_errbuf eb = {0};
	int64_t sseq = 0, eseq = 0;
	int rc = svc_writer_sync(s, &eseq, &eb);
	struct cl_errbuf seb = {0};

	if (wf_stats_flush(s->stats, s->sync_store, &seb) != CL_OK)
		fprintf(stderr, "caselib serve: statistics: %s (kept for the next flush)\n", seb.msg);

	if (rc != CL_OK)
		fprintf(stderr, "caselib serve: sync: %s\n", eb.msg[0] ? eb.msg : cl_strerror(rc));
	store_last_seq(s->sync_store, &sseq, NULL);
	pthread_mutex_lock(&s->sync_mu);
	s->sync_ok = rc == CL_OK;
	s->store_seq = sseq;
	s->engine_seq = eseq;
	pthread_mutex_unlock(&s->sync_mu);
}

/* A request with a worker writes the backlog itself when the sync thread
 * does not run (an index locked by another process) or falls behind. */
static void stats_backlog(struct srv_req *r)
{
	struct wf_stats_buf *b = r->srv->stats;

	if (r->w && wf_stats_buf_pending(b) >= SRV_STATS_INLINE_FLUSH)
		(void)wf_stats_flush(b, r->w->store, NULL);
}

void srv_note_search(struct srv_req *r, const char *text, long total, unsigned filters)
{
	(void)wf_stats_buf_search(r->srv->stats, text ? text : "", total, filters);
	stats_backlog(r);
}

void srv_note_view(struct srv_req *r, const char *id)
{
	(void)wf_stats_buf_view(r->srv->stats, id);
	stats_backlog(r);
}

struct wf_stats_buf *srv_stats(struct srv *s)
{
	return s ? s->stats : NULL;
}

void *svc_sync_main(void *arg)
{
	struct srv *s = arg;
	unsigned ms = s->cfg.sync_ms ? s->cfg.sync_ms : SRV_SYNC_MS;

	pthread_mutex_lock(&s->sync_mu);
	while (!s->sync_stop) {
		struct timespec dl;
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_nsec += (long)(ms % 1000) * 1000000L;
		dl.tv_sec += ms / 1000 + dl.tv_nsec / 1000000000L;
		dl.tv_nsec %= 1000000000L;
		while (!s->sync_stop && !s->sync_kick)
			if (pthread_cond_timedwait(&s->sync_cv, &s->sync_mu, &dl) == ETIMEDOUT)
				break;
		if (s->sync_stop)
			break;
		s->sync_kick = 0;
		pthread_mutex_unlock(&s->sync_mu);
		sync_once(s);
		pthread_mutex_lock(&s->sync_mu);
	}
	pthread_mutex_unlock(&s->sync_mu);
	return NULL;
}

void srv_sync_now(struct srv *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->sync_mu);
	s->sync_kick = 1;
	pthread_cond_signal(&s->sync_cv);
	pthread_mutex_unlock(&s->sync_mu);
}
