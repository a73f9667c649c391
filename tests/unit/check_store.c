/*
 * check_store.c: the blob store and the upload path through it: keys
 * laid out as S3 keys, nothing visible before commit, temp files gone on
 * failure and at start, symlinks refused, the size limit, the checksum.
 */
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imaged/blobstore.h"
#include "imaged/upload.h"

Suite	*store_suite(void);

static char		 dir[64];
static struct blobstore	*bs;

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/imaged-store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(blobstore_open(dir, "bucket", 0600, &bs), IMG_OK);
}

static void
teardown(void)
{
	char	 cmd[128];

	blobstore_close(bs);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int
tmp_files(void)
{
	char	 cmd[128];
	FILE	*fp;
	int	 n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A %s/tmp | wc -l", dir);
	fp = popen(cmd, "r");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fscanf(fp, "%d", &n), 1);
	pclose(fp);
	return n;
}

static bool
exists(const char *rel)
{
	char		 path[256];
	struct stat	 st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return lstat(path, &st) == 0;
}

START_TEST(test_commit_under_key)
{
	struct blob_writer	*w;
	struct blob_info	 info;
	char			 got[16];
	int			 fd;

	ck_assert_int_eq(blob_writer_new(bs, &w), IMG_OK);
	ck_assert_int_eq(blob_writer_write(w, "hello ", 6), IMG_OK);
	ck_assert_int_eq(blob_writer_write(w, "world", 5), IMG_OK);
	ck_assert_int_eq(tmp_files(), 1);
	ck_assert(!exists("bucket/images/u1/a.png"));
	ck_assert_int_eq(blob_writer_commit(w, "images/u1/a.png"), IMG_OK);
	blob_writer_settle(w);
	blob_writer_free(w);
	ck_assert_int_eq(tmp_files(), 0);
	ck_assert(exists("bucket/images/u1/a.png"));

	ck_assert_int_eq(blob_open_read(bs, "images/u1/a.png", &fd, &info),
	    IMG_OK);
	ck_assert_int_eq(info.size, 11);
	ck_assert_int_eq(read(fd, got, sizeof(got)), 11);
	ck_assert(memcmp(got, "hello world", 11) == 0);
	close(fd);

	ck_assert_int_eq(blob_remove(bs, "images/u1/a.png"), IMG_OK);
	ck_assert(!exists("bucket/images/u1/a.png"));
	ck_assert_int_eq(blob_remove(bs, "images/u1/a.png"), IMG_OK);
	ck_assert_int_eq(blob_open_read(bs, "images/u1/a.png", &fd, &info),
	    IMG_ENOTFOUND);
}
END_TEST

START_TEST(test_abandoned_writer_leaves_nothing)
{
	struct blob_writer	*w;

	ck_assert_int_eq(blob_writer_new(bs, &w), IMG_OK);
	ck_assert_int_eq(blob_writer_write(w, "x", 1), IMG_OK);
	blob_writer_free(w);
	ck_assert_int_eq(tmp_files(), 0);
}
END_TEST

START_TEST(test_bad_keys)
{
	static const char *const keys[] = { "", "/abs", "images/../x", "../x",
	    "images//x", "images/./x", "images/u/", ".", ".." };
	struct blob_writer	*w;
	struct blob_info	 info;
	size_t			 i;
	int			 fd;

	ck_assert_int_eq(blob_writer_new(bs, &w), IMG_OK);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		ck_assert_int_eq(blob_writer_commit(w, keys[i]), IMG_EINVAL);
		ck_assert_int_eq(blob_open_read(bs, keys[i], &fd, &info),
		    IMG_EINVAL);
		ck_assert_int_eq(blob_remove(bs, keys[i]), IMG_EINVAL);
	}
	blob_writer_free(w);
}
END_TEST

