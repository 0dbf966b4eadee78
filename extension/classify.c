/*-------------------------------------------------------------------------
 *
 * classify.c
 *		Crash classification at insert: the BEFORE INSERT trigger on
 *		telemetrics.records, telemetrics.classify() for reclassification,
 *		the payload parser registry, and the per-backend caches they use.
 *
 * The decisions are made by the pure C code (backtrace.c, guilty.c,
 * mce.c); this file feeds it and stores what it decides.
 *
 * Caches, per backend, each rebuilt on demand:
 *	- the blacklist (telemetrics.guilty_blacklist), as a prepared
 *	  TmBlacklist;
 *	- the enabled payload parsers (telemetrics.payload_parsers);
 *	- guilty groups, (function, module) -> id and id -> (function, module).
 * The blacklist and the parsers are reloaded after a relcache
 * invalidation of their table: statement triggers on both tables call
 * CacheInvalidateRelcacheByRelid (telemetrics.cache_invalidate()), which
 * reaches every backend when the change commits, and this backend at its
 * next command.  Guilty groups never change or go away (05_guilty.sql
 * forbids it), so the group cache only has to forget what a (sub)
 * transaction that aborts may have created.  Pointers returned by a
 * cache are valid until the next call that may reload that cache.
 *
 * Locking (see 50_classify.sql): classifying a crash takes a ROW SHARE
 * lock on telemetrics.guilty_blacklist, held to the end of the
 * transaction; changes to the blacklist take an EXCLUSIVE lock first.
 * Taking the lock also processes pending invalidations, so a transaction
 * that waited for a blacklist change classifies with the new rules.  The
 * blacklist is read with a new snapshot for the same reason.
 *
 * Creating a guilty group takes a transaction-level advisory lock
 * (TM_GUILTY_LOCK_KEY) before the INSERT, so that concurrent batches that
 * create several new groups in different orders serialize instead of
 * deadlocking on each other's uncommitted rows.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/tupconvert.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation_d.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "mce.h"
#include "telemetrics.h"

PG_FUNCTION_INFO_V1(telemetrics_classify_record);
PG_FUNCTION_INFO_V1(telemetrics_classify);
PG_FUNCTION_INFO_V1(telemetrics_guilty_json);
PG_FUNCTION_INFO_V1(telemetrics_cache_invalidate);

/* The reference's backtrace_classes (reference-backend.md section 3.1). */
#define DEFAULT_BACKTRACE_CLASSES \
	"org.clearlinux/crash/clr, org.clearlinux/kernel/bug, " \
	"org.clearlinux/kernel/stackoverflow, org.clearlinux/kernel/warning"

/* Records of these classes get mce_status and mce_bank. */
#define MCE_CLASS_PREFIX "org.clearlinux/mce/"

/* Longest guilty function or module stored, in bytes (btree limit). */
#define GUILTY_NAME_MAX 1024

/* Cached guilty groups before the cache starts over; how many to preload. */
#define GUILTY_CACHE_MAX 65536
#define GUILTY_PRELOAD_MAX 32768

/* pg_advisory_xact_lock key serializing the creation of guilty groups. */
#define TM_GUILTY_LOCK_KEY INT64CONST(0x746d67756c747931)

/* Longest parser error message kept in telemetrics.parser_failures. */
#define FAILURE_MESSAGE_MAX 1000

char	   *telemetrics_backtrace_classes = NULL;

/* ----------------------------------------------------------------
 * Relation ids
 * ----------------------------------------------------------------
 */

typedef struct RelIds
{
	bool		valid;
	Oid			records;
	Oid			records_type;
	Oid			guilty;
	Oid			blacklist;
	Oid			parsers;
} RelIds;

static RelIds relids;

static void guilty_cache_reset(void);

static void
relids_lookup(void)
{
	Oid			nsp;
	Oid			old_guilty = relids.guilty;

	if (relids.valid)
		return;
	nsp = get_namespace_oid("telemetrics", true);
	if (!OidIsValid(nsp))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"telemetrics\" does not exist"),
				 errhint("Run CREATE EXTENSION telemetrics.")));
	relids.records = get_relname_relid("records", nsp);
	relids.guilty = get_relname_relid("guilty", nsp);
	relids.blacklist = get_relname_relid("guilty_blacklist", nsp);
	relids.parsers = get_relname_relid("payload_parsers", nsp);
	if (!OidIsValid(relids.records) || !OidIsValid(relids.guilty) ||
		!OidIsValid(relids.blacklist) || !OidIsValid(relids.parsers))
		elog(ERROR, "telemetrics classification tables are missing");
	relids.records_type = get_rel_type_id(relids.records);
	relids.valid = true;

	/* the extension was dropped and created again: forget the old ids */
	if (old_guilty != relids.guilty)
		guilty_cache_reset();
}

/* ----------------------------------------------------------------
 * Caches and their invalidation
 * ----------------------------------------------------------------
 */

/* The blacklist: rules[] and their strings live in blacklist_cxt. */
static MemoryContext blacklist_cxt = NULL;
static TmBlacklist blacklist;
static bool blacklist_valid = false;
static uint64 blacklist_invals = 0;

