/*
 * multipart.c: multipart/form-data (RFC 7578 over RFC 2046 framing), parsed
 * as a byte stream with memory bounded by the header cap.
 *
 * The delimiter is CRLF "--" boundary.  The body's first delimiter may
 * stand at its very start, so the parser begins as if a CRLF had just
 * been seen.  Each piece of content is searched for the whole delimiter
 * with memmem (glibc's skips ahead and stays linear, so even a part made
 * of CRLFs parses at several GB/s); only its last dlen - 1 bytes are then
 * looked at for the start of one.  A boundary holds no CR, so a delimiter
 * can only begin at a CR, and the bytes held back at the end of a piece
 * (those that might begin a delimiter) are always a prefix of it.  They
 * are therefore not stored: `match` counts them and they are re-sent from
 * `delim` when they turn out to be content.  For the same reason a
 * mismatch never needs backtracking: no proper suffix of a held prefix
 * starts with CR.  So content reaches part_data in at most two calls per
 * piece fed: the released held bytes, and one run.
 *
 * Line endings: a delimiter must be followed by optional transport padding
 * (SP, HTAB) and CRLF, or by "--"; a bare LF there is an error, as is
 * anything else, including the boundary followed by other characters
 * (RFC 2046 forbids the delimiter inside content).  Inside a part's header
 * block a bare LF is accepted as a line end, since it costs nothing and
 * some hand-written clients send it; a CR anywhere but before LF, a NUL,
 * and obs-fold continuation lines are errors.
 *
 * Header storage: hb holds, from its start, the decoded values of the
 * part's headers seen so far (NUL-terminated), followed by the raw bytes
 * of the current line.  A line is decoded in place into the space right
 * after the earlier values; every decoded value, with its NUL, is shorter
 * than the raw text it came from (which includes at least `x=` or the
 * header's name), so writing never overtakes reading.  hlen <= hcount <=
 * MULTIPART_HEADER_MAX holds throughout.
 *
 * Errors are sticky: once a feed fails, every later call returns the same
 * value and no callback runs again.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imaged/multipart.h"
#include "imaged/text.h"

#define MP_NONE		SIZE_MAX	/* no such value in hb */

enum mp_state {
	MP_PREAMBLE,	/* before the first delimiter: dropped */
	MP_AFTER,	/* right after a delimiter's boundary */
	MP_PAD,		/* in transport padding after a delimiter */
	MP_CR,		/* CR after a delimiter, LF expected */
	MP_DASH,	/* one '-' after a delimiter, a second expected */
	MP_HEADERS,	/* in a part's header block */
	MP_BODY,	/* in a part's content */
	MP_DONE		/* close delimiter seen: the rest is epilogue */
};

/* Content-Disposition parameters we read, as bits of `seen`. */
enum mp_param {
	MP_P_NAME = 1,
	MP_P_FILENAME = 2,
	MP_P_FILENAME_EXT = 4,	/* filename* */
	MP_P_OTHER = 0
};

struct multipart {
	const struct multipart_cb	*cb;
	void				*arg;
	enum mp_state			 state;
	enum img_err			 err;
	size_t				 dlen;	/* 4 + boundary length */
	size_t				 match;	/* delimiter bytes held back */
	unsigned			 nparts;
	/* The current part's headers. */
	size_t				 hcount; /* raw bytes seen */
	size_t				 hlen;	/* bytes in use in hb */
	size_t				 lstart; /* current line's start */
	unsigned			 seen;	/* mp_param bits */
	int				 seen_disp, seen_ctype;
	size_t				 name, filename, filename_ext, ctype;
	char				 delim[4 + MULTIPART_BOUNDARY_MAX];
	char				 hb[MULTIPART_HEADER_MAX];
};

/* RFC 2046 bcharsnospace. */
static int
is_bchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z'))
		return 1;
	return c != '\0' && strchr("'()+_,-./:=?", c) != NULL;
}

/* A byte of an unquoted parameter value: visible, not a separator we use. */
static int
is_vchar(unsigned char c)
{
	return c > ' ' && c != 0x7f && c != ';' && c != '"';
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Whether s[0..n) is lit (lower case), ignoring ASCII case. */
static int
eq_ci(const char *s, size_t n, const char *lit)
{
	size_t	 i;

	if (strlen(lit) != n)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)lit[i])
			return 0;
	}
	return 1;
}

static size_t
skip_ows(const char *v, size_t len, size_t i)
{
	while (i < len && is_ows(v[i]))
		i++;
	return i;
}

