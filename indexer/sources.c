/* sources.c — reads and checks the harvester's sources file (see
 * sources.h; every key in docs/harvest.md). The whole file is checked
 * before a harvest starts, so a typo fails at once with its JSON path
 * instead of half-way through a run. */
#include "sources.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "case.h"
#include "parse.h"
#include "parsers.h"

/* Header names a sources file may not set: credentials, and headers the
 * fetcher controls itself. */
static const char *const refused_headers[] = {
	"authorization", "proxy-authorization", "cookie", "host", "content-length",
	"transfer-encoding", "connection", "accept-encoding", "if-none-match",
	"if-modified-since", "if-match", "if-unmodified-since", "range", "expect", "te",
	"upgrade", "user-agent", NULL,
};

/* Parts of header names that suggest a credential ("X-Api-Key",
 * "X-Auth-Token"): the file is meant to be shared and committed. */
static const char *const secret_words[] = {
	"auth", "token", "key", "secret", "cookie", "session", "password", "passwd", NULL,
};

/* The numeric limits a source (or "defaults") may set. */
enum lim_kind { LIM_LONG, LIM_INT, LIM_SIZE };
struct limit_key {
	const char *key;
	enum lim_kind kind;
	size_t off;
	long long lo, hi;
};

#define LK(name, kind, lo, hi) {#name, kind, offsetof(struct fetch_opts, name), lo, hi}
static const struct limit_key limit_keys[] = {
	LK(connect_timeout_ms, LIM_LONG, 1, FETCH_MAX_TIMEOUT_MS),
	LK(timeout_ms, LIM_LONG, 1, FETCH_MAX_TIMEOUT_MS),
	LK(low_speed_bytes, LIM_LONG, 1, 1LL << 30),
	LK(low_speed_time_s, LIM_LONG, 1, FETCH_MAX_TIMEOUT_MS / 1000),
	LK(max_bytes, LIM_SIZE, 1, (long long)FETCH_MAX_BODY_BYTES),
	LK(max_redirects, LIM_INT, 0, FETCH_MAX_REDIRECTS),
	LK(retries, LIM_INT, 0, FETCH_MAX_RETRIES),
	LK(backoff_ms, LIM_LONG, 0, FETCH_MAX_TIMEOUT_MS),
	LK(backoff_max_ms, LIM_LONG, 0, FETCH_MAX_TIMEOUT_MS),
	LK(retry_after_max_ms, LIM_LONG, 0, FETCH_MAX_TIMEOUT_MS),
	LK(delay_ms, LIM_LONG, 0, FETCH_MAX_TIMEOUT_MS),
};
#undef LK
#define NLIMITS (sizeof limit_keys / sizeof limit_keys[0])

static const char *const top_keys[] = {"comment", "defaults", "sources", NULL};
static const char *const default_keys[] = {"comment", "user_agent", "max_pages", "allow_private",
					   NULL};
static const char *const source_keys[] = {
	"name", "description", "comment", "url", "urls", "format", "licence", "headers",
	"ref_base", "enabled", "follow_next", "max_pages", "user_agent", "country",
	"query", "since", "max_notices", "page_size", "allow_private", "next_any_origin", NULL,
};

/* The settings "defaults" gives every source. */
struct defaults {
	struct fetch_opts fetch;
	const char *user_agent; /* borrowed from the JSON */
	int max_pages;
};

/* Checking context: the first problem is kept, the others counted. */
struct sctx {
	const char *origin;
	int nproblems;
	int err;
	struct cl_errbuf *eb;
};

static void problem(struct sctx *x, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct sctx *x, const char *path, const char *fmt, ...)
{
	char reason[300];
	va_list ap;

	if (x->nproblems++ > 0)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	x->err = cl_fail(x->eb, CL_EINVAL, "%s: %s: %s", x->origin, path, reason);
}

static void nomem(struct sctx *x)
{
	if (x->err != CL_ENOMEM) {
		x->err = cl_fail(x->eb, CL_ENOMEM, "out of memory");
		x->nproblems++;
	}
}

int sources_known_format(const char *format)
{
	return format && parsers_find(format) != NULL;
}

/* The registry's format names, ", "-separated, into buf. */
static const char *format_names(char *buf, size_t cap)
{
	size_t n, len = 0;
	const struct parser_def *d = parsers_all(&n);

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", d[i].format);
	return buf;
}

/* Whether the format's payloads link to a next page (a paging hook). */
static int format_pages(const char *format)
{
	const struct parser_def *d = format ? parsers_find(format) : NULL;

	return d && d->next;
}

