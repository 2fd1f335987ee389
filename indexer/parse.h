/* parse.h — what the source parsers (indexer/parse_*.c) share: the
 * description of the payload being parsed, the callbacks that receive
 * records and rejects, and small text helpers that turn publisher text
 * into values the case record accepts (one-line titles and names, plain
 * text with paragraphs, truncation at a sentence or word, ids, URLs,
 * dates).
 *
 * Every helper that returns char * returns a new string the caller
 * free()s, or NULL when out of memory. Input must be valid UTF-8 (the CSV
 * reader guarantees it). */
#ifndef PARSE_H
#define PARSE_H

#include <stddef.h>

#include "case.h"
#include "cl_err.h"
#include "dbuf.h"
#include "maptab.h"
#include "taxonomy.h"

/* The payload a parser reads. Strings are borrowed for the call. */
struct parse_src {
	const char *url;          /* base of the per-row source reference; NULL:
				     the format's documented default */
	const char *retrieved_at; /* RFC 3339 UTC, when the payload was fetched */
	const char *sha256;       /* 64 lowercase hex digits of the whole payload,
				     or NULL */
};

/* Where records go. emit gets a record owned by the parser, valid for the
 * call: the parser case_release()s it afterwards, so emit may copy it
 * (case_copy) or move pointers out of it (setting them to NULL). emit
 * returns CL_OK to go on, or a negative code that stops the parse and is
 * returned by it. reject (may be NULL) hears about every row that gives no
 * record: the physical line where the row starts and a one-line reason. */
struct parse_sink {
	int (*emit)(void *ud, struct case_record *c);
	void (*reject)(void *ud, long line, const char *reason);
	void *ud;
};

/* Undoes double-encoded UTF-8 ("voter\u00e2\u20ac\u2122s": UTF-8 bytes
 * read as windows-1252 and encoded again) in s, conservatively: only when
 * s has a non-ASCII character, every character of s maps back to one
 * windows-1252 byte (WHATWG table: the five undefined bytes stand for
 * themselves), those bytes are valid UTF-8, and the result holds no
 * control character and only Latin, punctuation, currency and letterlike
 * characters above ASCII. Real text such as "G\u00f6teborg" does not
 * round-trip and is never touched; neither is a string that mixes real and
 * double-encoded text. Returns the repaired text (caller frees), or NULL
 * when s is left as it is (or out of memory: *enomem is then set; enomem
 * may be NULL). parse_clean_line and parse_clean_text apply it first. */
char *parse_fix_mojibake(const char *s, int *enomem);

/* One-line text: double-encoded UTF-8 repaired (parse_fix_mojibake); NFC;
 * every run of whitespace (any Unicode space, TAB, CR, LF, line and
 * paragraph separators) becomes one space; other control
 * characters and invisible marks (U+200B, U+200E, U+200F, U+202A..U+202E,
 * U+2060, U+FEFF) are dropped; leading and trailing spaces trimmed; then
 * truncated to max_cp code points as parse_truncate() does (max_cp 0: no
 * limit). May return "". */
char *parse_clean_line(const char *s, size_t max_cp);

/* Multi-line plain text: as parse_clean_line, but line ends (CRLF, CR,
 * U+2028, U+2029, VT, FF) become LF, spaces around a LF are dropped, and
 * at most one empty line is kept between paragraphs. No truncation. */
char *parse_clean_text(const char *s);

/* s cut to at most max_cp code points: at the end of the last sentence
 * (". ", "! ", "? ", or a line end) in the second half of the allowed
 * length; otherwise at the last space there, with "…" appended; otherwise
 * at a code point boundary with "…". Unchanged when short enough. */
char *parse_truncate(const char *s, size_t max_cp);

/* A record id: prefix followed by native lower-cased, with every
 * character outside [a-z0-9._-] replaced by '-', cut to CASE_ID_MAX
 * bytes. Writes into out (at least CASE_ID_MAX + 1 bytes). Returns CL_OK,
 * or CL_EINVAL when native is empty. */
int parse_make_id(char *out, const char *prefix, const char *native);

/* The first http or https URL in s (which may hold several, separated by
 * spaces, commas, semicolons or line ends; surrounding spaces including
 * NBSP are ignored): scheme and host lower-case letters, digits, '.', '-'
 * (a port allowed), no spaces or control characters, at most CASE_URL_MAX
 * bytes; non-ASCII characters are percent-encoded. NULL when there is none
 * (or out of memory: *enomem is then set, may be NULL). */
char *parse_first_url(const char *s, int *enomem);

/* Replaces *dst with a copy of s (NULL: with NULL). CL_OK or CL_ENOMEM. */
int parse_set_str(char **dst, const char *s);

/* 1 if s (may be NULL) is a CPV code: 8 digits, optionally "-" and a
 * check digit. */
int parse_is_cpv(const char *s);

/* 1 if s (may be NULL) is a NUTS code as the case record takes it: two
 * upper-case letters and up to three more letters or digits. */
int parse_is_nuts(const char *s);

/* 1 if s is a real calendar date YYYY-MM-DD (years 1900..2199), else 0. */
int parse_is_date(const char *s);

/* Appends a copy of s to l unless already there (or l holds
 * CASE_LIST_MAX items). CL_OK or CL_ENOMEM. */
int parse_list_add(struct strlist *l, const char *s);

/* Adds to c->goals the goals that goal_map (flag_goal.tsv: columns
 * strategic, goal) gives for each of c's strategic codes. CL_OK or
 * CL_ENOMEM. */
