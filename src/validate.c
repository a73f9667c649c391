/*
 * validate.c: field rules.  Every check works on (pointer, length), so
 * text with an embedded NUL is refused rather than silently cut.
 */
#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imaged/text.h"
#include "imaged/validate.h"

bool
utf8_valid(const char *str, size_t len, size_t *cps)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, n = 0, k, need;
	uint32_t		 cp, min;

	while (i < len) {
		unsigned char c = s[i];

		if (c < 0x80) {
			i++;
			n++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			need = 1; cp = c & 0x1f; min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2; cp = c & 0x0f; min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3; cp = c & 0x07; min = 0x10000;
		} else
			return false;
		if (len - i <= need)
			return false;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
		n++;
	}
	if (cps != NULL)
		*cps = n;
	return true;
}

bool
valid_user_id(const char *s, size_t len, char *msg, size_t msglen)
{
	size_t	 i;

	if (len == 0 || len > USER_ID_MAX ||
	    (len == 1 && s[0] == '.') ||
	    (len == 2 && s[0] == '.' && s[1] == '.'))
		goto bad;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			goto bad;
	}
	return true;
bad:
	if (msg != NULL)
		snprintf(msg, msglen, "user_id must be 1-64 characters of "
		    "A-Z a-z 0-9 . _ - (and not . or ..)");
	return false;
}

/* C0 controls, DEL, and C1 controls (U+0080-U+009F, encoded C2 80-9F). */
static bool
has_control(const char *str, size_t len)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i;

	for (i = 0; i < len; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return true;
		if (s[i] == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 &&
		    s[i + 1] <= 0x9f)
			return true;
	}
	return false;
}

bool
valid_filename(const struct config *cfg, const char *s, size_t len,
    char ext[EXT_MAX + 1], char *msg, size_t msglen)
{
	const char	*dot;
	size_t		 elen, i;
	struct buf	 list;

	if (len == 0 || len > FILENAME_MAX_BYTES) {
		snprintf(msg, msglen, "filename must be 1-%d bytes",
		    FILENAME_MAX_BYTES);
		return false;
	}
	if (!utf8_valid(s, len, NULL) || has_control(s, len) ||
	    memchr(s, '/', len) != NULL || memchr(s, '\\', len) != NULL) {
		snprintf(msg, msglen, "filename must be UTF-8 without "
		    "/, \\ or control characters");
		return false;
	}
	dot = memrchr(s, '.', len);
	elen = dot != NULL ? len - (size_t)(dot - s) - 1 : 0;
	if (dot != NULL && elen > 0 && elen <= EXT_MAX) {
		for (i = 0; i < elen; i++) {
			char c = dot[1 + i];

			ext[i] = c >= 'A' && c <= 'Z' ?
			    (char)(c - 'A' + 'a') : c;
		}
		ext[elen] = '\0';
		if (config_extension_allowed(cfg, ext))
			return true;
	}
	buf_init(&list, 256);
	for (i = 0; i < cfg->nextensions; i++)
		if (buf_printf(&list, "%s%s", i ? ", " : "",
		    cfg->extensions[i]) != IMG_OK)
			break;
	snprintf(msg, msglen, "filename extension must be one of: %s",
	    list.data != NULL ? list.data : "");
	buf_free(&list);
	return false;
}

void
meta_input_init(struct meta_input *m)
{
	memset(m, 0, sizeof(*m));
	buf_init(&m->tags_json, 64 * 1024);
}

void
meta_input_free(struct meta_input *m)
{
	size_t	 i;

	free(m->title);
	free(m->description);
	free(m->location);
	for (i = 0; i < m->ntags; i++)
		free(m->tags[i]);
	buf_free(&m->tags_json);
	m->ntags = 0;
}

/*
 * The editable fields, in the order every form reads them (and so the
 * order in which their errors are found).
 */
const struct meta_field meta_fields[] = {
	{ .name = "title", .json_field = "metadata.title", .flag = META_TITLE,
	  .max = TITLE_MAX, .slot = offsetof(struct meta_input, title) },
	{ .name = "description", .json_field = "metadata.description",
	  .flag = META_DESCRIPTION, .max = DESCRIPTION_MAX,
	  .slot = offsetof(struct meta_input, description) },
	{ .name = "location", .json_field = "metadata.location",
	  .flag = META_LOCATION, .max = LOCATION_MAX,
	  .slot = offsetof(struct meta_input, location) },
	{ .name = "tags", .json_field = "metadata.tags", .flag = META_TAGS,
	  .max = TAG_MAX, .list = true },
};
const size_t meta_nfields = sizeof(meta_fields) / sizeof(meta_fields[0]);

const struct meta_field *
meta_field_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < meta_nfields; i++)
		if (strcmp(meta_fields[i].name, name) == 0)
			return &meta_fields[i];
	return NULL;
}

static const struct meta_field *
meta_field_of(unsigned flag)
{
	size_t	 i;

	for (i = 0; i < meta_nfields; i++)
		if (meta_fields[i].flag == flag)
			return &meta_fields[i];
	return NULL;
}

