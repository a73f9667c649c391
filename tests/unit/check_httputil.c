/*
 * check_httputil.c: the HTTP parsers and formatters, as tables of
 * {input, expected}.  Every string input is handed over in a heap copy of
 * exactly its size, so a read past the NUL (or past the given length) is
 * caught by the address sanitizer; each valid input is also fed cut at
 * every length.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imaged/buf.h"
#include "imaged/httputil.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* A heap copy of exactly strlen(s) + 1 bytes (NULL stays NULL). */
static char *
exact(const char *s)
{
	char	*p;
	size_t	 n;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	p = malloc(n);
	ck_assert_ptr_nonnull(p);
	memcpy(p, s, n);
	return p;
}

/* The first n bytes of s as a string of its own, exactly sized. */
static char *
prefix(const char *s, size_t n)
{
	char	*p = malloc(n + 1);

	ck_assert_ptr_nonnull(p);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* A string of n copies of c. */
static char *
repeat(char c, size_t n)
{
	char	*p = malloc(n + 1);

	ck_assert_ptr_nonnull(p);
	memset(p, c, n);
	p[n] = '\0';
	return p;
}

/* --- Range ---------------------------------------------------------------- */

static const struct {
	const char	*hdr;
	uint64_t	 size;
	enum http_range	 want;
	uint64_t	 start, len;
} range_cases[] = {
	{ NULL, 100, HTTP_RANGE_NONE, 0, 0 },
	{ "", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=0-0", 100, HTTP_RANGE_OK, 0, 1 },
	{ "bytes=0-99", 100, HTTP_RANGE_OK, 0, 100 },
	{ "bytes=10-19", 100, HTTP_RANGE_OK, 10, 10 },
	{ "bytes=10-", 100, HTTP_RANGE_OK, 10, 90 },
	{ "bytes=99-", 100, HTTP_RANGE_OK, 99, 1 },
	{ "bytes=-10", 100, HTTP_RANGE_OK, 90, 10 },
	{ "bytes=-100", 100, HTTP_RANGE_OK, 0, 100 },
	{ "bytes=-500", 100, HTTP_RANGE_OK, 0, 100 },
	{ "bytes=-1", 1, HTTP_RANGE_OK, 0, 1 },
	/* last-pos clipped to the end */
	{ "bytes=50-500", 100, HTTP_RANGE_OK, 50, 50 },
	{ "bytes=0-18446744073709551615", 100, HTTP_RANGE_OK, 0, 100 },
	/* unit case and whitespace */
	{ "BYTES=1-2", 100, HTTP_RANGE_OK, 1, 2 },
	{ "Bytes=1-2", 100, HTTP_RANGE_OK, 1, 2 },
	{ " bytes = 1 - 2 ", 100, HTTP_RANGE_OK, 1, 2 },
	{ "\tbytes=\t-5\t", 100, HTTP_RANGE_OK, 95, 5 },
	{ "bytes=0001-0002", 100, HTTP_RANGE_OK, 1, 2 },
	/* unsatisfiable */
	{ "bytes=100-", 100, HTTP_RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=100-200", 100, HTTP_RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=500-600", 100, HTTP_RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=-0", 100, HTTP_RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=-000", 100, HTTP_RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=0-0", 0, HTTP_RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=0-", 0, HTTP_RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=-5", 0, HTTP_RANGE_UNSATISFIABLE, 0, 0 },
	/* several ranges: the whole file */
	{ "bytes=0-1,5-6", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=0-1, 5-6", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=0-1,", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=,0-1", 100, HTTP_RANGE_NONE, 0, 0 },
	/* unparsable */
	{ "bytes=", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=-", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=--5", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=-5-", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=5", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=a-b", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=+1-2", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=1-+2", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=0x1-2", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=1.5-2", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=5-4", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=500-4", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=5-4", 0, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=1-2 x", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=1 2-3", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes 1-2", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes1-2", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytesx=1-2", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "byte=1-2", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "items=1-2", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "=1-2", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes==1-2", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "b", 100, HTTP_RANGE_NONE, 0, 0 },
	/* uint64 overflow */
	{ "bytes=18446744073709551616-", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=0-18446744073709551616", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=-99999999999999999999999", 100, HTTP_RANGE_NONE, 0, 0 },
	{ "bytes=18446744073709551615-", UINT64_MAX, HTTP_RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=18446744073709551614-", UINT64_MAX, HTTP_RANGE_OK,
	    UINT64_MAX - 1, 1 },
	{ "bytes=0-", UINT64_MAX, HTTP_RANGE_OK, 0, UINT64_MAX },
};

START_TEST(test_range_table)
{
	char		*h = exact(range_cases[_i].hdr);
	uint64_t	 start = 7, len = 7;
	enum http_range	 r;

	r = http_parse_range(h, range_cases[_i].size, &start, &len);
	ck_assert_msg(r == range_cases[_i].want, "%s: got %d want %d",
	    range_cases[_i].hdr ? range_cases[_i].hdr : "(null)", (int)r,
	    (int)range_cases[_i].want);
	ck_assert_uint_eq(start, range_cases[_i].start);
	ck_assert_uint_eq(len, range_cases[_i].len);
	free(h);
}
END_TEST

START_TEST(test_range_prefixes)
{
	const char	*full = " bytes = 12345 - 67890 ";
	size_t		 n;
	uint64_t	 start, len;

	for (n = 0; n <= strlen(full); n++) {
		char	*h = prefix(full, n);

		(void)http_parse_range(h, 100000, &start, &len);
		free(h);
	}
	for (n = 0; n <= strlen("bytes=-5"); n++) {
		char	*h = prefix("bytes=-5", n);

		ck_assert_int_eq(http_parse_range(h, 10, &start, &len),
		    n == strlen("bytes=-5") ? HTTP_RANGE_OK : HTTP_RANGE_NONE);
		free(h);
	}
}
END_TEST

START_TEST(test_range_long)
{
	char		*digits = repeat('9', 100000), *h;
	size_t		 n = strlen(digits) + 8;
	uint64_t	 start, len;

	h = malloc(n);
	ck_assert_ptr_nonnull(h);
	memcpy(h, "bytes=0-", 8);
	memcpy(h + 8, digits, strlen(digits));
	h[n - 1] = '\0';
	ck_assert_int_eq(http_parse_range(h, 100, &start, &len),
	    HTTP_RANGE_NONE);
	free(h);
	free(digits);
	/* leading zeros are not an overflow */
	digits = repeat('0', 5000);
	digits[4999] = '7';
	h = malloc(strlen(digits) + 8);
	ck_assert_ptr_nonnull(h);
	memcpy(h, "bytes=", 6);
	memcpy(h + 6, digits, strlen(digits));
	memcpy(h + 6 + strlen(digits), "-", 2);
	ck_assert_int_eq(http_parse_range(h, 100, &start, &len),
	    HTTP_RANGE_OK);
	ck_assert_uint_eq(start, 7);
	ck_assert_uint_eq(len, 93);
	free(h);
	free(digits);
}
END_TEST

/* --- Entity tags ---------------------------------------------------------- */

#define ETAG	"\"9f86d081884c7d65\""

static const struct {
	const char	*inm;
	const char	*etag;
	bool		 want;
} etag_cases[] = {
	{ NULL, ETAG, false },
	{ ETAG, NULL, false },
	{ "", ETAG, false },
	{ "   ", ETAG, false },
	{ ETAG, ETAG, true },
	{ "W/" ETAG, ETAG, true },
	{ ETAG, "W/" ETAG, true },
	{ " " ETAG " ", ETAG, true },
	{ "\"9f86d081884c7d66\"", ETAG, false },
	{ "\"9F86D081884C7D65\"", ETAG, false },
	{ "\"x\", " ETAG, ETAG, true },
	{ "\"x\" ,W/" ETAG, ETAG, true },
	{ "\"x\",\"y\"", ETAG, false },
	{ ",, " ETAG " ,,", ETAG, true },
	{ ",", ETAG, false },
	{ "*", ETAG, true },
	{ " * ", ETAG, true },
	{ "\t*\t", ETAG, true },
	{ "*, " ETAG, ETAG, false },
	{ ETAG ", *", ETAG, false },
	{ "**", ETAG, false },
	/* malformed: matches nothing */
	{ "9f86d081884c7d65", ETAG, false },
	{ "\"9f86d081884c7d65", ETAG, false },
	{ ETAG "x", ETAG, false },
	{ ETAG " " ETAG, ETAG, false },
	{ "garbage, " ETAG, ETAG, false },
	{ ETAG ", garbage", ETAG, false },
	{ "w/" ETAG, ETAG, false },
	{ "W/", ETAG, false },
	{ "W", ETAG, false },
	{ "W/9f86", ETAG, false },
	{ "\"", ETAG, false },
	{ "\"a b\"", "\"a b\"", false },
	{ "\"\"", "\"\"", true },
	{ "\"\"", ETAG, false },
	{ "\"\x80\xff\"", "\"\x80\xff\"", true },
	{ "\"a\x7f\"", "\"a\x7f\"", false },
	/* a prefix or extension of the tag is another tag */
	{ "\"9f86d081884c7d6\"", ETAG, false },
	{ "\"9f86d081884c7d655\"", ETAG, false },
};

START_TEST(test_etag_table)
{
	char	*inm = exact(etag_cases[_i].inm);
	char	*etag = exact(etag_cases[_i].etag);

	ck_assert_msg(http_etag_match(inm, etag) == etag_cases[_i].want,
	    "[%s] vs [%s]", etag_cases[_i].inm ? etag_cases[_i].inm : "(null)",
	    etag_cases[_i].etag ? etag_cases[_i].etag : "(null)");
	free(inm);
	free(etag);
}
END_TEST

START_TEST(test_etag_prefixes)
{
	const char	*full = "\"a\", W/\"b\",  " ETAG;
	size_t		 n;

	for (n = 0; n <= strlen(full); n++) {
		char	*h = prefix(full, n);

		ck_assert(http_etag_match(h, ETAG) == (n == strlen(full)));
		free(h);
	}
}
END_TEST

START_TEST(test_etag_long)
{
	struct buf	 b;
	int		 i;

	/* 10000 other tags and the right one last */
	buf_init(&b, 1 << 20);
	for (i = 0; i < 10000; i++)
		ck_assert_int_eq(buf_printf(&b, "W/\"%d\", ", i), IMG_OK);
	ck_assert_int_eq(buf_adds(&b, ETAG), IMG_OK);
	ck_assert(http_etag_match(b.data, ETAG));
	buf_free(&b);
}
END_TEST

/* --- Accept --------------------------------------------------------------- */

static const struct {
	const char	*accept;
	bool		 want;
} accept_cases[] = {
	{ NULL, false },
	{ "", false },
	{ " , ,", false },
	{ "image/png", true },
	{ "IMAGE/PNG", true },
	{ "Image/Jpeg", true },
	{ "image/*", true },
	{ "image/svg+xml", true },
	{ "application/octet-stream", true },
	{ "Application/Octet-Stream", true },
	{ "*/*", false },
	{ "*/*;q=0.8", false },
	{ "application/*", false },
	{ "application/json", false },
	{ "application/octet-streamx", false },
	{ "imagex/png", false },
	{ "text/html", false },
	{ "text/html, image/webp;q=0.5", true },
	{ "text/html,application/xhtml+xml,*/*;q=0.8", false },
	{ "text/html;level=1;q=0.9, image/avif", true },
	{ ",,image/gif,,", true },
	{ "image/png ; q=0.5 ", true },
	{ "image/png;;q=0.5", true },
	{ "image/png;charset=utf-8;q=0.8", true },
	{ "image/png;a=\"x;y,z\"", true },
	/* q values */
	{ "image/png;q=0", false },
	{ "image/png;q=0.", false },
	{ "image/png;q=0.0", false },
	{ "image/png;q=0.00", false },
	{ "image/png;q=0.000", false },
	{ "image/png;Q=0", false },
	{ "image/png;q=0.001", true },
	{ "image/png;q=0.5", true },
	{ "image/png;q=1", true },
	{ "image/png;q=1.", true },
	{ "image/png;q=1.0", true },
	{ "image/png;q=1.000", true },
	{ "application/octet-stream;q=0", false },
	{ "image/*;q=0", false },
	{ "image/png;q=0, */*", false },
	{ "image/png;q=0, image/*", true },
	{ "image/*;q=0, application/octet-stream", true },
	/* malformed q: the range is ignored */
	{ "image/png;q=", false },
	{ "image/png;q=1.001", false },
	{ "image/png;q=1.5", false },
	{ "image/png;q=2", false },
	{ "image/png;q=0.0000", false },
	{ "image/png;q=0.5000", false },
	{ "image/png;q=.5", false },
	{ "image/png;q=-1", false },
	{ "image/png;q=abc", false },
	{ "image/png;q=\"1\"", false },
	{ "image/png;q=0.5x", false },
	{ "image/png;q=1.0, image/gif;q=bad", true },
	{ "image/gif;q=bad, image/png", true },
	/* malformed ranges are skipped, the rest still counts */
	{ "image", false },
	{ "image/", false },
	{ "/png", false },
	{ "image/png garbage", false },
	{ "image /png", false },
	{ "image/ png", false },
	{ "garbage, image/png", true },
	{ "@@@, image/png", true },
	{ "image/png;", true },
	{ "image/png;=x", false },
	{ "image/png;a", false },
	{ "image/png;a=", false },
	{ "image/png;a=\"unterminated", false },
	{ "x/y;a=\"q,image/png\"", false },
	{ "x/y;a=\"unterminated, image/png", false },
	{ "x/y;a=\"esc\\\", image/png\"", false },
	{ "x/y;a=\"esc\\\\\", image/png", true },
	/* a broken quoted string hides the rest of the field */
	{ "x/y;a=\"bad\x01\", image/png", false },
	{ "image/png, x/y;a=\"bad\x01\"", true },
	{ "x/y;a=\"\\", false },
};

START_TEST(test_accept_table)
{
	char	*a = exact(accept_cases[_i].accept);

	ck_assert_msg(http_accept_image(a) == accept_cases[_i].want, "[%s]",
	    accept_cases[_i].accept ? accept_cases[_i].accept : "(null)");
	free(a);
}
END_TEST

START_TEST(test_accept_prefixes)
{
	const char	*full = "text/html;q=0.9;a=\"b,c\", image/png;q=0.5";
	size_t		 n;

	for (n = 0; n <= strlen(full); n++) {
		char	*h = prefix(full, n);

		(void)http_accept_image(h);
		free(h);
	}
	{
		char	*h = exact(full);

		ck_assert(http_accept_image(h));
		free(h);
	}
}
END_TEST

START_TEST(test_accept_long)
{
	struct buf	 b;
	int		 i;

	buf_init(&b, 1 << 20);
	for (i = 0; i < 5000; i++)
		ck_assert_int_eq(buf_adds(&b, "text/x;q=0.1, "), IMG_OK);
	ck_assert(!http_accept_image(b.data));
	ck_assert_int_eq(buf_adds(&b, "image/gif"), IMG_OK);
	ck_assert(http_accept_image(b.data));
	buf_free(&b);
}
END_TEST

/* --- Content-Disposition -------------------------------------------------- */

static const struct {
	const char	*name;
	const char	*want;
} cd_cases[] = {
	{ NULL, "inline" },
	{ "", "inline" },
	{ "sunset.jpg", "inline; filename=\"sunset.jpg\"" },
	{ "a b.jpg", "inline; filename=\"a b.jpg\"" },
	{ "a;b=c,d'(e).jpg", "inline; filename=\"a;b=c,d'(e).jpg\"" },
	{ "caf\xc3\xa9.jpg",
	    "inline; filename=\"caf_.jpg\"; filename*=UTF-8''caf%C3%A9.jpg" },
	{ "a\"b.jpg",
	    "inline; filename=\"a_b.jpg\"; filename*=UTF-8''a%22b.jpg" },
	{ "a\\b.jpg",
	    "inline; filename=\"a_b.jpg\"; filename*=UTF-8''a%5Cb.jpg" },
	{ "100%.png",
	    "inline; filename=\"100_.png\"; filename*=UTF-8''100%25.png" },
	{ "tab\t.jpg",
	    "inline; filename=\"tab_.jpg\"; filename*=UTF-8''tab%09.jpg" },
	{ "del\x7f.jpg",
	    "inline; filename=\"del_.jpg\"; filename*=UTF-8''del%7F.jpg" },
	{ "\xf0\x9f\x98\x80.png",
	    "inline; filename=\"_.png\"; filename*=UTF-8''%F0%9F%98%80.png" },
	{ "\xe6\x97\xa5\xe6\x9c\xac.gif",
	    "inline; filename=\"__.gif\"; "
	    "filename*=UTF-8''%E6%97%A5%E6%9C%AC.gif" },
	{ "a b\xc3\xa9.jpg",
	    "inline; filename=\"a b_.jpg\"; filename*=UTF-8''a%20b%C3%A9.jpg" },
	{ "x!#$&+-.^_`|~y",
	    "inline; filename=\"x!#$&+-.^_`|~y\"" },
	{ "\xc3\xa9'*(", "inline; filename=\"_'*(\"; "
	    "filename*=UTF-8''%C3%A9%27%2A%28" },
	/* broken UTF-8: never past the NUL, one '_' per character tried */
	{ "\x80\x80x", "inline; filename=\"__x\"; filename*=UTF-8''%80%80x" },
	{ "x\xe6\x97", "inline; filename=\"x_\"; filename*=UTF-8''x%E6%97" },
	{ "\xe6x", "inline; filename=\"_x\"; filename*=UTF-8''%E6x" },
	{ "\xf0", "inline; filename=\"_\"; filename*=UTF-8''%F0" },
	{ "\xff\xfe", "inline; filename=\"__\"; filename*=UTF-8''%FF%FE" },
};

START_TEST(test_cd_table)
{
	struct buf	 b;
	char		*name = exact(cd_cases[_i].name);

	buf_init(&b, 4096);
	ck_assert_int_eq(http_content_disposition(&b, name), IMG_OK);
	ck_assert_str_eq(b.data, cd_cases[_i].want);
	buf_free(&b);
	free(name);
}
END_TEST

START_TEST(test_cd_appends_and_cap)
{
	struct buf	 b;
	size_t		 cap;
	const char	*full = "inline; filename=\"caf_.jpg\"; "
	    "filename*=UTF-8''caf%C3%A9.jpg";

	buf_init(&b, 4096);
	ck_assert_int_eq(buf_adds(&b, "X: "), IMG_OK);
	ck_assert_int_eq(http_content_disposition(&b, "caf\xc3\xa9.jpg"),
	    IMG_OK);
	ck_assert_str_eq(b.data + 3, full);
	buf_free(&b);
	/* every cap too small fails and leaves the buffer as it was */
	for (cap = 3; cap < 3 + strlen(full); cap++) {
		buf_init(&b, cap);
		ck_assert_int_eq(buf_adds(&b, "X: "), IMG_OK);
		ck_assert_int_eq(http_content_disposition(&b,
		    "caf\xc3\xa9.jpg"), IMG_ETOOBIG);
		ck_assert_uint_eq(b.len, 3);
		ck_assert_str_eq(b.data, "X: ");
		buf_free(&b);
	}
	buf_init(&b, 3 + strlen(full));
	ck_assert_int_eq(buf_adds(&b, "X: "), IMG_OK);
	ck_assert_int_eq(http_content_disposition(&b, "caf\xc3\xa9.jpg"),
	    IMG_OK);
	buf_free(&b);
}
END_TEST

START_TEST(test_cd_every_byte)
{
	struct buf	 b;
	char		 name[4];
	int		 c;
	const char	*q, *star;

	/* Whatever one byte is, the fallback stays a clean quoted string. */
	for (c = 1; c < 256; c++) {
		name[0] = 'a';
		name[1] = (char)c;
		name[2] = 'z';
		name[3] = '\0';
		buf_init(&b, 4096);
		ck_assert_int_eq(http_content_disposition(&b, name), IMG_OK);
		q = strchr(b.data, '"');
		ck_assert_ptr_nonnull(q);
		ck_assert_ptr_nonnull(strchr(q + 1, '"'));
		for (q = b.data; *q != '\0'; q++)
			ck_assert(*q >= 0x20 && *q < 0x7f);
		star = strstr(b.data, "filename*=");
		ck_assert((star == NULL) == (c >= 0x20 && c < 0x7f &&
		    c != '"' && c != '\\' && c != '%'));
		buf_free(&b);
	}
}
END_TEST

/* --- Body forms ----------------------------------------------------------- */

static const struct {
	const char	*ct;
	enum body_form	 want;
} form_cases[] = {
	{ NULL, BODY_JSON },
	{ "", BODY_JSON },
	{ "  \t", BODY_JSON },
	{ "application/json", BODY_JSON },
	{ "Application/JSON; charset=utf-8", BODY_JSON },
	{ " application/json ", BODY_JSON },
	{ "application/json;", BODY_JSON },
	{ "application/json\t;a=b", BODY_JSON },
	{ "application/json;garbage\"", BODY_JSON },
	{ "application/vnd.api+json", BODY_JSON },
	{ "application/problem+JSON", BODY_JSON },
	{ "application/+json", BODY_UNSUPPORTED },
	{ "application/json5", BODY_UNSUPPORTED },
	{ "application/jsonx", BODY_UNSUPPORTED },
	{ "application/x+jsonx", BODY_UNSUPPORTED },
	{ "text/plain", BODY_JSON },
	{ "TEXT/PLAIN;charset=UTF-8", BODY_JSON },
	{ "text/html", BODY_UNSUPPORTED },
	{ "text/json", BODY_UNSUPPORTED },
	{ "application/x-www-form-urlencoded", BODY_JSON },
	{ "application/x-www-form-urlencoded; charset=utf-8", BODY_JSON },
	{ "multipart/form-data; boundary=abc", BODY_MULTIPART },
	{ "MULTIPART/FORM-DATA", BODY_MULTIPART },
	{ "multipart/mixed; boundary=abc", BODY_UNSUPPORTED },
	{ "image/jpeg", BODY_RAW },
	{ "Image/PNG", BODY_RAW },
	{ "image/x-whatever", BODY_RAW },
	{ "image/svg+xml; charset=utf-8", BODY_RAW },
	{ "application/octet-stream", BODY_RAW },
	{ "Application/Octet-Stream", BODY_RAW },
	{ "application/xml", BODY_UNSUPPORTED },
	{ "video/mp4", BODY_UNSUPPORTED },
	{ "json", BODY_UNSUPPORTED },
	{ "image", BODY_UNSUPPORTED },
	{ "image/", BODY_UNSUPPORTED },
	{ "application/", BODY_UNSUPPORTED },
	{ "/json", BODY_UNSUPPORTED },
	{ "application/json x", BODY_UNSUPPORTED },
	{ "application /json", BODY_UNSUPPORTED },
	{ "application/json,text/plain", BODY_UNSUPPORTED },
	{ "\"application/json\"", BODY_UNSUPPORTED },
	{ ";", BODY_UNSUPPORTED },
	{ "\x01", BODY_UNSUPPORTED },
};

START_TEST(test_form_table)
{
	char	*ct = exact(form_cases[_i].ct);

	ck_assert_msg(http_body_form(ct) == form_cases[_i].want, "[%s]",
	    form_cases[_i].ct ? form_cases[_i].ct : "(null)");
	free(ct);
}
END_TEST

START_TEST(test_form_prefixes)
{
	const char	*full = "multipart/form-data; boundary=x";
	size_t		 n;

	for (n = 0; n <= strlen(full); n++) {
		char		*h = prefix(full, n);
		enum body_form	 f = http_body_form(h);

		if (n == 0)
			ck_assert_int_eq(f, BODY_JSON);
		else if (n >= strlen("multipart/form-data"))
			ck_assert_int_eq(f, BODY_MULTIPART);
		else
			ck_assert_int_eq(f, BODY_UNSUPPORTED);
		free(h);
	}
}
END_TEST

/* --- Media parameters ----------------------------------------------------- */

#define MP	"multipart/form-data"

static const struct {
	const char	*ct;
	const char	*name;
	size_t		 outlen;
	bool		 want;
	const char	*value;
} param_cases[] = {
	{ MP "; boundary=abc", "boundary", 64, true, "abc" },
	{ MP "; BOUNDARY=abc", "boundary", 64, true, "abc" },
	{ MP "; boundary=abc", "Boundary", 64, true, "abc" },
	{ MP ";boundary=abc", "boundary", 64, true, "abc" },
	{ MP " ; boundary=abc ", "boundary", 64, true, "abc" },
	{ MP "; boundary = abc", "boundary", 64, true, "abc" },
	{ MP "; boundary=\"a b\\\"c\"", "boundary", 64, true, "a b\"c" },
	{ MP "; boundary=\"a\\\\b\"", "boundary", 64, true, "a\\b" },
	{ MP "; boundary=\"a;b=c,d\"", "boundary", 64, true, "a;b=c,d" },
	{ MP "; boundary=\"\\x\"", "boundary", 64, true, "x" },
	{ MP "; charset=utf-8;boundary=xyz", "boundary", 64, true, "xyz" },
	{ MP "; charset=utf-8;boundary=xyz", "charset", 64, true, "utf-8" },
	{ MP ";; boundary=abc", "boundary", 64, true, "abc" },
	{ MP "; boundary=abc; boundary=def", "boundary", 64, true, "abc" },
	{ MP "; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", "boundary",
	    64, true, "----WebKitFormBoundary7MA4YWxkTrZu0gW" },
	{ MP "; x=\"boundary=abc\"; boundary=ok", "boundary", 64, true, "ok" },
	/* the value must fit with its NUL */
	{ MP "; boundary=abc", "boundary", 4, true, "abc" },
	{ MP "; boundary=abc", "boundary", 3, false, "" },
	{ MP "; boundary=\"abc\"", "boundary", 3, false, "" },
	{ MP "; boundary=abc", "boundary", 1, false, "" },
	/* absent, empty, malformed */
	{ NULL, "boundary", 64, false, "" },
	{ MP "; boundary=abc", NULL, 64, false, "" },
	{ MP, "boundary", 64, false, "" },
	{ MP ";", "boundary", 64, false, "" },
	{ MP "; boundary=", "boundary", 64, false, "" },
	{ MP "; boundary=;", "boundary", 64, false, "" },
	{ MP "; boundary=\"\"", "boundary", 64, false, "" },
	{ MP "; boundary=\"abc", "boundary", 64, false, "" },
	{ MP "; boundary=\"abc\\", "boundary", 64, false, "" },
	{ MP "; boundary=\"a\x01\"", "boundary", 64, false, "" },
	{ MP "; boundaryx=abc", "boundary", 64, false, "" },
	{ MP "; boundar=abc", "boundary", 64, false, "" },
	{ MP "; x=\"boundary=abc\"", "boundary", 64, false, "" },
	{ MP "; a; boundary=abc", "boundary", 64, false, "" },
	{ MP "; =abc; boundary=abc", "boundary", 64, false, "" },
	{ MP "; x=\"unterminated; boundary=abc", "boundary", 64, false, "" },
	{ "garbage; boundary=abc", "boundary", 64, false, "" },
	{ "; boundary=abc", "boundary", 64, false, "" },
	{ "", "boundary", 64, false, "" },
	/* anything malformed after the value spoils the field */
	{ MP "; boundary=a@b", "boundary", 64, false, "" },
	{ MP "; boundary=abc; x", "boundary", 64, false, "" },
	{ MP "; boundary=abc x", "boundary", 64, false, "" },
	{ MP " x; boundary=abc", "boundary", 64, false, "" },
	{ MP "; boundary=abc;", "boundary", 64, true, "abc" },
};

START_TEST(test_param_table)
{
	char	*ct = exact(param_cases[_i].ct);
	char	*name = exact(param_cases[_i].name);
	char	*out = malloc(param_cases[_i].outlen);
	bool	 ok;

	ck_assert_ptr_nonnull(out);
	memset(out, 'Z', param_cases[_i].outlen);
	ok = http_media_param(ct, name, out, param_cases[_i].outlen);
	ck_assert_msg(ok == param_cases[_i].want, "[%s]",
	    param_cases[_i].ct ? param_cases[_i].ct : "(null)");
	ck_assert_str_eq(out, param_cases[_i].value);
	free(out);
	free(ct);
	free(name);
}
END_TEST

START_TEST(test_param_edges)
{
	char	 out[8] = "unset";
	char	*big, *ct;
	size_t	 n;

	ck_assert(!http_media_param(MP "; boundary=abc", "boundary", out, 0));
	ck_assert_str_eq(out, "unset");
	/* a 70-byte boundary, the RFC 2046 maximum, and a huge one */
	big = repeat('b', 70);
	n = strlen(MP "; boundary=") + 70 + 1;
	ct = malloc(n);
	ck_assert_ptr_nonnull(ct);
	memcpy(ct, MP "; boundary=", strlen(MP "; boundary="));
	memcpy(ct + strlen(MP "; boundary="), big, 71);
	{
		char	 v[71];

		ck_assert(http_media_param(ct, "boundary", v, sizeof(v)));
		ck_assert_str_eq(v, big);
		ck_assert(!http_media_param(ct, "boundary", v, 70));
	}
	free(ct);
	free(big);
	big = repeat('x', 100000);
	big[0] = ';';
	big[1] = 'a';
	big[2] = '=';
	ck_assert(!http_media_param(big, "a", out, sizeof(out)));
	free(big);
	/* cut at every length */
	{
		const char	*full = MP "; a=\"q\\\"z\"; boundary=\"x y\"";
		char		 v[16];

		for (n = 0; n <= strlen(full); n++) {
			char	*h = prefix(full, n);

			(void)http_media_param(h, "boundary", v, sizeof(v));
			free(h);
		}
		ck_assert(http_media_param(full, "boundary", v, sizeof(v)));
		ck_assert_str_eq(v, "x y");
		ck_assert(http_media_param(full, "a", v, sizeof(v)));
		ck_assert_str_eq(v, "q\"z");
	}
}
END_TEST

/* --- Request ids ---------------------------------------------------------- */

static const struct {
	const char	*id;
	bool		 want;
} reqid_cases[] = {
	{ NULL, false },
	{ "", false },
	{ "a", true },
	{ "abc-123_XYZ", true },
	{ "f47ac10b-58cc-4372-a567-0e02b2c3d479", true },
	{ "a b", true },
	{ "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", true },
	{ " ", false },
	{ "   ", false },
	{ " abc", false },
	{ "abc ", false },
	{ "a\tb", false },
	{ "a\nb", false },
	{ "\x01", false },
	{ "a\x7f", false },
	{ "caf\xc3\xa9", false },
	{ "\xff", false },
};

START_TEST(test_reqid_table)
{
	char	*id = exact(reqid_cases[_i].id);

	ck_assert_msg(http_request_id_ok(id) == reqid_cases[_i].want, "[%s]",
	    reqid_cases[_i].id ? reqid_cases[_i].id : "(null)");
	free(id);
}
END_TEST

START_TEST(test_reqid_lengths)
{
	static const struct {
		size_t	 n;
		bool	 want;
	} lens[] = {
		{ 1, true }, { 199, true }, { 200, true }, { 201, false },
		{ 1000, false }, { 1000000, false },
	};
	size_t	 i;

	for (i = 0; i < NELEM(lens); i++) {
		char	*s = repeat('r', lens[i].n);

		ck_assert_msg(http_request_id_ok(s) == lens[i].want, "%zu",
		    lens[i].n);
		free(s);
	}
}
END_TEST

/* --- UUIDs ---------------------------------------------------------------- */

static const struct {
	const char	*s;
	size_t		 len;
	bool		 want;
	const char	*out;
} uuid_cases[] = {
	{ "f47ac10b-58cc-4372-a567-0e02b2c3d479", 36, true,
	    "f47ac10b-58cc-4372-a567-0e02b2c3d479" },
	{ "F47AC10B-58CC-4372-A567-0E02B2C3D479", 36, true,
	    "f47ac10b-58cc-4372-a567-0e02b2c3d479" },
	{ "F47ac10B-58cC-4372-a567-0E02b2c3D479", 36, true,
	    "f47ac10b-58cc-4372-a567-0e02b2c3d479" },
	{ "00000000-0000-0000-0000-000000000000", 36, true,
	    "00000000-0000-0000-0000-000000000000" },
	{ "ffffffff-ffff-ffff-ffff-ffffffffffff", 36, true,
	    "ffffffff-ffff-ffff-ffff-ffffffffffff" },
	/* version 1 and 7 ids are well-formed too */
	{ "6ba7b810-9dad-11d1-80b4-00c04fd430c8", 36, true,
	    "6ba7b810-9dad-11d1-80b4-00c04fd430c8" },
	{ "01890a5d-ac96-774b-bcce-b302099a8057", 36, true,
	    "01890a5d-ac96-774b-bcce-b302099a8057" },
	/* only len bytes are looked at */
	{ "f47ac10b-58cc-4372-a567-0e02b2c3d479xyz", 36, true,
	    "f47ac10b-58cc-4372-a567-0e02b2c3d479" },
	{ "f47ac10b-58cc-4372-a567-0e02b2c3d479x", 37, false, "" },
	{ "f47ac10b-58cc-4372-a567-0e02b2c3d47", 35, false, "" },
	{ "", 0, false, "" },
	{ NULL, 36, false, "" },
	{ "{f47ac10b-58cc-4372-a567-0e02b2c3d4}", 36, false, "" },
	{ "f47ac10b58cc-4372-a567-0e02b2c3d479a", 36, false, "" },
	{ "f47ac10b-58cc-4372-a5670-e02b2c3d479", 36, false, "" },
	{ "f47ac10b-58cc-4372-a567-0e02b2c3d47g", 36, false, "" },
	{ "g47ac10b-58cc-4372-a567-0e02b2c3d479", 36, false, "" },
	{ "f47ac10b-58cc-4372-a567_0e02b2c3d479", 36, false, "" },
	{ "f47ac10b 58cc 4372 a567 0e02b2c3d479", 36, false, "" },
	{ "f47ac10b-58cc-4372-a567-0e02b2c3d4 9", 36, false, "" },
	{ "------------------------------------", 36, false, "" },
	{ "f47ac10b-58cc-4372-a567-0e02b2c3d479", 0, false, "" },
	{ "f47ac10b-58cc-4372-a567-0e02b2c3d479", 32, false, "" },
	{ "f47ac10b58cc4372a5670e02b2c3d479", 32, false, "" },
};

START_TEST(test_uuid_table)
{
	char	 out[IMAGE_ID_SIZE];
	char	*s = NULL;
	size_t	 len = uuid_cases[_i].len;

	/* exactly len bytes, no NUL after them */
	if (uuid_cases[_i].s != NULL) {
		ck_assert(strlen(uuid_cases[_i].s) >= len);
		s = malloc(len > 0 ? len : 1);
		ck_assert_ptr_nonnull(s);
		memcpy(s, uuid_cases[_i].s, len);
	}
	memset(out, 'Z', sizeof(out));
	ck_assert_msg(uuid_parse(s, len, out) == uuid_cases[_i].want, "[%s]",
	    uuid_cases[_i].s ? uuid_cases[_i].s : "(null)");
	ck_assert_str_eq(out, uuid_cases[_i].out);
	free(s);
}
END_TEST

START_TEST(test_uuid_embedded_nul)
{
	char	 s[36], out[IMAGE_ID_SIZE];
	size_t	 i;

	for (i = 0; i < 36; i++) {
		memcpy(s, "f47ac10b-58cc-4372-a567-0e02b2c3d479", 36);
		s[i] = '\0';
		ck_assert(!uuid_parse(s, 36, out));
	}
	memcpy(s, "f47ac10b-58cc-4372-a567-0e02b2c3d479", 36);
	ck_assert(uuid_parse(s, 36, out));
	ck_assert_str_eq(out, "f47ac10b-58cc-4372-a567-0e02b2c3d479");
}
END_TEST

/* --- Times: formatting ---------------------------------------------------- */

static const struct {
	int64_t		 usec;
	const char	*want;
} rfc3339_cases[] = {
	{ 0, "1970-01-01T00:00:00.000000Z" },
	{ 1, "1970-01-01T00:00:00.000001Z" },
	{ 999999, "1970-01-01T00:00:00.999999Z" },
	{ 1000000, "1970-01-01T00:00:01.000000Z" },
	{ INT64_C(1795556425123456), "2026-11-24T21:40:25.123456Z" },
	{ INT64_C(951782400000000), "2000-02-29T00:00:00.000000Z" },
	{ INT64_C(1709164800000000), "2024-02-29T00:00:00.000000Z" },
	{ INT64_C(1709164800000000) - 1, "2024-02-28T23:59:59.999999Z" },
	{ -1, "1969-12-31T23:59:59.999999Z" },
	{ -1000000, "1969-12-31T23:59:59.000000Z" },
	{ INT64_C(-2203891200000000), "1900-03-01T00:00:00.000000Z" },
	{ INT64_C(-62135596800000000), "0001-01-01T00:00:00.000000Z" },
	{ INT64_C(-62167219200000000), "0000-01-01T00:00:00.000000Z" },
	{ INT64_C(253402300799999999), "9999-12-31T23:59:59.999999Z" },
	/* clamped to four-digit years */
	{ INT64_C(253402300800000000), "9999-12-31T23:59:59.999999Z" },
	{ INT64_MAX, "9999-12-31T23:59:59.999999Z" },
	{ INT64_C(-62167219200000001), "0000-01-01T00:00:00.000000Z" },
	{ INT64_MIN, "0000-01-01T00:00:00.000000Z" },
};

START_TEST(test_rfc3339_table)
{
	char	 out[32];

	memset(out, 'Z', sizeof(out));
	time_format_rfc3339(rfc3339_cases[_i].usec, out);
	ck_assert_str_eq(out, rfc3339_cases[_i].want);
	ck_assert_uint_eq(strlen(out), 27);
}
END_TEST

START_TEST(test_rfc3339_vs_gmtime)
{
	int64_t		 s, frac;
	char		 out[32], want[64];
	struct tm	 tm;

	/* 0000-01-01 to 9999-12-31 in uneven steps, hitting every field */
	for (s = INT64_C(-62167219200); s < INT64_C(253402300800);
	    s += INT64_C(9876543) + s % 97) {
		time_t	 t = (time_t)s;

		frac = (s % 1000000 + 1000000) % 1000000;
		ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
		snprintf(want, sizeof(want),
		    "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec, (int)frac);
		time_format_rfc3339(s * 1000000 + frac, out);
		ck_assert_str_eq(out, want);
	}
}
END_TEST

static const struct {
	time_t		 t;
	const char	*want;
} http_date_cases[] = {
	{ 0, "Thu, 01 Jan 1970 00:00:00 GMT" },
	{ 784111777, "Sun, 06 Nov 1994 08:49:37 GMT" },
	{ 1795556425, "Tue, 24 Nov 2026 21:40:25 GMT" },
	{ 951782400, "Tue, 29 Feb 2000 00:00:00 GMT" },
	{ -1, "Wed, 31 Dec 1969 23:59:59 GMT" },
	{ 2147483647, "Tue, 19 Jan 2038 03:14:07 GMT" },
	{ (time_t)INT64_C(2147483648), "Tue, 19 Jan 2038 03:14:08 GMT" },
	{ (time_t)INT64_C(253402300799), "Fri, 31 Dec 9999 23:59:59 GMT" },
	{ (time_t)INT64_C(-62167219200), "Sat, 01 Jan 0000 00:00:00 GMT" },
	{ (time_t)INT64_C(999999999999999), "Fri, 31 Dec 9999 23:59:59 GMT" },
	{ (time_t)INT64_MIN, "Sat, 01 Jan 0000 00:00:00 GMT" },
};

START_TEST(test_http_date_table)
{
	char	 out[32];

	memset(out, 'Z', sizeof(out));
	time_format_http(http_date_cases[_i].t, out);
	ck_assert_str_eq(out, http_date_cases[_i].want);
}
END_TEST

START_TEST(test_http_date_vs_gmtime)
{
	static const char *const	 wd[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char *const	 mon[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec"
	};
	int64_t		 s;
	char		 out[32], want[64];
	struct tm	 tm;

	for (s = INT64_C(-62167219200); s < INT64_C(253402300800);
	    s += INT64_C(7654321) + s % 89) {
		time_t	 t = (time_t)s;

		ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
		snprintf(want, sizeof(want), "%s, %02d %s %04d %02d:%02d:%02d GMT",
		    wd[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon],
		    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
		time_format_http(t, out);
		ck_assert_str_eq(out, want);
	}
}
END_TEST

/* --- Times: parsing bounds ------------------------------------------------ */

#define D2026	INT64_C(1767225600000000)	/* 2026-01-01T00:00:00Z */
#define DAY	INT64_C(86400000000)

static const struct {
	const char	*s;
	bool		 upper;
	bool		 want;
	int64_t		 usec;
} bound_cases[] = {
	{ "2026-01-01", false, true, D2026 },
	{ "2026-01-01", true, true, D2026 + DAY - 1 },
	{ "2024-02-29", false, true, INT64_C(1709164800000000) },
	{ "2000-02-29", false, true, INT64_C(951782400000000) },
	{ "1970-01-01", false, true, 0 },
	{ "1969-12-31", true, true, -1 },
	{ "0000-01-01", false, true, INT64_C(-62167219200000000) },
	{ "0000-02-29", false, true, INT64_C(-62162121600000000) },
	{ "9999-12-31", true, true, INT64_C(253402300799999999) },
	{ "2026-01-01T00:00:00Z", false, true, D2026 },
	{ "2026-01-01T00:00:00Z", true, true, D2026 },
	{ "2026-01-01t00:00:00z", false, true, D2026 },
	{ "2026-11-24T21:40:25.123456Z", false, true,
	    INT64_C(1795556425123456) },
	{ "2026-01-01T00:00:00.5Z", false, true, D2026 + 500000 },
	{ "2026-01-01T00:00:00.05Z", false, true, D2026 + 50000 },
	{ "2026-01-01T00:00:00.000001Z", false, true, D2026 + 1 },
	{ "2026-01-01T00:00:00.123456000Z", false, true, D2026 + 123456 },
	{ "2026-01-01T00:00:00.123456000Z", true, true, D2026 + 123456 },
	/* past the microsecond: a lower bound rounds up, an upper down */
	{ "2026-01-01T00:00:00.123456789Z", false, true, D2026 + 123457 },
	{ "2026-01-01T00:00:00.123456789Z", true, true, D2026 + 123456 },
	{ "2026-01-01T00:00:00.0000001Z", false, true, D2026 + 1 },
	{ "2026-01-01T00:00:00.0000001Z", true, true, D2026 },
	{ "2025-12-31T23:59:59.999999999Z", false, true, D2026 },
	{ "2026-01-01T00:00:00+01:00", false, true, INT64_C(1767222000000000) },
	{ "2026-06-15T12:30:00-05:30", false, true, INT64_C(1781546400000000) },
	{ "2026-01-01T00:00:00-00:00", false, true, D2026 },
	{ "2026-01-01T00:00:00+00:00", false, true, D2026 },
	{ "2026-01-01T23:59:59+23:59", false, true,
	    D2026 + DAY - 1000000 - INT64_C(86340000000) },
	{ "2026-12-31T23:59:59.999999Z", false, true,
	    D2026 + 365 * DAY - 1 },
	/* impossible dates and times */
	{ "2026-02-29", false, false, 0 },
	{ "2026-02-30", false, false, 0 },
	{ "1900-02-29", false, false, 0 },
	{ "2026-04-31", false, false, 0 },
	{ "2026-13-01", false, false, 0 },
	{ "2026-00-10", false, false, 0 },
	{ "2026-01-00", false, false, 0 },
	{ "2026-01-32", false, false, 0 },
	{ "2026-01-01T24:00:00Z", false, false, 0 },
	{ "2026-01-01T23:60:00Z", false, false, 0 },
	{ "2026-12-31T23:59:60Z", false, false, 0 },
	{ "2026-01-01T00:00:00+24:00", false, false, 0 },
	{ "2026-01-01T00:00:00+01:60", false, false, 0 },
	/* malformed */
	{ NULL, false, false, 0 },
	{ "", false, false, 0 },
	{ "2026", false, false, 0 },
	{ "2026-1-01", false, false, 0 },
	{ "2026-01-1", false, false, 0 },
	{ "26-01-01", false, false, 0 },
	{ "+2026-01-01", false, false, 0 },
	{ "-001-01-01", false, false, 0 },
	{ "20260101", false, false, 0 },
	{ "2026/01/01", false, false, 0 },
	{ " 2026-01-01", false, false, 0 },
	{ "2026-01-01 ", false, false, 0 },
	{ "2026-01-01T", false, false, 0 },
	{ "2026-01-01T00:00:00", false, false, 0 },
	{ "2026-01-01 00:00:00Z", false, false, 0 },
	{ "2026-01-01X00:00:00Z", false, false, 0 },
	{ "2026-01-01T00:00Z", false, false, 0 },
	{ "2026-01-01T0:00:00Z", false, false, 0 },
	{ "2026-01-01T00:00:00.Z", false, false, 0 },
	{ "2026-01-01T00:00:00.1234567890Z", false, false, 0 },
	{ "2026-01-01T00:00:00,5Z", false, false, 0 },
	{ "2026-01-01T00:00:00Z ", false, false, 0 },
	{ "2026-01-01T00:00:00ZZ", false, false, 0 },
	{ "2026-01-01T00:00:00+0100", false, false, 0 },
	{ "2026-01-01T00:00:00+01", false, false, 0 },
	{ "2026-01-01T00:00:00+01:0", false, false, 0 },
	{ "2026-01-01T00:00:00+01:00x", false, false, 0 },
	{ "2026-01-01T00:00:00 +01:00", false, false, 0 },
	{ "2026-01-01T00:00:00GMT", false, false, 0 },
	{ "2026-01-01T00:00:00UTC", false, false, 0 },
	{ "today", false, false, 0 },
	{ "1767225600", false, false, 0 },
};

START_TEST(test_bound_table)
{
	char	*s = exact(bound_cases[_i].s);
	int64_t	 usec = 42;
	bool	 ok;

	ok = time_parse_bound(s, bound_cases[_i].upper, &usec);
	ck_assert_msg(ok == bound_cases[_i].want, "[%s]",
	    bound_cases[_i].s ? bound_cases[_i].s : "(null)");
	if (ok)
		ck_assert_msg(usec == bound_cases[_i].usec, "[%s] %lld != %lld",
		    bound_cases[_i].s, (long long)usec,
		    (long long)bound_cases[_i].usec);
	else
		ck_assert_int_eq(usec, 42);
	free(s);
}
END_TEST

START_TEST(test_bound_prefixes)
{
	const char	*full = "2026-11-24T21:40:25.123456789+05:30";
	size_t		 n;
	int64_t		 usec;

	for (n = 0; n <= strlen(full); n++) {
		char	*h = prefix(full, n);
		bool	 ok = time_parse_bound(h, false, &usec);

		/* only the bare date and the whole string parse */
		ck_assert_msg(ok == (n == 10 || n == strlen(full)), "%zu", n);
		free(h);
	}
}
END_TEST

START_TEST(test_bound_round_trip)
{
	int64_t	 u, got;
	char	 out[32];

	/* what we write, we read back to the microsecond */
	for (u = INT64_C(-62167219200000000); u < INT64_C(253402300800000000);
	    u += INT64_C(98765432101234) + u % 1000003) {
		time_format_rfc3339(u, out);
		ck_assert(time_parse_bound(out, false, &got));
		ck_assert_msg(got == u, "%s", out);
		ck_assert(time_parse_bound(out, true, &got));
		ck_assert_msg(got == u, "%s", out);
	}
}
END_TEST

START_TEST(test_bound_every_day)
{
	int	 y, m, d;
	int64_t	 prev = INT64_MIN, got;
	char	 s[16];

	/* each valid day of 1896-2104 is the day after the one before */
	for (y = 1896; y <= 2104; y++)
		for (m = 1; m <= 12; m++)
			for (d = 1; d <= 31; d++) {
				bool	 leap = (y % 4 == 0 && y % 100 != 0) ||
				    y % 400 == 0;
				int	 dim = m == 2 ? (leap ? 29 : 28) :
				    (m == 4 || m == 6 || m == 9 || m == 11) ?
				    30 : 31;

				snprintf(s, sizeof(s), "%04d-%02d-%02d", y, m, d);
				ck_assert(time_parse_bound(s, false, &got) ==
				    (d <= dim));
				if (d > dim)
					continue;
				if (prev != INT64_MIN)
					ck_assert(got == prev + DAY);
				prev = got;
			}
}
END_TEST

/* --- JSON strings --------------------------------------------------------- */

static const struct {
	const char	*in;
	const char	*want;
} json_cases[] = {
	{ NULL, "null" },
	{ "", "\"\"" },
	{ "abc", "\"abc\"" },
	{ "a\"b", "\"a\\\"b\"" },
	{ "\\", "\"\\\\\"" },
	{ "\"\"", "\"\\\"\\\"\"" },
	{ "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"" },
	{ "\x01", "\"\\u0001\"" },
	{ "\x1f", "\"\\u001f\"" },
	{ "\x0b", "\"\\u000b\"" },
	{ "\x7f", "\"\\u007f\"" },
	{ " ~", "\" ~\"" },
	{ "/</script>", "\"/</script>\"" },
	{ "caf\xc3\xa9 \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"" },
	{ "line1\nline2\\end\"", "\"line1\\nline2\\\\end\\\"\"" },
	{ "\x80\xff", "\"\x80\xff\"" },
};

START_TEST(test_json_table)
{
	struct buf	 b;
	char		*in = exact(json_cases[_i].in);

	buf_init(&b, 4096);
	ck_assert_int_eq(buf_adds(&b, "["), IMG_OK);
	ck_assert_int_eq(json_put_str(&b, in), IMG_OK);
	ck_assert_str_eq(b.data + 1, json_cases[_i].want);
	ck_assert_uint_eq(b.len, 1 + strlen(json_cases[_i].want));
	buf_free(&b);
	free(in);
}
END_TEST

START_TEST(test_json_cap)
{
	struct buf	 b;
	size_t		 cap;

	/* too small for even the unescaped bytes */
	buf_init(&b, 5);
	ck_assert_int_eq(buf_adds(&b, "x"), IMG_OK);
	ck_assert_int_eq(json_put_str(&b, "abcdef"), IMG_ETOOBIG);
	ck_assert_str_eq(b.data, "x");
	buf_free(&b);
	/* room for the bytes, not for their escapes: left as it was */
	for (cap = 1; cap < 1 + 14; cap++) {
		buf_init(&b, cap);
		ck_assert_int_eq(buf_adds(&b, "x"), IMG_OK);
		ck_assert_int_eq(json_put_str(&b, "\x01\x02"), IMG_ETOOBIG);
		ck_assert_uint_eq(b.len, 1);
		ck_assert_str_eq(b.data, "x");
		buf_free(&b);
	}
	buf_init(&b, 15);
	ck_assert_int_eq(buf_adds(&b, "x"), IMG_OK);
	ck_assert_int_eq(json_put_str(&b, "\x01\x02"), IMG_OK);
	ck_assert_str_eq(b.data, "x\"\\u0001\\u0002\"");
	buf_free(&b);
	buf_init(&b, 3);
	ck_assert_int_eq(json_put_str(&b, NULL), IMG_ETOOBIG);
	buf_free(&b);
}
END_TEST

START_TEST(test_json_decodes_back)
{
	struct buf	 b;
	char		*s;
	size_t		 n = 1 << 20, i;
	json_t		*j;
	json_error_t	 err;

	/* every ASCII byte, and UTF-8, over a long string */
	s = malloc(n + 1);
	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n; i++)
		s[i] = (char)(i % 127 + 1);
	for (i = 0; i + 2 < n; i += 1000) {
		s[i] = (char)0xc3;
		s[i + 1] = (char)0xa9;
	}
	s[n] = '\0';
	buf_init(&b, 8 * n);
	ck_assert_int_eq(json_put_str(&b, s), IMG_OK);
	j = json_loadb(b.data, b.len, JSON_DECODE_ANY, &err);
	ck_assert_msg(j != NULL, "%s", err.text);
	ck_assert(json_is_string(j));
	ck_assert_uint_eq(json_string_length(j), n);
	ck_assert(memcmp(json_string_value(j), s, n) == 0);
	/* printable only: no raw control byte escapes into the output */
	for (i = 0; i < b.len; i++)
		ck_assert((unsigned char)b.data[i] >= 0x20 &&
		    (unsigned char)b.data[i] != 0x7f);
	json_decref(j);
	buf_free(&b);
	free(s);
}
END_TEST

Suite	*httputil_suite(void);

Suite *
httputil_suite(void)
{
	Suite	*s = suite_create("httputil");
	TCase	*tc;

	tc = tcase_create("range");
	tcase_add_loop_test(tc, test_range_table, 0, NELEM(range_cases));
	tcase_add_test(tc, test_range_prefixes);
	tcase_add_test(tc, test_range_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("etag");
	tcase_add_loop_test(tc, test_etag_table, 0, NELEM(etag_cases));
	tcase_add_test(tc, test_etag_prefixes);
	tcase_add_test(tc, test_etag_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("accept");
	tcase_add_loop_test(tc, test_accept_table, 0, NELEM(accept_cases));
	tcase_add_test(tc, test_accept_prefixes);
	tcase_add_test(tc, test_accept_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("content_disposition");
	tcase_add_loop_test(tc, test_cd_table, 0, NELEM(cd_cases));
	tcase_add_test(tc, test_cd_appends_and_cap);
	tcase_add_test(tc, test_cd_every_byte);
	suite_add_tcase(s, tc);

	tc = tcase_create("media_type");
	tcase_add_loop_test(tc, test_form_table, 0, NELEM(form_cases));
	tcase_add_test(tc, test_form_prefixes);
	tcase_add_loop_test(tc, test_param_table, 0, NELEM(param_cases));
	tcase_add_test(tc, test_param_edges);
	suite_add_tcase(s, tc);

	tc = tcase_create("identifiers");
	tcase_add_loop_test(tc, test_reqid_table, 0, NELEM(reqid_cases));
	tcase_add_test(tc, test_reqid_lengths);
	tcase_add_loop_test(tc, test_uuid_table, 0, NELEM(uuid_cases));
	tcase_add_test(tc, test_uuid_embedded_nul);
	suite_add_tcase(s, tc);

	tc = tcase_create("times");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_rfc3339_table, 0, NELEM(rfc3339_cases));
	tcase_add_test(tc, test_rfc3339_vs_gmtime);
	tcase_add_loop_test(tc, test_http_date_table, 0,
	    NELEM(http_date_cases));
	tcase_add_test(tc, test_http_date_vs_gmtime);
	tcase_add_loop_test(tc, test_bound_table, 0, NELEM(bound_cases));
	tcase_add_test(tc, test_bound_prefixes);
	tcase_add_test(tc, test_bound_round_trip);
	tcase_add_test(tc, test_bound_every_day);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_loop_test(tc, test_json_table, 0, NELEM(json_cases));
	tcase_add_test(tc, test_json_cap);
	tcase_add_test(tc, test_json_decodes_back);
	suite_add_tcase(s, tc);

	return s;
}
