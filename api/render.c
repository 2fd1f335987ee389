/* render.c — Markdown to safe HTML with libcmark (render.h). */
#include "render.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

char *render_markdown(const char *md, size_t len)
{
	/* CMARK_OPT_DEFAULT is the safe mode since cmark 0.29 (CMARK_OPT_UNSAFE
	 * would let raw HTML through); CMARK_OPT_VALIDATE_UTF8 replaces bad
	 * bytes, so the output is valid UTF-8 for the JSON it goes into. */
	int opts = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8;

	if (!md)
		len = 0;
	return cmark_markdown_to_html(md ? md : "", len, opts);
}
