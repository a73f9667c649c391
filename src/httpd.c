/*
 * httpd.c: libmicrohttpd in, struct request/response out.
 *
 * libmicrohttpd calls on_request() several times for one request: once
 * when the headers are in, once for each piece of the body, and once
 * when the body is complete.  The first call allocates a struct exchange
 * (the request's state; freed in on_completed, whatever happened), routes
 * and checks the request and prepares the body's destination; what it
 * decides (404, 405, a preflight, a refusal on the headers) is answered
 * on the next call, because libmicrohttpd closes the connection after an
 * answer queued in the first one.  Only a refusal of a request that has a
 * body is answered at once: that body is not worth reading.  An error
 * found while the body streams in stops the work at once, but the answer
 * waits until the rest of the body has been read and dropped (for at most
 * DRAIN_MAX_BYTES or DRAIN_MAX_MS, a lingering close): a client that is
 * still sending then reads the error instead of a reset.  The connection
 * closes after it.
 *
 * A handler may defer its answer (http.h, struct response_defer): the
 * connection is suspended, so that no request thread waits on slow work
 * such as a render, and resumed by the work's wake call; libmicrohttpd
 * then calls on_request once more, and the deferral's resume fills the
 * answer.
 *
 * A handler runs first on the thread that serves the connection, with a
 * budget (WORK_BUDGET_US): work that would run past it (a listing that
 * has to scan) answers IMG_ESLOW, and the request is then suspended and
 * its handler run again, without a budget, on the slow lane (lane.h), a
 * few threads of lower priority; the connection is resumed with the
 * answer.  So a long scan stalls only the requests queued behind it on
 * that lane, never the connections that share its first thread.  The
 * handlers of routes that wait for the disk (uploads, deletes: an fsync,
 * a commit) go straight to the commit lane, many threads at normal
 * priority: their waits overlap there, and the catalog commits the rows
 * of all that wait at once in one transaction.  Either way the answer is
 * sent only once the handler has returned, so a 201 still means the file
 * and its row are durable.
 *
 * Thread-safety: the server's fields are read-only once started, except
 * the counters and connection clocks, which are atomic, and the list of
 * clocks, under clock_lock.  The metrics take their own care (metrics.h).
 *
 * Every request ends in on_completed, answered or not: that is where it
 * is counted and its access line written.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "imaged/buf.h"
#include "imaged/http.h"
#include "imaged/httpd.h"
#include "imaged/httputil.h"
#include "imaged/imaged.h"
#include "imaged/lane.h"
#include "imaged/log.h"
#include "imaged/metrics.h"
#include "imaged/signer.h"
#include "imaged/testctl.h"
#include "imaged/text.h"

#define REQUEST_ID_MAX		200
#define DRAIN_MAX_BYTES		((uint64_t)64 << 20)
#define DRAIN_MAX_MS		10000
#define POOL_PER_HEADER_BYTE	2	/* see pool_size() */
/*
 * What libmicrohttpd 0.9 spends in the pool on each header, cookie and
 * query parameter (a 56-byte record, aligned to 16), and the room an
 * answer's headers need after them (see pool_room_left()).
 */
#define POOL_FIELD_BYTES	64
#define POOL_ANSWER_BYTES	4096
/*
 * A connection's send buffer on loopback, fixed (the kernel doubles it)
 * rather than autotuned, so that a file's bytes stay in cache between the
 * kernel's two copies.  1 MiB files, wrk -c16, against nginx on the same
 * host (medians of interleaved 3 s runs): autotuned 0.77x; 256 KiB 0.97x;
 * 128 KiB 1.05x; 64 KiB 1.44x; 32 KiB 0.05x, a cliff: the buffer then
 * holds less than two 64 KiB loopback segments, and each file waits on
 * the receiver's delayed ACKs.  128 KiB keeps four segments of margin
 * from it.  Off loopback the kernel's autotuning sizes the buffer for the
 * path.
 */
#define LOOPBACK_SNDBUF		(128 * 1024)
#define STREAM_BLOCK		(32 * 1024)	/* a stream's bytes per read */
/* its socket, and a file it reads or writes */
#define FDS_PER_CONNECTION	2
/* the database, logs, the listener... */
#define FDS_RESERVED		64
#define CORS_ALLOW_HEADERS	\
	"Content-Type, Authorization, X-Api-Key, X-Request-Id"
#define CORS_EXPOSE_HEADERS	\
	"ETag, Location, X-Request-Id, Content-Disposition"
/*
 * A handler's budget on a connection's thread: a page of one user's
 * listing takes 50-100 us, so only work that is really long moves.
 */
#define WORK_BUDGET_US		1000
#define SLOW_LANE_NICE		10

/*
 * A connection's clock for the header deadline: libmicrohttpd's timeout
 * is an idle timer, which a client trickling one byte at a time resets
 * forever.  A watchdog thread shuts down connections that have waited
 * longer than header_timeout for a request's headers, counted from the
 * connection's start or its previous answer.
 */
struct conn_clock {
	int			 fd;
	_Atomic int64_t		 since;		/* monotonic seconds */
	_Atomic bool		 waiting;	/* for a request's headers */
	_Atomic bool		 in_body;	/* a request's body is due */
	_Atomic int64_t		 body_since;	/* monotonic seconds */
	_Atomic uint64_t	 body_bytes;	/* of it, arrived */
	/* strings of the target that decoded a NUL */
	unsigned		 nuls;
	/* too many parameters, or too long: not parsed */
	bool			 query_cut;
	bool			 query_long;
	bool			 cut;		/* under clock_lock */
	struct conn_clock	*prev, *next;	/* under clock_lock */
};

struct httpd {
	struct MHD_Daemon	*mhd;
	const struct config	*cfg;
	const struct route	*routes;
	size_t			 nroutes;
	route_auth		 auth;
	struct imaged		*ctx;
	struct metrics		*metrics;	/* NULL: metrics off */
	unsigned		 port;
	char			 listen_url[128];
	/* listening on a loopback address */
	bool			 loopback;
	/* public_url's; "": none */
	char			 public_host[CONFIG_HOST_LEN];
	char			 id_prefix[9];
	atomic_uint_fast64_t	 next_id;
	atomic_int		 in_flight;

	pthread_mutex_t		 clock_lock;	/* the clocks, the stop flag */
	pthread_cond_t		 clock_cond;
	struct conn_clock	*clocks;
	bool			 stopping;
	pthread_t		 watchdog;
	bool			 watchdog_started;
	struct lane		*slow;		/* handlers past their budget */
	/* handlers that wait on the disk */
	struct lane		*commit;
};

