/*-------------------------------------------------------------------------
 *
 * ingest.c
 *		telemetrics_api.ingest() and telemetrics_api.ingest_batch(): validate,
 *		deduplicate and store telemetry records.
 *
 * Both functions run the same pipeline over an array of IngestItems:
 *
 *	1. read each record's fields out of its jsonb object, or out of its JSON
 *	   text (fields_json.c), and validate them (fields.c); a record that
 *	   fails is rejected with the reference's message and a SQLSTATE;
 *	2. make sure today's partition exists (partitions.c);
 *	3. in one subtransaction, with one statement each for the whole batch:
 *	   claim the (event id, machine id) keys of version-4 records, insert
 *	   the records that are not duplicates, and look up the stored records
 *	   the duplicates point at.  Statement-level triggers on
 *	   telemetrics.records therefore fire once per batch.  The claims are
 *	   plain INSERTs first; only when a key was taken does the batch go
 *	   again, in a new subtransaction, with ON CONFLICT DO NOTHING.  One
 *	   record's plain claim is a heap and index insert (record_keys.c),
 *	   and its insert a statement of its own;
 *	4. if that subtransaction fails with a data error (SQLSTATE class 22 or
 *	   23), redo step 3 one record at a time, each in its own
 *	   subtransaction, so that one bad record never costs the others; any
 *	   other error (out of memory, cancel, deadlock, ...) is re-thrown;
 *	5. put every rejected record into the quarantine: in the same
 *	   transaction for the batch (which returns outcomes instead of raising),
 *	   through a background worker for the single-record function (which
 *	   raises the error and would otherwise roll the quarantine row back).
 *
 * Memory: the items and what the caller reads after SPI_finish() (the
 * stored records' JSON, rejection messages) live in the caller's memory
 * context (the function's per-call context, reset by the executor after
 * the call); the rest of the pipeline runs in SPI's procedure context,
 * which SPI_finish() deletes.  SPI results are copied out before the next
 * SPI call.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "fields_json.h"
#include "telemetrics.h"

PG_FUNCTION_INFO_V1(telemetrics_ingest);
PG_FUNCTION_INFO_V1(telemetrics_ingest_batch);
PG_FUNCTION_INFO_V1(telemetrics_ingest_batch_text);

/* Where one record stands. */
typedef enum ItemState
{
	ITEM_VALID,					/* validated, not yet stored */
	ITEM_STORED,
	ITEM_DUPLICATE,
	ITEM_REJECTED
} ItemState;

/* One record on its way through the pipeline. */
typedef struct IngestItem
{
	int			ord;			/* 1-based position in the call */
	Jsonb	   *fields;			/* as received (or made from fields_json);
								 * NULL if none */
	const char *fields_json;	/* the fields as JSON text, if so received */
	int			fields_json_len;
	bool		fields_json_bad;	/* that text could not be read (not JSON, or
									 * refused by jsonb input) */
	const char *tid;			/* the X-Telemetry-TID it came with, or NULL */
	size_t		tid_len;
	const unsigned char *payload;	/* raw bytes; NULL if empty */
	size_t		payload_len;

	TmInput		in;				/* borrowed views of the above */
	TmRecord	rec;			/* valid when state != ITEM_REJECTED */
	char	   *scratch;

	ItemState	state;
	int64		id;				/* assigned record id */
	pg_uuid_t	event_uuid;		/* rec.event_id as a uuid, if has_event_id */
	struct varlena *json;		/* the stored record (stored or duplicate), in
								 * the call's RecordForm */
	char		sqlstate[6];	/* why it was rejected */
	char	   *message;		/* in cxt */
	MemoryContext cxt;			/* the caller's: outlives SPI_finish() */
} IngestItem;

/*
 * How a record claims its key in telemetrics.record_keys.  A key is new
 * almost always (a duplicate is a record re-sent after a lost answer), so
 * the first attempt claims with a plain INSERT: its unique index check
 * finds a key already there while inserting, in one descent of the index.
 * INSERT ... ON CONFLICT DO NOTHING probes the index first, then inserts
 * (a second descent), and pays a speculative insertion on top: a tenth of
 * a batch's CPU.  When a plain claim fails on the key, the subtransaction
 * is rolled back and the same records go again with ON CONFLICT DO
 * NOTHING, which tells the duplicates apart (ingest_items).
 */
typedef enum ClaimMode
{
	CLAIM_PLAIN = 0,			/* a duplicate raises unique_violation */
	CLAIM_SKIP_TAKEN = 1,		/* ON CONFLICT DO NOTHING */
	NUM_CLAIM_MODES
} ClaimMode;

/*
 * The form of the stored records' JSON a call returns: jsonb for ingest()
 * and ingest_batch(), json text for ingest_batch_text(), whose caller (the
 * gateway) sends it on as text (record_json.c).
 */
typedef enum RecordForm
{
	FORM_JSONB = 0,
	FORM_TEXT = 1,
	NUM_RECORD_FORMS
} RecordForm;

/* The function that makes each RecordForm of a stored record. */
static const char *const record_fn[NUM_RECORD_FORMS] = {
	[FORM_JSONB] = "telemetrics.record_json",
	[FORM_TEXT] = "telemetrics.record_json_text"
};

/*
 * Prepared statements, kept for the life of the backend: for one record,
 * the key claim (in each ClaimMode) and the insert; for several, the store
 * statement that does both for arrays; the duplicate lookup and the
 * stale-key cleanup.  Those that return stored records, in each
 * RecordForm.
 */
