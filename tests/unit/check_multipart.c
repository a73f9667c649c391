/*
 * check_multipart.c: multipart/form-data bodies as curl and browsers send
 * them, fed whole and in pieces of every small size, must give the same
 * parts and bytes; broken framing, bad headers and limits must be refused.
 *
 * Every callback appends to one log (a begin marker with the part's name,
 * filename and content type, the data, an end marker), so a whole parse
 * is checked by comparing its log with one built from the expected parts.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imaged/buf.h"
#include "imaged/multipart.h"

Suite	*multipart_suite(void);

#define CURL_BOUNDARY	"------------------------d74496d66958873e"
#define TEN		"0123456789"

struct rec {
	struct buf	 log;
	size_t		 nbegin, ndata, nend;
	size_t		 data_bytes;
	/* part_data fails past this; 0: never */
	size_t		 data_limit;
	enum img_err	 begin_err, end_err;
};

/* An expected part, and the header block that announces it. */
struct tpart {
	const char	*headers;	/* including the empty line */
	const char	*data;
	size_t		 len;
	const char	*name, *filename, *type;
};

static void
log_begin(struct buf *b, const char *name, const char *filename,
    const char *type)
{
	ck_assert_int_eq(buf_printf(b, "<begin name=%s filename%s%s type%s%s>",
	    name, filename ? "=" : " none", filename ? filename : "",
	    type ? "=" : " none", type ? type : ""), IMG_OK);
}

static void
log_end(struct buf *b)
{
	ck_assert_int_eq(buf_adds(b, "<end>"), IMG_OK);
}

static enum img_err
cb_begin(void *arg, const struct multipart_part *p)
{
	struct rec	*r = arg;

	ck_assert_ptr_nonnull(p->name);
	log_begin(&r->log, p->name, p->filename, p->content_type);
	r->nbegin++;
	return r->begin_err;
}

static enum img_err
cb_data(void *arg, const char *p, size_t n)
{
	struct rec	*r = arg;

	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(buf_add(&r->log, p, n), IMG_OK);
	r->ndata++;
	r->data_bytes += n;
	if (r->data_limit > 0 && r->data_bytes > r->data_limit)
		return IMG_ETOOBIG;
	return IMG_OK;
}

static enum img_err
cb_end(void *arg)
{
	struct rec	*r = arg;

	log_end(&r->log);
	r->nend++;
	return r->end_err;
}

static const struct multipart_cb rec_cb = { cb_begin, cb_data, cb_end };

static void
rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->log, 64u << 20);
}

/*
 * Parse body[0..n) in pieces of chunk bytes (0: whole); the first error
 * of a feed, or else multipart_end's result.  *nfeeds counts the feeds.
 */
static enum img_err
parse(const char *boundary, const char *body, size_t n, size_t chunk,
    struct rec *r, size_t *nfeeds)
{
	struct multipart	*m;
	enum img_err		 e = IMG_OK;
	size_t			 i, take, feeds = 0;

	m = multipart_new(boundary, &rec_cb, r);
	ck_assert_ptr_nonnull(m);
	if (chunk == 0)
		chunk = n > 0 ? n : 1;
	for (i = 0; i < n && e == IMG_OK; i += take) {
		take = n - i < chunk ? n - i : chunk;
		e = multipart_feed(m, body + i, take);
		feeds++;
	}
	if (e == IMG_OK)
		e = multipart_end(m);
	multipart_free(m);
	if (nfeeds != NULL)
		*nfeeds = feeds;
	return e;
}

/* The body a client sends for parts, between a preamble and an epilogue. */
static void
build_body(struct buf *b, const char *boundary, const char *pre,
    const struct tpart *parts, size_t nparts, const char *epi)
{
	size_t	 k;

	buf_init(b, 64u << 20);
	ck_assert_int_eq(buf_adds(b, pre), IMG_OK);
	for (k = 0; k < nparts; k++) {
		ck_assert_int_eq(buf_printf(b, "--%s\r\n%s", boundary,
		    parts[k].headers), IMG_OK);
		ck_assert_int_eq(buf_add(b, parts[k].data, parts[k].len),
		    IMG_OK);
		ck_assert_int_eq(buf_adds(b, "\r\n"), IMG_OK);
	}
	ck_assert_int_eq(buf_printf(b, "--%s--%s", boundary, epi), IMG_OK);
}

