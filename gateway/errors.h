/*-------------------------------------------------------------------------
 *
 * errors.h
 *		The one SQLSTATE -> HTTP status table, the gateway's own error codes,
 *		and the JSON error body every error response carries.
 *
 * Error bodies have PostgREST's shape:
 *	{"code": "...", "message": "...", "details": null|"...", "hint": null|"..."}
 * Database errors carry their SQLSTATE as code (for a rejected record,
 * message is the reference backend's text).  Errors that the gateway itself
 * raises carry a code GWgxx: group 0 database and pool, 1 request, 2
 * routing, 3 access control.
 *
 *-------------------------------------------------------------------------
 */
#ifndef GW_ERRORS_H
#define GW_ERRORS_H

#include <stdbool.h>
#include <stddef.h>

/* Errors raised by the gateway itself. */
enum gw_error
{
	GW_ERR_DB_UNAVAILABLE = 0,	/* GW001 503: cannot reach the database */
	GW_ERR_DB_BUSY,				/* GW002 503: no database worker in time */
	GW_ERR_VERSION_MISMATCH,	/* GW003 503: extension version is not ours */
	GW_ERR_SHUTTING_DOWN,		/* GW004 503: stopping */
	GW_ERR_OUT_OF_MEMORY,		/* GW005 503: an allocation failed */
	GW_ERR_DB_PROTOCOL,			/* GW006 500: unexpected database result */
	GW_ERR_TOO_MANY_STREAMS,	/* GW007 503: every export slot is taken */
	GW_ERR_BODY_TOO_LARGE,		/* GW101 413 */
	GW_ERR_CONTENT_TYPE,		/* GW102 415 */
	GW_ERR_MALFORMED_JSON,		/* GW103 400 */
	GW_ERR_NOT_OBJECT,			/* GW104 400 */
	GW_ERR_PAYLOAD,				/* GW105 400: v3 payload missing or not a string */
	GW_ERR_NUL_CHARACTER,		/* GW106 400: a field holds U+0000 */
	GW_ERR_BAD_QUERY,			/* GW107 400: a query parameter is not UTF-8 */
	GW_ERR_HEADERS_TOO_LARGE,	/* GW108 431: over --max-header-bytes */
	GW_ERR_NOT_FOUND,			/* GW201 404 */
	GW_ERR_METHOD,				/* GW202 405 */
	GW_ERR_UNAUTHORIZED,		/* GW301 401: no or wrong credentials */
	GW_ERR_FORBIDDEN,			/* GW302 403: the user's role may not do this */
	GW_ERR_CROSS_ORIGIN,		/* GW303 403: a write from another origin */
	GW_NUM_ERRORS
};

/* err_code: the GWgxx code of a gateway error. */
extern const char *err_code(enum gw_error e);

/* err_status: the HTTP status of a gateway error. */
extern unsigned err_status(enum gw_error e);

/*
 * err_http_status
 *		The HTTP status for a SQLSTATE (five characters), from the one table
 *		in errors.c.  NULL or an unknown SQLSTATE gives 500.  *log_it is
 *		set when the status means a server-side problem that an operator
 *		should see (every 5xx except the "database unavailable" ones).
 */
extern unsigned err_http_status(const char *sqlstate, bool *log_it);

/*
 * err_body
 *		The JSON error body (malloc'd, NUL-terminated; *len without the
 *		NUL).  details and hint may be NULL (JSON null).  Strings that are
 *		not valid UTF-8 are read as Latin-1.  Returns NULL when out of
 *		memory.
 */
extern char *err_body(const char *code, const char *message,
					  const char *details, const char *hint, size_t *len);

/* The table, for documentation and tests: one row per SQLSTATE pattern. */
struct gw_sqlstate_map
{
	const char *pattern;		/* a SQLSTATE, or a prefix of one (its class) */
	unsigned	status;			/* HTTP status */
	const char *meaning;
};
extern const struct gw_sqlstate_map err_sqlstate_table[];
extern const size_t err_sqlstate_table_len;

#endif							/* GW_ERRORS_H */
