/*-------------------------------------------------------------------------
 *
 * backtrace.c
 *		Line scanner for crash and kernel oops payloads (pure C; see
 *		backtrace.h).
 *
 * Every step looks at each byte of a line a bounded number of times, so a
 * scan is linear in the input, whatever the input is: no backtracking, no
 * nested searches.
 *
 *-------------------------------------------------------------------------
 */
#include "backtrace.h"

#include <string.h>

static inline bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* s[0..len) with white space removed at both ends. */
static TmSpan
trim(const char *s, size_t len)
{
	TmSpan		r;

	while (len > 0 && is_space(*s))
	{
		s++;
		len--;
	}
	while (len > 0 && is_space(s[len - 1]))
		len--;
	r.ptr = s;
	r.len = len;
	return r;
}

/* Does s[0..len) start with the NUL-terminated lit? */
static inline bool
starts_with(const char *s, size_t len, const char *lit)
{
	size_t		n = strlen(lit);

	return len >= n && memcmp(s, lit, n) == 0;
}

/*
 * A run of digits, saturated at INT64_MAX; -1 if s is empty or holds
 * anything but digits.
 */
static int64_t
parse_number(TmSpan s)
{
	int64_t		v = 0;
	size_t		i;

	if (s.ptr == NULL || s.len == 0)
		return -1;
	for (i = 0; i < s.len; i++)
	{
		if (!is_digit(s.ptr[i]))
			return -1;
		if (v > (INT64_MAX - 9) / 10)
			v = INT64_MAX;
		else
			v = v * 10 + (s.ptr[i] - '0');
	}
	return v;
}

/*
 * If the line starts with the header name lit (which includes its colon),
 * set *value to the trimmed rest and return true.
 */
static bool
header(TmSpan line, const char *lit, TmSpan *value)
{
	size_t		n = strlen(lit);

	if (!starts_with(line.ptr, line.len, lit))
		return false;
	*value = trim(line.ptr + n, line.len - n);
	return true;
}

/*
 * Find the first occurrence of " - [" in s[from..len); returns its offset
 * or len.  The needle starts with a space and has no repeated prefix, so a
 * plain scan is linear.
 */
static size_t
find_module_open(const char *s, size_t from, size_t len)
{
	size_t		i;

	for (i = from; i + 4 <= len; i++)
		if (s[i] == ' ' && s[i + 1] == '-' && s[i + 2] == ' ' && s[i + 3] == '[')
			return i;
	return len;
}

bool
tm_bt_parse_frame(const char *rest, size_t len, TmBtFrame *f)
{
	static const char no_symbols[] = "(no symbols)";
	const size_t no_symbols_len = sizeof(no_symbols) - 1;
	TmSpan		r = trim(rest, len);
	TmSpan		after = {NULL, 0};
	TmSpan		raw = {rest, len};
	TmSpan		fn;
	size_t		open,
				close,
				last_close,
				i;

	memset(f, 0, sizeof(*f));

	if (r.len >= no_symbols_len && memcmp(r.ptr, no_symbols, no_symbols_len) == 0 &&
		(r.len == no_symbols_len ||
		 starts_with(r.ptr + no_symbols_len, r.len - no_symbols_len, " - ")))
	{
		/* "#N (no symbols)", maybe with " - file:line" */
		f->function.ptr = r.ptr;
		f->function.len = no_symbols_len;
		f->symbol = f->function;
		f->unknown = true;
		if (r.len > no_symbols_len)
		{
			after.ptr = r.ptr + no_symbols_len + 3;
			after.len = r.len - no_symbols_len - 3;
		}
	}
	else
	{
		/*
		 * "<function> - [<module>]" with an optional " - <location>": the
		 * module starts after the first " - [" and ends at the first ']'
		 * that ends the line or is followed by " - ".  If no ']' is
		 * followed by either, the last ']' of the line ends it (the
		 * reference's regular expression took the last one).
		 */
		/*
		 * Search the line with its leading white space: an empty function
		 * ("#5  - [kernel]") leaves only the " - [" of the module.
		 */
		while (raw.len > 0 && is_space(raw.ptr[raw.len - 1]))
			raw.len--;
		r = raw;
		open = find_module_open(r.ptr, 0, r.len);
		if (open >= r.len)
			return false;
		close = r.len;
		last_close = r.len;
		for (i = open + 4; i < r.len; i++)
		{
			if (r.ptr[i] != ']')
				continue;
			last_close = i;
			if (i + 1 == r.len || starts_with(r.ptr + i + 1, r.len - i - 1, " - "))
			{
				close = i;
				break;
			}
		}
		if (close == r.len)
			close = last_close;
		if (close == r.len)
			return false;		/* no ']' at all: truncated or not a frame */

		f->module.ptr = r.ptr + open + 4;
		f->module.len = close - open - 4;
		if (close + 1 < r.len)
		{
			after.ptr = r.ptr + close + 1;
			after.len = r.len - close - 1;
			if (starts_with(after.ptr, after.len, " - "))
			{
				after.ptr += 3;
				after.len -= 3;
			}
		}

		fn = trim(r.ptr, open);
		if (fn.len >= 2 && fn.ptr[0] == '?' && fn.ptr[1] == ' ')
		{
			f->unreliable = true;
			fn = trim(fn.ptr + 2, fn.len - 2);
		}
		f->function = fn;
		f->symbol = fn;
		if (fn.len >= 2 && fn.ptr[fn.len - 2] == '(' && fn.ptr[fn.len - 1] == ')')
			f->symbol.len -= 2;
		f->unknown = (fn.len == 0 ||
					  (fn.len == 3 && memcmp(fn.ptr, "???", 3) == 0));
	}

	if (after.ptr != NULL)
	{
		after = trim(after.ptr, after.len);
		if (after.len > 0)
			f->location = after;
	}
	return true;
}

