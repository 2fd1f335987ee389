/* textan.h — the language-aware text analyser: turns UTF-8 text into the
 * terms that the FTS5 engine indexes and that query parsing looks up.
 *
 * Pipeline (docs/text-analysis.md says why each step is as it is):
 *   1. segmentation: a word is a run of letters and digits (Unicode L*, N*)
 *      with combining marks (M*) inside it; an apostrophe between two
 *      letters stays in the word ("company's"); soft hyphens and zero-width
 *      joiners inside a word are dropped; everything else, hyphens
 *      included, separates words ("e-tjänst" -> "e", "tjänst"). "EU:s",
 *      "IT:n" (the Swedish colon inflection of an abbreviation) give "eu",
 *      "it". Invalid UTF-8 and NUL bytes are separators, never errors.
 *   2. normalisation: NFC and full Unicode case folding, diacritics kept
 *      ("FÖR" -> "för", which is never "for").
 *   3. stopwords: our own small lists per language (query/stopwords_*.txt),
 *      compared on the folded word.
 *   4. stemming: Snowball through libstemmer; Swedish is brought to the
 *      Snowball 3 rules (the definite "-et" ending) when libstemmer is older.
 *   5. extra terms at the same position, documents only: the folded word
 *      itself when it differs from its stem (TA_SURFACE), and in Swedish
 *      the heads of a compound (TA_DECOMPOUND: "skolmåltider" -> also
 *      "måltid").
 *
 * A struct ta is used by one thread at a time (libstemmer's stemmers are not
 * thread-safe); open one per thread or per FTS5 tokenizer instance. The
 * decompounding dictionary is shared by all analysers of the process: it is
 * loaded once, on first use, and read-only afterwards. */
#ifndef TEXTAN_H
#define TEXTAN_H

#include <stddef.h>

#include "cl_err.h"

struct ta; /* opaque */

/* Languages. AUTO: documents are stemmed as Swedish or English after a
 * look at their stopwords (ta_detect_lang); a query word gives the terms of
 * both languages (as alternatives at one position). */
enum ta_lang {
	TA_LANG_NONE = 0, /* fold only: no stopwords, no stemming */
	TA_LANG_SV,
	TA_LANG_EN,
	TA_LANG_AUTO,
};

/* Options of an analyser (ta_open). */
#define TA_NO_STOPWORDS 0x01u /* no word is a stopword */
#define TA_NO_STEM      0x02u /* terms are folded words, not stems */
#define TA_DECOMPOUND   0x04u /* Swedish: compound heads as extra terms */
#define TA_SURFACE      0x08u /* documents: the folded word as written, too,
                               * when it differs from its stem (so that an
                               * unstemmed prefix "policy*" finds "policy",
                               * indexed as "polici") */

/* Modes of one ta_tokenize call. Without TA_QUERY the text is a document. */
#define TA_QUERY       0x01u /* query text: never decompounded; AUTO gives
                              * both languages' terms, stopwords of either
                              * language are dropped */
#define TA_PREFIX      0x02u /* with TA_QUERY: the last word is a prefix
                              * (FTS5 "word*"): folded, not stemmed, never a
                              * stopword, flagged TA_TOK_PREFIX */
#define TA_REPORT_STOP 0x04u /* report stopwords (flag TA_TOK_STOP, folded,
                              * not stemmed) instead of dropping them */
#define TA_NO_EXTRA    0x08u /* no colocated terms (decompounding off): for
                              * callers that only need positions and offsets */

/* Flags of a reported token. */
#define TA_TOK_STOP      0x01u /* a stopword (only with TA_REPORT_STOP) */
#define TA_TOK_COLOCATED 0x02u /* same position as the previous token: the
                                * surface form, a compound head, or the other
                                * language's stem of an AUTO query word */
#define TA_TOK_PREFIX    0x04u /* the prefix word of a TA_PREFIX call */

/* Longest word, in code points, that is indexed; longer runs of letters are
 * skipped (they are junk: hashes, base64, run-together tables). */
#define TA_WORD_MAX_CHARS 64

struct ta_token {
	const char *term;   /* NUL-terminated UTF-8; borrowed until the
	                     * callback returns */
	size_t len;         /* bytes of term */
	size_t start, end;  /* byte offsets of the word in the ORIGINAL text:
	                     * text[start..end) */
	unsigned flags;     /* TA_TOK_* */
};

/* Parses "sv", "en", "none" or "auto" (also "swedish", "english").
 * Returns CL_OK and sets *out, or CL_EINVAL. */
int ta_lang_parse(const char *name, enum ta_lang *out);
/* "sv", "en", "none", "auto". */
const char *ta_lang_name(enum ta_lang lang);

/* Opens an analyser for lang (a name ta_lang_parse accepts; NULL = "sv")
 * with TA_NO_STOPWORDS / TA_NO_STEM / TA_DECOMPOUND / TA_SURFACE options. Caller frees
 * with ta_close. CL_EINVAL: unknown language or option; CL_ENOMEM. */
