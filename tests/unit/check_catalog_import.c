/*
 * check_catalog_import.c: the catalog's calls for data in and out (import
 * with kept times, the database copy, snapshot scans, totals), as
 * `imaged import`, `export` and `backup` use them.  Each test gets a fresh
 * temporary directory.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imaged/catalog.h"

Suite	*catalog_import_suite(void);

static char	 dir[64];
static char	 dbpath[128], copypath[128];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check-catimport-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(dbpath, sizeof(dbpath), "%s/imaged.db", dir);
	snprintf(copypath, sizeof(copypath), "%s/copy.db", dir);
}

static void
teardown(void)
{
	const char	*sfx[] = { "", "-wal", "-shm" };
	char		 p[160];
	size_t		 i;

	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s%s", dbpath, sfx[i]);
		unlink(p);
		snprintf(p, sizeof(p), "%s%s", copypath, sfx[i]);
		unlink(p);
	}
	rmdir(dir);
}

static int64_t
now_usec(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct rec {
	char			 id[IMAGE_ID_SIZE], key[80];
	struct image_record	 r;
};

static void
make_rec(struct rec *x, unsigned n, int64_t created, int64_t updated)
{
	snprintf(x->id, sizeof(x->id), "%08x-0000-4000-8000-%012x", n, n);
	snprintf(x->key, sizeof(x->key), "images/u/%s.png", x->id);
	memset(&x->r, 0, sizeof(x->r));
	x->r.image_id = x->id;
	x->r.user_id = "u";
	x->r.filename = "a.png";
	x->r.s3_key = x->key;
	x->r.content_type = "image/png";
	x->r.checksum_sha256 = "00";
	x->r.file_size = 100 + n;
	x->r.created_at = created;
	x->r.updated_at = updated;
}

struct seen {
	int	 n;
	int64_t	 created[8], updated[8];
	char	 ids[8][IMAGE_ID_SIZE];
};

static enum img_err
see(void *arg, const struct image_record *r)
{
	struct seen	*s = arg;

	if (s->n < 8) {
		s->created[s->n] = r->created_at;
		s->updated[s->n] = r->updated_at;
		snprintf(s->ids[s->n], IMAGE_ID_SIZE, "%s", r->image_id);
	}
	s->n++;
	return IMG_OK;
}

static struct catalog *
open_cat(const char *path)
{
	struct catalog	*cat = NULL;

	ck_assert_int_eq(catalog_open(path, 2, &cat), IMG_OK);
	return cat;
}

START_TEST(test_import_keeps_times)
{
	struct catalog			*cat = open_cat(dbpath);
	struct rec			 a, b;
	struct catalog_import_row	 rows[2];
	struct seen			 s = { 0 };
	struct image_meta		 meta = { .title = "T",
	    .tags_json = "[\"x\"]" };
	int64_t				 t = now_usec() - 3600000000LL;

	make_rec(&a, 1, t + 10, t + 20);
	make_rec(&b, 2, t, t);
	rows[0] = (struct catalog_import_row){ .rec = &a.r, .meta = &meta };
	rows[1] = (struct catalog_import_row){ .rec = &b.r, .meta = NULL };
	ck_assert_int_eq(catalog_import(cat, rows, 2), IMG_OK);
	ck_assert(rows[0].added && rows[1].added);
	ck_assert_int_eq(catalog_scan(cat, see, &s), IMG_OK);
	ck_assert_int_eq(s.n, 2);
	/* Oldest first, with the times given. */
	ck_assert_str_eq(s.ids[0], b.id);
	ck_assert_int_eq(s.created[0], t);
	ck_assert_int_eq(s.created[1], t + 10);
	ck_assert_int_eq(s.updated[1], t + 20);
	catalog_close(cat);
}
END_TEST

START_TEST(test_import_twice_adds_nothing)
{
	struct catalog			*cat = open_cat(dbpath);
	struct rec			 a;
	struct catalog_import_row	 row;
	struct seen			 s = { 0 };

	make_rec(&a, 1, now_usec() - 1000000, 0);
	row = (struct catalog_import_row){ .rec = &a.r };
	ck_assert_int_eq(catalog_import(cat, &row, 1), IMG_OK);
	ck_assert(row.added);
	ck_assert_int_eq(catalog_import(cat, &row, 1), IMG_OK);
	ck_assert(!row.added);
	ck_assert_int_eq(catalog_id_known(cat, a.id), IMG_OK);
	ck_assert_int_eq(catalog_id_known(cat,
	    "00000000-0000-4000-8000-000000000000"), IMG_ENOTFOUND);
	ck_assert_int_eq(catalog_scan(cat, see, &s), IMG_OK);
	ck_assert_int_eq(s.n, 1);
	catalog_close(cat);
}
END_TEST

