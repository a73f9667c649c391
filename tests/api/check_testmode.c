/*
 * check_testmode.c: test_mode, the clock, seeded ids, reset, faults, the
 * request journal and cloud_strict, over HTTP against a daemon started
 * in-process on port 0 (harness.h).  Each test starts its own daemon with
 * the settings it is about.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "imaged/cmd.h"
#include "imaged/log.h"
#include "imaged/tokens.h"

Suite	*testmode_suite(void);

#define FIXED		"clock=2026-01-01T00:00:00Z"
#define FIXED_UNIX	1767225600LL
#define JSON_HDR	"Content-Type: application/json"

static const char *const json_hdrs[] = { JSON_HDR, NULL };

static void
post(struct reply *r, const char *path, const char *body)
{
	http_do(r, "POST", path, json_hdrs, body,
	    body != NULL ? strlen(body) : 0);
}

/* A request whose answer is status, with code and field ("" when none). */
static void
expect(const char *method, const char *path, const char *body, long status,
    const char *code, const char *field)
{
	struct reply	 r;

	http_do(&r, method, path, json_hdrs, body,
	    body != NULL ? strlen(body) : 0);
	ck_assert_msg(r.status == status, "%s %s %s: %ld %s", method, path,
	    body != NULL ? body : "", r.status, r.body.data);
	if (code != NULL)
		ck_assert_str_eq(reply_code(&r), code);
	if (field != NULL)
		ck_assert_str_eq(reply_field(&r), field);
	reply_free(&r);
}

static const char *
str_of(json_t *o, const char *key)
{
	json_t	*v = json_object_get(o, key);

	ck_assert_msg(json_is_string(v), "%s is not a string", key);
	return json_string_value(v);
}

/* Upload data/sample.png for user; the record's field into out. */
static void
upload(const char *user, const char *title, const char *field, char *out,
    size_t outlen)
{
	struct reply	 r;
	char		 meta[128];

	snprintf(meta, sizeof(meta), "{\"title\": \"%s\"}", title);
	upload_json(&r, "data/sample.png", user, "a.png",
	    title != NULL ? meta : NULL);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, r.body.data);
	if (out != NULL)
		snprintf(out, outlen, "%s", str_of(r.json, field));
	reply_free(&r);
}

/* The number of images GET /images lists. */
static json_int_t
listed(void)
{
	struct reply	 r;
	json_int_t	 n;

	http_get(&r, "/images?limit=100");
	ck_assert_int_eq(r.status, 200);
	n = json_integer_value(json_object_get(r.json, "count"));
	reply_free(&r);
	return n;
}

/* Send a raw request; how many bytes of answer come before the close. */
static ssize_t
answer_bytes(const char *req)
{
	char	 buf[4096];
	ssize_t	 n, total = 0;
	int	 fd = connect_daemon();

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	return total;
}

static long long
ms_since(const struct timespec *t0)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000LL +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* --- off by default ------------------------------------------------------ */

START_TEST(test_off_is_404)
{
	static const char *const paths[] = { "/_imaged/clock", "/_imaged/reset",
	    "/_imaged/faults", "/_imaged/requests", "/dev/_imaged/clock" };
	size_t	 i;

	harness_start();
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		expect("GET", paths[i], NULL, 404, "NOT_FOUND", NULL);
		expect("POST", paths[i], "{\"advance\": 1}", 404,
		    "NOT_FOUND", NULL);
		expect("DELETE", paths[i], NULL, 404, "NOT_FOUND", NULL);
	}
	harness_stop();
}
END_TEST

START_TEST(test_refused_off_loopback)
{
	struct config	 cfg;
	struct imaged	*d = NULL;
	char		 msg[256];

	log_quiet(true);
	config_defaults(&cfg);
	cfg.port = 0;
	cfg.ephemeral = true;
	ck_assert(config_set(&cfg, "test_mode", "on", "test", msg,
	    sizeof(msg)));
	ck_assert(config_set(&cfg, "listen", "0.0.0.0", "test", msg,
	    sizeof(msg)));
	ck_assert_int_eq(imaged_start(&cfg, &d), IMG_EINVAL);
	ck_assert_ptr_null(d);
	/* Bad values of the new settings stop start-up with a message. */
	ck_assert(!config_set(&cfg, "clock", "yesterday", "test", msg,
	    sizeof(msg)));
	ck_assert_ptr_nonnull(strstr(msg, "RFC 3339"));
	ck_assert(!config_set(&cfg, "id_seed", "-1", "test", msg, sizeof(msg)));
	ck_assert(!config_set(&cfg, "cloud_strict", "maybe", "test", msg,
	    sizeof(msg)));
}
END_TEST

