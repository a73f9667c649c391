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

/* imaged.db, then the files SQLite keeps beside it. */
static const char *const db_suffixes[] = { "", "-wal", "-shm", "-journal" };
#define NSUFFIXES	(sizeof(db_suffixes) / sizeof(db_suffixes[0]))

struct backer {
	const struct config	*cfg;
	const char		*dest;		/* DEST, as given */
	bool			 json;
	char			 db[PATH_MAX + 16];
	/* The copy being made; unlinked on failure. */
	char			 newdb[PATH_MAX + 32];
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

/* [--json] DEST; false once the usage line is printed. */
static bool
backup_args(struct backer *b, int argc, char *argv[])
{
	int	 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			b->json = true;
		else if (argv[i][0] != '-' && b->dest == NULL)
			b->dest = argv[i];
		else {
			fprintf(stderr, "usage: imaged backup [--json] dest\n");
			return false;
		}
	}
	if (b->dest == NULL || *b->dest == '\0') {
		fprintf(stderr, "usage: imaged backup [--json] dest\n");
		return false;
	}
	return true;
}

/*
 * Whether there is a catalog to back up and DEST can take it: missing
 * (made here), empty, or a backup made before.  False once the reason is
 * printed.
 */
static bool
target_ok(struct backer *b)
{
	char	 path[PATH_MAX + 32];

	(void)snprintf(b->db, sizeof(b->db), "%s/imaged.db", b->cfg->data_dir);
	if (access(b->db, F_OK) == -1) {
		fprintf(stderr, "imaged: backup: %s: %s\n", b->db,
		    strerror(errno));
		return false;
	}
	if (dataio_inside(b->dest, b->cfg->data_dir) ||
	    dataio_inside(b->cfg->data_dir, b->dest)) {
		fprintf(stderr,
		    "imaged: backup: %s: inside the data dir %s (or "
		    "holding it)\n", b->dest, b->cfg->data_dir);
		return false;
	}
	(void)snprintf(path, sizeof(path), "%s/imaged.db", b->dest);
	switch (dataio_dir_state(b->dest)) {
	case DATAIO_MISSING:
		if (mkdir(b->dest, 0755) == -1) {
			fprintf(stderr, "imaged: backup: %s: %s\n", b->dest,
			    strerror(errno));
			return false;
		}
		break;
	case DATAIO_EMPTY:
		break;
	case DATAIO_FULL:
		if (access(path, F_OK) == 0)
			break;	/* a backup before: only the changes */
		fprintf(stderr,
		    "imaged: backup: %s: not empty and not an imaged "
		    "backup\n", b->dest);
		return false;
	case DATAIO_NOTDIR:
		fprintf(stderr, "imaged: backup: %s: not a directory\n",
		    b->dest);
		return false;
	case DATAIO_ERROR:
		fprintf(stderr, "imaged: backup: %s: %s\n", b->dest,
		    strerror(errno));
		return false;
	}
	return true;
}

static bool
open_stores(struct backer *b)
{
	if (catalog_open(b->db, 1, &b->live) != IMG_OK ||
	    catalog_lean(b->live) != IMG_OK ||
	    blobstore_open(b->cfg->data_dir, b->cfg->bucket,
	    b->cfg->file_mode, &b->src) != IMG_OK ||
	    blobstore_open(b->dest, b->cfg->bucket, b->cfg->file_mode,
	    &b->dst) != IMG_OK) {
		(void)snprintf(b->err, sizeof(b->err),
		    "cannot open the stores");
		return false;
	}
	return true;
}

/*
 * The moment: the whole database as one transaction saw it, copied to
 * DEST/imaged.db.new (an interrupted backup's is dropped first) and
 * opened as the copy.
 */
static bool
copy_database(struct backer *b)
{
	int64_t	 rows, bytes;
	size_t	 k;

	for (k = 0; k < NSUFFIXES; k++) {
		(void)snprintf(b->newdb, sizeof(b->newdb), "%s/imaged.db.new%s",
		    b->dest, db_suffixes[k]);
		(void)unlink(b->newdb);
	}
	(void)snprintf(b->newdb, sizeof(b->newdb), "%s/imaged.db.new",
	    b->dest);
	if (catalog_totals(b->live, &rows, &bytes) != IMG_OK)
		rows = 0;
	dataio_progress_init(&b->prog, "backed up", (uint64_t)rows,
	    isatty(STDERR_FILENO) ? stderr : NULL);
	if (catalog_copy_to(b->live, b->newdb) != IMG_OK ||
	    catalog_open(b->newdb, 1, &b->copy) != IMG_OK ||
	    catalog_lean(b->copy) != IMG_OK) {
		(void)snprintf(b->err, sizeof(b->err),
		    "cannot copy the database");
		return false;
	}
	return true;
}

/*
 * The files the copy's rows name, synced once; the rows of images deleted
 * meanwhile leave the copy, which is then closed (the last connection
 * folds the WAL in).
 */
