/*
 * check_console_http.c: the console over HTTP: / and /console/{name}
 * serve the embedded files with their type, ETag (304 on a match) and
 * Content-Security-Policy; console = off makes them 404; the page needs
 * no token even with auth = token.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "imaged/console.h"

Suite	*console_http_suite(void);

static void
assert_is(const struct reply *r, const struct console_asset *a,
    const char *type)
{
	ck_assert_int_eq(r->status, 200);
	ck_assert_str_eq(reply_header(r, "Content-Type"), type);
	ck_assert_str_eq(reply_header(r, "ETag"), a->etag);
	ck_assert_str_eq(reply_header(r, "Cache-Control"), "no-cache");
	ck_assert_uint_eq(r->body.len, a->len);
	ck_assert(memcmp(r->body.data, a->data, a->len) == 0);
}

START_TEST(test_page)
{
	struct reply	 r;
	const char	*csp;

	http_get(&r, "/");
	assert_is(&r, console_find("index.html"), "text/html; charset=utf-8");
	ck_assert_ptr_nonnull(csp = reply_header(&r,
	    "Content-Security-Policy"));
	ck_assert_ptr_nonnull(strstr(csp, "default-src 'self'"));
	ck_assert_ptr_nonnull(strstr(csp, "script-src 'self';"));
	ck_assert_ptr_nonnull(strstr(csp, "style-src 'self';"));
	ck_assert_ptr_nonnull(strstr(csp, "frame-ancestors 'none'"));
	ck_assert_ptr_null(strstr(csp, "unsafe"));
	ck_assert_str_eq(reply_header(&r, "X-Content-Type-Options"), "nosniff");
	ck_assert_ptr_nonnull(strstr(r.body.data,
	    "<script src=\"console/app.js\" defer></script>"));
	/* No script or style inside the page: the CSP would refuse it. */
	ck_assert_ptr_null(strstr(r.body.data, "<script>"));
	ck_assert_ptr_null(strstr(r.body.data, "<style"));
	ck_assert_ptr_null(strstr(r.body.data, " style="));
	ck_assert_ptr_null(strstr(r.body.data, " onclick="));
	reply_free(&r);

	/* Under the stage prefixes too, as every route. */
	http_get(&r, "/dev/");
	assert_is(&r, console_find("index.html"), "text/html; charset=utf-8");
	reply_free(&r);
}
END_TEST

static const struct {
	const char	*if_none_match;
	long		 status;
} etag_cases[] = {
	{ "%s", 304 },
	{ "W/%s", 304 },
	{ "\"0000\", %s", 304 },
	{ "*", 304 },
	{ "\"0000\"", 200 },
	{ "", 200 },
};

START_TEST(test_etag)
{
	const struct console_asset *a = console_find("app.js");
	struct reply	 r;
	char		 h[256], v[200];
	const char	*hdrs[] = { h, NULL };

	/* The case's text, with the asset's ETag where it says %s. */
	snprintf(v, sizeof(v), "%s", etag_cases[_i].if_none_match);
	if (strstr(v, "%s") != NULL) {
		char	*at = strstr(v, "%s");

		snprintf(h, sizeof(h), "If-None-Match: %.*s%s%s",
		    (int)(at - v), v, a->etag, at + 2);
	} else
		snprintf(h, sizeof(h), "If-None-Match: %s", v);
	http_do(&r, "GET", "/console/app.js", hdrs, NULL, 0);
	ck_assert_msg(r.status == etag_cases[_i].status, "%s: %ld", h,
	    r.status);
	ck_assert_str_eq(reply_header(&r, "ETag"), a->etag);
	if (r.status == 304)
		ck_assert_uint_eq(r.body.len, 0);
	else
		ck_assert_uint_eq(r.body.len, a->len);
	reply_free(&r);
}
END_TEST

START_TEST(test_files)
{
	struct reply	 r;

	http_get(&r, "/console/app.js");
	assert_is(&r, console_find("app.js"), "text/javascript; charset=utf-8");
	ck_assert_ptr_nonnull(reply_header(&r, "Content-Security-Policy"));
	reply_free(&r);
	http_get(&r, "/console/style.css");
	assert_is(&r, console_find("style.css"), "text/css; charset=utf-8");
	reply_free(&r);
	http_get(&r, "/console/icon.svg");
	assert_is(&r, console_find("icon.svg"), "image/svg+xml");
	reply_free(&r);
	http_do(&r, "HEAD", "/", NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body.len, 0);
	reply_free(&r);
}
END_TEST

/* Unknown names, and names that try to leave the table. */
static const char *const missing[] = {
	"/console/nope.js", "/console/", "/console", "/console/app.js/x",
	"/console/%2e%2e", "/console/%2e%2e%2fapi.c", "/console/embed.sh",
	"/index.html", "/console/APP.JS",
};

START_TEST(test_missing)
{
	struct reply	 r;

	http_get(&r, missing[_i]);
	ck_assert_msg(r.status == 404, "%s: %ld", missing[_i], r.status);
	ck_assert_str_eq(reply_code(&r), "NOT_FOUND");
	reply_free(&r);
}
END_TEST

START_TEST(test_methods)
{
	struct reply	 r;

	http_do(&r, "POST", "/", NULL, "x", 1);
	ck_assert_int_eq(r.status, 405);
	ck_assert_str_eq(reply_header(&r, "Allow"), "GET, HEAD, OPTIONS");
	ck_assert_str_eq(reply_code(&r), "METHOD_NOT_ALLOWED");
	reply_free(&r);
}
END_TEST

START_TEST(test_off)
{
	const char *const settings[] = { "console=off", NULL };
	struct reply	 r;

	harness_start_with(settings);
	http_get(&r, "/");
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(reply_code(&r), "NOT_FOUND");
	ck_assert_ptr_null(reply_header(&r, "Content-Security-Policy"));
	reply_free(&r);
	http_get(&r, "/console/app.js");
	ck_assert_int_eq(r.status, 404);
	reply_free(&r);
	http_get(&r, "/images");	/* the API is not touched */
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	harness_stop();
}
END_TEST

START_TEST(test_on_any_address)
{
	const char *const settings[] = { "console=on", "listen=0.0.0.0", NULL };
	struct reply	 r;

	harness_start_with(settings);
	http_get(&r, "/");
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	harness_stop();
}
END_TEST

/* With auth = token the page loads without one: it asks for it. */
START_TEST(test_token_mode)
{
	const char *const settings[] = { "auth=token", NULL };
	struct reply	 r;

	harness_start_with(settings);
	http_get(&r, "/");
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	http_get(&r, "/console/app.js");
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	http_get(&r, "/images");
	ck_assert_int_eq(r.status, 401);
	reply_free(&r);
	harness_stop();
}
END_TEST

Suite *
console_http_suite(void)
{
	Suite	*s = suite_create("console_http");
	TCase	*tc = tcase_create("served");
	TCase	*modes = tcase_create("modes");

	tcase_add_checked_fixture(tc, harness_start, harness_stop);
	tcase_add_test(tc, test_page);
	tcase_add_loop_test(tc, test_etag, 0,
	    sizeof(etag_cases) / sizeof(etag_cases[0]));
	tcase_add_test(tc, test_files);
	tcase_add_loop_test(tc, test_missing, 0,
	    sizeof(missing) / sizeof(missing[0]));
	tcase_add_test(tc, test_methods);
	suite_add_tcase(s, tc);
	tcase_add_test(modes, test_off);
	tcase_add_test(modes, test_on_any_address);
	tcase_add_test(modes, test_token_mode);
	suite_add_tcase(s, modes);
	return s;
}
