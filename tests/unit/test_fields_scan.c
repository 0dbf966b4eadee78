/*-------------------------------------------------------------------------
 *
 * test_fields_scan.c
 *		Unit tests of extension/fields_scan.c: what the allocation-free fast
 *		path reads, and what it leaves to the full JSON parser.  Every input
 *		lives in a heap buffer of exactly its length (no terminator), so
 *		AddressSanitizer catches any read past it.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields_scan.h"
#include "tap.h"

static TmStr field[TM_NUM_FIELDS];
static char *kept[128];			/* inputs and scratch buffers, freed at the end */
static int	nkept = 0;

/*
 * Scan s, copied to an exact-length heap buffer, with a scratch buffer of
 * exactly that length too; both are kept until the end (field[] may point
 * into them).
 */
static bool
scan(const char *s)
{
	size_t		n = strlen(s);
	char	   *p = malloc(n ? n : 1);
	char	   *scratch = malloc(n ? n : 1);

	memcpy(p, s, n);
	if (nkept < 127)
	{
		kept[nkept++] = p;
		kept[nkept++] = scratch;
	}
	memset(field, 0, sizeof(field));
	return tm_fields_scan(p, n, field, scratch);
}

/* The field as a C string, "(absent)" if absent. */
static const char *
get(TmFieldId f)
{
	static char buf[512];

	if (field[f].ptr == NULL)
		return "(absent)";
	snprintf(buf, sizeof(buf), "%.*s", (int) field[f].len, field[f].ptr);
	return buf;
}

int
main(void)
{
	/* read */
	tap_ok(scan("{\"record_format_version\":\"4\",\"Machine-Id\":\"m1\",\"other\":\"x\"}"),
		   "a flat object of strings");
	tap_is_str(get(TM_RECORD_FORMAT_VERSION), "4", "its version");
	tap_is_str(get(TM_MACHINE_ID), "m1", "a field name in another spelling");
	tap_is_str(get(TM_ARCH), "(absent)", "a field not sent is absent");
	tap_ok(scan(" \t\r\n{ \"arch\" : \"x86_64\" ,\n\"severity\"\t:\"1\" } \n"), "JSON whitespace anywhere");
	tap_is_str(get(TM_ARCH), "x86_64", "arch");
	tap_is_str(get(TM_SEVERITY), "1", "severity");
	tap_ok(scan("{\"build\":\"\\\"12\\\"\",\"host_type\":\"a\\\\b\\/c\\b\\f\\n\\r\\t\"}"), "escapes");
	tap_is_str(get(TM_BUILD), "\"12\"", "the client's quoted build");
	tap_is_str(get(TM_HOST_TYPE), "a\\b/c\b\f\n\r\t", "every short escape");
	tap_ok(scan("{\"x_clr_external\":true,\"arch\":false,\"severity\":null,\"board_name\":\"\xc3\xa9\"}"),
		   "true, false, null, UTF-8");
	tap_is_str(get(TM_X_CLR_EXTERNAL), "true", "true is its text");
	tap_is_str(get(TM_ARCH), "false", "false is its text");
	tap_is_str(get(TM_SEVERITY), "(absent)", "null is absent");
	tap_is_str(get(TM_BOARD_NAME), "\xc3\xa9", "UTF-8 as it is");
	tap_ok(scan("{}") && scan(" { } "), "an empty object");
	tap_ok(scan("{\"other\":\"a\",\"other\":\"b\",\"arch\":\"\"}"), "a key that is no field, twice");
	tap_is_str(get(TM_ARCH), "", "an empty string is present");

	/* left to the full parser */
	tap_ok(!scan(""), "empty text");
	tap_ok(!scan("[]") && !scan("\"x\"") && !scan("true"), "not an object");
	tap_ok(!scan("{\"arch\":\"a\",\"ARCH\":\"b\"}"), "a field named twice, two spellings");
	tap_ok(!scan("{\"arch\":null,\"arch\":\"b\"}"), "a field named twice, once null");
	tap_ok(!scan("{\"severity\":1}") && !scan("{\"other\":-1.5e3}"), "numbers");
	tap_ok(!scan("{\"arch\":[\"x\"]}") && !scan("{\"other\":{}}"), "arrays and objects");
	tap_ok(!scan("{\"arch\":\"\\u0041\"}"), "a \\u escape");
	tap_ok(!scan("{\"arch\":\"\\x\"}") && !scan("{\"arch\":\"\\"), "a bad or cut escape");
	tap_ok(!scan("{\"ar\\\"ch\":\"x\"}"), "an escape in a key");
	tap_ok(!scan("{\"arch\":\"a\tb\"}") && !scan("{\"arch\":\"a\nb\"}"), "a control character in a string");
	tap_ok(!scan("{\"arch\":\"x\",}") && !scan("{,}") && !scan("{\"arch\" \"x\"}"), "a trailing comma, a lone comma, no colon");
	tap_ok(!scan("{\"arch\":\"x\"") && !scan("{\"arch\":\"x") && !scan("{\"arch\":") && !scan("{\"arch\""),
		   "cut short");
	tap_ok(!scan("{\"arch\":\"x\"}x") && !scan("{\"arch\":\"x\"}}") && !scan("{} {}"), "trailing text");
	tap_ok(!scan("{\"arch\":truex}") && !scan("{\"arch\":tru}") && !scan("{\"arch\":nul}") &&
		   !scan("{\"arch\":True}"), "words that are not JSON");
	tap_ok(!scan("{\"arch\":'x'}") && !scan("{arch:\"x\"}"), "not JSON quotes");
	tap_ok(!scan("{\"arch\":\"x\" \"severity\":\"1\"}"), "no comma between members");

	printf("1..%d\n", tap_count);
	while (nkept > 0)
		free(kept[--nkept]);
	return tap_failed ? 1 : 0;
}
