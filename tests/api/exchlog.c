/*
 * exchlog.c: one JSON line per exchange (see exchlog.h).
 *
 * One write() of a whole line to a file opened O_APPEND, so that lines
 * from the forked tests and the concurrency suite's threads never
 * interleave.  Paths are made ASCII first: a request's path may be any
 * bytes, a JSON string may not.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "exchlog.h"

/*
 * The path as JSON can carry it: a byte past ASCII as %XX, which the
 * check matches like any other character of a path segment.
 */
static void
ascii_path(const char *path, char *out, size_t len)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	size_t			 n = 0;

	for (p = (const unsigned char *)path; *p != '\0' && n + 4 < len; p++) {
		if (*p >= 0x20 && *p < 0x7f)
			out[n++] = (char)*p;
		else {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 0xf];
		}
	}
	out[n] = '\0';
}

void
exchlog_append(const char *method, const char *path, int status,
    const char *content_type, const char *body, size_t len, bool injected)
{
	const char	*file = getenv("IMAGED_API_LOG");
	json_t		*line;
	char		*text = NULL, shown[4096];
	size_t		 n;
	int		 fd = -1;

	if (file == NULL || *file == '\0')
		return;
	ascii_path(path, shown, sizeof(shown));
	line = json_pack("{s:s, s:s, s:i, s:s?, s:I}", "method", method,
	    "path", shown, "status", status, "content_type", content_type,
	    "length", (json_int_t)len);
	if (line == NULL)
		goto fail;
	if (injected && json_object_set_new(line, "fault", json_true()) != 0)
		goto fail;
	if (content_type != NULL &&
	    strncmp(content_type, "application/json", 16) == 0 &&
	    json_object_set_new(line, "body", json_stringn(body != NULL ?
	    body : "", body != NULL ? len : 0)) != 0)
		goto fail;
	if ((text = json_dumps(line, JSON_COMPACT)) == NULL)
		goto fail;
	n = strlen(text);
	if ((text = realloc(text, n + 2)) == NULL)
		goto fail;
	memcpy(text + n, "\n", 2);
	if ((fd = open(file, O_WRONLY | O_APPEND | O_CREAT, 0644)) == -1 ||
	    write(fd, text, n + 1) != (ssize_t)(n + 1))
		goto fail;
	close(fd);
	free(text);
	json_decref(line);
	return;
fail:
	fprintf(stderr, "exchlog: cannot log %s %s to %s\n", method, path,
	    file);
	abort();
}
