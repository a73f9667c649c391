/*
 * api_upload.c: POST /images, in each of its body forms.
 *
 * Every form ends on the same path: the image's bytes go through one
 * struct upload (limit, hash, sniff, temp file) as they arrive, the
 * fields are checked, and only then is the file renamed to its key and
 * the row inserted.  Until the rename, an error leaves nothing behind: the
 * temp file goes with the upload.  If the insert fails the file is
 * removed again, so no file and no row outlive a failed request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "imaged/api.h"
#include "imaged/catalog.h"
#include "imaged/httputil.h"
#include "imaged/imaged.h"
#include "imaged/jsonupload.h"
#include "imaged/lane.h"
#include "imaged/log.h"
#include "imaged/multipart.h"
#include "imaged/signer.h"
#include "imaged/strict.h"
#include "imaged/upload.h"
#include "imaged/validate.h"

#define JSON_REST_MAX	(1024 * 1024)	/* a JSON body less its image_data */
#define BODY_SLACK	(1024 * 1024)	/* room for fields around the image */
#define FORM_FIELD_MAX	(DESCRIPTION_MAX * 4)	/* bytes of one form field */

/* The fields every form yields, checked. */
struct upload_fields {
	const char		*user_id;
	const char		*filename;
	char			 ext[EXT_MAX + 1];
	struct meta_input	 meta;
};

/*
 * What a multipart part carries.  The metadata fields are validate.h's
 * rows (meta_fields), shared with the JSON and raw forms.
 */
enum form_part {
	PART_IGNORED,
	PART_FILE,
	PART_USER_ID,
	PART_META
};

struct upload_state {
	struct imaged		*ctx;
	/* the server's, alive as long as we are */
	const struct request	*req;
	enum body_form		 form;
	struct upload		*up;
	struct jsonupload	*json;
	uint64_t		 received;
	/* most bytes any valid body needs */
	uint64_t		 body_max;
	const char		*image_field;	/* "image_data" or "file" */

	/* multipart */
	struct multipart	*form_parser;
	/* for errors from the callbacks */
	struct response		*resp;
	enum form_part		 part;		/* the part being read */
	const char		*part_name;	/* its field name, for errors */
	const struct meta_field	*part_meta;	/* PART_META: which field */
	struct buf		 value;		/* its text, for a field */
	unsigned		 nfiles;
	struct buf		 user_id;
	struct buf		 filename;
	struct upload_fields	 fields;
};

static enum img_err
too_big(struct upload_state *st, struct response *resp)
{
	uint64_t	 cl = st->req->content_length;

	if (st->ctx->cfg.cloud_strict && (st->received > STRICT_PAYLOAD_MAX ||
	    (cl != UINT64_MAX && cl > STRICT_PAYLOAD_MAX)))
		return api_fail(resp, IMG_ETOOBIG, NULL, "the request body is "
		    "larger than %llu bytes, the original's payload limit "
		    "(cloud_strict)", STRICT_PAYLOAD_MAX);
	return api_fail(resp, IMG_ETOOBIG, st->image_field, "the image is "
	    "larger than %llu bytes",
	    (unsigned long long)st->ctx->cfg.max_file_size);
}

/* A JSON body's fields other than image_data, past JSON_REST_MAX. */
static enum img_err
rest_too_big(struct response *resp)
{
	return api_fail(resp, IMG_ETOOBIG, NULL, "the JSON fields other than "
	    "image_data are larger than %d bytes", JSON_REST_MAX);
}

static enum img_err
to_upload(void *arg, const unsigned char *p, size_t n)
{
	struct upload_state	*st = arg;

	return upload_write(st->up, p, n);
}

static void
upload_state_close(void *arg)
{
	struct upload_state	*st = arg;

	if (st == NULL)
		return;
	jsonupload_free(st->json);
	multipart_free(st->form_parser);
	upload_free(st->up);
	buf_free(&st->value);
	buf_free(&st->user_id);
	buf_free(&st->filename);
	meta_input_free(&st->fields.meta);
	free(st);
}

static enum img_err	 form_open(struct upload_state *,
			    const struct request *, struct response *);
