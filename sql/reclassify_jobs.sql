-- Reclassification in the background: telemetrics_api.reclassify_start()
-- queues a job and starts a worker that reclassifies in id ranges, one
-- transaction each; reclassify_status() reports progress.
\set VERBOSITY terse
\set ECHO none
\i sql/include/classify_fixtures.psql
\set ECHO all

-- wait (at most 60 s) until no job is queued or running
CREATE FUNCTION pg_temp.wait_jobs() RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	FOR i IN 1..600 LOOP
		IF NOT EXISTS (SELECT 1 FROM telemetrics.reclassify_jobs
					   WHERE state IN ('queued', 'running')) THEN
			RETURN 'idle';
		END IF;
		PERFORM pg_sleep(0.1);
	END LOOP;
	RETURN 'still busy';
END
$$;

CREATE TEMP TABLE stored AS
SELECT p.name, n, (pg_temp.store('org.clearlinux/crash/clr', p.payload, 'cls-job-' || p.name)->>'id')::bigint AS id
FROM payloads p, generate_series(1, 20) AS n
WHERE p.name IN ('crashme', 'mtabort', 'gnome_shell');
CREATE TEMP VIEW groups AS
SELECT s.name, pg_temp.guilty_of(r.id) AS guilty, count(*) AS records
FROM stored s JOIN telemetrics.records r ON r.id = s.id
GROUP BY 1, 2;
SELECT * FROM groups ORDER BY name, guilty;

-- blacklist sum_list() without reclassifying, then reclassify in the background
SELECT r->'rule'->>'function' AS function, r->'reclassified' AS reclassified
FROM telemetrics_api.blacklist_add('sum_list', NULL, 'exact', 'test', false) AS r;
SELECT j->>'scope' AS scope, j->>'state' AS state, (j->>'id')::bigint > 0 AS has_id
FROM telemetrics_api.reclassify_start('affected') AS j;
SELECT pg_temp.wait_jobs();
SELECT j->>'state' AS state, j->>'progress' AS progress, (j->>'updated')::int >= 20 AS updated_ours,
	   j->>'changes' AS changes, j->>'error' AS error
FROM telemetrics_api.reclassify_status((SELECT max(id) FROM telemetrics.reclassify_jobs)) AS j;
SELECT * FROM groups ORDER BY name, guilty;
SELECT telemetrics_api.reclassify_status()->'pending_changes' AS pending_changes;

-- "all" recomputes every crash; nothing changes now
SELECT j->>'scope' AS scope FROM telemetrics_api.reclassify_start('all') AS j;
SELECT pg_temp.wait_jobs();
SELECT j->>'state' AS state, j->>'progress' AS progress, j->>'updated' AS updated
FROM telemetrics_api.reclassify_status((SELECT max(id) FROM telemetrics.reclassify_jobs)) AS j;

-- a queued job is reused while it waits: two requests, one job
BEGIN;
SELECT (telemetrics_api.reclassify_start('affected')->>'id') = (telemetrics_api.reclassify_start('affected')->>'id') AS same_job;
ROLLBACK;

-- remove the rule again, in the background
SELECT r->'rule'->>'function' AS function
FROM telemetrics_api.blacklist_remove((SELECT id FROM telemetrics.guilty_blacklist WHERE function = 'sum_list'), false) AS r;
SELECT (telemetrics_api.reclassify_start()->>'state') AS state;
SELECT pg_temp.wait_jobs();
SELECT * FROM groups ORDER BY name, guilty;

-- invalid input
SELECT telemetrics_api.reclassify_start('some');
SELECT telemetrics_api.reclassify_start(NULL);
SELECT telemetrics_api.reclassify_status(-1);
