/*
 * check_jsonupload.c: JSON upload bodies as clients send them, fed whole
 * and in pieces down to one byte: what reaches the sink, what jansson
 * gets as the rest, and which bodies are refused with which error.
 */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "imaged/b64.h"
#include "imaged/buf.h"
#include "imaged/err.h"
#include "imaged/jsonupload.h"

Suite	*jsonupload_suite(void);

#define REST_CAP	(64 * 1024)

/* What a sink saw, and when it should fail. */
struct sink {
	struct buf	 img;
	size_t		 calls;
	size_t		 fail_call;	/* 1st failing call; 0: never */
	enum img_err	 fail_with;
};

struct result {
	enum img_err	 err;
	const char	*field;
	json_t		*rest;
	bool		 had_image;
	struct sink	 sink;
};

static enum img_err
test_sink(void *arg, const unsigned char *p, size_t n)
{
	struct sink	*s = arg;

	ck_assert_uint_gt(n, 0);
	s->calls++;
	if (s->fail_call != 0 && s->calls >= s->fail_call)
		return s->fail_with;
	return buf_add(&s->img, p, n);
}

static void
result_init(struct result *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->sink.img, 64u << 20);
}

static void
result_free(struct result *r)
{
	json_decref(r->rest);
	r->rest = NULL;
	buf_free(&r->sink.img);
}

/*
 * Feed body[0..len) in pieces of chunk bytes (0: whole), stop at the first
 * error, then end.  Each piece is copied to a buffer of its exact size so
 * that a read past it shows under ASan.
 */
static void
run_chunked(const char *body, size_t len, size_t chunk, size_t rest_cap,
    struct result *r)
{
	struct jsonupload	*ju;
	char			*piece;
	size_t			 i, take;
	enum img_err		 e = IMG_OK;

	if (chunk == 0)
		chunk = len > 0 ? len : 1;
	ju = jsonupload_new(rest_cap, test_sink, &r->sink);
	ck_assert_ptr_nonnull(ju);
	r->field = NULL;
	for (i = 0; i < len && e == IMG_OK; i += take) {
		take = len - i < chunk ? len - i : chunk;
		piece = malloc(take);
		ck_assert_ptr_nonnull(piece);
		memcpy(piece, body + i, take);
		e = jsonupload_feed(ju, piece, take, &r->field);
		free(piece);
	}
	if (e == IMG_OK)
		e = jsonupload_end(ju, &r->rest, &r->had_image, &r->field);
	else {
		/* a spent scanner keeps its error */
		const char	*field2 = NULL;

		ck_assert_int_eq(jsonupload_feed(ju, "{}", 2, &field2), e);
		ck_assert_int_eq(jsonupload_end(ju, &r->rest, &r->had_image,
		    &field2), e);
		ck_assert_ptr_null(r->rest);
		ck_assert(field2 == r->field);
	}
	if (e == IMG_OK)
		ck_assert_ptr_nonnull(r->rest);
	r->err = e;
	jsonupload_free(ju);
}

static void
run(const char *body, size_t chunk, struct result *r)
{
	run_chunked(body, strlen(body), chunk, REST_CAP, r);
}

static const size_t chunks[] = { 0, 1, 2, 3, 7, 4096 };

/* A valid body gives the same image and rest whatever the pieces. */
static void
check_same_pieces(const char *body, size_t len)
{
	struct result	 whole, part;
	size_t		 k;

	result_init(&whole);
	run_chunked(body, len, 0, REST_CAP, &whole);
	ck_assert_int_eq(whole.err, IMG_OK);
	for (k = 1; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		result_init(&part);
		run_chunked(body, len, chunks[k], REST_CAP, &part);
		ck_assert_int_eq(part.err, IMG_OK);
		ck_assert(part.had_image == whole.had_image);
		ck_assert_uint_eq(part.sink.img.len, whole.sink.img.len);
		ck_assert(whole.sink.img.len == 0 ||
		    memcmp(part.sink.img.data, whole.sink.img.data,
		    whole.sink.img.len) == 0);
		ck_assert(json_equal(part.rest, whole.rest));
		result_free(&part);
	}
	result_free(&whole);
}

