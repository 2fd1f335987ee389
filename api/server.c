/* server.c — the HTTP server on libmicrohttpd: request life cycle with
 * limits, our own URL decoding (so that %00, %2e%2e, %2f and invalid UTF-8
 * are seen and refused), routing to api/routes.c, responses with security
 * headers, ETag/304 and problem+json, the worker pool, the sync thread,
 * metrics and graceful shutdown. Contract in server.h.
 *
 * The strict edge ("edge_" below): libmicrohttpd takes the first of two
 * Content-Length headers, prefers chunked over a Content-Length, keeps a
 * header name with a space before the colon as an unknown header, and has
 * only an idle timeout. We refuse ambiguous framing with 400 and close the
 * connection, close it when a body passes the cap, and a reaper thread
 * closes a connection whose headers or body miss their deadline, however
 * steadily the bytes trickle in (docs/limits.md). */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <zlib.h>

#include "sha256.h"
#include "shard.h"
#include "store.h"
#include "sync.h"
#include "taxonomy.h"
#include "utf8.h"
#include "workflow.h"

#include "server_impl.h"

/* ---- small helpers ---------------------------------------------------- */

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* 1 when s[0..n) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..n) ('+' as space when plus). Returns a new string,
 * or NULL with *why set: "malformed percent-encoding", "NUL byte",
 * "invalid UTF-8", "out of memory". */
static char *pct_decode(const char *s, size_t n, int plus, const char **why)
{
	char *out = malloc(n + 1), *p = out;
	if (!out) {
		*why = "out of memory";
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int h, l;
			if (i + 2 >= n) {
				*why = "malformed percent-encoding";
				goto fail;
			}
			h = hexval((unsigned char)s[i + 1]);
			l = hexval((unsigned char)s[i + 2]);
			if (h < 0 || l < 0) {
				*why = "malformed percent-encoding";
				goto fail;
			}
			*p = (char)(h * 16 + l);
			if (*p == '\0') {
				*why = "NUL byte";
				goto fail;
			}
			p++;
			i += 2;
		} else if (s[i] == '+' && plus) {
			*p++ = ' ';
		} else {
			*p++ = s[i];
		}
	}
	*p = '\0';
	if (!utf8_valid(out, (size_t)(p - out))) {
		*why = "invalid UTF-8";
		goto fail;
	}
	return out;
fail:
	free(out);
	return NULL;
}

/* ---- request accessors ------------------------------------------------ */

const char *srv_arg(const struct srv_req *r, int i)
{
	return i >= 0 && i < SRV_PATH_ARGS ? r->args[i] : NULL;
}

const struct srv_param *srv_params(const struct srv_req *r, size_t *n)
{
	*n = r->nparams;
	return r->params;
}

const char *srv_header(const struct srv_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *srv_body(const struct srv_req *r, size_t *len)
{
	if (len)
		*len = r->blen;
	return r->body ? r->body : "";
}

const char *srv_method(const struct srv_req *r)
{
	return r->method;
}

const char *srv_path(const struct srv_req *r)
{
	return r->path ? r->path : "";
}

const struct srv_config *srv_cfg(const struct srv_req *r)
{
	return &r->srv->cfg;
}

struct srv *srv_of(const struct srv_req *r)
{
	return r->srv;
}

struct rcache *srv_search_cache(struct srv_req *r, struct rcache_state *st)
{
	struct srv *s = r->srv;
	struct srv_worker *w;
	int ok;

	if (!s->rcache)
		return NULL;
	/* read before the search: the answer then reflects at least this
	 * state (a change after the read only makes it newer) */
	srv_seqs(s, NULL, &st->engine_seq, &ok);
	if (!ok || !(w = srv_worker(r)) || store_last_seq(w->store, &st->store_seq, NULL) != CL_OK)
		return NULL;
	return s->rcache;
}

struct srv_worker *srv_worker(struct srv_req *r)
{
	struct cl_errbuf eb = {0};
	int rc;

	if (r->w)
		return r->w;
	rc = svc_worker_get(r->srv, &r->w, &eb);
	if (rc != CL_OK) {
		fprintf(stderr, "caselib serve: cannot open store/engine: %s\n", eb.msg);
		srv_problem(r, 503, "unavailable", "Service unavailable",
			    "the store or the search index cannot be opened; try again later");
		r->w = NULL;
	}
	return r->w;
}

const struct auth_principal *srv_who(struct srv_req *r)
{
	struct cl_errbuf eb = {0};
	const char *h;
	struct srv_worker *w;
	int rc;

	if (r->who_state == 1)
		return &r->who;
	if (r->who_state == -1)
		return NULL;
	h = srv_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	memset(&r->who, 0, sizeof r->who);
	r->who.role = ROLE_ANONYMOUS;
	if (!h) {
		r->who_state = 1;
		return &r->who;
	}
	if (!(w = srv_worker(r))) {
		r->who_state = -1;
		return NULL;
	}
	rc = auth_verify(w->store, h, &r->who, &eb);
	if (rc != CL_OK) {
		r->who_state = -1;
		if (rc == CL_EINVAL || rc == CL_EDENIED) {
			srv_add_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"caselib\"");
			srv_problem(r, 401, "unauthorized", "Unauthorized",
				    "the bearer token is malformed, unknown or revoked");
		} else {
			srv_problem_err(r, rc, &eb);
		}
		return NULL;
	}
	r->who_state = 1;
	return &r->who;
}

int srv_client_is_loopback(struct srv_req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	if (!sa || r->srv->cfg.loopback_is_remote)
		return 0;
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) ==
		       127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

/* ---- responses -------------------------------------------------------- */

void srv_add_header(struct srv_req *r, const char *name, const char *value)
{
	if (r->nxh >= MAX_EXTRA_HEADERS)
		return;
	r->xh_name[r->nxh] = strdup(name);
	r->xh_val[r->nxh] = strdup(value);
	if (!r->xh_name[r->nxh] || !r->xh_val[r->nxh]) {
		free(r->xh_name[r->nxh]);
		free(r->xh_val[r->nxh]);
		return;
	}
	r->nxh++;
}

