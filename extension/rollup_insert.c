/*-------------------------------------------------------------------------
 *
 * rollup_insert.c
 *		The statement-level insert trigger of telemetrics.records that keeps
 *		the rollups (extension/sql/60_rollups.sql): it appends one row of
 *		grouped deltas to telemetrics.rollup_deltas and adds the machines
 *		seen to the population sets.
 *
 * It does in C what a PL/pgSQL version did in four statements, because for
 * a single-record INSERT (ingest()) the executor start-up of those
 * statements cost more than storing the record.  Here:
 *
 *	* the new rows are read from the transition table and grouped in memory
 *	  (sort, then runs of equal keys), one array per rollup, in the rollup
 *	  tables' row types: no statement at all;
 *	* per UTC day in the statement, a probe of machine_builds' primary key
 *	  per record asks whether any (build, machine, source) of that day is
 *	  not yet in the population sets for that day; only if one is does the
 *	  set-based upsert run (the first record of a machine each day, on each
 *	  build);
 *	* one heap insert appends the deltas (the prepared INSERT, if the table
 *	  was changed from what the extension made or the user may not insert
 *	  into it; the probes, too, give way to the queries when the user may
 *	  not read the table or it has row security);
 *	* a compaction is started only when telemetrics.rollup_compact_interval
 *	  has passed in this backend.
 *
 * Groups:
 *	records			(day, build, classification, severity, system_name,
 *					 external, arch) -> received, stored
 *	platforms		(day, host_type)
 *	crashes			(day, guilty_id, build), records with a guilty group
 *	crash_machines	(guilty_id, build, machine_id) -> n, first and last day
 *	mce				(week, build, classification, status, bank), MCE records
 *	mce_machines	(week, machine_id, build), MCE records
 *	thermal			(week, machine_id), thermal records
 * where day is the UTC day of received_at, week its ISO week (its Monday),
 * a missing system name is '', a missing MCE status '' and bank -1.  A
 * rollup without rows gets NULL, not an empty array.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/tupdesc.h"
#include "catalog/namespace.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_class.h"
#include "catalog/pg_operator_d.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

#include "telemetrics.h"

PG_FUNCTION_INFO_V1(telemetrics_records_rollup_insert);

/* What a rollup needs of one new record. */
typedef struct RollupRow
{
	TimestampTz received_at;
	DateADT		day;
	DateADT		week;
	char	   *build;
	char	   *classification;
	char	   *system_name;	/* '' when NULL */
	char	   *arch;
	char	   *host_type;
	char	   *machine_id;
	char	   *mce_status;		/* '' when NULL */
	int16		severity;
	bool		external;
	bool		has_guilty;
	int32		guilty_id;
	int32		mce_bank;		/* -1 when NULL */
	char		kind;			/* 'm' MCE, 't' thermal, 0 other */
} RollupRow;

/* The fields a group key or a delta row can hold. */
typedef enum RollupField
{
	F_DAY, F_WEEK, F_BUILD, F_CLASS, F_SEVERITY, F_SYSTEM, F_EXTERNAL,
	F_ARCH, F_HOST, F_GUILTY, F_MACHINE, F_STATUS, F_BANK,
	/* outputs only */
	F_COUNT, F_MIN_DAY, F_MAX_DAY,
	F_END
} RollupField;

#define MAX_FIELDS 10

/* One rollup: which rows, grouped by what, giving which row type. */
typedef struct RollupSpec
{
	const char *type;			/* row type in schema telemetrics */
	char		filter;			/* 0 all, 'g' with a guilty group, 'm', 't' */
	RollupField keys[MAX_FIELDS];	/* F_END-terminated */
	RollupField out[MAX_FIELDS];	/* the row type's columns, F_END-terminated */
} RollupSpec;

#define N_ROLLUPS 7

