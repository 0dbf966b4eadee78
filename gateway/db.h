/*-------------------------------------------------------------------------
 *
 * db.h
 *		One libpq connection per database worker: connecting, preparing the
 *		route statements, running them, and PostgreSQL's binary array
 *		format for ingest_batch's parameters.
 *
 * A struct gw_db belongs to exactly one thread; nothing here locks.
 *
 *-------------------------------------------------------------------------
 */
#ifndef GW_DB_H
#define GW_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "buf.h"
#include "routes.h"

struct gw_db
{
	PGconn	   *conn;			/* NULL when not connected */
	int			worker;			/* worker number, for log lines */
	bool		ever_connected; /* a later connect is a reconnect */
	bool		down_logged;	/* the current outage was logged */
	bool		counted;		/* counted in the db_connections gauge */
	uint64_t	last_attempt_ns;	/* when we last tried to connect */
};

/* db_init: an unconnected handle for worker number worker. */
extern void db_init(struct gw_db *db, int worker);

/*
 * db_ready
 *		Is the connection usable right now?  Reads whatever the server sent
 *		meanwhile (so a connection the server closed is noticed before it
 *		is used) and rolls back a transaction left open.  False means: call
 *		db_connect.
 */
extern bool db_ready(struct gw_db *db);

/*
 * db_connect
 *		(Re)connect with gw_config.db and prepare every statement of the
 *		route table.  Logs the first failure of an outage as an error and
 *		the recovery as info.  Returns whether the connection is up.
 */
extern bool db_connect(struct gw_db *db);

/* db_close: close the connection, if any. */
extern void db_close(struct gw_db *db);

/*
 * db_exec
 *		Run route statement stmt with binary parameters (values[i] NULL is
 *		SQL NULL); a read-only statement runs inside BEGIN READ ONLY ...
 *		COMMIT.  Returns the result (the caller PQclear()s it; on a failed
 *		statement it is the error result), or NULL when the connection is
 *		gone (then *lost is set and the connection is closed).  sent, if
 *		not NULL, is called with arg once the statement has been sent and
 *		before its result is awaited (not when sending failed): work to do
 *		while the server runs it.
 */
extern PGresult *db_exec(struct gw_db *db, int stmt, const char *const *values,
						 const int *lengths, bool *lost,
						 void (*sent) (void *arg), void *arg);

/*
 * db_error_fields
 *		The SQLSTATE (a 6-byte buffer; "" when libpq reported a client-side
 *		failure), primary message, detail and hint of an error result.  The
 *		strings belong to res.
 */
extern void db_error_fields(const PGresult *res, char *sqlstate,
							const char **message, const char **detail,
							const char **hint);

/*
 * db_probe_version
 *		Connect once, call telemetrics_api.version() and disconnect.  Returns
 *		1 and copies the version, 0 when the database cannot be reached, -1
 *		when it answers with an error (the extension is missing, say); a
 *		message is copied into errbuf, and for -1 the error's SQLSTATE into
 *		sqlstate (6 bytes; "" if the server gave none).
 */
extern int	db_probe_version(char *version, size_t vsize, char *errbuf, size_t esize,
							 char *sqlstate);

/*
 * Binary arrays (PostgreSQL's array_send format) of one dimension.
 * db_array_begin writes the header for n elements of type elemtype;
 * then exactly n calls of db_array_elem (NULL data: SQL NULL), each
 * element in its type's binary form (for text and bytea: the bytes).
 */
extern void db_array_begin(struct gw_buf *b, unsigned int elemtype, int n,
						   bool has_nulls);
extern void db_array_elem(struct gw_buf *b, const char *data, size_t len);

/* Element type OIDs of ingest_batch_text's arrays. */
#define GW_TEXTOID		25
#define GW_BYTEAOID		17

#endif							/* GW_DB_H */
