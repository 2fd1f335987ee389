/* taxonomy.c — parses the facet vocabularies (corpus/taxonomies.tsv, compiled
 * in as text by tools/embed.c) into per-facet tables, once, and answers
 * lookups by binary search over a per-facet index sorted by code.
 *
 * Tables live in one heap block set (struct tax_tables) that is built
 * completely before it replaces the current one, so a malformed text never
 * leaves half a table behind. A replaced set is retired, not freed, so that
 * entries handed out stay valid for the life of the process as taxonomy.h
 * promises (only tests replace tables, so the retired list stays short). */
#include "taxonomy.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Generated from corpus/taxonomies.tsv (build/gen/taxonomy_data.c). */
extern const char tax_builtin_tsv[];
extern const unsigned long tax_builtin_tsv_len;

#define TAX_HEADER "facet\tcode\tlabel_sv\tlabel_en"
#define TAX_NCOLS 4
#define TAX_MAX_TEXT (1u << 24) /* 16 MiB: far above any real table */

static const char *const facet_names[TAX_NFACETS] = {
#define TAX_XX(id, name) name,
	TAX_FACET_MAP(TAX_XX)
#undef TAX_XX
};

/* One parsed table set. entries[off[f] .. off[f]+n[f]) are facet f's entries
 * in file order; sorted[] is the same ranges ordered by code; line[i] is the
 * source line of entries[i] (for error messages). All strings point into
 * buf. */
struct tax_tables {
	char *buf;
	struct tax_entry *entries;
	const struct tax_entry **sorted;
	int *line;
	size_t off[TAX_NFACETS];
	size_t n[TAX_NFACETS];
	struct tax_tables *retired_next; /* list of replaced sets */
};

static struct tax_tables *cur;      /* NULL until a load succeeded */
static struct tax_tables *retired;  /* replaced by tax_load_text, kept */
static int builtin_rc = CL_OK;      /* result of the one built-in load */
static struct cl_errbuf builtin_eb; /* its detail */
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

/* A row while parsing, before grouping by facet. */
struct tax_row {
	int facet;
	int line;
	struct tax_entry e;
};

static void tables_free(struct tax_tables *t)
{
	if (!t)
		return;
	free(t->buf);
	free(t->entries);
	free(t->sorted);
	free(t->line);
	free(t);
}

/* Checks one field: non-empty, valid UTF-8, no control characters, no
 * leading or trailing space. Codes are further limited to [a-z0-9_-], as
 * they appear in URLs, query syntax and index terms. */
static int check_field(const char *s, int is_code, int lineno, const char *what,
		       struct cl_errbuf *eb)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k;

	if (n == 0)
		return cl_fail(eb, CL_ECORRUPT, "taxonomy line %d: empty %s", lineno, what);
	if (s[0] == ' ' || s[n - 1] == ' ')
		return cl_fail(eb, CL_ECORRUPT,
			       "taxonomy line %d: %s has leading or trailing space", lineno,
			       what);
	while (i < n) {
		if (is_code) {
			unsigned char c = p[i];
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			      c == '_'))
				return cl_fail(eb, CL_ECORRUPT,
					       "taxonomy line %d: code \"%s\" may contain only "
					       "a-z, 0-9, - and _",
					       lineno, s);
			i++;
			continue;
		}
		if (p[i] < 0x20 || p[i] == 0x7F)
			return cl_fail(eb, CL_ECORRUPT,
				       "taxonomy line %d: control character in %s", lineno, what);
		k = utf8_decode(s + i, n - i, NULL);
		if (k == 0)
			return cl_fail(eb, CL_ECORRUPT, "taxonomy line %d: invalid UTF-8 in %s",
				       lineno, what);
		i += k;
	}
	return CL_OK;
}

static int cmp_entry_ptr(const void *a, const void *b)
{
	const struct tax_entry *const *x = a;
	const struct tax_entry *const *y = b;
	return strcmp((*x)->code, (*y)->code);
}

/* Parses tsv into a new table set (*out, caller frees with tables_free).
 * Line numbers in messages count from 1 and include comments. */
