/*
 * ceiling.c: the bare durable-write rates that imaged's write paths are
 * measured against, done with nothing but the syscalls or SQLite calls the
 * work itself needs.  Not linked with imaged's sources.
 *
 *	ceiling fsync DIR SIZE CLIENTS SECONDS
 *		CLIENTS threads each loop: write SIZE bytes to a new file in
 *		DIR, fsync it, rename it to its final name, fsync DIR.
 *	ceiling sqlite DIR SECONDS
 *		one connection to DIR/ceiling.db (WAL, synchronous=FULL)
 *		alternates a one-row INSERT and a one-row DELETE, each its own
 *		transaction.
 *
 * Prints one line, the operations (files, or commits) per second.  Files
 * are left in DIR for the caller to remove.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXCLIENTS	64

struct fsync_job {
	const char	*dir;
	const char	*data;
	size_t		 size;
	double		 deadline;
	int		 id;
	unsigned long	 done;
	int		 failed;
};

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void *
fsync_loop(void *arg)
{
	struct fsync_job	*j = arg;
	char			 tmp[4096], fin[4096];
	int			 dfd, fd = -1;

	if ((dfd = open(j->dir, O_RDONLY | O_DIRECTORY)) < 0) {
		j->failed = 1;
		goto done;
	}
	while (now() < j->deadline) {
		snprintf(tmp, sizeof(tmp), "%s/.tmp-%d-%lu", j->dir, j->id,
		    j->done);
		snprintf(fin, sizeof(fin), "%s/f-%d-%lu", j->dir, j->id,
		    j->done);
		if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0644)) < 0 ||
		    write_all(fd, j->data, j->size) != 0 || fsync(fd) != 0 ||
		    close(fd) != 0 || rename(tmp, fin) != 0 ||
		    fsync(dfd) != 0) {
			j->failed = 1;
			goto done;
		}
		fd = -1;
		j->done++;
	}
done:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	return NULL;
}

static int
run_fsync(const char *dir, size_t size, int clients, double secs)
{
	struct fsync_job	 jobs[MAXCLIENTS];
	pthread_t		 th[MAXCLIENTS];
	char			*data;
	unsigned long		 total = 0;
	double			 t0, t1;
	size_t			 i;
	int			 k, ret = 1;

	if ((data = malloc(size)) == NULL)
		return 1;
	for (i = 0; i < size; i++)
		data[i] = (char)(i * 131 + (i >> 9));
	t0 = now();
	for (k = 0; k < clients; k++) {
		jobs[k] = (struct fsync_job){ .dir = dir, .data = data,
		    .size = size, .deadline = t0 + secs, .id = k };
		if (pthread_create(&th[k], NULL, fsync_loop, &jobs[k]) != 0) {
			clients = k;
			break;
		}
	}
	for (k = 0; k < clients; k++) {
		pthread_join(th[k], NULL);
		if (jobs[k].failed)
			perror("ceiling fsync");
		total += jobs[k].done;
	}
	t1 = now();
	if (total > 0) {
		printf("%.1f\n", (double)total / (t1 - t0));
		ret = 0;
	}
	free(data);
	return ret;
}

static int
run_sqlite(const char *dir, double secs)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*ins = NULL, *del = NULL;
	char		 path[4096], id[40], body[512];
	unsigned long	 n = 0;
	double		 t0, t1, deadline;
	int		 ret = 1;

	snprintf(path, sizeof(path), "%s/ceiling.db", dir);
	memset(body, 'x', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; "
	    "PRAGMA synchronous=FULL; "
	    "CREATE TABLE IF NOT EXISTS t(id TEXT PRIMARY KEY, body TEXT)",
	    NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO t(id, body) VALUES (?, ?)",
	    -1, &ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "DELETE FROM t WHERE id = ?", -1, &del,
	    NULL) != SQLITE_OK)
		goto done;
	t0 = now();
	deadline = t0 + secs;
	while (now() < deadline) {
		snprintf(id, sizeof(id), "row-%lu", n);
		sqlite3_bind_text(ins, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, body, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto done;
		sqlite3_reset(ins);
		sqlite3_bind_text(del, 1, id, -1, SQLITE_STATIC);
		if (sqlite3_step(del) != SQLITE_DONE)
			goto done;
		sqlite3_reset(del);
		n += 2;
	}
	t1 = now();
	printf("%.1f\n", (double)n / (t1 - t0));
	ret = 0;
done:
	if (ret != 0)
		fprintf(stderr, "ceiling sqlite: %s\n",
		    db ? sqlite3_errmsg(db) : "cannot open");
	sqlite3_finalize(ins);
	sqlite3_finalize(del);
	sqlite3_close(db);
	return ret;
}

static long
number(const char *s, long lo, long hi)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "ceiling: bad number %s\n", s);
		exit(2);
	}
	return v;
}

int
main(int argc, char *argv[])
{
	if (argc == 6 && strcmp(argv[1], "fsync") == 0)
		return run_fsync(argv[2], (size_t)number(argv[3], 1, 1L << 30),
		    (int)number(argv[4], 1, MAXCLIENTS),
		    (double)number(argv[5], 1, 3600));
	if (argc == 4 && strcmp(argv[1], "sqlite") == 0)
		return run_sqlite(argv[2], (double)number(argv[3], 1, 3600));
	fprintf(stderr, "usage: ceiling fsync DIR SIZE CLIENTS SECONDS\n"
	    "       ceiling sqlite DIR SECONDS\n");
	return 2;
}
