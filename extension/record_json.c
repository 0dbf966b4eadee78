/*-------------------------------------------------------------------------
 *
 * record_json.c
 *		telemetrics.record_json(telemetrics.records): a record as JSON, with
 *		the keys of the reference backend's 201 body (reference-backend.md
 *		1.6), plus record_format_version, system_name,
 *		payload_format_version and guilty (classify.c:
 *		tm_push_guilty_json).
 * telemetrics.record_json_text(telemetrics.records): the same as json,
 *		that is text: exactly the text of record_json(r)::text, written
 *		straight from the row.
 *
 * Every ingest response and every record a query returns goes through this
 * function, so it is written in C: jsonb_build_object() looks up the type
 * of each of its forty arguments on every call, which made it the largest
 * single cost of a batch ingest.  The gateway sends the record on as text:
 * for it, building the jsonb and then printing it (jsonb_out escapes
 * strings a byte at a time) cost about a tenth of a batch's CPU, hence
 * the text form (ingest_batch_text() returns it).  The two must agree to
 * the byte; sql/record_json.sql compares them over every stored record.
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
PG_FUNCTION_INFO_V1(telemetrics_record_json_text);

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

/* Write the n low decimal digits of v at p. */
static inline void
put_digits(char *p, int v, int n)
{
	while (n-- > 0)
	{
		p[n] = (char) ('0' + v % 10);
		v /= 10;
	}
}

/*
 * Format ts as the reference did: "YYYY-MM-DD HH:MM:SS UTC".  Years 0 to
 * 9999 are written digit by digit (every record's, in practice); others
 * go through printf's %04d, which gives them more digits or a sign.
 */
