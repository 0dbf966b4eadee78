-- ingest_batch_text(): each record's fields as JSON text (what the gateway
-- sends), read without making jsonb of them.  Every outcome, stored record
-- and quarantine row is the same as ingest_batch() with the same fields as
-- jsonb, including the cases read through jsonb after all (a field named
-- twice, a nested value); fields that are not JSON reject their record
-- alone instead of failing the call.
\set VERBOSITY terse
-- all in one transaction, rolled back at the end: later tests count rows
BEGIN;
SET LOCAL telemetrics.tids = '6907c830-eed9-4ce9-81ae-76daf8d88f0f';
TRUNCATE telemetrics.quarantine;

-- each case replaces some of the base fields (drop) with its own text
CREATE TEMP TABLE cases (n int, what text, drop text[], fields text);
INSERT INTO cases VALUES
	(1, 'plain', '{}', NULL),
	(2, 'severity a number', '{severity}', '"severity": 2'),
	(3, 'severity 1e0', '{severity}', '"severity": 1e0'),
	(4, 'severity true', '{severity}', '"severity": true'),
	(5, 'external true (a boolean)', '{}', '"x_clr_external": true'),
	(6, 'escapes in a string', '{host_type}', '"host_type": "a\"b\\c\u00e9\t!"'),
	(7, 'build with quotes', '{build}', '"build": "\"12\""'),
	(8, 'arch null, ARCH set', '{arch}', '"arch": null, "ARCH": "aarch64"'),
	(9, 'arch twice, exact', '{arch}', '"arch": "aarch64", "arch": "mips"'),
	(10, 'arch in two spellings', '{arch}', '"Arch": "mips", "arch": "aarch64"'),
	(11, 'cpu model an object', '{cpu_model}', '"cpu_model": {"b": [1, 2], "a": null}'),
	(12, 'arch an array', '{arch}', '"arch": ["x86_64"]'),
	(13, 'unknown key, nested', '{}', '"extra": {"arch": "mips", "x": [{}]}'),
	(14, 'severity null (absent)', '{severity}', '"severity": null'),
	(15, 'event id upper case', '{event_id}', '"event_id": "ABCDEF0123456789ABCDEF0123456789"'),
	(16, 'version a number', '{record_format_version}', '"record_format_version": 4'),
	(17, 'version 99', '{record_format_version}', '"record_format_version": "99"'),
	(18, 'Event-Id spelled so', '{event_id}', '"Event-Id": "' || md5('bt-spelled') || '"'),
	(19, 'big numbers, ignored keys', '{}', '"x": 1e1001, "y": -0.0e-5, "z": [' || repeat('9', 1200) || ']'),
	(20, 'tab, CR, LF around tokens', '{}', E'"other"\t:\r\n"a"\t,\n  "more" :"b"  '),
	(21, 'short escapes', '{host_type}', '"host_type": "a\/b\b\f\n\r\t\\\""'),
	(22, 'severity 1E0', '{severity}', '"severity": 1E0'),
	(23, 'a \u escape, a surrogate pair', '{host_type}', '"host_type": "\u00e9\ud83d\ude00"');
CREATE FUNCTION pg_temp.fields(p_n int, p_extra text, p_drop text[], p_machine text) RETURNS text
LANGUAGE sql AS $$
	SELECT '{' || concat_ws(', ', p_extra, string_agg(format('"%s": "%s"', k, v), ', ')) || '}'
	FROM (VALUES ('record_format_version', '4'), ('classification', 'org.clearlinux/batch/text'),
				 ('severity', '1'), ('machine_id', p_machine), ('creation_timestamp', '1795754266'),
				 ('arch', 'x86_64'), ('host_type', 'h'), ('build', '1'), ('kernel_version', '6.1.0'),
				 ('payload_format_version', '1'), ('system_name', 'debian'), ('board_name', 'b'),
				 ('cpu_model', 'c'), ('bios_version', 'v'), ('event_id', md5('bt' || p_n))) base(k, v)
	WHERE k <> ALL (p_drop)
