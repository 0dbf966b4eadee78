-- Builds (telemetrics_api.list_builds) and stats (telemetrics_api.get_stats):
-- records per build and per dimension, all time (rollup_totals) or for the
-- last N days (daily rollups).  Both keep counting purged records.
\set VERBOSITY terse
-- a database of its own: the rollups and counts below must not see other tests' records
CREATE DATABASE regress_tm_builds_stats;
\c regress_tm_builds_stats
SET client_min_messages = warning;
CREATE EXTENSION telemetrics;
RESET client_min_messages;

SELECT telemetrics.ensure_partitions(now() - interval '10 days', now()) >= 0 AS partitions;
INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
	classification, severity, build, kernel_version, record_version, payload_version,
	system_name, external, payload)
SELECT nextval('telemetrics.records_id_seq'), now() - (g % 10) * interval '24 hours', now(),
	   'm' || (g % 7), 'vendor|board-' || (g % 3), CASE WHEN g % 5 = 0 THEN 'aarch64' ELSE 'x86_64' END,
	   (ARRAY['org.clearlinux/crash/clr', 'org.clearlinux/heartbeat/ping', 'org.clearlinux/kernel/warning'])[1 + g % 3],
	   1 + g % 4, (ARRAY['100', '1000', '99', 'rc-1'])[1 + g % 4], '6.1.0', 3, 1,
	   CASE WHEN g % 4 = 3 THEN 'debian' ELSE 'clear-linux-os' END, g % 6 = 0, 'p'
FROM generate_series(1, 60) g;

-- builds: numeric only by default, numerically ordered; all=true adds the rest
SELECT telemetrics_api.list_builds('{}');
SELECT telemetrics_api.list_builds('{"all": "true"}');
SELECT telemetrics_api.list_builds('{"days": "3"}');
SELECT telemetrics_api.list_builds('{"days": "1", "all": "true"}');

-- stats: every dimension, most first
SELECT jsonb_pretty(telemetrics_api.get_stats('{}'));
SELECT key, value FROM jsonb_each(telemetrics_api.get_stats('{"days": "2"}')) ORDER BY key;

-- the top values of each dimension, and what the others add up to
SELECT x->'platform' AS platform, x->'severity' AS severity, x->'others' AS others
FROM telemetrics_api.get_stats('{"top": "1"}') x;
SELECT x->'platform' AS platform, x->'others'->'platform' AS others
FROM telemetrics_api.get_stats('{"top": "2", "days": "2"}') x;

-- windows over 32 days: the daily platform counts the maintenance copies
-- from the rings, plus the days since
SELECT telemetrics.fill_platform_days() > 0 AS filled;
SELECT telemetrics.fill_platform_days() AS filled_again;
SELECT x->'platform' AS platform, x->'total' AS total FROM telemetrics_api.get_stats('{"days": "40"}') x;

-- purged records still count (history)
CREATE TEMP TABLE builds_before AS SELECT telemetrics_api.list_builds('{}') AS b;
DELETE FROM telemetrics.records;
SELECT (SELECT b FROM builds_before) = telemetrics_api.list_builds('{}') AS builds_unchanged,
       (telemetrics_api.get_stats('{}')->>'total')::int AS total_after_delete,
       (telemetrics_api.get_stats('{"days": "10"}')->>'total')::int AS window_after_delete;

-- invalid input
SELECT telemetrics_api.list_builds('{"days": "0"}');
SELECT telemetrics_api.list_builds('{"all": "yes"}');
SELECT telemetrics_api.get_stats('{"days": "x"}');
SELECT telemetrics_api.get_stats('{"build": "100"}');
SELECT telemetrics_api.get_stats('{"top": "0"}');

\c contrib_regression
DROP DATABASE regress_tm_builds_stats;
