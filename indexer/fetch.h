/* fetch.h — one download from an http, https or file URL with libcurl,
 * with every policy the harvester needs: conditional GET, transparent
 * gzip/deflate, connect / total / low-speed timeouts, a hard cap on the
 * (decoded) body size, at most FETCH_MAX_REDIRECTS redirects and only to
 * http or https, TLS verification always on, retries with exponential
 * backoff and jitter on network errors, 5xx, 408 and 429 (honouring
 * Retry-After, capped), a politeness delay between requests to one
 * host, and a check of every address connected to (redirects included):
 * loopback, private, link-local, shared (CGN), unique-local, unspecified,
 * multicast and reserved addresses, and IPv6 forms embedding one, are
 * refused unless the options allow them (fetch_addr_internal).
 * docs/harvest.md documents every limit and its default.
 *
 * A failed download returns an error and no body: the caller never sees a
 * partial payload. Also here: SHA-256 of a buffer (the payload hash kept
 * in the store and in every case's sources). */
#ifndef FETCH_H
#define FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "cl_err.h"

/* Sent with every request unless the sources file sets another. */
#define FETCH_USER_AGENT "caselib/0.1 (innovation procurement case library)"
/* The most redirects followed for one request (the option may lower it). */
#define FETCH_MAX_REDIRECTS 5

/* Defaults (fetch_opts_default). */
#define FETCH_DEF_CONNECT_TIMEOUT_MS 10000L
#define FETCH_DEF_TIMEOUT_MS 300000L          /* one attempt, redirects included */
#define FETCH_DEF_LOW_SPEED_BYTES 100L        /* abort below this many bytes/s ... */
#define FETCH_DEF_LOW_SPEED_TIME_S 60L        /* ... sustained for this long */
#define FETCH_DEF_MAX_BYTES ((size_t)256 << 20) /* decoded body */
#define FETCH_DEF_RETRIES 3                   /* attempts = 1 + retries */
#define FETCH_DEF_BACKOFF_MS 1000L            /* first retry delay, doubles */
#define FETCH_DEF_BACKOFF_MAX_MS 60000L
#define FETCH_DEF_RETRY_AFTER_MAX_MS 120000L  /* cap on a server's Retry-After */
#define FETCH_DEF_DELAY_MS 1000L              /* between requests to one host */

/* Hard upper bounds any option is clamped to (a sources file cannot
 * switch the limits off). */
#define FETCH_MAX_TIMEOUT_MS 3600000L
#define FETCH_MAX_BODY_BYTES ((size_t)2 << 30)
#define FETCH_MAX_RETRIES 10

struct fetch_opts {
	long connect_timeout_ms;
	long timeout_ms;
	long low_speed_bytes;
	long low_speed_time_s;
	size_t max_bytes;
	int max_redirects;       /* 0..FETCH_MAX_REDIRECTS */
	int retries;             /* extra attempts after the first */
	long backoff_ms;
	long backoff_max_ms;
	long retry_after_max_ms;
	long delay_ms;
	int allow_private;       /* 1: connecting to internal addresses is allowed
				    (a loopback mirror, a publisher on the LAN) */
	const char *user_agent;      /* NULL: FETCH_USER_AGENT; borrowed */
	const char *const *headers;  /* extra "Name: value" lines, NULL-terminated,
					or NULL; borrowed */
	const char *post_json;       /* NULL: GET; else the request is a POST of
					this JSON body (Content-Type:
					application/json; never conditional);
					borrowed. http and https only */
};

/* Fills o with the defaults above. */
void fetch_opts_default(struct fetch_opts *o);

/* What the last successful fetch of the URL saw, for a conditional GET.
 * Either may be NULL. Sent as If-None-Match / If-Modified-Since, verbatim
 * (http and https only). */
struct fetch_cond {
	const char *etag;
	const char *last_modified;
};

