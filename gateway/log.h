/*-------------------------------------------------------------------------
 *
 * log.h
 *		Logging to stderr, one event per line, with a level.
 *
 *-------------------------------------------------------------------------
 */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <stdbool.h>

enum gw_log_level
{
	GW_LOG_ERROR = 0,
	GW_LOG_WARN,
	GW_LOG_INFO,
	GW_LOG_DEBUG
};

/*
 * log_level_parse
 *		"error", "warn", "info" or "debug" (any case) to a level; -1 if the
 *		name is none of them.
 */
extern int	log_level_parse(const char *name);

/* log_enabled: would a message at this level be written? */
extern bool log_enabled(int level);

/*
 * gw_log
 *		Write one line "<time> telemetrics-gateway: <level>: <message>" to
 *		stderr if level is enabled.  The line is written with one write(2),
 *		so lines from different threads never interleave.  Control
 *		characters in the formatted message are escaped, so that no value
 *		(a URL, a database message) can forge a log line.
 */
extern void gw_log(int level, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

#endif							/* GW_LOG_H */
