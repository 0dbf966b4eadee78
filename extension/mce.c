/*-------------------------------------------------------------------------
 *
 * mce.c
 *		Status code and bank of an mcelog payload (pure C; see mce.h).
 *
 *-------------------------------------------------------------------------
 */
#include "mce.h"

#include <string.h>

static inline bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline bool
is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Offset of the first occurrence of lit in s[from..len), or len. */
static size_t
find(const char *s, size_t from, size_t len, const char *lit)
{
	size_t		n = strlen(lit);
	size_t		i;

	/* lit is short and starts with a character it does not repeat */
	for (i = from; i + n <= len; i++)
		if (s[i] == lit[0] && memcmp(s + i, lit, n) == 0)
			return i;
	return len;
}

/*
 * The status of one line (s[0..len), no newline), as the reference's
 * regular expression would find it: "STATUS", anything, eight hex digits,
 * " MCGSTATUS"; the greedy ".*" picks the last such " MCGSTATUS".
 */
static bool
line_status(const char *s, size_t len, TmSpan *status)
{
	size_t		first = find(s, 0, len, "STATUS");
	size_t		p;
	bool		found = false;

	if (first == len)
		return false;
	/* the eight digits must start at first + 6 or later */
	p = first + 6 + 8;
	while ((p = find(s, p, len, " MCGSTATUS")) < len)
	{
		size_t		k;
		bool		hex = true;

		for (k = p - 8; k < p; k++)
			if (!is_hex(s[k]))
				hex = false;
		if (hex)
		{
			status->ptr = s + p - 8;
			status->len = 8;
			found = true;
		}
		p++;
	}
	return found;
}

/* The number after the first word "BANK" of s[0..len), if any. */
static bool
line_bank(const char *s, size_t len, int32_t *bank)
{
	size_t		p = 0;

	while ((p = find(s, p, len, "BANK")) < len)
	{
		size_t		q = p + 4;
		int64_t		v = 0;
		size_t		digits = 0;

		if ((p > 0 && is_alnum(s[p - 1])) || q >= len || (s[q] != ' ' && s[q] != '\t'))
		{
			p++;
			continue;
		}
		while (q < len && (s[q] == ' ' || s[q] == '\t'))
			q++;
		while (q < len && s[q] >= '0' && s[q] <= '9')
		{
			if (v <= INT32_MAX)
				v = v * 10 + (s[q] - '0');
			q++;
			digits++;
		}
		if (digits > 0 && (q == len || !is_alnum(s[q])))
		{
			if (v > INT32_MAX)
				return false;
			*bank = (int32_t) v;
			return true;
		}
		p++;
	}
	return false;
}

void
tm_mce_parse(const char *buf, size_t len, TmMce *out)
{
	size_t		pos = 0;

	memset(out, 0, sizeof(*out));
	if (buf == NULL)
		return;
	while (pos < len && (out->status.ptr == NULL || !out->has_bank))
	{
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t		end = nl ? (size_t) (nl - buf) : len;

		if (out->status.ptr == NULL)
			line_status(buf + pos, end - pos, &out->status);
		if (!out->has_bank)
			out->has_bank = line_bank(buf + pos, end - pos, &out->bank);
		pos = end + 1;
	}
}