static void
assert_image(const struct result *r, const char *want, size_t n)
{
	ck_assert_int_eq(r->err, IMG_OK);
	ck_assert(r->had_image);
	ck_assert_uint_eq(r->sink.img.len, n);
	ck_assert(n == 0 || memcmp(r->sink.img.data, want, n) == 0);
	ck_assert_str_eq(json_string_value(json_object_get(r->rest,
	    "image_data")), "");
}

START_TEST(test_whole_and_bytewise)
{
	static const char body[] =
	    " \n{ \"filename\" : \"a.png\",\r\n\t\"image_data\" :\n "
	    "\"data:image/png;base64,Zm9v\\/2Jh\\u0063mJh\\neiE=\" ,"
	    "\"user_id\":\"u1\", \"metadata\": {\"title\": \"caf\\u00e9\","
	    " \"tags\": [\"a\", \"b\\\"c\"], \"n\": -1.5e+3, \"t\": true,"
	    " \"f\": false, \"z\": null, \"o\": {}, \"l\": []}} \n";
	struct result	 r;
	size_t		 k;

	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		result_init(&r);
		run(body, chunks[k], &r);
		assert_image(&r, "foo\xff" "barbaz!", 11);
		ck_assert_str_eq(json_string_value(json_object_get(r.rest,
		    "filename")), "a.png");
		ck_assert_str_eq(json_string_value(json_object_get(
		    json_object_get(r.rest, "metadata"), "title")),
		    "caf\xc3\xa9");
		ck_assert_uint_eq(json_object_size(r.rest), 4);
		result_free(&r);
	}
	check_same_pieces(body, strlen(body));
}
END_TEST

/* A larger image, its '/' escaped and "\n" escapes every 76 characters. */
START_TEST(test_large_image_pieces)
{
	static const size_t	 sizes[] = {
		1, 32 * 1024, 48 * 1024 + 1, 200000
	};
	static const size_t	 pieces[] = { 1, 3, 4096, 32768, 0 };
	struct buf		 body;
	struct result		 r;
	unsigned char		*raw;
	char			*enc;
	size_t			 n, elen, i, k, s;
	enum img_err		 e;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		n = sizes[s];
		raw = malloc(n);
		elen = b64_encoded_len(n);
		enc = malloc(elen);
		ck_assert(raw != NULL && enc != NULL);
		srand((unsigned)n);
		for (i = 0; i < n; i++)
			raw[i] = (unsigned char)rand();
		b64_encode(raw, n, enc);
		buf_init(&body, 1u << 30);
		ck_assert_int_eq(buf_adds(&body, "{\"user_id\":\"u\","
		    "\"image_data\":\""), IMG_OK);
		for (i = 0; i < elen; i++) {
			e = enc[i] == '/' ? buf_adds(&body, "\\/") :
			    buf_addc(&body, enc[i]);
			if (e == IMG_OK && i % 76 == 75)
				e = buf_adds(&body, "\\n");
			ck_assert_int_eq(e, IMG_OK);
		}
		ck_assert_int_eq(buf_adds(&body, "\",\"filename\":\"x.png\"}"),
		    IMG_OK);
		for (k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++) {
			result_init(&r);
			run_chunked(body.data, body.len, pieces[k], 256, &r);
			assert_image(&r, (const char *)raw, n);
			result_free(&r);
		}
		buf_free(&body);
		free(raw);
		free(enc);
	}
}
END_TEST

static const char *const key_orders[] = {
	"{\"image_data\":\"Zm9vYmFy\",\"filename\":\"a.png\","
	    "\"user_id\":\"u\"}",
	"{\"filename\":\"a.png\",\"image_data\":\"Zm9vYmFy\","
	    "\"user_id\":\"u\"}",
	"{\"filename\":\"a.png\",\"user_id\":\"u\","
	    "\"image_data\":\"Zm9vYmFy\"}",
	"{\"filename\":\"a.png\",\"user_id\":\"u\","
	    "\"image\\u005fdata\":\"Zm9vYmFy\"}",
	"{\"filename\":\"a.png\",\"user_id\":\"u\","
	    "\"\\u0069mage_dat\\u0061\":\"Zm9vYmFy\"}",
	"{\"filename\":\"a.png\",\"metadata\":{\"image_data\":\"eA==\"},"
	    "\"user_id\":\"u\",\"image_data\":\"Zm9vYmFy\"}",
};