int parse_goals_of_strategic(struct case_record *c, const struct maptab *goal_map);

/* Ids seen in one parse, to keep them unique. */
struct parse_ids {
	char **slot;
	size_t cap, n;
};

void parse_ids_init(struct parse_ids *ids);
void parse_ids_release(struct parse_ids *ids);
/* Makes id unique among those claimed so far: if taken, appends "-2",
 * "-3", ... (shortening the base when needed to stay within
 * CASE_ID_MAX) and rewrites id in place (CASE_ID_MAX + 1 bytes). Sets
 * *renamed (may be NULL) to 1 when it did. CL_OK or CL_ENOMEM. */
int parse_ids_claim(struct parse_ids *ids, char *id, int *renamed);

/* Validates c as case_validate_json() does (via case_to_json) and hands
 * it to sink->emit, returning emit's result (CL_OK when it took it).
 * Field-level rejection for harvested records: a value that fails
 * validation is left out (a list item, a member; an object left
 * incomplete goes as a whole) and named, "PATH: reason", in the emitted
 * record's sources[0].dropped. The record is rejected only when what
 * remains is not a case — a problem in id, kind, title, sources or the
 * store's fields: sink->reject then hears "fails validation: PATH: REASON"
 * (and the count of further problems) and CL_EVALIDATION is returned; the
 * caller goes on with the next row. CL_ENOMEM when out of memory. (The
 * case-file parser, `import` and the API reject a whole record instead:
 * a person can fix it.) */
int parse_emit_valid(const struct parse_sink *sink, struct case_record *c, long line);

/* For a parser of one record per payload, after building c (rc: what
 * building returned): when rc is CL_OK, parse_emit_valid, a rejected
 * record counting as read (CL_OK). A stop by the receiver, and running out
 * of memory here or while building, are said in eb ("FORMAT: the receiver
 * stopped the parse (...)", "FORMAT: out of memory"). Returns the result. */
int parse_emit_built(int rc, const struct parse_sink *sink, struct case_record *c, long line,
		     const char *format, struct cl_errbuf *eb);

/* Checks that every cell of column col of t is a code of facet f (or "-"
 * or empty, meaning no code). CL_OK, or CL_ECORRUPT naming the table, line
 * and code; CL_ECORRUPT also when the column is missing. */
int parse_check_codes(const struct maptab *t, const char *col, enum tax_facet f,
		      struct cl_errbuf *eb);

/* A mapping table a parser uses, as a field of the parser's struct of
 * tables (off = offsetof): loaded by name (maptab_load_builtin), its shape
 * checked (ncols columns exactly, or at least min_cols; first,
 * when not NULL, the name of column 0), and up to two of its columns
 * checked against a facet (parse_check_codes; col NULL: none). */
struct parse_map {
	size_t off;
	const char *name;
	size_t ncols, min_cols;
	const char *first;
	struct {
		const char *col;
		enum tax_facet facet;
	} codes[2];
};

/* Loads and checks the tables defs[0..n) into the struct at base (each
 * maptab_init()ed first). CL_OK, the loader's error, CL_ECORRUPT "map
 * tables of FORMAT: unexpected columns", or parse_check_codes's error.
 * parse_maps_release frees them, also after an error. */
int parse_maps_load(void *base, const struct parse_map *defs, size_t n, const char *format,
		    struct cl_errbuf *eb);
void parse_maps_release(void *base, const struct parse_map *defs, size_t n);

/* The checks every parser makes of its caller's arguments: CL_EINVAL
 * ("FORMAT: no retrieved_at given", "FORMAT: no emit callback") when src
 * has no retrieved_at or sink no emit, else CL_OK. */
int parse_check_call(const struct parse_src *src, const struct parse_sink *sink,
		     const char *format, struct cl_errbuf *eb);

/* Tells sink->reject, formatting the reason. */
void parse_reject(const struct parse_sink *sink, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Bodies built from several parts, in a dbuf (its error is sticky and
 * reported by parse_text_take). */
/* Appends s as a paragraph: a blank line before it unless it is the first
 * (NULL or "" is a no-op). */
void parse_text_para(struct dbuf *b, const char *s);
/* Appends a section: the heading made from fmt as a paragraph, then text
 * (may be NULL) as another. *oom set when out of memory. */
void parse_text_section(struct dbuf *b, int *oom, const char *text, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Takes the text out of b (b is left empty), cut to at most max bytes with
 * parse_truncate (at a sentence or word end when it can, "…" appended).
 * NULL when empty; *oom set when out of memory (also in b; when *oom is
 * already set, b is only freed). Caller frees. */
char *parse_text_take(struct dbuf *b, size_t max, int *oom);

struct csvr;

/* The data rows of a CSV source after its header: for each record, a bad
 * CSV record or a wrong field count (nheader) is rejected with its line;
 * otherwise build(ctx, c) fills an initialised record, which is validated
 * and emitted (parse_emit_valid). *rows, *emitted and *rejected are counted
 * up. Returns CL_OK at the end of input, or the fatal error (unreadable
 * CSV, out of memory, a receiver that stopped), prefixed with format. */
int parse_csv_rows(struct csvr *r, size_t nheader, const char *format,
		   const struct parse_sink *sink, int (*build)(void *ctx, struct case_record *c),
		   void *ctx, long *rows, long *emitted, long *rejected, struct cl_errbuf *eb);

#endif