int
multipart_boundary_ok(const char *boundary)
{
	size_t	 i, n;

	if (boundary == NULL)
		return 0;
	n = strlen(boundary);
	if (n < 1 || n > MULTIPART_BOUNDARY_MAX || boundary[n - 1] == ' ')
		return 0;
	for (i = 0; i < n; i++)
		if (boundary[i] != ' ' && !is_bchar((unsigned char)boundary[i]))
			return 0;
	return 1;
}

struct multipart *
multipart_new(const char *boundary, const struct multipart_cb *cb, void *arg)
{
	struct multipart	*m;
	size_t			 n;

	if (!multipart_boundary_ok(boundary))
		return NULL;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	n = strlen(boundary);
	memcpy(m->delim, "\r\n--", 4);
	memcpy(m->delim + 4, boundary, n);
	m->dlen = 4 + n;
	m->cb = cb;
	m->arg = arg;
	m->state = MP_PREAMBLE;
	m->err = IMG_OK;
	/* The first delimiter may open the body without a CRLF before it. */
	m->match = 2;
	return m;
}

void
multipart_free(struct multipart *m)
{
	free(m);
}

/*
 * Read one parameter value (quoted-string or token) at v[*ip], writing it
 * decoded to out (which may be NULL to skip it) and its length to *outlen.
 * In a quoted-string a backslash escapes only '"' and '\': before anything
 * else it is kept, because old browsers send Windows paths unescaped
 * (RFC 7578 section 4.2).
 */
static enum img_err
read_value(const char *v, size_t len, size_t *ip, char *out, size_t *outlen)
{
	size_t	 i = *ip, o = 0;
	char	 c;

	if (i < len && v[i] == '"') {
		for (i++; i < len && v[i] != '"'; i++) {
			c = v[i];
			if (c == '\\' && i + 1 < len &&
			    (v[i + 1] == '"' || v[i + 1] == '\\'))
				c = v[++i];
			if (out != NULL) {
				assert(out + o <= v + i);
				out[o] = c;
			}
			o++;
		}
		if (i == len)
			return IMG_EINVAL;
		i++;
	} else {
		for (; i < len && is_vchar((unsigned char)v[i]); i++) {
			if (out != NULL) {
				assert(out + o <= v + i);
				out[o] = v[i];
			}
			o++;
		}
		if (o == 0)
			return IMG_EINVAL;
	}
	*ip = i;
	*outlen = o;
	return IMG_OK;
}

/*
 * Decode an RFC 5987 ext-value (charset'language'pct-encoded) in place.
 * UTF-8 is kept as is and ISO-8859-1 converted to UTF-8; another charset
 * sets *known to 0, and the value is then to be ignored (RFC 6266 section
 * 4.3 has recipients fall back to filename).  A NUL, a raw byte that
 * should have been percent-encoded, or bad percent-encoding is EINVAL.
 */
static enum img_err
decode_ext(char *s, size_t len, size_t *outlen, int *known)
{
	const char	*q1, *q2;
	size_t		 i, o = 0;
	unsigned char	 b;
	int		 latin1, hi, lo;

	if ((q1 = memchr(s, '\'', len)) == NULL ||
	    (q2 = memchr(q1 + 1, '\'', len - (size_t)(q1 + 1 - s))) == NULL)
		return IMG_EINVAL;
	*known = 1;
	if (eq_ci(s, (size_t)(q1 - s), "iso-8859-1"))
		latin1 = 1;
	else if (eq_ci(s, (size_t)(q1 - s), "utf-8"))
		latin1 = 0;
	else
		latin1 = *known = 0;
	for (i = (size_t)(q2 + 1 - s); i < len; i++) {
		b = (unsigned char)s[i];
		if (b == '%') {
			if (i + 2 >= len ||
			    (hi = hex_value((unsigned char)s[i + 1])) < 0 ||
			    (lo = hex_value((unsigned char)s[i + 2])) < 0)
				return IMG_EINVAL;
			b = (unsigned char)(hi << 4 | lo);
			if (b == 0)
				return IMG_EINVAL;
			i += 2;
		} else if (b >= 0x80 || b <= ' ')
			return IMG_EINVAL;
		if (!*known)
			continue;
		/*
		 * Three bytes read for at most two written: o stays
		 * behind i.
		 */
		if (latin1 && b >= 0x80) {
			s[o++] = (char)(0xc0 | b >> 6);
			s[o++] = (char)(0x80 | (b & 0x3f));
		} else
			s[o++] = (char)b;
	}
	*outlen = o;
	return IMG_OK;
}

/*
 * Content-Disposition: form-data *( ";" param ), v[0..len) trimmed.  The
 * values of name, filename and filename* go to hb at *w.  A repeated
 * parameter is an error rather than a guess at which one counts.
 */