static const RollupSpec rollups[N_ROLLUPS] = {
	{"rollup_records", 0,
		{F_DAY, F_BUILD, F_CLASS, F_SEVERITY, F_SYSTEM, F_EXTERNAL, F_ARCH, F_END},
	{F_DAY, F_BUILD, F_CLASS, F_SEVERITY, F_SYSTEM, F_EXTERNAL, F_ARCH, F_COUNT, F_COUNT, F_END}},
	{"rollup_platforms", 0,
		{F_DAY, F_HOST, F_END},
	{F_DAY, F_HOST, F_COUNT, F_END}},
	{"crash_count", 'g',
		{F_DAY, F_GUILTY, F_BUILD, F_END},
	{F_DAY, F_GUILTY, F_BUILD, F_COUNT, F_END}},
	{"crash_machines", 'g',
		{F_GUILTY, F_BUILD, F_MACHINE, F_END},
	{F_GUILTY, F_BUILD, F_MACHINE, F_COUNT, F_MIN_DAY, F_MAX_DAY, F_END}},
	{"rollup_mce", 'm',
		{F_WEEK, F_BUILD, F_CLASS, F_STATUS, F_BANK, F_END},
	{F_WEEK, F_BUILD, F_CLASS, F_STATUS, F_BANK, F_COUNT, F_END}},
	{"rollup_mce_machines", 'm',
		{F_WEEK, F_MACHINE, F_BUILD, F_END},
	{F_WEEK, F_MACHINE, F_BUILD, F_COUNT, F_END}},
	{"rollup_thermal", 't',
		{F_WEEK, F_MACHINE, F_END},
	{F_WEEK, F_MACHINE, F_COUNT, F_END}},
};

/* The population row types, in rollup_deltas' column order. */
#define N_POPULATION 4
static const char *const population_types[N_POPULATION] = {
	"population_build_days", "population_build_last",
	"population_days", "population_last"
};

#define N_DELTAS (N_ROLLUPS + N_POPULATION)

/*
 * Prepared statements, kept for the life of the backend together with the
 * row types they were made for: if the extension is dropped and created
 * again in this backend, the types change and the statements are made
 * again.
 */
static SPIPlanPtr plan_append = NULL;
static SPIPlanPtr plan_population = NULL;
static Oid	plan_types[N_DELTAS];
static Oid	plan_argtypes[N_DELTAS];	/* their array types */

/*
 * The population sets of day $1 (records received in [$2, $3)): the
 * (build, machine) pairs not yet seen that day are upserted in key order
 * into machine_builds, their machines into machine_activity, and the
 * counters derived from the changes come back as four delta arrays.  A
 * machine seen that day on its build was seen that day, so only fresh
 * pairs need a look at machine_activity.  Run with search_path pinned to
 * pg_catalog, pg_temp.
 */
static const char *const population_sql =
"WITH seen AS ("
"	SELECT DISTINCT n.build, n.machine_id, n.external"
"	FROM new_rows n"
"	WHERE n.received_at >= $2 AND n.received_at < $3),"
" fresh AS MATERIALIZED ("
"	SELECT f.build, f.machine_id, f.external"
"	FROM seen f"
"	WHERE NOT EXISTS ("
"		SELECT FROM telemetrics.machine_builds m"
"		WHERE m.build = f.build AND m.machine_id = f.machine_id"
"		  AND m.external = f.external AND m.last_day >= $1)),"
" up_builds AS ("
"	INSERT INTO telemetrics.machine_builds AS m"
"		(build, machine_id, external, first_day, last_day, prev_day)"
"	SELECT f.build, f.machine_id, f.external, $1, $1, NULL"
"	FROM fresh f"
"	ORDER BY f.build, f.machine_id, f.external"
"	ON CONFLICT (build, machine_id, external) DO UPDATE"
"		SET prev_day = m.last_day, last_day = excluded.last_day"
"		WHERE m.last_day < excluded.last_day"
"	RETURNING m.build, m.external, m.prev_day),"
" up_machines AS ("
"	INSERT INTO telemetrics.machine_activity AS m"
"		(machine_id, external, first_day, last_day, prev_day)"
"	SELECT DISTINCT f.machine_id, f.external, $1, $1, NULL::date"
"	FROM fresh f"
"	WHERE NOT EXISTS ("
"		SELECT FROM telemetrics.machine_activity m"
"		WHERE m.machine_id = f.machine_id AND m.external = f.external"
"		  AND m.last_day >= $1)"
"	ORDER BY f.machine_id, f.external"
"	ON CONFLICT (machine_id, external) DO UPDATE"
"		SET prev_day = m.last_day, last_day = excluded.last_day"
"		WHERE m.last_day < excluded.last_day"
"	RETURNING m.external, m.prev_day)"
" SELECT"
"	(SELECT array_agg(ROW($1, g.build, g.external, g.n)::telemetrics.population_build_days)"
"	 FROM (SELECT u.build, u.external, count(*) AS n FROM up_builds u GROUP BY 1, 2) g),"
"	(SELECT array_agg(ROW(g.build, g.external, g.d, g.n)::telemetrics.population_build_last)"
"	 FROM (SELECT x.build, x.external, x.d, sum(x.k) AS n"
"		   FROM (SELECT u.build, u.external, $1 AS d, 1 AS k FROM up_builds u"
"				 UNION ALL"
"				 SELECT u.build, u.external, u.prev_day, -1 FROM up_builds u"
"				 WHERE u.prev_day IS NOT NULL) x"
"		   GROUP BY 1, 2, 3) g),"
"	(SELECT array_agg(ROW($1, g.external, g.n)::telemetrics.population_days)"
"	 FROM (SELECT u.external, count(*) AS n FROM up_machines u GROUP BY 1) g),"
"	(SELECT array_agg(ROW(g.external, g.d, g.n)::telemetrics.population_last)"
"	 FROM (SELECT x.external, x.d, sum(x.k) AS n"
"		   FROM (SELECT u.external, $1 AS d, 1 AS k FROM up_machines u"
"				 UNION ALL"
"				 SELECT u.external, u.prev_day, -1 FROM up_machines u"
"				 WHERE u.prev_day IS NOT NULL) x"
"		   GROUP BY 1, 2) g)";

