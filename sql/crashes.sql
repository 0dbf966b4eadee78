-- Top crashes (telemetrics_api.top_crashes): the last N days over the
-- latest M numeric builds, overall and per build, hidden groups excluded,
-- with pages; and the reference's bugs fixed: builds chosen within the
-- window (9.2 item 13), every page reachable (item 6), an unknown build
-- gives an empty list (item 7).
\set VERBOSITY terse
-- a database of its own: the rollups and counts below must not see other tests' records
CREATE DATABASE regress_tm_crashes;
\c regress_tm_crashes
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

-- 25 groups with 1 to 25 crashes on builds 101 to 105 in the last week
SELECT count(*) AS groups
FROM generate_series(1, 25) g, pg_temp.crash(g % 7, (101 + g % 5)::text, 'm' || (g % 9), 'f' || lpad(g::text, 2, '0'), g);
-- newer build numbers with crashes only long ago, and an old crash of f25
SELECT pg_temp.crash(30, '900', 'm1', 'f01', 50), pg_temp.crash(30, '901', 'm1', 'f02', 50),
       pg_temp.crash(20, '105', 'm1', 'f25', 100), pg_temp.crash(1, 'rc-1', 'm1', 'f03', 100);

CREATE FUNCTION pg_temp.top(p jsonb) RETURNS TABLE (rank int, guilty text, total int, builds jsonb)
LANGUAGE sql AS $$
	SELECT (x->>'rank')::int, x->>'function', (x->>'total')::int, x->'builds'
	FROM jsonb_array_elements(telemetrics_api.top_crashes(p)->'guilties') x
$$;

-- page 1 of 3: the builds with crashes in the window, newest first, with
-- their largest count; 900 and 901 (crashes 30 days ago) are not among them
SELECT x - 'guilties' AS listing FROM telemetrics_api.top_crashes('{}') x;
SELECT * FROM pg_temp.top('{}') ORDER BY rank;
-- the last page is reachable, and past the end is empty
SELECT * FROM pg_temp.top('{"page": "3"}') ORDER BY rank;
SELECT x->'pages' AS pages, jsonb_array_length(x->'guilties') AS on_page
FROM telemetrics_api.top_crashes('{"page": "4"}') x;
-- fewer builds, another window, other page sizes
SELECT x->'builds' AS builds, x->'total_guilties' AS groups
FROM telemetrics_api.top_crashes('{"builds": "2"}') x;
SELECT x->'builds' AS builds, x->'total_guilties' AS groups
FROM telemetrics_api.top_crashes('{"days": "32", "builds": "3"}') x;
SELECT x->'pages' AS pages FROM telemetrics_api.top_crashes('{"page_size": "25"}') x;

-- one build: its groups only, by their count on it
SELECT * FROM pg_temp.top('{"build": "103"}') ORDER BY rank;
-- an unknown build, or a build without crashes in the window: empty, no error
SELECT x - 'builds' AS unknown FROM telemetrics_api.top_crashes('{"build": "no-such-build"}') x;
SELECT x->'total_guilties' AS groups FROM telemetrics_api.top_crashes('{"build": "900"}') x;

-- hidden groups are left out, everywhere
SELECT telemetrics_api.update_guilty(jsonb_build_object('id', id::text, 'hidden', 'true'))->>'function' AS hidden
FROM telemetrics.guilty WHERE function = 'f25()';
SELECT * FROM pg_temp.top('{"page_size": "3"}') ORDER BY rank;
SELECT x->'total_guilties' AS groups FROM telemetrics_api.top_crashes('{}') x;

-- the same answer as the reference's query over the records (naive)
SELECT g.function, sum(1) AS total
FROM telemetrics.records r JOIN telemetrics.guilty g ON g.id = r.guilty_id
WHERE NOT g.hidden AND r.received_at >= (:today - 6)::timestamp AT TIME ZONE 'UTC'
  AND r.build IN ('101', '102', '103', '104', '105', '106', '107', '108')
GROUP BY g.function ORDER BY 2 DESC, 1 LIMIT 3;

-- invalid input
SELECT telemetrics_api.top_crashes('{"days": "0"}');
SELECT telemetrics_api.top_crashes('{"days": "33"}');
SELECT telemetrics_api.top_crashes('{"builds": "51"}');
SELECT telemetrics_api.top_crashes('{"page": "0"}');
SELECT telemetrics_api.top_crashes('{"page_size": "101"}');
SELECT telemetrics_api.top_crashes('{"filter": "overall"}');

\c contrib_regression
DROP DATABASE regress_tm_crashes;
