/* server_impl.h — what api/server.c (the HTTP side: libmicrohttpd, the
 * strict edge, requests, responses, routing) and api/service.c (the
 * service behind it: the worker pool, the sync thread, usage statistics,
 * metrics) share. Private to those two files, as SQLite's fts5Int.h is to
 * fts5_*.c; the route handlers see only server.h. */
#ifndef SERVER_IMPL_H
#define SERVER_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <microhttpd.h>

#include "server.h"
#include "shard.h"
#include "store.h"
#include "workflow.h"

#define MAX_EXTRA_HEADERS 8

/* Latency histogram bounds (seconds). */
#define NBOUNDS 12
extern const double svc_lat_bounds[NBOUNDS];

struct metric {
	const char *route; /* static string: a route pattern or a fixed label */
	char method[16];
	unsigned status;
	unsigned long long n;
	struct metric *next;
};

struct srv {
	struct srv_config cfg;
	char *data_dir, *listen, *cors, *web_dir; /* owned copies behind cfg */
	struct MHD_Daemon *d;
	unsigned port;
	atomic_int stopping; /* set by srv_stop, read by the workers */

	pthread_mutex_t pool_mu;
	struct srv_worker *pool; /* idle workers */

	/* sync thread */
	pthread_t sync_th;
	int have_sync_th;
	struct wf_stats_buf *stats; /* usage statistics, flushed by the sync thread */
	pthread_mutex_t sync_mu;
	pthread_cond_t sync_cv;
	int sync_stop, sync_kick, sync_ok;
	struct store *sync_store;
	struct engine *sync_engine;
	struct shard_set *sync_shards; /* sharded Xapian: synced instead of sync_engine */
	int64_t store_seq, engine_seq;
	struct rcache *rcache; /* NULL: answers are not kept (srv_search_cache) */

	/* requests in flight */
	pthread_mutex_t fl_mu;
	pthread_cond_t fl_cv;
	long inflight;

	/* the edge: every open connection, with its phase and deadline */
	pthread_mutex_t edge_mu;
	pthread_cond_t edge_cv;
	struct edge_conn *conns;
	pthread_t edge_th;
	int have_edge_th, edge_stop;

	/* metrics */
	pthread_mutex_t m_mu;
	struct metric *metrics;
	unsigned long long lat_buckets[NBOUNDS + 1];
	double lat_sum;
	unsigned long long lat_count;
};

/* One open connection (MHD's socket context). Its fd stays open while it
 * is in srv.conns: MHD tells us of the close before it closes the fd. */
enum edge_phase { EDGE_HEADERS, EDGE_BODY, EDGE_ANSWER };
struct edge_conn {
	MHD_socket fd;
	enum edge_phase phase;
	struct timespec deadline; /* CLOCK_MONOTONIC; for EDGE_HEADERS and EDGE_BODY */
	int reaped;               /* the reaper answered 408 and shut the socket */
	int in_request;           /* a request line has come (not an idle keep-alive) */
	struct edge_conn *prev, *next;
};

struct srv_req {
	struct srv *srv;
	struct MHD_Connection *conn;
	struct edge_conn *edge; /* NULL when MHD gave no socket context */
	char *raw; /* request target as received (NULL when too long) */
	int too_long;
	char method[16];
	int head;
	char *path;
	struct srv_param *params;
	size_t nparams;
	char *args[SRV_PATH_ARGS];
	const char *label; /* metrics label */
	const struct srv_route *route;
	char *body;
	size_t blen, bcap;
	int body_too_big;
	int started, queued, counted;
	struct srv_worker *w;
	struct auth_principal who;
	int who_state; /* 0 not yet, 1 ok, -1 failed */
	struct MHD_Response *resp;
	unsigned status;
	char *xh_name[MAX_EXTRA_HEADERS], *xh_val[MAX_EXTRA_HEADERS];
	size_t nxh;
	struct timespec t0;
};

struct stream_wrap {
	struct srv *srv;
	struct srv_worker *w;
	long (*read)(void *ud, uint64_t pos, char *buf, size_t max);
	void (*release)(void *ud);
	void *ud;
};

/* ---- Interface to code in service.c ------------------------------------ */

/* Counts an answer (route label, method, status) / its latency. */
void svc_metrics_count(struct srv *s, const char *label, const char *method, unsigned status);
void svc_metrics_latency(struct srv *s, double secs);

/* Borrows a worker (its store and read-only engine), opening one when the
 * pool is empty; gives it back; frees one (NULL: no-op). */
int svc_worker_get(struct srv *s, struct srv_worker **out, struct cl_errbuf *eb);
void svc_worker_put(struct srv *s, struct srv_worker *w);
void svc_worker_free(struct srv_worker *w);

/* Syncs the writable engine (or the shards) once, *eseq its applied seq;
 * the sync thread's body (arg: the struct srv). */
int svc_writer_sync(struct srv *s, int64_t *eseq, struct cl_errbuf *eb);
void *svc_sync_main(void *arg);

#endif
