/*
 * check_rendition.c: rendition parameters (rendparams.h), renders of the
 * sample images in data/ (rendition.h) and the render pool
 * (renderpool.h).
 *
 * Renders are judged by what a client would see in the bytes: the kind
 * and size their header gives (read by the image sniffer), whether PNG
 * and WebP output has alpha.  Decompression bombs are headers built here
 * that claim huge sizes in a few dozen bytes.  Tests run from the
 * repository root, where "data/" is.
 */
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imaged/buf.h"
#include "imaged/imgsniff.h"
#include "imaged/renderpool.h"
#include "imaged/rendition.h"
#include "imaged/rendparams.h"

Suite	*rendition_suite(void);

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define MPIX		(1000ULL * 1000)

/* --- parameters ----------------------------------------------------------- */

static const struct {
	const char	*key, *value;
	const char	*field;		/* NULL: accepted */
} param_cases[] = {
	{ "w", "256", NULL },
	{ "w", "1", NULL },
	{ "w", "4096", NULL },
	{ "h", "0256", NULL },
	{ "w", "0", "w" },
	{ "w", "4097", "w" },
	{ "w", "-5", "w" },
	{ "w", "+5", "w" },
	{ "w", " 5", "w" },
	{ "w", "5px", "w" },
	{ "w", "1e3", "w" },
	{ "w", "99999999999999999999", "w" },
	{ "w", "", "w" },
	{ "h", "0", "h" },
	{ "h", "abc", "h" },
	{ "fit", "cover", NULL },
	{ "fit", "contain", NULL },
	{ "fit", "inside", NULL },
	{ "fit", "fill", NULL },
	{ "fit", "Cover", "fit" },
	{ "fit", "stretch", "fit" },
	{ "fit", "", "fit" },
	{ "format", "jpeg", NULL },
	{ "format", "jpg", NULL },
	{ "format", "png", NULL },
	{ "format", "webp", NULL },
	{ "format", "gif", "format" },
	{ "format", "tiff", "format" },
	{ "format", "JPEG", "format" },
	{ "q", "1", NULL },
	{ "q", "100", NULL },
	{ "q", "0", "q" },
	{ "q", "101", "q" },
	{ "q", "-1", "q" },
	{ "q", "80%", "q" },
};

START_TEST(test_param_set)
{
	struct rend_params	 p;
	struct rend_error	 err;
	enum img_err		 e;
	size_t			 i;

	for (i = 0; i < NITEMS(param_cases); i++) {
		memset(&p, 0, sizeof(p));
		memset(&err, 0, sizeof(err));
		e = rend_param_set(&p, param_cases[i].key, param_cases[i].value,
		    strlen(param_cases[i].value), false, &err);
		if (param_cases[i].field == NULL) {
			ck_assert_msg(e == IMG_OK, "%s=%s refused: %s",
			    param_cases[i].key, param_cases[i].value,
			    err.message);
			continue;
		}
		ck_assert_msg(e == IMG_EINVAL, "%s=%s accepted",
		    param_cases[i].key, param_cases[i].value);
		ck_assert_str_eq(err.field, param_cases[i].field);
		ck_assert_ptr_nonnull(strstr(err.message,
		    param_cases[i].field));
	}
	/* avif only where the library writes it. */
	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(rend_param_set(&p, "format", "avif", 4, false, &err),
	    IMG_EINVAL);
	ck_assert_int_eq(rend_param_set(&p, "format", "avif", 4, true, &err),
	    IMG_OK);
	ck_assert_int_eq(p.format, REND_FMT_AVIF);
	/* The value's length is honoured: "2560" cut to 3 bytes is 256. */
	ck_assert_int_eq(rend_param_set(&p, "w", "2560", 3, false, &err),
	    IMG_OK);
	ck_assert_uint_eq(p.w, 256);
	ck_assert(rend_is_param("w") && rend_is_param("q") &&
	    rend_is_param("format") && !rend_is_param("download") &&
	    !rend_is_param("rendition"));
}
END_TEST

