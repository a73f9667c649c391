/*
 * check_dynamo.c: records to DynamoDB items and back, the attribute type
 * rules, and the item reader over every file form it takes (scan output,
 * JSON lines, batch requests, gzipped) and over bytes that are none.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "imaged/dynamo.h"

Suite	*dynamo_suite(void);

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static const struct image_record sample = {
	.image_id = "f47ac10b-58cc-4372-a567-0e02b2c3d479",
	.user_id = "user123",
	.filename = "sunset.jpg",
	.s3_key = "images/user123/f47ac10b-58cc-4372-a567-0e02b2c3d479.jpg",
	.content_type = "image/jpeg",
	.checksum_sha256 =
	    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	.file_size = 48213,
	.width = 640, .height = 480,
	.title = "Sunset", .description = NULL, .location = "Goa",
	.tags_json = "[\"beach\", \"sunset\"]",
	.created_at = 1795556425123456,
	.updated_at = 1795556425123457,
};

START_TEST(test_round_trip)
{
	struct dynamo_image	 im;
	json_t			*item = dynamo_item_from_record(&sample);
	char			 msg[256];
	int64_t			 t;

	ck_assert_ptr_nonnull(item);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(item,
	    "file_size"), "N")), "48213");
	ck_assert_ptr_null(json_object_get(item, "description"));
	ck_assert(json_is_array(json_object_get(json_object_get(item,
	    "tags"), "L")));
	ck_assert_msg(dynamo_image_parse(item, &im, msg, sizeof(msg)),
	    "%s", msg);
	ck_assert_str_eq(im.image_id, sample.image_id);
	ck_assert_str_eq(im.s3_key, sample.s3_key);
	ck_assert_str_eq(im.sha256, sample.checksum_sha256);
	ck_assert_int_eq(im.file_size, 48213);
	ck_assert_ptr_null(im.description);
	ck_assert_uint_eq(im.ntags, 2);
	ck_assert_str_eq(dynamo_image_tag(&im, 1), "sunset");
	ck_assert(dynamo_time_parse(im.created_at, &t));
	ck_assert_int_eq(t, sample.created_at);
	ck_assert(dynamo_time_parse(im.updated_at, &t));
	ck_assert_int_eq(t, sample.updated_at);
	json_decref(item);
}
END_TEST

#define BASE	"\"image_id\": {\"S\": \"i\"}, " \
		"\"user_id\": {\"S\": \"u\"}, " \
		"\"s3_key\": {\"S\": \"k\"}, " \
		"\"filename\": {\"S\": \"f.png\"}, " \
		"\"content_type\": {\"S\": \"image/png\"}, " \
		"\"created_at\": {\"S\": \"2025-01-01T00:00:00\"}"

static const struct {
	const char	*json;
	const char	*msg;	/* NULL: accepted */
} parses[] = {
	{ "{" BASE ", \"file_size\": {\"N\": \"12\"}}", NULL },
	{ "{" BASE ", \"file_size\": {\"N\": \"12\"}, \"tags\": {\"SS\": "
	  "[\"a\"]}, \"title\": {\"NULL\": true}}", NULL },
	{ "{" BASE "}", "file_size: missing" },
	{ "{" BASE ", \"file_size\": {\"S\": \"12\"}}",
	  "file_size: expected a number (N)" },
	{ "{" BASE ", \"file_size\": {\"N\": \"1.5\"}}",
	  "file_size: expected a whole number" },
	{ "{" BASE ", \"file_size\": {\"N\": \"-3\"}}",
	  "file_size: expected a whole number" },
	{ "{" BASE ", \"file_size\": {\"N\": \"99999999999999999999\"}}",
	  "file_size: expected a whole number" },
	{ "{" BASE ", \"file_size\": {\"N\": \"1\"}, \"title\": {\"N\": "
	  "\"1\"}}", "title: expected a string (S)" },
	{ "{" BASE ", \"file_size\": {\"N\": \"1\"}, \"title\": \"bare\"}",
	  "title: expected a string (S)" },
	{ "{" BASE ", \"file_size\": {\"N\": \"1\"}, \"title\": {\"S\": \"a\", "
	  "\"N\": \"1\"}}", "title: expected a string (S)" },
	{ "{" BASE ", \"file_size\": {\"N\": \"1\"}, \"tags\": {\"L\": "
	  "[{\"N\": \"1\"}]}}", "tags: expected a list of strings (L of S)" },
	{ "{" BASE ", \"file_size\": {\"N\": \"1\"}, \"tags\": {\"S\": \"a\"}}",
	  "tags: expected a list of strings (L of S)" },
	{ "{" BASE ", \"file_size\": {\"N\": \"1\"}, \"tags\": {\"SS\": [1]}}",
	  "tags: expected a list of strings (L of S)" },
	{ "{\"user_id\": {\"S\": \"u\"}}", "image_id: missing" },
	{ "{\"image_id\": {\"NULL\": true}}", "image_id: missing" },
	{ "{\"image_id\": {\"S\": \"a\\u0000b\"}}",
	  "image_id: expected a string (S)" },
	{ "[]", "an item must be an object" },
};

