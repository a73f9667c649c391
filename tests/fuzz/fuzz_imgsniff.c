/*
 * fuzz_imgsniff.c: the image header sniffer (imgsniff.h).
 *
 * The input is the start of an uploaded file.  It is fed whole, in chunks
 * whose sizes are drawn from the input, and one byte at a time; the kind
 * and dimensions must not depend on the chunking.  Dimensions are read
 * only for a known kind and are never 0; the kind agrees with the magic
 * bytes; bytes fed after the dimensions were found change nothing.
 */
#include <stdbool.h>

#include "imaged/imgsniff.h"

#include "fuzz.h"

#define BYTEWISE_MAX	(64 * 1024)

struct result {
	enum img_kind	 kind;
	bool		 dims;
	uint32_t	 w, h;
};

static void
finish(const struct img_sniff *s, struct result *r)
{
	r->kind = img_sniff_kind(s);
	r->w = r->h = 0;
	r->dims = img_sniff_dims(s, &r->w, &r->h);
	if (r->dims) {
		FUZZ_CHECK(r->kind != IMG_KIND_UNKNOWN);
		FUZZ_CHECK(r->w > 0 && r->h > 0);
	}
	FUZZ_CHECK(img_sniff_dims(s, NULL, NULL) == r->dims);
}

static void
same(const struct result *a, const struct result *b)
{
	FUZZ_CHECK(a->kind == b->kind);
	FUZZ_CHECK(a->dims == b->dims);
	FUZZ_CHECK(a->w == b->w && a->h == b->h);
}

/* The kind the first bytes name, decided here independently. */
static enum img_kind
magic_kind(const uint8_t *d, size_t n)
{
	if (n >= 3 && memcmp(d, "\xff\xd8\xff", 3) == 0)
		return IMG_KIND_JPEG;
	if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
		return IMG_KIND_PNG;
	if (n >= 6 && (memcmp(d, "GIF87a", 6) == 0 ||
	    memcmp(d, "GIF89a", 6) == 0))
		return IMG_KIND_GIF;
	if (n >= 12 && memcmp(d, "RIFF", 4) == 0 &&
	    memcmp(d + 8, "WEBP", 4) == 0)
		return IMG_KIND_WEBP;
	return IMG_KIND_UNKNOWN;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct img_sniff	 s;
	struct result		 whole, other;
	uint64_t		 h = fuzz_hash(data, size);
	size_t			 off, n, i;
	uint32_t		 w, ht;
	static const uint8_t	 junk[4096];

	img_sniff_init(&s);
	FUZZ_CHECK(img_sniff_kind(&s) == IMG_KIND_UNKNOWN);
	FUZZ_CHECK(!img_sniff_dims(&s, &w, &ht));
	img_sniff_feed(&s, data, size);
	finish(&s, &whole);
	FUZZ_CHECK(whole.kind == magic_kind(data, size));
	FUZZ_CHECK(img_kind_mime(whole.kind) != NULL);

	/* Once found, dimensions stay whatever follows. */
	if (whole.dims) {
		img_sniff_feed(&s, junk, sizeof(junk));
		img_sniff_feed(&s, data, size);
		finish(&s, &other);
		same(&whole, &other);
	}

	/* Chunks of 1 to 64 bytes, their sizes drawn from the hash. */
	img_sniff_init(&s);
	for (off = 0, i = 0; off < size; off += n, i++) {
		n = 1 + (size_t)((h >> (i % 58)) & 63);
		if (n > size - off)
			n = size - off;
		img_sniff_feed(&s, data + off, n);
	}
	img_sniff_feed(&s, data, 0);
	finish(&s, &other);
	same(&whole, &other);

	if (size <= BYTEWISE_MAX) {
		img_sniff_init(&s);
		for (off = 0; off < size; off++)
			img_sniff_feed(&s, data + off, 1);
		finish(&s, &other);
		same(&whole, &other);
	}
	return 0;
}
