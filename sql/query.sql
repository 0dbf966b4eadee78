-- query_records: the reference's GET /api/records (reference-backend.md
-- 4.1): its filters, defaults and messages; limit compared as a number.
\set VERBOSITY terse

CREATE FUNCTION pg_temp.rec(p_machine text, p_over jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object(
		'record_format_version', '4', 'classification', 'org.clearlinux/query/a',
		'severity', '1', 'machine_id', p_machine, 'creation_timestamp', '1795754266',
		'arch', 'x86_64', 'host_type', 'h', 'build', '100', 'kernel_version', '6.1.0',
		'payload_format_version', '1', 'system_name', 'debian', 'board_name', 'b',
		'cpu_model', 'c', 'bios_version', 'v', 'event_id', md5(p_machine)) || p_over
$$;

-- machine ids of the query-* records a query returns, in order
CREATE FUNCTION pg_temp.ids(p_result jsonb) RETURNS text
LANGUAGE sql AS $$
	SELECT coalesce(string_agg(r->>'machine_id', ' ' ORDER BY o), '-')
	FROM jsonb_array_elements(p_result->'records') WITH ORDINALITY AS e(r, o)
	WHERE r->>'machine_id' LIKE 'query-%'
$$;

SELECT count(*) AS stored FROM telemetrics_api.ingest_batch(ARRAY[
	pg_temp.rec('query-1'),
	pg_temp.rec('query-2', '{"severity": "2", "classification": "org.clearlinux/query/b"}'),
	pg_temp.rec('query-3', '{"severity": "3", "build": "101", "creation_timestamp": "1000"}'),
	pg_temp.rec('query-4', '{"severity": "4", "build": "\"101\""}')],
	ARRAY['1', '2', '3', '4']::bytea[], ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']);

-- records received 10 and 40 days ago
SELECT telemetrics.ensure_partitions(now() - interval '40 days', now() - interval '10 days') >= 0 AS partitions;
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, payload)
SELECT nextval('telemetrics.records_id_seq'), now() - (d || ' days')::interval, now(),
	   'query-old-' || d, 'h', 'x86_64', 'org.clearlinux/query/a', 1, '100', '6.1.0', 4, 1,
	   'debian', 'old'
FROM (VALUES (10), (40)) AS t(d);

-- defaults: newest first (by id), the last 30 days
SELECT pg_temp.ids(telemetrics_api.query_records());

-- each filter
SELECT pg_temp.ids(telemetrics_api.query_records(p_severity => '2')) AS severity_2;
SELECT pg_temp.ids(telemetrics_api.query_records(p_classification => 'org.clearlinux/query/b')) AS class_b;
SELECT pg_temp.ids(telemetrics_api.query_records(p_build => '101')) AS build_101;
SELECT pg_temp.ids(telemetrics_api.query_records(p_build => '"101"')) AS build_quoted;
SELECT pg_temp.ids(telemetrics_api.query_records(p_machine_id => 'query-3')) AS machine;
SELECT pg_temp.ids(telemetrics_api.query_records(p_created_in_days => '5')) AS last_5_days;
SELECT pg_temp.ids(telemetrics_api.query_records(p_created_in_days => '0')) AS last_0_days;
SELECT pg_temp.ids(telemetrics_api.query_records(p_created_in_days => '365')) AS capped_at_30_days;
SELECT pg_temp.ids(telemetrics_api.query_records(p_created_in_sec => '3600')) AS last_hour;
SELECT pg_temp.ids(telemetrics_api.query_records(p_created_in_days => '1', p_created_in_sec => '0')) AS days_win;
SELECT pg_temp.ids(telemetrics_api.query_records(p_ts_capture => '1795754265')) AS created_after;
SELECT pg_temp.ids(telemetrics_api.query_records(p_ts_capture => '99999999999999999999')) AS created_after_huge;
SELECT pg_temp.ids(telemetrics_api.query_records(
	p_from_id => (SELECT min(id) FROM telemetrics.records WHERE machine_id = 'query-3')::text)) AS from_id;
SELECT pg_temp.ids(telemetrics_api.query_records(p_from_id => '99999999999999999999')) AS from_id_huge;
SELECT pg_temp.ids(telemetrics_api.query_records(p_severity => '1', p_build => '100',
	p_classification => 'org.clearlinux/query/a')) AS combined;

-- limit: a number from 1 to 1000 (the reference compared strings)
SELECT pg_temp.ids(telemetrics_api.query_records(p_limit => '2')) AS limit_2;
SELECT pg_temp.ids(telemetrics_api.query_records(p_limit => '1')) AS limit_1;
SELECT jsonb_array_length(telemetrics_api.query_records(p_limit => '1')->'records') AS limit_1_rows;
SELECT jsonb_array_length(telemetrics_api.query_records(p_limit => '50')->'records')
	= least(50, jsonb_array_length(telemetrics_api.query_records(p_limit => '1000')->'records')) AS limit_50,
	jsonb_array_length(telemetrics_api.query_records(p_limit => '1000')->'records') > 50 AS more_than_50;
SELECT jsonb_array_length(telemetrics_api.query_records(p_limit => '1000')->'records') > 0 AS limit_1000;
SELECT jsonb_array_length(telemetrics_api.query_records(p_limit => '0999')->'records') > 0 AS limit_0999;

-- the record shape
SELECT array_agg(k ORDER BY k) AS keys
FROM jsonb_object_keys(telemetrics_api.query_records(p_machine_id => 'query-1')->'records'->0) AS k;
SELECT telemetrics_api.query_records(p_machine_id => 'nobody') AS empty;

-- invalid input, in the reference's order and words
SELECT telemetrics_api.query_records(p_severity => '5');
SELECT telemetrics_api.query_records(p_severity => 'x');
SELECT telemetrics_api.query_records(p_severity => '');
SELECT telemetrics_api.query_records(p_classification => 'a/b');
SELECT telemetrics_api.query_records(p_build => repeat('b', 200));
SELECT telemetrics_api.query_records(p_build => 'café');
SELECT telemetrics_api.query_records(p_machine_id => repeat('m', 33));
SELECT telemetrics_api.query_records(p_created_in_days => '-1');
SELECT telemetrics_api.query_records(p_created_in_sec => '1.5');
SELECT telemetrics_api.query_records(p_from_id => 'x');
SELECT telemetrics_api.query_records(p_ts_capture => 'yesterday');
SELECT telemetrics_api.query_records(p_limit => '0');
SELECT telemetrics_api.query_records(p_limit => '1001');
SELECT telemetrics_api.query_records(p_limit => '10000');
SELECT telemetrics_api.query_records(p_limit => 'all');
SELECT telemetrics_api.query_records(p_severity => '9', p_limit => 'all');
SELECT telemetrics_api.query_records(p_limit => '1', p_severity => '9');
