/*-------------------------------------------------------------------------
 *
 * guilty.h
 *		Blacklist rules and the choice of a crash's guilty frame.
 *
 * Pure C (see backtrace.h): no PostgreSQL header, no allocation.  The
 * caller owns every array; spans point into the caller's strings and the
 * payload.
 *
 * The guilty frame (reference-backend.md section 3.4, minus the bugs of
 * section 9.2 item 12).  Only the crashing thread's frames are examined:
 * the first block of frames (backtrace.h).  In order:
 *	1. a frame matched by a blacklist rule is passed over;
 *	2. an unknown frame ("???", "(no symbols)") or an unreliable one
 *	   ("? foo", kernel) is passed over, and the first such frame is kept
 *	   as a fall-back;
 *	3. any other frame is the guilty frame.
 * If every frame of the block was passed over, the guilty frame is the
 * first unknown or unreliable one, else the last frame of the block (all
 * of them were blacklisted).  A payload without frames has no guilty
 * frame.  Unlike the reference, "???" and "? " frames are treated alike
 * (the reference accepted a second "? foo" frame but skipped a second
 * "???"), the first line is not skipped, and "(no symbols)" is a frame
 * instead of the end of the backtrace.
 *
 * Rules.  A rule compares a frame's symbol (its function without a "? "
 * prefix and without a trailing "()") with its function text, either
 * exactly or as a prefix, and, if the rule names a module, the frame's
 * module exactly.  So the rule "raise" matches "raise()" in any module,
 * and the prefix rule "__libc_start" matches "__libc_start_main()" and
 * "__libc_start_main@@GLIBC_2.34()".  When several rules match a frame,
 * the one reported is the exact rule with the lowest id, else the prefix
 * rule with the lowest id.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TELEMETRICS_GUILTY_H
#define TELEMETRICS_GUILTY_H

#include "backtrace.h"

typedef enum TmMatchKind
{
	TM_MATCH_EXACT = 0,
	TM_MATCH_PREFIX
} TmMatchKind;

/* One blacklist rule. */
typedef struct TmRule
{
	int32_t		id;				/* the rule's id, for reports */
	TmMatchKind kind;
	TmSpan		function;		/* symbol or symbol prefix; not empty */
	TmSpan		module;			/* ptr NULL: any module */
} TmRule;

/*
 * A prepared rule set: rules[0..nexact) are the exact rules sorted by
 * (function, id); rules[nexact..nrules) the prefix rules sorted by id.
 */
typedef struct TmBlacklist
{
	const TmRule *rules;
	size_t		nrules;
	size_t		nexact;
} TmBlacklist;

/*
 * tm_blacklist_prepare
 *		Sort rules[0..n) in place (see TmBlacklist) and describe them in
 *		*bl.  Rules with an empty function never match and are dropped to
 *		the end (not counted in bl->nrules).
 */
extern void tm_blacklist_prepare(TmRule *rules, size_t n, TmBlacklist *bl);

/*
 * tm_blacklist_match
 *		The rule that matches a frame (see the header comment), or NULL.
 *		bl may be NULL (no rules).
 */
extern const TmRule *tm_blacklist_match(const TmBlacklist *bl, const TmBtFrame *frame);

/* How the guilty frame was chosen. */
typedef enum TmGuiltyKind
{
	TM_GUILTY_NONE = 0,			/* the payload has no frames */
	TM_GUILTY_FRAME,			/* the first acceptable frame */
	TM_GUILTY_FIRST_UNKNOWN,	/* fall-back: the first unknown frame */
	TM_GUILTY_LAST_FRAME		/* fall-back: every frame was blacklisted */
} TmGuiltyKind;

/* The result of tm_find_guilty. */
typedef struct TmGuilty
{
	TmGuiltyKind kind;
	TmBtLine	line;			/* the guilty frame's line (kind != NONE) */
	size_t		examined;		/* frames of the crashing thread looked at */
} TmGuilty;

/*
 * tm_find_guilty
 *		Choose the guilty frame of buf[0..len) (see the header comment).
 *		Stops reading at the guilty frame or at the end of the crashing
 *		thread's block.  Spans in *out point into buf.
 */
extern void tm_find_guilty(const char *buf, size_t len, const TmBlacklist *bl,
						   TmGuilty *out);

/* What happened to one frame (explain). */
typedef enum TmDecision
{
	TM_DECISION_CHOSEN = 0,		/* the guilty frame */
	TM_DECISION_BLACKLISTED,	/* passed over: a rule matched */
	TM_DECISION_UNKNOWN,		/* passed over: no symbol, or unreliable */
	TM_DECISION_SKIPPED			/* never examined: after the guilty frame,
								 * or not in the crashing thread */
} TmDecision;

/*
 * tm_frame_decision
 *		The decision taken for a frame line of the same payload that
 *		tm_find_guilty was run on (g).  *rule is set to the matching rule
 *		for blacklisted frames, and for a chosen frame that is itself
 *		blacklisted (the last-frame fall-back); else NULL.
 */
extern TmDecision tm_frame_decision(const TmGuilty *g, const TmBtLine *frame,
									const TmBlacklist *bl, const TmRule **rule);

/*
 * tm_decision_name
 *		"chosen", "blacklisted", "unknown", "skipped".
 */
extern const char *tm_decision_name(TmDecision d);

/*
 * tm_guilty_kind_name
 *		"none", "frame", "first_unknown", "last_frame".
 */
extern const char *tm_guilty_kind_name(TmGuiltyKind k);

#endif							/* TELEMETRICS_GUILTY_H */
