/*
 * httputil.c: the small HTTP grammars imaged reads (Range, If-None-Match,
 * Accept, Content-Type and its parameters, request ids, UUIDs, RFC 3339
 * bounds) and the few it writes (Content-Disposition, dates, JSON strings).
 *
 * Invariants: every parser walks its NUL-terminated input one byte at a
 * time and tests a byte before it moves past it, so no parser reads past
 * the NUL (or past the given length, for uuid_parse), however the text is
 * cut short.  Nothing here allocates except through struct buf, holds
 * state, or depends on the locale: character classes and case folding are
 * ASCII, and dates are converted with our own proleptic Gregorian
 * arithmetic rather than gmtime/timegm, so every year 0000-9999 works the
 * same on every libc.  A formatter that fails leaves its buffer as it was.
 */
#include <string.h>

#include "imaged/httputil.h"

#define USEC_PER_SEC	INT64_C(1000000)
#define SEC_PER_DAY	INT64_C(86400)
#define USEC_PER_DAY	(SEC_PER_DAY * USEC_PER_SEC)
#define REQUEST_ID_MAX	200

/* --- Characters ----------------------------------------------------------- */

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_ows(int c)
{
	return c == ' ' || c == '\t';
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

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

/* RFC 9110 tchar. */
static int
is_tchar(int c)
{
	if (c >= 'a' && c <= 'z')
		return 1;
	if (c >= 'A' && c <= 'Z')
		return 1;
	if (is_digit(c))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static const char *
skip_ows(const char *p)
{
	while (is_ows((unsigned char)*p))
		p++;
	return p;
}

static const char *
span_token(const char *p)
{
	while (is_tchar((unsigned char)*p))
		p++;
	return p;
}

/* Whether the n bytes at p equal lit (lower case) ignoring ASCII case. */
static bool
eq_ci(const char *p, size_t n, const char *lit)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (lit[i] == '\0' || lower((unsigned char)p[i]) != lit[i])
			return false;
	return lit[n] == '\0';
}

/*
 * p at an opening '"': return the byte after the closing quote of an RFC
 * 9110 quoted-string, or NULL when it is unterminated or holds a control.
 */
static const char *
skip_quoted(const char *p)
{
	unsigned char	 c;

	for (p++; (c = (unsigned char)*p) != '"'; p++) {
		if (c == '\\') {
			c = (unsigned char)*++p;
			if (c != '\t' && (c < 0x20 || c == 0x7f))
				return NULL;
		} else if (c != '\t' && (c < 0x20 || c == 0x7f))
			return NULL;
	}
	return p + 1;
}

/* --- Range -------------------------------------------------------------- */

/* At least one digit; false on none or on passing UINT64_MAX. */
static bool
parse_u64(const char **pp, uint64_t *v)
{
	const char	*p = *pp;
	uint64_t	 n = 0, d;

	if (!is_digit((unsigned char)*p))
		return false;
	for (; is_digit((unsigned char)*p); p++) {
		d = (uint64_t)(*p - '0');
		if (n > (UINT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*pp = p;
	*v = n;
	return true;
}

/*
 * *start and *len are set on HTTP_RANGE_OK and zeroed otherwise.  A
 * suffix longer than the representation selects all of it (RFC 9110
 * 14.1.2); a last-pos past the end is clipped.  Any comma means several
 * ranges, which imaged answers with the whole representation.
 */
enum http_range
http_parse_range(const char *hdr, uint64_t size, uint64_t *start,
    uint64_t *len)
{
	const char	*p = hdr;
	uint64_t	 first = 0, last = 0;
	bool		 suffix = false, open = false;

	*start = 0;
	*len = 0;
	if (p == NULL)
		return HTTP_RANGE_NONE;
	p = skip_ows(p);
	if (!eq_ci(p, 5, "bytes"))
		return HTTP_RANGE_NONE;
	p = skip_ows(p + 5);
	if (*p != '=')
		return HTTP_RANGE_NONE;
	p = skip_ows(p + 1);
	if (*p == '-') {
		suffix = true;
		p = skip_ows(p + 1);
		if (!parse_u64(&p, &last))
			return HTTP_RANGE_NONE;
	} else {
		if (!parse_u64(&p, &first))
			return HTTP_RANGE_NONE;
		p = skip_ows(p);
		if (*p != '-')
			return HTTP_RANGE_NONE;
		p = skip_ows(p + 1);
		if (is_digit((unsigned char)*p)) {
			if (!parse_u64(&p, &last))
				return HTTP_RANGE_NONE;
		} else
			open = true;
	}
	p = skip_ows(p);
	if (*p != '\0')
		return HTTP_RANGE_NONE;

	if (suffix) {
		if (last == 0 || size == 0)
			return HTTP_RANGE_UNSATISFIABLE;
		if (last > size)
			last = size;
		*start = size - last;
		*len = last;
		return HTTP_RANGE_OK;
	}
	if (!open && last < first)
		return HTTP_RANGE_NONE;
	if (first >= size)
		return HTTP_RANGE_UNSATISFIABLE;
	if (open || last >= size)
		last = size - 1;
	*start = first;
	*len = last - first + 1;
	return HTTP_RANGE_OK;
}

/* --- Entity tags ---------------------------------------------------------- */

/* RFC 9110 etagc: 0x21, 0x23-0x7e and obs-text. */
static int
is_etagc(int c)
{
	return c == 0x21 || (c >= 0x23 && c != 0x7f);
}

/* One entity-tag at *pp; *tag, *taglen: the opaque-tag with its quotes. */
static bool
parse_etag(const char **pp, const char **tag, size_t *taglen)
{
	const char	*p = *pp, *q;

	if (p[0] == 'W' && p[1] == '/')
		p += 2;
	if (*p != '"')
		return false;
	for (q = p + 1; is_etagc((unsigned char)*q); q++)
		;
	if (*q != '"')
		return false;
	*tag = p;
	*taglen = (size_t)(q + 1 - p);
	*pp = q + 1;
	return true;
}

/*
 * "*" counts only as the whole field, as its grammar has it.  A list with
 * any malformed member matches nothing: the whole field is then ignored
 * and the full response is sent, which is always safe.
 */
bool
http_etag_match(const char *inm, const char *etag)
{
	const char	*p, *tag;
	size_t		 elen, taglen;
	bool		 matched = false;

	if (inm == NULL || etag == NULL)
		return false;
	/* Weak comparison: the W/ of either side does not count. */
	if (etag[0] == 'W' && etag[1] == '/')
		etag += 2;
	elen = strlen(etag);
	p = skip_ows(inm);
	if (*p == '*')
		return *skip_ows(p + 1) == '\0';
	for (;;) {
		p = skip_ows(p);
		if (*p == ',') {
			/* Empty list members are allowed (RFC 9110 5.6.1). */
			p++;
			continue;
		}
		if (*p == '\0')
			break;
		if (!parse_etag(&p, &tag, &taglen))
			return false;
		if (taglen == elen && memcmp(tag, etag, elen) == 0)
			matched = true;
		p = skip_ows(p);
		if (*p != ',' && *p != '\0')
			return false;
	}
	return matched;
}

/* --- Media types and parameters ------------------------------------------- */

struct mparam {
	const char	*name;
	size_t		 nlen;
	const char	*val;		/* with its quotes when quoted */
	size_t		 vlen;
	bool		 quoted;
};

/*
 * Parse `type "/" subtype` after optional whitespace.  On success *pp is
 * past the subtype.
 */
static bool
parse_type(const char **pp, const char **type, size_t *tlen,
    const char **sub, size_t *slen)
{
	const char	*p = skip_ows(*pp);

	*type = p;
	p = span_token(p);
	*tlen = (size_t)(p - *type);
	if (*tlen == 0 || *p != '/')
		return false;
	*sub = ++p;
	p = span_token(p);
	*slen = (size_t)(p - *sub);
	if (*slen == 0)
		return false;
	*pp = p;
	return true;
}

/*
 * The next `; name=value` at *pp: 1 with *mp filled, 0 when no parameter
 * follows (*pp then at the first byte that is not one), -1 when one is
 * malformed.  Empty parameters (";;") are skipped as RFC 9110 allows;
 * whitespace around '=' is tolerated although the grammar has none.
 */
static int
next_param(const char **pp, struct mparam *mp)
{
	const char	*p = *pp, *end;

	for (;;) {
		p = skip_ows(p);
		if (*p != ';') {
			*pp = p;
			return 0;
		}
		p = skip_ows(p + 1);
		mp->name = p;
		p = span_token(p);
		if (p != mp->name)
			break;
	}
	mp->nlen = (size_t)(p - mp->name);
	p = skip_ows(p);
	if (*p != '=')
		return -1;
	p = skip_ows(p + 1);
	mp->val = p;
	if (*p == '"') {
		if ((end = skip_quoted(p)) == NULL)
			return -1;
		mp->quoted = true;
		p = end;
	} else {
		mp->quoted = false;
		p = span_token(p);
		if (p == mp->val)
			return -1;
	}
	mp->vlen = (size_t)(p - mp->val);
	*pp = p;
	return 1;
}

/*
 * RFC 9110 qvalue: "0" ["." 0*3DIGIT] or "1" ["." 0*3"0"].  *positive
 * tells q > 0.  Anything else, a quoted q among it, is malformed.
 */
static bool
parse_qvalue(const struct mparam *mp, bool *positive)
{
	const char	*v = mp->val;
	size_t		 n = mp->vlen, i;

	if (mp->quoted || n == 0 || (v[0] != '0' && v[0] != '1'))
		return false;
	*positive = v[0] == '1';
	if (n == 1)
		return true;
	if (v[1] != '.' || n - 2 > 3)
		return false;
	for (i = 2; i < n; i++) {
		if (!is_digit((unsigned char)v[i]))
			return false;
		if (v[i] != '0') {
			if (v[0] == '1')
				return false;
			*positive = true;
		}
	}
	return true;
}

/*
 * Skip a malformed list member: to the next comma outside quotes, or the
 * end.  A quoted string that is unterminated or holds a control byte runs
 * to the end, since where it was meant to stop cannot be known.
 */
static const char *
skip_member(const char *p)
{
	const char	*q;

	while (*p != '\0' && *p != ',') {
		if (*p == '"') {
			if ((q = skip_quoted(p)) == NULL)
				return p + strlen(p);
			p = q;
		} else
			p++;
	}
	return p;
}

/*
 * One media range of an Accept list at *pp, left at the ',' or NUL after
 * it.  True when it is well-formed, names an image (or octet-stream) and
 * has q > 0; a malformed range, a malformed q among it, is ignored.
 */
static bool
accept_range(const char **pp)
{
	const char	*p = *pp, *type, *sub;
	size_t		 tlen, slen;
	struct mparam	 mp;
	int		 r;
	bool		 positive = true, ok = false;

	if (!parse_type(&p, &type, &tlen, &sub, &slen))
		goto done;
	while ((r = next_param(&p, &mp)) == 1)
		if (mp.nlen == 1 && lower((unsigned char)mp.name[0]) == 'q' &&
		    !parse_qvalue(&mp, &positive))
			goto done;
	if (r < 0 || (*p != ',' && *p != '\0'))
		goto done;
	ok = true;
done:
	*pp = ok ? p : skip_member(*pp);
	if (!ok || !positive)
		return false;
	if (eq_ci(type, tlen, "image"))
		return true;
	return eq_ci(type, tlen, "application") &&
	    eq_ci(sub, slen, "octet-stream");
}

bool
http_accept_image(const char *accept)
{
	const char	*p = accept;

	if (p == NULL)
		return false;
	for (;;) {
		p = skip_ows(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\0')
			return false;
		if (accept_range(&p))
			return true;
	}
}

/*
 * A malformed type, or bytes after the subtype other than parameters, is
 * BODY_UNSUPPORTED; the parameters themselves are not looked at.
 */
enum body_form
http_body_form(const char *ct)
{
	const char	*p = ct, *type, *sub;
	size_t		 tlen, slen;

	if (p == NULL || *skip_ows(p) == '\0')
		return BODY_JSON;
	if (!parse_type(&p, &type, &tlen, &sub, &slen))
		return BODY_UNSUPPORTED;
	p = skip_ows(p);
	if (*p != ';' && *p != '\0')
		return BODY_UNSUPPORTED;
	if (eq_ci(type, tlen, "multipart"))
		return eq_ci(sub, slen, "form-data") ? BODY_MULTIPART :
		    BODY_UNSUPPORTED;
	if (eq_ci(type, tlen, "image"))
		return BODY_RAW;
	if (eq_ci(type, tlen, "text"))
		return eq_ci(sub, slen, "plain") ? BODY_JSON : BODY_UNSUPPORTED;
	if (!eq_ci(type, tlen, "application"))
		return BODY_UNSUPPORTED;
	if (eq_ci(sub, slen, "octet-stream"))
		return BODY_RAW;
	if (eq_ci(sub, slen, "json") ||
	    eq_ci(sub, slen, "x-www-form-urlencoded"))
		return BODY_JSON;
	/* application/<something>+json, the something not empty */
	if (slen > 5 && eq_ci(sub + slen - 5, 5, "+json"))
		return BODY_JSON;
	return BODY_UNSUPPORTED;
}

/*
 * The first parameter of that name wins.  The whole field must parse: a
 * malformed type or parameter anywhere gives false, so a half-read value
 * is never handed on.  out is always NUL-terminated when outlen > 0
 * (empty on false).
 */
bool
http_media_param(const char *ct, const char *name, char *out, size_t outlen)
{
	const char	*p = ct, *type, *sub, *v, *end;
	size_t		 tlen, slen, nlen, i, n = 0;
	struct mparam	 mp, found = { NULL, 0, NULL, 0, false };
	bool		 have = false, ok = false;
	int		 r;

	if (outlen == 0)
		return false;
	if (p == NULL || name == NULL)
		goto done;
	if (!parse_type(&p, &type, &tlen, &sub, &slen))
		goto done;
	nlen = strlen(name);
	while ((r = next_param(&p, &mp)) == 1) {
		if (have || mp.nlen != nlen)
			continue;
		for (i = 0; i < nlen; i++)
			if (lower((unsigned char)mp.name[i]) !=
			    lower((unsigned char)name[i]))
				break;
		if (i == nlen) {
			found = mp;
			have = true;
		}
	}
	if (r < 0 || *p != '\0' || !have)
		goto done;
	v = found.val;
	end = found.val + found.vlen;
	if (found.quoted) {
		v++;
		end--;
	}
	for (; v < end; v++) {
		if (found.quoted && *v == '\\')
			v++;	/* skip_quoted saw a byte after it */
		if (n + 1 >= outlen)
			goto done;
		out[n++] = *v;
	}
	ok = n > 0;
done:
	out[ok ? n : 0] = '\0';
	return ok;
}

/* --- Content-Disposition -------------------------------------------------- */

/* Bytes that may stand as they are in the quoted ASCII fallback. */
static int
is_fallback_safe(int c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%';
}

/* RFC 5987 attr-char. */
static int
is_attr_char(int c)
{
	if (c >= 'a' && c <= 'z')
		return 1;
	if (c >= 'A' && c <= 'Z')
		return 1;
	if (is_digit(c))
		return 1;
	return c != '\0' && strchr("!#$&+-.^_`|~", c) != NULL;
}

/* Past one UTF-8 character at p (or one stray byte); stops at NUL. */
static const unsigned char *
skip_utf8(const unsigned char *p)
{
	int	 more = 0;

	if (*p >= 0xf0 && *p <= 0xf7)
		more = 3;
	else if (*p >= 0xe0 && *p <= 0xef)
		more = 2;
	else if (*p >= 0xc0 && *p <= 0xdf)
		more = 1;
	for (p++; more > 0 && (*p & 0xc0) == 0x80; more--)
		p++;
	return p;
}

/*
 * With filename NULL or empty, only "inline" is written.  '%' goes to the
 * fallback as '_' because some agents percent-decode filename=.  On error
 * (IMG_ETOOBIG, IMG_ENOMEM) the buffer is left as it was.
 */
enum img_err
http_content_disposition(struct buf *b, const char *filename)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p, *run;
	size_t			 mark = b->len;
	bool			 plain = true;
	char			 pct[3];
	enum img_err		 e;

	if ((e = buf_adds(b, "inline")) != IMG_OK)
		goto done;
	if (filename == NULL || *filename == '\0')
		goto done;
	if ((e = buf_adds(b, "; filename=\"")) != IMG_OK)
		goto done;
	p = (const unsigned char *)filename;
	for (;;) {
		for (run = p; is_fallback_safe(*p); p++)
			;
		if (p > run &&
		    (e = buf_add(b, run, (size_t)(p - run))) != IMG_OK)
			goto done;
		if (*p == '\0')
			break;
		plain = false;
		p = skip_utf8(p);
		if ((e = buf_addc(b, '_')) != IMG_OK)
			goto done;
	}
	if ((e = buf_addc(b, '"')) != IMG_OK || plain)
		goto done;
	if ((e = buf_adds(b, "; filename*=UTF-8''")) != IMG_OK)
		goto done;
	p = (const unsigned char *)filename;
	for (;;) {
		for (run = p; is_attr_char(*p); p++)
			;
		if (p > run &&
		    (e = buf_add(b, run, (size_t)(p - run))) != IMG_OK)
			goto done;
		if (*p == '\0')
			break;
		pct[0] = '%';
		pct[1] = hex[*p >> 4];
		pct[2] = hex[*p & 0x0f];
		if ((e = buf_add(b, pct, sizeof(pct))) != IMG_OK)
			goto done;
		p++;
	}
done:
	if (e != IMG_OK && b->data != NULL) {
		b->len = mark;
		b->data[mark] = '\0';
	}
	return e;
}

/* --- Identifiers ---------------------------------------------------------- */

/*
 * Spaces are allowed inside but not at either end (a leading or trailing
 * space would not survive a round trip through a header anyway), which
 * also refuses an id of spaces only.
 */
bool
http_request_id_ok(const char *s)
{
	size_t	 n;

	if (s == NULL || s[0] == ' ')
		return false;
	for (n = 0; s[n] != '\0'; n++) {
		if (n == REQUEST_ID_MAX)
			return false;
		if ((unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7e)
			return false;
	}
	return n > 0 && s[n - 1] != ' ';
}

/* out is the empty string on false. */
bool
uuid_parse(const char *s, size_t len, char out[IMAGE_ID_SIZE])
{
	size_t	 i;
	int	 c;

	out[0] = '\0';
	if (s == NULL || len != 36)
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
	static const char	 months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
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
	int		 y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0, n;
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
	if (*p == '.') {
		for (p++, n = 0; is_digit((unsigned char)*p); p++, n++) {
			if (n == 9)
				return false;
			if (n < 6)
				frac = frac * 10 + (*p - '0');
			else if (*p != '0')
				extra = true;
		}
		if (n == 0)
			return false;
		for (; n < 6; n++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		p++;
		if (!get_digits(p, 2, &oh) || p[2] != ':' ||
		    !get_digits(p + 3, 2, &om) || oh > 23 || om > 59)
			return false;
		p += 5;
	} else
		return false;
	if (*p != '\0')
		return false;
	t = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec;
	t -= (int64_t)sign * (oh * 60 + om) * 60;
	*usec = t * USEC_PER_SEC + frac + (extra && !upper ? 1 : 0);
	return true;
}

/* --- JSON output ------------------------------------------------------- */

/*
 * DEL is escaped too, so the output is plain printable text apart from
 * UTF-8 sequences.  Runs of bytes needing no escape are appended at once.
 * On error the buffer is left as it was.
 */
enum img_err
json_put_str(struct buf *b, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p, *run;
	size_t			 mark = b->len, n;
	char			 esc[6];
	size_t			 elen;
	enum img_err		 e;

	if (s == NULL)
		return buf_add(b, "null", 4);
	n = strlen(s);
	/* The output is at least n + 2 bytes: grow once, fail early. */
	if (n > (size_t)-1 - 2)
		return IMG_ETOOBIG;
	if ((e = buf_reserve(b, n + 2)) != IMG_OK)
		return e;
	if ((e = buf_addc(b, '"')) != IMG_OK)
		goto done;
	p = (const unsigned char *)s;
	for (;;) {
		for (run = p; *p >= 0x20 && *p != '"' && *p != '\\' &&
		    *p != 0x7f; p++)
			;
		if (p > run &&
		    (e = buf_add(b, run, (size_t)(p - run))) != IMG_OK)
			goto done;
		if (*p == '\0')
			break;
		esc[0] = '\\';
		elen = 2;
		switch (*p) {
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
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 0x0f];
			elen = 6;
			break;
		}
		if ((e = buf_add(b, esc, elen)) != IMG_OK)
			goto done;
		p++;
	}
	e = buf_addc(b, '"');
done:
	if (e != IMG_OK) {
		b->len = mark;
		b->data[mark] = '\0';
	}
	return e;
}

