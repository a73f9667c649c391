/*
 * check_signer.c: signed URLs, cursors, the key file, random ids.
 */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaged/cursor.h"
#include "imaged/signer.h"
#include "imaged/text.h"

Suite	*signer_suite(void);

static const unsigned char key_a[SIGNER_KEY_LEN] =
    "0123456789abcdef0123456789abcde";
static const unsigned char key_b[SIGNER_KEY_LEN] =
    "fedcba9876543210fedcba987654321";

START_TEST(test_url_signatures)
{
	struct signer	*a, *b;
	char		 sig[SIGNER_SIG_HEX + 1], bad[SIGNER_SIG_HEX + 1];
	const char	*path =
	    "/blobs/images/u/f47ac10b-58cc-4372-a567-0e02b2c3d479.png";

	ck_assert_int_eq(signer_new(key_a, &a), IMG_OK);
	ck_assert_int_eq(signer_new(key_b, &b), IMG_OK);
	signer_sign_url(a, path, 2000, sig);
	ck_assert_int_eq(strlen(sig), SIGNER_SIG_HEX);
	ck_assert_int_eq(signer_verify_url(a, path, "2000", sig, 1999), IMG_OK);
	ck_assert_int_eq(signer_verify_url(a, path, "2000", sig, 2000), IMG_OK);
	ck_assert_int_eq(signer_verify_url(a, path, "2000", sig, 2001),
	    IMG_EEXPIRED);
	/* The signature is checked before the expiry. */
	ck_assert_int_eq(signer_verify_url(a, path, "2001", sig, 5000),
	    IMG_EFORBIDDEN);
	ck_assert_int_eq(signer_verify_url(a, "/blobs/images/u/other.png",
	    "2000", sig, 1999), IMG_EFORBIDDEN);
	ck_assert_int_eq(signer_verify_url(b, path, "2000", sig, 1999),
	    IMG_EFORBIDDEN);
	ck_assert_int_eq(signer_verify_url(a, path, NULL, sig, 1),
	    IMG_EFORBIDDEN);
	ck_assert_int_eq(signer_verify_url(a, path, "2000", NULL, 1),
	    IMG_EFORBIDDEN);
	ck_assert_int_eq(signer_verify_url(a, path, "+2000", sig, 1),
	    IMG_EFORBIDDEN);
	ck_assert_int_eq(signer_verify_url(a, path, "2000", "abc", 1),
	    IMG_EFORBIDDEN);
	memcpy(bad, sig, sizeof(bad));
	bad[10] = bad[10] == '0' ? '1' : '0';
	ck_assert_int_eq(signer_verify_url(a, path, "2000", bad, 1),
	    IMG_EFORBIDDEN);
	bad[10] = 'z';
	ck_assert_int_eq(signer_verify_url(a, path, "2000", bad, 1),
	    IMG_EFORBIDDEN);
	signer_free(a);
	signer_free(b);
}
END_TEST

/*
 * The signatures are HMAC-SHA256 as RFC 2104 defines it: fixed answers,
 * worked out apart from the signer, so that signatures and cursors
 * already handed out stay valid whatever computes them.  The URL key is
 * HMAC(master, "imaged url v1"), the cursor key HMAC(master, "imaged
 * cursor v1"); a cursor's MAC is the first 16 bytes.
 */
