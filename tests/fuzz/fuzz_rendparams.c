/*
 * fuzz_rendparams.c: rendition parameters (rendparams.h), what a client
 * writes after w=, h=, fit=, format=, q= and rendition=, and what an
 * operator writes in the renditions setting.
 *
 * The input is read three ways: as a rendition= spec (with presets), as
 * the value of each query parameter, and as a renditions setting.  Params
 * that are accepted and finished must be in bounds, give a canonical name
 * that fits and is safe as a file name, and give a query string whose
 * parameters, set one by one, finish to the same canonical name.
 */
#include <stdbool.h>

#include "imaged/rendparams.h"

#include "fuzz.h"

static const char *const keys[] = { "w", "h", "fit", "format", "q" };
static const enum img_kind kinds[] = { IMG_KIND_UNKNOWN, IMG_KIND_JPEG,
    IMG_KIND_PNG, IMG_KIND_GIF, IMG_KIND_WEBP };

static struct rend_presets	 presets;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char list[] = "thumb:256x256:cover:webp,small:w320,"
	    "tall:h800:q60,card:600x400:contain:png";
	char	 msg[256];

	(void)argc;
	(void)argv;
	if (!rend_presets_parse(list, sizeof(list) - 1, &presets, true, msg,
	    sizeof(msg)))
		abort();
	return 0;
}

/* Set each key=value of q (as rend_query writes it) on a fresh params. */
static void
reparse(const char *q, struct rend_params *p)
{
	const char		*k = q, *eq, *amp;
	struct rend_error	 err;
	char			 key[8];

	memset(p, 0, sizeof(*p));
	while (*k != '\0') {
		eq = strchr(k, '=');
		FUZZ_CHECK(eq != NULL && (size_t)(eq - k) < sizeof(key));
		amp = strchr(eq, '&');
		if (amp == NULL)
			amp = eq + strlen(eq);
		memcpy(key, k, (size_t)(eq - k));
		key[eq - k] = '\0';
		FUZZ_CHECK(rend_is_param(key));
		FUZZ_CHECK(rend_param_set(p, key, eq + 1,
		    (size_t)(amp - eq - 1), true, &err) == IMG_OK);
		k = *amp == '&' ? amp + 1 : amp;
	}
}

static void
check_finished(const struct rend_params *in)
{
	struct rend_params	 p, again;
	struct rend_error	 err;
	char			 canon[REND_CANON_MAX], canon2[REND_CANON_MAX];
	char			 q[REND_QUERY_MAX];
	size_t			 i, n;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		p = *in;
		if (rend_params_finish(&p, kinds[i], &err) != IMG_OK) {
			FUZZ_CHECK(p.w == 0 && p.h == 0);
			FUZZ_CHECK(err.field != NULL);
			continue;
		}
		FUZZ_CHECK(p.w <= REND_SIDE_MAX && p.h <= REND_SIDE_MAX);
		FUZZ_CHECK(p.w != 0 || p.h != 0);
		FUZZ_CHECK(p.q <= 100);
		FUZZ_CHECK(p.format != REND_FMT_AUTO);
		n = rend_canonical(&p, canon);
		FUZZ_CHECK(n > 0 && n < REND_CANON_MAX && strlen(canon) == n);
		FUZZ_CHECK(strspn(canon, "0123456789abcdefghijklmnopqrstuvwxyz"
		    "-.") == n);
		n = rend_query(&p, q);
		FUZZ_CHECK(n > 0 && n < REND_QUERY_MAX);
		reparse(q, &again);
		FUZZ_CHECK(rend_params_finish(&again, kinds[i],
		    &err) == IMG_OK);
		rend_canonical(&again, canon2);
		FUZZ_CHECK(strcmp(canon, canon2) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rend_params	 p;
	struct rend_presets	 l;
	struct rend_error	 err;
	char			*s = fuzz_cstr(data, size);
	char			 msg[256];
	size_t			 i, k;

	memset(&p, 0, sizeof(p));
	memset(&err, 0, sizeof(err));
	if (rend_spec_parse(s, size, &presets, true, &p, &err) == IMG_OK)
		check_finished(&p);
	else
		FUZZ_CHECK(err.field != NULL && strcmp(err.field,
		    "rendition") == 0 && err.message[0] != '\0');

	memset(&p, 0, sizeof(p));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (rend_param_set(&p, keys[i], s, size, i % 2 == 0, &err) !=
		    IMG_OK)
			FUZZ_CHECK(err.field != NULL &&
			    strcmp(err.field, keys[i]) == 0);
	}
	check_finished(&p);

	msg[0] = '\0';
	if (rend_presets_parse(s, size, &l, true, msg, sizeof(msg))) {
		FUZZ_CHECK(l.n <= REND_PRESETS_MAX);
		for (k = 0; k < l.n; k++) {
			FUZZ_CHECK(strlen(l.list[k].name) >= 1 &&
			    strlen(l.list[k].name) <= REND_PRESET_NAME_MAX);
			FUZZ_CHECK(rend_preset_find(&l, l.list[k].name,
			    strlen(l.list[k].name)) == &l.list[k]);
			check_finished(&l.list[k].params);
		}
	} else {
		FUZZ_CHECK(msg[0] != '\0');
	}
	free(s);
	return 0;
}
