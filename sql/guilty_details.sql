-- Guilty details (telemetrics_api.get_guilty): per-build crashes and
-- affected machines; a group's backtraces
-- (telemetrics_api.list_guilty_backtraces), filterable by machine and
-- build, in pages; 404 for an unknown group.
\set VERBOSITY terse
-- a database of its own: the rollups and counts below must not see other tests' records
CREATE DATABASE regress_tm_guilty_details;
\c regress_tm_guilty_details
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

SELECT pg_temp.crash(3, '100', 'alpha', 'boom', 3), pg_temp.crash(2, '100', 'beta', 'boom'),
       pg_temp.crash(1, '101', 'alpha', 'boom', 2), pg_temp.crash(0, '101', 'gamma', 'boom'),
       pg_temp.crash(0, '101', 'gamma', 'other'), pg_temp.crash(0, 'dev-1', 'delta', 'boom');
SELECT id AS boom FROM telemetrics.guilty WHERE function = 'boom()' \gset

-- per build, newest first, with the machines that crashed most
SELECT x->'guilty'->>'function' AS function, x->'guilty'->>'module' AS module,
	   x->'guilty'->'hidden' AS hidden, x->'crashes' AS crashes
FROM telemetrics_api.get_guilty(jsonb_build_object('id', :'boom')) x;
SELECT b->>'build' AS build, b->'crashes' AS crashes, b->'machines' AS machines,
	   :today - (b->>'first_day')::date AS first_age, :today - (b->>'last_day')::date AS last_age,
	   (SELECT string_agg((m->>'machine_id') || ':' || (m->>'crashes'), ' ')
		FROM jsonb_array_elements(b->'top_machines') m) AS top_machines
FROM jsonb_array_elements(telemetrics_api.get_guilty(jsonb_build_object('id', :'boom'))->'builds') b;
SELECT b->>'build' AS build, jsonb_array_length(b->'top_machines') AS listed
FROM jsonb_array_elements(telemetrics_api.get_guilty(jsonb_build_object('id', :'boom', 'machines', '1'))->'builds') b
ORDER BY 1;
-- the same as a naive count over the records
SELECT build, count(*) AS crashes, count(DISTINCT machine_id) AS machines
FROM telemetrics.records WHERE guilty_id = :boom GROUP BY build ORDER BY build DESC;

-- backtraces: newest first, filters, pages
CREATE FUNCTION pg_temp.bt(p jsonb) RETURNS TABLE (records text, more boolean)
LANGUAGE sql AS $$
	SELECT (SELECT string_agg((r->>'machine_id') || '/' || (r->>'build') || '/' || (r->>'crash_state'), ' '
							  ORDER BY (r->>'id')::bigint DESC)
			FROM jsonb_array_elements(x->'records') r), x->>'next_cursor' IS NOT NULL
	FROM telemetrics_api.list_guilty_backtraces(p) x
$$;
SELECT * FROM pg_temp.bt(jsonb_build_object('id', :'boom'));
SELECT * FROM pg_temp.bt(jsonb_build_object('id', :'boom', 'machine_id', 'alpha'));
SELECT * FROM pg_temp.bt(jsonb_build_object('id', :'boom', 'build', '101'));
SELECT * FROM pg_temp.bt(jsonb_build_object('id', :'boom', 'machine_id', 'alpha', 'build', '100'));
SELECT * FROM pg_temp.bt(jsonb_build_object('id', :'boom', 'machine_id', 'nobody'));
SELECT * FROM pg_temp.bt(jsonb_build_object('id', :'boom', 'page_size', '3'));
SELECT * FROM pg_temp.bt(jsonb_build_object('id', :'boom', 'page_size', '3', 'cursor',
	telemetrics_api.list_guilty_backtraces(jsonb_build_object('id', :'boom', 'page_size', '3'))->>'next_cursor'));
SELECT x->'records'->0->>'payload' LIKE 'Process: /usr/bin/app%' AS has_payload,
	   x->'guilty'->>'function' AS function
FROM telemetrics_api.list_guilty_backtraces(jsonb_build_object('id', :'boom', 'page_size', '1')) x;

-- the SQLSTATE and message of a call (the gateway maps P0002 to 404, 22023 to 400, 23505 to 409)
CREATE FUNCTION pg_temp.code(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE p_sql;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, 'rule [0-9]+', 'rule N');
END
$$;
-- invalid input: unknown ids are 404 (P0002), malformed ones 400 (22023)
SELECT c AS call, pg_temp.code(c) AS result FROM (VALUES
	($$SELECT telemetrics_api.get_guilty('{"id": "999999"}')$$),
	($$SELECT telemetrics_api.get_guilty('{"id": "99999999999"}')$$),
	($$SELECT telemetrics_api.list_guilty_backtraces('{"id": "999999"}')$$),
	($$SELECT telemetrics_api.get_guilty('{"id": "x"}')$$),
	($$SELECT telemetrics_api.get_guilty('{}')$$),
	($$SELECT telemetrics_api.list_guilty_backtraces('{"id": "1", "cursor": "cjox"}')$$),
	($$SELECT telemetrics_api.list_guilty_backtraces('{"id": "1", "page_size": "201"}')$$),
	($$SELECT telemetrics_api.get_guilty('{"id": "1", "machines": "501"}')$$)) v(c);

\c contrib_regression
DROP DATABASE regress_tm_guilty_details;
