/*-------------------------------------------------------------------------
 *
 * test_ingest.c
 *		Unit tests of transport normalization (ingest.c): header names in
 *		any case and with - or _, Latin-1 values, the v3 rules.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ingest.h"
#include "test.h"
#include "text.h"
#include "v3flat.h"

static void
header(struct gw_v2 *v2, const char *name, const char *value)
{
	ingest_v2_header(v2, name, strlen(name), value, strlen(value));
}

static const char *
field(json_t *j, const char *name)
{
	json_t	   *v = json_object_get(j, name);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool
eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

int
main(void)
{
	struct gw_v2 v2;
	struct gw_record rec;
	struct gw_ingest_error err;
	json_t	   *j;
	bool		ok;
	const char *body;
	size_t		n;
	char	   *s;
	struct v3flat flat;

	/* v2: any spelling of a field name, first one wins, others ignored */
	ingest_v2_begin(&v2);
	header(&v2, "Host", "127.0.0.1:8080");
	header(&v2, "record_format_version", "4");
	header(&v2, "Record-Format-Version", "3");
	header(&v2, "MACHINE-id", "m1");
	header(&v2, "Machine_Id", "m2");
	header(&v2, "x-telemetry-tid", "tid-1");
	header(&v2, "X-Telemetry-TID", "tid-2");
	header(&v2, "X-CLR-External", "true");
	header(&v2, "cpu_model", "AMD EPYC");
	header(&v2, "host_type", "Intel(R) Client Systems|NUC7i5BNH|J31169-307");
	header(&v2, "board_name", "caf\xe9");
	header(&v2, "Content-Type", "application/text");
	ok = ingest_v2_end(&v2, "hello\n", 6, &rec, &err);
	CHECK(ok, "a v2 record is built");
	j = json_loads(rec.fields, 0, NULL);
	CHECK(j != NULL, "v2 fields are a JSON object");
	CHECK(eq(field(j, "record_format_version"), "4"), "the first header of a name wins");
	CHECK(eq(field(j, "machine_id"), "m1"), "names match in any case, - or _");
	CHECK(eq(field(j, "x_clr_external"), "true"), "X-CLR-External becomes x_clr_external");
	CHECK(eq(field(j, "cpu_model"), "AMD EPYC"), "values keep their spaces");
	CHECK(eq(field(j, "board_name"), "caf\xc3\xa9"), "a Latin-1 value becomes UTF-8");
	CHECK(json_object_get(j, "host") == NULL && json_object_get(j, "content_type") == NULL,
		  "headers that are not record fields are left out");
	CHECK(json_object_get(j, "x_telemetry_tid") == NULL, "the TID is not a field");
	CHECK(rec.tid && eq(rec.tid, "tid-1"), "the first X-Telemetry-TID is the TID");
	CHECK(rec.payload_len == 6 && memcmp(rec.payload, "hello\n", 6) == 0, "the body is the payload");
	json_decref(j);
	ingest_record_free(&rec);

	/* v2: values that need escaping come through exactly */
	ingest_v2_begin(&v2);
	header(&v2, "classification", "a\"b\\c\x01\n\t\x7f/x/y");
	header(&v2, "cpu_model", "\xc3\xa9t\xc3\xa9 \xe2\x98\x83");
	header(&v2, "bios_version", "");
	ok = ingest_v2_end(&v2, "", 0, &rec, &err);
	j = ok ? json_loads(rec.fields, 0, NULL) : NULL;
	CHECK(j != NULL, "escaped v2 fields are valid JSON (%s)", rec.fields ? rec.fields : "");
	CHECK(j && eq(field(j, "classification"), "a\"b\\c\x01\n\t\x7f/x/y"),
		  "quotes, backslashes and control characters round-trip");
	CHECK(j && eq(field(j, "cpu_model"), "\xc3\xa9t\xc3\xa9 \xe2\x98\x83"), "UTF-8 stays UTF-8");
	CHECK(j && eq(field(j, "bios_version"), ""), "an empty value is an empty string");
	json_decref(j);
	ingest_record_free(&rec);

	/* v2 without a TID, and a NUL byte in a value */
	ingest_v2_begin(&v2);
	header(&v2, "severity", "1");
	ok = ingest_v2_end(&v2, NULL, 0, &rec, &err);
	CHECK(ok && rec.tid == NULL && rec.payload_len == 0, "no TID header: NULL TID; empty body");
	ingest_record_free(&rec);
	ingest_v2_begin(&v2);
	header(&v2, "Machine-Id", "m1");
	ingest_v2_header(&v2, "severity", 8, "1\0x", 3);
	ingest_v2_header(&v2, "X-Telemetry-TID", 15, "t\0", 2);
	ok = ingest_v2_end(&v2, NULL, 0, &rec, &err);
	CHECK(!ok && err.error == GW_ERR_NUL_CHARACTER, "a NUL byte in a header value is a 400");
	CHECK(ingest_error_kept(err.error), "a NUL byte in a header value is quarantined");
	CHECK(err.fields && strcmp(err.fields, "{\"machine_id\":\"m1\",\"severity\":\"1\xEF\xBF\xBDx\"}") == 0 &&
		  err.fields_len == strlen(err.fields),
		  "the quarantine's fields show the NUL as U+FFFD (%s)", err.fields ? err.fields : "NULL");
	CHECK(err.tid && strcmp(err.tid, "t\xEF\xBF\xBD") == 0 && err.tid_len == 4,
		  "the quarantine's telemetry id shows its NUL as U+FFFD");
	ingest_error_free(&err);
	CHECK(err.fields == NULL && err.tid == NULL, "ingest_error_free clears the copies");

	/* v3: the real client's body */
	body = "{\"record_format_version\":\"4\",\"severity\":\"1\",\"build\":\"\\\"12\\\"\","
		"\"payload\":\"hello\\n\"}";
	ok = ingest_v3(body, strlen(body), "tid-3", NULL, &rec, &err);
	CHECK(ok, "a v3 record is built");
	j = json_loads(rec.fields, 0, NULL);
	CHECK(j && json_object_get(j, "payload") == NULL, "payload is not a field");
	CHECK(j && eq(field(j, "build"), "\"12\""), "build keeps its quotes (the extension strips them)");
	CHECK(rec.payload_len == 6 && memcmp(rec.payload, "hello\n", 6) == 0, "payload decoded");
	CHECK(eq(rec.tid, "tid-3"), "TID from the header");
	json_decref(j);
	ingest_record_free(&rec);

	/* v3: a payload with U+0000 goes through (the extension rejects it) */
	body = "{\"payload\":\"a\\u0000b\"}";
	ok = ingest_v3(body, strlen(body), NULL, "true", &rec, &err);
	CHECK(ok && rec.payload_len == 3 && rec.payload[1] == '\0', "a NUL in the payload is kept");
	j = json_loads(rec.fields, 0, NULL);
	CHECK(j && eq(field(j, "x_clr_external"), "true"), "the X-CLR-External header applies to v3");
	json_decref(j);
	ingest_record_free(&rec);

	body = "{\"X-CLR-External\":\"false\",\"payload\":\"\"}";
	ok = ingest_v3(body, strlen(body), NULL, "true", &rec, &err);
	j = json_loads(rec.fields, 0, NULL);
	CHECK(ok && j && json_object_size(j) == 1 && eq(field(j, "X-CLR-External"), "false"),
		  "a member of the body beats the X-CLR-External header");
	json_decref(j);
	ingest_record_free(&rec);

	/* v3: non-string fields go to the extension as they are */
	body = "{\"severity\":3,\"external\":true,\"build\":null,\"arch\":[1],\"payload\":\"\"}";
	ok = ingest_v3(body, strlen(body), NULL, NULL, &rec, &err);
	j = json_loads(rec.fields, 0, NULL);
	CHECK(ok && j && json_integer_value(json_object_get(j, "severity")) == 3 &&
		  json_is_null(json_object_get(j, "build")) && json_is_array(json_object_get(j, "arch")),
		  "numbers, null and arrays are passed on unchanged");
	json_decref(j);
	ingest_record_free(&rec);

	/* v3: the fast reader (v3flat.c) reads what the client sends ... */
	body = " {\"machine_id\" : \"a\\\"b\\\\c\\/d\",\r\n\t\"build\":\"\\\"12\\\"\", "
		"\"payload\":\"x\\b\\f\\n\\r\\ty\"}\n";
	ok = v3flat_read(body, strlen(body), &flat);
	CHECK(ok && flat.nmembers == 3, "a flat object of strings is read fast");
	CHECK(ok && flat.members[0].key_len == 10 && memcmp(flat.members[0].key, "machine_id", 10) == 0 &&
		  flat.members[0].value_len == 7 && memcmp(flat.members[0].value, "a\"b\\c/d", 7) == 0,
		  "keys raw, values decoded");
	CHECK(ok && flat.members[2].value_len == 7 && memcmp(flat.members[2].value, "x\b\f\n\r\ty", 7) == 0,
		  "every short escape is decoded");
	v3flat_free(&flat);
	/* ... to the same record as jansson */
	for (n = 0; n < 2; n++)
	{
		ingest_v3_flat = (n == 0);
		ok = ingest_v3(body, strlen(body), "t", "true", &rec, &err);
		CHECK(ok && eq(rec.fields, "{\"machine_id\":\"a\\\"b\\\\c/d\",\"build\":\"\\\"12\\\"\","
					   "\"x_clr_external\":\"true\"}"),
			  "%s: fields in order, the header's x_clr_external last (%s)",
			  n == 0 ? "fast" : "jansson", ok ? rec.fields : err.message);
		CHECK(ok && rec.payload_len == 7 && memcmp(rec.payload, "x\b\f\n\r\ty", 7) == 0,
			  "%s: the payload decoded", n == 0 ? "fast" : "jansson");
		if (ok)
			ingest_record_free(&rec);
	}
	ingest_v3_flat = true;
	/* ... and gives up on everything else, which jansson then reads */
	{
		static const char *const others[] = {
			"{\"a\":1,\"payload\":\"\"}",	/* a number */
			"{\"a\":{},\"payload\":\"\"}",	/* an object */
			"{\"a\":\"\\u0041\",\"payload\":\"\"}",	/* \u */
			"{\"a\\n\":\"1\",\"payload\":\"\"}",	/* an escaped key */
			"{\"a\":\"caf\xc3\xa9\",\"payload\":\"\"}",	/* not ASCII */
			"{\"a\":\"\t\",\"payload\":\"\"}",	/* a raw control character */
			"{\"a\":\"1\",\"a\":\"2\",\"payload\":\"\"}",	/* a duplicate key */
			"{\"a\":\"1\",}",			/* a trailing comma */
			"{\"a\":\"1\"} x",			/* trailing bytes */
			"{\"a\":\"1\"",				/* cut short */
			"[\"a\"]", "", " ",
		};

		for (n = 0; n < sizeof(others) / sizeof(others[0]); n++)
		{
			ok = v3flat_read(others[n], strlen(others[n]), &flat);
			CHECK(!ok, "not read fast: %s", others[n]);
			v3flat_free(&flat);
		}
	}
	ok = v3flat_read("{}", 2, &flat);
	CHECK(ok && flat.nmembers == 0, "{} is read fast (and then has no payload)");
	v3flat_free(&flat);
	ok = ingest_v3("{}", 2, NULL, NULL, &rec, &err);
	CHECK(!ok && err.error == GW_ERR_PAYLOAD && eq(err.message, "JSON member \"payload\" is missing"),
		  "a flat body without payload gets jansson's answer");
	ingest_error_free(&err);

	/* v3 errors */
	body = "{\"a\": 1,}";
	ok = ingest_v3(body, strlen(body), NULL, NULL, &rec, &err);
	CHECK(!ok && err.error == GW_ERR_MALFORMED_JSON &&
		  strstr(err.message, "line 1, column 9") != NULL, "malformed JSON says where (%s)", err.message);
	body = "{\n\"payload\": \"x\",\n\"payload\": \"y\"}";
	ok = ingest_v3(body, strlen(body), NULL, NULL, &rec, &err);
	CHECK(!ok && err.error == GW_ERR_MALFORMED_JSON && strstr(err.message, "line 3") != NULL,
		  "duplicate keys are malformed (%s)", err.message);
	ok = ingest_v3("", 0, NULL, NULL, &rec, &err);
	CHECK(!ok && err.error == GW_ERR_MALFORMED_JSON, "an empty body is malformed JSON");
	body = "{\"payload\":\"\xff\"}";
	ok = ingest_v3(body, strlen(body), NULL, NULL, &rec, &err);
	CHECK(!ok && err.error == GW_ERR_MALFORMED_JSON, "invalid UTF-8 is malformed JSON");
	body = "[\"payload\"]";
	ok = ingest_v3(body, strlen(body), NULL, NULL, &rec, &err);
	CHECK(!ok && err.error == GW_ERR_NOT_OBJECT, "an array is not a record");
	body = "{\"severity\":\"1\"}";
	ok = ingest_v3(body, strlen(body), NULL, NULL, &rec, &err);
	CHECK(!ok && err.error == GW_ERR_PAYLOAD && strstr(err.message, "missing"), "payload missing");
	body = "{\"payload\":null}";
	ok = ingest_v3(body, strlen(body), NULL, NULL, &rec, &err);
	CHECK(!ok && err.error == GW_ERR_PAYLOAD && strstr(err.message, "must be a string"),
		  "payload null");
	body = "{\"payload\":42}";
	ok = ingest_v3(body, strlen(body), NULL, NULL, &rec, &err);
	CHECK(!ok && err.error == GW_ERR_PAYLOAD, "payload a number");
	body = "{\"machine_id\":\"a\\u0000b\",\"payload\":\"\"}";
	ok = ingest_v3(body, strlen(body), NULL, NULL, &rec, &err);
	CHECK(!ok && err.error == GW_ERR_NUL_CHARACTER && strstr(err.message, "machine_id"),
		  "U+0000 in a field is refused (%s)", err.message);
	body = "{\"x\":[{\"y\":\"\\u0000\"}],\"payload\":\"\"}";
	ok = ingest_v3(body, strlen(body), NULL, NULL, &rec, &err);
	CHECK(!ok && err.error == GW_ERR_NUL_CHARACTER, "U+0000 nested in a field is refused");
	body = "{\"payload\":\"\"} x";
	ok = ingest_v3(body, strlen(body), NULL, NULL, &rec, &err);
	CHECK(!ok && err.error == GW_ERR_MALFORMED_JSON, "trailing garbage is malformed");
	CHECK(err.fields == NULL && err.tid == NULL, "no telemetry id sent: none to keep");
	ok = ingest_v3(body, strlen(body), "tid-\xe9", NULL, &rec, &err);
	CHECK(!ok && ingest_error_kept(err.error) && err.fields == NULL &&
		  err.tid && strcmp(err.tid, "tid-\xc3\xa9") == 0,
		  "a refused v3 body keeps its telemetry id (as UTF-8), and no fields");
	ingest_error_free(&err);
	CHECK(!ingest_error_kept(GW_ERR_OUT_OF_MEMORY) && !ingest_error_kept(GW_ERR_BODY_TOO_LARGE) &&
		  !ingest_error_kept(GW_ERR_CONTENT_TYPE), "only GW103 to GW106 are kept");

	/* text helpers */
	CHECK(text_media_type_is("Application/JSON; charset=utf-8", "application/json"),
		  "media types ignore case and parameters");
	CHECK(!text_media_type_is("application/jsonx", "application/json"), "no prefix match");
	CHECK(!text_media_type_is(NULL, "application/json"), "no Content-Type");
	CHECK(text_parse_size("64k", &n) && n == 65536, "64k");
	CHECK(text_parse_size("1MiB", &n) && n == 1048576, "1MiB");
	CHECK(text_parse_size("100", &n) && n == 100, "100");
	CHECK(!text_parse_size("-1", &n) && !text_parse_size("1x", &n) && !text_parse_size("", &n),
		  "bad sizes");
	s = text_to_utf8("\xe9t\xe9", 3, &n);
	CHECK(s && n == 5 && strcmp(s, "\xc3\xa9t\xc3\xa9") == 0, "Latin-1 to UTF-8");
	free(s);
	s = text_to_utf8("\xc3\xa9", 2, &n);
	CHECK(s && n == 2 && strcmp(s, "\xc3\xa9") == 0, "UTF-8 stays as it is");
	free(s);
	s = text_to_utf8_shown("a\0\xe9\0", 4, &n);
	CHECK(s && n == 9 && memcmp(s, "a\xEF\xBF\xBD\xc3\xa9\xEF\xBF\xBD", 10) == 0,
		  "NUL bytes shown as U+FFFD, the rest read as Latin-1");
	free(s);
	s = text_to_utf8_shown("ok", 2, &n);
	CHECK(s && n == 2 && strcmp(s, "ok") == 0, "without NUL: as text_to_utf8");
	free(s);

	return test_done();
}
