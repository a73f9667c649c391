/*
 * dynamo.c: records to DynamoDB items and back, and the streaming reader
 * of the files that hold items.
 *
 * The reader never holds more than one item: it walks the top level of
 * each JSON document in the file byte by byte (strings and nesting
 * tracked, nothing else), and hands each member value, or each element
 * of a member array, to jansson as one capped slice.  A file is a
 * sequence of such documents, so JSON lines need no special case.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "imaged/dynamo.h"
#include "imaged/text.h"

/* --- records to items ----------------------------------------------------- */

static int
attr_s(json_t *item, const char *name, const char *value)
{
	if (value == NULL)
		return 0;
	return json_object_set_new(item, name, json_pack("{s:s}", "S", value));
}

static int
attr_n(json_t *item, const char *name, int64_t value)
{
	char	 num[24];

	(void)snprintf(num, sizeof(num), "%" PRId64, value);
	return json_object_set_new(item, name, json_pack("{s:s}", "N", num));
}

json_t *
dynamo_item_from_record(const struct image_record *r)
{
	json_t	*item, *tags, *list, *t;
	char	 created[32], updated[32];
	size_t	 i;
	int	 bad = 0;

	if ((item = json_object()) == NULL)
		return NULL;
	time_format_rfc3339(r->created_at, created);
	time_format_rfc3339(r->updated_at, updated);
	bad |= attr_s(item, "image_id", r->image_id);
	bad |= attr_s(item, "user_id", r->user_id);
	bad |= attr_s(item, "s3_key", r->s3_key);
	bad |= attr_s(item, "filename", r->filename);
	bad |= attr_s(item, "content_type", r->content_type);
	bad |= attr_n(item, "file_size", r->file_size);
	bad |= attr_s(item, "created_at", created);
	bad |= attr_s(item, "updated_at", updated);
	bad |= attr_s(item, "title", r->title);
	bad |= attr_s(item, "description", r->description);
	bad |= attr_s(item, "location", r->location);
	/* The catalog keeps tags as a JSON array of strings. */
	tags = json_loads(r->tags_json, JSON_DECODE_ANY, NULL);
	if ((list = json_array()) == NULL)
		bad = 1;
	json_array_foreach(tags, i, t)
		if (json_is_string(t))
			bad |= json_array_append_new(list,
			    json_pack("{s:s}", "S", json_string_value(t)));
	json_decref(tags);
	bad |= json_object_set_new(item, "tags", json_pack("{s:o}", "L", list));
	bad |= attr_s(item, "sha256", r->checksum_sha256);
	if (r->width > 0 && r->height > 0) {
		bad |= attr_n(item, "width", r->width);
		bad |= attr_n(item, "height", r->height);
	}
	if (bad) {
		json_decref(item);
		return NULL;
	}
	return item;
}

/* --- items to fields ------------------------------------------------------ */

/* The one-key object {"T": value} of attribute name, or NULL (and *isnull). */
static const json_t *
attr_value(const json_t *item, const char *name, const char *type, bool *isnull,
    bool *bad)
{
	const json_t	*a = json_object_get(item, name), *v;

	*isnull = *bad = false;
	if (a == NULL) {
		*isnull = true;
		return NULL;
	}
	if (!json_is_object(a) || json_object_size(a) != 1) {
		*bad = true;
		return NULL;
	}
	if ((v = json_object_get(a, "NULL")) != NULL) {
		*isnull = json_is_true(v);
		*bad = !*isnull;
		return NULL;
	}
	if ((v = json_object_get(a, type)) == NULL)
		*bad = true;
	return v;
}

static bool
get_s(const json_t *item, const char *name, bool required, const char **out,
    char *msg, size_t msglen)
{
	const json_t	*v;
	bool		 isnull, bad;

	*out = NULL;
	v = attr_value(item, name, "S", &isnull, &bad);
	if (!bad && v != NULL && json_is_string(v) &&
	    strlen(json_string_value(v)) == json_string_length(v)) {
		*out = json_string_value(v);
		return true;
	}
	if (!bad && isnull && !required)
		return true;
	if (!bad && isnull)
		(void)snprintf(msg, msglen, "%s: missing", name);
	else
		(void)snprintf(msg, msglen, "%s: expected a string (S)", name);
	return false;
}

