/*
 * check_imgsniff.c: the image sniffer against the sample files in data/
 * and against hand-built headers, each fed whole and in chunks of 1, 2, 3
 * and 7 bytes.  Every chunk is copied into a buffer of exactly its size, so
 * the sanitizer build catches a read past what has arrived.  Tests run from
 * the repository root, where "data/" is.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imaged/imgsniff.h"

Suite	*imgsniff_suite(void);

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define BYTES(s)	(const unsigned char *)(s), sizeof(s) - 1
#define MAX_SAMPLE	(64 * 1024)
#define BIG		(10 * 1024 * 1024)

/* 0 stands for the whole input in one feed. */
static const size_t chunks[] = { 0, 1, 2, 3, 7 };

struct sniffed {
	enum img_kind	 kind;
	bool		 ok;
	uint32_t	 w, h;
};

struct expect {
	const char		*name;
	const unsigned char	*bytes;
	size_t			 len;
	enum img_kind		 kind;
	bool			 ok;
	uint32_t		 w, h;
};

static struct sniffed
sniff(const unsigned char *p, size_t n, size_t chunk)
{
	struct img_sniff	 s;
	struct sniffed		 r;
	unsigned char		*copy;
	size_t			 off, k;

	img_sniff_init(&s);
	for (off = 0; off < n; off += k) {
		k = chunk == 0 || chunk > n - off ? n - off : chunk;
		copy = malloc(k);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, p + off, k);
		img_sniff_feed(&s, copy, k);
		free(copy);
	}
	r.kind = img_sniff_kind(&s);
	r.w = r.h = 0;
	r.ok = img_sniff_dims(&s, &r.w, &r.h);
	return r;
}

static void
check_all_chunks(const struct expect *e)
{
	struct sniffed	 r;
	size_t		 c;

	for (c = 0; c < NITEMS(chunks); c++) {
		r = sniff(e->bytes, e->len, chunks[c]);
		ck_assert_msg(r.kind == e->kind,
		    "%s, chunk %zu: kind %d, want %d", e->name, chunks[c],
		    (int)r.kind, (int)e->kind);
		ck_assert_msg(r.ok == e->ok, "%s, chunk %zu: dims %s",
		    e->name, chunks[c], r.ok ? "read" : "unread");
		if (e->ok)
			ck_assert_msg(r.w == e->w && r.h == e->h,
			    "%s, chunk %zu: %ux%u, want %ux%u", e->name,
			    chunks[c], (unsigned)r.w, (unsigned)r.h,
			    (unsigned)e->w, (unsigned)e->h);
	}
}

static unsigned char *
slurp(const char *path, size_t *lenp)
{
	FILE		*fp;
	unsigned char	*p;
	size_t		 n;

	fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL,
	    "cannot open %s (run from the repository root)", path);
	p = malloc(MAX_SAMPLE);
	ck_assert_ptr_nonnull(p);
	n = fread(p, 1, MAX_SAMPLE, fp);
	ck_assert_msg(!ferror(fp) && feof(fp), "%s: unreadable or too big",
	    path);
	fclose(fp);
	*lenp = n;
	return p;
}

/* The sample files. */

static const struct {
	const char	*path;
	enum img_kind	 kind;
	bool		 ok;
	uint32_t	 w, h;
} samples[] = {
	{ "data/sample.jpg", IMG_KIND_JPEG, true, 16, 12 },
	{ "data/sample-progressive.jpg", IMG_KIND_JPEG, true, 17, 13 },
	{ "data/sample-exif.jpg", IMG_KIND_JPEG, true, 24, 18 },
	{ "data/sample.png", IMG_KIND_PNG, true, 8, 6 },
	{ "data/sample.gif", IMG_KIND_GIF, true, 10, 7 },
	{ "data/sample.webp", IMG_KIND_WEBP, true, 12, 9 },
	{ "data/sample-lossless.webp", IMG_KIND_WEBP, true, 14, 5 },
	{ "data/sample-alpha.webp", IMG_KIND_WEBP, true, 20, 15 },
	{ "data/bad/corrupt-sof.jpg", IMG_KIND_JPEG, false, 0, 0 },
	{ "data/bad/short-ihdr.png", IMG_KIND_PNG, false, 0, 0 },
	{ "data/bad/not-an-image.png", IMG_KIND_UNKNOWN, false, 0, 0 },
};

