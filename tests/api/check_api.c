/*
 * check_api.c: the routes of imaged-api(7) over real HTTP, against a daemon
 * started in-process on port 0 with a fresh data dir for each test.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "imaged/signer.h"

Suite	*api_suite(void);
Suite	*api_errors_suite(void);

static const struct sample {
	const char	*path;
	const char	*name;
	const char	*type;
	int		 width, height;
} samples[] = {
	{ "data/sample.jpg", "sunset.jpg", "image/jpeg", 16, 12 },
	{ "data/sample.png", "cat.PNG", "image/png", 8, 6 },
	{ "data/sample.gif", "anim.gif", "image/gif", 10, 7 },
	{ "data/sample.webp", "pic.webp", "image/webp", 12, 9 },
};

static const char *
str(const json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));

	return v != NULL ? v : "(none)";
}

/* The path part of a download_url, with its query. */
static const char *
url_path(const char *url)
{
	const char *p = strstr(url, "://");

	ck_assert_ptr_nonnull(p);
	p = strchr(p + 3, '/');
	ck_assert_ptr_nonnull(p);
	return p;
}

/* Upload a sample, check 201, return the new record (a new reference). */
static json_t *
store_sample(const struct sample *s, const char *user)
{
	struct reply	 r;
	json_t		*rec;

	upload_json(&r, s->path, user, s->name, NULL);
	ck_assert_msg(r.status == 201, "upload %s: %ld %s", s->path, r.status,
	    r.body.data);
	ck_assert_ptr_nonnull(r.json);
	rec = json_incref(r.json);
	reply_free(&r);
	return rec;
}

static int
listed(const char *query)
{
	struct reply	 r;
	char		 path[512];
	int		 n;

	snprintf(path, sizeof(path), "/images%s", query);
	http_get(&r, path);
	ck_assert_int_eq(r.status, 200);
	n = (int)json_integer_value(json_object_get(r.json, "count"));
	reply_free(&r);
	return n;
}

/* --- upload and read back ------------------------------------------------- */

START_TEST(test_upload_each_format)
{
	const struct sample	*s = &samples[_i];
	struct reply		 r;
	json_t			*rec;
	char			 path[PATH_MAX + 128], loc[128];
	size_t			 len, disk_len;
	char			*bytes, *disk;

	upload_json(&r, s->path, "user123", s->name,
	    "{\"title\": \"Sunset\", \"tags\": [\"beach\", \"sunset\", "
	    "\"beach\"], \"location\": \"Goa\", \"unknown\": 1}");
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body.data);
	rec = r.json;
	ck_assert_str_eq(str(rec, "user_id"), "user123");
	ck_assert_str_eq(str(rec, "filename"), s->name);
	ck_assert_str_eq(str(rec, "content_type"), s->type);
	ck_assert_int_eq(json_integer_value(json_object_get(rec, "width")),
	    s->width);
	ck_assert_int_eq(json_integer_value(json_object_get(rec, "height")),
	    s->height);
	ck_assert_str_eq(str(rec, "title"), "Sunset");
	ck_assert(json_is_null(json_object_get(rec, "description")));
	ck_assert_int_eq(json_array_size(json_object_get(rec, "tags")), 2);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(rec,
	    "tags"), 1)), "sunset");
	ck_assert_int_eq(strlen(str(rec, "image_id")), 36);
	ck_assert_int_eq(str(rec, "image_id")[14], '4');
	ck_assert_int_eq(strlen(str(rec, "checksum_sha256")), 64);
	ck_assert_str_eq(str(rec, "created_at"), str(rec, "updated_at"));
	ck_assert_int_eq(strlen(str(rec, "created_at")), 27);
	ck_assert_int_eq(json_integer_value(json_object_get(rec,
	    "url_expires_in")), 3600);
	snprintf(loc, sizeof(loc), "/images/%s", str(rec, "image_id"));
	ck_assert_str_eq(reply_header(&r, "Location"), loc);

	/* The key is the original's S3 key, the file holds the very bytes. */
	ck_assert_ptr_nonnull(strstr(str(rec, "s3_key"), "images/user123/"));
	ck_assert_ptr_nonnull(strstr(str(rec, "s3_key"), str(rec, "image_id")));
	snprintf(path, sizeof(path), "%s/%s/%s", test_daemon->data_dir,
	    test_daemon->cfg.bucket, str(rec, "s3_key"));
	bytes = read_file(s->path, &len);
	disk = read_file(path, &disk_len);
	ck_assert_ptr_nonnull(disk);
	ck_assert_int_eq(len, disk_len);
	ck_assert(memcmp(bytes, disk, len) == 0);
	ck_assert_int_eq(json_integer_value(json_object_get(rec, "file_size")),
	    (json_int_t)len);
	free(bytes);
	free(disk);
	reply_free(&r);
}
END_TEST

