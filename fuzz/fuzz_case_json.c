/* fuzz_case_json.c — libFuzzer target: the case JSON validator
 * (corpus/case.h: case_parse, with and without CASE_ID_OPTIONAL) and the
 * "case-json" harvest parser over the same bytes. A record that validates
 * must come back unchanged through case_to_string -> case_parse (the
 * canonical text is a fixed point); a validation failure must name at
 * least one problem with a JSON path starting at "$". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "fuzzutil.h"

static void one(const char *data, size_t size, unsigned flags)
{
	struct case_record c, back;
	struct case_problems probs;
	char *text, *text2;
	int rc;

	case_init(&c);
	case_problems_init(&probs);
	rc = case_parse(data, size, flags, &c, &probs);
	if (rc == CL_EVALIDATION) {
		if (probs.n == 0)
			fz_fail("validation failed without a problem");
		for (size_t i = 0; i < probs.n; i++)
			if (!probs.v[i].path || probs.v[i].path[0] != '$' || !probs.v[i].reason)
				fz_fail("problem %zu has no JSON path or reason", i);
		if (c.id || c.title)
			fz_fail("record not left empty after a validation failure");
	} else if (rc == CL_OK) {
		if (probs.n)
			fz_fail("valid record with %zu problems", probs.n);
		text = case_to_string(&c, 0);
		if (!text)
			fz_fail("case_to_string failed");
		case_init(&back);
		case_problems_release(&probs);
		if (case_parse(text, strlen(text), flags, &back, &probs) != CL_OK)
			fz_fail("canonical text does not re-parse: %s: %s",
				probs.n ? probs.v[0].path : "?", probs.n ? probs.v[0].reason : "?");
		text2 = case_to_string(&back, 0);
		if (!text2 || strcmp(text, text2) != 0)
			fz_fail("canonical text changes on re-parse:\n%s\n%s", text,
				text2 ? text2 : "(null)");
		free(text);
		free(text2);
		case_release(&back);
	} else if (rc != CL_ENOMEM) {
		fz_fail("case_parse returned %s", cl_strerror(rc));
	}
	case_release(&c);
	case_problems_release(&probs);
}

/* case_parse with and without CASE_ID_OPTIONAL (the parser run is the
 * target's own fz_parse). */
static void both(const char *data, size_t size)
{
	one(data, size, 0);
	one(data, size, CASE_ID_OPTIONAL);
}

FZ_PARSER_TARGET("case-json", both)