bool
dynamo_image_parse(const json_t *item, struct dynamo_image *im, char *msg,
    size_t msglen)
{
	const json_t	*v, *t;
	const char	*num, *p;
	bool		 isnull, bad, ss;
	size_t		 i;
	int64_t		 n = 0;

	memset(im, 0, sizeof(*im));
	if (!json_is_object(item)) {
		(void)snprintf(msg, msglen,
		    "an item must be an object of attributes");
		return false;
	}
	if (!get_s(item, "image_id", true, &im->image_id, msg, msglen) ||
	    !get_s(item, "user_id", true, &im->user_id, msg, msglen) ||
	    !get_s(item, "s3_key", true, &im->s3_key, msg, msglen) ||
	    !get_s(item, "filename", true, &im->filename, msg, msglen) ||
	    !get_s(item, "content_type", true, &im->content_type, msg,
	    msglen) ||
	    !get_s(item, "created_at", true, &im->created_at, msg, msglen) ||
	    !get_s(item, "updated_at", false, &im->updated_at, msg, msglen) ||
	    !get_s(item, "title", false, &im->title, msg, msglen) ||
	    !get_s(item, "description", false, &im->description, msg, msglen) ||
	    !get_s(item, "location", false, &im->location, msg, msglen) ||
	    !get_s(item, "sha256", false, &im->sha256, msg, msglen))
		return false;

	/* DynamoDB writes numbers as strings of decimal digits. */
	v = attr_value(item, "file_size", "N", &isnull, &bad);
	num = json_is_string(v) ? json_string_value(v) : NULL;
	if (num == NULL || *num == '\0') {
		(void)snprintf(msg, msglen,
		    isnull && !bad ? "file_size: missing" :
		    "file_size: expected a number (N)");
		return false;
	}
	for (p = num; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || n > (INT64_MAX - 9) / 10) {
			(void)snprintf(msg, msglen,
			    "file_size: expected a whole number of bytes");
			return false;
		}
		n = n * 10 + (*p - '0');
	}
	im->file_size = n;

	/* tags: a list of strings, as the original wrote; a string set too. */
	if ((v = attr_value(item, "tags", "L", &isnull, &bad)) == NULL &&
	    !isnull) {
		v = json_object_get(json_object_get(item, "tags"), "SS");
		bad = v == NULL;
	}
	ss = v != NULL &&
	    json_object_get(json_object_get(item, "tags"), "SS") == v;
	if (!bad && v != NULL && !json_is_array(v))
		bad = true;
	json_array_foreach(v, i, t)
		if (!(ss ? json_is_string(t) : json_is_object(t) &&
		    json_object_size(t) == 1 &&
		    json_is_string(json_object_get(t, "S"))))
			bad = true;
	if (bad) {
		(void)snprintf(msg, msglen,
		    "tags: expected a list of strings (L of S)");
		return false;
	}
	im->tags = v;
	im->ntags = v != NULL ? json_array_size(v) : 0;
	return true;
}

const char *
dynamo_image_tag(const struct dynamo_image *im, size_t i)
{
	const json_t	*t = json_array_get(im->tags, i);

	if (json_is_string(t))
		return json_string_value(t);
	return json_string_value(json_object_get(t, "S"));
}

bool
dynamo_time_parse(const char *s, int64_t *usec)
{
	char	 z[48];
	size_t	 len = strlen(s);

	if (time_parse_bound(s, false, usec))
		return true;
	/* No offset: UTC, as the original's Lambda wrote its times. */
	if (len < 19 || len + 2 > sizeof(z))
		return false;
	memcpy(z, s, len);
	z[len] = 'Z';
	z[len + 1] = '\0';
	return time_parse_bound(z, false, usec);
}

/* --- the reader ----------------------------------------------------------- */

#define READ_CHUNK	(64 * 1024)
#define KEY_MAX		64

enum rstate {
	R_TOP,		/* between documents */
	R_OBJ,		/* inside a document's object */
	R_ARR		/* inside the array of a member */
};