START_TEST(test_known_answers)
{
	struct signer	*a;
	char		 sig[SIGNER_SIG_HEX + 1], hex[2 * SIGNER_MAC_LEN + 1];
	unsigned char	 mac[SIGNER_MAC_LEN];
	const char	*path =
	    "/blobs/images/u/f47ac10b-58cc-4372-a567-0e02b2c3d479.png";
	size_t		 i;

	ck_assert_int_eq(signer_new(key_a, &a), IMG_OK);
	signer_sign_url(a, path, 2000, sig);
	ck_assert_str_eq(sig, "474453914673f0353650c678ed82753b"
	    "25f50c107709b5d8e3cb57378b742ffe");
	signer_sign_rendition_url(a, path, "256x0-inside-q82.jpg", 2000, sig);
	ck_assert_str_eq(sig, "d11510988b8ee2fe85e14bf2f6c9c109"
	    "6d61f92025ef8098bbb9740343c43d50");
	signer_mac(a, "cursor", 6, mac);
	for (i = 0; i < SIGNER_MAC_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	ck_assert_str_eq(hex, "6d8b19e7531f9fe571a0c56638e9af8d");
	ck_assert_int_eq(signer_mac_verify(a, "cursor", 6, mac), IMG_OK);
	signer_free(a);
}
END_TEST

START_TEST(test_rendition_urls)
{
	struct signer	*a;
	char		 plain[SIGNER_SIG_HEX + 1], sig[SIGNER_SIG_HEX + 1];
	const char	*path =
	    "/blobs/images/u/f47ac10b-58cc-4372-a567-0e02b2c3d479.png";

	ck_assert_int_eq(signer_new(key_a, &a), IMG_OK);
	signer_sign_url(a, path, 2000, plain);
	signer_sign_rendition_url(a, path, NULL, 2000, sig);
	ck_assert_str_eq(plain, sig);	/* plain URLs are signed as before */
	signer_sign_rendition_url(a, path, "256x0-inside-q82.jpg", 2000, sig);
	ck_assert_str_ne(plain, sig);
	ck_assert_int_eq(signer_verify_rendition_url(a, path,
	    "256x0-inside-q82.jpg", "2000", sig, 1999), IMG_OK);
	ck_assert_int_eq(signer_verify_rendition_url(a, path,
	    "256x0-inside-q82.jpg", "2000", sig, 2001), IMG_EEXPIRED);
	/* Another size, or the original, with this signature: refused. */
	ck_assert_int_eq(signer_verify_rendition_url(a, path,
	    "512x0-inside-q82.jpg", "2000", sig, 1999), IMG_EFORBIDDEN);
	ck_assert_int_eq(signer_verify_url(a, path, "2000", sig, 1999),
	    IMG_EFORBIDDEN);
	ck_assert_int_eq(signer_verify_rendition_url(a, path,
	    "256x0-inside-q82.jpg", "2000", plain, 1999), IMG_EFORBIDDEN);
	signer_free(a);
}
END_TEST

/*
 * Signatures kept on the thread are the ones a signer would make: for
 * each of two signers (and a third made after the first is freed,
 * perhaps at its address), paths in turn, again, at other expiries,
 * with and without a rendition, and a path too long to keep.
 */
START_TEST(test_signatures_kept)
{
	struct signer	*s[2];
	char		 sig[SIGNER_SIG_HEX + 1], again[SIGNER_SIG_HEX + 1];
	char		 other[SIGNER_SIG_HEX + 1], path[400], exp[24];
	int		 round, i, k;

	ck_assert_int_eq(signer_new(key_a, &s[0]), IMG_OK);
	ck_assert_int_eq(signer_new(key_b, &s[1]), IMG_OK);
	for (round = 0; round < 3; round++) {
		if (round == 2) {
			signer_free(s[0]);
			ck_assert_int_eq(signer_new(key_b, &s[0]), IMG_OK);
			signer_free(s[1]);
			ck_assert_int_eq(signer_new(key_a, &s[1]), IMG_OK);
		}
		for (i = 0; i < 600; i++) {
			k = i % 2;
			snprintf(path, sizeof(path), "/blobs/images/u/%d.png",
			    i / 2 % 100);
			if (i / 2 == 299)
				memset(path + 10, 'x', 300);
			snprintf(exp, sizeof(exp), "%d", 2000 + i / 200);
			signer_sign_url(s[k], path, 2000 + i / 200, sig);
			signer_sign_url(s[k], path, 2000 + i / 200, again);
			ck_assert_str_eq(sig, again);
			ck_assert_int_eq(signer_verify_url(s[k], path, exp,
			    sig, 1999), IMG_OK);
			ck_assert_int_eq(signer_verify_url(s[1 - k], path, exp,
			    sig, 1999), IMG_EFORBIDDEN);
			if (k == 0)
				continue;
			signer_sign_rendition_url(s[k], path, "a.webp",
			    2000 + i / 200, other);
			ck_assert_str_ne(other, sig);
			ck_assert_int_eq(signer_verify_rendition_url(s[k],
			    path, "a.webp", exp, other, 1999), IMG_OK);
		}
	}
	signer_free(s[0]);
	signer_free(s[1]);
}
END_TEST

START_TEST(test_cursors)
{
	struct signer	*a, *b;
	struct list_pos	 pos = { 1764024025123456LL,
	    "f47ac10b-58cc-4372-a567-0e02b2c3d479" }, got;
	char		 text[CURSOR_TEXT_LEN + 1], bad[CURSOR_TEXT_LEN + 1];
	size_t		 i;

	ck_assert_int_eq(signer_new(key_a, &a), IMG_OK);
	ck_assert_int_eq(signer_new(key_b, &b), IMG_OK);
	cursor_seal(a, LIST_DESC, &pos, text);
	ck_assert_int_eq(cursor_open(a, LIST_DESC, text, &got), IMG_OK);
	ck_assert(got.created_at == pos.created_at);
	ck_assert_str_eq(got.image_id, pos.image_id);
	ck_assert_int_eq(cursor_open(a, LIST_ASC, text, &got), IMG_EINVAL);
	ck_assert_int_eq(cursor_open(b, LIST_DESC, text, &got), IMG_EINVAL);
	/* Any byte altered, or cut short, and it does not open. */
	for (i = 0; i < CURSOR_TEXT_LEN; i++) {
		memcpy(bad, text, sizeof(bad));
		bad[i] = bad[i] == '0' ? '1' : '0';
		ck_assert_int_eq(cursor_open(a, LIST_DESC, bad, &got),
		    IMG_EINVAL);
	}
	text[CURSOR_TEXT_LEN - 1] = '\0';
	ck_assert_int_eq(cursor_open(a, LIST_DESC, text, &got), IMG_EINVAL);
	ck_assert_int_eq(cursor_open(a, LIST_DESC, "", &got), IMG_EINVAL);
	ck_assert_int_eq(cursor_open(a, LIST_DESC, "%00'; DROP TABLE", &got),
	    IMG_EINVAL);
	signer_free(a);
	signer_free(b);
}
END_TEST

START_TEST(test_key_file)
{
	char		 dir[] = "/tmp/imaged-key.XXXXXX", path[64];
	struct signer	*s1, *s2;
	char		 sig1[SIGNER_SIG_HEX + 1], sig2[SIGNER_SIG_HEX + 1];
	struct stat	 st;
	FILE		*fp;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/signing.key", dir);
	ck_assert_int_eq(signer_open(path, NULL, &s1), IMG_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(st.st_size, SIGNER_KEY_LEN);
	/* The same key when opened again: signatures survive a restart. */
	ck_assert_int_eq(signer_open(path, NULL, &s2), IMG_OK);
	signer_sign_url(s1, "/blobs/k", 10, sig1);
	signer_sign_url(s2, "/blobs/k", 10, sig2);
	ck_assert_str_eq(sig1, sig2);
	signer_free(s1);
	signer_free(s2);
	/* A file of the wrong size is not a key. */
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("short", fp);
	fclose(fp);
	ck_assert_int_eq(signer_open(path, NULL, &s1), IMG_EUNAVAIL);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* A rotated key: the old one verifies what it signed, signs nothing new. */
START_TEST(test_rotation)
{
	char		 dir[] = "/tmp/imaged-rot.XXXXXX", oldp[64], newp[64];
	struct signer	*old, *rotated, *fresh;
	char		 sig[SIGNER_SIG_HEX + 1], sig2[SIGNER_SIG_HEX + 1];
	struct list_pos	 pos = { 42,
	    "f47ac10b-58cc-4372-a567-0e02b2c3d479" }, got;
	char		 cur[CURSOR_TEXT_LEN + 1];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(oldp, sizeof(oldp), "%s/old.key", dir);
	snprintf(newp, sizeof(newp), "%s/new.key", dir);
	ck_assert_int_eq(signer_open(oldp, NULL, &old), IMG_OK);
	signer_sign_url(old, "/blobs/k", 100, sig);
	cursor_seal(old, LIST_DESC, &pos, cur);
	ck_assert_int_eq(signer_open(newp, oldp, &rotated), IMG_OK);
	ck_assert_int_eq(signer_verify_url(rotated, "/blobs/k", "100", sig, 1),
	    IMG_OK);
	ck_assert_int_eq(cursor_open(rotated, LIST_DESC, cur, &got), IMG_OK);
	signer_sign_url(rotated, "/blobs/k", 100, sig2);
	ck_assert_str_ne(sig, sig2);	/* new URLs use the new key */
	ck_assert_int_eq(signer_verify_url(old, "/blobs/k", "100", sig2, 1),
	    IMG_EFORBIDDEN);
	/* Without the previous key, the old URL is refused. */
	ck_assert_int_eq(signer_open(newp, NULL, &fresh), IMG_OK);
	ck_assert_int_eq(signer_verify_url(fresh, "/blobs/k", "100", sig, 1),
	    IMG_EFORBIDDEN);
	/* A previous key that does not exist is an error, not a new key. */
	signer_free(fresh);
	snprintf(oldp, sizeof(oldp), "%s/missing.key", dir);
	ck_assert_int_eq(signer_open(newp, oldp, &fresh), IMG_EUNAVAIL);
	signer_free(old);
	signer_free(rotated);
	snprintf(oldp, sizeof(oldp), "%s/old.key", dir);
	unlink(oldp);
	unlink(newp);
	rmdir(dir);
}
END_TEST

START_TEST(test_uuids)
{
	char	 a[IMAGE_ID_SIZE], b[IMAGE_ID_SIZE], canon[IMAGE_ID_SIZE];

	random_uuid(a);
	random_uuid(b);
	ck_assert_str_ne(a, b);
	ck_assert(uuid_parse(a, strlen(a), canon));
	ck_assert_str_eq(a, canon);
	ck_assert_int_eq(a[14], '4');
	ck_assert(strchr("89ab", a[19]) != NULL);
}
END_TEST

Suite *
signer_suite(void)
{
	Suite	*s = suite_create("signer");
	TCase	*tc = tcase_create("signer");

	tcase_add_test(tc, test_url_signatures);
	tcase_add_test(tc, test_known_answers);
	tcase_add_test(tc, test_rendition_urls);
	tcase_add_test(tc, test_cursors);
	tcase_add_test(tc, test_key_file);
	tcase_add_test(tc, test_uuids);
	tcase_add_test(tc, test_rotation);
	tcase_add_test(tc, test_signatures_kept);
	suite_add_tcase(s, tc);
	return s;
}
