/*
 * check_handlers.c: the handlers' answers to bad input, driven in-process
 * (inproc.h): no socket, no server thread, a fresh store per case.  Each
 * case is a request as a client sends it and the answer a client must
 * read: the status, the JSON error's code and field, and nothing stored
 * (no file in the bucket or its temp folder, no row listed).  What needs
 * the wire stays in check_api.c.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "imaged/log.h"

#include "harness.h"
#include "inproc.h"

Suite	*handlers_suite(void);

struct bad_case {
	const char	*name;
	const char	*method;
	const char	*path;
	const char	*content_type;
	/* "@PNG" puts a real PNG's base64 where %s is */
	const char	*body;
	long		 status;
	const char	*code;
	const char	*field;
};

#define PNG_BODY(user, file, extra) \
	"{\"image_data\": \"%s\", \"user_id\": \"" user "\", \"filename\": \"" \
	file "\"" extra "}"

static const struct bad_case bad_cases[] = {
	{ "not json", "POST", "/images", "application/json", "{\"user_id\":",
	  400, "INVALID_JSON", NULL },
	{ "garbage", "POST", "/images", NULL, "hello", 400,
	  "INVALID_JSON", NULL },
	{ "array", "POST", "/images", "application/json", "[1, 2]",
	  400, "VALIDATION_ERROR", NULL },
	{ "no user", "POST", "/images", "application/json",
	  "{\"image_data\": \"%s\", \"filename\": \"a.png\"}",
	  400, "VALIDATION_ERROR", "user_id" },
	{ "user ..", "POST", "/images", NULL, PNG_BODY("..", "a.png", ""),
	  400, "VALIDATION_ERROR", "user_id" },
	{ "user ../x", "POST", "/images", NULL, PNG_BODY("../x", "a.png", ""),
	  400, "VALIDATION_ERROR", "user_id" },
	{ "user 65", "POST", "/images", NULL, PNG_BODY(
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "a.png", ""), 400, "VALIDATION_ERROR", "user_id" },
	{ "user number", "POST", "/images", NULL,
	  "{\"image_data\": \"%s\", \"user_id\": 7, \"filename\": \"a.png\"}",
	  400, "VALIDATION_ERROR", "user_id" },
	{ "no filename", "POST", "/images", NULL,
	  "{\"image_data\": \"%s\", \"user_id\": \"u\"}",
	  400, "VALIDATION_ERROR", "filename" },
	{ "filename slash", "POST", "/images", NULL,
	  PNG_BODY("u", "a/b.png", ""), 400, "VALIDATION_ERROR", "filename" },
	{ "filename backslash", "POST", "/images", NULL,
	  PNG_BODY("u", "a\\\\b.png", ""), 400, "VALIDATION_ERROR",
	  "filename" },
	{ "filename control", "POST", "/images", NULL,
	  PNG_BODY("u", "a\\u0001.png", ""), 400, "VALIDATION_ERROR",
	  "filename" },
	{ "extension", "POST", "/images", NULL, PNG_BODY("u", "a.txt", ""),
	  400, "VALIDATION_ERROR", "filename" },
	{ "no extension", "POST", "/images", NULL, PNG_BODY("u", "png", ""),
	  400, "VALIDATION_ERROR", "filename" },
	{ "no image", "POST", "/images", NULL,
	  "{\"user_id\": \"u\", \"filename\": \"a.png\"}",
	  400, "VALIDATION_ERROR", "image_data" },
	{ "image number", "POST", "/images", NULL,
	  "{\"image_data\": 5, \"user_id\": \"u\", \"filename\": \"a.png\"}",
	  400, "VALIDATION_ERROR", "image_data" },
	{ "bad base64", "POST", "/images", NULL,
	  "{\"image_data\": \"!!!!\", \"user_id\": \"u\", \"filename\": "
	  "\"a.png\"}", 400, "VALIDATION_ERROR", "image_data" },
	{ "url-safe base64", "POST", "/images", NULL,
	  "{\"image_data\": \"iVBO-_w\", \"user_id\": \"u\", \"filename\": "
	  "\"a.png\"}", 400, "VALIDATION_ERROR", "image_data" },
	{ "empty image", "POST", "/images", NULL,
	  "{\"image_data\": \"\", \"user_id\": \"u\", \"filename\": \"a.png\"}",
	  400, "VALIDATION_ERROR", "image_data" },
	{ "not a png", "POST", "/images", NULL,
	  "{\"image_data\": \"aGVsbG8gd29ybGQ=\", \"user_id\": \"u\", "
	  "\"filename\": \"a.png\"}", 415, "UNSUPPORTED_MEDIA_TYPE",
	  "image_data" },
	{ "png named jpg", "POST", "/images", NULL, PNG_BODY("u", "a.jpg", ""),
	  415, "UNSUPPORTED_MEDIA_TYPE", "image_data" },
	{ "title number", "POST", "/images", NULL,
	  PNG_BODY("u", "a.png", ", \"metadata\": {\"title\": 5}"),
	  400, "VALIDATION_ERROR", "metadata.title" },
	{ "tags string", "POST", "/images", NULL,
	  PNG_BODY("u", "a.png", ", \"metadata\": {\"tags\": \"a,b\"}"),
	  400, "VALIDATION_ERROR", "metadata.tags" },
	{ "tag empty", "POST", "/images", NULL,
	  PNG_BODY("u", "a.png", ", \"metadata\": {\"tags\": [\"\"]}"),
	  400, "VALIDATION_ERROR", "metadata.tags" },
	{ "metadata string", "POST", "/images", NULL,
	  PNG_BODY("u", "a.png", ", \"metadata\": \"x\""),
	  400, "VALIDATION_ERROR", "metadata" },
	{ "xml", "POST", "/images", "text/xml", "<a/>",
	  415, "UNSUPPORTED_MEDIA_TYPE", NULL },
	{ "raw no user", "POST", "/images?filename=a.png", "image/png", "x",
	  400, "VALIDATION_ERROR", "user_id" },
	{ "raw no filename", "POST", "/images?user_id=u", "image/png", "x",
	  400, "VALIDATION_ERROR", "filename" },
	{ "id malformed", "GET", "/images/not-a-uuid", NULL, NULL,
	  400, "VALIDATION_ERROR", "image_id" },
	{ "id malformed delete", "DELETE", "/images/1234", NULL, NULL,
	  400, "VALIDATION_ERROR", "image_id" },
	{ "id malformed patch", "PATCH", "/images/xyz", "application/json",
	  "{\"metadata\": {}}", 400, "VALIDATION_ERROR", "image_id" },
	{ "id unknown", "GET", "/images/F47AC10B-58CC-4372-A567-0E02B2C3D479",
	  NULL, NULL, 404, "NOT_FOUND", NULL },
	{ "delete unknown", "DELETE",
	  "/images/f47ac10b-58cc-4372-a567-0e02b2c3d479",
	  NULL, NULL, 404, "NOT_FOUND", NULL },
	{ "limit 0", "GET", "/images?limit=0", NULL, NULL,
	  400, "VALIDATION_ERROR", "limit" },
	{ "limit 101", "GET", "/images?limit=101", NULL, NULL,
	  400, "VALIDATION_ERROR", "limit" },
	{ "limit abc", "GET", "/images?limit=abc", NULL, NULL,
	  400, "VALIDATION_ERROR", "limit" },
	{ "limit sign", "GET", "/images?limit=+5", NULL, NULL,
	  400, "VALIDATION_ERROR", "limit" },
	{ "page_size", "GET", "/images?page_size=500", NULL, NULL,
	  400, "VALIDATION_ERROR", "page_size" },
	{ "forged cursor", "GET", "/images?last_evaluated_key=abcdef", NULL,
	  NULL, 400, "VALIDATION_ERROR", "last_evaluated_key" },
	{ "order", "GET", "/images?order=sideways", NULL, NULL,
	  400, "VALIDATION_ERROR", "order" },
	{ "list user", "GET", "/images?user_id=..", NULL, NULL,
	  400, "VALIDATION_ERROR", "user_id" },
	/* A NUL is refused where it is, never read as the end of the value. */
	{ "cursor NUL", "GET", "/images?user_id=u&last_evaluated_key=%00", NULL,
	  NULL, 400, "VALIDATION_ERROR", "last_evaluated_key" },
	{ "user_id NUL", "GET", "/images?user_id=u%00v", NULL, NULL,
	  400, "VALIDATION_ERROR", "user_id" },
	{ "title filter NUL", "GET", "/images?title=a%00b", NULL, NULL,
	  400, "VALIDATION_ERROR", "title" },
	{ "download NUL", "GET", "/images/f47ac10b-58cc-4372-a567-0e02b2c3d479"
	  "?download=true%00", NULL, NULL, 400, "VALIDATION_ERROR",
	  "download" },
	{ "id NUL", "GET", "/images/f47ac10b-58cc-4372-a567-0e02b2c3d479%00",
	  NULL, NULL, 400, "VALIDATION_ERROR", "image_id" },
	{ "raw user NUL", "POST", "/images?user_id=u%00x&filename=a.png",
	  "image/png", "x", 400, "VALIDATION_ERROR", "user_id" },
	{ "raw title NUL", "POST",
	  "/images?user_id=u&filename=a.png&title=a%00",
	  "image/png", "x", 400, "VALIDATION_ERROR", "title" },
	/* Valid JSON that is not an object is a validation error. */
	{ "patch string", "PATCH",
	  "/images/f47ac10b-58cc-4372-a567-0e02b2c3d479",
	  "application/json", "\"x\"", 400, "VALIDATION_ERROR", "metadata" },
	{ "patch number", "PATCH",
	  "/images/f47ac10b-58cc-4372-a567-0e02b2c3d479",
	  "application/json", "7", 400, "VALIDATION_ERROR", "metadata" },
	{ "patch truncated", "PATCH",
	  "/images/f47ac10b-58cc-4372-a567-0e02b2c3d479", "application/json",
	  "{\"metadata\": {\"title\": ", 400, "INVALID_JSON", NULL },
	/* \u0000 is valid JSON: the field that holds it is at fault. */
	{ "user_id \\u0000", "POST", "/images", NULL,
	  PNG_BODY("u\\u0000x", "a.png", ""), 400, "VALIDATION_ERROR",
	  "user_id" },
	{ "filename \\u0000", "POST", "/images", NULL,
	  PNG_BODY("u", "a\\u0000.png", ""), 400, "VALIDATION_ERROR",
	  "filename" },
	{ "title \\u0000", "POST", "/images", NULL,
	  PNG_BODY("u", "a.png", ", \"metadata\": {\"title\": \"a\\u0000\"}"),
	  400, "VALIDATION_ERROR", "metadata.title" },
	{ "tag \\u0000", "POST", "/images", NULL,
	  PNG_BODY("u", "a.png", ", \"metadata\": {\"tags\": [\"\\u0000\"]}"),
	  400, "VALIDATION_ERROR", "metadata.tags" },
	{ "patch title \\u0000", "PATCH",
	  "/images/f47ac10b-58cc-4372-a567-0e02b2c3d479", "application/json",
	  "{\"metadata\": {\"description\": \"\\u0000\"}}", 400,
	  "VALIDATION_ERROR", "metadata.description" },
	/* Syntax is judged before fields: a cut body is not JSON. */
	{ "truncated upload", "POST", "/images", "application/json",
	  "{\"image_data\": \"iVBOR\", \"user_id\": ", 400, "INVALID_JSON",
	  NULL },
	{ "truncated upload, image", "POST", "/images", "application/json",
	  "{\"image_data\": \"%s\", \"user_id\": \"u\", \"filename\": ",
	  400, "INVALID_JSON", NULL },
};


