/*-------------------------------------------------------------------------
 *
 * stream.h
 *		A bounded pipe from a database worker to one HTTP response: the
 *		CSV export streams rows as they come, never the whole result in
 *		memory.
 *
 * The worker appends (stream_put), blocking while more than
 * STREAM_HIGH_WATER bytes wait to be sent; MHD's content reader takes
 * bytes out (stream_reader) and, when there are none yet, suspends the
 * connection and returns 0 (the pattern microhttpd.h prescribes);
 * stream_put and stream_finish resume it.  When MHD frees the response
 * (the client got everything, went away or timed out), stream_free marks
 * the stream aborted, so the worker stops reading rows and cancels its
 * query.
 *
 * Ownership: a stream is reference-counted, one reference for the worker
 * and one for the response; whoever drops the last frees it.  All fields
 * are protected by the stream's mutex.
 *
 *-------------------------------------------------------------------------
 */
#ifndef GW_STREAM_H
#define GW_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The worker waits while this many bytes are not sent yet. */
#define STREAM_HIGH_WATER	(256 * 1024)

struct gw_stream;

/*
 * stream_new
 *		A stream for the suspended MHD connection conn, with two references
 *		(the worker's and the response's).  NULL when out of memory.
 */
extern struct gw_stream *stream_new(void *conn);

/*
 * stream_put
 *		Append len bytes (copied).  Blocks while the buffer is over
 *		STREAM_HIGH_WATER.  Returns false when the stream was aborted (the
 *		client went away) or memory ran out: stop producing.
 */
extern bool stream_put(struct gw_stream *s, const char *data, size_t len);

/*
 * stream_finish
 *		No more data.  failed: the data is incomplete; the response ends
 *		with an error (the connection is closed, so a chunked response stays
 *		visibly incomplete).
 */
extern void stream_finish(struct gw_stream *s, bool failed);

/* stream_aborted: has the response gone away? */
extern bool stream_aborted(struct gw_stream *s);

/* stream_release: drop one reference (the worker's, or an unused response's). */
extern void stream_release(struct gw_stream *s);

/* stream_bytes: bytes put so far (for the log). */
extern uint64_t stream_bytes(struct gw_stream *s);

/* MHD's content reader and free callbacks (cls is the stream). */
extern ssize_t stream_reader(void *cls, uint64_t pos, char *buf, size_t max);
extern void stream_free(void *cls);

#endif							/* GW_STREAM_H */
