/*-------------------------------------------------------------------------
 *
 * unit.h
 *		A minimal test harness for the pure C files of the extension.
 *
 * Each tests/unit/test_*.c is a program: it runs its checks and prints
 * "N passed, M failed" as its last line (tests/suites/20-unit.sh builds
 * it with ASan and UBSan and sums the counts).  A failed check prints its
 * file, line and expression on stderr and the program goes on.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TELEMETRICS_UNIT_H
#define TELEMETRICS_UNIT_H

#include <stdio.h>
#include <string.h>

static int	unit_passed = 0;
static int	unit_failed = 0;

#define CHECK(cond) \
	do { \
		if (cond) \
			unit_passed++; \
		else \
		{ \
			unit_failed++; \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		} \
	} while (0)

/* a span (ptr, len) equals the NUL-terminated lit; NULL lit = absent */
#define SPAN_IS(span, lit) unit_span_is((span).ptr, (span).len, (lit))

static inline int
unit_span_is(const char *ptr, size_t len, const char *lit)
{
	if (lit == NULL)
		return ptr == NULL;
	return ptr != NULL && len == strlen(lit) && memcmp(ptr, lit, len) == 0;
}

static inline int
unit_report(void)
{
	printf("%d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed == 0 ? 0 : 1;
}

#endif							/* TELEMETRICS_UNIT_H */
