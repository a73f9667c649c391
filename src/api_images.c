/*
 * api_images.c: GET /images, GET, PATCH and DELETE /images/{image_id}.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "imaged/api.h"
#include "imaged/b64.h"
#include "imaged/blobstore.h"
#include "imaged/catalog.h"
#include "imaged/cursor.h"
#include "imaged/httputil.h"
#include "imaged/imaged.h"
#include "imaged/rendcache.h"
#include "imaged/strict.h"
#include "imaged/text.h"
#include "imaged/validate.h"

#define LIST_LIMIT_DEFAULT	20
#define FILTER_TEXT_MAX		256
/* A record of a page, as JSON with its download URL: most are smaller. */
#define PAGE_RECORD_BYTES	1024

/* Digits only, within [min, max]. */
static bool
parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	unsigned long	 v = 0;

	if (*s == '\0' || strlen(s) > 9)
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v < min || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* --- GET /images ---------------------------------------------------------- */

struct page {
	struct imaged		*ctx;
	const struct request	*req;
	struct buf		*body;
	unsigned		 count;
};

static enum img_err
page_add(void *arg, const struct image_record *r)
{
	struct page	*p = arg;
	enum img_err	 e;

	if (p->count > 0 && (e = buf_adds(p->body, ", ")) != IMG_OK)
		return e;
	p->count++;
	return api_record_json(p->ctx, p->req, p->body, r,
	    p->ctx->cfg.url_lifetime);
}

/*
 * The query parameters of GET /images, one row each: a new filter is a
 * row here plus its field in struct list_query and its SQL in catalog.c.
 * Rows are read in order, and the first bad value is the one reported;
 * order comes before the cursor, which is sealed for one order.
 */
struct list_args {
	struct imaged		*ctx;
	const struct request	*req;
	struct response		*resp;
	struct list_query	*q;
	struct list_pos		*after;
	struct meta_input	*tags;
};

/*
 * Parse value, which the request sent as key, into the query: slot points
 * at the row's field of struct list_query.  A refusal is rendered into
 * a->resp and returned.
 */
typedef enum img_err (*list_param_fn)(struct list_args *a, const char *key,
    const char *value, void *slot);

struct list_param {
	const char	*name;
	/* read when name is absent; NULL: none */
	const char	*alias;
	list_param_fn	 parse;
	size_t		 slot;		/* offset in struct list_query */
	/* parse also when absent (value NULL) */
	bool		 always;
};

static enum img_err
param_order(struct list_args *a, const char *key, const char *v, void *slot)
{
	enum list_order	*order = slot;

	if (strcmp(v, "asc") == 0)
		*order = LIST_ASC;
	else if (strcmp(v, "desc") != 0)
		return api_fail(a->resp, IMG_EINVAL, key,
		    "order must be asc or desc");
	return IMG_OK;
}

static enum img_err
param_limit(struct list_args *a, const char *key, const char *v, void *slot)
{
	if (!parse_uint(v, 1, LIST_LIMIT_MAX, slot))
		return api_fail(a->resp, IMG_EINVAL, key, "%s must be a whole "
		    "number from 1 to %d", key, LIST_LIMIT_MAX);
	return IMG_OK;
}

static enum img_err
param_user_id(struct list_args *a, const char *key, const char *v, void *slot)
{
	const char	**user_id = slot;
	char		  msg[128];

	if (!valid_user_id(v, strlen(v), msg, sizeof(msg)))
		return api_fail(a->resp, IMG_EINVAL, key, "%s", msg);
	if (!request_may_act_for(a->req, v))
		return api_fail(a->resp, IMG_EFORBIDDEN, key, "a token of %s "
		    "lists only its own images", a->req->principal->user_id);
	*user_id = v;
	return IMG_OK;
}

static enum img_err
param_cursor(struct list_args *a, const char *key, const char *v, void *slot)
{
	const struct list_pos	**after = slot;

	if (cursor_open(a->ctx->signer, a->q->order, v, a->after) != IMG_OK)
		return api_fail(a->resp, IMG_EINVAL, key, "%s is not a "
		    "cursor of this listing order", key);
	*after = a->after;
	return IMG_OK;
}

static enum img_err
param_text(struct list_args *a, const char *key, const char *v, void *slot)
{
	const char	**text = slot;
	size_t		  cps;

	if (!utf8_valid(v, strlen(v), &cps) || cps > FILTER_TEXT_MAX)
		return api_fail(a->resp, IMG_EINVAL, key, "%s must be at most "
		    "%d characters of UTF-8", key, FILTER_TEXT_MAX);
	*text = v;
	return IMG_OK;
}

