/*
 * check.h: does the catalog agree with the blob store?
 *
 * Every listed row must name a file of its size and SHA-256; every file
 * under the bucket must belong to a row; no upload or delete may be left
 * half done by a crash.  `imaged check` (cmd_check.c) reports what
 * disagrees and, with --repair, mends it: broken rows leave the listing
 * (kept, quarantined, for inspection), half-done uploads and deletes are
 * recovered as a start would (recover.h), and unknown files (no row holds
 * them: imaged did not write them, or cannot prove it) are moved to
 * <data_dir>/lost+found/<key>, never deleted.  Renditions kept for an
 * image that has no row (a crash in the middle of a delete leaves them)
 * are stale: being a cache, made again on demand, they are removed.  This
 * is the only walk of the whole bucket; the daemon never makes one.
 *
 * Files modified at or after `before` (to the nanosecond) are never
 * touched: they may belong to an upload or delete still in flight in a
 * running daemon.
 */
#ifndef IMAGED_CHECK_H
#define IMAGED_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "imaged/err.h"

struct catalog;
struct blobstore;

struct check_counts {
	uint64_t	 rows;		/* listed rows looked at */
	uint64_t	 missing;	/* rows whose file is gone */
	uint64_t	 size;		/* rows whose file has another size */
	/* rows whose file has another SHA-256 */
	uint64_t	 checksum;
	uint64_t	 files;		/* files looked at */
	uint64_t	 unknown;	/* files no row points at */
	uint64_t	 stale;		/* renditions of images with no row */
	/* uploads and deletes a crash left half done */
	uint64_t	 pending;
	int64_t		 quarantined;	/* rows kept out of the listing */
	uint64_t	 repaired;	/* problems mended */
};

/*
 * Check everything (and with repair, mend it); counts in *c, one line per
 * problem to report.  progress, when not NULL, gets a line rewritten in
 * place as rows go by (a terminal).
 */
enum img_err	 check_store(struct catalog *, struct blobstore *, bool repair,
		    struct timespec before, struct check_counts *c,
		    FILE *report, FILE *progress);

#endif
