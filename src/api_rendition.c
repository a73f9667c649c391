/*
 * api_rendition.c: renditions over HTTP: the parameters a request gives,
 * the checks against the image's record, and the answer with the
 * rendition's bytes.
 *
 * A kept rendition is answered at once, like any file.  A missing one is
 * made on the render pool (rendcache.h) while the request is deferred
 * (http.h, struct response_defer): no request thread waits on a render.
 * The deferral copies what it needs of the record, which the catalog only
 * lends for the length of its callback.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaged/api.h"
#include "imaged/imaged.h"
#include "imaged/rendcache.h"
#include "imaged/rendition.h"

#define RETRY_AFTER_SECONDS	1
/*
 * "<image id>-<canonical name>": an image's bytes never change, so its id
 * and the parameters name the rendition's bytes, with no record needed.
 */
#define ETAG_MAX		(IMAGE_ID_LEN + 1 + REND_CANON_MAX)

enum img_err
api_rendition_query(struct imaged *ctx, const struct request *req,
    struct response *resp, bool spec_allowed, struct rend_params *p,
    bool *asked)
{
	static const char *const keys[] = { "w", "h", "fit", "format", "q" };
	struct rend_error	 err;
	const char		*v, *format_field = "format";
	size_t			 i;

	memset(p, 0, sizeof(*p));
	*asked = false;
	/*
	 * avif is taken at its word here; whether this libvips writes it is
	 * asked below, only of a request that wants it, since asking loads
	 * libvips.
	 */
	if (spec_allowed && (v = request_query(req, "rendition")) != NULL) {
		if (rend_spec_parse(v, strlen(v), &ctx->cfg.renditions, true, p,
		    &err) != IMG_OK)
			return api_fail(resp, IMG_EINVAL, err.field, "%s",
			    err.message);
		*asked = true;
		format_field = "rendition";
	}
	/* Given one by one, the parameters override a spec's. */
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if ((v = request_query(req, keys[i])) == NULL)
			continue;
		if (rend_param_set(p, keys[i], v, strlen(v), true,
		    &err) != IMG_OK)
			return api_fail(resp, IMG_EINVAL, err.field, "%s",
			    err.message);
		if (strcmp(keys[i], "format") == 0)
			format_field = "format";
		*asked = true;
	}
	if (p->format == REND_FMT_AVIF && !rendition_avif_ok())
		return api_fail(resp, IMG_EINVAL, format_field,
		    "format must be jpeg, png or webp: this libvips "
		    "cannot write avif");
	return IMG_OK;
}

/* The kind the key's extension names (the record's content type follows it). */
static enum img_kind
kind_of_key(const char *key)
{
	const char	*dot = strrchr(key, '.');
	char		 ext[8];
	size_t		 i;

	if (dot == NULL || strlen(dot + 1) >= sizeof(ext))
		return IMG_KIND_UNKNOWN;
	for (i = 0; dot[1 + i] != '\0'; i++)
		ext[i] = (char)(dot[1 + i] >= 'A' && dot[1 + i] <= 'Z' ?
		    dot[1 + i] + 32 : dot[1 + i]);
	ext[i] = '\0';
	return img_kind_from_ext(ext);
}

enum img_err
api_rendition_finish(struct response *resp, const char *s3_key,
    struct rend_params *p)
{
	struct rend_error	 err;
	enum img_kind		 kind = kind_of_key(s3_key);

	if (kind == IMG_KIND_UNKNOWN)
		return api_fail(resp, IMG_EINVAL, "image", "renditions are "
		    "made of JPEG, PNG, GIF and WebP images");
	if (rend_params_finish(p, kind, &err) != IMG_OK)
		return api_fail(resp, IMG_EINVAL, err.field, "%s", err.message);
	return IMG_OK;
}

/* What the record says, before any byte is read. */
static enum img_err
check_record(struct imaged *ctx, struct response *resp,
    const struct image_record *r)
{
	if (r->width == 0 || r->height == 0)
		return api_fail(resp, IMG_EINVAL, "image", "the image's header "
		    "cannot be read, so no rendition can be made of it");
	if ((uint64_t)r->width * r->height > ctx->cfg.rendition_max_pixels)
		return api_fail(resp, IMG_EINVAL, "image", "the image has "
		    "%" PRIu64 " pixels; renditions are made of images of at "
		    "most %u", (uint64_t)r->width * r->height,
		    ctx->cfg.rendition_max_pixels);
	return IMG_OK;
}

/* A rendition being made for one request. */
struct rend_wait {
	struct imaged		*ctx;
	char			 key[RENDCACHE_KEY_MAX];
	char			 source_key[BLOB_KEY_MAX + 1];
	char			 etag[ETAG_MAX];
	char			 filename[300];
	struct rend_params	 params;
	/* set by on_made, before the wake */
	enum img_err		 result;
	int			 fd;
	struct blob_info	 info;
	struct rend_error	 err;
	response_wake		 wake;
	void			*token;
};

