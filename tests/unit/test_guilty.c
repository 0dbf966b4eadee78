/*-------------------------------------------------------------------------
 *
 * test_guilty.c
 *		Unit tests of guilty.c: rule matching and the guilty frame, with
 *		the reference backend's worked examples and the bugs it had.
 *
 *-------------------------------------------------------------------------
 */
#include "guilty.h"
#include "unit.h"

static TmRule
rule(int32_t id, TmMatchKind kind, const char *fn, const char *mod)
{
	TmRule		r;

	r.id = id;
	r.kind = kind;
	r.function.ptr = fn;
	r.function.len = strlen(fn);
	r.module.ptr = mod;
	r.module.len = mod ? strlen(mod) : 0;
	return r;
}

static TmBtFrame
frame(const char *fn, const char *mod)
{
	TmBtFrame	f;
	char		line[512];

	snprintf(line, sizeof(line), "%s - [%s]", fn, mod ? mod : "");
	memset(&f, 0, sizeof(f));
	CHECK(tm_bt_parse_frame(line, strlen(line), &f));
	/* the spans point into line: copy what the tests compare */
	return f;
}

/* Is the frame (fn, mod) blacklisted by rules[0..n), and by which id? */
static int32_t
match_id(TmRule *rules, size_t n, const char *fn, const char *mod)
{
	TmBlacklist bl;
	char		line[512];
	TmBtFrame	f;
	const TmRule *r;

	snprintf(line, sizeof(line), "%s - [%s]", fn, mod);
	if (!tm_bt_parse_frame(line, strlen(line), &f))
		return -2;
	tm_blacklist_prepare(rules, n, &bl);
	r = tm_blacklist_match(&bl, &f);
	return r ? r->id : 0;
}

static void
test_rules(void)
{
	TmRule		rules[8];
	TmBlacklist bl;

	rules[0] = rule(1, TM_MATCH_EXACT, "raise", NULL);
	rules[1] = rule(2, TM_MATCH_PREFIX, "__libc_start", NULL);
	rules[2] = rule(3, TM_MATCH_EXACT, "dump_stack", "kernel");
	rules[3] = rule(4, TM_MATCH_PREFIX, "__GI_", NULL);
	rules[4] = rule(5, TM_MATCH_EXACT, "raise", "libc.so.6");
	rules[5] = rule(6, TM_MATCH_PREFIX, "__GI_r", NULL);
	rules[6] = rule(7, TM_MATCH_EXACT, "", NULL);	/* never matches */
	rules[7] = rule(8, TM_MATCH_EXACT, "???", "/x");

	CHECK(match_id(rules, 8, "raise()", "libc.so.6") == 1);	/* lowest id wins */
	CHECK(match_id(rules, 8, "raise", "kernel") == 1);
	CHECK(match_id(rules, 8, "raise_x()", "libc.so.6") == 0);
	CHECK(match_id(rules, 8, "rais()", "libc.so.6") == 0);
	CHECK(match_id(rules, 8, "__libc_start_main@@GLIBC_2.34()", "libc.so.6") == 2);
	CHECK(match_id(rules, 8, "__libc_start()", "x") == 2);
	CHECK(match_id(rules, 8, "__libc_star()", "x") == 0);
	CHECK(match_id(rules, 8, "dump_stack", "kernel") == 3);
	CHECK(match_id(rules, 8, "? dump_stack", "kernel") == 3);
	CHECK(match_id(rules, 8, "dump_stack", "kernel2") == 0);
	CHECK(match_id(rules, 8, "__GI_raise()", "libc.so.6") == 4);	/* prefix: lowest id */
	CHECK(match_id(rules, 8, "???", "/x") == 8);
	CHECK(match_id(rules, 8, "???", "/y") == 0);
	CHECK(match_id(rules, 8, "", "m") == 0);

	/* exact rules before prefix rules, whatever the ids */
	rules[0] = rule(9, TM_MATCH_EXACT, "__GI_raise", NULL);
	rules[1] = rule(1, TM_MATCH_PREFIX, "__GI_", NULL);
	CHECK(match_id(rules, 2, "__GI_raise()", "m") == 9);

	/* an empty list, and no list */
	tm_blacklist_prepare(rules, 0, &bl);
	CHECK(bl.nrules == 0);
	{
		TmBtFrame	f = frame("raise()", "m");

		CHECK(tm_blacklist_match(&bl, &f) == NULL);
		CHECK(tm_blacklist_match(NULL, &f) == NULL);
	}

	/* prepare drops unusable rules and sorts exact rules by function */
	rules[0] = rule(1, TM_MATCH_EXACT, "b", NULL);
	rules[1] = rule(2, TM_MATCH_EXACT, "", NULL);
	rules[2] = rule(3, TM_MATCH_PREFIX, "p", NULL);
	rules[3] = rule(4, TM_MATCH_EXACT, "a", NULL);
	tm_blacklist_prepare(rules, 4, &bl);
	CHECK(bl.nrules == 3 && bl.nexact == 2);
	CHECK(SPAN_IS(bl.rules[0].function, "a") && SPAN_IS(bl.rules[1].function, "b"));
	CHECK(bl.rules[2].kind == TM_MATCH_PREFIX);
}

