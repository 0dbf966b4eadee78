/*-------------------------------------------------------------------------
 *
 * fuzz_json_fields_scan.c
 *		libFuzzer target: the fast path for reading record fields out of
 *		JSON text (fields_scan.c), against jansson as an independent JSON
 *		parser.
 *
 * Input: the JSON text.  Checks, besides ASan/UBSan: whenever the fast
 * path accepts a text that is valid UTF-8 (the database guarantees that),
 * jansson parses it as an object; every record field the fast path read
 * is, in jansson's reading, the value of the one key naming that field (a
 * string byte for byte, or true/false as their text), and a field it left
 * absent is named by no key or has the value null; no value is an array,
 * an object or a number; and every value it read lies in the input or in
 * the scratch buffer.
 *
 *-------------------------------------------------------------------------
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fields.h"
#include "fields_scan.h"

#define REQUIRE(c) do { if (!(c)) __builtin_trap(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *buf = malloc(size ? size : 1);
	char	   *scratch = malloc(size ? size : 1);
	TmStr		field[TM_NUM_FIELDS];
	json_error_t jerr;
	json_t	   *root;
	const char *key;
	json_t	   *value;
	int			named[TM_NUM_FIELDS];
	int			f;

	memcpy(buf, data, size);
	memset(field, 0, sizeof(field));
	if (!tm_fields_scan(buf, size, field, scratch) || !tm_utf8_valid((const unsigned char *) buf, size))
	{
		free(buf);
		free(scratch);
		return 0;
	}

	for (f = 0; f < TM_NUM_FIELDS; f++)
	{
		const TmStr *s = &field[f];

		if (s->ptr == NULL || s->len == 0)
			continue;
		REQUIRE((s->ptr >= buf && s->ptr + s->len <= buf + size) ||
				(s->ptr >= scratch && s->ptr + s->len <= scratch + size) ||
				(s->len == 4 && memcmp(s->ptr, "true", 4) == 0) ||
				(s->len == 5 && memcmp(s->ptr, "false", 5) == 0));
	}

	root = json_loadb(buf, size, 0, &jerr);
	REQUIRE(root != NULL && json_is_object(root));
	memset(named, 0, sizeof(named));
	json_object_foreach(root, key, value)
	{
		REQUIRE(json_is_string(value) || json_is_true(value) || json_is_false(value) ||
				json_is_null(value));
		f = tm_field_lookup(key, strlen(key));
		if (f < 0)
			continue;
		named[f]++;
		if (json_is_null(value))
			REQUIRE(field[f].ptr == NULL);
		else if (json_is_true(value))
			REQUIRE(field[f].ptr && field[f].len == 4 && memcmp(field[f].ptr, "true", 4) == 0);
		else if (json_is_false(value))
			REQUIRE(field[f].ptr && field[f].len == 5 && memcmp(field[f].ptr, "false", 5) == 0);
		else
			REQUIRE(field[f].ptr && field[f].len == json_string_length(value) &&
					memcmp(field[f].ptr, json_string_value(value), field[f].len) == 0);
	}
	for (f = 0; f < TM_NUM_FIELDS; f++)
	{
		REQUIRE(named[f] <= 1);
		if (named[f] == 0)
			REQUIRE(field[f].ptr == NULL);
	}
	json_decref(root);
	free(buf);
	free(scratch);
	return 0;
}
