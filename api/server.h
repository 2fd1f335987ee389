/* server.h — the HTTP JSON API on libmicrohttpd: start/stop, the request
 * life cycle (URL and body limits, routing, auth), responses (JSON with a
 * strong ETag, application/problem+json errors, security headers), the
 * engine kept current by a background sync thread, and metrics.
 *
 * Threads: MHD runs its own listening/polling threads (a pool sized to the
 * cores). Store and engine handles are used by one thread at a time, so a
 * request borrows one `struct srv_worker` (its own store + read-only engine)
 * from a mutex-guarded pool for its whole life (a streamed export keeps it
 * until the last byte). One more thread owns the writable engine and
 * replays the store's change log into it every SRV_SYNC_MS, or at once
 * after a write request (srv_sync_now).
 *
 * Every limit is in docs/limits.md, every endpoint and problem type in
 * docs/api.md. The routes are the caller's (srv_config.routes: the API's
 * are api/routes.c's rt_routes); this file is the HTTP side and the
 * service that answers them (workers, sync thread, metrics). */
#ifndef SERVER_H
#define SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "auth.h"
#include "case.h"
#include "cl_err.h"
#include "engine.h"
#include "rcache.h"

/* Limits (docs/limits.md). */
#define SRV_BODY_MAX (1024 * 1024)      /* request body bytes -> 413 */
#define SRV_URL_MAX 8192                /* request target bytes -> 414 */
#define SRV_PARAMS_MAX 128              /* query parameters -> 400 */
#define SRV_CONN_MEMORY (64 * 1024)     /* per-connection header buffer (MHD) */
#define SRV_CONN_LIMIT 256              /* concurrent connections */
#define SRV_PER_IP_LIMIT 64             /* concurrent connections per client address */
#define SRV_CONN_TIMEOUT 30             /* seconds of inactivity before a connection closes */
#define SRV_HEADER_DEADLINE 20          /* seconds from connection (or last answer) to complete headers */
#define SRV_BODY_DEADLINE 60            /* seconds from complete headers to complete body */
#define SRV_DRAIN_SECONDS 30            /* srv_stop waits this long for requests in flight */
#define SRV_SYNC_MS 200                 /* background sync period */
#define SRV_STATIC_MAX (4 * 1024 * 1024) /* one static file */
#define SRV_EXPORT_TEXT_MAX (ENGINE_OFFSET_MAX + ENGINE_LIMIT_MAX) /* rows of an export with q */

#define SRV_PROBLEM_BASE "https://caselib.example/problems/"

struct srv_req;

/* A route: one (method, pattern) and its handler. The table is the
 * caller's (api/routes.c rt_routes), passed in the configuration. */
#define SRV_ROUTE_JSON 0x1u  /* the body must be application/json (else 415) */
#define SRV_ROUTE_TOKEN 0x2u /* a bearer token is required: without one, 401
			      * before the body is read */
struct srv_route {
	const char *method;  /* "GET", "POST", "PUT" (GET also answers HEAD) */
	const char *pattern; /* "/v1/cases/{id}/similar"; also the metrics label */
	unsigned flags;      /* SRV_ROUTE_* */
	void (*handler)(struct srv_req *r);
};

struct srv_config {
	const struct srv_route *routes;      /* required: the table, ended by a NULL pattern */
	void (*fallback)(struct srv_req *r); /* required: any other GET (the web page) */
	const char *data_dir;    /* the store's directory (required) */
	const char *listen;      /* "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:0"; NULL: 127.0.0.1:8080 */
	unsigned threads;        /* MHD thread pool; 0: number of online CPUs */
	enum engine_kind engine; /* default ENGINE_XAPIAN */
	const char *cors_origin; /* NULL: no CORS headers at all */
	const char *web_dir;     /* static files; NULL: $CASELIB_WEB or "api/web" */
	unsigned conn_limit;     /* 0: SRV_CONN_LIMIT */
	unsigned conn_timeout;   /* seconds, 0: SRV_CONN_TIMEOUT */
	unsigned header_deadline; /* seconds, 0: SRV_HEADER_DEADLINE */
	unsigned body_deadline;  /* seconds, 0: SRV_BODY_DEADLINE */
	unsigned sync_ms;        /* 0: SRV_SYNC_MS */
	size_t search_cache_bytes; /* GET /v1/search answers kept (api/rcache.h); 0: none.
				    * srv_config_init: RCACHE_DEFAULT_BYTES */
	int access_log;          /* 1: one line per request on stderr */
	unsigned export_row_delay_us; /* tests only: pause per exported row */
	int loopback_is_remote;  /* tests only: treat loopback clients as remote ones */
};

void srv_config_init(struct srv_config *c);

struct srv; /* opaque */

/* Opens the store and the writable engine, syncs it once, starts the sync
 * thread and the HTTP daemon. Errors: CL_EINVAL (bad listen address or
 * config), CL_ENOTFOUND (no store), CL_EIO (cannot bind), store and engine
 * errors. Caller stops and frees with srv_stop. */
int srv_start(const struct srv_config *cfg, struct srv **out, struct cl_errbuf *eb);

/* The bound TCP port (useful with port 0). */
unsigned srv_port(const struct srv *s);

/* Graceful stop: stop accepting (MHD_quiesce_daemon), wait until requests
 * in flight (including streamed exports) finish or SRV_DRAIN_SECONDS pass,
 * stop the daemon and the sync thread, free everything. NULL is a no-op. */
