/*
 * check_validate.c: the field rules of uploads and PATCH.
 */
#include <check.h>
#include <string.h>

#include "imaged/validate.h"

Suite	*validate_suite(void);

static const struct {
	const char	*s;
	bool		 ok;
} user_ids[] = {
	{ "user123", true }, { "a", true }, { "A.b_c-9", true },
	{ "...", true },
	{ "", false }, { ".", false }, { "..", false }, { "../x", false },
	{ "a/b", false }, { "a b", false }, { "ü", false }, { "a\\b", false },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    true },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    false },
};

START_TEST(test_user_ids)
{
	char	 msg[128];

	ck_assert_msg(valid_user_id(user_ids[_i].s, strlen(user_ids[_i].s), msg,
	    sizeof(msg)) == user_ids[_i].ok, "%s", user_ids[_i].s);
}
END_TEST

static const struct {
	const char	*s;
	const char	*ext;	/* NULL: refused */
} filenames[] = {
	{ "sunset.jpg", "jpg" }, { "A.JPEG", "jpeg" }, { "x.y.Png", "png" },
	{ "日本.webp", "webp" }, { "a b.gif", "gif" },
	{ "noext", NULL }, { "a.txt", NULL }, { "a.", NULL }, { ".png", "png" },
	{ "a/b.png", NULL }, { "a\\b.png", NULL }, { "a\x01.png", NULL },
	{ "a\x7f.png", NULL }, { "a\xc2\x85.png", NULL }, { "\xff.png", NULL },
	{ "", NULL },
};

START_TEST(test_filenames)
{
	struct config	 cfg;
	char		 ext[EXT_MAX + 1], msg[256];
	bool		 ok;

	config_defaults(&cfg);
	ok = valid_filename(&cfg, filenames[_i].s, strlen(filenames[_i].s), ext,
	    msg, sizeof(msg));
	ck_assert_msg(ok == (filenames[_i].ext != NULL), "%s: %s",
	    filenames[_i].s, msg);
	if (ok)
		ck_assert_str_eq(ext, filenames[_i].ext);
}
END_TEST

START_TEST(test_filename_length)
{
	struct config	 cfg;
	char		 name[300], ext[EXT_MAX + 1], msg[256];

	config_defaults(&cfg);
	memset(name, 'a', sizeof(name));
	memcpy(name + 251, ".png", 5);
	ck_assert(valid_filename(&cfg, name, 255, ext, msg, sizeof(msg)));
	memcpy(name + 252, ".png", 5);
	ck_assert(!valid_filename(&cfg, name, 256, ext, msg, sizeof(msg)));
}
END_TEST

START_TEST(test_text_fields)
{
	struct meta_input	 m;
	char			 msg[256], title[1100];
	size_t			 i;

	meta_input_init(&m);
	ck_assert(meta_set_text(&m, META_TITLE, "", 0, msg, sizeof(msg)));
	ck_assert_ptr_null(m.title);
	ck_assert(m.set & META_TITLE);
	/* 256 code points of 4 bytes each pass; 257 do not. */
	for (i = 0; i < 257; i++)
		memcpy(title + 4 * i, "\xf0\x9f\x98\x80", 4);
	ck_assert(meta_set_text(&m, META_TITLE, title, 256 * 4, msg,
	    sizeof(msg)));
	ck_assert(!meta_set_text(&m, META_TITLE, title, 257 * 4, msg,
	    sizeof(msg)));
	ck_assert(!meta_set_text(&m, META_LOCATION, "\xc3", 1, msg,
	    sizeof(msg)));
	ck_assert(meta_set_text(&m, META_DESCRIPTION, "ok", 2, msg,
	    sizeof(msg)));
	ck_assert_str_eq(m.description, "ok");
	meta_input_free(&m);
}
END_TEST

/*
 * Every row of the field table is reached by its name and set from
 * form text.
 */