static int tables_parse(const char *tsv, size_t len, int require_all,
			struct tax_tables **out, struct cl_errbuf *eb)
{
	struct tax_tables *t = NULL;
	struct tax_row *rows = NULL;
	size_t nrows = 0, maxrows = 1, i, f, pos[TAX_NFACETS];
	int rc = CL_OK, lineno = 0, seen_header = 0;
	char *p, *end;

	*out = NULL;
	if (!tsv && len > 0)
		return cl_fail(eb, CL_EINVAL, "taxonomy: NULL text");
	if (len > TAX_MAX_TEXT)
		return cl_fail(eb, CL_ETOOBIG, "taxonomy: text of %zu bytes exceeds %u",
			       len, TAX_MAX_TEXT);
	if (len > 0 && memchr(tsv, '\0', len))
		return cl_fail(eb, CL_ECORRUPT, "taxonomy: NUL byte in text");
	for (i = 0; i < len; i++)
		maxrows += tsv[i] == '\n';

	t = calloc(1, sizeof *t);
	rows = calloc(maxrows, sizeof *rows);
	if (!t || !rows || !(t->buf = malloc(len + 1))) {
		rc = cl_fail(eb, CL_ENOMEM, "taxonomy: out of memory");
		goto out;
	}
	if (len > 0)
		memcpy(t->buf, tsv, len);
	t->buf[len] = '\0';

	for (p = t->buf, end = t->buf + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *fields[TAX_NCOLS + 1];
		size_t nf = 0, fl;
		char *q;
		int fac;

		lineno++;
		if (nl)
			*nl = '\0';
		fl = strlen(p);
		if (fl > 0 && p[fl - 1] == '\r')
			p[--fl] = '\0';
		q = p;
		p = nl ? nl + 1 : end;
		if (fl == 0 || q[0] == '#')
			continue;
		if (!seen_header) {
			if (strcmp(q, TAX_HEADER) != 0) {
				rc = cl_fail(eb, CL_ECORRUPT,
					     "taxonomy line %d: expected header \"facet<TAB>code<TAB>"
					     "label_sv<TAB>label_en\"",
					     lineno);
				goto out;
			}
			seen_header = 1;
			continue;
		}
		/* Split on tabs, counting every column even beyond the fourth. */
		for (;;) {
			char *tab = strchr(q, '\t');
			if (nf < TAX_NCOLS + 1)
				fields[nf] = q;
			nf++;
			if (!tab)
				break;
			*tab = '\0';
			q = tab + 1;
		}
		if (nf != TAX_NCOLS) {
			rc = cl_fail(eb, CL_ECORRUPT,
				     "taxonomy line %d: %zu columns, expected %d", lineno, nf,
				     TAX_NCOLS);
			goto out;
		}
		if ((rc = check_field(fields[0], 0, lineno, "facet", eb)) != CL_OK)
			goto out;
		fac = tax_facet_from_name(fields[0]);
		if (fac < 0) {
			rc = cl_fail(eb, CL_ECORRUPT, "taxonomy line %d: unknown facet \"%s\"",
				     lineno, fields[0]);
			goto out;
		}
		if ((rc = check_field(fields[1], 1, lineno, "code", eb)) != CL_OK ||
		    (rc = check_field(fields[2], 0, lineno, "label_sv", eb)) != CL_OK ||
		    (rc = check_field(fields[3], 0, lineno, "label_en", eb)) != CL_OK)
			goto out;
		rows[nrows].facet = fac;
		rows[nrows].line = lineno;
		rows[nrows].e.code = fields[1];
		rows[nrows].e.label_sv = fields[2];
		rows[nrows].e.label_en = fields[3];
		nrows++;
	}
	if (!seen_header) {
		rc = cl_fail(eb, CL_ECORRUPT, "taxonomy line %d: missing header line",
			     lineno + 1);
		goto out;
	}

