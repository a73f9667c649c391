/*
 * jsonupload.c: the JSON body of POST /images, scanned as it streams in.
 *
 * A byte-level state machine follows the JSON grammar closely enough to
 * know, at every byte, whether it is inside a string (and an escape), how
 * deep it is, and whether a string at depth 1 is a key.  Numbers and the
 * literals are only delimited, not checked: jansson checks them at the end.
 *
 * Every byte of the body except the contents of the top-level
 * "image_data" string goes to the rest buffer, so the rest is the body
 * with that value turned into "".  The image string's characters are
 * JSON-unescaped, checked for a data: prefix, and base64-decoded into out,
 * which is handed to the sink whenever it fills and when the string ends.
 *
 * Invariants: the state never needs more than the current byte, so a
 * chunk may end anywhere (inside a key, an escape or a \u sequence); depth
 * never passes JU_MAXDEPTH; once err is set every call returns it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "imaged/b64.h"
#include "imaged/buf.h"
#include "imaged/err.h"
#include "imaged/jsonupload.h"
#include "imaged/text.h"

#define JU_MAXDEPTH	32		/* deepest nesting accepted */
#define JU_KEYMAX	64		/* longer: never "image_data" */
#define JU_PREFIXMAX	256		/* "data:...;base64," at most */
#define JU_OUTCAP	(48 * 1024)	/* decoded bytes per sink call */
#define JU_OUTMIN	64		/* flush before decoding into less */

#define JU_FIELD	"image_data"

enum ju_state {
	JS_VALUE,		/* a value is due */
	JS_VALUE_OR_CLOSE,	/* after '[': a value or ']' */
	JS_KEY,			/* after ',' in an object: a key */
	JS_KEY_OR_CLOSE,	/* after '{': a key or '}' */
	JS_COLON,		/* after a key */
	JS_AFTER,		/* after a value inside: ',' or closer */
	JS_LITERAL,		/* inside a number, true, false or null */
	JS_STRING,		/* inside a string; see kind and esc */
	JS_END			/* the top-level value is complete */
};

enum ju_kind {
	JK_PLAIN,		/* copied, nothing else */
	JK_TOPKEY,		/* a top-level key: decoded into key */
	JK_IMAGE		/* the image: decoded, never copied */
};

enum ju_phase {
	JP_START,		/* could still begin with "data:" */
	JP_PREFIX,		/* inside "data:...", up to its ',' */
	JP_BODY			/* base64 */
};

struct jsonupload {
	struct buf		 rest;
	jsonupload_sink		 sink;
	void			*arg;
	enum img_err		 err;
	const char		*errfield;

	/* where the scan is */
	enum ju_state		 st;
	unsigned		 depth;
	uint32_t		 objmask;	/* bit d-1: depth d is {} */
	enum ju_kind		 kind;
	bool			 iskey;
	unsigned		 esc;	/* 1: after \\; 2-5: \uXXXX */
	unsigned		 ucode;

	/* the top-level key being read, and what keys were seen */
	char			 key[JU_KEYMAX];
	size_t			 keylen;
	bool			 keyother;	/* not "image_data" */
	bool			 want_image;	/* its value is due */
	bool			 seen_key;
	bool			 had_image;
	/* refused, reported at the end */
	bool			 image_bad;

	/* the image string */
	enum ju_phase		 phase;
	char			 prefix[JU_PREFIXMAX];
	size_t			 plen;
	struct b64_decoder	 dec;
	size_t			 olen;
	size_t			 keep;	/* rest from p[keep] */
	unsigned char		 out[JU_OUTCAP];
};

struct jsonupload *
jsonupload_new(size_t rest_cap, jsonupload_sink sink, void *arg)
{
	struct jsonupload	*ju;

	if ((ju = calloc(1, sizeof(*ju))) == NULL)
		return NULL;
	buf_init(&ju->rest, rest_cap);
	ju->sink = sink;
	ju->arg = arg;
	ju->err = IMG_OK;
	ju->st = JS_VALUE;
	return ju;
}

