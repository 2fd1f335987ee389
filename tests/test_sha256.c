/* test_sha256.c — corpus/sha256.c: the FIPS 180-2 example messages, the
 * padding boundaries, and the same digest whichever way the input is cut
 * into updates. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

static const struct {
	const char *in;
	const char *hex;
} vectors[] = {
	{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
};

Test(sha256, fips_examples)
{
	char hex[SHA256_HEX_LEN + 1];

	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		sha256_hex(vectors[i].in, strlen(vectors[i].in), hex);
		cr_assert_str_eq(hex, vectors[i].hex, "vector %zu", i);
	}
	sha256_hex(NULL, 5, hex);
	cr_assert_str_eq(hex, vectors[0].hex, "NULL is the empty input");
}

/* A million 'a' fed in uneven pieces (FIPS 180-2, appendix B.3). */
Test(sha256, million_a_in_pieces)
{
	static const char want[] = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	char piece[997], hex[SHA256_HEX_LEN + 1];
	unsigned char d[SHA256_LEN];
	struct sha256 c;
	size_t left = 1000000;

	memset(piece, 'a', sizeof piece);
	sha256_init(&c);
	for (size_t k = 1; left > 0; k = k * 3 % sizeof piece + 1) {
		size_t n = k < left ? k : left;

		sha256_update(&c, piece, n);
		left -= n;
	}
	sha256_final(&c, d);
	for (int i = 0; i < SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	cr_assert_str_eq(hex, want);
}

/* Every split point of inputs around the 55/56/64-byte padding edges gives
 * the one-shot digest. */
Test(sha256, split_anywhere_equals_one_shot)
{
	unsigned char buf[130], d1[SHA256_LEN], d2[SHA256_LEN];

	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (unsigned char)((i * 7 + 3) % 256);
	for (size_t len = 50; len <= sizeof buf; len++) {
		struct sha256 c;

		sha256_init(&c);
		sha256_update(&c, buf, len);
		sha256_final(&c, d1);
		for (size_t cut = 0; cut <= len; cut += 13) {
			sha256_init(&c);
			sha256_update(&c, buf, cut);
			sha256_update(&c, buf + cut, len - cut);
			sha256_final(&c, d2);
			cr_assert_eq(memcmp(d1, d2, sizeof d1), 0, "len %zu cut %zu", len, cut);
		}
	}
}