/* One enabled payload parser. */
typedef struct ParserEntry
{
	int32		id;
	char	   *name;
	text	   *pattern;
	Oid			fn;
} ParserEntry;

static MemoryContext parsers_cxt = NULL;
static ParserEntry *parsers = NULL;
static int	nparsers = 0;
static bool parsers_valid = false;
static uint64 parsers_invals = 0;

/* Guilty groups, by (function, module) hash and by id. */
typedef struct GuiltyByName
{
	uint64		hash;			/* key */
	int32		id;
	char	   *function;
	char	   *module;
} GuiltyByName;

typedef struct GuiltyById
{
	int32		id;				/* key */
	char	   *function;
	char	   *module;
} GuiltyById;

static MemoryContext guilty_cxt = NULL;
static HTAB *guilty_by_name = NULL;
static HTAB *guilty_by_id = NULL;
static bool guilty_dirty = false;	/* entries added in this transaction */
static bool guilty_preloaded = false;	/* the table was read since the reset */

static void
guilty_cache_reset(void)
{
	if (guilty_cxt != NULL)
		MemoryContextReset(guilty_cxt);
	guilty_by_name = NULL;
	guilty_by_id = NULL;
	guilty_dirty = false;
	guilty_preloaded = false;
}

/* The partition whose column numbers record_attnums() remembers. */
static Oid	attnums_relid = InvalidOid;

static void
relcache_callback(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == attnums_relid)
		attnums_relid = InvalidOid;

	if (!OidIsValid(relid) || !relids.valid || relid == relids.blacklist)
	{
		blacklist_valid = false;
		blacklist_invals++;
	}
	if (!OidIsValid(relid) || !relids.valid || relid == relids.parsers)
	{
		parsers_valid = false;
		parsers_invals++;
	}
	if (!OidIsValid(relid) ||
		(relids.valid && (relid == relids.records || relid == relids.guilty ||
						  relid == relids.blacklist || relid == relids.parsers)))
		relids.valid = false;
}

static void
xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PREPARE:
			guilty_dirty = false;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			if (guilty_dirty)
				guilty_cache_reset();
			break;
		default:
			break;
	}
}

static void
subxact_callback(SubXactEvent event, SubTransactionId mySubid,
				 SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB && guilty_dirty)
		guilty_cache_reset();
}

/* Prepared statements, kept for the life of the backend. */
static SPIPlanPtr plan_blacklist = NULL;
static SPIPlanPtr plan_parsers = NULL;
static SPIPlanPtr plan_guilty_find = NULL;
static SPIPlanPtr plan_guilty_insert = NULL;
static SPIPlanPtr plan_guilty_by_id = NULL;
static SPIPlanPtr plan_failure = NULL;

static char *
span_cstring(MemoryContext cxt, const char *ptr, size_t len)
{
	return MemoryContextStrdup(cxt, pnstrdup(ptr, len));
}

/*
 * load_blacklist
 *		Read telemetrics.guilty_blacklist into the cache, with a new
 *		snapshot.  Must be called inside SPI_connect().
 */
static void
load_blacklist(void)
{
	uint64		invals = blacklist_invals;
	TmRule	   *rules;
	uint64		i;
	int			ret;

	if (blacklist_cxt == NULL)
		blacklist_cxt = AllocSetContextCreate(CacheMemoryContext,
											  "telemetrics blacklist",
											  ALLOCSET_SMALL_SIZES);
	if (plan_blacklist == NULL)
		plan_blacklist = tm_prepare_kept(
			"SELECT id, function, module, match OPERATOR(pg_catalog.=) 'prefix' "
			"FROM telemetrics.guilty_blacklist", 0, NULL);

	ret = SPI_execute_plan(plan_blacklist, NULL, NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading telemetrics.guilty_blacklist failed: %s",
			 SPI_result_code_string(ret));

	MemoryContextReset(blacklist_cxt);
	memset(&blacklist, 0, sizeof(blacklist));
	rules = MemoryContextAllocZero(blacklist_cxt, sizeof(TmRule) * Max(SPI_processed, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		text	   *t;

		rules[i].id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		t = DatumGetTextPP(SPI_getbinval(tup, desc, 2, &isnull));
		rules[i].function.ptr = span_cstring(blacklist_cxt, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
		rules[i].function.len = VARSIZE_ANY_EXHDR(t);
		t = (text *) DatumGetPointer(SPI_getbinval(tup, desc, 3, &isnull));
		if (!isnull)
		{
			t = pg_detoast_datum_packed(t);
			rules[i].module.ptr = span_cstring(blacklist_cxt, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
			rules[i].module.len = VARSIZE_ANY_EXHDR(t);
		}
		rules[i].kind = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull)) ?
			TM_MATCH_PREFIX : TM_MATCH_EXACT;
	}
	tm_blacklist_prepare(rules, SPI_processed, &blacklist);
	SPI_freetuptable(SPI_tuptable);

	/* an invalidation that arrived while reading means: read again later */
	blacklist_valid = (invals == blacklist_invals);
}

const TmBlacklist *
tm_blacklist_get(LOCKMODE lockmode)
{
	relids_lookup();
	LockRelationOid(relids.blacklist, lockmode);
	if (!relids.valid)
		relids_lookup();		/* the lock processed an invalidation */
	if (!blacklist_valid)
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		load_blacklist();
		SPI_finish();
	}
	return &blacklist;
}

