/*
 * check_console.c: console.c without a server: when the console is on,
 * the setting's values, and the embedded files' table.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "imaged/config.h"
#include "imaged/console.h"

Suite	*console_suite(void);

static const struct {
	const char	*console;
	const char	*listen;
	bool		 on;
} enabled_cases[] = {
	{ "auto", "127.0.0.1", true },
	{ "auto", "127.1.2.3", true },
	{ "auto", "::1", true },
	{ "auto", "::ffff:127.0.0.1", true },
	{ "auto", "0.0.0.0", false },
	{ "auto", "::", false },
	{ "auto", "192.168.1.10", false },
	{ "auto", "128.0.0.1", false },
	{ "auto", "::ffff:10.0.0.1", false },
	{ "on", "0.0.0.0", true },
	{ "ON", "192.168.1.10", true },
	{ "off", "127.0.0.1", false },
	{ "off", "::1", false },
};

START_TEST(test_enabled)
{
	struct config	 c;
	char		 msg[256];

	config_defaults(&c);
	ck_assert_msg(config_set(&c, "console", enabled_cases[_i].console,
	    "test", msg, sizeof(msg)), "%s", msg);
	ck_assert_msg(config_set(&c, "listen", enabled_cases[_i].listen,
	    "test", msg, sizeof(msg)), "%s", msg);
	ck_assert_msg(console_enabled(&c) == enabled_cases[_i].on,
	    "console = %s, listen = %s", enabled_cases[_i].console,
	    enabled_cases[_i].listen);
}
END_TEST

START_TEST(test_default_is_auto)
{
	struct config	 c;

	config_defaults(&c);
	ck_assert_int_eq(c.console, CONSOLE_AUTO);
	ck_assert(console_enabled(&c));		/* listen is 127.0.0.1 */
}
END_TEST

START_TEST(test_bad_value)
{
	struct config	 c, before;
	char		 msg[256];

	config_defaults(&c);
	before = c;
	ck_assert(!config_set(&c, "console", "maybe", "--console", msg,
	    sizeof(msg)));
	ck_assert_str_eq(msg, "--console: \"maybe\" is not auto, on or off");
	ck_assert(memcmp(&c, &before, sizeof(c)) == 0);
	ck_assert(!config_set(&c, "console", "", "--console", msg,
	    sizeof(msg)));
}
END_TEST

/* The build embedded the page and what it loads, each with an ETag. */
START_TEST(test_assets)
{
	const char	*names[] = { "index.html", "app.js", "style.css",
	    "icon.svg" };
	const struct console_asset *a;
	size_t		 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ck_assert_msg((a = console_find(names[i])) != NULL, "%s",
		    names[i]);
		ck_assert_uint_gt(a->len, 0);
		ck_assert_uint_eq(strlen(a->etag), 34);
		ck_assert(a->etag[0] == '"' && a->etag[33] == '"');
	}
	ck_assert_ptr_null(console_find("nope.js"));
	ck_assert_ptr_null(console_find(""));
	ck_assert_ptr_null(console_find(NULL));
	ck_assert_ptr_null(console_find("embed.sh"));
	/* Two different files never share an ETag. */
	ck_assert_str_ne(console_find("app.js")->etag,
	    console_find("style.css")->etag);
}
END_TEST

/* Every file the page loads ("console/NAME") is in the table. */
START_TEST(test_page_loads_only_embedded_files)
{
	const struct console_asset *page = console_find("index.html");
	const char	*p, *end, *stop;
	char		 name[64];
	size_t		 n = 0;

	ck_assert_ptr_nonnull(page);
	p = (const char *)page->data;
	stop = p + page->len;
	while (p < stop && (p = memmem(p, (size_t)(stop - p), "\"console/",
	    9)) != NULL) {
		p += 9;
		ck_assert_ptr_nonnull(end = memchr(p, '"', (size_t)(stop - p)));
		ck_assert_uint_lt((size_t)(end - p), sizeof(name));
		snprintf(name, sizeof(name), "%.*s", (int)(end - p), p);
		ck_assert_msg(console_find(name) != NULL, "index.html loads "
		    "console/%s, which is not embedded", name);
		n++;
	}
	ck_assert_uint_eq(n, 3);	/* the icon, the styles, the script */
}
END_TEST

Suite *
console_suite(void)
{
	Suite	*s = suite_create("console");
	TCase	*tc = tcase_create("console");

	tcase_add_loop_test(tc, test_enabled, 0,
	    sizeof(enabled_cases) / sizeof(enabled_cases[0]));
	tcase_add_test(tc, test_default_is_auto);
	tcase_add_test(tc, test_bad_value);
	tcase_add_test(tc, test_assets);
	tcase_add_test(tc, test_page_loads_only_embedded_files);
	suite_add_tcase(s, tc);
	return s;
}
