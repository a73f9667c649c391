/*
 * text.h: general text helpers, pure and stateless: hex digits, UUIDs,
 * times as the API writes and reads them, and JSON strings.
 *
 * Parsers take outside text and bound their work by its length or NUL;
 * each has a fuzz target (tests/fuzz/fuzz_httputil.c).  Thread-safe.
 */
#ifndef IMAGED_TEXT_H
#define IMAGED_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "imaged/buf.h"
#include "imaged/err.h"

#define UUID_LEN	36	/* 8-4-4-4-12 hex digits */

/* --- UUIDs --------------------------------------------------------------- */
/*
 * Parse an 8-4-4-4-12 hex UUID of any version, upper case folded; out gets
 * the canonical lower-case form and a NUL.  False when malformed.
 */
bool		 uuid_parse(const char *, size_t len, char out[UUID_LEN + 1]);
/*
 * Make 16 bytes (random, or from a seeded sequence) a version-4 UUID of the
 * RFC 4122 variant: b is stamped in place, out gets the canonical form.
 */
void		 uuid_format_v4(unsigned char b[16], char out[UUID_LEN + 1]);

/* --- Times ---------------------------------------------------------------- */
/*
 * RFC 3339 UTC with microseconds: "2026-11-24T21:40:25.123456Z" (27 bytes
 * and NUL).
 */
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

/* --- Small pieces --------------------------------------------------------- */
/* The value of a hex digit of either case, or -1. */
int		 hex_value(int c);

/* --- JSON output ---------------------------------------------------------- */
/*
 * Append s as a quoted JSON string, escaping '"', '\\' and control
 * characters; the bytes are UTF-8 already validated by the caller.  With
 * s NULL, append null.
 */
enum img_err	 json_put_str(struct buf *, const char *s);
/*
 * Append the n bytes at s escaped as json_put_str does, without quotes:
 * a part of a string.  A NUL among them is escaped.
 */
enum img_err	 json_put_chars(struct buf *, const char *s, size_t n);

#endif