static enum img_err
parse_disposition(struct multipart *m, const char *v, size_t len, size_t *w)
{
	const char	*pn;
	size_t		 i, pnlen, olen, *slot;
	enum mp_param	 which;
	enum img_err	 e;
	int		 known;

	if (m->seen_disp)
		return IMG_EINVAL;
	m->seen_disp = 1;
	for (i = 0; i < len && v[i] != ';' && !is_ows(v[i]); i++)
		;
	if (!eq_ci(v, i, "form-data"))
		return IMG_EINVAL;
	for (;;) {
		i = skip_ows(v, len, i);
		if (i == len)
			break;
		if (v[i] != ';')
			return IMG_EINVAL;
		i = skip_ows(v, len, i + 1);
		if (i == len)
			break;
		pn = v + i;
		while (i < len && is_vchar((unsigned char)v[i]) && v[i] != '=')
			i++;
		if ((pnlen = (size_t)(v + i - pn)) == 0)
			return IMG_EINVAL;
		i = skip_ows(v, len, i);
		if (i == len || v[i] != '=')
			return IMG_EINVAL;
		i = skip_ows(v, len, i + 1);
		if (eq_ci(pn, pnlen, "name")) {
			which = MP_P_NAME;
			slot = &m->name;
		} else if (eq_ci(pn, pnlen, "filename")) {
			which = MP_P_FILENAME;
			slot = &m->filename;
		} else if (eq_ci(pn, pnlen, "filename*")) {
			which = MP_P_FILENAME_EXT;
			slot = &m->filename_ext;
		} else {
			which = MP_P_OTHER;
			slot = NULL;
		}
		if (slot == NULL) {
			if ((e = read_value(v, len, &i, NULL, &olen)) != IMG_OK)
				return e;
			continue;
		}
		if (m->seen & which)
			return IMG_EINVAL;
		m->seen |= which;
		if ((e = read_value(v, len, &i, m->hb + *w, &olen)) != IMG_OK)
			return e;
		known = 1;
		if (which == MP_P_FILENAME_EXT &&
		    (e = decode_ext(m->hb + *w, olen, &olen, &known)) != IMG_OK)
			return e;
		if (!known)
			continue;
		assert(m->hb + *w + olen < v + i);
		m->hb[*w + olen] = '\0';
		*slot = *w;
		*w += olen + 1;
	}
	return IMG_OK;
}

/*
 * One complete header line, hb[lstart..hlen) with its LF.  An empty line
 * ends the block and starts the part's content.
 */
static enum img_err
header_line(struct multipart *m)
{
	const char		*line = m->hb + m->lstart, *colon, *v;
	struct multipart_part	 part;
	size_t			 len = m->hlen - m->lstart - 1, vlen, w;
	enum img_err		 e = IMG_OK;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0) {
		if (!(m->seen & MP_P_NAME))
			return IMG_EINVAL;
		part.name = m->hb + m->name;
		if (m->filename_ext != MP_NONE)
			part.filename = m->hb + m->filename_ext;
		else if (m->filename != MP_NONE)
			part.filename = m->hb + m->filename;
		else
			part.filename = NULL;
		part.content_type = m->ctype != MP_NONE ? m->hb + m->ctype :
		    NULL;
		m->state = MP_BODY;
		m->match = 0;
		if (m->cb != NULL && m->cb->part_begin != NULL)
			e = m->cb->part_begin(m->arg, &part);
		return e;
	}
	if (memchr(line, '\r', len) != NULL || memchr(line, '\0', len) != NULL)
		return IMG_EINVAL;
	if (is_ows(line[0]))
		return IMG_EINVAL;	/* obs-fold */
	if ((colon = memchr(line, ':', len)) == NULL)
		return IMG_EINVAL;
	v = colon + 1;
	vlen = len - (size_t)(v - line);
	while (vlen > 0 && is_ows(*v)) {
		v++;
		vlen--;
	}
	while (vlen > 0 && is_ows(v[vlen - 1]))
		vlen--;
	w = m->lstart;
	if (eq_ci(line, (size_t)(colon - line), "content-disposition"))
		e = parse_disposition(m, v, vlen, &w);
	else if (eq_ci(line, (size_t)(colon - line), "content-type")) {
		if (m->seen_ctype)
			return IMG_EINVAL;
		m->seen_ctype = 1;
		if (vlen > 0) {
			memmove(m->hb + w, v, vlen);
			m->hb[w + vlen] = '\0';
			m->ctype = w;
			w += vlen + 1;
		}
	}
	m->lstart = m->hlen = w;
	return e;
}

