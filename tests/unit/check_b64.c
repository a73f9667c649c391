/*
 * check_b64.c: base64 as a client sends it (RFC 4648 vectors, whitespace,
 * missing padding) and as it must be refused (URL-safe alphabet, data
 * after padding, stray bytes), decoded in pieces of every size.
 */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "imaged/b64.h"

Suite	*b64_suite(void);

/*
 * Decode in[0..n) in pieces of chunk bytes, each into a buffer of exactly
 * b64_decoded_max(piece) bytes so that an overrun shows under ASan.
 */
static bool
decode_chunked(const char *in, size_t n, size_t chunk, unsigned char *out,
    size_t *outlen)
{
	struct b64_decoder	 d;
	unsigned char		*tmp, end[2];
	size_t			 i, take, got, total = 0;
	bool			 ok = true;

	b64_decoder_init(&d);
	for (i = 0; i < n && ok; i += take) {
		take = n - i < chunk ? n - i : chunk;
		tmp = malloc(b64_decoded_max(take));
		ck_assert_ptr_nonnull(tmp);
		ok = b64_decode(&d, in + i, take, tmp, &got);
		ck_assert_uint_le(got, b64_decoded_max(take));
		memcpy(out + total, tmp, got);
		total += got;
		free(tmp);
	}
	if (ok) {
		ok = b64_decode_end(&d, end, &got);
		ck_assert_uint_le(got, 2);
		memcpy(out + total, end, got);
		total += got;
	}
	*outlen = total;
	return ok;
}

static bool
decode_str(const char *in, size_t chunk, unsigned char *out, size_t *outlen)
{
	return decode_chunked(in, strlen(in), chunk, out, outlen);
}

static const size_t chunks[] = { 1, 2, 3, 5, 4096 };

static const struct {
	const char	*plain;
	const char	*enc;
} rfc4648[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

START_TEST(test_rfc4648_encode)
{
	char	 out[16];
	size_t	 n = strlen(rfc4648[_i].plain);

	ck_assert_uint_eq(b64_encoded_len(n), strlen(rfc4648[_i].enc));
	memset(out, 'X', sizeof(out));
	b64_encode((const unsigned char *)rfc4648[_i].plain, n, out);
	ck_assert_int_eq(memcmp(out, rfc4648[_i].enc,
	    strlen(rfc4648[_i].enc)), 0);
	/* No NUL and nothing past the encoding is written. */
	ck_assert_int_eq(out[strlen(rfc4648[_i].enc)], 'X');
}
END_TEST

START_TEST(test_rfc4648_decode)
{
	unsigned char	 out[16];
	size_t		 outlen, k;

	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		ck_assert(decode_str(rfc4648[_i].enc, chunks[k], out, &outlen));
		ck_assert_uint_eq(outlen, strlen(rfc4648[_i].plain));
		ck_assert_int_eq(memcmp(out, rfc4648[_i].plain, outlen), 0);
	}
}
END_TEST

/* Accepted input and what it decodes to. */
static const struct {
	const char	*enc;
	const char	*plain;
	size_t		 len;
} accepted[] = {
	{ " Zm9v YmFy ", "foobar", 6 },
	{ "Z\nm9\r\nvYm\tFy", "foobar", 6 },
	{ "\fZ m 9 v Y g = = ", "foob", 4 },
	{ "Zm9vYg=\n=", "foob", 4 },
	{ "Zm9vYg==  \r\n", "foob", 4 },
	{ "Zm9v\nYmFy\n", "foobar", 6 },
	{ "   ", "", 0 },
	/* padding is optional, whole or in part */
	{ "Zg", "f", 1 },
	{ "Zm8", "fo", 2 },
	{ "Zm9vYg", "foob", 4 },
	{ "Zm9vYmE", "fooba", 5 },
	{ "Zg=", "f", 1 },
	{ "Zm9vYg\n", "foob", 4 },
	{ "+/+/", "\xfb\xff\xbf", 3 },
	{ "AAAA", "\0\0\0", 3 },
};

START_TEST(test_accepted)
{
	unsigned char	 out[16];
	size_t		 outlen, k, want = accepted[_i].len;

	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		ck_assert_msg(decode_str(accepted[_i].enc, chunks[k], out,
		    &outlen), "refused \"%s\"", accepted[_i].enc);
		ck_assert_uint_eq(outlen, want);
		ck_assert_int_eq(memcmp(out, accepted[_i].plain, want), 0);
	}
}
END_TEST

