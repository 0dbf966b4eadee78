-- The read and write API is callable by a role set up as the README says
-- (USAGE on telemetrics_api, EXECUTE on its functions), which still cannot
-- read the rollups, change retention or purge.
\set VERBOSITY terse
CREATE DATABASE regress_tm_api_privileges;
\c regress_tm_api_privileges
SET client_min_messages = warning;
CREATE EXTENSION telemetrics;
RESET client_min_messages;

CREATE ROLE regress_tm_api LOGIN;
GRANT USAGE ON SCHEMA telemetrics_api TO regress_tm_api;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA telemetrics_api TO regress_tm_api;

SET ROLE regress_tm_api;
SELECT f, jsonb_typeof(r) AS result
FROM (VALUES
	('search_records', telemetrics_api.search_records('{}')),
	('list_filter_choices', telemetrics_api.list_filter_choices('{}')),
	('list_builds', telemetrics_api.list_builds('{}')),
	('get_stats', telemetrics_api.get_stats('{"days": "7"}')),
	('get_population', telemetrics_api.get_population('{}')),
	('get_thermal', telemetrics_api.get_thermal('{}')),
	('get_mce', telemetrics_api.get_mce('{}')),
	('top_crashes', telemetrics_api.top_crashes('{}')),
	('crash_rate', telemetrics_api.crash_rate('{}')),
	('list_new_guilties', telemetrics_api.list_new_guilties('{}')),
	('list_hidden_guilties', telemetrics_api.list_hidden_guilties('{}')),
	('list_blacklist', telemetrics_api.list_blacklist('{}')),
	('quarantine_summary', telemetrics_api.quarantine_summary('{}')),
	('get_retention', telemetrics_api.get_retention('{}')),
	('reclassify_crashes', telemetrics_api.reclassify_crashes('{}')),
	('get_reclassify', telemetrics_api.get_reclassify('{}'))) v(f, r)
ORDER BY f;
SELECT count(*) AS csv_lines FROM telemetrics_api.export_records_csv('{}');
-- but nothing behind the API
SELECT count(*) FROM telemetrics.rollup_records;
SELECT count(*) FROM telemetrics.crash_machines;
INSERT INTO telemetrics.retention_rules VALUES ('severity', '1', 1);
SELECT telemetrics.purge();
SELECT telemetrics.maintenance();
SELECT telemetrics.fold_rollups();
SET telemetrics.retention_days = 1;
RESET ROLE;

\c contrib_regression
-- WITH (FORCE): the background reclassification worker may still be connected
DROP DATABASE regress_tm_api_privileges WITH (FORCE);
DROP ROLE regress_tm_api;
