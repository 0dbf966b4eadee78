/*-------------------------------------------------------------------------
 *
 * test.h
 *		A minimal TAP producer for the gateway's C unit tests (test_*.c):
 *		"ok N - what" / "not ok N - what" lines, then the plan "1..N".
 *		main() returns test_done(), non-zero when anything failed.
 *
 *-------------------------------------------------------------------------
 */
#ifndef GW_TEST_H
#define GW_TEST_H

#include <stdio.h>

#include "gateway.h"

struct gw_config gw_config = {.log_level = -1, .max_body = 1024 * 1024};

static int	test_count;
static int	test_failed;

#define CHECK(cond, ...) \
	do { \
		test_count++; \
		if (cond) \
			printf("ok %d - ", test_count); \
		else \
		{ \
			test_failed++; \
			printf("not ok %d - ", test_count); \
		} \
		printf(__VA_ARGS__); \
		printf("%s\n", (cond) ? "" : "   <-- " #cond); \
	} while (0)

static inline int
test_done(void)
{
	printf("1..%d\n", test_count);
	return test_failed ? 1 : 0;
}

#endif							/* GW_TEST_H */
