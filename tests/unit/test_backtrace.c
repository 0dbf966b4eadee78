/*-------------------------------------------------------------------------
 *
 * test_backtrace.c
 *		Unit tests of backtrace.c: line kinds, frames, threads and blocks,
 *		the header summary, and robustness on odd input.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>

#include "backtrace.h"
#include "unit.h"

/* Scan s and return the n-th line (0-based); kind OTHER + lineno 0 if none. */
static TmBtLine
line_n(const char *s, int n)
{
	TmBtScanner sc;
	TmBtLine	l;
	int			i = 0;

	tm_bt_init(&sc, s, strlen(s));
	while (tm_bt_next(&sc, &l))
		if (i++ == n)
			return l;
	memset(&l, 0, sizeof(l));
	return l;
}

static int
count_lines(const char *s, size_t len)
{
	TmBtScanner sc;
	TmBtLine	l;
	int			n = 0;

	tm_bt_init(&sc, s, len);
	while (tm_bt_next(&sc, &l))
		n++;
	return n;
}

static void
test_line_kinds(void)
{
	TmBtLine	l;

	l = line_n("Process: /usr/bin/crashme", 0);
	CHECK(l.kind == TM_BT_LINE_PROCESS && SPAN_IS(l.value, "/usr/bin/crashme"));
	l = line_n("PID: 26008", 0);
	CHECK(l.kind == TM_BT_LINE_PID && l.number == 26008);
	l = line_n("PID: x1", 0);
	CHECK(l.kind == TM_BT_LINE_PID && l.number == -1);
	l = line_n("Signal: 11", 0);
	CHECK(l.kind == TM_BT_LINE_SIGNAL && l.number == 11);
	l = line_n("Too many frames. Backtrace truncated.", 0);
	CHECK(l.kind == TM_BT_LINE_TRUNCATED);
	l = line_n("Error: Failed to find module for current frame", 0);
	CHECK(l.kind == TM_BT_LINE_ERROR && SPAN_IS(l.value, "Failed to find module for current frame"));
	l = line_n("Backtrace (TID 26008):", 0);
	CHECK(l.kind == TM_BT_LINE_THREAD && l.number == 26008);
	l = line_n("Backtrace (TID 26008)", 0);
	CHECK(l.kind == TM_BT_LINE_OTHER);
	l = line_n("Backtrace (TID abc):", 0);
	CHECK(l.kind == TM_BT_LINE_THREAD && l.number == -1);
	l = line_n("Crash Report:", 0);
	CHECK(l.kind == TM_BT_LINE_CRASH_REPORT);
	l = line_n("Reason: BUG: unable to handle kernel paging request at 0000000000002658", 0);
	CHECK(l.kind == TM_BT_LINE_REASON &&
		  SPAN_IS(l.value, "BUG: unable to handle kernel paging request at 0000000000002658"));
	l = line_n("Kernel Version : 4.2.0-rc2-satori #1", 0);
	CHECK(l.kind == TM_BT_LINE_KERNEL_VERSION && SPAN_IS(l.value, "4.2.0-rc2-satori #1"));
	l = line_n("Tainted : G        W  OE  ", 0);
	CHECK(l.kind == TM_BT_LINE_TAINTED && SPAN_IS(l.value, "G        W  OE"));
	l = line_n("Modules : vboxpci(OE) wmi video", 0);
	CHECK(l.kind == TM_BT_LINE_MODULES && SPAN_IS(l.value, "vboxpci(OE) wmi video"));
	l = line_n("Backtrace :", 0);
	CHECK(l.kind == TM_BT_LINE_KBACKTRACE);
	l = line_n("Register RSP: Non-zero", 0);
	CHECK(l.kind == TM_BT_LINE_REGISTER);
	l = line_n("   ", 0);
	CHECK(l.kind == TM_BT_LINE_BLANK);
	l = line_n("hello", 0);
	CHECK(l.kind == TM_BT_LINE_OTHER && SPAN_IS(l.text, "hello"));
	/* headers are recognized on any line, not only the first */
	l = line_n("garbage\nProcess: x", 1);
	CHECK(l.kind == TM_BT_LINE_PROCESS && l.lineno == 2);
}

