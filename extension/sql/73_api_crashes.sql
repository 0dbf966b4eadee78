-- Crashes: top crashes (reference-backend.md sections 3.5 and 5.6),
-- guilty details (5.7), a guilty group's backtraces (5.8), the crash rate
-- per 1000 active machines, guilty groups new in a build, and guilty
-- management (5.9) over classify's functions (50_classify.sql).
--
-- Fixes of the reference's top crashes:
--   * the latest builds are chosen among the builds with crashes in the
--     window, not over all time (9.2 item 13), and a build is numeric when
--     it is all digits, tested per row (no CAST that depends on the order
--     of evaluation);
--   * pages are counted before slicing, so every page is reachable (9.2
--     item 6); a page past the end is empty, not an error;
--   * a per-build list of an unknown build, or of a build with no crash,
--     is empty, not an error (9.2 item 7).
-- Windows are "the last N days", N from 1 to 32: today (UTC) and the N - 1
-- days before, by reception day (the reference used the client's clock).
-- They read rings of daily counts: crash_recent_groups (one row per group)
-- and guilty_builds (one per group and build).

-- The backtrace classes.  telemetrics.backtrace_classes() reads the
-- setting with current_setting(), which is NULL until the library that
-- defines it is loaded; a backend that has only read so far may not have
-- loaded it, so load it first (any C function of the module does).
CREATE FUNCTION telemetrics.crash_classes()
RETURNS text[]
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM telemetrics.retention_default_days();
	RETURN telemetrics.backtrace_classes();
END
$$;
COMMENT ON FUNCTION telemetrics.crash_classes() IS
	'telemetrics.backtrace_classes(), after making sure the library defining the setting is loaded';

CREATE FUNCTION telemetrics_api.top_crashes(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params,
					ARRAY['days', 'builds', 'build', 'page', 'page_size']);
	v_days		integer := telemetrics.api_int(v_params, 'days', 7, 1, 32);
	v_nbuilds	integer := telemetrics.api_int(v_params, 'builds', 8, 1, 50);
	v_build		text := COALESCE(telemetrics.api_text(v_params, 'build'), 'overall');
	v_page		integer := telemetrics.api_int(v_params, 'page', 1, 1, 100000);
	v_size		integer := telemetrics.api_int(v_params, 'page_size', 10, 1, 100);
	v_from		date := telemetrics.window_start(v_days);
	v_builds	text[];			-- the columns: the latest numeric builds, or the one build
	v_others	text[] := '{}';	-- numeric builds with crashes in the window, not among them
	v_hidden	integer[];
	v_simple	boolean;
	v_result	jsonb;
BEGIN
	IF v_build = 'overall' THEN
		-- numeric builds with crash records in the window, newest first
		SELECT COALESCE(array_agg(build ORDER BY n DESC), '{}') INTO v_builds
		FROM (SELECT build, telemetrics.build_number(build) AS n
			  FROM telemetrics.rollup_records_v
			  WHERE day >= v_from AND classification = ANY (telemetrics.crash_classes())
				AND telemetrics.build_number(build) IS NOT NULL
			  GROUP BY build HAVING sum(received) > 0) b;
		v_others := v_builds[v_nbuilds + 1:];
		v_builds := v_builds[1:v_nbuilds];
	ELSE
		v_builds := ARRAY[v_build];
	END IF;

	-- crashes per visible group in the window, over the columns' builds:
	-- the rings of the shown builds, or, when fewer numeric builds are left
	-- out than shown, one ring per group (all numeric builds) minus the
	-- rings of the builds left out.  Without pending deltas and builds left
	-- out, the group rings are the answer as they are (no regrouping).
	v_hidden := ARRAY(SELECT id FROM telemetrics.guilty WHERE hidden);
	v_simple := v_build = 'overall' AND cardinality(v_others) = 0
				AND NOT EXISTS (SELECT FROM telemetrics.rollup_deltas d WHERE d.crashes IS NOT NULL);
	WITH per AS MATERIALIZED (
		SELECT c.guilty_id, telemetrics.ring_window(c.ring, v_from) AS total
		FROM telemetrics.crash_recent_groups c
		WHERE v_simple
		UNION ALL
		SELECT x.guilty_id, sum(x.n)
		FROM (SELECT c.guilty_id, telemetrics.ring_window(c.ring, v_from) AS n
			  FROM telemetrics.crash_recent_groups_v c
			  WHERE NOT v_simple AND v_build = 'overall' AND cardinality(v_others) < cardinality(v_builds)
			  UNION ALL
			  SELECT c.guilty_id, -telemetrics.ring_window(c.ring, v_from)
			  FROM telemetrics.guilty_rings_v c
			  WHERE NOT v_simple AND v_build = 'overall' AND cardinality(v_others) < cardinality(v_builds)
				AND c.build = ANY (v_others)
			  UNION ALL
			  SELECT c.guilty_id, telemetrics.ring_window(c.ring, v_from)
			  FROM telemetrics.guilty_rings_v c
			  WHERE NOT v_simple AND (v_build <> 'overall' OR cardinality(v_others) >= cardinality(v_builds))
				AND c.build = ANY (v_builds)) x
		GROUP BY x.guilty_id),
	visible AS MATERIALIZED (
		SELECT p.guilty_id, p.total FROM per p
		WHERE p.total > 0 AND p.guilty_id <> ALL (v_hidden)),
	-- the pages up to this one only: a top-N, not a sort of every group
	ranked AS MATERIALIZED (
		SELECT t.guilty_id, t.total, row_number() OVER (ORDER BY t.total DESC, t.guilty_id) AS rank,
			   (SELECT count(*) FROM visible) AS n
		FROM (SELECT * FROM visible ORDER BY total DESC, guilty_id LIMIT v_page * v_size) t),
	page AS MATERIALIZED (
		SELECT r.*, g.function, g.module, g.comment
		FROM ranked r JOIN telemetrics.guilty g ON g.id = r.guilty_id
		WHERE r.rank > (v_page - 1) * v_size AND r.rank <= v_page * v_size),
	-- per-build counts of the page's groups only
	cells AS (
		SELECT c.guilty_id, c.build, sum(telemetrics.ring_window(c.ring, v_from)) AS crashes
		FROM telemetrics.guilty_rings_v c
		WHERE c.build = ANY (v_builds)
		  AND c.guilty_id IN (SELECT guilty_id FROM page)
		GROUP BY c.guilty_id, c.build),
	nz AS (SELECT * FROM cells WHERE crashes > 0)
	SELECT jsonb_build_object(
		'days', v_days,
		'build', v_build,
		'builds', COALESCE((
			SELECT jsonb_agg(jsonb_build_object('build', b.build,
												'max', COALESCE((SELECT max(crashes) FROM nz WHERE nz.build = b.build), 0))
							 ORDER BY b.ord)
			FROM unnest(v_builds) WITH ORDINALITY b(build, ord)), '[]'),
		'total_guilties', (SELECT count(*) FROM visible),
		'page', v_page,
		'page_size', v_size,
		'pages', ceil((SELECT count(*) FROM visible)::numeric / v_size)::integer,
		'guilties', COALESCE((
			SELECT jsonb_agg(jsonb_build_object(
					'rank', p.rank, 'guilty_id', p.guilty_id, 'function', p.function,
					'module', p.module, 'comment', p.comment, 'total', p.total,
					'builds', COALESCE((SELECT jsonb_object_agg(nz.build, nz.crashes) FROM nz
										WHERE nz.guilty_id = p.guilty_id), '{}'))
					ORDER BY p.rank)
			FROM page p), '[]'))
	INTO v_result;
	RETURN v_result;
END
$$;
COMMENT ON FUNCTION telemetrics_api.top_crashes(jsonb) IS
	'GET /api/crashes: guilty groups with the most crashes in the last days (1 to 32) days over the latest builds numeric builds '
	'(build=overall), or on one build (build=<build>), hidden groups excluded, in pages of page_size; '
	'builds[].max is the largest count on the build among the page''s groups';

-- A guilty group as the API shows it; P0002 if there is none.
CREATE FUNCTION telemetrics.api_guilty(p_id bigint)
RETURNS telemetrics.guilty
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_guilty telemetrics.guilty;
BEGIN
	IF p_id <= 2147483647 THEN
		SELECT * INTO v_guilty FROM telemetrics.guilty g WHERE g.id = p_id::integer;
	END IF;
	IF v_guilty.id IS NULL THEN
		RAISE EXCEPTION 'guilty group % not found', p_id
			USING ERRCODE = 'no_data_found';
	END IF;
	RETURN v_guilty;
END
$$;
COMMENT ON FUNCTION telemetrics.api_guilty(bigint) IS
	'API helper: the guilty group with this id; raises P0002 when there is none';

CREATE FUNCTION telemetrics_api.get_guilty(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, ARRAY['id', 'machines']);
	v_guilty	telemetrics.guilty := telemetrics.api_guilty(telemetrics.api_id(v_params, 'id'));
	v_top		integer := telemetrics.api_int(v_params, 'machines', 20, 0, 500);
	v_result	jsonb;
BEGIN
	WITH b AS MATERIALIZED (
		SELECT build, sum(crashes) AS crashes, sum(machines) AS machines,
			   min(first_day) AS first_day, max(last_day) AS last_day
		FROM telemetrics.guilty_builds_v
		WHERE guilty_id = v_guilty.id
		GROUP BY build
		HAVING sum(crashes) > 0),
	-- the machines that crashed most per build: the top of the index, plus
	-- as many more as there are pending deltas (which can reorder them),
	-- plus the machines with pending deltas; then exact counts
	pend AS MATERIALIZED (
		SELECT x.build, x.machine_id, sum(x.crashes) AS crashes, max(x.last_day) AS last_day
		FROM telemetrics.rollup_deltas d, unnest(d.crash_machines) x
		WHERE x.guilty_id = v_guilty.id
		GROUP BY x.build, x.machine_id),
	cand AS (
		SELECT b.build, t.machine_id
		FROM b CROSS JOIN LATERAL (
			SELECT c.machine_id FROM telemetrics.crash_machines c
			WHERE c.guilty_id = v_guilty.id AND c.build = b.build AND v_top > 0
			ORDER BY c.crashes DESC, c.machine_id
			LIMIT v_top + (SELECT count(*) FROM pend p WHERE p.build = b.build)) t
		UNION
		SELECT p.build, p.machine_id FROM pend p WHERE v_top > 0),
	m AS (
		SELECT c.build, c.machine_id, COALESCE(cm.crashes, 0) + COALESCE(p.crashes, 0) AS crashes,
			   greatest(cm.last_day, p.last_day) AS last_day
		FROM cand c
		LEFT JOIN telemetrics.crash_machines cm
			ON cm.guilty_id = v_guilty.id AND cm.build = c.build AND cm.machine_id = c.machine_id
		LEFT JOIN pend p ON p.build = c.build AND p.machine_id = c.machine_id),
	top AS (
		SELECT build, machine_id, crashes, last_day,
			   row_number() OVER (PARTITION BY build ORDER BY crashes DESC, machine_id) AS rank
		FROM m WHERE crashes > 0)
	SELECT jsonb_build_object(
		'guilty', telemetrics.guilty_group_json(v_guilty),
		'crashes', COALESCE((SELECT sum(crashes) FROM b), 0),
		'builds', COALESCE((
			SELECT jsonb_agg(jsonb_build_object(
					'build', b.build, 'crashes', b.crashes, 'machines', b.machines,
					'first_day', b.first_day, 'last_day', b.last_day,
					'top_machines', COALESCE((
						SELECT jsonb_agg(jsonb_build_object('machine_id', t.machine_id, 'crashes', t.crashes,
															'last_day', t.last_day) ORDER BY t.rank)
						FROM top t WHERE t.build = b.build AND t.rank <= v_top), '[]'))
					ORDER BY telemetrics.build_order(b.build) DESC)
			FROM b), '[]'))
	INTO v_result;
	RETURN v_result;
END
$$;
COMMENT ON FUNCTION telemetrics_api.get_guilty(jsonb) IS
	'GET /api/guilties/{id}: a guilty group with its crashes and affected machines per build (newest build first) '
	'and the machines that crashed most per build (machines, default 20); P0002 if unknown';

-- A crash as the backtraces listing shows it.
CREATE FUNCTION telemetrics.backtrace_json(r telemetrics.records)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT pg_catalog.jsonb_build_object(
		'id', r.id, 'machine_id', r.machine_id, 'build', r.build,
		'classification', r.classification, 'crash_state', r.crash_state,
		'ts_capture', telemetrics.format_ts(r.created_at),
		'ts_reception', telemetrics.format_ts(r.received_at),
		'payload', r.payload)
$$;
COMMENT ON FUNCTION telemetrics.backtrace_json(telemetrics.records) IS
	'a crash record as the backtraces listing shows it: id, machine, build, class, crash state, times, payload';

CREATE FUNCTION telemetrics_api.list_guilty_backtraces(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params,
					ARRAY['id', 'machine_id', 'build', 'page_size', 'cursor']);
	v_guilty	telemetrics.guilty := telemetrics.api_guilty(telemetrics.api_id(v_params, 'id'));
	v_machine	text := telemetrics.api_text(v_params, 'machine_id', 32);
	v_build		text := telemetrics.api_text(v_params, 'build');
	v_limit		integer := telemetrics.api_int(v_params, 'page_size', 50, 1, 200);
	v_cursor	bigint := COALESCE(telemetrics.cursor_decode(v_params, 'cursor', 'b'),
								   9223372036854775807);
	v_records	jsonb;
	v_n			bigint;
	v_next		bigint;
BEGIN
	-- With a machine, its records (index on machine_id, id) are few; else
	-- the newest page of each of the group's builds (index on guilty_id,
	-- build, id), merged.  "guilty_id + 0" keeps the planner off the
	-- group's index when the machine's is better.
	IF v_machine IS NOT NULL THEN
		SELECT COALESCE(jsonb_agg(x.j ORDER BY x.id DESC), '[]'), count(*)
		INTO v_records, v_n
		FROM (SELECT r.id, telemetrics.backtrace_json(r) AS j
			  FROM telemetrics.records r
			  WHERE r.machine_id = v_machine AND r.guilty_id + 0 = v_guilty.id AND r.id < v_cursor
				AND (v_build IS NULL OR r.build = v_build)
			  ORDER BY r.id DESC
			  LIMIT v_limit + 1) x;
	ELSE
		SELECT COALESCE(jsonb_agg(telemetrics.backtrace_json(y.r) ORDER BY (y.r).id DESC), '[]'), count(*)
		INTO v_records, v_n
		FROM (SELECT x.r
			  FROM (SELECT DISTINCT gb.build FROM telemetrics.guilty_builds_v gb
					WHERE gb.guilty_id = v_guilty.id AND (v_build IS NULL OR gb.build = v_build)) b
			  CROSS JOIN LATERAL (
				SELECT r FROM telemetrics.records r
				WHERE r.guilty_id = v_guilty.id AND r.build = b.build AND r.id < v_cursor
				ORDER BY r.id DESC
				LIMIT v_limit + 1) x
			  ORDER BY (x.r).id DESC
			  LIMIT v_limit + 1) y;
	END IF;
	IF v_n > v_limit THEN
		v_records := v_records - v_limit;
		v_next := (v_records -> (v_limit - 1) ->> 'id')::bigint;
	END IF;
	RETURN jsonb_build_object(
		'guilty', telemetrics.guilty_group_json(v_guilty),
		'records', v_records,
		'next_cursor', telemetrics.cursor_encode('b', v_next));
