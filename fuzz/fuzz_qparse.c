/* fuzz_qparse.c — libFuzzer target: the query syntax parser both engines
 * share (query/qparse.h). Invariants: never fails on syntax (only invalid
 * UTF-8 -> CL_EQUERY at the position qp_utf8_invalid_at gives, over-long
 * text -> CL_EINVAL); at most QP_CLAUSES_MAX clauses, each with non-empty
 * valid UTF-8 text, a position inside the query, known kind and field;
 * npositive counts the clauses that are not negated; an empty result on
 * error; parsing is deterministic. */
#include <stdint.h>
#include <string.h>

#include "fuzzutil.h"
#include "qparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct qp_query q, q2;
	struct cl_errbuf eb = {0};
	int rc, npos = 0;
	long bad;

	qp_init(&q);
	rc = qp_parse(text, size, &q, &eb);
	bad = qp_utf8_invalid_at(text, size);
	if (rc != CL_OK) {
		if (q.n || q.v)
			fz_fail("query not left empty on error %s", cl_strerror(rc));
		if (rc == CL_EINVAL && size > QP_TEXT_MAX)
			return 0;
		if (rc == CL_EQUERY && bad >= 0)
			return 0;
		fz_fail("qp_parse: %s (%s) for %zu bytes, invalid at %ld", cl_strerror(rc), eb.msg,
			size, bad);
	}
	if (size > QP_TEXT_MAX)
		fz_fail("qp_parse accepted %zu bytes (max %d)", size, QP_TEXT_MAX);
	if (bad >= 0)
		fz_fail("qp_parse accepted invalid UTF-8 at byte %ld", bad);
	if (q.n > QP_CLAUSES_MAX)
		fz_fail("%zu clauses (max %d)", q.n, QP_CLAUSES_MAX);
	for (size_t i = 0; i < q.n; i++) {
		const struct qp_clause *c = &q.v[i];

		if (!c->text || !c->text[0])
			fz_fail("clause %zu has no text", i);
		if (qp_utf8_invalid_at(c->text, strlen(c->text)) >= 0)
			fz_fail("clause %zu text is not valid UTF-8", i);
		if (c->pos >= size)
			fz_fail("clause %zu at %zu, past the end (%zu)", i, c->pos, size);
		if (c->kind != QP_WORD && c->kind != QP_PHRASE && c->kind != QP_PREFIX)
			fz_fail("clause %zu has kind %d", i, (int)c->kind);
		if (c->field != QP_ANY && c->field != QP_TITLE && c->field != QP_BUYER &&
		    c->field != QP_BODY)
			fz_fail("clause %zu has field %d", i, (int)c->field);
		if (!c->negated)
			npos++;
	}
	if (npos != q.npositive)
		fz_fail("npositive %d, counted %d", q.npositive, npos);
	/* deterministic */
	qp_init(&q2);
	if (qp_parse(text, size, &q2, &eb) != CL_OK || q2.n != q.n)
		fz_fail("second parse differs");
	for (size_t i = 0; i < q.n; i++)
		if (strcmp(q.v[i].text, q2.v[i].text) || q.v[i].kind != q2.v[i].kind ||
		    q.v[i].pos != q2.v[i].pos)
			fz_fail("second parse differs at clause %zu", i);
	qp_release(&q);
	qp_release(&q2);
	return 0;
}
