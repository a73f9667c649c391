/*
 * cmd_import.c: `imaged import [--json] [--items FILE|DIR]... SRC` and
 * `imaged import [--json] --adopt`.
 *
 * SRC is an imaged export (it holds manifest.json: the images are under
 * s3/<bucket>/, the items in dynamodb/<table>/items.json), or a folder made
 * by `aws s3 sync s3://BUCKET SRC` with the items given by --items: the
 * output of `aws dynamodb scan`, DynamoDB export data files (gzipped or
 * not; a folder of them), or batch-write-item request files.
 *
 * Every item passes the upload rules: its attributes' types, the ids, the
 * filename and its extension, the key (which must be
 * images/<user_id>/<image_id>.<ext>, so it cannot leave the bucket), the
 * sizes, the times, the metadata limits; then the file is streamed
 * through the upload path (size limit, SHA-256, magic bytes, dimensions)
 * into the store.  An item that fails is reported, one line, and skipped.
 * Items whose image_id is already stored are left alone, so a second run
 * adds nothing.
 *
 * Never half-imported: files are renamed into place, then synced (one
 * syncfs per batch), and only then are the batch's rows inserted, in one
 * transaction; a failed insert removes the batch's files.  All item files
 * are read through once before anything is written, so a file that is not
 * JSON stops the import with nothing changed.  A daemon may be running:
 * SQLite's WAL lets both write, and a file in place before its row is what
 * the daemon's own uploads look like too.
 *
 * --adopt registers the files under the bucket folder that no row names
 * (copied in by hand): the user comes from the key's path
 * (images/<user_id>/<file>), the times from the file.  A file named
 * <uuid>.<ext> keeps its name and id; any other gets an id derived from
 * its key (so a rerun after a crash finds the same one), moves to its
 * canonical key, and keeps its name as the filename.  Files changed in the
 * last minute are left for later: they may be uploads in flight.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "imaged/blobstore.h"
#include "imaged/catalog.h"
#include "imaged/cmd.h"
#include "imaged/dataio.h"
#include "imaged/digest.h"
#include "imaged/dynamo.h"
#include "imaged/text.h"
#include "imaged/imgsniff.h"
#include "imaged/log.h"
#include "imaged/upload.h"
#include "imaged/validate.h"

#define IMPORT_BATCH	256	/* rows per transaction, files per syncfs */
#define ITEM_FILES_MAX	1024
#define ADOPT_GRACE_S	60
#define CONTENT_TYPE_MAX 127

/* One image written to the store, its row not yet inserted. */
struct pending {
	json_t			*item;		/* owns the strings of rec */
	struct image_record	 rec;
	struct meta_input	 meta;
	struct image_meta	 view;
	char			 id[IMAGE_ID_SIZE];
	char			 key[BLOB_KEY_MAX + 1];
	/* adopt: to remove */
	char			 old_key[BLOB_KEY_MAX + 1];
	char			 user[USER_ID_MAX + 1];
	char			 filename[FILENAME_MAX_BYTES + 1];
	char			 sha[65];
	bool			 wrote;		/* a file was put at key */
};

struct importer {
	const struct config	*cfg;
	bool			 json, adopt;
	const char		*src;		/* SRC; NULL with --adopt */
	char			*files[ITEM_FILES_MAX];	/* items, owned */
	size_t			 nfiles;
	uint64_t		 total;		/* the items in them */
	struct catalog		*cat;
	struct blobstore	*blobs;
	int			 srcfd;		/* SRC's bucket folder */
	const char		*where;		/* the items file being read */
	unsigned long		 nitem;		/* its item number */
	struct pending		*pend;
	struct catalog_import_row *rows;
	size_t			 npend;
	uint64_t		 added, present, skipped, recent;
	int64_t			 now;
	/* stop: the store could not be written */
	bool			 failed;
	struct dataio_progress	 prog;
};

static void
skip(struct importer *x, const char *what, const char *reason)
{
	x->skipped++;
	dataio_progress_end(&x->prog);
	fprintf(stderr, "imaged: import: %s: %s; skipped\n", what, reason);
}

static void
pending_free(struct pending *p)
{
	json_decref(p->item);
	p->item = NULL;
	meta_input_free(&p->meta);
}

static bool
pending_has(const struct importer *x, const char *id)
{
	size_t	 i;

	for (i = 0; i < x->npend; i++)
		if (strcmp(x->pend[i].id, id) == 0)
			return true;
	return false;
}

