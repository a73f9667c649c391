/*
 * text.c: general text helpers that know nothing of HTTP: hex digits,
 * UUIDs, times (RFC 3339, IMF-fixdate, and the created_after/before
 * bounds), and JSON strings.
 *
 * Invariants: every parser tests a byte before it moves past it, so none
 * reads past the NUL (or past the given length, for uuid_parse), however
 * the text is cut short.  Nothing here allocates except through struct
 * buf, holds state, or depends on the locale: character classes and case
 * folding are ASCII, and dates are converted with our own proleptic
 * Gregorian arithmetic rather than gmtime/timegm, so every year 0000-9999
 * works the same on every libc.  A formatter that fails leaves its buffer
 * as it was.
 */
#include <string.h>

#include "imaged/text.h"

#define USEC_PER_SEC	INT64_C(1000000)
#define SEC_PER_DAY	INT64_C(86400)
#define USEC_PER_DAY	(SEC_PER_DAY * USEC_PER_SEC)

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* --- Characters ----------------------------------------------------------- */

int
hex_value(int c)
{
	if (is_digit(c))
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* --- UUIDs -------------------------------------------------------------- */

void
uuid_format_v4(unsigned char b[16], char out[UUID_LEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i, o = 0;

	b[6] = (b[6] & 0x0f) | 0x40;	/* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 0xf];
	}
	out[o] = '\0';
}

/* out is the empty string on false. */
bool
uuid_parse(const char *s, size_t len, char out[UUID_LEN + 1])
{
	size_t	 i;
	int	 c;

	out[0] = '\0';
	if (s == NULL || len != UUID_LEN)
		return false;
	for (i = 0; i < 36; i++) {
		c = (unsigned char)s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (hex_value(c) < 0)
			return false;
	}
	for (i = 0; i < 36; i++)
		out[i] = (char)lower((unsigned char)s[i]);
	out[36] = '\0';
	return true;
}

/* --- Times ---------------------------------------------------------------- */

static bool
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int64_t y, int m)
{
	static const int	 days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/*
 * Days from 1970-01-01 to y-m-d, proleptic Gregorian.  The year is counted
 * from March, so that the leap day ends it; 400-year eras of 146097 days
 * repeat exactly.
 */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t	 era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;				/* 0-399 */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0-365 */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	/* 0-146096 */
	return era * 146097 + doe - 719468;
}

/* The inverse of days_from_civil. */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t	 era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Floor division and its non-negative remainder. */
static int64_t
floor_div(int64_t a, int64_t b, int64_t *rem)
{
	int64_t	 q = a / b, r = a % b;

	if (r < 0) {
		q--;
		r += b;
	}
	*rem = r;
	return q;
}

/* n decimal digits of v, zero-padded, at o. */
static char *
put_digits(char *o, int64_t v, int n)
{
	int	 i;

	for (i = n - 1; i >= 0; i--) {
		o[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return o + n;
}

/*
 * Time outside 0000-01-01..9999-12-31 is clamped to that range: RFC 3339
 * and IMF-fixdate have four-digit years, and no stored time is near it.
 */
void
time_format_rfc3339(int64_t usec, char out[32])
{
	int64_t	 days, rem, y, lo, hi;
	int	 m, d;
	char	*o = out;

	lo = days_from_civil(0, 1, 1) * USEC_PER_DAY;
	hi = days_from_civil(10000, 1, 1) * USEC_PER_DAY - 1;
	if (usec < lo)
		usec = lo;
	if (usec > hi)
		usec = hi;
	days = floor_div(usec, USEC_PER_DAY, &rem);
	civil_from_days(days, &y, &m, &d);
	o = put_digits(o, y, 4);
	*o++ = '-';
	o = put_digits(o, m, 2);
	*o++ = '-';
	o = put_digits(o, d, 2);
	*o++ = 'T';
	o = put_digits(o, rem / (3600 * USEC_PER_SEC), 2);
	*o++ = ':';
	o = put_digits(o, rem / (60 * USEC_PER_SEC) % 60, 2);
	*o++ = ':';
	o = put_digits(o, rem / USEC_PER_SEC % 60, 2);
	*o++ = '.';
	o = put_digits(o, rem % USEC_PER_SEC, 6);
	*o++ = 'Z';
	*o = '\0';
}

void
time_format_http(time_t t, char out[32])
{
	static const char	 wdays[] = "SunMonTueWedThuFriSat";
	static const char	 months[] =
	    "JanFebMarAprMayJunJulAugSepOctNovDec";
	int64_t			 s = (int64_t)t, days, rem, wday, y, lo, hi;
	int			 m, d;
	char			*o = out;

	lo = days_from_civil(0, 1, 1) * SEC_PER_DAY;
	hi = days_from_civil(10000, 1, 1) * SEC_PER_DAY - 1;
	if (s < lo)
		s = lo;
	if (s > hi)
		s = hi;
	days = floor_div(s, SEC_PER_DAY, &rem);
	civil_from_days(days, &y, &m, &d);
	/* 1970-01-01 was a Thursday (4). */
	floor_div(days + 4, 7, &wday);
	memcpy(o, wdays + wday * 3, 3);
	o += 3;
	*o++ = ',';
	*o++ = ' ';
	o = put_digits(o, d, 2);
	*o++ = ' ';
	memcpy(o, months + (m - 1) * 3, 3);
	o += 3;
	*o++ = ' ';
	o = put_digits(o, y, 4);
	*o++ = ' ';
	o = put_digits(o, rem / 3600, 2);
	*o++ = ':';
	o = put_digits(o, rem / 60 % 60, 2);
	*o++ = ':';
	o = put_digits(o, rem % 60, 2);
	memcpy(o, " GMT", 5);
}

/* Exactly n digits at s; stops at the first non-digit, the NUL included. */
static bool
get_digits(const char *s, int n, int *v)
{
	int	 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/*
 * The fraction at *pp (which is at its '.'): 1-9 digits, as microseconds
 * in *frac; *extra tells whether a digit past the sixth is not 0.  *pp
 * moves past it.
 */
static bool
get_fraction(const char **pp, int64_t *frac, bool *extra)
{
	const char	*p = *pp;
	int		 n;

	for (p++, n = 0; is_digit((unsigned char)*p); p++, n++) {
		if (n == 9)
			return false;
		if (n < 6)
			*frac = *frac * 10 + (*p - '0');
		else if (*p != '0')
			*extra = true;
	}
	if (n == 0)
		return false;
	for (; n < 6; n++)
		*frac *= 10;
	*pp = p;
	return true;
}

/* 'Z', 'z', "+HH:MM" or "-HH:MM" at *pp: *minutes east of UTC. */
static bool
get_offset(const char **pp, int *minutes)
{
	const char	*p = *pp;
	int		 sign, oh, om;

	if (*p == 'Z' || *p == 'z') {
		*minutes = 0;
		*pp = p + 1;
		return true;
	}
	if (*p != '+' && *p != '-')
		return false;
	sign = *p == '+' ? 1 : -1;
	p++;
	if (!get_digits(p, 2, &oh) || p[2] != ':' ||
	    !get_digits(p + 3, 2, &om) || oh > 23 || om > 59)
		return false;
	*minutes = sign * (oh * 60 + om);
	*pp = p + 5;
	return true;
}

/*
 * Accepted: "YYYY-MM-DD", or "YYYY-MM-DD" 'T'|'t' "HH:MM:SS" [ "." 1-9
 * digits ] and 'Z'|'z'|"+HH:MM"|"-HH:MM", nothing around it.  Second 60
 * is refused: imaged never stores a leap second, and a bound on one is
 * better rejected than silently moved.  Digits past the microsecond round
 * a lower bound up and an upper bound down, so both stay inclusive of
 * exactly the instants they name.  *usec is untouched on false.
 */
bool
time_parse_bound(const char *s, bool upper, int64_t *usec)
{
	const char	*p;
	int		 y, mo, d, h, mi, sec, offset;
	int64_t		 frac = 0, t;
	bool		 extra = false;

	if (s == NULL)
		return false;
	if (!get_digits(s, 4, &y) || s[4] != '-' ||
	    !get_digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !get_digits(s + 8, 2, &d))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
		return false;
	p = s + 10;
	if (*p == '\0') {
		t = days_from_civil(y, mo, d) * USEC_PER_DAY;
		*usec = upper ? t + USEC_PER_DAY - 1 : t;
		return true;
	}
	if (*p != 'T' && *p != 't')
		return false;
	p++;
	if (!get_digits(p, 2, &h) || p[2] != ':' ||
	    !get_digits(p + 3, 2, &mi) || p[5] != ':' ||
	    !get_digits(p + 6, 2, &sec))
		return false;
	if (h > 23 || mi > 59 || sec > 59)
		return false;
	p += 8;
	if (*p == '.' && !get_fraction(&p, &frac, &extra))
		return false;
	if (!get_offset(&p, &offset) || *p != '\0')
		return false;
	t = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec;
	t -= (int64_t)offset * 60;
	*usec = t * USEC_PER_SEC + frac + (extra && !upper ? 1 : 0);
	return true;
}

/* --- JSON output ------------------------------------------------------- */

/* The escape of c, a byte a JSON string cannot hold bare: esc, its length. */
static size_t
json_escape(unsigned char c, char esc[6])
{
	static const char	 hex[] = "0123456789abcdef";

	esc[0] = '\\';
	switch (c) {
	case '"':
		esc[1] = '"';
		break;
	case '\\':
		esc[1] = '\\';
		break;
	case '\b':
		esc[1] = 'b';
		break;
	case '\f':
		esc[1] = 'f';
		break;
	case '\n':
		esc[1] = 'n';
		break;
	case '\r':
		esc[1] = 'r';
		break;
	case '\t':
		esc[1] = 't';
		break;
	default:
		esc[1] = 'u';
		esc[2] = '0';
		esc[3] = '0';
		esc[4] = hex[c >> 4];
		esc[5] = hex[c & 0x0f];
		return 6;
	}
	return 2;
}

/* Eight copies of the byte c. */
#define BYTES8(c)	(UINT64_C(0x0101010101010101) * (uint64_t)(c))

/*
 * Whether none of the eight bytes of w needs an escape.  (v - BYTES8(n))
 * & ~v has a byte's top bit set for a byte of v below n (n <= 0x80), and
 * for no other when there is none; a byte equal to c is a zero byte of
 * w ^ BYTES8(c).  Bytes of 0x80 and up (UTF-8) pass.
 */
static bool
plain8(uint64_t w)
{
	uint64_t	 q = w ^ BYTES8('"'), bs = w ^ BYTES8('\\');
	uint64_t	 del = w ^ BYTES8(0x7f), t;

	t = (w - BYTES8(0x20)) & ~w;
	t |= (q - BYTES8(1)) & ~q;
	t |= (bs - BYTES8(1)) & ~bs;
	t |= (del - BYTES8(1)) & ~del;
	return (t & BYTES8(0x80)) == 0;
}

static bool
plain(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\' && c != 0x7f;
}

/*
 * DEL is escaped too, so the output is plain printable text apart from
 * UTF-8 sequences.  Text is looked at eight bytes at a time, and runs of
 * bytes needing no escape are appended at once: a record's strings
 * rarely hold any, and a page renders a few hundred of them.  On error
 * the buffer is left as it was.
 */
enum img_err
json_put_chars(struct buf *b, const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s, *end = p + n;
	const unsigned char	*run = p;
	size_t			 mark = b->len;
	uint64_t		 w;
	char			 esc[6];
	enum img_err		 e = IMG_OK;

	/* The output is at least n bytes: grow once, fail early. */
	if ((e = buf_reserve(b, n)) != IMG_OK)
		return e;
	while (p < end) {
		if (end - p >= 8) {
			memcpy(&w, p, sizeof(w));
			if (plain8(w)) {
				p += 8;
				continue;
			}
		}
		if (plain(*p)) {
			p++;
			continue;
		}
		if ((p > run &&
		    (e = buf_add(b, run, (size_t)(p - run))) != IMG_OK) ||
		    (e = buf_add(b, esc, json_escape(*p, esc))) != IMG_OK)
			goto done;
		run = ++p;
	}
	if (p > run)
		e = buf_add(b, run, (size_t)(p - run));
done:
	if (e != IMG_OK) {
		b->len = mark;
		if (b->data != NULL)
			b->data[mark] = '\0';
	}
	return e;
}

enum img_err
json_put_str(struct buf *b, const char *s)
{
	size_t		 mark = b->len, n;
	enum img_err	 e;

	if (s == NULL)
		return buf_add(b, "null", 4);
	n = strlen(s);
	/* The output is at least n + 2 bytes: grow once, fail early. */
	if (n > (size_t)-1 - 2)
		return IMG_ETOOBIG;
	if ((e = buf_reserve(b, n + 2)) != IMG_OK)
		return e;
	if ((e = buf_addc(b, '"')) != IMG_OK ||
	    (e = json_put_chars(b, s, n)) != IMG_OK ||
	    (e = buf_addc(b, '"')) != IMG_OK) {
		b->len = mark;
		b->data[mark] = '\0';
	}
	return e;
}