static SPIPlanPtr plan_claim_one[NUM_CLAIM_MODES];
static SPIPlanPtr plan_insert_one[NUM_RECORD_FORMS];
static SPIPlanPtr plan_store_many[NUM_CLAIM_MODES][NUM_RECORD_FORMS];
static SPIPlanPtr plan_duplicates[NUM_RECORD_FORMS];
static SPIPlanPtr plan_drop_key = NULL;

/*
 * Parameters of the store statement: $2 is the reception time (a scalar);
 * the others are one value per record (arrays in the many form).
 */
#define STORE_NPARAMS 20
#define STORE_ID 0				/* indexes of $1, $2, $4 and $20 */
#define STORE_RECEIVED_AT 1
#define STORE_MACHINE_ID 3
#define STORE_KEY 19

/* ----------------------------------------------------------------
 * Reading a record's fields
 * ----------------------------------------------------------------
 */

/*
 * item_fields_jsonb
 *		The record's fields as jsonb: as received, or made from the JSON text
 *		received; text that is not JSON becomes a jsonb string holding it
 *		(so that the quarantine keeps it, and tells such records apart).  In
 *		the current context.
 */
static Jsonb *
item_fields_jsonb(IngestItem *item)
{
	if (item->fields == NULL && item->fields_json != NULL)
	{
		if (item->fields_json_bad)
		{
			JsonbValue	v;

			v.type = jbvString;
			v.val.string.val = unconstify(char *, item->fields_json);
			v.val.string.len = item->fields_json_len;
			item->fields = JsonbValueToJsonb(&v);
		}
		else
			item->fields = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
															  CStringGetDatum(pnstrdup(item->fields_json,
																					   item->fields_json_len))));
	}
	return item->fields;
}

/*
 * item_read_fields
 *		Point item->in at the record fields found in item->fields.
 *
 * Keys that are not record fields are ignored.  Names are matched as
 * fields.c does (any case, '-' or '_').  When two keys name the same field,
 * the first in jsonb order wins.  A JSON null counts as absent; numbers and
 * booleans count as their text; arrays and objects as their JSON text
 * (which then fails validation).  Strings are borrowed from the jsonb.
 * Returns false if fields is not a JSON object.
 */
static bool
item_read_fields(IngestItem *item)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (item->fields == NULL)
		return true;
	if (!JB_ROOT_IS_OBJECT(item->fields) || JB_ROOT_IS_SCALAR(item->fields))
		return false;

	it = JsonbIteratorInit(&item->fields->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		int			f;
		TmStr	   *dst;

		if (tok != WJB_KEY)
			continue;
		f = tm_field_lookup(v.val.string.val, v.val.string.len);
		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);
		if (f < 0 || item->in.field[f].ptr != NULL)
			continue;
		dst = &item->in.field[f];
		switch (v.type)
		{
			case jbvString:
				dst->ptr = v.val.string.val;
				dst->len = v.val.string.len;
				break;
			case jbvNumeric:
				dst->ptr = DatumGetCString(DirectFunctionCall1(numeric_out,
															   NumericGetDatum(v.val.numeric)));
				dst->len = strlen(dst->ptr);
				break;
			case jbvBool:
				dst->ptr = v.val.boolean ? "true" : "false";
				dst->len = strlen(dst->ptr);
				break;
			case jbvBinary:
				dst->ptr = JsonbToCString(NULL, v.val.binary.data, v.val.binary.len);
				dst->len = strlen(dst->ptr);
				break;
			default:			/* jbvNull */
				break;
		}
	}
	return true;
}

static void
item_reject(IngestItem *item, const char *sqlstate, const char *message)
{
	item->state = ITEM_REJECTED;
	memcpy(item->sqlstate, sqlstate, 5);
	item->sqlstate[5] = '\0';
	/* called inside SPI, whose memory is gone once the caller reads this */
	item->message = MemoryContextStrdup(item->cxt, message);
}

static inline int
hex_value(char c)
{
	return (c >= '0' && c <= '9') ? c - '0' : c - 'a' + 10;
}

/*
 * item_validate
 *		Run the field rules; on success the item is ITEM_VALID, otherwise
 *		ITEM_REJECTED with the reference's message.
 */
static void
item_validate(IngestItem *item)
{
	TmLimits	limits;
	TmError		err;
	size_t		need;

	item->state = ITEM_VALID;
	item->in.tid.ptr = item->tid;
	item->in.tid.len = item->tid_len;
	item->in.payload = item->payload;
	item->in.payload_len = item->payload_len;

	if (item->fields_json != NULL)
	{
		const char *sqlstate;
		char	   *message;
		Jsonb	   *jsonb;

		switch (tm_fields_from_json(item->fields_json, item->fields_json_len,
									item->in.field, &jsonb, &sqlstate, &message))
		{
			case TM_FIELDS_OK:
				break;
			case TM_FIELDS_NOT_OBJECT:
				item_reject(item, "22023", "record fields must be a JSON object");
				return;
			case TM_FIELDS_INVALID:
				item->fields_json_bad = true;
				item_reject(item, sqlstate, message);
				return;
			case TM_FIELDS_USE_JSONB:
				item->fields = jsonb;
				break;
		}
	}
	if (!item_read_fields(item))
	{
		item_reject(item, "22023", "record fields must be a JSON object");
		return;
	}

	limits.tids = telemetrics_tids ? telemetrics_tids : "";
	limits.max_payload = (size_t) telemetrics_max_payload_bytes;
	need = tm_scratch_size(&item->in);
	item->scratch = palloc(need);
	if (!tm_validate(&item->in, &limits, &item->rec, item->scratch, need, &err))
	{
		item_reject(item, err.sqlstate, err.message);
		return;
	}
	if (item->rec.has_event_id)
	{
		int			i;

		for (i = 0; i < UUID_LEN; i++)
			item->event_uuid.data[i] = (unsigned char)
				((hex_value(item->rec.event_id.ptr[2 * i]) << 4) |
				 hex_value(item->rec.event_id.ptr[2 * i + 1]));
	}
}