/*
 * Every non-empty `tags` parameter adds its comma-separated values
 * (repeated `tags` add up), so this reads the request, not v.
 */
static enum img_err
param_tags(struct list_args *a, const char *key, const char *v, void *slot)
{
	const struct request	*req = a->req;
	char			 msg[128];
	size_t			 i;

	(void)v;
	(void)slot;
	for (i = 0; i < req->nquery; i++) {
		if (strcmp(req->query[i].key, key) != 0)
			continue;
		if (!meta_add_tags_csv(a->tags, req->query[i].value, msg,
		    sizeof(msg)))
			return api_fail(a->resp, IMG_EINVAL, key, "%s (at most "
			    "%d tags of 1-%d characters in one listing)", msg,
			    LIST_TAGS_MAX, TAG_MAX);
	}
	a->q->tags = (const char *const *)a->tags->tags;
	a->q->ntags = a->tags->ntags;
	return IMG_OK;
}

static enum img_err
param_tags_match(struct list_args *a, const char *key, const char *v,
    void *slot)
{
	bool	*all = slot;

	if (strcmp(v, "all") == 0)
		*all = true;
	else if (strcmp(v, "any") != 0)
		return api_fail(a->resp, IMG_EINVAL, key,
		    "tags_match must be any or all");
	return IMG_OK;
}

static enum img_err
param_bound(struct list_args *a, const char *key, const char *v, void *slot,
    bool upper)
{
	if (!time_parse_bound(v, upper, slot))
		return api_fail(a->resp, IMG_EINVAL, key, "%s must be a date "
		    "(2026-01-01) or an RFC 3339 time with offset", key);
	return IMG_OK;
}

static enum img_err
param_after(struct list_args *a, const char *key, const char *v, void *slot)
{
	return param_bound(a, key, v, slot, false);
}

static enum img_err
param_before(struct list_args *a, const char *key, const char *v, void *slot)
{
	return param_bound(a, key, v, slot, true);
}

#define QSLOT(field)	offsetof(struct list_query, field)

static const struct list_param list_params[] = {
	{ .name = "order", .parse = param_order, .slot = QSLOT(order) },
	{ .name = "limit", .alias = "page_size", .parse = param_limit,
	  .slot = QSLOT(limit) },
	{ .name = "user_id", .parse = param_user_id, .slot = QSLOT(user_id) },
	{ .name = "last_evaluated_key", .alias = "last_key",
	  .parse = param_cursor, .slot = QSLOT(after) },
	{ .name = "title", .parse = param_text, .slot = QSLOT(title) },
	{ .name = "location", .parse = param_text, .slot = QSLOT(location) },
	{ .name = "tags", .parse = param_tags, .slot = QSLOT(tags),
	  .always = true },
	{ .name = "tags_match", .parse = param_tags_match,
	  .slot = QSLOT(tags_all) },
	{ .name = "created_after", .parse = param_after,
	  .slot = QSLOT(created_after) },
	{ .name = "created_before", .parse = param_before,
	  .slot = QSLOT(created_before) },
};

/* An empty value counts as absent (request_query). */
static enum img_err
list_params_parse(struct list_args *a)
{
	const struct list_param	*p;
	const char		*key, *v;
	size_t			 i;
	enum img_err		 e;

	a->q->order = LIST_DESC;
	a->q->limit = LIST_LIMIT_DEFAULT;
	a->q->created_after = INT64_MIN;
	a->q->created_before = INT64_MAX;
	for (i = 0; i < sizeof(list_params) / sizeof(list_params[0]); i++) {
		p = &list_params[i];
		key = p->alias != NULL && !request_has(a->req, p->name) ?
		    p->alias : p->name;
		if ((v = request_query(a->req, key)) == NULL && !p->always)
			continue;
		if ((e = p->parse(a, key, v, (char *)a->q + p->slot)) != IMG_OK)
			return e;
	}
	/* A user's token lists only its own images, asked or not. */
	if (a->q->user_id == NULL && a->req->principal != NULL &&
	    !a->req->principal->admin)
		a->q->user_id = a->req->principal->user_id;
	return IMG_OK;
}

