-- bench/reclassify: data generator and measuring procedures (loaded into
-- the benchmark database by bench/reclassify; not part of the extension).
\set ON_ERROR_STOP 1
CREATE SCHEMA bench;

-- A realistic mix of crash payloads, deterministic in n: 35% segfaults in a
-- program's own function (two threads), 25% assert() aborts, 10% stripped
-- binaries, 10% uncaught C++ exceptions, 10% kernel warnings, 10% kernel
-- BUGs with unreliable frames.  About 5000 programs and 300 drivers, so
-- some 16000 guilty groups.
CREATE FUNCTION bench.payload(n bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
	WHEN n % 20 < 7 THEN format(
E'Process: /usr/bin/app%1$s\nPID: %2$s\nSignal: 11\n\nBacktrace (TID %2$s):\n'
'#0 leaf_%1$s() - [/usr/bin/app%1$s] - /usr/src/app%1$s/list.c:%3$s\n'
'#1 walk_%4$s() - [/usr/bin/app%1$s] - /usr/src/app%1$s/walk.c:20\n'
'#2 main() - [/usr/bin/app%1$s] - /usr/src/app%1$s/main.c:25\n'
'#3 __libc_start_call_main() - [libc.so.6] - ../sysdeps/nptl/libc_start_call_main.h:58\n'
'#4 __libc_start_main@@GLIBC_2.34() - [libc.so.6] - ../csu/libc-start.c:360\n'
'#5 _start() - [/usr/bin/app%1$s]\n\nBacktrace (TID %5$s):\n'
'#0 poll() - [libc.so.6] - ../sysdeps/unix/sysv/linux/poll.c:29\n'
'#1 g_main_context_iterate.constprop.0() - [libglib-2.0.so.0]\n'
'#2 g_main_loop_run() - [libglib-2.0.so.0]\n'
'#3 worker_%1$s() - [/usr/bin/app%1$s] - /usr/src/app%1$s/worker.c:88\n'
'#4 start_thread() - [libc.so.6] - ./nptl/pthread_create.c:442\n'
'#5 __clone3() - [libc.so.6] - ../sysdeps/unix/sysv/linux/x86_64/clone3.S:81\n\n',
		a, 1000 + n % 60000, 10 + n % 50, a % 97, 1001 + n % 60000)
	WHEN n % 20 < 12 THEN format(
E'Process: /usr/bin/tool%1$s\nPID: %2$s\nSignal: 6\n\nBacktrace (TID %2$s):\n'
'#0 __pthread_kill_implementation() - [libc.so.6] - ./nptl/pthread_kill.c:44\n'
'#1 raise() - [libc.so.6] - ../sysdeps/posix/raise.c:26\n'
'#2 abort() - [libc.so.6] - ./stdlib/abort.c:79\n'
'#3 __assert_fail_base.cold() - [libc.so.6] - ./assert/assert.c:94\n'
'#4 __assert_fail() - [libc.so.6] - ./assert/assert.c:103\n'
'#5 check_%1$s() - [/usr/bin/tool%1$s] - /usr/src/tool%1$s/config.c:8\n'
'#6 main() - [/usr/bin/tool%1$s] - /usr/src/tool%1$s/main.c:15\n'
'#7 __libc_start_call_main() - [libc.so.6] - ../sysdeps/nptl/libc_start_call_main.h:58\n'
'#8 __libc_start_main@@GLIBC_2.34() - [libc.so.6] - ../csu/libc-start.c:360\n'
'#9 _start() - [/usr/bin/tool%1$s]\n\n', a, 1000 + n % 60000)
	WHEN n % 20 < 14 THEN format(
E'Process: stripped%1$s\nPID: %2$s\nSignal: 11\n\nBacktrace (TID %2$s):\n'
'#0 ??? - [/usr/bin/stripped%1$s]\n#1 ??? - [/usr/bin/stripped%1$s]\n#2 ??? - [/usr/bin/stripped%1$s]\n'
'#3 __libc_start_call_main() - [libc.so.6] - ../sysdeps/nptl/libc_start_call_main.h:58\n'
'#4 __libc_start_main@@GLIBC_2.34() - [libc.so.6] - ../csu/libc-start.c:360\n'
'#5 ??? - [/usr/bin/stripped%1$s]\n\n', a % 500, 1000 + n % 60000)
	WHEN n % 20 < 16 THEN format(
E'Process: /usr/bin/cxx%1$s\nPID: %2$s\nSignal: 6\n\nBacktrace (TID %2$s):\n'
'#0 __pthread_kill_implementation() - [libc.so.6] - ./nptl/pthread_kill.c:44\n'
'#1 raise() - [libc.so.6] - ../sysdeps/posix/raise.c:26\n'
'#2 abort() - [libc.so.6] - ./stdlib/abort.c:79\n'
'#3 _ZN9__gnu_cxx27__verbose_terminate_handlerEv.cold() - [libstdc++.so.6]\n'
'#4 ??? - [libstdc++.so.6]\n#5 _ZSt9terminatev() - [libstdc++.so.6]\n#6 __cxa_throw() - [libstdc++.so.6]\n'
'#7 _ZN3app%1$s6Loader4loadERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE() - [/usr/bin/cxx%1$s] - /usr/src/cxx%1$s/loader.cpp:41\n'
'#8 main() - [/usr/bin/cxx%1$s] - /usr/src/cxx%1$s/main.cpp:7\n\n', a, 1000 + n % 60000)
	WHEN n % 20 < 18 THEN format(
E'Crash Report:\nReason: WARNING: CPU: %2$s PID: %3$s at drivers/drv%1$s/core.c:%4$s drv%1$s_probe+0x30/0x70 [drv%1$s]\n'
'Kernel Version : 6.1.%5$s-1-amd64 #1 SMP Debian\nTainted : G        W  OE  \n'
'Modules : drv%1$s(OE) snd_hda_intel snd_hda_codec i915 drm_kms_helper drm video wmi\nBacktrace :\n'
'#1 dump_stack_lvl - [kernel]\n#2 __warn - [kernel]\n#3 ? drv%1$s_probe - [kernel]\n#4 report_bug - [kernel]\n'
'#5 handle_bug - [kernel]\n#6 exc_invalid_op - [kernel]\n#7 asm_exc_invalid_op - [kernel]\n'
'#8 drv%1$s_probe - [kernel]\n#9 really_probe - [kernel]\n#10 __driver_probe_device - [kernel]\n'
'#11 driver_probe_device - [kernel]\n#12 ? __device_attach_driver - [kernel]\n\n',
		a % 300, n % 8, 100 + n % 9000, 100 + n % 900, n % 30)
	ELSE format(
E'Crash Report:\nReason: BUG: unable to handle page fault for address: %2$s\n'
'Kernel Version : 6.1.%3$s-1-amd64 #1 SMP Debian\nTainted : Not tainted\n'
'Modules : drv%1$s nf_conntrack nf_defrag_ipv6 usb_storage sunrpc\nBacktrace :\n'
'Register RIP: Non-zero\nRegister RSP: Non-zero\nRegister RAX: Zero\nRegister RBX: Non-zero\n'
'#1 ? drv%1$s_alloc - [kernel]\n#2 ? kmem_cache_alloc - [kernel]\n#3 ? __alloc_pages - [kernel]\n'
'#4 drv%1$s_open - [kernel]\n#5 ? chrdev_open - [kernel]\n#6 ? do_dentry_open - [kernel]\n'
'#7 link_path_walk - [kernel]\n#8 path_openat - [kernel]\n#9 ? do_filp_open - [kernel]\n'
'#10 ? do_sys_openat2 - [kernel]\n#11 ? __x64_sys_openat - [kernel]\n#12 ? do_syscall_64 - [kernel]\n\n',
		a % 300, lpad(to_hex(n % 65536), 16, 'f'), n % 30)
	END
	FROM (SELECT ((n / 20) * 7919) % 5000 AS a) s
$$;

CREATE FUNCTION bench.classification(n bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN n % 20 < 16 THEN 'org.clearlinux/crash/clr'
				WHEN n % 20 < 18 THEN 'org.clearlinux/kernel/warning'
				ELSE 'org.clearlinux/kernel/bug' END
$$;

CREATE FUNCTION bench.fields(n bigint, p_prefix text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object(
		'record_format_version', '4', 'classification', bench.classification(n),
		'severity', CASE WHEN n % 20 BETWEEN 16 AND 17 THEN '2' ELSE '3' END,
		'machine_id', p_prefix || (n % 20000), 'creation_timestamp', (1795000000 + n % 700000)::text,
		'arch', 'x86_64', 'host_type', 'Intel(R) Client Systems|NUC7i5BNH|J31169-307',
		'build', (30000 + n % 8)::text, 'kernel_version', '6.1.0-13-amd64',
		'payload_format_version', '1', 'system_name', 'debian',
		'board_name', 'NUC7i5BNB|Intel Corporation', 'cpu_model', 'Intel(R) Core(TM) i5-7260U',
		'bios_version', 'BNKBL357.86A.0088', 'event_id', md5(p_prefix || n))
$$;

-- Input batches, built before anything is timed.
CREATE TABLE bench.batches (
	k			integer PRIMARY KEY,
	fields		jsonb[] NOT NULL,
	payloads	bytea[] NOT NULL,
	records		integer NOT NULL);

CREATE PROCEDURE bench.make_batches(p_first bigint, p_records bigint, p_batch integer, p_prefix text)
LANGUAGE plpgsql AS $$
DECLARE
	i	integer := 0;
BEGIN
	TRUNCATE bench.batches;
	WHILE i * p_batch < p_records LOOP
		INSERT INTO bench.batches
		SELECT i, array_agg(bench.fields(g, p_prefix) ORDER BY g),
			   array_agg(convert_to(bench.payload(g), 'UTF8') ORDER BY g), count(*)
		FROM generate_series(p_first + i::bigint * p_batch,
							 p_first + least((i + 1)::bigint * p_batch, p_records) - 1) AS g;
		i := i + 1;
		IF i % 50 = 0 THEN
			COMMIT;
		END IF;
	END LOOP;
END
$$;

-- Ingest batches k with k % p_mod = p_rem, one transaction each (durable
-- commits); the time spent inside ingest_batch and the commits only.
CREATE TABLE bench.timings (phase text, records bigint, seconds double precision);

CREATE PROCEDURE bench.ingest(p_phase text, p_mod integer, p_rem integer)
LANGUAGE plpgsql AS $$
DECLARE
	b		record;
	t0		timestamptz;
	total	double precision := 0;
	n		bigint := 0;
	bad		bigint;
BEGIN
	FOR b IN SELECT k FROM bench.batches WHERE k % p_mod = p_rem ORDER BY k LOOP
		t0 := clock_timestamp();
		SELECT count(*) FILTER (WHERE outcome <> 'stored') INTO bad
		FROM bench.batches x, telemetrics_api.ingest_batch(x.fields, x.payloads,
			ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']) WHERE x.k = b.k;
		COMMIT;
		total := total + extract(epoch FROM clock_timestamp() - t0);
		IF bad > 0 THEN
			RAISE EXCEPTION '% records of batch % were not stored', bad, b.k;
		END IF;
		n := n + (SELECT records FROM bench.batches WHERE k = b.k);
	END LOOP;
	INSERT INTO bench.timings VALUES (p_phase, n, total);
	COMMIT;
END
$$;

-- The trigger ratio: the same batches ingested alternately with and
-- without the classification trigger (ALTER TABLE ... DISABLE TRIGGER
-- records_classify), in rounds whose order alternates.
CREATE PROCEDURE bench.ratio(p_rounds integer)
LANGUAGE plpgsql AS $$
DECLARE
	r		integer;
	on_first boolean;
	t0		timestamptz;
	t_on	double precision := 0;
	t_off	double precision := 0;
	n_on	bigint := 0;
	n_off	bigint := 0;
	pass	integer;
	v_k		integer;
	with_trigger boolean;
BEGIN
	FOR r IN 0 .. p_rounds - 1 LOOP
		on_first := r % 2 = 0;
		FOR pass IN 0 .. 1 LOOP
			with_trigger := (pass = 0) = on_first;
			v_k := 2 * r + pass;
			IF with_trigger THEN
				ALTER TABLE telemetrics.records ENABLE TRIGGER records_classify;
			ELSE
				ALTER TABLE telemetrics.records DISABLE TRIGGER records_classify;
			END IF;
			COMMIT;
			t0 := clock_timestamp();
			PERFORM count(*) FROM bench.batches x, telemetrics_api.ingest_batch(x.fields, x.payloads,
				ARRAY['6907c830-eed9-4ce9-81ae-76daf8d88f0f']) WHERE x.k = v_k;
			COMMIT;
			IF with_trigger THEN
				t_on := t_on + extract(epoch FROM clock_timestamp() - t0);
				n_on := n_on + (SELECT records FROM bench.batches b WHERE b.k = v_k);
			ELSE
				t_off := t_off + extract(epoch FROM clock_timestamp() - t0);
				n_off := n_off + (SELECT records FROM bench.batches b WHERE b.k = v_k);
			END IF;
		END LOOP;
	END LOOP;
	ALTER TABLE telemetrics.records ENABLE TRIGGER records_classify;
	INSERT INTO bench.timings VALUES ('ratio_with_trigger', n_on, t_on), ('ratio_without_trigger', n_off, t_off);
	COMMIT;
END
$$;
