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
#define BYTEAOID		17
#define TEXTOID			25
#define BYTEAARRAYOID	1001
#define TEXTARRAYOID	1009

/* A read-only API statement: one function of p_params, its jsonb as text. */
#define API_READ(fn) \
	{#fn, "SELECT telemetrics_api." #fn "($1::pg_catalog.jsonb)::pg_catalog.text", \
	 1, {TEXTOID}, true, false}
/* A management write: the same, in a transaction with a longer timeout. */
#define API_WRITE(fn) \
	{#fn, "SELECT telemetrics_api." #fn "($1::pg_catalog.jsonb)::pg_catalog.text", \
	 1, {TEXTOID}, false, true}

const struct gw_statement route_statements[GW_NUM_STATEMENTS] = {
	[GW_STMT_INGEST_BATCH] = {
		"ingest_batch",
		"SELECT b.ord, b.outcome, b.sqlstate, b.message, b.record::pg_catalog.text "
		"FROM telemetrics_api.ingest_batch_text($1, $2, $3) AS b",
		3, {TEXTARRAYOID, BYTEAARRAYOID, TEXTARRAYOID}, false, false
	},
	[GW_STMT_QUARANTINE_REQUEST] = {
		"quarantine_request",
		"SELECT telemetrics_api.quarantine_request($1, $2, $3::pg_catalog.jsonb, $4, $5)::pg_catalog.text",
		5, {TEXTOID, TEXTOID, TEXTOID, BYTEAOID, TEXTOID}, false, false
	},
	[GW_STMT_QUERY_RECORDS] = {
		"query_records",
		"SELECT telemetrics_api.query_records($1, $2, $3, $4, $5, $6, $7, $8, $9)::pg_catalog.text",
		9, {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID},
		true, false
	},
	[GW_STMT_VERSION] = {
		"version",
		"SELECT telemetrics_api.version()",
		0, {0}, true, false
	},
	[GW_STMT_SEARCH_RECORDS] = API_READ(search_records),
	[GW_STMT_FILTER_CHOICES] = API_READ(list_filter_choices),
	[GW_STMT_EXPORT_CSV] = {
		"export_records_csv",
		"SELECT line FROM telemetrics_api.export_records_csv($1::pg_catalog.jsonb) AS line",
		1, {TEXTOID}, true, false
	},
	[GW_STMT_GET_RECORD] = API_READ(get_record),
	[GW_STMT_EXPLAIN_RECORD] = API_READ(explain_record_crash),
	[GW_STMT_LIST_BUILDS] = API_READ(list_builds),
	[GW_STMT_GET_STATS] = API_READ(get_stats),
	[GW_STMT_GET_POPULATION] = API_READ(get_population),
	[GW_STMT_TOP_CRASHES] = API_READ(top_crashes),
	[GW_STMT_CRASH_RATE] = API_READ(crash_rate),
	[GW_STMT_NEW_GUILTIES] = API_READ(list_new_guilties),
	[GW_STMT_HIDDEN_GUILTIES] = API_READ(list_hidden_guilties),
	[GW_STMT_GET_GUILTY] = API_READ(get_guilty),
	[GW_STMT_GUILTY_BACKTRACES] = API_READ(list_guilty_backtraces),
	[GW_STMT_UPDATE_GUILTY] = API_WRITE(update_guilty),
	[GW_STMT_LIST_BLACKLIST] = API_READ(list_blacklist),
	[GW_STMT_ADD_BLACKLIST_RULE] = API_WRITE(add_blacklist_rule),
	[GW_STMT_REMOVE_BLACKLIST_RULE] = API_WRITE(remove_blacklist_rule),
	[GW_STMT_RECLASSIFY] = API_WRITE(reclassify_crashes),
	[GW_STMT_GET_RECLASSIFY] = API_READ(get_reclassify),
	[GW_STMT_GET_MCE] = API_READ(get_mce),
	[GW_STMT_GET_THERMAL] = API_READ(get_thermal),
	[GW_STMT_QUARANTINE] = API_READ(quarantine_summary),
	[GW_STMT_GET_RETENTION] = API_READ(get_retention),
};

