/*-------------------------------------------------------------------------
 *
 * partitions.c
 *		Make sure telemetrics.records has a partition for the rows about to
 *		be inserted.
 *
 * The work is done by the SQL function telemetrics.ensure_partitions()
 * (15_partitions.sql).  This file only remembers, per backend, up to when
 * partitions are known to exist, so that the ingest hot path costs a
 * comparison.  The memory is trusted for at most a minute, and never when
 * this backend just created partitions itself (its transaction could still
 * roll back).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/timestamp.h"

#include "telemetrics.h"

/* Partitions exist for every day from the check's day until this time. */
static TimestampTz covered_from = 0;
static TimestampTz covered_until = 0;
static TimestampTz checked_at = 0;

#define RECHECK_USECS	(60 * USECS_PER_SEC)
#define AHEAD_DAYS		7

void
tm_ensure_partition(TimestampTz ts)
{
	Datum		args[2];
	Oid			types[2] = {TIMESTAMPTZOID, TIMESTAMPTZOID};
	bool		isnull;
	int32		made;
	int			ret;

	if (ts >= covered_from && ts < covered_until && ts - checked_at < RECHECK_USECS)
		return;

	args[0] = TimestampTzGetDatum(ts);
	args[1] = TimestampTzGetDatum(ts + AHEAD_DAYS * USECS_PER_DAY);
	ret = SPI_execute_with_args("SELECT telemetrics.ensure_partitions($1, $2)",
								2, types, args, NULL, false, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "telemetrics.ensure_partitions failed: %s",
			 SPI_result_code_string(ret));
	made = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
									   SPI_tuptable->tupdesc, 1, &isnull));
	SPI_freetuptable(SPI_tuptable);

	if (made == 0)
	{
		/* [start of ts's UTC day, end of the last day asked for) */
		covered_from = ts - (ts % USECS_PER_DAY);
		covered_until = covered_from + (AHEAD_DAYS + 1) * USECS_PER_DAY;
		checked_at = ts;
	}
	else
		covered_until = 0;
}
