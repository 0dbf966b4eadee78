/*-------------------------------------------------------------------------
 *
 * batch.c
 *		Database workers, the job queue and group commit (see batch.h).
 *
 * Locking: one mutex protects both queues, the counters and the flags;
 * it is never held while talking to the database or calling done().
 * Connected workers sleep on q.cond, signalled when a job can be taken; workers
 * without a connection sleep on q.retry until their next attempt (or
 * until a job arrives while no worker is connected, to answer it 503).
 * A job's memory belongs to its request: after calling done() a worker
 * never touches the job again (the request may be freed at once).
 *
 * Group commit: at most --ingest-batches (default 1) ingest batches run at
 * once.  While one runs, the records that arrive wait in the queue, and
 * the next batch takes them all, so batches grow with the load; a second
 * worker stays free for the query API.  Measured on two cores (see
 * bench/README.md), one batch at a time beats two both at 16 and at 64
 * connections: two in flight halve each batch, and a batch's fixed cost
 * (the call, the commit and its WAL flush) weighs more than the overlap
 * gains.  More than one may pay when commits are slow and the CPU idle
 * (not measured).
 * The worker whose batch committed sends the next batch before it answers
 * the committed one's requests (ingest_chain), so the database never waits
 * for those answers, nor for another worker to wake up.
 *
 * A batch that fails as a whole is handled by its SQLSTATE:
 *	 - serialization failure or deadlock (40001, 40P01): run it again (at
 *	   most three times);
 *	 - a data error (classes 22, 23, 54) in a batch of several records:
 *	   run each record alone, so that one record can never cost the
 *	   others their answer (the extension already isolates bad records,
 *	   this is the gateway's second line);
 *	 - a lost connection: reconnect and run it once more.  A record stored
 *	   by the lost attempt comes back as a duplicate (200), never twice;
 *	 - anything else: every record of the batch gets that error.
 *
 *-------------------------------------------------------------------------
 */
#include "batch.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "errors.h"
#include "gateway.h"
#include "log.h"
#include "stream.h"

/* Most payload and field bytes in one batch (at least one record always goes). */
#define MAX_BATCH_BYTES		(16 * 1024 * 1024)

/* Least time between two connection attempts of one worker. */
#define RECONNECT_INTERVAL_NS	UINT64_C(1000000000)

struct fifo
{
	struct gw_job *head;
	struct gw_job *tail;
	size_t		len;
};

struct worker
{
	pthread_t	thread;
	int			number;
	struct gw_db db;
	bool		up;				/* counted in nconnected */
};

static struct
{
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* jobs queued, for connected workers */
	pthread_cond_t retry;		/* for workers without a connection */
	struct fifo ingest;			/* GW_JOB_INGEST */
	struct fifo other;			/* GW_JOB_STATEMENT */
	size_t		running;		/* jobs taken by workers, not yet done */
	int			ingesting;		/* ingest batches taken, not yet done */
	bool		accepting;
	bool		stopping;
	struct worker *workers;
	int			nworkers;
}			q = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

/*
 * Can a worker take ingest jobs now?  Only while fewer than
 * --ingest-batches batches are running (the caller holds q.lock); when
 * stopping, always, so that the queue drains.
 */
static bool
can_take_ingest(void)
{
	return q.ingest.len > 0 &&
		(q.ingesting < gw_config.ingest_batches || q.stopping);
}

/* Is there a job some idle worker can take now?  (q.lock held.) */
static bool
work_available(void)
{
	return q.other.len > 0 || can_take_ingest();
}

/* Workers with a database connection. */
static atomic_int nconnected;

/* Streaming jobs submitted and not yet finished. */
static atomic_int nstreams;

bool
batch_stream_acquire(void)
{
	int			limit = gw_config.db_connections > 1 ? gw_config.db_connections - 1 : 1;

	if (atomic_fetch_add(&nstreams, 1) >= limit)
	{
		atomic_fetch_sub(&nstreams, 1);
		return false;
	}
	return true;
}

void
batch_stream_release(void)
{
	atomic_fetch_sub(&nstreams, 1);
}

/* fifo_push: append job to f (the caller holds q.lock). */
static void
fifo_push(struct fifo *f, struct gw_job *job)
{
	job->next = NULL;
	if (f->tail)
		f->tail->next = job;
	else
		f->head = job;
	f->tail = job;
	f->len++;
}