START_TEST(test_parse)
{
	struct dynamo_image	 im;
	json_t			*item;
	char			 msg[256] = "";
	bool			 ok;

	item = json_loads(parses[_i].json,
	    JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	ck_assert_ptr_nonnull(item);
	ok = dynamo_image_parse(item, &im, msg, sizeof(msg));
	if (parses[_i].msg == NULL)
		ck_assert_msg(ok, "%s: %s", parses[_i].json, msg);
	else {
		ck_assert_msg(!ok, "%s accepted", parses[_i].json);
		ck_assert_msg(strstr(msg, parses[_i].msg) != NULL, "%s: \"%s\"",
		    parses[_i].json, msg);
	}
	json_decref(item);
}
END_TEST

static const struct {
	const char	*s;
	int64_t		 usec;	/* -1: refused */
} times[] = {
	{ "2026-11-24T21:40:25.123456Z", 1795556425123456 },
	{ "2026-11-24T21:40:25.123456", 1795556425123456 },
	{ "2026-11-24T23:40:25.123456+02:00", 1795556425123456 },
	{ "2026-11-24T21:40:25", 1795556425000000 },
	{ "2026-11-24 21:40:25", -1 },
	{ "yesterday", -1 },
	{ "", -1 },
	{ "2026-02-30T00:00:00Z", -1 },
};

START_TEST(test_time)
{
	int64_t	 t = 0;
	bool	 ok = dynamo_time_parse(times[_i].s, &t);

	ck_assert_msg(ok == (times[_i].usec >= 0), "%s", times[_i].s);
	if (ok)
		ck_assert_int_eq(t, times[_i].usec);
}
END_TEST

/* Write text to a temp file (gzipped when gz) and return its path. */
static char *
temp_file(const char *text, bool gz)
{
	char	*path = strdup("/tmp/check-dynamo.XXXXXX");
	int	 fd = mkstemp(path);
	gzFile	 g;

	ck_assert_int_ne(fd, -1);
	if (gz) {
		g = gzdopen(fd, "wb");
		ck_assert_int_eq(gzwrite(g, text, (unsigned)strlen(text)),
		    (int)strlen(text));
		gzclose(g);
	} else {
		ck_assert_int_eq(write(fd, text, strlen(text)),
		    (ssize_t)strlen(text));
		close(fd);
	}
	return path;
}

#define ITEM(id)	"{\"image_id\": {\"S\": \"" id "\"}}"

static const struct {
	const char	*name;
	const char	*text;
	const char	*ids;	/* the image ids read, space-separated */
	const char	*err;	/* NULL: read to the end */
} files[] = {
	{ "scan output", "{\n  \"Items\": [\n    " ITEM("a") ",\n    " ITEM("b")
	  "\n  ],\n  \"Count\": 2,\n  \"ScannedCount\": 2,\n"
	  "  \"ConsumedCapacity\": null\n}\n", "a b", NULL },
	{ "empty scan", "{\"Items\": [], \"Count\": 0}", "", NULL },
	{ "JSON lines",
	  "{\"Item\": " ITEM("a") "}\n{\"Item\": " ITEM("b") "}\n",
	  "a b", NULL },
	{ "batch request", "{\"ImageMetadata\": [{\"PutRequest\": {\"Item\": "
	  ITEM("a") "}}, {\"DeleteRequest\": {\"Key\": {}}}, {\"PutRequest\": "
	  "{\"Item\": " ITEM("b") "}}]}", "a b", NULL },
	{ "strings with braces",
	  "{\"Item\": {\"image_id\": {\"S\": \"}]\\\"{[\"}}}", "}]\"{[", NULL },
	{ "empty file", "", "", NULL },
	{ "not JSON", "this is not JSON", "", "line 1: not DynamoDB JSON" },
	{ "a top-level array", "[1, 2]", "", "not DynamoDB JSON" },
	{ "cut short", "{\"Items\": [" ITEM("a") ", {\"image_id\": {\"S\"", "a",
	  "ends inside a value" },
	{ "bad JSON inside", "{\"Item\": {\"image_id\": {\"S\": tru}}}", "",
	  "line 1: not JSON" },
	{ "a second line broken",
	  "{\"Item\": " ITEM("a") "}\n{\"Item\" " ITEM("b")
	  "}\n", "a", "line 2: not JSON: expected ':'" },
	{ "Items not objects", "{\"Items\": [1]}", "", "not an object" },
	{ "Item not an object", "{\"Item\": \"x\"}", "", "not an object" },
	{ "missing comma", "{\"Count\": 1 \"Items\": []}", "", "expected ','" },
};

static void
read_all(const char *path, char *ids, size_t idslen, int *last, char *msg,
    size_t msglen)
{
	struct dynamo_reader	*r;
	json_t			*item;
	const char		*id;

	ids[0] = '\0';
	ck_assert_int_eq(dynamo_reader_open(path, &r), IMG_OK);
	while ((*last = dynamo_reader_next(r, &item, msg, msglen)) == 1) {
		id = json_string_value(json_object_get(json_object_get(item,
		    "image_id"), "S"));
		ck_assert_ptr_nonnull(id);
		if (ids[0] != '\0')
			strncat(ids, " ", idslen - strlen(ids) - 1);
		strncat(ids, id, idslen - strlen(ids) - 1);
		json_decref(item);
	}
	dynamo_reader_close(r);
}

START_TEST(test_reader)
{
	char	*path;
	char	 ids[256], msg[256] = "";
	int	 last, gz;

	for (gz = 0; gz < 2; gz++) {
		path = temp_file(files[_i].text, gz);
		read_all(path, ids, sizeof(ids), &last, msg, sizeof(msg));
		ck_assert_msg(strcmp(ids, files[_i].ids) == 0,
		    "%s: read \"%s\"", files[_i].name, ids);
		if (files[_i].err == NULL)
			ck_assert_msg(last == 0, "%s: %s", files[_i].name, msg);
		else {
			ck_assert_msg(last == -1, "%s: no error",
			    files[_i].name);
			ck_assert_msg(strstr(msg, files[_i].err) != NULL,
			    "%s: \"%s\"", files[_i].name, msg);
		}
		unlink(path);
		free(path);
	}
}
END_TEST

START_TEST(test_missing_file)
{
	struct dynamo_reader	*r = NULL;

	ck_assert_int_eq(dynamo_reader_open("/nonexistent/items.json", &r),
	    IMG_ENOTFOUND);
	ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_value_cap)
{
	size_t	 n = DYNAMO_VALUE_MAX + 100, i;
	char	*text = malloc(n + 64), *path;
	char	 ids[64], msg[256] = "";
	int	 last;

	ck_assert_ptr_nonnull(text);
	i = (size_t)snprintf(text, 64, "{\"Item\": {\"image_id\": {\"S\": \"");
	memset(text + i, 'x', n);
	memcpy(text + i + n, "\"}}}", 5);
	path = temp_file(text, false);
	read_all(path, ids, sizeof(ids), &last, msg, sizeof(msg));
	ck_assert_int_eq(last, -1);
	ck_assert_msg(strstr(msg, "larger than") != NULL, "%s", msg);
	unlink(path);
	free(path);
	free(text);
}
END_TEST

Suite *
dynamo_suite(void)
{
	Suite	*s = suite_create("dynamo");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_round_trip);
	tcase_add_loop_test(tc, test_parse, 0, NITEMS(parses));
	tcase_add_loop_test(tc, test_time, 0, NITEMS(times));
	tcase_add_loop_test(tc, test_reader, 0, NITEMS(files));
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_value_cap);
	suite_add_tcase(s, tc);
	return s;
}
