/*-------------------------------------------------------------------------
 *
 * test_fields.c
 *		Unit tests of extension/fields.c: field-name normalization, the
 *		validation rules at their boundaries, UTF-8 checking, the telemetry
 *		id list.  Every input lives in a heap buffer of exactly its length
 *		(no terminator), so AddressSanitizer catches any read past a value.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "tap.h"

#define TID "6907c830-eed9-4ce9-81ae-76daf8d88f0f"

/* Heap copies of test values, freed at the end. */
static void *allocated[4096];
static int	nallocated = 0;

/* An exact-length, unterminated heap copy of s. */
static TmStr
val(const char *s)
{
	TmStr		r;
	size_t		n = strlen(s);
	char	   *p = malloc(n ? n : 1);

	memcpy(p, s, n);
	allocated[nallocated++] = p;
	r.ptr = p;
	r.len = n;
	return r;
}

static void
free_all(void)
{
	while (nallocated > 0)
		free(allocated[--nallocated]);
}

/* A valid version-4 record. */
static void
base(TmInput *in)
{
	memset(in, 0, sizeof(*in));
	in->field[TM_RECORD_FORMAT_VERSION] = val("4");
	in->field[TM_CLASSIFICATION] = val("org.clearlinux/crash/clr");
	in->field[TM_SEVERITY] = val("3");
	in->field[TM_MACHINE_ID] = val("f59d130c24c938a81594824b0171316a");
	in->field[TM_CREATION_TIMESTAMP] = val("1795754646");
	in->field[TM_ARCH] = val("x86_64");
	in->field[TM_HOST_TYPE] = val("no_sv_file|no_pn_file|no_pvr_file");
	in->field[TM_BUILD] = val("\"12\"");
	in->field[TM_KERNEL_VERSION] = val("6.18.44-fc-v669");
	in->field[TM_PAYLOAD_FORMAT_VERSION] = val("1");
	in->field[TM_SYSTEM_NAME] = val("debian");
	in->field[TM_BOARD_NAME] = val("no_bn_file|no_bv_file");
	in->field[TM_CPU_MODEL] = val("AMD EPYC");
	in->field[TM_BIOS_VERSION] = val("no_bv_file");
	in->field[TM_EVENT_ID] = val("7e4d1cbb476b9f75c96aa8db5e399b8a");
	in->tid = val(TID);
	in->payload = (const unsigned char *) val("hello\n").ptr;
	in->payload_len = 6;
}

/* Validate; return "ok" or "SQLSTATE message" in a static buffer. */
static const char *
check(const TmInput *in, TmRecord *out)
{
	static char result[300];
	TmLimits	limits = {TID ", other-tid", 307200};
	TmError		err;
	size_t		need = tm_scratch_size(in);
	char	   *scratch = malloc(need);
	TmRecord	rec;

	allocated[nallocated++] = scratch;
	if (tm_validate(in, &limits, out ? out : &rec, scratch, need, &err))
		return "ok";
	snprintf(result, sizeof(result), "%s %s", err.sqlstate, err.message);
	return result;
}

static void
test_lookup(void)
{
	tap_ok(tm_field_lookup("record_format_version", 21) == TM_RECORD_FORMAT_VERSION,
		   "lookup: lower case with underscores");
	tap_ok(tm_field_lookup("Record-Format-Version", 21) == TM_RECORD_FORMAT_VERSION,
		   "lookup: Title-Case with dashes");
	tap_ok(tm_field_lookup("MACHINE_id", 10) == TM_MACHINE_ID, "lookup: mixed");
	tap_ok(tm_field_lookup("X-Telemetry-TID", 15) == TM_X_TELEMETRY_TID, "lookup: X-Telemetry-TID");
	tap_ok(tm_field_lookup("machine_idx", 10) == TM_MACHINE_ID, "lookup: honours the length");
	tap_ok(tm_field_lookup("machine", 7) == -1, "lookup: prefix is not a field");
	tap_ok(tm_field_lookup("host", 4) == -1, "lookup: unknown");
	tap_ok(tm_field_lookup("", 0) == -1, "lookup: empty");
	tap_ok(tm_field_lookup(NULL, 3) == -1, "lookup: NULL");
	tap_ok(tm_field_lookup("record_format_version_and_more_than_32", 38) == -1,
		   "lookup: too long");
}

static void
test_valid(void)
{
	TmInput		in;
	TmRecord	r;

	base(&in);
	tap_is_str(check(&in, &r), "ok", "corpus v2 crash record is valid");
	tap_ok(r.record_version == 4 && r.severity == 3 && r.created == 1795754646,
		   "numbers parsed");
	tap_ok(r.build.len == 2 && memcmp(r.build.ptr, "12", 2) == 0, "build loses its quotes");
	tap_ok(r.has_event_id && r.has_payload_version && r.payload_version == 1, "v4 flags");
	tap_ok(r.payload_utf8, "ASCII payload is UTF-8");
	tap_ok(!r.external, "external false when absent");
	in.field[TM_X_CLR_EXTERNAL] = val("true");
	check(&in, &r);
	tap_ok(r.external, "external true");
	in.field[TM_X_CLR_EXTERNAL] = val("True");
	check(&in, &r);
	tap_ok(!r.external, "external is case-sensitive");
}