START_TEST(test_key_order)
{
	struct result	 r;
	size_t		 k;

	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		result_init(&r);
		run(key_orders[_i], chunks[k], &r);
		assert_image(&r, "foobar", 6);
		ck_assert_str_eq(json_string_value(json_object_get(r.rest,
		    "filename")), "a.png");
		ck_assert_str_eq(json_string_value(json_object_get(r.rest,
		    "user_id")), "u");
		result_free(&r);
	}
}
END_TEST

static const char *const good_prefixes[] = {
	"data:image/png;base64,",
	"DATA:Image/PNG;BASE64,",
	"data:image/jpeg;base64,",
	"data:image/svg+xml;charset=utf-8;base64,",
	"data:image\\/png;base64,",
	"data\\u003aimage/webp;name=a.webp;base64\\u002c",
	"data:image/x.y-z_1;base64,   ",
};

START_TEST(test_prefix_accepted)
{
	struct result	 r;
	struct buf	 body;
	size_t		 k;

	buf_init(&body, 4096);
	ck_assert_int_eq(buf_printf(&body, "{\"image_data\": \"%sZm9vYmFy\"}",
	    good_prefixes[_i]), IMG_OK);
	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		result_init(&r);
		run(body.data, chunks[k], &r);
		assert_image(&r, "foobar", 6);
		result_free(&r);
	}
	buf_free(&body);
}
END_TEST

static const char *const bad_images[] = {
	/* prefixes that are not data:image/...;base64, */
	"data:text/plain;base64,Zm9v",
	"data:image/png,Zm9v",
	"data:image/;base64,Zm9v",
	"data:image/png;base64",
	"data:image/png;base64;x=1,Zm9v",
	"data:image/png;;base64,Zm9v",
	"data:image/p g;base64,Zm9v",
	"data:,Zm9v",
	"data:",
	"data:image/png;base64,,Zm9v",
	/* not base64 */
	"Zm9v-w==",
	"Zm9v_w",
	"Zg==Zg==",
	"Zm9vY",
	"Zm9v!",
	"Zm9v\\u00e9",
	"\\u0141AAA",
	"data:image/png;base64\\u012c",
	"Zm9v\\\"",
	"Zm9v\\\\",
	"Zm9v\\b",
	"Zm9v\xc3\xa9",
	"dat:Zm9v",
};

START_TEST(test_image_refused)
{
	struct result	 r;
	struct buf	 body;
	size_t		 k;

	buf_init(&body, 4096);
	ck_assert_int_eq(buf_printf(&body, "{\"user_id\":\"u\", "
	    "\"image_data\": \"%s\", \"filename\": \"a.png\"}", bad_images[_i]),
	    IMG_OK);
	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		result_init(&r);
		run(body.data, chunks[k], &r);
		ck_assert_msg(r.err == IMG_EINVAL, "%s: %d", body.data, r.err);
		ck_assert_str_eq(r.field, "image_data");
		result_free(&r);
	}
	buf_free(&body);
}
END_TEST

START_TEST(test_long_prefix_refused)
{
	struct result	 r;
	struct buf	 body;
	size_t		 i;

	/* 300 bytes of "data:image/png;p=xxx..." with no comma in reach */
	buf_init(&body, 4096);
	ck_assert_int_eq(buf_adds(&body, "{\"image_data\":\"data:image/png;p="),
	    IMG_OK);
	for (i = 0; i < 300; i++)
		ck_assert_int_eq(buf_addc(&body, 'x'), IMG_OK);
	ck_assert_int_eq(buf_adds(&body, ";base64,Zm9v\"}"), IMG_OK);
	result_init(&r);
	run(body.data, 0, &r);
	ck_assert_int_eq(r.err, IMG_EINVAL);
	ck_assert_str_eq(r.field, "image_data");
	result_free(&r);
	buf_free(&body);
}
END_TEST

