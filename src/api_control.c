/*
 * api_control.c: test_mode's control routes under /_imaged/: the clock,
 * reset, faults and the request journal.
 *
 * They are rows of the route table that only a daemon with test_mode = on
 * serves (api_nroutes_for); elsewhere they are 404 like any unknown path.
 * With auth = token they need an admin token.  Bodies are small JSON
 * objects, checked strictly: an unknown key is a 400 naming it in the
 * message (field is for static names only), so that a typo in a test
 * does not pass silently.  A reset and a clock change hold the gate
 * (testctl_lock) alone, so no handler runs in the middle of one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "imaged/api.h"
#include "imaged/blobstore.h"
#include "imaged/catalog.h"
#include "imaged/clock.h"
#include "imaged/imaged.h"
#include "imaged/log.h"
#include "imaged/rendcache.h"
#include "imaged/testctl.h"
#include "imaged/text.h"

#define ADVANCE_MAX	(100LL * 366 * 86400)	/* seconds, either way */
#define RETRY_AFTER_MAX	86400

/* Only an admin may drive the daemon (auth = token); with auth off, anyone. */
static enum img_err
control_allowed(const struct request *req, struct response *resp)
{
	if (req->principal != NULL && !req->principal->admin)
		return api_fail(resp, IMG_EFORBIDDEN, NULL,
		    "the /_imaged/ routes need an admin token");
	return IMG_OK;
}

/* The body as a JSON value (the caller's reference); empty is invalid JSON. */
static enum img_err
control_body(const struct request *req, struct response *resp,
    json_t **out)
{
	json_error_t	 jerr;

	*out = NULL;
	if (req->body == NULL || req->body->len == 0 ||
	    (*out = json_loadb(req->body->data, req->body->len,
	    JSON_DECODE_ANY, &jerr)) == NULL)
		return api_fail(resp, IMG_EJSON, NULL, "request body is not "
		    "valid JSON");
	return IMG_OK;
}

/* The first key of obj not among keys (NULL-ended), or NULL. */
static const char *
unknown_key(json_t *obj, const char *const *keys)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	json_object_foreach(obj, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(k, keys[i]) == 0)
				break;
		if (keys[i] == NULL)
			return k;
	}
	return NULL;
}

/* --- the clock ------------------------------------------------------------ */

static enum img_err
clock_json(struct imaged *ctx, struct response *resp, int status)
{
	char		 now[32];
	int64_t		 us = clock_usec(&ctx->clock);

	time_format_rfc3339(us, now);
	api_json(resp, status);
	return buf_printf(&resp->body, "{\"now\": \"%s\", \"unix\": %lld, "
	    "\"fixed\": %s}\n", now, (long long)clock_seconds(&ctx->clock),
	    clock_is_fixed(&ctx->clock) ? "true" : "false");
}

enum img_err
api_control_clock_get(struct imaged *ctx, const struct request *req,
    struct response *resp)
{
	enum img_err	 e;

	if ((e = control_allowed(req, resp)) != IMG_OK)
		return e;
	return clock_json(ctx, resp, 200);
}

/* The time {"set": "RFC 3339"} or {"advance": SECONDS} asks for. */
static enum img_err
clock_target(struct imaged *ctx, json_t *body, struct response *resp,
    int64_t *usec, const char **field)
{
	static const char *const keys[] = { "set", "advance", NULL };
	json_t		*set = json_object_get(body, "set");
	json_t		*adv = json_object_get(body, "advance");
	const char	*bad;
	double		 secs;

	*field = set != NULL ? "set" : "advance";
	if ((bad = unknown_key(body, keys)) != NULL)
		return api_fail(resp, IMG_EINVAL, NULL,
		    "unknown key \"%.64s\": send {\"set\": \"RFC 3339 time\"} "
		    "or {\"advance\": seconds}", bad);
	if ((set == NULL) == (adv == NULL))
		return api_fail(resp, IMG_EINVAL, NULL, "send one of "
		    "{\"set\": \"RFC 3339 time\"} or {\"advance\": seconds}");
	if (set != NULL) {
		if (!json_is_string(set) || !time_parse_bound(
		    json_string_value(set), false, usec))
			return api_fail(resp, IMG_EINVAL, "set", "set must be "
			    "an RFC 3339 time with an offset, such as "
			    "\"2026-01-01T00:00:00Z\"");
		return IMG_OK;
	}
	if (!json_is_number(adv) || !isfinite(secs = json_number_value(adv)) ||
	    secs > (double)ADVANCE_MAX || secs < -(double)ADVANCE_MAX)
		return api_fail(resp, IMG_EINVAL, "advance", "advance must be "
		    "a number of seconds (up to %lld either way)",
		    (long long)ADVANCE_MAX);
	*usec = clock_usec(&ctx->clock) + (int64_t)(secs * 1e6 +
	    (secs < 0 ? -0.5 : 0.5));
	return IMG_OK;
}

