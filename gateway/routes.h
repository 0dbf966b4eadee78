/*-------------------------------------------------------------------------
 *
 * routes.h
 *		The route table: which method and path call which handler and which
 *		prepared statement.  The table in routes.c is the API's
 *		documentation; docs/gateway.md reproduces it.
 *
 * Paths match exactly (no prefixes, no trailing-slash folding); the query
 * string is not part of the path.  One kind of pattern exists: a segment
 * written "{id}" matches any one non-empty segment (without "/"), which
 * the handler passes to the function as the parameter "id" (the function
 * validates it: a non-number is a 400, an unknown id a 404).  Rows with a
 * literal path win: when a literal row has the path, pattern rows are not
 * consulted at all (/api/guilties/hidden is never the group "hidden").
 * A path in no table is a 404; a known path with a method it does not take
 * is a 405 whose Allow header lists the methods it does take.  The UI's
 * files come from the allow-list in static.c, consulted after the API
 * table.
 *
 * Each row also says who may use it (enum gw_access): ingest and /healthz
 * are open; with an auth file (auth.h), everything else needs a user, and
 * the management writes need an admin.
 *
 *-------------------------------------------------------------------------
 */
#ifndef GW_ROUTES_H
#define GW_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

/* HTTP methods, as bits so that a route can take several. */
#define GW_METHOD_GET		0x01u
#define GW_METHOD_HEAD		0x02u
#define GW_METHOD_POST		0x04u
#define GW_METHOD_PUT		0x08u
#define GW_METHOD_DELETE	0x10u
#define GW_METHOD_PATCH		0x20u
#define GW_METHOD_OPTIONS	0x40u
#define GW_METHOD_OTHER		0x80u	/* anything else; no route takes it */

/* What serves a route. */
enum gw_handler
{
	GW_H_INGEST,				/* v2, or v3 when Content-Type is application/json */
	GW_H_INGEST_V3,				/* v3 only */
	GW_H_QUERY,					/* a read-only function of query parameters, JSON out */
	GW_H_HEALTHZ,				/* database reachable, extension version ours */
	GW_H_METRICS,				/* Prometheus text format, no database */
	GW_H_STATIC,				/* a UI file from static.c's allow-list */
	GW_H_API,					/* one function of p_params jsonb, JSON out */
	GW_H_API_CSV,				/* a set-returning function of text lines, streamed */
	GW_H_WHOAMI					/* the user and role of the request (no database) */
};

/* Who may use a route when the gateway has an auth file (auth.h). */
enum gw_access
{
	GW_ACCESS_OPEN,				/* anyone: ingest (TID check only), /healthz */
	GW_ACCESS_VIEWER,			/* any user: the UI, reads, /metrics */
	GW_ACCESS_ADMIN				/* admins only: management writes */
};

/* Most parameters a statement takes. */
#define GW_MAX_PARAMS 16

/*
 * A statement prepared on every database connection.  Parameters are sent
 * in binary format; the result comes back as text.
 */
struct gw_statement
{
	const char *name;			/* prepared statement name */
	const char *sql;
	int			nparams;
	unsigned int types[GW_MAX_PARAMS];	/* parameter type OIDs */
	bool		read_only;		/* run inside BEGIN READ ONLY ... COMMIT */
	bool		long_running;	/* a management write: BEGIN, SET LOCAL
								 * statement_timeout to --write-timeout, COMMIT */
};

/* The statements, indexed by these constants. */
enum
{
	GW_STMT_INGEST_BATCH = 0,
	GW_STMT_QUARANTINE_REQUEST,	/* an ingest request that is not a record */
	GW_STMT_QUERY_RECORDS,
	GW_STMT_VERSION,
	/* the read and management API (docs/ui.md), p_params jsonb each */
	GW_STMT_SEARCH_RECORDS,
	GW_STMT_FILTER_CHOICES,
	GW_STMT_EXPORT_CSV,
	GW_STMT_GET_RECORD,
	GW_STMT_EXPLAIN_RECORD,
	GW_STMT_LIST_BUILDS,
	GW_STMT_GET_STATS,
	GW_STMT_GET_POPULATION,
	GW_STMT_TOP_CRASHES,
	GW_STMT_CRASH_RATE,
	GW_STMT_NEW_GUILTIES,
	GW_STMT_HIDDEN_GUILTIES,
	GW_STMT_GET_GUILTY,
	GW_STMT_GUILTY_BACKTRACES,
	GW_STMT_UPDATE_GUILTY,
	GW_STMT_LIST_BLACKLIST,
	GW_STMT_ADD_BLACKLIST_RULE,
	GW_STMT_REMOVE_BLACKLIST_RULE,
	GW_STMT_RECLASSIFY,
	GW_STMT_GET_RECLASSIFY,
	GW_STMT_GET_MCE,
	GW_STMT_GET_THERMAL,
	GW_STMT_QUARANTINE,
	GW_STMT_GET_RETENTION,
	GW_NUM_STATEMENTS
};
extern const struct gw_statement route_statements[GW_NUM_STATEMENTS];

/* One row of the route table. */
struct gw_route
{
	unsigned	methods;		/* GW_METHOD_* bits */
	const char *path;
	enum gw_handler handler;
	int			statement;		/* GW_STMT_*, or -1 */
	/* GW_H_QUERY: query-string names bound to $1, $2, ... (NULL-ended) */
	const char *params[GW_MAX_PARAMS + 1];
	const char *summary;		/* one line, for docs and --help */
	enum gw_access access;		/* who may use it (with an auth file) */
};

extern const struct gw_route route_table[];
extern const size_t route_count;

struct gw_static_file;

/* The outcome of a lookup. */
struct gw_match
{
	const struct gw_route *route;	/* the API route, or NULL */
	const struct gw_static_file *file;	/* the UI file, or NULL */
	unsigned	allow;			/* methods the path takes; 0 = unknown path */
	int			label;			/* metrics label index (route_label) */
	char		id[72];			/* the {id} segment of a pattern route, or "" */
	bool		has_id;			/* the route's path has {id} */
};

/*
 * route_method_bit
 *		The GW_METHOD_* bit of a method name (case-sensitive, as HTTP
 *		methods are); GW_METHOD_OTHER for anything unknown.
 */
extern unsigned route_method_bit(const char *method);

/*
 * route_lookup
 *		Find what serves method on path.  Returns true and sets m->route or
 *		m->file when something does.  Otherwise returns false with
 *		m->allow = 0 for an unknown path (404) or the methods the path does
 *		take (405).  m->label is set in every case.
 */
extern bool route_lookup(const char *path, const char *method, struct gw_match *m);

/*
 * route_path_match
 *		Does path match the route path pattern?  A "{id}" segment matches
 *		one non-empty segment, copied (truncated to idsize - 1 bytes) into
 *		id when id is not NULL.  Exposed for the unit tests.
 */
extern bool route_path_match(const char *pattern, const char *path, char *id, size_t idsize);

/*
 * route_allow_header
 *		Write the methods in allow as an Allow header value ("GET, HEAD,
 *		POST") into buf.
 */
extern void route_allow_header(unsigned allow, char *buf, size_t size);

/*
 * Metrics labels: one per route table row, then one for all UI files, then
 * one for requests that matched nothing.  route_label gives the label text.
 */
#define GW_LABEL_STATIC		((int) route_count)
#define GW_LABEL_UNMATCHED	((int) route_count + 1)
#define GW_NUM_LABELS_MAX	64
extern const char *route_label(int label);
extern int	route_num_labels(void);

#endif							/* GW_ROUTES_H */
