/*
 * err.h: the one error type of imaged.
 *
 * Every fallible function returns an enum img_err.  Each value has one row
 * in a table (err.c) giving its HTTP status, the API code (imaged-api(7),
 * ERROR CODES) and a default message; the HTTP layer alone turns a value
 * into the JSON error.
 * Internal errors never carry detail to the client: the message of
 * IMG_EINTERNAL is fixed, whatever caused it (the cause goes to the log).
 */
#ifndef IMAGED_ERR_H
#define IMAGED_ERR_H

enum img_err {
	IMG_OK = 0,
	IMG_EJSON,		/* 400 INVALID_JSON */
	IMG_EINVAL,		/* 400 VALIDATION_ERROR */
	IMG_EUNAUTH,		/* 401 UNAUTHORIZED */
	IMG_EFORBIDDEN,		/* 403 FORBIDDEN */
	IMG_EEXPIRED,		/* 403 EXPIRED */
	IMG_ENOTFOUND,		/* 404 NOT_FOUND */
	IMG_EMETHOD,		/* 405 METHOD_NOT_ALLOWED */
	IMG_ETOOBIG,		/* 413 PAYLOAD_TOO_LARGE */
	IMG_EURI,		/* 414 URI_TOO_LONG */
	IMG_EMISDIRECTED,	/* 421 MISDIRECTED_REQUEST */
	IMG_EHEADERS,		/* 431 REQUEST_HEADER_FIELDS_TOO_LARGE */
	IMG_EMEDIA,		/* 415 UNSUPPORTED_MEDIA_TYPE */
	IMG_ERANGE,		/* 416 RANGE_NOT_SATISFIABLE */
	IMG_EDECODE,		/* 422 UNPROCESSABLE_IMAGE */
	IMG_EINTERNAL,		/* 500 INTERNAL_ERROR */
	IMG_ENOMEM,		/* 500 INTERNAL_ERROR, out of memory */
	IMG_ENOTIMPL,		/* 501 NOT_IMPLEMENTED */
	IMG_EUNAVAIL,		/* 503 SERVICE_UNAVAILABLE */
	IMG_ENOSPACE,		/* 507 INSUFFICIENT_STORAGE */
	/* Only injected by test_mode's faults, as a gateway answers them. */
	IMG_ETHROTTLED,		/* 429 TOO_MANY_REQUESTS */
	IMG_EGATEWAY,		/* 502 BAD_GATEWAY */
	IMG_ETIMEOUT,		/* 504 GATEWAY_TIMEOUT */
	/*
	 * Not an answer: the work ran past the time its caller allowed it
	 * (a listing's budget).  The HTTP layer runs the handler again where
	 * it may take long; should it ever reach a client, it is a 503.
	 */
	IMG_ESLOW,
	IMG_ERR_COUNT
};

/* HTTP status of an error value (200 for IMG_OK). */
int		 img_err_status(enum img_err);
/* API code string ("VALIDATION_ERROR"); "OK" for IMG_OK.  Static storage. */
const char	*img_err_code(enum img_err);
/* Default human message.  Static storage. */
const char	*img_err_message(enum img_err);
/*
 * The error answered with an HTTP status (400 is VALIDATION_ERROR, 403
 * FORBIDDEN, 500 INTERNAL_ERROR), or IMG_ERR_COUNT when no row has it.
 */
enum img_err	 img_err_of_status(int status);

#endif