static void set_response(struct srv_req *r, struct MHD_Response *resp, unsigned status)
{
	const struct srv *s = r->srv;

	if (!resp)
		return;
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; script-src 'self'; style-src 'self'; "
				"frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	if (s->cors) {
		MHD_add_response_header(resp, "Access-Control-Allow-Origin", s->cors);
		MHD_add_response_header(resp, "Vary", "Origin");
		MHD_add_response_header(resp, "Access-Control-Expose-Headers", "ETag, Location");
	}
	if (!MHD_get_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
					srv_header(r, MHD_HTTP_HEADER_AUTHORIZATION)
						? "private, no-cache"
						: "no-cache");
	if (atomic_load(&s->stopping))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	for (size_t i = 0; i < r->nxh; i++) {
		MHD_add_response_header(resp, r->xh_name[i], r->xh_val[i]);
		free(r->xh_name[i]);
		free(r->xh_val[i]);
	}
	r->nxh = 0;
	if (r->resp)
		MHD_destroy_response(r->resp);
	r->resp = resp;
	r->status = status;
}

/* 1 when If-None-Match lists etag (or is "*"). */
static int etag_matches(const char *inm, const char *etag)
{
	if (!inm)
		return 0;
	if (!strcmp(inm, "*"))
		return 1;
	return strstr(inm, etag) != NULL;
}

/* 1 when the client accepts gzip: Accept-Encoding lists "gzip" (or "*")
 * with no q-value of zero. */
static int accepts_gzip(struct srv_req *r)
{
	const char *p = srv_header(r, MHD_HTTP_HEADER_ACCEPT_ENCODING);

	while (p && *p) {
		const char *end = strchr(p, ','), *q;
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		n = end ? (size_t)(end - p) : strlen(p);
		if ((n >= 4 && !strncasecmp(p, "gzip", 4) && (n == 4 || p[4] == ';' || p[4] == ' ')) ||
		    (n >= 1 && p[0] == '*' && (n == 1 || p[1] == ';' || p[1] == ' '))) {
			q = memchr(p, ';', n);
			if (!q)
				return 1;
			q = strstr(q, "q=");
			if (!q || q >= p + n)
				return 1;
			return strtod(q + 2, NULL) > 0.0;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

/* gzip of data (zlib, default level), or NULL when it would not help or
 * fails; *outlen gets the compressed size. Caller frees. */
static unsigned char *gzip_bytes(const void *data, size_t len, size_t *outlen)
{
	z_stream zs;
	unsigned char *out;
	uLong cap;

	memset(&zs, 0, sizeof zs);
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&zs, (uLong)len);
	out = malloc(cap);
	if (!out) {
		deflateEnd(&zs);
		return NULL;
	}
	zs.next_in = (Bytef *)(uintptr_t)data;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END || zs.total_out >= len) {
		deflateEnd(&zs);
		free(out);
		return NULL;
	}
	*outlen = zs.total_out;
	deflateEnd(&zs);
	return out;
}

void srv_reply_bytes(struct srv_req *r, unsigned status, const char *ctype, const void *data,
		     size_t len, int etag)
{
	struct MHD_Response *resp;
	char tag[80];
	unsigned char *gz = NULL;
	size_t gzlen = 0;
	/* Text bodies of 1 KiB or more are gzipped for clients that accept it;
	 * the ETag names the representation (strong ETags differ per encoding). */
	int compressible = len >= 1024 && (!strncmp(ctype, "application/", 12) ||
					   !strncmp(ctype, "text/", 5));

	if (compressible && accepts_gzip(r))
		gz = gzip_bytes(data, len, &gzlen);
	if (etag && status == 200 && (!strcmp(r->method, "GET") || r->head)) {
		char hex[65];
		sha256_hex(data, len, hex);
		snprintf(tag, sizeof tag, "\"%.64s%s\"", hex, gz ? "-gzip" : "");
		if (etag_matches(srv_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH), tag)) {
			free(gz);
			resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
			if (resp) {
				MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, tag);
				if (compressible)
					MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
			}
			set_response(r, resp, 304);
			return;
		}
	} else {
		etag = 0;
	}
	if (gz)
		resp = MHD_create_response_from_buffer(gzlen, gz, MHD_RESPMEM_MUST_FREE);
	else
		resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)data,
						       MHD_RESPMEM_MUST_COPY);
	if (!resp) {
		free(gz);
		return;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (gz)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	if (compressible)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (etag)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, tag);
	set_response(r, resp, status);
}

static void reply_json_ctype(struct srv_req *r, unsigned status, json_t *j, const char *ctype,
			     int etag)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text) {
		const char *fb = "{\"type\":\"" SRV_PROBLEM_BASE "internal\",\"title\":\"Internal error\","
				 "\"status\":500,\"detail\":\"out of memory\"}";
		srv_reply_bytes(r, 500, "application/problem+json", fb, strlen(fb), 0);
		return;
	}
	srv_reply_bytes(r, status, ctype, text, strlen(text), etag);
	free(text);
}

void srv_reply_json(struct srv_req *r, unsigned status, json_t *j)
{
	reply_json_ctype(r, status, j, "application/json", 1);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream_wrap *sw = cls;
	long n = sw->read(sw->ud, pos, buf, max);
	if (n == -1)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream_wrap *sw = cls;
	if (sw->release)
		sw->release(sw->ud);
	svc_worker_put(sw->srv, sw->w);
	free(sw);
}

void srv_reply_stream(struct srv_req *r, unsigned status, const char *ctype,
		      const char *disposition,
		      long (*read)(void *ud, uint64_t pos, char *buf, size_t max), void *ud,
		      void (*release)(void *ud))
{
	struct stream_wrap *sw = calloc(1, sizeof *sw);
	struct MHD_Response *resp;

	if (!sw) {
		if (release)
			release(ud);
		srv_problem(r, 500, "internal", "Internal error", "out of memory");
		return;
	}
	sw->srv = r->srv;
	sw->read = read;
	sw->release = release;
	sw->ud = ud;
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, stream_read, sw,
						 stream_free);
	if (!resp) {
		stream_free(sw);
		srv_problem(r, 500, "internal", "Internal error", "out of memory");
		return;
	}
	/* the worker now belongs to the stream */
	sw->w = r->w;
	r->w = NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (disposition)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disposition);
	set_response(r, resp, status);
}

