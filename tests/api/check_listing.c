/*
 * check_listing.c: GET /images filters over HTTP, and PATCH.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"

Suite	*listing_suite(void);

static json_t	*ids;	/* image_id by title, for the seeded images */

static void
seed(const char *user, const char *title, const char *tags, const char *loc)
{
	struct reply	 r;
	char		 meta[512];

	snprintf(meta, sizeof(meta), "{\"title\": \"%s\", \"tags\": %s, "
	    "\"location\": \"%s\"}", title, tags, loc);
	upload_json(&r, "data/sample.gif", user, "x.gif", meta);
	ck_assert_msg(r.status == 201, "%s", r.body.data);
	json_object_set(ids, title, json_object_get(r.json, "image_id"));
	reply_free(&r);
}

static void
setup(void)
{
	harness_start();
	ids = json_object();
	seed("ann", "Sunset at Goa", "[\"beach\", \"sunset\"]", "Goa");
	seed("ann", "Mountain dawn", "[\"mountain\"]", "Manali");
	seed("bob", "Beach party 100%", "[\"beach\", \"party\"]", "goa, India");
	seed("bob", "under_score 'quoted'", "[\"misc\"]", "Pune");
	seed("ann", "SUNSET again", "[\"sunset\"]", "Lisbon");
}

static void
teardown(void)
{
	json_decref(ids);
	harness_stop();
}

/* The titles a listing returns, in order, joined with '|'. */
static void
titles(const char *query, long *status, char *out, size_t outlen)
{
	struct reply	 r;
	json_t		*img;
	size_t		 i, len = 0;
	char		 path[12000];

	snprintf(path, sizeof(path), "/images%s", query);
	http_get(&r, path);
	*status = r.status;
	out[0] = '\0';
	json_array_foreach(json_object_get(r.json, "images"), i, img) {
		len += (size_t)snprintf(out + len, outlen - len, "%s%s",
		    i ? "|" : "",
		    json_string_value(json_object_get(img, "title")));
		if (len >= outlen)
			break;
	}
	if (r.status >= 400)
		snprintf(out, outlen, "%s:%s", reply_code(&r), reply_field(&r));
	reply_free(&r);
}

static const struct {
	const char	*query;
	long		 status;
	const char	*want;
} filters[] = {
	{ "?user_id=ann&order=asc", 200,
	  "Sunset at Goa|Mountain dawn|SUNSET again" },
	{ "?title=sunset", 200, "SUNSET again|Sunset at Goa" },
	{ "?title=SUN&user_id=ann", 200, "SUNSET again|Sunset at Goa" },
	{ "?title=su", 200, "SUNSET again|Sunset at Goa" },
	{ "?title=100%25", 200, "Beach party 100%" },
	{ "?title=_", 200, "under_score 'quoted'" },
	{ "?title=%27quoted%27", 200, "under_score 'quoted'" },
	{ "?title=%25", 200, "Beach party 100%" },
	{ "?location=goa", 200, "Beach party 100%|Sunset at Goa" },
	{ "?tags=beach", 200, "Beach party 100%|Sunset at Goa" },
	{ "?tags=beach,mountain&order=asc", 200,
	  "Sunset at Goa|Mountain dawn|Beach party 100%" },
	{ "?tags=beach&tags=mountain&order=asc", 200,
	  "Sunset at Goa|Mountain dawn|Beach party 100%" },
	{ "?tags=beach,sunset&tags_match=all", 200, "Sunset at Goa" },
	{ "?tags=Beach", 200, "" },
	{ "?tags=", 200, "SUNSET again|under_score 'quoted'|Beach party 100%|"
	  "Mountain dawn|Sunset at Goa" },
	{ "?tags=sunset&user_id=ann&title=again", 200, "SUNSET again" },
	{ "?created_after=2000-01-01&created_before=2999-12-31", 200,
	  "SUNSET again|under_score 'quoted'|Beach party 100%|Mountain dawn|"
	  "Sunset at Goa" },
	{ "?created_after=2999-01-01", 200, "" },
	{ "?created_after=2030-01-01&created_before=2020-01-01", 200, "" },
	{ "?created_before=2000-01-01T00:00:00Z", 200, "" },
	{ "?created_after=2026-02-30", 400, "VALIDATION_ERROR:created_after" },
	{ "?created_before=2026-01-01T10:00:00", 400,
	  "VALIDATION_ERROR:created_before" },
	{ "?tags_match=some&tags=a", 400, "VALIDATION_ERROR:tags_match" },
	{ "?order=sideways", 400, "VALIDATION_ERROR:order" },
	{ "?limit=0", 400, "VALIDATION_ERROR:limit" },
	{ "?limit=101", 400, "VALIDATION_ERROR:limit" },
	{ "?limit=abc", 400, "VALIDATION_ERROR:limit" },
	{ "?user_id=ann&unknown=1&limit=1&limit=2&order=asc", 200,
	  "Sunset at Goa|Mountain dawn" },
};