/* Sync the batch's files, insert its rows, and undo the files on failure. */
static bool
flush(struct importer *x)
{
	struct pending	*p;
	enum img_err	 e;
	size_t		 i;

	if (x->npend == 0)
		return true;
	for (i = 0; i < x->npend; i++) {
		x->rows[i].rec = &x->pend[i].rec;
		x->rows[i].meta = &x->pend[i].view;
	}
	if ((e = blobstore_sync(x->blobs)) == IMG_OK)
		e = catalog_import(x->cat, x->rows, x->npend);
	for (i = 0; i < x->npend; i++) {
		p = &x->pend[i];
		if (e != IMG_OK) {
			if (p->wrote)
				(void)blob_remove(x->blobs, p->key);
		} else if (x->rows[i].added) {
			x->added++;
			dataio_progress_add(&x->prog, 0,
			    (uint64_t)p->rec.file_size);
			if (p->old_key[0] != '\0')
				(void)blob_remove(x->blobs, p->old_key);
		} else
			x->present++;
		pending_free(p);
	}
	x->npend = 0;
	if (e != IMG_OK) {
		dataio_progress_end(&x->prog);
		fprintf(stderr, "imaged: import: cannot write the store: %s\n",
		    img_err_message(e));
		x->failed = true;
		return false;
	}
	return true;
}

/*
 * Stream the open file fd through the upload path to key (copy) or only
 * through the hash and sniffer (in place, key NULL).  Fills p's sha, size,
 * dimensions; *kind the magic bytes' kind.  False with msg.
 */
static bool
take_file(struct importer *x, int fd, const char *key, struct pending *p,
    enum img_kind *kind, char *msg, size_t msglen)
{
	struct digest		 st;
	struct img_sniff	 sniff;
	struct upload_info	 info;
	struct upload		*up = NULL;
	unsigned char		 buf[128 * 1024];
	uint64_t		 size = 0;
	ssize_t			 n;
	enum img_err		 e = IMG_OK;
	bool			 ok = false;

	if (key != NULL && (e = upload_new(x->blobs, x->cfg->max_file_size,
	    &up)) != IMG_OK) {
		(void)snprintf(msg, msglen, "%s", img_err_message(e));
		x->failed = true;
		return false;
	}
	digest_init(&st);
	img_sniff_init(&sniff);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (up != NULL) {
			if ((e = upload_write(up, buf, (size_t)n)) != IMG_OK)
				break;
		} else {
			size += (uint64_t)n;
			if (size > x->cfg->max_file_size) {
				e = IMG_ETOOBIG;
				break;
			}
			digest_add(&st, buf, (size_t)n);
			img_sniff_feed(&sniff, buf, (size_t)n);
		}
	}
	if (e == IMG_ETOOBIG) {
		(void)snprintf(msg, msglen,
		    "the file is larger than max_file_size "
		    "(%" PRIu64 " bytes)", x->cfg->max_file_size);
		goto done;
	}
	if (e != IMG_OK || n < 0) {
		(void)snprintf(msg, msglen, "%s", e != IMG_OK ?
		    img_err_message(e) : strerror(errno));
		x->failed = e != IMG_OK;
		goto done;
	}
	if (up != NULL)
		upload_end(up, &info);
	else {
		digest_hex(&st, info.sha256);
		info.size = size;
		info.kind = img_sniff_kind(&sniff);
		if (!img_sniff_dims(&sniff, &info.width, &info.height))
			info.width = info.height = 0;
	}
	if (info.size == 0) {
		(void)snprintf(msg, msglen, "the file is empty");
		goto done;
	}
	memcpy(p->sha, info.sha256, sizeof(p->sha));
	p->rec.checksum_sha256 = p->sha;
	p->rec.file_size = (int64_t)info.size;
	p->rec.width = info.width;
	p->rec.height = info.height;
	*kind = info.kind;
	ok = true;
	if (up != NULL) {
		ok = false;
		if ((e = upload_commit_unsynced(up, key)) != IMG_OK) {
			(void)snprintf(msg, msglen, "%s", img_err_message(e));
			x->failed = true;
		} else
			ok = p->wrote = true;
	}
done:
	upload_free(up);
	return ok;
}

/* The magic bytes against the extension, as an upload is judged. */
static bool
magic_ok(const struct importer *x, enum img_kind kind, const char *ext,
    char *msg, size_t msglen)
{
	enum img_kind	 want = img_kind_from_ext(ext);

	if (!x->cfg->check_magic)
		return true;
	if (kind == IMG_KIND_UNKNOWN) {
		(void)snprintf(msg, msglen,
		    "the file's bytes are not an image");
		return false;
	}
	if (kind != want) {
		(void)snprintf(msg, msglen,
		    "the file is %s, not the .%s its name says",
		    img_kind_mime(kind), ext);
		return false;
	}
	return true;
}