START_TEST(test_sample)
{
	struct expect	 e;
	unsigned char	*p;
	size_t		 n;

	p = slurp(samples[_i].path, &n);
	e.name = samples[_i].path;
	e.bytes = p;
	e.len = n;
	e.kind = samples[_i].kind;
	e.ok = samples[_i].ok;
	e.w = samples[_i].w;
	e.h = samples[_i].h;
	check_all_chunks(&e);
	free(p);
}
END_TEST

/* Every prefix of a sample gives no kind or its kind, and never wrong dims. */
START_TEST(test_sample_prefixes)
{
	struct sniffed	 r;
	unsigned char	*p;
	size_t		 n, len;

	p = slurp(samples[_i].path, &n);
	for (len = 0; len <= n; len++) {
		r = sniff(p, len, 0);
		ck_assert_msg(r.kind == IMG_KIND_UNKNOWN ||
		    r.kind == samples[_i].kind, "%s cut at %zu: kind %d",
		    samples[_i].path, len, (int)r.kind);
		if (r.ok)
			ck_assert_msg(samples[_i].ok && r.w == samples[_i].w &&
			    r.h == samples[_i].h, "%s cut at %zu: %ux%u",
			    samples[_i].path, len, (unsigned)r.w,
			    (unsigned)r.h);
	}
	free(p);
}
END_TEST

/* Hand-built headers. */

#define PNG_SIG		"\x89" "PNG" "\r\n\x1a\n"
#define IHDR13		"\x00\x00\x00\x0d" "IHDR"
#define IHDR_REST	"\x08\x02\x00\x00\x00" "\x90\x77\x53\xde"
#define RIFF_WEBP	"RIFF" "\x24\x00\x00\x00" "WEBP"
/* A one-component frame header: marker code, height, width. */
#define SOF(code, h, w)	"\xff" code "\x00\x0b\x08" h w "\x01\x01\x11\x00"
/* An empty DHT, a scan and EOI, which the sniffer need not reach. */
#define JPEG_TAIL	"\xff\xc4\x00\x02" \
			"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" \
			"\x12\x34\xff\x00\x56\xff\xd9"