/* fifo_pop: take the oldest job of f, or NULL (the caller holds q.lock). */
static struct gw_job *
fifo_pop(struct fifo *f)
{
	struct gw_job *job = f->head;

	if (job != NULL)
	{
		f->head = job->next;
		if (f->head == NULL)
			f->tail = NULL;
		f->len--;
		job->next = NULL;
	}
	return job;
}

/* Move every job of f onto the end of list *out (via next). */
static void
fifo_drain(struct fifo *f, struct gw_job **out)
{
	struct gw_job **p = out;

	while (*p)
		p = &(*p)->next;
	*p = f->head;
	f->head = f->tail = NULL;
	f->len = 0;
}

void
job_set_error(struct gw_job *job, enum gw_error e, const char *message,
			  const char *details)
{
	free(job->body);
	job->status = err_status(e);
	job->body = err_body(err_code(e), message, details, NULL, &job->body_len);
	if (job->body == NULL)
		job->body_len = 0;
}

/*
 * Count a failed statement as a database error, unless its SQLSTATE maps to
 * a 4xx: a bad query parameter or an unknown id is the client's mistake,
 * not the database's.
 */
static void
count_statement_error(const PGresult *res)
{
	if (err_http_status(PQresultErrorField(res, PG_DIAG_SQLSTATE), NULL) >= 500)
		metrics_db_error(GW_DBERR_QUERY);
}

/* The job's result: a database error result. */
static void
job_set_db_error(struct gw_job *job, const PGresult *res)
{
	char		sqlstate[6];
	const char *message;
	const char *detail;
	const char *hint;
	bool		log_it;

	db_error_fields(res, sqlstate, &message, &detail, &hint);
	free(job->body);
	job->status = err_http_status(sqlstate[0] ? sqlstate : NULL, &log_it);
	if (log_it)
		gw_log(GW_LOG_ERROR, "database error %s: %s", sqlstate[0] ? sqlstate : "(none)", message);
	job->body = err_body(sqlstate[0] ? sqlstate : err_code(GW_ERR_DB_PROTOCOL),
						 message, detail, hint, &job->body_len);
}

/* Call done() for every job of a list. */
static void
complete_list(struct gw_job *list)
{
	while (list != NULL)
	{
		struct gw_job *next = list->next;

		list->next = NULL;
		list->done(list);
		list = next;
	}
}

/* Complete a list of jobs, all with the same gateway error. */
static void
fail_list(struct gw_job *list, enum gw_error e, const char *message, const char *details)
{
	struct gw_job *j;

	for (j = list; j != NULL; j = j->next)
	{
		job_set_error(j, e, message, details);
		if (j->kind == GW_JOB_STREAM)
			batch_stream_release();
	}
	complete_list(list);
}

/* ----------------------------------------------------------------
 * Running jobs
 * ----------------------------------------------------------------
 */

/*
 * exec_batch
 *		One ingest_batch call for jobs[0..n).  Returns the result, or NULL
 *		with *lost set when the connection broke, or NULL with *oom.  sent
 *		(if not NULL) is called with arg once the call is on its way.
 */
static PGresult *
exec_batch(struct worker *w, struct gw_job **jobs, int n, bool *lost, bool *oom,
		   void (*sent) (void *arg), void *arg)
{
	struct gw_buf fields;
	struct gw_buf payloads;
	struct gw_buf tids;
	const char *values[3];
	int			lengths[3];
	bool		any_null_tid = false;
	PGresult   *res = NULL;
	int			i;

	*lost = false;
	*oom = false;
	buf_init(&fields);
	buf_init(&payloads);
	buf_init(&tids);
	for (i = 0; i < n; i++)
		if (jobs[i]->record->tid == NULL)
			any_null_tid = true;

	db_array_begin(&fields, GW_TEXTOID, n, false);
	db_array_begin(&payloads, GW_BYTEAOID, n, false);
	db_array_begin(&tids, GW_TEXTOID, n, any_null_tid);
	for (i = 0; i < n; i++)
	{
		const struct gw_record *r = jobs[i]->record;

		db_array_elem(&fields, r->fields, r->fields_len);
		db_array_elem(&payloads, r->payload ? r->payload : "", r->payload_len);
		db_array_elem(&tids, r->tid, r->tid_len);
	}
	if (buf_failed(&fields) || buf_failed(&payloads) || buf_failed(&tids) ||
		fields.len > INT32_MAX || payloads.len > INT32_MAX || tids.len > INT32_MAX)
	{
		*oom = true;
		goto done;
	}
	values[0] = fields.data;
	lengths[0] = (int) fields.len;
	values[1] = payloads.data;
	lengths[1] = (int) payloads.len;
	values[2] = tids.data;
	lengths[2] = (int) tids.len;
	res = db_exec(&w->db, GW_STMT_INGEST_BATCH, values, lengths, lost, sent, arg);

done:
	buf_free(&fields);
	buf_free(&payloads);
	buf_free(&tids);
	return res;
}