END
$$;
COMMENT ON FUNCTION telemetrics_api.list_guilty_backtraces(jsonb) IS
	'GET /api/guilties/{id}/backtraces: the stored crashes of a guilty group with their payloads, newest first, '
	'optionally of one machine and/or build, in pages (opaque cursor); P0002 if the group is unknown';

CREATE FUNCTION telemetrics_api.crash_rate(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, ARRAY['days', 'builds']);
	v_days		integer := telemetrics.api_int(v_params, 'days', 7, 1, 366);
	v_nbuilds	integer := telemetrics.api_int(v_params, 'builds', 8, 1, 50);
	v_from		date := telemetrics.window_start(v_days);
	v_classes	text[] := telemetrics.crash_classes();
	v_result	jsonb;
BEGIN
	WITH pop AS (
		SELECT build, sum(machines) AS machines
		FROM telemetrics.population_build_last_v
		WHERE last_day >= v_from AND telemetrics.build_number(build) IS NOT NULL
		GROUP BY build
		HAVING sum(machines) > 0
		ORDER BY telemetrics.build_number(build) DESC
		LIMIT v_nbuilds),
	cr AS (
		SELECT build, sum(received) AS crashes
		FROM telemetrics.rollup_records_v
		WHERE day >= v_from AND classification = ANY (v_classes)
		  AND build IN (SELECT build FROM pop)
		GROUP BY build)
	SELECT jsonb_build_object(
		'days', v_days,
		'classes', to_jsonb(v_classes),
		'builds', COALESCE((
			SELECT jsonb_agg(jsonb_build_object(
					'build', p.build, 'machines', p.machines, 'crashes', COALESCE(c.crashes, 0),
					'per_1000_machines', round(COALESCE(c.crashes, 0) * 1000.0 / p.machines, 1))
					ORDER BY telemetrics.build_number(p.build) DESC)
			FROM pop p LEFT JOIN cr c ON c.build = p.build), '[]'))
	INTO v_result;
	RETURN v_result;
