/*
 * check_httputil.c: the HTTP parsers and the Content-Disposition writer,
 * as tables of {input, expected}.  Every string input is handed over in a
 * heap copy of exactly its size, so a read past the NUL (or past the given
 * length) is caught by the address sanitizer; each valid input is also fed
 * cut at every length.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

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
	{ "bytes=18446744073709551615-", UINT64_MAX,
	    HTTP_RANGE_UNSATISFIABLE, 0, 0 },
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


Suite	*httputil_suite(void);

/* Host headers: the name without port or brackets, and the loopback's. */
START_TEST(test_host_names)
{
	static const struct {
		const char	*host;
		const char	*name;		/* NULL: malformed */
		bool		 loopback;
	} cases[] = {
		{ "localhost", "localhost", true },
		{ "LocalHost:8080", "localhost", true },
		{ "127.0.0.1", "127.0.0.1", true },
		{ "127.255.0.9:1", "127.255.0.9", true },
		{ "[::1]", "::1", true },
		{ "[::1]:8080", "::1", true },
		{ "[0:0:0:0:0:0:0:1]", "0:0:0:0:0:0:0:1", true },
		{ "128.0.0.1", "128.0.0.1", false },
		{ "Example.COM", "example.com", false },
		{ "localhost.example", "localhost.example", false },
		{ "[::2]:80", "::2", false },
		{ "", NULL, false },
		{ ":80", NULL, false },
		{ "a:", NULL, false },
		{ "a:port", NULL, false },
		{ "a:123456", NULL, false },
		{ "[::1", NULL, false },
		{ "[::1]x", NULL, false },
		{ "a b", NULL, false },
		{ "a/b", NULL, false },
	};
	char	 name[64];
	size_t	 i;

	for (i = 0; i < NELEM(cases); i++) {
		bool ok = http_host_name(cases[i].host, name, sizeof(name));

		ck_assert_msg(ok == (cases[i].name != NULL), "%s",
		    cases[i].host);
		if (!ok)
			continue;
		ck_assert_str_eq(name, cases[i].name);
		ck_assert_msg(http_host_loopback(name) == cases[i].loopback,
		    "%s", cases[i].host);
	}
	ck_assert(!http_host_name("abcdef", name, 6));
	ck_assert(http_host_name("abcde", name, 6));
}
END_TEST

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

	tc = tcase_create("hosts");
	tcase_add_test(tc, test_host_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("identifiers");
	tcase_add_loop_test(tc, test_reqid_table, 0, NELEM(reqid_cases));
	tcase_add_test(tc, test_reqid_lengths);
	suite_add_tcase(s, tc);

	return s;
}