/* Whether a key stays inside the bucket: relative, no empty, . or .. part. */
static bool
key_inside(const char *key)
{
	const char	*p = key;
	size_t		 len;

	for (;;) {
		len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.') ||
		    memchr(p, '\\', len) != NULL)
			return false;
		if (p[len] == '\0')
			return true;
		p += len + 1;
	}
}

/* One item while it is checked; msg says why it fails. */
struct item_check {
	struct dynamo_image	 im;
	struct pending		*p;
	char			 ext[EXT_MAX + 1];
	int64_t			 created, updated;
	char			 msg[512];
};

/* "FILE: item N (ID)": the id names the item even when the item is bad. */
static void
item_name(const struct importer *x, const json_t *item, char *what,
    size_t len)
{
	const char	*id;
	size_t		 n;

	(void)snprintf(what, len, "%s: item %lu", x->where, x->nitem);
	if ((id = json_string_value(json_object_get(json_object_get(item,
	    "image_id"), "S"))) != NULL) {
		n = strlen(what);
		(void)snprintf(what + n, len - n, " (%.64s)", id);
	}
}

/* The ids, the filename, and the key, which must be the one imaged makes. */
static bool
check_names(const struct importer *x, struct item_check *c)
{
	const struct dynamo_image	*im = &c->im;
	struct pending			*p = c->p;
	char				 want[BLOB_KEY_MAX + 1];
	size_t				 n;

	if (!uuid_parse(im->image_id, strlen(im->image_id), p->id) ||
	    strcmp(p->id, im->image_id) != 0) {
		(void)snprintf(c->msg, sizeof(c->msg),
		    "image_id: expected a lower-case UUID");
		return false;
	}
	if (!valid_user_id(im->user_id, strlen(im->user_id), c->msg,
	    sizeof(c->msg)) ||
	    !valid_filename(x->cfg, im->filename, strlen(im->filename),
	    c->ext, c->msg, sizeof(c->msg)))
		return false;
	if (!key_inside(im->s3_key)) {
		(void)snprintf(c->msg, sizeof(c->msg),
		    "s3_key: \"%.64s\" escapes the bucket", im->s3_key);
		return false;
	}
	/* The key imaged would make, but the extension in either case. */
	if (!blob_key_make(want, sizeof(want), im->user_id, p->id, c->ext))
		want[0] = '\0';
	n = strlen(want) - strlen(c->ext);
	if (want[0] == '\0' || strlen(im->s3_key) != strlen(want) ||
	    strncmp(im->s3_key, want, n) != 0 || strcasecmp(im->s3_key + n,
	    c->ext) != 0) {
		(void)snprintf(c->msg, sizeof(c->msg), "s3_key: expected %s",
		    want);
		return false;
	}
	return true;
}

/* The content type, the file size and the times. */
static bool
check_fields(const struct importer *x, struct item_check *c)
{
	const struct dynamo_image	*im = &c->im;
	const char			*k;
	size_t				 n;

	n = strlen(im->content_type);
	for (k = im->content_type; *k != '\0'; k++)
		if (*k <= ' ' || *k > '~')
			break;
	if (n == 0 || n > CONTENT_TYPE_MAX || *k != '\0') {
		(void)snprintf(c->msg, sizeof(c->msg),
		    "content_type: expected a media type");
		return false;
	}
	if (im->file_size < 1 ||
	    (uint64_t)im->file_size > x->cfg->max_file_size) {
		(void)snprintf(c->msg, sizeof(c->msg), "file_size: expected 1 "
		    "to max_file_size (%" PRIu64 ") bytes",
		    x->cfg->max_file_size);
		return false;
	}
	if (!dynamo_time_parse(im->created_at, &c->created) ||
	    c->created < 0 || (im->updated_at != NULL &&
	    !dynamo_time_parse(im->updated_at, &c->updated))) {
		(void)snprintf(c->msg, sizeof(c->msg),
		    "%s: expected an RFC 3339 time",
		    dynamo_time_parse(im->created_at, &c->created) ?
		    "updated_at" : "created_at");
		return false;
	}
	if (im->updated_at == NULL || c->updated < c->created)
		c->updated = c->created;
	if (c->created >= x->now) {
		(void)snprintf(c->msg, sizeof(c->msg),
		    "created_at: in the future");
		return false;
	}
	return true;
}

