/*
 * check_digest.c: SHA-256 in hex, against the published test vectors,
 * fed whole and in pieces of every size.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaged/digest.h"

Suite	*digest_suite(void);

static const struct {
	const char	*text;
	const char	*hex;
} vectors[] = {
	{ "", "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855" },
	{ "abc", "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1" },
};

START_TEST(test_vectors_whole)
{
	struct digest	 d;
	char		 hex[DIGEST_HEX + 1];

	digest_init(&d);
	digest_add(&d, vectors[_i].text, strlen(vectors[_i].text));
	digest_hex(&d, hex);
	ck_assert_str_eq(hex, vectors[_i].hex);
	/* It starts over: the same bytes again give the same digest. */
	digest_add(&d, vectors[_i].text, strlen(vectors[_i].text));
	digest_hex(&d, hex);
	ck_assert_str_eq(hex, vectors[_i].hex);
}
END_TEST

/* A million 'a's, the long vector, in pieces of 1 to 200 bytes. */
START_TEST(test_million_in_pieces)
{
	static char	 a[200];
	struct digest	 d;
	char		 hex[DIGEST_HEX + 1];
	size_t		 left = 1000000, n, step = 1;

	memset(a, 'a', sizeof(a));
	digest_init(&d);
	while (left > 0) {
		n = step < left ? step : left;
		digest_add(&d, a, n);
		left -= n;
		step = step % sizeof(a) + 1;
	}
	digest_hex(&d, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

/* A file's digest, read to its end from where fd stands. */
START_TEST(test_file)
{
	char	 path[] = "/tmp/imaged-digest.XXXXXX", hex[DIGEST_HEX + 1];
	int	 fd;

	ck_assert_int_ne(fd = mkstemp(path), -1);
	unlink(path);
	ck_assert_int_eq(write(fd, "xxabc", 5), 5);
	ck_assert_int_eq(lseek(fd, 2, SEEK_SET), 2);
	ck_assert_int_eq(digest_file(fd, hex), IMG_OK);
	ck_assert_str_eq(hex, vectors[1].hex);		/* "abc" */
	close(fd);
	ck_assert_int_eq(digest_file(-1, hex), IMG_EUNAVAIL);
}
END_TEST

Suite *
digest_suite(void)
{
	Suite	*s = suite_create("digest");
	TCase	*tc = tcase_create("sha256");

	tcase_add_loop_test(tc, test_vectors_whole, 0,
	    sizeof(vectors) / sizeof(vectors[0]));
	tcase_add_test(tc, test_million_in_pieces);
	tcase_add_test(tc, test_file);
	suite_add_tcase(s, tc);
	return s;
}