struct dynamo_reader {
	gzFile		 gz;
	unsigned char	 in[READ_CHUNK];
	size_t		 pos, len;
	bool		 eof;
	unsigned long	 line;
	enum rstate	 state;
	/* nothing read yet in this object/array */
	bool		 first;
	char		 key[KEY_MAX + 1];
	char		*val;		/* the value being captured */
	size_t		 vlen, vcap;
	bool		 spent;		/* an error was returned */
};

enum img_err
dynamo_reader_open(const char *path, struct dynamo_reader **rp)
{
	struct dynamo_reader	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return IMG_ENOMEM;
	/* gzread passes bytes that are not gzip through unchanged. */
	if ((r->gz = gzopen(path, "rb")) == NULL) {
		enum img_err e = errno == ENOENT ? IMG_ENOTFOUND : IMG_EUNAVAIL;

		free(r);
		return e;
	}
	r->line = 1;
	r->state = R_TOP;
	*rp = r;
	return IMG_OK;
}

void
dynamo_reader_close(struct dynamo_reader *r)
{
	if (r == NULL)
		return;
	gzclose(r->gz);
	free(r->val);
	free(r);
}

/* The next byte without taking it; -1 at the end, -2 on a read error. */
static int
peek(struct dynamo_reader *r)
{
	int	 n;

	if (r->pos == r->len) {
		if (r->eof)
			return -1;
		n = gzread(r->gz, r->in, sizeof(r->in));
		if (n < 0)
			return -2;
		if (n == 0) {
			r->eof = true;
			return -1;
		}
		r->pos = 0;
		r->len = (size_t)n;
	}
	return r->in[r->pos];
}

static int
take(struct dynamo_reader *r)
{
	int	 c = peek(r);

	if (c >= 0) {
		r->pos++;
		if (c == '\n')
			r->line++;
	}
	return c;
}

