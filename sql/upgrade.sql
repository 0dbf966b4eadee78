-- Install and upgrade chain; install-script hygiene.
\set VERBOSITY terse

CREATE EXTENSION telemetrics VERSION '1.0';
ALTER EXTENSION telemetrics UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'telemetrics';
SELECT telemetrics_api.version();

-- every table, view, sequence and function of the extension has a comment
SELECT c.oid::regclass AS uncommented
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname IN ('telemetrics', 'telemetrics_api')
  AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND obj_description(c.oid, 'pg_class') IS NULL
ORDER BY 1;
SELECT p.oid::regprocedure AS uncommented
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname IN ('telemetrics', 'telemetrics_api')
  AND obj_description(p.oid, 'pg_proc') IS NULL
ORDER BY 1;

-- API functions are SECURITY DEFINER with a pinned search_path
SELECT p.oid::regprocedure AS unsafe
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'telemetrics_api'
  AND (NOT p.prosecdef OR p.proconfig IS NULL
       OR NOT 'search_path=pg_catalog, pg_temp' = ANY (p.proconfig))
ORDER BY 1;

-- nothing is executable by PUBLIC
SELECT p.oid::regprocedure AS public_execute
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname IN ('telemetrics', 'telemetrics_api')
  AND has_function_privilege('public', p.oid, 'EXECUTE')
ORDER BY 1;

-- the install script refuses to adopt a schema it did not create
DROP EXTENSION telemetrics;
CREATE SCHEMA telemetrics;
CREATE EXTENSION telemetrics;
DROP SCHEMA telemetrics;
CREATE EXTENSION telemetrics;
SELECT count(*) AS schemas FROM pg_namespace WHERE nspname IN ('telemetrics', 'telemetrics_api');

-- a database that is not UTF8 is refused with a clear error
CREATE DATABASE regress_tm_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c regress_tm_latin1
CREATE EXTENSION telemetrics;
\c contrib_regression
DROP DATABASE regress_tm_latin1;