START_TEST(test_symlinks_refused)
{
	char			 target[128], link[128];
	struct blob_info	 info;
	int			 fd;

	/* A file outside the bucket, reached through a planted link. */
	snprintf(target, sizeof(target), "%s/secret", dir);
	fd = open(target, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, "secret", 6), 6);
	close(fd);
	snprintf(link, sizeof(link), "%s/bucket/images", dir);
	ck_assert_int_eq(mkdir(link, 0755), 0);
	snprintf(link, sizeof(link), "%s/bucket/images/evil.png", dir);
	ck_assert_int_eq(symlink(target, link), 0);
	ck_assert_int_eq(blob_open_read(bs, "images/evil.png", &fd, &info),
	    IMG_ENOTFOUND);
	/* A linked folder too. */
	snprintf(link, sizeof(link), "%s/bucket/images/u", dir);
	ck_assert_int_eq(symlink(dir, link), 0);
	ck_assert_int_eq(blob_open_read(bs, "images/u/secret", &fd, &info),
	    IMG_ENOTFOUND);
}
END_TEST

static enum img_err
take_pending(void *arg, const struct blob_pending *p)
{
	struct blob_pending	*out = arg;

	ck_assert(!out[0].name[0] || !out[1].name[0]);
	out[out[0].name[0] ? 1 : 0] = *p;
	return IMG_OK;
}

static struct timespec
later(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 1;
	return ts;
}