/*
 * parsers_get
 *		The enabled payload parsers, in id order.  *n is set to their number.
 */
static const ParserEntry *
parsers_get(int *n)
{
	uint64		invals;
	uint64		i;
	int			ret;

	relids_lookup();
	if (parsers_valid)
	{
		*n = nparsers;
		return parsers;
	}

	if (parsers_cxt == NULL)
		parsers_cxt = AllocSetContextCreate(CacheMemoryContext,
											"telemetrics payload parsers",
											ALLOCSET_SMALL_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (plan_parsers == NULL)
		plan_parsers = tm_prepare_kept(
			"SELECT id, name, pattern, parser::pg_catalog.oid "
			"FROM telemetrics.payload_parsers WHERE enabled ORDER BY id", 0, NULL);
	invals = parsers_invals;
	ret = SPI_execute_plan(plan_parsers, NULL, NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading telemetrics.payload_parsers failed: %s",
			 SPI_result_code_string(ret));

	MemoryContextReset(parsers_cxt);
	parsers = MemoryContextAllocZero(parsers_cxt, sizeof(ParserEntry) * Max(SPI_processed, 1));
	nparsers = (int) SPI_processed;
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		MemoryContext old;

		parsers[i].id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		parsers[i].fn = DatumGetObjectId(SPI_getbinval(tup, desc, 4, &isnull));
		old = MemoryContextSwitchTo(parsers_cxt);
		parsers[i].name = TextDatumGetCString(SPI_getbinval(tup, desc, 2, &isnull));
		parsers[i].pattern = DatumGetTextPCopy(SPI_getbinval(tup, desc, 3, &isnull));
		MemoryContextSwitchTo(old);
	}
	SPI_freetuptable(SPI_tuptable);
	SPI_finish();

	parsers_valid = (invals == parsers_invals);
	*n = nparsers;
	return parsers;
}

