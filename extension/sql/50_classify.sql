-- Crash classification (classify.c, backtrace.c, guilty.c, mce.c).
--
-- A BEFORE INSERT trigger on telemetrics.records classifies each record
-- as it is stored, so that the 201 response already carries its guilty
-- group:
--	 - records of a backtrace class (the setting telemetrics.backtrace_classes)
--	   get a guilty group (telemetrics.guilty) and a crash_state;
--	 - records of an MCE class (org.clearlinux/mce/...) get mce_status and
--	   mce_bank;
--	 - records whose classification matches a registered payload parser
--	   (telemetrics.payload_parsers) get that parser's result in parsed.
--
-- The guilty frame skips blacklisted frames (telemetrics.guilty_blacklist,
-- shipped with a default list).  Every change to the blacklist is logged
-- in telemetrics.blacklist_changes; reclassification applies the pending
-- changes to the records they can affect, with one UPDATE statement.
--
-- Locking.  A blacklist change must not race with records being
-- classified under the old rules: the classification trigger holds a ROW
-- SHARE lock on telemetrics.guilty_blacklist until its transaction ends,
-- and any change to the blacklist first takes an EXCLUSIVE lock on it.  So
-- a change waits for the transactions that have classified crashes to
-- finish, and crash ingest waits while a change (and the reclassification
-- in the same transaction) runs.  Reading the blacklist is never blocked.

-- ----------------------------------------------------------------
-- Parsing and explaining payloads (pure functions of the payload)
-- ----------------------------------------------------------------

CREATE FUNCTION telemetrics.backtrace_info(
	p_payload text,
	OUT format text, OUT process text, OUT pid bigint, OUT signal integer,
	OUT truncated boolean, OUT error text, OUT reason text,
	OUT kernel_version text, OUT tainted text, OUT modules text,
	OUT threads integer, OUT frames integer)
RETURNS record
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'telemetrics_backtrace_info';
COMMENT ON FUNCTION telemetrics.backtrace_info(text) IS
	'the header of a crash or kernel oops payload: format (crash, crash_error, kernel or NULL), its header values, thread and frame counts';

CREATE FUNCTION telemetrics.crash_frames(p_payload text)
RETURNS TABLE (process text, pid bigint, signal integer, error text,
			   truncated boolean, thread integer, tid bigint, frame integer,
			   function text, module text, location text, unknown boolean)
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'telemetrics_crash_frames';
COMMENT ON FUNCTION telemetrics.crash_frames(text) IS
	'the frames of a user-space crash payload (crashprobe), one row each in payload order, with the header values repeated';

CREATE FUNCTION telemetrics.oops_frames(p_payload text)
RETURNS TABLE (reason text, kernel_version text, tainted text, modules text,
			   frame integer, function text, module text, unreliable boolean)
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'telemetrics_oops_frames';
COMMENT ON FUNCTION telemetrics.oops_frames(text) IS
	'the frames of a kernel oops payload, one row each in payload order ("? " frames are unreliable), with the header values repeated';

CREATE FUNCTION telemetrics.mce_info(p_payload text, OUT status text, OUT bank integer)
RETURNS record
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'telemetrics_mce_info';
COMMENT ON FUNCTION telemetrics.mce_info(text) IS
	'an mcelog payload''s status (last 8 hex digits before MCGSTATUS, reference section 3.2) and bank';

CREATE FUNCTION telemetrics.find_guilty(
	p_payload text,
	OUT how text, OUT function text, OUT module text, OUT frame_index integer)
RETURNS record
LANGUAGE C STABLE STRICT
AS 'MODULE_PATHNAME', 'telemetrics_find_guilty';
COMMENT ON FUNCTION telemetrics.find_guilty(text) IS
	'the guilty frame of a payload under the current blacklist, without storing anything: how (frame, first_unknown, last_frame, none), function, module';

CREATE FUNCTION telemetrics.explain(p_payload text)
RETURNS TABLE (frame_index integer, line integer, thread integer, tid bigint,
			   block integer, frame integer, function text, module text,
			   location text, decision text, rule_id integer, reason text)
LANGUAGE C STABLE STRICT
AS 'MODULE_PATHNAME', 'telemetrics_explain';
COMMENT ON FUNCTION telemetrics.explain(text) IS
	'every frame of a payload with the decision taken for it under the current blacklist: chosen, blacklisted (rule_id), unknown or skipped, and why';

CREATE FUNCTION telemetrics.rule_matches(
	p_match text, p_rule_function text, p_rule_module text,
	p_function text, p_module text)
RETURNS boolean
LANGUAGE C IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'telemetrics_rule_matches';
COMMENT ON FUNCTION telemetrics.rule_matches(text, text, text, text, text) IS
	'does a blacklist rule (match exact or prefix, function, module or NULL) match a frame''s function and module, as the classifier decides';

CREATE FUNCTION telemetrics.text_contains_any(p_text text, p_needles text[])
RETURNS boolean
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'telemetrics_text_contains_any';
COMMENT ON FUNCTION telemetrics.text_contains_any(text, text[]) IS
	'true if p_text contains any of the (non-NULL, non-empty) needles';

-- ----------------------------------------------------------------
-- The blacklist
-- ----------------------------------------------------------------

CREATE TABLE telemetrics.guilty_blacklist (
	id			integer		GENERATED ALWAYS AS IDENTITY,
	function	text		COLLATE "C" NOT NULL,
	module		text		COLLATE "C",
	match		text		COLLATE "C" NOT NULL DEFAULT 'exact',
	comment		text,
	builtin		boolean		NOT NULL DEFAULT false,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT guilty_blacklist_pkey PRIMARY KEY (id),
	CONSTRAINT guilty_blacklist_rule_key UNIQUE NULLS NOT DISTINCT (function, module, match),
	CONSTRAINT guilty_blacklist_match_check CHECK (match IN ('exact', 'prefix')),
	CONSTRAINT guilty_blacklist_function_check CHECK (
		function OPERATOR(pg_catalog.<>) ''
		AND pg_catalog.char_length(function) <= 1024
		AND function !~ '\(\)$' AND function !~ '^\? ' AND function !~ '^\s|\s$'),
	CONSTRAINT guilty_blacklist_module_check CHECK (
		module OPERATOR(pg_catalog.<>) '' AND pg_catalog.char_length(module) <= 1024)
);
COMMENT ON TABLE telemetrics.guilty_blacklist IS
	'frames never blamed for a crash: exact (function, module) rules and prefix rules; module NULL = any module';