void srv_problem_ext(struct srv_req *r, unsigned status, const char *type, const char *title,
		     const char *detail, json_t *ext)
{
	json_t *j = json_object();
	char tbuf[160];

	snprintf(tbuf, sizeof tbuf, "%s%s", SRV_PROBLEM_BASE, type);
	json_object_set_new(j, "type", json_string(tbuf));
	json_object_set_new(j, "title", json_string(title));
	json_object_set_new(j, "status", json_integer(status));
	if (detail) {
		json_t *d = json_string(detail);
		/* a detail quoting invalid UTF-8 is replaced, never dropped silently */
		json_object_set_new(j, "detail", d ? d : json_string("(detail not valid UTF-8)"));
	}
	if (ext)
		json_object_update(j, ext);
	json_decref(ext);
	reply_json_ctype(r, status, j, "application/problem+json", 0);
}

void srv_problem(struct srv_req *r, unsigned status, const char *type, const char *title,
		 const char *detail_fmt, ...)
{
	char detail[1024];
	va_list ap;

	va_start(ap, detail_fmt);
	vsnprintf(detail, sizeof detail, detail_fmt, ap);
	va_end(ap);
	srv_problem_ext(r, status, type, title, detail, NULL);
}

void srv_problem_validation(struct srv_req *r, const char *detail, json_t *errors)
{
	json_t *ext = json_object();
	json_object_set_new(ext, "errors", errors ? errors : json_array());
	srv_problem_ext(r, 400, "validation", "Validation failed", detail, ext);
}

void srv_problem_err(struct srv_req *r, int rc, const struct cl_errbuf *eb)
{
	const char *msg = eb && eb->msg[0] ? eb->msg : cl_strerror(rc);

	switch (rc) {
	case CL_EINVAL:
	case CL_EPARSE:
	case CL_EVALIDATION: {
		json_t *errs = json_array();
		json_array_append_new(errs, json_pack("{s:s,s:s?}", "path", "$", "reason", msg));
		srv_problem_validation(r, msg, errs);
		break;
	}
	case CL_EQUERY:
		srv_problem(r, 400, "query-syntax", "Query cannot be read", "%s", msg);
		break;
	case CL_ENOTFOUND:
		srv_problem(r, 404, "not-found", "Not found", "%s", msg);
		break;
	case CL_EDENIED:
		if (r->who_state == 1 && r->who.role == ROLE_ANONYMOUS) {
			srv_add_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"caselib\"");
			srv_problem(r, 401, "unauthorized", "Unauthorized",
				    "this needs a bearer token: %s", msg);
		} else {
			srv_problem(r, 403, "forbidden", "Forbidden", "%s", msg);
		}
		break;
	case CL_ECONFLICT:
	case CL_EEXISTS:
		srv_problem(r, 409, "conflict", "Conflict", "%s", msg);
		break;
	case CL_ETOOBIG:
		srv_problem(r, 413, "payload-too-large", "Payload too large", "%s", msg);
		break;
	case CL_EBUSY:
		srv_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		srv_problem(r, 503, "unavailable", "Service unavailable", "the store is busy; retry");
		break;
	case CL_ENET: /* a search shard down or slow (docs/operations.md) */
		fprintf(stderr, "caselib serve: %s %s: %s\n", r->method, srv_path(r), msg);
		srv_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "5");
		srv_problem(r, 503, "shard-unavailable", "Search shard unavailable", "%s", msg);
		break;
	case CL_EFULL:
		/* the transaction was rolled back: the same request can be
		 * retried once there is space again */
		fprintf(stderr, "caselib serve: %s %s: %s\n", r->method, srv_path(r), msg);
		srv_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "30");
		srv_problem(r, 507, "insufficient-storage", "Insufficient storage",
			    "the server's disk is full: nothing was stored; retry later");
		break;
	case CL_EIO:
		fprintf(stderr, "caselib serve: %s %s: %s\n", r->method, srv_path(r), msg);
		srv_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "30");
		srv_problem(r, 503, "unavailable", "Service unavailable",
			    "the store could not be read or written: nothing was stored; "
			    "retry later");
		break;
	default:
		fprintf(stderr, "caselib serve: %s %s: %s (%s)\n", r->method, srv_path(r),
			cl_strerror(rc), msg);
		srv_problem(r, 500, "internal", "Internal error",
			    "an internal error occurred; it has been logged");
		break;
	}
}

/* ---- URL parsing and routing ------------------------------------------ */

static void req_free(struct srv_req *r)
{
	if (!r)
		return;
	if (r->w)
		svc_worker_put(r->srv, r->w);
	if (r->resp)
		MHD_destroy_response(r->resp);
	for (size_t i = 0; i < r->nparams; i++) {
		free(r->params[i].name);
		free(r->params[i].value);
	}
	for (int i = 0; i < SRV_PATH_ARGS; i++)
		free(r->args[i]);
	for (size_t i = 0; i < r->nxh; i++) {
		free(r->xh_name[i]);
		free(r->xh_val[i]);
	}
	free(r->params);
	free(r->path);
	free(r->raw);
	free(r->body);
	free(r);
}

/* Splits r->raw into the decoded path and parameters. On a bad URL sets
 * a 400 problem and returns -1. */
