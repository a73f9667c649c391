/*
 * cmd_export.c: `imaged export [--json] DIR`: everything, in the formats
 * of the services imaged stands in for.
 *
 *   DIR/s3/<bucket>/<s3_key>
 *	each image, byte for byte
 *   DIR/dynamodb/ImageMetadata/items.json
 *	DynamoDB JSON lines {"Item": ...}
 *   DIR/dynamodb/ImageMetadata/batches/batch-NNNNNN.json
 *	batch-write-item requests of 25
 *   DIR/manifest.json
 *	counts, bytes, every file's SHA-256
 *
 * The rows come from one catalog scan, a read snapshot, so a daemon may go
 * on serving and taking uploads: the export is the catalog as it was when
 * the scan began.  An image deleted after that moment has lost its file by
 * the time it is copied; it is left out and counted ("vanished").  Each
 * file is hashed as it is copied and must match its row.
 *
 * Nothing is half-written: the export is built in a hidden folder beside
 * DIR, synced once (syncfs) and renamed to DIR only when whole.  Memory
 * does not grow with the store: rows, items and manifest entries stream.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
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
#include "imaged/digest.h"
#include "imaged/dynamo.h"
#include "imaged/text.h"
#include "imaged/log.h"

#define EXPORT_FORMAT	"imaged-export"
#define EXPORT_VERSION	1

/* A file of the export being written, hashed as it goes. */
struct hfile {
	FILE		*fp;
	struct digest	 hash;
	uint64_t	 size;
	char		 rel[PATH_MAX];		/* path inside DIR */
};

struct exporter {
	const struct config	*cfg;
	const char		*dir;		/* DIR, as given */
	bool			 json;
	char			 db[PATH_MAX + 16];
	struct catalog		*cat;
	struct blobstore	*src, *dst;
	char			 stage[PATH_MAX];
	bool			 staged;	/* stage is to be removed */
	struct hfile		 items;
	FILE			*entries;	/* manifest entries, streamed */
	char			 entries_path[PATH_MAX + 32];
	uint64_t		 nentries;
	json_t			*batch;
	unsigned		 nbatch, batches;
	uint64_t		 vanished;
	struct dataio_progress	 prog;
	char			 err[PATH_MAX + 256];
};

/*
 * One line of the manifest's "files": {"path": ..., "size": ...,
 * "sha256": ...}.
 */
