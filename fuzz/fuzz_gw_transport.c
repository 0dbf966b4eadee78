/*-------------------------------------------------------------------------
 *
 * fuzz_gw_transport.c
 *		libFuzzer target: the gateway's transport normalization
 *		(gateway/ingest.c: ingest_v2_* and ingest_v3).
 *
 * Input: a first byte choosing the format (even: v2, odd: v3), then
 *	 - v2: "name: value" lines up to the first empty line, each offered as
 *	   a request header, then the body;
 *	 - v3: a line with the X-Telemetry-TID value, a line with the
 *	   X-CLR-External value (a line of just "-" means the header is
 *	   absent), then the body.
 *
 * Checks, besides ASan/UBSan: an accepted request gives a JSON object
 * (of string values for v2; v3 passes other values on as JSON), valid
 * UTF-8 and free of U+0000 (what ingest_batch's jsonb[] parameter can
 * hold), a telemetry id of valid UTF-8, and the
 * payload exactly as sent (v2: the body itself; v3: the "payload" string's
 * bytes); a refused one gives one of the transport's 400 codes (or out of
 * memory) and a message.  Every v3 body is read twice, with the fast
 * reader (gateway/v3flat.c) and with jansson alone: the two outcomes must
 * be the same to the byte.
 *
 *-------------------------------------------------------------------------
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ingest.h"
#include "text.h"

#define REQUIRE(c) do { if (!(c)) __builtin_trap(); } while (0)

/* The next line of [*p, end): its start and length; *p moves past it. */
static bool
next_line(const char **p, const char *end, const char **line, size_t *len)
{
	const char *nl;

	if (*p >= end)
		return false;
	nl = memchr(*p, '\n', (size_t) (end - *p));
	*line = *p;
	*len = nl ? (size_t) (nl - *p) : (size_t) (end - *p);
	*p = nl ? nl + 1 : end;
	return true;
}

/* A NUL-terminated copy of a header value, or NULL for "-". */
static char *
header_value(const char *s, size_t len)
{
	char	   *v;

	if (len == 1 && s[0] == '-')
		return NULL;
	v = malloc(len + 1);
	REQUIRE(v != NULL);
	memcpy(v, s, len);
	v[len] = '\0';
	return v;
}

static void
check_accepted(const struct gw_record *rec, bool strings_only)
{
	json_error_t jerr;
	json_t	   *obj;
	const char *key;
	json_t	   *value;

	REQUIRE(rec->fields != NULL);
	REQUIRE(text_is_utf8(rec->fields, rec->fields_len));
	/* without JSON_ALLOW_NUL, a \u0000 anywhere fails to load */
	obj = json_loadb(rec->fields, rec->fields_len, JSON_REJECT_DUPLICATES, &jerr);
	REQUIRE(obj != NULL);
	REQUIRE(json_is_object(obj));
	if (strings_only)
	{
		json_object_foreach(obj, key, value)
			REQUIRE(json_is_string(value));
	}
	json_decref(obj);
	if (rec->tid != NULL)
		REQUIRE(text_is_utf8(rec->tid, rec->tid_len));
}

/*
 * A refusal: one of the transport's errors, with texts, and copies for the
 * quarantine that the database takes (UTF-8 without NUL, fields a JSON
 * object without U+0000).  Frees the copies.
 */
static void
check_refused(struct gw_ingest_error *err)
{
	REQUIRE(err->error == GW_ERR_MALFORMED_JSON || err->error == GW_ERR_NOT_OBJECT ||
			err->error == GW_ERR_PAYLOAD || err->error == GW_ERR_NUL_CHARACTER ||
			err->error == GW_ERR_OUT_OF_MEMORY);
	REQUIRE(ingest_error_kept(err->error) == (err->error != GW_ERR_OUT_OF_MEMORY));
	REQUIRE(memchr(err->message, '\0', sizeof(err->message)) != NULL);
	REQUIRE(err->message[0] != '\0');
	REQUIRE(memchr(err->details, '\0', sizeof(err->details)) != NULL);
	if (err->fields != NULL)
	{
		json_error_t jerr;
		json_t	   *obj;

		REQUIRE(text_is_utf8(err->fields, err->fields_len));
		REQUIRE(memchr(err->fields, '\0', err->fields_len) == NULL);
		obj = json_loadb(err->fields, err->fields_len, JSON_REJECT_DUPLICATES, &jerr);
		REQUIRE(obj != NULL && json_is_object(obj));
		json_decref(obj);
	}
	if (err->tid != NULL)
	{
		REQUIRE(text_is_utf8(err->tid, err->tid_len));
		REQUIRE(memchr(err->tid, '\0', err->tid_len) == NULL);
	}
	ingest_error_free(err);
}