static const struct {
	const char	*spec;
	const char	*canon;		/* for a JPEG source; NULL: refused */
} spec_cases[] = {
	{ "w256", "256x0-inside-q82.jpg" },
	{ "h128", "0x128-inside-q82.jpg" },
	{ "256x128", "256x128-inside-q82.jpg" },
	{ "256x", "256x0-inside-q82.jpg" },
	{ "x128", "0x128-inside-q82.jpg" },
	{ "256x256:cover:webp", "256x256-cover-q80.webp" },
	{ "256x256:webp:cover:q60", "256x256-cover-q60.webp" },
	{ "100x50:fill:png:q60", "100x50-fill.png" },
	{ "100x50:contain", "100x50-contain-q82.jpg" },
	/* One side only: nothing to cover, contain or fill. */
	{ "w300:cover", "300x0-inside-q82.jpg" },
	{ "thumb", "64x64-cover-q80.webp" },
	{ "big", "2000x0-inside-q90.jpg" },
	{ "", NULL },
	{ "x", NULL },
	{ "w", NULL },
	{ "w0", NULL },
	{ "w4097", NULL },
	{ "0x10", NULL },
	{ "10x10:cover:cover", NULL },
	{ "10x10:webp:png", NULL },
	{ "10x10:q0", NULL },
	{ "10x10:q101", NULL },
	{ "10x10:", NULL },
	{ "10x10:sideways", NULL },
	{ "10x10:avif", NULL },
	{ "w-1", NULL },
	{ "thumbs", NULL },
};

START_TEST(test_spec_parse)
{
	struct rend_presets	 presets;
	struct rend_params	 p;
	struct rend_error	 err;
	char			 msg[256], canon[REND_CANON_MAX];
	enum img_err		 e;
	size_t			 i;

	ck_assert(rend_presets_parse("thumb:64x64:cover:webp, big:w2000:q90",
	    strlen("thumb:64x64:cover:webp, big:w2000:q90"), &presets, false,
	    msg, sizeof(msg)));
	ck_assert_uint_eq(presets.n, 2);
	for (i = 0; i < NITEMS(spec_cases); i++) {
		memset(&err, 0, sizeof(err));
		e = rend_spec_parse(spec_cases[i].spec,
		    strlen(spec_cases[i].spec), &presets, false, &p, &err);
		if (e == IMG_OK)
			e = rend_params_finish(&p, IMG_KIND_JPEG, &err);
		if (spec_cases[i].canon == NULL) {
			ck_assert_msg(e == IMG_EINVAL, "\"%s\" accepted",
			    spec_cases[i].spec);
			ck_assert_str_eq(err.field, "rendition");
			continue;
		}
		ck_assert_msg(e == IMG_OK, "\"%s\": %s", spec_cases[i].spec,
		    err.message);
		rend_canonical(&p, canon);
		ck_assert_str_eq(canon, spec_cases[i].canon);
	}
	/* A NUL inside the value is not the end of it. */
	ck_assert_int_eq(rend_spec_parse("10x10\0:cover", 12, &presets, false,
	    &p, &err), IMG_EINVAL);
}
END_TEST

START_TEST(test_presets_parse)
{
	static const char *const bad[] = {
		"thumb", "thumb:", ":64x64", "Thumb:64x64", "1st:64x64",
		"a:64x64,a:32x32", "a:64x64,", ",a:64x64", "a b:64x64",
		"a:64x64:cover:cover", "a:4097x1", "a:64x64:avif",
		"a:1x1,b:1x1,c:1x1,d:1x1,e:1x1,f:1x1,g:1x1,h:1x1,i:1x1,"
		    "j:1x1,k:1x1,l:1x1,m:1x1,n:1x1,o:1x1,p:1x1,q:1x1",
	};
	struct rend_presets	 l;
	char			 msg[256];
	size_t			 i;

	ck_assert(rend_presets_parse("", 0, &l, false, msg, sizeof(msg)));
	ck_assert_uint_eq(l.n, 0);
	ck_assert(rend_presets_parse("  ", 2, &l, false, msg, sizeof(msg)));
	ck_assert_uint_eq(l.n, 0);
	ck_assert(rend_presets_parse("thumb:256x256:cover:webp,w_2-x:h10",
	    34, &l, false, msg, sizeof(msg)));
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.list[1].name, "w_2-x");
	ck_assert_uint_eq(l.list[1].params.h, 10);
	ck_assert_ptr_nonnull(rend_preset_find(&l, "thumb", 5));
	ck_assert_ptr_null(rend_preset_find(&l, "thum", 4));
	ck_assert(rend_presets_parse("a:64x64:avif", 12, &l, true, msg,
	    sizeof(msg)));
	for (i = 0; i < NITEMS(bad); i++) {
		msg[0] = '\0';
		ck_assert_msg(!rend_presets_parse(bad[i], strlen(bad[i]), &l,
		    false, msg, sizeof(msg)), "\"%s\" accepted", bad[i]);
		ck_assert_msg(msg[0] != '\0', "\"%s\": no reason", bad[i]);
	}
}
END_TEST