static void
build_log(struct buf *b, const struct tpart *parts, size_t nparts)
{
	size_t	 k;

	buf_init(b, 64u << 20);
	for (k = 0; k < nparts; k++) {
		log_begin(b, parts[k].name, parts[k].filename, parts[k].type);
		ck_assert_int_eq(buf_add(b, parts[k].data, parts[k].len),
		    IMG_OK);
		log_end(b);
	}
}

static void
assert_log(const struct rec *r, const struct buf *want)
{
	ck_assert_uint_eq(r->log.len, want->len);
	ck_assert_msg(want->len == 0 ||
	    memcmp(r->log.data, want->data, want->len) == 0,
	    "callbacks saw other parts than were sent");
}

/*
 * Image bytes with CR, LF, "--", and pieces of the delimiter that stop
 * short of it: each must pass as content, whatever the feed sizes.
 */
static const char file_bytes[] =
    "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\r\n--\r\n\r\n-\r\r\n--"
    "\r\n--------------------------d7449x"
    "--" CURL_BOUNDARY "\r\n"		/* no CR LF before it */
    "\n--" CURL_BOUNDARY "\r\n"		/* LF alone before it */
    "\r\n--" "------------------------d74496d66958873\r\n"
    "\r\n--bound\xff\xfe\r\n--\r\r\n--------------------------d74";

static const struct tpart curl_parts[] = {
	{ "Content-Disposition: form-data; name=\"user_id\"\r\n\r\n",
	    "user123", 7, "user_id", NULL, NULL },
	{ "Content-Disposition: form-data; name=\"title\"\r\n\r\n",
	    "Sunset\r\nover -- the sea", 23, "title", NULL, NULL },
	{ "Content-Disposition: form-data; name=\"file\"; "
	    "filename=\"sunset.png\"\r\nContent-Type: image/png\r\n\r\n",
	    file_bytes, sizeof(file_bytes) - 1, "file", "sunset.png",
	    "image/png" },
	{ "Content-Disposition: form-data; name=\"tags\"\r\n\r\n",
	    "beach,sunset", 12, "tags", NULL, NULL },
};
#define NCURL	(sizeof(curl_parts) / sizeof(curl_parts[0]))

/* 0 feeds the body whole. */
static const size_t chunk_sizes[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 4096
};

START_TEST(test_curl_body)
{
	struct buf	 body, want;
	struct rec	 r;
	size_t		 chunk = chunk_sizes[_i];

	build_body(&body, CURL_BOUNDARY, "", curl_parts, NCURL, "\r\n");
	build_log(&want, curl_parts, NCURL);
	rec_init(&r);
	ck_assert_int_eq(parse(CURL_BOUNDARY, body.data, body.len, chunk, &r,
	    NULL), IMG_OK);
	assert_log(&r, &want);
	ck_assert_uint_eq(r.nbegin, NCURL);
	ck_assert_uint_eq(r.nend, NCURL);
	/* Fed whole, each part's content comes in one call. */
	if (chunk == 0 || chunk >= body.len)
		ck_assert_uint_eq(r.ndata, NCURL);
	buf_free(&r.log);
	buf_free(&body);
	buf_free(&want);
}
END_TEST

START_TEST(test_preamble_epilogue)
{
	struct buf	 body, want;
	struct rec	 r;

	build_body(&body, CURL_BOUNDARY,
	    "This is a preamble.\r\n--------------------------d74496d66958873"
	    "x\r\n"
	    "--" "------------------------d744\r\n\r\n",
	    curl_parts, NCURL,
	    "\r\nThis is the epilogue.\r\n--" CURL_BOUNDARY "\r\n"
	    "Content-Disposition: form-data; name=\"late\"\r\n\r\nno\r\n");
	build_log(&want, curl_parts, NCURL);
	rec_init(&r);
	ck_assert_int_eq(parse(CURL_BOUNDARY, body.data, body.len,
	    chunk_sizes[_i], &r, NULL), IMG_OK);
	assert_log(&r, &want);
	buf_free(&r.log);
	buf_free(&body);
	buf_free(&want);
}
END_TEST

