/*
 * check_forms.c: the three body forms of POST /images (JSON, multipart,
 * raw) end in the same record; each form's bad input is refused with
 * nothing stored.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "harness.h"

Suite	*forms_suite(void);

/* A multipart body by hand: parts as name, filename (or NULL), content. */
struct part {
	const char	*name;
	const char	*filename;
	const char	*data;
	size_t		 len;
};

static void
multipart_body(struct buf *b, const char *boundary, const struct part *parts,
    size_t n, bool close)
{
	size_t	 i;

	buf_init(b, (size_t)64 << 20);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(buf_printf(b, "--%s\r\nContent-Disposition: "
		    "form-data; name=\"%s\"", boundary, parts[i].name), IMG_OK);
		if (parts[i].filename != NULL)
			ck_assert_int_eq(buf_printf(b, "; filename=\"%s\"\r\n"
			    "Content-Type: application/octet-stream",
			    parts[i].filename), IMG_OK);
		ck_assert_int_eq(buf_adds(b, "\r\n\r\n"), IMG_OK);
		ck_assert_int_eq(buf_add(b, parts[i].data, parts[i].len),
		    IMG_OK);
		ck_assert_int_eq(buf_adds(b, "\r\n"), IMG_OK);
	}
	if (close)
		ck_assert_int_eq(buf_printf(b, "--%s--\r\n", boundary), IMG_OK);
}

static void
post_form(struct reply *r, const char *content_type, const struct buf *body)
{
	char		 ct[256];
	const char	*hdrs[2] = { ct, NULL };

	snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
	http_do(r, "POST", "/images", hdrs, body->data, body->len);
}

static char	*png;
static size_t	 png_len;

static void
setup(void)
{
	harness_start();
	png = read_file("data/sample.png", &png_len);
	ck_assert_ptr_nonnull(png);
}

static void
teardown(void)
{
	free(png);
	harness_stop();
}

START_TEST(test_same_record_every_form)
{
	static const char *const raw_hdr[] =
	    { "Content-Type: image/png", NULL };
	struct part	 parts[] = {
		{ "user_id", NULL, "u1", 2 },
		{ "tags", NULL, "a,b", 3 },
		{ "file", NULL, NULL, 0 },
		{ "title", NULL, "Cat", 3 },	/* after the file part */
		{ "tags", NULL, "c", 1 },
		{ "unknown", NULL, "ignored", 7 },
	};
	struct reply	 j, m, r;
	struct buf	 body;
	const char	*keys[] = { "user_id", "filename", "content_type",
	    "checksum_sha256", "title" };
	size_t		 i;

	parts[2].filename = "dir\\cat.png";
	parts[2].data = png;
	parts[2].len = png_len;
	upload_json(&j, "data/sample.png", "u1", "cat.png",
	    "{\"title\": \"Cat\", \"tags\": [\"a\", \"b\", \"c\"]}");
	multipart_body(&body, "XyZ123", parts, sizeof(parts) / sizeof(parts[0]),
	    true);
	post_form(&m, "multipart/form-data; boundary=XyZ123", &body);
	buf_free(&body);
	http_do(&r, "POST", "/images?user_id=u1&filename=cat.png&title=Cat&"
	    "tags=a,b&tags=c", raw_hdr, png, png_len);
	ck_assert_int_eq(j.status, 201);
	ck_assert_msg(m.status == 201, "%s", m.body.data);
	ck_assert_int_eq(r.status, 201);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v =
		    json_string_value(json_object_get(j.json, keys[i]));

		ck_assert_str_eq(json_string_value(json_object_get(m.json,
		    keys[i])), v);
		ck_assert_str_eq(json_string_value(json_object_get(r.json,
		    keys[i])), v);
	}
	ck_assert(json_equal(json_object_get(j.json, "tags"),
	    json_object_get(m.json, "tags")));
	ck_assert(json_equal(json_object_get(j.json, "tags"),
	    json_object_get(r.json, "tags")));
	ck_assert_int_eq(json_integer_value(json_object_get(m.json,
	    "width")), 8);
	reply_free(&j);
	reply_free(&m);
	reply_free(&r);
	ck_assert_int_eq(bucket_files(), 3);
}
END_TEST

