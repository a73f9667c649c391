/*
 * durable.h: files written whole, durably, or not at all (or, when
 * asked, whole but not synced).
 *
 * The new contents go to a temp file in the target's own folder, which is
 * written, given its mode, fsynced and then renamed (or, to create only,
 * linked) over the target; last the folder is fsynced so the name itself
 * survives a crash.  A reader of the path sees the old file or the new
 * one, never a mix.  For small files written rarely: the URL file, the
 * signing key, the tokens file, and later backups, exports and manifests.
 */
#ifndef IMAGED_DURABLE_H
#define IMAGED_DURABLE_H

#include <sys/stat.h>

#include <stdbool.h>
#include <stddef.h>

#include "imaged/err.h"

struct durable_opts {
	/* of the new file, umask aside */
	mode_t			 mode;
	/* fail (EEXIST) if path exists */
	bool			 exclusive;
	/*
	 * Whole and atomic but not synced: for a file that means nothing
	 * after a crash (a running daemon's URL), whose fsyncs would only
	 * delay whoever waits for it.
	 */
	bool			 transient;
	/*
	 * The file being replaced, as stat(2) saw it, or NULL.  When run as
	 * root the new file keeps its owner; its mtime is made strictly
	 * later than old's, so a watcher comparing (inode, size, mtime)
	 * notices even two rewrites in one clock tick.
	 */
	const struct stat	*replaces;
};

/*
 * Write data[0..len) as the whole contents of path.
 * Returns IMG_OK, or IMG_EUNAVAIL with errno set and, when msg is not
 * NULL, a line such as "<file>: <reason>" in msg; path is then as it was
 * and no temp file is left.  One failure comes after the fact: when only
 * the final fsync of the folder fails, path already holds the new
 * contents (maybe not yet durable) and msg begins "fsync of the folder".
 * IMG_ENOMEM when out of memory.  Thread-safe for distinct paths.
 */
enum img_err	 durable_write(const char *path, const void *data, size_t len,
		    const struct durable_opts *, char *msg, size_t msglen);

#endif