static void
guilty_cache_init(void)
{
	HASHCTL		ctl;

	if (guilty_cxt == NULL)
		guilty_cxt = AllocSetContextCreate(CacheMemoryContext,
										   "telemetrics guilty groups",
										   ALLOCSET_DEFAULT_SIZES);
	if (guilty_by_name != NULL && hash_get_num_entries(guilty_by_name) >= GUILTY_CACHE_MAX)
		guilty_cache_reset();
	if (guilty_by_name == NULL)
	{
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(uint64);
		ctl.entrysize = sizeof(GuiltyByName);
		ctl.hcxt = guilty_cxt;
		guilty_by_name = hash_create("telemetrics guilty by name", 1024, &ctl,
									 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(int32);
		ctl.entrysize = sizeof(GuiltyById);
		ctl.hcxt = guilty_cxt;
		guilty_by_id = hash_create("telemetrics guilty by id", 1024, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
}

static uint64
name_hash(const char *fn, int fnlen, const char *mod, int modlen)
{
	uint64		h = hash_bytes_extended((const unsigned char *) fn, fnlen, 0x746d);

	return hash_bytes_extended((const unsigned char *) mod, modlen, h);
}

/* Remember a group (fn and mod are NUL-terminated). */
static void
guilty_cache_add(int32 id, const char *fn, const char *mod, bool in_xact)
{
	uint64		h = name_hash(fn, strlen(fn), mod, strlen(mod));
	GuiltyByName *byname;
	GuiltyById *byid;
	bool		found;

	guilty_cache_init();
	byname = hash_search(guilty_by_name, &h, HASH_ENTER, &found);
	if (found)
	{
		/* a hash collision: keep the first; the other is looked up each time */
		if (byname->id != id)
			return;
	}
	else
	{
		byname->id = id;
		byname->function = MemoryContextStrdup(guilty_cxt, fn);
		byname->module = MemoryContextStrdup(guilty_cxt, mod);
	}
	byid = hash_search(guilty_by_id, &id, HASH_ENTER, &found);
	if (!found)
	{
		byid->function = byname->function;
		byid->module = byname->module;
	}
	/*
	 * A group this transaction created (or can see because it created it)
	 * goes away if the transaction aborts: forget everything then.
	 */
	if (in_xact || TransactionIdIsValid(GetTopTransactionIdIfAny()))
		guilty_dirty = true;
}

/*
 * guilty_cache_preload
 *		Fill the cache with the newest groups (up to half its capacity) in
 *		one query, so that a new session does not look groups up one at a
 *		time.  Done once after each reset; not in parallel workers.
 */
static void
guilty_cache_preload(void)
{
	uint64		i;
	int			ret;

	guilty_cache_init();
	if (guilty_preloaded || IsInParallelMode())
		return;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute("SELECT id, function, module FROM telemetrics.guilty "
					  "ORDER BY id DESC LIMIT " CppAsString2(GUILTY_PRELOAD_MAX),
					  true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading telemetrics.guilty failed: %s", SPI_result_code_string(ret));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int32		id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));

		guilty_cache_add(id, SPI_getvalue(tup, desc, 2), SPI_getvalue(tup, desc, 3), false);
	}
	SPI_finish();
	guilty_preloaded = true;
}

/* Run a prepared lookup of (fn, mod); the id, or 0 if there is none. */
static int32
guilty_select(SPIPlanPtr plan, Datum *args, bool read_only)
{
	int			ret = SPI_execute_plan(plan, args, NULL, read_only, 1);
	bool		isnull;

	if (ret != SPI_OK_SELECT && ret != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "looking up a guilty group failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		return 0;
	return DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

/*
 * guilty_resolve
 *		The id of the guilty group (fn, mod), created if it does not exist.
 *		Names are cut to GUILTY_NAME_MAX bytes (at a character boundary).
 */
static int32
guilty_resolve(TmSpan fn_span, TmSpan mod_span)
{
	int			fnlen = fn_span.ptr ? pg_mbcliplen(fn_span.ptr, (int) Min(fn_span.len, INT_MAX), GUILTY_NAME_MAX) : 0;
	int			modlen = mod_span.ptr ? pg_mbcliplen(mod_span.ptr, (int) Min(mod_span.len, INT_MAX), GUILTY_NAME_MAX) : 0;
	char	   *fn = pnstrdup(fn_span.ptr ? fn_span.ptr : "", fnlen);
	char	   *mod = pnstrdup(mod_span.ptr ? mod_span.ptr : "", modlen);
	uint64		h = name_hash(fn, fnlen, mod, modlen);
	GuiltyByName *hit;
	Datum		args[2];
	int32		id;

	guilty_cache_preload();
	hit = hash_search(guilty_by_name, &h, HASH_FIND, NULL);
	if (hit != NULL && strcmp(hit->function, fn) == 0 && strcmp(hit->module, mod) == 0)
		return hit->id;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (plan_guilty_find == NULL)
	{
		Oid			types[2] = {TEXTOID, TEXTOID};

		plan_guilty_find = tm_prepare_kept(
			"SELECT id FROM telemetrics.guilty "
			"WHERE function OPERATOR(pg_catalog.=) $1 AND module OPERATOR(pg_catalog.=) $2",
			2, types);
		plan_guilty_insert = tm_prepare_kept(
			"INSERT INTO telemetrics.guilty (function, module) VALUES ($1, $2) "
			"ON CONFLICT (function, module) DO NOTHING RETURNING id",
			2, types);
	}
	args[0] = PointerGetDatum(cstring_to_text_with_len(fn, fnlen));
	args[1] = PointerGetDatum(cstring_to_text_with_len(mod, modlen));

	id = guilty_select(plan_guilty_find, args, false);
	if (id == 0)
	{
		DirectFunctionCall1(pg_advisory_xact_lock_int8, Int64GetDatum(TM_GUILTY_LOCK_KEY));
		id = guilty_select(plan_guilty_insert, args, false);
		if (id == 0)
			id = guilty_select(plan_guilty_find, args, false);
		if (id == 0)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not find or create the guilty group of \"%s\" in \"%s\"", fn, mod),
					 errhint("Another transaction created it concurrently; retry the transaction.")));
	}
	SPI_finish();

	guilty_cache_add(id, fn, mod, true);
	return id;
}

/* ----------------------------------------------------------------
 * Classification
 * ----------------------------------------------------------------
 */

/* Is cls (not NUL-terminated) one of the classes in list? */
static bool
list_contains(const char *list, const char *cls, size_t len)
{
	const char *p = list;

	if (list == NULL || len == 0)
		return false;
	while (*p)
	{
		const char *start;

		while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		start = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		if ((size_t) (p - start) == len && memcmp(start, cls, len) == 0)
			return true;
	}
	return false;
}

static bool
is_backtrace_class(const text *cls)
{
	return list_contains(telemetrics_backtrace_classes,
						 VARDATA_ANY(cls), VARSIZE_ANY_EXHDR(cls));
}

static bool
is_mce_class(const text *cls)
{
	size_t		n = strlen(MCE_CLASS_PREFIX);

	return VARSIZE_ANY_EXHDR(cls) > n && memcmp(VARDATA_ANY(cls), MCE_CLASS_PREFIX, n) == 0;
}

/* crash_state values */
#define STATE_CLASSIFIED	"classified"
#define STATE_FALLBACK		"fallback"
#define STATE_NO_FRAMES		"no_frames"

/*
 * classify_crash
 *		The guilty group id (0 if none) and crash_state of a crash payload,
 *		creating the group if it is new.
 */
static int32
classify_crash(const text *payload, const char **state)
{
	const TmBlacklist *bl = tm_blacklist_get(RowShareLock);
	TmGuilty	g;

	tm_find_guilty(VARDATA_ANY(payload), VARSIZE_ANY_EXHDR(payload), bl, &g);
	if (g.kind == TM_GUILTY_NONE)
	{
		*state = STATE_NO_FRAMES;
		return 0;
	}
	*state = (g.kind == TM_GUILTY_FRAME) ? STATE_CLASSIFIED : STATE_FALLBACK;
	return guilty_resolve(g.line.frame.function, g.line.frame.module);
}

/*
 * telemetrics.classify(p_classification text, p_payload text,
 *						OUT guilty_id integer, OUT crash_state text)
 *		What the insert trigger would set; (NULL, NULL) for a class that is
 *		not a backtrace class.  Creates the guilty group if it is new.
 */
Datum
telemetrics_classify(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[2] = {0, 0};
	bool		nulls[2] = {true, true};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	if (!PG_ARGISNULL(0) && !PG_ARGISNULL(1) && is_backtrace_class(PG_GETARG_TEXT_PP(0)))
	{
		const char *state;
		int32		id = classify_crash(PG_GETARG_TEXT_PP(1), &state);

		if (id != 0)
		{
			values[0] = Int32GetDatum(id);
			nulls[0] = false;
		}
		values[1] = CStringGetTextDatum(state);
		nulls[1] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * tm_guilty_names
 *		The function and module of guilty group id, or false if there is no
 *		such group.  Groups this backend created or looked up come from the
 *		cache, so a group created by the classification trigger is found by
 *		RETURNING in the same statement (a lookup with that statement's
 *		snapshot would not see it).  The strings are in the cache or in the
 *		current memory context; valid until the next cache reset.
 */
bool
tm_guilty_names(int32 id, char **fn, char **mod)
{
	MemoryContext callcxt = CurrentMemoryContext;
	GuiltyById *hit = NULL;
	Datum		arg = Int32GetDatum(id);
	Oid			type = INT4OID;
	int			ret;

	if (!IsInParallelMode())	/* the workers have no cache of ours */
	{
		guilty_cache_preload();
		hit = hash_search(guilty_by_id, &id, HASH_FIND, NULL);
	}
	if (hit != NULL)
	{
		*fn = hit->function;
		*mod = hit->module;
		return true;
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (IsInParallelMode())
		ret = SPI_execute_with_args("SELECT function, module FROM telemetrics.guilty "
									"WHERE id OPERATOR(pg_catalog.=) $1",
									1, &type, &arg, NULL, true, 1);
	else
	{
		if (plan_guilty_by_id == NULL)
			plan_guilty_by_id = tm_prepare_kept(
				"SELECT function, module FROM telemetrics.guilty "
				"WHERE id OPERATOR(pg_catalog.=) $1", 1, &type);
		ret = SPI_execute_plan(plan_guilty_by_id, &arg, NULL, true, 1);
	}
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "looking up a guilty group failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
	{
		SPI_finish();
		return false;
	}
	*fn = MemoryContextStrdup(callcxt, SPI_getvalue(SPI_tuptable->vals[0],
													SPI_tuptable->tupdesc, 1));
	*mod = MemoryContextStrdup(callcxt, SPI_getvalue(SPI_tuptable->vals[0],
													 SPI_tuptable->tupdesc, 2));
	SPI_finish();
	if (!IsInParallelMode())
		guilty_cache_add(id, *fn, *mod, false);
	return true;
}

static void
push_string(JsonbParseState **state, JsonbIteratorToken token, const char *s)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = strlen(s);
	pushJsonbValue(state, token, &v);
}

void
tm_push_guilty_json(JsonbParseState **state, int32 id, bool isnull)
{
	char	   *fn;
	char	   *mod;
	JsonbValue	v;

	if (isnull || !tm_guilty_names(id, &fn, &mod))
	{
		v.type = jbvNull;
		pushJsonbValue(state, WJB_VALUE, &v);
		return;
	}
	/* in jsonb's key order: id, module, function */
	pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
	push_string(state, WJB_KEY, "id");
	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(id);
	pushJsonbValue(state, WJB_VALUE, &v);
	push_string(state, WJB_KEY, "module");
	push_string(state, WJB_VALUE, mod);
	push_string(state, WJB_KEY, "function");
	push_string(state, WJB_VALUE, fn);
	pushJsonbValue(state, WJB_END_OBJECT, NULL);
}

/*
 * telemetrics.guilty_json(p_id integer) RETURNS jsonb
 *		{"id", "function", "module"} of a guilty group, or NULL.
 */
Datum
telemetrics_guilty_json(PG_FUNCTION_ARGS)
{
	int32		id = PG_GETARG_INT32(0);
	JsonbParseState *state = NULL;
	JsonbValue *res;
	char	   *fn;
	char	   *mod;

	if (!tm_guilty_names(id, &fn, &mod))
		PG_RETURN_NULL();
	pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	tm_push_guilty_json(&state, id, false);
	res = pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	/* unwrap: the array was only a container for the value */
	res = &res->val.array.elems[0];
	PG_RETURN_JSONB_P(JsonbValueToJsonb(res));
}

/*
 * telemetrics.cache_invalidate() RETURNS trigger
 *		Statement trigger: make every backend reload its cached copy of the
 *		trigger's table when the transaction commits (and this backend at
 *		its next command).
 */
Datum
telemetrics_cache_invalidate(PG_FUNCTION_ARGS)
{
	TriggerData *td;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "telemetrics.cache_invalidate() must be called as a trigger");
	td = (TriggerData *) fcinfo->context;
	CacheInvalidateRelcacheByRelid(RelationGetRelid(td->tg_relation));
	return PointerGetDatum(NULL);
}

/* ----------------------------------------------------------------
 * The insert trigger
 * ----------------------------------------------------------------
 */

/* Attribute numbers of the columns the trigger reads and writes. */
typedef struct RecordAttnums
{
	int			id;
	int			received_at;
	int			classification;
	int			payload;
	int			guilty_id;
	int			crash_state;
	int			mce_status;
	int			mce_bank;
	int			parsed;
} RecordAttnums;

static RecordAttnums attnums_cache;

static int
attnum_of(TupleDesc desc, const char *name)
{
	int			n = SPI_fnumber(desc, name);

	if (n <= 0)
		elog(ERROR, "telemetrics.records has no column \"%s\"", name);
	return n;
}

static const RecordAttnums *
record_attnums(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);

	if (attnums_relid != RelationGetRelid(rel))
	{
		attnums_relid = InvalidOid;
		attnums_cache.id = attnum_of(desc, "id");
		attnums_cache.received_at = attnum_of(desc, "received_at");
		attnums_cache.classification = attnum_of(desc, "classification");
		attnums_cache.payload = attnum_of(desc, "payload");
		attnums_cache.guilty_id = attnum_of(desc, "guilty_id");
		attnums_cache.crash_state = attnum_of(desc, "crash_state");
		attnums_cache.mce_status = attnum_of(desc, "mce_status");
		attnums_cache.mce_bank = attnum_of(desc, "mce_bank");
		attnums_cache.parsed = attnum_of(desc, "parsed");
		attnums_relid = RelationGetRelid(rel);
	}
	return &attnums_cache;
}

/* Column replacements for heap_modify_tuple_by_cols. */
typedef struct Changes
{
	int			n;
	int			cols[8];
	Datum		values[8];
	bool		nulls[8];
} Changes;

static void
change(Changes *c, int col, Datum value, bool isnull)
{
	int			i;

	for (i = 0; i < c->n; i++)
		if (c->cols[i] == col)
			break;
	if (i == c->n)
	{
		Assert(c->n < lengthof(c->cols));
		c->n++;
	}
	c->cols[i] = col;
	c->values[i] = value;
	c->nulls[i] = isnull;
}

static bool
is_null(HeapTuple tup, TupleDesc desc, int attnum)
{
	bool		isnull;

	(void) heap_getattr(tup, attnum, desc, &isnull);
	return isnull;
}

/*
 * record_parser_failure
 *		Count a parser's failure in telemetrics.parser_failures.
 */
static void
record_parser_failure(const ParserEntry *p, ErrorData *edata, HeapTuple tup,
					  TupleDesc desc, const RecordAttnums *an, const text *cls)
{
	Oid			types[7] = {INT4OID, TEXTOID, TEXTOID, TEXTOID, INT8OID, TIMESTAMPTZOID, TEXTOID};
	Datum		args[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	const char *msg = edata->message ? edata->message : "(no message)";
	int			msglen = pg_mbcliplen(msg, strlen(msg), FAILURE_MESSAGE_MAX);
	bool		isnull;
	int			ret;

	args[0] = Int32GetDatum(p->id);
	args[1] = CStringGetTextDatum(p->name);
	args[2] = CStringGetTextDatum(unpack_sql_state(edata->sqlerrcode));
	args[3] = PointerGetDatum(cstring_to_text_with_len(msg, msglen));
	args[4] = heap_getattr(tup, an->id, desc, &isnull);
	if (isnull)
		nulls[4] = 'n';
	args[5] = heap_getattr(tup, an->received_at, desc, &isnull);
	if (isnull)
		nulls[5] = 'n';
	args[6] = PointerGetDatum(cls);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (plan_failure == NULL)
		plan_failure = tm_prepare_kept(
			"INSERT INTO telemetrics.parser_failures AS f (parser_id, parser_name, sqlstate, "
			"message, last_record_id, last_received_at, last_classification) "
			"VALUES ($1, $2, $3, $4, $5, $6, $7) "
			"ON CONFLICT (parser_id, sqlstate, message) DO UPDATE SET "
			"failures = f.failures OPERATOR(pg_catalog.+) 1, last_failed_at = pg_catalog.now(), "
			"parser_name = excluded.parser_name, last_record_id = excluded.last_record_id, "
			"last_received_at = excluded.last_received_at, "
			"last_classification = excluded.last_classification",
			7, types);
	ret = SPI_execute_plan(plan_failure, args, nulls, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "recording a payload parser failure failed: %s", SPI_result_code_string(ret));
	SPI_finish();
}

/*
 * Errors that are the parser's fault: anything but a cancel or a resource
 * shortage, which must stop the statement.
 */
static bool
parser_error(int sqlerrcode)
{
	int			category = ERRCODE_TO_CATEGORY(sqlerrcode);

	return category != ERRCODE_OPERATOR_INTERVENTION &&
		category != ERRCODE_INSUFFICIENT_RESOURCES;
}

/* One parser call, for tm_in_subxact. */
typedef struct ParserCall
{
	const ParserEntry *p;
	Datum		row;
	Jsonb	   *result;			/* NULL for SQL NULL */
} ParserCall;

static void
parser_call_work(void *arg)
{
	ParserCall *c = arg;
	FmgrInfo	flinfo;
	LOCAL_FCINFO(pfcinfo, 1);
	Datum		d;

	if (!SearchSysCacheExists1(PROCOID, ObjectIdGetDatum(c->p->fn)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("the function of payload parser \"%s\" does not exist", c->p->name)));
	fmgr_info(c->p->fn, &flinfo);
	InitFunctionCallInfoData(*pfcinfo, &flinfo, 1, InvalidOid, NULL, NULL);
	pfcinfo->args[0].value = c->row;
	pfcinfo->args[0].isnull = false;
	d = FunctionCallInvoke(pfcinfo);
	if (!pfcinfo->isnull)
		c->result = DatumGetJsonbPCopy(d);
}

/*
 * run_parser
 *		Call one payload parser on the row, in a subtransaction.  Returns its
 *		result (NULL for SQL NULL).  If it raises an error (other than a
 *		cancel or a resource shortage), the error is counted in
 *		telemetrics.parser_failures, logged as a WARNING, and NULL returned.
 */
static Jsonb *
run_parser(const ParserEntry *p, Datum row, HeapTuple tup, TupleDesc desc,
		   const RecordAttnums *an, const text *cls)
{
	ParserCall	call = {p, row, NULL};
	ErrorData  *edata = tm_in_subxact(parser_call_work, &call, parser_error);

	if (edata != NULL)
	{
		bool		isnull;
		Datum		id = heap_getattr(tup, an->id, desc, &isnull);

		record_parser_failure(p, edata, tup, desc, an, cls);
		ereport(WARNING,
				(errmsg("payload parser \"%s\" failed: %s", p->name,
						edata->message ? edata->message : "(no message)"),
				 errdetail("Record %lld was stored without the parser's result (SQLSTATE %s); "
						   "failures are counted in telemetrics.parser_failures.",
						   isnull ? -1LL : (long long) DatumGetInt64(id),
						   unpack_sql_state(edata->sqlerrcode))));
		FreeErrorData(edata);
		return NULL;
	}
	return call.result;
}

/*
 * run_parsers
 *		Run the parsers whose pattern matches the classification on tup
 *		(the row as it will be stored).  Returns a jsonb object of their
 *		non-NULL results by parser name, or NULL if there are none.  *ran
 *		is set when at least one parser matched.
 */
static Jsonb *
run_parsers(const ParserEntry *list, int n, HeapTuple tup, TupleDesc desc,
			const RecordAttnums *an, const text *cls, bool *ran)
{
	JsonbParseState *state = NULL;
	Datum		row = (Datum) 0;
	int			nresults = 0;
	int			i;
	JsonbValue *res;

	*ran = false;
	for (i = 0; i < n; i++)
	{
		const ParserEntry *p = &list[i];
		Jsonb	   *result;
		JsonbValue	k;

		if (!DatumGetBool(DirectFunctionCall2Coll(textlike, C_COLLATION_OID,
												  PointerGetDatum(cls),
												  PointerGetDatum(p->pattern))))
			continue;

		if (!*ran)
		{
			/* the row as a telemetrics.records value (tup may be a partition's) */
			TupleDesc	parent = lookup_rowtype_tupdesc(relids.records_type, -1);
			TupleConversionMap *map = convert_tuples_by_name(desc, parent);
			HeapTuple	conv = map ? execute_attr_map_tuple(tup, map) : tup;

			row = heap_copy_tuple_as_datum(conv, parent);
			ReleaseTupleDesc(parent);
			*ran = true;
		}

		result = run_parser(p, row, tup, desc, an, cls);
		if (result == NULL)
			continue;
		if (nresults++ == 0)
			pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
		k.type = jbvString;
		k.val.string.val = p->name;
		k.val.string.len = strlen(p->name);
		pushJsonbValue(&state, WJB_KEY, &k);
		if (JB_ROOT_IS_SCALAR(result))
		{
			JsonbValue	v;

			if (!JsonbExtractScalar(&result->root, &v))
				elog(ERROR, "could not read a scalar jsonb");
			pushJsonbValue(&state, WJB_VALUE, &v);
		}
		else
		{
			JsonbValue	v;

			v.type = jbvBinary;
			v.val.binary.data = &result->root;
			v.val.binary.len = VARSIZE(result) - VARHDRSZ;
			pushJsonbValue(&state, WJB_VALUE, &v);
		}
	}
	if (nresults == 0)
		return NULL;
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

/*
 * telemetrics.classify_record() RETURNS trigger
 *		BEFORE INSERT OR UPDATE OF classification, payload, FOR EACH ROW.
 *
 *	- Backtrace classes: guilty_id and crash_state.  On INSERT, a row that
 *	  arrives with either already set (a dump being restored) keeps them.
 *	- MCE classes: mce_status and mce_bank (on INSERT, unless mce_status
 *	  is given).
 *	- Payload parsers matching the classification: parsed (on INSERT,
 *	  unless parsed is given).
 * On UPDATE everything is recomputed, and cleared where it no longer
 * applies.  Runs in the executor's per-tuple memory context.
 */
Datum
telemetrics_classify_record(PG_FUNCTION_ARGS)
{
	TriggerData *td;
	HeapTuple	tup;
	TupleDesc	desc;
	const RecordAttnums *an;
	bool		is_update;
	bool		isnull;
	Datum		d;
	text	   *cls;
	text	   *payload = NULL;
	Changes		ch;
	const ParserEntry *plist;
	int			np;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "telemetrics.classify_record() must be called as a trigger");
	td = (TriggerData *) fcinfo->context;
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		elog(ERROR, "telemetrics.classify_record() must run BEFORE INSERT OR UPDATE FOR EACH ROW");

	is_update = TRIGGER_FIRED_BY_UPDATE(td->tg_event);
	tup = is_update ? td->tg_newtuple : td->tg_trigtuple;
	desc = RelationGetDescr(td->tg_relation);
	an = record_attnums(td->tg_relation);
	ch.n = 0;

	d = heap_getattr(tup, an->classification, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tup);	/* NOT NULL will refuse it */
	cls = DatumGetTextPP(d);
	d = heap_getattr(tup, an->payload, desc, &isnull);
	if (!isnull)
		payload = DatumGetTextPP(d);

	/* crashes: the guilty group */
	if (is_update || (is_null(tup, desc, an->guilty_id) && is_null(tup, desc, an->crash_state)))
	{
		if (payload != NULL && is_backtrace_class(cls))
		{
			const char *state;
			int32		id = classify_crash(payload, &state);

			change(&ch, an->guilty_id, Int32GetDatum(id), id == 0);
			change(&ch, an->crash_state, CStringGetTextDatum(state), false);
		}
		else if (is_update)
		{
			change(&ch, an->guilty_id, (Datum) 0, true);
			change(&ch, an->crash_state, (Datum) 0, true);
		}
	}

	/* machine checks: status and bank */
	if (is_update || is_null(tup, desc, an->mce_status))
	{
		TmMce		m;

		memset(&m, 0, sizeof(m));
		if (payload != NULL && is_mce_class(cls))
			tm_mce_parse(VARDATA_ANY(payload), VARSIZE_ANY_EXHDR(payload), &m);
		if (m.status.ptr != NULL)
			change(&ch, an->mce_status,
				   PointerGetDatum(cstring_to_text_with_len(m.status.ptr, m.status.len)), false);
		else if (is_update)
			change(&ch, an->mce_status, (Datum) 0, true);
		if (m.has_bank)
			change(&ch, an->mce_bank, Int32GetDatum(m.bank), false);
		else if (is_update)
			change(&ch, an->mce_bank, (Datum) 0, true);
	}

	if (ch.n > 0)
	{
		tup = heap_modify_tuple_by_cols(tup, desc, ch.n, ch.cols, ch.values, ch.nulls);
		ch.n = 0;
	}

	/* payload parsers, on the row as it will be stored */
	plist = parsers_get(&np);
	if (np > 0 && (is_update || is_null(tup, desc, an->parsed)))
	{
		bool		ran;
		Jsonb	   *parsed = run_parsers(plist, np, tup, desc, an, cls, &ran);

		if (parsed != NULL)
			change(&ch, an->parsed, JsonbPGetDatum(parsed), false);
		else if (is_update)
			change(&ch, an->parsed, (Datum) 0, true);
		if (ch.n > 0)
			tup = heap_modify_tuple_by_cols(tup, desc, ch.n, ch.cols, ch.values, ch.nulls);
	}
	else if (is_update && !is_null(tup, desc, an->parsed))
	{
		change(&ch, an->parsed, (Datum) 0, true);
		tup = heap_modify_tuple_by_cols(tup, desc, ch.n, ch.cols, ch.values, ch.nulls);
	}

	return PointerGetDatum(tup);
}

/* ----------------------------------------------------------------
 * Settings
 * ----------------------------------------------------------------
 */

/*
 * check_classes: classes are 1..255 printable ASCII characters without
 * spaces or commas, separated by commas and/or white space.
 */
static bool
check_classes(char **newval, void **extra, GucSource source)
{
	const char *p = *newval;

	if (p == NULL)
		return true;
	while (*p)
	{
		const char *start;

		while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		start = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
		{
			if ((unsigned char) *p < 0x21 || (unsigned char) *p > 0x7E)
			{
				GUC_check_errdetail("Classifications must be printable ASCII.");
				return false;
			}
			p++;
		}
		if (p - start > 255)
		{
			GUC_check_errdetail("A classification is at most 255 characters long.");
			return false;
		}
	}
	return true;
}

/*
 * ClassifyInit
 *		Define the classification settings and register the cache
 *		callbacks.  Called from _PG_init.
 */
void
ClassifyInit(void)
{
	DefineCustomStringVariable("telemetrics.backtrace_classes",
							   "Classifications whose records get a guilty frame.",
							   "A list separated by commas or spaces. After a change, "
							   "telemetrics_api.reclassify('all') applies it to stored records.",
							   &telemetrics_backtrace_classes,
							   DEFAULT_BACKTRACE_CLASSES,
							   PGC_SUSET,
							   0,
							   check_classes, NULL, NULL);

	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
	RegisterXactCallback(xact_callback, NULL);
	RegisterSubXactCallback(subxact_callback, NULL);
}