static enum img_err	 form_feed(struct upload_state *, const char *, size_t,
			    struct response *);
static enum img_err	 query_fields(struct upload_state *,
			    const struct request *, struct response *,
			    struct upload_fields *);
static enum img_err	 check_names(struct upload_state *,
			    struct upload_fields *, struct response *);

/* The body's form, the field its image comes in, and its largest size. */
static enum img_err
body_form_open(struct upload_state *st, const struct request *req,
    struct response *resp)
{
	uint64_t	 max = st->ctx->cfg.max_file_size;

	st->form = http_body_form(request_header(req, "Content-Type"));
	if (st->ctx->cfg.cloud_strict && st->form != BODY_JSON)
		return api_fail(resp, IMG_EMEDIA, NULL,
		    "with cloud_strict = on, as in the original, the only "
		    "upload form is JSON with base64 image_data");
	switch (st->form) {
	case BODY_JSON:
		st->image_field = "image_data";
		st->body_max = max / 3 * 4 + 4 + BODY_SLACK;
		return IMG_OK;
	case BODY_RAW:
		st->image_field = "file";
		st->body_max = max;
		return IMG_OK;
	case BODY_MULTIPART:
		st->image_field = "file";
		st->body_max = max + BODY_SLACK;
		return form_open(st, req, resp);
	default:
		return api_fail(resp, IMG_EMEDIA, NULL, "Content-Type must be "
		    "application/json, multipart/form-data or image/*");
	}
}

static enum img_err
upload_state_open(struct imaged *ctx, const struct request *req,
    struct response *resp, void **statep)
{
	struct upload_state	*st;
	uint64_t		 max = ctx->cfg.max_file_size;
	enum img_err		 e;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return IMG_ENOMEM;
	st->ctx = ctx;
	st->req = req;
	buf_init(&st->value, FORM_FIELD_MAX);
	buf_init(&st->user_id, USER_ID_MAX + 1);
	buf_init(&st->filename, FILENAME_MAX_BYTES * 2);
	meta_input_init(&st->fields.meta);
	if ((e = body_form_open(st, req, resp)) != IMG_OK)
		goto fail;
	if (ctx->cfg.cloud_strict && st->body_max > STRICT_PAYLOAD_MAX)
		st->body_max = STRICT_PAYLOAD_MAX;
	if (req->content_length != UINT64_MAX &&
	    req->content_length > st->body_max) {
		e = too_big(st, resp);
		goto fail;
	}
	/*
	 * A raw body's fields are all in the query: check them once, here,
	 * and refuse before reading the body.  They are kept for the end.
	 */
	if (st->form == BODY_RAW &&
	    (e = query_fields(st, req, resp, &st->fields)) != IMG_OK)
		goto fail;
	if ((e = upload_new(ctx->blobs, max, &st->up)) != IMG_OK)
		goto fail;
	if (st->form == BODY_JSON &&
	    (st->json = jsonupload_new(JSON_REST_MAX, to_upload, st)) == NULL) {
		e = IMG_ENOMEM;
		goto fail;
	}
	log_debug("upload %s: receiving a %s body, %llu bytes%s",
	    req->request_id, st->form == BODY_JSON ? "JSON" :
	    st->form == BODY_RAW ? "raw" : "multipart",
	    req->content_length == UINT64_MAX ? 0ULL :
	    (unsigned long long)req->content_length,
	    req->content_length == UINT64_MAX ? " so far (chunked)" : "");
	*statep = st;
	return IMG_OK;
fail:
	upload_state_close(st);
	return e;
}

static enum img_err
upload_state_write(void *arg, const char *data, size_t len,
    struct response *resp)
{
	struct upload_state	*st = arg;
	const char		*field = NULL;
	enum img_err		 e;

	st->received += len;
	if (st->received > st->body_max)
		return too_big(st, resp);
	if (st->form == BODY_RAW)
		e = upload_write(st->up, data, len);
	else if (st->form == BODY_MULTIPART)
		return form_feed(st, data, len, resp);
	else
		e = jsonupload_feed(st->json, data, len, &field);
	if (e == IMG_ETOOBIG && field == NULL)
		return rest_too_big(resp);
	if (e == IMG_ETOOBIG)
		return too_big(st, resp);
	if (e == IMG_EJSON)
		return api_fail(resp, e, NULL,
		    "request body is not valid JSON");
	return e;
}

