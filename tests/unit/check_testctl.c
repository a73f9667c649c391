/*
 * check_testctl.c: fault rules and the request journal of test_mode,
 * without a server.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "imaged/strict.h"
#include "imaged/testctl.h"

Suite	*testctl_suite(void);

static struct testctl	*t;

static void
setup(void)
{
	ck_assert_int_eq(testctl_new(&t), IMG_OK);
}

static void
teardown(void)
{
	testctl_free(t);
	t = NULL;
}

START_TEST(test_rules_match)
{
	struct fault_rule	 r = { 0 };
	struct fault_hit	 hit;

	r.methods = HTTP_POST;
	snprintf(r.path, sizeof(r.path), "/images");
	r.status = 503;
	r.times = 2;
	ck_assert_int_eq(testctl_fault_add(t, &r), IMG_OK);
	memset(&r, 0, sizeof(r));
	r.methods = HTTP_GET | HTTP_HEAD;
	snprintf(r.path, sizeof(r.path), "/images/*");
	r.delay_ms = 5;
	ck_assert_int_eq(testctl_fault_add(t, &r), IMG_OK);

	ck_assert(!testctl_fault(t, HTTP_GET, "/images", &hit));
	ck_assert(!testctl_fault(t, HTTP_POST, "/images/x", &hit));
	ck_assert(testctl_fault(t, HTTP_POST, "/images", &hit));
	ck_assert_int_eq(hit.status, 503);
	ck_assert(testctl_fault(t, HTTP_POST, "/images", &hit));
	/* used up */
	ck_assert(!testctl_fault(t, HTTP_POST, "/images", &hit));
	ck_assert(testctl_fault(t, HTTP_HEAD, "/images/abc", &hit));
	ck_assert_int_eq(hit.delay_ms, 5);
	ck_assert_int_eq(hit.status, 0);
	testctl_faults_clear(t);
	ck_assert(!testctl_fault(t, HTTP_HEAD, "/images/abc", &hit));
}
END_TEST

START_TEST(test_control_routes_never_faulted)
{
	struct fault_rule	 r = { 0 };
	struct fault_hit	 hit;
	int			 i;

	r.reset_connection = true;
	ck_assert_int_eq(testctl_fault_add(t, &r), IMG_OK);
	ck_assert(testctl_fault(t, HTTP_GET, "/anything", &hit));
	ck_assert(hit.reset_connection);
	ck_assert(!testctl_fault(t, HTTP_POST, "/_imaged/faults", &hit));
	ck_assert(!testctl_fault(t, HTTP_GET, NULL, &hit));
	for (i = 1; i < FAULTS_MAX; i++)
		ck_assert_int_eq(testctl_fault_add(t, &r), IMG_OK);
	ck_assert_int_eq(testctl_fault_add(t, &r), IMG_EINVAL);
}
END_TEST

START_TEST(test_journal_ring)
{
	const struct query_param q[] = { { "tags", "a" }, { "user_id", "u\"" },
	    { "tags", "b" } };
	struct buf	 b;
	json_t		*j, *reqs;
	char		 path[32];
	int		 i;

	testctl_record(t, "GET", "/_imaged/clock", "/_imaged/clock", NULL, 0,
	    200, 1, "c");
	for (i = 0; i < JOURNAL_MAX + 5; i++) {
		snprintf(path, sizeof(path), "/p%d", i);
		testctl_record(t, "GET", path, path, q, 3, 200, 1500, "id");
	}
	buf_init(&b, 1 << 22);
	ck_assert_int_eq(testctl_journal_json(t, &b, JOURNAL_MAX), IMG_OK);
	ck_assert_ptr_nonnull(j = json_loadb(b.data, b.len, 0, NULL));
	reqs = json_object_get(j, "requests");
	ck_assert_int_eq(json_array_size(reqs), JOURNAL_MAX);
	/* The oldest went first; the control route never came in. */
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(reqs,
	    0), "path")), "/p5");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_array_get(reqs, 0), "query"), "user_id")), "u\"");
	ck_assert_int_eq(json_array_size(json_object_get(json_object_get(
	    json_array_get(reqs, 0), "query"), "tags")), 2);
	ck_assert(json_real_value(json_object_get(json_array_get(reqs, 0),
	    "duration_ms")) == 1.5);
	json_decref(j);
	buf_reset(&b);
	ck_assert_int_eq(testctl_journal_json(t, &b, 2), IMG_OK);
	ck_assert_ptr_nonnull(strstr(b.data, "\"/p1004\""));
	ck_assert_ptr_null(strstr(b.data, "\"/p1002\""));
	testctl_journal_clear(t);
	buf_reset(&b);
	ck_assert_int_eq(testctl_journal_json(t, &b, JOURNAL_MAX), IMG_OK);
	ck_assert_ptr_nonnull(strstr(b.data, "\"count\": 0"));
	buf_free(&b);
}
END_TEST

START_TEST(test_strict_filters)
{
	const char *const tags[] = { "beach", "sun" };
	struct list_query	 q = { 0 }, index;
	struct image_record	 r = { 0 };

	q.created_after = INT64_MIN;
	q.created_before = INT64_MAX;
	q.title = "SUN";
	q.tags = tags;
	q.ntags = 2;
	r.title = "Sunset";
	r.tags_json = "[\"beach\"]";
	ck_assert(strict_matches(&q, &r));
	q.tags_all = true;
	ck_assert(!strict_matches(&q, &r));
	r.tags_json = "[\"sun\", \"beach\"]";
	ck_assert(strict_matches(&q, &r));
	q.location = "goa";
	ck_assert(!strict_matches(&q, &r));
	/* What the index reads: no filters; dates only under a user. */
	q.created_after = 5;
	strict_index_query(&q, &index);
	ck_assert_ptr_null(index.title);
	ck_assert_int_eq(index.ntags, 0);
	ck_assert_int_eq(index.created_after, INT64_MIN);
	q.user_id = "u";
	strict_index_query(&q, &index);
	ck_assert_int_eq(index.created_after, 5);
}
END_TEST

Suite *
testctl_suite(void)
{
	Suite	*s = suite_create("testctl");
	TCase	*tc = tcase_create("testctl");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rules_match);
	tcase_add_test(tc, test_control_routes_never_faulted);
	tcase_add_test(tc, test_journal_ring);
	tcase_add_test(tc, test_strict_filters);
	suite_add_tcase(s, tc);
	return s;
}
