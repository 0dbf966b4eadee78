/*-------------------------------------------------------------------------
 *
 * fields_json.h
 *		Read a record's fields straight out of JSON text (fields_json.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef TELEMETRICS_FIELDS_JSON_H
#define TELEMETRICS_FIELDS_JSON_H

#include "fields.h"
#include "utils/jsonb.h"

typedef enum TmFieldsJson
{
	TM_FIELDS_OK,				/* field[] filled */
	TM_FIELDS_NOT_OBJECT,		/* valid JSON, but not an object */
	TM_FIELDS_USE_JSONB,		/* valid; *jsonb made, read it instead */
	TM_FIELDS_INVALID			/* not JSON, or jsonb could not hold it:
								 * *sqlstate, *message */
} TmFieldsJson;

/*
 * tm_fields_from_json
 *		Fill field[0..TM_NUM_FIELDS) (zeroed by the caller) from the JSON
 *		object json[0..len), exactly as ingest.c reads the same object as
 *		jsonb, when that can be decided without jsonb; otherwise make the
 *		jsonb (*jsonb, TM_FIELDS_USE_JSONB).  See fields_json.c.
 *		On TM_FIELDS_INVALID, *sqlstate and *message (palloc'd) say why:
 *		22P02 for text that is not JSON, 22P05 for \u0000, as jsonb input
 *		would raise them; or the error that jsonb input would raise for
 *		this text (a number numeric cannot hold: 22003; nesting too deep
 *		for the stack: 54001).  Only errors that are not about the text
 *		(out of memory, a cancel) are raised.  Must be called inside a
 *		transaction; uses a subtransaction when the text is not a flat
 *		object of strings.
 */
extern TmFieldsJson tm_fields_from_json(const char *json, int len, TmStr *field, Jsonb **jsonb,
										const char **sqlstate, char **message);

#endif							/* TELEMETRICS_FIELDS_JSON_H */