/* The OID of row type telemetrics.NAME; an error if it is missing. */
static Oid
rollup_type_oid(Oid nsp, const char *name)
{
	Oid			typoid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
										 CStringGetDatum(name),
										 ObjectIdGetDatum(nsp));

	if (!OidIsValid(typoid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("type telemetrics.%s does not exist", name)));
	return typoid;
}

/*
 * prepare_plans
 *		Make the prepared append (the population upsert is made on first
 *		use), or make them again if the row types changed.  types[] are the
 *		current row types, in rollup_deltas' column order.  The append
 *		names every object with its schema; the upsert does not, and is
 *		made and run with search_path pinned.  Inside SPI_connect(), with
 *		the transition tables registered.
 */
static void
prepare_plans(const Oid *types)
{
	Oid			argtypes[N_DELTAS];
	char	   *sql;
	int			i;

	if (plan_append != NULL && memcmp(plan_types, types, sizeof(plan_types)) == 0)
		return;
	if (plan_append != NULL)
	{
		SPI_freeplan(plan_append);
		plan_append = NULL;
	}
	if (plan_population != NULL)
	{
		SPI_freeplan(plan_population);
		plan_population = NULL;
	}
	for (i = 0; i < N_DELTAS; i++)
	{
		argtypes[i] = get_array_type(types[i]);
		if (!OidIsValid(argtypes[i]))
			elog(ERROR, "type %u has no array type", types[i]);
	}
	sql = "INSERT INTO telemetrics.rollup_deltas VALUES "
		"($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
	plan_append = tm_prepare_kept(sql, N_DELTAS, argtypes);
	memcpy(plan_types, types, sizeof(plan_types));
	memcpy(plan_argtypes, argtypes, sizeof(plan_argtypes));
}

/* ----------------------------------------------------------------
 * Reading the new rows
 * ----------------------------------------------------------------
 */

/* Column numbers of the fields read, looked up by name. */
typedef struct RowColumns
{
	int			received_at, build, classification, severity, system_name,
				external, arch, host_type, machine_id, guilty_id, mce_status,
				mce_bank;
} RowColumns;

static int
column_number(TupleDesc desc, const char *name)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return i;
	}
	elog(ERROR, "telemetrics.records has no column \"%s\"", name);
	return -1;					/* keep the compiler quiet */
}

/* The UTC day of a timestamp. */
static DateADT
utc_day(TimestampTz ts)
{
	if (TIMESTAMP_IS_NOBEGIN(ts))
		return DATEVAL_NOBEGIN;
	if (TIMESTAMP_IS_NOEND(ts))
		return DATEVAL_NOEND;
	if (ts >= 0)
		return (DateADT) (ts / USECS_PER_DAY);
	return (DateADT) -((-ts + USECS_PER_DAY - 1) / USECS_PER_DAY);
}