#define GH (GW_METHOD_GET | GW_METHOD_HEAD)
#define API(methods, path, stmt, summary) \
	{methods, path, GW_H_API, stmt, {NULL}, summary, \
	 ((methods) & (GW_METHOD_POST | GW_METHOD_DELETE)) ? GW_ACCESS_ADMIN : GW_ACCESS_VIEWER}

/*
 * The route table.  Literal paths before the patterns that share their
 * prefix (for readability; lookup does not depend on the order).
 */
const struct gw_route route_table[] = {
	{GW_METHOD_POST, "/", GW_H_INGEST, GW_STMT_INGEST_BATCH, {NULL},
	"ingest one record: v2 (fields in headers, raw payload body), or v3 when Content-Type is application/json",
	GW_ACCESS_OPEN},
	{GW_METHOD_POST, "/v2/collector", GW_H_INGEST, GW_STMT_INGEST_BATCH, {NULL},
	"the same as POST /", GW_ACCESS_OPEN},
	{GW_METHOD_POST, "/v3/collector", GW_H_INGEST_V3, GW_STMT_INGEST_BATCH, {NULL},
	"ingest one record: v3 (one JSON object: fields and payload)", GW_ACCESS_OPEN},
	{GH, "/api/records", GW_H_QUERY, GW_STMT_QUERY_RECORDS,
		{"severity", "classification", "build", "machine_id", "created_in_days",
		"created_in_sec", "from_id", "ts_capture", "limit", NULL},
	"the reference's record query: telemetrics_api.query_records()", GW_ACCESS_VIEWER},
	{GH, "/healthz", GW_H_HEALTHZ, GW_STMT_VERSION, {NULL},
	"200 when the database answers and the extension version is the gateway's, else 503",
	GW_ACCESS_OPEN},
	{GH, "/metrics", GW_H_METRICS, -1, {NULL},
	"counters and histograms, Prometheus text format", GW_ACCESS_VIEWER},
	{GH, "/api/whoami", GW_H_WHOAMI, -1, {NULL},
	"the user and role of the request, and whether access control is on", GW_ACCESS_VIEWER},

	API(GH, "/api/records/search", GW_STMT_SEARCH_RECORDS,
		"search_records: a page of records matching the filters, newest first, and the total"),
	API(GH, "/api/records/filters", GW_STMT_FILTER_CHOICES,
		"list_filter_choices: OS with builds, builds, classifications and patterns, severities"),
	{GW_METHOD_GET, "/api/records/export.csv", GW_H_API_CSV, GW_STMT_EXPORT_CSV, {NULL},
		"export_records_csv: the matching records as CSV, streamed (text/csv, attachment)",
	GW_ACCESS_VIEWER},
	API(GH, "/api/records/{id}", GW_STMT_GET_RECORD, "get_record: one record"),
	API(GH, "/api/records/{id}/frames", GW_STMT_EXPLAIN_RECORD,
		"explain_record_crash: a crash's frames and the blacklist decision for each"),
	API(GH, "/api/builds", GW_STMT_LIST_BUILDS, "list_builds: records per build"),
	API(GH, "/api/stats", GW_STMT_GET_STATS,
		"get_stats: records per classification, severity, arch, platform, OS, source"),
	API(GH, "/api/population", GW_STMT_GET_POPULATION,
		"get_population: distinct machines per build and per day"),
	API(GH, "/api/crashes", GW_STMT_TOP_CRASHES, "top_crashes: top guilty groups, overall or per build"),
	API(GH, "/api/crashes/rate", GW_STMT_CRASH_RATE,
		"crash_rate: crashes per 1000 active machines per build"),
	API(GH, "/api/crashes/new", GW_STMT_NEW_GUILTIES,
		"list_new_guilties: guilty groups first seen in a build"),
	API(GH, "/api/guilties/hidden", GW_STMT_HIDDEN_GUILTIES,
		"list_hidden_guilties: the hidden guilty groups"),
	API(GH, "/api/guilties/{id}", GW_STMT_GET_GUILTY,
		"get_guilty: a guilty group, its crashes and machines per build"),
	API(GW_METHOD_POST, "/api/guilties/{id}", GW_STMT_UPDATE_GUILTY,
		"update_guilty: comment, hide or unhide a guilty group (admin)"),
	API(GH, "/api/guilties/{id}/backtraces", GW_STMT_GUILTY_BACKTRACES,
		"list_guilty_backtraces: a group's crashes with their payloads"),
	API(GH, "/api/blacklist", GW_STMT_LIST_BLACKLIST, "list_blacklist: the blacklist rules"),
	API(GW_METHOD_POST, "/api/blacklist", GW_STMT_ADD_BLACKLIST_RULE,
		"add_blacklist_rule: add a rule and queue its reclassification (admin)"),
	API(GW_METHOD_DELETE, "/api/blacklist/{id}", GW_STMT_REMOVE_BLACKLIST_RULE,
		"remove_blacklist_rule: remove a rule and queue its reclassification (admin)"),
	API(GW_METHOD_POST, "/api/reclassify", GW_STMT_RECLASSIFY,
		"reclassify_crashes: queue a background reclassification: pending blacklist changes, or all (admin)"),
	API(GH, "/api/reclassify", GW_STMT_GET_RECLASSIFY,
		"get_reclassify: the latest reclassification jobs and the pending blacklist changes"),
	API(GH, "/api/reclassify/{id}", GW_STMT_GET_RECLASSIFY,
		"get_reclassify: one reclassification job and its progress"),
	API(GH, "/api/mce", GW_STMT_GET_MCE, "get_mce: machine-check errors"),
	API(GH, "/api/thermal", GW_STMT_GET_THERMAL, "get_thermal: thermal events"),
	API(GH, "/api/quarantine", GW_STMT_QUARANTINE,
		"quarantine_summary: rejected records by reason and probe"),
	API(GH, "/api/retention", GW_STMT_GET_RETENTION, "get_retention: the retention settings"),
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
route_path_match(const char *pattern, const char *path, char *id, size_t idsize)
{
	const char *p = pattern;
	const char *u = path;

	while (*p != '\0')
	{
		if (strncmp(p, "{id}", 4) == 0 && (p[4] == '/' || p[4] == '\0'))
		{
			size_t		n = strcspn(u, "/");

			if (n == 0)
				return false;
			if (id != NULL && idsize > 0)
				snprintf(id, idsize, "%.*s", (int) (n < idsize ? n : idsize - 1), u);
			p += 4;
			u += n;
			continue;
		}
		if (*p != *u)
			return false;
		p++;
		u++;
	}
	return *u == '\0';
}

bool
route_lookup(const char *path, const char *method, struct gw_match *m)
{
	unsigned	bit = route_method_bit(method);
	size_t		i;
	int			pass;
	const struct gw_static_file *file;

	m->route = NULL;
	m->file = NULL;
	m->allow = 0;
	m->label = GW_LABEL_UNMATCHED;
	m->id[0] = '\0';
	m->has_id = false;

	/* pass 0: literal paths; pass 1: patterns, only if no literal matched */
	for (pass = 0; pass < 2 && m->allow == 0; pass++)
	{
		for (i = 0; i < route_count; i++)
		{
			const struct gw_route *r = &route_table[i];
			bool		pattern = strchr(r->path, '{') != NULL;
			char		id[sizeof(m->id)];

			if (pattern != (pass == 1))
				continue;
			if (pattern ? !route_path_match(r->path, path, id, sizeof(id))
				: strcmp(r->path, path) != 0)
				continue;
			m->allow |= r->methods;
			if (m->route == NULL)
				m->label = (int) i;
			if ((r->methods & bit) && m->route == NULL)
			{
				m->route = r;
				m->label = (int) i;
				if (pattern)
				{
					memcpy(m->id, id, sizeof(m->id));
					m->has_id = true;
				}
			}
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
