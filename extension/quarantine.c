/*-------------------------------------------------------------------------
 *
 * quarantine.c
 *		Keep rejected records in telemetrics.quarantine.
 *
 * A row is keyed by a SHA-256 of what the record arrived with (telemetry
 * id, fields, payload).  The real client re-sends a rejected record every
 * few minutes for up to 20 hours; a re-sent record finds its row and only
 * raises its repeat count.  The table is bounded by
 * telemetrics.quarantine_max_rows (telemetrics.quarantine_add evicts the
 * least recently seen rows) and keeps at most
 * telemetrics.quarantine_payload_bytes of each payload.
 *
 * Three ways in:
 *	- tm_quarantine_in_xact(): in the caller's transaction.  ingest_batch
 *	  uses it; it reports rejections as rows and commits normally.
 *	- telemetrics_api.quarantine_request(): SQL-callable, in the caller's
 *	  transaction, for a request that a transport refused before it could
 *	  become a record (the gateway's v3 body that is not JSON, say).
 *	- tm_quarantine_autonomous(): in a transaction of its own, run by a
 *	  short-lived dynamic background worker, because the single-record
 *	  ingest() raises an error right after, which would roll back a row
 *	  written in its own transaction.  The caller waits for the worker.
 *	  The data travels in a dynamic shared memory segment.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/procsignal.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "telemetrics.h"

PGDLLEXPORT void telemetrics_quarantine_worker_main(Datum main_arg);

PG_FUNCTION_INFO_V1(telemetrics_quarantine_request);

/* Longest message quarantine_request takes. */
#define QUARANTINE_MESSAGE_BYTES 1000

/* Longest classification or machine id copied into their own columns. */
#define QUARANTINE_LABEL_BYTES 256

/* A rejection, flattened into the strings telemetrics.quarantine_add takes. */
typedef struct QuarantineRow
{
	uint8		key[PG_SHA256_DIGEST_LENGTH];
	char	   *str[7];			/* see QR_* below; NULL = SQL NULL */
	int32		payload_bytes;
	int32		max_rows;
} QuarantineRow;

#define QR_SQLSTATE			0
#define QR_MESSAGE			1
#define QR_CLASSIFICATION	2
#define QR_MACHINE_ID		3
#define QR_FIELDS			4	/* jsonb, as text */
#define QR_TID				5
#define QR_EXCERPT			6
#define QR_NSTR				7

/* What the background worker finds in its segment. */
typedef struct QuarantineMsg
{
	bool		done;			/* set by the worker after its commit */
	int32		payload_bytes;
	int32		max_rows;
	uint8		key[PG_SHA256_DIGEST_LENGTH];
	int32		len[QR_NSTR];	/* -1 = NULL */
	Size		off[QR_NSTR];
	char		data[FLEXIBLE_ARRAY_MEMBER];
} QuarantineMsg;

static const char quarantine_sql[] =
"SELECT telemetrics.quarantine_add($1, $2, $3, $4, $5, $6::pg_catalog.jsonb, $7, $8, $9, $10)";

/*
 * field_label
 *		The string value of one record field in fields, clipped to
 *		QUARANTINE_LABEL_BYTES on a character boundary; NULL if absent.
 */
static char *
field_label(Jsonb *fields, TmFieldId want)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;

	if (fields == NULL || !JB_ROOT_IS_OBJECT(fields) || JB_ROOT_IS_SCALAR(fields))
		return NULL;
	it = JsonbIteratorInit(&fields->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		int			f;

		if (tok != WJB_KEY)
			continue;
		f = tm_field_lookup(v.val.string.val, v.val.string.len);
		tok = JsonbIteratorNext(&it, &v, true);
		if (f == (int) want && v.type == jbvString)
		{
			int			len = pg_mbcliplen(v.val.string.val, v.val.string.len,
										   QUARANTINE_LABEL_BYTES);

			return pnstrdup(v.val.string.val, len);
		}
	}
	return NULL;
}

/*
 * payload_excerpt
 *		The first max bytes of the payload as a string in the database
 *		encoding (UTF8): read as UTF-8 if that part is valid UTF-8 (an
 *		incomplete last character is dropped), else as Latin-1.  NUL bytes
 *		become U+FFFD, so this never fails.
 */
static char *
payload_excerpt(const unsigned char *p, size_t len, size_t max)
{
	StringInfoData buf;
	size_t		n = Min(len, max);
	bool		utf8;
	size_t		i;

	/* drop a character cut in half by the limit */
	while (n > 0 && n < len && (p[n] & 0xC0) == 0x80)
		n--;
	utf8 = tm_utf8_valid(p, n);

	initStringInfo(&buf);
	for (i = 0; i < n; i++)
	{
		unsigned char c = p[i];

		if (c == 0)
			appendStringInfoString(&buf, "\xEF\xBF\xBD");
		else if (c < 0x80 || utf8)
			appendStringInfoChar(&buf, (char) c);
		else
		{
			appendStringInfoChar(&buf, (char) (0xC0 | (c >> 6)));
			appendStringInfoChar(&buf, (char) (0x80 | (c & 0x3F)));
		}
	}
	return buf.data;
}

