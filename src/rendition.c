/*
 * rendition.c: renditions with libvips (see rendition.h).
 *
 * The one file that includes vips.h.  A render is: a header-only load
 * (the bomb check and the output plan, no pixel decoded), then
 * vips_thumbnail_source, which shrinks JPEG and WebP on load, rotates by
 * EXIF and takes page 0 of an animation; its result is made real in
 * memory (at most REND_SIDE_MAX squared pixels) so that a decoding error
 * is told apart from an encoding one; then the colour, alpha and padding
 * the format needs, and the encoder with metadata stripped.
 *
 * libvips' state is process-wide; the only state of this file is set once
 * under pthread_once and read-only afterwards.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <vips/vips.h>

#include "imaged/log.h"
#include "imaged/rendition.h"

/*
 * libvips is loaded when the first rendition is asked for, not linked:
 * with its hundred libraries it would cost every start tens of
 * milliseconds and some 15 MiB of memory, renditions or not.  These are
 * the functions this file calls, each through V(name).
 */
#define VIPS_SONAME	"libvips.so.42"
#define VIPS_FUNCTIONS(X) \
	X(g_free) \
	X(g_log_set_handler) \
	X(g_object_unref) \
	X(g_strfreev) \
	X(vips_addalpha) \
	X(vips_area_unref) \
	X(vips_array_double_new) \
	X(vips_black) \
	X(vips_cache_set_max) \
	X(vips_cache_set_max_files) \
	X(vips_cache_set_max_mem) \
	X(vips_colourspace) \
	X(vips_concurrency_set) \
	X(vips_copy) \
	X(vips_error_buffer) \
	X(vips_error_clear) \
	X(vips_flatten) \
	X(vips_foreign_find_load_source) \
	X(vips_gravity) \
	X(vips_heifsave_buffer) \
	X(vips_image_copy_memory) \
	X(vips_image_get_bands) \
	X(vips_image_get_fields) \
	X(vips_image_get_format) \
	X(vips_image_get_height) \
	X(vips_image_get_interpretation) \
	X(vips_image_get_orientation_swap) \
	X(vips_image_get_width) \
	X(vips_image_hasalpha) \
	X(vips_image_new_from_source) \
	X(vips_image_remove) \
	X(vips_jpegsave_buffer) \
	X(vips_operation_block_set) \
	X(vips_pngsave_buffer) \
	X(vips_source_new_from_descriptor) \
	X(vips_thumbnail_source) \
	X(vips_type_find) \
	X(vips_webpsave_buffer) \
	X(vips_init)

struct vips_lib {
#define VIPS_FIELD(name)	__typeof__(name) *f_##name;
	VIPS_FUNCTIONS(VIPS_FIELD)
#undef VIPS_FIELD
};

#define V(name)		(lib.f_##name)

/* Set once by lib_start() under lib_once; read-only afterwards. */
static pthread_once_t	 lib_once = PTHREAD_ONCE_INIT;
static struct vips_lib	 lib;
static bool		 lib_ok;
static bool		 lib_avif;

/* The loaders a source may reach: the kinds imaged accepts. */
static const char *const allowed_loaders[] = {
	"VipsForeignLoadJpeg",
	"VipsForeignLoadPng",
	"VipsForeignLoadNsgif",
	"VipsForeignLoadWebp",
};

static void
lib_failed(const char *what)
{
	log_debug("rendition: %s: %s", what, V(vips_error_buffer)());
	V(vips_error_clear)();
}

/* Whether heifsave can write AV1 here: libheif may lack the encoder. */
static bool
probe_avif(void)
{
	VipsImage	*img = NULL;
	void		*buf = NULL;
	size_t		 len = 0;
	bool		 ok;

	if (V(vips_type_find)("VipsOperation", "heifsave_buffer") == 0)
		return false;
	if (V(vips_black)(&img, 16, 16, "bands", 3, NULL) != 0) {
		lib_failed("avif probe");
		return false;
	}
	ok = V(vips_heifsave_buffer)(img, &buf, &len, "compression",
	    VIPS_FOREIGN_HEIF_COMPRESSION_AV1, NULL) == 0 && len > 0;
	if (!ok)
		V(vips_error_clear)();
	V(g_free)(buf);
	V(g_object_unref)(img);
	return ok;
}

