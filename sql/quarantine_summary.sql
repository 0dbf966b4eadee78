-- Quarantine summary (telemetrics_api.quarantine_summary): rejections by
-- reason (numbers and quoted values folded) and by probe.
\set VERBOSITY terse
-- a database of its own: the rollups and counts below must not see other tests' records
CREATE DATABASE regress_tm_quarantine_summary;
\c regress_tm_quarantine_summary
SET client_min_messages = warning;
CREATE EXTENSION telemetrics;
RESET client_min_messages;

DELETE FROM telemetrics.quarantine;
SELECT telemetrics.quarantine_add(decode(md5(g::text), 'hex'), s, m, c, mid, NULL, NULL, '', 0, 1000)
	IS NOT NULL AS added
FROM (VALUES (1, '22023', 'Classification value is invalid', 'bad', 'm1'),
			 (2, '22023', 'Classification value is invalid', 'bad/x', 'm2'),
			 (3, '54000', 'payload of 9000 bytes exceeds the limit of 8192 bytes', 'org.clearlinux/crash/clr', 'm1'),
			 (4, '54000', 'payload of 9100 bytes exceeds the limit of 8192 bytes', 'org.clearlinux/crash/clr', 'm3'),
			 (5, '22P02', 'Error parsing payload_format_version, invalid literal for int() with base 10: ''x''', 'org.clearlinux/swupd/update', 'm4'),
			 (6, '28000', 'Telemetry ID mismatch', NULL, NULL)) v(g, s, m, c, mid)
ORDER BY g;
-- a repeat of record 3
SELECT telemetrics.quarantine_add(decode(md5('3'), 'hex'), '54000', 'payload of 9000 bytes exceeds the limit of 8192 bytes',
	'org.clearlinux/crash/clr', 'm1', NULL, NULL, '', 0, 1000) IS NOT NULL AS repeated;

SELECT x->'records' AS records, x->'rejections' AS rejections FROM telemetrics_api.quarantine_summary('{}') x;
SELECT r->>'sqlstate' AS sqlstate, r->>'reason' AS reason, r->'records' AS records,
	   r->'rejections' AS rejections, r->'machines' AS machines,
	   r->>'last_seen' >= r->>'first_seen' AS seen_order
FROM jsonb_array_elements(telemetrics_api.quarantine_summary('{}')->'by_reason') r ORDER BY 1, 2;
SELECT p->>'probe' AS probe, p->'records' AS records, p->'rejections' AS rejections, p->'reasons' AS reasons
FROM jsonb_array_elements(telemetrics_api.quarantine_summary('{"days": "1"}')->'by_probe') p ORDER BY 1;
UPDATE telemetrics.quarantine SET last_seen = now() - interval '3 days', first_seen = now() - interval '3 days'
WHERE classification = 'bad';
SELECT x->'records' AS records FROM telemetrics_api.quarantine_summary('{"days": "2"}') x;

-- invalid input
SELECT telemetrics_api.quarantine_summary('{"days": "-1"}');
SELECT telemetrics_api.quarantine_summary('{"reason": "x"}');
DELETE FROM telemetrics.quarantine;

\c contrib_regression
DROP DATABASE regress_tm_quarantine_summary;
