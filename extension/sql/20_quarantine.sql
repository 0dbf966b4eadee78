-- Quarantine: rejected records, kept so that operators can see which probes
-- fail and why.  Bounded (telemetrics.quarantine_max_rows) and keyed by
-- content: a re-sent rejected record raises repeat_count instead of adding
-- a row.  Written by the ingest functions and quarantine_request (quarantine.c).

CREATE TABLE telemetrics.quarantine (
	id				bigint		GENERATED ALWAYS AS IDENTITY,
	content_key		bytea		NOT NULL,
	first_seen		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	last_seen		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	repeat_count	bigint		NOT NULL DEFAULT 1,
	sqlstate		text		COLLATE "C" NOT NULL,
	message			text		NOT NULL,
	classification	text		COLLATE "C",
	machine_id		text		COLLATE "C",
	fields			jsonb,
	tid				text,
	payload_excerpt text		NOT NULL DEFAULT '',
	payload_bytes	integer		NOT NULL DEFAULT 0,
	CONSTRAINT quarantine_pkey PRIMARY KEY (id),
	CONSTRAINT quarantine_content_key_key UNIQUE (content_key)
);
COMMENT ON SEQUENCE telemetrics.quarantine_id_seq IS 'ids of telemetrics.quarantine';
CREATE INDEX quarantine_last_seen_idx ON telemetrics.quarantine (last_seen, id);

COMMENT ON TABLE telemetrics.quarantine IS
	'rejected records: why, what they carried, how often they came back (bounded by telemetrics.quarantine_max_rows)';
COMMENT ON COLUMN telemetrics.quarantine.content_key IS 'SHA-256 of the telemetry id, the fields and the whole payload';
COMMENT ON COLUMN telemetrics.quarantine.first_seen IS 'when the record was first rejected';
COMMENT ON COLUMN telemetrics.quarantine.last_seen IS 'when it was last rejected';
COMMENT ON COLUMN telemetrics.quarantine.repeat_count IS 'how many times it was rejected (1 = once)';
COMMENT ON COLUMN telemetrics.quarantine.sqlstate IS 'SQLSTATE of the rejection, or the gateway''s code (GW103 to GW106) for a request that was not a record';
COMMENT ON COLUMN telemetrics.quarantine.message IS 'the rejection message (the reference backend''s text)';
COMMENT ON COLUMN telemetrics.quarantine.classification IS 'the record''s Classification, if it had one (first 256 bytes)';
COMMENT ON COLUMN telemetrics.quarantine.machine_id IS 'the record''s Machine-Id, if it had one (first 256 bytes)';
COMMENT ON COLUMN telemetrics.quarantine.fields IS 'the record fields as received';
COMMENT ON COLUMN telemetrics.quarantine.tid IS 'the X-Telemetry-TID it came with';
COMMENT ON COLUMN telemetrics.quarantine.payload_excerpt IS 'the start of the payload (telemetrics.quarantine_payload_bytes); of the request body, for a request that was not a record';
COMMENT ON COLUMN telemetrics.quarantine.payload_bytes IS 'the whole payload''s size in bytes';

-- quarantine_add: insert or count a rejection; keep at most p_max_rows rows,
-- evicting the least recently seen.  Returns the row id (NULL when
-- p_max_rows is 0 and so nothing is kept).
CREATE FUNCTION telemetrics.quarantine_add(
	p_key bytea, p_sqlstate text, p_message text, p_classification text,
	p_machine_id text, p_fields jsonb, p_tid text, p_payload_excerpt text,
	p_payload_bytes integer, p_max_rows integer)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_id		bigint;
	v_inserted	boolean;
BEGIN
	IF p_max_rows <= 0 THEN
		RETURN NULL;
	END IF;
	INSERT INTO telemetrics.quarantine AS q
		(content_key, sqlstate, message, classification, machine_id, fields,
		 tid, payload_excerpt, payload_bytes)
	VALUES (p_key, p_sqlstate, p_message, p_classification, p_machine_id,
			p_fields, p_tid, coalesce(p_payload_excerpt, ''), coalesce(p_payload_bytes, 0))
	ON CONFLICT (content_key) DO UPDATE
		SET repeat_count = q.repeat_count + 1,
			last_seen = pg_catalog.now(),
			sqlstate = excluded.sqlstate,
			message = excluded.message
	RETURNING q.id, (q.xmax = 0) INTO v_id, v_inserted;

	IF v_inserted THEN
		DELETE FROM telemetrics.quarantine
		WHERE id IN (SELECT id FROM telemetrics.quarantine
					 ORDER BY last_seen DESC, id DESC
					 OFFSET p_max_rows);
	END IF;
	RETURN v_id;
END
$$;
COMMENT ON FUNCTION telemetrics.quarantine_add(bytea, text, text, text, text, jsonb, text, text, integer, integer) IS
	'record a rejection in telemetrics.quarantine, or count a repeat of it; keeps at most p_max_rows rows';

-- What is being refused, and by whom, most frequent first.
CREATE VIEW telemetrics.quarantine_summary AS
	SELECT sqlstate, message, classification,
		   pg_catalog.count(*) AS records,
		   pg_catalog.sum(repeat_count) AS rejections,
		   pg_catalog.count(DISTINCT machine_id) AS machines,
		   pg_catalog.min(first_seen) AS first_seen,
		   pg_catalog.max(last_seen) AS last_seen
	FROM telemetrics.quarantine
	GROUP BY sqlstate, message, classification;
COMMENT ON VIEW telemetrics.quarantine_summary IS
	'rejections by reason and classification: distinct records, total rejections, machines';