static void
make_file(const char *rel, const char *text)
{
	char	 path[256];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

/* Committed but not settled: the key and ln-<key> are one inode. */
START_TEST(test_commit_keeps_proof_until_settled)
{
	struct blob_writer	*w;
	struct blob_pending	 p[2];
	struct stat		 a, b;
	char			 path[256];

	ck_assert_int_eq(blob_writer_new(bs, &w), IMG_OK);
	ck_assert_int_eq(blob_writer_write(w, "x", 1), IMG_OK);
	ck_assert_int_eq(blob_writer_commit(w, "images/u1/a%b.png"), IMG_OK);
	ck_assert(exists("tmp/ln-images%2Fu1%2Fa%25b.png"));
	snprintf(path, sizeof(path),
	    "%s/tmp/ln-images%%2Fu1%%2Fa%%25b.png", dir);
	ck_assert_int_eq(stat(path, &a), 0);
	snprintf(path, sizeof(path), "%s/bucket/images/u1/a%%b.png", dir);
	ck_assert_int_eq(stat(path, &b), 0);
	ck_assert(a.st_ino == b.st_ino && a.st_nlink == 2);
	/* What a start after a crash here would see. */
	memset(p, 0, sizeof(p));
	ck_assert_int_eq(blob_pending_walk(bs, later(), take_pending, p),
	    IMG_OK);
	ck_assert(p[0].has_key && p[0].linked && !p[1].name[0]);
	ck_assert_str_eq(p[0].key, "images/u1/a%b.png");
	blob_writer_settle(w);
	ck_assert_int_eq(tmp_files(), 0);
	blob_writer_free(w);
	ck_assert(exists("bucket/images/u1/a%b.png"));
}
END_TEST

/* A commit whose row never came is undone by freeing the writer. */
START_TEST(test_unsettled_commit_undone)
{
	struct blob_writer	*w;

	ck_assert_int_eq(blob_writer_new(bs, &w), IMG_OK);
	ck_assert_int_eq(blob_writer_commit(w, "images/u1/b.png"), IMG_OK);
	blob_writer_free(w);
	ck_assert(!exists("bucket/images/u1/b.png"));
	ck_assert_int_eq(tmp_files(), 0);
}
END_TEST

/*
 * test_mode's reset: every key goes, and a linked temp name that no
 * upload settled with it; a body still being written stays, and lands
 * afterwards.
 */
START_TEST(test_clear_keeps_uploads_in_progress)
{
	struct blob_writer	*w, *kept;

	ck_assert_int_eq(blob_writer_new(bs, &kept), IMG_OK);
	ck_assert_int_eq(blob_writer_write(kept, "k", 1), IMG_OK);
	ck_assert_int_eq(blob_writer_commit(kept, "images/u/a.png"), IMG_OK);
	blob_writer_settle(kept);
	blob_writer_free(kept);
	ck_assert(exists("bucket/images/u/a.png"));
	ck_assert_int_eq(blob_writer_new(bs, &w), IMG_OK);
	ck_assert_int_eq(blob_writer_write(w, "x", 1), IMG_OK);
	make_file("tmp/ln-images%2Fu%2Fold.png", "left");
	blob_removals_cancel(bs);
	ck_assert_int_eq(blobstore_clear(bs), IMG_OK);
	ck_assert(!exists("bucket/images/u/a.png"));
	ck_assert(!exists("bucket/images"));
	ck_assert(!exists("tmp/ln-images%2Fu%2Fold.png"));
	/* the body being written: named, or a spare with no name yet */
	ck_assert_int_le(tmp_files(), 1);
	ck_assert_int_eq(blob_writer_commit(w, "images/u/new.png"), IMG_OK);
	blob_writer_settle(w);
	blob_writer_free(w);
	ck_assert(exists("bucket/images/u/new.png"));
	ck_assert_int_eq(tmp_files(), 0);
}
END_TEST

/*
 * Leftovers made by hand: an unfinished upload and a linked one go; a
 * file at a key that is another inode than the temp name is not ours and
 * stays.
 */
START_TEST(test_pending_drop_only_own)
{
	struct blob_pending	 p[2];
	char			 a[256], b[256];

	make_file("tmp/up-0123456789abcdef0123456789abcdef.part", "x");
	make_file("tmp/notes.txt", "not a name of ours");
	memset(p, 0, sizeof(p));
	ck_assert_int_eq(blob_pending_walk(bs, later(), take_pending, p),
	    IMG_OK);
	ck_assert(!p[0].has_key && !p[1].name[0]);
	ck_assert_int_eq(blob_pending_drop(bs, &p[0], true), IMG_OK);
	ck_assert(exists("tmp/notes.txt"));
	ck_assert_int_eq(tmp_files(), 1);

	/* linked by hand, as a crash before the row leaves it */
	make_file("tmp/ln-images%2Fu%2Fc.png", "mine");
	snprintf(a, sizeof(a), "%s/tmp/ln-images%%2Fu%%2Fc.png", dir);
	snprintf(b, sizeof(b), "mkdir -p %s/bucket/images/u", dir);
	ck_assert_int_eq(system(b), 0);
	snprintf(b, sizeof(b), "%s/bucket/images/u/c.png", dir);
	ck_assert_int_eq(link(a, b), 0);
	/* and one whose key holds another file */
	make_file("tmp/ln-images%2Fu%2Fd.png", "mine");
	make_file("bucket/images/u/d.png", "foreign");
	memset(p, 0, sizeof(p));
	ck_assert_int_eq(blob_pending_walk(bs, later(), take_pending, p),
	    IMG_OK);
	ck_assert(p[0].has_key && p[1].has_key);
	ck_assert(p[0].linked != p[1].linked);
	ck_assert_int_eq(blob_pending_drop(bs, &p[0], true), IMG_OK);
	ck_assert_int_eq(blob_pending_drop(bs, &p[1], true), IMG_OK);
	ck_assert(!exists("bucket/images/u/c.png"));
	ck_assert(exists("bucket/images/u/d.png"));
	ck_assert_int_eq(tmp_files(), 1);	/* notes.txt */

	/* not yet a leftover while a daemon may still be at it */
	make_file("tmp/up-0123456789abcdef0123456789abcdee.part", "x");
	memset(p, 0, sizeof(p));
	ck_assert_int_eq(blob_pending_walk(bs, (struct timespec){ time(NULL) -
	    60, 0 }, take_pending, p), IMG_OK);
	ck_assert(!p[0].name[0]);
}
END_TEST

/* check --repair's way with unknown files: set aside, never deleted. */
START_TEST(test_move_lost)
{
	ck_assert_int_eq(mkdir(strcat(strcpy((char[128]){ 0 }, dir),
	    "/bucket/other"), 0700), 0);
	make_file("bucket/other/readme.txt", "hello");
	ck_assert_int_eq(blob_move_lost(bs, "other/readme.txt"), IMG_OK);
	ck_assert(!exists("bucket/other/readme.txt"));
	ck_assert(exists("lost+found/other/readme.txt"));
	make_file("bucket/other/readme.txt", "again");
	/* never over what was set aside before */
	ck_assert_int_eq(blob_move_lost(bs, "other/readme.txt"), IMG_EUNAVAIL);
	ck_assert(exists("bucket/other/readme.txt"));
	ck_assert_int_eq(blob_move_lost(bs, "other/none"), IMG_ENOTFOUND);
}
END_TEST

/* A renditions folder goes only once empty; its files are never touched. */
START_TEST(test_rendition_remove_empty_folder)
{
	ck_assert_int_eq(mkdir(strcat(strcpy((char[128]){ 0 }, dir),
	    "/_renditions/abc"), 0700), 0);
	make_file("_renditions/abc/w32.png", "kept");
	ck_assert_int_eq(blob_rendition_remove_empty_folder(bs, "abc"), IMG_OK);
	ck_assert(exists("_renditions/abc/w32.png"));
	ck_assert_int_eq(blob_rendition_remove(bs, "abc/w32.png"), IMG_OK);
	ck_assert_int_eq(blob_rendition_remove_empty_folder(bs, "abc"), IMG_OK);
	ck_assert(!exists("_renditions/abc"));
	ck_assert_int_eq(blob_rendition_remove_empty_folder(bs, "abc"), IMG_OK);
	ck_assert_int_eq(blob_rendition_remove_empty_folder(bs, "a/b"),
	    IMG_EINVAL);
	ck_assert_int_eq(blob_rendition_remove_empty_folder(bs, ".."),
	    IMG_EINVAL);
}
END_TEST

/* Files and folders get the store's modes. */
START_TEST(test_modes)
{
	struct blob_writer	*w;
	struct stat		 st;
	char			 path[256];

	ck_assert_int_eq(blob_writer_new(bs, &w), IMG_OK);
	ck_assert_int_eq(blob_writer_commit(w, "images/u9/m.png"), IMG_OK);
	blob_writer_settle(w);
	blob_writer_free(w);
	snprintf(path, sizeof(path), "%s/bucket/images/u9/m.png", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/bucket/images/u9", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	ck_assert_int_eq(blob_dir_mode(0640), 0750);
	ck_assert_int_eq(blob_dir_mode(0644), 0755);
}
END_TEST

START_TEST(test_upload_hash_sniff_limit)
{
	static const unsigned char gif[] = "GIF89a\x0a\x00\x07\x00\x80\x00\x00";
	struct upload		*u;
	struct upload_info	 info;

	ck_assert_int_eq(upload_new(bs, 100, &u), IMG_OK);
	ck_assert_int_eq(upload_write(u, gif, 6), IMG_OK);
	ck_assert_int_eq(upload_write(u, gif + 6, sizeof(gif) - 1 - 6), IMG_OK);
	upload_end(u, &info);
	ck_assert_int_eq(info.size, sizeof(gif) - 1);
	ck_assert_int_eq(info.kind, IMG_KIND_GIF);
	ck_assert_int_eq(info.width, 10);
	ck_assert_int_eq(info.height, 7);
	ck_assert_int_eq(strlen(info.sha256), 64);
	upload_free(u);
	ck_assert_int_eq(tmp_files(), 0);

	/* The checksum of "abc" is the known SHA-256 vector. */
	ck_assert_int_eq(upload_new(bs, 100, &u), IMG_OK);
	ck_assert_int_eq(upload_write(u, "abc", 3), IMG_OK);
	upload_end(u, &info);
	ck_assert_str_eq(info.sha256, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	upload_free(u);

	/* One byte over the limit is refused as it arrives. */
	ck_assert_int_eq(upload_new(bs, 10, &u), IMG_OK);
	ck_assert_int_eq(upload_write(u, "0123456789", 10), IMG_OK);
	ck_assert_int_eq(upload_write(u, "x", 1), IMG_ETOOBIG);
	upload_free(u);
	ck_assert_int_eq(tmp_files(), 0);
}
END_TEST

static enum img_err
count_key(void *arg, const char *key, const struct blob_info *info)
{
	int	*n = arg;

	(void)info;
	ck_assert_ptr_null(strstr(key, "//"));
	(*n)++;
	return IMG_OK;
}

/* Every walk sees every file, however many walks came before. */
START_TEST(test_walk_repeats)
{
	static const char *const keys[] = { "images/a/1.png", "images/a/2.png",
	    "images/b/3.png" };
	struct blob_writer	*w;
	size_t			 i;
	int			 n, round;

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(blob_writer_new(bs, &w), IMG_OK);
		ck_assert_int_eq(blob_writer_commit(w, keys[i]), IMG_OK);
		blob_writer_settle(w);
		blob_writer_free(w);
	}
	for (round = 0; round < 3; round++) {
		n = 0;
		ck_assert_int_eq(blob_walk(bs, count_key, &n), IMG_OK);
		ck_assert_int_eq(n, 3);
		ck_assert_int_eq(tmp_files(), 0);
	}
}
END_TEST

static void
count_removed(void *arg, const char *key)
{
	(void)key;
	(*(int *)arg)++;
}

/* Removals queued for later are all done once the store closes. */
START_TEST(test_remove_later)
{
	struct blob_writer	*w;
	char			 key[64];
	int			 i, n = 0;

	for (i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "images/u/%d.png", i);
		ck_assert_int_eq(blob_writer_new(bs, &w), IMG_OK);
		ck_assert_int_eq(blob_writer_commit(w, key), IMG_OK);
		blob_writer_settle(w);
		blob_writer_free(w);
	}
	for (i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "images/u/%d.png", i);
		ck_assert_int_eq(blob_remove_later(bs, key, count_removed, &n),
		    IMG_OK);
	}
	ck_assert_int_eq(blob_remove_later(bs, "../x", NULL, NULL), IMG_EINVAL);
	blobstore_close(bs);
	ck_assert_int_eq(n, 20);	/* each removal said so */
	ck_assert_int_eq(blobstore_open(dir, "bucket", 0600, &bs), IMG_OK);
	n = 0;
	ck_assert_int_eq(blob_walk(bs, count_key, &n), IMG_OK);
	ck_assert_int_eq(n, 0);
}
END_TEST

