/*-------------------------------------------------------------------------
 *
 * subxact.c
 *		Run a piece of work in an internal subtransaction, and hand an error
 *		it raises back to the caller instead of aborting the statement.
 *
 * Used where one record's failure must not cost the others: storing a
 * batch (ingest.c), reading fields out of JSON text (fields_json.c), and
 * calling a payload parser (classify.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "telemetrics.h"

ErrorData *
tm_in_subxact(void (*work) (void *arg), void *arg, bool (*caught) (int sqlerrcode))
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	ErrorData  *volatile edata = NULL;

	BeginInternalSubTransaction(NULL);
	/* the work allocates in the caller's context, which outlives this */
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		work(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		if (!caught(edata->sqlerrcode))
			ReThrowError(edata);
	}
	PG_END_TRY();
	return edata;
}
