-- The guilty blacklist: the shipped rules, adding and removing rules
-- through the API (exact, prefix, with or without a module), set-based
-- reclassification of the affected records, direct edits of the table
-- followed by telemetrics_api.reclassify.
\set VERBOSITY terse
\set ECHO none
\i sql/include/classify_fixtures.psql
\set ECHO all

-- the shipped list: every rule has a comment saying why
SELECT count(*) AS rules, count(*) FILTER (WHERE builtin) AS builtin,
       count(*) FILTER (WHERE comment IS NULL OR comment = '') AS uncommented,
       count(*) FILTER (WHERE match = 'prefix') AS prefix_rules
FROM telemetrics.guilty_blacklist;
SELECT function, module, match FROM telemetrics.guilty_blacklist
WHERE function IN ('raise', 'abort', '__assert_fail', '__pthread_kill_implementation',
				   '__libc_start', '_start', 'dump_stack', '__warn', 'warn_slowpath', 'panic',
				   '__GI_', 'start_thread', '__clone3', 'pthread_kill@')
ORDER BY function;
SELECT jsonb_array_length(telemetrics_api.blacklist_list()->'rules') AS listed,
       telemetrics_api.blacklist_list()->'pending_changes' AS pending;

-- how rules match: without "()", "? " ignored, prefix, module or any
SELECT m, rf, rm, f, fm, telemetrics.rule_matches(m, rf, rm, f, fm) AS matches
FROM (VALUES
	('exact', 'raise', NULL, 'raise()', 'libc.so.6'),
	('exact', 'raise', NULL, 'raise', 'kernel'),
	('exact', 'raise', NULL, 'raise_error()', 'libc.so.6'),
	('exact', 'raise', 'libc.so.6', 'raise()', '/usr/lib64/libc-2.27.so'),
	('exact', 'dump_stack', 'kernel', '? dump_stack', 'kernel'),
	('prefix', '__libc_start', NULL, '__libc_start_main@@GLIBC_2.34()', 'libc.so.6'),
	('prefix', '__libc_start', NULL, '__libc_start()', 'libc.so.6'),
	('prefix', '__libc_start', NULL, '__libc_stat()', 'libc.so.6'),
	('exact', '???', NULL, '???', '/usr/bin/x'),
	('exact', 'f', 'm', '(no symbols)', NULL)) AS t(m, rf, rm, f, fm)
ORDER BY 1, 2, 4, 5;

-- crashes to reclassify
CREATE TEMP TABLE stored AS
SELECT p.name, n, (pg_temp.store('org.clearlinux/crash/clr', p.payload, 'cls-bl-' || p.name)->>'id')::bigint AS id
FROM payloads p, generate_series(1, 3) AS n
WHERE p.name IN ('crashme', 'mtabort', 'stripped', 'gnome_shell', 'cxx_throw', 'empty', 'kernel_unreliable');
CREATE TEMP VIEW groups AS
SELECT s.name, r.crash_state, pg_temp.guilty_of(r.id) AS guilty, count(*) AS records
FROM stored s JOIN telemetrics.records r ON r.id = s.id
GROUP BY 1, 2, 3;
SELECT * FROM groups ORDER BY name;

-- add a rule: the records whose guilty frame it matches move down a frame
SELECT r->'rule'->>'function' AS function, r->'rule'->>'module' AS module,
       r->'rule'->>'match' AS match, r->'rule'->>'comment' AS comment,
       r->'reclassified' AS reclassified, r->'pending_changes' AS pending
FROM telemetrics_api.blacklist_add('sum_list()', '/usr/lib/crashes/crashme', NULL,
								   'the list walker is fine; its callers are not') AS r;
SELECT * FROM groups ORDER BY name;

-- a prefix rule, written with "*", for any module
SELECT r->'rule'->>'function' AS function, r->'rule'->'module' AS module,
       r->'rule'->>'match' AS match, r->'reclassified' AS reclassified
FROM telemetrics_api.blacklist_add('check_*') AS r;
SELECT * FROM groups ORDER BY name;

-- a rule matching an unknown frame changes fall-back records only
SELECT r->'reclassified' AS reclassified
FROM telemetrics_api.blacklist_add('native_safe_halt', 'kernel') AS r;
SELECT * FROM groups WHERE name = 'kernel_unreliable';
-- every frame blacklisted: the last one is blamed
SELECT r->'reclassified' AS reclassified
FROM telemetrics_api.blacklist_add('???', '/usr/lib/crashes/crashme-stripped') AS r;
SELECT * FROM groups WHERE name = 'stripped';
SELECT e.frame, e.function, e.decision FROM payloads p, telemetrics.explain(p.payload) e
WHERE p.name = 'stripped' ORDER BY e.frame_index;