void
jsonupload_free(struct jsonupload *ju)
{
	if (ju == NULL)
		return;
	buf_free(&ju->rest);
	free(ju);
}

static void
ju_fail(struct jsonupload *ju, enum img_err e, const char *field)
{
	if (ju->err == IMG_OK) {
		ju->err = e;
		ju->errfield = field;
	}
}

/*
 * The image value breaks a rule (bad base64 or prefix, a second
 * "image_data").  Not an error yet: syntax is judged before fields, so the
 * scan goes on, decoding nothing more, and jsonupload_end reports it if
 * the body turns out to be JSON.
 */
static void
ju_image_bad(struct jsonupload *ju)
{
	ju->image_bad = true;
}

static bool
ju_isws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static unsigned char
ju_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* ASCII case-insensitive: does s[0..n) equal the lower-case word w? */
static bool
ju_ieq(const char *s, size_t n, const char *w)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (w[i] == '\0' || ju_lower((unsigned char)s[i]) != w[i])
			return false;
	return w[n] == '\0';
}

/* RFC 9110 tchar: what a media subtype is made of. */
static bool
ju_istchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/*
 * s[0..n) is "data:" followed by the rest up to and including ','.  Good
 * when it reads data:image/<subtype>[;param]...;base64, with the last
 * parameter "base64".
 */
static bool
ju_prefix_ok(const char *s, size_t n)
{
	size_t	 i, start;
	bool	 base64 = false;

	if (n < 11 || !ju_ieq(s + 5, 6, "image/"))
		return false;
	for (i = start = 11; i < n && ju_istchar((unsigned char)s[i]); i++)
		continue;
	if (i == start)
		return false;
	while (i < n && s[i] == ';') {
		for (start = ++i; i < n && s[i] != ';' && s[i] != ',' &&
		    s[i] > ' ' && s[i] < 0x7f; i++)
			continue;
		if (i == start)
			return false;
		base64 = ju_ieq(s + start, i - start, "base64");
	}
	return base64 && i == n - 1 && s[i] == ',';
}

static void
ju_flush(struct jsonupload *ju)
{
	enum img_err	 e;

	if (ju->olen == 0 || ju->err != IMG_OK)
		return;
	e = ju->sink(ju->arg, ju->out, ju->olen);
	ju->olen = 0;
	if (e != IMG_OK)
		ju_fail(ju, e, JU_FIELD);
}

/* Base64 text of the image, decoded into out in slices out can take. */
static void
ju_b64(struct jsonupload *ju, const char *p, size_t n)
{
	size_t	 space, take, got;

	while (n > 0 && ju->err == IMG_OK && !ju->image_bad) {
		space = JU_OUTCAP - ju->olen;
		if (space < JU_OUTMIN) {
			ju_flush(ju);
			continue;
		}
		/* b64_decoded_max(take) == space / 3 * 3 <= space */
		take = (space / 3 - 1) * 4;
		if (take > n)
			take = n;
		if (!b64_decode(&ju->dec, p, take, ju->out + ju->olen, &got)) {
			ju_image_bad(ju);
			return;
		}
		ju->olen += got;
		p += take;
		n -= take;
	}
}

/* One character of the image string, after JSON unescaping. */
static void
ju_image_char(struct jsonupload *ju, unsigned u)
{
	char	 c;

	if (ju->image_bad)
		return;
	if (u >= 0x80) {
		ju_image_bad(ju);
		return;
	}
	c = (char)u;
	switch (ju->phase) {
	case JP_START:
		ju->prefix[ju->plen++] = c;
		if (ju_lower((unsigned char)c) != "data:"[ju->plen - 1]) {
			ju->phase = JP_BODY;
			ju_b64(ju, ju->prefix, ju->plen);
		} else if (ju->plen == 5)
			ju->phase = JP_PREFIX;
		break;
	case JP_PREFIX:
		if (ju->plen == JU_PREFIXMAX) {
			ju_image_bad(ju);
			return;
		}
		ju->prefix[ju->plen++] = c;
		if (c == ',') {
			if (!ju_prefix_ok(ju->prefix, ju->plen))
				ju_image_bad(ju);
			ju->phase = JP_BODY;
		}
		break;
	case JP_BODY:
		ju_b64(ju, &c, 1);
		break;
	}
}