START_TEST(test_extension_lowercased_in_key)
{
	json_t	*rec = store_sample(&samples[1], "u1");

	ck_assert_ptr_nonnull(strstr(str(rec, "s3_key"), ".png"));
	ck_assert_ptr_null(strstr(str(rec, "s3_key"), ".PNG"));
	json_decref(rec);
}
END_TEST

START_TEST(test_get_and_signed_download)
{
	struct reply	 r, d;
	json_t		*rec = store_sample(&samples[0], "alice");
	char		 path[256];
	char		*bytes;
	size_t		 len;

	snprintf(path, sizeof(path), "/images/%s", str(rec, "image_id"));
	http_get(&r, path);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(reply_header(&r, "Content-Type"),
	    "application/json; charset=utf-8");
	ck_assert_str_eq(str(r.json, "checksum_sha256"),
	    str(rec, "checksum_sha256"));
	ck_assert_str_eq(str(r.json, "created_at"), str(rec, "created_at"));
	ck_assert_ptr_nonnull(strstr(str(r.json, "download_url"),
	    imaged_url(test_daemon)));

	http_get(&d, url_path(str(r.json, "download_url")));
	bytes = read_file(samples[0].path, &len);
	ck_assert_int_eq(d.status, 200);
	ck_assert_int_eq(d.body.len, len);
	ck_assert(memcmp(d.body.data, bytes, len) == 0);
	ck_assert_str_eq(reply_header(&d, "Content-Type"), "image/jpeg");
	ck_assert_str_eq(reply_header(&d, "X-Content-Type-Options"), "nosniff");
	ck_assert_str_eq(reply_header(&d, "Cache-Control"), "private");
	ck_assert_ptr_nonnull(strstr(reply_header(&d, "Content-Disposition"),
	    "inline; filename=\"sunset.jpg\""));
	ck_assert_ptr_nonnull(strstr(reply_header(&d, "ETag"),
	    str(rec, "checksum_sha256")));
	ck_assert_ptr_nonnull(reply_header(&d, "Last-Modified"));
	free(bytes);
	reply_free(&d);
	reply_free(&r);
	json_decref(rec);
}
END_TEST

/* HTTP/1.0 without Host: URLs are built on the address imaged listens on. */
START_TEST(test_http10_without_host)
{
	json_t			*rec = store_sample(&samples[0], "old");
	const char		*url = imaged_url(test_daemon);
	char			 req[256], got[8192], want[160];
	ssize_t			 n;
	size_t			 total = 0;
	int			 fd, len;

	fd = connect_daemon();
	len = snprintf(req, sizeof(req), "GET /images/%s HTTP/1.0\r\n\r\n",
	    str(rec, "image_id"));
	ck_assert_int_eq(write(fd, req, (size_t)len), len);
	while ((n = read(fd, got + total, sizeof(got) - 1 - total)) > 0)
		total += (size_t)n;
	got[total] = '\0';
	close(fd);
	ck_assert_msg(strstr(got, " 200 ") != NULL, "%s", got);
	snprintf(want, sizeof(want), "\"download_url\": \"%s/blobs/", url);
	ck_assert_msg(strstr(got, want) != NULL, "%s", got);
	json_decref(rec);
}
END_TEST

START_TEST(test_expires_in)
{
	struct reply	 r;
	json_t		*rec = store_sample(&samples[1], "bob");
	char		 path[256];
	const char	*url;
	long long	 exp;

	snprintf(path, sizeof(path), "/images/%s?expires_in=60",
	    str(rec, "image_id"));
	http_get(&r, path);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json,
	    "url_expires_in")), 60);
	url = strstr(str(r.json, "download_url"), "expires=");
	ck_assert_ptr_nonnull(url);
	exp = strtoll(url + 8, NULL, 10);
	ck_assert(exp >= (long long)time(NULL) + 55 &&
	    exp <= (long long)time(NULL) + 61);
	reply_free(&r);

	snprintf(path, sizeof(path), "/images/%s?expires_in=604801",
	    str(rec, "image_id"));
	http_get(&r, path);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(reply_field(&r), "expires_in");
	reply_free(&r);
	json_decref(rec);
}
END_TEST

