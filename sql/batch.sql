-- ingest_batch: many records in one call and one transaction; one outcome
-- per record in input order; a bad record never aborts the others.
\set VERBOSITY terse

CREATE FUNCTION pg_temp.rec(p_machine text, p_over jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object(
		'record_format_version', '4', 'classification', 'org.clearlinux/batch/test',
		'severity', '2', 'machine_id', p_machine, 'creation_timestamp', '1795754266',
		'arch', 'x86_64', 'host_type', 'h', 'build', '1', 'kernel_version', '6.1.0',
		'payload_format_version', '1', 'system_name', 'debian', 'board_name', 'b',
		'cpu_model', 'c', 'bios_version', 'v', 'event_id', md5(p_machine)) || p_over
$$;

SELECT ord, outcome, sqlstate, message, record->>'machine_id' AS machine_id
FROM telemetrics_api.ingest_batch(
	ARRAY[pg_temp.rec('batch-1'),
		  pg_temp.rec('batch-2', '{"severity": "7"}'),
		  pg_temp.rec('batch-3'),
		  pg_temp.rec('batch-4', '{"arch": "arm64"}'),
		  pg_temp.rec('batch-5'),
		  pg_temp.rec('batch-6'),
		  '{"no": "fields"}'::jsonb,
		  NULL],
	ARRAY['a', 'b', 'c', 'd', 'e', '\x41004200', 'g', 'h']::bytea[],
	ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f'])
ORDER BY ord;

SELECT machine_id, payload FROM telemetrics.records WHERE machine_id LIKE 'batch-%' ORDER BY 1;

-- rejections are quarantined in the same transaction
SELECT machine_id, sqlstate, message, repeat_count FROM telemetrics.quarantine
WHERE machine_id LIKE 'batch-%' ORDER BY machine_id;

-- per-record telemetry ids
SELECT ord, outcome, message FROM telemetrics_api.ingest_batch(
	ARRAY[pg_temp.rec('batch-tid-1'), pg_temp.rec('batch-tid-2')],
	ARRAY['a', 'b']::bytea[],
	ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f', 'wrong'])
ORDER BY ord;

-- empty and NULL batches return nothing
SELECT count(*) FROM telemetrics_api.ingest_batch('{}', '{}', '{}');
SELECT count(*) FROM telemetrics_api.ingest_batch(NULL, NULL, NULL);

-- invalid input: mismatched array lengths, two-dimensional arrays
SELECT * FROM telemetrics_api.ingest_batch(ARRAY[pg_temp.rec('x')], ARRAY['a', 'b']::bytea[], ARRAY['t']);
SELECT * FROM telemetrics_api.ingest_batch(ARRAY[pg_temp.rec('x')], ARRAY['a']::bytea[], ARRAY['t', 'u', 'v']);
SELECT * FROM telemetrics_api.ingest_batch(ARRAY[[pg_temp.rec('x')]], ARRAY['a']::bytea[], ARRAY['t']);

-- a batch of 500 in one call
SELECT outcome, count(*) FROM telemetrics_api.ingest_batch(
	(SELECT array_agg(pg_temp.rec('bulk-' || i)) FROM generate_series(1, 500) i),
	(SELECT array_agg(convert_to('payload ' || i, 'UTF8')) FROM generate_series(1, 500) i),
	ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f'])
GROUP BY outcome ORDER BY outcome;
SELECT count(*) AS bulk_rows, count(DISTINCT id) AS distinct_ids
FROM telemetrics.records WHERE machine_id LIKE 'bulk-%';

-- A record that passes validation but fails to store (here: a CHECK
-- constraint an admin added) is rejected alone with its own error, also
-- when it is the only valid record of its batch; the other records keep
-- their outcomes and the rejections are quarantined.
ALTER TABLE telemetrics.records ADD CONSTRAINT local_no_build_666 CHECK (build <> '666');
\set VERBOSITY sqlstate
SELECT ord, outcome, sqlstate, regexp_replace(message, 'records_[0-9]{8}', 'records_DAY') AS message
FROM telemetrics_api.ingest_batch(
	ARRAY[pg_temp.rec('store-fail-1', '{"build": "666"}'),
		  pg_temp.rec('store-fail-2', '{"severity": "9"}')],
	ARRAY['a', 'b']::bytea[],
	ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f'])
ORDER BY ord;
SELECT ord, outcome, sqlstate, regexp_replace(message, 'records_[0-9]{8}', 'records_DAY') AS message
FROM telemetrics_api.ingest_batch(
	ARRAY[pg_temp.rec('store-fail-3', '{"build": "666"}'),
		  pg_temp.rec('store-fail-4'),
		  pg_temp.rec('store-fail-5', '{"severity": "9"}')],
	ARRAY['a', 'b', 'c']::bytea[],
	ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f'])
ORDER BY ord;
SELECT machine_id FROM telemetrics.records WHERE machine_id LIKE 'store-fail-%' ORDER BY 1;
SELECT machine_id, sqlstate, regexp_replace(message, 'records_[0-9]{8}', 'records_DAY') AS message
FROM telemetrics.quarantine WHERE machine_id LIKE 'store-fail-%' ORDER BY machine_id;
-- a batch of one record too (the gateway batches what arrives together)
SELECT ord, outcome, sqlstate FROM telemetrics_api.ingest_batch(
	ARRAY[pg_temp.rec('store-fail-6', '{"build": "666"}')],
	ARRAY['a']::bytea[], ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']);
SELECT count(*) AS store_fail_6_quarantined FROM telemetrics.quarantine WHERE machine_id = 'store-fail-6';
-- ingest() quarantines it too, then raises the error (its SQLSTATE and
-- message; the detail says where the record went, not the failing row).
-- Twice: the second is a repeat.
\set VERBOSITY terse
DO $$
DECLARE
	d text;
BEGIN
	FOR i IN 1..2 LOOP
		BEGIN
			PERFORM telemetrics_api.ingest(pg_temp.rec('store-fail-7', '{"build": "666"}'),
				'a'::bytea, '6907c830-eed9-4ce9-81ae-76daf8d88f0f');
			RAISE NOTICE 'stored?';
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
			RAISE NOTICE '% | % | %', SQLSTATE,
				regexp_replace(SQLERRM, 'records_[0-9]{8}', 'records_DAY'), d;
		END;
	END LOOP;
END
$$;
SELECT sqlstate, repeat_count, regexp_replace(message, 'records_[0-9]{8}', 'records_DAY') AS message
FROM telemetrics.quarantine WHERE machine_id = 'store-fail-7';
SELECT count(*) AS store_fail_6_7 FROM telemetrics.records WHERE machine_id IN ('store-fail-6', 'store-fail-7');
ALTER TABLE telemetrics.records DROP CONSTRAINT local_no_build_666;
-- An error that is not about the record's data (a trigger's plain RAISE,
-- SQLSTATE P0001) is no rejection: ingest() and ingest_batch() raise it,
-- nothing is stored and nothing is quarantined.
CREATE FUNCTION pg_temp.no_777() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.build = '777' THEN RAISE EXCEPTION 'the admin refuses build 777'; END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER local_no_777 BEFORE INSERT ON telemetrics.records
	FOR EACH ROW EXECUTE FUNCTION pg_temp.no_777();
\set VERBOSITY terse
SELECT outcome FROM telemetrics_api.ingest(pg_temp.rec('raise-1', '{"build": "777"}'),
	'a'::bytea, '6907c830-eed9-4ce9-81ae-76daf8d88f0f');
\set VERBOSITY sqlstate
SELECT outcome FROM telemetrics_api.ingest(pg_temp.rec('raise-1', '{"build": "777"}'),
	'a'::bytea, '6907c830-eed9-4ce9-81ae-76daf8d88f0f');
SELECT count(*) FROM telemetrics_api.ingest_batch(
	ARRAY[pg_temp.rec('raise-2', '{"build": "777"}'), pg_temp.rec('raise-3')],
	ARRAY['a', 'b']::bytea[], ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']);
\set VERBOSITY terse
SELECT (SELECT count(*) FROM telemetrics.records WHERE machine_id LIKE 'raise-%') AS stored,
	(SELECT count(*) FROM telemetrics.quarantine WHERE machine_id LIKE 'raise-%') AS quarantined;
DROP TRIGGER local_no_777 ON telemetrics.records;
