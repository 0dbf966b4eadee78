/*-------------------------------------------------------------------------
 *
 * rollup.c
 *		C helpers of the rollup tables (extension/sql/60_rollups.sql).
 *
 * The rollup counters are sharded by backend: each backend adds its deltas
 * to rows of its own shard, so two concurrent ingest transactions never
 * update (and so never lock) the same counter row.  The shard is the
 * backend's BackendId, which is unique among live backends (1 up to
 * MaxBackends); shard 0 is reserved for telemetrics.fold_rollups(), which
 * merges the shards of past days into it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "storage/backendid.h"

#include "telemetrics.h"

PG_FUNCTION_INFO_V1(telemetrics_backend_shard);

/*
 * telemetrics.backend_shard() -> integer
 *		This backend's rollup shard: its BackendId, >= 1.  Stable for the
 *		life of the backend; a later backend may reuse it, but never while
 *		this one lives, so no two running transactions share a shard.
 *		Parallel workers have BackendIds of their own, so the SQL function
 *		is PARALLEL UNSAFE.
 */
Datum
telemetrics_backend_shard(PG_FUNCTION_ARGS)
{
	if (MyBackendId == InvalidBackendId)
		elog(ERROR, "backend has no BackendId");
	PG_RETURN_INT32((int32) MyBackendId);
}