/* --- multipart/form-data ------------------------------------------------ */

/* The parts that are not metadata; every other known name is meta_fields'. */
static const struct {
	const char	*name;
	enum form_part	 part;
} form_parts[] = {
	{ "file", PART_FILE },
	{ "user_id", PART_USER_ID },
};

static enum img_err
form_part_begin(void *arg, const struct multipart_part *p)
{
	struct upload_state	*st = arg;
	const char		*base;
	size_t			 i;

	/* Names from the tables: p's own live only through this call. */
	st->part = PART_IGNORED;
	for (i = 0; i < sizeof(form_parts) / sizeof(form_parts[0]); i++)
		if (strcmp(p->name, form_parts[i].name) == 0) {
			st->part = form_parts[i].part;
			st->part_name = form_parts[i].name;
		}
	if (st->part == PART_IGNORED &&
	    (st->part_meta = meta_field_find(p->name)) != NULL) {
		st->part = PART_META;
		st->part_name = st->part_meta->name;
	}
	buf_reset(&st->value);
	if (st->part != PART_FILE)
		return IMG_OK;
	if (p->filename == NULL)
		return api_fail(st->resp, IMG_EINVAL, "file", "the file part "
		    "needs a filename");
	if (++st->nfiles > 1)
		return api_fail(st->resp, IMG_EINVAL, "file", "send one file "
		    "part, not several");
	/* RFC 7578 allows dropping a directory part some clients send. */
	base = p->filename + strlen(p->filename);
	while (base > p->filename && base[-1] != '/' && base[-1] != '\\')
		base--;
	if (buf_adds(&st->filename, base) != IMG_OK)
		return api_fail(st->resp, IMG_EINVAL, "filename",
		    "filename must be 1-%d bytes", FILENAME_MAX_BYTES);
	return IMG_OK;
}

static enum img_err
form_part_data(void *arg, const char *p, size_t n)
{
	struct upload_state	*st = arg;
	enum img_err		 e;

	switch (st->part) {
	case PART_IGNORED:
		return IMG_OK;
	case PART_FILE:
		if ((e = upload_write(st->up, p, n)) == IMG_ETOOBIG)
			return too_big(st, st->resp);
		return e;
	default:
		if (buf_add(&st->value, p, n) != IMG_OK)
			return api_fail(st->resp, IMG_EINVAL, st->part_name,
			    "form field too long");
		return IMG_OK;
	}
}

/* A field is complete: keep it (fields may come before or after the file). */
static enum img_err
form_part_end(void *arg)
{
	struct upload_state	*st = arg;
	const char		*v = st->value.data != NULL ?
	    st->value.data : "";
	const char		*name = st->part_name;
	char			 msg[256];
	bool			 ok = true;

	if (st->part == PART_IGNORED || st->part == PART_FILE)
		return IMG_OK;
	if (strlen(v) != st->value.len)
		return api_fail(st->resp, IMG_EINVAL, name, "%s must not "
		    "contain NUL", name);
	if (st->part == PART_META)
		ok = meta_set_form(&st->fields.meta, st->part_meta, v,
		    st->value.len, msg, sizeof(msg));
	else {
		buf_reset(&st->user_id);
		if (buf_add(&st->user_id, v, st->value.len) != IMG_OK) {
			snprintf(msg, sizeof(msg), "user_id must be 1-%d "
			    "characters", USER_ID_MAX);
			ok = false;
		}
	}
	return ok ? IMG_OK : api_fail(st->resp, IMG_EINVAL, name, "%s", msg);
}

static const struct multipart_cb form_callbacks = {
	.part_begin = form_part_begin,
	.part_data = form_part_data,
	.part_end = form_part_end,
};

static enum img_err
form_open(struct upload_state *st, const struct request *req,
    struct response *resp)
{
	char	 boundary[MULTIPART_BOUNDARY_MAX + 2];

