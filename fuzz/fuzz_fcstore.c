/* fuzz_fcstore.c — libFuzzer target: what the counting layer reads back
 * from an index (query/fcstore.h), from bytes a damaged disk could hold.
 * The first byte chooses the form: even, a Xapian change set (the rest as
 * text, read as the set of revision 42); odd, an FTS5 row's value codes.
 * Invariants: no read past the input (ASan), every line or code consumes
 * input until the end (no endless loop); a put names a non-empty id
 * without a newline; a deleted docid is 1..UINT32_MAX; every code read
 * writes back to the same bytes (LEB128 has one shortest form, and a
 * longer one is accepted only as written: then the rewrite is shorter). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcstore.h"
#include "fuzzutil.h"

static void change_set(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *p;
	const char *id = NULL;
	uint32_t docid = 0;
	enum fcs_line kind;
	size_t lines = 0;

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	p = fcs_delta_body(text, 42);
	if (!p) {
		free(text);
		return;
	}
	if (p < text || p > text + strlen(text))
		fz_fail("the body starts outside the text");
	while ((kind = fcs_delta_line(&p, &id, &docid)) != FCS_END) {
		if (++lines > size + 1)
			fz_fail("more lines than bytes: the reader does not move on");
		if (p < text || p > text + size)
			fz_fail("the reader moved outside the text");
		if (kind == FCS_PUT && (!id || !*id || strchr(id, '\n')))
			fz_fail("a put without an id, or with a newline in it");
		if (kind == FCS_DEL && docid == 0)
			fz_fail("a deleted docid 0");
		if (kind != FCS_PUT && kind != FCS_DEL && kind != FCS_OTHER && kind != FCS_BAD)
			fz_fail("an unknown line kind %d", (int)kind);
	}
	free(text);
}

static void codes(const uint8_t *data, size_t size)
{
	size_t pos = 0, last;
	uint32_t code;

	while (pos < size) {
		unsigned char back[FCS_CODE_BYTES];
		size_t n;
		last = pos;
		if (!fcs_code_get(data, size, &pos, &code)) {
			if (pos > size)
				fz_fail("read past the end: %zu of %zu", pos, size);
			return;
		}
		if (pos <= last || pos - last > FCS_CODE_BYTES)
			fz_fail("a code of %zu bytes", pos - last);
		n = fcs_code_put(back, code);
		if (n > pos - last || (n == pos - last && memcmp(back, data + last, n)))
			fz_fail("code %u does not write back as read", (unsigned)code);
		{ /* what is written reads back as the same code */
			size_t bpos = 0;
			uint32_t again = 0;
			if (!fcs_code_get(back, n, &bpos, &again) || bpos != n || again != code)
				fz_fail("code %u written does not read back", (unsigned)code);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		change_set(data + 1, size - 1);
	else
		codes(data + 1, size - 1);
	return 0;
}
