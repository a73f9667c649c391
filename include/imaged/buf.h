/*
 * buf.h: a growable byte buffer with a hard cap (after curl's dynbuf).
 *
 * The buffer owns its memory; buf_free() releases it and leaves an empty,
 * reusable buffer.  Appends that would pass the cap fail with IMG_ETOOBIG
 * and leave the contents unchanged; allocation failure is IMG_ENOMEM.
 * The contents are always NUL-terminated (the NUL is not counted in len),
 * so a buffer of text can be handed to C string functions.
 */
#ifndef IMAGED_BUF_H
#define IMAGED_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include "imaged/err.h"

struct buf {
	char	*data;		/* NULL until the first append */
	size_t	 len;
	size_t	 size;		/* allocated, including the NUL */
	size_t	 cap;		/* most bytes len may reach */
};

void		 buf_init(struct buf *, size_t cap);
void		 buf_free(struct buf *);
/* Forget the contents, keep the memory. */
void		 buf_reset(struct buf *);
enum img_err	 buf_reserve(struct buf *, size_t more);
/* buf_add when the bytes do not fit the memory there is. */
enum img_err	 buf_add_grow(struct buf *, const void *, size_t);

/*
 * Appends are inline: a page of records makes a few hundred of them, and
 * nearly all fit the memory already there.
 */
static inline enum img_err
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n >= b->size - b->len || n > b->cap - b->len)
		return buf_add_grow(b, p, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return IMG_OK;
}

static inline enum img_err
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

static inline enum img_err
buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

enum img_err	 buf_printf(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
enum img_err	 buf_vprintf(struct buf *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));
/* Take the contents (caller frees with free()); the buffer becomes empty. */
char		*buf_steal(struct buf *, size_t *lenp);

#endif
