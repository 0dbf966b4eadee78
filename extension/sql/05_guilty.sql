-- Guilty groups: one row per (function, module) that crashes were blamed
-- on (reference-backend.md section 3; classify.c chooses the frame).
--
-- Created here, before the records table, because telemetrics.record_json
-- names a record's guilty group.  Function names keep the probe's "()"
-- suffix and modules are the module string as the probe printed it, as
-- the reference stored them.  A group's identity never changes: its
-- function and module cannot be updated and groups cannot be deleted
-- (records point at them, and every backend caches the mapping); hide a
-- group instead.

CREATE TABLE telemetrics.guilty (
	id			integer		GENERATED ALWAYS AS IDENTITY,
	function	text		COLLATE "C" NOT NULL,
	module		text		COLLATE "C" NOT NULL,
	comment		text,
	hidden		boolean		NOT NULL DEFAULT false,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT guilty_pkey PRIMARY KEY (id),
	CONSTRAINT guilty_function_module_key UNIQUE (function, module)
);
COMMENT ON TABLE telemetrics.guilty IS
	'guilty groups: the (function, module) of the frame a crash was blamed on; permanent, hide instead of deleting';
COMMENT ON SEQUENCE telemetrics.guilty_id_seq IS 'ids of telemetrics.guilty';
COMMENT ON COLUMN telemetrics.guilty.id IS 'guilty group id (telemetrics.records.guilty_id)';
COMMENT ON COLUMN telemetrics.guilty.function IS 'function as the probe printed it, with its "()" (user space) or without (kernel); "???" for an unknown one';
COMMENT ON COLUMN telemetrics.guilty.module IS 'module as the probe printed it: a path, a soname, or "kernel"';
COMMENT ON COLUMN telemetrics.guilty.comment IS 'a note by a developer (at most 1000 characters)';
COMMENT ON COLUMN telemetrics.guilty.hidden IS 'hidden from the top-crash lists';
COMMENT ON COLUMN telemetrics.guilty.created_at IS 'when the first crash of this group was classified';

CREATE FUNCTION telemetrics.guilty_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_OP = 'UPDATE' THEN
		IF NEW.id IS DISTINCT FROM OLD.id OR NEW.function IS DISTINCT FROM OLD.function
		   OR NEW.module IS DISTINCT FROM OLD.module THEN
			RAISE EXCEPTION 'the function and module of a guilty group cannot change'
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  HINT = 'Blacklist the frame and reclassify instead.';
		END IF;
		RETURN NEW;
	END IF;
	RAISE EXCEPTION 'guilty groups cannot be deleted'
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  HINT = 'Hide the group instead (telemetrics_api.guilty_hide).';
END
$$;
COMMENT ON FUNCTION telemetrics.guilty_guard() IS
	'trigger: a guilty group keeps its id, function and module forever, and is never deleted';

CREATE TRIGGER guilty_guard
	BEFORE UPDATE OR DELETE ON telemetrics.guilty
	FOR EACH ROW EXECUTE FUNCTION telemetrics.guilty_guard();
CREATE TRIGGER guilty_guard_truncate
	BEFORE TRUNCATE ON telemetrics.guilty
	FOR EACH STATEMENT EXECUTE FUNCTION telemetrics.guilty_guard();

-- The JSON form of a group in records: {"id", "function", "module"}.  In C
-- (classify.c) so that it sees the groups the classification trigger has
-- just created in the same statement (INSERT ... RETURNING record_json),
-- which a SQL lookup with the statement's snapshot would not.
CREATE FUNCTION telemetrics.guilty_json(p_id integer)
RETURNS jsonb
LANGUAGE C STABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'telemetrics_guilty_json';
COMMENT ON FUNCTION telemetrics.guilty_json(integer) IS
	'a guilty group as {"id", "function", "module"}, or NULL if there is no such group';
