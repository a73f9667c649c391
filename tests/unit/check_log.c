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
#include <time.h>

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

/*
 * The time, status, bytes and duration as strftime and printf wrote
 * them, over times that go forward and back a second, a day, years.
 */
START_TEST(test_numbers_as_printf)
{
	static const time_t	 secs[] = { 0, 1796581146, 1796581147,
				    1796581146, 1796581146 + 86400, 951782400,
				    4102444799, 1796581146 };
	static const uint64_t	 usecs[] = { 0, 1, 9, 10, 999, 1000, 1001,
				    4567, 99999, 1000000, 123456789012 };
	struct access_entry	 a = entry("/p");
	struct tm		 tm;
	char			 out[LOG_LINE_MIN * 4], want[LOG_LINE_MIN];
	char			 when[40];
	size_t			 i, k;

	for (i = 0; i < sizeof(secs) / sizeof(secs[0]); i++)
		for (k = 0; k < sizeof(usecs) / sizeof(usecs[0]); k++) {
			a.time.tv_sec = secs[i];
			a.time.tv_nsec = (long)(usecs[k] % 1000000000);
			a.usec = usecs[k];
			a.bytes = usecs[k] * 7;
			a.status = k % 2 ? 200 : 503;
			gmtime_r(&a.time.tv_sec, &tm);
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
			snprintf(want, sizeof(want), "imaged: %s.%03ldZ "
			    "127.0.0.1 0a1b2c3d-00000001 GET /p %d %llu "
			    "%.3fms\n", when, a.time.tv_nsec / 1000000,
			    a.status, (unsigned long long)a.bytes,
			    (double)a.usec / 1000.0);
			log_access_format(LOG_FORMAT_TEXT, &a, out,
			    sizeof(out));
			ck_assert_str_eq(out, want);
			snprintf(want, sizeof(want), "\"path\": \"/p\", "
			    "\"status\": %d, \"bytes\": %llu, "
			    "\"duration_ms\": %.3f}\n", a.status,
			    (unsigned long long)a.bytes,
			    (double)a.usec / 1000.0);
			log_access_format(LOG_FORMAT_JSON, &a, out,
			    sizeof(out));
			ck_assert_str_eq(out + strlen(out) - strlen(want),
			    want);
		}
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
	tcase_add_test(tc, test_numbers_as_printf);
	suite_add_tcase(s, tc);
	return s;
}
