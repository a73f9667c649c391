/*
 * ephemeral.h: the throw-away data dirs of --ephemeral.
 *
 * Each is a new folder $TMPDIR/imaged-XXXXXX holding an owner file with
 * the pid and the start time of the process that made it.  A clean stop
 * removes its own; one left by a kill -9 is removed by the next
 * --ephemeral start, once the owner file proves its process gone (no such
 * pid, or a pid now used by a process that started at another time).  A
 * folder without an owner file is never touched: it may be one being made
 * this instant, or not imaged's.
 */
#ifndef IMAGED_EPHEMERAL_H
#define IMAGED_EPHEMERAL_H

#include <stddef.h>

#include "imaged/err.h"

/*
 * Remove the stale ephemeral dirs under tmpdir, then make a new one,
 * its path in dir (dirlen bytes).  Errors: IMG_EUNAVAIL (logged).
 */
enum img_err	 ephemeral_make(const char *tmpdir, char *dir, size_t dirlen);
/* Remove the folder dir and everything in it (symlinks are not followed). */
void		 ephemeral_remove(const char *dir);

#endif
