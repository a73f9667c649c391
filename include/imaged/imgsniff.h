/*
 * imgsniff.h: recognise an image by its magic bytes and read its
 * dimensions from its header, from bytes fed in chunks as they stream in.
 *
 * The sniffer never buffers the image: its state is a fixed-size struct
 * that a caller embeds (no allocation, no cleanup).  It reads JPEG SOFn
 * markers after any APPn/EXIF segments (skipping segments by their length
 * across chunk boundaries), PNG IHDR, the GIF logical screen and WebP
 * VP8/VP8L/VP8X headers.  Every read is bounds-checked against what has
 * arrived; bytes after the dimensions are found are ignored cheaply.
 * Not thread-safe per object; distinct objects are independent.
 */
#ifndef IMAGED_IMGSNIFF_H
#define IMAGED_IMGSNIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum img_kind {
	IMG_KIND_UNKNOWN = 0,
	IMG_KIND_JPEG,
	IMG_KIND_PNG,
	IMG_KIND_GIF,
	IMG_KIND_WEBP
};

struct img_sniff {
	/* private: the parser's state; see imgsniff.c */
	unsigned char	 head[32];	/* first bytes, for the magic */
	size_t		 nhead;
	uint64_t	 offset;	/* bytes fed so far */
	enum img_kind	 kind;
	int		 state;
	uint64_t	 skip;		/* bytes still to skip in this state */
	unsigned char	 hold[32];	/* a header being assembled */
	size_t		 nhold;
	size_t		 want;
	uint32_t	 width, height;
	bool		 done;		/* nothing more to learn */
};

void		 img_sniff_init(struct img_sniff *);
/* Feed the next n bytes of the image. */
void		 img_sniff_feed(struct img_sniff *, const void *, size_t n);
/* The kind the magic bytes name, IMG_KIND_UNKNOWN when they name none. */
enum img_kind	 img_sniff_kind(const struct img_sniff *);
/*
 * The dimensions, once the header has been read.  False when they could
 * not be read (unknown kind, header cut short or corrupt, or a dimension
 * of 0): the API then reports null.
 */
bool		 img_sniff_dims(const struct img_sniff *, uint32_t *w,
		    uint32_t *h);

/* The kind a lower-case extension names ("jpg", "jpeg", ...), or UNKNOWN. */
enum img_kind	 img_kind_from_ext(const char *ext);
/*
 * The MIME type of a kind ("image/jpeg"); "application/octet-stream"
 * for UNKNOWN.
 */
const char	*img_kind_mime(enum img_kind);

#endif