static void
test_rules(void)
{
	static const struct
	{
		TmFieldId	field;
		const char *value;		/* NULL = remove the field */
		const char *want;
	}			cases[] = {
		{TM_RECORD_FORMAT_VERSION, "5", "22023 Record-Format-Version is invalid"},
		{TM_RECORD_FORMAT_VERSION, "", "22023 Record-Format-Version is invalid"},
		{TM_RECORD_FORMAT_VERSION, "99999999999999999999999", "22023 Record-Format-Version is invalid"},
		{TM_RECORD_FORMAT_VERSION, "0004", "ok"},
		{TM_SEVERITY, "0", "22003 severity value is out of range"},
		{TM_SEVERITY, "4", "ok"},
		{TM_SEVERITY, NULL, "23502 Record-Format-Version headers are invalid, Severity missing"},
		{TM_CLASSIFICATION, "a/b", "22023 Classification value is invalid"},
		{TM_CLASSIFICATION, "//", "ok"},
		{TM_MACHINE_ID, "0123456789abcdef0123456789abcdef", "ok"},
		{TM_MACHINE_ID, "0123456789abcdef0123456789abcdefX", "22001 Machine id value is invalid"},
		{TM_CREATION_TIMESTAMP, "253402300799", "ok"},
		{TM_CREATION_TIMESTAMP, "253402300800", "22007 timestamp is invalid"},
		{TM_CREATION_TIMESTAMP, "12a", "22007 timestamp is invalid"},
		{TM_ARCH, "arm64", "22023 architecture is invalid"},
		{TM_ARCH, "aarch64", "ok"},
		{TM_ARCH, "x86_6", "22023 architecture is invalid"},
		{TM_KERNEL_VERSION, "4.19", "22023 kernel version is invalid"},
		{TM_KERNEL_VERSION, "4.19.0", "ok"},
		{TM_KERNEL_VERSION, "..", "22023 kernel version is invalid"},
		{TM_KERNEL_VERSION, "1.2.", "ok"},
		{TM_KERNEL_VERSION, "", "22023 kernel version is invalid"},
		{TM_BOARD_NAME, "tab\tok", "ok"},
		{TM_BOARD_NAME, "bell\a", "22023 board name is invalid"},
		{TM_CPU_MODEL, "\xc3\xa9", "22023 cpu model is invalid"},
		{TM_BIOS_VERSION, "", "ok"},
		{TM_EVENT_ID, "7E4D1CBB476B9F75C96AA8DB5E399B8A", "22023 Event id is invalid"},
		{TM_EVENT_ID, NULL, "23502 Record-Format-Version headers are invalid, Event-Id missing"},
		{TM_BUILD, "12 3", "22023 Build version has invalid characters"},
		{TM_BUILD, "'\"'", "22023 Build version has invalid characters"},
		{TM_PAYLOAD_FORMAT_VERSION, "2147483647", "22003 Payload format version outside of range supported"},
		{TM_PAYLOAD_FORMAT_VERSION, "-2147483648", "ok"},
		{TM_PAYLOAD_FORMAT_VERSION, "+5", "ok"},
		{TM_PAYLOAD_FORMAT_VERSION, "5_", "22P02 Error parsing payload_format_version, invalid literal for int() with base 10: '5_'"},
		{TM_PAYLOAD_FORMAT_VERSION, "_5", "22P02 Error parsing payload_format_version, invalid literal for int() with base 10: '_5'"},
		{TM_PAYLOAD_FORMAT_VERSION, "1__0", "22P02 Error parsing payload_format_version, invalid literal for int() with base 10: '1__0'"},
		{TM_PAYLOAD_FORMAT_VERSION, "-", "22P02 Error parsing payload_format_version, invalid literal for int() with base 10: '-'"},
	};
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		TmInput		in;
		char		name[200];

		base(&in);
		if (cases[i].value)
			in.field[cases[i].field] = val(cases[i].value);
		else
			in.field[cases[i].field].ptr = NULL;
		snprintf(name, sizeof(name), "rule: %s = \"%s\"",
				 tm_field_names[cases[i].field], cases[i].value ? cases[i].value : "(absent)");
		tap_is_str(check(&in, NULL), cases[i].want, name);
		free_all();
	}
}