	/* Group by facet, keeping file order within each facet. */
	t->entries = calloc(nrows ? nrows : 1, sizeof *t->entries);
	t->sorted = calloc(nrows ? nrows : 1, sizeof *t->sorted);
	t->line = calloc(nrows ? nrows : 1, sizeof *t->line);
	if (!t->entries || !t->sorted || !t->line) {
		rc = cl_fail(eb, CL_ENOMEM, "taxonomy: out of memory");
		goto out;
	}
	for (i = 0; i < nrows; i++)
		t->n[rows[i].facet]++;
	for (f = 0; f < TAX_NFACETS; f++) {
		t->off[f] = f ? t->off[f - 1] + t->n[f - 1] : 0;
		pos[f] = t->off[f];
	}
	for (i = 0; i < nrows; i++) {
		size_t k = pos[rows[i].facet]++;
		t->entries[k] = rows[i].e;
		t->line[k] = rows[i].line;
		t->sorted[k] = &t->entries[k];
	}

	/* Sort each facet's index by code; equal neighbours are duplicates. */
	for (f = 0; f < TAX_NFACETS; f++) {
		const struct tax_entry **s = t->sorted + t->off[f];

		if (require_all && t->n[f] == 0) {
			rc = cl_fail(eb, CL_ECORRUPT, "taxonomy: facet \"%s\" has no entries",
				     facet_names[f]);
			goto out;
		}
		if (t->n[f] > 1)
			qsort(s, t->n[f], sizeof *s, cmp_entry_ptr);
		for (i = 1; i < t->n[f]; i++) {
			if (strcmp(s[i - 1]->code, s[i]->code) == 0) {
				int la = t->line[s[i - 1] - t->entries];
				int lb = t->line[s[i] - t->entries];
				rc = cl_fail(eb, CL_ECORRUPT,
					     "taxonomy line %d: duplicate code \"%s\" in facet "
					     "\"%s\" (first on line %d)",
					     la > lb ? la : lb, s[i]->code, facet_names[f],
					     la < lb ? la : lb);
				goto out;
			}
		}
	}
	*out = t;
	t = NULL;
out:
	free(rows);
	tables_free(t);
	return rc;
}

static void load_builtin(void)
{
	struct tax_tables *t = NULL;

	builtin_rc = tables_parse(tax_builtin_tsv, (size_t)tax_builtin_tsv_len, 1, &t,
				  &builtin_eb);
	if (builtin_rc == CL_OK)
		cur = t;
}

int tax_load(struct cl_errbuf *eb)
{
	pthread_once(&builtin_once, load_builtin);
	if (builtin_rc != CL_OK)
		return cl_fail(eb, builtin_rc, "%s", builtin_eb.msg);
	return CL_OK;
}

int tax_load_text(const char *tsv, size_t len, struct cl_errbuf *eb)
{
	struct tax_tables *t = NULL;
	int rc;

	/* Run the built-in load first so it cannot later overwrite this one. */
	pthread_once(&builtin_once, load_builtin);
	rc = tables_parse(tsv, len, 0, &t, eb);
	if (rc != CL_OK)
		return rc;
	if (cur) {
		cur->retired_next = retired;
		retired = cur;
	}
	cur = t;
	return CL_OK;
}

const char *tax_facet_name(enum tax_facet f)
{
	if ((int)f < 0 || (int)f >= TAX_NFACETS)
		return NULL;
	return facet_names[f];
}

int tax_facet_from_name(const char *name)
{
	int f;

	if (!name)
		return -1;
	for (f = 0; f < TAX_NFACETS; f++)
		if (strcmp(name, facet_names[f]) == 0)
			return f;
	return -1;
}

const struct tax_entry *tax_lookup(enum tax_facet f, const char *code)
{
	const struct tax_entry **s;
	size_t lo, hi;

	if ((int)f < 0 || (int)f >= TAX_NFACETS || !code)
		return NULL;
	if (tax_load(NULL) != CL_OK || !cur)
		return NULL;
	s = cur->sorted + cur->off[f];
	lo = 0;
	hi = cur->n[f];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(code, s[mid]->code);
		if (c == 0)
			return s[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct tax_entry *tax_entries(enum tax_facet f, size_t *n)
{
	if (n)
		*n = 0;
	if ((int)f < 0 || (int)f >= TAX_NFACETS)
		return NULL;
	if (tax_load(NULL) != CL_OK || !cur)
		return NULL;
	if (n)
		*n = cur->n[f];
	return cur->n[f] ? cur->entries + cur->off[f] : NULL;
}