void
tm_bt_init(TmBtScanner *sc, const char *buf, size_t len)
{
	memset(sc, 0, sizeof(*sc));
	sc->buf = buf;
	sc->len = buf == NULL ? 0 : len;
	sc->tid = -1;
}

/* Classify one line (without its end of line) into *out. */
static void
classify_line(TmSpan raw, TmBtLine *out)
{
	TmSpan		line = trim(raw.ptr, raw.len);
	TmSpan		v;

	out->kind = TM_BT_LINE_OTHER;
	out->text = raw;
	out->value.ptr = NULL;
	out->value.len = 0;
	out->number = -1;

	if (line.len == 0)
	{
		out->kind = TM_BT_LINE_BLANK;
		return;
	}

	if (line.ptr[0] == '#')
	{
		size_t		i = 1;
		int64_t		n = 0;

		while (i < line.len && is_digit(line.ptr[i]))
		{
			if (n < INT32_MAX)
				n = n * 10 + (line.ptr[i] - '0');
			i++;
		}
		if (i > 1 && i < line.len && line.ptr[i] == ' ' &&
			tm_bt_parse_frame(line.ptr + i + 1, line.len - i - 1, &out->frame))
		{
			out->kind = TM_BT_LINE_FRAME;
			out->frame.number = n > INT32_MAX ? INT32_MAX : (int32_t) n;
		}
		return;
	}

	switch (line.ptr[0])
	{
		case 'B':
			if (header(line, "Backtrace (TID ", &v))
			{
				/* "Backtrace (TID <digits>):" */
				if (v.len >= 2 && v.ptr[v.len - 1] == ':' && v.ptr[v.len - 2] == ')')
				{
					TmSpan		num = {v.ptr, v.len - 2};

					out->kind = TM_BT_LINE_THREAD;
					out->value = num;
					out->number = parse_number(num);
				}
			}
			else if (header(line, "Backtrace :", &v) && v.len == 0)
				out->kind = TM_BT_LINE_KBACKTRACE;
			break;
		case 'C':
			if (header(line, "Crash Report:", &v))
			{
				out->kind = TM_BT_LINE_CRASH_REPORT;
				out->value = v;
			}
			break;
		case 'E':
			if (header(line, "Error:", &v))
			{
				out->kind = TM_BT_LINE_ERROR;
				out->value = v;
			}
			break;
		case 'K':
			if (header(line, "Kernel Version :", &v) || header(line, "Kernel Version:", &v))
			{
				out->kind = TM_BT_LINE_KERNEL_VERSION;
				out->value = v;
			}
			break;
		case 'M':
			if (header(line, "Modules :", &v) || header(line, "Modules:", &v))
			{
				out->kind = TM_BT_LINE_MODULES;
				out->value = v;
			}
			break;
		case 'P':
			if (header(line, "Process:", &v))
			{
				out->kind = TM_BT_LINE_PROCESS;
				out->value = v;
			}
			else if (header(line, "PID:", &v))
			{
				out->kind = TM_BT_LINE_PID;
				out->value = v;
				out->number = parse_number(v);
			}
			break;
		case 'R':
			if (header(line, "Reason:", &v))
			{
				out->kind = TM_BT_LINE_REASON;
				out->value = v;
			}
			else if (header(line, "Register ", &v))
			{
				out->kind = TM_BT_LINE_REGISTER;
				out->value = v;
			}
			break;
		case 'S':
			if (header(line, "Signal:", &v))
			{
				out->kind = TM_BT_LINE_SIGNAL;
				out->value = v;
				out->number = parse_number(v);
			}
			break;
		case 'T':
			if (header(line, "Tainted :", &v) || header(line, "Tainted:", &v))
			{
				out->kind = TM_BT_LINE_TAINTED;
				out->value = v;
			}
			else if (starts_with(line.ptr, line.len, "Too many frames"))
				out->kind = TM_BT_LINE_TRUNCATED;
			break;
		default:
			break;
	}
}

