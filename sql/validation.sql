-- Validation: every rule of the reference (reference-backend.md 1.3), with
-- a passing and a failing value at each boundary, the exact message and
-- SQLSTATE, and proof that rejected records are not stored.
\set VERBOSITY terse

-- a valid version-4 record with some fields replaced
CREATE FUNCTION pg_temp.rec(p_over jsonb DEFAULT '{}') RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object(
		'record_format_version', '4', 'classification', 'org.clearlinux/hello/world',
		'severity', '1', 'machine_id', '0123456789abcdef0123456789abcdef',
		'creation_timestamp', '1795754266', 'arch', 'x86_64',
		'host_type', 'blank|blank|blank', 'build', '"12"',
		'kernel_version', '6.18.44-fc-v669', 'payload_format_version', '1',
		'system_name', 'debian', 'board_name', 'NUC7i5BNB|Intel Corporation',
		'cpu_model', 'AMD EPYC', 'bios_version', 'BNKBL357.86A.0088.2022.0125.1102',
		'event_id', md5(random()::text)) || p_over
$$;

-- ingest it; 'stored', or the SQLSTATE and message of the rejection
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

CREATE TEMP TABLE cases (n serial, label text, fields jsonb);
INSERT INTO cases (label, fields) VALUES
	('valid record', '{}'),
	-- record format version
	('record_format_version 5', '{"record_format_version": "5"}'),
	('record_format_version 0', '{"record_format_version": "0"}'),
	('record_format_version x', '{"record_format_version": "x"}'),
	('record_format_version empty', '{"record_format_version": ""}'),
	('record_format_version -4', '{"record_format_version": "-4"}'),
	('record_format_version 04', '{"record_format_version": "04"}'),
	-- severity
	('severity 0', '{"severity": "0"}'),
	('severity 1', '{"severity": "1"}'),
	('severity 4', '{"severity": "4"}'),
	('severity 5', '{"severity": "5"}'),
	('severity 04', '{"severity": "04"}'),
	('severity " 2"', '{"severity": " 2"}'),
	('severity x', '{"severity": "x"}'),
	-- classification: exactly three parts; empty parts allowed
	('classification a/b', '{"classification": "a/b"}'),
	('classification a/b/c/d', '{"classification": "a/b/c/d"}'),
	('classification //', '{"classification": "//"}'),
	('classification no slash', '{"classification": "abc"}'),
	-- not the reference's: at most 250 bytes (a key of indexes and rollups)
	('classification 250 bytes', jsonb_build_object('classification', 'a/b/' || repeat('c', 246))),
	('classification 251 bytes', jsonb_build_object('classification', 'a/b/' || repeat('c', 247))),
	('classification 251 bytes, 2 slashes', jsonb_build_object('classification', 'a/' || repeat('c', 249))),
	('classification 126 two-byte chars', jsonb_build_object('classification', 'a/b/' || repeat('é', 124))),
	-- machine id: at most 32 characters
	('machine_id 32 chars', jsonb_build_object('machine_id', repeat('m', 32))),
	('machine_id 33 chars', jsonb_build_object('machine_id', repeat('m', 33))),
	('machine_id 32 two-byte chars', jsonb_build_object('machine_id', repeat('é', 32))),
	('machine_id empty', '{"machine_id": ""}'),
	-- creation timestamp
	('creation_timestamp 0', '{"creation_timestamp": "0"}'),
	('creation_timestamp -1', '{"creation_timestamp": "-1"}'),
	('creation_timestamp 1.5', '{"creation_timestamp": "1.5"}'),
	('creation_timestamp 9999-12-31', '{"creation_timestamp": "253402300799"}'),
	('creation_timestamp year 10000', '{"creation_timestamp": "253402300800"}'),
	('creation_timestamp 30 digits', jsonb_build_object('creation_timestamp', repeat('9', 30))),
	-- architecture: the reference's ten, exactly
	('arch armv7l', '{"arch": "armv7l"}'),
	('arch armv6l', '{"arch": "armv6l"}'),
	('arch aarch64', '{"arch": "aarch64"}'),
	('arch amd64', '{"arch": "amd64"}'),
	('arch sparc64', '{"arch": "sparc64"}'),
	('arch ppc64', '{"arch": "ppc64"}'),
	('arch i686', '{"arch": "i686"}'),
	('arch i386', '{"arch": "i386"}'),
	('arch x86_64', '{"arch": "x86_64"}'),
	('arch ppc', '{"arch": "ppc"}'),
	('arch arm64', '{"arch": "arm64"}'),
	('arch X86_64', '{"arch": "X86_64"}'),
	('arch unknown', '{"arch": "unknown"}'),
	-- host type: fewer than 250 characters
	('host_type 249 chars', jsonb_build_object('host_type', repeat('h', 249))),
	('host_type 250 chars', jsonb_build_object('host_type', repeat('h', 250))),
	-- kernel version: at least two dots, the first two parts numeric
	('kernel 4.19', '{"kernel_version": "4.19"}'),
	('kernel 4.19.0', '{"kernel_version": "4.19.0"}'),
	('kernel 3.16.generic', '{"kernel_version": "3.16.generic"}'),
	('kernel x.1.2', '{"kernel_version": "x.1.2"}'),
	('kernel 4.x.2', '{"kernel_version": "4.x.2"}'),
	('kernel 4.19.', '{"kernel_version": "4.19."}'),
	('kernel .19.0', '{"kernel_version": ".19.0"}'),
	-- board, cpu, bios: fewer than 200 printable ASCII characters
	('board_name 199 chars', jsonb_build_object('board_name', repeat('b', 199))),
	('board_name 200 chars', jsonb_build_object('board_name', repeat('b', 200))),
	('board_name with tab', jsonb_build_object('board_name', E'a\tb')),
	('board_name non-ASCII', '{"board_name": "carte mère"}'),
	('board_name control char', '{"board_name": "a\u0001b"}'),
	('cpu_model non-ASCII', '{"cpu_model": "Intel® Core™"}'),
	('bios_version non-ASCII', '{"bios_version": "version é"}'),
	('cpu_model 199 chars', jsonb_build_object('cpu_model', repeat('c', 199))),
	('cpu_model 200 chars', jsonb_build_object('cpu_model', repeat('c', 200))),
	('bios_version 199 chars', jsonb_build_object('bios_version', repeat('v', 199))),
	('bios_version 200 chars', jsonb_build_object('bios_version', repeat('v', 200))),
	-- event id: 32 lowercase hex digits
	('event_id upper case', '{"event_id": "7E4D1CBB476B9F75C96AA8DB5E399B8A"}'),
	('event_id 31 chars', '{"event_id": "7e4d1cbb476b9f75c96aa8db5e399b8"}'),
	('event_id 33 chars', '{"event_id": "7e4d1cbb476b9f75c96aa8db5e399b8aa"}'),
	('event_id not hex', '{"event_id": "7e4d1cbb476b9f75c96aa8db5e399b8g"}'),
	-- build
	('clear-linux-os build 31960', '{"system_name": "clear-linux-os", "build": "31960"}'),
	('clear-linux-os build "31960"', '{"system_name": "clear-linux-os", "build": "\"31960\""}'),
	('clear-linux-os build 31960.1', '{"system_name": "clear-linux-os", "build": "31960.1"}'),
	('quoted clear-linux-os build 1a', '{"system_name": "\"clear-linux-os\"", "build": "1a"}'),
	('debian build 12.4-rc_1', '{"build": "12.4-rc_1"}'),
	('debian build with space', '{"build": "12 4"}'),
	('debian build empty', '{"build": ""}'),
	('debian build only quotes', '{"build": "\"\""}'),
	-- the reference's ^[0-9]+$ let a final newline through (Python's $)
	('clear-linux-os build 31960 and a newline', '{"system_name": "clear-linux-os", "build": "31960\n"}'),
	-- not the reference's: at most 250 bytes, after the quotes are removed
	('debian build 250 chars', jsonb_build_object('build', repeat('1', 250))),
	('debian build 250 chars quoted', jsonb_build_object('build', '"' || repeat('1', 250) || '"')),
	('debian build 251 chars', jsonb_build_object('build', repeat('1', 251))),
	('debian build 251 chars, a space', jsonb_build_object('build', repeat('1', 250) || ' ')),
	('clear-linux-os build 251 digits', jsonb_build_object('system_name', 'clear-linux-os', 'build', repeat('1', 251))),
	-- system name: not validated by the reference; here at most 250 bytes
	('system_name 250 bytes', jsonb_build_object('system_name', repeat('s', 250))),
	('system_name 250 bytes quoted', jsonb_build_object('system_name', '''' || repeat('s', 250) || '''')),
	('system_name 251 bytes', jsonb_build_object('system_name', repeat('s', 251))),
	('system_name 126 two-byte chars', jsonb_build_object('system_name', repeat('é', 126))),
	('system_name 251 bytes and a bad build', jsonb_build_object('system_name', repeat('s', 251), 'build', '1 2')),
	-- payload format version: below 2147483647
	('payload_format_version 2147483646', '{"payload_format_version": "2147483646"}'),
	('payload_format_version 2147483647', '{"payload_format_version": "2147483647"}'),
	('payload_format_version -1', '{"payload_format_version": "-1"}'),
	('payload_format_version -2147483648', '{"payload_format_version": "-2147483648"}'),
	('payload_format_version -2147483649', '{"payload_format_version": "-2147483649"}'),
	('payload_format_version " 7 "', '{"payload_format_version": " 7 "}'),
	('payload_format_version 1_000', '{"payload_format_version": "1_000"}'),
	('payload_format_version abc', '{"payload_format_version": "abc"}'),
	('payload_format_version empty', '{"payload_format_version": ""}'),
	-- the first failing rule wins, in the reference's order
	('severity and arch both bad', '{"severity": "9", "arch": "arm64"}'),
	('arch and kernel both bad', '{"arch": "arm64", "kernel_version": "4"}');

SELECT count(*) AS records_before FROM telemetrics.records \gset
CREATE TEMP TABLE results AS
	SELECT n, label, pg_temp.try(pg_temp.rec(fields)) AS result FROM cases;
SELECT n, label, result FROM results ORDER BY n;

-- classification, build and system name at their limits together (as
-- many bytes as can be, multi-byte characters included): stored, and the
-- rollups, whose keys hold all three, take the record
SELECT pg_temp.try(pg_temp.rec(jsonb_build_object(
	'classification', 'a/b/' || repeat('é', 123), 'build', repeat('1', 250),
	'system_name', repeat('ß', 125), 'host_type', repeat('€', 249)))) AS all_at_limits;
SELECT telemetrics.compact_rollups() > 0 AS compacted;
SELECT count(*) AS rollup_rows_at_limits FROM telemetrics.rollup_records
WHERE build = repeat('1', 250) AND system_name = repeat('ß', 125);

-- the telemetry id is checked first, for every version
SELECT telemetrics_api.ingest(pg_temp.rec('{"severity": "9"}'), 'x'::text, 'not-our-tid');
SELECT telemetrics_api.ingest(pg_temp.rec('{"record_format_version": "1"}'), 'x'::text, NULL);

-- rejected records were not stored; the accepted ones were
SELECT (SELECT count(*) FROM telemetrics.records) - :records_before
	= (SELECT count(*) FROM results WHERE result = 'stored') AS only_valid_stored;
SELECT count(*) AS stored_with_bad_arch FROM telemetrics.records WHERE arch = 'arm64';
SELECT count(*) AS stored_with_long_machine_id FROM telemetrics.records WHERE char_length(machine_id) > 32;
