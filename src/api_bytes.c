/*
 * api_bytes.c: image bytes out: the signed URL route and the body of
 * every byte response (conditional, ranged, from the file descriptor).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imaged/api.h"
#include "imaged/blobstore.h"
#include "imaged/httputil.h"
#include "imaged/imaged.h"
#include "imaged/signer.h"
#include "imaged/text.h"

/* The headers every answer about the file carries. */
static enum img_err
file_headers(struct response *resp, const struct image_record *r,
    const struct blob_info *info)
{
	struct buf	 disp;
	char		 lastmod[32];
	enum img_err	 e;

	time_format_http(info->mtime, lastmod);
	buf_init(&disp, 4096);
	if ((e = http_content_disposition(&disp, r->filename)) != IMG_OK ||
	    (e = response_header(resp, "ETag", "\"%s\"", r->checksum_sha256)) ||
	    (e = response_header(resp, "Last-Modified", "%s", lastmod)) ||
	    (e = response_header(resp, "Content-Disposition", "%s", disp.data)) ||
	    (e = response_header(resp, "Cache-Control", "private")) ||
	    (e = response_header(resp, "Accept-Ranges", "bytes"))) {
		buf_free(&disp);
		return e;
	}
	buf_free(&disp);
	return IMG_OK;
}

/*
 * Turn the 200 with the whole file into a 304 or a 206 when the request's
 * conditions ask for it.  API.md: If-None-Match wins over Range.
 */
static enum img_err
apply_conditions(const struct request *req, struct response *resp,
    uint64_t size)
{
	uint64_t	 start, len;
	enum http_range	 range;
	enum img_err	 e;

	if (http_etag_match(request_header(req, "If-None-Match"),
	    response_get_header(resp, "ETag"))) {
		close(resp->fd);
		resp->fd = -1;
		resp->status = 304;
		return IMG_OK;
	}
	range = http_parse_range(request_header(req, "Range"), size, &start,
	    &len);
	if (range == HTTP_RANGE_UNSATISFIABLE) {
		if ((e = response_header(resp, "Content-Range", "bytes */%" PRIu64,
		    size)) != IMG_OK)
			return e;
		return api_fail(resp, IMG_ERANGE, NULL, "the range is not "
		    "within the %" PRIu64 " bytes of the image", size);
	}
	if (range == HTTP_RANGE_OK) {
		resp->status = 206;
		resp->offset = start;
		resp->length = len;
		return response_header(resp, "Content-Range",
		    "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, start,
		    start + len - 1, size);
	}
	return IMG_OK;
}

enum img_err
api_serve_blob(struct imaged *ctx, const struct request *req,
    struct response *resp, const struct image_record *r)
{
	struct blob_info	 info;
	enum img_err		 e;
	int			 fd;

	e = blob_open_read(ctx->blobs, r->s3_key, &fd, &info);
	if (e == IMG_ENOTFOUND)
		return api_fail(resp, e, NULL, "the image's file is missing "
		    "from the blob store");
	if (e != IMG_OK)
		return e;
	resp->fd = fd;	/* the response owns it from here */
	if ((e = file_headers(resp, r, &info)) != IMG_OK)
		return e;
	/* r is borrowed from the catalog: keep a copy past the callback. */
	snprintf(resp->content_type_buf, sizeof(resp->content_type_buf), "%s",
	    r->content_type);
	resp->content_type = resp->content_type_buf;
	resp->offset = 0;
	resp->length = info.size;
	resp->status = 200;
	return apply_conditions(req, resp, info.size);
}

struct blob_lookup {
	struct imaged		*ctx;
	const struct request	*req;
	struct response		*resp;
};

static enum img_err
serve_found(void *arg, const struct image_record *r)
{
	struct blob_lookup	*l = arg;

	if (strcmp(r->s3_key, l->req->param) != 0)
		return IMG_ENOTFOUND;
	return api_serve_blob(l->ctx, l->req, l->resp, r);
}

/*
 * The key names its image id (blob_key_image_id); the row of that id must
 * hold this very key.
 */
enum img_err
api_blob(struct imaged *ctx, const struct request *req, struct response *resp)
{
	struct blob_lookup	 l = { ctx, req, resp };
	char			 path[ROUTE_PARAM_MAX + 8], id[IMAGE_ID_SIZE];
	enum img_err		 e;

	snprintf(path, sizeof(path), "/blobs/%s", req->param);
	e = signer_verify_url(ctx->signer, path, request_query(req, "expires"),
	    request_query(req, "signature"), (int64_t)time(NULL));
	if (e == IMG_EFORBIDDEN)
		return api_fail(resp, e, NULL, "the URL's signature is missing "
		    "or does not match");
	if (e == IMG_EEXPIRED)
		return api_fail(resp, e, NULL, "the signed URL has expired");
	if (!blob_key_image_id(req->param, id))
		return api_fail(resp, IMG_ENOTFOUND, NULL, "no such image");
	e = catalog_get(ctx->catalog, id, serve_found, &l);
	if (e == IMG_ENOTFOUND && resp->err_message[0] == '\0')
		return api_fail(resp, e, NULL, "no such image");
	return e;
}
