/*
 * httputil.c: the small HTTP grammars imaged reads (Range, If-None-Match,
 * Accept, Content-Type and its parameters, request ids) and the one it
 * writes (Content-Disposition).  Times, UUIDs and JSON strings are text.c's.
 *
 * Invariants: every parser walks its NUL-terminated input one byte at a
 * time and tests a byte before it moves past it, so no parser reads past
 * the NUL, however the text is cut short.  Nothing here allocates except
 * through struct buf, holds state, or depends on the locale: character
 * classes and case folding are ASCII.  A formatter that fails leaves its
 * buffer as it was.
 */
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "imaged/httputil.h"

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

/* --- Hosts ---------------------------------------------------------------- */

bool
http_host_name(const char *host, char *name, size_t namelen)
{
	const char	*end, *colon;
	size_t		 n, i;

	if (*host == '[') {
		if ((end = strchr(host, ']')) == NULL ||
		    (end[1] != '\0' && end[1] != ':'))
			return false;
		host++;
		colon = end + 1;
		if (strspn(host, "0123456789abcdefABCDEF:.") <
		    (size_t)(end - host))
			return false;
	} else {
		end = host + strcspn(host, ":");
		colon = end;
	}
	if (*colon == ':' && (colon[1] == '\0' || strspn(colon + 1,
	    "0123456789") != strlen(colon + 1) || strlen(colon + 1) > 5))
		return false;
	n = (size_t)(end - host);
	if (n == 0 || n >= namelen)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char	 c = (unsigned char)host[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_' || c == ':'))
			return false;
		name[i] = (char)c;
	}
	name[n] = '\0';
	return true;
}

bool
http_host_loopback(const char *name)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (strcmp(name, "localhost") == 0 || strcmp(name, "localhost.") == 0)
		return true;
	if (inet_pton(AF_INET, name, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, name, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}
