-- Set up a telemetrics database: the extension and the least-privilege
-- gateway role, exactly as the README's "Production" section describes.
-- Run as a superuser with psql -v gwpw=<password of telemetrics_gateway>.

\set ON_ERROR_STOP on
\if :{?gwpw}
\else
DO $$ BEGIN RAISE EXCEPTION 'no password for the telemetrics_gateway role'
	USING HINT = 'Run psql -v gwpw=PASSWORD -d DATABASE -f scripts/setup-db.sql'; END $$;
\endif
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS telemetrics;
ALTER EXTENSION telemetrics UPDATE;

SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'telemetrics_gateway') AS need_role \gset
\if :need_role
CREATE ROLE telemetrics_gateway LOGIN;
\endif
ALTER ROLE telemetrics_gateway WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'gwpw';

GRANT CONNECT ON DATABASE :"DBNAME" TO telemetrics_gateway;
GRANT USAGE ON SCHEMA telemetrics_api TO telemetrics_gateway;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA telemetrics_api TO telemetrics_gateway;
