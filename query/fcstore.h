/* query/fcstore.h — the forms the counting layer (query/fcount.h) stores
 * in an index and reads back: a commit's change set (both engines: Xapian
 * index metadata, FTS5 fts_meta) and an FTS5 case row's facet value codes
 * (fts_docs.facets). What is read from disk may be damaged: every reader
 * here is a pure function over bytes that stops at the given end, never
 * allocates, and reports a malformed input instead of guessing (fuzz
 * target fuzz/fuzz_fcstore.c; tests/test_fcstore.c). The writers
 * (fcs_note, fcs_delta_text, fcs_code_put) are the readers' other half. docs/search.md "How
 * counts are made" and docs/engine-fts5.md describe both forms. */
#ifndef CASELIB_FCSTORE_H
#define CASELIB_FCSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "dbuf.h"

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

/* A writer's changes since its last commit, for the commit's change set.
 * A zeroed struct is empty. */
#define FCS_CHANGES_MAX 20000 /* lines in one set; more: "all" */
struct fcs_changes {
	struct dbuf lines; /* the "p"/"d" lines */
	size_t n;          /* how many */
	int all;           /* too many, a line that cannot be written, or a clear */
};

/* Notes a change: kind 'p' (what: a case id or row id) or 'd'. Never
 * fails: what it cannot note makes the set "all". */
void fcs_note(struct fcs_changes *ch, char kind, const char *what);
/* Empties ch (after a commit or a rollback). */
void fcs_changes_reset(struct fcs_changes *ch);

/* Appends to v the change set of ch for the commit made on top of
 * revision rev: the head, then "all\n" or ch's lines. v->err tells a
 * failure (dbuf.h). */
void fcs_delta_text(struct dbuf *v, unsigned long long rev, const struct fcs_changes *ch);

/* The text after the head of change set v when it names revision rev,
 * else NULL (another revision's set, or not a change set). Its lines are
 * then read in place with fcs_delta_line. */
char *fcs_delta_body(char *v, unsigned long long rev);

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
