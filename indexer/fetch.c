/* fetch.c — one download with every harvesting policy (see fetch.h and
 * docs/harvest.md). Each attempt is one libcurl transfer into a capped
 * buffer; only a complete, successful transfer is handed to the caller.
 * Retries, waits and the per-host politeness clock live here so that every
 * caller gets the same behaviour. */
#include "fetch.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sha256.h"

/* ---- options and results ---------------------------------------------- */

void fetch_opts_default(struct fetch_opts *o)
{
	memset(o, 0, sizeof *o);
	o->connect_timeout_ms = FETCH_DEF_CONNECT_TIMEOUT_MS;
	o->timeout_ms = FETCH_DEF_TIMEOUT_MS;
	o->low_speed_bytes = FETCH_DEF_LOW_SPEED_BYTES;
	o->low_speed_time_s = FETCH_DEF_LOW_SPEED_TIME_S;
	o->max_bytes = FETCH_DEF_MAX_BYTES;
	o->max_redirects = FETCH_MAX_REDIRECTS;
	o->retries = FETCH_DEF_RETRIES;
	o->backoff_ms = FETCH_DEF_BACKOFF_MS;
	o->backoff_max_ms = FETCH_DEF_BACKOFF_MAX_MS;
	o->retry_after_max_ms = FETCH_DEF_RETRY_AFTER_MAX_MS;
	o->delay_ms = FETCH_DEF_DELAY_MS;
}

void fetch_result_init(struct fetch_result *r)
{
	memset(r, 0, sizeof *r);
	r->retry_after_ms = -1;
}

void fetch_result_release(struct fetch_result *r)
{
	if (!r)
		return;
	free(r->body);
	free(r->etag);
	free(r->last_modified);
	free(r->content_type);
	free(r->final_url);
	fetch_result_init(r);
}

/* ---- the client ------------------------------------------------------- */

struct host_clock {
	char *key;      /* scheme://host:port */
	double last_ms; /* monotonic time the last request to it ended */
};

struct fetch_client {
	CURL *h;
	int private_conns; /* a connection to an internal address may be cached in h */
	int (*addr_check)(const struct sockaddr *sa, void *ud); /* NULL: fetch_addr_internal */
	void *addr_check_ud;
	struct host_clock *hosts;
	size_t nhosts, caphosts;
	uint64_t rng;
	void (*progress)(void *ud, uint64_t bytes);
	void *progress_ud;
};

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms)
{
	struct timespec ts, rem;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) != 0 && errno == EINTR)
		ts = rem;
}

/* xorshift64*: jitter only, not security. */
static uint64_t rng_next(struct fetch_client *fc)
{
	uint64_t x = fc->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	fc->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

int fetch_client_new(struct fetch_client **out, struct cl_errbuf *eb)
{
	static int global_done;
	struct fetch_client *fc;
	struct timespec ts;

	*out = NULL;
	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return cl_fail(eb, CL_ENET, "libcurl could not be initialised");
		global_done = 1;
	}
	fc = calloc(1, sizeof *fc);
	if (!fc)
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	fc->h = curl_easy_init();
	if (!fc->h) {
		free(fc);
		return cl_fail(eb, CL_ENET, "libcurl: cannot create a handle");
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	fc->rng = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 40);
	if (!fc->rng)
		fc->rng = 0x9E3779B97F4A7C15ULL;
	*out = fc;
	return CL_OK;
}

void fetch_client_free(struct fetch_client *fc)
{
	size_t i;

	if (!fc)
		return;
	curl_easy_cleanup(fc->h);
	for (i = 0; i < fc->nhosts; i++)
		free(fc->hosts[i].key);
	free(fc->hosts);
	free(fc);
}

void fetch_client_set_addr_check(struct fetch_client *fc,
				 int (*fn)(const struct sockaddr *sa, void *ud), void *ud)
{
	fc->addr_check = fn;
	fc->addr_check_ud = ud;
}

void fetch_client_set_progress(struct fetch_client *fc,
			       void (*cb)(void *ud, uint64_t bytes), void *ud)
{
	fc->progress = cb;
	fc->progress_ud = ud;
}

/* ---- addresses ---------------------------------------------------------- */

