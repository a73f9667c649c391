/*
 * cmd_backup.c: `imaged backup [--json] DEST`: an online, consistent copy
 * of the data dir, which `imaged --data-dir DEST` serves as it was.
 *
 * The database is copied first, whole, at one moment (VACUUM INTO, while
 * writers go on); then the files its rows name follow: hard links when
 * DEST is on the same file system (a file is never changed once under its
 * key, so a link is a copy), copies otherwise.  An image deleted after the
 * moment has lost its file by then: its row leaves the copy too, so the
 * copy is the store as it was at the moment, less deletes that came just
 * after; `imaged check` finds it clean.
 *
 * Incremental: a file already in DEST under its key, at its size, is kept
 * (keys carry the image id, so the same key is the same bytes).  The order
 * keeps DEST usable at every step: new files first (synced once), then the
 * new database renamed over the old, then the files no row names any more
 * removed.  The signing key and the tokens file come along, so signed URLs
 * and cursors stay valid.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imaged/blobstore.h"
#include "imaged/catalog.h"
#include "imaged/cmd.h"
#include "imaged/dataio.h"
#include "imaged/durable.h"
#include "imaged/log.h"
#include "imaged/tokens.h"

struct backer {
	struct blobstore	*src, *dst;
	struct catalog		*live, *copy;
	uint64_t		 linked, copied, unchanged, removed, missing;
	char			(*gone)[IMAGE_ID_SIZE];	/* deleted meanwhile */
	size_t			 ngone, gonecap;
	struct dataio_progress	 prog;
	char			 err[PATH_MAX + 256];
};

static enum img_err
back_row(void *arg, const struct image_record *r)
{
	struct backer		*b = arg;
	struct blob_info	 info;
	enum img_err		 e;
	bool			 linked;
	void			*p;

	if (blob_stat(b->dst, r->s3_key, &info) == IMG_OK &&
	    info.size == (uint64_t)r->file_size) {
		b->unchanged++;
		dataio_progress_add(&b->prog, 1, 0);
		return IMG_OK;
	}
	e = blob_link_or_copy(b->dst, b->src, r->s3_key, &linked);
	if (e == IMG_ENOTFOUND && catalog_id_known(b->live, r->image_id) ==
	    IMG_OK) {
		/* A lost file, not a delete: the copy keeps the row, as is. */
		b->missing++;
		dataio_progress_end(&b->prog);
		fprintf(stderr, "imaged: backup: %s: missing in the data dir; "
		    "see imaged check\n", r->s3_key);
		return IMG_OK;
	}
	if (e == IMG_ENOTFOUND) {
		if (b->ngone == b->gonecap) {
			b->gonecap = b->gonecap ? b->gonecap * 2 : 64;
			if ((p = realloc(b->gone, b->gonecap *
			    sizeof(*b->gone))) == NULL)
				return IMG_ENOMEM;
			b->gone = p;
		}
		(void)snprintf(b->gone[b->ngone++], IMAGE_ID_SIZE, "%s",
		    r->image_id);
		return IMG_OK;
	}
	if (e != IMG_OK) {
		(void)snprintf(b->err, sizeof(b->err), "%s: %s", r->s3_key,
		    img_err_message(e));
		return e;
	}
	if (linked)
		b->linked++;
	else
		b->copied++;
	dataio_progress_add(&b->prog, 1, (uint64_t)r->file_size);
	return IMG_OK;
}

/* A temp file of the destination: an interrupted copy's. */
static enum img_err
drop_temp(void *arg, const struct blob_pending *p)
{
	(void)blob_pending_drop(arg, p, false);
	return IMG_OK;
}

static enum img_err
drop_stale(void *arg, const char *key, const struct blob_info *info)
{
	struct backer	*b = arg;
	char		 id[IMAGE_ID_SIZE];

	(void)info;
	if (blob_key_image_id(key, id) &&
	    catalog_key_known(b->copy, id, key) == IMG_OK)
		return IMG_OK;
	if (blob_remove(b->dst, key) == IMG_OK)
		b->removed++;
	return IMG_OK;
}

/*
 * Copy a small file of the data dir (the signing key, the tokens file)
 * whole and durably, keeping its mode.  A missing one is no error.
 */
#define SMALL_FILE_MAX	(1u << 20)

