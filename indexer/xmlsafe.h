/* xmlsafe.h — the one place that configures libxml2: parsing untrusted XML
 * (procurement notices fetched from the network) into a tree with every
 * dangerous feature off, and the small tree helpers the XML parsers share.
 *
 * What xmlsafe_parse() guarantees (docs/sources-xml.md, "Security"):
 * - no network and no file access: the parser never loads a DTD, an
 *   external entity or an XInclude (XML_PARSE_NONET; XML_PARSE_NOENT,
 *   XML_PARSE_DTDLOAD, XML_PARSE_DTDVALID and XML_PARSE_XINCLUDE are never
 *   set, and the parser context's entity resolver refuses everything);
 * - a document whose DOCTYPE declares any entity (general or parameter,
 *   internal or external) or names an external DTD is rejected as soon as
 *   the declaration is read, before any entity can be expanded: no
 *   "billion laughs", no XXE;
 * - XML_PARSE_HUGE is never set, so libxml2's own limits on text node
 *   size and name length stay in force;
 * - input larger than XMLSAFE_MAX_BYTES and elements nested deeper than
 *   XMLSAFE_MAX_DEPTH are rejected;
 * - malformed XML is rejected (no recovery mode), with libxml2's first
 *   message, its line and column, in the error buffer. Nothing is ever
 *   printed to stderr: libxml2's error callbacks are replaced for the call
 *   (per parser context, and per thread for the generic handlers).
 *
 * Thread-safe: every call has its own parser context; libxml2 is
 * initialised once (pthread_once). */
#ifndef XMLSAFE_H
#define XMLSAFE_H

#include <stddef.h>

#include <libxml/tree.h>

#include "cl_err.h"

#define XMLSAFE_MAX_BYTES (20u * 1024u * 1024u) /* 20 MiB: the largest real TED
						   notice is 2.8 MB */
#define XMLSAFE_MAX_DEPTH 64 /* eForms notices nest about 12 deep, TED XML 10 */

/* Parses len bytes of data (need not be NUL-terminated) as one XML
 * document. what names the payload in messages ("eforms", "ted-xml").
 * On CL_OK *doc gets the tree (caller frees it with xmlFreeDoc). Errors,
 * with "WHAT: reason" in eb:
 *   CL_EPARSE   empty input, not XML, malformed or truncated XML, a
 *               DOCTYPE that declares entities or loads an external DTD,
 *               nesting deeper than XMLSAFE_MAX_DEPTH;
 *   CL_ETOOBIG  more than XMLSAFE_MAX_BYTES;
 *   CL_ENOMEM. */
int xmlsafe_parse(const char *data, size_t len, const char *what, xmlDocPtr *doc,
		  struct cl_errbuf *eb);

/* ---- tree helpers (all accept NULL and then return NULL / 0) ------------ */

/* 1 if node is an element with local name `name` in namespace `ns`
 * (ns NULL: any namespace or none). */
int xmlsafe_is(const xmlNode *node, const char *ns, const char *name);

/* The first child element of parent matching (ns, name) as xmlsafe_is,
 * or NULL. */
xmlNode *xmlsafe_child(const xmlNode *parent, const char *ns, const char *name);

/* The next sibling element after node matching (ns, name), or NULL. */
xmlNode *xmlsafe_next(const xmlNode *node, const char *ns, const char *name);

/* The first element child of parent, of any name, or NULL. */
xmlNode *xmlsafe_first_element(const xmlNode *parent);

/* The next sibling element of node, of any name, or NULL. */
xmlNode *xmlsafe_next_element(const xmlNode *node);

/* Follows a path of child elements in one namespace: "A/B/C" (names
 * separated by '/'; each step takes the first match). NULL if a step is
 * missing or the path is empty. */
xmlNode *xmlsafe_path(const xmlNode *from, const char *ns, const char *path);

/* Value of attribute `name` (no namespace) as a borrowed pointer into the
 * tree, or NULL when absent. Attribute values of these formats are plain
 * text nodes, so this is what libxml2 stored. */
const char *xmlsafe_attr(const xmlNode *node, const char *name);

/* The text of node and its descendants, concatenated (CDATA included,
 * comments and processing instructions skipped); a line end is put after
 * every descendant element named P (TED XML's paragraph), so that
 * <P>a</P><P>b</P> reads "a\nb\n". New string (caller frees) or NULL
 * when out of memory; "" for an empty or NULL node. */
char *xmlsafe_text(const xmlNode *node);

/* The text of node cleaned to one line (parse_clean_line, at most max_cp
 * code points; 0: no limit), or as paragraphs (parse_clean_text). NULL when
 * node is NULL or the text is empty, and on ENOMEM, which sets *oom.
 * Caller frees. */
char *xmlsafe_line_of(const xmlNode *node, size_t max_cp, int *oom);
char *xmlsafe_text_of(const xmlNode *node, int *oom);

/* The first text (or CDATA) child of node, without leading and trailing
 * ASCII spaces, tabs and line ends, copied into out (cap bytes, cap > 0;
 * longer values are cut). For codes, ids, numbers and dates. Returns out,
 * "" when node is NULL or has no text. */
const char *xmlsafe_code(const xmlNode *node, char *out, size_t cap);

/* The text of node (as xmlsafe_code) as a non-negative decimal number:
 * digits, optionally a '.' and more digits ("2000000.00"), read the same
 * whatever the locale. 1 and *value set, or 0 when it is no such number
 * (empty, signs, exponents, commas, "inf", more than 30 characters). */
int xmlsafe_decimal(const xmlNode *node, double *value);

/* A money amount: the text of node as xmlsafe_decimal reads it into
 * *amount, and its attribute attr, three upper-case letters, into cur. 1
 * when both are there, else 0 (node may be NULL). */
int xmlsafe_amount(const xmlNode *node, const char *attr, double *amount, char cur[4]);

/* Line of node in the source (1-based), 0 when unknown. */
long xmlsafe_line(const xmlNode *node);

#endif
