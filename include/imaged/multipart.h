/*
 * multipart.h: a streaming multipart/form-data parser (RFC 7578, RFC 2046).
 *
 * The body is fed in pieces of any size as it arrives; each part's
 * headers are parsed (Content-Disposition name and filename, Content-Type)
 * and its content is handed to the callbacks in pieces, never buffered
 * whole: a 10 MiB file part passes through a parser whose memory is a few
 * KiB.  The parser is strict about framing (a missing or wrong boundary,
 * a body that ends before the closing delimiter, a part without a
 * Content-Disposition form-data name are errors) and bounds what it holds:
 * at most MULTIPART_HEADER_MAX bytes of one part's headers.
 * One parser belongs to one request.
 */
#ifndef IMAGED_MULTIPART_H
#define IMAGED_MULTIPART_H

#include <stddef.h>

#include "imaged/err.h"

#define MULTIPART_BOUNDARY_MAX	70	/* RFC 2046 */
#define MULTIPART_HEADER_MAX	8192	/* one part's header block */
#define MULTIPART_PARTS_MAX	64

struct multipart;

/* What a part's headers said; strings valid only during part_begin. */
struct multipart_part {
	const char	*name;		/* the form field's name */
	const char	*filename;	/* NULL when the part is no file */
	const char	*content_type;	/* NULL when absent */
};

/*
 * Callbacks; a non-IMG_OK return stops the parse and is returned by
 * multipart_feed/multipart_end.
 */
struct multipart_cb {
	enum img_err	(*part_begin)(void *arg, const struct multipart_part *);
	enum img_err	(*part_data)(void *arg, const char *, size_t);
	enum img_err	(*part_end)(void *arg);
};

/*
 * A parser for the given boundary (the Content-Type's parameter, 1-70
 * characters).  cb and arg are borrowed.  NULL on a bad boundary or ENOMEM
 * (check the boundary first with multipart_boundary_ok to tell them apart).
 */
struct multipart	*multipart_new(const char *boundary,
			    const struct multipart_cb *cb, void *arg);
void			 multipart_free(struct multipart *);
/*
 * Whether a boundary is acceptable (RFC 2046 bchars, 1-70, not ending
 * in space).
 */
int			 multipart_boundary_ok(const char *boundary);
/*
 * Feed the next piece of the body.  IMG_EINVAL for a malformed body
 * (the parser is then spent), or a callback's error.
 */
enum img_err		 multipart_feed(struct multipart *, const char *,
			    size_t);
/* The body ended: IMG_EINVAL unless the closing delimiter was seen. */
enum img_err		 multipart_end(struct multipart *);

#endif