static int v4_internal(const unsigned char a[4])
{
	return a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224 ||
	       (a[0] == 100 && (a[1] & 0xc0) == 64) || (a[0] == 169 && a[1] == 254) ||
	       (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
	       (a[0] == 192 && a[1] == 0 && a[2] == 0) || (a[0] == 198 && (a[1] & 0xfe) == 18);
}

int fetch_addr_internal(const struct sockaddr *sa)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const unsigned char compat[12] = {0};
	static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
	const unsigned char *a;

	if (!sa)
		return 1;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return v4_internal((const unsigned char *)&in->sin_addr);
	}
	if (sa->sa_family != AF_INET6)
		return 1;
	a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	if (!memcmp(a, mapped, 12) || !memcmp(a, compat, 12) || !memcmp(a, nat64, 12))
		return v4_internal(a + 12); /* also :: and ::1 (0.0.0.0, 0.0.0.1) */
	if (a[0] == 0x20 && a[1] == 0x02)
		return v4_internal(a + 2);       /* 6to4 */
	return (a[0] & 0xfe) == 0xfc ||          /* fc00::/7 unique local */
	       (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || /* fe80::/10 link-local */
	       (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) || /* fec0::/10 site-local */
	       a[0] == 0xff;                     /* multicast */
}

/* scheme://host:port of url, or NULL for file: URLs and on errors. */
char *fetch_origin(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *key = NULL;

	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    strcasecmp(scheme, "file") != 0 &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		if (asprintf(&key, "%s://%s:%s", scheme, host, port) < 0)
			key = NULL;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return key;
}

static struct host_clock *host_find(struct fetch_client *fc, const char *key, int add)
{
	size_t i;

	for (i = 0; i < fc->nhosts; i++)
		if (strcmp(fc->hosts[i].key, key) == 0)
			return &fc->hosts[i];
	if (!add)
		return NULL;
	if (fc->nhosts == fc->caphosts) {
		size_t cap = fc->caphosts ? fc->caphosts * 2 : 8;
		struct host_clock *v = realloc(fc->hosts, cap * sizeof *v);
		if (!v)
			return NULL;
		fc->hosts = v;
		fc->caphosts = cap;
	}
	fc->hosts[fc->nhosts].key = strdup(key);
	if (!fc->hosts[fc->nhosts].key)
		return NULL;
	fc->hosts[fc->nhosts].last_ms = -1e18;
	return &fc->hosts[fc->nhosts++];
}

/* Waits until delay_ms have passed since the last request to the host
 * ended. Returns the time slept. */
static long polite_wait(struct fetch_client *fc, const char *key, long delay_ms)
{
	struct host_clock *hc;
	double due;
	long wait;

	if (!key || delay_ms <= 0 || !(hc = host_find(fc, key, 0)))
		return 0;
	due = hc->last_ms + (double)delay_ms;
	wait = (long)(due - mono_ms() + 0.5);
	if (wait <= 0)
		return 0;
	if (wait > delay_ms)
		wait = delay_ms;
	sleep_ms(wait);
	return wait;
}

static void polite_mark(struct fetch_client *fc, const char *key)
{
	struct host_clock *hc;

	if (key && (hc = host_find(fc, key, 1)))
		hc->last_ms = mono_ms();
}

/* ---- one attempt ------------------------------------------------------- */

struct xfer {
	struct fetch_client *fc;
	char *buf;
	size_t len, cap, max;
	int toobig;
	int nomem;
	/* headers of the last response seen (reset at each status line) */
	char *etag, *last_modified, *content_type;
	long retry_after_ms; /* -1: none */
	int allow_private;
	int refused;          /* an internal address was not connected to */
	char refused_addr[INET6_ADDRSTRLEN];
};

static void xfer_reset_headers(struct xfer *x)
{
	free(x->etag);
	free(x->last_modified);
	free(x->content_type);
	x->etag = x->last_modified = x->content_type = NULL;
	x->retry_after_ms = -1;
}

/* CURLOPT_OPENSOCKETFUNCTION: every connection libcurl opens (each
 * address it tries, each redirect's host) passes here with the address it
 * is about to connect to. */