static bool
add_entry(struct exporter *x, const char *rel, uint64_t size, const char *hex)
{
	json_t	*e = json_pack("{s:s,s:I,s:s}", "path", rel, "size",
		    (json_int_t)size, "sha256", hex);
	int	 rc;

	if (e == NULL)
		return false;
	rc = fputs(x->nentries++ > 0 ? ",\n    " : "    ", x->entries) == EOF ||
	    json_dumpf(e, x->entries, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0;
	json_decref(e);
	return !rc;
}

static bool
hfile_open(struct exporter *x, struct hfile *h, const char *rel)
{
	char	 path[PATH_MAX * 2];

	(void)snprintf(h->rel, sizeof(h->rel), "%s", rel);
	(void)snprintf(path, sizeof(path), "%s/%s", x->stage, rel);
	digest_init(&h->hash);
	h->size = 0;
	if ((h->fp = fopen(path, "wx")) == NULL) {
		(void)snprintf(x->err, sizeof(x->err), "%s: %s", rel,
		    strerror(errno));
		return false;
	}
	return true;
}

static bool
hfile_write(struct exporter *x, struct hfile *h, const char *s, size_t n)
{
	digest_add(&h->hash, s, n);
	h->size += n;
	if (fwrite(s, 1, n, h->fp) != n) {
		(void)snprintf(x->err, sizeof(x->err), "%s: %s", h->rel,
		    strerror(errno));
		return false;
	}
	return true;
}

static bool
hfile_close(struct exporter *x, struct hfile *h)
{
	char	 hex[65];
	int	 rc;

	if (h->fp == NULL)
		return true;
	rc = fclose(h->fp);
	h->fp = NULL;
	if (rc == EOF) {
		(void)snprintf(x->err, sizeof(x->err), "%s: %s", h->rel,
		    strerror(errno));
		return false;
	}
	digest_hex(&h->hash, hex);
	return add_entry(x, h->rel, h->size, hex);
}

/* Write the batch-write-item request of the items gathered so far. */
static bool
flush_batch(struct exporter *x)
{
	struct hfile	 h;
	json_t		*req;
	char		*text = NULL, rel[128];
	bool		 ok = false;

	if (x->nbatch == 0)
		return true;
	x->batches++;
	(void)snprintf(rel, sizeof(rel), "dynamodb/%s/batches/batch-%06u.json",
	    DYNAMO_TABLE, x->batches);
	memset(&h, 0, sizeof(h));
	if ((req = json_pack("{s:O}", DYNAMO_TABLE, x->batch)) == NULL ||
	    (text = json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
	    NULL) {
		(void)snprintf(x->err, sizeof(x->err), "out of memory");
		goto done;
	}
	ok = hfile_open(x, &h, rel) && hfile_write(x, &h, text, strlen(text)) &&
	    hfile_write(x, &h, "\n", 1);
	if (!hfile_close(x, &h))
		ok = false;
done:
	free(text);
	json_decref(req);
	json_array_clear(x->batch);
	x->nbatch = 0;
	return ok;
}

/* Copy one image, checking it against its row; *vanished when it is gone. */
static bool
copy_image(struct exporter *x, const struct image_record *r, bool *vanished,
    char hex[65])
{
	struct digest		 st;
	struct blob_writer	*w = NULL;
	struct blob_info	 info;
	unsigned char		 buf[128 * 1024];
	uint64_t		 size = 0;
	ssize_t			 n;
	int			 fd = -1;
	enum img_err		 e;
	bool			 ok = false;

	*vanished = false;
	if ((e = blob_open_read(x->src, r->s3_key, &fd, &info)) ==
	    IMG_ENOTFOUND) {
		/*
		 * Deleted since the snapshot (its row is gone now too): left
		 * out.  A row still there names a lost file: the store is
		 * damaged, and an export would not be whole.
		 */
		if (catalog_id_known(x->cat, r->image_id) == IMG_ENOTFOUND) {
			*vanished = true;
			return true;
		}
		(void)snprintf(x->err, sizeof(x->err),
		    "%s: the file is missing; see imaged check", r->s3_key);
		return false;
	}
	if (e != IMG_OK || (e = blob_writer_new(x->dst, &w)) != IMG_OK) {
		(void)snprintf(x->err, sizeof(x->err), "%s: %s", r->s3_key,
		    img_err_message(e));
		goto done;
	}
	digest_init(&st);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		digest_add(&st, buf, (size_t)n);
		size += (uint64_t)n;
		if ((e = blob_writer_write(w, buf, (size_t)n)) != IMG_OK) {
			(void)snprintf(x->err, sizeof(x->err), "%s: %s",
			    r->s3_key, img_err_message(e));
			goto done;
		}
	}
	if (n < 0) {
		(void)snprintf(x->err, sizeof(x->err), "%s: %s", r->s3_key,
		    strerror(errno));
		goto done;
	}
	digest_hex(&st, hex);
	if (size != (uint64_t)r->file_size ||
	    strcmp(hex, r->checksum_sha256) != 0) {
		(void)snprintf(x->err, sizeof(x->err), "%s: the file differs "
		    "from its row (%s); see imaged check", r->s3_key,
		    size != (uint64_t)r->file_size ? "size" : "SHA-256");
		goto done;
	}
	if ((e = blob_writer_commit_unsynced(w, r->s3_key)) != IMG_OK) {
		(void)snprintf(x->err, sizeof(x->err), "%s: %s", r->s3_key,
		    img_err_message(e));
		goto done;
	}
	ok = true;
done:
	if (fd != -1)
		close(fd);
	blob_writer_free(w);
	return ok;
}

static enum img_err
export_row(void *arg, const struct image_record *r)
{
	struct exporter	*x = arg;
	json_t		*item = NULL;
	char		*line = NULL, hex[65], rel[PATH_MAX];
	bool		 vanished, ok = false;

	if (!copy_image(x, r, &vanished, hex))
		return IMG_EUNAVAIL;
	if (vanished) {
		x->vanished++;
		return IMG_OK;
	}
	(void)snprintf(rel, sizeof(rel), "s3/%s/%s", x->cfg->bucket, r->s3_key);
	if ((item = dynamo_item_from_record(r)) == NULL ||
	    (line = json_dumps(item, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
	    NULL ||
	    json_array_append_new(x->batch, json_pack("{s:{s:O}}", "PutRequest",
	    "Item", item)) != 0) {
		(void)snprintf(x->err, sizeof(x->err), "out of memory");
		goto done;
	}
	if (!hfile_write(x, &x->items, "{\"Item\":", 8) ||
	    !hfile_write(x, &x->items, line, strlen(line)) ||
	    !hfile_write(x, &x->items, "}\n", 2) ||
	    !add_entry(x, rel, (uint64_t)r->file_size, hex))
		goto done;
	if (++x->nbatch == DYNAMO_BATCH_MAX && !flush_batch(x))
		goto done;
	dataio_progress_add(&x->prog, 1, (uint64_t)r->file_size);
	ok = true;
done:
	free(line);
	json_decref(item);
	return ok ? IMG_OK : IMG_EUNAVAIL;
}

/*
 * Write manifest.json from the streamed entries.  Not durable_write: the
 * manifest grows with the store (a line per file), so it streams too; it
 * is synced here, and the export becomes visible only by the rename of
 * its whole folder after that.
 */
static bool
write_manifest(struct exporter *x, const char *entries_path)
{
	char	 path[PATH_MAX + 32], when[32], buf[64 * 1024];
	json_t	*head;
	char	*text = NULL;
	FILE	*fp = NULL, *in = NULL;
	size_t	 n, len;
	bool	 ok = false;

	time_format_rfc3339((int64_t)time(NULL) * 1000000, when);
	head = json_pack("{s:s,s:i,s:s,s:s,s:s,s:I,s:I,s:I,s:I}",
	    "format", EXPORT_FORMAT, "version", EXPORT_VERSION,
	    "exported_at", when, "bucket", x->cfg->bucket,
	    "table", DYNAMO_TABLE, "images", (json_int_t)x->prog.items,
	    "bytes", (json_int_t)x->prog.bytes, "batch_files",
	    (json_int_t)x->batches, "vanished", (json_int_t)x->vanished);
	if (head == NULL || (text = json_dumps(head, JSON_INDENT(2) |
	    JSON_PRESERVE_ORDER)) == NULL)
		goto done;
	/* The head without its closing brace, then "files". */
	len = strlen(text);
	while (len > 0 && text[len - 1] != '}')
		len--;
	(void)snprintf(path, sizeof(path), "%s/manifest.json", x->stage);
	if ((fp = fopen(path, "wx")) == NULL ||
	    (in = fopen(entries_path, "r")) == NULL)
		goto done;
	if (fwrite(text, 1, len - 2, fp) != len - 2 ||
	    fputs(",\n  \"files\": [\n", fp) == EOF)
		goto done;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, fp) != n)
			goto done;
	if (ferror(in) || fputs("\n  ]\n}\n", fp) == EOF || fflush(fp) == EOF ||
	    fsync(fileno(fp)) == -1)
		goto done;
	ok = true;
done:
	if (!ok)
		(void)snprintf(x->err, sizeof(x->err), "manifest.json: %s",
		    strerror(errno));
	if (in != NULL)
		fclose(in);
	if (fp != NULL && fclose(fp) == EOF)
		ok = false;
	free(text);
	json_decref(head);
	return ok;
}

/* [--json] DIR; false once the usage line is printed. */
static bool
export_args(struct exporter *x, int argc, char *argv[])
{
	int	 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			x->json = true;
		else if (argv[i][0] != '-' && x->dir == NULL)
			x->dir = argv[i];
		else {
			fprintf(stderr, "usage: imaged export [--json] dir\n");
			return false;
		}
	}
	if (x->dir == NULL || *x->dir == '\0') {
		fprintf(stderr, "usage: imaged export [--json] dir\n");
		return false;
	}
	return true;
}

