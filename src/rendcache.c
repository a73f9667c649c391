/*
 * rendcache.c: the renditions kept on disk (see rendcache.h).
 *
 * Under lock: a hash table of entries (one per kept rendition) threaded on
 * a least-recently-used list, the byte total of the entries, and the list
 * of makings in flight, each with the requests waiting on it.  Files are
 * written, opened and removed outside the lock.  Invariants: bytes is the
 * sum of the entries' sizes; a key is in the table at most once and in
 * flight at most once; an entry's file was whole and durable when the
 * entry was added (blob_writer_commit_rendition), though it may since
 * have been removed by hand (a lookup then drops the entry).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaged/log.h"
#include "imaged/rendcache.h"
#include "imaged/renderpool.h"
#include "imaged/rendition.h"

struct rc_entry {
	struct rc_entry	*hnext;		/* hash chain */
	struct rc_entry	*newer, *older;	/* the LRU list */
	uint64_t	 size;
	char		 key[RENDCACHE_KEY_MAX];
};

struct rc_waiter {
	struct rc_waiter	*next;
	rendcache_done		 done;
	void			*arg;
};

struct rc_flight {
	struct rc_flight	*next;
	struct rendcache	*cache;
	struct rc_waiter	*waiters;
	/* its image was deleted meanwhile */
	bool			 doomed;
	struct rend_params	 params;
	char			 key[RENDCACHE_KEY_MAX];
	char			 source_key[BLOB_KEY_MAX + 1];
};

struct rendcache {
	struct blobstore	*blobs;
	struct renderpool	*pool;
	uint64_t		 max_bytes;
	uint64_t		 max_pixels;

	pthread_mutex_t		 lock;
	struct rc_entry		**table;
	size_t			 nbuckets, count;
	struct rc_entry		*newest, *oldest;
	uint64_t		 bytes;
	/* renders finished, for tests and metrics */
	uint64_t		 made;
	struct rc_flight	*flights;

	pthread_t		 walker;
	bool			 walker_started;
	bool			 stopping;	/* under lock */
};

static uint64_t
key_hash(const char *key)
{
	uint64_t	 h = UINT64_C(14695981039346656037);

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= UINT64_C(1099511628211);
	}
	return h;
}

