/*-------------------------------------------------------------------------
 *
 * http.c
 *		The access handler, per-request state, bodies and replies (see
 *		http.h).
 *
 * Life of a request (struct gw_request, kept in MHD's *req_cls):
 *	0. the request line: http_uri_log sets the initial *req_cls, NULL or
 *	   nul_path_marker (the raw path holds %00);
 *	1. first call: route lookup; 404/405/415, and 413 when Content-Length
 *	   is over --max-body, are answered at once;
 *	2. body calls: bytes are appended to req->body; past --max-body they
 *	   are only counted (chunked uploads have no Content-Length), and the
 *	   final call answers 413 (libmicrohttpd 0.9.75 cannot answer in the
 *	   middle of a body).  A client that sends more than max(4 x
 *	   --max-body, 8 MiB) in all is disconnected without an answer;
 *	3. final call: the request becomes a database job (ingest, query,
 *	   health check), the connection is suspended, and the job is queued
 *	   (in that order: a worker may resume the connection as soon as the
 *	   job is queued).  /metrics and UI files are answered directly;
 *	4. after the worker's done() resumes the connection, MHD calls the
 *	   handler once more and the job's result is sent;
 *	5. http_request_done logs, counts and frees.
 *
 * Every response carries Content-Type and X-Content-Type-Options: nosniff;
 * API responses Cache-Control: no-store; every 503 a Retry-After; every
 * 405 an Allow.  Error bodies come from errors.c.
 *
 *-------------------------------------------------------------------------
 */
#include "http.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "auth.h"
#include "batch.h"
#include "buf.h"
#include "deadline.h"
#include "errors.h"
#include "fields.h"
#include "gateway.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "routes.h"
#include "static.h"
#include "stream.h"
#include "text.h"

#define JSON_TYPE	"application/json"
#define CSV_TYPE	"text/csv; charset=utf-8"

/* Where a request stands. */
enum req_state
{
	RS_RECEIVING,				/* headers seen, body being received */
	RS_WAITING,					/* a database job is queued; suspended */
	RS_ANSWERED					/* a response has been queued */
};

struct gw_request
{
	struct MHD_Connection *conn;
	struct gw_match match;		/* what serves it */
	unsigned	method_bit;
	char		method[12];		/* for the log, truncated */
	char	   *path;			/* for the log, truncated copy */
	uint64_t	start_ns;
	enum req_state state;
	bool		v3;				/* ingest: the body is a JSON object */

	char	   *body;			/* received body, malloc'd */
	size_t		body_len;
	size_t		body_cap;
	bool		too_large;		/* body went past --max-body */
	size_t		discarded;		/* bytes dropped since */

	struct gw_record record;	/* ingest: the normalized record */
	bool		refused;		/* ingest: not a record; being quarantined */
	struct gw_ingest_error refusal; /* why, and what the quarantine keeps */
	char	   *refusal_message;	/* its message as UTF-8, for the database */
	size_t		refusal_message_len;
	struct gw_job job;			/* the database job, if any */

	unsigned	status;			/* the status sent; 0 = none */
	char		record_id[24];	/* for the log */

	enum gw_role role;			/* with an auth file: who asks */
	char		user[AUTH_MAX_NAME + 1];	/* their name, for the log and whoami */
	char	   *params;			/* API: p_params as JSON text, malloc'd */
};

static atomic_long inflight;
static atomic_bool draining;

void
http_set_draining(void)
{
	atomic_store(&draining, true);
}

enum MHD_Result
http_accept_policy(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	return atomic_load(&draining) ? MHD_NO : MHD_YES;
}

long
http_inflight(void)
{
	return atomic_load(&inflight);
}

/* ----------------------------------------------------------------
 * Replies
 * ----------------------------------------------------------------
 */

/*
 * reply
 *		Queue a response with body (malloc'd; ownership passes to MHD, even
 *		on failure).  Adds the headers every response carries.
 */
static enum MHD_Result
reply(struct gw_request *req, unsigned status, char *body, size_t len,
	  const char *content_type)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char		value[64];

	resp = MHD_create_response_from_buffer(len, body ? body : (void *) "",
										   body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
	{
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == 503)
	{
		snprintf(value, sizeof(value), "%d", gw_config.retry_after);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, value);
	}
	if (status == 405)
	{
		route_allow_header(req->match.allow, value, sizeof(value));
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, value);
	}
	if (status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
								"Basic realm=\"telemetrics\", charset=\"UTF-8\"");
	if (atomic_load(&draining))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(req->conn, status, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES)
	{
		req->status = status;
		req->state = RS_ANSWERED;
	}
	return ret;
}

