/* norm.h — readable buyer names from registers that write them in capitals.
 *
 * Upphandlingsmyndigheten's statistics (and many notices) give "LUNDS
 * KOMMUN", "REGION SKÅNE", "GÄVLE HAMN AB". Shown as they are, such names
 * shout; lower-cased blindly they lose their place names. norm_buyer_name
 * writes them the Swedish way: the first word and proper names capitalised,
 * the rest lower case, abbreviations kept ("Lunds kommun", "Region Skåne",
 * "Gävle hamn AB", "Länsstyrelsen i Östergötlands län"). Which words are
 * proper names is decided by a word table (indexer/maps/name_words.tsv,
 * loaded with maptab) and a few shape rules (documented in
 * docs/sources-csv.md): words without vowels, with dots or digits, in
 * parentheses or set off by a comma at the end are abbreviations and
 * stay in capitals. */
#ifndef NORM_H
#define NORM_H

#include "maptab.h"

/* The readable form of name (valid UTF-8, already one line with single
 * spaces). A name that has any lower-case letter is returned unchanged:
 * someone already chose its spelling. words is the name_words table
 * (columns word, spelling, class), or NULL for the shape rules alone.
 * Returns a new string (caller free()s) or NULL when out of memory. */
char *norm_buyer_name(const char *name, const struct maptab *words);

#endif