START_TEST(test_import_same_time_moves_on)
{
	struct catalog			*cat = open_cat(dbpath);
	struct rec			 a, b, c;
	struct catalog_import_row	 rows[3];
	struct seen			 s = { 0 };
	int64_t				 t = now_usec() - 1000000;

	make_rec(&a, 1, t, t);
	make_rec(&b, 2, t, t);
	make_rec(&c, 3, t, t);
	rows[0] = (struct catalog_import_row){ .rec = &a.r };
	rows[1] = (struct catalog_import_row){ .rec = &b.r };
	ck_assert_int_eq(catalog_import(cat, rows, 2), IMG_OK);
	rows[0] = (struct catalog_import_row){ .rec = &c.r };
	ck_assert_int_eq(catalog_import(cat, rows, 1), IMG_OK);
	ck_assert_int_eq(catalog_scan(cat, see, &s), IMG_OK);
	ck_assert_int_eq(s.n, 3);
	ck_assert_int_eq(s.created[0], t);
	ck_assert_int_eq(s.created[1], t + 1);
	ck_assert_int_eq(s.created[2], t + 2);
	ck_assert_int_eq(s.updated[2], t + 2);	/* never before created_at */
	catalog_close(cat);
}
END_TEST

START_TEST(test_import_refuses_the_future)
{
	struct catalog			*cat = open_cat(dbpath);
	struct rec			 a, b;
	struct catalog_import_row	 rows[2];
	struct seen			 s = { 0 };

	make_rec(&a, 1, now_usec() - 1000000, 0);
	make_rec(&b, 2, now_usec() + 3600000000LL, 0);
	rows[0] = (struct catalog_import_row){ .rec = &a.r };
	rows[1] = (struct catalog_import_row){ .rec = &b.r };
	ck_assert_int_eq(catalog_import(cat, rows, 2), IMG_EINVAL);
	ck_assert(!rows[0].added && !rows[1].added);
	ck_assert_int_eq(catalog_scan(cat, see, &s), IMG_OK);
	ck_assert_int_eq(s.n, 0);
	catalog_close(cat);
}
END_TEST

START_TEST(test_upload_after_import_sorts_last)
{
	struct catalog			*cat = open_cat(dbpath);
	struct rec			 a, b;
	struct catalog_import_row	 row;
	struct seen			 s = { 0 };
	int64_t				 at;

	make_rec(&a, 1, now_usec() - 5, 0);
	row = (struct catalog_import_row){ .rec = &a.r };
	ck_assert_int_eq(catalog_import(cat, &row, 1), IMG_OK);
	make_rec(&b, 2, 0, 0);
	ck_assert_int_eq(catalog_insert(cat, &b.r, NULL, &at), IMG_OK);
	ck_assert_int_eq(catalog_scan(cat, see, &s), IMG_OK);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.ids[1], b.id);
	ck_assert_int_gt(at, s.created[0]);
	catalog_close(cat);
}
END_TEST

START_TEST(test_copy_and_scans)
{
	struct catalog			*cat = open_cat(dbpath), *copy;
	struct rec			 a, b;
	struct catalog_import_row	 rows[2];
	struct seen			 s = { 0 }, all = { 0 };
	int64_t				 n, bytes;

	make_rec(&a, 1, now_usec() - 20, 0);
	make_rec(&b, 2, now_usec() - 10, 0);
	rows[0] = (struct catalog_import_row){ .rec = &a.r };
	rows[1] = (struct catalog_import_row){ .rec = &b.r };
	ck_assert_int_eq(catalog_import(cat, rows, 2), IMG_OK);
	ck_assert_int_eq(catalog_quarantine(cat, a.id), IMG_OK);
	ck_assert_int_eq(catalog_totals(cat, &n, &bytes), IMG_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(bytes, 102);
	ck_assert_int_eq(catalog_copy_to(cat, copypath), IMG_OK);
	/* The copy is a new file: an existing one is not overwritten. */
	ck_assert_int_ne(catalog_copy_to(cat, copypath), IMG_OK);
	copy = open_cat(copypath);
	ck_assert_int_eq(catalog_scan(copy, see, &s), IMG_OK);
	ck_assert_int_eq(catalog_scan_every(copy, see, &all), IMG_OK);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(all.n, 2);
	ck_assert_str_eq(all.ids[0], a.id);
	catalog_close(copy);
	catalog_close(cat);
}
END_TEST

Suite *
catalog_import_suite(void)
{
	Suite	*s = suite_create("catalog_import");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_import_keeps_times);
	tcase_add_test(tc, test_import_twice_adds_nothing);
	tcase_add_test(tc, test_import_same_time_moves_on);
	tcase_add_test(tc, test_import_refuses_the_future);
	tcase_add_test(tc, test_upload_after_import_sorts_last);
	tcase_add_test(tc, test_copy_and_scans);
	suite_add_tcase(s, tc);
	return s;
}
