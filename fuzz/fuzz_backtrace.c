/*-------------------------------------------------------------------------
 *
 * fuzz_backtrace.c
 *		libFuzzer target: the crash/oops scanner (backtrace.c) and the
 *		guilty frame (guilty.c) under a fixed blacklist, on arbitrary bytes.
 *
 * Besides memory errors (ASan) and undefined behaviour (UBSan), it checks
 * invariants and traps when one fails:
 *	- every span lies inside the input;
 *	- tm_bt_info counts the frames the scanner returns;
 *	- the guilty frame is a frame of the first block, and the per-frame
 *	  decisions agree with it: exactly one "chosen" frame when there is a
 *	  guilty frame, none otherwise; a chosen FRAME is neither blacklisted
 *	  nor unknown; no frame after it in the block was examined.
 *
 *-------------------------------------------------------------------------
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guilty.h"

#define REQUIRE(c) do { if (!(c)) __builtin_trap(); } while (0)

static const uint8_t *lo;
static const uint8_t *hi;

static void
in_input(TmSpan s)
{
	if (s.ptr == NULL)
		return;
	REQUIRE((const uint8_t *) s.ptr >= lo && (const uint8_t *) s.ptr + s.len <= hi);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static TmRule rules[6];
	static TmBlacklist bl;
	static int	ready = 0;
	TmBtInfo	info;
	TmBtScanner sc;
	TmBtLine	l;
	TmGuilty	g;
	size_t		frames = 0;
	int			chosen = 0;
	char	   *buf;

	if (!ready)
	{
		const char *fn[6] = {"raise", "abort", "__libc_start", "_start", "dump_stack", "???"};
		int			i;

		for (i = 0; i < 6; i++)
		{
			rules[i].id = i + 1;
			rules[i].kind = (i == 2) ? TM_MATCH_PREFIX : TM_MATCH_EXACT;
			rules[i].function.ptr = fn[i];
			rules[i].function.len = strlen(fn[i]);
			rules[i].module.ptr = (i == 4) ? "kernel" : NULL;
			rules[i].module.len = (i == 4) ? 6 : 0;
		}
		tm_blacklist_prepare(rules, 6, &bl);
		ready = 1;
	}

	/* an exact-size copy, so that reading past the end is caught */
	buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	lo = (const uint8_t *) buf;
	hi = lo + size;

	tm_bt_info(buf, size, &info);
	in_input(info.process);
	in_input(info.error);
	in_input(info.reason);
	in_input(info.kernel_version);
	in_input(info.tainted);
	in_input(info.modules);

	tm_find_guilty(buf, size, &bl, &g);
	if (g.kind != TM_GUILTY_NONE)
	{
		REQUIRE(g.line.kind == TM_BT_LINE_FRAME && g.line.block == 1);
		in_input(g.line.frame.function);
		in_input(g.line.frame.module);
	}
	else
		REQUIRE(info.frames == 0);

	tm_bt_init(&sc, buf, size);
	while (tm_bt_next(&sc, &l))
	{
		const TmRule *r;
		TmDecision	d;

		in_input(l.text);
		in_input(l.value);
		if (l.kind != TM_BT_LINE_FRAME)
			continue;
		REQUIRE(l.index == frames);
		frames++;
		in_input(l.frame.function);
		in_input(l.frame.symbol);
		in_input(l.frame.module);
		in_input(l.frame.location);
		REQUIRE(l.frame.symbol.len <= l.frame.function.len);
		REQUIRE(l.block >= 1 && l.thread >= 1);

		d = tm_frame_decision(&g, &l, &bl, &r);
		if (d == TM_DECISION_CHOSEN)
		{
			chosen++;
			REQUIRE(l.index == g.line.index);
			if (g.kind == TM_GUILTY_FRAME)
				REQUIRE(r == NULL && !l.frame.unknown && !l.frame.unreliable &&
						tm_blacklist_match(&bl, &l.frame) == NULL);
			if (g.kind == TM_GUILTY_LAST_FRAME)
				REQUIRE(r != NULL);
		}
		else if (d == TM_DECISION_BLACKLISTED)
			REQUIRE(r != NULL && l.block == 1);
		else if (d == TM_DECISION_UNKNOWN)
			REQUIRE(l.frame.unknown || l.frame.unreliable);
		if (l.block == 1 && g.kind == TM_GUILTY_FRAME && l.index < g.line.index)
			REQUIRE(d == TM_DECISION_BLACKLISTED || d == TM_DECISION_UNKNOWN);
	}
	REQUIRE(frames == info.frames);
	REQUIRE(chosen == (g.kind == TM_GUILTY_NONE ? 0 : 1));
	free(buf);
	return 0;
}