/*
 * Whether there is a catalog to export and DIR can take it, missing or
 * empty.  False once the reason is printed.
 */
static bool
target_ok(struct exporter *x)
{
	(void)snprintf(x->db, sizeof(x->db), "%s/imaged.db",
	    x->cfg->data_dir);
	if (access(x->db, F_OK) == -1) {
		fprintf(stderr, "imaged: export: %s: %s\n", x->db,
		    strerror(errno));
		return false;
	}
	if (dataio_inside(x->dir, x->cfg->data_dir)) {
		fprintf(stderr, "imaged: export: %s: inside the data dir %s\n",
		    x->dir, x->cfg->data_dir);
		return false;
	}
	switch (dataio_dir_state(x->dir)) {
	case DATAIO_MISSING:
	case DATAIO_EMPTY:
		break;
	case DATAIO_FULL:
		fprintf(stderr, "imaged: export: %s: not empty\n", x->dir);
		return false;
	case DATAIO_NOTDIR:
		fprintf(stderr, "imaged: export: %s: not a directory\n",
		    x->dir);
		return false;
	case DATAIO_ERROR:
		fprintf(stderr, "imaged: export: %s: %s\n", x->dir,
		    strerror(errno));
		return false;
	}
	return true;
}

/*
 * The hidden folder beside DIR that the export is built in, on the same
 * file system so that it can be renamed to DIR.  From here on it is
 * removed on failure.
 */