static void
test_line_ends(void)
{
	TmBtLine	l;
	const char	crlf[] = "Process: x\r\nPID: 5\r\n";

	CHECK(count_lines("", 0) == 0);
	CHECK(count_lines(NULL, 0) == 0);
	CHECK(count_lines(NULL, 10) == 0);
	CHECK(count_lines("a", 1) == 1);
	CHECK(count_lines("a\n", 2) == 1);
	CHECK(count_lines("a\n\n", 3) == 2);
	CHECK(count_lines("\n", 1) == 1);
	CHECK(count_lines(crlf, strlen(crlf)) == 2);
	l = line_n(crlf, 0);
	CHECK(l.kind == TM_BT_LINE_PROCESS && SPAN_IS(l.value, "x") && SPAN_IS(l.text, "Process: x"));
	l = line_n(crlf, 1);
	CHECK(l.kind == TM_BT_LINE_PID && l.number == 5);
	/* embedded NUL bytes are ordinary bytes; the length decides */
	CHECK(count_lines("a\0b\nc", 5) == 2);
}

static TmBtFrame
frame_of(const char *line)
{
	TmBtLine	l = line_n(line, 0);
	TmBtFrame	none;

	memset(&none, 0, sizeof(none));
	return l.kind == TM_BT_LINE_FRAME ? l.frame : none;
}

static int
is_frame(const char *line)
{
	return line_n(line, 0).kind == TM_BT_LINE_FRAME;
}

static void
test_frames(void)
{
	TmBtFrame	f;

	f = frame_of("#0 sum_list() - [/usr/lib/crashes/crashme] - /usr/lib/crashes/crashme.c:11");
	CHECK(f.number == 0 && SPAN_IS(f.function, "sum_list()") && SPAN_IS(f.symbol, "sum_list"));
	CHECK(SPAN_IS(f.module, "/usr/lib/crashes/crashme") && SPAN_IS(f.location, "/usr/lib/crashes/crashme.c:11"));
	CHECK(!f.unknown && !f.unreliable);

	f = frame_of("#12 g_hash_table_lookup() - [/usr/lib64/libglib-2.0.so.0]");
	CHECK(f.number == 12 && SPAN_IS(f.function, "g_hash_table_lookup()") && SPAN_IS(f.location, NULL));

	f = frame_of("#4 __libc_start_main@@GLIBC_2.34() - [libc.so.6] - ../csu/libc-start.c:360");
	CHECK(SPAN_IS(f.symbol, "__libc_start_main@@GLIBC_2.34") && SPAN_IS(f.module, "libc.so.6"));

	f = frame_of("#0 _ZN3app6Parser5parseERKSt6vectorIiSaIiEE() - [/usr/lib/crashes/cxxcrash] - /usr/lib/crashes/cxx.cpp:2");
	CHECK(SPAN_IS(f.function, "_ZN3app6Parser5parseERKSt6vectorIiSaIiEE()"));

	f = frame_of("#2 ??? - [/usr/lib64/libgnome-shell.so]");
	CHECK(f.unknown && !f.unreliable && SPAN_IS(f.function, "???") && SPAN_IS(f.symbol, "???"));

	f = frame_of("#3 (no symbols)");
	CHECK(f.unknown && SPAN_IS(f.function, "(no symbols)") && SPAN_IS(f.module, NULL));
	f = frame_of("#3 (no symbols) - jit.c:7");
	CHECK(f.unknown && SPAN_IS(f.module, NULL) && SPAN_IS(f.location, "jit.c:7"));
	CHECK(!is_frame("#3 (no symbols)x"));

	f = frame_of("#1 dump_stack - [kernel]");
	CHECK(SPAN_IS(f.function, "dump_stack") && SPAN_IS(f.symbol, "dump_stack") && SPAN_IS(f.module, "kernel"));
	f = frame_of("#3 ? assert_plane - [kernel]");
	CHECK(f.unreliable && !f.unknown && SPAN_IS(f.function, "assert_plane"));
	f = frame_of("#3 ?  spaced - [kernel]");
	CHECK(f.unreliable && SPAN_IS(f.function, "spaced"));
	f = frame_of("#3 ?x - [kernel]");
	CHECK(!f.unreliable && SPAN_IS(f.function, "?x"));
	f = frame_of("#5  - [kernel]");
	CHECK(f.unknown && f.function.len == 0);

	/* the module ends at the first ']' that ends the line or precedes " - " */
	f = frame_of("#0 f() - [a] - [b]");
	CHECK(SPAN_IS(f.module, "a") && SPAN_IS(f.location, "[b]"));
	f = frame_of("#0 f() - [/x]y] - z.c:1");
	CHECK(SPAN_IS(f.module, "/x]y") && SPAN_IS(f.location, "z.c:1"));
	f = frame_of("#0 g() - [/lib/x] - /src/a[1].c:3");
	CHECK(SPAN_IS(f.module, "/lib/x") && SPAN_IS(f.location, "/src/a[1].c:3"));
	f = frame_of("#0 g() - [m]trailing]");
	CHECK(SPAN_IS(f.module, "m]trailing"));
	f = frame_of("#0 g() - [m]x");
	CHECK(SPAN_IS(f.module, "m") && SPAN_IS(f.location, "x"));
	f = frame_of("  #7 indented() - [m]  ");
	CHECK(f.number == 7 && SPAN_IS(f.function, "indented()") && SPAN_IS(f.location, NULL));
	f = frame_of("#0 f() - []");
	CHECK(SPAN_IS(f.module, ""));
	f = frame_of("#99999999999999999999 f() - [m]");
	CHECK(f.number == INT32_MAX);

	/* not frames */
	CHECK(!is_frame("#0 f() - [no closing bracket"));
	CHECK(!is_frame("#0 f()"));
	CHECK(!is_frame("#0"));
	CHECK(!is_frame("#"));
	CHECK(!is_frame("# 0 f() - [m]"));
	CHECK(!is_frame("#x f() - [m]"));
	CHECK(!is_frame("#0\tf() - [m]"));
	CHECK(!is_frame("#0f() - [m]"));
	CHECK(!is_frame("0 f() - [m]"));
	CHECK(!is_frame("#0 f() -[m]"));

	/* tm_bt_parse_frame directly */
	CHECK(tm_bt_parse_frame("a - [b]", 7, &f) && SPAN_IS(f.function, "a"));
	CHECK(!tm_bt_parse_frame("", 0, &f));
	CHECK(!tm_bt_parse_frame(" - [", 4, &f));
}

