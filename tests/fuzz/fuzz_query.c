/*
 * fuzz_query.c: a request's target, headers and body as the handlers see
 * them: the listing's query (filters, limit, order, cursor, time bounds),
 * GET /images/{image_id} (expires_in, download, Accept, Range,
 * If-None-Match), the signed /blobs/ URL, /healthz, and POST /images in
 * its three forms (JSON, multipart, raw with the fields in the query).
 *
 * The input is a request without the version:
 *
 *	[METHOD ]path[?query]
 *	Name: value
 *	...
 *
 *	body
 *
 * The path and query are decoded as libmicrohttpd decodes them (%XX, and
 * '+' as a space in the query), the path is matched against api_routes,
 * and the route's handler is called directly with a struct request, as
 * the unit tests do: no socket, no server thread.  The context
 * is made once: a catalog and a blob store in a temp folder holding a few
 * images with fixed ids, and a signer with the fixed key of the cursor
 * target, so seeds can carry valid cursors and signed URLs.  Every input
 * must meet the same store: an upload (POST, the body after the headers'
 * empty line, fed to the streaming route in two pieces) is deleted once
 * stored, and PATCH and DELETE are left out (their bodies and parameters
 * have targets of their own).
 *
 * Checked on every response: an error's status is its table's, JSON
 * bodies parse, a listing holds at most its limit and a cursor that opens,
 * a byte response stays within its file, and no header value carries a
 * line break.
 */
#include <sys/stat.h>

#include <stdbool.h>
#include <strings.h>

#include <jansson.h>

#include "imaged/api.h"
#include "imaged/blobstore.h"
#include "imaged/catalog.h"
#include "imaged/config.h"
#include "imaged/cursor.h"
#include "imaged/http.h"
#include "imaged/imaged.h"
#include "imaged/log.h"
#include "imaged/router.h"
#include "imaged/signer.h"
#include "imaged/text.h"

#include "fuzz.h"

#define FUZZ_KEY	"imaged fuzz cursor key 32 bytes"
#define HEADERS_MAX	16

static struct imaged	*ctx;

/* The images every input sees (also named by the seeds). */
static const struct {
	const char	*id;
	const char	*user;
	const char	*filename;
	const char	*ext;
	const char	*type;
	const char	*title;
	const char	*location;
	const char	*tags[2];
} images[] = {
	{ "0d9c3a1e-5b6f-4c2d-8e7a-1f2b3c4d5e01", "user123", "sunset.jpg",
	  "jpg", "image/jpeg", "Sunset", "Goa", { "beach", "sunset" } },
	{ "0d9c3a1e-5b6f-4c2d-8e7a-1f2b3c4d5e02", "user123", "cat.png",
	  "png", "image/png", "Cat", NULL, { "pets", NULL } },
	{ "0d9c3a1e-5b6f-4c2d-8e7a-1f2b3c4d5e03", "user123",
	  "\xc3\xa9t\xc3\xa9 \"2026\".gif", "gif", "image/gif", NULL, "Paris",
	  { NULL, NULL } },
	{ "0d9c3a1e-5b6f-4c2d-8e7a-1f2b3c4d5e04", "u2", "x.webp", "webp",
	  "image/webp", "Beach day", "Goa", { "beach", NULL } },
};
#define NIMAGES	(sizeof(images) / sizeof(images[0]))

static void
cleanup(void)
{
	imaged_stop(ctx, 0);
	ctx = NULL;
}