static const struct expect handmade[] = {
	/* JPEG */
	{ "jpeg SOF0", BYTES("\xff\xd8" SOF("\xc0", "\x00\x0c", "\x00\x10")
	    JPEG_TAIL), IMG_KIND_JPEG, true, 16, 12 },
	{ "jpeg segments then SOF2", BYTES("\xff\xd8"
	    "\xff\xe0\x00\x10" "JFIF" "\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
	    "\xff\xfe\x00\x07" "hello"
	    "\xff\xdb\x00\x04\x00\x01"
	    /* A DHT, a DAC and a JPG shaped like a 1x1 frame header. */
	    "\xff\xc4\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00"
	    "\xff\xcc\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00"
	    "\xff\xc8\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00"
	    SOF("\xc2", "\x01\xe0", "\x02\x80") JPEG_TAIL),
	    IMG_KIND_JPEG, true, 640, 480 },
	{ "jpeg frame header inside an APP1 body", BYTES("\xff\xd8"
	    "\xff\xe1\x00\x0f" SOF("\xc0", "\x00\x01", "\x00\x01")
	    SOF("\xc1", "\x00\x0c", "\x00\x10")),
	    IMG_KIND_JPEG, true, 16, 12 },
	{ "jpeg fill bytes", BYTES("\xff\xd8\xff\xff\xff\xe0\x00\x02"
	    "\xff\xff" SOF("\xc9", "\x00\x02", "\x00\x03")),
	    IMG_KIND_JPEG, true, 3, 2 },
	{ "jpeg TEM and RSTn", BYTES("\xff\xd8\xff\x01\xff\xd0\xff\xd7"
	    SOF("\xc3", "\x00\x04", "\x00\x05")), IMG_KIND_JPEG, true, 5, 4 },
	{ "jpeg empty segment", BYTES("\xff\xd8\xff\xed\x00\x02"
	    SOF("\xcf", "\x00\x04", "\x00\x05")), IMG_KIND_JPEG, true, 5, 4 },
	{ "jpeg 65535x65535", BYTES("\xff\xd8"
	    SOF("\xc0", "\xff\xff", "\xff\xff")),
	    IMG_KIND_JPEG, true, 65535, 65535 },
	{ "jpeg three components", BYTES("\xff\xd8\xff\xc0\x00\x11\x08"
	    "\x00\x06\x00\x08\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"),
	    IMG_KIND_JPEG, true, 8, 6 },
	{ "jpeg height 0", BYTES("\xff\xd8"
	    SOF("\xc0", "\x00\x00", "\x00\x10")), IMG_KIND_JPEG, false, 0, 0 },
	{ "jpeg width 0", BYTES("\xff\xd8"
	    SOF("\xc0", "\x00\x0c", "\x00\x00")), IMG_KIND_JPEG, false, 0, 0 },
	{ "jpeg SOF length wrong", BYTES("\xff\xd8\xff\xc0\x00\x0c\x08"
	    "\x00\x0c\x00\x10\x01\x01\x11\x00\x00"),
	    IMG_KIND_JPEG, false, 0, 0 },
	{ "jpeg SOF no components", BYTES("\xff\xd8\xff\xc0\x00\x08\x08"
	    "\x00\x0c\x00\x10\x00"), IMG_KIND_JPEG, false, 0, 0 },
	{ "jpeg scan before SOF", BYTES("\xff\xd8"
	    "\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"
	    SOF("\xc0", "\x00\x0c", "\x00\x10")), IMG_KIND_JPEG, false, 0, 0 },
	{ "jpeg EOI before SOF", BYTES("\xff\xd8\xff\xd9"
	    SOF("\xc0", "\x00\x0c", "\x00\x10")), IMG_KIND_JPEG, false, 0, 0 },
	{ "jpeg second SOI", BYTES("\xff\xd8\xff\xd8"
	    SOF("\xc0", "\x00\x0c", "\x00\x10")), IMG_KIND_JPEG, false, 0, 0 },
	{ "jpeg stuffed 0 for a marker", BYTES("\xff\xd8\xff\x00"
	    SOF("\xc0", "\x00\x0c", "\x00\x10")), IMG_KIND_JPEG, false, 0, 0 },
	{ "jpeg byte between segments", BYTES("\xff\xd8\xff\xe0\x00\x02\x00"
	    SOF("\xc0", "\x00\x0c", "\x00\x10")), IMG_KIND_JPEG, false, 0, 0 },
	{ "jpeg segment length 1", BYTES("\xff\xd8\xff\xe0\x00\x01"
	    SOF("\xc0", "\x00\x0c", "\x00\x10")), IMG_KIND_JPEG, false, 0, 0 },
	{ "jpeg cut inside APP1", BYTES("\xff\xd8\xff\xe1\x01\x00\x00\x00"),
	    IMG_KIND_JPEG, false, 0, 0 },
	{ "jpeg cut inside a length", BYTES("\xff\xd8\xff\xe1\x01"),
	    IMG_KIND_JPEG, false, 0, 0 },
	{ "jpeg cut inside SOF", BYTES("\xff\xd8\xff\xc0\x00\x0b\x08\x00\x0c"
	    "\x00"), IMG_KIND_JPEG, false, 0, 0 },
	{ "jpeg magic only", BYTES("\xff\xd8\xff"),
	    IMG_KIND_JPEG, false, 0, 0 },
	{ "jpeg SOI only", BYTES("\xff\xd8"), IMG_KIND_UNKNOWN, false, 0, 0 },

	/* PNG */
	{ "png 320x240", BYTES(PNG_SIG IHDR13 "\x00\x00\x01\x40"
	    "\x00\x00\x00\xf0" IHDR_REST), IMG_KIND_PNG, true, 320, 240 },
	{ "png largest", BYTES(PNG_SIG IHDR13 "\x7f\xff\xff\xff"
	    "\x00\x00\x00\x01" IHDR_REST), IMG_KIND_PNG, true, 0x7fffffff, 1 },
	{ "png width 2^31", BYTES(PNG_SIG IHDR13 "\x80\x00\x00\x00"
	    "\x00\x00\x00\x01" IHDR_REST), IMG_KIND_PNG, false, 0, 0 },
	{ "png width 0", BYTES(PNG_SIG IHDR13 "\x00\x00\x00\x00"
	    "\x00\x00\x00\x01" IHDR_REST), IMG_KIND_PNG, false, 0, 0 },
	{ "png height 0", BYTES(PNG_SIG IHDR13 "\x00\x00\x00\x01"
	    "\x00\x00\x00\x00" IHDR_REST), IMG_KIND_PNG, false, 0, 0 },
	{ "png IHDR not first", BYTES(PNG_SIG "\x00\x00\x00\x04" "gAMA"
	    "\x00\x00\xb1\x8f" "\x0b\xfc\x61\x05" IHDR13 "\x00\x00\x01\x40"
	    "\x00\x00\x00\xf0" IHDR_REST), IMG_KIND_PNG, false, 0, 0 },
	{ "png IHDR length 12", BYTES(PNG_SIG "\x00\x00\x00\x0c" "IHDR"
	    "\x00\x00\x01\x40" "\x00\x00\x00\xf0" IHDR_REST),
	    IMG_KIND_PNG, false, 0, 0 },
	{ "png cut inside IHDR", BYTES(PNG_SIG IHDR13 "\x00\x00\x01\x40"
	    "\x00\x00"), IMG_KIND_PNG, false, 0, 0 },
	{ "png signature only", BYTES(PNG_SIG), IMG_KIND_PNG, false, 0, 0 },
	{ "png signature wrong", BYTES("\x89" "PNG" "\r\n\x1a\r" IHDR13
	    "\x00\x00\x01\x40" "\x00\x00\x00\xf0" IHDR_REST),
	    IMG_KIND_UNKNOWN, false, 0, 0 },

	/* GIF */
	{ "gif89a 300x200", BYTES("GIF89a" "\x2c\x01\xc8\x00\x00\x00\x00"),
	    IMG_KIND_GIF, true, 300, 200 },
	{ "gif87a 1x65535", BYTES("GIF87a" "\x01\x00\xff\xff\x00\x00\x00"),
	    IMG_KIND_GIF, true, 1, 65535 },
	{ "gif 0x0", BYTES("GIF87a" "\x00\x00\x00\x00\x00\x00\x00"),
	    IMG_KIND_GIF, false, 0, 0 },
	{ "gif width 0", BYTES("GIF89a" "\x00\x00\x05\x00\x00\x00\x00"),
	    IMG_KIND_GIF, false, 0, 0 },
	{ "gif cut inside the screen", BYTES("GIF89a" "\x2c\x01\xc8"),
	    IMG_KIND_GIF, false, 0, 0 },
	{ "gif88a", BYTES("GIF88a" "\x2c\x01\xc8\x00\x00\x00\x00"),
	    IMG_KIND_UNKNOWN, false, 0, 0 },

	/* WebP */
	{ "webp VP8 640x480", BYTES(RIFF_WEBP "VP8 " "\x18\x00\x00\x00"
	    "\x50\x02\x00" "\x9d\x01\x2a" "\x80\x02\xe0\x01" "\x00\x00"),
	    IMG_KIND_WEBP, true, 640, 480 },
	{ "webp VP8 scale bits", BYTES(RIFF_WEBP "VP8 " "\x18\x00\x00\x00"
	    "\x50\x02\x00" "\x9d\x01\x2a" "\x80\x42\xe0\xc1" "\x00\x00"),
	    IMG_KIND_WEBP, true, 640, 480 },
	{ "webp VP8 width 0", BYTES(RIFF_WEBP "VP8 " "\x18\x00\x00\x00"
	    "\x50\x02\x00" "\x9d\x01\x2a" "\x00\xc0\xe0\x01" "\x00\x00"),
	    IMG_KIND_WEBP, false, 0, 0 },
	{ "webp VP8 not a key frame", BYTES(RIFF_WEBP "VP8 "
	    "\x18\x00\x00\x00" "\x51\x02\x00" "\x9d\x01\x2a"
	    "\x80\x02\xe0\x01"), IMG_KIND_WEBP, false, 0, 0 },
	{ "webp VP8 start code wrong", BYTES(RIFF_WEBP "VP8 "
	    "\x18\x00\x00\x00" "\x50\x02\x00" "\x9d\x01\x2b"
	    "\x80\x02\xe0\x01"), IMG_KIND_WEBP, false, 0, 0 },
	{ "webp VP8 chunk too small", BYTES(RIFF_WEBP "VP8 "
	    "\x09\x00\x00\x00" "\x50\x02\x00" "\x9d\x01\x2a"
	    "\x80\x02\xe0\x01"), IMG_KIND_WEBP, false, 0, 0 },
	{ "webp VP8 cut after the start code", BYTES(RIFF_WEBP "VP8 "
	    "\x18\x00\x00\x00" "\x50\x02\x00" "\x9d\x01\x2a" "\x80"),
	    IMG_KIND_WEBP, false, 0, 0 },
	{ "webp VP8L 400x300", BYTES(RIFF_WEBP "VP8L" "\x05\x00\x00\x00"
	    "\x2f" "\x8f\xc1\x4a\x10"), IMG_KIND_WEBP, true, 400, 300 },
	{ "webp VP8L 1x1", BYTES(RIFF_WEBP "VP8L" "\x0a\x00\x00\x00"
	    "\x2f" "\x00\x00\x00\x00" "\x00\x00\x00\x00\x00"),
	    IMG_KIND_WEBP, true, 1, 1 },
	{ "webp VP8L largest", BYTES(RIFF_WEBP "VP8L" "\x0a\x00\x00\x00"
	    "\x2f" "\xff\xff\xff\x0f" "\x00\x00\x00\x00\x00"),
	    IMG_KIND_WEBP, true, 16384, 16384 },
	{ "webp VP8L signature wrong", BYTES(RIFF_WEBP "VP8L"
	    "\x05\x00\x00\x00" "\x2e" "\x8f\xc1\x4a\x10"),
	    IMG_KIND_WEBP, false, 0, 0 },
	{ "webp VP8L version 1", BYTES(RIFF_WEBP "VP8L" "\x05\x00\x00\x00"
	    "\x2f" "\x8f\xc1\x4a\x30"), IMG_KIND_WEBP, false, 0, 0 },
	{ "webp VP8L cut", BYTES(RIFF_WEBP "VP8L" "\x05\x00\x00\x00"
	    "\x2f" "\x8f\xc1\x4a"), IMG_KIND_WEBP, false, 0, 0 },
	{ "webp VP8X 1000x65536", BYTES(RIFF_WEBP "VP8X" "\x0a\x00\x00\x00"
	    "\x10\x00\x00\x00" "\xe7\x03\x00" "\xff\xff\x00"),
	    IMG_KIND_WEBP, true, 1000, 65536 },
	{ "webp VP8X largest", BYTES(RIFF_WEBP "VP8X" "\x0a\x00\x00\x00"
	    "\x00\x00\x00\x00" "\xff\xff\xff" "\xff\xff\xff"),
	    IMG_KIND_WEBP, true, 16777216, 16777216 },
	{ "webp VP8X chunk too small", BYTES(RIFF_WEBP "VP8X"
	    "\x09\x00\x00\x00" "\x10\x00\x00\x00" "\xe7\x03\x00"
	    "\xff\xff\x00"), IMG_KIND_WEBP, false, 0, 0 },
	{ "webp VP8X cut", BYTES(RIFF_WEBP "VP8X" "\x0a\x00\x00\x00"
	    "\x10\x00\x00\x00" "\xe7\x03\x00" "\xff\xff"),
	    IMG_KIND_WEBP, false, 0, 0 },
	{ "webp first chunk unknown", BYTES(RIFF_WEBP "ALPH"
	    "\x0a\x00\x00\x00" "\x10\x00\x00\x00" "\xe7\x03\x00"
	    "\xff\xff\x00"), IMG_KIND_WEBP, false, 0, 0 },
	{ "webp cut after the RIFF header", BYTES(RIFF_WEBP "VP8"),
	    IMG_KIND_WEBP, false, 0, 0 },
	{ "riff wave", BYTES("RIFF" "\x24\x00\x00\x00" "WAVE" "fmt "
	    "\x10\x00\x00\x00"), IMG_KIND_UNKNOWN, false, 0, 0 },

	/* Neither */
	{ "empty", BYTES(""), IMG_KIND_UNKNOWN, false, 0, 0 },
	{ "text", BYTES("hello, world\n"), IMG_KIND_UNKNOWN, false, 0, 0 },
	{ "bmp", BYTES("BM" "\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00"),
	    IMG_KIND_UNKNOWN, false, 0, 0 },
};