START_TEST(test_download_true_json_and_bytes)
{
	static const char *const accept_png[] = { "Accept: image/png", NULL };
	static const char *const accept_any[] = { "Accept: */*", NULL };
	struct reply	 r;
	json_t		*rec = store_sample(&samples[1], "carol");
	char		 path[256], *bytes, *b64;
	size_t		 len;

	bytes = read_file(samples[1].path, &len);
	b64 = base64_of(bytes, len);
	snprintf(path, sizeof(path), "/images/%s?download=TRUE",
	    str(rec, "image_id"));
	http_do(&r, "GET", path, accept_any, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(str(r.json, "image_data"), b64);
	ck_assert_str_eq(str(r.json, "filename"), "cat.PNG");
	ck_assert_str_eq(str(r.json, "content_type"), "image/png");
	ck_assert_int_eq(json_integer_value(json_object_get(r.json,
	    "file_size")), (json_int_t)len);
	reply_free(&r);

	http_do(&r, "GET", path, accept_png, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(reply_header(&r, "Content-Type"), "image/png");
	ck_assert_int_eq(r.body.len, len);
	ck_assert(memcmp(r.body.data, bytes, len) == 0);
	reply_free(&r);

	/* Any other value of download is the plain record. */
	snprintf(path, sizeof(path), "/images/%s?download=yes",
	    str(rec, "image_id"));
	http_do(&r, "GET", path, accept_png, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(str(r.json, "image_id"), str(rec, "image_id"));
	reply_free(&r);
	free(b64);
	free(bytes);
	json_decref(rec);
}
END_TEST

/*
 * The base64 JSON download of an image larger than the slices it is
 * encoded in (and not a multiple of 3 bytes): the same bytes, an exact
 * Content-Length, and a HEAD with the length and no body.
 */
START_TEST(test_download_json_streamed)
{
	static const char *const raw[] = { "Content-Type: image/png", NULL };
	struct reply	 r;
	char		*bytes, *b64, *sample, path[256], want[32];
	size_t		 len = 300001, slen, i;
	json_t		*rec;

	sample = read_file("data/sample.png", &slen);
	ck_assert_ptr_nonnull(bytes = malloc(len));
	memcpy(bytes, sample, slen);
	for (i = slen; i < len; i++)
		bytes[i] = (char)(i * 31 + (i >> 7));
	free(sample);
	http_do(&r, "POST", "/images?user_id=dana&filename=big.png", raw, bytes,
	    len);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body.data);
	rec = json_incref(r.json);
	reply_free(&r);

	b64 = base64_of(bytes, len);
	snprintf(path, sizeof(path), "/images/%s?download=true",
	    str(rec, "image_id"));
	http_get(&r, path);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(reply_header(&r, "Content-Type"),
	    "application/json; charset=utf-8");
	ck_assert_ptr_nonnull(r.json);
	ck_assert_str_eq(str(r.json, "image_data"), b64);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json,
	    "file_size")), (json_int_t)len);
	snprintf(want, sizeof(want), "%zu", r.body.len);
	ck_assert_str_eq(reply_header(&r, "Content-Length"), want);
	ck_assert_int_eq(r.body.data[r.body.len - 1], '\n');
	reply_free(&r);

	http_do(&r, "HEAD", path, NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(reply_header(&r, "Content-Length"), want);
	ck_assert_int_eq(r.body.len, 0);
	reply_free(&r);
	free(b64);
	free(bytes);
	json_decref(rec);
}
END_TEST

START_TEST(test_conditional_and_range)
{
	struct reply	 r, d;
	json_t		*rec = store_sample(&samples[0], "dave");
	char		 path[1024], inm[128], *bytes;
	const char	*hdr[2] = { NULL, NULL };
	size_t		 len;

	bytes = read_file(samples[0].path, &len);
	snprintf(path, sizeof(path), "/images/%s", str(rec, "image_id"));
	http_get(&r, path);
	snprintf(path, sizeof(path), "%s",
	    url_path(str(r.json, "download_url")));

	snprintf(inm, sizeof(inm), "If-None-Match: W/\"x\", \"%s\"",
	    str(rec, "checksum_sha256"));
	hdr[0] = inm;
	http_do(&d, "GET", path, hdr, NULL, 0);
	ck_assert_int_eq(d.status, 304);
	ck_assert_int_eq(d.body.len, 0);
	reply_free(&d);

	hdr[0] = "Range: bytes=2-11";
	http_do(&d, "GET", path, hdr, NULL, 0);
	ck_assert_int_eq(d.status, 206);
	ck_assert_int_eq(d.body.len, 10);
	ck_assert(memcmp(d.body.data, bytes + 2, 10) == 0);
	snprintf(inm, sizeof(inm), "bytes 2-11/%zu", len);
	ck_assert_str_eq(reply_header(&d, "Content-Range"), inm);
	reply_free(&d);

	hdr[0] = "Range: bytes=-4";
	http_do(&d, "GET", path, hdr, NULL, 0);
	ck_assert_int_eq(d.status, 206);
	ck_assert_int_eq(d.body.len, 4);
	ck_assert(memcmp(d.body.data, bytes + len - 4, 4) == 0);
	reply_free(&d);

	hdr[0] = "Range: bytes=999999-";
	http_do(&d, "GET", path, hdr, NULL, 0);
	ck_assert_int_eq(d.status, 416);
	ck_assert_str_eq(reply_code(&d), "RANGE_NOT_SATISFIABLE");
	reply_free(&d);

	hdr[0] = "Range: bytes=0-1,4-5";
	http_do(&d, "GET", path, hdr, NULL, 0);
	ck_assert_int_eq(d.status, 200);
	ck_assert_int_eq(d.body.len, len);
	reply_free(&d);

	http_do(&d, "HEAD", path, NULL, NULL, 0);
	ck_assert_int_eq(d.status, 200);
	ck_assert_int_eq(d.body.len, 0);
	snprintf(inm, sizeof(inm), "%zu", len);
	ck_assert_str_eq(reply_header(&d, "Content-Length"), inm);
	reply_free(&d);
	reply_free(&r);
	free(bytes);
	json_decref(rec);
}
END_TEST

