/*
 * reccache.c: see reccache.h.
 *
 * Each slot has its own mutex, held only to look at or swap its entry
 * pointer (and take a reference): a reader renders the records it found
 * with no lock held.  References are counted atomically, since the last
 * one may go on any thread.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "imaged/reccache.h"

struct reccache_entry {
	unsigned		 refs;		/* atomic */
	unsigned char		 version[RECCACHE_VERSION_SIZE];
	char			*key;
	uint64_t		 word;
	size_t			 bytes;		/* of the records' copies */
	size_t			 n, max;
	struct image_record	*recs[];
};

struct slot {
	pthread_mutex_t		 lock;
	struct reccache_entry	*entry;
	uint64_t		 hits, stores;	/* under lock */
};

struct reccache {
	unsigned		 mask;		/* nslots - 1 */
	struct slot		 slots[];
};

/* FNV-1a: keys are short, and ids already spread well. */
static unsigned
key_hash(const char *key)
{
	uint32_t	 h = 2166136261u;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h;
}

struct reccache *
reccache_new(unsigned nslots)
{
	struct reccache	*rc;
	unsigned	 n = 1, i;

	while (n < nslots && n < (1u << 20))
		n <<= 1;
	if ((rc = calloc(1, sizeof(*rc) + n * sizeof(rc->slots[0]))) == NULL)
		return NULL;
	rc->mask = n - 1;
	for (i = 0; i < n; i++)
		pthread_mutex_init(&rc->slots[i].lock, NULL);
	return rc;
}

void
reccache_free(struct reccache *rc)
{
	unsigned	 i;

	if (rc == NULL)
		return;
	for (i = 0; i <= rc->mask; i++) {
		reccache_release(rc->slots[i].entry);
		pthread_mutex_destroy(&rc->slots[i].lock);
	}
	free(rc);
}

struct reccache_entry *
reccache_find(struct reccache *rc, const char *key,
    const unsigned char *version)
{
	struct slot		*s = &rc->slots[key_hash(key) & rc->mask];
	struct reccache_entry	*e;

	pthread_mutex_lock(&s->lock);
	e = s->entry;
	if (e != NULL && memcmp(e->version, version,
	    RECCACHE_VERSION_SIZE) == 0 && strcmp(e->key, key) == 0) {
		__atomic_add_fetch(&e->refs, 1, __ATOMIC_RELAXED);
		s->hits++;
	} else
		e = NULL;
	pthread_mutex_unlock(&s->lock);
	return e;
}

void
reccache_release(struct reccache_entry *e)
{
	size_t	 i;

	if (e == NULL || __atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (i = 0; i < e->n; i++)
		free(e->recs[i]);
	free(e->key);
	free(e);
}

size_t
reccache_count(const struct reccache_entry *e)
{
	return e->n;
}

const struct image_record *
reccache_record(const struct reccache_entry *e, size_t i)
{
	return e->recs[i];
}

uint64_t
reccache_word(const struct reccache_entry *e)
{
	return e->word;
}

struct reccache_entry *
reccache_entry_new(const char *key, const unsigned char *version,
    size_t max_records)
{
	struct reccache_entry	*e;

	e = calloc(1, sizeof(*e) + max_records * sizeof(e->recs[0]));
	if (e == NULL)
		return NULL;
	if ((e->key = strdup(key)) == NULL) {
		free(e);
		return NULL;
	}
	e->refs = 1;
	e->max = max_records;
	memcpy(e->version, version, RECCACHE_VERSION_SIZE);
	return e;
}

/* Copy string *sp to *tp, advancing *tp; NULL stays NULL. */
static void
copy_text(const char **sp, char **tp)
{
	size_t	 n;

	if (*sp == NULL)
		return;
	n = strlen(*sp) + 1;
	memcpy(*tp, *sp, n);
	*sp = *tp;
	*tp += n;
}

static size_t
text_size(const char *s)
{
	return s != NULL ? strlen(s) + 1 : 0;
}

bool
reccache_entry_add(struct reccache_entry *e, const struct image_record *r)
{
	struct image_record	*c;
	char			*t;
	size_t			 n;

	if (e->n == e->max)
		return false;
	n = text_size(r->image_id) + text_size(r->user_id) +
	    text_size(r->filename) + text_size(r->s3_key) +
	    text_size(r->content_type) + text_size(r->checksum_sha256) +
	    text_size(r->title) + text_size(r->description) +
	    text_size(r->location) + text_size(r->tags_json);
	if ((c = malloc(sizeof(*c) + n)) == NULL)
		return false;
	*c = *r;
	t = (char *)(c + 1);
	copy_text(&c->image_id, &t);
	copy_text(&c->user_id, &t);
	copy_text(&c->filename, &t);
	copy_text(&c->s3_key, &t);
	copy_text(&c->content_type, &t);
	copy_text(&c->checksum_sha256, &t);
	copy_text(&c->title, &t);
	copy_text(&c->description, &t);
	copy_text(&c->location, &t);
	copy_text(&c->tags_json, &t);
	e->recs[e->n++] = c;
	e->bytes += sizeof(*c) + n;
	return true;
}

void
reccache_entry_set_word(struct reccache_entry *e, uint64_t word)
{
	e->word = word;
}

void
reccache_store(struct reccache *rc, struct reccache_entry *e)
{
	struct slot		*s = &rc->slots[key_hash(e->key) & rc->mask];
	struct reccache_entry	*old;

	if (e->bytes > RECCACHE_ENTRY_MAX)
		return;
	__atomic_add_fetch(&e->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&s->lock);
	old = s->entry;
	s->entry = e;
	s->stores++;
	pthread_mutex_unlock(&s->lock);
	reccache_release(old);
}

void
reccache_stats(struct reccache *rc, uint64_t *hits, uint64_t *stores)
{
	unsigned	 i;

	*hits = *stores = 0;
	for (i = 0; i <= rc->mask; i++) {
		pthread_mutex_lock(&rc->slots[i].lock);
		*hits += rc->slots[i].hits;
		*stores += rc->slots[i].stores;
		pthread_mutex_unlock(&rc->slots[i].lock);
	}
}
