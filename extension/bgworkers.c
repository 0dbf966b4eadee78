/*-------------------------------------------------------------------------
 *
 * bgworkers.c
 *		Starting the extension's dynamic background workers, and their
 *		common start-up.
 *
 * Every worker of the extension (the quarantine writer, the
 * reclassification worker, the rollup compactor) is a dynamic background
 * worker of the telemetrics library, registered by a backend without
 * shared_preload_libraries, never restarted, and connected to the
 * registering backend's database as a role the registering code chooses.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "telemetrics.h"

/* Database and role a worker connects as (bgw_extra). */
typedef struct TmWorkerArgs
{
	Oid			dbid;
	Oid			userid;
} TmWorkerArgs;

bool
tm_worker_register(const char *function, const char *name, Oid userid,
				   Datum main_arg, pid_t notify_pid,
				   BackgroundWorkerHandle **handle)
{
	BackgroundWorker worker;
	TmWorkerArgs args;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "telemetrics");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "%s", function);
	snprintf(worker.bgw_name, BGW_MAXLEN, "%s", name);
	snprintf(worker.bgw_type, BGW_MAXLEN, "%s", name);
	worker.bgw_main_arg = main_arg;
	worker.bgw_notify_pid = notify_pid;
	args.dbid = MyDatabaseId;
	args.userid = userid;
	memcpy(worker.bgw_extra, &args, sizeof(args));
	return RegisterDynamicBackgroundWorker(&worker, handle);
}

void
tm_worker_connect(void)
{
	TmWorkerArgs args;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof(args));
	BackgroundWorkerInitializeConnectionByOid(args.dbid, args.userid, 0);
	pgstat_report_appname(MyBgworkerEntry->bgw_name);
}

int64
tm_worker_step(const char *sql, Oid argtype, Datum arg)
{
	int64		result = 0;
	bool		isnull;
	int			nargs = OidIsValid(argtype) ? 1 : 0;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, sql);
	if (SPI_execute_with_args(sql, nargs, &argtype, &arg, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "\"%s\" failed", sql);
	if (SPI_processed == 1 && SPI_tuptable->tupdesc->natts == 1 &&
		SPI_gettypeid(SPI_tuptable->tupdesc, 1) == INT8OID)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			result = DatumGetInt64(d);
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();

	/*
	 * A backend reports its table statistics when it goes idle; a worker
	 * must do it itself, or the rows it changed would reach the cumulative
	 * statistics (and autovacuum) only when it exits, a minute later for
	 * the compactor.  At most once a second unless forced.
	 */
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
	return result;
}

void
tm_worker_pause(long ms)
{
	TimestampTz until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);

	for (;;)
	{
		long		left;

		CHECK_FOR_INTERRUPTS();
		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), until);
		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

bool
tm_worker_lock(int64 key)
{
	bool		got;

	StartTransactionCommand();
	got = DatumGetBool(DirectFunctionCall1(pg_try_advisory_lock_int8, Int64GetDatum(key)));
	CommitTransactionCommand();
	return got;
}

bool
tm_lock_free(int64 key)
{
	Datum		k = Int64GetDatum(key);

	if (!DatumGetBool(DirectFunctionCall1(pg_try_advisory_lock_int8, k)))
		return false;
	(void) DirectFunctionCall1(pg_advisory_unlock_int8, k);
	return true;
}
