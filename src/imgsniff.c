/*
 * imgsniff.c: the kind and the dimensions of an image, read from its first
 * bytes as they stream in, whatever the size of the chunks.
 *
 * Until the kind is known, bytes go one at a time into s->head and are
 * compared with every magic still possible, so a kind is decided on the
 * byte that completes its magic and a stranger is refused on the byte that
 * rules the last magic out.  PNG, GIF and WebP keep their dimensions at
 * fixed offsets within their first 30 bytes: for them s->head fills, in
 * bulk, to s->want bytes and is parsed once.  A JPEG puts any number of
 * segments (APPn, EXIF, COM, DQT, DHT...) ahead of its frame header, so
 * after its magic the bytes drive a marker machine in s->state: a segment's
 * length is gathered in s->hold and its body skipped by counting s->skip
 * down, so no segment is buffered and a chunk costs O(1) for each segment
 * boundary it crosses.
 *
 * Invariants: once s->done is set, a feed only counts its bytes.
 * s->width and s->height are both non-zero exactly when the dimensions
 * were read; every failure leaves them 0.  s->nhead <= s->want <=
 * sizeof(s->head) and s->nhold <= s->want <= sizeof(s->hold) whenever
 * bytes are copied, so no read passes what has arrived.
 */
#include <string.h>
#include <strings.h>

#include "imaged/imgsniff.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* Bytes of head that hold each format's dimensions. */
#define PNG_NEED	24	/* signature, IHDR length and type, w, h */
#define GIF_NEED	10	/* signature, logical screen width and height */
#define WEBP_CHUNK	20	/* RIFF header, first chunk's type and size */
#define WEBP_VP8_NEED	30	/* frame tag, start code, width, height */
#define WEBP_VP8L_NEED	25	/* signature, packed width, height, version */
#define WEBP_VP8X_NEED	30	/* flags, reserved, canvas width, height */

#define PNG_MAX_DIM	0x7fffffffU	/* PNG allows at most 2^31 - 1 */

/* The JPEG marker machine's states. */
enum {
	J_FF = 1,	/* wants the 0xFF that opens a marker */
	J_CODE,		/* wants the marker's code (0xFF here is fill) */
	J_LEN,		/* gathers a segment's 2-byte length in hold */
	J_SOF,		/* gathers a frame header's first 8 bytes in hold */
	J_SKIP		/* skips a segment's body, s->skip bytes to go */
};
#define JPEG_SOF_NEED	8	/* length, precision, height, width, Nf */

struct magic {
	enum img_kind	 kind;
	const char	*bytes;
	size_t		 len;
	unsigned	 wild;	/* bit i set: byte i matches anything */
	size_t		 want;	/* head bytes to gather once decided */
};

static const struct magic magics[] = {
	{ IMG_KIND_JPEG, "\xff\xd8\xff", 3, 0, 0 },
	{ IMG_KIND_PNG, "\x89PNG\r\n\x1a\n", 8, 0, PNG_NEED },
	{ IMG_KIND_GIF, "GIF87a", 6, 0, GIF_NEED },
	{ IMG_KIND_GIF, "GIF89a", 6, 0, GIF_NEED },
	/* Bytes 4-7 are the RIFF size, which says nothing of the kind. */
	{ IMG_KIND_WEBP, "RIFF\0\0\0\0WEBP", 12, 0xf0, WEBP_CHUNK },
};

_Static_assert(WEBP_VP8_NEED <= sizeof(((struct img_sniff *)0)->head) &&
    WEBP_VP8X_NEED <= sizeof(((struct img_sniff *)0)->head) &&
    PNG_NEED <= sizeof(((struct img_sniff *)0)->head),
    "img_sniff.head holds every fixed header");
_Static_assert(JPEG_SOF_NEED <= sizeof(((struct img_sniff *)0)->hold),
    "img_sniff.hold holds a frame header's start");

