/*
 * fuzz_httputil.c: the header and identifier parsers of httputil.h.
 *
 * The input is a header value; when it holds a newline, the text after
 * the first one is a second operand (an entity tag, a parameter name).
 * Every parser gets the first line, and the invariants their contracts
 * promise are checked: a Range inside the representation, an If-None-Match
 * match only on a tag the field names, Accept true only for an image
 * range, bounded parameter copies, time bounds that format back to
 * themselves, canonical UUIDs, and JSON strings and Content-Disposition
 * values that jansson and a percent-decoder read back to the input.
 */
#include <stdbool.h>
#include <strings.h>

#include <jansson.h>

#include "imaged/buf.h"
#include "imaged/httputil.h"
#include "imaged/text.h"
#include "imaged/validate.h"

#include "fuzz.h"

#define USEC_PER_DAY	(INT64_C(86400) * 1000000)
/* 0000-01-01T00:00:00Z */
#define TIME_MIN	INT64_C(-62167219200000000)
/* 9999-12-31T23:59:59.999999Z */
#define TIME_MAX	INT64_C(253402300799999999)

static void
fuzz_range(const char *hdr, uint64_t h)
{
	const uint64_t	 sizes[] = {
		0, 1, 2, 100, 1 << 20, UINT64_MAX - 1, UINT64_MAX, h, h >> 40
	};
	uint64_t	 start, len;
	size_t		 i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		switch (http_parse_range(hdr, sizes[i], &start, &len)) {
		case HTTP_RANGE_OK:
			FUZZ_CHECK(len >= 1);
			FUZZ_CHECK(start < sizes[i]);
			FUZZ_CHECK(len <= sizes[i] - start);
			break;
		case HTTP_RANGE_NONE:
		case HTTP_RANGE_UNSATISFIABLE:
			FUZZ_CHECK(start == 0 && len == 0);
			break;
		default:
			FUZZ_CHECK(!"a value outside enum http_range");
		}
	}
	FUZZ_CHECK(http_parse_range(NULL, 10, &start, &len) == HTTP_RANGE_NONE);
}

/* Whether s, after optional blanks, is "*" and blanks. */
static bool
is_star(const char *s)
{
	s += strspn(s, " \t");
	if (*s != '*')
		return false;
	s++;
	return s[strspn(s, " \t")] == '\0';
}

static void
fuzz_etag(const char *inm, const char *second, uint64_t h)
{
	char		 tag[32], weak[40];
	const char	*bare;

	if (second != NULL && http_etag_match(inm, second)) {
		bare = strncmp(second, "W/", 2) == 0 ? second + 2 : second;
		FUZZ_CHECK(is_star(inm) || strstr(inm, bare) != NULL);
	}
	snprintf(tag, sizeof(tag), "\"%016llx\"", (unsigned long long)h);
	snprintf(weak, sizeof(weak), "W/%s", tag);
	if (http_etag_match(inm, tag))
		FUZZ_CHECK(is_star(inm) || strstr(inm, tag) != NULL);
	/* A tag always matches itself, weak or strong. */
	FUZZ_CHECK(http_etag_match(tag, tag));
	FUZZ_CHECK(http_etag_match(weak, tag));
	FUZZ_CHECK(http_etag_match(tag, weak));
	FUZZ_CHECK(!http_etag_match(NULL, tag));
}

static void
fuzz_accept(const char *accept)
{
	if (http_accept_image(accept))
		FUZZ_CHECK(strcasestr(accept, "image/") != NULL ||
		    strcasestr(accept, "application/octet-stream") != NULL);
}

static void
fuzz_media(const char *ct, const char *second)
{
	char		 big[256], small[8];
	bool		 okb, oks;
	enum body_form	 f;

	f = http_body_form(ct);
	FUZZ_CHECK(f == BODY_JSON || f == BODY_MULTIPART || f == BODY_RAW ||
	    f == BODY_UNSUPPORTED);
	if (f == BODY_MULTIPART)
		FUZZ_CHECK(strcasestr(ct, "multipart/form-data") != NULL);

	okb = http_media_param(ct, "boundary", big, sizeof(big));
	oks = http_media_param(ct, "boundary", small, sizeof(small));
	FUZZ_CHECK(okb ? big[0] != '\0' && strlen(big) < sizeof(big) :
	    big[0] == '\0');
	FUZZ_CHECK(oks ? small[0] != '\0' && strlen(small) < sizeof(small) :
	    small[0] == '\0');
	/* Room decides only whether the value fits. */
	if (oks)
		FUZZ_CHECK(okb && strcmp(big, small) == 0);
	if (okb && strlen(big) < sizeof(small))
		FUZZ_CHECK(oks);
	if (second != NULL && http_media_param(ct, second, big, sizeof(big)))
		FUZZ_CHECK(big[0] != '\0');
	FUZZ_CHECK(!http_media_param(ct, "boundary", big, 0));
}

static void
fuzz_time(const char *s)
{
	int64_t		 lo = 0, hi = 0, back;
	bool		 has_lo, has_hi;
	char		 out[32];

	has_lo = time_parse_bound(s, false, &lo);
	has_hi = time_parse_bound(s, true, &hi);
	FUZZ_CHECK(has_lo == has_hi);
	if (!has_lo)
		return;
	if (strlen(s) == 10) {
		/* A date: the whole day, from its first microsecond. */
		FUZZ_CHECK(hi - lo == USEC_PER_DAY - 1);
		time_format_rfc3339(lo, out);
		FUZZ_CHECK(strncmp(out, s, 10) == 0);
		FUZZ_CHECK(strcmp(out + 10, "T00:00:00.000000Z") == 0);
	} else {
		/* Digits past the microsecond round each bound inwards. */
		FUZZ_CHECK(lo == hi || lo == hi + 1);
	}
	if (lo < TIME_MIN || lo > TIME_MAX)
		return;
	time_format_rfc3339(lo, out);
	FUZZ_CHECK(strlen(out) == 27);
	FUZZ_CHECK(time_parse_bound(out, false, &back) && back == lo);
	FUZZ_CHECK(time_parse_bound(out, true, &back) && back == lo);
}