static const char *const refused[] = {
	/* URL-safe alphabet */
	"Zm9v-w==",
	"Zm9v_w",
	"-_-_",
	/* data after padding */
	"Zg==Zg==",
	"Zg==x",
	"Zm8=a",
	"Zm8= a",
	"Zm9vYg==\nZm9v",
	/* padding in the wrong place, or too much of it */
	"=",
	"====",
	"Z===",
	"Zg===",
	"Zm8==",
	"Zm9v=",
	/* a lone sextet holds no byte */
	"Z",
	"Zm9vY",
	"Zm9vY=",
	/* stray bytes */
	"Zm9v!",
	"Zm.9v",
	"Zm9\vv",
	"Zm9v\xc3\xa9",
	"data:image/png;base64,Zm9v",
};

START_TEST(test_refused)
{
	unsigned char	 out[32];
	size_t		 outlen, k;

	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++)
		ck_assert_msg(!decode_str(refused[_i], chunks[k], out, &outlen),
		    "accepted \"%s\"", refused[_i]);
}
END_TEST

START_TEST(test_failure_sticks)
{
	struct b64_decoder	 d;
	unsigned char		 out[16];
	size_t			 outlen;

	b64_decoder_init(&d);
	ck_assert(!b64_decode(&d, "Zm9v-", 5, out, &outlen));
	ck_assert(!b64_decode(&d, "Zm9v", 4, out, &outlen));
	ck_assert_uint_eq(outlen, 0);
	ck_assert(!b64_decode_end(&d, out, &outlen));
	ck_assert_uint_eq(outlen, 0);
	/* init makes a used decoder new again */
	b64_decoder_init(&d);
	ck_assert(b64_decode(&d, "Zm9v", 4, out, &outlen));
	ck_assert_uint_eq(outlen, 3);
}
END_TEST

START_TEST(test_encoded_len)
{
	static const size_t	 want[] = { 0, 4, 4, 4, 8, 8, 8, 12 };
	size_t			 n;

	for (n = 0; n < sizeof(want) / sizeof(want[0]); n++)
		ck_assert_uint_eq(b64_encoded_len(n), want[n]);
	ck_assert_uint_eq(b64_encoded_len(3u << 20), 4u << 20);
}
END_TEST

static void
roundtrip(size_t n, unsigned seed)
{
	unsigned char	*raw, *out;
	char		*enc, *wrapped;
	size_t		 i, w, elen, outlen, k;

	raw = malloc(n + 1);
	out = malloc(n + 3);
	elen = b64_encoded_len(n);
	enc = malloc(elen + 1);
	wrapped = malloc(elen + elen / 19 * 2 + 1);
	ck_assert(raw != NULL && out != NULL && enc != NULL && wrapped != NULL);
	srand(seed);
	for (i = 0; i < n; i++)
		raw[i] = (unsigned char)rand();
	b64_encode(raw, n, enc);
	/* the same text wrapped with CRLF at odd places */
	for (i = w = 0; i < elen; i++) {
		wrapped[w++] = enc[i];
		if (i % 19 == 18) {
			wrapped[w++] = '\r';
			wrapped[w++] = '\n';
		}
	}
	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		ck_assert(decode_chunked(enc, elen, chunks[k], out, &outlen));
		ck_assert_uint_eq(outlen, n);
		ck_assert(n == 0 || memcmp(out, raw, n) == 0);
		ck_assert(decode_chunked(wrapped, w, chunks[k], out, &outlen));
		ck_assert_uint_eq(outlen, n);
		ck_assert(n == 0 || memcmp(out, raw, n) == 0);
	}
	free(raw);
	free(out);
	free(enc);
	free(wrapped);
}

START_TEST(test_roundtrip_small)
{
	size_t	 n;

	for (n = 0; n <= 130; n++)
		roundtrip(n, (unsigned)n + 1);
}
END_TEST

START_TEST(test_roundtrip_large)
{
	static const size_t	 sizes[] = {
		4095, 4096, 4097, 65535, 65536, 100003
	};
	size_t			 k;

	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
		roundtrip(sizes[k], (unsigned)k + 7);
}
END_TEST

Suite *
b64_suite(void)
{
	Suite	*s = suite_create("b64");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_rfc4648_encode, 0,
	    sizeof(rfc4648) / sizeof(rfc4648[0]));
	tcase_add_loop_test(tc, test_rfc4648_decode, 0,
	    sizeof(rfc4648) / sizeof(rfc4648[0]));
	tcase_add_loop_test(tc, test_accepted, 0,
	    sizeof(accepted) / sizeof(accepted[0]));
	tcase_add_loop_test(tc, test_refused, 0,
	    sizeof(refused) / sizeof(refused[0]));
	tcase_add_test(tc, test_failure_sticks);
	tcase_add_test(tc, test_encoded_len);
	tcase_add_test(tc, test_roundtrip_small);
	tcase_add_test(tc, test_roundtrip_large);
	suite_add_tcase(s, tc);
	return s;
}
