/* test_synonyms.c — the synonyms table: it loads, lookups are symmetric
 * and fold case and Unicode forms, unknown expressions give nothing. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "synonyms.h"

static int has(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

Test(synonyms, builtin_table_loads)
{
	struct cl_errbuf eb;
	cr_assert_eq(syn_load(&eb), CL_OK, "%s", eb.msg);
	cr_assert_geq(syn_group_count(), 20);
}

Test(synonyms, required_groups_both_ways)
{
	static const char *const pairs[][2] = {
		{"landsting", "region"},
		{"pcp", "förkommersiell upphandling"},
		{"lou", "lagen om offentlig upphandling"},
		{"förkommersiell upphandling", "pre-commercial procurement"},
	};
	for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
		size_t n;
		const char *const *v = syn_lookup(pairs[i][0], &n);
		cr_assert_not_null(v, "%s", pairs[i][0]);
		cr_assert(has(v, n, pairs[i][1]), "%s -> %s", pairs[i][0], pairs[i][1]);
		cr_assert(!has(v, n, pairs[i][0]), "a member is not its own synonym");
		v = syn_lookup(pairs[i][1], &n);
		cr_assert_not_null(v, "%s", pairs[i][1]);
		cr_assert(has(v, n, pairs[i][0]), "%s -> %s", pairs[i][1], pairs[i][0]);
	}
}

Test(synonyms, fold_case_nfc_and_spaces)
{
	/* "PCP", and "Förkommersiell" with a decomposed ö (o + U+0308) */
	char *a = syn_fold("PCP", 3);
	char *b = syn_fold("  Fo\xcc\x88rkommersiell \t UPPHANDLING ", strlen("  Fo\xcc\x88rkommersiell \t UPPHANDLING "));
	cr_assert_str_eq(a, "pcp");
	cr_assert_str_eq(b, "förkommersiell upphandling");
	size_t n;
	cr_assert_not_null(syn_lookup(b, &n));
	free(a);
	free(b);
	/* å, ä, ö are not folded to a, a, o */
	a = syn_fold("FÖR", 4);
	cr_assert_str_eq(a, "för");
	free(a);
	cr_assert_null(syn_fold("\xff", 1));
}

Test(synonyms, unknown_gives_nothing)
{
	size_t n = 99;
	cr_assert_null(syn_lookup("skolmåltider", &n));
	cr_assert_eq(n, 0);
	cr_assert_null(syn_lookup(NULL, &n));
	cr_assert_null(syn_lookup("", &n));
}
