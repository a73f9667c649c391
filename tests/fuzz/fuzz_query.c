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
 * The request is decoded, routed and run by the tests' in-process driver
 * (tests/api/inproc.h), as the handler tests run theirs: no socket, no
 * server thread.  A streaming route's body is cut in two where a hash of
 * the input says.  The context is made once (inproc_context): a catalog
 * and a blob store in a temp folder holding a few images with fixed ids,
 * and a signer with the fixed key of the cursor target, so seeds can carry
 * valid cursors and signed URLs.  Every input
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
#include "../api/inproc.h"

#define FUZZ_KEY	"imaged fuzz cursor key 32 bytes"

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
	size_t		 i;

	(void)argc;
	(void)argv;
	log_quiet(true);
	memcpy(key, FUZZ_KEY, SIGNER_KEY_LEN);
	if ((ctx = inproc_context(NULL, key)) == NULL)
		abort();
	atexit(cleanup);
	for (i = 0; i < NIMAGES; i++)
		add_image(i);
	return 0;
}

/* --- the response --------------------------------------------------------- */

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
	FUZZ_CHECK(url != NULL &&
	    strncmp(url, ctx->url, strlen(ctx->url)) == 0);
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
	struct inproc		 r;
	const struct route	*route;
	enum img_err		 e;

	if (inproc_parse(&r, ctx, (const char *)data, size) != 200)
		goto done;
	route = r.match.route;
	if (route->method != HTTP_GET && route->handler != api_upload)
		goto done;
	e = inproc_run(&r, ctx, (size_t)(fuzz_hash(data, size) %
	    (r.blen + 1)));
	check_response(&r.req, route, &r.resp, e);
	if (route->handler == api_upload && e == IMG_OK) {
		FUZZ_CHECK(r.resp.status == 201);
		undo_upload(&r.resp);
	}
done:
	inproc_free(&r);
	return 0;
}
