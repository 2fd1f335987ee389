/* strset.c — a set of strings over one arena (see strset.h). */
#include "strset.h"

#include <stdlib.h>
#include <string.h>

#include "cl_err.h"

uint32_t strset_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

int strset_has(const struct strset *set, const char *s, size_t len)
{
	size_t mask, i;

	if (!set->nslots)
		return 0;
	mask = set->nslots - 1;
	for (i = strset_hash(s, len) & mask;; i = (i + 1) & mask) {
		uint32_t v = set->slots[i];
		const char *e;
		if (!v)
			return 0;
		e = set->arena + v - 1;
		if (memcmp(e, s, len) == 0 && e[len] == '\0')
			return 1;
	}
}

static int strset_grow(struct strset *set)
{
	size_t n = set->nslots ? set->nslots * 2 : 1024;
	uint32_t *slots = calloc(n, sizeof *slots);

	if (!slots)
		return CL_ENOMEM;
	for (size_t i = 0; i < set->nslots; i++) {
		uint32_t v = set->slots[i];
		const char *e;
		size_t j;
		if (!v)
			continue;
		e = set->arena + v - 1;
		for (j = strset_hash(e, strlen(e)) & (n - 1); slots[j]; j = (j + 1) & (n - 1))
			;
		slots[j] = v;
	}
	free(set->slots);
	set->slots = slots;
	set->nslots = n;
	return CL_OK;
}

int strset_add(struct strset *set, const char *s, size_t len)
{
	size_t i, mask;

	if (strset_has(set, s, len))
		return CL_OK;
	if ((set->count + 1) * 2 > set->nslots && strset_grow(set) != CL_OK)
		return CL_ENOMEM;
	if (set->alen + len + 1 > set->acap) {
		size_t cap = set->acap ? set->acap * 2 : 65536;
		char *a;
		while (cap < set->alen + len + 1)
			cap *= 2;
		if (cap > UINT32_MAX)
			return CL_ETOOBIG;
		a = realloc(set->arena, cap);
		if (!a)
			return CL_ENOMEM;
		set->arena = a;
		set->acap = cap;
	}
	memcpy(set->arena + set->alen, s, len);
	set->arena[set->alen + len] = '\0';
	mask = set->nslots - 1;
	for (i = strset_hash(s, len) & mask; set->slots[i]; i = (i + 1) & mask)
		;
	set->slots[i] = (uint32_t)(set->alen + 1);
	set->alen += len + 1;
	set->count++;
	return CL_OK;
}

void strset_release(struct strset *set)
{
	if (!set)
		return;
	free(set->arena);
	free(set->slots);
	memset(set, 0, sizeof *set);
}

size_t strset_bytes(const struct strset *set)
{
	return set->acap + set->nslots * sizeof(uint32_t);
}

