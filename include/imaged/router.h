/*
 * router.h: routes as one const table, and the matching of a path to it.
 *
 * A route is a method, a pattern and a handler.  Patterns are literal
 * segments with at most one parameter, last: "{name}" takes one segment,
 * "{name...}" the rest of the path.  The router alone derives 404, 405 with
 * Allow (the route's methods, HEAD where GET is, and OPTIONS), HEAD as GET,
 * and the stage prefixes of the original's API Gateway URLs:
 *   /{stage}/...   and   /restapis/{api_id}/{stage}/_user_request_/...
 * Pure functions of their input; thread-safe.
 */
#ifndef IMAGED_ROUTER_H
#define IMAGED_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "imaged/err.h"
#include "imaged/http.h"

struct imaged;

typedef enum img_err (*route_handler)(struct imaged *, const struct request *,
    struct response *);

/*
 * A route whose body is consumed as it arrives, not buffered: open() is
 * called once the headers are in (it may refuse the request, for example
 * 413 on a Content-Length over the limit), write() with each piece of the
 * body, and the handler at the end with req->sink set to the state;
 * close() frees the state in every case.
 */
struct body_sink {
	enum img_err	(*open)(struct imaged *, const struct request *,
			    struct response *, void **state);
	enum img_err	(*write)(void *state, const char *, size_t,
			    struct response *);
	void		(*close)(void *state);
};

struct route {
	enum http_method	 method;
	const char		*pattern;
	route_handler		 handler;
	const struct body_sink	*sink;		/* NULL: the body is buffered */
	size_t			 body_max;	/* cap of a buffered body */
	/* needs no token, even with auth = token */
	bool			 open;
	/*
	 * The handler waits for the disk (an fsync, a commit): the server
	 * runs it on a thread of its own, off the thread that serves other
	 * connections, so that many such waits overlap (and the catalog
	 * commits their rows together).
	 */
	bool			 waits_on_disk;
};

/*
 * Who is asking: fill *who from the request's credentials.  IMG_OK, or
 * IMG_EUNAUTH (with api_fail details) when they are missing or unknown.
 */
typedef enum img_err (*route_auth)(struct imaged *, const struct request *,
    struct response *, struct principal *who);

#define ROUTE_PARAM_MAX	1024

struct route_match {
	const struct route	*route;		/* NULL: see status */
	int			 status;	/* 200 found, 404, 405 */
	/* methods of the path, for Allow */
	unsigned		 allow;
	/* the path without any stage prefix */
	const char		*path;
	char			 param[ROUTE_PARAM_MAX + 1];
	bool			 has_param;
};

/*
 * Match method and path (decoded, NUL-terminated) against the table of n
 * routes.  OPTIONS on a known path is found with route NULL, status 200 and
 * allow set: the caller answers the preflight.  A parameter longer than
 * ROUTE_PARAM_MAX is 404.
 */
void		 router_match(const struct route *, size_t n, const char *stage,
		    enum http_method, const char *path, struct route_match *);
/*
 * The name of route's path parameter ("image_id" of "{image_id}") into
 * out, or "path" when route is NULL or has none: what a refusal of the
 * path names.  Returns out.
 */
const char	*router_param_name(const struct route *, char *out,
		    size_t outlen);
/* Write the Allow list ("GET, HEAD, OPTIONS") of a method mask into out. */
void		 router_allow(unsigned allow, char *out, size_t outlen);
/* The method named by s, HTTP_OTHER for any other. */
enum http_method router_method(const char *s);

#endif
