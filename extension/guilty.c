/*-------------------------------------------------------------------------
 *
 * guilty.c
 *		Blacklist rules and the guilty frame (pure C; see guilty.h).
 *
 * Matching a frame costs a binary search over the exact rules plus one
 * prefix comparison per prefix rule; the shipped list has a handful of
 * prefix rules.
 *
 *-------------------------------------------------------------------------
 */
#include "guilty.h"

#include <stdlib.h>
#include <string.h>

/* Byte-wise comparison of two spans, shorter first on a tie. */
static int
span_cmp(TmSpan a, TmSpan b)
{
	size_t		n = a.len < b.len ? a.len : b.len;
	int			c = n > 0 ? memcmp(a.ptr, b.ptr, n) : 0;

	if (c != 0)
		return c;
	return (a.len > b.len) - (a.len < b.len);
}

static inline bool
span_eq(TmSpan a, TmSpan b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Order: usable exact rules by (function, id), prefix rules by id, unusable last. */
static int
rule_cmp(const void *pa, const void *pb)
{
	const TmRule *a = pa;
	const TmRule *b = pb;
	int			ga = a->function.len == 0 ? 2 : (a->kind == TM_MATCH_EXACT ? 0 : 1);
	int			gb = b->function.len == 0 ? 2 : (b->kind == TM_MATCH_EXACT ? 0 : 1);
	int			c;

	if (ga != gb)
		return ga - gb;
	if (ga == 0)
	{
		c = span_cmp(a->function, b->function);
		if (c != 0)
			return c;
	}
	return (a->id > b->id) - (a->id < b->id);
}

void
tm_blacklist_prepare(TmRule *rules, size_t n, TmBlacklist *bl)
{
	size_t		i;

	if (n > 1)
		qsort(rules, n, sizeof(TmRule), rule_cmp);
	bl->rules = rules;
	bl->nrules = 0;
	bl->nexact = 0;
	for (i = 0; i < n; i++)
	{
		if (rules[i].function.len == 0)
			break;
		bl->nrules++;
		if (rules[i].kind == TM_MATCH_EXACT)
			bl->nexact++;
	}
}

static inline bool
module_ok(const TmRule *r, const TmBtFrame *f)
{
	if (r->module.ptr == NULL)
		return true;
	return f->module.ptr != NULL && span_eq(r->module, f->module);
}

const TmRule *
tm_blacklist_match(const TmBlacklist *bl, const TmBtFrame *f)
{
	size_t		lo,
				hi,
				i;

	if (bl == NULL || bl->nrules == 0)
		return NULL;

	/* exact rules: the first with this function, then those after it */
	lo = 0;
	hi = bl->nexact;
	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (span_cmp(bl->rules[mid].function, f->symbol) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < bl->nexact && span_eq(bl->rules[i].function, f->symbol); i++)
		if (module_ok(&bl->rules[i], f))
			return &bl->rules[i];

	for (i = bl->nexact; i < bl->nrules; i++)
	{
		const TmRule *r = &bl->rules[i];

		if (r->function.len <= f->symbol.len &&
			memcmp(r->function.ptr, f->symbol.ptr, r->function.len) == 0 &&
			module_ok(r, f))
			return r;
	}
	return NULL;
}

static inline bool
passed_over_as_unknown(const TmBtFrame *f)
{
	return f->unknown || f->unreliable;
}

void
tm_find_guilty(const char *buf, size_t len, const TmBlacklist *bl, TmGuilty *out)
{
	TmBtScanner sc;
	TmBtLine	line;
	TmBtLine	first_unknown;
	TmBtLine	last;
	bool		have_unknown = false;
	bool		have_last = false;

	memset(out, 0, sizeof(*out));
	memset(&first_unknown, 0, sizeof(first_unknown));
	memset(&last, 0, sizeof(last));
	out->kind = TM_GUILTY_NONE;

	tm_bt_init(&sc, buf, len);
	while (tm_bt_next(&sc, &line))
	{
		if (line.kind != TM_BT_LINE_FRAME)
		{
			if (have_last)
				break;			/* the crashing thread's block ended */
			continue;
		}
		if (line.block != 1)
			break;

		out->examined++;
		last = line;
		have_last = true;

		if (tm_blacklist_match(bl, &line.frame) != NULL)
			continue;
		if (passed_over_as_unknown(&line.frame))
		{
			if (!have_unknown)
			{
				first_unknown = line;
				have_unknown = true;
			}
			continue;
		}
		out->kind = TM_GUILTY_FRAME;
		out->line = line;
		return;
	}

	if (have_unknown)
	{
		out->kind = TM_GUILTY_FIRST_UNKNOWN;
		out->line = first_unknown;
	}
	else if (have_last)
	{
		out->kind = TM_GUILTY_LAST_FRAME;
		out->line = last;
	}
}

TmDecision
tm_frame_decision(const TmGuilty *g, const TmBtLine *line,
				  const TmBlacklist *bl, const TmRule **rule)
{
	const TmRule *r;

	*rule = NULL;
	if (g->kind != TM_GUILTY_NONE && line->index == g->line.index)
	{
		if (g->kind == TM_GUILTY_LAST_FRAME)
			*rule = tm_blacklist_match(bl, &line->frame);
		return TM_DECISION_CHOSEN;
	}
	if (line->block != 1)
		return TM_DECISION_SKIPPED;
	if (g->kind == TM_GUILTY_FRAME && line->index > g->line.index)
		return TM_DECISION_SKIPPED;
	r = tm_blacklist_match(bl, &line->frame);
	if (r != NULL)
	{
		*rule = r;
		return TM_DECISION_BLACKLISTED;
	}
	if (passed_over_as_unknown(&line->frame))
		return TM_DECISION_UNKNOWN;
	/* cannot happen for a payload g was computed on; be safe */
	return TM_DECISION_SKIPPED;
}

const char *
tm_decision_name(TmDecision d)
{
	switch (d)
	{
		case TM_DECISION_CHOSEN:
			return "chosen";
		case TM_DECISION_BLACKLISTED:
			return "blacklisted";
		case TM_DECISION_UNKNOWN:
			return "unknown";
		default:
			return "skipped";
	}
}

const char *
tm_guilty_kind_name(TmGuiltyKind k)
{
	switch (k)
	{
		case TM_GUILTY_FRAME:
			return "frame";
		case TM_GUILTY_FIRST_UNKNOWN:
			return "first_unknown";
		case TM_GUILTY_LAST_FRAME:
			return "last_frame";
		default:
			return "none";
	}
}
