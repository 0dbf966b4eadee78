/*-------------------------------------------------------------------------
 *
 * db.c
 *		libpq connections of the database workers (see db.h).
 *
 * Connection parameters: the operator's conninfo (--db) is expanded after
 * our defaults, so it can override them (application name, connect
 * timeout, keepalives, statement_timeout); only client_encoding is forced
 * to UTF8, because every string the gateway sends and parses is UTF-8.
 *
 * Statements are prepared once per connection, right after it is made.
 * A statement that fails to prepare (the extension is older than the
 * gateway, say) is logged; running it later fails with 26000, which the
 * error table maps to 500.
 *
 *-------------------------------------------------------------------------
 */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway.h"
#include "log.h"
#include "metrics.h"

/* libpq messages end in newlines and may span lines; one line for the log. */
static const char *
one_line(const char *msg, char *buf, size_t size)
{
	size_t		i;
	size_t		n = 0;

	if (msg == NULL)
		msg = "";
	for (i = 0; msg[i] != '\0' && n + 1 < size; i++)
		buf[n++] = (msg[i] == '\n' || msg[i] == '\r') ? ' ' : msg[i];
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return buf;
}

/* Messages the server sends outside a query (NOTICE, a FATAL on shutdown). */
static void
notice_processor(void *arg, const char *message)
{
	struct gw_db *db = arg;
	char		line[512];

	gw_log(GW_LOG_INFO, "worker %d: database says: %s", db->worker,
		   one_line(message, line, sizeof(line)));
}

void
db_init(struct gw_db *db, int worker)
{
	memset(db, 0, sizeof(*db));
	db->worker = worker;
}

void
db_close(struct gw_db *db)
{
	if (db->conn != NULL)
	{
		if (db->counted)
			metrics_db_connections_add(-1);
		db->counted = false;
		PQfinish(db->conn);
		db->conn = NULL;
	}
}

/* Open a connection with our defaults and the operator's conninfo. */
static PGconn *
open_connection(void)
{
	char		options[256];
	char		timeout[32];
	const char *keywords[16];
	const char *values[16];
	int			n = 0;

	snprintf(options, sizeof(options),
			 "-c statement_timeout=%d -c idle_in_transaction_session_timeout=60000",
			 gw_config.statement_timeout_ms);
	snprintf(timeout, sizeof(timeout), "%d", 5);

	keywords[n] = "fallback_application_name";
	values[n++] = GW_PROGNAME;
	keywords[n] = "connect_timeout";
	values[n++] = timeout;
	keywords[n] = "options";
	values[n++] = options;
	keywords[n] = "keepalives";
	values[n++] = "1";
	keywords[n] = "keepalives_idle";
	values[n++] = "30";
	keywords[n] = "keepalives_interval";
	values[n++] = "10";
	keywords[n] = "keepalives_count";
	values[n++] = "3";
	keywords[n] = "dbname";
	values[n++] = gw_config.db ? gw_config.db : "";
	keywords[n] = "client_encoding";
	values[n++] = "UTF8";
	keywords[n] = NULL;
	values[n] = NULL;

	return PQconnectdbParams(keywords, values, 1);
}