/* ----------------------------------------------------------------
 * Building column values
 * ----------------------------------------------------------------
 */

static Datum
text_datum(TmStr s)
{
	return PointerGetDatum(cstring_to_text_with_len(s.ptr, (int) s.len));
}

/*
 * payload_datum
 *		The payload as text: as is when it is valid UTF-8, else read as
 *		Latin-1 (every byte is the character of that code point).  The
 *		install script guarantees a UTF8 database.
 */
static Datum
payload_datum(const IngestItem *item)
{
	const unsigned char *p = item->payload;
	size_t		len = item->payload_len;
	text	   *t;
	unsigned char *d;
	size_t		i;

	if (item->rec.payload_utf8)
		return PointerGetDatum(cstring_to_text_with_len((const char *) p, (int) len));

	/* Latin-1: at most two UTF-8 bytes per byte */
	if (len > (size_t) (MaxAllocSize - VARHDRSZ) / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("payload of %zu bytes is too large to store", len)));
	t = (text *) palloc(VARHDRSZ + 2 * len);
	d = (unsigned char *) VARDATA(t);
	for (i = 0; i < len; i++)
	{
		if (p[i] < 0x80)
			*d++ = p[i];
		else
		{
			*d++ = (unsigned char) (0xC0 | (p[i] >> 6));
			*d++ = (unsigned char) (0x80 | (p[i] & 0x3F));
		}
	}
	SET_VARSIZE(t, VARHDRSZ + (d - (unsigned char *) VARDATA(t)));
	return PointerGetDatum(t);
}

/* Unix seconds to TimestampTz. */
static TimestampTz
unix_to_timestamptz(int64 secs)
{
	return (TimestampTz) ((secs - ((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY))
						  * USECS_PER_SEC);
}

/* A one-dimensional array of n datums of type elemtype. */
static Datum
make_array(Datum *values, bool *nulls, int n, Oid elemtype)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			dims[1];
	int			lbs[1];

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	dims[0] = n;
	lbs[0] = 1;
	return PointerGetDatum(construct_md_array(values, nulls, 1, dims, lbs,
											  elemtype, typlen, typbyval, typalign));
}

/* ----------------------------------------------------------------
 * Storing
 * ----------------------------------------------------------------
 */

/*
 * The store statement of several records: claim the duplicate-detection
 * keys of the records that have one, and insert every record that has no
 * key or got its key, in one statement.  The first and third %s are the
 * inputs of the keys and of the records, their unnested arrays (read twice
 * rather than through a CTE, which would copy every payload into a
 * tuplestore); the second is the claim's claim_clause, the fourth its
 * store_filter, the fifth the record_fn of the JSON returned.  Returns the
 * id and JSON of every stored record; a record with a key that is not
 * returned is a duplicate.
 *
 * One record takes two plain statements instead (claim_one_sql, then
 * insert_one_sql if it has no key or got it): their executor start-up
 * costs less than that of this one's two ModifyTable nodes, CTE and
 * subplan, which was a tenth of a one-record ingest().
 */
static const char store_sql[] =
"WITH claimed AS ("
" INSERT INTO telemetrics.record_keys AS k (event_id, machine_id, record_id, received_at)"
" SELECT kk.ekey, kk.machine_id, kk.id, $2 FROM (%s) AS kk WHERE kk.ekey IS NOT NULL"
"%s RETURNING k.record_id) "
"INSERT INTO telemetrics.records AS r (id, received_at, created_at, machine_id, "
"host_type, arch, classification, severity, build, kernel_version, record_version, "
"payload_version, system_name, board_name, cpu_model, bios_version, event_id, "
"external, payload) "
"SELECT i.id, $2, i.created_at, i.machine_id, i.host_type, i.arch, i.classification, "
"i.severity, i.build, i.kernel_version, i.record_version, i.payload_version, "
"i.system_name, i.board_name, i.cpu_model, i.bios_version, i.event_id, i.external, "
"i.payload FROM (%s) AS i%s "
"RETURNING r.id, %s(r)";

/* The keys' input and the records' input, arrays. */
static const char keys_input_many[] =
"SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($4), "
"pg_catalog.unnest($20)) AS u(id, machine_id, ekey)";

static const char store_input_many[] =
"SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($3), "
"pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6), "
"pg_catalog.unnest($7), pg_catalog.unnest($8), pg_catalog.unnest($9), "
"pg_catalog.unnest($10), pg_catalog.unnest($11), pg_catalog.unnest($12), "
"pg_catalog.unnest($13), pg_catalog.unnest($14), pg_catalog.unnest($15), "
"pg_catalog.unnest($16), pg_catalog.unnest($17), pg_catalog.unnest($18), "
"pg_catalog.unnest($19), pg_catalog.unnest($20)) AS u(id, created_at, machine_id, "
"host_type, arch, classification, severity, build, kernel_version, record_version, "
"payload_version, system_name, board_name, cpu_model, bios_version, event_id, "
"external, payload, ekey)";

/* One record's key claim: $1 event id, $2 machine id, $3 record id, $4 received_at. */
static const char claim_one_sql[] =
"INSERT INTO telemetrics.record_keys (event_id, machine_id, record_id, received_at) "
"VALUES ($1, $2, $3, $4)%s";

/*
 * What each ClaimMode appends to a claim, and which records the store
 * statement then inserts: all of them when every claim either succeeds or
 * fails the statement (the claims still run: PostgreSQL runs a
 * data-modifying WITH query to completion even when nothing reads it).
 */
