/*
 * check_renditions.c: renditions over HTTP: sizes and formats asked with
 * download=true, signed rendition URLs from rendition=, presets, the cache
 * (hits, 304 and Range, least-recently-used eviction, removal with the
 * image), one render for many concurrent requests, 503 when the render
 * queue is full, and every bad input the contract names: 400 naming the
 * parameter, 422 for a corrupt source, nothing kept either way.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "harness.h"
#include "imaged/image.h"
#include "imaged/imgsniff.h"
#include "imaged/rendcache.h"
#include "imaged/renderpool.h"

Suite	*renditions_suite(void);
Suite	*renditions_errors_suite(void);

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static const char *
str(const json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));

	return v != NULL ? v : "(none)";
}

/* The path part of a URL, with its query. */
static const char *
url_path(const char *url)
{
	const char *p = strstr(url, "://");

	ck_assert_ptr_nonnull(p);
	p = strchr(p + 3, '/');
	ck_assert_ptr_nonnull(p);
	return p;
}

/*
 * Upload bytes raw as user u with filename name; the image id is copied
 * to id.
 */
static void
upload_bytes(const void *bytes, size_t len, const char *name,
    char id[IMAGE_ID_SIZE])
{
	static const char *const hdrs[] = { "Content-Type: image/*", NULL };
	struct reply	 r;
	char		 path[256];

	snprintf(path, sizeof(path), "/images?user_id=u&filename=%s", name);
	http_do(&r, "POST", path, hdrs, bytes, len);
	ck_assert_msg(r.status == 201, "upload %s: %ld %s", name, r.status,
	    r.body.data);
	snprintf(id, IMAGE_ID_SIZE, "%s", str(r.json, "image_id"));
	reply_free(&r);
}

static void
upload_file(const char *path, const char *name, char id[IMAGE_ID_SIZE])
{
	size_t	 len;
	char	*bytes = read_file(path, &len);

	upload_bytes(bytes, len, name, id);
	free(bytes);
}

static int
rendition_files(void)
{
	char	 dir[PATH_MAX + 64];

	snprintf(dir, sizeof(dir), "%s/_renditions", test_daemon->data_dir);
	return count_files(dir);
}

static uint64_t
renders_made(void)
{
	uint64_t	 count, bytes, made;

	rendcache_usage(test_daemon->renditions, &count, &bytes, &made);
	return made;
}

static void
sniff_reply(const struct reply *r, enum img_kind *kind, uint32_t *w,
    uint32_t *h)
{
	struct img_sniff	 s;

	img_sniff_init(&s);
	img_sniff_feed(&s, r->body.data, r->body.len);
	*kind = img_sniff_kind(&s);
	*w = *h = 0;
	img_sniff_dims(&s, w, h);
}

/* GET path and expect an image of kind and size w x h. */
static void
expect_image(const char *path, const char *mime, enum img_kind kind,
    uint32_t w, uint32_t h)
{
	struct reply	 r;
	enum img_kind	 k;
	uint32_t	 gw, gh;

	http_get(&r, path);
	ck_assert_msg(r.status == 200, "%s: %ld %s", path, r.status,
	    r.body.data);
	ck_assert_str_eq(reply_header(&r, "Content-Type"), mime);
	sniff_reply(&r, &k, &gw, &gh);
	ck_assert_msg(k == kind && gw == w && gh == h, "%s: kind %d %ux%u, "
	    "want %d %ux%u", path, (int)k, (unsigned)gw, (unsigned)gh,
	    (int)kind, (unsigned)w, (unsigned)h);
	ck_assert_ptr_nonnull(reply_header(&r, "ETag"));
	ck_assert_str_eq(reply_header(&r, "Cache-Control"), "private");
	reply_free(&r);
}

/* --- sizes, formats, the cache ------------------------------------------- */