/*
 * record_id_of
 *		The stored record's id, for the log: the digits its JSON opens with,
 *		or "" if it opens otherwise.  The record's JSON always opens with
 *		{"id": N (jsonb's key order puts the shortest key first, and
 *		record_json_text() writes that order); taking the id from the text
 *		spares the database parsing every record's JSON again for it, which
 *		json's ->> does.
 */
static void
record_id_of(const char *json, char *out, size_t size)
{
	static const char prefix[] = "{\"id\": ";
	size_t		n = 0;

	if (strncmp(json, prefix, sizeof(prefix) - 1) == 0)
	{
		const char *p = json + sizeof(prefix) - 1;

		while (n + 1 < size && p[n] >= '0' && p[n] <= '9')
		{
			out[n] = p[n];
			n++;
		}
	}
	out[n] = '\0';
}

/* Fill each job's result from ingest_batch's rows. */
static void
take_batch_rows(struct gw_job **jobs, int n, const PGresult *res)
{
	int			nrows = PQntuples(res);
	bool	   *seen = calloc((size_t) n, sizeof(bool));
	int			r;
	int			i;

	if (seen == NULL || PQnfields(res) != 5)
	{
		for (i = 0; i < n; i++)
			job_set_error(jobs[i], seen ? GW_ERR_DB_PROTOCOL : GW_ERR_OUT_OF_MEMORY,
						  seen ? "unexpected result from ingest_batch" : "out of memory", NULL);
		free(seen);
		return;
	}
	for (r = 0; r < nrows; r++)
	{
		int			ord = atoi(PQgetvalue(res, r, 0));
		const char *outcome = PQgetvalue(res, r, 1);
		struct gw_job *job;

		if (ord < 1 || ord > n || seen[ord - 1])
			continue;
		seen[ord - 1] = true;
		job = jobs[ord - 1];
		free(job->body);
		job->body = NULL;
		if (strcmp(outcome, "stored") == 0 || strcmp(outcome, "duplicate") == 0)
		{
			bool		stored = (outcome[0] == 's');

			job->status = stored ? 201 : 200;
			job->body_len = (size_t) PQgetlength(res, r, 4);
			job->body = malloc(job->body_len + 1);
			if (job->body == NULL)
			{
				job_set_error(job, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL);
				continue;
			}
			memcpy(job->body, PQgetvalue(res, r, 4), job->body_len + 1);
			record_id_of(job->body, job->record_id, sizeof(job->record_id));
			metrics_record(stored ? GW_OUTCOME_STORED : GW_OUTCOME_DUPLICATE, NULL);
		}
		else if (strcmp(outcome, "rejected") == 0)
		{
			const char *sqlstate = PQgetvalue(res, r, 2);
			bool		log_it;

			job->status = err_http_status(sqlstate, &log_it);
			job->body = err_body(sqlstate, PQgetvalue(res, r, 3), NULL, NULL, &job->body_len);
			if (job->body == NULL)
				job_set_error(job, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL);
			if (log_it)
				gw_log(GW_LOG_ERROR, "record rejected with SQLSTATE %s: %s",
					   sqlstate, PQgetvalue(res, r, 3));
			metrics_record(GW_OUTCOME_REJECTED, sqlstate);
		}
		else
			job_set_error(job, GW_ERR_DB_PROTOCOL, "unexpected outcome from ingest_batch", outcome);
	}
	for (i = 0; i < n; i++)
		if (!seen[i])
			job_set_error(jobs[i], GW_ERR_DB_PROTOCOL, "ingest_batch returned no row for the record", NULL);
	free(seen);
}

/*
 * worker_reconnect
 *		(Re)connect the worker and keep nconnected right; returns whether
 *		it is connected now.  Never called with q.lock held.
 */
