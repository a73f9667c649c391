/*
 * rendcache.h: renditions made once, kept on disk, bounded in size.
 *
 * A rendition is named by a key "<image_id>/<canonical name>"
 * (rendparams.h) and kept in the blob store's renditions folder, beside
 * the bucket.  The cache knows every kept rendition and its size, in
 * least-recently-used order, and removes the least recently used ones
 * whenever the total passes max_bytes.  Renders run on the render pool
 * (renderpool.h), never on the caller's thread; requests for a rendition
 * that is being made join that making instead of starting another, so
 * concurrent requests for the same missing rendition render it once.
 *
 * The index of what is kept is built at start by a walk of the folder on
 * a thread of its own, so start-up does not wait for it; until the walk
 * ends, older renditions are found on disk but not yet counted.
 * Thread-safe.
 */
#ifndef IMAGED_RENDCACHE_H
#define IMAGED_RENDCACHE_H

#include <stdint.h>

#include "imaged/blobstore.h"
#include "imaged/err.h"
#include "imaged/image.h"
#include "imaged/rendparams.h"

#define RENDCACHE_KEY_MAX	(IMAGE_ID_LEN + 1 + REND_CANON_MAX)

struct rendcache;
struct renderpool;

/*
 * Start the cache over the store's renditions folder, rendering on pool
 * with sources of at most max_pixels.  The store and pool are borrowed and
 * must outlive the cache.  Errors: IMG_ENOMEM.
 */
enum img_err	 rendcache_open(struct blobstore *, struct renderpool *,
		    uint64_t max_bytes, uint64_t max_pixels,
		    struct rendcache **);
/*
 * Stop the index walk and free.  The pool must be drained first.  NULL is
 * a no-op.
 */
void		 rendcache_close(struct rendcache *);

/* The key of image_id's rendition with finished params p. */
void		 rendcache_key(const char *image_id,
		    const struct rend_params *p, char key[RENDCACHE_KEY_MAX]);

/*
 * Open a kept rendition for reading, marking it recently used.  *fd is the
 * caller's.  IMG_ENOTFOUND when it is not kept; IMG_EUNAVAIL.
 */
enum img_err	 rendcache_open_read(struct rendcache *, const char *key,
		    int *fd, struct blob_info *);

/*
 * Called once when a making ends, on a pool thread: with IMG_OK, fd (the
 * callee's to close) reads the rendition; otherwise the error and err
 * (IMG_EINVAL: a refused source or size; IMG_EDECODE: a corrupt source;
 * IMG_ENOTFOUND: the image was deleted meanwhile).
 */
typedef void (*rendcache_done)(void *arg, enum img_err, int fd,
		    const struct blob_info *, const struct rend_error *err);

/*
 * Make the rendition key of the image stored at source_key with finished
 * params p, or join its making, and call done(arg, ...) when it ends.
 * IMG_EUNAVAIL at once (done is not called) when the render queue is full.
 */
enum img_err	 rendcache_make(struct rendcache *, const char *key,
		    const char *source_key, const struct rend_params *p,
		    rendcache_done done, void *arg);

/*
 * Forget and remove every rendition of image_id (when it is deleted); one
 * being made is not kept, and its waiters get IMG_ENOTFOUND.
 */
void		 rendcache_remove_image(struct rendcache *,
		    const char *image_id);

/* What the cache holds now (renditions, bytes) and how many renders ended. */
void		 rendcache_usage(struct rendcache *, uint64_t *count,
		    uint64_t *bytes, uint64_t *made);

#endif
