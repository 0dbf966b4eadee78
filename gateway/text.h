/*-------------------------------------------------------------------------
 *
 * text.h
 *		Text helpers for values that arrive as raw bytes: UTF-8 checking,
 *		Latin-1 decoding, and media-type comparison.
 *
 * Pure C; no MHD, libpq or jansson.
 *
 *-------------------------------------------------------------------------
 */
#ifndef GW_TEXT_H
#define GW_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * text_to_utf8
 *		A malloc'd, NUL-terminated UTF-8 copy of s[0..len): s itself when it
 *		is valid UTF-8, otherwise s read as Latin-1 (every byte is the code
 *		point of the same value).  *out_len gets the copy's length (it may
 *		contain NUL bytes if s did).  Returns NULL when out of memory.
 */
extern char *text_to_utf8(const char *s, size_t len, size_t *out_len);

/*
 * text_to_utf8_shown
 *		text_to_utf8, with every NUL byte shown as U+FFFD: a copy for
 *		display or for a text column, never for a value to be judged.
 *		Returns NULL when out of memory.
 */
extern char *text_to_utf8_shown(const char *s, size_t len, size_t *out_len);

struct gw_buf;

/*
 * text_json_string
 *		Append s[0..len) to b as a JSON string literal (quotes included):
 *		'"', '\\' and control characters escaped; s read as UTF-8 when it
 *		is valid UTF-8, as Latin-1 otherwise.  s must not contain NUL bytes
 *		(they would become \u0000, which jsonb refuses).
 */
extern void text_json_string(struct gw_buf *b, const char *s, size_t len);

/* text_is_utf8: is s[0..len) well-formed UTF-8? */
extern bool text_is_utf8(const char *s, size_t len);

/*
 * text_media_type_is
 *		Does the Content-Type value ct name the media type want (compared
 *		without case, parameters such as "; charset=utf-8" and surrounding
 *		blanks ignored)?  ct may be NULL (no Content-Type): then false.
 */
extern bool text_media_type_is(const char *ct, const char *want);

/*
 * text_parse_size
 *		Parse a non-negative decimal integer, optionally followed by one of
 *		the suffixes k, M, G (powers of 1024, any case, an optional "i"
 *		and "B": "64k", "1MiB", "2G").  Returns false on anything else or
 *		on overflow.
 */
extern bool text_parse_size(const char *s, size_t *out);

/*
 * text_parse_int
 *		Parse a whole decimal integer in [min, max]; false otherwise.
 */
extern bool text_parse_int(const char *s, long min, long max, long *out);

#endif							/* GW_TEXT_H */
