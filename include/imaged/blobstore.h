/*
 * blobstore.h: the image bytes, as files laid out exactly as the S3 keys
 * of the original: <data_dir>/<bucket>/images/<user_id>/<image_id>.<ext>.
 *
 * The blob store alone opens, writes, fsyncs, links and removes files.
 * Uploads are written to a temp file in <data_dir>/tmp/ (one made ahead,
 * with no name yet, where the file system allows) and become visible
 * under their key only by link(2) after an fsync, followed by an fsync of
 * the key's folder: a key names either nothing or a whole, durable file.
 * The temp file keeps a second name, tmp/ln-<key>, until the caller's row
 * holds the key (blob_writer_settle).  That name is the proof, after a
 * crash, that a file under the bucket is imaged's own: a leftover ln-<key>
 * whose inode is the key's, with no row, is an upload to undo.  Files
 * imaged cannot prove its own are never removed (only set aside into
 * <data_dir>/lost+found/ when `imaged check --repair` asks).
 * Every path is resolved one component at a time from the bucket folder
 * with O_NOFOLLOW, so no key can leave the bucket or follow a symlink.
 * Renditions (resized copies, rendcache.h) are kept beside the bucket, in
 * <data_dir>/_renditions/<key>, never among the users' keys; the same rules
 * hold there.
 * Thread-safe: past blobstore_open, only the housekeeper's queue of
 * removals and its spare temp files change, under its lock.
 */
#ifndef IMAGED_BLOBSTORE_H
#define IMAGED_BLOBSTORE_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "imaged/err.h"
#include "imaged/image.h"

#define BLOB_KEY_MAX	255

struct blobstore;
struct blob_writer;

/* --- keys ---------------------------------------------------------------- */
/*
 * The key of an image's bytes, images/<user_id>/<image_id>.<ext>, into key
 * (keylen bytes, BLOB_KEY_MAX + 1 is always enough for fields within
 * image.h's limits).  False when it would not fit.
 */
bool		 blob_key_make(char *key, size_t keylen, const char *user_id,
		    const char *image_id, const char *ext);
/*
 * The image id a key names: its last component up to the first '.',
 * which must be a UUID; id gets it in canonical form.  False when the
 * key names none.  The key is not otherwise checked: the catalog row of
 * that id tells whether it holds this very key.
 */
bool		 blob_key_image_id(const char *key, char id[IMAGE_ID_SIZE]);

/*
 * Open the store under data_dir (which must exist), creating the bucket
 * and temp folders if need be.  Files are created with file_mode, folders
 * with blob_dir_mode(file_mode).  Errors: IMG_EUNAVAIL.
 */
enum img_err	 blobstore_open(const char *data_dir, const char *bucket,
		    mode_t file_mode, struct blobstore **);
/* The folder mode that goes with a file mode: 0600 -> 0700, 0644 -> 0755. */
mode_t		 blob_dir_mode(mode_t file_mode);
void		 blobstore_close(struct blobstore *);
/*
 * Whether the bucket folder is usable (for /healthz): IMG_OK
 * or IMG_EUNAVAIL.
 */
enum img_err	 blobstore_ping(struct blobstore *);

/* Start a new blob in a temp file.  Errors: IMG_ENOSPACE, IMG_EUNAVAIL. */
enum img_err	 blob_writer_new(struct blobstore *, struct blob_writer **);
/*
 * Append bytes.  Errors: IMG_ENOSPACE (disk full, file size
 * limit), IMG_EUNAVAIL.
 */
enum img_err	 blob_writer_write(struct blob_writer *, const void *, size_t);
/*
 * Make the blob durable under key: name the temp file ln-<key>,
 * create the key's folders, link it under key, fsync it and the
 * folder.  The temp name stays until blob_writer_settle.  Errors:
 * IMG_EINVAL (a key with an empty, "." or ".." component, or committed
 * already), IMG_ENOSPACE, IMG_EUNAVAIL.
 */
