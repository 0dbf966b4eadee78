/*-------------------------------------------------------------------------
 *
 * test_routes.c
 *		Unit tests of the route table: lookups, 404/405 and Allow, labels,
 *		and the consistency of routes with their statements.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "routes.h"
#include "static.h"
#include "test.h"

static void
expect_route(const char *method, const char *path, enum gw_handler handler)
{
	struct gw_match m;
	bool		found = route_lookup(path, method, &m);

	CHECK(found && m.route != NULL && m.route->handler == handler,
		  "%s %s is served by handler %d", method, path, (int) handler);
}

static void
expect_allow(const char *method, const char *path, const char *allow)
{
	struct gw_match m;
	char		buf[64];
	bool		found = route_lookup(path, method, &m);

	route_allow_header(m.allow, buf, sizeof(buf));
	CHECK(!found && strcmp(buf, allow) == 0, "%s %s is a 405 with Allow \"%s\" (got \"%s\")",
		  method, path, allow, buf);
}

int
main(void)
{
	struct gw_match m;
	size_t		i;

	expect_route("POST", "/", GW_H_INGEST);
	expect_route("POST", "/v2/collector", GW_H_INGEST);
	expect_route("POST", "/v3/collector", GW_H_INGEST_V3);
	expect_route("GET", "/api/records", GW_H_QUERY);
	expect_route("HEAD", "/api/records", GW_H_QUERY);
	expect_route("GET", "/healthz", GW_H_HEALTHZ);
	expect_route("GET", "/metrics", GW_H_METRICS);
	expect_route("GET", "/api/whoami", GW_H_WHOAMI);
	expect_route("GET", "/api/records/search", GW_H_API);
	expect_route("GET", "/api/records/export.csv", GW_H_API_CSV);
	expect_route("GET", "/api/records/42", GW_H_API);
	expect_route("GET", "/api/records/42/frames", GW_H_API);
	expect_route("POST", "/api/guilties/7", GW_H_API);
	expect_route("DELETE", "/api/blacklist/3", GW_H_API);

	CHECK(route_lookup("/api/records/123", "GET", &m) && m.has_id && strcmp(m.id, "123") == 0 &&
		  m.route->statement == GW_STMT_GET_RECORD, "{id} is taken from the path");
	CHECK(route_lookup("/api/records/abc", "GET", &m) && strcmp(m.id, "abc") == 0,
		  "{id} matches any segment; the function says 400");
	CHECK(route_lookup("/api/records/search", "GET", &m) && !m.has_id &&
		  m.route->statement == GW_STMT_SEARCH_RECORDS, "a literal path beats {id}");
	CHECK(route_lookup("/api/guilties/hidden", "GET", &m) && m.route->statement == GW_STMT_HIDDEN_GUILTIES,
		  "/api/guilties/hidden is not the group \"hidden\"");
	CHECK(!route_lookup("/api/records/", "GET", &m) && m.allow == 0, "an empty {id} is no match");
	CHECK(!route_lookup("/api/records/1/2", "GET", &m) && m.allow == 0, "{id} is one segment");
	CHECK(route_path_match("/a/{id}/b", "/a/xyz/b", NULL, 0) && !route_path_match("/a/{id}/b", "/a/xyz/c", NULL, 0),
		  "route_path_match");
	{
		char		id[8];

		CHECK(route_path_match("/a/{id}", "/a/123456789012", id, sizeof(id)) && strcmp(id, "1234567") == 0,
			  "a long {id} is truncated, not overflowed");
	}

	CHECK(route_lookup("/", "GET", &m) && m.route == NULL && m.file != NULL &&
		  strcmp(m.file->file, "index.html") == 0, "GET / is the UI's index.html");
	CHECK(m.label == GW_LABEL_STATIC, "GET / is counted as \"ui\"");
	CHECK(route_lookup("/vendor/chart.umd.js", "GET", &m) && m.file != NULL &&
		  strstr(m.file->file, "node_modules/chart.js/") == m.file->file,
		  "Chart.js is served from ui/node_modules");

	expect_allow("GET", "/v2/collector", "POST");
	expect_allow("PUT", "/v3/collector", "POST");
	expect_allow("DELETE", "/", "GET, HEAD, POST");
	expect_allow("POST", "/api/records", "GET, HEAD");
	expect_allow("BREW", "/metrics", "GET, HEAD");
	expect_allow("post", "/v2/collector", "POST");
	expect_allow("POST", "/api/records/search", "GET, HEAD");
	expect_allow("PUT", "/api/guilties/5", "GET, HEAD, POST");
	expect_allow("POST", "/api/guilties/hidden", "GET, HEAD");
	expect_allow("GET", "/api/blacklist/5", "DELETE");
	expect_allow("DELETE", "/api/blacklist", "GET, HEAD, POST");
	expect_allow("HEAD", "/api/records/export.csv", "GET");

	CHECK(!route_lookup("/v2/collector/", "POST", &m) && m.allow == 0,
		  "a trailing slash is another path (404)");
	CHECK(!route_lookup("/V2/COLLECTOR", "POST", &m) && m.allow == 0,
		  "paths are case-sensitive (404)");
	CHECK(!route_lookup("/../etc/passwd", "GET", &m) && m.allow == 0 &&
		  m.label == GW_LABEL_UNMATCHED, "a traversal attempt is just an unknown path");
	CHECK(!route_lookup("/app.js/../index.html", "GET", &m) && m.allow == 0,
		  "UI paths match exactly");
	CHECK(strcmp(route_label(GW_LABEL_UNMATCHED), "unmatched") == 0, "unmatched label");

	for (i = 0; i < route_count; i++)
	{
		const struct gw_route *r = &route_table[i];

		if (r->handler == GW_H_QUERY)
		{
			int			n = 0;

			while (r->params[n] != NULL)
				n++;
			CHECK(r->statement >= 0 &&
				  n == route_statements[r->statement].nparams &&
				  route_statements[r->statement].read_only,
				  "%s binds one query parameter per statement parameter, read-only", r->path);
		}
		if (r->methods & (GW_METHOD_GET | GW_METHOD_HEAD))
			CHECK(r->statement < 0 || route_statements[r->statement].read_only,
				  "GET %s runs read-only", r->path);
	}
	for (i = 0; i < route_count; i++)
	{
		const struct gw_route *r = &route_table[i];
		bool		write = (r->methods & (GW_METHOD_POST | GW_METHOD_DELETE)) != 0;
		bool		ingest = r->handler == GW_H_INGEST || r->handler == GW_H_INGEST_V3;

		if (ingest || r->handler == GW_H_HEALTHZ)
			CHECK(r->access == GW_ACCESS_OPEN, "%s is open to probes", r->path);
		else if (write)
			CHECK(r->access == GW_ACCESS_ADMIN && r->statement >= 0 &&
				  route_statements[r->statement].long_running,
				  "%s %s needs an admin and runs with the write timeout", "POST/DELETE", r->path);
		else
			CHECK(r->access == GW_ACCESS_VIEWER, "%s needs a user", r->path);
		if (r->handler == GW_H_API || r->handler == GW_H_API_CSV)
			CHECK(r->statement >= 0 && route_statements[r->statement].nparams == 1 &&
				  strstr(route_statements[r->statement].sql, "telemetrics_api.") != NULL,
				  "%s calls one telemetrics_api function of p_params", r->path);
	}
	for (i = 0; static_files[i].url != NULL; i++)
		CHECK(strstr(static_files[i].file, "..") == NULL && static_files[i].file[0] != '/',
			  "UI file %s stays inside --ui-dir", static_files[i].file);

	return test_done();
}
