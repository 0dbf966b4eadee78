-- Daily partitions of telemetrics.records.
--
-- A partition covers one UTC day, [day 00:00, next day 00:00), and is named
-- records_YYYYMMDD.  They are created ahead of time (ingest asks for the
-- current day and a week ahead the first time it sees a day it has no
-- partition for; the retention job does the same), with CREATE TABLE ...
-- LIKE and ATTACH PARTITION, which takes only a SHARE UPDATE EXCLUSIVE lock
-- on telemetrics.records and so never blocks concurrent inserts.

CREATE FUNCTION telemetrics.partition_name(p_day date)
RETURNS name
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
	SELECT ('records_' OPERATOR(pg_catalog.||) pg_catalog.to_char(p_day, 'YYYYMMDD'))::pg_catalog.name
$$;
COMMENT ON FUNCTION telemetrics.partition_name(date) IS
	'name of the telemetrics.records partition holding records received on that UTC day';

CREATE FUNCTION telemetrics.ensure_partitions(p_from timestamptz, p_to timestamptz)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_day	date := (p_from AT TIME ZONE 'UTC')::date;
	v_last	date := (p_to AT TIME ZONE 'UTC')::date;
	v_name	name;
	v_lo	timestamptz;
	v_hi	timestamptz;
	v_made	integer := 0;
	v_locked boolean := false;
BEGIN
	IF v_last - v_day > 3660 THEN
		RAISE EXCEPTION 'partition range too long: % to %', p_from, p_to
			USING ERRCODE = 'program_limit_exceeded';
	END IF;
	WHILE v_day <= v_last LOOP
		v_name := telemetrics.partition_name(v_day);
		IF to_regclass('telemetrics.' || quote_ident(v_name)) IS NULL THEN
			IF NOT v_locked THEN
				-- Serialize creators, then look again.  SHARE UPDATE
				-- EXCLUSIVE conflicts with itself (and is what ATTACH takes)
				-- but not with inserts; taking a relation lock also makes
				-- this backend see partitions other backends just committed.
				LOCK TABLE telemetrics.records IN SHARE UPDATE EXCLUSIVE MODE;
				v_locked := true;
				CONTINUE;
			END IF;
			v_lo := (v_day::timestamp AT TIME ZONE 'UTC');
			v_hi := ((v_day + 1)::timestamp AT TIME ZONE 'UTC');
			EXECUTE format('CREATE TABLE telemetrics.%I (LIKE telemetrics.records '
						   'INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE '
						   'INCLUDING COMPRESSION)', v_name);
			-- lets ATTACH skip its validation scan; dropped right after,
			-- since the partition bound then says the same, and every
			-- CHECK constraint costs every INSERT statement its start-up
			-- (about a tenth of a one-record ingest() for this one)
			EXECUTE format('ALTER TABLE telemetrics.%I ADD CONSTRAINT %I '
						   'CHECK (received_at >= %L AND received_at < %L)',
						   v_name, v_name || '_range', v_lo, v_hi);
			EXECUTE format('ALTER TABLE telemetrics.records ATTACH PARTITION telemetrics.%I '
						   'FOR VALUES FROM (%L) TO (%L)', v_name, v_lo, v_hi);
			EXECUTE format('ALTER TABLE telemetrics.%I DROP CONSTRAINT %I',
						   v_name, v_name || '_range');
			EXECUTE format('COMMENT ON TABLE telemetrics.%I IS %L', v_name,
						   'telemetrics.records received on ' || v_day || ' (UTC)');
			v_made := v_made + 1;
		END IF;
		v_day := v_day + 1;
	END LOOP;
	RETURN v_made;
END
$$;
COMMENT ON FUNCTION telemetrics.ensure_partitions(timestamptz, timestamptz) IS
	'create the missing daily partitions of telemetrics.records for p_from to p_to; returns how many were created';