void srv_stop(struct srv *s);

/* Wakes the sync thread now (after a write). */
void srv_sync_now(struct srv *s);

/* ---- for the route handlers (api/routes.c) -------------------------- */

/* Per request borrowed handles: one store and one read-only engine. */
struct srv_worker {
	struct store *store;
	struct engine *engine;
	struct srv_worker *next;
};

struct srv_param {
	char *name;  /* decoded */
	char *value; /* decoded, valid UTF-8, no NUL */
};

#define SRV_PATH_ARGS 4

struct srv_req; /* opaque; accessors below */

/* Decoded path argument i ({id} in the route pattern), or NULL. */
const char *srv_arg(const struct srv_req *r, int i);
/* Query parameters in order (repeats kept). */
const struct srv_param *srv_params(const struct srv_req *r, size_t *n);
/* A request header (case-insensitive name), or NULL. */
const char *srv_header(const struct srv_req *r, const char *name);
/* The request body (NUL-terminated copy) and its length; "" when none. */
const char *srv_body(const struct srv_req *r, size_t *len);
/* The request method ("GET", "HEAD", "POST", ...). */
const char *srv_method(const struct srv_req *r);
/* The decoded path. */
const char *srv_path(const struct srv_req *r);
/* The worker (store + engine) for this request, opened on first use; NULL
 * after a 503 problem has been set. */
struct srv_worker *srv_worker(struct srv_req *r);
/* The caller's identity from the Authorization header. On an invalid or
 * unknown token a 401 problem is set and NULL returned. */
const struct auth_principal *srv_who(struct srv_req *r);
/* 1 when the client connected from a loopback address (127/8, ::1,
 * ::ffff:127.x) and the config does not say otherwise (loopback_is_remote). */
int srv_client_is_loopback(struct srv_req *r);
/* The server's configuration and handle. */
const struct srv_config *srv_cfg(const struct srv_req *r);
struct srv *srv_of(const struct srv_req *r);
/* The usage-statistics buffer (workflow.h): route handlers record searches
 * and case views there; the sync thread writes them every SRV_SYNC_MS in one
 * transaction (and srv_stop at the end), so a request never waits for a
 * statistics write. Owned by the server. */
struct wf_stats_buf *srv_stats(struct srv *s);

/* Usage statistics of a request in one call: a search (its text, total and
 * the facets filtered on, as a mask) or a view of a published case. The
 * event is buffered and written by the sync thread; the call writes the
 * backlog itself only when the buffer holds SRV_STATS_INLINE_FLUSH events
 * (the sync thread does not run or falls behind). */
void srv_note_search(struct srv_req *r, const char *text, long total, unsigned filters);
void srv_note_view(struct srv_req *r, const char *id);
#define SRV_STATS_INLINE_FLUSH 1000 /* pending events a request flushes itself */

/* Responses. Each sets the request's one response (a later call replaces
 * an earlier one). They take ownership of what they are given. */

/* A JSON body; GET/HEAD responses carry a strong ETag (sha-256 of the
 * body) and answer If-None-Match with 304. Steals j. */
void srv_reply_json(struct srv_req *r, unsigned status, json_t *j);
/* Raw bytes with a content type (copied). ETag as for JSON when etag. */
void srv_reply_bytes(struct srv_req *r, unsigned status, const char *ctype, const void *data,
		     size_t len, int etag);
/* A streamed body (chunked): read() as MHD's content reader; release(ud)
 * is called when the response is done. The worker stays held until then. */
void srv_reply_stream(struct srv_req *r, unsigned status, const char *ctype,
		      const char *disposition,
		      long (*read)(void *ud, uint64_t pos, char *buf, size_t max),
		      void *ud, void (*release)(void *ud));
/* An extra response header for the response set next (e.g. Allow). */
void srv_add_header(struct srv_req *r, const char *name, const char *value);

/* application/problem+json (RFC 9457): type is the slug after
 * SRV_PROBLEM_BASE ("validation", "not-found", ...). */
void srv_problem(struct srv_req *r, unsigned status, const char *type, const char *title,
		 const char *detail_fmt, ...) __attribute__((format(printf, 5, 6)));
/* The same with extra members (steals ext; its keys are added, e.g.
 * "errors" or "position"). */
void srv_problem_ext(struct srv_req *r, unsigned status, const char *type, const char *title,
		     const char *detail, json_t *ext);
/* 400 validation problem with errors [{"path","reason"}]; steals errors. */
void srv_problem_validation(struct srv_req *r, const char *detail, json_t *errors);
/* Maps a cl_err from a module to the right problem (400/401/403/404/409/413/503/500). */
void srv_problem_err(struct srv_req *r, int rc, const struct cl_errbuf *eb);

/* The search response cache (api/rcache.h) and the state an answer
 * computed now is kept under, or NULL when answers are not kept: no cache
 * configured, or this server does not sync the index itself (another
 * process may change it unseen). Borrows the request's worker: the
 * store's seq is read there, so a change to the store is seen at once. */
struct rcache *srv_search_cache(struct srv_req *r, struct rcache_state *st);

/* Engine seq and store seq as seen by the sync thread (metrics, health). */
void srv_seqs(struct srv *s, int64_t *store_seq, int64_t *engine_seq, int *sync_ok);
/* The Prometheus text of the metrics (caller frees). */
char *srv_metrics_text(struct srv *s);

#endif
