/*
 * message.c: requests and responses, with no server behind them.
 * response_error() is the only function that writes error JSON.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "imaged/http.h"
#include "imaged/text.h"

const char *
request_query(const struct request *req, const char *key)
{
	const char	*v = NULL;
	size_t		 i;

	for (i = 0; i < req->nquery; i++)
		if (strcmp(req->query[i].key, key) == 0)
			v = req->query[i].value;
	return v != NULL && *v != '\0' ? v : NULL;
}

bool
request_has(const struct request *req, const char *key)
{
	return request_query(req, key) != NULL;
}

bool
request_may_act_for(const struct request *req, const char *user_id)
{
	return req->principal == NULL || req->principal->admin ||
	    strcmp(req->principal->user_id, user_id) == 0;
}

const char *
request_header(const struct request *req, const char *name)
{
	return req->header != NULL ? req->header(req, name) : NULL;
}

void
response_init(struct response *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->status = 200;
	resp->fd = -1;
	buf_init(&resp->body, (size_t)64 << 20);
}

void
response_stream_free(struct response *resp)
{
	if (resp->stream.read != NULL && resp->stream.free != NULL)
		resp->stream.free(resp->stream.state);
	memset(&resp->stream, 0, sizeof(resp->stream));
}

void
response_free(struct response *resp)
{
	size_t	 i;

	buf_free(&resp->body);
	response_stream_free(resp);
	if (resp->fd != -1)
		close(resp->fd);
	resp->fd = -1;
	for (i = 0; i < resp->nheaders; i++)
		free(resp->headers[i].value);
	resp->nheaders = 0;
}

enum img_err
response_header(struct response *resp, const char *name, const char *fmt, ...)
{
	va_list	 ap;
	char	*v;
	int	 n;

	if (resp->nheaders == RESPONSE_HEADERS_MAX)
		return IMG_EINTERNAL;
	va_start(ap, fmt);
	n = vasprintf(&v, fmt, ap);
	va_end(ap);
	if (n < 0)
		return IMG_ENOMEM;
	resp->headers[resp->nheaders].name = name;
	resp->headers[resp->nheaders].value = v;
	resp->nheaders++;
	return IMG_OK;
}

const char *
response_get_header(const struct response *resp, const char *name)
{
	size_t	 i;

	for (i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return resp->headers[i].value;
	return NULL;
}

enum img_err
api_fail(struct response *resp, enum img_err e, const char *field,
    const char *fmt, ...)
{
	va_list	 ap;

	resp->err_field = field;
	resp->err_message[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(resp->err_message, sizeof(resp->err_message),
		    fmt, ap);
		va_end(ap);
	}
	return e;
}

enum img_err
request_refuse_nul(struct response *resp, const char *field)
{
	return api_fail(resp, IMG_EINVAL, field, "%s must not contain a NUL "
	    "byte (%%00)", field);
}

void
response_error(struct response *resp, enum img_err e)
{
	const char	*msg = resp->err_message;
	bool		 ok;

	if (e == IMG_OK)
		e = IMG_EINTERNAL;
	if (img_err_status(e) >= 500 || *msg == '\0')
		msg = img_err_message(e);
	buf_reset(&resp->body);
	response_stream_free(resp);
	if (resp->fd != -1) {
		close(resp->fd);
		resp->fd = -1;
	}
	resp->status = img_err_status(e);
	resp->content_type = JSON_TYPE;
	ok = buf_adds(&resp->body, "{\"error\": {\"code\": ") == IMG_OK &&
	    json_put_str(&resp->body, img_err_code(e)) == IMG_OK &&
	    buf_adds(&resp->body, ", \"message\": ") == IMG_OK &&
	    json_put_str(&resp->body, msg) == IMG_OK;
	if (ok && resp->err_field != NULL && img_err_status(e) < 500)
		ok = buf_adds(&resp->body, ", \"field\": ") == IMG_OK &&
		    json_put_str(&resp->body, resp->err_field) == IMG_OK;
	if (ok)
		ok = buf_adds(&resp->body, "}}\n") == IMG_OK;
	if (!ok) {
		/* Out of memory while reporting: the status still tells. */
		buf_free(&resp->body);
	}
}