static bool
worker_reconnect(struct worker *w)
{
	bool		ok = db_connect(&w->db);

	if (ok && !w->up)
	{
		w->up = true;
		atomic_fetch_add(&nconnected, 1);
	}
	else if (!ok && w->up)
	{
		w->up = false;
		atomic_fetch_sub(&nconnected, 1);
	}
	return ok;
}

/* The worker lost its connection (db.c already closed it). */
static void
worker_lost(struct worker *w)
{
	if (w->up)
	{
		w->up = false;
		atomic_fetch_sub(&nconnected, 1);
	}
}

/*
 * A serialization failure or deadlock (40001, 40P01): the transaction was
 * rolled back through no fault of the statement, which can run again.
 */
static bool
is_conflict(const char *sqlstate)
{
	return sqlstate != NULL &&
		(strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0);
}

/*
 * run_ingest
 *		Store jobs[0..n) with one ingest_batch call (see the file header for
 *		what happens when it fails) and fill in every job's result.
 */
static void
run_ingest(struct worker *w, struct gw_job **jobs, int n, void (*sent) (void *arg), void *arg)
{
	int			attempt;
	bool		reconnected = false;
	uint64_t	start = gw_now_ns();

	for (attempt = 0;; attempt++)
	{
		bool		lost;
		bool		oom;
		PGresult   *res = exec_batch(w, jobs, n, &lost, &oom, sent, arg);
		char		sqlstate[6];
		const char *message;
		const char *detail;
		const char *hint;
		int			i;

		if (oom)
		{
			for (i = 0; i < n; i++)
				job_set_error(jobs[i], GW_ERR_OUT_OF_MEMORY, "out of memory", NULL);
			return;
		}
		if (lost)
		{
			worker_lost(w);
			if (!reconnected && worker_reconnect(w))
			{
				reconnected = true;
				continue;
			}
			for (i = 0; i < n; i++)
				job_set_error(jobs[i], GW_ERR_DB_UNAVAILABLE, "the database is unavailable", NULL);
			return;
		}
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
		{
			take_batch_rows(jobs, n, res);
			PQclear(res);
			metrics_batch((size_t) n, gw_now_ns() - start);
			return;
		}

		db_error_fields(res, sqlstate, &message, &detail, &hint);
		count_statement_error(res);
		if (is_conflict(sqlstate) && attempt < 3)
		{
			gw_log(GW_LOG_INFO, "worker %d: batch of %d records hit %s (%s); running it again",
				   w->number, n, sqlstate, message);
			PQclear(res);
			continue;
		}
		if (n > 1 && (strncmp(sqlstate, "22", 2) == 0 || strncmp(sqlstate, "23", 2) == 0 ||
					  strncmp(sqlstate, "54", 2) == 0))
		{
			gw_log(GW_LOG_WARN, "worker %d: batch of %d records failed with %s (%s); storing them one by one",
				   w->number, n, sqlstate, message);
			PQclear(res);
			for (i = 0; i < n; i++)
				run_ingest(w, &jobs[i], 1, NULL, NULL);
			return;
		}
		for (i = 0; i < n; i++)
			job_set_db_error(jobs[i], res);
		PQclear(res);
		return;
	}
}

/*
 * Run one statement job: the first column of the first row is the body.  A
 * lost connection is tried again once, on a new one; a serialization
 * failure or deadlock (40001, 40P01: the statement's transaction was
 * rolled back) up to three times.
 */
static void
run_statement(struct worker *w, struct gw_job *job)
{
	bool		reconnected = false;
	int			conflicts = 0;

	for (;;)
	{
		bool		lost;
		const char *sqlstate;
		PGresult   *res = db_exec(&w->db, job->statement, job->values, job->lengths, &lost,
								  NULL, NULL);

		if (lost)
		{
			worker_lost(w);
			if (!reconnected && worker_reconnect(w))
			{
				reconnected = true;
				continue;
			}
			job_set_error(job, GW_ERR_DB_UNAVAILABLE, "the database is unavailable", NULL);
			return;
		}
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
		{
			const char *v = "null";
			size_t		len = 4;

			if (PQntuples(res) >= 1 && PQnfields(res) >= 1 && !PQgetisnull(res, 0, 0))
			{
				v = PQgetvalue(res, 0, 0);
				len = (size_t) PQgetlength(res, 0, 0);
			}
			free(job->body);
			job->body = malloc(len + 1);
			if (job->body == NULL)
				job_set_error(job, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL);
			else
			{
				memcpy(job->body, v, len);
				job->body[len] = '\0';
				job->body_len = len;
				job->status = 200;
			}
			PQclear(res);
			return;
		}
		sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		if (is_conflict(sqlstate) && conflicts++ < 3)
		{
			gw_log(GW_LOG_INFO, "worker %d: statement %s hit %s; running it again",
				   w->number, route_statements[job->statement].name, sqlstate);
			PQclear(res);
			continue;
		}
		count_statement_error(res);
		job_set_db_error(job, res);
		PQclear(res);
		return;
	}
}