static void
test_threads_and_blocks(void)
{
	const char *s =
		"#0 before() - [m]\n"			/* implicit thread 1, block 1 */
		"Backtrace (TID 10):\n"
		"#0 a() - [m]\n"				/* thread 2, block 2 */
		"#1 b() - [m]\n"
		"\n"
		"#2 c() - [m]\n"				/* thread 2, block 3 */
		"Backtrace (TID 11):\n"
		"Backtrace (TID 12):\n"
		"#0 d() - [m]\n";				/* thread 4, block 4 */
	TmBtScanner sc;
	TmBtLine	l;
	int			thread[5],
				block[5],
				n = 0;
	int64_t		tid[5];
	size_t		index[5];

	tm_bt_init(&sc, s, strlen(s));
	while (tm_bt_next(&sc, &l))
		if (l.kind == TM_BT_LINE_FRAME && n < 5)
		{
			thread[n] = l.thread;
			block[n] = l.block;
			tid[n] = l.tid;
			index[n] = l.index;
			n++;
		}
	CHECK(n == 5);
	CHECK(thread[0] == 1 && tid[0] == -1 && block[0] == 1 && index[0] == 0);
	CHECK(thread[1] == 2 && tid[1] == 10 && block[1] == 2 && index[1] == 1);
	CHECK(thread[2] == 2 && block[2] == 2);
	CHECK(thread[3] == 2 && block[3] == 3);
	CHECK(thread[4] == 4 && tid[4] == 12 && block[4] == 4 && index[4] == 4);
}