void sources_init(struct sources *ss)
{
	ss->v = NULL;
	ss->n = 0;
}

static void source_release(struct source *s)
{
	size_t i;

	free(s->name);
	free(s->description);
	for (i = 0; i < s->nurls; i++)
		free(s->urls[i]);
	free(s->urls);
	free(s->format);
	free(s->licence);
	for (i = 0; s->headers && s->headers[i]; i++)
		free(s->headers[i]);
	free(s->headers);
	free(s->ref_base);
	free(s->user_agent);
	free(s->country);
	free(s->query);
	free(s->since);
	memset(s, 0, sizeof *s);
}

void sources_release(struct sources *ss)
{
	if (!ss)
		return;
	for (size_t i = 0; i < ss->n; i++)
		source_release(&ss->v[i]);
	free(ss->v);
	sources_init(ss);
}

const struct source *sources_find(const struct sources *ss, const char *name)
{
	for (size_t i = 0; ss && name && i < ss->n; i++)
		if (strcmp(ss->v[i].name, name) == 0)
			return &ss->v[i];
	return NULL;
}

/* ---- checks ------------------------------------------------------------ */

static void check_keys(struct sctx *x, json_t *obj, const char *path,
		       const char *const *allowed, int limits)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		int ok = 0;
		(void)v;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = strcmp(k, allowed[i]) == 0;
		for (size_t i = 0; limits && i < NLIMITS && !ok; i++)
			ok = strcmp(k, limit_keys[i].key) == 0;
		if (!ok)
			problem(x, path, "unknown key \"%.60s\"", k);
	}
}

/* A printable single-line string of at most max bytes, or NULL (problem
 * reported). */
static const char *get_text(struct sctx *x, const json_t *v, const char *path, size_t max)
{
	const char *s;

	if (!json_is_string(v)) {
		problem(x, path, "must be a string");
		return NULL;
	}
	s = json_string_value(v);
	if (!*s) {
		problem(x, path, "must not be empty");
		return NULL;
	}
	if (strlen(s) > max) {
		problem(x, path, "too long: at most %zu bytes", max);
		return NULL;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			problem(x, path, "must not contain control characters or line breaks");
			return NULL;
		}
	return s;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > SOURCES_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			 (i > 0 && (c == '.' || c == '_' || c == '-'));
		if (!ok)
			return 0;
	}
	return 1;
}

/* http(s)://host... or file:///path; no credentials, no spaces. With
 * http_only, file URLs are refused. Reports and returns 0 when bad. */
static int check_url(struct sctx *x, const char *path, const char *s, int http_only)
{
	const char *rest, *end, *at;

	if (strlen(s) > CASE_URL_MAX) {
		problem(x, path, "too long: at most %d bytes", CASE_URL_MAX);
		return 0;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == 0x7f) {
			problem(x, path, "must not contain spaces or control characters"
					 " (percent-encode them)");
			return 0;
		}
	if (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0) {
		rest = strstr(s, "://") + 3;
		end = rest + strcspn(rest, "/?#");
		if (end == rest) {
			problem(x, path, "must name a host (http://host/...)");
			return 0;
		}
		at = memchr(rest, '@', (size_t)(end - rest));
		if (at) {
			problem(x, path, "must not carry credentials (user:password@):"
					 " the sources file is shared");
			return 0;
		}
		return 1;
	}
	if (!http_only && strncasecmp(s, "file://", 7) == 0) {
		if (s[7] != '/' && strncasecmp(s + 7, "localhost/", 10) != 0) {
			problem(x, path, "must be an absolute local file URL (file:///path)");
			return 0;
		}
		return 1;
	}
	problem(x, path, http_only ? "must be an http or https URL"
				   : "must be an http, https or file URL");
	return 0;
}

static int header_name_ok(const char *s)
{
	/* RFC 9110 token characters. */
	static const char extra[] = "!#$%&'*+-.^_`|~";

	if (!*s || strlen(s) > 100)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return 0;
	return 1;
}

static void check_headers(struct sctx *x, json_t *h, const char *base,
			  struct source *s)
{
	char path[200], lower[128];
	const char *k;
	json_t *v;
	size_t n = 0, i;

