-- Population (telemetrics_api.get_population): distinct machines per
-- build (all time and in the last 14, 7, 3, 1 days) and per day, exact,
-- from the machine sets the insert trigger keeps.
\set VERBOSITY terse
-- a database of its own: the rollups and counts below must not see other tests' records
CREATE DATABASE regress_tm_population;
\c regress_tm_population
SET client_min_messages = warning;
CREATE EXTENSION telemetrics;
RESET client_min_messages;
-- the API works in UTC days whatever the session's time zone (pg_regress: PST8PDT)
\set today '(now() AT TIME ZONE ''UTC'')::date'

SELECT telemetrics.ensure_partitions(now() - interval '20 days', now()) >= 0 AS partitions;

CREATE FUNCTION pg_temp.seen(p_age int, p_machine text, p_build text, p_external boolean,
							 p_count int DEFAULT 1)
RETURNS void LANGUAGE sql AS $$
	INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
		classification, severity, build, kernel_version, record_version, payload_version,
		system_name, external, payload)
	SELECT nextval('telemetrics.records_id_seq'), now() - p_age * interval '24 hours', now(),
		   p_machine, 'h', 'x86_64', 'org.clearlinux/heartbeat/ping', 1, p_build, '6.1.0', 3, 1,
		   'clear-linux-os', p_external, 'ping'
	FROM generate_series(1, p_count)
$$;
-- in time order, as ingest stores them
SELECT pg_temp.seen(20, 'a', '100', false), pg_temp.seen(20, 'b', '100', false);
SELECT pg_temp.seen(10, 'a', '100', false, 5), pg_temp.seen(10, 'c', '100', true);
SELECT pg_temp.seen(5, 'a', '101', false), pg_temp.seen(5, 'b', '100', false);
SELECT pg_temp.seen(2, 'c', '101', true), pg_temp.seen(2, 'd', '101', false);
SELECT pg_temp.seen(0, 'a', '101', false, 3), pg_temp.seen(0, 'e', 'v2', false);

-- per build: all time and by window (the windows are the last N UTC days, today included)
SELECT b->>'build' AS build, b->'internal' AS internal, b->'external' AS external
FROM jsonb_array_elements(telemetrics_api.get_population('{}')->'builds') b ORDER BY 1;
SELECT jsonb_array_length(telemetrics_api.get_population('{"all": "true"}')->'builds') AS with_non_numeric;
-- per day (all builds), as ages
SELECT :today - (s->>'day')::date AS age, s->'internal' AS internal, s->'external' AS external
FROM jsonb_array_elements(telemetrics_api.get_population('{"days": "30"}')->'series') s ORDER BY 1 DESC;
SELECT :today - (s->>'day')::date AS age, s->>'build' AS build, s->'internal' AS internal,
	   s->'external' AS external
FROM jsonb_array_elements(telemetrics_api.get_population('{"days": "6"}')->'build_series') s ORDER BY 1 DESC, 2;

-- the same answers as a naive count over the records
SELECT build, count(DISTINCT machine_id) FILTER (WHERE NOT external) AS internal,
	   count(DISTINCT machine_id) FILTER (WHERE external) AS external
FROM telemetrics.records WHERE build ~ '^[0-9]+$' GROUP BY build ORDER BY build;
SELECT :today - (received_at AT TIME ZONE 'UTC')::date AS age, count(DISTINCT machine_id) AS machines
FROM telemetrics.records GROUP BY 1 ORDER BY 1 DESC;

-- population is history: deleting records does not forget machines
DELETE FROM telemetrics.records;
SELECT b->>'build' AS build, b->'internal'->'overall' AS internal
FROM jsonb_array_elements(telemetrics_api.get_population('{}')->'builds') b ORDER BY 1;

-- invalid input
SELECT telemetrics_api.get_population('{"days": "367"}');
SELECT telemetrics_api.get_population('{"window": "7"}');

\c contrib_regression
DROP DATABASE regress_tm_population;