/* Reply with a gateway error. */
static enum MHD_Result
reply_error(struct gw_request *req, enum gw_error e, const char *message,
			const char *details, const char *hint)
{
	size_t		len = 0;
	char	   *body = err_body(err_code(e), message, details, hint, &len);

	return reply(req, err_status(e), body, len, JSON_TYPE);
}

/* Reply with what a database worker produced. */
static enum MHD_Result
reply_job(struct gw_request *req)
{
	struct gw_job *job = &req->job;
	char	   *body = job->body;

	job->body = NULL;
	if (body == NULL)
		return reply_error(req, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL, NULL);
	snprintf(req->record_id, sizeof(req->record_id), "%s", job->record_id);
	return reply(req, job->status, body, job->body_len, JSON_TYPE);
}

/* ----------------------------------------------------------------
 * Database jobs
 * ----------------------------------------------------------------
 */

/* A worker finished the job: wake the connection (any thread). */
static void
job_done(struct gw_job *job)
{
	struct gw_request *req = job->arg;

	MHD_resume_connection(req->conn);
}

/* Suspend the connection and queue the job; the worker resumes it. */
static enum MHD_Result
submit(struct gw_request *req)
{
	req->job.done = job_done;
	req->job.arg = req;
	req->state = RS_WAITING;
	MHD_suspend_connection(req->conn);
	if (!batch_submit(&req->job))
	{
		if (req->job.kind == GW_JOB_STREAM)
			batch_stream_release();
		job_set_error(&req->job, GW_ERR_SHUTTING_DOWN, "the gateway is shutting down", NULL);
		MHD_resume_connection(req->conn);
	}
	return MHD_YES;
}

/* The v2 header iterator: offer every request header to the record builder. */
static enum MHD_Result
v2_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
		  const char *value, size_t value_size)
{
	ingest_v2_header(cls, key, key_size, value ? value : "", value ? value_size : 0);
	return MHD_YES;
}

/* The two headers a v3 request may carry, matched like v2 field names. */
struct v3_headers
{
	const char *tid;
	const char *external;
};

/* The v3 header iterator: remember the first of each of the two headers. */
static enum MHD_Result
v3_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
		  const char *value, size_t value_size)
{
	struct v3_headers *h = cls;
	int			f = tm_field_lookup(key, key_size);

	if (f == TM_X_TELEMETRY_TID && h->tid == NULL)
		h->tid = value ? value : "";
	else if (f == TM_X_CLR_EXTERNAL && h->external == NULL)
		h->external = value ? value : "";
	return MHD_YES;
}

/*
 * start_quarantine
 *		A request on an ingest route that is not a record (GW103 to GW106):
 *		keep it in the quarantine before answering, so that, like a record
 *		the extension rejects, it is never lost silently.  Takes over *err.
 *		The answer comes once the quarantine job is done (reply_refusal).
 */
static enum MHD_Result
start_quarantine(struct gw_request *req, struct gw_ingest_error *err)
{
	const char *code = err_code(err->error);

	req->refused = true;
	req->refusal = *err;
	req->refusal_message = text_to_utf8_shown(err->message, strlen(err->message),
											  &req->refusal_message_len);
	if (req->refusal_message == NULL)
		return reply_error(req, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL, NULL);

	req->job.kind = GW_JOB_STATEMENT;
	req->job.statement = GW_STMT_QUARANTINE_REQUEST;
	req->job.values[0] = code;
	req->job.lengths[0] = (int) strlen(code);
	req->job.values[1] = req->refusal_message;
	req->job.lengths[1] = (int) req->refusal_message_len;
	req->job.values[2] = req->refusal.fields;
	req->job.lengths[2] = (int) req->refusal.fields_len;
	req->job.values[3] = req->body ? req->body : "";	/* as received */
	req->job.lengths[3] = (int) req->body_len;
	req->job.values[4] = req->refusal.tid;
	req->job.lengths[4] = (int) req->refusal.tid_len;
	return submit(req);
}

/*
 * The quarantine job is done: answer the refusal.  When the database was
 * unavailable or too busy (a 503), answer that instead, so that the client
 * sends the request again and it is kept then.  Any other failure (the
 * function missing or not granted: a broken installation) is logged, and
 * the client still gets its 400.
 */
static enum MHD_Result
reply_refusal(struct gw_request *req)
{
	const char *code = err_code(req->refusal.error);

	if (req->job.status == 503)
		return reply_job(req);
	if (req->job.status != 200)
		gw_log(GW_LOG_ERROR, "could not keep a refused request (%s) in telemetrics.quarantine: %u %.300s",
			   code, req->job.status, req->job.body ? req->job.body : "");
	metrics_record(GW_OUTCOME_REJECTED, code);
	return reply_error(req, req->refusal.error, req->refusal.message,
					   req->refusal.details[0] ? req->refusal.details : NULL, NULL);
}

