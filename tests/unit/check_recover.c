/*
 * check_recover.c: what a start does with the rows committed while their
 * files were being synced (catalog_insert_unsynced), left marked by a
 * crash: a whole file keeps its row, anything else loses it, and its
 * file goes with its temp name.
 */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imaged/blobstore.h"
#include "imaged/catalog.h"
#include "imaged/digest.h"
#include "imaged/recover.h"

Suite	*recover_suite(void);

static char		 dir[64], dbpath[96];
static struct catalog	*cat;
static struct blobstore	*bs;

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/imaged-recover.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(dbpath, sizeof(dbpath), "%s/imaged.db", dir);
	ck_assert_int_eq(catalog_open(dbpath, 2, &cat), IMG_OK);
	ck_assert_int_eq(blobstore_open(dir, "bucket", 0600, &bs), IMG_OK);
}

static void
teardown(void)
{
	char	 cmd[128];

	catalog_close(cat);
	blobstore_close(bs);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
put_file(const char *rel, const char *text)
{
	char	 path[512];
	FILE	*fp;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
}

static bool
exists(const char *rel)
{
	char		 path[256];
	struct stat	 st;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return lstat(path, &st) == 0;
}

/*
 * What a crash between the row's commit and the end of the file's sync
 * leaves: the marked row, the file under its key holding `on_disk`, and
 * its temp name ln-<key> (the same inode).  The row says `text`.
 */
static void
crashed_upload(const char *id, const char *text, const char *on_disk)
{
	struct image_record	 rec;
	struct image_meta	 meta;
	struct digest		 d;
	char			 key[128], sha[DIGEST_HEX + 1], path[256];
	char			 ln[256];

	snprintf(key, sizeof(key), "images/u/%s.jpg", id);
	digest_init(&d);
	digest_add(&d, text, strlen(text));
	digest_hex(&d, sha);
	memset(&rec, 0, sizeof(rec));
	memset(&meta, 0, sizeof(meta));
	rec.image_id = id;
	rec.user_id = "u";
	rec.filename = "f.jpg";
	rec.s3_key = key;
	rec.content_type = "image/jpeg";
	rec.checksum_sha256 = sha;
	rec.file_size = (int64_t)strlen(text);
	meta.tags_json = "[]";
	ck_assert_int_eq(catalog_insert_unsynced(cat, &rec, &meta, NULL),
	    IMG_OK);
	snprintf(path, sizeof(path), "%s/bucket/images", dir);
	(void)mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/bucket/images/u", dir);
	(void)mkdir(path, 0700);
	snprintf(path, sizeof(path), "bucket/%s", key);
	put_file(path, on_disk);
	snprintf(path, sizeof(path), "%s/bucket/%s", dir, key);
	snprintf(ln, sizeof(ln), "%s/tmp/ln-images%%2Fu%%2F%s.jpg", dir, id);
	ck_assert_int_eq(link(path, ln), 0);
}

static enum img_err
count_marks(void *arg, const struct catalog_unsynced_file *f)
{
	(void)f;
	(*(int *)arg)++;
	return IMG_OK;
}

static int
marks(void)
{
	int	 n = 0;

	ck_assert_int_eq(catalog_unsynced(cat, count_marks, &n), IMG_OK);
	return n;
}

static void
recover(bool dry_run, struct recover_counts *c)
{
	struct timespec	 before;

	clock_gettime(CLOCK_REALTIME, &before);
	before.tv_sec += 1;
	ck_assert_int_eq(recover_leftovers(cat, bs, before, dry_run, c),
	    IMG_OK);
}

#define ID_WHOLE	"00000001-0000-4000-8000-000000000001"
#define ID_SHORT	"00000002-0000-4000-8000-000000000002"
#define ID_CHANGED	"00000003-0000-4000-8000-000000000003"

START_TEST(test_whole_file_keeps_its_row)
{
	struct recover_counts	 c;

	crashed_upload(ID_WHOLE, "hello world", "hello world");
	ck_assert_int_eq(marks(), 1);
	recover(true, &c);		/* imaged check: only counts */
	ck_assert_int_eq(marks(), 1);
	recover(false, &c);
	ck_assert_int_eq(c.rows_undone, 0);
	ck_assert_int_eq(c.uploads_kept, 1);
	ck_assert_int_eq(marks(), 0);
	ck_assert_int_eq(catalog_get(cat, ID_WHOLE, NULL, NULL), IMG_OK);
	ck_assert(exists("bucket/images/u/" ID_WHOLE ".jpg"));
	ck_assert(!exists("tmp/ln-images%2Fu%2F" ID_WHOLE ".jpg"));
}
END_TEST

START_TEST(test_broken_file_loses_its_row)
{
	struct recover_counts	 c;

	crashed_upload(ID_SHORT, "hello world", "hello");
	crashed_upload(ID_CHANGED, "hello world", "hello w0rld");
	recover(true, &c);
	ck_assert_int_eq(c.rows_undone, 2);
	ck_assert_int_eq(catalog_get(cat, ID_SHORT, NULL, NULL), IMG_OK);
	recover(false, &c);
	ck_assert_int_eq(c.rows_undone, 2);
	ck_assert_int_eq(c.uploads_undone, 2);	/* their files, by ln- */
	ck_assert_int_eq(marks(), 0);
	ck_assert_int_eq(catalog_get(cat, ID_SHORT, NULL, NULL),
	    IMG_ENOTFOUND);
	ck_assert_int_eq(catalog_get(cat, ID_CHANGED, NULL, NULL),
	    IMG_ENOTFOUND);
	ck_assert(!exists("bucket/images/u/" ID_SHORT ".jpg"));
	ck_assert(!exists("bucket/images/u/" ID_CHANGED ".jpg"));
	ck_assert(!exists("tmp/ln-images%2Fu%2F" ID_SHORT ".jpg"));
	/* Once done, a second start finds nothing left. */
	recover(false, &c);
	ck_assert_int_eq(c.rows_undone + c.uploads_undone, 0);
}
END_TEST

/* A file found durable: its mark goes with the next write, or at close. */
START_TEST(test_synced_mark_goes_with_next_write)
{
	crashed_upload(ID_WHOLE, "hello world", "hello world");
	catalog_file_synced(cat, ID_WHOLE);
	ck_assert_int_eq(marks(), 1);
	crashed_upload(ID_SHORT, "x", "x");
	ck_assert_int_eq(marks(), 1);		/* ID_SHORT's own */
	catalog_file_synced(cat, ID_SHORT);
	catalog_close(cat);
	ck_assert_int_eq(catalog_open(dbpath, 2, &cat), IMG_OK);
	ck_assert_int_eq(marks(), 0);
}
END_TEST

Suite *
recover_suite(void)
{
	Suite	*s = suite_create("recover");
	TCase	*tc = tcase_create("unsynced");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_whole_file_keeps_its_row);
	tcase_add_test(tc, test_broken_file_loses_its_row);
	tcase_add_test(tc, test_synced_mark_goes_with_next_write);
	suite_add_tcase(s, tc);
	return s;
}
