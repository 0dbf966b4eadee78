/*-------------------------------------------------------------------------
 *
 * backtrace.h
 *		Reading crash payloads: the user-space crash format (crashprobe),
 *		its error variant, and the kernel oops format (klogscanner,
 *		pstoreprobe).
 *
 * Pure C, like fields.h: no PostgreSQL header, no allocation, no state
 * outside the caller's structs, so that tests/unit and fuzz/ build it
 * alone.  Every function reads its input through (pointer, length); the
 * input need not be NUL-terminated and may contain any byte.
 *
 * The formats (../shared/docs/client-protocol.md section 7):
 *
 *	Process: /usr/bin/mtabort			user-space crash (crashprobe)
 *	PID: 18195
 *	Signal: 6
 *	Too many frames. Backtrace truncated.	(only past 64 frames)
 *	Error: <message>					(only in org.clearlinux/crash/error)
 *
 *	Backtrace (TID 18195):				one section per thread, crashing first
 *	#0 raise() - [libc.so.6] - ../sysdeps/posix/raise.c:26
 *	#1 ??? - [/usr/lib/crashes/crashme-stripped]
 *	#2 (no symbols)
 *
 *	Crash Report:						kernel oops (oops_parser.c)
 *	Reason: WARNING: CPU: 1 PID: 796 at kernel/sched/core.c:2342 ...
 *	Kernel Version : 4.2.0-rc2-satori #1
 *	Tainted : G        W  OE
 *	Modules : vboxpci(OE) ...
 *	Backtrace :
 *	Register RSP: Non-zero
 *	#1 dump_stack - [kernel]
 *	#6 ? update_curr - [kernel]			"? " marks an unreliable frame
 *
 * The scanner looks at every line the same way: no line is assumed to be a
 * header because of where it is.  Lines end at '\n'; a '\r' before it is
 * dropped (CRLF); the last line needs no terminator.  Lines that are
 * neither a header nor a frame are "other" lines.  The work is linear in
 * the input length.
 *
 * Threads and blocks.  A "Backtrace (TID n):" line starts a thread
 * section; frames before any such line belong to an implicit first
 * thread (the kernel format has no thread lines).  A block is a run of
 * consecutive frame lines: a thread line or any other line ends it.  The
 * crashing thread's frames are the first block, as in the reference
 * backend, which stopped at the first non-frame line after the frames.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TELEMETRICS_BACKTRACE_H
#define TELEMETRICS_BACKTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A byte string inside the input; ptr == NULL means absent. */
typedef struct TmSpan
{
	const char *ptr;
	size_t		len;
} TmSpan;

/* What kind of payload it looks like (tm_bt_info). */
typedef enum TmBtFormat
{
	TM_BT_FORMAT_NONE = 0,		/* no header of a known format */
	TM_BT_FORMAT_CRASH,			/* user-space crash: Process:/Backtrace (TID */
	TM_BT_FORMAT_CRASH_ERROR,	/* the same with an "Error:" line */
	TM_BT_FORMAT_KERNEL			/* Crash Report: / Reason: / Backtrace : */
} TmBtFormat;

/* The kinds of line the scanner tells apart. */
typedef enum TmBtLineKind
{
	TM_BT_LINE_OTHER = 0,		/* none of the below */
	TM_BT_LINE_BLANK,			/* empty or only white space */
	TM_BT_LINE_PROCESS,			/* "Process: <value>" */
	TM_BT_LINE_PID,				/* "PID: <number>" */
	TM_BT_LINE_SIGNAL,			/* "Signal: <number>" */
	TM_BT_LINE_TRUNCATED,		/* "Too many frames. Backtrace truncated." */
	TM_BT_LINE_ERROR,			/* "Error: <value>" */
	TM_BT_LINE_THREAD,			/* "Backtrace (TID <number>):" */
	TM_BT_LINE_CRASH_REPORT,	/* "Crash Report:" */
	TM_BT_LINE_REASON,			/* "Reason: <value>" */
	TM_BT_LINE_KERNEL_VERSION,	/* "Kernel Version : <value>" */
	TM_BT_LINE_TAINTED,			/* "Tainted : <value>" */
	TM_BT_LINE_MODULES,			/* "Modules : <value>" */
	TM_BT_LINE_KBACKTRACE,		/* "Backtrace :" */
	TM_BT_LINE_REGISTER,		/* "Register <name>: <value>" */
	TM_BT_LINE_FRAME			/* "#<n> ..." with a module, or (no symbols) */
} TmBtLineKind;

