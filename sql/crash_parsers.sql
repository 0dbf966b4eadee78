-- Pluggable payload parsers (the reference's POST_PROCESSING_PARSERS):
-- telemetrics.payload_parsers maps a classification pattern to a
-- function (telemetrics.records) RETURNS jsonb that the insert trigger
-- calls; its result goes to records.parsed.  A failing parser never costs
-- the record: the error is counted in telemetrics.parser_failures.
\set VERBOSITY terse
\set ECHO none
\i sql/include/classify_fixtures.psql
\set ECHO all

-- the reference's demo parser: base64 payloads, decoded; this one also
-- keeps what it decoded in a table of its own
-- (parsers called through the ingest API run with search_path =
-- pg_catalog, pg_temp: they name their tables with the schema)
CREATE TABLE regress_b64_messages (record_id bigint, message text);
CREATE FUNCTION regress_b64(r telemetrics.records) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_text	text := convert_from(decode(btrim(r.payload, E' \n'), 'base64'), 'UTF8');
BEGIN
	IF v_text = 'fail' THEN
		RAISE EXCEPTION 'refusing this record' USING ERRCODE = 'check_violation';
	END IF;
	INSERT INTO public.regress_b64_messages VALUES (r.id, v_text);
	RETURN jsonb_build_object('text', v_text, 'chars', length(v_text));
END
$$;
-- a parser may return a scalar, or NULL for "nothing to add"
CREATE FUNCTION regress_words(r telemetrics.records) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT CASE WHEN r.payload ~ '\S' THEN to_jsonb(array_length(regexp_split_to_array(btrim(r.payload), '\s+'), 1)) END
$$;
-- it sees the row as it will be stored, guilty group included
CREATE FUNCTION regress_guilty(r telemetrics.records) RETURNS jsonb
LANGUAGE sql AS $$
	SELECT jsonb_build_object('crash_state', r.crash_state,
		'function', (SELECT function FROM telemetrics.guilty WHERE id = r.guilty_id))
$$;

INSERT INTO telemetrics.payload_parsers (name, pattern, parser, comment) VALUES
	('b64', 'org.clearlinux/telemetry/b64payload', 'regress_b64(telemetrics.records)', 'the reference''s demo parser'),
	('words', 'org.clearlinux/telemetry/%', 'regress_words(telemetrics.records)', NULL),
	('guilty', 'org.clearlinux/crash/%', 'regress_guilty(telemetrics.records)', NULL);

CREATE TEMP TABLE s AS
	SELECT c, p, (pg_temp.store(c, p)->>'id')::bigint AS id
	FROM (VALUES ('org.clearlinux/telemetry/b64payload', encode('hello parser', 'base64')),
				 ('org.clearlinux/telemetry/b64payload', encode('42', 'base64')),
				 ('org.clearlinux/telemetry/other', 'one two three'),
				 ('org.clearlinux/telemetry/other', ' '),
				 ('org.clearlinux/hello/world', 'aGk=')) AS t(c, p);
SELECT s.c AS class, s.p AS payload, r.parsed
FROM s JOIN telemetrics.records r ON r.id = s.id
ORDER BY 1, 2;
SELECT message FROM regress_b64_messages ORDER BY message;
SELECT (pg_temp.store('org.clearlinux/crash/clr', payload)->>'id')::bigint AS crash_id
FROM payloads WHERE name = 'mtabort' \gset
SELECT parsed FROM telemetrics.records WHERE id = :crash_id;

-- a parser that fails: the record is stored without its result, with a
-- WARNING, and the failure is counted; the parser's own writes are undone
SELECT (pg_temp.store('org.clearlinux/telemetry/b64payload', encode('fail', 'base64'))->>'id')::bigint AS failed_id \gset
SELECT parsed FROM telemetrics.records WHERE id = :failed_id;
SELECT pg_temp.store('org.clearlinux/telemetry/b64payload', '*not base64*')->'guilty' AS guilty;
SELECT pg_temp.store('org.clearlinux/telemetry/b64payload', encode('fail', 'base64'))->'guilty' AS guilty;
SELECT parser_name, sqlstate, message, failures, last_classification
FROM telemetrics.parser_failures ORDER BY parser_name, sqlstate;
SELECT count(*) AS messages FROM regress_b64_messages;

-- in a batch, one failing record does not affect the others
CREATE TEMP TABLE b AS
SELECT b.ord, b.outcome, (b.record->>'id')::bigint AS id
FROM telemetrics_api.ingest_batch(
	ARRAY[pg_temp.fields('org.clearlinux/telemetry/b64payload', 'cls-batch'),
		  pg_temp.fields('org.clearlinux/telemetry/b64payload', 'cls-batch'),
		  pg_temp.fields('org.clearlinux/telemetry/b64payload', 'cls-batch')],
	ARRAY[convert_to(encode('first', 'base64'), 'UTF8'), convert_to(encode('fail', 'base64'), 'UTF8'),
		  convert_to(encode('third', 'base64'), 'UTF8')],
	ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']) b;
SELECT b.ord, b.outcome, r.parsed FROM b JOIN telemetrics.records r ON r.id = b.id ORDER BY b.ord;
SELECT parser_name, sqlstate, message, failures FROM telemetrics.parser_failures ORDER BY 1, 2;

-- a disabled parser is not called; a parser whose function was dropped is
-- unregistered
UPDATE telemetrics.payload_parsers SET enabled = false WHERE name = 'words';
DROP FUNCTION regress_b64(telemetrics.records);
SELECT name FROM telemetrics.payload_parsers ORDER BY name;
SELECT (pg_temp.store('org.clearlinux/telemetry/b64payload', 'aGk=')->>'id')::bigint AS id \gset
SELECT parsed FROM telemetrics.records WHERE id = :id;
-- (a registration that outlived its function anyway fails with 42883)
CREATE FUNCTION regress_gone(r telemetrics.records) RETURNS jsonb LANGUAGE sql AS $$ SELECT '1'::jsonb $$;
INSERT INTO telemetrics.payload_parsers (name, pattern, parser)
VALUES ('gone', 'org.clearlinux/telemetry/%', 'regress_gone(telemetrics.records)');
ALTER EVENT TRIGGER telemetrics_payload_parsers_drop DISABLE;
DROP FUNCTION regress_gone(telemetrics.records);
ALTER EVENT TRIGGER telemetrics_payload_parsers_drop ENABLE;
SELECT (pg_temp.store('org.clearlinux/telemetry/b64payload', 'aGk=')->>'id')::bigint AS id \gset
SELECT parser_name, sqlstate, message, failures FROM telemetrics.parser_failures
WHERE sqlstate = '42883' ORDER BY 1;
DELETE FROM telemetrics.payload_parsers WHERE name = 'gone';

-- updating the payload runs the parsers again
UPDATE telemetrics.payload_parsers SET enabled = true WHERE name = 'words';
UPDATE telemetrics.records SET payload = 'a b c d' WHERE id = :failed_id RETURNING parsed;

-- invalid input: only functions (telemetrics.records) RETURNS jsonb
CREATE FUNCTION regress_text_parser(r text) RETURNS jsonb LANGUAGE sql AS $$ SELECT NULL::jsonb $$;
CREATE FUNCTION regress_text_result(r telemetrics.records) RETURNS text LANGUAGE sql AS $$ SELECT NULL::text $$;
CREATE FUNCTION regress_set_result(r telemetrics.records) RETURNS SETOF jsonb LANGUAGE sql AS $$ SELECT NULL::jsonb $$;
INSERT INTO telemetrics.payload_parsers (name, pattern, parser) VALUES ('t1', 'x/%', 'regress_text_parser(text)');
INSERT INTO telemetrics.payload_parsers (name, pattern, parser) VALUES ('t2', 'x/%', 'regress_text_result(telemetrics.records)');
INSERT INTO telemetrics.payload_parsers (name, pattern, parser) VALUES ('t3', 'x/%', 'regress_set_result(telemetrics.records)');
INSERT INTO telemetrics.payload_parsers (name, pattern, parser) VALUES ('bad name', 'x/%', 'regress_words(telemetrics.records)');
INSERT INTO telemetrics.payload_parsers (name, pattern, parser) VALUES ('words', 'x/%', 'regress_words(telemetrics.records)');
INSERT INTO telemetrics.payload_parsers (name, pattern, parser) VALUES ('nothing', '', 'regress_words(telemetrics.records)');

-- unregister, clean up
DELETE FROM telemetrics.payload_parsers;
DELETE FROM telemetrics.parser_failures;
SELECT (pg_temp.store('org.clearlinux/telemetry/other', 'x y')->>'id')::bigint AS id \gset
SELECT parsed FROM telemetrics.records WHERE id = :id;
DROP FUNCTION regress_words(telemetrics.records), regress_guilty(telemetrics.records),
	regress_text_parser(text), regress_text_result(telemetrics.records),
	regress_set_result(telemetrics.records);
DROP TABLE regress_b64_messages;
SELECT pg_temp.cleanup();
