/*
 * check_log.c: access lines, text and JSON: every field there, outside
 * bytes escaped, one line whatever the path, JSON that parses.
 */
#include <check.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imaged/log.h"

Suite	*log_suite(void);

static struct access_entry
entry(const char *path)
{
	struct access_entry	 a = {
		.time = { 1796581146, 123456789 },
		.client = "127.0.0.1",
		.request_id = "0a1b2c3d-00000001",
		.method = "GET",
		.path = path,
		.status = 200,
		.bytes = 1234,
		.usec = 4567,
	};

	return a;
}

START_TEST(test_text_line)
{
	struct access_entry	 a = entry("/images/abc");
	char			 out[LOG_LINE_MIN * 4];
	size_t			 n;

	n = log_access_format(LOG_FORMAT_TEXT, &a, out, sizeof(out));
	ck_assert_uint_eq(n, strlen(out));
	ck_assert_str_eq(out, "imaged: 2026-12-06T18:19:06.123Z 127.0.0.1 "
	    "0a1b2c3d-00000001 GET /images/abc 200 1234 4.567ms\n");
}
END_TEST

START_TEST(test_json_line)
{
	struct access_entry	 a = entry("/images/abc");
	char			 out[LOG_LINE_MIN * 4];
	json_t			*j;

	a.status = 404;
	log_access_format(LOG_FORMAT_JSON, &a, out, sizeof(out));
	ck_assert_ptr_nonnull(j = json_loads(out, 0, NULL));
	ck_assert_str_eq(json_string_value(json_object_get(j, "time")),
	    "2026-12-06T18:19:06.123Z");
	ck_assert_str_eq(json_string_value(json_object_get(j, "client")),
	    "127.0.0.1");
	ck_assert_str_eq(json_string_value(json_object_get(j, "request_id")),
	    "0a1b2c3d-00000001");
	ck_assert_str_eq(json_string_value(json_object_get(j,
	    "method")), "GET");
	ck_assert_str_eq(json_string_value(json_object_get(j, "path")),
	    "/images/abc");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "status")), 404);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "bytes")), 1234);
	ck_assert(json_real_value(json_object_get(j, "duration_ms")) == 4.567);
	ck_assert_int_eq(out[strlen(out) - 1], '\n');
	json_decref(j);
}
END_TEST

/* Each byte that is not printable ASCII, and the quote, backslash, space. */
START_TEST(test_escaping)
{
	struct access_entry	 a = entry("/a b\"c\\d\n\x01\x7f\xc3\xa9");
	char			 out[LOG_LINE_MIN * 4];
	json_t			*j;

	log_access_format(LOG_FORMAT_TEXT, &a, out, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out,
	    " /a\\x20b\\x22c\\x5cd\\x0a\\x01\\x7f\\xc3\\xa9 200 "));
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
	log_access_format(LOG_FORMAT_JSON, &a, out, sizeof(out));
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
	ck_assert_ptr_nonnull(j = json_loads(out, 0, NULL));
	/*
	 * In JSON the space stays; the rest reads back as the
	 * text's escapes.
	 */
	ck_assert_str_eq(json_string_value(json_object_get(j, "path")),
	    "/a b\\x22c\\x5cd\\x0a\\x01\\x7f\\xc3\\xa9");
	json_decref(j);
}
END_TEST

/* A path of any length gives one line, cut and marked, JSON still valid. */
START_TEST(test_long_path)
{
	char			*path = malloc(100001);
	char			 out[LOG_LINE_MIN * 4];
	struct access_entry	 a;
	json_t			*j;
	size_t			 n;

	ck_assert_ptr_nonnull(path);
	memset(path, '\x02', 100000);
	path[100000] = '\0';
	a = entry(path);
	n = log_access_format(LOG_FORMAT_TEXT, &a, out, sizeof(out));
	ck_assert_uint_lt(n, sizeof(out));
	ck_assert_ptr_nonnull(strstr(out, "... 200 1234 4.567ms\n"));
	n = log_access_format(LOG_FORMAT_JSON, &a, out, sizeof(out));
	ck_assert_uint_lt(n, sizeof(out));
	ck_assert_ptr_nonnull(j = json_loads(out, 0, NULL));
	json_decref(j);
	/* The smallest buffer allowed still ends in a newline. */
	n = log_access_format(LOG_FORMAT_TEXT, &a, out, LOG_LINE_MIN);
	ck_assert_uint_le(n, LOG_LINE_MIN);
	ck_assert_int_eq(out[n - 1], '\n');
	free(path);
}
END_TEST

Suite *
log_suite(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("access");

	tcase_add_test(tc, test_text_line);
	tcase_add_test(tc, test_json_line);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_long_path);
	suite_add_tcase(s, tc);
	return s;
}