/* The image string's closing quote: the last bytes, then the sink. */
static void
ju_image_end(struct jsonupload *ju)
{
	size_t	 got;

	if (ju->image_bad)
		return;
	if (ju->phase == JP_START)
		ju_b64(ju, ju->prefix, ju->plen);
	else if (ju->phase == JP_PREFIX)
		ju_image_bad(ju);
	ju_flush(ju);
	if (ju->err != IMG_OK || ju->image_bad)
		return;
	if (!b64_decode_end(&ju->dec, ju->out, &got)) {
		ju_image_bad(ju);
		return;
	}
	ju->olen = got;
	ju_flush(ju);
	ju->had_image = true;
}

static void
ju_push(struct jsonupload *ju, bool object)
{
	if (ju->depth == JU_MAXDEPTH) {
		ju_fail(ju, IMG_EJSON, NULL);
		return;
	}
	if (object)
		ju->objmask |= UINT32_C(1) << ju->depth;
	else
		ju->objmask &= ~(UINT32_C(1) << ju->depth);
	ju->depth++;
	ju->st = object ? JS_KEY_OR_CLOSE : JS_VALUE_OR_CLOSE;
}

static bool
ju_in_object(const struct jsonupload *ju)
{
	return ju->depth > 0 && (ju->objmask >> (ju->depth - 1) & 1) != 0;
}

static void
ju_value_done(struct jsonupload *ju)
{
	ju->st = ju->depth == 0 ? JS_END : JS_AFTER;
}

static void
ju_pop(struct jsonupload *ju)
{
	ju->depth--;
	ju_value_done(ju);
}

static void
ju_key_start(struct jsonupload *ju)
{
	ju->st = JS_STRING;
	ju->esc = 0;
	ju->iskey = true;
	ju->kind = ju->depth == 1 ? JK_TOPKEY : JK_PLAIN;
	ju->keylen = 0;
	ju->keyother = false;
}

/* The opening quote of the image string is at p[i]. */
static void
ju_image_start(struct jsonupload *ju, const char *p, size_t i)
{
	enum img_err	 e;

	/* Keep what came before, the quote included, but not the contents. */
	e = buf_add(&ju->rest, p + ju->keep, i + 1 - ju->keep);
	if (e != IMG_OK) {
		ju_fail(ju, e, NULL);
		return;
	}
	ju->st = JS_STRING;
	ju->esc = 0;
	ju->iskey = false;
	ju->kind = JK_IMAGE;
	ju->phase = JP_START;
	ju->plen = 0;
	ju->olen = 0;
	b64_decoder_init(&ju->dec);
}

/* A byte where a value may begin. */
static void
ju_value(struct jsonupload *ju, const char *p, size_t i)
{
	unsigned char	 c = (unsigned char)p[i];
	bool		 image = ju->want_image;

	if (ju_isws(c))
		return;
	ju->want_image = false;
	switch (c) {
	case '{':
		ju_push(ju, true);
		break;
	case '[':
		ju_push(ju, false);
		break;
	case '"':
		if (image) {
			ju_image_start(ju, p, i);
			break;
		}
		ju->st = JS_STRING;
		ju->esc = 0;
		ju->iskey = false;
		ju->kind = JK_PLAIN;
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
	case 't': case 'f': case 'n':
		ju->st = JS_LITERAL;
		break;
	default:
		ju_fail(ju, IMG_EJSON, NULL);
		break;
	}
}

