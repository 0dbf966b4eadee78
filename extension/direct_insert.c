/*-------------------------------------------------------------------------
 *
 * direct_insert.c
 *		When may the extension insert into one of its own tables with a heap
 *		insert instead of an INSERT statement?
 *
 * Two hot paths do (rollup_insert.c: the rollup deltas; record_keys.c: a
 * record's duplicate-detection key), because an INSERT's executor start-up
 * and shut-down cost more than the row.  They may only while the table is
 * still as the extension made it: then a heap insert (and, for record_keys,
 * an insert into each plain index) has the effect the INSERT would have.
 * Otherwise they run the INSERT.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/tupdesc.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_class.h"
#include "utils/rel.h"

#include "telemetrics.h"

bool
tm_table_is_plain(Relation rel, const Oid *types, int natts, bool nullable)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			i;

	/* the relcache's own lists: relhas* stay set after a DROP until VACUUM */
	if (rel->rd_rel->relkind != RELKIND_RELATION ||
		rel->rd_rel->relam != HEAP_TABLE_AM_OID || rel->rd_rel->relispartition ||
		rel->trigdesc != NULL || rel->rd_rules != NULL ||
		rel->rd_rel->relrowsecurity || rel->rd_rel->relchecks != 0 ||
		desc->natts != natts)
		return false;
	for (i = 0; i < natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || att->attgenerated != '\0' || att->atttypid != types[i] ||
			(nullable && att->attnotnull))
			return false;
	}
	return true;
}
