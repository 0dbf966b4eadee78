-- Thermal (telemetrics_api.get_thermal): org.clearlinux/mce/thermal
-- records per ISO week and the machines that sent the most.
\set VERBOSITY terse
-- a database of its own: the rollups and counts below must not see other tests' records
CREATE DATABASE regress_tm_thermal;
\c regress_tm_thermal
SET client_min_messages = warning;
CREATE EXTENSION telemetrics;
RESET client_min_messages;
-- the API works in UTC days whatever the session's time zone (pg_regress: PST8PDT)
\set today '(now() AT TIME ZONE ''UTC'')::date'

SELECT telemetrics.ensure_partitions(now() - interval '50 days', now()) >= 0 AS partitions;
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, external, payload)
SELECT nextval('telemetrics.records_id_seq'), now() - (g % 7) * interval '168 hours', now(),
	   'hot-' || (g % 3), 'h', 'x86_64',
	   CASE WHEN g % 5 = 0 THEN 'org.clearlinux/mce/corrected' ELSE 'org.clearlinux/mce/thermal' END,
	   2, '100', '6.1.0', 3, 1, 'clear-linux-os', false, 'thermal event'
FROM generate_series(1, 40) g;

SELECT (date_trunc('week', :today)::date - (w->>'week')::date) / 7 AS weeks_ago,
	   w->>'iso_week' ~ '^\d{4}-W\d\d$' AS iso_label, w->'records' AS records, w->'machines' AS machines
FROM jsonb_array_elements(telemetrics_api.get_thermal('{"weeks": "10"}')->'by_week') w ORDER BY 1;
SELECT x - 'by_week' AS result FROM telemetrics_api.get_thermal('{"weeks": "3", "top": "2"}') x;
SELECT jsonb_array_length(telemetrics_api.get_thermal('{}')->'by_week') AS default_weeks;

-- invalid input
SELECT telemetrics_api.get_thermal('{"weeks": "0"}');
SELECT telemetrics_api.get_thermal('{"top": "1001"}');

\c contrib_regression
DROP DATABASE regress_tm_thermal;