END
$$;
COMMENT ON FUNCTION telemetrics_api.crash_rate(jsonb) IS
	'GET /api/crashes/rate: crashes (records of the backtrace classes) per 1000 machines active on the build, '
	'in the last days days, for the latest builds numeric builds with active machines';

-- The builds guilty groups have crashes on (a loose index scan of
-- guilty_builds, plus the pending deltas).
CREATE FUNCTION telemetrics.crash_build_list()
RETURNS text[]
LANGUAGE sql STABLE
AS $$
	WITH RECURSIVE b(build) AS (
		SELECT pg_catalog.min(build) FROM telemetrics.guilty_builds
		UNION ALL
		SELECT (SELECT pg_catalog.min(g.build) FROM telemetrics.guilty_builds g
				WHERE g.build OPERATOR(pg_catalog.>) b.build)
		FROM b WHERE b.build IS NOT NULL)
	SELECT COALESCE(pg_catalog.array_agg(DISTINCT x.build), '{}')
	FROM (SELECT build FROM b WHERE build IS NOT NULL
		  UNION ALL
		  SELECT c.build FROM telemetrics.rollup_deltas d, pg_catalog.unnest(d.crash_machines) c) x
$$;
COMMENT ON FUNCTION telemetrics.crash_build_list() IS
	'the builds with crashes of a guilty group (all time)';