/* Title, description, location and tags, held by p->meta. */
static bool
check_meta(struct item_check *c)
{
	const struct dynamo_image	*im = &c->im;
	struct pending			*p = c->p;
	const char			*tag;
	size_t				 i;

	if (!meta_set_text(&p->meta, META_TITLE, im->title, im->title ?
	    strlen(im->title) : 0, c->msg, sizeof(c->msg)) ||
	    !meta_set_text(&p->meta, META_DESCRIPTION, im->description,
	    im->description ? strlen(im->description) : 0, c->msg,
	    sizeof(c->msg)) ||
	    !meta_set_text(&p->meta, META_LOCATION, im->location,
	    im->location ? strlen(im->location) : 0, c->msg, sizeof(c->msg)))
		return false;
	for (i = 0; i < im->ntags; i++) {
		tag = dynamo_image_tag(im, i);
		if (!meta_add_tag(&p->meta, tag, strlen(tag), c->msg,
		    sizeof(c->msg)))
			return false;
	}
	if (!meta_view(&p->meta, &p->view)) {
		(void)snprintf(c->msg, sizeof(c->msg), "out of memory");
		return false;
	}
	return true;
}

/* The item against the upload rules, in the order an upload is judged. */
static bool
check_item(const struct importer *x, const json_t *item,
    struct item_check *c)
{
	if (!dynamo_image_parse(item, &c->im, c->msg, sizeof(c->msg)) ||
	    !check_names(x, c) || !check_fields(x, c) || !check_meta(c))
		return false;
	if (c->im.sha256 != NULL && strlen(c->im.sha256) != 64) {
		(void)snprintf(c->msg, sizeof(c->msg),
		    "sha256: expected 64 hex digits");
		return false;
	}
	return true;
}

/*
 * The item's file, from SRC through the upload path to its key, then held
 * against the item.  Once the file is at the key (p->wrote), removing it
 * on failure is the caller's.
 */
