/*
 * blobstore.c: files under the bucket folder.
 *
 * Directory descriptors for the bucket and temp folders are opened once;
 * every other path is reached with openat from them, one component at a
 * time with O_NOFOLLOW|O_DIRECTORY, so a symlink planted anywhere in the
 * bucket is refused rather than followed.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaged/blobstore.h"
#include "imaged/log.h"
#include "imaged/signer.h"
#include "imaged/text.h"

#define TMP_DIR		"tmp"
/* Beside the bucket; '_' is not allowed in a bucket name, so never one. */
#define RENDITIONS_DIR	"_renditions"
#define LOST_DIR	"lost+found"
#define UP_PREFIX	"up-"	/* an upload being written: up-<32 hex>.part */
#define UP_SUFFIX	".part"
/* linked under its key, row pending: ln-<escaped key> */
#define LN_PREFIX	"ln-"
#define TMP_NAME_MAX	255
/*
 * Unnamed temp files kept open, ready for the next uploads (see
 * "spare temp files" below).
 */
#define SPARES		4

/* A file waiting to be removed by the housekeeper. */
struct removal {
	struct removal	*next;
	blob_removed_cb	 done;
	void		*arg;
	char		 key[];
};

struct blobstore {
	int		 data_fd;
	int		 bucket_fd;
	int		 tmp_fd;
	int		 rend_fd;	/* the renditions folder */
	mode_t		 file_mode;
	mode_t		 dir_mode;

	/*
	 * The housekeeper: one thread that unlinks the keys queued for
	 * removal and keeps spare temp files ready.
	 */
	pthread_mutex_t	 rm_lock;
	pthread_cond_t	 rm_cond;
	struct removal	*rm_head;
	struct removal	**rm_tail;
	bool		 rm_stop;
	bool		 rm_started;
	bool		 rm_busy;	/* unlinking a key, lock released */
	pthread_cond_t	 rm_idle;	/* rm_busy went false */
	pthread_t	 rm_thread;
	int		 spare[SPARES];	/* unnamed, empty, open to write */
	unsigned	 nspares;
	bool		 spares_wanted;	/* a writer has been made */
	bool		 spares_off;	/* this file system cannot */
};

enum writer_state {
	/* only its temp name up-<hex>.part, or no name at all (a spare) */
	W_WRITING,
	W_LINKED,	/* also under its key; the temp name is ln-<key> */
	W_SETTLED	/* under its key only: the row holds it */
};

struct blob_writer {
	struct blobstore	*store;
	int			 fd;
	int			 dfd;	/* the key's folder, once linked */
	enum writer_state	 state;
	char			 name[TMP_NAME_MAX + 1];
	char			 key[BLOB_KEY_MAX + 1];
};

static enum img_err
errno_err(void)
{
	switch (errno) {
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return IMG_ENOSPACE;
	case ENOMEM:
		return IMG_ENOMEM;
	default:
		return IMG_EUNAVAIL;
	}
}