/* With auth = token, any address; the control routes need an admin. */
START_TEST(test_token_admin_only)
{
	static const char *const on[] = { "test_mode=on", "listen=0.0.0.0",
	    "auth=token", NULL };
	char		 path[PATH_MAX + 16], *text = NULL, hdr[256];
	char		 w0[] = "token", w1[] = "add", w2[] = "root",
	    w3[] = "--admin";
	char		 w4[] = "alice";
	char		*admin_argv[] = { w0, w1, w2, w3, NULL };
	char		*user_argv[] = { w0, w1, w4, NULL };
	char		 admin[128], user[128];
	const char	*hdrs[2] = { hdr, NULL };
	struct reply	 r;
	size_t		 len = 0;
	FILE		*fp, *err;

	harness_start_with(on);
	snprintf(path, sizeof(path), "%s/%s", test_daemon->data_dir,
	    TOKENS_FILE);
	err = fopen("/dev/null", "w");
	fp = open_memstream(&text, &len);
	ck_assert_int_eq(cmd_token_file(path, 4, admin_argv, fp, err), 0);
	fclose(fp);
	text[strcspn(text, "\n")] = '\0';
	snprintf(admin, sizeof(admin), "%s", text);
	free(text);
	text = NULL;
	fp = open_memstream(&text, &len);
	ck_assert_int_eq(cmd_token_file(path, 3, user_argv, fp, err), 0);
	fclose(fp);
	fclose(err);
	text[strcspn(text, "\n")] = '\0';
	snprintf(user, sizeof(user), "%s", text);
	free(text);

	expect("GET", "/_imaged/clock", NULL, 401, "UNAUTHORIZED", NULL);
	snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", user);
	http_do(&r, "POST", "/_imaged/reset", hdrs, NULL, 0);
	ck_assert_int_eq(r.status, 403);
	ck_assert_str_eq(reply_code(&r), "FORBIDDEN");
	reply_free(&r);
	snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", admin);
	http_do(&r, "POST", "/_imaged/reset", hdrs, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	/* The tokens outlive the reset. */
	http_do(&r, "GET", "/_imaged/clock", hdrs, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	harness_stop();
}
END_TEST

/* --- the clock ------------------------------------------------------------ */

START_TEST(test_clock_routes)
{
	static const char *const on[] = { "test_mode=on", FIXED, NULL };
	struct reply	 r;

	harness_start_with(on);
	http_get(&r, "/_imaged/clock");
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(str_of(r.json, "now"), "2026-01-01T00:00:00.000000Z");
	ck_assert(json_is_true(json_object_get(r.json, "fixed")));
	reply_free(&r);

	post(&r, "/_imaged/clock", "{\"advance\": 90}");
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(str_of(r.json, "now"), "2026-01-01T00:01:30.000000Z");
	reply_free(&r);
	post(&r, "/_imaged/clock", "{\"advance\": 0.25}");
	ck_assert_str_eq(str_of(r.json, "now"), "2026-01-01T00:01:30.250000Z");
	reply_free(&r);
	post(&r, "/_imaged/clock", "{\"set\": \"2026-06-01T12:00:00+02:00\"}");
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(str_of(r.json, "now"), "2026-06-01T10:00:00.000000Z");
	reply_free(&r);
	/* The clock stands still between requests. */
	http_get(&r, "/_imaged/clock");
	ck_assert_str_eq(str_of(r.json, "now"), "2026-06-01T10:00:00.000000Z");
	reply_free(&r);

	/* Malformed bodies: the usual JSON errors, and the clock unmoved. */
	expect("POST", "/_imaged/clock", "", 400, "INVALID_JSON", NULL);
	expect("POST", "/_imaged/clock", "{", 400, "INVALID_JSON", NULL);
	expect("POST", "/_imaged/clock", "[1]", 400, "VALIDATION_ERROR", NULL);
	expect("POST", "/_imaged/clock", "{}", 400, "VALIDATION_ERROR", NULL);
	expect("POST", "/_imaged/clock", "{\"set\": \"2026-01-01T00:00:00Z\", "
	    "\"advance\": 1}", 400, "VALIDATION_ERROR", NULL);
	expect("POST", "/_imaged/clock", "{\"set\": \"tomorrow\"}", 400,
	    "VALIDATION_ERROR", "set");
	expect("POST", "/_imaged/clock", "{\"set\": \"2026-01-01T00:00:00\"}",
	    400, "VALIDATION_ERROR", "set");
	expect("POST", "/_imaged/clock", "{\"set\": 5}", 400,
	    "VALIDATION_ERROR", "set");
	expect("POST", "/_imaged/clock", "{\"advance\": \"5\"}", 400,
	    "VALIDATION_ERROR", "advance");
	expect("POST", "/_imaged/clock", "{\"advance\": 1e300}", 400,
	    "VALIDATION_ERROR", "advance");
	expect("POST", "/_imaged/clock", "{\"forward\": 5}", 400,
	    "VALIDATION_ERROR", "");
	expect("PUT", "/_imaged/clock", "{}", 405, "METHOD_NOT_ALLOWED", NULL);
	http_get(&r, "/_imaged/clock");
	ck_assert_str_eq(str_of(r.json, "now"), "2026-06-01T10:00:00.000000Z");
	reply_free(&r);
	harness_stop();
}
END_TEST

/* Every time imaged hands out comes from the clock. */
START_TEST(test_clock_stamps)
{
	static const char *const on[] = { "test_mode=on", FIXED, NULL };
	struct reply	 r;
	char		 id[64], url[1024], path[1100], want[64];

	harness_start_with(on);
	upload("u", "t", "image_id", id, sizeof(id));
	snprintf(path, sizeof(path), "/images/%s", id);
	http_get(&r, path);
	ck_assert_str_eq(str_of(r.json, "created_at"),
	    "2026-01-01T00:00:00.000000Z");
	ck_assert_str_eq(str_of(r.json, "updated_at"),
	    "2026-01-01T00:00:00.000000Z");
	snprintf(want, sizeof(want), "expires=%lld&", FIXED_UNIX + 3600);
	ck_assert_ptr_nonnull(strstr(str_of(r.json, "download_url"), want));
	ck_assert_str_eq(reply_header(&r, "Date"),
	    "Thu, 01 Jan 2026 00:00:00 GMT");
	snprintf(url, sizeof(url), "%s", strstr(str_of(r.json, "download_url"),
	    "/blobs/"));
	reply_free(&r);

	http_get(&r, url);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(reply_header(&r, "Last-Modified"),
	    "Thu, 01 Jan 2026 00:00:00 GMT");
	reply_free(&r);

	/* A second upload at the same instant still gets a later created_at. */
	upload("u", "t", "created_at", want, sizeof(want));
	ck_assert_str_eq(want, "2026-01-01T00:00:00.000001Z");

	post(&r, "/_imaged/clock", "{\"advance\": 10}");
	reply_free(&r);
	http_do(&r, "PATCH", path, json_hdrs, "{\"metadata\": {}}", 16);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(str_of(r.json, "updated_at"),
	    "2026-01-01T00:00:10.000000Z");
	ck_assert_str_eq(str_of(r.json, "created_at"),
	    "2026-01-01T00:00:00.000000Z");
	reply_free(&r);
	harness_stop();
}
END_TEST

/* A signed URL expires when the clock says so: no sleeping. */
START_TEST(test_url_expiry_without_sleep)
{
	static const char *const on[] = { "test_mode=on", FIXED, NULL };
	struct timespec	 t0;
	struct reply	 r;
	char		 id[64], path[128], url[1024];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	harness_start_with(on);
	upload("u", NULL, "image_id", id, sizeof(id));
	snprintf(path, sizeof(path), "/images/%s?expires_in=60", id);
	http_get(&r, path);
	snprintf(url, sizeof(url), "%s", strstr(str_of(r.json, "download_url"),
	    "/blobs/"));
	reply_free(&r);

	http_get(&r, url);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	/* its last second */
	post(&r, "/_imaged/clock", "{\"advance\": 60}");
	reply_free(&r);
	http_get(&r, url);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	post(&r, "/_imaged/clock", "{\"advance\": 1}");
	reply_free(&r);
	http_get(&r, url);
	ck_assert_int_eq(r.status, 403);
	ck_assert_str_eq(reply_code(&r), "EXPIRED");
	reply_free(&r);
	harness_stop();
	/* A minute of the URL's life went by in well under a second. */
	ck_assert_int_lt(ms_since(&t0), 5000);
}
END_TEST

START_TEST(test_clock_never_before_newest)
{
	static const char *const on[] = { "test_mode=on", FIXED, NULL };
	struct reply	 r;

	harness_start_with(on);
	post(&r, "/_imaged/clock", "{\"set\": \"2026-03-01T00:00:00Z\"}");
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	upload("u", NULL, NULL, NULL, 0);
	post(&r, "/_imaged/clock", "{\"set\": \"2026-02-01T00:00:00Z\"}");
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(reply_code(&r), "VALIDATION_ERROR");
	ck_assert_str_eq(reply_field(&r), "set");
	ck_assert_ptr_nonnull(strstr(r.body.data, "cannot go back"));
	ck_assert_ptr_nonnull(strstr(r.body.data,
	    "2026-03-01T00:00:00.000000Z"));
	reply_free(&r);
	expect("POST", "/_imaged/clock", "{\"advance\": -1}", 400,
	    "VALIDATION_ERROR", "advance");
	/* Setting it again where it stands is no step back. */
	expect("POST", "/_imaged/clock", "{\"set\": \"2026-03-01T00:00:00Z\"}",
	    200, NULL, NULL);
	http_get(&r, "/_imaged/clock");
	ck_assert_str_eq(str_of(r.json, "now"), "2026-03-01T00:00:00.000000Z");
	reply_free(&r);
	/* After a reset nothing is stored: back it may go. */
	post(&r, "/_imaged/reset", NULL);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	post(&r, "/_imaged/clock", "{\"set\": \"2026-02-01T00:00:00Z\"}");
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	harness_stop();
}
END_TEST

/* --- ids ------------------------------------------------------------------ */

START_TEST(test_seeded_ids)
{
	static const char *const seed7[] = { "id_seed=7", NULL };
	static const char *const seed8[] = { "id_seed=8", NULL };
	char	 a1[64], a2[64], b1[64], b2[64], c1[64];

	harness_start_with(seed7);
	upload("u", NULL, "image_id", a1, sizeof(a1));
	upload("u", NULL, "image_id", a2, sizeof(a2));
	harness_stop();
	harness_start_with(seed7);
	upload("u", NULL, "image_id", b1, sizeof(b1));
	upload("u", NULL, "image_id", b2, sizeof(b2));
	harness_stop();
	harness_start_with(seed8);
	upload("u", NULL, "image_id", c1, sizeof(c1));
	harness_stop();
	ck_assert_str_eq(a1, b1);
	ck_assert_str_eq(a2, b2);
	ck_assert_str_ne(a1, a2);
	ck_assert_str_ne(a1, c1);
	/* Still version-4 UUIDs of the RFC 4122 variant. */
	ck_assert_int_eq(strlen(a1), 36);
	ck_assert_int_eq(a1[14], '4');
	ck_assert_ptr_nonnull(strchr("89ab", a1[19]));
	ck_assert_int_eq(a2[14], '4');
}
END_TEST

/* --- reset ---------------------------------------------------------------- */

START_TEST(test_reset)
{
	static const char *const on[] = { "test_mode=on", "id_seed=1", FIXED,
	    NULL };
	struct reply	 r;
	char		 first[64], again[64], url[1024], path[128];

	harness_start_with(on);
	upload("u", NULL, "image_id", first, sizeof(first));
	upload("v", NULL, NULL, NULL, 0);
	snprintf(path, sizeof(path), "/images/%s", first);
	http_get(&r, path);
	snprintf(url, sizeof(url), "%s", strstr(str_of(r.json, "download_url"),
	    "/blobs/"));
	reply_free(&r);
	ck_assert_int_eq(listed(), 2);
	ck_assert_int_eq(bucket_files(), 2);

	post(&r, "/_imaged/reset", NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(str_of(r.json, "status"), "reset");
	reply_free(&r);
	ck_assert_int_eq(listed(), 0);
	ck_assert_int_eq(bucket_files(), 0);
	expect("GET", path, NULL, 404, "NOT_FOUND", NULL);
	/*
	 * The key stayed: the old URL's signature still verifies (404,
	 * not 403).
	 */
	expect("GET", url, NULL, 404, "NOT_FOUND", NULL);
	/* As at first start: the id sequence starts again. */
	upload("u", NULL, "image_id", again, sizeof(again));
	ck_assert_str_eq(first, again);
	ck_assert_int_eq(listed(), 1);
	/* A body is ignored. */
	post(&r, "/_imaged/reset", "{}");
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	expect("GET", "/_imaged/reset", NULL, 405, "METHOD_NOT_ALLOWED", NULL);
	harness_stop();
}
END_TEST

/* A rendition kept before a reset is not served for the seeded id's return. */
START_TEST(test_reset_forgets_renditions)
{
	static const char *const on[] = { "test_mode=on", "id_seed=3", NULL };
	struct reply	 r, before, after;
	char		 a[64], b[64], path[128];

	harness_start_with(on);
	upload_json(&r, "data/sample.png", "u", "a.png", NULL);
	ck_assert_int_eq(r.status, 201);
	snprintf(a, sizeof(a), "%s", str_of(r.json, "image_id"));
	reply_free(&r);
	snprintf(path, sizeof(path),
	    "/images/%s?download=true&w=4&format=png", a);
	http_get(&before, path);
	ck_assert_int_eq(before.status, 200);
	post(&r, "/_imaged/reset", NULL);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	upload_json(&r, "data/sample.jpg", "u", "a.jpg", NULL);
	ck_assert_int_eq(r.status, 201);
	snprintf(b, sizeof(b), "%s", str_of(r.json, "image_id"));
	reply_free(&r);
	ck_assert_str_eq(a, b);
	http_get(&after, path);
	ck_assert_int_eq(after.status, 200);
	ck_assert(before.body.len != after.body.len ||
	    memcmp(before.body.data, after.body.data, before.body.len) != 0);
	reply_free(&before);
	reply_free(&after);
	harness_stop();
}
END_TEST

static void *
uploader(void *arg)
{
	struct reply	 r;
	int		 i, *ok = arg;

	for (i = 0; i < 12; i++) {
		upload_json(&r, "data/sample.png", "busy", "a.png", NULL);
		*ok += r.status == 201;
		reply_free(&r);
	}
	return NULL;
}

/* Resets while uploads run: every listed row has its file, no temp is left. */
START_TEST(test_reset_under_load)
{
	static const char *const on[] = { "test_mode=on", NULL };
	pthread_t	 t[2];
	struct reply	 r;
	int		 ok[2] = { 0, 0 }, i;

	harness_start_with(on);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, uploader,
		    &ok[i]), 0);
	for (i = 0; i < 4; i++) {
		post(&r, "/_imaged/reset", NULL);
		ck_assert_int_eq(r.status, 200);
		reply_free(&r);
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(ok[0] + ok[1], 24);
	ck_assert_int_eq(listed(), bucket_files());
	ck_assert_int_eq(temp_files(), 0);
	post(&r, "/_imaged/reset", NULL);
	reply_free(&r);
	ck_assert_int_eq(listed(), 0);
	ck_assert_int_eq(bucket_files(), 0);
	harness_stop();
}
END_TEST

/* --- faults --------------------------------------------------------------- */

/* A client that retries a 503 or 429 up to tries times, as SDKs do. */
static long
upload_with_retries(int tries, int *attempts)
{
	struct reply	 r;
	long		 status = 0;

	for (*attempts = 0; *attempts < tries; ) {
		(*attempts)++;
		upload_json(&r, "data/sample.png", "retry", "a.png", NULL);
		status = r.status;
		if (status == 503)
			ck_assert_str_eq(reply_header(&r, "Retry-After"), "0");
		reply_free(&r);
		if (status != 503 && status != 429 && status != 0)
			break;
	}
	return status;
}

START_TEST(test_faults_and_retries)
{
	static const char *const on[] = { "test_mode=on", NULL };
	struct reply	 r;
	json_t		*rule;
	int		 attempts;

	harness_start_with(on);
	post(&r, "/_imaged/faults",
	    "{\"method\": \"POST\", \"path\": \"/images\", "
	    "\"status\": 503, \"times\": 2, \"retry_after\": 0}");
	ck_assert_int_eq(r.status, 201);
	reply_free(&r);

	/* The bare fault: the JSON error of its status, nothing stored. */
	upload_json(&r, "data/sample.png", "x", "a.png", NULL);
	ck_assert_int_eq(r.status, 503);
	ck_assert_str_eq(reply_code(&r), "SERVICE_UNAVAILABLE");
	reply_free(&r);
	ck_assert_int_eq(listed(), 0);
	ck_assert_int_eq(bucket_files(), 0);
	/*
	 * One failure left: a client with three tries gets through on
	 * its second.
	 */
	ck_assert_int_eq(upload_with_retries(3, &attempts), 201);
	ck_assert_int_eq(attempts, 2);
	ck_assert_int_eq(listed(), 1);

	http_get(&r, "/_imaged/faults");
	rule = json_array_get(json_object_get(r.json, "faults"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(rule, "hits")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(rule,
	    "remaining")), 0);
	reply_free(&r);

	/*
	 * Other statuses carry their own code; GET does not match a
	 * POST rule.
	 */
	post(&r, "/_imaged/faults",
	    "[{\"path\": \"/images/*\", \"status\": 429, "
	    "\"times\": 1}, {\"path\": \"/healthz\", \"method\": [\"GET\"], "
	    "\"status\": 500, \"times\": 1}]");
	ck_assert_int_eq(r.status, 201);
	reply_free(&r);
	http_get(&r, "/images/00000000-0000-4000-8000-000000000000");
	ck_assert_int_eq(r.status, 429);
	ck_assert_str_eq(reply_code(&r), "TOO_MANY_REQUESTS");
	ck_assert_str_eq(reply_header(&r, "Retry-After"), "1");
	reply_free(&r);
	expect("GET", "/images/00000000-0000-4000-8000-000000000000", NULL, 404,
	    "NOT_FOUND", NULL);
	expect("HEAD", "/healthz", NULL, 500, NULL, NULL);
	expect("GET", "/healthz", NULL, 200, NULL, NULL);
	/* Stage prefixes are stripped before matching. */
	post(&r, "/_imaged/faults", "{\"path\": \"/healthz\", \"status\": 502, "
	    "\"times\": 1}");
	reply_free(&r);
	expect("GET", "/dev/healthz", NULL, 502, "BAD_GATEWAY", NULL);

	/* DELETE clears them. */
	http_do(&r, "DELETE", "/_imaged/faults", NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "faults")), 0);
	reply_free(&r);
	harness_stop();
}
END_TEST

