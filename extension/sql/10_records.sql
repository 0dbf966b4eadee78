-- Records: one row per accepted telemetry record.
--
-- Partitioned by reception day (UTC) so that retention drops whole
-- partitions; partitions are created ahead of time and on demand by
-- telemetrics.ensure_partitions() (15_partitions.sql).  Identifier-like
-- columns use the C collation, so that prefix LIKE filters can use the
-- btree indexes whatever the database's collation is.

CREATE SEQUENCE telemetrics.records_id_seq AS bigint;
COMMENT ON SEQUENCE telemetrics.records_id_seq IS 'ids of telemetrics.records';

CREATE TABLE telemetrics.records (
	id				bigint		NOT NULL,
	received_at		timestamptz NOT NULL,
	created_at		timestamptz NOT NULL,
	machine_id		text		COLLATE "C" NOT NULL,
	host_type		text		COLLATE "C" NOT NULL,
	arch			text		COLLATE "C" NOT NULL,
	classification	text		COLLATE "C" NOT NULL,
	severity		smallint	NOT NULL,
	build			text		COLLATE "C" NOT NULL,
	kernel_version	text		COLLATE "C" NOT NULL,
	record_version	smallint	NOT NULL,
	payload_version integer,
	system_name		text		COLLATE "C",
	board_name		text		COLLATE "C" NOT NULL DEFAULT 'N/A',
	cpu_model		text		COLLATE "C" NOT NULL DEFAULT 'N/A',
	bios_version	text		COLLATE "C" NOT NULL DEFAULT 'N/A',
	event_id		text		COLLATE "C" NOT NULL DEFAULT 'N/A',
	external		boolean		NOT NULL DEFAULT false,
	payload			text		NOT NULL,
	guilty_id		integer,
	crash_state		text		COLLATE "C",
	mce_status		text		COLLATE "C",
	mce_bank		integer,
	parsed			jsonb,
	CONSTRAINT records_pkey PRIMARY KEY (id, received_at),
	CONSTRAINT records_severity_check CHECK (severity BETWEEN 1 AND 4),
	CONSTRAINT records_record_version_check CHECK (record_version BETWEEN 1 AND 4),
	CONSTRAINT records_machine_id_check CHECK (pg_catalog.char_length(machine_id) <= 32),
	CONSTRAINT records_crash_state_check CHECK (
		CASE WHEN crash_state IS NULL THEN guilty_id IS NULL
			 WHEN crash_state IN ('classified', 'fallback') THEN guilty_id IS NOT NULL
			 WHEN crash_state = 'no_frames' THEN guilty_id IS NULL
			 ELSE false END)
) PARTITION BY RANGE (received_at);

ALTER SEQUENCE telemetrics.records_id_seq OWNED BY telemetrics.records.id;

COMMENT ON TABLE telemetrics.records IS
	'accepted telemetry records, partitioned by reception day (UTC)';
COMMENT ON COLUMN telemetrics.records.id IS 'record id (telemetrics.records_id_seq)';
COMMENT ON COLUMN telemetrics.records.received_at IS 'server reception time (the reference''s timestamp_server)';
COMMENT ON COLUMN telemetrics.records.created_at IS 'client creation time, Creation-Timestamp (the reference''s timestamp_client)';
COMMENT ON COLUMN telemetrics.records.machine_id IS 'Machine-Id, at most 32 characters';
COMMENT ON COLUMN telemetrics.records.host_type IS 'Host-Type, the platform: sys_vendor|product_name|product_version';
COMMENT ON COLUMN telemetrics.records.arch IS 'Arch, one of the ten accepted architectures';
COMMENT ON COLUMN telemetrics.records.classification IS 'Classification, domain/probe/kind';
COMMENT ON COLUMN telemetrics.records.severity IS 'Severity, 1 (low) to 4 (critical)';
COMMENT ON COLUMN telemetrics.records.build IS 'Build, OS build or version, quotes removed';
COMMENT ON COLUMN telemetrics.records.kernel_version IS 'Kernel-Version';
COMMENT ON COLUMN telemetrics.records.record_version IS 'Record-Format-Version, 1 to 4';
COMMENT ON COLUMN telemetrics.records.payload_version IS 'Payload-Format-Version; NULL for version-1 records';
COMMENT ON COLUMN telemetrics.records.system_name IS 'System-Name (os-release ID), quotes removed; NULL for version-1 records';
COMMENT ON COLUMN telemetrics.records.board_name IS 'Board-Name (version 3 and later, else N/A)';
COMMENT ON COLUMN telemetrics.records.cpu_model IS 'Cpu-Model (version 3 and later, else N/A)';
COMMENT ON COLUMN telemetrics.records.bios_version IS 'Bios-Version (version 3 and later, else N/A)';
COMMENT ON COLUMN telemetrics.records.event_id IS 'Event-Id, 32 lowercase hex digits (version 4, else N/A)';
COMMENT ON COLUMN telemetrics.records.external IS 'X-CLR-External was exactly "true"';
COMMENT ON COLUMN telemetrics.records.payload IS 'the payload, decoded as UTF-8, or as Latin-1 when it is not valid UTF-8';
COMMENT ON COLUMN telemetrics.records.guilty_id IS 'the guilty group (telemetrics.guilty) of a crash of a backtrace class; NULL otherwise';
COMMENT ON COLUMN telemetrics.records.crash_state IS
	'NULL: not a backtrace class; classified: guilty frame found; fallback: guilty is the first unknown or last frame; no_frames: no frame to blame (never rescanned)';
