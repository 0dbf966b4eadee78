/*-------------------------------------------------------------------------
 *
 * fields_scan.c
 *		The fast path of fields_json.c: read a record's fields out of a
 *		flat JSON object without any allocation.
 *
 * It accepts only what it can read exactly as PostgreSQL's JSON parser and
 * jsonb would: one JSON object (whitespace around and between tokens as
 * JSON allows: space, tab, CR, LF) whose keys are strings without escapes
 * and whose values are strings, true, false or null, with no record field
 * named twice (in any spelling).  String values may use the escapes \" \\
 * \/ \b \f \n \r \t; \u escapes, numbers, arrays, objects, control
 * characters in strings and anything malformed are left to the full
 * parser (fields_json.c), which then also finds and reports any error.
 * Nothing here validates UTF-8: the text comes from a text value, which
 * the database has validated.
 *
 * Pure C (no PostgreSQL headers): unit-tested and fuzzed.
 *
 *-------------------------------------------------------------------------
 */
#include "fields_scan.h"

#include <string.h>

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

/* Does a value end at p (whitespace, ',' or '}', or the end)? */
static bool
value_ends(const char *p, const char *end)
{
	return p == end || is_ws(*p) || *p == ',' || *p == '}';
}

/* tm_json_scan_string: see fields_scan.h. */
const char *
tm_json_scan_string(const char *p, const char *end, bool allow_escapes, TmStr *out,
					char **scratch)
{
	const char *start = p;
	char	   *dst;

	while (p < end && *p != '"' && *p != '\\' && (unsigned char) *p >= 0x20)
		p++;
	if (p == end || (unsigned char) *p < 0x20)
		return NULL;
	if (*p == '"')
	{
		out->ptr = start;
		out->len = (size_t) (p - start);
		return p + 1;
	}
	if (!allow_escapes)
		return NULL;

	/* escapes: decode the whole string into scratch */
	dst = *scratch;
	memcpy(dst, start, (size_t) (p - start));
	dst += p - start;
	while (p < end && *p != '"')
	{
		unsigned char c = (unsigned char) *p;

		if (c < 0x20)
			return NULL;
		if (c != '\\')
		{
			*dst++ = *p++;
			continue;
		}
		if (++p == end)
			return NULL;
		switch (*p)
		{
			case '"':
			case '\\':
			case '/':
				*dst++ = *p;
				break;
			case 'b':
				*dst++ = '\b';
				break;
			case 'f':
				*dst++ = '\f';
				break;
			case 'n':
				*dst++ = '\n';
				break;
			case 'r':
				*dst++ = '\r';
				break;
			case 't':
				*dst++ = '\t';
				break;
			default:			/* \u, or not an escape at all */
				return NULL;
		}
		p++;
	}
	if (p == end)
		return NULL;
	out->ptr = *scratch;
	out->len = (size_t) (dst - *scratch);
	*scratch = dst;
	return p + 1;
}

/* Is p..end a literal word w (true, false, null) ending where a value may? */
static bool
scan_word(const char *p, const char *end, const char *w, size_t n)
{
	return (size_t) (end - p) >= n && memcmp(p, w, n) == 0 && value_ends(p + n, end);
}

bool
tm_fields_scan(const char *json, size_t len, TmStr *field, char *scratch)
{
	const char *p = json;
	const char *end = json + len;
	unsigned int seen = 0;

	p = skip_ws(p, end);
	if (p == end || *p != '{')
		return false;
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return skip_ws(p + 1, end) == end;

	for (;;)
	{
		TmStr		key;
		TmStr		value;
		int			f;

		if (p == end || *p != '"')
			return false;
		p = tm_json_scan_string(p + 1, end, false, &key, &scratch);
		if (p == NULL)
			return false;
		p = skip_ws(p, end);
		if (p == end || *p != ':')
			return false;
		p = skip_ws(p + 1, end);
		if (p == end)
			return false;

		value.ptr = NULL;
		value.len = 0;
		if (*p == '"')
		{
			p = tm_json_scan_string(p + 1, end, true, &value, &scratch);
			if (p == NULL)
				return false;
		}
		else if (scan_word(p, end, "true", 4))
		{
			value.ptr = "true";
			value.len = 4;
			p += 4;
		}
		else if (scan_word(p, end, "false", 5))
		{
			value.ptr = "false";
			value.len = 5;
			p += 5;
		}
		else if (scan_word(p, end, "null", 4))
			p += 4;				/* absent */
		else
			return false;		/* a number, an array, an object, or junk */

		f = tm_field_lookup(key.ptr, key.len);
		if (f >= 0)
		{
			if (seen & (1u << f))
				return false;	/* named twice: jsonb order decides */
			seen |= 1u << f;
			field[f] = value;
		}

		p = skip_ws(p, end);
		if (p == end)
			return false;
		if (*p == '}')
			return skip_ws(p + 1, end) == end;
		if (*p != ',')
			return false;
		p = skip_ws(p + 1, end);
	}
}
