/*-------------------------------------------------------------------------
 *
 * fields_scan.h
 *		The allocation-free fast path for reading a record's fields out of
 *		JSON text (fields_scan.c).  Pure C.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TELEMETRICS_FIELDS_SCAN_H
#define TELEMETRICS_FIELDS_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "fields.h"

/*
 * tm_fields_scan
 *		If json[0..len) is a flat JSON object the fast path reads exactly
 *		(see fields_scan.c), fill field[0..TM_NUM_FIELDS) (zeroed by the
 *		caller; a null value leaves its field absent) and return true.
 *		Values point into json, or into scratch (at least len bytes; may be
 *		NULL when json holds no backslash) for strings with escapes.  Otherwise return false, with field[] in any
 *		state: the caller zeroes it and reads the text another way.
 */
extern bool tm_fields_scan(const char *json, size_t len, TmStr *field, char *scratch);

/*
 * tm_json_scan_string
 *		p points after a JSON string's opening quote.  Find the closing
 *		quote; the string's text goes to *out: borrowed from the input when
 *		it has no escape, else decoded into *scratch (advanced).  Returns
 *		the position after the closing quote, or NULL for anything left to
 *		a full parser: no closing quote, a control character, a \u or
 *		unknown escape, or (allow_escapes false) any backslash.  Bytes from
 *		0x80 up are taken as they are (the caller checks UTF-8 if it must).
 *		Shared with the gateway's v3 reader (gateway/v3flat.c).
 */
extern const char *tm_json_scan_string(const char *p, const char *end, bool allow_escapes,
									   TmStr *out, char **scratch);

#endif							/* TELEMETRICS_FIELDS_SCAN_H */