/* Escapes JSON allows inside the base64, and whitespace anywhere. */
static const struct {
	const char	*image;
	const char	*want;
	size_t		 n;
} escaped[] = {
	{ "Zm9v\\/w==", "foo\xff", 4 },
	{ "Zm9v\\u002Bw==", "foo\xfb", 4 },
	{ "Zm9v\\u002bw==", "foo\xfb", 4 },
	{ "Zm9v\\nYmFy", "foobar", 6 },
	{ "Zm9v\\r\\nYmFy\\r\\n", "foobar", 6 },
	{ "Zm9v\\tYm Fy", "foobar", 6 },
	{ " Zm9v YmFy ", "foobar", 6 },
	{ "\\u005a\\u006d\\u0039\\u0076", "foo", 3 },
	{ "Zm9vYg", "foob", 4 },
	{ "Zm9vYg=\\n=", "foob", 4 },
	{ "", "", 0 },
	{ "\\n", "", 0 },
	{ "Zm8", "fo", 2 },
	{ "ZGF0", "dat", 3 },
	{ "dat\\/", "u\xab\x7f", 3 },
	{ "data", "u\xabZ", 3 },
};

START_TEST(test_escapes_in_image)
{
	struct result	 r;
	struct buf	 body;
	size_t		 k;

	buf_init(&body, 4096);
	ck_assert_int_eq(buf_printf(&body, "{\"image_data\":\"%s\"}",
	    escaped[_i].image), IMG_OK);
	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		result_init(&r);
		run(body.data, chunks[k], &r);
		assert_image(&r, escaped[_i].want, escaped[_i].n);
		result_free(&r);
	}
	buf_free(&body);
}
END_TEST

START_TEST(test_not_the_image)
{
	static const char *const bodies[] = {
		/* nested: data, not the image */
		"{\"metadata\":{\"image_data\":\"Zm9v\"}}",
		"{\"a\":[{\"image_data\":\"Zm9v\"}]}",
		/* the string value "image_data" is no key */
		"{\"filename\":\"image_data\",\"x\":\"Zm9v\"}",
		"{\"a\":[\"image_data\",\"Zm9v\"]}",
		/* near misses */
		"{\"image_data_\":\"Zm9v\"}",
		"{\"Image_data\":\"Zm9v\"}",
		"{\"image_dat\":\"Zm9v\"}",
		"{\"image_\\u00e9data\":\"Zm9v\"}",
		"{\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "image_data\":\"Zm9v\"}",
	};
	struct result	 r;
	json_t		*want;
	size_t		 b, k;

	for (b = 0; b < sizeof(bodies) / sizeof(bodies[0]); b++) {
		want = json_loads(bodies[b], 0, NULL);
		ck_assert_ptr_nonnull(want);
		for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
			result_init(&r);
			run(bodies[b], chunks[k], &r);
			ck_assert_msg(r.err == IMG_OK, "%s", bodies[b]);
			ck_assert(!r.had_image);
			ck_assert_uint_eq(r.sink.calls, 0);
			ck_assert(json_equal(r.rest, want));
			result_free(&r);
		}
		json_decref(want);
	}
}
END_TEST

START_TEST(test_image_not_a_string)
{
	static const char *const bodies[] = {
		"{\"image_data\":5,\"filename\":\"a.png\"}",
		"{\"filename\":\"a.png\",\"image_data\" : -1.25e3 }",
		"{\"image_data\":null}",
		"{\"image_data\":true}",
		"{\"image_data\":{\"image_data\":\"Zm9v\"}}",
		"{\"image_data\":[\"Zm9v\"]}",
	};
	struct result	 r;
	json_t		*want;
	size_t		 b, k;

	for (b = 0; b < sizeof(bodies) / sizeof(bodies[0]); b++) {
		want = json_loads(bodies[b], 0, NULL);
		ck_assert_ptr_nonnull(want);
		for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
			result_init(&r);
			run(bodies[b], chunks[k], &r);
			ck_assert_int_eq(r.err, IMG_OK);
			ck_assert(!r.had_image);
			ck_assert_uint_eq(r.sink.calls, 0);
			ck_assert(json_equal(r.rest, want));
			result_free(&r);
		}
		json_decref(want);
	}
}
END_TEST

