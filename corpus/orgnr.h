/* orgnr.h — Swedish organisationsnummer (and personnummer-shaped numbers):
 * syntax and the Luhn (mod 10) check digit. */
#ifndef ORGNR_H
#define ORGNR_H

#include <stddef.h>

/* Checks s. Accepts "NNNNNN-NNNN", "NNNNNNNNNN", and the 12-digit forms
 * with a "16" prefix ("16NNNNNN-NNNN", "16NNNNNNNNNN"). On success writes
 * the canonical "NNNNNN-NNNN" form (12 bytes with NUL) into out (may be
 * NULL) and returns 0. Returns -1 for bad syntax and -2 for a failing
 * check digit; *expected (may be NULL) then gets the digit that would
 * have been right. */
int orgnr_check(const char *s, char out[12], int *expected);

#endif
