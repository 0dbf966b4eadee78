-- Rollups: what the dashboards and the query API read instead of the
-- records (reference-backend.md sections 5 and 9.3).
--
-- Maintained by statement-level triggers on telemetrics.records with
-- transition tables: one ingest_batch() call (one INSERT statement) runs
-- each trigger once, whatever the number of records.
--
-- Write path.  Ingest never updates a rollup row.  Each statement groups
-- its records and appends ONE row to telemetrics.rollup_deltas: an array
-- of counts per rollup (typed arrays of the rollup tables' row types).
-- Appending takes no row lock, so concurrent ingest transactions never
-- wait for each other on a hot counter ("today x build x class").
-- telemetrics.compact_rollups() folds the committed deltas into the rollup
-- tables in one transaction, adding up many batches per key.  It runs
--   * from the triggers, at most once per telemetrics.rollup_compact_interval
--     per backend (default 2 s), and only if no other backend is compacting
--     (a try-lock: ingest never waits for a compaction);
--   * from telemetrics.maintenance() (daily) and whenever called.
-- Read path.  The *_v views add the pending deltas to the rollup tables,
-- so readers always see exact counts, committed atomically with the
-- records; compaction only bounds how many deltas they add up.
--
-- Distinct machines (population) are sets, not counters: one row per
-- (build, machine) and per machine with the last day it was seen.  The
-- trigger first looks, without locking, for the machines already seen
-- that day; only the others are upserted, in key order, once per machine,
-- build and day; the population counters derived from them go through the
-- deltas like the others.
--
-- What changes a rollup:
--   INSERT    everything.
--   UPDATE    moves the record's counts from its old values to its new ones
--             (received, stored, crashes per guilty group and machine, MCE,
--             thermal).  Reclassification (UPDATE ... SET guilty_id) moves
--             crash counts between guilty groups this way.  Population sets
--             do not move: a machine that was seen stays seen.
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
--
-- Upgrades: telemetrics.rollup_deltas stores arrays of the rollup tables'
-- row types, so an upgrade script that alters a rollup table must first
-- run compact_rollups() and recreate rollup_deltas around the change.

CREATE FUNCTION telemetrics.rollup_compact_due()
RETURNS boolean
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'telemetrics_rollup_compact_due';
COMMENT ON FUNCTION telemetrics.rollup_compact_due() IS
	'true at most once per telemetrics.rollup_compact_interval in this backend: time for ingest to try a compaction';

-- Numeric builds (the reference's "^[0-9]+$" builds), as numbers for
-- ordering; NULL for any other build.  Evaluated per row, so it never
-- depends on the order in which a WHERE clause is evaluated (the
-- reference's CAST(build AS INTEGER) next to a regex guard did).  Not
-- STRICT, so that the planner inlines it (a STRICT SQL function whose body
-- is a CASE is called per row instead).
CREATE FUNCTION telemetrics.build_number(p_build text)
RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
	SELECT CASE WHEN p_build OPERATOR(pg_catalog.~) '^[0-9]{1,18}$' THEN p_build::bigint END
$$;
COMMENT ON FUNCTION telemetrics.build_number(text) IS
	'a numeric build as a number (NULL when the build is not all digits)';

-- Rings (rollup.c): the daily counts of the last 32 days in one bigint[]
-- of 34 elements: the last day, the counts (oldest first), and the sum of
-- the counts of earlier days (retired when they leave the 32 days).
CREATE FUNCTION telemetrics.ring_of(p_day date, p_n bigint)
RETURNS bigint[]
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'telemetrics_ring_of';
COMMENT ON FUNCTION telemetrics.ring_of(date, bigint) IS
	'a ring of daily counts with p_n on p_day';

CREATE FUNCTION telemetrics.ring_merge(p_a bigint[], p_b bigint[])
RETURNS bigint[]
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'telemetrics_ring_merge';
COMMENT ON FUNCTION telemetrics.ring_merge(bigint[], bigint[]) IS
	'the sum of two rings of daily counts, aligned on the later last day (NULL is an empty ring)';

CREATE AGGREGATE telemetrics.ring_merge_agg(bigint[]) (
	SFUNC = telemetrics.ring_merge,
	STYPE = bigint[],
	COMBINEFUNC = telemetrics.ring_merge,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE telemetrics.ring_merge_agg(bigint[]) IS
	'the sum of rings of daily counts';

CREATE FUNCTION telemetrics.ring_window(p_ring bigint[], p_from date)
RETURNS bigint
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'telemetrics_ring_window';
COMMENT ON FUNCTION telemetrics.ring_window(bigint[], date) IS
	'the sum of a ring''s counts from p_from to its last day (exact for windows of at most 32 days ending today)';

CREATE FUNCTION telemetrics.ring_total(p_ring bigint[])
RETURNS bigint
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'telemetrics_ring_total';
COMMENT ON FUNCTION telemetrics.ring_total(bigint[]) IS
	'all the counts ever added to a ring: its 32 days and the retired count of earlier days';

CREATE FUNCTION telemetrics.ring_last_day(p_ring bigint[])
RETURNS date
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'telemetrics_ring_last_day';
COMMENT ON FUNCTION telemetrics.ring_last_day(bigint[]) IS
	'the day of a ring''s last count';

-- ----------------------------------------------------------------------
-- Rollup tables (one row per key; written only by compact_rollups() and
-- the purge).  fillfactor 70 leaves room on each page, so that the
-- compaction's updates stay HOT (no index update).
-- ----------------------------------------------------------------------

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
	received		bigint		NOT NULL,
	stored			bigint		NOT NULL,
	CONSTRAINT rollup_records_pkey PRIMARY KEY
		(day, build, classification, severity, system_name, external, arch)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.rollup_records IS
	'records per UTC day x build x classification x severity x OS x source x arch';
COMMENT ON COLUMN telemetrics.rollup_records.system_name IS 'System-Name; empty for records without one';
COMMENT ON COLUMN telemetrics.rollup_records.received IS 'records received (history: deletes do not lower it)';
COMMENT ON COLUMN telemetrics.rollup_records.stored IS 'records still stored (deletes and the purge lower it)';

-- Records per UTC day and platform (Host-Type), for stats windows longer
-- than 32 days.  Kept apart from rollup_records because platforms are
-- many, and filled by the daily maintenance from platform_recent (the
-- days it holds that are complete), not by every compaction.
CREATE TABLE telemetrics.rollup_platforms (
	day				date		NOT NULL,
	host_type		text		COLLATE "C" NOT NULL,
	received		bigint		NOT NULL,
	CONSTRAINT rollup_platforms_pkey PRIMARY KEY (day, host_type)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.rollup_platforms IS
	'records received per UTC day x platform (Host-Type), for days up to rollup_state platform_days (filled by maintenance())';
COMMENT ON COLUMN telemetrics.rollup_platforms.received IS 'records received (history)';

-- Progress of the maintenance steps that fill tables from the rings.
CREATE TABLE telemetrics.rollup_state (
	name			text		COLLATE "C" NOT NULL,
	day				date,
	CONSTRAINT rollup_state_pkey PRIMARY KEY (name)
);
COMMENT ON TABLE telemetrics.rollup_state IS
	'how far the maintenance has filled derived tables: platform_days = the last day copied into rollup_platforms';
INSERT INTO telemetrics.rollup_state VALUES ('platform_days', NULL);

-- The records of the last 32 days per platform, as one ring of daily
-- counts (see crash_recent_groups), with the all-time total (ring_total): stats
-- read one row per platform, for all time and for windows up to 32 days.
-- Never pruned: platforms are few, and the ring holds the all-time total.
CREATE TABLE telemetrics.platform_recent (
	host_type		text		COLLATE "C" NOT NULL,
	ring			bigint[]	NOT NULL,
	CONSTRAINT platform_recent_pkey PRIMARY KEY (host_type)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.platform_recent IS
	'records received per platform (Host-Type): the last 32 days as a ring of daily counts, and the all-time total (telemetrics.ring_window, ring_total)';
COMMENT ON COLUMN telemetrics.platform_recent.ring IS 'the last day, the counts of the 32 days ending on it, the count of earlier days';

-- All-time totals per single dimension, so that all-time views (builds,
-- stats, the filter choices) read a few hundred rows however long the
-- history is.
CREATE TABLE telemetrics.rollup_totals (
	dimension		text		COLLATE "C" NOT NULL,
	value			text		COLLATE "C" NOT NULL,
	detail			text		COLLATE "C" NOT NULL DEFAULT '',
	received		bigint		NOT NULL,
	CONSTRAINT rollup_totals_pkey PRIMARY KEY (dimension, value, detail),
	CONSTRAINT rollup_totals_dimension_check CHECK (dimension IN
		('build', 'classification', 'severity', 'arch', 'os', 'source', 'os_build'))
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.rollup_totals IS
	'records received since installation per build, classification, severity, arch, OS, source, and OS x build (platforms: platform_recent)';
COMMENT ON COLUMN telemetrics.rollup_totals.dimension IS
	'build, classification, severity, arch, os (System-Name), source (internal/external), os_build';
COMMENT ON COLUMN telemetrics.rollup_totals.value IS 'the value (the OS for os_build)';
COMMENT ON COLUMN telemetrics.rollup_totals.detail IS 'the build for os_build; empty otherwise';
COMMENT ON COLUMN telemetrics.rollup_totals.received IS 'records received (history)';

-- Crashes: records with a guilty group (crash_state classified or
-- fallback; telemetrics.guilty, 50_classify.sql), per UTC day, guilty
-- group and build: the deltas the crash rings (guilty_builds.ring,
-- crash_recent_groups) are made of.
CREATE TYPE telemetrics.crash_count AS (
	day				date,
	guilty_id		integer,
	build			text,
	crashes			bigint
);
COMMENT ON TYPE telemetrics.crash_count IS
	'crashes of a guilty group on a build on a UTC day (a rollup delta)';

-- The crashes of the last 32 days on numeric builds per guilty group, as
-- one ring of daily counts: the overall top-crash list reads one row per
-- group.  (Per group and build, the ring is in guilty_builds.)
CREATE TABLE telemetrics.crash_recent_groups (
	guilty_id		integer		NOT NULL,
	ring			bigint[]	NOT NULL,
	CONSTRAINT crash_recent_groups_pkey PRIMARY KEY (guilty_id)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.crash_recent_groups IS
	'crashes on numeric builds per guilty group, as a ring of daily counts (last 32 days, and all time)';
COMMENT ON COLUMN telemetrics.crash_recent_groups.ring IS 'the last day, the counts of the 32 days ending on it, the count of earlier days';

-- The machines a guilty group crashed on, per build, with their crash
-- counts: per-build counts and affected machines of a group, and "new in
-- build".
CREATE TABLE telemetrics.crash_machines (
	guilty_id		integer		NOT NULL,
	build			text		COLLATE "C" NOT NULL,
	machine_id		text		COLLATE "C" NOT NULL,
	crashes			bigint		NOT NULL,
	first_day		date		NOT NULL,
	last_day		date		NOT NULL,
	CONSTRAINT crash_machines_pkey PRIMARY KEY (guilty_id, build, machine_id)
) WITH (fillfactor = 70);
-- the machines that crashed most, per group and build, without a sort
CREATE INDEX crash_machines_top_idx ON telemetrics.crash_machines (guilty_id, build, crashes DESC, machine_id);
COMMENT ON TABLE telemetrics.crash_machines IS
	'crashes per guilty group x build x machine since installation (reclassification moves them; rows at 0 are removed by the maintenance job)';
COMMENT ON COLUMN telemetrics.crash_machines.first_day IS 'first UTC day a crash was counted (after a reclassification, possibly earlier than the first remaining one)';
COMMENT ON COLUMN telemetrics.crash_machines.last_day IS 'last UTC day a crash was counted (after a reclassification, possibly later than the last remaining one)';

-- Per guilty group and build, all time: crashes, distinct machines, first
-- and last day, and the crashes of the last 32 days as a ring (the
-- per-build top-crash lists).  Kept by compact_rollups() only.
CREATE TABLE telemetrics.guilty_builds (
	guilty_id		integer		NOT NULL,
	build			text		COLLATE "C" NOT NULL,
	crashes			bigint		NOT NULL,
	machines		bigint		NOT NULL,
	first_day		date		NOT NULL,
	last_day		date		NOT NULL,
	ring			bigint[],
	CONSTRAINT guilty_builds_pkey PRIMARY KEY (guilty_id, build)
) WITH (fillfactor = 70);
CREATE INDEX guilty_builds_build_idx ON telemetrics.guilty_builds (build, guilty_id);
COMMENT ON TABLE telemetrics.guilty_builds IS
	'crashes and distinct machines per guilty group x build since installation (kept by compact_rollups from crash_machines)';
COMMENT ON COLUMN telemetrics.guilty_builds.machines IS 'machines with at least one crash of the group on the build';
COMMENT ON COLUMN telemetrics.guilty_builds.ring IS 'the crashes of the last 32 days as a ring of daily counts (telemetrics.ring_window); NULL if none';

-- The first numeric build each guilty group has crashes on (NULL: none),
-- recomputed by compact_rollups() for the groups it touches: "new in
-- build" reads it through an index.
CREATE TABLE telemetrics.guilty_first_builds (
	guilty_id		integer		NOT NULL,
	first_build		bigint,
	CONSTRAINT guilty_first_builds_pkey PRIMARY KEY (guilty_id)
) WITH (fillfactor = 70);
CREATE INDEX guilty_first_builds_build_idx ON telemetrics.guilty_first_builds (first_build);
COMMENT ON TABLE telemetrics.guilty_first_builds IS
	'the lowest numeric build each guilty group has crashes on (kept by compact_rollups from guilty_builds)';
COMMENT ON COLUMN telemetrics.guilty_first_builds.first_build IS 'telemetrics.build_number() of that build; NULL when the group has no crash on a numeric build';

-- MCE records (org.clearlinux/mce/* except thermal) per ISO week, build,
-- class, status and bank (mce_status and mce_bank from the classification
-- trigger), and per ISO week, machine and build.
CREATE TABLE telemetrics.rollup_mce (
	week			date		NOT NULL,
	build			text		COLLATE "C" NOT NULL,
	classification	text		COLLATE "C" NOT NULL,
	status			text		COLLATE "C" NOT NULL,
	bank			integer		NOT NULL,
	records			bigint		NOT NULL,
	CONSTRAINT rollup_mce_pkey PRIMARY KEY (week, build, classification, status, bank)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.rollup_mce IS
	'MCE records (org.clearlinux/mce/* but thermal) per ISO week x build x class x status x bank';
COMMENT ON COLUMN telemetrics.rollup_mce.status IS 'last 8 hex digits of the MCE status (records.mce_status); empty when none was found';
COMMENT ON COLUMN telemetrics.rollup_mce.bank IS 'machine-check bank (records.mce_bank); -1 when none was found';

CREATE TABLE telemetrics.rollup_mce_machines (
	week			date		NOT NULL,
	machine_id		text		COLLATE "C" NOT NULL,
	build			text		COLLATE "C" NOT NULL,
	records			bigint		NOT NULL,
	CONSTRAINT rollup_mce_machines_pkey PRIMARY KEY (week, machine_id, build)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.rollup_mce_machines IS
	'MCE records (org.clearlinux/mce/* but thermal) per ISO week x machine x build';

-- Thermal events (org.clearlinux/mce/thermal) per ISO week and machine.
CREATE TABLE telemetrics.rollup_thermal (
	week			date		NOT NULL,
	machine_id		text		COLLATE "C" NOT NULL,
	records			bigint		NOT NULL,
	CONSTRAINT rollup_thermal_pkey PRIMARY KEY (week, machine_id)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.rollup_thermal IS
	'thermal records (org.clearlinux/mce/thermal) per ISO week (its Monday) x machine';

-- Population: the sets of machines seen (written by the insert trigger),
-- and the counters derived from them.
CREATE TABLE telemetrics.machine_builds (
	build			text		COLLATE "C" NOT NULL,
	machine_id		text		COLLATE "C" NOT NULL,
	external		boolean		NOT NULL,
	first_day		date		NOT NULL,
	last_day		date		NOT NULL,
	prev_day		date,
	CONSTRAINT machine_builds_pkey PRIMARY KEY (build, machine_id, external)
) WITH (fillfactor = 70);
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
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.machine_activity IS
	'every (machine, source) ever seen, with the first and last UTC day it sent a record';
COMMENT ON COLUMN telemetrics.machine_activity.prev_day IS 'last_day before its latest change (used by the trigger)';

CREATE TABLE telemetrics.population_build_days (
	day				date		NOT NULL,
	build			text		COLLATE "C" NOT NULL,
	external		boolean		NOT NULL,
	machines		bigint		NOT NULL,
	CONSTRAINT population_build_days_pkey PRIMARY KEY (day, build, external)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.population_build_days IS
	'distinct machines that sent a record from a build on a UTC day';

CREATE TABLE telemetrics.population_build_last (
	build			text		COLLATE "C" NOT NULL,
	external		boolean		NOT NULL,
	last_day		date		NOT NULL,
	machines		bigint		NOT NULL,
	CONSTRAINT population_build_last_pkey PRIMARY KEY (build, external, last_day)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.population_build_last IS
	'machines per build by the last UTC day they sent a record from it: the machines active in the last N days are the sum over last_day > today - N';

CREATE TABLE telemetrics.population_days (
	day				date		NOT NULL,
	external		boolean		NOT NULL,
	machines		bigint		NOT NULL,
	CONSTRAINT population_days_pkey PRIMARY KEY (day, external)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.population_days IS
	'distinct machines that sent a record on a UTC day';

CREATE TABLE telemetrics.population_last (
	external		boolean		NOT NULL,
	last_day		date		NOT NULL,
	machines		bigint		NOT NULL,
	CONSTRAINT population_last_pkey PRIMARY KEY (external, last_day)
) WITH (fillfactor = 70);
COMMENT ON TABLE telemetrics.population_last IS
	'machines by the last UTC day they sent any record';

-- ----------------------------------------------------------------------
-- Pending deltas
-- ----------------------------------------------------------------------

CREATE TABLE telemetrics.rollup_deltas (
	records			telemetrics.rollup_records[],
	platforms		telemetrics.rollup_platforms[],
	crashes			telemetrics.crash_count[],
	crash_machines	telemetrics.crash_machines[],
	mce				telemetrics.rollup_mce[],
	mce_machines	telemetrics.rollup_mce_machines[],
	thermal			telemetrics.rollup_thermal[],
	build_days		telemetrics.population_build_days[],
	build_last		telemetrics.population_build_last[],
	pop_days		telemetrics.population_days[],
	pop_last		telemetrics.population_last[]
);
-- Inserted and deleted all the time: vacuum it often, so that readers
-- scan few dead pages.
ALTER TABLE telemetrics.rollup_deltas SET (autovacuum_vacuum_scale_factor = 0,
	autovacuum_vacuum_threshold = 1000, autovacuum_vacuum_cost_delay = 0);
COMMENT ON TABLE telemetrics.rollup_deltas IS
	'rollup counts added by statements on telemetrics.records and not yet folded in by compact_rollups(); one row per statement';
COMMENT ON COLUMN telemetrics.rollup_deltas.records IS 'deltas of rollup_records (received and stored)';
COMMENT ON COLUMN telemetrics.rollup_deltas.platforms IS 'deltas of rollup_platforms';
COMMENT ON COLUMN telemetrics.rollup_deltas.crashes IS 'crashes per day, guilty group and build (for the rings of guilty_builds and crash_recent_groups)';
COMMENT ON COLUMN telemetrics.rollup_deltas.crash_machines IS 'deltas of crash_machines (crashes; first and last day)';
COMMENT ON COLUMN telemetrics.rollup_deltas.mce IS 'deltas of rollup_mce';
COMMENT ON COLUMN telemetrics.rollup_deltas.mce_machines IS 'deltas of rollup_mce_machines';
COMMENT ON COLUMN telemetrics.rollup_deltas.thermal IS 'deltas of rollup_thermal';
COMMENT ON COLUMN telemetrics.rollup_deltas.build_days IS 'deltas of population_build_days';
COMMENT ON COLUMN telemetrics.rollup_deltas.build_last IS 'deltas of population_build_last';
COMMENT ON COLUMN telemetrics.rollup_deltas.pop_days IS 'deltas of population_days';
COMMENT ON COLUMN telemetrics.rollup_deltas.pop_last IS 'deltas of population_last';

-- ----------------------------------------------------------------------
-- What readers read: the rollups plus the pending deltas
-- ----------------------------------------------------------------------

CREATE VIEW telemetrics.rollup_records_v AS
	SELECT day, build, classification, severity, system_name, external, arch, received, stored
	FROM telemetrics.rollup_records
	UNION ALL
	SELECT x.day, x.build, x.classification, x.severity, x.system_name, x.external, x.arch,
		   x.received, x.stored
	FROM telemetrics.rollup_deltas d, unnest(d.records) x;
COMMENT ON VIEW telemetrics.rollup_records_v IS
	'rollup_records plus pending deltas (several rows per key: add them up)';

CREATE VIEW telemetrics.platform_recent_v AS
	SELECT host_type, ring FROM telemetrics.platform_recent
	UNION ALL
	SELECT x.host_type, telemetrics.ring_of(x.day, x.received)
	FROM telemetrics.rollup_deltas d, unnest(d.platforms) x;
COMMENT ON VIEW telemetrics.platform_recent_v IS
	'platform_recent plus pending deltas (several rows per key: add up their ring_window)';

CREATE VIEW telemetrics.rollup_totals_v AS
	SELECT dimension, value, detail, received FROM telemetrics.rollup_totals
	UNION ALL
	SELECT CASE WHEN GROUPING(x.build) = 0 AND GROUPING(x.system_name) = 0 THEN 'os_build'
				WHEN GROUPING(x.build) = 0 THEN 'build'
				WHEN GROUPING(x.classification) = 0 THEN 'classification'
				WHEN GROUPING(x.severity) = 0 THEN 'severity'
				WHEN GROUPING(x.arch) = 0 THEN 'arch'
				WHEN GROUPING(x.system_name) = 0 THEN 'os'
				ELSE 'source' END,
		   CASE WHEN GROUPING(x.build) = 0 AND GROUPING(x.system_name) = 0 THEN x.system_name
				WHEN GROUPING(x.build) = 0 THEN x.build
				WHEN GROUPING(x.classification) = 0 THEN x.classification
				WHEN GROUPING(x.severity) = 0 THEN x.severity::text
				WHEN GROUPING(x.arch) = 0 THEN x.arch
				WHEN GROUPING(x.system_name) = 0 THEN x.system_name
				WHEN x.external THEN 'external' ELSE 'internal' END,
		   CASE WHEN GROUPING(x.build) = 0 AND GROUPING(x.system_name) = 0 THEN x.build ELSE '' END,
		   sum(x.received)
	FROM telemetrics.rollup_deltas d, unnest(d.records) x
	GROUP BY GROUPING SETS ((x.build), (x.classification), (x.severity), (x.arch),
							(x.system_name), (x.external), (x.system_name, x.build));
COMMENT ON VIEW telemetrics.rollup_totals_v IS
	'rollup_totals plus pending deltas (several rows per key: add them up)';

CREATE VIEW telemetrics.guilty_rings_v AS
	SELECT guilty_id, build, ring FROM telemetrics.guilty_builds
	UNION ALL
	SELECT x.guilty_id, x.build, telemetrics.ring_of(x.day, x.crashes)
	FROM telemetrics.rollup_deltas d, unnest(d.crashes) x;
COMMENT ON VIEW telemetrics.guilty_rings_v IS
	'the crash rings of guilty_builds plus pending deltas (several rows per key: add up their ring_window)';

CREATE VIEW telemetrics.crash_recent_groups_v AS
	SELECT guilty_id, ring FROM telemetrics.crash_recent_groups
	UNION ALL
	SELECT x.guilty_id, telemetrics.ring_of(x.day, x.crashes)
	FROM telemetrics.rollup_deltas d, unnest(d.crashes) x
	WHERE telemetrics.build_number(x.build) IS NOT NULL;
COMMENT ON VIEW telemetrics.crash_recent_groups_v IS
	'crash_recent_groups plus pending deltas (several rows per key: add up their ring_window)';

CREATE VIEW telemetrics.crash_machines_v AS
	SELECT c.guilty_id, c.build, c.machine_id, sum(c.crashes) AS crashes,
		   min(c.first_day) AS first_day, max(c.last_day) AS last_day
	FROM (SELECT guilty_id, build, machine_id, crashes, first_day, last_day
		  FROM telemetrics.crash_machines
		  UNION ALL
		  SELECT x.guilty_id, x.build, x.machine_id, x.crashes, x.first_day, x.last_day
		  FROM telemetrics.rollup_deltas d, unnest(d.crash_machines) x) c
	GROUP BY c.guilty_id, c.build, c.machine_id
	HAVING sum(c.crashes) > 0;
COMMENT ON VIEW telemetrics.crash_machines_v IS
	'crash_machines plus pending deltas, one row per guilty group, build and machine that has crashes';

-- The pending crash deltas, added up per machine, are compared with
-- crash_machines exactly as compact_rollups() will: a machine whose count
-- goes from 0 to positive is new to the group and build, one whose count
-- drops to 0 leaves it.
CREATE VIEW telemetrics.guilty_builds_v AS
	SELECT guilty_id, build, crashes, machines, first_day, last_day, ring FROM telemetrics.guilty_builds
	UNION ALL
	SELECT p.guilty_id, p.build, sum(p.crashes),
		   count(*) FILTER (WHERE COALESCE(m.crashes, 0) <= 0 AND COALESCE(m.crashes, 0) + p.crashes > 0)
		   - count(*) FILTER (WHERE m.crashes > 0 AND m.crashes + p.crashes <= 0),
		   min(p.first_day), max(p.last_day), NULL
	FROM (SELECT x.guilty_id, x.build, x.machine_id, sum(x.crashes) AS crashes,
				 min(x.first_day) AS first_day, max(x.last_day) AS last_day
		  FROM telemetrics.rollup_deltas d, unnest(d.crash_machines) x
		  GROUP BY x.guilty_id, x.build, x.machine_id) p
	LEFT JOIN telemetrics.crash_machines m
		ON m.guilty_id = p.guilty_id AND m.build = p.build AND m.machine_id = p.machine_id
	GROUP BY p.guilty_id, p.build
	UNION ALL
	-- the pending crashes' rings (their counts are in the arm above)
	SELECT x.guilty_id, x.build, 0, 0, NULL, NULL, telemetrics.ring_of(x.day, x.crashes)
	FROM telemetrics.rollup_deltas d, unnest(d.crashes) x;
COMMENT ON VIEW telemetrics.guilty_builds_v IS
	'guilty_builds plus pending deltas (several rows per key: add them up, and ring_window their rings)';

CREATE VIEW telemetrics.rollup_mce_v AS
	SELECT week, build, classification, status, bank, records FROM telemetrics.rollup_mce
	UNION ALL
	SELECT x.week, x.build, x.classification, x.status, x.bank, x.records
	FROM telemetrics.rollup_deltas d, unnest(d.mce) x;
COMMENT ON VIEW telemetrics.rollup_mce_v IS
	'rollup_mce plus pending deltas (several rows per key: add them up)';

CREATE VIEW telemetrics.rollup_mce_machines_v AS
	SELECT week, machine_id, build, records FROM telemetrics.rollup_mce_machines
	UNION ALL
	SELECT x.week, x.machine_id, x.build, x.records
	FROM telemetrics.rollup_deltas d, unnest(d.mce_machines) x;
COMMENT ON VIEW telemetrics.rollup_mce_machines_v IS
	'rollup_mce_machines plus pending deltas (several rows per key: add them up)';

CREATE VIEW telemetrics.rollup_thermal_v AS
	SELECT week, machine_id, records FROM telemetrics.rollup_thermal
	UNION ALL
	SELECT x.week, x.machine_id, x.records
	FROM telemetrics.rollup_deltas d, unnest(d.thermal) x;
COMMENT ON VIEW telemetrics.rollup_thermal_v IS
	'rollup_thermal plus pending deltas (several rows per key: add them up)';

CREATE VIEW telemetrics.population_build_days_v AS
	SELECT day, build, external, machines FROM telemetrics.population_build_days
	UNION ALL
	SELECT x.day, x.build, x.external, x.machines
	FROM telemetrics.rollup_deltas d, unnest(d.build_days) x;
COMMENT ON VIEW telemetrics.population_build_days_v IS
	'population_build_days plus pending deltas (several rows per key: add them up)';

CREATE VIEW telemetrics.population_build_last_v AS
	SELECT build, external, last_day, machines FROM telemetrics.population_build_last
	UNION ALL
	SELECT x.build, x.external, x.last_day, x.machines
	FROM telemetrics.rollup_deltas d, unnest(d.build_last) x;
COMMENT ON VIEW telemetrics.population_build_last_v IS
	'population_build_last plus pending deltas (several rows per key: add them up)';

CREATE VIEW telemetrics.population_days_v AS
	SELECT day, external, machines FROM telemetrics.population_days
	UNION ALL
	SELECT x.day, x.external, x.machines
	FROM telemetrics.rollup_deltas d, unnest(d.pop_days) x;
COMMENT ON VIEW telemetrics.population_days_v IS
	'population_days plus pending deltas (several rows per key: add them up)';

CREATE VIEW telemetrics.population_last_v AS
	SELECT external, last_day, machines FROM telemetrics.population_last
	UNION ALL
	SELECT x.external, x.last_day, x.machines
	FROM telemetrics.rollup_deltas d, unnest(d.pop_last) x;
COMMENT ON VIEW telemetrics.population_last_v IS
	'population_last plus pending deltas (several rows per key: add them up)';

-- ----------------------------------------------------------------------
-- Compaction
-- ----------------------------------------------------------------------

-- compact_rollups: fold every committed delta into the rollup tables, in
-- one statement.  One compactor at a time: with p_wait it waits for the
-- other, without it returns 0 at once if one is running (what ingest
-- does).  Returns the number of delta rows folded.  Rollup rows are only
-- locked by the compactor, so this never blocks ingest.
-- jit off: the planner prices the fold by the size of rollup_deltas'
-- heap, which deletes leave large between two vacuums, so it went past
-- jit_above_cost, and every pass spent most of its time compiling
-- (no JIT code survives the execution that compiled it).
CREATE FUNCTION telemetrics.compact_rollups(p_wait boolean DEFAULT true)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_n			bigint;
	v_touched	integer[];
BEGIN
	IF p_wait THEN
		PERFORM pg_advisory_xact_lock(hashtext('telemetrics.compact_rollups'));
	ELSIF NOT pg_try_advisory_xact_lock(hashtext('telemetrics.compact_rollups')) THEN
		RETURN 0;
	END IF;

	WITH d AS (
		DELETE FROM telemetrics.rollup_deltas RETURNING *),
	rec AS (
		SELECT x.day, x.build, x.classification, x.severity, x.system_name, x.external, x.arch,
			   sum(x.received) AS received, sum(x.stored) AS stored
		FROM d, unnest(d.records) x
		GROUP BY x.day, x.build, x.classification, x.severity, x.system_name, x.external, x.arch),
	u_rec AS (
		INSERT INTO telemetrics.rollup_records AS t
		SELECT * FROM rec
		ON CONFLICT (day, build, classification, severity, system_name, external, arch)
		DO UPDATE SET received = t.received + excluded.received, stored = t.stored + excluded.stored),
	plat AS (
		SELECT x.day, x.host_type, sum(x.received)::bigint AS received
		FROM d, unnest(d.platforms) x
		GROUP BY x.day, x.host_type),
	u_plat_recent AS (
		INSERT INTO telemetrics.platform_recent AS t
		SELECT p.host_type, telemetrics.ring_merge_agg(telemetrics.ring_of(p.day, p.received))
		FROM plat p
		GROUP BY p.host_type
		ON CONFLICT (host_type) DO UPDATE SET ring = telemetrics.ring_merge(t.ring, excluded.ring)),
	u_tot AS (
		INSERT INTO telemetrics.rollup_totals AS t (dimension, value, detail, received)
		SELECT g.dimension, g.value, g.detail, g.n
		FROM (SELECT CASE WHEN GROUPING(r.build) = 0 AND GROUPING(r.system_name) = 0 THEN 'os_build'
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
					 sum(r.received) AS n
			  FROM rec r
			  GROUP BY GROUPING SETS ((r.build), (r.classification), (r.severity), (r.arch),
									  (r.system_name), (r.external), (r.system_name, r.build))) g
		WHERE g.n <> 0
		ON CONFLICT (dimension, value, detail) DO UPDATE SET received = t.received + excluded.received),
	-- crashes per group and day first: one ring per group and day, not one
	-- per delta element
	u_recent_groups AS (
		INSERT INTO telemetrics.crash_recent_groups AS t
		SELECT s.guilty_id, telemetrics.ring_merge_agg(telemetrics.ring_of(s.day, s.crashes))
		FROM (SELECT x.guilty_id, x.day, sum(x.crashes)::bigint AS crashes
			  FROM d, unnest(d.crashes) x
			  WHERE telemetrics.build_number(x.build) IS NOT NULL
			  GROUP BY x.guilty_id, x.day) s
		GROUP BY s.guilty_id
		ON CONFLICT (guilty_id) DO UPDATE SET ring = telemetrics.ring_merge(t.ring, excluded.ring)),
	cm AS (
		SELECT x.guilty_id, x.build, x.machine_id, sum(x.crashes) AS crashes,
			   min(x.first_day) AS first_day, max(x.last_day) AS last_day
		FROM d, unnest(d.crash_machines) x
		GROUP BY x.guilty_id, x.build, x.machine_id),
	-- in key order: neighbouring keys share index pages
	u_machines AS (
		INSERT INTO telemetrics.crash_machines AS t
		SELECT * FROM cm ORDER BY guilty_id, build, machine_id
		ON CONFLICT (guilty_id, build, machine_id) DO UPDATE
			SET crashes = t.crashes + excluded.crashes,
				first_day = least(t.first_day, excluded.first_day),
				last_day = greatest(t.last_day, excluded.last_day)
		RETURNING t.guilty_id, t.build, t.machine_id, t.crashes),
	rings AS (
		SELECT s.guilty_id, s.build COLLATE "C" AS build,
			   telemetrics.ring_merge_agg(telemetrics.ring_of(s.day, s.crashes)) AS ring
		FROM (SELECT x.guilty_id, x.build, x.day, sum(x.crashes)::bigint AS crashes
			  FROM d, unnest(d.crashes) x
			  WHERE x.day > (now() AT TIME ZONE 'UTC')::date - 32
			  GROUP BY x.guilty_id, x.build, x.day) s
		GROUP BY s.guilty_id, s.build),
	u_guilty_builds AS (
		-- a machine is new to the group and build when its count goes from
		-- 0 to positive, and leaves it when its count drops to 0
		INSERT INTO telemetrics.guilty_builds AS t
		SELECT g.guilty_id, g.build, g.crashes, g.machines, g.first_day, g.last_day, r.ring
		FROM (SELECT c.guilty_id, c.build, sum(c.crashes) AS crashes,
					 count(*) FILTER (WHERE u.crashes - c.crashes <= 0 AND u.crashes > 0)
					 - count(*) FILTER (WHERE u.crashes - c.crashes > 0 AND u.crashes <= 0) AS machines,
					 min(c.first_day) AS first_day, max(c.last_day) AS last_day
			  FROM cm c
			  JOIN u_machines u ON u.guilty_id = c.guilty_id AND u.build = c.build
									AND u.machine_id = c.machine_id
			  GROUP BY c.guilty_id, c.build) g
		LEFT JOIN rings r ON r.guilty_id = g.guilty_id AND r.build = g.build
		ON CONFLICT (guilty_id, build) DO UPDATE
			SET crashes = t.crashes + excluded.crashes,
				machines = t.machines + excluded.machines,
				first_day = least(t.first_day, excluded.first_day),
				last_day = greatest(t.last_day, excluded.last_day),
				ring = telemetrics.ring_merge(t.ring, excluded.ring)
		-- a group's first build can only change when one of its (group,
		-- build) pairs appears (xmax = 0: inserted) or drops to zero
		RETURNING t.guilty_id, (t.xmax = 0 OR t.crashes <= 0) AS changed),
	u_mce AS (
		INSERT INTO telemetrics.rollup_mce AS t
		SELECT x.week, x.build, x.classification, x.status, x.bank, sum(x.records)
		FROM d, unnest(d.mce) x
		GROUP BY x.week, x.build, x.classification, x.status, x.bank
		ON CONFLICT (week, build, classification, status, bank)
		DO UPDATE SET records = t.records + excluded.records),
	u_mce_machines AS (
		INSERT INTO telemetrics.rollup_mce_machines AS t
		SELECT x.week, x.machine_id, x.build, sum(x.records)
		FROM d, unnest(d.mce_machines) x
		GROUP BY x.week, x.machine_id, x.build
		ON CONFLICT (week, machine_id, build) DO UPDATE SET records = t.records + excluded.records),
	u_thermal AS (
		INSERT INTO telemetrics.rollup_thermal AS t
		SELECT x.week, x.machine_id, sum(x.records)
		FROM d, unnest(d.thermal) x
		GROUP BY x.week, x.machine_id
		ON CONFLICT (week, machine_id) DO UPDATE SET records = t.records + excluded.records),
	u_build_days AS (
		INSERT INTO telemetrics.population_build_days AS t
		SELECT x.day, x.build, x.external, sum(x.machines)
		FROM d, unnest(d.build_days) x
		GROUP BY x.day, x.build, x.external
		ON CONFLICT (day, build, external) DO UPDATE SET machines = t.machines + excluded.machines),
	u_build_last AS (
		INSERT INTO telemetrics.population_build_last AS t
		SELECT x.build, x.external, x.last_day, sum(x.machines)
		FROM d, unnest(d.build_last) x
		GROUP BY x.build, x.external, x.last_day
		ON CONFLICT (build, external, last_day) DO UPDATE SET machines = t.machines + excluded.machines),
	u_days AS (
		INSERT INTO telemetrics.population_days AS t
		SELECT x.day, x.external, sum(x.machines)
		FROM d, unnest(d.pop_days) x
		GROUP BY x.day, x.external
		ON CONFLICT (day, external) DO UPDATE SET machines = t.machines + excluded.machines),
	u_last AS (
		INSERT INTO telemetrics.population_last AS t
		SELECT x.external, x.last_day, sum(x.machines)
		FROM d, unnest(d.pop_last) x
		GROUP BY x.external, x.last_day
		ON CONFLICT (external, last_day) DO UPDATE SET machines = t.machines + excluded.machines)
	SELECT (SELECT count(*) FROM d),
		   (SELECT array_agg(DISTINCT guilty_id) FROM u_guilty_builds WHERE changed)
	INTO v_n, v_touched;

	-- the first numeric build of the groups whose builds changed
	IF v_touched IS NOT NULL THEN
		INSERT INTO telemetrics.guilty_first_builds AS t (guilty_id, first_build)
		SELECT g.id, (SELECT min(telemetrics.build_number(b.build)) FROM telemetrics.guilty_builds b
					  WHERE b.guilty_id = g.id AND b.crashes > 0)
		FROM unnest(v_touched) g(id)
		ON CONFLICT (guilty_id) DO UPDATE SET first_build = excluded.first_build
		WHERE t.first_build IS DISTINCT FROM excluded.first_build;
	END IF;
	RETURN v_n;
END
$$;
COMMENT ON FUNCTION telemetrics.compact_rollups(boolean) IS
	'fold the pending rollup deltas into the rollup tables; with p_wait false, return 0 at once if another compaction runs; returns the delta rows folded';

-- Let writers have the rollups compacted when it is due: by a background
-- worker (extension/rollup_compactor.c), or, when
-- telemetrics.rollup_compact_in_background is off or no worker slot is
-- free, in the caller's transaction.  A failure to compact never fails
-- the write (the deltas stay pending and readers still count them).
CREATE FUNCTION telemetrics.rollup_compactor_start()
RETURNS boolean
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'telemetrics_rollup_compactor_start';
COMMENT ON FUNCTION telemetrics.rollup_compactor_start() IS
	'start a background worker that compacts the rollups; true if one was started, a compactor is alive or a compaction is running, false if the caller must compact';

CREATE FUNCTION telemetrics.compact_rollups_if_due()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF telemetrics.rollup_compact_due() THEN
		IF telemetrics.rollup_compactor_start() THEN
			RETURN;
		END IF;
		BEGIN
			PERFORM telemetrics.compact_rollups(false);
		EXCEPTION WHEN OTHERS THEN
			RAISE WARNING 'telemetrics: could not compact the rollups: %', SQLERRM;
		END;
	END IF;
END
$$;
COMMENT ON FUNCTION telemetrics.compact_rollups_if_due() IS
	'trigger helper: if this backend''s compaction interval has passed, have the rollups compacted (in the background, else here) unless a compaction runs';

-- ----------------------------------------------------------------------
-- The triggers
-- ----------------------------------------------------------------------

-- The insert trigger, in C (extension/rollup_insert.c): the counters are
-- grouped in memory from the transition table; the population sets per
-- UTC day present in the statement (nearly always one), upserted only when
-- one of the day's machines is not in them yet: a machine counts for a day
-- the first time it is seen that day.  A record received for a day earlier than the machine's
-- last day (a back-dated insert) does not count for that earlier day;
-- ingest always stores records with the current time.
CREATE FUNCTION telemetrics.records_rollup_insert()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'telemetrics_records_rollup_insert';
COMMENT ON FUNCTION telemetrics.records_rollup_insert() IS
	'trigger: add a statement''s new records to the population sets and one row of rollup deltas';

-- An UPDATE moves counts: each changed record is subtracted with its old
-- values and added with its new ones.  Population sets are not touched.
CREATE FUNCTION telemetrics.records_rollup_update()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_records		telemetrics.rollup_records[];
	v_platforms		telemetrics.rollup_platforms[];
	v_crashes		telemetrics.crash_count[];
	v_machines		telemetrics.crash_machines[];
	v_mce			telemetrics.rollup_mce[];
	v_mce_machines	telemetrics.rollup_mce_machines[];
	v_thermal		telemetrics.rollup_thermal[];
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
		FROM old_rows o)
	SELECT
		(SELECT array_agg(ROW(g.day, g.build, g.classification, g.severity, g.system_name,
							  g.external, g.arch, g.n, g.n)::telemetrics.rollup_records)
		 FROM (SELECT s.day, s.build, s.classification, s.severity, s.system_name, s.external,
					  s.arch, sum(s.k) AS n
			   FROM src s
			   GROUP BY s.day, s.build, s.classification, s.severity, s.system_name, s.external, s.arch
			   HAVING sum(s.k) <> 0) g),
		(SELECT array_agg(ROW(g.day, g.host_type, g.n)::telemetrics.rollup_platforms)
		 FROM (SELECT s.day, s.host_type, sum(s.k) AS n FROM src s
			   GROUP BY s.day, s.host_type HAVING sum(s.k) <> 0) g),
		(SELECT array_agg(ROW(g.day, g.guilty_id, g.build, g.n)::telemetrics.crash_count)
		 FROM (SELECT s.day, s.guilty_id, s.build, sum(s.k) AS n
			   FROM src s WHERE s.guilty_id IS NOT NULL
			   GROUP BY s.day, s.guilty_id, s.build HAVING sum(s.k) <> 0) g),
		(SELECT array_agg(ROW(g.guilty_id, g.build, g.machine_id, g.n, g.d0, g.d1)::telemetrics.crash_machines)
		 FROM (SELECT s.guilty_id, s.build, s.machine_id, sum(s.k) AS n, min(s.day) AS d0, max(s.day) AS d1
			   FROM src s WHERE s.guilty_id IS NOT NULL
			   GROUP BY s.guilty_id, s.build, s.machine_id HAVING sum(s.k) <> 0) g),
		(SELECT array_agg(ROW(g.week, g.build, g.classification, g.status, g.bank,
							  g.n)::telemetrics.rollup_mce)
		 FROM (SELECT date_trunc('week', s.day)::date AS week, s.build, s.classification,
					  COALESCE(s.mce_status, '') AS status, COALESCE(s.mce_bank, -1) AS bank, sum(s.k) AS n
			   FROM src s
			   WHERE s.classification LIKE 'org.clearlinux/mce/%'
				 AND s.classification <> 'org.clearlinux/mce/thermal'
			   GROUP BY 1, 2, 3, 4, 5 HAVING sum(s.k) <> 0) g),
		(SELECT array_agg(ROW(g.week, g.machine_id, g.build, g.n)::telemetrics.rollup_mce_machines)
		 FROM (SELECT date_trunc('week', s.day)::date AS week, s.machine_id, s.build, sum(s.k) AS n
			   FROM src s
			   WHERE s.classification LIKE 'org.clearlinux/mce/%'
				 AND s.classification <> 'org.clearlinux/mce/thermal'
			   GROUP BY 1, 2, 3 HAVING sum(s.k) <> 0) g),
		(SELECT array_agg(ROW(g.week, g.machine_id, g.n)::telemetrics.rollup_thermal)
		 FROM (SELECT date_trunc('week', s.day)::date AS week, s.machine_id, sum(s.k) AS n
			   FROM src s WHERE s.classification = 'org.clearlinux/mce/thermal'
			   GROUP BY 1, 2 HAVING sum(s.k) <> 0) g)
	INTO v_records, v_platforms, v_crashes, v_machines, v_mce, v_mce_machines, v_thermal;

	IF v_records IS NOT NULL OR v_platforms IS NOT NULL OR v_crashes IS NOT NULL
	   OR v_machines IS NOT NULL OR v_mce IS NOT NULL OR v_mce_machines IS NOT NULL
	   OR v_thermal IS NOT NULL THEN
		INSERT INTO telemetrics.rollup_deltas
			(records, platforms, crashes, crash_machines, mce, mce_machines, thermal)
		VALUES (v_records, v_platforms, v_crashes, v_machines, v_mce, v_mce_machines, v_thermal);
		PERFORM telemetrics.compact_rollups_if_due();
	END IF;
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
BEGIN
	INSERT INTO telemetrics.rollup_deltas (records)
	SELECT array_agg(ROW(g.day, g.build, g.classification, g.severity, g.system_name,
						 g.external, g.arch, 0, -g.n)::telemetrics.rollup_records)
	FROM (SELECT (o.received_at AT TIME ZONE 'UTC')::date AS day, o.build, o.classification,
				 o.severity, COALESCE(o.system_name, '') AS system_name, o.external, o.arch,
				 count(*) AS n
		  FROM old_rows o
		  GROUP BY 1, 2, 3, 4, 5, 6, 7) g
	HAVING count(*) > 0;

	DELETE FROM telemetrics.record_keys k
	USING old_rows o
	WHERE o.record_version = 4
	  AND k.event_id = CASE WHEN o.event_id ~ '^[0-9a-f]{32}$' THEN o.event_id::uuid END
	  AND k.machine_id = o.machine_id
	  AND k.record_id = o.id;

	PERFORM telemetrics.compact_rollups_if_due();
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
BEGIN
	PERFORM telemetrics.compact_rollups(true);
	UPDATE telemetrics.rollup_records SET stored = 0 WHERE stored <> 0;
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

-- pg_dump keeps the rollups: they are history, not derived from what is
-- still stored.
SELECT pg_catalog.pg_extension_config_dump('telemetrics.rollup_records', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.rollup_platforms', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.platform_recent', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.rollup_state', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.rollup_totals', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.crash_machines', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.crash_recent_groups', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.guilty_builds', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.guilty_first_builds', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.rollup_mce', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.rollup_mce_machines', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.rollup_thermal', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.machine_builds', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.machine_activity', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.population_build_days', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.population_build_last', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.population_days', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.population_last', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.rollup_deltas', '');