enum img_err
api_control_clock_set(struct imaged *ctx, const struct request *req,
    struct response *resp)
{
	json_t		*body = NULL;
	const char	*field = NULL;
	char		 newest[32], want[32];
	int64_t		 usec = 0, last;
	enum img_err	 e;

	if ((e = control_allowed(req, resp)) != IMG_OK ||
	    (e = control_body(req, resp, &body)) != IMG_OK)
		goto done;
	if (!json_is_object(body)) {
		e = api_fail(resp, IMG_EINVAL, NULL, "the body must be a JSON "
		    "object: {\"set\": \"RFC 3339 time\"} or {\"advance\": "
		    "seconds}");
		goto done;
	}
	/* Alone: no upload takes a created_at between the check and the set. */
	testctl_lock(ctx->testctl);
	if ((e = clock_target(ctx, body, resp, &usec, &field)) == IMG_OK) {
		last = catalog_last_created(ctx->catalog);
		/* The same instant is fine: the next created_at is past it. */
		if (usec < last) {
			time_format_rfc3339(last, newest);
			time_format_rfc3339(usec, want);
			e = api_fail(resp, IMG_EINVAL, field,
			    "the clock cannot go back to %s: an image was "
			    "created at %s, and created_at never goes "
			    "backwards (reset first)", want, newest);
		} else
			clock_set(&ctx->clock, usec);
	}
	testctl_unlock(ctx->testctl);
	if (e == IMG_OK)
		e = clock_json(ctx, resp, 200);
done:
	json_decref(body);
	return e;
}

/* --- reset ---------------------------------------------------------------- */

/* A catalog_record_cb: forget the renditions kept of one image. */
static enum img_err
forget_renditions(void *arg, const struct image_record *r)
{
	rendcache_remove_image(arg, r->image_id);
	return IMG_OK;
}

enum img_err
api_control_reset(struct imaged *ctx, const struct request *req,
    struct response *resp)
{
	enum img_err	 e;

	if ((e = control_allowed(req, resp)) != IMG_OK)
		return e;
	/*
	 * Alone: every handler has finished, and none starts until the rows
	 * and files are gone.  Uploads still receiving their bodies keep
	 * their temp files and land afterwards, in the emptied store.
	 * Rows go first, so no row ever names a removed file.
	 */
	testctl_lock(ctx->testctl);
	/*
	 * Renditions are kept by image id, and a seeded id comes back after
	 * a reset: none may outlive its image.
	 */
	if (ctx->renditions != NULL)
		(void)catalog_scan(ctx->catalog, forget_renditions,
		    ctx->renditions);
	/*
	 * Removals queued or running end first: one finishing later would
	 * report its key to the catalog after the catalog forgot it.
	 */
	blob_removals_cancel(ctx->blobs);
	if ((e = catalog_clear(ctx->catalog)) == IMG_OK &&
	    (e = blobstore_clear(ctx->blobs)) == IMG_OK) {
		idgen_restart(&ctx->ids);
		testctl_faults_clear(ctx->testctl);
		testctl_journal_clear(ctx->testctl);
	}
	testctl_unlock(ctx->testctl);
	if (e != IMG_OK) {
		log_warnx("reset failed: %s", img_err_code(e));
		return e;
	}
	log_info("reset: every image removed");
	api_json(resp, 200);
	return buf_adds(&resp->body, "{\"status\": \"reset\"}\n");
}

