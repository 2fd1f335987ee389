/* apidoc.c — api/openapi.json with its facet parameters written from the
 * facet table. An operation takes facet filters when its document lists a
 * `kind` query parameter; every such operation gets one parameter per
 * facet (year keeps its own range syntax), with the vocabulary as enum or
 * the value's shape as pattern. */
#include "apidoc.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facet.h"
#include "routes.h"
#include "taxonomy.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char *doc;
static size_t doc_len;

static json_t *facet_param(int f)
{
	const struct facet_def *d = facet_def(f);
	json_t *items = json_pack("{s:s}", "type", "string");
	char desc[200];

	if (d->vocab != FACET_NO_VOCAB) {
		size_t n;
		const struct tax_entry *te = tax_entries((enum tax_facet)d->vocab, &n);
		json_t *e = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(e, json_string(te[i].code));
		json_object_set_new(items, "enum", e);
	} else if (d->from == FACET_FROM_COUNTRY) {
		json_object_set_new(items, "pattern", json_string("^[A-Z]{2}$"));
	} else if (d->from == FACET_FROM_LANGUAGE) {
		json_object_set_new(items, "pattern", json_string("^[a-z]{2}$"));
	}
	snprintf(desc, sizeof desc,
		 "filter on facet %s (%s): repeat or comma-separate for OR; CLI --%s", d->name,
		 d->label_en, d->cli);
	return json_pack("{s:s,s:s,s:b,s:{s:s,s:o},s:s,s:b,s:s}", "name", d->name, "in", "query",
			 "required", 0, "schema", "type", "array", "items", items, "style", "form",
			 "explode", 1, "description", desc);
}

static int is_facet_param(const json_t *p)
{
	int f = facet_from_name(json_string_value(json_object_get(p, "name")));
	return f >= 0 && f != FACET_YEAR &&
	       !strcmp(json_string_value(json_object_get(p, "in")) ?: "", "query");
}

/* Replaces the facet parameters of one operation, if it takes filters. */
static void rewrite_operation(json_t *op)
{
	json_t *params = json_object_get(op, "parameters"), *out, *p;
	size_t i;
	int filters = 0;

	if (!json_is_array(params))
		return;
	json_array_foreach(params, i, p)
		if (is_facet_param(p))
			filters = 1;
	if (!filters)
		return;
	out = json_array();
	json_array_foreach(params, i, p)
		if (!is_facet_param(p))
			json_array_append(out, p);
	for (int f = 0; f < FACET_COUNT; f++)
		if (f != FACET_YEAR)
			json_array_append_new(out, facet_param(f));
	json_object_set_new(op, "parameters", out);
}

static void build(void)
{
	json_error_t err;
	json_t *j = json_loadb(rt_openapi_json, rt_openapi_json_len, 0, &err), *ops;
	const char *path, *method;

	if (!j || tax_load(NULL) != 0)
		goto out;
	json_object_foreach(json_object_get(j, "paths"), path, ops) {
		json_t *op;
		json_object_foreach(ops, method, op)
			rewrite_operation(op);
	}
	doc = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	doc_len = doc ? strlen(doc) : 0;
out:
	json_decref(j);
}

const char *apidoc_json(size_t *len)
{
	pthread_once(&once, build);
	*len = doc_len;
	return doc;
}
