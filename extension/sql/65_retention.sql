-- Retention: the reference backend's purge (reference-backend.md section
-- 6) as rules in a table, and a purge that drops whole day partitions.
--
-- Semantics, exactly the reference's:
--   * a rule is (field, value, max_days) with field classification (value
--     may use * as a wildcard) or severity (1 to 4); max_days 0 means
--     "this rule deletes nothing";
--   * a record matching a rule with max_days > 0 is deleted once it was
--     received more than max_days days ago; rules are independent (a
--     record that matches a 0-day rule of one field is still deleted by
--     another field's rule);
--   * a record matching no rule at all (0-day rules included) is deleted
--     once it is older than telemetrics.retention_days (default 35; 0 keeps
--     such records forever).
-- Ages are measured from received_at (the server's reception time, the
-- reference's timestamp_server) to the purge's now(), in 24-hour days.
-- One deliberate difference: the reference turned * into SQL's % and so
-- also treated % and _ in rule values as wildcards; here only * is.
--
-- Storage: records are partitioned by reception day, so a day whose
-- records have all expired is dropped whole (no row is scanned when no
-- 0-day rule exists and the default is not 0); rows are deleted one by one
-- only from days where rules keep some records and not others.  Dropping a
-- partition briefly takes an ACCESS EXCLUSIVE lock on telemetrics.records
-- (PostgreSQL requires it to drop a partition), so the drops come last,
-- each waits at most 5 seconds for the lock and is skipped (and retried by
-- the next purge) if it cannot get it.  Deleting, by either path, also
-- deletes the records' duplicate-detection keys, and lowers the stored
-- counts of telemetrics.rollup_records; the other rollups keep the history.

CREATE FUNCTION telemetrics.retention_default_days()
RETURNS integer
LANGUAGE C STABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'telemetrics_retention_default_days';
COMMENT ON FUNCTION telemetrics.retention_default_days() IS
	'the value of telemetrics.retention_days: maximum age in days of records no retention rule matches (0 = keep)';

CREATE TABLE telemetrics.retention_rules (
	field			text		COLLATE "C" NOT NULL,
	value			text		COLLATE "C" NOT NULL,
	max_days		integer		NOT NULL,
	CONSTRAINT retention_rules_pkey PRIMARY KEY (field, value),
	CONSTRAINT retention_rules_field_check CHECK (field IN ('classification', 'severity')),
	CONSTRAINT retention_rules_max_days_check CHECK (max_days BETWEEN 0 AND 36500),
	CONSTRAINT retention_rules_severity_check
		CHECK (field <> 'severity' OR value IN ('1', '2', '3', '4')),
	CONSTRAINT retention_rules_classification_check
		CHECK (field <> 'classification' OR pg_catalog.char_length(value) BETWEEN 1 AND 256)
);
COMMENT ON TABLE telemetrics.retention_rules IS
	'retention overrides: records matching a rule are kept max_days days (0 = this rule deletes nothing); '
	'records matching no rule are kept telemetrics.retention_days days';
COMMENT ON COLUMN telemetrics.retention_rules.field IS 'classification or severity';
COMMENT ON COLUMN telemetrics.retention_rules.value IS
	'a classification (* matches any characters, e.g. org.clearlinux/mce/*) or a severity, 1 to 4';
COMMENT ON COLUMN telemetrics.retention_rules.max_days IS
	'days to keep matching records after reception; 0: this rule deletes nothing (and exempts them from the default)';

-- A classification rule value as a LIKE pattern: * is the only wildcard.
CREATE FUNCTION telemetrics.retention_pattern(p_value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
		p_value, '\', '\\'), '%', '\%'), '_', '\_'), '*', '%')
$$;
COMMENT ON FUNCTION telemetrics.retention_pattern(text) IS
	'a retention rule''s classification value as a LIKE pattern (* becomes %; %, _ and \ are literal)';

-- The SQL condition, over a record aliased r, that is true when the record
-- has expired at p_now; NULL when no record can expire.
CREATE FUNCTION telemetrics.retention_predicate(p_now timestamptz)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_default	integer := telemetrics.retention_default_days();
	v_terms		text[] := '{}';
	v_matches	text[] := '{}';
	v_match		text;
	v_rule		record;
BEGIN
	FOR v_rule IN
		SELECT field, value, max_days FROM telemetrics.retention_rules ORDER BY field, value
	LOOP
		IF v_rule.field = 'classification' THEN
			v_match := format('r.classification LIKE %L', telemetrics.retention_pattern(v_rule.value));
		ELSE
			v_match := format('r.severity = %s', v_rule.value::smallint);
		END IF;
		v_matches := v_matches || v_match;
		IF v_rule.max_days > 0 THEN
			v_terms := v_terms || format('(%s AND r.received_at < %L::timestamptz)',
										 v_match, p_now - v_rule.max_days * interval '24 hours');
		END IF;
	END LOOP;
	IF v_default > 0 THEN
		v_terms := v_terms || format('(r.received_at < %L::timestamptz%s)',
									 p_now - v_default * interval '24 hours',
									 CASE WHEN cardinality(v_matches) > 0
										  THEN ' AND NOT (' || array_to_string(v_matches, ' OR ') || ')'
										  ELSE '' END);
	END IF;
	IF cardinality(v_terms) = 0 THEN
		RETURN NULL;
	END IF;
	RETURN array_to_string(v_terms, ' OR ');
END
$$;
COMMENT ON FUNCTION telemetrics.retention_predicate(timestamptz) IS
	'the retention rules as a SQL condition over a record r: true when r has expired at p_now; NULL if nothing can expire';

-- Drop one day partition whose records have all expired: first zero its
-- stored counts in rollup_records (after folding in the pending deltas)
-- and delete its keys (DROP fires no trigger).  The caller holds a lock
-- that keeps writers out.
CREATE FUNCTION telemetrics.drop_day_partition(p_day date)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_name		name := telemetrics.partition_name(p_day);
	v_lo		timestamptz := p_day::timestamp AT TIME ZONE 'UTC';
	v_hi		timestamptz := (p_day + 1)::timestamp AT TIME ZONE 'UTC';
	v_records	bigint;
BEGIN
	-- pending deltas first, then the day's stored counts drop to zero
	PERFORM telemetrics.compact_rollups(true);
	WITH z AS (
		UPDATE telemetrics.rollup_records r SET stored = 0
		FROM (SELECT day, build, classification, severity, system_name, external, arch, stored
			  FROM telemetrics.rollup_records WHERE day = p_day AND stored <> 0 FOR UPDATE) o
		WHERE r.day = o.day AND r.build = o.build AND r.classification = o.classification
		  AND r.severity = o.severity AND r.system_name = o.system_name
		  AND r.external = o.external AND r.arch = o.arch
		RETURNING o.stored)
	SELECT COALESCE(sum(stored), 0) INTO v_records FROM z;

	DELETE FROM telemetrics.record_keys WHERE received_at >= v_lo AND received_at < v_hi;

	EXECUTE format('DROP TABLE telemetrics.%I', v_name);
	RETURN v_records;
END
$$;
COMMENT ON FUNCTION telemetrics.drop_day_partition(date) IS
	'drop the records partition of a UTC day, zeroing its stored counts and deleting its duplicate-detection keys; returns the records it held';

CREATE FUNCTION telemetrics.purge()
RETURNS TABLE (day date, action text, records bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now		timestamptz := now();
	v_pred		text := telemetrics.retention_predicate(v_now);
	v_default	integer := telemetrics.retention_default_days();
	v_min_days	integer;
	v_max_days	integer;
	v_has_keep	boolean;
	v_part		record;
	v_lo		timestamptz;
	v_hi		timestamptz;
	v_all		boolean;
	v_n			bigint;
	v_drop		date[] := '{}';
	v_day		date;
	v_lock_timeout text := current_setting('lock_timeout');
BEGIN
	IF v_pred IS NULL THEN
		RETURN;
	END IF;
	-- one purge at a time
	PERFORM pg_advisory_xact_lock(hashtext('telemetrics.purge'));

	SELECT min(d), max(d) INTO v_min_days, v_max_days
	FROM (SELECT max_days AS d FROM telemetrics.retention_rules WHERE max_days > 0
		  UNION ALL SELECT v_default WHERE v_default > 0) x;
	-- can some record never expire (a 0-day rule, or no default)?
	v_has_keep := v_default = 0 OR EXISTS (
		SELECT FROM telemetrics.retention_rules WHERE max_days = 0);

	FOR v_part IN
		SELECT to_date(substr(c.relname, 9), 'YYYYMMDD') AS d
		FROM pg_inherits i
		JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'telemetrics.records'::regclass
		  AND c.relname ~ '^records_[0-9]{8}$'
		ORDER BY 1
	LOOP
		v_lo := v_part.d::timestamp AT TIME ZONE 'UTC';
		v_hi := (v_part.d + 1)::timestamp AT TIME ZONE 'UTC';
		-- nothing received on this day can have expired yet
		CONTINUE WHEN v_lo >= v_now - v_min_days * interval '24 hours';

		IF NOT v_has_keep AND v_hi <= v_now - v_max_days * interval '24 hours' THEN
			v_all := true;		-- every record of the day is past every limit
		ELSE
			-- keep writers out of the day while deciding
			EXECUTE format('LOCK TABLE telemetrics.%I IN EXCLUSIVE MODE',
						   telemetrics.partition_name(v_part.d));
			EXECUTE format('SELECT NOT EXISTS (SELECT FROM telemetrics.records r '
						   'WHERE r.received_at >= $1 AND r.received_at < $2 AND NOT (%s))', v_pred)
				INTO v_all USING v_lo, v_hi;
		END IF;

		IF v_all THEN
			v_drop := v_drop || v_part.d;
		ELSE
			-- through the parent, so that the delete trigger runs
			EXECUTE format('DELETE FROM telemetrics.records r '
						   'WHERE r.received_at >= $1 AND r.received_at < $2 AND (%s)', v_pred)
				USING v_lo, v_hi;
			GET DIAGNOSTICS v_n = ROW_COUNT;
			IF v_n > 0 THEN
				RAISE LOG 'telemetrics: purge deleted % records received on %', v_n, v_part.d;
				day := v_part.d;
				action := 'deleted';
				records := v_n;
				RETURN NEXT;
			END IF;
		END IF;
	END LOOP;

	-- whole days last: dropping a partition locks telemetrics.records
	FOREACH v_day IN ARRAY v_drop
	LOOP
		BEGIN
			PERFORM set_config('lock_timeout', '5s', true);
			v_n := telemetrics.drop_day_partition(v_day);
			RAISE LOG 'telemetrics: purge dropped the partition of % (% records)', v_day, v_n;
			IF v_n > 0 THEN		-- empty days are dropped silently
				day := v_day;
				action := 'dropped';
				records := v_n;
				RETURN NEXT;
			END IF;
		EXCEPTION WHEN lock_not_available THEN
			RAISE WARNING 'telemetrics: purge could not lock telemetrics.records to drop the partition of %; the next purge will retry', v_day;
		END;
	END LOOP;
	PERFORM set_config('lock_timeout', v_lock_timeout, true);
END
$$;
COMMENT ON FUNCTION telemetrics.purge() IS
	'delete expired records (telemetrics.retention_rules, telemetrics.retention_days): whole day partitions '
	'are dropped when all their records expired, otherwise expired rows are deleted; one row per day that lost records';

-- Copy the complete days (up to yesterday) the platform rings hold and
-- rollup_platforms does not yet have into it; returns how many days.  The
-- rings hold 32 days, so this must run at least every 31 days for
-- rollup_platforms (stats windows over 32 days) to have every day; the
-- daily maintenance does.
CREATE FUNCTION telemetrics.fill_platform_days()
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_today		date := (now() AT TIME ZONE 'UTC')::date;
	v_done		date;
	v_from		date;
BEGIN
	PERFORM telemetrics.compact_rollups(true);
	SELECT day INTO v_done FROM telemetrics.rollup_state WHERE name = 'platform_days' FOR UPDATE;
	v_from := greatest(COALESCE(v_done + 1, '-infinity'::date), v_today - 31);
	IF v_from > v_today - 1 THEN
		RETURN 0;
	END IF;
	INSERT INTO telemetrics.rollup_platforms AS t (day, host_type, received)
	SELECT s.day, p.host_type, s.n
	FROM telemetrics.platform_recent p,
		 LATERAL (SELECT telemetrics.ring_last_day(p.ring) - 32 + i AS day, p.ring[i + 1] AS n
				  FROM generate_series(1, 32) i) s
	WHERE s.day BETWEEN v_from AND v_today - 1 AND s.n <> 0
	ON CONFLICT (day, host_type) DO UPDATE SET received = excluded.received;
	UPDATE telemetrics.rollup_state SET day = v_today - 1 WHERE name = 'platform_days';
	RETURN (v_today - 1) - v_from + 1;
END
$$;
COMMENT ON FUNCTION telemetrics.fill_platform_days() IS
	'copy the complete days of the platform rings into rollup_platforms (for stats windows over 32 days); returns the days copied';

-- The daily job: partitions ahead, the purge, the compaction of the
-- rollup deltas, the removal of crash_machines rows a reclassification
-- took to zero, the daily platform counts of the days completed since the
-- last run.
CREATE FUNCTION telemetrics.maintenance()
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_made		integer;
	v_compacted	bigint;
	v_platform_days integer;
	v_purged	jsonb;
BEGIN
	v_made := telemetrics.ensure_partitions(now(), now() + interval '7 days');
	v_compacted := telemetrics.compact_rollups(true);
	DELETE FROM telemetrics.crash_machines WHERE crashes <= 0;
	v_platform_days := telemetrics.fill_platform_days();
	SELECT COALESCE(jsonb_agg(jsonb_build_object('day', p.day, 'action', p.action, 'records', p.records)
							  ORDER BY p.day), '[]')
	INTO v_purged
	FROM telemetrics.purge() p;
	RETURN jsonb_build_object('partitions_created', v_made,
							  'rollup_deltas_compacted', v_compacted,
							  'platform_days_filled', v_platform_days,
							  'purged', v_purged);
END
$$;
COMMENT ON FUNCTION telemetrics.maintenance() IS
	'the daily job: create the next week''s partitions, compact the rollup deltas, purge expired records; returns what it did';

-- Scheduling with pg_cron, when it is installed in this database.
CREATE FUNCTION telemetrics.schedule_maintenance(p_schedule text DEFAULT '30 4 * * *')
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_job bigint;
BEGIN
	IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron') THEN
		RAISE EXCEPTION 'pg_cron is not installed in database "%"', current_database()
			USING ERRCODE = 'feature_not_supported',
				  HINT = format('Without pg_cron, add to the system crontab: '
								'30 4 * * * postgres psql -d %s -qAtc ''SELECT telemetrics.maintenance()''',
								quote_ident(current_database()));
	END IF;
	EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO v_job
		USING 'telemetrics-maintenance', p_schedule, 'SELECT telemetrics.maintenance()';
	RETURN v_job;
END
$$;
COMMENT ON FUNCTION telemetrics.schedule_maintenance(text) IS
	'schedule telemetrics.maintenance() with pg_cron as job telemetrics-maintenance (default daily at 04:30); returns the job id';

CREATE FUNCTION telemetrics.unschedule_maintenance()
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_done boolean := false;
BEGIN
	IF EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron') THEN
		EXECUTE 'SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = $1'
			INTO v_done USING 'telemetrics-maintenance';
	END IF;
	RETURN COALESCE(v_done, false);
END
$$;
COMMENT ON FUNCTION telemetrics.unschedule_maintenance() IS
	'remove the pg_cron job telemetrics-maintenance; false if there was none';

SELECT pg_catalog.pg_extension_config_dump('telemetrics.retention_rules', '');