static void
add_image(size_t i)
{
	struct blob_writer	*w;
	struct image_record	 rec;
	struct image_meta	 meta;
	unsigned char		 bytes[300];
	char			 key[BLOB_KEY_MAX + 1], tags_json[128];
	const char		*tags[2];
	size_t			 n, ntags = 0;
	int64_t			 created;

	for (n = 0; n < sizeof(bytes); n++)
		bytes[n] = (unsigned char)(n * 7 + i);
	snprintf(key, sizeof(key), "images/%s/%s.%s", images[i].user,
	    images[i].id, images[i].ext);
	if (blob_writer_new(ctx->blobs, &w) != IMG_OK ||
	    blob_writer_write(w, bytes, 100 + 50 * i) != IMG_OK ||
	    blob_writer_commit(w, key) != IMG_OK)
		abort();
	blob_writer_free(w);

	snprintf(tags_json, sizeof(tags_json), "[");
	for (n = 0; n < 2 && images[i].tags[n] != NULL; n++) {
		tags[ntags++] = images[i].tags[n];
		snprintf(tags_json + strlen(tags_json),
		    sizeof(tags_json) - strlen(tags_json), "%s\"%s\"",
		    n > 0 ? ", " : "", images[i].tags[n]);
	}
	snprintf(tags_json + strlen(tags_json),
	    sizeof(tags_json) - strlen(tags_json), "]");
	memset(&rec, 0, sizeof(rec));
	rec.image_id = images[i].id;
	rec.user_id = images[i].user;
	rec.filename = images[i].filename;
	rec.s3_key = key;
	rec.content_type = images[i].type;
	rec.checksum_sha256 = "9f86d081884c7d659a2feaa0c55ad015"
	    "a3bf4f1b2b0b822cd15d6c15b0f00a08";
	rec.file_size = (int64_t)(100 + 50 * i);
	rec.width = (uint32_t)(i == 3 ? 0 : 16 + i);
	rec.height = (uint32_t)(i == 3 ? 0 : 12 + i);
	memset(&meta, 0, sizeof(meta));
	meta.title = images[i].title;
	meta.location = images[i].location;
	meta.tags = tags;
	meta.ntags = ntags;
	meta.tags_json = tags_json;
	if (catalog_insert(ctx->catalog, &rec, &meta, &created) != IMG_OK)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char	 key[SIGNER_KEY_LEN];
	const char	*tmp = getenv("TMPDIR");
	char		 path[PATH_MAX + 32];
	size_t		 i;

	(void)argc;
	(void)argv;
	log_quiet(true);
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		abort();
	config_defaults(&ctx->cfg);
	snprintf(ctx->data_dir, sizeof(ctx->data_dir), "%s/imaged-fuzz-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(ctx->data_dir) == NULL)
		abort();
	ctx->remove_data_dir = true;
	atexit(cleanup);
	memcpy(key, FUZZ_KEY, SIGNER_KEY_LEN);
	snprintf(path, sizeof(path), "%s/imaged.db", ctx->data_dir);
	if (signer_new(key, &ctx->signer) != IMG_OK ||
	    catalog_open(path, 1, &ctx->catalog) != IMG_OK ||
	    blobstore_open(ctx->data_dir, ctx->cfg.bucket, &ctx->blobs) != IMG_OK)
		abort();
	for (i = 0; i < NIMAGES; i++)
		add_image(i);
	snprintf(ctx->url, sizeof(ctx->url), "http://127.0.0.1:8080");
	return 0;
}

/* --- the request ----------------------------------------------------------- */

struct fake {
	struct request		 req;
	struct query_param	 query[QUERY_PARAMS_MAX];
	const char		*hname[HEADERS_MAX];
	const char		*hvalue[HEADERS_MAX];
	size_t			 nheaders;
};

static const char *
fake_header(const struct request *req, const char *name)
{
	const struct fake	*f = req->conn;
	size_t			 i;

	for (i = 0; i < f->nheaders; i++)
		if (strcasecmp(f->hname[i], name) == 0)
			return f->hvalue[i];
	return NULL;
}

/* Decode %XX in place (and '+' with plus); a NUL decoded ends the text. */
static void
unescape(char *s, bool plus)
{
	char	*o = s;
	int	 hi, lo;

	for (; *s != '\0'; s++) {
		if (*s == '%' && (hi = hex_value(s[1])) >= 0 &&
		    (lo = hex_value(s[2])) >= 0) {
			*o++ = (char)(hi << 4 | lo);
			s += 2;
		} else if (plus && *s == '+')
			*o++ = ' ';
		else
			*o++ = *s;
	}
	*o = '\0';
}

/* Split "a=1&b&c=3" in place; false past QUERY_PARAMS_MAX (a 400). */
static bool
split_query(struct fake *f, char *q)
{
	char	*amp, *eq;

	while (q != NULL && *q != '\0') {
		if ((amp = strchr(q, '&')) != NULL)
			*amp++ = '\0';
		if (*q != '\0') {
			if (f->req.nquery == QUERY_PARAMS_MAX)
				return false;
			if ((eq = strchr(q, '=')) != NULL)
				*eq++ = '\0';
			unescape(q, true);
			if (eq != NULL)
				unescape(eq, true);
			f->query[f->req.nquery].key = q;
			f->query[f->req.nquery].value = eq != NULL ? eq : "";
			f->req.nquery++;
		}
		q = amp;
	}
	return true;
}

/*
 * "Name: value" lines up to an empty one; the body follows that (NULL
 * when there is none).  Lines past HEADERS_MAX are dropped.
 */
static char *
split_headers(struct fake *f, char *s)
{
	char	*nl, *colon, *v;

	while (s != NULL && *s != '\0') {
		if ((nl = strchr(s, '\n')) != NULL)
			*nl++ = '\0';
		if (*s == '\0' || (*s == '\r' && s[1] == '\0'))
			return nl;
		if ((colon = strchr(s, ':')) != NULL &&
		    f->nheaders < HEADERS_MAX) {
			*colon = '\0';
			v = colon + 1 + strspn(colon + 1, " \t");
			v[strcspn(v, "\r")] = '\0';
			f->hname[f->nheaders] = s;
			f->hvalue[f->nheaders] = v;
			f->nheaders++;
		}
		s = nl;
	}
	return NULL;
}

/* --- the response ---------------------------------------------------------- */

static void
check_list(const struct request *req, json_t *body)
{
	struct list_pos	 pos;
	json_t		*imgs, *key;
	const char	*order;
	size_t		 n;

	imgs = json_object_get(body, "images");
	FUZZ_CHECK(json_is_array(imgs));
	n = json_array_size(imgs);
	FUZZ_CHECK(n <= LIST_LIMIT_MAX && n <= NIMAGES);
	FUZZ_CHECK(json_integer_value(json_object_get(body, "count")) ==
	    (json_int_t)n);
	key = json_object_get(body, "last_evaluated_key");
	FUZZ_CHECK(json_is_null(key) || json_is_string(key));
	if (json_is_string(key)) {
		FUZZ_CHECK(n > 0);
		order = request_query(req, "order");
		FUZZ_CHECK(cursor_open(ctx->signer, order != NULL &&
		    strcmp(order, "asc") == 0 ? LIST_ASC : LIST_DESC,
		    json_string_value(key), &pos) == IMG_OK);
	}
}

static void
check_response(const struct request *req, const struct route *route,
    const struct response *resp, enum img_err e)
{
	json_error_t	 jerr;
	json_t		*body;
	struct stat	 st;
	size_t		 i;

	if (e != IMG_OK)
		FUZZ_CHECK(resp->status == img_err_status(e));
	FUZZ_CHECK(resp->status >= 200 && resp->status <= 599);
	for (i = 0; i < resp->nheaders; i++)
		FUZZ_CHECK(strpbrk(resp->headers[i].value, "\r\n") == NULL);
	if (resp->fd >= 0) {
		FUZZ_CHECK(e == IMG_OK);
		FUZZ_CHECK(fstat(resp->fd, &st) == 0);
		FUZZ_CHECK(resp->offset <= (uint64_t)st.st_size &&
		    resp->length <= (uint64_t)st.st_size - resp->offset);
		FUZZ_CHECK(resp->status == 200 || resp->status == 206);
		return;
	}
	if (resp->content_type == NULL ||
	    strcmp(resp->content_type, JSON_TYPE) != 0)
		return;
	body = json_loadb(resp->body.data, resp->body.len, 0, &jerr);
	if (body == NULL) {
		fprintf(stderr, "not JSON (%s): %.*s\n", jerr.text,
		    (int)resp->body.len, resp->body.data);
		FUZZ_CHECK(!"a JSON response that does not parse");
	}
	if (e != IMG_OK)
		FUZZ_CHECK(json_is_string(json_object_get(json_object_get(body,
		    "error"), "code")));
	else if (route->handler == api_list)
		check_list(req, body);
	json_decref(body);
}

/*
 * A streaming route as httpd drives it: open on the headers, the body in
 * two pieces split where h says, the handler, and close in every case.
 */
static enum img_err
run_sink(const struct route *route, struct request *req, const char *body,
    size_t blen, uint64_t h, struct response *resp)
{
	void		*state = NULL;
	size_t		 cut = (size_t)(h % (blen + 1));
	enum img_err	 e;

	if ((e = route->sink->open(ctx, req, resp, &state)) != IMG_OK)
		return e;
	if (cut > 0)
		e = route->sink->write(state, body, cut, resp);
	if (e == IMG_OK && blen > cut)
		e = route->sink->write(state, body + cut, blen - cut, resp);
	if (e == IMG_OK) {
		req->sink = state;
		e = route->handler(ctx, req, resp);
	}
	route->sink->close(state);
	return e;
}

/*
 * A stored upload's record is whole; then it is deleted, so that every
 * input meets the same store.
 */
static void
undo_upload(const struct response *resp)
{
	struct request	 req;
	struct response	 del;
	json_error_t	 jerr;
	json_t		*rec;
	const char	*id, *url;
	char		 param[IMAGE_ID_SIZE];

	rec = json_loadb(resp->body.data, resp->body.len, 0, &jerr);
	FUZZ_CHECK(json_is_object(rec));
	id = json_string_value(json_object_get(rec, "image_id"));
	url = json_string_value(json_object_get(rec, "download_url"));
	FUZZ_CHECK(id != NULL && strlen(id) == IMAGE_ID_LEN);
	FUZZ_CHECK(json_is_string(json_object_get(rec, "user_id")));
	FUZZ_CHECK(json_is_string(json_object_get(rec, "filename")));
	FUZZ_CHECK(url != NULL && strncmp(url, ctx->url, strlen(ctx->url)) == 0);
	snprintf(param, sizeof(param), "%s", id);
	memset(&req, 0, sizeof(req));
	req.method = HTTP_DELETE;
	req.path = "/images";
	req.param = param;
	req.request_id = "fuzz";
	req.base_url = ctx->url;
	response_init(&del);
	FUZZ_CHECK(api_delete(ctx, &req, &del) == IMG_OK);
	response_free(&del);
	json_decref(rec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake		 f;
	struct response		 resp;
	static struct route_match m;
	const struct route	*route;
	char			*text, *line, *rest, *path, *q, *sp, *body;
	size_t			 blen;
	enum http_method	 method = HTTP_GET;
	enum img_err		 e;

	text = fuzz_cstr(data, size);
	memset(&f, 0, sizeof(f));
	line = text;
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
	unescape(path, false);
	body = split_headers(&f, rest);
	blen = body != NULL ? size - (size_t)(body - text) : 0;

	router_match(api_routes, api_nroutes, ctx->cfg.stage, method, path, &m);
	route = m.route;
	if (m.status != 200 || route == NULL || !split_query(&f, q))
		goto done;
	if (route->method != HTTP_GET && route->handler != api_upload)
		goto done;

	f.req.method = method;
	f.req.path = m.path;
	f.req.param = m.has_param ? m.param : NULL;
	f.req.query = f.query;
	f.req.request_id = "fuzz";
	f.req.base_url = ctx->url;
	f.req.header = fake_header;
	f.req.conn = &f;
	f.req.content_length = blen;

	response_init(&resp);
	if (route->sink != NULL)
		e = run_sink(route, &f.req, body, blen, fuzz_hash(data, size),
		    &resp);
	else
		e = route->handler(ctx, &f.req, &resp);
	if (e != IMG_OK)
		response_error(&resp, e);
	check_response(&f.req, route, &resp, e);
	if (route->handler == api_upload && e == IMG_OK) {
		FUZZ_CHECK(resp.status == 201);
		undo_upload(&resp);
	}
	response_free(&resp);
done:
	free(text);
	return 0;
}
