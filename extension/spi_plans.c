/*-------------------------------------------------------------------------
 *
 * spi_plans.c
 *		Prepared statements kept for the life of a backend, shared by the
 *		C files that run SQL through SPI (ingest.c, classify.c,
 *		rollup_insert.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"

#include "telemetrics.h"

/*
 * tm_prepare_kept
 *		Prepare sql with nargs parameters of argtypes and keep the plan
 *		(SPI_keepplan) until the backend exits or the caller frees it with
 *		SPI_freeplan.  Must be called inside SPI_connect().  The plan is
 *		re-planned by the plan cache when the objects it uses change, but
 *		its parameter types are fixed: a caller whose parameter types can
 *		change (types created by the extension) must check them.
 */
SPIPlanPtr
tm_prepare_kept(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan = SPI_prepare(sql, nargs, argtypes);

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql,
			 SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	return plan;
}