/*
 * start_ingest
 *		Final call of an ingest request: normalize it into req->record and
 *		queue it for a database worker.  A request that is not a record is
 *		quarantined and then answered 400 (start_quarantine).
 */
static enum MHD_Result
start_ingest(struct gw_request *req)
{
	struct gw_ingest_error err;
	bool		ok;

	if (req->v3)
	{
		struct v3_headers h = {NULL, NULL};

		MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, v3_header, &h);
		ok = ingest_v3(req->body ? req->body : "", req->body_len, h.tid, h.external,
					   &req->record, &err);
	}
	else
	{
		struct gw_v2 v2;

		ingest_v2_begin(&v2);
		MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, v2_header, &v2);
		ok = ingest_v2_end(&v2, req->body, req->body_len, &req->record, &err);
	}
	if (!ok)
	{
		if (ingest_error_kept(err.error))
			return start_quarantine(req, &err);
		ingest_error_free(&err);
		return reply_error(req, err.error, err.message, err.details[0] ? err.details : NULL, NULL);
	}

	req->job.kind = GW_JOB_INGEST;
	req->job.record = &req->record;
	return submit(req);
}

/*
 * start_statement
 *		Final call of a query or health route: bind the route's query
 *		parameters by name (absent: NULL; present without a value: ""), and
 *		queue the statement.  The parameter values point into MHD's memory,
 *		which lives as long as the request.
 */
static enum MHD_Result
start_statement(struct gw_request *req)
{
	const struct gw_route *route = req->match.route;
	int			i;

	req->job.kind = GW_JOB_STATEMENT;
	req->job.statement = route->statement;
	for (i = 0; i < route_statements[route->statement].nparams; i++)
	{
		const char *name = route->params[i];
		const char *value = NULL;
		size_t		size = 0;

		req->job.values[i] = NULL;
		req->job.lengths[i] = 0;
		if (name != NULL &&
			MHD_lookup_connection_value_n(req->conn, MHD_GET_ARGUMENT_KIND, name,
										  strlen(name), &value, &size) == MHD_YES)
		{
			/* "?limit" without a value is the empty string */
			req->job.values[i] = value ? value : "";
			req->job.lengths[i] = value ? (int) size : 0;
		}
	}
	return submit(req);
}

/* ----------------------------------------------------------------
 * The read and management API: one p_params jsonb per request
 * ----------------------------------------------------------------
 */

/* Collecting query parameters into a JSON object. */
struct params_ctx
{
	json_t	   *obj;
	bool		keep_existing;	/* POST: the body's keys win */
	bool		bad;			/* a name or value is not UTF-8, or holds NUL */
	char		bad_name[64];
};

static enum MHD_Result
collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
			const char *value, size_t value_size)
{
	struct params_ctx *ctx = cls;
	json_t	   *v;

	if (value == NULL)
	{
		value = "";
		value_size = 0;
	}
	if (!text_is_utf8(key, key_size) || !text_is_utf8(value, value_size) ||
		memchr(key, '\0', key_size) != NULL || memchr(value, '\0', value_size) != NULL)
	{
		ctx->bad = true;
		snprintf(ctx->bad_name, sizeof(ctx->bad_name), "%.*s", (int) (key_size > 40 ? 40 : key_size), key);
		return MHD_NO;
	}
	if (ctx->keep_existing && json_object_getn(ctx->obj, key, key_size) != NULL)
		return MHD_YES;
	v = json_stringn(value, value_size);
	if (v == NULL || json_object_setn_new(ctx->obj, key, key_size, v) != 0)
	{
		ctx->bad = true;
		ctx->bad_name[0] = '\0';
		return MHD_NO;
	}
	return MHD_YES;
}

/*
 * build_params
 *		p_params for an API route, as docs/ui.md says: for GET, HEAD and
 *		DELETE the query string as an object of strings (a repeated name
 *		keeps its last value); for POST the JSON body (an object; none is
 *		{}), plus query parameters the body does not have; then the path's
 *		{id}, which wins.  On success req->params holds the JSON text;
 *		otherwise the request has been answered (400).
 */
