/*-------------------------------------------------------------------------
 *
 * rollup_compactor.c
 *		The background worker that folds pending rollup deltas into the
 *		rollups, and the function that starts it.
 *
 * Writers append rollup deltas (rollup_insert.c and the update and delete
 * triggers); telemetrics.compact_rollups() folds them in bulk.  When a
 * writing backend's compaction interval has passed
 * (telemetrics.compact_rollups_if_due), it does not compact in its own
 * transaction, which would make the one request that crossed the interval
 * wait for a whole compaction and hold the rollup rows it changed until
 * its commit: it starts this worker instead.  The worker connects and runs
 * telemetrics.compact_rollups(false), each pass in a transaction of its
 * own, every half second (at most the interval) while passes find
 * deltas (so none are left behind when ingest stops), for at most a
 * minute.  One compactor lives at a time: it holds a session advisory
 * lock, a second one that starts anyway ends at once, and none is started
 * while that lock or the compaction's own (compact_rollups takes it with a
 * try-lock) is taken.
 *
 * When telemetrics.rollup_compact_in_background is off, or no background
 * worker slot is free, telemetrics.rollup_compactor_start() returns false
 * and the caller compacts in its own transaction, as before, so pending
 * deltas never pile up without bound.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "telemetrics.h"

PG_FUNCTION_INFO_V1(telemetrics_rollup_compactor_start);
PGDLLEXPORT void telemetrics_rollup_compactor_main(Datum main_arg);

bool		telemetrics_rollup_compact_in_background = true;

/* Session advisory lock held by the live compactor ("telemcmp"). */
#define COMPACTOR_LOCK_KEY		INT64CONST(0x74656c656d636d70)

/* Longest pause between two passes of a worker, and how long one lives. */
#define COMPACTOR_MAX_PAUSE_MS	500
#define COMPACTOR_LIFETIME_MS	60000

/*
 * RollupCompactorInit
 *		Define the compactor's setting.  Called from RollupInit().
 */
void
RollupCompactorInit(void)
{
	DefineCustomBoolVariable("telemetrics.rollup_compact_in_background",
							 "Whether a writer whose compaction interval has passed starts a "
							 "background worker to compact the rollups.",
							 "When off, or when no background worker slot is free, the writer "
							 "compacts in its own transaction.",
							 &telemetrics_rollup_compact_in_background,
							 true,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
}

/*
 * compaction_lock_key
 *		The key of the advisory lock compact_rollups() takes:
 *		hashtext('telemetrics.compact_rollups') as a bigint.
 */
static int64
compaction_lock_key(void)
{
	static bool known = false;
	static int64 key;

	if (!known)
	{
		key = (int64) DatumGetInt32(DirectFunctionCall1Coll(hashtext, DEFAULT_COLLATION_OID,
															CStringGetTextDatum("telemetrics.compact_rollups")));
		known = true;
	}
	return key;
}

/*
 * rollups_owner
 *		The owner of telemetrics.rollup_deltas (the extension's owner): the
 *		worker compacts as that role, whoever wrote the deltas.
 */
static Oid
rollups_owner(void)
{
	Oid			nsp = get_namespace_oid("telemetrics", false);
	Oid			relid = get_relname_relid("rollup_deltas", nsp);
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(relid))
		elog(ERROR, "telemetrics.rollup_deltas does not exist");
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * telemetrics.rollup_compactor_start() RETURNS boolean
 *		Have the pending deltas compacted in the background: true if a
 *		compactor is alive, a compaction is running or a worker was
 *		started;
 *		false if the caller must compact itself (the setting is off, or no
 *		worker slot was free).  Never waits.
 */
Datum
telemetrics_rollup_compactor_start(PG_FUNCTION_ARGS)
{
	BackgroundWorkerHandle *handle;

	if (!telemetrics_rollup_compact_in_background)
		PG_RETURN_BOOL(false);
	if (!tm_lock_free(COMPACTOR_LOCK_KEY) || !tm_lock_free(compaction_lock_key()))
		PG_RETURN_BOOL(true);	/* a compactor is alive, or a compaction runs */

	if (!tm_worker_register("telemetrics_rollup_compactor_main", "telemetrics rollup compactor",
							rollups_owner(), (Datum) 0, 0, &handle))
	{
		ereport(DEBUG1,
				(errmsg("telemetrics: no background worker slot for the rollup compactor; compacting in this transaction")));
		PG_RETURN_BOOL(false);
	}
	PG_RETURN_BOOL(true);
}

/*
 * telemetrics_rollup_compactor_main
 *		Entry point of the worker: compact, each pass in a transaction of
 *		its own, as long as a pass finds deltas to fold, pausing
 *		telemetrics.rollup_compact_interval but at most
 *		COMPACTOR_MAX_PAUSE_MS between passes (one pass when the interval
 *		is 0), for at most COMPACTOR_LIFETIME_MS; then exit.  So while
 *		writers keep appending, readers add up half a second of deltas at
 *		most, plus what arrives during a pass, and the last deltas are
 *		folded soon after the writes stop.  An error ends the worker (it is
 *		in the server log) and the deltas stay pending for the next
 *		compaction.
 */
void
telemetrics_rollup_compactor_main(Datum main_arg)
{
	TimestampTz start;

	tm_worker_connect();
	if (!tm_worker_lock(COMPACTOR_LOCK_KEY))
		proc_exit(0);			/* another compactor is alive */
	start = GetCurrentTimestamp();
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (tm_worker_step("SELECT telemetrics.compact_rollups(false)", InvalidOid, (Datum) 0) == 0)
			break;				/* nothing left, or another compaction runs */
		if (telemetrics_rollup_compact_interval <= 0 ||
			TimestampDifferenceExceeds(start, GetCurrentTimestamp(), COMPACTOR_LIFETIME_MS))
			break;
		tm_worker_pause(Min(telemetrics_rollup_compact_interval, COMPACTOR_MAX_PAUSE_MS));
	}
	proc_exit(0);
}
