-- Retention with the default rules: no override, records kept 35 days
-- (telemetrics.retention_days).  Expired days are dropped whole without
-- scanning them; the duplicate-detection keys of purged records go with
-- them, so a re-sent record whose original was purged is stored again,
-- while one whose original is kept is still a duplicate; rollups keep the
-- history.
\set VERBOSITY terse
-- a database of its own: the rollups and counts below must not see other tests' records
CREATE DATABASE regress_tm_retention_default;
\c regress_tm_retention_default
SET client_min_messages = warning;
CREATE EXTENSION telemetrics;
RESET client_min_messages;

SHOW telemetrics.retention_days;
SELECT telemetrics.ensure_partitions(now() - interval '45 days', now()) >= 0 AS partitions;

-- version-4 records with their keys, as ingest stores them, 30 to 40 days old
CREATE TEMP TABLE old (n int, age int, event_id text);
INSERT INTO old SELECT n, age, md5('event' || n)
FROM (VALUES (1, 30), (2, 34), (3, 36), (4, 40), (5, 40)) v(n, age);
WITH r AS (
	INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
		classification, severity, build, kernel_version, record_version, payload_version,
		system_name, board_name, cpu_model, bios_version, event_id, external, payload)
	SELECT nextval('telemetrics.records_id_seq'), now() - age * interval '24 hours', now(),
		   'retention-' || n, 'h', 'x86_64',
		   CASE WHEN n = 5 THEN 'org.clearlinux/mce/corrected' ELSE 'org.clearlinux/crash/clr' END,
		   CASE WHEN n = 5 THEN 4 ELSE 3 END, '100', '6.1.0', 4, 1, 'clear-linux-os', 'b', 'c', 'v',
		   event_id, false, 'p'
	FROM old ORDER BY n
	RETURNING id, received_at, machine_id, event_id)
INSERT INTO telemetrics.record_keys (event_id, machine_id, record_id, received_at)
SELECT event_id::uuid, machine_id, id, received_at FROM r;

-- the rollup tables themselves are read below: fold the pending deltas
SELECT telemetrics.compact_rollups() >= 0 AS compacted;
CREATE TEMP TABLE history AS
	SELECT sum(received) AS received FROM telemetrics.rollup_records;

-- whole days dropped (36 and 40 days old), nothing deleted row by row
SELECT (now() AT TIME ZONE 'UTC')::date - day AS age, action, records
FROM telemetrics.purge() ORDER BY 1, 2;
SELECT o.n, o.age, r.id IS NOT NULL AS kept,
	   to_regclass('telemetrics.' || telemetrics.partition_name((now() AT TIME ZONE 'UTC')::date - o.age)) IS NOT NULL AS partition_exists,
	   EXISTS (SELECT FROM telemetrics.record_keys k WHERE k.machine_id = 'retention-' || o.n) AS key_exists
FROM old o LEFT JOIN telemetrics.records r ON r.machine_id = 'retention-' || o.n
ORDER BY o.n;
-- no partition is left older than the limit
SELECT count(*) AS expired_partitions
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'telemetrics.records'::regclass
  AND to_date(substr(c.relname, 9), 'YYYYMMDD') < (now() AT TIME ZONE 'UTC')::date - 36;

-- the rollups: stored counts follow the purge, history stays
SELECT (SELECT received FROM history) = sum(received) AS history_kept, sum(stored) AS stored
FROM telemetrics.rollup_records;
SELECT (telemetrics_api.search_records('{}')->>'total')::int AS search_total;

-- duplicates across partitions: re-send records 2 (kept) and 3 (purged)
SELECT o.n, i.outcome
FROM old o,
	 LATERAL telemetrics_api.ingest(jsonb_build_object(
		'record_format_version', '4', 'classification', 'org.clearlinux/crash/clr',
		'severity', '3', 'machine_id', 'retention-' || o.n, 'creation_timestamp', '1700000000',
		'arch', 'x86_64', 'host_type', 'h', 'build', '100', 'kernel_version', '6.1.0',
		'payload_format_version', '1', 'system_name', 'clear-linux-os', 'board_name', 'b',
		'cpu_model', 'c', 'bios_version', 'v', 'event_id', o.event_id),
		'p'::text, '6907c830-eed9-4ce9-81ae-76daf8d88f0f') i
WHERE o.n IN (2, 3)
ORDER BY o.n;

-- 0 keeps records that no rule matches forever
SET telemetrics.retention_days = 0;
SELECT count(*) AS purged_with_0 FROM telemetrics.purge();
SELECT telemetrics.retention_predicate(now()) IS NULL AS nothing_can_expire;
RESET telemetrics.retention_days;

-- maintenance: partitions ahead, folding, purge, in one call
SELECT jsonb_typeof(m->'partitions_created') AS partitions_created, jsonb_typeof(m->'rollup_deltas_compacted') AS compacted,
	   m->'purged' AS purged
FROM telemetrics.maintenance() m;
SELECT count(*) AS days_ahead
FROM generate_series(1, 7) d
WHERE to_regclass('telemetrics.' || telemetrics.partition_name((now() AT TIME ZONE 'UTC')::date + d)) IS NOT NULL;
-- the settings, as the API shows them
SELECT x - 'oldest_day' AS retention, x->>'oldest_day' IS NOT NULL AS has_oldest_day
FROM telemetrics_api.get_retention('{}') x;

-- without pg_cron: scheduling says how to use the system's cron instead
\set VERBOSITY default
SELECT telemetrics.schedule_maintenance();
\set VERBOSITY terse
SELECT telemetrics.unschedule_maintenance() AS unscheduled;

\c contrib_regression
DROP DATABASE regress_tm_retention_default;