START_TEST(test_handmade)
{
	check_all_chunks(&handmade[_i]);
}
END_TEST

/* Every marker code in a frame-header-shaped segment: only SOFn give dims. */
START_TEST(test_jpeg_marker_codes)
{
	static const unsigned char	 sof[] = {
		0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7,
		0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf
	};
	unsigned char	 buf[] = "\xff\xd8" SOF("\xc0", "\x00\x0c", "\x00\x10");
	struct expect	 e;
	unsigned	 code;

	for (code = 0; code < 256; code++) {
		buf[3] = (unsigned char)code;
		e.name = "marker code";
		e.bytes = buf;
		e.len = sizeof(buf) - 1;
		e.kind = IMG_KIND_JPEG;
		e.ok = memchr(sof, (int)code, sizeof(sof)) != NULL;
		e.w = 16;
		e.h = 12;
		check_all_chunks(&e);
	}
}
END_TEST

/* The kind is known on the byte that completes the magic, not later. */
static const struct {
	const unsigned char	*bytes;
	size_t			 len;
	size_t			 at;
	enum img_kind		 kind;
} magics[] = {
	{ BYTES("\xff\xd8\xff\xe0\x00\x10"), 3, IMG_KIND_JPEG },
	{ BYTES(PNG_SIG IHDR13), 8, IMG_KIND_PNG },
	{ BYTES("GIF87a" "\x01\x00"), 6, IMG_KIND_GIF },
	{ BYTES("GIF89a" "\x01\x00"), 6, IMG_KIND_GIF },
	{ BYTES(RIFF_WEBP "VP8 "), 12, IMG_KIND_WEBP },
};