static curl_socket_t on_opensocket(void *ud, curlsocktype purpose, struct curl_sockaddr *ca)
{
	struct xfer *x = ud;

	const struct fetch_client *fc = x->fc;
	int internal = fc->addr_check ? fc->addr_check(&ca->addr, fc->addr_check_ud)
				      : fetch_addr_internal(&ca->addr);

	if (purpose == CURLSOCKTYPE_IPCXN && internal) {
		if (!x->allow_private) {
			const void *ap = ca->family == AF_INET6
						 ? (const void *)&((struct sockaddr_in6 *)(void *)&ca->addr)->sin6_addr
						 : (const void *)&((struct sockaddr_in *)(void *)&ca->addr)->sin_addr;
			x->refused = 1;
			if (!inet_ntop(ca->family, ap, x->refused_addr, sizeof x->refused_addr))
				snprintf(x->refused_addr, sizeof x->refused_addr, "?");
			return CURL_SOCKET_BAD;
		}
		x->fc->private_conns = 1;
	}
	return socket(ca->family, ca->socktype | SOCK_CLOEXEC, ca->protocol);
}

static void xfer_release(struct xfer *x)
{
	free(x->buf);
	xfer_reset_headers(x);
	memset(x, 0, sizeof *x);
}

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t add = size * n;

	if (add > x->max - x->len) {
		x->toobig = 1;
		return 0; /* CURLE_WRITE_ERROR ends the transfer */
	}
	if (x->len + add + 1 > x->cap) {
		size_t cap = x->cap ? x->cap : 65536;
		char *b;
		while (cap < x->len + add + 1)
			cap *= 2;
		b = realloc(x->buf, cap);
		if (!b) {
			x->nomem = 1;
			return 0;
		}
		x->buf = b;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, p, add);
	x->len += add;
	if (x->fc->progress)
		x->fc->progress(x->fc->progress_ud, x->len);
	return add;
}

/* A copy of the header value (trimmed), or NULL. */
static char *header_value(const char *line, size_t n, const char *name)
{
	size_t nl = strlen(name), i, j;
	char *v;

	if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return NULL;
	i = nl + 1;
	j = n;
	while (i < j && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (j > i && (line[j - 1] == '\r' || line[j - 1] == '\n' || line[j - 1] == ' ' ||
			 line[j - 1] == '\t'))
		j--;
	v = malloc(j - i + 1);
	if (!v)
		return NULL;
	memcpy(v, line + i, j - i);
	v[j - i] = '\0';
	return v;
}

/* Retry-After: delay-seconds or an HTTP-date. -1 when unreadable. */
static long parse_retry_after(const char *v)
{
	char *end;
	long long secs;
	time_t t;

	if (*v >= '0' && *v <= '9') {
		errno = 0;
		secs = strtoll(v, &end, 10);
		if (errno || *end)
			return -1;
		return secs > 86400 ? 86400000L : (long)secs * 1000L;
	}
	t = curl_getdate(v, NULL);
	if (t == (time_t)-1)
		return -1;
	secs = (long long)(t - time(NULL));
	if (secs < 0)
		secs = 0;
	return secs > 86400 ? 86400000L : (long)secs * 1000L;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	char *v;

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		xfer_reset_headers(x);
		return len;
	}
	if ((v = header_value(p, len, "ETag"))) {
		free(x->etag);
		x->etag = v;
	} else if ((v = header_value(p, len, "Last-Modified"))) {
		free(x->last_modified);
		x->last_modified = v;
	} else if ((v = header_value(p, len, "Content-Type"))) {
		free(x->content_type);
		x->content_type = v;
	} else if ((v = header_value(p, len, "Retry-After"))) {
		x->retry_after_ms = parse_retry_after(v);
		free(v);
	}
	return len;
}

enum outcome { OUT_OK, OUT_NOT_MODIFIED, OUT_RETRY, OUT_FAIL };

