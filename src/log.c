/*
 * log.c: stderr logging, text or JSON lines.  The verbosity and format
 * are set at start-up, before any server thread exists, and only read
 * afterwards.
 *
 * A line is built in a fixed buffer and written with one write(2); what
 * does not fit is cut, never spread over two lines.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imaged/log.h"

#define LINE_MAX_BYTES	2048
#define FIELD_MAX	600	/* escaped bytes of one outside field */

static bool		 log_is_verbose;
static bool		 log_is_quiet;
static enum log_format	 log_format_in_use;

void
log_init(bool verbose)
{
	log_is_verbose = verbose;
}

void
log_set_format(enum log_format f)
{
	log_format_in_use = f;
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

/* A line under construction: text appended, cut at the end of out. */
struct line {
	char	*out;
	size_t	 len, cap;	/* cap keeps room for "...\n" and a NUL */
	bool	 cut;
};

static void
put(struct line *l, const char *s, size_t n)
{
	if (n > l->cap - l->len) {
		n = l->cap - l->len;
		l->cut = true;
	}
	memcpy(l->out + l->len, s, n);
	l->len += n;
}

static void
puts_(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

/*
 * Outside text, at most max bytes of it once escaped: printable ASCII as
 * it is, except the quote and the backslash; everything else as \xHH.
 * A space is escaped too in text, where it separates the fields.  In JSON
 * the backslash of \xHH is itself escaped, so that the value reads back
 * as the same text.
 */
static void
put_escaped(struct line *l, const char *s, size_t max, bool json)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p;
	size_t			 used = 0;
	char			 esc[6];
	size_t			 n;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p >= (json ? 0x20 : 0x21) && *p < 0x7f && *p != '"' &&
		    *p != '\\') {
			esc[0] = (char)*p;
			n = 1;
		} else {
			n = 0;
			esc[n++] = '\\';
			if (json)
				esc[n++] = '\\';
			esc[n++] = 'x';
			esc[n++] = hex[*p >> 4];
			esc[n++] = hex[*p & 0xf];
		}
		if (used + n > max) {
			puts_(l, "...");
			return;
		}
		put(l, esc, n);
		used += n;
	}
}

/* A message in text: as it is, but a control byte as \xHH (one line). */
static void
put_controls_escaped(struct line *l, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const char		*p, *run = s;
	char			 esc[4] = { '\\', 'x', 0, 0 };

	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x20 && *p != 0x7f)
			continue;
		put(l, run, (size_t)(p - run));
		esc[2] = hex[(unsigned char)*p >> 4];
		esc[3] = hex[*p & 0xf];
		put(l, esc, sizeof(esc));
		run = p + 1;
	}
	put(l, run, (size_t)(p - run));
}

/* The decimal digits of v, zeros in front up to width of them. */
static void
put_uint(struct line *l, uint64_t v, int width)
{
	char	 tmp[24];
	size_t	 i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 || (int)(sizeof(tmp) - i) < width);
	put(l, tmp + i, sizeof(tmp) - i);
}

/*
 * The time's seconds as text, kept by each thread: every access line
 * writes the time, and within a second only its milliseconds change.
 */
struct time_text {
	time_t	 sec;
	bool	 valid;
	size_t	 len;
	char	 text[40];
};

static _Thread_local struct time_text	 time_cache;

/* "2026-12-06T18:20:00.123Z" */
static void
put_time(struct line *l, const struct timespec *ts)
{
	struct time_text	*c = &time_cache;
	struct tm		 tm;

	if (!c->valid || c->sec != ts->tv_sec) {
		gmtime_r(&ts->tv_sec, &tm);
		c->len = strftime(c->text, sizeof(c->text),
		    "%Y-%m-%dT%H:%M:%S", &tm);
		c->sec = ts->tv_sec;
		c->valid = true;
	}
	put(l, c->text, c->len);
	put(l, ".", 1);
	put_uint(l, (uint64_t)(ts->tv_nsec / 1000000), 3);
	put(l, "Z", 1);
}