static bool
back_files(struct backer *b)
{
	char	 key[BLOB_KEY_MAX + 1];
	size_t	 k;

	if (catalog_scan_every(b->copy, back_row, b) != IMG_OK) {
		if (b->err[0] == '\0')
			(void)snprintf(b->err, sizeof(b->err),
			    "cannot read the copy");
		return false;
	}
	dataio_progress_end(&b->prog);
	for (k = 0; k < b->ngone; k++)
		(void)catalog_delete(b->copy, b->gone[k], key, sizeof(key));
	catalog_close(b->copy);
	b->copy = NULL;
	if (blobstore_sync(b->dst) != IMG_OK) {
		(void)snprintf(b->err, sizeof(b->err), "sync: %s",
		    strerror(errno));
		return false;
	}
	return true;
}

/* The signing key (unless it is kept elsewhere) and the tokens file. */
static bool
copy_keys(struct backer *b)
{
	char	 from[PATH_MAX + 32], to[PATH_MAX + 32];

	(void)snprintf(from, sizeof(from), "%s/signing.key", b->cfg->data_dir);
	(void)snprintf(to, sizeof(to), "%s/signing.key", b->dest);
	if (b->cfg->signing_key_file[0] == '\0' &&
	    !copy_small(from, to, b->err, sizeof(b->err)))
		return false;
	(void)snprintf(from, sizeof(from), "%s/%s", b->cfg->data_dir,
	    TOKENS_FILE);
	(void)snprintf(to, sizeof(to), "%s/%s", b->dest, TOKENS_FILE);
	return copy_small(from, to, b->err, sizeof(b->err));
}

/* The new database renamed over the old, whose WAL and journal go first. */
static bool
replace_database(struct backer *b)
{
	char	 path[PATH_MAX + 32];
	size_t	 k;

	for (k = 1; k < NSUFFIXES; k++) {
		(void)snprintf(path, sizeof(path), "%s/imaged.db%s", b->dest,
		    db_suffixes[k]);
		(void)unlink(path);
	}
	(void)snprintf(path, sizeof(path), "%s/imaged.db", b->dest);
	if (rename(b->newdb, path) == -1) {
		(void)snprintf(b->err, sizeof(b->err), "%s: %s", path,
		    strerror(errno));
		return false;
	}
	sync_dir(b->dest);
	return true;
}

/*
 * The files of images deleted since the last backup, and the temp files
 * of interrupted copies.
 */
static bool
sweep_dest(struct backer *b)
{
	struct timespec	 now;
	char		 path[PATH_MAX + 32];

	(void)snprintf(path, sizeof(path), "%s/imaged.db", b->dest);
	if (catalog_open(path, 1, &b->copy) != IMG_OK ||
	    catalog_lean(b->copy) != IMG_OK ||
	    blob_walk(b->dst, drop_stale, b) != IMG_OK) {
		(void)snprintf(b->err, sizeof(b->err), "cannot sweep %s",
		    b->dest);
		return false;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	now.tv_sec++;
	(void)blob_pending_walk(b->dst, now, drop_temp, b->dst);
	return true;
}

static void
backup_summary(struct backer *b)
{
	char	 text[PATH_MAX + 256];

	(void)snprintf(text, sizeof(text),
	    "backed up %" PRId64 " images to %s: %" PRIu64 " linked, "
	    "%" PRIu64 " copied, %" PRIu64 " unchanged, %" PRIu64
	    " removed", (int64_t)(b->linked + b->copied + b->unchanged),
	    b->dest, b->linked, b->copied, b->unchanged, b->removed);
	b->prog.items = b->linked + b->copied + b->unchanged;
	dataio_summary(stdout, b->json, "backup", &b->prog,
	    json_pack("{s:s,s:I,s:I,s:I,s:I,s:I}", "dest", b->dest,
	    "linked", (json_int_t)b->linked, "copied", (json_int_t)b->copied,
	    "unchanged", (json_int_t)b->unchanged, "removed",
	    (json_int_t)b->removed, "vanished", (json_int_t)b->ngone), text);
}

int
cmd_backup(const struct config *cfg, int argc, char *argv[])
{
	struct backer	 b;
	int		 ret = 1;

	memset(&b, 0, sizeof(b));
	/* Start-up notes (a schema made) are not for a command's output. */
	log_quiet(!log_verbose());
	b.cfg = cfg;
	if (!backup_args(&b, argc, argv))
		return 2;
	if (!target_ok(&b))
		return 1;
	if (!open_stores(&b) || !copy_database(&b) || !back_files(&b) ||
	    !copy_keys(&b) || !replace_database(&b) || !sweep_dest(&b))
		goto done;
	backup_summary(&b);
	ret = b.missing > 0 ? 1 : 0;
done:
	if (ret != 0) {
		dataio_progress_end(&b.prog);
		fprintf(stderr, "imaged: backup: %s; %s keeps the backup it "
		    "had\n", b.err[0] != '\0' ? b.err : "failed", b.dest);
		(void)unlink(b.newdb);
	}
	free(b.gone);
	catalog_close(b.copy);
	blobstore_close(b.dst);
	blobstore_close(b.src);
	catalog_close(b.live);
	return ret;
}
