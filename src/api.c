/*
 * api.c: the route table, the record renderer every response shares,
 * /healthz, /openapi.json and /metrics.
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
#include "imaged/console.h"
#include "imaged/imaged.h"
#include "imaged/metrics.h"
#include "imaged/openapi.h"
#include "imaged/signer.h"
#include "imaged/text.h"
#include "imaged/tokens.h"

const struct route api_routes[] = {
	{ .method = HTTP_POST, .pattern = "/images", .handler = api_upload,
	  .sink = &api_upload_sink, .waits_on_disk = true },
	{ .method = HTTP_GET, .pattern = "/images", .handler = api_list },
	{ .method = HTTP_GET, .pattern = "/images/{image_id}",
	  .handler = api_get },
	{ .method = HTTP_PATCH, .pattern = "/images/{image_id}",
	  .handler = api_patch, .body_max = JSON_BODY_MAX,
	  .waits_on_disk = true },
	{ .method = HTTP_DELETE, .pattern = "/images/{image_id}",
	  .handler = api_delete, .waits_on_disk = true },
	/* A signed URL is a bearer capability of its own: no token needed. */
	{ .method = HTTP_GET, .pattern = "/blobs/{s3_key...}",
	  .handler = api_blob, .open = true },
	{ .method = HTTP_GET, .pattern = "/healthz", .handler = api_health,
	  .open = true },
	/* The API's description is public, as the API's routes are. */
	{ .method = HTTP_GET, .pattern = "/openapi.json",
	  .handler = api_openapi, .open = true },
	/* With auth = token, an admin's token only (the handler checks). */
	{ .method = HTTP_GET, .pattern = "/metrics", .handler = api_metrics },
	/*
	 * The web console (console.h): open, since the page itself holds
	 * nothing and asks for the token; 404 when console is off.
	 */
	{ .method = HTTP_GET, .pattern = "/", .handler = console_page,
	  .open = true },
	{ .method = HTTP_GET, .pattern = "/console/{name}",
	  .handler = console_file, .open = true },
	/*
	 * test_mode only, and last: api_nroutes_for() leaves these
	 * CONTROL_ROUTES rows out otherwise, so they are 404 as any
	 * unknown path.  With auth = token they need an admin token.
	 */
	{ .method = HTTP_GET, .pattern = "/_imaged/clock",
	  .handler = api_control_clock_get },
	{ .method = HTTP_POST, .pattern = "/_imaged/clock",
	  .handler = api_control_clock_set, .body_max = CONTROL_BODY_MAX },
	{ .method = HTTP_POST, .pattern = "/_imaged/reset",
	  .handler = api_control_reset, .body_max = CONTROL_BODY_MAX },
	{ .method = HTTP_GET, .pattern = "/_imaged/faults",
	  .handler = api_control_faults_get },
	{ .method = HTTP_POST, .pattern = "/_imaged/faults",
	  .handler = api_control_faults_add, .body_max = CONTROL_BODY_MAX },
	{ .method = HTTP_DELETE, .pattern = "/_imaged/faults",
	  .handler = api_control_faults_clear },
	{ .method = HTTP_GET, .pattern = "/_imaged/requests",
	  .handler = api_control_requests_get },
	{ .method = HTTP_DELETE, .pattern = "/_imaged/requests",
	  .handler = api_control_requests_clear },
};
#define CONTROL_ROUTES	8
const size_t api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);

size_t
api_nroutes_for(const struct config *cfg)
{
	return cfg->test_mode ? api_nroutes : api_nroutes - CONTROL_ROUTES;
}

void
api_json(struct response *resp, int status)
{
	resp->status = status;
	resp->content_type = JSON_TYPE;
}

enum img_err
api_image_id(const struct request *req, struct response *resp,
    char id[IMAGE_ID_SIZE])
{
	const char	*p = req->param != NULL ? req->param : "";

	if (!uuid_parse(p, strlen(p), id))
		return api_fail(resp, IMG_EINVAL, "image_id",
		    "image_id must be a UUID (8-4-4-4-12 hex digits)");
	return IMG_OK;
}

#define BLOB_PREFIX	"/blobs/"

/* A literal's bytes, without its NUL. */
#define PUT_LIT(b, lit)	buf_add((b), (lit), sizeof(lit) - 1)

/* Decimal digits of v, no printf: a page formats hundreds of numbers. */
static enum img_err
put_int(struct buf *b, int64_t v)
{
	char		 tmp[24];
	size_t		 i = sizeof(tmp);
	uint64_t	 u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		tmp[--i] = '-';
	return buf_add(b, tmp + i, sizeof(tmp) - i);
}

