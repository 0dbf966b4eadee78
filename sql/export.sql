-- CSV export (telemetrics_api.export_records_csv): a header and one
-- RFC 4180 line per record, newest first, bounded by limit; the same
-- filters as the search.
\set VERBOSITY terse
-- a database of its own: the rollups and counts below must not see other tests' records
CREATE DATABASE regress_tm_export;
\c regress_tm_export
SET client_min_messages = warning;
CREATE EXTENSION telemetrics;
RESET client_min_messages;

SELECT telemetrics.ensure_partitions(now() - interval '2 days', now()) >= 0 AS partitions;
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, external, payload)
SELECT nextval('telemetrics.records_id_seq'), now() - (3 - g) * interval '1 hour', now(), 'csv-' || g,
	   'h', 'x86_64', CASE WHEN g = 2 THEN 'org.clearlinux/crash/clr' ELSE 'org.clearlinux/heartbeat/ping' END,
	   g, '200', '6.1.0', 3, 1, 'clear-linux-os', g = 3,
	   CASE g WHEN 1 THEN 'plain' WHEN 2 THEN E'two\nlines, "quoted"' ELSE 'comma,separated' END
FROM generate_series(1, 3) g;

-- the server timestamp is the only varying field: blank it
SELECT regexp_replace(line, '^("[0-9]+"),("[a-z]+"),"[0-9.]+"', '"ID",\2,"TS"') AS line
FROM telemetrics_api.export_records_csv('{}') line;
SELECT regexp_replace(line, '^("[0-9]+"),("[a-z]+"),"[0-9.]+"', '"ID",\2,"TS"') AS line
FROM telemetrics_api.export_records_csv('{"limit": "1"}') line;
SELECT count(*) AS lines FROM telemetrics_api.export_records_csv('{"classification": "org.clearlinux/heartbeat/*"}');
SELECT count(*) AS lines FROM telemetrics_api.export_records_csv('{"payload": "LINES"}');
SELECT count(*) AS lines FROM telemetrics_api.export_records_csv('{"data_source": "external", "severity": "3"}');

-- invalid input
SELECT count(*) FROM telemetrics_api.export_records_csv('{"limit": "100001"}');
SELECT count(*) FROM telemetrics_api.export_records_csv('{"limit": "0"}');
SELECT count(*) FROM telemetrics_api.export_records_csv('{"cursor": "cjox"}');
SELECT count(*) FROM telemetrics_api.export_records_csv('{"severity": "x"}');

\c contrib_regression
DROP DATABASE regress_tm_export;
