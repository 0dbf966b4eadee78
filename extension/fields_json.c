/*-------------------------------------------------------------------------
 *
 * fields_json.c
 *		Read a record's fields straight out of JSON text.
 *
 * ingest_batch() takes the fields of each record as jsonb, and
 * ingest_batch_text() as the JSON text the gateway has in hand.  Turning
 * text into jsonb (parse, build, sort the keys) was a tenth of the CPU a
 * batch spends per record; this reads the fields out of the text instead,
 * and builds nothing in the common case: a flat object of strings, read
 * without any allocation by fields_scan.c.  Anything else goes through
 * PostgreSQL's JSON lexer here, in a subtransaction.
 *
 * The result must be exactly what item_read_fields() (ingest.c) reads out
 * of the same object as jsonb.  Read here: a JSON object in which no field
 * is named twice (in any spelling: case, '-' or '_') and no field's value
 * is an array or an object.  A string counts as its (unescaped) text, a
 * number as numeric_out() of it (as jsonb stores it), true and false as
 * their text, null as absent.  For anything else jsonb is made
 * (TM_FIELDS_USE_JSONB), whose rules ("the first key in jsonb order wins",
 * nested values as their jsonb text) then apply unchanged.  Text that
 * jsonb input would refuse (not JSON, \u0000, a number numeric cannot
 * hold, nesting past the stack) rejects the record alone, with the error
 * jsonb input raises; ingest_batch() never sees it, since the whole call
 * fails at input.
 *
 * Memory: the field values are palloc'd in the current memory context, or
 * point into the text.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "fields_json.h"
#include "fields_scan.h"
#include "telemetrics.h"

/* What the parse callbacks keep. */
typedef struct FieldsParse
{
	TmStr	   *field;			/* TM_NUM_FIELDS slots to fill */
	int			depth;			/* nesting level of the current token */
	int			current;		/* field of the key at depth 1; -1: none */
	uint32		seen;			/* bit per field whose key has appeared */
	bool		top_is_object;
	bool		use_jsonb;		/* a case this file does not decide */
} FieldsParse;

StaticAssertDecl(TM_NUM_FIELDS <= 32, "FieldsParse.seen holds one bit per field");

static void
fp_object_start(void *state)
{
	FieldsParse *fp = state;

	if (fp->depth == 0)
		fp->top_is_object = true;
	else if (fp->depth == 1 && fp->current >= 0)
		fp->use_jsonb = true;	/* a field whose value is an object */
	fp->depth++;
}

static void
fp_array_start(void *state)
{
	FieldsParse *fp = state;

	if (fp->depth == 1 && fp->current >= 0)
		fp->use_jsonb = true;	/* a field whose value is an array */
	fp->depth++;
}

static void
fp_struct_end(void *state)
{
	FieldsParse *fp = state;

	fp->depth--;
}

static void
fp_field_start(void *state, char *fname, bool isnull)
{
	FieldsParse *fp = state;
	int			f;

	if (fp->depth != 1)
		return;
	f = tm_field_lookup(fname, strlen(fname));
	fp->current = f;
	if (f < 0)
		return;
	if (fp->seen & ((uint32) 1 << f))
		fp->use_jsonb = true;	/* named twice: jsonb order decides */
	fp->seen |= (uint32) 1 << f;
}

/*
 * A scalar.  Every number, wherever it is, goes through numeric_in() as
 * jsonb input would put it (an error there is the record's: see
 * tm_fields_from_json), so that jsonb can later be made of the text
 * without an error.
 */