static bool
copy_small(const char *from, const char *to, char *err, size_t errlen)
{
	struct durable_opts	 opts = { 0 };
	struct stat		 st;
	char			*data = NULL;
	ssize_t			 n;
	size_t			 len = 0;
	int			 in;
	bool			 ok = false;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return true;
		(void)snprintf(err, errlen, "%s: %s", from, strerror(errno));
		return false;
	}
	errno = 0;
	if (fstat(in, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > SMALL_FILE_MAX ||
	    (data = malloc((size_t)st.st_size + 1)) == NULL) {
		(void)snprintf(err, errlen, "%s: %s", from, errno != 0 ?
		    strerror(errno) : "not a small regular file");
		goto done;
	}
	while (len <= (size_t)st.st_size && (n = read(in, data + len,
	    (size_t)st.st_size + 1 - len)) > 0)
		len += (size_t)n;
	if (len != (size_t)st.st_size) {
		(void)snprintf(err, errlen, "%s: changed while read", from);
		goto done;
	}
	opts.mode = st.st_mode & 0777;
	ok = durable_write(to, data, len, &opts, err, errlen) == IMG_OK;
done:
	free(data);
	close(in);
	return ok;
}

static void
sync_dir(const char *dir)
{
	int	 fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
}

int
cmd_backup(const struct config *cfg, int argc, char *argv[])
{
	struct backer		 b;
	struct catalog		*cat = NULL;
	char			 db[PATH_MAX + 16], newdb[PATH_MAX + 32];
	char			 path[PATH_MAX + 32], from[PATH_MAX + 32];
	char			 text[PATH_MAX + 256], key[BLOB_KEY_MAX + 1];
	const char		*dest = NULL;
	const char		*sfx[] = { "", "-wal", "-shm", "-journal" };
	struct timespec		 now;
	int64_t			 rows, bytes;
	bool			 json = false;
	size_t			 k;
	int			 i, ret = 1;

	memset(&b, 0, sizeof(b));
	/* Start-up notes (a schema made) are not for a command's output. */
	log_quiet(!log_verbose());
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (argv[i][0] != '-' && dest == NULL)
			dest = argv[i];
		else {
			fprintf(stderr, "usage: imaged backup [--json] dest\n");
			return 2;
		}
	}
	if (dest == NULL || *dest == '\0') {
		fprintf(stderr, "usage: imaged backup [--json] dest\n");
		return 2;
	}
	(void)snprintf(db, sizeof(db), "%s/imaged.db", cfg->data_dir);
	if (access(db, F_OK) == -1) {
		fprintf(stderr, "imaged: backup: %s: %s\n", db,
		    strerror(errno));
		return 1;
	}
	if (dataio_inside(dest, cfg->data_dir) ||
	    dataio_inside(cfg->data_dir, dest)) {
		fprintf(stderr,
		    "imaged: backup: %s: inside the data dir %s (or "
		    "holding it)\n", dest, cfg->data_dir);
		return 1;
	}
	(void)snprintf(path, sizeof(path), "%s/imaged.db", dest);
	switch (dataio_dir_state(dest)) {
	case DATAIO_MISSING:
		if (mkdir(dest, 0755) == -1) {
			fprintf(stderr, "imaged: backup: %s: %s\n", dest,
			    strerror(errno));
			return 1;
		}
		break;
	case DATAIO_EMPTY:
		break;
	case DATAIO_FULL:
		if (access(path, F_OK) == 0)
			break;	/* a backup before: only the changes */
		fprintf(stderr,
		    "imaged: backup: %s: not empty and not an imaged "
		    "backup\n", dest);
		return 1;
	case DATAIO_NOTDIR:
		fprintf(stderr, "imaged: backup: %s: not a directory\n", dest);
		return 1;
	case DATAIO_ERROR:
		fprintf(stderr, "imaged: backup: %s: %s\n", dest,
		    strerror(errno));
		return 1;
	}
	if (catalog_open(db, 1, &cat) != IMG_OK ||
	    catalog_lean(cat) != IMG_OK ||
	    blobstore_open(cfg->data_dir, cfg->bucket, cfg->file_mode,
	    &b.src) != IMG_OK ||
	    blobstore_open(dest, cfg->bucket, cfg->file_mode,
	    &b.dst) != IMG_OK) {
		(void)snprintf(b.err, sizeof(b.err), "cannot open the stores");
		goto done;
	}
	for (k = 0; k < sizeof(sfx) / sizeof(sfx[0]); k++) {
		(void)snprintf(newdb, sizeof(newdb), "%s/imaged.db.new%s", dest,
		    sfx[k]);
		(void)unlink(newdb);
	}
	(void)snprintf(newdb, sizeof(newdb), "%s/imaged.db.new", dest);
	b.live = cat;
	if (catalog_totals(cat, &rows, &bytes) != IMG_OK)
		rows = 0;
	dataio_progress_init(&b.prog, "backed up", (uint64_t)rows,
	    isatty(STDERR_FILENO) ? stderr : NULL);
	/* The moment: the whole database as one transaction saw it. */
	if (catalog_copy_to(cat, newdb) != IMG_OK ||
	    catalog_open(newdb, 1, &b.copy) != IMG_OK ||
	    catalog_lean(b.copy) != IMG_OK) {
		(void)snprintf(b.err, sizeof(b.err),
		    "cannot copy the database");
		goto done;
	}
	if (catalog_scan_every(b.copy, back_row, &b) != IMG_OK) {
		if (b.err[0] == '\0')
			(void)snprintf(b.err, sizeof(b.err),
			    "cannot read the copy");
		goto done;
	}
	dataio_progress_end(&b.prog);
	for (k = 0; k < b.ngone; k++)
		(void)catalog_delete(b.copy, b.gone[k], key, sizeof(key));
	catalog_close(b.copy);	/* the last connection folds the WAL in */
	b.copy = NULL;
	if (blobstore_sync(b.dst) != IMG_OK) {
		(void)snprintf(b.err, sizeof(b.err), "sync: %s",
		    strerror(errno));
		goto done;
	}
	(void)snprintf(from, sizeof(from), "%s/signing.key", cfg->data_dir);
	(void)snprintf(path, sizeof(path), "%s/signing.key", dest);
	if (cfg->signing_key_file[0] == '\0' &&
	    !copy_small(from, path, b.err, sizeof(b.err)))
		goto done;
	(void)snprintf(from, sizeof(from), "%s/%s", cfg->data_dir, TOKENS_FILE);
	(void)snprintf(path, sizeof(path), "%s/%s", dest, TOKENS_FILE);
	if (!copy_small(from, path, b.err, sizeof(b.err)))
		goto done;
	for (k = 1; k < sizeof(sfx) / sizeof(sfx[0]); k++) {
		(void)snprintf(path, sizeof(path), "%s/imaged.db%s", dest,
		    sfx[k]);
		(void)unlink(path);
	}
	(void)snprintf(path, sizeof(path), "%s/imaged.db", dest);
	if (rename(newdb, path) == -1) {
		(void)snprintf(b.err, sizeof(b.err), "%s: %s", path,
		    strerror(errno));
		goto done;
	}
	sync_dir(dest);
	/* Files of images deleted since the last backup. */
	if (catalog_open(path, 1, &b.copy) != IMG_OK ||
	    catalog_lean(b.copy) != IMG_OK ||
	    blob_walk(b.dst, drop_stale, &b) != IMG_OK) {
		(void)snprintf(b.err, sizeof(b.err), "cannot sweep %s", dest);
		goto done;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	now.tv_sec++;
	(void)blob_pending_walk(b.dst, now, drop_temp, b.dst);
	(void)snprintf(text, sizeof(text),
	    "backed up %" PRId64 " images to %s: %" PRIu64 " linked, "
	    "%" PRIu64 " copied, %" PRIu64 " unchanged, %" PRIu64
	    " removed", (int64_t)(b.linked + b.copied + b.unchanged), dest,
	    b.linked, b.copied, b.unchanged, b.removed);
	b.prog.items = b.linked + b.copied + b.unchanged;
	dataio_summary(stdout, json, "backup", &b.prog,
	    json_pack("{s:s,s:I,s:I,s:I,s:I,s:I}", "dest", dest,
	    "linked", (json_int_t)b.linked, "copied", (json_int_t)b.copied,
	    "unchanged", (json_int_t)b.unchanged, "removed",
	    (json_int_t)b.removed, "vanished", (json_int_t)b.ngone), text);
	ret = b.missing > 0 ? 1 : 0;
done:
	if (ret != 0) {
		dataio_progress_end(&b.prog);
		fprintf(stderr, "imaged: backup: %s; %s keeps the backup it "
		    "had\n", b.err[0] != '\0' ? b.err : "failed", dest);
		(void)unlink(newdb);
	}
	free(b.gone);
	catalog_close(b.copy);
	blobstore_close(b.dst);
	blobstore_close(b.src);
	catalog_close(cat);
	return ret;
}
