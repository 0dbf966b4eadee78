/*-------------------------------------------------------------------------
 *
 * mce.h
 *		Machine-check (mcelog) payloads: the status code and the bank.
 *
 * Pure C (see backtrace.h).  The payload is mcelog's text dump, e.g.
 *
 *	Hardware event. This is not a software error.
 *	CPU 2 BANK 4
 *	TSC 1d0c16b3ed0
 *	MISC d012000100000086 ADDR 1ffffffc0
 *	STATUS 9c00000000010091 MCGSTATUS 0
 *
 * Status: what the reference backend's
 * re.search('STATUS.*([A-Fa-f0-9]{8}) MCGSTATUS', payload) found
 * (reference-backend.md section 3.2): on the first line where it matches,
 * the eight hex digits right before the line's last " MCGSTATUS" that
 * follows a "STATUS" - the low 32 bits of the status ("00010091").
 * Bank: the number after the first word "BANK" ("CPU 2 BANK 4").
 *
 *-------------------------------------------------------------------------
 */
#ifndef TELEMETRICS_MCE_H
#define TELEMETRICS_MCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backtrace.h"

typedef struct TmMce
{
	TmSpan		status;			/* eight hex digits; ptr NULL if not found */
	bool		has_bank;
	int32_t		bank;			/* 0..INT32_MAX */
} TmMce;

/*
 * tm_mce_parse
 *		Fill *out from buf[0..len).  Linear in len.  Spans point into buf.
 */
extern void tm_mce_parse(const char *buf, size_t len, TmMce *out);

#endif							/* TELEMETRICS_MCE_H */
