/*-------------------------------------------------------------------------
 *
 * fuzz_fields.c
 *		libFuzzer target: record validation (fields.c, tm_validate).
 *
 * Input: "name: value" lines up to the first empty line (names as in
 * HTTP headers, matched by tm_field_lookup), then the payload.  Checks,
 * besides ASan/UBSan: a rejection has a five-character SQLSTATE and a
 * message; an accepted record has versions and severity in range and its
 * strings inside the input or the scratch buffer.
 *
 *-------------------------------------------------------------------------
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"

#define REQUIRE(c) do { if (!(c)) __builtin_trap(); } while (0)

static void
inside(TmStr s, const char *a, size_t alen, const char *b, size_t blen)
{
	if (s.ptr == NULL || s.len == 0)
		return;
	if (s.ptr >= a && s.ptr + s.len <= a + alen)
		return;
	if (s.ptr >= b && s.ptr + s.len <= b + blen)
		return;
	if (s.len == 3 && memcmp(s.ptr, "N/A", 3) == 0)
		return;					/* the static "N/A" */
	__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *buf = malloc(size ? size : 1);
	TmInput		in;
	TmLimits	limits;
	TmRecord	rec;
	TmError		err;
	char	   *scratch;
	size_t		need,
				pos = 0;

	memcpy(buf, data, size);
	memset(&in, 0, sizeof(in));
	while (pos < size)
	{
		char	   *nl = memchr(buf + pos, '\n', size - pos);
		size_t		end = nl ? (size_t) (nl - buf) : size;
		char	   *colon = memchr(buf + pos, ':', end - pos);

		if (end == pos)
		{
			pos = end + 1;
			break;
		}
		if (colon != NULL)
		{
			int			f = tm_field_lookup(buf + pos, (size_t) (colon - buf) - pos);
			const char *v = colon + 1;

			while (v < buf + end && *v == ' ')
				v++;
			if (f >= 0 && in.field[f].ptr == NULL)
			{
				in.field[f].ptr = v;
				in.field[f].len = (size_t) (buf + end - v);
			}
		}
		pos = end + 1;
	}
	if (pos > size)
		pos = size;
	in.payload = (const unsigned char *) buf + pos;
	in.payload_len = size - pos;

	limits.tids = "6907c830-eed9-4ce9-81ae-76daf8d88f0f, other-tid";
	limits.max_payload = 8192;
	need = tm_scratch_size(&in);
	scratch = malloc(need ? need : 1);
	if (tm_validate(&in, &limits, &rec, scratch, need, &err))
	{
		REQUIRE(rec.record_version >= 1 && rec.record_version <= 4);
		REQUIRE(rec.severity >= 1 && rec.severity <= 4);
		REQUIRE(rec.created >= 0 && rec.created <= TM_MAX_CREATION_TIMESTAMP);
		inside(rec.classification, buf, size, scratch, need);
		inside(rec.machine_id, buf, size, scratch, need);
		inside(rec.build, buf, size, scratch, need);
		inside(rec.system_name, buf, size, scratch, need);
		inside(rec.event_id, buf, size, scratch, need);
		REQUIRE(in.payload_len <= limits.max_payload);
	}
	else
	{
		REQUIRE(strlen(err.sqlstate) == 5);
		REQUIRE(err.message[0] != '\0');
	}
	/* a short scratch buffer is refused, never overrun */
	if (need > 0)
		REQUIRE(!tm_validate(&in, &limits, &rec, scratch, need - 1, &err));
	free(scratch);
	free(buf);
	return 0;
}
