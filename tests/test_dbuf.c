/* test_dbuf.c — corpus/dbuf.c: appends, the hard cap and its sticky error,
 * and dbuf_take handing the bytes over and leaving the buffer reusable. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cl_err.h"
#include "dbuf.h"

Test(dbuf, appends_grow_and_stay_terminated)
{
	struct dbuf b = DBUF_INIT(0);
	char chunk[100];

	cr_assert_str_eq(dbuf_str(&b), "");
	memset(chunk, 'x', sizeof chunk);
	for (int i = 0; i < 50; i++)
		dbuf_add(&b, chunk, sizeof chunk);
	dbuf_puts(&b, "end");
	cr_assert_eq(b.err, 0);
	cr_assert_eq(b.n, 5003);
	cr_assert_eq(strlen(dbuf_str(&b)), 5003);
	cr_assert_str_eq(dbuf_str(&b) + 5000, "end");
	dbuf_release(&b);
	cr_assert_null(b.p);
	dbuf_release(NULL);
}

Test(dbuf, cap_is_a_sticky_error)
{
	struct dbuf b;

	dbuf_init(&b, 8);
	dbuf_puts(&b, "1234567"); /* 7 bytes + NUL fit in 8 */
	cr_assert_eq(b.err, 0);
	dbuf_puts(&b, "8");
	cr_assert_eq(b.err, CL_ETOOBIG);
	dbuf_release(&b);
	cr_assert_eq(b.max, 8, "release keeps the cap");
	cr_assert_eq(b.err, 0);
	dbuf_puts(&b, "ab");
	cr_assert_str_eq(dbuf_str(&b), "ab");
	dbuf_add(&b, "x", (size_t)-1); /* a length that would overflow */
	cr_assert_eq(b.err, CL_ETOOBIG);
	dbuf_puts(&b, "c");
	cr_assert_str_eq(dbuf_str(&b), "ab", "appends after an error are no-ops");
	dbuf_release(&b);
}

Test(dbuf, take_hands_over_and_leaves_it_empty)
{
	struct dbuf b = DBUF_INIT(64);
	size_t len = 99;
	char *s;

	cr_assert_null(dbuf_take(&b, &len), "nothing added: NULL");
	cr_assert_eq(len, 0);
	dbuf_add(&b, "", 0);
	s = dbuf_take(&b, &len);
	cr_assert_str_eq(s, "", "an empty append still gives a string");
	free(s);
	dbuf_puts(&b, "hello");
	s = dbuf_take(&b, &len);
	cr_assert_str_eq(s, "hello");
	cr_assert_eq(len, 5);
	cr_assert_null(b.p);
	cr_assert_eq(b.n, 0);
	cr_assert_eq(b.max, 64);
	dbuf_puts(&b, "again");
	cr_assert_str_eq(dbuf_str(&b), "again", "reusable after a take");
	cr_assert_str_eq(s, "hello", "the taken text is the caller's");
	free(s);
	dbuf_release(&b);
}

Test(dbuf, take_after_an_error_is_null_and_clears_it)
{
	struct dbuf b = DBUF_INIT(4);
	size_t len = 99;

	dbuf_puts(&b, "toolong");
	cr_assert_eq(b.err, CL_ETOOBIG);
	cr_assert_null(dbuf_take(&b, &len));
	cr_assert_eq(len, 0);
	cr_assert_eq(b.err, 0);
	dbuf_puts(&b, "ok");
	cr_assert_str_eq(dbuf_str(&b), "ok");
	dbuf_release(&b);
}

Test(dbuf, grow_an_array)
{
	long *v = NULL;
	size_t cap = 0;

	cr_assert_eq(dbuf_grow(&v, &cap, 0, sizeof *v), CL_OK);
	cr_assert_null(v, "nothing needed: nothing allocated");
	for (size_t i = 0; i < 1000; i++) {
		cr_assert_eq(dbuf_grow(&v, &cap, i + 1, sizeof *v), CL_OK);
		cr_assert_geq(cap, i + 1);
		v[i] = (long)i * 3;
	}
	for (size_t i = 0; i < 1000; i++)
		cr_assert_eq(v[i], (long)i * 3, "element %zu kept", i);
	{
		long *before = v;
		size_t cap_before = cap;

		cr_assert_eq(dbuf_grow(&v, &cap, (size_t)-1 / 4, sizeof *v), CL_ENOMEM,
			     "a size that would overflow");
		cr_assert_eq(v, before);
		cr_assert_eq(cap, cap_before);
	}
	free(v);
}
