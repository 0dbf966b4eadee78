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

/* skip_ws: the first byte at or after p that is not JSON whitespace. */
static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

/*
 * read_key
 *		p is at a key's opening quote.  Sets the key (its raw bytes) and
 *		returns the byte after its closing quote, or NULL when it is not a
 *		plain key.
 */
static const char *
read_key(const char *p, const char *end, struct v3flat_member *m)
{
	const char *k = ++p;

	while (p < end && *p != '"')
	{
		unsigned char c = (unsigned char) *p;

		if (c < 0x20 || c >= 0x80 || c == '\\')
			return NULL;
		p++;
	}
	if (p >= end)
		return NULL;
	m->key = k;
	m->key_len = (size_t) (p - k);
	return p + 1;
}

/*
 * read_string
 *		p is at a string's opening quote.  Decodes it to *out (moved past
 *		the decoded bytes) and returns the byte after its closing quote, or
 *		NULL when the string is not one read here.
 */
static const char *
read_string(const char *p, const char *end, char **out)
{
	char	   *o = *out;

	p++;
	while (p < end)
	{
		unsigned char c = (unsigned char) *p++;

		if (c == '"')
		{
			*out = o;
			return p;
		}
		if (c < 0x20 || c >= 0x80)
			return NULL;
		if (c != '\\')
		{
			*o++ = (char) c;
			continue;
		}
		if (p >= end)
			return NULL;
		switch (*p++)
		{
			case '"':
				*o++ = '"';
				break;
			case '\\':
				*o++ = '\\';
				break;
			case '/':
				*o++ = '/';
				break;
			case 'b':
				*o++ = '\b';
				break;
			case 'f':
				*o++ = '\f';
				break;
			case 'n':
				*o++ = '\n';
				break;
			case 'r':
				*o++ = '\r';
				break;
			case 't':
				*o++ = '\t';
				break;
			default:
				return NULL;	/* \u, or not an escape: jansson's call */
		}
	}
	return NULL;
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
		char	   *value = o;
		int			i;

		if (f->nmembers == V3FLAT_MAX_MEMBERS || p >= end || *p != '"')
			return false;
		p = read_key(p, end, m);
		if (p == NULL)
			return false;
		p = skip_ws(p, end);
		if (p >= end || *p != ':')
			return false;
		p = skip_ws(p + 1, end);
		if (p >= end || *p != '"')
			return false;
		p = read_string(p, end, &o);
		if (p == NULL)
			return false;
		m->value = value;
		m->value_len = (size_t) (o - value);
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
