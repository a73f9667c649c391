/*
 * catalog_bench.c: seeds a catalog through catalog_insert to 10k, 100k and
 * 1M images and, at each size, prints the latency of one listing page
 * (limit 20) for each kind of query, and the insert rate while seeding.
 *
 *	catalog_bench [max_records [data_dir]]
 *
 * The data directory may also come from IMAGED_BENCH_DIR; by default it is
 * a temporary directory, removed at the end.  The data: 10,000 users, 1-4
 * tags each from a vocabulary of 500, titles of 2-4 words from a list of
 * 200, locations from 50 cities.  Uses only the catalog's public API.
 * Prints figures; asserts nothing.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imaged/catalog.h"

#define NUSERS		10000
#define NTAGS		500
#define NWORDS		200
#define NQUERIES	2000
#define NTHREADS	32
#define PAGE		20

static const char *const cities[] = {
	"Tokyo", "Delhi", "Shanghai", "Sao Paulo", "Mexico City", "Cairo",
	"Mumbai", "Beijing", "Dhaka", "Osaka", "New York", "Karachi",
	"Buenos Aires", "Chongqing", "Istanbul", "Kolkata", "Manila", "Lagos",
	"Rio de Janeiro", "Tianjin", "Kinshasa", "Guangzhou", "Los Angeles",
	"Moscow", "Shenzhen", "Lahore", "Bangalore", "Paris", "Bogota",
	"Jakarta", "Chennai", "Lima", "Bangkok", "Seoul", "Nagoya",
	"Hyderabad", "London", "Tehran", "Chicago", "Chengdu", "Nanjing",
	"Wuhan", "Ho Chi Minh City", "Luanda", "Ahmedabad", "Kuala Lumpur",
	"Xi'an", "Hong Kong", "Dongguan", "Goa",
};
#define NCITIES	(sizeof(cities) / sizeof(cities[0]))

/* Words are two syllables: 20 x 10 distinct ones. */
static const char *const syl1[] = {
	"sun", "moon", "star", "river", "stone", "leaf", "snow", "rain",
	"wind", "sea", "sky", "fire", "gold", "iron", "rose", "oak", "fox",
	"owl", "bay", "hill",
};
static const char *const syl2[] = {
	"set", "light", "fall", "side", "field", "wood", "shore", "gate",
	"berg", "dale",
};

static char	 words[NWORDS][24];
static char	 tagnames[NTAGS][16];

struct gen {
	struct catalog	*cat;
	atomic_size_t	 next;
	size_t		 end;
	atomic_size_t	 failed;
	int64_t		*created;	/* each record's created_at */
};

static uint64_t
mix(uint64_t x)
{
	/* splitmix64: record i is the same in every run */
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static double
now_sec(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
insert_one(struct gen *g, size_t i)
{
	struct image_record	 rec;
	struct image_meta	 meta;
	const char		*tags[4] = { NULL };
	char			 id[IMAGE_ID_SIZE], user[16], key[128];
	char			 title[128], json[128];
	uint64_t		 h = mix(i), h2 = mix(i ^ 0xabcdefull);
	size_t			 n, k, len;
	int64_t			 at;

	snprintf(id, sizeof(id), "%08x-%04x-4%03x-8%03x-%012llx",
	    (unsigned)(h >> 32), (unsigned)(h >> 16) & 0xffff,
	    (unsigned)h & 0xfff, (unsigned)(h2 >> 52),
	    (unsigned long long)(h2 & 0xffffffffffffull));
	snprintf(user, sizeof(user), "user%05u", (unsigned)(h % NUSERS));
	snprintf(key, sizeof(key), "images/%s/%s.jpg", user, id);
	n = 2 + h2 % 3;
	for (k = 0, len = 0; k < n; k++)
		len += (size_t)snprintf(title + len, sizeof(title) - len,
		    "%s%s", k ? " " : "", words[mix(h + k) % NWORDS]);
	memset(&meta, 0, sizeof(meta));
	meta.title = title;
	meta.location = cities[mix(h2) % NCITIES];
	n = 1 + (h >> 40) % 4;
	len = (size_t)snprintf(json, sizeof(json), "[");
	for (k = 0; k < n; k++) {
		const char	*t = tagnames[mix(h2 + k) % NTAGS];

		/* Distinct tags: skip a repeat. */
		for (size_t j = 0; j < meta.ntags; j++)
			if (tags[j] == t)
				t = NULL;
		if (t == NULL)
			continue;
		len += (size_t)snprintf(json + len, sizeof(json) - len,
		    "%s\"%s\"", meta.ntags ? "," : "", t);
		tags[meta.ntags++] = t;
	}
	snprintf(json + len, sizeof(json) - len, "]");
	meta.tags = tags;
	meta.tags_json = json;
	memset(&rec, 0, sizeof(rec));
	rec.image_id = id;
	rec.user_id = user;
	rec.filename = "photo.jpg";
	rec.s3_key = key;
	rec.content_type = "image/jpeg";
	rec.checksum_sha256 = "9f86d081884c7d659a2feaa0c55ad015"
	    "a3bf4f1b2b0b822cd15d6c15b0f00a08";
	rec.file_size = (int64_t)(h % 5000000);
	rec.width = 640;
	rec.height = 480;
	if (catalog_insert(g->cat, &rec, &meta, &at) != IMG_OK) {
		atomic_fetch_add(&g->failed, 1);
		return;
	}
	g->created[i] = at;
}

static void *
insert_thread(void *arg)
{
	struct gen	*g = arg;
	size_t		 i;

	while ((i = atomic_fetch_add(&g->next, 1)) < g->end)
		insert_one(g, i);
	return NULL;
}

/* Insert records [from, to); returns the rate. */
static double
seed(struct gen *g, size_t from, size_t to)
{
	pthread_t	 t[NTHREADS];
	double		 t0 = now_sec();
	size_t		 i;

	atomic_store(&g->next, from);
	g->end = to;
	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, insert_thread, g) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			exit(1);
		}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	return (double)(to - from) / (now_sec() - t0);
}

