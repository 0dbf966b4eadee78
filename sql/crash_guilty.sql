-- Guilty frames at insert: the classification trigger gives every crash
-- of a backtrace class a guilty group and a crash_state, so that the 201
-- response already carries the group.  Every payload shape; the
-- reference's own worked examples; its bugs (reference-backend.md 9.2
-- item 12) not repeated.
\set VERBOSITY terse
\set ECHO none
\i sql/include/classify_fixtures.psql
\set ECHO all

-- the returned record carries the guilty group: the program's own
-- function, below raise/abort/__assert_fail (client-protocol.md 7.1)
SELECT r->'guilty'->>'function' AS function, r->'guilty'->>'module' AS module,
       jsonb_typeof(r->'guilty'->'id') AS id_type, r->>'system_name' AS system_name
FROM (SELECT pg_temp.store('org.clearlinux/crash/clr', payload) AS r
	  FROM payloads WHERE name = 'mtabort') s;

-- every payload shape, stored as a user-space crash and as a kernel bug
CREATE TEMP TABLE stored AS
SELECT p.name, c.class, (pg_temp.store(c.class, p.payload, 'cls-' || p.name)->>'id')::bigint AS id
FROM payloads p,
	 (VALUES ('org.clearlinux/crash/clr'), ('org.clearlinux/kernel/bug')) AS c(class)
WHERE p.name NOT LIKE 'mce%';

SELECT s.name, r.crash_state, pg_temp.guilty_of(r.id) AS guilty
FROM stored s JOIN telemetrics.records r ON r.id = s.id
WHERE s.class = 'org.clearlinux/crash/clr'
ORDER BY s.name;

-- the class decides whether a record is classified, not the payload
SELECT count(*) FILTER (WHERE r.crash_state IS DISTINCT FROM k.crash_state
						OR r.guilty_id IS DISTINCT FROM k.guilty_id) AS differ
FROM stored s JOIN telemetrics.records r ON r.id = s.id
JOIN stored s2 ON s2.name = s.name AND s2.class = 'org.clearlinux/crash/clr'
JOIN telemetrics.records k ON k.id = s2.id
WHERE s.class = 'org.clearlinux/kernel/bug';

-- the other backtrace classes are classified too; any OS (debian here)
SELECT c AS class, pg_temp.store(c, payload)->'guilty'->>'function' AS function
FROM payloads, unnest(ARRAY['org.clearlinux/kernel/warning', 'org.clearlinux/kernel/stackoverflow']) AS c
WHERE name = 'kernel_warning' ORDER BY 1;

-- classes that are not backtrace classes: no guilty, no crash_state
SELECT c AS class, r->'guilty' AS guilty,
       (SELECT crash_state FROM telemetrics.records WHERE id = (r->>'id')::bigint) AS crash_state
FROM payloads, unnest(ARRAY['org.clearlinux/crash/error', 'org.clearlinux/crash/unknown',
							'org.clearlinux/hello/world', 'crash/kernel/bug']) AS c,
	 LATERAL pg_temp.store(c, payload) AS r
WHERE name = 'crash_error' ORDER BY 1;

-- the reference's worked examples (reference-backend.md 3.4), with its
-- blacklists instead of the shipped one
BEGIN;
DELETE FROM telemetrics.guilty_blacklist;
SELECT how, function, module FROM payloads, telemetrics.find_guilty(payload) WHERE name = 'gnome_shell';
INSERT INTO telemetrics.guilty_blacklist (function, module) VALUES
	('g_str_hash', '/usr/lib64/libglib-2.0.so.0'), ('g_hash_table_lookup', '/usr/lib64/libglib-2.0.so.0');
SELECT how, function, module FROM payloads, telemetrics.find_guilty(payload) WHERE name = 'gnome_shell';
DELETE FROM telemetrics.guilty_blacklist;
INSERT INTO telemetrics.guilty_blacklist (function, module) VALUES
	('dump_stack', 'kernel'), ('__warn', 'kernel');