COMMENT ON COLUMN telemetrics.records.mce_status IS 'MCE classes: the last 8 hex digits of the STATUS before MCGSTATUS (reference section 3.2)';
COMMENT ON COLUMN telemetrics.records.mce_bank IS 'MCE classes: the machine-check bank ("BANK n")';
COMMENT ON COLUMN telemetrics.records.parsed IS 'results of the registered payload parsers (telemetrics.payload_parsers), by parser name; NULL if none ran or all returned NULL';

-- Indexes for the record queries (reference sections 4 and 5): newest
-- first, filtered by machine, classification (exact or prefix) or build.
CREATE INDEX records_machine_id_idx ON telemetrics.records (machine_id, id);
CREATE INDEX records_classification_idx ON telemetrics.records (classification, id);
CREATE INDEX records_build_idx ON telemetrics.records (build, id);
-- Crashes of a guilty group; reclassification after a blacklist change
-- finds the records whose guilty frame a new rule matches, and those that
-- fell back to an unknown or last frame, through these.  Build and id make
-- a group's crashes on a build come newest first (the backtraces API pages
-- them, one build at a time).
CREATE INDEX records_guilty_id_idx ON telemetrics.records (guilty_id, build, id)
	WHERE guilty_id IS NOT NULL;
CREATE INDEX records_fallback_idx ON telemetrics.records (guilty_id)
	WHERE crash_state = 'fallback';

-- Duplicate detection.  The real client re-sends a record whose response it
-- did not get; a re-sent record has the same machine id and event id.  A
-- unique index on the partitioned table would have to include the
-- partition key, so the keys live in this unpartitioned table instead.
-- Only version-4 records (with a real event id) have a key.  Retention
-- deletes the keys of the records it deletes (joining on the key, so no
-- other index is needed: every index here costs every ingest).
CREATE TABLE telemetrics.record_keys (
	event_id	uuid		NOT NULL,
	machine_id	text		COLLATE "C" NOT NULL,
	record_id	bigint		NOT NULL,
	received_at timestamptz NOT NULL,
	CONSTRAINT record_keys_pkey PRIMARY KEY (event_id, machine_id)
);
COMMENT ON TABLE telemetrics.record_keys IS
	'(event id, machine id) of every stored version-4 record, for duplicate detection';

-- The JSON form of a record (record_json.c): the keys of the reference's
-- 201 body, plus record_format_version (which the reference's own tests
-- expected), system_name, payload_format_version and guilty (the guilty
-- group of a classified crash, {"id", "function", "module"}, else null).
-- STABLE, not IMMUTABLE: the group's names come from telemetrics.guilty.
CREATE FUNCTION telemetrics.record_json(r telemetrics.records)
RETURNS jsonb
LANGUAGE C STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'telemetrics_record_json';
COMMENT ON FUNCTION telemetrics.record_json(telemetrics.records) IS
	'a record as JSON, with the keys of the reference backend''s 201 body';

-- The same as json, that is as text: exactly record_json(r)::text, written
-- straight from the row (what ingest_batch_text() returns to the gateway,
-- which sends it on as text).
CREATE FUNCTION telemetrics.record_json_text(r telemetrics.records)
RETURNS json
LANGUAGE C STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'telemetrics_record_json_text';
COMMENT ON FUNCTION telemetrics.record_json_text(telemetrics.records) IS
	'record_json(r) as json text, the same to the byte as record_json(r)::text, without building the jsonb';