/* The rendition's file name: the original's stem and the format's extension. */
static void
rendition_filename(const char *original, const struct rend_params *p,
    char *out, size_t len)
{
	const char	*dot = strrchr(original, '.');
	int		 stem = dot != NULL ? (int)(dot - original) :
	    (int)strlen(original);

	snprintf(out, len, "%.*s.%s", stem, original,
	    rend_format_ext(p->format));
}

static void
on_made(void *arg, enum img_err e, int fd, const struct blob_info *info,
    const struct rend_error *err)
{
	struct rend_wait	*w = arg;

	w->result = e;
	w->fd = fd;
	if (info != NULL)
		w->info = *info;
	if (err != NULL)
		w->err = *err;
	w->wake(w->token);
}

static enum img_err
wait_start(void *arg, struct response *resp, response_wake wake, void *token)
{
	struct rend_wait	*w = arg;
	enum img_err		 e;

	w->wake = wake;
	w->token = token;
	e = rendcache_make(w->ctx->renditions, w->key, w->source_key,
	    &w->params, on_made, w);
	if (e == IMG_EUNAVAIL) {
		(void)response_header(resp, "Retry-After", "%d",
		    RETRY_AFTER_SECONDS);
		return api_fail(resp, e, NULL, "every render worker is busy; "
		    "try again shortly");
	}
	return e;
}

static enum img_err
wait_resume(struct imaged *ctx, const struct request *req,
    struct response *resp, void *arg)
{
	struct rend_wait	*w = arg;
	int			 fd = w->fd;

	(void)ctx;
	if (w->result == IMG_EINVAL)
		return api_fail(resp, IMG_EINVAL, w->err.field != NULL ?
		    w->err.field : "image", "%s", w->err.message);
	if (w->result == IMG_EDECODE)
		return api_fail(resp, IMG_EDECODE, "image", "the image cannot "
		    "be decoded (corrupt or cut short); the original is still "
		    "served");
	if (w->result == IMG_ENOTFOUND)
		return api_fail(resp, IMG_ENOTFOUND, NULL, "the image was "
		    "deleted");
	if (w->result != IMG_OK)
		return w->result;
	w->fd = -1;	/* the response's now */
	return api_serve_fd(req, resp, fd, &w->info, w->etag,
	    rend_format_mime(w->params.format), w->filename);
}

static void
wait_release(void *arg)
{
	struct rend_wait	*w = arg;

	if (w->fd != -1)
		close(w->fd);
	free(w);
}

enum img_err
api_serve_kept_rendition(struct imaged *ctx, const struct request *req,
    struct response *resp, const char *image_id, const char *source_name,
    const struct rend_params *p)
{
	struct blob_info	 info;
	char			 key[RENDCACHE_KEY_MAX], canon[REND_CANON_MAX];
	char			 etag[ETAG_MAX], filename[300];
	enum img_err		 e;
	int			 fd;

	rendcache_key(image_id, p, key);
	if ((e = rendcache_open_read(ctx->renditions, key, &fd, &info)) !=
	    IMG_OK)
		return e;
	rend_canonical(p, canon);
	snprintf(etag, sizeof(etag), "%s-%s", image_id, canon);
	rendition_filename(source_name, p, filename, sizeof(filename));
	return api_serve_fd(req, resp, fd, &info, etag,
	    rend_format_mime(p->format), filename);
}

enum img_err
api_serve_rendition(struct imaged *ctx, const struct request *req,
    struct response *resp, const struct image_record *r,
    const struct rend_params *p)
{
	struct rend_wait	*w;
	char			 canon[REND_CANON_MAX];
	enum img_err		 e;

	if ((e = check_record(ctx, resp, r)) != IMG_OK)
		return e;
	e = api_serve_kept_rendition(ctx, req, resp, r->image_id, r->filename,
	    p);
	if (e != IMG_ENOTFOUND)
		return e;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return IMG_ENOMEM;
	w->ctx = ctx;
	w->fd = -1;
	w->params = *p;
	rendcache_key(r->image_id, p, w->key);
	rend_canonical(p, canon);
	snprintf(w->etag, sizeof(w->etag), "%s-%s", r->image_id, canon);
	rendition_filename(r->filename, p, w->filename, sizeof(w->filename));
	snprintf(w->source_key, sizeof(w->source_key), "%s", r->s3_key);
	resp->defer.start = wait_start;
	resp->defer.resume = wait_resume;
	resp->defer.release = wait_release;
	resp->defer.arg = w;
	return IMG_OK;
}
