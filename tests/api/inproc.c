/*
 * inproc.c: handlers driven without a socket (see inproc.h).
 *
 * What httpd's begin(), consume() and finish() do for a request, in the
 * same order, minus libmicrohttpd: route, collect the query, open the
 * sink or cap the buffered body, feed the body, call the handler, render
 * an error.  Authentication is left out (a test that wants a principal
 * sets r->req.principal between parse and run).  A deferred answer (a
 * rendition being made) is waited for on the calling thread, where httpd
 * would suspend the connection.  With IMAGED_API_LOG set, each routed
 * request's answer is logged for the OpenAPI check (exchlog.h).
 */
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imaged/api.h"
#include "imaged/blobstore.h"
#include "imaged/catalog.h"
#include "imaged/config.h"
#include "imaged/rendcache.h"
#include "imaged/renderpool.h"
#include "imaged/text.h"
#include "imaged/signer.h"
#include "imaged/testctl.h"

#include "exchlog.h"
#include "inproc.h"

#define BASE_URL	"http://127.0.0.1:8080"

struct imaged *
inproc_context(const struct config *cfg, const unsigned char *key)
{
	struct imaged	*ctx;
	unsigned char	 k[SIGNER_KEY_LEN];
	const char	*tmp = getenv("TMPDIR");
	char		 path[PATH_MAX + 32];

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return NULL;
	if (cfg != NULL)
		ctx->cfg = *cfg;
	else
		config_defaults(&ctx->cfg);
	snprintf(ctx->data_dir, sizeof(ctx->data_dir),
	    "%s/imaged-inproc-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(ctx->data_dir) == NULL) {
		free(ctx);
		return NULL;
	}
	ctx->remove_data_dir = true;
	if (ctx->cfg.clock_fixed)
		clock_init_fixed(&ctx->clock, ctx->cfg.clock_usec);
	else
		clock_init_real(&ctx->clock);
	idgen_init(&ctx->ids, ctx->cfg.id_seed_set, ctx->cfg.id_seed_value);
	if (key != NULL)
		memcpy(k, key, sizeof(k));
	else
		random_bytes(k, sizeof(k));
	snprintf(path, sizeof(path), "%s/imaged.db", ctx->data_dir);
	if (signer_new(k, &ctx->signer) != IMG_OK ||
	    catalog_open(path, 1, &ctx->catalog) != IMG_OK ||
	    blobstore_open(ctx->data_dir, ctx->cfg.bucket, ctx->cfg.file_mode,
	    &ctx->blobs) != IMG_OK ||
	    renderpool_new(1, 16, &ctx->render_pool) != IMG_OK ||
	    rendcache_open(ctx->blobs, ctx->render_pool,
	    ctx->cfg.rendition_cache_size, ctx->cfg.rendition_max_pixels,
	    &ctx->renditions) != IMG_OK ||
	    (ctx->cfg.test_mode && testctl_new(&ctx->testctl) != IMG_OK)) {
		imaged_stop(ctx, 0);
		return NULL;
	}
	catalog_set_clock(ctx->catalog, &ctx->clock);
	snprintf(ctx->url, sizeof(ctx->url), "%s", BASE_URL);
	return ctx;
}

static const char *
header_of(const struct request *req, const char *name)
{
	const struct inproc	*r = req->conn;
	size_t			 i;

	for (i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->hname[i], name) == 0)
			return r->hvalue[i];
	return NULL;
}

/*
 * Decode %XX in place (and '+' with plus); a NUL decoded ends the text,
 * and the return says so (httpd refuses it, as here).
 */
static bool
unescape(char *s, bool plus)
{
	char	*o = s;
	int	 hi, lo;
	bool	 nul = false;

	for (; *s != '\0'; s++) {
		if (*s == '%' && (hi = hex_value(s[1])) >= 0 &&
		    (lo = hex_value(s[2])) >= 0) {
			*o++ = (char)(hi << 4 | lo);
			nul |= hi == 0 && lo == 0;
			s += 2;
		} else if (plus && *s == '+')
			*o++ = ' ';
		else
			*o++ = *s;
	}
	*o = '\0';
	return nul;
}

/*
 * Split "a=1&b&c=3" in place; false past QUERY_PARAMS_MAX or on a NUL
 * decoded (r->nul_field names it): a 414 or a 400.
 */
static bool
split_query(struct inproc *r, char *q)
{
	char	*amp, *eq;
	bool	 nul;

	while (q != NULL && *q != '\0') {
		if ((amp = strchr(q, '&')) != NULL)
			*amp++ = '\0';
		if (*q != '\0') {
			if (r->req.nquery == QUERY_PARAMS_MAX)
				return false;
			if ((eq = strchr(q, '=')) != NULL)
				*eq++ = '\0';
			/* Both decoded, whichever holds the NUL. */
			nul = unescape(q, true);
			if (eq != NULL && unescape(eq, true))
				nul = true;
			if (nul && r->nul_field == NULL)
				r->nul_field = q;
			r->query[r->req.nquery].key = q;
			r->query[r->req.nquery].value = eq != NULL ? eq : "";
			r->req.nquery++;
		}
		q = amp;
	}
	return r->nul_field == NULL;
}