/* One part with the given header block; its content is "x". */
static const struct {
	const char	*headers;
	enum img_err	 err;
	const char	*name, *filename, *type;
} header_cases[] = {
	{ "Content-Disposition: form-data; name=\"user_id\"\r\n\r\n",
	    IMG_OK, "user_id", NULL, NULL },
	{ "Content-Disposition: form-data; name=\"file\"; "
	    "filename=\"a\\\"b.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n",
	    IMG_OK, "file", "a\"b.jpg", "image/jpeg" },
	{ "content-disposition: FORM-DATA; NAME=\"f\"; FileName=\"x.png\"\r\n"
	    "CONTENT-TYPE:image/png \r\n\r\n",
	    IMG_OK, "f", "x.png", "image/png" },
	{ "Content-Disposition: form-data; name=f; filename=plain.jpg\r\n\r\n",
	    IMG_OK, "f", "plain.jpg", NULL },
	{ "Content-Disposition:   form-data ; name = \"sp\" ;\tfilename = "
	    "\"s p.jpg\" ;\r\n\r\n",
	    IMG_OK, "sp", "s p.jpg", NULL },
	/* Windows paths as old browsers send them, backslashes unescaped. */
	{ "Content-Disposition: form-data; name=\"f\"; "
	    "filename=\"C:\\dir\\x.jpg\"\r\n\r\n",
	    IMG_OK, "f", "C:\\dir\\x.jpg", NULL },
	{ "Content-Disposition: form-data; name=\"f\"; "
	    "filename=\"a\\\\b.jpg\"\r\n\r\n",
	    IMG_OK, "f", "a\\b.jpg", NULL },
	/* The directory part is passed on as sent. */
	{ "Content-Disposition: form-data; name=\"f\"; "
	    "filename=\"../up/x.jpg\"\r\n\r\n",
	    IMG_OK, "f", "../up/x.jpg", NULL },
	{ "Content-Disposition: form-data; name=\"f\"; "
	    "filename*=UTF-8''%E2%82%AC%20rates.jpg\r\n\r\n",
	    IMG_OK, "f", "\xe2\x82\xac rates.jpg", NULL },
	{ "Content-Disposition: form-data; name=\"f\"; "
	    "filename=\"fallback.jpg\"; filename*=utf-8'en'na%C3%AFve.jpg\r\n"
	    "\r\n",
	    IMG_OK, "f", "na\xc3\xafve.jpg", NULL },
	{ "Content-Disposition: form-data; name=\"f\"; "
	    "filename*=UTF-8''b.jpg; filename=\"a.jpg\"\r\n\r\n",
	    IMG_OK, "f", "b.jpg", NULL },
	{ "Content-Disposition: form-data; name=\"f\"; "
	    "filename*=\"ISO-8859-1''caf%E9.jpg\"\r\n\r\n",
	    IMG_OK, "f", "caf\xc3\xa9.jpg", NULL },
	/* An unknown charset is ignored, as if filename* were absent. */
	{ "Content-Disposition: form-data; name=\"f\"; "
	    "filename*=KOI8-R''%C1.jpg; filename=\"x.jpg\"\r\n\r\n",
	    IMG_OK, "f", "x.jpg", NULL },
	{ "Content-Disposition: form-data; name=\"f\"; "
	    "filename*=KOI8-R''%C1.jpg\r\n\r\n",
	    IMG_OK, "f", NULL, NULL },
	{ "Content-Disposition: form-data; name=\"f\"; filename=\"\"\r\n\r\n",
	    IMG_OK, "f", "", NULL },
	{ "Content-Disposition: form-data; name=\"f\"; "
	    "filename=\"\xc3\xa9t\xc3\xa9.jpg\"\r\n\r\n",
	    IMG_OK, "f", "\xc3\xa9t\xc3\xa9.jpg", NULL },
	{ "X-Whatever: y\r\nContent-Disposition: form-data; "
	    "foo=\"bar;baz=\\\"q\"; name=\"n\"; size=3\r\nX-Other:\r\n\r\n",
	    IMG_OK, "n", NULL, NULL },
	/* LF alone ends header lines too. */
	{ "Content-Disposition: form-data; name=\"lf\"\n"
	    "Content-Type: text/plain; charset=utf-8\n\n",
	    IMG_OK, "lf", NULL, "text/plain; charset=utf-8" },
	{ "Content-Disposition: form-data; name=\"e\"\r\nContent-Type: "
	    "\r\n\r\n", IMG_OK, "e", NULL, NULL },
	{ "Content-Disposition: form-data; name=\"\"\r\n\r\n",
	    IMG_OK, "", NULL, NULL },
	{ "\r\n", IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Type: text/plain\r\n\r\n", IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition: attachment; name=\"f\"\r\n\r\n",
	    IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition: form-data\r\n\r\n",
	    IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition: form-data; filename=\"x.jpg\"\r\n\r\n",
	    IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition: form-data; name=\"open\r\n\r\n",
	    IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition: form-data; name=\"a\"; name=\"b\"\r\n\r\n",
	    IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition: form-data; name=\"a\"; filename=\"x\"; "
	    "FILENAME=\"y\"\r\n\r\n",
	    IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition: form-data; name=\"a\"\r\n"
	    "Content-Disposition: form-data; name=\"b\"\r\n\r\n",
	    IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition: form-data; name=\"a\"\r\n"
	    "Content-Type: text/plain\r\nContent-Type: image/png\r\n\r\n",
	    IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition: form-data; name=\"f\"; "
	    "filename*=UTF-8''%G1.jpg\r\n\r\n", IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition: form-data; name=\"f\"; "
	    "filename*=UTF-8''a%2\r\n\r\n", IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition: form-data; name=\"f\"; "
	    "filename*=UTF-8%41.jpg\r\n\r\n", IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition: form-data; name=\"f\"; "
	    "filename*=UTF-8''a%00b.jpg\r\n\r\n", IMG_EINVAL, NULL,
	    NULL, NULL },
	{ "Content-Disposition: form-data; name=\"f\"; "
	    "filename*=UTF-8''\xc3\xa9.jpg\r\n\r\n",
	    IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition: form-data name=\"f\"\r\n\r\n",
	    IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition: form-data; name\r\n\r\n",
	    IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition: form-data; =x; name=\"f\"\r\n\r\n",
	    IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition: form-data; name=\r\n\r\n",
	    IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition: form-data; name=a\"b\"\r\n\r\n",
	    IMG_EINVAL, NULL, NULL, NULL },
	/* obs-fold */
	{ "Content-Disposition: form-data;\r\n name=\"f\"\r\n\r\n",
	    IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition form-data; name=f\r\n\r\n",
	    IMG_EINVAL, NULL, NULL, NULL },
	{ "Content-Disposition: form-data; name=\"a\rb\"\r\n\r\n",
	    IMG_EINVAL, NULL, NULL, NULL },
};