START_TEST(test_field_table)
{
	struct meta_input	 m;
	const struct meta_field	*f;
	char			 msg[256];
	size_t			 i;
	unsigned		 all = 0;

	meta_input_init(&m);
	for (i = 0; i < meta_nfields; i++) {
		f = meta_field_find(meta_fields[i].name);
		ck_assert_ptr_eq(f, &meta_fields[i]);
		ck_assert(meta_set_form(&m, f, "a, b", 4, msg, sizeof(msg)));
		ck_assert(m.set & f->flag);
		all |= f->flag;
	}
	ck_assert_uint_eq(all, META_TITLE | META_DESCRIPTION | META_LOCATION |
	    META_TAGS);
	ck_assert_str_eq(m.title, "a, b");
	ck_assert_str_eq(m.location, "a, b");
	ck_assert_uint_eq(m.ntags, 2);
	ck_assert_ptr_null(meta_field_find("user_id"));
	ck_assert_ptr_null(meta_field_find("file"));
	f = meta_field_find("description");
	ck_assert(!meta_set_form(&m, f, "\xc3", 1, msg, sizeof(msg)));
	ck_assert_str_eq(msg, "description must be at most 4096 characters "
	    "of UTF-8");
	meta_input_free(&m);
}
END_TEST

START_TEST(test_tags)
{
	struct meta_input	 m;
	struct image_meta	 view;
	char			 msg[256], tag[8];
	int			 i;

	meta_input_init(&m);
	ck_assert(meta_add_tags_csv(&m, " beach, sunset ,,beach,Beach", msg,
	    sizeof(msg)));
	ck_assert_int_eq(m.ntags, 3);
	ck_assert(meta_view(&m, &view));
	ck_assert_str_eq(view.tags_json, "[\"beach\", \"sunset\", \"Beach\"]");
	ck_assert(!meta_add_tag(&m, "", 0, msg, sizeof(msg)));
	meta_input_free(&m);

	meta_input_init(&m);
	for (i = 0; i < TAGS_MAX; i++) {
		snprintf(tag, sizeof(tag), "t%d", i);
		ck_assert(meta_add_tag(&m, tag, strlen(tag), msg, sizeof(msg)));
	}
	ck_assert(meta_add_tag(&m, "t0", 2, msg, sizeof(msg)));
	ck_assert(!meta_add_tag(&m, "one-more", 8, msg, sizeof(msg)));
	meta_input_free(&m);
}
END_TEST

START_TEST(test_meta_json)
{
	static const struct {
		const char	*json;
		const char	*field;	/* NULL: accepted */
	} cases[] = {
		{ "{\"title\": \"T\", \"tags\": [\"a\"], \"extra\": 1}", NULL },
		{ "{\"title\": null, \"description\": null}", NULL },
		{ "{\"title\": 5}", "metadata.title" },
		{ "{\"description\": []}", "metadata.description" },
		{ "{\"location\": true}", "metadata.location" },
		{ "{\"tags\": \"a\"}", "metadata.tags" },
		{ "{\"tags\": [1]}", "metadata.tags" },
		{ "{\"tags\": [\"\"]}", "metadata.tags" },
	};
	struct meta_input	 m;
	json_t			*j;
	const char		*field;
	char			 msg[256];
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		meta_input_init(&m);
		j = json_loads(cases[i].json, 0, NULL);
		ck_assert_ptr_nonnull(j);
		field = NULL;
		ck_assert_msg(meta_from_json(&m, j, msg, sizeof(msg), &field) ==
		    (cases[i].field == NULL), "%s", cases[i].json);
		if (cases[i].field != NULL)
			ck_assert_str_eq(field, cases[i].field);
		json_decref(j);
		meta_input_free(&m);
	}
}
END_TEST

Suite *
validate_suite(void)
{
	Suite	*s = suite_create("validate");
	TCase	*tc = tcase_create("rules");

	tcase_add_loop_test(tc, test_user_ids, 0,
	    sizeof(user_ids) / sizeof(user_ids[0]));
	tcase_add_loop_test(tc, test_filenames, 0,
	    sizeof(filenames) / sizeof(filenames[0]));
	tcase_add_test(tc, test_filename_length);
	tcase_add_test(tc, test_text_fields);
	tcase_add_test(tc, test_field_table);
	tcase_add_test(tc, test_tags);
	tcase_add_test(tc, test_meta_json);
	suite_add_tcase(s, tc);
	return s;
}