	if (!http_media_param(request_header(req, "Content-Type"), "boundary",
	    boundary, sizeof(boundary)) || !multipart_boundary_ok(boundary))
		return api_fail(resp, IMG_EINVAL, NULL, "multipart/form-data "
		    "needs a valid boundary parameter");
	if ((st->form_parser = multipart_new(boundary, &form_callbacks,
	    st)) == NULL)
		return IMG_ENOMEM;
	return IMG_OK;
}

static enum img_err
form_feed(struct upload_state *st, const char *data, size_t len,
    struct response *resp)
{
	enum img_err	 e;

	st->resp = resp;
	e = multipart_feed(st->form_parser, data, len);
	if (e == IMG_EINVAL && resp->err_message[0] == '\0')
		return api_fail(resp, e, NULL,
		    "the multipart body is malformed");
	return e;
}

/* The whole form is in: what it said, checked. */
static enum img_err
form_fields(struct upload_state *st, struct response *resp)
{
	struct upload_fields	*f = &st->fields;
	enum img_err		 e;

	st->resp = resp;
	if ((e = multipart_end(st->form_parser)) != IMG_OK) {
		if (resp->err_message[0] == '\0')
			e = api_fail(resp, e, NULL, "the multipart body is "
			    "truncated or malformed");
		return e;
	}
	if (st->user_id.data == NULL && st->req->principal != NULL)
		buf_adds(&st->user_id, st->req->principal->user_id);
	if (st->user_id.data == NULL)
		return api_fail(resp, IMG_EINVAL, "user_id",
		    "user_id is required");
	if (st->nfiles == 0)
		return api_fail(resp, IMG_EINVAL, "file", "a file part named "
		    "\"file\" is required");
	f->user_id = st->user_id.data;
	f->filename = st->filename.data != NULL ? st->filename.data : "";
	return check_names(st, f, resp);
}

const struct body_sink api_upload_sink = {
	.open = upload_state_open,
	.write = upload_state_write,
	.close = upload_state_close,
};

/* Take a required string field; field_name is what the client sent it as. */
static enum img_err
required_string(const json_t *obj, const char *key, struct response *resp,
    const char **out)
{
	const json_t	*v = json_object_get(obj, key);

	if (v == NULL || json_is_null(v))
		return api_fail(resp, IMG_EINVAL, key, "%s is required", key);
	if (!json_is_string(v))
		return api_fail(resp, IMG_EINVAL, key,
		    "%s must be a string", key);
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v))
		return api_fail(resp, IMG_EINVAL, key,
		    "%s must not contain NUL", key);
	return IMG_OK;
}

static enum img_err
check_names(struct upload_state *st, struct upload_fields *f,
    struct response *resp)
{
	const struct request	*req = st->req;
	const char		*user_field = "user_id",
	    *name_field = "filename";
	char	 msg[256];

	if (!valid_user_id(f->user_id, strlen(f->user_id), msg, sizeof(msg)))
		return api_fail(resp, IMG_EINVAL, user_field, "%s", msg);
	if (!request_may_act_for(req, f->user_id))
		return api_fail(resp, IMG_EFORBIDDEN, user_field,
		    "a token of %s uploads only as %s", req->principal->user_id,
		    req->principal->user_id);
	if (!valid_filename(&st->ctx->cfg, f->filename, strlen(f->filename),
	    f->ext, msg, sizeof(msg)))
		return api_fail(resp, IMG_EINVAL, name_field, "%s", msg);
	return IMG_OK;
}

/* JSON: the rest of the body, with image_data taken out as it streamed. */
static enum img_err
json_fields(struct upload_state *st, struct response *resp,
    struct upload_fields *f, json_t **restp)
{
	const json_t	*meta;
	const char	*field = NULL;
	char		 msg[256];
	bool		 had_image;
	enum img_err	 e;

