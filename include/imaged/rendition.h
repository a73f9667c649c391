/*
 * rendition.h: making a rendition, an image resized and re-encoded, with
 * libvips.
 *
 * This module alone includes vips.h.  A render reads the source from a
 * descriptor the caller opened (the blob store's), refuses it from its
 * header when it claims more pixels than allowed (a decompression bomb:
 * nothing is decoded), and otherwise shrinks it on load (JPEG and WebP
 * are never decoded whole for a thumbnail), applies its EXIF orientation,
 * brings it to sRGB, keeps alpha where the format has it (flattened on
 * white for JPEG), takes the first frame of an animation, and encodes it
 * with no metadata (EXIF, GPS, XMP and ICC are stripped; the pixels are
 * sRGB).
 *
 * libvips is not linked but loaded (dlopen) by the first call that needs
 * it, so a daemon that makes no rendition never pays for its libraries.
 * It keeps process-wide state (its operation cache, its thread count):
 * rendition_lib_init() loads and sets it once for the process, with no
 * cache and one thread per render, since imaged runs renders on its own
 * bounded pool (renderpool.h).  After that every function is thread-safe.
 */
#ifndef IMAGED_RENDITION_H
#define IMAGED_RENDITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imaged/err.h"
#include "imaged/imgsniff.h"
#include "imaged/rendparams.h"

/*
 * Load and start libvips for this process (once; later calls do
 * nothing): no operation cache, one worker thread per render, only the
 * JPEG, PNG, GIF and WebP loaders.  IMG_EINTERNAL (logged once) when
 * libvips cannot be loaded or started.
 */
enum img_err	 rendition_lib_init(void);
/* Whether this libvips can write AVIF (starts libvips if need be). */
bool		 rendition_avif_ok(void);

/* What a source's header says. */
struct rend_source {
	enum img_kind	 kind;
	/* upright: after the EXIF orientation */
	uint32_t	 width, height;
	bool		 alpha;
};

/* Where a rendition's bytes go; a non-IMG_OK return stops the render. */
typedef enum img_err (*rend_sink)(void *arg, const void *, size_t);

/*
 * Read only the header of the image in fd (from its start; the caller
 * keeps fd).  IMG_EINVAL, field "image", when it is not a JPEG, PNG, GIF
 * or WebP whose header can be read, or when it claims more than
 * max_pixels pixels (nothing is decoded either way); IMG_EUNAVAIL when
 * libvips cannot be loaded.
 */
enum img_err	 rendition_probe(int fd, uint64_t max_pixels,
		    struct rend_source *, struct rend_error *);

/*
 * The output size of finished params p for src.  IMG_EINVAL, field "w" or
 * "h", when a side would pass REND_SIDE_MAX.
 */
enum img_err	 rendition_plan(const struct rend_params *p,
		    const struct rend_source *src, uint32_t *w, uint32_t *h,
		    struct rend_error *);

/*
 * Render the image in fd with finished params p and give the encoded
 * bytes to sink, in one call.  The header is checked as by
 * rendition_probe and rendition_plan first.  Errors: IMG_EINVAL (as
 * above), IMG_EDECODE (the pixels cannot be decoded: a corrupt or cut
 * source), IMG_ENOMEM, IMG_EINTERNAL (encoding failed), or the sink's.
 */
enum img_err	 rendition_render(int fd, const struct rend_params *p,
		    uint64_t max_pixels, rend_sink, void *arg,
		    struct rend_error *);

#endif
