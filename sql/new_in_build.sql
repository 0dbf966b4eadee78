-- Guilty groups new in a build (telemetrics_api.list_new_guilties):
-- groups with crashes on the build and on no earlier numeric build.
\set VERBOSITY terse
-- a database of its own: the rollups and counts below must not see other tests' records
CREATE DATABASE regress_tm_new_in_build;
\c regress_tm_new_in_build
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

SELECT pg_temp.crash(5, '100', 'a', 'old_bug', 3), pg_temp.crash(1, '101', 'a', 'old_bug', 2),
       pg_temp.crash(1, '101', 'b', 'regression', 4), pg_temp.crash(0, '101', 'c', 'regression'),
       pg_temp.crash(0, '101', 'c', 'rare'), pg_temp.crash(0, 'dev-9', 'd', 'dev_only'),
       pg_temp.crash(3, '99', 'e', 'back_again'), pg_temp.crash(0, '101', 'e', 'back_again');

SELECT x - 'guilties' AS listing FROM telemetrics_api.list_new_guilties('{}') x;
SELECT g->'rank' AS rank, g->>'function' AS function, g->'crashes' AS crashes, g->'machines' AS machines,
	   :today - (g->>'first_day')::date AS first_age
FROM jsonb_array_elements(telemetrics_api.list_new_guilties('{}')->'guilties') g;
-- an earlier build: everything of the first build is new
SELECT g->>'function' AS function
FROM jsonb_array_elements(telemetrics_api.list_new_guilties('{"build": "99"}')->'guilties') g;
SELECT x->'previous_build' AS previous, x->'total_guilties' AS new
FROM telemetrics_api.list_new_guilties('{"build": "100"}') x;
-- pages
SELECT x->'pages' AS pages, jsonb_array_length(x->'guilties') AS on_page
FROM telemetrics_api.list_new_guilties('{"page_size": "1", "page": "2"}') x;
-- hidden groups are listed, marked
SELECT telemetrics_api.update_guilty(jsonb_build_object('id', id, 'hidden', true))->'hidden' AS hidden
FROM telemetrics.guilty WHERE function = 'rare()';
SELECT g->>'function' AS function, g->'hidden' AS hidden
FROM jsonb_array_elements(telemetrics_api.list_new_guilties('{}')->'guilties') g;
-- a build without crashes: nothing is new
SELECT x->'total_guilties' AS new FROM telemetrics_api.list_new_guilties('{"build": "12345"}') x;

-- invalid input
SELECT telemetrics_api.list_new_guilties('{"build": "dev-9"}');
SELECT telemetrics_api.list_new_guilties('{"page": "x"}');

\c contrib_regression
DROP DATABASE regress_tm_new_in_build;