START_TEST(test_part_headers)
{
	static const size_t	 chunks[] = { 0, 1, 5 };
	struct buf		 body, want;
	struct rec		 r;
	struct tpart		 p;
	size_t			 c;

	p.headers = header_cases[_i].headers;
	p.data = "x";
	p.len = 1;
	p.name = header_cases[_i].name;
	p.filename = header_cases[_i].filename;
	p.type = header_cases[_i].type;
	build_body(&body, "b", "", &p, 1, "\r\n");
	if (header_cases[_i].err == IMG_OK)
		build_log(&want, &p, 1);
	else
		buf_init(&want, 0);
	for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		rec_init(&r);
		ck_assert_int_eq(parse("b", body.data, body.len, chunks[c], &r,
		    NULL), header_cases[_i].err);
		assert_log(&r, &want);
		buf_free(&r.log);
	}
	buf_free(&body);
	buf_free(&want);
}
END_TEST

START_TEST(test_nul_in_headers)
{
	static const char	 body[] = "--b\r\nContent-Disposition: "
	    "form-data; name=\"a\0b\"\r\n\r\nx\r\n--b--";
	struct rec		 r;

	rec_init(&r);
	ck_assert_int_eq(parse("b", body, sizeof(body) - 1, 0, &r, NULL),
	    IMG_EINVAL);
	ck_assert_uint_eq(r.nbegin, 0);
	buf_free(&r.log);
}
END_TEST

