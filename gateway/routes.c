/*-------------------------------------------------------------------------
 *
 * routes.c
 *		The route table and the statements it calls (see routes.h).
 *
 * Every statement calls exactly one function of the telemetrics_api
 * schema, the only one the gateway's role may use; the database decides
 * everything about a record.  To add an endpoint: add its statement (if
 * it needs a new one) and a row; GW_H_QUERY rows need no code at all,
 * their query parameters are bound by name, absent ones as NULL.
 *
 *-------------------------------------------------------------------------
 */
#include "routes.h"

#include <stdio.h>
#include <string.h>

#include "static.h"

/* Type OIDs (fixed in PostgreSQL's catalog, pg_type.dat). */
#define TEXTOID			25
#define BYTEAARRAYOID	1001
#define TEXTARRAYOID	1009
#define JSONBARRAYOID	3807

const struct gw_statement route_statements[GW_NUM_STATEMENTS] = {
	[GW_STMT_INGEST_BATCH] = {
		"ingest_batch",
		"SELECT b.ord, b.outcome, b.sqlstate, b.message, b.record::pg_catalog.text, "
		"b.record OPERATOR(pg_catalog.->>) 'id' "
		"FROM telemetrics_api.ingest_batch($1, $2, $3) AS b",
		3, {JSONBARRAYOID, BYTEAARRAYOID, TEXTARRAYOID}, false
	},
	[GW_STMT_QUERY_RECORDS] = {
		"query_records",
		"SELECT telemetrics_api.query_records($1, $2, $3, $4, $5, $6, $7, $8, $9)::pg_catalog.text",
		9, {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID},
		true
	},
	[GW_STMT_VERSION] = {
		"version",
		"SELECT telemetrics_api.version()",
		0, {0}, true
	},
};

const struct gw_route route_table[] = {
	{GW_METHOD_POST, "/", GW_H_INGEST, GW_STMT_INGEST_BATCH, {NULL},
	"ingest one record: v2 (fields in headers, raw payload body), or v3 when Content-Type is application/json"},
	{GW_METHOD_POST, "/v2/collector", GW_H_INGEST, GW_STMT_INGEST_BATCH, {NULL},
	"the same as POST /"},
	{GW_METHOD_POST, "/v3/collector", GW_H_INGEST_V3, GW_STMT_INGEST_BATCH, {NULL},
	"ingest one record: v3 (one JSON object: fields and payload)"},
	{GW_METHOD_GET | GW_METHOD_HEAD, "/api/records", GW_H_QUERY, GW_STMT_QUERY_RECORDS,
		{"severity", "classification", "build", "machine_id", "created_in_days",
		"created_in_sec", "from_id", "ts_capture", "limit", NULL},
	"the reference's record query: telemetrics_api.query_records()"},
	{GW_METHOD_GET | GW_METHOD_HEAD, "/healthz", GW_H_HEALTHZ, GW_STMT_VERSION, {NULL},
	"200 when the database answers and the extension version is the gateway's, else 503"},
	{GW_METHOD_GET | GW_METHOD_HEAD, "/metrics", GW_H_METRICS, -1, {NULL},
	"counters and histograms, Prometheus text format"},
};
const size_t route_count = sizeof(route_table) / sizeof(route_table[0]);

_Static_assert(sizeof(route_table) / sizeof(route_table[0]) + 2 <= GW_NUM_LABELS_MAX,
			   "raise GW_NUM_LABELS_MAX");

static const struct
{
	const char *name;
	unsigned	bit;
}			methods[] = {
	{"GET", GW_METHOD_GET},
	{"HEAD", GW_METHOD_HEAD},
	{"POST", GW_METHOD_POST},
	{"PUT", GW_METHOD_PUT},
	{"DELETE", GW_METHOD_DELETE},
	{"PATCH", GW_METHOD_PATCH},
	{"OPTIONS", GW_METHOD_OPTIONS},
};

unsigned
route_method_bit(const char *method)
{
	size_t		i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(method, methods[i].name) == 0)
			return methods[i].bit;
	return GW_METHOD_OTHER;
}

bool
route_lookup(const char *path, const char *method, struct gw_match *m)
{
	unsigned	bit = route_method_bit(method);
	size_t		i;
	const struct gw_static_file *file;

	m->route = NULL;
	m->file = NULL;
	m->allow = 0;
	m->label = GW_LABEL_UNMATCHED;

	for (i = 0; i < route_count; i++)
	{
		if (strcmp(route_table[i].path, path) != 0)
			continue;
		m->allow |= route_table[i].methods;
		if (m->route == NULL)
			m->label = (int) i;
		if ((route_table[i].methods & bit) && m->route == NULL)
		{
			m->route = &route_table[i];
			m->label = (int) i;
		}
	}

	file = static_lookup(path);
	if (file != NULL)
	{
		m->allow |= GW_METHOD_GET | GW_METHOD_HEAD;
		if (m->route == NULL)
		{
			m->label = GW_LABEL_STATIC;
			if (bit & (GW_METHOD_GET | GW_METHOD_HEAD))
				m->file = file;
		}
	}
	return m->route != NULL || m->file != NULL;
}

void
route_allow_header(unsigned allow, char *buf, size_t size)
{
	size_t		i;
	size_t		n = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
	{
		if (!(allow & methods[i].bit))
			continue;
		n += (size_t) snprintf(buf + n, n < size ? size - n : 0, "%s%s",
							   n > 0 ? ", " : "", methods[i].name);
		if (n >= size)
			return;
	}
}

const char *
route_label(int label)
{
	if (label >= 0 && label < (int) route_count)
		return route_table[label].path;
	if (label == GW_LABEL_STATIC)
		return "ui";
	return "unmatched";
}

int
route_num_labels(void)
{
	return (int) route_count + 2;
}
