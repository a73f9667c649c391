/*
 * err.c: the table behind enum img_err.  Adding an error means adding a
 * row here; nothing else maps errors to statuses.
 */
#include "imaged/err.h"

static const struct {
	int		 status;
	const char	*code;
	const char	*message;
} err_table[IMG_ERR_COUNT] = {
	[IMG_OK] =		{ 200, "OK", "ok" },
	[IMG_EJSON] =		{ 400, "INVALID_JSON",
	    "request body is not valid JSON" },
	[IMG_EINVAL] =		{ 400, "VALIDATION_ERROR", "invalid request" },
	[IMG_EUNAUTH] =		{ 401, "UNAUTHORIZED",
	    "a valid token is required" },
	[IMG_EFORBIDDEN] =	{ 403, "FORBIDDEN", "access denied" },
	[IMG_EEXPIRED] =	{ 403, "EXPIRED",
	    "the signed URL has expired" },
	[IMG_ENOTFOUND] =	{ 404, "NOT_FOUND", "not found" },
	[IMG_EMETHOD] =		{ 405, "METHOD_NOT_ALLOWED",
	    "method not allowed" },
	[IMG_ETOOBIG] =		{ 413, "PAYLOAD_TOO_LARGE",
	    "the image is larger than the size limit" },
	[IMG_EURI] =		{ 414, "URI_TOO_LONG",
	    "the request target is too long" },
	[IMG_EMISDIRECTED] =	{ 421, "MISDIRECTED_REQUEST",
	    "this server does not answer for that Host" },
	[IMG_EHEADERS] =	{ 431, "REQUEST_HEADER_FIELDS_TOO_LARGE",
	    "the request's headers are too large" },
	[IMG_EMEDIA] =		{ 415, "UNSUPPORTED_MEDIA_TYPE",
	    "unsupported media type" },
	[IMG_ERANGE] =		{ 416, "RANGE_NOT_SATISFIABLE",
	    "requested range not satisfiable" },
	[IMG_EDECODE] =		{ 422, "UNPROCESSABLE_IMAGE",
	    "the image cannot be decoded" },
	[IMG_EINTERNAL] =	{ 500, "INTERNAL_ERROR", "internal error" },
	[IMG_ENOMEM] =		{ 500, "INTERNAL_ERROR", "internal error" },
	[IMG_ENOTIMPL] =	{ 501, "NOT_IMPLEMENTED", "not implemented" },
	[IMG_EUNAVAIL] =	{ 503, "SERVICE_UNAVAILABLE",
	    "service unavailable" },
	[IMG_ENOSPACE] =	{ 507, "INSUFFICIENT_STORAGE",
	    "not enough storage to keep the image" },
	[IMG_ETHROTTLED] =	{ 429, "TOO_MANY_REQUESTS",
	    "too many requests" },
	[IMG_EGATEWAY] =	{ 502, "BAD_GATEWAY", "bad gateway" },
	[IMG_ETIMEOUT] =	{ 504, "GATEWAY_TIMEOUT", "gateway timeout" },
	[IMG_ESLOW] =		{ 503, "SERVICE_UNAVAILABLE",
	    "service unavailable" },
};

static unsigned
err_index(enum img_err e)
{
	return (unsigned)e < IMG_ERR_COUNT ? (unsigned)e : IMG_EINTERNAL;
}

int
img_err_status(enum img_err e)
{
	return err_table[err_index(e)].status;
}

const char *
img_err_code(enum img_err e)
{
	return err_table[err_index(e)].code;
}

const char *
img_err_message(enum img_err e)
{
	return err_table[err_index(e)].message;
}

enum img_err
img_err_of_status(int status)
{
	unsigned	 i;

	/* Two rows share 400: a fault means the request, not its JSON. */
	if (status == 400)
		return IMG_EINVAL;
	for (i = 1; i < IMG_ERR_COUNT; i++)
		if (err_table[i].status == status)
			return (enum img_err)i;
	return IMG_ERR_COUNT;
}