/* One request's state, from its first callback to on_completed. */
struct exchange {
	struct httpd		*httpd;
	struct MHD_Connection	*conn;
	struct request		 req;
	struct response		 resp;
	struct route_match	 match;
	struct principal	 who;
	struct query_param	 query[QUERY_PARAMS_MAX];
	size_t			 nquery;
	bool			 too_many_params;
	bool			 query_collected;
	/* the first parameter with a NUL */
	const char		*nul_param;
	unsigned		 nul_params;	/* keys and values with one */
	char			 nul_name[64];
	struct buf		 body;
	void			*sink_state;
	bool			 sink_open;
	bool			 answered;	/* a response is queued */
	bool			 pool_full;	/* no room to build an answer */
	bool			 preflight;	/* OPTIONS on a known path */
	bool			 deferred;	/* suspended for resp.defer */
	enum img_err		 defer_failed;	/* start's refusal */
	enum img_err		 failed;	/* an error found on the way */
	char			 method[12];
	char			*path;
	char			 request_id[REQUEST_ID_MAX + 1];
	char			 base_url[
	    sizeof(((struct config *)0)->public_url) + 8];
	/* body bytes answered, for the log */
	uint64_t		 bytes;
	uint64_t		 received;	/* body bytes read */
	/* body bytes dropped after an error */
	uint64_t		 drained;
	struct timespec		 start;
	struct timespec		 failed_at;
	struct lane_job		 job;		/* on a lane */
	bool			 on_lane;	/* its handler went to a lane */
	enum img_err		 lane_err;	/* what it returned there */
};

static struct conn_clock *conn_clock_of(struct MHD_Connection *);
static size_t pool_size(const struct config *);

