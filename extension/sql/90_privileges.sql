-- Privileges.  The script creates no roles.  Functions are executable by
-- PUBLIC by default; take that away, so that only roles granted EXECUTE
-- (see the README: GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA
-- telemetrics_api TO telemetrics_gateway) can call the API.

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA telemetrics_api FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA telemetrics FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA telemetrics FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA telemetrics FROM PUBLIC;

-- pg_dump keeps the data of these extension tables.
SELECT pg_catalog.pg_extension_config_dump('telemetrics.records', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.records_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.record_keys', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.quarantine', '');
