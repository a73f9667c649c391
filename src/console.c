/*
 * console.c: serving the web console's embedded files.
 *
 * The files are the generated table console_assets[] (see console.h); this
 * module only picks one, names its type and wraps it in the headers a
 * browser needs: a strict Content-Security-Policy (scripts, styles and
 * fetches from this origin only, images also from blob: URLs the page
 * makes from authenticated fetches), the ETag for revalidation
 * (Cache-Control: no-cache, so a new build shows at the next load), and
 * no framing.  Nothing here depends on a request's state but its headers.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "imaged/console.h"
#include "imaged/httputil.h"
#include "imaged/imaged.h"

#define CONSOLE_CSP	"default-src 'self'; img-src 'self' blob:; " \
			"style-src 'self'; script-src 'self'; " \
			"connect-src 'self'; object-src 'none'; " \
			"base-uri 'none'; form-action 'self'; " \
			"frame-ancestors 'none'"

static const struct {
	const char	*suffix;
	const char	*type;
} content_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
};

bool
console_enabled(const struct config *cfg)
{
	struct in_addr	 v4;
	struct in6_addr	 v6;

	switch (cfg->console) {
	case CONSOLE_ON:
		return true;
	case CONSOLE_OFF:
		return false;
	case CONSOLE_AUTO:
		break;
	}
	if (inet_pton(AF_INET, cfg->listen, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, cfg->listen, &v6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&v6) ||
		    (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
	return false;
}

const struct console_asset *
console_find(const char *name)
{
	size_t	 i;

	for (i = 0; name != NULL && i < console_nassets; i++)
		if (strcmp(console_assets[i].name, name) == 0)
			return &console_assets[i];
	return NULL;
}

static const char *
type_of(const char *name)
{
	size_t	 i, n = strlen(name), s;

	for (i = 0; i < sizeof(content_types) / sizeof(content_types[0]); i++) {
		s = strlen(content_types[i].suffix);
		if (n > s && strcmp(name + n - s, content_types[i].suffix) == 0)
			return content_types[i].type;
	}
	return "application/octet-stream";
}

static enum img_err
serve(struct imaged *ctx, const struct request *req, struct response *resp,
    const char *name)
{
	const struct console_asset	*a;
	enum img_err			 e;

	if (!console_enabled(&ctx->cfg) || (a = console_find(name)) == NULL)
		return api_fail(resp, IMG_ENOTFOUND, NULL, "no such page");
	if ((e = response_header(resp, "ETag", "%s", a->etag)) != IMG_OK ||
	    (e = response_header(resp, "Cache-Control", "no-cache")) !=
	    IMG_OK ||
	    (e = response_header(resp, "Content-Security-Policy", "%s",
	    CONSOLE_CSP)) != IMG_OK ||
	    (e = response_header(resp, "X-Frame-Options", "DENY")) != IMG_OK ||
	    (e = response_header(resp, "Referrer-Policy", "no-referrer")) !=
	    IMG_OK)
		return e;
	resp->content_type = type_of(a->name);
	if (http_etag_match(request_header(req, "If-None-Match"), a->etag)) {
		resp->status = 304;
		return IMG_OK;
	}
	resp->status = 200;
	return buf_add(&resp->body, a->data, a->len);
}

enum img_err
console_page(struct imaged *ctx, const struct request *req,
    struct response *resp)
{
	return serve(ctx, req, resp, "index.html");
}

enum img_err
console_file(struct imaged *ctx, const struct request *req,
    struct response *resp)
{
	return serve(ctx, req, resp, req->param);
}