START_TEST(test_signed_url_checks)
{
	struct reply	 r, d;
	json_t		*rec = store_sample(&samples[2], "erin");
	char		 path[1024], other[1100], sig[SIGNER_SIG_HEX + 1];
	char		*p;
	long long	 past = (long long)time(NULL) - 10;

	snprintf(path, sizeof(path), "/images/%s", str(rec, "image_id"));
	http_get(&r, path);
	snprintf(path, sizeof(path), "%s",
	    url_path(str(r.json, "download_url")));

	/* Altered signature. */
	snprintf(other, sizeof(other), "%s", path);
	p = strstr(other, "signature=") + 10;
	*p = *p == 'a' ? 'b' : 'a';
	http_get(&d, other);
	ck_assert_int_eq(d.status, 403);
	ck_assert_str_eq(reply_code(&d), "FORBIDDEN");
	reply_free(&d);

	/* No signature at all. */
	snprintf(other, sizeof(other), "/blobs/%s", str(rec, "s3_key"));
	http_get(&d, other);
	ck_assert_int_eq(d.status, 403);
	ck_assert_str_eq(reply_code(&d), "FORBIDDEN");
	reply_free(&d);

	/* Altered expiry: the signature no longer matches. */
	snprintf(other, sizeof(other), "%s", path);
	p = strstr(other, "expires=") + 8;
	*p = *p == '1' ? '2' : '1';
	http_get(&d, other);
	ck_assert_int_eq(d.status, 403);
	ck_assert_str_eq(reply_code(&d), "FORBIDDEN");
	reply_free(&d);

	/* A genuine signature that has expired. */
	snprintf(other, sizeof(other), "/blobs/%s", str(rec, "s3_key"));
	signer_sign_url(test_daemon->signer, other, past, sig);
	snprintf(other, sizeof(other), "/blobs/%s?expires=%lld&signature=%s",
	    str(rec, "s3_key"), past, sig);
	http_get(&d, other);
	ck_assert_int_eq(d.status, 403);
	ck_assert_str_eq(reply_code(&d), "EXPIRED");
	reply_free(&d);

	/* Served under the stage prefixes too. */
	snprintf(other, sizeof(other), "/dev%s", path);
	http_get(&d, other);
	ck_assert_int_eq(d.status, 200);
	reply_free(&d);
	reply_free(&r);
	json_decref(rec);
}
END_TEST

START_TEST(test_delete)
{
	struct reply	 r;
	json_t		*rec = store_sample(&samples[3], "frank");
	char		 path[256];
	int		 i;

	ck_assert_int_eq(bucket_files(), 1);
	snprintf(path, sizeof(path), "/images/%s", str(rec, "image_id"));
	http_do(&r, "DELETE", path, NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(str(r.json, "message"), "Image deleted successfully");
	ck_assert_str_eq(str(r.json, "image_id"), str(rec, "image_id"));
	reply_free(&r);
	/* The file follows the row on the remover thread. */
	for (i = 0; i < 200 && bucket_files() != 0; i++)
		usleep(10000);
	ck_assert_int_eq(bucket_files(), 0);

	http_get(&r, path);
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(reply_code(&r), "NOT_FOUND");
	reply_free(&r);
	http_do(&r, "DELETE", path, NULL, NULL, 0);
	ck_assert_int_eq(r.status, 404);
	reply_free(&r);
	ck_assert_int_eq(listed("?user_id=frank"), 0);
	json_decref(rec);
}
END_TEST

START_TEST(test_raw_upload)
{
	static const char *const hdrs[] = { "Content-Type: image/png", NULL };
	struct reply	 r;
	char		*bytes;
	size_t		 len;

	bytes = read_file("data/sample.png", &len);
	http_do(&r, "POST",
	    "/images?user_id=u9&filename=cat.png&title=Cat&tags=a,b",
	    hdrs, bytes, len);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body.data);
	ck_assert_str_eq(str(r.json, "title"), "Cat");
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "tags")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json,
	    "width")), 8);
	reply_free(&r);
	free(bytes);
}
END_TEST