COMMENT ON SEQUENCE telemetrics.guilty_blacklist_id_seq IS 'ids of telemetrics.guilty_blacklist';
COMMENT ON COLUMN telemetrics.guilty_blacklist.function IS
	'the symbol (exact) or symbol prefix (prefix), compared with a frame''s function without "? " and without a trailing "()"';
COMMENT ON COLUMN telemetrics.guilty_blacklist.module IS 'the module the frame must be in, exactly; NULL = any module';
COMMENT ON COLUMN telemetrics.guilty_blacklist.match IS 'exact or prefix';
COMMENT ON COLUMN telemetrics.guilty_blacklist.comment IS 'why the frame is never to blame';
COMMENT ON COLUMN telemetrics.guilty_blacklist.builtin IS 'shipped with the extension (recreated by CREATE EXTENSION, so not dumped by pg_dump)';
COMMENT ON COLUMN telemetrics.guilty_blacklist.created_at IS 'when the rule was added';

-- The default list.  Rules without a module apply to every module (library
-- paths and sonames differ between distributions and glibc versions).
INSERT INTO telemetrics.guilty_blacklist (function, module, match, builtin, comment) VALUES
	-- the abort path: signal delivery and the functions that call it
	('raise', NULL, 'exact', true, 'sends the fatal signal; the frame below decided to crash'),
	('abort', NULL, 'exact', true, 'abort(): the caller decided to crash'),
	('__assert_fail', NULL, 'prefix', true, 'assert() failure (__assert_fail, __assert_fail_base, __assert_fail_base.cold): the caller''s assertion failed'),
	('__pthread_kill_implementation', NULL, 'exact', true, 'glibc >= 2.34: pthread_kill internals under raise()'),
	('__pthread_kill_internal', NULL, 'exact', true, 'glibc >= 2.34: pthread_kill internals under raise()'),
	('pthread_kill', NULL, 'exact', true, 'raise() is pthread_kill(pthread_self(), sig) in glibc >= 2.34'),
	('pthread_kill@', NULL, 'prefix', true, 'versioned pthread_kill (pthread_kill@@GLIBC_2.34)'),
	('__GI_', NULL, 'prefix', true, 'glibc internal aliases (__GI_raise, __GI_abort, __GI___assert_fail): the same functions as above'),
	('__libc_message', NULL, 'exact', true, 'glibc fatal-error reporter (heap checks, fortify): the bug is in the caller'),
	('__libc_fatal', NULL, 'exact', true, 'glibc fatal-error reporter: the bug is in the caller'),
	('__fortify_fail', NULL, 'exact', true, '_FORTIFY_SOURCE failure reporter: the caller overflowed a buffer'),
	('__chk_fail', NULL, 'exact', true, '_FORTIFY_SOURCE failure reporter: the caller overflowed a buffer'),
	('__stack_chk_fail', NULL, 'exact', true, 'stack protector: the caller smashed its stack'),
	('malloc_printerr', NULL, 'exact', true, 'heap corruption reporter: the heap was corrupted by a caller'),
	-- the bottom of every stack
	('__libc_start', NULL, 'prefix', true, 'program start-up (__libc_start_main, __libc_start_call_main, any symbol version)'),
	('_start', NULL, 'exact', true, 'program entry point'),
	('start_thread', NULL, 'exact', true, 'thread start-up (nptl): runs the thread function above it'),
	('__clone', NULL, 'exact', true, 'thread creation trampoline'),
	('__clone3', NULL, 'exact', true, 'thread creation trampoline'),
	('clone', NULL, 'exact', true, 'thread creation trampoline'),
	('clone3', NULL, 'exact', true, 'thread creation trampoline'),
	-- C++ and Rust runtimes: the exception or panic was raised by the caller
	('__cxa_throw', NULL, 'exact', true, 'C++ throw: the thrower is below'),
	('__cxa_rethrow', NULL, 'exact', true, 'C++ rethrow: the rethrower is below'),
	('__cxa_pure_virtual', NULL, 'exact', true, 'pure virtual call: the caller used a destroyed object'),
	('_ZSt9terminatev', NULL, 'exact', true, 'std::terminate()'),
	('_ZN10__cxxabiv111__terminateEPFvvE', NULL, 'exact', true, '__cxxabiv1::__terminate(): std::terminate internals'),
	('_ZN9__gnu_cxx27__verbose_terminate_handlerEv', NULL, 'prefix', true, '__gnu_cxx::__verbose_terminate_handler() (and its .cold part): prints an uncaught exception, then aborts'),
	('_ZN3std9panicking', NULL, 'prefix', true, 'Rust std::panicking::*: the panicking code is below'),
	('_ZN4core9panicking', NULL, 'prefix', true, 'Rust core::panicking::*: the panicking code is below'),
	('_ZN3std7process5abort', NULL, 'prefix', true, 'Rust std::process::abort'),
	('rust_panic', NULL, 'exact', true, 'Rust panic entry'),
	('rust_begin_unwind', NULL, 'exact', true, 'Rust panic entry'),
	('__rust_start_panic', NULL, 'exact', true, 'Rust panic entry'),
	-- GLib: g_assert() and g_error() abort through these
	('g_assertion_message', NULL, 'prefix', true, 'GLib g_assert*() failure reporters: the caller''s assertion failed'),
	('g_log', NULL, 'exact', true, 'GLib logging: g_error() aborts from here'),
	('g_logv', NULL, 'exact', true, 'GLib logging: g_error() aborts from here'),
	('g_log_default_handler', NULL, 'exact', true, 'GLib logging: g_error() aborts from here'),
	('_g_log_abort', NULL, 'exact', true, 'GLib logging: g_error() aborts from here'),
	('g_log_structured', NULL, 'prefix', true, 'GLib structured logging: g_error() aborts from here'),
	('g_log_writer_default', NULL, 'exact', true, 'GLib logging: g_error() aborts from here'),
	-- kernel: the machinery that prints an oops or a warning
	('dump_stack', 'kernel', 'exact', true, 'prints the backtrace of a WARN or BUG'),
	('dump_stack_lvl', 'kernel', 'exact', true, 'prints the backtrace of a WARN or BUG (Linux >= 5.13)'),
	('__dump_stack', 'kernel', 'exact', true, 'prints the backtrace of a WARN or BUG'),
	('__warn', 'kernel', 'exact', true, 'WARN() machinery: the warning is raised by the frame below'),
	('warn_slowpath', 'kernel', 'prefix', true, 'WARN() slow path (warn_slowpath_common, warn_slowpath_fmt, warn_slowpath_null)'),
	('report_bug', 'kernel', 'exact', true, 'BUG()/WARN() trap handling'),
	('handle_bug', 'kernel', 'exact', true, 'BUG()/WARN() trap handling'),
	('exc_invalid_op', 'kernel', 'exact', true, 'BUG()/WARN() trap handling (ud2)'),
	('asm_exc_invalid_op', 'kernel', 'exact', true, 'BUG()/WARN() trap handling (ud2)'),
	('do_invalid_op', 'kernel', 'exact', true, 'BUG()/WARN() trap handling (ud2)'),
	('invalid_op', 'kernel', 'exact', true, 'BUG()/WARN() trap handling (ud2)'),
	('do_error_trap', 'kernel', 'exact', true, 'trap handling'),
	('do_trap', 'kernel', 'exact', true, 'trap handling'),
	('panic', 'kernel', 'exact', true, 'panic(): the caller decided to stop the machine'),
	('die', 'kernel', 'exact', true, 'oops handling'),
	('oops_begin', 'kernel', 'exact', true, 'oops handling'),
	('oops_end', 'kernel', 'exact', true, 'oops handling'),
	('no_context', 'kernel', 'exact', true, 'page-fault handling: the faulting code is below'),
	('__bad_area_nosemaphore', 'kernel', 'exact', true, 'page-fault handling: the faulting code is below'),
	('bad_area_nosemaphore', 'kernel', 'exact', true, 'page-fault handling: the faulting code is below'),
	('page_fault_oops', 'kernel', 'exact', true, 'page-fault handling: the faulting code is below'),
	('kernelmode_fixup_or_oops', 'kernel', 'exact', true, 'page-fault handling: the faulting code is below'),
	('do_user_addr_fault', 'kernel', 'exact', true, 'page-fault handling: the faulting code is below'),
	('do_kern_addr_fault', 'kernel', 'exact', true, 'page-fault handling: the faulting code is below'),
	('exc_page_fault', 'kernel', 'exact', true, 'page-fault entry'),
	('asm_exc_page_fault', 'kernel', 'exact', true, 'page-fault entry'),
	('page_fault', 'kernel', 'exact', true, 'page-fault entry'),
	('do_page_fault', 'kernel', 'exact', true, 'page-fault handling'),
	('__do_page_fault', 'kernel', 'exact', true, 'page-fault handling'),
	('async_page_fault', 'kernel', 'exact', true, 'page-fault entry');

