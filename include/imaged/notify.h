/*
 * notify.h: readiness and status for a service manager (systemd's
 * sd_notify protocol, spoken directly: no libsystemd).
 *
 * With NOTIFY_SOCKET set in the environment (a path, or '@' and the name
 * of an abstract socket), each call sends one datagram of newline-separated
 * KEY=VALUE lines to it: READY=1 once the daemon answers, STATUS=... as
 * its state changes, STOPPING=1 when it begins to stop.  Without the
 * variable every call is a no-op, so a daemon started by hand or by a test
 * behaves the same.  No state is kept between calls; thread-safe.
 */
#ifndef IMAGED_NOTIFY_H
#define IMAGED_NOTIFY_H

#include <stdbool.h>

/*
 * Send msg ("READY=1\nSTATUS=serving") to the socket named by socket_name
 * (NOTIFY_SOCKET's form).  True once sent; false, with errno set, when the
 * name is not a usable socket name or the send failed.  A NULL or empty
 * socket_name sends nothing and is true.
 */
bool	notify_send(const char *socket_name, const char *msg);

/*
 * notify_send() to $NOTIFY_SOCKET with a STATUS= line built from fmt
 * after the lines of state (may be NULL or ""), for example
 * notify_status("READY=1", "serving on %s", url).  Failures are logged
 * once per call and otherwise ignored: the manager's view is a courtesy,
 * not a condition of serving.
 */
void	notify_status(const char *state, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