static bool
item_file(struct importer *x, struct item_check *c)
{
	const struct dynamo_image	*im = &c->im;
	struct pending			*p = c->p;
	enum img_kind			 kind;
	bool				 ok;
	int				 fd;

	if ((fd = openat(x->srcfd, im->s3_key, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		(void)snprintf(c->msg, sizeof(c->msg), "file %s: %s",
		    im->s3_key, strerror(errno));
		return false;
	}
	(void)snprintf(p->key, sizeof(p->key), "%s", im->s3_key);
	ok = take_file(x, fd, p->key, p, &kind, c->msg, sizeof(c->msg));
	close(fd);
	if (!ok)
		return false;
	if ((uint64_t)p->rec.file_size != (uint64_t)im->file_size) {
		(void)snprintf(c->msg, sizeof(c->msg),
		    "file_size: the item says %" PRId64 " bytes, the file has "
		    "%" PRId64, im->file_size, p->rec.file_size);
		return false;
	}
	if (im->sha256 != NULL && strcasecmp(im->sha256, p->sha) != 0) {
		(void)snprintf(c->msg, sizeof(c->msg),
		    "sha256: does not match the file");
		return false;
	}
	return magic_ok(x, kind, c->ext, c->msg, sizeof(c->msg));
}

/* The row's strings are the item's: p keeps a reference to it. */
static void
item_row(struct item_check *c, json_t *item)
{
	struct pending	*p = c->p;

	p->item = json_incref(item);
	p->rec.image_id = p->id;
	p->rec.user_id = c->im.user_id;
	p->rec.filename = c->im.filename;
	p->rec.s3_key = p->key;
	p->rec.content_type = c->im.content_type;
	p->rec.created_at = c->created;
	p->rec.updated_at = c->updated;
}

/* Check one item against the upload rules and bring its file in. */
static void
import_item(struct importer *x, json_t *item)
{
	struct item_check	 c;
	struct pending		*p = &x->pend[x->npend];
	char			 what[PATH_MAX + 96];

	x->nitem++;
	item_name(x, item, what, sizeof(what));
	memset(p, 0, sizeof(*p));
	meta_input_init(&p->meta);
	memset(&c, 0, sizeof(c));
	c.p = p;
	if (!check_item(x, item, &c))
		goto bad;
	/*
	 * Already here (a second run, or the same item twice): nothing
	 * to do.
	 */
	if (pending_has(x, p->id) ||
	    catalog_id_known(x->cat, p->id) == IMG_OK) {
		x->present++;
		meta_input_free(&p->meta);
		dataio_progress_add(&x->prog, 1, 0);
		return;
	}
	if (!item_file(x, &c))
		goto bad;
	item_row(&c, item);
	dataio_progress_add(&x->prog, 1, 0);
	if (++x->npend == IMPORT_BATCH)
		(void)flush(x);
	return;
bad:
	if (p->wrote)
		(void)blob_remove(x->blobs, p->key);
	pending_free(p);
	dataio_progress_add(&x->prog, 1, 0);
	if (!x->failed)
		skip(x, what, c.msg);
}

/* --- adopt ---------------------------------------------------------------- */

/*
 * An id for a file not named by one: from its key, so a rerun finds
 * the same.
 */
static void
derived_id(const char *key, char id[IMAGE_ID_SIZE])
{
	unsigned char	 d[crypto_hash_sha256_BYTES];
	char		 hex[65];

	crypto_hash_sha256(d, (const unsigned char *)key, strlen(key));
	d[6] = (unsigned char)((d[6] & 0x0f) | 0x40);	/* the form of v4 */
	d[8] = (unsigned char)((d[8] & 0x3f) | 0x80);
	sodium_bin2hex(hex, sizeof(hex), d, 16);
	(void)snprintf(id, IMAGE_ID_SIZE, "%.8s-%.4s-%.4s-%.4s-%.12s", hex,
	    hex + 8, hex + 12, hex + 16, hex + 20);
}

/* One file of the bucket while adopt_file works on it. */
struct adoption {
	const char		*key;
	const struct blob_info	*info;
	struct pending		*p;
	char			 id[IMAGE_ID_SIZE];	/* its name's, if any */
	char			 ext[EXT_MAX + 1];
	bool			 in_place;	/* named <uuid>.<ext> */
};

/*
 * Whether the file is for adopting now: at images/<user_id>/<file>, with
 * a valid user and filename, named by no row, and not changed in the last
 * minute.  A file skipped is said.
 */
static bool
adopt_wanted(struct importer *x, struct adoption *a)
{
	const char	*user, *base, *slash, *dot;
	char		 msg[256];
	size_t		 ulen;

	if (strncmp(a->key, "images/", 7) != 0 || (slash = strchr(a->key + 7,
	    '/')) == NULL || strchr(slash + 1, '/') != NULL) {
		skip(x, a->key, "not images/<user_id>/<file>");
		return false;
	}
	user = a->key + 7;
	base = slash + 1;
	ulen = (size_t)(slash - user);
	dot = strchr(base, '.');
	a->in_place = blob_key_image_id(a->key, a->id) &&
	    strncmp(base, a->id, IMAGE_ID_LEN) == 0 &&
	    dot == base + IMAGE_ID_LEN;
	if (a->in_place && (pending_has(x, a->id) ||
	    catalog_id_known(x->cat, a->id) == IMG_OK))
		return false;		/* a row names it */
	if (a->info->mtime > time(NULL) - ADOPT_GRACE_S) {
		x->recent++;
		return false;
	}
	if (!valid_user_id(user, ulen, msg, sizeof(msg)) ||
	    !valid_filename(x->cfg, base, strlen(base), a->ext, msg,
	    sizeof(msg))) {
		skip(x, a->key, msg);
		return false;
	}
	memcpy(a->p->user, user, ulen);
	a->p->user[ulen] = '\0';
	(void)snprintf(a->p->filename, sizeof(a->p->filename), "%s", base);
	return true;
}

/*
 * The image's id and key: a file named <uuid>.<ext> keeps both, any other
 * gets an id derived from its key and is to move to its canonical key.
 * False when there is nothing to do, or the file is skipped (said).
 */
static bool
adopt_key(struct importer *x, struct adoption *a)
{
	struct pending	*p = a->p;

	if (a->in_place) {
		memcpy(p->id, a->id, sizeof(p->id));
		(void)snprintf(p->key, sizeof(p->key), "%s", a->key);
		return true;
	}
	derived_id(a->key, p->id);
	if (!blob_key_make(p->key, sizeof(p->key), p->user, p->id, a->ext)) {
		skip(x, a->key, "too long a key");
		return false;
	}
	(void)snprintf(p->old_key, sizeof(p->old_key), "%s", a->key);
	if (pending_has(x, p->id))
		return false;
	if (catalog_key_known(x->cat, p->id, p->key) == IMG_OK) {
		/* Adopted before; the old name outlived a crash. */
		(void)blob_remove(x->blobs, a->key);
		return false;
	}
	return true;
}

/*
 * The file through the upload path (copied to its key, or only read when
 * it stays in place), then its row, timed by the file.  False when it is
 * skipped (said) or the store cannot be written (x->failed).
 */
static bool
adopt_take(struct importer *x, struct adoption *a)
{
	struct pending		*p = a->p;
	struct blob_info	 bi;
	enum img_kind		 kind;
	char			 msg[256];
	int			 fd;

	if (blob_open_read(x->blobs, a->key, &fd, &bi) != IMG_OK) {
		skip(x, a->key, "cannot be read");
		return false;
	}
	if (!take_file(x, fd, a->in_place ? NULL : p->key, p, &kind, msg,
	    sizeof(msg)) || !magic_ok(x, kind, a->ext, msg, sizeof(msg))) {
		close(fd);
		if (p->wrote)
			(void)blob_remove(x->blobs, p->key);
		if (!x->failed)
			skip(x, a->key, msg);
		return false;
	}
	close(fd);
	p->rec.image_id = p->id;
	p->rec.user_id = p->user;
	p->rec.filename = p->filename;
	p->rec.s3_key = p->key;
	p->rec.content_type = img_kind_mime(kind != IMG_KIND_UNKNOWN ? kind :
	    img_kind_from_ext(a->ext));
	p->rec.created_at = (int64_t)a->info->mtim.tv_sec * 1000000 +
	    a->info->mtim.tv_nsec / 1000;
	p->rec.updated_at = p->rec.created_at;
	if (!meta_view(&p->meta, &p->view)) {
		skip(x, a->key, "out of memory");
		pending_free(p);
		return false;
	}
	return true;
}

/*
 * blob_walk's callback.  IMG_EUNAVAIL stops the walk once the store
 * cannot be written; a file skipped or left for later does not.
 */
static enum img_err
adopt_file(void *arg, const char *key, const struct blob_info *info)
{
	struct importer	*x = arg;
	struct adoption	 a;

	if (x->failed)
		return IMG_EUNAVAIL;
	memset(&a, 0, sizeof(a));
	a.key = key;
	a.info = info;
	a.p = &x->pend[x->npend];
	memset(a.p, 0, sizeof(*a.p));
	meta_input_init(&a.p->meta);
	if (adopt_wanted(x, &a) && adopt_key(x, &a) && adopt_take(x, &a)) {
		dataio_progress_add(&x->prog, 1, 0);
		if (++x->npend == IMPORT_BATCH)
			(void)flush(x);
	}
	return x->failed ? IMG_EUNAVAIL : IMG_OK;
}

/* --- sources -------------------------------------------------------------- */

static bool
items_name(const char *name)
{
	size_t	 n = strlen(name);

	return (n > 5 && strcmp(name + n - 5, ".json") == 0) ||
	    (n > 8 && strcmp(name + n - 8, ".json.gz") == 0);
}

/* Add path, or the item files in the folder path (and its data/). */
static bool
add_items(char **files, size_t *nfiles, const char *path)
{
	struct dirent	**names = NULL;
	struct stat	 st;
	char		 sub[PATH_MAX * 2];
	int		 n, i;
	bool		 ok = true;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "imaged: import: %s: %s\n", path,
		    strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (*nfiles == ITEM_FILES_MAX ||
		    (files[*nfiles] = strdup(path)) == NULL) {
			fprintf(stderr,
			    "imaged: import: too many item files\n");
			return false;
		}
		(*nfiles)++;
		return true;
	}
	if ((n = scandir(path, &names, NULL, alphasort)) < 0) {
		fprintf(stderr, "imaged: import: %s: %s\n", path,
		    strerror(errno));
		return false;
	}
	for (i = 0; i < n; i++) {
		(void)snprintf(sub, sizeof(sub), "%s/%s", path,
		    names[i]->d_name);
		if (ok && (items_name(names[i]->d_name) ||
		    strcmp(names[i]->d_name, "data") == 0))
			ok = add_items(files, nfiles, sub);
		free(names[i]);
	}
	free(names);
	return ok;
}

/* The one folder under dir (preferring want), in out. */
static bool
only_subdir(const char *dir, const char *want, char *out, size_t outlen)
{
	struct dirent	*de;
	struct stat	 st;
	char		 p[PATH_MAX * 2];
	DIR		*d;
	bool		 found = false;

	if (snprintf(p, sizeof(p), "%s/%s", dir, want) < (int)sizeof(p) &&
	    stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
		(void)snprintf(out, outlen, "%s", p);
		return true;
	}
	if ((d = opendir(dir)) == NULL)
		return false;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) <
		    (int)sizeof(p) && stat(p, &st) == 0 &&
		    S_ISDIR(st.st_mode)) {
			(void)snprintf(out, outlen, "%s", p);
			found = true;
			break;
		}
	}
	closedir(d);
	return found;
}