START_TEST(test_filters)
{
	char	 got[1024];
	long	 status;

	titles(filters[_i].query, &status, got, sizeof(got));
	ck_assert_msg(status == filters[_i].status, "%s: %ld",
	    filters[_i].query, status);
	ck_assert_msg(strcmp(got, filters[_i].want) == 0, "%s: got \"%s\"",
	    filters[_i].query, got);
}
END_TEST

START_TEST(test_filter_limits)
{
	char	 query[12000], got[256];
	long	 status;
	int	 i, n;

	/* 100 tags in one listing: a clear 400. */
	n = snprintf(query, sizeof(query), "?tags=t0");
	for (i = 1; i < 100; i++)
		n += snprintf(query + n, sizeof(query) - (size_t)n, ",t%d", i);
	titles(query, &status, got, sizeof(got));
	ck_assert_int_eq(status, 400);
	ck_assert_str_eq(got, "VALIDATION_ERROR:tags");
	/* A 10 KB title filter. */
	n = snprintf(query, sizeof(query), "?title=");
	memset(query + n, 'a', 10000);
	query[n + 10000] = '\0';
	titles(query, &status, got, sizeof(got));
	ck_assert_int_eq(status, 400);
	ck_assert_str_eq(got, "VALIDATION_ERROR:title");
}
END_TEST

/* Full pages under a filter, and a cursor that outlives filter changes. */
START_TEST(test_filtered_pages_are_full)
{
	struct reply	 r;
	char		 path[512];
	int		 i, total = 0, pages = 0;
	const char	*cursor = NULL;
	char		 cur[256] = "";

	for (i = 0; i < 30; i++)
		seed("cat", i % 3 == 0 ? "match" : "other", "[\"x\"]", "Here");
	do {
		snprintf(path, sizeof(path), "/images?title=match&limit=3%s%s",
		    cur[0] ? "&last_key=" : "", cur);
		http_get(&r, path);
		ck_assert_int_eq(r.status, 200);
		pages++;
		total +=
		    (int)json_integer_value(json_object_get(r.json, "count"));
		cursor = json_string_value(json_object_get(r.json,
		    "last_evaluated_key"));
		if (cursor != NULL)
			ck_assert_int_eq(json_integer_value(
			    json_object_get(r.json, "count")), 3);
		snprintf(cur, sizeof(cur), "%s", cursor != NULL ? cursor : "");
		reply_free(&r);
	} while (cur[0] != '\0');
	ck_assert_int_eq(total, 10);
	ck_assert_int_eq(pages, 4);
}
END_TEST

static void
patch(struct reply *r, const char *title, const char *body)
{
	static const char *const hdrs[] =
	    { "Content-Type: application/json", NULL };
	char	 path[128];

	snprintf(path, sizeof(path), "/images/%s",
	    json_string_value(json_object_get(ids, title)));
	http_do(r, "PATCH", path, hdrs, body, strlen(body));
}

