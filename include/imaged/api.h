/*
 * api.h: the routes of API.md and their handlers.
 *
 * Handlers are thin: they read the request, check it against the rules
 * (validate.h), call the catalog and the blob store, and render the
 * response.  They see neither libmicrohttpd nor SQL.  The route table is
 * the one list of what imaged serves.
 */
#ifndef IMAGED_API_H
#define IMAGED_API_H

#include <stddef.h>
#include <time.h>

#include "imaged/buf.h"
#include "imaged/catalog.h"
#include "imaged/http.h"
#include "imaged/router.h"

struct imaged;

extern const struct route	 api_routes[];
extern const size_t		 api_nroutes;

/* Handlers, by route. */
enum img_err	 api_health(struct imaged *, const struct request *, struct response *);
enum img_err	 api_upload(struct imaged *, const struct request *, struct response *);
enum img_err	 api_list(struct imaged *, const struct request *, struct response *);
enum img_err	 api_get(struct imaged *, const struct request *, struct response *);
enum img_err	 api_patch(struct imaged *, const struct request *, struct response *);
enum img_err	 api_delete(struct imaged *, const struct request *, struct response *);
enum img_err	 api_blob(struct imaged *, const struct request *, struct response *);
extern const struct body_sink	 api_upload_sink;
/* The route_auth of auth = token: a Bearer or x-api-key token from ctx->tokens. */
enum img_err	 api_authenticate(struct imaged *, const struct request *,
		    struct response *, struct principal *);

/* --- shared by the handlers ------------------------------------------------ */

/*
 * Append the JSON of a record, with a download_url signed for lifetime
 * seconds from now, built on the request's base URL.
 */
enum img_err	 api_record_json(struct imaged *, const struct request *,
		    struct buf *, const struct image_record *, unsigned lifetime);
/* The {image_id} path parameter in canonical form; 400 field image_id if malformed. */
enum img_err	 api_image_id(const struct request *, struct response *, char id[IMAGE_ID_SIZE]);
/*
 * Answer with the bytes of the blob at key, as API.md's "Serving bytes":
 * ETag, Last-Modified, Content-Disposition, If-None-Match (304), a single
 * Range (206/416).  The file is sent from its descriptor.  IMG_ENOTFOUND
 * if the file is missing.
 */
enum img_err	 api_serve_blob(struct imaged *, const struct request *,
		    struct response *, const struct image_record *);
/* Start a JSON body in resp (status, content type). */
void		 api_json(struct response *, int status);

#endif
