/* semantics.h — the parts of search that both engines must answer alike,
 * decided once: the date sort key, the similar-case sector bonus, the
 * spelling rule (which words are checked, which candidates qualify, how
 * the best is chosen) and snippets (which text, which words are marked,
 * which window). engine.c and the two engines call these; no engine keeps
 * its own version (docs/search.md, "Decided once"). Private to query/. */
#ifndef SEMANTICS_H
#define SEMANTICS_H

#include <stddef.h>

#include "cl_err.h"
#include "qparse.h"

/* ---- date sort --------------------------------------------------------- */

/* The date a case sorts by: its published date, as YYYYMMDD, when it is
 * exactly YYYY-MM-DD in digits; 0 (undated) otherwise (absent, a year
 * only, a time appended). Undated cases come last in both date orders;
 * ties (and undated cases among themselves) by id ascending. */
long sem_date_key(const char *published);

/* The same key as two strings that sort bytewise: asc "YYYYMMDD", desc
 * with each digit d as 9-d; "~" for undated (after every digit, so last
 * in both orders). For engines that sort by value bytes (Xapian). */
void sem_date_key_strings(const char *published, char asc[16], char desc[16]);

/* ---- similar cases ----------------------------------------------------- */

/* Share of the source case's sectors a candidate gets as a bonus. */
#define SEM_SECTOR_BONUS 0.2

/* A similar-case candidate's final score: score * (1 + 0.2 * shared /
 * nsectors), shared = the source case's sectors the candidate has too,
 * nsectors = the source case's sectors (0: no bonus). So of two equally
 * similar cases the one in more of the same sectors comes first, and a
 * bonus never lifts a candidate by more than 20 %. */
double sem_sector_bonus(double score, size_t shared, size_t nsectors);

/* ---- spelling ---------------------------------------------------------- */

/* A query word is checked for spelling when it is at least 3 code points
 * long and has no digit (codes and numbers are not misspelt words);
 * stopwords and words of negated or prefix clauses are never checked
 * (engine.c). folded: a folded word of len bytes. */
int sem_spell_checked(const char *folded, size_t len);

/* A dictionary word may be suggested when it has no digit and at least 2
 * bytes (and is not a stopword: engine.c checks that). */
int sem_spell_candidate(const char *word);

/* A suggestion goes only towards a word of at least this many cases (the
 * word it replaces has none). 1: a small library (the tests' fixtures) has
 * its words once; a higher floor was not needed on the real corpus. */
#define SEM_SPELL_MIN_DF 1
/* A suggestion is confident (the search then shows its results when the
 * query itself finds nothing) when each rewritten word's best candidate is
 * one edit away and is the only one there or has at least this many times
 * the cases of any other candidate at that distance. */
#define SEM_SPELL_CONFIDENT 10
/* From this many content words (stopwords not counted) a query gets no
 * suggestion: a pasted description of a need is not misspelt words. */
#define SEM_SPELL_MAX_WORDS 5

/* From this many content words (positive one-word clauses, stopwords not
 * counted) a query is ranked any-word at once, not AND first (issue 12
 * point 4: a pasted description of a need); used_or_fallback is set. */
#define SEM_LONG_QUERY_WORDS 5
/* ... with a minimum to match: a case must match at least SEM_MSM_MIN of
 * the query's SEM_MSM_CLAUSES most specific content words (fewest cases,
 * word_df; words no case has are not counted, and there is no rule when
 * only SEM_MSM_MIN have cases), so that a description of a need does not
 * match every case that shares one common word with it. Built from the
 * engines' own operators (Xapian: AND_NOT the cases without "a word and
 * one before it", which xapian-tcpsrv shards run too; FTS5: one set of
 * cases per word). The limit keeps the rule small: with n words it has
 * n - 1 parts. Chosen a priori ("two words in common"), not tuned. */
#define SEM_MSM_MIN 2
#define SEM_MSM_CLAUSES 12

