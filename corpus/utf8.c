/* utf8.c — UTF-8 decoding, validation, counting and cutting (see utf8.h). */
#include "utf8.h"

#include <string.h>

size_t utf8_decode(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned c, lo = 0x80, hi = 0xBF;
	size_t len, i;
	uint32_t v;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		if (cp)
			*cp = c;
		return 1;
	}
	/* The second byte's range rules out overlongs (E0, F0), surrogates
	 * (ED) and values above U+10FFFF (F4), as RFC 3629's table does. */
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0F;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		unsigned b = s[i];

		if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF))
			return 0;
		v = (v << 6) | (b & 0x3F);
	}
	if (cp)
		*cp = v;
	return len;
}

size_t utf8_encode(char out[UTF8_MAX], uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return 0;
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	if (cp > 0x10FFFF)
		return 0;
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t utf8_invalid_at(const char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_decode(s + i, n - i, NULL)) == 0)
			return i;
		i += k;
	}
	return n;
}

int utf8_valid(const char *s, size_t n)
{
	return utf8_invalid_at(s, n) == n;
}

size_t utf8_count_n(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += !utf8_is_cont((unsigned char)s[i]);
	return c;
}

size_t utf8_count(const char *s)
{
	return utf8_count_n(s, strlen(s));
}

size_t utf8_offset(const char *s, size_t ncp)
{
	size_t i, cps = 0;

	for (i = 0; s[i]; i++)
		if (!utf8_is_cont((unsigned char)s[i]) && cps++ == ncp)
			break;
	return i;
}

size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && utf8_is_cont((unsigned char)s[max]))
		max--;
	return max;
}
