/*-------------------------------------------------------------------------
 *
 * test_mce.c
 *		Unit tests of mce.c: the reference's STATUS ... MCGSTATUS rule,
 *		and the bank.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>

#include "mce.h"
#include "unit.h"

static TmMce
mce(const char *s)
{
	TmMce		m;

	tm_mce_parse(s, strlen(s), &m);
	return m;
}

int
main(void)
{
	TmMce		m;

	m = mce("Hardware event. This is not a software error.\nMCE 0\nCPU 2 BANK 4\nTSC 1d0c16b3ed0\n"
			"STATUS 9c00000000010091 MCGSTATUS 0\n");
	CHECK(SPAN_IS(m.status, "00010091") && m.has_bank && m.bank == 4);

	CHECK(SPAN_IS(mce("STATUS CC0000400001009F MCGSTATUS 5").status, "0001009F"));
	CHECK(SPAN_IS(mce("STATUS 1 MCGSTATUS 0").status, NULL));
	CHECK(SPAN_IS(mce("STATUS 9c0000000001009g MCGSTATUS 0").status, NULL));
	/* greedy: the last MCGSTATUS of the line */
	CHECK(SPAN_IS(mce("STATUS 11111111 MCGSTATUS 22222222 MCGSTATUS x").status, "22222222"));
	/* the first line that matches */
	CHECK(SPAN_IS(mce("STATUS x MCGSTATUS\nSTATUS 12345678 MCGSTATUS 0\nSTATUS 87654321 MCGSTATUS 0").status,
				  "12345678"));
	/* STATUS must come first, on the same line */
	CHECK(SPAN_IS(mce("12345678 MCGSTATUS STATUS").status, NULL));
	CHECK(SPAN_IS(mce("STATUS\n12345678 MCGSTATUS").status, NULL));
	/* the digits may not overlap "STATUS" */
	CHECK(SPAN_IS(mce("STATUS MCGSTATUS").status, NULL));
	CHECK(SPAN_IS(mce("MCGSTATUS 12345678 MCGSTATUS").status, "12345678"));
	CHECK(SPAN_IS(mce("").status, NULL) && !mce("").has_bank);

	m = mce("CPU 1 BANK 4294967296");
	CHECK(!m.has_bank);
	m = mce("CPU 1 BANK 2147483647");
	CHECK(m.has_bank && m.bank == 2147483647);
	m = mce("CPU 1 SUBBANK 3 BANK 7");
	CHECK(m.has_bank && m.bank == 7);
	m = mce("BANK5 BANK\t06 ");
	CHECK(m.has_bank && m.bank == 6);
	m = mce("BANK 5x BANK 9");
	CHECK(m.has_bank && m.bank == 9);
	m = mce("CPU 1 THERMAL EVENT TSC 7a2c0abe2");
	CHECK(!m.has_bank && SPAN_IS(m.status, NULL));

	tm_mce_parse(NULL, 10, &m);
	CHECK(!m.has_bank && m.status.ptr == NULL);

	/* long lines full of near-matches stay linear, and stay in bounds */
	{
		size_t		n = 2 * 1024 * 1024;
		char	   *big = malloc(n);
		size_t		i;

		for (i = 0; i + 10 <= n; i += 10)
			memcpy(big + i, " MCGSTATUS", 10);
		memcpy(big, "STATUS", 6);
		tm_mce_parse(big, n, &m);
		CHECK(m.status.ptr == NULL);
		for (i = 0; i + 5 <= n; i += 5)
			memcpy(big + i, "BANK ", 5);
		tm_mce_parse(big, n, &m);
		CHECK(!m.has_bank);
		free(big);
	}
	return unit_report();
}
