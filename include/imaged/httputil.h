/*
 * httputil.h: pure parsers and formatters for the HTTP details imaged
 * serves: byte ranges, entity tags, Accept, Content-Disposition, media
 * types and request ids.  General text (UUIDs, times, JSON strings) is
 * text.h's.
 *
 * No function here does I/O or keeps state; every parser takes outside
 * text, bounds its work by the text's length, and has a fuzz target.
 * Thread-safe.
 */
#ifndef IMAGED_HTTPUTIL_H
#define IMAGED_HTTPUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imaged/buf.h"
#include "imaged/err.h"

/* --- Range (RFC 9110 section 14) ------------------------------------------ */
enum http_range {
	/* no header, several ranges, or unparsable: send all */
	HTTP_RANGE_NONE,
	HTTP_RANGE_OK,		/* one satisfiable range: *start, *len */
	HTTP_RANGE_UNSATISFIABLE /* 416 */
};
/* Parse a Range header (may be NULL) for a representation of size bytes. */
enum http_range	 http_parse_range(const char *hdr, uint64_t size,
		    uint64_t *start, uint64_t *len);

/* --- Entity tags -------------------------------------------------------- */
/*
 * Whether an If-None-Match header (may be NULL: false) matches etag, a
 * quoted strong tag ("\"abc\"").  Takes lists, "*" and weak W/ tags (weak
 * comparison, as RFC 9110 asks for If-None-Match).
 */
bool		 http_etag_match(const char *if_none_match, const char *etag);

/* --- Accept ------------------------------------------------------------- */
/*
 * Whether an Accept header (may be NULL: false) names an image: any
 * image/... range, image/ * included, or application/octet-stream, with
 * q > 0.  * / * and application/ * do not count.
 */
bool		 http_accept_image(const char *accept);

/* --- Content-Disposition (RFC 6266) ------------------------------------- */
/*
 * Append `inline; filename="<ascii fallback>"` and, when the name is not
 * plain ASCII or needs quoting, `; filename*=UTF-8''<percent-encoded>`.
 */
enum img_err	 http_content_disposition(struct buf *, const char *filename);

/* --- Media types ---------------------------------------------------------- */
enum body_form {
	/*
	 * absent, application/json, application/ *+json, text/plain,
	 * x-www-form-urlencoded
	 */
	BODY_JSON,
	BODY_MULTIPART,		/* multipart/form-data */
	BODY_RAW,		/* image/ *, application/octet-stream */
	BODY_UNSUPPORTED	/* anything else: 415 */
};
/*
 * Classify a Content-Type header (may be NULL), case-insensitively,
 * parameters ignored.
 */
enum body_form	 http_body_form(const char *content_type);
/*
 * Copy the value of parameter name (case-insensitive; quoted or token) of
 * a Content-Type into out.  False when absent, empty or longer than outlen-1.
 */
bool		 http_media_param(const char *content_type, const char *name,
		    char *out, size_t outlen);

/* --- Hosts ---------------------------------------------------------------- */
/*
 * The host of a Host header or URL authority ("Example.COM:8080",
 * "[::1]:80", "127.0.0.1") into name, lower case, without the port or an
 * IPv6 address's brackets.  False when malformed or longer than namelen-1.
 */
bool		 http_host_name(const char *host, char *name, size_t namelen);
/*
 * Whether a host name (as http_host_name gives it) is the loopback:
 * "localhost", an address of 127.0.0.0/8, or ::1.
 */
bool		 http_host_loopback(const char *name);

/* --- Identifiers ---------------------------------------------------------- */
/*
 * Whether a client's X-Request-Id is usable: 1-200 printable ASCII
 * (0x21-0x7e, and space inside).
 */
bool		 http_request_id_ok(const char *);

#endif
