/*-------------------------------------------------------------------------
 *
 * tap.h
 *		A minimal TAP producer for the C unit tests: "ok N - name" and
 *		"not ok N - name" lines, then a "1..N" plan.  Header-only.
 *
 *-------------------------------------------------------------------------
 */
#ifndef TM_TAP_H
#define TM_TAP_H

#include <stdio.h>
#include <string.h>

static int	tap_count = 0;
static int	tap_failed = 0;

/* Report one check; returns cond so callers can add diagnostics. */
static inline int
tap_ok(int cond, const char *name)
{
	tap_count++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_count, name);
	return cond;
}

/* Compare two strings; prints both on mismatch. */
static inline int
tap_is_str(const char *got, const char *want, const char *name)
{
	int			cond = (got == NULL && want == NULL) ||
		(got != NULL && want != NULL && strcmp(got, want) == 0);

	if (!tap_ok(cond, name))
		printf("#   got:  \"%s\"\n#   want: \"%s\"\n", got ? got : "(null)", want ? want : "(null)");
	return cond;
}

/* Print the plan; the exit status is non-zero if anything failed. */
static inline int
tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed != 0;
}

#endif							/* TM_TAP_H */