static int parse_target(struct srv_req *r)
{
	const char *raw = r->raw, *q, *why = NULL;
	size_t plen;
	char *path = NULL;
	size_t pcap, pn = 0;

	if (raw[0] != '/') {
		srv_problem(r, 400, "bad-request", "Bad request",
			    "the request target must be an absolute path");
		return -1;
	}
	q = strchr(raw, '?');
	plen = q ? (size_t)(q - raw) : strlen(raw);
	if (memchr(raw, '#', strlen(raw))) {
		srv_problem(r, 400, "bad-request", "Bad request", "a fragment is not allowed");
		return -1;
	}
	/* the path, segment by segment */
	pcap = plen + 2;
	if (!(path = malloc(pcap)))
		goto nomem;
	path[0] = '\0';
	for (size_t i = 1; i <= plen;) {
		size_t j = i;
		char *seg;
		while (j < plen && raw[j] != '/')
			j++;
		seg = pct_decode(raw + i, j - i, 0, &why);
		if (!seg) {
			free(path);
			srv_problem(r, 400, "bad-path", "Bad path", "the path has a %s", why);
			return -1;
		}
		if (!strcmp(seg, ".") || !strcmp(seg, "..") || strchr(seg, '/') ||
		    strchr(seg, '\\')) {
			free(seg);
			free(path);
			srv_problem(r, 400, "bad-path", "Bad path",
				    "path segments '.', '..' and encoded slashes are not allowed");
			return -1;
		}
		{
			size_t k = strlen(seg);
			if (pn + k + 2 > pcap) {
				char *np = realloc(path, pn + k + 2);
				if (!np) {
					free(seg);
					goto nomem;
				}
				path = np;
				pcap = pn + k + 2;
			}
			path[pn++] = '/';
			memcpy(path + pn, seg, k);
			pn += k;
			path[pn] = '\0';
		}
		free(seg);
		i = j + 1;
	}
	if (pn == 0) {
		path[0] = '/';
		path[1] = '\0';
	}
	r->path = path;
	path = NULL;
	/* the query */
	if (q) {
		const char *p = q + 1;
		while (*p) {
			const char *amp = strchr(p, '&'), *eq;
			size_t n = amp ? (size_t)(amp - p) : strlen(p);
			if (n > 0) {
				struct srv_param *np;
				char *name, *value;
				eq = memchr(p, '=', n);
				if (r->nparams >= SRV_PARAMS_MAX) {
					srv_problem(r, 400, "bad-request", "Bad request",
						    "more than %d query parameters", SRV_PARAMS_MAX);
					return -1;
				}
				name = pct_decode(p, eq ? (size_t)(eq - p) : n, 1, &why);
				value = name ? pct_decode(eq ? eq + 1 : p + n,
							  eq ? n - (size_t)(eq + 1 - p) : 0, 1, &why)
					     : NULL;
				if (!name || !value) {
					free(name);
					srv_problem(r, 400, "bad-request", "Bad request",
						    "a query parameter has a %s", why);
					return -1;
				}
				np = realloc(r->params, (r->nparams + 1) * sizeof *np);
				if (!np) {
					free(name);
					free(value);
					goto nomem;
				}
				r->params = np;
				np[r->nparams].name = name;
				np[r->nparams].value = value;
				r->nparams++;
			}
			if (!amp)
				break;
			p = amp + 1;
		}
	}
	return 0;
nomem:
	free(path);
	srv_problem(r, 500, "internal", "Internal error", "out of memory");
	return -1;
}

/* Does path match pattern? Captures {x} segments into args (when args). */
static int route_match(const char *pattern, const char *path, char **args)
{
	const char *p = pattern, *u = path;
	int na = 0;

	while (*p && *u) {
		if (*p != '/' || *u != '/')
			return 0;
		p++;
		u++;
		const char *pe = strchr(p, '/'), *ue = strchr(u, '/');
		size_t pl = pe ? (size_t)(pe - p) : strlen(p);
		size_t ul = ue ? (size_t)(ue - u) : strlen(u);
		if (pl > 1 && p[0] == '{') {
			if (ul == 0)
				return 0;
			if (args && na < SRV_PATH_ARGS)
				args[na] = strndup(u, ul);
			na++;
		} else if (pl != ul || memcmp(p, u, pl) != 0) {
			return 0;
		}
		p += pl;
		u += ul;
	}
	return *p == '\0' && *u == '\0';
}

static int is_api_path(const char *path)
{
	return !strncmp(path, "/v1/", 4) || !strcmp(path, "/v1") || !strcmp(path, "/healthz") ||
	       !strcmp(path, "/metrics") || !strcmp(path, "/openapi.json");
}

/* Allowed methods for path ("GET, HEAD, POST"), into buf. */
static void allowed_methods(const struct srv_route *routes, const char *path, char *buf,
			    size_t cap)
{
	int get = 0, post = 0, put = 0;
	for (const struct srv_route *rt = routes; rt->pattern; rt++) {
		if (!route_match(rt->pattern, path, NULL))
			continue;
		get |= !strcmp(rt->method, "GET");
		post |= !strcmp(rt->method, "POST");
		put |= !strcmp(rt->method, "PUT");
	}
	snprintf(buf, cap, "%s%s%sOPTIONS", get ? "GET, HEAD, " : "", post ? "POST, " : "",
		 put ? "PUT, " : "");
}

/* 1 when Content-Type is application/json (charset utf-8 if given). */
static int is_json_ctype(const char *ct)
{
	size_t n;
	if (!ct)
		return 0;
	n = strcspn(ct, ";");
	while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
		n--;
	if (n != 16 || strncasecmp(ct, "application/json", 16) != 0)
		return 0;
	if (ct[16 + strspn(ct + 16, " \t")] == ';') {
		const char *cs = strcasestr(ct, "charset=");
		if (cs && strncasecmp(cs + 8, "utf-8", 5) && strncasecmp(cs + 8, "\"utf-8\"", 7))
			return 0;
	}
	return 1;
}

/* First call: limits, URL, routing, method, content type. Sets a problem
 * (and returns -1) when the request is refused before its body. */