static const char *const claim_clause[NUM_CLAIM_MODES] = {
	[CLAIM_PLAIN] = "",
	[CLAIM_SKIP_TAKEN] = " ON CONFLICT (event_id, machine_id) DO NOTHING"
};
static const char *const store_filter[NUM_CLAIM_MODES] = {
	[CLAIM_PLAIN] = "",
	[CLAIM_SKIP_TAKEN] = " WHERE i.ekey IS NULL OR i.id IN (SELECT c.record_id FROM claimed c)"
};

/*
 * One record's insert: the store statement's parameters but the last (the
 * key); %s is the record_fn.
 */
static const char insert_one_sql[] =
"INSERT INTO telemetrics.records AS r (id, received_at, created_at, machine_id, "
"host_type, arch, classification, severity, build, kernel_version, record_version, "
"payload_version, system_name, board_name, cpu_model, bios_version, event_id, "
"external, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
"$13, $14, $15, $16, $17, $18, $19) RETURNING r.id, %s(r)";

/* Element types of the store statement's parameters. */
static const Oid store_types[STORE_NPARAMS] = {
	INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	INT2OID, TEXTOID, TEXTOID, INT2OID, INT4OID, TEXTOID, TEXTOID, TEXTOID,
	TEXTOID, TEXTOID, BOOLOID, TEXTOID, UUIDOID
};

/*
 * The plans, each prepared when first used: a backend that serves only the
 * gateway never prepares the jsonb forms, nor the ON CONFLICT ones until a
 * record comes twice.
 */
static SPIPlanPtr
claim_one_plan(ClaimMode mode)
{
	if (plan_claim_one[mode] == NULL)
	{
		Oid			types[4] = {UUIDOID, TEXTOID, INT8OID, TIMESTAMPTZOID};

		plan_claim_one[mode] = tm_prepare_kept(psprintf(claim_one_sql, claim_clause[mode]),
											   4, types);
	}
	return plan_claim_one[mode];
}

static SPIPlanPtr
insert_one_plan(RecordForm form)
{
	if (plan_insert_one[form] == NULL)
		plan_insert_one[form] = tm_prepare_kept(psprintf(insert_one_sql, record_fn[form]),
												STORE_NPARAMS - 1, (Oid *) store_types);
	return plan_insert_one[form];
}

static SPIPlanPtr
store_many_plan(ClaimMode mode, RecordForm form)
{
	if (plan_store_many[mode][form] == NULL)
	{
		Oid			types[STORE_NPARAMS];
		int			i;

		for (i = 0; i < STORE_NPARAMS; i++)
			types[i] = (i == STORE_RECEIVED_AT) ? store_types[i] : get_array_type(store_types[i]);
		plan_store_many[mode][form] =
			tm_prepare_kept(psprintf(store_sql, keys_input_many, claim_clause[mode],
									 store_input_many, store_filter[mode], record_fn[form]),
							STORE_NPARAMS, types);
	}
	return plan_store_many[mode][form];
}

static SPIPlanPtr
duplicates_plan(RecordForm form)
{
	if (plan_duplicates[form] == NULL)
	{
		Oid			types[2] = {UUIDARRAYOID, TEXTARRAYOID};

		plan_duplicates[form] = tm_prepare_kept(psprintf(
			"SELECT u.e, u.m, CASE WHEN r.id IS NULL THEN NULL "
			"ELSE %s(r) END "
			"FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) AS u(e, m) "
			"JOIN telemetrics.record_keys k ON k.event_id OPERATOR(pg_catalog.=) u.e "
			"AND k.machine_id OPERATOR(pg_catalog.=) u.m "
			"LEFT JOIN telemetrics.records r ON r.id OPERATOR(pg_catalog.=) k.record_id "
			"AND r.received_at OPERATOR(pg_catalog.=) k.received_at", record_fn[form]),
			2, types);
	}
	return plan_duplicates[form];
}

static SPIPlanPtr
drop_key_plan(void)
{
	if (plan_drop_key == NULL)
	{
		Oid			types[2] = {UUIDOID, TEXTOID};

		plan_drop_key = tm_prepare_kept(
			"DELETE FROM telemetrics.record_keys "
			"WHERE event_id OPERATOR(pg_catalog.=) $1 AND machine_id OPERATOR(pg_catalog.=) $2",
			2, types);
	}
	return plan_drop_key;
}

static bool
same_key(const IngestItem *a, const IngestItem *b)
{
	return a->rec.has_event_id && b->rec.has_event_id &&
		memcmp(a->event_uuid.data, b->event_uuid.data, UUID_LEN) == 0 &&
		a->rec.machine_id.len == b->rec.machine_id.len &&
		memcmp(a->rec.machine_id.ptr, b->rec.machine_id.ptr, a->rec.machine_id.len) == 0;
}

static bool
item_has_key(const IngestItem *item, const pg_uuid_t *uuid, const text *machine)
{
	return item->rec.has_event_id &&
		memcmp(item->event_uuid.data, uuid->data, UUID_LEN) == 0 &&
		item->rec.machine_id.len == VARSIZE_ANY_EXHDR(machine) &&
		memcmp(item->rec.machine_id.ptr, VARDATA_ANY(machine), item->rec.machine_id.len) == 0;
}

/*
 * store_values
 *		Fill values/nulls with the store statement's parameters for item: the
 *		column values of one record.
 */
