/*
 * httpd.h: the HTTP server, over libmicrohttpd.
 *
 * The only module that includes microhttpd.h.  It turns each request into
 * a struct request, routes it through the table, streams bodies into
 * their route's sink (or a capped buffer), and sends the struct response:
 * a memory body, or an fd sent with sendfile.  It adds what every response
 * carries (X-Request-Id, CORS, nosniff), answers preflights, 404 and 405,
 * counts each request in the metrics, and writes one access line per
 * request to stderr.
 */
#ifndef IMAGED_HTTPD_H
#define IMAGED_HTTPD_H

#include <stddef.h>

#include "imaged/config.h"
#include "imaged/err.h"
#include "imaged/router.h"

struct httpd;
struct imaged;
struct metrics;

/*
 * Listen on cfg's address and port and serve routes with ctx passed to
 * every handler.  With auth (not NULL), every route not marked open is
 * first put through it.  Requests, connections and uploads are counted in
 * metrics (NULL: not counted).  cfg, routes, ctx and metrics are borrowed
 * and must outlive the server.  Errors: IMG_EUNAVAIL (bad address, port in use:
 * logged).
 */
enum img_err	 httpd_start(const struct config *cfg, const struct route *routes,
		    size_t nroutes, route_auth auth, struct imaged *ctx,
		    struct metrics *metrics, struct httpd **);
/* The port it listens on (useful with port 0). */
unsigned	 httpd_port(const struct httpd *);
/* Wait up to grace_ms for requests in flight to finish, then stop.  NULL: no-op. */
void		 httpd_stop(struct httpd *, unsigned grace_ms);

#endif
