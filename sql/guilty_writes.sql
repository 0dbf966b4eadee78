-- Guilty management through the API convention (p_params jsonb):
-- comment, hide and unhide (update_guilty), the hidden list, blacklist
-- rules (list, add, remove), reclassification, a record's frames; and that
-- reclassification moves the crash rollups between groups.
\set VERBOSITY terse
-- a database of its own: the rollups and counts below must not see other tests' records
CREATE DATABASE regress_tm_guilty_writes;
\c regress_tm_guilty_writes
SET client_min_messages = warning;
CREATE EXTENSION telemetrics;
RESET client_min_messages;
\set today '(now() AT TIME ZONE ''UTC'')::date'
SELECT telemetrics.ensure_partitions(now() - interval '40 days', now()) >= 0 AS partitions;

-- a crash (org.clearlinux/crash/clr) received p_age days ago, blamed on p_func
CREATE FUNCTION pg_temp.crash(p_age int, p_build text, p_machine text, p_func text, p_count int DEFAULT 1)
RETURNS void LANGUAGE sql AS $$
	INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
		classification, severity, build, kernel_version, record_version, payload_version,
		system_name, external, payload)
	SELECT nextval('telemetrics.records_id_seq'), now() - p_age * interval '24 hours', now(), p_machine,
		   'h', 'x86_64', 'org.clearlinux/crash/clr', 3, p_build, '6.1.0', 3, 1, 'clear-linux-os', false,
		   E'Process: /usr/bin/app\nPID: 1\nSignal: 11\n\nBacktrace (TID 1):\n#0 ' || p_func
		   || E'() - [/usr/lib/libapp.so]\n#1 main() - [/usr/bin/app]\n'
	FROM generate_series(1, p_count)
$$;

SELECT pg_temp.crash(0, '100', 'a', 'wrapper', 3), pg_temp.crash(0, '100', 'b', 'wrapper', 2),
       pg_temp.crash(0, '100', 'b', 'real');
SELECT id AS wrapper FROM telemetrics.guilty WHERE function = 'wrapper()' \gset

CREATE VIEW pg_temp.counts AS
	SELECT g.function,
		   (SELECT sum(telemetrics.ring_window(ring, '2000-01-01')) FROM telemetrics.guilty_builds_v c WHERE c.guilty_id = g.id) AS day_rollup,
		   (SELECT sum(crashes) FROM telemetrics.guilty_builds_v c WHERE c.guilty_id = g.id) AS all_time,
		   (SELECT sum(machines) FROM telemetrics.guilty_builds_v c WHERE c.guilty_id = g.id) AS machines,
		   (SELECT count(*) FROM telemetrics.crash_machines_v c WHERE c.guilty_id = g.id) AS machine_rows,
		   (SELECT count(*) FROM telemetrics.records r WHERE r.guilty_id = g.id) AS records
	FROM telemetrics.guilty g;
SELECT * FROM pg_temp.counts ORDER BY 1;

-- comment and hide in one call; JSON booleans or strings
SELECT x - 'created_at' - 'id' AS guilty
FROM telemetrics_api.update_guilty(jsonb_build_object('id', :'wrapper', 'comment', 'known wrapper', 'hidden', true)) x;
SELECT g->>'function' AS function, g->>'comment' AS comment
FROM jsonb_array_elements(telemetrics_api.list_hidden_guilties('{}')->'guilties') g;
SELECT x->'hidden' AS hidden, x->'comment' AS comment
FROM telemetrics_api.update_guilty(jsonb_build_object('id', :'wrapper', 'hidden', 'false', 'comment', null)) x;
SELECT jsonb_array_length(telemetrics_api.list_hidden_guilties(NULL)->'guilties') AS hidden;

-- wait (at most 60 s) until the background reclassification is idle
CREATE FUNCTION pg_temp.wait_jobs() RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	FOR i IN 1..600 LOOP
		IF NOT EXISTS (SELECT 1 FROM telemetrics.reclassify_jobs
					   WHERE state IN ('queued', 'running')) THEN
			RETURN (SELECT string_agg(DISTINCT state, ',') FROM telemetrics.reclassify_jobs);
		END IF;
		PERFORM pg_sleep(0.1);
	END LOOP;
	RETURN 'still busy';
END
$$;

-- blacklist wrapper(): its crashes are reclassified to main() in the
-- background, and the rollups follow (day and all-time counts, machines)
SELECT x->'rule'->>'function' AS rule, x->'rule'->>'match' AS match, NOT x ? 'reclassified' AS no_count,
	   x->'job'->>'scope' AS job_scope, x->'job'->>'state' AS job_state