/*
 * run_stream
 *		Run a streaming statement in single-row mode inside a read-only
 *		transaction whose statement_timeout is --export-timeout.  An error
 *		before the first row is the job's answer (a 400 for a bad
 *		parameter); from the first row on the job is answered 200 with a
 *		stream (job->stream), done() is called, and the rows follow through
 *		the stream.  When the client goes away, the query is cancelled.
 *		Calls done() itself, exactly once, and gives the stream slot back.
 */
static void
run_stream(struct worker *w, struct gw_job *job)
{
	const struct gw_statement *st = &route_statements[job->statement];
	PGconn	   *c = w->db.conn;
	int			formats[GW_MAX_PARAMS];
	char		set[96];
	PGresult   *res;
	struct gw_stream *s = NULL;
	bool		failed = false;
	bool		cancelled = false;
	int			i;

	for (i = 0; i < st->nparams; i++)
		formats[i] = 1;
	snprintf(set, sizeof(set), "BEGIN READ ONLY; SET LOCAL statement_timeout = %d",
			 gw_config.export_timeout_ms);
	res = PQexec(c, set);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		if (PQstatus(c) != CONNECTION_OK)
		{
			PQclear(res);
			worker_lost(w);
			db_close(&w->db);
			job_set_error(job, GW_ERR_DB_UNAVAILABLE, "the database is unavailable", NULL);
		}
		else
		{
			job_set_db_error(job, res);
			PQclear(res);
		}
		goto done_job;
	}
	PQclear(res);
	if (!PQsendQueryPrepared(c, st->name, st->nparams, job->values, job->lengths, formats, 0) ||
		!PQsetSingleRowMode(c))
	{
		worker_lost(w);
		db_close(&w->db);
		job_set_error(job, GW_ERR_DB_UNAVAILABLE, "the database is unavailable", NULL);
		goto done_job;
	}

	while ((res = PQgetResult(c)) != NULL)
	{
		ExecStatusType rs = PQresultStatus(res);

		if (rs == PGRES_SINGLE_TUPLE)
		{
			if (s == NULL)
			{
				s = stream_new(job->conn);
				if (s == NULL)
				{
					job_set_error(job, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL);
					cancelled = true;
				}
			}
			if (!cancelled && !PQgetisnull(res, 0, 0) &&
				!stream_put(s, PQgetvalue(res, 0, 0), (size_t) PQgetlength(res, 0, 0)))
				cancelled = true;
			if (!cancelled && job != NULL)
			{
				/* the first row: answer 200, the rest follows through s */
				free(job->body);
				job->body = NULL;
				job->body_len = 0;
				job->status = 200;
				job->stream = s;
				job->done(job);
				job = NULL;
			}
			if (cancelled)
			{
				PGcancel   *cancel = PQgetCancel(c);
				char		errbuf[256];

				if (cancel != NULL)
				{
					PQcancel(cancel, errbuf, sizeof(errbuf));
					PQfreeCancel(cancel);
				}
				PQclear(res);
				while ((res = PQgetResult(c)) != NULL)
					PQclear(res);
				break;
			}
		}
		else if (rs != PGRES_TUPLES_OK)
		{
			if (job != NULL)
				job_set_db_error(job, res);
			else
			{
				char		sqlstate[6];
				const char *message;
				const char *detail;
				const char *hint;

				db_error_fields(res, sqlstate, &message, &detail, &hint);
				gw_log(GW_LOG_WARN, "worker %d: a stream failed after %llu bytes: %s %s", w->number,
					   (unsigned long long) stream_bytes(s), sqlstate, message);
				failed = true;
			}
			count_statement_error(res);
		}
		PQclear(res);
	}

	if (PQstatus(c) != CONNECTION_OK)
	{
		failed = true;
		worker_lost(w);
		db_close(&w->db);
		if (job != NULL)
			job_set_error(job, GW_ERR_DB_UNAVAILABLE, "the database is unavailable", NULL);
	}
	else
	{
		res = PQexec(c, "ROLLBACK");	/* read-only: nothing to keep */
		PQclear(res);
	}
	if (job != NULL && job->body == NULL && job->stream == NULL)
	{
		/* no row at all: an empty 200 */
		s = s ? s : stream_new(job->conn);
		if (s == NULL)
			job_set_error(job, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL);
		else
		{
			job->status = 200;
			job->stream = s;
			job->done(job);
			job = NULL;
		}
	}
	if (s != NULL)
	{
		stream_finish(s, failed || (cancelled && !stream_aborted(s)));
		stream_release(s);
	}

