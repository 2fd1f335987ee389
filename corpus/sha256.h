/* sha256.h — SHA-256 (FIPS 180-4): the content hash of harvested payloads
 * (provenance) and the stored form of API tokens. One-shot as hex, or in
 * pieces through a context. */
#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32     /* bytes of a digest */
#define SHA256_HEX_LEN 64 /* its lowercase hex form, without the NUL */

/* A hash in progress; plain data, nothing to free. */
struct sha256 {
	uint32_t h[8];
	uint64_t total;
	unsigned char buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *c);
/* Adds data[0..n) to the hash. */
void sha256_update(struct sha256 *c, const void *data, size_t n);
/* The digest of everything added; c must be initialised again to reuse. */
void sha256_final(struct sha256 *c, unsigned char out[SHA256_LEN]);

/* SHA-256 of data[0..len) (NULL: the empty input) as 64 lowercase hex
 * digits and a NUL into out. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);

#endif
