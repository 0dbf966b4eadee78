-- Rings of daily counts (rollup.c): the last day, the counts of the 32
-- days ending on it, and the retired count of earlier days; what
-- telemetrics.crash_recent_groups, guilty_builds and platform_recent keep per key.
\set VERBOSITY terse

SELECT telemetrics.ring_last_day(r) AS last_day, array_length(r, 1) AS elements, r[33] AS last, r[32] AS before
FROM telemetrics.ring_of(date '2024-03-10', 5) r;
-- merging aligns on the later day; days that fall out of the 32 are dropped
SELECT telemetrics.ring_last_day(m) AS last_day,
	   telemetrics.ring_window(m, date '2024-03-10') AS on_10th,
	   telemetrics.ring_window(m, date '2024-03-09') AS from_9th,
	   telemetrics.ring_window(m, date '2024-02-01') AS all_kept
FROM telemetrics.ring_merge(telemetrics.ring_of(date '2024-03-09', 2), telemetrics.ring_of(date '2024-03-10', 5)) m;
SELECT telemetrics.ring_window(telemetrics.ring_merge(telemetrics.ring_of(date '2024-01-01', 7),
													  telemetrics.ring_of(date '2024-03-10', 1)), date '2000-01-01') AS old_day_dropped;
SELECT telemetrics.ring_window(telemetrics.ring_merge(telemetrics.ring_of(date '2024-02-08', 7),
													  telemetrics.ring_of(date '2024-03-10', 1)), date '2000-01-01') AS day_31_before_kept;
-- days that leave the 32 retire: ring_total keeps counting them
SELECT telemetrics.ring_total(m) AS total, telemetrics.ring_window(m, date '2000-01-01') AS in_window,
	   m[34] AS retired
FROM telemetrics.ring_merge(telemetrics.ring_merge(telemetrics.ring_of(date '2024-01-01', 7),
												   telemetrics.ring_of(date '2024-01-02', 2)),
							telemetrics.ring_of(date '2024-03-10', 1)) m;
SELECT telemetrics.ring_total(telemetrics.ring_merge(m, telemetrics.ring_of(date '2024-06-01', 1))) AS total_later
FROM telemetrics.ring_merge(telemetrics.ring_of(date '2024-01-01', 7), telemetrics.ring_of(date '2024-03-10', 1)) m;
-- NULL is an empty ring; the aggregate adds up, negative counts too
SELECT telemetrics.ring_merge(NULL, NULL) IS NULL AS both_null,
	   telemetrics.ring_window(telemetrics.ring_merge(NULL, telemetrics.ring_of(date '2024-03-10', 3)), date '2024-03-10') AS one_null;
SELECT telemetrics.ring_window(telemetrics.ring_merge_agg(telemetrics.ring_of(d, n)), date '2024-03-08') AS window_3_days
FROM (VALUES (date '2024-03-10', 1), (date '2024-03-09', 10), (date '2024-03-08', 100),
			 (date '2024-03-07', 1000), (date '2024-03-09', -5)) v(d, n);
-- a window that starts after the ring's last day is empty
SELECT telemetrics.ring_window(telemetrics.ring_of(date '2024-03-10', 3), date '2024-03-11') AS later;

-- invalid input
SELECT telemetrics.ring_window(ARRAY[1, 2, 3]::bigint[], date '2024-01-01');
SELECT telemetrics.ring_merge(ARRAY[NULL::bigint], ARRAY[1]::bigint[]);
