-- telemetrics install script.
--
-- Generated: the Makefile concatenates extension/sql/*.sql in name order
-- into telemetrics--<version>.sql.  Each part holds one concern.  Every
-- object is schema-qualified; search_path is pinned for the script.

\echo Use "CREATE EXTENSION telemetrics" to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;

-- Payloads are stored as UTF-8 (or decoded from Latin-1 into it), and
-- record fields may hold any Unicode character.
DO $$
BEGIN
	IF pg_catalog.getdatabaseencoding() OPERATOR(pg_catalog.<>) 'UTF8' THEN
		RAISE EXCEPTION 'telemetrics requires a database with the UTF8 encoding'
			USING ERRCODE = 'feature_not_supported',
				  DETAIL = pg_catalog.format('This database uses %s.', pg_catalog.getdatabaseencoding()),
				  HINT = 'Create the database with ENCODING ''UTF8''.';
	END IF;
END
$$;

-- The control file installs into pg_catalog (the pg_cron pattern), so the
-- schemas below are created here: if either already exists, CREATE
-- EXTENSION fails instead of adopting a schema somebody else owns.
CREATE SCHEMA telemetrics;
COMMENT ON SCHEMA telemetrics IS
	'telemetrics: tables, views and internal functions; not for the gateway role';

CREATE SCHEMA telemetrics_api;
COMMENT ON SCHEMA telemetrics_api IS
	'telemetrics: the functions the gateway role may call (SECURITY DEFINER)';

-- Nobody but the owner uses the internal schema; API roles are granted
-- USAGE on telemetrics_api explicitly (see the README).
REVOKE ALL ON SCHEMA telemetrics FROM PUBLIC;
REVOKE ALL ON SCHEMA telemetrics_api FROM PUBLIC;

-- Timestamps in responses, as the reference printed them:
-- 'YYYY-MM-DD HH:MM:SS UTC'.
CREATE FUNCTION telemetrics.format_ts(p_ts timestamptz)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
	SELECT pg_catalog.to_char(p_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') OPERATOR(pg_catalog.||) ' UTC'
$$;
COMMENT ON FUNCTION telemetrics.format_ts(timestamptz) IS
	'format a timestamp as the reference backend did: YYYY-MM-DD HH:MM:SS UTC';
