-- Record format versions: the fields each version requires (reference 1.4),
-- the first missing one named in the reference's order; version 1 records
-- are stored; "04" is version 4 with every version-4 check.
\set VERBOSITY terse

CREATE FUNCTION pg_temp.rec(p_version text) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object(
		'record_format_version', p_version, 'classification', 'org.clearlinux/hello/world',
		'severity', '2', 'machine_id', 'versions', 'creation_timestamp', '1795754266',
		'arch', 'x86_64', 'host_type', 'blank|blank|blank', 'build', '31960',
		'kernel_version', '6.18.44-fc-v669', 'payload_format_version', '1',
		'system_name', 'clear-linux-os', 'board_name', 'board', 'cpu_model', 'cpu',
		'bios_version', 'bios', 'event_id', md5(random()::text))
$$;

CREATE FUNCTION pg_temp.try(p_fields jsonb) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	v_outcome text;
BEGIN
	SELECT outcome INTO v_outcome
	FROM telemetrics_api.ingest(p_fields, 'hello'::text, '6907c830-eed9-4ce9-81ae-76daf8d88f0f');
	RETURN v_outcome;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- each field missing, for each version (the names are the normalized keys)
SELECT v.version, f.field, pg_temp.try(pg_temp.rec(v.version) - f.field) AS result
FROM (VALUES ('1'), ('2'), ('3'), ('4'), ('04')) AS v(version),
	 (VALUES (1, 'arch'), (2, 'build'), (3, 'creation_timestamp'), (4, 'classification'),
			 (5, 'host_type'), (6, 'kernel_version'), (7, 'machine_id'), (8, 'severity'),
			 (9, 'payload_format_version'), (10, 'system_name'), (11, 'board_name'),
			 (12, 'bios_version'), (13, 'cpu_model'), (14, 'event_id')) AS f(n, field)
ORDER BY v.version, f.n;

-- several missing: the first in the reference's tuple order is named
SELECT pg_temp.try(pg_temp.rec('4') - 'severity' - 'arch' - 'event_id') AS result;
SELECT pg_temp.try(pg_temp.rec('3') - 'cpu_model' - 'bios_version') AS result;

-- a version-1 record: no System-Name, no Payload-Format-Version; stored
-- with NULLs, and the version-3/4 fields as N/A even when sent
SELECT (r).outcome,
	   (r).record->'system_name' AS system_name,
	   (r).record->'payload_format_version' AS payload_format_version,
	   (r).record->>'board_name' AS board_name,
	   (r).record->>'event_id' AS event_id,
	   (r).record->'record_format_version' AS version
FROM (SELECT telemetrics_api.ingest(
		pg_temp.rec('1') - 'system_name' - 'payload_format_version',
		'v1'::text, '6907c830-eed9-4ce9-81ae-76daf8d88f0f') AS r) s;

-- without System-Name, the generic build rule applies
SELECT pg_temp.try(pg_temp.rec('1') - 'system_name' || '{"build": "1.2-b"}') AS result;

-- version 2: Board/Cpu/Bios/Event are ignored and stored as N/A
SELECT (r).record->>'board_name' AS board_name, (r).record->>'cpu_model' AS cpu_model,
	   (r).record->>'bios_version' AS bios_version, (r).record->>'event_id' AS event_id
FROM (SELECT telemetrics_api.ingest(pg_temp.rec('2') || '{"board_name": "\u00e9"}',
		'v2'::text, '6907c830-eed9-4ce9-81ae-76daf8d88f0f') AS r) s;

-- version 3: board/cpu/bios are checked, Event-Id is ignored
SELECT pg_temp.try(pg_temp.rec('3') || '{"event_id": "not an id"}') AS v3_bad_event_ignored;
SELECT pg_temp.try(pg_temp.rec('3') || '{"cpu_model": "\u00e9"}') AS v3_bad_cpu;

-- "04" and "0004" are version 4, with every version-4 check
SELECT pg_temp.try(pg_temp.rec('04') || '{"event_id": "UPPER0000000000000000000000000000"}') AS v04_bad_event;
SELECT pg_temp.try(pg_temp.rec('0004') || '{"board_name": "\u00e9"}') AS v0004_bad_board;
SELECT (r).record->'record_format_version' AS version, (r).record->>'event_id' <> 'N/A' AS has_event_id
FROM (SELECT telemetrics_api.ingest(pg_temp.rec('04'), 'v04'::text,
		'6907c830-eed9-4ce9-81ae-76daf8d88f0f') AS r) s;