int ta_open(struct ta **out, const char *lang, unsigned flags, struct cl_errbuf *eb);
/* Frees an analyser; NULL is a no-op. */
void ta_close(struct ta *ta);
enum ta_lang ta_language(const struct ta *ta);

/* Tokenizes text[0..len) (need not be NUL-terminated, may hold NUL bytes
 * and invalid UTF-8) and calls cb once per token, in text order; a
 * colocated token follows the token it shares a position with. mode is a
 * mask of TA_QUERY, TA_PREFIX, TA_REPORT_STOP, TA_NO_EXTRA.
 * Returns CL_OK; CL_ENOMEM; or the first non-zero value cb returned, which
 * also ends the tokenization (so a caller may pass its own codes through). */
int ta_tokenize(struct ta *ta, const char *text, size_t len, unsigned mode,
		int (*cb)(void *ud, const struct ta_token *tok), void *ud);

/* The term of one word as ta_tokenize would index it (folded, then stemmed
 * unless TA_NO_STEM; an AUTO analyser stems as Swedish), written to out
 * NUL-terminated. Stopwords are stemmed like any word. Returns the length
 * of the term (>= 0); CL_EINVAL if the folded word is empty or longer than
 * TA_WORD_MAX_CHARS; CL_ETOOBIG if outsz is too small; CL_ENOMEM. */
int ta_stem_word(struct ta *ta, const char *word, size_t len, char *out, size_t outsz);

/* 1 if the folded word is a stopword of the analyser's language(s). */
int ta_is_stopword(const struct ta *ta, const char *folded, size_t len);
/* The built-in stopword list of TA_LANG_SV or TA_LANG_EN (the words of
 * query/stopwords_sv.txt, query/stopwords_en.txt), sorted by strcmp; sets
 * *words (static) and returns the count; 0 and NULL for other languages. */
size_t ta_stopwords(enum ta_lang lang, const char *const **words);

/* Decompounds one word the way documents are (the analyser must be Swedish
 * or AUTO; the word is folded first): writes the stemmed head to out and
 * returns its length; returns 0 (out = "") when the word is not split (too
 * short, no known head, dictionary missing); CL_ETOOBIG; CL_ENOMEM. Does
 * not need TA_DECOMPOUND: tests and diagnostics call it directly. */
int ta_decompound_word(struct ta *ta, const char *word, size_t len, char *out, size_t outsz);

/* 1 when word (folded first) is Swedish as the dictionary knows it: one of
 * its entries, a Swedish stem that an entry starts with plus a common
 * ending ("behöver" -> behöv + a, "väcks" -> väck + a), or a compound-first
 * part followed by an entry, both as written ("skol|mat"); 0 otherwise, and when the dictionary is missing. The
 * analyser must be Swedish or AUTO. Spelling suggestions never rewrite such
 * a word (query/engine.c). */
int ta_dict_knows(struct ta *ta, const char *word, size_t len);

/* NFC + full case folding of in[0..len) into a new NUL-terminated string
 * (caller frees with free()). Invalid UTF-8 sequences and NUL bytes become
 * U+FFFD. *out_len (may be NULL) gets the length. CL_ENOMEM. */
int ta_fold(const char *in, size_t len, char **out, size_t *out_len);

/* Guesses whether text is Swedish or English from its stopwords and from
 * å/ä/ö; returns TA_LANG_SV (also when there is no evidence either way) or
 * TA_LANG_EN. Looks at the first 400 words. */
enum ta_lang ta_detect_lang(const char *text, size_t len);

/* The Swedish decompounding dictionary. It is loaded on first use, once per
 * process, from $CASELIB_SV_DICT or /usr/share/hunspell/sv_SE.dic (Debian
 * package hunspell-sv) and the .aff file beside it. When either is missing,
 * unreadable or without hunspell's compounding flags, decompounding is
 * silently off. ta_decompound_available loads it if not
 * yet loaded and returns 1 when it is usable, 0 when not. */
int ta_decompound_available(void);

struct ta_dict_stats {
	const char *path;   /* the file read (or tried); borrowed, static */
	size_t entries;     /* word-list entries used */
	size_t heads;       /* distinct words that may end a compound */
	size_t mods;        /* distinct forms that may start one */
	size_t bytes;       /* heap bytes held by the two hash sets */
	double load_seconds;
};
/* Loads the dictionary if needed and fills *st. Returns CL_OK, or
 * CL_ENOTFOUND (dictionary unavailable; path is still set). */
int ta_decompound_stats(struct ta_dict_stats *st);

/* Identifies everything that decides which terms a text gives: the rules
 * version (TA_RULES_VERSION), whether libstemmer's Swedish is patched to
 * Snowball 3, and the decompounding dictionary (its counts, or "none").
 * An FTS5 index must be rebuilt when it changes (docs/text-analysis.md,
 * "Operations"): FTS5 re-tokenizes a row to delete it. Loads the
 * dictionary. Writes a NUL-terminated string; CL_OK or CL_ETOOBIG. */
#define TA_RULES_VERSION 1
int ta_fingerprint(char *out, size_t outsz);

#endif