/* Open (creating if need be, with mode) the folder name under dirfd. */
static int
subdir(int dirfd, const char *name, mode_t mode, bool create, bool *created)
{
	int	 fd;

	if (created != NULL)
		*created = false;
	fd = openat(dirfd, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd != -1 || errno != ENOENT || !create)
		return fd;
	if (mkdirat(dirfd, name, mode) == -1 && errno != EEXIST)
		return -1;
	if (created != NULL)
		*created = true;
	return openat(dirfd, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

enum img_err
blobstore_open(const char *data_dir, const char *bucket, mode_t file_mode,
    struct blobstore **bsp)
{
	struct blobstore	*bs;
	int			 dfd;

	if ((bs = calloc(1, sizeof(*bs))) == NULL)
		return IMG_ENOMEM;
	bs->data_fd = bs->bucket_fd = bs->tmp_fd = bs->rend_fd = -1;
	bs->file_mode = file_mode & 0666;
	bs->dir_mode = blob_dir_mode(file_mode);
	pthread_mutex_init(&bs->rm_lock, NULL);
	pthread_cond_init(&bs->rm_cond, NULL);
	pthread_cond_init(&bs->rm_idle, NULL);
	bs->rm_tail = &bs->rm_head;
	if ((dfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		log_warn("%s", data_dir);
		goto fail;
	}
	if ((bs->bucket_fd = subdir(dfd, bucket, bs->dir_mode, true, NULL)) ==
	    -1) {
		log_warn("%s/%s", data_dir, bucket);
		goto fail;
	}
	if ((bs->tmp_fd = subdir(dfd, TMP_DIR, bs->dir_mode, true,
	    NULL)) == -1) {
		log_warn("%s/%s", data_dir, TMP_DIR);
		goto fail;
	}
	if ((bs->rend_fd = subdir(dfd, RENDITIONS_DIR, bs->dir_mode, true,
	    NULL)) == -1) {
		log_warn("%s/%s", data_dir, RENDITIONS_DIR);
		goto fail;
	}
	bs->data_fd = dfd;
	*bsp = bs;
	return IMG_OK;
fail:
	if (dfd != -1)
		close(dfd);
	blobstore_close(bs);
	return IMG_EUNAVAIL;
}

void
blobstore_close(struct blobstore *bs)
{
	if (bs == NULL)
		return;
	if (bs->rm_started) {
		/* The housekeeper drains its queue before it stops. */
		pthread_mutex_lock(&bs->rm_lock);
		bs->rm_stop = true;
		pthread_cond_signal(&bs->rm_cond);
		pthread_mutex_unlock(&bs->rm_lock);
		pthread_join(bs->rm_thread, NULL);
	}
	while (bs->nspares > 0)
		close(bs->spare[--bs->nspares]);
	pthread_cond_destroy(&bs->rm_cond);
	pthread_cond_destroy(&bs->rm_idle);
	pthread_mutex_destroy(&bs->rm_lock);
	if (bs->data_fd != -1)
		close(bs->data_fd);
	if (bs->bucket_fd != -1)
		close(bs->bucket_fd);
	if (bs->tmp_fd != -1)
		close(bs->tmp_fd);
	if (bs->rend_fd != -1)
		close(bs->rend_fd);
	free(bs);
}

enum img_err
blobstore_ping(struct blobstore *bs)
{
	struct stat	 st;

	if (fstat(bs->bucket_fd, &st) == -1 || st.st_nlink == 0 ||
	    faccessat(bs->bucket_fd, ".", W_OK | X_OK, AT_EACCESS) == -1)
		return IMG_EUNAVAIL;
	return IMG_OK;
}

/* --- spare temp files ----------------------------------------------------- */

/*
 * Creating a file is the slowest step of an upload but its fsync: ext4
 * looks for a free inode past the ones deleted lately, holding the
 * folder's lock, which took 0.25-1.1 ms on a disk busy with uploads and
 * deletes.  So the housekeeper keeps SPARES files ready.  Made with
 * O_TMPFILE, they have no name, take no lock on tmp/ (where every commit
 * renames), and vanish with the process or a crash: the kernel frees an
 * unnamed inode at its last close, ext4 at the next mount.  A writer that
 * takes one gives it its first name only when it commits, by linking it
 * as ln-<key>.  Spares are made only after the first writer, so neither
 * start-up nor a daemon that only serves reads makes any.  Where unnamed
 * files cannot be named (no O_TMPFILE, no /proc), writers get named temp
 * files as before: the first spare is proven by naming one.
 */

/* A fresh upload temp name, up-<32 hex>.part. */
static void
upload_temp_name(char name[TMP_NAME_MAX + 1])
{
	unsigned char	 rnd[16];
	size_t		 i;

	random_bytes(rnd, sizeof(rnd));
	memcpy(name, UP_PREFIX, 3);
	for (i = 0; i < sizeof(rnd); i++) {
		name[3 + 2 * i] = "0123456789abcdef"[rnd[i] >> 4];
		name[4 + 2 * i] = "0123456789abcdef"[rnd[i] & 0xf];
	}
	memcpy(name + 35, UP_SUFFIX, sizeof(UP_SUFFIX));
}

static int
unnamed_file(struct blobstore *bs)
{
	return openat(bs->tmp_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC,
	    bs->file_mode);
}

/*
 * Give the unnamed file fd the name dirfd/name, through /proc (linkat's
 * AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH).  False with errno set.
 */
static bool
link_unnamed(int fd, int dirfd, const char *name)
{
	char	 proc[32];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW) == 0;
}

/*
 * Whether unnamed files can be named here: one is made, named as an
 * upload's temp file (what start-up removes, should a crash come
 * between), and unlinked again.
 */
static bool
spares_work(struct blobstore *bs)
{
	char	 name[TMP_NAME_MAX + 1];
	bool	 ok;
	int	 fd;

	if ((fd = unnamed_file(bs)) == -1)
		return false;
	upload_temp_name(name);
	if ((ok = link_unnamed(fd, bs->tmp_fd, name)))
		unlinkat(bs->tmp_fd, name, 0);
	close(fd);
	return ok;
}

/* Whether the housekeeper should make a spare.  rm_lock held. */
static bool
spare_wanted(const struct blobstore *bs)
{
	return bs->spares_wanted && !bs->spares_off && !bs->rm_stop &&
	    bs->nspares < SPARES;
}

static void	*housekeeper(void *);

/* Start the housekeeper unless it runs.  rm_lock held.  False: it cannot. */
static bool
housekeeper_running(struct blobstore *bs)
{
	if (!bs->rm_started && !bs->rm_stop &&
	    pthread_create(&bs->rm_thread, NULL, housekeeper, bs) == 0)
		bs->rm_started = true;
	return bs->rm_started;
}

/*
 * Have the housekeeper make spares up to SPARES.  Writers ask when they
 * are about to wait for the disk, so that the making (CPU in the kernel,
 * mostly) falls in that wait rather than beside their own writes.
 */
static void
want_spares(struct blobstore *bs)
{
	pthread_mutex_lock(&bs->rm_lock);
	bs->spares_wanted = true;
	if (spare_wanted(bs) && housekeeper_running(bs))
		pthread_cond_signal(&bs->rm_cond);
	pthread_mutex_unlock(&bs->rm_lock);
}

/* A spare's descriptor, or -1 when none is ready. */
static int
take_spare(struct blobstore *bs)
{
	int	 fd = -1;

	pthread_mutex_lock(&bs->rm_lock);
	if (bs->nspares > 0)
		fd = bs->spare[--bs->nspares];
	pthread_mutex_unlock(&bs->rm_lock);
	return fd;
}

/* Give a writer on a spare its upload temp name.  False with errno. */
static bool
name_spare(struct blob_writer *w)
{
	upload_temp_name(w->name);
	if (link_unnamed(w->fd, w->store->tmp_fd, w->name))
		return true;
	w->name[0] = '\0';
	return false;
}

enum img_err
blob_writer_new(struct blobstore *bs, struct blob_writer **wp)
{
	struct blob_writer	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return IMG_ENOMEM;
	w->store = bs;
	w->dfd = -1;
	if ((w->fd = take_spare(bs)) == -1) {
		upload_temp_name(w->name);
		w->fd = openat(bs->tmp_fd, w->name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    bs->file_mode);
	}
	if (w->fd == -1) {
		enum img_err e = errno_err();

		log_warn("temp file");
		free(w);
		return e;
	}
	*wp = w;
	return IMG_OK;
}

enum img_err
blob_writer_write(struct blob_writer *w, const void *p, size_t n)
{
	const char	*c = p;
	ssize_t		 k;

	while (n > 0) {
		if ((k = write(w->fd, c, n)) == -1) {
			if (errno == EINTR)
				continue;
			return errno_err();
		}
		c += k;
		n -= (size_t)k;
	}
	return IMG_OK;
}

/*
 * Walk the folders of key from the bucket, creating missing ones (and
 * fsyncing the parent of each new one, so the new entry is durable too).
 * Returns the folder's descriptor and sets *base to the key's last
 * component, or -1 with errno set.
 */
static int
key_dir_at(struct blobstore *bs, int root, const char *key, bool create,
    const char **base)
{
	char		 comp[BLOB_KEY_MAX + 1];
	const char	*p = key, *slash;
	int		 fd, nfd;
	bool		 created;
	size_t		 len;

	if ((fd = dup(root)) == -1)
		return -1;
	while ((slash = strchr(p, '/')) != NULL) {
		len = (size_t)(slash - p);
		memcpy(comp, p, len);
		comp[len] = '\0';
		nfd = subdir(fd, comp, bs != NULL ? bs->dir_mode : 0, create,
		    &created);
		if (nfd != -1 && created && fsync(fd) == -1) {
			close(nfd);
			nfd = -1;
		}
		close(fd);
		if ((fd = nfd) == -1)
			return -1;
		p = slash + 1;
	}
	*base = p;
	return fd;
}

static int
key_dir(struct blobstore *bs, const char *key, bool create, const char **base)
{
	return key_dir_at(bs, bs->bucket_fd, key, create, base);
}

/* A key is relative, its components non-empty and never "." or "..". */
static bool
key_ok(const char *key)
{
	const char	*p = key;
	size_t		 len;

	if (strlen(key) > BLOB_KEY_MAX || *key == '\0')
		return false;
	for (;;) {
		len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (p[len] == '\0')
			return true;
		p += len + 1;
	}
}

/*
 * The temp name of a blob linked under key: "ln-" and the key, with '%'
 * written "%25" and '/' "%2F".  False when it would not fit a file name.
 */
static bool
linked_name(char name[TMP_NAME_MAX + 1], const char *key)
{
	size_t	 n = sizeof(LN_PREFIX) - 1;

	memcpy(name, LN_PREFIX, n);
	for (; *key != '\0'; key++) {
		if (n + 4 > TMP_NAME_MAX)
			return false;
		if (*key == '/' || *key == '%') {
			n += (size_t)snprintf(name + n, 4, "%%%02X",
			    (unsigned)(unsigned char)*key);
		} else
			name[n++] = *key;
	}
	name[n] = '\0';
	return true;
}

/* The key of a linked temp name, or false when name is not one. */
static bool
linked_key(const char *name, char key[BLOB_KEY_MAX + 1])
{
	const char	*p = name + sizeof(LN_PREFIX) - 1;
	size_t		 n = 0;

	if (strncmp(name, LN_PREFIX, sizeof(LN_PREFIX) - 1) != 0)
		return false;
	for (; *p != '\0'; p++) {
		if (n == BLOB_KEY_MAX)
			return false;
		if (*p != '%')
			key[n++] = *p;
		else if (strncmp(p, "%2F", 3) == 0)
			key[n++] = '/', p += 2;
		else if (strncmp(p, "%25", 3) == 0)
			key[n++] = '%', p += 2;
		else
			return false;
	}
	key[n] = '\0';
	return key_ok(key);
}

/*
 * The temp file is named ln-<key> before it is linked under the key, and
 * a file system that journals its names (ext4, xfs) commits the two in
 * that order, so whenever the key survives a crash, so does a name in
 * tmp/ that leads back to it with the same inode, until blob_writer_settle
 * drops it.  Both names come before the fsyncs (blob_writer_sync): the
 * file's fsync commits them with the bytes, and leaves the folder's
 * little to do.
 */
enum img_err
blob_writer_link(struct blob_writer *w, const char *key)
{
	struct blobstore	*bs = w->store;
	char			 lname[TMP_NAME_MAX + 1];
	const char		*base;
	int			 dfd;
	enum img_err		 ret;

	if (w->state != W_WRITING || !key_ok(key) || !linked_name(lname, key))
		return IMG_EINVAL;
	if (w->name[0] == '\0' ? !link_unnamed(w->fd, bs->tmp_fd, lname) :
	    renameat(bs->tmp_fd, w->name, bs->tmp_fd, lname) == -1)
		return errno_err();
	memcpy(w->name, lname, sizeof(lname));
	if ((dfd = key_dir(bs, key, true, &base)) == -1)
		return errno_err();
	if (linkat(bs->tmp_fd, w->name, dfd, base, 0) == -1) {
		ret = errno_err();
		log_warn("store %s", key);
		close(dfd);
		return ret;
	}
	snprintf(w->key, sizeof(w->key), "%s", key);
	w->dfd = dfd;
	w->state = W_LINKED;	/* from here, freeing undoes the link */
	want_spares(bs);
	return IMG_OK;
}

enum img_err
blob_writer_sync(struct blob_writer *w)
{
	enum img_err	 ret;

	if (w->state != W_LINKED || w->dfd == -1)
		return IMG_EINVAL;
	if (fsync(w->fd) == -1 || fsync(w->dfd) == -1) {
		ret = errno_err();
		log_warn("store %s", w->key);
		return ret;
	}
	return IMG_OK;
}

enum img_err
blob_writer_commit(struct blob_writer *w, const char *key)
{
	enum img_err	 e;

	if ((e = blob_writer_link(w, key)) != IMG_OK)
		return e;
	return blob_writer_sync(w);
}

enum img_err
blob_writer_commit_rendition(struct blob_writer *w, const char *key)
{
	const char	*base;
	int		 dfd;
	enum img_err	 ret;

	/*
	 * A rendition is a cache entry: its bytes must be whole, but losing
	 * its name in a crash costs only a render, not a folder fsync each;
	 * nor does it need the temp name that proves an image's file.
	 */
	if (w->state != W_WRITING || !key_ok(key))
		return IMG_EINVAL;
	if ((w->name[0] == '\0' && !name_spare(w)) || fsync(w->fd) == -1)
		return errno_err();
	if ((dfd = key_dir_at(w->store, w->store->rend_fd, key, true, &base)) ==
	    -1)
		return errno_err();
	if (renameat(w->store->tmp_fd, w->name, dfd, base) == -1) {
		ret = errno_err();
		log_warn("store %s", key);
		close(dfd);
		return ret;
	}
	close(dfd);
	w->state = W_SETTLED;
	return IMG_OK;
}

void
blob_writer_settle(struct blob_writer *w)
{
	if (w->state != W_LINKED)
		return;
	/* No fsync: a temp name that comes back is dropped at start-up. */
	if (unlinkat(w->store->tmp_fd, w->name, 0) == -1 && errno != ENOENT)
		log_warn("%s/%s", TMP_DIR, w->name);
	w->state = W_SETTLED;
}

/* Remove key only if it is still the file fd names (same inode). */
static void
unlink_if_same(struct blobstore *bs, const char *key, dev_t dev, ino_t ino)
{
	struct stat	 st;
	const char	*base;
	int		 dfd;

	if ((dfd = key_dir(bs, key, false, &base)) == -1)
		return;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    st.st_dev == dev && st.st_ino == ino &&
	    unlinkat(dfd, base, 0) == -1)
		log_warn("remove %s", key);
	close(dfd);
}

void
blob_writer_free(struct blob_writer *w)
{
	struct stat	 st;

	if (w == NULL)
		return;
	if (w->state == W_LINKED && fstat(w->fd, &st) == 0)
		unlink_if_same(w->store, w->key, st.st_dev, st.st_ino);
	if (w->fd != -1)
		close(w->fd);
	if (w->dfd != -1)
		close(w->dfd);
	if (w->state != W_SETTLED && w->name[0] != '\0')
		unlinkat(w->store->tmp_fd, w->name, 0);
	free(w);
}

static enum img_err
open_read_at(int root, const char *key, int *fdp, struct blob_info *info)
{
	struct stat	 st;
	const char	*base;
	int		 dfd, fd;

	if (!key_ok(key))
		return IMG_EINVAL;
	if ((dfd = key_dir_at(NULL, root, key, false, &base)) == -1)
		return errno == ENOENT || errno == ELOOP || errno == ENOTDIR ?
		    IMG_ENOTFOUND : IMG_EUNAVAIL;
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd == -1)
		return errno == ENOENT || errno == ELOOP ? IMG_ENOTFOUND :
		    IMG_EUNAVAIL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return IMG_ENOTFOUND;
	}
	info->size = (uint64_t)st.st_size;
	info->mtime = st.st_mtime;
	info->mtim = st.st_mtim;
	*fdp = fd;
	return IMG_OK;
}

