-- Every read function of the API (the STABLE ones) runs with jit = off
-- (70_api_common.sql): with PostgreSQL's default, some of their queries
-- were compiled on every call once the records table was large.  The
-- ingest functions do not carry the setting (it costs every call a GUC
-- save and restore, and their statements are cheap to plan).
\set VERBOSITY terse

-- read functions without jit = off: none
SELECT p.oid::regprocedure AS missing_jit_off
FROM pg_proc p
WHERE p.pronamespace = 'telemetrics_api'::regnamespace
  AND p.provolatile = 's'
  AND NOT coalesce('jit=off' = ANY (p.proconfig), false)
ORDER BY 1;

-- how many carry it, and that the writes and ingest functions do not
SELECT p.provolatile AS volatility,
       count(*) FILTER (WHERE 'jit=off' = ANY (p.proconfig)) AS jit_off,
       count(*) AS functions
FROM pg_proc p
WHERE p.pronamespace = 'telemetrics_api'::regnamespace
GROUP BY 1 ORDER BY 1;
SELECT p.oid::regprocedure AS ingest_function, p.proconfig
FROM pg_proc p
WHERE p.pronamespace = 'telemetrics_api'::regnamespace
  AND p.proname IN ('ingest', 'ingest_batch', 'ingest_batch_text', 'quarantine_request')
ORDER BY 1;

-- the caller's own setting is back after a call
SET jit = on;
SELECT (telemetrics_api.search_records('{}') ? 'records') AS answered,
       current_setting('jit') AS caller_jit_after;
RESET jit;
