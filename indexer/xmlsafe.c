/* xmlsafe.c — libxml2 with every dangerous feature off (see xmlsafe.h).
 *
 * The parse runs through a parser context of its own whose SAX handler
 * block is the default SAX2 one with a few entries replaced: entity and
 * DOCTYPE declarations stop the parse (so nothing is declared, let alone
 * expanded or loaded), external entity resolution refuses, element starts
 * check the depth, and errors go into a buffer instead of stderr. */
#include "xmlsafe.h"

#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "dbuf.h"
#include "parse.h"

/* Options: no network, CDATA merged into text, line numbers beyond 65535.
 * Deliberately absent: XML_PARSE_NOENT (substitutes entities),
 * XML_PARSE_DTDLOAD / DTDATTR / DTDVALID (load the external subset),
 * XML_PARSE_XINCLUDE, XML_PARSE_HUGE (lifts libxml2's limits) and
 * XML_PARSE_RECOVER (accepts broken documents). */
#define XMLSAFE_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES)

/* What one parse saw; hangs off the parser context's _private. */
struct xs_state {
	int failed;     /* a reason of ours is in msg (takes precedence) */
	int have_error; /* libxml2 reported an error: in msg */
	char msg[CL_ERRBUF_SIZE - 64];
};

static pthread_once_t xs_once = PTHREAD_ONCE_INIT;

static void xs_init(void)
{
	xmlInitParser();
}

static struct xs_state *state_of(void *ctx)
{
	xmlParserCtxtPtr ctxt = ctx;

	return ctxt ? ctxt->_private : NULL;
}

/* Stops the parse with our own reason (the first one wins). */
static void xs_stop(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void xs_stop(void *ctx, const char *fmt, ...)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct xs_state *st = state_of(ctx);
	va_list ap;

	if (st && !st->failed) {
		va_start(ap, fmt);
		vsnprintf(st->msg, sizeof st->msg, fmt, ap);
		va_end(ap);
		st->failed = 1;
	}
	ctxt->wellFormed = 0;
	xmlStopParser(ctxt);
}

/* Copies s into out without line ends or other control characters. */
static void one_line(char *out, size_t cap, const char *s)
{
	size_t o = 0;

	for (; s && *s && o + 1 < cap; s++)
		out[o++] = (unsigned char)*s < 0x20 ? ' ' : *s;
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/* Structured error handler for the parser context: keeps the first error
 * (warnings are dropped). Never prints. */
static void xs_serror(void *ctx, xmlErrorPtr err)
{
	struct xs_state *st = state_of(ctx);
	char text[256];

	if (!st || !err || err->level < XML_ERR_ERROR || st->have_error || st->failed)
		return;
	one_line(text, sizeof text, err->message);
	if (err->line > 0)
		snprintf(st->msg, sizeof st->msg, "line %d column %d: %s", err->line, err->int2,
			 text[0] ? text : "malformed XML");
	else
		snprintf(st->msg, sizeof st->msg, "%s", text[0] ? text : "malformed XML");
	st->have_error = 1;
}

/* For the per-thread handlers (errors raised outside the parser domains):
 * the context is the state itself. */
static void xs_thread_serror(void *data, xmlErrorPtr err)
{
	struct xs_state *st = data;
	char text[256];

	if (!st || !err || err->level < XML_ERR_ERROR || st->have_error || st->failed)
		return;
	one_line(text, sizeof text, err->message);
	snprintf(st->msg, sizeof st->msg, "%s", text[0] ? text : "XML error");
	st->have_error = 1;
}

static void xs_generic_quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* ---- SAX overrides -------------------------------------------------------- */

static void xs_internal_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
			       const xmlChar *system_id)
{
	if (external_id || system_id) {
		xs_stop(ctx, "the DOCTYPE refers to an external DTD (%s): not allowed",
			system_id ? (const char *)system_id : (const char *)external_id);
		return;
	}
	xmlSAX2InternalSubset(ctx, name, external_id, system_id);
}

static void xs_external_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
			       const xmlChar *system_id)
{
	(void)name;
	if (external_id || system_id)
		xs_stop(ctx, "the DOCTYPE refers to an external DTD: not allowed");
}