START_TEST(test_sizes_and_formats)
{
	char	 id[IMAGE_ID_SIZE], path[256];

	upload_file("data/sample.jpg", "photo.jpg", id);
#define GET(q) (snprintf(path, sizeof(path), "/images/%s?download=true&%s", \
	id, q), path)
	expect_image(GET("w=8"), "image/jpeg", IMG_KIND_JPEG, 8, 6);
	expect_image(GET("h=24"), "image/jpeg", IMG_KIND_JPEG, 32, 24);
	expect_image(GET("w=10&h=10&fit=cover"), "image/jpeg", IMG_KIND_JPEG,
	    10, 10);
	expect_image(GET("w=10&h=10&fit=contain&format=png"), "image/png",
	    IMG_KIND_PNG, 10, 10);
	expect_image(GET("w=7&h=9&fit=fill&format=webp&q=40"), "image/webp",
	    IMG_KIND_WEBP, 7, 9);
	expect_image(GET("w=8&h=100&fit=inside"), "image/jpeg",
	    IMG_KIND_JPEG, 8, 6);
	/* rendition= works for download too; given parameters override it. */
	expect_image(GET("rendition=w12:png"), "image/png",
	    IMG_KIND_PNG, 12, 9);
	expect_image(GET("rendition=w12:png&format=webp"), "image/webp",
	    IMG_KIND_WEBP, 12, 9);
	/* Without Accept: image/..., still the rendition's bytes. */
	ck_assert_int_eq(rendition_files(), 8);
	ck_assert_uint_eq(renders_made(), 8);
	/* Under a stage prefix, the same. */
	snprintf(path, sizeof(path), "/dev/images/%s?download=true&w=8", id);
	expect_image(path, "image/jpeg", IMG_KIND_JPEG, 8, 6);
	ck_assert_uint_eq(renders_made(), 8);	/* a hit: not made again */
#undef GET
}
END_TEST

START_TEST(test_orientation_alpha_animation)
{
	char	 id[IMAGE_ID_SIZE], path[256];

	upload_file("data/sample-rotated.jpg", "r.jpg", id);
	snprintf(path, sizeof(path), "/images/%s?download=true&h=16", id);
	expect_image(path, "image/jpeg", IMG_KIND_JPEG, 12, 16);
	upload_file("data/sample-animated.gif", "a.gif", id);
	snprintf(path, sizeof(path), "/images/%s?download=true&w=22", id);
	expect_image(path, "image/png", IMG_KIND_PNG, 22, 16);
	upload_file("data/sample-alpha.webp", "a.webp", id);
	snprintf(path, sizeof(path), "/images/%s?download=true&w=8", id);
	expect_image(path, "image/webp", IMG_KIND_WEBP, 8, 6);
}
END_TEST

START_TEST(test_cache_conditional_range)
{
	static const char *const range[] = { "Range: bytes=0-9", NULL };
	struct reply	 a, b;
	char		 id[IMAGE_ID_SIZE], path[256], inm[256];
	const char	*hdrs[2] = { inm, NULL };

	upload_file("data/sample.png", "p.png", id);
	snprintf(path, sizeof(path), "/images/%s?download=true&w=16", id);
	http_get(&a, path);
	ck_assert_int_eq(a.status, 200);
	http_get(&b, path);
	ck_assert_int_eq(b.status, 200);
	ck_assert_uint_eq(renders_made(), 1);
	ck_assert_uint_eq(a.body.len, b.body.len);
	ck_assert(memcmp(a.body.data, b.body.data, a.body.len) == 0);
	ck_assert_str_eq(reply_header(&a, "ETag"), reply_header(&b, "ETag"));
	ck_assert_ptr_nonnull(strstr(reply_header(&a, "Content-Disposition"),
	    "filename=\"p.png\""));
	snprintf(inm, sizeof(inm), "If-None-Match: %s",
	    reply_header(&a, "ETag"));
	reply_free(&b);
	http_do(&b, "GET", path, hdrs, NULL, 0);
	ck_assert_int_eq(b.status, 304);
	reply_free(&b);
	http_do(&b, "GET", path, range, NULL, 0);
	ck_assert_int_eq(b.status, 206);
	ck_assert_uint_eq(b.body.len, 10);
	ck_assert(memcmp(b.body.data, a.body.data, 10) == 0);
	reply_free(&b);
	/* Another size is another rendition, with another ETag. */
	snprintf(path, sizeof(path), "/images/%s?download=true&w=17", id);
	http_get(&b, path);
	ck_assert_int_eq(b.status, 200);
	snprintf(inm, sizeof(inm), "%s", reply_header(&a, "ETag"));
	ck_assert_str_ne(inm, reply_header(&b, "ETag"));
	reply_free(&b);
	reply_free(&a);
}
END_TEST

/* --- signed rendition URLs ------------------------------------------------ */

/* Replace the first "from" in s by "to" (a new string). */
static char *
replaced(const char *s, const char *from, const char *to)
{
	const char	*at = strstr(s, from);
	char		*out;

	ck_assert_ptr_nonnull(at);
	ck_assert_int_ge(asprintf(&out, "%.*s%s%s", (int)(at - s), s, to,
	    at + strlen(from)), 0);
	return out;
}

