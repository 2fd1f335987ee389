/* test_fetch.c — indexer/fetch (every download policy, against the
 * loopback server tests/loopback_server.py started per test on a free
 * port) and indexer/sources (the sources file: every key, every refusal).
 * Delays and timeouts are set small so the suite runs in seconds. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fetch.h"
#include "sha256.h"
#include "sources.h"
#include "testutil.h"

/* ---- the loopback server ---------------------------------------------- */

static struct tu_lb srv;

/* A fixture file of n bytes of text in a fresh directory. */
static char *fixture_dir(size_t n)
{
	char *dir = tu_tmpdir(), *path = NULL, *data = malloc(n);

	cr_assert_not_null(data);
	for (size_t i = 0; i < n; i++)
		data[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
	cr_assert(asprintf(&path, "%s/page.txt", dir) > 0);
	tu_write_file(path, data, n);
	free(path);
	free(data);
	return dir;
}

static char *fixdir;

static void setup(void)
{
	/* The tests talk to 127.0.0.1 directly. */
	unsetenv("http_proxy");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("ALL_PROXY");
	unsetenv("all_proxy");
	fixdir = fixture_dir(20000);
	tu_lb_start(&srv, fixdir);
}

static void teardown(void)
{
	tu_lb_stop(&srv);
	if (fixdir)
		tu_rmtree(fixdir);
	free(fixdir);
	fixdir = NULL;
}

/* Small limits so faults resolve in milliseconds. */
static void quick_opts(struct fetch_opts *o)
{
	fetch_opts_default(o);
	o->connect_timeout_ms = 2000;
	o->timeout_ms = 5000;
	o->retries = 2;
	o->backoff_ms = 10;
	o->backoff_max_ms = 40;
	o->delay_ms = 0;
	o->allow_private = 1; /* the loopback server */
}

struct got {
	int rc;
	struct fetch_result res;
	struct cl_errbuf eb;
};

static void get(const char *path, const struct fetch_opts *o, const struct fetch_cond *cond,
		struct got *g)
{
	struct fetch_client *fc = NULL;
	char *url = tu_lb_url(&srv, path);

	memset(&g->eb, 0, sizeof g->eb);
	fetch_result_init(&g->res);
	cr_assert_eq(fetch_client_new(&fc, &g->eb), CL_OK, "%s", g->eb.msg);
	g->rc = fetch_get(fc, url, o, cond, &g->res, &g->eb);
	fetch_client_free(fc);
	free(url);
}

TestSuite(fetch, .init = setup, .fini = teardown, .timeout = 60);

/* ---- SHA-256 ------------------------------------------------------------ */

Test(fetch, sha256_known_vectors)
{
	static const struct {
		const char *in;
		size_t len;
		const char *hex;
	} t[] = {
		{"", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmijklmnjklmnoklmnopqlmnopqrmnopqrsnopqrstnopqrstu",
		 88, "629fd1174327673b61f1c88d2d4038b10cca8608cf4afb53aa545a42eed0d18f"},
	};
	/* Lengths around the 56- and 64-byte padding boundaries; bytes
	 * (i*7+3) mod 256; digests from Python's hashlib. */
	static const struct {
		size_t len;
		const char *hex;
	} b[] = {
		{55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"},
		{56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"},
		{63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"},
		{64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"},
		{65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"},
		{119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"},
		{120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5"},
		{128, "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6"},
	};
	unsigned char buf[128];
	char hex[65];
	char *million = malloc(1000000);

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		sha256_hex(t[i].in, t[i].len, hex);
		cr_expect_str_eq(hex, t[i].hex, "input %zu", i);
	}
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)((i * 7 + 3) % 256);
	for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) {
		sha256_hex(buf, b[i].len, hex);
		cr_expect_str_eq(hex, b[i].hex, "length %zu", b[i].len);
	}
	cr_assert_not_null(million);
	memset(million, 'a', 1000000);
	sha256_hex(million, 1000000, hex);
	cr_expect_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

/* ---- plain, conditional, gzip ------------------------------------------- */

Test(fetch, plain_get_keeps_body_headers_and_hash)
{
	struct fetch_opts o;
	struct got g;
	char *path = NULL, *want, hex[65];
	size_t wlen;

	cr_assert(asprintf(&path, "%s/page.txt", fixdir) > 0);
	want = tu_read_file(path, &wlen);
	quick_opts(&o);
	get("/page.txt", &o, NULL, &g);
	cr_assert_eq(g.rc, CL_OK, "%s", g.eb.msg);
	cr_assert_eq(g.res.status, 200);
	cr_assert_eq(g.res.not_modified, 0);
	cr_assert_eq(g.res.len, wlen);
	cr_assert_eq(memcmp(g.res.body, want, wlen), 0);
	sha256_hex(want, wlen, hex);
	cr_assert_str_eq(g.res.sha256, hex);
	cr_assert_not_null(g.res.etag);
	cr_assert_not_null(g.res.last_modified);
	cr_assert_str_eq(g.res.content_type, "text/plain");
	cr_assert_eq(g.res.attempts, 1);
	cr_assert_eq(strlen(g.res.retrieved_at), 20, "%s", g.res.retrieved_at);
	/* The server saw our User-Agent. */
	{
		char *log = tu_read_file(srv.log, NULL);
		cr_assert_not_null(log);
		cr_assert(strstr(log, "\"ua\": \"" FETCH_USER_AGENT "\""), "%s", log);
		free(log);
	}
	fetch_result_release(&g.res);
	free(want);
	free(path);
}

Test(fetch, conditional_get_gives_304_without_a_body)
{
	struct fetch_opts o;
	struct got first, again, by_date;
	struct fetch_cond cond = {NULL, NULL};

	quick_opts(&o);
	get("/page.txt", &o, NULL, &first);
	cr_assert_eq(first.rc, CL_OK, "%s", first.eb.msg);

	cond.etag = first.res.etag;
	get("/page.txt", &o, &cond, &again);
	cr_assert_eq(again.rc, CL_OK, "%s", again.eb.msg);
	cr_assert_eq(again.res.not_modified, 1);
	cr_assert_eq(again.res.status, 304);
	cr_assert_null(again.res.body);
	cr_assert_eq(again.res.len, 0);

	cond.etag = NULL;
	cond.last_modified = first.res.last_modified;
	get("/page.txt", &o, &cond, &by_date);
	cr_assert_eq(by_date.rc, CL_OK, "%s", by_date.eb.msg);
	cr_assert_eq(by_date.res.not_modified, 1);

	cr_assert_eq(tu_lb_count(&srv, "/page.txt", 304, 1), 1, "one If-None-Match request got 304");
	cr_assert_eq(tu_lb_count(&srv, "/page.txt", 304, 0), 2);
	cr_assert_eq(tu_lb_count(&srv, "/page.txt", 200, 0), 1);
	fetch_result_release(&first.res);
	fetch_result_release(&again.res);
	fetch_result_release(&by_date.res);
}

Test(fetch, a_changed_etag_downloads_again)
{
	struct fetch_opts o;
	struct got g;
	struct fetch_cond cond = {"\"not-the-current-etag\"", NULL};

	quick_opts(&o);
	get("/page.txt", &o, &cond, &g);
	cr_assert_eq(g.rc, CL_OK, "%s", g.eb.msg);
	cr_assert_eq(g.res.not_modified, 0);
	cr_assert_eq(g.res.len, 20000);
	fetch_result_release(&g.res);
}

Test(fetch, gzip_is_decoded_and_hashed_decoded)
{
	struct fetch_opts o;
	struct got plain, gz;
	char *log;

	quick_opts(&o);
	get("/page.txt", &o, NULL, &plain);
	get("/_gz/page.txt", &o, NULL, &gz);
	cr_assert_eq(gz.rc, CL_OK, "%s", gz.eb.msg);
	cr_assert_eq(gz.res.len, plain.res.len);
	cr_assert_eq(memcmp(gz.res.body, plain.res.body, plain.res.len), 0);
	cr_assert_str_eq(gz.res.sha256, plain.res.sha256);
	log = tu_read_file(srv.log, NULL);
	cr_assert(strstr(log, "gzip"), "Accept-Encoding did not offer gzip: %s", log);
	free(log);
	fetch_result_release(&plain.res);
	fetch_result_release(&gz.res);
}

/* ---- faults --------------------------------------------------------------- */

Test(fetch, status_500_then_success_is_retried)
{
	struct fetch_opts o;
	struct got g;

	quick_opts(&o);
	get("/_fault/status/500/2/page.txt", &o, NULL, &g);
	cr_assert_eq(g.rc, CL_OK, "%s", g.eb.msg);
	cr_assert_eq(g.res.attempts, 3);
	cr_assert_eq(g.res.len, 20000);
	cr_assert_eq(tu_lb_count(&srv, "/_fault/status/500", 500, 0), 2);
	cr_assert_eq(tu_lb_count(&srv, "/_fault/status/500", 200, 0), 1);
	cr_assert_gt(g.res.waited_ms, 0, "no backoff between attempts");
	fetch_result_release(&g.res);
}

Test(fetch, status_503_past_the_retries_fails_clearly)
{
	struct fetch_opts o;
	struct got g;

	quick_opts(&o);
	o.retries = 1;
	get("/_fault/status/503/9/page.txt", &o, NULL, &g);
	cr_assert_eq(g.rc, CL_ENET);
	cr_assert_null(g.res.body);
	cr_assert_eq(g.res.attempts, 2);
	cr_assert(strstr(g.eb.msg, "HTTP 503"), "%s", g.eb.msg);
	cr_assert(strstr(g.eb.msg, "gave up after 2 attempts"), "%s", g.eb.msg);
	cr_assert_eq(tu_lb_count(&srv, "/_fault/status/503", -1, 0), 2);
	fetch_result_release(&g.res);
}

Test(fetch, status_429_honours_retry_after)
{
	struct fetch_opts o;
	struct got g;

	quick_opts(&o);
	get("/_fault/status/429/1/page.txt?retry_after=1", &o, NULL, &g);
	cr_assert_eq(g.rc, CL_OK, "%s", g.eb.msg);
	cr_assert_eq(g.res.attempts, 2);
	cr_assert_eq(g.res.retry_after_ms, 1000, "Retry-After: 1 -> %ld ms",
		     g.res.retry_after_ms);
	cr_assert_geq(g.res.waited_ms, 1000);
	fetch_result_release(&g.res);
}

Test(fetch, retry_after_is_capped)
{
	struct fetch_opts o;
	struct got g;

	quick_opts(&o);
	o.retry_after_max_ms = 150;
	get("/_fault/status/429/1/page.txt?retry_after=3600", &o, NULL, &g);
	cr_assert_eq(g.rc, CL_OK, "%s", g.eb.msg);
	cr_assert_eq(g.res.retry_after_ms, 150);
	fetch_result_release(&g.res);
}

Test(fetch, status_404_is_not_retried)
{
	struct fetch_opts o;
	struct got g;

	quick_opts(&o);
	get("/no-such-file.txt", &o, NULL, &g);
	cr_assert_eq(g.rc, CL_ENOTFOUND, "%d %s", g.rc, g.eb.msg);
	cr_assert_eq(g.res.attempts, 1);
	cr_assert(strstr(g.eb.msg, "404"), "%s", g.eb.msg);
	fetch_result_release(&g.res);
}

Test(fetch, a_body_that_stops_halfway_is_an_error)
{
	struct fetch_opts o;
	struct got g;

	quick_opts(&o);
	o.retries = 1;
	get("/_fault/truncate/page.txt", &o, NULL, &g);
	cr_assert_eq(g.rc, CL_ENET);
	cr_assert_null(g.res.body, "a partial body was handed out");
	cr_assert_eq(g.res.len, 0);
	cr_assert_str_eq(g.res.sha256, "");
	cr_assert(strstr(g.eb.msg, "ended early"), "%s", g.eb.msg);
	cr_assert_eq(g.res.attempts, 2, "a truncated body is a network error: retried");
	fetch_result_release(&g.res);
}

Test(fetch, invalid_gzip_is_an_error_not_retried)
{
	struct fetch_opts o;
	struct got g;

	quick_opts(&o);
	get("/_fault/badgzip", &o, NULL, &g);
	cr_assert_eq(g.rc, CL_ENET);
	cr_assert_null(g.res.body);
	cr_assert(strstr(g.eb.msg, "does not decode"), "%s", g.eb.msg);
	cr_assert_eq(g.res.attempts, 1);
	fetch_result_release(&g.res);
}

Test(fetch, a_redirect_loop_stops_after_five)
{
	struct fetch_opts o;
	struct got g;

	quick_opts(&o);
	get("/_fault/loop", &o, NULL, &g);
	cr_assert_eq(g.rc, CL_ENET);
	cr_assert(strstr(g.eb.msg, "more than 5 redirects"), "%s", g.eb.msg);
	cr_assert_eq(g.res.attempts, 1);
	cr_assert_eq(tu_lb_count(&srv, "/_fault/loop", 302, 0), 6, "first request + 5 redirects");
	fetch_result_release(&g.res);
}

Test(fetch, redirects_only_to_http_or_https)
{
	static const char *const targets[] = {
		"/_fault/redirect?to=file:///etc/hostname",
		"/_fault/redirect?to=ftp://127.0.0.1/pub/x",
		"/_fault/redirect?to=gopher://127.0.0.1/1",
		"/_fault/redirect?to=dict://127.0.0.1/d:x",
	};
	struct fetch_opts o;
	struct got g;

	quick_opts(&o);
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
		get(targets[i], &o, NULL, &g);
		cr_expect_eq(g.rc, CL_ENET, "%s followed: %s", targets[i], g.eb.msg);
		cr_expect_null(g.res.body, "%s", targets[i]);
		cr_expect(strstr(g.eb.msg, "redirect refused"), "%s: %s", targets[i], g.eb.msg);
		fetch_result_release(&g.res);
	}
	/* A redirect to http is followed. */
	get("/_fault/redirect?to=/page.txt", &o, NULL, &g);
	cr_assert_eq(g.rc, CL_OK, "%s", g.eb.msg);
	cr_assert_eq(g.res.redirects, 1);
	cr_assert(strstr(g.res.final_url, "/page.txt"), "%s", g.res.final_url);
	fetch_result_release(&g.res);
}

Test(fetch, an_oversize_body_is_aborted)
{
	static const char *const paths[] = {
		"/_fault/big/300000",           /* Content-Length known */
		"/_fault/big/300000?chunked=1", /* no length: counted as it comes */
	};
	struct fetch_opts o;
	struct got g;

	quick_opts(&o);
	o.max_bytes = 100000;
	for (size_t i = 0; i < 2; i++) {
		get(paths[i], &o, NULL, &g);
		cr_expect_eq(g.rc, CL_ETOOBIG, "%s: %d %s", paths[i], g.rc, g.eb.msg);
		cr_expect_null(g.res.body);
		cr_expect(strstr(g.eb.msg, "larger than the limit of 100000 bytes"), "%s",
			  g.eb.msg);
		cr_expect_eq(g.res.attempts, 1, "a size error is not retried");
		fetch_result_release(&g.res);
	}
	/* Exactly the limit is fine. */
	get("/_fault/big/100000?chunked=1", &o, NULL, &g);
	cr_assert_eq(g.rc, CL_OK, "%s", g.eb.msg);
	cr_assert_eq(g.res.len, 100000);
	fetch_result_release(&g.res);
}

Test(fetch, a_slow_server_times_out)
{
	struct fetch_opts o;
	struct got g;

	quick_opts(&o);
	o.timeout_ms = 400;
	o.retries = 0;
	get("/_fault/slow/5", &o, NULL, &g);
	cr_assert_eq(g.rc, CL_ENET);
	cr_assert_null(g.res.body);
	cr_assert(strstr(g.eb.msg, "timed out"), "%s", g.eb.msg);
	fetch_result_release(&g.res);
}

Test(fetch, a_dropped_connection_is_retried)
{
	struct fetch_opts o;
	struct got g;

	quick_opts(&o);
	o.retries = 2;
	get("/_fault/reset", &o, NULL, &g);
	cr_assert_eq(g.rc, CL_ENET);
	cr_assert_eq(g.res.attempts, 3);
	cr_assert_eq(tu_lb_count(&srv, "/_fault/reset", -1, 0), 3);
	fetch_result_release(&g.res);
}

Test(fetch, politeness_delay_between_requests_to_one_host)
{
	struct fetch_client *fc = NULL;
	struct fetch_result a, b;
	struct fetch_opts o;
	struct cl_errbuf eb = {0};
	char *url = tu_lb_url(&srv, "/page.txt");

	quick_opts(&o);
	o.delay_ms = 700;
	fetch_result_init(&a);
	fetch_result_init(&b);
	cr_assert_eq(fetch_client_new(&fc, &eb), CL_OK);
	cr_assert_eq(fetch_get(fc, url, &o, NULL, &a, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(a.waited_ms, 0, "the first request to a host waits for nothing");
	cr_assert_eq(fetch_get(fc, url, &o, NULL, &b, &eb), CL_OK, "%s", eb.msg);
	cr_assert_gt(b.waited_ms, 0, "the second request did not wait");
	cr_assert_leq(b.waited_ms, 700);
	fetch_result_release(&a);
	fetch_result_release(&b);
	fetch_client_free(fc);
	free(url);
}

Test(fetch, file_urls_and_refused_schemes)
{
	struct fetch_client *fc = NULL;
	struct fetch_result r;
	struct cl_errbuf eb = {0};
	char *real = tu_shared("ips-cases/cases.csv"), *abs = realpath(real, NULL), *url = NULL;
	char *want, hex[65];
	size_t wlen;

	cr_assert_not_null(abs, "%s: %s", real, strerror(errno));
	cr_assert(asprintf(&url, "file://%s", abs) > 0);
	want = tu_read_file(abs, &wlen);
	fetch_result_init(&r);
	cr_assert_eq(fetch_client_new(&fc, &eb), CL_OK);
	cr_assert_eq(fetch_get(fc, url, NULL, NULL, &r, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(r.status, 0);
	cr_assert_eq(r.len, wlen);
	sha256_hex(want, wlen, hex);
	cr_assert_str_eq(r.sha256, hex);

	cr_assert_eq(fetch_get(fc, "file:///no/such/caselib/file.csv", NULL, NULL, &r, &eb),
		     CL_ENOTFOUND, "%s", eb.msg);
	cr_assert_null(r.body);
	cr_assert_eq(fetch_get(fc, "ftp://127.0.0.1/x", NULL, NULL, &r, &eb), CL_EINVAL);
	cr_assert(strstr(eb.msg, "only http, https and file"), "%s", eb.msg);
	cr_assert_eq(fetch_get(fc, "/etc/hostname", NULL, NULL, &r, &eb), CL_EINVAL);
	fetch_result_release(&r);
	fetch_client_free(fc);
	free(want);
	free(url);
	free(abs);
	free(real);
}

/* ---- internal addresses --------------------------------------------------- */

static struct sockaddr_in v4(const char *a)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	cr_assert_eq(inet_pton(AF_INET, a, &sa.sin_addr), 1, "%s", a);
	return sa;
}

static struct sockaddr_in6 v6(const char *a)
{
	struct sockaddr_in6 sa;
	memset(&sa, 0, sizeof sa);
	sa.sin6_family = AF_INET6;
	cr_assert_eq(inet_pton(AF_INET6, a, &sa.sin6_addr), 1, "%s", a);
	return sa;
}

Test(fetch, internal_address_table)
{
	static const struct {
		const char *a;
		int internal;
	} t[] = {
		{"127.0.0.1", 1}, {"127.255.255.254", 1}, {"10.0.0.1", 1}, {"10.255.0.1", 1},
		{"172.16.0.1", 1}, {"172.31.255.255", 1}, {"172.15.255.255", 0}, {"172.32.0.1", 0},
		{"192.168.1.1", 1}, {"192.169.0.1", 0}, {"100.64.0.1", 1}, {"100.127.255.255", 1},
		{"100.128.0.1", 0}, {"100.63.255.255", 0}, {"169.254.169.254", 1}, {"0.0.0.0", 1},
		{"0.1.2.3", 1}, {"224.0.0.1", 1}, {"255.255.255.255", 1}, {"192.0.0.8", 1},
		{"198.18.0.1", 1}, {"198.20.0.1", 0}, {"8.8.8.8", 0}, {"193.10.20.30", 0},
		{"::", 1}, {"::1", 1}, {"fc00::1", 1}, {"fd12:3456::1", 1}, {"fe80::1", 1},
		{"febf::1", 1}, {"fec0::1", 1}, {"ff02::1", 1}, {"::ffff:127.0.0.1", 1},
		{"::ffff:10.1.2.3", 1}, {"::ffff:169.254.169.254", 1}, {"::ffff:8.8.8.8", 0},
		{"::127.0.0.1", 1}, {"64:ff9b::10.0.0.1", 1}, {"64:ff9b::8.8.8.8", 0},
		{"2002:7f00:1::1", 1}, {"2002:0808:0808::1", 0}, {"2001:4860:4860::8888", 0},
		{"2a00:1450:4010::1", 0}, {"fbff::1", 0},
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		int got;
		if (strchr(t[i].a, ':')) {
			struct sockaddr_in6 sa = v6(t[i].a);
			got = fetch_addr_internal((const struct sockaddr *)&sa);
		} else {
			struct sockaddr_in sa = v4(t[i].a);
			got = fetch_addr_internal((const struct sockaddr *)&sa);
		}
		cr_expect_eq(got, t[i].internal, "%s: %d", t[i].a, got);
	}
}

Test(fetch, a_loopback_publisher_needs_allow_private)
{
	struct fetch_opts o;
	struct got g;

	quick_opts(&o);
	o.allow_private = 0;
	get("/page.txt", &o, NULL, &g);
	cr_assert_eq(g.rc, CL_EDENIED, "%d: %s", g.rc, g.eb.msg);
	cr_assert_null(g.res.body);
	cr_assert(strstr(g.eb.msg, "refused to connect to internal address 127.0.0.1"), "%s",
		  g.eb.msg);
	cr_assert_eq(g.res.attempts, 1, "a refusal is not retried");
	cr_assert_eq(tu_lb_count(&srv, "/page.txt", -1, 0), 0, "the server was reached");
	fetch_result_release(&g.res);
	/* the defaults refuse it too */
	get("/page.txt", NULL, NULL, &g);
	cr_assert_eq(g.rc, CL_EDENIED, "%s", g.eb.msg);
	fetch_result_release(&g.res);
	o.allow_private = 1;
	get("/page.txt", &o, NULL, &g);
	cr_assert_eq(g.rc, CL_OK, "%s", g.eb.msg);
	cr_assert_eq(tu_lb_count(&srv, "/page.txt", 200, 0), 1);
	fetch_result_release(&g.res);
}

/* The test's "public" server is srv; an "internal" one listens on another
 * loopback port: the check treats only that port as internal. */
static int internal_port(const struct sockaddr *sa, void *ud)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
	return sa->sa_family != AF_INET || ntohs(in->sin_port) == *(const int *)ud;
}

static int fetch_with_check(const char *url, const struct fetch_opts *o, int *iport,
			    struct fetch_result *res, struct cl_errbuf *eb)
{
	struct fetch_client *fc = NULL;
	int rc;

	cr_assert_eq(fetch_client_new(&fc, eb), CL_OK);
	fetch_client_set_addr_check(fc, internal_port, iport);
	fetch_result_init(res);
	rc = fetch_get(fc, url, o, NULL, res, eb);
	fetch_client_free(fc);
	return rc;
}

Test(fetch, a_redirect_to_an_internal_address_is_refused)
{
	struct tu_lb inner;
	struct fetch_opts o;
	struct fetch_result res;
	struct cl_errbuf eb = {0};
	char *target, *url = NULL;

	tu_lb_start(&inner, fixdir);
	target = tu_lb_url(&inner, "/page.txt");
	cr_assert(asprintf(&url, "http://127.0.0.1:%d/_fault/redirect?to=%s", srv.port, target) > 0);
	quick_opts(&o);
	o.allow_private = 0;
	cr_assert_eq(fetch_with_check(url, &o, &inner.port, &res, &eb), CL_EDENIED, "%s", eb.msg);
	cr_assert_null(res.body);
	cr_assert(strstr(eb.msg, "after a redirect"), "%s", eb.msg);
	cr_assert_eq(tu_lb_count(&srv, "/_fault/redirect", 302, 0), 1, "the public hop");
	cr_assert_eq(tu_lb_count(&inner, "/", -1, 0), 0, "the internal server was reached");
	fetch_result_release(&res);
	/* the same with the opt-in: followed */
	o.allow_private = 1;
	cr_assert_eq(fetch_with_check(url, &o, &inner.port, &res, &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(res.redirects, 1);
	cr_assert_eq(tu_lb_count(&inner, "/page.txt", 200, 0), 1);
	fetch_result_release(&res);
	tu_lb_stop(&inner);
	free(target);
	free(url);
}

/* ---- the sources file --------------------------------------------------- */

TestSuite(sources, .timeout = 30);

Test(sources, a_full_source_and_defaults)
{
	static const char text[] =
		"{\"comment\": \"test\",\n"
		" \"defaults\": {\"delay_ms\": 250, \"retries\": 1, \"user_agent\": \"ua-test/1\","
		"                \"max_pages\": 7},\n"
		" \"sources\": [\n"
		"  {\"name\": \"uhm-2021\", \"description\": \"Swedish statistics\",\n"
		"   \"url\": \"https://example.org/a.csv\", \"format\": \"se-stats-csv\",\n"
		"   \"licence\": \"CC0-1.0\", \"headers\": {\"Accept\": \"text/csv\"},\n"
		"   \"ref_base\": null, \"timeout_ms\": 1234, \"max_bytes\": 4096},\n"
		"  {\"name\": \"ocds.uk\", \"urls\": [\"https://example.org/p1.json\","
		"   \"file:///srv/p2.json\"], \"format\": \"ocds\", \"licence\": \"OGL-UK-3.0\","
		"   \"ref_base\": \"https://example.org/\", \"enabled\": false, \"delay_ms\": 0},\n"
		"  {\"name\": \"ips\", \"url\": \"http://127.0.0.1:1/x.csv\", \"format\": \"ips-csv\","
		"   \"licence\": \"EUPL-1.2\", \"follow_next\": false, \"max_pages\": 1}\n"
		" ]}\n";
	struct sources ss;
	struct cl_errbuf eb = {0};
	const struct source *a, *b, *c;

	sources_init(&ss);
	cr_assert_eq(sources_parse(&ss, text, strlen(text), "t.json", &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(ss.n, 3);
	a = sources_find(&ss, "uhm-2021");
	b = sources_find(&ss, "ocds.uk");
	c = sources_find(&ss, "ips");
	cr_assert(a && b && c);
	cr_assert_null(sources_find(&ss, "nope"));

	cr_assert_str_eq(a->description, "Swedish statistics");
	cr_assert_eq(a->nurls, 1);
	cr_assert_str_eq(a->urls[0], "https://example.org/a.csv");
	cr_assert_str_eq(a->format, "se-stats-csv");
	cr_assert_str_eq(a->licence, "CC0-1.0");
	cr_assert_str_eq(a->headers[0], "Accept: text/csv");
	cr_assert_null(a->headers[1]);
	cr_assert_eq(a->ref, SOURCES_REF_DEFAULT);
	cr_assert_eq(a->enabled, 1);
	cr_assert_eq(a->follow_next, 0);
	cr_assert_eq(a->max_pages, 7);
	cr_assert_eq(a->fetch.timeout_ms, 1234);
	cr_assert_eq(a->fetch.max_bytes, 4096);
	cr_assert_eq(a->fetch.delay_ms, 250, "from defaults");
	cr_assert_eq(a->fetch.retries, 1, "from defaults");
	cr_assert_eq(a->fetch.connect_timeout_ms, FETCH_DEF_CONNECT_TIMEOUT_MS);
	cr_assert_str_eq(a->fetch.user_agent, "ua-test/1");
	cr_assert_str_eq(a->fetch.headers[0], "Accept: text/csv");

	cr_assert_eq(b->nurls, 2);
	cr_assert_str_eq(b->urls[1], "file:///srv/p2.json");
	cr_assert_eq(b->enabled, 0);
	cr_assert_eq(b->follow_next, 1, "OCDS follows links.next by default");
	cr_assert_eq(b->ref, SOURCES_REF_BASE);
	cr_assert_str_eq(b->ref_base, "https://example.org/");
	cr_assert_eq(b->fetch.delay_ms, 0, "a source overrides defaults");
	cr_assert_null(b->headers[0]);

	cr_assert_eq(c->ref, SOURCES_REF_FETCHED);
	cr_assert_eq(c->max_pages, 1);
	sources_release(&ss);
	sources_release(&ss); /* twice is fine */
}

Test(sources, allow_private_and_next_any_origin)
{
	static const char text[] =
		"{\"defaults\": {\"allow_private\": true},\n"
		" \"sources\": [\n"
		"  {\"name\": \"mirror\", \"url\": \"http://127.0.0.1:1/a.csv\", \"format\": \"ips-csv\","
		"   \"licence\": \"x\"},\n"
		"  {\"name\": \"public\", \"url\": \"https://example.org/p.json\", \"format\": \"ocds\","
		"   \"licence\": \"x\", \"allow_private\": false, \"next_any_origin\": true}\n"
		" ]}\n";
	static const struct {
		const char *text, *want;
	} bad[] = {
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://example.org/a\", \"format\":"
		 " \"ocds\", \"licence\": \"x\", \"allow_private\": 1}]}",
		 "$.sources[0].allow_private: must be true or false"},
		{"{\"defaults\": {\"allow_private\": \"yes\"}, \"sources\": [{\"name\": \"a\", \"url\":"
		 " \"https://example.org/a\", \"format\": \"ocds\", \"licence\": \"x\"}]}",
		 "$.defaults.allow_private: must be true or false"},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://example.org/a\", \"format\":"
		 " \"ips-csv\", \"licence\": \"x\", \"next_any_origin\": true}]}",
		 "$.sources[0].next_any_origin: only a source that follows links.next"},
	};
	struct sources ss;
	struct cl_errbuf eb = {0};
	struct fetch_opts def;

	fetch_opts_default(&def);
	cr_assert_eq(def.allow_private, 0, "internal addresses are refused by default");
	sources_init(&ss);
	cr_assert_eq(sources_parse(&ss, text, strlen(text), "t.json", &eb), CL_OK, "%s", eb.msg);
	cr_assert_eq(sources_find(&ss, "mirror")->fetch.allow_private, 1);
	cr_assert_eq(sources_find(&ss, "mirror")->next_any_origin, 0);
	cr_assert_eq(sources_find(&ss, "public")->fetch.allow_private, 0);
	cr_assert_eq(sources_find(&ss, "public")->next_any_origin, 1);
	sources_release(&ss);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		sources_init(&ss);
		cr_expect_eq(sources_parse(&ss, bad[i].text, strlen(bad[i].text), "t", &eb), CL_EINVAL);
		cr_expect(strstr(eb.msg, bad[i].want), "want \"%s\" in \"%s\"", bad[i].want, eb.msg);
		sources_release(&ss);
	}
}

Test(sources, every_refusal_names_its_path)
{
	static const struct {
		const char *json;
		int rc;
		const char *want;
	} t[] = {
		{"[1]", CL_EINVAL, "$: must be an object"},
		{"{\"sources\": []}", CL_EINVAL, "$.sources: must be a non-empty list"},
		{"{}", CL_EINVAL, "$.sources: is required"},
		{"{\"sources\": [{}], \"x\": 1}", CL_EINVAL, "$: unknown key \"x\""},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://h/\", \"format\": \"ocds\","
		 " \"licence\": \"x\", \"timeout\": 5}]}", CL_EINVAL,
		 "$.sources[0]: unknown key \"timeout\""},
		{"{\"sources\": [{\"name\": \"A b\", \"url\": \"https://h/\", \"format\": \"ocds\","
		 " \"licence\": \"x\"}]}", CL_EINVAL, "$.sources[0].name: must match"},
		{"{\"sources\": [{\"name\": \"a\", \"format\": \"ocds\", \"licence\": \"x\"}]}",
		 CL_EINVAL, "$.sources[0].url: is required"},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://h/\", \"urls\": [\"https://h/\"],"
		 " \"format\": \"ocds\", \"licence\": \"x\"}]}", CL_EINVAL, "not both"},
		{"{\"sources\": [{\"name\": \"a\", \"urls\": [], \"format\": \"ocds\","
		 " \"licence\": \"x\"}]}", CL_EINVAL, "$.sources[0].urls: must be a non-empty list"},
		{"{\"sources\": [{\"name\": \"a\", \"urls\": [\"https://h/1\", \"https://h/1\"],"
		 " \"format\": \"ocds\", \"licence\": \"x\"}]}", CL_EINVAL,
		 "$.sources[0].urls[1]: repeats an earlier URL"},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"ftp://h/x\", \"format\": \"ocds\","
		 " \"licence\": \"x\"}]}", CL_EINVAL, "$.sources[0].url: must be an http, https or file URL"},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://user:pw@h/x\", \"format\": \"ocds\","
		 " \"licence\": \"x\"}]}", CL_EINVAL, "must not carry credentials"},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://h/a b\", \"format\": \"ocds\","
		 " \"licence\": \"x\"}]}", CL_EINVAL, "must not contain spaces"},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"file://relative/x\", \"format\": \"ocds\","
		 " \"licence\": \"x\"}]}", CL_EINVAL, "absolute local file URL"},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://h/\", \"format\": \"pdf\","
		 " \"licence\": \"x\"}]}", CL_EINVAL, "$.sources[0].format: unknown format \"pdf\""},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://h/\", \"format\": \"ocds\"}]}",
		 CL_EINVAL, "$.sources[0].licence: is required"},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://h/\", \"format\": \"ocds\","
		 " \"licence\": \"x\", \"headers\": {\"Authorization\": \"Bearer x\"}}]}", CL_EINVAL,
		 "$.sources[0].headers.Authorization: this header may not be set"},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://h/\", \"format\": \"ocds\","
		 " \"licence\": \"x\", \"headers\": {\"X-Api-Key\": \"s3cret\"}}]}", CL_EINVAL,
		 "$.sources[0].headers.X-Api-Key: looks like a credential"},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://h/\", \"format\": \"ocds\","
		 " \"licence\": \"x\", \"headers\": {\"Accept\": \"a\\r\\nX: y\"}}]}", CL_EINVAL,
		 "$.sources[0].headers.Accept: must not contain control characters"},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://h/\", \"format\": \"ocds\","
		 " \"licence\": \"x\", \"retries\": 99}]}", CL_EINVAL,
		 "$.sources[0].retries: must be between 0 and 10"},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://h/\", \"format\": \"ocds\","
		 " \"licence\": \"x\", \"max_redirects\": 6}]}", CL_EINVAL,
		 "$.sources[0].max_redirects: must be between 0 and 5"},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://h/\", \"format\": \"ocds\","
		 " \"licence\": \"x\", \"timeout_ms\": \"5\"}]}", CL_EINVAL,
		 "$.sources[0].timeout_ms: must be an integer"},
		{"{\"defaults\": {\"max_bytes\": 0}, \"sources\": [{\"name\": \"a\", \"url\":"
		 " \"https://h/\", \"format\": \"ocds\", \"licence\": \"x\"}]}", CL_EINVAL,
		 "$.defaults.max_bytes: must be between 1 and"},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://h/\", \"format\": \"ips-csv\","
		 " \"licence\": \"x\", \"follow_next\": true}]}", CL_EINVAL,
		 "$.sources[0].follow_next: only OCDS sources"},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://h/\", \"format\": \"ocds\","
		 " \"licence\": \"x\", \"ref_base\": \"file:///x\"}]}", CL_EINVAL,
		 "$.sources[0].ref_base: must be an http or https URL"},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://h/\", \"format\": \"ocds\","
		 " \"licence\": \"x\"}, {\"name\": \"a\", \"url\": \"https://h/2\", \"format\": \"ocds\","
		 " \"licence\": \"x\"}]}", CL_EINVAL, "$.sources[1].name: \"a\" is already the name"},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://h/\", \"format\": \"ocds\","
		 " \"licence\": \"x\", \"enabled\": 1}]}", CL_EINVAL,
		 "$.sources[0].enabled: must be true or false"},
		{"{\"sources\": [{\"name\": \"a\", \"url\": \"https://h/\", \"format\": \"ocds\","
		 " \"licence\": \"x\", \"backoff_ms\": 500, \"backoff_max_ms\": 100}]}", CL_EINVAL,
		 "backoff_max_ms (100) is below backoff_ms (500)"},
		{"{\"sources\": [{\"name\": \"a\", \"name\": \"b\"}]}", CL_EPARSE, "t.json:1:"},
		{"{\"sources\": [", CL_EPARSE, "not valid JSON"},
		{"{\"sources\": [{}, {}]}", CL_EINVAL, "(and "},
	};
	struct sources ss;
	struct cl_errbuf eb;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(&eb, 0, sizeof eb);
		sources_init(&ss);
		cr_expect_eq(sources_parse(&ss, t[i].json, strlen(t[i].json), "t.json", &eb), t[i].rc,
			     "case %zu: %s", i, eb.msg);
		cr_expect(strstr(eb.msg, t[i].want), "case %zu: want \"%s\" in \"%s\"", i, t[i].want,
			  eb.msg);
		cr_expect_eq(ss.n, 0, "case %zu left sources behind", i);
		sources_release(&ss);
	}
}

Test(sources, load_errors_and_the_shipped_file)
{
	struct sources ss;
	struct cl_errbuf eb = {0};
	size_t i, j, n = 0;

	sources_init(&ss);
	cr_assert_eq(sources_load(&ss, "no/such/sources.json", &eb), CL_EIO);
	cr_assert(strstr(eb.msg, "no/such/sources.json"), "%s", eb.msg);

	/* The shipped file is valid: real publishers, https only. */
	cr_assert_eq(sources_load(&ss, SOURCES_DEFAULT_FILE, &eb), CL_OK, "%s", eb.msg);
	cr_assert_geq(ss.n, 5);
	for (i = 0; i < ss.n; i++) {
		cr_expect(sources_known_format(ss.v[i].format));
		cr_expect_neq(strlen(ss.v[i].licence), 0);
		for (j = 0; j < ss.v[i].nurls; j++, n++)
			cr_expect_eq(strncmp(ss.v[i].urls[j], "https://", 8), 0, "%s",
				     ss.v[i].urls[j]);
	}
	cr_assert_geq(n, ss.n);
	sources_release(&ss);
}