/* Under lock. */
static struct rc_entry *
find(struct rendcache *c, const char *key)
{
	struct rc_entry	*e;

	for (e = c->table[key_hash(key) % c->nbuckets]; e != NULL; e = e->hnext)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static void
lru_unlink(struct rendcache *c, struct rc_entry *e)
{
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void
lru_push_newest(struct rendcache *c, struct rc_entry *e)
{
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest != NULL)
		c->newest->newer = e;
	c->newest = e;
	if (c->oldest == NULL)
		c->oldest = e;
}

static void
lru_push_oldest(struct rendcache *c, struct rc_entry *e)
{
	e->newer = c->oldest;
	e->older = NULL;
	if (c->oldest != NULL)
		c->oldest->older = e;
	c->oldest = e;
	if (c->newest == NULL)
		c->newest = e;
}

/* Double the table when it is full; a failed allocation keeps the old one. */
static void
grow(struct rendcache *c)
{
	struct rc_entry	**t, *e, *next;
	size_t		 n = c->nbuckets * 2, i, b;

	if (c->count < c->nbuckets || (t = calloc(n, sizeof(*t))) == NULL)
		return;
	for (i = 0; i < c->nbuckets; i++)
		for (e = c->table[i]; e != NULL; e = next) {
			next = e->hnext;
			b = key_hash(e->key) % n;
			e->hnext = t[b];
			t[b] = e;
		}
	free(c->table);
	c->table = t;
	c->nbuckets = n;
}

/* Add a new entry (newest or oldest); under lock.  NULL on out of memory. */
static struct rc_entry *
add(struct rendcache *c, const char *key, uint64_t size, bool newest)
{
	struct rc_entry	*e;
	size_t		 b;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	snprintf(e->key, sizeof(e->key), "%s", key);
	e->size = size;
	grow(c);
	b = key_hash(key) % c->nbuckets;
	e->hnext = c->table[b];
	c->table[b] = e;
	c->count++;
	c->bytes += size;
	if (newest)
		lru_push_newest(c, e);
	else
		lru_push_oldest(c, e);
	return e;
}

/* Take e out of the table and the list (the caller frees it); under lock. */
static void
drop(struct rendcache *c, struct rc_entry *e)
{
	struct rc_entry	**pp = &c->table[key_hash(e->key) % c->nbuckets];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(c, e);
	c->count--;
	c->bytes -= e->size;
}

/*
 * Take the least recently used entries out until the total fits, never
 * keep (the one just made); under lock.  They are returned on a list
 * (through hnext) for their files to be removed after the lock.
 */
static struct rc_entry *
evict(struct rendcache *c, const struct rc_entry *keep)
{
	struct rc_entry	*victims = NULL, *e;

	while (c->bytes > c->max_bytes && (e = c->oldest) != NULL &&
	    e != keep) {
		drop(c, e);
		e->hnext = victims;
		victims = e;
	}
	return victims;
}

static void
remove_victims(struct rendcache *c, struct rc_entry *victims)
{
	struct rc_entry	*next;

	for (; victims != NULL; victims = next) {
		next = victims->hnext;
		(void)blob_rendition_remove(c->blobs, victims->key);
		free(victims);
	}
}

/* --- the index walk at start -------------------------------------------- */

struct found {
	char		 key[RENDCACHE_KEY_MAX];
	uint64_t	 size;
	time_t		 mtime;
};

struct walk {
	struct rendcache	*cache;
	struct found		*list;
	size_t			 n, cap;
};

static enum img_err
walk_one(void *arg, const char *key, const struct blob_info *info)
{
	struct walk	*w = arg;
	struct found	*l;
	bool		 stop;

	pthread_mutex_lock(&w->cache->lock);
	stop = w->cache->stopping;
	pthread_mutex_unlock(&w->cache->lock);
	if (stop)
		return IMG_EUNAVAIL;
	/* Only <image_id>/<name>: anything else is not a rendition of ours. */
	if (strlen(key) >= RENDCACHE_KEY_MAX || strchr(key, '/') == NULL ||
	    strchr(strchr(key, '/') + 1, '/') != NULL)
		return IMG_OK;
	if (w->n == w->cap) {
		size_t ncap = w->cap == 0 ? 256 : w->cap * 2;

		if ((l = realloc(w->list, ncap * sizeof(*l))) == NULL)
			return IMG_ENOMEM;
		w->list = l;
		w->cap = ncap;
	}
	snprintf(w->list[w->n].key, sizeof(w->list[w->n].key), "%s", key);
	w->list[w->n].size = info->size;
	w->list[w->n].mtime = info->mtime;
	w->n++;
	return IMG_OK;
}

/* Newest first. */
static int
by_mtime_desc(const void *a, const void *b)
{
	const struct found	*x = a, *y = b;

	return x->mtime < y->mtime ? 1 : x->mtime > y->mtime ? -1 : 0;
}

static void *
walk_index(void *arg)
{
	struct rendcache	*c = arg;
	struct walk		 w = { c, NULL, 0, 0 };
	struct rc_entry		*victims;
	size_t			 i;

	if (blob_rendition_walk(c->blobs, walk_one, &w) == IMG_OK) {
		if (w.n > 0)
			qsort(w.list, w.n, sizeof(*w.list), by_mtime_desc);
		pthread_mutex_lock(&c->lock);
		/* Made meanwhile, the renditions already listed are newer. */
		for (i = 0; i < w.n; i++)
			if (find(c, w.list[i].key) == NULL)
				(void)add(c, w.list[i].key,
				    w.list[i].size, false);
		victims = evict(c, NULL);
		pthread_mutex_unlock(&c->lock);
		remove_victims(c, victims);
	}
	free(w.list);
	return NULL;
}

/* --- the cache --------------------------------------------------------- */

enum img_err
rendcache_open(struct blobstore *blobs, struct renderpool *pool,
    uint64_t max_bytes, uint64_t max_pixels, struct rendcache **cp)
{
	struct rendcache	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return IMG_ENOMEM;
	c->nbuckets = 1024;
	if ((c->table = calloc(c->nbuckets, sizeof(*c->table))) == NULL) {
		free(c);
		return IMG_ENOMEM;
	}
	c->blobs = blobs;
	c->pool = pool;
	c->max_bytes = max_bytes;
	c->max_pixels = max_pixels;
	pthread_mutex_init(&c->lock, NULL);
	if (pthread_create(&c->walker, NULL, walk_index, c) == 0)
		c->walker_started = true;
	else
		log_warnx("renditions: cannot start the index walk; older "
		    "renditions are not counted against the size bound");
	*cp = c;
	return IMG_OK;
}

void
rendcache_close(struct rendcache *c)
{
	struct rc_entry	*e, *next;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = true;
	pthread_mutex_unlock(&c->lock);
	if (c->walker_started)
		pthread_join(c->walker, NULL);
	for (e = c->newest; e != NULL; e = next) {
		next = e->older;
		free(e);
	}
	free(c->table);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void
rendcache_key(const char *image_id, const struct rend_params *p,
    char key[RENDCACHE_KEY_MAX])
{
	char	 canon[REND_CANON_MAX];

	rend_canonical(p, canon);
	snprintf(key, RENDCACHE_KEY_MAX, "%s/%s", image_id, canon);
}

enum img_err
rendcache_open_read(struct rendcache *c, const char *key, int *fd,
    struct blob_info *info)
{
	struct rc_entry	*e;
	enum img_err	 ret;

	pthread_mutex_lock(&c->lock);
	if ((e = find(c, key)) != NULL) {
		lru_unlink(c, e);
		lru_push_newest(c, e);
	}
	pthread_mutex_unlock(&c->lock);
	ret = blob_rendition_open_read(c->blobs, key, fd, info);
	if (ret == IMG_ENOTFOUND && e != NULL) {
		/* Removed behind our back: forget it. */
		pthread_mutex_lock(&c->lock);
		if ((e = find(c, key)) != NULL) {
			drop(c, e);
			free(e);
		}
		pthread_mutex_unlock(&c->lock);
	}
	return ret;
}

static enum img_err
to_writer(void *arg, const void *p, size_t n)
{
	return blob_writer_write(arg, p, n);
}

/* A making, on a pool thread: render, keep, tell every waiter. */
static void
flight_run(void *arg)
{
	struct rc_flight	*f = arg, **pp;
	struct rendcache	*c = f->cache;
	struct rc_waiter	*w, *next;
	struct rc_entry		*victims = NULL, *e;
	struct blob_writer	*writer = NULL;
	struct blob_info	 info = { 0 }, sinfo;
	struct rend_error	 err;
	enum img_err		 ret;
	int			 src = -1, fd = -1, wfd;

	memset(&err, 0, sizeof(err));
	if ((ret = blob_open_read(c->blobs, f->source_key, &src, &sinfo)) ==
	    IMG_OK && (ret = blob_writer_new(c->blobs, &writer)) == IMG_OK &&
	    (ret = rendition_render(src, &f->params, c->max_pixels, to_writer,
	    writer, &err)) == IMG_OK &&
	    (ret = blob_writer_commit_rendition(writer, f->key)) == IMG_OK)
		ret = blob_rendition_open_read(c->blobs, f->key, &fd, &info);
	if (src != -1)
		close(src);
	blob_writer_free(writer);
	if (ret != IMG_OK && ret != IMG_EINVAL && ret != IMG_EDECODE &&
	    ret != IMG_ENOTFOUND)
		log_warnx("rendition %s: %s", f->key, img_err_message(ret));

	pthread_mutex_lock(&c->lock);
	for (pp = &c->flights; *pp != f; pp = &(*pp)->next)
		;
	*pp = f->next;
	c->made++;
	if (ret == IMG_OK && f->doomed) {
		/* Made for an image deleted meanwhile: not kept. */
		pthread_mutex_unlock(&c->lock);
		(void)blob_rendition_remove(c->blobs, f->key);
		pthread_mutex_lock(&c->lock);
		close(fd);
		fd = -1;
		ret = IMG_ENOTFOUND;
	}
	if (ret == IMG_OK) {
		if ((e = find(c, f->key)) != NULL) {
			drop(c, e);
			free(e);
		}
		e = add(c, f->key, info.size, true);
		victims = evict(c, e);
	}
	pthread_mutex_unlock(&c->lock);
	remove_victims(c, victims);

	for (w = f->waiters; w != NULL; w = next) {
		next = w->next;
		wfd = -1;
		if (ret == IMG_OK && (wfd = dup(fd)) == -1)
			w->done(w->arg, IMG_EUNAVAIL, -1, NULL, &err);
		else
			w->done(w->arg, ret, wfd, &info, &err);
		free(w);
	}
	if (fd != -1)
		close(fd);
	free(f);
}

enum img_err
rendcache_make(struct rendcache *c, const char *key, const char *source_key,
    const struct rend_params *p, rendcache_done done, void *arg)
{
	struct rc_flight	*f;
	struct rc_waiter	*w;
	enum img_err		 ret = IMG_OK;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return IMG_ENOMEM;
	w->done = done;
	w->arg = arg;
	pthread_mutex_lock(&c->lock);
	for (f = c->flights; f != NULL; f = f->next)
		if (strcmp(f->key, key) == 0)
			break;
	if (f != NULL) {
		/* Being made: wait for that one. */
		w->next = f->waiters;
		f->waiters = w;
		pthread_mutex_unlock(&c->lock);
		return IMG_OK;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		ret = IMG_ENOMEM;
		goto done;
	}
	f->cache = c;
	f->waiters = w;
	f->params = *p;
	snprintf(f->key, sizeof(f->key), "%s", key);
	snprintf(f->source_key, sizeof(f->source_key), "%s", source_key);
	/* Queued under the lock, so no one joins a making that never runs. */
	if ((ret = renderpool_submit(c->pool, flight_run, f)) != IMG_OK) {
		free(f);
		goto done;
	}
	f->next = c->flights;
	c->flights = f;
	w = NULL;
done:
	pthread_mutex_unlock(&c->lock);
	free(w);
	return ret;
}

void
rendcache_remove_image(struct rendcache *c, const char *image_id)
{
	struct rc_entry		*e, *older;
	struct rc_flight	*f;
	size_t			 n = strlen(image_id);

	pthread_mutex_lock(&c->lock);
	for (f = c->flights; f != NULL; f = f->next)
		if (strncmp(f->key, image_id, n) == 0 && f->key[n] == '/')
			f->doomed = true;
	for (e = c->newest; e != NULL; e = older) {
		older = e->older;
		if (strncmp(e->key, image_id, n) == 0 && e->key[n] == '/') {
			drop(c, e);
			free(e);
		}
	}
	pthread_mutex_unlock(&c->lock);
	(void)blob_rendition_remove_folder(c->blobs, image_id);
}

void
rendcache_usage(struct rendcache *c, uint64_t *count, uint64_t *bytes,
    uint64_t *made)
{
	pthread_mutex_lock(&c->lock);
	*count = c->count;
	*bytes = c->bytes;
	*made = c->made;
	pthread_mutex_unlock(&c->lock);
}
