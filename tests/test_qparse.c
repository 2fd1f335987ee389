/* test_qparse.c — the query syntax: table of inputs and the clauses they
 * give, hostile input, and the snippet escaper shared by the engines. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"
#include "qparse.h"

struct qcase {
	const char *in;
	const char *want; /* clauses as "kind:field:neg:text|..." */
	int rewritten;
};

static const struct qcase qcases[] = {
	{"ramavtal", "w:any:0:ramavtal", 0},
	{"  skolmåltider   ekologisk ", "w:any:0:skolmåltider|w:any:0:ekologisk", 0},
	{"\"förkommersiell upphandling\"", "p:any:0:förkommersiell upphandling", 0},
	{"upphandl*", "x:any:0:upphandl", 0},
	{"upphandl**", "x:any:0:upphandl", 0},
	{"u*", "w:any:0:u", 1},
	{"title:elbussar", "w:title:0:elbussar", 0},
	{"titel:elbussar", "w:title:0:elbussar", 0},
	{"buyer:\"Region Skåne\"", "p:buyer:0:Region Skåne", 0},
	{"köpare:lund", "w:buyer:0:lund", 0},
	{"body:klimat*", "x:body:0:klimat", 0},
	{"vård -tandvård", "w:any:0:vård|w:any:1:tandvård", 0},
	{"-tandvård", "w:any:0:tandvård", 1},
	{"foo:bar", "w:any:0:foo|w:any:0:bar", 1},
	{"\"unterminated phrase", "p:any:0:unterminated phrase", 1},
	{"\"\"", "", 1},
	{"-", "", 1},
	{"*", "", 1},
	{"a\"b c\"", "w:any:0:a|p:any:0:b c", 0},
	{"AND OR NOT", "w:any:0:AND|w:any:0:OR|w:any:0:NOT", 0},
	{"NEAR(a b)", "w:any:0:NEAR(a|w:any:0:b)", 0},
	{"' OR 1=1 --", "w:any:0:'|w:any:0:OR|w:any:0:1=1|w:any:1:-", 0},
	{"title:", "", 1},
	{"", "", 0},
};

static void render(const struct qp_query *q, char *buf, size_t sz)
{
	static const char *const kinds[] = {"w", "p", "x"};
	buf[0] = '\0';
	for (size_t i = 0; i < q->n; i++) {
		char one[256];
		const char *f = qp_field_name(q->v[i].field);
		snprintf(one, sizeof one, "%s%s:%s:%d:%s", i ? "|" : "", kinds[q->v[i].kind],
			 f ? f : "any", q->v[i].negated, q->v[i].text);
		strncat(buf, one, sz - strlen(buf) - 1);
	}
}

Test(qparse, table)
{
	for (size_t i = 0; i < sizeof qcases / sizeof *qcases; i++) {
		struct qp_query q;
		struct cl_errbuf eb;
		char got[1024];

		qp_init(&q);
		cr_assert_eq(qp_parse(qcases[i].in, strlen(qcases[i].in), &q, &eb), CL_OK, "%s",
			     qcases[i].in);
		render(&q, got, sizeof got);
		cr_assert_str_eq(got, qcases[i].want, "query [%s]", qcases[i].in);
		cr_assert_eq(q.rewritten, qcases[i].rewritten, "rewritten flag of [%s]",
			     qcases[i].in);
		qp_release(&q);
	}
}

Test(qparse, positions)
{
	struct qp_query q;
	struct cl_errbuf eb;
	const char *in = "ab title:\"c d\" -e";
	qp_init(&q);
	cr_assert_eq(qp_parse(in, strlen(in), &q, &eb), CL_OK);
	cr_assert_eq(q.n, 3);
	cr_assert_eq(q.v[0].pos, 0);
	cr_assert_eq(q.v[1].pos, 3);
	cr_assert_eq(q.v[2].pos, 15);
	cr_assert_eq(q.npositive, 2);
	qp_release(&q);
}

Test(qparse, invalid_utf8_is_an_error_with_position)
{
	static const char *const bad[] = {
		"ok \xff", "ok \xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "abc\xe2\x82",
	};
	static const long at[] = {3, 3, 0, 0, 0, 3};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct qp_query q;
		struct cl_errbuf eb;
		char want[64];
		qp_init(&q);
		cr_assert_eq(qp_parse(bad[i], strlen(bad[i]), &q, &eb), CL_EQUERY, "case %zu", i);
		snprintf(want, sizeof want, "at byte %ld", at[i]);
		cr_assert(strstr(eb.msg, want), "case %zu: %s", i, eb.msg);
		cr_assert_eq(q.n, 0);
	}
	/* NUL inside the given length */
	{
		struct qp_query q;
		struct cl_errbuf eb;
		qp_init(&q);
		cr_assert_eq(qp_parse("a\0b", 3, &q, &eb), CL_EQUERY);
		cr_assert(strstr(eb.msg, "at byte 1"), "%s", eb.msg);
	}
	cr_assert_eq(qp_utf8_invalid_at("åäö ÅÄÖ é 𝄞", strlen("åäö ÅÄÖ é 𝄞")), -1);
}

Test(qparse, limits)
{
	char *big = malloc(QP_TEXT_MAX + 2);
	struct qp_query q;
	struct cl_errbuf eb;
	memset(big, 'a', QP_TEXT_MAX + 1);
	big[QP_TEXT_MAX + 1] = '\0';
	qp_init(&q);
	cr_assert_eq(qp_parse(big, strlen(big), &q, &eb), CL_EINVAL);
	cr_assert(strstr(eb.msg, "at most 4096"), "%s", eb.msg);
	/* 250 words: the first 200 (QP_CLAUSES_MAX) kept, the cut flagged */
	cr_assert_eq(QP_CLAUSES_MAX, 200);
	for (int i = 0; i < 500; i++)
		big[i] = (i % 2) ? ' ' : 'w';
	big[500] = '\0';
	cr_assert_eq(qp_parse(big, 500, &q, &eb), CL_OK);
	cr_assert_eq(q.n, QP_CLAUSES_MAX);
	cr_assert_eq(q.cut, 1);
	cr_assert_eq(q.rewritten, 0);
	qp_release(&q);
	/* 200 words exactly: no cut */
	big[400] = '\0';
	qp_init(&q);
	cr_assert_eq(qp_parse(big, 400, &q, &eb), CL_OK);
	cr_assert_eq(q.n, 200);
	cr_assert_eq(q.cut, 0);
	qp_release(&q);
	free(big);
}

Test(engine_util, html_snippet_escapes_everything)
{
	char *s = engine_html_snippet("<script>alert('x')</script> & \x01" "upphandling\x02 \"q\"\x03");
	cr_assert_str_eq(s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
			    "<mark>upphandling</mark> &quot;q&quot;");
	free(s);
	s = engine_html_snippet(NULL);
	cr_assert_str_eq(s, "");
	free(s);
}

Test(engine_util, facet_sort_count_then_value)
{
	struct facet_counts fc = {0};
	cr_assert_eq(engine_facet_add(&fc, "la", 2, 5), CL_OK);
	cr_assert_eq(engine_facet_add(&fc, "cga", 3, 9), CL_OK);
	cr_assert_eq(engine_facet_add(&fc, "ra", 2, 5), CL_OK);
	engine_facet_sort(&fc);
	cr_assert_str_eq(fc.v[0].value, "cga");
	cr_assert_str_eq(fc.v[1].value, "la");
	cr_assert_str_eq(fc.v[2].value, "ra");
	for (size_t i = 0; i < fc.n; i++)
		free(fc.v[i].value);
	free(fc.v);
}