static int precheck(struct srv_req *r)
{
	const char *cl;
	char allow[64];

	if (r->too_long) {
		srv_problem(r, 414, "uri-too-long", "URI too long",
			    "the request target is over %d bytes", SRV_URL_MAX);
		return -1;
	}
	if (!r->raw || parse_target(r) != 0) {
		if (!r->resp)
			srv_problem(r, 400, "bad-request", "Bad request", "unreadable request target");
		return -1;
	}
	cl = srv_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl) {
		char *end;
		unsigned long long v;
		errno = 0;
		v = strtoull(cl, &end, 10);
		if (errno || *end || v > SRV_BODY_MAX) {
			srv_add_header(r, MHD_HTTP_HEADER_CONNECTION, "close"); /* body unread */
			srv_problem(r, 413, "payload-too-large", "Payload too large",
				    "the request body is over %d bytes", SRV_BODY_MAX);
			return -1;
		}
	}
	r->label = "unmatched";
	if (!is_api_path(r->path)) {
		r->label = "static";
		if (strcmp(r->method, "GET") && !r->head) {
			if (!strcmp(r->method, "OPTIONS")) {
				srv_add_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, OPTIONS");
				srv_reply_bytes(r, 204, "text/plain", "", 0, 0);
				return -1;
			}
			srv_add_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, OPTIONS");
			srv_problem(r, 405, "method-not-allowed", "Method not allowed",
				    "%s is not allowed here", r->method);
			return -1;
		}
		return 0;
	}
	for (const struct srv_route *rt = r->srv->cfg.routes; rt->pattern; rt++) {
		const char *m = r->head ? "GET" : r->method;
		if (strcmp(rt->method, m) || !route_match(rt->pattern, r->path, NULL))
			continue;
		r->route = rt;
		r->label = rt->pattern;
		route_match(rt->pattern, r->path, r->args);
		break;
	}
	if (!r->route) {
		int known = 0;
		for (const struct srv_route *rt = r->srv->cfg.routes; rt->pattern; rt++)
			if (route_match(rt->pattern, r->path, NULL)) {
				known = 1;
				r->label = rt->pattern;
				break;
			}
		if (!known) {
			srv_problem(r, 404, "not-found", "Not found", "no such resource: %s", r->path);
			return -1;
		}
		allowed_methods(r->srv->cfg.routes, r->path, allow, sizeof allow);
		srv_add_header(r, MHD_HTTP_HEADER_ALLOW, allow);
		if (!strcmp(r->method, "OPTIONS")) {
			if (r->srv->cors) {
				srv_add_header(r, "Access-Control-Allow-Methods", allow);
				srv_add_header(r, "Access-Control-Allow-Headers",
					       "Authorization, Content-Type, If-None-Match");
				srv_add_header(r, "Access-Control-Max-Age", "600");
			}
			srv_reply_bytes(r, 204, "text/plain", "", 0, 0);
			return -1;
		}
		srv_problem(r, 405, "method-not-allowed", "Method not allowed",
			    "%s is not allowed on %s (allowed: %s)", r->method, r->path, allow);
		return -1;
	}
	if ((r->route->flags & SRV_ROUTE_JSON) &&
	    !is_json_ctype(srv_header(r, MHD_HTTP_HEADER_CONTENT_TYPE))) {
		srv_add_header(r, "Accept-Post", "application/json");
		srv_problem(r, 415, "unsupported-media-type", "Unsupported media type",
			    "the body must be application/json (UTF-8)");
		return -1;
	}
	if ((r->route->flags & SRV_ROUTE_TOKEN) && !srv_header(r, MHD_HTTP_HEADER_AUTHORIZATION)) {
		/* refused before a byte of the body is read or parsed */
		srv_add_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"caselib\"");
		srv_add_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
		srv_problem(r, 401, "unauthorized", "Unauthorized",
			    "%s %s needs a bearer token (docs/api.md, \"Roles\")", r->method, r->label);
		return -1;
	}
	return 0;
}

static void dispatch(struct srv_req *r)
{
	if (r->body_too_big) {
		srv_problem(r, 413, "payload-too-large", "Payload too large",
			    "the request body is over %d bytes", SRV_BODY_MAX);
		return;
	}
	/* A credential, when given, must be good on every API route — a bad
	 * token is a 401 even where anonymous access would be allowed, so a
	 * client never mistakes a revoked token for a working one. Health,
	 * metrics and static files ignore it. */
	if (r->route && strncmp(r->path, "/v1/", 4) == 0 &&
	    srv_header(r, MHD_HTTP_HEADER_AUTHORIZATION) && !srv_who(r))
		return;
	if (r->route)
		r->route->handler(r);
	else
		r->srv->cfg.fallback(r);
	if (!r->resp)
		srv_problem(r, 500, "internal", "Internal error", "the handler gave no response");
}

static enum MHD_Result queue(struct srv_req *r)
{
	enum MHD_Result ret;
	if (!r->resp)
		return MHD_NO;
	if (!r->counted) {
		svc_metrics_count(r->srv, r->label, r->method, r->status);
		r->counted = 1;
	}
	ret = MHD_queue_response(r->conn, r->status, r->resp);
	MHD_destroy_response(r->resp);
	r->resp = NULL;
	r->queued = 1;
	return ret;
}

/* ---- the strict edge -------------------------------------------------- */

static void deadline_in(struct timespec *t, unsigned secs)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += secs;
}

static unsigned header_secs(const struct srv *s)
{
	return s->cfg.header_deadline ? s->cfg.header_deadline : SRV_HEADER_DEADLINE;
}

static unsigned body_secs(const struct srv *s)
{
	return s->cfg.body_deadline ? s->cfg.body_deadline : SRV_BODY_DEADLINE;
}

/* Moves connection c to phase p; for EDGE_HEADERS and EDGE_BODY its
 * deadline is secs from now. Returns -1 when the reaper has already
 * answered and shut it (the caller then returns MHD_NO), else 0. */
static int edge_set(struct srv *s, struct edge_conn *c, enum edge_phase p, unsigned secs)
{
	int rc;

	if (!c)
		return 0;
	pthread_mutex_lock(&s->edge_mu);
	c->phase = p;
	if (p != EDGE_ANSWER)
		deadline_in(&c->deadline, secs);
	rc = c->reaped ? -1 : 0;
	pthread_mutex_unlock(&s->edge_mu);
	return rc;
}

/* MHD_OPTION_NOTIFY_CONNECTION: keeps srv.conns. MHD calls CLOSED before
 * it closes the socket, so an fd in the list is always open. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct srv *s = cls;
	struct edge_conn *c = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		if (!ci || !(c = calloc(1, sizeof *c)))
			return; /* no deadline for this one; the idle timeout still holds */
		c->fd = ci->connect_fd;
		c->phase = EDGE_HEADERS;
		deadline_in(&c->deadline, header_secs(s));
		pthread_mutex_lock(&s->edge_mu);
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		pthread_mutex_unlock(&s->edge_mu);
		*socket_context = c;
		return;
	}
	if (!c)
		return;
	pthread_mutex_lock(&s->edge_mu);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&s->edge_mu);
	free(c);
	*socket_context = NULL;
}

