-- Parsing crash and kernel oops payloads: telemetrics.backtrace_info,
-- crash_frames, oops_frames over every payload shape of the corpus and of
-- client-protocol.md section 7, and over malformed input.
\set VERBOSITY terse
\set ECHO none
\i sql/include/classify_fixtures.psql
\set ECHO all

-- the header of every payload
SELECT p.name, i.format, i.process, i.pid, i.signal, i.truncated, i.threads, i.frames,
       i.error IS NOT NULL AS has_error, i.reason IS NOT NULL AS has_reason
FROM payloads p, telemetrics.backtrace_info(p.payload) i
WHERE p.name NOT LIKE 'mce%'
ORDER BY p.name;

-- user space (crashprobe): every frame of the two-thread abort
SELECT process, pid, signal, thread, tid, frame, function, module, location, unknown
FROM payloads, telemetrics.crash_frames(payload)
WHERE name = 'mtabort' ORDER BY thread, frame;

-- stripped binary, (no symbols), C++ names stay mangled
SELECT name, frame, function, module, location, unknown
FROM payloads, telemetrics.crash_frames(payload)
WHERE name IN ('stripped', 'no_symbols', 'cxx', 'cxx_throw') ORDER BY name, thread, frame;

-- 64-frame recursion with the "Too many frames" line
SELECT truncated, count(*) AS frames, min(frame) AS first, max(frame) AS last,
       count(DISTINCT function) AS functions
FROM payloads, telemetrics.crash_frames(payload)
WHERE name = 'recursion' GROUP BY truncated;

-- the error variant: the message, and the partial backtrace
SELECT error, frame, function, module, location
FROM payloads, telemetrics.crash_frames(payload)
WHERE name = 'crash_error' ORDER BY frame;

-- CRLF and a missing final newline parse like the original
SELECT (SELECT array_agg(f ORDER BY f::text) FROM payloads p2, telemetrics.crash_frames(p2.payload) f WHERE p2.name = 'mtabort_crlf')
     = (SELECT array_agg(f ORDER BY f::text) FROM payloads p2, telemetrics.crash_frames(p2.payload) f WHERE p2.name = 'mtabort') AS crlf_same,
       (SELECT array_agg(f ORDER BY f::text) FROM payloads p2, telemetrics.crash_frames(p2.payload) f WHERE p2.name = 'crashme_no_eol')
     = (SELECT array_agg(f ORDER BY f::text) FROM payloads p2, telemetrics.crash_frames(p2.payload) f WHERE p2.name = 'crashme') AS no_eol_same;

-- kernel oops: the header values and every frame ("? " = unreliable)
SELECT reason, kernel_version, tainted, modules
FROM payloads, telemetrics.oops_frames(payload)
WHERE name IN ('kernel_bug', 'kernel_warning', 'kernel_null')
GROUP BY 1, 2, 3, 4 ORDER BY 1;
SELECT name, frame, function, module, unreliable
FROM payloads, telemetrics.oops_frames(payload)
WHERE name IN ('kernel_bug', 'kernel_warning') ORDER BY name, frame;

-- truncated payloads: a frame cut before its "]" is not a frame
SELECT name, frame, function, module, location
FROM payloads, telemetrics.crash_frames(payload)
WHERE name IN ('truncated_first', 'truncated_second', 'kernel_truncated') ORDER BY name, frame;

-- no frames at all: empty, garbage, BERT, third party
SELECT name, count(f.frame) AS frames
FROM payloads p LEFT JOIN LATERAL telemetrics.crash_frames(p.payload) f ON true
WHERE name IN ('empty', 'garbage', 'bert', 'third_party') GROUP BY name ORDER BY name;

-- the first line is read like any other
SELECT frame, function, module FROM telemetrics.crash_frames(E'#0 crashed_here() - [/usr/bin/x]') ORDER BY frame;

-- odd but valid frames: several " - [", a "]" in the location, leading
-- white space, a versioned symbol, tabs
SELECT frame, function, module, location
FROM telemetrics.crash_frames(E'#0 f() - [a] - [b]\n#1 g() - [/lib/x] - /src/a[1].c:3\n  #2 h() - [m]\n#3 __libc_start_main@@GLIBC_2.34() - [libc.so.6]\n#4\tnot_a_frame() - [m]\n#5 sp ace() - [m] -   \n')
ORDER BY frame;

-- big inputs stay linear: 200000 frames, and one 2 MB line
SELECT count(*) AS frames FROM telemetrics.crash_frames(repeat(E'#1 f() - [m]\n', 200000));
SELECT frames, threads FROM telemetrics.backtrace_info('#0 ' || repeat(' - [', 500000));
SELECT count(*) FROM telemetrics.crash_frames('#0 f' || repeat(']', 1000000) || ' - [m]');

-- NULL in, nothing out
SELECT count(*) FROM telemetrics.crash_frames(NULL);
SELECT format IS NULL AS null_row FROM telemetrics.backtrace_info(NULL);
