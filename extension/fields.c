/*-------------------------------------------------------------------------
 *
 * fields.c
 *		Record field names and validation rules (pure C; see fields.h).
 *
 * Every rule reads its input through (pointer, length) pairs, so values with
 * embedded NUL bytes or without a terminator are handled safely.  The
 * "length" of a text value, where a rule limits it, counts characters
 * (UTF-8 code points), as the reference's Python len() did.
 *
 *-------------------------------------------------------------------------
 */
#include "fields.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *const tm_field_names[TM_NUM_FIELDS] = {
	"record_format_version",
	"classification",
	"severity",
	"machine_id",
	"creation_timestamp",
	"arch",
	"host_type",
	"build",
	"kernel_version",
	"payload_format_version",
	"system_name",
	"board_name",
	"cpu_model",
	"bios_version",
	"event_id",
	"x_clr_external",
	"x_telemetry_tid",
};

/*
 * Header names as the reference's required-header check spelled them; they
 * appear in the "... headers are invalid, <Name> missing" message.
 */
static const char *const field_titles[TM_NUM_FIELDS] = {
	"Record-Format-Version",
	"Classification",
	"Severity",
	"Machine-Id",
	"Creation-Timestamp",
	"Arch",
	"Host-Type",
	"Build",
	"Kernel-Version",
	"Payload-Format-Version",
	"System-Name",
	"Board-Name",
	"Cpu-Model",
	"Bios-Version",
	"Event-Id",
	"X-Clr-External",
	"X-Telemetry-Tid",
};

/* Required fields per record format version, in the reference's tuple order. */
static const TmFieldId required_v1[] = {
	TM_ARCH, TM_BUILD, TM_CREATION_TIMESTAMP, TM_CLASSIFICATION, TM_HOST_TYPE,
	TM_KERNEL_VERSION, TM_MACHINE_ID, TM_SEVERITY, TM_RECORD_FORMAT_VERSION
};
static const TmFieldId required_v2[] = {
	TM_PAYLOAD_FORMAT_VERSION, TM_SYSTEM_NAME, TM_X_TELEMETRY_TID
};
static const TmFieldId required_v3[] = {
	TM_BOARD_NAME, TM_BIOS_VERSION, TM_CPU_MODEL
};
static const TmFieldId required_v4[] = {
	TM_EVENT_ID
};

/* Architectures the reference accepts (lib/validation.py). */
static const char *const valid_arches[] = {
	"armv7l", "armv6l", "aarch64", "amd64", "sparc64", "ppc64", "i686",
	"i386", "x86_64", "ppc"
};

#define lengthof(a) (sizeof(a) / sizeof((a)[0]))

/* Python's MAXLEN_PRINTABLE and friends. */
#define MAX_MACHINE_ID_CHARS	32
#define HOST_TYPE_CHARS_BELOW	250
#define PRINTABLE_CHARS_BELOW	200
#define POSTGRES_INT_MAX		INT64_C(2147483647)
#define POSTGRES_INT_MIN		(-INT64_C(2147483648))

/*
 * Not the reference's: classification, build and system name have no
 * length limit there, but here they are keys of indexes and rollups
 * (rollup_records' primary key holds all three), and a btree entry cannot
 * exceed about 2.7 kB.  Capping each at 250 bytes keeps every such key
 * storable, so that a record that passes validation is always stored.
 */
#define KEY_FIELD_MAX_BYTES		250

static const char not_available[] = "N/A";

static inline char
ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char) (c + ('a' - 'A')) : c;
}

int
tm_field_lookup(const char *name, size_t len)
{
	char		norm[TM_FIELD_NAME_MAX + 1];
	size_t		i;
	int			f;

	if (name == NULL || len == 0 || len > TM_FIELD_NAME_MAX)
		return -1;
	for (i = 0; i < len; i++)
	{
		char		c = name[i];

		norm[i] = (c == '-') ? '_' : ascii_lower(c);
	}
	norm[len] = '\0';
	for (f = 0; f < TM_NUM_FIELDS; f++)
		if (strlen(tm_field_names[f]) == len && memcmp(tm_field_names[f], norm, len) == 0)
			return f;
	return -1;
}

