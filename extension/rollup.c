/*-------------------------------------------------------------------------
 *
 * rollup.c
 *		Settings and C helpers of the rollups (extension/sql/60_rollups.sql).
 *
 * Ingest never updates a rollup row: each statement appends one row of
 * deltas to telemetrics.rollup_deltas, and compact_rollups() folds the
 * deltas into the rollup tables in bulk.  Writers have it done now and
 * then: telemetrics.rollup_compact_due() says, per backend, whether
 * telemetrics.rollup_compact_interval has passed since this backend last
 * tried; a background worker then compacts (rollup_compactor.c), unless
 * another compaction runs (a try-lock), so ingest never waits for it.
 *
 * It also has the ring functions: a fixed-size bigint[] of daily counts
 * (see below), which telemetrics.crash_recent keeps per guilty group and
 * build so that top-crash windows read one row per group and build.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/date.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "telemetrics.h"

int			telemetrics_rollup_compact_interval = 2000;

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
							2000,
							0, 3600 * 1000,
							PGC_SUSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);
	RollupCompactorInit();
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
	PG_RETURN_BOOL(RollupCompactDue(true));
}

/*
 * RollupCompactDue
 *		Whether telemetrics.rollup_compact_interval has passed since this
 *		backend last said so; with consume, the interval starts again.
 */
bool
RollupCompactDue(bool consume)
{
	TimestampTz now;

	if (telemetrics_rollup_compact_interval <= 0)
		return false;
	now = GetCurrentTimestamp();
	if (last_due != 0 &&
		now - last_due < (int64) telemetrics_rollup_compact_interval * 1000 &&
		now >= last_due)
		return false;
	if (consume)
		last_due = now;
	return true;
}

/* ----------------------------------------------------------------
 * Rings: the daily counts of the last RING_SLOTS days in one value
 *
 * A ring is a one-dimensional bigint[] of RING_LEN elements without NULLs:
 * element 1 is the day (a DateADT) of the last slot, elements 2 ..
 * RING_SLOTS + 1 the counts of the RING_SLOTS days ending on that day,
 * oldest first, and the last element the "retired" count: the sum of the
 * counts of earlier days.  Merging two rings aligns them on the later last
 * day; the counts of days that fall out of the window are added to the
 * retired count, so that slots + retired is always the all-time total.  telemetrics.crash_recent
 * keeps one ring per guilty group and build, so that the crashes of any
 * window of up to RING_SLOTS days are one row per group and build.
 * ----------------------------------------------------------------
 */
#define RING_SLOTS	32
#define RING_LEN	(RING_SLOTS + 2)
#define RING_RETIRED (RING_SLOTS + 1)

PG_FUNCTION_INFO_V1(telemetrics_ring_of);
PG_FUNCTION_INFO_V1(telemetrics_ring_merge);
PG_FUNCTION_INFO_V1(telemetrics_ring_window);
PG_FUNCTION_INFO_V1(telemetrics_ring_last_day);
PG_FUNCTION_INFO_V1(telemetrics_ring_total);

/* The elements of a ring; raises an error if it is not one. */
static const int64 *
ring_values(ArrayType *a)
{
	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != RING_LEN || ARR_HASNULL(a) ||
		ARR_ELEMTYPE(a) != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("not a ring: expected a bigint[] of %d elements without NULLs",
						RING_LEN)));
	return (const int64 *) ARR_DATA_PTR(a);
}

static ArrayType *
ring_make(const int64 *vals)
{
	Datum		d[RING_LEN];
	int			i;

	for (i = 0; i < RING_LEN; i++)
		d[i] = Int64GetDatum(vals[i]);
	return construct_array(d, RING_LEN, INT8OID, sizeof(int64), FLOAT8PASSBYVAL,
						   TYPALIGN_DOUBLE);
}

/* The count of day in ring r (0 outside its window). */
static inline int64
ring_get(const int64 *r, int64 day)
{
	int64		slot = day - (r[0] - RING_SLOTS);	/* 1 .. RING_SLOTS inside */

	return (slot >= 1 && slot <= RING_SLOTS) ? r[slot] : 0;
}

/*
 * telemetrics.ring_of(day date, n bigint) -> bigint[]
 *		A ring with n on day and 0 on the days before it.
 */
Datum
telemetrics_ring_of(PG_FUNCTION_ARGS)
{
	int64		vals[RING_LEN] = {0};

	vals[0] = PG_GETARG_DATEADT(0);	/* and nothing retired */
	vals[RING_SLOTS] = PG_GETARG_INT64(1);
	PG_RETURN_ARRAYTYPE_P(ring_make(vals));
}

/*
 * telemetrics.ring_merge(a bigint[], b bigint[]) -> bigint[]
 *		The sum of two rings, aligned on the later last day.  NULL is an
 *		empty ring (so this is also the aggregate's transition function).
 */
Datum
telemetrics_ring_merge(PG_FUNCTION_ARGS)
{
	const int64 *a;
	const int64 *b;
	int64		vals[RING_LEN];
	int			s;

	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(PG_GETARG_DATUM(1));
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	a = ring_values(PG_GETARG_ARRAYTYPE_P(0));
	b = ring_values(PG_GETARG_ARRAYTYPE_P(1));
	vals[0] = Max(a[0], b[0]);
	vals[RING_RETIRED] = a[RING_RETIRED] + b[RING_RETIRED];
	for (s = 1; s <= RING_SLOTS; s++)
	{
		int64		day = vals[0] - RING_SLOTS + s;

		vals[s] = ring_get(a, day) + ring_get(b, day);
	}
	/* counts of days before the merged window retire */
	for (s = 1; s <= RING_SLOTS; s++)
	{
		if (a[0] - RING_SLOTS + s <= vals[0] - RING_SLOTS)
			vals[RING_RETIRED] += a[s];
		if (b[0] - RING_SLOTS + s <= vals[0] - RING_SLOTS)
			vals[RING_RETIRED] += b[s];
	}
	PG_RETURN_ARRAYTYPE_P(ring_make(vals));
}

/*
 * telemetrics.ring_window(r bigint[], from date) -> bigint
 *		The sum of the counts of the days from "from" to the ring's last
 *		day.  Exact for windows that start within the ring; the caller
 *		checks that (a window of at most RING_SLOTS days ending today).
 */
Datum
telemetrics_ring_window(PG_FUNCTION_ARGS)
{
	const int64 *r = ring_values(PG_GETARG_ARRAYTYPE_P(0));
	int64		from = PG_GETARG_DATEADT(1);
	int64		sum = 0;
	int			s;

	for (s = 1; s <= RING_SLOTS; s++)
		if (r[0] - RING_SLOTS + s >= from)
			sum += r[s];
	PG_RETURN_INT64(sum);
}

/*
 * telemetrics.ring_last_day(r bigint[]) -> date
 *		The day of the ring's last slot.
 */
Datum
telemetrics_ring_last_day(PG_FUNCTION_ARGS)
{
	const int64 *r = ring_values(PG_GETARG_ARRAYTYPE_P(0));

	PG_RETURN_DATEADT((DateADT) r[0]);
}

/*
 * telemetrics.ring_total(r bigint[]) -> bigint
 *		All the counts ever added: the slots and the retired count.
 */
Datum
telemetrics_ring_total(PG_FUNCTION_ARGS)
{
	const int64 *r = ring_values(PG_GETARG_ARRAYTYPE_P(0));
	int64		sum = r[RING_RETIRED];
	int			s;

	for (s = 1; s <= RING_SLOTS; s++)
		sum += r[s];
	PG_RETURN_INT64(sum);
}