static int
skip_ws(struct dynamo_reader *r)
{
	int	 c;

	while ((c = peek(r)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		(void)take(r);
	return c;
}

static bool
val_add(struct dynamo_reader *r, int c)
{
	char	*p;
	size_t	 cap;

	if (r->vlen == r->vcap) {
		if (r->vcap >= DYNAMO_VALUE_MAX)
			return false;
		cap = r->vcap == 0 ? 4096 : r->vcap * 2;
		if ((p = realloc(r->val, cap)) == NULL)
			return false;
		r->val = p;
		r->vcap = cap;
	}
	r->val[r->vlen++] = (char)c;
	return true;
}

/*
 * Capture the raw text of one JSON value starting at the next byte; the
 * parser judges it afterwards.  Only the value's end is found here.
 */
static bool
capture(struct dynamo_reader *r, char *msg, size_t msglen)
{
	int	 c, depth = 0;
	bool	 str = false, esc = false;

	r->vlen = 0;
	c = peek(r);
	if (c != '{' && c != '[' && c != '"') {
		/* A scalar: up to the next delimiter. */
		while ((c = peek(r)) >= 0 && strchr(",]} \t\r\n", c) == NULL)
			if (!val_add(r, take(r)))
				goto toobig;
		return c != -2 ? true : (snprintf(msg, msglen, "line %lu: "
		    "read error", r->line), false);
	}
	for (;;) {
		if ((c = take(r)) < 0) {
			(void)snprintf(msg, msglen, c == -2 ? "line %lu: read "
			    "error" : "line %lu: the file ends inside a value",
			    r->line);
			return false;
		}
		if (!val_add(r, c))
			goto toobig;
		if (str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				str = false;
			else
				continue;
			if (!str && depth == 0)
				return true;
			continue;
		}
		if (c == '"')
			str = true;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		if (depth == 0 && !str)
			return true;
	}
toobig:
	(void)snprintf(msg, msglen, "line %lu: a value larger than %u bytes",
	    r->line, DYNAMO_VALUE_MAX);
	return false;
}

static json_t *
parse_val(struct dynamo_reader *r, unsigned long line, char *msg, size_t msglen)
{
	json_error_t	 err;
	json_t		*v;

	if ((v = json_loadb(r->val, r->vlen, JSON_DECODE_ANY, &err)) == NULL)
		(void)snprintf(msg, msglen, "line %lu: not JSON: %s", line,
		    err.text);
	return v;
}

static int
fail(char *msg, size_t msglen, unsigned long line, const char *what)
{
	(void)snprintf(msg, msglen, "line %lu: %s", line, what);
	return -1;
}

static int	 reader_step(struct dynamo_reader *, json_t **, char *, size_t);

int
dynamo_reader_next(struct dynamo_reader *r, json_t **item, char *msg,
    size_t msglen)
{
	int	 rc;

	*item = NULL;
	if (r->spent) {
		(void)snprintf(msg, msglen, "line %lu: read after an error",
		    r->line);
		return -1;
	}
	if ((rc = reader_step(r, item, msg, msglen)) < 0)
		r->spent = true;
	return rc;
}

/* The next item, whatever the state: dynamo_reader_next's contract. */
static int
reader_step(struct dynamo_reader *r, json_t **item, char *msg, size_t msglen)
{
	json_t		*v, *it;
	unsigned long	 line;
	int		 c;

	*item = NULL;
	for (;;) {
		c = skip_ws(r);
		if (c == -2)
			return fail(msg, msglen, r->line, "read error");
		line = r->line;
		switch (r->state) {
		case R_TOP:
			if (c == -1)
				return 0;
			if (c != '{')
				return fail(msg, msglen, line,
				    "not DynamoDB JSON (expected an object: "
				    "scan output or {\"Item\": ...} lines)");
			(void)take(r);
			r->state = R_OBJ;
			r->first = true;
			continue;
		case R_OBJ:
			if (c == '}') {
				(void)take(r);
				r->state = R_TOP;
				continue;
			}
			if (!r->first) {
				if (c != ',')
					return fail(msg, msglen, line,
					    "not JSON: expected ',' or '}'");
				(void)take(r);
				c = skip_ws(r);
			}
			r->first = false;
			if (c != '"')
				return fail(msg, msglen, r->line,
				    "not JSON: expected a key");
			if (!capture(r, msg, msglen) ||
			    (v = parse_val(r, line, msg, msglen)) == NULL)
				return -1;
			(void)snprintf(r->key, sizeof(r->key), "%s",
			    json_string_value(v));
			json_decref(v);
			if (skip_ws(r) != ':')
				return fail(msg, msglen, r->line,
				    "not JSON: expected ':'");
			(void)take(r);
			if ((c = skip_ws(r)) == '[') {
				(void)take(r);
				r->state = R_ARR;
				r->first = true;
				continue;
			}
			if (c < 0)
				return fail(msg, msglen, r->line,
				    "the file ends inside a value");
			line = r->line;
			if (!capture(r, msg, msglen) ||
			    (v = parse_val(r, line, msg, msglen)) == NULL)
				return -1;
			if (strcmp(r->key, "Item") != 0) {
				json_decref(v);
				continue;
			}
			if (!json_is_object(v)) {
				json_decref(v);
				return fail(msg, msglen, line,
				    "\"Item\" is not an object");
			}
			*item = v;
			return 1;
		case R_ARR:
			if (c == ']') {
				(void)take(r);
				r->state = R_OBJ;
				r->first = false;
				continue;
			}
			if (!r->first) {
				if (c != ',')
					return fail(msg, msglen, line,
					    "not JSON: expected ',' or ']'");
				(void)take(r);
				c = skip_ws(r);
			}
			r->first = false;
			if (c < 0)
				return fail(msg, msglen, r->line,
				    "the file ends inside a value");
			line = r->line;
			if (!capture(r, msg, msglen) ||
			    (v = parse_val(r, line, msg, msglen)) == NULL)
				return -1;
			if (strcmp(r->key, "Items") == 0) {
				if (!json_is_object(v)) {
					json_decref(v);
					return fail(msg, msglen, line,
					    "an element of \"Items\" is not an "
					    "object");
				}
				*item = v;
				return 1;
			}
			/* A batch-write-item request: PutRequest.Item. */
			it = json_object_get(json_object_get(v, "PutRequest"),
			    "Item");
			if (json_is_object(it)) {
				*item = json_incref(it);
				json_decref(v);
				return 1;
			}
			json_decref(v);
			continue;
		}
	}
}