START_TEST(test_magic_byte_by_byte)
{
	struct img_sniff	 s;
	size_t			 i;

	img_sniff_init(&s);
	for (i = 0; i < magics[_i].len; i++) {
		ck_assert_int_eq(img_sniff_kind(&s), IMG_KIND_UNKNOWN);
		img_sniff_feed(&s, magics[_i].bytes + i, 1);
		if (i + 1 >= magics[_i].at)
			ck_assert_int_eq(img_sniff_kind(&s), magics[_i].kind);
		if (i + 1 == magics[_i].at)
			break;
	}
	ck_assert(!img_sniff_dims(&s, NULL, NULL));
}
END_TEST

/* A magic counts only at the start, and empty feeds change nothing. */
START_TEST(test_magic_at_start_only)
{
	static const unsigned char	 png[] = PNG_SIG IHDR13
	    "\x00\x00\x00\x08" "\x00\x00\x00\x06";
	struct img_sniff		 s;
	uint32_t			 w, h;

	img_sniff_init(&s);
	img_sniff_feed(&s, "x", 1);
	img_sniff_feed(&s, png, sizeof(png) - 1);
	ck_assert_int_eq(img_sniff_kind(&s), IMG_KIND_UNKNOWN);
	ck_assert(!img_sniff_dims(&s, &w, &h));

	/* init makes the same object new again. */
	img_sniff_init(&s);
	img_sniff_feed(&s, NULL, 0);
	img_sniff_feed(&s, png, 5);
	img_sniff_feed(&s, NULL, 0);
	img_sniff_feed(&s, png + 5, sizeof(png) - 1 - 5);
	img_sniff_feed(&s, NULL, 0);
	ck_assert_int_eq(img_sniff_kind(&s), IMG_KIND_PNG);
	ck_assert(img_sniff_dims(&s, &w, &h));
	ck_assert_uint_eq(w, 8);
	ck_assert_uint_eq(h, 6);
}
END_TEST

