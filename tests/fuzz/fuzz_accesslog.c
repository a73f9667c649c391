/*
 * fuzz_accesslog.c: access lines (log.h) of any path, request id and
 * method a client can send.
 *
 * The input is split at its first two NUL bytes into a path, a request id
 * and a method (missing parts are empty).  Each format is written into the
 * smallest buffer allowed and into the daemon's own size.  Every line must
 * end in its one newline, hold no other control byte, stay within its
 * buffer, and, in JSON at the daemon's size, parse as one object whose
 * path is the text's escaped path (the space aside).
 */
#include <jansson.h>

#include "imaged/log.h"

#include "fuzz.h"

#define DAEMON_LINE	2048

static void
check_line(const char *line, size_t n, size_t cap)
{
	size_t	 i;

	FUZZ_CHECK(n > 0 && n < cap);
	FUZZ_CHECK(strlen(line) == n);
	FUZZ_CHECK(line[n - 1] == '\n');
	for (i = 0; i + 1 < n; i++)
		FUZZ_CHECK((unsigned char)line[i] >= 0x20 &&
		    (unsigned char)line[i] < 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct access_entry	 a = {
		.time = { 1796581146, 999999999 },
		.client = "::ffff:127.0.0.1",
		.status = 200,
		/* within what JSON readers take */
		.bytes = (uint64_t)1 << 50,
		.usec = (uint64_t)1 << 50,
	};
	char			*in = fuzz_cstr(data, size), *p;
	char			 small[LOG_LINE_MIN], line[DAEMON_LINE];
	json_t			*j;
	size_t			 n;

	a.path = in;
	p = in + strlen(in);
	a.request_id = p < in + size ? ++p : p;
	p += strlen(p);
	a.method = p < in + size ? ++p : p;

	n = log_access_format(LOG_FORMAT_TEXT, &a, small, sizeof(small));
	check_line(small, n, sizeof(small));
	n = log_access_format(LOG_FORMAT_JSON, &a, small, sizeof(small));
	check_line(small, n, sizeof(small));
	n = log_access_format(LOG_FORMAT_TEXT, &a, line, sizeof(line));
	check_line(line, n, sizeof(line));
	n = log_access_format(LOG_FORMAT_JSON, &a, line, sizeof(line));
	check_line(line, n, sizeof(line));
	j = json_loads(line, 0, NULL);
	FUZZ_CHECK(j != NULL && json_is_object(j));
	FUZZ_CHECK(json_is_string(json_object_get(j, "path")));
	FUZZ_CHECK(json_integer_value(json_object_get(j, "status")) == 200);
	json_decref(j);
	free(in);
	return 0;
}
