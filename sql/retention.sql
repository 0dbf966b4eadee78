-- Retention, the reference's worked example (reference-backend.md
-- section 6, from its tests/purging.py): maximum age 5 days, rules
-- severity {1: 1, 4: 0} and classification {test/keep/one: 0,
-- test/discard/*: 1}.  Exactly the reference's survivors.
\set VERBOSITY terse
-- a database of its own: the rollups and counts below must not see other tests' records
CREATE DATABASE regress_tm_retention;
\c regress_tm_retention
SET client_min_messages = warning;
CREATE EXTENSION telemetrics;
RESET client_min_messages;

SELECT telemetrics.ensure_partitions(now() - interval '8 days', now()) >= 0 AS partitions;
-- every partition has the inherited constraints only: the CHECK that let
-- ATTACH skip its scan is gone (the partition bound says the same)
SELECT count(DISTINCT c.conrelid) >= 9 AS partitions,
	   pg_catalog.string_agg(DISTINCT c.conname, ', ' ORDER BY c.conname)
		   FILTER (WHERE c.conislocal AND c.contype = 'c') AS local_checks,
	   pg_catalog.string_agg(DISTINCT c.conname, ', ' ORDER BY c.conname)
		   FILTER (WHERE NOT c.conislocal AND c.contype = 'c') AS inherited_checks
FROM pg_catalog.pg_inherits i
JOIN pg_catalog.pg_constraint c ON c.conrelid = i.inhrelid
WHERE i.inhparent = 'telemetrics.records'::regclass;

CREATE TEMP TABLE example (n int, age int, severity int, classification text, fate text);
INSERT INTO example VALUES
	(1, 2, 1, 'test/discard/one',   'deleted (severity 1 > 1 day)'),
	(2, 2, 2, 'test/discard/two',   'deleted (test/discard/* > 1 day)'),
	(3, 2, 4, 'test/discard/three', 'deleted (classification rule, despite severity 4:0)'),
	(4, 6, 2, 'test/test/one',      'deleted (unfiltered, > 5 days)'),
	(5, 3, 2, 'test/test/one',      'kept (unfiltered, < 5 days)'),
	(6, 6, 4, 'test/test/one',      'kept (severity 4 excluded from unfiltered, 0-day rule)'),
	(7, 6, 2, 'test/keep/one',      'kept (classification excluded, 0-day rule)'),
	(8, 2, 1, 'test/keep/one',      'deleted (severity 1 rule)');
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, external, payload)
SELECT nextval('telemetrics.records_id_seq'), now() - age * interval '24 hours', now(), 'example-' || n,
	   'h', 'x86_64', classification, severity, '1', '6.1.0', 2, 1, 'test', false, 'p'
FROM example ORDER BY n;

SET telemetrics.retention_days = 5;
INSERT INTO telemetrics.retention_rules (field, value, max_days) VALUES
	('severity', '1', 1), ('severity', '4', 0),
	('classification', 'test/keep/one', 0), ('classification', 'test/discard/*', 1);

-- what the purge did, per day (as ages): the day of records 1, 2, 3 and 8
-- lost all its records and was dropped whole; the 6-day-old day lost one
SELECT (now() AT TIME ZONE 'UTC')::date - day AS age, action, records
FROM telemetrics.purge() ORDER BY 1, 2;

-- survivors: exactly the reference's
SELECT e.n, e.age, e.severity, e.classification, e.fate,
	   CASE WHEN r.id IS NULL THEN 'deleted' ELSE 'kept' END AS result
FROM example e
LEFT JOIN telemetrics.records r ON r.machine_id = 'example-' || e.n
ORDER BY e.n;

-- purging again changes nothing
SELECT count(*) AS purged_again FROM telemetrics.purge();

-- * is the only wildcard: % and _ in a rule are literal
SELECT telemetrics.ensure_partitions(now() - interval '8 days', now()) >= 0 AS partitions;
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, external, payload)
VALUES (nextval('telemetrics.records_id_seq'), now() - interval '48 hours', now(), 'literal', 'h',
		'x86_64', 'test/a_b/c', 2, '1', '6.1.0', 2, 1, 'test', false, 'p');
INSERT INTO telemetrics.retention_rules VALUES ('classification', 'test/a%b/*', 1), ('classification', 'test/a_b/x*', 1);
SELECT count(*) AS deleted_by_percent FROM telemetrics.purge();
SELECT telemetrics.retention_pattern('test/a%b_c\*') AS pattern;

-- the rules as one condition (what purge runs)
SELECT regexp_replace(telemetrics.retention_predicate(now()), '''[^'']*''::timestamptz', 'T', 'g') AS predicate;

-- invalid input: rules are checked
INSERT INTO telemetrics.retention_rules VALUES ('machine_id', 'x', 1);
INSERT INTO telemetrics.retention_rules VALUES ('severity', '5', 1);
INSERT INTO telemetrics.retention_rules VALUES ('severity', '2', -1);
INSERT INTO telemetrics.retention_rules VALUES ('classification', '', 1);
INSERT INTO telemetrics.retention_rules VALUES ('severity', '1', 2);
SET telemetrics.retention_days = -1;
SET telemetrics.retention_days = 36501;

RESET telemetrics.retention_days;
TRUNCATE telemetrics.retention_rules;

\c contrib_regression
DROP DATABASE regress_tm_retention;