	if (!json_is_object(h)) {
		problem(x, base, "must be an object of header names to values");
		return;
	}
	if (json_object_size(h) > SOURCES_HEADERS_MAX) {
		problem(x, base, "too many headers: at most %d", SOURCES_HEADERS_MAX);
		return;
	}
	s->headers = calloc(json_object_size(h) + 1, sizeof *s->headers);
	if (!s->headers) {
		nomem(x);
		return;
	}
	json_object_foreach(h, k, v) {
		const char *val;
		if (snprintf(path, sizeof path, "%s.%.60s", base, k) >= (int)sizeof path)
			path[sizeof path - 1] = '\0';
		if (!header_name_ok(k)) {
			problem(x, path, "not a valid header name");
			continue;
		}
		for (i = 0; k[i] && i + 1 < sizeof lower; i++)
			lower[i] = (char)((k[i] >= 'A' && k[i] <= 'Z') ? k[i] + 32 : k[i]);
		lower[i] = '\0';
		for (i = 0; refused_headers[i]; i++)
			if (strcmp(lower, refused_headers[i]) == 0)
				break;
		if (refused_headers[i]) {
			problem(x, path, "this header may not be set in a sources file"
					 " (credentials, or controlled by the fetcher)");
			continue;
		}
		for (i = 0; secret_words[i]; i++)
			if (strstr(lower, secret_words[i]))
				break;
		if (secret_words[i]) {
			problem(x, path, "looks like a credential (\"%s\"): sources files carry"
					 " no secrets", secret_words[i]);
			continue;
		}
		if (!(val = get_text(x, v, path, SOURCES_HEADER_MAX)))
			continue;
		if (asprintf(&s->headers[n], "%s: %s", k, val) < 0) {
			s->headers[n] = NULL;
			nomem(x);
			return;
		}
		n++;
	}
}

/* Reads the limit keys present in obj into o (which holds the values to
 * start from). */
static void read_limits(struct sctx *x, const json_t *obj, const char *base,
			struct fetch_opts *o)
{
	char path[200];

	for (size_t i = 0; i < NLIMITS; i++) {
		const struct limit_key *lk = &limit_keys[i];
		json_t *v = json_object_get(obj, lk->key);
		long long n;
		if (!v)
			continue;
		snprintf(path, sizeof path, "%s.%s", base, lk->key);
		if (!json_is_integer(v)) {
			problem(x, path, "must be an integer");
			continue;
		}
		n = json_integer_value(v);
		if (n < lk->lo || n > lk->hi) {
			problem(x, path, "must be between %lld and %lld", lk->lo, lk->hi);
			continue;
		}
		switch (lk->kind) {
		case LIM_LONG:
			*(long *)(void *)((char *)o + lk->off) = (long)n;
			break;
		case LIM_INT:
			*(int *)(void *)((char *)o + lk->off) = (int)n;
			break;
		case LIM_SIZE:
			*(size_t *)(void *)((char *)o + lk->off) = (size_t)n;
			break;
		}
	}
	if (o->backoff_max_ms < o->backoff_ms)
		problem(x, base, "backoff_max_ms (%ld) is below backoff_ms (%ld)",
			o->backoff_max_ms, o->backoff_ms);
}

/* A boolean key of obj into *out when present. */
static void read_bool(struct sctx *x, const json_t *obj, const char *base, const char *key,
		      int *out)
{
	char path[200];
	json_t *v = json_object_get(obj, key);

	if (!v)
		return;
	snprintf(path, sizeof path, "%s.%s", base, key);
	if (!json_is_boolean(v))
		problem(x, path, "must be true or false");
	else
		*out = json_is_true(v);
}

static int read_max_pages(struct sctx *x, const json_t *v, const char *path, int *out)
{
	long long n;

	if (!json_is_integer(v)) {
		problem(x, path, "must be an integer");
		return -1;
	}
	n = json_integer_value(v);
	if (n < 1 || n > SOURCES_MAX_PAGES) {
		problem(x, path, "must be between 1 and %d", SOURCES_MAX_PAGES);
		return -1;
	}
	*out = (int)n;
	return 0;
}

static void read_defaults(struct sctx *x, json_t *d, struct defaults *def)
{
	json_t *v;

	fetch_opts_default(&def->fetch);
	def->user_agent = NULL;
	def->max_pages = SOURCES_DEF_MAX_PAGES;
	if (!d)
		return;
	if (!json_is_object(d)) {
		problem(x, "$.defaults", "must be an object");
		return;
	}
	check_keys(x, d, "$.defaults", default_keys, 1);
	if ((v = json_object_get(d, "comment")) && !json_is_string(v))
		problem(x, "$.defaults.comment", "must be a string");
	if ((v = json_object_get(d, "user_agent")))
		def->user_agent = get_text(x, v, "$.defaults.user_agent", 256);
	if ((v = json_object_get(d, "max_pages")))
		read_max_pages(x, v, "$.defaults.max_pages", &def->max_pages);
	read_limits(x, d, "$.defaults", &def->fetch);
	read_bool(x, d, "$.defaults", "allow_private", &def->fetch.allow_private);
}