/*
 * Read in this process: counting with ls under popen() raced with the
 * pipe's other end, which the child may list before the parent closes it.
 */
static int
open_fds(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	ck_assert_ptr_nonnull(d = opendir("/proc/self/fd"));
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1;		/* less the listing's own */
}

/*
 * Once a writer has committed, the next ones start on spare files made
 * ahead: nothing shows in tmp/ until a commit names the file ln-<key>,
 * an abandoned one leaves nothing, and closing the store closes them.
 */
START_TEST(test_spares)
{
	struct blob_writer	*w;
	struct blob_info	 info;
	int			 fd, i, fds, nameless = 0;

	/*
	 * Counted with the store closed: an open store's housekeeper may
	 * hold a folder open for a moment.
	 */
	blobstore_close(bs);
	fds = open_fds();
	ck_assert_int_eq(blobstore_open(dir, "bucket", 0600, &bs), IMG_OK);
	ck_assert_int_eq(blob_writer_new(bs, &w), IMG_OK);
	ck_assert_int_eq(tmp_files(), 1);	/* the first is named */
	ck_assert_int_eq(blob_writer_commit(w, "images/u/first.png"), IMG_OK);
	blob_writer_settle(w);
	blob_writer_free(w);
	for (i = 0; i < 100 && nameless < 2; i++) {
		ck_assert_int_eq(blob_writer_new(bs, &w), IMG_OK);
		ck_assert_int_eq(blob_writer_write(w, "spare", 5), IMG_OK);
		if (tmp_files() == 0 && nameless++ == 0) {
			ck_assert_int_eq(blob_writer_commit(w,
			    "images/u/spare.png"), IMG_OK);
			ck_assert(exists("tmp/ln-images%2Fu%2Fspare.png"));
			blob_writer_settle(w);
		}
		blob_writer_free(w);	/* the second: abandoned */
		ck_assert_int_eq(tmp_files(), 0);
		if (nameless == 0)
			usleep(10000);	/* the housekeeper is at work */
	}
	ck_assert_int_eq(nameless, 2);
	ck_assert_int_eq(blob_open_read(bs, "images/u/spare.png", &fd, &info),
	    IMG_OK);
	ck_assert_int_eq(info.size, 5);
	close(fd);
	ck_assert_int_gt(open_fds(), fds);	/* spares, held open */
	blobstore_close(bs);
	ck_assert_int_eq(open_fds(), fds);	/* every one closed */
	ck_assert_int_eq(blobstore_open(dir, "bucket", 0600, &bs), IMG_OK);
}
END_TEST

