/*-------------------------------------------------------------------------
 *
 * fuzz_mce.c
 *		libFuzzer target: MCE status and bank (mce.c) on arbitrary bytes.
 *
 * Checks, besides ASan/UBSan: a status is eight hex digits inside the
 * input, followed by " MCGSTATUS" and preceded on its line by "STATUS";
 * a bank is not negative.
 *
 *-------------------------------------------------------------------------
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mce.h"

#define REQUIRE(c) do { if (!(c)) __builtin_trap(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *buf = malloc(size ? size : 1);
	TmMce		m;

	memcpy(buf, data, size);
	tm_mce_parse(buf, size, &m);
	if (m.status.ptr != NULL)
	{
		const char *s = m.status.ptr;
		const char *line = s;
		size_t		i;
		int			status_before = 0;

		REQUIRE(s >= buf && s + 8 + 10 <= buf + size && m.status.len == 8);
		for (i = 0; i < 8; i++)
			REQUIRE((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
					(s[i] >= 'A' && s[i] <= 'F'));
		REQUIRE(memcmp(s + 8, " MCGSTATUS", 10) == 0);
		while (line > buf && line[-1] != '\n')
			line--;
		for (; line + 6 <= s; line++)
			if (memcmp(line, "STATUS", 6) == 0)
				status_before = 1;
		REQUIRE(status_before);
	}
	if (m.has_bank)
		REQUIRE(m.bank >= 0);
	free(buf);
	return 0;
}