/* One frame line, taken apart.  Spans point into the input. */
typedef struct TmBtFrame
{
	int32_t		number;			/* the #N, saturated at INT32_MAX */
	TmSpan		function;		/* as printed, minus a "? " prefix:
								 * "g_str_hash()", "???", "(no symbols)",
								 * "dump_stack"; may be empty */
	TmSpan		symbol;			/* function minus one trailing "()": what
								 * blacklist rules are compared with */
	TmSpan		module;			/* text between [ and ]; ptr NULL if none */
	TmSpan		location;		/* "file:line" after the module; ptr NULL if
								 * none */
	bool		unknown;		/* no symbol: "???", "(no symbols)" or empty */
	bool		unreliable;		/* printed with a "? " prefix (kernel) */
} TmBtFrame;

/* One line, classified. */
typedef struct TmBtLine
{
	TmBtLineKind kind;
	size_t		lineno;			/* 1-based */
	TmSpan		text;			/* the line without its end of line */
	TmSpan		value;			/* value of a header line (trimmed) */
	int64_t		number;			/* PID, Signal, TID; -1 if not a number */

	/* for frames (kind == TM_BT_LINE_FRAME) */
	TmBtFrame	frame;
	int32_t		thread;			/* 1-based thread section */
	int64_t		tid;			/* the section's TID; -1 if none */
	int32_t		block;			/* 1-based block; 1 = the crashing thread */
	size_t		index;			/* 0-based position among all frames */
} TmBtLine;

/* Scanner state.  Initialize with tm_bt_init; no cleanup needed. */
typedef struct TmBtScanner
{
	const char *buf;
	size_t		len;
	size_t		pos;
	size_t		lineno;
	int32_t		thread;			/* current thread section, 0 = none yet */
	int64_t		tid;
	int32_t		block;			/* blocks seen so far */
	bool		in_block;		/* the previous line was a frame */
	size_t		nframes;
} TmBtScanner;

/*
 * tm_bt_init
 *		Start scanning buf[0..len).  buf may be NULL when len is 0.
 */
extern void tm_bt_init(TmBtScanner *sc, const char *buf, size_t len);

/*
 * tm_bt_next
 *		Classify the next line into *line; false when there is none left.
 *		Spans in *line point into the scanned buffer.
 */
extern bool tm_bt_next(TmBtScanner *sc, TmBtLine *line);

/*
 * tm_bt_parse_frame
 *		Take apart the part of a frame line after "#<n> " (rest[0..len)).
 *		Returns false if it is not a frame: no " - [module]" and not
 *		"(no symbols)".  Exposed for the unit tests.
 */
extern bool tm_bt_parse_frame(const char *rest, size_t len, TmBtFrame *frame);

/* The header values of a payload; the first occurrence of each wins. */
typedef struct TmBtInfo
{
	TmBtFormat	format;
	TmSpan		process;
	int64_t		pid;			/* -1 if absent or not a number */
	int64_t		signal;			/* -1 if absent or not a number */
	bool		truncated;		/* "Too many frames" line */
	TmSpan		error;			/* the "Error:" message */
	TmSpan		reason;
	TmSpan		kernel_version;
	TmSpan		tainted;
	TmSpan		modules;
	int32_t		threads;		/* thread sections, counting an implicit one */
	int32_t		blocks;
	size_t		frames;
} TmBtInfo;

/*
 * tm_bt_info
 *		Scan the whole input and fill *info.
 */
extern void tm_bt_info(const char *buf, size_t len, TmBtInfo *info);

/*
 * tm_bt_format_name
 *		"crash", "crash_error", "kernel", or NULL for TM_BT_FORMAT_NONE.
 */
extern const char *tm_bt_format_name(TmBtFormat format);

#endif							/* TELEMETRICS_BACKTRACE_H */