static bool
build_params(struct gw_request *req, enum MHD_Result *ret)
{
	struct params_ctx ctx = {NULL, false, false, ""};
	char		msg[256];
	char		details[128];

	if (req->method_bit == GW_METHOD_POST && req->body_len > 0)
	{
		json_error_t jerr;

		ctx.obj = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
		if (ctx.obj == NULL)
		{
			snprintf(msg, sizeof(msg), "malformed JSON at line %d, column %d: %s",
					 jerr.line, jerr.column, jerr.text);
			snprintf(details, sizeof(details), "The error is at byte offset %d of the request body.",
					 jerr.position);
			*ret = reply_error(req, GW_ERR_MALFORMED_JSON, msg, details, NULL);
			return false;
		}
		if (!json_is_object(ctx.obj))
		{
			json_decref(ctx.obj);
			*ret = reply_error(req, GW_ERR_NOT_OBJECT, "the request body must be a JSON object", NULL, NULL);
			return false;
		}
		ctx.keep_existing = true;
	}
	else
		ctx.obj = json_object();
	if (ctx.obj == NULL)
	{
		*ret = reply_error(req, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL, NULL);
		return false;
	}
	MHD_get_connection_values_n(req->conn, MHD_GET_ARGUMENT_KIND, collect_arg, &ctx);
	if (ctx.bad)
	{
		json_decref(ctx.obj);
		snprintf(msg, sizeof(msg), "query parameter \"%s\" is not valid UTF-8 or holds a NUL character",
				 ctx.bad_name);
		*ret = reply_error(req, GW_ERR_BAD_QUERY, msg, NULL, "Percent-encode UTF-8 text.");
		return false;
	}
	if (req->match.has_id)
	{
		json_t	   *id = text_is_utf8(req->match.id, strlen(req->match.id)) ?
			json_string(req->match.id) : json_string("?");

		if (id == NULL || json_object_set_new(ctx.obj, "id", id) != 0)
		{
			json_decref(ctx.obj);
			*ret = reply_error(req, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL, NULL);
			return false;
		}
	}
	req->params = json_dumps(ctx.obj, JSON_COMPACT);
	json_decref(ctx.obj);
	if (req->params == NULL)
	{
		*ret = reply_error(req, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL, NULL);
		return false;
	}
	return true;
}

/* Final call of an API route: its one function, p_params as $1. */
static enum MHD_Result
start_api(struct gw_request *req)
{
	enum MHD_Result ret;

	if (req->method_bit == GW_METHOD_POST && req->body_len > 0 &&
		!text_media_type_is(MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
														MHD_HTTP_HEADER_CONTENT_TYPE), JSON_TYPE))
		return reply_error(req, GW_ERR_CONTENT_TYPE, "a request body must be application/json",
						   NULL, NULL);
	if (!build_params(req, &ret))
		return ret;
	req->job.kind = req->match.route->handler == GW_H_API_CSV ? GW_JOB_STREAM : GW_JOB_STATEMENT;
	req->job.statement = req->match.route->statement;
	req->job.values[0] = req->params;
	req->job.lengths[0] = (int) strlen(req->params);
	if (req->job.kind == GW_JOB_STREAM)
	{
		if (!batch_stream_acquire())
			return reply_error(req, GW_ERR_TOO_MANY_STREAMS, "too many exports in progress",
							   "An export keeps a database worker busy; one worker always stays for other requests.",
							   "Retry after the running export has finished.");
		req->job.conn = req->conn;
	}
	return submit(req);
}

/*
 * reply_stream
 *		The worker answered a streaming job 200: send the rows as they come
 *		(chunked), as an attachment.  The response takes over the stream's
 *		reference.
 */
static enum MHD_Result
reply_stream(struct gw_request *req)
{
	struct gw_stream *s = req->job.stream;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	req->job.stream = NULL;
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, stream_reader, s, stream_free);
	if (resp == NULL)
	{
		stream_free(s);
		return reply_error(req, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL, NULL);
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, CSV_TYPE);
	MHD_add_response_header(resp, "Content-Disposition", "attachment; filename=\"records.csv\"");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (atomic_load(&draining))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(req->conn, 200, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES)
	{
		req->status = 200;
		req->state = RS_ANSWERED;
	}
	return ret;
}

/* GET /api/whoami: who the gateway thinks asks, and what they may do. */
static enum MHD_Result
reply_whoami(struct gw_request *req)
{
	bool		on = auth_enabled();
	json_t	   *obj = json_pack("{s:b, s:o, s:s}",
								"auth", on,
								"user", on ? json_string(req->user) : json_null(),
								"role", on ? auth_role_name(req->role) : "admin");
	char	   *body = obj ? json_dumps(obj, JSON_COMPACT) : NULL;

	json_decref(obj);
	if (body == NULL)
		return reply_error(req, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL, NULL);
	return reply(req, 200, body, strlen(body), JSON_TYPE);
}

