/* parse_tedsearch.c — TED Search API answers and requests, and the notice
 * XML dispatch (see parse_tedsearch.h). Answers are read leniently: a
 * notice that cannot be followed is skipped, never trusted. */
#include "parse_tedsearch.h"

#include <jansson.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_eforms.h"
#include "parse_ocds.h"
#include "parse_tedxml.h"

void tedsearch_page_init(struct tedsearch_page *pg)
{
	memset(pg, 0, sizeof *pg);
	pg->total = -1;
}

void tedsearch_page_release(struct tedsearch_page *pg)
{
	if (!pg)
		return;
	for (size_t i = 0; i < pg->n; i++)
		free(pg->v[i].xml_url);
	free(pg->v);
	free(pg->next_token);
	tedsearch_page_init(pg);
}

int tedsearch_case_id(const char *pubno, char out[24])
{
	size_t nd = 0;
	unsigned long num;

	if (!pubno)
		return CL_EINVAL;
	while (pubno[nd] >= '0' && pubno[nd] <= '9')
		nd++;
	if (nd < 1 || nd > 8 || pubno[nd] != '-')
		return CL_EINVAL;
	for (int i = 1; i <= 4; i++)
		if (pubno[nd + (size_t)i] < '0' || pubno[nd + (size_t)i] > '9')
			return CL_EINVAL;
	if (pubno[nd + 5] != '\0')
		return CL_EINVAL;
	num = strtoul(pubno, NULL, 10);
	snprintf(out, 24, "ted-%.4s-%08lu", pubno + nd + 1, num);
	return CL_OK;
}

/* A string member, or the first string of an array member (the API writes
 * some fields as lists). */
static const char *first_str(const json_t *o, const char *k)
{
	const json_t *m = json_is_object(o) ? json_object_get(o, k) : NULL;

	if (json_is_array(m))
		m = json_array_get(m, 0);
	return json_is_string(m) ? json_string_value(m) : NULL;
}

static int is_http(const char *s)
{
	return s && (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0) &&
	       s[strcspn(s, " \t\r\n\"<>")] == '\0' && strlen(s) <= CASE_URL_MAX;
}

/* The XML link of a notice: links.xml is {"MUL": url, "SWE": url, ...};
 * "MUL" (all languages) first, else the first http(s) one. */
static const char *xml_link(const json_t *n)
{
	const json_t *x = json_object_get(json_object_get(n, "links"), "xml");
	const char *k, *u;
	json_t *v;

	if (!json_is_object(x))
		return NULL;
	if ((u = first_str(x, "MUL")) && is_http(u))
		return u;
	json_object_foreach((json_t *)(uintptr_t)x, k, v) {
		(void)k;
		if (json_is_string(v) && is_http(json_string_value(v)))
			return json_string_value(v);
	}
	return NULL;
}

/* YYYY-MM-DD of "2024-03-07+01:00", "2024-03-07Z", "2024-03-07". */
static int date_of(const char *s, char out[11])
{
	if (!s || strlen(s) < 10)
		return 0;
	memcpy(out, s, 10);
	out[10] = '\0';
	return parse_is_date(out) && (s[10] == '\0' || strchr("+-ZT ", s[10]));
}

int tedsearch_parse_page(const char *data, size_t len, struct tedsearch_page *pg,
			 struct cl_errbuf *eb)
{
	json_t *j = NULL;
	const json_t *notices, *tok, *total;
	int rc;