static char *
format_utc(TimestampTz ts)
{
	struct pg_tm tm;
	fsec_t		fsec;
	char	   *out;

	if (TIMESTAMP_NOT_FINITE(ts) || timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		return pstrdup(TIMESTAMP_IS_NOBEGIN(ts) ? "-infinity" : "infinity");
	if (tm.tm_year < 0 || tm.tm_year > 9999)
		return psprintf("%04d-%02d-%02d %02d:%02d:%02d UTC",
						tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	out = palloc(sizeof("YYYY-MM-DD HH:MM:SS UTC"));
	memcpy(out, "YYYY-MM-DD HH:MM:SS UTC", sizeof("YYYY-MM-DD HH:MM:SS UTC"));
	put_digits(out, tm.tm_year, 4);
	put_digits(out + 5, tm.tm_mon, 2);
	put_digits(out + 8, tm.tm_mday, 2);
	put_digits(out + 11, tm.tm_hour, 2);
	put_digits(out + 14, tm.tm_min, 2);
	put_digits(out + 17, tm.tm_sec, 2);
	return out;
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
 * deform_record
 *		The columns of row rec in values/nulls (palloc'd in the current
 *		context), with cached_attno[] up to date.  Returns the row type's
 *		descriptor, which the caller releases (ReleaseTupleDesc).
 */
static TupleDesc
deform_record(HeapTupleHeader rec, Datum **values, bool **nulls)
{
	Oid			type = HeapTupleHeaderGetTypeId(rec);
	int32		typmod = HeapTupleHeaderGetTypMod(rec);
	TupleDesc	tupdesc = lookup_rowtype_tupdesc(type, typmod);
	TypeCacheEntry *tce = lookup_type_cache(type, TYPECACHE_TUPDESC);
	HeapTupleData tuple;

	if (type != cached_type || tce->tupDesc_identifier != cached_identifier)
		find_columns(tupdesc, type, tce->tupDesc_identifier);

	tuple.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&(tuple.t_self));
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = rec;
	*values = palloc(sizeof(Datum) * tupdesc->natts);
	*nulls = palloc(sizeof(bool) * tupdesc->natts);
	heap_deform_tuple(&tuple, tupdesc, *values, *nulls);
	return tupdesc;
}

/* An integer column's value, whichever of int2, int4 and int8 it is. */
static int64
int_value(TupleDesc tupdesc, int a, Datum value)
{
	Oid			atttype = TupleDescAttr(tupdesc, a)->atttypid;

	if (atttype == INT2OID)
		return DatumGetInt16(value);
	if (atttype == INT4OID)
		return DatumGetInt32(value);
	return DatumGetInt64(value);
}

/*
 * telemetrics_record_json(r telemetrics.records) RETURNS jsonb
 *		STRICT: a NULL row gives NULL.
 */
Datum
telemetrics_record_json(PG_FUNCTION_ARGS)
{
	HeapTupleHeader rec = PG_GETARG_HEAPTUPLEHEADER(0);
	Datum	   *values;
	bool	   *nulls;
	TupleDesc	tupdesc = deform_record(rec, &values, &nulls);
	JsonbParseState *state = NULL;
	JsonbValue *result;
	int			k;

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
					v.type = jbvNumeric;
					v.val.numeric = int64_to_numeric(int_value(tupdesc, a, values[a]));
					break;
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

/*
 * How escape_json() (jsonb_out) writes each byte: as it is where
 * json_escape[] is 0, else as a backslash and that letter, and for 'u'
 * the byte's code in four hex digits (\u00xx).  Text holds no NUL.
 */
static const char json_escape[256] = {
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	['"'] = '"', ['\\'] = '\\'
};

/* The most bytes put_json_string() writes for len bytes. */
#define JSON_STRING_MAX(len) ((len) * 6 + 2)

/*
 * put_json_string
 *		Write s[0..len) at out as a JSON string, escaped exactly as
 *		jsonb_out escapes; out has room for JSON_STRING_MAX(len) bytes.
 *		Returns the end of what was written.
 */
static char *
put_json_string(char *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *) s;
	const unsigned char *end = p + len;

	*out++ = '"';
	for (; p < end; p++)
	{
		char		e = json_escape[*p];

		if (e == 0)
		{
			*out++ = (char) *p;
			continue;
		}
		*out++ = '\\';
		*out++ = e;
		if (e == 'u')
		{
			*out++ = '0';
			*out++ = '0';
			*out++ = hex[*p >> 4];
			*out++ = hex[*p & 0xf];
		}
	}
	*out++ = '"';
	return out;
}

/* Write s, which needs no escape, at out; returns the end. */
static inline char *
put_raw(char *out, const char *s, size_t len)
{
	memcpy(out, s, len);
	return out + len;
}

/*
 * telemetrics_record_json_text(r telemetrics.records) RETURNS json
 *		record_json(r)::text, written directly: the keys in jsonb's order,
 *		", " between members and ": " after keys, as jsonb_out prints them.
 *		The output's size is bounded first (every string byte escaped to
 *		six), so it is written with no check per byte.
 *		STRICT: a NULL row gives NULL.
 */
Datum
telemetrics_record_json_text(PG_FUNCTION_ARGS)
{
	HeapTupleHeader rec = PG_GETARG_HEAPTUPLEHEADER(0);
	Datum	   *values;
	bool	   *nulls;
	TupleDesc	tupdesc = deform_record(rec, &values, &nulls);
	const char *str[NKEYS];		/* each key's string value, if any */
	size_t		len[NKEYS];
	char	   *guilty_fn = NULL;
	char	   *guilty_mod = NULL;
	size_t		bound = 2;
	text	   *result;
	char	   *start;
	char	   *out;
	int			k;

	/* the strings, and the most the output can take */
	for (k = 0; k < (int) NKEYS; k++)
	{
		int			a = cached_attno[k];

		str[k] = NULL;
		bound += strlen(json_keys[k].key) + 2 + 4;	/* "key": , */
		if (nulls[a])
		{
			bound += 4;
			continue;
		}
		switch (json_keys[k].kind)
		{
			case JK_TEXT:
				{
					text	   *t = DatumGetTextPP(values[a]);

					str[k] = VARDATA_ANY(t);
					len[k] = VARSIZE_ANY_EXHDR(t);
					break;
				}
			case JK_TIMESTAMP:
				str[k] = format_utc(DatumGetTimestampTz(values[a]));
				len[k] = strlen(str[k]);
				break;
			case JK_INT:
			case JK_BOOL:
				bound += MAXINT8LEN + 1;
				break;
			case JK_GUILTY:
				if (tm_guilty_names(DatumGetInt32(values[a]), &guilty_fn, &guilty_mod))
					bound += sizeof("{\"id\": , \"module\": , \"function\": }") + MAXINT8LEN +
						JSON_STRING_MAX(strlen(guilty_mod)) +
						JSON_STRING_MAX(strlen(guilty_fn));
				else
					bound += 4;
				break;
		}
		if (str[k] != NULL)
			bound += JSON_STRING_MAX(len[k]);
	}
	if (bound > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the record is too large to write as JSON text")));

	result = palloc(VARHDRSZ + bound);
	start = out = VARDATA(result);
	*out++ = '{';
	for (k = 0; k < (int) NKEYS; k++)
	{
		int			a = cached_attno[k];

		if (k > 0)
			out = put_raw(out, ", ", 2);
		*out++ = '"';
		out = put_raw(out, json_keys[k].key, strlen(json_keys[k].key));
		out = put_raw(out, "\": ", 3);
		if (nulls[a])
		{
			out = put_raw(out, "null", 4);
			continue;
		}
		switch (json_keys[k].kind)
		{
			case JK_TEXT:
			case JK_TIMESTAMP:
				out = put_json_string(out, str[k], len[k]);
				break;
			case JK_INT:
				out += pg_lltoa(int_value(tupdesc, a, values[a]), out);
				break;
			case JK_BOOL:
				out = DatumGetBool(values[a]) ? put_raw(out, "true", 4) : put_raw(out, "false", 5);
				break;
			case JK_GUILTY:
				/* as tm_push_guilty_json: {"id", "module", "function"} */
				if (guilty_fn == NULL)
				{
					out = put_raw(out, "null", 4);
					break;
				}
				out = put_raw(out, "{\"id\": ", 7);
				out += pg_ltoa(DatumGetInt32(values[a]), out);
				out = put_raw(out, ", \"module\": ", 12);
				out = put_json_string(out, guilty_mod, strlen(guilty_mod));
				out = put_raw(out, ", \"function\": ", 14);
				out = put_json_string(out, guilty_fn, strlen(guilty_fn));
				*out++ = '}';
				break;
		}
	}
	*out++ = '}';
	Assert((size_t) (out - start) <= bound);
	SET_VARSIZE(result, VARHDRSZ + (out - start));
	ReleaseTupleDesc(tupdesc);
	PG_RETURN_TEXT_P(result);
}