static TmGuilty
guilty(const char *payload, TmRule *rules, size_t n)
{
	TmBlacklist bl;
	TmGuilty	g;

	tm_blacklist_prepare(rules, n, &bl);
	tm_find_guilty(payload, strlen(payload), &bl, &g);
	return g;
}

static const char gnome_shell[] =
	"Process: /usr/bin/gnome-shell\nPID: 1234\nSignal: 11\n\nBacktrace (TID 1234):\n"
	"#0 g_str_hash() - [/usr/lib64/libglib-2.0.so.0] - ghash.c:1879\n"
	"#1 g_hash_table_lookup() - [/usr/lib64/libglib-2.0.so.0]\n"
	"#2 ??? - [/usr/lib64/libgnome-shell.so]\n"
	"#3 __libc_start_main() - [/usr/lib64/libc.so.6]\n"
	"#4 _start() - [/usr/bin/gnome-shell]\n\n"
	"Backtrace (TID 1240):\n#0 poll() - [/usr/lib64/libc.so.6]\n";

static const char mtabort[] =
	"Process: /usr/bin/mtabort\nPID: 18195\nSignal: 6\n\nBacktrace (TID 18195):\n"
	"#0 __pthread_kill_implementation() - [libc.so.6] - ./nptl/pthread_kill.c:44\n"
	"#1 raise() - [libc.so.6] - ../sysdeps/posix/raise.c:26\n"
	"#2 abort() - [libc.so.6] - ./stdlib/abort.c:79\n"
	"#3 __assert_fail_base.cold() - [libc.so.6] - ./assert/assert.c:94\n"
	"#4 __assert_fail() - [libc.so.6] - ./assert/assert.c:103\n"
	"#5 check_config() - [/usr/lib/crashes/mtabort] - /usr/lib/crashes/mtabort.c:8\n"
	"#6 main() - [/usr/lib/crashes/mtabort] - /usr/lib/crashes/mtabort.c:15\n\n"
	"Backtrace (TID 18196):\n#0 pause() - [libc.so.6]\n#1 idle_worker() - [/usr/lib/crashes/mtabort]\n";

