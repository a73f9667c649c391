/*
 * check_concurrency.c: requests that race: two deletes of one image, a
 * delete during a download, a hundred uploads for one user at once.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sqlite3.h>
#include <jansson.h>

#include "harness.h"

Suite	*concurrency_suite(void);

struct job {
	const char	*method;
	char		 path[1024];
	const char	*content_type;
	const void	*body;
	size_t		 len;
	long		 status;
	struct buf	 reply;
	long		 rate;		/* max receive speed, 0: none */
};

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	return buf_add(arg, p, size * n) == IMG_OK ? size * n : 0;
}

/* One request on its own thread (curl easy handles are per thread). */
static void *
run_job(void *arg)
{
	struct job		*j = arg;
	struct curl_slist	*hl = NULL;
	char			 url[1200], ct[128];
	CURL			*c = curl_easy_init();

	buf_init(&j->reply, (size_t)16 << 20);
	snprintf(url, sizeof(url), "%s%s", imaged_url(test_daemon), j->path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, j->method);
	if (j->body != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", j->content_type);
		hl = curl_slist_append(hl, ct);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, j->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)j->len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &j->reply);
	if (j->rate > 0) {
		curl_easy_setopt(c, CURLOPT_MAX_RECV_SPEED_LARGE,
		    (curl_off_t)j->rate);
		curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 16384L);
	}
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &j->status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	return NULL;
}

static void
run_all(struct job *jobs, size_t n)
{
	pthread_t	*t = calloc(n, sizeof(*t));
	size_t		 i;

	ck_assert_ptr_nonnull(t);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, run_job,
		    &jobs[i]), 0);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
}

static void
setup(void)
{
	static const char *const settings[] = { "workers=4", NULL };

	harness_start_with(settings);
}

START_TEST(test_two_deletes)
{
	struct reply	 r;
	struct job	 jobs[2] = { { 0 } };
	const char	*id;
	int		 round;

	for (round = 0; round < 5; round++) {
		upload_json(&r, "data/sample.png", "racer", "a.png", NULL);
		ck_assert_int_eq(r.status, 201);
		id = json_string_value(json_object_get(r.json, "image_id"));
		jobs[0].method = jobs[1].method = "DELETE";
		snprintf(jobs[0].path, sizeof(jobs[0].path), "/images/%s", id);
		snprintf(jobs[1].path, sizeof(jobs[1].path), "/images/%s", id);
		reply_free(&r);
		run_all(jobs, 2);
		ck_assert_msg((jobs[0].status == 200 &&
		    jobs[1].status == 404) ||
		    (jobs[0].status == 404 && jobs[1].status == 200),
		    "%ld %ld", jobs[0].status, jobs[1].status);
		buf_free(&jobs[0].reply);
		buf_free(&jobs[1].reply);
	}
}
END_TEST

/* A download streaming while its image is deleted completes, whole. */
START_TEST(test_delete_during_download)
{
	static const char *const raw[] = { "Content-Type: image/png", NULL };
	struct reply	 r;
	struct job	 get = { 0 }, del = { 0 };
	pthread_t	 t;
	size_t		 big = 4 << 20, png_len, i;
	char		*png = read_file("data/sample.png", &png_len);
	char		*bytes = malloc(big);
	const char	*url;

	ck_assert_ptr_nonnull(bytes);
	memcpy(bytes, png, png_len);
	for (i = png_len; i < big; i++)
		bytes[i] = (char)(i * 131);
	http_do(&r, "POST", "/images?user_id=u&filename=big.png", raw,
	    bytes, big);
	ck_assert_int_eq(r.status, 201);
	url = strstr(json_string_value(json_object_get(r.json, "download_url")),
	    "/blobs/");
	get.method = "GET";
	snprintf(get.path, sizeof(get.path), "%s", url);
	get.rate = 2 << 20;	/* two seconds for the whole file */
	del.method = "DELETE";
	snprintf(del.path, sizeof(del.path), "/images/%s",
	    json_string_value(json_object_get(r.json, "image_id")));
	reply_free(&r);

	ck_assert_int_eq(pthread_create(&t, NULL, run_job, &get), 0);
	usleep(300000);
	run_job(&del);
	pthread_join(t, NULL);
	ck_assert_int_eq(del.status, 200);
	ck_assert_int_eq(get.status, 200);
	ck_assert_int_eq(get.reply.len, big);
	ck_assert(memcmp(get.reply.data, bytes, big) == 0);
	/* ...and the URL answers 404 now. */
	http_get(&r, get.path);
	ck_assert_int_eq(r.status, 404);
	reply_free(&r);
	buf_free(&get.reply);
	buf_free(&del.reply);
	free(bytes);
	free(png);
}
END_TEST