CREATE FUNCTION telemetrics_api.list_new_guilties(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, ARRAY['build', 'page', 'page_size']);
	v_build		text := telemetrics.api_text(v_params, 'build');
	v_page		integer := telemetrics.api_int(v_params, 'page', 1, 1, 100000);
	v_size		integer := telemetrics.api_int(v_params, 'page_size', 20, 1, 100);
	v_builds	text[] := telemetrics.crash_build_list();
	v_number	bigint;
	v_previous	text;
	v_result	jsonb;
BEGIN
	IF v_build IS NULL THEN
		-- the latest numeric build with a crash
		SELECT b INTO v_build FROM unnest(v_builds) b
		WHERE telemetrics.build_number(b) IS NOT NULL
		ORDER BY telemetrics.build_number(b) DESC LIMIT 1;
	END IF;
	v_number := telemetrics.build_number(v_build);
	IF v_build IS NOT NULL AND v_number IS NULL THEN
		RAISE EXCEPTION 'invalid value for parameter "build": expected a numeric build'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	SELECT b INTO v_previous FROM unnest(v_builds) b
	WHERE telemetrics.build_number(b) < v_number
	ORDER BY telemetrics.build_number(b) DESC LIMIT 1;

	WITH pending AS MATERIALIZED (
		-- groups with pending deltas: decided exactly from their builds
		SELECT DISTINCT x.guilty_id
		FROM telemetrics.rollup_deltas d, unnest(d.crash_machines) x),
	pending_builds AS (
		SELECT p.guilty_id, p.build_no
		FROM (SELECT b.guilty_id, telemetrics.build_number(b.build) AS build_no, b.crashes
			  FROM telemetrics.guilty_builds b
			  WHERE b.guilty_id IN (SELECT guilty_id FROM pending)
			  UNION ALL
			  SELECT x.guilty_id, telemetrics.build_number(x.build), x.crashes
			  FROM telemetrics.rollup_deltas d, unnest(d.crash_machines) x) p
		WHERE p.build_no IS NOT NULL
		GROUP BY p.guilty_id, p.build_no
		HAVING sum(p.crashes) > 0),
	candidates AS (
		SELECT f.guilty_id FROM telemetrics.guilty_first_builds f
		WHERE f.first_build = v_number AND f.guilty_id NOT IN (SELECT guilty_id FROM pending)
		UNION ALL
		SELECT guilty_id FROM pending_builds GROUP BY guilty_id HAVING min(build_no) = v_number),
	n AS (
		SELECT gb.guilty_id, sum(gb.crashes) AS crashes, sum(gb.machines) AS machines,
			   min(gb.first_day) AS first_day
		FROM telemetrics.guilty_builds_v gb
		WHERE gb.build = v_build AND gb.guilty_id IN (SELECT guilty_id FROM candidates)
		GROUP BY gb.guilty_id
		HAVING sum(gb.crashes) > 0),
	ranked AS (
		SELECT n.*, row_number() OVER (ORDER BY n.crashes DESC, n.guilty_id) AS rank,
			   count(*) OVER () AS total
		FROM n)
	SELECT jsonb_build_object(
		'build', v_build,
		'previous_build', v_previous,
		'total_guilties', COALESCE((SELECT max(total) FROM ranked), 0),
		'page', v_page,
		'page_size', v_size,
		'pages', ceil(COALESCE((SELECT max(total) FROM ranked), 0)::numeric / v_size)::integer,
		'guilties', COALESCE((
			SELECT jsonb_agg(jsonb_build_object(
					'rank', r.rank, 'guilty_id', r.guilty_id, 'function', g.function,
					'module', g.module, 'comment', g.comment, 'hidden', g.hidden,
					'crashes', r.crashes, 'machines', r.machines, 'first_day', r.first_day)
					ORDER BY r.rank)
			FROM ranked r JOIN telemetrics.guilty g ON g.id = r.guilty_id
			WHERE r.rank > (v_page - 1) * v_size AND r.rank <= v_page * v_size), '[]'))
	INTO v_result;
	RETURN v_result;