bool
db_connect(struct gw_db *db)
{
	char		line[512];
	int			i;

	db_close(db);
	db->last_attempt_ns = gw_now_ns();
	db->conn = open_connection();
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK)
	{
		metrics_db_error(GW_DBERR_CONNECT);
		gw_log(db->down_logged ? GW_LOG_DEBUG : GW_LOG_ERROR,
			   "worker %d: could not connect to database: %s", db->worker,
			   db->conn ? one_line(PQerrorMessage(db->conn), line, sizeof(line)) : "out of memory");
		db->down_logged = true;
		if (db->conn != NULL)
		{
			PQfinish(db->conn);
			db->conn = NULL;
		}
		return false;
	}
	metrics_db_connections_add(1);
	db->counted = true;
	PQsetNoticeProcessor(db->conn, notice_processor, db);

	for (i = 0; i < GW_NUM_STATEMENTS; i++)
	{
		const struct gw_statement *s = &route_statements[i];
		PGresult   *res = PQprepare(db->conn, s->name, s->sql, s->nparams,
									s->types);

		if (PQresultStatus(res) != PGRES_COMMAND_OK)
		{
			if (PQstatus(db->conn) != CONNECTION_OK)
			{
				gw_log(GW_LOG_ERROR, "worker %d: lost the database connection while preparing statements: %s",
					   db->worker, one_line(PQerrorMessage(db->conn), line, sizeof(line)));
				PQclear(res);
				metrics_db_error(GW_DBERR_LOST);
				db_close(db);
				return false;
			}
			gw_log(GW_LOG_ERROR, "worker %d: could not prepare statement \"%s\": %s",
				   db->worker, s->name,
				   one_line(PQresultErrorMessage(res), line, sizeof(line)));
		}
		PQclear(res);
	}

	if (db->down_logged || db->ever_connected)
		gw_log(GW_LOG_INFO, "worker %d: connected to database \"%s\" on %s:%s",
			   db->worker, PQdb(db->conn), PQhost(db->conn), PQport(db->conn));
	else
		gw_log(GW_LOG_DEBUG, "worker %d: connected to database \"%s\" on %s:%s",
			   db->worker, PQdb(db->conn), PQhost(db->conn), PQport(db->conn));
	metrics_db_connect(db->ever_connected || db->down_logged);
	db->ever_connected = true;
	db->down_logged = false;
	return true;
}

bool
db_ready(struct gw_db *db)
{
	PGresult   *res;

	if (db->conn == NULL)
		return false;
	if (PQstatus(db->conn) == CONNECTION_OK && PQconsumeInput(db->conn) &&
		PQstatus(db->conn) == CONNECTION_OK)
	{
		switch (PQtransactionStatus(db->conn))
		{
			case PQTRANS_IDLE:
				return true;
			case PQTRANS_INTRANS:
			case PQTRANS_INERROR:
				res = PQexec(db->conn, "ROLLBACK");
				PQclear(res);
				if (PQstatus(db->conn) == CONNECTION_OK &&
					PQtransactionStatus(db->conn) == PQTRANS_IDLE)
					return true;
				break;
			default:
				break;
		}
	}
	{
		char		line[512];

		gw_log(GW_LOG_WARN, "worker %d: the database connection was lost: %s", db->worker,
			   one_line(PQerrorMessage(db->conn), line, sizeof(line)));
	}
	metrics_db_error(GW_DBERR_LOST);
	db_close(db);
	return false;
}

/* Run a simple command; false if it did not succeed. */
static bool
run_command(PGconn *conn, const char *sql, PGresult **err)
{
	PGresult   *res = PQexec(conn, sql);

	if (PQresultStatus(res) == PGRES_COMMAND_OK)
	{
		PQclear(res);
		return true;
	}
	if (err != NULL && res != NULL && PQstatus(conn) == CONNECTION_OK)
		*err = res;
	else
		PQclear(res);
	return false;
}

/*
 * The result of the statement just sent, like PQexecPrepared's: the last
 * one, an error preferred.  NULL when the connection broke.
 */
static PGresult *
await_result(PGconn *conn)
{
	PGresult   *res = NULL;
	PGresult   *r;

	while ((r = PQgetResult(conn)) != NULL)
	{
		if (res != NULL && PQresultStatus(res) == PGRES_FATAL_ERROR &&
			PQresultStatus(r) != PGRES_FATAL_ERROR)
		{
			PQclear(r);
			continue;
		}
		PQclear(res);
		res = r;
		if (PQstatus(conn) != CONNECTION_OK)
			break;
	}
	return res;
}