$$;

CREATE TEMP TABLE via_jsonb AS
SELECT b.* FROM telemetrics_api.ingest_batch(
	(SELECT array_agg(pg_temp.fields(n, fields, drop, 'bt-jsonb-' || n)::jsonb ORDER BY n) FROM cases),
	array_fill('\x68690a'::bytea, ARRAY[23]), ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']) b;
CREATE TEMP TABLE via_text AS
SELECT b.* FROM telemetrics_api.ingest_batch_text(
	(SELECT array_agg(pg_temp.fields(n, fields, drop, 'bt-text-' || n) ORDER BY n) FROM cases),
	array_fill('\x68690a'::bytea, ARRAY[23]), ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']) b;

-- the outcomes, and whether the text variant did exactly the same
SELECT c.n, c.what, t.outcome, t.sqlstate, t.message,
	   (j.outcome, j.sqlstate, j.message) IS NOT DISTINCT FROM (t.outcome, t.sqlstate, t.message) AS same_outcome,
	   (j.record - 'id' - 'machine_id' - 'ts_reception') IS NOT DISTINCT FROM
	   (t.record::jsonb - 'id' - 'machine_id' - 'ts_reception') AS same_record
FROM cases c JOIN via_jsonb j ON j.ord = c.n JOIN via_text t ON t.ord = c.n
ORDER BY c.n;
-- the text variant's records are json: record_json()'s text, to the byte
SELECT pg_typeof(t.record) AS record_type, count(*) AS records,
	   count(*) FILTER (WHERE t.record::text = telemetrics.record_json(r)::text) AS same_text
FROM via_text t JOIN telemetrics.records r ON r.id = (t.record->>'id')::bigint
GROUP BY 1;
-- what was stored for the cases that read a field differently
SELECT r.machine_id, r.severity, r.arch, r.host_type, r.cpu_model, r.build, r.external,
	   r.record_version
FROM telemetrics.records r
WHERE r.machine_id ~ '^bt-(jsonb|text)-(2|3|5|6|7|8|11|13|16|18|21|23)$'
ORDER BY substring(r.machine_id FROM '[0-9]+$')::int, r.machine_id;
-- the rejected ones were quarantined with the same fields
SELECT j.sqlstate, j.fields - 'machine_id' = t.fields - 'machine_id' AS same_fields
FROM telemetrics.quarantine j JOIN telemetrics.quarantine t
  ON t.machine_id = replace(j.machine_id, 'jsonb', 'text')
WHERE j.machine_id LIKE 'bt-jsonb-%'
ORDER BY j.machine_id;

-- fields that are not JSON, or NULL: that record is rejected, the others
-- in the batch are stored; text that is not JSON is quarantined as a JSON
-- string holding it
SELECT ord, outcome, sqlstate, message
FROM telemetrics_api.ingest_batch_text(
	ARRAY[pg_temp.fields(101, NULL, '{}', 'bt-ok-1'), '{"record_format_version": "4",', '{"a": "\u0000"}',
		  '{"a": "\ud800"}', '[1]', '"x"', NULL, '', pg_temp.fields(102, NULL, '{}', 'bt-ok-2')],
	array_fill('\x68690a'::bytea, ARRAY[9]), ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']);
SELECT sqlstate, message, fields, repeat_count FROM telemetrics.quarantine
WHERE message LIKE 'record fields %' ORDER BY sqlstate, message, fields::text;

-- text jsonb input would refuse other than for its syntax: a number
-- numeric cannot hold, nesting deeper than the stack allows.  That record
-- alone is rejected, with the error jsonb input raises (ingest_batch()
-- cannot even be called with it); the others are stored.  Numbers numeric
-- can hold are read as jsonb reads them, wherever they are.
SELECT ord, outcome, sqlstate, message
FROM telemetrics_api.ingest_batch_text(
	ARRAY['{"severity": 1e2000000000}', '{"x": [1e200000], "arch": "x"}', '{"x": ' || repeat('[', 200000) || '}',
		  '{"severity": 1e1000, "x": -' || repeat('9', 1500) || '}', pg_temp.fields(103, NULL, '{}', 'bt-ok-3')],
	array_fill('\x68690a'::bytea, ARRAY[5]), ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']);
-- (the fourth was read, and rejected for its version; its quarantine row
-- holds jsonb made of it; the others hold their text as a JSON string)
SELECT sqlstate, jsonb_typeof(fields) AS kept_as, left(fields::text, 40) AS fields
FROM telemetrics.quarantine
WHERE message LIKE 'record fields cannot%' OR (jsonb_typeof(fields) = 'object' AND fields ? 'x')
ORDER BY sqlstate, fields::text COLLATE "C";

-- generated objects: the base record plus up to five members drawn from
-- a pool (other spellings, duplicates, nulls, numbers, booleans, nested
-- values, escapes); every outcome and stored record is the same through
-- both functions
SELECT setseed(0.14);
CREATE TEMP TABLE pool (frag text);
INSERT INTO pool VALUES ('"Arch": "mips"'), ('"ARCH": "aarch64"'), ('"arch": null'),
	('"severity": 2'), ('"severity": 1e0'), ('"Severity": "4"'), ('"severity": true'),
	('"host_type": {"a": [1, {"b": null}]}'), ('"host-type": "x y"'), ('"build": "\"7\""'),
	('"x": [1, 2, {"arch": "x"}]'), ('"event_id": null'), ('"record_format_version": 4'),
	('"Record-Format-Version": "3"'), ('"board_name": "b\/c"'), ('"cpu_model": 1.50'),
	('"x_clr_external": true'), ('"X-CLR-External": "true"'), ('"bios_version": ""'),
	('"kernel_version": "6.1.0\t"'), ('"other": "\u0041"');
CREATE TEMP TABLE gen AS
SELECT i, (SELECT string_agg(frag, ', ')
		   FROM (SELECT frag FROM pool WHERE i > 0 ORDER BY random() LIMIT (random() * 5)::int) f) AS extra
FROM generate_series(1, 400) i;
CREATE TEMP TABLE gen_jsonb AS
SELECT b.* FROM telemetrics_api.ingest_batch(
	(SELECT array_agg(pg_temp.fields(10000 + i, extra, '{}', 'bt-gj-' || i)::jsonb ORDER BY i) FROM gen),
	array_fill('\x68690a'::bytea, ARRAY[400]), ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']) b;
CREATE TEMP TABLE gen_text AS
SELECT b.* FROM telemetrics_api.ingest_batch_text(
	(SELECT array_agg(pg_temp.fields(10000 + i, extra, '{}', 'bt-gt-' || i) ORDER BY i) FROM gen),
	array_fill('\x68690a'::bytea, ARRAY[400]), ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']) b;
SELECT count(*) AS differing
FROM gen_jsonb j JOIN gen_text t USING (ord)
WHERE (j.outcome, j.sqlstate, j.message) IS DISTINCT FROM (t.outcome, t.sqlstate, t.message)
   OR (j.record - 'id' - 'machine_id' - 'ts_reception') IS DISTINCT FROM
	  (t.record::jsonb - 'id' - 'machine_id' - 'ts_reception');
SELECT outcome, sqlstate, count(*) FROM gen_text GROUP BY 1, 2 ORDER BY 1, 2;

-- one hundred records in one call, a duplicate of an earlier one among them
SELECT outcome, count(*) FROM telemetrics_api.ingest_batch_text(
	(SELECT array_agg(pg_temp.fields(1000 + i, NULL, '{}', 'bt-many-' || i) ORDER BY i) FROM generate_series(1, 99) i)
	|| pg_temp.fields(1, NULL, '{}', 'bt-text-1'),
	array_fill('\x68690a'::bytea, ARRAY[100]), ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f'])
GROUP BY outcome ORDER BY outcome;

ROLLBACK;