/* Every prefix that stops before the close delimiter's "--" is refused. */
START_TEST(test_truncated)
{
	struct buf	 body;
	struct rec	 r;
	struct multipart *m;
	size_t		 len, closed;

	build_body(&body, CURL_BOUNDARY, "", curl_parts, NCURL, "\r\n");
	closed = body.len - 2;
	for (len = 0; len <= body.len; len++) {
		rec_init(&r);
		m = multipart_new(CURL_BOUNDARY, &rec_cb, &r);
		ck_assert_ptr_nonnull(m);
		ck_assert_int_eq(multipart_feed(m, body.data, len), IMG_OK);
		ck_assert_int_eq(multipart_end(m),
		    len < closed ? IMG_EINVAL : IMG_OK);
		/* Spent: the rest of the body changes nothing. */
		if (len < closed)
			ck_assert_int_eq(multipart_feed(m, body.data + len,
			    body.len - len), IMG_EINVAL);
		multipart_free(m);
		buf_free(&r.log);
	}
	buf_free(&body);
}
END_TEST

START_TEST(test_wrong_boundary)
{
	struct buf	 body;
	struct rec	 r;

	build_body(&body, CURL_BOUNDARY, "", curl_parts, NCURL, "\r\n");
	rec_init(&r);
	ck_assert_int_eq(parse("------------------------d74496d66958873f",
	    body.data, body.len, 0, &r, NULL), IMG_EINVAL);
	ck_assert_uint_eq(r.nbegin, 0);
	ck_assert_uint_eq(r.ndata, 0);
	buf_free(&r.log);
	rec_init(&r);
	ck_assert_int_eq(parse(CURL_BOUNDARY, "", 0, 0, &r, NULL),
	    IMG_EINVAL);
	buf_free(&r.log);
	buf_free(&body);
}
END_TEST

/* Framing around the delimiters, boundary "b". */
static const struct {
	const char	*body;
	enum img_err	 err;
	size_t		 nparts;
} framing_cases[] = {
	{ "--b--", IMG_OK, 0 },
	{ "--b--\r\n", IMG_OK, 0 },
	{ "--b \t \r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n"
	    "--b\t--", IMG_EINVAL, 1 },
	{ "--b \t \r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n"
	    "--b  \r\nContent-Disposition: form-data; name=c\r\n\r\n\r\n--b--",
	    IMG_OK, 2 },
	{ "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n"
	    "--b--epilogue without CRLF --b\r\n", IMG_OK, 1 },
	{ "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--bX\r\n"
	    "Content-Disposition: form-data; name=c\r\n\r\ny\r\n--b--",
	    IMG_EINVAL, 1 },
	{ "--b\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b--",
	    IMG_EINVAL, 0 },
	{ "--b\r\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b--",
	    IMG_EINVAL, 0 },
	{ "--b-x", IMG_EINVAL, 0 },
	{ "--b", IMG_EINVAL, 0 },
	{ "xx--b--", IMG_EINVAL, 0 },
	{ "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b",
	    IMG_EINVAL, 1 },
	{ "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx--b--",
	    IMG_EINVAL, 1 },
	{ "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx",
	    IMG_EINVAL, 1 },
	{ "--b\r\nContent-Disposition: form-data; name=a\r\n",
	    IMG_EINVAL, 0 },
};

START_TEST(test_framing)
{
	struct rec	 r;
	const char	*body = framing_cases[_i].body;
	size_t		 c;

	for (c = 0; c < 3; c++) {
		rec_init(&r);
		ck_assert_int_eq(parse("b", body, strlen(body), c, &r, NULL),
		    framing_cases[_i].err);
		ck_assert_uint_eq(r.nbegin, framing_cases[_i].nparts);
		buf_free(&r.log);
	}
}
END_TEST

