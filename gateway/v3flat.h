/*-------------------------------------------------------------------------
 *
 * v3flat.h
 *		A fast reader for the common shape of a v3 body: one JSON object
 *		whose members are all plain strings.
 *
 * What the real client sends (client-protocol.md section 3.3) is always
 * that shape, in ASCII.  Building a jansson tree of it cost the gateway
 * about a quarter of its CPU per v3 request (bench/README.md); this reads
 * it in one pass instead.  It accepts only bodies it is certain jansson
 * would read to the same members: anything else (a non-string member,
 * nesting, a \u escape, a byte outside ASCII, a control character, a
 * duplicate or escaped key, more than V3FLAT_MAX_MEMBERS members, any
 * syntax error) makes it give up, and the caller then parses the body
 * with jansson, which gives the exact answer, errors included.  So this
 * changes no outcome, only its cost.
 *
 * Pure C, no allocation but the one decoding buffer; strings are read by
 * the extension's scanner (extension/fields_scan.c).  Unit-tested by
 * test_ingest.c, compared with jansson by fuzz/fuzz_gw_transport.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef GW_V3FLAT_H
#define GW_V3FLAT_H

#include <stdbool.h>
#include <stddef.h>

#define V3FLAT_MAX_MEMBERS	64

/* One member: its key (raw, in the body) and its decoded string value. */
struct v3flat_member
{
	const char *key;
	size_t		key_len;
	const char *value;			/* in the body, or in v3flat.strings when it had
								 * escapes; not NUL-terminated */
	size_t		value_len;
};

struct v3flat
{
	struct v3flat_member members[V3FLAT_MAX_MEMBERS];
	int			nmembers;		/* in the body's order */
	char	   *strings;		/* malloc'd: the decoded values */
};

/*
 * v3flat_read
 *		Read body[0..len) as a flat object of string members into *f.
 *		Returns true when it is one; false when the body is anything else
 *		or memory ran out (parse it with jansson then).  Either way, call
 *		v3flat_free(f) afterwards; keys point into body, so body must
 *		outlive f.
 */
extern bool v3flat_read(const char *body, size_t len, struct v3flat *f);

/* v3flat_free: release what v3flat_read allocated. */
extern void v3flat_free(struct v3flat *f);

#endif							/* GW_V3FLAT_H */
