/*-------------------------------------------------------------------------
 *
 * text.c
 *		Text helpers (see text.h).
 *
 * UTF-8 validity is decided by the extension's own tm_utf8_valid
 * (extension/fields.c, pure C), so that the gateway and the database agree
 * on which bytes are UTF-8.
 *
 *-------------------------------------------------------------------------
 */
#include "text.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "fields.h"

bool
text_is_utf8(const char *s, size_t len)
{
	return tm_utf8_valid((const unsigned char *) s, len);
}

char *
text_to_utf8(const char *s, size_t len, size_t *out_len)
{
	char	   *out;
	size_t		n = 0;
	size_t		i;

	if (text_is_utf8(s, len))
	{
		out = malloc(len + 1);
		if (out == NULL)
			return NULL;
		if (len > 0)
			memcpy(out, s, len);
		out[len] = '\0';
		*out_len = len;
		return out;
	}

	/* Latin-1: at most two bytes per byte */
	if (len > (SIZE_MAX - 1) / 2)
		return NULL;
	out = malloc(2 * len + 1);
	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c < 0x80)
			out[n++] = (char) c;
		else
		{
			out[n++] = (char) (0xC0 | (c >> 6));
			out[n++] = (char) (0x80 | (c & 0x3F));
		}
	}
	out[n] = '\0';
	*out_len = n;
	return out;
}

char *
text_to_utf8_shown(const char *s, size_t len, size_t *out_len)
{
	size_t		n;
	size_t		nuls = 0;
	size_t		i;
	size_t		o = 0;
	char	   *u = text_to_utf8(s, len, &n);
	char	   *out;

	if (u == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (u[i] == '\0')
			nuls++;
	if (nuls == 0)
	{
		*out_len = n;
		return u;
	}
	if (nuls > (SIZE_MAX - n - 1) / 2)
	{
		free(u);
		return NULL;
	}
	out = malloc(n + 2 * nuls + 1);	/* each NUL becomes three bytes */
	if (out == NULL)
	{
		free(u);
		return NULL;
	}
	for (i = 0; i < n; i++)
	{
		if (u[i] == '\0')
		{
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
		}
		else
			out[o++] = u[i];
	}
	out[o] = '\0';
	free(u);
	*out_len = o;
	return out;
}

void
text_json_string(struct gw_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	bool		utf8 = text_is_utf8(s, len);
	size_t		start = 0;
	size_t		i;

	buf_append(b, "\"", 1);
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];
		char		esc[6];

		if (c >= 0x20 && c != '"' && c != '\\' && (c < 0x80 || utf8))
			continue;			/* copied in runs below */
		buf_append(b, s + start, i - start);
		start = i + 1;
		if (c >= 0x80)
		{
			/* Latin-1: the byte is the code point */
			esc[0] = (char) (0xC0 | (c >> 6));
			esc[1] = (char) (0x80 | (c & 0x3F));
			buf_append(b, esc, 2);
		}
		else if (c == '"' || c == '\\')
		{
			esc[0] = '\\';
			esc[1] = (char) c;
			buf_append(b, esc, 2);
		}
		else
		{
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			buf_append(b, esc, 6);
		}
	}
	buf_append(b, s + start, len - start);
	buf_append(b, "\"", 1);
}

bool
text_media_type_is(const char *ct, const char *want)
{
	size_t		len;
	size_t		wlen = strlen(want);

	if (ct == NULL)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	len = strcspn(ct, ";");
	while (len > 0 && (ct[len - 1] == ' ' || ct[len - 1] == '\t'))
		len--;
	return len == wlen && strncasecmp(ct, want, wlen) == 0;
}

bool
text_parse_size(const char *s, size_t *out)
{
	unsigned long long v = 0;
	unsigned long long mult = 1;
	const char *p = s;

	if (s == NULL || !isdigit((unsigned char) *p))
		return false;
	while (isdigit((unsigned char) *p))
	{
		if (v > (ULLONG_MAX - 9) / 10)
			return false;
		v = v * 10 + (unsigned long long) (*p - '0');
		p++;
	}
	switch (*p)
	{
		case 'k':
		case 'K':
			mult = 1024ULL;
			p++;
			break;
		case 'm':
		case 'M':
			mult = 1024ULL * 1024;
			p++;
			break;
		case 'g':
		case 'G':
			mult = 1024ULL * 1024 * 1024;
			p++;
			break;
		default:
			break;
	}
	if (mult > 1 && (*p == 'i' || *p == 'I'))
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p != '\0')
		return false;
	if (v > SIZE_MAX / mult)
		return false;
	*out = (size_t) (v * mult);
	return true;
}

bool
text_parse_int(const char *s, long min, long max, long *out)
{
	char	   *end;
	long		v;

	if (s == NULL || *s == '\0' || isspace((unsigned char) *s))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}