/* --- listing ------------------------------------------------------------- */

START_TEST(test_list_pages)
{
	struct reply	 r;
	json_t		*seen = json_object();
	char		 path[512], cursor[256] = "";
	const char	*prev = NULL;
	int		 i, pages = 0, total = 0;

	for (i = 0; i < 23; i++)
		json_decref(store_sample(&samples[i % 4], "pager"));
	for (i = 0; i < 3; i++)
		json_decref(store_sample(&samples[0], "other"));
	ck_assert_int_eq(listed("?limit=100"), 26);
	ck_assert_int_eq(listed("?user_id=other"), 3);

	do {
		json_t	*img;
		size_t	 k;
		char	 last[40] = "";

		snprintf(path, sizeof(path),
		    "/images?user_id=pager&limit=10%s%s",
		    cursor[0] ? "&last_evaluated_key=" : "", cursor);
		http_get(&r, path);
		ck_assert_int_eq(r.status, 200);
		pages++;
		json_array_foreach(json_object_get(r.json, "images"), k, img) {
			const char *at = str(img, "created_at");

			ck_assert_str_eq(str(img, "user_id"), "pager");
			ck_assert_ptr_null(json_object_get(seen,
			    str(img, "image_id")));
			json_object_set_new(seen, str(img, "image_id"),
			    json_true());
			/* newest first */
			if (last[0] != '\0')
				ck_assert(strcmp(at, last) < 0);
			snprintf(last, sizeof(last), "%s", at);
			total++;
		}
		ck_assert_int_eq(json_integer_value(json_object_get(r.json,
		    "count")), pages < 3 ? 10 : 3);
		prev = json_string_value(json_object_get(r.json,
		    "last_evaluated_key"));
		if (pages < 3)
			ck_assert_ptr_nonnull(prev);
		else
			ck_assert(json_is_null(json_object_get(r.json,
			    "last_evaluated_key")));
		snprintf(cursor, sizeof(cursor), "%s",
		    prev != NULL ? prev : "");
		reply_free(&r);
	} while (cursor[0] != '\0');
	ck_assert_int_eq(total, 23);
	ck_assert_int_eq(pages, 3);
	json_decref(seen);
}
END_TEST

START_TEST(test_list_order_and_cursor_binding)
{
	struct reply	 r, r2;
	char		 path[512];
	json_t		*first;
	int		 i;

	for (i = 0; i < 5; i++)
		json_decref(store_sample(&samples[1], "ord"));
	http_get(&r, "/images?order=asc&limit=2");
	ck_assert_int_eq(r.status, 200);
	first = json_array_get(json_object_get(r.json, "images"), 0);
	ck_assert(strcmp(str(first, "created_at"), str(json_array_get(
	    json_object_get(r.json, "images"), 1), "created_at")) < 0);

	/* A cursor of the ascending order is refused by the descending one. */
	snprintf(path, sizeof(path), "/images?last_key=%s",
	    str(r.json, "last_evaluated_key"));
	http_get(&r2, path);
	ck_assert_int_eq(r2.status, 400);
	ck_assert_str_eq(reply_field(&r2), "last_key");
	reply_free(&r2);

	/* ...and continues the ascending one, aliases included. */
	snprintf(path, sizeof(path),
	    "/images?order=asc&page_size=10&last_key=%s",
	    str(r.json, "last_evaluated_key"));
	http_get(&r2, path);
	ck_assert_int_eq(r2.status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r2.json,
	    "count")), 3);
	reply_free(&r2);
	reply_free(&r);
}
END_TEST

/* --- protocol ------------------------------------------------------------ */