START_TEST(test_signed_rendition_urls)
{
	struct reply	 r, d;
	char		 id[IMAGE_ID_SIZE], path[256], *bad;
	const char	*url;
	size_t		 len;
	char		*orig = read_file("data/sample.jpg", &len);

	upload_file("data/sample.jpg", "s.jpg", id);
	snprintf(path, sizeof(path), "/images/%s?rendition=w8", id);
	http_get(&r, path);
	ck_assert_int_eq(r.status, 200);
	url = url_path(str(r.json, "download_url"));
	ck_assert_ptr_nonnull(strstr(url, "?w=8&fit=inside&format=jpeg&q=82&"
	    "expires="));
	expect_image(url, "image/jpeg", IMG_KIND_JPEG, 8, 6);
	/* Altered into another size, format or quality: refused. */
	bad = replaced(url, "w=8", "w=9");
	http_get(&d, bad);
	ck_assert_int_eq(d.status, 403);
	ck_assert_str_eq(reply_code(&d), "FORBIDDEN");
	reply_free(&d);
	free(bad);
	bad = replaced(url, "format=jpeg", "format=png");
	http_get(&d, bad);
	ck_assert_int_eq(d.status, 403);
	reply_free(&d);
	free(bad);
	bad = replaced(url, "q=82", "q=81");
	http_get(&d, bad);
	ck_assert_int_eq(d.status, 403);
	reply_free(&d);
	free(bad);
	/* Nor can its signature fetch the original. */
	bad = replaced(url, "w=8&fit=inside&format=jpeg&q=82&", "");
	http_get(&d, bad);
	ck_assert_int_eq(d.status, 403);
	reply_free(&d);
	free(bad);
	reply_free(&r);
	/* A plain URL still gives the original. */
	snprintf(path, sizeof(path), "/images/%s", id);
	http_get(&r, path);
	http_get(&d, url_path(str(r.json, "download_url")));
	ck_assert_int_eq(d.status, 200);
	ck_assert_uint_eq(d.body.len, len);
	ck_assert(memcmp(d.body.data, orig, len) == 0);
	reply_free(&d);
	reply_free(&r);
	/* The same rendition asked two ways is one rendition. */
	snprintf(path, sizeof(path),
	    "/images/%s?download=true&w=8&format=jpeg", id);
	http_get(&d, path);
	ck_assert_int_eq(d.status, 200);
	ck_assert_uint_eq(renders_made(), 1);
	reply_free(&d);
	free(orig);
}
END_TEST

static void
presets_setup(void)
{
	static const char *const settings[] = {
		"renditions=thumb:8x8:cover:webp, wide:w20:png", NULL };

	harness_start_with(settings);
}

START_TEST(test_presets)
{
	struct reply	 r;
	char		 id[IMAGE_ID_SIZE], path[256];

	upload_file("data/sample.jpg", "s.jpg", id);
	snprintf(path, sizeof(path), "/images/%s?rendition=thumb", id);
	http_get(&r, path);
	ck_assert_int_eq(r.status, 200);
	expect_image(url_path(str(r.json, "download_url")), "image/webp",
	    IMG_KIND_WEBP, 8, 8);
	reply_free(&r);
	snprintf(path, sizeof(path),
	    "/images/%s?download=true&rendition=wide", id);
	expect_image(path, "image/png", IMG_KIND_PNG, 20, 15);
	snprintf(path, sizeof(path), "/images/%s?rendition=nope", id);
	http_get(&r, path);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(reply_field(&r), "rendition");
	reply_free(&r);
}
END_TEST

/* --- removal and eviction ------------------------------------------------- */

