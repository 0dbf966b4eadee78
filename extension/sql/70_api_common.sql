-- Helpers of the read API (telemetrics_api.*, 71_ to 79_ files).
--
-- Convention (docs/api.md): every GET function takes one argument,
-- p_params jsonb: the query string as an object of strings, plus the path
-- parameters (e.g. {"id": "123"}); POST functions take the JSON request
-- body.  An empty string is the same as an absent parameter.  Unknown
-- parameters, values of the wrong form and bad page cursors raise 22023
-- (invalid_parameter_value, HTTP 400) with a message naming the parameter;
-- an id that does not exist raises P0002 (no_data_found, HTTP 404).
--
-- Every read function of the API (the STABLE ones, here and in
-- 30_ingest.sql, 40_query.sql, 50_classify.sql, 55_reclassify_jobs.sql)
-- runs with jit = off.  PostgreSQL's default (jit on, jit_above_cost
-- 100000) compiled some of their queries on every call once the records
-- table held two million rows: search_records' p99 went from 10.5 to
-- 238 ms, query_records' from 4.4 to 89, export_records_csv's from 4.1 to
-- 99 (bench/README.md).  They run in milliseconds; compiling costs more.

-- api_params: p_params as an object (NULL is {}); raises 22023 if it is
-- not an object or has a key outside p_allowed.
CREATE FUNCTION telemetrics.api_params(p_params jsonb, p_allowed text[])
RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_key text;
BEGIN
	IF p_params IS NULL OR p_params = 'null'::jsonb THEN
		RETURN '{}'::jsonb;
	END IF;
	IF jsonb_typeof(p_params) <> 'object' THEN
		RAISE EXCEPTION 'parameters must be a JSON object'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT k INTO v_key FROM jsonb_object_keys(p_params) k
	WHERE k <> ALL (p_allowed) ORDER BY k LIMIT 1;
	IF v_key IS NOT NULL THEN
		RAISE EXCEPTION 'unknown parameter "%"', left(v_key, 64)
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = CASE WHEN cardinality(p_allowed) > 0
						 THEN 'Accepted: ' || array_to_string(p_allowed, ', ') || '.'
						 ELSE 'This takes no parameters.' END;
	END IF;
	RETURN p_params;
END
$$;
COMMENT ON FUNCTION telemetrics.api_params(jsonb, text[]) IS
	'API helper: check that the parameters are a JSON object with only the allowed keys';

-- api_text: the parameter's value as text; NULL when absent, null or "".
-- Strings, numbers and booleans are accepted; longer than p_max_chars
-- characters raises 22023.
CREATE FUNCTION telemetrics.api_text(p_params jsonb, p_key text, p_max_chars integer DEFAULT 256)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_val	jsonb := p_params -> p_key;
	v_text	text;
BEGIN
	IF v_val IS NULL OR jsonb_typeof(v_val) = 'null' THEN
		RETURN NULL;
	END IF;
	IF jsonb_typeof(v_val) NOT IN ('string', 'number', 'boolean') THEN
		RAISE EXCEPTION 'invalid value for parameter "%": expected a string', p_key
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	v_text := p_params ->> p_key;
	IF v_text = '' THEN
		RETURN NULL;
	END IF;
	IF char_length(v_text) > p_max_chars THEN
		RAISE EXCEPTION 'invalid value for parameter "%": longer than % characters', p_key, p_max_chars
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN v_text;
END
$$;
COMMENT ON FUNCTION telemetrics.api_text(jsonb, text, integer) IS
	'API helper: a text parameter (NULL when absent or empty), at most p_max_chars characters';

-- api_int: an integer parameter from p_min to p_max; p_default when absent.
CREATE FUNCTION telemetrics.api_int(p_params jsonb, p_key text, p_default integer,
									p_min integer, p_max integer)
RETURNS integer
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_text text := telemetrics.api_text(p_params, p_key, 32);
BEGIN
	IF v_text IS NULL THEN
		RETURN p_default;
	END IF;
	IF v_text !~ '^[0-9]{1,10}$' OR v_text::bigint NOT BETWEEN p_min AND p_max THEN
		RAISE EXCEPTION 'invalid value for parameter "%": expected an integer from % to %',
			p_key, p_min, p_max
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN v_text::integer;
END
$$;
COMMENT ON FUNCTION telemetrics.api_int(jsonb, text, integer, integer, integer) IS
	'API helper: an integer parameter within bounds, or the default when absent';

-- api_id: a required positive id (the path parameter "id" and the like).
CREATE FUNCTION telemetrics.api_id(p_params jsonb, p_key text)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_text text := telemetrics.api_text(p_params, p_key, 32);
BEGIN
	IF v_text IS NULL THEN
		RAISE EXCEPTION 'missing parameter "%"', p_key
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF v_text !~ '^[0-9]{1,18}$' OR v_text::bigint < 1 THEN
		RAISE EXCEPTION 'invalid value for parameter "%": expected a positive integer', p_key
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN v_text::bigint;
END
$$;
COMMENT ON FUNCTION telemetrics.api_id(jsonb, text) IS
	'API helper: a required positive integer id';

-- api_date: a YYYY-MM-DD parameter; NULL when absent.
CREATE FUNCTION telemetrics.api_date(p_params jsonb, p_key text)
RETURNS date
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_text text := telemetrics.api_text(p_params, p_key, 32);
	v_date date;