static const char *
conn_header(const struct request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* The bytes of a request's headers (or query), as sent, give or take. */
static enum MHD_Result
add_sizes(void *cls, enum MHD_ValueKind kind, const char *key,
    size_t key_size, const char *value, size_t value_size)
{
	size_t	*total = cls;

	(void)kind;
	(void)key;
	(void)value;
	*total += key_size + value_size + 4;	/* ": " and CRLF, or "=&" */
	return MHD_YES;
}

/*
 * The request line and headers against max_header_bytes.  The connection's
 * memory pool is larger than that (see pool_size()), so that a request
 * near the limit, or made of many tiny fields, still leaves room for its
 * answer (one that does not is answered on the socket: pool_room_left());
 * the limit itself is kept here.
 */
static enum img_err
check_header_size(struct exchange *ex, const char *url)
{
	uint64_t	 max = ex->httpd->cfg->max_header_bytes;
	size_t		 target = strlen(url) + 1, headers = 0;

	MHD_get_connection_values_n(ex->conn, MHD_GET_ARGUMENT_KIND, add_sizes,
	    &target);
	if (target + 16 > max)
		return api_fail(&ex->resp, IMG_EURI, NULL, "the request line "
		    "is longer than %" PRIu64 " bytes", max);
	MHD_get_connection_values_n(ex->conn, MHD_HEADER_KIND, add_sizes,
	    &headers);
	if (target + 16 + headers > max)
		return api_fail(&ex->resp, IMG_EHEADERS, NULL, "the request "
		    "line and headers are longer than %" PRIu64 " bytes", max);
	return IMG_OK;
}

/*
 * Whether the connection's pool can still hold an answer's headers.  It
 * holds the request's text, a record for each field and a copy of the
 * Cookie header; a request of a thousand tiny fields can fill it with
 * fewer bytes than max_header_bytes, and libmicrohttpd then closes the
 * connection without a word (those that overflow it get its own 431).
 */
static bool
pool_room_left(struct exchange *ex)
{
	const union MHD_ConnectionInfo	*ci;
	const char			*cookie;
	size_t				 used = 0;
	int				 fields;

	ci = MHD_get_connection_info(ex->conn,
	    MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	if (ci != NULL)
		used += ci->header_size;
	fields = MHD_get_connection_values(ex->conn, MHD_HEADER_KIND |
	    MHD_COOKIE_KIND | MHD_GET_ARGUMENT_KIND, NULL, NULL);
	if (fields > 0)
		used += (size_t)fields * POOL_FIELD_BYTES;
	cookie = MHD_lookup_connection_value(ex->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_COOKIE);
	if (cookie != NULL)
		used += strlen(cookie) + 1;
	return used + POOL_ANSWER_BYTES <= pool_size(ex->httpd->cfg);
}

/* Keys and values of the query that decoded a NUL: their sizes tell. */
static enum MHD_Result
count_query_nuls(void *cls, enum MHD_ValueKind kind, const char *key,
    size_t key_size, const char *value, size_t value_size)
{
	struct exchange	*ex = cls;
	unsigned	 nul;

	(void)kind;
	nul = (strlen(key) != key_size) +
	    (value != NULL && strlen(value) != value_size);
	if (nul > 0 && ex->nul_param == NULL)
		ex->nul_param = key;
	ex->nul_params += nul;
	return MHD_YES;
}

static enum MHD_Result
collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct exchange	*ex = cls;

	(void)kind;
	if (ex->nquery == QUERY_PARAMS_MAX) {
		ex->too_many_params = true;
		return MHD_NO;
	}
	ex->query[ex->nquery].key = key;
	ex->query[ex->nquery].value = value != NULL ? value : "";
	ex->nquery++;
	return MHD_YES;
}

/* A Host header fit to build URLs on: host[:port] characters only. */
static bool
host_ok(const char *h)
{
	size_t	 n = strlen(h);

	return n > 0 && n < 256 && strspn(h, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:[]") == n;
}

/*
 * Whether the request's Host may be answered.  On a loopback address,
 * only loopback names, public_url's host and allowed_hosts are: a web
 * page whose name was rebound to 127.0.0.1 sends its own name, and must
 * not read or delete images (DNS rebinding).  No Host (HTTP/1.0) is fine.
 */
static bool
host_allowed(const struct exchange *ex)
{
	const struct httpd	*h = ex->httpd;
	const char		*host = conn_header(&ex->req, "Host");
	char			 name[CONFIG_HOST_LEN];
	size_t			 i;

	if (!h->loopback || host == NULL)
		return true;
	if (!http_host_name(host, name, sizeof(name)))
		return false;
	if (http_host_loopback(name) || strcmp(name, h->public_host) == 0)
		return true;
	for (i = 0; i < h->cfg->nallowed_hosts; i++)
		if (strcmp(name, h->cfg->allowed_hosts[i]) == 0)
			return true;
	return false;
}

static void
set_base_url(struct exchange *ex)
{
	const struct config	*cfg = ex->httpd->cfg;
	const char		*host;

	if (cfg->public_url[0] != '\0')
		snprintf(ex->base_url, sizeof(ex->base_url), "%s",
		    cfg->public_url);
	else if ((host = conn_header(&ex->req, "Host")) != NULL &&
	    host_ok(host))
		snprintf(ex->base_url, sizeof(ex->base_url), "http://%s", host);
	else
		snprintf(ex->base_url, sizeof(ex->base_url), "%s",
		    ex->httpd->listen_url);
}

static void
set_request_id(struct exchange *ex)
{
	const char	*id = conn_header(&ex->req, "X-Request-Id");
	uint_fast64_t	 n;

	if (id != NULL && http_request_id_ok(id)) {
		snprintf(ex->request_id, sizeof(ex->request_id), "%s", id);
		return;
	}
	n = atomic_fetch_add(&ex->httpd->next_id, 1);
	snprintf(ex->request_id, sizeof(ex->request_id), "%s-%08" PRIxFAST64,
	    ex->httpd->id_prefix, n);
}

/* The CORS headers of a response to a request from origin (may be NULL). */
static void
add_cors(struct exchange *ex, struct MHD_Response *r)
{
	const struct config	*cfg = ex->httpd->cfg;
	const char		*origin = conn_header(&ex->req, "Origin");
	size_t			 i;

	if (cfg->cors_any) {
		MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
	} else {
		MHD_add_response_header(r, "Vary", "Origin");
		for (i = 0; origin != NULL && i < cfg->ncors_origins; i++)
			if (strcmp(origin, cfg->cors_origins[i]) == 0) {
				MHD_add_response_header(r,
				    "Access-Control-Allow-Origin", origin);
				break;
			}
	}
	MHD_add_response_header(r, "Access-Control-Expose-Headers",
	    CORS_EXPOSE_HEADERS);
}

static long long
ms_since(const struct timespec *t)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - t->tv_sec) * 1000 +
	    (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* The client's address as text, "-" if unknown. */
static void
client_address(struct MHD_Connection *conn, char *out, size_t len)
{
	const union MHD_ConnectionInfo	*info;
	const struct sockaddr		*sa;

	snprintf(out, len, "-");
	info = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (info == NULL || (sa = info->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr, out, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr, out, (socklen_t)len);
}

/*
 * test_mode: the request, into the journal, before its answer leaves, so
 * that a client reads the journal with its request in it.
 */
static void
journal(struct exchange *ex)
{
	struct timespec	 now;

	if (!ex->query_collected) {
		ex->nquery = 0;
		MHD_get_connection_values(ex->conn, MHD_GET_ARGUMENT_KIND,
		    collect_query, ex);
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	testctl_record(ex->httpd->ctx->testctl, ex->method, ex->path,
	    ex->match.path, ex->query, ex->nquery, ex->resp.status,
	    (int64_t)(now.tv_sec - ex->start.tv_sec) * 1000000 +
	    (now.tv_nsec - ex->start.tv_nsec) / 1000, ex->request_id);
}


/* Count the request and write its access line. */
static void
request_done(struct exchange *ex)
{
	struct access_entry	 a;
	struct timespec		 now;
	char			 client[INET6_ADDRSTRLEN];
	size_t			 route = ex->httpd->nroutes;

	clock_gettime(CLOCK_MONOTONIC, &now);
	a.usec = (uint64_t)((now.tv_sec - ex->start.tv_sec) * 1000000 +
	    (now.tv_nsec - ex->start.tv_nsec) / 1000);
	if (ex->match.route != NULL && ex->match.status == 200 &&
	    !ex->preflight)
		route = (size_t)(ex->match.route - ex->httpd->routes);
	metrics_request(ex->httpd->metrics, route, ex->resp.status,
	    ex->received, ex->bytes, a.usec);

	clock_gettime(CLOCK_REALTIME, &a.time);
	client_address(ex->conn, client, sizeof(client));
	a.client = client;
	a.request_id = ex->request_id;
	a.method = ex->method;
	a.path = ex->path != NULL ? ex->path : "-";
	a.status = ex->resp.status;
	a.bytes = ex->bytes;
	log_access(&a);
}

/* The streaming body's state is released: the upload ends here. */
static void
sink_close(struct exchange *ex)
{
	if (!ex->sink_open)
		return;
	ex->match.route->sink->close(ex->sink_state);
	ex->sink_open = false;
	metrics_gauge_add(ex->httpd->metrics, METRICS_UPLOADS_IN_FLIGHT, -1);
}

/* A response stream as libmicrohttpd reads it; cls is a copy it owns. */
static ssize_t
stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct response_stream	*s = cls;
	long long		 n = s->read(s->state, pos, out, max);

	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	return (ssize_t)n;
}

static void
stream_free(void *cls)
{
	struct response_stream	*s = cls;

	if (s->free != NULL)
		s->free(s->state);
	free(s);
}

/*
 * A refusal written straight to the socket, for a request that left the
 * pool no room to build one (see pool_room_left()); the connection is
 * closed after it.  The client has sent its request and waits, so its
 * socket takes these few hundred bytes at once.
 */
static enum MHD_Result
answer_on_socket(struct exchange *ex)
{
	const union MHD_ConnectionInfo	*ci;
	struct response			*resp = &ex->resp;
	struct iovec			 iov[2];
	struct msghdr			 msg;
	char				 head[512];
	int				 n;

	ci = MHD_get_connection_info(ex->conn,
	    MHD_CONNECTION_INFO_CONNECTION_FD);
	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n"
	    "X-Request-Id: %s\r\nCache-Control: no-store\r\n"
	    "Connection: close\r\n\r\n", resp->status,
	    MHD_get_reason_phrase_for((unsigned)resp->status),
	    resp->content_type != NULL ? resp->content_type : JSON_TYPE,
	    resp->body.len, ex->request_id);
	if (ci == NULL || n < 0 || (size_t)n >= sizeof(head))
		return MHD_NO;
	iov[0] = (struct iovec){ head, (size_t)n };
	iov[1] = (struct iovec){ resp->body.data, resp->body.len };
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	if (sendmsg(ci->connect_fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) > 0) {
		ex->answered = true;
		ex->bytes = resp->body.len;
	}
	return MHD_NO;
}

/*
 * Send ex->resp.  Ownership of its body, fd or stream passes
 * to libmicrohttpd.
 */
static enum MHD_Result
answer(struct exchange *ex)
{
	struct response		*resp = &ex->resp;
	struct MHD_Response	*r;
	enum MHD_Result		 ret;
	size_t			 len, i;
	char			*body;

	if (ex->failed != IMG_OK)
		response_error(resp, ex->failed);
	if (ex->pool_full)
		return answer_on_socket(ex);
	/*
	 * The handler is done with the body's state: release it (an upload's
	 * temp file with it) before the client can read the answer.
	 */
	sink_close(ex);
	if (resp->stream.read != NULL) {
		struct response_stream	*s = malloc(sizeof(*s));

		r = NULL;
		ex->bytes = resp->stream.length;
		if (s != NULL) {
			*s = resp->stream;
			r = MHD_create_response_from_callback(s->length,
			    STREAM_BLOCK, stream_read, s, stream_free);
			if (r != NULL)	/* libmicrohttpd frees it */
				memset(&resp->stream, 0, sizeof(resp->stream));
			else
				free(s);
		}
	} else if (resp->fd != -1) {
		r = MHD_create_response_from_fd_at_offset64(resp->length,
		    resp->fd, resp->offset);
		if (r != NULL)
			resp->fd = -1;	/* libmicrohttpd closes it */
		ex->bytes = resp->length;
	} else {
		len = resp->body.len;
		body = buf_steal(&resp->body, NULL);
		r = MHD_create_response_from_buffer(len, body,
		    MHD_RESPMEM_MUST_FREE);
		if (r == NULL)
			free(body);
		ex->bytes = len;
	}
	if (r == NULL)
		return MHD_NO;
	if (resp->content_type != NULL)
		MHD_add_response_header(r, "Content-Type", resp->content_type);
	for (i = 0; i < resp->nheaders; i++)
		MHD_add_response_header(r, resp->headers[i].name,
		    resp->headers[i].value);
	MHD_add_response_header(r, "X-Request-Id", ex->request_id);
	if (ex->httpd->ctx->testctl != NULL) {
		/*
		 * test_mode: the Date of the server's clock
		 * (see httpd_start).
		 */
		char	 date[32];

		time_format_http(clock_seconds(&ex->httpd->ctx->clock), date);
		MHD_add_response_header(r, "Date", date);
	}
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (response_get_header(resp, "Cache-Control") == NULL)
		MHD_add_response_header(r, "Cache-Control", "no-store");
	if (resp->close)
		MHD_add_response_header(r, "Connection", "close");
	add_cors(ex, r);
	if (ex->httpd->ctx->testctl != NULL)
		journal(ex);
	ret = MHD_queue_response(ex->conn, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	ex->answered = true;
	return ret;
}

static enum MHD_Result
answer_error(struct exchange *ex, enum img_err e)
{
	ex->failed = e;
	return answer(ex);
}

/* OPTIONS on a known path: the CORS preflight, with or without Origin. */
static enum MHD_Result
answer_preflight(struct exchange *ex)
{
	const char	*want = conn_header(&ex->req,
	    "Access-Control-Request-Headers");
	char		 allow[128];

	router_allow(ex->match.allow, allow, sizeof(allow));
	ex->resp.status = 204;
	if (response_header(&ex->resp, "Allow", "%s", allow) != IMG_OK ||
	    response_header(&ex->resp, "Access-Control-Allow-Methods", "%s",
	    allow) != IMG_OK ||
	    response_header(&ex->resp, "Access-Control-Allow-Headers", "%s",
	    want != NULL && *want != '\0' ? want :
	    CORS_ALLOW_HEADERS) != IMG_OK ||
	    response_header(&ex->resp, "Access-Control-Max-Age",
	    "600") != IMG_OK)
		return answer_error(ex, IMG_ENOMEM);
	return answer(ex);
}

static bool
has_body(const struct request *req)
{
	return req->content_length != 0;
}

/* Decided on the headers: answered on the next call (see on_request). */
static enum MHD_Result
refuse(struct exchange *ex, enum img_err e)
{
	ex->failed = e;
	return MHD_YES;
}

/*
 * test_mode: the fault a rule injects into this request, if any.  A delay
 * holds this worker thread (tests inject them, in small numbers); a
 * reset closes the connection with no answer (MHD_NO); a status is
 * answered as any refusal, with Retry-After where a client looks for it.
 */
static enum MHD_Result
inject_fault(struct exchange *ex, enum http_method m, bool *hit)
{
	struct testctl		*tc = ex->httpd->ctx->testctl;
	struct fault_hit	 f;
	enum img_err		 e;

	*hit = false;
	if (tc == NULL || !testctl_fault(tc, m, ex->match.path != NULL ?
	    ex->match.path : ex->path, &f))
		return MHD_YES;
	if (f.delay_ms > 0)
		usleep((useconds_t)f.delay_ms * 1000);
	if (f.reset_connection) {
		log_info("%s: connection reset by a test_mode fault",
		    ex->request_id);
		return MHD_NO;
	}
	if (f.status == 0)
		return MHD_YES;	/* a delay alone: then as usual */
	*hit = true;
	e = img_err_of_status(f.status);
	/*
	 * A client's test, or a checker of answers, tells it from a
	 * real one.
	 */
	if (response_header(&ex->resp, "X-Imaged-Fault",
	    "injected") != IMG_OK ||
	    ((f.status == 429 || f.status == 503) &&
	    response_header(&ex->resp, "Retry-After", "%u", f.retry_after) !=
	    IMG_OK))
		e = IMG_ENOMEM;
	return refuse(ex, api_fail(&ex->resp, e, NULL,
	    "fault injected by test_mode"));
}

/*
 * Whether the path decoded a NUL (and was cut there).  libmicrohttpd
 * passes the path as a C string, so unescape() counts, per connection,
 * every string of the request target that decoded one; those the query
 * does not account for (its sizes tell) are the path's.
 */
static bool
path_has_nul(struct exchange *ex)
{
	struct conn_clock	*c = conn_clock_of(ex->conn);

	if (c == NULL || c->nuls == 0)
		return false;
	MHD_get_connection_values_n(ex->conn, MHD_GET_ARGUMENT_KIND,
	    count_query_nuls, ex);
	return c->nuls > ex->nul_params;
}

static bool
query_was_cut(struct exchange *ex)
{
	struct conn_clock	*c = conn_clock_of(ex->conn);

	return c != NULL && c->query_cut;
}

/* The query was longer than max_header_bytes: cut off, unparsed. */
static bool
query_was_long(struct exchange *ex)
{
	struct conn_clock	*c = conn_clock_of(ex->conn);

	return c != NULL && c->query_long;
}

/*
 * The first call: the request line and headers are in.  Route, check and
 * prepare; answer nothing yet (see on_request).
 */
static enum MHD_Result
begin(struct exchange *ex, const char *url, const char *method)
{
	struct httpd		*h = ex->httpd;
	struct request		*req = &ex->req;
	const struct route	*route;
	const char		*cl, *te;
	char			 allow[128];
	enum http_method	 m = router_method(method);
	enum img_err		 e;
	bool			 faulted;

	snprintf(ex->method, sizeof(ex->method), "%s", method);
	if ((ex->path = strdup(url)) == NULL)
		return MHD_NO;
	req->conn = ex->conn;
	req->header = conn_header;
	req->method = m;
	set_request_id(ex);
	req->request_id = ex->request_id;
	set_base_url(ex);
	req->base_url = ex->base_url;
	cl = conn_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
	te = conn_header(req, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	req->content_length = 0;
	if (te != NULL && strcasecmp(te, "identity") != 0)
		req->content_length = UINT64_MAX;
	else if (cl != NULL)
		req->content_length = strtoull(cl, NULL, 10);
	ex->pool_full = !pool_room_left(ex);
	if (query_was_long(ex))
		e = api_fail(&ex->resp, IMG_EURI, NULL, "the request line is "
		    "longer than %" PRIu64 " bytes", h->cfg->max_header_bytes);
	else if (ex->pool_full)
		e = api_fail(&ex->resp, IMG_EHEADERS, NULL, "the request has "
		    "too many header fields, cookies or query parameters");
	else
		e = check_header_size(ex, url);
	if (e != IMG_OK)
		return refuse(ex, e);
	/*
	 * A body in a coding other than chunked cannot be read (its end is
	 * unknown): refused at once, or the client would wait for an answer
	 * while libmicrohttpd waits for a body.
	 */
	if (te != NULL && strcasecmp(te, "identity") != 0 &&
	    strcasecmp(te, "chunked") != 0)
		return refuse(ex, api_fail(&ex->resp, IMG_ENOTIMPL, NULL,
		    "Transfer-Encoding %s is not supported; send the body "
		    "plain or chunked", strlen(te) < 40 ? te : "(long)"));
	if (!host_allowed(ex))
		return refuse(ex, api_fail(&ex->resp, IMG_EMISDIRECTED, NULL,
		    "this server does not answer for that Host; name it in "
		    "allowed_hosts"));

	router_match(h->routes, h->nroutes, h->cfg->stage, m, ex->path,
	    &ex->match);
	if (inject_fault(ex, m, &faulted) == MHD_NO)
		return MHD_NO;
	if (faulted)
		return MHD_YES;
	if (path_has_nul(ex))
		return refuse(ex, request_refuse_nul(&ex->resp,
		    router_param_name(ex->match.route, ex->nul_name,
		    sizeof(ex->nul_name))));
	if (ex->match.status == 404)
		return refuse(ex, IMG_ENOTFOUND);
	req->path = ex->match.path;
	req->param = ex->match.has_param ? ex->match.param : NULL;
	if (m == HTTP_OPTIONS) {
		ex->preflight = true;
		return MHD_YES;
	}
	if (ex->match.status == 405) {
		router_allow(ex->match.allow, allow, sizeof(allow));
		if (response_header(&ex->resp, "Allow", "%s", allow) != IMG_OK)
			return refuse(ex, IMG_ENOMEM);
		return refuse(ex, api_fail(&ex->resp, IMG_EMETHOD, NULL,
		    "%s is not allowed here; allowed: %s", ex->method, allow));
	}
	MHD_get_connection_values(ex->conn, MHD_GET_ARGUMENT_KIND,
	    collect_query, ex);
	ex->query_collected = true;
	if (ex->nul_param != NULL)
		return refuse(ex, request_refuse_nul(&ex->resp, ex->nul_param));
	if (ex->too_many_params || query_was_cut(ex))
		return refuse(ex, api_fail(&ex->resp, IMG_EURI, NULL,
		    "more than %d query parameters", QUERY_PARAMS_MAX));
	req->query = ex->query;
	req->nquery = ex->nquery;

	route = ex->match.route;
	if (h->auth != NULL && !route->open) {
		if ((e = h->auth(h->ctx, req, &ex->resp, &ex->who)) != IMG_OK)
			return refuse(ex, e);
		req->principal = &ex->who;
	}
	buf_init(&ex->body, route->body_max);
	if (route->sink != NULL) {
		e = route->sink->open(h->ctx, req, &ex->resp, &ex->sink_state);
		if (e != IMG_OK)
			return refuse(ex, e);
		ex->sink_open = true;
		metrics_gauge_add(h->metrics, METRICS_UPLOADS_IN_FLIGHT, 1);
		req->sink = ex->sink_state;
	} else if (has_body(req) && req->content_length != UINT64_MAX &&
	    req->content_length > route->body_max)
		return refuse(ex, api_fail(&ex->resp, IMG_ETOOBIG, NULL,
		    "request body larger than %zu bytes", route->body_max));
	return MHD_YES;
}

/* A piece of the body. */
static enum img_err
consume(struct exchange *ex, const char *data, size_t len)
{
	const struct route	*route = ex->match.route;

	if (route->sink != NULL)
		return route->sink->write(ex->sink_state, data, len, &ex->resp);
	if (route->body_max == 0)
		return IMG_OK;	/* a body where none is expected is ignored */
	if (buf_add(&ex->body, data, len) != IMG_OK)
		return api_fail(&ex->resp, IMG_ETOOBIG, NULL,
		    "request body larger than %zu bytes", route->body_max);
	return IMG_OK;
}

/* The deferred work is done: resume_connection brings us back here. */
static void
wake_exchange(void *token)
{
	struct exchange	*ex = token;

	MHD_resume_connection(ex->conn);
}

/*
 * The route's handler.  Under test_mode a reset waits for the handlers
 * running, and new ones wait for the reset (testctl.h).
 */
static enum img_err
run_handler(struct exchange *ex)
{
	struct testctl	*tc = ex->httpd->ctx->testctl;
	bool		 gated = tc != NULL &&
	    !testctl_is_control(ex->req.path);
	enum img_err	 e;

	if (gated)
		testctl_enter(tc);
	e = ex->match.route->handler(ex->httpd->ctx, &ex->req, &ex->resp);
	if (gated)
		testctl_leave(tc);
	return e;
}

/* On a lane: the handler, with no budget, then back for the answer. */
static void
run_deferred(struct lane_job *job)
{
	struct exchange	*ex = (struct exchange *)(void *)((char *)job -
	    offsetof(struct exchange, job));

	ex->req.budget_us = 0;
	ex->lane_err = run_handler(ex);
	/* libmicrohttpd calls on_request again, which answers. */
	MHD_resume_connection(ex->conn);
}

/* Suspend the request and run its handler on lane. */
static enum MHD_Result
defer(struct exchange *ex, struct lane *lane)
{
	ex->on_lane = true;
	ex->job.run = run_deferred;
	MHD_suspend_connection(ex->conn);
	lane_submit(lane, &ex->job);
	return MHD_YES;
}

static enum MHD_Result
finish(struct exchange *ex)
{
	struct response_defer	*d = &ex->resp.defer;
	enum img_err		 e;

	ex->req.body = &ex->body;
	if (ex->match.route->waits_on_disk)
		return defer(ex, ex->httpd->commit);
	ex->req.budget_us = WORK_BUDGET_US;
	e = run_handler(ex);
	if (e == IMG_ESLOW) {
		/* What the handler began is dropped: it starts again. */
		response_free(&ex->resp);
		response_init(&ex->resp);
		return defer(ex, ex->httpd->slow);
	}
	if (e != IMG_OK)
		return answer_error(ex, e);
	if (d->start == NULL)
		return answer(ex);
	/*
	 * Suspend before starting, so that a wake, however early, finds
	 * the connection suspended; a refusal resumes it at once.
	 */
	ex->deferred = true;
	MHD_suspend_connection(ex->conn);
	if ((e = d->start(d->arg, &ex->resp, wake_exchange, ex)) != IMG_OK) {
		ex->defer_failed = e;
		MHD_resume_connection(ex->conn);
	}
	return MHD_YES;
}

/* The call after a deferred request was woken. */
static enum MHD_Result
finish_deferred(struct exchange *ex)
{
	struct response_defer	*d = &ex->resp.defer;
	enum img_err		 e;

	if (ex->defer_failed != IMG_OK)
		return answer_error(ex, ex->defer_failed);
	if ((e = d->resume(ex->httpd->ctx, &ex->req, &ex->resp, d->arg)) !=
	    IMG_OK)
		return answer_error(ex, e);
	return answer(ex);
}

static struct conn_clock *
conn_clock_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo	*info;

	info = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return info != NULL ? info->socket_context : NULL;
}

static int64_t
coarse_seconds(void)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	return (int64_t)now.tv_sec;
}

/*
 * Headers are in (waiting false), or an answer went out (true: the next
 * request's).  Atomics, not the list lock: this runs twice per request.
 */
static void
conn_clock_set(struct MHD_Connection *conn, bool waiting)
{
	struct conn_clock	*c = conn_clock_of(conn);

	if (c == NULL)
		return;
	atomic_store(&c->since, coarse_seconds());
	atomic_store(&c->waiting, waiting);
	if (waiting) {
		c->nuls = 0;	/* the next request's target is yet to come */
		c->query_cut = false;
		c->query_long = false;
	}
}

/*
 * The request target, before libmicrohttpd splits its query.  Each
 * parameter costs an entry in the connection's memory pool, a thousand
 * empty ones ("&&&...") run it dry, and a pool run dry while parsing
 * leaves the request unanswered.  So a query of more parameters than a
 * request may have, or longer than a request line may be (a target that
 * nearly fills the pool leaves no room for even one parameter's entry),
 * is cut off here, unparsed, and begin() refuses it: the answer costs
 * nothing the pool lacks.
 */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct httpd		*h = cls;
	struct conn_clock	*c = conn_clock_of(conn);
	const char		*q = strchr(uri, '?'), *p;
	size_t			 n = 1;

	if (c == NULL || q == NULL)
		return NULL;
	for (p = q + 1; *p != '\0' && n <= QUERY_PARAMS_MAX; p++)
		n += *p == '&';
	if (n > QUERY_PARAMS_MAX)
		c->query_cut = true;
	else if (strlen(q) > h->cfg->max_header_bytes)
		c->query_long = true;
	else
		return NULL;
	/*
	 * The target is in the connection's own, writable buffer; the
	 * query is found before this call, so it is emptied.
	 */
	*(char *)(uintptr_t)(q + 1) = '\0';
	return NULL;
}

/*
 * libmicrohttpd's own decoding of the request target, counting the
 * strings that decoded a NUL (see path_has_nul()).
 */
static size_t
unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	struct conn_clock	*c = conn_clock_of(conn);
	size_t			 n = MHD_http_unescape(s);

	(void)cls;
	if (c != NULL && memchr(s, '\0', n) != NULL)
		c->nuls++;
	return n;
}