static void
test_reference_examples(void)
{
	TmRule		rules[4];
	TmGuilty	g;

	/* reference-backend.md 3.4: empty blacklist */
	g = guilty(gnome_shell, rules, 0);
	CHECK(g.kind == TM_GUILTY_FRAME && SPAN_IS(g.line.frame.function, "g_str_hash()") &&
		  SPAN_IS(g.line.frame.module, "/usr/lib64/libglib-2.0.so.0") && g.examined == 1);

	/* the two glib frames blacklisted: ??? is the first unknown, a
	 * symbolised frame after it wins */
	rules[0] = rule(1, TM_MATCH_EXACT, "g_str_hash", "/usr/lib64/libglib-2.0.so.0");
	rules[1] = rule(2, TM_MATCH_EXACT, "g_hash_table_lookup", "/usr/lib64/libglib-2.0.so.0");
	g = guilty(gnome_shell, rules, 2);
	CHECK(g.kind == TM_GUILTY_FRAME && SPAN_IS(g.line.frame.function, "__libc_start_main()"));

	/* and with the start-up frames blacklisted too: the first unknown */
	rules[2] = rule(3, TM_MATCH_PREFIX, "__libc_start", NULL);
	rules[3] = rule(4, TM_MATCH_EXACT, "_start", NULL);
	g = guilty(gnome_shell, rules, 4);
	CHECK(g.kind == TM_GUILTY_FIRST_UNKNOWN && SPAN_IS(g.line.frame.function, "???") &&
		  SPAN_IS(g.line.frame.module, "/usr/lib64/libgnome-shell.so") && g.line.index == 2);
	CHECK(g.examined == 5);		/* the other thread is never looked at */

	/* kernel example: dump_stack, __warn blacklisted; "? assert_plane" is
	 * the first unknown; intel_atomic_commit_tail is chosen */
	rules[0] = rule(1, TM_MATCH_EXACT, "dump_stack", "kernel");
	rules[1] = rule(2, TM_MATCH_EXACT, "__warn", "kernel");
	g = guilty("Crash Report:\nReason: WARNING: x\nBacktrace :\n#1 dump_stack - [kernel]\n"
			   "#2 __warn - [kernel]\n#3 ? assert_plane - [kernel]\n#4 intel_atomic_commit_tail - [kernel]\n",
			   rules, 2);
	CHECK(g.kind == TM_GUILTY_FRAME && SPAN_IS(g.line.frame.function, "intel_atomic_commit_tail"));

	/* client-protocol.md 7.1: the abort path blacklisted, the program's
	 * own function is guilty; without it, pthread_kill */
	rules[0] = rule(1, TM_MATCH_EXACT, "__pthread_kill_implementation", NULL);
	rules[1] = rule(2, TM_MATCH_EXACT, "raise", NULL);
	rules[2] = rule(3, TM_MATCH_EXACT, "abort", NULL);
	rules[3] = rule(4, TM_MATCH_PREFIX, "__assert_fail", NULL);
	g = guilty(mtabort, rules, 4);
	CHECK(g.kind == TM_GUILTY_FRAME && SPAN_IS(g.line.frame.function, "check_config()") &&
		  SPAN_IS(g.line.frame.module, "/usr/lib/crashes/mtabort"));
	g = guilty(mtabort, rules, 0);
	CHECK(g.kind == TM_GUILTY_FRAME && SPAN_IS(g.line.frame.function, "__pthread_kill_implementation()"));
}

static void
test_reference_bugs_fixed(void)
{
	TmRule		rules[2];
	TmGuilty	g;

	/* the first line is not skipped */
	g = guilty("#0 crashed_here() - [/usr/bin/x]\n#1 main() - [/usr/bin/x]", rules, 0);
	CHECK(g.kind == TM_GUILTY_FRAME && SPAN_IS(g.line.frame.function, "crashed_here()"));

	/* a second "? " frame is passed over like a second "???" */
	g = guilty("#1 ? a - [kernel]\n#2 ? b - [kernel]\n#3 c - [kernel]\n", rules, 0);
	CHECK(g.kind == TM_GUILTY_FRAME && SPAN_IS(g.line.frame.function, "c"));
	g = guilty("#1 ??? - [m]\n#2 ? b - [kernel]\n#3 ??? - [m]\n#4 c() - [m]\n", rules, 0);
	CHECK(g.kind == TM_GUILTY_FRAME && SPAN_IS(g.line.frame.function, "c()"));

	/* only unreliable frames: the first one, without its "? " */
	g = guilty("#1 ? a - [kernel]\n#2 ? b - [kernel]\n", rules, 0);
	CHECK(g.kind == TM_GUILTY_FIRST_UNKNOWN && SPAN_IS(g.line.frame.function, "a"));

	/* (no symbols) is a frame, not the end of the backtrace */
	g = guilty("Backtrace (TID 1):\n#0 (no symbols)\n#1 f() - [m]\n", rules, 0);
	CHECK(g.kind == TM_GUILTY_FRAME && SPAN_IS(g.line.frame.function, "f()"));
	g = guilty("Backtrace (TID 1):\n#0 (no symbols)\n", rules, 0);
	CHECK(g.kind == TM_GUILTY_FIRST_UNKNOWN && SPAN_IS(g.line.frame.module, NULL));

	/* every frame blacklisted: the last one */
	rules[0] = rule(1, TM_MATCH_EXACT, "raise", NULL);
	rules[1] = rule(2, TM_MATCH_EXACT, "abort", NULL);
	g = guilty("#0 raise() - [c]\n#1 abort() - [c]\n\n#0 other() - [d]\n", rules, 2);
	CHECK(g.kind == TM_GUILTY_LAST_FRAME && SPAN_IS(g.line.frame.function, "abort()") && g.examined == 2);

	/* no frames */
	g = guilty("", rules, 0);
	CHECK(g.kind == TM_GUILTY_NONE && g.examined == 0);
	g = guilty("Process: x\nPID: 1\n\nBacktrace (TID 1):\n", rules, 0);
	CHECK(g.kind == TM_GUILTY_NONE);
	g = guilty("Crash from third party\n", rules, 0);
	CHECK(g.kind == TM_GUILTY_NONE);

	/* the crashing thread is the first block of frames: a thread header
	 * with no frames does not count */
	g = guilty("Backtrace (TID 1):\n\nBacktrace (TID 2):\n#0 f() - [m]\n", rules, 0);
	CHECK(g.kind == TM_GUILTY_FRAME && SPAN_IS(g.line.frame.function, "f()"));
}