enum img_err
api_list(struct imaged *ctx, const struct request *req, struct response *resp)
{
	struct list_query	 q = { 0 };
	struct list_pos		 after, last;
	struct meta_input	 tags;
	struct page		 page = { ctx, req, &resp->body, 0 };
	struct list_args	 args = { ctx, req, resp, &q, &after, &tags };
	struct list_query	 index;
	struct strict_filter	 strict = { &q, page_add, &page, 0 };
	char			 cursor[CURSOR_TEXT_LEN + 1];
	bool			 more = false;
	enum img_err		 e;

	meta_input_init(&tags);
	if ((e = list_params_parse(&args)) != IMG_OK)
		goto done;
	q.budget_us = req->budget_us;
	api_json(resp, 200);
	/* Room for a full page at once, rather than doubling up to it. */
	(void)buf_reserve(&resp->body, (size_t)q.limit * PAGE_RECORD_BYTES);
	if ((e = buf_adds(&resp->body, "{\"images\": [")) != IMG_OK)
		goto done;
	if (ctx->cfg.cloud_strict) {
		/* The original's way: limit index entries, then the filters. */
		strict_index_query(&q, &index);
		e = catalog_list(ctx->catalog, &index, strict_filter_record,
		    &strict, &last, &more);
	} else
		e = catalog_list(ctx->catalog, &q, page_add, &page,
		    &last, &more);
	if (e != IMG_OK)
		goto done;
	if ((e = buf_printf(&resp->body, "], \"count\": %u, "
	    "\"last_evaluated_key\": ", page.count)) != IMG_OK)
		goto done;
	if (more && (page.count > 0 || strict.scanned > 0)) {
		cursor_seal(ctx->signer, q.order, &last, cursor);
		e = buf_printf(&resp->body, "\"%s\"}\n", cursor);
	} else
		e = buf_adds(&resp->body, "null}\n");
done:
	meta_input_free(&tags);
	return e;
}

/* --- GET /images/{image_id} ----------------------------------------------- */

struct get_one {
	struct imaged		*ctx;
	const struct request	*req;
	struct response		*resp;
	unsigned		 lifetime;
	bool			 download;
	bool			 rendition;	/* params holds one */
	struct rend_params	 params;
};

/*
 * The original's download: the whole image as base64 inside JSON, made
 * while it is sent (a response stream): the JSON around the image is
 * built first, and the image is read and encoded a slice at a time, at
 * the offset the socket has drained to.  A slow reader so costs one
 * slice, not the image three times over.
 */
/* file bytes per slice; a multiple of 3 */
#define DL_SLICE	(48 * 1024)

struct download {
	int		 fd;
	uint64_t	 size;		/* the file's */
	struct buf	 head;		/* the JSON up to the image's quote */
	uint64_t	 b64len;	/* base64 characters of the image */
	uint64_t	 slice_at;	/* base64 offset of slice[0] */
	size_t		 slice_len;
	unsigned char	 raw[DL_SLICE];
	char		 slice[DL_SLICE / 3 * 4];
};

static const char	 download_tail[] = "\"}\n";

static void
download_free(void *arg)
{
	struct download	*d = arg;

	close(d->fd);
	buf_free(&d->head);
	free(d);
}

/* Encode the slice holding base64 offset k.  False on a read error. */
static bool
download_slice(struct download *d, uint64_t k)
{
	uint64_t	 from = k / (DL_SLICE / 3 * 4) * DL_SLICE;
	size_t		 want, got = 0;
	ssize_t		 n;

	want = d->size - from < DL_SLICE ? (size_t)(d->size - from) : DL_SLICE;
	while (got < want) {
		n = pread(d->fd, d->raw + got, want - got, (off_t)(from + got));
		if (n <= 0)
			return false;	/* the file shrank, or cannot be read */
		got += (size_t)n;
	}
	b64_encode(d->raw, got, d->slice);
	d->slice_at = from / 3 * 4;
	d->slice_len = b64_encoded_len(got);
	return true;
}

static long long
download_read(void *arg, uint64_t pos, char *out, size_t max)
{
	struct download	*d = arg;
	uint64_t	 k, avail;
	size_t		 n;

	if (pos < d->head.len) {
		n = d->head.len - pos < max ? (size_t)(d->head.len - pos) : max;
		memcpy(out, d->head.data + pos, n);
		return (long long)n;
	}
	k = pos - d->head.len;
	if (k < d->b64len) {
		if ((k < d->slice_at || k >= d->slice_at + d->slice_len) &&
		    !download_slice(d, k))
			return -1;
		avail = d->slice_at + d->slice_len - k;
		n = avail < max ? (size_t)avail : max;
		memcpy(out, d->slice + (k - d->slice_at), n);
		return (long long)n;
	}
	k -= d->b64len;
	if (k >= sizeof(download_tail) - 1)
		return 0;
	n = sizeof(download_tail) - 1 - k < max ?
	    (size_t)(sizeof(download_tail) - 1 - k) : max;
	memcpy(out, download_tail + k, n);
	return (long long)n;
}