/* The Monday of a day's ISO week. */
static DateADT
iso_monday(DateADT day)
{
	int			dow;

	if (DATE_NOT_FINITE(day))
		return day;
	dow = j2day(day + POSTGRES_EPOCH_JDATE);	/* 0 = Sunday */
	return day - (dow + 6) % 7;
}

static char *
text_field(TupleTableSlot *slot, int col, const char *if_null)
{
	if (slot->tts_isnull[col])
	{
		if (if_null == NULL)
			elog(ERROR, "unexpected NULL in a NOT NULL column of telemetrics.records");
		return pstrdup(if_null);
	}
	return TextDatumGetCString(slot->tts_values[col]);
}

/*
 * read_rows
 *		Copy what the rollups need from the transition table into an array
 *		of RollupRow in the current memory context; sets *nrows.
 */
static RollupRow *
read_rows(Tuplestorestate *store, TupleDesc desc, int *nrows)
{
	RowColumns	c;
	TupleTableSlot *slot;
	RollupRow  *rows;
	int			n = 0,
				size = 16;
	static const char mce_prefix[] = "org.clearlinux/mce/";

	c.received_at = column_number(desc, "received_at");
	c.build = column_number(desc, "build");
	c.classification = column_number(desc, "classification");
	c.severity = column_number(desc, "severity");
	c.system_name = column_number(desc, "system_name");
	c.external = column_number(desc, "external");
	c.arch = column_number(desc, "arch");
	c.host_type = column_number(desc, "host_type");
	c.machine_id = column_number(desc, "machine_id");
	c.guilty_id = column_number(desc, "guilty_id");
	c.mce_status = column_number(desc, "mce_status");
	c.mce_bank = column_number(desc, "mce_bank");

	rows = palloc(size * sizeof(RollupRow));
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	tuplestore_rescan(store);
	while (tuplestore_gettupleslot(store, true, false, slot))
	{
		RollupRow  *r;

		slot_getallattrs(slot);
		if (n == size)
		{
			size *= 2;
			rows = repalloc(rows, size * sizeof(RollupRow));
		}
		r = &rows[n++];
		if (slot->tts_isnull[c.received_at] || slot->tts_isnull[c.severity] ||
			slot->tts_isnull[c.external])
			elog(ERROR, "unexpected NULL in a NOT NULL column of telemetrics.records");
		r->received_at = DatumGetTimestampTz(slot->tts_values[c.received_at]);
		r->day = utc_day(r->received_at);
		r->week = iso_monday(r->day);
		r->build = text_field(slot, c.build, NULL);
		r->classification = text_field(slot, c.classification, NULL);
		r->system_name = text_field(slot, c.system_name, "");
		r->arch = text_field(slot, c.arch, NULL);
		r->host_type = text_field(slot, c.host_type, NULL);
		r->machine_id = text_field(slot, c.machine_id, NULL);
		r->mce_status = text_field(slot, c.mce_status, "");
		r->severity = DatumGetInt16(slot->tts_values[c.severity]);
		r->external = DatumGetBool(slot->tts_values[c.external]);
		r->has_guilty = !slot->tts_isnull[c.guilty_id];
		r->guilty_id = r->has_guilty ? DatumGetInt32(slot->tts_values[c.guilty_id]) : 0;
		r->mce_bank = slot->tts_isnull[c.mce_bank] ? -1 :
			DatumGetInt32(slot->tts_values[c.mce_bank]);
		if (strcmp(r->classification, "org.clearlinux/mce/thermal") == 0)
			r->kind = 't';
		else if (strncmp(r->classification, mce_prefix, sizeof(mce_prefix) - 1) == 0)
			r->kind = 'm';
		else
			r->kind = 0;
	}
	ExecDropSingleTupleTableSlot(slot);
	*nrows = n;
	return rows;
}

/* ----------------------------------------------------------------
 * Grouping
 * ----------------------------------------------------------------
 */

static int
cmp_int(int64 a, int64 b)
{
	return (a > b) - (a < b);
}

