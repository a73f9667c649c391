/*
 * rendparams.c: rendition parameters, specs, presets and their canonical
 * text (see rendparams.h).
 *
 * The names a client may write are rows of two tables (fits, formats);
 * every parser reads its input by (pointer, length) and never past it.
 * Invariant: params that rend_params_finish() accepted have w, h <=
 * REND_SIDE_MAX, at least one of them non-zero, a concrete format and q
 * in 0-100, so the canonical text always fits REND_CANON_MAX.
 */
#include <stdio.h>
#include <string.h>

#include "imaged/rendparams.h"

static const struct {
	const char	*name;
	enum rend_fit	 fit;
} fits[] = {
	{ "inside", REND_FIT_INSIDE },
	{ "cover", REND_FIT_COVER },
	{ "contain", REND_FIT_CONTAIN },
	{ "fill", REND_FIT_FILL },
};

static const struct {
	const char		*name;
	enum rend_format	 format;
	const char		*ext;
	const char		*mime;
	unsigned		 default_q;	/* 0: lossless, no quality */
} formats[] = {
	{ "jpeg", REND_FMT_JPEG, "jpg", "image/jpeg", 82 },
	{ "jpg", REND_FMT_JPEG, "jpg", "image/jpeg", 82 },
	{ "png", REND_FMT_PNG, "png", "image/png", 0 },
	{ "webp", REND_FMT_WEBP, "webp", "image/webp", 80 },
	{ "avif", REND_FMT_AVIF, "avif", "image/avif", 50 },
};

#define NFITS		(sizeof(fits) / sizeof(fits[0]))
#define NFORMATS	(sizeof(formats) / sizeof(formats[0]))

static void
fail(struct rend_error *err, const char *field, const char *msg)
{
	err->field = field;
	snprintf(err->message, sizeof(err->message), "%s", msg);
}

/* s[0..n) equals the NUL-terminated word. */
static bool
word_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* 1-max, digits only, no leading sign or space. */
static bool
parse_count(const char *s, size_t n, uint32_t max, uint32_t *out)
{
	uint32_t	 v = 0;
	size_t		 i;

	if (n == 0 || n > 9)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v < 1 || v > max)
		return false;
	*out = v;
	return true;
}

static bool
find_fit(const char *s, size_t n, enum rend_fit *out)
{
	size_t	 i;

	for (i = 0; i < NFITS; i++)
		if (word_is(s, n, fits[i].name)) {
			*out = fits[i].fit;
			return true;
		}
	return false;
}

static bool
find_format(const char *s, size_t n, bool avif_ok, enum rend_format *out)
{
	size_t	 i;

	for (i = 0; i < NFORMATS; i++)
		if (word_is(s, n, formats[i].name)) {
			if (formats[i].format == REND_FMT_AVIF && !avif_ok)
				return false;
			*out = formats[i].format;
			return true;
		}
	return false;
}

/* The formats row of a concrete format. */
static size_t
format_row(enum rend_format f)
{
	size_t	 i;

	for (i = 0; i < NFORMATS; i++)
		if (formats[i].format == f)
			return i;
	return 0;
}

bool
rend_is_param(const char *key)
{
	return strcmp(key, "w") == 0 || strcmp(key, "h") == 0 ||
	    strcmp(key, "fit") == 0 || strcmp(key, "format") == 0 ||
	    strcmp(key, "q") == 0;
}

enum img_err
rend_param_set(struct rend_params *p, const char *key, const char *value,
    size_t n, bool avif_ok, struct rend_error *err)
{
	uint32_t	 v;

	if (strcmp(key, "w") == 0 || strcmp(key, "h") == 0) {
		if (!parse_count(value, n, REND_SIDE_MAX, &v)) {
			fail(err, key[0] == 'w' ? "w" : "h", key[0] == 'w' ?
			    "w must be a width of 1-4096 pixels (digits only)" :
			    "h must be a height of 1-4096 pixels "
			    "(digits only)");
			return IMG_EINVAL;
		}
		if (key[0] == 'w')
			p->w = v;
		else
			p->h = v;
		return IMG_OK;
	}
	if (strcmp(key, "fit") == 0) {
		if (!find_fit(value, n, &p->fit)) {
			fail(err, "fit", "fit must be cover, contain, inside "
			    "or fill");
			return IMG_EINVAL;
		}
		p->fit_given = true;
		return IMG_OK;
	}
	if (strcmp(key, "format") == 0) {
		if (!find_format(value, n, avif_ok, &p->format)) {
			fail(err, "format", avif_ok ?
			    "format must be jpeg, png, webp or avif" :
			    "format must be jpeg, png or webp");
			return IMG_EINVAL;
		}
		return IMG_OK;
	}
	if (strcmp(key, "q") == 0) {
		if (!parse_count(value, n, 100, &v)) {
			fail(err, "q", "q must be a quality of 1-100 "
			    "(digits only)");
			return IMG_EINVAL;
		}
		p->q = v;
		return IMG_OK;
	}
	fail(err, "rendition", "not a rendition parameter");
	return IMG_EINVAL;
}

