/* translate.h — Swedish <-> English query translation (issue 12 point 1).
 *
 * A bilingual lexicon compiled in from three kinds of data (docs/
 * text-analysis.md, "Query translation"): query/lexicon.tsv (CPV 2008 and
 * eForms code labels, derived by scripts/derive-lexicon), query/glossary.tsv
 * (the project's reviewed glossary of public-sector and innovation terms)
 * and the taxonomy labels (corpus/taxonomies.tsv: authority types, sectors,
 * goals, ... in Swedish and English). An entry pairs a Swedish expression
 * with an English one; it is found from either side.
 *
 * Look-up keys are the expression's words folded and stemmed in the
 * entry's language (Swedish Snowball for the Swedish side, English for the
 * English side), so "skolmåltider" finds the entry "skolmåltid" and
 * "meals" the entry "school meal" only as part of "school meals".
 *
 * tr_query annotates a parsed query: runs of up to TR_NGRAM_MAX adjacent
 * positive one-word clauses of one field that form an entry (longest
 * first, left to right), else single words, else — Swedish only — a word
 * split into two parts that are both entries ("skattefrågor" -> skatt +
 * fråga -> "tax question"), get the other side's expressions as
 * qp_clause.trans (at most TR_PER_WORD, glossary before taxonomy before
 * CPV, each at most once, never the word itself), then up to TR_PIVOT
 * expressions of the word's own language that share one of those
 * translations (everyday and formal words meet: skolmat -> school meals
 * -> skolmåltider). The engines match them
 * as a separate group weighted SEM_TRANS_WEIGHT below the user's own
 * words (semantics.h). Stopwords, negated, phrase, prefix and field
 * clauses other than title:/body: are never translated.
 *
 * The lexicon is loaded once per process and read-only after; a struct
 * tr holds the stemmers and is used by one thread at a time. */
#ifndef TRANSLATE_H
#define TRANSLATE_H

#include <stddef.h>

#include "cl_err.h"
#include "qparse.h"

#define TR_NGRAM_MAX 3 /* words of the longest entry a run of query words may form */
#define TR_WORDS_MAX 6 /* words of an expression at most (the glossary has 4) */
#define TR_PER_WORD 3  /* translations of one word or run at most */
#define TR_PIVOT 2     /* and synonyms through them at most (below) */

struct tr; /* opaque */

/* Loads the lexicon (once per process) and opens the stemmers. CL_ECORRUPT
 * when a compiled-in table is malformed (a build error, caught by the
 * tests), CL_ENOMEM. Caller frees with tr_close. */
int tr_open(struct tr **out, struct cl_errbuf *eb);
void tr_close(struct tr *t);

/* The language of the query's words: a word of a query said to be English
 * is read as English, and as Swedish only when English has no entry for it
 * and it is a Swedish entry as written or has å, ä or ö (an English page's
 * user may type "skolmat"; by its Swedish stem alone "proves" was "prov",
 * an exam), so that English words are not read as Swedish ones ("plate"
 * is not "plats", a place); its English
 * reading gets no English synonyms through a Swedish word ("effect" ->
 * effekt -> "impact"). TR_FROM_ANY: both readings, as before. */
#define TR_FROM_ANY (-1)
#define TR_FROM_SV 0
#define TR_FROM_EN 1

/* Sets qp_clause.trans / ntrans / trans_run of q's clauses (see above),
 * looking the words up in language from (TR_FROM_*). CL_ENOMEM, CL_EINVAL
 * (from). */
int tr_query(struct tr *t, struct qp_query *q, int from, struct cl_errbuf *eb);

/* The other side's expressions of text (a word or an expression of up to
 * TR_NGRAM_MAX words, either language), as tr_query would give them for a
 * query of exactly text: *out (caller frees each and the array) gets *n
 * expressions. For the tests. CL_ENOMEM. */
int tr_lookup(struct tr *t, const char *text, char ***out, size_t *n, struct cl_errbuf *eb);

/* 1 when the folded word, stemmed in Swedish or in English, is a word of
 * some entry of the lexicon (either side, any source): a word the lexicon
 * knows is not a misspelling ("meals", of "school meals"), even when no
 * case has it (query/engine.c lexicon_knows). Linear in the entries: for
 * the spelling path, not for every query word. */
int tr_knows(struct tr *t, const char *word);

/* Entries loaded, by source: [0] glossary, [1] taxonomy, [2] CPV/eForms. */
void tr_stats(size_t counts[3]);

#endif
