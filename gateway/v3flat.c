/*-------------------------------------------------------------------------
 *
 * v3flat.c
 *		A fast reader for the common shape of a v3 body (see v3flat.h).
 *
 * The grammar read here is a strict subset of JSON (RFC 8259):
 *
 *	body	= ws "{" ws [ member *( ws "," ws member ) ] ws "}" ws
 *	member	= key ws ":" ws string
 *	key		= '"' *( %x20-21 / %x23-5B / %x5D-7E ) '"'	 (no escape)
 *	string	= '"' *( %x20-21 / %x23-5B / %x5D-7E / escape ) '"'
 *	escape	= "\" ( '"' / "\" / "/" / "b" / "f" / "n" / "r" / "t" )
 *	ws		= *( " " / %x09 / %x0A / %x0D )
 *
 * with distinct keys.  jansson reads every such body without error, to
 * the same keys and the same decoded values in the same order; every
 * other body is left to jansson.
 *
 *-------------------------------------------------------------------------
 */
#include "v3flat.h"

#include <stdlib.h>
#include <string.h>

#include "fields_scan.h"

/* skip_ws: the first byte at or after p that is not JSON whitespace. */
static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/* is_ascii: are all of s[0..len) below 0x80? */
static bool
is_ascii(const char *s, size_t len)
{
	size_t		i;

	for (i = 0; i < len; i++)
		if ((unsigned char) s[i] >= 0x80)
			return false;
	return true;
}

/*
 * read_string
 *		p is at a string's opening quote.  Sets *text, *len to its decoded
 *		value (in the body, or in *scratch, advanced, when it has escapes)
 *		and returns the byte after its closing quote, or NULL when the
 *		string is not one read here.  The string scanner is the extension's
 *		(extension/fields_scan.c); what it leaves alone is left to jansson
 *		here too, and so is anything outside ASCII (jansson checks UTF-8).
 */
static const char *
read_string(const char *p, const char *end, bool allow_escapes,
			const char **text, size_t *len, char **scratch)
{
	TmStr		s;
	const char *after = tm_json_scan_string(p + 1, end, allow_escapes, &s, scratch);

	if (after == NULL || !is_ascii(p + 1, (size_t) (after - 1 - (p + 1))))
		return NULL;
	*text = s.ptr;
	*len = s.len;
	return after;
}

bool
v3flat_read(const char *body, size_t len, struct v3flat *f)
{
	const char *end = body + len;
	const char *p;
	char	   *o;

	f->nmembers = 0;
	f->strings = NULL;
	p = skip_ws(body, end);
	if (p >= end || *p != '{')
		return false;
	/* decoded values are never longer than the body */
	f->strings = malloc(len);
	if (f->strings == NULL)
		return false;
	o = f->strings;

	p = skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return skip_ws(p + 1, end) == end;	/* {} */
	for (;;)
	{
		struct v3flat_member *m = &f->members[f->nmembers];
		int			i;

		if (f->nmembers == V3FLAT_MAX_MEMBERS || p >= end || *p != '"')
			return false;
		p = read_string(p, end, false, &m->key, &m->key_len, &o);
		if (p == NULL)
			return false;
		p = skip_ws(p, end);
		if (p >= end || *p != ':')
			return false;
		p = skip_ws(p + 1, end);
		if (p >= end || *p != '"')
			return false;
		p = read_string(p, end, true, &m->value, &m->value_len, &o);
		if (p == NULL)
			return false;
		for (i = 0; i < f->nmembers; i++)
			if (f->members[i].key_len == m->key_len &&
				memcmp(f->members[i].key, m->key, m->key_len) == 0)
				return false;	/* jansson refuses duplicates, with its message */
		f->nmembers++;

		p = skip_ws(p, end);
		if (p < end && *p == ',')
		{
			p = skip_ws(p + 1, end);
			continue;
		}
		if (p < end && *p == '}')
			return skip_ws(p + 1, end) == end;
		return false;
	}
}

void
v3flat_free(struct v3flat *f)
{
	free(f->strings);
	f->strings = NULL;
	f->nmembers = 0;
}
