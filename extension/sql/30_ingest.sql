-- Ingest API (ingest.c).  SECURITY DEFINER: the gateway's role has no
-- privilege on the tables, only EXECUTE on these functions.

CREATE FUNCTION telemetrics_api.ingest(
	p_fields jsonb, p_payload bytea, p_tid text DEFAULT NULL,
	OUT outcome text, OUT record jsonb)
RETURNS record
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'telemetrics_ingest';
COMMENT ON FUNCTION telemetrics_api.ingest(jsonb, bytea, text) IS
	'validate and store one record: fields as a JSON object (names in any case, - or _), the raw payload, the X-Telemetry-TID; '
	'returns outcome stored or duplicate and the stored record as JSON; a rejected record raises its SQLSTATE and is quarantined; '
	'one subtransaction per call: for many records in one transaction, use ingest_batch';

CREATE FUNCTION telemetrics_api.ingest(
	p_fields jsonb, p_payload text, p_tid text DEFAULT NULL,
	OUT outcome text, OUT record jsonb)
RETURNS record
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT * FROM telemetrics_api.ingest(p_fields, pg_catalog.convert_to(p_payload, 'UTF8'), p_tid)
$$;
COMMENT ON FUNCTION telemetrics_api.ingest(jsonb, text, text) IS
	'ingest() with a text payload, for SQL callers';

CREATE FUNCTION telemetrics_api.ingest_batch(
	p_fields jsonb[], p_payloads bytea[], p_tids text[])
RETURNS TABLE (ord integer, outcome text, sqlstate text, message text, record jsonb)
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'telemetrics_ingest_batch';
COMMENT ON FUNCTION telemetrics_api.ingest_batch(jsonb[], bytea[], text[]) IS
	'validate and store many records in one call and one transaction; one row per record in input order: '
	'outcome stored, duplicate or rejected (with sqlstate and message); rejections do not abort the others';

CREATE FUNCTION telemetrics_api.ingest_batch_text(
	p_fields text[], p_payloads bytea[], p_tids text[])
RETURNS TABLE (ord integer, outcome text, sqlstate text, message text, record json)
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'telemetrics_ingest_batch_text';
COMMENT ON FUNCTION telemetrics_api.ingest_batch_text(text[], bytea[], text[]) IS
	'ingest_batch() with each record''s fields as JSON text (what the gateway sends), read without making jsonb of them, '
	'and each record as json (record_json_text: the text of ingest_batch()''s jsonb, without building it): '
	'the same outcomes, but text that jsonb input would refuse rejects its record alone (22P02, 22P05, 22003, 54001)';

CREATE FUNCTION telemetrics_api.quarantine_request(
	p_code text, p_message text, p_fields jsonb, p_body bytea, p_tid text DEFAULT NULL)
RETURNS bigint
LANGUAGE C VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'telemetrics_quarantine_request';
COMMENT ON FUNCTION telemetrics_api.quarantine_request(text, text, jsonb, bytea, text) IS
	'keep in telemetrics.quarantine a request a transport refused before it became a record (the gateway''s GW103 to GW106), '
	'with the code and message it was answered with, its fields if any, its body (kept like a payload) and its X-Telemetry-TID; '
	'counted like a rejected record when it comes again; returns the row id (NULL when quarantine_max_rows is 0)';

CREATE FUNCTION telemetrics_api.version()
RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
	SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'telemetrics'
$$;
COMMENT ON FUNCTION telemetrics_api.version() IS
	'the installed version of the telemetrics extension (the gateway checks it)';
