/*
 * check_notify.c: the sd_notify datagrams, received on a socket of the
 * test's own, by path and in the abstract namespace.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaged/notify.h"

Suite	*notify_suite(void);

/* Bind a datagram socket at name (NOTIFY_SOCKET's form). */
static int
listen_at(const char *name)
{
	struct sockaddr_un	 sun;
	socklen_t		 alen;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, name, strlen(name));
	alen = sizeof(sun);
	if (name[0] == '@') {
		sun.sun_path[0] = '\0';
		alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    strlen(name));
	}
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, alen), 0);
	return fd;
}

static void
receive(int fd, char *out, size_t len)
{
	ssize_t	 n = recv(fd, out, len - 1, MSG_DONTWAIT);

	ck_assert_int_gt(n, 0);
	out[n] = '\0';
}

START_TEST(test_path_socket)
{
	char	 dir[] = "/tmp/notify-XXXXXX", path[64], got[256];
	int	 fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listen_at(path);
	ck_assert(notify_send(path, "READY=1\nSTATUS=serving"));
	receive(fd, got, sizeof(got));
	ck_assert_str_eq(got, "READY=1\nSTATUS=serving");

	setenv("NOTIFY_SOCKET", path, 1);
	notify_status("STOPPING=1", "stopping (signal %d)", 15);
	receive(fd, got, sizeof(got));
	ck_assert_str_eq(got, "STOPPING=1\nSTATUS=stopping (signal 15)");
	/* A newline in the status cannot start another key. */
	notify_status(NULL, "two\nlines");
	receive(fd, got, sizeof(got));
	ck_assert_str_eq(got, "STATUS=two lines");
	unsetenv("NOTIFY_SOCKET");
	close(fd);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_abstract_socket)
{
	char	 name[64], got[256];
	int	 fd;

	snprintf(name, sizeof(name), "@imaged-notify-test-%ld", (long)getpid());
	fd = listen_at(name);
	ck_assert(notify_send(name, "READY=1"));
	receive(fd, got, sizeof(got));
	ck_assert_str_eq(got, "READY=1");
	close(fd);
}
END_TEST

START_TEST(test_no_socket)
{
	/* Without a manager, nothing is sent and nothing fails. */
	ck_assert(notify_send(NULL, "READY=1"));
	ck_assert(notify_send("", "READY=1"));
	unsetenv("NOTIFY_SOCKET");
	notify_status("READY=1", "serving");
	/* Names that are neither a path nor an abstract name are refused. */
	errno = 0;
	ck_assert(!notify_send("relative/path", "READY=1"));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert(!notify_send("@", "READY=1"));
	ck_assert(!notify_send("vsock:2:1234", "READY=1"));
	/* A path where nobody listens fails, with errno from the kernel. */
	ck_assert(!notify_send("/nonexistent/notify", "READY=1"));
}
END_TEST

Suite *
notify_suite(void)
{
	Suite	*s = suite_create("notify");
	TCase	*tc = tcase_create("notify");

	tcase_add_test(tc, test_path_socket);
	tcase_add_test(tc, test_abstract_socket);
	tcase_add_test(tc, test_no_socket);
	suite_add_tcase(s, tc);
	return s;
}