/* A body is due from now (on), or is in or no longer wanted (off). */
static void
body_clock(struct MHD_Connection *conn, bool on)
{
	struct conn_clock	*c = conn_clock_of(conn);

	if (c == NULL)
		return;
	if (on) {
		atomic_store(&c->body_since, coarse_seconds());
		atomic_store(&c->body_bytes, 0);
	}
	atomic_store(&c->in_body, on);
}

static void
body_clock_add(struct MHD_Connection *conn, size_t n)
{
	struct conn_clock	*c = conn_clock_of(conn);

	if (c != NULL)
		atomic_fetch_add(&c->body_bytes, n);
}

static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct httpd			*h = cls;
	struct conn_clock		*c = *socket_context;
	const union MHD_ConnectionInfo	*info;
	int				 sndbuf = LOOPBACK_SNDBUF;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		metrics_gauge_add(h->metrics, METRICS_CONNECTIONS_OPEN, 1);
		info = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		if (info == NULL || (c = calloc(1, sizeof(*c))) == NULL)
			return;
		c->fd = info->connect_fd;
		if (h->loopback)
			(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
			    sizeof(sndbuf));
		atomic_init(&c->since, coarse_seconds());
		atomic_init(&c->waiting, true);
		atomic_init(&c->in_body, false);
		atomic_init(&c->body_since, 0);
		atomic_init(&c->body_bytes, 0);
		pthread_mutex_lock(&h->clock_lock);
		c->next = h->clocks;
		if (h->clocks != NULL)
			h->clocks->prev = c;
		h->clocks = c;
		pthread_mutex_unlock(&h->clock_lock);
		*socket_context = c;
		return;
	}
	metrics_gauge_add(h->metrics, METRICS_CONNECTIONS_OPEN, -1);
	if (c == NULL)
		return;
	pthread_mutex_lock(&h->clock_lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		h->clocks = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&h->clock_lock);
	free(c);
	*socket_context = NULL;
}