static void
ju_string_end(struct jsonupload *ju, size_t i)
{
	switch (ju->kind) {
	case JK_TOPKEY:
		if (!ju->keyother && ju->keylen == sizeof(JU_FIELD) - 1 &&
		    memcmp(ju->key, JU_FIELD, ju->keylen) == 0) {
			if (ju->seen_key)
				/* its value is dropped */
				ju_image_bad(ju);
			ju->seen_key = true;
			ju->want_image = true;
		}
		break;
	case JK_IMAGE:
		ju_image_end(ju);
		ju->keep = i;
		break;
	case JK_PLAIN:
		break;
	}
	if (ju->iskey)
		ju->st = JS_COLON;
	else
		ju_value_done(ju);
}

/* One code unit of a string, after JSON unescaping. */
static void
ju_string_unit(struct jsonupload *ju, unsigned u)
{
	switch (ju->kind) {
	case JK_TOPKEY:
		/* Past ASCII or past the cap, it is not "image_data". */
		if (u >= 0x80 || ju->keylen == JU_KEYMAX)
			ju->keyother = true;
		else
			ju->key[ju->keylen++] = (char)u;
		break;
	case JK_IMAGE:
		ju_image_char(ju, u);
		break;
	case JK_PLAIN:
		break;
	}
}

/* One byte inside a string, the slow way (escapes, quotes, keys). */
static void
ju_string_byte(struct jsonupload *ju, unsigned char c, size_t i)
{
	int	 h;

	if (ju->esc == 0) {
		if (c == '"')
			ju_string_end(ju, i);
		else if (c == '\\')
			ju->esc = 1;
		else if (c < 0x20)
			ju_fail(ju, IMG_EJSON, NULL);
		else
			ju_string_unit(ju, c);
		return;
	}
	if (ju->esc == 1) {
		ju->esc = 0;
		switch (c) {
		case '"': case '\\': case '/':
			ju_string_unit(ju, c);
			break;
		case 'b':
			ju_string_unit(ju, '\b');
			break;
		case 'f':
			ju_string_unit(ju, '\f');
			break;
		case 'n':
			ju_string_unit(ju, '\n');
			break;
		case 'r':
			ju_string_unit(ju, '\r');
			break;
		case 't':
			ju_string_unit(ju, '\t');
			break;
		case 'u':
			ju->esc = 2;
			ju->ucode = 0;
			break;
		default:
			ju_fail(ju, IMG_EJSON, NULL);
			break;
		}
		return;
	}
	if ((h = hex_value(c)) < 0) {
		ju_fail(ju, IMG_EJSON, NULL);
		return;
	}
	ju->ucode = ju->ucode << 4 | (unsigned)h;
	if (++ju->esc == 6) {
		ju->esc = 0;
		ju_string_unit(ju, ju->ucode);
	}
}

/*
 * Inside a string at p[i]: consume a run in one go where the string's kind
 * allows, else one byte.  Returns the index after what was consumed.
 */
static size_t
ju_string(struct jsonupload *ju, const char *p, size_t n, size_t i)
{
	size_t		 j = i;
	unsigned char	 c;

	if (ju->esc == 0 && ju->kind == JK_PLAIN) {
		while (j < n && p[j] != '"' && p[j] != '\\')
			j++;
		if (j > i)
			return j;
	} else if (ju->esc == 0 && ju->kind == JK_IMAGE &&
	    ju->phase == JP_BODY) {
		while (j < n) {
			c = (unsigned char)p[j];
			if (c == '"' || c == '\\' || c < 0x20)
				break;
			j++;
		}
		if (j > i) {
			ju_b64(ju, p + i, j - i);
			return j;
		}
	}
	ju_string_byte(ju, (unsigned char)p[i], i);
	return i + 1;
}