/* Bad multipart bodies: status, code, field, and nothing stored. */
START_TEST(test_bad_multipart)
{
	struct part	 file = { "file", "a.png", NULL, 0 };
	struct part	 user = { "user_id", NULL, "u1", 2 };
	struct part	 two[] = { user, file, file };
	struct part	 nofile[] = { user };
	struct part	 nouser[] = { file };
	struct part	 ok[] = { user, file };
	const struct {
		const char		*name;
		const struct part	*parts;
		size_t			 nparts;
		bool			 closed;
		const char		*content_type;
		long			 status;
		const char		*field;
	} cases[] = {
		{ "two files", two, 3, true, "multipart/form-data; boundary=b1",
		  400, "file" },
		{ "no file", nofile, 1, true,
		  "multipart/form-data; boundary=b1", 400, "file" },
		{ "no user", nouser, 1, true,
		  "multipart/form-data; boundary=b1", 400, "user_id" },
		{ "truncated", ok, 2, false, "multipart/form-data; boundary=b1",
		  400, "" },
		{ "no boundary", ok, 2, true, "multipart/form-data", 400, "" },
		{ "other boundary", ok, 2, true,
		  "multipart/form-data; boundary=other", 400, "" },
		{ "not a form", ok, 2, true, "application/xml", 415, "" },
	};
	struct reply	 r;
	struct buf	 body;
	size_t		 i;

	two[1].data = two[2].data = ok[1].data = nouser[0].data = png;
	two[1].len = two[2].len = ok[1].len = nouser[0].len = png_len;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		multipart_body(&body, "b1", cases[i].parts, cases[i].nparts,
		    cases[i].closed);
		post_form(&r, cases[i].content_type, &body);
		ck_assert_msg(r.status == cases[i].status, "%s: %ld",
		    cases[i].name, r.status);
		ck_assert_msg(strcmp(reply_field(&r), cases[i].field) == 0,
		    "%s: field %s", cases[i].name, reply_field(&r));
		ck_assert_str_eq(reply_code(&r), cases[i].status == 415 ?
		    "UNSUPPORTED_MEDIA_TYPE" : "VALIDATION_ERROR");
		reply_free(&r);
		buf_free(&body);
		ck_assert_int_eq(bucket_files(), 0);
		ck_assert_int_eq(temp_files(), 0);
	}
	/* The same body, well formed, passes: the failures were the bodies'. */
	multipart_body(&body, "b1", ok, 2, true);
	post_form(&r, "multipart/form-data; boundary=b1", &body);
	ck_assert_int_eq(r.status, 201);
	reply_free(&r);
	buf_free(&body);
	ck_assert_int_eq(bucket_files(), 1);
}
END_TEST

START_TEST(test_unreadable_headers_stored_without_dims)
{
	static const char *const paths[] = { "data/bad/corrupt-sof.jpg",
	    "data/bad/short-ihdr.png" };
	static const char *const names[] = { "a.jpg", "b.png" };
	struct reply	 r;
	size_t		 i;

	for (i = 0; i < 2; i++) {
		upload_json(&r, paths[i], "u1", names[i], NULL);
		ck_assert_msg(r.status == 201, "%s: %ld", paths[i], r.status);
		ck_assert(json_is_null(json_object_get(r.json, "width")));
		ck_assert(json_is_null(json_object_get(r.json, "height")));
		reply_free(&r);
	}
	upload_json(&r, "data/bad/not-an-image.png", "u1", "c.png", NULL);
	ck_assert_int_eq(r.status, 415);
	reply_free(&r);
	upload_json(&r, "data/sample-exif.jpg", "u1", "d.jpg", NULL);
	ck_assert_int_eq(r.status, 201);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json,
	    "width")), 24);
	reply_free(&r);
}
END_TEST

/*
 * Over a raw socket: a body longer than its Content-Length.  The upload
 * is the Content-Length bytes; what follows is another (malformed)
 * request, refused by the HTTP layer; the daemon keeps serving.
 */
START_TEST(test_body_longer_than_content_length)
{
	struct reply		 r;
	char			 head[256], got[4096];
	ssize_t			 n;
	size_t			 total = 0;
	int			 fd, len;

	fd = connect_daemon();
	len = snprintf(head, sizeof(head),
	    "POST /images?user_id=u1&filename=a.png "
	    "HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\n"
	    "Content-Length: %zu\r\n\r\n", png_len);
	ck_assert_int_eq(write(fd, head, (size_t)len), len);
	ck_assert_int_eq(write(fd, png, png_len), (ssize_t)png_len);
	ck_assert_int_eq(write(fd, "GARBAGE GARBAGE\r\n\r\n", 19), 19);
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, got + total, sizeof(got) - 1 - total)) > 0)
		total += (size_t)n;
	got[total] = '\0';
	close(fd);
	ck_assert_msg(strncmp(got, "HTTP/1.1 201", 12) == 0, "%s", got);
	http_get(&r, "/healthz");
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	http_get(&r, "/images?user_id=u1");
	ck_assert_int_eq(json_integer_value(json_object_get(r.json,
	    "count")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
	    json_object_get(r.json, "images"), 0), "file_size")),
	    (json_int_t)png_len);
	reply_free(&r);
}
END_TEST

/* A client that goes away mid-upload leaves nothing behind. */
START_TEST(test_disconnect_mid_upload)
{
	struct reply		 r;
	char			 head[256];
	int			 fd, len, i;

	fd = connect_daemon();
	len = snprintf(head, sizeof(head),
	    "POST /images?user_id=u1&filename=a.png "
	    "HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\n"
	    "Content-Length: 1000000\r\n\r\n");
	ck_assert_int_eq(write(fd, head, (size_t)len), len);
	ck_assert_int_eq(write(fd, png, png_len), (ssize_t)png_len);
	/*
	 * Wait until the daemon holds the partial upload, then vanish.  The
	 * waits are long because a loaded machine may take seconds to
	 * schedule the daemon; they end as soon as the state is seen.
	 */
	for (i = 0; i < 1000 && temp_files() == 0; i++)
		usleep(10000);
	ck_assert_int_eq(temp_files(), 1);
	close(fd);
	for (i = 0; i < 3000 && temp_files() != 0; i++)
		usleep(10000);
	ck_assert_int_eq(temp_files(), 0);
	ck_assert_int_eq(bucket_files(), 0);
	http_get(&r, "/images");
	ck_assert_int_eq(json_integer_value(json_object_get(r.json,
	    "count")), 0);
	reply_free(&r);
}
END_TEST