/*
 * Whether a body is late: it has had body_timeout seconds plus one for
 * each body_min_rate bytes it brought (Apache's reqtimeout MinRate), so a
 * client trickling a byte now and then, which the idle timer never
 * catches, is cut, and a large body at a fair rate never is.
 */
static bool
body_late(const struct config *cfg, struct conn_clock *c, int64_t now)
{
	uint64_t	 allowed = cfg->body_timeout;

	if (!atomic_load(&c->in_body))
		return false;
	if (cfg->body_min_rate > 0)
		allowed += atomic_load(&c->body_bytes) / cfg->body_min_rate;
	return now - atomic_load(&c->body_since) > (int64_t)allowed;
}

/*
 * Cut connections past the header deadline or the body's.  shutdown(2),
 * not close: the descriptor stays libmicrohttpd's, which sees the end and
 * cleans up; the lock keeps the descriptor from being closed and reused
 * meanwhile.
 */
static void *
watchdog(void *arg)
{
	struct httpd		*h = arg;
	struct conn_clock	*c;
	struct timespec		 wake;
	int64_t			 now;

	pthread_mutex_lock(&h->clock_lock);
	while (!h->stopping) {
		now = coarse_seconds();
		for (c = h->clocks; c != NULL; c = c->next) {
			if (c->cut)
				continue;
			if (body_late(h->cfg, c, now)) {
				shutdown(c->fd, SHUT_RDWR);
				c->cut = true;
				log_info("connection cut: a body slower than "
				    "%" PRIu64 " bytes/s after %us",
				    h->cfg->body_min_rate,
				    h->cfg->body_timeout);
				continue;
			}
			if (!atomic_load(&c->waiting) ||
			    now - atomic_load(&c->since) <
			    (int64_t)h->cfg->header_timeout)
				continue;
			shutdown(c->fd, SHUT_RDWR);
			c->cut = true;
			log_info("connection cut: no request headers within "
			    "%us", h->cfg->header_timeout);
		}
		clock_gettime(CLOCK_REALTIME, &wake);
		wake.tv_sec += 1;
		pthread_cond_timedwait(&h->clock_cond, &h->clock_lock, &wake);
	}
	pthread_mutex_unlock(&h->clock_lock);
	return NULL;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct httpd	*h = cls;
	struct exchange	*ex = *con_cls;
	enum img_err	 e;

	(void)version;
	if (ex == NULL) {
		if ((ex = calloc(1, sizeof(*ex))) == NULL)
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &ex->start);
		ex->httpd = h;
		ex->conn = conn;
		response_init(&ex->resp);
		buf_init(&ex->body, 0);
		*con_cls = ex;
		atomic_fetch_add(&h->in_flight, 1);
		conn_clock_set(conn, false);
		if (begin(ex, url, method) == MHD_NO)
			return MHD_NO;
		if (has_body(&ex->req))
			body_clock(conn, true);
		/*
		 * An answer queued in this first call counts, for
		 * libmicrohttpd, as sent before the request was read, and
		 * costs the connection.  So answer on the next call, except
		 * to refuse a body: that is not worth reading.
		 */
		if (ex->failed != IMG_OK && has_body(&ex->req)) {
			ex->resp.close = true;
			return answer(ex);
		}
		return MHD_YES;
	}
	if (ex->answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		ex->received += n;
		body_clock_add(conn, n);
		if (ex->failed == IMG_OK) {
			if ((e = consume(ex, upload_data, n)) != IMG_OK) {
				ex->failed = e;
				ex->resp.close = true;
				clock_gettime(CLOCK_MONOTONIC, &ex->failed_at);
				/* Nothing of it is kept: drop it now. */
				sink_close(ex);
			}
			return MHD_YES;
		}
		ex->drained += n;
		if (ex->drained > DRAIN_MAX_BYTES ||
		    ms_since(&ex->failed_at) > DRAIN_MAX_MS)
			return answer(ex);
		return MHD_YES;
	}
	body_clock(conn, false);	/* the body is in */
	if (ex->failed != IMG_OK)
		return answer(ex);
	if (ex->preflight)
		return answer_preflight(ex);
	if (ex->on_lane)
		return ex->lane_err != IMG_OK ?
		    answer_error(ex, ex->lane_err) : answer(ex);
	if (ex->deferred)
		return finish_deferred(ex);
	return finish(ex);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct httpd	*h = cls;
	struct exchange	*ex = *con_cls;

	conn_clock_set(conn, true);
	body_clock(conn, false);
	if (ex == NULL)
		return;
	if (!ex->answered)
		ex->resp.status = 499;	/* the client went away first */
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && ex->answered)
		log_debug("%s: response cut short (%d)", ex->request_id,
		    (int)toe);
	request_done(ex);
	if (h->ctx->testctl != NULL && !ex->answered)
		journal(ex);	/* no answer was sent: 499 */
	sink_close(ex);
	if (ex->resp.defer.release != NULL)
		ex->resp.defer.release(ex->resp.defer.arg);
	buf_free(&ex->body);
	response_free(&ex->resp);
	free(ex->path);
	free(ex);
	*con_cls = NULL;
	atomic_fetch_sub(&h->in_flight, 1);
}

