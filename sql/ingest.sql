-- Ingest: storing valid records through telemetrics_api.ingest(), the
-- field-name spellings both wire formats use, and the JSON it returns.
\set VERBOSITY terse

-- a captured real-client record (client-protocol.md 3.1, v2 crash)
SELECT outcome,
       record->>'build' AS build,
       record->>'system_name' AS system_name,
       record->>'payload' = E'Process: /usr/bin/crashme\nPID: 26008\nSignal: 11\n\nBacktrace (TID 26008):\n#0 sum_list() - [/usr/lib/crashes/crashme] - /usr/lib/crashes/crashme.c:11\n' AS payload_intact,
       record->>'ts_capture' AS ts_capture,
       record->>'ts_reception' ~ '^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$' AS ts_reception_format,
       record->'record_format_version' AS rfv,
       record->'record_version' AS rv,
       record->'severity' AS severity,
       record->'external' AS external
FROM telemetrics_api.ingest(
	'{"record_format_version": "4", "classification": "org.clearlinux/crash/clr",
	  "severity": "3", "machine_id": "f59d130c24c938a81594824b0171316a",
	  "creation_timestamp": "1795754646", "arch": "x86_64",
	  "host_type": "no_sv_file|no_pn_file|no_pvr_file", "build": "\"12\"",
	  "kernel_version": "6.18.44-fc-v669", "payload_format_version": "1",
	  "system_name": "debian", "board_name": "no_bn_file|no_bv_file",
	  "cpu_model": "AMD EPYC", "bios_version": "no_bv_file",
	  "event_id": "7e4d1cbb476b9f75c96aa8db5e399b8a"}',
	convert_to(E'Process: /usr/bin/crashme\nPID: 26008\nSignal: 11\n\nBacktrace (TID 26008):\n#0 sum_list() - [/usr/lib/crashes/crashme] - /usr/lib/crashes/crashme.c:11\n', 'UTF8'),
	'6907c830-eed9-4ce9-81ae-76daf8d88f0f');

-- the stored row
SELECT machine_id, host_type, arch, classification, severity, build,
       kernel_version, record_version, payload_version, system_name,
       board_name, cpu_model, bios_version, event_id, external,
       created_at = to_timestamp(1795754646) AS created_at_ok,
       received_at > now() - interval '1 minute' AS received_recently
FROM telemetrics.records WHERE event_id = '7e4d1cbb476b9f75c96aa8db5e399b8a';

-- the keys of the returned record: the reference's 201 body plus
-- record_format_version, system_name and payload_format_version
SELECT array_agg(k ORDER BY k) AS keys
FROM telemetrics.records r,
     LATERAL jsonb_object_keys(telemetrics.record_json(r)) AS k
WHERE r.event_id = '7e4d1cbb476b9f75c96aa8db5e399b8a';

-- field names in any case, with - or _, mixed in one record; the telemetry
-- id may travel as a field; X-CLR-External: true sets the external flag
SELECT outcome, record->>'machine_id' AS machine_id, record->>'board_name' AS board,
       record->'external' AS external
FROM telemetrics_api.ingest(
	'{"Record-Format-Version": "4", "CLASSIFICATION": "org.clearlinux/hello/world",
	  "Severity": "1", "machine-id": "title000000000000000000000000001",
	  "Creation_Timestamp": "1795754646", "ARCH": "x86_64", "Host-Type": "a|b|c",
	  "build": "31960", "Kernel-Version": "6.1.0-1", "payload_FORMAT-version": "1",
	  "System-Name": "clear-linux-os", "Board-Name": "board", "Cpu-Model": "cpu",
	  "Bios-Version": "bios", "Event-Id": "00000000000000000000000000000001",
	  "X-Telemetry-TID": "6907c830-eed9-4ce9-81ae-76daf8d88f0f",
	  "X-CLR-External": "true", "Host": "ignored", "Content-Length": "5"}',
	'hello'::text);

-- external is exactly "true"; anything else is false (as in the reference)
SELECT v AS x_clr_external, (r).record->'external' AS external
FROM (VALUES ('TRUE'), ('1'), ('yes'), ('true ')) AS t(v),
	 LATERAL (SELECT telemetrics_api.ingest(
		jsonb_build_object('record_format_version', '3', 'classification', 'a/b/c',
			'severity', '1', 'machine_id', 'ext-' || v, 'creation_timestamp', '1',
			'arch', 'x86_64', 'host_type', 'h', 'build', '1', 'kernel_version', '1.2.3',
			'payload_format_version', '1', 'system_name', 'debian', 'board_name', 'b',
			'cpu_model', 'c', 'bios_version', 'v', 'x_clr_external', v),
		'x'::text, '6907c830-eed9-4ce9-81ae-76daf8d88f0f') AS r) s
ORDER BY 1;

-- quotes are removed from build and system name, everywhere in the value
SELECT (r).record->>'build' AS build, (r).record->>'system_name' AS system_name
FROM (SELECT telemetrics_api.ingest(
	'{"record_format_version": "2", "classification": "a/b/c", "severity": "2",
	  "machine_id": "quotes", "creation_timestamp": "1", "arch": "i686",
	  "host_type": "h", "build": "''\"41\"''", "kernel_version": "4.19.0",
	  "payload_format_version": "1", "system_name": "\"fed''ora\""}',
	''::text, '6907c830-eed9-4ce9-81ae-76daf8d88f0f') AS r) s;

-- numbers and booleans in the JSON count as their text
SELECT outcome FROM telemetrics_api.ingest(
	'{"record_format_version": 2, "classification": "a/b/c", "severity": 2,
	  "machine_id": "numbers", "creation_timestamp": 1795754646, "arch": "i686",
	  "host_type": "h", "build": 7, "kernel_version": "4.19.0",
	  "payload_format_version": 1, "system_name": "debian"}',
	'x'::text, '6907c830-eed9-4ce9-81ae-76daf8d88f0f');

-- invalid input: fields that are not a JSON object
SELECT * FROM telemetrics_api.ingest('[1, 2]', 'x'::text, '6907c830-eed9-4ce9-81ae-76daf8d88f0f');
SELECT * FROM telemetrics_api.ingest('"text"', 'x'::text, '6907c830-eed9-4ce9-81ae-76daf8d88f0f');
-- NULL fields: no telemetry id to accept
SELECT * FROM telemetrics_api.ingest(NULL, 'x'::text, NULL);

SELECT count(*) AS records FROM telemetrics.records;