/* Compare two rows on one field (strings byte-wise: the columns are "C"). */
static int
compare_field(const RollupRow *a, const RollupRow *b, RollupField f)
{
	switch (f)
	{
		case F_DAY:
			return cmp_int(a->day, b->day);
		case F_WEEK:
			return cmp_int(a->week, b->week);
		case F_BUILD:
			return strcmp(a->build, b->build);
		case F_CLASS:
			return strcmp(a->classification, b->classification);
		case F_SEVERITY:
			return cmp_int(a->severity, b->severity);
		case F_SYSTEM:
			return strcmp(a->system_name, b->system_name);
		case F_EXTERNAL:
			return cmp_int(a->external, b->external);
		case F_ARCH:
			return strcmp(a->arch, b->arch);
		case F_HOST:
			return strcmp(a->host_type, b->host_type);
		case F_GUILTY:
			return cmp_int(a->guilty_id, b->guilty_id);
		case F_MACHINE:
			return strcmp(a->machine_id, b->machine_id);
		case F_STATUS:
			return strcmp(a->mce_status, b->mce_status);
		case F_BANK:
			return cmp_int(a->mce_bank, b->mce_bank);
		default:
			elog(ERROR, "rollup field %d is not a key", (int) f);
	}
	return 0;					/* keep the compiler quiet */
}

static int
compare_keys(const void *pa, const void *pb, void *arg)
{
	const RollupRow *a = *(RollupRow *const *) pa;
	const RollupRow *b = *(RollupRow *const *) pb;
	const RollupField *keys = (const RollupField *) arg;
	int			i,
				c;

	for (i = 0; keys[i] != F_END; i++)
		if ((c = compare_field(a, b, keys[i])) != 0)
			return c;
	return 0;
}

/* The value of a key field (from the group's first row) or an output. */
static Datum
field_datum(const RollupRow *r, RollupField f, int64 count, DateADT min_day,
			DateADT max_day)
{
	switch (f)
	{
		case F_DAY:
			return DateADTGetDatum(r->day);
		case F_WEEK:
			return DateADTGetDatum(r->week);
		case F_BUILD:
			return CStringGetTextDatum(r->build);
		case F_CLASS:
			return CStringGetTextDatum(r->classification);
		case F_SEVERITY:
			return Int16GetDatum(r->severity);
		case F_SYSTEM:
			return CStringGetTextDatum(r->system_name);
		case F_EXTERNAL:
			return BoolGetDatum(r->external);
		case F_ARCH:
			return CStringGetTextDatum(r->arch);
		case F_HOST:
			return CStringGetTextDatum(r->host_type);
		case F_GUILTY:
			return Int32GetDatum(r->guilty_id);
		case F_MACHINE:
			return CStringGetTextDatum(r->machine_id);
		case F_STATUS:
			return CStringGetTextDatum(r->mce_status);
		case F_BANK:
			return Int32GetDatum(r->mce_bank);
		case F_COUNT:
			return Int64GetDatum(count);
		case F_MIN_DAY:
			return DateADTGetDatum(min_day);
		case F_MAX_DAY:
			return DateADTGetDatum(max_day);
		default:
			elog(ERROR, "unknown rollup field %d", (int) f);
	}
	return (Datum) 0;			/* keep the compiler quiet */
}

/*
 * group_rows
 *		The deltas of one rollup: an array of its row type, or NULL (0)
 *		when no row passes the filter.
 */
static Datum
group_rows(const RollupSpec *spec, Oid typoid, RollupRow *rows, int nrows)
{
	RollupRow **sel = palloc(nrows * sizeof(RollupRow *));
	Datum	   *elems;
	int			nsel = 0,
				nelems = 0,
				natts,
				i;
	TupleDesc	desc;
	Datum		values[MAX_FIELDS];
	bool		nulls[MAX_FIELDS];
	int16		typlen;
	bool		typbyval;
	char		typalign;

	for (i = 0; i < nrows; i++)
	{
		RollupRow  *r = &rows[i];

		if (spec->filter == 0 ||
			(spec->filter == 'g' && r->has_guilty) ||
			(spec->filter != 'g' && spec->filter == r->kind))
			sel[nsel++] = r;
	}
	if (nsel == 0)
		return (Datum) 0;
	if (nsel > 1)
		qsort_arg(sel, nsel, sizeof(RollupRow *), compare_keys, (void *) spec->keys);

	desc = lookup_rowtype_tupdesc(typoid, -1);
	for (natts = 0; spec->out[natts] != F_END; natts++)
		;
	if (natts != desc->natts)
		elog(ERROR, "type %s has %d columns, expected %d", spec->type, desc->natts, natts);
	memset(nulls, 0, sizeof(nulls));
	elems = palloc(nsel * sizeof(Datum));
	for (i = 0; i < nsel;)
	{
		int			j = i;
		DateADT		min_day = sel[i]->day,
					max_day = sel[i]->day;
		int			k;

		while (j < nsel && compare_keys(&sel[i], &sel[j], (void *) spec->keys) == 0)
		{
			if (sel[j]->day < min_day)
				min_day = sel[j]->day;
			if (sel[j]->day > max_day)
				max_day = sel[j]->day;
			j++;
		}
		for (k = 0; k < natts; k++)
			values[k] = field_datum(sel[i], spec->out[k], j - i, min_day, max_day);
		elems[nelems++] = HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
		i = j;
	}
	ReleaseTupleDesc(desc);
	get_typlenbyvalalign(typoid, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_array(elems, nelems, typoid, typlen, typbyval, typalign));
}