/*
 * libmicrohttpd's own refusals (connection limits, 414, 431, protocol
 * errors) are one line each in the log.
 */
static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	 line[512];
	size_t	 n;

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	log_info("http: %s", line);
}

static int
listen_addr(const char *addr, unsigned port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return AF_INET6;
	}
	return -1;
}

/*
 * A connection's memory pool holds the request's text, an entry for each
 * header, cookie and query parameter, and the answer's headers.  With no
 * more than max_header_bytes, tiny fields ("a:" lines, "a=1;" cookies) or
 * a text near the limit would leave no room for the answer, and the
 * request would go unanswered; so the pool is several times the limit,
 * which begin() keeps (check_header_size()).  Its pages are touched only
 * as a request fills them.
 */
static size_t
pool_size(const struct config *cfg)
{
	return (size_t)cfg->max_header_bytes * POOL_PER_HEADER_BYTE;
}

/* The host of url ("http://Host:port/path"), or "" if it has none. */
static void
public_host(const char *url, char *name, size_t len)
{
	const char	*p = strstr(url, "://");
	char		 auth[CONFIG_HOST_LEN];

	name[0] = '\0';
	if (p == NULL)
		return;
	p += 3;
	snprintf(auth, sizeof(auth), "%.*s", (int)strcspn(p, "/?#"), p);
	if (!http_host_name(auth, name, len))
		name[0] = '\0';
}