/* A header block of exactly the cap passes; one byte more does not. */
START_TEST(test_header_cap)
{
	static const char	 cd[] =
	    "Content-Disposition: form-data; name=\"a\"\r\n";
	struct buf		 hdr, body;
	struct tpart		 p;
	struct rec		 r;
	size_t			 pad, extra = (size_t)_i, c;
	static const size_t	 chunks[] = { 0, 1, 7 };

	/* cd, "X-Pad: " pad CRLF, CRLF */
	pad = MULTIPART_HEADER_MAX - (sizeof(cd) - 1) - 7 - 2 - 2 + extra;
	buf_init(&hdr, 1u << 20);
	ck_assert_int_eq(buf_adds(&hdr, cd), IMG_OK);
	ck_assert_int_eq(buf_adds(&hdr, "X-Pad: "), IMG_OK);
	while (pad-- > 0)
		ck_assert_int_eq(buf_addc(&hdr, 'p'), IMG_OK);
	ck_assert_int_eq(buf_adds(&hdr, "\r\n\r\n"), IMG_OK);
	ck_assert_uint_eq(hdr.len, MULTIPART_HEADER_MAX + extra);
	p.headers = hdr.data;
	p.data = "x";
	p.len = 1;
	p.name = "a";
	p.filename = p.type = NULL;
	build_body(&body, "b", "", &p, 1, "");
	for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		rec_init(&r);
		ck_assert_int_eq(parse("b", body.data, body.len, chunks[c], &r,
		    NULL), extra == 0 ? IMG_OK : IMG_EINVAL);
		ck_assert_uint_eq(r.nbegin, extra == 0 ? 1 : 0);
		buf_free(&r.log);
	}
	buf_free(&hdr);
	buf_free(&body);
}
END_TEST

/* A header line that never ends is refused once it passes the cap. */
START_TEST(test_header_endless)
{
	struct multipart	*m;
	struct rec		 r;
	char			 junk[1000];
	int			 k;
	enum img_err		 e = IMG_OK;

	memset(junk, 'a', sizeof(junk));
	rec_init(&r);
	m = multipart_new("b", &rec_cb, &r);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(multipart_feed(m, "--b\r\n", 5), IMG_OK);
	for (k = 0; k < 100 && e == IMG_OK; k++)
		e = multipart_feed(m, junk, sizeof(junk));
	ck_assert_int_eq(e, IMG_EINVAL);
	ck_assert_int_eq(k, MULTIPART_HEADER_MAX / (int)sizeof(junk) + 1);
	multipart_free(m);
	buf_free(&r.log);
}
END_TEST

START_TEST(test_parts_max)
{
	struct buf	 body;
	struct rec	 r;
	size_t		 k, n = MULTIPART_PARTS_MAX + (size_t)_i;

	buf_init(&body, 1u << 20);
	for (k = 0; k < n; k++)
		ck_assert_int_eq(buf_printf(&body,
		    "--b\r\nContent-Disposition: form-data; "
		    "name=\"f%zu\"\r\n\r\nv\r\n", k), IMG_OK);
	ck_assert_int_eq(buf_adds(&body, "--b--\r\n"), IMG_OK);
	rec_init(&r);
	ck_assert_int_eq(parse("b", body.data, body.len, 0, &r, NULL),
	    _i == 0 ? IMG_OK : IMG_EINVAL);
	ck_assert_uint_eq(r.nbegin, MULTIPART_PARTS_MAX);
	buf_free(&r.log);
	buf_free(&body);
}
END_TEST

/* A callback's error stops the parse, is returned, and sticks. */
START_TEST(test_callback_error)
{
	struct buf		 body;
	struct rec		 r;
	struct multipart	*m;
	size_t			 i, take, nbegin, ndata, nend;
	enum img_err		 e = IMG_OK, want;

	build_body(&body, CURL_BOUNDARY, "", curl_parts, NCURL, "\r\n");
	rec_init(&r);
	switch (_i) {
	case 0:
		r.data_limit = 10;	/* during the second part */
		want = IMG_ETOOBIG;
		break;
	case 1:
		r.begin_err = IMG_EMEDIA;
		want = IMG_EMEDIA;
		break;
	default:
		r.end_err = IMG_ENOSPACE;
		want = IMG_ENOSPACE;
		break;
	}
	m = multipart_new(CURL_BOUNDARY, &rec_cb, &r);
	ck_assert_ptr_nonnull(m);
	for (i = 0; i < body.len && e == IMG_OK; i += take) {
		take = body.len - i < 3 ? body.len - i : 3;
		e = multipart_feed(m, body.data + i, take);
	}
	ck_assert_int_eq(e, want);
	nbegin = r.nbegin;
	ndata = r.ndata;
	nend = r.nend;
	ck_assert_uint_le(nbegin, 2);
	ck_assert_int_eq(multipart_feed(m, body.data + i, body.len - i), want);
	ck_assert_int_eq(multipart_end(m), want);
	ck_assert_uint_eq(r.nbegin, nbegin);
	ck_assert_uint_eq(r.ndata, ndata);
	ck_assert_uint_eq(r.nend, nend);
	multipart_free(m);
	buf_free(&r.log);
	buf_free(&body);
}
END_TEST

