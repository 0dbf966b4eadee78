-- Explain: every frame of a payload or a stored record with the decision
-- taken for it (chosen, blacklisted and by which rule, unknown, skipped),
-- and why.
\set VERBOSITY terse
\set ECHO none
\i sql/include/classify_fixtures.psql
\set ECHO all

CREATE FUNCTION pg_temp.explain(p_name text)
RETURNS TABLE (thread integer, frame integer, function text, decision text, rule text, reason text)
LANGUAGE sql AS $$
	SELECT e.thread, e.frame, e.function, e.decision,
		   b.match || ' ' || b.function || coalesce(' in ' || b.module, ''), e.reason
	FROM payloads p, telemetrics.explain(p.payload) e
	LEFT JOIN telemetrics.guilty_blacklist b ON b.id = e.rule_id
	WHERE p.name = p_name
	ORDER BY e.frame_index
$$;

-- a chosen frame below blacklisted ones; the other thread is skipped
SELECT * FROM pg_temp.explain('mtabort');
-- unknown frames; the first one is the fall-back
SELECT * FROM pg_temp.explain('stripped');
SELECT * FROM pg_temp.explain('no_symbols');
SELECT * FROM pg_temp.explain('cxx_throw');
-- kernel: unreliable frames are passed over like unknown ones
SELECT * FROM pg_temp.explain('kernel_bug') LIMIT 11;
SELECT * FROM pg_temp.explain('kernel_warning');
SELECT * FROM pg_temp.explain('kernel_two_unreliable');
SELECT * FROM pg_temp.explain('kernel_unreliable');
-- nothing to explain
SELECT count(*) FROM payloads, telemetrics.explain(payload) WHERE name IN ('empty', 'garbage', 'bert');

-- every frame of the blacklist fallback: all blacklisted, the last one chosen
SELECT e.frame, e.function, e.decision, e.reason
FROM telemetrics.explain(E'Process: x\nBacktrace (TID 1):\n#0 raise() - [libc.so.6]\n#1 abort() - [libc.so.6]\n#2 _start() - [/usr/bin/x]\n') e
ORDER BY e.frame_index;

-- the JSON form, for the API: header, result, frames
SELECT j->'format' AS format, j->'process' AS process, j->'signal' AS signal,
       j->'threads' AS threads, j->'backtrace_class' AS backtrace_class,
       j->'result'->>'crash_state' AS crash_state, j->'result'->>'how' AS how,
       j->'result'->>'function' AS function, j->'result'->>'module' AS module,
       jsonb_array_length(j->'frames') AS frames
FROM payloads, telemetrics_api.explain_payload(payload) AS j WHERE name = 'mtabort';
SELECT f->>'frame' AS frame, f->>'function' AS function, f->>'decision' AS decision,
       f->'rule'->>'function' AS rule_function, f->'rule'->>'comment' AS rule_comment
FROM payloads, jsonb_array_elements(telemetrics_api.explain_payload(payload)->'frames') AS f
WHERE name = 'mtabort' AND (f->>'thread')::int = 1 ORDER BY (f->>'index')::int;
SELECT j->'reason' AS reason, j->'tainted' AS tainted, j->'result'->>'function' AS function
FROM payloads, telemetrics_api.explain_payload(payload) AS j WHERE name = 'kernel_warning';
-- with a classification that is not a backtrace class
SELECT j->'backtrace_class' AS backtrace_class, j->'result'->'crash_state' AS crash_state
FROM payloads, telemetrics_api.explain_payload(payload, 'org.clearlinux/crash/error') AS j
WHERE name = 'crash_error';
SELECT j->'result' AS result, j->'frames' AS frames FROM telemetrics_api.explain_payload('') AS j;

-- a stored record: its stored group, what the blacklist gives now, stale
SELECT (pg_temp.store('org.clearlinux/crash/clr', payload)->>'id')::bigint AS id
FROM payloads WHERE name = 'crashme' \gset
SELECT j->'record_id' = to_jsonb(:id) AS same_id, j->'classification' AS classification,
       j->'crash_state' AS crash_state, j->'guilty'->>'function' AS stored,
       j->'result'->>'function' AS now, j->'stale' AS stale,
       j->'result'->'guilty_id' = j->'guilty'->'id' AS same_group
FROM telemetrics_api.explain_record(:id) AS j;
BEGIN;
SELECT telemetrics_api.blacklist_add('sum_list', NULL, NULL, NULL, false)->'pending_changes' AS pending;
SELECT j->'guilty'->>'function' AS stored, j->'result'->>'function' AS now, j->'stale' AS stale,
       j->'result' ? 'guilty_id' AS has_group_key
FROM telemetrics_api.explain_record(:id) AS j;
ROLLBACK;

-- invalid input
SELECT telemetrics_api.explain_record(-1);
SELECT telemetrics_api.explain_payload(NULL);

SELECT pg_temp.cleanup();