PGresult *
db_exec(struct gw_db *db, int stmt, const char *const *values,
		const int *lengths, bool *lost, void (*sent) (void *arg), void *arg)
{
	const struct gw_statement *s = &route_statements[stmt];
	int			formats[GW_MAX_PARAMS];
	PGresult   *res;
	PGresult   *err = NULL;
	int			i;

	*lost = false;
	for (i = 0; i < s->nparams; i++)
		formats[i] = 1;

	if ((s->read_only || s->long_running) &&
		!run_command(db->conn, s->read_only ? "BEGIN READ ONLY" : "BEGIN", &err))
	{
		if (err != NULL)
			return err;
		goto lost;
	}
	if (s->long_running)
	{
		char		set[96];

		snprintf(set, sizeof(set), "SET LOCAL statement_timeout = %d", gw_config.write_timeout_ms);
		if (!run_command(db->conn, set, &err))
		{
			if (err != NULL)
			{
				run_command(db->conn, "ROLLBACK", NULL);
				return err;
			}
			goto lost;
		}
	}

	if (!PQsendQueryPrepared(db->conn, s->name, s->nparams, values, lengths, formats, 0))
		goto lost;
	if (sent != NULL)
		sent(arg);
	res = await_result(db->conn);
	if (res == NULL || PQstatus(db->conn) != CONNECTION_OK)
	{
		PQclear(res);
		goto lost;
	}

	if (s->read_only || s->long_running)
	{
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
		{
			if (!run_command(db->conn, "COMMIT", &err))
			{
				PQclear(res);
				if (err != NULL)
					return err;
				goto lost;
			}
		}
		else if (!run_command(db->conn, "ROLLBACK", NULL) &&
				 PQstatus(db->conn) != CONNECTION_OK)
		{
			PQclear(res);
			goto lost;
		}
	}
	return res;

lost:
	{
		char		line[512];

		gw_log(GW_LOG_WARN, "worker %d: the database connection was lost: %s", db->worker,
			   one_line(PQerrorMessage(db->conn), line, sizeof(line)));
	}
	metrics_db_error(GW_DBERR_LOST);
	db_close(db);
	*lost = true;
	return NULL;
}

void
db_error_fields(const PGresult *res, char *sqlstate, const char **message,
				const char **detail, const char **hint)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (s != NULL && strlen(s) == 5)
		memcpy(sqlstate, s, 6);
	else
		sqlstate[0] = '\0';
	*message = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (*message == NULL)
		*message = res ? PQresultErrorMessage(res) : "no result";
	*detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	*hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
}

int
db_probe_version(char *version, size_t vsize, char *errbuf, size_t esize,
				 char *sqlstate)
{
	PGconn	   *conn = open_connection();
	PGresult   *res;
	int			ret;
	char		line[512];

	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
	{
		snprintf(errbuf, esize, "%s",
				 conn ? one_line(PQerrorMessage(conn), line, sizeof(line)) : "out of memory");
		PQfinish(conn);
		return 0;
	}
	res = PQexec(conn, route_statements[GW_STMT_VERSION].sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && PQnfields(res) == 1)
	{
		snprintf(version, vsize, "%s", PQgetisnull(res, 0, 0) ? "" : PQgetvalue(res, 0, 0));
		ret = 1;
	}
	else
	{
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		snprintf(errbuf, esize, "%s", one_line(PQresultErrorMessage(res), line, sizeof(line)));
		snprintf(sqlstate, 6, "%s", state ? state : "");
		ret = (PQstatus(conn) == CONNECTION_OK) ? -1 : 0;
	}
	PQclear(res);
	PQfinish(conn);
	return ret;
}

void
db_array_begin(struct gw_buf *b, unsigned int elemtype, int n, bool has_nulls)
{
	buf_put_u32(b, 1);			/* dimensions */
	buf_put_u32(b, has_nulls ? 1 : 0);
	buf_put_u32(b, elemtype);
	buf_put_u32(b, (uint32_t) n);	/* length of the dimension */
	buf_put_u32(b, 1);			/* lower bound */
}

void
db_array_elem(struct gw_buf *b, const char *data, size_t len)
{
	if (data == NULL)
	{
		buf_put_u32(b, UINT32_C(0xFFFFFFFF));	/* -1: NULL */
		return;
	}
	buf_put_u32(b, (uint32_t) len);
	buf_append(b, data, len);
}