static void xs_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
			   const xmlChar *system_id, xmlChar *content)
{
	(void)type;
	(void)public_id;
	(void)content;
	xs_stop(ctx, "the DOCTYPE declares %s entity \"%.64s\": entity declarations are not allowed",
		system_id ? "an external" : "an", name ? (const char *)name : "");
}

static void xs_unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
				    const xmlChar *system_id, const xmlChar *notation)
{
	(void)public_id;
	(void)system_id;
	(void)notation;
	xs_stop(ctx, "the DOCTYPE declares an external entity \"%.64s\": entity declarations "
		     "are not allowed",
		name ? (const char *)name : "");
}

static xmlParserInputPtr xs_resolve_entity(void *ctx, const xmlChar *public_id,
					   const xmlChar *system_id)
{
	(void)public_id;
	xs_stop(ctx, "the document refers to an external resource (%.128s): not allowed",
		system_id ? (const char *)system_id : "?");
	return NULL;
}

static xmlEntityPtr xs_get_parameter_entity(void *ctx, const xmlChar *name)
{
	xs_stop(ctx, "the DOCTYPE uses parameter entity \"%.64s\": not allowed",
		name ? (const char *)name : "");
	return NULL;
}

static void xs_start_element_ns(void *ctx, const xmlChar *localname, const xmlChar *prefix,
				const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
				int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	xmlParserCtxtPtr ctxt = ctx;

	if (ctxt->nodeNr >= XMLSAFE_MAX_DEPTH) {
		xs_stop(ctx, "elements nested deeper than %d levels (at <%.64s>)", XMLSAFE_MAX_DEPTH,
			(const char *)localname);
		return;
	}
	xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces,
			      nb_attributes, nb_defaulted, attributes);
}

/* 1 if the tree holds a DTD with entity declarations or an external subset
 * (cannot happen with the overrides above; checked anyway). */
static int doc_has_entities(const xmlDoc *doc)
{
	const xmlDtd *dtds[2] = {doc->intSubset, doc->extSubset};

	if (doc->extSubset)
		return 1;
	for (int i = 0; i < 2; i++) {
		const xmlDtd *d = dtds[i];

		if (!d)
			continue;
		if ((d->entities && xmlHashSize(d->entities) > 0) ||
		    (d->pentities && xmlHashSize(d->pentities) > 0) || d->ExternalID ||
		    d->SystemID)
			return 1;
	}
	return 0;
}

int xmlsafe_parse(const char *data, size_t len, const char *what, xmlDocPtr *doc,
		  struct cl_errbuf *eb)
{
	struct xs_state st;
	xmlParserCtxtPtr ctxt = NULL;
	xmlGenericErrorFunc old_generic;
	void *old_generic_ctx;
	xmlStructuredErrorFunc old_structured;
	void *old_structured_ctx;
	int rc = CL_OK, wellformed;

	*doc = NULL;
	if (!what)
		what = "xml";
	if (!data || len == 0)
		return cl_fail(eb, CL_EPARSE, "%s: empty input", what);
	if (len > XMLSAFE_MAX_BYTES)
		return cl_fail(eb, CL_ETOOBIG, "%s: %zu bytes, more than the limit of %u bytes (%u MiB)",
			       what, len, XMLSAFE_MAX_BYTES, XMLSAFE_MAX_BYTES >> 20);
	pthread_once(&xs_once, xs_init);
	memset(&st, 0, sizeof st);

	/* Per-thread handlers: whatever libxml2 reports outside the parser
	 * context during this call goes to st, never to stderr. */
	old_generic = xmlGenericError;
	old_generic_ctx = xmlGenericErrorContext;
	old_structured = xmlStructuredError;
	old_structured_ctx = xmlStructuredErrorContext;
	xmlSetGenericErrorFunc(NULL, xs_generic_quiet);
	xmlSetStructuredErrorFunc(&st, xs_thread_serror);