/* Fill *err; message is printf-style. */
static bool
reject(TmError *err, const char *sqlstate, const char *fmt,...)
	__attribute__((format(printf, 3, 4)));

static bool
reject(TmError *err, const char *sqlstate, const char *fmt,...)
{
	va_list		ap;

	memcpy(err->sqlstate, sqlstate, 5);
	err->sqlstate[5] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return false;
}

static bool
str_eq(TmStr s, const char *lit)
{
	size_t		n = strlen(lit);

	return s.ptr != NULL && s.len == n && memcmp(s.ptr, lit, n) == 0;
}

/* Number of UTF-8 code points (bytes that are not continuation bytes). */
static size_t
char_count(TmStr s)
{
	size_t		n = 0,
				i;

	for (i = 0; i < s.len; i++)
		if (((unsigned char) s.ptr[i] & 0xC0) != 0x80)
			n++;
	return n;
}

/*
 * Python's str.isdigit() for ASCII, then int(): a non-empty run of digits.
 * The value saturates at INT64_MAX, which is out of every range we check.
 */
static bool
parse_digits(TmStr s, int64_t *value)
{
	int64_t		v = 0;
	size_t		i;

	if (s.ptr == NULL || s.len == 0)
		return false;
	for (i = 0; i < s.len; i++)
	{
		char		c = s.ptr[i];

		if (c < '0' || c > '9')
			return false;
		if (v > (INT64_MAX - 9) / 10)
			v = INT64_MAX;
		else
			v = v * 10 + (c - '0');
	}
	*value = v;
	return true;
}

static inline bool
is_py_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Python's int(str) for base 10: optional surrounding whitespace, an
 * optional sign, digits with single underscores between them.  Saturates
 * at +/- INT64_MAX.
 */
static bool
parse_py_int(TmStr s, int64_t *value)
{
	size_t		i = 0,
				end = s.len;
	bool		neg = false;
	bool		any = false;
	bool		prev_underscore = false;
	int64_t		v = 0;

	while (i < end && is_py_space(s.ptr[i]))
		i++;
	while (end > i && is_py_space(s.ptr[end - 1]))
		end--;
	if (i < end && (s.ptr[i] == '+' || s.ptr[i] == '-'))
	{
		neg = (s.ptr[i] == '-');
		i++;
	}
	for (; i < end; i++)
	{
		char		c = s.ptr[i];

		if (c == '_')
		{
			if (!any || prev_underscore)
				return false;
			prev_underscore = true;
			continue;
		}
		if (c < '0' || c > '9')
			return false;
		if (v > (INT64_MAX - 9) / 10)
			v = INT64_MAX;
		else
			v = v * 10 + (c - '0');
		any = true;
		prev_underscore = false;
	}
	if (!any || prev_underscore)
		return false;
	*value = neg ? -v : v;
	return true;
}

/* Python's string.printable, ASCII only. */
static bool
all_printable(TmStr s)
{
	size_t		i;

	for (i = 0; i < s.len; i++)
	{
		unsigned char c = (unsigned char) s.ptr[i];

		if (!((c >= 0x20 && c <= 0x7E) || c == '\t' || c == '\n' ||
			  c == '\r' || c == '\v' || c == '\f'))
			return false;
	}
	return true;
}

/* validate_x_header: present, fewer than 200 characters, printable ASCII. */
static bool
valid_x_header(TmStr s)
{
	return s.ptr != NULL && char_count(s) < PRINTABLE_CHARS_BELOW && all_printable(s);
}