/* Megabytes after the header change nothing, in big chunks or small. */
START_TEST(test_big_after_header)
{
	static const char	*paths[] = {
		"data/sample.jpg", "data/sample.png"
	};
	static const uint32_t	 dims[][2] = { { 16, 12 }, { 8, 6 } };
	struct img_sniff	 s;
	unsigned char		*img, *big;
	size_t			 n, i, off;
	uint32_t		 w, h;

	big = malloc(BIG);
	ck_assert_ptr_nonnull(big);
	/* Marker-like bytes, in case the sniffer were still reading. */
	for (i = 0; i < BIG; i++)
		big[i] = i % 2 == 0 ? 0xff : 0xc0;
	for (i = 0; i < NITEMS(paths); i++) {
		img = slurp(paths[i], &n);
		img_sniff_init(&s);
		img_sniff_feed(&s, img, n);
		img_sniff_feed(&s, big, BIG);
		for (off = 0; off < BIG; off += 1024)
			img_sniff_feed(&s, big + off, 1024);
		for (off = 0; off < 1024 * 1024; off++)
			img_sniff_feed(&s, big + off, 1);
		ck_assert(img_sniff_dims(&s, &w, &h));
		ck_assert_uint_eq(w, dims[i][0]);
		ck_assert_uint_eq(h, dims[i][1]);
		free(img);
	}
	free(big);
}
END_TEST