enum img_err	 blob_writer_commit(struct blob_writer *, const char *key);
/*
 * blob_writer_commit in two steps, so that other work may go on between
 * them: the names (nothing durable yet; the same errors), then the
 * fsyncs (IMG_EINVAL before a link, IMG_ENOSPACE, IMG_EUNAVAIL).
 */
enum img_err	 blob_writer_link(struct blob_writer *, const char *key);
enum img_err	 blob_writer_sync(struct blob_writer *);
/*
 * The row that holds the key is committed: drop the temp name (no fsync:
 * a name that comes back after a crash is dropped at the next start, once
 * the row is found).  The blob is then the catalog's; freeing the writer
 * leaves it.  Callable from any thread (one committing many rows calls it
 * once per row), but not at the same time as blob_writer_free.
 */
void		 blob_writer_settle(struct blob_writer *);
/*
 * Free the writer.  Unless it was settled, everything it made goes: the
 * temp file, and the key too after a commit (an upload whose row failed).
 * NULL is a no-op.
 */
void		 blob_writer_free(struct blob_writer *);

/* What blob_open_read found. */
struct blob_info {
	uint64_t	 size;
	time_t		 mtime;
	struct timespec	 mtim;		/* to the nanosecond, for the check */
};

/*
 * Open the blob at key for reading; *fd is the caller's to close.
 * Errors: IMG_ENOTFOUND (no such file, or a symlink on the way),
 * IMG_EINVAL (a malformed key), IMG_EUNAVAIL.
 */
enum img_err	 blob_open_read(struct blobstore *, const char *key, int *fd,
		    struct blob_info *);
/*
 * Remove the blob at key; a missing file is success.  Errors:
 * IMG_EINVAL, IMG_EUNAVAIL.
 */
enum img_err	 blob_remove(struct blobstore *, const char *key);
/* Called once the file of key is gone (on the housekeeping thread). */
typedef void	(*blob_removed_cb)(void *arg, const char *key);
/*
 * Remove the blob at key soon, on the store's housekeeping thread, off the
 * request's path (an unlink can cost more than the commit before it),
 * then call done (when not NULL).  blobstore_close() finishes the queue.
 * The caller records the key durably first (the catalog's pending
 * removals), so a crash before the unlink is finished at the next start.
 * IMG_EINVAL for a malformed key.
 */
enum img_err	 blob_remove_later(struct blobstore *, const char *key,
		    blob_removed_cb done, void *arg);

/* --- renditions, beside the bucket ---------------------------------------- */

/*
 * As blob_writer_commit, under the renditions folder, without the folder
 * fsync: the file is whole and synced, but a crash may lose its name (a
 * rendition is made again).
 */
enum img_err	 blob_writer_commit_rendition(struct blob_writer *,
		    const char *key);
/* As blob_open_read, under the renditions folder. */
enum img_err	 blob_rendition_open_read(struct blobstore *, const char *key,
		    int *fd, struct blob_info *);
/* As blob_remove, under the renditions folder. */
enum img_err	 blob_rendition_remove(struct blobstore *, const char *key);
/*
 * Remove the renditions folder named folder (one component) with the
 * files in it; a missing folder is success.  Errors: IMG_EINVAL,
 * IMG_EUNAVAIL.
 */
enum img_err	 blob_rendition_remove_folder(struct blobstore *,
		    const char *folder);
/*
 * Remove the renditions folder named folder (one component) if it is
 * empty; a folder still holding files, or already gone, is success.
 * Errors: IMG_EINVAL, IMG_EUNAVAIL.
 */
enum img_err	 blob_rendition_remove_empty_folder(struct blobstore *,
		    const char *folder);

/* --- maintenance ---------------------------------------------------------- */

/*
 * Called with each file under the bucket; a non-IMG_OK return stops
 * the walk.
 */
