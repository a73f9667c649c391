/*
 * harness.c: the in-process daemon and a small libcurl client for the
 * API suites.
 *
 * With IMAGED_API_LOG set, every exchange is also logged for the OpenAPI
 * check (exchlog.h): the suites' answers are the document's examples.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <strings.h>

#include <curl/curl.h>

#include "exchlog.h"
#include "harness.h"
#include "imaged/b64.h"
#include "imaged/log.h"

struct imaged	*test_daemon;

void
harness_start_with(const char *const *settings)
{
	struct config	 cfg;
	char		 msg[256];
	size_t		 i;

	log_quiet(true);
	config_defaults(&cfg);
	cfg.port = 0;
	cfg.ephemeral = true;
	cfg.workers = 2;
	for (i = 0; settings != NULL && settings[i] != NULL; i++) {
		char key[64];
		const char *eq = strchr(settings[i], '=');

		ck_assert_ptr_nonnull(eq);
		snprintf(key, sizeof(key), "%.*s", (int)(eq - settings[i]),
		    settings[i]);
		ck_assert_msg(config_set(&cfg, key, eq + 1, "test", msg,
		    sizeof(msg)), "%s", msg);
	}
	ck_assert_int_eq(imaged_start(&cfg, &test_daemon), IMG_OK);
}

void
harness_start(void)
{
	harness_start_with(NULL);
}

void
harness_stop(void)
{
	imaged_stop(test_daemon, 1000);
	test_daemon = NULL;
}

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	return buf_add(arg, p, size * n) == IMG_OK ? size * n : 0;
}

/* The exchange, for the OpenAPI check (exchlog.h). */
static void
log_exchange(const struct reply *r, const char *method, const char *url)
{
	const char	*path = url, *p;

	/* The path and query of an absolute URL (a download_url). */
	if ((p = strstr(url, "://")) != NULL &&
	    (p = strchr(p + 3, '/')) != NULL)
		path = p;
	exchlog_append(method, path, (int)r->status,
	    reply_header(r, "Content-Type"), r->body.data, r->body.len,
	    reply_header(r, "X-Imaged-Fault") != NULL);
}

void
http_do(struct reply *r, const char *method, const char *path,
    const char *const *headers, const void *body, size_t len)
{
	struct curl_slist	*hl = NULL;
	CURL			*c;
	char			 url[2048];
	const char		*ct;
	size_t			 i;

	memset(r, 0, sizeof(*r));
	buf_init(&r->body, (size_t)64 << 20);
	buf_init(&r->headers, 1 << 20);
	snprintf(url, sizeof(url), "%s%s",
	    strncmp(path, "http", 4) == 0 ? "" : imaged_url(test_daemon), path);
	c = curl_easy_init();
	ck_assert_ptr_nonnull(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
	}
	hl = curl_slist_append(hl, "Expect:");
	for (i = 0; headers != NULL && headers[i] != NULL; i++)
		hl = curl_slist_append(hl, headers[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	ct = reply_header(r, "Content-Type");
	if (ct != NULL && strncmp(ct, "application/json", 16) == 0 &&
	    r->body.len > 0)
		r->json = json_loadb(r->body.data, r->body.len, 0, NULL);
	log_exchange(r, method, url);
}

void
http_get(struct reply *r, const char *path)
{
	http_do(r, "GET", path, NULL, NULL, 0);
}

void
upload_json(struct reply *r, const char *data_path, const char *user_id,
    const char *filename, const char *metadata)
{
	static const char *const hdrs[] =
	    { "Content-Type: application/json", NULL };
	struct buf	 body;
	size_t		 len;
	char		*bytes, *b64;

	bytes = read_file(data_path, &len);
	ck_assert_ptr_nonnull(bytes);
	b64 = base64_of(bytes, len);
	buf_init(&body, (size_t)64 << 20);
	ck_assert_int_eq(buf_printf(&body, "{\"image_data\": \"%s\", "
	    "\"user_id\": \"%s\", \"filename\": \"%s\"%s%s}", b64, user_id,
	    filename, metadata != NULL ? ", \"metadata\": " : "",
	    metadata != NULL ? metadata : ""), IMG_OK);
	http_do(r, "POST", "/images", hdrs, body.data, body.len);
	buf_free(&body);
	free(b64);
	free(bytes);
}

void
reply_free(struct reply *r)
{
	buf_free(&r->body);
	buf_free(&r->headers);
	json_decref(r->json);
	r->json = NULL;
}

const char *
reply_header(const struct reply *r, const char *name)
{
	static __thread char	 value[4096];
	const char		*p = r->headers.data, *eol;
	size_t			 n = strlen(name), vlen;

	while (p != NULL && *p != '\0') {
		eol = strstr(p, "\r\n");
		if (eol == NULL)
			break;
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			vlen = (size_t)(eol - p);
			if (vlen >= sizeof(value))
				vlen = sizeof(value) - 1;
			memcpy(value, p, vlen);
			value[vlen] = '\0';
			return value;
		}
		p = eol + 2;
	}
	return NULL;
}

static const char *
error_member(const struct reply *r, const char *key)
{
	const char *v = json_string_value(json_object_get(
	    json_object_get(r->json, "error"), key));

	return v != NULL ? v : "";
}

const char *
reply_code(const struct reply *r)
{
	return error_member(r, "code");
}

const char *
reply_field(const struct reply *r)
{
	return error_member(r, "field");
}

char *
read_file(const char *path, size_t *len)
{
	FILE	*fp;
	char	*p;
	long	 n;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	p = malloc((size_t)n + 1);
	if (p != NULL && fread(p, 1, (size_t)n, fp) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(fp);
	if (p != NULL) {
		p[n] = '\0';
		*len = (size_t)n;
	}
	return p;
}

char *
base64_of(const void *p, size_t n)
{
	char	*out = malloc(b64_encoded_len(n) + 1);

	ck_assert_ptr_nonnull(out);
	b64_encode(p, n, out);
	out[b64_encoded_len(n)] = '\0';
	return out;
}

static int	 nfiles;

static int
count_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)st;
	(void)ftw;
	if (flag == FTW_F)
		nfiles++;
	return 0;
}

int
count_files(const char *dir)
{
	nfiles = 0;
	nftw(dir, count_one, 16, FTW_PHYS);
	return nfiles;
}

int
bucket_files(void)
{
	char	 dir[PATH_MAX + 64];

	snprintf(dir, sizeof(dir), "%s/%s", test_daemon->data_dir,
	    test_daemon->cfg.bucket);
	return count_files(dir);
}

int
temp_files(void)
{
	char	 dir[PATH_MAX + 64];

	snprintf(dir, sizeof(dir), "%s/tmp", test_daemon->data_dir);
	return count_files(dir);
}

int
connect_daemon(void)
{
	struct sockaddr_in	 sin = { 0 };
	const char		*url = imaged_url(test_daemon);
	int			 fd;

	sin.sin_family = AF_INET;
	sin.sin_port =
	    htons((uint16_t)strtoul(strrchr(url, ':') + 1, NULL, 10));
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}