static void
fuzz_ids(const char *line, const uint8_t *data, size_t size)
{
	char	 out[IMAGE_ID_SIZE], again[IMAGE_ID_SIZE];
	size_t	 n, i;

	if (uuid_parse((const char *)data, size, out) ||
	    uuid_parse(line, strlen(line), out)) {
		FUZZ_CHECK(strlen(out) == 36);
		for (i = 0; i < 36; i++)
			FUZZ_CHECK(i == 8 || i == 13 || i == 18 || i == 23 ?
			    out[i] == '-' : strchr("0123456789abcdef",
			    out[i]) != NULL && out[i] != '\0');
		FUZZ_CHECK(uuid_parse(out, 36, again));
		FUZZ_CHECK(strcmp(out, again) == 0);
	} else
		FUZZ_CHECK(out[0] == '\0');

	{
		char	 name[64];

		if (http_host_name(line, name, sizeof(name))) {
			n = strlen(name);
			FUZZ_CHECK(n >= 1 && n < sizeof(name));
			FUZZ_CHECK(strspn(name, "abcdefghijklmnopqrstuvwxyz"
			    "0123456789.-_:") == n);
			(void)http_host_loopback(name);
		}
	}

	if (http_request_id_ok(line)) {
		n = strlen(line);
		FUZZ_CHECK(n >= 1 && n <= 200);
		FUZZ_CHECK(line[0] != ' ' && line[n - 1] != ' ');
		for (i = 0; i < n; i++)
			FUZZ_CHECK(line[i] >= 0x20 && line[i] <= 0x7e);
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	FUZZ_CHECK(!"a percent sign without two upper-case hex digits");
	return 0;
}

/* The JSON string and the Content-Disposition of the whole input. */
static void
fuzz_writers(const char *s)
{
	struct buf	 b;
	json_error_t	 jerr;
	json_t		*v;
	const char	*ext;
	size_t		 i, n = strlen(s);
	char		*dec;

	buf_init(&b, 16 * n + 64);
	FUZZ_CHECK(json_put_str(&b, s) == IMG_OK);
	for (i = 0; i < b.len; i++)
		FUZZ_CHECK((unsigned char)b.data[i] >= 0x20 &&
		    b.data[i] != 0x7f);
	if (utf8_valid(s, n, NULL)) {
		v = json_loadb(b.data, b.len, JSON_DECODE_ANY, &jerr);
		FUZZ_CHECK(json_is_string(v));
		FUZZ_CHECK(strcmp(json_string_value(v), s) == 0);
		json_decref(v);
	}
	buf_reset(&b);
	FUZZ_CHECK(json_put_str(&b, NULL) == IMG_OK &&
	    strcmp(b.data, "null") == 0);

	/* A header value: printable ASCII only, whatever the name holds. */
	buf_reset(&b);
	FUZZ_CHECK(http_content_disposition(&b, s) == IMG_OK);
	FUZZ_CHECK(strncmp(b.data, "inline", 6) == 0);
	for (i = 0; i < b.len; i++)
		FUZZ_CHECK(b.data[i] >= 0x20 && b.data[i] <= 0x7e);
	if (*s == '\0') {
		FUZZ_CHECK(strcmp(b.data, "inline") == 0);
		goto done;
	}
	/*
	 * The fallback is quoted and holds no quote: its end is the
	 * next one.
	 */
	FUZZ_CHECK(strncmp(b.data, "inline; filename=\"", 18) == 0);
	ext = strchr(b.data + 18, '"');
	FUZZ_CHECK(ext != NULL);
	ext++;
	if (*ext != '\0') {
		FUZZ_CHECK(strncmp(ext, "; filename*=UTF-8''", 19) == 0);
		ext += 19;
		if ((dec = malloc(strlen(ext) + 1)) == NULL)
			abort();
		for (i = 0, n = 0; ext[i] != '\0'; n++) {
			if (ext[i] == '%') {
				FUZZ_CHECK(ext[i + 1] != '\0' &&
				    ext[i + 2] != '\0');
				dec[n] = (char)(hexval(ext[i + 1]) << 4 |
				    hexval(ext[i + 2]));
				i += 3;
			} else
				dec[n] = ext[i++];
		}
		dec[n] = '\0';
		FUZZ_CHECK(strcmp(dec, s) == 0);
		free(dec);
	} else {
		/* Plain: the name stands as it is. */
		FUZZ_CHECK(strlen(b.data) == 19 + strlen(s));
		FUZZ_CHECK(strncmp(b.data + 18, s, strlen(s)) == 0);
	}
done:
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*all, *line, *nl, *second = NULL;
	uint64_t	 h = fuzz_hash(data, size);

	all = fuzz_cstr(data, size);
	line = fuzz_cstr(data, size);
	if ((nl = strchr(line, '\n')) != NULL) {
		*nl = '\0';
		second = nl + 1;
	}
	fuzz_range(line, h);
	fuzz_etag(line, second, h);
	fuzz_accept(line);
	fuzz_media(line, second);
	fuzz_time(line);
	fuzz_ids(line, data, size);
	fuzz_writers(all);
	free(line);
	free(all);
	return 0;
}
