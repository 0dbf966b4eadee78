-- Payloads: UTF-8 kept, anything else read as Latin-1, NUL bytes rejected
-- with a clear error, the size limit, empty payloads.
\set VERBOSITY terse

CREATE FUNCTION pg_temp.rec() RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object(
		'record_format_version', '4', 'classification', 'org.clearlinux/payload/test',
		'severity', '1', 'machine_id', 'payload', 'creation_timestamp', '1795754266',
		'arch', 'x86_64', 'host_type', 'h', 'build', '1', 'kernel_version', '6.1.0',
		'payload_format_version', '1', 'system_name', 'debian', 'board_name', 'b',
		'cpu_model', 'c', 'bios_version', 'v', 'event_id', md5(random()::text))
$$;

CREATE FUNCTION pg_temp.store(p_payload bytea) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	v_record jsonb;
BEGIN
	SELECT record INTO v_record
	FROM telemetrics_api.ingest(pg_temp.rec(), p_payload, '6907c830-eed9-4ce9-81ae-76daf8d88f0f');
	RETURN (SELECT payload FROM telemetrics.records WHERE id = (v_record->>'id')::bigint);
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

SELECT label, stored AS stored_payload,
	   CASE WHEN stored ~ '^2\d{4}: ' THEN NULL ELSE length(stored) END AS chars
FROM (SELECT n, label, pg_temp.store(bytes) AS stored FROM (VALUES
	(1, 'ASCII with newlines', convert_to(E'hello\n\n', 'UTF8')),
	(2, 'UTF-8', convert_to('crème brûlée ☕', 'UTF8')),
	(3, 'Latin-1 (invalid UTF-8)', '\x6372e86d65'::bytea),
	(4, 'lone continuation byte', '\x61806263'::bytea),
	(5, 'overlong UTF-8 slash', '\xc0af'::bytea),
	(6, 'UTF-8 surrogate', '\xeda080'::bytea),
	(7, 'truncated UTF-8', '\x61e282'::bytea),
	(8, 'empty', ''::bytea),
	(9, 'NUL in the middle', '\x61620063'::bytea),
	(10, 'NUL first', '\x00'::bytea)) AS t(n, label, bytes)) s
ORDER BY n;

-- NULL payload is an empty payload
SELECT (r).record->>'payload' = '' AS empty FROM
	(SELECT telemetrics_api.ingest(pg_temp.rec(), NULL::bytea, '6907c830-eed9-4ce9-81ae-76daf8d88f0f') AS r) s;

-- the size limit: telemetrics.max_payload_bytes (default 300 KiB)
SHOW telemetrics.max_payload_bytes;
SELECT pg_temp.store(convert_to(repeat('x', 307200), 'UTF8')) = repeat('x', 307200) AS limit_accepted;
SELECT pg_temp.store(convert_to(repeat('x', 307201), 'UTF8')) AS over_limit;
SET telemetrics.max_payload_bytes = 10;
SELECT pg_temp.store(convert_to('0123456789', 'UTF8')) AS ten_bytes;
SELECT pg_temp.store(convert_to('0123456789a', 'UTF8')) AS eleven_bytes;
-- the limit counts bytes, not characters
SELECT pg_temp.store(convert_to('ééééé', 'UTF8')) AS five_two_byte_chars;
SELECT pg_temp.store(convert_to('éééééé', 'UTF8')) AS six_two_byte_chars;
RESET telemetrics.max_payload_bytes;

-- nothing with a NUL or over the limit was stored
SELECT count(*) AS bad_stored FROM telemetrics.records
WHERE machine_id = 'payload' AND (payload LIKE 'ab%c' OR length(payload) > 307200 OR payload = '0123456789a');
