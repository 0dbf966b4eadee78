/*-------------------------------------------------------------------------
 *
 * rollup.c
 *		Settings and C helpers of the rollups (extension/sql/60_rollups.sql).
 *
 * Ingest never updates a rollup row: each statement appends one row of
 * deltas to telemetrics.rollup_deltas, and compact_rollups() folds the
 * deltas into the rollup tables in bulk.  Ingest itself compacts now and
 * then: telemetrics.rollup_compact_due() says, per backend, whether
 * telemetrics.rollup_compact_interval has passed since this backend last
 * tried; the compaction then only proceeds if no other backend is
 * compacting (a try-lock), so ingest never waits for it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "telemetrics.h"

int			telemetrics_rollup_compact_interval = 1000;

/* When this backend last said a compaction was due. */
static TimestampTz last_due = 0;

PG_FUNCTION_INFO_V1(telemetrics_rollup_compact_due);

/*
 * RollupInit
 *		Define the rollup settings.  Called from _PG_init() before
 *		MarkGUCPrefixReserved("telemetrics").
 */
void
RollupInit(void)
{
	DefineCustomIntVariable("telemetrics.rollup_compact_interval",
							"How often, at most, an ingesting backend folds pending rollup deltas into the rollups.",
							"Readers always see pending deltas, so this only bounds how many "
							"they have to add up. 0 leaves compaction to "
							"telemetrics.compact_rollups() and the maintenance job.",
							&telemetrics_rollup_compact_interval,
							1000,
							0, 3600 * 1000,
							PGC_SUSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);
}

/*
 * telemetrics.rollup_compact_due() -> boolean
 *		True at most once per telemetrics.rollup_compact_interval in this
 *		backend (never when the interval is 0).  Backend-local: another
 *		backend may be compacting at the same time; compact_rollups() takes
 *		a try-lock for that.
 */
Datum
telemetrics_rollup_compact_due(PG_FUNCTION_ARGS)
{
	TimestampTz now;

	if (telemetrics_rollup_compact_interval <= 0)
		PG_RETURN_BOOL(false);
	now = GetCurrentTimestamp();
	if (last_due != 0 &&
		now - last_due < (int64) telemetrics_rollup_compact_interval * 1000 &&
		now >= last_due)
		PG_RETURN_BOOL(false);
	last_due = now;
	PG_RETURN_BOOL(true);
}