FROM telemetrics_api.add_blacklist_rule('{"function": "wrapper()", "module": "/usr/lib/libapp.so", "comment": "a wrapper"}') x;
SELECT pg_temp.wait_jobs() AS jobs;
SELECT * FROM pg_temp.counts ORDER BY 1;
SELECT (SELECT count(*) FROM jsonb_array_elements(x->'rules') r WHERE r->>'function' = 'wrapper') AS listed,
	   x->'pending_changes' AS pending
FROM telemetrics_api.list_blacklist('{}') x;
-- the frames of one crash and what the blacklist decides for each
SELECT f->>'function' AS function, f->>'decision' AS decision
FROM telemetrics.records r,
	 jsonb_array_elements(telemetrics_api.explain_record_crash(jsonb_build_object('id', r.id))->'frames') f
WHERE r.machine_id = 'a' ORDER BY r.id LIMIT 2;
-- remove the rule: the crashes go back
SELECT id AS rule FROM telemetrics.guilty_blacklist WHERE function = 'wrapper' \gset
SELECT x->'job'->>'state' AS job_state
FROM telemetrics_api.remove_blacklist_rule(jsonb_build_object('id', :'rule')) x;
SELECT pg_temp.wait_jobs() AS jobs;
SELECT * FROM pg_temp.counts ORDER BY 1;
-- a rule added without reclassifying, applied later
SELECT x->'pending_changes' AS pending
FROM telemetrics_api.add_blacklist_rule('{"function": "real", "reclassify": "false"}') x;
SELECT x->>'scope' AS scope, x->>'state' AS state FROM telemetrics_api.reclassify_crashes('{}') x;
SELECT pg_temp.wait_jobs() AS jobs;
SELECT x->>'state' AS state, x->'changes' AS changes
FROM telemetrics_api.get_reclassify(jsonb_build_object('id', (SELECT max(id) FROM telemetrics.reclassify_jobs))) x;
SELECT * FROM pg_temp.counts ORDER BY 1;
SELECT x->>'scope' AS scope, x->>'state' AS state FROM telemetrics_api.reclassify_crashes('{"scope": "all"}') x;
SELECT pg_temp.wait_jobs() AS jobs;
SELECT x->>'state' AS state, x->'updated' AS updated
FROM telemetrics_api.get_reclassify(jsonb_build_object('id', (SELECT max(id) FROM telemetrics.reclassify_jobs))) x;
SELECT x->'pending_changes' AS pending, jsonb_array_length(x->'jobs') > 0 AS has_jobs
FROM telemetrics_api.get_reclassify('{}') x;
-- the same once every delta is folded into the rollup tables
SELECT telemetrics.compact_rollups() >= 0 AS compacted;
SELECT * FROM pg_temp.counts ORDER BY 1;

-- the SQLSTATE and message of a call (the gateway maps P0002 to 404, 22023 to 400, 23505 to 409)
CREATE FUNCTION pg_temp.code(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE p_sql;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, 'rule [0-9]+', 'rule N');
END
$$;
-- invalid input
SELECT c AS call, pg_temp.code(c) AS result FROM (VALUES
	($$SELECT telemetrics_api.update_guilty('{"id": "1"}')$$),
	($$SELECT telemetrics_api.update_guilty('{"id": "1", "hidden": "maybe"}')$$),
	($$SELECT telemetrics_api.update_guilty('{"id": "1", "comment": 5}')$$),
	($$SELECT telemetrics_api.update_guilty(jsonb_build_object('id', '1', 'comment', repeat('x', 1001)))$$),
	($$SELECT telemetrics_api.update_guilty('{"id": "999999", "hidden": "true"}')$$),
	($$SELECT telemetrics_api.add_blacklist_rule('{"function": "real"}')$$),
	($$SELECT telemetrics_api.add_blacklist_rule('{"module": "/lib/x.so"}')$$),
	($$SELECT telemetrics_api.add_blacklist_rule('{"function": "x", "match": "regex"}')$$),
	($$SELECT telemetrics_api.add_blacklist_rule('{"function": "x", "extra": "1"}')$$),
	($$SELECT telemetrics_api.remove_blacklist_rule('{"id": "999999"}')$$),
	($$SELECT telemetrics_api.remove_blacklist_rule('{"id": "99999999999"}')$$),
	($$SELECT telemetrics_api.reclassify_crashes('{"scope": "some"}')$$),
	($$SELECT telemetrics_api.get_reclassify('{"id": "999999999"}')$$),
	($$SELECT telemetrics_api.get_reclassify('{"id": "x"}')$$),
	($$SELECT telemetrics_api.get_reclassify('{"other": "1"}')$$),
	($$SELECT telemetrics_api.explain_record_crash('{"id": "999999999"}')$$)) v(c);

\c contrib_regression
-- FORCE: the reclassification worker waits a few seconds for more jobs
DROP DATABASE regress_tm_guilty_writes WITH (FORCE);