/* libvips' warnings (a cut file, a bad tile) as debug lines, not stderr. */
static void
on_vips_log(const gchar *domain, GLogLevelFlags level, const gchar *message,
    gpointer arg)
{
	(void)domain;
	(void)level;
	(void)arg;
	log_debug("libvips: %s", message);
}

/* dlopen libvips and find every function; false (logged) if one is missing. */
static bool
lib_load(void)
{
	void	*h;

	if ((h = dlopen(VIPS_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		log_warnx("renditions: cannot load %s: %s", VIPS_SONAME,
		    dlerror());
		return false;
	}
#define VIPS_LOOKUP(name)						\
	if ((*(void **)&lib.f_##name = dlsym(h, #name)) == NULL) {	\
		log_warnx("renditions: %s has no %s", VIPS_SONAME, #name); \
		return false;						\
	}
	VIPS_FUNCTIONS(VIPS_LOOKUP)
#undef VIPS_LOOKUP
	return true;	/* the handle stays open for the process's life */
}

static void
lib_start(void)
{
	size_t	 i;

	if (!lib_load())
		return;
	if (V(vips_init)("imaged") != 0) {
		lib_failed("vips_init");
		return;
	}
	V(g_log_set_handler)("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE |
	    G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG, on_vips_log, NULL);
	/*
	 * Nothing cached across renders: a cache would hold decoded pixels
	 * of sources that are not asked for again.  One thread per render:
	 * renders run in parallel on the render pool instead, whose size
	 * bounds the CPU and memory they take together.
	 */
	V(vips_cache_set_max)(0);
	V(vips_cache_set_max_mem)(0);
	V(vips_cache_set_max_files)(0);
	V(vips_concurrency_set)(1);
	V(vips_operation_block_set)("VipsForeignLoad", TRUE);
	for (i = 0;
	    i < sizeof(allowed_loaders) / sizeof(allowed_loaders[0]); i++)
		V(vips_operation_block_set)(allowed_loaders[i], FALSE);
	lib_avif = probe_avif();
	lib_ok = true;
}

enum img_err
rendition_lib_init(void)
{
	pthread_once(&lib_once, lib_start);
	return lib_ok ? IMG_OK : IMG_EINTERNAL;
}

bool
rendition_avif_ok(void)
{
	return rendition_lib_init() == IMG_OK && lib_avif;
}

static void
fail(struct rend_error *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail(struct rend_error *err, const char *field, const char *fmt, ...)
{
	va_list	 ap;

	err->field = field;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/* The kind a loader reads, from its type name ("VipsForeignLoadJpegSource"). */
static enum img_kind
kind_of_loader(const char *loader)
{
	if (loader == NULL)
		return IMG_KIND_UNKNOWN;
	if (strstr(loader, "Jpeg") != NULL)
		return IMG_KIND_JPEG;
	if (strstr(loader, "Png") != NULL)
		return IMG_KIND_PNG;
	if (strstr(loader, "gif") != NULL)
		return IMG_KIND_GIF;
	if (strstr(loader, "Webp") != NULL)
		return IMG_KIND_WEBP;
	return IMG_KIND_UNKNOWN;
}

/* A source reading fd from its start; the caller keeps fd. */
static VipsSource *
source_at_start(int fd)
{
	VipsSource	*src;

	if (lseek(fd, 0, SEEK_SET) != 0)
		return NULL;
	if ((src = V(vips_source_new_from_descriptor)(fd)) == NULL)
		lib_failed("source");
	return src;
}

enum img_err
rendition_probe(int fd, uint64_t max_pixels, struct rend_source *out,
    struct rend_error *err)
{
	VipsSource	*src = NULL;
	VipsImage	*img = NULL;
	const char	*loader;
	uint64_t	 pixels;
	enum img_err	 ret = IMG_EINVAL;

	if (rendition_lib_init() != IMG_OK)
		return IMG_EUNAVAIL;	/* no libvips here: logged once */
	if ((src = source_at_start(fd)) == NULL) {
		ret = IMG_EINTERNAL;
		goto done;
	}
	loader = V(vips_foreign_find_load_source)(src);
	if (loader == NULL) {
		V(vips_error_clear)();
		fail(err, "image", "the image's header cannot be read "
		    "(renditions are made of JPEG, PNG, GIF and WebP images)");
		goto done;
	}
	/* Header only: the loader reads no pixel until one is asked for. */
	img = V(vips_image_new_from_source)(src, "", "access",
	    VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_ERROR, NULL);
	if (img == NULL || V(vips_image_get_width)(img) < 1 ||
	    V(vips_image_get_height)(img) < 1) {
		lib_failed("header");
		fail(err, "image", "the image's header cannot be read");
		goto done;
	}
	out->kind = kind_of_loader(loader);
	out->width = (uint32_t)V(vips_image_get_width)(img);
	out->height = (uint32_t)V(vips_image_get_height)(img);
	out->alpha = V(vips_image_hasalpha)(img) != 0;
	pixels = (uint64_t)out->width * out->height;
	if (pixels > max_pixels) {
		fail(err, "image", "the image claims %ux%u pixels, more than "
		    "the %llu that renditions are made of",
		    (unsigned)out->width, (unsigned)out->height,
		    (unsigned long long)max_pixels);
		goto done;
	}
	if (V(vips_image_get_orientation_swap)(img)) {
		uint32_t t = out->width;

		out->width = out->height;
		out->height = t;
	}
	ret = IMG_OK;
done:
	if (img != NULL)
		V(g_object_unref)(img);
	if (src != NULL)
		V(g_object_unref)(src);
	return ret;
}

/* a * b / c rounded, at least 1. */
static uint64_t
scale_side(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t	 v = (a * b + c / 2) / c;

	return v < 1 ? 1 : v;
}

enum img_err
rendition_plan(const struct rend_params *p, const struct rend_source *src,
    uint32_t *w, uint32_t *h, struct rend_error *err)
{
	uint64_t	 ow, oh;

	if (p->fit != REND_FIT_INSIDE) {
		/* Finished params give both sides for these fits. */
		ow = p->w;
		oh = p->h;
	} else if (p->w != 0 && (p->h == 0 ||
	    (uint64_t)p->w * src->height <= (uint64_t)p->h * src->width)) {
		/* The width binds. */
		ow = p->w;
		oh = scale_side(src->height, p->w, src->width);
	} else {
		oh = p->h;
		ow = scale_side(src->width, p->h, src->height);
	}
	if (ow > REND_SIDE_MAX || oh > REND_SIDE_MAX) {
		fail(err, ow > REND_SIDE_MAX ? "w" : "h", "the rendition "
		    "would be %llux%llu pixels; a side is at most %d",
		    (unsigned long long)ow, (unsigned long long)oh,
		    REND_SIDE_MAX);
		return IMG_EINVAL;
	}
	*w = (uint32_t)ow;
	*h = (uint32_t)oh;
	return IMG_OK;
}

/* Replace *img by out (which may be NULL on failure). */
static int
step(VipsImage **img, VipsImage *out, int rc)
{
	if (rc != 0)
		return -1;
	V(g_object_unref)(*img);
	*img = out;
	return 0;
}

/*
 * Options for the loader under vips_thumbnail_source: a decoding error,
 * a cut scan included, fails the render (thumbnail's own fail_on does not
 * reach a source's loader in libvips 8.14).
 */
#define LOAD_OPTIONS	"fail_on=error"

/* The thumbnail of the source, shrunk on load, upright, page 0. */
static int
thumbnail(VipsSource *src, const struct rend_params *p, VipsImage **out)
{
	int	 w = p->w != 0 ? (int)p->w : VIPS_MAX_COORD;
	int	 h = p->h != 0 ? (int)p->h : VIPS_MAX_COORD;

	switch (p->fit) {
	case REND_FIT_COVER:
		return V(vips_thumbnail_source)(src, out, w, "height", h,
		    "crop", VIPS_INTERESTING_CENTRE,
		    "option_string", LOAD_OPTIONS, NULL);
	case REND_FIT_FILL:
		return V(vips_thumbnail_source)(src, out, w, "height", h,
		    "size", VIPS_SIZE_FORCE,
		    "option_string", LOAD_OPTIONS, NULL);
	case REND_FIT_INSIDE:
	case REND_FIT_CONTAIN:
	default:
		return V(vips_thumbnail_source)(src, out, w, "height", h,
		    "option_string", LOAD_OPTIONS, NULL);
	}
}

/* 8-bit sRGB (or grey), alpha as the format needs, padded for contain. */
static int
finish_pixels(VipsImage **img, const struct rend_params *p)
{
	VipsImage	*out = NULL;
	VipsArrayDouble	*bg;
	double		 white[4] = { 255, 255, 255, 255 };
	double		 clear[4] = { 0, 0, 0, 0 };
	VipsInterpretation it = V(vips_image_get_interpretation)(*img);
	int		 bands, rc;

	if (V(vips_image_get_format)(*img) != VIPS_FORMAT_UCHAR ||
	    (it != VIPS_INTERPRETATION_sRGB && it != VIPS_INTERPRETATION_B_W))
		if (step(img, out, V(vips_colourspace)(*img, &out,
		    VIPS_INTERPRETATION_sRGB, NULL)) != 0)
			return -1;
	if (p->format == REND_FMT_JPEG && V(vips_image_hasalpha)(*img)) {
		bg = V(vips_array_double_new)(white, 3);
		rc = V(vips_flatten)(*img, &out, "background", bg, NULL);
		V(vips_area_unref)(VIPS_AREA(bg));
		if (step(img, out, rc) != 0)
			return -1;
	}
	if (p->fit != REND_FIT_CONTAIN)
		return 0;
	if (p->format != REND_FMT_JPEG && !V(vips_image_hasalpha)(*img) &&
	    step(img, out, V(vips_addalpha)(*img, &out, NULL)) != 0)
		return -1;
	bands = V(vips_image_get_bands)(*img);
	if (bands > 4)
		bands = 4;
	bg = V(vips_array_double_new)(p->format == REND_FMT_JPEG ?
	    white : clear, bands);
	rc = V(vips_gravity)(*img, &out, VIPS_COMPASS_DIRECTION_CENTRE,
	    (int)p->w, (int)p->h, "extend", VIPS_EXTEND_BACKGROUND,
	    "background", bg, NULL);
	V(vips_area_unref)(VIPS_AREA(bg));
	return step(img, out, rc);
}

/*
 * Drop the metadata the encoders would write: EXIF (this libvips writes
 * an EXIF chunk into WebP even when asked to strip), XMP, IPTC and the
 * ICC profile (the pixels are sRGB, the default of every format here).
 */
static int
strip_metadata(VipsImage **img)
{
	static const char *const prefixes[] = { "exif-", "xmp-", "iptc-",
	    "icc-", "orientation" };
	VipsImage	*out = NULL;
	gchar		**fields;
	size_t		 i, k;

	if (step(img, out, V(vips_copy)(*img, &out, NULL)) != 0)
		return -1;
	fields = V(vips_image_get_fields)(*img);
	for (i = 0; fields[i] != NULL; i++)
		for (k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++)
			if (strncmp(fields[i], prefixes[k],
			    strlen(prefixes[k])) == 0) {
				V(vips_image_remove)(*img, fields[i]);
				break;
			}
	V(g_strfreev)(fields);
	return 0;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/*
 * Remove the EXIF, XMP and ICCP chunks from a WebP the encoder wrote, in
 * place: libvips 8.14 writes an EXIF chunk even with strip set.  The
 * bytes are the encoder's, but every length is still checked.
 */
static void
webp_strip(unsigned char *buf, size_t *lenp)
{
	size_t		 len = *lenp, in = 12, out = 12, vp8x = 0, n;
	uint32_t	 size;

	if (len < 12 || memcmp(buf, "RIFF", 4) != 0 ||
	    memcmp(buf + 8, "WEBP", 4) != 0)
		return;
	while (in + 8 <= len) {
		size = le32(buf + in + 4);
		n = 8 + (size_t)size + (size & 1);
		if (n > len - in)
			return;	/* malformed: leave it whole */
		if (memcmp(buf + in, "EXIF", 4) == 0 ||
		    memcmp(buf + in, "XMP ", 4) == 0 ||
		    memcmp(buf + in, "ICCP", 4) == 0) {
			in += n;
			continue;
		}
		if (memcmp(buf + in, "VP8X", 4) == 0 && size >= 1)
			vp8x = out;
		memmove(buf + out, buf + in, n);
		in += n;
		out += n;
	}
	if (vp8x != 0)
		buf[vp8x + 8] &= (unsigned char)~(0x20 | 0x08 | 0x04);
	put_le32(buf + 4, (uint32_t)(out - 8));
	*lenp = out;
}

static int
encode(VipsImage *img, const struct rend_params *p, void **buf, size_t *len)
{
	switch (p->format) {
	case REND_FMT_JPEG:
		return V(vips_jpegsave_buffer)(img, buf, len, "Q", (int)p->q,
		    "strip", TRUE, NULL);
	case REND_FMT_WEBP:
		if (V(vips_webpsave_buffer)(img, buf, len, "Q", (int)p->q,
		    "strip", TRUE, NULL) != 0)
			return -1;
		webp_strip(*buf, len);
		return 0;
	case REND_FMT_AVIF:
		if (!lib_avif)
			return -1;
		return V(vips_heifsave_buffer)(img, buf, len, "Q", (int)p->q,
		    "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1,
		    "strip", TRUE, NULL);
	case REND_FMT_PNG:
	case REND_FMT_AUTO:
	default:
		return V(vips_pngsave_buffer)(img, buf, len, "strip",
		    TRUE, NULL);
	}
}

enum img_err
rendition_render(int fd, const struct rend_params *p, uint64_t max_pixels,
    rend_sink sink, void *arg, struct rend_error *err)
{
	struct rend_source	 info;
	VipsSource		*src = NULL;
	VipsImage		*img = NULL, *mem;
	void			*buf = NULL;
	size_t			 len = 0;
	uint32_t		 ow, oh;
	enum img_err		 ret;

	if ((ret = rendition_probe(fd, max_pixels, &info, err)) != IMG_OK ||
	    (ret = rendition_plan(p, &info, &ow, &oh, err)) != IMG_OK)
		return ret;
	ret = IMG_EDECODE;
	if ((src = source_at_start(fd)) == NULL) {
		ret = IMG_EINTERNAL;
		goto done;
	}
	if (thumbnail(src, p, &img) != 0) {
		lib_failed("thumbnail");
		fail(err, NULL, "the image cannot be decoded");
		goto done;
	}
	/*
	 * Decode now, so that a corrupt source fails here and not in
	 * the encoder.
	 */
	if ((mem = V(vips_image_copy_memory)(img)) == NULL) {
		lib_failed("decode");
		fail(err, NULL, "the image cannot be decoded");
		goto done;
	}
	V(g_object_unref)(img);
	img = mem;
	ret = IMG_EINTERNAL;
	if (finish_pixels(&img, p) != 0 || strip_metadata(&img) != 0) {
		lib_failed("convert");
		goto done;
	}
	if (encode(img, p, &buf, &len) != 0) {
		lib_failed("encode");
		goto done;
	}
	ret = sink(arg, buf, len);
done:
	V(g_free)(buf);
	if (img != NULL)
		V(g_object_unref)(img);
	if (src != NULL)
		V(g_object_unref)(src);
	return ret;
}