/* Writes a whole problem+json answer with Connection: close straight to
 * the socket: for the moments when MHD takes no response (it accepts one
 * only before the body or after all of it) and the connection is closed
 * next. Best effort: the client may be gone. */
static void edge_raw(MHD_socket fd, unsigned status, const char *reason, const char *slug,
		     const char *detail)
{
	char body[512], msg[1024];
	int blen = snprintf(body, sizeof body,
			    "{\"type\":\"" SRV_PROBLEM_BASE "%s\",\"title\":\"%s\",\"status\":%u,"
			    "\"detail\":\"%s\"}",
			    slug, reason, status, detail);
	int mlen = snprintf(msg, sizeof msg,
			    "HTTP/1.1 %u %s\r\nConnection: close\r\n"
			    "Content-Type: application/problem+json\r\nContent-Length: %d\r\n\r\n%s",
			    status, reason, blen, body);

	if (mlen > 0 && (size_t)mlen < sizeof msg &&
	    send(fd, msg, (size_t)mlen, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		(void)0; /* closing is what matters */
}

/* The reaper: every 250 ms, a connection past the deadline of its phase
 * (headers, body) gets a 408 written straight to its socket (no response
 * of ours is under way in these phases) and a shutdown, after which MHD
 * sees the end of input and closes it. */
static void *edge_main(void *arg)
{
	struct srv *s = arg;

	pthread_mutex_lock(&s->edge_mu);
	while (!s->edge_stop) {
		struct timespec now, wake;

		clock_gettime(CLOCK_MONOTONIC, &now);
		for (struct edge_conn *c = s->conns; c; c = c->next) {
			if (c->phase == EDGE_ANSWER || c->reaped || c->deadline.tv_sec > now.tv_sec ||
			    (c->deadline.tv_sec == now.tv_sec && c->deadline.tv_nsec > now.tv_nsec))
				continue;
			/* an idle kept-alive connection is closed without a word: a
			 * 408 there could meet a request the client sends just then */
			if (c->in_request)
				edge_raw(c->fd, 408, "Request Timeout", "request-timeout",
					 c->phase == EDGE_BODY
						 ? "the request body did not arrive in time"
						 : "the request headers did not arrive in time");
			shutdown(c->fd, SHUT_RDWR);
			c->reaped = 1;
		}
		wake = now;
		wake.tv_nsec += 250000000L;
		if (wake.tv_nsec >= 1000000000L) {
			wake.tv_sec++;
			wake.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->edge_cv, &s->edge_mu, &wake);
	}
	pthread_mutex_unlock(&s->edge_mu);
	return NULL;
}

/* RFC 9110 token characters: what a header name may hold. */
static const char tchars[] = "!#$%&'*+-.^_`|~0123456789"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

struct edge_scan {
	int ncl, nte, te_bad, bad_name;
};

static enum MHD_Result edge_header(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct edge_scan *e = cls;

	(void)kind;
	if (!key || !key[0] || key[strspn(key, tchars)] != '\0')
		e->bad_name = 1;
	else if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH))
		e->ncl++;
	else if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) && ++e->nte &&
		 (!value || strcasecmp(value, "chunked")))
		e->te_bad = 1;
	return MHD_YES;
}

/* Ambiguous framing: NULL when the headers are fine, else why not (a 400
 * with Connection: close follows; what comes after such headers cannot be
 * told apart from a next request). */
static const char *edge_framing(struct MHD_Connection *conn)
{
	struct edge_scan e = {0, 0, 0, 0};

	MHD_get_connection_values(conn, MHD_HEADER_KIND, edge_header, &e);
	if (e.bad_name)
		return "a header name holds whitespace (e.g. before the colon) or another "
		       "character a name may not hold";
	if (e.ncl > 1)
		return "more than one Content-Length header";
	if (e.ncl && e.nte)
		return "both Content-Length and Transfer-Encoding";
	if (e.nte > 1 || e.te_bad)
		return "a Transfer-Encoding other than chunked (the only one supported)";
	return NULL;
}