START_TEST(test_removed_with_image)
{
	struct reply	 r;
	char		 id[IMAGE_ID_SIZE], other[IMAGE_ID_SIZE], path[256];

	upload_file("data/sample.jpg", "s.jpg", id);
	upload_file("data/sample.png", "o.png", other);
	snprintf(path, sizeof(path), "/images/%s?download=true&w=8", id);
	expect_image(path, "image/jpeg", IMG_KIND_JPEG, 8, 6);
	snprintf(path, sizeof(path), "/images/%s?download=true&w=4", id);
	expect_image(path, "image/jpeg", IMG_KIND_JPEG, 4, 3);
	snprintf(path, sizeof(path), "/images/%s?download=true&w=8", other);
	expect_image(path, "image/png", IMG_KIND_PNG, 8, 6);
	ck_assert_int_eq(rendition_files(), 3);
	snprintf(path, sizeof(path), "/images/%s", id);
	http_do(&r, "DELETE", path, NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	ck_assert_int_eq(rendition_files(), 1);	/* the other image's stays */
	snprintf(path, sizeof(path), "/images/%s?download=true&w=8", id);
	http_get(&r, path);
	ck_assert_int_eq(r.status, 404);
	reply_free(&r);
}
END_TEST

/* Sizes of three renditions, measured on a daemon with room for all. */
static long	 size_a, size_b, size_c;

static long
rendition_size(const char *id, const char *q)
{
	struct reply	 r;
	char		 path[256];
	long		 n;

	snprintf(path, sizeof(path), "/images/%s?download=true&%s", id, q);
	http_get(&r, path);
	ck_assert_int_eq(r.status, 200);
	n = (long)r.body.len;
	reply_free(&r);
	return n;
}

static bool
kept(const char *id, const char *canon)
{
	char	 path[PATH_MAX + 128];

	snprintf(path, sizeof(path), "%s/_renditions/%s/%s",
	    test_daemon->data_dir, id, canon);
	return access(path, F_OK) == 0;
}

START_TEST(test_lru_eviction)
{
	char	 id[IMAGE_ID_SIZE], setting[64];
	const char *settings[] = { setting, NULL };

	harness_start();
	upload_file("data/sample.jpg", "s.jpg", id);
	size_a = rendition_size(id, "w=30&format=png");
	size_b = rendition_size(id, "w=31&format=png");
	size_c = rendition_size(id, "w=32&format=png");
	harness_stop();

	/* Room for any two of them, not for all three. */
	snprintf(setting, sizeof(setting), "rendition_cache_size=%ld",
	    size_a + size_b + size_c - 1);
	harness_start_with(settings);
	upload_file("data/sample.jpg", "s.jpg", id);
	ck_assert_int_eq(rendition_size(id, "w=30&format=png"), size_a);
	ck_assert_int_eq(rendition_size(id, "w=31&format=png"), size_b);
	ck_assert(kept(id, "30x0-inside.png") && kept(id, "31x0-inside.png"));
	/* A is used again, so B is now the least recently used. */
	ck_assert_int_eq(rendition_size(id, "w=30&format=png"), size_a);
	ck_assert_int_eq(rendition_size(id, "w=32&format=png"), size_c);
	ck_assert(kept(id, "30x0-inside.png"));
	ck_assert(!kept(id, "31x0-inside.png"));
	ck_assert(kept(id, "32x0-inside.png"));
	ck_assert_int_eq(rendition_files(), 2);
	/* Evicted is not lost: asked again, it is made again. */
	ck_assert_int_eq(rendition_size(id, "w=31&format=png"), size_b);
	ck_assert_uint_eq(renders_made(), 4);
	harness_stop();
}
END_TEST

/* --- concurrency ---------------------------------------------------------- */

struct fetch {
	char		 url[512];
	long		 status;
	char		 retry_after[16];
	struct buf	 body;
};

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	return buf_add(arg, p, size * n) == IMG_OK ? size * n : 0;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct fetch	*f = arg;

	if (size * n > 13 && strncasecmp(p, "Retry-After: ", 13) == 0)
		snprintf(f->retry_after, sizeof(f->retry_after), "%.*s",
		    (int)strcspn(p + 13, "\r\n"), p + 13);
	return size * n;
}

static void *
fetch_one(void *arg)
{
	struct fetch	*f = arg;
	CURL		*c = curl_easy_init();

	buf_init(&f->body, (size_t)16 << 20);
	curl_easy_setopt(c, CURLOPT_URL, f->url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &f->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->status);
	curl_easy_cleanup(c);
	return NULL;
}

static void
fetch_all(struct fetch *f, size_t n)
{
	pthread_t	*t = calloc(n, sizeof(*t));
	size_t		 i;

	ck_assert_ptr_nonnull(t);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, fetch_one,
		    &f[i]), 0);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
}

START_TEST(test_concurrent_same_rendition_made_once)
{
	struct fetch	 f[8];
	char		 id[IMAGE_ID_SIZE];
	size_t		 i;

	upload_file("data/sample-progressive.jpg", "p.jpg", id);
	memset(f, 0, sizeof(f));
	for (i = 0; i < NITEMS(f); i++)
		snprintf(f[i].url, sizeof(f[i].url), "%s/images/%s?download="
		    "true&w=64&format=webp", imaged_url(test_daemon), id);
	fetch_all(f, NITEMS(f));
	for (i = 0; i < NITEMS(f); i++) {
		ck_assert_msg(f[i].status == 200 && f[i].body.len > 0 &&
		    f[i].body.len == f[0].body.len, "request %zu: %ld, %zu "
		    "bytes, first %zu", i, f[i].status, f[i].body.len,
		    f[0].body.len);
		ck_assert(memcmp(f[i].body.data, f[0].body.data,
		    f[0].body.len) == 0);
	}
	for (i = 0; i < NITEMS(f); i++)
		buf_free(&f[i].body);
	ck_assert_uint_eq(renders_made(), 1);
	ck_assert_int_eq(rendition_files(), 1);
}
END_TEST