	e = jsonupload_end(st->json, restp, &had_image, &field);
	if (e == IMG_EJSON)
		return api_fail(resp, e, NULL,
		    "request body is not valid JSON");
	if (e == IMG_ETOOBIG && field == NULL)
		return rest_too_big(resp);
	if (e == IMG_ETOOBIG)
		return too_big(st, resp);
	if (e == IMG_EINVAL)
		return api_fail(resp, e, "image_data", "image_data must be "
		    "standard base64, optionally with a data:image/...;base64, "
		    "prefix");
	if (e != IMG_OK)
		return e;
	if (!json_is_object(*restp))
		return api_fail(resp, IMG_EINVAL, NULL,
		    "the body must be a JSON object");
	if (st->req->principal != NULL &&
	    json_object_get(*restp, "user_id") == NULL)
		/* the token's */
		f->user_id = st->req->principal->user_id;
	else if ((e = required_string(*restp, "user_id", resp, &f->user_id)) !=
	    IMG_OK)
		return e;
	if ((e = required_string(*restp, "filename", resp, &f->filename)) !=
	    IMG_OK || (e = check_names(st, f, resp)) != IMG_OK)
		return e;
	if (!had_image) {
		if (json_object_get(*restp, "image_data") != NULL &&
		    !json_is_null(json_object_get(*restp, "image_data")))
			return api_fail(resp, IMG_EINVAL, "image_data",
			    "image_data must be a base64 string");
		return api_fail(resp, IMG_EINVAL, "image_data",
		    "image_data is required");
	}
	meta = json_object_get(*restp, "metadata");
	if (meta != NULL && !json_is_null(meta)) {
		if (!json_is_object(meta))
			return api_fail(resp, IMG_EINVAL, "metadata",
			    "metadata must be an object");
		if (!meta_from_json(&f->meta, meta, msg, sizeof(msg), &field))
			return api_fail(resp, IMG_EINVAL, field, "%s", msg);
	}
	return IMG_OK;
}

/* Raw body: names and metadata from the query string. */
static enum img_err
query_fields(struct upload_state *st, const struct request *req,
    struct response *resp, struct upload_fields *f)
{
	const struct meta_field	*m;
	const char		*v;
	char			 msg[256];
	size_t			 i, j;
	enum img_err		 e;

	if ((f->user_id = request_query(req, "user_id")) == NULL &&
	    req->principal != NULL)
		f->user_id = req->principal->user_id;	/* the token's */
	if (f->user_id == NULL)
		return api_fail(resp, IMG_EINVAL, "user_id",
		    "user_id is required");
	if ((f->filename = request_query(req, "filename")) == NULL)
		return api_fail(resp, IMG_EINVAL, "filename",
		    "filename is required");
	if ((e = check_names(st, f, resp)) != IMG_OK)
		return e;
	for (i = 0; i < meta_nfields; i++) {
		m = &meta_fields[i];
		if (!m->list) {
			/* The last one given counts; empty is absent. */
			if ((v = request_query(req, m->name)) != NULL &&
			    !meta_set_form(&f->meta, m, v, strlen(v), msg,
			    sizeof(msg)))
				return api_fail(resp, IMG_EINVAL, m->name, "%s",
				    msg);
			continue;
		}
		/* A list takes every parameter of its name, in order. */
		for (j = 0; j < req->nquery; j++) {
			if (strcmp(req->query[j].key, m->name) != 0)
				continue;
			v = req->query[j].value;
			if (!meta_set_form(&f->meta, m, v, strlen(v), msg,
			    sizeof(msg)))
				return api_fail(resp, IMG_EINVAL, m->name, "%s",
				    msg);
		}
	}
	return IMG_OK;
}

/* Milliseconds of the monotonic clock, for the debug lines' timings. */
static double
mono_ms(void)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* An upload's row, committed on a lane beside its file's fsyncs. */
struct row_commit {
	struct catalog			*cat;
	const struct image_record	*rec;
	const struct image_meta		*meta;
	int64_t				 created_at;
	enum img_err			 err;
};

static void
commit_row(void *arg)
{
	struct row_commit	*rc = arg;

	rc->err = catalog_insert_unsynced(rc->cat, rc->rec, rc->meta,
	    &rc->created_at);
}

/*
 * Make the file durable under key and commit its row, the two at once:
 * their flushes overlap rather than follow one another.  The row is
 * marked until the file is durable, so a crash between leaves nothing a
 * start cannot judge (recover.h); and no 201 goes before both are done.
 */