static enum img_err
put_dim(struct buf *b, uint32_t v)
{
	return v == 0 ? PUT_LIT(b, "null") : put_int(b, v);
}

/*
 * The signed download URL as a JSON string: base_url path "?" query
 * "expires=" expires "&signature=" sig.  The parts that came from a
 * client or the settings are escaped; the digits and hex need none.
 */
static enum img_err
put_url(struct buf *b, const char *base, const char *path, size_t pathlen,
    const char *query, int64_t expires, const char *sig)
{
	enum img_err	 e;

	if ((e = buf_addc(b, '"')) != IMG_OK ||
	    (e = json_put_chars(b, base, strlen(base))) != IMG_OK ||
	    (e = json_put_chars(b, path, pathlen)) != IMG_OK ||
	    (e = buf_addc(b, '?')) != IMG_OK ||
	    (e = json_put_chars(b, query, strlen(query))) != IMG_OK ||
	    (e = PUT_LIT(b, "expires=")) != IMG_OK ||
	    (e = put_int(b, expires)) != IMG_OK ||
	    (e = PUT_LIT(b, "&signature=")) != IMG_OK ||
	    (e = buf_add(b, sig, SIGNER_SIG_HEX)) != IMG_OK)
		return e;
	return buf_addc(b, '"');
}

/*
 * The record, written field by field with no format strings; the order
 * is the API's.  Every string that came from a client goes through
 * json_put_str.
 */
enum img_err
api_record_json(struct imaged *ctx, const struct request *req, struct buf *b,
    const struct image_record *r, unsigned lifetime)
{
	return api_record_json_rendition(ctx, req, b, r, lifetime, NULL);
}

enum img_err
api_record_json_rendition(struct imaged *ctx, const struct request *req,
    struct buf *b, const struct image_record *r, unsigned lifetime,
    const struct rend_params *rp)
{
	char		 created[32], updated[32], sig[SIGNER_SIG_HEX + 1];
	char		 path[BLOB_KEY_MAX + 16];
	char		 canon[REND_CANON_MAX], query[REND_QUERY_MAX + 1] = "";
	int64_t		 expires =
	    (int64_t)clock_seconds(&ctx->clock) + lifetime;
	enum img_err	 e;
	size_t		 n, pathlen;

	time_format_rfc3339(r->created_at, created);
	time_format_rfc3339(r->updated_at, updated);
	/* "/blobs/" s3_key, cut to fit as a format would */
	pathlen = strlen(r->s3_key);
	if (pathlen > sizeof(path) - sizeof(BLOB_PREFIX))
		pathlen = sizeof(path) - sizeof(BLOB_PREFIX);
	memcpy(path, BLOB_PREFIX, sizeof(BLOB_PREFIX) - 1);
	memcpy(path + sizeof(BLOB_PREFIX) - 1, r->s3_key, pathlen);
	pathlen += sizeof(BLOB_PREFIX) - 1;
	path[pathlen] = '\0';
	if (rp != NULL) {
		/*
		 * The rendition's parameters, in the URL and under
		 * its signature.
		 */
		rend_canonical(rp, canon);
		n = rend_query(rp, query);
		query[n] = '&';
		query[n + 1] = '\0';
		signer_sign_rendition_url(ctx->signer, path, canon,
		    expires, sig);
	} else
		signer_sign_url(ctx->signer, path, expires, sig);

	if ((e = buf_reserve(b, 1024)) != IMG_OK ||
	    (e = PUT_LIT(b, "{\"image_id\": ")) != IMG_OK ||
	    (e = json_put_str(b, r->image_id)) != IMG_OK ||
	    (e = PUT_LIT(b, ", \"user_id\": ")) != IMG_OK ||
	    (e = json_put_str(b, r->user_id)) != IMG_OK ||
	    (e = PUT_LIT(b, ", \"filename\": ")) != IMG_OK ||
	    (e = json_put_str(b, r->filename)) != IMG_OK ||
	    (e = PUT_LIT(b, ", \"s3_key\": ")) != IMG_OK ||
	    (e = json_put_str(b, r->s3_key)) != IMG_OK ||
	    (e = PUT_LIT(b, ", \"content_type\": ")) != IMG_OK ||
	    (e = json_put_str(b, r->content_type)) != IMG_OK ||
	    (e = PUT_LIT(b, ", \"file_size\": ")) != IMG_OK ||
	    (e = put_int(b, r->file_size)) != IMG_OK ||
	    (e = PUT_LIT(b, ", \"checksum_sha256\": ")) != IMG_OK ||
	    (e = json_put_str(b, r->checksum_sha256)) != IMG_OK ||
	    (e = PUT_LIT(b, ", \"width\": ")) != IMG_OK ||
	    (e = put_dim(b, r->width)) != IMG_OK ||
	    (e = PUT_LIT(b, ", \"height\": ")) != IMG_OK ||
	    (e = put_dim(b, r->height)) != IMG_OK ||
	    (e = PUT_LIT(b, ", \"title\": ")) != IMG_OK ||
	    (e = json_put_str(b, r->title)) != IMG_OK ||
	    (e = PUT_LIT(b, ", \"description\": ")) != IMG_OK ||
	    (e = json_put_str(b, r->description)) != IMG_OK ||
	    (e = PUT_LIT(b, ", \"tags\": ")) != IMG_OK ||
	    (e = buf_adds(b, r->tags_json)) != IMG_OK ||
	    (e = PUT_LIT(b, ", \"location\": ")) != IMG_OK ||
	    (e = json_put_str(b, r->location)) != IMG_OK ||
	    (e = PUT_LIT(b, ", \"created_at\": \"")) != IMG_OK ||
	    (e = buf_adds(b, created)) != IMG_OK ||
	    (e = PUT_LIT(b, "\", \"updated_at\": \"")) != IMG_OK ||
	    (e = buf_adds(b, updated)) != IMG_OK ||
	    (e = PUT_LIT(b, "\", \"download_url\": ")) != IMG_OK ||
	    (e = put_url(b, req->base_url, path, pathlen, query, expires,
	    sig)) != IMG_OK ||
	    (e = PUT_LIT(b, ", \"url_expires_in\": ")) != IMG_OK ||
	    (e = put_int(b, lifetime)) != IMG_OK)
		return e;
	return buf_addc(b, '}');
}

