/*
 * upload.h: one image on its way in, whatever the body form.
 *
 * Every byte of the image passes through upload_write() exactly once: it
 * is counted against the size limit, hashed (SHA-256), shown to the
 * header sniffer and written to a temp file in the blob store.  Nothing is
 * held in memory.  upload_link() and upload_sync() make the file durable
 * under its key and upload_settle(), once the row holds the key, makes it
 * the catalog's;
 * until then, upload_free() leaves nothing behind.
 * One upload belongs to one request; it is not shared between threads.
 */
#ifndef IMAGED_UPLOAD_H
#define IMAGED_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imaged/blobstore.h"
#include "imaged/err.h"
#include "imaged/imgsniff.h"

struct upload;

/* What the bytes turned out to be, known after upload_end(). */
struct upload_info {
	uint64_t	 size;
	char		 sha256[65];	/* lower-case hex */
	enum img_kind	 kind;		/* by the magic bytes */
	uint32_t	 width, height;	/* 0 when unreadable */
};

/*
 * Start an upload of at most max_size bytes.  Errors: those
 * of blob_writer_new.
 */
enum img_err	 upload_new(struct blobstore *, uint64_t max_size,
		    struct upload **);
/*
 * Take the next bytes.  IMG_ETOOBIG as soon as the total passes max_size;
 * IMG_ENOSPACE, IMG_EUNAVAIL from the disk.  After an error the upload is
 * spent: free it.
 */
enum img_err	 upload_write(struct upload *, const void *, size_t);
/* All bytes are in: fill info. */
void		 upload_end(struct upload *, struct upload_info *);
/*
 * Make the bytes durable under key, in two steps so that other work may
 * run between them: the names, then the fsyncs (see blob_writer_link,
 * blob_writer_sync).
 */
enum img_err	 upload_link(struct upload *, const char *key);
enum img_err	 upload_sync(struct upload *);
/* The row holding the key is committed (see blob_writer_settle). */
void		 upload_settle(struct upload *);
/* Free; unless settled, the temp file and the key go.  NULL is a no-op. */
void		 upload_free(struct upload *);

/*
 * As upload_link and upload_sync, made durable later by blobstore_sync()
 * (bulk imports).
 */
enum img_err	 upload_commit_unsynced(struct upload *, const char *key);

#endif
