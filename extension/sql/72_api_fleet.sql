-- Fleet views: builds (reference section 5.4), stats (5.5), population
-- (5.12), thermal (5.11), the quarantine summary and the retention
-- settings.  All are read from the rollups.

-- Order of builds in listings: numeric builds by number, then the others
-- by text.
CREATE FUNCTION telemetrics.build_order(p_build text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE WHEN p_build OPERATOR(pg_catalog.~) '^[0-9]{1,18}$'
				THEN '0' OPERATOR(pg_catalog.||) pg_catalog.lpad(p_build, 18, '0')
				ELSE '1' OPERATOR(pg_catalog.||) p_build END
$$;
COMMENT ON FUNCTION telemetrics.build_order(text) IS
	'a sort key for builds: numeric builds by number first, then the others by text';

CREATE FUNCTION telemetrics_api.list_builds(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, ARRAY['days', 'all']);
	v_days		integer := telemetrics.api_int(v_params, 'days', NULL, 1, 3660);
	v_all		boolean := telemetrics.api_choice(v_params, 'all', ARRAY['true', 'false'], 'false')::boolean;
	v_result	jsonb;
BEGIN
	WITH b AS (
		SELECT value AS build, sum(received) AS records
		FROM telemetrics.rollup_totals_v
		WHERE v_days IS NULL AND dimension = 'build'
		GROUP BY value
		UNION ALL
		SELECT build, sum(received)
		FROM telemetrics.rollup_records_v
		WHERE v_days IS NOT NULL AND day >= telemetrics.window_start(v_days)
		GROUP BY build)
	SELECT COALESCE(jsonb_agg(jsonb_build_object('build', build, 'records', records)
							  ORDER BY telemetrics.build_order(build)), '[]')
	INTO v_result
	FROM b
	WHERE records > 0 AND (v_all OR telemetrics.build_number(build) IS NOT NULL);
	RETURN jsonb_build_object('days', v_days, 'builds', v_result);
END
$$;
COMMENT ON FUNCTION telemetrics_api.list_builds(jsonb) IS
	'GET /api/builds: records received per build (numeric builds unless all=true), all time or the last days days';

CREATE FUNCTION telemetrics_api.get_stats(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, ARRAY['days', 'top']);
	v_days		integer := telemetrics.api_int(v_params, 'days', NULL, 1, 3660);
	v_top		integer := telemetrics.api_int(v_params, 'top', 50, 1, 1000);
	v_from		date := telemetrics.window_start(v_days);
	v_copied	date := (SELECT COALESCE(day, '-infinity') FROM telemetrics.rollup_state WHERE name = 'platform_days');
	v_result	jsonb;
BEGIN
	IF v_days IS NULL OR v_days <= 32 THEN
		v_copied := '-infinity';	-- the rings hold the whole window
	END IF;
	WITH d AS MATERIALIZED (
		-- all time
		SELECT dimension, value, sum(received) AS records
		FROM telemetrics.rollup_totals_v
		WHERE v_days IS NULL AND dimension NOT IN ('os_build', 'build', 'platform')
		GROUP BY dimension, value
		UNION ALL
		-- a window: one pass with grouping sets over the daily rollup
		SELECT CASE WHEN GROUPING(r.classification) = 0 THEN 'classification'
					WHEN GROUPING(r.severity) = 0 THEN 'severity'
					WHEN GROUPING(r.arch) = 0 THEN 'arch'
					WHEN GROUPING(r.system_name) = 0 THEN 'os'
					ELSE 'source' END,
			   CASE WHEN GROUPING(r.classification) = 0 THEN r.classification
					WHEN GROUPING(r.severity) = 0 THEN r.severity::text
					WHEN GROUPING(r.arch) = 0 THEN r.arch
					WHEN GROUPING(r.system_name) = 0 THEN r.system_name
					WHEN r.external THEN 'external' ELSE 'internal' END,
			   sum(r.received)
		FROM telemetrics.rollup_records_v r
		WHERE v_days IS NOT NULL AND r.day >= v_from
		GROUP BY GROUPING SETS ((r.classification), (r.severity), (r.arch), (r.system_name), (r.external))
		UNION ALL
		-- platforms: one ring per platform (all time, or the days of the
		-- window it holds), plus for windows over 32 days the days the
		-- maintenance copied into rollup_platforms
		SELECT 'platform', x.host_type, sum(x.n)
		FROM (SELECT p.host_type,
					 CASE WHEN v_days IS NULL THEN telemetrics.ring_total(p.ring)
						  ELSE telemetrics.ring_window(p.ring, greatest(v_from, v_copied + 1)) END AS n
			  FROM telemetrics.platform_recent_v p
			  UNION ALL
			  SELECT p.host_type, p.received
			  FROM telemetrics.rollup_platforms p
			  WHERE v_days > 32 AND p.day >= v_from AND p.day <= v_copied) x
		GROUP BY x.host_type),
	ranked AS (
		SELECT dimension, value, records,
			   row_number() OVER (PARTITION BY dimension ORDER BY records DESC, value) AS rank
		FROM d WHERE records > 0),
	g AS (
		SELECT dimension,
			   jsonb_agg(jsonb_build_object('value', value, 'records', records) ORDER BY rank)
				   FILTER (WHERE rank <= v_top) AS items,
			   count(*) AS n,
			   COALESCE(sum(records) FILTER (WHERE rank > v_top), 0) AS others
		FROM ranked GROUP BY dimension)
	SELECT jsonb_build_object(
		'days', v_days,
		'top', v_top,
		'total', COALESCE((SELECT sum(records) FROM d WHERE dimension = 'source'), 0),
		'classification', COALESCE((SELECT items FROM g WHERE dimension = 'classification'), '[]'),
		'severity', COALESCE((SELECT items FROM g WHERE dimension = 'severity'), '[]'),
		'arch', COALESCE((SELECT items FROM g WHERE dimension = 'arch'), '[]'),
		'platform', COALESCE((SELECT items FROM g WHERE dimension = 'platform'), '[]'),
		'os', COALESCE((SELECT items FROM g WHERE dimension = 'os'), '[]'),
		'source', COALESCE((SELECT items FROM g WHERE dimension = 'source'), '[]'),
		'others', COALESCE((SELECT jsonb_object_agg(dimension, jsonb_build_object('values', n - v_top, 'records', others))
							FROM g WHERE n > v_top), '{}'))
	INTO v_result;
	RETURN v_result;
END
$$;
COMMENT ON FUNCTION telemetrics_api.get_stats(jsonb) IS
	'GET /api/stats: records received per classification, severity, arch, platform, OS and source, '
	'most first (the top values of each, and what the others add up to), all time or the last days days';

CREATE FUNCTION telemetrics_api.get_population(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, ARRAY['days', 'all']);
	v_days		integer := telemetrics.api_int(v_params, 'days', 30, 1, 366);
	v_all		boolean := telemetrics.api_choice(v_params, 'all', ARRAY['true', 'false'], 'false')::boolean;
	v_builds	jsonb;
	v_series	jsonb;
	v_bdays		jsonb;
BEGIN
	WITH w AS (
		SELECT build, external, sum(machines) AS overall,
			   sum(machines) FILTER (WHERE last_day >= telemetrics.window_start(14)) AS d14,
			   sum(machines) FILTER (WHERE last_day >= telemetrics.window_start(7)) AS d7,
			   sum(machines) FILTER (WHERE last_day >= telemetrics.window_start(3)) AS d3,
			   sum(machines) FILTER (WHERE last_day >= telemetrics.window_start(1)) AS d1
		FROM telemetrics.population_build_last_v
		WHERE v_all OR telemetrics.build_number(build) IS NOT NULL
		GROUP BY build, external),
	b AS (
		SELECT build,
			   jsonb_build_object(
				   'overall', COALESCE(sum(overall) FILTER (WHERE NOT external), 0),
				   '14', COALESCE(sum(d14) FILTER (WHERE NOT external), 0),
				   '7', COALESCE(sum(d7) FILTER (WHERE NOT external), 0),
				   '3', COALESCE(sum(d3) FILTER (WHERE NOT external), 0),
				   '1', COALESCE(sum(d1) FILTER (WHERE NOT external), 0)) AS internal,
			   jsonb_build_object(
				   'overall', COALESCE(sum(overall) FILTER (WHERE external), 0),
				   '14', COALESCE(sum(d14) FILTER (WHERE external), 0),
				   '7', COALESCE(sum(d7) FILTER (WHERE external), 0),
				   '3', COALESCE(sum(d3) FILTER (WHERE external), 0),
				   '1', COALESCE(sum(d1) FILTER (WHERE external), 0)) AS external
		FROM w GROUP BY build HAVING sum(overall) > 0)
	SELECT COALESCE(jsonb_agg(jsonb_build_object('build', build, 'internal', internal, 'external', external)
							  ORDER BY telemetrics.build_order(build)), '[]')
	INTO v_builds FROM b;

	SELECT COALESCE(jsonb_agg(jsonb_build_object('day', d.day, 'internal', d.internal, 'external', d.external)
							  ORDER BY d.day), '[]')
	INTO v_series
	FROM (SELECT day, COALESCE(sum(machines) FILTER (WHERE NOT external), 0) AS internal,
				 COALESCE(sum(machines) FILTER (WHERE external), 0) AS external
		  FROM telemetrics.population_days_v
		  WHERE day >= telemetrics.window_start(v_days)
		  GROUP BY day) d;

	SELECT COALESCE(jsonb_agg(jsonb_build_object('day', d.day, 'build', d.build,
												 'internal', d.internal, 'external', d.external)
							  ORDER BY d.day, telemetrics.build_order(d.build)), '[]')
	INTO v_bdays
	FROM (SELECT day, build, COALESCE(sum(machines) FILTER (WHERE NOT external), 0) AS internal,
				 COALESCE(sum(machines) FILTER (WHERE external), 0) AS external
		  FROM telemetrics.population_build_days_v
		  WHERE day >= telemetrics.window_start(v_days)
			AND (v_all OR telemetrics.build_number(build) IS NOT NULL)
		  GROUP BY day, build
		  HAVING sum(machines) > 0) d;

	RETURN jsonb_build_object('days', v_days, 'windows', '["overall", "14", "7", "3", "1"]'::jsonb,
							  'builds', v_builds, 'series', v_series, 'build_series', v_bdays);
END
$$;
COMMENT ON FUNCTION telemetrics_api.get_population(jsonb) IS
	'GET /api/population: distinct machines per build (internal/external; all time and the last 14, 7, 3 and 1 days) '
	'and per day (all builds, and per build) for the last days days';

CREATE FUNCTION telemetrics_api.get_thermal(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, ARRAY['weeks', 'top']);
	v_weeks		integer := telemetrics.api_int(v_params, 'weeks', 5, 1, 104);
	v_top		integer := telemetrics.api_int(v_params, 'top', 10, 1, 1000);
	v_from		date := date_trunc('week', (now() AT TIME ZONE 'UTC')::date)::date - 7 * (v_weeks - 1);
	v_result	jsonb;
BEGIN
	WITH t AS (
		SELECT week, machine_id, sum(records) AS records
		FROM telemetrics.rollup_thermal_v
		WHERE week >= v_from
		GROUP BY week, machine_id
		HAVING sum(records) > 0)
	SELECT jsonb_build_object(
		'weeks', v_weeks,
		'by_week', COALESCE((
			SELECT jsonb_agg(jsonb_build_object('week', w.week, 'iso_week', to_char(w.week, 'IYYY-"W"IW'),
												'records', w.records, 'machines', w.machines) ORDER BY w.week)
			FROM (SELECT week, sum(records) AS records, count(*) AS machines FROM t GROUP BY week) w), '[]'),
		'machines', (SELECT count(DISTINCT machine_id) FROM t),
		'top_machines', COALESCE((
			SELECT jsonb_agg(jsonb_build_object('machine_id', m.machine_id, 'records', m.records)
							 ORDER BY m.records DESC, m.machine_id)
			FROM (SELECT machine_id, sum(records) AS records FROM t GROUP BY machine_id
				  ORDER BY 2 DESC, 1 LIMIT v_top) m), '[]'))
	INTO v_result;
	RETURN v_result;
END
$$;
COMMENT ON FUNCTION telemetrics_api.get_thermal(jsonb) IS
	'GET /api/thermal: thermal records (org.clearlinux/mce/thermal) per ISO week for the last weeks weeks, '
	'and the machines that sent the most';

-- Rejection reasons without their variable parts (sizes, offsets, quoted
-- values), so that "payload of 9000 bytes ..." and "payload of 9100
-- bytes ..." are one reason.
CREATE FUNCTION telemetrics.rejection_reason(p_message text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT pg_catalog.regexp_replace(pg_catalog.regexp_replace(p_message,
		'''[^'']*''', '''...''', 'g'), '[0-9]+', 'N', 'g')
$$;
COMMENT ON FUNCTION telemetrics.rejection_reason(text) IS
	'a rejection message with numbers and quoted values replaced, to group rejections by reason';

CREATE FUNCTION telemetrics_api.quarantine_summary(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, ARRAY['days']);
	v_days		integer := telemetrics.api_int(v_params, 'days', NULL, 1, 3660);
	v_result	jsonb;
BEGIN
	-- group by message first: the reason (two regular expressions) is then
	-- computed once per distinct message, not once per rejected record
	WITH m AS (
		SELECT sqlstate, message,
			   CASE WHEN classification ~ '^[^/]*/[^/]*/' THEN substring(classification FROM '^[^/]*/[^/]*')
			   END AS probe,
			   count(*) AS records, sum(repeat_count) AS rejections,
			   array_agg(machine_id) FILTER (WHERE machine_id IS NOT NULL) AS machines,
			   min(first_seen) AS first_seen, max(last_seen) AS last_seen
		FROM telemetrics.quarantine
		WHERE v_days IS NULL OR last_seen >= now() - v_days * interval '1 day'
		GROUP BY sqlstate, message, 3),
	r AS (
		SELECT message, telemetrics.rejection_reason(message) AS reason
		FROM (SELECT DISTINCT message FROM m) x),
	q AS MATERIALIZED (
		SELECT m.sqlstate, r.reason, m.probe, m.records, m.rejections, m.machines,
			   m.first_seen, m.last_seen
		FROM m JOIN r ON r.message = m.message)
	SELECT jsonb_build_object(
		'days', v_days,
		'records', (SELECT COALESCE(sum(records), 0) FROM q),
		'rejections', (SELECT COALESCE(sum(rejections), 0) FROM q),
		'by_reason', COALESCE((
			SELECT jsonb_agg(jsonb_build_object('sqlstate', g.sqlstate, 'reason', g.reason,
												'records', g.records, 'rejections', g.rejections,
												'machines', g.machines,
												'first_seen', telemetrics.format_ts(g.first_seen),
												'last_seen', telemetrics.format_ts(g.last_seen))
							 ORDER BY g.rejections DESC, g.sqlstate, g.reason)
			FROM (SELECT q.sqlstate, q.reason, sum(q.records) AS records, sum(q.rejections) AS rejections,
						 (SELECT count(DISTINCT u) FROM q q2, unnest(q2.machines) u
						  WHERE q2.sqlstate = q.sqlstate AND q2.reason = q.reason) AS machines,
						 min(q.first_seen) AS first_seen, max(q.last_seen) AS last_seen
				  FROM q GROUP BY q.sqlstate, q.reason) g), '[]'),
		'by_probe', COALESCE((
			SELECT jsonb_agg(jsonb_build_object('probe', p.probe, 'records', p.records,
												'rejections', p.rejections, 'reasons', p.reasons)
							 ORDER BY p.rejections DESC, p.probe NULLS LAST)
			FROM (SELECT x.probe, sum(x.records) AS records, sum(x.rejections) AS rejections,
						 jsonb_agg(jsonb_build_object('sqlstate', x.sqlstate, 'reason', x.reason,
													  'rejections', x.rejections)
								   ORDER BY x.rejections DESC, x.sqlstate, x.reason) AS reasons
				  FROM (SELECT q.probe, q.sqlstate, q.reason, sum(q.records) AS records,
							   sum(q.rejections) AS rejections
						FROM q GROUP BY q.probe, q.sqlstate, q.reason) x
				  GROUP BY x.probe) p), '[]'))
	INTO v_result;
	RETURN v_result;
END
$$;
COMMENT ON FUNCTION telemetrics_api.quarantine_summary(jsonb) IS
	'GET /api/quarantine: rejected records by reason and by probe (domain/probe of the classification), '
	'all kept or seen in the last days days';

CREATE FUNCTION telemetrics_api.get_retention(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, '{}');
	v_sched		boolean := false;
BEGIN
	IF EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron') THEN
		EXECUTE 'SELECT EXISTS (SELECT FROM cron.job WHERE jobname = $1)'
			INTO v_sched USING 'telemetrics-maintenance';
	END IF;
	RETURN jsonb_build_object(
		'default_days', telemetrics.retention_default_days(),
		'rules', COALESCE((SELECT jsonb_agg(jsonb_build_object('field', field, 'value', value,
																'max_days', max_days) ORDER BY field, value)
						   FROM telemetrics.retention_rules), '[]'),
		'oldest_day', telemetrics.oldest_partition_day(),
		'scheduled', v_sched);
END
$$;
COMMENT ON FUNCTION telemetrics_api.get_retention(jsonb) IS
	'GET /api/retention: the retention settings (default maximum age, rules), the oldest day stored, '
	'and whether the maintenance job is scheduled with pg_cron';
