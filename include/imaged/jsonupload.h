/*
 * jsonupload.h: the JSON form of POST /images, parsed as it streams in.
 *
 * A base64 image inside JSON is most of the body; handing it whole to a DOM
 * parser costs twice the disk's time and holds the image in memory three
 * times.  This scanner follows the body's structure byte by byte; the
 * string value of the top-level key "image_data" is base64-decoded as it
 * arrives and handed to a sink (the upload's temp file), and everything
 * else, the small rest, is kept and handed to jansson at the end with
 * "image_data" left as an empty string.
 *
 * The value may carry a "data:image/<subtype>[;...];base64," prefix, and
 * JSON escapes of base64 characters ("\/", "\u002B", "\n", ...) are
 * decoded.  A second "image_data" key at the top level is refused.
 */
#ifndef IMAGED_JSONUPLOAD_H
#define IMAGED_JSONUPLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "imaged/err.h"

struct jsonupload;

/*
 * Receives decoded image bytes; an error stops the scan and is returned
 * by feed.
 */
typedef enum img_err (*jsonupload_sink)(void *arg, const unsigned char *,
    size_t);

/*
 * A new scanner.  rest_cap bounds the bytes kept outside image_data
 * (past it: IMG_ETOOBIG).  The sink and arg are borrowed.  NULL on ENOMEM.
 */
struct jsonupload	*jsonupload_new(size_t rest_cap, jsonupload_sink,
			    void *arg);
void			 jsonupload_free(struct jsonupload *);

/*
 * Scan the next piece of the body.  Errors: IMG_EJSON (not JSON; the
 * scanner may also leave this to jsonupload_end), IMG_ETOOBIG with *field
 * NULL (the rest passed rest_cap), or whatever the sink returned, with
 * *field = "image_data".  After an error, the scanner is spent.
 */
enum img_err	 jsonupload_feed(struct jsonupload *, const char *, size_t,
		    const char **field);

/*
 * End of body.  On success *rest is a new reference to the parsed top-level
 * JSON value (the caller owns it and must json_decref it), and *had_image
 * tells whether a string "image_data" was seen (its value in *rest is then
 * ""; a non-string image_data stays in *rest as sent, for the caller to
 * refuse).  Errors as for feed; IMG_EJSON for bad or truncated JSON,
 * including JSON nested deeper than 32 levels; then, the body being JSON,
 * IMG_EINVAL with *field = "image_data" for a bad image value (bad base64
 * or prefix, a repeated key): syntax is judged before fields.  Strings
 * may hold \u0000 (it is JSON): the caller refuses the field.  A valid
 * JSON value that is not an object is returned as is: the caller decides
 * (imaged-api(7), DECIDED EDGE CASES: 400 VALIDATION_ERROR).
 */
enum img_err	 jsonupload_end(struct jsonupload *, json_t **rest,
		    bool *had_image, const char **field);

#endif