START_TEST(test_finish_and_canonical)
{
	struct rend_params	 p;
	struct rend_error	 err;
	char			 canon[REND_CANON_MAX], q[REND_QUERY_MAX];

	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(rend_params_finish(&p, IMG_KIND_JPEG, &err),
	    IMG_EINVAL);
	ck_assert_str_eq(err.field, "w");
	/* The source decides an absent format; GIF becomes PNG. */
	memset(&p, 0, sizeof(p));
	p.w = 10;
	ck_assert_int_eq(rend_params_finish(&p, IMG_KIND_GIF, &err), IMG_OK);
	ck_assert_int_eq(p.format, REND_FMT_PNG);
	ck_assert_uint_eq(p.q, 0);
	memset(&p, 0, sizeof(p));
	p.w = 10;
	p.q = 50;	/* PNG has no quality: dropped from the name */
	ck_assert_int_eq(rend_params_finish(&p, IMG_KIND_PNG, &err), IMG_OK);
	rend_canonical(&p, canon);
	ck_assert_str_eq(canon, "10x0-inside.png");
	rend_query(&p, q);
	ck_assert_str_eq(q, "w=10&fit=inside&format=png");
	memset(&p, 0, sizeof(p));
	p.w = 4096;
	p.h = 4096;
	p.fit = REND_FIT_CONTAIN;
	p.format = REND_FMT_AVIF;
	p.q = 100;
	ck_assert_int_eq(rend_params_finish(&p, IMG_KIND_WEBP, &err), IMG_OK);
	ck_assert_uint_eq(rend_canonical(&p, canon), strlen(canon));
	ck_assert_str_eq(canon, "4096x4096-contain-q100.avif");
	rend_query(&p, q);
	ck_assert_str_eq(q, "w=4096&h=4096&fit=contain&format=avif&q=100");
	ck_assert_str_eq(rend_format_mime(REND_FMT_WEBP), "image/webp");
}
END_TEST

/* --- renders -------------------------------------------------------------- */

struct output {
	struct buf	 bytes;
};

static enum img_err
to_buf(void *arg, const void *p, size_t n)
{
	return buf_add(arg, p, n);
}

/* Render path with spec (a rendition= value); the bytes go to out. */
static enum img_err
render_file(const char *path, const char *spec, uint64_t max_pixels,
    struct buf *out, struct rend_error *err)
{
	struct rend_params	 p;
	struct rend_source	 src;
	enum img_err		 e;
	int			 fd;

	fd = open(path, O_RDONLY);
	ck_assert_msg(fd != -1, "cannot open %s (run from the repository "
	    "root)", path);
	ck_assert_int_eq(rend_spec_parse(spec, strlen(spec), NULL,
	    rendition_avif_ok(), &p, err), IMG_OK);
	e = rendition_probe(fd, max_pixels, &src, err);
	if (e == IMG_OK)
		e = rend_params_finish(&p, src.kind, err);
	if (e == IMG_OK)
		e = rendition_render(fd, &p, max_pixels, to_buf, out, err);
	close(fd);
	return e;
}

static void
sniff_buf(const struct buf *b, enum img_kind *kind, uint32_t *w, uint32_t *h)
{
	struct img_sniff	 s;

	img_sniff_init(&s);
	img_sniff_feed(&s, b->data, b->len);
	*kind = img_sniff_kind(&s);
	*w = *h = 0;
	img_sniff_dims(&s, w, h);
}

