/*
 * dataio.h: what `imaged export`, `imaged import` and `imaged backup`
 * share: progress on a terminal, the one-line summary (or its JSON), and
 * the checks on the folders they are given.
 *
 * Progress goes to a terminal only (the caller passes NULL otherwise) and
 * is one line rewritten in place at most a few times a second: items,
 * bytes, rate and, when the total is known, the time left.
 */
#ifndef IMAGED_DATAIO_H
#define IMAGED_DATAIO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>


struct dataio_progress {
	FILE		*tty;		/* NULL: quiet */
	const char	*verb;		/* "exported" */
	uint64_t	 total;		/* items expected, 0: unknown */
	uint64_t	 items, bytes;
	struct timespec	 start;
	int64_t		 shown_ms;	/* when the line was last drawn */
};

void	 dataio_progress_init(struct dataio_progress *, const char *verb,
	    uint64_t total, FILE *tty);
/* Count items and bytes done, redrawing the line when it is due. */
void	 dataio_progress_add(struct dataio_progress *, uint64_t items,
	    uint64_t bytes);
/* Clear the line (before the summary). */
void	 dataio_progress_end(struct dataio_progress *);
/* Seconds since init. */
double	 dataio_elapsed(const struct dataio_progress *);

/*
 * Print the summary of a command: with json, the object fields (stolen)
 * with the command, items, bytes, seconds and rates added, on one line;
 * else text followed by the rates in parentheses.
 */
void	 dataio_summary(FILE *out, bool json, const char *command,
	    const struct dataio_progress *, json_t *fields, const char *text);

/* What is at a path given for output. */
enum dataio_dir {
	DATAIO_MISSING,
	DATAIO_EMPTY,		/* an empty folder */
	DATAIO_FULL,		/* a folder with entries */
	DATAIO_NOTDIR,
	DATAIO_ERROR		/* errno says why */
};
enum dataio_dir	 dataio_dir_state(const char *path);

/*
 * Whether path (which need not exist yet, though its parent must) is dir
 * or lies inside it, symlinks resolved.  False when either cannot be
 * resolved.
 */
bool	 dataio_inside(const char *path, const char *dir);

/* Remove a tree (files, folders, symlinks not followed).  Best effort. */
void	 dataio_remove_tree(const char *path);

#endif