END
$$;
COMMENT ON FUNCTION telemetrics_api.list_new_guilties(jsonb) IS
	'GET /api/crashes/new: guilty groups with crashes on a numeric build (default: the latest with crashes) '
	'and none on any earlier numeric build, most crashes first, in pages (release gating)';

-- ----------------------------------------------------------------------
-- Guilty management: the p_params convention over classify's functions
-- ----------------------------------------------------------------------

-- api_bool: a true/false parameter (JSON boolean or string); p_default
-- when absent.
CREATE FUNCTION telemetrics.api_bool(p_params jsonb, p_key text, p_default boolean)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT telemetrics.api_choice(p_params, p_key, ARRAY['true', 'false'], p_default::text)::boolean
$$;
COMMENT ON FUNCTION telemetrics.api_bool(jsonb, text, boolean) IS
	'API helper: a true/false parameter, or the default when absent';

CREATE FUNCTION telemetrics_api.update_guilty(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, ARRAY['id', 'comment', 'hidden']);
	v_guilty	telemetrics.guilty := telemetrics.api_guilty(telemetrics.api_id(v_params, 'id'));
	v_hidden	boolean := telemetrics.api_bool(v_params, 'hidden', NULL);
	v_result	jsonb;
BEGIN
	IF NOT v_params ? 'comment' AND v_hidden IS NULL THEN
		RAISE EXCEPTION 'nothing to update: give comment and/or hidden'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF v_params ? 'comment' THEN
		IF jsonb_typeof(v_params -> 'comment') NOT IN ('string', 'null') THEN
			RAISE EXCEPTION 'invalid value for parameter "comment": expected a string'
				USING ERRCODE = 'invalid_parameter_value';
		END IF;
		v_result := telemetrics_api.guilty_comment(v_guilty.id, v_params ->> 'comment');
	END IF;
	IF v_hidden THEN
		v_result := telemetrics_api.guilty_hide(v_guilty.id);
	ELSIF NOT v_hidden THEN
		v_result := telemetrics_api.guilty_unhide(v_guilty.id);
	END IF;
	RETURN v_result;