static int dup_into(struct sctx *x, char **dst, const char *s)
{
	*dst = strdup(s);
	if (!*dst) {
		nomem(x);
		return -1;
	}
	return 0;
}

static void read_source(struct sctx *x, json_t *o, const char *base,
			const struct defaults *def, struct source *s)
{
	char path[200];
	json_t *v, *u;
	const char *t;
	size_t i;

	s->enabled = 1;
	s->fetch = def->fetch;
	s->max_pages = def->max_pages;
	if (!json_is_object(o)) {
		problem(x, base, "must be an object");
		return;
	}
	check_keys(x, o, base, source_keys, 1);

	snprintf(path, sizeof path, "%s.name", base);
	if (!(v = json_object_get(o, "name")))
		problem(x, path, "is required");
	else if ((t = get_text(x, v, path, SOURCES_NAME_MAX * 4))) {
		if (!valid_name(t))
			problem(x, path, "must match [a-z0-9][a-z0-9._-]{0,63}");
		else
			dup_into(x, &s->name, t);
	}
	for (i = 0; i < 2; i++) {
		const char *k = i ? "comment" : "description";
		snprintf(path, sizeof path, "%s.%s", base, k);
		if ((v = json_object_get(o, k)) && !json_is_string(v))
			problem(x, path, "must be a string");
		else if (v && !i && !s->description)
			dup_into(x, &s->description, json_string_value(v));
	}

	v = json_object_get(o, "url");
	u = json_object_get(o, "urls");
	if (v && u) {
		problem(x, base, "give either \"url\" or \"urls\", not both");
	} else if (!v && !u) {
		snprintf(path, sizeof path, "%s.url", base);
		problem(x, path, "is required (or \"urls\": a list)");
	} else if (v) {
		snprintf(path, sizeof path, "%s.url", base);
		if ((t = get_text(x, v, path, CASE_URL_MAX)) && check_url(x, path, t, 0)) {
			s->urls = calloc(1, sizeof *s->urls);
			if (!s->urls)
				nomem(x);
			else if (dup_into(x, &s->urls[0], t) == 0)
				s->nurls = 1;
		}
	} else {
		snprintf(path, sizeof path, "%s.urls", base);
		if (!json_is_array(u) || json_array_size(u) == 0) {
			problem(x, path, "must be a non-empty list of URLs");
		} else if (json_array_size(u) > SOURCES_URLS_MAX) {
			problem(x, path, "too many URLs: at most %d", SOURCES_URLS_MAX);
		} else if (!(s->urls = calloc(json_array_size(u), sizeof *s->urls))) {
			nomem(x);
		} else {
			for (i = 0; i < json_array_size(u); i++) {
				snprintf(path, sizeof path, "%s.urls[%zu]", base, i);
				t = get_text(x, json_array_get(u, i), path, CASE_URL_MAX);
				if (!t || !check_url(x, path, t, 0))
					continue;
				for (size_t j = 0; j < s->nurls; j++)
					if (strcmp(s->urls[j], t) == 0) {
						problem(x, path, "repeats an earlier URL");
						t = NULL;
						break;
					}
				if (t && dup_into(x, &s->urls[s->nurls], t) == 0)
					s->nurls++;
			}
		}
	}

	snprintf(path, sizeof path, "%s.format", base);
	if (!(v = json_object_get(o, "format")))
		problem(x, path, "is required");
	else if ((t = get_text(x, v, path, 64))) {
		char names[256];
		if (!sources_known_format(t))
			problem(x, path, "unknown format \"%s\" (%s)", t,
				format_names(names, sizeof names));
		else
			dup_into(x, &s->format, t);
	}

	snprintf(path, sizeof path, "%s.licence", base);
	if (!(v = json_object_get(o, "licence")))
		problem(x, path, "is required (an SPDX id or the publisher's terms)");
	else if ((t = get_text(x, v, path, CASE_NAME_MAX)))
		dup_into(x, &s->licence, t);

	snprintf(path, sizeof path, "%s.headers", base);
	if ((v = json_object_get(o, "headers")))
		check_headers(x, v, path, s);
	if (!s->headers && !(s->headers = calloc(1, sizeof *s->headers)))
		nomem(x);

	snprintf(path, sizeof path, "%s.ref_base", base);
	if ((v = json_object_get(o, "ref_base"))) {
		if (json_is_null(v)) {
			s->ref = SOURCES_REF_DEFAULT;
		} else if ((t = get_text(x, v, path, CASE_URL_MAX)) && check_url(x, path, t, 1)) {
			s->ref = SOURCES_REF_BASE;
			dup_into(x, &s->ref_base, t);
		}
	}

	snprintf(path, sizeof path, "%s.enabled", base);
	if ((v = json_object_get(o, "enabled"))) {
		if (!json_is_boolean(v))
			problem(x, path, "must be true or false");
		else
			s->enabled = json_is_true(v);
	}

	s->follow_next = format_pages(s->format);
	snprintf(path, sizeof path, "%s.follow_next", base);
	if ((v = json_object_get(o, "follow_next"))) {
		if (!json_is_boolean(v))
			problem(x, path, "must be true or false");
		else if (json_is_true(v) && s->format && !format_pages(s->format))
			problem(x, path, "only OCDS sources (formats with a paging hook) have links.next to follow");
		else
			s->follow_next = json_is_true(v);
	}

	snprintf(path, sizeof path, "%s.max_pages", base);
	if ((v = json_object_get(o, "max_pages")))
		read_max_pages(x, v, path, &s->max_pages);

	snprintf(path, sizeof path, "%s.user_agent", base);
	t = def->user_agent;
	if ((v = json_object_get(o, "user_agent")))
		t = get_text(x, v, path, 256);
	if (t)
		dup_into(x, &s->user_agent, t);

	snprintf(path, sizeof path, "%s.country", base);
	if ((v = json_object_get(o, "country")) && (t = get_text(x, v, path, 8))) {
		if (strlen(t) != 2 || t[0] < 'A' || t[0] > 'Z' || t[1] < 'A' || t[1] > 'Z')
			problem(x, path, "must be a two-letter upper-case ISO 3166-1 code such as SE");
		else
			dup_into(x, &s->country, t);
	}

	/* ted-search: the expert query, the first date, the per-run cap */
	{
		int ted = s->format && strcmp(s->format, "ted-search") == 0;
		const char *keys[4] = {"query", "since", "max_notices", "page_size"};

		for (i = 0; i < 4 && !ted; i++)
			if (json_object_get(o, keys[i])) {
				snprintf(path, sizeof path, "%s.%s", base, keys[i]);
				problem(x, path, "only ted-search sources have it");
			}
		s->max_notices = SOURCES_DEF_MAX_NOTICES;
		snprintf(path, sizeof path, "%s.query", base);
		if (ted && !(v = json_object_get(o, "query")))
			problem(x, path, "is required for ted-search (a TED expert query, e.g."
				" \"buyer-country=SWE\")");
		else if (ted && (t = get_text(x, v, path, 2000)))
			dup_into(x, &s->query, t);
		snprintf(path, sizeof path, "%s.since", base);
		if (ted && (v = json_object_get(o, "since")) && (t = get_text(x, v, path, 16))) {
			if (strlen(t) != 10 || !parse_is_date(t))
				problem(x, path, "must be a date YYYY-MM-DD");
			else
				dup_into(x, &s->since, t);
		}
		snprintf(path, sizeof path, "%s.max_notices", base);
		if (ted && (v = json_object_get(o, "max_notices"))) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > SOURCES_MAX_NOTICES)
				problem(x, path, "must be an integer 1..%d", SOURCES_MAX_NOTICES);
			else
				s->max_notices = (long)json_integer_value(v);
		}
		s->page_size = 100;
		snprintf(path, sizeof path, "%s.page_size", base);
		if (ted && (v = json_object_get(o, "page_size"))) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > 250)
				problem(x, path, "must be an integer 1..250 (the API's page limit)");
			else
				s->page_size = (int)json_integer_value(v);
		}
		for (i = 0; ted && i < s->nurls; i++)
			if (strncmp(s->urls[i], "http://", 7) != 0 &&
			    strncmp(s->urls[i], "https://", 8) != 0) {
				snprintf(path, sizeof path, "%s.url", base);
				problem(x, path, "a ted-search source asks an http(s) search endpoint");
			}
	}

	read_limits(x, o, base, &s->fetch);
	read_bool(x, o, base, "allow_private", &s->fetch.allow_private);
	read_bool(x, o, base, "next_any_origin", &s->next_any_origin);
	if (s->next_any_origin && !s->follow_next) {
		snprintf(path, sizeof path, "%s.next_any_origin", base);
		problem(x, path, "only a source that follows links.next has pages to allow");
	}
	s->fetch.headers = (const char *const *)s->headers;
	s->fetch.user_agent = s->user_agent;
}

