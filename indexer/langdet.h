/* langdet.h — language detection for records that come without a
 * language: Swedish, English, Finnish, or "other" (a European language we
 * recognise as none of those), from function words and a few letter
 * patterns. Small, deterministic, no model files. Measured accuracy is in
 * docs/harvest.md ("Language detection"). */
#ifndef LANGDET_H
#define LANGDET_H

#include <stddef.h>

enum langdet_lang {
	LANGDET_UNKNOWN = 0, /* too little text to tell */
	LANGDET_SV,
	LANGDET_EN,
	LANGDET_FI,
	LANGDET_OTHER        /* recognisably another language (de, fr, da, ...) */
};

/* Detects the language of text (UTF-8; invalid bytes are separators).
 * Needs at least two function words or letter clues to decide. */
enum langdet_lang langdet_detect(const char *text, size_t len);

/* "sv", "en", "fi" for those, NULL for LANGDET_OTHER and LANGDET_UNKNOWN
 * (a case record's language is an ISO 639-1 code or absent). */
const char *langdet_code(enum langdet_lang l);

#endif
