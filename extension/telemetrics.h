/*-------------------------------------------------------------------------
 *
 * telemetrics.h
 *		Declarations shared by the fmgr-facing files of the extension.
 *
 * The pure C modules (fields.h, and the parsers) have their own headers
 * and never include this one.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TELEMETRICS_H
#define TELEMETRICS_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "executor/spi.h"
#include "utils/jsonb.h"
#include "utils/rel.h"
#include "utils/uuid.h"

#include "storage/lockdefs.h"

#include "fields.h"
#include "guilty.h"

/* GUC variables (telemetrics.c) */
extern char *telemetrics_tids;
extern int	telemetrics_max_payload_bytes;
extern int	telemetrics_quarantine_max_rows;
extern int	telemetrics_quarantine_payload_bytes;

/* rollup.c */
extern int	telemetrics_rollup_compact_interval;
extern void RollupInit(void);
extern bool RollupCompactDue(bool consume);

/* rollup_compactor.c */
extern bool telemetrics_rollup_compact_in_background;
extern void RollupCompactorInit(void);

/* retention.c */
extern int	telemetrics_retention_days;
extern void RetentionInit(void);

/* classify.c */
extern char *telemetrics_backtrace_classes;

/*
 * ClassifyInit
 *		Define the classification settings and register its cache
 *		callbacks; called from _PG_init.
 */
extern void ClassifyInit(void);

/*
 * tm_blacklist_get
 *		The current blacklist, prepared for tm_find_guilty.  Takes lockmode
 *		on telemetrics.guilty_blacklist first (RowShareLock when
 *		classifying, AccessShareLock to explain).  The result is valid until
 *		the next call.
 */
extern const TmBlacklist *tm_blacklist_get(LOCKMODE lockmode);

/*
 * tm_push_guilty_json
 *		Push, as the value of the key just pushed, guilty group id as
 *		{"id", "function", "module"}, or null if isnull or there is no such
 *		group (record_json.c).
 */
extern void tm_push_guilty_json(JsonbParseState **state, int32 id, bool isnull);

/*
 * tm_guilty_names
 *		The function and module of guilty group id (classify.c), or false if
 *		there is no such group.  Valid until the next reset of the groups'
 *		cache.
 */
extern bool tm_guilty_names(int32 id, char **fn, char **mod);

/* ingest.c */
extern void tm_sqlstate_errcode(const char *sqlstate, int *code);

/* partitions.c */

/*
 * tm_ensure_partition
 *		Make sure telemetrics.records has a partition for ts.  Must be called
 *		inside SPI_connect().  Cheap when the partition is known to exist.
 */
extern void tm_ensure_partition(TimestampTz ts);

/* bgworkers.c */

/*
 * tm_worker_register
 *		Register a dynamic background worker of this library: entry point
 *		function, name (also its type and application_name), connecting to
 *		this database as userid; main_arg and notify_pid as in
 *		BackgroundWorker.  Never restarted.  False if no slot was free.
 */
struct BackgroundWorkerHandle;
extern bool tm_worker_register(const char *function, const char *name, Oid userid,
							   Datum main_arg, pid_t notify_pid,
							   struct BackgroundWorkerHandle **handle);

/*
 * tm_worker_connect
 *		First call of a worker registered by tm_worker_register: signals,
 *		then the connection to the database and role it was given.
 */
extern void tm_worker_connect(void);

/*
 * tm_worker_step
 *		Run sql, a SELECT of at most one row, with one argument of type
 *		argtype ($1; none if InvalidOid) in a transaction of its own, and
 *		return its bigint result (0 if it has none or it is NULL).  Then
 *		report the worker's table statistics (at most once a second).
 */
extern int64 tm_worker_step(const char *sql, Oid argtype, Datum arg);

/*
 * tm_worker_pause
 *		Sleep ms milliseconds, the whole time: a latch set meanwhile does not
 *		cut the pause short (one is often already set when a worker starts,
 *		so a single WaitLatch would return at once).  SIGTERM still ends the
 *		worker (CHECK_FOR_INTERRUPTS), and so does postmaster death.
 */
extern void tm_worker_pause(long ms);

/*
 * tm_worker_lock
 *		Try to take the session advisory lock key (bigint form) in a
 *		transaction of its own; a worker holds it until it exits, so that
 *		only one of its kind runs.  False if another backend holds it.
 */
extern bool tm_worker_lock(int64 key);

/*
 * tm_lock_free
 *		Whether no other backend holds the advisory lock key (bigint form,
 *		session or transaction level): take it as a session lock and give
 *		it back at once, so that the caller never keeps it.
 */
extern bool tm_lock_free(int64 key);

/* quarantine.c */

/* One rejected record, as handed to the quarantine. */
typedef struct TmRejected
{
	const char *sqlstate;		/* five characters */
	const char *message;
	Jsonb	   *fields;			/* the fields as received; may be NULL */
	const char *tid;			/* may be NULL */
	const unsigned char *payload;	/* may be NULL */
	size_t		payload_len;
} TmRejected;

/*
 * tm_quarantine_in_xact
 *		Record a rejection in telemetrics.quarantine within the current
 *		transaction.  Must be called inside SPI_connect().
 */
extern void tm_quarantine_in_xact(const TmRejected *rej);

/*
 * tm_quarantine_autonomous
 *		Record a rejection in its own transaction, through a background
 *		worker, so that it survives the error the caller is about to raise.
 *		Waits for the worker.  On failure to start one, logs a WARNING and
 *		returns false.
 */
extern bool tm_quarantine_autonomous(const TmRejected *rej);

/* subxact.c */

/*
 * tm_in_subxact
 *		Run work(arg) in an internal subtransaction, in the caller's memory
 *		context.  Returns NULL when it returned (its changes are kept).  When
 *		it raised an error, the subtransaction is rolled back and, if
 *		caught(sqlerrcode), the error is returned (copied into the caller's
 *		context; FreeErrorData it) instead of raised; otherwise it is raised
 *		again.
 */
extern ErrorData *tm_in_subxact(void (*work) (void *arg), void *arg,
								bool (*caught) (int sqlerrcode));

/*
 * tm_table_is_plain (direct_insert.c)
 *		Is rel still a table as the extension makes its own: an ordinary
 *		heap table, not a partition, with no trigger, rule, CHECK constraint
 *		or row security, and exactly natts columns of types[], none dropped
 *		or generated (and, when nullable, none NOT NULL)?  Then a heap
 *		insert of a row has the effect an INSERT of it would have, but for
 *		the table's indexes, which the caller checks.
 */
extern bool tm_table_is_plain(Relation rel, const Oid *types, int natts, bool nullable);

/*
 * tm_claim_key (record_keys.c)
 *		Claim one record's key: insert (event_id, machine_id, record_id,
 *		received_at) into telemetrics.record_keys with a heap insert and an
 *		insert into each index, when the table is still as the extension
 *		made it and the user may insert into it.  A key already claimed
 *		raises unique_violation on record_keys_pkey, as the INSERT would.
 *		Returns false, having inserted nothing, otherwise: the caller then
 *		runs its INSERT.
 */
extern bool tm_claim_key(const pg_uuid_t *event_id, Datum machine_id, int64 record_id,
						 TimestampTz received_at);

/* spi_plans.c */
extern SPIPlanPtr tm_prepare_kept(const char *sql, int nargs, Oid *argtypes);

#endif							/* TELEMETRICS_H */