static void
test_info(void)
{
	TmBtInfo	i;
	const char *crash =
		"Process: /usr/bin/mtabort\nPID: 18195\nSignal: 6\nToo many frames. Backtrace truncated.\n\n"
		"Backtrace (TID 18195):\n#0 raise() - [libc.so.6]\n\nBacktrace (TID 18196):\n#0 pause() - [libc.so.6]\n";
	const char *error =
		"Process: /usr/bin/x\nPID: 1\nError: no module\n\nBacktrace (TID 1):\n#0 f() - [m]\n";
	const char *kernel =
		"Crash Report:\nReason: WARNING: at x\nKernel Version : 4.2.0 #1\nTainted : Not tainted\n"
		"Modules : a b\nBacktrace :\nRegister RIP: Zero\n#1 dump_stack - [kernel]\n#2 ? f - [kernel]\n";

	tm_bt_info(crash, strlen(crash), &i);
	CHECK(i.format == TM_BT_FORMAT_CRASH && SPAN_IS(i.process, "/usr/bin/mtabort"));
	CHECK(i.pid == 18195 && i.signal == 6 && i.truncated && i.threads == 2 && i.frames == 2 && i.blocks == 2);
	CHECK(SPAN_IS(i.error, NULL) && SPAN_IS(i.reason, NULL));
	CHECK(strcmp(tm_bt_format_name(i.format), "crash") == 0);

	tm_bt_info(error, strlen(error), &i);
	CHECK(i.format == TM_BT_FORMAT_CRASH_ERROR && SPAN_IS(i.error, "no module") && i.signal == -1);
	CHECK(strcmp(tm_bt_format_name(i.format), "crash_error") == 0);

	tm_bt_info(kernel, strlen(kernel), &i);
	CHECK(i.format == TM_BT_FORMAT_KERNEL && SPAN_IS(i.reason, "WARNING: at x"));
	CHECK(SPAN_IS(i.kernel_version, "4.2.0 #1") && SPAN_IS(i.tainted, "Not tainted") && SPAN_IS(i.modules, "a b"));
	CHECK(i.threads == 1 && i.frames == 2 && SPAN_IS(i.process, NULL) && i.pid == -1);
	CHECK(strcmp(tm_bt_format_name(i.format), "kernel") == 0);

	tm_bt_info("hello\n", 6, &i);
	CHECK(i.format == TM_BT_FORMAT_NONE && i.frames == 0 && i.threads == 0);
	CHECK(tm_bt_format_name(i.format) == NULL);

	/* the first occurrence of a header wins */
	tm_bt_info("Process: a\nProcess: b\n", 22, &i);
	CHECK(SPAN_IS(i.process, "a"));
}

/* xorshift, so that the run is the same every time */
static uint32_t
rnd(uint32_t *state)
{
	uint32_t	x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

static void
test_robustness(void)
{
	static const char *pieces[] = {
		"#", "0", "1", " ", " - [", "]", "\n", "\r\n", "???", "(no symbols)", "? ",
		"Process: ", "Backtrace (TID ", "):", "Crash Report:", "Reason: ", "()", "\0", "\xff", "x"
	};
	uint32_t	state = 12345;
	char		buf[4096];
	int			round;
	int			ok = 1;

	for (round = 0; round < 20000; round++)
	{
		size_t		len = 0;
		TmBtInfo	info;
		TmBtScanner sc;
		TmBtLine	l;
		size_t		frames = 0;

		while (len < sizeof(buf) - 16 && rnd(&state) % 64 != 0)
		{
			const char *p = pieces[rnd(&state) % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t		n = p[0] ? strlen(p) : 1;

			memcpy(buf + len, p, n);
			len += n;
		}
		/* scan an exact-size heap copy, so ASan sees any overread */
		{
			char	   *copy = malloc(len ? len : 1);

			memcpy(copy, buf, len);
			tm_bt_info(copy, len, &info);
			tm_bt_init(&sc, copy, len);
			while (tm_bt_next(&sc, &l))
			{
				if (l.kind == TM_BT_LINE_FRAME)
				{
					frames++;
					if (l.frame.function.ptr != NULL &&
						(l.frame.function.ptr < copy ||
						 l.frame.function.ptr + l.frame.function.len > copy + len))
						ok = 0;
					if (l.frame.symbol.len > l.frame.function.len)
						ok = 0;
				}
			}
			if (frames != info.frames)
				ok = 0;
			free(copy);
		}
	}
	CHECK(ok);

	/* a long line of near-matches is linear (and correct) */
	{
		size_t		n = 4 * 1024 * 1024;
		char	   *big = malloc(n);
		size_t		i;
		TmBtInfo	info;

		big[0] = '#';
		big[1] = '0';
		big[2] = ' ';
		for (i = 3; i + 4 <= n; i += 4)
			memcpy(big + i, " - [", 4);
		tm_bt_info(big, n, &info);
		CHECK(info.frames == 0);
		for (i = 3; i < n; i++)
			big[i] = ']';
		memcpy(big + n - 8, " - [m]\n", 7);
		tm_bt_info(big, n, &info);
		CHECK(info.frames == 1);
		free(big);
	}
}

int
main(void)
{
	test_line_kinds();
	test_line_ends();
	test_frames();
	test_threads_and_blocks();
	test_info();
	test_robustness();
	return unit_report();
}