/* The health check's answer, from the version the database reported. */
static enum MHD_Result
reply_healthz(struct gw_request *req)
{
	struct gw_job *job = &req->job;
	char		details[256];
	char	   *body;
	size_t		len;

	if (job->status != 200 || job->body == NULL)
	{
		/* the database error, or GW001, but always 503: not healthy */
		body = job->body;
		job->body = NULL;
		if (body == NULL)
			return reply_error(req, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL, NULL);
		return reply(req, 503, body, job->body_len, JSON_TYPE);
	}
	if (strcmp(job->body, GW_EXTENSION_VERSION) != 0)
	{
		snprintf(details, sizeof(details),
				 "The gateway %s was built for extension version %s; the database has %.32s.",
				 GW_VERSION, GW_EXTENSION_VERSION, job->body);
		return reply_error(req, GW_ERR_VERSION_MISMATCH, "extension version mismatch",
						   details, "Install the gateway built for this extension version, or ALTER EXTENSION telemetrics UPDATE.");
	}
	{
		struct gw_buf b;

		buf_init(&b);
		buf_printf(&b, "{\"status\":\"ok\",\"version\":\"%s\",\"extension_version\":\"%s\"}",
				   GW_VERSION, GW_EXTENSION_VERSION);
		body = buf_steal(&b, &len);
		if (body == NULL)
			return reply_error(req, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL, NULL);
		return reply(req, 200, body, len, JSON_TYPE);
	}
}

/* GET /metrics: answered in the HTTP thread, no database involved. */
static enum MHD_Result
reply_metrics(struct gw_request *req)
{
	size_t		len;
	char	   *body = metrics_render(&len);

	if (body == NULL)
		return reply_error(req, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL, NULL);
	return reply(req, 200, body, len, "text/plain; version=0.0.4; charset=utf-8");
}

/* A UI file from the allow-list, or a JSON 404 when it is not there. */
static enum MHD_Result
reply_static(struct gw_request *req)
{
	unsigned	status;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	const char *inm = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
												  MHD_HTTP_HEADER_IF_NONE_MATCH);

	resp = static_response(req->match.file, inm, &status);
	if (resp == NULL)
	{
		if (status == 503)
			return reply_error(req, GW_ERR_OUT_OF_MEMORY, "out of memory", NULL, NULL);
		return reply_error(req, GW_ERR_NOT_FOUND, "not found",
						   gw_config.ui_dir ? "The UI file is missing." : "No UI is configured (--ui-dir).",
						   NULL);
	}
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (atomic_load(&draining))
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(req->conn, status, resp);
	MHD_destroy_response(resp);
	if (ret == MHD_YES)
	{
		req->status = status;
		req->state = RS_ANSWERED;
	}
	return ret;
}

/* ----------------------------------------------------------------
 * The access handler
 * ----------------------------------------------------------------
 */

/* Is this Content-Type one that a v2 body may have? */
static bool
v2_content_type_ok(const char *ct)
{
	return ct == NULL ||
		text_media_type_is(ct, "application/text") ||
		text_media_type_is(ct, "text/plain") ||
		text_media_type_is(ct, "application/octet-stream") ||
		text_media_type_is(ct, "application/x-www-form-urlencoded");
}

/*
 * route_access
 *		Who may use what the request matched: the route's access; a UI file
 *		or an unknown path needs a user; a known path with the wrong method
 *		is as open as the most open route of that path (so that a probe's
 *		GET /v2/collector is a 405, not a 401).
 */
static enum gw_access
route_access(const char *url, const struct gw_match *m)
{
	size_t		i;
	enum gw_access a = GW_ACCESS_VIEWER;

	if (m->route != NULL)
		return m->route->access;
	if (m->file != NULL || m->allow == 0)
		return GW_ACCESS_VIEWER;
	for (i = 0; i < route_count; i++)
		if (strcmp(route_table[i].path, url) == 0 && route_table[i].access < a)
			a = route_table[i].access;
	return a;
}

/*
 * same_origin
 *		May a management write come from where the browser says it comes
 *		from?  Browsers send Origin with every cross-origin POST and DELETE
 *		(and Sec-Fetch-Site): one from another origin is refused, so a page
 *		elsewhere cannot use the credentials a browser keeps for the UI.
 *		Clients that send neither (curl, scripts) are not browsers.
 */