/* Query translation (translate.h): a word's translations are matched as
 * one group beside the word's own forms (a case with the translation but
 * not the word matches the clause), their weight scaled by this factor,
 * so that a case with the user's own word ranks above one that has only a
 * translation. Chosen a priori (half), not tuned on an evaluation set;
 * docs/ranking.md reports 0.3 and 0.8 beside it. */
#ifndef SEM_TRANS_WEIGHT
#define SEM_TRANS_WEIGHT 0.5
#endif

/* A Swedish compound query word also finds the other compounds of its
 * head (and the head alone) with the translations' weight (engine.c
 * add_heads), unless the head is in more than 1/SEM_HEAD_MAX_SHARE of the
 * indexed cases and in more than SEM_HEAD_MIN_DF (tjänst, avtal: too
 * general to say what is sought; a small library keeps its heads). */
#define SEM_HEAD_MAX_SHARE 50
#define SEM_HEAD_MIN_DF 20

/* Partial matches (engine.c add_partial): a query of MIN..MAX positive
 * clauses whose words are all found together in fewer than BELOW cases
 * also lists up to MAX cases matching all words but one. */
#define SEM_PARTIAL_MIN 2
#define SEM_PARTIAL_MAX_WORDS 4
#define SEM_PARTIAL_BELOW 10
#define SEM_PARTIAL_MAX 20

/* Largest edit distance of a suggestion for a word of nchars code points:
 * 1 up to 4 code points, else 2. */
int sem_spell_max_dist(size_t nchars);

/* Optimal string alignment distance (Damerau-Levenshtein with adjacent
 * transpositions) of the UTF-8 words a and b, on code points; max + 1
 * when it is over max or a word is over TA_WORD_MAX_CHARS code points. */
int sem_osa_distance(const char *a, const char *b, int max);

/* Code points of s[0..n). */
size_t sem_cp_count(const char *s, size_t n);

/* ---- snippets ---------------------------------------------------------- */

/* The texts a snippet may come from, in the order they are tried. */
enum sem_text { SEM_SUMMARY, SEM_BODY, SEM_TITLE, SEM_NTEXTS };

struct sem_hl; /* opaque: the words of a query to mark */

/* The words to mark for q: every positive clause's words as the user typed
 * them, with their Swedish and English stems, their synonyms
 * (query/synonyms.h), the compound joined with a neighbour and the
 * translations (qp_clause.join, .trans); a prefix clause marks the words starting with it; a
 * field clause (title:, body:) marks only in its field; negated clauses
 * mark nothing. Never expansion terms (feedback, similar). Caller frees
 * with sem_hl_free. CL_ENOMEM, or an error of the analyser. */
int sem_hl_new(const struct qp_query *q, struct sem_hl **out, struct cl_errbuf *eb);
/* The same for the words of a free-text description (similar_text). */
int sem_hl_new_words(const char *text, struct sem_hl **out, struct cl_errbuf *eb);
void sem_hl_free(struct sem_hl *hl);

/* The HTML snippet of a hit (caller frees): texts[SEM_SUMMARY], [SEM_BODY],
 * [SEM_TITLE] (NULL or "" when absent or not kept). The text is the first
 * of summary, body, title in which hl marks a word; when none has one, the
 * first non-empty. Marked words are matched as FTS5 indexes them (folded,
 * stemmed by the text's language, compound heads, the word as written);
 * hl NULL marks nothing. The window: whitespace collapsed; when the text
 * is longer than maxc code points (0: 200), it starts up to a third of the
 * window before the first mark, at a word start, and ends at a word end,
 * with "…" at a cut end (counted in maxc). Everything HTML-escaped, marks
 * as <mark>...</mark>. NULL on ENOMEM. */
char *sem_snippet(struct sem_hl *hl, const char *const texts[SEM_NTEXTS], size_t maxc);

/* The window alone, of text marked with \x01 ... \x02 (whitespace
 * collapsed, marks kept balanced). Caller frees; NULL on ENOMEM. */
char *sem_window(const char *marked, size_t maxc);

#endif
