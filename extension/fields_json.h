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

typedef enum TmFieldsJson
{
	TM_FIELDS_OK,				/* field[] filled */
	TM_FIELDS_NOT_OBJECT,		/* valid JSON, but not an object */
	TM_FIELDS_USE_JSONB,		/* valid; read it as jsonb instead */
	TM_FIELDS_INVALID			/* not JSON, or a number out of range:
								 * *sqlstate, *message */
} TmFieldsJson;

/*
 * tm_fields_from_json
 *		Fill field[0..TM_NUM_FIELDS) (zeroed by the caller) from the JSON
 *		object json[0..len), exactly as ingest.c reads the same object as
 *		jsonb, when that can be decided without jsonb: see fields_json.c.
 *		On TM_FIELDS_INVALID, *sqlstate is what jsonb input would have
 *		raised (22P02, or 22P05 for \u0000; 22003 for a number over 1000
 *		characters or with an exponent over 1000, which jsonb may or may not
 *		take) and *message says what is wrong (palloc'd).  On TM_FIELDS_USE_JSONB, field[] is zeroed again.
 */
extern TmFieldsJson tm_fields_from_json(const char *json, int len, TmStr *field,
										const char **sqlstate, char **message);

#endif							/* TELEMETRICS_FIELDS_JSON_H */
