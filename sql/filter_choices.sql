-- The choices of the records filter form
-- (telemetrics_api.list_filter_choices): OS with their builds, builds,
-- classifications and the wildcard patterns, from the all-time rollups.
\set VERBOSITY terse
-- a database of its own: the rollups and counts below must not see other tests' records
CREATE DATABASE regress_tm_filter_choices;
\c regress_tm_filter_choices
SET client_min_messages = warning;
CREATE EXTENSION telemetrics;
RESET client_min_messages;

SELECT telemetrics.ensure_partitions(now(), now()) >= 0 AS partitions;
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, external, payload)
VALUES (nextval('telemetrics.records_id_seq'), now(), now(), 'a', 'h', 'x86_64', 'org.clearlinux/crash/clr', 3, '9', '6.1.0', 2, 1, 'clear-linux-os', false, 'p'),
	   (nextval('telemetrics.records_id_seq'), now(), now(), 'a', 'h', 'x86_64', 'org.clearlinux/crash/clr', 3, '31000', '6.1.0', 2, 1, 'clear-linux-os', false, 'p'),
	   (nextval('telemetrics.records_id_seq'), now(), now(), 'a', 'h', 'x86_64', 'org.clearlinux/kernel/bug', 4, '100', '6.1.0', 2, 1, 'clear-linux-os', false, 'p'),
	   (nextval('telemetrics.records_id_seq'), now(), now(), 'b', 'h', 'x86_64', 'com.example/app/error', 2, '2.1-rc1', '6.1.0', 2, 1, 'debian', false, 'p'),
	   (nextval('telemetrics.records_id_seq'), now(), now(), 'c', 'h', 'x86_64', 'com.example/app/error', 2, 'v1', '6.1.0', 1, NULL, NULL, false, 'p');
SELECT jsonb_pretty(telemetrics_api.list_filter_choices('{}'));
-- the choices are history: they stay after the records are gone
DELETE FROM telemetrics.records;
SELECT jsonb_array_length(telemetrics_api.list_filter_choices(NULL)->'builds') AS builds;

-- invalid input
SELECT telemetrics_api.list_filter_choices('{"x": "1"}');

\c contrib_regression
DROP DATABASE regress_tm_filter_choices;