/* 10 MiB of maximal APP1 segments before the frame header are skipped. */
START_TEST(test_big_before_sof)
{
	static const unsigned char	 sof[] = SOF("\xc0", "\x02\xd0",
	    "\x05\x00");
	static const size_t		 steps[] = { 0, 7, 4096 };
	static const unsigned char	 junk[] = { 0xff, 0xc0, 0xff, 0xd9 };
	struct img_sniff		 s;
	unsigned char			*p;
	size_t				 n, off, k, i, seg = 4 + 65533;
	uint32_t			 w, h;

	n = 2 + (BIG / seg) * seg + sizeof(sof) - 1;
	p = malloc(n);
	ck_assert_ptr_nonnull(p);
	p[0] = 0xff;
	p[1] = 0xd8;
	for (off = 2; off + seg <= n - (sizeof(sof) - 1); off += seg) {
		memcpy(p + off, "\xff\xe1\xff\xff", 4);
		/* A body of frame headers and EOIs the skip must not see. */
		for (i = 0; i < 65533; i++)
			p[off + 4 + i] = junk[i % sizeof(junk)];
	}
	memcpy(p + off, sof, sizeof(sof) - 1);
	ck_assert_uint_eq(off + sizeof(sof) - 1, n);
	for (i = 0; i < NITEMS(steps); i++) {
		img_sniff_init(&s);
		for (off = 0; off < n; off += k) {
			k = steps[i] == 0 || steps[i] > n - off ? n - off :
			    steps[i];
			img_sniff_feed(&s, p + off, k);
		}
		ck_assert_int_eq(img_sniff_kind(&s), IMG_KIND_JPEG);
		ck_assert(img_sniff_dims(&s, &w, &h));
		ck_assert_uint_eq(w, 1280);
		ck_assert_uint_eq(h, 720);
	}
	free(p);
}
END_TEST

