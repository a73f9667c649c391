/*
 * recover.c: a crash's leftovers, proven imaged's own, finished or undone
 * (see recover.h).  Every step is idempotent, so a crash during recovery
 * is recovered at the next start the same way.  Only an unreadable
 * catalog or temp folder is an error; a file that will not go is logged
 * and left for the next start.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaged/blobstore.h"
#include "imaged/catalog.h"
#include "imaged/digest.h"
#include "imaged/recover.h"

struct recovery {
	struct catalog		*cat;
	struct blobstore	*blobs;
	bool			 dry_run;
	struct recover_counts	*c;
};

/* Whether a row, listed or quarantined, holds key: IMG_OK or IMG_ENOTFOUND. */
static enum img_err
row_holds(struct catalog *cat, const char *key)
{
	char	 id[IMAGE_ID_SIZE];

	if (!blob_key_image_id(key, id))
		return IMG_ENOTFOUND;
	return catalog_key_known(cat, id, key);
}

static enum img_err
recover_upload(void *arg, const struct blob_pending *p)
{
	struct recovery	*r = arg;
	enum img_err	 e = IMG_ENOTFOUND;

	if (p->has_key && (e = row_holds(r->cat, p->key)) != IMG_OK &&
	    e != IMG_ENOTFOUND)
		return e;
	if (!p->has_key)
		r->c->unfinished++;
	else if (e == IMG_OK)
		r->c->uploads_kept++;
	else
		r->c->uploads_undone++;
	if (r->dry_run)
		return IMG_OK;
	/*
	 * The key goes only with no row, and only if it is this inode.  A
	 * file that cannot be removed is logged and stays for the next try:
	 * it does not keep the daemon from starting.
	 */
	(void)blob_pending_drop(r->blobs, p, e == IMG_ENOTFOUND);
	return IMG_OK;
}

/* The pending removals, read first: each is then checked on its own reader. */
struct key_list {
	char	**keys;
	size_t	  n, cap;
};

static enum img_err
collect_key(void *arg, const char *key)
{
	struct key_list	*l = arg;
	char		**k;

	if (l->n == l->cap) {
		l->cap = l->cap > 0 ? 2 * l->cap : 16;
		if ((k = realloc(l->keys, l->cap * sizeof(*k))) == NULL)
			return IMG_ENOMEM;
		l->keys = k;
	}
	if ((l->keys[l->n] = strdup(key)) == NULL)
		return IMG_ENOMEM;
	l->n++;
	return IMG_OK;
}

/*
 * A key stays pending a while after its file is gone (until the next
 * delete's transaction), so only a file still there is counted.
 */
static enum img_err
recover_delete(struct recovery *r, const char *key)
{
	struct blob_info	 info;
	char			 id[IMAGE_ID_SIZE];
	enum img_err		 e;
	int			 fd;

	/* A row holding the key again owns the file: keep the file. */
	if ((e = row_holds(r->cat, key)) == IMG_ENOTFOUND) {
		if ((e = blob_open_read(r->blobs, key, &fd, &info)) == IMG_OK) {
			close(fd);
			r->c->deletes++;
		} else if (e != IMG_ENOTFOUND && e != IMG_EINVAL)
			return e;
		if (r->dry_run)
			return IMG_OK;
		e = blob_remove(r->blobs, key);
	} else if (e != IMG_OK || r->dry_run)
		return e;
	/*
	 * A malformed key names no file of the bucket: nothing to remove.  A
	 * file that cannot be removed (logged) stays pending for the next try.
	 */
	if (e == IMG_OK || e == IMG_EINVAL)
		catalog_unlinked(r->cat, blob_key_image_id(key, id) ? id : NULL,
		    key);
	return IMG_OK;
}

/* Whether the file at key is size bytes whose SHA-256 is sha256. */
static enum img_err
file_whole(struct blobstore *bs, const char *key, int64_t size,
    const char *sha256)
{
	struct blob_info	 info;
	char			 hex[DIGEST_HEX + 1];
	enum img_err		 e;
	int			 fd;

	if ((e = blob_open_read(bs, key, &fd, &info)) != IMG_OK)
		return e == IMG_EINVAL ? IMG_ENOTFOUND : e;
	e = (uint64_t)size != info.size ? IMG_ENOTFOUND : digest_file(fd, hex);
	close(fd);
	if (e != IMG_OK)
		return e;
	return sha256 != NULL && strcmp(hex, sha256) == 0 ? IMG_OK :
	    IMG_ENOTFOUND;
}

/* The marked rows, sorted into those to keep and those to remove. */
struct unsynced_rows {
	struct recovery	*r;
	int64_t		 before_us;
	struct key_list	 whole;		/* or no listed row: mark only */
	struct key_list	 broken;
};

static enum img_err
sort_unsynced(void *arg, const struct catalog_unsynced_file *f)
{
	struct unsynced_rows	*u = arg;
	enum img_err		 e = IMG_ENOTFOUND;

	if (f->s3_key == NULL)
		return collect_key(&u->whole, f->image_id);
	if (f->created_at >= u->before_us)
		return IMG_OK;		/* an upload going on beside us */
	if ((e = file_whole(u->r->blobs, f->s3_key, f->file_size,
	    f->sha256)) == IMG_OK)
		return collect_key(&u->whole, f->image_id);
	if (e != IMG_ENOTFOUND)
		return e;
	u->r->c->rows_undone++;
	return collect_key(&u->broken, f->image_id);
}

/*
 * Marked rows before temp names: a row removed here leaves its temp name
 * with no row, which the walk then undoes.  The files kept are synced
 * before their marks go.
 */
static enum img_err
recover_unsynced(struct recovery *r, struct timespec before)
{
	struct unsynced_rows	 u = { r, (int64_t)before.tv_sec * 1000000 +
				    before.tv_nsec / 1000, { NULL, 0, 0 },
				    { NULL, 0, 0 } };
	enum img_err		 e;
	size_t			 i;

	e = catalog_unsynced(r->cat, sort_unsynced, &u);
	if (e == IMG_OK && !r->dry_run && u.whole.n > 0)
		e = blobstore_sync(r->blobs);
	for (i = 0; i < u.whole.n; i++) {
		if (e == IMG_OK && !r->dry_run)
			e = catalog_unsynced_done(r->cat, u.whole.keys[i],
			    false);
		free(u.whole.keys[i]);
	}
	for (i = 0; i < u.broken.n; i++) {
		if (e == IMG_OK && !r->dry_run)
			e = catalog_unsynced_done(r->cat, u.broken.keys[i],
			    true);
		free(u.broken.keys[i]);
	}
	free(u.whole.keys);
	free(u.broken.keys);
	return e;
}

enum img_err
recover_leftovers(struct catalog *cat, struct blobstore *blobs,
    struct timespec before, bool dry_run, struct recover_counts *c)
{
	struct recovery	 r = { cat, blobs, dry_run, c };
	struct key_list	 l = { NULL, 0, 0 };
	enum img_err	 e;
	size_t		 i;

	memset(c, 0, sizeof(*c));
	if ((e = recover_unsynced(&r, before)) != IMG_OK ||
	    (e = blob_pending_walk(blobs, before, recover_upload,
	    &r)) != IMG_OK)
		return e;
	e = catalog_pending_unlinks(cat, collect_key, &l);
	for (i = 0; i < l.n; i++) {
		if (e == IMG_OK)
			e = recover_delete(&r, l.keys[i]);
		free(l.keys[i]);
	}
	free(l.keys);
	return e;
}