/*
 * Raise the open-files limit to its hard limit: each connection takes a
 * descriptor, and one more while it uploads or sends a file, and a soft
 * limit of 1024 (the usual default) turns a busy moment into EMFILE.
 * Warn when even the hard limit is short of what max_connections needs.
 */
static void
raise_open_files(const struct config *cfg)
{
	struct rlimit	 rl;
	rlim_t		 need = (rlim_t)cfg->max_connections *
	    FDS_PER_CONNECTION + FDS_RESERVED;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t	 was = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			rl.rlim_cur = was;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
		log_warnx("open files limit %llu is below the %llu that "
		    "max_connections = %u may need: raise it (ulimit -n, or "
		    "LimitNOFILE= in a systemd unit) or lower max_connections",
		    (unsigned long long)rl.rlim_cur, (unsigned long long)need,
		    cfg->max_connections);
}

/* Stop the watchdog and free; the daemon is already stopped. */
static void
httpd_free(struct httpd *h)
{
	if (h->watchdog_started) {
		pthread_mutex_lock(&h->clock_lock);
		h->stopping = true;
		pthread_cond_signal(&h->clock_cond);
		pthread_mutex_unlock(&h->clock_lock);
		pthread_join(h->watchdog, NULL);
	}
	lane_stop(h->slow);
	lane_stop(h->commit);
	pthread_cond_destroy(&h->clock_cond);
	pthread_mutex_destroy(&h->clock_lock);
	free(h);
}

