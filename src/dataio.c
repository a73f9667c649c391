/*
 * dataio.c: progress, summaries and folder checks for the commands that
 * move data in and out (export, import, backup).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaged/dataio.h"

#define PROGRESS_EVERY_MS	250

static int64_t
mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
dataio_progress_init(struct dataio_progress *p, const char *verb,
    uint64_t total, FILE *tty)
{
	memset(p, 0, sizeof(*p));
	p->tty = tty;
	p->verb = verb;
	p->total = total;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->shown_ms = mono_ms();
}

double
dataio_elapsed(const struct dataio_progress *p)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - p->start.tv_sec) +
	    (double)(now.tv_nsec - p->start.tv_nsec) / 1e9;
}

void
dataio_progress_add(struct dataio_progress *p, uint64_t items, uint64_t bytes)
{
	double		 s, rate;
	int64_t		 now;

	p->items += items;
	p->bytes += bytes;
	if (p->tty == NULL ||
	    (now = mono_ms()) - p->shown_ms < PROGRESS_EVERY_MS)
		return;
	p->shown_ms = now;
	s = dataio_elapsed(p);
	rate = s > 0 ? (double)p->items / s : 0;
	fprintf(p->tty, "\r%s %" PRIu64, p->verb, p->items);
	if (p->total > 0)
		fprintf(p->tty, "/%" PRIu64, p->total);
	fprintf(p->tty, " images, %.1f MB, %.0f images/s, %.1f MB/s",
	    (double)p->bytes / 1e6, rate,
	    s > 0 ? (double)p->bytes / 1e6 / s : 0);
	if (p->total > p->items && rate > 0)
		fprintf(p->tty, ", %.0f s left",
		    (double)(p->total - p->items) / rate);
	fputs("\033[K", p->tty);
	fflush(p->tty);
}

void
dataio_progress_end(struct dataio_progress *p)
{
	if (p->tty != NULL) {
		fputs("\r\033[K", p->tty);
		fflush(p->tty);
	}
}

void
dataio_summary(FILE *out, bool json, const char *command,
    const struct dataio_progress *p, json_t *fields, const char *text)
{
	double	 s = dataio_elapsed(p);
	double	 ips = s > 0 ? (double)p->items / s : 0;
	double	 mbps = s > 0 ? (double)p->bytes / 1e6 / s : 0;
	char	*line;

	if (!json) {
		fprintf(out, "%s (%.2f s, %.0f images/s, %.1f MB/s)\n", text, s,
		    ips, mbps);
		json_decref(fields);
		return;
	}
	if (fields == NULL)
		fields = json_object();
	json_object_set_new(fields, "command", json_string(command));
	json_object_set_new(fields, "images",
	    json_integer((json_int_t)p->items));
	json_object_set_new(fields, "bytes",
	    json_integer((json_int_t)p->bytes));
	json_object_set_new(fields, "seconds", json_real(s));
	json_object_set_new(fields, "images_per_second", json_real(ips));
	json_object_set_new(fields, "mb_per_second", json_real(mbps));
	if ((line = json_dumps(fields, JSON_COMPACT | JSON_SORT_KEYS)) != NULL)
		fprintf(out, "%s\n", line);
	free(line);
	json_decref(fields);
}

enum dataio_dir
dataio_dir_state(const char *path)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	enum dataio_dir	 state = DATAIO_EMPTY;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? DATAIO_MISSING : DATAIO_ERROR;
	if (!S_ISDIR(st.st_mode))
		return DATAIO_NOTDIR;
	if ((d = opendir(path)) == NULL)
		return DATAIO_ERROR;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			state = DATAIO_FULL;
			break;
		}
	closedir(d);
	return state;
}

/* The real path of path, or of its parent joined with its last component. */
static bool
resolve(const char *path, char out[PATH_MAX])
{
	char	 a[PATH_MAX], b[PATH_MAX], parent[PATH_MAX];
	int	 n;

	if (realpath(path, out) != NULL)
		return true;
	if (errno != ENOENT || strlen(path) >= PATH_MAX)
		return false;
	memcpy(a, path, strlen(path) + 1);
	memcpy(b, path, strlen(path) + 1);
	if (realpath(dirname(a), parent) == NULL)
		return false;
	n = snprintf(out, PATH_MAX, "%s/%s", strcmp(parent, "/") == 0 ? "" :
	    parent, basename(b));
	return n > 0 && n < PATH_MAX;
}

bool
dataio_inside(const char *path, const char *dir)
{
	char	 p[PATH_MAX], d[PATH_MAX];
	size_t	 n;

	if (!resolve(path, p) || !resolve(dir, d))
		return false;
	n = strlen(d);
	return strncmp(p, d, n) == 0 && (p[n] == '\0' || p[n] == '/' ||
	    strcmp(d, "/") == 0);
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	(void)remove(path);
	return 0;
}

void
dataio_remove_tree(const char *path)
{
	(void)nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