/* ----------------------------------------------------------------
 * Population
 * ----------------------------------------------------------------
 */

/* Append the elements of array a (may be NULL) to *acc. */
static void
accumulate(ArrayBuildState **acc, Datum a, bool isnull, Oid typoid)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *enulls;
	int			n,
				i;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (isnull)
		return;
	arr = DatumGetArrayTypeP(a);
	get_typlenbyvalalign(typoid, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, typoid, typlen, typbyval, typalign, &elems, &enulls, &n);
	for (i = 0; i < n; i++)
		*acc = accumArrayResult(*acc, elems[i], enulls[i], typoid, CurrentMemoryContext);
}

/*
 * any_fresh
 *		Is the (build, machine, source) of any of rows[0..n), all of UTC day
 *		day, missing from telemetrics.machine_builds with a last_day of day
 *		or later, as the statement's snapshot sees it?  One probe of the
 *		primary key per record (consecutive equal keys once), where a query
 *		would cost a one-record INSERT more in executor start-up than the
 *		probes.  Seeing too little is safe: the upsert then runs and changes
 *		nothing.  So true, without a probe, when the query would check more
 *		than the probes can: the user may not read the columns it reads, or
 *		the table has row security (the upsert's query then raises the error
 *		it would have).  The snapshot is the statement's, older than a query
 *		of its own would take; what it misses (another transaction's rows,
 *		committed meanwhile) only makes the upsert run.  The upserts of
 *		earlier days of the same statement leave a last_day before this
 *		day, which counts as missing either way.
 */