static bool
same_origin(struct MHD_Connection *conn)
{
	const char *site = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Sec-Fetch-Site");
	const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	const char *o;

	if (site != NULL && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return false;
	if (origin == NULL)
		return true;
	if (host == NULL)
		return false;
	if (strncmp(origin, "http://", 7) == 0)
		o = origin + 7;
	else if (strncmp(origin, "https://", 8) == 0)
		o = origin + 8;
	else
		return false;			/* "null" and the like */
	return strcasecmp(o, host) == 0;
}

/*
 * access_ok
 *		Access control for the request (after routing): with an auth file,
 *		Basic credentials for everything but ingest and /healthz (401), the
 *		admin role for management writes (403); always, a management write
 *		from another origin is refused (403).  Returns false after
 *		answering.
 */
static bool
access_ok(struct gw_request *req, const char *url, enum MHD_Result *ret)
{
	enum gw_access need = route_access(url, &req->match);

	if (need == GW_ACCESS_OPEN)
		return true;
	if (auth_enabled())
	{
		const char *authz = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
														MHD_HTTP_HEADER_AUTHORIZATION);

		req->role = auth_check_current(authz, req->user, sizeof(req->user));
		if (req->role == GW_ROLE_NONE)
		{
			*ret = reply_error(req, GW_ERR_UNAUTHORIZED, "authentication required",
							   authz ? "The user name or password is wrong." : NULL,
							   "Log in with a user of the gateway's auth file (HTTP Basic).");
			return false;
		}
		if (need == GW_ACCESS_ADMIN && req->role != GW_ROLE_ADMIN)
		{
			char		msg[160];

			snprintf(msg, sizeof(msg), "user \"%s\" (role %s) may not %s %s", req->user,
					 auth_role_name(req->role), req->method, req->match.route->path);
			*ret = reply_error(req, GW_ERR_FORBIDDEN, msg, NULL,
							   "Management actions need a user with the admin role.");
			return false;
		}
	}
	else
		req->role = GW_ROLE_ADMIN;
	if (need == GW_ACCESS_ADMIN && !same_origin(req->conn))
	{
		*ret = reply_error(req, GW_ERR_CROSS_ORIGIN, "cross-origin request refused",
						   "A management action must come from the UI's own origin.", NULL);
		return false;
	}
	return true;
}

/* MHD_get_connection_values callback: add up one header's bytes. */
static enum MHD_Result
add_header_bytes(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	size_t	   *n = cls;

	*n += strlen(key) + (value ? strlen(value) : 0) + 4;	/* ": " and CRLF */
	return MHD_YES;
}

/* The size of the request line and headers, about as the client sent them. */
static size_t
header_bytes(struct MHD_Connection *conn, const char *url)
{
	size_t		n = strlen(url) + 32;	/* the method and version, about */

	MHD_get_connection_values(conn, MHD_HEADER_KIND, add_header_bytes, &n);
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_header_bytes, &n);
	return n;
}

/*
 * The initial *req_cls of a request whose raw path holds "%00".
 * libmicrohttpd unescapes the path before http_handle sees it, as a C
 * string: "/%00anything" would arrive as "/" and be routed as "/".  Such a
 * path matches no route (first_call answers 404).
 */
static char nul_path_marker;

/*
 * first_call
 *		The first call for a request (headers complete, no body yet):
 *		allocate its state, route it, and answer at once what can be
 *		answered from the headers alone: 404, 405, 415, and 413 from
 *		Content-Length.  nul_path: the raw path held %00 (url is cut
 *		there), so the request matches no route.  Returns MHD_NO (close the
 *		connection) only when out of memory.
 */
