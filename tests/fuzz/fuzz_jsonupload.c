/*
 * fuzz_jsonupload.c: the streaming JSON upload scanner (jsonupload.h).
 *
 * The input is a request body.  It is scanned three ways: in one piece,
 * split at a byte picked from the input, and (when short) one byte at a
 * time; every way must give the same result, the same rest and the same
 * image bytes, since the scanner promises a chunk may end anywhere.  A
 * fourth scan has the sink fail on its first call, which must stop the
 * scan with the sink's error.  Then jansson, parsing the whole body at
 * once, is the oracle: what the scanner accepts jansson accepts, with the
 * same value once image_data is emptied, and the image bytes are the
 * base64 decoding of the string jansson read; a body jansson accepts
 * (no duplicate keys, nesting within the scanner's bound, no image string
 * or a plain base64 one) the scanner must accept too.  (jansson lets a
 * NUL byte follow a top-level literal, "false\0 ", so bodies holding one
 * are left out of that last check: the scanner refuses them, rightly.)
 */
#include <stdbool.h>
#include <strings.h>

#include <jansson.h>

#include "imaged/b64.h"
#include "imaged/buf.h"
#include "imaged/jsonupload.h"

#include "fuzz.h"

#define REST_CAP	(1024 * 1024)	/* as api_upload.c */
#define IMAGE_CAP	(16 * 1024 * 1024)
#define BYTEWISE_MAX	4096		/* one byte at a time up to this size */
#define MAX_DEPTH	32		/* jsonupload.h */

struct scan {
	struct buf	 image;		/* what the sink received */
	size_t		 calls;
	bool		 fail;		/* the sink refuses its first call */
	enum img_err	 e;
	const char	*field;
	bool		 had_image;
	json_t		*rest;
};

static enum img_err
sink(void *arg, const unsigned char *p, size_t n)
{
	struct scan	*s = arg;

	FUZZ_CHECK(n > 0);
	s->calls++;
	if (s->fail)
		return IMG_ENOSPACE;
	FUZZ_CHECK(buf_add(&s->image, p, n) == IMG_OK);
	return IMG_OK;
}

/* Scan data in pieces of at most step bytes, the first piece first_len long. */
static void
scan_run(struct scan *s, const uint8_t *data, size_t size, size_t first_len,
    size_t step)
{
	struct jsonupload	*ju;
	const char		*p = (const char *)data, *field = NULL;
	size_t			 off = 0, n;
	enum img_err		 e = IMG_OK, fe;

	buf_init(&s->image, IMAGE_CAP);
	s->calls = 0;
	s->rest = NULL;
	if ((ju = jsonupload_new(REST_CAP, sink, s)) == NULL)
		abort();
	n = first_len < size ? first_len : size;
	/* Even after an error, feeding on must keep returning it. */
	for (;;) {
		fe = jsonupload_feed(ju, p + off, n, &field);
		if (e != IMG_OK)
			FUZZ_CHECK(fe == e);
		e = fe;
		off += n;
		if (off == size)
			break;
		n = size - off < step ? size - off : step;
	}
	s->e = jsonupload_end(ju, &s->rest, &s->had_image, &s->field);
	if (e != IMG_OK)
		FUZZ_CHECK(s->e == e && s->field == field);
	FUZZ_CHECK((s->e == IMG_OK) == (s->rest != NULL));
	if (s->e != IMG_OK)
		FUZZ_CHECK(!s->had_image);
	else if (!s->had_image)
		FUZZ_CHECK(s->image.len == 0);
	jsonupload_free(ju);
}

static void
scan_free(struct scan *s)
{
	buf_free(&s->image);
	json_decref(s->rest);
	s->rest = NULL;
}

static bool
same_field(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
scan_same(const struct scan *a, const struct scan *b)
{
	FUZZ_CHECK(a->e == b->e);
	FUZZ_CHECK(same_field(a->field, b->field));
	if (a->e != IMG_OK)
		return;
	FUZZ_CHECK(a->had_image == b->had_image);
	FUZZ_CHECK(json_equal(a->rest, b->rest));
	FUZZ_CHECK(a->image.len == b->image.len);
	FUZZ_CHECK(a->image.len == 0 ||
	    memcmp(a->image.data, b->image.data, a->image.len) == 0);
}

static size_t
depth(json_t *v)
{
	const char	*k;
	json_t		*m;
	size_t		 i, d, max = 0;

	if (json_is_object(v)) {
		json_object_foreach(v, k, m)
			if ((d = depth(m)) > max)
				max = d;
		return max + 1;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, m)
			if ((d = depth(m)) > max)
				max = d;
		return max + 1;
	}
	return 0;
}

/*
 * The base64 text of an image string, past any "data:...," prefix, as
 * the scanner reads it; NULL when the prefix has no comma.
 */
