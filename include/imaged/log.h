/*
 * log.h: one-line logging to stderr (after OpenBSD httpd's log.c).
 *
 * log_warn() appends strerror(errno); log_warnx() does not.  log_debug()
 * prints only when verbose logging is on.  Lines are written with a single
 * write(2), so lines from concurrent threads never interleave.  Never log
 * keys, signatures, tokens or whole signed URLs.
 *
 * Two formats (the log_format setting): text, "imaged: message" lines; or
 * JSON, one object per line that jq reads, {"time", "level", "message"}
 * for messages and the access fields for access lines.  Every byte of
 * outside text (paths, ids) that is not printable ASCII is escaped as
 * \xHH, in both formats, so that a line is one line and a field one field.
 */
#ifndef IMAGED_LOG_H
#define IMAGED_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum log_format {
	LOG_FORMAT_TEXT = 0,
	LOG_FORMAT_JSON
};

/* One request, as its access line tells it. */
struct access_entry {
	struct timespec	 time;		/* CLOCK_REALTIME at its end */
	const char	*client;	/* address, "-" if unknown */
	const char	*request_id;
	const char	*method;
	const char	*path;		/* as sent, without the query */
	int		 status;
	uint64_t	 bytes;		/* body bytes answered */
	uint64_t	 usec;		/* from its first byte to its end */
};

/* Set at start-up, before any thread logs. */
void	log_init(bool verbose);
void	log_set_format(enum log_format);
/* Quiet: only warnings (tests that start servers keep their output short). */
void	log_quiet(bool quiet);
bool	log_verbose(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));

/* The access line of a request (unless quiet). */
void	log_access(const struct access_entry *);
/*
 * Format an access line, newline included, into out (len bytes, at least
 * LOG_LINE_MIN), NUL-terminated; its length.  Long fields are cut, marked
 * "...".  For tests and the fuzzer.
 */
size_t	log_access_format(enum log_format, const struct access_entry *,
	    char *out, size_t len);
#define LOG_LINE_MIN	512

#endif
