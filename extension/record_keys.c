/*-------------------------------------------------------------------------
 *
 * record_keys.c
 *		Claim one record's duplicate-detection key in
 *		telemetrics.record_keys without the executor.
 *
 * A one-record ingest() claims its key with an INSERT of one row.  The
 * executor start-up and shut-down of that INSERT (plan cache check,
 * ModifyTable, index opening, trigger bookkeeping) cost more than the
 * heap insert and the index insert themselves.  When the table is still
 * as the extension made it, tm_claim_key does just those two inserts, as
 * the INSERT would, with the same locks, the same unique check and the
 * same error for a key already claimed.  Otherwise it does nothing and
 * the caller runs the INSERT.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/uuid.h"

#include "telemetrics.h"

#define KEY_NATTS	4

/* record_keys' column types, in order, as 10_records.sql makes them */
static const Oid key_types[KEY_NATTS] = {UUIDOID, TEXTOID, INT8OID, TIMESTAMPTZOID};

/*
 * index_plain
 *		Can the claim insert into this index by itself: plain columns (no
 *		expression, no predicate), no exclusion constraint, and a unique
 *		check, if any, that is immediate?
 */
static bool
index_plain(Relation idx, IndexInfo *info)
{
	return info->ii_Expressions == NIL && info->ii_Predicate == NIL &&
		info->ii_ExclusionOps == NULL &&
		(!info->ii_Unique || idx->rd_index->indimmediate);
}

bool
tm_claim_key(const pg_uuid_t *event_id, Datum machine_id, int64 record_id,
			 TimestampTz received_at)
{
	Oid			nsp = get_namespace_oid("telemetrics", false);
	Oid			relid = get_relname_relid("record_keys", nsp);
	Relation	rel;
	List	   *indexes;
	ListCell   *lc;
	Relation   *idx;
	IndexInfo **info;
	int			nidx = 0,
				i,
				k;
	bool		plain;
	Datum		values[KEY_NATTS];
	bool		isnull[KEY_NATTS] = {false, false, false, false};
	HeapTuple	tup;

	if (!OidIsValid(relid) || XactReadOnly ||
		pg_class_aclcheck(relid, GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		return false;

	/* the locks the INSERT takes, kept to the end of the transaction */
	rel = table_open(relid, RowExclusiveLock);
	plain = tm_table_is_plain(rel, key_types, KEY_NATTS, false);
	indexes = plain ? RelationGetIndexList(rel) : NIL;
	idx = palloc(sizeof(Relation) * Max(list_length(indexes), 1));
	info = palloc(sizeof(IndexInfo *) * Max(list_length(indexes), 1));
	foreach(lc, indexes)
	{
		idx[nidx] = index_open(lfirst_oid(lc), RowExclusiveLock);
		info[nidx] = BuildIndexInfo(idx[nidx]);
		if (!index_plain(idx[nidx], info[nidx]))
			plain = false;
		nidx++;
	}
	list_free(indexes);

	if (plain)
	{
		values[0] = UUIDPGetDatum(event_id);
		values[1] = machine_id;
		values[2] = Int64GetDatum(record_id);
		values[3] = TimestampTzGetDatum(received_at);
		tup = heap_form_tuple(RelationGetDescr(rel), values, isnull);
		heap_insert(rel, tup, GetCurrentCommandId(true), 0, NULL);

		/* as ExecInsertIndexTuples: every index ready for inserts */
		for (i = 0; i < nidx; i++)
		{
			Datum		ivalues[INDEX_MAX_KEYS];
			bool		inulls[INDEX_MAX_KEYS];

			if (!info[i]->ii_ReadyForInserts)
				continue;
			for (k = 0; k < info[i]->ii_NumIndexAttrs; k++)
			{
				AttrNumber	att = info[i]->ii_IndexAttrNumbers[k];

				/* index_plain: no expressions, so no column 0 */
				Assert(att >= 1 && att <= KEY_NATTS);
				ivalues[k] = values[att - 1];
				inulls[k] = false;
			}
			(void) index_insert(idx[i], ivalues, inulls, &tup->t_self, rel,
								info[i]->ii_Unique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO,
								false, info[i]);
		}
		/* what the INSERT's statement would end with */
		CommandCounterIncrement();
	}
	else
		elog(DEBUG1, "telemetrics.record_keys was changed or is not insertable here: "
			 "claiming with an INSERT");

	for (i = 0; i < nidx; i++)
		index_close(idx[i], NoLock);
	table_close(rel, NoLock);
	return plain;
}
