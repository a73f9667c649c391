/*
 * check_text.c: the general text helpers (UUIDs, times, JSON strings), as
 * tables of {input, expected}.  Every string input is handed over in a
 * heap copy of exactly its size, so a read past the NUL (or past the
 * given length) is caught by the address sanitizer; each valid input is
 * also fed cut at every length.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imaged/buf.h"
#include "imaged/text.h"

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
	char	 out[UUID_LEN + 1];
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
	char	 s[36], out[UUID_LEN + 1];
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
		snprintf(want, sizeof(want),
		    "%s, %02d %s %04d %02d:%02d:%02d GMT", wd[tm.tm_wday],
		    tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
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

				snprintf(s, sizeof(s), "%04d-%02d-%02d",
				    y, m, d);
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

/* One byte's escape, byte by byte, as json_put_str documents it. */
static size_t
escape_one(unsigned char c, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	static const char	 named[] = "\"\"\\\\\bb\ff\nn\rr\tt";
	size_t			 i;

	for (i = 0; named[i] != '\0'; i += 2)
		if ((unsigned char)named[i] == c) {
			out[0] = '\\';
			out[1] = named[i + 1];
			return 2;
		}
	if (c >= 0x20 && c != 0x7f) {
		out[0] = (char)c;
		return 1;
	}
	memcpy(out, "\\u00", 4);
	out[4] = hex[c >> 4];
	out[5] = hex[c & 0x0f];
	return 6;
}

/*
 * Text is scanned eight bytes at a time: a byte to escape at every
 * place of a word, and of the bytes left after the last whole word.
 */
START_TEST(test_json_chars_every_place)
{
	static const unsigned char	 odd[] = { 0x00, 0x01, 0x1f, '"',
					    '\\', 0x7f, ' ', '~', 0x80, 0xff };
	struct buf			 b;
	char				 in[24], want[24 * 6];
	size_t				 len, pos, k, i, n;

	for (len = 1; len <= sizeof(in); len++)
		for (pos = 0; pos < len; pos++)
			for (k = 0; k < sizeof(odd); k++) {
				memset(in, 'a', len);
				in[pos] = (char)odd[k];
				for (i = n = 0; i < len; i++)
					n += escape_one((unsigned char)in[i],
					    want + n);
				buf_init(&b, 4096);
				ck_assert_int_eq(json_put_chars(&b, in, len),
				    IMG_OK);
				ck_assert_uint_eq(b.len, n);
				ck_assert(memcmp(b.data, want, n) == 0);
				buf_free(&b);
			}
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

Suite	*text_suite(void);

Suite *
text_suite(void)
{
	Suite	*s = suite_create("text");
	TCase	*tc;

	tc = tcase_create("uuid");
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
	tcase_add_test(tc, test_json_chars_every_place);
	suite_add_tcase(s, tc);

	return s;
}