/* A delimiter and its CRLF: a new part's headers follow. */
static enum img_err
start_part(struct multipart *m)
{
	if (m->nparts == MULTIPART_PARTS_MAX)
		return IMG_EINVAL;
	m->nparts++;
	m->state = MP_HEADERS;
	m->hcount = m->hlen = m->lstart = 0;
	m->seen = 0;
	m->seen_disp = m->seen_ctype = 0;
	m->name = m->filename = m->filename_ext = m->ctype = MP_NONE;
	return IMG_OK;
}

/* Content to the callback; before the first delimiter it is dropped. */
static enum img_err
emit(struct multipart *m, const char *p, size_t n)
{
	if (n == 0 || m->state != MP_BODY || m->cb == NULL ||
	    m->cb->part_data == NULL)
		return IMG_OK;
	return m->cb->part_data(m->arg, p, n);
}

/*
 * Search p[*ip..n) for the delimiter, passing what precedes it on as one
 * run.  Returns with *ip past the delimiter (state MP_AFTER) or at n, with
 * a possible delimiter prefix at the end held back in match.
 */
static enum img_err
scan(struct multipart *m, const char *p, size_t n, size_t *ip)
{
	const char	*q;
	size_t		 i = *ip, s, j, k;
	enum img_err	 e;

	if (m->match > 0) {
		while (i < n && m->match < m->dlen &&
		    p[i] == m->delim[m->match]) {
			i++;
			m->match++;
		}
		if (m->match == m->dlen)
			goto found;
		if (i == n) {
			*ip = n;
			return IMG_OK;
		}
		k = m->match;
		m->match = 0;
		if ((e = emit(m, m->delim, k)) != IMG_OK)
			return e;
	}
	s = i;
	if ((q = memmem(p + i, n - i, m->delim, m->dlen)) != NULL) {
		j = (size_t)(q - p);
		if ((e = emit(m, p + s, j - s)) != IMG_OK)
			return e;
		i = j + m->dlen;
		goto found;
	}
	/* Only the last dlen - 1 bytes can hold the start of a delimiter. */
	if (n - i >= m->dlen)
		i = n - m->dlen + 1;
	for (; (q = memchr(p + i, '\r', n - i)) != NULL; i = j + 1) {
		j = (size_t)(q - p);
		if (memcmp(q, m->delim, n - j) == 0) {
			m->match = n - j;
			*ip = n;
			return emit(m, p + s, j - s);
		}
	}
	*ip = n;
	return emit(m, p + s, n - s);
found:
	*ip = i;
	m->match = 0;
	e = IMG_OK;
	if (m->state == MP_BODY && m->cb != NULL && m->cb->part_end != NULL)
		e = m->cb->part_end(m->arg);
	m->state = MP_AFTER;
	return e;
}

enum img_err
multipart_feed(struct multipart *m, const char *p, size_t n)
{
	const char	*q;
	size_t		 i = 0, take;
	enum img_err	 e = IMG_OK;
	char		 c;

	if (m->err != IMG_OK)
		return m->err;
	while (i < n && e == IMG_OK) {
		switch (m->state) {
		case MP_PREAMBLE:
		case MP_BODY:
			e = scan(m, p, n, &i);
			break;
		case MP_AFTER:
		case MP_PAD:
			c = p[i++];
			if (c == '-' && m->state == MP_AFTER)
				m->state = MP_DASH;
			else if (c == ' ' || c == '\t')
				m->state = MP_PAD;
			else if (c == '\r')
				m->state = MP_CR;
			else
				e = IMG_EINVAL;
			break;
		case MP_DASH:
			if (p[i++] == '-')
				m->state = MP_DONE;
			else
				e = IMG_EINVAL;
			break;
		case MP_CR:
			e = p[i++] == '\n' ? start_part(m) : IMG_EINVAL;
			break;
		case MP_HEADERS:
			q = memchr(p + i, '\n', n - i);
			take = q != NULL ? (size_t)(q - (p + i)) + 1 : n - i;
			if (take > MULTIPART_HEADER_MAX - m->hcount) {
				e = IMG_EINVAL;
				break;
			}
			memcpy(m->hb + m->hlen, p + i, take);
			m->hlen += take;
			m->hcount += take;
			i += take;
			if (q != NULL)
				e = header_line(m);
			break;
		case MP_DONE:
			i = n;
			break;
		}
	}
	m->err = e;
	return e;
}

enum img_err
multipart_end(struct multipart *m)
{
	if (m->err == IMG_OK && m->state != MP_DONE)
		m->err = IMG_EINVAL;
	return m->err;
}