/* Read every item file through once: the import starts only if all parse. */
static bool
items_parse(char **files, size_t nfiles, uint64_t *count)
{
	struct dynamo_reader	*r;
	json_t			*item;
	char			 msg[256];
	size_t			 i;
	int			 rc;

	*count = 0;
	for (i = 0; i < nfiles; i++) {
		if (dynamo_reader_open(files[i], &r) != IMG_OK) {
			fprintf(stderr, "imaged: import: %s: %s\n", files[i],
			    strerror(errno));
			return false;
		}
		while ((rc = dynamo_reader_next(r, &item, msg,
		    sizeof(msg))) == 1) {
			json_decref(item);
			(*count)++;
		}
		dynamo_reader_close(r);
		if (rc < 0) {
			fprintf(stderr,
			    "imaged: import: %s: %s; nothing imported\n",
			    files[i], msg);
			return false;
		}
	}
	return true;
}

static int
usage(void)
{
	fprintf(stderr, "usage: imaged import [--json] [--items file] src\n"
	    "       imaged import [--json] --adopt\n");
	return 2;
}

/*
 * The arguments, listing the --items files as they come.  0, or the exit
 * status: 2 after the usage, 1 once an items path is refused (said).
 */
static int
import_args(struct importer *x, int argc, char *argv[])
{
	int	 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			x->json = true;
		else if (strcmp(argv[i], "--adopt") == 0)
			x->adopt = true;
		else if (strcmp(argv[i], "--items") == 0 && i + 1 < argc) {
			if (!add_items(x->files, &x->nfiles, argv[++i]))
				return 1;
		} else if (argv[i][0] != '-' && x->src == NULL)
			x->src = argv[i];
		else
			return usage();
	}
	if (x->adopt == (x->src != NULL) || (x->adopt && x->nfiles > 0))
		return usage();
	return 0;
}

