-- Reclassification in the background.
--
-- Reclassifying a large fleet after a blacklist change takes longer than
-- an HTTP request may (and longer than the gateway's statement timeout).
-- telemetrics_api.reclassify_start() queues a job and starts a background
-- worker (reclassify_worker.c), which works through the records in id
-- ranges, one transaction per range, so that progress is visible and
-- committed as it goes; telemetrics_api.reclassify_status() reports it.
-- One worker runs at a time (a session advisory lock) and takes the jobs
-- oldest first.  A job claims the pending blacklist changes when it
-- starts; changes made while it runs are left for the next job.  Records
-- stored while a job runs are classified by the insert trigger with the
-- rules of that moment, so the job's range ends at the largest id when it
-- started.

CREATE TABLE telemetrics.reclassify_jobs (
	id			bigint		GENERATED ALWAYS AS IDENTITY,
	scope		text		COLLATE "C" NOT NULL,
	state		text		COLLATE "C" NOT NULL DEFAULT 'queued',
	condition	text,
	guilty		integer[],
	needles		text[],
	change_ids	bigint[]	NOT NULL DEFAULT '{}',
	first_id	bigint,
	last_id		bigint,
	next_id		bigint,
	updated		bigint		NOT NULL DEFAULT 0,
	error		text,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	started_at	timestamptz,
	finished_at timestamptz,
	CONSTRAINT reclassify_jobs_pkey PRIMARY KEY (id),
	CONSTRAINT reclassify_jobs_scope_check CHECK (scope IN ('affected', 'all')),
	CONSTRAINT reclassify_jobs_state_check CHECK (state IN ('queued', 'running', 'done', 'failed'))
);
COMMENT ON TABLE telemetrics.reclassify_jobs IS
	'background reclassifications: queued by telemetrics_api.reclassify_start(), run by a background worker in id ranges';
COMMENT ON SEQUENCE telemetrics.reclassify_jobs_id_seq IS 'ids of telemetrics.reclassify_jobs';
COMMENT ON COLUMN telemetrics.reclassify_jobs.scope IS 'affected (the pending blacklist changes) or all (every crash record)';
COMMENT ON COLUMN telemetrics.reclassify_jobs.state IS 'queued, running, done or failed';
COMMENT ON COLUMN telemetrics.reclassify_jobs.condition IS 'which records the job looks at (see reclassify_records); NULL when nothing can change';
COMMENT ON COLUMN telemetrics.reclassify_jobs.change_ids IS 'the blacklist changes the job applies';
COMMENT ON COLUMN telemetrics.reclassify_jobs.next_id IS 'the job has done every record id below this';
COMMENT ON COLUMN telemetrics.reclassify_jobs.updated IS 'records whose guilty group changed so far';
CREATE INDEX reclassify_jobs_state_idx ON telemetrics.reclassify_jobs (state, id);

-- reclassify_job_json: a job and its progress (0 to 1).
CREATE FUNCTION telemetrics.reclassify_job_json(j telemetrics.reclassify_jobs)
RETURNS jsonb
LANGUAGE sql STABLE
AS $$
	SELECT pg_catalog.jsonb_build_object(
		'id', j.id, 'scope', j.scope, 'state', j.state,
		'changes', pg_catalog.cardinality(j.change_ids),
		'updated', j.updated,
		'progress', CASE
			WHEN j.state = 'done' THEN 1.0
			WHEN j.state = 'queued' OR j.first_id IS NULL OR j.last_id IS NULL
				OR j.last_id < j.first_id THEN 0.0
			ELSE pg_catalog.round(least(1.0, greatest(0.0,
				(j.next_id - j.first_id)::numeric / (j.last_id - j.first_id + 1))), 4)
			END,
		'error', j.error,
		'created_at', telemetrics.format_ts(j.created_at),
		'started_at', telemetrics.format_ts(j.started_at),
		'finished_at', telemetrics.format_ts(j.finished_at))
$$;
COMMENT ON FUNCTION telemetrics.reclassify_job_json(telemetrics.reclassify_jobs) IS
	'a reclassification job as JSON, with its progress from 0 to 1';

-- reclassify_queue: a queued job of this scope (an existing one if there
-- is one: it will take every change pending when it starts).
CREATE FUNCTION telemetrics.reclassify_queue(p_scope text)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_id	bigint;
BEGIN
	IF p_scope IS NULL OR p_scope NOT IN ('affected', 'all') THEN
		RAISE EXCEPTION 'scope must be affected or all, not "%"', p_scope
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	PERFORM pg_advisory_xact_lock(pg_catalog.hashtext('telemetrics.reclassify_queue'));
	SELECT j.id INTO v_id FROM telemetrics.reclassify_jobs j
	WHERE j.state = 'queued' AND j.scope = p_scope ORDER BY j.id LIMIT 1;
	IF v_id IS NULL THEN
		INSERT INTO telemetrics.reclassify_jobs (scope) VALUES (p_scope) RETURNING id INTO v_id;
	END IF;
	RETURN v_id;
END
$$;
COMMENT ON FUNCTION telemetrics.reclassify_queue(text) IS
	'internal: queue a reclassification job of a scope, or return the one already queued';

-- reclassify_work: one step of the background worker.  Begins the oldest
-- queued job if none is running (claiming the pending blacklist changes
-- and fixing the id range), then reclassifies up to p_ids record ids of
-- the running job.  Returns the job id, or NULL when there is nothing to
-- do.  Runs under the blacklist lock, like every reclassification.
CREATE FUNCTION telemetrics.reclassify_work(p_ids bigint)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	j		telemetrics.reclassify_jobs;
	v_cond	record;
	v_to	bigint;
	v_n		bigint;
BEGIN
	LOCK TABLE telemetrics.guilty_blacklist IN SHARE UPDATE EXCLUSIVE MODE;
	SELECT * INTO j FROM telemetrics.reclassify_jobs
	WHERE state = 'running' ORDER BY id LIMIT 1 FOR UPDATE;
	IF j.id IS NULL THEN
		SELECT * INTO j FROM telemetrics.reclassify_jobs
		WHERE state = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED;
		IF j.id IS NULL THEN
			RETURN NULL;
		END IF;
		SELECT coalesce(array_agg(c.id ORDER BY c.id), '{}') INTO j.change_ids
		FROM telemetrics.blacklist_changes c WHERE c.applied_at IS NULL;
		IF j.scope = 'all' THEN
			j.condition := 'r.classification OPERATOR(pg_catalog.=) ANY ($3) OR r.crash_state IS NOT NULL';
		ELSE
			v_cond := telemetrics.reclassify_condition(j.change_ids);
			j.condition := v_cond.condition;
			j.guilty := v_cond.guilty;
			j.needles := v_cond.needles;
		END IF;
		SELECT min(r.id), max(r.id) INTO j.first_id, j.last_id FROM telemetrics.records r;
		j.next_id := coalesce(j.first_id, 0);
		j.state := 'running';
		j.started_at := pg_catalog.clock_timestamp();
	END IF;

	IF j.condition IS NOT NULL AND j.last_id IS NOT NULL AND j.next_id <= j.last_id THEN
		v_to := least(j.next_id + greatest(p_ids, 1), j.last_id + 1);
		v_n := telemetrics.reclassify_records(j.condition, j.guilty, j.needles, j.next_id, v_to);
		j.updated := j.updated + v_n;
		j.next_id := v_to;
	END IF;
	IF j.condition IS NULL OR j.last_id IS NULL OR j.next_id > j.last_id THEN
		j.state := 'done';
		j.finished_at := pg_catalog.clock_timestamp();
		UPDATE telemetrics.blacklist_changes SET applied_at = pg_catalog.now()
		WHERE id = ANY (j.change_ids) AND applied_at IS NULL;
	END IF;
	UPDATE telemetrics.reclassify_jobs SET
		state = j.state, condition = j.condition, guilty = j.guilty, needles = j.needles,
		change_ids = j.change_ids, first_id = j.first_id, last_id = j.last_id,
		next_id = j.next_id, updated = j.updated, started_at = j.started_at,
		finished_at = j.finished_at
	WHERE id = j.id;
	RETURN j.id;
END
$$;
COMMENT ON FUNCTION telemetrics.reclassify_work(bigint) IS
	'internal: one step of the reclassification worker (begins the oldest queued job, then reclassifies up to p_ids record ids); NULL when idle';

-- reclassify_fail: the worker's step failed; record why and give up the job.
CREATE FUNCTION telemetrics.reclassify_fail(p_error text)
RETURNS void
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
	UPDATE telemetrics.reclassify_jobs
	SET state = 'failed', error = p_error, finished_at = pg_catalog.clock_timestamp()
	WHERE id = (SELECT min(id) FROM telemetrics.reclassify_jobs WHERE state = 'running');
$$;
COMMENT ON FUNCTION telemetrics.reclassify_fail(text) IS
	'internal: mark the running reclassification job failed, with the error';

-- reclassify_launch (reclassify_worker.c): start the background worker
-- unless one is running; returns whether a worker was started.
CREATE FUNCTION telemetrics.reclassify_launch()
RETURNS boolean
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'telemetrics_reclassify_launch';
COMMENT ON FUNCTION telemetrics.reclassify_launch() IS
	'start the background reclassification worker unless one runs; it takes the queued jobs oldest first';

CREATE FUNCTION telemetrics_api.reclassify_start(p_scope text DEFAULT 'affected')
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_id	bigint := telemetrics.reclassify_queue(p_scope);
BEGIN
	PERFORM telemetrics.reclassify_launch();
	RETURN (SELECT telemetrics.reclassify_job_json(j) FROM telemetrics.reclassify_jobs j WHERE j.id = v_id);
END
$$;
COMMENT ON FUNCTION telemetrics_api.reclassify_start(text) IS
	'queue a background reclassification (affected: the pending blacklist changes; all: every crash record) and start the worker; returns the job (see reclassify_status)';

CREATE FUNCTION telemetrics_api.reclassify_status(p_id bigint DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_job	jsonb;
BEGIN
	IF p_id IS NULL THEN
		RETURN pg_catalog.jsonb_build_object('jobs', coalesce(
			(SELECT pg_catalog.jsonb_agg(telemetrics.reclassify_job_json(j) ORDER BY j.id DESC)
			 FROM (SELECT * FROM telemetrics.reclassify_jobs ORDER BY id DESC LIMIT 20) j), '[]'),
			'pending_changes', (SELECT pg_catalog.count(*) FROM telemetrics.blacklist_changes c
								WHERE c.applied_at IS NULL));
	END IF;
	SELECT telemetrics.reclassify_job_json(j) INTO v_job FROM telemetrics.reclassify_jobs j WHERE j.id = p_id;
	IF v_job IS NULL THEN
		RAISE EXCEPTION 'reclassification job % not found', p_id USING ERRCODE = 'no_data_found';
	END IF;
	RETURN v_job;
END
$$;
COMMENT ON FUNCTION telemetrics_api.reclassify_status(bigint) IS
	'a reclassification job and its progress; without an id, the 20 latest jobs and the number of pending blacklist changes; P0002 for an unknown id';
