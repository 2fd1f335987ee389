/* fuzz_http.c — libFuzzer target: the HTTP request path (request target,
 * query string, headers, body) of the API server. LLVMFuzzerInitialize
 * starts the real server (srv_start on 127.0.0.1:0) over a tiny store in
 * a temporary directory; each input becomes one request sent raw over a
 * loopback socket. A finding (abort) is: a 5xx answer; no answer within
 * FZ_HTTP_WAIT_MS; a connection closed without a status line; an answer to
 * an anonymous request that shows the store's unpublished case (its id or
 * title, unless the request itself holds them, e.g. a 404 that echoes the
 * asked id). Memory errors are found by ASan in the server
 * threads. Interrupted or transiently failing socket calls (EINTR, e.g.
 * from libFuzzer's own timer signal, EAGAIN, a connect that needs a new
 * socket) are retried, so only the server's own faults are findings.
 *
 * Input: line 1 the method, line 2 the request target, then header lines
 * up to an empty line, then the body. CR, LF and NUL inside the method and
 * target are percent-encoded, other control bytes in headers dropped (so
 * that the fuzzer cannot break the framing and make the server wait for
 * more); Content-Length, Transfer-Encoding, Connection and Expect headers
 * are replaced by our own (Content-Length of the body, Connection: close).
 * "@R" and "@C" in a header are replaced by a reviewer and a contributor
 * token, so that the authenticated routes are reached. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cl_err.h"
#include "fuzzutil.h"
#include "routes.h"
#include "server.h"

#define FZ_HTTP_WAIT_MS 8000 /* under libFuzzer's -timeout=10 */
#define REQ_MAX (64 * 1024)
#define CONNECT_TRIES 20

/* What the store's one unpublished case (fuzzutil.c, "fz-hidden-draft")
 * shows: its id and its title's first words. */
static const char *const hidden_marks[] = {"fz-hidden-draft", "Hemligt utkast"};

static struct srv *g_srv;
static unsigned g_port;
static char g_tokens[2][80];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		fz_fail("cannot write %s", path);
}

static void stop_server(void)
{
	srv_stop(g_srv);
	g_srv = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = fz_tmpdir();
	char data[4200], web[4200], path[4300];
	struct srv_config cfg;
	struct cl_errbuf eb = {0};

	(void)argc;
	(void)argv;
	snprintf(data, sizeof data, "%s/data", dir);
	snprintf(web, sizeof web, "%s/web", dir);
	if (mkdir(web, 0700) != 0)
		fz_fail("mkdir %s", web);
	snprintf(path, sizeof path, "%s/index.html", web);
	write_file(path, "<!doctype html><title>caselib</title>\n");
	snprintf(path, sizeof path, "%s/app.js", web);
	write_file(path, "console.log(1);\n");
	snprintf(path, sizeof path, "%s/app.css", web);
	write_file(path, "body{}\n");
	fz_make_store(data, g_tokens);
	srv_config_init(&cfg);
	cfg.routes = rt_routes;
	cfg.fallback = rt_static;
	cfg.data_dir = data;
	cfg.listen = "127.0.0.1:0";
	cfg.threads = 1;
	cfg.web_dir = web;
	cfg.cors_origin = "https://example.org";
	if (srv_start(&cfg, &g_srv, &eb) != CL_OK)
		fz_fail("srv_start: %s", eb.msg);
	g_port = srv_port(g_srv);
	atexit(stop_server); /* before the directory is removed (atexit is LIFO) */
	return 0;
}

/* ---- building the request ------------------------------------------------ */

struct out {
	char buf[REQ_MAX];
	size_t n;
};

static void put(struct out *o, const char *s, size_t len)
{
	if (len > sizeof o->buf - o->n)
		len = sizeof o->buf - o->n;
	memcpy(o->buf + o->n, s, len);
	o->n += len;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* Method or target: bytes that would end the request line are encoded. */
static void put_token(struct out *o, const uint8_t *s, size_t len, size_t max, int encode_space)
{
	static const char hex[] = "0123456789ABCDEF";

	if (len > max)
		len = max;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f || (encode_space && s[i] == ' ')) {
			char e[3] = {'%', hex[s[i] >> 4], hex[s[i] & 15]};
			put(o, e, 3);
		} else {
			put(o, (const char *)&s[i], 1);
		}
	}
}

