-- Quarantine: every rejected record is kept, with its SQLSTATE, message,
-- fields and the start of its payload; a re-sent record raises a counter
-- instead of adding a row; the table is bounded.
\set VERBOSITY terse

TRUNCATE telemetrics.quarantine;

CREATE FUNCTION pg_temp.bad(p_machine text, p_payload bytea DEFAULT 'payload'::bytea) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM telemetrics_api.ingest(jsonb_build_object(
		'record_format_version', '4', 'classification', 'org.clearlinux/quarantine/test',
		'severity', '9', 'machine_id', p_machine, 'creation_timestamp', '1795754266',
		'arch', 'x86_64', 'host_type', 'h', 'build', '1', 'kernel_version', '6.1.0',
		'payload_format_version', '1', 'system_name', 'debian', 'board_name', 'b',
		'cpu_model', 'c', 'bios_version', 'v', 'event_id', md5(p_machine)),
		p_payload, '6907c830-eed9-4ce9-81ae-76daf8d88f0f');
	RETURN 'stored';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- a rejection is kept with what it carried
SELECT pg_temp.bad('q-1');
SELECT sqlstate, message, classification, machine_id, fields->>'severity' AS severity,
	   fields->>'event_id' = md5('q-1') AS fields_kept, tid, payload_excerpt,
	   payload_bytes, repeat_count, first_seen = last_seen AS seen_once
FROM telemetrics.quarantine;

-- the error the caller sees says where the record went
\set VERBOSITY default
SELECT telemetrics_api.ingest('{"record_format_version": "9"}', 'x'::text, '6907c830-eed9-4ce9-81ae-76daf8d88f0f');
\set VERBOSITY terse

-- the same record again, twice: counted, not added
SELECT pg_temp.bad('q-1') FROM generate_series(1, 2);
SELECT machine_id, repeat_count, last_seen > first_seen AS seen_again
FROM telemetrics.quarantine WHERE machine_id = 'q-1';

-- the same fields with another payload are another record
SELECT pg_temp.bad('q-1', 'other payload');
SELECT machine_id, payload_excerpt, repeat_count FROM telemetrics.quarantine
WHERE machine_id = 'q-1' ORDER BY payload_excerpt;

-- kept even when the caller's transaction rolls back (the single-record
-- function writes the quarantine row in a transaction of its own)
BEGIN;
SELECT pg_temp.bad('q-rolled-back');
ROLLBACK;
SELECT count(*) AS kept_after_rollback FROM telemetrics.quarantine WHERE machine_id = 'q-rolled-back';

-- the batch function quarantines in its caller's transaction
BEGIN;
SELECT outcome FROM telemetrics_api.ingest_batch(
	ARRAY['{"record_format_version": "4", "machine_id": "q-batch"}'::jsonb], ARRAY['x'::bytea],
	ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']);
SELECT count(*) AS in_transaction FROM telemetrics.quarantine WHERE machine_id = 'q-batch';
ROLLBACK;
SELECT count(*) AS after_rollback FROM telemetrics.quarantine WHERE machine_id = 'q-batch';

-- payload excerpts: at most telemetrics.quarantine_payload_bytes bytes,
-- cut on a character boundary; Latin-1 decoded; NUL shown as U+FFFD
SET telemetrics.quarantine_payload_bytes = 8;
SELECT pg_temp.bad('q-long', convert_to('abcdefghij', 'UTF8'));
SELECT pg_temp.bad('q-utf8', convert_to('abcdefgé', 'UTF8'));
SELECT pg_temp.bad('q-latin1', '\x6162e9'::bytea);
SELECT pg_temp.bad('q-nul', '\x610062'::bytea);
RESET telemetrics.quarantine_payload_bytes;
SELECT machine_id, message, payload_excerpt, payload_bytes FROM telemetrics.quarantine
WHERE machine_id IN ('q-long', 'q-utf8', 'q-latin1', 'q-nul') ORDER BY machine_id;

-- the bound: the least recently seen rows are evicted
TRUNCATE telemetrics.quarantine;
SET telemetrics.quarantine_max_rows = 3;
SELECT pg_temp.bad('q-bound-' || i) FROM generate_series(1, 5) i;
SELECT machine_id, repeat_count FROM telemetrics.quarantine ORDER BY machine_id;
-- a repeat of a kept record evicts nothing and moves it to the front
SELECT pg_temp.bad('q-bound-3');
SELECT machine_id, repeat_count FROM telemetrics.quarantine ORDER BY machine_id;
-- a new one evicts the least recently seen (q-bound-4)
SELECT pg_temp.bad('q-bound-6');
SELECT machine_id, repeat_count FROM telemetrics.quarantine ORDER BY machine_id;
-- 0 keeps nothing
SET telemetrics.quarantine_max_rows = 0;
SELECT pg_temp.bad('q-none');
SELECT count(*) AS none_kept FROM telemetrics.quarantine WHERE machine_id = 'q-none';
RESET telemetrics.quarantine_max_rows;

-- many repeats of one record stay one row
TRUNCATE telemetrics.quarantine;
SELECT count(*) FROM (SELECT pg_temp.bad('q-storm') FROM generate_series(1, 50)) s;
SELECT count(*) AS rows, sum(repeat_count) AS rejections FROM telemetrics.quarantine;

-- what is being refused, and by whom
SELECT sqlstate, message, classification, records, rejections, machines
FROM telemetrics.quarantine_summary ORDER BY rejections DESC, message;
