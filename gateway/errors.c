/*-------------------------------------------------------------------------
 *
 * errors.c
 *		SQLSTATE -> HTTP status, gateway error codes, JSON error bodies.
 *
 * This file holds the only mapping from SQLSTATE to HTTP status in the
 * gateway; docs/gateway.md reproduces it.  The rows are tried in order and
 * the first whose pattern is a prefix of the SQLSTATE wins, so exact codes
 * come before the class they belong to.  Anything unmatched is a 500: an
 * error the extension raised without a proper SQLSTATE is a bug to fix
 * there, and the operator is told through the log.
 *
 *-------------------------------------------------------------------------
 */
#include "errors.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "text.h"

const struct gw_sqlstate_map err_sqlstate_table[] = {
	/* the rejection codes of telemetrics_api.ingest_batch */
	{"28000", 400, "Telemetry ID mismatch (reference-compatible 400)"},
	{"23502", 400, "a required record field is missing"},
	{"23514", 400, "check constraint violated"},
	{"54000", 413, "payload over telemetrics.max_payload_bytes"},
	/* conflicts and the read-only/privilege/not-found conventions */
	{"23505", 409, "unique violation"},
	{"23503", 409, "foreign key violation"},
	{"25006", 405, "write attempted in a read-only (GET) transaction"},
	{"42501", 403, "insufficient privilege"},
	{"P0002", 404, "no_data_found (API convention for \"not found\")"},
	/* timeouts, retryable conflicts, an unavailable server */
	{"57014", 503, "statement timeout (query_canceled): overloaded or blocked, retry"},
	{"40001", 503, "serialization failure (retry)"},
	{"40P01", 503, "deadlock detected (retry)"},
	{"57P", 503, "server shutting down or restarting"},
	{"08", 503, "connection exception"},
	{"53", 503, "insufficient resources"},
	/* the API is missing: version skew between gateway and extension */
	{"42883", 500, "undefined function (API missing: version skew)"},
	{"42P01", 500, "undefined table (API missing: version skew)"},
	{"3F000", 500, "invalid schema (API missing: version skew)"},
	{"26000", 500, "prepared statement missing"},
	/* invalid data: field values, query parameters, payload encoding */
	{"22", 400, "data exception (an invalid value)"},
	{"XX", 500, "internal error"},
};
const size_t err_sqlstate_table_len =
	sizeof(err_sqlstate_table) / sizeof(err_sqlstate_table[0]);

static const struct
{
	const char *code;
	unsigned	status;
}			gw_errors[GW_NUM_ERRORS] = {
	[GW_ERR_DB_UNAVAILABLE] = {"GW001", 503},
	[GW_ERR_DB_BUSY] = {"GW002", 503},
	[GW_ERR_VERSION_MISMATCH] = {"GW003", 503},
	[GW_ERR_SHUTTING_DOWN] = {"GW004", 503},
	[GW_ERR_OUT_OF_MEMORY] = {"GW005", 503},
	[GW_ERR_DB_PROTOCOL] = {"GW006", 500},
	[GW_ERR_TOO_MANY_STREAMS] = {"GW007", 503},
	[GW_ERR_BODY_TOO_LARGE] = {"GW101", 413},
	[GW_ERR_CONTENT_TYPE] = {"GW102", 415},
	[GW_ERR_MALFORMED_JSON] = {"GW103", 400},
	[GW_ERR_NOT_OBJECT] = {"GW104", 400},
	[GW_ERR_PAYLOAD] = {"GW105", 400},
	[GW_ERR_NUL_CHARACTER] = {"GW106", 400},
	[GW_ERR_BAD_QUERY] = {"GW107", 400},
	[GW_ERR_HEADERS_TOO_LARGE] = {"GW108", 431},
	[GW_ERR_NOT_FOUND] = {"GW201", 404},
	[GW_ERR_METHOD] = {"GW202", 405},
	[GW_ERR_UNAUTHORIZED] = {"GW301", 401},
	[GW_ERR_FORBIDDEN] = {"GW302", 403},
	[GW_ERR_CROSS_ORIGIN] = {"GW303", 403},
};

const char *
err_code(enum gw_error e)
{
	return (e >= 0 && e < GW_NUM_ERRORS) ? gw_errors[e].code : "GW006";
}

unsigned
err_status(enum gw_error e)
{
	return (e >= 0 && e < GW_NUM_ERRORS) ? gw_errors[e].status : 500;
}

unsigned
err_http_status(const char *sqlstate, bool *log_it)
{
	size_t		i;
	unsigned	status = 500;

	if (sqlstate != NULL && strlen(sqlstate) == 5)
	{
		for (i = 0; i < err_sqlstate_table_len; i++)
		{
			const char *p = err_sqlstate_table[i].pattern;

			if (strncmp(sqlstate, p, strlen(p)) == 0)
			{
				status = err_sqlstate_table[i].status;
				break;
			}
		}
	}
	if (log_it)
		*log_it = (status >= 500 && status != 503);
	return status;
}

/* A JSON string (or null) for s, read as Latin-1 if it is not UTF-8. */
static json_t *
json_text(const char *s)
{
	char	   *utf8;
	size_t		len;
	json_t	   *j;

	if (s == NULL)
		return json_null();
	utf8 = text_to_utf8(s, strlen(s), &len);
	if (utf8 == NULL)
		return NULL;
	j = json_stringn(utf8, len);
	free(utf8);
	return j;
}

char *
err_body(const char *code, const char *message, const char *details,
		 const char *hint, size_t *len)
{
	json_t	   *obj;
	char	   *out;

	obj = json_object();
	if (obj == NULL)
		return NULL;
	if (json_object_set_new(obj, "code", json_text(code ? code : "")) != 0 ||
		json_object_set_new(obj, "message", json_text(message ? message : "")) != 0 ||
		json_object_set_new(obj, "details", json_text(details)) != 0 ||
		json_object_set_new(obj, "hint", json_text(hint)) != 0)
	{
		json_decref(obj);
		return NULL;
	}
	out = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	if (out != NULL && len != NULL)
		*len = strlen(out);
	return out;
}
