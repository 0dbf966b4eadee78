/*-------------------------------------------------------------------------
 *
 * telemetrics.c
 *		Module magic and settings (GUCs) of the telemetrics extension.
 *
 * Nothing else lives here: each concern has its own file (fields.c,
 * ingest.c, quarantine.c, partitions.c, classify.c, retention.c, rollup.c
 * and the others); a subsystem with settings of its own defines them in
 * its own Init function (RollupInit, RetentionInit, ClassifyInit), called
 * from _PG_init.  The extension needs no shared_preload_libraries
 * entry; the settings are defined when the library is first loaded, and
 * values set earlier (postgresql.conf, ALTER DATABASE)
 * are picked up then.
 *
 * Settings that decide what is accepted are PGC_SUSET: the gateway's role
 * must not be able to widen them with a plain SET.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "telemetrics.h"

PG_MODULE_MAGIC;

/* The Clear Linux public telemetry id, the reference's TELEMETRY_ID. */
#define DEFAULT_TIDS "6907c830-eed9-4ce9-81ae-76daf8d88f0f"

char	   *telemetrics_tids = NULL;
int			telemetrics_max_payload_bytes = 300 * 1024;
int			telemetrics_quarantine_max_rows = 10000;
int			telemetrics_quarantine_payload_bytes = 4096;

void		_PG_init(void);

/*
 * check_tids: each id is 1..200 printable ASCII characters; ids are
 * separated by commas and/or whitespace.  An empty list is allowed (it
 * rejects every record).
 */
static bool
check_tids(char **newval, void **extra, GucSource source)
{
	const char *p = *newval;

	if (p == NULL)
		return true;
	while (*p)
	{
		const char *start;

		while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		start = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
		{
			if ((unsigned char) *p < 0x21 || (unsigned char) *p > 0x7E)
			{
				GUC_check_errdetail("Telemetry ids must be printable ASCII.");
				return false;
			}
			p++;
		}
		if (p - start > 200)
		{
			GUC_check_errdetail("A telemetry id is at most 200 characters long.");
			return false;
		}
	}
	return true;
}

void
_PG_init(void)
{
	DefineCustomStringVariable("telemetrics.tids",
							   "Telemetry ids (X-Telemetry-TID) whose records are accepted.",
							   "A list separated by commas or spaces. Records with any other id "
							   "are rejected with \"Telemetry ID mismatch\".",
							   &telemetrics_tids,
							   DEFAULT_TIDS,
							   PGC_SUSET,
							   0,
							   check_tids, NULL, NULL);

	DefineCustomIntVariable("telemetrics.max_payload_bytes",
							"Largest accepted record payload, in bytes.",
							"Larger records are rejected with SQLSTATE 54000. The real "
							"client never sends more than 8187 bytes.",
							&telemetrics_max_payload_bytes,
							300 * 1024,
							0, 64 * 1024 * 1024,
							PGC_SUSET,
							GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	DefineCustomIntVariable("telemetrics.quarantine_max_rows",
							"Most rejected records kept in telemetrics.quarantine.",
							"When a new rejection would exceed it, the least recently seen "
							"rows are evicted. 0 keeps none.",
							&telemetrics_quarantine_max_rows,
							10000,
							0, 10000000,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("telemetrics.quarantine_payload_bytes",
							"Bytes of each rejected payload kept in telemetrics.quarantine.",
							NULL,
							&telemetrics_quarantine_payload_bytes,
							4096,
							0, 1024 * 1024,
							PGC_SUSET,
							GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	ClassifyInit();
	RetentionInit();
	RollupInit();

	MarkGUCPrefixReserved("telemetrics");
}