bool
meta_set_text(struct meta_input *m, unsigned field, const char *s, size_t len,
    char *msg, size_t msglen)
{
	const struct meta_field	*f = meta_field_of(field);
	char			**slot;
	size_t			  cps;

	assert(f != NULL && !f->list);
	slot = (char **)(void *)((char *)m + f->slot);
	m->set |= field;
	free(*slot);
	*slot = NULL;
	if (s == NULL || len == 0)
		/* imaged-api(7), DECIDED EDGE CASES: empty is null */
		return true;
	if (!utf8_valid(s, len, &cps) || memchr(s, '\0', len) != NULL ||
	    cps > f->max) {
		snprintf(msg, msglen,
		    "%s must be at most %zu characters of UTF-8",
		    f->name, f->max);
		return false;
	}
	if ((*slot = strndup(s, len)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return false;
	}
	return true;
}

bool
meta_set_form(struct meta_input *m, const struct meta_field *f, const char *s,
    size_t len, char *msg, size_t msglen)
{
	if (f->list)
		return meta_add_tags_csv(m, s, msg, msglen);
	return meta_set_text(m, f->flag, s, len, msg, msglen);
}

bool
meta_add_tag(struct meta_input *m, const char *s, size_t len, char *msg,
    size_t msglen)
{
	size_t	 i, cps;

	m->set |= META_TAGS;
	if (len == 0 || !utf8_valid(s, len, &cps) || cps > TAG_MAX ||
	    memchr(s, '\0', len) != NULL) {
		snprintf(msg, msglen,
		    "each tag must be 1-%d characters of UTF-8", TAG_MAX);
		return false;
	}
	for (i = 0; i < m->ntags; i++)
		if (strlen(m->tags[i]) == len &&
		    memcmp(m->tags[i], s, len) == 0)
			return true;	/* duplicates collapse, first kept */
	if (m->ntags == TAGS_MAX) {
		snprintf(msg, msglen, "at most %d distinct tags", TAGS_MAX);
		return false;
	}
	if ((m->tags[m->ntags] = strndup(s, len)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return false;
	}
	m->ntags++;
	return true;
}

bool
meta_add_tags_csv(struct meta_input *m, const char *s, char *msg, size_t msglen)
{
	const char	*end;
	size_t		 len;

	m->set |= META_TAGS;
	while (*s != '\0') {
		len = strcspn(s, ",");
		end = s + len;
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (end > s &&
		    !meta_add_tag(m, s, (size_t)(end - s), msg, msglen))
			return false;
		s += strcspn(s, ",");
		if (*s == ',')
			s++;
	}
	return true;
}

/* A JSON list field: null (none) or an array of strings. */
static bool
meta_list_from_json(struct meta_input *m, const struct meta_field *f,
    const json_t *v, char *msg, size_t msglen)
{
	const json_t	*tag;
	size_t		 idx;

	m->set |= f->flag;
	if (json_is_null(v))
		return true;
	if (!json_is_array(v)) {
		snprintf(msg, msglen, "%s must be an array of strings",
		    f->name);
		return false;
	}
	json_array_foreach(v, idx, tag) {
		if (!json_is_string(tag)) {
			snprintf(msg, msglen, "%s must be an array of strings",
			    f->name);
			return false;
		}
		if (!meta_add_tag(m, json_string_value(tag),
		    json_string_length(tag), msg, msglen))
			return false;
	}
	return true;
}

bool
meta_from_json(struct meta_input *m, const json_t *obj, char *msg,
    size_t msglen, const char **field)
{
	const struct meta_field	*f;
	const json_t		*v;
	size_t			 i;

	for (i = 0; i < meta_nfields; i++) {
		f = &meta_fields[i];
		if ((v = json_object_get(obj, f->name)) == NULL)
			continue;
		*field = f->json_field;
		if (f->list) {
			if (!meta_list_from_json(m, f, v, msg, msglen))
				return false;
			continue;
		}
		if (json_is_null(v)) {
			meta_set_text(m, f->flag, NULL, 0, msg, msglen);
			continue;
		}
		if (!json_is_string(v)) {
			snprintf(msg, msglen, "%s must be a string or null",
			    f->name);
			return false;
		}
		if (!meta_set_text(m, f->flag, json_string_value(v),
		    json_string_length(v), msg, msglen))
			return false;
	}
	*field = NULL;
	return true;
}

bool
meta_view(struct meta_input *m, struct image_meta *out)
{
	size_t	 i;

	buf_reset(&m->tags_json);
	if (buf_addc(&m->tags_json, '[') != IMG_OK)
		return false;
	for (i = 0; i < m->ntags; i++)
		if ((i > 0 && buf_adds(&m->tags_json, ", ") != IMG_OK) ||
		    json_put_str(&m->tags_json, m->tags[i]) != IMG_OK)
			return false;
	if (buf_addc(&m->tags_json, ']') != IMG_OK)
		return false;
	out->title = m->title;
	out->description = m->description;
	out->location = m->location;
	out->tags = (const char *const *)m->tags;
	out->ntags = m->ntags;
	out->tags_json = m->tags_json.data;
	return true;
}
