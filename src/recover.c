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

enum img_err
recover_leftovers(struct catalog *cat, struct blobstore *blobs,
    struct timespec before, bool dry_run, struct recover_counts *c)
{
	struct recovery	 r = { cat, blobs, dry_run, c };
	struct key_list	 l = { NULL, 0, 0 };
	enum img_err	 e;
	size_t		 i;

	memset(c, 0, sizeof(*c));
	if ((e = blob_pending_walk(blobs, before, recover_upload,
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