START_TEST(test_duplicate_key)
{
	static const char *const bodies[] = {
		"{\"image_data\":\"Zm9v\",\"image_data\":\"YmFy\"}",
		"{\"image_data\":\"Zm9v\",\"a\":1,"
		    "\"image\\u005fdata\":\"YmFy\"}",
		"{\"image_data\":5,\"image_data\":\"YmFy\"}",
		"{\"image_data\":\"YmFy\",\"image_data\":5}",
	};
	struct result	 r;
	size_t		 b, k;

	for (b = 0; b < sizeof(bodies) / sizeof(bodies[0]); b++)
		for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
			result_init(&r);
			run(bodies[b], chunks[k], &r);
			ck_assert_int_eq(r.err, IMG_EINVAL);
			ck_assert_str_eq(r.field, "image_data");
			result_free(&r);
		}
}
END_TEST

/* Every proper prefix of a valid body is truncated JSON. */
START_TEST(test_truncated)
{
	static const char body[] = "{\"filename\":\"a\\u00e9.png\","
	    "\"image_data\":\"data:image/png;base64,Zm9v\\/w==\","
	    "\"metadata\":{\"tags\":[\"x\",1,true,null],\"n\":12}}";
	struct result	 r;
	size_t		 len;

	for (len = 0; len < sizeof(body) - 1; len++) {
		result_init(&r);
		run_chunked(body, len, 1, REST_CAP, &r);
		ck_assert_msg(r.err == IMG_EJSON, "cut at %zu: %d", len, r.err);
		result_free(&r);
	}
	result_init(&r);
	run_chunked(body, sizeof(body) - 1, 1, REST_CAP, &r);
	assert_image(&r, "foo\xff", 4);
	result_free(&r);
}
END_TEST

static const char *const invalid_json[] = {
	"",
	"   \n",
	"{",
	"}",
	"]",
	"{\"a\" 1}",
	"{\"a\":1,}",
	"{,}",
	"[1,]",
	"[1 2]",
	"{\"a\":1}}",
	"{\"a\":1} x",
	"{\"a\":1}{}",
	"{'a':1}",
	"{a:1}",
	"{\"a\":tru}",
	"{\"a\":01}",
	"{\"a\":1.}",
	"{\"a\":[1}]",
	"{\"a\":{]}",
	"{\"a\":\"\\x\"}",
	"{\"a\":\"\\u12G4\"}",
	"{\"a\":\"\\ud800\"}",
	"{\"a\":\"x\ny\"}",
	"{\"a\":\"\xff\"}",
	"{\"image_data\":\"Zm9v\" \"x\":1}",
	"{\"image_data\":\"Zm9v\\x\"}",
	"{\"image_data\":\"Zm9v\\u00G0\"}",
	"{\"image_data\":\"Zm\n9v\"}",
	"{\"image_data\":\"Zm9v\"",
	"{\"image_data\"\"Zm9v\"}",
	"{\"image_data\":\"Zm9v\"]",
	"\xef\xbb\xbf{}",
	/* jansson refuses NUL in strings */
	"{\"image_data\\u0000\":\"Zm9v\"}",
};

START_TEST(test_invalid_json)
{
	struct result	 r;
	size_t		 k;

	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		result_init(&r);
		run(invalid_json[_i], chunks[k], &r);
		ck_assert_msg(r.err == IMG_EJSON, "\"%s\" in %zu: %d",
		    invalid_json[_i], chunks[k], r.err);
		ck_assert_ptr_null(r.rest);
		result_free(&r);
	}
}
END_TEST