/* size: WxH, Wx, xH, wN or hN. */
static bool
parse_size(const char *s, size_t n, struct rend_params *p)
{
	const char	*x;

	if (n > 1 && (s[0] == 'w' || s[0] == 'h'))
		return parse_count(s + 1, n - 1, REND_SIDE_MAX,
		    s[0] == 'w' ? &p->w : &p->h);
	if ((x = memchr(s, 'x', n)) == NULL || n < 2)
		return false;
	if (x > s && !parse_count(s, (size_t)(x - s), REND_SIDE_MAX, &p->w))
		return false;
	if (x + 1 < s + n && !parse_count(x + 1, (size_t)(s + n - x - 1),
	    REND_SIDE_MAX, &p->h))
		return false;
	return true;
}

/* The spec part of a preset or of rendition=: size[:fit][:format][:qN]. */
static bool
parse_spec(const char *s, size_t n, bool avif_ok, struct rend_params *p,
    char *why, size_t whylen)
{
	const char	*end = s + n, *tok, *colon;
	size_t		 len;
	bool		 first = true, have_format = false, have_q = false;
	uint32_t	 q;

	memset(p, 0, sizeof(*p));
	if (n == 0 || n > REND_SPEC_MAX) {
		snprintf(why, whylen, "a spec is 1-%d characters",
		    REND_SPEC_MAX);
		return false;
	}
	for (tok = s; tok <= end; tok = colon + 1) {
		colon = memchr(tok, ':', (size_t)(end - tok));
		if (colon == NULL)
			colon = end;
		len = (size_t)(colon - tok);
		if (first) {
			if (!parse_size(tok, len, p)) {
				snprintf(why, whylen, "a spec starts with a "
				    "size: WxH, Wx, xH, wN or hN, sides "
				    "1-%d", REND_SIDE_MAX);
				return false;
			}
			first = false;
		} else if (!p->fit_given && find_fit(tok, len, &p->fit)) {
			p->fit_given = true;
		} else if (!have_format &&
		    find_format(tok, len, avif_ok, &p->format)) {
			have_format = true;
		} else if (!have_q && len > 1 && tok[0] == 'q' &&
		    parse_count(tok + 1, len - 1, 100, &q)) {
			p->q = q;
			have_q = true;
		} else {
			snprintf(why, whylen, "after the size come a fit "
			    "(cover, contain, inside, fill), a format (jpeg, "
			    "png, webp%s) and qN (1-100), each at most once",
			    avif_ok ? ", avif" : "");
			return false;
		}
		if (colon == end)
			break;
	}
	return true;
}

enum img_err
rend_spec_parse(const char *s, size_t n, const struct rend_presets *presets,
    bool avif_ok, struct rend_params *p, struct rend_error *err)
{
	const struct rend_preset	*pre;
	char				 why[160];

	if (presets != NULL &&
	    (pre = rend_preset_find(presets, s, n)) != NULL) {
		*p = pre->params;
		return IMG_OK;
	}
	if (!parse_spec(s, n, avif_ok, p, why, sizeof(why))) {
		err->field = "rendition";
		snprintf(err->message, sizeof(err->message),
		    "rendition must be a preset's name or a spec: %s", why);
		return IMG_EINVAL;
	}
	return IMG_OK;
}

const struct rend_preset *
rend_preset_find(const struct rend_presets *presets, const char *name,
    size_t n)
{
	size_t	 i;

	for (i = 0; i < presets->n; i++)
		if (word_is(name, n, presets->list[i].name))
			return &presets->list[i];
	return NULL;
}

static bool
preset_name_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > REND_PRESET_NAME_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* Trim blanks from both ends of s[0..*n). */
static const char *
trim(const char *s, size_t *n)
{
	while (*n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		(*n)--;
	}
	while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
		(*n)--;
	return s;
}

