/*
 * api_bytes.c: image bytes out: the signed URL route and the body of
 * every byte response (conditional, ranged, from the file descriptor),
 * for originals and renditions alike.
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
#include "imaged/metrics.h"
#include "imaged/signer.h"
#include "imaged/text.h"

/*
 * Files up to this size are answered from memory: for a thumbnail,
 * libmicrohttpd's file response (sendfile) costs more than the read, and
 * halves the request rate.
 */
#define SMALL_FILE_MAX	(64 * 1024)

/* The headers every answer about the file carries. */
static enum img_err
file_headers(struct response *resp, const char *etag, const char *filename,
    const struct blob_info *info)
{
	struct buf	 disp;
	char		 lastmod[32];
	enum img_err	 e;

	time_format_http(info->mtime, lastmod);
	buf_init(&disp, 4096);
	if ((e = http_content_disposition(&disp, filename)) != IMG_OK ||
	    (e = response_header(resp, "ETag", "\"%s\"", etag)) ||
	    (e = response_header(resp, "Last-Modified", "%s", lastmod)) ||
	    (e = response_header(resp, "Content-Disposition", "%s",
	    disp.data)) ||
	    (e = response_header(resp, "Cache-Control", "private")) ||
	    (e = response_header(resp, "Accept-Ranges", "bytes"))) {
		buf_free(&disp);
		return e;
	}
	buf_free(&disp);
	return IMG_OK;
}

/* Read len bytes at off of resp->fd into the body and close the fd. */
static enum img_err
small_from_memory(struct response *resp, uint64_t off, uint64_t len)
{
	enum img_err	 e;
	ssize_t		 n;
	size_t		 got = 0;

	if ((e = buf_reserve(&resp->body, (size_t)len)) != IMG_OK)
		return e;
	while (got < len) {
		n = pread(resp->fd, resp->body.data + resp->body.len + got,
		    (size_t)len - got, (off_t)(off + got));
		if (n <= 0)
			return IMG_EUNAVAIL;	/* shrunk under us: not ours */
		got += (size_t)n;
	}
	resp->body.len += got;
	close(resp->fd);
	resp->fd = -1;
	return IMG_OK;
}

/*
 * Turn the 200 with the whole file into a 304 or a 206 when the request's
 * conditions ask for it.  imaged-api(7), DECIDED EDGE CASES:
 * If-None-Match wins over Range.
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
	if (range != HTTP_RANGE_UNSATISFIABLE && size <= SMALL_FILE_MAX &&
	    (e = small_from_memory(resp, range == HTTP_RANGE_OK ? start : 0,
	    range == HTTP_RANGE_OK ? len : size)) != IMG_OK)
		return e;
	if (range == HTTP_RANGE_UNSATISFIABLE) {
		if ((e = response_header(resp, "Content-Range",
		    "bytes */%" PRIu64, size)) != IMG_OK)
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
api_serve_fd(const struct request *req, struct response *resp, int fd,
    const struct blob_info *info, const char *etag, const char *content_type,
    const char *filename)
{
	enum img_err	 e;

	resp->fd = fd;	/* the response owns it from here */
	if ((e = file_headers(resp, etag, filename, info)) != IMG_OK)
		return e;
	/* The caller's strings may be borrowed: keep a copy past the call. */
	snprintf(resp->content_type_buf, sizeof(resp->content_type_buf), "%s",
	    content_type);
	resp->content_type = resp->content_type_buf;
	resp->offset = 0;
	resp->length = info->size;
	resp->status = 200;
	return apply_conditions(req, resp, info->size);
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
	/*
	 * An image's bytes never change after its upload: its created_at,
	 * from the server's clock, is when they were last modified (the
	 * file's time would bypass a fixed clock).
	 */
	info.mtime = (time_t)(r->created_at / USEC_PER_SEC);
	return api_serve_fd(req, resp, fd, &info, r->checksum_sha256,
	    r->content_type, r->filename);
}

struct blob_lookup {
	struct imaged		*ctx;
	const struct request	*req;
	struct response		*resp;
	bool			 rendition;
	struct rend_params	 params;	/* finished, when rendition */
};

static enum img_err
serve_found(void *arg, const struct image_record *r)
{
	struct blob_lookup	*l = arg;

	if (strcmp(r->s3_key, l->req->param) != 0)
		return IMG_ENOTFOUND;
	if (l->rendition)
		return api_serve_rendition(l->ctx, l->req, l->resp, r,
		    &l->params);
	return api_serve_blob(l->ctx, l->req, l->resp, r);
}

/*
 * The key names its image id (blob_key_image_id); the row of that id must
 * hold this very key.
 */
enum img_err
api_blob(struct imaged *ctx, const struct request *req, struct response *resp)
{
	struct blob_lookup	 l = { ctx, req, resp, false, { 0 } };
	char			 path[ROUTE_PARAM_MAX + 8], id[IMAGE_ID_SIZE];
	char			 canon[REND_CANON_MAX];
	const char		*base;
	enum img_err		 e;

	snprintf(path, sizeof(path), "/blobs/%s", req->param);
	/*
	 * A rendition's URL carries its parameters, which the signature
	 * covers in canonical form: no rendition= here, only what a signed
	 * URL holds.
	 */
	if ((e = api_rendition_query(ctx, req, resp, false, &l.params,
	    &l.rendition)) != IMG_OK)
		return e;
	if (l.rendition) {
		if ((e = api_rendition_finish(resp, req->param, &l.params)) !=
		    IMG_OK)
			return e;
		rend_canonical(&l.params, canon);
	}
	e = signer_verify_rendition_url(ctx->signer, path,
	    l.rendition ? canon : NULL, request_query(req, "expires"),
	    request_query(req, "signature"),
	    (int64_t)clock_seconds(&ctx->clock));
	metrics_signed(ctx->metrics, e == IMG_OK ? METRICS_SIGNED_OK :
	    e == IMG_EEXPIRED ? METRICS_SIGNED_EXPIRED :
	    METRICS_SIGNED_FORBIDDEN);
	if (e == IMG_EFORBIDDEN)
		return api_fail(resp, e, NULL, "the URL's signature is missing "
		    "or does not match");
	if (e == IMG_EEXPIRED)
		return api_fail(resp, e, NULL, "the signed URL has expired");
	if (!blob_key_image_id(req->param, id))
		return api_fail(resp, IMG_ENOTFOUND, NULL, "no such image");
	/*
	 * A kept rendition is served without the catalog: the signature
	 * vouches for the key, and a deleted image's renditions go with it.
	 */
	if (l.rendition) {
		base = strrchr(req->param, '/');
		e = api_serve_kept_rendition(ctx, req, resp, id,
		    base != NULL ? base + 1 : req->param, &l.params);
		if (e != IMG_ENOTFOUND)
			return e;
	}
	e = catalog_get(ctx->catalog, id, serve_found, &l);
	if (e == IMG_ENOTFOUND && resp->err_message[0] == '\0')
		return api_fail(resp, e, NULL, "no such image");
	return e;
}