static void
test_versions_and_tid(void)
{
	TmInput		in;
	TmRecord	r;

	base(&in);
	in.tid.ptr = NULL;
	tap_is_str(check(&in, NULL), "28000 Telemetry ID mismatch", "no TID");
	in.field[TM_X_TELEMETRY_TID] = val(TID);
	tap_is_str(check(&in, NULL), "ok", "TID as a field");
	in.tid = val("other-tid");
	tap_is_str(check(&in, NULL), "ok", "second TID in the list");
	in.tid = val("other");
	tap_is_str(check(&in, NULL), "28000 Telemetry ID mismatch", "TID prefix is not a match");

	base(&in);
	in.field[TM_RECORD_FORMAT_VERSION] = val("1");
	in.field[TM_SYSTEM_NAME].ptr = NULL;
	in.field[TM_PAYLOAD_FORMAT_VERSION].ptr = NULL;
	in.field[TM_EVENT_ID] = val("not an event id");
	tap_is_str(check(&in, &r), "ok", "version 1 without System-Name and Payload-Format-Version");
	tap_ok(r.system_name.ptr == NULL && !r.has_payload_version && !r.has_event_id &&
		   r.board_name.len == 3 && memcmp(r.board_name.ptr, "N/A", 3) == 0,
		   "version 1 fields default");

	base(&in);
	in.field[TM_SYSTEM_NAME] = val("\"clear-linux-os\"");
	in.field[TM_BUILD] = val("31960");
	tap_is_str(check(&in, &r), "ok", "clear-linux-os numeric build");
	tap_ok(r.system_name.len == 14, "system name loses its quotes");
	in.field[TM_BUILD] = val("31960a");
	tap_is_str(check(&in, NULL), "22023 Clear Linux OS build version has invalid characters",
			   "clear-linux-os non-numeric build");
	free_all();
}

static void
test_payload(void)
{
	TmInput		in;
	TmRecord	r;
	TmLimits	limits = {TID, 4};
	TmError		err;
	char		scratch[64];
	static const unsigned char latin1[] = {'c', 0xE8, 'r'};
	static const unsigned char nul[] = {'a', 0, 'b'};

	base(&in);
	in.payload = (const unsigned char *) val("12345").ptr;
	in.payload_len = 5;
	tap_ok(!tm_validate(&in, &limits, &r, scratch, sizeof(scratch), &err) &&
		   strcmp(err.sqlstate, "54000") == 0, "payload over the limit");
	in.payload_len = 4;
	tap_ok(tm_validate(&in, &limits, &r, scratch, sizeof(scratch), &err), "payload at the limit");
	in.payload = latin1;
	in.payload_len = 3;
	tap_ok(tm_validate(&in, &limits, &r, scratch, sizeof(scratch), &err) && !r.payload_utf8,
		   "Latin-1 payload is flagged");
	in.payload = nul;
	tap_ok(!tm_validate(&in, &limits, &r, scratch, sizeof(scratch), &err) &&
		   strcmp(err.message, "payload contains a NUL byte at offset 1") == 0,
		   "NUL byte rejected with its offset");
	in.payload = NULL;
	in.payload_len = 0;
	tap_ok(tm_validate(&in, &limits, &r, scratch, sizeof(scratch), &err) && r.payload_utf8,
		   "empty payload");
	tap_ok(!tm_validate(&in, &limits, &r, scratch, 2, &err), "scratch too small is refused");
	free_all();
}

static void
test_utf8(void)
{
	static const struct
	{
		const char *bytes;
		size_t		len;
		int			valid;
		const char *name;
	}			cases[] = {
		{"", 0, 1, "empty"},
		{"plain", 5, 1, "ASCII"},
		{"\xc3\xa9", 2, 1, "two bytes"},
		{"\xe2\x98\x95", 3, 1, "three bytes"},
		{"\xf0\x9f\x98\x80", 4, 1, "four bytes"},
		{"\xc0\xaf", 2, 0, "overlong two bytes"},
		{"\xe0\x80\xaf", 3, 0, "overlong three bytes"},
		{"\xed\xa0\x80", 3, 0, "surrogate"},
		{"\xf4\x90\x80\x80", 4, 0, "above U+10FFFF"},
		{"\xe2\x98", 2, 0, "truncated"},
		{"\x80", 1, 0, "lone continuation"},
		{"\xff", 1, 0, "0xFF"},
	};
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		TmStr		s = val("");
		char		name[100];

		/* exact-length copy so any overread is caught */
		s.ptr = malloc(cases[i].len ? cases[i].len : 1);
		allocated[nallocated++] = (void *) s.ptr;
		memcpy((void *) s.ptr, cases[i].bytes, cases[i].len);
		snprintf(name, sizeof(name), "utf8: %s", cases[i].name);
		tap_ok(tm_utf8_valid((const unsigned char *) s.ptr, cases[i].len) == cases[i].valid, name);
	}
	free_all();
}

static void
test_tid_list(void)
{
	tap_ok(tm_tid_accepted("a,b", "b", 1), "tid list: comma");
	tap_ok(tm_tid_accepted(" a \n b ", "b", 1), "tid list: whitespace");
	tap_ok(!tm_tid_accepted("ab", "a", 1), "tid list: no prefix match");
	tap_ok(!tm_tid_accepted("", "", 0), "tid list: empty accepts nothing");
	tap_ok(!tm_tid_accepted("a", NULL, 0), "tid list: no tid");
	tap_ok(!tm_tid_accepted(",,", "", 0), "tid list: empty items");
}

int
main(void)
{
	test_lookup();
	test_valid();
	test_rules();
	test_versions_and_tid();
	test_payload();
	test_utf8();
	test_tid_list();
	free_all();
	return tap_done();
}