static void
store_values(IngestItem *it, TimestampTz received_at, Datum *v, bool *isnull)
{
	TmRecord   *r = &it->rec;

	memset(isnull, 0, sizeof(bool) * STORE_NPARAMS);
	v[0] = Int64GetDatum(it->id);
	v[1] = TimestampTzGetDatum(received_at);
	v[2] = TimestampTzGetDatum(unix_to_timestamptz(r->created));
	v[3] = text_datum(r->machine_id);
	v[4] = text_datum(r->host_type);
	v[5] = text_datum(r->arch);
	v[6] = text_datum(r->classification);
	v[7] = Int16GetDatum((int16) r->severity);
	v[8] = text_datum(r->build);
	v[9] = text_datum(r->kernel_version);
	v[10] = Int16GetDatum((int16) r->record_version);
	v[11] = Int32GetDatum(r->payload_version);
	isnull[11] = !r->has_payload_version;
	if (r->system_name.ptr != NULL)
		v[12] = text_datum(r->system_name);
	else
		isnull[12] = true;
	v[13] = text_datum(r->board_name);
	v[14] = text_datum(r->cpu_model);
	v[15] = text_datum(r->bios_version);
	v[16] = text_datum(r->event_id);
	v[17] = BoolGetDatum(r->external);
	v[18] = payload_datum(it);
	v[19] = UUIDPGetDatum(&it->event_uuid);
	isnull[19] = !r->has_event_id;
}

/*
 * store_pending
 *		Store the items[] in state ITEM_VALID (one: the key claim, then the
 *		insert; several: the store statement), claiming keys in mode: those
 *		stored become ITEM_STORED; those with a key that was already claimed
 *		become ITEM_DUPLICATE (CLAIM_SKIP_TAKEN) or raise unique_violation
 *		(CLAIM_PLAIN).  JSON is copied into result_cxt.
 */
static void
store_pending(IngestItem **items, int n, TimestampTz received_at,
			  ClaimMode mode, RecordForm form, MemoryContext result_cxt)
{
	Datum		args[STORE_NPARAMS];
	char		nulls[STORE_NPARAMS];
	int			npending = 0,
				i,
				c,
				ret;
	uint64		row;

	for (i = 0; i < n; i++)
		if (items[i]->state == ITEM_VALID)
			npending++;
	if (npending == 0)
		return;

	if (npending == 1)
	{
		bool		isnull[STORE_NPARAMS];

		for (i = 0; items[i]->state != ITEM_VALID; i++)
			;
		store_values(items[i], received_at, args, isnull);
		for (c = 0; c < STORE_NPARAMS; c++)
			nulls[c] = isnull[c] ? 'n' : ' ';
		if (items[i]->rec.has_event_id)
		{
			Datum		kargs[4] = {args[STORE_KEY], args[STORE_MACHINE_ID],
								   args[STORE_ID], args[STORE_RECEIVED_AT]};
			bool		claimed;

			/* a plain claim without the executor, if the table allows */
			if (mode == CLAIM_PLAIN &&
				tm_claim_key(&items[i]->event_uuid, args[STORE_MACHINE_ID],
							 items[i]->id, received_at))
				claimed = true;
			else
			{
				ret = SPI_execute_plan(claim_one_plan(mode), kargs, NULL, false, 0);
				if (ret != SPI_OK_INSERT)
					elog(ERROR, "claiming the key failed: %s", SPI_result_code_string(ret));
				claimed = (SPI_processed > 0);
			}
			if (!claimed)
			{
				items[i]->state = ITEM_DUPLICATE;
				items[i]->json = NULL;
				return;
			}
		}
		ret = SPI_execute_plan(insert_one_plan(form), args, nulls, false, 0);
	}
	else
	{
		Datum	   *cols[STORE_NPARAMS];
		bool	   *colnulls[STORE_NPARAMS];
		int			k = 0;

		for (c = 0; c < STORE_NPARAMS; c++)
		{
			cols[c] = palloc(sizeof(Datum) * npending);
			colnulls[c] = palloc(sizeof(bool) * npending);
		}
		for (i = 0; i < n; i++)
		{
			Datum		v[STORE_NPARAMS];
			bool		isnull[STORE_NPARAMS];

			if (items[i]->state != ITEM_VALID)
				continue;
			store_values(items[i], received_at, v, isnull);
			for (c = 0; c < STORE_NPARAMS; c++)
			{
				cols[c][k] = v[c];
				colnulls[c][k] = isnull[c];
			}
			k++;
		}
		for (c = 0; c < STORE_NPARAMS; c++)
		{
			nulls[c] = ' ';
			args[c] = (c == STORE_RECEIVED_AT) ? cols[c][0] :
				make_array(cols[c], colnulls[c], npending, store_types[c]);
		}
		ret = SPI_execute_plan(store_many_plan(mode, form), args, nulls, false, 0);
	}
	if (ret != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "storing records failed: %s", SPI_result_code_string(ret));

	for (row = 0; row < SPI_processed; row++)
	{
		HeapTuple	tup = SPI_tuptable->vals[row];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		Datum		json = SPI_getbinval(tup, desc, 2, &isnull);

		for (i = 0; i < n; i++)
			if (items[i]->state == ITEM_VALID && items[i]->id == id)
			{
				MemoryContext old = MemoryContextSwitchTo(result_cxt);

				items[i]->json = PG_DETOAST_DATUM_COPY(json);
				MemoryContextSwitchTo(old);
				items[i]->state = ITEM_STORED;
				break;
			}
	}
	SPI_freetuptable(SPI_tuptable);

	for (i = 0; i < n; i++)
		if (items[i]->state == ITEM_VALID)
		{
			/* only a record with a key can be left out */
			if (!items[i]->rec.has_event_id)
				elog(ERROR, "record %d was not stored", items[i]->ord);
			items[i]->state = ITEM_DUPLICATE;
			items[i]->json = NULL;
		}
}

/*
 * resolve_duplicates
 *		Find the stored record of every ITEM_DUPLICATE without JSON: one
 *		stored earlier in this batch, or one found through its key.  A key
 *		whose record no longer exists (deleted by hand) is dropped and the
 *		item goes back to ITEM_VALID.  Returns true if any did.
 */