static struct imaged	*ctx;
static char		*png_b64;

static void
setup(void)
{
	char	*bytes;
	size_t	 len;

	log_quiet(true);
	ck_assert_ptr_nonnull(ctx = inproc_context(NULL, NULL));
	ck_assert_ptr_nonnull(bytes = read_file("data/sample.png", &len));
	png_b64 = base64_of(bytes, len);
	free(bytes);
}

static void
teardown(void)
{
	free(png_b64);
	imaged_stop(ctx, 0);
}

/* Files under the context's data dir folder name (bucket or temp). */
static int
files_in(const char *name)
{
	char	 dir[PATH_MAX + 64];

	snprintf(dir, sizeof(dir), "%s/%s", ctx->data_dir, name);
	return count_files(dir);
}

static json_t *
body_json(const struct inproc *r)
{
	json_error_t	 jerr;
	json_t		*j;

	j = json_loadb(r->resp.body.data, r->resp.body.len, 0, &jerr);
	ck_assert_msg(j != NULL, "not JSON (%s): %.*s", jerr.text,
	    (int)r->resp.body.len, r->resp.body.data);
	return j;
}

/* The number of images GET /images lists. */
static json_int_t
listed(void)
{
	struct inproc	 r;
	json_t		*j;
	json_int_t	 n;

	ck_assert_int_eq(inproc_do(&r, ctx, "GET /images"), IMG_OK);
	ck_assert_int_eq(r.resp.status, 200);
	j = body_json(&r);
	n = json_integer_value(json_object_get(j, "count"));
	json_decref(j);
	inproc_free(&r);
	return n;
}