/* --- faults --------------------------------------------------------------- */

/* Method names of one string or an array of them into a mask. */
static bool
rule_methods(json_t *v, unsigned *mask)
{
	json_t			*m;
	size_t			 i;
	enum http_method	 one;

	*mask = 0;
	if (v == NULL || json_is_null(v))
		return true;
	if (json_is_string(v)) {
		one = router_method(json_string_value(v));
		*mask = one == HTTP_GET ? HTTP_GET | HTTP_HEAD : one;
		return one != HTTP_OTHER;
	}
	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	json_array_foreach(v, i, m) {
		if (!json_is_string(m) ||
		    (one = router_method(json_string_value(m))) == HTTP_OTHER)
			return false;
		*mask |= one == HTTP_GET ? HTTP_GET | HTTP_HEAD : one;
	}
	return true;
}

/* A non-negative integer within max, or absent (def). */
static bool
rule_uint(json_t *v, unsigned min, unsigned max, unsigned def, unsigned *out)
{
	json_int_t	 n;

	if (v == NULL || json_is_null(v)) {
		*out = def;
		return true;
	}
	if (!json_is_integer(v) || (n = json_integer_value(v)) < min || n > max)
		return false;
	*out = (unsigned)n;
	return true;
}

static enum img_err
parse_rule(json_t *o, struct fault_rule *r, struct response *resp)
{
	static const char *const keys[] = { "method", "path", "status",
	    "delay_ms", "reset_connection", "times", "retry_after", NULL };
	const char	*bad, *path;
	json_t		*v;
	unsigned	 status;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(o))
		return api_fail(resp, IMG_EINVAL, NULL,
		    "a fault rule is a JSON object, such as {\"path\": "
		    "\"/images\", \"status\": 503}");
	if ((bad = unknown_key(o, keys)) != NULL)
		return api_fail(resp, IMG_EINVAL, NULL, "unknown key \"%.64s\" "
		    "in a fault rule", bad);
	if (!rule_methods(json_object_get(o, "method"), &r->methods))
		return api_fail(resp, IMG_EINVAL, "method", "method must be an "
		    "HTTP method name or a list of them");
	if ((v = json_object_get(o, "path")) != NULL && !json_is_null(v)) {
		if (!json_is_string(v) || (path = json_string_value(v))[0] !=
		    '/' || strlen(path) >= sizeof(r->path))
			return api_fail(resp, IMG_EINVAL, "path",
			    "path must start with / and be shorter than %d "
			    "bytes (a final * matches any rest)",
			    FAULT_PATH_MAX);
		snprintf(r->path, sizeof(r->path), "%s", path);
	}
	if (!rule_uint(json_object_get(o, "status"), 400, 599, 0, &status) ||
	    (status != 0 && img_err_of_status((int)status) == IMG_ERR_COUNT))
		return api_fail(resp, IMG_EINVAL, "status",
		    "status must be one of the API's error statuses (400 401 "
		    "403 404 405 413 415 416 429 500 502 503 504 507)");
	r->status = (int)status;
	if (!rule_uint(json_object_get(o, "delay_ms"), 0, FAULT_DELAY_MAX, 0,
	    &r->delay_ms))
		return api_fail(resp, IMG_EINVAL, "delay_ms",
		    "delay_ms must be an integer from 0 to %d",
		    FAULT_DELAY_MAX);
	v = json_object_get(o, "reset_connection");
	if (v != NULL && !json_is_boolean(v))
		return api_fail(resp, IMG_EINVAL, "reset_connection",
		    "reset_connection must be true or false");
	r->reset_connection = v != NULL && json_is_true(v);
	if (!rule_uint(json_object_get(o, "times"), 1, 1000000, 0, &r->times))
		return api_fail(resp, IMG_EINVAL, "times", "times must be an "
		    "integer from 1 to 1000000, or null for every time");
	if (!rule_uint(json_object_get(o, "retry_after"), 0, RETRY_AFTER_MAX, 1,
	    &r->retry_after))
		return api_fail(resp, IMG_EINVAL, "retry_after", "retry_after "
		    "must be a number of seconds from 0 to %d",
		    RETRY_AFTER_MAX);
	if (r->status == 0 && r->delay_ms == 0 && !r->reset_connection)
		return api_fail(resp, IMG_EINVAL, NULL, "a fault rule needs a "
		    "status, a delay_ms or reset_connection");
	return IMG_OK;
}

