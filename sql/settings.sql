-- Settings: telemetrics.* GUCs, their defaults, descriptions and bounds;
-- several accepted telemetry ids.
\set VERBOSITY terse

LOAD 'telemetrics';
SELECT name, setting, unit, context, min_val, max_val, short_desc IS NOT NULL AS described
FROM pg_settings WHERE name LIKE 'telemetrics.%' ORDER BY name;

CREATE FUNCTION pg_temp.try(p_tid text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	RETURN (telemetrics_api.ingest(jsonb_build_object(
		'record_format_version', '2', 'classification', 'a/b/c', 'severity', '1',
		'machine_id', 'settings', 'creation_timestamp', '1', 'arch', 'x86_64',
		'host_type', 'h', 'build', '1', 'kernel_version', '6.1.0',
		'payload_format_version', '1', 'system_name', 'debian'), 'x'::text, p_tid)).outcome;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- several telemetry ids, separated by commas and/or spaces
SET telemetrics.tids = 'fleet-a, fleet-b  fleet-c';
SELECT t AS tid, pg_temp.try(t) AS result
FROM unnest(ARRAY['fleet-a', 'fleet-b', 'fleet-c', 'fleet', 'fleet-a, fleet-b',
				  '6907c830-eed9-4ce9-81ae-76daf8d88f0f', '']) AS t ORDER BY t;
-- an empty list accepts nothing
SET telemetrics.tids = '';
SELECT pg_temp.try('6907c830-eed9-4ce9-81ae-76daf8d88f0f') AS empty_list;
RESET telemetrics.tids;
SELECT pg_temp.try('6907c830-eed9-4ce9-81ae-76daf8d88f0f') AS default_tid;

-- invalid input: values out of bounds are refused
SET telemetrics.tids = E'bad\u0001id';
SET telemetrics.tids = 'ok, é';
SET telemetrics.max_payload_bytes = -1;
SET telemetrics.max_payload_bytes = '65MB';
SET telemetrics.max_payload_bytes = '8kB';
SHOW telemetrics.max_payload_bytes;
RESET telemetrics.max_payload_bytes;
SET telemetrics.quarantine_max_rows = -1;
SET telemetrics.quarantine_max_rows = 10000001;
SET telemetrics.quarantine_payload_bytes = '2MB';
SET telemetrics.no_such_setting = 1;