/*
 * SRC's folder of the bucket's keys, in bucket: s3/<bucket> of an imaged
 * export, whose items are read unless --items gave some, or else SRC
 * itself, whose items --items must give.
 */
static bool
find_bucket(struct importer *x, char *bucket, size_t len)
{
	char	 path[PATH_MAX * 2];

	(void)snprintf(path, sizeof(path), "%s/manifest.json", x->src);
	(void)snprintf(bucket, len, "%s", x->src);
	if (access(path, F_OK) == 0) {
		(void)snprintf(path, sizeof(path), "%s/s3", x->src);
		if (!only_subdir(path, x->cfg->bucket, bucket, len)) {
			fprintf(stderr, "imaged: import: %s: no bucket "
			    "folder\n", path);
			return false;
		}
		if (x->nfiles == 0) {
			(void)snprintf(path, sizeof(path),
			    "%s/dynamodb/%s/items.json", x->src, DYNAMO_TABLE);
			if (!add_items(x->files, &x->nfiles, path))
				return false;
		}
	} else if (x->nfiles == 0) {
		fprintf(stderr,
		    "imaged: import: %s: no items: give --items FILE "
		    "(aws dynamodb scan output, DynamoDB export data)"
		    " or an imaged export\n", x->src);
		return false;
	}
	return true;
}

/*
 * SRC's bucket folder, opened as srcfd, and its item files read through
 * once, all before the store is touched.  Nothing to open for --adopt.
 */
