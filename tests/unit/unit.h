/*-------------------------------------------------------------------------
 *
 * unit.h
 *		CHECK() and SPAN_IS() for the unit tests of the crash parsers
 *		(test_backtrace.c, test_guilty.c, test_mce.c), on top of tap.h: each
 *		check is one TAP line named after its file, line and expression.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TELEMETRICS_UNIT_H
#define TELEMETRICS_UNIT_H

#include <stdio.h>
#include <string.h>

#include "tap.h"

#define UNIT_STR2(x) #x
#define UNIT_STR(x) UNIT_STR2(x)
#define CHECK(cond) ((void) tap_ok((cond) ? 1 : 0, __FILE__ ":" UNIT_STR(__LINE__) ": " #cond))

/* a span (ptr, len) equals the NUL-terminated lit; NULL lit = absent */
#define SPAN_IS(span, lit) unit_span_is((span).ptr, (span).len, (lit))

static inline int
unit_span_is(const char *ptr, size_t len, const char *lit)
{
	if (lit == NULL)
		return ptr == NULL;
	return ptr != NULL && len == strlen(lit) && memcmp(ptr, lit, len) == 0;
}

/* the plan line; the exit status is non-zero if anything failed */
#define unit_report() tap_done()

#endif							/* TELEMETRICS_UNIT_H */