static enum MHD_Result
first_call(struct MHD_Connection *conn, const char *url, const char *method,
		   void **req_cls, bool nul_path)
{
	struct gw_request *req = calloc(1, sizeof(*req));
	char		message[320];
	const char *ct;
	const char *cl;
	bool		found;
	enum MHD_Result ret;

	if (req == NULL)
		return MHD_NO;
	req->conn = conn;
	req->start_ns = gw_now_ns();
	req->state = RS_RECEIVING;
	req->method_bit = route_method_bit(method);
	snprintf(req->method, sizeof(req->method), "%s", method);
	/* a path cut at its NUL is not what the client asked for: log a marker */
	req->path = nul_path ? strdup("(a path holding %00)") : strndup(url, 200);
	*req_cls = req;
	atomic_fetch_add(&inflight, 1);
	metrics_inflight_add(1);

	if (nul_path)
	{
		found = false;
		req->match.label = GW_LABEL_UNMATCHED;
	}
	else
		found = route_lookup(url, method, &req->match);
	if (header_bytes(conn, url) > gw_config.max_header_bytes)
	{
		snprintf(message, sizeof(message),
				 "the request line and headers exceed the limit of %zu bytes",
				 gw_config.max_header_bytes);
		return reply_error(req, GW_ERR_HEADERS_TOO_LARGE, message, NULL, NULL);
	}
	if (!access_ok(req, url, &ret))
		return ret;
	if (nul_path)
		return reply_error(req, GW_ERR_NOT_FOUND, "not found",
						   "the path holds %00 (a NUL byte), which no route has", NULL);
	if (!found)
	{
		if (req->match.allow == 0)
		{
			snprintf(message, sizeof(message), "no route for %.10s %.200s", req->method, url);
			return reply_error(req, GW_ERR_NOT_FOUND, "not found", message, NULL);
		}
		snprintf(message, sizeof(message), "method %.10s is not allowed on %.200s", req->method, url);
		return reply_error(req, GW_ERR_METHOD, message, NULL, NULL);
	}

	if (req->match.route != NULL &&
		(req->match.route->handler == GW_H_INGEST || req->match.route->handler == GW_H_INGEST_V3))
	{
		ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		req->v3 = text_media_type_is(ct, JSON_TYPE);
		if (req->match.route->handler == GW_H_INGEST_V3 && !req->v3)
		{
			snprintf(message, sizeof(message), "Content-Type \"%.100s\" is not accepted on %s",
					 ct ? ct : "(none)", req->match.route->path);
			return reply_error(req, GW_ERR_CONTENT_TYPE, message, NULL,
							   "v3 records are sent as application/json.");
		}
		if (!req->v3 && !v2_content_type_ok(ct))
		{
			snprintf(message, sizeof(message), "Content-Type \"%.100s\" is not accepted on %s",
					 ct, req->match.route->path);
			return reply_error(req, GW_ERR_CONTENT_TYPE, message, NULL,
							   "Send v2 records (fields in headers) as application/text, "
							   "v3 records (one JSON object) as application/json.");
		}
	}

	if (req->match.route != NULL && req->match.route->handler == GW_H_API &&
		req->method_bit == GW_METHOD_POST)
	{
		ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		if (ct != NULL && !text_media_type_is(ct, JSON_TYPE))
		{
			snprintf(message, sizeof(message), "Content-Type \"%.100s\" is not accepted on %s",
					 ct, req->match.route->path);
			return reply_error(req, GW_ERR_CONTENT_TYPE, message, NULL,
							   "Send the parameters as one JSON object (application/json).");
		}
	}

	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL)
	{
		size_t		n;

		if (text_parse_size(cl, &n) && strspn(cl, "0123456789") == strlen(cl) &&
			n > gw_config.max_body)
		{
			snprintf(message, sizeof(message), "request body of %zu bytes exceeds the limit of %zu bytes",
					 n, gw_config.max_body);
			return reply_error(req, GW_ERR_BODY_TOO_LARGE, message, NULL, NULL);
		}
	}
	return MHD_YES;
}

/* How much of an over-long body is read (and dropped) before disconnecting. */
static size_t
discard_limit(void)
{
	size_t		limit = gw_config.max_body * 4;

	return limit < 8 * 1024 * 1024 ? 8 * 1024 * 1024 : limit;
}

/* Take a piece of the body. */
static enum MHD_Result
take_body(struct gw_request *req, const char *data, size_t size)
{
	if (!req->too_large && size > gw_config.max_body - req->body_len)
	{
		req->too_large = true;
		free(req->body);
		req->body = NULL;
		req->body_len = req->body_cap = 0;
	}
	if (req->too_large)
	{
		/*
		 * libmicrohttpd 0.9.75 cannot answer before the body is complete, so
		 * count and drop the rest, and answer 413 at the end.  A client that
		 * keeps sending far more is not worth the bandwidth: disconnect.
		 */
		req->discarded += size;
		if (req->discarded > discard_limit())
		{
			gw_log(GW_LOG_WARN, "%s %s: closing the connection after %zu bytes over the body limit",
				   req->method, req->path ? req->path : "?", req->discarded);
			return MHD_NO;
		}
		return MHD_YES;
	}
	if (req->body_len + size > req->body_cap)
	{
		size_t		cap = req->body_cap ? req->body_cap : 1024;
		char	   *p;

		while (cap < req->body_len + size)
			cap *= 2;
		if (cap > gw_config.max_body)
			cap = gw_config.max_body;
		p = realloc(req->body, cap + 1);
		if (p == NULL)
			return MHD_NO;
		req->body = p;
		req->body_cap = cap;
	}
	memcpy(req->body + req->body_len, data, size);
	req->body_len += size;
	req->body[req->body_len] = '\0';
	return MHD_YES;
}