typedef enum img_err (*blob_walk_cb)(void *arg, const char *key,
    const struct blob_info *);
/*
 * Walk every regular file under the bucket, depth first.  Symlinks are
 * neither followed nor reported.
 */
enum img_err	 blob_walk(struct blobstore *, blob_walk_cb, void *arg);
/* As blob_walk, over the renditions folder. */
enum img_err	 blob_rendition_walk(struct blobstore *, blob_walk_cb,
		    void *arg);

/* What a crash may have left in tmp/: one temp file. */
struct blob_pending {
	char		 name[256];	/* in tmp/ */
	bool		 has_key;	/* ln-<key>: committed, row unknown */
	char		 key[BLOB_KEY_MAX + 1];
	bool		 linked;	/* the key's file is this very inode */
	dev_t		 dev;
	ino_t		 ino;
};
typedef enum img_err (*blob_pending_cb)(void *arg, const struct blob_pending *);
/*
 * Call cb with each temp file of this store (by its names, up-*.part and
 * ln-*; others are left alone) last modified before `before`.  Only tmp/
 * is read: the cost follows the uploads in flight at a crash, not the
 * bucket.
 */
enum img_err	 blob_pending_walk(struct blobstore *, struct timespec before,
		    blob_pending_cb cb, void *arg);
/*
 * Remove a temp file that blob_pending_walk reported, and with with_key
 * its key too when that is still the same inode.  The key goes first.
 */
enum img_err	 blob_pending_drop(struct blobstore *,
		    const struct blob_pending *, bool with_key);
/*
 * Move the file at key to <data_dir>/lost+found/<key> (never over a file
 * already there).  Errors: IMG_ENOTFOUND, IMG_EINVAL, IMG_EUNAVAIL.
 */
enum img_err	 blob_move_lost(struct blobstore *, const char *key);
/*
 * Drop the removals still queued, and wait for the one in progress to end
 * (test_mode's reset, before the catalog forgets pending removals).
 */
void		 blob_removals_cancel(struct blobstore *);
/*
 * Remove every file and folder in the bucket and the temp names of linked
 * uploads (ln-*), after blob_removals_cancel (test_mode's reset).  Temp
 * files of uploads still receiving their bodies stay.  The caller keeps
 * commits out meanwhile.  Errors: IMG_EUNAVAIL.
 */
enum img_err	 blobstore_clear(struct blobstore *);

/* --- bulk copies (imaged export, import, backup) -------------------------- */

/*
 * As blob_writer_commit, but without the fsyncs and without the temp name
 * that proves the file imaged's: the file is renamed into place at once,
 * is the caller's (freeing the writer leaves it), and is made durable
 * later, with many others, by blobstore_sync().  For bulk work whose
 * result is only trusted after that; a crash before its rows leaves files
 * that `imaged check` reports as unknown, never removed by a start.
 */
enum img_err	 blob_writer_commit_unsynced(struct blob_writer *,
		    const char *key);
/*
 * Put the blob at key of src under the same key in dst: a hard link when
 * both are on one file system (*linked true), else a copy (unsynced, as
 * above).  An existing file at key in dst is replaced.  Errors:
 * IMG_ENOTFOUND (no such blob in src), IMG_EINVAL, IMG_ENOSPACE, IMG_EUNAVAIL.
 */
enum img_err	 blob_link_or_copy(struct blobstore *dst, struct blobstore *src,
		    const char *key, bool *linked);
/* What is at key, without opening it: IMG_OK, IMG_ENOTFOUND, IMG_EINVAL. */
enum img_err	 blob_stat(struct blobstore *, const char *key,
		    struct blob_info *);
/* Make everything written to the store's file system durable (syncfs). */
enum img_err	 blobstore_sync(struct blobstore *);
/*
 * Remove the store's temp folder if it is empty (an export, which is not a
 * data dir, keeps none).  Best effort.
 */
void		 blobstore_drop_tmp(const char *dir);

#endif
