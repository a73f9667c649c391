/*
 * fuzz_multipart.c: the streaming multipart/form-data parser (multipart.h).
 *
 * The input is a body as a client sends it.  When it opens with "--" and
 * a boundary the parser accepts (as curl -F bodies do), that boundary is
 * used, else the fixed one below.  The body is parsed in one piece, split
 * at a byte picked from the input, and (when short) one byte at a time;
 * the callbacks must see the same parts, headers and content every way,
 * since pieces may end anywhere.  The callbacks check the framing: content
 * only inside a part, parts begun and ended in turn, at most
 * MULTIPART_PARTS_MAX of them, no delimiter inside content.  A last run
 * (fed as the first) makes one of the callbacks that run fail, which must
 * stop the parse with its error and call nothing after it.
 */
#include <stdbool.h>

#include "imaged/buf.h"
#include "imaged/multipart.h"

#include "fuzz.h"

#define FIXED_BOUNDARY	"----fuzzboundary"
#define BYTEWISE_MAX	4096
#define LOG_CAP		(64 * 1024 * 1024)

struct parse {
	char		 delim[4 + MULTIPART_BOUNDARY_MAX + 1];
	struct buf	 log;		/* the events, content runs merged */
	struct buf	 content;	/* the current part's content */
	bool		 in_part;
	bool		 in_data;	/* the last event logged was content */
	unsigned	 parts;
	unsigned	 events;
	unsigned	 fail_at;	/* 0: never, else fail that event */
	bool		 failed;	/* a callback failed: no more calls */
};

static enum img_err
event(struct parse *p)
{
	FUZZ_CHECK(!p->failed);
	if (++p->events == p->fail_at) {
		p->failed = true;
		return IMG_ENOSPACE;
	}
	return IMG_OK;
}

static void
log_str(struct parse *p, const char *s)
{
	if (s == NULL)
		FUZZ_CHECK(buf_addc(&p->log, '\1') == IMG_OK);
	else {
		FUZZ_CHECK(strlen(s) < MULTIPART_HEADER_MAX);
		FUZZ_CHECK(buf_adds(&p->log, s) == IMG_OK);
	}
	FUZZ_CHECK(buf_addc(&p->log, '\0') == IMG_OK);
}

static enum img_err
on_begin(void *arg, const struct multipart_part *part)
{
	struct parse	*p = arg;

	FUZZ_CHECK(!p->in_part);
	FUZZ_CHECK(part->name != NULL);
	FUZZ_CHECK(++p->parts <= MULTIPART_PARTS_MAX);
	p->in_part = true;
	p->in_data = false;
	buf_reset(&p->content);
	FUZZ_CHECK(buf_addc(&p->log, 'B') == IMG_OK);
	log_str(p, part->name);
	log_str(p, part->filename);
	log_str(p, part->content_type);
	return event(p);
}

static enum img_err
on_data(void *arg, const char *s, size_t n)
{
	struct parse	*p = arg;

	FUZZ_CHECK(p->in_part);
	FUZZ_CHECK(n > 0);
	if (!p->in_data)
		FUZZ_CHECK(buf_addc(&p->log, 'D') == IMG_OK);
	p->in_data = true;
	FUZZ_CHECK(buf_add(&p->log, s, n) == IMG_OK);
	FUZZ_CHECK(buf_add(&p->content, s, n) == IMG_OK);
	return event(p);
}

static enum img_err
on_end(void *arg)
{
	struct parse	*p = arg;

	FUZZ_CHECK(p->in_part);
	/* RFC 2046: the delimiter never appears inside content. */
	FUZZ_CHECK(p->content.len == 0 || memmem(p->content.data,
	    p->content.len, p->delim, strlen(p->delim)) == NULL);
	p->in_part = false;
	p->in_data = false;
	FUZZ_CHECK(buf_addc(&p->log, 'E') == IMG_OK);
	return event(p);
}

static const struct multipart_cb callbacks = { on_begin, on_data, on_end };