/* Chunked bodies are taken, under the same limits. */
START_TEST(test_chunked)
{
	static const char *const raw[] = { "Content-Type: image/png",
	    "Transfer-Encoding: chunked", NULL };
	struct reply	 r;

	http_do(&r, "POST", "/images?user_id=u1&filename=c.png", raw, png,
	    png_len);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body.data);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json,
	    "file_size")), (json_int_t)png_len);
	reply_free(&r);
}
END_TEST

/* DELETE of an image whose file someone removed by hand: 200 all the same. */
START_TEST(test_delete_with_file_gone)
{
	static const char *const raw[] = { "Content-Type: image/png", NULL };
	struct reply	 r;
	char		 path[PATH_MAX + 160];

	http_do(&r, "POST", "/images?user_id=u1&filename=g.png", raw, png,
	    png_len);
	ck_assert_int_eq(r.status, 201);
	snprintf(path, sizeof(path), "%s/%s/%s", test_daemon->data_dir,
	    test_daemon->cfg.bucket, json_string_value(json_object_get(r.json,
	    "s3_key")));
	ck_assert_int_eq(unlink(path), 0);
	snprintf(path, sizeof(path), "/images/%s",
	    json_string_value(json_object_get(r.json, "image_id")));
	reply_free(&r);
	http_do(&r, "DELETE", path, NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	http_get(&r, path);
	ck_assert_int_eq(r.status, 404);
	reply_free(&r);
}
END_TEST

/* A chunked body passing the limit: 413 as it arrives. */
START_TEST(test_chunked_too_large)
{
	static const char *const raw[] = { "Content-Type: image/png",
	    "Transfer-Encoding: chunked", NULL };
	size_t		 big = 200 * 1024;
	char		*data = calloc(1, big);
	struct reply	 r;

	ck_assert_ptr_nonnull(data);
	memcpy(data, "\x89PNG\r\n\x1a\n", 8);
	http_do(&r, "POST", "/images?user_id=u1&filename=big.png", raw,
	    data, big);
	ck_assert_int_eq(r.status, 413);
	ck_assert_str_eq(reply_code(&r), "PAYLOAD_TOO_LARGE");
	reply_free(&r);
	free(data);
	ck_assert_int_eq(bucket_files(), 0);
	ck_assert_int_eq(temp_files(), 0);
}
END_TEST

static void
small_setup(void)
{
	static const char *const settings[] = { "max_file_size=100K", NULL };

	harness_start_with(settings);
	png = NULL;
}

/* A multipart file part passing the limit: 413, field file, nothing kept. */
START_TEST(test_multipart_too_large)
{
	struct part	 parts[] = { { "user_id", NULL, "u1", 2 },
	    { "file", "big.png", NULL, 0 } };
	size_t		 big = 200 * 1024;
	char		*data = calloc(1, big);
	struct reply	 r;
	struct buf	 body;

	ck_assert_ptr_nonnull(data);
	memcpy(data, "\x89PNG\r\n\x1a\n", 8);
	parts[1].data = data;
	parts[1].len = big;
	multipart_body(&body, "B", parts, 2, true);
	post_form(&r, "multipart/form-data; boundary=B", &body);
	ck_assert_int_eq(r.status, 413);
	ck_assert_str_eq(reply_code(&r), "PAYLOAD_TOO_LARGE");
	ck_assert_str_eq(reply_field(&r), "file");
	reply_free(&r);
	buf_free(&body);
	free(data);
	ck_assert_int_eq(bucket_files(), 0);
	ck_assert_int_eq(temp_files(), 0);
}
END_TEST

Suite *
forms_suite(void)
{
	Suite	*s = suite_create("forms");
	TCase	*tc = tcase_create("forms");
	TCase	*small = tcase_create("limits");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_same_record_every_form);
	tcase_add_test(tc, test_bad_multipart);
	tcase_add_test(tc, test_unreadable_headers_stored_without_dims);
	tcase_add_test(tc, test_body_longer_than_content_length);
	tcase_add_test(tc, test_disconnect_mid_upload);
	tcase_add_test(tc, test_chunked);
	tcase_add_test(tc, test_delete_with_file_gone);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(small, small_setup, harness_stop);
	tcase_set_timeout(small, 60);
	tcase_add_test(small, test_multipart_too_large);
	tcase_add_test(small, test_chunked_too_large);
	suite_add_tcase(s, small);
	return s;
}
