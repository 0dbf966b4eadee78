/*-------------------------------------------------------------------------
 *
 * reclassify_worker.c
 *		The background worker that runs queued reclassification jobs
 *		(55_reclassify_jobs.sql), and the function that starts it.
 *
 * The worker calls telemetrics.reclassify_work(n) in a loop, one
 * transaction per call, so every range of records it finishes is
 * committed and its progress visible.  It adapts n so that a call takes
 * about a second.  One worker runs at a time: it holds a session advisory
 * lock, and a second one exits at once.  When no job is left it waits a
 * few seconds (a job may have been queued by a transaction that has not
 * committed yet), then exits.  A step that fails marks its job failed
 * (with the error) and the worker goes on with the next job.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "telemetrics.h"

PG_FUNCTION_INFO_V1(telemetrics_reclassify_launch);
PGDLLEXPORT void telemetrics_reclassify_worker_main(Datum main_arg);

/* Session advisory lock held by the running worker ("telemrc1"). */
#define RECLASSIFY_LOCK_KEY		INT64CONST(0x74656c656d726331)

/* Record ids per step: start, bounds, and the time a step aims at. */
#define STEP_IDS_START			20000
#define STEP_IDS_MIN			1000
#define STEP_IDS_MAX			4000000
#define STEP_TARGET_MS			1000

/* Idle polls (500 ms each) before the worker exits. */
#define IDLE_POLLS				10

/*
 * telemetrics_reclassify_launch() RETURNS boolean
 *		Ask for a worker; true if one was registered (it exits at once if
 *		another is running).  Does not wait.  The worker connects as the
 *		current user (the extension's owner, inside the API functions).
 */
Datum
telemetrics_reclassify_launch(PG_FUNCTION_ARGS)
{
	BackgroundWorkerHandle *handle;

	if (!tm_worker_register("telemetrics_reclassify_worker_main", "telemetrics reclassify worker",
							GetUserId(), (Datum) 0, 0, &handle))
	{
		ereport(WARNING,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not start the reclassification worker"),
				 errdetail("No background worker slot was free; the job stays queued."),
				 errhint("Raise max_worker_processes, or run SELECT telemetrics.reclassify_launch() later.")));
		PG_RETURN_BOOL(false);
	}
	PG_RETURN_BOOL(true);
}

void
telemetrics_reclassify_worker_main(Datum main_arg)
{
	volatile int64 step_ids = STEP_IDS_START;
	volatile int idle = 0;

	tm_worker_connect();

	if (!tm_worker_lock(RECLASSIFY_LOCK_KEY))
		proc_exit(0);

	while (idle < IDLE_POLLS)
	{
		TimestampTz start = GetCurrentTimestamp();
		int64		job = 0;
		MemoryContext oldcxt = CurrentMemoryContext;

		CHECK_FOR_INTERRUPTS();
		PG_TRY();
		{
			job = tm_worker_step("SELECT telemetrics.reclassify_work($1)", INT8OID,
								 Int64GetDatum(step_ids));
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(TopMemoryContext);
			edata = CopyErrorData();
			EmitErrorReport();
			FlushErrorState();
			AbortCurrentTransaction();
			MemoryContextSwitchTo(oldcxt);
			/* give the job up, with the reason, and go on with the next */
			tm_worker_step("SELECT 0::bigint FROM telemetrics.reclassify_fail($1)", TEXTOID,
						   CStringGetTextDatum(edata->message ? edata->message : "unknown error"));
			FreeErrorData(edata);
			job = -1;
		}
		PG_END_TRY();

		if (job == 0)
		{
			/* nothing to do: maybe a job is about to be committed */
			idle++;
			tm_worker_pause(500L);
			continue;
		}
		idle = 0;
		if (job > 0)
		{
			long		ms = TimestampDifferenceMilliseconds(start, GetCurrentTimestamp());

			if (ms < STEP_TARGET_MS / 2 && step_ids < STEP_IDS_MAX)
				step_ids = Min(step_ids * 2, STEP_IDS_MAX);
			else if (ms > STEP_TARGET_MS * 2 && step_ids > STEP_IDS_MIN)
				step_ids = Max(step_ids / 2, STEP_IDS_MIN);
		}
	}
	proc_exit(0);
}
