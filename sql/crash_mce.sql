-- Machine checks: the status code (the last 8 hex digits before
-- MCGSTATUS, reference-backend.md 3.2) and the bank, in queryable
-- columns filled at insert.  Thermal events need nothing from the payload.
\set VERBOSITY terse
\set ECHO none
\i sql/include/classify_fixtures.psql
\set ECHO all

SELECT name, m.status, m.bank FROM payloads, telemetrics.mce_info(payload) m
WHERE name LIKE 'mce%' ORDER BY name;

-- the reference's regular expression, line by line: the first line that
-- matches, its last MCGSTATUS, eight hex digits right before it
SELECT p AS payload, m.status, m.bank
FROM unnest(ARRAY[
	'STATUS 9c00000000010091 MCGSTATUS 0',
	'STATUS 1 MCGSTATUS 0',
	E'STATUS 12345678 MCGSTATUS 0\nSTATUS aaaaaaaabbbbbbbb MCGSTATUS 0',
	'STATUS 11111111 MCGSTATUS 22222222 MCGSTATUS x',
	'MCGSTATUS 12345678 MCGSTATUS',
	'12345678 MCGSTATUS STATUS',
	'STATUS 9c0000000001009g MCGSTATUS 0',
	'CPU 1 BANK 4294967296',
	'CPU 1 SUBBANK 3 BANK 7',
	'BANK5 BANK 06',
	'']) AS p, telemetrics.mce_info(p) m
ORDER BY p;

-- stored records of the MCE classes get the columns; others do not
CREATE TEMP TABLE s1 AS
	SELECT c, (pg_temp.store(c, p.payload)->>'id')::bigint AS id
	FROM payloads p,
		 unnest(ARRAY['org.clearlinux/mce/corrected', 'org.clearlinux/mce/SRAO', 'org.clearlinux/mce/SRAR',
					  'org.clearlinux/mce/UCNA', 'org.clearlinux/mce/thermal', 'org.clearlinux/hello/world']) AS c
	WHERE p.name = 'mce';
SELECT s.c AS class, r.mce_status, r.mce_bank, r.crash_state, r.guilty_id
FROM s1 s JOIN telemetrics.records r ON r.id = s.id ORDER BY 1;
CREATE TEMP TABLE s2 AS
	SELECT p.name, (pg_temp.store('org.clearlinux/mce/thermal', p.payload)->>'id')::bigint AS id
	FROM payloads p WHERE p.name IN ('mce_thermal', 'mce_no_status', 'mce_upper');
SELECT s.name, r.mce_status, r.mce_bank
FROM s2 s JOIN telemetrics.records r ON r.id = s.id ORDER BY 1;

-- the status as the reference's MCE view grouped it
SELECT mce_status, count(*) FROM telemetrics.records
WHERE machine_id LIKE 'cls-%' AND classification LIKE 'org.clearlinux/mce/%'
GROUP BY 1 ORDER BY 1;

SELECT pg_temp.cleanup();