static uint32_t
be16(const unsigned char *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
le16(const unsigned char *p)
{
	return (uint32_t)p[1] << 8 | p[0];
}

static uint32_t
le24(const unsigned char *p)
{
	return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | le24(p);
}

/* Ends the parse; a dimension of 0 counts as unread. */
static void
finish(struct img_sniff *s, uint32_t w, uint32_t h)
{
	if (w != 0 && h != 0) {
		s->width = w;
		s->height = h;
	}
	s->done = true;
}

/*
 * Compares s->head with the magics: sets s->kind when one is complete,
 * s->done when none can still match.  No magic is a prefix of another, so
 * the first complete one is the only one.
 */
static void
sniff_magic(struct img_sniff *s)
{
	const struct magic	*m;
	size_t			 i, k;
	bool			 maybe = false;

	for (k = 0; k < NITEMS(magics); k++) {
		m = &magics[k];
		for (i = 0; i < s->nhead && i < m->len; i++)
			if ((m->wild >> i & 1) == 0 &&
			    s->head[i] != (unsigned char)m->bytes[i])
				break;
		if (i < s->nhead && i < m->len)
			continue;
		if (s->nhead >= m->len) {
			s->kind = m->kind;
			s->want = m->want;
			return;
		}
		maybe = true;
	}
	if (!maybe)
		s->done = true;
}

/* The first chunk's header has arrived: how much of its payload to wait for. */
static void
webp_chunk(struct img_sniff *s)
{
	const unsigned char	*t = s->head + 12;

	if (memcmp(t, "VP8 ", 4) == 0)
		s->want = WEBP_VP8_NEED;
	else if (memcmp(t, "VP8L", 4) == 0)
		s->want = WEBP_VP8L_NEED;
	else if (memcmp(t, "VP8X", 4) == 0)
		s->want = WEBP_VP8X_NEED;
	else
		finish(s, 0, 0);
}

static void
webp_dims(struct img_sniff *s)
{
	const unsigned char	*t = s->head + 12, *p = s->head + 20;
	uint32_t		 size = le32(s->head + 16), bits;

	if (memcmp(t, "VP8 ", 4) == 0) {
		/* Bit 0 of the frame tag is clear on a key frame. */
		if (size < 10 || (p[0] & 1) != 0 ||
		    memcmp(p + 3, "\x9d\x01\x2a", 3) != 0) {
			finish(s, 0, 0);
			return;
		}
		/* The top 2 bits of each are the upscaling hint. */
		finish(s, le16(p + 6) & 0x3fff, le16(p + 8) & 0x3fff);
	} else if (memcmp(t, "VP8L", 4) == 0) {
		bits = le32(p + 1);
		/* Bits 29-31 are a version that must be 0. */
		if (size < 5 || p[0] != 0x2f || bits >> 29 != 0) {
			finish(s, 0, 0);
			return;
		}
		finish(s, (bits & 0x3fff) + 1, (bits >> 14 & 0x3fff) + 1);
	} else {
		if (size < 10) {
			finish(s, 0, 0);
			return;
		}
		finish(s, le24(p + 4) + 1, le24(p + 7) + 1);
	}
}

/* s->head holds s->want bytes of a PNG, GIF or WebP. */
static void
head_full(struct img_sniff *s)
{
	uint32_t	 w, h;

	switch (s->kind) {
	case IMG_KIND_PNG:
		/* IHDR must be the first chunk, and is always 13 bytes. */
		if (be32(s->head + 8) != 13 ||
		    memcmp(s->head + 12, "IHDR", 4) != 0) {
			finish(s, 0, 0);
			break;
		}
		w = be32(s->head + 16);
		h = be32(s->head + 20);
		if (w > PNG_MAX_DIM || h > PNG_MAX_DIM)
			w = h = 0;
		finish(s, w, h);
		break;
	case IMG_KIND_GIF:
		finish(s, le16(s->head + 6), le16(s->head + 8));
		break;
	case IMG_KIND_WEBP:
		if (s->want == WEBP_CHUNK)
			webp_chunk(s);
		else
			webp_dims(s);
		break;
	default:
		finish(s, 0, 0);
		break;
	}
}

static bool
jpeg_is_sof(unsigned char c)
{
	/* C4 (DHT), C8 (JPG) and CC (DAC) share the range but are no frame. */
	return c >= 0xc0 && c <= 0xcf && c != 0xc4 && c != 0xc8 && c != 0xcc;
}

/* A marker's code has arrived. */
static void
jpeg_marker(struct img_sniff *s, unsigned char c)
{
	if (c == 0xff)
		return;
	if (c == 0x01 || (c >= 0xd0 && c <= 0xd7)) {
		/* TEM and RSTn stand alone, with no length. */
		s->state = J_FF;
		return;
	}
	/*
	 * A stuffed 0, a second SOI, an EOI or a scan before any frame
	 * header: the dimensions are not where a valid JPEG keeps them.
	 */
	if (c == 0x00 || c == 0xd8 || c == 0xd9 || c == 0xda) {
		finish(s, 0, 0);
		return;
	}
	s->state = jpeg_is_sof(c) ? J_SOF : J_LEN;
	s->want = s->state == J_SOF ? JPEG_SOF_NEED : 2;
	s->nhold = 0;
}

/* s->hold holds s->want bytes of a segment's start. */
static void
jpeg_segment(struct img_sniff *s)
{
	uint32_t	 len = be16(s->hold), nf;

	if (s->state == J_LEN) {
		/* The length counts its own 2 bytes. */
		if (len < 2) {
			finish(s, 0, 0);
			return;
		}
		s->skip = len - 2;
		s->state = s->skip > 0 ? J_SKIP : J_FF;
		return;
	}
	/* A frame header is exactly 8 bytes and 3 per component. */
	nf = s->hold[7];
	if (nf == 0 || len != 8 + 3 * nf) {
		finish(s, 0, 0);
		return;
	}
	finish(s, be16(s->hold + 5), be16(s->hold + 3));
}

/* Runs the marker machine over p[0..n); returns the bytes it used. */
static size_t
jpeg_feed(struct img_sniff *s, const unsigned char *p, size_t n)
{
	size_t	 i = 0, k;

	while (i < n && !s->done) {
		switch (s->state) {
		case J_SKIP:
			k = (uint64_t)(n - i) < s->skip ? n - i :
			    (size_t)s->skip;
			i += k;
			s->skip -= k;
			if (s->skip == 0)
				s->state = J_FF;
			break;
		case J_FF:
			/* Valid JPEGs have no bytes between segments. */
			if (p[i++] != 0xff)
				finish(s, 0, 0);
			else
				s->state = J_CODE;
			break;
		case J_CODE:
			jpeg_marker(s, p[i++]);
			break;
		case J_LEN:
		case J_SOF:
			k = s->want - s->nhold;
			if (k > n - i)
				k = n - i;
			memcpy(s->hold + s->nhold, p + i, k);
			s->nhold += k;
			i += k;
			if (s->nhold == s->want)
				jpeg_segment(s);
			break;
		default:
			finish(s, 0, 0);
			break;
		}
	}
	return i;
}

void
img_sniff_init(struct img_sniff *s)
{
	memset(s, 0, sizeof(*s));
	s->kind = IMG_KIND_UNKNOWN;
}

void
img_sniff_feed(struct img_sniff *s, const void *buf, size_t n)
{
	const unsigned char	*p = buf;
	size_t			 k;

	s->offset += n;
	while (n > 0 && !s->done) {
		if (s->kind == IMG_KIND_UNKNOWN) {
			s->head[s->nhead++] = *p++;
			n--;
			sniff_magic(s);
			/* FF D8 is SOI; the third byte opens a marker. */
			if (s->kind == IMG_KIND_JPEG)
				s->state = J_CODE;
		} else if (s->kind == IMG_KIND_JPEG) {
			k = jpeg_feed(s, p, n);
			p += k;
			n -= k;
		} else {
			k = s->want - s->nhead;
			if (k > n)
				k = n;
			memcpy(s->head + s->nhead, p, k);
			s->nhead += k;
			p += k;
			n -= k;
			if (s->nhead == s->want)
				head_full(s);
		}
	}
}

enum img_kind
img_sniff_kind(const struct img_sniff *s)
{
	return s->kind;
}

bool
img_sniff_dims(const struct img_sniff *s, uint32_t *w, uint32_t *h)
{
	if (s->width == 0 || s->height == 0)
		return false;
	if (w != NULL)
		*w = s->width;
	if (h != NULL)
		*h = s->height;
	return true;
}

/* Matches case-insensitively, so "JPG" works though callers lower-case. */
enum img_kind
img_kind_from_ext(const char *ext)
{
	static const struct {
		const char	*ext;
		enum img_kind	 kind;
	} exts[] = {
		{ "jpg", IMG_KIND_JPEG },
		{ "jpeg", IMG_KIND_JPEG },
		{ "png", IMG_KIND_PNG },
		{ "gif", IMG_KIND_GIF },
		{ "webp", IMG_KIND_WEBP },
	};
	size_t	 i;

	if (ext == NULL)
		return IMG_KIND_UNKNOWN;
	for (i = 0; i < NITEMS(exts); i++)
		if (strcasecmp(ext, exts[i].ext) == 0)
			return exts[i].kind;
	return IMG_KIND_UNKNOWN;
}

const char *
img_kind_mime(enum img_kind kind)
{
	switch (kind) {
	case IMG_KIND_JPEG:
		return "image/jpeg";
	case IMG_KIND_PNG:
		return "image/png";
	case IMG_KIND_GIF:
		return "image/gif";
	case IMG_KIND_WEBP:
		return "image/webp";
	default:
		return "application/octet-stream";
	}
}