bool
rend_presets_parse(const char *s, size_t n, struct rend_presets *out,
    bool avif_ok, char *msg, size_t msglen)
{
	struct rend_presets	 l;
	const char		*end, *item, *comma, *colon;
	size_t			 len, nlen;
	char			 why[160];

	memset(&l, 0, sizeof(l));
	s = trim(s, &n);
	end = s + n;
	for (item = s; n > 0 && item <= end; item = comma + 1) {
		comma = memchr(item, ',', (size_t)(end - item));
		if (comma == NULL)
			comma = end;
		len = (size_t)(comma - item);
		item = trim(item, &len);
		colon = memchr(item, ':', len);
		nlen = colon != NULL ? (size_t)(colon - item) : len;
		if (!preset_name_ok(item, nlen)) {
			snprintf(msg, msglen, "a preset is name:spec, the "
			    "name 1-%d of a-z 0-9 _ - starting with a letter",
			    REND_PRESET_NAME_MAX);
			return false;
		}
		if (rend_preset_find(&l, item, nlen) != NULL) {
			snprintf(msg, msglen, "preset \"%.*s\" is defined "
			    "twice", (int)nlen, item);
			return false;
		}
		if (l.n == REND_PRESETS_MAX) {
			snprintf(msg, msglen, "at most %d presets",
			    REND_PRESETS_MAX);
			return false;
		}
		if (colon == NULL || !parse_spec(colon + 1,
		    len - nlen - 1, avif_ok, &l.list[l.n].params, why,
		    sizeof(why))) {
			snprintf(msg, msglen, "preset \"%.*s\": %s",
			    (int)nlen, item, colon == NULL ? "no spec" : why);
			return false;
		}
		memcpy(l.list[l.n].name, item, nlen);
		l.list[l.n].name[nlen] = '\0';
		l.n++;
		if (comma == end)
			break;
	}
	*out = l;
	return true;
}

enum img_err
rend_params_finish(struct rend_params *p, enum img_kind src,
    struct rend_error *err)
{
	if (p->w == 0 && p->h == 0) {
		fail(err, "w", "a rendition needs w, h or both");
		return IMG_EINVAL;
	}
	if (p->format == REND_FMT_AUTO) {
		switch (src) {
		case IMG_KIND_JPEG:
			p->format = REND_FMT_JPEG;
			break;
		case IMG_KIND_WEBP:
			p->format = REND_FMT_WEBP;
			break;
		default:
			p->format = REND_FMT_PNG;
			break;
		}
	}
	if (formats[format_row(p->format)].default_q == 0)
		p->q = 0;
	else if (p->q == 0)
		p->q = formats[format_row(p->format)].default_q;
	if (p->w == 0 || p->h == 0)
		p->fit = REND_FIT_INSIDE;
	p->fit_given = true;
	return IMG_OK;
}

size_t
rend_canonical(const struct rend_params *p, char out[REND_CANON_MAX])
{
	int	 n;

	if (p->q != 0)
		n = snprintf(out, REND_CANON_MAX, "%ux%u-%s-q%u.%s",
		    (unsigned)p->w, (unsigned)p->h, rend_fit_name(p->fit), p->q,
		    rend_format_ext(p->format));
	else
		n = snprintf(out, REND_CANON_MAX, "%ux%u-%s.%s",
		    (unsigned)p->w, (unsigned)p->h, rend_fit_name(p->fit),
		    rend_format_ext(p->format));
	return n < 0 ? 0 : (size_t)n;
}

size_t
rend_query(const struct rend_params *p, char out[REND_QUERY_MAX])
{
	char	 w[16] = "", h[16] = "", q[16] = "";
	int	 n;

	if (p->w != 0)
		snprintf(w, sizeof(w), "w=%u&", (unsigned)p->w);
	if (p->h != 0)
		snprintf(h, sizeof(h), "h=%u&", (unsigned)p->h);
	if (p->q != 0)
		snprintf(q, sizeof(q), "&q=%u", p->q);
	n = snprintf(out, REND_QUERY_MAX, "%s%sfit=%s&format=%s%s", w, h,
	    rend_fit_name(p->fit), formats[format_row(p->format)].name, q);
	return n < 0 ? 0 : (size_t)n;
}

const char *
rend_format_mime(enum rend_format f)
{
	return formats[format_row(f)].mime;
}

const char *
rend_format_ext(enum rend_format f)
{
	return formats[format_row(f)].ext;
}

const char *
rend_fit_name(enum rend_fit f)
{
	size_t	 i;

	for (i = 0; i < NFITS; i++)
		if (fits[i].fit == f)
			return fits[i].name;
	return "inside";
}