BEGIN
	IF v_text IS NULL THEN
		RETURN NULL;
	END IF;
	IF v_text ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' THEN
		BEGIN
			v_date := make_date(substr(v_text, 1, 4)::integer, substr(v_text, 6, 2)::integer,
								substr(v_text, 9, 2)::integer);
		EXCEPTION WHEN datetime_field_overflow THEN
			v_date := NULL;		-- February 30th and the like
		END;
		IF v_date >= date '1970-01-01' THEN
			RETURN v_date;
		END IF;
	END IF;
	RAISE EXCEPTION 'invalid value for parameter "%": expected a date YYYY-MM-DD', p_key
		USING ERRCODE = 'invalid_parameter_value';
END
$$;
COMMENT ON FUNCTION telemetrics.api_date(jsonb, text) IS
	'API helper: a date parameter, YYYY-MM-DD (from 1970-01-01)';

-- api_choice: a parameter that must be one of p_choices; p_default when
-- absent.
CREATE FUNCTION telemetrics.api_choice(p_params jsonb, p_key text, p_choices text[], p_default text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_text text := telemetrics.api_text(p_params, p_key, 64);
BEGIN
	IF v_text IS NULL THEN
		RETURN p_default;
	END IF;
	IF v_text <> ALL (p_choices) THEN
		RAISE EXCEPTION 'invalid value for parameter "%": expected one of %', p_key,
			array_to_string(p_choices, ', ')
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN v_text;
END
$$;
COMMENT ON FUNCTION telemetrics.api_choice(jsonb, text, text[], text) IS
	'API helper: a parameter restricted to a list of values';

-- Page cursors are opaque to clients: base64url of "<kind>:<id>".
CREATE FUNCTION telemetrics.cursor_encode(p_kind text, p_id bigint)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT pg_catalog.rtrim(pg_catalog.translate(pg_catalog.encode(
		pg_catalog.convert_to(p_kind OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) p_id::text, 'UTF8'),
		'base64'), '+/', '-_'), '=')
$$;
COMMENT ON FUNCTION telemetrics.cursor_encode(text, bigint) IS
	'API helper: the opaque page cursor for a position (kind, id)';

-- cursor_decode: the id in the cursor parameter p_key, which must have
-- been made for p_kind; NULL when absent; 22023 when malformed.
CREATE FUNCTION telemetrics.cursor_decode(p_params jsonb, p_key text, p_kind text)
RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_text	text := telemetrics.api_text(p_params, p_key, 64);
	v_b64	text;
	v_plain	text;
BEGIN
	IF v_text IS NULL THEN
		RETURN NULL;
	END IF;
	IF v_text ~ '^[A-Za-z0-9_-]{4,64}$' THEN
		v_b64 := translate(v_text, '-_', '+/');
		v_b64 := v_b64 || repeat('=', (4 - length(v_b64) % 4) % 4);
		BEGIN
			v_plain := convert_from(decode(v_b64, 'base64'), 'UTF8');
		EXCEPTION WHEN OTHERS THEN
			v_plain := NULL;
		END;
		IF v_plain ~ ('^' || p_kind || ':[0-9]{1,18}$') THEN
			RETURN substr(v_plain, length(p_kind) + 2)::bigint;
		END IF;
	END IF;
	RAISE EXCEPTION 'invalid value for parameter "%": not a cursor from this listing', p_key
		USING ERRCODE = 'invalid_parameter_value';
END
$$;
COMMENT ON FUNCTION telemetrics.cursor_decode(jsonb, text, text) IS
	'API helper: the position in an opaque page cursor; raises 22023 for a malformed one';

-- The oldest UTC day telemetrics.records still has a partition for (NULL
-- when none): rollup rows of earlier days count nothing stored.
CREATE FUNCTION telemetrics.oldest_partition_day()
RETURNS date
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT pg_catalog.min(pg_catalog.to_date(pg_catalog.substr(c.relname, 9), 'YYYYMMDD'))
	FROM pg_catalog.pg_inherits i
	JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.inhrelid
	WHERE i.inhparent OPERATOR(pg_catalog.=) 'telemetrics.records'::pg_catalog.regclass
	  AND c.relname OPERATOR(pg_catalog.~) '^records_[0-9]{8}$'
$$;
COMMENT ON FUNCTION telemetrics.oldest_partition_day() IS
	'the UTC day of the oldest partition of telemetrics.records';

-- "The last N days": today (UTC) and the N - 1 days before it.
CREATE FUNCTION telemetrics.window_start(p_days integer)
RETURNS date
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
	SELECT ((pg_catalog.now() AT TIME ZONE 'UTC')::date OPERATOR(pg_catalog.-) p_days) OPERATOR(pg_catalog.+) 1
$$;
COMMENT ON FUNCTION telemetrics.window_start(integer) IS
	'the first UTC day of "the last N days" (today and the N - 1 days before it)';

-- Severity labels of the reference UI.
CREATE FUNCTION telemetrics.severity_label(p_severity integer)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT CASE p_severity WHEN 1 THEN 'low' WHEN 2 THEN 'med' WHEN 3 THEN 'high'
						   WHEN 4 THEN 'crit' ELSE 'low' END
$$;
COMMENT ON FUNCTION telemetrics.severity_label(integer) IS
	'the reference UI''s label of a severity: 1 low, 2 med, 3 high, 4 crit';