static int is_http(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

static int retryable_curl(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

static int set_common(CURL *h, const char *url, const struct fetch_opts *o,
		      struct curl_slist *hdrs, struct xfer *x, char *errbuf)
{
	CURLcode c = CURLE_OK;

#define SET(opt, val)                                      \
	do {                                               \
		if (c == CURLE_OK)                         \
			c = curl_easy_setopt(h, opt, val); \
	} while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https,file");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS | CURLPROTO_FILE));
	SET(CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_FOLLOWLOCATION, o->max_redirects > 0 ? 1L : 0L);
	SET(CURLOPT_MAXREDIRS, (long)o->max_redirects);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, o->timeout_ms);
	SET(CURLOPT_LOW_SPEED_LIMIT, o->low_speed_bytes);
	SET(CURLOPT_LOW_SPEED_TIME, o->low_speed_time_s);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_USERAGENT, o->user_agent ? o->user_agent : FETCH_USER_AGENT);
	SET(CURLOPT_HTTPHEADER, hdrs);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, x);
	if (o->post_json)
		SET(CURLOPT_POSTFIELDS, o->post_json);
	SET(CURLOPT_OPENSOCKETFUNCTION, on_opensocket);
	SET(CURLOPT_OPENSOCKETDATA, x);
#undef SET
	return c == CURLE_OK ? 0 : -1;
}

/* One transfer. Fills res on OUT_OK / OUT_NOT_MODIFIED; on OUT_RETRY and
 * OUT_FAIL writes the reason into eb and *err. */
