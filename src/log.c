/*
 * log.c: stderr logging.  The verbosity flags are set at start-up,
 * before any server thread exists, and only read afterwards.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "imaged/log.h"

static bool log_is_verbose;
static bool log_is_quiet;

void
log_init(bool verbose)
{
	log_is_verbose = verbose;
}

void
log_quiet(bool quiet)
{
	log_is_quiet = quiet;
}

bool
log_verbose(void)
{
	return log_is_verbose;
}

static void
log_emit(const char *prefix, const char *suffix, const char *fmt, va_list ap)
{
	char	 line[1024];
	int	 n;
	size_t	 len;

	n = snprintf(line, sizeof(line), "imaged: %s", prefix);
	len = n < 0 ? 0 : (size_t)n;
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	len = n < 0 ? len : len + (size_t)n;
	if (len >= sizeof(line) - 1)
		len = sizeof(line) - 2;
	if (suffix != NULL) {
		n = snprintf(line + len, sizeof(line) - len, ": %s", suffix);
		len = n < 0 ? len : len + (size_t)n;
		if (len >= sizeof(line) - 1)
			len = sizeof(line) - 2;
	}
	line[len++] = '\n';
	(void)!write(STDERR_FILENO, line, len);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[128];
	int	 saved = errno;

	va_start(ap, fmt);
	log_emit("", strerror_r(saved, buf, sizeof(buf)), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_emit("", NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	if (log_is_quiet)
		return;
	va_start(ap, fmt);
	log_emit("", NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_is_verbose)
		return;
	va_start(ap, fmt);
	log_emit("debug: ", NULL, fmt, ap);
	va_end(ap);
}
