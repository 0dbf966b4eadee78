-- Records: search (the reference's records list, section 5.1), details
-- (5.3), CSV export (5.2) and the choices of the filter form.
--
-- Filters (all optional, as query-string values):
--   system_name     OS (System-Name), exact
--   build           exact
--   classification  exact (a/b/c), or a prefix ending in * (a/*, a/b/*;
--                   % is accepted for * as the reference UI sent it)
--   severity        1 to 4
--   machine_id      exact
--   from_date       YYYY-MM-DD, first UTC day of reception (inclusive)
--   to_date         YYYY-MM-DD, last UTC day of reception (inclusive)
--   data_source     internal, external or all
--   payload         the payload contains this text (case-insensitive, a
--                   literal: no wildcard, no regex), 1 to 200 characters
--   not_payload     the payload does not contain this text
-- Payload searches are a bounded scan (see search_records): no user
-- pattern can run away, and a search never reads more than scan_limit
-- records.

CREATE TYPE telemetrics.record_filter AS (
	system_name			text,			-- $1
	build				text,			-- $2
	classification		text,			-- $3 exact
	class_like			text,			-- $4 LIKE pattern of a prefix
	severity			smallint,		-- $5
	machine_id			text,			-- $6
	from_ts				timestamptz,	-- $7 (inclusive)
	to_ts				timestamptz,	-- $8 (exclusive)
	external			boolean,		-- $9
	payload_like		text,			-- $10 ILIKE pattern
	not_payload_like	text,			-- $11 ILIKE pattern
	from_day			date,			-- $12 (inclusive)
	to_day				date,			-- $13 (inclusive)
	where_sql			text,			-- over r, payload conditions excluded
	rollup_sql			text,			-- over t (rollup_records); NULL: the rollup cannot count it
	payload_sql			text			-- over r; NULL: no payload condition
);
COMMENT ON TYPE telemetrics.record_filter IS
	'a parsed record filter: values ($1 to $13 of the generated SQL, in field order) and SQL conditions over them';

-- The parameter names of a record filter.
CREATE FUNCTION telemetrics.record_filter_keys()
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT ARRAY['system_name', 'build', 'classification', 'severity', 'machine_id',
				 'from_date', 'to_date', 'data_source', 'payload', 'not_payload']
$$;
COMMENT ON FUNCTION telemetrics.record_filter_keys() IS
	'the names of the record filter parameters';

-- A literal as a LIKE pattern that matches it anywhere.
CREATE FUNCTION telemetrics.like_contains(p_text text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT '%' OPERATOR(pg_catalog.||) pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
		p_text, '\', '\\'), '%', '\%'), '_', '\_') OPERATOR(pg_catalog.||) '%'
$$;
COMMENT ON FUNCTION telemetrics.like_contains(text) IS
	'a LIKE pattern matching the literal text anywhere';

CREATE FUNCTION telemetrics.record_filter_parse(p_params jsonb)
RETURNS telemetrics.record_filter
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	f		telemetrics.record_filter;
	v_text	text;
	v_w		text[] := '{}';
	v_t		text[] := '{}';
	v_p		text[] := '{}';
BEGIN
	f.system_name := telemetrics.api_text(p_params, 'system_name');
	IF f.system_name IS NOT NULL THEN
		v_w := v_w || 'r.system_name = $1'::text;
		v_t := v_t || 't.system_name = $1'::text;
	END IF;

	f.build := telemetrics.api_text(p_params, 'build');
	IF f.build IS NOT NULL THEN
		v_w := v_w || 'r.build = $2'::text;
		v_t := v_t || 't.build = $2'::text;
	END IF;

	v_text := telemetrics.api_text(p_params, 'classification');
	IF v_text IS NOT NULL THEN
		IF v_text ~ '[*%]$' THEN
			v_text := left(v_text, -1);
			IF v_text ~ '[*%]' THEN
				RAISE EXCEPTION 'invalid value for parameter "classification": a wildcard (*) may only end it'
					USING ERRCODE = 'invalid_parameter_value';
			END IF;
			IF v_text <> '' THEN
				f.class_like := replace(replace(replace(v_text, '\', '\\'), '%', '\%'), '_', '\_') || '%';
				v_w := v_w || 'r.classification LIKE $4'::text;
				v_t := v_t || 't.classification LIKE $4'::text;
			END IF;
		ELSIF v_text ~ '[*%]' THEN
			RAISE EXCEPTION 'invalid value for parameter "classification": a wildcard (*) may only end it'
				USING ERRCODE = 'invalid_parameter_value';
		ELSE
			f.classification := v_text;
			v_w := v_w || 'r.classification = $3'::text;
			v_t := v_t || 't.classification = $3'::text;
		END IF;
	END IF;

	v_text := telemetrics.api_choice(p_params, 'severity', ARRAY['1', '2', '3', '4'], NULL);
	IF v_text IS NOT NULL THEN
		f.severity := v_text::smallint;
		v_w := v_w || 'r.severity = $5'::text;
		v_t := v_t || 't.severity = $5'::text;
	END IF;

	f.machine_id := telemetrics.api_text(p_params, 'machine_id', 32);
	IF f.machine_id IS NOT NULL THEN
		v_w := v_w || 'r.machine_id = $6'::text;
	END IF;

	f.from_day := telemetrics.api_date(p_params, 'from_date');
	f.to_day := telemetrics.api_date(p_params, 'to_date');
	IF f.from_day > f.to_day THEN
		RAISE EXCEPTION 'invalid value for parameter "to_date": before from_date'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF f.from_day IS NOT NULL THEN
		f.from_ts := f.from_day::timestamp AT TIME ZONE 'UTC';
		v_w := v_w || 'r.received_at >= $7'::text;
		v_t := v_t || 't.day >= $12'::text;
	END IF;
	IF f.to_day IS NOT NULL THEN
		f.to_ts := (f.to_day + 1)::timestamp AT TIME ZONE 'UTC';
		v_w := v_w || 'r.received_at < $8'::text;
		v_t := v_t || 't.day <= $13'::text;
	END IF;

	v_text := telemetrics.api_choice(p_params, 'data_source', ARRAY['internal', 'external', 'all'], 'all');
	IF v_text <> 'all' THEN
		f.external := (v_text = 'external');
		v_w := v_w || 'r.external = $9'::text;
		v_t := v_t || 't.external = $9'::text;
	END IF;

	v_text := telemetrics.api_text(p_params, 'payload', 200);
	IF v_text IS NOT NULL THEN
		f.payload_like := telemetrics.like_contains(v_text);
		v_p := v_p || 'r.payload ILIKE $10'::text;
	END IF;
	v_text := telemetrics.api_text(p_params, 'not_payload', 200);
	IF v_text IS NOT NULL THEN
		f.not_payload_like := telemetrics.like_contains(v_text);
		v_p := v_p || 'r.payload NOT ILIKE $11'::text;
	END IF;

	f.where_sql := CASE WHEN cardinality(v_w) = 0 THEN 'true' ELSE array_to_string(v_w, ' AND ') END;
	IF f.machine_id IS NULL AND cardinality(v_p) = 0 THEN
		f.rollup_sql := CASE WHEN cardinality(v_t) = 0 THEN 'true' ELSE array_to_string(v_t, ' AND ') END;
	END IF;
	IF cardinality(v_p) > 0 THEN
		f.payload_sql := array_to_string(v_p, ' AND ');
	END IF;
	RETURN f;
END
$$;
COMMENT ON FUNCTION telemetrics.record_filter_parse(jsonb) IS
	'parse and check the record filter parameters (22023 on a bad value)';

-- The number of stored records matching a filter: exact from the rollup
-- when it can answer (no machine or payload filter), else counted up to
-- p_cap (total_exact false when the cap was reached), else NULL (payload
-- filters are not counted).
CREATE FUNCTION telemetrics.record_filter_count(f telemetrics.record_filter, p_cap integer,
												OUT total bigint, OUT total_exact boolean)
RETURNS record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF f.rollup_sql IS NOT NULL THEN
		EXECUTE format('SELECT COALESCE(sum(t.stored), 0)::bigint FROM telemetrics.rollup_records_v t '
					   'WHERE t.day >= $14 AND %s', f.rollup_sql)
			INTO total
			USING f.system_name, f.build, f.classification, f.class_like, f.severity,
				  f.machine_id, f.from_ts, f.to_ts, f.external, f.payload_like,
				  f.not_payload_like, f.from_day, f.to_day,
				  COALESCE(telemetrics.oldest_partition_day(), 'infinity'::date);
		total_exact := true;
	ELSIF f.payload_sql IS NULL THEN
		EXECUTE format('SELECT count(*) FROM (SELECT FROM telemetrics.records r WHERE %s LIMIT $14) x',
					   f.where_sql)
			INTO total
			USING f.system_name, f.build, f.classification, f.class_like, f.severity,
				  f.machine_id, f.from_ts, f.to_ts, f.external, f.payload_like,
				  f.not_payload_like, f.from_day, f.to_day, p_cap + 1;
		total_exact := total <= p_cap;
		total := least(total, p_cap);
	ELSE
		total := NULL;
		total_exact := false;
	END IF;
END
$$;
COMMENT ON FUNCTION telemetrics.record_filter_count(telemetrics.record_filter, integer) IS
	'count the stored records matching a filter: from the rollup when possible, else up to a cap';

CREATE FUNCTION telemetrics_api.search_records(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params,
					telemetrics.record_filter_keys() || ARRAY['page_size', 'cursor', 'scan_limit']);
	f			telemetrics.record_filter := telemetrics.record_filter_parse(v_params);
	v_limit		integer := telemetrics.api_int(v_params, 'page_size', 50, 1, 1000);
	v_scan		integer := telemetrics.api_int(v_params, 'scan_limit', 20000, 100, 200000);
	v_cursor	bigint := COALESCE(telemetrics.cursor_decode(v_params, 'cursor', 'r'),
								   9223372036854775807);
	v_count		record;
	v_records	jsonb;
	v_n			bigint;
	v_next		bigint;
	v_ids		bigint[] := '{}';
	v_lo		timestamptz;
	v_hi		timestamptz;
	v_scanned	integer := 0;
	v_last		bigint;
	v_row		record;
	v_partial	boolean := false;
BEGIN
	v_count := telemetrics.record_filter_count(f, 10000);

	IF f.payload_sql IS NULL THEN
		EXECUTE format(
			'SELECT COALESCE(jsonb_agg(x.j ORDER BY x.id DESC), ''[]''), count(*) '
			'FROM (SELECT r.id, telemetrics.record_json(r) AS j FROM telemetrics.records r '
			'      WHERE %s AND r.id < $14 ORDER BY r.id DESC LIMIT $15) x', f.where_sql)
			INTO v_records, v_n
			USING f.system_name, f.build, f.classification, f.class_like, f.severity,
				  f.machine_id, f.from_ts, f.to_ts, f.external, f.payload_like,
				  f.not_payload_like, f.from_day, f.to_day, v_cursor, v_limit + 1;
		IF v_n > v_limit THEN
			v_records := v_records - v_limit;
			v_next := (v_records -> (v_limit - 1) ->> 'id')::bigint;
		END IF;
	ELSE
		-- A bounded scan, newest first: look at no more than v_scan records
		-- that pass the other filters, and stop as soon as the page is full.
		FOR v_row IN EXECUTE format(
			'SELECT r.id, r.received_at, (%s) AS hit FROM telemetrics.records r '
			'WHERE %s AND r.id < $14 ORDER BY r.id DESC LIMIT $15', f.payload_sql, f.where_sql)
			USING f.system_name, f.build, f.classification, f.class_like, f.severity,
				  f.machine_id, f.from_ts, f.to_ts, f.external, f.payload_like,
				  f.not_payload_like, f.from_day, f.to_day, v_cursor, v_scan
		LOOP
			IF v_row.hit THEN
				IF cardinality(v_ids) = v_limit THEN
					v_next := v_last;	-- the page is full and there is more
					EXIT;
				END IF;
				v_ids := v_ids || v_row.id;
				v_lo := least(v_lo, v_row.received_at);
				v_hi := greatest(v_hi, v_row.received_at);
			END IF;
			v_scanned := v_scanned + 1;
			v_last := v_row.id;
		END LOOP;
		IF v_next IS NULL AND v_scanned = v_scan THEN
			v_partial := true;			-- scan budget spent: continue after v_last
			v_next := v_last;
		END IF;
		IF cardinality(v_ids) > 0 THEN
			SELECT jsonb_agg(telemetrics.record_json(r) ORDER BY r.id DESC) INTO v_records
			FROM telemetrics.records r
			WHERE r.id = ANY (v_ids) AND r.received_at BETWEEN v_lo AND v_hi;
		ELSE
			v_records := '[]';
		END IF;
	END IF;

	RETURN jsonb_build_object(
		'records', v_records,
		'next_cursor', telemetrics.cursor_encode('r', v_next),
		'total', v_count.total,
		'total_exact', v_count.total_exact)
		|| CASE WHEN f.payload_sql IS NULL THEN '{}'::jsonb
				ELSE jsonb_build_object('scanned', v_scanned, 'partial', v_partial) END;
END
$$;
COMMENT ON FUNCTION telemetrics_api.search_records(jsonb) IS
	'GET /api/records/search: stored records matching the filters, newest first, in pages (opaque cursor); '
	'total from the rollups (exact), or counted up to 10000, or null for payload searches (a bounded scan)';

CREATE FUNCTION telemetrics_api.get_record(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, ARRAY['id']);
	v_id		bigint := telemetrics.api_id(v_params, 'id');
	v_result	jsonb;
BEGIN
	SELECT telemetrics.record_json(r) INTO v_result
	FROM telemetrics.records r WHERE r.id = v_id;
	IF v_result IS NULL THEN
		RAISE EXCEPTION 'record % not found', v_id
			USING ERRCODE = 'no_data_found';
	END IF;
	RETURN v_result;
END
$$;
COMMENT ON FUNCTION telemetrics_api.get_record(jsonb) IS
	'GET /api/records/{id}: one stored record; P0002 when there is none';

-- CSV: RFC 4180, every field quoted, quotes doubled, line breaks kept
-- inside the quotes.
CREATE FUNCTION telemetrics.csv_field(p_value text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT '"' OPERATOR(pg_catalog.||) pg_catalog.replace(COALESCE(p_value, ''), '"', '""')
		OPERATOR(pg_catalog.||) '"'
$$;
COMMENT ON FUNCTION telemetrics.csv_field(text) IS
	'a value as a quoted CSV field (RFC 4180)';

CREATE FUNCTION telemetrics_api.export_records_csv(p_params jsonb)
RETURNS SETOF text
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
ROWS 1000
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params,
					telemetrics.record_filter_keys() || ARRAY['limit', 'scan_limit']);
	f			telemetrics.record_filter := telemetrics.record_filter_parse(v_params);
	v_limit		integer := telemetrics.api_int(v_params, 'limit', 10000, 1, 100000);
	v_scan		integer := telemetrics.api_int(v_params, 'scan_limit', 1000000, 100, 1000000);
BEGIN
	RETURN NEXT E'id,external,server_timestamp,severity,classification,build,machine_id,payload\n';
	RETURN QUERY EXECUTE format(
		'SELECT concat_ws('','', telemetrics.csv_field(r.id::text), telemetrics.csv_field(r.external::text), '
		'  telemetrics.csv_field(extract(epoch FROM r.received_at)::text), telemetrics.csv_field(r.severity::text), '
		'  telemetrics.csv_field(r.classification), telemetrics.csv_field(r.build), '
		'  telemetrics.csv_field(r.machine_id), telemetrics.csv_field(r.payload)) || E''\n'' '
		'FROM (SELECT r.* FROM telemetrics.records r WHERE %s ORDER BY r.id DESC LIMIT $15) r '
		'WHERE %s ORDER BY r.id DESC LIMIT $14',
		f.where_sql, COALESCE(f.payload_sql, 'true'))
		USING f.system_name, f.build, f.classification, f.class_like, f.severity,
			  f.machine_id, f.from_ts, f.to_ts, f.external, f.payload_like,
			  f.not_payload_like, f.from_day, f.to_day, v_limit,
			  CASE WHEN f.payload_sql IS NULL THEN v_limit ELSE v_scan END;
END
$$;
COMMENT ON FUNCTION telemetrics_api.export_records_csv(jsonb) IS
	'GET /api/records/export.csv: the matching records as CSV lines (a header, then one line per record, newest first), '
	'at most limit (default 10000, at most 100000) records; payload filters look at no more than scan_limit records';

CREATE FUNCTION telemetrics_api.list_filter_choices(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, '{}');
	v_result	jsonb;
BEGIN
	WITH t AS (
		SELECT dimension, value, detail
		FROM telemetrics.rollup_totals_v
		WHERE dimension IN ('os_build', 'classification')
		GROUP BY dimension, value, detail
		HAVING sum(received) > 0),
	classes AS (
		SELECT value FROM t WHERE dimension = 'classification'),
	patterns AS (
		SELECT split_part(value, '/', 1) || '/*' AS p FROM classes
		UNION
		SELECT split_part(value, '/', 1) || '/' || split_part(value, '/', 2) || '/*' FROM classes
		UNION
		SELECT value FROM classes)
	SELECT jsonb_build_object(
		'systems', COALESCE((
			SELECT jsonb_agg(jsonb_build_object('system_name', s.value, 'builds', s.builds) ORDER BY s.value)
			FROM (SELECT value, jsonb_agg(detail ORDER BY telemetrics.build_number(detail) DESC NULLS LAST,
												 detail DESC) AS builds
				  FROM t WHERE dimension = 'os_build' GROUP BY value) s), '[]'),
		'builds', COALESCE((
			SELECT jsonb_agg(b.detail ORDER BY telemetrics.build_number(b.detail) DESC NULLS LAST, b.detail DESC)
			FROM (SELECT DISTINCT detail FROM t WHERE dimension = 'os_build') b), '[]'),
		'classifications', COALESCE((SELECT jsonb_agg(value ORDER BY value) FROM classes), '[]'),
		'classification_patterns', COALESCE((SELECT jsonb_agg(p ORDER BY p) FROM patterns), '[]'),
		'severities', '[{"value": 1, "label": "low"}, {"value": 2, "label": "med"}, '
					  '{"value": 3, "label": "high"}, {"value": 4, "label": "crit"}]'::jsonb,
		'data_sources', '["internal", "external"]'::jsonb)
	INTO v_result;
	RETURN v_result;
END
$$;
COMMENT ON FUNCTION telemetrics_api.list_filter_choices(jsonb) IS
	'GET /api/records/filters: the choices of the records filter form: OS with their builds, builds, '
	'classifications and their wildcard patterns (a/*, a/b/*), severities, sources (from the rollups)';
