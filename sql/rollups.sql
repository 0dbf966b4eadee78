-- Rollup maintenance by the statement-level triggers on
-- telemetrics.records: what INSERT, UPDATE, DELETE and TRUNCATE do to the
-- counters, one row of deltas per statement, compaction.
\set VERBOSITY terse
-- a database of its own: the rollups and counts below must not see other tests' records
CREATE DATABASE regress_tm_rollups;
\c regress_tm_rollups
SET client_min_messages = warning;
CREATE EXTENSION telemetrics;
RESET client_min_messages;

SELECT telemetrics.ensure_partitions(now() - interval '3 days', now()) >= 0 AS partitions;

-- compaction only when asked, so that the pending deltas can be counted
SET telemetrics.rollup_compact_interval = 0;

-- what readers see (rollups plus pending deltas), days as ages
CREATE VIEW pg_temp.rr AS
	SELECT (now() AT TIME ZONE 'UTC')::date - day AS age, build, classification, severity,
		   system_name, external, arch, sum(received) AS received, sum(stored) AS stored
	FROM telemetrics.rollup_records_v
	GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(received) <> 0 OR sum(stored) <> 0;
CREATE VIEW pg_temp.tt AS
	SELECT dimension, value, detail, sum(received) AS received
	FROM telemetrics.rollup_totals_v GROUP BY 1, 2, 3 HAVING sum(received) <> 0;

-- one multi-row statement, two days, a record without System-Name
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, external, payload)
SELECT nextval('telemetrics.records_id_seq'), now() - (g % 2) * interval '24 hours', now(),
	   'm' || (g % 3), 'host-' || (g % 2), CASE WHEN g = 5 THEN 'aarch64' ELSE 'x86_64' END,
	   CASE WHEN g <= 4 THEN 'org.clearlinux/crash/clr' ELSE 'org.clearlinux/mce/thermal' END,
	   CASE WHEN g <= 4 THEN 3 ELSE 2 END, '100', '6.1.0', 3, 1,
	   CASE WHEN g = 6 THEN NULL ELSE 'clear-linux-os' END, g = 1, 'p'
FROM generate_series(1, 6) g;
-- one statement, one row of deltas; nothing written to the rollup tables yet
SELECT count(*) AS delta_rows, (SELECT count(*) FROM telemetrics.rollup_records) AS rollup_rows
FROM telemetrics.rollup_deltas;
SELECT * FROM pg_temp.rr ORDER BY 1, 2, 3, 4, 5, 6, 7;
SELECT * FROM pg_temp.tt ORDER BY 1, 2, 3;
-- platforms: one ring of daily counts each (today, the last 2 days, all time)
SELECT host_type,
	   sum(telemetrics.ring_window(ring, (now() AT TIME ZONE 'UTC')::date)) AS today,
	   sum(telemetrics.ring_window(ring, (now() AT TIME ZONE 'UTC')::date - 1)) AS two_days,
	   sum(telemetrics.ring_total(ring)) AS all_time
FROM telemetrics.platform_recent_v GROUP BY 1 ORDER BY 1;
SELECT date_trunc('week', (now() AT TIME ZONE 'UTC')::date)::date - week AS weeks_ago_days,
	   machine_id, sum(records) AS records
FROM telemetrics.rollup_thermal_v GROUP BY 1, 2 HAVING sum(records) <> 0 ORDER BY 1, 2;

-- UPDATE moves the counts of the changed records (history and stored)
UPDATE telemetrics.records SET build = '101', severity = 4 WHERE machine_id = 'm1';
SELECT * FROM pg_temp.rr ORDER BY 1, 2, 3, 4, 5, 6, 7;
SELECT * FROM pg_temp.tt WHERE dimension IN ('build', 'severity', 'os_build') ORDER BY 1, 2, 3;
-- an UPDATE that changes nothing the rollups count adds no delta
SELECT count(*) AS delta_rows FROM telemetrics.rollup_deltas;
UPDATE telemetrics.records SET kernel_version = '6.2.0';
SELECT count(*) AS delta_rows FROM telemetrics.rollup_deltas;
SELECT sum(received) AS received, sum(stored) AS stored FROM pg_temp.rr;