int sources_parse(struct sources *ss, const char *text, size_t len, const char *origin,
		  struct cl_errbuf *eb)
{
	struct sctx x = {origin ? origin : "sources", 0, CL_OK, eb};
	struct defaults def;
	json_error_t jerr;
	json_t *root = NULL, *arr, *v;
	char path[64];
	size_t i, j;

	if (!ss || (!text && len))
		return cl_fail(eb, CL_EINVAL, "sources_parse: missing argument");
	sources_release(ss);
	if (len > SOURCES_FILE_MAX)
		return cl_fail(eb, CL_ETOOBIG, "%s: larger than %d bytes", x.origin,
			       SOURCES_FILE_MAX);
	root = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return cl_fail(eb, CL_EPARSE, "%s:%d:%d: not valid JSON: %s", x.origin, jerr.line,
			       jerr.column, jerr.text);
	if (!json_is_object(root)) {
		problem(&x, "$", "must be an object with a \"sources\" list");
		goto out;
	}
	check_keys(&x, root, "$", top_keys, 0);
	if ((v = json_object_get(root, "comment")) && !json_is_string(v))
		problem(&x, "$.comment", "must be a string");
	read_defaults(&x, json_object_get(root, "defaults"), &def);
	arr = json_object_get(root, "sources");
	if (!arr) {
		problem(&x, "$.sources", "is required");
		goto out;
	}
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		problem(&x, "$.sources", "must be a non-empty list");
		goto out;
	}
	if (json_array_size(arr) > SOURCES_MAX) {
		problem(&x, "$.sources", "too many sources: at most %d", SOURCES_MAX);
		goto out;
	}
	ss->v = calloc(json_array_size(arr), sizeof *ss->v);
	if (!ss->v) {
		nomem(&x);
		goto out;
	}
	for (i = 0; i < json_array_size(arr); i++) {
		snprintf(path, sizeof path, "$.sources[%zu]", i);
		ss->n = i + 1;
		read_source(&x, json_array_get(arr, i), path, &def, &ss->v[i]);
		for (j = 0; ss->v[i].name && j < i; j++)
			if (ss->v[j].name && strcmp(ss->v[j].name, ss->v[i].name) == 0) {
				snprintf(path, sizeof path, "$.sources[%zu].name", i);
				problem(&x, path, "\"%s\" is already the name of $.sources[%zu]",
					ss->v[i].name, j);
			}
	}