/* depth levels of arrays around 1, inside {"image_data":"Zm9v","m": ...}. */
static void
nested(struct buf *b, unsigned depth, bool object)
{
	unsigned	 i;

	buf_init(b, 4096);
	if (object) {
		ck_assert_int_eq(buf_adds(b, "{\"image_data\":\"Zm9v\",\"m\":"),
		    IMG_OK);
		depth--;
	}
	for (i = 0; i < depth; i++)
		ck_assert_int_eq(buf_adds(b, i % 2 ? "{\"k\":" : "["), IMG_OK);
	ck_assert_int_eq(buf_addc(b, '1'), IMG_OK);
	for (i = depth; i-- > 0;)
		ck_assert_int_eq(buf_addc(b, i % 2 ? '}' : ']'), IMG_OK);
	if (object)
		ck_assert_int_eq(buf_addc(b, '}'), IMG_OK);
}

START_TEST(test_depth)
{
	struct result	 r;
	struct buf	 b;
	int		 object;

	for (object = 0; object < 2; object++) {
		nested(&b, 32, object);
		result_init(&r);
		run(b.data, 0, &r);
		ck_assert_int_eq(r.err, IMG_OK);
		ck_assert(r.had_image == object);
		result_free(&r);
		buf_free(&b);

		nested(&b, 33, object);
		result_init(&r);
		run(b.data, 0, &r);
		ck_assert_int_eq(r.err, IMG_EJSON);
		result_free(&r);
		buf_free(&b);
	}
}
END_TEST

START_TEST(test_rest_cap)
{
	static const char body[] =
	    "{\"image_data\":\"Zm9vYmFyZm9vYmFyZm9vYmFy\","
	    "\"filename\":\"a.png\"}";
	/* the rest is the body less the image: {"image_data":"",...} */
	size_t		 restlen = sizeof(body) - 1 - 24;
	struct result	 r;
	size_t		 k;

	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		result_init(&r);
		run_chunked(body, sizeof(body) - 1, chunks[k], restlen, &r);
		assert_image(&r, "foobarfoobarfoobar", 18);
		result_free(&r);

		result_init(&r);
		run_chunked(body, sizeof(body) - 1, chunks[k], restlen - 1, &r);
		ck_assert_int_eq(r.err, IMG_ETOOBIG);
		result_free(&r);
	}
}
END_TEST

START_TEST(test_sink_error_stops)
{
	struct result	 r;
	struct buf	 body;
	size_t		 i;

	/* 150000 encoded bytes: several sink calls of 48 KiB */
	buf_init(&body, 1u << 20);
	ck_assert_int_eq(buf_adds(&body, "{\"image_data\":\""), IMG_OK);
	for (i = 0; i < 150000 / 4; i++)
		ck_assert_int_eq(buf_adds(&body, "AAAA"), IMG_OK);
	ck_assert_int_eq(buf_adds(&body, "\"}"), IMG_OK);
	result_init(&r);
	r.sink.fail_call = 2;
	r.sink.fail_with = IMG_ETOOBIG;
	run_chunked(body.data, body.len, 4096, REST_CAP, &r);
	ck_assert_int_eq(r.err, IMG_ETOOBIG);
	ck_assert_str_eq(r.field, "image_data");
	ck_assert_uint_eq(r.sink.calls, 2);
	ck_assert_uint_gt(r.sink.img.len, 0);
	result_free(&r);

	/* the last bytes, flushed at the closing quote, fail as well */
	result_init(&r);
	r.sink.fail_call = 1;
	r.sink.fail_with = IMG_ENOSPACE;
	run("{\"image_data\":\"Zm9vYg\",\"a\":1}", 1, &r);
	ck_assert_int_eq(r.err, IMG_ENOSPACE);
	ck_assert_uint_eq(r.sink.calls, 1);
	result_free(&r);
	buf_free(&body);
}
END_TEST