static enum img_err
download_json(struct get_one *g, const struct image_record *r)
{
	struct blob_info	 info;
	struct download		*d;
	struct buf		*b;
	enum img_err		 e;
	int			 fd;

	e = blob_open_read(g->ctx->blobs, r->s3_key, &fd, &info);
	if (e == IMG_ENOTFOUND)
		return api_fail(g->resp, e, NULL, "the image's file is missing "
		    "from the blob store");
	if (e != IMG_OK)
		return e;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		close(fd);
		return IMG_ENOMEM;
	}
	d->fd = fd;
	d->size = info.size;
	d->b64len = b64_encoded_len(info.size);
	d->slice_at = UINT64_MAX;
	b = &d->head;
	buf_init(b, 4096);
	if ((e = buf_adds(b, "{\"image_id\": ")) != IMG_OK ||
	    (e = json_put_str(b, r->image_id)) != IMG_OK ||
	    (e = buf_adds(b, ", \"filename\": ")) != IMG_OK ||
	    (e = json_put_str(b, r->filename)) != IMG_OK ||
	    (e = buf_adds(b, ", \"content_type\": ")) != IMG_OK ||
	    (e = json_put_str(b, r->content_type)) != IMG_OK ||
	    (e = buf_printf(b, ", \"file_size\": %" PRIu64 ", "
	    "\"image_data\": \"", info.size)) != IMG_OK) {
		download_free(d);
		return e;
	}
	api_json(g->resp, 200);
	g->resp->stream.read = download_read;
	g->resp->stream.free = download_free;
	g->resp->stream.state = d;
	g->resp->stream.length = d->head.len + d->b64len +
	    sizeof(download_tail) - 1;
	return IMG_OK;
}

static enum img_err
get_found(void *arg, const struct image_record *r)
{
	struct get_one	*g = arg;
	enum img_err	 e;

	if (!request_may_act_for(g->req, r->user_id))
		/* another's image is as good as absent */
		return IMG_ENOTFOUND;
	if (g->rendition && (e = api_rendition_finish(g->resp, r->s3_key,
	    &g->params)) != IMG_OK)
		return e;
	if (g->rendition && g->download)
		return api_serve_rendition(g->ctx, g->req, g->resp, r,
		    &g->params);
	if (g->rendition) {
		api_json(g->resp, 200);
		return api_record_json_rendition(g->ctx, g->req, &g->resp->body,
		    r, g->lifetime, &g->params);
	}
	if (g->download) {
		if (http_accept_image(request_header(g->req, "Accept")))
			return api_serve_blob(g->ctx, g->req, g->resp, r);
		return download_json(g, r);
	}
	api_json(g->resp, 200);
	return api_record_json(g->ctx, g->req, &g->resp->body, r, g->lifetime);
}

enum img_err
api_get(struct imaged *ctx, const struct request *req, struct response *resp)
{
	struct get_one	 g = { ctx, req, resp, ctx->cfg.url_lifetime, false,
	    false, { 0 } };
	const char	*v;
	char		 id[IMAGE_ID_SIZE];
	enum img_err	 e;

	if ((e = api_image_id(req, resp, id)) != IMG_OK)
		return e;
	if ((v = request_query(req, "download")) != NULL)
		g.download = strcasecmp(v, "true") == 0;
	if ((v = request_query(req, "expires_in")) != NULL &&
	    !parse_uint(v, 1, URL_LIFETIME_MAX, &g.lifetime))
		return api_fail(resp, IMG_EINVAL, "expires_in",
		    "expires_in must be a whole number of seconds from 1 to %d",
		    URL_LIFETIME_MAX);
	if ((e = api_rendition_query(ctx, req, resp, true, &g.params,
	    &g.rendition)) != IMG_OK)
		return e;
	e = catalog_get(ctx->catalog, id, get_found, &g);
	if (e == IMG_ENOTFOUND && resp->err_message[0] == '\0')
		return api_fail(resp, e, NULL, "no image %s", id);
	/* JSON ends in a newline; image bytes (a small file's body) do not. */
	if (e == IMG_OK && resp->stream.read == NULL &&
	    resp->content_type != NULL &&
	    strcmp(resp->content_type, JSON_TYPE) == 0)
		buf_addc(&resp->body, '\n');
	return e;
}

/* --- ownership, for auth = token ------------------------------------------ */

struct owner_query {
	const struct request	*req;
};

static enum img_err
owned_by_caller(void *arg, const struct image_record *r)
{
	struct owner_query	*q = arg;

	return request_may_act_for(q->req, r->user_id) ? IMG_OK : IMG_ENOTFOUND;
}

