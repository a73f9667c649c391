/*
 * stalled.c: clients that ask and never read.
 *
 *	stalled PORT PATH N SECONDS
 *
 * Opens N connections to 127.0.0.1:PORT with a small receive buffer, sends
 * "GET PATH" on each, then holds them all SECONDS seconds without reading a
 * byte, and closes them.  Prints how many connections it held.  The caller
 * watches the server's memory meanwhile (tests/bench/stalled.sh).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NMAX	1024

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 sin;
	char			 req[1024];
	int			 fds[NMAX], n, held = 0, i, len, rcvbuf = 4096;

	if (argc != 5 || (n = atoi(argv[3])) < 1 || n > NMAX) {
		fprintf(stderr, "usage: stalled PORT PATH N SECONDS\n");
		return 2;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	len = snprintf(req, sizeof(req),
	    "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", argv[2]);
	for (i = 0; i < n; i++) {
		if ((fds[i] = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			break;
		/* Before connect, so the window the server sees stays small. */
		setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf));
		if (connect(fds[i], (struct sockaddr *)&sin,
		    sizeof(sin)) == -1 ||
		    write(fds[i], req, (size_t)len) != len) {
			close(fds[i]);
			break;
		}
		held++;
	}
	printf("%d\n", held);
	fflush(stdout);
	sleep((unsigned)atoi(argv[4]));
	for (i = 0; i < held; i++)
		close(fds[i]);
	return held == n ? 0 : 1;
}
