-- MCE (telemetrics_api.get_mce): machine-check records by ISO week and
-- class, by status code (last 32 bits), by build, by class, and the top
-- machines with their per-build counts.  Thermal records are not MCE.
\set VERBOSITY terse
-- a database of its own: the rollups and counts below must not see other tests' records
CREATE DATABASE regress_tm_mce;
\c regress_tm_mce
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

INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, external, payload)
SELECT nextval('telemetrics.records_id_seq'), now() - (g % 3) * interval '168 hours', now(),
	   'mce-' || (g % 4), 'h', 'x86_64',
	   (ARRAY['org.clearlinux/mce/corrected', 'org.clearlinux/mce/UCNA', 'org.clearlinux/mce/thermal'])[1 + g % 3],
	   2, (100 + g % 2)::text, '6.1.0', 3, 1, 'clear-linux-os', false,
	   CASE WHEN g % 5 = 0 THEN 'no status here'
			ELSE E'Hardware event.\nCPU 1 BANK ' || (g % 2) || E' TSC 0\nSTATUS 9c0000000001' || (ARRAY['0091', '0134'])[1 + g % 2]
				 || E' MCGSTATUS 0\n' END
FROM generate_series(1, 30) g;

SELECT x - 'by_week' - 'top_machines' - 'by_status' - 'by_build' - 'by_class' AS summary
FROM telemetrics_api.get_mce('{}') x;
SELECT (date_trunc('week', :today)::date - (w->>'week')::date) / 7 AS weeks_ago,
	   w->>'classification' AS classification, w->'records' AS records
FROM jsonb_array_elements(telemetrics_api.get_mce('{}')->'by_week') w ORDER BY 1, 2;
SELECT telemetrics_api.get_mce('{}')->'by_status' AS by_status;
SELECT telemetrics_api.get_mce('{}')->'by_build' AS by_build;
SELECT telemetrics_api.get_mce('{}')->'by_class' AS by_class;
SELECT jsonb_pretty(telemetrics_api.get_mce('{"top": "2", "weeks": "2"}')->'top_machines') AS top_machines;
-- the same as a naive count over the records
SELECT mce_status, count(*) FROM telemetrics.records
WHERE classification LIKE 'org.clearlinux/mce/%' AND classification <> 'org.clearlinux/mce/thermal'
GROUP BY 1 ORDER BY 1;

-- invalid input
SELECT telemetrics_api.get_mce('{"weeks": "105"}');
SELECT telemetrics_api.get_mce('{"year": "2024"}');

\c contrib_regression
DROP DATABASE regress_tm_mce;
