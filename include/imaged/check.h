/*
 * check.h: does the catalog agree with the blob store?
 *
 * Every listed row must name a file of its size and SHA-256; every file
 * under the bucket must belong to a row; the temp folder must hold only
 * uploads in progress.  `imaged check` (cmd_check.c) reports what
 * disagrees and, with --repair, mends it: broken rows leave the listing
 * (kept, quarantined, for inspection), orphan and leftover temp files are
 * removed.  The daemon runs the orphan sweep in the background after a
 * start, for files that a crash left between a delete's row and its file,
 * or an upload's file and its row.
 *
 * Files modified at or after `before` (to the nanosecond) are never
 * touched: they may belong to an upload or delete still in flight in a
 * running daemon.
 */
#ifndef IMAGED_CHECK_H
#define IMAGED_CHECK_H

#include <stdatomic.h>
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
	uint64_t	 checksum;	/* rows whose file has another SHA-256 */
	uint64_t	 files;		/* files looked at */
	uint64_t	 orphans;	/* files no row points at */
	uint64_t	 temp;		/* leftover temp files */
	int64_t		 quarantined;	/* rows kept out of the listing */
	uint64_t	 repaired;	/* problems mended */
};

/*
 * Remove files under the bucket that no row points at and that were last
 * modified before `before`; *removed gets their number.  The walk stops
 * early (IMG_EUNAVAIL) once *stop becomes true.
 */
enum img_err	 check_sweep_orphans(struct catalog *, struct blobstore *,
		    struct timespec before, const _Atomic bool *stop,
		    uint64_t *removed);

/*
 * Check everything (and with repair, mend it); counts in *c, one line per
 * problem to report.  progress, when not NULL, gets a line rewritten in
 * place as rows go by (a terminal).
 */
enum img_err	 check_store(struct catalog *, struct blobstore *, bool repair,
		    struct timespec before, struct check_counts *c, FILE *report,
		    FILE *progress);

#endif