/*
 * A PNG of w x h grey pixels in stored (uncompressed) deflate blocks: big
 * enough to take a render some time, made without a compressor.
 */
static unsigned char *
big_png(uint32_t w, uint32_t h, size_t *lenp)
{
	size_t		 row = 1 + (size_t)w * 3, raw = row * h;
	size_t		 nblocks = (raw + 65534) / 65535;
	size_t		 zlen = 2 + raw + nblocks * 5 + 4,
	    cap = 8 + 25 + 12 + zlen + 12;
	unsigned char	*p = malloc(cap), *z;
	uint32_t	 a = 1, b = 0, crc;
	size_t		 i, off, n, k;

	ck_assert_ptr_nonnull(p);
	memcpy(p, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
	p[16] = (unsigned char)(w >> 24); p[17] = (unsigned char)(w >> 16);
	p[18] = (unsigned char)(w >> 8); p[19] = (unsigned char)w;
	p[20] = (unsigned char)(h >> 24); p[21] = (unsigned char)(h >> 16);
	p[22] = (unsigned char)(h >> 8); p[23] = (unsigned char)h;
	memcpy(p + 24, "\x08\x02\0\0\0", 5);
	off = 33;
	p[off] = (unsigned char)(zlen >> 24);
	p[off + 1] = (unsigned char)(zlen >> 16);
	p[off + 2] = (unsigned char)(zlen >> 8);
	p[off + 3] = (unsigned char)zlen;
	memcpy(p + off + 4, "IDAT", 4);
	z = p + off + 8;
	z[0] = 0x78;
	z[1] = 0x01;
	k = 2;
	for (i = 0; i < raw; i += n) {
		n = raw - i > 65535 ? 65535 : raw - i;
		z[k++] = i + n == raw;
		z[k++] = (unsigned char)n;
		z[k++] = (unsigned char)(n >> 8);
		z[k++] = (unsigned char)~n;
		z[k++] = (unsigned char)(~n >> 8);
		memset(z + k, 0x80, n);
		for (size_t j = 0; j < n; j++) {
			unsigned char v = (i + j) % row == 0 ? 0 : 0x80;

			z[k + j] = v;
			a = (a + v) % 65521;
			b = (b + a) % 65521;
		}
		k += n;
	}
	z[k++] = (unsigned char)(b >> 8);
	z[k++] = (unsigned char)b;
	z[k++] = (unsigned char)(a >> 8);
	z[k++] = (unsigned char)a;
	/* CRCs: IHDR, then IDAT. */
	for (int chunk = 0; chunk < 2; chunk++) {
		const unsigned char *s = chunk == 0 ? p + 12 : p + off + 4;
		size_t len = chunk == 0 ? 17 : 4 + zlen;
		unsigned char *at = chunk == 0 ? p + 29 : p + off + 8 + zlen;

		crc = 0xffffffffu;
		for (i = 0; i < len; i++) {
			crc ^= s[i];
			for (int bit = 0; bit < 8; bit++)
				crc = (crc >> 1) ^
				    (0xedb88320u & (0u - (crc & 1)));
		}
		crc ^= 0xffffffffu;
		at[0] = (unsigned char)(crc >> 24);
		at[1] = (unsigned char)(crc >> 16);
		at[2] = (unsigned char)(crc >> 8); at[3] = (unsigned char)crc;
	}
	off = off + 8 + zlen + 4;
	memcpy(p + off, "\0\0\0\0IEND\xae\x42\x60\x82", 12);
	*lenp = off + 12;
	return p;
}

static void
one_worker_setup(void)
{
	static const char *const settings[] = { "render_workers=1",
	    "max_file_size=64M", NULL };

	harness_start_with(settings);
}

START_TEST(test_full_queue_is_503)
{
	struct fetch	 f[48];
	unsigned char	*png;
	size_t		 len, i;
	int		 ok = 0, busy = 0;
	char		 id[IMAGE_ID_SIZE];

	png = big_png(1500, 1500, &len);
	upload_bytes(png, len, "big.png", id);
	free(png);
	memset(f, 0, sizeof(f));
	for (i = 0; i < NITEMS(f); i++)
		snprintf(f[i].url, sizeof(f[i].url), "%s/images/%s?download="
		    "true&w=%zu", imaged_url(test_daemon), id, 100 + i);
	fetch_all(f, NITEMS(f));
	for (i = 0; i < NITEMS(f); i++) {
		if (f[i].status == 200)
			ok++;
		else {
			ck_assert_int_eq(f[i].status, 503);
			ck_assert_ptr_nonnull(strstr(f[i].body.data,
			    "SERVICE_UNAVAILABLE"));
			ck_assert_str_eq(f[i].retry_after, "1");
			busy++;
		}
		buf_free(&f[i].body);
	}
	/* One rendering and 16 waiting at most; the rest were turned away. */
	ck_assert_int_ge(ok, 1);
	ck_assert_int_ge(busy, 1);
	ck_assert_int_eq(rendition_files(), ok);
	{
		struct reply	 r;

		http_get(&r, "/healthz");
		ck_assert_int_eq(r.status, 200);
		reply_free(&r);
	}
}
END_TEST

START_TEST(test_delete_while_rendering)
{
	struct fetch	 f;
	struct reply	 r;
	unsigned char	*png;
	pthread_t	 t;
	size_t		 len;
	char		 id[IMAGE_ID_SIZE], path[256];

	png = big_png(2500, 2500, &len);
	upload_bytes(png, len, "big.png", id);
	free(png);
	memset(&f, 0, sizeof(f));
	snprintf(f.url, sizeof(f.url), "%s/images/%s?download=true&w=64",
	    imaged_url(test_daemon), id);
	ck_assert_int_eq(pthread_create(&t, NULL, fetch_one, &f), 0);
	while (renderpool_pending(test_daemon->render_pool) == 0)
		usleep(1000);
	snprintf(path, sizeof(path), "/images/%s", id);
	http_do(&r, "DELETE", path, NULL, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	pthread_join(t, NULL);
	/* The render ended after the delete: nothing kept, and a 404. */
	ck_assert_int_eq(f.status, 404);
	ck_assert_int_eq(rendition_files(), 0);
	buf_free(&f.body);
}
END_TEST

/* --- bad input ------------------------------------------------------------ */

static const struct {
	const char	*query;
	const char	*field;
} bad_params[] = {
	{ "w=0", "w" },
	{ "w=-5", "w" },
	{ "w=abc", "w" },
	{ "w=12px", "w" },
	{ "w=4097", "w" },
	{ "w=99999999999999999999", "w" },
	{ "h=0", "h" },
	{ "h=-1", "h" },
	{ "h=x", "h" },
	{ "h=5000", "h" },
	{ "w=10&fit=stretch", "fit" },
	{ "w=10&fit=COVER", "fit" },
	{ "w=10&format=gif", "format" },
	{ "w=10&format=tiff", "format" },
	{ "w=10&q=0", "q" },
	{ "w=10&q=101", "q" },
	{ "w=10&q=high", "q" },
	{ "w=10&q=-3", "q" },
	{ "fit=cover", "w" },
	{ "format=png", "w" },
	{ "rendition=huge", "rendition" },
	{ "rendition=0x0", "rendition" },
	{ "rendition=w10:cover:cover", "rendition" },
	/* 4:3 source: h=4096 would be 5461 wide */
	{ "h=4096", "w" },
};

static char	 bad_id[IMAGE_ID_SIZE];

static void
bad_setup(void)
{
	harness_start();
	upload_file("data/sample.jpg", "s.jpg", bad_id);
}

START_TEST(test_bad_params)
{
	struct reply	 r;
	char		 path[256];
	int		 k;

	/* As a download, as a record's URL, and on a signed URL. */
	for (k = 0; k < 3; k++) {
		if (k == 2 &&
		    strncmp(bad_params[_i].query, "rendition=", 10) == 0)
			continue;	/* a signed URL takes no rendition= */
		if (k == 0)
			snprintf(path, sizeof(path),
			    "/images/%s?download=true&%s", bad_id,
			    bad_params[_i].query);
		else if (k == 1)
			snprintf(path, sizeof(path), "/images/%s?%s", bad_id,
			    bad_params[_i].query);
		else
			snprintf(path, sizeof(path),
			    "/blobs/images/u/%s.jpg?%s&"
			    "expires=9999999999&signature=%064d", bad_id,
			    bad_params[_i].query, 0);
		http_get(&r, path);
		if (k != 0 && strcmp(bad_params[_i].query, "h=4096") == 0) {
			/*
			 * Only a render finds the size too large: a record's
			 * URL is made, and an unsigned URL is refused.
			 */
			ck_assert_int_eq(r.status, k == 1 ? 200 : 403);
			reply_free(&r);
			continue;
		}
		ck_assert_msg(r.status == 400, "%s: %ld %s", path, r.status,
		    r.body.data);
		ck_assert_str_eq(reply_code(&r), "VALIDATION_ERROR");
		ck_assert_msg(strcmp(reply_field(&r), bad_params[_i].field) ==
		    0, "%s: field %s", path, reply_field(&r));
		ck_assert_str_eq(reply_header(&r, "Content-Type"),
		    "application/json; charset=utf-8");
		reply_free(&r);
	}
	ck_assert_int_eq(rendition_files(), 0);
}
END_TEST

START_TEST(test_unreadable_headers)
{
	static const char *const files[] = { "data/bad/corrupt-sof.jpg",
	    "data/bad/short-ihdr.png" };
	struct reply	 r, u;
	char		 id[IMAGE_ID_SIZE], path[256];
	size_t		 i;

	for (i = 0; i < NITEMS(files); i++) {
		upload_file(files[i], strstr(files[i], "sof") ? "c.jpg" :
		    "c.png", id);
		snprintf(path, sizeof(path),
		    "/images/%s?download=true&w=8", id);
		http_get(&r, path);
		ck_assert_int_eq(r.status, 400);
		ck_assert_str_eq(reply_code(&r), "VALIDATION_ERROR");
		ck_assert_str_eq(reply_field(&r), "image");
		reply_free(&r);
		snprintf(path, sizeof(path), "/images/%s?rendition=w8", id);
		http_get(&u, path);
		/* a URL is only a URL */
		ck_assert_int_eq(u.status, 200);
		http_get(&r, url_path(str(u.json, "download_url")));
		ck_assert_int_eq(r.status, 400);
		ck_assert_str_eq(reply_field(&r), "image");
		reply_free(&r);
		reply_free(&u);
	}
	ck_assert_int_eq(rendition_files(), 0);
}
END_TEST

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

START_TEST(test_bombs_and_pixel_limit)
{
	unsigned char	 png[64], gif[40];
	struct reply	 r;
	char		 id[IMAGE_ID_SIZE], path[256];
	uint32_t	 crc = 0xffffffffu;
	int		 i, bit;

	/* A PNG claiming 100000 x 100000, with a valid IHDR. */
	memcpy(png, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
	put32(png + 16, 100000);
	put32(png + 20, 100000);
	memcpy(png + 24, "\x08\x02\0\0\0", 5);
	for (i = 12; i < 29; i++) {
		crc ^= png[i];
		for (bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	put32(png + 29, crc ^ 0xffffffffu);
	memcpy(png + 33, "\0\0\0\0IEND\xae\x42\x60\x82", 12);
	upload_bytes(png, 45, "bomb.png", id);
	snprintf(path, sizeof(path), "/images/%s?download=true&w=64", id);
	http_get(&r, path);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(reply_field(&r), "image");
	ck_assert_ptr_nonnull(strstr(reply_header(&r, "Content-Type"), "json"));
	reply_free(&r);
	/* A GIF claiming 65535 x 65535. */
	memcpy(gif, "GIF89a\xff\xff\xff\xff\x80\0\0\0\0\0\xff\xff\xff"
	    "\x2c\0\0\0\0\xff\xff\xff\xff\0\x02\x02\x44\x01\0\x3b", 35);
	upload_bytes(gif, 35, "bomb.gif", id);
	snprintf(path, sizeof(path), "/images/%s?download=true&w=64", id);
	http_get(&r, path);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(reply_field(&r), "image");
	reply_free(&r);
	ck_assert_int_eq(rendition_files(), 0);
	ck_assert_uint_eq(renders_made(), 0);	/* refused before any render */
}
END_TEST

static void
no_magic_setup(void)
{
	static const char *const settings[] = { "check_magic=off", NULL };

	harness_start_with(settings);
}

/* With check_magic off, any bytes are stored under an image's name. */
START_TEST(test_non_image)
{
	struct reply	 r;
	char		 id[IMAGE_ID_SIZE], path[256];

	upload_file("data/bad/not-an-image.png", "text.png", id);
	snprintf(path, sizeof(path), "/images/%s?download=true&w=8", id);
	http_get(&r, path);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(reply_code(&r), "VALIDATION_ERROR");
	ck_assert_str_eq(reply_field(&r), "image");
	reply_free(&r);
	ck_assert_int_eq(rendition_files(), 0);
}
END_TEST

static void
small_pixels_setup(void)
{
	static const char *const settings[] = { "rendition_max_pixels=100",
	    NULL };

	harness_start_with(settings);
}

START_TEST(test_pixel_limit_setting)
{
	struct reply	 r;
	char		 id[IMAGE_ID_SIZE], path[256];

	upload_file("data/sample.jpg", "s.jpg", id);	/* 192 pixels */
	snprintf(path, sizeof(path), "/images/%s?download=true&w=8", id);
	http_get(&r, path);
	ck_assert_int_eq(r.status, 400);
	ck_assert_str_eq(reply_field(&r), "image");
	reply_free(&r);
	upload_file("data/sample.png", "s.png", id);	/* 48 pixels */
	snprintf(path, sizeof(path), "/images/%s?download=true&w=8", id);
	expect_image(path, "image/png", IMG_KIND_PNG, 8, 6);
}
END_TEST

START_TEST(test_corrupt_source_is_422)
{
	static const char *const accept[] = { "Accept: image/*", NULL };
	struct reply	 r;
	char		 id[IMAGE_ID_SIZE], path[256], *bytes;
	size_t		 len;

	/* A good header over a scan cut short. */
	bytes = read_file("data/sample.jpg", &len);
	upload_bytes(bytes, len - 16, "cut.jpg", id);
	snprintf(path, sizeof(path), "/images/%s?download=true&w=8", id);
	http_get(&r, path);
	ck_assert_int_eq(r.status, 422);
	ck_assert_str_eq(reply_code(&r), "UNPROCESSABLE_IMAGE");
	ck_assert_str_eq(reply_header(&r, "Content-Type"),
	    "application/json; charset=utf-8");
	reply_free(&r);
	ck_assert_int_eq(rendition_files(), 0);
	/* The original still downloads. */
	snprintf(path, sizeof(path), "/images/%s?download=true", id);
	http_do(&r, "GET", path, accept, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.body.len, len - 16);
	ck_assert(memcmp(r.body.data, bytes, len - 16) == 0);
	reply_free(&r);
	free(bytes);
}
END_TEST

Suite *
renditions_suite(void)
{
	Suite	*s = suite_create("renditions");
	TCase	*tc = tcase_create("renditions");

	tcase_add_checked_fixture(tc, harness_start, harness_stop);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_sizes_and_formats);
	tcase_add_test(tc, test_orientation_alpha_animation);
	tcase_add_test(tc, test_cache_conditional_range);
	tcase_add_test(tc, test_signed_rendition_urls);
	tcase_add_test(tc, test_removed_with_image);
	tcase_add_test(tc, test_concurrent_same_rendition_made_once);
	suite_add_tcase(s, tc);
	tc = tcase_create("presets");
	tcase_add_checked_fixture(tc, presets_setup, harness_stop);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_presets);
	suite_add_tcase(s, tc);
	tc = tcase_create("eviction");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_lru_eviction);
	suite_add_tcase(s, tc);
	tc = tcase_create("queue");
	tcase_add_checked_fixture(tc, one_worker_setup, harness_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_full_queue_is_503);
	tcase_add_test(tc, test_delete_while_rendering);
	suite_add_tcase(s, tc);
	return s;
}

Suite *
renditions_errors_suite(void)
{
	Suite	*s = suite_create("renditions_errors");
	TCase	*tc = tcase_create("bad input");

	tcase_add_checked_fixture(tc, bad_setup, harness_stop);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_bad_params, 0, (int)NITEMS(bad_params));
	suite_add_tcase(s, tc);
	tc = tcase_create("sources");
	tcase_add_checked_fixture(tc, harness_start, harness_stop);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_unreadable_headers);
	tcase_add_test(tc, test_bombs_and_pixel_limit);
	tcase_add_test(tc, test_corrupt_source_is_422);
	suite_add_tcase(s, tc);
	tc = tcase_create("non-image");
	tcase_add_checked_fixture(tc, no_magic_setup, harness_stop);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_non_image);
	suite_add_tcase(s, tc);
	tc = tcase_create("pixel limit");
	tcase_add_checked_fixture(tc, small_pixels_setup, harness_stop);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_pixel_limit_setting);
	suite_add_tcase(s, tc);
	return s;
}
