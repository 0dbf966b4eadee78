-- MCE (reference-backend.md section 5.10): machine-check records
-- (org.clearlinux/mce/* but thermal) by ISO week and class, by status code
-- (the last 32 bits of the MCE status), by build, by class, and the
-- machines that reported most, with their per-build counts.  Read from
-- telemetrics.rollup_mce.  The reference showed the current year by
-- Sunday-based week of the client's clock; this shows the last N ISO
-- weeks by reception (the same weeks as the thermal view, which the
-- reference labelled differently, section 9.2 item 16).

CREATE FUNCTION telemetrics_api.get_mce(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, ARRAY['weeks', 'top']);
	v_weeks		integer := telemetrics.api_int(v_params, 'weeks', 13, 1, 104);
	v_top		integer := telemetrics.api_int(v_params, 'top', 10, 1, 1000);
	v_from		date := date_trunc('week', (now() AT TIME ZONE 'UTC')::date)::date - 7 * (v_weeks - 1);
	v_result	jsonb;
BEGIN
	WITH c AS MATERIALIZED (
		SELECT week, build, classification, status, sum(records) AS records
		FROM telemetrics.rollup_mce_v
		WHERE week >= v_from
		GROUP BY week, build, classification, status
		HAVING sum(records) > 0),
	mb AS MATERIALIZED (
		SELECT machine_id, build, sum(records) AS records
		FROM telemetrics.rollup_mce_machines_v
		WHERE week >= v_from
		GROUP BY machine_id, build
		HAVING sum(records) > 0),
	tot AS MATERIALIZED (
		SELECT machine_id, sum(records) AS records FROM mb GROUP BY machine_id),
	-- per-build counts for the listed machines only
	mt AS (
		SELECT t.machine_id, t.records,
			   jsonb_agg(jsonb_build_object('build', b.build, 'records', b.records)
						 ORDER BY telemetrics.build_order(b.build)) AS builds
		FROM (SELECT * FROM tot ORDER BY records DESC, machine_id LIMIT v_top) t
		JOIN mb b ON b.machine_id = t.machine_id
		GROUP BY t.machine_id, t.records)
	SELECT jsonb_build_object(
		'weeks', v_weeks,
		'records', COALESCE((SELECT sum(records) FROM c), 0),
		'machines', (SELECT count(*) FROM tot),
		'by_week', COALESCE((
			SELECT jsonb_agg(jsonb_build_object('week', w.week, 'iso_week', to_char(w.week, 'IYYY-"W"IW'),
												'classification', w.classification, 'records', w.records)
							 ORDER BY w.week, w.classification)
			FROM (SELECT week, classification, sum(records) AS records FROM c GROUP BY 1, 2) w), '[]'),
		'by_class', COALESCE((
			SELECT jsonb_agg(jsonb_build_object('classification', x.classification, 'records', x.records)
							 ORDER BY x.records DESC, x.classification)
			FROM (SELECT classification, sum(records) AS records FROM c GROUP BY 1) x), '[]'),
		'by_status', COALESCE((
			SELECT jsonb_agg(jsonb_build_object('status', NULLIF(x.status, ''), 'records', x.records)
							 ORDER BY x.status)
			FROM (SELECT status, sum(records) AS records FROM c GROUP BY 1) x), '[]'),
		'by_build', COALESCE((
			SELECT jsonb_agg(jsonb_build_object('build', x.build, 'records', x.records)
							 ORDER BY telemetrics.build_order(x.build))
			FROM (SELECT build, sum(records) AS records FROM c GROUP BY 1) x), '[]'),
		'top_machines', COALESCE((
			SELECT jsonb_agg(jsonb_build_object('machine_id', t.machine_id, 'records', t.records,
												'builds', t.builds)
							 ORDER BY t.records DESC, t.machine_id)
			FROM mt t), '[]'))
	INTO v_result;
	RETURN v_result;
END
$$;
COMMENT ON FUNCTION telemetrics_api.get_mce(jsonb) IS
	'GET /api/mce: MCE records of the last weeks ISO weeks by week and class, by status code, by build, by class, '
	'and the top machines with their per-build counts';
