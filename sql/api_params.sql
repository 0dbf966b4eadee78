-- The parameter conventions of the read API (70_api_common.sql): one jsonb
-- argument of strings; unknown keys, malformed values and bad cursors are
-- 22023 with a message naming the parameter.
\set VERBOSITY terse

-- absent, null and "" are all "not given"
SELECT telemetrics.api_text(NULL, 'a') IS NULL AS null_params,
       telemetrics.api_text('{"a": null}', 'a') IS NULL AS json_null,
       telemetrics.api_text('{"a": ""}', 'a') IS NULL AS empty,
       telemetrics.api_text('{"a": 12}', 'a') AS number_as_text,
       telemetrics.api_text('{"a": true}', 'a') AS bool_as_text;
SELECT telemetrics.api_int('{}', 'n', 50, 1, 1000) AS default_int,
       telemetrics.api_int('{"n": "1000"}', 'n', 50, 1, 1000) AS max_int,
       telemetrics.api_id('{"id": "42"}', 'id') AS id,
       telemetrics.api_date('{"d": "2024-02-29"}', 'd') AS leap_day,
       telemetrics.api_choice('{"c": "b"}', 'c', ARRAY['a', 'b'], 'a') AS choice;

-- cursors are opaque, round-trip, and are checked for their listing
SELECT telemetrics.cursor_decode(jsonb_build_object('cursor', telemetrics.cursor_encode('r', 123456789)),
                                 'cursor', 'r') AS round_trip;
SELECT telemetrics.cursor_encode('r', 1) ~ '^[A-Za-z0-9_-]+$' AS url_safe;
SELECT telemetrics.cursor_decode('{}', 'cursor', 'r') IS NULL AS no_cursor;

-- build numbers never fail on odd builds
SELECT b, telemetrics.build_number(b) AS number, telemetrics.build_order(b) AS sort_key
FROM unnest(ARRAY['31000', '007', 'abc', '1.2', '99999999999999999999']) b ORDER BY 3;

-- invalid input: every kind of bad parameter
SELECT telemetrics.api_params('[1, 2]', ARRAY['a']);
SELECT telemetrics.api_params('{"a": "1", "zz": "2"}', ARRAY['a']);
SELECT telemetrics.api_text('{"a": [1]}', 'a');
SELECT telemetrics.api_text('{"a": "abcdef"}', 'a', 5);
SELECT telemetrics.api_int('{"n": "0"}', 'n', 50, 1, 1000);
SELECT telemetrics.api_int('{"n": "1001"}', 'n', 50, 1, 1000);
SELECT telemetrics.api_int('{"n": "-1"}', 'n', 50, 1, 1000);
SELECT telemetrics.api_int('{"n": "1e3"}', 'n', 50, 1, 1000);
SELECT telemetrics.api_int('{"n": "99999999999999999999"}', 'n', 50, 1, 1000);
SELECT telemetrics.api_id('{}', 'id');
SELECT telemetrics.api_id('{"id": "0"}', 'id');
SELECT telemetrics.api_id('{"id": "12a"}', 'id');
SELECT telemetrics.api_date('{"d": "2024-02-30"}', 'd');
SELECT telemetrics.api_date('{"d": "2024-2-3"}', 'd');
SELECT telemetrics.api_date('{"d": "yesterday"}', 'd');
SELECT telemetrics.api_choice('{"c": "z"}', 'c', ARRAY['a', 'b'], 'a');
SELECT telemetrics.cursor_decode('{"cursor": "not a cursor"}', 'cursor', 'r');
SELECT telemetrics.cursor_decode('{"cursor": "////"}', 'cursor', 'r');
SELECT telemetrics.cursor_decode(jsonb_build_object('cursor', telemetrics.cursor_encode('g', 5)), 'cursor', 'r');
SELECT telemetrics.cursor_decode(jsonb_build_object('cursor', 'cjotMQ'), 'cursor', 'r');

-- the hint of an unknown parameter lists the accepted ones, or says there
-- are none
DO $$
DECLARE
	v_hint text;
BEGIN
	BEGIN
		PERFORM telemetrics.api_params('{"x": "1"}', ARRAY['a', 'b']);
	EXCEPTION WHEN invalid_parameter_value THEN
		GET STACKED DIAGNOSTICS v_hint = PG_EXCEPTION_HINT;
		RAISE NOTICE 'hint: %', v_hint;
	END;
	BEGIN
		PERFORM telemetrics.api_params('{"x": "1"}', '{}');
	EXCEPTION WHEN invalid_parameter_value THEN
		GET STACKED DIAGNOSTICS v_hint = PG_EXCEPTION_HINT;
		RAISE NOTICE 'hint: %', v_hint;
	END;
END
$$;