-- DELETE lowers only "stored"; history (received, totals, thermal) stays
DELETE FROM telemetrics.records WHERE classification = 'org.clearlinux/mce/thermal';
SELECT * FROM pg_temp.rr ORDER BY 1, 2, 3, 4, 5, 6, 7;
SELECT sum(received) AS totals_classification FROM pg_temp.tt WHERE dimension = 'classification';
SELECT sum(records) AS thermal_records FROM telemetrics.rollup_thermal_v;

-- compaction folds every delta into the rollup tables and changes no answer
CREATE TEMP TABLE before_rr AS SELECT * FROM pg_temp.rr;
CREATE TEMP TABLE before_tt AS SELECT * FROM pg_temp.tt;
SELECT telemetrics.compact_rollups() AS compacted;
SELECT (SELECT count(*) FROM telemetrics.rollup_deltas) AS delta_rows,
	   (SELECT count(*) FROM telemetrics.rollup_records) AS rollup_rows;
SELECT (SELECT count(*) FROM ((SELECT * FROM before_rr EXCEPT ALL SELECT * FROM pg_temp.rr)
							   UNION ALL (SELECT * FROM pg_temp.rr EXCEPT ALL SELECT * FROM before_rr)) d)
	   + (SELECT count(*) FROM ((SELECT * FROM before_tt EXCEPT ALL SELECT * FROM pg_temp.tt)
								UNION ALL (SELECT * FROM pg_temp.tt EXCEPT ALL SELECT * FROM before_tt)) d)
	   AS differences;
SELECT telemetrics.compact_rollups() AS compacted_again;
\c

-- a writer has the rollups compacted, at most once per interval and
-- backend; first in its own transaction (no background worker)
SET telemetrics.rollup_compact_in_background = off;
SET telemetrics.rollup_compact_interval = '1h';
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, external, payload)
SELECT nextval('telemetrics.records_id_seq'), now(), now(), 'm' || g, 'host-0', 'x86_64',
	   'org.clearlinux/crash/clr', 3, '100', '6.1.0', 3, 1, 'clear-linux-os', false, 'p'
FROM generate_series(1, 2) g;
SELECT count(*) AS delta_rows_after_first FROM telemetrics.rollup_deltas;
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, external, payload)
VALUES (nextval('telemetrics.records_id_seq'), now(), now(), 'm0', 'host-0', 'x86_64',
		'org.clearlinux/crash/clr', 3, '100', '6.1.0', 3, 1, 'clear-linux-os', false, 'p');
SELECT count(*) AS delta_rows_within_interval FROM telemetrics.rollup_deltas;
RESET telemetrics.rollup_compact_in_background;
\c
-- by default a background worker compacts, in a transaction of its own:
-- started by this statement's trigger, it folds the delta row left above
-- (committed) but not this transaction's own (in compacting itself, the
-- writer would have folded both)
-- delta rows left after waiting up to a minute for at most p_max of them
CREATE FUNCTION pg_temp.deltas_left(p_max integer) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	deadline timestamptz := clock_timestamp() + interval '60 seconds';
BEGIN
	WHILE (SELECT count(*) FROM telemetrics.rollup_deltas) > p_max AND clock_timestamp() < deadline LOOP
		PERFORM pg_sleep(0.01);
	END LOOP;
	RETURN (SELECT count(*) FROM telemetrics.rollup_deltas);
END
$$;
SET telemetrics.rollup_compact_interval = '1h';
BEGIN;
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, external, payload)
VALUES (nextval('telemetrics.records_id_seq'), now(), now(), 'm3', 'host-0', 'x86_64',
		'org.clearlinux/crash/clr', 3, '100', '6.1.0', 3, 1, 'clear-linux-os', false, 'p');
