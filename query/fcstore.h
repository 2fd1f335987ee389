/* query/fcstore.h — the forms the counting layer (query/fcount.h) reads
 * back from an index, as pure functions over bytes: a Xapian commit's
 * change set (engine_xapian.c, index metadata) and an FTS5 case row's
 * facet value codes (engine_fts5.c, fts_docs.facets). What is read from
 * disk may be damaged: every reader here stops at the given end, never
 * allocates, and reports a malformed input instead of guessing (fuzz
 * target fuzz/fuzz_fcstore.c; tests/test_fcstore.c). docs/search.md "How
 * counts are made" and docs/engine-fts5.md describe both forms. */
#ifndef CASELIB_FCSTORE_H
#define CASELIB_FCSTORE_H

#include <stddef.h>
#include <stdint.h>

struct dbuf;

/* ---- change sets -----------------------------------------------------
 * FCS_DELTA_HEAD + the base revision + "\n", then one line per change:
 * "p <id>\n" (a case put: read its values again), "d <docid>\n" (a
 * document deleted, docid 1..UINT32_MAX), or "all\n" (too many changes:
 * walk every document). */
#define FCS_DELTA_HEAD "caselib fcount delta 1 base "

enum fcs_line {
	FCS_END,   /* no more lines */
	FCS_PUT,   /* *id: the case id, NUL-terminated in place */
	FCS_DEL,   /* *docid */
	FCS_OTHER, /* "all" or a line this code does not know: walk */
	FCS_BAD,   /* a line without its "\n", or a bad docid: walk */
};

/* Appends to v the change set of the commit made on top of revision rev:
 * the head, then "all\n" when all, else lines[0..n) (the "p"/"d" lines).
 * v->err tells a failure (dbuf.h). */
void fcs_delta_text(struct dbuf *v, unsigned long long rev, int all, const char *lines, size_t n);

/* The text after the head of change set v when it names revision rev,
 * else NULL (another revision's set, or not a change set). */
const char *fcs_delta_body(const char *v, unsigned long long rev);

/* Reads the line at *p (a NUL-terminated, writable text: the line's "\n"
 * becomes NUL) and moves *p past it. */
enum fcs_line fcs_delta_line(char **p, const char **id, uint32_t *docid);

/* ---- value codes -----------------------------------------------------
 * A code is an unsigned 32-bit number as LEB128: 7 bits a byte, low bits
 * first, the high bit set on every byte but the last; at most
 * FCS_CODE_BYTES bytes. */
#define FCS_CODE_BYTES 5

/* Writes code at p (FCS_CODE_BYTES free); returns the bytes written. */
size_t fcs_code_put(unsigned char *p, uint32_t code);

/* Reads the code at blob[*pos..len) into *code and moves *pos past it: 1;
 * 0 when the bytes end inside a code or a code is longer than 32 bits
 * (*pos then is unspecified within [*pos, len]). */
int fcs_code_get(const unsigned char *blob, size_t len, size_t *pos, uint32_t *code);

#endif
