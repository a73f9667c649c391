/*
 * openapi.h: the OpenAPI 3.1 document of the API, built into the binary.
 *
 * The document is etc/openapi.json, turned into bytes at build time, so
 * that what GET /openapi.json serves is exactly what the tree holds and
 * what the tests validate responses against; nothing is read at run time.
 */
#ifndef IMAGED_OPENAPI_H
#define IMAGED_OPENAPI_H

#include <stddef.h>

/* The document's bytes (JSON, UTF-8, not NUL-terminated) and their length. */
const char	*openapi_document(size_t *len);

#endif