static int framing_header(const uint8_t *h, size_t len)
{
	static const char *const names[] = {"content-length", "transfer-encoding", "connection",
					    "expect"};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t n = strlen(names[i]);
		if (len >= n && strncasecmp((const char *)h, names[i], n) == 0)
			return 1;
	}
	return 0;
}

/* One header line (without its line end); control bytes but TAB dropped,
 * @R and @C replaced by the tokens. */
static void put_header(struct out *o, const uint8_t *h, size_t len)
{
	if (!memchr(h, ':', len) || framing_header(h, len))
		return;
	for (size_t i = 0; i < len; i++) {
		if (h[i] == '@' && i + 1 < len && (h[i + 1] == 'R' || h[i + 1] == 'C')) {
			puts_(o, g_tokens[h[i + 1] == 'R' ? 0 : 1]);
			i++;
		} else if (h[i] >= 0x20 || h[i] == '\t') {
			put(o, (const char *)&h[i], 1);
		}
	}
	puts_(o, "\r\n");
}

static const uint8_t *line_end(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? nl : end;
}

static size_t build_request(const uint8_t *data, size_t size, struct out *o)
{
	const uint8_t *p = data, *end = data + size, *e;
	const uint8_t *body = end;
	int has_host = 0, nheaders = 0;
	char cl[64];

	o->n = 0;
	/* method */
	e = line_end(p, end);
	if (e == p)
		puts_(o, "GET");
	else
		put_token(o, p, (size_t)(e - p), 32, 1);
	puts_(o, " ");
	p = e < end ? e + 1 : end;
	/* target */
	e = line_end(p, end);
	if (e == p)
		puts_(o, "/");
	else
		put_token(o, p, (size_t)(e - p), 16384, 1);
	puts_(o, " HTTP/1.1\r\n");
	p = e < end ? e + 1 : end;
	/* headers up to an empty line */
	while (p < end) {
		size_t len;

		e = line_end(p, end);
		len = (size_t)(e - p);
		if (len && p[len - 1] == '\r')
			len--;
		if (len == 0) {
			body = e < end ? e + 1 : end;
			break;
		}
		if (len >= 5 && strncasecmp((const char *)p, "host:", 5) == 0)
			has_host = 1;
		if (nheaders++ < 40)
			put_header(o, p, len);
		p = e < end ? e + 1 : end;
		body = end;
	}
	if (!has_host)
		puts_(o, "Host: 127.0.0.1\r\n");
	snprintf(cl, sizeof cl, "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		 (size_t)(end - body));
	puts_(o, cl);
	if (o->n + (size_t)(end - body) > sizeof o->buf)
		return 0; /* too big for this harness: skip */
	put(o, (const char *)body, (size_t)(end - body));
	return o->n;
}

/* ---- one exchange ---------------------------------------------------------- */

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static struct out g_req;
static char g_resp[8192];

/* Percent-decodes src (and '+' as space) into dst: what the server may
 * echo back of a request target. Returns the length. */
static size_t decode_into(const char *src, size_t n, char *dst)
{
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (src[i] == '%' && i + 2 < n && sscanf(src + i + 1, "%2x", &v) == 1) {
			dst[j++] = (char)v;
			i += 2;
		} else {
			dst[j++] = src[i] == '+' ? ' ' : src[i];
		}
	}
	return j;
}

/* Waits for a connect() that a signal interrupted: it goes on in the
 * kernel, its result comes as SO_ERROR once the socket is writable. */
static int finish_connect(int fd)
{
	struct pollfd pfd = {fd, POLLOUT, 0};
	int err = 0, pr;
	socklen_t elen = sizeof err;

	do
		pr = poll(&pfd, 1, FZ_HTTP_WAIT_MS);
	while (pr < 0 && errno == EINTR);
	if (pr <= 0)
		return pr == 0 ? ETIMEDOUT : errno;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
		return errno;
	return err;
}

/* A connected socket to the server. Transient failures (EINTR, EAGAIN, no
 * free local port for a moment) are retried with a new socket, up to
 * CONNECT_TRIES times; anything else, or the same failure every time, is a
 * finding. */
