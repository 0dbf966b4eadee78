/*-------------------------------------------------------------------------
 *
 * http.h
 *		The libmicrohttpd side: the access handler, per-request state, body
 *		accumulation and replies.  main.c starts the daemon with these
 *		callbacks.
 *
 *-------------------------------------------------------------------------
 */
#ifndef GW_HTTP_H
#define GW_HTTP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

/*
 * http_handle
 *		MHD's access handler (MHD_AccessHandlerCallback).  Follows the
 *		three-call contract: the first call routes and rejects early (404,
 *		405, 413 by Content-Length, 415); body calls accumulate up to
 *		--max-body; the final call answers, or queues a database job and
 *		suspends the connection until a worker resumes it.
 */
extern enum MHD_Result http_handle(void *cls, struct MHD_Connection *conn,
								   const char *url, const char *method,
								   const char *version, const char *upload_data,
								   size_t *upload_data_size, void **req_cls);

/*
 * http_request_done
 *		MHD's completion callback: metrics, the request's log line, and
 *		freeing the request state.
 */
extern void http_request_done(void *cls, struct MHD_Connection *conn,
							  void **req_cls, enum MHD_RequestTerminationCode toe);

/* http_connection_notify: counts open connections (MHD_NotifyConnectionCallback). */
extern void http_connection_notify(void *cls, struct MHD_Connection *conn,
								   void **socket_context,
								   enum MHD_ConnectionNotificationCode toe);

/*
 * http_uri_log: a request line arrived (MHD_OPTION_URI_LOG_CALLBACK); returns
 * the request's initial *req_cls (a marker when its path holds %00).
 */
extern void *http_uri_log(void *cls, const char *uri, struct MHD_Connection *conn);

/* http_mhd_log: MHD's own messages, into our log (MHD_LogCallback). */
extern void http_mhd_log(void *cls, const char *fmt, va_list ap);

/*
 * http_accept_policy
 *		MHD's accept policy (MHD_AcceptPolicyCallback): every connection is
 *		taken until http_set_draining, none after.
 */
extern enum MHD_Result http_accept_policy(void *cls, const struct sockaddr *addr,
										  socklen_t addrlen);

/*
 * http_set_draining: from now on new connections are closed at once and
 * every response closes its connection.
 */
extern void http_set_draining(void);

/* http_inflight: requests received and not yet completed. */
extern long http_inflight(void);

#endif							/* GW_HTTP_H */