enum img_err
api_control_faults_add(struct imaged *ctx, const struct request *req,
    struct response *resp)
{
	struct fault_rule	 rules[FAULTS_MAX];
	json_t			*body = NULL, *o;
	size_t			 i, n = 0;
	enum img_err		 e;

	if ((e = control_allowed(req, resp)) != IMG_OK ||
	    (e = control_body(req, resp, &body)) != IMG_OK)
		goto done;
	if (json_is_array(body)) {
		if ((n = json_array_size(body)) == 0 || n > FAULTS_MAX) {
			e = api_fail(resp, IMG_EINVAL, NULL, "send 1 to %d "
			    "rules", FAULTS_MAX);
			goto done;
		}
		json_array_foreach(body, i, o)
			if ((e = parse_rule(o, &rules[i], resp)) != IMG_OK)
				goto done;
	} else {
		if ((e = parse_rule(body, &rules[0], resp)) != IMG_OK)
			goto done;
		n = 1;
	}
	/* All or none: a refused rule leaves the list as it was. */
	for (i = 0; i < n; i++)
		if ((e = testctl_fault_add(ctx->testctl, &rules[i])) !=
		    IMG_OK) {
			e = api_fail(resp, IMG_EINVAL, NULL, "at most %d rules "
			    "at once; DELETE /_imaged/faults clears them",
			    FAULTS_MAX);
			goto done;
		}
	api_json(resp, 201);
	e = testctl_faults_json(ctx->testctl, &resp->body);
done:
	json_decref(body);
	return e;
}

enum img_err
api_control_faults_get(struct imaged *ctx, const struct request *req,
    struct response *resp)
{
	enum img_err	 e;

	if ((e = control_allowed(req, resp)) != IMG_OK)
		return e;
	api_json(resp, 200);
	return testctl_faults_json(ctx->testctl, &resp->body);
}

enum img_err
api_control_faults_clear(struct imaged *ctx, const struct request *req,
    struct response *resp)
{
	enum img_err	 e;

	if ((e = control_allowed(req, resp)) != IMG_OK)
		return e;
	testctl_faults_clear(ctx->testctl);
	api_json(resp, 200);
	return testctl_faults_json(ctx->testctl, &resp->body);
}

/* --- the request journal -------------------------------------------------- */

enum img_err
api_control_requests_get(struct imaged *ctx, const struct request *req,
    struct response *resp)
{
	const char	*s = request_query(req, "limit");
	unsigned long	 limit = JOURNAL_MAX;
	char		*end;
	enum img_err	 e;

	if ((e = control_allowed(req, resp)) != IMG_OK)
		return e;
	if (s != NULL) {
		limit = strspn(s, "0123456789") == strlen(s) && strlen(s) <= 4 ?
		    strtoul(s, &end, 10) : 0;
		if (limit < 1 || limit > JOURNAL_MAX)
			return api_fail(resp, IMG_EINVAL, "limit", "limit must "
			    "be 1-%d", JOURNAL_MAX);
	}
	api_json(resp, 200);
	return testctl_journal_json(ctx->testctl, &resp->body, limit);
}

enum img_err
api_control_requests_clear(struct imaged *ctx, const struct request *req,
    struct response *resp)
{
	enum img_err	 e;

	if ((e = control_allowed(req, resp)) != IMG_OK)
		return e;
	testctl_journal_clear(ctx->testctl);
	api_json(resp, 200);
	return testctl_journal_json(ctx->testctl, &resp->body, JOURNAL_MAX);
}
