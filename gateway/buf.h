/*-------------------------------------------------------------------------
 *
 * buf.h
 *		A growable byte buffer, for the bodies and parameters the gateway
 *		builds (metrics text, binary array parameters).
 *
 * On allocation failure a buffer becomes "failed": further appends do
 * nothing and buf_failed() says so, so that callers check once at the end.
 *
 *-------------------------------------------------------------------------
 */
#ifndef GW_BUF_H
#define GW_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gw_buf
{
	char	   *data;			/* malloc'd; NULL until the first append */
	size_t		len;			/* bytes used */
	size_t		cap;			/* bytes allocated */
	bool		failed;			/* an allocation failed */
};

/* buf_init: an empty buffer (no allocation). */
extern void buf_init(struct gw_buf *b);

/* buf_free: release the memory; the buffer is empty again. */
extern void buf_free(struct gw_buf *b);

/* buf_append: append len bytes. */
extern void buf_append(struct gw_buf *b, const void *data, size_t len);

/* buf_printf: append formatted text (no NUL is counted in len). */
extern void buf_printf(struct gw_buf *b, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/* buf_put_u32: append a 32-bit integer in network byte order. */
extern void buf_put_u32(struct gw_buf *b, uint32_t v);

/*
 * buf_reserve_u32
 *		Append a placeholder 32-bit integer and return its offset, for
 *		buf_set_u32 to fill in later.
 */
extern size_t buf_reserve_u32(struct gw_buf *b);

/* buf_set_u32: overwrite the 32-bit integer at offset (network order). */
extern void buf_set_u32(struct gw_buf *b, size_t offset, uint32_t v);

/*
 * buf_steal
 *		Hand the data (NUL-terminated, len bytes before the NUL) to the
 *		caller, who must free() it; the buffer is empty afterwards.  Returns
 *		NULL if the buffer failed.
 */
extern char *buf_steal(struct gw_buf *b, size_t *len);

/* buf_failed: did an allocation fail? */
static inline bool
buf_failed(const struct gw_buf *b)
{
	return b->failed;
}

#endif							/* GW_BUF_H */
