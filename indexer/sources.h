/* sources.h — the harvester's sources file: which publishers to fetch,
 * from which URLs, in which format, under which licence and with which
 * fetch limits. A JSON file (default sources/default.json) read with
 * jansson and checked completely before anything is fetched; every key is
 * documented in docs/harvest.md. Unknown keys are errors (a typo must not
 * silently switch a limit back to its default). */
#ifndef SOURCES_H
#define SOURCES_H

#include <stddef.h>

#include "cl_err.h"
#include "fetch.h"

#define SOURCES_DEFAULT_FILE "sources/default.json"
#define SOURCES_NAME_MAX 64        /* [a-z0-9][a-z0-9._-]{0,63} */
#define SOURCES_MAX 1000           /* sources in one file */
#define SOURCES_URLS_MAX 100000    /* urls of one source */
#define SOURCES_HEADERS_MAX 32
#define SOURCES_HEADER_MAX 1024    /* bytes of one header value */
#define SOURCES_FILE_MAX (16 << 20) /* bytes of the sources file */
#define SOURCES_DEF_MAX_PAGES 100  /* OCDS links.next pages followed per URL */
#define SOURCES_MAX_PAGES 100000
#define SOURCES_DEF_MAX_NOTICES 1000 /* ted-search: notices fetched per run */
#define SOURCES_MAX_NOTICES 1000000

/* Where the per-record source reference (the parser's parse_src.url)
 * comes from. */
enum sources_ref {
	SOURCES_REF_FETCHED = 0, /* "ref_base" absent: the URL fetched */
	SOURCES_REF_DEFAULT,     /* "ref_base": null: the format's documented
				    default (the publisher's canonical pages) */
	SOURCES_REF_BASE,        /* "ref_base": "URL": that URL */
};

struct source {
	char *name;
	char *description;  /* may be NULL */
	char **urls;        /* nurls URLs, in file order */
	size_t nurls;
	char *format;       /* a parser registry name (indexer/parsers.h) */
	char *licence;      /* SPDX id or free text; set on sources[] the
			       parser left without one */
	char **headers;     /* "Name: value" lines, NULL-terminated; never NULL */
	enum sources_ref ref;
	char *ref_base;     /* SOURCES_REF_BASE only */
	int enabled;        /* 0: skipped unless named with --source */
	int follow_next;    /* follow the payloads' next-page links (default: 1 when
			     * the format's parser has a paging hook, as ocds) */
	int next_any_origin; /* 1: links.next may leave the origin of the URL
				the chain started from (default 0) */
	int max_pages;      /* pages followed from one URL, the first included */
	char *user_agent;   /* NULL: FETCH_USER_AGENT */
	char *country;      /* ISO 3166-1 alpha-2 given to records whose buyer
			       has no country (the publisher's), or NULL */
	char *query;        /* ted-search: the expert query, else NULL */
	char *since;        /* ted-search: first publication date asked for
			       (YYYY-MM-DD) before any run kept one, or NULL */
	long max_notices;   /* ted-search: notices fetched per run at most */
	int page_size;      /* ted-search: notices per search page */
	struct fetch_opts fetch; /* limits; .headers and .user_agent point into
				    this struct */
};

struct sources {
	struct source *v;
	size_t n;
};

void sources_init(struct sources *ss);
/* Frees everything and re-initialises. NULL is a no-op. */
void sources_release(struct sources *ss);

/* Reads and checks the sources file at path into ss (initialised by the
 * caller; released first). Errors, with the file, the JSON path
 * ($.sources[2].url) and the reason in eb: CL_EIO (cannot read),
 * CL_ETOOBIG (over SOURCES_FILE_MAX), CL_EPARSE (not JSON: line and
 * column), CL_EINVAL (a key, type or value is wrong). */
int sources_load(struct sources *ss, const char *path, struct cl_errbuf *eb);

/* The same over text in memory; origin names it in messages. */
int sources_parse(struct sources *ss, const char *text, size_t len, const char *origin,
		  struct cl_errbuf *eb);

/* The source called name, NULL if none. Borrowed from ss. */
const struct source *sources_find(const struct sources *ss, const char *name);

/* 1 if format names a parser of the registry (indexer/parsers.h): the
 * sources file knows no other list of formats. */
int sources_known_format(const char *format);

#endif