/* Copy s into *scratch without any '"' or '\'' and advance *scratch. */
static TmStr
strip_quotes(TmStr s, char **scratch)
{
	TmStr		r;
	char	   *d = *scratch;
	size_t		i;

	r.ptr = d;
	for (i = 0; i < s.len; i++)
		if (s.ptr[i] != '"' && s.ptr[i] != '\'')
			*d++ = s.ptr[i];
	r.len = (size_t) (d - r.ptr);
	*d++ = '\0';
	*scratch = d;
	return r;
}

/* ^[0-9]+$ */
static bool
all_digits(TmStr s)
{
	size_t		i;

	if (s.len == 0)
		return false;
	for (i = 0; i < s.len; i++)
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return false;
	return true;
}

/* ^[-_a-zA-Z0-9.]+$ */
static bool
build_chars(TmStr s)
{
	size_t		i;

	if (s.len == 0)
		return false;
	for (i = 0; i < s.len; i++)
	{
		char		c = s.ptr[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			  (c >= 'A' && c <= 'Z') || c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

/*
 * Kernel-Version: "version, major, _ = v.split('.', maxsplit=2)" must
 * unpack (at least two dots) and version and major must be digits.
 */
static bool
valid_kernel_version(TmStr s)
{
	const char *dot1,
			   *dot2;
	TmStr		version,
				major;
	int64_t		ignored;

	if (s.ptr == NULL)
		return false;
	dot1 = memchr(s.ptr, '.', s.len);
	if (dot1 == NULL)
		return false;
	dot2 = memchr(dot1 + 1, '.', s.len - (size_t) (dot1 + 1 - s.ptr));
	if (dot2 == NULL)
		return false;
	version.ptr = s.ptr;
	version.len = (size_t) (dot1 - s.ptr);
	major.ptr = dot1 + 1;
	major.len = (size_t) (dot2 - dot1 - 1);
	return parse_digits(version, &ignored) && parse_digits(major, &ignored);
}

/* 32 characters of [0-9a-f]. */
static bool
valid_event_id(TmStr s)
{
	size_t		i;

	if (s.len != 32)
		return false;
	for (i = 0; i < 32; i++)
	{
		char		c = s.ptr[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

bool
tm_utf8_valid(const unsigned char *buf, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		unsigned char c = buf[i];
		size_t		n;
		uint32_t	cp;
		size_t		k;

		if (c < 0x80)
		{
			i++;
			continue;
		}
		else if ((c & 0xE0) == 0xC0)
		{
			n = 2;
			cp = c & 0x1F;
		}
		else if ((c & 0xF0) == 0xE0)
		{
			n = 3;
			cp = c & 0x0F;
		}
		else if ((c & 0xF8) == 0xF0)
		{
			n = 4;
			cp = c & 0x07;
		}
		else
			return false;
		if (len - i < n)
			return false;
		for (k = 1; k < n; k++)
		{
			if ((buf[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (buf[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
			(n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
			(cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n;
	}
	return true;
}

static inline bool
is_tid_separator(char c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool
tm_tid_accepted(const char *list, const char *tid, size_t len)
{
	const char *p = list;

	if (list == NULL || tid == NULL)
		return false;
	while (*p)
	{
		const char *start;

		while (*p && is_tid_separator(*p))
			p++;
		start = p;
		while (*p && !is_tid_separator(*p))
			p++;
		if ((size_t) (p - start) == len && len > 0 && memcmp(start, tid, len) == 0)
			return true;
	}
	return false;
}

size_t
tm_scratch_size(const TmInput *in)
{
	/* stripped copies of Build and System-Name, each NUL-terminated */
	return in->field[TM_BUILD].len + in->field[TM_SYSTEM_NAME].len + 2;
}

static bool
check_required(const TmInput *in, const TmFieldId *list, size_t n, TmError *err)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		/* the telemetry id may come separately from the fields */
		if (list[i] == TM_X_TELEMETRY_TID && in->tid.ptr != NULL)
			continue;
		if (in->field[list[i]].ptr == NULL)
			return reject(err, "23502",
						  "Record-Format-Version headers are invalid, %s missing",
						  field_titles[list[i]]);
	}
	return true;
}

bool
tm_validate(const TmInput *in, const TmLimits *limits, TmRecord *out,
			char *scratch, size_t scratch_len, TmError *err)
{
	const TmStr *f = in->field;
	TmStr		tid;
	int64_t		v;
	size_t		i;
	bool		ok;

	memset(out, 0, sizeof(*out));
	if (scratch == NULL || scratch_len < tm_scratch_size(in))
		return reject(err, "XX000", "scratch buffer too small");

	/* 1. X-Telemetry-TID, checked first for every version */
	tid = in->tid.ptr != NULL ? in->tid : f[TM_X_TELEMETRY_TID];
	if (!tm_tid_accepted(limits->tids, tid.ptr, tid.len))
		return reject(err, "28000", "Telemetry ID mismatch");

	/* 2. Record-Format-Version: digits, 1..4 ("04" is 4) */
	if (!parse_digits(f[TM_RECORD_FORMAT_VERSION], &v) || v < 1 || v > 4)
		return reject(err, "22023", "Record-Format-Version is invalid");
	out->record_version = (int) v;

	/* 3. the fields this version requires, in the reference's order */
	if (!check_required(in, required_v1, lengthof(required_v1), err))
		return false;
	if (out->record_version >= 2 &&
		!check_required(in, required_v2, lengthof(required_v2), err))
		return false;
	if (out->record_version >= 3 &&
		!check_required(in, required_v3, lengthof(required_v3), err))
		return false;
	if (out->record_version >= 4 &&
		!check_required(in, required_v4, lengthof(required_v4), err))
		return false;

	/* 4. Severity */
	if (!parse_digits(f[TM_SEVERITY], &v) || v < 1 || v > 4)
		return reject(err, "22003", "severity value is out of range");
	out->severity = (int) v;

	/* 5. Classification: exactly three '/'-separated parts */
	{
		TmStr		c = f[TM_CLASSIFICATION];
		size_t		slashes = 0;

		for (i = 0; i < c.len; i++)
			if (c.ptr[i] == '/')
				slashes++;
		if (slashes != 2)
			return reject(err, "22023", "Classification value is invalid");
		if (c.len > KEY_FIELD_MAX_BYTES)
			return reject(err, "22001", "Classification value is too long (over %d bytes)",
						  KEY_FIELD_MAX_BYTES);
		out->classification = c;
	}

	/* 6. Machine-Id: at most 32 characters */
	if (char_count(f[TM_MACHINE_ID]) > MAX_MACHINE_ID_CHARS)
		return reject(err, "22001", "Machine id value is invalid");
	out->machine_id = f[TM_MACHINE_ID];

	/* 7. Creation-Timestamp: digits (and a representable date) */
	if (!parse_digits(f[TM_CREATION_TIMESTAMP], &v) || v > TM_MAX_CREATION_TIMESTAMP)
		return reject(err, "22007", "timestamp is invalid");
	out->created = v;

	/* 8. Arch */
	ok = false;
	for (i = 0; i < lengthof(valid_arches); i++)
		if (str_eq(f[TM_ARCH], valid_arches[i]))
			ok = true;
	if (!ok)
		return reject(err, "22023", "architecture is invalid");
	out->arch = f[TM_ARCH];

	/* 9. Host-Type: fewer than 250 characters */
	if (char_count(f[TM_HOST_TYPE]) >= HOST_TYPE_CHARS_BELOW)
		return reject(err, "22001", "host type is invalid");
	out->host_type = f[TM_HOST_TYPE];

	/* 10. Kernel-Version */
	if (!valid_kernel_version(f[TM_KERNEL_VERSION]))
		return reject(err, "22023", "kernel version is invalid");
	out->kernel_version = f[TM_KERNEL_VERSION];

	/* 11. version 3 and later: Board-Name, Cpu-Model, Bios-Version */
	if (out->record_version >= 3)
	{
		if (!valid_x_header(f[TM_BOARD_NAME]))
			return reject(err, "22023", "board name is invalid");
		if (!valid_x_header(f[TM_CPU_MODEL]))
			return reject(err, "22023", "cpu model is invalid");
		if (!valid_x_header(f[TM_BIOS_VERSION]))
			return reject(err, "22023", "BIOS version is invalid");
		out->board_name = f[TM_BOARD_NAME];
		out->cpu_model = f[TM_CPU_MODEL];
		out->bios_version = f[TM_BIOS_VERSION];
	}
	else
	{
		out->board_name.ptr = out->cpu_model.ptr = out->bios_version.ptr = not_available;
		out->board_name.len = out->cpu_model.len = out->bios_version.len = 3;
	}

	/* 12. version 4: Event-Id, 32 lowercase hex digits */
	if (out->record_version >= 4)
	{
		if (!valid_event_id(f[TM_EVENT_ID]))
			return reject(err, "22023", "Event id is invalid");
		out->event_id = f[TM_EVENT_ID];
		out->has_event_id = true;
	}
	else
	{
		out->event_id.ptr = not_available;
		out->event_id.len = 3;
	}

	/* 13. System-Name: quotes removed; only its length is checked */
	if (f[TM_SYSTEM_NAME].ptr != NULL)
		out->system_name = strip_quotes(f[TM_SYSTEM_NAME], &scratch);
	if (out->system_name.len > KEY_FIELD_MAX_BYTES)
		return reject(err, "22001", "System name is too long (over %d bytes)",
					  KEY_FIELD_MAX_BYTES);

	/* 14. Build: quotes removed; digits only for clear-linux-os */
	out->build = strip_quotes(f[TM_BUILD], &scratch);
	if (str_eq(out->system_name, "clear-linux-os"))
	{
		if (!all_digits(out->build))
			return reject(err, "22023", "Clear Linux OS build version has invalid characters");
	}
	else if (!build_chars(out->build))
		return reject(err, "22023", "Build version has invalid characters");
	if (out->build.len > KEY_FIELD_MAX_BYTES)
		return reject(err, "22001", "Build version is too long (over %d bytes)",
					  KEY_FIELD_MAX_BYTES);

	/* 15. Payload-Format-Version (absent only in version 1) */
	if (f[TM_PAYLOAD_FORMAT_VERSION].ptr != NULL)
	{
		if (!parse_py_int(f[TM_PAYLOAD_FORMAT_VERSION], &v))
		{
			TmStr		pv = f[TM_PAYLOAD_FORMAT_VERSION];

			return reject(err, "22P02",
						  "Error parsing payload_format_version, invalid literal for int() with base 10: '%.*s'",
						  (int) (pv.len > 64 ? 64 : pv.len), pv.ptr);
		}
		if (v >= POSTGRES_INT_MAX || v < POSTGRES_INT_MIN)
			return reject(err, "22003", "Payload format version outside of range supported");
		out->has_payload_version = true;
		out->payload_version = (int32_t) v;
	}

	/* 16. X-CLR-External: exactly "true" */
	out->external = str_eq(f[TM_X_CLR_EXTERNAL], "true");

	/* 17. the payload: size, NUL bytes, encoding */
	if (in->payload_len > limits->max_payload)
		return reject(err, "54000",
					  "payload of %zu bytes exceeds the limit of %zu bytes",
					  in->payload_len, limits->max_payload);
	if (in->payload_len > 0)
	{
		const unsigned char *nul = memchr(in->payload, 0, in->payload_len);

		if (nul != NULL)
			return reject(err, "22021",
						  "payload contains a NUL byte at offset %zu",
						  (size_t) (nul - in->payload));
	}
	out->payload_utf8 = tm_utf8_valid(in->payload, in->payload_len);
	return true;
}
