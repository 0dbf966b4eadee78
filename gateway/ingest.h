/*-------------------------------------------------------------------------
 *
 * ingest.h
 *		Transport normalization: turn a v2 request (record fields in
 *		headers, raw payload body) or a v3 request (one JSON object) into
 *		the three values telemetrics_api.ingest_batch_text() takes for a record:
 *		a JSON object of fields, the payload bytes, and the telemetry id.
 *
 * Nothing here judges a field's value; the extension does.  What is
 * decided here is only what the transport needs:
 *	 - v2: a header is a record field if its name, compared without case
 *	   and with '-' equal to '_', is one (extension/fields.c decides, so
 *	   the two agree); the first header of a name wins; X-Telemetry-TID
 *	   becomes the telemetry id and X-CLR-External the field
 *	   "x_clr_external".  A value that is not valid UTF-8 is read as
 *	   Latin-1.  Every other header is ignored.
 *	 - v3: the body must be one JSON object without duplicate keys.  Its
 *	   member "payload" must be a string (missing or anything else: 400);
 *	   every other member goes to the extension as it is: strings as
 *	   they are, numbers and booleans as their text, null as absent,
 *	   arrays and objects as their JSON text (which then fails that
 *	   field's validation).  A member holding U+0000 outside the payload
 *	   is refused with 400 (PostgreSQL's jsonb cannot hold it).  The
 *	   telemetry id comes from the X-Telemetry-TID header; an
 *	   X-CLR-External header applies when the object has no
 *	   x_clr_external member (both header names matched as in v2).
 *
 * Pure C plus jansson: no MHD, no libpq (unit-tested by test_ingest.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef GW_INGEST_H
#define GW_INGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "errors.h"

/* A record ready for ingest_batch.  Owns its memory except payload. */
struct gw_record
{
	char	   *fields;			/* JSON object text, malloc'd */
	size_t		fields_len;
	const char *payload;		/* payload bytes; borrowed (v2 body) or payload_owned */
	size_t		payload_len;
	char	   *payload_owned;	/* malloc'd payload (v3), or NULL */
	char	   *tid;			/* UTF-8, malloc'd; NULL when not sent */
	size_t		tid_len;
};

/*
 * Why a request could not become a record, and what of it the quarantine
 * keeps (telemetrics_api.quarantine_request).  The two copies are
 * malloc'd, valid UTF-8 without NUL bytes (a NUL shown as U+FFFD), NULL
 * when there is nothing to keep; release them with ingest_error_free.
 */
struct gw_ingest_error
{
	enum gw_error error;
	char		message[256];
	char		details[256];	/* "" = none */
	char	   *fields;			/* v2: the fields as a JSON object; v3: NULL */
	size_t		fields_len;
	char	   *tid;			/* the X-Telemetry-TID, if sent */
	size_t		tid_len;
};

/*
 * Read a v3 body with v3flat.c first (true, the default): the same
 * outcome, at a fraction of jansson's cost.  Tests and the fuzzer turn it
 * off to compare with jansson alone.
 */
extern bool ingest_v3_flat;

/* The builder for a v2 record: feed it every header, then the body. */
struct gw_v2
{
	struct gw_buf fields;		/* the JSON object being written */
	unsigned	seen;			/* bit per TmFieldId already written */
	char	   *tid;
	size_t		tid_len;
	bool		failed;			/* out of memory */
	bool		nul;			/* a value held a NUL byte (shown as U+FFFD) */
};

/* ingest_v2_begin: start a v2 record.  Always call ingest_v2_end. */
extern void ingest_v2_begin(struct gw_v2 *v2);

/* ingest_v2_header: offer one request header (name and value as received). */
extern void ingest_v2_header(struct gw_v2 *v2, const char *name, size_t name_len,
							 const char *value, size_t value_len);

/*
 * ingest_v2_end
 *		Finish: on success fill *rec (payload borrows body, which must
 *		outlive rec) and return true; otherwise fill *err (with the fields
 *		and telemetry id to keep when a value held a NUL byte).  Releases
 *		the builder either way.
 */
extern bool ingest_v2_end(struct gw_v2 *v2, const char *body, size_t body_len,
						  struct gw_record *rec, struct gw_ingest_error *err);

/*
 * ingest_v3
 *		Parse a v3 body.  tid and external are the X-Telemetry-TID and
 *		X-CLR-External header values (NUL-terminated; NULL if absent).  On
 *		success fill *rec (owning everything) and return true; otherwise
 *		fill *err (malformed JSON says where: line, column, byte offset;
 *		the telemetry id is copied for the quarantine).
 */
extern bool ingest_v3(const char *body, size_t body_len, const char *tid,
					  const char *external, struct gw_record *rec,
					  struct gw_ingest_error *err);

/*
 * ingest_error_kept
 *		Whether a request refused with e is a record the client meant to
 *		send, to be kept in the quarantine: a body that is not JSON, not an
 *		object or without a string payload, and a value holding NUL
 *		(GW103 to GW106).  Not out of memory.
 */
extern bool ingest_error_kept(enum gw_error e);

/* ingest_error_free: release the copies err owns. */
extern void ingest_error_free(struct gw_ingest_error *err);

/* ingest_record_free: release what rec owns; rec is zeroed. */
extern void ingest_record_free(struct gw_record *rec);

#endif							/* GW_INGEST_H */