struct sink {
	size_t	 rows;
	size_t	 bytes;
};

/* Touch what a renderer would, so the page is really read. */
static enum img_err
sink_cb(void *arg, const struct image_record *r)
{
	struct sink	*s = arg;

	s->rows++;
	s->bytes += strlen(r->image_id) + strlen(r->s3_key) +
	    (r->title ? strlen(r->title) : 0) + strlen(r->tags_json);
	return IMG_OK;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

enum qkind { Q_USER, Q_USER_TAG, Q_ALL, Q_TITLE, Q_DATES, Q_COUNT };
static const char *const qnames[Q_COUNT] = {
	"by user", "by user + tag", "all users", "title substring",
	"date range",
};

struct result {
	double	 p50, p99, rows;
};

static void
run_queries(struct catalog *cat, enum qkind kind, size_t nrec,
    const int64_t *created, uint64_t seedv, struct result *res)
{
	static double		 lat[NQUERIES];
	struct list_query	 q;
	struct list_pos		 last, after;
	struct sink		 sink = { 0, 0 };
	const char		*tag[1];
	char			 user[16], sub[16];
	uint64_t		 h;
	int64_t			 lo = INT64_MAX, hi = INT64_MIN, span;
	size_t			 i, off, len;
	bool			 more;
	double			 t0;
	enum img_err		 e;

	/* Threads inserted out of index order: find the span. */
	for (i = 0; i < nrec; i++) {
		lo = created[i] < lo ? created[i] : lo;
		hi = created[i] > hi ? created[i] : hi;
	}
	span = hi - lo;
	for (i = 0; i < NQUERIES; i++) {
		h = mix(seedv + i * 7919);
		memset(&q, 0, sizeof(q));
		q.created_after = INT64_MIN;
		q.created_before = INT64_MAX;
		q.order = LIST_DESC;
		q.limit = PAGE;
		switch (kind) {
		case Q_USER:
			snprintf(user, sizeof(user), "user%05u",
			    (unsigned)(h % NUSERS));
			q.user_id = user;
			break;
		case Q_USER_TAG:
			snprintf(user, sizeof(user), "user%05u",
			    (unsigned)(h % NUSERS));
			q.user_id = user;
			tag[0] = tagnames[(h >> 20) % NTAGS];
			q.tags = tag;
			q.ntags = 1;
			break;
		case Q_ALL:
			/* From a random position, not always the newest. */
			after.created_at = created[h % nrec];
			snprintf(after.image_id, sizeof(after.image_id), "%s",
			    "ffffffff-ffff-ffff-ffff-ffffffffffff");
			q.after = &after;
			break;
		case Q_TITLE:
			len = strlen(words[h % NWORDS]);
			off = (h >> 16) % (len - 2);
			len = 3 + (h >> 24) % 3;
			snprintf(sub, sizeof(sub), "%.*s", (int)len,
			    words[h % NWORDS] + off);
			q.title = sub;
			break;
		case Q_DATES:
			/* A window of 1% of the span. */
			q.created_after = lo +
			    (int64_t)((h % 990) * (uint64_t)span / 1000);
			q.created_before = q.created_after + span / 100;
			break;
		default:
			break;
		}
		t0 = now_sec();
		e = catalog_list(cat, &q, sink_cb, &sink, &last, &more);
		lat[i] = (now_sec() - t0) * 1e6;
		if (e != IMG_OK) {
			fprintf(stderr, "catalog_list: %s\n", img_err_code(e));
			exit(1);
		}
	}
	qsort(lat, NQUERIES, sizeof(lat[0]), cmp_double);
	res->p50 = lat[NQUERIES / 2];
	res->p99 = lat[NQUERIES * 99 / 100];
	res->rows = (double)sink.rows / NQUERIES;
}

static void
rm_dir(const char *dir)
{
	char		 p[1024];
	DIR		*d;
	struct dirent	*de;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

int
main(int argc, char *argv[])
{
	static const size_t	 sizes[] = { 10000, 100000, 1000000 };
	struct result		 res[3][Q_COUNT];
	double			 rate[3], t0, seeding = 0;
	size_t			 done[3];
	struct gen		 g;
	char			 tmpl[] = "/tmp/catalog-bench-XXXXXX";
	char			 path[1024];
	const char		*dir;
	size_t			 max = 1000000, have = 0, s, k, nsizes = 0;
	char			*end;
	bool			 tmp = false;
	enum img_err		 e;

	if (argc > 1) {
		max = strtoul(argv[1], &end, 10);
		if (*end != '\0' || max < 100) {
			fprintf(stderr, "usage: catalog_bench [max_records"
			    " [data_dir]]\n");
			return 2;
		}
	}
	dir = argc > 2 ? argv[2] : getenv("IMAGED_BENCH_DIR");
	if (dir == NULL) {
		if ((dir = mkdtemp(tmpl)) == NULL) {
			perror("mkdtemp");
			return 1;
		}
		tmp = true;
	}
	snprintf(path, sizeof(path), "%s/imaged.db", dir);
	for (k = 0; k < NWORDS; k++)
		snprintf(words[k], sizeof(words[k]), "%s%s", syl1[k % 20],
		    syl2[k / 20]);
	for (k = 0; k < NTAGS; k++)
		snprintf(tagnames[k], sizeof(tagnames[k]), "tag%03zu", k);

	memset(&g, 0, sizeof(g));
	if ((g.created = calloc(max, sizeof(*g.created))) == NULL) {
		perror("calloc");
		return 1;
	}
	if ((e = catalog_open(path, 4, &g.cat)) != IMG_OK) {
		fprintf(stderr, "catalog_open %s: %s\n", path, img_err_code(e));
		return 1;
	}
	printf("catalog: %s, %d inserting threads, page of %d, %d queries"
	    " each\n", path, NTHREADS, PAGE, NQUERIES);
	fflush(stdout);
	for (s = 0; s < 3; s++) {
		size_t	 to = sizes[s] < max ? sizes[s] : max;

		if (to <= have)
			break;
		t0 = now_sec();
		rate[s] = seed(&g, have, to);
		seeding += now_sec() - t0;
		have = done[s] = to;
		if (atomic_load(&g.failed) > 0) {
			fprintf(stderr, "%zu inserts failed\n",
			    (size_t)atomic_load(&g.failed));
			return 1;
		}
		for (k = 0; k < Q_COUNT; k++)
			run_queries(g.cat, (enum qkind)k, have, g.created,
			    (uint64_t)(k + 1) << 32, &res[s][k]);
		nsizes = s + 1;
		printf("seeded %zu records (%.0f inserts/s, %.0f s so far)\n",
		    have, rate[s], seeding);
		fflush(stdout);
	}

	printf("\n%-10s %-16s %9s %9s %9s %12s\n", "records", "query",
	    "p50 us", "p99 us", "rows/page", "inserts/s");
	for (s = 0; s < nsizes; s++)
		for (k = 0; k < Q_COUNT; k++)
			printf("%-10zu %-16s %9.0f %9.0f %9.1f %12.0f\n",
			    done[s], qnames[k], res[s][k].p50,
			    res[s][k].p99, res[s][k].rows, rate[s]);
	/* With 10,000 users, a user has ~1 image at 10k and ~100 at 1M:
	 * the pages compared are not the same size. */
	if (nsizes > 1)
		for (k = 0; k < 2; k++)
			printf("%s: p99 at %zu / at %zu = %.2f (rows per page"
			    " %.1f / %.1f)\n", qnames[k], have, done[0],
			    res[nsizes - 1][k].p99 / res[0][k].p99,
			    res[nsizes - 1][k].rows, res[0][k].rows);
	catalog_close(g.cat);
	free(g.created);
	if (tmp)
		rm_dir(dir);
	return 0;
}
