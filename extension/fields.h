/*-------------------------------------------------------------------------
 *
 * fields.h
 *		Record fields: their names, name normalization and validation.
 *
 * This is pure C: it includes no PostgreSQL header, allocates nothing and
 * keeps no state, so that it can be unit-tested and fuzzed on its own
 * (tests/unit, fuzz/).  The fmgr glue in ingest.c turns a TmError into an
 * ereport().
 *
 * The rules and the exact messages are those of the reference backend
 * (../shared/docs/reference-backend.md, sections 1.3 and 1.4), in the same
 * order, minus its bugs:
 *	 - "04" is version 4 and gets every version-4 check;
 *	 - version-1 records (no System-Name, no Payload-Format-Version) are
 *	   valid;
 *	 - a Payload-Format-Version below INT32_MIN is rejected instead of
 *	   overflowing;
 *	 - a Creation-Timestamp past year 9999 is rejected instead of failing
 *	   later;
 *	 - the payload is checked: size limit, no NUL byte, UTF-8 or else Latin-1.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TELEMETRICS_FIELDS_H
#define TELEMETRICS_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The record fields, in the order the client sends them. */
typedef enum TmFieldId
{
	TM_RECORD_FORMAT_VERSION = 0,
	TM_CLASSIFICATION,
	TM_SEVERITY,
	TM_MACHINE_ID,
	TM_CREATION_TIMESTAMP,
	TM_ARCH,
	TM_HOST_TYPE,
	TM_BUILD,
	TM_KERNEL_VERSION,
	TM_PAYLOAD_FORMAT_VERSION,
	TM_SYSTEM_NAME,
	TM_BOARD_NAME,
	TM_CPU_MODEL,
	TM_BIOS_VERSION,
	TM_EVENT_ID,
	TM_X_CLR_EXTERNAL,
	TM_X_TELEMETRY_TID,
	TM_NUM_FIELDS
} TmFieldId;

/* Canonical names: lower case, '_' as separator ("machine_id"). */
extern const char *const tm_field_names[TM_NUM_FIELDS];

/*
 * Longest field name we accept, in bytes.  Anything longer cannot be a
 * record field.
 */
#define TM_FIELD_NAME_MAX 32

/* A byte string that need not be NUL-terminated; ptr == NULL means absent. */
typedef struct TmStr
{
	const char *ptr;
	size_t		len;
} TmStr;

/*
 * tm_field_lookup
 *		Map a field name to its id, or return -1.
 *
 * Matching ignores ASCII case and treats '-' and '_' as equal, so
 * "Record-Format-Version", "record_format_version" and
 * "RECORD-format_VERSION" are the same field (reference section 1.2).
 * name need not be NUL-terminated.
 */
extern int	tm_field_lookup(const char *name, size_t len);

/* What one record arrived with.  All pointers are borrowed. */
typedef struct TmInput
{
	TmStr		field[TM_NUM_FIELDS];	/* as sent; .ptr NULL if not sent */
	TmStr		tid;			/* X-Telemetry-TID; if absent, field[TM_X_TELEMETRY_TID] */
	const unsigned char *payload;	/* may contain any byte; NULL = empty */
	size_t		payload_len;
} TmInput;

/* The settings validation depends on. */
typedef struct TmLimits
{
	/*
	 * Accepted telemetry ids: a list separated by commas and/or whitespace.
	 * NUL-terminated.
	 */
	const char *tids;
	size_t		max_payload;	/* bytes */
} TmLimits;

/*
 * A validated record.  TmStr members point into the TmInput or into the
 * caller's scratch buffer; they stay valid as long as both do.  Strings of
 * version-gated fields the record does not carry are the literal "N/A",
 * as in the reference.
 */
typedef struct TmRecord
{
	int			record_version; /* 1..4 */
	int			severity;		/* 1..4 */
	int64_t		created;		/* Creation-Timestamp, epoch seconds */
	TmStr		classification;
	TmStr		machine_id;
	TmStr		arch;
	TmStr		host_type;
	TmStr		build;			/* quotes removed */
	TmStr		kernel_version;
	bool		has_payload_version;	/* false only for version 1 */
	int32_t		payload_version;
	TmStr		system_name;	/* quotes removed; .ptr NULL if absent (v1) */
	TmStr		board_name;
	TmStr		cpu_model;
	TmStr		bios_version;
	TmStr		event_id;		/* 32 lowercase hex digits, or "N/A" */
	bool		has_event_id;	/* true when event_id is a real id (v4) */
	bool		external;		/* X-CLR-External is exactly "true" */
	bool		payload_utf8;	/* payload is valid UTF-8; else read it as Latin-1 */
} TmRecord;

/* Why a record was rejected. */
typedef struct TmError
{
	char		sqlstate[6];	/* five characters and a NUL */
	char		message[256];	/* the reference's text where it has one */
} TmError;

/*
 * tm_scratch_size
 *		Bytes of scratch space tm_validate needs for this input.
 */
extern size_t tm_scratch_size(const TmInput *in);

/*
 * tm_validate
 *		Check one record; fill *out and return true, or fill *err and return
 *		false.
 *
 * The first failing rule wins, in the reference's order; the payload rules
 * (size, NUL, encoding) come last.  scratch must hold tm_scratch_size(in)
 * bytes; *out may point into it.  Never reads past the given lengths.
 */
extern bool tm_validate(const TmInput *in, const TmLimits *limits,
						TmRecord *out, char *scratch, size_t scratch_len,
						TmError *err);

/*
 * tm_utf8_valid
 *		True if buf[0..len) is well-formed UTF-8 (no overlongs, no
 *		surrogates, nothing above U+10FFFF).
 */
extern bool tm_utf8_valid(const unsigned char *buf, size_t len);

/*
 * tm_tid_accepted
 *		True if tid (not NUL-terminated) is one of the ids in the list
 *		(separated by commas and/or whitespace).
 */
extern bool tm_tid_accepted(const char *list, const char *tid, size_t len);

/* Largest accepted Creation-Timestamp: 9999-12-31 23:59:59 UTC. */
#define TM_MAX_CREATION_TIMESTAMP INT64_C(253402300799)

#endif							/* TELEMETRICS_FIELDS_H */
