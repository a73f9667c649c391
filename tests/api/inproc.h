/*
 * inproc.h: a route's handler driven in-process, with no socket and no
 * server thread, in microseconds.
 *
 * A request written as text is decoded as libmicrohttpd decodes it (%XX,
 * and '+' as a space in the query), routed against api_routes, and given
 * to the handler as httpd gives it: a streaming route's sink opened on the
 * headers, fed the body, the handler at the end; a buffered route's body
 * capped at its body_max.  An error is rendered by response_error(), the
 * one renderer the server uses, so r->resp is what a client would read,
 * less what only the wire adds (Date, CORS, the request id header, the
 * access log).  What needs the wire (HTTP/1.0, chunked bodies, limits on
 * the request line, connection limits) stays with the socket-level tests.
 *
 * The request text is HTTP without the version:
 *
 *	[METHOD ]path[?query]
 *	Name: value
 *	...
 *
 *	body
 *
 * Used by the handler tests (check_handlers.c) and the fuzz target of
 * the request surface (tests/fuzz/fuzz_query.c); needs no test framework.
 */
#ifndef IMAGED_TEST_INPROC_H
#define IMAGED_TEST_INPROC_H

#include <stddef.h>

#include "imaged/buf.h"
#include "imaged/http.h"
#include "imaged/imaged.h"
#include "imaged/router.h"

#define INPROC_HEADERS_MAX	16	/* further header lines are dropped */

struct inproc {
	struct request		 req;
	/* match.route NULL: see status */
	struct route_match	 match;
	/* 200 routed, else 400, 404, 405, 414 */
	int			 status;
	struct response		 resp;
	struct query_param	 query[QUERY_PARAMS_MAX];
	const char		*hname[INPROC_HEADERS_MAX];
	const char		*hvalue[INPROC_HEADERS_MAX];
	size_t			 nheaders;
	char			*text;		/* our copy, cut up in place */
	const char		*body;		/* into text; NULL: none */
	size_t			 blen;
	struct buf		 buffered;	/* a buffered route's body */
	const char		*nul_field;	/* where a NUL was decoded */
	char			 nul_name[64];
};

/*
 * A context as a started server has one, less the listener: a fresh
 * temporary data dir (under $TMPDIR, else /tmp) holding a catalog and a
 * blob store, and a signer with key (SIGNER_KEY_LEN bytes; NULL: random).
 * cfg NULL means the defaults.  Free it with imaged_stop(ctx, 0), which
 * also removes the data dir.  NULL on failure.
 */
struct imaged	*inproc_context(const struct config *cfg,
		    const unsigned char *key);

/*
 * Decode and route the request text[0..len) (copied: text is not kept).
 * Returns r->status: 200 when a route was found (r->match.route), else
 * 404 or 405 as the router says (OPTIONS, a preflight, is 405 here), or
 * 414 past QUERY_PARAMS_MAX query parameters, or 400 for a NUL decoded in
 * the path or the query (r->nul_field).  Free r with inproc_free()
 * whatever it returns.
 */
int		 inproc_parse(struct inproc *r, const struct imaged *ctx,
		    const char *text, size_t len);

/*
 * Run a routed request: a streaming route gets its body in two writes,
 * the first cut bytes then the rest.  Returns the handler's value; on an
 * error, r->resp holds its JSON error as response_error() wrote it.
 */
enum img_err	 inproc_run(struct inproc *r, struct imaged *ctx, size_t cut);

/* Parse and run in one step (cut in the middle of the body). */
enum img_err	 inproc_do(struct inproc *r, struct imaged *ctx,
		    const char *text);

void		 inproc_free(struct inproc *r);

#endif