-- Changes to the blacklist, so that reclassification can find the records
-- they affect.  Written by triggers on telemetrics.guilty_blacklist.
CREATE TABLE telemetrics.blacklist_changes (
	id			bigint		GENERATED ALWAYS AS IDENTITY,
	op			text		COLLATE "C" NOT NULL,
	rule_id		integer,
	function	text		COLLATE "C",
	module		text		COLLATE "C",
	match		text		COLLATE "C",
	changed_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	applied_at	timestamptz,
	CONSTRAINT blacklist_changes_pkey PRIMARY KEY (id),
	CONSTRAINT blacklist_changes_op_check CHECK (op IN ('add', 'remove', 'reset'))
);
COMMENT ON TABLE telemetrics.blacklist_changes IS
	'every change to telemetrics.guilty_blacklist; applied_at is NULL until reclassification has applied it';
COMMENT ON SEQUENCE telemetrics.blacklist_changes_id_seq IS 'ids of telemetrics.blacklist_changes';
COMMENT ON COLUMN telemetrics.blacklist_changes.op IS 'add (a rule was added), remove (a rule was removed), reset (the table was truncated)';
COMMENT ON COLUMN telemetrics.blacklist_changes.rule_id IS 'the rule''s id in telemetrics.guilty_blacklist';
COMMENT ON COLUMN telemetrics.blacklist_changes.function IS 'the rule''s function';
COMMENT ON COLUMN telemetrics.blacklist_changes.module IS 'the rule''s module (NULL = any)';
COMMENT ON COLUMN telemetrics.blacklist_changes.match IS 'the rule''s match kind';
COMMENT ON COLUMN telemetrics.blacklist_changes.changed_at IS 'when the change was made';
COMMENT ON COLUMN telemetrics.blacklist_changes.applied_at IS 'when reclassification applied it; NULL = pending';
CREATE INDEX blacklist_changes_pending_idx ON telemetrics.blacklist_changes (id)
	WHERE applied_at IS NULL;

CREATE FUNCTION telemetrics.blacklist_lock()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	LOCK TABLE telemetrics.guilty_blacklist IN EXCLUSIVE MODE;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION telemetrics.blacklist_lock() IS
	'trigger: a change to the blacklist waits for, then blocks, the classification of crashes until it commits';

CREATE FUNCTION telemetrics.blacklist_log()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		INSERT INTO telemetrics.blacklist_changes (op) VALUES ('reset');
		RETURN NULL;
	END IF;
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		IF TG_OP = 'DELETE' OR (OLD.function, OLD.module, OLD.match)
				IS DISTINCT FROM (NEW.function, NEW.module, NEW.match) THEN
			INSERT INTO telemetrics.blacklist_changes (op, rule_id, function, module, match)
			VALUES ('remove', OLD.id, OLD.function, OLD.module, OLD.match);
		END IF;
	END IF;
	IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (OLD.function, OLD.module, OLD.match)
			IS DISTINCT FROM (NEW.function, NEW.module, NEW.match)) THEN
		INSERT INTO telemetrics.blacklist_changes (op, rule_id, function, module, match)
		VALUES ('add', NEW.id, NEW.function, NEW.module, NEW.match);
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION telemetrics.blacklist_log() IS
	'trigger: log a blacklist change in telemetrics.blacklist_changes';