enum img_err
httpd_start(const struct config *cfg, const struct route *routes,
    size_t nroutes, route_auth auth, struct imaged *ctx,
    struct metrics *metrics, struct httpd **hp)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	const union MHD_DaemonInfo *info;
	struct httpd		*h;
	unsigned char		 rnd[4];
	unsigned		 flags;
	int			 family;

	if ((family = listen_addr(cfg->listen, cfg->port, &ss, &sslen)) == -1) {
		log_warnx("listen: \"%s\" is not an IP address", cfg->listen);
		return IMG_EUNAVAIL;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return IMG_ENOMEM;
	raise_open_files(cfg);
	h->cfg = cfg;
	h->routes = routes;
	h->nroutes = nroutes;
	h->auth = auth;
	h->ctx = ctx;
	h->metrics = metrics;
	/* With id_seed, request ids repeat from run to run as image ids do. */
	if (cfg->id_seed_set) {
		rnd[0] = (unsigned char)(cfg->id_seed_value >> 24);
		rnd[1] = (unsigned char)(cfg->id_seed_value >> 16);
		rnd[2] = (unsigned char)(cfg->id_seed_value >> 8);
		rnd[3] = (unsigned char)cfg->id_seed_value;
	} else
		random_bytes(rnd, sizeof(rnd));
	snprintf(h->id_prefix, sizeof(h->id_prefix), "%02x%02x%02x%02x",
	    rnd[0], rnd[1], rnd[2], rnd[3]);
	atomic_init(&h->next_id, 1);
	atomic_init(&h->in_flight, 0);
	/* Read by the connections' threads: set before the first. */
	h->loopback = http_host_loopback(cfg->listen);
	public_host(cfg->public_url, h->public_host, sizeof(h->public_host));
	pthread_mutex_init(&h->clock_lock, NULL);
	pthread_cond_init(&h->clock_cond, NULL);
	if (lane_start(HTTPD_SLOW_THREADS, SLOW_LANE_NICE,
	    &h->slow) != IMG_OK ||
	    lane_start(HTTPD_COMMIT_THREADS, 0, &h->commit) != IMG_OK) {
		log_warnx("cannot start the threads of the slow and "
		    "commit lanes");
		httpd_free(h);
		return IMG_EUNAVAIL;
	}

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
	/* test_mode: answer() writes Date from the server's clock. */
	if (ctx->testctl != NULL)
		flags |= MHD_USE_SUPPRESS_DATE_NO_CLOCK;
	if (family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->mhd = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL,
	    on_request, h,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,	/* first: see its doc */
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, cfg->workers,
	    MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_connections_per_client,
	    MHD_OPTION_CONNECTION_TIMEOUT, cfg->idle_timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool_size(cfg),
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, h,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, h,
	    MHD_OPTION_END);
	if (h->mhd == NULL) {
		log_warnx("cannot listen on %s port %u (in use, or not an "
		    "address of this host)", cfg->listen, cfg->port);
		httpd_free(h);
		return IMG_EUNAVAIL;
	}
	if (pthread_create(&h->watchdog, NULL, watchdog, h) == 0)
		h->watchdog_started = true;
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info != NULL ? info->port : cfg->port;
	snprintf(h->listen_url, sizeof(h->listen_url), family == AF_INET6 ?
	    "http://[%s]:%u" : "http://%s:%u", cfg->listen, h->port);
	*hp = h;
	return IMG_OK;
}

unsigned
httpd_port(const struct httpd *h)
{
	return h->port;
}

void
httpd_stop(struct httpd *h, unsigned grace_ms)
{
	unsigned	 waited = 0;

	if (h == NULL)
		return;
	/*
	 * No MHD_quiesce_daemon(): with a thread pool on epoll, libmicrohttpd
	 * 0.9.75 aborts the process when a worker has just taken the listen
	 * socket out of its epoll set.  Requests that arrive during the grace
	 * period are served like the others.
	 */
	while (atomic_load(&h->in_flight) > 0 && waited < grace_ms) {
		usleep(10000);
		waited += 10;
	}
	/* Suspended requests must be resumed before the daemon stops. */
	lane_stop(h->slow);
	lane_stop(h->commit);
	h->slow = h->commit = NULL;
	MHD_stop_daemon(h->mhd);
	httpd_free(h);
}
