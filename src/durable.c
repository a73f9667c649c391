/*
 * durable.c: write a file whole and durably (see durable.h).
 *
 * The temp file is "<path>.XXXXXX", made by mkostemp (O_EXCL, mode 0600
 * until fchmod), so a half-written file is never at path and never
 * readable by others on the way.  Exclusive creation links the temp file
 * to path instead of renaming it: link(2) fails if path exists, so two
 * writers racing to create one file agree on whichever came first.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imaged/durable.h"

#define NS_PER_S	1000000000L

static bool
write_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return false;
		}
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static bool
ts_after(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

/*
 * Make the mtime of the file fd later than old.  File times come from a
 * clock that ticks every few milliseconds, so two rewrites often share
 * one; the file's own mtime is compared, and pushed 1 ns past old, or 1 s
 * on file systems that keep whole seconds.  False with errno on failure.
 */
static bool
advance_mtime(int fd, const struct timespec *old)
{
	static const long	 step_ns[] = { 1, NS_PER_S };
	struct timespec		 times[2];
	struct stat		 st;
	size_t			 i;

	for (i = 0;; i++) {
		if (fstat(fd, &st) == -1)
			return false;
		if (ts_after(&st.st_mtim, old) ||
		    i == sizeof(step_ns) / sizeof(step_ns[0]))
			return true;
		times[0].tv_sec = 0;
		times[0].tv_nsec = UTIME_OMIT;
		times[1] = *old;
		times[1].tv_nsec += step_ns[i];
		while (times[1].tv_nsec >= NS_PER_S) {
			times[1].tv_sec++;
			times[1].tv_nsec -= NS_PER_S;
		}
		if (futimens(fd, times) == -1)
			return false;
	}
}

/* fsync the folder holding path.  False with errno on failure. */
static bool
sync_folder(const char *path)
{
	const char	*slash = strrchr(path, '/');
	char		*dir;
	int		 fd, saved;
	bool		 ok;

	if (slash == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return false;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd == -1)
		return false;
	ok = fsync(fd) == 0;
	saved = errno;
	close(fd);
	errno = saved;
	return ok;
}

/* Give the new file its mode, owner, contents and mtime; then fsync it. */
static bool
fill(int fd, const void *data, size_t len, const struct durable_opts *o)
{
	const struct stat	*old = o->replaces;

	if (fchmod(fd, o->mode) == -1)
		return false;
	if (old != NULL && geteuid() == 0 &&
	    fchown(fd, old->st_uid, old->st_gid) == -1)
		return false;
	if (!write_all(fd, data, len))
		return false;
	if (old != NULL && !advance_mtime(fd, &old->st_mtim))
		return false;
	return o->transient || fsync(fd) == 0;
}

enum img_err
durable_write(const char *path, const void *data, size_t len,
    const struct durable_opts *o, char *msg, size_t msglen)
{
	char			*tmp = NULL;
	size_t			 tmplen;
	int			 fd = -1, saved;

	tmplen = strlen(path) + sizeof(".XXXXXX");
	if ((tmp = malloc(tmplen)) == NULL) {
		if (msg != NULL)
			snprintf(msg, msglen, "out of memory");
		return IMG_ENOMEM;
	}
	snprintf(tmp, tmplen, "%s.XXXXXX", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		saved = errno;
		if (msg != NULL)
			snprintf(msg, msglen, "%s: %s", tmp, strerror(saved));
		free(tmp);
		errno = saved;
		return IMG_EUNAVAIL;
	}
	if (!fill(fd, data, len, o))
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (o->exclusive) {
		if (link(tmp, path) == -1)
			goto fail;
		unlink(tmp);
	} else if (rename(tmp, path) == -1)
		goto fail;
	if (!o->transient && !sync_folder(path)) {
		/* In place but maybe not durable: say so, it is not undone. */
		saved = errno;
		if (msg != NULL)
			snprintf(msg, msglen, "fsync of the folder: %s",
			    strerror(saved));
		free(tmp);
		errno = saved;
		return IMG_EUNAVAIL;
	}
	free(tmp);
	return IMG_OK;
fail:
	saved = errno;
	if (msg != NULL)
		snprintf(msg, msglen, "%s: %s",
		    o->exclusive && saved == EEXIST ? path : tmp,
		    strerror(saved));
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	errno = saved;
	return IMG_EUNAVAIL;
}