/*
 * "Name: value" lines up to an empty one; the body follows that (NULL
 * when there is none).  Lines past INPROC_HEADERS_MAX are dropped.
 */
static char *
split_headers(struct inproc *r, char *s)
{
	char	*nl, *colon, *v;

	while (s != NULL && *s != '\0') {
		if ((nl = strchr(s, '\n')) != NULL)
			*nl++ = '\0';
		if (*s == '\0' || (*s == '\r' && s[1] == '\0'))
			return nl;
		if ((colon = strchr(s, ':')) != NULL &&
		    r->nheaders < INPROC_HEADERS_MAX) {
			*colon = '\0';
			v = colon + 1 + strspn(colon + 1, " \t");
			v[strcspn(v, "\r")] = '\0';
			r->hname[r->nheaders] = s;
			r->hvalue[r->nheaders] = v;
			r->nheaders++;
		}
		s = nl;
	}
	return NULL;
}

int
inproc_parse(struct inproc *r, const struct imaged *ctx, const char *text,
    size_t len)
{
	char			*line, *rest, *path, *q, *sp, *body;
	enum http_method	 method = HTTP_GET;
	bool			 path_nul;

	memset(r, 0, sizeof(*r));
	response_init(&r->resp);
	buf_init(&r->buffered, 0);
	r->status = 500;
	if ((r->text = malloc(len + 1)) == NULL)
		return r->status;
	memcpy(r->text, text, len);
	r->text[len] = '\0';
	line = r->text;
	if ((rest = strchr(line, '\n')) != NULL)
		*rest++ = '\0';
	line[strcspn(line, "\r")] = '\0';
	path = line;
	if ((sp = strchr(line, ' ')) != NULL && sp > line &&
	    strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == (size_t)(sp - line)) {
		*sp = '\0';
		method = router_method(line);
		path = sp + 1;
	}
	if ((q = strchr(path, '?')) != NULL)
		*q++ = '\0';
	path_nul = unescape(path, false);
	body = split_headers(r, rest);
	if (body != NULL) {
		r->body = body;
		/* The body may hold NULs: its length comes from text's. */
		r->blen = len - (size_t)(body - r->text);
	}

	router_match(api_routes, api_nroutes_for(&ctx->cfg), ctx->cfg.stage,
	    method, path, &r->match);
	r->status = r->match.status;
	if (path_nul) {
		r->nul_field = router_param_name(r->match.route, r->nul_name,
		    sizeof(r->nul_name));
		r->match.route = NULL;
		return r->status = 400;
	}
	if (method == HTTP_OPTIONS || r->match.route == NULL) {
		if (r->status == 200)
			r->status = 405;
		r->match.route = NULL;
		return r->status;
	}
	if (!split_query(r, q)) {
		r->match.route = NULL;
		return r->status = r->nul_field != NULL ? 400 : 414;
	}
	r->req.method = method;
	r->req.path = r->match.path;
	r->req.param = r->match.has_param ? r->match.param : NULL;
	r->req.query = r->query;
	r->req.request_id = "inproc";
	r->req.base_url = ctx->url;
	r->req.header = header_of;
	r->req.conn = r;
	r->req.content_length = r->blen;
	return r->status;
}

/* The route's work, as httpd's begin(), consume() and finish() do it. */
static enum img_err
run_route(struct inproc *r, struct imaged *ctx, size_t cut)
{
	const struct route	*route = r->match.route;
	void			*state = NULL;
	enum img_err		 e;

	if (cut > r->blen)
		cut = r->blen;
	if (route->sink == NULL) {
		buf_init(&r->buffered, route->body_max);
		if (r->blen > 0 && r->blen > route->body_max)
			return api_fail(&r->resp, IMG_ETOOBIG, NULL,
			    "request body larger than %zu bytes",
			    route->body_max);
		if (route->body_max > 0 && r->blen > 0 &&
		    buf_add(&r->buffered, r->body, r->blen) != IMG_OK)
			return IMG_ENOMEM;
		r->req.body = &r->buffered;
		return route->handler(ctx, &r->req, &r->resp);
	}
	if ((e = route->sink->open(ctx, &r->req, &r->resp, &state)) != IMG_OK)
		return e;
	if (cut > 0)
		e = route->sink->write(state, r->body, cut, &r->resp);
	if (e == IMG_OK && r->blen > cut)
		e = route->sink->write(state, r->body + cut, r->blen - cut,
		    &r->resp);
	if (e == IMG_OK) {
		r->req.sink = state;
		r->req.body = &r->buffered;
		e = route->handler(ctx, &r->req, &r->resp);
	}
	route->sink->close(state);
	r->req.sink = NULL;
	return e;
}

