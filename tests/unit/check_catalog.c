/*
 * check_catalog.c: the catalog against what a user of it sees.  Each test
 * gets a fresh temporary directory holding its database.  Listings are
 * checked against a brute-force filter over a model of the records; query
 * plans are checked by running EXPLAIN QUERY PLAN on the catalog's own SQL
 * text (catalog_sql.h).
 */
#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "imaged/catalog.h"
#include "catalog_sql.h"

Suite	*catalog_suite(void);

static char	 tmpdir[64];
static char	 dbpath[128];

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check-catalog-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(dbpath, sizeof(dbpath), "%s/imaged.db", tmpdir);
}

static void
teardown(void)
{
	char		 p[512];
	DIR		*d;
	struct dirent	*de;

	if ((d = opendir(tmpdir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", tmpdir, de->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(tmpdir);
}

static struct catalog *
open_cat(void)
{
	struct catalog	*cat = NULL;

	ck_assert_int_eq(catalog_open(dbpath, 4, &cat), IMG_OK);
	ck_assert_ptr_nonnull(cat);
	return cat;
}

/* Run SQL on the database file with a connection of our own. */
static void
exec_sql(const char *sql)
{
	sqlite3	*db;

	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

static int64_t
query_int(const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int64_t		 v = -1;

	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
make_id(unsigned n, char id[IMAGE_ID_SIZE])
{
	snprintf(id, IMAGE_ID_SIZE, "%08x-0000-4000-8000-%012x",
	    n * 2654435761u, n);
}

/* --- a deep copy of the record a callback saw ----------------------------- */

struct got {
	int		 calls;
	char		 image_id[64], user_id[80], filename[300], s3_key[300];
	char		 content_type[64], checksum[80], tags[600];
	char		 title[300], description[300], location[300];
	bool		 title_null, description_null, location_null;
	int64_t		 file_size, created_at, updated_at;
	uint32_t	 width, height;
};

static void
copy_str(char *dst, size_t size, const char *src, bool *isnull)
{
	if (isnull != NULL)
		*isnull = src == NULL;
	snprintf(dst, size, "%s", src != NULL ? src : "");
}

static enum img_err
got_cb(void *arg, const struct image_record *r)
{
	struct got	*g = arg;

	g->calls++;
	copy_str(g->image_id, sizeof(g->image_id), r->image_id, NULL);
	copy_str(g->user_id, sizeof(g->user_id), r->user_id, NULL);
	copy_str(g->filename, sizeof(g->filename), r->filename, NULL);
	copy_str(g->s3_key, sizeof(g->s3_key), r->s3_key, NULL);
	copy_str(g->content_type, sizeof(g->content_type), r->content_type,
	    NULL);
	copy_str(g->checksum, sizeof(g->checksum), r->checksum_sha256, NULL);
	copy_str(g->tags, sizeof(g->tags), r->tags_json, NULL);
	copy_str(g->title, sizeof(g->title), r->title, &g->title_null);
	copy_str(g->description, sizeof(g->description), r->description,
	    &g->description_null);
	copy_str(g->location, sizeof(g->location), r->location,
	    &g->location_null);
	g->file_size = r->file_size;
	g->created_at = r->created_at;
	g->updated_at = r->updated_at;
	g->width = r->width;
	g->height = r->height;
	return IMG_OK;
}

static void
get_rec(struct catalog *cat, const char *id, struct got *g)
{
	memset(g, 0, sizeof(*g));
	ck_assert_int_eq(catalog_get(cat, id, got_cb, g), IMG_OK);
	ck_assert_int_eq(g->calls, 1);
}

/* --- a model of stored records, for brute-force listing checks ------------ */

static const char *const vocab[] = {
	"red", "green", "blue", "sky", "sea", "cat", "dog", "tree", "car",
	"sun", "moon", "x%y",
};
#define NVOCAB	(sizeof(vocab) / sizeof(vocab[0]))

static const char *const words[] = {
	"Sunset", "sunrise", "BEACH", "Mountain", "river", "100%", "snake_case",
	"a_b", "Ca", "x", "Quote\"d", "city", "NIGHT", "sky%line",
	"Caf\xc3\xa9",
};
#define NWORDS	(sizeof(words) / sizeof(words[0]))

static const char *const places[] = {
	"Goa", "GOA beach", "Delhi", "new delhi", "Paris", "paris_fr", "Lyon%",
};
#define NPLACES	(sizeof(places) / sizeof(places[0]))

struct mrec {
	char		 id[IMAGE_ID_SIZE];
	char		 user[16];
	char		 title[80];
	char		 location[32];
	bool		 has_title, has_location;
	unsigned	 tagmask;
	int64_t		 created_at;
	bool		 deleted;
};

static uint64_t
rnd(uint64_t *s)
{
	/* xorshift64*: seeded, so every run checks the same records */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static void
model_fill(struct mrec *m, size_t n, unsigned nusers, uint64_t seed)
{
	size_t		 i, w, nw, len;
	uint64_t	 s = seed;

	for (i = 0; i < n; i++) {
		memset(&m[i], 0, sizeof(m[i]));
		make_id((unsigned)(i + 1) + (unsigned)(seed << 16), m[i].id);
		snprintf(m[i].user, sizeof(m[i].user), "u%u",
		    (unsigned)(rnd(&s) % nusers));
		m[i].has_title = rnd(&s) % 10 != 0;
		if (m[i].has_title) {
			nw = 1 + rnd(&s) % 3;
			len = 0;
			for (w = 0; w < nw; w++)
				len += (size_t)snprintf(m[i].title + len,
				    sizeof(m[i].title) - len, "%s%s",
				    w > 0 ? " " : "",
				    words[rnd(&s) % NWORDS]);
		}
		m[i].has_location = rnd(&s) % 7 != 0;
		if (m[i].has_location)
			snprintf(m[i].location, sizeof(m[i].location), "%s",
			    places[rnd(&s) % NPLACES]);
		m[i].tagmask = (unsigned)(rnd(&s) & ((1u << NVOCAB) - 1));
		/* about 0-4 tags */
		m[i].tagmask &= (unsigned)rnd(&s) & (unsigned)rnd(&s);
	}
}

/* Insert one model record; returns the catalog's result. */
static enum img_err
model_insert(struct catalog *cat, struct mrec *m)
{
	struct image_record	 rec;
	struct image_meta	 meta;
	const char		*tags[NVOCAB];
	char			 json[256], key[128];
	size_t			 i, len = 0;

	memset(&rec, 0, sizeof(rec));
	memset(&meta, 0, sizeof(meta));
	snprintf(key, sizeof(key), "images/%s/%s.jpg", m->user, m->id);
	rec.image_id = m->id;
	rec.user_id = m->user;
	rec.filename = "f.jpg";
	rec.s3_key = key;
	rec.content_type = "image/jpeg";
	rec.checksum_sha256 = "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef";
	rec.file_size = 1234;
	rec.width = 10;
	rec.height = 20;
	meta.title = m->has_title ? m->title : NULL;
	meta.location = m->has_location ? m->location : NULL;
	len += (size_t)snprintf(json, sizeof(json), "[");
	for (i = 0; i < NVOCAB; i++)
		if (m->tagmask & (1u << i)) {
			len += (size_t)snprintf(json + len, sizeof(json) - len,
			    "%s\"%s\"", meta.ntags > 0 ? "," : "", vocab[i]);
			tags[meta.ntags++] = vocab[i];
		}
	snprintf(json + len, sizeof(json) - len, "]");
	meta.tags = tags;
	meta.tags_json = json;
	return catalog_insert(cat, &rec, &meta, &m->created_at);
}

struct seeder {
	struct catalog	*cat;
	struct mrec	*m;
	size_t		 n, start, stride;
	int		 failures;
};

static void *
seed_thread(void *arg)
{
	struct seeder	*sd = arg;
	size_t		 i;

	for (i = sd->start; i < sd->n; i += sd->stride)
		if (model_insert(sd->cat, &sd->m[i]) != IMG_OK)
			sd->failures++;
	return NULL;
}

/* Insert every model record from 8 threads (so through group commits). */
static void
model_seed(struct catalog *cat, struct mrec *m, size_t n)
{
	pthread_t	 t[8];
	struct seeder	 sd[8];
	size_t		 i;

	for (i = 0; i < 8; i++) {
		sd[i] = (struct seeder){ cat, m, n, i, 8, 0 };
		ck_assert_int_eq(pthread_create(&t[i], NULL, seed_thread,
		    &sd[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(sd[i].failures, 0);
	}
}

static int
by_created(const void *a, const void *b)
{
	const struct mrec	*x = a, *y = b;

	return x->created_at < y->created_at ? -1 :
	    x->created_at > y->created_at;
}

/* ASCII case-insensitive, literal substring. */
static bool
ci_contains(const char *hay, const char *needle)
{
	size_t	 i, j;

	for (i = 0; hay[i] != '\0' || needle[0] == '\0'; i++) {
		for (j = 0; needle[j] != '\0'; j++) {
			char	 a = hay[i + j], b = needle[j];

			if (a >= 'A' && a <= 'Z')
				a = (char)(a - 'A' + 'a');
			if (b >= 'A' && b <= 'Z')
				b = (char)(b - 'A' + 'a');
			if (a == '\0' || a != b)
				break;
		}
		if (needle[j] == '\0')
			return true;
	}
	return false;
}

static unsigned
tag_mask(const char *const *tags, size_t n)
{
	unsigned	 mask = 0;
	size_t		 i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < NVOCAB; k++)
			if (strcmp(tags[i], vocab[k]) == 0)
				mask |= 1u << k;
	return mask;
}

static bool
model_match(const struct mrec *m, const struct list_query *q)
{
	unsigned	 want;

	if (m->deleted)
		return false;
	if (q->user_id != NULL && strcmp(m->user, q->user_id) != 0)
		return false;
	if (q->title != NULL && q->title[0] != '\0' &&
	    (!m->has_title || !ci_contains(m->title, q->title)))
		return false;
	if (q->location != NULL && q->location[0] != '\0' &&
	    (!m->has_location || !ci_contains(m->location, q->location)))
		return false;
	if (q->ntags > 0) {
		want = tag_mask(q->tags, q->ntags);
		if (q->tags_all ? (m->tagmask & want) != want :
		    (m->tagmask & want) == 0)
			return false;
	}
	return m->created_at >= q->created_after &&
	    m->created_at <= q->created_before;
}

/* The records q should list, in order (m sorted by created_at). */
static size_t
model_expect(const struct mrec *m, size_t n, const struct list_query *q,
    const struct mrec **out)
{
	size_t	 i, k = 0;

	for (i = 0; i < n; i++) {
		const struct mrec *r = &m[q->order == LIST_DESC ?
		    n - 1 - i : i];

		if (model_match(r, q))
			out[k++] = r;
	}
	return k;
}

/* --- pages ---------------------------------------------------------------- */

struct page {
	char		 ids[LIST_LIMIT_MAX][IMAGE_ID_SIZE];
	int64_t		 at[LIST_LIMIT_MAX];
	size_t		 n;
};

static enum img_err
page_cb(void *arg, const struct image_record *r)
{
	struct page	*p = arg;

	ck_assert_uint_lt(p->n, LIST_LIMIT_MAX);
	snprintf(p->ids[p->n], sizeof(p->ids[p->n]), "%s", r->image_id);
	p->at[p->n] = r->created_at;
	p->n++;
	return IMG_OK;
}

static void
query_init(struct list_query *q)
{
	memset(q, 0, sizeof(*q));
	q->created_after = INT64_MIN;
	q->created_before = INT64_MAX;
	q->order = LIST_DESC;
	q->limit = 20;
}

/*
 * Page through q and check the pages against exp: the same records in
 * the same order, every page full but the last, *more false exactly on
 * the last.  The cursor struct is also the one the catalog writes last
 * into, as a caller paging naturally does.
 */
static void
check_paging(struct catalog *cat, struct list_query *q,
    const struct mrec *const *exp, size_t nexp, const char *what)
{
	struct list_pos	 pos;
	struct page	 pg;
	size_t		 got = 0, i;
	bool		 more;

	q->after = NULL;
	for (;;) {
		pg.n = 0;
		ck_assert_msg(catalog_list(cat, q, page_cb, &pg, &pos, &more) ==
		    IMG_OK, "%s: list failed", what);
		for (i = 0; i < pg.n; i++, got++) {
			ck_assert_msg(got < nexp, "%s: extra record %s", what,
			    pg.ids[i]);
			ck_assert_msg(strcmp(pg.ids[i], exp[got]->id) == 0,
			    "%s limit %u: record %zu is %s, want %s", what,
			    q->limit, got, pg.ids[i], exp[got]->id);
		}
		if (!more)
			break;
		ck_assert_msg(pg.n == q->limit, "%s: short page with more",
		    what);
		ck_assert_int_eq(pos.created_at, pg.at[pg.n - 1]);
		ck_assert_str_eq(pos.image_id, pg.ids[pg.n - 1]);
		q->after = &pos;
	}
	ck_assert_msg(got == nexp, "%s limit %u: %zu records, want %zu", what,
	    q->limit, got, nexp);
	q->after = NULL;
}

/* --- tests ---------------------------------------------------------------- */

START_TEST(test_roundtrip)
{
	static const char *const tags[] = { "beach", "sunset" };
	struct catalog		*cat = open_cat();
	struct image_record	 rec;
	struct image_meta	 meta;
	struct got		 g;
	char			 id[IMAGE_ID_SIZE], id2[IMAGE_ID_SIZE];
	int64_t			 at, at2;

	make_id(1, id);
	memset(&rec, 0, sizeof(rec));
	rec.image_id = id;
	rec.user_id = "user123";
	rec.filename = "sunset.jpg";
	rec.s3_key = "images/user123/x.jpg";
	rec.content_type = "image/jpeg";
	rec.checksum_sha256 = "9f86d081884c7d659a2feaa0c55ad015"
	    "a3bf4f1b2b0b822cd15d6c15b0f00a08";
	rec.file_size = 48213;
	rec.width = 640;
	rec.height = 480;
	rec.created_at = 5;	/* ignored */
	meta = (struct image_meta){ .title = "Sunset", .description = "Warm",
	    .location = "Goa", .tags = tags, .ntags = 2,
	    .tags_json = "[\"beach\",\"sunset\"]" };
	ck_assert_int_eq(catalog_insert(cat, &rec, &meta, &at), IMG_OK);
	ck_assert_int_gt(at, 1700000000000000LL);
	get_rec(cat, id, &g);
	ck_assert_str_eq(g.image_id, id);
	ck_assert_str_eq(g.user_id, "user123");
	ck_assert_str_eq(g.filename, "sunset.jpg");
	ck_assert_str_eq(g.s3_key, "images/user123/x.jpg");
	ck_assert_str_eq(g.content_type, "image/jpeg");
	ck_assert_str_eq(g.checksum, rec.checksum_sha256);
	ck_assert_int_eq(g.file_size, 48213);
	ck_assert_uint_eq(g.width, 640);
	ck_assert_uint_eq(g.height, 480);
	ck_assert_str_eq(g.title, "Sunset");
	ck_assert_str_eq(g.description, "Warm");
	ck_assert_str_eq(g.location, "Goa");
	ck_assert_str_eq(g.tags, "[\"beach\",\"sunset\"]");
	ck_assert_int_eq(g.created_at, at);
	ck_assert_int_eq(g.updated_at, at);

	/* Unset metadata and unknown dimensions come back as null. */
	make_id(2, id2);
	rec.image_id = id2;
	rec.width = rec.height = 0;
	ck_assert_int_eq(catalog_insert(cat, &rec,
	    &(struct image_meta){ .tags_json = "[]" }, &at2), IMG_OK);
	ck_assert_int_gt(at2, at);
	get_rec(cat, id2, &g);
	ck_assert(g.title_null && g.description_null && g.location_null);
	ck_assert_uint_eq(g.width, 0);
	ck_assert_uint_eq(g.height, 0);
	ck_assert_str_eq(g.tags, "[]");
	catalog_close(cat);
	ck_assert_int_eq(query_int("SELECT count(*) FROM images WHERE"
	    " width IS NULL AND height IS NULL AND title IS NULL"), 1);
}
END_TEST

START_TEST(test_created_at_increasing)
{
	struct catalog	*cat = open_cat();
	struct mrec	 m;
	int64_t		 prev = 0, future;
	unsigned	 i;

	for (i = 0; i < 1000; i++) {
		memset(&m, 0, sizeof(m));
		make_id(i + 1, m.id);
		snprintf(m.user, sizeof(m.user), "u");
		ck_assert_int_eq(model_insert(cat, &m), IMG_OK);
		ck_assert_int_gt(m.created_at, prev);
		prev = m.created_at;
	}
	catalog_close(cat);

	cat = open_cat();
	make_id(5000, m.id);
	ck_assert_int_eq(model_insert(cat, &m), IMG_OK);
	ck_assert_int_gt(m.created_at, prev);
	prev = m.created_at;
	catalog_close(cat);

	/*
	 * A created_at handed out once is never handed out again, even when
	 * its row is gone and the clock is behind it: a row an hour ahead
	 * (as if the clock had been stepped back since), deleted before the
	 * restart.
	 */
	future = prev + 3600000000LL;
	{
		char	 sql[512];

		snprintf(sql, sizeof(sql), "INSERT INTO images (created_at,"
		    " image_id, user_id, filename, s3_key, content_type,"
		    " file_size, checksum_sha256, updated_at) VALUES (%lld,"
		    " 'future', 'u', 'f.jpg', 'k', 'image/jpeg', 1, '00', "
		    "%lld); UPDATE catalog_seq SET last_created = %lld",
		    (long long)future, (long long)future, (long long)future);
		exec_sql(sql);
	}
	cat = open_cat();
	ck_assert_int_eq(catalog_delete(cat, "future", (char[256]){ 0 }, 256),
	    IMG_OK);
	catalog_close(cat);
	cat = open_cat();
	make_id(5001, m.id);
	ck_assert_int_eq(model_insert(cat, &m), IMG_OK);
	ck_assert_int_gt(m.created_at, future);
	catalog_close(cat);
}
END_TEST

struct dup_arg {
	struct catalog	*cat;
	unsigned	 t;
	int		 bad, dups_refused;
};

static void *
dup_thread(void *arg)
{
	struct dup_arg	*d = arg;
	struct mrec	 m;
	unsigned	 i;
	int64_t		 prev = 0;

	for (i = 0; i < 200; i++) {
		memset(&m, 0, sizeof(m));
		make_id(d->t * 1000 + i + 1, m.id);
		snprintf(m.user, sizeof(m.user), "t%u", d->t);
		if (model_insert(d->cat, &m) != IMG_OK || m.created_at <= prev)
			d->bad++;
		prev = m.created_at;
		/* Now and then the same id again, into a concurrent group. */
		if (i % 20 == 0) {
			if (model_insert(d->cat, &m) == IMG_EINTERNAL)
				d->dups_refused++;
			else
				d->bad++;
		}
	}
	return NULL;
}

START_TEST(test_concurrent_inserts)
{
	struct catalog		*cat = open_cat();
	pthread_t		 t[8];
	struct dup_arg		 d[8];
	struct list_query	 q;
	struct list_pos		 pos;
	struct page		 pg;
	char			 seen[8][200];
	unsigned		 i, k, n = 0, th, row;
	int64_t			 prev = INT64_MAX;
	bool			 more = true;

	for (i = 0; i < 8; i++) {
		d[i] = (struct dup_arg){ cat, i, 0, 0 };
		ck_assert_int_eq(pthread_create(&t[i], NULL, dup_thread, &d[i]),
		    0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(d[i].bad, 0);
		ck_assert_int_eq(d[i].dups_refused, 10);
	}
	/* Every row once, created_at strictly decreasing down the list. */
	memset(seen, 0, sizeof(seen));
	query_init(&q);
	q.limit = 100;
	while (more) {
		pg.n = 0;
		ck_assert_int_eq(catalog_list(cat, &q, page_cb, &pg, &pos,
		    &more), IMG_OK);
		for (k = 0; k < pg.n; k++, n++) {
			ck_assert_int_lt(pg.at[k], prev);
			prev = pg.at[k];
			ck_assert_int_eq(sscanf(pg.ids[k] + 24, "%12x",
			    &row), 1);
			th = (row - 1) / 1000;
			row = (row - 1) % 1000;
			ck_assert_uint_lt(th, 8);
			ck_assert_uint_lt(row, 200);
			ck_assert(!seen[th][row]);
			seen[th][row] = 1;
		}
		q.after = &pos;
	}
	ck_assert_uint_eq(n, 1600);
	catalog_close(cat);
}
END_TEST

struct mixed_arg {
	struct catalog	*cat;
	struct mrec	*m;
	unsigned	 t;
	int		 bad;
};

/* Readers: get, list by user, by tag and by title, many times. */
static void *
mixed_reader(void *arg)
{
	static const char *const red[] = { "red" };
	struct mixed_arg	*a = arg;
	struct list_query	 q;
	struct list_pos		 pos;
	struct page		 pg;
	bool			 more;
	unsigned		 i;

	for (i = 0; i < 100; i++) {
		if (catalog_get(a->cat, a->m[(i * 7 + a->t) % 100].id, NULL,
		    NULL) != IMG_OK)
			a->bad++;
		query_init(&q);
		switch (i % 3) {
		case 0:
			q.user_id = a->m[i % 100].user;
			break;
		case 1:
			q.tags = red;
			q.ntags = 1;
			break;
		default:
			q.title = "sun";
			break;
		}
		pg.n = 0;
		if (catalog_list(a->cat, &q, page_cb, &pg, &pos, &more) !=
		    IMG_OK)
			a->bad++;
		if (i % 10 == 0 && catalog_ping(a->cat) != IMG_OK)
			a->bad++;
	}
	return NULL;
}

/* Writers: inserts of new rows, updates of old ones. */
static void *
mixed_writer(void *arg)
{
	struct mixed_arg	*a = arg;
	struct image_meta	 meta = { .title = "Sunny", .tags_json = "[]" };
	unsigned		 i;

	for (i = 0; i < 30; i++) {
		if (model_insert(a->cat, &a->m[100 + a->t * 30 + i]) != IMG_OK)
			a->bad++;
		if (catalog_update(a->cat, a->m[(i + a->t) % 100].id, &meta,
		    META_TITLE, NULL, NULL) != IMG_OK)
			a->bad++;
	}
	return NULL;
}

/* More threads than reader connections, while rows are written. */
START_TEST(test_concurrent_mixed)
{
	struct catalog		*cat = NULL;
	struct mrec		*m;
	struct mixed_arg	 a[8];
	pthread_t		 t[8];
	unsigned		 i;

	ck_assert_int_eq(catalog_open(dbpath, 2, &cat), IMG_OK);
	m = calloc(160, sizeof(*m));
	ck_assert_ptr_nonnull(m);
	model_fill(m, 160, 5, 11);
	model_seed(cat, m, 100);
	for (i = 0; i < 8; i++) {
		a[i] = (struct mixed_arg){ cat, m, i < 6 ? i : i - 6, 0 };
		ck_assert_int_eq(pthread_create(&t[i], NULL, i < 6 ?
		    mixed_reader : mixed_writer, &a[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(a[i].bad, 0);
	}
	for (i = 100; i < 160; i++)
		ck_assert_int_eq(catalog_get(cat, m[i].id, NULL, NULL), IMG_OK);
	free(m);
	catalog_close(cat);
}
END_TEST

START_TEST(test_get_unknown)
{
	struct catalog	*cat = open_cat();
	struct got	 g;
	char		 id[IMAGE_ID_SIZE];

	make_id(77, id);
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(catalog_get(cat, id, got_cb, &g), IMG_ENOTFOUND);
	ck_assert_int_eq(g.calls, 0);
	ck_assert_int_eq(catalog_ping(cat), IMG_OK);
	catalog_close(cat);
}
END_TEST

START_TEST(test_delete)
{
	struct catalog		*cat = open_cat();
	struct mrec		 m;
	struct list_query	 q;
	struct page		 pg;
	struct list_pos		 pos;
	char			 key[256], small[8], want[128];
	bool			 more;
	static const char *const red[] = { "red" };

	memset(&m, 0, sizeof(m));
	make_id(1, m.id);
	snprintf(m.user, sizeof(m.user), "alice");
	snprintf(m.title, sizeof(m.title), "Deleted sunset");
	m.has_title = true;
	m.tagmask = 1;	/* red */
	ck_assert_int_eq(model_insert(cat, &m), IMG_OK);
	snprintf(want, sizeof(want), "images/alice/%s.jpg", m.id);

	/* A key that does not fit is an error, and the row stays. */
	ck_assert_int_eq(catalog_delete(cat, m.id, small, sizeof(small)),
	    IMG_EINTERNAL);
	ck_assert_int_eq(catalog_get(cat, m.id, NULL, NULL), IMG_OK);

	ck_assert_int_eq(catalog_delete(cat, m.id, key, sizeof(key)), IMG_OK);
	ck_assert_str_eq(key, want);
	ck_assert_int_eq(catalog_delete(cat, m.id, key, sizeof(key)),
	    IMG_ENOTFOUND);
	ck_assert_str_eq(key, "");
	ck_assert_int_eq(catalog_get(cat, m.id, NULL, NULL), IMG_ENOTFOUND);

	/* Gone from every index too. */
	query_init(&q);
	q.tags = red;
	q.ntags = 1;
	pg.n = 0;
	ck_assert_int_eq(catalog_list(cat, &q, page_cb, &pg, &pos, &more),
	    IMG_OK);
	ck_assert_uint_eq(pg.n, 0);
	query_init(&q);
	q.title = "sunset";
	ck_assert_int_eq(catalog_list(cat, &q, page_cb, &pg, &pos, &more),
	    IMG_OK);
	ck_assert_uint_eq(pg.n, 0);
	/* The indexes still hold it, until its file is gone. */
	ck_assert_int_eq(query_int("SELECT count(*) FROM image_tags"), 1);
	catalog_unlinked(cat, m.id, key);
	catalog_close(cat);
	ck_assert_int_eq(query_int("SELECT count(*) FROM images"), 0);
	ck_assert_int_eq(query_int("SELECT count(*) FROM image_tags"), 0);
	ck_assert_int_eq(query_int("SELECT count(*) FROM images_fts"
	    " WHERE images_fts MATCH 'sun'"), 0);
}
END_TEST

struct deleter {
	struct catalog	*cat;
	struct mrec	*m;
	size_t		 start, n;
	int		 bad;
};

/* Delete m[start..start+n) and one id that was never stored. */
static void *
delete_thread(void *arg)
{
	struct deleter	*d = arg;
	char		 key[256], want[128], id[IMAGE_ID_SIZE];
	size_t		 i;

	for (i = d->start; i < d->start + d->n; i++) {
		snprintf(want, sizeof(want), "images/%s/%s.jpg", d->m[i].user,
		    d->m[i].id);
		if (catalog_delete(d->cat, d->m[i].id, key, sizeof(key)) !=
		    IMG_OK || strcmp(key, want) != 0)
			d->bad++;
	}
	make_id(900000 + (unsigned)d->start, id);
	if (catalog_delete(d->cat, id, key, sizeof(key)) != IMG_ENOTFOUND ||
	    key[0] != '\0')
		d->bad++;
	return NULL;
}

/*
 * Deletes from 8 threads commit in groups: each gets its own result and
 * key (a missing id its 404 without failing the others), and every row
 * is gone from the table and its indexes.
 */
START_TEST(test_concurrent_deletes)
{
	struct catalog	*cat = open_cat();
	struct mrec	*m;
	struct deleter	 d[8];
	pthread_t	 t[8];
	char		 key[256];
	size_t		 i;

	m = calloc(200, sizeof(*m));
	ck_assert_ptr_nonnull(m);
	model_fill(m, 200, 5, 23);
	model_seed(cat, m, 200);
	for (i = 0; i < 8; i++) {
		d[i] = (struct deleter){ cat, m, i * 20, 20, 0 };
		ck_assert_int_eq(pthread_create(&t[i], NULL, delete_thread,
		    &d[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(d[i].bad, 0);
	}
	for (i = 0; i < 200; i++)
		ck_assert_int_eq(catalog_get(cat, m[i].id, NULL, NULL),
		    i < 160 ? IMG_ENOTFOUND : IMG_OK);
	for (i = 0; i < 160; i++) {
		snprintf(key, sizeof(key), "images/%s/%s.jpg", m[i].user,
		    m[i].id);
		catalog_unlinked(cat, m[i].id, key);
	}
	catalog_close(cat);
	ck_assert_int_eq(query_int("SELECT count(*) FROM images"), 40);
	ck_assert_int_eq(query_int("SELECT count(*) FROM pending_unlink"), 0);
	ck_assert_int_eq(query_int("SELECT count(*) FROM image_tags WHERE"
	    " created_at NOT IN (SELECT created_at FROM images)"), 0);
	free(m);
}
END_TEST

/*
 * A listing that must walk every row (a one-letter title, no trigram;
 * a tag with a location that matches none of its rows) gives up with
 * IMG_ESLOW past its budget; with no budget the same listing answers.
 */
START_TEST(test_list_budget)
{
	static const char *const red[] = { "red" };
	struct catalog		*cat = open_cat();
	struct mrec		*m;
	struct list_query	 q;
	struct list_pos		 pos;
	struct page		 pg;
	bool			 more;

	m = calloc(2000, sizeof(*m));
	ck_assert_ptr_nonnull(m);
	model_fill(m, 2000, 5, 31);
	model_seed(cat, m, 2000);

	query_init(&q);
	q.title = "z";			/* in no title */
	q.budget_us = 1;
	pg.n = 0;
	ck_assert_int_eq(catalog_list(cat, &q, page_cb, &pg, &pos, &more),
	    IMG_ESLOW);
	q.budget_us = 0;
	pg.n = 0;
	ck_assert_int_eq(catalog_list(cat, &q, page_cb, &pg, &pos, &more),
	    IMG_OK);
	ck_assert_uint_eq(pg.n, 0);

	query_init(&q);
	q.tags = red;
	q.ntags = 1;
	q.location = "zz";
	q.budget_us = 1;
	ck_assert_int_eq(catalog_list(cat, &q, page_cb, &pg, &pos, &more),
	    IMG_ESLOW);
	q.budget_us = 0;
	pg.n = 0;
	ck_assert_int_eq(catalog_list(cat, &q, page_cb, &pg, &pos, &more),
	    IMG_OK);
	ck_assert_uint_eq(pg.n, 0);

	/* An index serves one user's page well within a budget. */
	query_init(&q);
	q.user_id = m[0].user;
	q.budget_us = 5000000;
	pg.n = 0;
	ck_assert_int_eq(catalog_list(cat, &q, page_cb, &pg, &pos, &more),
	    IMG_OK);
	ck_assert_uint_eq(pg.n, 20);
	/* The reader connection is fit for the next call: no handler left. */
	q.budget_us = 0;
	pg.n = 0;
	ck_assert_int_eq(catalog_list(cat, &q, page_cb, &pg, &pos, &more),
	    IMG_OK);
	ck_assert_uint_eq(pg.n, 20);
	free(m);
	catalog_close(cat);
}
END_TEST

/* How many records q lists on its first page. */
static size_t
count_list(struct catalog *cat, const struct list_query *q)
{
	struct page	 pg;
	struct list_pos	 pos;
	bool		 more;

	pg.n = 0;
	ck_assert_int_eq(catalog_list(cat, q, page_cb, &pg, &pos, &more),
	    IMG_OK);
	return pg.n;
}

START_TEST(test_update)
{
	static const char *const tags_c[] = { "c" };
	static const char *const tag_a[] = { "a" };
	struct catalog		*cat = open_cat();
	struct image_record	 rec;
	struct image_meta	 meta;
	struct list_query	 q;
	struct got		 before, g;
	char			 id[IMAGE_ID_SIZE], other[IMAGE_ID_SIZE];
	int64_t			 at;

	make_id(9, id);
	memset(&rec, 0, sizeof(rec));
	rec.image_id = id;
	rec.user_id = "bob";
	rec.filename = "a.png";
	rec.s3_key = "images/bob/a.png";
	rec.content_type = "image/png";
	rec.checksum_sha256 = "00";
	meta = (struct image_meta){ .title = "Old Title", .description = "d",
	    .location = "Paris", .tags = tag_a, .ntags = 1,
	    .tags_json = "[\"a\",\"b\"]" };
	ck_assert_int_eq(catalog_insert(cat, &rec, &meta, &at), IMG_OK);
	get_rec(cat, id, &before);

	/* The title alone; the callback sees the new record. */
	memset(&g, 0, sizeof(g));
	meta = (struct image_meta){ .title = "New Title" };
	ck_assert_int_eq(catalog_update(cat, id, &meta, META_TITLE, got_cb,
	    &g), IMG_OK);
	ck_assert_int_eq(g.calls, 1);
	ck_assert_str_eq(g.title, "New Title");
	ck_assert_str_eq(g.description, "d");
	ck_assert_str_eq(g.location, "Paris");
	ck_assert_str_eq(g.tags, "[\"a\",\"b\"]");
	ck_assert_int_eq(g.created_at, at);
	ck_assert_int_gt(g.updated_at, before.updated_at);
	query_init(&q);
	q.title = "old t";
	ck_assert_uint_eq(count_list(cat, &q), 0);
	q.title = "NEW T";
	ck_assert_uint_eq(count_list(cat, &q), 1);
	q.title = "ew";		/* the short-substring path */
	ck_assert_uint_eq(count_list(cat, &q), 1);

	/* Tags replaced: the tag filter follows. */
	before = g;
	meta = (struct image_meta){ .tags = tags_c, .ntags = 1,
	    .tags_json = "[\"c\"]" };
	ck_assert_int_eq(catalog_update(cat, id, &meta, META_TAGS, got_cb,
	    &g), IMG_OK);
	ck_assert_str_eq(g.tags, "[\"c\"]");
	ck_assert_str_eq(g.title, "New Title");
	ck_assert_int_gt(g.updated_at, before.updated_at);
	query_init(&q);
	q.tags = tag_a;
	q.ntags = 1;
	ck_assert_uint_eq(count_list(cat, &q), 0);
	q.tags = tags_c;
	ck_assert_uint_eq(count_list(cat, &q), 1);

	/* null clears; the location index follows. */
	before = g;
	meta = (struct image_meta){ .description = NULL, .location = NULL };
	ck_assert_int_eq(catalog_update(cat, id, &meta,
	    META_DESCRIPTION | META_LOCATION, got_cb, &g), IMG_OK);
	ck_assert(g.description_null && g.location_null && !g.title_null);
	query_init(&q);
	q.location = "paris";
	ck_assert_uint_eq(count_list(cat, &q), 0);

	/* Nothing to set still moves updated_at, and only it. */
	before = g;
	ck_assert_int_eq(catalog_update(cat, id, NULL, 0, got_cb, &g), IMG_OK);
	ck_assert_int_gt(g.updated_at, before.updated_at);
	ck_assert_int_eq(g.created_at, at);
	ck_assert_str_eq(g.title, "New Title");

	/* Title to null. */
	meta = (struct image_meta){ .title = NULL };
	ck_assert_int_eq(catalog_update(cat, id, &meta, META_TITLE, got_cb,
	    &g), IMG_OK);
	ck_assert(g.title_null);
	get_rec(cat, id, &g);
	ck_assert(g.title_null);
	ck_assert_str_eq(g.user_id, "bob");

	make_id(10, other);
	ck_assert_int_eq(catalog_update(cat, other, &meta, META_TITLE, got_cb,
	    &g), IMG_ENOTFOUND);
	catalog_close(cat);
}
END_TEST

#define NMODEL	2000

/*
 * Every combination of the filters (user, title, location, tags any/all,
 * dates), both orders, limits 1, 7, 20 and 100: the pages must be
 * exactly the brute-force list.
 */
START_TEST(test_list_bruteforce)
{
	static const char *const titles[] = {
		"sun", "a", "%", "_", "e_c", "SKY%", "ca", "\"d", "100%", "x",
		"caf\xc3\xa9", "ach",
	};
	static const char *const locs[] = {
		"goa", "i", "DELHI", "_fr", "%", "pa",
	};
	static const char *const tags2[] = { "red", "sea" };
	static const char *const tags3[] = { "x%y", "dog", "moon" };
	static const unsigned limits[] = { 1, 7, 20, 100 };
	struct catalog		*cat = open_cat();
	struct mrec		*m;
	const struct mrec	**exp;
	struct list_query	 q;
	unsigned		 mask, tv, ntv, li, o, combo = 0;
	size_t			 nexp;
	char			 what[128];

	m = calloc(NMODEL, sizeof(*m));
	exp = calloc(NMODEL, sizeof(*exp));
	ck_assert(m != NULL && exp != NULL);
	model_fill(m, NMODEL, 10, 42);
	model_seed(cat, m, NMODEL);
	qsort(m, NMODEL, sizeof(*m), by_created);

	for (mask = 0; mask < 32; mask++) {
		ntv = (mask & 8) ? 3 : 1;
		for (tv = 0; tv < ntv; tv++, combo++) {
			query_init(&q);
			if (mask & 1)
				q.user_id = combo % 2 ? "u3" : "u7";
			if (mask & 2)
				q.title = titles[combo % (sizeof(titles) /
				    sizeof(titles[0]))];
			if (mask & 4)
				q.location = locs[combo % (sizeof(locs) /
				    sizeof(locs[0]))];
			if (mask & 8) {
				q.tags = tv == 2 ? tags3 : tags2;
				q.ntags = tv == 2 ? 3 : 2;
				q.tags_all = tv == 1;
			}
			if (mask & 16) {
				q.created_after = m[NMODEL / 5].created_at;
				q.created_before = m[NMODEL * 4 / 5].created_at;
			}
			for (o = 0; o < 2; o++) {
				q.order = o ? LIST_ASC : LIST_DESC;
				nexp = model_expect(m, NMODEL, &q, exp);
				for (li = 0; li < 4; li++) {
					q.limit = limits[li];
					snprintf(what, sizeof(what),
					    "filters %#x/%u %s", mask, tv,
					    o ? "asc" : "desc");
					check_paging(cat, &q, exp, nexp, what);
				}
			}
		}
	}
	/* Short and literal titles over every user, each path. */
	for (li = 0; li < sizeof(titles) / sizeof(titles[0]); li++) {
		query_init(&q);
		q.title = titles[li];
		q.limit = 50;
		nexp = model_expect(m, NMODEL, &q, exp);
		check_paging(cat, &q, exp, nexp, titles[li]);
	}
	free(exp);
	free(m);
	catalog_close(cat);
}
END_TEST

/*
 * While a listing is paged, rows are added and deleted: the pages hold
 * every row that existed throughout exactly once, no row deleted before
 * its page, and new rows only where they sort after the cursor.
 */
START_TEST(test_list_paging_changes)
{
	static const char *const tag_red[] = { "red" };
	struct catalog		*cat = open_cat();
	struct mrec		*m;
	struct list_query	 q;
	struct list_pos		 pos;
	struct page		 pg;
	unsigned		 variant, o, extra = 0, first_new, i, k;
	unsigned		 seen_new;
	size_t			 n = 300, nseen, j;
	bool			 more;
	char			 key[256];
	char			(*seen)[IMAGE_ID_SIZE];

	m = calloc(n + 200, sizeof(*m));
	seen = calloc(n + 200, sizeof(*seen));
	ck_assert(m != NULL && seen != NULL);
	model_fill(m, n + 200, 2, 7);
	for (i = 0; i < n + 200; i++) {
		m[i].tagmask |= 1;	/* all red, so the tag path sees all */
		if (i >= n)		/* new rows: the listed user's */
			snprintf(m[i].user, sizeof(m[i].user), "u1");
	}
	model_seed(cat, m, n);

	for (variant = 0; variant < 3; variant++)
		for (o = 0; o < 2; o++) {
			query_init(&q);
			q.order = o ? LIST_ASC : LIST_DESC;
			q.limit = 20;
			if (variant == 1)
				q.user_id = "u1";
			if (variant == 2) {
				q.tags = tag_red;
				q.ntags = 1;
			}
			nseen = 0;
			seen_new = 0;
			first_new = extra;
			more = true;
			for (k = 0; more; k++) {
				pg.n = 0;
				ck_assert_int_eq(catalog_list(cat, &q, page_cb,
				    &pg, &pos, &more), IMG_OK);
				for (j = 0; j < pg.n; j++) {
					for (i = 0; i < nseen; i++)
						ck_assert_str_ne(seen[i],
						    pg.ids[j]);
					snprintf(seen[nseen++], IMAGE_ID_SIZE,
					    "%s", pg.ids[j]);
					for (i = n + first_new; i < n + extra;
					    i++)
						if (strcmp(m[i].id,
						    pg.ids[j]) == 0)
							seen_new++;
				}
				q.after = &pos;
				/* Between pages: one new row, and a delete of
				 * a row not yet listed (in this order). */
				if (extra < 200 && k < 5) {
					ck_assert_int_eq(model_insert(cat,
					    &m[n + extra]), IMG_OK);
					extra++;
					for (i = 0; i < n; i++) {
						size_t	 r = o ? n - 1 - i : i;

						if (!m[r].deleted &&
						    m[r].created_at > 0 &&
						    (o ? m[r].created_at >
						    pos.created_at :
						    m[r].created_at <
						    pos.created_at) &&
						    (variant != 1 ||
						    strcmp(m[r].user, "u1") ==
						    0)) {
							ck_assert_int_eq(
							    catalog_delete(cat,
							    m[r].id, key,
							    sizeof(key)),
							    IMG_OK);
							m[r].deleted = true;
							break;
						}
					}
				}
			}
			/* Every surviving original row once; deleted ones
			 * never. */
			for (i = 0; i < n; i++) {
				bool	 found = false;

				if (variant == 1 &&
				    strcmp(m[i].user, "u1") != 0)
					continue;
				for (j = 0; j < nseen; j++)
					if (strcmp(seen[j], m[i].id) == 0)
						found = true;
				ck_assert_msg(found == !m[i].deleted,
				    "variant %u order %u: %s %s", variant, o,
				    m[i].id, found ? "listed" : "missing");
			}
			/* Newest first: new rows sort before the cursor and
			 * never show; oldest first: they follow it. */
			if (o == 0)
				ck_assert_uint_eq(seen_new, 0);
			else
				ck_assert_uint_gt(seen_new, 0);
		}
	free(seen);
	free(m);
	catalog_close(cat);
}
END_TEST

START_TEST(test_list_literal_titles)
{
	static const struct {
		const char	*title;
	} recs[] = {
		{ "100% pure" }, { "100 percent" }, { "snake_case" },
		{ "snakeXcase" }, { "say \"hi\"" }, { "AbC" }, { NULL },
		{ "it's" },
	};
	static const struct {
		const char	*q;
		/* indices of recs, oldest first */
		const char	*expect;
	} cases[] = {
		{ "%", "0" },
		{ "0%", "0" },
		{ "0% p", "0" },
		{ "_", "2" },
		{ "e_c", "2" },
		{ "E_CASE", "2" },
		{ "\"", "4" },
		{ "\"hi\"", "4" },
		{ "y \"", "4" },
		{ "'", "7" },
		{ "t's", "7" },
		{ "abc", "5" },
		{ "B", "5" },
		{ "bc", "5" },
		{ "100", "01" },
		{ "e", "0123" },
		{ "%%", "" },
		{ "*", "" },
		{ "a OR b", "" },
		{ "NEAR(", "" },
		{ "", "012345" "67" },	/* empty: no filter */
	};
	struct catalog		*cat = open_cat();
	struct mrec		 m[8];
	struct list_query	 q;
	struct page		 pg;
	struct list_pos		 pos;
	size_t			 i, k;
	bool			 more;

	for (i = 0; i < 8; i++) {
		memset(&m[i], 0, sizeof(m[i]));
		make_id((unsigned)i + 100, m[i].id);
		snprintf(m[i].user, sizeof(m[i].user), "u");
		/* The same text as title and as location. */
		m[i].has_title = m[i].has_location = recs[i].title != NULL;
		if (recs[i].title != NULL) {
			snprintf(m[i].title, sizeof(m[i].title), "%s",
			    recs[i].title);
			snprintf(m[i].location, sizeof(m[i].location), "%s",
			    recs[i].title);
		}
		ck_assert_int_eq(model_insert(cat, &m[i]), IMG_OK);
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (k = 0; k < 4; k++) {
			query_init(&q);
			q.order = LIST_ASC;
			if (k & 1)
				q.title = cases[i].q;
			else
				q.location = cases[i].q;
			q.user_id = k & 2 ? "u" : NULL;	/* both plans */
			pg.n = 0;
			ck_assert_int_eq(catalog_list(cat, &q, page_cb, &pg,
			    &pos, &more), IMG_OK);
			ck_assert_msg(pg.n == strlen(cases[i].expect),
			    "case %s (%zu): %zu records", cases[i].q, k, pg.n);
			for (size_t j = 0; j < pg.n; j++)
				ck_assert_str_eq(pg.ids[j],
				    m[cases[i].expect[j] - '0'].id);
		}
	}
	catalog_close(cat);
}
END_TEST

START_TEST(test_list_bounds)
{
	static const char *const many[LIST_TAGS_MAX + 1] = { "a" };
	struct catalog		*cat = open_cat();
	struct mrec		 m[3];
	struct list_query	 q;
	struct list_pos		 pos = { .created_at = 42, .image_id = "x" };
	struct page		 pg;
	bool			 more = true;
	size_t			 i;

	for (i = 0; i < 3; i++) {
		memset(&m[i], 0, sizeof(m[i]));
		make_id((unsigned)i + 1, m[i].id);
		snprintf(m[i].user, sizeof(m[i].user), "u");
		ck_assert_int_eq(model_insert(cat, &m[i]), IMG_OK);
	}
	/* created_after > created_before: empty, nothing follows. */
	query_init(&q);
	q.created_after = m[2].created_at;
	q.created_before = m[0].created_at;
	pg.n = 0;
	ck_assert_int_eq(catalog_list(cat, &q, page_cb, &pg, &pos, &more),
	    IMG_OK);
	ck_assert_uint_eq(pg.n, 0);
	ck_assert(!more);
	ck_assert_int_eq(pos.created_at, 42);	/* untouched */

	/* Inclusive bounds. */
	q.created_after = m[0].created_at;
	q.created_before = m[1].created_at;
	ck_assert_uint_eq(count_list(cat, &q), 2);
	q.created_after = q.created_before = m[1].created_at;
	ck_assert_uint_eq(count_list(cat, &q), 1);

	/* Out-of-range arguments. */
	query_init(&q);
	q.limit = 0;
	ck_assert_int_eq(catalog_list(cat, &q, page_cb, &pg, &pos, &more),
	    IMG_EINVAL);
	q.limit = LIST_LIMIT_MAX + 1;
	ck_assert_int_eq(catalog_list(cat, &q, page_cb, &pg, &pos, &more),
	    IMG_EINVAL);
	q.limit = 1;
	q.tags = many;
	q.ntags = LIST_TAGS_MAX + 1;
	ck_assert_int_eq(catalog_list(cat, &q, page_cb, &pg, &pos, &more),
	    IMG_EINVAL);
	catalog_close(cat);
}
END_TEST

static enum img_err
stop_cb(void *arg, const struct image_record *r)
{
	int	*n = arg;

	(void)r;
	return ++*n == 2 ? IMG_ENOMEM : IMG_OK;
}

START_TEST(test_list_cb_error)
{
	static const char *const red[] = { "red" };
	struct catalog		*cat = open_cat();
	struct mrec		 m[5];
	struct list_query	 q;
	struct list_pos		 pos;
	bool			 more;
	size_t			 i;
	int			 n, k;

	for (i = 0; i < 5; i++) {
		memset(&m[i], 0, sizeof(m[i]));
		make_id((unsigned)i + 1, m[i].id);
		snprintf(m[i].user, sizeof(m[i].user), "u");
		m[i].tagmask = 1;
		ck_assert_int_eq(model_insert(cat, &m[i]), IMG_OK);
	}
	for (k = 0; k < 3; k++) {
		query_init(&q);
		if (k == 1)
			q.user_id = "u";
		if (k == 2) {
			q.tags = red;
			q.ntags = 1;
		}
		n = 0;
		ck_assert_int_eq(catalog_list(cat, &q, stop_cb, &n, &pos,
		    &more), IMG_ENOMEM);
		ck_assert_int_eq(n, 2);
	}
	/* The connections are fine afterwards. */
	ck_assert_uint_eq(count_list(cat, &q), 5);
	catalog_close(cat);
}
END_TEST

START_TEST(test_quarantine)
{
	static const char *const red[] = { "red" };
	struct catalog		*cat = open_cat();
	struct mrec		 m[3];
	struct list_query	 q;
	char			 sql[256], key[256];
	size_t			 i;

	for (i = 0; i < 3; i++) {
		memset(&m[i], 0, sizeof(m[i]));
		make_id((unsigned)i + 1, m[i].id);
		snprintf(m[i].user, sizeof(m[i].user), "u");
		snprintf(m[i].title, sizeof(m[i].title), "Holiday");
		m[i].has_title = true;
		m[i].tagmask = 1;
		ck_assert_int_eq(model_insert(cat, &m[i]), IMG_OK);
	}
	snprintf(sql, sizeof(sql), "UPDATE images SET state = 1"
	    " WHERE image_id = '%s'", m[1].id);
	exec_sql(sql);
	ck_assert_int_eq(catalog_get(cat, m[1].id, NULL, NULL), IMG_ENOTFOUND);
	ck_assert_int_eq(catalog_update(cat, m[1].id, NULL, 0, NULL, NULL),
	    IMG_ENOTFOUND);
	ck_assert_int_eq(catalog_delete(cat, m[1].id, key, sizeof(key)),
	    IMG_ENOTFOUND);
	query_init(&q);
	ck_assert_uint_eq(count_list(cat, &q), 2);
	q.user_id = "u";
	ck_assert_uint_eq(count_list(cat, &q), 2);
	q.user_id = NULL;
	q.title = "holi";
	ck_assert_uint_eq(count_list(cat, &q), 2);
	q.title = NULL;
	q.tags = red;
	q.ntags = 1;
	ck_assert_uint_eq(count_list(cat, &q), 2);
	catalog_close(cat);
}
END_TEST

struct scan_seen {
	char	 ids[8][IMAGE_ID_SIZE];
	int64_t	 at[8];
	size_t	 n;
};

static enum img_err
scan_cb(void *arg, const struct image_record *r)
{
	struct scan_seen	*s = arg;

	ck_assert_uint_lt(s->n, 8);
	snprintf(s->ids[s->n], sizeof(s->ids[s->n]), "%s", r->image_id);
	s->at[s->n++] = r->created_at;
	return IMG_OK;
}

/* What `imaged check` uses: scan, quarantine, key_known, quarantined. */
START_TEST(test_maintenance)
{
	struct catalog		*cat = open_cat();
	struct mrec		 m[3];
	struct scan_seen	 seen;
	char			 key[128];
	int64_t			 n = -1;
	size_t			 i;

	for (i = 0; i < 3; i++) {
		memset(&m[i], 0, sizeof(m[i]));
		make_id((unsigned)i + 1, m[i].id);
		snprintf(m[i].user, sizeof(m[i].user), "u");
		ck_assert_int_eq(model_insert(cat, &m[i]), IMG_OK);
	}
	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(catalog_scan(cat, scan_cb, &seen), IMG_OK);
	ck_assert_uint_eq(seen.n, 3);
	for (i = 0; i < 3; i++)
		ck_assert_str_eq(seen.ids[i], m[i].id);	/* oldest first */

	ck_assert_int_eq(catalog_quarantined(cat, &n), IMG_OK);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(catalog_quarantine(cat, m[1].id), IMG_OK);
	ck_assert_int_eq(catalog_quarantine(cat, m[1].id), IMG_ENOTFOUND);
	ck_assert_int_eq(catalog_quarantined(cat, &n), IMG_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(catalog_get(cat, m[1].id, NULL, NULL), IMG_ENOTFOUND);

	/* A quarantined row still owns its key. */
	snprintf(key, sizeof(key), "images/u/%s.jpg", m[1].id);
	ck_assert_int_eq(catalog_key_known(cat, m[1].id, key), IMG_OK);
	ck_assert_int_eq(catalog_key_known(cat, m[1].id, "images/u/x.jpg"),
	    IMG_ENOTFOUND);
	ck_assert_int_eq(catalog_key_known(cat, "nope", key), IMG_ENOTFOUND);

	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(catalog_scan(cat, scan_cb, &seen), IMG_OK);
	ck_assert_uint_eq(seen.n, 2);
	ck_assert_str_eq(seen.ids[0], m[0].id);
	ck_assert_str_eq(seen.ids[1], m[2].id);
	catalog_close(cat);
}
END_TEST

START_TEST(test_schema_version)
{
	struct catalog	*cat = open_cat();
	struct mrec	 m;

	memset(&m, 0, sizeof(m));
	make_id(1, m.id);
	snprintf(m.user, sizeof(m.user), "u");
	ck_assert_int_eq(model_insert(cat, &m), IMG_OK);
	catalog_close(cat);
	ck_assert_int_eq(query_int("PRAGMA user_version"), 4);
	ck_assert_int_eq(query_int("PRAGMA application_id"), 0x696d6764);
	{
		sqlite3		*db;
		sqlite3_stmt	*st;

		ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
		ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode",
		    -1, &st, NULL), SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		ck_assert_str_eq((const char *)sqlite3_column_text(st, 0),
		    "wal");
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	/* Reopening keeps the rows. */
	cat = open_cat();
	ck_assert_int_eq(catalog_get(cat, m.id, NULL, NULL), IMG_OK);
	catalog_close(cat);
}
END_TEST

/* The records of user's listing, in one page of up to 100. */
static unsigned
list_count(struct catalog *cat, const char *user)
{
	struct list_query	 q;
	struct list_pos		 pos;
	struct page		 pg;
	bool			 more;

	query_init(&q);
	q.user_id = user;
	q.limit = 100;
	pg.n = 0;
	ck_assert_int_eq(catalog_list(cat, &q, page_cb, &pg, &pos, &more),
	    IMG_OK);
	return (unsigned)pg.n;
}

static enum img_err
count_pending(void *arg, const char *key)
{
	(void)key;
	(*(int *)arg)++;
	return IMG_OK;
}

/*
 * A delete records its key as a pending removal in its own transaction,
 * and from then on no call sees the row; the row and the key go for good
 * once the file is gone, each in a commit of its own.
 */
START_TEST(test_delete_records_pending_removal)
{
	struct catalog	*cat = open_cat();
	struct mrec	 m[3];
	char		 key[256], key0[256];
	int64_t		 quarantined = -1;
	int		 i, n = 0;

	memset(m, 0, sizeof(m));
	for (i = 0; i < 3; i++) {
		make_id((unsigned)i + 1, m[i].id);
		snprintf(m[i].user, sizeof(m[i].user), "u");
		ck_assert_int_eq(model_insert(cat, &m[i]), IMG_OK);
	}
	ck_assert_int_eq(catalog_delete(cat, m[0].id, key0, sizeof(key0)),
	    IMG_OK);
	ck_assert_int_eq(catalog_pending_unlinks(cat, count_pending, &n),
	    IMG_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(query_int("SELECT count(*) FROM pending_unlink"
	    " WHERE s3_key LIKE 'images/u/%'"), 1);
	/* The row is still in the file, and nowhere to be seen. */
	ck_assert_int_eq(query_int("SELECT count(*) FROM images"), 3);
	ck_assert_int_eq(catalog_get(cat, m[0].id, NULL, NULL), IMG_ENOTFOUND);
	ck_assert_int_eq(catalog_id_known(cat, m[0].id), IMG_ENOTFOUND);
	ck_assert_int_eq(catalog_key_known(cat, m[0].id, key0), IMG_ENOTFOUND);
	ck_assert_int_eq(catalog_delete(cat, m[0].id, key, sizeof(key)),
	    IMG_ENOTFOUND);
	ck_assert_int_eq(catalog_quarantined(cat, &quarantined), IMG_OK);
	ck_assert_int_eq(quarantined, 0);
	ck_assert_int_eq(list_count(cat, "u"), 2);
	/* Gone for good with the next batch or at close, not at once. */
	catalog_unlinked(cat, m[0].id, key0);
	ck_assert_int_eq(query_int("SELECT count(*) FROM pending_unlink"), 1);
	ck_assert_int_eq(query_int("SELECT count(*) FROM images"), 3);
	ck_assert_int_eq(catalog_delete(cat, m[1].id, key, sizeof(key)),
	    IMG_OK);
	n = 0;
	ck_assert_int_eq(catalog_pending_unlinks(cat, count_pending, &n),
	    IMG_OK);
	ck_assert_int_eq(n, 2);
	catalog_unlinked(cat, m[1].id, key);
	catalog_close(cat);
	ck_assert_int_eq(query_int("SELECT count(*) FROM pending_unlink"), 0);
	ck_assert_int_eq(query_int("SELECT count(*) FROM images"), 1);
	/*
	 * A crash before the unlink: the key is still there at the
	 * next open, and so is the row, out of sight.
	 */
	cat = open_cat();
	ck_assert_int_eq(catalog_delete(cat, m[2].id, key, sizeof(key)),
	    IMG_OK);
	catalog_close(cat);
	ck_assert_int_eq(query_int("SELECT count(*) FROM pending_unlink"), 1);
	ck_assert_int_eq(query_int("SELECT count(*) FROM images"
	    " WHERE state = 2"), 1);
	cat = open_cat();
	ck_assert_int_eq(list_count(cat, "u"), 0);
	catalog_unlinked(cat, m[2].id, key);
	catalog_close(cat);
	ck_assert_int_eq(query_int("SELECT count(*) FROM images"), 0);
}
END_TEST

/* Removals reported in a steady stream go in batches, without a close. */
START_TEST(test_unlinked_in_batches)
{
	struct catalog	*cat = open_cat();
	struct mrec	*m;
	char		 key[256];
	int		 i, before;

	m = calloc(200, sizeof(*m));
	ck_assert_ptr_nonnull(m);
	for (i = 0; i < 200; i++) {
		make_id((unsigned)i + 1, m[i].id);
		snprintf(m[i].user, sizeof(m[i].user), "u");
		ck_assert_int_eq(model_insert(cat, &m[i]), IMG_OK);
	}
	for (i = 0; i < 200; i++) {
		ck_assert_int_eq(catalog_delete(cat, m[i].id, key,
		    sizeof(key)), IMG_OK);
		catalog_unlinked(cat, m[i].id, key);
	}
	/* At most one batch short of everything is left. */
	before = query_int("SELECT count(*) FROM images");
	ck_assert_int_lt(before, 64);
	ck_assert_int_eq(query_int("SELECT count(*) FROM pending_unlink"),
	    before);
	ck_assert_int_eq(query_int("SELECT count(*) FROM images"
	    " WHERE state <> 2"), 0);
	catalog_close(cat);
	ck_assert_int_eq(query_int("SELECT count(*) FROM images"), 0);
	ck_assert_int_eq(query_int("SELECT count(*) FROM pending_unlink"), 0);
	free(m);
}
END_TEST

/*
 * test_mode's reset: the pending removals go with the rows, and a removal
 * reported done before the reset is not applied to a later delete of the
 * same key (seeded ids give it again).
 */
START_TEST(test_clear_drops_pending_removals)
{
	struct catalog	*cat = open_cat();
	struct mrec	 m[2];
	char		 key[256], key0[256];
	int		 i, n = 0;

	memset(m, 0, sizeof(m));
	for (i = 0; i < 2; i++) {
		make_id((unsigned)i + 1, m[i].id);
		snprintf(m[i].user, sizeof(m[i].user), "u");
		ck_assert_int_eq(model_insert(cat, &m[i]), IMG_OK);
	}
	ck_assert_int_eq(catalog_delete(cat, m[0].id, key0, sizeof(key0)),
	    IMG_OK);
	catalog_unlinked(cat, m[0].id, key0);
	ck_assert_int_eq(catalog_clear(cat), IMG_OK);
	ck_assert_int_eq(query_int("SELECT count(*) FROM pending_unlink"), 0);
	ck_assert_int_eq(query_int("SELECT count(*) FROM images"), 0);
	/* The same id again, deleted: its removal stays owed. */
	ck_assert_int_eq(model_insert(cat, &m[0]), IMG_OK);
	ck_assert_int_eq(catalog_delete(cat, m[0].id, key, sizeof(key)),
	    IMG_OK);
	ck_assert_str_eq(key, key0);
	ck_assert_int_eq(catalog_pending_unlinks(cat, count_pending, &n),
	    IMG_OK);
	ck_assert_int_eq(n, 1);
	catalog_close(cat);
	ck_assert_int_eq(query_int("SELECT count(*) FROM pending_unlink"), 1);
}
END_TEST

START_TEST(test_migrate_empty)
{
	struct catalog	*cat;
	struct mrec	 m;

	/* A database at version 0 with nothing in it. */
	exec_sql("PRAGMA page_size = 4096; VACUUM;");
	ck_assert_int_eq(query_int("PRAGMA user_version"), 0);
	cat = open_cat();
	ck_assert_int_eq(query_int("PRAGMA user_version"), 4);
	memset(&m, 0, sizeof(m));
	make_id(1, m.id);
	snprintf(m.user, sizeof(m.user), "u");
	ck_assert_int_eq(model_insert(cat, &m), IMG_OK);
	catalog_close(cat);
	ck_assert_int_eq(query_int("SELECT count(*) FROM images"), 1);
}
END_TEST

START_TEST(test_open_refused)
{
	struct catalog	*cat = NULL;
	FILE		*fp;
	char		 junk[8192];

	/* Not a database. */
	memset(junk, 'z', sizeof(junk));
	ck_assert_ptr_nonnull(fp = fopen(dbpath, "w"));
	ck_assert_uint_eq(fwrite(junk, 1, sizeof(junk), fp), sizeof(junk));
	fclose(fp);
	ck_assert_int_eq(catalog_open(dbpath, 2, &cat), IMG_EUNAVAIL);
	ck_assert_ptr_null(cat);
	unlink(dbpath);

	/* Another program's database: refused, and left as it was. */
	exec_sql("CREATE TABLE theirs (x)");
	ck_assert_int_eq(catalog_open(dbpath, 2, &cat), IMG_EUNAVAIL);
	ck_assert_ptr_null(cat);
	ck_assert_int_eq(query_int("SELECT count(*) FROM sqlite_schema"), 1);
	ck_assert_int_eq(query_int("PRAGMA user_version"), 0);
	unlink(dbpath);

	/* Ours, from a newer version. */
	cat = open_cat();
	catalog_close(cat);
	cat = NULL;
	exec_sql("PRAGMA user_version = 99");
	ck_assert_int_eq(catalog_open(dbpath, 2, &cat), IMG_EUNAVAIL);
	ck_assert_ptr_null(cat);

	/* A directory that does not exist. */
	ck_assert_int_eq(catalog_open("/nonexistent/dir/imaged.db", 1, &cat),
	    IMG_EUNAVAIL);
}
END_TEST

/* A plan step that reads a whole table (a virtual table's own search is
 * its business). */
static bool
is_table_scan(const char *detail)
{
	return strncmp(detail, "SCAN ", 5) == 0 &&
	    strstr(detail, "VIRTUAL TABLE") == NULL;
}

START_TEST(test_query_plans)
{
	static const struct {
		const char	*sql;
		const char	*want;	/* a step of the plan */
	} plans[] = {
		{ CATALOG_SQL_LIST_USER_DESC,
		    "SEARCH i USING INDEX images_user (user_id=?" },
		{ CATALOG_SQL_LIST_USER_ASC,
		    "SEARCH i USING INDEX images_user (user_id=?" },
		{ CATALOG_SQL_USER_CUR_DESC,
		    "SEARCH images USING COVERING INDEX "
		    "images_user (user_id=?" },
		{ CATALOG_SQL_USER_CUR_ASC,
		    "SEARCH images USING COVERING INDEX "
		    "images_user (user_id=?" },
		{ CATALOG_SQL_TAG_CUR_DESC,
		    "SEARCH image_tags USING PRIMARY KEY (tag=? AND "
		    "created_at>? AND created_at<?)" },
		{ CATALOG_SQL_TAG_CUR_ASC,
		    "SEARCH image_tags USING PRIMARY KEY (tag=? AND "
		    "created_at>? AND created_at<?)" },
		{ CATALOG_SQL_ROW,
		    "SEARCH i USING INTEGER PRIMARY KEY (rowid=?)" },
		{ CATALOG_SQL_LIST_FTS_DESC,
		    "SEARCH i USING INTEGER PRIMARY KEY (rowid=?)" },
		{ CATALOG_SQL_LIST_FTS_ASC,
		    "SEARCH i USING INTEGER PRIMARY KEY (rowid=?)" },
		{ CATALOG_SQL_LIST_SCAN_DESC,
		    "SEARCH i USING INTEGER PRIMARY KEY (rowid>? "
		    "AND rowid<?)" },
		{ CATALOG_SQL_LIST_SCAN_ASC,
		    "SEARCH i USING INTEGER PRIMARY KEY (rowid>? "
		    "AND rowid<?)" },
	};
	struct catalog	*cat;
	struct mrec	 m[50];
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		 sql[2048];
	size_t		 i;
	bool		 found;

	cat = open_cat();
	model_fill(m, 50, 5, 3);
	model_seed(cat, m, 50);
	catalog_close(cat);
	ck_assert_int_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	for (i = 0; i < sizeof(plans) / sizeof(plans[0]); i++) {
		snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s",
		    plans[i].sql);
		ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) ==
		    SQLITE_OK, "%s: %s", plans[i].sql, sqlite3_errmsg(db));
		found = false;
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *d =
			    (const char *)sqlite3_column_text(st, 3);

			ck_assert_msg(!is_table_scan(d), "%s: %s",
			    plans[i].sql, d);
			ck_assert_msg(strstr(d, "TEMP B-TREE") == NULL,
			    "%s: %s", plans[i].sql, d);
			if (strncmp(d, plans[i].want, strlen(plans[i].want)) ==
			    0)
				found = true;
		}
		sqlite3_finalize(st);
		ck_assert_msg(found, "%s: no step %s", plans[i].sql,
		    plans[i].want);
	}
	sqlite3_close(db);
}
END_TEST

/* --- records kept in memory ---------------------------------------------- */

static void
set_title(struct catalog *cat, const char *id, const char *title)
{
	struct image_meta	 meta = { .title = title };

	ck_assert_int_eq(catalog_update(cat, id, &meta, META_TITLE, NULL,
	    NULL), IMG_OK);
}

/*
 * Another process: forked before this one opens the catalog (a connection
 * must not cross a fork), it waits for a byte on go, then runs what, then
 * exits.
 */
enum other_job { OTHER_TITLE, OTHER_INSERT, OTHER_DELETE };

static pid_t
other_start(int go[2], enum other_job what, const char *id)
{
	struct catalog	*cat;
	struct mrec	 m;
	char		 key[256], b;
	pid_t		 pid;
	int		 ok;

	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid != 0) {
		close(go[0]);
		return pid;
	}
	close(go[1]);
	if (read(go[0], &b, 1) != 1 || catalog_open(dbpath, 1, &cat) != IMG_OK)
		_exit(2);
	memset(&m, 0, sizeof(m));
	switch (what) {
	case OTHER_TITLE: {
		struct image_meta meta = { .title = "From afar" };

		ok = catalog_update(cat, id, &meta, META_TITLE, NULL, NULL) ==
		    IMG_OK;
		break;
	}
	case OTHER_INSERT:
		snprintf(m.id, sizeof(m.id), "%s", id);
		snprintf(m.user, sizeof(m.user), "u");
		ok = model_insert(cat, &m) == IMG_OK;
		break;
	default:
		ok = catalog_delete(cat, id, key, sizeof(key)) == IMG_OK;
		break;
	}
	catalog_close(cat);
	_exit(ok ? 0 : 1);
}

static void
other_run(int go[2], pid_t pid)
{
	int	 status;

	ck_assert_int_eq(write(go[1], "g", 1), 1);
	close(go[1]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}

/*
 * A read by id is served from memory while nothing is committed, and
 * never once something is: by this catalog, by a second one on the same
 * file, by a bare SQLite connection, or by another process.
 */
START_TEST(test_cache_get_fresh)
{
	struct catalog	*cat, *second;
	struct mrec	 m;
	struct got	 g;
	uint64_t	 hits, fills, hits0;
	pid_t		 pid[2];
	int		 go[2][2];
	char		 key[256];

	memset(&m, 0, sizeof(m));
	make_id(1, m.id);
	pid[0] = other_start(go[0], OTHER_TITLE, m.id);
	pid[1] = other_start(go[1], OTHER_DELETE, m.id);
	cat = open_cat();
	snprintf(m.user, sizeof(m.user), "u");
	m.has_title = true;
	snprintf(m.title, sizeof(m.title), "One");
	ck_assert_int_eq(model_insert(cat, &m), IMG_OK);

	get_rec(cat, m.id, &g);
	ck_assert_str_eq(g.title, "One");
	catalog_cache_stats(cat, &hits0, &fills);
	get_rec(cat, m.id, &g);
	ck_assert_str_eq(g.title, "One");
	catalog_cache_stats(cat, &hits, &fills);
	ck_assert_uint_eq(hits, hits0 + 1);

	set_title(cat, m.id, "Two");
	get_rec(cat, m.id, &g);
	ck_assert_str_eq(g.title, "Two");

	second = open_cat();
	set_title(second, m.id, "Three");
	catalog_close(second);
	get_rec(cat, m.id, &g);
	ck_assert_str_eq(g.title, "Three");

	exec_sql("UPDATE images SET title = 'Four'");
	get_rec(cat, m.id, &g);
	ck_assert_str_eq(g.title, "Four");

	other_run(go[0], pid[0]);
	get_rec(cat, m.id, &g);
	ck_assert_str_eq(g.title, "From afar");
	other_run(go[1], pid[1]);
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(catalog_get(cat, m.id, got_cb, &g), IMG_ENOTFOUND);
	ck_assert_int_eq(g.calls, 0);
	ck_assert_int_eq(catalog_delete(cat, m.id, key, sizeof(key)),
	    IMG_ENOTFOUND);
	catalog_close(cat);
}
END_TEST

/* List q, which must give a page of one: its record's id. */
static const char *
list_one(struct catalog *cat, const struct list_query *q, struct page *pg,
    struct list_pos *pos, bool *more)
{
	pg->n = 0;
	memset(pos, 0, sizeof(*pos));
	ck_assert_int_eq(catalog_list(cat, q, page_cb, pg, pos, more), IMG_OK);
	ck_assert_uint_eq(pg->n, 1);
	return pg->ids[0];
}

/* The same for a page, with its cursor and "more" served as read. */
START_TEST(test_cache_list_fresh)
{
	struct catalog		*cat;
	struct list_query	 q;
	struct list_pos		 pos, pos2;
	struct page		 pg;
	struct mrec		 m[3];
	uint64_t		 hits, hits0, fills;
	bool			 more, more2;
	pid_t			 pid;
	int			 go[2], i;
	char			 key[256];

	memset(m, 0, sizeof(m));
	for (i = 0; i < 3; i++) {
		make_id((unsigned)i + 1, m[i].id);
		snprintf(m[i].user, sizeof(m[i].user), "u");
	}
	pid = other_start(go, OTHER_INSERT, m[2].id);
	cat = open_cat();
	ck_assert_int_eq(model_insert(cat, &m[0]), IMG_OK);
	ck_assert_int_eq(model_insert(cat, &m[1]), IMG_OK);
	query_init(&q);
	q.user_id = "u";
	q.limit = 1;

	ck_assert_str_eq(list_one(cat, &q, &pg, &pos, &more), m[1].id);
	ck_assert(more);
	catalog_cache_stats(cat, &hits0, &fills);
	ck_assert_str_eq(list_one(cat, &q, &pg, &pos2, &more2), m[1].id);
	catalog_cache_stats(cat, &hits, &fills);
	ck_assert_uint_eq(hits, hits0 + 1);
	ck_assert(more2);
	ck_assert_int_eq(pos2.created_at, pos.created_at);
	ck_assert_str_eq(pos2.image_id, pos.image_id);

	/* Another process adds a newer image: the first page is it. */
	other_run(go, pid);
	ck_assert_str_eq(list_one(cat, &q, &pg, &pos, &more), m[2].id);

	/* This one deletes it: the page is the older one again. */
	ck_assert_int_eq(catalog_delete(cat, m[2].id, key, sizeof(key)),
	    IMG_OK);
	ck_assert_str_eq(list_one(cat, &q, &pg, &pos, &more), m[1].id);
	catalog_close(cat);
}
END_TEST

Suite *
catalog_suite(void)
{
	Suite	*s = suite_create("catalog");
	TCase	*tc = tcase_create("catalog");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_created_at_increasing);
	tcase_add_test(tc, test_concurrent_inserts);
	tcase_add_test(tc, test_concurrent_mixed);
	tcase_add_test(tc, test_get_unknown);
	tcase_add_test(tc, test_delete);
	tcase_add_test(tc, test_concurrent_deletes);
	tcase_add_test(tc, test_list_budget);
	tcase_add_test(tc, test_update);
	tcase_add_test(tc, test_list_bruteforce);
	tcase_add_test(tc, test_list_paging_changes);
	tcase_add_test(tc, test_list_literal_titles);
	tcase_add_test(tc, test_list_bounds);
	tcase_add_test(tc, test_list_cb_error);
	tcase_add_test(tc, test_quarantine);
	tcase_add_test(tc, test_maintenance);
	tcase_add_test(tc, test_schema_version);
	tcase_add_test(tc, test_migrate_empty);
	tcase_add_test(tc, test_delete_records_pending_removal);
	tcase_add_test(tc, test_unlinked_in_batches);
	tcase_add_test(tc, test_clear_drops_pending_removals);
	tcase_add_test(tc, test_open_refused);
	tcase_add_test(tc, test_query_plans);
	tcase_add_test(tc, test_cache_get_fresh);
	tcase_add_test(tc, test_cache_list_fresh);
	suite_add_tcase(s, tc);
	return s;
}
