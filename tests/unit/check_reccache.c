/*
 * check_reccache.c: entries found only at their key and version, copies
 * that outlive the records they were made from, slots shared and
 * refilled while a reader holds the entry it found.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "imaged/reccache.h"

Suite	*reccache_suite(void);

static const unsigned char	 v1[RECCACHE_VERSION_SIZE] = { 1 };
static const unsigned char	 v2[RECCACHE_VERSION_SIZE] = { 2 };

/* A record whose texts live in buffers the test then scribbles over. */
struct src {
	char			 id[40], title[40];
	struct image_record	 r;
};

static void
src_init(struct src *s, const char *id, const char *title)
{
	memset(s, 0, sizeof(*s));
	strcpy(s->id, id);
	s->r.image_id = s->id;
	s->r.user_id = "u";
	s->r.filename = "f.jpg";
	s->r.s3_key = "images/u/f.jpg";
	s->r.content_type = "image/jpeg";
	s->r.checksum_sha256 = "00";
	s->r.tags_json = "[\"a\"]";
	s->r.file_size = 42;
	s->r.created_at = 7;
	if (title != NULL) {
		strcpy(s->title, title);
		s->r.title = s->title;
	}
}

static struct reccache_entry *
entry_of(const char *key, const unsigned char *v, struct src *s, size_t n)
{
	struct reccache_entry	*e;
	size_t			 i;

	e = reccache_entry_new(key, v, n);
	ck_assert_ptr_nonnull(e);
	for (i = 0; i < n; i++)
		ck_assert(reccache_entry_add(e, &s[i].r));
	return e;
}

START_TEST(test_found_at_key_and_version)
{
	struct reccache		*rc = reccache_new(8);
	struct reccache_entry	*e, *f;
	struct src		 s[2];
	const struct image_record *r;
	uint64_t		 hits, stores;

	ck_assert_ptr_nonnull(rc);
	ck_assert_ptr_null(reccache_find(rc, "k", v1));
	src_init(&s[0], "id-0", "Title");
	src_init(&s[1], "id-1", NULL);
	e = entry_of("k", v1, s, 2);
	reccache_entry_set_word(e, 5);
	reccache_store(rc, e);
	reccache_release(e);
	/* The sources change: the entry holds copies. */
	memset(s[0].title, 'x', 5);
	strcpy(s[0].id, "gone");

	ck_assert_ptr_null(reccache_find(rc, "k", v2));
	ck_assert_ptr_null(reccache_find(rc, "K", v1));
	f = reccache_find(rc, "k", v1);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(reccache_count(f), 2);
	ck_assert_uint_eq(reccache_word(f), 5);
	r = reccache_record(f, 0);
	ck_assert_str_eq(r->image_id, "id-0");
	ck_assert_str_eq(r->title, "Title");
	ck_assert_str_eq(r->tags_json, "[\"a\"]");
	ck_assert_int_eq(r->file_size, 42);
	ck_assert_int_eq(r->created_at, 7);
	r = reccache_record(f, 1);
	ck_assert_str_eq(r->image_id, "id-1");
	ck_assert_ptr_null(r->title);
	ck_assert_ptr_null(r->description);
	reccache_release(f);
	reccache_stats(rc, &hits, &stores);
	ck_assert_uint_eq(hits, 1);
	ck_assert_uint_eq(stores, 1);
	reccache_free(rc);
}
END_TEST

/* Keep one record of title under key at v. */
static void
put_one(struct reccache *rc, const char *key, const unsigned char *v,
    const char *title)
{
	struct reccache_entry	*e;
	struct src		 s;

	src_init(&s, key, title);
	e = entry_of(key, v, &s, 1);
	reccache_store(rc, e);
	reccache_release(e);
}

/* The entry of key at v holds title (title NULL: there is none). */
static void
expect_title(struct reccache *rc, const char *key, const unsigned char *v,
    const char *title)
{
	struct reccache_entry	*e = reccache_find(rc, key, v);

	if (title == NULL) {
		ck_assert_ptr_null(e);
		return;
	}
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(reccache_record(e, 0)->title, title);
	reccache_release(e);
}

/* One slot: keys take turns, and a held entry outlives its replacement. */
START_TEST(test_shared_slot)
{
	struct reccache		*rc = reccache_new(1);
	struct reccache_entry	*held;

	put_one(rc, "a", v1, "A");
	held = reccache_find(rc, "a", v1);
	ck_assert_ptr_nonnull(held);
	put_one(rc, "b", v1, "B");
	expect_title(rc, "a", v1, NULL);
	expect_title(rc, "b", v1, "B");
	/* Still whole (ASan would see a use after free). */
	ck_assert_str_eq(reccache_record(held, 0)->title, "A");
	reccache_release(held);

	/* The same key at a newer version replaces the older. */
	put_one(rc, "b", v2, "B2");
	expect_title(rc, "b", v1, NULL);
	expect_title(rc, "b", v2, "B2");
	reccache_free(rc);
}
END_TEST

START_TEST(test_limits)
{
	struct reccache		*rc = reccache_new(4);
	struct reccache_entry	*e;
	struct src		 s;
	char			*big;
	uint64_t		 hits, stores;

	src_init(&s, "id", NULL);
	e = reccache_entry_new("k", v1, 1);
	ck_assert(reccache_entry_add(e, &s.r));
	ck_assert(!reccache_entry_add(e, &s.r));	/* past max_records */
	ck_assert_uint_eq(reccache_count(e), 1);
	reccache_release(e);

	/* Too large to keep: stored is a no-op, the builder still reads. */
	big = malloc(RECCACHE_ENTRY_MAX + 1);
	memset(big, 'd', RECCACHE_ENTRY_MAX);
	big[RECCACHE_ENTRY_MAX] = '\0';
	s.r.description = big;
	e = entry_of("k", v1, &s, 1);
	free(big);
	reccache_store(rc, e);
	ck_assert_uint_eq(strlen(reccache_record(e, 0)->description),
	    RECCACHE_ENTRY_MAX);
	reccache_release(e);
	ck_assert_ptr_null(reccache_find(rc, "k", v1));
	reccache_stats(rc, &hits, &stores);
	ck_assert_uint_eq(stores, 0);
	reccache_free(rc);
}
END_TEST

Suite *
reccache_suite(void)
{
	Suite	*s = suite_create("reccache");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_found_at_key_and_version);
	tcase_add_test(tc, test_shared_slot);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return s;
}
