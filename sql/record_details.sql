-- Record details (telemetrics_api.get_record): one stored record by id;
-- 404 (P0002) for an unknown id, 400 (22023) for a malformed one.
\set VERBOSITY terse
-- a database of its own: the rollups and counts below must not see other tests' records
CREATE DATABASE regress_tm_record_details;
\c regress_tm_record_details
SET client_min_messages = warning;
CREATE EXTENSION telemetrics;
RESET client_min_messages;

SELECT telemetrics.ensure_partitions(now(), now()) >= 0 AS partitions;
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, board_name, cpu_model, bios_version, external, payload)
VALUES (nextval('telemetrics.records_id_seq'), now(), to_timestamp(1700000000), 'details-m',
		'vendor|product|1', 'x86_64', 'org.clearlinux/crash/clr', 3, '31000', '6.1.0', 3, 1,
		'clear-linux-os', 'board', 'cpu', 'bios', true, E'Process: /usr/bin/x\n#0 f() - [/lib/x.so]');
SELECT currval('telemetrics.records_id_seq') AS id \gset

SELECT r - 'id' - 'ts_reception' AS record, (r->>'id')::bigint = :id AS same_id,
       r->>'ts_reception' ~ '^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$' AS reception_format
FROM telemetrics_api.get_record(jsonb_build_object('id', :'id')) r;
-- numbers are accepted too (SQL callers)
SELECT telemetrics_api.get_record(jsonb_build_object('id', :id))->>'machine_id' AS machine_id;

-- invalid input
SELECT telemetrics_api.get_record('{"id": "999999999999"}');
SELECT telemetrics_api.get_record('{"id": "abc"}');
SELECT telemetrics_api.get_record('{"id": "-1"}');
SELECT telemetrics_api.get_record('{}');
SELECT telemetrics_api.get_record(jsonb_build_object('id', :'id', 'extra', 'x'));

\c contrib_regression
DROP DATABASE regress_tm_record_details;