static enum outcome attempt(struct fetch_client *fc, const char *url, const struct fetch_opts *o,
			    const struct fetch_cond *cond, int conditional,
			    struct fetch_result *res, long *retry_after_ms, int *err,
			    struct cl_errbuf *eb)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL, *t;
	struct xfer x;
	char *line = NULL, *eff = NULL;
	enum outcome out = OUT_FAIL;
	long status = 0, redirects = 0;
	CURLcode c;
	size_t i;

	memset(&x, 0, sizeof x);
	x.fc = fc;
	x.max = o->max_bytes;
	x.retry_after_ms = -1;
	x.allow_private = o->allow_private;
	*retry_after_ms = -1;
	*err = CL_ENET;

	for (i = 0; o->headers && o->headers[i]; i++) {
		if (!(t = curl_slist_append(hdrs, o->headers[i])))
			goto nomem;
		hdrs = t;
	}
	if (o->post_json) {
		if (!(t = curl_slist_append(hdrs, "Content-Type: application/json")))
			goto nomem;
		hdrs = t;
		cond = NULL;
	}
	if (conditional && cond && cond->etag) {
		if (asprintf(&line, "If-None-Match: %s", cond->etag) < 0 ||
		    !(t = curl_slist_append(hdrs, line)))
			goto nomem;
		hdrs = t;
		free(line);
		line = NULL;
	}
	if (conditional && cond && cond->last_modified) {
		if (asprintf(&line, "If-Modified-Since: %s", cond->last_modified) < 0 ||
		    !(t = curl_slist_append(hdrs, line)))
			goto nomem;
		hdrs = t;
		free(line);
		line = NULL;
	}

	/* A connection libcurl keeps open from a fetch that allowed internal
	 * addresses would be reused without passing the check: drop them. */
	if (fc->private_conns && !o->allow_private) {
		CURL *fresh = curl_easy_init();
		if (!fresh)
			goto nomem;
		curl_easy_cleanup(fc->h);
		fc->h = fresh;
		fc->private_conns = 0;
	}
	curl_easy_reset(fc->h);
	if (set_common(fc->h, url, o, hdrs, &x, errbuf) != 0) {
		*err = cl_fail(eb, CL_ENET, "%s: libcurl refused an option", url);
		goto out;
	}
	c = curl_easy_perform(fc->h);
	curl_easy_getinfo(fc->h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(fc->h, CURLINFO_REDIRECT_COUNT, &redirects);
	curl_easy_getinfo(fc->h, CURLINFO_EFFECTIVE_URL, &eff);
	res->status = (int)status;
	res->redirects = redirects;

	if (x.nomem) {
		*err = cl_fail(eb, CL_ENOMEM, "%s: out of memory", url);
		goto out;
	}
	if (c != CURLE_OK) {
		const char *why = errbuf[0] ? errbuf : curl_easy_strerror(c);
		if (x.refused && c == CURLE_COULDNT_CONNECT) {
			*err = cl_fail(eb, CL_EDENIED,
				       "%s: refused to connect to internal address %s%s (the source "
				       "does not allow private addresses: \"allow_private\")",
				       url, x.refused_addr, redirects > 0 ? " after a redirect" : "");
		} else if (x.toobig || c == CURLE_FILESIZE_EXCEEDED) {
			*err = cl_fail(eb, CL_ETOOBIG,
				       "%s: the body is larger than the limit of %zu bytes"
				       " (max_bytes); transfer aborted", url, o->max_bytes);
		} else if (c == CURLE_TOO_MANY_REDIRECTS) {
			*err = cl_fail(eb, CL_ENET, "%s: more than %d redirects (a redirect loop?)",
				       url, o->max_redirects);
		} else if (c == CURLE_UNSUPPORTED_PROTOCOL && redirects > 0) {
			*err = cl_fail(eb, CL_ENET,
				       "%s: redirect refused: only http and https may be"
				       " redirected to (%s)", url, why);
		} else if (c == CURLE_UNSUPPORTED_PROTOCOL) {
			*err = cl_fail(eb, CL_EINVAL, "%s: unsupported scheme (%s)", url, why);
		} else if (c == CURLE_BAD_CONTENT_ENCODING) {
			*err = cl_fail(eb, CL_ENET, "%s: the body does not decode (bad %s): %s", url,
				       "Content-Encoding", why);
		} else if (c == CURLE_FILE_COULDNT_READ_FILE) {
			*err = cl_fail(eb, CL_ENOTFOUND, "%s: cannot read the file: %s", url, why);
		} else if (c == CURLE_OPERATION_TIMEDOUT) {
			*err = cl_fail(eb, CL_ENET, "%s: timed out: %s", url, why);
			out = OUT_RETRY;
		} else if (c == CURLE_PARTIAL_FILE) {
			*err = cl_fail(eb, CL_ENET,
				       "%s: the body ended early (%zu bytes received): %s", url,
				       x.len, why);
			out = OUT_RETRY;
		} else {
			*err = cl_fail(eb, CL_ENET, "%s: %s", url, why);
			out = retryable_curl(c) ? OUT_RETRY : OUT_FAIL;
		}
		goto out;
	}

	if (is_http(url)) {
		if (status == 304) {
			if (!conditional || !cond || (!cond->etag && !cond->last_modified)) {
				*err = cl_fail(eb, CL_ENET,
					       "%s: 304 Not Modified to an unconditional request",
					       url);
				goto out;
			}
			out = OUT_NOT_MODIFIED;
		} else if (status >= 200 && status <= 299) {
			out = OUT_OK;
		} else if (status == 429 || status == 408 || (status >= 500 && status <= 599)) {
			*retry_after_ms = x.retry_after_ms;
			*err = cl_fail(eb, CL_ENET, "%s: HTTP %ld%s", url, status,
				       status == 429 ? " Too Many Requests" : "");
			out = OUT_RETRY;
			goto out;
		} else if (status == 404 || status == 410) {
			*err = cl_fail(eb, CL_ENOTFOUND, "%s: HTTP %ld (not found)", url, status);
			goto out;
		} else {
			*err = cl_fail(eb, CL_ENET, "%s: HTTP %ld", url, status);
			goto out;
		}
	} else {
		out = OUT_OK;
	}

	/* Success: hand over the body and the headers. */
	if (out == OUT_OK) {
		if (!x.buf && !(x.buf = malloc(1)))
			goto nomem;
		x.buf[x.len] = '\0';
		res->body = x.buf;
		res->len = x.len;
		x.buf = NULL;
		sha256_hex(res->body, res->len, res->sha256);
	}
	res->etag = x.etag;
	res->last_modified = x.last_modified;
	res->content_type = x.content_type;
	x.etag = x.last_modified = x.content_type = NULL;
	if (eff && !(res->final_url = strdup(eff)))
		goto nomem;
	*err = CL_OK;
	goto out;
nomem:
	*err = cl_fail(eb, CL_ENOMEM, "out of memory");
	out = OUT_FAIL;
out:
	free(line);
	curl_slist_free_all(hdrs);
	xfer_release(&x);
	return out;
}

/* Backoff before retry number n (1-based): base * 2^(n-1), capped, with
 * "equal jitter": half fixed, half random. */
