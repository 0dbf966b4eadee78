/*-------------------------------------------------------------------------
 *
 * payload_sql.c
 *		SQL functions over the payload parsers: backtrace_info, crash_frames,
 *		oops_frames, mce_info, find_guilty, explain, rule_matches,
 *		text_contains_any.
 *
 * Thin wrappers: the parsing and the decisions are in backtrace.c,
 * guilty.c and mce.c.  The set-returning functions materialize their rows
 * (InitMaterializedSRF); values of each row are built in a short-lived
 * context that is reset after the row is stored, so memory stays bounded
 * by the tuplestore, whatever the number of frames.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_collation_d.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "backtrace.h"
#include "guilty.h"
#include "mce.h"
#include "telemetrics.h"

PG_FUNCTION_INFO_V1(telemetrics_backtrace_info);
PG_FUNCTION_INFO_V1(telemetrics_crash_frames);
PG_FUNCTION_INFO_V1(telemetrics_oops_frames);
PG_FUNCTION_INFO_V1(telemetrics_mce_info);
PG_FUNCTION_INFO_V1(telemetrics_find_guilty);
PG_FUNCTION_INFO_V1(telemetrics_explain);
PG_FUNCTION_INFO_V1(telemetrics_rule_matches);
PG_FUNCTION_INFO_V1(telemetrics_text_contains_any);

/* A span as text, or SQL NULL (*isnull) when absent. */
static Datum
span_datum(TmSpan s, bool *isnull)
{
	*isnull = (s.ptr == NULL);
	if (s.ptr == NULL)
		return (Datum) 0;
	return PointerGetDatum(cstring_to_text_with_len(s.ptr, (int) s.len));
}

/* A number that is -1 when absent, as int8 or SQL NULL. */
static Datum
number_datum(int64 v, bool *isnull)
{
	*isnull = (v < 0);
	return Int64GetDatum(v < 0 ? 0 : v);
}

/* The same as int4 (signals fit; saturate the rest). */
static Datum
int4_datum(int64 v, bool *isnull)
{
	*isnull = (v < 0);
	return Int32GetDatum(v < 0 ? 0 : (int32) Min(v, (int64) PG_INT32_MAX));
}

static MemoryContext
row_context(void)
{
	return AllocSetContextCreate(CurrentMemoryContext, "telemetrics frame row",
								 ALLOCSET_SMALL_SIZES);
}

/*
 * telemetrics.backtrace_info(p_payload text, OUT format text, ...)
 */
