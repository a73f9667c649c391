/*
 * check_router.c: path matching, stage prefixes, 404/405 and Allow.
 */
#include <check.h>
#include <string.h>

#include "imaged/router.h"

Suite	*router_suite(void);

static enum img_err
nop(struct imaged *ctx, const struct request *req, struct response *resp)
{
	(void)ctx;
	(void)req;
	(void)resp;
	return IMG_OK;
}

static const struct route table[] = {
	{ .method = HTTP_POST, .pattern = "/images", .handler = nop },
	{ .method = HTTP_GET, .pattern = "/images", .handler = nop },
	{ .method = HTTP_GET, .pattern = "/images/{image_id}", .handler = nop },
	{ .method = HTTP_DELETE, .pattern = "/images/{image_id}",
	    .handler = nop },
	{ .method = HTTP_GET, .pattern = "/blobs/{s3_key...}", .handler = nop },
	{ .method = HTTP_GET, .pattern = "/healthz", .handler = nop },
};

static const struct {
	enum http_method	 method;
	const char		*path;
	int			 status;
	int			 row;		/* the route found, -1 none */
	const char		*param;
	const char		*allow;
} cases[] = {
	{ HTTP_GET, "/images", 200, 1, NULL, "GET, HEAD, POST, OPTIONS" },
	{ HTTP_POST, "/images", 200, 0, NULL, NULL },
	{ HTTP_HEAD, "/images", 200, 1, NULL, NULL },
	{ HTTP_PUT, "/images", 405, -1, NULL, "GET, HEAD, POST, OPTIONS" },
	{ HTTP_OTHER, "/images", 405, -1, NULL, NULL },
	{ HTTP_OPTIONS, "/images", 200, -1, NULL, "GET, HEAD, POST, OPTIONS" },
	{ HTTP_GET, "/images/", 404, -1, NULL, NULL },
	{ HTTP_GET, "/images/abc", 200, 2, "abc",
	    "GET, HEAD, DELETE, OPTIONS" },
	{ HTTP_DELETE, "/images/abc", 200, 3, "abc", NULL },
	{ HTTP_POST, "/images/abc", 405, -1, NULL, NULL },
	{ HTTP_GET, "/images/abc/def", 404, -1, NULL, NULL },
	{ HTTP_GET, "/blobs/images/u/x.png", 200, 4, "images/u/x.png", NULL },
	{ HTTP_GET, "/blobs/", 404, -1, NULL, NULL },
	{ HTTP_GET, "/dev/images", 200, 1, NULL, NULL },
	{ HTTP_GET, "/dev/images/x", 200, 2, "x", NULL },
	{ HTTP_GET, "/dev/blobs/images/u/x.png", 200, 4,
	    "images/u/x.png", NULL },
	{ HTTP_GET, "/restapis/a1/dev/_user_request_/images", 200, 1,
	    NULL, NULL },
	{ HTTP_GET, "/restapis/a1/dev/_user_request_/healthz", 200, 5,
	    NULL, NULL },
	{ HTTP_GET, "/restapis//dev/_user_request_/images", 404, -1,
	    NULL, NULL },
	{ HTTP_GET, "/restapis/a1/prod/_user_request_/images", 404, -1,
	    NULL, NULL },
	{ HTTP_GET, "/restapis/a1/dev/images", 404, -1, NULL, NULL },
	{ HTTP_GET, "/prod/images", 404, -1, NULL, NULL },
	{ HTTP_GET, "/dev", 404, -1, NULL, NULL },
	{ HTTP_GET, "/", 404, -1, NULL, NULL },
	{ HTTP_GET, "", 404, -1, NULL, NULL },
	{ HTTP_GET, "/imagesx", 404, -1, NULL, NULL },
	{ HTTP_GET, "/healthz/", 404, -1, NULL, NULL },
};

START_TEST(test_match)
{
	struct route_match	 m;
	char			 allow[128];

	router_match(table, sizeof(table) / sizeof(table[0]), "dev",
	    cases[_i].method, cases[_i].path, &m);
	ck_assert_msg(m.status == cases[_i].status, "%s: %d", cases[_i].path,
	    m.status);
	if (cases[_i].row >= 0)
		ck_assert_ptr_eq(m.route, &table[cases[_i].row]);
	else
		ck_assert_ptr_null(m.route);
	if (cases[_i].param != NULL) {
		ck_assert(m.has_param);
		ck_assert_str_eq(m.param, cases[_i].param);
	}
	if (cases[_i].allow != NULL) {
		router_allow(m.allow, allow, sizeof(allow));
		ck_assert_str_eq(allow, cases[_i].allow);
	}
}
END_TEST

START_TEST(test_long_param)
{
	struct route_match	 m;
	char			 path[ROUTE_PARAM_MAX + 64];

	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	memcpy(path, "/images/", 8);
	router_match(table, sizeof(table) / sizeof(table[0]), "dev", HTTP_GET,
	    path, &m);
	ck_assert_int_eq(m.status, 404);
}
END_TEST

START_TEST(test_methods)
{
	ck_assert_int_eq(router_method("GET"), HTTP_GET);
	ck_assert_int_eq(router_method("PATCH"), HTTP_PATCH);
	ck_assert_int_eq(router_method("get"), HTTP_OTHER);
	ck_assert_int_eq(router_method("BREW"), HTTP_OTHER);
}
END_TEST

Suite *
router_suite(void)
{
	Suite	*s = suite_create("router");
	TCase	*tc = tcase_create("match");

	tcase_add_loop_test(tc, test_match, 0,
	    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_long_param);
	tcase_add_test(tc, test_methods);
	suite_add_tcase(s, tc);
	return s;
}