static void
fuzz_v2(const char *p, const char *end)
{
	struct gw_v2 v2;
	struct gw_record rec;
	struct gw_ingest_error err;
	const char *line;
	size_t		len;

	ingest_v2_begin(&v2);
	while (next_line(&p, end, &line, &len) && len > 0)
	{
		const char *colon = memchr(line, ':', len);
		const char *value;
		size_t		name_len,
					value_len;

		if (colon == NULL)
			continue;
		name_len = (size_t) (colon - line);
		value = colon + 1;
		value_len = len - name_len - 1;
		while (value_len > 0 && *value == ' ')
			value++, value_len--;
		ingest_v2_header(&v2, line, name_len, value, value_len);
	}
	memset(&rec, 0, sizeof(rec));
	if (ingest_v2_end(&v2, p, (size_t) (end - p), &rec, &err))
	{
		check_accepted(&rec, true);
		REQUIRE(rec.payload == p && rec.payload_len == (size_t) (end - p));
		ingest_record_free(&rec);
	}
	else
		check_refused(&err);
}

/*
 * same_v3_outcome
 *		ingest_v3 with the fast reader and with jansson alone: both accept,
 *		with the same fields, payload and telemetry id, or both refuse, with
 *		the same error and texts.
 */
static void
same_v3_outcome(const char *body, size_t len, const char *tid, const char *external)
{
	struct gw_record rec[2];
	struct gw_ingest_error err[2];
	bool		ok[2];
	int			i;

	for (i = 0; i < 2; i++)
	{
		memset(&rec[i], 0, sizeof(rec[i]));
		memset(&err[i], 0, sizeof(err[i]));
		ingest_v3_flat = (i == 0);
		ok[i] = ingest_v3(body, len, tid, external, &rec[i], &err[i]);
	}
	ingest_v3_flat = true;
	REQUIRE(ok[0] == ok[1]);
	if (ok[0])
	{
		REQUIRE(rec[0].fields_len == rec[1].fields_len &&
				memcmp(rec[0].fields, rec[1].fields, rec[0].fields_len) == 0);
		REQUIRE(rec[0].payload_len == rec[1].payload_len &&
				(rec[0].payload_len == 0 ||
				 memcmp(rec[0].payload, rec[1].payload, rec[0].payload_len) == 0));
		REQUIRE((rec[0].tid == NULL) == (rec[1].tid == NULL));
		REQUIRE(rec[0].tid == NULL || (rec[0].tid_len == rec[1].tid_len &&
									   memcmp(rec[0].tid, rec[1].tid, rec[0].tid_len) == 0));
		for (i = 0; i < 2; i++)
			ingest_record_free(&rec[i]);
	}
	else
	{
		REQUIRE(err[0].error == err[1].error);
		REQUIRE(strcmp(err[0].message, err[1].message) == 0);
		REQUIRE(strcmp(err[0].details, err[1].details) == 0);
		for (i = 0; i < 2; i++)
			ingest_error_free(&err[i]);
	}
}

static void
fuzz_v3(const char *p, const char *end)
{
	struct gw_record rec;
	struct gw_ingest_error err;
	const char *line;
	size_t		len;
	char	   *tid = NULL;
	char	   *external = NULL;

	if (next_line(&p, end, &line, &len))
		tid = header_value(line, len);
	if (next_line(&p, end, &line, &len))
		external = header_value(line, len);
	same_v3_outcome(p, (size_t) (end - p), tid, external);
	memset(&rec, 0, sizeof(rec));
	if (ingest_v3(p, (size_t) (end - p), tid, external, &rec, &err))
	{
		json_error_t jerr;
		json_t	   *body = json_loadb(p, (size_t) (end - p), JSON_ALLOW_NUL, &jerr);
		json_t	   *payload;

		check_accepted(&rec, false);
		/* the payload is the body's "payload" string, byte for byte */
		REQUIRE(body != NULL && json_is_object(body));
		payload = json_object_get(body, "payload");
		REQUIRE(json_is_string(payload));
		REQUIRE(json_string_length(payload) == rec.payload_len);
		REQUIRE(rec.payload_len == 0 ||
				memcmp(json_string_value(payload), rec.payload, rec.payload_len) == 0);
		json_decref(body);
		ingest_record_free(&rec);
	}
	else
		check_refused(&err);
	free(tid);
	free(external);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *) data;

	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		fuzz_v2(p + 1, p + size);
	else
		fuzz_v3(p + 1, p + size);
	return 0;
}