CREATE FUNCTION telemetrics.cache_invalidate()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'telemetrics_cache_invalidate';
COMMENT ON FUNCTION telemetrics.cache_invalidate() IS
	'trigger: tell every session to reload its cached copy of the table (blacklist, payload parsers) when the change commits';

CREATE TRIGGER guilty_blacklist_lock
	BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON telemetrics.guilty_blacklist
	FOR EACH STATEMENT EXECUTE FUNCTION telemetrics.blacklist_lock();
CREATE TRIGGER guilty_blacklist_log
	AFTER INSERT OR UPDATE OR DELETE ON telemetrics.guilty_blacklist
	FOR EACH ROW EXECUTE FUNCTION telemetrics.blacklist_log();
CREATE TRIGGER guilty_blacklist_log_truncate
	AFTER TRUNCATE ON telemetrics.guilty_blacklist
	FOR EACH STATEMENT EXECUTE FUNCTION telemetrics.blacklist_log();
CREATE TRIGGER guilty_blacklist_invalidate
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON telemetrics.guilty_blacklist
	FOR EACH STATEMENT EXECUTE FUNCTION telemetrics.cache_invalidate();

-- ----------------------------------------------------------------
-- Pluggable payload parsers (the reference's POST_PROCESSING_PARSERS)
-- ----------------------------------------------------------------

CREATE TABLE telemetrics.payload_parsers (
	id			integer		GENERATED ALWAYS AS IDENTITY,
	name		text		COLLATE "C" NOT NULL,
	pattern		text		COLLATE "C" NOT NULL,
	parser		pg_catalog.regprocedure NOT NULL,
	enabled		boolean		NOT NULL DEFAULT true,
	comment		text,
	created_at	timestamptz NOT NULL DEFAULT pg_catalog.now(),
	CONSTRAINT payload_parsers_pkey PRIMARY KEY (id),
	CONSTRAINT payload_parsers_name_key UNIQUE (name),
	CONSTRAINT payload_parsers_name_check CHECK (name ~ '^[A-Za-z0-9_.-]{1,63}$'),
	CONSTRAINT payload_parsers_pattern_check CHECK (pattern OPERATOR(pg_catalog.<>) '')
);
COMMENT ON TABLE telemetrics.payload_parsers IS
	'payload parsers: for records whose classification is LIKE pattern, the insert trigger calls parser(telemetrics.records) RETURNS jsonb and stores the result in records.parsed under name';
COMMENT ON SEQUENCE telemetrics.payload_parsers_id_seq IS 'ids of telemetrics.payload_parsers';
COMMENT ON COLUMN telemetrics.payload_parsers.name IS 'the key of the parser''s result in telemetrics.records.parsed';
COMMENT ON COLUMN telemetrics.payload_parsers.pattern IS 'a LIKE pattern on the classification (C collation), e.g. org.clearlinux/telemetry/%';
COMMENT ON COLUMN telemetrics.payload_parsers.parser IS 'a function (telemetrics.records) RETURNS jsonb; it runs as the role inserting the record, in a subtransaction';
COMMENT ON COLUMN telemetrics.payload_parsers.enabled IS 'false: registered but not called';
COMMENT ON COLUMN telemetrics.payload_parsers.comment IS 'what the parser does';
COMMENT ON COLUMN telemetrics.payload_parsers.created_at IS 'when the parser was registered';

CREATE FUNCTION telemetrics.payload_parsers_check()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_proc	pg_catalog.pg_proc%ROWTYPE;
BEGIN
	SELECT * INTO v_proc FROM pg_catalog.pg_proc WHERE oid = NEW.parser;
	IF v_proc.prokind IS DISTINCT FROM 'f' OR v_proc.proretset
	   OR v_proc.pronargs <> 1
	   OR v_proc.proargtypes[0] <> 'telemetrics.records'::pg_catalog.regtype
	   OR v_proc.prorettype <> 'pg_catalog.jsonb'::pg_catalog.regtype THEN
		RAISE EXCEPTION 'payload parser % must be a function (telemetrics.records) RETURNS jsonb', NEW.parser
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION telemetrics.payload_parsers_check() IS
	'trigger: a registered payload parser must be a plain function (telemetrics.records) RETURNS jsonb';

CREATE TRIGGER payload_parsers_check
	BEFORE INSERT OR UPDATE ON telemetrics.payload_parsers
	FOR EACH ROW EXECUTE FUNCTION telemetrics.payload_parsers_check();

-- A regprocedure column does not depend on its function: when a parser's
-- function is dropped, unregister it (a dangling registration would fail
-- on every record, and make a dump of the registry unrestorable).
CREATE FUNCTION telemetrics.payload_parsers_drop()
RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_name	text;
BEGIN
	IF pg_catalog.to_regclass('telemetrics.payload_parsers') IS NULL THEN
		RETURN;					-- the extension itself is being dropped
	END IF;
	FOR v_name IN
		DELETE FROM telemetrics.payload_parsers p
		USING pg_catalog.pg_event_trigger_dropped_objects() d
		WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
		  AND d.objid = p.parser::pg_catalog.oid
		RETURNING p.name
	LOOP
		RAISE NOTICE 'payload parser "%" was unregistered: its function was dropped', v_name;
	END LOOP;
END
$$;
COMMENT ON FUNCTION telemetrics.payload_parsers_drop() IS
	'event trigger: unregister the payload parsers whose function is dropped';
CREATE EVENT TRIGGER telemetrics_payload_parsers_drop ON sql_drop
	WHEN TAG IN ('DROP FUNCTION', 'DROP ROUTINE', 'DROP SCHEMA', 'DROP OWNED', 'DROP EXTENSION')
	EXECUTE FUNCTION telemetrics.payload_parsers_drop();
COMMENT ON EVENT TRIGGER telemetrics_payload_parsers_drop IS
	'unregister the payload parsers whose function is dropped';
CREATE TRIGGER payload_parsers_invalidate
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON telemetrics.payload_parsers
	FOR EACH STATEMENT EXECUTE FUNCTION telemetrics.cache_invalidate();

-- Parser failures, one row per parser and distinct error: the record is
-- stored anyway (without that parser's result) and a WARNING is logged.
CREATE TABLE telemetrics.parser_failures (
	parser_id			integer		NOT NULL,
	parser_name			text		COLLATE "C" NOT NULL,
	sqlstate			text		COLLATE "C" NOT NULL,
	message				text		NOT NULL,
	failures			bigint		NOT NULL DEFAULT 1,
	first_failed_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	last_failed_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	last_record_id		bigint,
	last_received_at	timestamptz,
	last_classification text		COLLATE "C",
	CONSTRAINT parser_failures_pkey PRIMARY KEY (parser_id, sqlstate, message)
);
COMMENT ON TABLE telemetrics.parser_failures IS
	'errors raised by payload parsers, counted per parser and error; the records were stored without that parser''s result';
COMMENT ON COLUMN telemetrics.parser_failures.parser_id IS 'telemetrics.payload_parsers.id';
COMMENT ON COLUMN telemetrics.parser_failures.parser_name IS 'the parser''s name when it failed';
COMMENT ON COLUMN telemetrics.parser_failures.sqlstate IS 'SQLSTATE of the error';
COMMENT ON COLUMN telemetrics.parser_failures.message IS 'the error message (first 1000 bytes)';
COMMENT ON COLUMN telemetrics.parser_failures.failures IS 'how many records it failed on';
COMMENT ON COLUMN telemetrics.parser_failures.first_failed_at IS 'first failure';
COMMENT ON COLUMN telemetrics.parser_failures.last_failed_at IS 'latest failure';
COMMENT ON COLUMN telemetrics.parser_failures.last_record_id IS 'id of the latest record it failed on';
COMMENT ON COLUMN telemetrics.parser_failures.last_received_at IS 'received_at of that record';
COMMENT ON COLUMN telemetrics.parser_failures.last_classification IS 'classification of that record';

-- ----------------------------------------------------------------
-- Classification
-- ----------------------------------------------------------------

CREATE FUNCTION telemetrics.classify(
	p_classification text, p_payload text,
	OUT guilty_id integer, OUT crash_state text)
RETURNS record
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'telemetrics_classify';
COMMENT ON FUNCTION telemetrics.classify(text, text) IS
	'the guilty group (created if new) and crash_state of a record with this classification and payload, as the insert trigger would set them';

CREATE FUNCTION telemetrics.classify_record()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'telemetrics_classify_record';
COMMENT ON FUNCTION telemetrics.classify_record() IS
	'trigger: classify a record as it is stored (guilty group, crash_state, MCE status and bank, payload parsers)';

-- Runs on INSERT, and again when a record's classification or payload is
-- updated.  Updates of guilty_id (reclassification) do not fire it.
CREATE TRIGGER records_classify
	BEFORE INSERT OR UPDATE OF classification, payload ON telemetrics.records
	FOR EACH ROW EXECUTE FUNCTION telemetrics.classify_record();

CREATE FUNCTION telemetrics.backtrace_classes()
RETURNS text[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT coalesce(pg_catalog.array_agg(c ORDER BY c), '{}')
	FROM pg_catalog.regexp_split_to_table(
		pg_catalog.current_setting('telemetrics.backtrace_classes', true), '[\s,]+') AS c
	WHERE c OPERATOR(pg_catalog.<>) ''
$$;
COMMENT ON FUNCTION telemetrics.backtrace_classes() IS
	'the classes whose records get a guilty frame (the setting telemetrics.backtrace_classes), as an array';

-- reclassify_records: recompute guilty_id and crash_state of the records
-- selected by p_where (a boolean SQL expression over "r", a row of
-- telemetrics.records, with $1 = p_guilty, $2 = p_needles, $3 = the
-- backtrace classes), with ids in [p_from_id, p_to_id) when given, and
-- UPDATE, in one statement, those whose values change.  Returns how many
-- were updated.
CREATE FUNCTION telemetrics.reclassify_records(
	p_where text, p_guilty integer[] DEFAULT NULL, p_needles text[] DEFAULT NULL,
	p_from_id bigint DEFAULT NULL, p_to_id bigint DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET work_mem = '64MB'
AS $$
DECLARE
	v_updated	bigint;
BEGIN
	EXECUTE
		'WITH c AS MATERIALIZED ('
		'  SELECT r.id, r.received_at, k.guilty_id, k.crash_state'
		'  FROM telemetrics.records r'
		'  CROSS JOIN LATERAL telemetrics.classify(r.classification, r.payload) k'
		'  WHERE (' || p_where || ')'
		'    AND ($4::bigint IS NULL OR r.id OPERATOR(pg_catalog.>=) $4)'
		'    AND ($5::bigint IS NULL OR r.id OPERATOR(pg_catalog.<) $5)'
		'    AND (r.guilty_id IS DISTINCT FROM k.guilty_id'
		'         OR r.crash_state IS DISTINCT FROM k.crash_state)) '
		'UPDATE telemetrics.records r SET guilty_id = c.guilty_id, crash_state = c.crash_state '
		'FROM c WHERE r.id OPERATOR(pg_catalog.=) c.id'
		'  AND r.received_at OPERATOR(pg_catalog.=) c.received_at'
	USING p_guilty, p_needles, telemetrics.backtrace_classes(), p_from_id, p_to_id;
	GET DIAGNOSTICS v_updated = ROW_COUNT;
	RETURN v_updated;
END
$$;
COMMENT ON FUNCTION telemetrics.reclassify_records(text, integer[], text[], bigint, bigint) IS
	'internal: recompute the guilty group of the records matching a condition (and an id range) and update, in one statement, those that change';

-- reclassify_condition: which records the given blacklist changes can
-- change, as a condition for reclassify_records (NULL: none).  Records can
-- only change if
--	 - a new rule matches their guilty frame (found through the guilty
--	   groups the rule matches), or their guilty frame is a fall-back (a
--	   new rule may match an unknown frame);
--	 - a removed rule matched one of their frames, so its text is in the
--	   payload;
--	 - the blacklist was truncated: any classified record.
CREATE FUNCTION telemetrics.reclassify_condition(
	p_change_ids bigint[], OUT condition text, OUT guilty integer[], OUT needles text[])
RETURNS record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_reset		boolean;
	v_added		boolean;
	v_arms		text[] := '{}';
BEGIN
	SELECT bool_or(c.op = 'reset'), bool_or(c.op = 'add')
	INTO v_reset, v_added
	FROM telemetrics.blacklist_changes c WHERE c.id = ANY (p_change_ids);

	IF v_reset THEN
		v_arms := ARRAY['r.crash_state IN (''classified'', ''fallback'')'];
	ELSE
		IF v_added THEN
			SELECT array_agg(g.id) INTO guilty
			FROM telemetrics.guilty g
			WHERE EXISTS (SELECT 1 FROM telemetrics.blacklist_changes c
						  WHERE c.id = ANY (p_change_ids) AND c.op = 'add'
							AND telemetrics.rule_matches(c.match, c.function, c.module,
														 g.function, g.module));
			IF guilty IS NOT NULL THEN
				v_arms := v_arms || 'r.guilty_id OPERATOR(pg_catalog.=) ANY ($1)'::text;
			END IF;
			v_arms := v_arms || 'r.crash_state = ''fallback'''::text;
		END IF;
		SELECT array_agg(DISTINCT c.function) INTO needles
		FROM telemetrics.blacklist_changes c
		WHERE c.id = ANY (p_change_ids) AND c.op = 'remove';
		IF needles IS NOT NULL THEN
			v_arms := v_arms || ('r.crash_state IN (''classified'', ''fallback'')'
								 ' AND telemetrics.text_contains_any(r.payload, $2)')::text;
		END IF;
	END IF;
	IF cardinality(v_arms) > 0 THEN
		condition := '(' || array_to_string(v_arms, ') OR (') || ')';
	END IF;
END
$$;
COMMENT ON FUNCTION telemetrics.reclassify_condition(bigint[]) IS
	'internal: the condition selecting the records some blacklist changes can reclassify, with the guilty groups and needles it uses';

-- reclassify_pending: apply the pending blacklist changes, in one UPDATE.
CREATE FUNCTION telemetrics.reclassify_pending(OUT updated bigint, OUT changes integer)
RETURNS record
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_ids		bigint[];
	v_cond		record;
BEGIN
	updated := 0;
	-- one reclassification at a time; blacklist changes wait for it
	LOCK TABLE telemetrics.guilty_blacklist IN SHARE UPDATE EXCLUSIVE MODE;
	SELECT array_agg(c.id) INTO v_ids
	FROM telemetrics.blacklist_changes c WHERE c.applied_at IS NULL;
	changes := coalesce(cardinality(v_ids), 0);
	IF changes = 0 THEN
		RETURN;
	END IF;
	v_cond := telemetrics.reclassify_condition(v_ids);
	IF v_cond.condition IS NOT NULL THEN
		updated := telemetrics.reclassify_records(v_cond.condition, v_cond.guilty, v_cond.needles);
	END IF;
	UPDATE telemetrics.blacklist_changes SET applied_at = now() WHERE id = ANY (v_ids);
END
$$;
COMMENT ON FUNCTION telemetrics.reclassify_pending() IS
	'apply the pending blacklist changes to the records they can affect (one UPDATE); returns the records updated and the changes applied';

CREATE FUNCTION telemetrics.reclassify_all(OUT updated bigint, OUT changes integer)
RETURNS record
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	LOCK TABLE telemetrics.guilty_blacklist IN SHARE UPDATE EXCLUSIVE MODE;
	updated := telemetrics.reclassify_records(
		'r.classification OPERATOR(pg_catalog.=) ANY ($3) OR r.crash_state IS NOT NULL');
	WITH a AS (
		UPDATE telemetrics.blacklist_changes SET applied_at = now()
		WHERE applied_at IS NULL RETURNING 1)
	SELECT count(*) INTO changes FROM a;
END
$$;
COMMENT ON FUNCTION telemetrics.reclassify_all() IS
	'recompute the guilty group of every record of a backtrace class (and clear it on records of other classes); one UPDATE of the records that change';

-- ----------------------------------------------------------------
-- JSON shapes
-- ----------------------------------------------------------------

CREATE FUNCTION telemetrics.rule_json(b telemetrics.guilty_blacklist)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT pg_catalog.jsonb_build_object(
		'id', b.id, 'function', b.function, 'module', b.module, 'match', b.match,
		'comment', b.comment, 'builtin', b.builtin,
		'created_at', telemetrics.format_ts(b.created_at))
$$;
COMMENT ON FUNCTION telemetrics.rule_json(telemetrics.guilty_blacklist) IS
	'a blacklist rule as JSON: id, function, module, match, comment, builtin, created_at';

CREATE FUNCTION telemetrics.guilty_group_json(g telemetrics.guilty)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT pg_catalog.jsonb_build_object(
		'id', g.id, 'function', g.function, 'module', g.module,
		'comment', g.comment, 'hidden', g.hidden,
		'created_at', telemetrics.format_ts(g.created_at))
$$;
COMMENT ON FUNCTION telemetrics.guilty_group_json(telemetrics.guilty) IS
	'a guilty group as JSON: id, function, module, comment, hidden, created_at';

CREATE FUNCTION telemetrics.explain_json(p_payload text, p_classification text DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql STABLE
AS $$
	SELECT pg_catalog.jsonb_build_object(
		'format', i.format,
		'process', i.process, 'pid', i.pid, 'signal', i.signal,
		'truncated', i.truncated, 'error', i.error,
		'reason', i.reason, 'kernel_version', i.kernel_version,
		'tainted', i.tainted, 'modules', i.modules,
		'threads', i.threads,
		'backtrace_class', p_classification IS NULL
			OR p_classification OPERATOR(pg_catalog.=) ANY (telemetrics.backtrace_classes()),
		'result', pg_catalog.jsonb_build_object(
			'crash_state', CASE
				WHEN p_classification IS NOT NULL AND NOT p_classification
					OPERATOR(pg_catalog.=) ANY (telemetrics.backtrace_classes()) THEN NULL
				WHEN g.how = 'none' THEN 'no_frames'
				WHEN g.how = 'frame' THEN 'classified'
				ELSE 'fallback' END,
			'how', g.how, 'function', g.function, 'module', g.module,
			'frame_index', g.frame_index,
			'guilty_id', (SELECT x.id FROM telemetrics.guilty x
						  WHERE x.function OPERATOR(pg_catalog.=) g.function
							AND x.module OPERATOR(pg_catalog.=) g.module)),
		'frames', coalesce((
			SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
				'index', e.frame_index, 'line', e.line, 'thread', e.thread,
				'tid', e.tid, 'frame', e.frame, 'function', e.function,
				'module', e.module, 'location', e.location,
				'decision', e.decision, 'reason', e.reason,
				'rule', CASE WHEN b.id IS NULL THEN NULL ELSE telemetrics.rule_json(b) END)
				ORDER BY e.frame_index)
			FROM telemetrics.explain(p_payload) e
			LEFT JOIN telemetrics.guilty_blacklist b ON b.id OPERATOR(pg_catalog.=) e.rule_id), '[]'))
	FROM telemetrics.backtrace_info(p_payload) i, telemetrics.find_guilty(p_payload) g
$$;
COMMENT ON FUNCTION telemetrics.explain_json(text, text) IS
	'explain a payload as JSON: header, the result (crash_state, guilty frame) and every frame with its decision and rule';

-- ----------------------------------------------------------------
-- API (telemetrics_api): SECURITY DEFINER, JSON results; errors carry
-- SQLSTATEs the gateway maps: P0002 -> 404, 22023 -> 400, 23505 -> 409.
-- ----------------------------------------------------------------

CREATE FUNCTION telemetrics_api.explain_payload(p_payload text, p_classification text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
BEGIN
	IF p_payload IS NULL THEN
		RAISE EXCEPTION 'payload is required' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN telemetrics.explain_json(p_payload, p_classification);
END
$$;
COMMENT ON FUNCTION telemetrics_api.explain_payload(text, text) IS
	'explain how a payload would be classified under the current blacklist: every frame with its decision (chosen, blacklisted and by which rule, unknown, skipped)';

CREATE FUNCTION telemetrics_api.explain_record(p_id bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
DECLARE
	v_rec		telemetrics.records;
	v_explain	jsonb;
	v_stored	jsonb;
BEGIN
	SELECT * INTO v_rec FROM telemetrics.records r WHERE r.id = p_id LIMIT 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'record % not found', p_id USING ERRCODE = 'no_data_found';
	END IF;
	v_explain := telemetrics.explain_json(v_rec.payload, v_rec.classification);
	v_stored := telemetrics.guilty_json(v_rec.guilty_id);
	RETURN pg_catalog.jsonb_build_object(
		'record_id', v_rec.id,
		'classification', v_rec.classification,
		'crash_state', v_rec.crash_state,
		'guilty', v_stored,
		'stale', (v_rec.crash_state IS DISTINCT FROM v_explain->'result'->>'crash_state'
				  OR v_stored->>'function' IS DISTINCT FROM v_explain->'result'->>'function'
				  OR v_stored->>'module' IS DISTINCT FROM v_explain->'result'->>'module'))
		|| v_explain;
END
$$;
COMMENT ON FUNCTION telemetrics_api.explain_record(bigint) IS
	'explain a stored record''s classification: its stored guilty group, what the current blacklist gives (stale if they differ), every frame with its decision; P0002 if there is no such record';

CREATE FUNCTION telemetrics_api.blacklist_list()
RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET jit = off
AS $$
	SELECT pg_catalog.jsonb_build_object(
		'rules', coalesce((SELECT pg_catalog.jsonb_agg(telemetrics.rule_json(b) ORDER BY b.function, b.module NULLS FIRST, b.match)
						   FROM telemetrics.guilty_blacklist b), '[]'),
		'pending_changes', (SELECT pg_catalog.count(*) FROM telemetrics.blacklist_changes c
							WHERE c.applied_at IS NULL))
$$;
COMMENT ON FUNCTION telemetrics_api.blacklist_list() IS
	'the blacklist: {"rules": [...], "pending_changes": n}, rules sorted by function';

CREATE FUNCTION telemetrics_api.blacklist_add(
	p_function text, p_module text DEFAULT NULL, p_match text DEFAULT NULL,
	p_comment text DEFAULT NULL, p_reclassify boolean DEFAULT true)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_function	text := btrim(p_function);
	v_module	text := nullif(btrim(p_module), '');
	v_match		text := lower(btrim(p_match));
	v_comment	text := nullif(btrim(p_comment), '');
	v_rule		telemetrics.guilty_blacklist;
	v_updated	bigint;
BEGIN
	IF v_function IS NULL OR v_function = '' THEN
		RAISE EXCEPTION 'a blacklist rule needs a function' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	-- "? foo" is how the kernel prints an unreliable frame; "foo()" how
	-- crashprobe prints a function; "foo*" asks for a prefix rule
	IF v_function LIKE '? %' THEN
		v_function := btrim(substr(v_function, 3));
	END IF;
	IF right(v_function, 1) = '*' THEN
		IF v_match = 'exact' THEN
			RAISE EXCEPTION 'an exact rule cannot end with "*"' USING ERRCODE = 'invalid_parameter_value';
		END IF;
		v_match := 'prefix';
		v_function := rtrim(v_function, '*');
	END IF;
	IF right(v_function, 2) = '()' THEN
		v_function := left(v_function, -2);
	END IF;
	v_match := coalesce(v_match, 'exact');
	IF v_match NOT IN ('exact', 'prefix') THEN
		RAISE EXCEPTION 'match must be exact or prefix, not "%"', p_match
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF v_function = '' OR v_function ~ '\(\)$' OR v_function ~ '^\s|\s$' THEN
		RAISE EXCEPTION 'invalid blacklist function "%"', p_function
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF char_length(v_function) > 1024 OR char_length(v_module) > 1024 THEN
		RAISE EXCEPTION 'blacklist function and module are at most 1024 characters'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF char_length(v_comment) > 1000 THEN
		RAISE EXCEPTION 'a comment is at most 1000 characters' USING ERRCODE = 'invalid_parameter_value';
	END IF;

	INSERT INTO telemetrics.guilty_blacklist (function, module, match, comment)
	VALUES (v_function, v_module, v_match, v_comment)
	ON CONFLICT ON CONSTRAINT guilty_blacklist_rule_key DO NOTHING
	RETURNING * INTO v_rule;
	IF v_rule.id IS NULL THEN
		SELECT * INTO v_rule FROM telemetrics.guilty_blacklist b
		WHERE b.function = v_function AND b.module IS NOT DISTINCT FROM v_module AND b.match = v_match;
		RAISE EXCEPTION 'blacklist rule % already exists', v_rule.id
			USING ERRCODE = 'unique_violation',
				  DETAIL = format('%s %s in %s', v_match, v_function, coalesce(v_module, 'any module'));
	END IF;

	IF p_reclassify THEN
		SELECT p.updated INTO v_updated FROM telemetrics.reclassify_pending() p;
	END IF;
	RETURN pg_catalog.jsonb_build_object(
		'rule', telemetrics.rule_json(v_rule),
		'reclassified', v_updated,
		'pending_changes', (SELECT pg_catalog.count(*) FROM telemetrics.blacklist_changes c
							WHERE c.applied_at IS NULL));
END
$$;
COMMENT ON FUNCTION telemetrics_api.blacklist_add(text, text, text, text, boolean) IS
	'add a blacklist rule (function: "raise", "raise()" or a prefix "__GI_*"; module NULL = any; match exact or prefix) and, unless p_reclassify is false, reclassify the records it affects; 23505 if it exists, 22023 if invalid';

CREATE FUNCTION telemetrics_api.blacklist_remove(p_id integer, p_reclassify boolean DEFAULT true)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_rule		telemetrics.guilty_blacklist;
	v_updated	bigint;
BEGIN
	DELETE FROM telemetrics.guilty_blacklist b WHERE b.id = p_id RETURNING * INTO v_rule;
	IF v_rule.id IS NULL THEN
		RAISE EXCEPTION 'blacklist rule % not found', p_id USING ERRCODE = 'no_data_found';
	END IF;
	IF p_reclassify THEN
		SELECT p.updated INTO v_updated FROM telemetrics.reclassify_pending() p;
	END IF;
	RETURN pg_catalog.jsonb_build_object(
		'rule', telemetrics.rule_json(v_rule),
		'reclassified', v_updated,
		'pending_changes', (SELECT pg_catalog.count(*) FROM telemetrics.blacklist_changes c
							WHERE c.applied_at IS NULL));
END
$$;
COMMENT ON FUNCTION telemetrics_api.blacklist_remove(integer, boolean) IS
	'remove a blacklist rule by id and, unless p_reclassify is false, reclassify the records it affected; P0002 if there is no such rule';

CREATE FUNCTION telemetrics_api.reclassify(p_scope text DEFAULT 'affected')
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_result	record;
BEGIN
	IF p_scope = 'affected' THEN
		v_result := telemetrics.reclassify_pending();
	ELSIF p_scope = 'all' THEN
		v_result := telemetrics.reclassify_all();
	ELSE
		RAISE EXCEPTION 'scope must be affected or all, not "%"', p_scope
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN pg_catalog.jsonb_build_object(
		'scope', p_scope, 'updated', v_result.updated, 'changes_applied', v_result.changes);
END
$$;
COMMENT ON FUNCTION telemetrics_api.reclassify(text) IS
	'reclassify records: affected (apply the pending blacklist changes to the records they can change) or all (every record of a backtrace class); returns {"scope", "updated", "changes_applied"}';

CREATE FUNCTION telemetrics_api.guilty_comment(p_id integer, p_comment text)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_guilty	telemetrics.guilty;
	v_comment	text := nullif(btrim(p_comment), '');
BEGIN
	IF char_length(v_comment) > 1000 THEN
		RAISE EXCEPTION 'a comment is at most 1000 characters' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	UPDATE telemetrics.guilty g SET comment = v_comment WHERE g.id = p_id RETURNING * INTO v_guilty;
	IF v_guilty.id IS NULL THEN
		RAISE EXCEPTION 'guilty group % not found', p_id USING ERRCODE = 'no_data_found';
	END IF;
	RETURN telemetrics.guilty_group_json(v_guilty);
END
$$;
COMMENT ON FUNCTION telemetrics_api.guilty_comment(integer, text) IS
	'set (or, with NULL or blank, clear) the comment of a guilty group; returns the group; P0002 if unknown, 22023 if over 1000 characters';

-- Hide or show a guilty group: the body of guilty_hide and guilty_unhide.
CREATE FUNCTION telemetrics.guilty_set_hidden(p_id integer, p_hidden boolean)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_guilty	telemetrics.guilty;
BEGIN
	UPDATE telemetrics.guilty g SET hidden = p_hidden WHERE g.id = p_id RETURNING * INTO v_guilty;
	IF v_guilty.id IS NULL THEN
		RAISE EXCEPTION 'guilty group % not found', p_id USING ERRCODE = 'no_data_found';
	END IF;
	RETURN telemetrics.guilty_group_json(v_guilty);
END
$$;
COMMENT ON FUNCTION telemetrics.guilty_set_hidden(integer, boolean) IS
	'set the hidden flag of a guilty group; returns the group; P0002 if unknown';

CREATE FUNCTION telemetrics_api.guilty_hide(p_id integer)
RETURNS jsonb
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT telemetrics.guilty_set_hidden(p_id, true) $$;
COMMENT ON FUNCTION telemetrics_api.guilty_hide(integer) IS
	'hide a guilty group from the top-crash lists; returns the group; P0002 if unknown';

CREATE FUNCTION telemetrics_api.guilty_unhide(p_id integer)
RETURNS jsonb
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT telemetrics.guilty_set_hidden(p_id, false) $$;
COMMENT ON FUNCTION telemetrics_api.guilty_unhide(integer) IS
	'show a hidden guilty group again; returns the group; P0002 if unknown';

-- pg_dump keeps the data of these tables (the shipped blacklist rules are
-- recreated by CREATE EXTENSION, so only the added ones are dumped).
-- telemetrics.blacklist_changes is a work queue and is not dumped: a
-- restore logs the restored rules again (as pending, harmless changes).
SELECT pg_catalog.pg_extension_config_dump('telemetrics.guilty', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.guilty_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.guilty_blacklist', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.guilty_blacklist_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.payload_parsers', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.payload_parsers_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('telemetrics.parser_failures', '');
