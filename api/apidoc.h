/* apidoc.h — the OpenAPI document as served: api/openapi.json (compiled
 * in) with the facet filters of every search-like operation written from
 * the facet table (corpus/facet.h) and its vocabularies, so the enums
 * never drift from what the server accepts. */
#ifndef APIDOC_H
#define APIDOC_H

#include <stddef.h>

/* The document's text (built once, thread-safe; static storage, valid for
 * the life of the process), *len its length. NULL when the compiled-in
 * document cannot be read (a build error, caught by the tests). */
const char *apidoc_json(size_t *len);

#endif
