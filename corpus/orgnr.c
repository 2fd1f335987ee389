/* orgnr.c — Swedish organisationsnummer: syntax and the Luhn check digit
 * (see orgnr.h). Kept apart from the case record because the harvesters
 * and the normaliser check buyer numbers too. */
#include "orgnr.h"

#include <string.h>

/* Luhn (mod 10) check digit of the first nine digits d[0..8]: weights
 * 2,1,2,1,... from the left, digits of each product summed. */
static int luhn_digit(const char d[10])
{
	int sum = 0;

	for (int i = 0; i < 9; i++) {
		int v = (d[i] - '0') * (i % 2 == 0 ? 2 : 1);
		sum += v / 10 + v % 10;
	}
	return (10 - sum % 10) % 10;
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int orgnr_check(const char *s, char out[12], int *expected)
{
	char d[10];
	size_t len;
	int want;

	if (!s)
		return -1;
	len = strlen(s);
	/* The 12-digit forms carry the century-like "16" prefix. */
	if ((len == 12 || len == 13) && s[0] == '1' && s[1] == '6') {
		s += 2;
		len -= 2;
	}
	if (len == 11 && s[6] == '-' && all_digits(s, 6) && all_digits(s + 7, 4)) {
		memcpy(d, s, 6);
		memcpy(d + 6, s + 7, 4);
	} else if (len == 10 && all_digits(s, 10)) {
		memcpy(d, s, 10);
	} else {
		return -1;
	}
	want = luhn_digit(d);
	if (d[9] - '0' != want) {
		if (expected)
			*expected = want;
		return -2;
	}
	if (out) {
		memcpy(out, d, 6);
		out[6] = '-';
		memcpy(out + 7, d + 6, 4);
		out[11] = '\0';
	}
	return 0;
}