static bool
any_fresh(RollupRow **rows, int n, DateADT day, Oid nsp)
{
	Oid			relid = get_relname_relid("machine_builds", nsp);
	Relation	rel;
	Relation	idx;
	Oid			idxid;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	ScanKeyData keys[3];
	RegProcedure texteq = get_opcode(TextEqualOperator);
	RegProcedure booleq = get_opcode(BooleanEqualOperator);
	AttrNumber	last_day;
	bool		fresh = false;
	int			i;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation telemetrics.machine_builds does not exist")));
	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
	{
		static const char *const cols[] = {"build", "machine_id", "external", "last_day"};

		for (i = 0; i < (int) lengthof(cols); i++)
		{
			AttrNumber	attnum = get_attnum(relid, cols[i]);

			if (attnum == InvalidAttrNumber ||
				pg_attribute_aclcheck(relid, attnum, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
				return true;
		}
	}
	rel = table_open(relid, AccessShareLock);
	if (rel->rd_rel->relrowsecurity)
	{
		table_close(rel, AccessShareLock);
		return true;
	}
	idxid = RelationGetPrimaryKeyIndex(rel);
	last_day = get_attnum(relid, "last_day");
	if (!OidIsValid(idxid) || last_day == InvalidAttrNumber)
		elog(ERROR, "telemetrics.machine_builds has no primary key or no last_day");
	idx = index_open(idxid, AccessShareLock);
	if (IndexRelationGetNumberOfKeyAttributes(idx) != 3 ||
		idx->rd_index->indkey.values[0] != get_attnum(relid, "build") ||
		idx->rd_index->indkey.values[1] != get_attnum(relid, "machine_id") ||
		idx->rd_index->indkey.values[2] != get_attnum(relid, "external"))
		elog(ERROR, "the primary key of telemetrics.machine_builds is not (build, machine_id, external)");

	slot = table_slot_create(rel, NULL);
	scan = index_beginscan(rel, idx, GetActiveSnapshot(), 3, 0);
	for (i = 0; i < n && !fresh; i++)
	{
		RollupRow  *r = rows[i];
		bool		isnull;
		Datum		d;

		if (i > 0 && r->external == rows[i - 1]->external &&
			strcmp(r->build, rows[i - 1]->build) == 0 &&
			strcmp(r->machine_id, rows[i - 1]->machine_id) == 0)
			continue;
		ScanKeyEntryInitialize(&keys[0], 0, 1, BTEqualStrategyNumber, InvalidOid,
							   idx->rd_indcollation[0], texteq,
							   CStringGetTextDatum(r->build));
		ScanKeyEntryInitialize(&keys[1], 0, 2, BTEqualStrategyNumber, InvalidOid,
							   idx->rd_indcollation[1], texteq,
							   CStringGetTextDatum(r->machine_id));
		ScanKeyEntryInitialize(&keys[2], 0, 3, BTEqualStrategyNumber, InvalidOid,
							   InvalidOid, booleq, BoolGetDatum(r->external));
		index_rescan(scan, keys, 3, NULL, 0);
		if (!index_getnext_slot(scan, ForwardScanDirection, slot))
			fresh = true;
		else
		{
			d = slot_getattr(slot, last_day, &isnull);
			fresh = isnull || DatumGetDateADT(d) < day;
		}
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(idx, NoLock);
	table_close(rel, NoLock);
	return fresh;
}

/*
 * population_deltas
 *		For each UTC day of the statement whose machines are not all in the
 *		population sets yet, upsert them and collect the counter deltas in
 *		out[0..3] (0 when none).  rows are sorted by day on return.  Inside
 *		SPI_connect(); allocates in cxt.
 */
static void
population_deltas(RollupRow *rows, int nrows, const Oid *types, Oid nsp,
				  Datum *out, MemoryContext cxt)
{
	ArrayBuildState *acc[N_POPULATION] = {NULL, NULL, NULL, NULL};
	RollupRow **byday = palloc(nrows * sizeof(RollupRow *));
	static const RollupField day_key[] = {F_DAY, F_END};
	int			i,
				k;

	for (i = 0; i < nrows; i++)
		byday[i] = &rows[i];
	if (nrows > 1)
		qsort_arg(byday, nrows, sizeof(RollupRow *), compare_keys, (void *) day_key);

	for (i = 0; i < nrows;)
	{
		DateADT		day = byday[i]->day;
		int			first = i;
		Datum		args[3];
		bool		isnull;
		int			ret;
		int			save_nestlevel;

		while (i < nrows && byday[i]->day == day)
			i++;
		if (DATE_NOT_FINITE(day))
			continue;
		if (!any_fresh(&byday[first], i - first, day, nsp))
			continue;
		args[0] = DateADTGetDatum(day);
		args[1] = TimestampTzGetDatum((TimestampTz) day * USECS_PER_DAY);
		args[2] = TimestampTzGetDatum((TimestampTz) (day + 1) * USECS_PER_DAY);

		/* as the PL/pgSQL version ran it: with search_path pinned */
		save_nestlevel = NewGUCNestLevel();
		(void) set_config_option("search_path", "pg_catalog, pg_temp",
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);
		if (plan_population == NULL)
		{
			Oid			dayargs[3] = {DATEOID, TIMESTAMPTZOID, TIMESTAMPTZOID};

			plan_population = tm_prepare_kept(population_sql, 3, dayargs);
		}
		ret = SPI_execute_plan(plan_population, args, NULL, false, 0);
		if (ret != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "the population upsert failed: %s", SPI_result_code_string(ret));
		AtEOXact_GUC(true, save_nestlevel);
		for (k = 0; k < N_POPULATION; k++)
		{
			Datum		a = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, k + 1, &isnull);
			MemoryContext old = MemoryContextSwitchTo(cxt);

			accumulate(&acc[k], a, isnull, types[N_ROLLUPS + k]);
			MemoryContextSwitchTo(old);
		}
		SPI_freetuptable(SPI_tuptable);
	}
	for (k = 0; k < N_POPULATION; k++)
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);

		out[k] = acc[k] == NULL ? (Datum) 0 :
			makeArrayResult(acc[k], cxt);
		MemoryContextSwitchTo(old);
	}
}