START_TEST(test_empty_file)
{
	static const struct tpart parts[] = {
		{ "Content-Disposition: form-data; name=\"file\"; "
		    "filename=\"empty.jpg\"\r\nContent-Type: "
		    "image/jpeg\r\n\r\n", "", 0, "file", "empty.jpg",
		    "image/jpeg" },
		{ "Content-Disposition: form-data; name=\"user_id\"\r\n\r\n",
		    "u", 1, "user_id", NULL, NULL },
	};
	struct buf	 body, want;
	struct rec	 r;
	size_t		 c;

	build_body(&body, "b", "", parts, 2, "\r\n");
	build_log(&want, parts, 2);
	for (c = 0; c < 3; c++) {
		rec_init(&r);
		ck_assert_int_eq(parse("b", body.data, body.len, c, &r, NULL),
		    IMG_OK);
		assert_log(&r, &want);
		ck_assert_uint_eq(r.nend, 2);
		ck_assert_uint_eq(r.data_bytes, 1);
		buf_free(&r.log);
	}
	buf_free(&body);
	buf_free(&want);
}
END_TEST

static const struct {
	const char	*boundary;
	int		 ok;
} boundary_cases[] = {
	{ NULL, 0 },
	{ "", 0 },
	{ "a", 1 },
	{ CURL_BOUNDARY, 1 },
	{ "----WebKitFormBoundary7MA4YWxkTrZu0gW", 1 },
	{ "'()+_,-./:=?", 1 },
	{ "a b", 1 },
	{ " a", 1 },
	{ "a ", 0 },
	{ " ", 0 },
	{ "a\"b", 0 },
	{ "a;b", 0 },
	{ "a\tb", 0 },
	{ "a\r\nb", 0 },
	{ "a@b", 0 },
	{ "a*b", 0 },
	{ "\xc3\xa9", 0 },
	{ TEN TEN TEN TEN TEN TEN TEN, 1 },
	{ TEN TEN TEN TEN TEN TEN TEN "1", 0 },
};

START_TEST(test_boundary_ok)
{
	struct rec		 r;
	struct multipart	*m;

	ck_assert_int_eq(multipart_boundary_ok(boundary_cases[_i].boundary),
	    boundary_cases[_i].ok);
	rec_init(&r);
	m = multipart_new(boundary_cases[_i].boundary, &rec_cb, &r);
	ck_assert_int_eq(m != NULL, boundary_cases[_i].ok);
	multipart_free(m);
	buf_free(&r.log);
}
END_TEST

