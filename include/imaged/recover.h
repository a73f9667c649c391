/*
 * recover.h: finish or undo what a crash left half done, and nothing else.
 *
 * Three things can be half done, and each leaves a durable record of its
 * own, so a start reads only those records (tmp/ and the catalog's
 * pending files and removals), never the bucket:
 * - an upload whose row committed while its file was being synced: the
 *   row is marked until the file is durable.  A marked row whose file is
 *   whole (its size and SHA-256) stays, and the file is synced; else the
 *   row goes (no 201 was sent for it), and the temp name below undoes
 *   the file.
 * - an upload: its temp name tmp/ln-<key> stays until its row commits.
 *   With the row, only the temp name goes; without it, the key goes too,
 *   but only while it is the very inode of the temp file (proof that
 *   imaged wrote it).  Temp files of uploads never committed (up-*.part)
 *   go as well.
 * - a delete: its key is a pending removal from the transaction that
 *   removed the row; the file goes (unless a row holds the key again),
 *   then the record.
 * Any other file under the bucket is left where it is: `imaged check`
 * reports it as unknown.
 */
#ifndef IMAGED_RECOVER_H
#define IMAGED_RECOVER_H

#include <stdint.h>
#include <time.h>

#include "imaged/err.h"

struct catalog;
struct blobstore;

struct recover_counts {
	uint64_t	 uploads_undone;	/* file and temp name removed */
	/* row found: temp name removed */
	uint64_t	 uploads_kept;
	uint64_t	 unfinished;		/* up-*.part removed */
	/* pending removals whose file was there */
	uint64_t	 deletes;
	/* marked rows whose file was not whole: removed */
	uint64_t	 rows_undone;
};

/*
 * Recover every temp file last modified before `before` (at start-up:
 * all of them) and every pending removal.  With dry_run, only count.
 */
enum img_err	 recover_leftovers(struct catalog *, struct blobstore *,
		    struct timespec before, bool dry_run,
		    struct recover_counts *);

#endif