struct fetch_result {
	int status;          /* final HTTP status; 0 for file: */
	int not_modified;    /* 1: the server answered 304 (body empty) */
	char *body;          /* decoded payload, len bytes + a NUL; NULL on 304 */
	size_t len;
	char sha256[65];     /* of body, lowercase hex; "" on 304 */
	char retrieved_at[32]; /* RFC 3339 UTC, end of the successful attempt */
	char *etag;          /* response headers, NULL when absent */
	char *last_modified;
	char *content_type;
	char *final_url;     /* after redirects */
	int attempts;        /* 1 + retries made */
	long redirects;
	long waited_ms;      /* backoff, Retry-After and politeness waits planned
				and slept, summed (not measured) */
	long retry_after_ms; /* the last Retry-After honoured (after the cap), -1 none */
};

void fetch_result_init(struct fetch_result *r);
/* Frees what r owns and re-initialises it. NULL is a no-op. */
void fetch_result_release(struct fetch_result *r);

/* A client: one libcurl handle (connections are reused), the per-host
 * politeness clock and the jitter source. One thread at a time. */
struct fetch_client;

/* Caller frees with fetch_client_free. CL_ENOMEM, CL_ENET (libcurl could
 * not be initialised). */
int fetch_client_new(struct fetch_client **out, struct cl_errbuf *eb);
/* NULL is a no-op. */
void fetch_client_free(struct fetch_client *fc);

/* Progress: called from inside a transfer with the decoded bytes received
 * so far by the current attempt. */
void fetch_client_set_progress(struct fetch_client *fc,
			       void (*cb)(void *ud, uint64_t bytes), void *ud);

/* Replaces the client's address check (fetch_addr_internal) with
 * fn(sa, ud), 1 = internal; NULL restores it. For tests, whose "public"
 * and "internal" servers are both on loopback (told apart by port). */
struct sockaddr;
void fetch_client_set_addr_check(struct fetch_client *fc,
				 int (*fn)(const struct sockaddr *sa, void *ud), void *ud);

/* Downloads url (http, https or file) with the policies of o (NULL:
 * defaults). cond (may be NULL) makes the request conditional; a 304 then
 * gives CL_OK with res->not_modified = 1. res is initialised by the caller
 * (released first). On success res->body holds the whole decoded payload
 * and res->sha256 its digest.
 *
 * Errors (res then holds no body; eb names the URL and the reason):
 * CL_EINVAL   not an http, https or file URL, or bad options
 * CL_ETOOBIG  the body is larger than o->max_bytes
 * CL_ENOTFOUND 404 or 410, or a file that does not exist
 * CL_EDENIED  every address of the host (or of a redirect's host) is
 *             internal (fetch_addr_internal) and o->allow_private is 0
 * CL_ENET     anything else: connection, timeout, TLS, truncated body,
 *             bad content encoding, too many redirects, a redirect to
 *             another scheme, an HTTP error status (after the retries for
 *             the retryable ones)
 * CL_ENOMEM */
int fetch_get(struct fetch_client *fc, const char *url, const struct fetch_opts *o,
	      const struct fetch_cond *cond, struct fetch_result *res, struct cl_errbuf *eb);

/* 1 when a fetch must not connect to sa without allow_private: IPv4
 * 0/8 (unspecified, "this network"), 10/8, 100.64/10, 127/8, 169.254/16,
 * 172.16/12, 192.0.0/24, 192.168/16, 198.18/15, 224/4 and above; IPv6 ::,
 * ::1, fc00::/7, fe80::/10, fec0::/10, ff00::/8, and the IPv4-mapped
 * (::ffff:0:0/96), IPv4-compatible (::/96), NAT64 (64:ff9b::/96) and 6to4
 * (2002::/16) forms of an internal IPv4 address. Other families: 1. */
int fetch_addr_internal(const struct sockaddr *sa);

/* "scheme://host:port" of an http or https URL (the port made explicit),
 * NULL for other URLs or on error. Caller frees. Two URLs are of the same
 * origin when these are equal. */
char *fetch_origin(const char *url);

#endif
