/*
 * ephemeral.c: make, own and clean up --ephemeral data dirs (see
 * ephemeral.h).  The owner is told apart from a later process that got
 * the same pid by its start time, field 22 of /proc/<pid>/stat.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaged/ephemeral.h"
#include "imaged/log.h"

#define PREFIX		"imaged-"
#define OWNER_FILE	"ephemeral.owner"

/* The start time of pid (clock ticks since boot), or 0 when unknown. */
static unsigned long long
start_time(pid_t pid)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 t = 0;
	size_t			 n;
	FILE			*fp;
	int			 field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* The command name, field 2, may hold spaces: count after its ')'. */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	for (field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p != NULL)
		t = strtoull(p + 1, NULL, 10);
	return t;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

void
ephemeral_remove(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Whether the owner file in dir names a process that is gone. */
static bool
stale(const char *dir)
{
	char			 path[PATH_MAX + 400];
	long			 pid;
	unsigned long long	 t;
	FILE			*fp;
	int			 n;

	snprintf(path, sizeof(path), "%s/%s", dir, OWNER_FILE);
	if ((fp = fopen(path, "r")) == NULL)
		return false;	/* no proof: maybe being made right now */
	n = fscanf(fp, "%ld %llu", &pid, &t);
	fclose(fp);
	if (n != 2 || pid <= 0 || (pid_t)pid == getpid())
		return false;
	if (kill((pid_t)pid, 0) == -1)
		return errno == ESRCH;
	/* Alive, or the pid came back for another process. */
	return t != 0 && start_time((pid_t)pid) != t;
}

/* Remove the stale dirs of ours (this user's) under tmpdir. */
static void
sweep(const char *tmpdir)
{
	char		 path[PATH_MAX + 300];
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;

	if ((d = opendir(tmpdir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, PREFIX, sizeof(PREFIX) - 1) != 0 ||
		    strlen(de->d_name) != sizeof(PREFIX) - 1 + 6)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		if (lstat(path, &st) == -1 || !S_ISDIR(st.st_mode) ||
		    st.st_uid != geteuid() || !stale(path))
			continue;
		ephemeral_remove(path);
		log_info("removed %s, left by process that is gone", path);
	}
	closedir(d);
}

enum img_err
ephemeral_make(const char *tmpdir, char *dir, size_t dirlen)
{
	char	 path[PATH_MAX + 32];
	FILE	*fp;

	sweep(tmpdir);
	snprintf(dir, dirlen, "%s/%sXXXXXX", tmpdir, PREFIX);
	if (mkdtemp(dir) == NULL) {
		log_warn("%s", dir);
		return IMG_EUNAVAIL;
	}
	/* No fsync: after a crash of the machine, /tmp is a new one anyway. */
	snprintf(path, sizeof(path), "%s/%s", dir, OWNER_FILE);
	if ((fp = fopen(path, "wx")) == NULL ||
	    fprintf(fp, "%ld %llu\n", (long)getpid(),
	    start_time(getpid())) < 0 ||
	    fclose(fp) != 0) {
		log_warn("%s", path);
		ephemeral_remove(dir);
		return IMG_EUNAVAIL;
	}
	return IMG_OK;
}
