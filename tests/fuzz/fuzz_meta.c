/*
 * fuzz_meta.c: the field rules of validate.h.
 *
 * The input is parsed as JSON (the PATCH body or the upload's metadata
 * object) and handed to meta_from_json and meta_view; the raw bytes are
 * also checked as a user_id, a filename, a comma-separated tag list and
 * each text field.  What the rules accept must obey them: the tags' JSON
 * parses back to the distinct tags, lengths stay within their caps, an
 * accepted user_id or filename has only the characters allowed.  utf8_valid
 * is compared with jansson's own UTF-8 check.
 */
#include <stdbool.h>

#include <jansson.h>

#include "imaged/config.h"
#include "imaged/validate.h"

#include "fuzz.h"

static struct config	 cfg;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	config_defaults(&cfg);
	return 0;
}

/* Code points of valid UTF-8: the bytes that do not continue one. */
static size_t
cps_of(const char *s, size_t len)
{
	size_t	 i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static void
check_text(const char *s, size_t max)
{
	size_t	 cps;

	if (s == NULL)
		return;
	FUZZ_CHECK(*s != '\0');
	FUZZ_CHECK(utf8_valid(s, strlen(s), &cps));
	FUZZ_CHECK(cps <= max);
}

/* A finished meta_input: every rule holds, and tags_json says the same. */
static void
check_meta(struct meta_input *m)
{
	struct image_meta	 view;
	json_error_t		 jerr;
	json_t			*tags;
	size_t			 i, j, cps;

	FUZZ_CHECK(m->ntags <= TAGS_MAX);
	check_text(m->title, TITLE_MAX);
	check_text(m->description, DESCRIPTION_MAX);
	check_text(m->location, LOCATION_MAX);
	for (i = 0; i < m->ntags; i++) {
		FUZZ_CHECK(m->tags[i][0] != '\0');
		FUZZ_CHECK(utf8_valid(m->tags[i], strlen(m->tags[i]), &cps));
		FUZZ_CHECK(cps <= TAG_MAX);
		for (j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(m->tags[i], m->tags[j]) != 0);
	}
	FUZZ_CHECK(meta_view(m, &view));
	FUZZ_CHECK(view.ntags == m->ntags);
	FUZZ_CHECK(view.title == m->title);
	tags = json_loads(view.tags_json, 0, &jerr);
	FUZZ_CHECK(json_is_array(tags));
	FUZZ_CHECK(json_array_size(tags) == m->ntags);
	for (i = 0; i < m->ntags; i++)
		FUZZ_CHECK(json_is_string(json_array_get(tags, i)) &&
		    strcmp(json_string_value(json_array_get(tags, i)),
		    m->tags[i]) == 0);
	json_decref(tags);
}

static void
fuzz_json(const uint8_t *data, size_t size)
{
	struct meta_input	 m;
	json_error_t		 jerr;
	json_t			*doc, *obj;
	const char		*field = NULL;
	char			 msg[256];

	doc = json_loadb((const char *)data, size,
	    JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return;
	}
	/* A whole PATCH body, or the metadata object itself. */
	obj = json_object_get(doc, "metadata");
	if (!json_is_object(obj))
		obj = doc;
	meta_input_init(&m);
	msg[0] = '\0';
	if (meta_from_json(&m, obj, msg, sizeof(msg), &field)) {
		FUZZ_CHECK(field == NULL);
		check_meta(&m);
	} else {
		FUZZ_CHECK(field != NULL &&
		    strncmp(field, "metadata.", 9) == 0);
		FUZZ_CHECK(msg[0] != '\0');
	}
	meta_input_free(&m);
	json_decref(doc);
}

static void
fuzz_raw(const uint8_t *data, size_t size)
{
	static const unsigned	 fields[] = {
		META_TITLE, META_DESCRIPTION, META_LOCATION
	};
	struct meta_input	 m;
	const char		*s = (const char *)data;
	char			 msg[256], ext[EXT_MAX + 1], *cstr;
	size_t			 i, cps = 0;
	json_t			*ref;
	bool			 ok;

	ok = utf8_valid(s, size, &cps);
	ref = json_stringn(s, size);
	FUZZ_CHECK(ok == (ref != NULL));
	json_decref(ref);
	if (ok)
		FUZZ_CHECK(cps == cps_of(s, size));

	cstr = fuzz_cstr(data, size);
	if (valid_user_id(s, size, msg, sizeof(msg))) {
		FUZZ_CHECK(size >= 1 && size <= USER_ID_MAX);
		for (i = 0; i < size; i++)
			FUZZ_CHECK(s[i] != '\0' && strchr("abcdefghijklm"
			    "nopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-", s[i]) != NULL);
		FUZZ_CHECK(strcmp(cstr, ".") != 0 && strcmp(cstr, "..") != 0);
	}
	if (valid_filename(&cfg, s, size, ext, msg, sizeof(msg))) {
		FUZZ_CHECK(size >= 1 && size <= FILENAME_MAX_BYTES);
		FUZZ_CHECK(utf8_valid(s, size, NULL));
		FUZZ_CHECK(memchr(s, '/', size) == NULL &&
		    memchr(s, '\\', size) == NULL &&
		    memchr(s, '\0', size) == NULL);
		FUZZ_CHECK(config_extension_allowed(&cfg, ext));
		for (i = 0; ext[i] != '\0'; i++)
			FUZZ_CHECK(!(ext[i] >= 'A' && ext[i] <= 'Z'));
	} else
		FUZZ_CHECK(msg[0] != '\0');

	meta_input_init(&m);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (meta_set_text(&m, fields[i], s, size, msg, sizeof(msg)))
			FUZZ_CHECK(m.set & fields[i]);
	check_meta(&m);
	meta_input_free(&m);

	meta_input_init(&m);
	if (meta_add_tags_csv(&m, cstr, msg, sizeof(msg)))
		check_meta(&m);
	free(cstr);
	meta_input_free(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_json(data, size);
	fuzz_raw(data, size);
	return 0;
}
