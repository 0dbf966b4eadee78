-- Record search (telemetrics_api.search_records): every filter of the
-- reference's records list, keyset pages with an opaque cursor, the total
-- (exact from the rollups, capped count, or none for payload searches),
-- and the bounded payload scan.
\set VERBOSITY terse
-- a database of its own: the rollups and counts below must not see other tests' records
CREATE DATABASE regress_tm_search;
\c regress_tm_search
SET client_min_messages = warning;
CREATE EXTENSION telemetrics;
RESET client_min_messages;
-- the API works in UTC days whatever the session's time zone (pg_regress: PST8PDT)
\set today '(now() AT TIME ZONE ''UTC'')::date'

SELECT telemetrics.ensure_partitions(now() - interval '10 days', now()) >= 0 AS partitions;

CREATE FUNCTION pg_temp.add(p_age int, p_class text, p_sev int, p_build text, p_machine text,
							p_system text, p_external boolean, p_payload text)
RETURNS void LANGUAGE sql AS $$
	INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
		classification, severity, build, kernel_version, record_version, payload_version,
		system_name, external, payload)
	VALUES (nextval('telemetrics.records_id_seq'), now() - p_age * interval '24 hours', now(),
			p_machine, 'vendor|product|1', 'x86_64', p_class, p_sev, p_build, '6.1.0', 3, 1,
			p_system, p_external, p_payload)
$$;
SELECT pg_temp.add(5, 'org.clearlinux/crash/clr', 3, '100', 'm1', 'clear-linux-os', false, 'Process: /usr/bin/a SIGSEGV'),
       pg_temp.add(4, 'org.clearlinux/crash/clr', 3, '100', 'm2', 'clear-linux-os', true, 'Process: /usr/bin/b'),
       pg_temp.add(3, 'org.clearlinux/kernel/warning', 2, '101', 'm1', 'clear-linux-os', false, 'WARNING: at drivers/x.c 50%_done'),
       pg_temp.add(2, 'org.clearlinux/heartbeat/ping', 1, '101', 'm3', 'clear-linux-os', false, 'ping'),
       pg_temp.add(1, 'org.clearlinux/heartbeat/ping', 1, '101', 'm2', 'clear-linux-os', true, 'ping'),
       pg_temp.add(0, 'org.clearlinux/crash/clr', 4, '102', 'm4', 'clear-linux-os', false, 'Process: /usr/bin/a segv again'),
       pg_temp.add(0, 'com.example/app/error', 2, '2.1', 'm5', 'debian', false, 'app error "quoted"');

CREATE FUNCTION pg_temp.s(p jsonb) RETURNS TABLE (machines text, total bigint, exact boolean, more boolean)
LANGUAGE sql AS $$
	SELECT (SELECT string_agg(r->>'machine_id' || ':' || (r->>'build'), ' ' ORDER BY (r->>'id')::bigint DESC)
			FROM jsonb_array_elements(x->'records') r),
		   (x->>'total')::bigint, (x->>'total_exact')::boolean, x->>'next_cursor' IS NOT NULL
	FROM telemetrics_api.search_records(p) x
$$;

-- no filter: everything, newest first; the total is exact (rollups)
SELECT * FROM pg_temp.s('{}');
-- each filter
SELECT 'system_name' AS f, * FROM pg_temp.s('{"system_name": "debian"}')
UNION ALL SELECT 'build', * FROM pg_temp.s('{"build": "101"}')
UNION ALL SELECT 'classification', * FROM pg_temp.s('{"classification": "org.clearlinux/crash/clr"}')
UNION ALL SELECT 'class a/*', * FROM pg_temp.s('{"classification": "org.clearlinux/*"}')
UNION ALL SELECT 'class a/b/*', * FROM pg_temp.s('{"classification": "org.clearlinux/heartbeat/*"}')
UNION ALL SELECT 'class a/%', * FROM pg_temp.s('{"classification": "org.clearlinux/%"}')
UNION ALL SELECT 'class *', * FROM pg_temp.s('{"classification": "*"}')
UNION ALL SELECT 'severity', * FROM pg_temp.s('{"severity": "1"}')
UNION ALL SELECT 'machine_id', * FROM pg_temp.s('{"machine_id": "m1"}')
UNION ALL SELECT 'external', * FROM pg_temp.s('{"data_source": "external"}')
UNION ALL SELECT 'internal', * FROM pg_temp.s('{"data_source": "internal"}')
UNION ALL SELECT 'all', * FROM pg_temp.s('{"data_source": "all"}')
UNION ALL SELECT 'combined', * FROM pg_temp.s('{"build": "101", "severity": "1", "data_source": "internal"}')
UNION ALL SELECT 'no match', * FROM pg_temp.s('{"build": "999"}');

-- a date range, inclusive, in UTC days of reception
SELECT * FROM pg_temp.s(jsonb_build_object('from_date', to_char(:today - 3, 'YYYY-MM-DD'),
                                           'to_date', to_char(:today - 1, 'YYYY-MM-DD')));
