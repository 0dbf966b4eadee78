/*-------------------------------------------------------------------------
 *
 * record_json.c
 *		telemetrics.record_json(telemetrics.records): a record as JSON, with
 *		the keys of the reference backend's 201 body (reference-backend.md
 *		1.6), plus record_format_version, system_name,
 *		payload_format_version and guilty (classify.c:
 *		tm_push_guilty_json).
 *
 * Every ingest response and every record a query returns goes through this
 * function, so it is written in C: jsonb_build_object() looks up the type
 * of each of its forty arguments on every call, which made it the largest
 * single cost of a batch ingest.
 *
 * Columns are found by name, once per version of the row type (the type
 * cache's tuple descriptor identifier changes when the table is altered).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "telemetrics.h"

PG_FUNCTION_INFO_V1(telemetrics_record_json);

/* How a column becomes a JSON value. */
typedef enum JsonKind
{
	JK_TEXT,
	JK_INT,						/* int2, int4 or int8 */
	JK_BOOL,
	JK_TIMESTAMP,				/* "YYYY-MM-DD HH:MM:SS UTC" */
	JK_GUILTY					/* guilty_id: the group, or null */
} JsonKind;

/* One key of the output: its name, the column it comes from, its kind. */
typedef struct JsonKey
{
	const char *key;
	const char *column;
	JsonKind	kind;
} JsonKey;

/*
 * In jsonb's own key order (shorter keys first, then bytewise), so that the
 * sort when the object is finished finds them already in order.
 */
static const JsonKey json_keys[] = {
	{"id", "id", JK_INT},
	{"arch", "arch", JK_TEXT},
	{"build", "build", JK_TEXT},
	{"guilty", "guilty_id", JK_GUILTY},
	{"payload", "payload", JK_TEXT},
	{"event_id", "event_id", JK_TEXT},
	{"external", "external", JK_BOOL},
	{"severity", "severity", JK_INT},
	{"cpu_model", "cpu_model", JK_TEXT},
	{"board_name", "board_name", JK_TEXT},
	{"machine_id", "machine_id", JK_TEXT},
	{"ts_capture", "created_at", JK_TIMESTAMP},
	{"system_name", "system_name", JK_TEXT},
	{"bios_version", "bios_version", JK_TEXT},
	{"machine_type", "host_type", JK_TEXT},
	{"ts_reception", "received_at", JK_TIMESTAMP},
	{"classification", "classification", JK_TEXT},
	{"kernel_version", "kernel_version", JK_TEXT},
	{"record_version", "record_version", JK_INT},
	{"record_format_version", "record_version", JK_INT},
	{"payload_format_version", "payload_version", JK_INT},
};

#define NKEYS lengthof(json_keys)

/* Column numbers (0-based) of json_keys[], for one version of the row type. */
static Oid	cached_type = InvalidOid;
static uint64 cached_identifier = 0;
static int	cached_attno[NKEYS];

static void
find_columns(TupleDesc tupdesc, Oid type, uint64 identifier)
{
	int			k,
				a;

	for (k = 0; k < (int) NKEYS; k++)
	{
		cached_attno[k] = -1;
		for (a = 0; a < tupdesc->natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(tupdesc, a);

			if (!att->attisdropped && strcmp(NameStr(att->attname), json_keys[k].column) == 0)
			{
				cached_attno[k] = a;
				break;
			}
		}
		if (cached_attno[k] < 0)
			elog(ERROR, "telemetrics.records has no column \"%s\"", json_keys[k].column);
	}
	cached_type = type;
	cached_identifier = identifier;
}

/* Format ts as the reference did: "YYYY-MM-DD HH:MM:SS UTC". */
static char *
format_utc(TimestampTz ts)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (TIMESTAMP_NOT_FINITE(ts) || timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		return pstrdup(TIMESTAMP_IS_NOBEGIN(ts) ? "-infinity" : "infinity");
	return psprintf("%04d-%02d-%02d %02d:%02d:%02d UTC",
					tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void
push_key(JsonbParseState **state, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(state, WJB_KEY, &k);
}

/*
 * telemetrics_record_json(r telemetrics.records) RETURNS jsonb
 *		STRICT: a NULL row gives NULL.
 */
Datum
telemetrics_record_json(PG_FUNCTION_ARGS)
{
	HeapTupleHeader rec = PG_GETARG_HEAPTUPLEHEADER(0);
	Oid			type = HeapTupleHeaderGetTypeId(rec);
	int32		typmod = HeapTupleHeaderGetTypMod(rec);
	TupleDesc	tupdesc = lookup_rowtype_tupdesc(type, typmod);
	TypeCacheEntry *tce = lookup_type_cache(type, TYPECACHE_TUPDESC);
	HeapTupleData tuple;
	Datum	   *values;
	bool	   *nulls;
	JsonbParseState *state = NULL;
	JsonbValue *result;
	int			k;

	if (type != cached_type || tce->tupDesc_identifier != cached_identifier)
		find_columns(tupdesc, type, tce->tupDesc_identifier);

	tuple.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&(tuple.t_self));
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = rec;
	values = palloc(sizeof(Datum) * tupdesc->natts);
	nulls = palloc(sizeof(bool) * tupdesc->natts);
	heap_deform_tuple(&tuple, tupdesc, values, nulls);

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (k = 0; k < (int) NKEYS; k++)
	{
		int			a = cached_attno[k];
		JsonbValue	v;

		push_key(&state, json_keys[k].key);
		if (json_keys[k].kind == JK_GUILTY)
		{
			tm_push_guilty_json(&state, nulls[a] ? 0 : DatumGetInt32(values[a]), nulls[a]);
			continue;
		}
		if (nulls[a])
			v.type = jbvNull;
		else
		{
			switch (json_keys[k].kind)
			{
				case JK_TEXT:
					{
						text	   *t = DatumGetTextPP(values[a]);

						v.type = jbvString;
						v.val.string.val = VARDATA_ANY(t);
						v.val.string.len = VARSIZE_ANY_EXHDR(t);
						break;
					}
				case JK_INT:
					{
						Oid			atttype = TupleDescAttr(tupdesc, a)->atttypid;
						int64		i;

						if (atttype == INT2OID)
							i = DatumGetInt16(values[a]);
						else if (atttype == INT4OID)
							i = DatumGetInt32(values[a]);
						else
							i = DatumGetInt64(values[a]);
						v.type = jbvNumeric;
						v.val.numeric = int64_to_numeric(i);
						break;
					}
				case JK_BOOL:
					v.type = jbvBool;
					v.val.boolean = DatumGetBool(values[a]);
					break;
				case JK_TIMESTAMP:
					{
						char	   *s = format_utc(DatumGetTimestampTz(values[a]));

						v.type = jbvString;
						v.val.string.val = s;
						v.val.string.len = strlen(s);
						break;
					}
				case JK_GUILTY:
					Assert(false);	/* handled above */
					break;
			}
		}
		pushJsonbValue(&state, WJB_VALUE, &v);
	}
	result = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	ReleaseTupleDesc(tupdesc);
	PG_RETURN_POINTER(JsonbValueToJsonb(result));
}
