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
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, ARRAY['weeks', 'top']);
	v_weeks		integer := telemetrics.api_int(v_params, 'weeks', 13, 1, 104);
	v_top		integer := telemetrics.api_int(v_params, 'top', 10, 1, 1000);
	v_from		date := date_trunc('week', (now() AT TIME ZONE 'UTC')::date)::date - 7 * (v_weeks - 1);
	v_result	jsonb;
BEGIN
	WITH m AS (
		SELECT week, machine_id, build, classification, status, sum(records) AS records
		FROM telemetrics.rollup_mce_v
		WHERE week >= v_from
		GROUP BY week, machine_id, build, classification, status
		HAVING sum(records) > 0),
	top AS (
		SELECT machine_id, sum(records) AS records
		FROM m GROUP BY machine_id
		ORDER BY 2 DESC, 1 LIMIT v_top)
	SELECT jsonb_build_object(
		'weeks', v_weeks,
		'records', COALESCE((SELECT sum(records) FROM m), 0),
		'machines', (SELECT count(DISTINCT machine_id) FROM m),
		'by_week', COALESCE((
			SELECT jsonb_agg(jsonb_build_object('week', w.week, 'iso_week', to_char(w.week, 'IYYY-"W"IW'),
												'classification', w.classification, 'records', w.records)
							 ORDER BY w.week, w.classification)
			FROM (SELECT week, classification, sum(records) AS records FROM m GROUP BY 1, 2) w), '[]'),
		'by_class', COALESCE((
			SELECT jsonb_agg(jsonb_build_object('classification', c.classification, 'records', c.records)
							 ORDER BY c.records DESC, c.classification)
			FROM (SELECT classification, sum(records) AS records FROM m GROUP BY 1) c), '[]'),
		'by_status', COALESCE((
			SELECT jsonb_agg(jsonb_build_object('status', NULLIF(s.status, ''), 'records', s.records,
												'machines', s.machines)
							 ORDER BY s.status)
			FROM (SELECT status, sum(records) AS records, count(DISTINCT machine_id) AS machines
				  FROM m GROUP BY 1) s), '[]'),
		'by_build', COALESCE((
			SELECT jsonb_agg(jsonb_build_object('build', b.build, 'records', b.records)
							 ORDER BY telemetrics.build_order(b.build))
			FROM (SELECT build, sum(records) AS records FROM m GROUP BY 1) b), '[]'),
		'top_machines', COALESCE((
			SELECT jsonb_agg(jsonb_build_object(
					'machine_id', t.machine_id, 'records', t.records,
					'builds', (SELECT jsonb_agg(jsonb_build_object('build', x.build, 'records', x.records)
												ORDER BY telemetrics.build_order(x.build))
							   FROM (SELECT build, sum(records) AS records FROM m
									 WHERE m.machine_id = t.machine_id GROUP BY 1) x))
					ORDER BY t.records DESC, t.machine_id)
			FROM top t), '[]'))
	INTO v_result;
	RETURN v_result;
END
$$;
COMMENT ON FUNCTION telemetrics_api.get_mce(jsonb) IS
	'GET /api/mce: MCE records of the last weeks ISO weeks by week and class, by status code, by build, by class, '
	'and the top machines with their per-build counts';
