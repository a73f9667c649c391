/*
 * validate.c: field rules.  Every check works on (pointer, length), so
 * text with an embedded NUL is refused rather than silently cut.
 */
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
	    (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
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

			ext[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
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

const char *
meta_field_name(unsigned field)
{
	switch (field) {
	case META_TITLE:
		return "title";
	case META_DESCRIPTION:
		return "description";
	case META_LOCATION:
		return "location";
	default:
		return "tags";
	}
}

bool
meta_set_text(struct meta_input *m, unsigned field, const char *s, size_t len,
    char *msg, size_t msglen)
{
	char	**slot;
	size_t	  max, cps;

	switch (field) {
	case META_TITLE:
		slot = &m->title; max = TITLE_MAX;
		break;
	case META_DESCRIPTION:
		slot = &m->description; max = DESCRIPTION_MAX;
		break;
	default:
		slot = &m->location; max = LOCATION_MAX;
		break;
	}
	m->set |= field;
	free(*slot);
	*slot = NULL;
	if (s == NULL || len == 0)
		return true;	/* API.md: an empty string is stored as null */
	if (!utf8_valid(s, len, &cps) || memchr(s, '\0', len) != NULL ||
	    cps > max) {
		snprintf(msg, msglen, "%s must be at most %zu characters of UTF-8",
		    meta_field_name(field), max);
		return false;
	}
	if ((*slot = strndup(s, len)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return false;
	}
	return true;
}

bool
meta_add_tag(struct meta_input *m, const char *s, size_t len, char *msg,
    size_t msglen)
{
	size_t	 i, cps;

	m->set |= META_TAGS;
	if (len == 0 || !utf8_valid(s, len, &cps) || cps > TAG_MAX ||
	    memchr(s, '\0', len) != NULL) {
		snprintf(msg, msglen, "each tag must be 1-%d characters of UTF-8",
		    TAG_MAX);
		return false;
	}
	for (i = 0; i < m->ntags; i++)
		if (strlen(m->tags[i]) == len && memcmp(m->tags[i], s, len) == 0)
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
		if (end > s && !meta_add_tag(m, s, (size_t)(end - s), msg, msglen))
			return false;
		s += strcspn(s, ",");
		if (*s == ',')
			s++;
	}
	return true;
}

bool
meta_from_json(struct meta_input *m, const json_t *obj, char *msg,
    size_t msglen, const char **field)
{
	static const struct {
		const char	*key;
		const char	*field;
		unsigned	 which;
	} texts[] = {
		{ "title", "metadata.title", META_TITLE },
		{ "description", "metadata.description", META_DESCRIPTION },
		{ "location", "metadata.location", META_LOCATION },
	};
	const json_t	*v, *tag;
	size_t		 i, idx;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if ((v = json_object_get(obj, texts[i].key)) == NULL)
			continue;
		*field = texts[i].field;
		if (json_is_null(v)) {
			meta_set_text(m, texts[i].which, NULL, 0, msg, msglen);
			continue;
		}
		if (!json_is_string(v)) {
			snprintf(msg, msglen, "%s must be a string or null",
			    texts[i].key);
			return false;
		}
		if (!meta_set_text(m, texts[i].which, json_string_value(v),
		    json_string_length(v), msg, msglen))
			return false;
	}
	if ((v = json_object_get(obj, "tags")) != NULL) {
		*field = "metadata.tags";
		m->set |= META_TAGS;
		if (json_is_null(v))
			return true;
		if (!json_is_array(v)) {
			snprintf(msg, msglen, "tags must be an array of strings");
			return false;
		}
		json_array_foreach(v, idx, tag) {
			if (!json_is_string(tag)) {
				snprintf(msg, msglen, "tags must be an array of strings");
				return false;
			}
			if (!meta_add_tag(m, json_string_value(tag),
			    json_string_length(tag), msg, msglen))
				return false;
		}
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
