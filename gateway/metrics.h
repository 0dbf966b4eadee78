/*-------------------------------------------------------------------------
 *
 * metrics.h
 *		Counters, gauges and histograms, rendered for GET /metrics in the
 *		Prometheus text exposition format (version 0.0.4).
 *
 * Every update is a relaxed atomic operation (the rejection table takes a
 * mutex the first time it sees a SQLSTATE), so any thread may update at
 * any time.  Label values come from fixed tables (route table rows, a
 * fixed list of statuses, SQLSTATEs the database returned), never from
 * request text, so the number of series is bounded.
 *
 *-------------------------------------------------------------------------
 */
#ifndef GW_METRICS_H
#define GW_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* What happened to one record. */
enum gw_outcome
{
	GW_OUTCOME_STORED = 0,
	GW_OUTCOME_DUPLICATE,
	GW_OUTCOME_REJECTED
};

/* Kinds of database errors. */
enum gw_db_error
{
	GW_DBERR_CONNECT = 0,		/* a connection attempt failed */
	GW_DBERR_LOST,				/* an established connection broke */
	GW_DBERR_QUERY				/* a statement failed (not a record rejection) */
};

/* metrics_init: note the start time.  Call once before anything else. */
extern void metrics_init(void);

/*
 * metrics_request
 *		Count one answered request: its route label (routes.h), method bit,
 *		status, and time from its first byte of headers to its response.
 */
extern void metrics_request(int label, unsigned method_bit, unsigned status,
							uint64_t duration_ns);

/* metrics_record: count one record's outcome; sqlstate for rejections. */
extern void metrics_record(enum gw_outcome outcome, const char *sqlstate);

/* metrics_db_error: count a database error. */
extern void metrics_db_error(enum gw_db_error kind);

/* metrics_db_connect: count a successful connection (reconnect: not the first). */
extern void metrics_db_connect(int reconnect);

/* metrics_db_connections_add: database connections up, +1 or -1. */
extern void metrics_db_connections_add(int delta);

/* metrics_http_connections_add: open HTTP connections, +1 or -1. */
extern void metrics_http_connections_add(int delta);

/* metrics_inflight_add: requests being handled, +1 or -1. */
extern void metrics_inflight_add(int delta);

/* metrics_queue_add: requests waiting for a database worker, +n or -n. */
extern void metrics_queue_add(long delta);

/* metrics_queue_timeout: a request waited too long for a worker. */
extern void metrics_queue_timeout(void);

/* metrics_request_timeout: a connection was closed by the request deadline. */
extern void metrics_request_timeout(void);

/* metrics_batch: one ingest_batch call of n records that took duration_ns. */
extern void metrics_batch(size_t n, uint64_t duration_ns);

/*
 * metrics_render
 *		The whole exposition (malloc'd, NUL-terminated, *len without the
 *		NUL), or NULL when out of memory.
 */
extern char *metrics_render(size_t *len);

#endif							/* GW_METRICS_H */