/*
 * quarantine_row
 *		Flatten a rejection.  All strings are palloc'd in the current context.
 */
static void
quarantine_row(const TmRejected *rej, QuarantineRow *row)
{
	pg_cryptohash_ctx *ctx;
	char	   *fields_text = NULL;

	memset(row, 0, sizeof(*row));
	if (rej->fields != NULL)
		fields_text = JsonbToCString(NULL, &rej->fields->root, VARSIZE(rej->fields));

	ctx = pg_cryptohash_create(PG_SHA256);
	if (ctx == NULL || pg_cryptohash_init(ctx) < 0)
		elog(ERROR, "could not initialize SHA-256");
	if (pg_cryptohash_update(ctx, (const uint8 *) "tid:", 4) < 0 ||
		(rej->tid && pg_cryptohash_update(ctx, (const uint8 *) rej->tid, strlen(rej->tid)) < 0) ||
		pg_cryptohash_update(ctx, (const uint8 *) "\0fields:", 8) < 0 ||
		(fields_text && pg_cryptohash_update(ctx, (const uint8 *) fields_text, strlen(fields_text)) < 0) ||
		pg_cryptohash_update(ctx, (const uint8 *) "\0payload:", 9) < 0 ||
		(rej->payload_len > 0 && pg_cryptohash_update(ctx, rej->payload, rej->payload_len) < 0) ||
		pg_cryptohash_final(ctx, row->key, sizeof(row->key)) < 0)
		elog(ERROR, "could not compute SHA-256");
	pg_cryptohash_free(ctx);

	row->str[QR_SQLSTATE] = pstrdup(rej->sqlstate);
	row->str[QR_MESSAGE] = pstrdup(rej->message);
	row->str[QR_CLASSIFICATION] = field_label(rej->fields, TM_CLASSIFICATION);
	row->str[QR_MACHINE_ID] = field_label(rej->fields, TM_MACHINE_ID);
	row->str[QR_FIELDS] = fields_text;
	row->str[QR_TID] = rej->tid ? pnstrdup(rej->tid, pg_mbcliplen(rej->tid, strlen(rej->tid),
																QUARANTINE_LABEL_BYTES)) : NULL;
	row->str[QR_EXCERPT] = payload_excerpt(rej->payload, rej->payload_len,
										   (size_t) telemetrics_quarantine_payload_bytes);
	row->payload_bytes = (int32) Min(rej->payload_len, (size_t) PG_INT32_MAX);
	row->max_rows = telemetrics_quarantine_max_rows;
}

/*
 * run_quarantine_add
 *		Execute telemetrics.quarantine_add for row.  Must be inside SPI.
 *		Returns the row's id, or -1 when nothing is kept (max_rows 0).
 */
static int64
run_quarantine_add(const QuarantineRow *row)
{
	Oid			types[10] = {BYTEAOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	TEXTOID, TEXTOID, TEXTOID, INT4OID, INT4OID};
	Datum		args[10];
	char		nulls[10];
	bytea	   *key = palloc(VARHDRSZ + sizeof(row->key));
	int			i,
				ret;
	bool		isnull;
	Datum		id;

	memcpy(VARDATA(key), row->key, sizeof(row->key));
	SET_VARSIZE(key, VARHDRSZ + sizeof(row->key));
	memset(nulls, ' ', sizeof(nulls));
	args[0] = PointerGetDatum(key);
	for (i = 0; i < QR_NSTR; i++)
	{
		if (row->str[i] != NULL)
			args[1 + i] = CStringGetTextDatum(row->str[i]);
		else
			nulls[1 + i] = 'n';
	}
	args[8] = Int32GetDatum(row->payload_bytes);
	args[9] = Int32GetDatum(row->max_rows);
	ret = SPI_execute_with_args(quarantine_sql, 10, types, args, nulls, false, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "telemetrics.quarantine_add failed: %s", SPI_result_code_string(ret));
	if (SPI_processed != 1)
		elog(ERROR, "telemetrics.quarantine_add returned " UINT64_FORMAT " rows", SPI_processed);
	id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? -1 : DatumGetInt64(id);
}

/* Flatten rej and add it; inside SPI.  Returns the row id or -1. */
static int64
run_quarantine_add_for(const TmRejected *rej)
{
	QuarantineRow row;

	quarantine_row(rej, &row);
	return run_quarantine_add(&row);
}

void
tm_quarantine_in_xact(const TmRejected *rej)
{
	(void) run_quarantine_add_for(rej);
}

