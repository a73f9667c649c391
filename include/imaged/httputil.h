/*
 * httputil.h: pure parsers and formatters for the HTTP details imaged
 * serves: byte ranges, entity tags, Accept, Content-Disposition, media
 * types, request ids, image ids and times.
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
#include <time.h>

#include "imaged/buf.h"
#include "imaged/err.h"
#include "imaged/image.h"

/* --- Range (RFC 9110 section 14) ------------------------------------------ */
enum http_range {
	HTTP_RANGE_NONE,	/* no header, several ranges, or unparsable: send all */
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
	BODY_JSON,		/* absent, application/json, application/ *+json, text/plain, x-www-form-urlencoded */
	BODY_MULTIPART,		/* multipart/form-data */
	BODY_RAW,		/* image/ *, application/octet-stream */
	BODY_UNSUPPORTED	/* anything else: 415 */
};
/* Classify a Content-Type header (may be NULL), case-insensitively, parameters ignored. */
enum body_form	 http_body_form(const char *content_type);
/*
 * Copy the value of parameter name (case-insensitive; quoted or token) of
 * a Content-Type into out.  False when absent, empty or longer than outlen-1.
 */
bool		 http_media_param(const char *content_type, const char *name,
		    char *out, size_t outlen);

/* --- Identifiers ---------------------------------------------------------- */
/* Whether a client's X-Request-Id is usable: 1-200 printable ASCII (0x21-0x7e, and space inside). */
bool		 http_request_id_ok(const char *);
/*
 * Parse an 8-4-4-4-12 hex UUID of any version, upper case folded; out gets
 * the canonical lower-case form and a NUL.  False when malformed.
 */
bool		 uuid_parse(const char *, size_t len, char out[IMAGE_ID_SIZE]);

/* --- Times ---------------------------------------------------------------- */
/* RFC 3339 UTC with microseconds: "2026-11-24T21:40:25.123456Z" (27 bytes and NUL). */
void		 time_format_rfc3339(int64_t usec, char out[32]);
/* IMF-fixdate for Last-Modified: "Tue, 24 Nov 2026 21:40:25 GMT". */
void		 time_format_http(time_t, char out[32]);
/*
 * Parse a created_after/created_before bound: a date "2026-01-01" (a
 * whole UTC day: its first microsecond, or with upper, its last) or an RFC
 * 3339 date-time with an offset (Z or +-HH:MM), fractions to microseconds.
 * Impossible dates (2026-02-30, hour 24) are false.
 */
bool		 time_parse_bound(const char *, bool upper, int64_t *usec);

/* --- Small pieces ---------------------------------------------------------- */
/* The value of a hex digit of either case, or -1. */
int		 hex_value(int c);

/* --- JSON output ------------------------------------------------------------ */
/*
 * Append s as a quoted JSON string, escaping '"', '\\' and control
 * characters; the bytes are UTF-8 already validated by the caller.  With
 * s NULL, append null.
 */
enum img_err	 json_put_str(struct buf *, const char *s);

#endif
