-- telemetrics.record_json_text(r) is record_json(r)::text to the byte,
-- written straight from the row (ingest_batch_text() returns it, and the
-- gateway sends it on as each record's 201 or 200 body).
\set VERBOSITY terse

SELECT telemetrics.ensure_partitions(now(), now()) >= 0 AS partitions;
-- strings that need every escape JSON has, and some that need none
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, board_name, cpu_model, bios_version, event_id, external, payload)
SELECT nextval('telemetrics.records_id_seq'), now(), to_timestamp(1700000000 + i),
	'json-' || i, 'h"q\u|' || chr(i), 'x86_64', 'org.clearlinux/json/test', 1 + i % 4, '31' || i,
	'6.1.0', 1 + i % 4, CASE WHEN i % 3 = 0 THEN NULL ELSE i * 1000 END,
	CASE WHEN i % 2 = 0 THEN NULL ELSE 'sys\' || chr(i) END,
	'b' || chr(i) || 'é', 'c/' || chr(31 + i), '\\"', 'N/A', i % 2 = 0,
	'payload ' || chr(i) || E' \b\f\n\r\t"\\/ é ☃ 😀 \x7f' || repeat(chr(i), 3)
FROM generate_series(1, 40) AS i;
-- a crash whose guilty frame has quotes and a backslash: the nested object
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, board_name, cpu_model, bios_version, external, payload)
VALUES (nextval('telemetrics.records_id_seq'), now(), to_timestamp(1700000000), 'json-crash',
		'h', 'x86_64', 'org.clearlinux/crash/clr', 3, '31000', '6.1.0', 4, 1,
		'clear-linux-os', 'b', 'c', 'v', false,
		E'Process: /usr/bin/x\n#0 q"uo\\te() - [/lib/x"\\y.so]');
SELECT crash_state, g.function, g.module
FROM telemetrics.records r JOIN telemetrics.guilty g ON g.id = r.guilty_id
WHERE r.machine_id = 'json-crash';

-- every stored record: the two forms agree to the byte
SELECT count(*) > 500 AS many_records,
	count(*) FILTER (WHERE guilty_id IS NOT NULL) > 10 AS with_guilty,
	count(*) FILTER (WHERE system_name IS NULL) > 10 AS without_system_name,
	count(*) FILTER (WHERE telemetrics.record_json_text(r)::text
					 IS DISTINCT FROM telemetrics.record_json(r)::text) AS differ
FROM telemetrics.records r;
-- and each form reads back as the other
SELECT count(*) FILTER (WHERE telemetrics.record_json_text(r)::jsonb
						IS DISTINCT FROM telemetrics.record_json(r)) AS differ_as_jsonb
FROM telemetrics.records r;
-- what it looks like (DEL, which JSON leaves as it is, shown as <DEL>; ids
-- and the reception time, which change from run to run, as N and T)
SELECT regexp_replace(regexp_replace(replace(telemetrics.record_json_text(r)::text, chr(127), '<DEL>'),
		'"id": [0-9]+', '"id": N', 'g'), '"ts_reception": "[^"]*"', '"ts_reception": "T"') AS record_json_text
FROM telemetrics.records r
WHERE machine_id IN ('json-3', 'json-crash') ORDER BY machine_id;

-- a record whose JSON text could need more than 1 GB (every byte of a
-- 180 MiB payload might take six) is refused with 54000, not written
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, board_name, cpu_model, bios_version, external, payload)
VALUES (nextval('telemetrics.records_id_seq'), now(), to_timestamp(1700000000), 'json-huge',
		'h', 'x86_64', 'org.clearlinux/json/test', 1, '1', '6.1.0', 4, 1, 'os', 'b', 'c', 'v',
		false, repeat('x', 180 * 1024 * 1024));
DO $$
BEGIN
	PERFORM telemetrics.record_json_text(r) FROM telemetrics.records r WHERE machine_id = 'json-huge';
	RAISE NOTICE 'written?';
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE '% | %', SQLSTATE, SQLERRM;
END
$$;

-- STRICT: no row, no JSON
SELECT telemetrics.record_json_text(NULL::telemetrics.records) IS NULL AS strict_null;
DELETE FROM telemetrics.records WHERE machine_id LIKE 'json-%';
