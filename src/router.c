/*
 * router.c: path matching.  Tables are small (a handful of patterns), so
 * a linear walk over segment-wise comparisons beats any cleverness.
 */
#include <stdio.h>
#include <string.h>

#include "imaged/router.h"

static const struct {
	enum http_method	 method;
	const char		*name;
} methods[] = {
	{ HTTP_GET, "GET" },
	{ HTTP_HEAD, "HEAD" },
	{ HTTP_POST, "POST" },
	{ HTTP_PUT, "PUT" },
	{ HTTP_PATCH, "PATCH" },
	{ HTTP_DELETE, "DELETE" },
	{ HTTP_OPTIONS, "OPTIONS" },
};

enum http_method
router_method(const char *s)
{
	size_t	 i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(s, methods[i].name) == 0)
			return methods[i].method;
	return HTTP_OTHER;
}

void
router_allow(unsigned allow, char *out, size_t outlen)
{
	size_t	 i, len = 0;
	int	 n;

	out[0] = '\0';
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (!(allow & methods[i].method))
			continue;
		n = snprintf(out + len, outlen - len, "%s%s",
		    len ? ", " : "", methods[i].name);
		if (n < 0 || (size_t)n >= outlen - len)
			return;
		len += (size_t)n;
	}
}

/* Skip one segment "/x" of path if it equals seg; return the rest or NULL. */
static const char *
skip_segment(const char *path, const char *seg)
{
	size_t	 len = strlen(seg);

	if (path[0] != '/' || strncmp(path + 1, seg, len) != 0)
		return NULL;
	path += 1 + len;
	return *path == '/' ? path : NULL;
}

/* Remove /{stage} or /restapis/{id}/{stage}/_user_request_ from the front. */
static const char *
strip_prefix(const char *path, const char *stage)
{
	const char	*p, *id;

	if ((p = skip_segment(path, "restapis")) != NULL) {
		id = p + 1;
		p = strchr(id, '/');
		if (p == NULL || p == id)
			return NULL;
		if ((p = skip_segment(p, stage)) == NULL ||
		    (p = skip_segment(p, "_user_request_")) == NULL)
			return NULL;
		return p;
	}
	if ((p = skip_segment(path, stage)) != NULL)
		return p;
	return path;
}

/*
 * Whether path fits pattern; the parameter's text goes to m.  Literal
 * parts compare exactly; "{x}" takes one non-empty segment, "{x...}" a
 * non-empty rest.
 */
static bool
pattern_match(const char *pattern, const char *path, struct route_match *m)
{
	const char	*brace, *close;
	size_t		 lit, plen;
	bool		 rest;

	if ((brace = strchr(pattern, '{')) == NULL)
		return strcmp(pattern, path) == 0;
	lit = (size_t)(brace - pattern);
	if (strncmp(pattern, path, lit) != 0)
		return false;
	path += lit;
	close = strchr(brace, '}');
	rest = close != NULL && close - brace > 4 &&
	    strncmp(close - 3, "...", 3) == 0;
	plen = rest ? strlen(path) : strcspn(path, "/");
	if (plen == 0 || plen > ROUTE_PARAM_MAX ||
	    (!rest && path[plen] != '\0'))
		return false;
	memcpy(m->param, path, plen);
	m->param[plen] = '\0';
	m->has_param = true;
	return true;
}

const char *
router_param_name(const struct route *route, char *out, size_t outlen)
{
	const char	*brace, *close;
	size_t		 n;

	snprintf(out, outlen, "path");
	if (route == NULL || (brace = strchr(route->pattern, '{')) == NULL ||
	    (close = strchr(brace, '}')) == NULL)
		return out;
	n = (size_t)(close - brace - 1);
	if (n > 3 && strncmp(close - 3, "...", 3) == 0)
		n -= 3;
	snprintf(out, outlen, "%.*s", (int)n, brace + 1);
	return out;
}

void
router_match(const struct route *table, size_t n, const char *stage,
    enum http_method method, const char *path, struct route_match *m)
{
	const char	*p;
	size_t		 i;

	memset(m, 0, sizeof(*m));
	m->status = 404;
	if ((p = strip_prefix(path, stage)) == NULL)
		return;
	m->path = p;
	for (i = 0; i < n; i++) {
		if (!pattern_match(table[i].pattern, p, m))
			continue;
		m->allow |= table[i].method | HTTP_OPTIONS;
		if (table[i].method == HTTP_GET)
			m->allow |= HTTP_HEAD;
		if (m->route == NULL && (table[i].method == method ||
		    (method == HTTP_HEAD && table[i].method == HTTP_GET)))
			m->route = &table[i];
	}
	if (m->allow == 0)
		m->has_param = false;
	else if (m->route != NULL || method == HTTP_OPTIONS)
		m->status = 200;
	else
		m->status = 405;
}
