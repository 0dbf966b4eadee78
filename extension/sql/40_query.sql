-- The reference's GET /api/records (reference-backend.md section 4.1):
-- the same parameters, validated in the same order with the same messages,
-- and the same defaults: newest first, at most the last 30 days (by
-- reception time), 1000 records.  One fix: limit is a number from 1 to 1000
-- compared as a number (the reference compared strings, so limit=50 failed).
--
-- Every parameter is text, exactly as it came in the query string, so that
-- the gateway passes them through and the checks live here.

CREATE FUNCTION telemetrics_api.query_records(
	p_severity			text DEFAULT NULL,
	p_classification	text DEFAULT NULL,
	p_build				text DEFAULT NULL,
	p_machine_id		text DEFAULT NULL,
	p_created_in_days	text DEFAULT NULL,
	p_created_in_sec	text DEFAULT NULL,
	p_from_id			text DEFAULT NULL,
	p_ts_capture		text DEFAULT NULL,
	p_limit				text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	c_max_interval	constant numeric := 2592000;	-- 30 days, in seconds
	c_max_ts		constant numeric := 253402300799;	-- 9999-12-31 23:59:59
	v_where		text := '';
	v_interval	numeric := c_max_interval;
	v_severity	smallint;
	v_build		text;
	v_from		bigint;
	v_ts		timestamptz;
	v_limit		integer := 1000;
	v_result	jsonb;
BEGIN
	IF p_severity IS NOT NULL THEN
		IF p_severity !~ '^[0-9]+$' OR p_severity::numeric NOT BETWEEN 1 AND 4 THEN
			RAISE EXCEPTION 'Severity should be a numeric value'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		v_severity := p_severity::numeric;
		v_where := v_where || ' AND r.severity = $2';
	END IF;

	IF p_classification IS NOT NULL THEN
		IF pg_catalog.array_length(pg_catalog.string_to_array(p_classification, '/'), 1)
			IS DISTINCT FROM 3 THEN
			RAISE EXCEPTION 'Classification value is invalid'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		v_where := v_where || ' AND r.classification = $3';
	END IF;

	IF p_build IS NOT NULL THEN
		v_build := replace(replace(p_build, '"', ''), '''', '');
		IF char_length(v_build) >= 200
			OR v_build !~ '^[\x20-\x7E\t\n\r\x0B\x0C]*$' THEN
			RAISE EXCEPTION 'Build value is invalid'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		v_where := v_where || ' AND r.build = $4';
	END IF;

	IF p_machine_id IS NOT NULL THEN
		IF char_length(p_machine_id) > 32 THEN
			RAISE EXCEPTION 'Machine id value is invalid'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		v_where := v_where || ' AND r.machine_id = $5';
	END IF;

	IF p_created_in_days IS NOT NULL THEN
		IF p_created_in_days !~ '^[0-9]+$' THEN
			RAISE EXCEPTION 'Created (in days) value is invalid'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
	END IF;

	IF p_created_in_sec IS NOT NULL THEN
		IF p_created_in_sec !~ '^[0-9]+$' THEN
			RAISE EXCEPTION 'Created (in seconds) value is invalid'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
	END IF;

	IF p_created_in_days IS NOT NULL THEN
		v_interval := least(p_created_in_days::numeric * 86400, c_max_interval);
	ELSIF p_created_in_sec IS NOT NULL THEN
		v_interval := least(p_created_in_sec::numeric, c_max_interval);
	END IF;

	IF p_from_id IS NOT NULL THEN
		IF p_from_id !~ '^[0-9]+$' THEN
			RAISE EXCEPTION 'Provided record id value is invalid'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		IF p_from_id::numeric > 9223372036854775807 THEN
			RETURN '{"records": []}'::jsonb;	-- no id is that large
		END IF;
		v_from := p_from_id::numeric;
		v_where := v_where || ' AND r.id >= $6';
	END IF;

	IF p_ts_capture IS NOT NULL THEN
		IF p_ts_capture !~ '^[0-9]+$' THEN
			RAISE EXCEPTION 'Time stamp from record capture'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		v_ts := to_timestamp(least(p_ts_capture::numeric, c_max_ts)::double precision);
		v_where := v_where || ' AND r.created_at > $7';
	END IF;

	IF p_limit IS NOT NULL THEN
		IF p_limit !~ '^[0-9]+$' OR p_limit::numeric NOT BETWEEN 1 AND 1000 THEN
			RAISE EXCEPTION 'Record limit value is invalid'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		v_limit := p_limit::numeric;
	END IF;

	EXECUTE
		'SELECT pg_catalog.jsonb_build_object(''records'', '
		'  COALESCE(pg_catalog.jsonb_agg(telemetrics.record_json(x.r) ORDER BY x.id DESC), ''[]''::pg_catalog.jsonb)) '
		'FROM (SELECT r, r.id FROM telemetrics.records r '
		'      WHERE r.received_at > $1' || v_where ||
		'      ORDER BY r.id DESC LIMIT $8) x'
	INTO v_result
	USING now() - make_interval(secs => v_interval::double precision),
		  v_severity, p_classification, v_build, p_machine_id, v_from, v_ts, v_limit;
	RETURN v_result;
END
$$;
COMMENT ON FUNCTION telemetrics_api.query_records(text, text, text, text, text, text, text, text, text) IS
	'the reference''s GET /api/records: {"records": [...]}, newest first, filtered by the given parameters (all text, validated here)';
