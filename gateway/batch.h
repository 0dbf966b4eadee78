/*-------------------------------------------------------------------------
 *
 * batch.h
 *		The database workers and their queue: group commit.
 *
 * HTTP threads never touch the database.  They queue a job and suspend
 * the connection; a pool of database workers (one PGconn each) takes
 * jobs off the queue.  A worker takes every queued ingest job (up to
 * --max-batch records) and stores them with ONE ingest_batch call, which
 * is one transaction: concurrent requests share one commit.  Each job's
 * done() callback runs only after that call returned, i.e. after the
 * commit, so no 2xx is ever sent for an uncommitted record.  Other
 * statements (queries, the health check) run one per job.
 *
 * A job that no worker takes within --queue-timeout is answered 503.
 * Workers connect at start-up; a worker without a connection tries again
 * at most once a second.  When no worker has a connection, queued jobs
 * are answered 503 at once.
 *
 *-------------------------------------------------------------------------
 */
#ifndef GW_BATCH_H
#define GW_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ingest.h"
#include "metrics.h"
#include "routes.h"

enum gw_job_kind
{
	GW_JOB_INGEST,				/* one record for ingest_batch */
	GW_JOB_STATEMENT,			/* one route statement, first value returned */
	GW_JOB_STREAM				/* one route statement, every row streamed */
};

struct gw_stream;

/*
 * One unit of work.  The submitter owns it and everything it points to;
 * it must stay valid until done() has been called.  A worker fills the
 * result fields and then calls done(), exactly once, from a worker thread
 * or from the thread calling batch_expire / batch_fail_queued.
 */
struct gw_job
{
	enum gw_job_kind kind;
	/* GW_JOB_INGEST */
	const struct gw_record *record;
	/* GW_JOB_STATEMENT: binary parameters, values[i] NULL for SQL NULL */
	int			statement;
	const char *values[GW_MAX_PARAMS];
	int			lengths[GW_MAX_PARAMS];

	/* GW_JOB_STREAM: the suspended MHD connection the stream resumes */
	void	   *conn;

	/* the result */
	unsigned	status;			/* HTTP status */
	char	   *body;			/* malloc'd response body; the submitter frees it */
	size_t		body_len;
	char		record_id[24];	/* ingest: the stored record's id, or "" */
	/*
	 * GW_JOB_STREAM with status 200: the stream the rows come through, with
	 * one reference for the response (the submitter hands it to MHD, or
	 * releases it).  The worker keeps producing after done().
	 */
	struct gw_stream *stream;

	/* completion */
	void		(*done) (struct gw_job *job);
	void	   *arg;			/* for done() */

	/* queue bookkeeping (batch.c) */
	uint64_t	enqueued_ns;
	struct gw_job *next;
};

/* batch_start: start gw_config.db_connections workers; false on failure. */
extern bool batch_start(void);

/*
 * batch_submit
 *		Queue a job.  Returns false (and does not call done) when the
 *		gateway no longer accepts work (shutting down).
 */
extern bool batch_submit(struct gw_job *job);

/* batch_expire: answer 503 to queued jobs older than --queue-timeout. */
extern void batch_expire(void);

/*
 * batch_stream_acquire
 *		Take one of the max(1, --db-connections - 1) slots for a streaming
 *		job (a stream pins a worker for its whole length, so one worker
 *		always stays for everything else).  False when all are taken.  The
 *		slot is given back when the job has run or failed.
 */
extern bool batch_stream_acquire(void);

/* batch_stream_release: give a slot back (for a job that was never submitted). */
extern void batch_stream_release(void);

/* batch_stop_accepting: from now on batch_submit returns false. */
extern void batch_stop_accepting(void);

/* batch_fail_queued: answer 503 (shutting down) to every queued job. */
extern void batch_fail_queued(void);

/* batch_pending: jobs queued or being run. */
extern size_t batch_pending(void);

/* batch_stop: stop and join the workers (the queue must be empty). */
extern void batch_stop(void);

/*
 * job_set_error
 *		Make the job's result a gateway error (status and JSON body).
 */
extern void job_set_error(struct gw_job *job, enum gw_error e, const char *message,
						  const char *details);

#endif							/* GW_BATCH_H */