static const struct {
	const char	*ext;
	enum img_kind	 kind;
} exts[] = {
	{ "jpg", IMG_KIND_JPEG },
	{ "jpeg", IMG_KIND_JPEG },
	{ "png", IMG_KIND_PNG },
	{ "gif", IMG_KIND_GIF },
	{ "webp", IMG_KIND_WEBP },
	{ "JPG", IMG_KIND_JPEG },
	{ "WebP", IMG_KIND_WEBP },
	{ "", IMG_KIND_UNKNOWN },
	{ ".jpg", IMG_KIND_UNKNOWN },
	{ "jpe", IMG_KIND_UNKNOWN },
	{ "jpgx", IMG_KIND_UNKNOWN },
	{ "pn", IMG_KIND_UNKNOWN },
	{ "tiff", IMG_KIND_UNKNOWN },
	{ "bmp", IMG_KIND_UNKNOWN },
	{ "svg", IMG_KIND_UNKNOWN },
	{ NULL, IMG_KIND_UNKNOWN },
};

START_TEST(test_kind_from_ext)
{
	ck_assert_msg(img_kind_from_ext(exts[_i].ext) == exts[_i].kind,
	    "extension %s", exts[_i].ext ? exts[_i].ext : "(null)");
}
END_TEST

START_TEST(test_kind_mime)
{
	static const struct {
		enum img_kind	 kind;
		const char	*mime;
	} mimes[] = {
		{ IMG_KIND_JPEG, "image/jpeg" },
		{ IMG_KIND_PNG, "image/png" },
		{ IMG_KIND_GIF, "image/gif" },
		{ IMG_KIND_WEBP, "image/webp" },
		{ IMG_KIND_UNKNOWN, "application/octet-stream" },
	};
	size_t	 i;

	for (i = 0; i < NITEMS(mimes); i++)
		ck_assert_str_eq(img_kind_mime(mimes[i].kind), mimes[i].mime);
}
END_TEST

Suite *
imgsniff_suite(void)
{
	Suite	*s = suite_create("imgsniff");
	TCase	*tc;

	tc = tcase_create("samples");
	tcase_add_loop_test(tc, test_sample, 0, NITEMS(samples));
	tcase_add_loop_test(tc, test_sample_prefixes, 0, NITEMS(samples));
	suite_add_tcase(s, tc);

	tc = tcase_create("headers");
	tcase_add_loop_test(tc, test_handmade, 0, NITEMS(handmade));
	tcase_add_test(tc, test_jpeg_marker_codes);
	tcase_add_loop_test(tc, test_magic_byte_by_byte, 0, NITEMS(magics));
	tcase_add_test(tc, test_magic_at_start_only);
	suite_add_tcase(s, tc);

	tc = tcase_create("streaming");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_big_after_header);
	tcase_add_test(tc, test_big_before_sof);
	suite_add_tcase(s, tc);

	tc = tcase_create("kinds");
	tcase_add_loop_test(tc, test_kind_from_ext, 0, NITEMS(exts));
	tcase_add_test(tc, test_kind_mime);
	suite_add_tcase(s, tc);
	return s;
}