enum img_err
api_authenticate(struct imaged *ctx, const struct request *req,
    struct response *resp, struct principal *who)
{
	const char	*token = request_header(req, "x-api-key");
	const char	*auth = request_header(req, "Authorization");

	if (token == NULL && auth != NULL &&
	    strncasecmp(auth, "Bearer ", 7) == 0)
		for (token = auth + 7; *token == ' '; token++)
			;
	if (token == NULL || *token == '\0')
		return api_fail(resp, IMG_EUNAUTH, NULL, "send a token: "
		    "Authorization: Bearer <token> or x-api-key: <token>");
	if (!tokens_lookup(ctx->tokens, token, strlen(token), who))
		return api_fail(resp, IMG_EUNAUTH, NULL,
		    "unknown or revoked token");
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
	    "\"ok\", \"storage\": \"ok\"}\n");
}

enum img_err
api_openapi(struct imaged *ctx, const struct request *req,
    struct response *resp)
{
	const char	*doc;
	size_t		 len;

	(void)ctx;
	(void)req;
	doc = openapi_document(&len);
	api_json(resp, 200);
	return buf_add(&resp->body, doc, len);
}

enum img_err
api_metrics(struct imaged *ctx, const struct request *req,
    struct response *resp)
{
	int64_t		 images, bytes;
	uint64_t	 hits, fills;
	enum img_err	 e;

	if (ctx->metrics == NULL)
		return api_fail(resp, IMG_ENOTFOUND, NULL,
		    "metrics are off (setting metrics)");
	if (req->principal != NULL && !req->principal->admin)
		return api_fail(resp, IMG_EFORBIDDEN, NULL,
		    "the metrics need an admin's token");
	if ((e = catalog_totals(ctx->catalog, &images, &bytes)) != IMG_OK)
		return api_fail(resp, IMG_EUNAVAIL, NULL,
		    "the database cannot be used");
	catalog_cache_stats(ctx->catalog, &hits, &fills);
	resp->status = 200;
	resp->content_type = METRICS_CONTENT_TYPE;
	if ((e = metrics_render(ctx->metrics, &resp->body)) != IMG_OK ||
	    (e = metrics_render_gauge(&resp->body, "imaged_images_stored",
	    "Images stored (listed).", (double)images)) != IMG_OK ||
	    (e = metrics_render_counter(&resp->body,
	    "imaged_catalog_cache_hits_total", "Reads by id and pages served "
	    "from memory, the catalog unchanged since.", hits)) != IMG_OK ||
	    (e = metrics_render_counter(&resp->body,
	    "imaged_catalog_cache_fills_total", "Reads by id and pages kept "
	    "in memory.", fills)) != IMG_OK)
		return e;
	return metrics_render_gauge(&resp->body, "imaged_image_bytes_stored",
	    "Bytes of the images stored.", (double)bytes);
}
