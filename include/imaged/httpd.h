/*
 * httpd.h: the HTTP server, over libmicrohttpd.
 *
 * The only module that includes microhttpd.h.  It turns each request into
 * a struct request, routes it through the table, streams bodies into
 * their route's sink (or a capped buffer), and sends the struct response:
 * a memory body, or an fd sent with sendfile.  It adds what every response
 * carries (X-Request-Id, CORS, nosniff), answers preflights, 404 and 405,
 * counts each request in the metrics, and writes one access line per
 * request to stderr.  Handlers that run past their budget (http.h,
 * budget_us) are run again on threads of their own, so a slow request
 * never stalls the connections that share its thread; so are the
 * handlers of routes that wait for the disk.
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
 * Threads of the slow lane, which run handlers that ran past their budget
 * on a connection's thread (a listing that scans).  Each may hold a
 * catalog reader: the catalog's pool is sized for workers plus these.
 */
#define HTTPD_SLOW_THREADS	2
/*
 * Threads of the commit lane, which run the handlers of routes that wait
 * for the disk (router.h, waits_on_disk): as many uploads and deletes as
 * these wait at once, and their rows commit in one transaction.  They
 * may read the catalog too (an owner check): its pool counts them.
 */
#define HTTPD_COMMIT_THREADS	16

/*
 * Listen on cfg's address and port and serve routes with ctx passed to
 * every handler.  With auth (not NULL), every route not marked open is
 * first put through it.  Requests, connections and uploads are counted in
 * metrics (NULL: not counted).  cfg, routes, ctx and metrics are borrowed
 * and must outlive the server.  Errors: IMG_EUNAVAIL (bad address, port in use:
 * logged).
 */
enum img_err	 httpd_start(const struct config *cfg,
		    const struct route *routes, size_t nroutes, route_auth auth,
		    struct imaged *ctx, struct metrics *metrics,
		    struct httpd **);
/* The port it listens on (useful with port 0). */
unsigned	 httpd_port(const struct httpd *);
/*
 * Wait up to grace_ms for requests in flight to finish, then stop.
 * NULL: no-op.
 */
void		 httpd_stop(struct httpd *, unsigned grace_ms);

#endif
