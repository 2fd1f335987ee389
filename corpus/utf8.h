/* utf8.h — the one set of UTF-8 helpers (RFC 3629) the library shares:
 * decode and encode one code point, find the first invalid byte, count
 * code points, and cut at a character boundary. Valid means what RFC 3629
 * says: shortest form only (no overlongs such as C0 80), no surrogates
 * (U+D800..U+DFFF), nothing above U+10FFFF. NUL is a valid character here;
 * callers that refuse it check for it themselves. */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Most bytes one code point takes. */
#define UTF8_MAX 4

/* 1 when c is a continuation byte (10xxxxxx), i.e. not the start of a
 * character. */
static inline int utf8_is_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* Length (1..4) of the valid sequence at s[0..n), storing its code point in
 * *cp (may be NULL); 0 when n is 0 or the bytes are not a valid, complete
 * sequence (then *cp is left alone). */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Writes the UTF-8 form of cp into out (UTF8_MAX bytes, no NUL) and
 * returns its length; 0 for a surrogate or a value above U+10FFFF. */
size_t utf8_encode(char out[UTF8_MAX], uint32_t cp);

/* Offset of the first byte of s[0..n) that does not start a valid,
 * complete sequence; n when all of it is valid. */
size_t utf8_invalid_at(const char *s, size_t n);

/* 1 when s[0..n) is valid UTF-8, else 0. */
int utf8_valid(const char *s, size_t n);

/* Number of code points in s[0..n) (the bytes that are not continuation
 * bytes; s is assumed valid). */
size_t utf8_count_n(const char *s, size_t n);

/* The same for a NUL-terminated s. */
size_t utf8_count(const char *s);

/* Byte offset just after the first ncp code points of the NUL-terminated
 * s, or strlen(s) when it has fewer. */
size_t utf8_offset(const char *s, size_t ncp);

/* The longest prefix of s[0..len) of at most max bytes that does not end
 * inside a character: len when len <= max, else max moved back to the
 * start of the character it falls in. */
size_t utf8_cut(const char *s, size_t len, size_t max);

#endif
