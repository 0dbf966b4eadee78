/*-------------------------------------------------------------------------
 *
 * deadline.h
 *		The request deadline: a connection has --request-timeout seconds to
 *		send a whole request (its headers and body), counted from its
 *		request line.  Before the request line, while the connection is
 *		ready for a request (it has just opened, or its previous request has
 *		been answered), the limit is the larger of --request-timeout and
 *		--connection-timeout: an idle kept-alive connection is left to
 *		libmicrohttpd's idle timeout, and a request line trickled in byte by
 *		byte is still cut.
 *
 * libmicrohttpd's own timeout (--connection-timeout) only closes a
 * connection that sends nothing at all; one that trickles a header line or
 * a byte of body every few seconds (slowloris) would keep it for hours.
 * The clock stops once the body is complete: waiting for the database, and
 * streaming an export, have their own timeouts.  The main thread sweeps
 * every 100 ms and shuts down the socket of every connection past its
 * deadline; libmicrohttpd then sees the connection end and closes it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DEADLINE_H
#define DEADLINE_H

#include <stdint.h>

#include <microhttpd.h>

/* deadline_open: track a new connection (MHD_CONNECTION_NOTIFY_STARTED). */
extern void deadline_open(struct MHD_Connection *conn, void **socket_context);

/* deadline_close: forget a connection (MHD_CONNECTION_NOTIFY_CLOSED). */
extern void deadline_close(void **socket_context);

/* deadline_request_line: a request line arrived on conn; its clock restarts. */
extern void deadline_request_line(struct MHD_Connection *conn);

/* deadline_received: the request on conn is complete; stop its clock. */
extern void deadline_received(struct MHD_Connection *conn);

/* deadline_answered: the request on conn is over; it waits for the next one. */
extern void deadline_answered(struct MHD_Connection *conn);

/*
 * deadline_sweep
 *		Shut down every connection whose request is over --request-timeout
 *		(none when it is 0).  Returns how many.  Call from one thread.
 */
extern unsigned deadline_sweep(uint64_t now_ns);

#endif							/* DEADLINE_H */