static const struct {
	const char	*path;
	const char	*spec;
	enum img_kind	 kind;
	uint32_t	 w, h;
} render_cases[] = {
	/* inside: the box's binding side, aspect kept (16x12 source) */
	{ "data/sample.jpg", "w8", IMG_KIND_JPEG, 8, 6 },
	{ "data/sample.jpg", "h6", IMG_KIND_JPEG, 8, 6 },
	{ "data/sample.jpg", "8x100", IMG_KIND_JPEG, 8, 6 },
	{ "data/sample.jpg", "w64", IMG_KIND_JPEG, 64, 48 },
	/* cover, contain and fill give the box exactly */
	{ "data/sample.jpg", "10x10:cover", IMG_KIND_JPEG, 10, 10 },
	{ "data/sample.jpg", "10x10:contain", IMG_KIND_JPEG, 10, 10 },
	{ "data/sample.jpg", "10x10:fill", IMG_KIND_JPEG, 10, 10 },
	{ "data/sample.jpg", "10x10:contain:png", IMG_KIND_PNG, 10, 10 },
	/* formats */
	{ "data/sample.jpg", "w8:png", IMG_KIND_PNG, 8, 6 },
	{ "data/sample.jpg", "w8:webp:q50", IMG_KIND_WEBP, 8, 6 },
	{ "data/sample-progressive.jpg", "w34:webp", IMG_KIND_WEBP, 34, 26 },
	{ "data/sample.png", "w4", IMG_KIND_PNG, 4, 3 },
	{ "data/sample.png", "w4:jpeg", IMG_KIND_JPEG, 4, 3 },
	{ "data/sample.webp", "h3", IMG_KIND_WEBP, 4, 3 },
	{ "data/sample-lossless.webp", "w28:png", IMG_KIND_PNG, 28, 10 },
	{ "data/sample.gif", "w20", IMG_KIND_PNG, 20, 14 },
	{ "data/sample-exif.jpg", "w12", IMG_KIND_JPEG, 12, 9 },
	/* EXIF orientation 6: 16x12 stored, 12x16 upright */
	{ "data/sample-rotated.jpg", "h16", IMG_KIND_JPEG, 12, 16 },
	{ "data/sample-rotated.jpg", "w6:png", IMG_KIND_PNG, 6, 8 },
	/* an animation: its first 11x8 frame, not a strip of three */
	{ "data/sample-animated.gif", "w11", IMG_KIND_PNG, 11, 8 },
	{ "data/sample-animated.gif", "w22:webp", IMG_KIND_WEBP, 22, 16 },
};

START_TEST(test_render_sizes_and_formats)
{
	struct buf		 out;
	struct rend_error	 err;
	enum img_kind		 kind;
	uint32_t		 w, h;
	size_t			 i;

	for (i = 0; i < NITEMS(render_cases); i++) {
		buf_init(&out, 1 << 20);
		memset(&err, 0, sizeof(err));
		ck_assert_msg(render_file(render_cases[i].path,
		    render_cases[i].spec, 50 * MPIX, &out, &err) == IMG_OK,
		    "%s %s: %s", render_cases[i].path, render_cases[i].spec,
		    err.message);
		sniff_buf(&out, &kind, &w, &h);
		ck_assert_msg(kind == render_cases[i].kind && w ==
		    render_cases[i].w && h == render_cases[i].h,
		    "%s %s: kind %d %ux%u, want kind %d %ux%u",
		    render_cases[i].path, render_cases[i].spec, (int)kind,
		    (unsigned)w, (unsigned)h, (int)render_cases[i].kind,
		    (unsigned)render_cases[i].w, (unsigned)render_cases[i].h);
		buf_free(&out);
	}
}
END_TEST

/* Whether b holds the bytes of needle. */
static bool
contains(const struct buf *b, const void *needle, size_t n)
{
	return b->len >= n && memmem(b->data, b->len, needle, n) != NULL;
}

