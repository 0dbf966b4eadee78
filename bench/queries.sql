-- bench/queries.sql: data generator and timing harness of bench/queries.
-- Loaded into the benchmark database only (schema "bench"); never part of
-- the extension.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;

-- ----------------------------------------------------------------------
-- A realistic fleet.  Machine m (0 <= m < p_machines; low m are more
-- active) has a fixed platform, arch (3% aarch64), OS (5% debian, with
-- non-numeric builds) and source (75% external), and runs one of the
-- latest three Clear Linux builds (a new build every 3 days).  Classes,
-- severities and payloads follow the telemetrics-client probes: heartbeats,
-- swupd, user-space crashes (backtraces over a Zipf-like pool of 3000
-- functions), kernel oopses, MCEs with a status code, thermal events,
-- journal errors.
-- ----------------------------------------------------------------------
CREATE FUNCTION bench.crash_payload(f1 int, f2 int, prog int) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT 'Process: /usr/bin/prog' || prog || E'\nPID: ' || (1000 + f2) || E'\nSignal: 11\n\n'
		|| 'Backtrace (TID ' || (1000 + f2) || E'):\n'
		|| '#0 fn_' || f1 || '() - [/usr/lib64/libmod' || (f1 % 97) || '.so.0] - src' || f1 || E'.c:' || (10 + f2) || E'\n'
		|| '#1 fn_' || f2 || '() - [/usr/lib64/libmod' || (f2 % 97) || E'.so.0]\n'
		|| '#2 helper_' || (f1 % 50) || '() - [/usr/lib64/libhelper.so.1] - helper.c:' || f2 || E'\n'
		|| '#3 dispatch_event() - [/usr/lib64/libevent.so.2] - event.c:' || (f1 % 1000) || E'\n'
		|| E'#4 g_main_context_dispatch() - [/usr/lib64/libglib-2.0.so.0]\n'
		|| E'#5 g_main_loop_run() - [/usr/lib64/libglib-2.0.so.0]\n'
		|| '#6 main() - [/usr/bin/prog' || prog || E']\n'
		|| E'#7 __libc_start_main() - [/usr/lib64/libc.so.6]\n'
		|| '#8 _start() - [/usr/bin/prog' || prog || E']\n\n'
		|| 'Backtrace (TID ' || (1001 + f2) || E'):\n'
		|| E'#0 poll() - [/usr/lib64/libc.so.6]\n#1 g_main_context_iterate() - [/usr/lib64/libglib-2.0.so.0]\n'
		|| E'#2 start_thread() - [/usr/lib64/libpthread.so.0]\n'
$$;

CREATE FUNCTION bench.oops_payload(f1 int, f2 int) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT E'Crash Report:\nReason: WARNING: CPU: ' || (f2 % 8) || ' PID: ' || (100 + f2)
		|| ' at drivers/kmod' || (f1 % 40) || '/core.c:' || (100 + f1) || ' kfn_' || f1 || E'+0x6e/0x70\n'
		|| E'Backtrace :\n#1 dump_stack - [kernel]\n#2 __warn - [kernel]\n'
		|| '#3 kfn_' || f1 || E' - [kernel]\n#4 kfn_' || f2 || E' - [kernel]\n'
		|| E'#5 worker_thread - [kernel]\n#6 kthread - [kernel]\n#7 ret_from_fork - [kernel]\n'
$$;

CREATE FUNCTION bench.mce_payload(status int, bank int) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT E'Hardware event. This is not a software error.\nMCE 0\nCPU 2 BANK ' || bank
		|| E' TSC 1a2b3c4d5e\nMISC 0 ADDR 0\nTIME 1600000000 Mon Sep 14 12:26:40 2020\n'
		|| 'STATUS 9c000000' || lpad(to_hex(65536 + status * 37), 8, '0') || E' MCGSTATUS 0\n'
		|| E'MCGCAP c09 APICID 4 SOCKETID 0\nCPUID Vendor Intel Family 6 Model 142\n'
$$;