/* A key made for an image names that image again; other keys name none. */
static const struct {
	const char	*key;
	const char	*id;		/* NULL: names no image */
} key_cases[] = {
	{ "images/alice/f47ac10b-58cc-4372-a567-0e02b2c3d479.png",
	  "f47ac10b-58cc-4372-a567-0e02b2c3d479" },
	{ "images/alice/F47AC10B-58CC-4372-A567-0E02B2C3D479.tar.gz",
	  "f47ac10b-58cc-4372-a567-0e02b2c3d479" },
	{ "f47ac10b-58cc-4372-a567-0e02b2c3d479.jpg",
	  "f47ac10b-58cc-4372-a567-0e02b2c3d479" },
	{ "images/alice/f47ac10b-58cc-4372-a567-0e02b2c3d479", NULL },
	{ "images/alice/f47ac10b-58cc-4372-a567-0e02b2c3d47.png", NULL },
	{ "images/f47ac10b-58cc-4372-a567-0e02b2c3d479.png/x.png", NULL },
	{ "images/alice/.png", NULL },
	{ "", NULL },
};

START_TEST(test_key_image_id)
{
	char	 id[IMAGE_ID_SIZE];
	bool	 ok = blob_key_image_id(key_cases[_i].key, id);

	ck_assert_msg(ok == (key_cases[_i].id != NULL), "[%s]",
	    key_cases[_i].key);
	if (ok)
		ck_assert_str_eq(id, key_cases[_i].id);
}
END_TEST