done_job:
	if (job != NULL)
		job->done(job);
	batch_stream_release();
}

/* ----------------------------------------------------------------
 * Workers
 * ----------------------------------------------------------------
 */

/* Absolute CLOCK_REALTIME time delay_ns from now, for pthread_cond_timedwait. */
static struct timespec
deadline_in(uint64_t delay_ns)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t) (delay_ns / 1000000000);
	ts.tv_nsec += (long) (delay_ns % 1000000000);
	if (ts.tv_nsec >= 1000000000)
	{
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

/*
 * worker_without_connection
 *		The worker has no connection: try to make one when it is time (at
 *		most once a second).  If that fails and no worker has a connection,
 *		answer every queued job 503 at once; otherwise leave them to the
 *		workers that do, and sleep until the next attempt (q.retry, which
 *		batch_submit signals when no worker is connected).
 */
static void
worker_without_connection(struct worker *w)
{
	uint64_t	now = gw_now_ns();
	uint64_t	next;
	struct gw_job *list = NULL;

	if (w->db.last_attempt_ns == 0 || now - w->db.last_attempt_ns >= RECONNECT_INTERVAL_NS)
	{
		if (worker_reconnect(w))
			return;
		now = gw_now_ns();
	}
	next = w->db.last_attempt_ns + RECONNECT_INTERVAL_NS;

	pthread_mutex_lock(&q.lock);
	if (q.ingest.len + q.other.len > 0)
	{
		if (atomic_load(&nconnected) == 0)
		{
			metrics_queue_add(-(long) (q.ingest.len + q.other.len));
			fifo_drain(&q.ingest, &list);
			fifo_drain(&q.other, &list);
		}
		else
			pthread_cond_signal(&q.cond);	/* a connected worker takes them */
	}
	if (list == NULL && !q.stopping && next > now)
	{
		struct timespec ts = deadline_in(next - now);

		pthread_cond_timedwait(&q.retry, &q.lock, &ts);
	}
	pthread_mutex_unlock(&q.lock);
	fail_list(list, GW_ERR_DB_UNAVAILABLE, "the database is unavailable",
			  "The gateway cannot connect to the database.");
}

/* The jobs of a committed batch, not yet answered (see answer_batch). */
struct answer
{
	struct gw_job **jobs;
	int			n;
};

/*
 * answer_batch
 *		Call done() for the jobs of a committed batch (arg: a struct
 *		answer), unless that happened already, and stop counting them as
 *		running.
 */
static void
answer_batch(void *arg)
{
	struct answer *a = arg;
	int			i;

	if (a->n == 0)
		return;
	for (i = 0; i < a->n; i++)
		a->jobs[i]->done(a->jobs[i]);
	pthread_mutex_lock(&q.lock);
	q.running -= (size_t) a->n;
	pthread_mutex_unlock(&q.lock);
	a->n = 0;
}

/*
 * take_ingest
 *		Move the oldest queued ingest jobs into jobs[] (up to --max-batch,
 *		and MAX_BATCH_BYTES but at least one) and count them as running;
 *		returns how many.  The caller holds q.lock and an ingest slot.
 */
static int
take_ingest(struct gw_job **jobs)
{
	int			n = 0;
	size_t		bytes = 0;

	while (n < gw_config.max_batch && q.ingest.head != NULL)
	{
		const struct gw_record *r = q.ingest.head->record;
		size_t		size = r->fields_len + r->payload_len + r->tid_len;

		if (n > 0 && bytes + size > MAX_BATCH_BYTES)
			break;
		bytes += size;
		jobs[n++] = fifo_pop(&q.ingest);
	}
	q.running += (size_t) n;
	metrics_queue_add(-(long) n);
	return n;
}

/*
 * ingest_chain
 *		Store the batch jobs[0..n), taken with an ingest slot; then, while
 *		more records are queued and no statement job waits, take the next
 *		batch at once on the same slot and send it *before* answering the
 *		previous one's requests: the database starts on it while this
 *		thread answers, and no other worker has to wake up to take it.
 *		Gives the slot back at the end.  jobs has room for two batches.
 */
static void
ingest_chain(struct worker *w, struct gw_job **jobs, int n)
{
	struct answer prev = {NULL, 0};
	struct gw_job **cur = jobs;

	for (;;)
	{
		run_ingest(w, cur, n, answer_batch, &prev);
		answer_batch(&prev);	/* if the call never went out */
		prev.jobs = cur;
		prev.n = n;
		cur = (cur == jobs) ? jobs + gw_config.max_batch : jobs;

		pthread_mutex_lock(&q.lock);
		n = (w->db.conn != NULL && q.other.len == 0) ? take_ingest(cur) : 0;
		if (n == 0)
		{
			q.ingesting--;
			if (work_available())
				pthread_cond_signal(&q.cond);
		}
		pthread_mutex_unlock(&q.lock);
		if (n == 0)
			break;
	}
	answer_batch(&prev);
}

/*
 * worker_main
 *		A database worker: get a connection, wait for jobs, take either one
 *		statement job or every queued ingest job (up to --max-batch and
 *		MAX_BATCH_BYTES), run them, call their done() after the result (for
 *		ingest: after the commit; ingest_chain), and loop until batch_stop
 *		with an empty queue.
 */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct gw_job **jobs = malloc(sizeof(struct gw_job *) * 2 * (size_t) gw_config.max_batch);

	if (jobs == NULL)
	{
		gw_log(GW_LOG_ERROR, "worker %d: out of memory", w->number);
		return NULL;
	}
	for (;;)
	{
		int			n = 0;
		struct gw_job *stmt_job = NULL;
		bool		stop;

		pthread_mutex_lock(&q.lock);
		stop = q.stopping && q.ingest.len == 0 && q.other.len == 0;
		pthread_mutex_unlock(&q.lock);
		if (stop)
			break;

		if (w->db.conn == NULL)
		{
			worker_without_connection(w);
			continue;
		}

		pthread_mutex_lock(&q.lock);
		while (!q.stopping && !work_available())
			pthread_cond_wait(&q.cond, &q.lock);
		stop = (q.ingest.len == 0 && q.other.len == 0);
		pthread_mutex_unlock(&q.lock);
		if (stop)
			break;

		/* check the connection before taking anything */
		if (!db_ready(&w->db))
		{
			worker_lost(w);
			continue;			/* reconnect, or hand the jobs on */
		}

		pthread_mutex_lock(&q.lock);
		if (q.other.len > 0)
		{
			stmt_job = fifo_pop(&q.other);
			q.running++;
			metrics_queue_add(-1);
		}
		else if (can_take_ingest())
		{
			n = take_ingest(jobs);
			q.ingesting++;
		}
		if (work_available())
			pthread_cond_signal(&q.cond);	/* more for another worker */
		pthread_mutex_unlock(&q.lock);

		if (stmt_job != NULL && stmt_job->kind == GW_JOB_STREAM)
			run_stream(w, stmt_job);	/* calls done() itself */
		else if (stmt_job != NULL)
		{
			run_statement(w, stmt_job);
			stmt_job->done(stmt_job);
		}
		else if (n > 0)
			ingest_chain(w, jobs, n);	/* answers its jobs itself */

		if (stmt_job != NULL)
		{
			pthread_mutex_lock(&q.lock);
			q.running--;
			pthread_mutex_unlock(&q.lock);
		}
	}
	free(jobs);
	worker_lost(w);
	db_close(&w->db);
	return NULL;
}

