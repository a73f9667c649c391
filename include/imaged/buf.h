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
enum img_err	 buf_add(struct buf *, const void *, size_t);
enum img_err	 buf_adds(struct buf *, const char *);
enum img_err	 buf_addc(struct buf *, char);
enum img_err	 buf_printf(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
enum img_err	 buf_vprintf(struct buf *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));
/* Take the contents (caller frees with free()); the buffer becomes empty. */
char		*buf_steal(struct buf *, size_t *lenp);

#endif