START_TEST(test_bad_input)
{
	const struct bad_case	*c = &bad_cases[_i];
	struct inproc		 r;
	json_t			*j, *err;
	const char		*at, *code, *field;
	char			*text;
	int			 n;

	/*
	 * The request as curl sends it: a body without a Content-Type goes
	 * as a form; the one "%s" of a body stands for a real PNG's base64.
	 */
	at = c->body != NULL ? strstr(c->body, "%s") : NULL;
	n = asprintf(&text, "%s %s\n%s%s%s\n%.*s%s%s", c->method, c->path,
	    c->body != NULL || c->content_type != NULL ? "Content-Type: " : "",
	    c->content_type != NULL ? c->content_type : c->body != NULL ?
	    "application/x-www-form-urlencoded" : "",
	    c->body != NULL || c->content_type != NULL ? "\n" : "",
	    c->body == NULL ? 0 : at == NULL ? (int)strlen(c->body) :
	    (int)(at - c->body), c->body != NULL ? c->body : "",
	    at != NULL ? png_b64 : "", at != NULL ? at + 2 : "");
	ck_assert_int_ge(n, 0);
	ck_assert_int_ne(inproc_do(&r, ctx, text), IMG_OK);
	ck_assert_msg(r.resp.status == c->status,
	    "%s: status %d, want %ld: %.*s", c->name, r.resp.status, c->status,
	    (int)r.resp.body.len, r.resp.body.data);
	ck_assert_str_eq(r.resp.content_type,
	    "application/json; charset=utf-8");
	j = body_json(&r);
	err = json_object_get(j, "error");
	code = json_string_value(json_object_get(err, "code"));
	field = json_string_value(json_object_get(err, "field"));
	ck_assert_msg(code != NULL && strcmp(code, c->code) == 0,
	    "%s: code %s", c->name, code != NULL ? code : "(none)");
	ck_assert_msg(strcmp(field != NULL ? field : "",
	    c->field != NULL ? c->field : "") == 0, "%s: field %s", c->name,
	    field != NULL ? field : "(none)");
	json_decref(j);
	inproc_free(&r);
	free(text);
	/* Nothing stored, nothing left behind. */
	ck_assert_int_eq(files_in(ctx->cfg.bucket), 0);
	ck_assert_int_eq(listed(), 0);
}
END_TEST