	tedsearch_page_release(pg);
	if ((rc = ocds_json_load(data, len, TEDSEARCH_MAX_BYTES, 0, &j, eb))) {
		char msg[CL_ERRBUF_SIZE];

		snprintf(msg, sizeof msg, "%s", eb ? eb->msg : "");
		return cl_fail(eb, rc, "ted-search: the answer is %s%s",
			       rc == CL_EPARSE ? "not JSON: " : "", msg);
	}
	notices = json_object_get(j, "notices");
	if (!json_is_array(notices)) {
		rc = cl_fail(eb, CL_EPARSE, "ted-search: the answer has no \"notices\" list");
		goto out;
	}
	if (json_array_size(notices) &&
	    !(pg->v = calloc(json_array_size(notices), sizeof *pg->v))) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < json_array_size(notices); i++) {
		const json_t *n = json_array_get(notices, i);
		struct tedsearch_notice *t = &pg->v[pg->n];
		const char *id = first_str(n, "publication-number"), *x = xml_link(n);

		if (!id || strlen(id) >= sizeof t->id || tedsearch_case_id(id, t->case_id) ||
		    !date_of(first_str(n, "publication-date"), t->date) || !x) {
			pg->skipped++;
			continue;
		}
		snprintf(t->id, sizeof t->id, "%s", id);
		if (!(t->xml_url = strdup(x))) {
			rc = cl_fail(eb, CL_ENOMEM, "out of memory");
			goto out;
		}
		/* The scheme is case-insensitive (RFC 3986 3.1); keep the
		 * canonical lower-case form so later checks can compare it. */
		for (char *p = t->xml_url; *p && *p != ':'; p++)
			*p = (char)tolower((unsigned char)*p);
		pg->n++;
	}
	tok = json_object_get(j, "iterationNextToken");
	if (json_is_string(tok) && *json_string_value(tok) &&
	    strlen(json_string_value(tok)) < 4096 &&
	    !(pg->next_token = strdup(json_string_value(tok)))) {
		rc = cl_fail(eb, CL_ENOMEM, "out of memory");
		goto out;
	}
	total = json_object_get(j, "totalNoticeCount");
	if (json_is_integer(total) && json_integer_value(total) >= 0)
		pg->total = (long)json_integer_value(total);
	rc = CL_OK;
out:
	if (rc)
		tedsearch_page_release(pg);
	json_decref(j);
	return rc;
}

int tedsearch_request(const char *query, const char *since, const char *token, int limit,
		      char **json)
{
	json_t *o = NULL;
	char *q = NULL;
	int rc = CL_ENOMEM;

	*json = NULL;
	if (!query || !*query || strlen(query) > TEDSEARCH_QUERY_MAX || limit < 1 ||
	    limit > TEDSEARCH_PAGE_MAX)
		return CL_EINVAL;
	if (since) {
		if (strlen(since) != 10 || !parse_is_date(since))
			return CL_EINVAL;
		if (asprintf(&q, "(%s) AND publication-date>=%.4s%.2s%.2s", query, since, since + 5,
			     since + 8) < 0)
			return CL_ENOMEM;
	} else if (!(q = strdup(query))) {
		return CL_ENOMEM;
	}
	o = json_pack("{sss[sss]sissso}", "query", q, "fields", "publication-number",
		      "publication-date", "links", "limit", limit, "paginationMode", "ITERATION",
		      "iterationNextToken", token ? json_string(token) : json_null());
	if (o && (*json = json_dumps(o, JSON_COMPACT)))
		rc = CL_OK;
	json_decref(o);
	free(q);
	return rc;
}

int tedsearch_parse_notice(const char *data, size_t len, const struct parse_src *src,
			   const struct parse_sink *sink, struct cl_errbuf *eb)
{
	size_t n = len < 4096 ? len : 4096;
	int ted = 0;

	/* the root element's name, after the declaration and comments */
	for (size_t i = 0; data && i + 11 < n; i++)
		if (data[i] == '<' && data[i + 1] != '?' && data[i + 1] != '!') {
			const char *nm = data + i + 1, *end = data + n;
			const char *colon = memchr(nm, ':', (size_t)(end - nm));
			size_t k = 0;

			/* the payload is not NUL-terminated: every scan stays in data[0..n) */
			while (nm + k < end && !strchr(" \t\r\n>/", nm[k]))
				k++;
			if (colon && (size_t)(colon - nm) < k)
				nm = colon + 1;
			ted = end - nm >= 10 && memcmp(nm, "TED_EXPORT", 10) == 0;
			break;
		}
	return ted ? tedxml_parse_mem(data, len, src, sink, eb)
		   : eforms_parse_mem(data, len, src, sink, eb);
}
