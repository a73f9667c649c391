/*
 * api.c: the route table, the record renderer every response shares, and
 * /healthz.
 *
 * Records are written straight into the response buffer with escaping
 * (httputil's json_put_str): a page of 20 costs about what its SQL costs,
 * where building a jansson tree first would cost more than the query.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "imaged/api.h"
#include "imaged/blobstore.h"
#include "imaged/catalog.h"
#include "imaged/httputil.h"
#include "imaged/imaged.h"
#include "imaged/signer.h"
#include "imaged/tokens.h"

#define UPLOAD_RAW_BODY_MAX	0	/* streamed: the sink enforces the limits */

const struct route api_routes[] = {
	{ .method = HTTP_POST, .pattern = "/images", .handler = api_upload,
	  .sink = &api_upload_sink },
	{ .method = HTTP_GET, .pattern = "/images", .handler = api_list },
	{ .method = HTTP_GET, .pattern = "/images/{image_id}", .handler = api_get },
	{ .method = HTTP_PATCH, .pattern = "/images/{image_id}",
	  .handler = api_patch, .body_max = JSON_BODY_MAX },
	{ .method = HTTP_DELETE, .pattern = "/images/{image_id}",
	  .handler = api_delete },
	/* A signed URL is a bearer capability of its own: no token needed. */
	{ .method = HTTP_GET, .pattern = "/blobs/{s3_key...}", .handler = api_blob,
	  .open = true },
	{ .method = HTTP_GET, .pattern = "/healthz", .handler = api_health,
	  .open = true },
};
const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);

void
api_json(struct response *resp, int status)
{
	resp->status = status;
	resp->content_type = JSON_TYPE;
}

enum img_err
api_image_id(const struct request *req, struct response *resp, char id[37])
{
	const char	*p = req->param != NULL ? req->param : "";

	if (!uuid_parse(p, strlen(p), id))
		return api_fail(resp, IMG_EINVAL, "image_id",
		    "image_id must be a UUID (8-4-4-4-12 hex digits)");
	return IMG_OK;
}

static enum img_err
put_key(struct buf *b, const char *key, const char *value)
{
	enum img_err	 e;

	if ((e = buf_printf(b, "\"%s\": ", key)) != IMG_OK)
		return e;
	return json_put_str(b, value);
}

static enum img_err
put_dim(struct buf *b, const char *key, uint32_t v)
{
	if (v == 0)
		return buf_printf(b, ", \"%s\": null", key);
	return buf_printf(b, ", \"%s\": %" PRIu32, key, v);
}

enum img_err
api_record_json(struct imaged *ctx, const struct request *req, struct buf *b,
    const struct image_record *r, unsigned lifetime)
{
	char		 created[32], updated[32], sig[SIGNER_SIG_HEX + 1];
	char		 path[BLOB_KEY_MAX + 16], url[1024];
	int64_t		 expires = (int64_t)time(NULL) + lifetime;
	enum img_err	 e;

	time_format_rfc3339(r->created_at, created);
	time_format_rfc3339(r->updated_at, updated);
	snprintf(path, sizeof(path), "/blobs/%s", r->s3_key);
	signer_sign_url(ctx->signer, path, expires, sig);
	snprintf(url, sizeof(url), "%s%s?expires=%" PRId64 "&signature=%s",
	    req->base_url, path, expires, sig);

	if ((e = buf_addc(b, '{')) != IMG_OK ||
	    (e = put_key(b, "image_id", r->image_id)) != IMG_OK ||
	    (e = buf_adds(b, ", ")) != IMG_OK ||
	    (e = put_key(b, "user_id", r->user_id)) != IMG_OK ||
	    (e = buf_adds(b, ", ")) != IMG_OK ||
	    (e = put_key(b, "filename", r->filename)) != IMG_OK ||
	    (e = buf_adds(b, ", ")) != IMG_OK ||
	    (e = put_key(b, "s3_key", r->s3_key)) != IMG_OK ||
	    (e = buf_adds(b, ", ")) != IMG_OK ||
	    (e = put_key(b, "content_type", r->content_type)) != IMG_OK ||
	    (e = buf_printf(b, ", \"file_size\": %" PRId64 ", ",
	    r->file_size)) != IMG_OK ||
	    (e = put_key(b, "checksum_sha256", r->checksum_sha256)) != IMG_OK ||
	    (e = put_dim(b, "width", r->width)) != IMG_OK ||
	    (e = put_dim(b, "height", r->height)) != IMG_OK ||
	    (e = buf_adds(b, ", ")) != IMG_OK ||
	    (e = put_key(b, "title", r->title)) != IMG_OK ||
	    (e = buf_adds(b, ", ")) != IMG_OK ||
	    (e = put_key(b, "description", r->description)) != IMG_OK ||
	    (e = buf_printf(b, ", \"tags\": %s, ", r->tags_json)) != IMG_OK ||
	    (e = put_key(b, "location", r->location)) != IMG_OK ||
	    (e = buf_printf(b, ", \"created_at\": \"%s\", \"updated_at\": \"%s\", ",
	    created, updated)) != IMG_OK ||
	    (e = put_key(b, "download_url", url)) != IMG_OK ||
	    (e = buf_printf(b, ", \"url_expires_in\": %u}", lifetime)) != IMG_OK)
		return e;
	return IMG_OK;
}

enum img_err
api_authenticate(struct imaged *ctx, const struct request *req,
    struct response *resp, struct principal *who)
{
	const char	*token = request_header(req, "x-api-key");
	const char	*auth = request_header(req, "Authorization");

	if (token == NULL && auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0)
		for (token = auth + 7; *token == ' '; token++)
			;
	if (token == NULL || *token == '\0')
		return api_fail(resp, IMG_EUNAUTH, NULL, "send a token: "
		    "Authorization: Bearer <token> or x-api-key: <token>");
	if (!tokens_lookup(ctx->tokens, token, strlen(token), who))
		return api_fail(resp, IMG_EUNAUTH, NULL, "unknown or revoked token");
	return IMG_OK;
}

enum img_err
api_health(struct imaged *ctx, const struct request *req, struct response *resp)
{
	(void)req;
	if (catalog_ping(ctx->catalog) != IMG_OK)
		return api_fail(resp, IMG_EUNAVAIL, NULL,
		    "the database cannot be used");
	if (blobstore_ping(ctx->blobs) != IMG_OK)
		return api_fail(resp, IMG_EUNAVAIL, NULL,
		    "the bucket folder cannot be used");
	api_json(resp, 200);
	return buf_printf(&resp->body, "{\"status\": \"ok\", \"database\": "
	    "\"ok\", \"storage\": \"ok\", \"sweep\": \"%s\"}\n",
	    atomic_load(&ctx->sweep_done) ? "done" : "running");
}