/* The helper itself: a good request is answered as the server would. */
START_TEST(test_upload_then_get)
{
	struct inproc	 r;
	json_t		*j;
	char		*text, path[128];
	int		 n;

	n = asprintf(&text, "POST /images\nContent-Type: application/json\n\n"
	    "{\"image_data\": \"%s\", \"user_id\": \"u1\", "
	    "\"filename\": \"a.png\"}", png_b64);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(inproc_do(&r, ctx, text), IMG_OK);
	ck_assert_int_eq(r.resp.status, 201);
	j = body_json(&r);
	snprintf(path, sizeof(path), "GET /images/%s",
	    json_string_value(json_object_get(j, "image_id")));
	json_decref(j);
	inproc_free(&r);
	free(text);
	ck_assert_int_eq(files_in(ctx->cfg.bucket), 1);
	ck_assert_int_eq(listed(), 1);

	ck_assert_int_eq(inproc_do(&r, ctx, path), IMG_OK);
	ck_assert_int_eq(r.resp.status, 200);
	j = body_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(j, "user_id")),
	    "u1");
	ck_assert_str_eq(json_string_value(json_object_get(j, "content_type")),
	    "image/png");
	json_decref(j);
	inproc_free(&r);

	/* The base64 download, read the way a client drains it. */
	n = (int)strlen(path);
	snprintf(path + n, sizeof(path) - (size_t)n, "?download=true");
	ck_assert_int_eq(inproc_do(&r, ctx, path), IMG_OK);
	ck_assert_int_eq(r.resp.status, 200);
	j = body_json(&r);
	ck_assert_str_eq(json_string_value(json_object_get(j, "image_data")),
	    png_b64);
	json_decref(j);
	inproc_free(&r);
}
END_TEST