END
$$;
COMMENT ON FUNCTION telemetrics_api.update_guilty(jsonb) IS
	'POST /api/guilties/{id}: set the comment (null or blank clears it; at most 1000 characters) and/or hide or '
	'unhide (hidden true/false) a guilty group; returns the group; P0002 if unknown';

CREATE FUNCTION telemetrics_api.list_hidden_guilties(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, '{}');
BEGIN
	RETURN jsonb_build_object('guilties', COALESCE((
		SELECT jsonb_agg(telemetrics.guilty_group_json(g) ORDER BY g.function, g.module, g.id)
		FROM telemetrics.guilty g WHERE g.hidden), '[]'));
END
$$;
COMMENT ON FUNCTION telemetrics_api.list_hidden_guilties(jsonb) IS
	'GET /api/guilties/hidden: the hidden guilty groups, by function';

CREATE FUNCTION telemetrics_api.list_blacklist(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, '{}');
BEGIN
	RETURN telemetrics_api.blacklist_list();
END
$$;
COMMENT ON FUNCTION telemetrics_api.list_blacklist(jsonb) IS
	'GET /api/blacklist: the guilty blacklist rules and the number of changes not yet applied';

CREATE FUNCTION telemetrics_api.add_blacklist_rule(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params,
					ARRAY['function', 'module', 'match', 'comment', 'reclassify']);
	v_result	jsonb;