bool
tm_bt_next(TmBtScanner *sc, TmBtLine *line)
{
	const char *start;
	const char *nl;
	TmSpan		raw;

	if (sc->pos >= sc->len)
		return false;

	start = sc->buf + sc->pos;
	nl = memchr(start, '\n', sc->len - sc->pos);
	raw.ptr = start;
	if (nl != NULL)
	{
		raw.len = (size_t) (nl - start);
		sc->pos += raw.len + 1;
	}
	else
	{
		raw.len = sc->len - sc->pos;
		sc->pos = sc->len;
	}
	if (raw.len > 0 && raw.ptr[raw.len - 1] == '\r')
		raw.len--;

	memset(line, 0, sizeof(*line));
	sc->lineno++;
	line->lineno = sc->lineno;
	classify_line(raw, line);
	line->tid = -1;

	switch (line->kind)
	{
		case TM_BT_LINE_THREAD:
			if (sc->thread < INT32_MAX)
				sc->thread++;
			sc->tid = line->number;
			sc->in_block = false;
			break;
		case TM_BT_LINE_FRAME:
			if (sc->thread == 0)
				sc->thread = 1; /* frames before any thread line */
			if (!sc->in_block && sc->block < INT32_MAX)
				sc->block++;
			sc->in_block = true;
			line->thread = sc->thread;
			line->tid = sc->tid;
			line->block = sc->block;
			line->index = sc->nframes++;
			break;
		default:
			sc->in_block = false;
			break;
	}
	return true;
}

void
tm_bt_info(const char *buf, size_t len, TmBtInfo *info)
{
	TmBtScanner sc;
	TmBtLine	line;
	bool		crash = false,
				error = false,
				kernel = false;

	memset(info, 0, sizeof(*info));
	info->pid = -1;
	info->signal = -1;

	tm_bt_init(&sc, buf, len);
	while (tm_bt_next(&sc, &line))
	{
		switch (line.kind)
		{
			case TM_BT_LINE_PROCESS:
				crash = true;
				if (info->process.ptr == NULL)
					info->process = line.value;
				break;
			case TM_BT_LINE_PID:
				crash = true;
				if (info->pid < 0)
					info->pid = line.number;
				break;
			case TM_BT_LINE_SIGNAL:
				crash = true;
				if (info->signal < 0)
					info->signal = line.number;
				break;
			case TM_BT_LINE_TRUNCATED:
				info->truncated = true;
				break;
			case TM_BT_LINE_ERROR:
				error = true;
				if (info->error.ptr == NULL)
					info->error = line.value;
				break;
			case TM_BT_LINE_THREAD:
				crash = true;
				break;
			case TM_BT_LINE_CRASH_REPORT:
			case TM_BT_LINE_KBACKTRACE:
				kernel = true;
				break;
			case TM_BT_LINE_REASON:
				kernel = true;
				if (info->reason.ptr == NULL)
					info->reason = line.value;
				break;
			case TM_BT_LINE_KERNEL_VERSION:
				kernel = true;
				if (info->kernel_version.ptr == NULL)
					info->kernel_version = line.value;
				break;
			case TM_BT_LINE_TAINTED:
				kernel = true;
				if (info->tainted.ptr == NULL)
					info->tainted = line.value;
				break;
			case TM_BT_LINE_MODULES:
				kernel = true;
				if (info->modules.ptr == NULL)
					info->modules = line.value;
				break;
			default:
				break;
		}
	}
	info->threads = sc.thread;
	info->blocks = sc.block;
	info->frames = sc.nframes;

	/* the user-space headers win: a crash payload may quote kernel text */
	if (crash)
		info->format = error ? TM_BT_FORMAT_CRASH_ERROR : TM_BT_FORMAT_CRASH;
	else if (kernel)
		info->format = TM_BT_FORMAT_KERNEL;
	else if (error)
		info->format = TM_BT_FORMAT_CRASH_ERROR;
	else
		info->format = TM_BT_FORMAT_NONE;
}

const char *
tm_bt_format_name(TmBtFormat format)
{
	switch (format)
	{
		case TM_BT_FORMAT_CRASH:
			return "crash";
		case TM_BT_FORMAT_CRASH_ERROR:
			return "crash_error";
		case TM_BT_FORMAT_KERNEL:
			return "kernel";
		default:
			return NULL;
	}
}
