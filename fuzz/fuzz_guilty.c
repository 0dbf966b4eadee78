/*-------------------------------------------------------------------------
 *
 * fuzz_guilty.c
 *		libFuzzer target: blacklist rules taken from the input, then the
 *		guilty frame of the rest of the input.
 *
 * Input: rule lines up to the first empty line, then the payload.  A rule
 * line is "<e|p> <function>" or "<e|p> <function>\t<module>" (e = exact,
 * p = prefix); other lines are skipped.  Checks, besides ASan/UBSan:
 *	- tm_blacklist_match agrees with a naive match over all rules and
 *	  reports the rule the documented order prefers;
 *	- a chosen frame (kind FRAME) is not blacklisted.
 *
 *-------------------------------------------------------------------------
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guilty.h"

#define REQUIRE(c) do { if (!(c)) __builtin_trap(); } while (0)
#define MAX_RULES 64

/* The rule the order documented in guilty.h prefers, by brute force. */
static const TmRule *
naive_match(const TmRule *rules, size_t n, const TmBtFrame *f)
{
	const TmRule *best = NULL;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		const TmRule *r = &rules[i];
		int			fn_ok,
					mod_ok;

		if (r->function.len == 0)
			continue;
		if (r->kind == TM_MATCH_EXACT)
			fn_ok = r->function.len == f->symbol.len &&
				memcmp(r->function.ptr, f->symbol.ptr, r->function.len) == 0;
		else
			fn_ok = r->function.len <= f->symbol.len &&
				memcmp(r->function.ptr, f->symbol.ptr, r->function.len) == 0;
		mod_ok = r->module.ptr == NULL ||
			(f->module.ptr != NULL && r->module.len == f->module.len &&
			 memcmp(r->module.ptr, f->module.ptr, r->module.len) == 0);
		if (!fn_ok || !mod_ok)
			continue;
		if (best == NULL ||
			(r->kind == TM_MATCH_EXACT && best->kind == TM_MATCH_PREFIX) ||
			(r->kind == best->kind && r->id < best->id))
			best = r;
	}
	return best;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	TmRule		rules[MAX_RULES];
	TmRule		copy[MAX_RULES];
	size_t		nrules = 0;
	TmBlacklist bl;
	TmGuilty	g;
	TmBtScanner sc;
	TmBtLine	l;
	char	   *buf = malloc(size ? size : 1);
	size_t		pos = 0;

	memcpy(buf, data, size);

	/* rules */
	while (pos < size)
	{
		char	   *nl = memchr(buf + pos, '\n', size - pos);
		size_t		end = nl ? (size_t) (nl - buf) : size;
		size_t		len = end - pos;

		if (len == 0)
		{
			pos = end + 1;
			break;
		}
		if (len >= 2 && (buf[pos] == 'e' || buf[pos] == 'p') && buf[pos + 1] == ' ' &&
			nrules < MAX_RULES)
		{
			char	   *tab = memchr(buf + pos + 2, '\t', len - 2);
			TmRule	   *r = &rules[nrules];

			r->id = (int32_t) (nrules * 7 % 13);	/* ids out of order, some equal */
			r->kind = buf[pos] == 'p' ? TM_MATCH_PREFIX : TM_MATCH_EXACT;
			r->function.ptr = buf + pos + 2;
			r->function.len = (tab ? (size_t) (tab - buf) : end) - pos - 2;
			r->module.ptr = tab ? tab + 1 : NULL;
			r->module.len = tab ? (size_t) (buf + end - tab - 1) : 0;
			nrules++;
		}
		pos = end + 1;
	}
	if (pos > size)
		pos = size;

	memcpy(copy, rules, sizeof(TmRule) * nrules);
	tm_blacklist_prepare(rules, nrules, &bl);
	REQUIRE(bl.nrules <= nrules && bl.nexact <= bl.nrules);

	tm_find_guilty(buf + pos, size - pos, &bl, &g);
	if (g.kind == TM_GUILTY_FRAME)
		REQUIRE(tm_blacklist_match(&bl, &g.line.frame) == NULL);

	tm_bt_init(&sc, buf + pos, size - pos);
	while (tm_bt_next(&sc, &l))
	{
		const TmRule *a,
				   *b;

		if (l.kind != TM_BT_LINE_FRAME)
			continue;
		a = tm_blacklist_match(&bl, &l.frame);
		b = naive_match(copy, nrules, &l.frame);
		REQUIRE((a == NULL) == (b == NULL));
		if (a != NULL)
			REQUIRE(a->id == b->id && a->kind == b->kind);
	}
	free(buf);
	return 0;
}