START_TEST(test_patch)
{
	struct reply	 r, before;
	char		 path[128];
	long		 status;
	char		 got[512];

	snprintf(path, sizeof(path), "/images/%s",
	    json_string_value(json_object_get(ids, "Mountain dawn")));
	http_get(&before, path);
	patch(&r, "Mountain dawn", "{\"metadata\": {\"title\": \"Peak\", "
	    "\"description\": \"high\", \"tags\": [\"alps\", \"alps\"], "
	    "\"filename\": \"ignored.png\"}}");
	ck_assert_msg(r.status == 200, "%s", r.body.data);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "title")),
	    "Peak");
	ck_assert_str_eq(json_string_value(json_object_get(r.json,
	    "description")), "high");
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "location")),
	    "Manali");
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "tags")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "filename")),
	    "x.gif");
	ck_assert_str_eq(json_string_value(json_object_get(r.json,
	    "created_at")),
	    json_string_value(json_object_get(before.json, "created_at")));
	ck_assert(strcmp(json_string_value(json_object_get(r.json,
	    "updated_at")),
	    json_string_value(json_object_get(before.json, "updated_at"))) > 0);
	ck_assert_str_eq(json_string_value(json_object_get(r.json,
	    "checksum_sha256")),
	    json_string_value(json_object_get(before.json, "checksum_sha256")));
	reply_free(&r);
	reply_free(&before);

	/* The tag and text indexes follow. */
	titles("?tags=alps", &status, got, sizeof(got));
	ck_assert_str_eq(got, "Peak");
	titles("?tags=mountain", &status, got, sizeof(got));
	ck_assert_str_eq(got, "");
	titles("?title=peak", &status, got, sizeof(got));
	ck_assert_str_eq(got, "Peak");

	/* null clears; absent keys stay; {} still moves updated_at. */
	patch(&r, "Mountain dawn", "{\"metadata\": {\"description\": null, "
	    "\"tags\": null}}");
	ck_assert_int_eq(r.status, 200);
	ck_assert(json_is_null(json_object_get(r.json, "description")));
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "tags")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "title")),
	    "Peak");
	reply_free(&r);
	patch(&r, "Mountain dawn", "{\"metadata\": {}}");
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
}
END_TEST

START_TEST(test_patch_errors)
{
	static const struct {
		const char	*body;
		long		 status;
		const char	*field;
	} cases[] = {
		{ "{\"metadata\": {\"title\": 5}}", 400, "metadata.title" },
		{ "{\"metadata\": {\"tags\": [\"\"]}}", 400, "metadata.tags" },
		{ "{\"title\": \"x\"}", 400, "metadata" },
		{ "{\"metadata\": []}", 400, "metadata" },
		{ "[]", 400, "metadata" },
		{ "{", 400, "" },
		{ "", 400, "" },
	};
	static const char *const hdrs[] =
	    { "Content-Type: application/json", NULL };
	struct reply	 r;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		patch(&r, "Sunset at Goa", cases[i].body);
		ck_assert_msg(r.status == cases[i].status, "%s", cases[i].body);
		ck_assert_str_eq(reply_field(&r), cases[i].field);
		reply_free(&r);
	}
	/*
	 * Invalid metadata for an unknown id is 400: the body is
	 * judged first.
	 */
	http_do(&r, "PATCH", "/images/f47ac10b-58cc-4372-a567-0e02b2c3d479",
	    hdrs, "{\"metadata\": {\"title\": 5}}", 26);
	ck_assert_int_eq(r.status, 400);
	reply_free(&r);
	http_do(&r, "PATCH", "/images/f47ac10b-58cc-4372-a567-0e02b2c3d479",
	    hdrs, "{\"metadata\": {}}", 16);
	ck_assert_int_eq(r.status, 404);
	reply_free(&r);
}
END_TEST

Suite *
listing_suite(void)
{
	Suite	*s = suite_create("listing");
	TCase	*tc = tcase_create("filters");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_filters, 0,
	    (int)(sizeof(filters) / sizeof(filters[0])));
	tcase_add_test(tc, test_filter_limits);
	tcase_add_test(tc, test_filtered_pages_are_full);
	tcase_add_test(tc, test_patch);
	tcase_add_test(tc, test_patch_errors);
	suite_add_tcase(s, tc);
	return s;
}