static bool
resolve_duplicates(IngestItem **items, int n, RecordForm form, MemoryContext result_cxt)
{
	Datum	   *uuids = palloc(sizeof(Datum) * n);
	Datum	   *machines = palloc(sizeof(Datum) * n);
	Datum		args[2];
	int			nlook = 0,
				i,
				j,
				ret;
	uint64		row;
	bool		stale = false;

	for (i = 0; i < n; i++)
	{
		IngestItem *it = items[i];

		if (it->state != ITEM_DUPLICATE || it->json != NULL)
			continue;
		for (j = 0; j < n && it->json == NULL; j++)
			if (items[j]->state == ITEM_STORED && same_key(items[j], it))
				it->json = items[j]->json;
		if (it->json == NULL)
		{
			uuids[nlook] = UUIDPGetDatum(&it->event_uuid);
			machines[nlook] = text_datum(it->rec.machine_id);
			nlook++;
		}
	}
	if (nlook == 0)
		return false;

	args[0] = make_array(uuids, NULL, nlook, UUIDOID);
	args[1] = make_array(machines, NULL, nlook, TEXTOID);
	ret = SPI_execute_plan(duplicates_plan(form), args, NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "looking up duplicates failed: %s", SPI_result_code_string(ret));
	for (row = 0; row < SPI_processed; row++)
	{
		HeapTuple	tup = SPI_tuptable->vals[row];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		n1,
					n2,
					n3;
		pg_uuid_t  *uuid = DatumGetUUIDP(SPI_getbinval(tup, desc, 1, &n1));
		text	   *machine = DatumGetTextPP(SPI_getbinval(tup, desc, 2, &n2));
		Datum		json = SPI_getbinval(tup, desc, 3, &n3);

		for (i = 0; i < n; i++)
		{
			IngestItem *it = items[i];

			if (it->state != ITEM_DUPLICATE || it->json != NULL || !item_has_key(it, uuid, machine))
				continue;
			if (n3)
			{
				it->state = ITEM_VALID;
				stale = true;
			}
			else
			{
				MemoryContext old = MemoryContextSwitchTo(result_cxt);

				it->json = PG_DETOAST_DATUM_COPY(json);
				MemoryContextSwitchTo(old);
			}
		}
	}
	SPI_freetuptable(SPI_tuptable);

	/* drop the stale keys, once each */
	for (i = 0; i < n; i++)
	{
		IngestItem *it = items[i];
		bool		first = true;

		if (it->state != ITEM_VALID)
			continue;
		for (j = 0; j < i; j++)
			if (items[j]->state == ITEM_VALID && same_key(items[j], it))
				first = false;
		if (first)
		{
			args[0] = UUIDPGetDatum(&it->event_uuid);
			args[1] = text_datum(it->rec.machine_id);
			if (SPI_execute_plan(drop_key_plan(), args, NULL, false, 0) != SPI_OK_DELETE)
				elog(ERROR, "dropping a stale record key failed");
		}
	}
	return stale;
}

/*
 * store_items
 *		Step 3 of the pipeline for items[0..n): store them (store_pending),
 *		claiming keys in mode, then look up the duplicates' originals.
 *		Errors propagate (the
 *		caller runs this in a subtransaction: store_in_subxact).  received_at
 *		is the reception time of all of them.  JSON results are copied into
 *		result_cxt.
 */
static void
store_items(IngestItem **items, int n, TimestampTz received_at,
			ClaimMode mode, RecordForm form, MemoryContext result_cxt)
{
	int			round,
				i;

	for (round = 0; round < 2; round++)
	{
		store_pending(items, n, received_at, mode, form, result_cxt);
		if (!resolve_duplicates(items, n, form, result_cxt))
			break;
	}
	for (i = 0; i < n; i++)
		if (items[i]->state == ITEM_VALID ||
			(items[i]->state == ITEM_DUPLICATE && items[i]->json == NULL))
			elog(ERROR, "record %d was neither stored nor found to be a duplicate",
				 items[i]->ord);
}

/* Is this error about the record's data (and so the record's fault)? */
static bool
is_data_error(int sqlerrcode)
{
	int			category = ERRCODE_TO_CATEGORY(sqlerrcode);

	return category == ERRCODE_DATA_EXCEPTION ||
		category == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION ||
		sqlerrcode == ERRCODE_PROGRAM_LIMIT_EXCEEDED;
}

/* store_items' arguments, for tm_in_subxact */
typedef struct StoreArgs
{
	IngestItem **items;
	int			n;
	TimestampTz received_at;
	ClaimMode	mode;
	RecordForm	form;
	MemoryContext result_cxt;
} StoreArgs;

static void
store_work(void *arg)
{
	StoreArgs  *a = arg;

	store_items(a->items, a->n, a->received_at, a->mode, a->form, a->result_cxt);
}

/*
 * store_in_subxact
 *		Run store_items in a subtransaction.  Returns NULL on success; on a
 *		data error, returns the error (the subtransaction is rolled back and
 *		the items are back in their state before the call).  Other errors are
 *		re-thrown.
 */
static ErrorData *
store_in_subxact(IngestItem **items, int n, TimestampTz received_at,
				 ClaimMode mode, RecordForm form, MemoryContext result_cxt)
{
	StoreArgs	args = {items, n, received_at, mode, form, result_cxt};
	ItemState  *saved = palloc(sizeof(ItemState) * n);
	ErrorData  *edata;
	int			i;

	for (i = 0; i < n; i++)
		saved[i] = items[i]->state;
	edata = tm_in_subxact(store_work, &args, is_data_error);
	if (edata != NULL)
	{
		for (i = 0; i < n; i++)
		{
			items[i]->state = saved[i];
			items[i]->json = NULL;
		}
	}
	return edata;
}