bool
tm_quarantine_autonomous(const TmRejected *rej)
{
	QuarantineRow row;
	QuarantineMsg *msg;
	BackgroundWorkerHandle *handle;
	BgwHandleStatus status;
	dsm_segment *seg;
	Size		size = offsetof(QuarantineMsg, data);
	Size		off = 0;
	bool		done;
	int			i;

	quarantine_row(rej, &row);
	for (i = 0; i < QR_NSTR; i++)
		if (row.str[i] != NULL)
			size += strlen(row.str[i]) + 1;

	seg = dsm_create(size, 0);
	msg = dsm_segment_address(seg);
	msg->done = false;
	msg->payload_bytes = row.payload_bytes;
	msg->max_rows = row.max_rows;
	memcpy(msg->key, row.key, sizeof(row.key));
	for (i = 0; i < QR_NSTR; i++)
	{
		if (row.str[i] == NULL)
		{
			msg->len[i] = -1;
			msg->off[i] = 0;
			continue;
		}
		msg->len[i] = (int32) strlen(row.str[i]);
		msg->off[i] = off;
		memcpy(msg->data + off, row.str[i], msg->len[i] + 1);
		off += msg->len[i] + 1;
	}

	if (!tm_worker_register("telemetrics_quarantine_worker_main", "telemetrics quarantine writer",
							GetUserId(), UInt32GetDatum(dsm_segment_handle(seg)), MyProcPid,
							&handle))
	{
		dsm_detach(seg);
		ereport(WARNING,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("could not keep a rejected record in telemetrics.quarantine"),
				 errdetail("No background worker slot was free."),
				 errhint("Raise max_worker_processes, or ingest through telemetrics_api.ingest_batch().")));
		return false;
	}
	status = WaitForBackgroundWorkerShutdown(handle);
	pg_read_barrier();
	done = (status == BGWH_STOPPED && msg->done);
	dsm_detach(seg);
	if (!done)
		ereport(WARNING,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not keep a rejected record in telemetrics.quarantine"),
				 errdetail("The quarantine writer failed; see the server log.")));
	return done;
}

/*
 * telemetrics_quarantine_worker_main
 *		Entry point of the background worker: connect as the caller's
 *		effective user, insert the row described in the segment, commit, and
 *		say so in the segment.
 */
void
telemetrics_quarantine_worker_main(Datum main_arg)
{
	QuarantineMsg *msg;
	QuarantineRow row;
	dsm_segment *seg;
	int			i;

	tm_worker_connect();

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not map the quarantine writer's shared memory segment")));
	dsm_pin_mapping(seg);
	msg = dsm_segment_address(seg);

	memset(&row, 0, sizeof(row));
	memcpy(row.key, msg->key, sizeof(row.key));
	for (i = 0; i < QR_NSTR; i++)
		row.str[i] = msg->len[i] < 0 ? NULL : pstrdup(msg->data + msg->off[i]);
	row.payload_bytes = msg->payload_bytes;
	row.max_rows = msg->max_rows;

	pgstat_report_activity(STATE_RUNNING, "telemetrics: keeping a rejected record");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
	/* never wait forever on a lock the waiting caller might hold */
	if (SPI_execute("SET LOCAL lock_timeout = '5s'", false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "could not set lock_timeout");
	(void) run_quarantine_add(&row);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();

	pg_write_barrier();
	msg->done = true;
	dsm_detach(seg);
	pgstat_report_activity(STATE_IDLE, NULL);
	proc_exit(0);
}

/*
 * telemetrics_quarantine_request
 *		telemetrics_api.quarantine_request(p_code text, p_message text,
 *		p_fields jsonb, p_body bytea, p_tid text) RETURNS bigint
 *
 * Keep, in the caller's transaction, a request that a transport refused
 * before it could become a record: the gateway calls it for a v3 body that
 * is not JSON, not an object, or without a string payload, and for a value
 * holding a NUL character.  The row is keyed and counted like a rejected
 * record's (telemetry id, fields, body), and the body is kept like a
 * payload.  p_code is the code the client was answered with (five digits
 * or upper-case letters: a SQLSTATE or the gateway's GWnnn); p_fields,
 * p_body and p_tid may be NULL.  Returns the quarantine row's id, or NULL
 * when telemetrics.quarantine_max_rows is 0.
 */
Datum
telemetrics_quarantine_request(PG_FUNCTION_ARGS)
{
	TmRejected	rej;
	char	   *code;
	char	   *message;
	bytea	   *body = NULL;
	int64		id;
	int			i;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", PG_ARGISNULL(0) ? "code" : "message")));
	code = text_to_cstring(PG_GETARG_TEXT_PP(0));
	message = text_to_cstring(PG_GETARG_TEXT_PP(1));
	for (i = 0; code[i] != '\0'; i++)
		if (!((code[i] >= '0' && code[i] <= '9') || (code[i] >= 'A' && code[i] <= 'Z')))
			break;
	if (i != 5 || code[i] != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("code must be five digits or upper-case letters, like a SQLSTATE")));
	if (message[0] == '\0' || strlen(message) > QUARANTINE_MESSAGE_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("message must be 1 to %d bytes long", QUARANTINE_MESSAGE_BYTES)));

	memset(&rej, 0, sizeof(rej));
	rej.sqlstate = code;
	rej.message = message;
	rej.fields = PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2);
	if (!PG_ARGISNULL(3))
	{
		body = PG_GETARG_BYTEA_PP(3);
		rej.payload = (const unsigned char *) VARDATA_ANY(body);
		rej.payload_len = VARSIZE_ANY_EXHDR(body);
	}
	rej.tid = PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	id = run_quarantine_add_for(&rej);
	SPI_finish();
	if (id < 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(id);
}
