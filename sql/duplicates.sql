-- Duplicates: a record whose (machine id, event id) matches a stored record
-- is not stored again; the function says so and returns the stored record.
-- The real client re-sends a record whenever it did not get a response.
\set VERBOSITY terse

CREATE FUNCTION pg_temp.rec(p_machine text, p_event text, p_severity text DEFAULT '1') RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object(
		'record_format_version', '4', 'classification', 'org.clearlinux/dup/test',
		'severity', p_severity, 'machine_id', p_machine, 'creation_timestamp', '1795754266',
		'arch', 'x86_64', 'host_type', 'h', 'build', '1', 'kernel_version', '6.1.0',
		'payload_format_version', '1', 'system_name', 'debian', 'board_name', 'b',
		'cpu_model', 'c', 'bios_version', 'v', 'event_id', p_event)
$$;

CREATE TEMP TABLE sent (n int, outcome text, id bigint, severity int);
INSERT INTO sent
SELECT n, (r).outcome, ((r).record->>'id')::bigint, ((r).record->>'severity')::int
FROM (VALUES
	(1, 'dup-a', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '1'),
	(2, 'dup-a', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '1'),	-- re-sent
	(3, 'dup-a', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '3'),	-- same key, other content
	(4, 'dup-b', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '1'),	-- other machine
	(5, 'dup-a', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', '1')	-- other event
) AS t(n, machine, event, sev),
LATERAL (SELECT telemetrics_api.ingest(pg_temp.rec(machine, event, sev), 'x'::text,
			'6907c830-eed9-4ce9-81ae-76daf8d88f0f') AS r) s;

-- 2 and 3 are duplicates of 1 and return it (its id, its severity)
SELECT s.n, s.outcome, s.id = first.id AS same_id_as_first, s.severity
FROM sent s, (SELECT id FROM sent WHERE n = 1) first
ORDER BY s.n;

SELECT machine_id, event_id, count(*) FROM telemetrics.records
WHERE machine_id LIKE 'dup-%' GROUP BY 1, 2 ORDER BY 1, 2;

-- records without an event id (format versions 1-3: "N/A") are never
-- duplicates of each other
SELECT (telemetrics_api.ingest(pg_temp.rec('dup-v3', 'x') || '{"record_format_version": "3"}',
		'x'::text, '6907c830-eed9-4ce9-81ae-76daf8d88f0f')).outcome
FROM generate_series(1, 2);
SELECT count(*) AS v3_rows FROM telemetrics.records WHERE machine_id = 'dup-v3';

-- duplicates within one batch: the first is stored, the others return it
SELECT b.ord, b.outcome, (b.record->>'id')::bigint = min((b.record->>'id')::bigint) OVER () AS same_record
FROM telemetrics_api.ingest_batch(
	ARRAY[pg_temp.rec('dup-c', 'cccccccccccccccccccccccccccccccc'),
		  pg_temp.rec('dup-c', 'cccccccccccccccccccccccccccccccc'),
		  pg_temp.rec('dup-c', 'cccccccccccccccccccccccccccccccc')],
	ARRAY['1', '2', '3']::bytea[], ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']) AS b
ORDER BY b.ord;
SELECT count(*) AS dup_c_rows FROM telemetrics.records WHERE machine_id = 'dup-c';

-- a duplicate across batches
SELECT b.ord, b.outcome FROM telemetrics_api.ingest_batch(
	ARRAY[pg_temp.rec('dup-c', 'cccccccccccccccccccccccccccccccc'),
		  pg_temp.rec('dup-c', 'dddddddddddddddddddddddddddddddd')],
	ARRAY['1', '2']::bytea[], ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']) AS b
ORDER BY b.ord;

-- a key whose record is gone (deleted by hand, not by retention) does not
-- block a new record with that key
DELETE FROM telemetrics.records WHERE machine_id = 'dup-c' AND event_id = 'dddddddddddddddddddddddddddddddd';
SELECT (telemetrics_api.ingest(pg_temp.rec('dup-c', 'dddddddddddddddddddddddddddddddd'), 'again'::text,
		'6907c830-eed9-4ce9-81ae-76daf8d88f0f')).outcome AS after_delete;
SELECT payload FROM telemetrics.records WHERE machine_id = 'dup-c' AND event_id = 'dddddddddddddddddddddddddddddddd';

-- a rejected record leaves no key behind: its valid re-send is stored
SELECT b.outcome, b.message FROM telemetrics_api.ingest_batch(
	ARRAY[pg_temp.rec('dup-e', 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', '9')],
	ARRAY['x']::bytea[], ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']) AS b;
SELECT (telemetrics_api.ingest(pg_temp.rec('dup-e', 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee'), 'x'::text,
		'6907c830-eed9-4ce9-81ae-76daf8d88f0f')).outcome AS valid_resend;

-- Keys are claimed with plain INSERTs first; a batch in which a key was
-- already taken goes again and tells the duplicates apart.  Every mix keeps
-- each record's own outcome: new records, a re-sent one, one key twice, a
-- rejected record, and a record whose store fails on another unique index
-- (an admin's), which is rejected alone with that index's error.
CREATE UNIQUE INDEX local_one_per_cpu ON telemetrics.records (cpu_model, received_at)
	WHERE machine_id LIKE 'mix-%';
SELECT b.ord, b.outcome, b.sqlstate,
	regexp_replace(b.message, 'records_[0-9]{8}', 'records_DAY') AS message,
	b.record->>'machine_id' AS machine_id,
	(b.record->>'id')::bigint = (SELECT id FROM sent WHERE n = 1) AS is_dup_a
FROM telemetrics_api.ingest_batch(
	ARRAY[pg_temp.rec('mix-1', '11111111111111111111111111111111') || '{"cpu_model": "c1"}',
		  pg_temp.rec('dup-a', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa') || '{"cpu_model": "c2"}',
		  pg_temp.rec('mix-2', '22222222222222222222222222222222') || '{"cpu_model": "c3"}',
		  pg_temp.rec('mix-2', '22222222222222222222222222222222') || '{"cpu_model": "c4"}',
		  pg_temp.rec('mix-3', '33333333333333333333333333333333', '5'),
		  pg_temp.rec('mix-4', '44444444444444444444444444444444') || '{"cpu_model": "c1"}',
		  pg_temp.rec('mix-5', '55555555555555555555555555555555') || '{"cpu_model": "c5"}'],
	ARRAY['1', '2', '3', '4', '5', '6', '7']::bytea[],
	ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']) AS b
ORDER BY b.ord;
-- the same without the other unique index's clash, and one record alone
SELECT b.ord, b.outcome, b.record->>'machine_id' AS machine_id
FROM telemetrics_api.ingest_batch(
	ARRAY[pg_temp.rec('mix-6', '66666666666666666666666666666666') || '{"cpu_model": "c6"}',
		  pg_temp.rec('mix-1', '11111111111111111111111111111111') || '{"cpu_model": "c7"}',
		  pg_temp.rec('mix-7', '77777777777777777777777777777777') || '{"cpu_model": "c8"}'],
	ARRAY['6', '1', '7']::bytea[],
	ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']) AS b
ORDER BY b.ord;
SELECT b.outcome, b.record->>'cpu_model' AS cpu_model
FROM telemetrics_api.ingest_batch(
	ARRAY[pg_temp.rec('mix-5', '55555555555555555555555555555555') || '{"cpu_model": "c9"}'],
	ARRAY['5']::bytea[], ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']) AS b;
DROP INDEX telemetrics.local_one_per_cpu;
SELECT machine_id, event_id, cpu_model, payload FROM telemetrics.records
WHERE machine_id LIKE 'mix-%' ORDER BY machine_id, event_id;
SELECT machine_id, sqlstate, regexp_replace(message, 'records_[0-9]{8}', 'records_DAY') AS message
FROM telemetrics.quarantine WHERE machine_id LIKE 'mix-%' ORDER BY machine_id;
SELECT count(*) AS keys_of_mix FROM telemetrics.record_keys WHERE machine_id LIKE 'mix-%';

-- A single record's key is claimed without the executor while
-- telemetrics.record_keys is as the extension made it: into every index,
-- an admin's plain one too, and a taken key is still a duplicate.  A
-- table changed in a way that needs the executor (a trigger, an index on
-- an expression) is claimed with an INSERT (the DEBUG1 line says so), with
-- the same outcomes.
CREATE FUNCTION pg_temp.send_twice(p_machine text, p_event text)
RETURNS TABLE (sent text, outcome text) LANGUAGE sql AS $$
	SELECT 'new', (telemetrics_api.ingest(pg_temp.rec(p_machine, p_event), 'x'::text,
		'6907c830-eed9-4ce9-81ae-76daf8d88f0f')).outcome
	UNION ALL
	SELECT 'again', (telemetrics_api.ingest(pg_temp.rec(p_machine, p_event), 'y'::text,
		'6907c830-eed9-4ce9-81ae-76daf8d88f0f')).outcome
$$;
CREATE INDEX local_keys_by_day ON telemetrics.record_keys (received_at, record_id);
SET client_min_messages = debug1;
SELECT * FROM pg_temp.send_twice('direct-1', 'd1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1');
RESET client_min_messages;
-- every row of the table is in both indexes (amcheck reads the heap and
-- looks each row up in the index)
CREATE EXTENSION IF NOT EXISTS amcheck;
SELECT bt_index_check('telemetrics.record_keys_pkey', true) AS pkey_complete,
	bt_index_check('telemetrics.local_keys_by_day', true) AS admin_index_complete;
DROP INDEX telemetrics.local_keys_by_day;

CREATE TABLE local_claims (machine_id text);
CREATE FUNCTION local_note_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO public.local_claims VALUES (NEW.machine_id);
	RETURN NEW;
END
$$;
CREATE TRIGGER local_note_claim BEFORE INSERT ON telemetrics.record_keys
	FOR EACH ROW EXECUTE FUNCTION local_note_claim();
SET client_min_messages = debug1;
SELECT * FROM pg_temp.send_twice('direct-2', 'd2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2');
RESET client_min_messages;
DROP TRIGGER local_note_claim ON telemetrics.record_keys;
-- the trigger saw both claims: the re-send's plain claim was rolled back
-- with its unique violation, and its ON CONFLICT retry fires BEFORE row
-- triggers before it finds the key taken
SELECT machine_id, count(*) FROM local_claims GROUP BY 1;

CREATE INDEX local_keys_expr ON telemetrics.record_keys ((machine_id || '/' || event_id::text));
SET client_min_messages = debug1;
SELECT * FROM pg_temp.send_twice('direct-3', 'd3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3');
RESET client_min_messages;
SELECT count(*) AS found_through_expr_index FROM telemetrics.record_keys
WHERE machine_id || '/' || event_id::text = 'direct-3/d3d3d3d3-d3d3-d3d3-d3d3-d3d3d3d3d3d3';
DROP INDEX telemetrics.local_keys_expr;
DROP TABLE local_claims;
DROP FUNCTION local_note_claim();

SELECT machine_id, count(*) AS records, min(payload) AS payload FROM telemetrics.records
WHERE machine_id LIKE 'direct-%' GROUP BY 1 ORDER BY 1;
SELECT machine_id, count(*) AS keys FROM telemetrics.record_keys
WHERE machine_id LIKE 'direct-%' GROUP BY 1 ORDER BY 1;