	ctxt = xmlCreateMemoryParserCtxt(data, (int)len);
	if (!ctxt) {
		rc = cl_fail(eb, CL_ENOMEM, "%s: out of memory", what);
		goto out;
	}
	ctxt->_private = &st;
	ctxt->sax->initialized = XML_SAX2_MAGIC;
	ctxt->sax->serror = xs_serror;
	ctxt->sax->warning = NULL;
	ctxt->sax->internalSubset = xs_internal_subset;
	ctxt->sax->externalSubset = xs_external_subset;
	ctxt->sax->entityDecl = xs_entity_decl;
	ctxt->sax->unparsedEntityDecl = xs_unparsed_entity_decl;
	ctxt->sax->resolveEntity = xs_resolve_entity;
	ctxt->sax->getParameterEntity = xs_get_parameter_entity;
	ctxt->sax->startElementNs = xs_start_element_ns;
	ctxt->vctxt.error = NULL;
	ctxt->vctxt.warning = NULL;
	xmlCtxtUseOptions(ctxt, XMLSAFE_OPTIONS);

	xmlParseDocument(ctxt);
	wellformed = ctxt->wellFormed;
	if (st.failed) {
		rc = cl_fail(eb, CL_EPARSE, "%s: %s", what, st.msg);
	} else if (!wellformed || !ctxt->myDoc) {
		if (ctxt->errNo == XML_ERR_NO_MEMORY)
			rc = cl_fail(eb, CL_ENOMEM, "%s: out of memory", what);
		else
			rc = cl_fail(eb, CL_EPARSE, "%s: not well-formed XML: %s", what,
				     st.have_error ? st.msg : "malformed XML");
	} else if (doc_has_entities(ctxt->myDoc)) {
		rc = cl_fail(eb, CL_EPARSE, "%s: the DOCTYPE declares entities: not allowed", what);
	} else if (!xmlDocGetRootElement(ctxt->myDoc)) {
		rc = cl_fail(eb, CL_EPARSE, "%s: no root element", what);
	}
	if (rc == CL_OK) {
		*doc = ctxt->myDoc;
		ctxt->myDoc = NULL;
	}
out:
	if (ctxt) {
		if (ctxt->myDoc)
			xmlFreeDoc(ctxt->myDoc);
		ctxt->myDoc = NULL;
		ctxt->_private = NULL;
		xmlFreeParserCtxt(ctxt);
	}
	xmlSetStructuredErrorFunc(old_structured_ctx, old_structured);
	xmlSetGenericErrorFunc(old_generic_ctx, old_generic);
	return rc;
}

/* ---- tree helpers --------------------------------------------------------- */

int xmlsafe_is(const xmlNode *node, const char *ns, const char *name)
{
	if (!node || node->type != XML_ELEMENT_NODE || !node->name)
		return 0;
	if (strcmp((const char *)node->name, name) != 0)
		return 0;
	if (!ns)
		return 1;
	return node->ns && node->ns->href && strcmp((const char *)node->ns->href, ns) == 0;
}

/* The first of c and its following siblings that is an element (named
 * name in ns when name is not NULL), or NULL. */