/* Outside strings: one byte at p[i].  Returns the index of the next byte. */
static size_t
ju_token(struct jsonupload *ju, const char *p, size_t i)
{
	unsigned char	 c = (unsigned char)p[i];

	switch (ju->st) {
	case JS_VALUE_OR_CLOSE:
		if (c == ']') {
			ju_pop(ju);
			break;
		}
		ju_value(ju, p, i);
		break;
	case JS_VALUE:
		ju_value(ju, p, i);
		break;
	case JS_KEY_OR_CLOSE:
		if (c == '}') {
			ju_pop(ju);
			break;
		}
		/* FALLTHROUGH */
	case JS_KEY:
		if (c == '"')
			ju_key_start(ju);
		else if (!ju_isws(c))
			ju_fail(ju, IMG_EJSON, NULL);
		break;
	case JS_COLON:
		if (c == ':')
			ju->st = JS_VALUE;
		else if (!ju_isws(c))
			ju_fail(ju, IMG_EJSON, NULL);
		break;
	case JS_AFTER:
		if (c == ',')
			ju->st = ju_in_object(ju) ? JS_KEY : JS_VALUE;
		else if (c == (ju_in_object(ju) ? '}' : ']'))
			ju_pop(ju);
		else if (!ju_isws(c))
			ju_fail(ju, IMG_EJSON, NULL);
		break;
	case JS_LITERAL:
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || c == '.' || c == '+' || c == '-')
			break;
		/* The byte after a literal belongs to what follows it. */
		ju_value_done(ju);
		return i;
	case JS_END:
		if (!ju_isws(c))
			ju_fail(ju, IMG_EJSON, NULL);
		break;
	case JS_STRING:
		break;
	}
	return i + 1;
}

static bool
ju_in_image(const struct jsonupload *ju)
{
	return ju->st == JS_STRING && ju->kind == JK_IMAGE;
}

/*
 * Scan a piece of the body.  Errors are sticky; *field is "image_data"
 * for whatever the sink returned, NULL otherwise.  A bad image value is
 * left to jsonupload_end.  field may be NULL.
 */
enum img_err
jsonupload_feed(struct jsonupload *ju, const char *p, size_t n,
    const char **field)
{
	size_t		 i = 0;
	enum img_err	 e;

	ju->keep = 0;
	while (i < n && ju->err == IMG_OK) {
		if (ju->st == JS_STRING)
			i = ju_string(ju, p, n, i);
		else
			i = ju_token(ju, p, i);
	}
	if (ju->err == IMG_OK && !ju_in_image(ju) &&
	    (e = buf_add(&ju->rest, p + ju->keep, n - ju->keep)) != IMG_OK)
		ju_fail(ju, e, NULL);
	if (field != NULL)
		*field = ju->errfield;
	return ju->err;
}

/*
 * End of body: the rest goes to jansson (any top-level value, no trailing
 * bytes).  *rest is a new reference on success.  field may be NULL.
 */
enum img_err
jsonupload_end(struct jsonupload *ju, json_t **rest, bool *had_image,
    const char **field)
{
	json_error_t	 jerr;
	json_t		*v;

	*rest = NULL;
	*had_image = false;
	if (ju->err != IMG_OK)
		goto done;
	if (ju->st == JS_LITERAL && ju->depth == 0)
		ju->st = JS_END;
	if (ju->st != JS_END) {
		ju_fail(ju, IMG_EJSON, NULL);
		goto done;
	}
	/* \u0000 is JSON: the field holding it is refused by its caller. */
	if ((v = json_loadb(ju->rest.data, ju->rest.len, JSON_DECODE_ANY |
	    JSON_ALLOW_NUL, &jerr)) == NULL) {
		ju_fail(ju, json_error_code(&jerr) == json_error_out_of_memory ?
		    IMG_ENOMEM : IMG_EJSON, NULL);
		goto done;
	}
	if (ju->image_bad) {
		json_decref(v);
		ju_fail(ju, IMG_EINVAL, JU_FIELD);
		goto done;
	}
	*rest = v;
	*had_image = ju->had_image;
done:
	if (field != NULL)
		*field = ju->errfield;
	return ju->err;
}