-- gen(day, day index, seed, n, machines): n records received on that UTC
-- day (id: 1 to n; the caller numbers them).
CREATE FUNCTION bench.gen(p_day date, p_day_index int, p_seed int, p_n int, p_machines int)
RETURNS TABLE (id bigint, received_at timestamptz, created_at timestamptz, machine_id text,
			   host_type text, arch text, classification text, severity int, build text,
			   kernel_version text, record_version int, payload_version int,
			   system_name text, board_name text, cpu_model text, bios_version text,
			   event_id text, external boolean, payload text)
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM setseed(((p_seed * 7919) % 100000) / 100000.0);
	RETURN QUERY
	SELECT x.g::bigint, x.ts, x.ts - interval '2 minutes',
			   md5('machine' || x.m), 'Vendor' || ((x.m * 7919) % 2000 % 23) || '|Product ' || ((x.m * 7919) % 2000) || '|1.0',
			   CASE WHEN x.m % 33 = 0 THEN 'aarch64' ELSE 'x86_64' END,
			   c.cls, c.sev,
			   CASE WHEN x.m % 20 = 0 THEN '12.' || (p_day_index / 10)
					ELSE (31000 + 10 * greatest(0, p_day_index / 3 - (CASE WHEN x.m % 7 < 4 THEN 0 WHEN x.m % 7 < 6 THEN 1 ELSE 2 END)))::text END,
			   '6.1.' || (p_day_index / 3) || '-1234.native', 4, 1,
			   CASE WHEN x.m % 20 = 0 THEN 'debian' ELSE 'clear-linux-os' END,
			   'board-' || (x.m % 50), 'Intel(R) Core(TM) i7-' || (8000 + x.m % 9), 'BIOS ' || (x.m % 11),
			   md5(x.g::text || p_seed), x.m % 4 <> 0,
			   CASE WHEN c.cls = 'org.clearlinux/crash/clr' THEN bench.crash_payload(x.f1, x.f2, x.f1 % 200)
					WHEN c.cls LIKE 'org.clearlinux/kernel/%' THEN bench.oops_payload(x.f1, x.f2)
					WHEN c.cls LIKE 'org.clearlinux/mce/%' AND c.cls <> 'org.clearlinux/mce/thermal'
						THEN bench.mce_payload(CASE WHEN x.f2 % 5 = 0 THEN x.f1 % 60 ELSE x.m % 60 END, x.m % 8)
					WHEN c.cls = 'org.clearlinux/mce/thermal'
						THEN E'CPU 3 THERMAL EVENT TSC 1a2b3c\nProcessor 3 heated above trip temperature. Throttling enabled.\n'
					WHEN c.cls = 'org.clearlinux/heartbeat/ping' THEN 'hello'
					WHEN c.cls = 'org.clearlinux/swupd-client/update'
						THEN E'Update\n\ncurrent_version=' || (31000 + 10 * greatest(0, p_day_index / 3 - 1))
							 || E'\nserver_version=' || (31000 + 10 * (p_day_index / 3)) || E'\nresult=0\n'
					ELSE 'journal: service unit' || x.f1 || '.service failed with result ''exit-code'' (code=' || x.f2 || ')'
			   END
		FROM (SELECT g, y.m0 AS m0, y.r,
					 -- hardware errors come from few, faulty machines: MCEs from
					 -- 1 machine in 40, thermal events from 1 in 20
					 CASE WHEN y.r >= 0.77 AND y.r < 0.809 THEN (y.m0 / 40) * 40 + 7
						  WHEN y.r >= 0.809 AND y.r < 0.83 THEN (y.m0 / 20) * 20 + 3
						  ELSE y.m0 END AS m,
					 y.f1, y.f2, y.ts
			  FROM (SELECT g, floor(p_machines * power(random(), 1.4))::int AS m0, random() AS r,
					 floor(3000 * power(random(), 3))::int AS f1, floor(3000 * random())::int AS f2,
					 (p_day::timestamp AT TIME ZONE 'UTC') + random() * interval '86399 seconds' AS ts
					FROM generate_series(1, p_n) g) y) x
		CROSS JOIN LATERAL (
			SELECT CASE WHEN x.r < 0.35 THEN 'org.clearlinux/heartbeat/ping'
						WHEN x.r < 0.45 THEN 'org.clearlinux/swupd-client/update'
						WHEN x.r < 0.63 THEN 'org.clearlinux/crash/clr'
						WHEN x.r < 0.66 THEN 'org.clearlinux/crash/unknown'
						WHEN x.r < 0.68 THEN 'org.clearlinux/crash/error'
						WHEN x.r < 0.69 THEN 'org.clearlinux/crash/clr-build'
						WHEN x.r < 0.75 THEN 'org.clearlinux/kernel/warning'
						WHEN x.r < 0.765 THEN 'org.clearlinux/kernel/bug'
						WHEN x.r < 0.77 THEN 'org.clearlinux/kernel/stackoverflow'
						WHEN x.r < 0.80 THEN 'org.clearlinux/mce/corrected'
						WHEN x.r < 0.805 THEN 'org.clearlinux/mce/UCNA'
						WHEN x.r < 0.807 THEN 'org.clearlinux/mce/SRAO'
						WHEN x.r < 0.809 THEN 'org.clearlinux/mce/SRAR'
						WHEN x.r < 0.83 THEN 'org.clearlinux/mce/thermal'
						ELSE 'org.clearlinux/journal/error' END AS cls,
				   CASE WHEN x.r < 0.45 THEN 1
						WHEN x.r < 0.63 THEN 3
						WHEN x.r < 0.66 THEN 2
						WHEN x.r < 0.68 THEN 4
						WHEN x.r < 0.69 THEN 2
						WHEN x.r < 0.75 THEN 2
						WHEN x.r < 0.77 THEN 4
						WHEN x.r < 0.80 THEN 2
						WHEN x.r < 0.805 THEN 3
						WHEN x.r < 0.809 THEN 4
						ELSE 2 END AS sev) c;