/* The longest boundary, with every kind of bchar, frames a full body. */
START_TEST(test_boundary_70)
{
	static const char	 b70[] = "'()+_,-./:=? Az" TEN TEN TEN TEN TEN
	    "abcde";
	struct buf		 body, want;
	struct rec		 r;

	ck_assert_uint_eq(strlen(b70), MULTIPART_BOUNDARY_MAX);
	build_body(&body, b70, "", curl_parts, NCURL, "\r\n");
	build_log(&want, curl_parts, NCURL);
	rec_init(&r);
	ck_assert_int_eq(parse(b70, body.data, body.len, chunk_sizes[_i], &r,
	    NULL), IMG_OK);
	assert_log(&r, &want);
	buf_free(&r.log);
	buf_free(&body);
	buf_free(&want);
}
END_TEST

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* 1 MiB of random bytes in random pieces comes out unchanged. */
START_TEST(test_random_large)
{
	static const char	 boundary[] =
	    "----WebKitFormBoundaryq1w2E3r4T5y6";
	struct tpart		 parts[2];
	struct buf		 body, want;
	struct rec		 r;
	struct multipart	*m;
	uint64_t		 seed = 0x9e3779b97f4a7c15u *
	    (uint64_t)(_i + 1);
	size_t			 n = 1u << 20, i, take, feeds = 0;
	char			*data;

	data = malloc(n);
	ck_assert_ptr_nonnull(data);
	for (i = 0; i < n; i++) {
		data[i] = (char)(xorshift(&seed) >> 24);
		/* Plant delimiter beginnings that go nowhere. */
		if (i % 4099 == 0 && i + 12 < n) {
			memcpy(data + i, "\r\n------WebK", 12);
			i += 11;
		}
	}
	parts[0] = (struct tpart){ "Content-Disposition: form-data; "
	    "name=\"user_id\"\r\n\r\n", "u1", 2, "user_id", NULL, NULL };
	parts[1] = (struct tpart){ "Content-Disposition: form-data; "
	    "name=\"file\"; filename=\"r.bin\"\r\n"
	    "Content-Type: application/octet-stream\r\n\r\n", data, n, "file",
	    "r.bin", "application/octet-stream" };
	build_body(&body, boundary, "", parts, 2, "\r\n");
	build_log(&want, parts, 2);
	rec_init(&r);
	m = multipart_new(boundary, &rec_cb, &r);
	ck_assert_ptr_nonnull(m);
	for (i = 0; i < body.len; i += take) {
		switch (xorshift(&seed) % 4) {
		case 0:
			take = 1 + xorshift(&seed) % 8;
			break;
		case 1:
			take = 1 + xorshift(&seed) % 100;
			break;
		default:
			take = 1 + xorshift(&seed) % 65536;
			break;
		}
		if (take > body.len - i)
			take = body.len - i;
		ck_assert_int_eq(multipart_feed(m, body.data + i, take),
		    IMG_OK);
		feeds++;
	}
	ck_assert_int_eq(multipart_end(m), IMG_OK);
	multipart_free(m);
	assert_log(&r, &want);
	/* At most the held-back bytes and one run per piece. */
	ck_assert_uint_le(r.ndata, 2 * feeds);
	buf_free(&r.log);
	buf_free(&body);
	buf_free(&want);
	free(data);
}
END_TEST

/* Callbacks may be left out. */
START_TEST(test_null_callbacks)
{
	static const struct multipart_cb	 none = { NULL, NULL, NULL };
	struct buf				 body;
	struct multipart			*m;

	build_body(&body, CURL_BOUNDARY, "", curl_parts, NCURL, "\r\n");
	m = multipart_new(CURL_BOUNDARY, &none, NULL);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(multipart_feed(m, body.data, body.len), IMG_OK);
	ck_assert_int_eq(multipart_end(m), IMG_OK);
	multipart_free(m);
	multipart_free(NULL);
	buf_free(&body);
}
END_TEST

#define NELEM(a)	((int)(sizeof(a) / sizeof((a)[0])))

Suite *
multipart_suite(void)
{
	Suite	*s = suite_create("multipart");
	TCase	*tc = tcase_create("multipart");

	tcase_add_loop_test(tc, test_curl_body, 0, NELEM(chunk_sizes));
	tcase_add_loop_test(tc, test_preamble_epilogue, 0, NELEM(chunk_sizes));
	tcase_add_loop_test(tc, test_part_headers, 0, NELEM(header_cases));
	tcase_add_test(tc, test_nul_in_headers);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_wrong_boundary);
	tcase_add_loop_test(tc, test_framing, 0, NELEM(framing_cases));
	tcase_add_loop_test(tc, test_header_cap, 0, 2);
	tcase_add_test(tc, test_header_endless);
	tcase_add_loop_test(tc, test_parts_max, 0, 2);
	tcase_add_loop_test(tc, test_callback_error, 0, 3);
	tcase_add_test(tc, test_empty_file);
	tcase_add_loop_test(tc, test_boundary_ok, 0, NELEM(boundary_cases));
	tcase_add_loop_test(tc, test_boundary_70, 0, NELEM(chunk_sizes));
	tcase_add_loop_test(tc, test_random_large, 0, 3);
	tcase_add_test(tc, test_null_callbacks);
	suite_add_tcase(s, tc);
	return s;
}