-- removing a rule: the records it affected are classified again
SELECT r->'rule'->>'function' AS function, r->'reclassified' AS reclassified
FROM telemetrics_api.blacklist_remove(
	(SELECT id FROM telemetrics.guilty_blacklist WHERE function = 'check_')) AS r;
SELECT * FROM groups ORDER BY name;
-- removing a shipped rule works the same way
SELECT r->'rule'->>'function' AS function, r->'rule'->'builtin' AS builtin, r->'reclassified' AS reclassified
FROM telemetrics_api.blacklist_remove(
	(SELECT id FROM telemetrics.guilty_blacklist WHERE function = '__cxa_throw')) AS r;
SELECT * FROM groups WHERE name = 'cxx_throw';

-- without reclassification the change stays pending until reclassify()
SELECT r->'reclassified' AS reclassified, r->'pending_changes' AS pending
FROM telemetrics_api.blacklist_add('__cxa_throw', NULL, 'exact', 'C++ throw', false) AS r;
SELECT * FROM groups WHERE name = 'cxx_throw';
SELECT r - 'scope' AS result FROM telemetrics_api.reclassify() AS r;
SELECT * FROM groups WHERE name = 'cxx_throw';
SELECT r - 'scope' AS result FROM telemetrics_api.reclassify('affected') AS r;

-- direct edits of the table are logged and applied the same way
UPDATE telemetrics.guilty_blacklist SET module = NULL WHERE function = 'sum_list';
SELECT op, function, module, match FROM telemetrics.blacklist_changes
WHERE applied_at IS NULL ORDER BY id;
DELETE FROM telemetrics.guilty_blacklist WHERE function = 'sum_list';
SELECT telemetrics_api.reclassify('affected') - 'scope' AS result;
SELECT * FROM groups WHERE name = 'crashme';

-- reclassify everything: nothing changed, so nothing is updated
SELECT telemetrics_api.reclassify('all') - 'scope' AS result;

-- a truncated blacklist reclassifies every classified record (and is
-- rolled back here)
BEGIN;
TRUNCATE telemetrics.guilty_blacklist;
SELECT op FROM telemetrics.blacklist_changes WHERE applied_at IS NULL;
SELECT telemetrics_api.reclassify() - 'scope' AS result;
SELECT * FROM groups ORDER BY name;
ROLLBACK;
SELECT * FROM groups ORDER BY name;

-- records without frames are marked once and never looked at again
SELECT crash_state, count(*) FROM telemetrics.records r JOIN stored s ON s.id = r.id
WHERE s.name = 'empty' GROUP BY 1;

-- invalid input
SELECT telemetrics_api.blacklist_add(NULL);
SELECT telemetrics_api.blacklist_add('  ');
SELECT telemetrics_api.blacklist_add('()');
SELECT telemetrics_api.blacklist_add('foo*', NULL, 'exact');
SELECT telemetrics_api.blacklist_add('foo', NULL, 'regex');
SELECT telemetrics_api.blacklist_add(repeat('x', 1025));
SELECT telemetrics_api.blacklist_add('foo', NULL, NULL, repeat('c', 1001));
SELECT telemetrics_api.blacklist_add('raise');
SELECT telemetrics_api.blacklist_add('raise()', '', 'EXACT');
SELECT telemetrics_api.blacklist_remove(-1);
SELECT telemetrics_api.reclassify('everything');
INSERT INTO telemetrics.guilty_blacklist (function) VALUES ('foo()');
INSERT INTO telemetrics.guilty_blacklist (function, module) VALUES ('foo', '');
INSERT INTO telemetrics.guilty_blacklist (function, match) VALUES ('foo', 'glob');

-- leave the shipped list as it was
SELECT telemetrics_api.blacklist_remove(id) - 'rule' AS removed
FROM telemetrics.guilty_blacklist WHERE NOT builtin ORDER BY id;
INSERT INTO telemetrics.guilty_blacklist (function, match, builtin, comment)
VALUES ('__cxa_throw', 'exact', true, 'C++ throw: the thrower is below');
SELECT telemetrics_api.reclassify() - 'scope' AS result;
SELECT count(*) AS rules FROM telemetrics.guilty_blacklist;
SELECT pg_temp.cleanup();
