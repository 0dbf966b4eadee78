/*-------------------------------------------------------------------------
 *
 * log.c
 *		Logging to stderr (see log.h).
 *
 * The level is read from gw_config.log_level, which is fixed before any
 * thread starts.  Each line is formatted into a stack buffer and written
 * with a single write(2); a line longer than the buffer is cut.
 *
 *-------------------------------------------------------------------------
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "gateway.h"

static const char *const level_names[] = {"error", "warning", "info", "debug"};

int
log_level_parse(const char *name)
{
	if (strcasecmp(name, "error") == 0)
		return GW_LOG_ERROR;
	if (strcasecmp(name, "warn") == 0 || strcasecmp(name, "warning") == 0)
		return GW_LOG_WARN;
	if (strcasecmp(name, "info") == 0)
		return GW_LOG_INFO;
	if (strcasecmp(name, "debug") == 0)
		return GW_LOG_DEBUG;
	return -1;
}

bool
log_enabled(int level)
{
	return level <= gw_config.log_level;
}

void
gw_log(int level, const char *fmt,...)
{
	char		msg[2048];
	char		line[4096];
	struct timeval tv;
	struct tm	tm;
	size_t		n;
	size_t		i;
	va_list		ap;

	if (!log_enabled(level))
		return;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t) snprintf(line + n, sizeof(line) - n, ".%03dZ %s: %s: ",
						   (int) (tv.tv_usec / 1000), GW_PROGNAME,
						   level_names[level < 0 ? 0 : (level > 3 ? 3 : level)]);

	/* escape control characters so that a line stays one line */
	for (i = 0; msg[i] != '\0' && n < sizeof(line) - 6; i++)
	{
		unsigned char c = (unsigned char) msg[i];

		if (c < 0x20 || c == 0x7f)
			n += (size_t) snprintf(line + n, sizeof(line) - n, "\\x%02x", c);
		else
			line[n++] = (char) c;
	}
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
	{
		/* nowhere left to report it */
	}
}
