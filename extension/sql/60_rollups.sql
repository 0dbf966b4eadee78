-- Rollups: what the dashboards and the query API read instead of the
-- records (reference-backend.md sections 5 and 9.3).
--
-- Maintained by statement-level triggers on telemetrics.records with
-- transition tables, so one ingest_batch() call (one INSERT statement)
-- touches each rollup row once.
--
-- Concurrency.  Counters are sharded by backend: every counter table has a
-- "shard" column, and a backend only ever adds to rows of its own shard
-- (telemetrics.backend_shard(), its BackendId).  Two ingest transactions
-- running at the same time therefore never update the same counter row,
-- and never wait for each other's row locks, however hot "today x build x
-- classification" is.  Readers sum over the shards.  Shard 0 belongs to
-- telemetrics.fold_rollups(), which merges the shards of past days into it
-- to keep the tables small (the daily maintenance job runs it).
--
-- Distinct machines (population, affected machines) cannot be sharded
-- counters: they are sets, one row per (build, machine) or per machine,
-- with the last day the machine was seen.  The trigger first looks, without
-- locking, for the machines whose row already says "seen today"; only the
-- others are upserted, in key order (so two transactions cannot deadlock
-- within a statement).  That happens once per machine, build and day, so
-- ingest transactions wait for each other only when the same machine's
-- first record of the day arrives in two batches at the same moment.
--
-- What changes a rollup:
--   INSERT    everything.
--   UPDATE    moves the record's counts from its old values to its new ones
--             (received, stored, crashes per guilty group, MCE, thermal).
--             Reclassification (UPDATE ... SET guilty_id) moves crash counts
--             between guilty groups this way.  Population sets do not move:
--             a machine that was seen stays seen.
--   DELETE    (the purge, or by hand) only lowers the "stored" count of
--             telemetrics.rollup_records, which is what record searches
--             count, and deletes the record's duplicate-detection key.  All
--             other rollups are history: they keep counting what was
--             received after the records are gone.
--   TRUNCATE  the same for every record: stored counts drop to zero, all
--             keys are deleted, history stays.
-- Rows must be inserted through telemetrics.records, not directly into a
-- partition, or the triggers (which are on the parent) do not see them.
--
-- Days and weeks are UTC days of received_at (server reception time);
-- weeks are ISO weeks, named by their Monday.

CREATE FUNCTION telemetrics.backend_shard()
RETURNS integer
LANGUAGE C STABLE STRICT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'telemetrics_backend_shard';
COMMENT ON FUNCTION telemetrics.backend_shard() IS
	'the rollup shard of this backend (its BackendId); no two live backends share one';