/*
 * Did a CLAIM_PLAIN store fail only because a key was already claimed?
 * That is the unique violation of record_keys' primary key, nothing else.
 */
static bool
is_key_taken(const ErrorData *edata)
{
	return edata->sqlerrcode == ERRCODE_UNIQUE_VIOLATION &&
		edata->schema_name != NULL && strcmp(edata->schema_name, "telemetrics") == 0 &&
		edata->constraint_name != NULL &&
		strcmp(edata->constraint_name, "record_keys_pkey") == 0;
}

/* Reject an item for the error that storing it raised. */
static void
store_rejected(IngestItem *item, ErrorData *edata)
{
	item_reject(item, unpack_sql_state(edata->sqlerrcode),
				edata->message ? edata->message : "record could not be stored");
}

/*
 * ingest_items
 *		The whole pipeline over items[0..n).  Must be called inside
 *		SPI_connect().  On return every item is stored, a duplicate, or
 *		rejected (and quarantined when quarantine_here is true; otherwise the
 *		caller quarantines).  The stored records' JSON is in form.
 */
static void
ingest_items(IngestItem *items, int n, bool quarantine_here, RecordForm form,
			 MemoryContext result_cxt)
{
	TimestampTz received_at = GetCurrentTimestamp();
	IngestItem **valid = palloc(sizeof(IngestItem *) * Max(n, 1));
	ErrorData  *edata;
	Oid			seq;
	int			nvalid = 0,
				i;

	for (i = 0; i < n; i++)
	{
		item_validate(&items[i]);
		if (items[i].state == ITEM_VALID)
			valid[nvalid++] = &items[i];
	}

	if (nvalid > 0)
	{
		seq = get_relname_relid("records_id_seq", get_namespace_oid("telemetrics", false));
		if (!OidIsValid(seq))
			elog(ERROR, "sequence telemetrics.records_id_seq is missing");
		for (i = 0; i < nvalid; i++)
			valid[i]->id = nextval_internal(seq, false);

		tm_ensure_partition(received_at);

		/*
		 * Store in a subtransaction, so that a record that passed validation
		 * but fails to store anyway with a data error (is_data_error: a
		 * constraint an admin added, say) is rejected and quarantined alone,
		 * with its own SQLSTATE and message, whatever it was batched with.
		 * One subtransaction costs no measurable time next to the store
		 * itself (but many calls in one transaction overflow the backend's
		 * subtransaction cache: the README says to batch them instead).
		 * The first attempt claims the keys with plain INSERTs (ClaimMode);
		 * if one was taken, the second tells the duplicates apart.
		 */
		edata = store_in_subxact(valid, nvalid, received_at, CLAIM_PLAIN, form,
								 result_cxt);
		if (edata != NULL && is_key_taken(edata))
			edata = store_in_subxact(valid, nvalid, received_at, CLAIM_SKIP_TAKEN, form,
									 result_cxt);
		if (edata != NULL && nvalid == 1)
			store_rejected(valid[0], edata);
		else if (edata != NULL)
		{
			/* some record broke the batch: one at a time, to find it */
			for (i = 0; i < nvalid; i++)
			{
				edata = store_in_subxact(&valid[i], 1, received_at, CLAIM_SKIP_TAKEN, form,
										 result_cxt);
				if (edata != NULL)
					store_rejected(valid[i], edata);
			}
		}
	}

	if (quarantine_here)
	{
		for (i = 0; i < n; i++)
		{
			TmRejected	rej;

			if (items[i].state != ITEM_REJECTED)
				continue;
			rej.sqlstate = items[i].sqlstate;
			rej.message = items[i].message;
			rej.fields = item_fields_jsonb(&items[i]);
			rej.tid = items[i].tid ? pnstrdup(items[i].tid, items[i].tid_len) : NULL;
			rej.payload = items[i].payload;
			rej.payload_len = items[i].payload_len;
			tm_quarantine_in_xact(&rej);
		}
	}
}

static const char *
outcome_name(ItemState s)
{
	switch (s)
	{
		case ITEM_STORED:
			return "stored";
		case ITEM_DUPLICATE:
			return "duplicate";
		case ITEM_REJECTED:
			return "rejected";
		default:
			return "pending";
	}
}

/*
 * item_from_args
 *		An item from one record's arguments: fields as jsonb, or as JSON text
 *		when fields_are_text; payload bytea; tid text.
 */
static void
item_from_args(IngestItem *item, int ord, Datum fields, bool fields_null, bool fields_are_text,
			   Datum payload, bool payload_null, Datum tid, bool tid_null)
{
	memset(item, 0, sizeof(*item));
	item->ord = ord;
	item->cxt = CurrentMemoryContext;
	if (!fields_null && fields_are_text)
	{
		text	   *t = DatumGetTextPP(fields);

		item->fields_json = VARDATA_ANY(t);
		item->fields_json_len = VARSIZE_ANY_EXHDR(t);
	}
	else if (!fields_null)
		item->fields = DatumGetJsonbP(fields);
	if (!payload_null)
	{
		bytea	   *b = DatumGetByteaPP(payload);

		item->payload = (const unsigned char *) VARDATA_ANY(b);
		item->payload_len = VARSIZE_ANY_EXHDR(b);
	}
	if (!tid_null)
	{
		text	   *t = DatumGetTextPP(tid);

		item->tid = VARDATA_ANY(t);
		item->tid_len = VARSIZE_ANY_EXHDR(t);
	}
}

/* ----------------------------------------------------------------
 * SQL-callable functions
 * ----------------------------------------------------------------
 */

