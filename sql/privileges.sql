-- Least privilege: a gateway role set up as the README says can call the
-- API functions, and nothing else: no table, no internal function, no
-- settings.
\set VERBOSITY terse

CREATE ROLE regress_tm_gateway LOGIN;
GRANT USAGE ON SCHEMA telemetrics_api TO regress_tm_gateway;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA telemetrics_api TO regress_tm_gateway;
CREATE ROLE regress_tm_nobody LOGIN;

SET ROLE regress_tm_gateway;
SELECT outcome, record->>'machine_id' AS machine_id FROM telemetrics_api.ingest(
	'{"record_format_version": "4", "classification": "org.clearlinux/priv/test",
	  "severity": "1", "machine_id": "privileges", "creation_timestamp": "1795754266",
	  "arch": "x86_64", "host_type": "h", "build": "1", "kernel_version": "6.1.0",
	  "payload_format_version": "1", "system_name": "debian", "board_name": "b",
	  "cpu_model": "c", "bios_version": "v", "event_id": "feedfeedfeedfeedfeedfeedfeedfeed"}',
	'x'::text, '6907c830-eed9-4ce9-81ae-76daf8d88f0f');
SELECT count(*) FROM telemetrics_api.ingest_batch(ARRAY['{}'::jsonb], ARRAY['x'::bytea], ARRAY['t']);
SELECT count(*) FROM telemetrics_api.ingest_batch_text(ARRAY['{}'], ARRAY['x'::bytea], ARRAY['t']);
SELECT jsonb_array_length(telemetrics_api.query_records(p_machine_id => 'privileges')->'records') AS found;
SELECT telemetrics_api.version();
-- rejections still raise, and are still quarantined
SELECT telemetrics_api.ingest('{}', 'x'::text, 'wrong-tid-of-privileges');
-- and it may keep a request that was not a record
SELECT telemetrics_api.quarantine_request('GW103', 'malformed JSON', NULL, 'x', 'tid-of-privileges') IS NOT NULL AS kept;

-- but no direct access to anything else
SELECT count(*) FROM telemetrics.records;
INSERT INTO telemetrics.records (id) VALUES (1);
DELETE FROM telemetrics.quarantine;
SELECT count(*) FROM telemetrics.record_keys;
SELECT telemetrics.ensure_partitions(now(), now());
SELECT telemetrics.record_json(NULL::telemetrics.records);
-- nor can it widen what is accepted
SET telemetrics.tids = 'anything';
SET telemetrics.max_payload_bytes = 1000000;
SET telemetrics.quarantine_max_rows = 0;
RESET ROLE;

-- a role without the grants cannot even call the API
SET ROLE regress_tm_nobody;
SELECT telemetrics_api.version();
SELECT * FROM telemetrics_api.ingest('{}', 'x'::text, 'x');
RESET ROLE;

SELECT count(*) AS gateway_record FROM telemetrics.records WHERE machine_id = 'privileges';
-- the rejection raised by the gateway role was quarantined
SELECT sqlstate, message, fields, payload_excerpt, repeat_count FROM telemetrics.quarantine
WHERE tid IN ('wrong-tid-of-privileges', 'tid-of-privileges') ORDER BY sqlstate;

-- a role granted INSERT on the records alone: the rollup trigger runs
-- with its privileges, so it may not read the population sets or append
-- deltas, and nothing is stored.  The trigger's own probes and append
-- check the privileges its queries would: for a machine already seen
-- today (as here), the probe alone would have found it without reading
-- any privilege.
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, external, payload)
VALUES (-2, now(), now(), 'writer', 'h', 'x86_64', 'org.clearlinux/priv/test', 1, '1',
	'6.1.0', 1, false, 'x');
CREATE ROLE regress_tm_writer;
GRANT USAGE ON SCHEMA telemetrics TO regress_tm_writer;
GRANT INSERT ON telemetrics.records TO regress_tm_writer;
GRANT SELECT ON telemetrics.payload_parsers TO regress_tm_writer;	-- for the classification
CREATE FUNCTION pg_temp.write(p_id bigint) RETURNS void LANGUAGE sql AS $$
	INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
		classification, severity, build, kernel_version, record_version, external, payload)
	VALUES (p_id, now(), now(), 'writer', 'h', 'x86_64', 'org.clearlinux/priv/test', 1, '1',
		'6.1.0', 1, false, 'x')
$$;
SET ROLE regress_tm_writer;
SELECT pg_temp.write(-1);
RESET ROLE;
-- with the population sets, but not the deltas
GRANT SELECT, INSERT, UPDATE ON telemetrics.machine_builds, telemetrics.machine_activity
	TO regress_tm_writer;
SET ROLE regress_tm_writer;
SELECT pg_temp.write(-1);
RESET ROLE;
-- with the deltas, and only the columns of machine_builds the check reads
-- (enough for a machine already seen today: no upsert runs)
GRANT INSERT ON telemetrics.rollup_deltas TO regress_tm_writer;
REVOKE SELECT ON telemetrics.machine_builds FROM regress_tm_writer;
GRANT SELECT (build, machine_id, external, last_day) ON telemetrics.machine_builds
	TO regress_tm_writer;
SET ROLE regress_tm_writer;
SELECT pg_temp.write(-1);
RESET ROLE;
SELECT count(*) AS writer_records FROM telemetrics.records WHERE machine_id = 'writer';
DELETE FROM telemetrics.records WHERE machine_id = 'writer';
DROP OWNED BY regress_tm_writer;
DROP ROLE regress_tm_writer;

DROP OWNED BY regress_tm_gateway;
DROP ROLE regress_tm_gateway;
DROP ROLE regress_tm_nobody;