enum img_err
blob_open_read(struct blobstore *bs, const char *key, int *fdp,
    struct blob_info *info)
{
	return open_read_at(bs->bucket_fd, key, fdp, info);
}

enum img_err
blob_rendition_open_read(struct blobstore *bs, const char *key, int *fdp,
    struct blob_info *info)
{
	return open_read_at(bs->rend_fd, key, fdp, info);
}

static enum img_err
remove_at(int root, const char *key)
{
	const char	*base;
	int		 dfd;

	if (!key_ok(key))
		return IMG_EINVAL;
	if ((dfd = key_dir_at(NULL, root, key, false, &base)) == -1)
		return errno == ENOENT ? IMG_OK : IMG_EUNAVAIL;
	if (unlinkat(dfd, base, 0) == -1 && errno != ENOENT) {
		log_warn("remove %s", key);
		close(dfd);
		return IMG_EUNAVAIL;
	}
	close(dfd);
	return IMG_OK;
}

enum img_err
blob_remove(struct blobstore *bs, const char *key)
{
	return remove_at(bs->bucket_fd, key);
}

enum img_err
blob_rendition_remove(struct blobstore *bs, const char *key)
{
	return remove_at(bs->rend_fd, key);
}

/*
 * A stream over the entries of the folder dfd, from the first: a stream
 * of its own (on a dup, rewound, for a dup shares the descriptor's
 * offset), closed with closedir().  NULL: errno says why.
 */