START_TEST(test_render_alpha_and_metadata)
{
	struct buf		 out;
	struct rend_error	 err;

	/* PNG keeps alpha: IHDR colour type 6 (RGBA). */
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(render_file("data/sample-alpha.webp", "w10:png",
	    50 * MPIX, &out, &err), IMG_OK);
	ck_assert_uint_ge(out.len, 26);
	ck_assert_uint_eq((unsigned char)out.data[25], 6);
	buf_free(&out);
	/* WebP keeps it: an ALPH chunk, or a lossless stream with alpha. */
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(render_file("data/sample-alpha.webp", "w10",
	    50 * MPIX, &out, &err), IMG_OK);
	ck_assert(contains(&out, "ALPH", 4) || contains(&out, "VP8L", 4));
	buf_free(&out);
	/* An opaque source stays opaque: colour type 2 (RGB). */
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(render_file("data/sample.jpg", "w10:png",
	    50 * MPIX, &out, &err), IMG_OK);
	ck_assert_uint_eq((unsigned char)out.data[25], 2);
	buf_free(&out);
	/* contain pads with transparency where the format has it. */
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(render_file("data/sample.jpg", "20x10:contain:png",
	    50 * MPIX, &out, &err), IMG_OK);
	ck_assert_uint_eq((unsigned char)out.data[25], 6);
	buf_free(&out);
	/* JPEG has none: flattened, and a JPEG comes out. */
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(render_file("data/sample-alpha.webp", "w10:jpeg",
	    50 * MPIX, &out, &err), IMG_OK);
	ck_assert_mem_eq(out.data, "\xff\xd8\xff", 3);
	buf_free(&out);
	/* Metadata is stripped: the source's EXIF text is gone. */
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(render_file("data/sample-exif.jpg", "w24",
	    50 * MPIX, &out, &err), IMG_OK);
	ck_assert(!contains(&out, "Exif", 4));
	ck_assert(!contains(&out, "imaged test data", 16));
	buf_free(&out);
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(render_file("data/sample-rotated.jpg", "w12:webp",
	    50 * MPIX, &out, &err), IMG_OK);
	ck_assert(!contains(&out, "EXIF", 4) && !contains(&out, "Exif", 4));
	buf_free(&out);
}
END_TEST

START_TEST(test_render_avif)
{
	struct buf		 out;
	struct rend_error	 err;

	if (!rendition_avif_ok())
		return;	/* this libvips cannot write AVIF: format=avif is 400 */
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(render_file("data/sample.jpg", "w8:avif", 50 * MPIX,
	    &out, &err), IMG_OK);
	ck_assert(out.len > 12 && memcmp(out.data + 4, "ftypavif", 8) == 0);
	buf_free(&out);
}
END_TEST

/* --- bombs and broken sources --------------------------------------------- */

static char	 tmpdir[64];