/*
 * append_direct
 *		Append the delta row (values[], isnull[]) to telemetrics.rollup_deltas
 *		with a plain heap insert, when the table is still as the extension
 *		made it: an ordinary heap table, not a partition, with no index,
 *		trigger, rule, constraint or row security, and exactly the columns
 *		of the prepared append's array types, none NOT NULL or generated;
 *		and the user may insert into it.  Returns false, appending nothing,
 *		otherwise; the caller then runs the prepared INSERT.  This saves the
 *		INSERT's executor start-up, a fifth of what the trigger costs a
 *		one-record statement.  Inside SPI_connect(), after prepare_plans().
 */
static bool
append_direct(Oid nsp, Datum *values, bool *isnull)
{
	Oid			relid = get_relname_relid("rollup_deltas", nsp);
	Relation	rel;
	TupleDesc	desc;
	bool		plain;

	if (!OidIsValid(relid) ||
		pg_class_aclcheck(relid, GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		return false;
	rel = table_open(relid, RowExclusiveLock);
	desc = RelationGetDescr(rel);
	plain = tm_table_is_plain(rel, plan_argtypes, N_DELTAS, true);
	if (plain)
	{
		List	   *indexes = RelationGetIndexList(rel);

		plain = (indexes == NIL);
		list_free(indexes);
	}
	if (plain)
		simple_heap_insert(rel, heap_form_tuple(desc, values, isnull));
	else
		elog(DEBUG1, "telemetrics.rollup_deltas was changed or is not insertable here: "
			 "appending with an INSERT");
	table_close(rel, plain ? NoLock : RowExclusiveLock);
	return plain;
}

/*
 * telemetrics.records_rollup_insert() -> trigger
 *		AFTER INSERT ... REFERENCING NEW TABLE AS new_rows FOR EACH
 *		STATEMENT on telemetrics.records.
 */
Datum
telemetrics_records_rollup_insert(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	MemoryContext cxt,
				old;
	RollupRow  *rows;
	int			nrows,
				i,
				ret;
	Oid			nsp,
				types[N_DELTAS];
	Datum		deltas[N_DELTAS];
	bool		isnull[N_DELTAS];
	char		nulls[N_DELTAS];

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) ||
		!TRIGGER_FIRED_BY_INSERT(td->tg_event) || td->tg_newtable == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("telemetrics.records_rollup_insert() must be an AFTER INSERT ... FOR EACH STATEMENT trigger with a NEW TABLE")));

	cxt = AllocSetContextCreate(CurrentMemoryContext, "telemetrics rollup insert",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	rows = read_rows(td->tg_newtable, RelationGetDescr(td->tg_relation), &nrows);
	if (nrows == 0)
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		return PointerGetDatum(NULL);
	}

	nsp = get_namespace_oid("telemetrics", false);
	for (i = 0; i < N_ROLLUPS; i++)
		types[i] = rollup_type_oid(nsp, rollups[i].type);
	for (i = 0; i < N_POPULATION; i++)
		types[N_ROLLUPS + i] = rollup_type_oid(nsp, population_types[i]);

	for (i = 0; i < N_ROLLUPS; i++)
		deltas[i] = group_rows(&rollups[i], types[i], rows, nrows);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_register_trigger_data(td) != SPI_OK_TD_REGISTER)
		elog(ERROR, "SPI_register_trigger_data failed");
	prepare_plans(types);

	population_deltas(rows, nrows, types, nsp, deltas + N_ROLLUPS, cxt);

	for (i = 0; i < N_DELTAS; i++)
	{
		isnull[i] = deltas[i] == (Datum) 0;
		nulls[i] = isnull[i] ? 'n' : ' ';
	}
	if (!append_direct(nsp, deltas, isnull))
	{
		ret = SPI_execute_plan(plan_append, deltas, nulls, false, 0);
		if (ret != SPI_OK_INSERT)
			elog(ERROR, "appending the rollup deltas failed: %s", SPI_result_code_string(ret));
	}

	if (RollupCompactDue(false))
	{
		ret = SPI_execute("SELECT telemetrics.compact_rollups_if_due()", false, 0);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "the rollup compaction failed: %s", SPI_result_code_string(ret));
	}

	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");

	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return PointerGetDatum(NULL);
}