/*
 * A JSON upload whose fields other than the image pass their limit: the
 * 413 names them, not the image, and nothing is stored.
 */
START_TEST(test_rest_too_big)
{
	struct inproc	 r;
	json_t		*j, *err;
	const char	*msg;
	char		*text, *pad;
	size_t		 padlen = 1100 * 1024;
	int		 n;

	ck_assert_ptr_nonnull(pad = malloc(padlen + 1));
	memset(pad, 'a', padlen);
	pad[padlen] = '\0';
	n = asprintf(&text, "POST /images\nContent-Type: application/json\n\n"
	    "{\"image_data\": \"%s\", \"user_id\": \"u\", "
	    "\"filename\": \"a.png\", \"metadata\": {\"description\": \"%s\"}}",
	    png_b64, pad);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(inproc_do(&r, ctx, text), IMG_ETOOBIG);
	ck_assert_int_eq(r.resp.status, 413);
	j = body_json(&r);
	err = json_object_get(j, "error");
	ck_assert_str_eq(json_string_value(json_object_get(err, "code")),
	    "PAYLOAD_TOO_LARGE");
	msg = json_string_value(json_object_get(err, "message"));
	ck_assert_msg(strstr(msg, "other than image_data") != NULL, "%s", msg);
	ck_assert_ptr_null(json_object_get(err, "field"));
	json_decref(j);
	inproc_free(&r);
	free(text);
	free(pad);
	ck_assert_int_eq(files_in(ctx->cfg.bucket), 0);
	ck_assert_int_eq(listed(), 0);
}
END_TEST

/* Routing as the router answers it, before any handler. */
START_TEST(test_routing)
{
	struct inproc	 r;

	ck_assert_int_eq(inproc_do(&r, ctx, "GET /nowhere"), IMG_ENOTFOUND);
	ck_assert_int_eq(r.resp.status, 404);
	inproc_free(&r);
	ck_assert_int_eq(inproc_do(&r, ctx, "PUT /images"), IMG_EMETHOD);
	ck_assert_int_eq(r.resp.status, 405);
	inproc_free(&r);
	ck_assert_int_eq(inproc_do(&r, ctx, "GET /healthz"), IMG_OK);
	ck_assert_int_eq(r.resp.status, 200);
	inproc_free(&r);
}
END_TEST

Suite *
handlers_suite(void)
{
	Suite	*s = suite_create("handlers");
	TCase	*tc = tcase_create("bad input");
	TCase	*ok = tcase_create("good input");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_bad_input, 0,
	    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(ok, setup, teardown);
	tcase_add_test(ok, test_upload_then_get);
	tcase_add_test(ok, test_routing);
	tcase_add_test(ok, test_rest_too_big);
	suite_add_tcase(s, ok);
	return s;
}
