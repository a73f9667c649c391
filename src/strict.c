/*
 * strict.c: the filters of cloud_strict listings, applied to the index
 * entries a page has read (see strict.h).  Title and location match as
 * case-insensitive substrings (ASCII case folding, as the catalog's), tags
 * exactly.
 */
#include <string.h>

#include <jansson.h>

#include "imaged/strict.h"

void
strict_index_query(const struct list_query *q, struct list_query *index)
{
	*index = *q;
	index->title = NULL;
	index->location = NULL;
	index->tags = NULL;
	index->ntags = 0;
	index->tags_all = false;
	if (q->user_id == NULL) {
		index->created_after = INT64_MIN;
		index->created_before = INT64_MAX;
	}
}

static bool
contains(const char *hay, const char *needle)
{
	return needle == NULL ||
	    (hay != NULL && strcasestr(hay, needle) != NULL);
}

static bool
has_tag(json_t *tags, const char *tag)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(tags, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), tag) == 0)
			return true;
	return false;
}

bool
strict_matches(const struct list_query *q, const struct image_record *r)
{
	json_t	*tags;
	size_t	 i, n = 0;
	bool	 ok;

	if (r->created_at < q->created_after ||
	    r->created_at > q->created_before ||
	    !contains(r->title, q->title) ||
	    !contains(r->location, q->location))
		return false;
	if (q->ntags == 0)
		return true;
	if ((tags = json_loads(r->tags_json != NULL ? r->tags_json : "[]", 0,
	    NULL)) == NULL)
		return false;
	for (i = 0; i < q->ntags; i++)
		n += has_tag(tags, q->tags[i]);
	ok = q->tags_all ? n == q->ntags : n > 0;
	json_decref(tags);
	return ok;
}

enum img_err
strict_filter_record(void *arg, const struct image_record *r)
{
	struct strict_filter	*f = arg;

	f->scanned++;
	return strict_matches(f->q, r) ? f->cb(f->arg, r) : IMG_OK;
}
