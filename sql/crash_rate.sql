-- Crash rate (telemetrics_api.crash_rate): crashes (records of the
-- backtrace classes) per 1000 machines active on the build in the window.
\set VERBOSITY terse
-- a database of its own: the rollups and counts below must not see other tests' records
CREATE DATABASE regress_tm_crash_rate;
\c regress_tm_crash_rate
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

-- build 100: 4 machines, 2 crashes; build 101: 2 machines, 6 crashes
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, external, payload)
SELECT nextval('telemetrics.records_id_seq'), now() - interval '24 hours', now(), m, 'h', 'x86_64',
	   'org.clearlinux/heartbeat/ping', 1, b, '6.1.0', 3, 1, 'clear-linux-os', false, 'ping'
FROM (VALUES ('a', '100'), ('b', '100'), ('c', '100'), ('d', '100'), ('e', '101'), ('f', '101'),
			 ('old', '99')) v(m, b);
UPDATE telemetrics.records SET payload = 'x' WHERE machine_id = 'old';
SELECT pg_temp.crash(0, '100', 'a', 'f', 2), pg_temp.crash(0, '101', 'e', 'g', 5), pg_temp.crash(2, '101', 'f', 'g');
-- a crash that no frame can be blamed on still counts
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, external, payload)
VALUES (nextval('telemetrics.records_id_seq'), now(), now(), 'b', 'h', 'x86_64',
		'org.clearlinux/kernel/warning', 2, '100', '6.1.0', 3, 1, 'clear-linux-os', false, 'no frames');

SELECT b->>'build' AS build, b->'machines' AS machines, b->'crashes' AS crashes,
	   b->'per_1000_machines' AS per_1000
FROM jsonb_array_elements(telemetrics_api.crash_rate('{}')->'builds') b;
SELECT jsonb_array_length(telemetrics_api.crash_rate('{"builds": "1"}')->'builds') AS one_build;
SELECT telemetrics_api.crash_rate('{}')->'classes' AS classes;
-- machines last seen 30 days ago are outside a 7-day window
SELECT pg_temp.crash(30, '99', 'z', 'h');
SELECT b->>'build' AS build, b->'machines' AS machines
FROM jsonb_array_elements(telemetrics_api.crash_rate('{"days": "40"}')->'builds') b;

-- invalid input
SELECT telemetrics_api.crash_rate('{"days": "367"}');
SELECT telemetrics_api.crash_rate('{"build": "100"}');

\c contrib_regression
DROP DATABASE regress_tm_crash_rate;