static void
make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check-rendition-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
remove_tmpdir(void)
{
	char	 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
write_file(const char *path, const void *p, size_t n)
{
	FILE	*fp = fopen(path, "wb");

	ck_assert_ptr_nonnull(fp);
	ck_assert_uint_eq(fwrite(p, 1, n, fp), n);
	ck_assert_int_eq(fclose(fp), 0);
}

static uint32_t
crc32_of(const unsigned char *p, size_t n)
{
	uint32_t	 c = 0xffffffffu;
	size_t		 i;
	int		 k;

	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return c ^ 0xffffffffu;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* A PNG of w x h with a valid IHDR and a few bytes of IDAT, then IEND. */
static size_t
png_claiming(unsigned char *out, uint32_t w, uint32_t h)
{
	static const unsigned char sig[8] = "\x89PNG\r\n\x1a\n";
	static const unsigned char idat[] = { 0x78, 0x9c, 0x63, 0x00, 0x00,
	    0x00, 0x01, 0x00, 0x01 };
	size_t	 n = 0;

	memcpy(out, sig, 8);
	n = 8;
	put32(out + n, 13);
	memcpy(out + n + 4, "IHDR", 4);
	put32(out + n + 8, w);
	put32(out + n + 12, h);
	memcpy(out + n + 16, "\x08\x02\x00\x00\x00", 5);	/* 8-bit RGB */
	put32(out + n + 21, crc32_of(out + n + 4, 17));
	n += 25;
	put32(out + n, sizeof(idat));
	memcpy(out + n + 4, "IDAT", 4);
	memcpy(out + n + 8, idat, sizeof(idat));
	put32(out + n + 8 + sizeof(idat), crc32_of(out + n + 4,
	    4 + sizeof(idat)));
	n += 12 + sizeof(idat);
	put32(out + n, 0);
	memcpy(out + n + 4, "IEND", 4);
	put32(out + n + 8, crc32_of(out + n + 4, 4));
	return n + 12;
}

/* A GIF whose screen and one frame claim w x h, with a 1-pixel LZW stream. */
static size_t
gif_claiming(unsigned char *out, uint16_t w, uint16_t h)
{
	size_t	 n = 0;

	memcpy(out, "GIF89a", 6);
	n = 6;
	out[n++] = (unsigned char)w;
	out[n++] = (unsigned char)(w >> 8);
	out[n++] = (unsigned char)h;
	out[n++] = (unsigned char)(h >> 8);
	out[n++] = 0x80;	/* a 2-colour global table */
	out[n++] = 0;
	out[n++] = 0;
	memcpy(out + n, "\0\0\0\xff\xff\xff", 6);
	n += 6;
	out[n++] = 0x2c;
	memset(out + n, 0, 4);
	n += 4;
	out[n++] = (unsigned char)w;
	out[n++] = (unsigned char)(w >> 8);
	out[n++] = (unsigned char)h;
	out[n++] = (unsigned char)(h >> 8);
	out[n++] = 0;
	out[n++] = 2;		/* LZW minimum code size */
	out[n++] = 2;		/* a 2-byte block: clear, 0, end */
	out[n++] = 0x44;
	out[n++] = 0x01;
	out[n++] = 0;
	out[n++] = 0x3b;
	return n;
}

static void
expect_refused(const char *path, uint64_t max_pixels, const char *field)
{
	struct rend_params	 p;
	struct rend_source	 src;
	struct rend_error	 err;
	struct buf		 out;
	struct timespec		 t0, t1;
	enum img_err		 e;
	int			 fd;

	memset(&err, 0, sizeof(err));
	memset(&p, 0, sizeof(p));
	p.w = 64;
	p.format = REND_FMT_PNG;
	ck_assert_int_eq(rend_params_finish(&p, IMG_KIND_PNG, &err), IMG_OK);
	fd = open(path, O_RDONLY);
	ck_assert_int_ne(fd, -1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	e = rendition_probe(fd, max_pixels, &src, &err);
	ck_assert_msg(e == IMG_EINVAL, "%s: probe gave %d", path, (int)e);
	ck_assert_str_eq(err.field, field);
	buf_init(&out, 1 << 20);
	e = rendition_render(fd, &p, max_pixels, to_buf, &out, &err);
	ck_assert_msg(e == IMG_EINVAL, "%s: render gave %d", path, (int)e);
	ck_assert_str_eq(err.field, field);
	ck_assert_uint_eq(out.len, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Refused from the header: no time spent decoding. */
	ck_assert_int_lt((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000, 2000);
	buf_free(&out);
	close(fd);
}

START_TEST(test_bombs_refused_from_the_header)
{
	unsigned char	 bytes[256];
	char		 path[128];
	size_t		 n;

	make_tmpdir();
	/* 100000 x 100000 pixels (30 GB decoded) in 68 bytes. */
	n = png_claiming(bytes, 100000, 100000);
	snprintf(path, sizeof(path), "%s/bomb.png", tmpdir);
	write_file(path, bytes, n);
	expect_refused(path, 50 * MPIX, "image");
	/* 65535 x 65535 in a GIF of 40 bytes. */
	n = gif_claiming(bytes, 65535, 65535);
	snprintf(path, sizeof(path), "%s/bomb.gif", tmpdir);
	write_file(path, bytes, n);
	expect_refused(path, 50 * MPIX, "image");
	/* An honest 3000 x 3000 header over a limit of 1 MP. */
	n = png_claiming(bytes, 3000, 3000);
	snprintf(path, sizeof(path), "%s/big.png", tmpdir);
	write_file(path, bytes, n);
	expect_refused(path, 1 * MPIX, "image");
	/* A real sample over a tiny limit. */
	expect_refused("data/sample.jpg", 100, "image");
	remove_tmpdir();
}
END_TEST

START_TEST(test_output_too_large)
{
	struct rend_params	 p;
	struct rend_source	 src = { IMG_KIND_JPEG, 16, 12, false };
	struct rend_error	 err;
	struct buf		 out;
	uint32_t		 w, h;

	/* h=4096 on a 4:3 source would be 5461 wide. */
	memset(&p, 0, sizeof(p));
	p.h = 4096;
	ck_assert_int_eq(rend_params_finish(&p, IMG_KIND_JPEG, &err), IMG_OK);
	ck_assert_int_eq(rendition_plan(&p, &src, &w, &h, &err), IMG_EINVAL);
	ck_assert_str_eq(err.field, "w");
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(render_file("data/sample.jpg", "h4096", 50 * MPIX,
	    &out, &err), IMG_EINVAL);
	ck_assert_uint_eq(out.len, 0);
	buf_free(&out);
	p.h = 3072;
	ck_assert_int_eq(rendition_plan(&p, &src, &w, &h, &err), IMG_OK);
	ck_assert_uint_eq(w, 4096);
	ck_assert_uint_eq(h, 3072);
}
END_TEST

START_TEST(test_broken_sources)
{
	struct buf		 out;
	struct rend_error	 err;
	unsigned char		*bytes;
	char			 path[128];
	size_t			 n;
	FILE			*fp;

	/* Headers that cannot be read: 400 territory, field "image". */
	expect_refused("data/bad/not-an-image.png", 50 * MPIX, "image");
	expect_refused("data/bad/corrupt-sof.jpg", 50 * MPIX, "image");
	expect_refused("data/bad/short-ihdr.png", 50 * MPIX, "image");
	/* A good header over a cut scan: the pixels cannot be decoded. */
	make_tmpdir();
	fp = fopen("data/sample.jpg", "rb");
	ck_assert_ptr_nonnull(fp);
	bytes = malloc(65536);
	ck_assert_ptr_nonnull(bytes);
	n = fread(bytes, 1, 65536, fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/cut.jpg", tmpdir);
	write_file(path, bytes, n - 16);	/* 35 bytes of scan, less 16 */
	buf_init(&out, 1 << 20);
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(render_file(path, "w8", 50 * MPIX, &out, &err),
	    IMG_EDECODE);
	ck_assert_uint_eq(out.len, 0);
	buf_free(&out);
	/* A PNG whose IDAT is not zlib. */
	n = png_claiming(bytes, 4, 4);
	memset(bytes + 8 + 25 + 8, 0xee, 9);
	snprintf(path, sizeof(path), "%s/garbled.png", tmpdir);
	write_file(path, bytes, n);
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(render_file(path, "w8", 50 * MPIX, &out, &err),
	    IMG_EDECODE);
	buf_free(&out);
	free(bytes);
	remove_tmpdir();
}
END_TEST

/* --- the pool ------------------------------------------------------------- */

struct gate {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	bool		 open;
	int		 started, ran;
};

static void
gated_job(void *arg)
{
	struct gate	*g = arg;

	pthread_mutex_lock(&g->lock);
	g->started++;
	pthread_cond_broadcast(&g->cond);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	g->ran++;
	pthread_mutex_unlock(&g->lock);
}

START_TEST(test_pool_bounded)
{
	struct renderpool	*pool;
	struct gate		 g = { PTHREAD_MUTEX_INITIALIZER,
	    PTHREAD_COND_INITIALIZER, false, 0, 0 };
	int			 i, accepted = 0;

	ck_assert_int_eq(renderpool_new(1, 2, &pool), IMG_OK);
	ck_assert_int_eq(renderpool_submit(pool, gated_job, &g), IMG_OK);
	pthread_mutex_lock(&g.lock);
	while (g.started == 0)
		pthread_cond_wait(&g.cond, &g.lock);
	pthread_mutex_unlock(&g.lock);
	/*
	 * One job runs (held at the gate), two may wait; the rest
	 * are refused.
	 */
	for (i = 0; i < 10; i++)
		if (renderpool_submit(pool, gated_job, &g) == IMG_OK)
			accepted++;
	ck_assert_int_eq(accepted, 2);
	ck_assert_uint_eq(renderpool_pending(pool), 3);
	pthread_mutex_lock(&g.lock);
	g.open = true;
	pthread_cond_broadcast(&g.cond);
	pthread_mutex_unlock(&g.lock);
	/* Freeing lets every accepted job finish. */
	renderpool_free(pool);
	ck_assert_int_eq(g.ran, 3);
	renderpool_free(NULL);
}
END_TEST

Suite *
rendition_suite(void)
{
	Suite	*s = suite_create("rendition");
	TCase	*tc = tcase_create("params");

	tcase_add_test(tc, test_param_set);
	tcase_add_test(tc, test_spec_parse);
	tcase_add_test(tc, test_presets_parse);
	tcase_add_test(tc, test_finish_and_canonical);
	suite_add_tcase(s, tc);
	tc = tcase_create("render");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_render_sizes_and_formats);
	tcase_add_test(tc, test_render_alpha_and_metadata);
	tcase_add_test(tc, test_render_avif);
	tcase_add_test(tc, test_bombs_refused_from_the_header);
	tcase_add_test(tc, test_output_too_large);
	tcase_add_test(tc, test_broken_sources);
	suite_add_tcase(s, tc);
	tc = tcase_create("pool");
	tcase_add_test(tc, test_pool_bounded);
	suite_add_tcase(s, tc);
	return s;
}
