/*
 * buf.c: growable capped buffers.  Growth doubles, so appends are amortised
 * O(1); the cap is checked before any allocation, so a hostile length never
 * reaches malloc.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imaged/buf.h"

void
buf_init(struct buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->size = 0;
	b->cap = cap;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->size = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

enum img_err
buf_reserve(struct buf *b, size_t more)
{
	size_t	 need, nsize;
	char	*p;

	if (more > b->cap || b->len > b->cap - more)
		return IMG_ETOOBIG;
	need = b->len + more + 1;
	if (need <= b->size)
		return IMG_OK;
	nsize = b->size ? b->size : 64;
	while (nsize < need)
		nsize = nsize > (size_t)-1 / 2 ? need : nsize * 2;
	if ((p = realloc(b->data, nsize)) == NULL)
		return IMG_ENOMEM;
	b->data = p;
	b->size = nsize;
	return IMG_OK;
}

enum img_err
buf_add_grow(struct buf *b, const void *p, size_t n)
{
	enum img_err	 e;

	if ((e = buf_reserve(b, n)) != IMG_OK)
		return e;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return IMG_OK;
}

enum img_err
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list		 aq;
	size_t		 room;
	int		 n;
	enum img_err	 e;

	/* Format into the room there is: only a text that does not fit is
	 * formatted twice. */
	if ((e = buf_reserve(b, 64)) != IMG_OK && e != IMG_ETOOBIG)
		return e;
	room = b->size > b->len ? b->size - b->len : 0;
	va_copy(aq, ap);
	n = vsnprintf(room > 0 ? b->data + b->len : NULL, room, fmt, aq);
	va_end(aq);
	if (n < 0 || (size_t)n > b->cap || b->len > b->cap - (size_t)n) {
		if (b->data != NULL)
			b->data[b->len] = '\0';
		return n < 0 ? IMG_EINTERNAL : IMG_ETOOBIG;
	}
	if ((size_t)n >= room) {
		if ((e = buf_reserve(b, (size_t)n)) != IMG_OK) {
			if (b->data != NULL)
				b->data[b->len] = '\0';
			return e;
		}
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	}
	b->len += (size_t)n;
	return IMG_OK;
}

enum img_err
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list		 ap;
	enum img_err	 e;

	va_start(ap, fmt);
	e = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return e;
}

char *
buf_steal(struct buf *b, size_t *lenp)
{
	char	*p = b->data;

	if (lenp != NULL)
		*lenp = b->len;
	b->data = NULL;
	b->len = 0;
	b->size = 0;
	return p;
}
