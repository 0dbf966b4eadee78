/*-------------------------------------------------------------------------
 *
 * retention.c
 *		Settings of the retention job (extension/sql/65_retention.sql).
 *
 * The rules themselves live in the table telemetrics.retention_rules; this
 * file only defines telemetrics.retention_days, the maximum age of records
 * that no rule matches, and a SQL accessor for it.  The accessor is what
 * the purge function reads: calling it loads this library, so the setting
 * is defined (and any value from postgresql.conf or ALTER DATABASE applied)
 * even in a backend that has not ingested anything.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "telemetrics.h"

int			telemetrics_retention_days = 35;

PG_FUNCTION_INFO_V1(telemetrics_retention_default_days);

/*
 * RetentionInit
 *		Define the retention settings.  Called from _PG_init() before
 *		MarkGUCPrefixReserved("telemetrics").
 */
void
RetentionInit(void)
{
	DefineCustomIntVariable("telemetrics.retention_days",
							"Maximum age, in days, of records that no retention rule matches.",
							"telemetrics.purge() deletes such records once they were received "
							"longer ago than this. 0 keeps them forever. Rules in "
							"telemetrics.retention_rules override it per classification "
							"and per severity.",
							&telemetrics_retention_days,
							35,
							0, 36500,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);
}

/*
 * telemetrics.retention_default_days() -> integer
 *		The current value of telemetrics.retention_days.
 */
Datum
telemetrics_retention_default_days(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(telemetrics_retention_days);
}
