/* render.h — a case's Markdown texts (summary, body, outcome, lessons) as
 * HTML a page can insert: CommonMark through Debian's libcmark in its safe
 * mode. No raw HTML passes (a tag in the text is left out, with an HTML
 * comment in its place); links and images keep only safe URLs (cmark drops
 * javascript:, vbscript:, file: and most data: URLs). docs/web.md. */
#ifndef RENDER_H
#define RENDER_H

#include <stddef.h>

/* The HTML of len bytes of Markdown md (UTF-8; NUL bytes are read as
 * U+FFFD). Returns a NUL-terminated string the caller frees with free(),
 * or NULL when out of memory. md may be NULL when len is 0. */
char *render_markdown(const char *md, size_t len);

#endif
