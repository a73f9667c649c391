/*
 * http.h: the request and response that handlers see.
 *
 * Handlers never see libmicrohttpd: the HTTP server (httpd.c) fills a
 * struct request from its callbacks and sends the struct response a
 * handler filled.  Unit tests build both by hand and call handlers with no
 * socket.  A handler returns IMG_OK with the response filled, or an error
 * value (with api_fail() details) that one function, response_error(),
 * turns into the JSON error of imaged-api(7), ERROR CODES.
 *
 * Ownership: a request and everything it points to belong to the server
 * (or the test) for the request's life; handlers borrow it.  A response
 * owns its body buffer, its header values and its fd; response_free()
 * releases them.
 */
#ifndef IMAGED_HTTP_H
#define IMAGED_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imaged/buf.h"
#include "imaged/err.h"
#include "imaged/principal.h"

enum http_method {
	HTTP_GET = 0x01,
	HTTP_HEAD = 0x02,
	HTTP_POST = 0x04,
	HTTP_PUT = 0x08,
	HTTP_PATCH = 0x10,
	HTTP_DELETE = 0x20,
	HTTP_OPTIONS = 0x40,
	HTTP_OTHER = 0x80
};

/* Limits of what a request may carry to a handler. */
#define QUERY_PARAMS_MAX	64	/* more query parameters: 414 */
#define JSON_BODY_MAX		(64 * 1024) /* a PATCH body */
#define RESPONSE_HEADERS_MAX	16

struct query_param {
	const char	*key;
	const char	*value;
};

struct request {
	enum http_method	 method;
	/* decoded, stage prefix removed */
	const char		*path;
	/* the path parameter, or NULL */
	char			*param;
	const struct query_param *query;	/* in the order sent */
	size_t			 nquery;
	const char		*request_id;
	/* "http://host:port" for download_url */
	const char		*base_url;
	/* Header lookup (case-insensitive name); NULL when absent. */
	const char		*(*header)(const struct request *,
	    const char *name);
	void			*conn;		/* the server's, for header() */
	const struct buf	*body;		/* a buffered body, or NULL */
	/* a streaming route's body state */
	void			*sink;
	/* UINT64_MAX: unknown (chunked) */
	uint64_t		 content_length;
	/* With auth = token, who is asking; NULL when auth is off. */
	const struct principal	*principal;
	/*
	 * 0: the handler may take as long as it needs.  Else it runs on a
	 * thread that serves many connections, and work that may run long
	 * (a listing that scans) gives up past this many microseconds of
	 * CPU time with IMG_ESLOW; the server then runs the handler again,
	 * with 0, on a thread of its own (httpd.h).
	 */
	unsigned		 budget_us;
};

/*
 * Whether the request may act for user_id: always with auth off or for an
 * admin, else only for the token's own user.
 */
bool		 request_may_act_for(const struct request *,
		    const char *user_id);

/* The last value of a query parameter; an empty value counts as absent. */
const char	*request_query(const struct request *, const char *key);
/* Whether the parameter appears with a non-empty value. */
bool		 request_has(const struct request *, const char *key);
const char	*request_header(const struct request *, const char *name);

struct imaged;
struct response;

/*
 * A deferred answer.  A handler whose answer waits on work done elsewhere
 * (a rendition being made on the render pool) fills resp->defer and
 * returns IMG_OK.  The HTTP layer then takes the connection off its
 * thread (libmicrohttpd's suspend: the thread goes on serving others) and
 * calls start(arg, resp, wake, token).  start returns IMG_OK when the
 * work is under way, and then whoever finishes it calls wake(token)
 * exactly once, from any thread; any other return is answered at once as
 * that error (start may add headers and api_fail details to resp, such
 * as Retry-After on a 503).
 * After the wake, on one of its own threads, the HTTP layer calls
 * resume(ctx, req, resp, arg), which fills the response as a handler
 * does.  release(arg), if set, is called once when the request ends,
 * whatever happened.  Work that was started must wake its request before
 * the server stops (imaged_stop drains the render pool first).
 */
typedef void	 (*response_wake)(void *token);

struct response_defer {
	enum img_err	(*start)(void *arg, struct response *, response_wake,
			    void *token);
	enum img_err	(*resume)(struct imaged *, const struct request *,
			    struct response *, void *arg);
	void		(*release)(void *arg);
	void		*arg;
};

struct response_header {
	const char	*name;		/* static */
	char		*value;		/* owned */
};

/*
 * A body made while it is sent, so that a large answer never sits whole in
 * memory: read() writes up to max bytes of the body from offset pos into
 * out and returns how many (0 only at the end), or -1 on an error, which
 * cuts the answer short.  length is the body's exact size, sent as
 * Content-Length (a HEAD gets it with no body).  free() releases state.
 */
struct response_stream {
	long long	(*read)(void *state, uint64_t pos, char *out,
	    size_t max);
	void		(*free)(void *state);
	void		*state;
	uint64_t	 length;
};

struct response {
	int			 status;
	/* static or content_type_buf; NULL: none */
	const char		*content_type;
	char			 content_type_buf[128];
	struct buf		 body;
	/* >= 0: send length bytes of it from offset */
	int			 fd;
	/* read not NULL: the body, made as sent */
	struct response_stream	 stream;
	uint64_t		 offset;
	uint64_t		 length;
	struct response_header	 headers[RESPONSE_HEADERS_MAX];
	size_t			 nheaders;
	/* error details, set by api_fail() */
	/* static or borrowed from the route */
	const char		*err_field;
	char			 err_message[256];
	bool			 close;		/* close the connection after */
	struct response_defer	 defer;		/* start == NULL: answer now */
};

#define JSON_TYPE	"application/json; charset=utf-8"

void		 response_init(struct response *);
void		 response_free(struct response *);
/* Release the response's stream, if any, unsent. */
void		 response_stream_free(struct response *);
/*
 * Add a header (name static, value copied).  IMG_ENOMEM; past the
 * cap, IMG_EINTERNAL.
 */
enum img_err	 response_header(struct response *, const char *name,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The value of a header already added, or NULL. */
const char	*response_get_header(const struct response *, const char *name);

/*
 * Record the details of an error for response_error() and return it, so a
 * handler can `return api_fail(resp, IMG_EINVAL, "user_id", "...")`.
 * field may be NULL; fmt may be NULL for the error's default message.
 */
enum img_err	 api_fail(struct response *, enum img_err, const char *field,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * A NUL byte decoded in the request target (%00 in a query parameter or
 * a path segment): 400 VALIDATION_ERROR naming field (borrowed), never a
 * value read up to the NUL.
 */
enum img_err	 request_refuse_nul(struct response *, const char *field);

/*
 * The one place an error becomes a response: reset the response's body
 * and fd (headers such as Allow stay), set the status, and write
 * {"error": {"code", "message"[, "field"]}}.  Internal errors get the
 * fixed message of their row, never the details.
 */
void		 response_error(struct response *, enum img_err);

#endif
