/*
 * notify.c: the sd_notify datagram protocol, directly.
 *
 * The manager names a Unix datagram socket in NOTIFY_SOCKET: a file
 * system path, or '@' then the name of a socket in the abstract namespace
 * (the '@' becomes a NUL byte in the address, and the name's length,
 * not a terminator, ends it).  A message is newline-separated KEY=VALUE
 * lines in one datagram; nothing comes back.  The socket is opened for
 * each message and closed after it: there are a handful of messages in a
 * daemon's life, and no descriptor is held across a fork or a test.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaged/log.h"
#include "imaged/notify.h"

#define NOTIFY_MSG_MAX	1024

bool
notify_send(const char *socket_name, const char *msg)
{
	struct sockaddr_un	 sun;
	socklen_t		 alen;
	size_t			 nlen, mlen;
	ssize_t			 n;
	int			 fd;

	if (socket_name == NULL || *socket_name == '\0')
		return true;
	nlen = strlen(socket_name);
	/* A path, or an abstract name: nothing else (no "vsock:"). */
	if ((socket_name[0] != '/' && socket_name[0] != '@') || nlen < 2 ||
	    nlen >= sizeof(sun.sun_path)) {
		errno = EINVAL;
		return false;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, socket_name, nlen);
	if (socket_name[0] == '@') {
		sun.sun_path[0] = '\0';
		alen =
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + nlen);
	} else
		alen = (socklen_t)sizeof(sun);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return false;
	mlen = strlen(msg);
	n = sendto(fd, msg, mlen, MSG_NOSIGNAL, (struct sockaddr *)&sun, alen);
	close(fd);
	if (n == -1)
		return false;
	if ((size_t)n != mlen) {
		errno = EMSGSIZE;
		return false;
	}
	return true;
}

void
notify_status(const char *state, const char *fmt, ...)
{
	const char	*sock = getenv("NOTIFY_SOCKET");
	char		 msg[NOTIFY_MSG_MAX];
	va_list		 ap;
	int		 n;

	if (sock == NULL || *sock == '\0')
		return;
	n = snprintf(msg, sizeof(msg), "%s%sSTATUS=",
	    state != NULL ? state : "",
	    state != NULL && *state != '\0' ? "\n" : "");
	if (n < 0 || (size_t)n >= sizeof(msg))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	/*
	 * A STATUS line is one line: a newline in it would start
	 * another key.
	 */
	for (char *p = msg + n; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
	if (!notify_send(sock, msg))
		log_warn("NOTIFY_SOCKET %s", sock);
}