static int connect_server(void)
{
	struct sockaddr_in sa;
	int err = 0;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)g_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < CONNECT_TRIES; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			err = errno;
			if (err != EINTR && err != EAGAIN && err != EMFILE && err != ENFILE &&
			    err != ENOBUFS)
				break;
		} else {
			err = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 ? 0 : errno;
			if (err == EINTR || err == EINPROGRESS)
				err = finish_connect(fd);
			if (err == 0)
				return fd;
			close(fd);
			if (err != EINTR && err != EAGAIN && err != EADDRNOTAVAIL &&
			    err != ETIMEDOUT)
				break;
		}
		poll(NULL, 0, 10 * (i + 1)); /* back off a little before the next try */
	}
	fz_fail("connect to the server on 127.0.0.1:%u: %s", g_port, strerror(err));
}

static struct out g_req;
static char g_resp[8192];
static char g_decoded[REQ_MAX + 1];

/* 1 when the n bytes at hay (NULs included) hold needle, ignoring ASCII
 * case. Written out, not strcasestr: libFuzzer's hooks on the libc string
 * functions would hand the marker to the fuzzer, which could then plant
 * it in a case itself. */
static int has_ci(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t at = 0; at + m <= n; at++) {
		size_t i = 0;
		while (i < m && (hay[at + i] | 0x20) == (needle[i] | 0x20))
			i++;
		if (i == m)
			return 1;
	}
	return 0;
}

/* An answer to an anonymous request must not show the unpublished case,
 * unless the request itself holds the same text (a 404 that echoes the id
 * asked for). Requests with a token are left out: a reviewer sees every
 * status, and a contributor sees the submissions it made in earlier
 * inputs, which may hold any text. */
static void check_no_leak(size_t len, size_t got)
{
	size_t dlen;

	if (memmem(g_req.buf, len, g_tokens[0], strlen(g_tokens[0])) ||
	    memmem(g_req.buf, len, g_tokens[1], strlen(g_tokens[1])))
		return;
	dlen = decode_into(g_req.buf, len, g_decoded);
	for (size_t i = 0; i < sizeof hidden_marks / sizeof hidden_marks[0]; i++) {
		const char *m = hidden_marks[i];

		if (has_ci(g_resp, got, m) && !has_ci(g_decoded, dlen, m) &&
		    !has_ci(g_req.buf, len, m))
			fz_fail("the answer shows the unpublished case (%s); request starts: "
				"%.300s\nresponse: %.600s",
				m, g_req.buf, g_resp);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = build_request(data, size, &g_req), sent = 0, got = 0;
	long deadline;
	int fd, status = 0;

	if (!len)
		return 0;
	fd = connect_server();
	deadline = now_ms() + FZ_HTTP_WAIT_MS;
	/* send everything (the server may answer early and close: stop then) */
	while (sent < len) {
		ssize_t w = send(fd, g_req.buf + sent, len - sent, MSG_NOSIGNAL);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w <= 0)
			break;
		sent += (size_t)w;
	}
	/* read to the end; keep the first bytes for the status line */
	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};
		long left = deadline - now_ms();
		char buf[16384];
		ssize_t r;

		if (left <= 0)
			fz_fail("no complete answer within %d ms (hang); request starts: %.200s",
				FZ_HTTP_WAIT_MS, g_req.buf);
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		r = recv(fd, buf, sizeof buf, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			break;
		if (got < sizeof g_resp - 1) {
			size_t k = (size_t)r < sizeof g_resp - 1 - got ? (size_t)r : sizeof g_resp - 1 - got;
			memcpy(g_resp + got, buf, k);
			got += k;
		}
	}
	close(fd);
	g_resp[got] = '\0';
	if (got < 12 || strncmp(g_resp, "HTTP/1.", 7) != 0)
		fz_fail("the connection closed without a status line (%zu bytes: %.40s); "
			"request starts: %.300s",
			got, g_resp, g_req.buf);
	status = atoi(g_resp + 9);
	if (status >= 500)
		fz_fail("server answered %d; request starts: %.300s\nresponse: %.600s", status,
			g_req.buf, g_resp);
	check_no_leak(len, got);
	return 0;
}
