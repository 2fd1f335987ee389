/* synonyms.c — loads query/synonyms.tsv (compiled in) into a sorted index
 * of member -> group (see synonyms.h). */
#include "synonyms.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

extern const char syn_builtin_tsv[];
extern const unsigned long syn_builtin_tsv_len;

struct member {
	char *text;   /* folded */
	size_t group;
};

struct group {
	char **members; /* folded */
	size_t n;
};

static struct member *members;
static size_t nmembers;
static struct group *groups;
static size_t ngroups;
/* For each member, the array of the *other* members of its group (owned). */
static const char ***others;
static size_t *nothers;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_rc = CL_OK;
static char load_msg[CL_ERRBUF_SIZE];

char *syn_fold(const char *s, size_t len)
{
	utf8proc_uint8_t *out = NULL;
	char *res, *w;
	const char *r;
	int space = 0;

	if (utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &out,
			 UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD) < 0)
		return NULL;
	res = malloc(strlen((char *)out) + 1);
	if (!res) {
		free(out);
		return NULL;
	}
	w = res;
	for (r = (const char *)out; *r; r++) {
		if (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r') {
			space = w != res;
			continue;
		}
		if (space) {
			*w++ = ' ';
			space = 0;
		}
		*w++ = *r;
	}
	*w = '\0';
	free(out);
	return res;
}

static int member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct member *)a)->text, ((const struct member *)b)->text);
}

static void fail(int line, const char *what)
{
	load_rc = CL_ECORRUPT;
	snprintf(load_msg, sizeof load_msg, "synonyms.tsv line %d: %s", line, what);
}

static void load(void)
{
	const char *p = syn_builtin_tsv, *end = syn_builtin_tsv + syn_builtin_tsv_len;
	int line = 0;

	while (p < end && load_rc == CL_OK) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
		struct group g = {0};
		const char *f = p;

		line++;
		if (n && p[n - 1] == '\r')
			n--;
		if (n == 0 || p[0] == '#') {
			p += (eol ? (size_t)(eol - p) + 1 : n);
			continue;
		}
		while (f <= p + n) {
			const char *tab = memchr(f, '\t', (size_t)(p + n - f));
			size_t k = tab ? (size_t)(tab - f) : (size_t)(p + n - f);
			char *m = syn_fold(f, k);
			char **nm;
			if (!m || !*m) {
				free(m);
				fail(line, "empty or invalid member");
				break;
			}
			nm = realloc(g.members, (g.n + 1) * sizeof *nm);
			if (!nm) {
				free(m);
				fail(line, "out of memory");
				break;
			}
			g.members = nm;
			g.members[g.n++] = m;
			if (!tab)
				break;
			f = tab + 1;
		}
		if (load_rc == CL_OK && g.n < 2)
			fail(line, "a group needs at least two members");
		if (load_rc == CL_OK) {
			struct group *ng = realloc(groups, (ngroups + 1) * sizeof *ng);
			if (!ng) {
				fail(line, "out of memory");
			} else {
				groups = ng;
				groups[ngroups++] = g;
			}
		}
		p += eol ? (size_t)(eol - p) + 1 : n;
	}
	if (load_rc != CL_OK)
		return;
	for (size_t i = 0; i < ngroups; i++)
		nmembers += groups[i].n;
	members = calloc(nmembers ? nmembers : 1, sizeof *members);
	others = calloc(nmembers ? nmembers : 1, sizeof *others);
	nothers = calloc(nmembers ? nmembers : 1, sizeof *nothers);
	if (!members || !others || !nothers) {
		fail(0, "out of memory");
		return;
	}
	nmembers = 0;
	for (size_t i = 0; i < ngroups; i++)
		for (size_t k = 0; k < groups[i].n; k++)
			members[nmembers++] = (struct member){groups[i].members[k], i};
	qsort(members, nmembers, sizeof *members, member_cmp);
	for (size_t i = 0; i < nmembers; i++) {
		const struct group *g = &groups[members[i].group];
		if (i && !strcmp(members[i].text, members[i - 1].text)) {
			fail(0, "an expression is in two groups");
			snprintf(load_msg, sizeof load_msg,
				 "synonyms.tsv: '%s' is in two groups", members[i].text);
			return;
		}
		others[i] = calloc(g->n, sizeof *others[i]);
		if (!others[i]) {
			fail(0, "out of memory");
			return;
		}
		for (size_t k = 0; k < g->n; k++)
			if (strcmp(g->members[k], members[i].text))
				others[i][nothers[i]++] = g->members[k];
	}
}

int syn_load(struct cl_errbuf *eb)
{
	pthread_once(&once, load);
	if (load_rc != CL_OK)
		return cl_fail(eb, load_rc, "%s", load_msg);
	return CL_OK;
}

const char *const *syn_lookup(const char *folded, size_t *n)
{
	size_t lo = 0, hi;

	*n = 0;
	if (syn_load(NULL) != CL_OK || !folded)
		return NULL;
	hi = nmembers;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(folded, members[mid].text);
		if (c == 0) {
			*n = nothers[mid];
			return others[mid];
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

size_t syn_group_count(void)
{
	syn_load(NULL);
	return ngroups;
}