static DIR *
dir_stream(int dfd)
{
	DIR	*d;
	int	 fd;

	if ((fd = dup(dfd)) == -1)
		return NULL;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return NULL;
	}
	rewinddir(d);
	return d;
}

/* "." or "..". */
static bool
dot_entry(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

enum img_err
blob_rendition_remove_folder(struct blobstore *bs, const char *folder)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd;

	if (!key_ok(folder) || strchr(folder, '/') != NULL)
		return IMG_EINVAL;
	if ((fd = subdir(bs->rend_fd, folder, 0, false, NULL)) == -1)
		return errno == ENOENT ? IMG_OK : IMG_EUNAVAIL;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return IMG_EUNAVAIL;
	}
	while ((de = readdir(d)) != NULL)
		if (!dot_entry(de->d_name))
			(void)unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	if (unlinkat(bs->rend_fd, folder, AT_REMOVEDIR) == -1 &&
	    errno != ENOENT)
		return IMG_EUNAVAIL;
	return IMG_OK;
}

enum img_err
blob_rendition_remove_empty_folder(struct blobstore *bs, const char *folder)
{
	if (!key_ok(folder) || strchr(folder, '/') != NULL)
		return IMG_EINVAL;
	if (unlinkat(bs->rend_fd, folder, AT_REMOVEDIR) == -1 &&
	    errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
		return IMG_EUNAVAIL;
	return IMG_OK;
}

/* --- maintenance ---------------------------------------------------------- */

#define WALK_DEPTH_MAX	8

static enum img_err
walk_dir(int dfd, char *key, size_t len, int depth, blob_walk_cb cb, void *arg)
{
	struct blob_info	 info;
	struct dirent		*de;
	struct stat		 st;
	enum img_err		 e = IMG_OK;
	size_t			 nlen;
	DIR			*d;

	if ((d = dir_stream(dfd)) == NULL)
		return IMG_EUNAVAIL;
	while (e == IMG_OK && (de = readdir(d)) != NULL) {
		if (dot_entry(de->d_name))
			continue;
		nlen = strlen(de->d_name);
		if (len + nlen + 2 > BLOB_KEY_MAX + 1 ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		memcpy(key + len, de->d_name, nlen + 1);
		if (S_ISREG(st.st_mode)) {
			info.size = (uint64_t)st.st_size;
			info.mtime = st.st_mtime;
			info.mtim = st.st_mtim;
			e = cb(arg, key, &info);
		} else if (S_ISDIR(st.st_mode) && depth < WALK_DEPTH_MAX) {
			int sub = subdir(dfd, de->d_name, 0, false, NULL);

			if (sub == -1)
				continue;
			key[len + nlen] = '/';
			key[len + nlen + 1] = '\0';
			e = walk_dir(sub, key, len + nlen + 1, depth + 1,
			    cb, arg);
			close(sub);
		}
		key[len] = '\0';
	}
	closedir(d);
	return e;
}

enum img_err
blob_walk(struct blobstore *bs, blob_walk_cb cb, void *arg)
{
	char	 key[BLOB_KEY_MAX + 2] = "";

	return walk_dir(bs->bucket_fd, key, 0, 0, cb, arg);
}

enum img_err
blob_rendition_walk(struct blobstore *bs, blob_walk_cb cb, void *arg)
{
	char	 key[BLOB_KEY_MAX + 2] = "";

	return walk_dir(bs->rend_fd, key, 0, 0, cb, arg);
}

static bool
ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* An upload's temp name: up-<32 hex>.part. */
static bool
upload_name(const char *name)
{
	size_t	 n = strlen(name);

	return n == 40 && strncmp(name, UP_PREFIX, 3) == 0 &&
	    strspn(name + 3, "0123456789abcdef") == 32 &&
	    strcmp(name + 35, UP_SUFFIX) == 0;
}

enum img_err
blob_pending_walk(struct blobstore *bs, struct timespec before,
    blob_pending_cb cb, void *arg)
{
	struct blob_pending	 p;
	struct dirent		*de;
	struct stat		 st, kst;
	const char		*base;
	enum img_err		 e = IMG_OK;
	DIR			*d;
	int			 dfd;

	if ((d = dir_stream(bs->tmp_fd)) == NULL)
		return IMG_EUNAVAIL;
	while (e == IMG_OK && (de = readdir(d)) != NULL) {
		memset(&p, 0, sizeof(p));
		if (linked_key(de->d_name, p.key))
			p.has_key = true;
		else if (!upload_name(de->d_name))
			continue;	/* not a name this store gives */
		if (fstatat(bs->tmp_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1 || !S_ISREG(st.st_mode) ||
		    !ts_before(&st.st_mtim, &before))
			continue;
		snprintf(p.name, sizeof(p.name), "%s", de->d_name);
		p.dev = st.st_dev;
		p.ino = st.st_ino;
		if (p.has_key &&
		    (dfd = key_dir(bs, p.key, false, &base)) != -1) {
			p.linked = fstatat(dfd, base, &kst,
			    AT_SYMLINK_NOFOLLOW) == 0 &&
			    kst.st_dev == st.st_dev &&
			    kst.st_ino == st.st_ino;
			close(dfd);
		}
		e = cb(arg, &p);
	}
	closedir(d);
	return e;
}

enum img_err
blob_pending_drop(struct blobstore *bs, const struct blob_pending *p,
    bool with_key)
{
	struct stat	 st;

	if (with_key && p->has_key && p->linked)
		unlink_if_same(bs, p->key, p->dev, p->ino);
	/* The temp name goes last: until then a new try finds the key. */
	if (fstatat(bs->tmp_fd, p->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    (st.st_dev != p->dev || st.st_ino != p->ino))
		return IMG_OK;
	if (unlinkat(bs->tmp_fd, p->name, 0) == -1 && errno != ENOENT) {
		log_warn("%s/%s", TMP_DIR, p->name);
		return IMG_EUNAVAIL;
	}
	return IMG_OK;
}

enum img_err
blob_move_lost(struct blobstore *bs, const char *key)
{
	const char	*base, *lbase;
	int		 dfd, lfd = -1, ldfd = -1;
	enum img_err	 e = IMG_EUNAVAIL;

	if (!key_ok(key))
		return IMG_EINVAL;
	if ((dfd = key_dir(bs, key, false, &base)) == -1)
		return errno == ENOENT ? IMG_ENOTFOUND : IMG_EUNAVAIL;
	if ((lfd = subdir(bs->data_fd, LOST_DIR, bs->dir_mode, true, NULL)) ==
	    -1 || (ldfd = key_dir_at(bs, lfd, key, true, &lbase)) == -1)
		goto done;
	/* Never over a file already there: that one was set aside before. */
	if (renameat2(dfd, base, ldfd, lbase, RENAME_NOREPLACE) == -1) {
		e = errno == ENOENT ? IMG_ENOTFOUND : IMG_EUNAVAIL;
		goto done;
	}
	e = fsync(ldfd) == 0 && fsync(dfd) == 0 ? IMG_OK : IMG_EUNAVAIL;
done:
	if (e != IMG_OK && e != IMG_ENOTFOUND)
		log_warn("%s/%s", LOST_DIR, key);
	if (ldfd != -1)
		close(ldfd);
	if (lfd != -1)
		close(lfd);
	close(dfd);
	return e;
}

/* --- the housekeeper ------------------------------------------------------ */

/* Remove the first key queued.  rm_lock held; released meanwhile. */
static void
remove_next(struct blobstore *bs)
{
	struct removal	*r = bs->rm_head;

	if ((bs->rm_head = r->next) == NULL)
		bs->rm_tail = &bs->rm_head;
	bs->rm_busy = true;
	pthread_mutex_unlock(&bs->rm_lock);
	if (blob_remove(bs, r->key) == IMG_OK && r->done != NULL)
		r->done(r->arg, r->key);
	free(r);
	pthread_mutex_lock(&bs->rm_lock);
	bs->rm_busy = false;
	pthread_cond_broadcast(&bs->rm_idle);
}

/*
 * Make one spare.  rm_lock held; released meanwhile.  *proven: unnamed
 * files are known to take a name here.  A failure ends spares for good:
 * writers then make named files, as they would without them.
 */
static void
make_spare(struct blobstore *bs, bool *proven)
{
	int	 fd = -1;

	pthread_mutex_unlock(&bs->rm_lock);
	if (*proven || (*proven = spares_work(bs)))
		fd = unnamed_file(bs);
	pthread_mutex_lock(&bs->rm_lock);
	if (fd != -1)
		bs->spare[bs->nspares++] = fd;
	else {
		log_debug("blob store: no spare temp files (%s)",
		    strerror(errno));
		bs->spares_off = true;
	}
}

/* Removals first (a deleted image's bytes free space), then spares. */
static void *
housekeeper(void *arg)
{
	struct blobstore	*bs = arg;
	bool			 proven = false;

	pthread_mutex_lock(&bs->rm_lock);
	for (;;) {
		while (bs->rm_head == NULL && !bs->rm_stop && !spare_wanted(bs))
			pthread_cond_wait(&bs->rm_cond, &bs->rm_lock);
		if (bs->rm_head != NULL)
			remove_next(bs);
		else if (bs->rm_stop)
			break;		/* and nothing left to remove */
		else
			make_spare(bs, &proven);
	}
	pthread_mutex_unlock(&bs->rm_lock);
	return NULL;
}

/* Remove now, on the caller's thread, and say so. */
static enum img_err
remove_now(struct blobstore *bs, const char *key, blob_removed_cb done,
    void *arg)
{
	enum img_err	 e;

	if ((e = blob_remove(bs, key)) == IMG_OK && done != NULL)
		done(arg, key);
	return e;
}

enum img_err
blob_remove_later(struct blobstore *bs, const char *key, blob_removed_cb done,
    void *arg)
{
	struct removal	*r;
	size_t		 len = strlen(key);

	if (!key_ok(key))
		return IMG_EINVAL;
	if ((r = malloc(sizeof(*r) + len + 1)) == NULL)
		return remove_now(bs, key, done, arg);
	memcpy(r->key, key, len + 1);
	r->next = NULL;
	r->done = done;
	r->arg = arg;
	pthread_mutex_lock(&bs->rm_lock);
	if (!housekeeper_running(bs)) {
		pthread_mutex_unlock(&bs->rm_lock);
		free(r);
		return remove_now(bs, key, done, arg);
	}
	*bs->rm_tail = r;
	bs->rm_tail = &r->next;
	pthread_cond_signal(&bs->rm_cond);
	pthread_mutex_unlock(&bs->rm_lock);
	return IMG_OK;
}

/* --- emptying (test_mode's reset) ----------------------------------------- */

/* Remove everything inside the folder dfd (not dfd itself). */
static enum img_err
empty_dir(int dfd, int depth)
{
	DIR		*d;
	struct dirent	*de;
	enum img_err	 e = IMG_OK;
	int		 sub;

	if (depth > 16)
		/* keys are three deep; this is foreign */
		return IMG_EUNAVAIL;
	if ((d = dir_stream(dfd)) == NULL)
		return IMG_EUNAVAIL;
	while (e == IMG_OK && (de = readdir(d)) != NULL) {
		if (dot_entry(de->d_name))
			continue;
		if (unlinkat(dfd, de->d_name, 0) == 0 || errno == ENOENT)
			continue;
		if (errno != EISDIR && errno != EPERM) {
			log_warn("reset: %s", de->d_name);
			e = IMG_EUNAVAIL;
			break;
		}
		if ((sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1) {
			e = IMG_EUNAVAIL;
			break;
		}
		e = empty_dir(sub, depth + 1);
		close(sub);
		if (e == IMG_OK &&
		    unlinkat(dfd, de->d_name, AT_REMOVEDIR) == -1 &&
		    errno != ENOENT) {
			log_warn("reset: %s", de->d_name);
			e = IMG_EUNAVAIL;
		}
	}
	closedir(d);
	return e;
}

void
blob_removals_cancel(struct blobstore *bs)
{
	struct removal	*r;

	/*
	 * Queued removals are moot, and one in progress must end first: an
	 * id sequence that starts again could hand its key to a new upload,
	 * and its done callback must come before the catalog forgets.
	 */
	pthread_mutex_lock(&bs->rm_lock);
	while ((r = bs->rm_head) != NULL) {
		bs->rm_head = r->next;
		free(r);
	}
	bs->rm_tail = &bs->rm_head;
	while (bs->rm_busy)
		pthread_cond_wait(&bs->rm_idle, &bs->rm_lock);
	pthread_mutex_unlock(&bs->rm_lock);
}

/* blob_pending_walk's callback: a linked temp name goes, uploads stay. */
static enum img_err
drop_linked(void *arg, const struct blob_pending *p)
{
	return p->has_key ? blob_pending_drop(arg, p, false) : IMG_OK;
}

enum img_err
blobstore_clear(struct blobstore *bs)
{
	struct timespec	 now;
	enum img_err	 e;

	blob_removals_cancel(bs);
	pthread_mutex_lock(&bs->rm_lock);
	e = empty_dir(bs->bucket_fd, 0);
	pthread_mutex_unlock(&bs->rm_lock);
	if (e == IMG_OK && fsync(bs->bucket_fd) == -1)
		e = IMG_EUNAVAIL;
	/*
	 * Every handler is held, so a temp name ln-<key> is no upload's in
	 * progress (those settle before their handler ends): it would name
	 * a key a seeded id may give again.  Bodies still arriving (up-*)
	 * stay.  Any age (a day ahead of the system's clock, which file
	 * times follow; test_mode's clock does not).
	 */
	if (e == IMG_OK) {
		clock_gettime(CLOCK_REALTIME, &now);
		now.tv_sec += 86400;
		e = blob_pending_walk(bs, now, drop_linked, bs);
	}
	return e;
}

/* --- keys and modes ------------------------------------------------------ */
_Static_assert(IMAGE_ID_LEN == UUID_LEN, "an image id is a UUID");

bool
blob_key_make(char *key, size_t keylen, const char *user_id,
    const char *image_id, const char *ext)
{
	int	 n;

	n = snprintf(key, keylen, "images/%s/%s.%s", user_id, image_id, ext);
	return n >= 0 && (size_t)n < keylen;
}

bool
blob_key_image_id(const char *key, char id[IMAGE_ID_SIZE])
{
	const char	*base = strrchr(key, '/'), *dot;

	base = base != NULL ? base + 1 : key;
	dot = strchr(base, '.');
	return dot != NULL && uuid_parse(base, (size_t)(dot - base), id);
}

/* --- bulk copies ---------------------------------------------------------- */

enum img_err
blob_writer_commit_unsynced(struct blob_writer *w, const char *key)
{
	const char	*base;
	int		 dfd;
	enum img_err	 ret;

	if (!key_ok(key))
		return IMG_EINVAL;
	if (w->name[0] == '\0' && !name_spare(w))
		return errno_err();
	if ((dfd = key_dir(w->store, key, true, &base)) == -1)
		return errno_err();
	if (renameat(w->store->tmp_fd, w->name, dfd, base) == -1) {
		ret = errno_err();
		log_warn("store %s", key);
		close(dfd);
		return ret;
	}
	close(dfd);
	w->state = W_SETTLED;	/* the caller's from now on */
	return IMG_OK;
}

/* Copy the open file sfd to key in dst through a temp file. */
static enum img_err
copy_fd(struct blobstore *dst, int sfd, const char *key)
{
	struct blob_writer	*w = NULL;
	char			 buf[128 * 1024];
	ssize_t			 n;
	enum img_err		 e;

	if ((e = blob_writer_new(dst, &w)) != IMG_OK)
		return e;
	while ((n = read(sfd, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			e = IMG_EUNAVAIL;
			goto done;
		}
		if ((e = blob_writer_write(w, buf, (size_t)n)) != IMG_OK)
			goto done;
	}
	e = blob_writer_commit_unsynced(w, key);
done:
	blob_writer_free(w);
	return e;
}

enum img_err
blob_link_or_copy(struct blobstore *dst, struct blobstore *src,
    const char *key, bool *linked)
{
	const char	*sbase, *dbase;
	int		 sdir = -1, ddir = -1, sfd;
	enum img_err	 e = IMG_OK;

	*linked = false;
	if (!key_ok(key))
		return IMG_EINVAL;
	if ((sdir = key_dir(src, key, false, &sbase)) == -1)
		return errno == ENOENT || errno == ELOOP || errno == ENOTDIR ?
		    IMG_ENOTFOUND : IMG_EUNAVAIL;
	if ((ddir = key_dir(dst, key, true, &dbase)) == -1) {
		e = errno_err();
		goto done;
	}
	/*
	 * A link cannot replace: an old file at key (another size)
	 * goes first.
	 */
	if (unlinkat(ddir, dbase, 0) == -1 && errno != ENOENT) {
		e = errno_err();
		goto done;
	}
	if (linkat(sdir, sbase, ddir, dbase, 0) == 0) {
		*linked = true;
		goto done;
	}
	if (errno == ENOENT) {
		e = IMG_ENOTFOUND;
		goto done;
	}
	if (errno != EXDEV && errno != EPERM && errno != EMLINK) {
		e = errno_err();
		goto done;
	}
	if ((sfd = openat(sdir, sbase,
	    O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		e = errno == ENOENT ? IMG_ENOTFOUND : IMG_EUNAVAIL;
		goto done;
	}
	e = copy_fd(dst, sfd, key);
	close(sfd);
done:
	if (sdir != -1)
		close(sdir);
	if (ddir != -1)
		close(ddir);
	return e;
}

enum img_err
blob_stat(struct blobstore *bs, const char *key, struct blob_info *info)
{
	struct stat	 st;
	const char	*base;
	int		 dfd, rc;

	if (!key_ok(key))
		return IMG_EINVAL;
	if ((dfd = key_dir(bs, key, false, &base)) == -1)
		return errno == ENOENT || errno == ELOOP || errno == ENOTDIR ?
		    IMG_ENOTFOUND : IMG_EUNAVAIL;
	rc = fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW);
	close(dfd);
	if (rc == -1)
		return errno == ENOENT ? IMG_ENOTFOUND : IMG_EUNAVAIL;
	if (!S_ISREG(st.st_mode))
		return IMG_ENOTFOUND;
	info->size = (uint64_t)st.st_size;
	info->mtime = st.st_mtime;
	info->mtim = st.st_mtim;
	return IMG_OK;
}

enum img_err
blobstore_sync(struct blobstore *bs)
{
	if (syncfs(bs->bucket_fd) == -1) {
		log_warn("sync");
		return errno_err();
	}
	return IMG_OK;
}

void
blobstore_drop_tmp(const char *dir)
{
	int	 dfd;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	(void)unlinkat(dfd, TMP_DIR, AT_REMOVEDIR);
	close(dfd);
}

mode_t
blob_dir_mode(mode_t file_mode)
{
	/* Whoever may read a file may list its folder. */
	return (file_mode & 0666) | (file_mode & 0444) >> 2 | 0100;
}