static bool
open_source(struct importer *x)
{
	struct stat	 st;
	char		 bucket[PATH_MAX * 2];

	if (x->src == NULL)
		return true;
	if (stat(x->src, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    access(x->src, R_OK | X_OK) == -1) {
		fprintf(stderr, "imaged: import: %s: %s\n", x->src,
		    errno != 0 && stat(x->src, &st) == -1 ?
		    strerror(errno) : !S_ISDIR(st.st_mode) ?
		    "not a directory" : strerror(errno));
		return false;
	}
	if (!find_bucket(x, bucket, sizeof(bucket)))
		return false;
	if ((x->srcfd = open(bucket,
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "imaged: import: %s: %s\n", bucket,
		    strerror(errno));
		return false;
	}
	return items_parse(x->files, x->nfiles, &x->total);
}

/* The data dir, made if need be, its catalog and store, and the batch. */
static bool
open_store(struct importer *x)
{
	char	 db[PATH_MAX + 16];

	if (mkdir(x->cfg->data_dir, 0755) == -1 && errno != EEXIST) {
		fprintf(stderr, "imaged: import: %s: %s\n", x->cfg->data_dir,
		    strerror(errno));
		return false;
	}
	(void)snprintf(db, sizeof(db), "%s/imaged.db", x->cfg->data_dir);
	if (sodium_init() < 0 || catalog_open(db, 1, &x->cat) != IMG_OK ||
	    catalog_lean(x->cat) != IMG_OK ||
	    blobstore_open(x->cfg->data_dir, x->cfg->bucket,
	    x->cfg->file_mode, &x->blobs) != IMG_OK) {
		fprintf(stderr, "imaged: import: cannot open the store in %s\n",
		    x->cfg->data_dir);
		return false;
	}
	if ((x->pend = calloc(IMPORT_BATCH, sizeof(*x->pend))) == NULL ||
	    (x->rows = calloc(IMPORT_BATCH, sizeof(*x->rows))) == NULL) {
		fprintf(stderr, "imaged: import: out of memory\n");
		return false;
	}
	return true;
}

static void
import_file(struct importer *x, const char *path)
{
	struct dynamo_reader	*r;
	json_t			*item;
	char			 msg[256];

	if (dynamo_reader_open(path, &r) != IMG_OK) {
		fprintf(stderr, "imaged: import: %s: %s\n", path,
		    strerror(errno));
		x->failed = true;
		return;
	}
	x->where = path;
	x->nitem = 0;
	while (!x->failed && dynamo_reader_next(r, &item, msg,
	    sizeof(msg)) == 1) {
		import_item(x, item);
		json_decref(item);
	}
	dynamo_reader_close(r);
}

/* The bucket's files with --adopt, else every item; until x->failed. */
static void
import_run(struct importer *x)
{
	struct timespec	 ts;
	size_t		 i;

	clock_gettime(CLOCK_REALTIME, &ts);
	x->now = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	dataio_progress_init(&x->prog, x->adopt ? "adopted" : "imported",
	    x->total, isatty(STDERR_FILENO) ? stderr : NULL);
	if (x->adopt && blob_walk(x->blobs, adopt_file, x) != IMG_OK &&
	    !x->failed) {
		fprintf(stderr, "imaged: import: cannot walk the bucket\n");
		x->failed = true;
	}
	for (i = 0; i < x->nfiles && !x->failed; i++)
		import_file(x, x->files[i]);
}

/*
 * The last batch, then the summary, which counts what went in, with its
 * bytes.  The exit status: 1 when the store could not be written or an
 * item was skipped.
 */
static int
import_finish(struct importer *x)
{
	char	 text[PATH_MAX + 256];

	if (!x->failed)
		(void)flush(x);
	dataio_progress_end(&x->prog);
	if (x->failed)
		return 1;
	(void)snprintf(text, sizeof(text), "%s %" PRIu64 " images from %s, %"
	    PRIu64 " already present, %" PRIu64 " skipped%s",
	    x->adopt ? "adopted" : "imported", x->added,
	    x->adopt ? "the bucket" : x->src, x->present, x->skipped,
	    x->recent > 0 ? ", some too recent to adopt" : "");
	x->prog.items = x->added;
	dataio_summary(stdout, x->json, x->adopt ? "adopt" : "import",
	    &x->prog, json_pack("{s:I,s:I,s:I,s:I}", "added",
	    (json_int_t)x->added, "present", (json_int_t)x->present,
	    "skipped", (json_int_t)x->skipped, "recent",
	    (json_int_t)x->recent), text);
	return x->skipped > 0 ? 1 : 0;
}

int
cmd_import(const struct config *cfg, int argc, char *argv[])
{
	struct importer	 x;
	size_t		 i;
	int		 ret;

	memset(&x, 0, sizeof(x));
	/* Start-up notes (a schema made) are not for a command's output. */
	log_quiet(!log_verbose());
	x.cfg = cfg;
	x.srcfd = -1;
	if ((ret = import_args(&x, argc, argv)) != 0)
		goto done;
	ret = 1;
	if (!open_source(&x) || !open_store(&x))
		goto done;
	import_run(&x);
	ret = import_finish(&x);
done:
	for (i = 0; x.pend != NULL && i < x.npend; i++)
		pending_free(&x.pend[i]);
	free(x.pend);
	free(x.rows);
	for (i = 0; i < x.nfiles; i++)
		free(x.files[i]);
	if (x.srcfd != -1)
		close(x.srcfd);
	blobstore_close(x.blobs);
	catalog_close(x.cat);
	return ret;
}