enum MHD_Result
http_handle(void *cls, struct MHD_Connection *conn, const char *url,
			const char *method, const char *version, const char *upload_data,
			size_t *upload_data_size, void **req_cls)
{
	struct gw_request *req = *req_cls;
	char		message[128];

	if (req == NULL || *req_cls == &nul_path_marker)
		return first_call(conn, url, method, req_cls, req != NULL);

	if (*upload_data_size > 0)
	{
		size_t		size = *upload_data_size;

		*upload_data_size = 0;
		if (req->state != RS_RECEIVING)
			return MHD_YES;		/* answered already; MHD discards the rest */
		return take_body(req, upload_data, size);
	}

	switch (req->state)
	{
		case RS_ANSWERED:
			return MHD_YES;
		case RS_WAITING:
			/* resumed by the worker: send its result */
			if (req->match.route->handler == GW_H_HEALTHZ)
				return reply_healthz(req);
			if (req->refused)
				return reply_refusal(req);
			if (req->job.stream != NULL)
				return reply_stream(req);
			return reply_job(req);
		case RS_RECEIVING:
			break;
	}

	deadline_received(conn);	/* the whole request is in */
	if (req->too_large)
	{
		snprintf(message, sizeof(message), "request body exceeds the limit of %zu bytes",
				 gw_config.max_body);
		return reply_error(req, GW_ERR_BODY_TOO_LARGE, message, NULL, NULL);
	}
	if (req->match.file != NULL)
		return reply_static(req);
	switch (req->match.route->handler)
	{
		case GW_H_INGEST:
		case GW_H_INGEST_V3:
			return start_ingest(req);
		case GW_H_QUERY:
		case GW_H_HEALTHZ:
			return start_statement(req);
		case GW_H_METRICS:
			return reply_metrics(req);
		case GW_H_API:
		case GW_H_API_CSV:
			return start_api(req);
		case GW_H_WHOAMI:
			return reply_whoami(req);
		case GW_H_STATIC:
			break;
	}
	return reply_error(req, GW_ERR_NOT_FOUND, "not found", NULL, NULL);
}

void
http_request_done(void *cls, struct MHD_Connection *conn, void **req_cls,
				  enum MHD_RequestTerminationCode toe)
{
	struct gw_request *req = *req_cls;
	uint64_t	duration;
	int			level;

	deadline_answered(conn);	/* it waits for its next request line */
	if (req == NULL || *req_cls == &nul_path_marker)
		return;
	*req_cls = NULL;
	duration = gw_now_ns() - req->start_ns;
	metrics_request(req->match.label, req->method_bit, req->status, duration);

	level = (req->status >= 500 || toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) ?
		GW_LOG_WARN : GW_LOG_INFO;
	if (log_enabled(level))
	{
		static const char *const reasons[] = {
			[MHD_REQUEST_TERMINATED_COMPLETED_OK] = "",
			[MHD_REQUEST_TERMINATED_WITH_ERROR] = " (connection error)",
			[MHD_REQUEST_TERMINATED_TIMEOUT_REACHED] = " (timed out)",
			[MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN] = " (shutdown)",
			[MHD_REQUEST_TERMINATED_READ_ERROR] = " (read error)",
			[MHD_REQUEST_TERMINATED_CLIENT_ABORT] = " (client closed the connection)",
		};
		const char *reason = ((unsigned) toe < sizeof(reasons) / sizeof(reasons[0]) &&
							  reasons[toe]) ? reasons[toe] : " (aborted)";

		gw_log(level, "%s %s %u %.3f ms%s%s%s%s%s", req->method,
			   req->path ? req->path : "?", req->status, (double) duration / 1e6,
			   req->record_id[0] ? " id=" : "", req->record_id,
			   req->user[0] ? " user=" : "", req->user, reason);
	}

	free(req->body);
	free(req->path);
	free(req->params);
	free(req->job.body);
	if (req->job.stream != NULL)
		stream_free(req->job.stream);	/* never handed to a response */
	ingest_record_free(&req->record);
	ingest_error_free(&req->refusal);
	free(req->refusal_message);
	free(req);
	metrics_inflight_add(-1);
	atomic_fetch_sub(&inflight, 1);
}

void
http_connection_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
					   enum MHD_ConnectionNotificationCode toe)
{
	metrics_http_connections_add(toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		deadline_open(conn, socket_context);
	else
		deadline_close(socket_context);
}

void *
http_uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	size_t		path_len;
	const char *p;

	deadline_request_line(conn);
	if (uri == NULL)
		return NULL;
	path_len = strcspn(uri, "?");
	for (p = uri; (p = memchr(p, '%', path_len - (size_t) (p - uri))) != NULL; p++)
	{
		if ((size_t) (p - uri) + 2 < path_len && p[1] == '0' && p[2] == '0')
			return &nul_path_marker;
	}
	return NULL;				/* http_handle's first call sees *req_cls == NULL */
}

void
http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char		msg[512];
	size_t		n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	gw_log(GW_LOG_INFO, "libmicrohttpd: %s", msg);
}