out:
	json_decref(root);
	if (x.nproblems) {
		if (x.nproblems > 1 && x.err != CL_ENOMEM && eb) {
			size_t l = strlen(eb->msg);
			snprintf(eb->msg + l, sizeof eb->msg - l, " (and %d more problem%s)",
				 x.nproblems - 1, x.nproblems == 2 ? "" : "s");
		}
		sources_release(ss);
		return x.err ? x.err : CL_EINVAL;
	}
	return CL_OK;
}

int sources_load(struct sources *ss, const char *path, struct cl_errbuf *eb)
{
	FILE *f;
	struct stat sb;
	char *buf = NULL;
	size_t n;
	int rc;

	if (!ss || !path)
		return cl_fail(eb, CL_EINVAL, "sources_load: missing argument");
	sources_release(ss);
	f = fopen(path, "rb");
	if (!f)
		return cl_fail(eb, CL_EIO, "%s: cannot read the sources file: %s", path,
			       strerror(errno));
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(f);
		return cl_fail(eb, CL_EIO, "%s: not a regular file", path);
	}
	if (sb.st_size > SOURCES_FILE_MAX) {
		fclose(f);
		return cl_fail(eb, CL_ETOOBIG, "%s: larger than %d bytes", path, SOURCES_FILE_MAX);
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		fclose(f);
		return cl_fail(eb, CL_ENOMEM, "out of memory");
	}
	n = fread(buf, 1, (size_t)sb.st_size, f);
	if (ferror(f)) {
		rc = cl_fail(eb, CL_EIO, "%s: read error: %s", path, strerror(errno));
		goto out;
	}
	rc = sources_parse(ss, buf, n, path, eb);
out:
	fclose(f);
	free(buf);
	return rc;
}