static enum img_err
store_durably(struct imaged *ctx, struct upload *up, const char *key,
    struct image_record *rec, const struct image_meta *meta)
{
	struct row_commit	 rc = { ctx->catalog, rec, meta, 0, IMG_OK };
	struct lane_call	 call;
	enum img_err		 e;

	if ((e = upload_link(up, key)) != IMG_OK)
		return e;
	lane_begin(ctx->row_commits, &call, commit_row, &rc);
	e = upload_sync(up);
	lane_wait(&call);
	if (e != IMG_OK) {
		/* Never acknowledged: the row goes (failing that, a start). */
		if (rc.err == IMG_OK)
			(void)catalog_unsynced_done(ctx->catalog, rec->image_id,
			    true);
		return e;
	}
	if (rc.err != IMG_OK)
		return rc.err;	/* the file goes with the upload */
	catalog_file_synced(ctx->catalog, rec->image_id);
	upload_settle(up);
	rec->created_at = rc.created_at;
	return IMG_OK;
}

/* The bytes are in and the fields valid: judge the bytes, store, answer. */
static enum img_err
store(struct upload_state *st, const struct request *req,
    struct response *resp, struct upload_fields *f)
{
	struct imaged		*ctx = st->ctx;
	struct upload_info	 info;
	struct image_record	 rec = { 0 };
	struct image_meta	 meta;
	enum img_kind		 want = img_kind_from_ext(f->ext);
	char			 id[IMAGE_ID_SIZE], key[BLOB_KEY_MAX + 1];
	double			 ms_start;
	enum img_err		 e;

	upload_end(st->up, &info);
	log_debug("upload %s: body in, image of %llu bytes", req->request_id,
	    (unsigned long long)info.size);
	if (info.size == 0)
		return api_fail(resp, IMG_EINVAL, st->image_field,
		    "the image is empty");
	if (ctx->cfg.check_magic &&
	    (want == IMG_KIND_UNKNOWN || info.kind != want))
		return api_fail(resp, IMG_EMEDIA, st->image_field,
		    "the bytes are not a %s image (the filename's extension)",
		    f->ext);
	if (!meta_view(&f->meta, &meta))
		return IMG_ENOMEM;
	idgen_uuid(&ctx->ids, id);
	if (!blob_key_make(key, sizeof(key), f->user_id, id, f->ext))
		return IMG_EINTERNAL;	/* the fields' limits make it fit */
	rec.image_id = id;
	rec.user_id = f->user_id;
	rec.filename = f->filename;
	rec.s3_key = key;
	rec.content_type = img_kind_mime(want);
	rec.checksum_sha256 = info.sha256;
	rec.file_size = (int64_t)info.size;
	rec.width = info.width;
	rec.height = info.height;
	rec.title = meta.title;
	rec.description = meta.description;
	rec.location = meta.location;
	rec.tags_json = meta.tags_json;
	ms_start = mono_ms();
	/* Failing, the file goes with the upload (upload_free). */
	if ((e = store_durably(ctx, st->up, key, &rec, &meta)) != IMG_OK)
		return e;
	log_debug("upload %s: file synced under %s and row committed, image "
	    "%s, %.1f ms after the body was in", req->request_id, key, id,
	    mono_ms() - ms_start);
	rec.updated_at = rec.created_at;
	api_json(resp, 201);
	if ((e = response_header(resp, "Location", "/images/%s", id)) !=
	    IMG_OK ||
	    (e = api_record_json(ctx, req, &resp->body, &rec,
	    ctx->cfg.url_lifetime)) != IMG_OK)
		return e;
	return buf_addc(&resp->body, '\n');
}

enum img_err
api_upload(struct imaged *ctx, const struct request *req, struct response *resp)
{
	struct upload_state	*st = req->sink;
	json_t			*rest = NULL;
	enum img_err		 e = IMG_OK;	/* raw: checked when it began */

	(void)ctx;
	if (st->form == BODY_JSON)
		e = json_fields(st, resp, &st->fields, &rest);
	else if (st->form == BODY_MULTIPART)
		e = form_fields(st, resp);
	if (e == IMG_OK)
		e = store(st, req, resp, &st->fields);
	json_decref(rest);	/* after store: the fields point into it */
	return e;
}