/* Answers status with a problem and closes the connection after it. */
static enum MHD_Result edge_refuse(struct srv_req *r, unsigned status, const char *slug,
				   const char *title, const char *detail)
{
	srv_add_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	srv_problem(r, status, slug, title, "%s", detail);
	if (edge_set(r->srv, r->edge, EDGE_ANSWER, 0) != 0)
		return MHD_NO;
	return queue(r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct srv *s = cls;
	struct srv_req *r = *con_cls;

	(void)url;
	(void)version;
	if (!r)
		return MHD_NO; /* never: the URI callback made it */
	if (!r->started) {
		const char *bad;

		r->started = 1;
		r->conn = conn;
		r->srv = s;
		snprintf(r->method, sizeof r->method, "%s", method);
		r->head = !strcmp(method, "HEAD");
		if ((bad = edge_framing(conn)))
			return edge_refuse(r, 400, "bad-request", "Bad request", bad);
		if (precheck(r) != 0)
			return edge_set(s, r->edge, EDGE_ANSWER, 0) ? MHD_NO : queue(r);
		return edge_set(s, r->edge, EDGE_BODY, body_secs(s)) ? MHD_NO : MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (r->queued || r->body_too_big)
			return MHD_YES;
		if (r->blen + n > SRV_BODY_MAX) {
			/* answered and closed now: the rest is never read */
			char why[64];

			r->body_too_big = 1;
			free(r->body);
			r->body = NULL;
			r->blen = 0;
			snprintf(why, sizeof why, "the request body is over %d bytes", SRV_BODY_MAX);
			if (edge_set(s, r->edge, EDGE_ANSWER, 0) == 0 && r->edge)
				edge_raw(r->edge->fd, 413, "Payload Too Large", "payload-too-large", why);
			r->status = 413;
			return MHD_NO; /* MHD closes the connection */
		}
		if (r->blen + n + 1 > r->bcap) {
			size_t cap = r->bcap ? r->bcap : 4096;
			char *nb;
			while (cap < r->blen + n + 1)
				cap *= 2;
			if (!(nb = realloc(r->body, cap)))
				return MHD_NO;
			r->body = nb;
			r->bcap = cap;
		}
		memcpy(r->body + r->blen, upload_data, n);
		r->blen += n;
		r->body[r->blen] = '\0';
		return MHD_YES;
	}
	if (r->queued)
		return MHD_YES;
	if (edge_set(s, r->edge, EDGE_ANSWER, 0) != 0)
		return MHD_NO; /* the reaper answered 408 and closed it */
	dispatch(r);
	return queue(r);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct srv *s = cls;
	struct srv_req *r = calloc(1, sizeof *r);
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	if (!r)
		return NULL;
	r->srv = s;
	r->edge = ci ? ci->socket_context : NULL;
	if (r->edge) {
		pthread_mutex_lock(&s->edge_mu);
		r->edge->in_request = 1;
		pthread_mutex_unlock(&s->edge_mu);
	}
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	r->label = "unmatched";
	if (strlen(uri) > SRV_URL_MAX)
		r->too_long = 1;
	else
		r->raw = strdup(uri);
	pthread_mutex_lock(&s->fl_mu);
	s->inflight++;
	pthread_mutex_unlock(&s->fl_mu);
	return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct srv *s = cls;
	struct srv_req *r = *con_cls;

	(void)conn;
	if (!r)
		return;
	*con_cls = NULL;
	/* the next request on this connection: its headers are due */
	edge_set(s, r->edge, EDGE_HEADERS, header_secs(s));
	if (r->edge) {
		pthread_mutex_lock(&s->edge_mu);
		r->edge->in_request = 0;
		pthread_mutex_unlock(&s->edge_mu);
	}
	if (r->started) {
		double secs = since(&r->t0);
		if (!r->counted) /* no answer was queued (aborted, or refused) */
			svc_metrics_count(s, r->label, r->method, r->status);
		svc_metrics_latency(s, secs);
		if (s->cfg.access_log)
			fprintf(stderr, "%s %s %u %.1fms%s\n", r->method, r->path ? r->path : "-",
				r->status, secs * 1e3,
				toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
	}
	req_free(r);
	pthread_mutex_lock(&s->fl_mu);
	s->inflight--;
	pthread_cond_broadcast(&s->fl_cv);
	pthread_mutex_unlock(&s->fl_mu);
}

/* ---- start / stop ----------------------------------------------------- */

void srv_config_init(struct srv_config *c)
{
	memset(c, 0, sizeof *c);
	c->engine = ENGINE_XAPIAN;
	c->search_cache_bytes = RCACHE_DEFAULT_BYTES;
}

unsigned srv_port(const struct srv *s)
{
	return s ? s->port : 0;
}

/* "host:port", "[v6]:port" or ":port" -> sockaddr. */
static int parse_listen(const char *spec, struct sockaddr_storage *ss, int *v6,
			struct cl_errbuf *eb)
{
	char host[128];
	const char *colon, *hs = spec;
	size_t hl;
	char *end;
	long port;

	memset(ss, 0, sizeof *ss);
	*v6 = 0;
	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');
		if (!rb || rb[1] != ':')
			return cl_fail(eb, CL_EINVAL, "bad --listen '%s' (want [ADDR]:PORT)", spec);
		hs = spec + 1;
		hl = (size_t)(rb - hs);
		colon = rb + 1;
		*v6 = 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon)
			return cl_fail(eb, CL_EINVAL, "bad --listen '%s' (want HOST:PORT)", spec);
		hl = (size_t)(colon - spec);
	}
	if (hl >= sizeof host)
		return cl_fail(eb, CL_EINVAL, "bad --listen '%s'", spec);
	memcpy(host, hs, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 0 || port > 65535)
		return cl_fail(eb, CL_EINVAL, "bad port in --listen '%s'", spec);
	if (*v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return cl_fail(eb, CL_EINVAL, "bad IPv6 address in --listen '%s'", spec);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (hl == 0 || !strcmp(host, "localhost"))
			strcpy(host, hl == 0 ? "0.0.0.0" : "127.0.0.1");
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return cl_fail(eb, CL_EINVAL, "bad IPv4 address in --listen '%s' (use a numeric address)",
				       spec);
	}
	return CL_OK;
}

static void srv_free(struct srv *s)
{
	if (!s)
		return;
	if (s->have_sync_th) {
		pthread_mutex_lock(&s->sync_mu);
		s->sync_stop = 1;
		pthread_cond_signal(&s->sync_cv);
		pthread_mutex_unlock(&s->sync_mu);
		pthread_join(s->sync_th, NULL);
	}
	if (s->have_edge_th) {
		pthread_mutex_lock(&s->edge_mu);
		s->edge_stop = 1;
		pthread_cond_signal(&s->edge_cv);
		pthread_mutex_unlock(&s->edge_mu);
		pthread_join(s->edge_th, NULL);
	}
	while (s->conns) { /* none after MHD_stop_daemon; kept for safety */
		struct edge_conn *c = s->conns;
		s->conns = c->next;
		free(c);
	}
	if (s->stats && s->sync_store) {
		struct cl_errbuf seb = {0};
		if (wf_stats_flush(s->stats, s->sync_store, &seb) != CL_OK)
			fprintf(stderr, "caselib serve: statistics: %s (lost at stop)\n", seb.msg);
	}
	wf_stats_buf_free(s->stats);
	rcache_free(s->rcache);
	engine_close(s->sync_engine);
	shard_set_close(s->sync_shards);
	store_close(s->sync_store);
	while (s->pool) {
		struct srv_worker *w = s->pool;
		s->pool = w->next;
		svc_worker_free(w);
	}
	while (s->metrics) {
		struct metric *m = s->metrics;
		s->metrics = m->next;
		free(m);
	}
	pthread_mutex_destroy(&s->pool_mu);
	pthread_mutex_destroy(&s->sync_mu);
	pthread_cond_destroy(&s->sync_cv);
	pthread_mutex_destroy(&s->fl_mu);
	pthread_cond_destroy(&s->fl_cv);
	pthread_mutex_destroy(&s->m_mu);
	pthread_mutex_destroy(&s->edge_mu);
	pthread_cond_destroy(&s->edge_cv);
	free(s->data_dir);
	free(s->listen);
	free(s->cors);
	free(s->web_dir);
	free(s);
}

