/*
 * log.h: one-line logging to stderr (after OpenBSD httpd's log.c).
 *
 * log_warn() appends strerror(errno); log_warnx() does not.  log_debug()
 * prints only when verbose logging is on.  Lines are written with a single
 * write(2), so lines from concurrent threads never interleave.  Never log
 * keys, signatures, tokens or whole signed URLs.
 */
#ifndef IMAGED_LOG_H
#define IMAGED_LOG_H

#include <stdbool.h>

void	log_init(bool verbose);
/* Quiet: only warnings (tests that start servers keep their output short). */
void	log_quiet(bool quiet);
bool	log_verbose(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