/*
 * telemetrics_ingest(fields jsonb, payload bytea, tid text,
 *					  OUT outcome text, OUT record jsonb)
 *		Store one record; outcome is 'stored' or 'duplicate', record the
 *		stored record as JSON.  A rejected record raises its SQLSTATE and the
 *		reference's message (or, for a record that validated but failed to
 *		store, the storage error's), after being quarantined autonomously.
 */
Datum
telemetrics_ingest(PG_FUNCTION_ARGS)
{
	MemoryContext callcxt = CurrentMemoryContext;
	IngestItem	item;
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	item_from_args(&item, 1,
				   PG_GETARG_DATUM(0), PG_ARGISNULL(0), false,
				   PG_GETARG_DATUM(1), PG_ARGISNULL(1),
				   PG_GETARG_DATUM(2), PG_ARGISNULL(2));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ingest_items(&item, 1, false, FORM_JSONB, callcxt);
	SPI_finish();

	if (item.state == ITEM_REJECTED)
	{
		TmRejected	rej;
		int			code;
		bool		kept;

		rej.sqlstate = item.sqlstate;
		rej.message = item.message;
		rej.fields = item.fields;
		rej.tid = item.tid ? pnstrdup(item.tid, item.tid_len) : NULL;
		rej.payload = item.payload;
		rej.payload_len = item.payload_len;
		kept = tm_quarantine_autonomous(&rej);

		tm_sqlstate_errcode(item.sqlstate, &code);
		ereport(ERROR,
				(errcode(code),
				 errmsg("%s", item.message),
				 kept ? errdetail("The record was kept in telemetrics.quarantine.") :
				 errdetail("The record could not be kept in telemetrics.quarantine.")));
	}

	values[0] = CStringGetTextDatum(outcome_name(item.state));
	values[1] = PointerGetDatum(item.json);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* The elements of a 1-D array argument (none if NULL). */
static void
array_arg(FunctionCallInfo fcinfo, int argno, Oid elemtype,
		  Datum **values, bool **nulls, int *n)
{
	ArrayType  *arr;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	*values = NULL;
	*nulls = NULL;
	*n = 0;
	if (PG_ARGISNULL(argno))
		return;
	arr = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("ingest_batch takes one-dimensional arrays")));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, values, nulls, n);
}

/*
 * ingest_batch_common
 *		telemetrics_api.ingest_batch(fields jsonb[], payloads bytea[],
 *		tids text[]) and ingest_batch_text(fields text[], ...), both
 *		RETURNS TABLE (ord int, outcome text, sqlstate text, message text,
 *		record jsonb) (ingest_batch_text: record json)
 *		Store many records in one call and one transaction; one row per
 *		record, in input order.  Rejections do not raise: they are reported
 *		in their row and quarantined in this transaction.  tids may have one
 *		element, which then applies to every record, or one per record.
 *		With fields as text, each element is JSON text, read without making
 *		jsonb of it (fields_json.c); one that is not JSON is rejected alone.
 */
static Datum
ingest_batch_common(FunctionCallInfo fcinfo, bool fields_are_text)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext callcxt = CurrentMemoryContext;
	Datum	   *fv,
			   *pv,
			   *tv;
	bool	   *fn,
			   *pn,
			   *tn;
	int			nf,
				np,
				nt,
				i;
	IngestItem *items;

	InitMaterializedSRF(fcinfo, 0);

	array_arg(fcinfo, 0, fields_are_text ? TEXTOID : JSONBOID, &fv, &fn, &nf);
	array_arg(fcinfo, 1, BYTEAOID, &pv, &pn, &np);
	array_arg(fcinfo, 2, TEXTOID, &tv, &tn, &nt);
	if (np != nf && np != 0)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("ingest_batch got %d field sets but %d payloads", nf, np)));
	if (nt != nf && nt > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("ingest_batch got %d field sets but %d telemetry ids", nf, nt)));
	if (nf == 0)
		return (Datum) 0;

	items = palloc(sizeof(IngestItem) * nf);
	for (i = 0; i < nf; i++)
	{
		int			ti = (nt == 1) ? 0 : i;

		item_from_args(&items[i], i + 1,
					   fv[i], fn[i], fields_are_text,
					   np ? pv[i] : (Datum) 0, np ? pn[i] : true,
					   nt ? tv[ti] : (Datum) 0, nt ? tn[ti] : true);
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ingest_items(items, nf, true, fields_are_text ? FORM_TEXT : FORM_JSONB, callcxt);
	SPI_finish();

	for (i = 0; i < nf; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = Int32GetDatum(items[i].ord);
		values[1] = CStringGetTextDatum(outcome_name(items[i].state));
		if (items[i].state == ITEM_REJECTED)
		{
			values[2] = CStringGetTextDatum(items[i].sqlstate);
			values[3] = CStringGetTextDatum(items[i].message);
			nulls[4] = true;
		}
		else
		{
			nulls[2] = nulls[3] = true;
			values[4] = PointerGetDatum(items[i].json);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ingest_batch(p_fields jsonb[], p_payloads bytea[], p_tids text[]) */
Datum
telemetrics_ingest_batch(PG_FUNCTION_ARGS)
{
	return ingest_batch_common(fcinfo, false);
}

/* ingest_batch_text(p_fields text[], p_payloads bytea[], p_tids text[]) */
Datum
telemetrics_ingest_batch_text(PG_FUNCTION_ARGS)
{
	return ingest_batch_common(fcinfo, true);
}

/*
 * tm_sqlstate_errcode
 *		The errcode() value of a five-character SQLSTATE.
 */
void
tm_sqlstate_errcode(const char *s, int *code)
{
	*code = MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4]);
}