START_TEST(test_hundred_uploads_one_user)
{
	enum { N = 100 };
	struct job	*jobs = calloc(N, sizeof(*jobs));
	struct reply	 r;
	json_t		*seen = json_object(), *img;
	char		*png;
	size_t		 png_len, i, k;
	const char	*prev = NULL;
	int		 listed = 0;

	ck_assert_ptr_nonnull(jobs);
	png = read_file("data/sample.png", &png_len);
	for (i = 0; i < N; i++) {
		jobs[i].method = "POST";
		snprintf(jobs[i].path, sizeof(jobs[i].path),
		    "/images?user_id=crowd&filename=p%zu.png", i);
		jobs[i].content_type = "image/png";
		jobs[i].body = png;
		jobs[i].len = png_len;
	}
	run_all(jobs, N);
	for (i = 0; i < N; i++) {
		json_t *rec;

		ck_assert_msg(jobs[i].status == 201, "upload %zu: %ld", i,
		    jobs[i].status);
		rec = json_loadb(jobs[i].reply.data, jobs[i].reply.len,
		    0, NULL);
		ck_assert_ptr_nonnull(rec);
		json_object_set_new(seen, json_string_value(json_object_get(rec,
		    "image_id")), json_false());
		json_decref(rec);
		buf_free(&jobs[i].reply);
	}
	ck_assert_int_eq(json_object_size(seen), N);
	/* Listed once each, in strictly increasing created_at. */
	http_get(&r, "/images?user_id=crowd&limit=100&order=asc");
	ck_assert_int_eq(r.status, 200);
	json_array_foreach(json_object_get(r.json, "images"), k, img) {
		const char *id =
		    json_string_value(json_object_get(img, "image_id"));
		const char *at =
		    json_string_value(json_object_get(img, "created_at"));

		ck_assert_ptr_nonnull(json_object_get(seen, id));
		ck_assert(json_is_false(json_object_get(seen, id)));
		json_object_set_new(seen, id, json_true());
		if (prev != NULL)
			ck_assert(strcmp(prev, at) < 0);
		prev = at;
		listed++;
	}
	ck_assert_int_eq(listed, N);
	ck_assert(json_is_null(json_object_get(r.json, "last_evaluated_key")));
	reply_free(&r);
	json_decref(seen);
	free(png);
	free(jobs);
}
END_TEST

/*
 * Another process holds the database's write lock: an upload waits its
 * bounded time, then answers 503 and leaves nothing; reads go on.
 */
START_TEST(test_database_busy)
{
	struct reply	 r;
	sqlite3		*db;
	char		 path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/imaged.db", test_daemon->data_dir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	upload_json(&r, "data/sample.png", "busy", "a.png", NULL);
	ck_assert_int_eq(r.status, 503);
	ck_assert_str_eq(reply_code(&r), "SERVICE_UNAVAILABLE");
	reply_free(&r);
	http_get(&r, "/images");
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	ck_assert_int_eq(bucket_files(), 0);
	ck_assert_int_eq(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	upload_json(&r, "data/sample.png", "busy", "a.png", NULL);
	ck_assert_int_eq(r.status, 201);
	reply_free(&r);
}
END_TEST

Suite *
concurrency_suite(void)
{
	Suite	*s = suite_create("concurrency");
	TCase	*tc = tcase_create("races");

	tcase_add_checked_fixture(tc, setup, harness_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_two_deletes);
	tcase_add_test(tc, test_delete_during_download);
	tcase_add_test(tc, test_hundred_uploads_one_user);
	tcase_add_test(tc, test_database_busy);
	suite_add_tcase(s, tc);
	return s;
}