END
$$;

-- load(day, day index, seed, n, machines): insert n records received on
-- that UTC day, in one statement (through telemetrics.records, so every
-- trigger runs).
CREATE FUNCTION bench.load(p_day date, p_day_index int, p_seed int, p_n int, p_machines int)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	v_n bigint;
BEGIN
	INSERT INTO telemetrics.records (id, received_at, created_at, machine_id, host_type, arch,
		classification, severity, build, kernel_version, record_version, payload_version,
		system_name, board_name, cpu_model, bios_version, event_id, external, payload)
	SELECT nextval('telemetrics.records_id_seq'), g.received_at, g.created_at, g.machine_id,
		   g.host_type, g.arch, g.classification, g.severity, g.build, g.kernel_version,
		   g.record_version, g.payload_version, g.system_name, g.board_name, g.cpu_model,
		   g.bios_version, g.event_id, g.external, g.payload
	FROM bench.gen(p_day, p_day_index, p_seed, p_n, p_machines) g;
	GET DIAGNOSTICS v_n = ROW_COUNT;
	RETURN v_n;
END
$$;

-- Batches for the ingest benchmark: fields and payloads as the gateway
-- passes them to telemetrics_api.ingest_batch, with the same mix as
-- bench.load (record format 3: no event id, so that a batch can be sent
-- again without being a duplicate).
CREATE TABLE bench.batches (id int PRIMARY KEY, fields jsonb[], payloads bytea[]);
CREATE FUNCTION bench.make_batches(p_count int, p_size int, p_machines int) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO bench.batches
	SELECT (r.id - 1) / p_size + 1,
		   array_agg(jsonb_build_object(
				'record_format_version', '3', 'classification', r.classification,
				'severity', r.severity::text, 'machine_id', r.machine_id,
				'creation_timestamp', '1800000000', 'arch', r.arch, 'host_type', r.host_type,
				'build', r.build, 'kernel_version', r.kernel_version, 'payload_format_version', '1',
				'system_name', r.system_name, 'board_name', r.board_name, 'cpu_model', r.cpu_model,
				'bios_version', r.bios_version, 'x_clr_external', r.external::text) ORDER BY r.id),
		   array_agg(convert_to(r.payload, 'UTF8') ORDER BY r.id)
	FROM bench.gen((now() AT TIME ZONE 'UTC')::date, 100, 42, p_count * p_size, p_machines) r
	GROUP BY 1
$$;

-- ----------------------------------------------------------------------
-- Timing
-- ----------------------------------------------------------------------
CREATE TABLE bench.timings (name text, kind text, params jsonb, ms double precision);

-- time(name, sql, params): run sql (one $1 jsonb parameter) once per
-- element of params, record each duration.  The first call of each
-- function is a warm-up and not recorded.
CREATE FUNCTION bench.time(p_name text, p_sql text, p_params jsonb[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	v_p		jsonb;
	v_t0	timestamptz;
	v_junk	text;
BEGIN
	EXECUTE p_sql INTO v_junk USING p_params[1];
	FOREACH v_p IN ARRAY p_params LOOP
		v_t0 := clock_timestamp();
		EXECUTE p_sql INTO v_junk USING v_p;
		INSERT INTO bench.timings VALUES (p_name, 'api', v_p,
			extract(epoch FROM clock_timestamp() - v_t0) * 1000);
	END LOOP;
END
$$;

-- naive(name, sql, runs): time a plain query over telemetrics.records
CREATE FUNCTION bench.naive(p_name text, p_sql text, p_runs int DEFAULT 2) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	v_t0	timestamptz;
	v_i		int;
BEGIN
	FOR v_i IN 1 .. p_runs LOOP
		v_t0 := clock_timestamp();
		-- x::text keeps the planner from dropping a subquery whose output is unused
		EXECUTE 'SELECT count(*) FROM (' || p_sql || ') x WHERE x::text IS NOT NULL';
		INSERT INTO bench.timings VALUES (p_name, 'naive', NULL,
			extract(epoch FROM clock_timestamp() - v_t0) * 1000);
	END LOOP;
END
$$;