struct waiting {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	bool		 woken;
};

static void
wake(void *token)
{
	struct waiting	*w = token;

	pthread_mutex_lock(&w->lock);
	w->woken = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/* What httpd does with a deferred answer, on this thread. */
static enum img_err
run_deferred(struct inproc *r, struct imaged *ctx)
{
	struct response_defer	*d = &r->resp.defer;
	struct waiting		 w = { PTHREAD_MUTEX_INITIALIZER,
	    PTHREAD_COND_INITIALIZER, false };
	enum img_err		 e;

	if ((e = d->start(d->arg, &r->resp, wake, &w)) != IMG_OK)
		return e;
	pthread_mutex_lock(&w.lock);
	while (!w.woken)
		pthread_cond_wait(&w.cond, &w.lock);
	pthread_mutex_unlock(&w.lock);
	return d->resume(ctx, &r->req, &r->resp, d->arg);
}

/* The method's name, for the exchange log. */
static const char *
method_name(enum http_method m)
{
	switch (m) {
	case HTTP_GET:		return "GET";
	case HTTP_HEAD:		return "HEAD";
	case HTTP_POST:		return "POST";
	case HTTP_PUT:		return "PUT";
	case HTTP_PATCH:	return "PATCH";
	case HTTP_DELETE:	return "DELETE";
	case HTTP_OPTIONS:	return "OPTIONS";
	case HTTP_OTHER:	break;
	}
	return "OTHER";
}

/*
 * A streamed body as a client reads it, into resp.body, in uneven pieces
 * (so a stream's seams are crossed); it must end at exactly its length.
 */
static enum img_err
drain_stream(struct inproc *r)
{
	struct response_stream	*s = &r->resp.stream;
	char			 piece[4099];
	uint64_t		 pos = 0;
	long long		 n;
	size_t			 max = 1;
	enum img_err		 e;

	while (pos < s->length) {
		max = max % sizeof(piece) + 1000;
		if ((n = s->read(s->state, pos, piece, max)) <= 0)
			return IMG_EINTERNAL;
		if ((e = buf_add(&r->resp.body, piece, (size_t)n)) != IMG_OK)
			return e;
		pos += (uint64_t)n;
	}
	if (pos != s->length || s->read(s->state, pos, piece, 1) != 0)
		return IMG_EINTERNAL;
	response_stream_free(&r->resp);
	return IMG_OK;
}

enum img_err
inproc_run(struct inproc *r, struct imaged *ctx, size_t cut)
{
	enum img_err	 e;

	if (r->match.route == NULL)
		return IMG_ENOTFOUND;
	e = run_route(r, ctx, cut);
	if (e == IMG_OK && r->resp.defer.start != NULL)
		e = run_deferred(r, ctx);
	if (e != IMG_OK)
		response_error(&r->resp, e);
	else if (r->resp.stream.read != NULL && (e = drain_stream(r)) != IMG_OK)
		response_error(&r->resp, e);
	/* A file's bytes are sent from its descriptor: only JSON is logged. */
	exchlog_append(method_name(r->req.method), r->req.path,
	    r->resp.status, r->resp.content_type, r->resp.body.data,
	    r->resp.fd >= 0 ? (size_t)r->resp.length : r->resp.body.len,
	    false);	/* faults are injected by the HTTP server only */
	return e;
}

enum img_err
inproc_do(struct inproc *r, struct imaged *ctx, const char *text)
{
	size_t	 len = strlen(text);

	switch (inproc_parse(r, ctx, text, len)) {
	case 200:
		return inproc_run(r, ctx, r->blen / 2);
	case 400:
		response_error(&r->resp, request_refuse_nul(&r->resp,
		    r->nul_field));
		return IMG_EINVAL;
	case 414:
		response_error(&r->resp, api_fail(&r->resp, IMG_EURI, NULL,
		    "more than %d query parameters", QUERY_PARAMS_MAX));
		return IMG_EURI;
	case 405:
		response_error(&r->resp, IMG_EMETHOD);
		return IMG_EMETHOD;
	default:
		response_error(&r->resp, IMG_ENOTFOUND);
		return IMG_ENOTFOUND;
	}
}

void
inproc_free(struct inproc *r)
{
	if (r->resp.defer.release != NULL)
		r->resp.defer.release(r->resp.defer.arg);
	r->resp.defer.release = NULL;
	response_free(&r->resp);
	buf_free(&r->buffered);
	free(r->text);
	r->text = NULL;
}