START_TEST(test_prefixes_and_routing)
{
	static const struct {
		const char	*method;
		const char	*path;
		long		 status;
	} cases[] = {
		{ "GET", "/images", 200 },
		{ "GET", "/dev/images", 200 },
		{ "GET", "/restapis/abc123/dev/_user_request_/images", 200 },
		{ "GET", "/restapis/x/dev/_user_request_/healthz", 200 },
		{ "GET", "/dev/healthz", 200 },
		{ "GET", "/prod/images", 404 },
		{ "GET", "/restapis//dev/_user_request_/images", 404 },
		{ "GET", "/restapis/abc/prod/_user_request_/images", 404 },
		{ "GET", "/images/", 404 },
		{ "GET", "/nothing", 404 },
		{ "PUT", "/images", 405 },
		{ "POST", "/healthz", 405 },
		{ "BREW", "/images", 405 },
		{ "HEAD", "/images", 200 },
		{ "HEAD", "/healthz", 200 },
	};
	struct reply	 r;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		http_do(&r, cases[i].method, cases[i].path, NULL, NULL, 0);
		ck_assert_msg(r.status == cases[i].status, "%s %s: %ld",
		    cases[i].method, cases[i].path, r.status);
		if (r.status >= 400) {
			ck_assert_str_eq(reply_code(&r), r.status == 404 ?
			    "NOT_FOUND" : "METHOD_NOT_ALLOWED");
		}
		if (r.status == 405)
			ck_assert_ptr_nonnull(reply_header(&r, "Allow"));
		ck_assert_ptr_nonnull(reply_header(&r, "X-Request-Id"));
		reply_free(&r);
	}
	http_do(&r, "DELETE", "/images", NULL, NULL, 0);
	ck_assert_str_eq(reply_header(&r, "Allow"), "GET, HEAD, POST, OPTIONS");
	reply_free(&r);
}
END_TEST