/* The status, the body's bytes and the time taken in ms: no printf. */
static void
put_outcome(struct line *l, const struct access_entry *a, bool json)
{
	if (json)
		puts_(l, "\", \"status\": ");
	else
		puts_(l, " ");
	if (a->status < 0)
		put(l, "-", 1);
	put_uint(l, (uint64_t)(a->status < 0 ? -(int64_t)a->status :
	    a->status), 1);
	puts_(l, json ? ", \"bytes\": " : " ");
	put_uint(l, a->bytes, 1);
	puts_(l, json ? ", \"duration_ms\": " : " ");
	/* as %.3f of usec / 1000.0 wrote it */
	put_uint(l, a->usec / 1000, 1);
	put(l, ".", 1);
	put_uint(l, a->usec % 1000, 3);
	puts_(l, json ? "}" : "ms");
}

static size_t
end_line(struct line *l)
{
	if (l->cut) {
		memcpy(l->out + l->len, "...", 3);
		l->len += 3;
	}
	l->out[l->len++] = '\n';
	l->out[l->len] = '\0';
	return l->len;
}

size_t
log_access_format(enum log_format f, const struct access_entry *a, char *out,
    size_t len)
{
	struct line	 l = { out, 0, len - 5, false };
	bool		 json = f == LOG_FORMAT_JSON;

	if (json) {
		puts_(&l, "{\"time\": \"");
		put_time(&l, &a->time);
		puts_(&l, "\", \"client\": \"");
		put_escaped(&l, a->client, 64, true);
		puts_(&l, "\", \"request_id\": \"");
		put_escaped(&l, a->request_id, 256, true);
		puts_(&l, "\", \"method\": \"");
		put_escaped(&l, a->method, 16, true);
		puts_(&l, "\", \"path\": \"");
		put_escaped(&l, a->path, FIELD_MAX, true);
		put_outcome(&l, a, true);
		/* A cut JSON line would not parse: cut fields, not the line. */
		l.cut = false;
	} else {
		puts_(&l, "imaged: ");
		put_time(&l, &a->time);
		puts_(&l, " ");
		put_escaped(&l, a->client, 64, false);
		puts_(&l, " ");
		put_escaped(&l, a->request_id, 256, false);
		puts_(&l, " ");
		put_escaped(&l, a->method, 16, false);
		puts_(&l, " ");
		put_escaped(&l, a->path, FIELD_MAX, false);
		put_outcome(&l, a, false);
	}
	return end_line(&l);
}

void
log_access(const struct access_entry *a)
{
	char	 line[LINE_MAX_BYTES];
	size_t	 n;

	if (log_is_quiet)
		return;
	n = log_access_format(log_format_in_use, a, line, sizeof(line));
	(void)!write(STDERR_FILENO, line, n);
}

static void
log_emit(const char *level, const char *suffix, const char *fmt, va_list ap)
{
	char		 msg[1024], line[LINE_MAX_BYTES];
	struct line	 l = { line, 0, sizeof(line) - 5, false };
	struct timespec	 now;
	int		 n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		msg[0] = '\0';
	if (log_format_in_use == LOG_FORMAT_JSON) {
		clock_gettime(CLOCK_REALTIME, &now);
		puts_(&l, "{\"time\": \"");
		put_time(&l, &now);
		puts_(&l, "\", \"level\": \"");
		puts_(&l, level);
		puts_(&l, "\", \"message\": \"");
		put_escaped(&l, msg, sizeof(line) / 2, true);
		if (suffix != NULL) {
			puts_(&l, ": ");
			put_escaped(&l, suffix, 200, true);
		}
		puts_(&l, "\"}");
		l.cut = false;
	} else {
		puts_(&l, "imaged: ");
		if (strcmp(level, "debug") == 0)
			puts_(&l, "debug: ");
		put_controls_escaped(&l, msg);
		if (suffix != NULL) {
			puts_(&l, ": ");
			put_controls_escaped(&l, suffix);
		}
	}
	n = (int)end_line(&l);
	(void)!write(STDERR_FILENO, line, (size_t)n);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[128];
	int	 saved = errno;

	va_start(ap, fmt);
	log_emit("warning", strerror_r(saved, buf, sizeof(buf)), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_emit("warning", NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	if (log_is_quiet)
		return;
	va_start(ap, fmt);
	log_emit("info", NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_is_verbose)
		return;
	va_start(ap, fmt);
	log_emit("debug", NULL, fmt, ap);
	va_end(ap);
}