static long backoff(struct fetch_client *fc, const struct fetch_opts *o, int n)
{
	long d = o->backoff_ms;
	int i;

	for (i = 1; i < n && d < o->backoff_max_ms; i++)
		d *= 2;
	if (d > o->backoff_max_ms)
		d = o->backoff_max_ms;
	if (d <= 1)
		return d < 0 ? 0 : d;
	return d / 2 + (long)(rng_next(fc) % (uint64_t)(d / 2 + 1));
}

static long clampl(long v, long lo, long hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int fetch_get(struct fetch_client *fc, const char *url, const struct fetch_opts *opts,
	      const struct fetch_cond *cond, struct fetch_result *res, struct cl_errbuf *eb)
{
	struct fetch_opts o;
	char *key = NULL;
	struct timespec now;
	struct tm tm;
	enum outcome out;
	long ra, wait;
	int err = CL_OK, n, http;

	if (!fc || !url || !res)
		return cl_fail(eb, CL_EINVAL, "fetch_get: missing argument");
	fetch_result_release(res);
	http = is_http(url);
	if (opts && opts->post_json && !http)
		return cl_fail(eb, CL_EINVAL, "%s: only http and https requests can be POSTs", url);
	if (!http && strncasecmp(url, "file://", 7) != 0)
		return cl_fail(eb, CL_EINVAL, "%s: only http, https and file URLs can be fetched",
			       url);
	if (opts)
		o = *opts;
	else
		fetch_opts_default(&o);
	o.connect_timeout_ms = clampl(o.connect_timeout_ms, 1, FETCH_MAX_TIMEOUT_MS);
	o.timeout_ms = clampl(o.timeout_ms, 1, FETCH_MAX_TIMEOUT_MS);
	o.low_speed_bytes = clampl(o.low_speed_bytes, 1, 1L << 30);
	o.low_speed_time_s = clampl(o.low_speed_time_s, 1, FETCH_MAX_TIMEOUT_MS / 1000);
	if (o.max_bytes == 0 || o.max_bytes > FETCH_MAX_BODY_BYTES)
		o.max_bytes = FETCH_MAX_BODY_BYTES;
	o.max_redirects = (int)clampl(o.max_redirects, 0, FETCH_MAX_REDIRECTS);
	o.retries = (int)clampl(o.retries, 0, FETCH_MAX_RETRIES);
	o.backoff_ms = clampl(o.backoff_ms, 0, FETCH_MAX_TIMEOUT_MS);
	o.backoff_max_ms = clampl(o.backoff_max_ms, o.backoff_ms, FETCH_MAX_TIMEOUT_MS);
	o.retry_after_max_ms = clampl(o.retry_after_max_ms, 0, FETCH_MAX_TIMEOUT_MS);
	o.delay_ms = clampl(o.delay_ms, 0, FETCH_MAX_TIMEOUT_MS);

	key = http ? fetch_origin(url) : NULL;
	for (n = 1;; n++) {
		res->waited_ms += polite_wait(fc, key, o.delay_ms);
		res->attempts = n;
		out = attempt(fc, url, &o, cond, http, res, &ra, &err, eb);
		polite_mark(fc, key);
		if (out == OUT_OK || out == OUT_NOT_MODIFIED || out == OUT_FAIL)
			break;
		if (n > o.retries) {
			char msg[CL_ERRBUF_SIZE];
			snprintf(msg, sizeof msg, "%s", eb ? eb->msg : "");
			err = cl_fail(eb, err, "%s (gave up after %d attempt%s)", msg, n,
				      n == 1 ? "" : "s");
			break;
		}
		if (ra >= 0) {
			wait = ra < o.retry_after_max_ms ? ra : o.retry_after_max_ms;
			res->retry_after_ms = wait;
		} else {
			wait = backoff(fc, &o, n);
		}
		sleep_ms(wait);
		res->waited_ms += wait;
	}
	free(key);
	if (out == OUT_NOT_MODIFIED)
		res->not_modified = 1;
	if (err != CL_OK) {
		/* Keep the diagnostics (status, attempts), drop any payload. */
		free(res->body);
		res->body = NULL;
		res->len = 0;
		res->sha256[0] = '\0';
		return err;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (!gmtime_r(&now.tv_sec, &tm) ||
	    !strftime(res->retrieved_at, sizeof res->retrieved_at, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(res->retrieved_at, sizeof res->retrieved_at, "1970-01-01T00:00:00Z");
	return CL_OK;
}