START_TEST(test_request_id_cors_health)
{
	static const char *const mine[] = { "X-Request-Id: trace-42", NULL };
	static const char *const bad[] = { "X-Request-Id: \x01oops", NULL };
	static const char *const pre[] = { "Origin: http://example.test",
	    "Access-Control-Request-Method: PATCH",
	    "Access-Control-Request-Headers: content-type, x-custom", NULL };
	struct reply	 r;

	http_do(&r, "GET", "/healthz", mine, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(str(r.json, "status"), "ok");
	ck_assert_str_eq(reply_header(&r, "X-Request-Id"), "trace-42");
	ck_assert_str_eq(reply_header(&r, "Access-Control-Allow-Origin"), "*");
	ck_assert_ptr_nonnull(strstr(reply_header(&r,
	    "Access-Control-Expose-Headers"), "X-Request-Id"));
	reply_free(&r);

	http_do(&r, "GET", "/healthz", bad, NULL, 0);
	ck_assert_str_ne(reply_header(&r, "X-Request-Id"), "\x01oops");
	reply_free(&r);

	/* What a security review looks for, on answers and errors alike. */
	http_get(&r, "/nowhere");
	ck_assert_str_eq(reply_header(&r, "X-Content-Type-Options"), "nosniff");
	ck_assert_str_eq(reply_header(&r, "Cache-Control"), "no-store");
	ck_assert_ptr_null(reply_header(&r, "Server"));
	reply_free(&r);
	http_get(&r, "/images");
	ck_assert_str_eq(reply_header(&r, "X-Content-Type-Options"), "nosniff");
	ck_assert_str_eq(reply_header(&r, "Cache-Control"), "no-store");
	ck_assert_ptr_null(reply_header(&r, "Server"));
	reply_free(&r);

	http_do(&r, "OPTIONS", "/images/f47ac10b-58cc-4372-a567-0e02b2c3d479",
	    pre, NULL, 0);
	ck_assert_int_eq(r.status, 204);
	ck_assert_str_eq(reply_header(&r, "Access-Control-Allow-Methods"),
	    "GET, HEAD, PATCH, DELETE, OPTIONS");
	ck_assert_str_eq(reply_header(&r, "Access-Control-Allow-Headers"),
	    "content-type, x-custom");
	reply_free(&r);

	http_do(&r, "OPTIONS", "/images", NULL, NULL, 0);
	ck_assert_int_eq(r.status, 204);
	reply_free(&r);
}
END_TEST

/* --- bad input: status, JSON error, nothing stored ------------------------ */

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

/*
 * The handlers' answers to bad input are tested in-process, case by case,
 * in check_handlers.c; these few check that the server puts the same
 * answers on the wire: a form, a buffered body, a query parameter.
 */
static const struct bad_case bad_cases[] = {
	{ "not json", "POST", "/images", "application/json", "{\"user_id\":",
	  400, "INVALID_JSON", NULL },
	{ "no image", "POST", "/images", NULL,
	  "{\"user_id\": \"u\", \"filename\": \"a.png\"}",
	  400, "VALIDATION_ERROR", "image_data" },
	{ "xml", "POST", "/images", "text/xml", "<a/>",
	  415, "UNSUPPORTED_MEDIA_TYPE", NULL },
	{ "id malformed patch", "PATCH", "/images/xyz", "application/json",
	  "{\"metadata\": {}}", 400, "VALIDATION_ERROR", "image_id" },
	{ "delete unknown", "DELETE",
	  "/images/f47ac10b-58cc-4372-a567-0e02b2c3d479",
	  NULL, NULL, 404, "NOT_FOUND", NULL },
	{ "limit 101", "GET", "/images?limit=101", NULL, NULL,
	  400, "VALIDATION_ERROR", "limit" },
	/* libmicrohttpd hands over C strings: a NUL must not cut them. */
	{ "cursor NUL", "GET", "/images?user_id=u&last_evaluated_key=%00", NULL,
	  NULL, 400, "VALIDATION_ERROR", "last_evaluated_key" },
	{ "key NUL", "GET", "/images?user_id=u&x%00y=1", NULL, NULL,
	  400, "VALIDATION_ERROR", "x" },
	{ "id NUL", "GET", "/images/f47ac10b-58cc-4372-a567-0e02b2c3d479%00",
	  NULL, NULL, 400, "VALIDATION_ERROR", "image_id" },
	{ "path NUL", "GET", "/images%00", NULL, NULL,
	  400, "VALIDATION_ERROR", "path" },
	{ "raw upload NUL", "POST", "/images?user_id=u&filename=a.png%00.txt",
	  "image/png", "x", 400, "VALIDATION_ERROR", "filename" },
};

static char	*png_b64;

static void
errors_setup(void)
{
	char	*bytes;
	size_t	 len;

	harness_start();
	bytes = read_file("data/sample.png", &len);
	png_b64 = base64_of(bytes, len);
	free(bytes);
}

static void
errors_teardown(void)
{
	free(png_b64);
	harness_stop();
}

START_TEST(test_bad_input)
{
	const struct bad_case	*c = &bad_cases[_i];
	struct reply		 r;
	char			 ct[128], *body = NULL;
	const char		*hdrs[2] = { NULL, NULL };
	int			 n = 0;

	if (c->content_type != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", c->content_type);
		hdrs[0] = ct;
	}
	if (c->body != NULL) {
		/* The one "%s" of a body stands for a real PNG's base64. */
		const char *at = strstr(c->body, "%s");

		n = at == NULL ? asprintf(&body, "%s", c->body) :
		    asprintf(&body, "%.*s%s%s", (int)(at - c->body), c->body,
		    png_b64, at + 2);
		ck_assert_int_ge(n, 0);
	}
	http_do(&r, c->method, c->path, hdrs, body, (size_t)n);
	ck_assert_msg(r.status == c->status, "%s: status %ld, want %ld: %s",
	    c->name, r.status, c->status, r.body.data);
	ck_assert_msg(strcmp(reply_code(&r), c->code) == 0, "%s: code %s",
	    c->name, reply_code(&r));
	ck_assert_msg(strcmp(reply_field(&r), c->field ? c->field : "") == 0,
	    "%s: field %s", c->name, reply_field(&r));
	ck_assert_str_eq(reply_header(&r, "Content-Type"),
	    "application/json; charset=utf-8");
	reply_free(&r);
	free(body);
	/* Nothing stored, nothing left behind. */
	ck_assert_int_eq(bucket_files(), 0);
	ck_assert_int_eq(listed(""), 0);
}
END_TEST

START_TEST(test_too_large)
{
	static const char *const raw[] = { "Content-Type: image/png", NULL };
	struct reply	 r;
	size_t		 big = 64 * 1024 + 1, i;
	char		*bytes = malloc(big), *b64, *body;
	int		 n;

	ck_assert_ptr_nonnull(bytes);
	for (i = 0; i < big; i++)
		bytes[i] = (char)(i * 7);
	memcpy(bytes, "\x89PNG\r\n\x1a\n", 8);
	/* Raw: refused on its Content-Length. */
	http_do(&r, "POST", "/images?user_id=u&filename=a.png", raw,
	    bytes, big);
	ck_assert_int_eq(r.status, 413);
	ck_assert_str_eq(reply_code(&r), "PAYLOAD_TOO_LARGE");
	reply_free(&r);
	/* JSON: refused once the decoded image passes the limit. */
	b64 = base64_of(bytes, big);
	n = asprintf(&body, "{\"user_id\": \"u\", \"filename\": \"a.png\", "
	    "\"image_data\": \"%s\"}", b64);
	ck_assert_int_gt(n, 0);
	http_do(&r, "POST", "/images", NULL, body, (size_t)n);
	ck_assert_int_eq(r.status, 413);
	ck_assert_str_eq(reply_code(&r), "PAYLOAD_TOO_LARGE");
	ck_assert_str_eq(reply_field(&r), "image_data");
	reply_free(&r);
	ck_assert_int_eq(bucket_files(), 0);
	ck_assert_int_eq(listed(""), 0);
	free(body);
	free(b64);
	free(bytes);
}
END_TEST

/* --- Host on a loopback address (DNS rebinding) --------------------------- */

static void
hosts_setup(void)
{
	static const char *const settings[] = {
		"allowed_hosts=dev.test, [fd00::1]",
		"public_url=http://images.example:9000/base", NULL };

	harness_start_with(settings);
}

/* One request with the Host given; the status. */
static long
status_for_host(const char *method, const char *path, const char *host,
    struct reply *r)
{
	char		 h[300];
	const char	*hdrs[2] = { h, NULL };

	snprintf(h, sizeof(h), "Host: %s", host);
	http_do(r, method, path, hdrs, NULL, 0);
	return r->status;
}

START_TEST(test_host_rebinding)
{
	static const char *const good[] = { "localhost", "LOCALHOST:8080",
	    "127.0.0.1", "127.3.4.5:80", "[::1]", "[::1]:8080", "dev.test",
	    "dev.test:1234", "[fd00::1]:80", "images.example",
	    "images.example:9000" };
	static const char *const bad[] = { "evil.example", "evil.example:8080",
	    "localhost.evil.example", "128.0.0.1", "[::2]", "dev.test.evil",
	    "dev.test:port", "" };
	json_t		*rec = store_sample(&samples[0], "u");
	struct reply	 r;
	char		 path[128], req[256], got[4096];
	size_t		 i, total = 0;
	ssize_t		 n;
	int		 fd, len;

	snprintf(path, sizeof(path), "/images/%s", str(rec, "image_id"));
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(status_for_host("GET", path, good[i], &r) == 200,
		    "%s: %ld", good[i], r.status);
		reply_free(&r);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(status_for_host("DELETE", path, bad[i], &r) ==
		    421, "%s: %ld %s", bad[i], r.status, r.body.data);
		ck_assert_str_eq(reply_code(&r), "MISDIRECTED_REQUEST");
		ck_assert_str_eq(reply_header(&r, "Content-Type"),
		    "application/json; charset=utf-8");
		reply_free(&r);
		ck_assert_int_eq(status_for_host("GET", "/images", bad[i], &r),
		    421);
		reply_free(&r);
	}
	/* Nothing was deleted. */
	ck_assert_int_eq(listed(""), 1);
	ck_assert_int_eq(bucket_files(), 1);
	/* HTTP/1.0 without Host still works. */
	fd = connect_daemon();
	len = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
	ck_assert_int_eq(write(fd, req, (size_t)len), len);
	while ((n = read(fd, got + total, sizeof(got) - 1 - total)) > 0)
		total += (size_t)n;
	got[total] = '\0';
	close(fd);
	ck_assert_msg(strstr(got, " 200 ") != NULL, "%s", got);
	json_decref(rec);
}
END_TEST

