/* langdet.c — function-word language detection (see langdet.h).
 *
 * Each word of the text is looked up in short lists of the most frequent
 * function words of Swedish, English, Finnish and of the other languages
 * that public procurement texts in Europe come in; Finnish also scores on
 * its case endings. The language with the most hits wins when it has at
 * least two and clearly more than the runner-up. Words shared by two lists
 * (Swedish/Danish "i", "at") count for both, which is why the margin is
 * needed. */
#include "langdet.h"

#include <string.h>

enum { L_SV, L_EN, L_FI, L_DE, L_FR, L_DA, L_NO, L_NL, L_ES, L_IT, L_PL, NLANG };

static const char *const words_sv[] = {
	"och", "att", "det", "som", "en", "på", "är", "av", "för", "med", "till", "den",
	"har", "de", "inte", "om", "ett", "men", "var", "vid", "från", "eller", "kan",
	"ska", "skall", "samt", "även", "där", "genom", "under", "efter", "mot", "hur",
	"när", "inom", "mellan", "upphandling", "avtal", "kommun", "enligt", NULL,
};
static const char *const words_en[] = {
	"the", "and", "of", "to", "in", "is", "for", "that", "with", "on", "as", "by",
	"this", "are", "be", "from", "or", "an", "at", "which", "it", "was", "has", "have",
	"its", "not", "will", "their", "these", "can", "such", "into", "within", "through",
	"public", "services", "procurement", "contract", NULL,
};
static const char *const words_fi[] = {
	"ja", "on", "ei", "että", "se", "tai", "sekä", "kuin", "ovat", "oli", "myös", "joka",
	"jotka", "mukaan", "hankinta", "hankinnan", "hankintayksikkö", "tarjous", "tarjoukset",
	"kunta", "kaupunki", "palvelut", "osalta", "tulee", "voidaan", "kanssa", "sen", "ole",
	NULL,
};
static const char *const words_de[] = {
	"der", "die", "das", "und", "mit", "für", "von", "den", "des", "zu", "im", "ist",
	"auf", "eine", "einer", "dem", "nicht", "wird", "werden", "sich", "auch", NULL,
};
static const char *const words_fr[] = {
	"le", "la", "les", "des", "et", "du", "une", "pour", "dans", "est", "sur", "au",
	"aux", "par", "qui", "que", "avec", "sont", "ce", "marché", NULL,
};
static const char *const words_da[] = {
	"og", "af", "til", "det", "er", "med", "ikke", "hvor", "skal", "kan", "ved",
	"efter", "eller", "være", "fra", "også", "udbud", NULL,
};
static const char *const words_no[] = {
	"og", "av", "til", "det", "er", "med", "ikke", "hvor", "skal", "kan", "ved",
	"etter", "eller", "være", "fra", "også", "anskaffelse", NULL,
};
static const char *const words_nl[] = {
	"het", "een", "en", "van", "voor", "zijn", "worden", "wordt", "met", "niet", "aan",
	"ook", "naar", "deze", "opdracht", NULL,
};
static const char *const words_es[] = {
	"el", "los", "las", "del", "y", "para", "con", "por", "una", "se", "es", "contrato",
	"servicios", "como", NULL,
};
static const char *const words_it[] = {
	"il", "di", "che", "della", "delle", "per", "con", "una", "sono", "dei", "gli",
	"nel", "alla", "servizi", NULL,
};
static const char *const words_pl[] = {
	"i", "w", "na", "z", "się", "do", "nie", "oraz", "dla", "przez", "jest", "lub",
	"zamówienia", "usług", NULL,
};

static const char *const *const lists[NLANG] = {
	words_sv, words_en, words_fi, words_de, words_fr, words_da,
	words_no, words_nl, words_es, words_it, words_pl,
};

/* Lower-cases ASCII and the upper-case letters of Swedish, Finnish, German
 * and Danish in place (2-byte UTF-8 sequences of U+00C0..U+00DE map to
 * U+00E0..U+00FE). */
static void lower(char *w)
{
	for (unsigned char *p = (unsigned char *)w; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (unsigned char)(*p + 32);
		else if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0x9E && p[1] != 0x97)
			p[1] = (unsigned char)(p[1] + 0x20), p++;
	}
}

static int in_list(const char *const *l, const char *w)
{
	for (; *l; l++)
		if (!strcmp(*l, w))
			return 1;
	return 0;
}

static int ends_with(const char *w, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n > k + 2 && !memcmp(w + n - k, suf, k);
}

enum langdet_lang langdet_detect(const char *text, size_t len)
{
	int score[NLANG] = {0};
	size_t i = 0;
	int best = -1, second = -1;

	if (!text)
		return LANGDET_UNKNOWN;
	while (i < len) {
		char w[48];
		size_t n = 0;
		/* a word: ASCII letters and any non-ASCII bytes (UTF-8 letters) */
		while (i < len && !((text[i] >= 'a' && text[i] <= 'z') ||
				    (text[i] >= 'A' && text[i] <= 'Z') || (unsigned char)text[i] >= 0x80))
			i++;
		while (i < len && ((text[i] >= 'a' && text[i] <= 'z') ||
				   (text[i] >= 'A' && text[i] <= 'Z') || (unsigned char)text[i] >= 0x80)) {
			if (n < sizeof w - 1)
				w[n++] = text[i];
			i++;
		}
		if (n == 0 || n >= sizeof w - 1)
			continue;
		w[n] = '\0';
		lower(w);
		for (int l = 0; l < NLANG; l++)
			if (in_list(lists[l], w))
				score[l]++;
		/* Finnish inflection: inessive, adessive, elative, ablative... */
		if (ends_with(w, n, "ssa") || ends_with(w, n, "ssä") || ends_with(w, n, "lla") ||
		    ends_with(w, n, "llä") || ends_with(w, n, "sta") || ends_with(w, n, "stä") ||
		    ends_with(w, n, "lle") || ends_with(w, n, "nen") || ends_with(w, n, "ksi"))
			score[L_FI]++;
		/* å is Swedish (or Danish/Norwegian), never Finnish or English */
		if (strstr(w, "\xc3\xa5"))
			score[L_SV]++;
	}
	for (int l = 0; l < NLANG; l++) {
		if (best < 0 || score[l] > score[best]) {
			second = best;
			best = l;
		} else if (second < 0 || score[l] > score[second]) {
			second = l;
		}
	}
	/* Decide only on enough evidence and a clear margin (a third more). */
	if (score[best] < 2 || 3 * score[best] < 4 * score[second] + 1)
		return LANGDET_UNKNOWN;
	switch (best) {
	case L_SV:
		return LANGDET_SV;
	case L_EN:
		return LANGDET_EN;
	case L_FI:
		return LANGDET_FI;
	default:
		return LANGDET_OTHER;
	}
}

const char *langdet_code(enum langdet_lang l)
{
	switch (l) {
	case LANGDET_SV:
		return "sv";
	case LANGDET_EN:
		return "en";
	case LANGDET_FI:
		return "fi";
	default:
		return NULL;
	}
}