START_TEST(test_not_an_object)
{
	static const char *const bodies[] = {
		"[1]",
		" \"x\" ",
		"\"image_data\"",
		"42",
		"-0.5",
		"null",
		"[{\"image_data\":\"Zm9v\"}]",
		"[]",
	};
	struct result	 r;
	json_t		*want;
	size_t		 b, k;

	for (b = 0; b < sizeof(bodies) / sizeof(bodies[0]); b++) {
		want = json_loads(bodies[b], JSON_DECODE_ANY, NULL);
		ck_assert_ptr_nonnull(want);
		for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
			result_init(&r);
			run(bodies[b], chunks[k], &r);
			ck_assert_int_eq(r.err, IMG_OK);
			ck_assert(!r.had_image);
			ck_assert_uint_eq(r.sink.calls, 0);
			ck_assert(json_equal(r.rest, want));
			result_free(&r);
		}
		json_decref(want);
	}
}
END_TEST

START_TEST(test_unicode_in_rest)
{
	static const char body[] =
	    "{\"filename\":\"caf\\u00e9 \\ud83d\\ude00 \xe2\x82\xac.png\","
	    "\"image_data\":\"Zm9v\","
	    "\"metadata\":{\"title\":\"\\\"q\\\" \\\\ \\/ \\t\\u0041\","
	    "\"k\\u00e9y\":\"v\"}}";
	struct result	 r;
	json_t		*m;
	size_t		 k;

	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		result_init(&r);
		run(body, chunks[k], &r);
		assert_image(&r, "foo", 3);
		ck_assert_str_eq(json_string_value(json_object_get(r.rest,
		    "filename")),
		    "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac.png");
		m = json_object_get(r.rest, "metadata");
		ck_assert_str_eq(json_string_value(json_object_get(m, "title")),
		    "\"q\" \\ / \tA");
		ck_assert_str_eq(json_string_value(json_object_get(m,
		    "k\xc3\xa9y")), "v");
		result_free(&r);
	}
	check_same_pieces(body, sizeof(body) - 1);
}
END_TEST

START_TEST(test_field_null_allowed)
{
	struct jsonupload	*ju;
	struct sink		 s;
	json_t			*rest;
	bool			 had;

	memset(&s, 0, sizeof(s));
	buf_init(&s.img, 1024);
	ju = jsonupload_new(1024, test_sink, &s);
	ck_assert_ptr_nonnull(ju);
	ck_assert_int_eq(jsonupload_feed(ju, "{\"image_data\":\"Zm9v\"}", 21,
	    NULL), IMG_OK);
	ck_assert_int_eq(jsonupload_feed(ju, "", 0, NULL), IMG_OK);
	ck_assert_int_eq(jsonupload_end(ju, &rest, &had, NULL), IMG_OK);
	ck_assert(had);
	json_decref(rest);
	jsonupload_free(ju);
	jsonupload_free(NULL);
	buf_free(&s.img);
}
END_TEST

Suite *
jsonupload_suite(void)
{
	Suite	*s = suite_create("jsonupload");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_whole_and_bytewise);
	tcase_add_test(tc, test_large_image_pieces);
	tcase_add_loop_test(tc, test_key_order, 0,
	    sizeof(key_orders) / sizeof(key_orders[0]));
	tcase_add_loop_test(tc, test_prefix_accepted, 0,
	    sizeof(good_prefixes) / sizeof(good_prefixes[0]));
	tcase_add_loop_test(tc, test_image_refused, 0,
	    sizeof(bad_images) / sizeof(bad_images[0]));
	tcase_add_test(tc, test_long_prefix_refused);
	tcase_add_loop_test(tc, test_escapes_in_image, 0,
	    sizeof(escaped) / sizeof(escaped[0]));
	tcase_add_test(tc, test_not_the_image);
	tcase_add_test(tc, test_image_not_a_string);
	tcase_add_test(tc, test_duplicate_key);
	tcase_add_test(tc, test_truncated);
	tcase_add_loop_test(tc, test_invalid_json, 0,
	    sizeof(invalid_json) / sizeof(invalid_json[0]));
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_rest_cap);
	tcase_add_test(tc, test_sink_error_stops);
	tcase_add_test(tc, test_not_an_object);
	tcase_add_test(tc, test_unicode_in_rest);
	tcase_add_test(tc, test_field_null_allowed);
	suite_add_tcase(s, tc);
	return s;
}