static void
small_limit_setup(void)
{
	static const char *const settings[] = { "max_file_size=64K", NULL };

	harness_start_with(settings);
}

Suite *
api_suite(void)
{
	Suite	*s = suite_create("api");
	TCase	*tc = tcase_create("routes");

	tcase_add_checked_fixture(tc, harness_start, harness_stop);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_upload_each_format, 0,
	    (int)(sizeof(samples) / sizeof(samples[0])));
	tcase_add_test(tc, test_extension_lowercased_in_key);
	tcase_add_test(tc, test_get_and_signed_download);
	tcase_add_test(tc, test_expires_in);
	tcase_add_test(tc, test_http10_without_host);
	tcase_add_test(tc, test_download_true_json_and_bytes);
	tcase_add_test(tc, test_download_json_streamed);
	tcase_add_test(tc, test_conditional_and_range);
	tcase_add_test(tc, test_signed_url_checks);
	tcase_add_test(tc, test_delete);
	tcase_add_test(tc, test_raw_upload);
	tcase_add_test(tc, test_list_pages);
	tcase_add_test(tc, test_list_order_and_cursor_binding);
	tcase_add_test(tc, test_prefixes_and_routing);
	tcase_add_test(tc, test_request_id_cors_health);
	suite_add_tcase(s, tc);
	return s;
}

Suite *
api_errors_suite(void)
{
	Suite	*s = suite_create("api_errors");
	TCase	*tc = tcase_create("bad input");
	TCase	*big = tcase_create("size limit");
	TCase	*hosts;

	tcase_add_checked_fixture(tc, errors_setup, errors_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_bad_input, 0,
	    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(big, small_limit_setup, harness_stop);
	tcase_set_timeout(big, 60);
	tcase_add_test(big, test_too_large);
	suite_add_tcase(s, big);
	hosts = tcase_create("hosts");
	tcase_add_checked_fixture(hosts, hosts_setup, harness_stop);
	tcase_set_timeout(hosts, 60);
	tcase_add_test(hosts, test_host_rebinding);
	suite_add_tcase(s, hosts);
	return s;
}