SELECT how, function, module FROM telemetrics.find_guilty(E'Crash Report:\nReason: WARNING: CPU: 2 PID: 371 at drivers/gpu/drm/i915/intel_display.c:1234 assert_plane+0x6e/0x70 [i915]\nBacktrace :\n#1 dump_stack - [kernel]\n#2 __warn - [kernel]\n#3 ? assert_plane - [kernel]\n#4 intel_atomic_commit_tail - [kernel]\n')
;
-- without the abort frames on the list, abort crashes blame pthread_kill
-- (client-protocol.md 7.1: "the default result ... would be
-- __pthread_kill_implementation")
SELECT how, function, module FROM payloads, telemetrics.find_guilty(payload) WHERE name = 'mtabort';
ROLLBACK;
-- the shipped list is back
SELECT how, function, module FROM payloads, telemetrics.find_guilty(payload) WHERE name IN ('gnome_shell') ORDER BY 1;

-- a record arriving already classified (a dump being restored) keeps its
-- values, even when the blacklist would now choose another frame
SELECT telemetrics.ensure_partitions(now(), now()) >= 0 AS partitions;
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, payload, guilty_id, crash_state)
SELECT nextval('telemetrics.records_id_seq'), now(), now(), 'cls-restored', 'h', 'x86_64',
	   'org.clearlinux/crash/clr', 3, '12', '6.1.0', 4, 1, 'debian', payload,
	   (SELECT id FROM telemetrics.guilty WHERE function = 'g_str_hash()' AND module = '/usr/lib64/libglib-2.0.so.0'), 'classified'
FROM payloads WHERE name = 'mtabort'
RETURNING crash_state, pg_temp.guilty_of(id) AS guilty;

-- updating the payload or the classification classifies again
UPDATE telemetrics.records SET payload = (SELECT payload FROM payloads WHERE name = 'cxx')
WHERE machine_id = 'cls-restored'
RETURNING crash_state, pg_temp.guilty_of(id) AS guilty;
UPDATE telemetrics.records SET classification = 'org.clearlinux/hello/world'
WHERE machine_id = 'cls-restored'
RETURNING classification, crash_state, guilty_id;
UPDATE telemetrics.records SET classification = 'org.clearlinux/kernel/bug',
	payload = (SELECT payload FROM payloads WHERE name = 'empty')
WHERE machine_id = 'cls-restored'
RETURNING classification, crash_state, guilty_id;

-- a batch: every record classified, the JSON of each carries its group
SELECT b.ord, b.outcome, b.record->'guilty'->>'function' AS function
FROM telemetrics_api.ingest_batch(
	ARRAY(SELECT pg_temp.fields('org.clearlinux/crash/clr', 'cls-batch') FROM generate_series(1, 4)),
	ARRAY(SELECT convert_to(payload, 'UTF8') FROM payloads
		  WHERE name IN ('crashme', 'stripped', 'cxx', 'empty') ORDER BY name),
	ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']) b
ORDER BY b.ord;

-- a group is created once: same (function, module), same id
SELECT count(DISTINCT guilty_id) AS groups, count(*) AS records
FROM telemetrics.records WHERE machine_id LIKE 'cls-%'
  AND guilty_id = (SELECT id FROM telemetrics.guilty WHERE function = 'sum_list()');

-- the records table refuses inconsistent states
CREATE FUNCTION pg_temp.try(p_sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	v_constraint text;
BEGIN
	EXECUTE p_sql;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_constraint = CONSTRAINT_NAME;
	RETURN SQLSTATE || ' ' || v_constraint;
END
$$;
SELECT pg_temp.try($$UPDATE telemetrics.records SET crash_state = 'classified', guilty_id = NULL
					 WHERE machine_id = 'cls-restored'$$) AS classified_without_group,
       pg_temp.try($$UPDATE telemetrics.records SET crash_state = 'bogus'
					 WHERE machine_id = 'cls-restored'$$) AS unknown_state,
       pg_temp.try($$UPDATE telemetrics.records SET crash_state = NULL, guilty_id = 1
					 WHERE machine_id = 'cls-restored'$$) AS group_without_state;

-- the classes setting: which classes get a guilty frame
SHOW telemetrics.backtrace_classes;
SET telemetrics.backtrace_classes = 'org.clearlinux/crash/error';
SELECT pg_temp.store('org.clearlinux/crash/error', payload)->'guilty'->>'function' AS error_class,
       pg_temp.store('org.clearlinux/crash/clr', payload)->'guilty' AS clr_class
FROM payloads WHERE name = 'crash_error';
RESET telemetrics.backtrace_classes;
-- invalid input: bad class lists
SET telemetrics.backtrace_classes = 'é/a/b';

SELECT pg_temp.cleanup();