SELECT current_setting('telemetrics.rollup_compact_in_background') AS in_background;
SELECT pg_temp.deltas_left(1) AS delta_rows_left_to_the_writer;
COMMIT;
-- telemetrics.rollup_compactor_start() starts one directly; true when a
-- worker was started or a compaction runs
DO $$
DECLARE
	deadline timestamptz := clock_timestamp() + interval '60 seconds';
BEGIN
	WHILE (SELECT count(*) FROM telemetrics.rollup_deltas) > 0 AND clock_timestamp() < deadline LOOP
		IF NOT telemetrics.rollup_compactor_start() THEN
			RAISE EXCEPTION 'no compactor was started';
		END IF;
		PERFORM pg_sleep(0.1);
	END LOOP;
END
$$;
SELECT count(*) AS delta_rows_after_worker FROM telemetrics.rollup_deltas;
SELECT (SELECT sum(stored) FROM telemetrics.rollup_records) = (SELECT count(*) FROM telemetrics.records)
	AS rollups_count_every_record;
-- off: the caller compacts, and the function says so
SET telemetrics.rollup_compact_in_background = off;
SELECT telemetrics.rollup_compactor_start() AS started_with_setting_off;
RESET telemetrics.rollup_compact_in_background;
-- the compactor ends by itself once a pass finds nothing to fold (below,
-- deltas are counted again)
-- compactors still alive after waiting up to a minute for them to end
CREATE FUNCTION pg_temp.compactors_left() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	deadline timestamptz := clock_timestamp() + interval '60 seconds';
BEGIN
	WHILE EXISTS (SELECT FROM pg_stat_activity WHERE backend_type = 'telemetrics rollup compactor')
		  AND clock_timestamp() < deadline LOOP
		PERFORM pg_sleep(0.1);
		PERFORM pg_stat_clear_snapshot();
	END LOOP;
	RETURN (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'telemetrics rollup compactor');
END
$$;
SELECT pg_temp.compactors_left() AS compactors_left;
SET telemetrics.rollup_compact_interval = 0;
CREATE VIEW pg_temp.rr AS
	SELECT (now() AT TIME ZONE 'UTC')::date - day AS age, build, classification, severity,
		   system_name, external, arch, sum(received) AS received, sum(stored) AS stored
	FROM telemetrics.rollup_records_v
	GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(received) <> 0 OR sum(stored) <> 0;
SELECT * FROM pg_temp.rr WHERE age = 0 AND build = '100' ORDER BY 1, 2, 3, 4, 5, 6, 7;

-- TRUNCATE: nothing is stored any more; history stays; keys are gone
TRUNCATE telemetrics.records;
SELECT sum(received) AS received, sum(stored) AS stored FROM pg_temp.rr;
SELECT count(*) AS keys FROM telemetrics.record_keys;
SELECT count(*) AS delta_rows FROM telemetrics.rollup_deltas;

-- the trigger appends its delta row with a heap insert; once rollup_deltas
-- has a trigger (or an index, or a constraint) of its own, it appends with
-- an INSERT, so that what was added runs
CREATE FUNCTION pg_temp.delta_seen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE NOTICE 'delta row inserted: % records group(s)', cardinality(NEW.records);
	RETURN NEW;
END
$$;
CREATE FUNCTION pg_temp.store(p_id bigint) RETURNS void LANGUAGE sql AS $$
	INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
		classification, severity, build, kernel_version, record_version, external, payload)
	VALUES (p_id, now(), now(), 'm9', 'h', 'x86_64', 'org.clearlinux/hello/world', 1, '100',
		'6.1.0', 1, false, 'hello')
$$;
CREATE TRIGGER delta_seen BEFORE INSERT ON telemetrics.rollup_deltas
	FOR EACH ROW EXECUTE FUNCTION pg_temp.delta_seen();