START_TEST(test_fault_delay_and_reset)
{
	static const char *const on[] = { "test_mode=on", NULL };
	struct timespec	 t0;
	struct reply	 r;

	harness_start_with(on);
	post(&r, "/_imaged/faults",
	    "{\"path\": \"/healthz\", \"delay_ms\": 300, \"times\": 1}");
	reply_free(&r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect("GET", "/healthz", NULL, 200, NULL, NULL);
	ck_assert_int_ge(ms_since(&t0), 300);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect("GET", "/healthz", NULL, 200, NULL, NULL);
	ck_assert_int_lt(ms_since(&t0), 300);

	post(&r, "/_imaged/faults", "{\"path\": \"/healthz\", "
	    "\"reset_connection\": true, \"times\": 1}");
	reply_free(&r);
	ck_assert_int_eq(answer_bytes("GET /healthz HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\n\r\n"), 0);	/* no answer at all */
	expect("GET", "/healthz", NULL, 200, NULL, NULL);

	/* A rule for every path never takes the control routes. */
	post(&r, "/_imaged/faults", "{\"status\": 500}");
	reply_free(&r);
	expect("GET", "/healthz", NULL, 500, "INTERNAL_ERROR", NULL);
	expect("GET", "/_imaged/faults", NULL, 200, NULL, NULL);
	expect("DELETE", "/_imaged/faults", NULL, 200, NULL, NULL);
	expect("GET", "/healthz", NULL, 200, NULL, NULL);
	harness_stop();
}
END_TEST

START_TEST(test_fault_bad_rules)
{
	static const char *const on[] = { "test_mode=on", NULL };
	static const struct {
		const char	*body;
		const char	*code;
		const char	*field;
	} bad[] = {
		{ "", "INVALID_JSON", "" },
		{ "{\"status\": ", "INVALID_JSON", "" },
		{ "\"x\"", "VALIDATION_ERROR", "" },
		{ "[]", "VALIDATION_ERROR", "" },
		{ "{}", "VALIDATION_ERROR", "" },
		{ "{\"path\": \"/images\"}", "VALIDATION_ERROR", "" },
		{ "{\"status\": 200}", "VALIDATION_ERROR", "status" },
		{ "{\"status\": 418}", "VALIDATION_ERROR", "status" },
		{ "{\"status\": \"503\"}", "VALIDATION_ERROR", "status" },
		{ "{\"delay_ms\": -1}", "VALIDATION_ERROR", "delay_ms" },
		{ "{\"delay_ms\": 600000}", "VALIDATION_ERROR", "delay_ms" },
		{ "{\"status\": 503, \"times\": 0}", "VALIDATION_ERROR",
		  "times" },
		{ "{\"status\": 503, \"method\": \"FETCH\"}",
		  "VALIDATION_ERROR", "method" },
		{ "{\"status\": 503, \"path\": \"images\"}", "VALIDATION_ERROR",
		  "path" },
		{ "{\"status\": 503, \"reset_connection\": 1}",
		  "VALIDATION_ERROR", "reset_connection" },
		{ "{\"status\": 503, \"retry_after\": -5}", "VALIDATION_ERROR",
		  "retry_after" },
		{ "{\"status\": 503, \"sttaus\": 1}", "VALIDATION_ERROR", "" },
		{ "[{\"status\": 503}, {\"status\": 1}]", "VALIDATION_ERROR",
		  "status" },
	};
	struct reply	 r;
	size_t		 i;

	harness_start_with(on);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect("POST", "/_imaged/faults", bad[i].body, 400, bad[i].code,
		    bad[i].field);
	/* Nothing was added, not even the good half of the last one. */
	http_get(&r, "/_imaged/faults");
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "faults")), 0);
	reply_free(&r);
	expect("PATCH", "/_imaged/faults", "{}", 405,
	    "METHOD_NOT_ALLOWED", NULL);
	harness_stop();
}
END_TEST