int srv_start(const struct srv_config *cfg, struct srv **out, struct cl_errbuf *eb)
{
	struct srv *s = NULL;
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *di;
	unsigned threads, flags;
	int v6 = 0, rc;
	const char *web;

	*out = NULL;
	if (!cfg || !cfg->data_dir)
		return cl_fail(eb, CL_EINVAL, "no data directory");
	if (!cfg->routes || !cfg->fallback)
		return cl_fail(eb, CL_EINVAL, "no route table or fallback handler");
	if ((rc = tax_load(eb)) != CL_OK)
		return rc;
	if (!(s = calloc(1, sizeof *s)))
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	pthread_mutex_init(&s->pool_mu, NULL);
	pthread_mutex_init(&s->sync_mu, NULL);
	pthread_cond_init(&s->sync_cv, NULL);
	pthread_mutex_init(&s->fl_mu, NULL);
	pthread_cond_init(&s->fl_cv, NULL);
	pthread_mutex_init(&s->m_mu, NULL);
	pthread_mutex_init(&s->edge_mu, NULL);
	{
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&s->edge_cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	s->cfg = *cfg;
	web = cfg->web_dir ? cfg->web_dir : getenv("CASELIB_WEB");
	s->data_dir = strdup(cfg->data_dir);
	s->listen = strdup(cfg->listen ? cfg->listen : "127.0.0.1:8080");
	s->cors = dup_or_null(cfg->cors_origin);
	s->web_dir = strdup(web && *web ? web : "api/web");
	if (!s->data_dir || !s->listen || !s->web_dir || (cfg->cors_origin && !s->cors)) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	s->cfg.data_dir = s->data_dir;
	s->cfg.listen = s->listen;
	s->cfg.cors_origin = s->cors;
	s->cfg.web_dir = s->web_dir;
	if ((rc = wf_stats_buf_new(&s->stats, eb)) != CL_OK)
		goto out;
	if (s->cors && (strchr(s->cors, '\r') || strchr(s->cors, '\n'))) {
		rc = cl_fail(eb, CL_EINVAL, "bad --cors origin");
		goto out;
	}
	if ((rc = parse_listen(s->listen, &ss, &v6, eb)) != CL_OK)
		goto out;

	/* the writer: one store handle and the writable engine, synced now */
	if ((rc = store_open(s->data_dir, 0, &s->sync_store, eb)) != CL_OK)
		goto out;
	/* sharded Xapian (DATA/xapian.stub): the shards the stub names are
	 * synced, never the single DATA/xapian (docs/operations.md) */
	rc = s->cfg.engine == ENGINE_XAPIAN
		     ? shard_open_for_stub(s->data_dir, s->sync_store, &s->sync_shards, eb)
		     : CL_ENOTFOUND;
	if (rc == CL_ENOTFOUND)
		rc = engine_open(s->cfg.engine, s->data_dir, s->sync_store, 1, &s->sync_engine, eb);
	if (rc == CL_OK && !s->sync_engine && !s->sync_shards) {
		fprintf(stderr, "caselib serve: the Xapian index is sharded (xapian.stub) and "
				"synced by `caselib shard`; not syncing it here\n");
		s->sync_ok = 1;
		store_last_seq(s->sync_store, &s->store_seq, NULL);
		s->engine_seq = s->store_seq;
	} else if (rc == CL_EBUSY) {
		fprintf(stderr,
			"caselib serve: the %s index is locked by another process; serving it "
			"read-only without syncing\n",
			engine_kind_name(s->cfg.engine));
		s->sync_engine = NULL;
	} else if (rc != CL_OK) {
		goto out;
	} else {
		rc = svc_writer_sync(s, &s->engine_seq, eb);
		if (rc != CL_OK)
			goto out;
		s->sync_ok = 1;
		store_last_seq(s->sync_store, &s->store_seq, NULL);
		if (pthread_create(&s->sync_th, NULL, svc_sync_main, s) != 0) {
			rc = cl_fail(eb, CL_ENOMEM, "cannot start the sync thread");
			goto out;
		}
		s->have_sync_th = 1;
		/* answers are kept only when this server syncs the index: then
		 * the sync thread's engine seq names the index's state */
		if (s->cfg.search_cache_bytes && !(s->rcache = rcache_new(s->cfg.search_cache_bytes))) {
			rc = cl_fail(eb, CL_ENOMEM, "out of memory");
			goto out;
		}
	}

	threads = cfg->threads;
	if (threads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1;
	}
	if (threads > 64)
		threads = 64;
	if (pthread_create(&s->edge_th, NULL, edge_main, s) != 0) {
		rc = cl_fail(eb, CL_ENOMEM, "cannot start the connection reaper");
		goto out;
	}
	s->have_edge_th = 1;
	flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC;
	if (v6)
		flags |= MHD_USE_IPv6;
	s->d = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SRV_CONN_MEMORY,
		MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)(cfg->conn_limit ? cfg->conn_limit : SRV_CONN_LIMIT),
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)SRV_PER_IP_LIMIT,
		MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)(cfg->conn_timeout ? cfg->conn_timeout : SRV_CONN_TIMEOUT),
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(threads > 1 ? threads : 0), MHD_OPTION_END);
	if (!s->d) {
		rc = cl_fail(eb, CL_EIO, "cannot listen on %s: %s", s->listen, strerror(errno));
		goto out;
	}
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : 0;
	*out = s;
	return CL_OK;
out:
	srv_free(s);
	return rc;
}

void srv_stop(struct srv *s)
{
	MHD_socket fd;
	struct timespec dl;

	if (!s)
		return;
	if (s->d) {
		atomic_store(&s->stopping, 1);
		fd = MHD_quiesce_daemon(s->d);
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_sec += SRV_DRAIN_SECONDS;
		pthread_mutex_lock(&s->fl_mu);
		while (s->inflight > 0)
			if (pthread_cond_timedwait(&s->fl_cv, &s->fl_mu, &dl) == ETIMEDOUT)
				break;
		pthread_mutex_unlock(&s->fl_mu);
		MHD_stop_daemon(s->d);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
		s->d = NULL;
	}
	srv_free(s);
}