/*
 * With a user's token, another user's image does not exist for it: 404,
 * not 403, so ids cannot be probed.  Owners never change, so checking
 * before the write is enough.
 */
static enum img_err
check_owner(struct imaged *ctx, const struct request *req, const char *id)
{
	struct owner_query	 q = { req };

	if (req->principal == NULL || req->principal->admin)
		return IMG_OK;
	return catalog_get(ctx->catalog, id, owned_by_caller, &q);
}

/* --- PATCH /images/{image_id} --------------------------------------------- */

struct patched {
	struct imaged		*ctx;
	const struct request	*req;
	struct response		*resp;
};

static enum img_err
patch_done(void *arg, const struct image_record *r)
{
	struct patched	*p = arg;

	api_json(p->resp, 200);
	return api_record_json(p->ctx, p->req, &p->resp->body, r,
	    p->ctx->cfg.url_lifetime);
}

enum img_err
api_patch(struct imaged *ctx, const struct request *req, struct response *resp)
{
	struct patched		 p = { ctx, req, resp };
	struct meta_input	 m;
	struct image_meta	 view;
	json_error_t		 jerr;
	json_t			*body = NULL, *meta;
	const char		*field = NULL;
	char			 id[IMAGE_ID_SIZE], msg[256];
	enum img_err		 e;

	meta_input_init(&m);
	if ((e = api_image_id(req, resp, id)) != IMG_OK)
		goto done;
	/*
	 * Any JSON value is JSON, \u0000 included: what is not an object, or
	 * a string holding a NUL, is a validation error, not INVALID_JSON.
	 */
	if (req->body == NULL || req->body->len == 0 ||
	    (body = json_loadb(req->body->data, req->body->len,
	    JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr)) == NULL) {
		e = api_fail(resp, json_error_code(&jerr) ==
		    json_error_out_of_memory ? IMG_ENOMEM : IMG_EJSON, NULL,
		    "request body is not valid JSON");
		goto done;
	}
	if (!json_is_object(body) ||
	    !json_is_object(meta = json_object_get(body, "metadata"))) {
		e = api_fail(resp, IMG_EINVAL, "metadata", "the body must be "
		    "{\"metadata\": {...}}");
		goto done;
	}
	if (!meta_from_json(&m, meta, msg, sizeof(msg), &field)) {
		e = api_fail(resp, IMG_EINVAL, field, "%s", msg);
		goto done;
	}
	if (!meta_view(&m, &view)) {
		e = IMG_ENOMEM;
		goto done;
	}
	if ((e = check_owner(ctx, req, id)) == IMG_OK)
		e = catalog_update(ctx->catalog, id, &view, m.set,
		    patch_done, &p);
	if (e == IMG_ENOTFOUND)
		e = api_fail(resp, e, NULL, "no image %s", id);
	else if (e == IMG_OK)
		e = buf_addc(&resp->body, '\n');
done:
	json_decref(body);
	meta_input_free(&m);
	return e;
}

/* --- DELETE /images/{image_id} -------------------------------------------- */

/* The key's removal is recorded with the row's (catalog.h). */
static void
file_removed(void *arg, const char *key)
{
	char	 id[IMAGE_ID_SIZE];

	catalog_unlinked(arg, blob_key_image_id(key, id) ? id : NULL, key);
}

/*
 * The row goes first, then the file: a crash between the two leaves a
 * pending removal, finished at the next start, never a row pointing at
 * nothing.
 */
enum img_err
api_delete(struct imaged *ctx, const struct request *req, struct response *resp)
{
	char		 id[IMAGE_ID_SIZE], key[BLOB_KEY_MAX + 1];
	enum img_err	 e;

	if ((e = api_image_id(req, resp, id)) != IMG_OK)
		return e;
	if ((e = check_owner(ctx, req, id)) == IMG_OK)
		e = catalog_delete(ctx->catalog, id, key, sizeof(key));
	if (e == IMG_ENOTFOUND)
		return api_fail(resp, e, NULL, "no image %s", id);
	if (e != IMG_OK)
		return e;
	/*
	 * The image is gone once its row is; its file follows, off
	 * this path.
	 */
	(void)blob_remove_later(ctx->blobs, key, file_removed, ctx->catalog);
	rendcache_remove_image(ctx->renditions, id);
	api_json(resp, 200);
	return buf_printf(&resp->body, "{\"message\": \"Image deleted "
	    "successfully\", \"image_id\": \"%s\"}\n", id);
}