static bool
make_stage(struct exporter *x)
{
	char	 parent[PATH_MAX], base[PATH_MAX];

	(void)snprintf(parent, sizeof(parent), "%s", x->dir);
	(void)snprintf(base, sizeof(base), "%s", x->dir);
	(void)snprintf(x->stage, sizeof(x->stage), "%s/.%s.partial-XXXXXX",
	    dirname(parent), basename(base));
	if (mkdtemp(x->stage) == NULL) {
		fprintf(stderr, "imaged: export: %s: %s\n", x->dir,
		    strerror(errno));
		return false;
	}
	x->staged = true;
	return true;
}

/* The catalog, the data dir's store, and the stage's s3/ as a store. */
static bool
open_stores(struct exporter *x)
{
	char	 path[PATH_MAX * 2];

	(void)snprintf(path, sizeof(path), "%s/s3", x->stage);
	if (mkdir(path, 0755) == -1 ||
	    catalog_open(x->db, 2, &x->cat) != IMG_OK ||
	    catalog_lean(x->cat) != IMG_OK ||
	    blobstore_open(x->cfg->data_dir, x->cfg->bucket,
	    x->cfg->file_mode, &x->src) != IMG_OK ||
	    blobstore_open(path, x->cfg->bucket, x->cfg->file_mode,
	    &x->dst) != IMG_OK) {
		(void)snprintf(x->err, sizeof(x->err), "cannot open the store");
		return false;
	}
	return true;
}

/* The table's folders, and the streams the rows are written to. */
static bool
open_outputs(struct exporter *x)
{
	char	 path[PATH_MAX * 2];

	(void)snprintf(x->entries_path, sizeof(x->entries_path), "%s/.files",
	    x->stage);
	(void)snprintf(path, sizeof(path), "%s/dynamodb", x->stage);
	if (mkdir(path, 0755) == -1 ||
	    (snprintf(path, sizeof(path), "%s/dynamodb/%s", x->stage,
	    DYNAMO_TABLE), mkdir(path, 0755) == -1) ||
	    (snprintf(path, sizeof(path), "%s/dynamodb/%s/batches", x->stage,
	    DYNAMO_TABLE), mkdir(path, 0755) == -1) ||
	    (x->entries = fopen(x->entries_path, "wx")) == NULL ||
	    (x->batch = json_array()) == NULL) {
		(void)snprintf(x->err, sizeof(x->err), "%s: %s", x->stage,
		    strerror(errno));
		return false;
	}
	(void)snprintf(path, sizeof(path), "dynamodb/%s/items.json",
	    DYNAMO_TABLE);
	return hfile_open(x, &x->items, path);
}

