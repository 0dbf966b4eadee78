/*-------------------------------------------------------------------------
 *
 * buf.c
 *		A growable byte buffer (see buf.h).
 *
 * The allocation always keeps one spare byte, so that buf_steal can
 * NUL-terminate without growing.
 *
 *-------------------------------------------------------------------------
 */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
buf_init(struct gw_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->failed = false;
}

void
buf_free(struct gw_buf *b)
{
	free(b->data);
	buf_init(b);
}

/* Make room for extra more bytes plus the spare byte; false on failure. */
static bool
buf_grow(struct gw_buf *b, size_t extra)
{
	size_t		need;
	size_t		cap;
	char	   *p;

	if (b->failed)
		return false;
	if (extra > SIZE_MAX / 2 - b->len)
	{
		b->failed = true;
		return false;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (p == NULL)
	{
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void
buf_append(struct gw_buf *b, const void *data, size_t len)
{
	if (len == 0 || !buf_grow(b, len))
		return;
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

void
buf_printf(struct gw_buf *b, const char *fmt,...)
{
	va_list		ap;
	int			n;

	if (b->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_grow(b, (size_t) n))
	{
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

void
buf_put_u32(struct gw_buf *b, uint32_t v)
{
	unsigned char be[4];

	be[0] = (unsigned char) (v >> 24);
	be[1] = (unsigned char) (v >> 16);
	be[2] = (unsigned char) (v >> 8);
	be[3] = (unsigned char) v;
	buf_append(b, be, 4);
}

size_t
buf_reserve_u32(struct gw_buf *b)
{
	size_t		offset = b->len;

	buf_put_u32(b, 0);
	return offset;
}

void
buf_set_u32(struct gw_buf *b, size_t offset, uint32_t v)
{
	unsigned char *p;

	if (b->failed || offset + 4 > b->len)
		return;
	p = (unsigned char *) b->data + offset;
	p[0] = (unsigned char) (v >> 24);
	p[1] = (unsigned char) (v >> 16);
	p[2] = (unsigned char) (v >> 8);
	p[3] = (unsigned char) v;
}

char *
buf_steal(struct gw_buf *b, size_t *len)
{
	char	   *data;

	if (b->failed)
	{
		buf_free(b);
		return NULL;
	}
	if (!buf_grow(b, 0))
	{
		buf_free(b);
		return NULL;
	}
	b->data[b->len] = '\0';
	data = b->data;
	if (len)
		*len = b->len;
	buf_init(b);
	return data;
}
