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

-- a request a transport refused before it became a record (the gateway's
-- GW103 to GW106): kept in the caller's transaction with the code and
-- message it was answered with, its body as the payload
TRUNCATE telemetrics.quarantine;
SELECT telemetrics_api.quarantine_request('GW103',
	'malformed JSON at line 1, column 18: string or ''}'' expected near ''}''', NULL,
	convert_to('{"severity": "1",}', 'UTF8'), '6907c830-eed9-4ce9-81ae-76daf8d88f0f') IS NOT NULL AS kept;
SELECT sqlstate, message, classification, machine_id, fields, tid, payload_excerpt,
	   payload_bytes, repeat_count
FROM telemetrics.quarantine;
-- sent again: the same row, counted
SELECT telemetrics_api.quarantine_request('GW103',
	'malformed JSON at line 1, column 18: string or ''}'' expected near ''}''', NULL,
	convert_to('{"severity": "1",}', 'UTF8'), '6907c830-eed9-4ce9-81ae-76daf8d88f0f')
	= (SELECT id FROM telemetrics.quarantine) AS same_row;
SELECT count(*) AS rows, sum(repeat_count) AS rejections FROM telemetrics.quarantine;
-- with fields (a v2 header that held a NUL byte, shown as U+FFFD): the
-- classification and machine id get their columns; the body is read as
-- Latin-1 when it is not UTF-8; a rolled-back call keeps nothing
SELECT telemetrics_api.quarantine_request('GW106', 'a header value contains a NUL byte',
	'{"classification": "org.clearlinux/q/request", "machine_id": "q-req\ufffd"}',
	'\x6162e900'::bytea) IS NOT NULL AS kept;
SELECT sqlstate, classification, machine_id, tid, payload_excerpt, payload_bytes
FROM telemetrics.quarantine WHERE sqlstate = 'GW106';
BEGIN;
SELECT telemetrics_api.quarantine_request('GW105', 'JSON member "payload" is missing', NULL, '{}') IS NOT NULL AS kept;
ROLLBACK;
SELECT count(*) AS after_rollback FROM telemetrics.quarantine WHERE sqlstate = 'GW105';
-- nothing but the code and the message is required
SELECT telemetrics_api.quarantine_request('22P02', 'no body', NULL, NULL) IS NOT NULL AS kept;
SELECT sqlstate, fields, tid, payload_excerpt, payload_bytes FROM telemetrics.quarantine
WHERE sqlstate = '22P02';
-- 0 rows allowed: nothing kept, NULL
SET telemetrics.quarantine_max_rows = 0;
SELECT telemetrics_api.quarantine_request('GW104', 'the request body must be a JSON object', NULL, '[1]') AS id;
RESET telemetrics.quarantine_max_rows;
-- bad calls, each with its SQLSTATE and message; none keeps anything
CREATE FUNCTION pg_temp.request(p_code text, p_message text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM telemetrics_api.quarantine_request(p_code, p_message, NULL, NULL);
	RETURN 'kept';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
SELECT c, m, pg_temp.request(c, m) FROM (VALUES
	(NULL, 'm'), ('GW103', NULL), ('gw103', 'm'), ('GW1034', 'm'), ('GW10', 'm'),
	('GW 03', 'm'), ('GW103', '')) v(c, m);
SELECT pg_temp.request('GW103', repeat('m', 1001)) AS too_long,
	   pg_temp.request('GW103', repeat('m', 1000)) AS longest;
-- (the kept one had no fields, body or telemetry id, like the 22P02 row
-- above: the same content, so that row was counted and took its code)
SELECT sqlstate, left(message, 12) AS message, repeat_count FROM telemetrics.quarantine ORDER BY id;
