/*
 * fuzz_router.c: path matching (router.h) against the real route table.
 *
 * The input is a decoded path, matched with every method against
 * api_routes under the default stage.  The outcome must be coherent: 404
 * exactly when the path has no methods, 405 only for a method the path
 * lacks, a route found only for its own method (or HEAD on GET), the same
 * Allow whatever the method, a path parameter of 1 to ROUTE_PARAM_MAX bytes
 * taken from the path, and the stripped path a suffix of the input.  Both
 * stage prefixes put in front of the stripped path must give the same
 * match, so they are removed once and in one way.
 */
#include <stdbool.h>

#include "imaged/api.h"
#include "imaged/config.h"
#include "imaged/router.h"

#include "fuzz.h"

static const enum http_method	 methods[] = {
	HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PUT, HTTP_PATCH, HTTP_DELETE,
	HTTP_OPTIONS, HTTP_OTHER
};
#define NMETHODS	(sizeof(methods) / sizeof(methods[0]))

static struct config	 cfg;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	config_defaults(&cfg);
	return 0;
}

static void
check_match(enum http_method method, const char *path,
    const struct route_match *m)
{
	size_t	 plen = strlen(path), n;
	char	 allow[128];

	FUZZ_CHECK(m->status == 200 || m->status == 404 || m->status == 405);
	FUZZ_CHECK((m->status == 404) == (m->allow == 0));
	if (m->route != NULL) {
		FUZZ_CHECK(m->status == 200);
		FUZZ_CHECK(m->route >= api_routes &&
		    m->route < api_routes + api_nroutes);
		FUZZ_CHECK(m->route->method == method ||
		    (method == HTTP_HEAD && m->route->method == HTTP_GET));
		FUZZ_CHECK((strchr(m->route->pattern, '{') != NULL) ==
		    m->has_param);
	} else if (m->status == 200)
		FUZZ_CHECK(method == HTTP_OPTIONS);
	if (m->status == 405)
		FUZZ_CHECK((m->allow & method) == 0);
	if (m->allow != 0) {
		FUZZ_CHECK(m->allow & HTTP_OPTIONS);
		FUZZ_CHECK((m->allow & HTTP_OTHER) == 0);
		router_allow(m->allow, allow, sizeof(allow));
		FUZZ_CHECK(strstr(allow, "OPTIONS") != NULL);
	}
	if (m->path != NULL) {
		/* The stripped path is the input's tail. */
		n = strlen(m->path);
		FUZZ_CHECK(n <= plen && m->path == path + plen - n);
		if (m->status != 404)
			FUZZ_CHECK(m->path[0] == '/');
	} else
		FUZZ_CHECK(m->status == 404);
	if (m->has_param) {
		n = strlen(m->param);
		FUZZ_CHECK(n >= 1 && n <= ROUTE_PARAM_MAX);
		FUZZ_CHECK(m->path != NULL &&
		    strstr(m->path, m->param) != NULL);
		FUZZ_CHECK(m->allow != 0);
	}
}

static void
same_match(const struct route_match *a, const struct route_match *b)
{
	FUZZ_CHECK(a->status == b->status);
	FUZZ_CHECK(a->route == b->route);
	FUZZ_CHECK(a->allow == b->allow);
	FUZZ_CHECK(a->has_param == b->has_param);
	if (a->has_param)
		FUZZ_CHECK(strcmp(a->param, b->param) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct route_match	 m, pm;
	struct buf			 prefixed;
	char				*path;
	size_t				 i;
	unsigned			 allow = 0;

	path = fuzz_cstr(data, size);
	buf_init(&prefixed, size + 128);
	for (i = 0; i < NMETHODS; i++) {
		router_match(api_routes, api_nroutes, cfg.stage, methods[i],
		    path, &m);
		check_match(methods[i], path, &m);
		if (i > 0)
			FUZZ_CHECK(m.allow == allow);
		allow = m.allow;
		if (m.path == NULL || m.path[0] != '/')
			continue;

		buf_reset(&prefixed);
		FUZZ_CHECK(buf_printf(&prefixed, "/%s%s", cfg.stage,
		    m.path) == IMG_OK);
		router_match(api_routes, api_nroutes, cfg.stage, methods[i],
		    prefixed.data, &pm);
		check_match(methods[i], prefixed.data, &pm);
		same_match(&m, &pm);

		buf_reset(&prefixed);
		FUZZ_CHECK(buf_printf(&prefixed, "/restapis/a1b2c3/%s"
		    "/_user_request_%s", cfg.stage, m.path) == IMG_OK);
		router_match(api_routes, api_nroutes, cfg.stage, methods[i],
		    prefixed.data, &pm);
		check_match(methods[i], prefixed.data, &pm);
		same_match(&m, &pm);
	}
	FUZZ_CHECK(router_method(path) == HTTP_OTHER ||
	    strcmp(path, "GET") == 0 || strcmp(path, "HEAD") == 0 ||
	    strcmp(path, "POST") == 0 || strcmp(path, "PUT") == 0 ||
	    strcmp(path, "PATCH") == 0 || strcmp(path, "DELETE") == 0 ||
	    strcmp(path, "OPTIONS") == 0);
	buf_free(&prefixed);
	free(path);
	return 0;
}