bool
batch_start(void)
{
	int			i;

	pthread_cond_init(&q.cond, NULL);
	pthread_cond_init(&q.retry, NULL);
	q.nworkers = gw_config.db_connections;
	q.workers = calloc((size_t) q.nworkers, sizeof(struct worker));
	if (q.workers == NULL)
		return false;
	q.accepting = true;
	for (i = 0; i < q.nworkers; i++)
	{
		struct worker *w = &q.workers[i];
		int			rc;

		w->number = i + 1;
		db_init(&w->db, w->number);
		rc = pthread_create(&w->thread, NULL, worker_main, w);
		if (rc != 0)
		{
			gw_log(GW_LOG_ERROR, "could not start database worker: %s", strerror(rc));
			q.nworkers = i;
			batch_stop();
			return false;
		}
	}
	return true;
}

bool
batch_submit(struct gw_job *job)
{
	pthread_mutex_lock(&q.lock);
	if (!q.accepting)
	{
		pthread_mutex_unlock(&q.lock);
		return false;
	}
	job->enqueued_ns = gw_now_ns();
	fifo_push(job->kind == GW_JOB_INGEST ? &q.ingest : &q.other, job);
	metrics_queue_add(1);
	if (work_available())
		pthread_cond_signal(&q.cond);
	if (atomic_load(&nconnected) == 0)
		pthread_cond_broadcast(&q.retry);	/* answer 503 now, or reconnect */
	pthread_mutex_unlock(&q.lock);
	return true;
}

