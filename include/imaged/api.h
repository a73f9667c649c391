/*
 * api.h: the routes of imaged-api(7) and their handlers.
 *
 * Handlers are thin: they read the request, check it against the rules
 * (validate.h), call the catalog and the blob store, and render the
 * response.  They see neither libmicrohttpd nor SQL.  The route table is
 * the one list of what imaged serves.
 */
#ifndef IMAGED_API_H
#define IMAGED_API_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "imaged/blobstore.h"
#include "imaged/buf.h"
#include "imaged/catalog.h"
#include "imaged/config.h"
#include "imaged/http.h"
#include "imaged/rendparams.h"
#include "imaged/router.h"

struct imaged;

extern const struct route	 api_routes[];
extern const size_t		 api_nroutes;
/* How many of api_routes cfg serves: the control routes only with test_mode. */
size_t		 api_nroutes_for(const struct config *cfg);

/* Handlers, by route. */
enum img_err	 api_health(struct imaged *, const struct request *,
		    struct response *);
enum img_err	 api_upload(struct imaged *, const struct request *,
		    struct response *);
enum img_err	 api_list(struct imaged *, const struct request *,
		    struct response *);
enum img_err	 api_get(struct imaged *, const struct request *,
		    struct response *);
enum img_err	 api_patch(struct imaged *, const struct request *,
		    struct response *);
enum img_err	 api_delete(struct imaged *, const struct request *,
		    struct response *);
enum img_err	 api_blob(struct imaged *, const struct request *,
		    struct response *);
enum img_err	 api_openapi(struct imaged *, const struct request *,
		    struct response *);
enum img_err	 api_metrics(struct imaged *, const struct request *,
		    struct response *);
extern const struct body_sink	 api_upload_sink;

/* test_mode's control routes (api_control.c). */
#define CONTROL_BODY_MAX	(64 * 1024)
enum img_err	 api_control_clock_get(struct imaged *, const struct request *,
		    struct response *);
enum img_err	 api_control_clock_set(struct imaged *, const struct request *,
		    struct response *);
enum img_err	 api_control_reset(struct imaged *, const struct request *,
		    struct response *);
enum img_err	 api_control_faults_get(struct imaged *, const struct request *,
		    struct response *);
enum img_err	 api_control_faults_add(struct imaged *, const struct request *,
		    struct response *);
enum img_err	 api_control_faults_clear(struct imaged *,
		    const struct request *, struct response *);
enum img_err	 api_control_requests_get(struct imaged *,
		    const struct request *, struct response *);
enum img_err	 api_control_requests_clear(struct imaged *,
		    const struct request *, struct response *);
/*
 * The route_auth of auth = token: a Bearer or x-api-key token
 * from ctx->tokens.
 */
enum img_err	 api_authenticate(struct imaged *, const struct request *,
		    struct response *, struct principal *);

/* --- shared by the handlers ----------------------------------------------- */

/*
 * Append the JSON of a record, with a download_url signed for lifetime
 * seconds from now, built on the request's base URL.
 */
enum img_err	 api_record_json(struct imaged *, const struct request *,
		    struct buf *, const struct image_record *,
		    unsigned lifetime);
/*
 * The same with a download_url for the rendition rp (finished), or the
 * original if NULL.
 */
enum img_err	 api_record_json_rendition(struct imaged *,
		    const struct request *, struct buf *,
		    const struct image_record *, unsigned lifetime,
		    const struct rend_params *rp);
/*
 * The {image_id} path parameter in canonical form; 400 field image_id
 * if malformed.
 */
enum img_err	 api_image_id(const struct request *, struct response *,
		    char id[IMAGE_ID_SIZE]);
/*
 * Answer with the bytes of the blob at key, as imaged-api(7), SERVING
 * BYTES, says: ETag, Last-Modified, Content-Disposition, If-None-Match
 * (304), a single Range (206/416).  The file is sent from its descriptor.
 * IMG_ENOTFOUND if the file is missing.
 */
enum img_err	 api_serve_blob(struct imaged *, const struct request *,
		    struct response *, const struct image_record *);
/*
 * The same from an open file: fd (which the response owns from here on)
 * with info, the ETag value etag (unquoted), content_type and the
 * filename of Content-Disposition.
 */
enum img_err	 api_serve_fd(const struct request *, struct response *, int fd,
		    const struct blob_info *, const char *etag,
		    const char *content_type, const char *filename);
/*
 * The rendition a request asks for: rendition= (a preset or a spec, where
 * spec_allowed), then w, h, fit, format and q over it.  *asked is false
 * when none is given.  400 naming the parameter at fault.
 */
enum img_err	 api_rendition_query(struct imaged *, const struct request *,
		    struct response *, bool spec_allowed, struct rend_params *,
		    bool *asked);
/* Finish p for the image stored at s3_key (its kind decides defaults); 400. */
enum img_err	 api_rendition_finish(struct response *, const char *s3_key,
		    struct rend_params *p);
/*
 * Answer with the bytes of r's rendition p (finished), as api_serve_fd:
 * at once when it is kept, else deferred until the render pool made it.
 * 400 (field image) when the record shows no dimensions or more pixels
 * than rendition_max_pixels; after the render, 400 for a refused size and
 * 422 for a source that cannot be decoded; 503 with Retry-After when the
 * render queue is full.
 */
enum img_err	 api_serve_rendition(struct imaged *, const struct request *,
		    struct response *, const struct image_record *r,
		    const struct rend_params *p);
/*
 * Answer with image_id's kept rendition p (finished) if there is one, as
 * api_serve_fd, its file named after source_name; IMG_ENOTFOUND when it
 * is not kept (nothing is answered then).
 */
enum img_err	 api_serve_kept_rendition(struct imaged *,
		    const struct request *, struct response *,
		    const char *image_id, const char *source_name,
		    const struct rend_params *p);
/* Start a JSON body in resp (status, content type). */
void		 api_json(struct response *, int status);

#endif
