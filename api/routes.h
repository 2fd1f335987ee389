/* routes.h — the API's routing table and handlers (api/routes.c), used by
 * the request dispatcher in api/server.c. One entry per (method, pattern);
 * a pattern segment "{id}" captures one decoded path segment. */
#ifndef ROUTES_H
#define ROUTES_H

#include <stddef.h>

#include "server.h"

/* The API's table (struct srv_route, server.h), terminated by an entry
 * with pattern NULL: pass it as srv_config.routes, rt_static as
 * srv_config.fallback. */
extern const struct srv_route rt_routes[];

/* Static files of the web page for any other GET path (api/web/). */
void rt_static(struct srv_req *r);

/* The OpenAPI document (api/openapi.json), compiled in by the Makefile
 * (tools/embed.c, like the other data files). */
extern const char rt_openapi_json[];
extern const unsigned long rt_openapi_json_len;

#endif