-- Records per UTC day and per the dimensions the record views filter and
-- group by.  received counts every record ever stored (history); stored
-- counts those still in telemetrics.records (DELETE lowers it), which is
-- what the record search's total is computed from.
CREATE TABLE telemetrics.rollup_records (
	day				date		NOT NULL,
	build			text		COLLATE "C" NOT NULL,
	classification	text		COLLATE "C" NOT NULL,
	severity		smallint	NOT NULL,
	system_name		text		COLLATE "C" NOT NULL,
	external		boolean		NOT NULL,
	arch			text		COLLATE "C" NOT NULL,
	shard			integer		NOT NULL,
	received		bigint		NOT NULL,
	stored			bigint		NOT NULL,
	CONSTRAINT rollup_records_pkey PRIMARY KEY
		(day, build, classification, severity, system_name, external, arch, shard)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.rollup_records IS
	'records per UTC day x build x classification x severity x OS x source x arch (sharded counters)';
COMMENT ON COLUMN telemetrics.rollup_records.system_name IS 'System-Name; empty for records without one';
COMMENT ON COLUMN telemetrics.rollup_records.shard IS 'the backend that added these counts (telemetrics.backend_shard()); 0 = folded';
COMMENT ON COLUMN telemetrics.rollup_records.received IS 'records received (history: deletes do not lower it)';
COMMENT ON COLUMN telemetrics.rollup_records.stored IS 'records still stored (deletes and the purge lower it)';

-- Records per UTC day and platform (Host-Type): kept apart from
-- rollup_records because platforms are many.
CREATE TABLE telemetrics.rollup_platforms (
	day				date		NOT NULL,
	host_type		text		COLLATE "C" NOT NULL,
	shard			integer		NOT NULL,
	received		bigint		NOT NULL,
	CONSTRAINT rollup_platforms_pkey PRIMARY KEY (day, host_type, shard)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.rollup_platforms IS
	'records received per UTC day x platform (Host-Type) (sharded counters)';
COMMENT ON COLUMN telemetrics.rollup_platforms.shard IS 'the backend that added these counts; 0 = folded';
COMMENT ON COLUMN telemetrics.rollup_platforms.received IS 'records received (history)';

-- All-time totals per single dimension, so that all-time views (builds,
-- stats, the filter choices) read a few hundred rows however long the
-- history is.
CREATE TABLE telemetrics.rollup_totals (
	dimension		text		COLLATE "C" NOT NULL,
	value			text		COLLATE "C" NOT NULL,
	detail			text		COLLATE "C" NOT NULL DEFAULT '',
	shard			integer		NOT NULL,
	received		bigint		NOT NULL,
	CONSTRAINT rollup_totals_pkey PRIMARY KEY (dimension, value, detail, shard),
	CONSTRAINT rollup_totals_dimension_check CHECK (dimension IN
		('build', 'classification', 'severity', 'arch', 'platform', 'os', 'source', 'os_build'))
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.rollup_totals IS
	'records received since installation per build, classification, severity, arch, platform, OS, source, and OS x build (sharded counters)';
COMMENT ON COLUMN telemetrics.rollup_totals.dimension IS
	'build, classification, severity, arch, platform (Host-Type), os (System-Name), source (internal/external), os_build';
COMMENT ON COLUMN telemetrics.rollup_totals.value IS 'the value (the OS for os_build)';
COMMENT ON COLUMN telemetrics.rollup_totals.detail IS 'the build for os_build; empty otherwise';
COMMENT ON COLUMN telemetrics.rollup_totals.shard IS 'the backend that added these counts; 0 = folded';
COMMENT ON COLUMN telemetrics.rollup_totals.received IS 'records received (history)';

-- Population: the sets of machines seen, and counters derived from them.
CREATE TABLE telemetrics.machine_builds (
	build			text		COLLATE "C" NOT NULL,
	machine_id		text		COLLATE "C" NOT NULL,
	external		boolean		NOT NULL,
	first_day		date		NOT NULL,
	last_day		date		NOT NULL,
	prev_day		date,
	CONSTRAINT machine_builds_pkey PRIMARY KEY (build, machine_id, external)
);
COMMENT ON TABLE telemetrics.machine_builds IS
	'every (build, machine, source) ever seen, with the first and last UTC day it sent a record';
COMMENT ON COLUMN telemetrics.machine_builds.prev_day IS 'last_day before its latest change (used by the trigger)';

CREATE TABLE telemetrics.machine_activity (
	machine_id		text		COLLATE "C" NOT NULL,
	external		boolean		NOT NULL,
	first_day		date		NOT NULL,
	last_day		date		NOT NULL,
	prev_day		date,
	CONSTRAINT machine_activity_pkey PRIMARY KEY (machine_id, external)
);
COMMENT ON TABLE telemetrics.machine_activity IS
	'every (machine, source) ever seen, with the first and last UTC day it sent a record';
COMMENT ON COLUMN telemetrics.machine_activity.prev_day IS 'last_day before its latest change (used by the trigger)';

CREATE TABLE telemetrics.population_build_days (
	day				date		NOT NULL,
	build			text		COLLATE "C" NOT NULL,
	external		boolean		NOT NULL,
	shard			integer		NOT NULL,
	machines		bigint		NOT NULL,
	CONSTRAINT population_build_days_pkey PRIMARY KEY (day, build, external, shard)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.population_build_days IS
	'distinct machines that sent a record from a build on a UTC day (sharded counters)';
COMMENT ON COLUMN telemetrics.population_build_days.shard IS 'the backend that added these counts; 0 = folded';

CREATE TABLE telemetrics.population_build_last (
	build			text		COLLATE "C" NOT NULL,
	external		boolean		NOT NULL,
	last_day		date		NOT NULL,
	shard			integer		NOT NULL,
	machines		bigint		NOT NULL,
	CONSTRAINT population_build_last_pkey PRIMARY KEY (build, external, last_day, shard)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.population_build_last IS
	'machines per build by the last UTC day they sent a record from it: the machines active in the last N days are the sum over last_day > today - N (sharded counters)';
COMMENT ON COLUMN telemetrics.population_build_last.shard IS 'the backend that added these counts; 0 = folded';

CREATE TABLE telemetrics.population_days (
	day				date		NOT NULL,
	external		boolean		NOT NULL,
	shard			integer		NOT NULL,
	machines		bigint		NOT NULL,
	CONSTRAINT population_days_pkey PRIMARY KEY (day, external, shard)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.population_days IS
	'distinct machines that sent a record on a UTC day (sharded counters)';
COMMENT ON COLUMN telemetrics.population_days.shard IS 'the backend that added these counts; 0 = folded';

CREATE TABLE telemetrics.population_last (
	external		boolean		NOT NULL,
	last_day		date		NOT NULL,
	shard			integer		NOT NULL,
	machines		bigint		NOT NULL,
	CONSTRAINT population_last_pkey PRIMARY KEY (external, last_day, shard)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.population_last IS
	'machines by the last UTC day they sent any record (sharded counters)';
COMMENT ON COLUMN telemetrics.population_last.shard IS 'the backend that added these counts; 0 = folded';

-- Thermal events (org.clearlinux/mce/thermal) per ISO week and machine.
CREATE TABLE telemetrics.rollup_thermal (
	week			date		NOT NULL,
	machine_id		text		COLLATE "C" NOT NULL,
	shard			integer		NOT NULL,
	records			bigint		NOT NULL,
	CONSTRAINT rollup_thermal_pkey PRIMARY KEY (week, machine_id, shard)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.rollup_thermal IS
	'thermal records (org.clearlinux/mce/thermal) per ISO week (its Monday) x machine (sharded counters)';
COMMENT ON COLUMN telemetrics.rollup_thermal.shard IS 'the backend that added these counts; 0 = folded';

-- Crashes: records with a guilty group (crash_state classified or
-- fallback; telemetrics.guilty, 50_classify.sql), per UTC day, guilty
-- group and build: what the top-crash lists read.
CREATE TABLE telemetrics.rollup_crashes (
	day				date		NOT NULL,
	guilty_id		integer		NOT NULL,
	build			text		COLLATE "C" NOT NULL,
	shard			integer		NOT NULL,
	crashes			bigint		NOT NULL,
	CONSTRAINT rollup_crashes_pkey PRIMARY KEY (day, guilty_id, build, shard)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.rollup_crashes IS
	'crashes per UTC day x guilty group x build (sharded counters; reclassification moves them)';
COMMENT ON COLUMN telemetrics.rollup_crashes.shard IS 'the backend that added these counts; 0 = folded';

-- Crashes per guilty group and build, all time: per-build counts of a
-- group, distinct machines, first and last day; "new in build".
CREATE TABLE telemetrics.guilty_builds (
	guilty_id		integer		NOT NULL,
	build			text		COLLATE "C" NOT NULL,
	shard			integer		NOT NULL,
	crashes			bigint		NOT NULL,
	machines		bigint		NOT NULL,
	first_day		date		NOT NULL,
	last_day		date		NOT NULL,
	CONSTRAINT guilty_builds_pkey PRIMARY KEY (guilty_id, build, shard)
) WITH (fillfactor = 70);
CREATE INDEX guilty_builds_build_idx ON telemetrics.guilty_builds (build, guilty_id);
COMMENT ON TABLE telemetrics.guilty_builds IS
	'crashes and distinct machines per guilty group x build since installation (sharded counters)';
COMMENT ON COLUMN telemetrics.guilty_builds.shard IS 'the backend that added these counts; 0 = folded';
COMMENT ON COLUMN telemetrics.guilty_builds.machines IS 'distinct machines (telemetrics.crash_machines rows) added by this shard';
COMMENT ON COLUMN telemetrics.guilty_builds.first_day IS 'first UTC day a crash was counted (after a reclassification, possibly earlier than the first remaining one)';
COMMENT ON COLUMN telemetrics.guilty_builds.last_day IS 'last UTC day a crash was counted (after a reclassification, possibly later than the last remaining one)';

-- The machines a guilty group crashed on, per build: a set (one row per
-- machine, not sharded), with the machine's crash count.
CREATE TABLE telemetrics.crash_machines (
	guilty_id		integer		NOT NULL,
	build			text		COLLATE "C" NOT NULL,
	machine_id		text		COLLATE "C" NOT NULL,
	crashes			bigint		NOT NULL,
	first_day		date		NOT NULL,
	last_day		date		NOT NULL,
	CONSTRAINT crash_machines_pkey PRIMARY KEY (guilty_id, build, machine_id)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.crash_machines IS
	'crashes per guilty group x build x machine since installation (one row per machine; reclassification moves them)';

-- MCE records (org.clearlinux/mce/* except thermal) per ISO week, machine,
-- build, class, status and bank (mce_status and mce_bank from the
-- classification trigger).
CREATE TABLE telemetrics.rollup_mce (
	week			date		NOT NULL,
	machine_id		text		COLLATE "C" NOT NULL,
	build			text		COLLATE "C" NOT NULL,
	classification	text		COLLATE "C" NOT NULL,
	status			text		COLLATE "C" NOT NULL,
	bank			integer		NOT NULL,
	shard			integer		NOT NULL,
	records			bigint		NOT NULL,
	CONSTRAINT rollup_mce_pkey PRIMARY KEY
		(week, machine_id, build, classification, status, bank, shard)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.rollup_mce IS
	'MCE records (org.clearlinux/mce/* but thermal) per ISO week x machine x build x class x status x bank (sharded counters)';
COMMENT ON COLUMN telemetrics.rollup_mce.status IS 'last 8 hex digits of the MCE status (records.mce_status); empty when none was found';
COMMENT ON COLUMN telemetrics.rollup_mce.bank IS 'machine-check bank (records.mce_bank); -1 when none was found';
COMMENT ON COLUMN telemetrics.rollup_mce.shard IS 'the backend that added these counts; 0 = folded';

-- ----------------------------------------------------------------------
-- Maintenance of the rollups
-- ----------------------------------------------------------------------

-- Crashes counted (k > 0) or taken away (k < 0) for a guilty group, build
-- and machine, received from first_day to last_day.
CREATE TYPE telemetrics.crash_delta AS (
	guilty_id	integer,
	build		text,
	machine_id	text,
	k			bigint,
	first_day	date,
	last_day	date
);
COMMENT ON TYPE telemetrics.crash_delta IS
	'crashes counted (k > 0) or uncounted (k < 0) for a guilty group, build and machine, received from first_day to last_day';

-- crash_machines_apply: apply crash deltas to telemetrics.crash_machines
-- (upserted in key order) and to guilty_builds (shard p_shard): a machine
-- whose count goes from 0 to positive is a new machine of the group and
-- build, one whose count drops to 0 is removed.  Called by the triggers
-- with the deltas of one statement.
CREATE FUNCTION telemetrics.crash_machines_apply(p_deltas telemetrics.crash_delta[], p_shard integer)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF cardinality(p_deltas) = 0 THEN
		RETURN;
	END IF;
	WITH c AS (
		SELECT d.guilty_id, d.build COLLATE "C" AS build, d.machine_id COLLATE "C" AS machine_id,
			   sum(d.k) AS n, min(d.first_day) AS d0, max(d.last_day) AS d1
		FROM unnest(p_deltas) d
		GROUP BY 1, 2, 3
		HAVING sum(d.k) <> 0),
	up AS (
		INSERT INTO telemetrics.crash_machines AS m
			(guilty_id, build, machine_id, crashes, first_day, last_day)
		SELECT c.guilty_id, c.build, c.machine_id, c.n, c.d0, c.d1
		FROM c
		ORDER BY c.guilty_id, c.build, c.machine_id
		ON CONFLICT (guilty_id, build, machine_id) DO UPDATE
			SET crashes = m.crashes + excluded.crashes,
				first_day = least(m.first_day, excluded.first_day),
				last_day = greatest(m.last_day, excluded.last_day)
		RETURNING m.guilty_id, m.build, m.machine_id, m.crashes)
	INSERT INTO telemetrics.guilty_builds AS t
		(guilty_id, build, shard, crashes, machines, first_day, last_day)
	SELECT c.guilty_id, c.build, p_shard, sum(c.n),
		   count(*) FILTER (WHERE u.crashes - c.n <= 0 AND u.crashes > 0)
		   - count(*) FILTER (WHERE u.crashes - c.n > 0 AND u.crashes <= 0),
		   min(c.d0), max(c.d1)
	FROM c
	JOIN up u ON u.guilty_id = c.guilty_id AND u.build = c.build AND u.machine_id = c.machine_id
	GROUP BY c.guilty_id, c.build
	ON CONFLICT (guilty_id, build, shard) DO UPDATE
		SET crashes = t.crashes + excluded.crashes,
			machines = t.machines + excluded.machines,
			first_day = least(t.first_day, excluded.first_day),
			last_day = greatest(t.last_day, excluded.last_day);

	-- machines that no longer have a crash of the group
	DELETE FROM telemetrics.crash_machines m
	USING (SELECT DISTINCT d.guilty_id, d.build, d.machine_id FROM unnest(p_deltas) d WHERE d.k < 0) c
	WHERE m.guilty_id = c.guilty_id AND m.build = c.build AND m.machine_id = c.machine_id
	  AND m.crashes <= 0;
END
$$;
COMMENT ON FUNCTION telemetrics.crash_machines_apply(telemetrics.crash_delta[], integer) IS
	'trigger helper: count crashes in telemetrics.crash_machines and telemetrics.guilty_builds';

-- The insert trigger.  Counters are computed in one pass over the
-- transition table.  Population is counted per UTC day present in the
-- statement (nearly always one): a machine counts for a day the first time
-- it is seen that day.  A record received for a day earlier than the
-- machine's last day (a back-dated insert) does not count for that earlier
-- day; ingest always stores records with the current time.
CREATE FUNCTION telemetrics.records_rollup_insert()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_shard	integer := telemetrics.backend_shard();
	v_day	date;
	v_lo	timestamptz;
	v_hi	timestamptz;
BEGIN
	-- counters: one pass over the transition table (narrow columns only)
	WITH src AS MATERIALIZED (
		SELECT (n.received_at AT TIME ZONE 'UTC')::date AS day,
			   n.build, n.classification, n.severity,
			   COALESCE(n.system_name, '') AS system_name, n.external, n.arch,
			   n.host_type, n.machine_id, n.guilty_id, n.mce_status, n.mce_bank
		FROM new_rows n),
	ins_crashes AS (
		INSERT INTO telemetrics.rollup_crashes AS t (day, guilty_id, build, shard, crashes)
		SELECT s.day, s.guilty_id, s.build, v_shard, count(*)
		FROM src s
		WHERE s.guilty_id IS NOT NULL
		GROUP BY s.day, s.guilty_id, s.build
		ON CONFLICT (day, guilty_id, build, shard)
		DO UPDATE SET crashes = t.crashes + excluded.crashes),
	ins_mce AS (
		INSERT INTO telemetrics.rollup_mce AS t
			(week, machine_id, build, classification, status, bank, shard, records)
		SELECT date_trunc('week', s.day)::date, s.machine_id, s.build, s.classification,
			   COALESCE(s.mce_status, ''), COALESCE(s.mce_bank, -1), v_shard, count(*)
		FROM src s
		WHERE s.classification LIKE 'org.clearlinux/mce/%'
		  AND s.classification <> 'org.clearlinux/mce/thermal'
		GROUP BY 1, 2, 3, 4, 5, 6
		ON CONFLICT (week, machine_id, build, classification, status, bank, shard)
		DO UPDATE SET records = t.records + excluded.records),
	r AS (
		SELECT s.day, s.build, s.classification, s.severity, s.system_name, s.external, s.arch,
			   count(*) AS n
		FROM src s
		GROUP BY s.day, s.build, s.classification, s.severity, s.system_name, s.external, s.arch),
	p AS (
		SELECT s.day, s.host_type, count(*) AS n
		FROM src s
		GROUP BY s.day, s.host_type),
	ins_records AS (
		INSERT INTO telemetrics.rollup_records AS t
			(day, build, classification, severity, system_name, external, arch,
			 shard, received, stored)
		SELECT r.day, r.build, r.classification, r.severity, r.system_name,
			   r.external, r.arch, v_shard, r.n, r.n
		FROM r
		ON CONFLICT (day, build, classification, severity, system_name, external, arch, shard)
		DO UPDATE SET received = t.received + excluded.received,
					  stored = t.stored + excluded.stored),
	ins_platforms AS (
		INSERT INTO telemetrics.rollup_platforms AS t (day, host_type, shard, received)
		SELECT p.day, p.host_type, v_shard, p.n
		FROM p
		ON CONFLICT (day, host_type, shard)
		DO UPDATE SET received = t.received + excluded.received),
	ins_thermal AS (
		INSERT INTO telemetrics.rollup_thermal AS t (week, machine_id, shard, records)
		SELECT date_trunc('week', s.day)::date, s.machine_id, v_shard, count(*)
		FROM src s
		WHERE s.classification = 'org.clearlinux/mce/thermal'
		GROUP BY 1, 2
		ON CONFLICT (week, machine_id, shard)
		DO UPDATE SET records = t.records + excluded.records)
	-- all-time totals, from the grouped rows
	INSERT INTO telemetrics.rollup_totals AS t (dimension, value, detail, shard, received)
	SELECT g.dimension, g.value, g.detail, v_shard, g.n
	FROM (
		SELECT CASE WHEN GROUPING(r.build) = 0 AND GROUPING(r.system_name) = 0 THEN 'os_build'
					WHEN GROUPING(r.build) = 0 THEN 'build'
					WHEN GROUPING(r.classification) = 0 THEN 'classification'
					WHEN GROUPING(r.severity) = 0 THEN 'severity'
					WHEN GROUPING(r.arch) = 0 THEN 'arch'
					WHEN GROUPING(r.system_name) = 0 THEN 'os'
					ELSE 'source' END AS dimension,
			   CASE WHEN GROUPING(r.build) = 0 AND GROUPING(r.system_name) = 0 THEN r.system_name
					WHEN GROUPING(r.build) = 0 THEN r.build
					WHEN GROUPING(r.classification) = 0 THEN r.classification
					WHEN GROUPING(r.severity) = 0 THEN r.severity::text
					WHEN GROUPING(r.arch) = 0 THEN r.arch
					WHEN GROUPING(r.system_name) = 0 THEN r.system_name
					WHEN r.external THEN 'external' ELSE 'internal' END AS value,
			   CASE WHEN GROUPING(r.build) = 0 AND GROUPING(r.system_name) = 0 THEN r.build
					ELSE '' END AS detail,
			   sum(r.n) AS n
		FROM r
		GROUP BY GROUPING SETS ((r.build), (r.classification), (r.severity), (r.arch),
								(r.system_name), (r.external), (r.system_name, r.build))
		UNION ALL
		SELECT 'platform', p.host_type, '', sum(p.n)
		FROM p
		GROUP BY p.host_type) g
	ON CONFLICT (dimension, value, detail, shard)
	DO UPDATE SET received = t.received + excluded.received;

	-- crashes per guilty group, build and machine (a set: not sharded; in
	-- key order, so concurrent statements cannot deadlock on it)
	PERFORM telemetrics.crash_machines_apply(
		ARRAY(SELECT ROW(n.guilty_id, n.build, n.machine_id, count(*),
						 min((n.received_at AT TIME ZONE 'UTC')::date),
						 max((n.received_at AT TIME ZONE 'UTC')::date))::telemetrics.crash_delta
			  FROM new_rows n WHERE n.guilty_id IS NOT NULL
			  GROUP BY n.guilty_id, n.build, n.machine_id), v_shard);

	-- population: the sets of machines, per day present in the statement
	FOR v_day IN
		SELECT DISTINCT (n.received_at AT TIME ZONE 'UTC')::date FROM new_rows n ORDER BY 1
	LOOP
		v_lo := v_day::timestamp AT TIME ZONE 'UTC';
		v_hi := (v_day + 1)::timestamp AT TIME ZONE 'UTC';

		WITH b AS (
			SELECT DISTINCT n.build, n.machine_id, n.external
			FROM new_rows n
			WHERE n.received_at >= v_lo AND n.received_at < v_hi),
		fresh AS (
			SELECT b.build, b.machine_id, b.external
			FROM b
			WHERE NOT EXISTS (
				SELECT FROM telemetrics.machine_builds m
				WHERE m.build = b.build AND m.machine_id = b.machine_id
				  AND m.external = b.external AND m.last_day >= v_day)),
		up AS (
			INSERT INTO telemetrics.machine_builds AS m
				(build, machine_id, external, first_day, last_day, prev_day)
			SELECT f.build, f.machine_id, f.external, v_day, v_day, NULL
			FROM fresh f
			ORDER BY f.build, f.machine_id, f.external
			ON CONFLICT (build, machine_id, external) DO UPDATE
				SET prev_day = m.last_day, last_day = excluded.last_day
				WHERE m.last_day < excluded.last_day
			RETURNING m.build, m.external, m.prev_day),
		days AS (
			INSERT INTO telemetrics.population_build_days AS t (day, build, external, shard, machines)
			SELECT v_day, u.build, u.external, v_shard, count(*)
			FROM up u
			GROUP BY u.build, u.external
			ON CONFLICT (day, build, external, shard)
			DO UPDATE SET machines = t.machines + excluded.machines)
		INSERT INTO telemetrics.population_build_last AS t (build, external, last_day, shard, machines)
		SELECT x.build, x.external, x.d, v_shard, sum(x.k)
		FROM (SELECT u.build, u.external, v_day AS d, 1 AS k FROM up u
			  UNION ALL
			  SELECT u.build, u.external, u.prev_day, -1 FROM up u WHERE u.prev_day IS NOT NULL) x
		GROUP BY x.build, x.external, x.d
		ON CONFLICT (build, external, last_day, shard)
		DO UPDATE SET machines = t.machines + excluded.machines;

		WITH b AS (
			SELECT DISTINCT n.machine_id, n.external
			FROM new_rows n
			WHERE n.received_at >= v_lo AND n.received_at < v_hi),
		fresh AS (
			SELECT b.machine_id, b.external
			FROM b
			WHERE NOT EXISTS (
				SELECT FROM telemetrics.machine_activity m
				WHERE m.machine_id = b.machine_id AND m.external = b.external
				  AND m.last_day >= v_day)),
		up AS (
			INSERT INTO telemetrics.machine_activity AS m
				(machine_id, external, first_day, last_day, prev_day)
			SELECT f.machine_id, f.external, v_day, v_day, NULL
			FROM fresh f
			ORDER BY f.machine_id, f.external
			ON CONFLICT (machine_id, external) DO UPDATE
				SET prev_day = m.last_day, last_day = excluded.last_day
				WHERE m.last_day < excluded.last_day
			RETURNING m.external, m.prev_day),
		days AS (
			INSERT INTO telemetrics.population_days AS t (day, external, shard, machines)
			SELECT v_day, u.external, v_shard, count(*)
			FROM up u
			GROUP BY u.external
			ON CONFLICT (day, external, shard)
			DO UPDATE SET machines = t.machines + excluded.machines)
		INSERT INTO telemetrics.population_last AS t (external, last_day, shard, machines)
		SELECT x.external, x.d, v_shard, sum(x.k)
		FROM (SELECT u.external, v_day AS d, 1 AS k FROM up u
			  UNION ALL
			  SELECT u.external, u.prev_day, -1 FROM up u WHERE u.prev_day IS NOT NULL) x
		GROUP BY x.external, x.d
		ON CONFLICT (external, last_day, shard)
		DO UPDATE SET machines = t.machines + excluded.machines;
	END LOOP;

	RETURN NULL;
END
$$;
COMMENT ON FUNCTION telemetrics.records_rollup_insert() IS
	'trigger: add a statement''s new records to the rollups and the population sets';

-- An UPDATE moves counts: each changed record is subtracted with its old
-- values and added with its new ones.  Population sets are not touched.
CREATE FUNCTION telemetrics.records_rollup_update()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_shard	integer := telemetrics.backend_shard();
BEGIN
	WITH src AS MATERIALIZED (
		SELECT (n.received_at AT TIME ZONE 'UTC')::date AS day,
			   n.build, n.classification, n.severity,
			   COALESCE(n.system_name, '') AS system_name, n.external, n.arch,
			   n.host_type, n.machine_id, n.guilty_id, n.mce_status, n.mce_bank, 1 AS k
		FROM new_rows n
		UNION ALL
		SELECT (o.received_at AT TIME ZONE 'UTC')::date,
			   o.build, o.classification, o.severity,
			   COALESCE(o.system_name, ''), o.external, o.arch,
			   o.host_type, o.machine_id, o.guilty_id, o.mce_status, o.mce_bank, -1
		FROM old_rows o),
	ins_crashes AS (
		INSERT INTO telemetrics.rollup_crashes AS t (day, guilty_id, build, shard, crashes)
		SELECT s.day, s.guilty_id, s.build, v_shard, sum(s.k)
		FROM src s
		WHERE s.guilty_id IS NOT NULL
		GROUP BY s.day, s.guilty_id, s.build
		HAVING sum(s.k) <> 0
		ON CONFLICT (day, guilty_id, build, shard)
		DO UPDATE SET crashes = t.crashes + excluded.crashes),
	ins_mce AS (
		INSERT INTO telemetrics.rollup_mce AS t
			(week, machine_id, build, classification, status, bank, shard, records)
		SELECT date_trunc('week', s.day)::date, s.machine_id, s.build, s.classification,
			   COALESCE(s.mce_status, ''), COALESCE(s.mce_bank, -1), v_shard, sum(s.k)
		FROM src s
		WHERE s.classification LIKE 'org.clearlinux/mce/%'
		  AND s.classification <> 'org.clearlinux/mce/thermal'
		GROUP BY 1, 2, 3, 4, 5, 6
		HAVING sum(s.k) <> 0
		ON CONFLICT (week, machine_id, build, classification, status, bank, shard)
		DO UPDATE SET records = t.records + excluded.records),
	ins_records AS (
		INSERT INTO telemetrics.rollup_records AS t
			(day, build, classification, severity, system_name, external, arch,
			 shard, received, stored)
		SELECT s.day, s.build, s.classification, s.severity, s.system_name,
			   s.external, s.arch, v_shard, sum(s.k), sum(s.k)
		FROM src s
		GROUP BY s.day, s.build, s.classification, s.severity, s.system_name,
				 s.external, s.arch
		HAVING sum(s.k) <> 0
		ON CONFLICT (day, build, classification, severity, system_name, external, arch, shard)
		DO UPDATE SET received = t.received + excluded.received,
					  stored = t.stored + excluded.stored),
	ins_platforms AS (
		INSERT INTO telemetrics.rollup_platforms AS t (day, host_type, shard, received)
		SELECT s.day, s.host_type, v_shard, sum(s.k)
		FROM src s
		GROUP BY s.day, s.host_type
		HAVING sum(s.k) <> 0
		ON CONFLICT (day, host_type, shard)
		DO UPDATE SET received = t.received + excluded.received),
	ins_thermal AS (
		INSERT INTO telemetrics.rollup_thermal AS t (week, machine_id, shard, records)
		SELECT date_trunc('week', s.day)::date, s.machine_id, v_shard, sum(s.k)
		FROM src s
		WHERE s.classification = 'org.clearlinux/mce/thermal'
		GROUP BY 1, 2
		HAVING sum(s.k) <> 0
		ON CONFLICT (week, machine_id, shard)
		DO UPDATE SET records = t.records + excluded.records)
	INSERT INTO telemetrics.rollup_totals AS t (dimension, value, detail, shard, received)
	SELECT g.dimension, g.value, g.detail, v_shard, g.n
	FROM (
		SELECT CASE WHEN GROUPING(s.build) = 0 AND GROUPING(s.system_name) = 0 THEN 'os_build'
					WHEN GROUPING(s.build) = 0 THEN 'build'
					WHEN GROUPING(s.classification) = 0 THEN 'classification'
					WHEN GROUPING(s.severity) = 0 THEN 'severity'
					WHEN GROUPING(s.arch) = 0 THEN 'arch'
					WHEN GROUPING(s.host_type) = 0 THEN 'platform'
					WHEN GROUPING(s.system_name) = 0 THEN 'os'
					ELSE 'source' END AS dimension,
			   CASE WHEN GROUPING(s.build) = 0 AND GROUPING(s.system_name) = 0 THEN s.system_name
					WHEN GROUPING(s.build) = 0 THEN s.build
					WHEN GROUPING(s.classification) = 0 THEN s.classification
					WHEN GROUPING(s.severity) = 0 THEN s.severity::text
					WHEN GROUPING(s.arch) = 0 THEN s.arch
					WHEN GROUPING(s.host_type) = 0 THEN s.host_type
					WHEN GROUPING(s.system_name) = 0 THEN s.system_name
					WHEN s.external THEN 'external' ELSE 'internal' END AS value,
			   CASE WHEN GROUPING(s.build) = 0 AND GROUPING(s.system_name) = 0 THEN s.build
					ELSE '' END AS detail,
			   sum(s.k) AS n
		FROM src s
		GROUP BY GROUPING SETS ((s.build), (s.classification), (s.severity), (s.arch),
								(s.host_type), (s.system_name), (s.external),
								(s.system_name, s.build))
		HAVING sum(s.k) <> 0) g
	ON CONFLICT (dimension, value, detail, shard)
	DO UPDATE SET received = t.received + excluded.received;

	-- crashes per guilty group, build and machine move with the records
	PERFORM telemetrics.crash_machines_apply(
		ARRAY(SELECT ROW(x.guilty_id, x.build, x.machine_id, sum(x.k), min(x.day),
						 max(x.day))::telemetrics.crash_delta
			  FROM (SELECT n.guilty_id, n.build, n.machine_id, 1 AS k,
						   (n.received_at AT TIME ZONE 'UTC')::date AS day
					FROM new_rows n WHERE n.guilty_id IS NOT NULL
					UNION ALL
					SELECT o.guilty_id, o.build, o.machine_id, -1,
						   (o.received_at AT TIME ZONE 'UTC')::date
					FROM old_rows o WHERE o.guilty_id IS NOT NULL) x
			  GROUP BY x.guilty_id, x.build, x.machine_id
			  HAVING sum(x.k) <> 0), v_shard);

	RETURN NULL;
END
$$;
COMMENT ON FUNCTION telemetrics.records_rollup_update() IS
	'trigger: move the counts of updated records from their old values to their new ones';

-- A DELETE lowers the stored counts and drops the duplicate-detection keys
-- of the deleted records; the history stays.
CREATE FUNCTION telemetrics.records_rollup_delete()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_shard	integer := telemetrics.backend_shard();
BEGIN
	INSERT INTO telemetrics.rollup_records AS t
		(day, build, classification, severity, system_name, external, arch,
		 shard, received, stored)
	SELECT (o.received_at AT TIME ZONE 'UTC')::date, o.build, o.classification,
		   o.severity, COALESCE(o.system_name, ''), o.external, o.arch,
		   v_shard, 0, -count(*)
	FROM old_rows o
	GROUP BY 1, 2, 3, 4, 5, 6, 7
	ON CONFLICT (day, build, classification, severity, system_name, external, arch, shard)
	DO UPDATE SET stored = t.stored + excluded.stored;

	DELETE FROM telemetrics.record_keys k
	USING old_rows o
	WHERE o.record_version = 4
	  AND k.event_id = CASE WHEN o.event_id ~ '^[0-9a-f]{32}$' THEN o.event_id::uuid END
	  AND k.machine_id = o.machine_id
	  AND k.record_id = o.id;

	RETURN NULL;
END
$$;
COMMENT ON FUNCTION telemetrics.records_rollup_delete() IS
	'trigger: lower the stored counts of deleted records and delete their duplicate-detection keys';

CREATE FUNCTION telemetrics.records_rollup_truncate()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_shard	integer := telemetrics.backend_shard();
BEGIN
	INSERT INTO telemetrics.rollup_records AS t
		(day, build, classification, severity, system_name, external, arch,
		 shard, received, stored)
	SELECT r.day, r.build, r.classification, r.severity, r.system_name,
		   r.external, r.arch, v_shard, 0, -sum(r.stored)
	FROM telemetrics.rollup_records r
	GROUP BY r.day, r.build, r.classification, r.severity, r.system_name, r.external, r.arch
	HAVING sum(r.stored) <> 0
	ON CONFLICT (day, build, classification, severity, system_name, external, arch, shard)
	DO UPDATE SET stored = t.stored + excluded.stored;
	DELETE FROM telemetrics.record_keys;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION telemetrics.records_rollup_truncate() IS
	'trigger: after TRUNCATE of telemetrics.records, stored counts are zero and no key remains';

CREATE TRIGGER records_rollup_insert
	AFTER INSERT ON telemetrics.records
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION telemetrics.records_rollup_insert();
CREATE TRIGGER records_rollup_update
	AFTER UPDATE ON telemetrics.records
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION telemetrics.records_rollup_update();
CREATE TRIGGER records_rollup_delete
	AFTER DELETE ON telemetrics.records
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION telemetrics.records_rollup_delete();
CREATE TRIGGER records_rollup_truncate
	AFTER TRUNCATE ON telemetrics.records
	FOR EACH STATEMENT EXECUTE FUNCTION telemetrics.records_rollup_truncate();

-- fold_rollups: merge the shards of days before p_before into shard 0 and
-- drop counter rows that are zero.  Keeps the rollups at about one row per
-- key for the past, whatever the number of ingesting backends.  Safe while
-- ingest runs: ingest writes today's rows (and the all-time totals, which
-- this folds too: a backend that adds to a total while it is being folded
-- waits for this transaction, which is short).  Returns the rows removed.
CREATE FUNCTION telemetrics.fold_rollups(p_before date DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_before	date := COALESCE(p_before, (now() AT TIME ZONE 'UTC')::date - 1);
	v_removed	bigint := 0;
	v_n			bigint;
BEGIN
	-- one folder at a time
	PERFORM pg_advisory_xact_lock(hashtext('telemetrics.fold_rollups'));

	WITH d AS (
		DELETE FROM telemetrics.rollup_records
		WHERE day < v_before AND (shard <> 0 OR (received = 0 AND stored = 0))
		RETURNING *),
	g AS (
		SELECT day, build, classification, severity, system_name, external, arch,
			   sum(received) AS received, sum(stored) AS stored, count(*) AS n
		FROM d GROUP BY 1, 2, 3, 4, 5, 6, 7),
	i AS (
		INSERT INTO telemetrics.rollup_records AS t
			(day, build, classification, severity, system_name, external, arch,
			 shard, received, stored)
		SELECT day, build, classification, severity, system_name, external, arch,
			   0, received, stored
		FROM g WHERE received <> 0 OR stored <> 0
		ON CONFLICT (day, build, classification, severity, system_name, external, arch, shard)
		DO UPDATE SET received = t.received + excluded.received,
					  stored = t.stored + excluded.stored
		RETURNING 1)
	SELECT (SELECT count(*) FROM d) - (SELECT count(*) FROM i) INTO v_n;
	v_removed := v_removed + v_n;

	WITH d AS (
		DELETE FROM telemetrics.rollup_platforms
		WHERE day < v_before AND (shard <> 0 OR received = 0)
		RETURNING *),
	i AS (
		INSERT INTO telemetrics.rollup_platforms AS t (day, host_type, shard, received)
		SELECT day, host_type, 0, sum(received) FROM d
		GROUP BY day, host_type HAVING sum(received) <> 0
		ON CONFLICT (day, host_type, shard)
		DO UPDATE SET received = t.received + excluded.received
		RETURNING 1)
	SELECT (SELECT count(*) FROM d) - (SELECT count(*) FROM i) INTO v_n;
	v_removed := v_removed + v_n;

	WITH d AS (
		DELETE FROM telemetrics.rollup_totals
		WHERE shard <> 0 OR received = 0
		RETURNING *),
	i AS (
		INSERT INTO telemetrics.rollup_totals AS t (dimension, value, detail, shard, received)
		SELECT dimension, value, detail, 0, sum(received) FROM d
		GROUP BY dimension, value, detail HAVING sum(received) <> 0
		ON CONFLICT (dimension, value, detail, shard)
		DO UPDATE SET received = t.received + excluded.received
		RETURNING 1)
	SELECT (SELECT count(*) FROM d) - (SELECT count(*) FROM i) INTO v_n;
	v_removed := v_removed + v_n;

	WITH d AS (
		DELETE FROM telemetrics.population_build_days
		WHERE day < v_before AND (shard <> 0 OR machines = 0)
		RETURNING *),
	i AS (
		INSERT INTO telemetrics.population_build_days AS t (day, build, external, shard, machines)
		SELECT day, build, external, 0, sum(machines) FROM d
		GROUP BY day, build, external HAVING sum(machines) <> 0
		ON CONFLICT (day, build, external, shard)
		DO UPDATE SET machines = t.machines + excluded.machines
		RETURNING 1)
	SELECT (SELECT count(*) FROM d) - (SELECT count(*) FROM i) INTO v_n;
	v_removed := v_removed + v_n;

	WITH d AS (
		DELETE FROM telemetrics.population_build_last
		WHERE last_day < v_before AND (shard <> 0 OR machines = 0)
		RETURNING *),
	i AS (
		INSERT INTO telemetrics.population_build_last AS t (build, external, last_day, shard, machines)
		SELECT build, external, last_day, 0, sum(machines) FROM d
		GROUP BY build, external, last_day HAVING sum(machines) <> 0
		ON CONFLICT (build, external, last_day, shard)
		DO UPDATE SET machines = t.machines + excluded.machines
		RETURNING 1)
	SELECT (SELECT count(*) FROM d) - (SELECT count(*) FROM i) INTO v_n;
	v_removed := v_removed + v_n;

	WITH d AS (
		DELETE FROM telemetrics.population_days
		WHERE day < v_before AND (shard <> 0 OR machines = 0)
		RETURNING *),
	i AS (
		INSERT INTO telemetrics.population_days AS t (day, external, shard, machines)
		SELECT day, external, 0, sum(machines) FROM d
		GROUP BY day, external HAVING sum(machines) <> 0
		ON CONFLICT (day, external, shard)
		DO UPDATE SET machines = t.machines + excluded.machines
		RETURNING 1)
	SELECT (SELECT count(*) FROM d) - (SELECT count(*) FROM i) INTO v_n;
	v_removed := v_removed + v_n;

	WITH d AS (
		DELETE FROM telemetrics.population_last
		WHERE last_day < v_before AND (shard <> 0 OR machines = 0)
		RETURNING *),
	i AS (
		INSERT INTO telemetrics.population_last AS t (external, last_day, shard, machines)
		SELECT external, last_day, 0, sum(machines) FROM d
		GROUP BY external, last_day HAVING sum(machines) <> 0
		ON CONFLICT (external, last_day, shard)
		DO UPDATE SET machines = t.machines + excluded.machines
		RETURNING 1)
	SELECT (SELECT count(*) FROM d) - (SELECT count(*) FROM i) INTO v_n;
	v_removed := v_removed + v_n;

	WITH d AS (
		DELETE FROM telemetrics.rollup_thermal
		WHERE week < date_trunc('week', v_before)::date AND (shard <> 0 OR records = 0)
		RETURNING *),
	i AS (
		INSERT INTO telemetrics.rollup_thermal AS t (week, machine_id, shard, records)
		SELECT week, machine_id, 0, sum(records) FROM d
		GROUP BY week, machine_id HAVING sum(records) <> 0
		ON CONFLICT (week, machine_id, shard)
		DO UPDATE SET records = t.records + excluded.records
		RETURNING 1)
	SELECT (SELECT count(*) FROM d) - (SELECT count(*) FROM i) INTO v_n;
	v_removed := v_removed + v_n;

	WITH d AS (
		DELETE FROM telemetrics.rollup_crashes
		WHERE day < v_before AND (shard <> 0 OR crashes = 0)
		RETURNING *),
	i AS (
		INSERT INTO telemetrics.rollup_crashes AS t (day, guilty_id, build, shard, crashes)
		SELECT day, guilty_id, build, 0, sum(crashes) FROM d
		GROUP BY day, guilty_id, build HAVING sum(crashes) <> 0
		ON CONFLICT (day, guilty_id, build, shard)
		DO UPDATE SET crashes = t.crashes + excluded.crashes
		RETURNING 1)
	SELECT (SELECT count(*) FROM d) - (SELECT count(*) FROM i) INTO v_n;
	v_removed := v_removed + v_n;

	WITH d AS (
		DELETE FROM telemetrics.guilty_builds
		WHERE shard <> 0 OR (crashes = 0 AND machines = 0)
		RETURNING *),
	i AS (
		INSERT INTO telemetrics.guilty_builds AS t
			(guilty_id, build, shard, crashes, machines, first_day, last_day)
		SELECT guilty_id, build, 0, sum(crashes), sum(machines), min(first_day), max(last_day) FROM d
		GROUP BY guilty_id, build HAVING sum(crashes) <> 0 OR sum(machines) <> 0
		ON CONFLICT (guilty_id, build, shard)
		DO UPDATE SET crashes = t.crashes + excluded.crashes,
					  machines = t.machines + excluded.machines,
					  first_day = least(t.first_day, excluded.first_day),
					  last_day = greatest(t.last_day, excluded.last_day)
		RETURNING 1)
	SELECT (SELECT count(*) FROM d) - (SELECT count(*) FROM i) INTO v_n;
	v_removed := v_removed + v_n;

	WITH d AS (
		DELETE FROM telemetrics.rollup_mce
		WHERE week < date_trunc('week', v_before)::date AND (shard <> 0 OR records = 0)
		RETURNING *),
	i AS (
		INSERT INTO telemetrics.rollup_mce AS t
			(week, machine_id, build, classification, status, bank, shard, records)
		SELECT week, machine_id, build, classification, status, bank, 0, sum(records) FROM d
		GROUP BY week, machine_id, build, classification, status, bank HAVING sum(records) <> 0
		ON CONFLICT (week, machine_id, build, classification, status, bank, shard)
		DO UPDATE SET records = t.records + excluded.records
		RETURNING 1)
	SELECT (SELECT count(*) FROM d) - (SELECT count(*) FROM i) INTO v_n;
	v_removed := v_removed + v_n;

	RETURN v_removed;
END
$$;
COMMENT ON FUNCTION telemetrics.fold_rollups(date) IS
	'merge the rollup shards of days before p_before (default: yesterday) into shard 0; returns how many rows that removed';

-- pg_dump keeps the rollups: they are history, not derived from what is
-- still stored.
SELECT pg_catalog.pg_extension_config_dump('telemetrics.rollup_records', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.rollup_platforms', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.rollup_totals', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.machine_builds', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.machine_activity', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.population_build_days', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.population_build_last', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.population_days', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.population_last', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.rollup_thermal', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.rollup_crashes', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.guilty_builds', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.crash_machines', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.rollup_mce', '');