/*
 * Parse size bytes as pieces of at most step bytes, the first first_len
 * long; the result of multipart_end (or of the failing feed).
 */
static enum img_err
parse_run(struct parse *p, const char *boundary, const uint8_t *data,
    size_t size, size_t first_len, size_t step)
{
	struct multipart	*mp;
	size_t			 off = 0, n;
	enum img_err		 e = IMG_OK, fe;

	buf_init(&p->log, LOG_CAP);
	buf_init(&p->content, LOG_CAP);
	snprintf(p->delim, sizeof(p->delim), "\r\n--%s", boundary);
	if ((mp = multipart_new(boundary, &callbacks, p)) == NULL)
		abort();
	n = first_len < size ? first_len : size;
	while (off < size) {
		fe = multipart_feed(mp, (const char *)data + off, n);
		/* Errors are sticky. */
		if (e != IMG_OK)
			FUZZ_CHECK(fe == e);
		e = fe;
		off += n;
		n = size - off < step ? size - off : step;
	}
	fe = multipart_end(mp);
	if (e != IMG_OK)
		FUZZ_CHECK(fe == e);
	else if (fe == IMG_OK)
		FUZZ_CHECK(!p->in_part);
	/* A second end says the same. */
	FUZZ_CHECK(multipart_end(mp) == fe);
	multipart_free(mp);
	return fe;
}

static void
parse_free(struct parse *p)
{
	buf_free(&p->log);
	buf_free(&p->content);
}

/* The boundary a curl -F body opens with, or NULL. */
static char *
leading_boundary(const uint8_t *data, size_t size)
{
	char	*b;
	size_t	 n;

	if (size < 3 || data[0] != '-' || data[1] != '-')
		return NULL;
	for (n = 0; 2 + n < size && n <= MULTIPART_BOUNDARY_MAX; n++)
		if (data[2 + n] == '\r' || data[2 + n] == '\n')
			break;
	b = fuzz_cstr(data + 2, n);
	if (!multipart_boundary_ok(b)) {
		/* The parser must agree that it is unusable. */
		FUZZ_CHECK(multipart_new(b, &callbacks, NULL) == NULL);
		free(b);
		return NULL;
	}
	return b;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parse	 whole, other;
	enum img_err	 e, oe;
	char		*boundary;
	const char	*b;
	size_t		 cut;
	uint64_t	 h = fuzz_hash(data, size);

	boundary = leading_boundary(data, size);
	b = boundary != NULL ? boundary : FIXED_BOUNDARY;
	cut = (size_t)(h % (size + 1));

	memset(&whole, 0, sizeof(whole));
	e = parse_run(&whole, b, data, size, size, size);

	memset(&other, 0, sizeof(other));
	oe = parse_run(&other, b, data, size, cut, size);
	FUZZ_CHECK(oe == e);
	FUZZ_CHECK(other.log.len == whole.log.len && (whole.log.len == 0 ||
	    memcmp(other.log.data, whole.log.data, whole.log.len) == 0));
	parse_free(&other);

	if (size <= BYTEWISE_MAX) {
		memset(&other, 0, sizeof(other));
		oe = parse_run(&other, b, data, size, 1, 1);
		FUZZ_CHECK(oe == e);
		FUZZ_CHECK(other.log.len == whole.log.len &&
		    (whole.log.len == 0 || memcmp(other.log.data,
		    whole.log.data, whole.log.len) == 0));
		parse_free(&other);
	}

	/* Fail one of the events the whole parse saw. */
	if (whole.events > 0) {
		memset(&other, 0, sizeof(other));
		other.fail_at = 1 + (unsigned)(h >> 32) % whole.events;
		oe = parse_run(&other, b, data, size, size, size);
		FUZZ_CHECK(other.failed);
		FUZZ_CHECK(oe == IMG_ENOSPACE);
		parse_free(&other);
	}

	parse_free(&whole);
	free(boundary);
	return 0;
}
