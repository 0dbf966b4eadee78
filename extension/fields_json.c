/*-------------------------------------------------------------------------
 *
 * fields_json.c
 *		Read a record's fields straight out of JSON text.
 *
 * ingest_batch() takes the fields of each record as jsonb, and
 * ingest_batch_text() as the JSON text the gateway has in hand.  Turning text into jsonb (parse,
 * build, sort the keys) was a tenth of the CPU a batch spends per record;
 * this reads the fields with PostgreSQL's JSON lexer in one pass instead,
 * and builds nothing.
 *
 * The common case, a flat object of strings, is read without any
 * allocation by fields_scan.c; the rest goes through the lexer here.
 *
 * The result must be exactly what item_read_fields() (ingest.c) reads out
 * of the same object as jsonb.  That holds for the common case handled
 * here: a JSON object in which no field is named twice (in any spelling:
 * case, '-' or '_') and no field's value is an array or an object.  A
 * string counts as its (unescaped) text, a number as numeric_out() of it
 * (as jsonb stores it), true and false as their text, null as absent.  For
 * anything else the caller is told to go through jsonb
 * (TM_FIELDS_USE_JSONB), whose rules ("the first key in jsonb order wins",
 * nested values as their jsonb text) then apply unchanged.
 *
 * Memory: the field values are palloc'd in the current memory context.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/jsonapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "fields_json.h"
#include "fields_scan.h"

/* What the parse callbacks keep. */
typedef struct FieldsParse
{
	TmStr	   *field;			/* TM_NUM_FIELDS slots to fill */
	int			depth;			/* nesting level of the current token */
	int			current;		/* field of the key at depth 1; -1: none */
	uint32		seen;			/* bit per field whose key has appeared */
	bool		top_is_object;
	bool		use_jsonb;		/* a case this file does not decide */
	char	   *bad_number;		/* a number numeric cannot hold */
} FieldsParse;

/*
 * The longest number token, and the largest exponent, taken: within both,
 * numeric_in() (as jsonb input calls it for every number) cannot fail, so
 * neither reading a field nor making jsonb of the text for the quarantine
 * can raise an error that would abort the whole batch.
 */
#define MAX_NUMBER_CHARS 1000
#define MAX_NUMBER_EXPONENT 1000

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

static void
fp_scalar(void *state, char *token, JsonTokenType tokentype)
{
	FieldsParse *fp = state;
	TmStr	   *dst;

	if (tokentype == JSON_TOKEN_NUMBER && fp->bad_number == NULL)
	{
		const char *e = strpbrk(token, "eE");
		long		exponent = e ? strtol(e + 1, NULL, 10) : 0;

		if (strlen(token) > MAX_NUMBER_CHARS ||
			exponent > MAX_NUMBER_EXPONENT || exponent < -MAX_NUMBER_EXPONENT)
			fp->bad_number = token;
	}
	if (fp->depth != 1 || fp->current < 0 || fp->use_jsonb || fp->bad_number != NULL)
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
			dst->ptr = DatumGetCString(DirectFunctionCall1(numeric_out,
														   DirectFunctionCall3(numeric_in,
																			   CStringGetDatum(token),
																			   ObjectIdGetDatum(InvalidOid),
																			   Int32GetDatum(-1))));
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

TmFieldsJson
tm_fields_from_json(const char *json, int len, TmStr *field, const char **sqlstate,
					char **message)
{
	JsonLexContext *lex;
	JsonSemAction sem;
	FieldsParse fp;
	JsonParseErrorType rc;

	/* the fast path: decoded strings need room only if there are escapes */
	if (tm_fields_scan(json, (size_t) len, field,
					   memchr(json, '\\', len) ? palloc(len) : NULL))
		return TM_FIELDS_OK;
	memset(field, 0, sizeof(TmStr) * TM_NUM_FIELDS);

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
		*message = psprintf("record fields are not valid JSON: %s", json_errdetail(rc, lex));
		return TM_FIELDS_INVALID;
	}
	if (fp.bad_number != NULL)
	{
		*sqlstate = "22003";
		*message = psprintf("record fields hold a number out of range: %.40s%s", fp.bad_number,
							strlen(fp.bad_number) > 40 ? "..." : "");
		memset(field, 0, sizeof(TmStr) * TM_NUM_FIELDS);
		return TM_FIELDS_INVALID;
	}
	if (!fp.top_is_object)
		return TM_FIELDS_NOT_OBJECT;
	if (fp.use_jsonb)
	{
		memset(field, 0, sizeof(TmStr) * TM_NUM_FIELDS);
		return TM_FIELDS_USE_JSONB;
	}
	return TM_FIELDS_OK;
}