static xmlNode *scan(xmlNode *c, const char *ns, const char *name)
{
	for (; c; c = c->next)
		if (name ? xmlsafe_is(c, ns, name) : c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

xmlNode *xmlsafe_child(const xmlNode *parent, const char *ns, const char *name)
{
	return parent ? scan(parent->children, ns, name) : NULL;
}

xmlNode *xmlsafe_next(const xmlNode *node, const char *ns, const char *name)
{
	return node ? scan(node->next, ns, name) : NULL;
}

xmlNode *xmlsafe_first_element(const xmlNode *parent)
{
	return parent ? scan(parent->children, NULL, NULL) : NULL;
}

xmlNode *xmlsafe_next_element(const xmlNode *node)
{
	return node ? scan(node->next, NULL, NULL) : NULL;
}

xmlNode *xmlsafe_path(const xmlNode *from, const char *ns, const char *path)
{
	xmlNode *cur = NULL;
	const xmlNode *base = from;
	char step[128];

	while (base && *path) {
		size_t n = strcspn(path, "/");

		if (n == 0 || n >= sizeof step)
			return NULL;
		memcpy(step, path, n);
		step[n] = '\0';
		base = cur = xmlsafe_child(base, ns, step);
		path += n;
		if (*path == '/')
			path++;
	}
	return base ? cur : NULL;
}

const char *xmlsafe_attr(const xmlNode *node, const char *name)
{
	if (!node || node->type != XML_ELEMENT_NODE)
		return NULL;
	for (const xmlAttr *a = node->properties; a; a = a->next) {
		if (a->ns || !a->name || strcmp((const char *)a->name, name) != 0)
			continue;
		if (a->children && a->children->type == XML_TEXT_NODE && !a->children->next)
			return a->children->content ? (const char *)a->children->content : "";
		return "";
	}
	return NULL;
}

/* Depth is bounded by XMLSAFE_MAX_DEPTH (the parser refused deeper trees). */
static void text_of(struct dbuf *b, const xmlNode *node)
{
	for (const xmlNode *c = node->children; c; c = c->next) {
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
			dbuf_puts(b, (const char *)c->content);
		else if (c->type == XML_ELEMENT_NODE) {
			text_of(b, c);
			if (c->name && strcmp((const char *)c->name, "P") == 0)
				dbuf_add(b, "\n", 1);
		}
	}
}

char *xmlsafe_text(const xmlNode *node)
{
	struct dbuf b = DBUF_INIT(0);
	char *s;

	if (node)
		text_of(&b, node);
	if (b.err) {
		dbuf_release(&b);
		return NULL;
	}
	s = dbuf_take(&b, NULL);
	return s ? s : strdup("");
}

int xmlsafe_amount(const xmlNode *node, const char *attr, double *amount, char cur[4])
{
	const char *cc = xmlsafe_attr(node, attr);

	if (!node || !cc || strlen(cc) != 3 || !isupper((unsigned char)cc[0]) ||
	    !isupper((unsigned char)cc[1]) || !isupper((unsigned char)cc[2]))
		return 0;
	if (!xmlsafe_decimal(node, amount))
		return 0;
	memcpy(cur, cc, 4);
	return 1;
}

const char *xmlsafe_code(const xmlNode *node, char *out, size_t cap)
{
	const char *s = NULL, *e;
	size_t len;

	out[0] = '\0';
	if (!node)
		return out;
	for (const xmlNode *c = node->children; c; c = c->next)
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
			s = (const char *)c->content;
			break;
		}
	if (!s)
		return out;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		e--;
	len = (size_t)(e - s);
	if (len >= cap)
		len = cap - 1;
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

int xmlsafe_decimal(const xmlNode *node, double *value)
{
	char buf[32];
	double v = 0, scale = 1;
	size_t i = 0, digits = 0;

	xmlsafe_code(node, buf, sizeof buf);
	if (strlen(buf) > 30)
		return 0;
	for (; buf[i] >= '0' && buf[i] <= '9'; i++, digits++)
		v = v * 10 + (buf[i] - '0');
	if (buf[i] == '.')
		for (i++; buf[i] >= '0' && buf[i] <= '9'; i++, digits++) {
			scale /= 10;
			v += (buf[i] - '0') * scale;
		}
	if (buf[i] || digits == 0)
		return 0;
	*value = v;
	return 1;
}

long xmlsafe_line(const xmlNode *node)
{
	long l;

	if (!node)
		return 0;
	l = xmlGetLineNo(node);
	return l > 0 ? l : 0;
}

/* Cleaned text of node through clean(raw, max_cp); see xmlsafe.h. */
static char *cleaned(const xmlNode *n, size_t max_cp, int lines, int *oom)
{
	char *raw, *s;

	if (!n)
		return NULL;
	raw = xmlsafe_text(n);
	if (!raw) {
		*oom = 1;
		return NULL;
	}
	s = lines ? parse_clean_line(raw, max_cp) : parse_clean_text(raw);
	free(raw);
	if (!s) {
		*oom = 1;
	} else if (!*s) {
		free(s);
		s = NULL;
	}
	return s;
}

char *xmlsafe_line_of(const xmlNode *n, size_t max_cp, int *oom)
{
	return cleaned(n, max_cp, 1, oom);
}

char *xmlsafe_text_of(const xmlNode *n, int *oom)
{
	return cleaned(n, 0, 0, oom);
}