SET client_min_messages = debug1;	-- the trigger says when it falls back to an INSERT
SELECT pg_temp.store(-1);
RESET client_min_messages;
-- gone again (pg_class.relhastriggers stays set until a VACUUM): heap insert
DROP TRIGGER delta_seen ON telemetrics.rollup_deltas;
SELECT relhastriggers FROM pg_class WHERE oid = 'telemetrics.rollup_deltas'::regclass;
SET client_min_messages = debug1;
SELECT pg_temp.store(-2);
RESET client_min_messages;
SELECT count(*) AS delta_rows, sum(cardinality(records)) AS records_groups
FROM telemetrics.rollup_deltas;
SELECT sum(received) AS received_today_m9_build FROM pg_temp.rr
WHERE age = 0 AND build = '100' AND classification = 'org.clearlinux/hello/world';

-- between two passes the compactor pauses half a second, the whole half
-- second (a latch already set when the worker starts must not cut it
-- short, which left every worker one pass and made writers start another):
-- 0.2 s after its pass folded the delta row, it is still alive
SELECT pg_temp.store(-99);
SELECT telemetrics.rollup_compactor_start() AS compactor_started;
SELECT pg_temp.deltas_left(0) AS delta_rows_after_its_pass;
SELECT pg_sleep(0.2);
SELECT pg_stat_clear_snapshot();
SELECT count(*) AS compactors_alive_between_passes FROM pg_stat_activity
WHERE backend_type = 'telemetrics rollup compactor';
-- it ends at its next pass, which finds nothing
SELECT pg_temp.compactors_left() AS compactors_left;

-- a worker reports its table statistics after each pass, not only when it
-- exits (a minute later for the compactor): while rows keep arriving and
-- the compactor stays alive, its deletions from rollup_deltas are counted
SELECT pg_stat_force_next_flush();
CREATE TEMP TABLE deltas_deleted_before AS
	SELECT n_tup_del AS n FROM pg_stat_user_tables
	WHERE relid = 'telemetrics.rollup_deltas'::regclass;
DO $$
DECLARE
	deadline timestamptz := clock_timestamp() + interval '30 seconds';
	i integer := 0;
BEGIN
	LOOP
		PERFORM pg_temp.store(-100 - i);
		COMMIT;
		PERFORM telemetrics.rollup_compactor_start();
		PERFORM pg_sleep(0.1);
		PERFORM pg_stat_clear_snapshot();
		EXIT WHEN EXISTS (SELECT FROM pg_stat_activity
						  WHERE backend_type = 'telemetrics rollup compactor')
			AND (SELECT n_tup_del FROM pg_stat_user_tables
				 WHERE relid = 'telemetrics.rollup_deltas'::regclass)
				> (SELECT n FROM deltas_deleted_before);
		IF clock_timestamp() > deadline THEN
			RAISE EXCEPTION 'a live compactor reported no deletions in 30 s';
		END IF;
		i := i + 1;
	END LOOP;
END
$$;
-- writes stopped: the compactor ends once a pass finds nothing
SELECT pg_temp.compactors_left() AS compactors_left;

-- the fold runs with JIT off, whatever the caller's setting: the planner
-- prices it by rollup_deltas' heap, which deletes leave large, and
-- compiling took most of each pass
CREATE FUNCTION pg_temp.jit_seen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE NOTICE 'rollup_deltas emptied with jit = %', current_setting('jit');
	RETURN NULL;
END
$$;
CREATE TRIGGER jit_seen AFTER DELETE ON telemetrics.rollup_deltas
	FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.jit_seen();
SET jit = on;
SELECT telemetrics.compact_rollups() >= 0 AS compacted;
SHOW jit;
RESET jit;
DROP TRIGGER jit_seen ON telemetrics.rollup_deltas;

\c contrib_regression
DROP DATABASE regress_tm_rollups;
