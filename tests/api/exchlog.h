/*
 * exchlog.h: the API suites' exchanges, logged for the OpenAPI check.
 *
 * With IMAGED_API_LOG naming a file, each exchange the suites make, over
 * HTTP (harness.c) or in-process (inproc.c), is appended to it as one
 * JSON line: method, path (with its query, if any), status, Content-Type,
 * body length and, for a JSON answer, the body.  tests/openapi_check.py
 * validates every line against the OpenAPI document.  Without the
 * variable nothing is written.  Needs no test framework (the fuzzer links
 * inproc.c too).
 */
#ifndef IMAGED_TEST_EXCHLOG_H
#define IMAGED_TEST_EXCHLOG_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Append one exchange.  content_type may be NULL; body (len bytes) is
 * logged only for a JSON content type.  injected: test_mode's fault
 * answered it (X-Imaged-Fault), not the route.  Aborts if the file
 * cannot be written: a log with holes would validate less than it claims.
 */
void	exchlog_append(const char *method, const char *path, int status,
	    const char *content_type, const char *body, size_t len,
	    bool injected);

#endif