/* Remove the jobs older than deadline from f onto *out. */
static void
fifo_expire(struct fifo *f, uint64_t deadline, struct gw_job **out, long *count)
{
	struct gw_job **p = &f->head;
	struct gw_job *prev = NULL;

	while (*p != NULL)
	{
		struct gw_job *j = *p;

		if (j->enqueued_ns < deadline)
		{
			*p = j->next;
			f->len--;
			j->next = *out;
			*out = j;
			(*count)++;
		}
		else
		{
			prev = j;
			p = &j->next;
		}
	}
	f->tail = prev;
}

void
batch_expire(void)
{
	uint64_t	now = gw_now_ns();
	uint64_t	limit = (uint64_t) gw_config.queue_timeout_ms * UINT64_C(1000000);
	struct gw_job *list = NULL;
	long		count = 0;

	if (now < limit)
		return;
	pthread_mutex_lock(&q.lock);
	if (q.ingest.head && q.ingest.head->enqueued_ns < now - limit)
		fifo_expire(&q.ingest, now - limit, &list, &count);
	if (q.other.head && q.other.head->enqueued_ns < now - limit)
		fifo_expire(&q.other, now - limit, &list, &count);
	metrics_queue_add(-count);
	pthread_mutex_unlock(&q.lock);
	if (count > 0)
	{
		struct gw_job *j;

		gw_log(GW_LOG_WARN, "%ld requests waited more than %d ms for a database worker",
			   count, gw_config.queue_timeout_ms);
		for (j = list; j != NULL; j = j->next)
			metrics_queue_timeout();
		fail_list(list, GW_ERR_DB_BUSY, "no database connection became free in time",
				  "The database is slow or overloaded; retry later.");
	}
}

void
batch_stop_accepting(void)
{
	pthread_mutex_lock(&q.lock);
	q.accepting = false;
	pthread_mutex_unlock(&q.lock);
}

void
batch_fail_queued(void)
{
	struct gw_job *list = NULL;

	pthread_mutex_lock(&q.lock);
	metrics_queue_add(-(long) (q.ingest.len + q.other.len));
	fifo_drain(&q.ingest, &list);
	fifo_drain(&q.other, &list);
	pthread_mutex_unlock(&q.lock);
	fail_list(list, GW_ERR_SHUTTING_DOWN, "the gateway is shutting down", NULL);
}

size_t
batch_pending(void)
{
	size_t		n;

	pthread_mutex_lock(&q.lock);
	n = q.ingest.len + q.other.len + q.running;
	pthread_mutex_unlock(&q.lock);
	return n;
}

void
batch_stop(void)
{
	int			i;

	pthread_mutex_lock(&q.lock);
	q.accepting = false;
	q.stopping = true;
	pthread_cond_broadcast(&q.cond);
	pthread_cond_broadcast(&q.retry);
	pthread_mutex_unlock(&q.lock);
	for (i = 0; i < q.nworkers; i++)
		pthread_join(q.workers[i].thread, NULL);
	free(q.workers);
	q.workers = NULL;
	q.nworkers = 0;
}