static bool
export_rows(struct exporter *x)
{
	int64_t	 rows, bytes;

	if (catalog_totals(x->cat, &rows, &bytes) != IMG_OK)
		rows = 0;
	dataio_progress_init(&x->prog, "exported", (uint64_t)rows,
	    isatty(STDERR_FILENO) ? stderr : NULL);
	if (catalog_scan(x->cat, export_row, x) != IMG_OK) {
		if (x->err[0] == '\0')
			(void)snprintf(x->err, sizeof(x->err),
			    "cannot read the catalog");
		return false;
	}
	dataio_progress_end(&x->prog);
	return true;
}

/*
 * Close the streams, then every file on its disk at once, then the
 * manifest that lists them.
 */
static bool
finish_files(struct exporter *x)
{
	char	 path[PATH_MAX * 2];

	if (!flush_batch(x) || !hfile_close(x, &x->items))
		return false;
	if (fclose(x->entries) == EOF) {
		x->entries = NULL;
		(void)snprintf(x->err, sizeof(x->err), "%s", strerror(errno));
		return false;
	}
	x->entries = NULL;
	if (blobstore_sync(x->dst) != IMG_OK) {
		(void)snprintf(x->err, sizeof(x->err), "sync: %s",
		    strerror(errno));
		return false;
	}
	if (!write_manifest(x, x->entries_path))
		return false;
	(void)unlink(x->entries_path);
	blobstore_close(x->dst);
	x->dst = NULL;
	(void)snprintf(path, sizeof(path), "%s/s3", x->stage);
	blobstore_drop_tmp(path);
	return true;
}

/* The stage becomes DIR: rename(2) replaces an empty folder. */
static bool
publish(struct exporter *x)
{
	char	 parent[PATH_MAX];
	int	 pfd;

	if (rename(x->stage, x->dir) == -1) {
		(void)snprintf(x->err, sizeof(x->err), "%s: %s", x->dir,
		    strerror(errno));
		return false;
	}
	x->staged = false;
	(void)snprintf(parent, sizeof(parent), "%s", x->dir);
	if ((pfd = open(dirname(parent), O_RDONLY | O_DIRECTORY)) != -1) {
		(void)fsync(pfd);
		close(pfd);
	}
	return true;
}

static void
export_summary(const struct exporter *x)
{
	char	 text[PATH_MAX + 128];

	(void)snprintf(text, sizeof(text), "exported %" PRIu64 " images, %"
	    PRIu64 " bytes, to %s%s", x->prog.items, x->prog.bytes, x->dir,
	    x->vanished > 0 ? " (some deleted meanwhile)" : "");
	dataio_summary(stdout, x->json, "export", &x->prog,
	    json_pack("{s:s,s:I,s:I}", "dir", x->dir, "batch_files",
	    (json_int_t)x->batches, "vanished", (json_int_t)x->vanished), text);
}

int
cmd_export(const struct config *cfg, int argc, char *argv[])
{
	struct exporter	 x;
	int		 ret = 1;

	memset(&x, 0, sizeof(x));
	/* Start-up notes (a schema made) are not for a command's output. */
	log_quiet(!log_verbose());
	x.cfg = cfg;
	if (!export_args(&x, argc, argv))
		return 2;
	if (!target_ok(&x) || !make_stage(&x))
		return 1;
	if (!open_stores(&x) || !open_outputs(&x) || !export_rows(&x) ||
	    !finish_files(&x) || !publish(&x))
		goto done;
	export_summary(&x);
	ret = 0;
done:
	if (ret != 0) {
		dataio_progress_end(&x.prog);
		fprintf(stderr, "imaged: export: %s; nothing written to %s\n",
		    x.err[0] != '\0' ? x.err : "failed", x.dir);
	}
	if (x.items.fp != NULL)
		fclose(x.items.fp);
	if (x.entries != NULL)
		fclose(x.entries);
	json_decref(x.batch);
	blobstore_close(x.dst);
	blobstore_close(x.src);
	catalog_close(x.cat);
	if (x.staged)
		dataio_remove_tree(x.stage);
	return ret;
}