SELECT * FROM pg_temp.s(jsonb_build_object('from_date', to_char(:today, 'YYYY-MM-DD')));
SELECT * FROM pg_temp.s(jsonb_build_object('to_date', to_char(:today - 4, 'YYYY-MM-DD')));

-- payload text search: a literal, case-insensitive, never a pattern
SELECT 'segv' AS q, * FROM pg_temp.s('{"payload": "SEGV"}')
UNION ALL SELECT '50%_', * FROM pg_temp.s('{"payload": "50%_"}')
UNION ALL SELECT '%', * FROM pg_temp.s('{"payload": "%"}')
UNION ALL SELECT '.*', * FROM pg_temp.s('{"payload": ".*"}')
UNION ALL SELECT 'quote', * FROM pg_temp.s('{"payload": "\"quoted\""}')
UNION ALL SELECT 'not ping', * FROM pg_temp.s('{"not_payload": "ping"}')
UNION ALL SELECT 'both', * FROM pg_temp.s('{"payload": "process", "not_payload": "again"}');
SELECT x->'scanned' AS scanned, x->'partial' AS partial
FROM telemetrics_api.search_records('{"payload": "ping"}') x;

-- keyset pages: follow the cursor to the end
CREATE TEMP TABLE pages AS
WITH RECURSIVE p(n, res) AS (
	SELECT 1, telemetrics_api.search_records('{"page_size": "3"}')
	UNION ALL
	SELECT n + 1, telemetrics_api.search_records(jsonb_build_object('page_size', '3', 'cursor', res->>'next_cursor'))
	FROM p WHERE res->>'next_cursor' IS NOT NULL AND n < 10)
SELECT n, res FROM p;
SELECT n, jsonb_array_length(res->'records') AS records, res->>'next_cursor' IS NOT NULL AS more,
       (SELECT string_agg(r->>'machine_id', ' ') FROM jsonb_array_elements(res->'records') r) AS machines
FROM pages ORDER BY n;
-- a payload search pages too, and a small scan budget makes it partial
SELECT x->'partial' AS partial, x->'scanned' AS scanned, jsonb_array_length(x->'records') AS found,
       x->>'next_cursor' IS NOT NULL AS more
FROM telemetrics_api.search_records('{"payload": "p", "page_size": "1"}') x;

-- the total follows deletes (stored counts), while history does not
DELETE FROM telemetrics.records WHERE machine_id = 'm3';
SELECT * FROM pg_temp.s('{"build": "101"}');

-- the machine filter counts up to 10000, then says the total is a floor
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, external, payload)
SELECT nextval('telemetrics.records_id_seq'), now(), now(), 'busy', 'h', 'x86_64',
	   'org.clearlinux/heartbeat/ping', 1, '102', '6.1.0', 3, 1, 'clear-linux-os', false, 'ping'
FROM generate_series(1, 10001);
SELECT x->'total' AS total, x->'total_exact' AS exact, jsonb_array_length(x->'records') AS page
FROM telemetrics_api.search_records('{"machine_id": "busy"}') x;
-- a payload search looks at no more than scan_limit records: then it is
-- partial, and its cursor continues after the last record it looked at
SELECT x->'partial' AS partial, x->'scanned' AS scanned, jsonb_array_length(x->'records') AS found,
       x->>'next_cursor' IS NOT NULL AS more
FROM telemetrics_api.search_records('{"payload": "nothing like this", "scan_limit": "100"}') x;
SELECT x->'partial' AS partial, x->'scanned' AS scanned, jsonb_array_length(x->'records') AS found
FROM telemetrics_api.search_records(jsonb_build_object('payload', 'again', 'scan_limit', '10000',
	'cursor', telemetrics_api.search_records('{"payload": "again", "scan_limit": "10000"}')->>'next_cursor')) x;
DELETE FROM telemetrics.records WHERE machine_id = 'busy';

-- invalid input
SELECT telemetrics_api.search_records('{"severity": "5"}');
SELECT telemetrics_api.search_records('{"classification": "a/*/c"}');
SELECT telemetrics_api.search_records('{"classification": "a*b"}');
SELECT telemetrics_api.search_records('{"data_source": "both"}');
SELECT telemetrics_api.search_records('{"from_date": "2024-13-01"}');
SELECT telemetrics_api.search_records('{"from_date": "2024-02-02", "to_date": "2024-02-01"}');
SELECT telemetrics_api.search_records('{"machine_id": "0123456789abcdef0123456789abcdef0"}');
SELECT telemetrics_api.search_records('{"payload": ""}') ->> 'total_exact' AS empty_payload_ignored;
SELECT telemetrics_api.search_records(jsonb_build_object('payload', repeat('x', 201)));
SELECT telemetrics_api.search_records('{"page_size": "0"}');
SELECT telemetrics_api.search_records('{"page_size": "1001"}');
SELECT telemetrics_api.search_records('{"scan_limit": "99"}');
SELECT telemetrics_api.search_records('{"cursor": "garbage!"}');
SELECT telemetrics_api.search_records('{"cursor": "Zzo1"}');
SELECT telemetrics_api.search_records('{"regex": ".*"}');
SELECT telemetrics_api.search_records('"a string"');

\c contrib_regression
DROP DATABASE regress_tm_search;