static const char *
image_text(const char *s)
{
	const char	*comma;

	if (strncasecmp(s, "data:", 5) != 0)
		return s;
	comma = strchr(s, ',');
	return comma != NULL ? comma + 1 : NULL;
}

/* Decode base64 text with the b64 module in one go; false when invalid. */
static bool
decode(const char *text, size_t len, struct buf *out)
{
	struct b64_decoder	 d;
	size_t			 got;

	buf_init(out, IMAGE_CAP);
	if (buf_reserve(out, b64_decoded_max(len) + 3) != IMG_OK)
		abort();
	b64_decoder_init(&d);
	if (!b64_decode(&d, text, len, (unsigned char *)out->data, &got))
		return false;
	out->len = got;
	if (!b64_decode_end(&d, (unsigned char *)out->data + out->len, &got))
		return false;
	out->len += got;
	return true;
}

static bool
is_ascii(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/* What jansson says of the whole body, against the scan s. */
static void
oracle(const struct scan *s, const uint8_t *data, size_t size)
{
	json_error_t	 jerr;
	json_t		*all, *strict, *img, *emptied = NULL;
	const char	*text;
	struct buf	 ref;

	/* \u0000 is JSON: the scanner takes it, for its caller to refuse. */
	all = json_loadb((const char *)data, size, JSON_DECODE_ANY |
	    JSON_ALLOW_NUL, &jerr);
	strict = json_loadb((const char *)data, size,
	    JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
	if (s->e == IMG_OK) {
		/*
		 * Accepted: jansson agrees, and the rest is the
		 * body emptied.
		 */
		FUZZ_CHECK(all != NULL);
		img = json_is_object(all) ? json_object_get(all, "image_data") :
		    NULL;
		FUZZ_CHECK(s->had_image == json_is_string(img));
		if (s->had_image) {
			FUZZ_CHECK((emptied = json_deep_copy(all)) != NULL);
			FUZZ_CHECK(json_object_set_new(emptied, "image_data",
			    json_string("")) == 0);
			FUZZ_CHECK(json_equal(emptied, s->rest));
			text = image_text(json_string_value(img));
			FUZZ_CHECK(text != NULL);
			FUZZ_CHECK(decode(text, strlen(text), &ref));
			FUZZ_CHECK(ref.len == s->image.len);
			FUZZ_CHECK(ref.len == 0 ||
			    memcmp(ref.data, s->image.data, ref.len) == 0);
			buf_free(&ref);
		} else
			FUZZ_CHECK(json_equal(all, s->rest));
	} else if (strict != NULL && depth(strict) <= MAX_DEPTH &&
	    size <= REST_CAP && memchr(data, '\0', size) == NULL) {
		/*
		 * Refused though jansson reads it: only a bad image string
		 * may be the reason.
		 */
		img = json_is_object(strict) ?
		    json_object_get(strict, "image_data") : NULL;
		FUZZ_CHECK(json_is_string(img));
		text = json_string_value(img);
		if (strncasecmp(text, "data:", 5) != 0 &&
		    is_ascii(text, json_string_length(img)) &&
		    strlen(text) == json_string_length(img)) {
			/* Plain base64 jansson reads is refused only if bad. */
			FUZZ_CHECK(!decode(text, strlen(text), &ref));
			buf_free(&ref);
		}
		FUZZ_CHECK(s->e == IMG_EINVAL);
		FUZZ_CHECK(same_field(s->field, "image_data"));
	}
	json_decref(emptied);
	json_decref(strict);
	json_decref(all);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan	 whole, split, bytewise, failing;
	size_t		 cut;

	cut = (size_t)(fuzz_hash(data, size) % (size + 1));

	memset(&whole, 0, sizeof(whole));
	scan_run(&whole, data, size, size, size);

	memset(&split, 0, sizeof(split));
	scan_run(&split, data, size, cut, size);
	scan_same(&whole, &split);
	scan_free(&split);

	if (size <= BYTEWISE_MAX) {
		memset(&bytewise, 0, sizeof(bytewise));
		scan_run(&bytewise, data, size, 1, 1);
		scan_same(&whole, &bytewise);
		scan_free(&bytewise);
	}

	memset(&failing, 0, sizeof(failing));
	failing.fail = true;
	scan_run(&failing, data, size, cut, size);
	if (whole.calls > 0) {
		FUZZ_CHECK(failing.e == IMG_ENOSPACE);
		FUZZ_CHECK(same_field(failing.field, "image_data"));
		FUZZ_CHECK(failing.calls == 1);
	} else
		scan_same(&whole, &failing);
	scan_free(&failing);

	oracle(&whole, data, size);
	scan_free(&whole);
	return 0;
}