Datum
telemetrics_backtrace_info(PG_FUNCTION_ARGS)
{
	text	   *payload = PG_GETARG_TEXT_PP(0);
	TupleDesc	tupdesc;
	TmBtInfo	info;
	Datum		values[12];
	bool		nulls[12];
	const char *format;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	tm_bt_info(VARDATA_ANY(payload), VARSIZE_ANY_EXHDR(payload), &info);
	format = tm_bt_format_name(info.format);
	nulls[0] = (format == NULL);
	values[0] = format ? CStringGetTextDatum(format) : (Datum) 0;
	values[1] = span_datum(info.process, &nulls[1]);
	values[2] = number_datum(info.pid, &nulls[2]);
	values[3] = int4_datum(info.signal, &nulls[3]);
	values[4] = BoolGetDatum(info.truncated);
	nulls[4] = false;
	values[5] = span_datum(info.error, &nulls[5]);
	values[6] = span_datum(info.reason, &nulls[6]);
	values[7] = span_datum(info.kernel_version, &nulls[7]);
	values[8] = span_datum(info.tainted, &nulls[8]);
	values[9] = span_datum(info.modules, &nulls[9]);
	values[10] = Int32GetDatum(info.threads);
	nulls[10] = false;
	values[11] = Int32GetDatum((int32) Min(info.frames, (size_t) PG_INT32_MAX));
	nulls[11] = false;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * telemetrics.crash_frames(p_payload text) RETURNS TABLE (process, pid,
 *		signal, error, truncated, thread, tid, frame, function, module,
 *		location, unknown)
 */
Datum
telemetrics_crash_frames(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	text	   *payload = PG_GETARG_TEXT_PP(0);
	const char *buf = VARDATA_ANY(payload);
	size_t		len = VARSIZE_ANY_EXHDR(payload);
	TmBtInfo	info;
	TmBtScanner sc;
	TmBtLine	line;
	MemoryContext rowcxt;

	InitMaterializedSRF(fcinfo, 0);
	tm_bt_info(buf, len, &info);
	rowcxt = row_context();

	tm_bt_init(&sc, buf, len);
	while (tm_bt_next(&sc, &line))
	{
		Datum		values[12];
		bool		nulls[12];
		MemoryContext old;

		if (line.kind != TM_BT_LINE_FRAME)
			continue;
		old = MemoryContextSwitchTo(rowcxt);
		values[0] = span_datum(info.process, &nulls[0]);
		values[1] = number_datum(info.pid, &nulls[1]);
		values[2] = int4_datum(info.signal, &nulls[2]);
		values[3] = span_datum(info.error, &nulls[3]);
		values[4] = BoolGetDatum(info.truncated);
		nulls[4] = false;
		values[5] = Int32GetDatum(line.thread);
		nulls[5] = false;
		values[6] = number_datum(line.tid, &nulls[6]);
		values[7] = Int32GetDatum(line.frame.number);
		nulls[7] = false;
		values[8] = span_datum(line.frame.function, &nulls[8]);
		values[9] = span_datum(line.frame.module, &nulls[9]);
		values[10] = span_datum(line.frame.location, &nulls[10]);
		values[11] = BoolGetDatum(line.frame.unknown);
		nulls[11] = false;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextSwitchTo(old);
		MemoryContextReset(rowcxt);
	}
	MemoryContextDelete(rowcxt);
	return (Datum) 0;
}

/*
 * telemetrics.oops_frames(p_payload text) RETURNS TABLE (reason,
 *		kernel_version, tainted, modules, frame, function, module,
 *		unreliable)
 */
Datum
telemetrics_oops_frames(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	text	   *payload = PG_GETARG_TEXT_PP(0);
	const char *buf = VARDATA_ANY(payload);
	size_t		len = VARSIZE_ANY_EXHDR(payload);
	TmBtInfo	info;
	TmBtScanner sc;
	TmBtLine	line;
	MemoryContext rowcxt;

	InitMaterializedSRF(fcinfo, 0);
	tm_bt_info(buf, len, &info);
	rowcxt = row_context();

	tm_bt_init(&sc, buf, len);
	while (tm_bt_next(&sc, &line))
	{
		Datum		values[8];
		bool		nulls[8];
		MemoryContext old;

		if (line.kind != TM_BT_LINE_FRAME)
			continue;
		old = MemoryContextSwitchTo(rowcxt);
		values[0] = span_datum(info.reason, &nulls[0]);
		values[1] = span_datum(info.kernel_version, &nulls[1]);
		values[2] = span_datum(info.tainted, &nulls[2]);
		values[3] = span_datum(info.modules, &nulls[3]);
		values[4] = Int32GetDatum(line.frame.number);
		nulls[4] = false;
		values[5] = span_datum(line.frame.function, &nulls[5]);
		values[6] = span_datum(line.frame.module, &nulls[6]);
		values[7] = BoolGetDatum(line.frame.unreliable);
		nulls[7] = false;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextSwitchTo(old);
		MemoryContextReset(rowcxt);
	}
	MemoryContextDelete(rowcxt);
	return (Datum) 0;
}

/*
 * telemetrics.mce_info(p_payload text, OUT status text, OUT bank integer)
 */
Datum
telemetrics_mce_info(PG_FUNCTION_ARGS)
{
	text	   *payload = PG_GETARG_TEXT_PP(0);
	TupleDesc	tupdesc;
	TmMce		m;
	Datum		values[2];
	bool		nulls[2];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tm_mce_parse(VARDATA_ANY(payload), VARSIZE_ANY_EXHDR(payload), &m);
	values[0] = span_datum(m.status, &nulls[0]);
	values[1] = Int32GetDatum(m.bank);
	nulls[1] = !m.has_bank;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * telemetrics.find_guilty(p_payload text, OUT how text, OUT function text,
 *						   OUT module text, OUT frame_index integer)
 *		The guilty frame under the current blacklist; nothing is stored.
 *		For a frame without a module ("(no symbols)") the module is ''.
 */
Datum
telemetrics_find_guilty(PG_FUNCTION_ARGS)
{
	text	   *payload = PG_GETARG_TEXT_PP(0);
	const TmBlacklist *bl = tm_blacklist_get(AccessShareLock);
	TupleDesc	tupdesc;
	TmGuilty	g;
	Datum		values[4];
	bool		nulls[4] = {false, true, true, true};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tm_find_guilty(VARDATA_ANY(payload), VARSIZE_ANY_EXHDR(payload), bl, &g);
	values[0] = CStringGetTextDatum(tm_guilty_kind_name(g.kind));
	if (g.kind != TM_GUILTY_NONE)
	{
		TmSpan		mod = g.line.frame.module;

		values[1] = span_datum(g.line.frame.function, &nulls[1]);
		if (mod.ptr == NULL)
		{
			mod.ptr = "";
			mod.len = 0;
		}
		values[2] = span_datum(mod, &nulls[2]);
		values[3] = Int32GetDatum((int32) Min(g.line.index, (size_t) PG_INT32_MAX));
		nulls[3] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* Why a frame got its decision, in words (see telemetrics.explain). */
static char *
decision_reason(TmDecision d, const TmGuilty *g, const TmBtLine *line,
				const TmRule *rule, bool first_unknown, int32 crashing_thread)
{
	switch (d)
	{
		case TM_DECISION_CHOSEN:
			if (g->kind == TM_GUILTY_FRAME)
				return pstrdup("the first frame of the crashing thread that is neither blacklisted nor unknown");
			if (g->kind == TM_GUILTY_FIRST_UNKNOWN)
				return pstrdup("fallback: no frame of the crashing thread qualifies; this is the first unknown one");
			return pstrdup("fallback: every frame of the crashing thread is blacklisted; this is the last one");
		case TM_DECISION_BLACKLISTED:
			if (rule->module.ptr != NULL)
				return psprintf("matches %s rule \"%.*s\" in module \"%.*s\"",
								rule->kind == TM_MATCH_PREFIX ? "prefix" : "exact",
								(int) rule->function.len, rule->function.ptr,
								(int) rule->module.len, rule->module.ptr);
			return psprintf("matches %s rule \"%.*s\"",
							rule->kind == TM_MATCH_PREFIX ? "prefix" : "exact",
							(int) rule->function.len, rule->function.ptr);
		case TM_DECISION_UNKNOWN:
			return psprintf("%s%s",
							line->frame.unreliable ? "unreliable frame (\"? \")" :
							line->frame.module.ptr == NULL ? "no symbol and no module" : "no symbol",
							first_unknown ? "; the first one, kept as the fallback" : "");
		default:
			if (line->block == 1)
				return pstrdup("after the guilty frame");
			if (line->thread != crashing_thread)
				return psprintf("in thread %d, not the crashing thread", line->thread);
			return pstrdup("after the end of the crashing thread's frames");
	}
}

/*
 * telemetrics.explain(p_payload text) RETURNS TABLE (frame_index, line,
 *		thread, tid, block, frame, function, module, location, decision,
 *		rule_id, reason)
 *		Every frame with the decision taken for it under the current
 *		blacklist.
 */
Datum
telemetrics_explain(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	text	   *payload = PG_GETARG_TEXT_PP(0);
	const char *buf = VARDATA_ANY(payload);
	size_t		len = VARSIZE_ANY_EXHDR(payload);
	const TmBlacklist *bl;
	TmGuilty	g;
	TmBtScanner sc;
	TmBtLine	line;
	MemoryContext rowcxt;
	bool		seen_unknown = false;
	int32		crashing_thread = 0;

	InitMaterializedSRF(fcinfo, 0);
	bl = tm_blacklist_get(AccessShareLock);
	tm_find_guilty(buf, len, bl, &g);
	rowcxt = row_context();

	tm_bt_init(&sc, buf, len);
	while (tm_bt_next(&sc, &line))
	{
		Datum		values[12];
		bool		nulls[12];
		MemoryContext old;
		const TmRule *rule;
		TmDecision	d;
		bool		first_unknown = false;

		if (line.kind != TM_BT_LINE_FRAME)
			continue;
		if (line.block == 1)
			crashing_thread = line.thread;
		d = tm_frame_decision(&g, &line, bl, &rule);
		if (d == TM_DECISION_UNKNOWN && !seen_unknown)
			first_unknown = seen_unknown = true;
		else if (d == TM_DECISION_CHOSEN && g.kind == TM_GUILTY_FIRST_UNKNOWN)
			seen_unknown = true;

		old = MemoryContextSwitchTo(rowcxt);
		memset(nulls, 0, sizeof(nulls));
		values[0] = Int32GetDatum((int32) Min(line.index, (size_t) PG_INT32_MAX));
		values[1] = Int32GetDatum((int32) Min(line.lineno, (size_t) PG_INT32_MAX));
		values[2] = Int32GetDatum(line.thread);
		values[3] = number_datum(line.tid, &nulls[3]);
		values[4] = Int32GetDatum(line.block);
		values[5] = Int32GetDatum(line.frame.number);
		values[6] = span_datum(line.frame.function, &nulls[6]);
		values[7] = span_datum(line.frame.module, &nulls[7]);
		values[8] = span_datum(line.frame.location, &nulls[8]);
		values[9] = CStringGetTextDatum(tm_decision_name(d));
		values[10] = Int32GetDatum(rule ? rule->id : 0);
		nulls[10] = (rule == NULL);
		values[11] = CStringGetTextDatum(decision_reason(d, &g, &line, rule, first_unknown,
														 crashing_thread));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextSwitchTo(old);
		MemoryContextReset(rowcxt);
	}
	MemoryContextDelete(rowcxt);
	return (Datum) 0;
}

static TmSpan
text_span(text *t)
{
	TmSpan		s;

	s.ptr = VARDATA_ANY(t);
	s.len = VARSIZE_ANY_EXHDR(t);
	return s;
}

/*
 * telemetrics.rule_matches(p_match, p_rule_function, p_rule_module,
 *							p_function, p_module) RETURNS boolean
 *		Whether the rule matches a frame with this function (as printed, or
 *		as stored in telemetrics.guilty) and module, as tm_blacklist_match
 *		decides.  NULL rule module: any module.  NULL for a NULL match,
 *		rule function or function.
 */
Datum
telemetrics_rule_matches(PG_FUNCTION_ARGS)
{
	TmRule		rule;
	TmBlacklist bl;
	TmBtFrame	frame;
	TmSpan		fn;
	char	   *match;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	match = text_to_cstring(PG_GETARG_TEXT_PP(0));
	memset(&rule, 0, sizeof(rule));
	rule.id = 1;
	rule.kind = strcmp(match, "prefix") == 0 ? TM_MATCH_PREFIX : TM_MATCH_EXACT;
	rule.function = text_span(PG_GETARG_TEXT_PP(1));
	if (!PG_ARGISNULL(2))
		rule.module = text_span(PG_GETARG_TEXT_PP(2));

	memset(&frame, 0, sizeof(frame));
	fn = text_span(PG_GETARG_TEXT_PP(3));
	if (fn.len >= 2 && fn.ptr[0] == '?' && fn.ptr[1] == ' ')
	{
		fn.ptr += 2;
		fn.len -= 2;
	}
	frame.function = fn;
	frame.symbol = fn;
	if (fn.len >= 2 && fn.ptr[fn.len - 2] == '(' && fn.ptr[fn.len - 1] == ')')
		frame.symbol.len -= 2;
	if (!PG_ARGISNULL(4))
		frame.module = text_span(PG_GETARG_TEXT_PP(4));

	tm_blacklist_prepare(&rule, 1, &bl);
	PG_RETURN_BOOL(tm_blacklist_match(&bl, &frame) != NULL);
}

/*
 * telemetrics.text_contains_any(p_text text, p_needles text[]) RETURNS boolean
 *		strpos(p_text, needle) > 0 for any non-NULL, non-empty needle.
 */
Datum
telemetrics_text_contains_any(PG_FUNCTION_ARGS)
{
	Datum		haystack = PointerGetDatum(PG_GETARG_TEXT_PP(0));	/* detoast once */
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(1);
	Datum	   *elems;
	bool	   *elem_nulls;
	int			n,
				i;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &elem_nulls, &n);
	for (i = 0; i < n; i++)
	{
		if (elem_nulls[i] || VARSIZE_ANY_EXHDR(DatumGetPointer(elems[i])) == 0)
			continue;
		if (DatumGetInt32(DirectFunctionCall2Coll(textpos, C_COLLATION_OID,
												  haystack, elems[i])) > 0)
			PG_RETURN_BOOL(true);
	}
	PG_RETURN_BOOL(false);
}
