/*
 * check.c: rows against files, files against rows.
 *
 * Rows are read in one catalog scan and each file is opened and hashed
 * (the SHA-256 must match, not just the size); the leftovers of a crash
 * are recovered as at start-up (recover.h); then files are found by one
 * walk of the bucket, each looked up by the image id its name carries.
 * A file no row holds is unknown: imaged did not write it, or cannot
 * prove it did, so a repair sets it aside in lost+found/, never deletes
 * it.  Last, the renditions folder is walked: a rendition whose image has
 * no row (listed or quarantined) is stale, and a repair removes it, and
 * its folder once empty, since renditions are made again on demand.
 * Every pass streams: memory does not grow with the store.  The
 * command around the check, `imaged check`, is cmd_check.c.
 */
#include <sys/stat.h>

#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "imaged/blobstore.h"
#include "imaged/catalog.h"
#include "imaged/check.h"
#include "imaged/digest.h"
#include "imaged/recover.h"
#include "imaged/text.h"

#define PROGRESS_EVERY	1000

struct checker {
	struct catalog		*cat;
	struct blobstore	*blobs;
	struct check_counts	*c;
	bool			 repair;
	struct timespec		 before;
	FILE			*progress;
	/* one line per problem, or NULL */
	FILE			*report;
};

/* Whether a file modified at mtim may still be in flight in a daemon. */
static bool
too_recent(const struct checker *k, struct timespec mtim)
{
	return mtim.tv_sec > k->before.tv_sec ||
	    (mtim.tv_sec == k->before.tv_sec &&
	    mtim.tv_nsec >= k->before.tv_nsec);
}

static void
problem(struct checker *k, const char *what, const char *key)
{
	if (k->report != NULL)
		fprintf(k->report, "%-9s %s\n", what, key);
}

static enum img_err
check_row(void *arg, const struct image_record *r)
{
	struct checker		*k = arg;
	struct blob_info	 info;
	const char		*what = NULL;
	char			 hex[65];
	enum img_err		 e;
	int			 fd;

	k->c->rows++;
	e = blob_open_read(k->blobs, r->s3_key, &fd, &info);
	if (e == IMG_ENOTFOUND || e == IMG_EINVAL) {
		k->c->missing++;
		what = "missing";
	} else if (e != IMG_OK) {
		return e;
	} else {
		if (info.size != (uint64_t)r->file_size) {
			k->c->size++;
			what = "size";
		} else if ((e = digest_file(fd, hex)) != IMG_OK) {
			close(fd);
			return e;
		} else if (strcmp(hex, r->checksum_sha256) != 0) {
			k->c->checksum++;
			what = "checksum";
		}
		close(fd);
	}
	if (what != NULL) {
		problem(k, what, r->s3_key);
		if (k->repair &&
		    catalog_quarantine(k->cat, r->image_id) == IMG_OK)
			k->c->repaired++;
	}
	if (k->progress != NULL && k->c->rows % PROGRESS_EVERY == 0)
		fprintf(k->progress, "\rchecked %" PRIu64 " rows", k->c->rows);
	return IMG_OK;
}

static enum img_err
check_file(void *arg, const char *key, const struct blob_info *info)
{
	struct checker	*k = arg;
	char		 id[IMAGE_ID_SIZE];
	enum img_err	 e = IMG_ENOTFOUND;

	k->c->files++;
	if (too_recent(k, info->mtim))
		return IMG_OK;	/* maybe in flight: not ours to judge */
	if (blob_key_image_id(key, id))
		e = catalog_key_known(k->cat, id, key);
	if (e == IMG_OK)
		return IMG_OK;
	if (e != IMG_ENOTFOUND)
		return e;
	k->c->unknown++;
	problem(k, "unknown", key);
	if (k->repair && blob_move_lost(k->blobs, key) == IMG_OK)
		k->c->repaired++;
	return IMG_OK;
}

/*
 * A rendition is kept as <image_id>/<name>; anything under the renditions
 * folder whose first component is no image with a row is stale.
 */
static enum img_err
check_rendition(void *arg, const char *key, const struct blob_info *info)
{
	struct checker	*k = arg;
	char		 folder[BLOB_KEY_MAX + 1];
	char		 id[UUID_LEN + 1];
	const char	*slash;
	size_t		 n;
	enum img_err	 e = IMG_ENOTFOUND;

	if (too_recent(k, info->mtim))
		return IMG_OK;	/* maybe being made: not ours to judge */
	slash = strchr(key, '/');
	n = slash == NULL ? 0 : (size_t)(slash - key);
	if (n > 0 && n < sizeof(folder)) {
		memcpy(folder, key, n);
		folder[n] = '\0';
		/* The cache names folders by the canonical id only. */
		if (uuid_parse(folder, n, id) && strcmp(id, folder) == 0)
			e = catalog_id_known(k->cat, id);
	} else
		folder[0] = '\0';
	if (e == IMG_OK)
		return IMG_OK;
	if (e != IMG_ENOTFOUND)
		return e;
	k->c->stale++;
	problem(k, "stale", key);
	if (k->repair && blob_rendition_remove(k->blobs, key) == IMG_OK) {
		k->c->repaired++;
		if (folder[0] != '\0')
			(void)blob_rendition_remove_empty_folder(k->blobs,
			    folder);
	}
	return IMG_OK;
}

enum img_err
check_store(struct catalog *cat, struct blobstore *blobs, bool repair,
    struct timespec before, struct check_counts *c, FILE *report,
    FILE *progress)
{
	struct checker		 k = { cat, blobs, c, repair, before, progress,
				    report };
	struct recover_counts	 rc = { 0 };
	enum img_err		 e;

	memset(c, 0, sizeof(*c));
	if ((e = catalog_scan(cat, check_row, &k)) != IMG_OK)
		return e;
	if (progress != NULL)
		fprintf(progress, "\rchecked %" PRIu64 " rows\n", c->rows);
	/* Before the walk: a repaired leftover is no unknown file. */
	if ((e = recover_leftovers(cat, blobs, before, !repair, &rc)) != IMG_OK)
		return e;
	c->pending = rc.uploads_undone + rc.uploads_kept + rc.unfinished +
	    rc.deletes + rc.rows_undone;
	if (repair)
		c->repaired += c->pending;
	if ((e = blob_walk(blobs, check_file, &k)) != IMG_OK)
		return e;
	if ((e = blob_rendition_walk(blobs, check_rendition, &k)) != IMG_OK)
		return e;
	return catalog_quarantined(cat, &c->quarantined);
}
