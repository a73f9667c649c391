/*
 * rendparams.h: what a rendition is, as a client asks for it.
 *
 * A rendition is an image resized and re-encoded: a width and/or height,
 * a fit, an output format and a quality.  Clients write them as query
 * parameters (w=256&h=256&fit=cover&format=webp&q=80), as one compact
 * spec (rendition=256x256:cover:webp:q80, rendition=w256) or as the name
 * of a preset that the `renditions` setting defines
 * (thumb:256x256:cover:webp, ...).  This module checks all three forms and
 * brings a request to one canonical text ("256x256-cover-q80.webp") that
 * names the rendition in the cache and is covered by the URL signature, so
 * two ways of asking for the same picture are the same rendition.
 *
 * Nothing here decodes images or links libvips (rendition.h does); the
 * parsers take (pointer, length) text from outside and are fuzzed.  Every
 * function is pure and thread-safe.
 */
#ifndef IMAGED_RENDPARAMS_H
#define IMAGED_RENDPARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imaged/err.h"
#include "imaged/imgsniff.h"

#define REND_SIDE_MAX		4096	/* an output side, in pixels */
#define REND_PRESETS_MAX	16
#define REND_PRESET_NAME_MAX	32
/* a rendition= value, a preset's spec */
#define REND_SPEC_MAX		64
/* "4096x4096-contain-q100.avif" and a NUL */
#define REND_CANON_MAX		48
/* "w=4096&h=4096&fit=contain&format=avif&q=100" */
#define REND_QUERY_MAX		80

/* How the picture fits the box w x h (see man/imaged.8). */
enum rend_fit {
	REND_FIT_INSIDE = 0,	/* within the box, aspect kept */
	REND_FIT_COVER,		/* fills the box, aspect kept, centre cropped */
	REND_FIT_CONTAIN,	/* within the box, padded to fill it */
	REND_FIT_FILL		/* stretched to the box */
};

enum rend_format {
	REND_FMT_AUTO = 0,	/* the source's (PNG for a GIF) */
	REND_FMT_JPEG,
	REND_FMT_PNG,
	REND_FMT_WEBP,
	REND_FMT_AVIF
};

struct rend_params {
	uint32_t		 w, h;		/* 0: not given */
	enum rend_fit		 fit;
	enum rend_format	 format;
	/* 1-100; 0: the format's default */
	unsigned		 q;
	bool			 fit_given;
};

struct rend_preset {
	char			 name[REND_PRESET_NAME_MAX + 1];
	struct rend_params	 params;
};

struct rend_presets {
	struct rend_preset	 list[REND_PRESETS_MAX];
	size_t			 n;
};

/* Why a value was refused: the parameter at fault and a sentence. */
struct rend_error {
	/* static: "w", "fit", "rendition", ... */
	const char		*field;
	char			 message[256];
};

/* Whether key is one of the rendition query parameters: w h fit format q. */
bool		 rend_is_param(const char *key);

/*
 * Set one query parameter (key as rend_is_param) from the value's n bytes.
 * IMG_EINVAL with err filled for a bad value: w/h not 1-4096 digits, an
 * unknown fit or format (avif only where avif_ok), q not 1-100 digits.
 */
enum img_err	 rend_param_set(struct rend_params *, const char *key,
		    const char *value, size_t n, bool avif_ok,
		    struct rend_error *err);

/*
 * A whole request from a spec or a preset name (the value of rendition=):
 * a preset's name, or size[:fit][:format][:qN] with size WxH, Wx, xH, wN
 * or hN.  p is overwritten.  IMG_EINVAL with err (field "rendition").
 */
enum img_err	 rend_spec_parse(const char *s, size_t n,
		    const struct rend_presets *, bool avif_ok,
		    struct rend_params *p, struct rend_error *err);

/*
 * The `renditions` setting: name:spec entries separated by commas (an
 * empty text is no presets).  Names are 1-32 of a-z 0-9 _ -, starting with
 * a letter, each once.  False with a one-line reason in msg.
 */
bool		 rend_presets_parse(const char *s, size_t n,
		    struct rend_presets *, bool avif_ok, char *msg,
		    size_t msglen);
/* The preset called name (n bytes), or NULL. */
const struct rend_preset *rend_preset_find(const struct rend_presets *,
		    const char *name, size_t n);

/*
 * After parsing: at least one of w and h is required (IMG_EINVAL, field
 * "w").  Then settle what the source decides: an AUTO format becomes the
 * source's kind (PNG for GIF and unknown kinds), q the format's default (or
 * 0 for PNG, which has none), and with one side only the fit is INSIDE.
 */
enum img_err	 rend_params_finish(struct rend_params *, enum img_kind src,
		    struct rend_error *err);

/*
 * The canonical text of finished params: "<w>x<h>-<fit>[-q<q>].<ext>",
 * w or h 0 when not given ("256x0-inside-q82.jpg").  Safe as a file name.
 * Returns its length; out holds REND_CANON_MAX bytes.
 */
size_t		 rend_canonical(const struct rend_params *,
		    char out[REND_CANON_MAX]);
/*
 * The query string of finished params, for
 * URLs ("w=256&fit=inside&format=jpeg&q=82").
 */
size_t		 rend_query(const struct rend_params *,
		    char out[REND_QUERY_MAX]);

/* The output's MIME type and file extension. */
const char	*rend_format_mime(enum rend_format);
const char	*rend_format_ext(enum rend_format);
const char	*rend_fit_name(enum rend_fit);

#endif