BEGIN
	v_result := telemetrics_api.blacklist_add(
		telemetrics.api_text(v_params, 'function', 1024),
		telemetrics.api_text(v_params, 'module', 1024),
		telemetrics.api_choice(v_params, 'match', ARRAY['exact', 'prefix'], NULL),
		telemetrics.api_text(v_params, 'comment', 1000),
		false) - 'reclassified';
	IF telemetrics.api_bool(v_params, 'reclassify', true) THEN
		v_result := v_result || pg_catalog.jsonb_build_object(
			'job', telemetrics_api.reclassify_start('affected'));
	END IF;
	RETURN v_result;
END
$$;
COMMENT ON FUNCTION telemetrics_api.add_blacklist_rule(jsonb) IS
	'POST /api/blacklist: add a blacklist rule {function, module, match, comment, reclassify}; unless reclassify is '
	'false, queue a background reclassification of the records it affects ("job"; see get_reclassify); 23505 (409) if it exists';

CREATE FUNCTION telemetrics_api.remove_blacklist_rule(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, ARRAY['id', 'reclassify']);
	v_id		bigint := telemetrics.api_id(v_params, 'id');
	v_result	jsonb;
BEGIN
	IF v_id > 2147483647 THEN
		RAISE EXCEPTION 'blacklist rule % not found', v_id USING ERRCODE = 'no_data_found';
	END IF;
	v_result := telemetrics_api.blacklist_remove(v_id::integer, false) - 'reclassified';
	IF telemetrics.api_bool(v_params, 'reclassify', true) THEN
		v_result := v_result || pg_catalog.jsonb_build_object(
			'job', telemetrics_api.reclassify_start('affected'));
	END IF;
	RETURN v_result;
END
$$;
COMMENT ON FUNCTION telemetrics_api.remove_blacklist_rule(jsonb) IS
	'DELETE /api/blacklist/{id}: remove a blacklist rule and, unless reclassify is false, queue a background '
	'reclassification of the records it affected ("job"); P0002 if unknown';

CREATE FUNCTION telemetrics_api.reclassify_crashes(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, ARRAY['scope']);
BEGIN
	RETURN telemetrics_api.reclassify_start(
		telemetrics.api_choice(v_params, 'scope', ARRAY['affected', 'all'], 'affected'));
END
$$;
COMMENT ON FUNCTION telemetrics_api.reclassify_crashes(jsonb) IS
	'POST /api/reclassify: queue a background reclassification of the records the pending blacklist changes affect '
	'(scope affected) or of every crash (scope all); returns the job (id, state, progress); crash rollups follow the records';

CREATE FUNCTION telemetrics_api.get_reclassify(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, ARRAY['id']);
	v_id		bigint;
BEGIN
	IF v_params ? 'id' THEN
		v_id := telemetrics.api_id(v_params, 'id');
	END IF;
	RETURN telemetrics_api.reclassify_status(v_id);
END
$$;
COMMENT ON FUNCTION telemetrics_api.get_reclassify(jsonb) IS
	'GET /api/reclassify[/{id}]: a reclassification job and its progress, or the latest jobs and the pending blacklist changes; P0002 if unknown';

CREATE FUNCTION telemetrics_api.explain_record_crash(p_params jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_params	jsonb := telemetrics.api_params(p_params, ARRAY['id']);
BEGIN
	RETURN telemetrics_api.explain_record(telemetrics.api_id(v_params, 'id'));
END
$$;
COMMENT ON FUNCTION telemetrics_api.explain_record_crash(jsonb) IS
	'GET /api/records/{id}/frames: the frames of a stored crash with the blacklist decision for each (the '
	'per-record blacklist editor); P0002 if unknown';