START_TEST(test_key_make_then_read)
{
	const char	*uuid = "0b6c2a52-8f0e-4d7c-9a53-1c2d3e4f5a6b";
	char		 key[BLOB_KEY_MAX + 1], id[IMAGE_ID_SIZE], small[20];

	ck_assert(blob_key_make(key, sizeof(key), "bob.s_1", uuid, "jpeg"));
	ck_assert_str_eq(key,
	    "images/bob.s_1/0b6c2a52-8f0e-4d7c-9a53-1c2d3e4f5a6b.jpeg");
	ck_assert(blob_key_image_id(key, id));
	ck_assert_str_eq(id, uuid);
	ck_assert(!blob_key_make(small, sizeof(small), "bob", uuid, "png"));
}
END_TEST

Suite *
store_suite(void)
{
	Suite	*s = suite_create("store");
	TCase	*tc = tcase_create("blobs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_commit_under_key);
	tcase_add_test(tc, test_abandoned_writer_leaves_nothing);
	tcase_add_test(tc, test_bad_keys);
	tcase_add_test(tc, test_symlinks_refused);
	tcase_add_test(tc, test_commit_keeps_proof_until_settled);
	tcase_add_test(tc, test_unsettled_commit_undone);
	tcase_add_test(tc, test_pending_drop_only_own);
	tcase_add_test(tc, test_clear_keeps_uploads_in_progress);
	tcase_add_test(tc, test_move_lost);
	tcase_add_test(tc, test_rendition_remove_empty_folder);
	tcase_add_test(tc, test_modes);
	tcase_add_test(tc, test_upload_hash_sniff_limit);
	tcase_add_test(tc, test_walk_repeats);
	tcase_add_test(tc, test_remove_later);
	tcase_add_test(tc, test_spares);
	tcase_add_loop_test(tc, test_key_image_id, 0,
	    (int)(sizeof(key_cases) / sizeof(key_cases[0])));
	tcase_add_test(tc, test_key_make_then_read);
	suite_add_tcase(s, tc);
	return s;
}