/* --- the journal ---------------------------------------------------------- */

START_TEST(test_journal)
{
	static const char *const on[] = { "test_mode=on", NULL };
	static const char *const hdrs[] = { "X-Request-Id: probe-1", NULL };
	struct reply	 r;
	json_t		*reqs, *last, *q;

	harness_start_with(on);
	http_do(&r, "GET", "/dev/images?user_id=alice&tags=a&tags=b", hdrs,
	    NULL, 0);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	expect("GET", "/nowhere", NULL, 404, NULL, NULL);
	expect("GET", "/_imaged/clock", NULL, 200, NULL, NULL);

	http_get(&r, "/_imaged/requests");
	ck_assert_int_eq(r.status, 200);
	reqs = json_object_get(r.json, "requests");
	/* The control routes are left out. */
	ck_assert_int_eq(json_array_size(reqs), 2);
	last = json_array_get(reqs, 0);
	ck_assert_str_eq(str_of(last, "method"), "GET");
	ck_assert_str_eq(str_of(last, "path"), "/dev/images");
	ck_assert_str_eq(str_of(last, "request_id"), "probe-1");
	ck_assert_int_eq(json_integer_value(json_object_get(last,
	    "status")), 200);
	ck_assert(json_is_number(json_object_get(last, "duration_ms")));
	q = json_object_get(last, "query");
	ck_assert_str_eq(str_of(q, "user_id"), "alice");
	ck_assert_int_eq(json_array_size(json_object_get(q, "tags")), 2);
	last = json_array_get(reqs, 1);
	ck_assert_str_eq(str_of(last, "path"), "/nowhere");
	ck_assert_int_eq(json_integer_value(json_object_get(last,
	    "status")), 404);
	reply_free(&r);

	http_get(&r, "/_imaged/requests?limit=1");
	ck_assert_int_eq(json_array_size(json_object_get(r.json,
	    "requests")), 1);
	ck_assert_str_eq(str_of(json_array_get(json_object_get(r.json,
	    "requests"), 0), "path"), "/nowhere");
	reply_free(&r);
	expect("GET", "/_imaged/requests?limit=0", NULL, 400,
	    "VALIDATION_ERROR", "limit");
	expect("GET", "/_imaged/requests?limit=x", NULL, 400,
	    "VALIDATION_ERROR", "limit");
	expect("GET", "/_imaged/requests?limit=1001", NULL, 400,
	    "VALIDATION_ERROR", "limit");

	http_do(&r, "DELETE", "/_imaged/requests", NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	http_get(&r, "/_imaged/requests");
	ck_assert_int_eq(json_array_size(json_object_get(r.json,
	    "requests")), 0);
	reply_free(&r);
	harness_stop();
}
END_TEST

/* --- cloud_strict --------------------------------------------------------- */

START_TEST(test_strict_listing)
{
	static const char *const strict[] = { "cloud_strict=on", NULL };
	struct reply	 r;
	char		 path[512], cursor[256] = "";
	int		 pages = 0, cats = 0, shortpage = 0, i;
	json_t		*lek;

	harness_start_with(strict);
	for (i = 0; i < 6; i++)
		upload("u", i % 3 == 0 ? "cat" : "dog", NULL, NULL, 0);
	/* Each page reads 2 index entries, then keeps the cats among them. */
	do {
		snprintf(path, sizeof(path),
		    "/images?user_id=u&title=cat&limit=2&order=asc%s%s",
		    cursor[0] ? "&last_evaluated_key=" : "", cursor);
		http_get(&r, path);
		ck_assert_int_eq(r.status, 200);
		pages++;
		cats +=
		    (int)json_integer_value(json_object_get(r.json, "count"));
		lek = json_object_get(r.json, "last_evaluated_key");
		if (json_is_string(lek)) {
			shortpage += json_integer_value(json_object_get(r.json,
			    "count")) < 2;
			snprintf(cursor, sizeof(cursor), "%s",
			    json_string_value(lek));
		} else
			cursor[0] = '\0';
		reply_free(&r);
	} while (cursor[0] != '\0' && pages < 10);
	ck_assert_int_eq(pages, 3);
	ck_assert_int_eq(cats, 2);
	ck_assert_int_ge(shortpage, 1);
	harness_stop();

	/* Without it, filters apply first: one full page. */
	harness_start();
	for (i = 0; i < 6; i++)
		upload("u", i % 3 == 0 ? "cat" : "dog", NULL, NULL, 0);
	http_get(&r, "/images?user_id=u&title=cat&limit=2");
	ck_assert_int_eq(json_integer_value(json_object_get(r.json,
	    "count")), 2);
	ck_assert(json_is_null(json_object_get(r.json, "last_evaluated_key")));
	reply_free(&r);
	harness_stop();
}
END_TEST

START_TEST(test_strict_uploads)
{
	static const char *const strict[] = { "cloud_strict=on", NULL };
	static const char *const raw[] = { "Content-Type: image/png", NULL };
	static const char *const form[] = {
	    "Content-Type: multipart/form-data; boundary=b", NULL };
	static const char form_body[] =
	    "--b\r\nContent-Disposition: form-data; "
	    "name=\"user_id\"\r\n\r\nu\r\n--b--\r\n";
	struct reply	 r;
	size_t		 big = (6u << 20) + 1;
	char		*body;

	harness_start_with(strict);
	http_do(&r, "POST", "/images?user_id=u&filename=a.png", raw, "x", 1);
	ck_assert_int_eq(r.status, 415);
	ck_assert_str_eq(reply_code(&r), "UNSUPPORTED_MEDIA_TYPE");
	reply_free(&r);
	http_do(&r, "POST", "/images", form, form_body, sizeof(form_body) - 1);
	ck_assert_int_eq(r.status, 415);
	reply_free(&r);
	/* A body past 6 MiB is refused, though max_file_size would allow it. */
	body = malloc(big);
	ck_assert_ptr_nonnull(body);
	memset(body, ' ', big);
	body[0] = '{';
	body[big - 1] = '}';
	http_do(&r, "POST", "/images", json_hdrs, body, big);
	ck_assert_int_eq(r.status, 413);
	ck_assert_str_eq(reply_code(&r), "PAYLOAD_TOO_LARGE");
	ck_assert_ptr_nonnull(strstr(r.body.data, "6291456"));
	reply_free(&r);
	free(body);
	/* JSON with base64 still works. */
	upload("u", NULL, NULL, NULL, 0);
	ck_assert_int_eq(bucket_files(), 1);
	ck_assert_int_eq(temp_files(), 0);
	harness_stop();
}
END_TEST

Suite *
testmode_suite(void)
{
	Suite	*s = suite_create("testmode");
	TCase	*tc = tcase_create("testmode");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_off_is_404);
	tcase_add_test(tc, test_refused_off_loopback);
	tcase_add_test(tc, test_token_admin_only);
	tcase_add_test(tc, test_clock_routes);
	tcase_add_test(tc, test_clock_stamps);
	tcase_add_test(tc, test_url_expiry_without_sleep);
	tcase_add_test(tc, test_clock_never_before_newest);
	tcase_add_test(tc, test_seeded_ids);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_reset_under_load);
	tcase_add_test(tc, test_reset_forgets_renditions);
	tcase_add_test(tc, test_faults_and_retries);
	tcase_add_test(tc, test_fault_delay_and_reset);
	tcase_add_test(tc, test_fault_bad_rules);
	tcase_add_test(tc, test_journal);
	tcase_add_test(tc, test_strict_listing);
	tcase_add_test(tc, test_strict_uploads);
	suite_add_tcase(s, tc);
	return s;
}