static void
test_decisions(void)
{
	TmRule		rules[2];
	TmBlacklist bl;
	TmGuilty	g;
	TmBtScanner sc;
	TmBtLine	l;
	const TmRule *r;
	TmDecision	d[16];
	int32_t		rid[16];
	int			n = 0;
	const char *p =
		"Backtrace (TID 1):\n#0 raise() - [c]\n#1 ??? - [m]\n#2 ? u - [k]\n#3 f() - [m]\n#4 g() - [m]\n"
		"\nBacktrace (TID 2):\n#0 h() - [m]\n";

	rules[0] = rule(7, TM_MATCH_EXACT, "raise", NULL);
	tm_blacklist_prepare(rules, 1, &bl);
	tm_find_guilty(p, strlen(p), &bl, &g);
	tm_bt_init(&sc, p, strlen(p));
	while (tm_bt_next(&sc, &l) && n < 16)
		if (l.kind == TM_BT_LINE_FRAME)
		{
			d[n] = tm_frame_decision(&g, &l, &bl, &r);
			rid[n] = r ? r->id : 0;
			n++;
		}
	CHECK(n == 6);
	CHECK(d[0] == TM_DECISION_BLACKLISTED && rid[0] == 7);
	CHECK(d[1] == TM_DECISION_UNKNOWN && rid[1] == 0);
	CHECK(d[2] == TM_DECISION_UNKNOWN);
	CHECK(d[3] == TM_DECISION_CHOSEN);
	CHECK(d[4] == TM_DECISION_SKIPPED);
	CHECK(d[5] == TM_DECISION_SKIPPED);

	/* the last-frame fall-back reports its rule */
	rules[1] = rule(8, TM_MATCH_EXACT, "abort", NULL);
	tm_blacklist_prepare(rules, 2, &bl);
	p = "#0 raise() - [c]\n#1 abort() - [c]\n";
	tm_find_guilty(p, strlen(p), &bl, &g);
	CHECK(g.kind == TM_GUILTY_LAST_FRAME);
	tm_bt_init(&sc, p, strlen(p));
	n = 0;
	while (tm_bt_next(&sc, &l) && n < 16)
		if (l.kind == TM_BT_LINE_FRAME)
		{
			d[n] = tm_frame_decision(&g, &l, &bl, &r);
			rid[n] = r ? r->id : 0;
			n++;
		}
	CHECK(n == 2 && d[0] == TM_DECISION_BLACKLISTED && d[1] == TM_DECISION_CHOSEN && rid[1] == 8);

	CHECK(strcmp(tm_decision_name(TM_DECISION_CHOSEN), "chosen") == 0);
	CHECK(strcmp(tm_decision_name(TM_DECISION_SKIPPED), "skipped") == 0);
	CHECK(strcmp(tm_guilty_kind_name(TM_GUILTY_FIRST_UNKNOWN), "first_unknown") == 0);
	CHECK(strcmp(tm_guilty_kind_name(TM_GUILTY_NONE), "none") == 0);
}

int
main(void)
{
	test_rules();
	test_reference_examples();
	test_reference_bugs_fixed();
	test_decisions();
	return unit_report();
}