static void
fp_scalar(void *state, char *token, JsonTokenType tokentype)
{
	FieldsParse *fp = state;
	TmStr	   *dst;
	Datum		num = (Datum) 0;

	if (tokentype == JSON_TOKEN_NUMBER)
		num = DirectFunctionCall3(numeric_in, CStringGetDatum(token),
								  ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	if (fp->depth != 1 || fp->current < 0 || fp->use_jsonb)
		return;
	dst = &fp->field[fp->current];
	switch (tokentype)
	{
		case JSON_TOKEN_STRING:
			dst->ptr = token;
			dst->len = strlen(token);
			break;
		case JSON_TOKEN_NUMBER:
			/* as jsonb stores it: "1e2" reads as 100 */
			dst->ptr = DatumGetCString(DirectFunctionCall1(numeric_out, num));
			dst->len = strlen(dst->ptr);
			break;
		case JSON_TOKEN_TRUE:
			dst->ptr = "true";
			dst->len = 4;
			break;
		case JSON_TOKEN_FALSE:
			dst->ptr = "false";
			dst->len = 5;
			break;
		default:				/* null: absent */
			break;
	}
}

/*
 * read_slowly
 *		The full parse: PostgreSQL's JSON lexer with the callbacks above,
 *		then jsonb input when the rules of jsonb decide.  May raise an
 *		error (a number numeric cannot hold, nesting past the stack).
 */
static TmFieldsJson
read_slowly(const char *json, int len, TmStr *field, Jsonb **jsonb,
			const char **sqlstate, char **message)
{
	JsonLexContext *lex;
	JsonSemAction sem;
	FieldsParse fp;
	JsonParseErrorType rc;

	memset(&fp, 0, sizeof(fp));
	fp.field = field;
	fp.current = -1;
	memset(&sem, 0, sizeof(sem));
	sem.semstate = &fp;
	sem.object_start = fp_object_start;
	sem.object_end = fp_struct_end;
	sem.array_start = fp_array_start;
	sem.array_end = fp_struct_end;
	sem.object_field_start = fp_field_start;
	sem.scalar = fp_scalar;

	/* the lexer reads len bytes and never writes to them */
	lex = makeJsonLexContextCstringLen(unconstify(char *, json), len, GetDatabaseEncoding(), true);
	rc = pg_parse_json(lex, &sem);
	if (rc != JSON_SUCCESS)
	{
		/* the SQLSTATEs jsonb input would raise */
		*sqlstate = (rc == JSON_UNICODE_CODE_POINT_ZERO || rc == JSON_UNICODE_HIGH_ESCAPE) ?
			"22P05" : "22P02";
		*message = psprintf("record fields are not valid JSON: %.200s", json_errdetail(rc, lex));
		return TM_FIELDS_INVALID;
	}
	if (!fp.top_is_object)
		return TM_FIELDS_NOT_OBJECT;
	if (fp.use_jsonb)
	{
		memset(field, 0, sizeof(TmStr) * TM_NUM_FIELDS);
		*jsonb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
													CStringGetDatum(pnstrdup(json, len))));
		return TM_FIELDS_USE_JSONB;
	}
	return TM_FIELDS_OK;
}

/* read_slowly's arguments and result, for tm_in_subxact */
typedef struct SlowRead
{
	const char *json;
	int			len;
	TmStr	   *field;
	Jsonb	  **jsonb;
	const char **sqlstate;
	char	  **message;
	TmFieldsJson result;
} SlowRead;

static void
read_slowly_work(void *arg)
{
	SlowRead   *r = arg;

	r->result = read_slowly(r->json, r->len, r->field, r->jsonb, r->sqlstate, r->message);
}

/*
 * An error that is the text's: class 22 (data exception: a number numeric
 * cannot hold) or 54 (a limit: nesting past the stack).  Anything else
 * (out of memory, a cancel) is not, and is raised again.
 */
static bool
text_error(int sqlerrcode)
{
	int			category = ERRCODE_TO_CATEGORY(sqlerrcode);

	return category == ERRCODE_DATA_EXCEPTION || category == ERRCODE_PROGRAM_LIMIT_EXCEEDED;
}

TmFieldsJson
tm_fields_from_json(const char *json, int len, TmStr *field, Jsonb **jsonb,
					const char **sqlstate, char **message)
{
	SlowRead	r = {json, len, field, jsonb, sqlstate, message, TM_FIELDS_INVALID};
	ErrorData  *edata;

	*jsonb = NULL;
	/* the fast path: decoded strings need room only if there are escapes */
	if (tm_fields_scan(json, (size_t) len, field,
					   memchr(json, '\\', len) ? palloc(len) : NULL))
		return TM_FIELDS_OK;
	memset(field, 0, sizeof(TmStr) * TM_NUM_FIELDS);

	/*
	 * The full parse, in a subtransaction: an error it raises for this text
	 * rejects this record alone instead of the whole call.
	 */
	edata = tm_in_subxact(read_slowly_work, &r, text_error);
	if (edata == NULL)
		return r.result;
	memset(field, 0, sizeof(TmStr) * TM_NUM_FIELDS);
	*jsonb = NULL;
	*sqlstate = pstrdup(unpack_sql_state(edata->sqlerrcode));
	*message = psprintf("record fields cannot be read: %.200s",
						edata->message ? edata->message : "error");
	FreeErrorData(edata);
	return TM_FIELDS_INVALID;
}
