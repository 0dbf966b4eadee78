-- Guilty groups through the API: comment, hide, unhide (JSON results,
-- P0002 for unknown groups, 22023 for bad input); the groups are
-- permanent; what the gateway role may call.
\set VERBOSITY terse
\set ECHO none
\i sql/include/classify_fixtures.psql
\set ECHO all

SELECT (pg_temp.store('org.clearlinux/crash/clr', payload)->'guilty'->>'id')::int AS gid
FROM payloads WHERE name = 'crashme' \gset

SELECT j - 'id' - 'created_at' AS guilty FROM telemetrics_api.guilty_comment(:gid, '  fixed in build 13  ') AS j;
SELECT j->'comment' AS comment FROM telemetrics_api.guilty_comment(:gid, '') AS j;
SELECT j->'comment' AS comment FROM telemetrics_api.guilty_comment(:gid, NULL) AS j;
SELECT j->'hidden' AS hidden FROM telemetrics_api.guilty_hide(:gid) AS j;
SELECT j->'hidden' AS hidden FROM telemetrics_api.guilty_hide(:gid) AS j;
SELECT j->'hidden' AS hidden FROM telemetrics_api.guilty_unhide(:gid) AS j;
SELECT (j->'id')::int = :gid AS same, j ? 'created_at' AS has_created_at
FROM telemetrics_api.guilty_unhide(:gid) AS j;

-- invalid input
SELECT telemetrics_api.guilty_comment(-1, 'x');
SELECT telemetrics_api.guilty_comment(:gid, repeat('x', 1001));
SELECT telemetrics_api.guilty_hide(-1);
SELECT telemetrics_api.guilty_unhide(NULL);

-- a group keeps its function and module, and is never deleted
UPDATE telemetrics.guilty SET function = 'other()' WHERE id = :gid;
DELETE FROM telemetrics.guilty WHERE id = :gid;
TRUNCATE telemetrics.guilty;
UPDATE telemetrics.guilty SET comment = 'direct edits of the comment are fine' WHERE id = :gid
RETURNING comment;
UPDATE telemetrics.guilty SET comment = NULL WHERE id = :gid;
-- one group per (function, module)
INSERT INTO telemetrics.guilty (function, module) VALUES ('sum_list()', '/usr/lib/crashes/crashme');

-- the gateway role may call the classification API, and nothing below it
CREATE ROLE regress_cls_gateway LOGIN;
GRANT USAGE ON SCHEMA telemetrics_api TO regress_cls_gateway;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA telemetrics_api TO regress_cls_gateway;
SET ROLE regress_cls_gateway;
SELECT telemetrics_api.explain_payload(E'#0 f() - [m]')->'result'->>'function' AS explained;
SELECT jsonb_array_length(telemetrics_api.blacklist_list()->'rules') > 0 AS listed;
SELECT telemetrics_api.guilty_hide(:gid)->'hidden' AS hidden;
SELECT telemetrics_api.guilty_unhide(:gid)->'hidden' AS hidden;
SELECT telemetrics_api.reclassify()->'updated' AS updated;
SELECT count(*) FROM telemetrics.guilty;
SELECT * FROM telemetrics.explain('x');
SET telemetrics.backtrace_classes = 'a/b/c';
RESET ROLE;
DROP OWNED BY regress_cls_gateway;
DROP ROLE regress_cls_gateway;

SELECT pg_temp.cleanup();
